//! Deploying a Fabric network on Kubernetes: its PKI, its channel configuration, its manifests,
//! and applying, waiting for and tearing them down through the Kubernetes API.
//!
//! A deploy runs in phases (see [`manifests`]): namespaces, configuration, ZooKeeper, Kafka,
//! the genesis Job, orderers, peers. Each phase is server-side applied and, unless told not
//! to, waited for before the next, under one overall deadline. A re-run reuses the PKI already
//! in the cluster (so nothing changes) and skips the genesis Job once its block is published.

pub mod apply;
pub mod cluster;
pub mod configtx;
pub mod crypto;
pub mod fabric_env;
pub mod manifests;
pub mod object;
pub mod preflight;
pub mod progress;
pub mod readback;
pub mod teardown;
pub mod wait;

use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::ListParams;
use kube::{Api, Client};
use time::OffsetDateTime;

pub use apply::ApplyFailure;
pub use cluster::{ClusterError, ClusterOptions};
pub use crypto::{CryptoError, CryptoMaterial};
pub use manifests::{ManifestError, Manifests};
pub use object::Object;
pub use progress::{Progress, ProgressMode};

use crate::network::{COMPONENT_LABEL, NETWORK_LABEL, Network, NetworkSpec, SpecError};
use cluster::describe;
use wait::Readiness;

/// Why a deploy (or teardown) did not finish. Every variant maps to exit code 4.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("failed to use network spec {path}: {reason}")]
    InvalidSpec { path: String, reason: String },
    #[error(
        "failed to find the cluster DNS Service (kube-system/kube-dns or coredns); set clusterDns in the network spec"
    )]
    NoClusterDns,
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Manifests(#[from] ManifestError),
    #[error("failed to pass the certificate checks on the generated PKI:\n  {}", .0.join("\n  "))]
    Certificates(Vec<String>),
    #[error("failed to apply {} object(s) in phase {phase}:\n  {}", .failures.len(), failure_lines(.failures))]
    Apply {
        phase: String,
        failures: Vec<ApplyFailure>,
    },
    #[error("failed to get phase {phase} ready within {timeout:?}; not ready:\n  {}", .details.join("\n  "))]
    NotReady {
        phase: String,
        timeout: Duration,
        details: Vec<String>,
    },
    #[error("failed to {action}: {message}")]
    Api { action: String, message: String },
    #[error("failed to tear down within the timeout; still there: {left}")]
    TeardownTimeout { left: String },
    #[error("failed to write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl DeployError {
    /// Whether the spec itself is at fault (exit code 2, not 4).
    pub fn is_usage(&self) -> bool {
        matches!(self, DeployError::Spec(_) | DeployError::InvalidSpec { .. })
    }

    /// Whether the cause was a missing RBAC permission.
    pub fn is_forbidden(&self) -> bool {
        match self {
            DeployError::Apply { failures, .. } => failures.iter().any(|f| f.forbidden),
            DeployError::Api { message, .. } => message.contains("forbidden (HTTP 403)"),
            _ => false,
        }
    }
}

fn failure_lines(failures: &[ApplyFailure]) -> String {
    let mut lines: Vec<String> = failures
        .iter()
        .take(10)
        .map(|f| format!("{}: {}", f.object, f.message))
        .collect();
    if failures.len() > 10 {
        lines.push(format!("… and {} more", failures.len() - 10));
    }
    lines.join("\n  ")
}

/// How to deploy.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The deadline for the whole deploy, waits included.
    pub timeout: Duration,
    /// Wait for each phase's workloads before the next phase.
    pub wait: bool,
    /// Requests in flight while applying a phase.
    pub concurrency: usize,
}

/// Where the network's PKI came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkiSource {
    Generated,
    /// Read back from the network's Secrets: a re-run.
    Reused,
}

/// A deployed network.
#[derive(Debug)]
pub struct Deployed {
    pub network: Network,
    pub crypto: CryptoMaterial,
    pub manifests: Manifests,
    pub pki: PkiSource,
}

/// The network a spec describes, its cluster DNS IP filled in from the cluster when the spec
/// leaves it out.
pub async fn resolve(
    client: &Client,
    spec: &NetworkSpec,
    spec_path: &str,
) -> Result<Network, DeployError> {
    let mut network = spec.resolve().map_err(|reason| DeployError::InvalidSpec {
        path: spec_path.to_owned(),
        reason,
    })?;
    if network.cluster_dns.is_none() {
        network.cluster_dns = Some(
            cluster::cluster_dns(client)
                .await?
                .ok_or(DeployError::NoClusterDns)?,
        );
    }
    Ok(network)
}

