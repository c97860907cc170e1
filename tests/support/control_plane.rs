//! A real Kubernetes control plane on loopback for the deploy and live-cluster tests: Debian's
//! etcd, and kube-apiserver + kube-controller-manager v1.20.2 built by
//! `scripts/kube-control-plane` into its cache folder.
//!
//! The API server authenticates bearer tokens from a token file (admin in `system:masters`;
//! `fabcheck-deployer` and `fabcheck-reader`, which have no rights until a test binds the
//! repository's RBAC roles to them), authorises with RBAC, signs service-account tokens, and
//! writes an audit log of every request. The controller manager runs every controller, so
//! namespaces finalise, StatefulSets and Jobs make Pods, and workload status follows the Pods.
//! No kubelet or scheduler runs: Pods stay Pending unless something writes their status (see
//! `kubelet.rs`). The cluster gets a `kube-dns` Service in kube-system at 10.96.0.10, as
//! kubeadm clusters have.
//!
//! For a real node (`real_node.rs`, [`ControlPlane::start_for_node`]) the API server also
//! listens on the node's address (pods reach it through the `kubernetes` Service, 10.96.0.1),
//! advertises that address, authorises kubelet as `system:node:<name>` (Node,RBAC) and kube-proxy
//! as `system:kube-proxy`, and reaches kubelet by the node's InternalIP for logs and exec.
//!
//! Every process runs under the watchdog of `watched.rs` and is killed with its group on drop.

#![allow(dead_code)]

use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// Each support module stands alone, so a test using several loads this one several times.
#[allow(clippy::duplicate_mod)]
#[path = "watched.rs"]
mod watched;

/// The cluster DNS Service IP the control plane is given.
pub const CLUSTER_DNS: &str = "10.96.0.10";
pub const ADMIN_TOKEN: &str = "fabcheck-test-admin-token";
pub const DEPLOYER_TOKEN: &str = "fabcheck-test-deployer-token";
pub const READER_TOKEN: &str = "fabcheck-test-reader-token";
/// The real node's kubelet (`system:node:<NODE_NAME>` in `system:nodes`) and kube-proxy.
pub const NODE_TOKEN: &str = "fabcheck-test-node-token";
pub const PROXY_TOKEN: &str = "fabcheck-test-proxy-token";
/// The name the real node registers under.
pub const NODE_NAME: &str = "fabcheck-node";

/// Kubeconfig contexts, one per token.
pub const ADMIN: &str = "admin";
pub const DEPLOYER: &str = "deployer";
pub const READER: &str = "reader";

/// Where `scripts/kube-control-plane` puts the binaries (or `FABCHECK_KUBE_BIN`).
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FABCHECK_KUBE_BIN") {
        return PathBuf::from(dir);
    }
    let cache = match std::env::var_os("FABCHECK_KUBE_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let base = match std::env::var_os("XDG_CACHE_HOME") {
                Some(dir) => PathBuf::from(dir),
                None => PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into()))
                    .join(".cache"),
            };
            base.join("fabcheck/kubernetes-1.20.2")
        }
    };
    cache.join("bin")
}

/// A running etcd + kube-apiserver + kube-controller-manager.
pub struct ControlPlane {
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
    pub api_port: u16,
    pub audit_log: PathBuf,
    /// The real node's address, when the plane serves one.
    pub node_ip: Option<Ipv4Addr>,
    etcd_port: u16,
    etcd: Option<Child>,
    apiserver: Option<Child>,
    controller_manager: Option<Child>,
    _temp: tempfile::TempDir,
}

impl ControlPlane {
    /// Starts the control plane and waits until it serves requests and its controllers work
    /// (the default namespace's service account exists).
    pub fn start() -> ControlPlane {
        ControlPlane::start_with(None)
    }

    /// A control plane for a real node at `node_ip` (see the module docs).
    pub fn start_for_node(node_ip: Ipv4Addr) -> ControlPlane {
        ControlPlane::start_with(Some(node_ip))
    }

