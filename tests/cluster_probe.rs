//! `check --probe in-cluster` against a real control plane: the probe Job's pod really runs
//! (the stand-in kubelet starts this build's fabcheck with the pod's arguments, environment
//! and service account), probes the network's Services, and hands its findings back through
//! a ConfigMap; and every probe object is gone afterwards, also when the pod never starts.
//!
//! Here the Services' names do not resolve for the Job's pod (no cluster DNS runs for it), so
//! its verdicts are failures; what is asserted is where they came from, and the cleanup.
//!
//! Chaincode DNS is probed from every node: the stand-in kubelet registers two nodes and runs
//! the DaemonSet's pod on each, with the node's resolv.conf and a stand-in for its kube-proxy
//! that sends the cluster DNS Service address to a real DNS server (dnsmasq) — on one node; on
//! the other the Service address leads to a server that never answers.

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/control_plane.rs"]
mod control_plane;
#[path = "support/dns_server.rs"]
mod dns_server;
#[path = "support/kubelet.rs"]
mod kubelet;

use bounded::{run_bounded, text};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use control_plane::{ADMIN, ControlPlane, READER};
use kubelet::Kubelet;

const PROBE_NAMESPACE: &str = "fabcheck-system";
const FABCHECK: &str = env!("CARGO_BIN_EXE_fabcheck");

/// `fabcheck check`, probing from inside the cluster.
fn check_in_cluster(
    plane: &ControlPlane,
    context: &str,
    extra: &[&str],
    limit: Duration,
) -> Output {
    let mut cmd = Command::new(FABCHECK);
    cmd.args([
        "check",
        "--probe",
        "in-cluster",
        "--probe-image",
        "fabcheck:test",
    ])
    .args(plane.context_args(context))
    .args(["--request-timeout", "10s"])
    .args(extra);
    run_bounded(cmd, limit)
}

