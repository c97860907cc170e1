//! `fabcheck render --out DIR` end to end, with the real binary and no cluster.
//!
//! What is rendered must pass fabcheck's own checks (`check --artifacts DIR`): the reference
//! network, and the spec variants (etcdraft, chaincode as a service, PVC storage, a namespace
//! pattern with five orgs, a custom cluster DNS IP). The output's layout is pinned: manifest
//! files in phase order, a Service and workload per node host, private keys only in Secrets
//! and in owner-only files, the Secrets holding exactly the `crypto-config/` files. The PKI's
//! validity windows are read back with x509-parser, so the fabric-ca backdate problem
//! (X509-001) is ruled out independently of the check that looks for it. Two renders differ
//! only in their crypto material, and a render into a used folder leaves nothing of the old
//! one behind. Bad specs and bad `--out` paths give clear errors, never a panic.
//!
//! Every child process is bounded: a hang fails the test instead of stalling the suite.

#![cfg(unix)]

#[path = "support/blocks.rs"]
mod blocks;
#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/findings.rs"]
mod findings;

use bounded::{run_bounded, text};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use findings::describe;
use serde_json::Value;

/// Upper bound on any one fabcheck run; a render or check of these networks takes about a second.
const LIMIT: Duration = Duration::from_secs(120);

/// The reference network's phases, in apply order.
const KAFKA_PHASES: [&str; 9] = [
    "namespaces",
    "config",
    "zookeeper",
    "kafka",
    "genesis",
    "orderers",
    "peers",
    "channel",
    "chaincode",
];

/// The phases of a Raft network (no ZooKeeper, no Kafka).
const RAFT_PHASES: [&str; 7] = [
    "namespaces",
    "config",
    "genesis",
    "orderers",
    "peers",
    "channel",
    "chaincode",
];

/// Checks that need a live source (`--kafka`, `--zookeeper`); `check --artifacts` skips them.
const LIVE_ONLY: [&str; 6] = [
    "KAFKA-014",
    "KAFKA-015",
    "KAFKA-016",
    "KAFKA-017",
    "ZK-005",
    "ZK-006",
];

/// fabric-ca backdates the NotBefore of what it issues by this much (X509-001's rationale).
const FABRIC_CA_BACKDATE_SECS: i64 = 5 * 60;

fn fabcheck<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabcheck"));
    cmd.args(args).stdin(Stdio::null());
    run_bounded(cmd, LIMIT)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_no_key_printed(out: &Output) {
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !String::from_utf8_lossy(bytes).contains("PRIVATE KEY"),
            "private key material on {name}:\n{}",
            text(out)
        );
    }
}

fn assert_no_panic(out: &Output) {
    assert!(
        !stderr(out).contains("panicked"),
        "fabcheck panicked:\n{}",
        text(out)
    );
}

/// A rendered network in a temporary folder (removed on drop).
struct Rendered {
    _dir: tempfile::TempDir,
    out: PathBuf,
    /// Unix seconds just before render started.
    started: i64,
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// `render --out DIR` with `spec` (YAML; `None`: the reference network) and `extra` flags.
fn render_with(spec: Option<&str>, extra: &[&str]) -> Rendered {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let mut args = vec![
        "render".into(),
        "--out".into(),
        out.clone().into_os_string(),
    ];
    if let Some(yaml) = spec {
        let path = dir.path().join("spec.yaml");
        std::fs::write(&path, yaml).expect("write spec");
        args.extend(["--spec".into(), path.into_os_string()]);
    }
    args.extend(extra.iter().map(Into::into));
    let started = unix_now();
    let result = fabcheck(&args);
    assert_eq!(result.status.code(), Some(0), "render:\n{}", text(&result));
    assert_no_key_printed(&result);
    assert!(
        String::from_utf8_lossy(&result.stdout).contains("rendered network"),
        "render summary missing:\n{}",
        text(&result)
    );
    Rendered {
        _dir: dir,
        out,
        started,
    }
}

fn render(spec: Option<&str>) -> Rendered {
    render_with(spec, &[])
}

/// `check --artifacts DIR -o json=FILE`: the report, after asserting exit 0 (printing what
/// failed otherwise).
fn check(out: &Path) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("report.json");
    let mut spec = std::ffi::OsString::from("json=");
    spec.push(&json);
    let result = fabcheck(&[
        "check".as_ref(),
        "--artifacts".as_ref(),
        out.as_os_str(),
        "-o".as_ref(),
        spec.as_os_str(),
    ]);
    assert_no_key_printed(&result);
    let report: Option<Value> = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let bad = report.as_ref().map(bad_findings).unwrap_or_default();
    assert_eq!(
        result.status.code(),
        Some(0),
        "check --artifacts on the rendered network:\n{}\nfindings that fail or error:\n{}",
        text(&result),
        bad.join("\n")
    );
    report.unwrap_or_else(|| panic!("no JSON report at {}:\n{}", json.display(), text(&result)))
}

