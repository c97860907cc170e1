//! A stand-in for kubelet (and for the containers it would run) on the test control plane,
//! where no node exists: it writes Pod status through the API the way kubelet reports it, so
//! the controllers and fabcheck's wait see real workload status.
//!
//! - Pods become Running with every container ready (the StatefulSet and Deployment
//!   controllers then count them ready).
//! - The genesis Job's pod stands in for configtxgen and the publisher: it writes the
//!   `fabcheck-genesis` ConfigMap, as the publish container does, and then Succeeds (the Job
//!   controller then completes the Job). The block's bytes are a placeholder: no Fabric code
//!   runs here, and fabcheck only hands the ConfigMap to the orderers.
//! - Pods whose name starts with a `held` prefix stay Pending with their containers waiting in
//!   `ImagePullBackOff`, and an event says so, as kubelet reports an image it cannot pull.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Event, ObjectReference, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use serde_json::json;

/// A running stand-in kubelet; stops on drop.
pub struct Kubelet {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Kubelet {
    /// Starts reporting for every pod outside kube-system; pods named with a `held` prefix
    /// are reported as failing to pull their image.
    pub fn start(kubeconfig: &Path, held: &[&str]) -> Kubelet {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let kubeconfig = kubeconfig.to_path_buf();
        let held: Vec<String> = held.iter().map(|s| s.to_string()).collect();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(run(&kubeconfig, &held, &flag));
        });
        Kubelet {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Kubelet {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn client(kubeconfig: &Path) -> Option<Client> {
    let kc = Kubeconfig::read_from(kubeconfig).ok()?;
    let mut config = Config::from_custom_kubeconfig(
        kc,
        &KubeConfigOptions {
            context: Some("admin".into()),
            ..Default::default()
        },
    )
    .await
    .ok()?;
    config.read_timeout = Some(Duration::from_secs(10));
    Client::try_from(config).ok()
}

async fn run(kubeconfig: &Path, held: &[String], stop: &AtomicBool) {
    let Some(client) = client(kubeconfig).await else {
        return;
    };
    let mut reported_held: BTreeSet<String> = BTreeSet::new();
    while !stop.load(Ordering::SeqCst) {
        // The API server may be down on purpose (a test restarting it): just try again.
        if let Ok(list) = Api::<Pod>::all(client.clone())
            .list(&ListParams::default())
            .await
        {
            for pod in list.items {
                let ns = pod.metadata.namespace.clone().unwrap_or_default();
                let name = pod.metadata.name.clone().unwrap_or_default();
                if ns == "kube-system" || pod.metadata.deletion_timestamp.is_some() {
                    continue;
                }
                let phase = pod.status.as_ref().and_then(|s| s.phase.clone());
                if matches!(phase.as_deref(), Some("Running" | "Succeeded")) {
                    continue;
                }
                if held.iter().any(|h| name.starts_with(h.as_str())) {
                    if reported_held.insert(format!("{ns}/{name}")) {
                        let _ = report_held(&client, &pod).await;
                    }
                    continue;
                }
                let _ = report(&client, &pod).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Now, as the API writes times (RFC 3339, whole seconds).
fn now() -> String {
    let t = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("zero is a valid nanosecond");
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339")
}

fn api_time(text: &str) -> Time {
    serde_json::from_value(json!(text)).expect("an RFC 3339 time")
}

fn containers(pod: &Pod) -> (Vec<String>, Vec<String>) {
    let spec = pod.spec.clone().unwrap_or_default();
    (
        spec.init_containers
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.name)
            .collect(),
        spec.containers.into_iter().map(|c| c.name).collect(),
    )
}

async fn patch_status(client: &Client, pod: &Pod, status: serde_json::Value) -> kube::Result<Pod> {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let api: Api<Pod> = Api::namespaced(client.clone(), &ns);
    api.patch_status(
        pod.metadata.name.as_deref().unwrap_or_default(),
        &PatchParams::default(),
        &Patch::Merge(&json!({ "status": status })),
    )
    .await
}

async fn report(client: &Client, pod: &Pod) -> kube::Result<()> {
    let t = now();
    let (init, main) = containers(pod);
    let job = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.kind == "Job")
        .map(|o| o.name.clone());
    if let Some(job) = job {
        if job == "fabcheck-genesis" {
            publish_genesis(client, pod).await?;
        }
        let done = |name: &String| {
            json!({"name": name, "ready": false, "restartCount": 0, "image": "stand-in", "imageID": "",
                   "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": t, "finishedAt": t}}})
        };
        patch_status(
            client,
            pod,
            json!({
                "phase": "Succeeded",
                "startTime": t,
                "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted", "lastTransitionTime": t}],
                "initContainerStatuses": init.iter().map(done).collect::<Vec<_>>(),
                "containerStatuses": main.iter().map(done).collect::<Vec<_>>(),
            }),
        )
        .await?;
        return Ok(());
    }
    let running = |name: &String| {
        json!({"name": name, "ready": true, "started": true, "restartCount": 0, "image": "stand-in", "imageID": "",
               "state": {"running": {"startedAt": t}}})
    };
    let done = |name: &String| {
        json!({"name": name, "ready": true, "restartCount": 0, "image": "stand-in", "imageID": "",
               "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": t, "finishedAt": t}}})
    };
    patch_status(
        client,
        pod,
        json!({
            "phase": "Running",
            "startTime": t,
            "podIP": "10.244.0.10",
            "conditions": [
                {"type": "Initialized", "status": "True", "lastTransitionTime": t},
                {"type": "Ready", "status": "True", "lastTransitionTime": t},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": t},
            ],
            "initContainerStatuses": init.iter().map(done).collect::<Vec<_>>(),
            "containerStatuses": main.iter().map(running).collect::<Vec<_>>(),
        }),
    )
    .await
    .map(drop)
}

