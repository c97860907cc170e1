//! The chaincode-DNS checks over artifacts, through the real binary: the reference network
//! passes, each `fixtures/dns/<ID>/fail` tree fails its check, the real-world manifests in
//! ../shared/realworld get the verdicts an operator would give them, and malformed resolver
//! configuration is reported, never a panic.

#[path = "support/findings.rs"]
mod findings;

use std::path::Path;
use std::process::Command;

use findings::{describe, realworld};
use serde_json::Value;

/// Runs `fabcheck check --artifacts DIR --select DNS -o json` and returns (exit code, findings).
fn dns_check(dir: &Path, extra: &[&str]) -> (i32, Vec<Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["check", "--select", "DNS", "-o", "json", "--artifacts"])
        .arg(dir)
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("fabcheck runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{}: stdout is not JSON ({e}): {stdout}\nstderr: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    (out.status.code().unwrap_or(-1), findings)
}

fn of<'a>(findings: &'a [Value], id: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["check_id"] == id).collect()
}

fn statuses(findings: &[Value], id: &str) -> Vec<String> {
    of(findings, id)
        .iter()
        .map(|f| f["status"].as_str().unwrap_or("?").to_owned())
        .collect()
}

fn all_describe(findings: &[Value]) -> String {
    findings.iter().map(describe).collect::<Vec<_>>().join("\n")
}

fn fixture(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn reference_network_passes_every_static_dns_check() {
    let (code, findings) = dns_check(&fixture("fixtures/reference/chaincode-dns"), &[]);
    assert_eq!(code, 0, "{}", all_describe(&findings));
    for id in ["DNS-001", "DNS-002", "DNS-003", "DNS-004"] {
        assert_eq!(
            statuses(&findings, id),
            vec!["pass", "pass"],
            "{id}: {}",
            all_describe(&findings)
        );
    }
    let dns002 = of(&findings, "DNS-002");
    assert!(
        dns002
            .iter()
            .all(|f| f["message"].as_str().unwrap().contains("candidate 2 of 3")),
        "peer0.orgN completes via the second search domain: {}",
        all_describe(&findings)
    );
    for id in ["DNS-005", "DNS-006", "DNS-007"] {
        assert_eq!(
            statuses(&findings, id),
            vec!["pass"],
            "{id}: {}",
            all_describe(&findings)
        );
    }
}

/// (fixture, check, expected status, words the message must contain)
const FAILING: &[(&str, &str, &str, &str)] = &[
    (
        "DNS-001",
        "DNS-001",
        "fail",
        "no Dns is set for chaincode containers",
    ),
    ("DNS-002", "DNS-002", "fail", "peer0.org1.svc.cluster.local"),
    ("DNS-003", "DNS-003", "warn", "ndots is 1"),
    ("DNS-004", "DNS-004", "warn", "= 450 s"),
    (
        "DNS-005",
        "DNS-005",
        "fail",
        "did you mean CORE_VM_DOCKER_HOSTCONFIG_DNS",
    ),
    ("DNS-006", "DNS-006", "fail", "conflicting options"),
    ("DNS-007", "DNS-007", "fail", "daemon.json is not JSON"),
];

#[test]
fn each_failing_fixture_fails_its_check() {
    for (dir, id, status, words) in FAILING {
        let (code, findings) = dns_check(&fixture(&format!("fixtures/dns/{dir}/fail")), &[]);
        let hits: Vec<&Value> = of(&findings, id)
            .into_iter()
            .filter(|f| f["status"] == *status)
            .collect();
        assert!(
            !hits.is_empty()
                && hits
                    .iter()
                    .any(|f| f["message"].as_str().unwrap().contains(words)),
            "{dir}: expected a {status} {id} saying '{words}':\n{}",
            all_describe(&findings)
        );
        let gating = *status == "fail";
        assert_eq!(code, if gating { 1 } else { 0 }, "{dir}: exit code");
    }
}

#[test]
fn commented_out_and_misspelled_settings_name_their_lines() {
    let (_, findings) = dns_check(&fixture("fixtures/dns/DNS-005/fail"), &[]);
    let fails = of(&findings, "DNS-005");
    let text = all_describe(&findings);
    assert_eq!(fails.len(), 2, "{text}");
    assert!(
        fails.iter().any(|f| f["target"]["locator"] == "line 37"
            && f["message"].as_str().unwrap().contains("commented out")),
        "{text}"
    );
    assert!(
        fails
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("$NGINX_PROXY_DNS")),
        "{text}"
    );
}

