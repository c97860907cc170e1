//! `check --cluster` against a real control plane holding Fabric networks deployed by others:
//! the real-world Kubernetes manifests in ../shared/realworld (IBM container service,
//! feitnomore, cello, fabric-samples test-network-k8s after its envsubst variables) and the
//! fabcheck reference network, applied unchanged but for API groups the server no longer
//! serves. Discovery and verdicts must match `check --artifacts` on the same files; a check
//! run must use only read verbs (the API server's audit log says so); and bad clusters (RBAC
//! without Secrets, an API server that goes away, thousands of unrelated objects, a Secret
//! holding a broken PEM) give findings, not failures.

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/control_plane.rs"]
mod control_plane;
#[path = "support/node_logs.rs"]
mod node_logs;

use bounded::{run_bounded, text};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use control_plane::{ADMIN, ControlPlane, DEPLOYER, READER};
use serde_json::{Value, json};

const REALWORLD: &str = "../shared/realworld";

fn fabcheck(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabcheck"));
    cmd.args(args);
    run_bounded(cmd, Duration::from_secs(240))
}

fn check_cluster(plane: &ControlPlane, context: &str, report: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check".to_owned()];
    args.extend(plane.context_args(context));
    args.extend([
        "--request-timeout".into(),
        "10s".into(),
        "-o".into(),
        format!("json={}", report.display()),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    fabcheck(&refs)
}

fn read_report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report written")).expect("json")
}

/// (check id, status) → count, for the checks that read manifests and material (not the live
/// ones, which have nothing to dial from here either way).
fn verdicts(report: &Value) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for f in report["findings"].as_array().expect("findings") {
        let id = f["check_id"].as_str().unwrap_or("").to_owned();
        if id.starts_with("TLS-") {
            continue;
        }
        let status = f["status"].as_str().unwrap_or("").to_owned();
        *out.entry((id, status)).or_default() += 1;
    }
    out
}

/// The variables fabric-samples' test-network-k8s `network` script exports by default, with
/// every org in one namespace as it runs them.
fn envsubst(text: &str) -> String {
    let vars = [
        ("ORG0_NS", "test-network"),
        ("ORG1_NS", "test-network"),
        ("ORG2_NS", "test-network"),
        ("DOMAIN", "localho.st"),
        ("FABRIC_CONTAINER_REGISTRY", "hyperledger"),
        ("FABRIC_VERSION", "2.5"),
        ("FABRIC_CA_VERSION", "1.5"),
        ("FABRIC_PEER_IMAGE", "hyperledger/fabric-peer:2.5"),
        ("COUCHDB_VERSION", "3.3.3"),
        (
            "K8S_CHAINCODE_BUILDER_IMAGE",
            "ghcr.io/hyperledger-labs/fabric-builder-k8s/k8s-fabric-peer",
        ),
        ("K8S_CHAINCODE_BUILDER_VERSION", "0.11.0"),
        ("STORAGE_CLASS", "standard"),
    ];
    let mut out = text.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("${{{k}}}"), v);
    }
    out
}

/// An old manifest's only change: a Deployment of a group the server no longer serves becomes
/// apps/v1 with the selector apps/v1 requires (its template's labels).
fn modernise(mut doc: Value) -> Value {
    if doc["kind"] == "Deployment" && doc["apiVersion"] != "apps/v1" {
        doc["apiVersion"] = json!("apps/v1");
        if doc.pointer("/spec/selector").is_none() {
            let labels = doc
                .pointer("/spec/template/metadata/labels")
                .cloned()
                .unwrap_or(json!({}));
            doc["spec"]["selector"] = json!({ "matchLabels": labels });
        }
    }
    doc
}