/// The reader's rights (rbac/reader.yaml), and optionally the probe's (rbac/in-cluster-probe.yaml)
/// bound to the reader user as well as to its ServiceAccount.
fn grant(plane: &ControlPlane, probe_rights: bool) {
    plane.bind_repository_rbac();
    if !probe_rights {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rbac");
    let yaml = std::fs::read_to_string(root.join("in-cluster-probe.yaml")).expect("rbac file");
    plane.apply_yaml(&yaml);
    plane.apply_yaml(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n\
         metadata:\n  name: fabcheck-in-cluster-probe-test-user\n  namespace: fabcheck-system\n\
         roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: fabcheck-in-cluster-probe\n\
         subjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: fabcheck-reader\n",
    );
}

/// Probe objects still in the cluster: anything labelled as the probe's, and anything named
/// like a probe run's in the probe namespace (the service account's token Secret included).
fn leftovers(plane: &ControlPlane) -> Vec<String> {
    let kinds = "jobs,daemonsets,pods,configmaps,serviceaccounts,roles,rolebindings,secrets";
    let labelled = plane.kubectl(&[
        "get",
        kinds,
        "--all-namespaces",
        "-l",
        "fabcheck.io/component=probe",
        "-o",
        "name",
    ]);
    let named = plane.kubectl(&["get", kinds, "-n", PROBE_NAMESPACE, "-o", "name"]);
    labelled
        .lines()
        .chain(named.lines().filter(|l| l.contains("fabcheck-probe-")))
        .map(str::to_owned)
        .collect()
}

/// Waits (bounded) until nothing of the probe is left: the Job's pod and the service
/// account's token go shortly after their owners, by the garbage collector and token
/// controller.
fn assert_nothing_left(plane: &ControlPlane) {
    let start = Instant::now();
    loop {
        let left = leftovers(plane);
        if left.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(45),
            "probe objects left behind: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Renders fabcheck's reference network into `work` and applies its manifests, as an
/// operator's own tooling would have deployed a network fabcheck is then pointed at.
fn apply_reference_network(plane: &ControlPlane, work: &Path) {
    let rendered = work.join("network");
    let mut render = Command::new(FABCHECK);
    render.args(["render", "--out"]).arg(&rendered);
    let out = run_bounded(render, Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    plane.kubectl(&[
        "apply",
        "--server-side",
        "--field-manager=fabcheck-test",
        "-f",
        rendered.join("manifests").to_str().expect("utf-8 path"),
    ]);
    // The StatefulSet controller creates each org's peers one after another; the probe's daemon
    // route looks for running peer pods, so the run starts once all six run (a peer whose pod
    // is not there yet would be "no running pod", not the RBAC refusal the tests look for).
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let phases = plane.kubectl(&[
            "get",
            "pods",
            "--all-namespaces",
            "-l",
            "fabcheck.io/component=peer",
            "-o",
            "jsonpath={.items[*].status.phase}",
        ]);
        if phases
            .split_whitespace()
            .filter(|p| *p == "Running")
            .count()
            >= 6
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "peer pods not all Running after 90 s: {phases}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// `check --probe in-cluster --timeout TIMEOUT` as the reader, with a JSON report written into
/// `work`: the report, how long the run took, and its output. The run must finish with a
/// verdict (exit 0 or 1), whatever the verdict.
fn check_to_report(
    plane: &ControlPlane,
    work: &Path,
    timeout: &str,
    extra: &[&str],
) -> (serde_json::Value, Duration, Output) {
    let report_path = work.join("report.json");
    let started = Instant::now();
    let output = format!("json={}", report_path.display());
    let mut args = vec!["--timeout", timeout, "-o", &output];
    args.extend_from_slice(extra);
    let out = check_in_cluster(plane, READER, &args, Duration::from_secs(180));
    let took = started.elapsed();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let report =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("report written"))
            .expect("report is JSON");
    (report, took, out)
}

/// `check --probe in-cluster --timeout 5s` as the reader, where the probe cannot give its
/// findings: exit 3; returns stderr and how long the run took.
fn check_that_cannot_probe(plane: &ControlPlane) -> (String, Duration) {
    let started = Instant::now();
    let out = check_in_cluster(
        plane,
        READER,
        &["--timeout", "5s"],
        Duration::from_secs(120),
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    (String::from_utf8_lossy(&out.stderr).into_owned(), took)
}

/// The audit log's requests by the probe pods' service accounts: `verb resource/name`.
fn requests_by_probe_accounts(plane: &ControlPlane) -> Vec<String> {
    let log = std::fs::read_to_string(&plane.audit_log).unwrap_or_default();
    log.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| {
            e["user"]["username"].as_str().is_some_and(|u| {
                u.starts_with(&format!(
                    "system:serviceaccount:{PROBE_NAMESPACE}:fabcheck-probe-"
                ))
            })
        })
        .map(|e| {
            format!(
                "{} {}/{} {}",
                e["verb"].as_str().unwrap_or(""),
                e["objectRef"]["resource"].as_str().unwrap_or(""),
                e["objectRef"]["name"].as_str().unwrap_or(""),
                e["responseStatus"]["code"]
            )
        })
        .collect()
}

#[test]
fn probe_runs_inside_reports_back_and_leaves_nothing_behind() {
    let plane = ControlPlane::start();
    grant(&plane, true);
    let _kubelet = Kubelet::start_with_probe_binary(
        &plane.kubeconfig,
        &[],
        Path::new(FABCHECK),
        plane.api_port,
    );
    let work = tempfile::tempdir().expect("temp dir");
    apply_reference_network(&plane, work.path());

    // The probe's verdicts are failures here (nothing resolves); the run itself finished.
    let (report, took, out) = check_to_report(&plane, work.path(), "15s", &[]);
    assert!(
        took < Duration::from_secs(90),
        "took {took:?}: {}",
        text(&out)
    );
    let findings = report["findings"].as_array().expect("findings");
    let of = |prefix: &str| -> Vec<&serde_json::Value> {
        findings
            .iter()
            .filter(|f| f["check_id"].as_str().unwrap_or("").starts_with(prefix))
            .collect()
    };
    let probed = |f: &&serde_json::Value| {
        f["evidence"]["probed_from"].as_str().is_some_and(|p| {
            p.starts_with(&format!(
                "in-cluster probe pod {PROBE_NAMESPACE}/fabcheck-probe-"
            ))
        })
    };

    // Every peer and orderer was dialled by its Service name, from the pod, verified against
    // the TLS root its own Secret holds.
    let tls = of("TLS-001");
    let mut dialled: Vec<&str> = tls
        .iter()
        .filter_map(|f| f["target"]["name"].as_str())
        .collect();
    dialled.sort();
    let mut expected: Vec<String> = Vec::new();
    for org in ["org1", "org2", "org3"] {
        for peer in ["peer0", "peer1"] {
            expected.push(format!("{peer}.{org}.svc:7051"));
        }
    }
    for orderer in ["orderer0", "orderer1", "orderer2"] {
        expected.push(format!("{orderer}.orgorderer1.svc:7050"));
    }
    expected.sort();
    for want in &expected {
        assert!(
            dialled.contains(&want.as_str()),
            "{want} not dialled: {dialled:?}"
        );
    }
    for f in of("TLS-") {
        assert!(probed(&f), "TLS finding not from the probe pod: {f:#}");
        assert!(
            f["evidence"]["tls_root"]
                .as_str()
                .is_some_and(|r| r.starts_with("Secret ")),
            "{f:#}"
        );
        assert!(
            !f["message"]
                .as_str()
                .unwrap_or("")
                .contains("verification off"),
            "{f:#}"
        );
    }
    // Not reachable from here either, but the pod's own answer: a name that does not resolve.
    assert!(tls.iter().all(|f| f["status"] == "error"), "{tls:#?}");

    // ZooKeeper and Kafka, likewise by their Services.
    let zk = of("ZK-005");
    assert!(!zk.is_empty() && zk.iter().all(probed), "{zk:#?}");
    assert!(
        zk.iter().any(|f| f["target"]["name"]
            .as_str()
            .unwrap_or("")
            .contains(".kafka.svc:2181")),
        "{zk:#?}"
    );
    let kafka = of("KAFKA-014");
    assert!(!kafka.is_empty() && kafka.iter().all(probed), "{kafka:#?}");
    assert!(
        kafka.iter().any(|f| f["target"]["name"]
            .as_str()
            .unwrap_or("")
            .contains(".kafka.svc:9092")),
        "{kafka:#?}"
    );
    // None of the runner's own "probes run from inside: add --probe in-cluster" skips of the
    // probed checks survived.
    let probed_ids = [
        "TLS-",
        "ZK-005",
        "ZK-006",
        "KAFKA-014",
        "KAFKA-015",
        "KAFKA-016",
        "KAFKA-017",
    ];
    for f in findings {
        let id = f["check_id"].as_str().unwrap_or("");
        if probed_ids.iter().any(|p| id.starts_with(p)) {
            assert!(probed(&f), "{f:#}");
            let message = f["message"].as_str().unwrap_or("");
            assert!(!message.contains("add --probe in-cluster"), "{f:#}");
        }
    }
    // No node exists here, so the node DNS DaemonSet had nowhere to run: an error, not a pass.
    // And the reader user may not port-forward to the peers' dind daemons (only the reader
    // ServiceAccount is bound to that ClusterRole): one error per peer pod naming the rights.
    let dns = of("DNS-008");
    let (nodes, daemons): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) =
        dns.iter().copied().partition(|f| {
            f["target"]["locator"]
                .as_str()
                .is_some_and(|l| l.contains("probe pod"))
        });
    assert!(
        !nodes.is_empty(),
        "no DNS-008 findings from nodes: {dns:#?}"
    );
    for f in &nodes {
        assert_eq!(f["status"], "error", "{f:#}");
        assert!(
            f["message"]
                .as_str()
                .unwrap_or("")
                .contains("desiredNumberScheduled 0"),
            "{f:#}"
        );
    }
    assert_eq!(daemons.len(), 6, "one per peer pod: {daemons:#?}");
    for f in &daemons {
        assert_eq!(f["status"], "error", "{f:#}");
        let message = f["message"].as_str().unwrap_or("");
        assert!(
            message.contains("through a port-forward to org")
                && message.contains("forbidden (HTTP 403)")
                && message.contains("pods/portforward")
                && message.contains("rbac/in-cluster-probe.yaml"),
            "{f:#}"
        );
    }
    // The static checks are still the runner's (the pod does not read files).
    assert!(
        findings
            .iter()
            .any(|f| f["check_id"] == "ZK-001" && f["evidence"].get("probed_from").is_none()),
        "ZK-001 from the manifests missing"
    );

    // The pod read its targets and wrote its result with its own service account, and did
    // nothing else.
    let requests = requests_by_probe_accounts(&plane);
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("get configmaps/fabcheck-probe-")
                && r.contains("-targets ")
                && r.ends_with(" 200")),
        "{requests:#?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("patch configmaps/fabcheck-probe-")
                && r.contains("-result ")
                && (r.ends_with(" 200") || r.ends_with(" 201"))),
        "{requests:#?}"
    );
    assert!(
        requests.iter().all(|r| r.contains(" configmaps/")),
        "{requests:#?}"
    );

    assert_nothing_left(&plane);
    // The probe namespace (reader.yaml's) is still there: fabcheck did not create it.
    plane.kubectl(&["get", "namespace", PROBE_NAMESPACE]);

    // A probe namespace that does not exist is made (by whoever may), and deleted again when
    // the run that made it ends.
    let out = check_in_cluster(
        &plane,
        ADMIN,
        &[
            "--timeout",
            "15s",
            "--probe-namespace",
            "probe-elsewhere",
            "-o",
            "json=-",
        ],
        Duration::from_secs(180),
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report is JSON");
    let from_elsewhere = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["evidence"]["probed_from"].as_str().is_some_and(|p| {
                p.starts_with("in-cluster probe pod probe-elsewhere/fabcheck-probe-")
            })
        })
        .count();
    assert!(from_elsewhere > 0, "{}", text(&out));
    assert_nothing_left(&plane);
    assert_namespace_gone(&plane, "probe-elsewhere");
}

