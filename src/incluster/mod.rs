//! Live probes run from inside the cluster (`check --probe in-cluster`).
//!
//! A cluster's Services are only reachable from inside it, so the live probes (TLS and gRPC to
//! peers and orderers, ZooKeeper's four-letter words, the Kafka wire protocol) run there: the
//! runner works out what to dial from the discovered objects ([`targets`]), and
//! [`run_blocking`] runs fabcheck's own image as a Job that dials them and hands its findings
//! back through a ConfigMap, then removes every object it made. The pod's side is
//! [`pod_main`] (the hidden `probe-in-cluster` subcommand).
//!
//! Chaincode DNS is looked up from every node instead, by a DaemonSet of the same image
//! ([`node_dns`]): chaincode may land on any node, and each node can resolve differently. Where
//! a peer's chaincode is launched by a Docker daemon in its pod or behind a Service (the
//! Docker-in-Docker sidecar), the runner also starts a probe container on that very daemon,
//! reached through the API's port-forward, with the peer's HostConfig ([`daemon`]).
//!
//! The hand-over is ConfigMaps in the probe namespace: `fabcheck-probe-<id>-targets`
//! (`targets.json`, a [`ProbeTargets`]) written by the runner; `fabcheck-probe-<id>-result`
//! (`findings.json`, the findings as a JSON array, or `error`, why the pod could not probe)
//! written by the Job's pod; and one per node named after the DaemonSet's pod there (`dns.json`,
//! a [`node_dns::NodeReport`]). The pods' ServiceAccount may read the first, create
//! ConfigMaps, and patch the second, and nothing else.

pub mod daemon;
mod job;
pub mod node_dns;
mod pod;
#[cfg(test)]
mod pod_security;
mod targets;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::finding::Finding;
use crate::inventory::discovery::Discovery;
use crate::inventory::dns::{DnsObservation, ResolverContext};
use crate::kube::ClusterOptions;

/// fabcheck's own image (built from the repository's Dockerfile), tagged with this build's
/// version: the probe pod must speak the same hand-over as the runner that starts it.
pub const DEFAULT_IMAGE: &str = concat!("ghcr.io/fabcheck/fabcheck:", env!("CARGO_PKG_VERSION"));

/// Label on every object of a probe run, with the run id, so one command finds them all.
pub const RUN_LABEL: &str = "fabcheck.io/probe-run";

/// The `fabcheck.io/component` value of every probe object.
pub const PROBE_COMPONENT: &str = "probe";

/// The key of the targets ConfigMap.
pub const TARGETS_KEY: &str = "targets.json";
/// The key of the result ConfigMap holding the findings.
pub const FINDINGS_KEY: &str = "findings.json";
/// The key of the result ConfigMap holding why the pod could not probe.
pub const ERROR_KEY: &str = "error";

/// The field manager the probe pod writes its result with.
pub const POD_FIELD_MANAGER: &str = "fabcheck-probe";

/// Why the in-cluster probe could not run or report.
#[derive(Debug, thiserror::Error)]
pub enum InClusterError {
    #[error("failed to {action}: {message}")]
    Failed { action: String, message: String },
}

impl From<crate::kube::ClusterError> for InClusterError {
    fn from(e: crate::kube::ClusterError) -> Self {
        use crate::kube::ClusterError;
        match e {
            ClusterError::Api { action, message } => InClusterError::Failed { action, message },
            ClusterError::Client { url, message } => InClusterError::Failed {
                action: format!("create a Kubernetes client for {url}"),
                message,
            },
            other => InClusterError::Failed {
                action: "reach the API server".into(),
                message: other.to_string(),
            },
        }
    }
}

impl InClusterError {
    fn new(action: impl Into<String>, message: impl Into<String>) -> Self {
        InClusterError::Failed {
            action: action.into(),
            message: message.into(),
        }
    }
}

/// What the probe pod is asked to probe.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProbeTargets {
    /// ZooKeeper servers, `host:port`, one per server where the cluster names each.
    #[serde(default)]
    pub zookeeper: Vec<String>,
    /// Kafka brokers to bootstrap from, `host:port`.
    #[serde(default)]
    pub kafka: Vec<String>,
    /// Peers and orderers to dial over TLS.
    #[serde(default)]
    pub tls: Vec<TlsTarget>,
    /// Chaincode resolvers to look names up with from every node.
    #[serde(default)]
    pub dns: Vec<node_dns::DnsGroup>,
    /// Bound on the pod's live phase in seconds; 0 leaves the pod's default (30 s).
    #[serde(default)]
    pub live_timeout_secs: u64,
    /// The least height of each channel the deploy created (`deploy-and-verify`), for
    /// HEALTH-004, which the pod judges with the heights it reads.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expected_heights: BTreeMap<String, crate::inventory::live::ExpectedHeight>,
    /// Peers whose chaincode a Docker daemon launches: the runner looks their names up on that
    /// daemon through the API ([`daemon`]); the pod is not told.
    #[serde(skip)]
    pub daemons: Vec<daemon::DaemonTarget>,
}

