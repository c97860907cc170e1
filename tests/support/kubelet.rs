//! A stand-in for kubelet (and for the containers it would run) on the test control plane,
//! where no node exists: it writes Pod status through the API the way kubelet reports it, so
//! the controllers and fabcheck's wait see real workload status.
//!
//! - Pods become Running with every container ready (the StatefulSet and Deployment
//!   controllers then count them ready).
//! - Job pods are bound to the node `stand-in-jobs` and their logs served as a kubelet serves
//!   them ([`node_logs`]), so `pods/log` through the API server works for them. The genesis
//!   Job's container really runs: its own `sh` script, with its ConfigMap volumes written out
//!   and its mount paths moved into a scratch folder, and `examples/standin-node` on PATH as
//!   `configtxgen`, which writes real Fabric blocks and transactions from the Job's configtx.yaml
//!   (no Fabric code runs here); its output is the pod's log and its exit code the pod's phase. Other Job
//!   pods (channel, chaincode) log a line and Succeed, or, when their name starts with a
//!   `failing` prefix, log why they gave up and Fail.
//! - Pods whose name starts with a `held` prefix stay Pending with their containers waiting in
//!   `ImagePullBackOff`, and an event says so, as kubelet reports an image it cannot pull.
//! - Pods running an image the node does not have and cannot pull ([`Kubelet::missing_images`])
//!   go through what kubelet 1.20 reports for one (pkg/kubelet/images/image_manager.go
//!   `EnsureImageExists`, pkg/kubelet/kuberuntime/kuberuntime_container.go `startContainer`):
//!   events `Pulling` "Pulling image …", `Failed` "Failed to pull image …: …" and `Failed`
//!   "Error: ErrImagePull", the container waiting in `ErrImagePull` with the pull's error as its
//!   message; then, while the pull back-off runs, waiting in `ImagePullBackOff` ("Back-off
//!   pulling image …") with events `BackOff` and `Failed` "Error: ImagePullBackOff". With
//!   `imagePullPolicy: Never` it waits in `ErrImageNeverPull` ("Container image … is not present
//!   with pull policy of Never").
//! - With a probe binary ([`Kubelet::start_with_probe_binary`]), the pods of `check --probe
//!   in-cluster` (labelled `fabcheck.io/component=probe`) really run: their container's
//!   arguments and environment go to the local fabcheck binary, with the API server and the
//!   pod's service account (token, serving CA, namespace) handed over as kubelet would, and the
//!   pod becomes Running, then Succeeded or Failed by the exit code (killed after
//!   [`PROBE_LIMIT`]).
//! - With nodes ([`Kubelet::start_with_probe_binary_on_nodes`]) it registers a Node object for
//!   each, as kubelet registers its node, and does the scheduler's one job the DaemonSet
//!   controller leaves to it: binding each DaemonSet pod to the node its affinity names. A
//!   probe pod on a node gets `spec.nodeName` through the downward API and, under
//!   `dnsPolicy: Default`, the node's resolv.conf (`FABCHECK_RESOLV_CONF`); the node's
//!   kube-proxy, which sends a Service address to the pods behind it, is stood in for by
//!   `FABCHECK_SERVICE_NAT` (the cluster DNS Service address to the test's DNS server).

#![allow(dead_code)]

// Each support module stands alone, so a test using several loads this one several times.
#[allow(clippy::duplicate_mod)]
#[path = "watched.rs"]
mod watched;

#[allow(clippy::duplicate_mod)]
#[path = "node_logs.rs"]
mod node_logs;

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

/// Images no stand-in node has or can pull (see the module docs), for the next kubelet started
/// on this thread.
pub fn missing_images(images: &[&str]) {
    MISSING.with(|m| *m.borrow_mut() = images.iter().map(|s| (*s).to_owned()).collect());
}

