//! A real single-node Kubernetes for the tests (facts in ../shared/REAL-NODE.md): the control
//! plane of `control_plane.rs`, plus kubelet, kube-scheduler and kube-proxy v1.20.2 built by
//! `scripts/kube-control-plane` from the same Debian source package, and containers that really
//! run:
//!
//! - container runtime: the kubelet's built-in dockershim on a private `dockerd` (its own
//!   socket, data and exec root; no bridge, iptables or masquerading of its own), whose default
//!   runtime is a wrapper around runc rewriting a negative `oomScoreAdj` to 0 and taking
//!   CAP_SYS_RESOURCE out of privileged containers' capabilities — this sandbox lacks
//!   CAP_SYS_RESOURCE, and runc fails every sandbox the kubelet asks −998 for and every
//!   privileged container (the peers' dind sidecar) that asks for all capabilities;
//! - pod network: Debian's `containernetworking-plugins` bridge plugin on the bridge [`BRIDGE`],
//!   whose address [`NODE_IP`] is the node's InternalIP, with `hairpinMode` (a pod reaches its
//!   own Service) and host-local addresses from [`POD_CIDR`];
//! - Services: kube-proxy in iptables mode (ClusterIPs, `https://10.96.0.1` from pods);
//! - cluster DNS: a dnsmasq pod behind the `kube-dns` Service at the kubelet's `--cluster-dns`
//!   (10.96.0.10), answering `NAME.NAMESPACE.svc.cluster.local` for every Service with a
//!   ClusterIP (a thread of the test process writes them to its hosts folder each second, the
//!   part CoreDNS's `kubernetes` plugin does by watching the API) and NXDOMAIN for the rest of
//!   cluster.local;
//! - volumes: a default StorageClass `standard`, and every PersistentVolumeClaim left pending
//!   gets a hostPath PersistentVolume of its own in the state folder, bound to it (the part a
//!   local-path provisioner does), so the reference network's StatefulSets get their pods;
//! - images: see `images.rs` ([`images::PAUSE`] is the sandbox image); the kubelet never
//!   deletes one (image GC thresholds 100/99, no hard eviction): none can be pulled back.
//!
//! One node per machine: the bridge, the address range and the iptables chains are fixed, so a
//! lock file serialises nodes across test processes. Each test binary shares one node
//! ([`RealNode::shared`]), started by the first test that asks and torn down as the process
//! exits (an `atexit` handler asks the keeper and waits for it), or after it died, by its keeper
//! (`real_node.sh`) alone: processes stopped by process group, containers removed
//! through dockerd, kube-proxy's `--cleanup` and every remaining `KUBE-*` chain removed, the
//! bridge, veths, mounts, kubepods cgroups and the state folder deleted, the sysctls it set put
//! back. The keeper holds the lock until the host is clean.
//!
//! Everything missing from the machine fails the test with what to install: these tests never
//! skip.

#![allow(dead_code)]

#[allow(clippy::duplicate_mod)]
#[path = "control_plane.rs"]
pub mod control_plane;
#[allow(clippy::duplicate_mod)]
#[path = "images.rs"]
pub mod images;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use control_plane::{ControlPlane, NODE_NAME, NODE_TOKEN, PROXY_TOKEN, bin_dir};

/// The node's bridge; its address is the node's.
pub const BRIDGE: &str = "fcnode0";
/// The node's InternalIP (on [`BRIDGE`]).
pub const NODE_IP: Ipv4Addr = Ipv4Addr::new(10, 89, 0, 1);
/// Where pods get their addresses (host-local IPAM, from .10 on).
pub const POD_CIDR: &str = "10.89.0.0/24";
/// The cluster DNS Service address (the kubelet's `--cluster-dns`).
pub const CLUSTER_DNS: &str = control_plane::CLUSTER_DNS;

/// How long the node may take to become Ready (about 20 s here once built).
const READY_WITHIN: Duration = Duration::from_secs(180);

const KEEPER: &str = include_str!("real_node.sh");

/// The keeper's process id, for the exit handler.
static KEEPER_PID: AtomicU32 = AtomicU32::new(0);

