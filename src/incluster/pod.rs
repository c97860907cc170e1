//! The probe pods' side (`fabcheck probe-in-cluster`): connect to the API server with the
//! pod's service account, read the targets, and then either run the live checks against them
//! and write the findings (or why there are none) into the result ConfigMap (the Job's pod),
//! or, with `--dns`, look the chaincode names up from this node and write the report into a
//! ConfigMap named after the pod, then idle until the pod is deleted (the DaemonSet's pods,
//! which must keep running).
//!
//! The client is built the way client-go's in-cluster config builds it —
//! `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT`, and the token, `ca.crt` and `namespace`
//! of the service account folder — but the folder can be moved with
//! `FABCHECK_SERVICEACCOUNT_DIR`, so the tests run this very code as a local process (kube's
//! own in-cluster loader hard-codes the path).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};

use super::node_dns;
use super::{
    ERROR_KEY, FINDINGS_KEY, InClusterError, LiveRun, LiveRunner, POD_FIELD_MANAGER,
    PROBE_COMPONENT, PodArgs, ProbeTargets, TARGETS_KEY, TlsTarget,
};
use crate::finding::{Finding, Status};
use crate::kube::ServiceAccount;

/// The checks that judge what the live probes saw, and nothing else: the runner replaces its
/// own findings of these ids with the pod's, so a check that also reads files (ZK-001 judges
/// the manifests' ensemble too) must not be here, or the pod's file-less verdict would hide
/// the runner's.
pub(super) const LIVE_CHECKS: &[&str] = &[
    "ZK-005",
    "ZK-006",
    "KAFKA-014",
    "KAFKA-015",
    "KAFKA-016",
    "KAFKA-017",
    "TLS-",
    "HEALTH-001",
    "HEALTH-002",
    "HEALTH-003",
    "HEALTH-004",
];

/// The checks of the nodes the pod dials (TLS and node health; not HEALTH-005, whose chaincode
/// containers the runner reads from the peers' daemons itself).
const PER_NODE: &[&str] = &[
    "TLS-",
    "HEALTH-001",
    "HEALTH-002",
    "HEALTH-003",
    "HEALTH-004",
];

/// A ConfigMap holds at most 1 MiB; leave room for its metadata.
const MAX_RESULT_BYTES: usize = 1_000_000;

/// Bound on each API request the pod makes.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// The pod's live phase when the runner does not say.
const DEFAULT_LIVE_TIMEOUT: Duration = Duration::from_secs(30);

/// See the module docs. Returns 0 once the findings are written, whatever they say.
pub fn pod_main(args: &PodArgs, run: LiveRunner<'_>) -> Result<i32, InClusterError> {
    let account = ServiceAccount::load().map_err(InClusterError::from)?;
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| account.namespace.clone());
    let rt = crate::probe::runtime()
        .map_err(|e| InClusterError::new("start an async runtime", e.to_string()))?;
    let client = rt
        .block_on(async { account.client(REQUEST_TIMEOUT) })
        .map_err(InClusterError::from)?;
    if args.dns {
        return rt.block_on(node_dns_main(&client, &namespace, &args.targets_configmap));
    }
    let result_configmap = args.result_configmap.as_deref().ok_or_else(|| {
        InClusterError::new("hand the findings back", "no --result-configmap given")
    })?;
    let probed = rt
        .block_on(read_targets(&client, &namespace, &args.targets_configmap))
        .and_then(|(targets, _)| probe(&targets, run));
    let (key, value) = match &probed {
        Ok(findings) => match serde_json::to_string(findings) {
            Ok(json) if json.len() <= MAX_RESULT_BYTES => (FINDINGS_KEY, json),
            Ok(json) => (
                ERROR_KEY,
                format!(
                    "the findings take {} bytes, more than a ConfigMap holds; check fewer namespaces (--namespace)",
                    json.len()
                ),
            ),
            Err(e) => (ERROR_KEY, format!("the findings could not be encoded: {e}")),
        },
        // The runner shows this instead of a bare "the Job failed".
        Err(e) => (ERROR_KEY, e.to_string()),
    };
    let handed_back = key == FINDINGS_KEY;
    let why = value.clone();
    rt.block_on(write_result(
        &client,
        &namespace,
        result_configmap,
        (key, value),
    ))?;
    match probed {
        Ok(_) if handed_back => Ok(crate::exit::SUCCESS),
        Ok(_) => Err(InClusterError::new("hand the findings back", why)),
        Err(e) => Err(e),
    }
}

