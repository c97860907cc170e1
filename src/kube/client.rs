//! Connecting to a cluster (kubeconfig, context, `KUBECONFIG`, in-cluster service account, as
//! kubectl does; a probe pod's own [`ServiceAccount`]) and what fabcheck asks of it before
//! deploying: the cluster DNS Service.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::core::v1::Service;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// How to reach the cluster.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// `--kubeconfig`; otherwise `KUBECONFIG`, `~/.kube/config`, then the in-cluster config.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`; otherwise the kubeconfig's current context.
    pub context: Option<String>,
    /// Bound on every request's connect and response.
    pub request_timeout: Duration,
}

/// Why fabcheck could not talk to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("failed to read kubeconfig {path}: {message}")]
    Kubeconfig { path: String, message: String },
    #[error("failed to find cluster credentials: {0}")]
    Infer(String),
    #[error("failed to create a Kubernetes client for {url}: {message}")]
    Client { url: String, message: String },
    #[error("failed to {action}: {message}")]
    Api { action: String, message: String },
}

/// A client for the cluster `options` name, with bounded request times.
pub async fn connect(options: &ClusterOptions) -> Result<Client, ClusterError> {
    let kube_options = KubeConfigOptions {
        context: options.context.clone(),
        ..KubeConfigOptions::default()
    };
    let mut config = match &options.kubeconfig {
        Some(path) => {
            let shown = path.display().to_string();
            let kubeconfig = Kubeconfig::read_from(path).map_err(|e| ClusterError::Kubeconfig {
                path: shown.clone(),
                message: e.to_string(),
            })?;
            Config::from_custom_kubeconfig(kubeconfig, &kube_options)
                .await
                .map_err(|e| ClusterError::Kubeconfig {
                    path: shown,
                    message: e.to_string(),
                })?
        }
        None if options.context.is_some() => Config::from_kubeconfig(&kube_options)
            .await
            .map_err(|e| ClusterError::Infer(e.to_string()))?,
        None => Config::infer()
            .await
            .map_err(|e| ClusterError::Infer(e.to_string()))?,
    };
    let timeout = options.request_timeout.max(Duration::from_secs(1));
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
    // The timeout counts from each request, not from when a pooled connection went idle.
    config.reset_reader_on_write = true;
    let url = config.cluster_url.to_string();
    Client::try_from(config).map_err(|e| ClusterError::Client {
        url,
        message: e.to_string(),
    })
}

/// Where Kubernetes mounts a pod's service account credentials.
const SERVICEACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// A pod's service account: the API server's address (from the environment Kubernetes sets)
/// and the credentials mounted into the pod. `FABCHECK_SERVICEACCOUNT_DIR` moves the mount, so
/// tests run the in-cluster code as a local process.
pub struct ServiceAccount {
    pub server: String,
    token_file: PathBuf,
    roots: Vec<Vec<u8>>,
    /// The pod's namespace.
    pub namespace: String,
}

impl ServiceAccount {
    pub fn load() -> Result<ServiceAccount, ClusterError> {
        let missing = |var: &str| ClusterError::Api {
            action: "find the API server".into(),
            message: format!("{var} is not set (the probe runs inside a Kubernetes pod)"),
        };
        let host = std::env::var("KUBERNETES_SERVICE_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| missing("KUBERNETES_SERVICE_HOST"))?;
        let port = std::env::var("KUBERNETES_SERVICE_PORT")
            .ok()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| missing("KUBERNETES_SERVICE_PORT"))?;
        // An IPv6 service host needs brackets in a URL, as client-go adds them.
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host
        };
        let dir = std::env::var_os("FABCHECK_SERVICEACCOUNT_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(SERVICEACCOUNT_DIR));
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| ClusterError::Api {
                action: format!("read the service account's {name}"),
                message: format!("{}: {e}", path.display()),
            })
        };
        let token_file = dir.join("token");
        read("token")?;
        let ca = read("ca.crt")?;
        // Every certificate of the bundle, as kube's own in-cluster config reads it.
        let roots: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(&ca)
            .filter_map(Result::ok)
            .map(|c| c.to_vec())
            .collect();
        if roots.is_empty() {
            return Err(ClusterError::Api {
                action: "read the service account's ca.crt".into(),
                message: format!("{} holds no PEM certificate", dir.join("ca.crt").display()),
            });
        }
        let namespace = String::from_utf8_lossy(&read("namespace")?)
            .trim()
            .to_owned();
        Ok(ServiceAccount {
            server: format!("https://{host}:{port}"),
            token_file,
            roots,
            namespace,
        })
    }

    /// A client with bounded request times. Must run inside a runtime: the client spawns its
    /// connection tasks on it.
    pub fn client(&self, request_timeout: Duration) -> Result<Client, ClusterError> {
        let fail = |message: String| ClusterError::Client {
            url: self.server.clone(),
            message,
        };
        let url: http::Uri = self.server.parse().map_err(|e| fail(format!("{e}")))?;
        let mut config = kube::Config::new(url);
        config.default_namespace = self.namespace.clone();
        config.root_cert = Some(self.roots.clone());
        // A file, not the token itself: kubelet rotates projected tokens under a running pod.
        config.auth_info.token_file = Some(self.token_file.display().to_string());
        config.connect_timeout = Some(request_timeout);
        config.read_timeout = Some(request_timeout);
        config.write_timeout = Some(request_timeout);
        config.reset_reader_on_write = true;
        Client::try_from(config).map_err(|e| fail(e.to_string()))
    }
}

/// The cluster DNS Service IP: kube-system's `kube-dns` Service (CoreDNS keeps that name), else
/// a Service named `coredns`; `None` when neither exists.
pub async fn cluster_dns(client: &Client) -> Result<Option<IpAddr>, ClusterError> {
    let services: Api<Service> = Api::namespaced(client.clone(), "kube-system");
    for name in ["kube-dns", "coredns"] {
        let service = services
            .get_opt(name)
            .await
            .map_err(|e| ClusterError::Api {
                action: format!("read Service kube-system/{name}"),
                message: describe(&e),
            })?;
        let ip = service
            .and_then(|s| s.spec)
            .and_then(|s| s.cluster_ip)
            .and_then(|ip| ip.parse().ok());
        if ip.is_some() {
            return Ok(ip);
        }
    }
    Ok(None)
}

/// A kube error as one line: the API server's own message for API errors (it names the user,
/// verb and resource for RBAC denials), the transport's otherwise.
pub fn describe(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) if status.code == 403 => format!(
            "forbidden (HTTP 403): {} — the credentials lack this RBAC permission; \
             rbac/deployer.yaml lists what deploying needs",
            status.message
        ),
        kube::Error::Api(status) => format!("{} (HTTP {})", status.message, status.code),
        other => {
            // Transport errors nest their cause; the innermost one says what happened
            // ("Connection refused", "deadline has elapsed").
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(s) = source {
                let inner = s.to_string();
                if !text.contains(&inner) {
                    text = format!("{text}: {inner}");
                }
                source = s.source();
            }
            text
        }
    }
}

/// Whether a kube error is the API server refusing for lack of rights.
pub fn is_forbidden(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 403)
}