#[test]
fn cluster_dns_flag_judges_nameservers_when_the_service_is_not_among_the_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("fixtures/reference/chaincode-dns");
    copy_tree(&src, dir.path());
    std::fs::remove_file(dir.path().join("kube-dns.yaml")).unwrap();
    let (_, findings) = dns_check(dir.path(), &[]);
    assert_eq!(
        statuses(&findings, "DNS-001"),
        vec!["skip", "skip"],
        "{}",
        all_describe(&findings)
    );
    let (_, findings) = dns_check(dir.path(), &["--cluster-dns", "10.96.0.99"]);
    assert_eq!(
        statuses(&findings, "DNS-001"),
        vec!["fail", "fail"],
        "{}",
        all_describe(&findings)
    );
    let (_, findings) = dns_check(dir.path(), &["--cluster-dns", "10.96.0.10"]);
    assert_eq!(
        statuses(&findings, "DNS-001"),
        vec!["pass", "pass"],
        "{}",
        all_describe(&findings)
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

// ---- the real-world manifests ------------------------------------------------------------

#[test]
fn cello_misspelled_key_with_a_variable_and_a_commented_out_dns_line() {
    let (_, findings) = dns_check(&realworld("hyperledger__cello"), &[]);
    let text = all_describe(&findings);
    let dns005 = of(&findings, "DNS-005");
    let misspelled: Vec<_> = dns005
        .iter()
        .filter(|f| {
            let m = f["message"].as_str().unwrap();
            m.contains("CORE_VM_HOSTCONFIG_DNS is not a key Fabric reads")
                && m.contains("$NGINX_PROXY_DNS")
        })
        .collect();
    // peer0..peer3.yaml of the fabric-1.0 k8s setup scripts.
    assert_eq!(misspelled.len(), 4, "{text}");
    assert!(misspelled.iter().all(|f| f["status"] == "fail"));
    let commented: Vec<_> = dns005
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("CORE_VM_DOCKER_HOSTCONFIG_DNS is commented out")
        })
        .collect();
    // The fabric-1.2 templates (peer0/1 of org1/2) and the Helm chart's peer template.
    assert_eq!(commented.len(), 5, "{text}");
    assert!(
        commented.iter().any(|f| f["target"]["name"]
            .as_str()
            .unwrap()
            .ends_with("fabric-1.2/peer0.org1.tpl")
            && f["target"]["locator"] == "line 36"),
        "{text}"
    );
    // With the key misspelled, nothing points the docker.sock chaincode at the cluster DNS.
    let dns001: Vec<_> = of(&findings, "DNS-001")
        .into_iter()
        .filter(|f| {
            f["target"]["name"]
                .as_str()
                .unwrap()
                .starts_with("chaincode of default/hyperledger-peer")
        })
        .collect();
    assert_eq!(dns001.len(), 4, "{text}");
    assert!(dns001.iter().all(|f| f["status"] == "fail"), "{text}");
}

#[test]
fn ibm_and_feitnomore_mount_docker_sock_with_no_dns_setting() {
    for (tree, peers) in [
        ("IBM-Blockchain__ibm-container-service", 6),
        ("feitnomore__hyperledger-fabric-kubernetes", 8),
    ] {
        let (code, findings) = dns_check(&realworld(tree), &[]);
        let text = all_describe(&findings);
        let dns001 = of(&findings, "DNS-001");
        assert_eq!(dns001.len(), peers, "{tree}: {text}");
        for f in &dns001 {
            assert_eq!(f["status"], "fail", "{tree}: {}", describe(f));
            assert!(
                f["message"].as_str().unwrap().contains("docker.sock"),
                "{}",
                describe(f)
            );
        }
        assert!(
            statuses(&findings, "DNS-002").iter().all(|s| s == "fail"),
            "{tree}: {text}"
        );
        assert_eq!(code, 1, "{tree}");
    }
}