/// The real-world sources: (namespace, files).
fn sources() -> Vec<(&'static str, Vec<PathBuf>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(REALWORLD);
    let yaml_in = |dir: &str, keep: &dyn Fn(&str) -> bool| -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .filter(|p| keep(&p.file_name().unwrap().to_string_lossy()))
            .collect();
        files.sort();
        files
    };
    let tn = "hyperledger__fabric-samples/main/test-network-k8s/kube";
    let mut test_network = yaml_in(tn, &|n| {
        n.starts_with("pvc-") || n.starts_with("fabric-builder-role")
    });
    for org in ["org0", "org1", "org2"] {
        // The chaincode templates are {{ }} templates, not envsubst ones: not plain YAML. The
        // volume-scrub Jobs share one name across orgs and run one after another in the
        // sample's scripts (each deleted before the next); they are not part of the network.
        test_network.extend(yaml_in(&format!("{tn}/{org}"), &|n| {
            !n.contains("cc-template") && !n.contains("job-scrub")
        }));
    }
    vec![
        (
            "ibm",
            yaml_in(
                "IBM-Blockchain__ibm-container-service/HEAD/cs-offerings/kube-configs",
                &|n| n != "blockchain-couchdb.yaml",
            ),
        ),
        (
            "feitnomore",
            yaml_in(
                "feitnomore__hyperledger-fabric-kubernetes/HEAD/kubernetes",
                &|_| true,
            ),
        ),
        (
            "cello",
            yaml_in(
                "hyperledger__cello/release-0.9.0/src/agent/k8s/setup-scripts/manifests/fabric-1.0/local",
                &|_| true,
            ),
        ),
        ("test-network", test_network),
    ]
}

/// Kinds no server here serves (cert-manager's) are left out; everything else is applied.
fn served(doc: &Value) -> bool {
    let api = doc["apiVersion"].as_str().unwrap_or("");
    !api.starts_with("cert-manager.io/") && !doc.is_null()
}