/// Reads and parses the targets ConfigMap; also returns its metadata (what the node reports
/// are labelled with and owned by). The pod may start before its network is fully up, so a
/// transport error is retried a few times; an API answer (403, 404) is final.
async fn read_targets(
    client: &Client,
    namespace: &str,
    name: &str,
) -> Result<(ProbeTargets, ObjectMeta), InClusterError> {
    let action = || format!("read ConfigMap {namespace}/{name}");
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let mut attempt = 0;
    let cm = loop {
        attempt += 1;
        match api.get(name).await {
            Ok(cm) => break cm,
            Err(e @ kube::Error::Api(_)) => {
                return Err(InClusterError::new(action(), super::job::describe(&e)));
            }
            Err(e) if attempt >= 4 => {
                return Err(InClusterError::new(action(), super::job::describe(&e)));
            }
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    };
    let json = cm
        .data
        .as_ref()
        .and_then(|d| d.get(TARGETS_KEY))
        .ok_or_else(|| InClusterError::new(action(), format!("it has no key {TARGETS_KEY}")))?;
    let targets = serde_json::from_str(json).map_err(|e| {
        InClusterError::new(
            format!("parse {TARGETS_KEY} of ConfigMap {namespace}/{name}"),
            e.to_string(),
        )
    })?;
    Ok((targets, cm.metadata))
}

/// The DaemonSet pod's side: look the targets' chaincode names up from this node, write the
/// report, and idle until the pod is deleted (a DaemonSet's pod that exits is restarted).
async fn node_dns_main(
    client: &Client,
    namespace: &str,
    targets_name: &str,
) -> Result<i32, InClusterError> {
    let (targets, targets_meta) = read_targets(client, namespace, targets_name).await?;
    let nat = match std::env::var("FABCHECK_SERVICE_NAT") {
        Ok(text) => node_dns::parse_service_nat(&text)
            .map_err(|e| InClusterError::new("read FABCHECK_SERVICE_NAT", e))?,
        Err(_) => node_dns::ServiceNat::new(),
    };
    let pod = std::env::var("FABCHECK_POD_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            InClusterError::new(
                "name the node's report",
                "neither FABCHECK_POD_NAME nor HOSTNAME is set",
            )
        })?;
    let node = std::env::var("FABCHECK_NODE_NAME")
        .ok()
        .filter(|n| !n.is_empty());
    let node_resolv_conf = node_dns::read_node_resolv_conf();
    let bound = match targets.live_timeout_secs {
        0 => DEFAULT_LIVE_TIMEOUT,
        s => Duration::from_secs(s),
    };
    let groups = node_dns::probe_node(&targets.dns, &node_resolv_conf, &nat, bound).await;
    let report = node_dns::NodeReport {
        pod: pod.clone(),
        node,
        node_resolv_conf_error: node_resolv_conf.err(),
        groups,
    };
    write_node_report(client, namespace, &pod, &targets_meta, &report).await?;
    until_terminated().await;
    Ok(crate::exit::SUCCESS)
}