/// A peer or orderer to dial from inside the cluster.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TlsTarget {
    /// The name clients use (`peer0.org1`).
    pub name: String,
    /// `peer0.org1.svc:7051`.
    pub address: String,
    /// The server name sent in the handshake and checked against the certificate.
    pub sni: String,
    pub role: TlsRole,
    /// The node's own TLS root certificate(s), PEM; `None` when it could not be found, and
    /// then the endpoint is dialled with verification off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    /// Where the root came from (`Secret org1/peer0-crypto key tls-ca.crt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_origin: Option<String>,
    /// The node's operations endpoint as the endpoints file writes it
    /// (`http://peer0.org1.svc:9443`), when its configuration exposes one beyond loopback and
    /// the probe can reach it by the same name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<String>,
    /// `operations.tls.clientAuthRequired` on that endpoint, when the configuration says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations_client_auth_required: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsRole {
    Peer,
    Orderer,
}

impl TlsRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsRole::Peer => "peer",
            TlsRole::Orderer => "orderer",
        }
    }
}

/// The probe targets for a discovered cluster: its peer, orderer, ZooKeeper and Kafka
/// Services, read from the objects written under `dir` by the cluster gatherer, and the
/// chaincode resolvers of `contexts` (built from the same objects).
pub fn targets(discovery: &Discovery, dir: &Path, contexts: &[ResolverContext]) -> ProbeTargets {
    ProbeTargets {
        dns: node_dns::groups(contexts),
        daemons: daemon::targets(contexts),
        ..targets::targets(discovery, dir)
    }
}

/// The probe targets for a network read back into `dir` (`<namespace>/<kind>-<name>.yaml`, as
/// `deploy-and-verify` writes what it deployed): the same targets the cluster gatherer's
/// files give.
pub fn targets_from_dir(dir: &Path, contexts: &[ResolverContext]) -> ProbeTargets {
    let mut objects: Vec<serde_json::Value> = Vec::new();
    let folders = std::fs::read_dir(dir).into_iter().flatten().flatten();
    for folder in folders.filter(|e| e.file_type().is_ok_and(|t| t.is_dir())) {
        for file in std::fs::read_dir(folder.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "yaml")
                && file.file_type().is_ok_and(|t| t.is_file())
                && let Ok(text) = std::fs::read_to_string(&path)
                && let Ok(value) = crate::yaml::from_str::<serde_json::Value>(&text)
            {
                objects.push(value);
            }
        }
    }
    let discovery = Discovery {
        objects: crate::inventory::discovery::classify_all(&objects),
        ..Discovery::default()
    };
    targets(&discovery, dir, contexts)
}

/// The checks whose findings a run of the probe with `targets` gives (ids or id prefixes): the
/// live checks of the Job's pod, and the chaincode lookups' (DNS-008, DNS-009) when the node
/// DNS DaemonSet runs or peers' Docker daemons are asked. When the probe fails, these are the
/// checks that could not evaluate.
pub fn probed_checks(targets: &ProbeTargets) -> Vec<&'static str> {
    let mut ids = pod::LIVE_CHECKS.to_vec();
    if !targets.dns.is_empty() || !targets.daemons.is_empty() {
        ids.extend(["DNS-008", "DNS-009"]);
    }
    if !targets.daemons.is_empty() {
        ids.push("HEALTH-005");
    }
    ids
}

/// What the in-cluster probe brought back.
#[derive(Debug, Default)]
pub struct Probed {
    /// The live checks' findings, from the Job's pod.
    pub findings: Vec<Finding>,
    /// Chaincode lookups, one per chaincode context per node and one per Docker-launching
    /// peer pod (from its daemon), for the DNS checks to judge.
    pub dns: Vec<DnsObservation>,
    /// The chaincode containers on each Docker-launching peer pod's own daemon.
    pub chaincode_containers: Vec<crate::inventory::live::ChaincodeContainers>,
}

