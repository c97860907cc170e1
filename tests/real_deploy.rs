//! The README's main command, `fabcheck deploy-and-verify` with no options, on the real
//! single-node Kubernetes (tests/support/real_node.rs) with Fabric-shaped stand-ins loaded
//! under the names of Fabric's images (which cannot be pulled here): every peer, orderer, CA,
//! tools and dind pod runs `examples/standin-node` configured from the Fabric environment the
//! manifests give it ([`real_node::images::FABRIC_NODE`]), ZooKeeper is Debian's real ZooKeeper and the
//! brokers the Kafka wire-protocol stand-in. It deploys as on any cluster — genesis Job handing
//! its files back through its log, orderers mounting the published block, peers with their
//! privileged dind sidecar, the channel and chaincode Jobs creating and joining the channel,
//! installing, instantiating and invoking the test chaincode through the stand-in `peer` — and
//! the in-cluster probe (the Dockerfile's image, fabcheck's default `--probe-image`) makes real
//! handshakes, health calls, height reads, lookups and quorum queries across the pod network.
//! The gate passes on pass/fail findings, not skips; then one thing per live family is broken
//! (a wrong certificate served, a stopped ZooKeeper member, a chaincode resolver without the
//! cluster search list, a broker with unclean leader election, a peer that lost its ledger) and
//! that family fails, naming what broke.
//!
//! A separate test binary from tests/real_node.rs on purpose: both use the reference
//! network's namespaces, and each binary has its own node (one at a time, by the harness's
//! lock).

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/real_node.rs"]
mod real_node;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use bounded::{run_bounded, text};
use real_node::RealNode;

const FABCHECK: &str = env!("CARGO_BIN_EXE_fabcheck");
const LIVE_FAMILIES: [&str; 5] = ["TLS", "HEALTH", "ZK", "KAFKA", "DNS"];