thread_local! {
    static MISSING: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Kubelet {
    /// Starts reporting for every pod outside kube-system; pods named with a `held` prefix
    /// are reported as failing to pull their image.
    pub fn start(kubeconfig: &Path, held: &[&str]) -> Kubelet {
        Kubelet::spawn(kubeconfig, held, &[], None)
    }

    /// Like [`Kubelet::start`]; Job pods whose name starts with a `failing` prefix fail.
    pub fn start_failing(kubeconfig: &Path, held: &[&str], failing: &[&str]) -> Kubelet {
        Kubelet::spawn(kubeconfig, held, failing, None)
    }

    /// Like [`Kubelet::start`], and runs probe pods with `binary` (the test's fabcheck),
    /// pointing them at the API server on 127.0.0.1:`api_port`.
    pub fn start_with_probe_binary(
        kubeconfig: &Path,
        held: &[&str],
        binary: &Path,
        api_port: u16,
    ) -> Kubelet {
        Kubelet::start_with_probe_binary_on_nodes(kubeconfig, held, binary, api_port, Vec::new())
    }

    /// Like [`Kubelet::start_with_probe_binary`], on `nodes` (registered as Node objects).
    pub fn start_with_probe_binary_on_nodes(
        kubeconfig: &Path,
        held: &[&str],
        binary: &Path,
        api_port: u16,
        nodes: Vec<NodeNet>,
    ) -> Kubelet {
        Kubelet::spawn(
            kubeconfig,
            held,
            &[],
            Some(ProbeRunner {
                binary: binary.to_path_buf(),
                api_port,
                ca_pem: serving_ca(kubeconfig),
                nodes,
            }),
        )
    }

    fn spawn(
        kubeconfig: &Path,
        held: &[&str],
        failing: &[&str],
        runner: Option<ProbeRunner>,
    ) -> Kubelet {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let kubeconfig = kubeconfig.to_path_buf();
        let held: Vec<String> = held.iter().map(|s| s.to_string()).collect();
        let failing: Vec<String> = failing.iter().map(|s| s.to_string()).collect();
        let missing: Vec<String> = MISSING.with(|m| m.borrow().clone());
        let (registered, node_up) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(run(
                &kubeconfig,
                &held,
                &failing,
                &missing,
                runner.as_ref(),
                &flag,
                registered,
            ));
        });
        // A deploy's preflight looks for a Ready node and a default StorageClass: have them
        // before the test runs anything.
        let _ = node_up.recv_timeout(Duration::from_secs(20));
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

async fn run(
    kubeconfig: &Path,
    held: &[String],
    failing: &[String],
    missing: &[String],
    runner: Option<&ProbeRunner>,
    stop: &AtomicBool,
    registered: std::sync::mpsc::Sender<()>,
) {
    let Some(client) = client(kubeconfig).await else {
        return;
    };
    let logs = node_logs::Logs::default();
    let Ok(log_port) = node_logs::serve(logs.clone()).await else {
        return;
    };
    register_job_node(&client, log_port).await;
    default_storage_class(&client).await;
    let _ = registered.send(());
    let jobs = JobRunner {
        logs,
        failing: failing.to_vec(),
    };
    for node in runner.map(|r| r.nodes.as_slice()).unwrap_or_default() {
        register(&client, node).await;
    }
    let node_names: Vec<String> = std::iter::once(JOB_NODE.to_owned())
        .chain(
            runner
                .map(|r| r.nodes.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|n| n.name.clone()),
        )
        .collect();
    let mut last_heartbeat = std::time::Instant::now();
    let mut reported_held: BTreeSet<String> = BTreeSet::new();
    // Pods whose image is missing: when the first pull failed, and which stages were reported.
    let mut pull_failed_at: std::collections::BTreeMap<String, Instant> = Default::default();
    let mut pull_reported: BTreeSet<(String, PullStage)> = BTreeSet::new();
    // Probe pods started (by uid, never twice) and the processes still running.
    let mut launched: BTreeSet<String> = BTreeSet::new();
    let mut running: Vec<RunningProbe> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        // A kubelet reports its node every 10 s; without it the node lifecycle controller
        // marks the node NotReady after its 40 s grace period, and a long test's later deploys
        // would find no Ready node.
        if last_heartbeat.elapsed() >= Duration::from_secs(10) {
            for name in &node_names {
                heartbeat(&client, name).await;
            }
            last_heartbeat = std::time::Instant::now();
        }
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
                if ns == "kube-system" {
                    continue;
                }
                if pod.metadata.deletion_timestamp.is_some() {
                    // A pod bound to a node is only gone once that node's kubelet has stopped
                    // its containers (reaped below) and deletes it for good.
                    if node_of(runner, &pod).is_some() {
                        let _ = Api::<Pod>::namespaced(client.clone(), &ns)
                            .delete(&name, &kube::api::DeleteParams::default().grace_period(0))
                            .await;
                    }
                    continue;
                }
                let phase = pod.status.as_ref().and_then(|s| s.phase.clone());
                if matches!(phase.as_deref(), Some("Running" | "Succeeded" | "Failed")) {
                    continue;
                }
                if let Some(node) = affinity_node(&pod) {
                    let _ = bind(&client, &pod, &node).await;
                    continue;
                }
                if let Some((container, image, never)) = missing_image(&pod, missing) {
                    let uid = pod.metadata.uid.clone().unwrap_or_default();
                    let first = *pull_failed_at
                        .entry(uid.clone())
                        .or_insert_with(Instant::now);
                    // Kubelet's first back-off is 10 s; the pod is seen in ErrImagePull for
                    // about one sync before that.
                    let stage = if never {
                        PullStage::NeverPull
                    } else if first.elapsed() < Duration::from_secs(1) {
                        PullStage::ErrImagePull
                    } else {
                        PullStage::BackOff
                    };
                    if pull_reported.insert((uid, stage)) {
                        let _ = report_pull_failure(&client, &pod, &container, &image, stage).await;
                    }
                    continue;
                }
                if held.iter().any(|h| name.starts_with(h.as_str()))
                    || node_of(runner, &pod).is_some_and(|n| n.cannot_pull)
                {
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
                let _ = report(&client, &pod, &jobs).await;
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

async fn report(client: &Client, pod: &Pod, jobs: &JobRunner) -> kube::Result<()> {
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
        // The API server fetches a pod's log from the node it is bound to.
        bind(client, pod, JOB_NODE).await?;
        let code = jobs.run(client, pod, &job).await;
        let (phase, reason) = if code == 0 {
            ("Succeeded", "Completed")
        } else {
            ("Failed", "Error")
        };
        let done = |name: &String| {
            json!({"name": name, "ready": false, "restartCount": 0, "image": "stand-in", "imageID": "",
                   "state": {"terminated": {"exitCode": code, "reason": reason, "startedAt": t, "finishedAt": t}}})
        };
        patch_status(
            client,
            pod,
            json!({
                "phase": phase,
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

/// The node Job pods are bound to; it has no `kubernetes.io/os` label, so DaemonSets that
/// place pods on every Linux node (the in-cluster probe's) leave it alone.
const JOB_NODE: &str = "stand-in-jobs";

/// Registers [`JOB_NODE`], Ready, with its kubelet endpoint at 127.0.0.1:`port`.
async fn register_job_node(client: &Client, port: u16) {
    use k8s_openapi::api::core::v1::Node;
    let body: Node = serde_json::from_value(json!({
        "metadata": {"name": JOB_NODE, "labels": {
            "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": JOB_NODE}},
    }))
    .expect("a Node");
    let api: Api<Node> = Api::all(client.clone());
    let _ = api.create(&PostParams::default(), &body).await;
    let t = now();
    let _ = api
        .patch_status(
            JOB_NODE,
            &PatchParams::default(),
            &Patch::Merge(&json!({"status": {
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": t, "lastTransitionTime": t}],
                "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
                "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux",
                    "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "",
                    "osImage": "", "containerRuntimeVersion": "", "kubeletVersion": "v1.20.2",
                    "kubeProxyVersion": "v1.20.2"},
            }})),
        )
        .await;
}

/// The default StorageClass a node's local provisioner brings (kind's `standard`): claims of
/// the network's StatefulSets stay Pending, which nothing here waits on (pods are reported
/// running regardless).
async fn default_storage_class(client: &Client) {
    use k8s_openapi::api::storage::v1::StorageClass;
    let class: StorageClass = serde_json::from_value(json!({
        "metadata": {"name": "standard", "annotations": {
            "storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "kubernetes.io/no-provisioner",
        "volumeBindingMode": "WaitForFirstConsumer",
    }))
    .expect("a StorageClass");
    let _ = Api::<StorageClass>::all(client.clone())
        .create(&PostParams::default(), &class)
        .await;
}

/// Runs Job pods: the genesis Job's script for real (with a stand-in configtxgen), the others
/// as a line in their log.
struct JobRunner {
    logs: node_logs::Logs,
    failing: Vec<String>,
}

impl JobRunner {
    /// Runs the pod's container; returns its exit code. Its output becomes its log.
    async fn run(&self, client: &Client, pod: &Pod, job: &str) -> i32 {
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let Some(container) = pod.spec.as_ref().and_then(|s| s.containers.first()) else {
            return 1;
        };
        let (code, log) = if self.failing.iter().any(|f| name.starts_with(f.as_str())) {
            (
                1,
                format!(
                    "stand-in kubelet: {job} runs\nError: failed to create deliver client for orderer: orderer client failed to connect\nfabcheck: gave up after 120 tries: peer channel fetch 0 mychannel.block\n"
                ),
            )
        } else if job == "fabcheck-genesis" {
            run_script(client, pod, container).await
        } else {
            (0, format!("stand-in kubelet: {job} completed\n"))
        };
        self.logs.put(&ns, &name, &container.name, log);
        code
    }
}

/// Runs the container's `sh -c` script on this machine: its ConfigMap and emptyDir volumes
/// become folders of a scratch directory (each mount path is moved there in the script and the
/// environment), and `configtxgen` is the stand-in below.
async fn run_script(
    client: &Client,
    pod: &Pod,
    container: &k8s_openapi::api::core::v1::Container,
) -> (i32, String) {
    let Ok(dir) = tempfile::tempdir() else {
        return (1, "stand-in kubelet: no scratch folder\n".into());
    };
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let volumes = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.clone())
        .unwrap_or_default();
    let mut moves: Vec<(String, String)> = Vec::new();
    for (i, m) in container.volume_mounts.iter().flatten().enumerate() {
        let local = dir.path().join(format!("volume-{i}"));
        let _ = std::fs::create_dir_all(&local);
        if let Some(cm) = volumes
            .iter()
            .find(|v| v.name == m.name)
            .and_then(|v| v.config_map.as_ref())
        {
            let api: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
            let Ok(stored) = api.get(&cm.name).await else {
                return (
                    1,
                    format!("stand-in kubelet: ConfigMap {ns}/{} not found\n", cm.name),
                );
            };
            for item in cm.items.iter().flatten() {
                let bytes = stored
                    .data
                    .as_ref()
                    .and_then(|d| d.get(&item.key))
                    .map(|t| t.as_bytes().to_vec())
                    .or_else(|| {
                        stored
                            .binary_data
                            .as_ref()
                            .and_then(|d| d.get(&item.key))
                            .map(|b| b.0.clone())
                    });
                let Some(bytes) = bytes else {
                    return (1, format!("stand-in kubelet: key {} missing\n", item.key));
                };
                let path = local.join(&item.path);
                let _ = std::fs::create_dir_all(path.parent().unwrap_or(&local));
                let _ = std::fs::write(path, bytes);
            }
        }
        moves.push((m.mount_path.clone(), local.display().to_string()));
    }
    // Longest first, so a mount inside another moves with its own folder.
    moves.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let relocate = |text: &str| {
        moves
            .iter()
            .fold(text.to_owned(), |t, (from, to)| move_path(&t, from, to))
    };
    let Some(script) = container
        .command
        .as_ref()
        .filter(|c| c.len() == 3 && c[0] == "sh" && c[1] == "-c")
        .map(|c| relocate(&c[2]))
    else {
        return (
            1,
            "stand-in kubelet: the container is not `sh -c SCRIPT`\n".into(),
        );
    };
    let bin = dir.path().join("bin");
    let _ = std::fs::create_dir_all(&bin);
    let Some(standin) = standin_node() else {
        return (
            1,
            "stand-in kubelet: examples/standin-node missing (`cargo test` builds it)\n".into(),
        );
    };
    let _ = std::os::unix::fs::symlink(standin, bin.join("configtxgen"));
    let out_path = dir.path().join("log");
    let Ok(out) = std::fs::File::create(&out_path) else {
        return (1, "stand-in kubelet: no log file\n".into());
    };
    let Ok(err) = out.try_clone() else {
        return (1, "stand-in kubelet: no log file\n".into());
    };
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    for e in container.env.iter().flatten() {
        command.env(&e.name, relocate(e.value.as_deref().unwrap_or_default()));
    }
    let code = match command.status() {
        Ok(status) => status.code().unwrap_or(1),
        Err(_) => 1,
    };
    (code, std::fs::read_to_string(out_path).unwrap_or_default())
}

/// `text` with every occurrence of the path `from` (as a whole path or a prefix of one) made
/// `to`.
fn move_path(text: &str, from: &str, to: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(from) {
        let before = rest[..i].chars().last();
        let after = rest[i + from.len()..].chars().next();
        let starts = before.is_none_or(|c| !c.is_alphanumeric() && c != '/' && c != '_');
        let ends = after.is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '-' && c != '.');
        out.push_str(&rest[..i]);
        out.push_str(if starts && ends { to } else { from });
        rest = &rest[i + from.len()..];
    }
    out.push_str(rest);
    out
}

/// The stand-in for configtxgen: `examples/standin-node` called as `configtxgen`, which reads
/// configtx.yaml as configtxgen does and writes real Fabric blocks and transactions
/// (`standin_fabric::configtxgen`). Found beside the running test binary (`target/…/deps/`) or
/// example (`target/…/examples/`).
fn standin_node() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [
        dir.join("standin-node"),
        dir.parent()?.join("examples/standin-node"),
    ]
    .into_iter()
    .find(|p| p.is_file())
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
    // Only the first container's image is held back; the others wait their turn.
    let images: Vec<String> = pod
        .spec
        .as_ref()
        .map(|s| {
            s.containers
                .iter()
                .map(|c| c.image.clone().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    let waiting = |(i, name): (usize, &String)| {
        let state = if i == 0 {
            json!({"waiting": {"reason": "ImagePullBackOff", "message": message}})
        } else {
            json!({"waiting": {"reason": "ContainerCreating"}})
        };
        json!({"name": name, "ready": false, "restartCount": 0,
               "image": images.get(i).cloned().unwrap_or_default(), "imageID": "", "state": state})
    };
    patch_status(
        client,
        pod,
        json!({
            "phase": "Pending",
            "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": t}],
            "containerStatuses": main.iter().enumerate().map(waiting).collect::<Vec<_>>(),
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

/// Where a pod with a missing image is in kubelet's pull cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PullStage {
    ErrImagePull,
    BackOff,
    NeverPull,
}

/// The first container of `pod` whose image is `missing`: its name, image, and whether its
/// pull policy is `Never`.
fn missing_image(pod: &Pod, missing: &[String]) -> Option<(String, String, bool)> {
    let spec = pod.spec.as_ref()?;
    spec.init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .find_map(|c| {
            let image = c.image.clone()?;
            missing.contains(&image).then(|| {
                (
                    c.name.clone(),
                    image,
                    c.image_pull_policy.as_deref() == Some("Never"),
                )
            })
        })
}

/// Reports one stage of a failed pull as kubelet 1.20 does (see the module docs): the
/// container's waiting state, and the events of that stage.
async fn report_pull_failure(
    client: &Client,
    pod: &Pod,
    container: &str,
    image: &str,
    stage: PullStage,
) -> kube::Result<()> {
    let t = now();
    // dockershim's answer for an image no registry has (the 1.20 kubelet's docker runtime).
    let pull_error = format!(
        "rpc error: code = Unknown desc = Error response from daemon: pull access denied for {}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
        image.split(':').next().unwrap_or(image)
    );
    let (reason, message, events): (&str, String, Vec<(&str, &str, String)>) = match stage {
        PullStage::ErrImagePull => (
            "ErrImagePull",
            pull_error.clone(),
            vec![
                ("Normal", "Pulling", format!("Pulling image \"{image}\"")),
                (
                    "Warning",
                    "Failed",
                    format!("Failed to pull image \"{image}\": {pull_error}"),
                ),
                ("Warning", "Failed", "Error: ErrImagePull".to_owned()),
            ],
        ),
        PullStage::BackOff => (
            "ImagePullBackOff",
            format!("Back-off pulling image \"{image}\""),
            vec![
                (
                    "Normal",
                    "BackOff",
                    format!("Back-off pulling image \"{image}\""),
                ),
                ("Warning", "Failed", "Error: ImagePullBackOff".to_owned()),
            ],
        ),
        PullStage::NeverPull => {
            let m = format!("Container image \"{image}\" is not present with pull policy of Never");
            (
                "ErrImageNeverPull",
                m.clone(),
                vec![("Warning", "ErrImageNeverPull", m)],
            )
        }
    };
    let (_, main) = containers(pod);
    let status = |name: &String| {
        let state = if name == container {
            json!({"waiting": {"reason": reason, "message": message}})
        } else {
            json!({"waiting": {"reason": "ContainerCreating"}})
        };
        json!({"name": name, "ready": false, "restartCount": 0, "image": image, "imageID": "",
               "state": state})
    };
    patch_status(
        client,
        pod,
        json!({
            "phase": "Pending",
            "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": t}],
            "containerStatuses": main.iter().map(status).collect::<Vec<_>>(),
        }),
    )
    .await?;
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    for (i, (type_, why, text)) in events.into_iter().enumerate() {
        let event = Event {
            metadata: ObjectMeta {
                name: Some(format!("{name}.pull-{stage:?}-{i}").to_ascii_lowercase()),
                namespace: Some(ns.clone()),
                ..ObjectMeta::default()
            },
            involved_object: ObjectReference {
                kind: Some("Pod".into()),
                name: Some(name.clone()),
                namespace: Some(ns.clone()),
                uid: pod.metadata.uid.clone(),
                api_version: Some("v1".into()),
                field_path: Some(format!("spec.containers{{{container}}}")),
                ..ObjectReference::default()
            },
            reason: Some(why.into()),
            message: Some(text),
            type_: Some(type_.into()),
            count: Some(1),
            first_timestamp: Some(api_time(&t)),
            last_timestamp: Some(api_time(&t)),
            source: Some(k8s_openapi::api::core::v1::EventSource {
                component: Some("kubelet".into()),
                host: Some(JOB_NODE.into()),
            }),
            ..Event::default()
        };
        Api::<Event>::namespaced(client.clone(), &ns)
            .create(&PostParams::default(), &event)
            .await?;
    }
    Ok(())
}

/// A node the stand-in kubelet runs: its name, its resolv.conf, where its kube-proxy sends
/// Service addresses (`FABCHECK_SERVICE_NAT` syntax: `10.96.0.10=127.0.0.1:5353`), and whether
/// it can pull images.
#[derive(Debug, Clone)]
pub struct NodeNet {
    pub name: String,
    pub resolv_conf: String,
    pub service_nat: String,
    /// Every pod on the node stays waiting in `ImagePullBackOff` (a node whose registry
    /// access is broken).
    pub cannot_pull: bool,
}

/// The stand-in's node the pod is bound to, if it is bound to one of them.
fn node_of<'a>(runner: Option<&'a ProbeRunner>, pod: &Pod) -> Option<&'a NodeNet> {
    let bound = pod.spec.as_ref()?.node_name.as_deref()?;
    runner?.nodes.iter().find(|n| n.name == bound)
}

/// Registers the node, Ready, as kubelet does on start.
async fn register(client: &Client, node: &NodeNet) {
    use k8s_openapi::api::core::v1::Node;
    let body: Node = serde_json::from_value(json!({
        "metadata": {"name": node.name, "labels": {
            "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": node.name}},
    }))
    .expect("a Node");
    let api: Api<Node> = Api::all(client.clone());
    if api.create(&PostParams::default(), &body).await.is_err() {
        return;
    }
    let t = now();
    let _ = api
        .patch_status(
            &node.name,
            &PatchParams::default(),
            &Patch::Merge(&json!({"status": {"conditions": [
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": t, "lastTransitionTime": t}
            ]}})),
        )
        .await;
}

/// Reports a node Ready with a fresh heartbeat, as kubelet's node status updates do.
async fn heartbeat(client: &Client, node: &str) {
    use k8s_openapi::api::core::v1::Node;
    let t = now();
    let _ = Api::<Node>::all(client.clone())
        .patch_status(
            node,
            &PatchParams::default(),
            &Patch::Strategic(json!({"status": {"conditions": [
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": t}
            ]}})),
        )
        .await;
}

/// The node an unscheduled pod's required node affinity names (`matchFields metadata.name`),
/// which is how the DaemonSet controller pins its pods.
fn affinity_node(pod: &Pod) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    if spec.node_name.is_some() {
        return None;
    }
    let terms = &spec
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms;
    terms.iter().find_map(|term| {
        term.match_fields.iter().flatten().find_map(|r| {
            (r.key == "metadata.name" && r.operator == "In")
                .then(|| r.values.as_ref()?.first().cloned())
                .flatten()
        })
    })
}

/// Binds the pod to `node`, as the scheduler does.
async fn bind(client: &Client, pod: &Pod, node: &str) -> kube::Result<()> {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let binding = json!({
        "apiVersion": "v1", "kind": "Binding",
        "metadata": {"name": name, "namespace": ns},
        "target": {"apiVersion": "v1", "kind": "Node", "name": node},
    });
    Api::<Pod>::namespaced(client.clone(), &ns)
        .create_subresource::<serde_json::Value, serde_json::Value>(
            "binding",
            &name,
            &PostParams::default(),
            &binding,
        )
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
    nodes: Vec<NodeNet>,
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
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
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
        // Under the watchdog: a probe pod that idles until deleted (the DaemonSet's) must not
        // outlive a test process that dies without dropping the kubelet.
        let mut cmd = watched::command(&self.binary);
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
                            "spec.nodeName" => spec.node_name.clone(),
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
        let node = node_of(Some(self), pod);
        if let Some(node) = node {
            if spec.dns_policy.as_deref() == Some("Default") {
                let path = dir.path().join("resolv.conf");
                std::fs::write(&path, &node.resolv_conf).map_err(|e| e.to_string())?;
                cmd.env("FABCHECK_RESOLV_CONF", &path);
            }
            cmd.env("FABCHECK_SERVICE_NAT", &node.service_nat);
        }
        let out = std::fs::File::create(dir.path().join("stdout")).map_err(|e| e.to_string())?;
        let err = std::fs::File::create(dir.path().join("stderr")).map_err(|e| e.to_string())?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
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