#[test]
fn test_network_k8s_runs_chaincode_as_a_service_with_no_docker_path() {
    let (code, findings) = dns_check(
        &realworld("hyperledger__fabric-samples/main/test-network-k8s"),
        &[],
    );
    let text = all_describe(&findings);
    let dns001 = of(&findings, "DNS-001");
    assert_eq!(dns001.len(), 4, "{text}");
    for f in &dns001 {
        assert_eq!(f["status"], "pass", "{}", describe(f));
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("external builders (ccaas_builder, k8s_builder)"),
            "{}",
            describe(f)
        );
    }
    // The chaincode pods reach their peer's chaincode address through ClusterFirst.
    assert!(
        statuses(&findings, "DNS-002").iter().all(|s| s == "pass"),
        "{text}"
    );
    assert_eq!(statuses(&findings, "DNS-006"), vec!["skip"], "{text}");
    assert_eq!(code, 0, "{text}");
}

// ---- bad input -----------------------------------------------------------------------------

#[test]
fn malformed_resolver_configuration_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("fixtures/reference/chaincode-dns"), dir.path());
    let node = dir.path().join("node/etc");
    // Broken shell quoting in DOCKER_OPTS.
    std::fs::write(
        node.join("default/docker"),
        "DOCKER_OPTS=\"--dns 10.96.0.10 --dns-search 'svc.cluster.local\n",
    )
    .unwrap();
    // daemon.json that is not JSON.
    std::fs::create_dir_all(node.join("docker")).unwrap();
    std::fs::write(node.join("docker/daemon.json"), "dns = 10.96.0.10\n").unwrap();
    // A node resolv.conf with 100 nameservers, an IPv6 one with a zone id, and a search domain
    // longer than a DNS name can be.
    let mut resolv: String = (0..100)
        .map(|i| format!("nameserver 10.0.{}.{}\n", i / 250, i % 250 + 1))
        .collect();
    resolv.push_str("nameserver fe80::1%eth0\n");
    resolv.push_str(&format!("search {} svc.cluster.local\n", "x".repeat(300)));
    std::fs::write(node.join("resolv.conf"), resolv).unwrap();

    let (code, findings) = dns_check(dir.path(), &[]);
    let text = all_describe(&findings);
    let dns007 = of(&findings, "DNS-007");
    let says = |words: &str| {
        dns007
            .iter()
            .any(|f| f["status"] == "fail" && f["message"].as_str().unwrap().contains(words))
    };
    assert!(says("unbalanced quotes"), "{text}");
    assert!(says("daemon.json is not JSON"), "{text}");
    assert!(says("glibc uses only the first 3"), "{text}");
    assert!(says("longer than a DNS name can be"), "{text}");
    // Every finding names its file.
    for f in &dns007 {
        assert!(
            f["target"]["name"].as_str().unwrap().contains("node/etc"),
            "{}",
            describe(f)
        );
    }
    // With the daemon's options unreadable, chaincode falls back to the node's resolv.conf:
    // judged, not guessed, and the run still finishes.
    assert!(!of(&findings, "DNS-001").is_empty(), "{text}");
    assert_eq!(code, 1);
}

/// A Kubernetes peer as charts commonly write it: the node's `/var/run` mounted at
/// `/host/var/run`, the endpoint a socket inside it; `hostpath_dir` says which host folder.
fn socket_folder_peer(name: &str, host_dir: &str, mount_at: &str) -> String {
    format!(
        "apiVersion: apps/v1\n\
         kind: Deployment\n\
         metadata:\n  name: {name}\n  namespace: org1\n\
         spec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n\
         \x20     containers:\n\
         \x20       - name: peer\n\
         \x20         image: hyperledger/fabric-peer:1.4.12\n\
         \x20         env:\n\
         \x20           - name: CORE_PEER_ADDRESS\n              value: {name}.org1:7051\n\
         \x20           - name: CORE_VM_ENDPOINT\n              value: unix:///host/var/run/docker.sock\n\
         \x20         volumeMounts:\n\
         \x20           - name: run\n              mountPath: {mount_at}\n\
         \x20     volumes:\n\
         \x20       - name: run\n          hostPath:\n            path: {host_dir}\n"
    )
}