/// Runs the probe Job (and the node DNS DaemonSet when there are chaincode names to look up),
/// waits for their results (bounded by `timeout`), removes the probe's objects, and returns
/// what they found.
pub fn run_blocking(
    cluster: &ClusterOptions,
    probe: &InClusterProbe,
    targets: &ProbeTargets,
    timeout: Duration,
) -> Result<Probed, InClusterError> {
    job::run_blocking(cluster, probe, targets, timeout)
}

/// Where the in-cluster probe runs: its image and namespace (`check --probe in-cluster`).
#[derive(Debug, Clone)]
pub struct InClusterProbe {
    pub image: String,
    pub namespace: String,
    /// Whether to also start a probe container on each Docker-launching peer's own daemon
    /// through the API ([`daemon`]); `--no-peer-daemons` turns it off.
    pub peer_daemons: bool,
}

/// What the probe pod is told (`fabcheck probe-in-cluster`).
#[derive(Debug, Clone)]
pub struct PodArgs {
    /// Namespace of the probe's ConfigMaps; the pod's own when `None`.
    pub namespace: Option<String>,
    /// ConfigMap holding the targets.
    pub targets_configmap: String,
    /// ConfigMap to write the findings into (the Job's pod).
    pub result_configmap: Option<String>,
    /// Look the chaincode names up from this node instead (the DaemonSet's pods).
    pub dns: bool,
}

/// One run of the live checks the probe pod asks for: the endpoints it reaches from inside
/// the cluster and the checks that judge them. The command layer runs it as a `check` would.
#[derive(Debug, Clone)]
pub struct LiveRun {
    pub zookeeper: Vec<String>,
    pub kafka: Vec<String>,
    /// An endpoints file (`--endpoints` format) of TLS targets.
    pub endpoints_file: Option<std::path::PathBuf>,
    /// Whether TLS verification is off for this run (no root known for its targets).
    pub insecure: bool,
    /// Check ids (or prefixes) to run.
    pub select: Vec<String>,
    pub live_timeout: Duration,
    /// The least height of each channel the deploy created (HEALTH-004).
    pub expected_heights: BTreeMap<String, crate::inventory::live::ExpectedHeight>,
}

/// Runs a [`LiveRun`] and returns its findings, or why it could not run.
pub type LiveRunner<'a> = &'a (dyn Fn(&LiveRun) -> Result<Vec<Finding>, String> + Sync);

/// The probe pod's side (`fabcheck probe-in-cluster`): read the targets ConfigMap, probe
/// through `run`, write the findings ConfigMap. Returns the exit code.
pub fn pod_main(args: &PodArgs, run: LiveRunner<'_>) -> Result<i32, InClusterError> {
    pod::pod_main(args, run)
}

/// `2m`, `1m30s`, `45s`, `1.5s`: how messages show a bound.
pub(crate) fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if d.subsec_millis() != 0 && secs < 10 {
        return format!("{:.1}s", d.as_secs_f64());
    }
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_flags_are_written() {
        assert_eq!(human(Duration::from_secs(120)), "2m");
        assert_eq!(human(Duration::from_secs(90)), "1m30s");
        assert_eq!(human(Duration::from_secs(20)), "20s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn targets_travel_as_json() {
        let t = ProbeTargets {
            zookeeper: vec!["zookeeper0.kafka.svc:2181".into()],
            kafka: vec!["kafka0.kafka.svc:9092".into()],
            tls: vec![TlsTarget {
                name: "peer0.org1".into(),
                address: "peer0.org1.svc:7051".into(),
                sni: "peer0.org1".into(),
                role: TlsRole::Peer,
                ca_pem: None,
                ca_origin: None,
                operations: Some("http://peer0.org1.svc:9443".into()),
                operations_client_auth_required: None,
            }],
            dns: Vec::new(),
            live_timeout_secs: 30,
            expected_heights: [(
                "mychannel".to_owned(),
                crate::inventory::live::ExpectedHeight {
                    minimum: 3,
                    blocks: vec!["genesis block".into()],
                },
            )]
            .into(),
            daemons: Vec::new(),
        };
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains(r#""role":"peer""#), "{json}");
        assert!(!json.contains("ca_pem"), "{json}");
        assert_eq!(serde_json::from_str::<ProbeTargets>(&json).unwrap(), t);
        assert_eq!(
            serde_json::from_str::<ProbeTargets>("{}").unwrap(),
            ProbeTargets::default()
        );
    }
}
