//! Deploying a Fabric network on Kubernetes: its PKI, its channel configuration, its manifests,
//! and applying, waiting for and tearing them down through the Kubernetes API.
//!
//! A deploy runs in phases (see [`manifests`]): namespaces, configuration, ZooKeeper, Kafka,
//! the genesis Job, orderers, peers. Each phase is server-side applied and, unless told not
//! to, waited for before the next, under one overall deadline. A re-run reuses the PKI already
//! in the cluster (so nothing changes) and skips the genesis Job once its block is published.

pub mod configtx;
pub mod crypto;
pub mod fabric_env;
pub mod handback;
pub mod manifests;
pub mod preflight;
pub mod progress;
pub mod readback;
pub mod teardown;

use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kube::api::{ListParams, LogParams};
use kube::{Api, Client};
use time::OffsetDateTime;

pub use crypto::{CryptoError, CryptoMaterial};
pub use manifests::{ManifestError, Manifests};
pub use progress::{Progress, ProgressMode};

use crate::kube::apply;
use crate::kube::{self as cluster, ApplyFailure, ClusterError, Object, describe, wait};
use crate::network::{COMPONENT_LABEL, NETWORK_LABEL, Network, NetworkSpec, SpecError};

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
    Preflight(#[from] preflight::PreflightError),
    #[error(transparent)]
    Manifests(#[from] ManifestError),
    #[error("failed to pass the certificate checks on the generated PKI:\n  {}", .0.join("\n  "))]
    Certificates(Vec<String>),
    #[error("failed to apply {} object(s) in phase {phase}:\n  {}", .failures.len(), failure_lines(.failures))]
    Apply {
        phase: String,
        failures: Vec<ApplyFailure>,
    },
    #[error("failed to get phase {phase} ready{}; not ready:\n  {}", within(.timeout), .details.join("\n  "))]
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

/// ` within 10m` for a wait that ran out of time; nothing for one that failed before (a zero
/// bound: a pod that cannot start).
fn within(timeout: &Duration) -> String {
    if timeout.is_zero() {
        String::new()
    } else {
        format!(" within {timeout:?}")
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
    check: PkiCheck<'_>,
) -> Result<(CryptoMaterial, Manifests), DeployError> {
    let crypto = CryptoMaterial::generate(network, now)?;
    verify_pki(&crypto, now, check)?;
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
    check: PkiCheck<'_>,
) -> Result<Deployed, DeployError> {
    let started = Instant::now();
    let deadline = started + options.timeout;
    check_cluster(client, &network, options, progress).await?;
    let now = OffsetDateTime::now_utc();
    let fresh = CryptoMaterial::generate(&network, now)?;
    let existing = existing_crypto(client, &network).await?;
    // CA keys no pod mounts never go into the cluster, so a complete PKI there is the fresh
    // one's files without them.
    let in_cluster = fresh
        .files
        .keys()
        .filter(|p| !manifests::stays_out_of_cluster(&network, p));
    let (crypto, pki) = if existing.files.keys().eq(in_cluster) {
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
    verify_pki(&crypto, now, check)?;
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
        let genesis = phase.name == manifests::GENESIS_PHASE;
        if genesis && genesis_published(client, &network).await? {
            progress.note("genesis block already published; the genesis Job is not run again");
            continue;
        }
        if phase.name == manifests::CHANNEL_PHASE {
            publish_channel_artifacts(client, &network, &crypto).await?;
        }
        let failures = apply::apply_objects(client, &phase.objects, options.concurrency).await;
        if !failures.is_empty() {
            return Err(DeployError::Apply {
                phase: phase.name.to_owned(),
                failures,
            });
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
            let failed = not_ready.iter().any(|(_, r)| r.is_final());
            let mut details = Vec::new();
            // A wait cut short by what cannot start explains that; the others were merely not
            // ready yet, and are named only.
            for (object, state) in not_ready.iter().filter(|(_, r)| !failed || r.is_final()) {
                details.push(wait::explain(client, object, state).await);
            }
            let pending: Vec<String> = not_ready
                .iter()
                .filter(|(_, r)| failed && !r.is_final())
                .map(|(o, _)| o.key())
                .collect();
            if !pending.is_empty() {
                details.push(format!("still coming up then: {}", pending.join(", ")));
            }
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
        if genesis {
            publish_genesis(client, &network).await?;
        }
    }
    Ok(Deployed {
        network,
        crypto,
        manifests,
        pki,
    })
}

/// The preflight: what the cluster must offer the network, each item a line of the deploy's
/// output; a blocking one stops the deploy before anything is applied.
async fn check_cluster(
    client: &Client,
    network: &Network,
    options: &DeployOptions,
    progress: &Progress,
) -> Result<(), DeployError> {
    let request = preflight_request(network);
    let bound = options.timeout.min(Duration::from_secs(15));
    let items = preflight::run(client, &request, bound).await;
    for item in &items {
        progress.note(&format!("preflight: {item}"));
    }
    Ok(preflight::verdict(&items)?)
}

/// What `network` asks of the cluster: its namespaces, its images with the architectures the
/// image table says they are built for, privileged pods where chaincode runs in Docker-in-Docker,
/// its storage, the cluster DNS, and Kubernetes 1.20 or later (what fabcheck is tested against).
pub fn preflight_request(network: &Network) -> preflight::PreflightRequest {
    let images = &network.images;
    let mut wanted: Vec<&String> = vec![&images.peer, &images.orderer, &images.tools];
    if network.peer_orgs.iter().any(|o| o.ca.is_some()) {
        wanted.push(&images.ca);
    }
    if network.kafka.is_some() {
        wanted.extend([&images.kafka, &images.zookeeper]);
    }
    match network.chaincode.runtime {
        crate::network::ChaincodeRuntime::Dind => wanted.push(&images.dind),
        crate::network::ChaincodeRuntime::Ccaas if network.chaincode.test_chaincode => {
            wanted.extend([&images.ccenv, &images.baseos]);
        }
        crate::network::ChaincodeRuntime::Ccaas => {}
    }
    let dind = network.chaincode.runtime == crate::network::ChaincodeRuntime::Dind;
    preflight::PreflightRequest {
        namespaces: network.namespaces(),
        images: wanted
            .into_iter()
            .map(|image| preflight::ImageNeed {
                image: image.clone(),
                architectures: crate::network::images::find(image)
                    .map(|e| e.architectures.iter().map(|a| (*a).to_owned()).collect())
                    .unwrap_or_default(),
            })
            .collect(),
        privileged_namespaces: if dind {
            network
                .peer_orgs
                .iter()
                .map(|o| o.namespace.clone())
                .collect()
        } else {
            Vec::new()
        },
        storage: match &network.storage {
            crate::network::Storage::EmptyDir => preflight::StorageNeed::None,
            crate::network::Storage::Pvc { storage_class, .. } => preflight::StorageNeed::Pvc {
                storage_class: storage_class.clone(),
            },
        },
        cluster_dns: network.cluster_dns,
        min_server_version: (1, 20),
    }
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

/// Reads the genesis Job's handed-back files out of its pod's log and creates the genesis
/// ConfigMap from them, create-only: if one exists already it is kept (see
/// [`manifests::genesis_config_map`] on why a block is never replaced).
async fn publish_genesis(client: &Client, network: &Network) -> Result<(), DeployError> {
    let ns = &network.orderer_org.namespace;
    let job = manifests::GENESIS_JOB;
    let log = job_log(client, ns, job, job).await?;
    let files = handback::parse(&log).map_err(|e| DeployError::Api {
        action: format!("read the genesis block from Job {ns}/{job}"),
        message: e.to_string(),
    })?;
    for name in std::iter::once(manifests::GENESIS_BLOCK.to_owned())
        .chain(std::iter::once(configtx::CHANNEL_TX.to_owned()))
        .chain(network.peer_orgs.iter().map(configtx::anchors_file))
    {
        handback::take(&files, &name).map_err(|e| DeployError::Api {
            action: format!("read the genesis block from Job {ns}/{job}"),
            message: e.to_string(),
        })?;
    }
    create_once(client, ns, &manifests::genesis_config_map(network, files)).await
}

/// Each peer org's channel artifacts, from the genesis ConfigMap, create-only.
async fn publish_channel_artifacts(
    client: &Client,
    network: &Network,
    crypto: &CryptoMaterial,
) -> Result<(), DeployError> {
    let ns = &network.orderer_org.namespace;
    let shown = format!("ConfigMap {ns}/{}", manifests::GENESIS_CONFIGMAP);
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let genesis = api
        .get_opt(manifests::GENESIS_CONFIGMAP)
        .await
        .map_err(|e| DeployError::Api {
            action: format!("read {shown}"),
            message: describe(&e),
        })?
        .ok_or_else(|| DeployError::Api {
            action: "put the channel artifacts in place".into(),
            message: format!(
                "{shown} does not exist: the genesis Job has not handed back its files (a deploy with --no-wait leaves that to the next deploy)"
            ),
        })?;
    let files: std::collections::BTreeMap<String, Vec<u8>> = genesis
        .binary_data
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect();
    for org in &network.peer_orgs {
        let artifacts =
            manifests::artifacts_config_map(network, org, crypto, &files).map_err(|e| {
                DeployError::Api {
                    action: format!("build the channel artifacts of {}", org.name),
                    message: format!("{e} (in {shown})"),
                }
            })?;
        create_once(client, &org.namespace, &artifacts).await?;
    }
    Ok(())
}

/// Creates `config_map` unless one of its name exists; never updates it (it is immutable).
async fn create_once(client: &Client, ns: &str, config_map: &ConfigMap) -> Result<(), DeployError> {
    let name = config_map.metadata.name.clone().unwrap_or_default();
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let params = kube::api::PostParams {
        field_manager: Some(crate::network::FIELD_MANAGER.to_owned()),
        ..kube::api::PostParams::default()
    };
    match api.create(&params, config_map).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
        Err(e) => Err(DeployError::Api {
            action: format!("create ConfigMap {ns}/{name}"),
            message: describe(&e),
        }),
    }
}

/// The log of container `container` of the newest succeeded pod of Job `job`.
async fn job_log(
    client: &Client,
    ns: &str,
    job: &str,
    container: &str,
) -> Result<String, DeployError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let action = || format!("read the log of Job {ns}/{job}");
    let list = pods
        .list(&ListParams::default().labels(&format!("job-name={job}")))
        .await
        .map_err(|e| DeployError::Api {
            action: action(),
            message: describe(&e),
        })?;
    let pod = list
        .items
        .iter()
        .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Succeeded"))
        .max_by_key(|p| p.metadata.creation_timestamp.clone())
        .and_then(|p| p.metadata.name.clone())
        .ok_or_else(|| DeployError::Api {
            action: action(),
            message: format!("the Job completed, but none of its {} pod(s) is left with a log (pods of a completed Job were deleted?)", list.items.len()),
        })?;
    let params = LogParams {
        container: Some(container.to_owned()),
        ..LogParams::default()
    };
    pods.logs(&pod, &params)
        .await
        .map_err(|e| DeployError::Api {
            action: format!("read the log of pod {ns}/{pod}"),
            message: describe(&e),
        })
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

/// The certificate checks, run on a folder holding a PKI as of an instant: each failure as a
/// line, or why the folder could not be read. The command layer supplies it (the checks sit
/// beside deploying, not below it).
pub type PkiCheck<'a> = &'a dyn Fn(&Path, OffsetDateTime) -> Result<Vec<String>, String>;

/// Runs the certificate checks on the PKI before anything is applied: a failure here is a bug
/// in the generator, and must never reach a cluster.
pub fn verify_pki(
    crypto: &CryptoMaterial,
    now: OffsetDateTime,
    check: PkiCheck<'_>,
) -> Result<(), DeployError> {
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
    let bad = check(dir.path(), now).map_err(|e| {
        DeployError::Certificates(vec![format!("failed to read the generated PKI: {e}")])
    })?;
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