/// Issue 13, class 1: a socket inside a mounted folder counts as mounted (the peer launches
/// chaincode through the node's Docker, whose DNS is then judged: DNS-001 fails, no cluster
/// DNS), and a peer whose endpoint points at a socket nothing mounts is a finding (chaincode
/// cannot start) — neither vanishes into "no peers found".
#[test]
fn a_docker_socket_in_a_mounted_folder_counts_and_an_unmounted_one_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("peer0.yaml"),
        socket_folder_peer("peer0", "/var/run", "/host/var/run"),
    )
    .unwrap();
    let (code, findings) = dns_check(dir.path(), &[]);
    assert_eq!(code, 1, "{}", all_describe(&findings));
    assert!(
        statuses(&findings, "DNS-001").contains(&"fail".to_owned()),
        "the node's Docker daemon resolves chaincode names: {}",
        all_describe(&findings)
    );
    assert!(
        of(&findings, "DNS-001")
            .iter()
            .all(|f| !f["message"].as_str().unwrap_or("").contains("no peers")),
        "{}",
        all_describe(&findings)
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("peer0.yaml"),
        socket_folder_peer("peer0", "/var/lib", "/host/var/lib"),
    )
    .unwrap();
    let (code, findings) = dns_check(dir.path(), &[]);
    assert_eq!(code, 1, "{}", all_describe(&findings));
    let cannot: Vec<&Value> = of(&findings, "DNS-006")
        .into_iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert_eq!(cannot.len(), 1, "{}", all_describe(&findings));
    let message = cannot[0]["message"].as_str().unwrap();
    assert!(message.contains("cannot start"), "{message}");
    assert!(
        message.contains("unix:///host/var/run/docker.sock"),
        "{message}"
    );
}

#[test]
fn every_resolver_dependent_verdict_says_which_resolver_it_assumed() {
    // The reference network lists a LAN server beside the cluster DNS (NetworkMode bridge, so
    // chaincode's resolv.conf names both). Go chaincode (assumed: the language is not in the
    // artifacts) asks the cluster DNS first; musl asks both at once.
    let dir = fixture("fixtures/reference/chaincode-dns");
    let (code, findings) = dns_check(&dir, &[]);
    assert_eq!(code, 0, "{}", all_describe(&findings));
    for id in ["DNS-001", "DNS-002", "DNS-003", "DNS-004"] {
        for f in of(&findings, id) {
            let message = f["message"].as_str().unwrap_or("");
            assert!(
                message.contains("assuming Go's resolver (Go chaincode"),
                "{}",
                describe(f)
            );
            assert!(f["evidence"]["resolver"].is_string(), "{}", describe(f));
        }
    }
    let dns001 = of(&findings, "DNS-001");
    assert!(!dns001.is_empty());
    for f in &dns001 {
        let others = f["evidence"]["other_resolvers"].to_string();
        assert!(
            others.contains("musl: fail") && others.contains("asks every nameserver at once"),
            "{}",
            describe(f)
        );
    }

    let (code, findings) = dns_check(&dir, &["--chaincode-resolver", "musl"]);
    assert_eq!(code, 1, "{}", all_describe(&findings));
    let dns001 = of(&findings, "DNS-001");
    assert!(!dns001.is_empty());
    for f in dns001 {
        assert_eq!(f["status"], "fail", "{}", describe(f));
        let message = f["message"].as_str().unwrap_or("");
        assert!(
            message.contains("an NXDOMAIN from 192.168.1.1 for a cluster name can win")
                && message.ends_with("assuming musl (--chaincode-resolver musl)"),
            "{}",
            describe(f)
        );
    }
}

#[test]
fn with_ndots_1_musl_never_completes_a_dotted_service_name() {
    // DNS-003/fail: ndots:1. glibc and Go ask peer0.org1 as written first and then search
    // (DNS-002 passes, DNS-003 warns); musl never searches it (DNS-002 fails).
    let dir = fixture("fixtures/dns/DNS-003/fail");
    let (_, findings) = dns_check(&dir, &["--chaincode-resolver", "glibc"]);
    assert!(
        statuses(&findings, "DNS-002").iter().all(|s| s == "pass"),
        "{}",
        all_describe(&findings)
    );
    let (code, findings) = dns_check(&dir, &["--chaincode-resolver", "musl"]);
    assert_eq!(code, 1, "{}", all_describe(&findings));
    let failing: Vec<&Value> = of(&findings, "DNS-002")
        .into_iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert!(!failing.is_empty(), "{}", all_describe(&findings));
    for f in failing {
        let message = f["message"].as_str().unwrap_or("");
        assert!(
            message.contains("musl asks it only as written and never tries the search list"),
            "{}",
            describe(f)
        );
    }
}