/// Creates the node's report ConfigMap, labelled as the run's and owned by the targets
/// ConfigMap (so it goes with the run even if the runner cannot remove it). The pod may
/// create ConfigMaps and nothing more, so a report already there (the container restarted) is
/// left as it is.
async fn write_node_report(
    client: &Client,
    namespace: &str,
    name: &str,
    targets: &ObjectMeta,
    report: &node_dns::NodeReport,
) -> Result<(), InClusterError> {
    let action = || format!("write ConfigMap {namespace}/{name}");
    let json =
        serde_json::to_string(report).map_err(|e| InClusterError::new(action(), e.to_string()))?;
    if json.len() > MAX_RESULT_BYTES {
        return Err(InClusterError::new(
            action(),
            format!(
                "the report takes {} bytes, more than a ConfigMap holds; check fewer namespaces (--namespace)",
                json.len()
            ),
        ));
    }
    let mut labels: BTreeMap<String, String> = targets
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| {
            [
                super::RUN_LABEL,
                crate::network::COMPONENT_LABEL,
                crate::network::MANAGED_BY_LABEL,
            ]
            .contains(&k.as_str())
        })
        .collect();
    labels.insert(node_dns::PART_LABEL.to_owned(), node_dns::PART.to_owned());
    let owner = targets.uid.clone().map(|uid| {
        vec![OwnerReference {
            api_version: "v1".to_owned(),
            kind: "ConfigMap".to_owned(),
            name: targets.name.clone().unwrap_or_default(),
            uid,
            ..OwnerReference::default()
        }]
    });
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(namespace.to_owned()),
            labels: Some(labels),
            owner_references: owner,
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([(node_dns::REPORT_KEY.to_owned(), json)])),
        ..ConfigMap::default()
    };
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let mut attempt = 0;
    loop {
        attempt += 1;
        match api.create(&PostParams::default(), &cm).await {
            Ok(_) => return Ok(()),
            Err(kube::Error::Api(status)) if status.code == 409 => return Ok(()),
            Err(e @ kube::Error::Api(_)) => {
                return Err(InClusterError::new(action(), super::job::describe(&e)));
            }
            Err(e) if attempt >= 4 => {
                return Err(InClusterError::new(action(), super::job::describe(&e)));
            }
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

/// Returns when the pod is told to stop (SIGTERM from kubelet, or SIGINT). As a container's
/// first process fabcheck would otherwise ignore SIGTERM, and every deletion of the pod would
/// wait out its grace period.
async fn until_terminated() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        // No handler could be installed: idle anyway; the pod's deletion kills the process.
        _ => std::future::pending::<()>().await,
    }
}

/// Writes the result ConfigMap by server-side apply (create or replace in one request).
async fn write_result(
    client: &Client,
    namespace: &str,
    name: &str,
    (key, value): (&str, String),
) -> Result<(), InClusterError> {
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(namespace.to_owned()),
            labels: Some(BTreeMap::from([
                (
                    crate::network::MANAGED_BY_LABEL.to_owned(),
                    crate::network::FIELD_MANAGER.to_owned(),
                ),
                (
                    crate::network::COMPONENT_LABEL.to_owned(),
                    PROBE_COMPONENT.to_owned(),
                ),
            ])),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([(key.to_owned(), value)])),
        ..ConfigMap::default()
    };
    let mut body = serde_json::to_value(&cm)
        .map_err(|e| InClusterError::new("encode the result ConfigMap", e.to_string()))?;
    if let Some(map) = body.as_object_mut() {
        map.insert("apiVersion".into(), "v1".into());
        map.insert("kind".into(), "ConfigMap".into());
    }
    Api::<ConfigMap>::namespaced(client.clone(), namespace)
        .patch(
            name,
            &PatchParams::apply(POD_FIELD_MANAGER).force(),
            &Patch::Apply(&body),
        )
        .await
        .map(drop)
        .map_err(|e| {
            InClusterError::new(
                format!("write ConfigMap {namespace}/{name}"),
                super::job::describe(&e),
            )
        })
}