/// Stages every source under `offline/<namespace>/`, exactly as applied.
fn stage(offline: &Path) -> Vec<PathBuf> {
    let mut staged = Vec::new();
    for (ns, files) in sources() {
        for file in files {
            let text = envsubst(&std::fs::read_to_string(&file).expect("read"));
            let docs: Vec<Value> = serde_saphyr::from_multiple(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let docs: Vec<Value> = docs
                .into_iter()
                .filter(served)
                .map(modernise)
                .map(|mut d| {
                    let cluster_scoped = matches!(
                        d["kind"].as_str(),
                        Some(
                            "Namespace" | "PersistentVolume" | "ClusterRole" | "ClusterRoleBinding"
                        )
                    );
                    if !cluster_scoped && d.pointer("/metadata/namespace").is_none() {
                        d["metadata"]["namespace"] = json!(ns);
                    }
                    d
                })
                .collect();
            if docs.is_empty() {
                continue;
            }
            let out = offline.join(ns).join(file.file_name().expect("file name"));
            std::fs::create_dir_all(out.parent().unwrap()).expect("mkdir");
            let yaml: Vec<String> = docs
                .iter()
                .map(|d| serde_saphyr::to_string(d).expect("yaml"))
                .collect();
            std::fs::write(&out, yaml.join("---\n")).expect("write");
            staged.push(out);
        }
    }
    staged
}

fn apply_staged(plane: &ControlPlane, files: &[PathBuf]) {
    let mut namespaces = BTreeSet::new();
    for f in files {
        for d in serde_saphyr::from_multiple::<Value>(&std::fs::read_to_string(f).unwrap()).unwrap()
        {
            if let Some(ns) = d.pointer("/metadata/namespace").and_then(Value::as_str) {
                namespaces.insert(ns.to_owned());
            }
        }
    }
    for ns in namespaces {
        let _ = plane.kubectl_as(ADMIN, &["create", "namespace", &ns], None);
    }
    for f in files {
        plane
            .kubectl_as(
                ADMIN,
                // Client-side apply: v1.20's server-side apply refuses ports without an explicit
                // protocol (fixed in 1.21), which most of these manifests omit.
                &["apply", "-f", f.to_str().unwrap()],
                None,
            )
            .unwrap_or_else(|e| panic!("apply {}: {e}", f.display()));
    }
}

/// Discovery as fabcheck classifies the staged files (same classifier as for the cluster),
/// limited to the kinds a cluster discovery lists.
fn offline_discovery(files: &[PathBuf]) -> BTreeSet<(String, String, String, String)> {
    let kinds = [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "Pod",
        "Service",
        "Secret",
        "ConfigMap",
    ];
    let docs: Vec<Value> = files
        .iter()
        .flat_map(|f| {
            serde_saphyr::from_multiple::<Value>(&std::fs::read_to_string(f).unwrap()).unwrap()
        })
        .filter(|d| kinds.contains(&d["kind"].as_str().unwrap_or("")))
        .collect();
    fabcheck::inventory::discovery::classify_all(&docs)
        .into_iter()
        .map(|d| (d.kind, d.namespace, d.name, d.role.as_str().to_owned()))
        .collect()
}

fn cluster_discovery(report: &Value) -> BTreeSet<(String, String, String, String)> {
    report["discovery"]["objects"]
        .as_array()
        .expect("discovery in the report")
        .iter()
        .filter(|o| o["namespace"] != "kube-system" && o["role"] != "cluster-plumbing")
        .map(|o| {
            let s = |k: &str| o[k].as_str().unwrap_or("").to_owned();
            (s("kind"), s("namespace"), s("name"), s("role"))
        })
        .collect()
}

/// Every audited request by `user`: (verb, resource).
fn audited(plane: &ControlPlane, user: &str) -> Vec<(String, String)> {
    let log = std::fs::read_to_string(&plane.audit_log).unwrap_or_default();
    log.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["user"]["username"] == user)
        .map(|e| {
            (
                e["verb"].as_str().unwrap_or("").to_owned(),
                e["objectRef"]["resource"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn realworld_networks_discovered_and_judged_as_their_files_read_only() {
    let plane = ControlPlane::start();
    plane.bind_repository_rbac();
    let work = tempfile::tempdir().expect("temp dir");
    let offline = work.path().join("offline");
    let mut staged = stage(&offline);
    // The fabcheck reference network, rendered and applied like anything else.
    let rendered = work.path().join("rendered");
    let out = fabcheck(&[
        "render",
        "--out",
        rendered.to_str().unwrap(),
        "--cluster-dns",
        control_plane::CLUSTER_DNS,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for entry in std::fs::read_dir(rendered.join("manifests")).unwrap() {
        let path = entry.unwrap().path();
        let target = offline.join("reference").join(path.file_name().unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&path, &target).unwrap();
        staged.push(target);
    }
    staged.sort();
    // The cluster DNS Service the cluster has (kube-system), for the offline side too.
    std::fs::write(offline.join("kube-dns.yaml"), format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: kube-dns\n  namespace: kube-system\nspec:\n  clusterIP: {}\n  ports:\n  - name: dns\n    port: 53\n    protocol: UDP\n",
        control_plane::CLUSTER_DNS
    )).unwrap();
    apply_staged(&plane, &staged);

    let offline_report = work.path().join("offline.json");
    let out = fabcheck(&[
        "check",
        "--artifacts",
        offline.to_str().unwrap(),
        "-o",
        &format!("json={}", offline_report.display()),
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let cluster_report = work.path().join("cluster.json");
    let out = check_cluster(&plane, READER, &cluster_report, &[]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let offline_report = read_report(&offline_report);
    let cluster_report = read_report(&cluster_report);

    // Discovery: every workload, Service, Secret and ConfigMap of the files, classified alike.
    let want = offline_discovery(&staged);
    let got = cluster_discovery(&cluster_report);
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from the cluster's discovery: {missing:#?}\nextra: {extra:#?}"
    );
    let roles: BTreeSet<&str> = got.iter().map(|d| d.3.as_str()).collect();
    for role in [
        "peer",
        "orderer",
        "ca",
        "kafka",
        "zookeeper",
        "chaincode-runtime",
        "crypto-material",
        "service",
        "unclassified",
    ] {
        assert!(roles.contains(role), "no {role} discovered: {got:#?}");
    }
    // The test-network shares one namespace across orgs; still every peer is found.
    let tn_peers = got
        .iter()
        .filter(|d| d.1 == "test-network" && d.3 == "peer")
        .count();
    assert!(tn_peers >= 4, "test-network peers: {tn_peers}");

    // Verdicts: the same checks reach the same statuses, as many times.
    let a = verdicts(&offline_report);
    let b = verdicts(&cluster_report);
    let diff: Vec<String> = a
        .keys()
        .chain(b.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            format!(
                "{} {}: files {:?}, cluster {:?}",
                k.0,
                k.1,
                a.get(k),
                b.get(k)
            )
        })
        .collect();
    assert!(diff.is_empty(), "verdicts differ:\n{}", diff.join("\n"));
    assert!(
        b.keys()
            .any(|(id, s)| id.starts_with("KAFKA-") && s == "fail"),
        "realworld Kafka problems found: {b:?}"
    );

    // Read-only: the check used get/list/watch and nothing else.
    let requests = audited(&plane, "fabcheck-reader");
    assert!(!requests.is_empty(), "no audited request by the reader");
    let writes: Vec<&(String, String)> = requests
        .iter()
        .filter(|(verb, _)| !matches!(verb.as_str(), "get" | "list" | "watch"))
        .collect();
    assert!(writes.is_empty(), "a check run wrote: {writes:?}");
    // One list per kind (paged), not one get per object.
    let gets = requests.iter().filter(|(v, _)| v == "get").count();
    assert!(gets <= 4, "{gets} gets: {requests:?}");

    // --logs reads the pods' logs through the API. No kubelet runs here and no container
    // started, so every log is empty: the log checks skip saying so, never a silent pass.
    let logs_report = work.path().join("logs.json");
    let out = check_cluster(
        &plane,
        READER,
        &logs_report,
        &["--namespace", "org1", "--logs"],
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let report = read_report(&logs_report);
    let log_001: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check_id"] == "LOG-001")
        .collect();
    assert!(
        log_001.len() == 1
            && log_001[0]["status"] == "skip"
            && log_001[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("no pod logged anything")),
        "{log_001:#?}"
    );
    let log_reads = audited(&plane, "fabcheck-reader")
        .into_iter()
        .filter(|(_, resource)| resource == "pods")
        .count();
    assert!(log_reads > 0);
}

#[test]
fn bad_clusters_give_findings_not_failures() {
    let mut plane = ControlPlane::start();
    plane.bind_repository_rbac();
    let work = tempfile::tempdir().expect("temp dir");

    // A Secret whose certificate is not valid base64 inside its PEM armour, beside a real one.
    let broken = "-----BEGIN CERTIFICATE-----\nMIIB!!!not*base64###\n-----END CERTIFICATE-----\n";
    plane.apply_yaml(&format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: org9\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: peer0-tls\n  namespace: org9\ndata:\n  tls.crt: {}\n",
        base64_encode(broken.as_bytes())
    ));
    // A real Fabric genesis block in binaryData, as `kubectl create configmap --from-file`
    // stores it: protobuf embedding the MSPs' PEM certificates, which is not broken PEM.
    let block = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(REALWORLD)
            .join("fabric-1.4.12-configtxgen/raft/genesis.block"),
    )
    .expect("real genesis block");
    plane.apply_yaml(&format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: genesis\n  namespace: org9\nbinaryData:\n  genesis.block: {}\n",
        base64_encode(&block)
    ));
    // 5,000 objects that have nothing to do with Fabric, in 10 namespaces.
    let mut items = Vec::new();
    for n in 0..10 {
        items.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("noise{n}")}}));
    }
    for i in 0..5000 {
        items.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("app-settings-{i}"), "namespace": format!("noise{}", i % 10)},
            "data": {"LOG_LEVEL": "info", "FEATURE": format!("f{i}")}}));
    }
    let list = work.path().join("noise.json");
    std::fs::write(
        &list,
        json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string(),
    )
    .unwrap();
    plane.kubectl(&[
        "create",
        "-f",
        list.to_str().unwrap(),
        "--request-timeout=300s",
    ]);

    let report_path = work.path().join("noise.json-report");
    let started = Instant::now();
    let out = check_cluster(&plane, READER, &report_path, &[]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );
    let report = read_report(&report_path);
    let objects = report["discovery"]["objects"].as_array().unwrap();
    let noise = objects
        .iter()
        .filter(|o| o["role"] == "unclassified" && o["kind"] == "ConfigMap")
        .count();
    assert_eq!(noise, 5000, "every unrelated object listed, none dropped");
    let requests = report["discovery"]["requests"].as_u64().unwrap();
    assert!(
        requests < 40,
        "{requests} requests for 5,000 objects: list per kind, paged"
    );
    let findings = report["findings"].as_array().unwrap();
    let broken_cert = findings.iter().find(|f| {
        f["check_id"] == "X509-009"
            && f["status"] == "error"
            && f["target"]["name"]
                .as_str()
                .is_some_and(|n| n.contains("peer0-tls"))
    });
    assert!(
        broken_cert.is_some(),
        "broken PEM in a Secret not reported: {findings:#?}"
    );
    let block_errors: Vec<&Value> = findings
        .iter()
        .filter(|f| f["status"] == "error" && f.to_string().contains("genesis.block"))
        .collect();
    assert!(block_errors.is_empty(), "{block_errors:#?}");
    let listed = findings.iter().any(|f| {
        f["check_id"] == "X509-009"
            && f["status"] == "skip"
            && f["evidence"]["binary"]
                .to_string()
                .contains("ConfigMap org9/genesis, binaryData[genesis.block]")
    });
    assert!(listed, "the block is listed as not read: {findings:#?}");
    let genesis = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["name"] == "genesis")
        .expect("discovered");
    assert_eq!(genesis["role"], "fabric-config", "{genesis}");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(!table.contains("PRIVATE KEY"));

    // `--cluster` finds the cluster as kubectl does: $KUBECONFIG and its current context.
    let via_env = work.path().join("via-env.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabcheck"));
    cmd.args(["check", "--cluster", "--namespace", "org9", "-o"])
        .arg(format!("json={}", via_env.display()))
        .env("KUBECONFIG", &plane.kubeconfig)
        .env_remove("KUBERNETES_SERVICE_HOST");
    let out = run_bounded(cmd, Duration::from_secs(120));
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let found = read_report(&via_env)["discovery"]["objects"].to_string();
    assert!(found.contains("peer0-tls"), "{found}");

    // RBAC that forbids Secrets: the certificate checks skip and say "forbidden"; the rest runs.
    // The deployer user keeps only a role without Secrets.
    plane.kubectl(&[
        "delete",
        "clusterrolebinding",
        "fabcheck-deployer-test-user",
    ]);
    plane.apply_yaml(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: no-secrets\nrules:\n\
         - apiGroups: [\"\", apps, batch]\n  resources: [pods, services, configmaps, deployments, statefulsets, daemonsets, replicasets, jobs]\n  verbs: [get, list, watch]\n\
         ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: no-secrets\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: no-secrets\n\
         subjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: fabcheck-deployer\n",
    );
    let forbidden_path = work.path().join("forbidden.json");
    let out = check_cluster(&plane, DEPLOYER, &forbidden_path, &["--namespace", "org9"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let report = read_report(&forbidden_path);
    let unreadable = report["discovery"]["unreadable"].to_string();
    assert!(
        unreadable.contains("secrets") && unreadable.contains("forbidden"),
        "{unreadable}"
    );
    let skipped = report["findings"].as_array().unwrap().iter().any(|f| {
        f["check_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("X509-"))
            && f["status"] == "skip"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("forbidden"))
    });
    assert!(skipped, "{:#?}", report["findings"]);

    // The API server goes away mid-run: exit 3, and the partial report is still written.
    let namespaces: Vec<String> = (0..10).map(|n| format!("noise{n}")).collect();
    let mut args: Vec<String> = Vec::new();
    for ns in &namespaces {
        args.push("--namespace".into());
        args.push(ns.clone());
    }
    let partial_path = work.path().join("partial.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabcheck"));
    cmd.arg("check")
        .args(plane.context_args(READER))
        .args([
            "--request-timeout",
            "5s",
            "-o",
            &format!("json={}", partial_path.display()),
        ])
        .args(&args);
    let before = audited(&plane, "fabcheck-reader").len();
    let handle = std::thread::spawn(move || run_bounded(cmd, Duration::from_secs(120)));
    let start = Instant::now();
    while audited(&plane, "fabcheck-reader").len() < before + 3 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the check never started listing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    plane.stop_apiserver();
    let out = handle.join().expect("check thread");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let report = read_report(&partial_path);
    assert!(
        report["findings"].to_string().contains("stopped answering")
            || report["discovery"]
                .to_string()
                .contains("stopped answering")
            || String::from_utf8_lossy(&out.stderr).contains("stopped answering"),
        "{}",
        text(&out)
    );
    plane.start_apiserver();
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Registers a Ready node whose kubelet endpoint (where the API server fetches pod logs) is the
/// stand-in log server on 127.0.0.1:`port`.
async fn register_node(client: &kube::Client, name: &str, port: u16) {
    use k8s_openapi::api::core::v1::Node;
    use kube::api::{Patch, PatchParams, PostParams};
    let api: kube::Api<Node> = kube::Api::all(client.clone());
    let node: Node = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    api.create(&PostParams::default(), &node)
        .await
        .expect("create node");
    api.patch_status(
        name,
        &PatchParams::default(),
        &Patch::Merge(&json!({"status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
        }})),
    )
    .await
    .expect("node status");
}

/// Reports a pod running on its node, with the addresses kubelet reports.
async fn report_running(client: &kube::Client, ns: &str, pod: &str, host_ip: &str, pod_ip: &str) {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Patch, PatchParams};
    let api: kube::Api<Pod> = kube::Api::namespaced(client.clone(), ns);
    api.patch_status(
        pod,
        &PatchParams::default(),
        &Patch::Merge(&json!({"status": {
            "phase": "Running",
            "hostIP": host_ip,
            "podIP": pod_ip,
            "containerStatuses": [{"name": "peer", "ready": true, "restartCount": 0,
                "image": "hyperledger/fabric-peer:2.5", "imageID": "",
                "state": {"running": {"startedAt": "2026-12-04T10:00:00Z"}}}],
        }})),
    )
    .await
    .expect("pod status");
}