#[test]
fn deploy_and_verify_on_standins_passes_live_checks_and_each_break_fails_its_family() {
    let node = RealNode::shared();
    // What a user does with kind (`kind load docker-image`): the images the reference network
    // pulls, and fabcheck's default probe image, are on the node.
    node.load_reference_images();
    node.apply_probe_rbac();
    let work = tempfile::tempdir().expect("temp dir");
    let report_path = work.path().join("report.json");
    let junit_path = work.path().join("report.xml");

    // The README's command as it stands, against the node's kubeconfig; only the outputs, the
    // progress style and keeping the network for the breaks below are added.
    let started = Instant::now();
    let mut run = deploy_and_verify(node, &report_path);
    run.arg("-o").arg(format!("junit={}", junit_path.display()));
    let out = run_bounded(run, Duration::from_secs(600));
    eprintln!(
        "deploy-and-verify took {:?}:\n{}",
        started.elapsed(),
        text(&out)
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&report_path).expect("deploy-and-verify wrote its report"),
    )
    .expect("report is JSON");
    let summary = family_statuses(&report);
    eprintln!("live findings by family and status: {summary:#?}");
    let not_passing: Vec<String> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["status"] != "pass")
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f["check_id"], f["status"], f["target"]["name"], f["message"]
            )
        })
        .collect();
    eprintln!(
        "report keys {:?}; findings not passing: {not_passing:#?}",
        report.as_object().map(|o| o.keys().collect::<Vec<_>>())
    );
    // The host reaches the Service IPs through kube-proxy's rules but does not resolve the
    // cluster's names: `--probe auto` probes from inside.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not resolve the network's names")
            && err.contains("probing from inside the cluster"),
        "{err}"
    );
    // Exit 0: deploy-and-verify requires every family, so no required check skipped or
    // errored and none failed.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out),
        node.logs()
    );
    for family in LIVE_FAMILIES {
        let statuses = summary.get(family).cloned().unwrap_or_default();
        assert!(
            statuses.get("pass").copied().unwrap_or(0) > 0,
            "{family}: no passing finding: {statuses:?}"
        );
    }
    let findings = report["findings"].as_array().expect("findings");
    // Every peer and orderer: a verified handshake with its own certificate; every peer's
    // height on the channel the Jobs created, read from its /metrics.
    let tls = targets(findings, "TLS-001", "pass");
    for name in PEERS {
        assert!(
            tls.iter().any(|t| t.contains(name)),
            "TLS-001 {name}: {tls:?}"
        );
    }
    assert!(tls.iter().any(|t| t.contains("orderer")), "{tls:?}");
    for id in ["HEALTH-003", "HEALTH-004"] {
        assert!(
            !targets(findings, id, "pass").is_empty(),
            "{id} did not pass: {:#?}",
            findings_of(findings, id)
        );
    }
    // Chaincode DNS from the chaincode's own place: on every peer's dind daemon, reached
    // through the API, a container launched with the peer's HostConfig resolved the peer's
    // chaincode address, with the runtime image's own (glibc) resolver.
    let from_daemons: Vec<String> = findings_of(findings, "DNS-008")
        .iter()
        .filter(|f| f["status"] == "pass")
        .map(|f| f.to_string())
        .filter(|f| f.contains("tcp://127.0.0.1:2375 in pod"))
        .collect();
    for (ns, pod) in [
        ("org1", "peer0-0"),
        ("org2", "peer1-0"),
        ("org3", "peer0-0"),
    ] {
        assert!(
            from_daemons
                .iter()
                .any(|f| f.contains(&format!("in pod {ns}/{pod}")) && f.contains("glibc")),
            "no DNS-008 pass from the dind daemon of {ns}/{pod}: {:#?}",
            findings_of(findings, "DNS-008")
        );
    }
    // The test chaincode's own outcome: every peer started it on its dind daemon when it first
    // endorsed for it (instantiate on peer0.org1, the queries on every peer), and each
    // container runs, registered with its peer.
    let running = targets(findings, "HEALTH-005", "pass");
    for name in PEERS {
        assert!(
            running
                .iter()
                .any(|t| *t == format!("chaincode container dev-{name}-fabcheck-1.0")),
            "HEALTH-005 {name}: {:#?}",
            findings_of(findings, "HEALTH-005")
        );
    }
    // What the orderers run: the genesis block configtxgen wrote (ConfigMap fabcheck-genesis)
    // decodes, and the Kafka rules are judged on it rather than on configtx.yaml — its broker
    // list names the deployed brokers, and its orderer type is the brokers' consensus.
    let from_block = |id: &str| -> bool {
        findings_of(findings, id)
            .iter()
            .any(|f| f["status"] == "pass" && f.to_string().contains("binaryData[genesis.block]"))
    };
    for id in ["CHANNEL-001", "KAFKA-009"] {
        assert!(
            from_block(id),
            "{id} on the genesis block: {:#?}",
            findings_of(findings, id)
        );
    }
    assert!(
        !targets(findings, "KAFKA-010", "pass").is_empty(),
        "{:#?}",
        findings_of(findings, "KAFKA-010")
    );
    let junit = std::fs::read_to_string(&junit_path).expect("JUnit written");
    assert!(junit.contains("HEALTH-003"), "{junit}");

    // Health: peer1.org1 loses its ledger (its volume wiped) and restarts on nothing. Run
    // again, deploy-and-verify changes nothing (the channel Jobs have completed) and its gate
    // fails on HEALTH-004, naming that peer, with every other family passing.
    node.kubectl(&[
        "exec",
        "-n",
        "org1",
        "peer1-0",
        "-c",
        "peer",
        "--",
        "rm",
        "-f",
        "/var/hyperledger/production/fabcheck-standin-ledger.json",
    ]);
    node.kubectl(&["delete", "pod", "-n", "org1", "peer1-0", "--wait=true"]);
    let again = run_bounded(
        deploy_and_verify(node, &report_path),
        Duration::from_secs(600),
    );
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("report"))
            .expect("report is JSON");
    let failing: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| format!("{} {}", f["check_id"], f["message"]))
        .collect();
    eprintln!("failing after peer1.org1 lost its ledger: {failing:#?}");
    assert!(
        !failing.is_empty()
            && failing
                .iter()
                .all(|f| f.starts_with("\"HEALTH-") && f.contains("peer1.org1")),
        "{failing:#?}"
    );

    // One break per family; `check` reads the network back from the cluster each time.
    // TLS: peer0.org2's pod serves peer0.org1's certificate and key.
    serve_wrong_certificate(node, "org2", "org1");
    let report = check(node, work.path());
    assert_fails_naming(&report, "TLS-", "peer0.org2");
    // ZooKeeper: one member of three stopped.
    node.stop_statefulset("kafka", "zookeeper2");
    node.wait_until(Duration::from_secs(120), "zookeeper2 stopped", |n| {
        n.kubectl(&["get", "pods", "-n", "kafka", "-o", "name"])
            .lines()
            .all(|l| !l.contains("zookeeper2"))
    });
    let report = check(node, work.path());
    assert_fails_naming(&report, "ZK-", "zookeeper2");
    // DNS: peer0.org3's chaincode runtime loses the cluster search list (the peer's DnsSearch
    // for chaincode and its dind daemon's --dns-search).
    drop_chaincode_search_list(node, "org3");
    let report = check(node, work.path());
    assert_fails_naming(&report, "DNS-", "peer0.org3");
    // …and the container its dind daemon starts now fails to resolve it too.
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings_of(findings, "DNS-008")
            .iter()
            .any(|f| f["status"] == "fail"
                && f.to_string()
                    .contains("tcp://127.0.0.1:2375 in pod org3/peer0-0")),
        "no DNS-008 failure from peer0.org3's dind daemon: {:#?}",
        findings_of(findings, "DNS-008")
    );
    // The chaincode itself: a query makes peer0.org3 launch it again (its pod, and so its
    // daemon, was replaced); the chaincode cannot look its peer up, says so and exits, and the
    // endorsement times out as Fabric's does.
    let query = node.plane.kubectl_as(
        "admin",
        &[
            "exec",
            "-n",
            "org3",
            "peer0-0",
            "-c",
            "peer",
            "--",
            "env",
            "CORE_PEER_ADDRESS=127.0.0.1:7051",
            "peer",
            "chaincode",
            "query",
            "-C",
            "mychannel",
            "-n",
            "fabcheck",
            "-c",
            r#"{"Args":["get","fabcheck"]}"#,
        ],
        None,
    );
    let refused = query.expect_err("the query cannot succeed without its chaincode");
    assert!(
        refused.contains("timeout expired while starting chaincode fabcheck:1.0"),
        "{refused}"
    );
    let report = check(node, work.path());
    let findings = report["findings"].as_array().expect("findings");
    let stopped: Vec<&serde_json::Value> = findings_of(findings, "HEALTH-005")
        .into_iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert!(
        stopped.len() == 1
            && stopped[0]["target"]["name"] == "chaincode container dev-peer0.org3-fabcheck-1.0"
            && stopped[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("error trying to connect to local peer")
                    && m.contains("peer0.org3")
                    && m.contains("see DNS-008")),
        "{:#?}",
        findings_of(findings, "HEALTH-005")
    );
    // Kafka: one broker restarted with unclean leader election on.
    node.restart_with_env(
        "kafka",
        "kafka3",
        "KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE",
        "true",
    );
    let report = check(node, work.path());
    assert_fails_naming(&report, "KAFKA-", "kafka3");
}