/// Runs the live checks against the targets and returns their findings, each saying which pod
/// observed it.
///
/// Verification is on or off for a whole check run, so the peers and orderers whose TLS root
/// is known and those whose root is not are probed in two runs, side by side; the second's
/// findings say verification was off and why.
fn probe(targets: &ProbeTargets, run: LiveRunner<'_>) -> Result<Vec<Finding>, InClusterError> {
    let scratch = tempfile::Builder::new()
        .prefix("fabcheck-probe-")
        .tempdir()
        .map_err(|e| InClusterError::new("create a scratch folder", e.to_string()))?;
    let live_timeout = match targets.live_timeout_secs {
        0 => DEFAULT_LIVE_TIMEOUT,
        s => Duration::from_secs(s),
    };
    let (verified, unverified): (Vec<&TlsTarget>, Vec<&TlsTarget>) =
        targets.tls.iter().partition(|t| t.ca_pem.is_some());
    let verified_file = endpoints_file(scratch.path(), "verified", &verified)?;
    let unverified_file = endpoints_file(scratch.path(), "unverified", &unverified)?;
    // TLS checks go with the verified run unless only unverified endpoints exist; with no
    // endpoints at all the verified run's "none found" skips stand for them.
    // The health checks dial the same nodes and go with them.
    let per_node = |id: &&str| PER_NODE.contains(id);
    let mut first_selection: Vec<String> = LIVE_CHECKS
        .iter()
        .filter(|id| !per_node(id))
        .map(|s| (*s).to_owned())
        .collect();
    if !verified.is_empty() || unverified.is_empty() {
        first_selection.extend(PER_NODE.iter().map(|s| (*s).to_owned()));
    }
    let first = LiveRun {
        zookeeper: targets.zookeeper.clone(),
        kafka: targets.kafka.clone(),
        endpoints_file: verified_file,
        insecure: false,
        select: first_selection,
        live_timeout,
        expected_heights: targets.expected_heights.clone(),
    };
    let second = (!unverified.is_empty()).then(|| LiveRun {
        zookeeper: Vec::new(),
        kafka: Vec::new(),
        endpoints_file: unverified_file,
        insecure: true,
        select: PER_NODE.iter().map(|s| (*s).to_owned()).collect(),
        live_timeout,
        expected_heights: targets.expected_heights.clone(),
    });
    // Each run starts its own runtime and thread pool; they wait on sockets side by side.
    let (first, second) = std::thread::scope(|s| {
        let other = second.as_ref().map(|cfg| s.spawn(move || run(cfg)));
        let first = run(&first);
        let second = other.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err("the unverified probe run panicked".to_owned()))
        });
        (first, second)
    });
    let run_error = |e: String| InClusterError::new("run the live checks", e);
    let mut findings = first.map_err(run_error)?;
    let unverified_findings = match second {
        Some(r) => r.map_err(run_error)?,
        None => Vec::new(),
    };
    findings.extend(unverified_findings);
    let observer = observer();
    let by_address: BTreeMap<&str, &TlsTarget> = targets
        .tls
        .iter()
        .map(|t| (t.address.as_str(), t))
        .collect();
    for f in &mut findings {
        f.evidence
            .insert("probed_from".into(), observer.clone().into());
        if let Some(t) = by_address.get(f.target.name.as_str()) {
            let root = match &t.ca_origin {
                Some(origin) => origin.clone(),
                None => "none found: the node's TLS root file is not in a Secret or ConfigMap fabcheck could read, so verification was off".to_owned(),
            };
            f.evidence.insert("tls_root".into(), root.into());
        }
    }
    // Runs of the same check come back in one order, whatever thread finished first.
    findings.sort_by(|a, b| {
        (&a.check_id, &a.target.name, a.status == Status::Skip).cmp(&(
            &b.check_id,
            &b.target.name,
            b.status == Status::Skip,
        ))
    });
    Ok(findings)
}