    fn start_with(node_ip: Option<Ipv4Addr>) -> ControlPlane {
        let bin = bin_dir();
        for b in ["kube-apiserver", "kube-controller-manager", "kubectl"] {
            assert!(
                bin.join(b).is_file(),
                "{} missing: run scripts/kube-control-plane (scripts/test does)",
                bin.join(b).display()
            );
        }
        let temp = tempfile::Builder::new()
            .prefix("fabcheck-kube-")
            .tempdir()
            .expect("temp dir");
        let dir = temp.path().to_path_buf();
        let [etcd_port, etcd_peer, api_port] = free_ports();
        let serving_ca = write_pki(&dir, node_ip);
        fs::write(
            dir.join("tokens.csv"),
            format!(
                "{ADMIN_TOKEN},admin,1,\"system:masters\"\n\
                 {DEPLOYER_TOKEN},fabcheck-deployer,2\n\
                 {READER_TOKEN},fabcheck-reader,3\n\
                 {NODE_TOKEN},system:node:{NODE_NAME},4,\"system:nodes\"\n\
                 {PROXY_TOKEN},system:kube-proxy,5\n"
            ),
        )
        .expect("token file");
        fs::write(dir.join("audit-policy.yaml"), AUDIT_POLICY).expect("audit policy");
        let kubeconfig = dir.join("kubeconfig");
        fs::write(&kubeconfig, kubeconfig_text(&serving_ca, api_port)).expect("kubeconfig");
        let mut plane = ControlPlane {
            audit_log: dir.join("audit.log"),
            node_ip,
            dir,
            kubeconfig,
            api_port,
            etcd_port,
            etcd: None,
            apiserver: None,
            controller_manager: None,
            _temp: temp,
        };
        plane.etcd = Some(plane.spawn_etcd(etcd_peer));
        plane.start_apiserver();
        plane.controller_manager = Some(plane.spawn_controller_manager());
        plane.wait_for(
            Duration::from_secs(120),
            "the default service account",
            |p| p.kubectl_ok(&["get", "serviceaccount", "default", "-n", "default"]),
        );
        plane.apply_yaml(KUBE_DNS);
        plane
    }

    /// Starts (or restarts) the API server on the same port and waits until it is ready.
    pub fn start_apiserver(&mut self) {
        let d = |name: &str| self.dir.join(name).display().to_string();
        let (bind, advertise, authorization) = match self.node_ip {
            None => ("127.0.0.1".to_owned(), "127.0.0.1".to_owned(), "RBAC"),
            // Pods reach the API server through the `kubernetes` Service, whose endpoint is
            // the advertised address; the host's clients keep using 127.0.0.1.
            Some(ip) => ("0.0.0.0".to_owned(), ip.to_string(), "Node,RBAC"),
        };
        let mut args = vec![
            format!("--etcd-servers=http://127.0.0.1:{}", self.etcd_port),
            format!("--bind-address={bind}"),
            format!("--advertise-address={advertise}"),
            format!("--secure-port={}", self.api_port),
            "--insecure-port=0".into(),
            format!("--tls-cert-file={}", d("serving.crt")),
            format!("--tls-private-key-file={}", d("serving.key")),
            format!("--token-auth-file={}", d("tokens.csv")),
            format!("--authorization-mode={authorization}"),
            format!("--service-account-key-file={}", d("sa.pub")),
            format!("--service-account-signing-key-file={}", d("sa.key")),
            "--service-account-issuer=https://kubernetes.default.svc".into(),
            "--api-audiences=https://kubernetes.default.svc".into(),
            "--service-cluster-ip-range=10.96.0.0/16".into(),
            // The reference peers run a privileged Docker-in-Docker sidecar.
            "--allow-privileged=true".into(),
            format!("--cert-dir={}", d("apiserver-certs")),
            format!("--audit-policy-file={}", d("audit-policy.yaml")),
            format!("--audit-log-path={}", d("audit.log")),
            "--audit-log-format=json".into(),
        ];
        if self.node_ip.is_some() {
            // Else `kubectl logs`/`exec` look the node's name up in DNS (REAL-NODE.md).
            args.push("--kubelet-preferred-address-types=InternalIP".into());
        }
        let log = self.dir.join("kube-apiserver.log");
        self.apiserver = Some(watched::spawn(
            "kube-apiserver",
            &bin_dir().join("kube-apiserver"),
            &args,
            &log,
        ));
        self.wait_for(Duration::from_secs(90), "kube-apiserver /readyz", |p| {
            p.kubectl_ok(&["get", "--raw", "/readyz"])
        });
    }

    /// Stops the API server (etcd and the controller manager keep running).
    pub fn stop_apiserver(&mut self) {
        if let Some(child) = self.apiserver.take() {
            watched::kill_group(child);
        }
    }

    /// The kubeconfig context for a token: [`ADMIN`], [`DEPLOYER`] or [`READER`].
    pub fn context_args(&self, context: &str) -> Vec<String> {
        vec![
            format!("--kubeconfig={}", self.kubeconfig.display()),
            format!("--context={context}"),
        ]
    }