fn findings(report: &Value) -> &[Value] {
    report["findings"]
        .as_array()
        .map(Vec::as_slice)
        .expect("findings array")
}

fn bad_findings(report: &Value) -> Vec<String> {
    findings(report)
        .iter()
        .filter(|f| matches!(f["status"].as_str(), Some("fail" | "error")))
        .map(describe)
        .collect()
}

fn assert_clean(report: &Value) {
    let bad = bad_findings(report);
    assert!(
        bad.is_empty(),
        "findings that fail or error on the rendered network:\n{}",
        bad.join("\n")
    );
}

/// Every id in `ids` has at least one `pass`.
fn assert_passes<'a>(report: &Value, ids: impl IntoIterator<Item = &'a str>) {
    let mut missing = Vec::new();
    for id in ids {
        let of_id: Vec<&Value> = findings(report)
            .iter()
            .filter(|f| f["check_id"] == id)
            .collect();
        if !of_id.iter().any(|f| f["status"] == "pass") {
            missing.push(format!(
                "{id}: no pass among {} finding(s){}",
                of_id.len(),
                of_id
                    .iter()
                    .map(|f| format!("\n    {}", describe(f)))
                    .collect::<String>()
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "checks with no pass on the rendered network:\n{}",
        missing.join("\n")
    );
}

/// Catalogue ids starting with `prefix`, from `fabcheck checks list --format json`.
fn catalogue_ids(prefix: &str) -> Vec<String> {
    let out = fabcheck(&["checks", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "checks list:\n{}", text(&out));
    let list: Value = serde_json::from_slice(&out.stdout).expect("checks list is JSON");
    let ids: Vec<String> = list
        .as_array()
        .expect("checks list is an array")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .filter(|id| id.starts_with(prefix))
        .map(str::to_owned)
        .collect();
    assert!(!ids.is_empty(), "no {prefix} checks in the catalogue");
    ids
}

/// The Kafka and ZooKeeper checks that can judge a rendered folder.
fn static_ordering_ids() -> Vec<String> {
    let mut ids = catalogue_ids("KAFKA-");
    ids.extend(catalogue_ids("ZK-"));
    ids.retain(|id| !LIVE_ONLY.contains(&id.as_str()));
    ids
}

/// The documents of each file under `manifests/`, by file name, in name order.
fn manifests(out: &Path) -> BTreeMap<String, Vec<Value>> {
    let dir = out.join("manifests");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let yaml = std::fs::read_to_string(&path).expect("read manifest");
        let docs: Vec<Value> = serde_saphyr::from_multiple(&yaml)
            .unwrap_or_else(|e| panic!("{name} is not YAML: {e}"));
        files.insert(name, docs.into_iter().filter(|d| !d.is_null()).collect());
    }
    files
}

fn kind(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or("?")
}

fn namespace(doc: &Value) -> &str {
    doc["metadata"]["namespace"].as_str().unwrap_or("")
}

fn name(doc: &Value) -> &str {
    doc["metadata"]["name"].as_str().unwrap_or("?")
}

fn identity(doc: &Value) -> (String, String, String) {
    (
        kind(doc).to_owned(),
        namespace(doc).to_owned(),
        name(doc).to_owned(),
    )
}

fn all_docs(files: &BTreeMap<String, Vec<Value>>) -> impl Iterator<Item = &Value> {
    files.values().flatten()
}

/// `01-namespaces.yaml`, `02-config.yaml`, … for `phases`.
fn phase_files(phases: &[&str]) -> Vec<String> {
    phases
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:02}-{p}.yaml", i + 1))
        .collect()
}

fn assert_phases(out: &Path, phases: &[&str]) {
    let files: Vec<String> = manifests(out).into_keys().collect();
    assert_eq!(
        files,
        phase_files(phases),
        "manifest files in {}",
        out.display()
    );
}

/// The `name.namespace` host of every Service.
fn service_hosts(files: &BTreeMap<String, Vec<Value>>) -> BTreeSet<String> {
    all_docs(files)
        .filter(|d| kind(d) == "Service")
        .map(|d| format!("{}.{}", name(d), namespace(d)))
        .collect()
}

fn string_map(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn decode(value: &str, what: &str) -> Vec<u8> {
    STANDARD
        .decode(value)
        .unwrap_or_else(|e| panic!("{what} is not base64: {e}"))
}

/// Every regular file under `root`, relative to it.
fn files_under(root: &Path) -> BTreeMap<String, PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap();
            (rel.to_string_lossy().into_owned(), e.path().to_owned())
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

// --- 1. The acceptance: the reference network passes its own checks.

#[test]
fn reference_network_passes_its_own_checks() {
    let r = render(None);
    let report = check(&r.out);
    assert_clean(&report);
    let mut ids: Vec<String> = ["X509-001", "X509-008"].map(String::from).to_vec();
    ids.extend(static_ordering_ids());
    ids.extend(["DNS-001", "DNS-002", "DNS-003", "DNS-004"].map(String::from));
    // The channel checks judge configtx.yaml's profiles as configtxgen reads them (the block
    // itself is made in the cluster by the genesis Job).
    ids.extend(
        [
            "CHANNEL-002",
            "CHANNEL-003",
            "CHANNEL-004",
            "CHANNEL-005",
            "CHANNEL-006",
            "CHANNEL-007",
            "CHANNEL-008",
        ]
        .map(String::from),
    );
    assert_passes(&report, ids.iter().map(String::as_str));
    // The configtx.yaml the genesis Job feeds configtxgen, read from its ConfigMap as a cluster
    // read-back finds it (no file on disk there), is judged too.
    assert!(
        findings(&report)
            .iter()
            .any(|f| f["check_id"] == "CHANNEL-002"
                && f["status"] == "pass"
                && f["target"]["name"]
                    .as_str()
                    .is_some_and(|n| n.contains("ConfigMap orgorderer1/fabcheck-channel-config"))),
        "the channel ConfigMap's profile is judged"
    );
    // The live-only checks have nothing to judge here; a pass would mean they read the folder.
    for f in findings(&report) {
        if LIVE_ONLY.iter().any(|id| f["check_id"] == *id) {
            assert_eq!(f["status"], "skip", "{}", describe(f));
        }
    }
}

// --- 2. The spec variants pass too.

#[test]
fn etcdraft_network_passes_its_own_checks() {
    let r = render(Some("consensus: etcdraft\n"));
    assert_phases(&r.out, &RAFT_PHASES);
    let files = manifests(&r.out);
    assert!(
        !all_docs(&files)
            .any(|d| namespace(d) == "kafka" || (kind(d) == "Namespace" && name(d) == "kafka")),
        "an etcdraft network has no Kafka namespace or objects"
    );
    let configtx = std::fs::read_to_string(r.out.join("configtx.yaml")).unwrap();
    assert!(configtx.contains("etcdraft"), "configtx.yaml:\n{configtx}");
    let report = check(&r.out);
    assert_clean(&report);
    // KAFKA-010 compares OrdererType with the deployed brokers: etcdraft and none agree.
    assert_passes(
        &report,
        ["X509-001", "X509-008", "KAFKA-010", "DNS-001", "DNS-002"],
    );
    // Its consenters: three, each the orderer's own TLS certificate, each a deployed orderer,
    // valid, with the options configtxgen fills in.
    assert_passes(
        &report,
        [
            "CHANNEL-002",
            "CHANNEL-003",
            "CHANNEL-007",
            "CHANNEL-008",
            "RAFT-001",
            "RAFT-002",
            "RAFT-003",
            "RAFT-004",
            "RAFT-005",
        ],
    );
}

#[test]
fn ccaas_network_passes_its_own_checks() {
    let r = render(Some("fabric: \"2.5\"\n"));
    assert_phases(&r.out, &RAFT_PHASES);
    let files = manifests(&r.out);
    for peer in all_docs(&files).filter(|d| kind(d) == "StatefulSet" && name(d).starts_with("peer"))
    {
        let containers: Vec<&str> = peer["spec"]["template"]["spec"]["containers"]
            .as_array()
            .expect("containers")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert!(
            !containers.contains(&"dind"),
            "{}/{} runs a Docker-in-Docker sidecar under ccaas: {containers:?}",
            namespace(peer),
            name(peer)
        );
    }
    let report = check(&r.out);
    assert_clean(&report);
    assert_passes(&report, ["X509-001", "X509-008", "DNS-001", "DNS-002"]);
}

#[test]
fn pvc_network_passes_its_own_checks() {
    let r = render(Some("storage:\n  kind: pvc\n  storageClass: fast\n"));
    assert_phases(&r.out, &KAFKA_PHASES);
    let files = manifests(&r.out);
    let mut claimed = 0;
    for sts in all_docs(&files).filter(|d| kind(d) == "StatefulSet") {
        let claims = sts["spec"]["volumeClaimTemplates"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            claims
                .iter()
                .all(|c| c["spec"]["storageClassName"] == "fast"),
            "{}/{}: {claims:?}",
            namespace(sts),
            name(sts)
        );
        claimed += claims.len();
    }
    assert!(claimed > 0, "no StatefulSet claims a PersistentVolume");
    let report = check(&r.out);
    assert_clean(&report);
    assert_passes(&report, ["X509-001", "X509-008", "KAFKA-001", "ZK-001"]);
}

#[test]
fn namespace_pattern_with_five_orgs_passes_its_own_checks() {
    let r = render(Some("namespacePattern: \"fab-{org}\"\norgs: 5\n"));
    assert_phases(&r.out, &KAFKA_PHASES);
    let hosts = service_hosts(&manifests(&r.out));
    for org in 1..=5 {
        for host in [
            format!("peer0.fab-org{org}"),
            format!("peer1.fab-org{org}"),
            format!("ca.fab-org{org}"),
        ] {
            assert!(hosts.contains(&host), "no Service {host} in {hosts:?}");
        }
        let peer = r.out.join(format!(
            "crypto-config/peerOrganizations/fab-org{org}/peers/peer0.fab-org{org}"
        ));
        assert!(peer.is_dir(), "{} missing", peer.display());
    }
    assert!(hosts.contains("orderer0.fab-orgorderer1"), "{hosts:?}");
    let report = check(&r.out);
    assert_clean(&report);
    let mut ids = vec!["X509-001".to_owned(), "X509-008".to_owned()];
    ids.extend(static_ordering_ids());
    assert_passes(&report, ids.iter().map(String::as_str));
}

#[test]
fn cluster_dns_flag_reaches_kubelet_config_and_passes() {
    let r = render_with(None, &["--cluster-dns", "10.43.0.10"]);
    let kubelet = std::fs::read_to_string(r.out.join("cluster/kubelet-config.yaml")).unwrap();
    assert!(kubelet.contains("- 10.43.0.10"), "{kubelet}");
    assert!(!kubelet.contains("10.96.0.10"), "{kubelet}");
    let report = check(&r.out);
    assert_clean(&report);
    assert_passes(&report, ["DNS-001", "DNS-002", "DNS-003", "DNS-004"]);
}

// --- 3. Layout.

#[test]
fn manifests_are_in_phase_order_with_a_service_per_node_host() {
    let r = render(None);
    assert_phases(&r.out, &KAFKA_PHASES);
    for file in ["configtx.yaml", "cluster/kubelet-config.yaml"] {
        assert!(r.out.join(file).is_file(), "{file} missing");
    }
    let files = manifests(&r.out);
    let mut expected: BTreeSet<String> = BTreeSet::new();
    // Every node's Service, and (but for the CAs, which are Deployments) the headless Service
    // governing its StatefulSet.
    let node = |name: String, ns: &str| [format!("{name}.{ns}"), format!("{name}-headless.{ns}")];
    expected.extend((0..3).flat_map(|i| node(format!("zookeeper{i}"), "kafka")));
    expected.extend((0..4).flat_map(|i| node(format!("kafka{i}"), "kafka")));
    expected.extend((0..3).flat_map(|i| node(format!("orderer{i}"), "orgorderer1")));
    for org in 1..=3 {
        let ns = format!("org{org}");
        expected.insert(format!("ca.{ns}"));
        expected.extend(node("peer0".into(), &ns));
        expected.extend(node("peer1".into(), &ns));
    }
    assert_eq!(service_hosts(&files), expected);

    // Each Service selects the single-replica workload of its own name, so the Service host,
    // the cryptogen name and the pod are the same node.
    let workloads: Vec<&Value> = all_docs(&files)
        .filter(|d| matches!(kind(d), "StatefulSet" | "Deployment"))
        .collect();
    for svc in all_docs(&files).filter(|d| kind(d) == "Service") {
        let host = format!("{}.{}", name(svc), namespace(svc));
        let selector = string_map(&svc["spec"]["selector"]);
        assert!(!selector.is_empty(), "Service {host} selects nothing");
        let matching: Vec<&&Value> = workloads
            .iter()
            .filter(|w| namespace(w) == namespace(svc))
            .filter(|w| {
                let labels = string_map(&w["spec"]["template"]["metadata"]["labels"]);
                selector.iter().all(|(k, v)| labels.get(k) == Some(v))
            })
            .collect();
        let node = name(svc).strip_suffix("-headless").unwrap_or(name(svc));
        assert_eq!(
            matching.iter().map(|w| name(w)).collect::<Vec<_>>(),
            vec![node],
            "workloads Service {host} selects"
        );
        let ports = svc["spec"]["ports"].as_array().map_or(0, Vec::len);
        assert!(ports > 0, "Service {host} has no ports");
    }
    // Every node has its own folder in crypto-config, named by its host.
    for host in &expected {
        let (node, org) = host.split_once('.').unwrap();
        if node == "ca" || org == "kafka" || node.ends_with("-headless") {
            continue;
        }
        let kind = if org == "orgorderer1" {
            "ordererOrganizations"
        } else {
            "peerOrganizations"
        };
        let folder = if node.starts_with("orderer") {
            "orderers"
        } else {
            "peers"
        };
        let path = r
            .out
            .join(format!("crypto-config/{kind}/{org}/{folder}/{host}"));
        assert!(path.is_dir(), "{} missing", path.display());
    }
}

#[test]
fn private_keys_stay_in_secrets_and_owner_only_files() {
    let r = render(None);
    let files = manifests(&r.out);
    let mut keys_in_secrets = 0;
    for (file, docs) in &files {
        for doc in docs {
            let what = format!("{file}: {} {}/{}", kind(doc), namespace(doc), name(doc));
            match kind(doc) {
                "Secret" => {
                    for (key, value) in string_map(&doc["data"]) {
                        let bytes = decode(&value, &format!("{what} data {key}"));
                        if String::from_utf8_lossy(&bytes).contains("PRIVATE KEY") {
                            keys_in_secrets += 1;
                        }
                    }
                }
                "ConfigMap" => {
                    for (key, value) in string_map(&doc["data"]) {
                        assert!(
                            !value.contains("PRIVATE KEY"),
                            "{what} holds a private key in data {key}"
                        );
                    }
                    for (key, value) in string_map(&doc["binaryData"]) {
                        let bytes = decode(&value, &format!("{what} binaryData {key}"));
                        assert!(
                            !String::from_utf8_lossy(&bytes).contains("PRIVATE KEY"),
                            "{what} holds a private key in binaryData {key}"
                        );
                    }
                }
                // Nothing else may carry one, in plain text or otherwise.
                _ => assert!(
                    !doc.to_string().contains("PRIVATE KEY"),
                    "{what} holds a private key"
                ),
            }
        }
    }
    assert!(keys_in_secrets > 0, "no Secret holds a private key");

    let crypto = files_under(&r.out.join("crypto-config"));
    let mut key_files = 0;
    for (rel, path) in &crypto {
        let bytes = std::fs::read(path).unwrap();
        let is_key = String::from_utf8_lossy(&bytes).contains("PRIVATE KEY");
        let named_key = rel.ends_with("priv_sk") || rel.ends_with(".key");
        assert_eq!(is_key, named_key, "{rel}: key content vs key name");
        if is_key {
            key_files += 1;
            assert_eq!(format!("{:o}", mode(path)), "600", "mode of {rel}");
        }
    }
    assert!(key_files > 0, "no private key files under crypto-config");
}

// Manifests carry the Secrets, so every private key of the network: owner-only, like the
// keys under crypto-config/.
#[test]
fn manifests_holding_secrets_are_owner_only() {
    let r = render(None);
    for (file, docs) in manifests(&r.out) {
        if docs.iter().any(|d| kind(d) == "Secret") {
            let path = r.out.join("manifests").join(&file);
            assert_eq!(
                format!("{:o}", mode(&path)),
                "600",
                "mode of {file}, which holds Secrets (private keys)"
            );
        }
    }
}

#[test]
fn secrets_and_channel_config_hold_exactly_the_rendered_files() {
    let r = render(None);
    let files = manifests(&r.out);
    let crypto = files_under(&r.out.join("crypto-config"));
    let mut covered = BTreeSet::new();
    for secret in all_docs(&files).filter(|d| kind(d) == "Secret") {
        let Some(annotation) =
            secret["metadata"]["annotations"]["fabcheck.io/crypto-files"].as_str()
        else {
            continue;
        };
        let what = format!("Secret {}/{}", namespace(secret), name(secret));
        let map: BTreeMap<String, String> = serde_json::from_str(annotation)
            .unwrap_or_else(|e| panic!("{what}: annotation is not a JSON map: {e}"));
        let data = string_map(&secret["data"]);
        assert_eq!(
            map.keys().collect::<Vec<_>>(),
            data.keys().collect::<Vec<_>>(),
            "{what}: annotation and data keys"
        );
        for (key, rel) in &map {
            let on_disk = crypto
                .get(rel)
                .unwrap_or_else(|| panic!("{what} maps {key} to {rel}, not under crypto-config"));
            assert_eq!(
                decode(&data[key], key),
                std::fs::read(on_disk).unwrap(),
                "{what} {key} differs from crypto-config/{rel}"
            );
            covered.insert(rel.clone());
        }
    }
    // Every file is in a Secret but the CA signing keys no pod mounts, which stay out of the
    // cluster (the render folder keeps them).
    let missing: Vec<&String> = crypto.keys().filter(|k| !covered.contains(*k)).collect();
    assert!(
        missing.iter().all(|k| k.ends_with("/tlsca/priv_sk")
            || k.starts_with("ordererOrganizations/orgorderer1/ca/")),
        "crypto-config files in no Secret: {missing:?}"
    );
    assert_eq!(missing.len(), 5, "{missing:?}");

    let channel = all_docs(&files)
        .find(|d| kind(d) == "ConfigMap" && name(d) == "fabcheck-channel-config")
        .expect("the channel config ConfigMap");
    let map: BTreeMap<String, String> = serde_json::from_str(
        channel["metadata"]["annotations"]["fabcheck.io/config-files"]
            .as_str()
            .expect("config-files annotation"),
    )
    .expect("config-files annotation is a JSON map");
    let data = string_map(&channel["data"]);
    assert!(map.values().any(|p| p == "configtx.yaml"), "{map:?}");
    for (key, rel) in &map {
        assert_eq!(
            data.get(key).map(String::as_bytes),
            Some(std::fs::read(r.out.join(rel)).unwrap().as_slice()),
            "channel config {key} differs from {rel}"
        );
    }
}

// --- 4. The PKI's validity windows.

struct Cert {
    path: String,
    der: Vec<u8>,
}

/// Every distinct certificate under crypto-config (first path it was found at).
fn certificates(out: &Path) -> Vec<Cert> {
    let mut seen = BTreeSet::new();
    let mut certs = Vec::new();
    for (rel, path) in files_under(&out.join("crypto-config")) {
        let bytes = std::fs::read(&path).unwrap();
        for pem in x509_parser::pem::Pem::iter_from_buffer(&bytes) {
            let pem = pem.unwrap_or_else(|e| panic!("{rel}: bad PEM: {e}"));
            if pem.label == "CERTIFICATE" && seen.insert(pem.contents.clone()) {
                certs.push(Cert {
                    path: rel.clone(),
                    der: pem.contents,
                });
            }
        }
    }
    certs
}

/// Each leaf starts after the CA that signed it, and every CA started at least fabric-ca's
/// backdate before the render: a fabric-ca server bootstrapped with these CAs, issuing at
/// `now - 5 min` at any later time, cannot issue a certificate that predates its CA.
fn assert_windows_nest(r: &Rendered) {
    use x509_parser::prelude::*;
    let certs = certificates(&r.out);
    let parsed: Vec<(&str, X509Certificate)> = certs
        .iter()
        .map(|c| {
            let (_, x) = X509Certificate::from_der(&c.der)
                .unwrap_or_else(|e| panic!("{}: not a certificate: {e}", c.path));
            (c.path.as_str(), x)
        })
        .collect();
    let self_signed = |x: &X509Certificate| {
        x.subject().as_raw() == x.issuer().as_raw() && x.verify_signature(None).is_ok()
    };
    let cas: Vec<&(&str, X509Certificate)> =
        parsed.iter().filter(|(_, x)| self_signed(x)).collect();
    assert!(!cas.is_empty(), "no CA certificates under crypto-config");
    for (path, ca) in &cas {
        assert!(ca.is_ca(), "{path}: self-signed but not a CA");
        let lead = r.started - ca.validity().not_before.timestamp();
        assert!(
            lead >= FABRIC_CA_BACKDATE_SECS,
            "{path}: CA NotBefore {} is only {lead} s before the render; fabric-ca backdates by {FABRIC_CA_BACKDATE_SECS} s",
            ca.validity().not_before
        );
    }
    let mut leaves = 0;
    for (path, leaf) in parsed.iter().filter(|(_, x)| !self_signed(x)) {
        let issuers: Vec<&&(&str, X509Certificate)> = cas
            .iter()
            .filter(|(_, ca)| {
                ca.subject().as_raw() == leaf.issuer().as_raw()
                    && leaf.verify_signature(Some(ca.public_key())).is_ok()
            })
            .collect();
        assert_eq!(
            issuers.len(),
            1,
            "{path}: issuer {} found {} time(s) among the CAs",
            leaf.issuer(),
            issuers.len()
        );
        let (ca_path, ca) = issuers[0];
        let (l, c) = (leaf.validity(), ca.validity());
        assert!(
            l.not_before.timestamp() > c.not_before.timestamp(),
            "{path}: NotBefore {} is not later than its CA's ({ca_path}: {})",
            l.not_before,
            c.not_before
        );
        assert!(
            l.not_after.timestamp() <= c.not_after.timestamp(),
            "{path}: NotAfter {} outlives its CA ({ca_path}: {})",
            l.not_after,
            c.not_after
        );
        leaves += 1;
    }
    assert!(leaves > 0, "no leaf certificates under crypto-config");
}

#[test]
fn every_leaf_starts_after_its_ca() {
    assert_windows_nest(&render(None));
}

#[test]
fn every_leaf_starts_after_its_ca_with_five_orgs() {
    assert_windows_nest(&render(Some("namespacePattern: \"fab-{org}\"\norgs: 5\n")));
}

// --- 5. Re-rendering.

/// A document with its crypto material blanked: Secrets' data values and the channel config
/// ConfigMap's data values (which carry the MSP certificates). Keys stay: they name the files.
fn redacted(doc: &Value) -> Value {
    let mut doc = doc.clone();
    let crypto = kind(&doc) == "Secret"
        || (kind(&doc) == "ConfigMap" && name(&doc) == "fabcheck-channel-config");
    if crypto {
        for field in ["data", "binaryData", "stringData"] {
            if let Some(map) = doc[field].as_object_mut() {
                for value in map.values_mut() {
                    *value = Value::from("<crypto>");
                }
            }
        }
    }
    doc
}

#[test]
fn rerender_changes_only_crypto_material() {
    let a = render(None);
    let b = render(None);
    let (ma, mb) = (manifests(&a.out), manifests(&b.out));
    assert_eq!(
        ma.keys().collect::<Vec<_>>(),
        mb.keys().collect::<Vec<_>>(),
        "manifest files"
    );
    for (file, docs_a) in &ma {
        let docs_b = &mb[file];
        let ids = |docs: &[Value]| docs.iter().map(identity).collect::<Vec<_>>();
        assert_eq!(ids(docs_a), ids(docs_b), "objects of {file}");
        for (da, db) in docs_a.iter().zip(docs_b) {
            assert_eq!(
                redacted(da),
                redacted(db),
                "{file}: {} {}/{} differs beyond its crypto material",
                kind(da),
                namespace(da),
                name(da)
            );
        }
    }
    for file in ["configtx.yaml", "cluster/kubelet-config.yaml"] {
        assert_eq!(
            std::fs::read_to_string(a.out.join(file)).unwrap(),
            std::fs::read_to_string(b.out.join(file)).unwrap(),
            "{file}"
        );
    }
    let (ca, cb) = (
        files_under(&a.out.join("crypto-config")),
        files_under(&b.out.join("crypto-config")),
    );
    assert_eq!(
        ca.keys().collect::<Vec<_>>(),
        cb.keys().collect::<Vec<_>>(),
        "crypto-config files"
    );
    // Each render makes its own keys: equal keys would mean a fixed seed.
    let key = "peerOrganizations/org1/ca/priv_sk";
    assert_ne!(
        std::fs::read(&ca[key]).unwrap(),
        std::fs::read(&cb[key]).unwrap(),
        "{key} is the same in two renders"
    );
}

// A render into a used folder must not add to it (a Kafka network re-rendered as etcdraft
// would keep its old phases beside the new ones, and `kubectl apply -f` would deploy both):
// either the folder is refused, or it ends up exactly as a render into an empty folder.
#[test]
fn rerender_into_the_same_folder_leaves_no_stale_files() {
    let first = render(None);
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    let yaml = "consensus: etcdraft\norgs: 1\n";
    std::fs::write(&spec, yaml).unwrap();
    let result = fabcheck(&[
        "render".as_ref(),
        "--spec".as_ref(),
        spec.as_os_str(),
        "--out".as_ref(),
        first.out.as_os_str(),
    ]);
    assert_no_panic(&result);
    assert_no_key_printed(&result);
    if result.status.code() != Some(0) {
        // Refusing is fine, if it says which folder and why.
        assert!(
            stderr(&result).contains(&first.out.display().to_string()),
            "{}",
            text(&result)
        );
        return;
    }
    let fresh = render(Some(yaml));
    let listing = |out: &Path| files_under(out).into_keys().collect::<BTreeSet<_>>();
    let (reused, empty) = (listing(&first.out), listing(&fresh.out));
    // Manifests first: they are what an operator applies.
    let shown = |files: Vec<&String>| {
        let (mut manifests, other): (Vec<_>, Vec<_>) =
            files.into_iter().partition(|f| f.starts_with("manifests/"));
        let n = other.len();
        manifests.extend(other.into_iter().take(6));
        format!(
            "{} file(s): {manifests:?}{}",
            manifests.len() + n.saturating_sub(6),
            if n > 6 { " …" } else { "" }
        )
    };
    let stale: Vec<&String> = reused.difference(&empty).collect();
    let missing: Vec<&String> = empty.difference(&reused).collect();
    assert!(
        stale.is_empty() && missing.is_empty(),
        "a re-render into a used folder differs from one into an empty folder\n\
         stale: {}\nmissing: {}",
        shown(stale),
        shown(missing)
    );
    assert_clean(&check(&first.out));
}

// --- 6. Bad input.

/// Runs `render --spec <yaml in a file> --out <dir>`; returns the spec path, the out path and
/// the output.
fn render_bad_spec(yaml: &str) -> (tempfile::TempDir, PathBuf, PathBuf, Output) {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("network-spec.yaml");
    std::fs::write(&spec, yaml).unwrap();
    let out = dir.path().join("out");
    let result = fabcheck(&[
        "render".as_ref(),
        "--spec".as_ref(),
        spec.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_no_panic(&result);
    assert_no_key_printed(&result);
    (dir, spec, out, result)
}

#[test]
fn unknown_spec_key_is_a_usage_error_naming_file_key_and_line() {
    let (_dir, spec, out, result) = render_bad_spec("name: x\nclusterDomian: a.b\n");
    assert_eq!(result.status.code(), Some(2), "{}", text(&result));
    let err = stderr(&result);
    assert!(err.contains(&spec.display().to_string()), "{err}");
    assert!(err.contains("clusterDomian"), "{err}");
    assert!(err.contains("line 2"), "{err}");
    assert!(
        !out.exists(),
        "an invalid spec still wrote {}",
        out.display()
    );
}

#[test]
fn even_zookeeper_ensemble_is_a_usage_error() {
    let (_dir, spec, out, result) = render_bad_spec("kafka: {zookeepers: 4}\n");
    assert_eq!(result.status.code(), Some(2), "{}", text(&result));
    let err = stderr(&result);
    assert!(err.contains("odd"), "{err}");
    assert!(err.contains("zookeepers"), "{err}");
    assert!(err.contains(&spec.display().to_string()), "{err}");
    assert!(
        !out.exists(),
        "an invalid spec still wrote {}",
        out.display()
    );
}

#[test]
fn missing_spec_file_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("no-such-spec.yaml");
    let result = fabcheck(&[
        "render".as_ref(),
        "--spec".as_ref(),
        spec.as_os_str(),
        "--out".as_ref(),
        dir.path().join("out").as_os_str(),
    ]);
    assert_no_panic(&result);
    assert_eq!(result.status.code(), Some(2), "{}", text(&result));
    assert!(
        stderr(&result).contains(&spec.display().to_string()),
        "{}",
        text(&result)
    );
}

#[test]
fn render_without_out_is_a_usage_error() {
    let result = fabcheck(&["render"]);
    assert_no_panic(&result);
    assert_eq!(result.status.code(), Some(2), "{}", text(&result));
    assert!(stderr(&result).contains("--out"), "{}", text(&result));
}

#[test]
fn out_under_a_regular_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "not a folder").unwrap();
    for out in [file.join("rendered"), file.clone()] {
        let result = fabcheck(&["render".as_ref(), "--out".as_ref(), out.as_os_str()]);
        assert_no_panic(&result);
        assert_no_key_printed(&result);
        assert!(
            !matches!(result.status.code(), Some(0) | None),
            "render into {} should fail:\n{}",
            out.display(),
            text(&result)
        );
        assert!(
            stderr(&result).contains(&file.display().to_string()),
            "the error does not name {}:\n{}",
            file.display(),
            text(&result)
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
    }
}

// --- 7. Help.

#[test]
fn render_help_names_out_and_spec() {
    let result = fabcheck(&["render", "--help"]);
    assert_eq!(result.status.code(), Some(0), "{}", text(&result));
    let help = String::from_utf8_lossy(&result.stdout);
    for flag in ["--out", "--spec", "--cluster-dns"] {
        assert!(help.contains(flag), "render --help lacks {flag}:\n{help}");
    }
}

/// RAFT-002 on a cluster's objects alone: the genesis block configtxgen makes from the rendered
/// etcdraft profile (here the stand-in's encoding of fabcheck's reading of it), beside the
/// manifests only — no crypto-config folder — is compared with the TLS certificates each
/// orderer's pod mounts from its Secrets. A consenter whose certificate is another orderer's
/// fails, naming the certificate its pod has.
#[test]
fn consenter_certificates_are_compared_with_what_the_orderer_pods_mount() {
    let r = render(Some("consensus: etcdraft\n"));
    let configtx = r.out.join("configtx.yaml");
    let text = std::fs::read_to_string(&configtx).unwrap();
    let (doc, _) = fabcheck::inventory::ordering::yaml::parse_text(&configtx, text);
    let profiles = fabcheck::inventory::channel::profile::gather(&[doc.expect("configtx.yaml")]);
    let genesis = profiles
        .iter()
        .find(|p| {
            p.source
                == fabcheck::inventory::channel::ConfigSource::Profile {
                    name: "OrdererGenesis".into(),
                }
        })
        .expect("OrdererGenesis");
    let mut spec = blocks::spec_from(genesis, "fabcheck-sys-channel");
    assert_eq!(spec.consenters.len(), 3);
    let tree = tempfile::tempdir().unwrap();
    copy_dir(&r.out.join("manifests"), &tree.path().join("manifests"));
    std::fs::create_dir_all(tree.path().join("channel-artifacts")).unwrap();
    let block = tree.path().join("channel-artifacts/genesis.block");
    std::fs::write(&block, blocks::block_with_policies(&spec).unwrap()).unwrap();
    let report = check_report(tree.path());
    let raft002: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["check_id"] == "RAFT-002" && f.to_string().contains("genesis.block"))
        .collect();
    assert_eq!(raft002.len(), 3, "{raft002:#?}");
    assert!(
        raft002.iter().all(|f| f["status"] == "pass"),
        "{raft002:#?}"
    );
    // orderer1's consenter entry carries orderer2's certificate.
    spec.consenters[1].server_pem = spec.consenters[2].server_pem.clone();
    spec.consenters[1].client_pem = spec.consenters[2].client_pem.clone();
    std::fs::write(&block, blocks::block_with_policies(&spec).unwrap()).unwrap();
    let report = check_report(tree.path());
    let failed: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["check_id"] == "RAFT-002" && f["status"] == "fail")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    let message = failed[0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("consenter {}", spec.consenters[1].host)),
        "{message}"
    );
    assert!(
        message.contains("#StatefulSet"),
        "names the pod's file: {message}"
    );
}

/// `check --artifacts DIR -o json=FILE` whatever the exit code: the report.
fn check_report(dir: &Path) -> Value {
    let out_dir = tempfile::tempdir().unwrap();
    let json = out_dir.path().join("report.json");
    let mut spec = std::ffi::OsString::from("json=");
    spec.push(&json);
    let result = fabcheck(&[
        "check".as_ref(),
        "--artifacts".as_ref(),
        dir.as_os_str(),
        "--select".as_ref(),
        "RAFT".as_ref(),
        "-o".as_ref(),
        spec.as_os_str(),
    ]);
    assert!(
        matches!(result.status.code(), Some(0 | 1)),
        "{}",
        text(&result)
    );
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&p, to.join(entry.file_name())).unwrap();
        }
    }
}