/// Waits (bounded) until the namespace is gone or being deleted: fabcheck asked for its
/// deletion, and the namespace controller finishes it.
fn assert_namespace_gone(plane: &ControlPlane, namespace: &str) {
    let start = Instant::now();
    loop {
        match plane.kubectl_as(
            ADMIN,
            &[
                "get",
                "namespace",
                namespace,
                "-o",
                "jsonpath={.status.phase}",
            ],
            None,
        ) {
            Err(e) if e.contains("NotFound") => return,
            Ok(phase) if phase.trim() == "Terminating" => return,
            other => assert!(
                start.elapsed() < Duration::from_secs(30),
                "namespace {namespace} left behind: {other:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Each `-o` output of a run: JSON, JUnit and table files under `dir`.
fn output_args(dir: &Path) -> Vec<String> {
    ["json=report.json", "junit=report.xml", "table=report.txt"]
        .iter()
        .flat_map(|o| {
            let (format, file) = o.split_once('=').expect("format=file");
            [
                "-o".to_owned(),
                format!("{format}={}", dir.join(file).display()),
            ]
        })
        .collect()
}

#[test]
fn probe_whose_image_cannot_be_pulled_fails_within_seconds_and_still_reports() {
    let plane = ControlPlane::start();
    grant(&plane, true);
    // The node has no fabcheck:test and cannot pull it: ErrImagePull, then ImagePullBackOff.
    kubelet::missing_images(&["fabcheck:test"]);
    let _kubelet = Kubelet::start_with_probe_binary(
        &plane.kubeconfig,
        &[],
        Path::new(FABCHECK),
        plane.api_port,
    );
    let work = tempfile::tempdir().expect("temp dir");
    apply_reference_network(&plane, work.path());
    let outputs = output_args(work.path());
    let mut args: Vec<&str> = vec!["--timeout", "30s"];
    args.extend(outputs.iter().map(String::as_str));

    // The bound is four times --timeout (2 minutes); a pull that failed is known at once.
    let started = Instant::now();
    let out = check_in_cluster(&plane, READER, &args, Duration::from_secs(180));
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        took < Duration::from_secs(30),
        "took {took:?}: {}",
        text(&out)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("failed to start the in-cluster probe (image fabcheck:test)"),
        "{err}"
    );
    assert!(
        err.contains("ErrImagePull") || err.contains("ImagePullBackOff"),
        "{err}"
    );
    assert!(
        err.contains("Failed to pull image \"fabcheck:test\""),
        "{err}"
    );

    // Every output is written, with the failure in it.
    let json = std::fs::read_to_string(work.path().join("report.json")).expect("json report");
    let report: serde_json::Value = serde_json::from_str(&json).expect("json");
    let findings = report["findings"].as_array().expect("findings");
    let failed: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["check_id"] == "TLS-001")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["status"], "error", "{:#}", failed[0]);
    let message = failed[0]["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("could not evaluate: the in-cluster probe failed")
            && message.contains("fabcheck:test")
            && message.contains("Failed to pull image"),
        "{message}"
    );
    assert_eq!(failed[0]["evidence"]["probe_image"], "fabcheck:test");
    // The probed checks' skips gave way to the failure; the static checks still ran.
    for f in findings {
        let id = f["check_id"].as_str().unwrap_or("");
        if id.starts_with("TLS-") || id == "ZK-005" || id.starts_with("KAFKA-014") {
            assert_eq!(f["status"], "error", "{f:#}");
        }
    }
    assert!(
        findings
            .iter()
            .any(|f| f["check_id"] == "ZK-001" && f["evidence"].get("probed_from").is_none()),
        "static checks missing"
    );
    let junit = std::fs::read_to_string(work.path().join("report.xml")).expect("junit report");
    assert!(
        junit.contains("<error") && junit.contains("fabcheck:test"),
        "{junit}"
    );
    let table = std::fs::read_to_string(work.path().join("report.txt")).expect("table report");
    assert!(
        table.contains("TLS-001") && table.contains("fabcheck:test"),
        "{table}"
    );
    // Discovery counted kube-system's DNS Service once.
    let dns_services = report["discovery"]["objects"]
        .as_array()
        .expect("discovery")
        .iter()
        .filter(|o| o["kind"] == "Service" && o["namespace"] == "kube-system")
        .count();
    assert_eq!(dns_services, 1, "{:#}", report["discovery"]);
    assert_nothing_left(&plane);

    // In a namespace the run creates: also removed, the namespace with it.
    let out = check_in_cluster(
        &plane,
        ADMIN,
        &["--timeout", "30s", "--probe-namespace", "probe-fresh"],
        Duration::from_secs(180),
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_nothing_left(&plane);
    assert_namespace_gone(&plane, "probe-fresh");
}

#[test]
fn probe_that_cannot_run_or_never_starts_fails_clearly_and_cleans_up() {
    let plane = ControlPlane::start();
    // The pod's image never arrives.
    let kubelet = Kubelet::start_with_probe_binary(
        &plane.kubeconfig,
        &["fabcheck-probe-"],
        Path::new(FABCHECK),
        plane.api_port,
    );

    // Without rbac/in-cluster-probe.yaml the reader may look, not make the probe's objects.
    grant(&plane, false);
    let (err, _) = check_that_cannot_probe(&plane);
    assert!(
        err.contains(&format!(
            "failed to create ConfigMap {PROBE_NAMESPACE}/fabcheck-probe-"
        )),
        "{err}"
    );
    assert!(err.contains("forbidden"), "{err}");
    assert!(err.contains("rbac/in-cluster-probe.yaml"), "{err}");
    // Nothing was made, so there is nothing it failed to remove.
    assert!(!err.contains("failed to remove"), "{err}");
    assert_nothing_left(&plane);

    // With it, the Job is made and its pod cannot pull its image: the wait ends as soon as
    // that is known, not at its bound (four times --timeout).
    grant(&plane, true);
    let (err, took) = check_that_cannot_probe(&plane);
    assert!(
        err.contains("failed to start the in-cluster probe (image fabcheck:test)"),
        "{err}"
    );
    assert!(
        err.contains(&format!("Job {PROBE_NAMESPACE}/fabcheck-probe-")),
        "{err}"
    );
    assert!(err.contains("ImagePullBackOff"), "pod state missing: {err}");
    assert!(took < Duration::from_secs(20), "took {took:?}: {err}");
    assert_nothing_left(&plane);

    // A probe that starts and fails: the Job fails at once, and the error says how.
    drop(kubelet);
    let work = tempfile::tempdir().expect("temp dir");
    let failing = work.path().join("failing-probe");
    std::fs::write(&failing, "#!/bin/sh\necho 'probe exploded' >&2\nexit 3\n").expect("script");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&failing, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let _kubelet =
        Kubelet::start_with_probe_binary(&plane.kubeconfig, &[], &failing, plane.api_port);
    let (err, took) = check_that_cannot_probe(&plane);
    assert!(
        err.contains(&format!(
            "failed to get the probe's findings: Job {PROBE_NAMESPACE}/fabcheck-probe-"
        )),
        "{err}"
    );
    assert!(err.contains("BackoffLimitExceeded"), "{err}");
    assert!(err.contains("terminated: Error (exit 3)"), "{err}");
    assert!(
        took < Duration::from_secs(20),
        "waited for the bound: {took:?}: {err}"
    );
    assert_nothing_left(&plane);
}

/// The reference network's six peers, each with its Service in its org's namespace.
fn reference_zone() -> dns_server::ZoneSpec {
    let mut zone = dns_server::ZoneSpec::default();
    for (o, org) in ["org1", "org2", "org3"].iter().enumerate() {
        for (p, peer) in ["peer0", "peer1"].iter().enumerate() {
            zone = zone.record(
                &format!("{peer}.{org}.svc.cluster.local"),
                &format!("10.96.{}.{}", 11 + o, 10 + p),
            );
        }
    }
    zone
}

#[test]
fn chaincode_dns_is_looked_up_from_every_node() {
    let plane = ControlPlane::start();
    grant(&plane, true);
    let dns = dns_server::DnsServer::start(&reference_zone());
    let silent = dns_server::SilentServer::start();
    // The nodes' own resolv.conf: the reference's chaincode sets every list itself (Docker's
    // --dns, --dns-search, --dns-opt on the DinD sidecar), so this file must not matter.
    let node_file = "nameserver 127.0.0.53\nsearch corp.example\noptions edns0\n".to_owned();
    let node = |name: &str, dns: std::net::SocketAddr| kubelet::NodeNet {
        name: name.to_owned(),
        resolv_conf: node_file.clone(),
        service_nat: format!("{}={dns}", control_plane::CLUSTER_DNS),
        cannot_pull: false,
    };
    // node-c cannot pull fabcheck's image: its probe never reports.
    let held = kubelet::NodeNet {
        cannot_pull: true,
        ..node("node-c", dns.addr())
    };
    let _kubelet = Kubelet::start_with_probe_binary_on_nodes(
        &plane.kubeconfig,
        &[],
        Path::new(FABCHECK),
        plane.api_port,
        vec![
            node("node-a", dns.addr()),
            node("node-b", silent.addr()),
            held,
        ],
    );
    let work = tempfile::tempdir().expect("temp dir");
    apply_reference_network(&plane, work.path());

    // The wait is bounded by four times --timeout (40 s): node-c's report never comes. Each
    // name on node-b costs two silent queries of timeout:2 × attempts:2 (glibc ends the search
    // list at the first timeout, then still asks the name as written: res_query.c), 8 s, which
    // the 10 s bound leaves room for.
    // The nodes' lookups only (the stand-in kubelet runs no dind sidecar to forward to), in
    // glibc's order, whose timing on node-b the bound is worked out for (Go's resolver, which
    // the reference network's chaincode is assumed to use, goes on after every timeout).
    let (report, took, out) = check_to_report(
        &plane,
        work.path(),
        "10s",
        &["--no-peer-daemons", "--chaincode-resolver", "glibc"],
    );
    assert!(
        took >= Duration::from_secs(40) && took < Duration::from_secs(100),
        "took {took:?}: {}",
        text(&out)
    );
    let findings: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check_id"] == "DNS-008")
        .collect();
    let on = |node: &str| -> Vec<&serde_json::Value> {
        findings
            .iter()
            .copied()
            .filter(|f| {
                f["target"]["locator"]
                    .as_str()
                    .is_some_and(|l| l.ends_with(&format!("on node {node}")))
            })
            .collect()
    };
    let (a, b) = (on("node-a"), on("node-b"));
    // node-c is one error per chaincode context, saying what became of its pod.
    let missing: Vec<&serde_json::Value> = findings
        .iter()
        .copied()
        .filter(|f| f["status"] == "error")
        .collect();
    assert_eq!(missing.len(), 6, "{missing:#?}");
    for f in &missing {
        let message = f["message"].as_str().unwrap_or("");
        assert!(
            message.contains("not every node reported within 40s")
                && message.contains("2 of 3 nodes reported"),
            "{f:#}"
        );
        // The pod that did not report: where it is, and why.
        assert!(
            message
                .lines()
                .any(|l| l.contains("on node node-c") && l.contains("ImagePullBackOff")),
            "{f:#}"
        );
        assert!(
            f["target"]["locator"]
                .as_str()
                .unwrap_or("")
                .contains(&format!("(DaemonSet {PROBE_NAMESPACE}/fabcheck-probe-")),
            "{f:#}"
        );
    }
    // Every peer's chaincode, judged from each node.
    for org in ["org1", "org2", "org3"] {
        for peer in ["peer0", "peer1"] {
            let context = format!("chaincode of {org}/{peer}");
            let of = |fs: &[&serde_json::Value]| {
                fs.iter()
                    .filter(|f| f["target"]["name"].as_str().is_some_and(|n| n == context))
                    .count()
            };
            assert!(of(&a) > 0, "{context} not probed on node-a: {findings:#?}");
            assert!(of(&b) > 0, "{context} not probed on node-b: {findings:#?}");
        }
    }
    assert_eq!(
        findings.len(),
        a.len() + b.len() + missing.len(),
        "{findings:#?}"
    );
    // node-a reaches the cluster DNS: each name resolves through the org's search domain.
    for f in &a {
        assert_eq!(f["status"], "pass", "{f:#}");
        let matched = f["evidence"]["matched"].as_str().unwrap_or("");
        assert!(
            matched.ends_with(".svc.cluster.local") && matched.starts_with("peer"),
            "{f:#}"
        );
    }
    assert!(
        a.iter().any(|f| f["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("peer0.org2 resolves as peer0.org2.svc.cluster.local to 10.96.12.10")),
        "{a:#?}"
    );
    // node-b's path to it is broken: the same lookups time out there, and only there.
    for f in &b {
        assert_eq!(f["status"], "fail", "{f:#}");
        assert!(
            f["message"].as_str().unwrap_or("").contains("timed out"),
            "{f:#}"
        );
    }
    // The real server was asked, in glibc's order (the org's own domain first, ndots:2).
    let queries = dns.queries(12);
    assert!(
        queries
            .iter()
            .any(|q| q == "A peer0.org1.org1.svc.cluster.local"),
        "{queries:?}\n{}",
        dns.logs()
    );
    assert!(silent.received() > 0, "node-b's probe never asked");

    // The DaemonSet's pods wrote their reports (one create per node, by their own account) and
    // nothing else.
    let requests = requests_by_probe_accounts(&plane);
    let reports = requests
        .iter()
        .filter(|r| r.starts_with("create configmaps/fabcheck-probe-") && r.contains("-dns-"))
        .collect::<Vec<_>>();
    assert_eq!(reports.len(), 2, "{requests:#?}");
    assert!(reports.iter().all(|r| r.ends_with(" 201")), "{requests:#?}");
    assert!(
        requests.iter().all(|r| r.contains(" configmaps/")),
        "{requests:#?}"
    );
    assert_nothing_left(&plane);
}