    /// Writes a kubeconfig for `token` (a node component's) to `path`, against this API server.
    pub fn write_kubeconfig_for(&self, token: &str, path: &Path) {
        let ca = fs::read_to_string(self.dir.join("serving-ca.crt")).expect("serving CA");
        use base64::Engine;
        let ca = base64::engine::general_purpose::STANDARD.encode(ca);
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    \
             server: https://127.0.0.1:{}\n    certificate-authority-data: {ca}\n\
             users:\n- name: component\n  user:\n    token: {token}\n\
             contexts:\n- name: component\n  context:\n    cluster: test\n    user: component\n\
             current-context: component\n",
            self.api_port
        );
        fs::write(path, text).expect("component kubeconfig");
    }

    /// The API server's serving CA (PEM), as pods get it in their service-account token Secret.
    pub fn serving_ca_path(&self) -> PathBuf {
        self.dir.join("serving-ca.crt")
    }

    /// Runs kubectl as admin; returns stdout, panicking with stderr on failure.
    pub fn kubectl(&self, args: &[&str]) -> String {
        self.kubectl_as(ADMIN, args, None)
            .unwrap_or_else(|e| panic!("kubectl {}: {e}", args.join(" ")))
    }

    /// Runs kubectl with a context and optional stdin; `Err(stderr)` on failure.
    pub fn kubectl_as(
        &self,
        context: &str,
        args: &[&str],
        stdin: Option<&str>,
    ) -> Result<String, String> {
        let mut all: Vec<String> = self.context_args(context);
        all.push("--request-timeout=20s".into());
        all.extend(args.iter().map(|a| (*a).to_owned()));
        run_kubectl(&all, stdin)
    }

    fn kubectl_ok(&self, args: &[&str]) -> bool {
        self.kubectl_as(ADMIN, args, None).is_ok()
    }

    /// Applies YAML as admin (server-side, field manager `fabcheck-test`).
    pub fn apply_yaml(&self, yaml: &str) {
        self.kubectl_as(
            ADMIN,
            &[
                "apply",
                "--server-side",
                "--field-manager=fabcheck-test",
                "-f",
                "-",
            ],
            Some(yaml),
        )
        .unwrap_or_else(|e| panic!("kubectl apply: {e}"));
    }

    /// Binds the repository's RBAC ClusterRoles to the test users: `rbac/deployer.yaml` to
    /// `fabcheck-deployer`, `rbac/reader.yaml` to `fabcheck-reader`.
    pub fn bind_repository_rbac(&self) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rbac");
        for (file, role, user) in [
            ("deployer.yaml", "fabcheck-deployer", "fabcheck-deployer"),
            ("reader.yaml", "fabcheck-reader", "fabcheck-reader"),
        ] {
            let yaml =
                fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("rbac/{file}: {e}"));
            self.apply_yaml(&yaml);
            self.apply_yaml(&format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n\
                 metadata:\n  name: {role}-test-user\n\
                 roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {role}\n\
                 subjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: {user}\n"
            ));
        }
    }

    fn wait_for(&mut self, limit: Duration, what: &str, ready: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !ready(self) {
            if start.elapsed() > limit {
                let tail = |name: &str| {
                    let text = fs::read_to_string(self.dir.join(name)).unwrap_or_default();
                    let lines: Vec<&str> = text.lines().collect();
                    lines[lines.len().saturating_sub(15)..].join("\n")
                };
                panic!(
                    "{what} not ready after {limit:?}\n--- etcd.log\n{}\n--- kube-apiserver.log\n{}\n--- kube-controller-manager.log\n{}",
                    tail("etcd.log"),
                    tail("kube-apiserver.log"),
                    tail("kube-controller-manager.log")
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn spawn_etcd(&self, peer: u16) -> Child {
        let url = |p: u16| format!("http://127.0.0.1:{p}");
        let args = vec![
            format!("--data-dir={}", self.dir.join("etcd").display()),
            format!("--listen-client-urls={}", url(self.etcd_port)),
            format!("--advertise-client-urls={}", url(self.etcd_port)),
            format!("--listen-peer-urls={}", url(peer)),
            format!("--initial-advertise-peer-urls={}", url(peer)),
            format!("--initial-cluster=default={}", url(peer)),
            "--name=default".into(),
        ];
        watched::spawn(
            "etcd (apt-get install -y etcd-server)",
            Path::new("etcd"),
            &args,
            &self.dir.join("etcd.log"),
        )
    }

    fn spawn_controller_manager(&self) -> Child {
        let d = |name: &str| self.dir.join(name).display().to_string();
        let args = vec![
            format!("--kubeconfig={}", self.kubeconfig.display()),
            "--leader-elect=false".into(),
            // No serving: the tests never scrape it, and fixed ports would collide.
            "--port=0".into(),
            "--secure-port=0".into(),
            format!("--service-account-private-key-file={}", d("sa.key")),
            format!("--root-ca-file={}", d("serving-ca.crt")),
            "--use-service-account-credentials=false".into(),
        ];
        watched::spawn(
            "kube-controller-manager",
            &bin_dir().join("kube-controller-manager"),
            &args,
            &self.dir.join("kube-controller-manager.log"),
        )
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        for child in [
            self.controller_manager.take(),
            self.apiserver.take(),
            self.etcd.take(),
        ]
        .into_iter()
        .flatten()
        {
            watched::kill_group(child);
        }
    }
}

fn free_ports() -> [u16; 3] {
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0"))
        .collect();
    let port = |i: usize| listeners[i].local_addr().expect("local addr").port();
    [port(0), port(1), port(2)]
}

/// A serving CA and the API server's certificate for 127.0.0.1, and the service-account
/// signing key (ECDSA P-256, which kube-apiserver accepts for ES256 tokens). Returns the CA PEM.
fn write_pki(dir: &Path, node_ip: Option<Ipv4Addr>) -> String {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "fabcheck test cluster CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("serving key");
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    params
        .subject_alt_names
        .push(SanType::IpAddress(Ipv4Addr::LOCALHOST.into()));
    params
        .subject_alt_names
        .push(SanType::IpAddress("10.96.0.1".parse().expect("ip")));
    if let Some(ip) = node_ip {
        params.subject_alt_names.push(SanType::IpAddress(ip.into()));
    }
    // Pods name the API server `kubernetes.default.svc` too.
    for name in ["kubernetes", "kubernetes.default", "kubernetes.default.svc"] {
        params
            .subject_alt_names
            .push(SanType::DnsName(name.try_into().expect("dns name")));
    }
    let cert = params.signed_by(&key, &issuer).expect("serving cert");
    fs::write(dir.join("serving-ca.crt"), ca_cert.pem()).expect("write");
    fs::write(dir.join("serving.crt"), cert.pem()).expect("write");
    fs::write(dir.join("serving.key"), key.serialize_pem()).expect("write");
    let sa = KeyPair::generate().expect("service account key");
    fs::write(dir.join("sa.key"), sa.serialize_pem()).expect("write");
    fs::write(dir.join("sa.pub"), sa.public_key_pem()).expect("write");
    ca_cert.pem()
}

fn kubeconfig_text(ca_pem: &str, port: u16) -> String {
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let mut text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    \
         server: https://127.0.0.1:{port}\n    certificate-authority-data: {ca}\nusers:\n"
    );
    for (user, token) in [
        (ADMIN, ADMIN_TOKEN),
        (DEPLOYER, DEPLOYER_TOKEN),
        (READER, READER_TOKEN),
    ] {
        text.push_str(&format!("- name: {user}\n  user:\n    token: {token}\n"));
    }
    text.push_str("contexts:\n");
    for user in [ADMIN, DEPLOYER, READER] {
        text.push_str(&format!(
            "- name: {user}\n  context:\n    cluster: test\n    user: {user}\n"
        ));
    }
    text.push_str(&format!("current-context: {ADMIN}\n"));
    text
}

/// Every request's user, verb and object, without bodies.
const AUDIT_POLICY: &str = "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n";

/// The cluster DNS Service kubeadm creates (no DNS server runs behind it here).
const KUBE_DNS: &str = "apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
spec:
  clusterIP: 10.96.0.10
  selector:
    k8s-app: kube-dns
  ports:
  - name: dns
    port: 53
    protocol: UDP
  - name: dns-tcp
    port: 53
    protocol: TCP
";

/// `kubectl ARGS` (the [`bin_dir`] one) with `stdin` written to it: stdout when it succeeds,
/// stderr when it does not.
pub fn run_kubectl(args: &[String], stdin: Option<&str>) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new(bin_dir().join("kubectl"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("failed to run kubectl: {e}"))?;
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("piped stdin");
        pipe.write_all(text.as_bytes())
            .map_err(|e| format!("failed to write kubectl stdin: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("failed to wait for kubectl: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
