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
//! - With a probe binary ([`Kubelet::start_with_probe_binary`]), the pods of `check --probe
//!   in-cluster` (labelled `fabcheck.io/component=probe`) really run: their container's
//!   arguments and environment go to the local fabcheck binary, with the API server and the
//!   pod's service account (token, serving CA, namespace) handed over as kubelet would, and the
//!   pod becomes Running, then Succeeded or Failed by the exit code (killed after
//!   [`PROBE_LIMIT`]).

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Event, ObjectReference, Pod, Secret, ServiceAccount};
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
        Kubelet::spawn(kubeconfig, held, None)
    }

    /// Like [`Kubelet::start`], and runs probe pods with `binary` (the test's fabcheck),
    /// pointing them at the API server on 127.0.0.1:`api_port`.
    pub fn start_with_probe_binary(
        kubeconfig: &Path,
        held: &[&str],
        binary: &Path,
        api_port: u16,
    ) -> Kubelet {
        Kubelet::spawn(
            kubeconfig,
            held,
            Some(ProbeRunner {
                binary: binary.to_path_buf(),
                api_port,
                ca_pem: serving_ca(kubeconfig),
            }),
        )
    }

    fn spawn(kubeconfig: &Path, held: &[&str], runner: Option<ProbeRunner>) -> Kubelet {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let kubeconfig = kubeconfig.to_path_buf();
        let held: Vec<String> = held.iter().map(|s| s.to_string()).collect();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(run(&kubeconfig, &held, runner.as_ref(), &flag));
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

async fn run(kubeconfig: &Path, held: &[String], runner: Option<&ProbeRunner>, stop: &AtomicBool) {
    let Some(client) = client(kubeconfig).await else {
        return;
    };
    let mut reported_held: BTreeSet<String> = BTreeSet::new();
    // Probe pods started (by uid, never twice) and the processes still running.
    let mut launched: BTreeSet<String> = BTreeSet::new();
    let mut running: Vec<RunningProbe> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        // The API server may be down on purpose (a test restarting it): just try again.
        if let Ok(list) = Api::<Pod>::all(client.clone())
            .list(&ListParams::default())
            .await
        {
            let present: BTreeSet<String> = list
                .items
                .iter()
                .filter(|p| p.metadata.deletion_timestamp.is_none())
                .filter_map(|p| p.metadata.uid.clone())
                .collect();
            for pod in list.items {
                let ns = pod.metadata.namespace.clone().unwrap_or_default();
                let name = pod.metadata.name.clone().unwrap_or_default();
                if ns == "kube-system" || pod.metadata.deletion_timestamp.is_some() {
                    continue;
                }
                let phase = pod.status.as_ref().and_then(|s| s.phase.clone());
                if matches!(phase.as_deref(), Some("Running" | "Succeeded" | "Failed")) {
                    continue;
                }
                if held.iter().any(|h| name.starts_with(h.as_str())) {
                    if reported_held.insert(format!("{ns}/{name}")) {
                        let _ = report_held(&client, &pod).await;
                    }
                    continue;
                }
                if let Some(runner) = runner.filter(|_| is_probe(&pod)) {
                    let uid = pod.metadata.uid.clone().unwrap_or_default();
                    if !launched.contains(&uid) {
                        // Not launchable yet (its token Secret may not exist yet): next round.
                        if let Ok(started) = runner.launch(&client, &pod).await {
                            launched.insert(uid);
                            running.push(started);
                        }
                    }
                    continue;
                }
                let _ = report(&client, &pod).await;
            }
            reap(&client, &mut running, &present).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for mut probe in running {
        probe.kill();
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

/// How long a probe pod's process may run before it is killed (and its pod marked Failed).
pub const PROBE_LIMIT: Duration = Duration::from_secs(120);

/// What a probe pod runs with.
struct ProbeRunner {
    binary: PathBuf,
    api_port: u16,
    /// The API server's serving CA, as a pod's service account `ca.crt` holds it.
    ca_pem: Vec<u8>,
}

/// A probe pod's process.
struct RunningProbe {
    pod: Pod,
    child: Child,
    started: Instant,
    /// Service account files and the process's output.
    dir: tempfile::TempDir,
}

impl RunningProbe {
    fn key(&self) -> String {
        format!(
            "{}/{}",
            self.pod.metadata.namespace.as_deref().unwrap_or_default(),
            self.pod.metadata.name.as_deref().unwrap_or_default()
        )
    }

    /// Kills the process and everything it started (its own process group).
    fn kill(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }

    fn output(&self) -> String {
        let read =
            |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!(
            "--- stdout\n{}--- stderr\n{}",
            read("stdout"),
            read("stderr")
        )
    }
}

fn is_probe(pod: &Pod) -> bool {
    pod.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("fabcheck.io/component"))
        .is_some_and(|c| c == "probe")
}

/// The kubeconfig's certificate-authority-data: the CA that signed the API server's certificate.
fn serving_ca(kubeconfig: &Path) -> Vec<u8> {
    use base64::Engine;
    let kc = Kubeconfig::read_from(kubeconfig).expect("kubeconfig");
    let data = kc
        .clusters
        .iter()
        .find_map(|c| c.cluster.as_ref()?.certificate_authority_data.clone())
        .expect("certificate-authority-data in the kubeconfig");
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .expect("base64 certificate-authority-data")
}

impl ProbeRunner {
    /// Starts the pod's container as a local process and marks the pod Running. `Err` when the
    /// pod's service account has no token yet (the token controller has not caught up).
    async fn launch(&self, client: &Client, pod: &Pod) -> Result<RunningProbe, String> {
        use std::os::unix::process::CommandExt;
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let spec = pod.spec.clone().unwrap_or_default();
        let account = spec
            .service_account_name
            .clone()
            .unwrap_or_else(|| "default".to_owned());
        let sa = Api::<ServiceAccount>::namespaced(client.clone(), &ns)
            .get(&account)
            .await
            .map_err(|e| e.to_string())?;
        let secrets = Api::<Secret>::namespaced(client.clone(), &ns);
        let mut token = None;
        for reference in sa.secrets.iter().flatten() {
            let Some(secret_name) = &reference.name else {
                continue;
            };
            let Ok(secret) = secrets.get(secret_name).await else {
                continue;
            };
            if secret.type_.as_deref() == Some("kubernetes.io/service-account-token") {
                token = secret
                    .data
                    .and_then(|d| d.get("token").map(|t| t.0.clone()));
                break;
            }
        }
        let token = token.ok_or("no service account token yet")?;
        let dir = tempfile::Builder::new()
            .prefix("fabcheck-probe-pod-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("token"), &token).map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("ca.crt"), &self.ca_pem).map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("namespace"), &ns).map_err(|e| e.to_string())?;
        let container = spec.containers.first().cloned().unwrap_or_default();
        // The image's entrypoint is fabcheck: a command, if any, replaces it (its first word
        // names the program), and the arguments follow.
        let mut args: Vec<String> = container
            .command
            .clone()
            .unwrap_or_default()
            .into_iter()
            .skip(1)
            .collect();
        args.extend(container.args.clone().unwrap_or_default());
        let mut cmd = Command::new(&self.binary);
        cmd.args(&args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("HOSTNAME", &name);
        for var in container.env.iter().flatten() {
            let value = match (&var.value, &var.value_from) {
                (Some(v), _) => Some(v.clone()),
                (None, Some(from)) => {
                    from.field_ref
                        .as_ref()
                        .and_then(|f| match f.field_path.as_str() {
                            "metadata.name" => Some(name.clone()),
                            "metadata.namespace" => Some(ns.clone()),
                            "spec.serviceAccountName" => Some(account.clone()),
                            _ => None,
                        })
                }
                (None, None) => Some(String::new()),
            };
            if let Some(value) = value {
                cmd.env(&var.name, value);
            }
        }
        cmd.env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
            .env("KUBERNETES_SERVICE_PORT", self.api_port.to_string())
            .env("FABCHECK_SERVICEACCOUNT_DIR", dir.path());
        let out = std::fs::File::create(dir.path().join("stdout")).map_err(|e| e.to_string())?;
        let err = std::fs::File::create(dir.path().join("stderr")).map_err(|e| e.to_string())?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("failed to start {}: {e}", self.binary.display()))?;
        let t = now();
        let running = |c: &String| {
            json!({"name": c, "ready": true, "started": true, "restartCount": 0, "image": container.image, "imageID": "",
                   "state": {"running": {"startedAt": t}}})
        };
        let _ = patch_status(
            client,
            pod,
            json!({
                "phase": "Running",
                "startTime": t,
                "podIP": "10.244.0.11",
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": t}],
                "containerStatuses": [running(&container.name)],
            }),
        )
        .await;
        Ok(RunningProbe {
            pod: pod.clone(),
            child,
            started: Instant::now(),
            dir,
        })
    }
}

/// Reports probe processes that ended (or ran out of time), and stops those whose pod is gone.
async fn reap(client: &Client, running: &mut Vec<RunningProbe>, present: &BTreeSet<String>) {
    let mut still = Vec::new();
    for mut probe in running.drain(..) {
        let uid = probe.pod.metadata.uid.clone().unwrap_or_default();
        if !present.contains(&uid) {
            // Deleted (its Job was): kubelet stops the container.
            probe.kill();
            continue;
        }
        let (code, reason) = match probe.child.try_wait() {
            Ok(Some(status)) => (status.code().unwrap_or(137), None),
            Ok(None) if probe.started.elapsed() > PROBE_LIMIT => {
                probe.kill();
                (137, Some("DeadlineExceeded"))
            }
            Ok(None) => {
                still.push(probe);
                continue;
            }
            Err(_) => (1, Some("Error")),
        };
        if code != 0 {
            eprintln!(
                "stand-in kubelet: probe pod {} exited {code}\n{}",
                probe.key(),
                probe.output()
            );
        }
        let t = now();
        let name = probe
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.containers.first())
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let reason = reason.unwrap_or(if code == 0 { "Completed" } else { "Error" });
        let _ = patch_status(
            client,
            &probe.pod,
            json!({
                "phase": if code == 0 { "Succeeded" } else { "Failed" },
                "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted", "lastTransitionTime": t}],
                "containerStatuses": [{"name": name, "ready": false, "restartCount": 0, "image": "stand-in", "imageID": "",
                    "state": {"terminated": {"exitCode": code, "reason": reason, "startedAt": t, "finishedAt": t}}}],
            }),
        )
        .await;
    }
    *running = still;
}