/// A Fabric 2.5 peer pod on `node-a` with the given probes (YAML flow mappings).
fn peer_pod(name: &str, liveness: &str, readiness: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: org1\n  labels: {{app: {name}}}\nspec:\n  nodeName: node-a\n  containers:\n  - name: peer\n    image: hyperledger/fabric-peer:2.5\n    env:\n    - {{name: CORE_PEER_ID, value: {name}}}\n    - {{name: CORE_PEER_LISTENADDRESS, value: 0.0.0.0:7051}}\n    - {{name: CORE_PEER_TLS_ENABLED, value: \"true\"}}\n    - {{name: CORE_OPERATIONS_LISTENADDRESS, value: 0.0.0.0:9443}}\n    ports:\n    - {{name: peer, containerPort: 7051, protocol: TCP}}\n    - {{name: operations, containerPort: 9443, protocol: TCP}}\n    livenessProbe: {liveness}\n    readinessProbe: {readiness}\n"
    )
}

/// Handshake EOFs from the node every 10 s are the pods' own tcpSocket probes when the pod's
/// spec says so, and a load balancer's health check when the pod has no such probe: the pod
/// logs come through the API server from a node's log endpoint, with the pods' specs.
#[test]
fn pod_probes_tell_the_kubelet_from_a_load_balancer_in_handshake_resets() {
    let plane = ControlPlane::start();
    plane.bind_repository_rbac();
    let work = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let logs = node_logs::Logs::default();
    let port = rt
        .block_on(node_logs::serve(logs.clone()))
        .expect("log endpoint");
    let client = rt.block_on(async {
        let kc = kube::config::Kubeconfig::read_from(&plane.kubeconfig).expect("kubeconfig");
        let config = kube::Config::from_custom_kubeconfig(
            kc,
            &kube::config::KubeConfigOptions {
                context: Some(control_plane::ADMIN.into()),
                ..Default::default()
            },
        )
        .await
        .expect("admin config");
        kube::Client::try_from(config).expect("admin client")
    });
    rt.block_on(register_node(&client, "node-a", port));
    plane.apply_yaml("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: org1\n");
    // peer0: the liveness and readiness probes connect to the TLS port every 10 s.
    plane.apply_yaml(&peer_pod(
        "peer0-0",
        "{tcpSocket: {port: peer}, periodSeconds: 10}",
        "{tcpSocket: {port: 7051}, periodSeconds: 10}",
    ));
    // peer1: probed on the operations endpoint; something else connects every 10 s.
    plane.apply_yaml(&peer_pod(
        "peer1-0",
        "{httpGet: {path: /healthz, port: operations, scheme: HTTPS}, periodSeconds: 10}",
        "{httpGet: {path: /healthz, port: operations, scheme: HTTPS}, periodSeconds: 10}",
    ));
    rt.block_on(report_running(
        &client,
        "org1",
        "peer0-0",
        "10.0.2.15",
        "10.1.0.7",
    ));
    rt.block_on(report_running(
        &client,
        "org1",
        "peer1-0",
        "10.0.2.16",
        "10.1.1.9",
    ));
    let probed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/logs/LOG-002/kubelet-probe/peer0-org1.log"),
    )
    .expect("fixture log");
    logs.put("org1", "peer0-0", "peer", probed);
    let balanced: String = (0..20)
        .map(|i| {
            let t = 5 + i * 10;
            format!(
                "2026-12-04T10:{:02}:{:02}.{:09}Z 2026-12-04 10:{:02}:{:02}.{:03} UTC {:04x} ERRO [core.comm] ServerHandshake -> Server TLS handshake failed in 44.1µs with error EOF server=PeerServer remoteaddress=10.0.0.5:{}\n",
                t / 60,
                t % 60,
                i * 1_000_000 + 118_000,
                t / 60,
                t % 60,
                i,
                i + 0x20,
                51000 + i * 3
            )
        })
        .collect();
    logs.put("org1", "peer1-0", "peer", balanced);

    let report_path = work.path().join("logs.json");
    let out = check_cluster(
        &plane,
        READER,
        &report_path,
        &["--namespace", "org1", "--logs"],
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let report = read_report(&report_path);
    let log_002: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check_id"] == "LOG-002")
        .collect();
    let about = |pod: &str| -> &Value {
        log_002
            .iter()
            .find(|f| f["target"]["name"] == format!("org1/{pod}/peer"))
            .unwrap_or_else(|| panic!("no LOG-002 finding for {pod}: {log_002:#?}"))
    };
    let kubelet = about("peer0-0");
    assert_eq!(kubelet["status"], "fail", "{kubelet:#}");
    assert_eq!(kubelet["evidence"]["cause"], "kubelet-probe", "{kubelet:#}");
    let message = kubelet["message"].as_str().unwrap_or_default();
    for phrase in [
        "30 handshake resets from 10.1.0.1 every 10 s",
        "the kubelet's tcpSocket liveness and readiness probes on port 7051 (every 10 s) of org1/peer0-0/peer",
        "connects from its node's pod-network gateway (10.1.0.1, first address of the pod's 10.1.0.0/24)",
        "use an httpGet probe on the operations endpoint's /healthz (port 9443, CORE_OPERATIONS_LISTENADDRESS",
    ] {
        assert!(message.contains(phrase), "{phrase}: {kubelet:#}");
    }
    let balancer = about("peer1-0");
    assert_eq!(balancer["status"], "fail", "{balancer:#}");
    assert_eq!(
        balancer["evidence"]["cause"], "load-balancer",
        "{balancer:#}"
    );
    assert!(
        balancer["message"].as_str().is_some_and(|m| m.contains(
            "a load balancer's TCP health check, not the kubelet (org1/peer1-0 has no tcpSocket probe (liveness httpGet :operations/healthz, readiness httpGet :operations/healthz))"
        )),
        "{balancer:#}"
    );
    drop(rt);
}