unsafe extern "C" {
    fn atexit(handler: extern "C" fn()) -> std::os::raw::c_int;
}

/// Runs as the test process exits: tells the keeper to tear the node down and waits until it
/// has (bounded), so the host is clean before the next test binary starts.
extern "C" fn tear_down_at_exit() {
    let pid = KEEPER_PID.swap(0, Ordering::SeqCst);
    if pid == 0 {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        // Our child: once done it stays a zombie (nobody reaps it now), or is gone.
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        if matches!(state, None | Some(Some('Z'))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// runc with a negative `oomScoreAdj` in the bundle's config.json set to 0 (REAL-NODE.md), and
/// CAP_SYS_RESOURCE — the one capability this sandbox's bounding set lacks — taken out of every
/// capability set, so a privileged container (the peers' dind sidecar) gets every capability
/// the sandbox has instead of failing with "unable to apply caps: operation not permitted".
const RUNC_WRAPPER: &str = r#"#!/bin/sh
bundle=
process=
prev=
for a in "$@"; do
  case "$prev" in --bundle|-b) bundle=$a ;; --process|-p) process=$a ;; esac
  case "$a" in --bundle=*) bundle=${a#--bundle=} ;; --process=*) process=${a#--process=} ;; esac
  prev=$a
done
fit() {
  sed -i -E -e 's/"oomScoreAdj": ?-[0-9]+/"oomScoreAdj":0/g' \
    -e 's/"CAP_SYS_RESOURCE",?//g' -e 's/,"CAP_SYS_RESOURCE"//g' -e 's/,\]/]/g' "$1"
}
# `runc create` reads the bundle's config.json; `runc exec` (kubectl exec into a privileged
# container) the process file it is given.
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then fit "$bundle/config.json"; fi
if [ -n "$process" ] && [ -f "$process" ]; then fit "$process"; fi
exec /usr/sbin/runc "$@"
"#;

/// A running node and its control plane.
pub struct RealNode {
    pub plane: ControlPlane,
    /// The node's state folder (short: socket paths are limited to 108 bytes).
    pub dir: PathBuf,
    /// The docker CLI against the node's daemon.
    pub docker: images::Cli,
    keeper: Child,
    processes: Vec<Child>,
}

impl RealNode {
    /// The node of this test binary: started by the first caller (with the images every test
    /// uses, and the probe image from the Dockerfile), torn down by its keeper after the
    /// process exits.
    pub fn shared() -> &'static RealNode {
        static NODE: OnceLock<RealNode> = OnceLock::new();
        NODE.get_or_init(RealNode::start)
    }

    fn start() -> RealNode {
        let started = Instant::now();
        check_prerequisites();
        let dir = tempfile::Builder::new()
            .prefix("fcn-")
            .tempdir_in("/tmp")
            .expect("node state folder")
            .keep();
        let lock = std::env::temp_dir().join("fabcheck-real-node.lock");
        let keeper_log = fs::File::create(dir.join("keeper.log")).expect("keeper log");
        let mut keeper = Command::new("bash")
            .arg("-c")
            .arg(KEEPER)
            .arg("real-node-keeper")
            .arg(std::process::id().to_string())
            .arg(&dir)
            .arg(&lock)
            .arg(BRIDGE)
            .arg(format!("{NODE_IP}/24"))
            .arg(bin_dir().join("kube-proxy"))
            .stdin(Stdio::null())
            .stdout(keeper_log.try_clone().expect("log"))
            .stderr(keeper_log)
            .process_group(0)
            .spawn()
            .expect("bash runs");
        KEEPER_PID.store(keeper.id(), Ordering::SeqCst);
        // SAFETY: registers a plain function with no captured state; it runs once at exit.
        unsafe {
            atexit(tear_down_at_exit);
        }
        // The lock may be held by another test process's node for a while.
        let deadline = Instant::now() + Duration::from_secs(1800);
        while !dir.join("locked").exists() {
            if let Ok(Some(status)) = keeper.try_wait() {
                panic!(
                    "the real node's keeper exited ({status}):\n{}",
                    fs::read_to_string(dir.join("keeper.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the node lock {lock:?} was never free"
            );
            std::thread::sleep(Duration::from_millis(100));
        }

        let plane = ControlPlane::start_for_node(NODE_IP);
        fs::write(dir.join("remove"), format!("{}\n", plane.dir.display())).expect("remove list");
        let docker = images::Cli::new(
            &format!("unix://{}", dir.join("docker.sock").display()),
            &dir.join("images"),
        );
        let mut node = RealNode {
            plane,
            docker,
            keeper,
            processes: Vec::new(),
            dir,
        };
        node.start_dockerd();
        node.docker.pause(&bin_dir());
        node.start_kubelet();
        node.start_kube_proxy();
        node.start_scheduler();
        // Imports while the kubelet registers.
        node.docker.debian();
        node.docker.busybox();
        node.docker.dnsmasq();
        node.docker
            .probe_from_dockerfile(&fabcheck_binary(), images::PROBE);
        node.wait_until(READY_WITHIN, "the node to be Ready", |n| n.node_ready());
        node.start_cluster_dns();
        eprintln!(
            "real node {NODE_NAME} at {NODE_IP} ready in {:?} (state in {})",
            started.elapsed(),
            node.dir.display()
        );
        node
    }

    fn spawn(&mut self, name: &str, program: &Path, args: &[String]) {
        let log = fs::File::create(self.dir.join(format!("{name}.log"))).expect("log");
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("failed to start {}: {e}", program.display()));
        fs::write(
            self.dir.join("pids").join(name),
            child.id().to_string() + "\n",
        )
        .expect("pid file");
        self.processes.push(child);
    }

    fn start_dockerd(&mut self) {
        let d = |n: &str| self.dir.join(n).display().to_string();
        let wrapper = self.dir.join("runc-wrapper");
        fs::write(&wrapper, RUNC_WRAPPER).expect("runc wrapper");
        set_executable(&wrapper);
        // Not /etc/docker/daemon.json: only what the node says.
        fs::write(self.dir.join("daemon.json"), "{}\n").expect("daemon.json");
        let args = vec![
            format!("--host=unix://{}", d("docker.sock")),
            format!("--data-root={}", d("docker")),
            format!("--exec-root={}", d("de")),
            format!("--pidfile={}", d("docker.pid")),
            format!("--config-file={}", d("daemon.json")),
            "--bridge=none".into(),
            "--iptables=false".into(),
            "--ip-masq=false".into(),
            "--ip-forward=false".into(),
            format!("--add-runtime=fabcheck-runc={}", wrapper.display()),
            "--default-runtime=fabcheck-runc".into(),
            "--exec-opt=native.cgroupdriver=cgroupfs".into(),
        ];
        self.spawn("dockerd", Path::new("/usr/sbin/dockerd"), &args);
        let socket = self.dir.join("docker.sock");
        self.wait_until(Duration::from_secs(60), "dockerd to answer", |_| {
            ping(&socket)
        });
    }

    fn start_kubelet(&mut self) {
        let d = |n: &str| self.dir.join(n).display().to_string();
        let kubeconfig = self.dir.join("kubelet.kubeconfig");
        self.plane.write_kubeconfig_for(NODE_TOKEN, &kubeconfig);
        let cni = self.dir.join("cni/net.d");
        fs::create_dir_all(&cni).expect("cni conf dir");
        fs::write(cni.join("10-fabcheck.conflist"), self.cni_config()).expect("cni config");
        let [kubelet_port] = free_ports::<1>();
        let args = vec![
            format!("--kubeconfig={}", kubeconfig.display()),
            format!("--hostname-override={NODE_NAME}"),
            format!("--node-ip={NODE_IP}"),
            format!("--address={NODE_IP}"),
            format!("--port={kubelet_port}"),
            "--read-only-port=0".into(),
            "--healthz-port=0".into(),
            format!("--root-dir={}", d("kubelet")),
            format!("--cert-dir={}", d("kubelet-pki")),
            format!("--volume-plugin-dir={}", d("volume-plugins")),
            "--container-runtime=docker".into(),
            format!("--docker-endpoint=unix://{}", d("docker.sock")),
            format!(
                "--container-runtime-endpoint=unix://{}",
                d("dockershim.sock")
            ),
            format!("--image-service-endpoint=unix://{}", d("dockershim.sock")),
            format!(
                "--experimental-dockershim-root-directory={}",
                d("dockershim")
            ),
            format!("--pod-infra-container-image={}", images::PAUSE),
            "--cgroup-driver=cgroupfs".into(),
            "--fail-swap-on=false".into(),
            "--network-plugin=cni".into(),
            "--cni-bin-dir=/usr/lib/cni".into(),
            format!("--cni-conf-dir={}", cni.display()),
            format!("--cni-cache-dir={}", d("cni/cache")),
            format!("--cluster-dns={CLUSTER_DNS}"),
            "--cluster-domain=cluster.local".into(),
            // No image can be pulled back once deleted.
            "--image-gc-high-threshold=100".into(),
            "--image-gc-low-threshold=99".into(),
            "--eviction-hard=".into(),
            "--serialize-image-pulls=false".into(),
            "--v=1".into(),
        ];
        self.spawn("kubelet", &bin_dir().join("kubelet"), &args);
    }

    fn cni_config(&self) -> String {
        let ipam_dir = self.dir.join("cni/ipam");
        serde_json::json!({
            "cniVersion": "0.4.0",
            "name": "fabcheck-pods",
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": BRIDGE,
                    "isGateway": true,
                    "ipMasq": false,
                    "hairpinMode": true,
                    "ipam": {
                        "type": "host-local",
                        "dataDir": ipam_dir,
                        "ranges": [[{
                            "subnet": POD_CIDR,
                            "rangeStart": "10.89.0.10",
                            "rangeEnd": "10.89.0.250",
                            "gateway": NODE_IP.to_string(),
                        }]],
                        "routes": [{ "dst": "0.0.0.0/0" }],
                    },
                },
                { "type": "portmap", "capabilities": { "portMappings": true } },
            ],
        })
        .to_string()
    }

    fn start_kube_proxy(&mut self) {
        let kubeconfig = self.dir.join("kube-proxy.kubeconfig");
        self.plane.write_kubeconfig_for(PROXY_TOKEN, &kubeconfig);
        let [healthz, metrics] = free_ports::<2>();
        let args = vec![
            format!("--kubeconfig={}", kubeconfig.display()),
            format!("--hostname-override={NODE_NAME}"),
            format!("--bind-address={NODE_IP}"),
            "--proxy-mode=iptables".into(),
            format!("--cluster-cidr={POD_CIDR}"),
            // `0` is refused: real (free) ports, on loopback.
            format!("--healthz-bind-address=127.0.0.1:{healthz}"),
            format!("--metrics-bind-address=127.0.0.1:{metrics}"),
            "--conntrack-max-per-core=0".into(),
            "--oom-score-adj=0".into(),
        ];
        self.spawn("kube-proxy", &bin_dir().join("kube-proxy"), &args);
    }

    fn start_scheduler(&mut self) {
        let args = vec![
            format!("--kubeconfig={}", self.plane.kubeconfig.display()),
            "--leader-elect=false".into(),
            "--port=0".into(),
            "--secure-port=0".into(),
        ];
        self.spawn("kube-scheduler", &bin_dir().join("kube-scheduler"), &args);
    }

    /// The dnsmasq pod behind `kube-dns`, and the thread keeping its hosts folder current.
    fn start_cluster_dns(&self) {
        let hosts = self.dir.join("dns-hosts");
        fs::create_dir_all(&hosts).expect("dns hosts folder");
        self.sync_dns_once();
        let yaml = format!(
            "apiVersion: v1
kind: Pod
metadata:
  name: cluster-dns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
spec:
  dnsPolicy: Default
  terminationGracePeriodSeconds: 1
  containers:
  - name: dnsmasq
    image: {image}
    imagePullPolicy: Never
    args: [--keep-in-foreground, --no-resolv, --no-hosts, --hostsdir=/hosts,
           --local=/cluster.local/, --log-queries, --log-facility=-, --user=root,
           --group=root, --cache-size=0]
    volumeMounts:
    - name: hosts
      mountPath: /hosts
      readOnly: true
  volumes:
  - name: hosts
    hostPath:
      path: {hosts}
      type: Directory
",
            image = images::DNSMASQ,
            hosts = hosts.display()
        );
        self.plane.apply_yaml(&yaml);
        // The default class the volume thread provisions for, as a node's local provisioner
        // brings one (kind's `standard`), so a deploy's preflight finds a default.
        self.plane.apply_yaml(
            "apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: \"true\"
provisioner: fabcheck.io/test-hostpath
volumeBindingMode: Immediate
",
        );
        let kubeconfig = self.plane.kubeconfig.clone();
        let volumes = self.dir.join("volumes");
        std::thread::spawn(move || {
            loop {
                sync_dns(&kubeconfig, &hosts);
                provision_volumes(&kubeconfig, &volumes);
                std::thread::sleep(Duration::from_secs(1));
            }
        });
        self.wait_until(Duration::from_secs(90), "the cluster DNS pod", |n| {
            n.plane
                .kubectl_as(
                    control_plane::ADMIN,
                    &[
                        "get",
                        "endpoints",
                        "kube-dns",
                        "-n",
                        "kube-system",
                        "-o",
                        "jsonpath={.subsets[*].addresses[*].ip}",
                    ],
                    None,
                )
                .is_ok_and(|ip| !ip.trim().is_empty())
        });
    }

    fn sync_dns_once(&self) {
        sync_dns(&self.plane.kubeconfig, &self.dir.join("dns-hosts"));
    }

    fn node_ready(&self) -> bool {
        self.plane
            .kubectl_as(
                control_plane::ADMIN,
                &[
                    "get",
                    "node",
                    NODE_NAME,
                    "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
                ],
                None,
            )
            .is_ok_and(|s| s.trim() == "True")
    }

    /// `check --probe in-cluster` as admin with the Dockerfile's image, a JSON report in `work`:
    /// the report and how long the run took. The run must end with a verdict (exit 0 or 1).
    pub fn probe_in_cluster(
        &self,
        fabcheck: &str,
        work: &Path,
        extra: &[&str],
    ) -> (serde_json::Value, Duration) {
        let report_path = work.join("report.json");
        let _ = std::fs::remove_file(&report_path);
        let started = Instant::now();
        let mut cmd = Command::new(fabcheck);
        cmd.args([
            "check",
            "--probe",
            "in-cluster",
            "--probe-image",
            images::PROBE,
            "--timeout",
            "30s",
            "-o",
        ])
        .arg(format!("json={}", report_path.display()))
        .args(self.plane.context_args(control_plane::ADMIN))
        .args(["--request-timeout", "20s"])
        .args(extra);
        let out = super::bounded::run_bounded(cmd, Duration::from_secs(300));
        let took = started.elapsed();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}\n{}",
            super::bounded::text(&out),
            self.logs()
        );
        let report =
            serde_json::from_str(&std::fs::read_to_string(&report_path).expect("report written"))
                .expect("report is JSON");
        (report, took)
    }

    /// Applies the manifests `fabcheck render` wrote under `rendered`, and the repository's
    /// RBAC for reading the cluster and running the in-cluster probe.
    pub fn apply_rendered(&self, rendered: &Path) {
        self.kubectl(&[
            "apply",
            "--server-side",
            "--field-manager=fabcheck-test",
            "-f",
            rendered.join("manifests").to_str().expect("utf-8 path"),
        ]);
        self.apply_probe_rbac();
    }

    /// The stand-in images under the names the reference network pulls — as `kind load
    /// docker-image` puts images on a kind node — so that `fabcheck deploy-and-verify` runs
    /// with no spec and no `--probe-image`: every Fabric image (peer, orderer, CA, tools, the
    /// dind sidecar) is [`images::FABRIC_NODE`], ZooKeeper and Kafka are
    /// [`images::ZOOKEEPER`] and [`images::KAFKA`], and fabcheck's default probe image is the
    /// Dockerfile's ([`images::PROBE`]). The names come from `fabcheck render`, so a new image
    /// in the reference network fails here until it has a stand-in.
    pub fn load_reference_images(&self) {
        let fabcheck = fabcheck_binary();
        self.docker.zookeeper();
        self.docker.kafka(&fabcheck);
        self.docker.fabric_node(&fabcheck);
        self.docker.dind(&fabcheck);
        let out = tempfile::tempdir().expect("temp dir");
        let status = Command::new(&fabcheck)
            .args(["render", "--out"])
            .arg(out.path())
            .stdout(Stdio::null())
            .status()
            .expect("fabcheck render runs");
        assert!(status.success(), "fabcheck render: {status}");
        let mut pulled = std::collections::BTreeSet::new();
        for entry in fs::read_dir(out.path().join("manifests")).expect("manifests") {
            let text = fs::read_to_string(entry.expect("entry").path()).unwrap_or_default();
            for line in text.lines() {
                if let Some(image) = line.trim().strip_prefix("image: ") {
                    pulled.insert(image.trim_matches('"').to_owned());
                }
            }
        }
        for image in &pulled {
            let last = image.rsplit('/').next().unwrap_or(image);
            let standin = if last.contains("zookeeper") {
                images::ZOOKEEPER
            } else if last.contains("kafka") {
                images::KAFKA
            } else if last.starts_with("docker:") && last.contains("dind") {
                images::DIND
            } else if ["fabric-peer", "fabric-orderer", "fabric-ca", "fabric-tools"]
                .iter()
                .any(|f| last.starts_with(f))
            {
                images::FABRIC_NODE
            } else {
                panic!("the reference network pulls {image}, which has no stand-in");
            };
            self.docker.ok(&["tag", standin, image]);
        }
        let probe = format!("ghcr.io/fabcheck/fabcheck:{}", env!("CARGO_PKG_VERSION"));
        self.docker.ok(&["tag", images::PROBE, &probe]);
        eprintln!(
            "real node: stand-ins loaded as {} and {probe}",
            pulled.into_iter().collect::<Vec<_>>().join(", ")
        );
    }

    /// Sets `var=value` in the environment of StatefulSet `name` in `ns` and waits until its
    /// pod runs with it and is ready.
    pub fn restart_with_env(&self, ns: &str, name: &str, var: &str, value: &str) {
        self.kubectl(&[
            "set",
            "env",
            &format!("statefulset/{name}"),
            "-n",
            ns,
            &format!("{var}={value}"),
        ]);
        self.wait_restarted_with(ns, &format!("{name}-0"), var, value);
    }

    /// Scales StatefulSet `name` in `ns` to no pods.
    pub fn stop_statefulset(&self, ns: &str, name: &str) {
        self.kubectl(&["scale", "statefulset", name, "-n", ns, "--replicas=0"]);
    }

    /// Waits until pod `pod` in `ns` runs its first container with `var=value` in its
    /// environment and is ready (a StatefulSet rolled to a changed environment).
    pub fn wait_restarted_with(&self, ns: &str, pod: &str, var: &str, value: &str) {
        let jsonpath = format!(
            "jsonpath={{.spec.containers[0].env[?(@.name==\"{var}\")].value}} {{.status.containerStatuses[0].ready}}"
        );
        self.wait_until(
            Duration::from_secs(150),
            &format!("{pod} to restart with {var}={value}"),
            |n| {
                n.plane
                    .kubectl_as(
                        control_plane::ADMIN,
                        &["get", "pod", pod, "-n", ns, "-o", &jsonpath],
                        None,
                    )
                    .is_ok_and(|s| s.trim() == format!("{value} true"))
            },
        );
    }

    /// The repository's RBAC for reading the cluster and running the in-cluster probe.
    pub fn apply_probe_rbac(&self) {
        for file in ["reader.yaml", "in-cluster-probe.yaml"] {
            let yaml = fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("rbac")
                    .join(file),
            )
            .expect("rbac file");
            self.plane.apply_yaml(&yaml);
        }
    }

    /// Runs kubectl as admin (see [`ControlPlane::kubectl`]).
    pub fn kubectl(&self, args: &[&str]) -> String {
        self.plane.kubectl(args)
    }

    /// Waits until `done`, panicking with the node's logs after `limit`.
    pub fn wait_until(&self, limit: Duration, what: &str, done: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !done(self) {
            if start.elapsed() > limit {
                panic!("waited {limit:?} for {what}\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The last lines of every node component's log, for failure messages.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for name in [
            "keeper",
            "dockerd",
            "kubelet",
            "kube-proxy",
            "kube-scheduler",
        ] {
            let log = fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            text.push_str(&format!(
                "--- {name}.log\n{}\n",
                lines[lines.len().saturating_sub(25)..].join("\n")
            ));
        }
        for name in ["kube-apiserver.log", "kube-controller-manager.log"] {
            let log = fs::read_to_string(self.plane.dir.join(name)).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            text.push_str(&format!(
                "--- {name}\n{}\n",
                lines[lines.len().saturating_sub(15)..].join("\n")
            ));
        }
        text
    }

    /// Waits for pod `ns/name` to reach phase Succeeded (panicking on Failed or after
    /// `limit`), and returns its log.
    pub fn wait_pod_succeeded(&self, ns: &str, name: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let phase = self
                .plane
                .kubectl_as(
                    control_plane::ADMIN,
                    &[
                        "get",
                        "pod",
                        name,
                        "-n",
                        ns,
                        "-o",
                        "jsonpath={.status.phase}",
                    ],
                    None,
                )
                .unwrap_or_default();
            match phase.trim() {
                "Succeeded" => break,
                "Failed" => panic!(
                    "pod {ns}/{name} failed: {}\n{}",
                    self.pod_log(ns, name),
                    self.describe_pod(ns, name)
                ),
                _ => {}
            }
            if start.elapsed() > limit {
                panic!(
                    "pod {ns}/{name} not done after {limit:?} (phase {phase:?})\n{}\n{}",
                    self.describe_pod(ns, name),
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        self.pod_log(ns, name)
    }

    /// `kubectl logs` of a pod (every container, each line prefixed with its container).
    pub fn pod_log(&self, ns: &str, name: &str) -> String {
        self.plane
            .kubectl_as(
                control_plane::ADMIN,
                &[
                    "logs",
                    "-n",
                    ns,
                    name,
                    "--all-containers=true",
                    "--prefix=true",
                ],
                None,
            )
            .unwrap_or_else(|e| format!("(no log: {e})"))
    }

    /// `kubectl describe pod`, for failure messages.
    pub fn describe_pod(&self, ns: &str, name: &str) -> String {
        self.plane
            .kubectl_as(
                control_plane::ADMIN,
                &["describe", "pod", "-n", ns, name],
                None,
            )
            .unwrap_or_else(|e| e)
    }
}

/// Writes `NAME.NAMESPACE.svc.cluster.local` for every Service with a ClusterIP into
/// `hosts/services` (only when it changed: dnsmasq re-reads the folder on every write).
fn sync_dns(kubeconfig: &Path, hosts: &Path) {
    let args = [
        format!("--kubeconfig={}", kubeconfig.display()),
        "--request-timeout=10s".to_owned(),
    ]
    .into_iter()
    .chain(["get", "services", "--all-namespaces", "-o", "json"].map(String::from))
    .collect::<Vec<_>>();
    let Ok(out) = control_plane::run_kubectl(&args, None) else {
        return;
    };
    let Ok(list) = serde_json::from_str::<serde_json::Value>(&out) else {
        return;
    };
    let mut entries = BTreeMap::new();
    for svc in list["items"].as_array().into_iter().flatten() {
        let (Some(name), Some(ns), Some(ip)) = (
            svc["metadata"]["name"].as_str(),
            svc["metadata"]["namespace"].as_str(),
            svc["spec"]["clusterIP"].as_str(),
        ) else {
            continue;
        };
        if ip.parse::<Ipv4Addr>().is_ok() {
            entries.insert(format!("{name}.{ns}.svc.cluster.local"), ip.to_owned());
        }
    }
    let text: String = entries
        .iter()
        .map(|(name, ip)| format!("{ip} {name}\n"))
        .collect();
    let file = hosts.join("services");
    if fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
        let _ = fs::write(&file, text);
    }
}

/// A hostPath PersistentVolume under `volumes` for every claim that is pending without one,
/// bound to it by `claimRef`, of the claim's StorageClass (the default `standard` one, whose
/// provisioner this is).
fn provision_volumes(kubeconfig: &Path, volumes: &Path) {
    let run = |args: &[&str], stdin: Option<&str>| -> Option<String> {
        let mut all = vec![
            format!("--kubeconfig={}", kubeconfig.display()),
            "--request-timeout=10s".to_owned(),
        ];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        control_plane::run_kubectl(&all, stdin).ok()
    };
    let Some(list) = run(&["get", "pvc", "--all-namespaces", "-o", "json"], None) else {
        return;
    };
    let Ok(list) = serde_json::from_str::<serde_json::Value>(&list) else {
        return;
    };
    for claim in list["items"].as_array().into_iter().flatten() {
        let pending = claim["status"]["phase"] == "Pending";
        let (Some(name), Some(ns)) = (
            claim["metadata"]["name"].as_str(),
            claim["metadata"]["namespace"].as_str(),
        ) else {
            continue;
        };
        if !pending || claim["spec"]["volumeName"].as_str().is_some() {
            continue;
        }
        let size = claim["spec"]["resources"]["requests"]["storage"]
            .as_str()
            .unwrap_or("1Gi");
        let path = volumes.join(format!("{ns}-{name}"));
        let pv = serde_json::json!({
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": { "name": format!("fc-{ns}-{name}") },
            "spec": {
                "capacity": { "storage": size },
                "accessModes": claim["spec"]["accessModes"],
                "persistentVolumeReclaimPolicy": "Retain",
                "hostPath": { "path": path, "type": "DirectoryOrCreate" },
                "storageClassName": claim["spec"]["storageClassName"].as_str().unwrap_or(""),
                "claimRef": { "namespace": ns, "name": name },
            },
        });
        let _ = run(&["create", "-f", "-"], Some(&pv.to_string()));
    }
}

/// The fabcheck binary the node's probe image is built from: the test's own
/// (`CARGO_BIN_EXE_fabcheck`), or for an example (examples/local-cluster) the `fabcheck`
/// next to its folder (`target/<profile>/fabcheck`).
pub fn fabcheck_binary() -> PathBuf {
    if let Some(path) = option_env!("CARGO_BIN_EXE_fabcheck") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current executable");
    let beside = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("fabcheck"))
        .expect("target folder");
    assert!(
        beside.is_file(),
        "{} missing: build fabcheck first",
        beside.display()
    );
    beside
}

/// Fails with what to install when a part of the node is missing from the machine.
fn check_prerequisites() {
    let bin = bin_dir();
    for b in [
        "kube-apiserver",
        "kube-controller-manager",
        "kubectl",
        "kubelet",
        "kube-scheduler",
        "kube-proxy",
        "pause",
    ] {
        assert!(
            bin.join(b).is_file(),
            "{} missing: run scripts/kube-control-plane (scripts/test does)",
            bin.join(b).display()
        );
    }
    for (path, package) in [
        ("/usr/sbin/dockerd", "docker.io"),
        ("/usr/sbin/runc", "runc"),
        ("/usr/lib/cni/bridge", "containernetworking-plugins"),
        ("/usr/lib/cni/host-local", "containernetworking-plugins"),
        ("/usr/lib/cni/portmap", "containernetworking-plugins"),
        ("/usr/sbin/conntrack", "conntrack"),
        ("/usr/bin/socat", "socat"),
        ("/usr/sbin/iptables", "iptables"),
        ("/usr/sbin/dnsmasq", "dnsmasq-base"),
        ("/bin/busybox", "busybox-static"),
    ] {
        assert!(
            Path::new(path).exists(),
            "{path} missing: apt-get install -y {package} (scripts/test does)"
        );
    }
    assert!(
        nix_is_root(),
        "the real node needs root (bridges, iptables, mounts)"
    );
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// `N` ports free on loopback now.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0"))
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("local addr").port())
}

/// Whether a Docker daemon answers `GET /_ping` on `socket`.
fn ping(socket: &Path) -> bool {
    let Ok(mut s) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}