/// What the genesis Job's publish container does: the channel artifacts as a ConfigMap.
async fn publish_genesis(client: &Client, pod: &Pod) -> kube::Result<()> {
    use k8s_openapi::ByteString;
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    let network = labels
        .get("fabcheck.io/network")
        .cloned()
        .unwrap_or_default();
    let block = ByteString(b"stand-in genesis block written by the test kubelet".to_vec());
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("fabcheck-genesis".into()),
            namespace: Some(ns.clone()),
            labels: Some(
                [
                    ("fabcheck.io/network".to_owned(), network),
                    ("fabcheck.io/component".to_owned(), "genesis".to_owned()),
                    (
                        "app.kubernetes.io/managed-by".to_owned(),
                        "fabcheck".to_owned(),
                    ),
                ]
                .into(),
            ),
            ..ObjectMeta::default()
        },
        binary_data: Some([("genesis.block".to_owned(), block)].into()),
        ..ConfigMap::default()
    };
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    api.patch(
        "fabcheck-genesis",
        &PatchParams::apply("fabcheck-genesis").force(),
        &Patch::Apply(&cm),
    )
    .await
    .map(drop)
}

async fn report_held(client: &Client, pod: &Pod) -> kube::Result<()> {
    let t = now();
    let (_, main) = containers(pod);
    let image = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    let message = format!("Back-off pulling image \"{image}\"");
    let waiting = |name: &String| {
        json!({"name": name, "ready": false, "restartCount": 0, "image": image, "imageID": "",
               "state": {"waiting": {"reason": "ImagePullBackOff", "message": message}}})
    };
    patch_status(
        client,
        pod,
        json!({
            "phase": "Pending",
            "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": t}],
            "containerStatuses": main.iter().map(waiting).collect::<Vec<_>>(),
        }),
    )
    .await?;
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let event = Event {
        metadata: ObjectMeta {
            name: Some(format!("{name}.stand-in-kubelet")),
            namespace: Some(ns.clone()),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            kind: Some("Pod".into()),
            name: Some(name),
            namespace: Some(ns.clone()),
            uid: pod.metadata.uid.clone(),
            api_version: Some("v1".into()),
            ..ObjectReference::default()
        },
        reason: Some("Failed".into()),
        message: Some(format!("Failed to pull image \"{image}\": not found")),
        type_: Some("Warning".into()),
        count: Some(1),
        first_timestamp: Some(api_time(&t)),
        last_timestamp: Some(api_time(&t)),
        ..Event::default()
    };
    Api::<Event>::namespaced(client.clone(), &ns)
        .create(&PostParams::default(), &event)
        .await
        .map(drop)
}
