//! Connecting to a cluster (kubeconfig, context, `KUBECONFIG`, in-cluster service account, as
//! kubectl does) and what fabcheck asks of it before deploying: the cluster DNS Service.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::core::v1::Service;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

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