/// The PKI, manifests and configtx for a network, without a cluster (`render --out`).
pub fn render(
    network: &Network,
    now: OffsetDateTime,
) -> Result<(CryptoMaterial, Manifests), DeployError> {
    let crypto = CryptoMaterial::generate(network, now)?;
    verify_pki(&crypto, now)?;
    let manifests = manifests::build(network, &crypto)?;
    Ok((crypto, manifests))
}

/// Deploys `network`: PKI (reused from the cluster when complete there), certificate checks on
/// it, then each phase applied and waited for.
pub async fn deploy(
    client: &Client,
    network: Network,
    options: &DeployOptions,
    progress: &Progress,
) -> Result<Deployed, DeployError> {
    let started = Instant::now();
    let deadline = started + options.timeout;
    let now = OffsetDateTime::now_utc();
    let fresh = CryptoMaterial::generate(&network, now)?;
    let existing = existing_crypto(client, &network).await?;
    let (crypto, pki) = if existing.files.keys().eq(fresh.files.keys()) {
        (existing, PkiSource::Reused)
    } else {
        if !existing.files.is_empty() {
            progress.note(&format!(
                "the PKI in the cluster is incomplete ({} of {} files); generating a new one",
                existing.files.len(),
                fresh.files.len()
            ));
        }
        (fresh, PkiSource::Generated)
    };
    verify_pki(&crypto, now)?;
    let manifests = manifests::build(&network, &crypto)?;
    progress.note(&format!(
        "PKI {} and checked, manifests built ({:.2} s)",
        match pki {
            PkiSource::Generated => "generated",
            PkiSource::Reused => "read back",
        },
        started.elapsed().as_secs_f64()
    ));
    if !options.wait {
        apply_without_waiting(client, &network, &manifests, options, progress).await?;
        return Ok(Deployed {
            network,
            crypto,
            manifests,
            pki,
        });
    }
    for phase in &manifests.phases {
        if phase.name == "genesis" && genesis_published(client, &network).await? {
            progress.note("genesis block already published; the genesis Job is not run again");
            continue;
        }
        let failures = apply::apply_objects(client, &phase.objects, options.concurrency).await;
        if !failures.is_empty() {
            return Err(DeployError::Apply {
                phase: phase.name.to_owned(),
                failures,
            });
        }
        if !options.wait {
            continue;
        }
        let workloads: Vec<&Object> = phase
            .objects
            .iter()
            .filter(|o| wait::is_workload(&o.kind))
            .collect();
        if workloads.is_empty() {
            continue;
        }
        let shown = progress.phase(phase.name, workloads.len());
        let not_ready =
            wait::until_ready(client, &workloads, deadline, |n| shown.set_ready(n)).await;
        shown.finish(workloads.len() - not_ready.len());
        if !not_ready.is_empty() {
            let mut details = Vec::new();
            for (object, state) in &not_ready {
                details.push(wait::explain(client, object, state).await);
            }
            let failed = not_ready
                .iter()
                .any(|(_, r)| matches!(r, Readiness::Failed(_)));
            return Err(DeployError::NotReady {
                phase: phase.name.to_owned(),
                timeout: if failed {
                    Duration::ZERO
                } else {
                    options.timeout
                },
                details,
            });
        }
        if phase.name == "genesis" && !genesis_published(client, &network).await? {
            return Err(DeployError::Api {
                action: "find the genesis block".into(),
                message: format!(
                    "the genesis Job completed but ConfigMap {}/{} does not exist",
                    network.orderer_org.namespace,
                    manifests::GENESIS_CONFIGMAP
                ),
            });
        }
    }
    Ok(Deployed {
        network,
        crypto,
        manifests,
        pki,
    })
}

/// `--no-wait`: namespaces first (everything else lives in them), then every other object in
/// one concurrent batch; nothing waits on a workload, so the phase order buys nothing.
async fn apply_without_waiting(
    client: &Client,
    network: &Network,
    manifests: &Manifests,
    options: &DeployOptions,
    progress: &Progress,
) -> Result<(), DeployError> {
    let skip_genesis = genesis_published(client, network).await?;
    if skip_genesis {
        progress.note("genesis block already published; the genesis Job is not run again");
    }
    let (first, rest) = manifests
        .phases
        .split_first()
        .ok_or_else(|| DeployError::Api {
            action: "apply the network".into(),
            message: "no manifests were built".into(),
        })?;
    let rest: Vec<Object> = rest
        .iter()
        .filter(|p| !(skip_genesis && p.name == "genesis"))
        .flat_map(|p| p.objects.iter().cloned())
        .collect();
    for (name, objects) in [(first.name, &first.objects[..]), ("the rest", &rest[..])] {
        let failures = apply::apply_objects(client, objects, options.concurrency).await;
        if !failures.is_empty() {
            return Err(DeployError::Apply {
                phase: name.to_owned(),
                failures,
            });
        }
    }
    Ok(())
}