/// `pod fabcheck-system/fabcheck-probe-1a2b3c4d-xyz12`: who saw what the findings say.
fn observer() -> String {
    let name = std::env::var("FABCHECK_POD_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default();
    let namespace = std::env::var("FABCHECK_POD_NAMESPACE").unwrap_or_default();
    match (namespace.is_empty(), name.is_empty()) {
        (_, true) => "the in-cluster probe".to_owned(),
        (true, false) => format!("in-cluster probe pod {name}"),
        (false, false) => format!("in-cluster probe pod {namespace}/{name}"),
    }
}

/// Writes the endpoints file (`--endpoints` format, JSON being YAML) and each root it names.
fn endpoints_file(
    dir: &Path,
    label: &str,
    targets: &[&TlsTarget],
) -> Result<Option<PathBuf>, InClusterError> {
    if targets.is_empty() {
        return Ok(None);
    }
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes)
            .map_err(|e| InClusterError::new(format!("write {}", path.display()), e.to_string()))
    };
    let mut entries = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let mut entry = serde_json::json!({
            "name": t.name,
            "address": t.address,
            "role": t.role.as_str(),
            "server_name": t.sni,
        });
        if let Some(pem) = &t.ca_pem {
            let path = dir.join(format!("{label}-{i}-tls-root.pem"));
            write(&path, pem.as_bytes())?;
            entry["tls_ca"] = path.display().to_string().into();
        }
        if let Some(ops) = &t.operations {
            entry["operations"] = ops.clone().into();
        }
        if let Some(required) = t.operations_client_auth_required {
            entry["operations_client_auth_required"] = required.into();
        }
        entries.push(entry);
    }
    let path = dir.join(format!("{label}-endpoints.yaml"));
    let text = serde_json::json!({ "endpoints": entries }).to_string();
    write(&path, text.as_bytes())?;
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incluster::TlsRole;

    fn target(name: &str, ca: Option<&str>) -> TlsTarget {
        TlsTarget {
            name: name.into(),
            address: format!("{name}.invalid:7051"),
            sni: name.into(),
            role: TlsRole::Peer,
            ca_pem: ca.map(str::to_owned),
            ca_origin: ca.map(|_| "Secret ns/x key ca.crt".to_owned()),
            operations: Some(format!("https://{name}.invalid:9443")),
            operations_client_auth_required: Some(true),
        }
    }

    #[test]
    fn endpoints_file_is_what_the_endpoints_loader_reads() {
        let dir = tempfile::tempdir().unwrap();
        let pem = crate::incluster::targets::pem_encode(b"\x30\x03\x02\x01\x00");
        let a = target("peer0.org1", Some(&pem));
        let path = endpoints_file(dir.path(), "verified", &[&a])
            .unwrap()
            .unwrap();
        let loaded = crate::inventory::endpoints::load(Some(&path), &[]).unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].address, "peer0.org1.invalid:7051");
        assert_eq!(loaded[0].server_name.as_deref(), Some("peer0.org1"));
        assert_eq!(loaded[0].tls_roots, vec![b"\x30\x03\x02\x01\x00".to_vec()]);
        let ops = loaded[0].operations.as_ref().expect("operations endpoint");
        assert_eq!(ops.address, "peer0.org1.invalid:9443");
        assert!(ops.tls);
        assert_eq!(ops.client_auth_required, Some(true));
        assert!(endpoints_file(dir.path(), "none", &[]).unwrap().is_none());
    }

    /// Unresolvable names: the probe's answers are errors, and every finding is one of the
    /// live checks, says who observed it, and (for TLS) where its root came from.
    #[test]
    fn probes_split_by_verification_and_report_only_live_checks() {
        let pem = crate::incluster::targets::pem_encode(b"\x30\x03\x02\x01\x00");
        let targets = ProbeTargets {
            zookeeper: vec!["zk0.invalid:2181".into()],
            kafka: vec!["kafka0.invalid:9092".into()],
            tls: vec![target("peer0.org1", Some(&pem)), target("peer1.org1", None)],
            dns: Vec::new(),
            live_timeout_secs: 10,
            ..ProbeTargets::default()
        };
        let findings = probe(&targets, &crate::commands::probe_pod::run_live).unwrap();
        let live = crate::checks::Selection {
            select: LIVE_CHECKS.iter().map(|s| (*s).to_owned()).collect(),
            ignore: Vec::new(),
        };
        assert!(
            findings.iter().all(|f| live.includes(&f.check_id)),
            "{findings:#?}"
        );
        assert!(
            findings
                .iter()
                .all(|f| f.evidence.contains_key("probed_from"))
        );
        let tls001: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.check_id == "TLS-001")
            .collect();
        assert_eq!(tls001.len(), 2, "{tls001:#?}");
        let unverified = tls001
            .iter()
            .find(|f| f.target.name == "peer1.org1.invalid:7051")
            .unwrap();
        assert!(
            unverified.message.contains("verification off"),
            "{}",
            unverified.message
        );
        assert!(
            unverified.evidence["tls_root"]
                .as_str()
                .unwrap()
                .starts_with("none found")
        );
        let verified = tls001
            .iter()
            .find(|f| f.target.name == "peer0.org1.invalid:7051")
            .unwrap();
        assert!(!verified.message.contains("verification off"));
        assert_eq!(verified.evidence["tls_root"], "Secret ns/x key ca.crt");
        assert!(
            findings
                .iter()
                .any(|f| f.check_id == "ZK-005" && f.target.name.contains("zk0.invalid"))
        );
        assert!(
            findings
                .iter()
                .any(|f| f.check_id == "KAFKA-014" && f.status == Status::Error)
        );
    }

    #[test]
    fn without_tls_targets_the_tls_checks_skip_once() {
        let findings = probe(
            &ProbeTargets::default(),
            &crate::commands::probe_pod::run_live,
        )
        .unwrap();
        let tls: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.check_id == "TLS-001")
            .collect();
        assert_eq!(tls.len(), 1);
        assert_eq!(tls[0].status, Status::Skip);
    }

    #[test]
    fn outside_a_pod_it_says_what_is_missing() {
        // The variable is unset in the test environment (no test sets it).
        if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
            return;
        }
        let err = ServiceAccount::load().err().unwrap().to_string();
        assert!(err.contains("KUBERNETES_SERVICE_HOST is not set"), "{err}");
    }
}