const PEERS: [&str; 6] = [
    "peer0.org1",
    "peer1.org1",
    "peer0.org2",
    "peer1.org2",
    "peer0.org3",
    "peer1.org3",
];

/// `fabcheck deploy-and-verify` against the node's kubeconfig, keeping the network, with a
/// JSON report at `report`.
fn deploy_and_verify(node: &RealNode, report: &Path) -> Command {
    let mut run = Command::new(FABCHECK);
    run.arg("deploy-and-verify")
        .args(["--teardown", "never", "--progress", "lines", "-o"])
        .arg(format!("json={}", report.display()))
        .env("KUBECONFIG", &node.plane.kubeconfig);
    run
}

/// `check --probe in-cluster` of what is deployed, waiting first for every StatefulSet.
fn check(node: &RealNode, work: &Path) -> serde_json::Value {
    wait_all_statefulsets_ready(node);
    let (report, took) = node.probe_in_cluster(FABCHECK, work, &[]);
    eprintln!(
        "check --probe in-cluster took {took:?}: {:#?}",
        family_statuses(&report)
    );
    report
}

/// Asserts findings of `family` (an id prefix such as `TLS-`) fail, and every failing one
/// names `name` in its target or message.
fn assert_fails_naming(report: &serde_json::Value, family: &str, name: &str) {
    let findings = report["findings"].as_array().expect("findings");
    let failing: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| {
            f["check_id"]
                .as_str()
                .is_some_and(|id| id.starts_with(family))
                && f["status"] == "fail"
        })
        .collect();
    eprintln!("{family} failures: {failing:#?}");
    let others: Vec<String> = findings
        .iter()
        .filter(|f| {
            f["check_id"]
                .as_str()
                .is_some_and(|id| id.starts_with(family))
                && !matches!(f["status"].as_str(), Some("pass" | "fail"))
        })
        .map(|f| format!("{} {} {}", f["check_id"], f["status"], f["message"]))
        .collect();
    eprintln!("{family} neither passing nor failing: {others:#?}");
    assert!(!failing.is_empty(), "no {family} failure naming {name}");
    for f in &failing {
        assert!(
            f.to_string().contains(name),
            "a {family} failure not about {name}: {f:#}"
        );
    }
}