/// The network's PKI as its Secrets hold it (empty before the first deploy).
async fn existing_crypto(
    client: &Client,
    network: &Network,
) -> Result<CryptoMaterial, DeployError> {
    let selector = format!("{NETWORK_LABEL}={},{COMPONENT_LABEL}=crypto", network.name);
    let params = ListParams::default().labels(&selector);
    let lists = futures_util::future::join_all(network.namespaces().into_iter().map(|ns| {
        let api: Api<Secret> = Api::namespaced(client.clone(), &ns);
        let params = params.clone();
        async move {
            api.list(&params).await.map_err(|e| DeployError::Api {
                action: format!("list the network's Secrets in {ns}"),
                message: describe(&e),
            })
        }
    }))
    .await;
    let mut secrets = Vec::new();
    for list in lists {
        secrets.extend(list?.items);
    }
    Ok(manifests::crypto_from_secrets(&secrets)?)
}

async fn genesis_published(client: &Client, network: &Network) -> Result<bool, DeployError> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), &network.orderer_org.namespace);
    api.get_opt(manifests::GENESIS_CONFIGMAP)
        .await
        .map(|c| c.is_some())
        .map_err(|e| DeployError::Api {
            action: format!(
                "read ConfigMap {}/{}",
                network.orderer_org.namespace,
                manifests::GENESIS_CONFIGMAP
            ),
            message: describe(&e),
        })
}

/// Runs the certificate checks on the PKI before anything is applied: a failure here is a bug
/// in the generator, and must never reach a cluster.
pub fn verify_pki(crypto: &CryptoMaterial, now: OffsetDateTime) -> Result<(), DeployError> {
    // In memory where the system has a tmpfs: a 20-org PKI is a thousand small files, and on
    // a slow disk writing them costs more than generating them.
    let shm = std::path::Path::new("/dev/shm");
    let mut builder = tempfile::Builder::new();
    builder.prefix("fabcheck-pki-");
    let dir = if shm.is_dir() {
        builder.tempdir_in(shm).or_else(|_| builder.tempdir())
    } else {
        builder.tempdir()
    };
    let dir = dir.map_err(|source| DeployError::Io {
        path: std::env::temp_dir().display().to_string(),
        source,
    })?;
    write_crypto(dir.path(), crypto)?;
    let inventory = crate::inventory::artifacts::gather(dir.path()).map_err(|e| {
        DeployError::Certificates(vec![format!("failed to read the generated PKI: {e}")])
    })?;
    let ctx = crate::context::Context::new(now, crate::context::Policy::default());
    let selection = crate::checks::Selection {
        select: vec!["X509-".into()],
        ignore: Vec::new(),
    };
    let findings = crate::checks::run(
        &ctx,
        &inventory,
        crate::catalogue::Catalogue::embedded(),
        &selection,
    );
    let bad: Vec<String> = findings
        .iter()
        .filter(|f| {
            matches!(
                f.status,
                crate::report::Status::Fail | crate::report::Status::Error
            )
        })
        .map(|f| format!("{} {}: {}", f.check_id, f.target, f.message))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(DeployError::Certificates(bad))
    }
}

/// Writes the PKI under `dir/crypto-config/`, private keys readable by the owner only.
pub fn write_crypto(dir: &Path, crypto: &CryptoMaterial) -> Result<(), DeployError> {
    for (path, bytes) in &crypto.files {
        let full = dir.join("crypto-config").join(path);
        let mode = if CryptoMaterial::is_private_key(path) {
            0o600
        } else {
            0o644
        };
        crate::inventory::cluster::write_file(&full, bytes, mode).map_err(|source| {
            DeployError::Io {
                path: full.display().to_string(),
                source,
            }
        })?;
    }
    Ok(())
}

/// A cluster DNS IP for rendering without a cluster: the spec's, else kubeadm's default.
pub fn offline_cluster_dns(network: &Network) -> IpAddr {
    network.cluster_dns.unwrap_or(IpAddr::from([10, 96, 0, 10]))
}