/// Patches `ns`'s peer0 crypto Secret to hold `from`'s peer0 TLS certificate and key, and
/// restarts the pod.
fn serve_wrong_certificate(node: &RealNode, ns: &str, from: &str) {
    let field = |ns: &str, key: &str| {
        node.kubectl(&[
            "get",
            "secret",
            "peer0-crypto",
            "-n",
            ns,
            "-o",
            &format!("jsonpath={{.data.{}}}", key.replace('.', "\\.")),
        ])
        .trim()
        .to_owned()
    };
    let patch = format!(
        "{{\"data\":{{\"tls_server.crt\":\"{}\",\"tls_server.key\":\"{}\"}}}}",
        field(from, "tls_server.crt"),
        field(from, "tls_server.key")
    );
    node.kubectl(&[
        "patch",
        "secret",
        "peer0-crypto",
        "-n",
        ns,
        "--type",
        "merge",
        "-p",
        &patch,
    ]);
    node.kubectl(&["delete", "pod", "-n", ns, "peer0-0", "--wait=true"]);
}

/// Takes the cluster search domains out of `ns`'s peer0 chaincode runtime: the peer's
/// `CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH` and its dind daemon's `--dns-search` flags — and the
/// pod's `dnsPolicy: Default`, so that the daemon's own resolv.conf (the pod's, which Docker
/// keeps the lists of that it is not given) is the node's, without the cluster's search list
/// either. Chaincode then asks `peer0.org3` as written.
fn drop_chaincode_search_list(node: &RealNode, ns: &str) {
    let get = |path: &str| {
        node.kubectl(&[
            "get",
            "statefulset",
            "peer0",
            "-n",
            ns,
            "-o",
            &format!("jsonpath={path}"),
        ])
    };
    let names = get("{.spec.template.spec.containers[*].name}");
    let names: Vec<&str> = names.split_whitespace().collect();
    let dind = names
        .iter()
        .position(|n| *n == "dind")
        .expect("a dind sidecar");
    let args: Vec<String> = serde_json::from_str(&get(&format!(
        "{{.spec.template.spec.containers[{dind}].args}}"
    )))
    .expect("dind args");
    let kept: Vec<&String> = args
        .iter()
        .filter(|a| !a.starts_with("--dns-search"))
        .collect();
    assert!(kept.len() < args.len(), "no --dns-search in {args:?}");
    let patch = serde_json::json!([
        {"op": "replace", "path": format!("/spec/template/spec/containers/{dind}/args"), "value": kept},
        {"op": "replace", "path": "/spec/template/spec/dnsPolicy", "value": "Default"},
    ]);
    node.kubectl(&[
        "patch",
        "statefulset",
        "peer0",
        "-n",
        ns,
        "--type",
        "json",
        "-p",
        &patch.to_string(),
    ]);
    node.kubectl(&[
        "set",
        "env",
        "statefulset/peer0",
        "-n",
        ns,
        "-c",
        "peer",
        "CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH-",
    ]);
    // An OrderedReady StatefulSet does not replace a pod on its own after a template change
    // while the old pod is not ready; delete it so the new template runs.
    node.kubectl(&["delete", "pod", "-n", ns, "peer0-0", "--wait=true"]);
}

/// Every StatefulSet in every namespace with all its replicas ready.
fn wait_all_statefulsets_ready(node: &RealNode) {
    node.wait_until(
        Duration::from_secs(300),
        "every StatefulSet ready",
        |n| {
            let out = n.kubectl(&[
                "get",
                "statefulsets",
                "-A",
                "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.spec.replicas} {.status.readyReplicas}{\"\\n\"}{end}",
            ]);
            let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
            !lines.is_empty()
                && lines.iter().all(|l| {
                    let parts: Vec<&str> = l.split_whitespace().collect();
                    // A StatefulSet scaled to 0 reports no readyReplicas.
                    parts.len() >= 2 && parts[1] == parts.get(2).copied().unwrap_or("0")
                })
        },
    );
}

fn family_statuses(report: &serde_json::Value) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for f in report["findings"].as_array().into_iter().flatten() {
        let id = f["check_id"].as_str().unwrap_or("");
        let family = id.split('-').next().unwrap_or("");
        if LIVE_FAMILIES.contains(&family) {
            *out.entry(family.to_owned())
                .or_default()
                .entry(f["status"].as_str().unwrap_or("?").to_owned())
                .or_default() += 1;
        }
    }
    out
}

fn targets(findings: &[serde_json::Value], id: &str, status: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f["check_id"] == id && f["status"] == status)
        .map(|f| f["target"]["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn findings_of<'a>(findings: &'a [serde_json::Value], id: &str) -> Vec<&'a serde_json::Value> {
    findings.iter().filter(|f| f["check_id"] == id).collect()
}
