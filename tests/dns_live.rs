//! The chaincode-DNS checks end to end: the real binary (`fabcheck check`, `fabcheck render
//! dns-probe`) against real DNS servers (dnsmasq, tests/support/dns_server.rs), a real Docker
//! daemon (tests/support/dockerd.rs) and probe logs as the rendered script prints them, on the
//! reference fixture `fixtures/reference/chaincode-dns` and copies of it with one setting
//! broken. Every run is bounded: a hang is a failure, and the processes it started are ended.

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/dns_server.rs"]
mod dns_server;
#[path = "support/dockerd.rs"]
mod dockerd;
#[path = "support/findings.rs"]
mod findings;
#[path = "support/probe_log.rs"]
mod probe_log;

use std::fs;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use dns_server::{DnsServer, SilentServer, ZoneSpec};
use dockerd::{Dockerd, IMAGE, NETWORK};
use findings::describe;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::PodSpec;
use serde_json::Value;

/// The reference network: two peers launching chaincode through the node's docker.sock, the
/// kube-dns Service and the node's DOCKER_OPTS with the seed article's fix.
const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/reference/chaincode-dns"
);

/// The two resolver contexts of the reference network, as findings name them.
const ORG1: &str = "chaincode of org1/peer0";
const ORG2: &str = "chaincode of org2/peer0";

/// The DOCKER_OPTS file of the reference network, relative to the artifacts.
const DOCKER_OPTS_FILE: &str = "node/etc/default/docker";

/// No single run of the binary may take longer than this, whatever the code under test does.
const HANG: Duration = Duration::from_secs(45);

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    /// The JSON report on stdout.
    fn report(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "no JSON report ({e}), exit {:?}\nstdout: {}\nstderr: {}",
                self.code, self.stdout, self.stderr
            )
        })
    }
}

/// Runs the binary with `args`, killing it and failing the test when it outlives `limit`.
fn fabcheck(args: &[&str], limit: Duration) -> Run {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the fabcheck binary runs");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for fabcheck") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "fabcheck {args:?} did not finish within {limit:?}; stderr: {}",
                stderr.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = start.elapsed();
    Run {
        code: status.code(),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        took,
    }
}

/// Reads a pipe to its end on a thread of its own, so a full pipe never blocks the child.
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// `fabcheck check <args> --select DNS -o json`, its report and how the run went.
/// `check --artifacts DIR --dns-server ADDR` for a copy of the reference network.
fn check_with_server(artifacts: &Path, server: &DnsServer) -> (Value, Run) {
    let addr = server.addr().to_string();
    check(&["--artifacts", path_str(artifacts), "--dns-server", &addr])
}

fn check(args: &[&str]) -> (Value, Run) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--select", "DNS", "-o", "json"]);
    let run = fabcheck(&all, HANG);
    let report = run.report();
    eprintln!("fabcheck {args:?}: exit {:?} in {:?}", run.code, run.took);
    for f in report["findings"].as_array().into_iter().flatten() {
        eprintln!("  {}", describe(f));
    }
    (report, run)
}

/// Every finding of check `id`.
fn all<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check_id"] == id)
        .collect()
}

/// The one finding of `id` about `target` (the target's name).
fn one<'a>(report: &'a Value, id: &str, target: &str) -> &'a Value {
    let matching: Vec<&Value> = all(report, id)
        .into_iter()
        .filter(|f| f["target"]["name"] == target)
        .collect();
    match matching.as_slice() {
        [f] => f,
        other => panic!(
            "expected one {id} finding for {target}, got {}:\n{}",
            other.len(),
            all(report, id)
                .iter()
                .map(|f| describe(f))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// Asserts the finding's status and that its message holds every phrase.
fn expect(f: &Value, status: &str, phrases: &[&str]) {
    assert_eq!(f["status"], status, "{}", describe(f));
    let message = f["message"].as_str().unwrap_or("");
    for phrase in phrases {
        assert!(
            message.contains(phrase),
            "should mention {phrase:?}: {}",
            describe(f)
        );
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect()
}

/// The cluster zone as kube-dns answers for the reference network's two peer Services.
fn cluster_zone() -> ZoneSpec {
    ZoneSpec::default()
        .record("peer0.org1.svc.cluster.local", "10.96.11.10")
        .record("peer0.org2.svc.cluster.local", "10.96.12.10")
}

/// A copy of the reference fixture whose DOCKER_OPTS are `opts` (`None`: no file at all).
fn reference_with(opts: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("fabcheck-dnslive-")
        .tempdir()
        .expect("temp dir");
    copy_tree(Path::new(REFERENCE), dir.path());
    let file = dir.path().join(DOCKER_OPTS_FILE);
    assert!(
        file.exists(),
        "the reference fixture has {DOCKER_OPTS_FILE}"
    );
    match opts {
        Some(opts) => fs::write(&file, format!("DOCKER_OPTS=\"{opts}\"\n")).expect("DOCKER_OPTS"),
        None => fs::remove_file(&file).expect("remove DOCKER_OPTS"),
    }
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

// --- --dns-server against dnsmasq -------------------------------------------------------------

#[test]
fn the_seed_fix_resolves_every_peer_through_the_second_search_domain() {
    let server = DnsServer::start(&cluster_zone());
    let addr = server.addr().to_string();
    let (r, run) = check(&["--artifacts", REFERENCE, "--dns-server", &addr]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);

    let dns008 = all(&r, "DNS-008");
    assert_eq!(dns008.len(), 2, "one lookup per peer");
    for (target, name, ip) in [
        (ORG1, "peer0.org1", "10.96.11.10"),
        (ORG2, "peer0.org2", "10.96.12.10"),
    ] {
        let fqdn = format!("{name}.svc.cluster.local");
        let f = one(&r, "DNS-008", target);
        expect(f, "pass", &[&format!("{name} resolves as {fqdn} to {ip}")]);
        assert_eq!(
            f["target"]["locator"],
            format!("server {addr} asked from here")
        );
        let e = &f["evidence"];
        assert_eq!(e["name"], name);
        assert_eq!(e["matched"], fqdn.as_str(), "the second search domain");
        assert_eq!(strings(&e["addresses"]), vec![ip]);
        assert_eq!(
            strings(&e["candidates"]),
            vec![
                format!("{name}.default.svc.cluster.local → NXDOMAIN"),
                format!("{fqdn} → {ip}"),
                format!("{name} → not asked"),
            ],
            "{}",
            server.logs()
        );
        assert_eq!(e["queries_sent"], 2);
        assert_eq!(e["ndots"], 2);

        expect(
            one(&r, "DNS-009", target),
            "pass",
            &[&format!("answered in the cluster domain, as {fqdn}")],
        );
        expect(one(&r, "DNS-001", target), "pass", &["10.96.0.10"]);
        expect(one(&r, "DNS-002", target), "pass", &["candidate 2 of 3"]);
    }
    assert_eq!(all(&r, "DNS-009").len(), 2);

    // The lookups were real: dnsmasq saw exactly the queries the findings claim.
    let mut asked = server.queries(4);
    asked.sort();
    assert_eq!(
        asked,
        vec![
            "A peer0.org1.default.svc.cluster.local",
            "A peer0.org1.svc.cluster.local",
            "A peer0.org2.default.svc.cluster.local",
            "A peer0.org2.svc.cluster.local",
        ]
    );
}

#[test]
fn a_search_list_of_the_default_namespace_alone_cannot_reach_either_peer() {
    // `org1` and `org2` answered locally (NXDOMAIN), as an upstream answers for a TLD that does
    // not exist, so every candidate is asked.
    let server = DnsServer::start(&cluster_zone().local_zone("org1").local_zone("org2"));
    let artifacts = reference_with(Some(
        "--dns=10.96.0.10 --dns-search default.svc.cluster.local --dns-opt ndots:2 --dns-opt timeout:2 --dns-opt attempts:2",
    ));
    let (r, run) = check_with_server(artifacts.path(), &server);
    assert_eq!(run.code, Some(1), "errors gate: {}", run.stderr);

    for (target, name) in [(ORG1, "peer0.org1"), (ORG2, "peer0.org2")] {
        let sequence = vec![
            format!("{name}.default.svc.cluster.local → NXDOMAIN"),
            format!("{name} → NXDOMAIN"),
        ];
        let f = one(&r, "DNS-008", target);
        expect(
            f,
            "fail",
            &[
                &format!(
                    "{name} does not resolve from server {} asked from here",
                    server.addr()
                ),
                &format!("every candidate failed ({})", sequence.join("; ")),
            ],
        );
        assert_eq!(strings(&f["evidence"]["candidates"]), sequence);
        assert_eq!(f["evidence"]["matched"], Value::Null, "{}", describe(f));

        // The same thing, seen without a server.
        let f = one(&r, "DNS-002", target);
        expect(
            f,
            "fail",
            &[
                "no search domain in [default.svc.cluster.local]",
                &format!("completes {name} to {name}.svc.cluster.local"),
            ],
        );
        assert_eq!(
            f["evidence"]["expected_fqdn"],
            format!("{name}.svc.cluster.local")
        );
        assert_eq!(
            strings(&f["evidence"]["candidates"]),
            vec![format!("{name}.default.svc.cluster.local"), name.to_owned()]
        );
    }
    // Nothing resolved, so nothing can have resolved outside the cluster.
    let dns009 = all(&r, "DNS-009");
    assert!(dns009.iter().all(|f| f["status"] == "skip"), "{dns009:?}");
    let asked = server.queries(4);
    for q in [
        "A peer0.org1.default.svc.cluster.local",
        "A peer0.org1",
        "A peer0.org2.default.svc.cluster.local",
        "A peer0.org2",
    ] {
        assert!(asked.iter().any(|a| a == q), "{q} not asked: {asked:?}");
    }
}

#[test]
fn ndots_one_takes_an_upstream_answer_for_the_raw_name() {
    // A wrong record for `peer0.org1` as written; `org2` exists nowhere (NXDOMAIN), so
    // peer0.org2 goes on to the search list and finds its Service.
    let server = DnsServer::start(
        &cluster_zone()
            .record("peer0.org1", "10.99.99.99")
            .local_zone("org2"),
    );
    let artifacts = reference_with(Some(
        "--dns=10.96.0.10 --dns=192.168.1.1 --dns-search default.svc.cluster.local --dns-search svc.cluster.local --dns-opt ndots:1 --dns-opt timeout:2 --dns-opt attempts:2",
    ));
    let (r, run) = check_with_server(artifacts.path(), &server);
    assert_eq!(run.code, Some(0), "warnings do not gate: {}", run.stderr);

    // Statically: ndots 1 asks both names as written first.
    for (target, name) in [(ORG1, "peer0.org1"), (ORG2, "peer0.org2")] {
        let f = one(&r, "DNS-003", target);
        expect(f, "warn", &["ndots is 1", "asked as written first"]);
        assert_eq!(
            strings(&f["evidence"]["candidates"])[0],
            name,
            "{}",
            describe(f)
        );
    }

    // Live: the wrong address won for peer0.org1.
    let f = one(&r, "DNS-009", ORG1);
    expect(
        f,
        "warn",
        &["peer0.org1 was answered as written (peer0.org1 → 10.99.99.99)"],
    );
    assert_eq!(f["evidence"]["matched"], "peer0.org1");
    assert_eq!(strings(&f["evidence"]["addresses"]), vec!["10.99.99.99"]);
    assert_eq!(
        strings(&f["evidence"]["candidates"]),
        vec![
            "peer0.org1 → 10.99.99.99",
            "peer0.org1.default.svc.cluster.local → not asked",
            "peer0.org1.svc.cluster.local → not asked",
        ]
    );
    // DNS-008 only asks whether an address came back: it did, the wrong one.
    expect(
        one(&r, "DNS-008", ORG1),
        "pass",
        &["resolves as peer0.org1 to 10.99.99.99"],
    );

    let f = one(&r, "DNS-009", ORG2);
    expect(
        f,
        "pass",
        &["answered in the cluster domain, as peer0.org2.svc.cluster.local"],
    );
    assert_eq!(
        strings(&f["evidence"]["candidates"]),
        vec![
            "peer0.org2 → NXDOMAIN",
            "peer0.org2.default.svc.cluster.local → NXDOMAIN",
            "peer0.org2.svc.cluster.local → 10.96.12.10",
        ]
    );
    let asked = server.queries(5);
    assert_eq!(
        asked
            .iter()
            .filter(|q| q.as_str() == "A peer0.org1")
            .count(),
        1,
        "{asked:?}"
    );
    assert!(
        !asked.iter().any(|q| q.starts_with("A peer0.org1.")),
        "the search list was never reached for peer0.org1: {asked:?}"
    );
}

#[test]
fn an_external_name_answered_after_the_cluster_domains_is_not_a_dns_009_warning() {
    // peer0 of org1 is addressed by an external name. ndots:5 tries both cluster domains first
    // (NXDOMAIN), then the name as written answers: nothing was answered "before the cluster
    // domain was tried", and the name is no Service of the cluster.
    let server = DnsServer::start(
        &cluster_zone()
            .local_zone("example.com")
            .record("peer0.org1.example.com", "10.1.2.3")
            .local_zone("org2"),
    );
    let artifacts = reference_with(Some(
        "--dns=10.96.0.10 --dns-search default.svc.cluster.local --dns-search svc.cluster.local --dns-opt ndots:5 --dns-opt timeout:2 --dns-opt attempts:2",
    ));
    let manifest = artifacts.path().join("peer0-org1.yaml");
    let text = fs::read_to_string(&manifest).expect("manifest");
    assert!(text.contains("value: peer0.org1:7051"));
    fs::write(
        &manifest,
        text.replace(
            "value: peer0.org1:7051",
            "value: peer0.org1.example.com:7051",
        ),
    )
    .expect("manifest");
    let (r, _) = check_with_server(artifacts.path(), &server);
    let f = one(&r, "DNS-008", ORG1);
    expect(
        f,
        "pass",
        &["resolves as peer0.org1.example.com to 10.1.2.3"],
    );
    assert_eq!(
        strings(&f["evidence"]["candidates"]),
        vec![
            "peer0.org1.example.com.default.svc.cluster.local → NXDOMAIN",
            "peer0.org1.example.com.svc.cluster.local → NXDOMAIN",
            "peer0.org1.example.com → 10.1.2.3",
        ]
    );
    let f = one(&r, "DNS-009", ORG1);
    assert_ne!(f["status"], "warn", "{}", describe(f));
}

#[test]
fn without_docker_opts_no_peer_gets_the_cluster_dns() {
    let artifacts = reference_with(None);
    let (r, run) = check(&["--artifacts", path_str(artifacts.path())]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let dns001 = all(&r, "DNS-001");
    assert_eq!(dns001.len(), 2, "one per peer");
    for target in [ORG1, ORG2] {
        let f = one(&r, "DNS-001", target);
        expect(
            f,
            "fail",
            &[
                "no Dns is set for chaincode containers",
                "Docker at unix:///host/var/run/docker.sock",
                "gets the node's resolv.conf",
            ],
        );
        assert!(
            f["target"]["locator"]
                .as_str()
                .is_some_and(|l| l.contains(&format!(
                    "Deployment {}",
                    target.trim_start_matches("chaincode of ")
                ))),
            "{}",
            describe(f)
        );
        assert_eq!(f["evidence"]["nameservers"], serde_json::json!([]));
    }
    // No live lookups were asked for: DNS-008 has nothing to judge.
    assert!(
        all(&r, "DNS-008").iter().all(|f| f["status"] == "skip"),
        "{:?}",
        all(&r, "DNS-008")
    );
}

#[test]
fn a_silent_server_times_the_first_candidate_out_and_the_run_ends() {
    let silent = SilentServer::start();
    let artifacts = reference_with(Some(
        "--dns=10.96.0.10 --dns-search default.svc.cluster.local --dns-search svc.cluster.local --dns-opt ndots:2 --dns-opt timeout:1 --dns-opt attempts:1",
    ));
    let addr = silent.addr().to_string();
    let (r, run) = check(&[
        "--artifacts",
        path_str(artifacts.path()),
        "--dns-server",
        &addr,
    ]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    // timeout:1 × attempts:1 × one server, both peers at once: about a second, never a hang.
    assert!(
        run.took >= Duration::from_millis(900) && run.took < Duration::from_secs(6),
        "took {:?}",
        run.took
    );
    for (target, name) in [(ORG1, "peer0.org1"), (ORG2, "peer0.org2")] {
        let f = one(&r, "DNS-008", target);
        expect(
            f,
            "fail",
            &[&format!("the search stopped at {name} → timed out")],
        );
        // res_query.c: a timeout ends the search list; the name as written is still asked.
        assert_eq!(
            strings(&f["evidence"]["candidates"]),
            vec![
                format!("{name}.default.svc.cluster.local → timed out"),
                format!("{name}.svc.cluster.local → not asked"),
                format!("{name} → timed out"),
            ]
        );
        assert_eq!(f["evidence"]["queries_sent"], 2);
    }
    assert!(silent.received() >= 2, "both lookups reached the server");
}

#[test]
fn servfail_on_the_first_search_domain_moves_on_to_the_next() {
    let server = DnsServer::start(&cluster_zone().servfail("broken.test"));
    let artifacts = reference_with(Some(
        "--dns=10.96.0.10 --dns-search broken.test --dns-search svc.cluster.local --dns-opt ndots:2 --dns-opt timeout:2 --dns-opt attempts:2",
    ));
    let (r, run) = check_with_server(artifacts.path(), &server);
    assert!(
        run.took < Duration::from_secs(5),
        "SERVFAIL is an answer, not a wait: {:?}",
        run.took
    );
    for (target, name, ip) in [
        (ORG1, "peer0.org1", "10.96.11.10"),
        (ORG2, "peer0.org2", "10.96.12.10"),
    ] {
        let f = one(&r, "DNS-008", target);
        expect(
            f,
            "pass",
            &[&format!("resolves as {name}.svc.cluster.local to {ip}")],
        );
        assert_eq!(
            strings(&f["evidence"]["candidates"]),
            vec![
                format!("{name}.broken.test → SERVFAIL"),
                format!("{name}.svc.cluster.local → {ip}"),
                format!("{name} → not asked"),
            ],
            "{}",
            server.logs()
        );
    }
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
}

// --- --docker against a real daemon ------------------------------------------------------------

/// The daemon and the cluster DNS on its network's gateway, shared by the tests running at once.
struct Rig {
    cluster: DnsServer,
    daemon: Arc<Dockerd>,
}

fn rig() -> Arc<Rig> {
    static SHARED: Mutex<Weak<Rig>> = Mutex::new(Weak::new());
    let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(rig) = slot.upgrade() {
        return rig;
    }
    let daemon = Dockerd::shared();
    let rig = Arc::new(Rig {
        cluster: DnsServer::start(&cluster_zone().listen(daemon.gateway(), 53)),
        daemon,
    });
    *slot = Arc::downgrade(&rig);
    rig
}

/// One Docker test at a time, so "no container is left" speaks of this test's containers.
fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

fn assert_no_containers(rig: &Rig) {
    let left = rig.daemon.containers();
    assert!(left.is_empty(), "probe containers left: {left:?}");
}

/// Artifacts with one peer, `peer0` in namespace `org1`, launching chaincode through the node's
/// docker.sock with the seed fix in its own HostConfig settings and NetworkMode `network`.
fn docker_peer(dns: &str, network: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("fabcheck-dnslive-")
        .tempdir()
        .expect("temp dir");
    let manifest = format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: peer0
  namespace: org1
spec:
  replicas: 1
  selector:
    matchLabels:
      app: peer0
  template:
    metadata:
      labels:
        app: peer0
    spec:
      containers:
        - name: peer
          image: hyperledger/fabric-peer:1.4.12
          env:
            - name: CORE_PEER_ID
              value: peer0.org1
            - name: CORE_PEER_ADDRESS
              value: peer0.org1:7051
            - name: CORE_PEER_CHAINCODELISTENADDRESS
              value: 0.0.0.0:7052
            - name: CORE_VM_ENDPOINT
              value: unix:///host/var/run/docker.sock
            - name: CORE_VM_DOCKER_HOSTCONFIG_DNS
              value: "{dns}"
            - name: CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH
              value: default.svc.cluster.local svc.cluster.local
            - name: CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE
              value: {network}
          volumeMounts:
            - name: docker-sock
              mountPath: /host/var/run/docker.sock
      volumes:
        - name: docker-sock
          hostPath:
            path: /var/run/docker.sock
---
apiVersion: v1
kind: Service
metadata:
  name: peer0
  namespace: org1
spec:
  selector:
    app: peer0
  ports:
    - name: grpc
      port: 7051
"#
    );
    fs::write(dir.path().join("peer0-org1.yaml"), manifest).expect("manifest");
    dir
}

#[test]
fn the_probe_container_resolves_the_peer_with_the_peers_hostconfig() {
    let rig = rig();
    let _turn = turn();
    let gateway = rig.daemon.gateway().to_string();
    let endpoint = rig.daemon.endpoint();
    let artifacts = docker_peer(&gateway, NETWORK);
    let asked_before = rig.cluster.queries(0).len();
    let (r, run) = check(&[
        "--artifacts",
        path_str(artifacts.path()),
        "--docker",
        &endpoint,
        "--docker-image",
        IMAGE,
    ]);
    assert_eq!(
        run.code,
        Some(0),
        "stderr: {}\n{}",
        run.stderr,
        rig.daemon.logs()
    );

    let f = one(&r, "DNS-008", ORG1);
    expect(
        f,
        "pass",
        &["peer0.org1 resolves as peer0.org1.svc.cluster.local to 10.96.11.10"],
    );
    assert_eq!(
        f["target"]["locator"],
        format!(
            "probe container on {endpoint}, NetworkMode {NETWORK}, Dns {gateway}, resolved by glibc"
        ),
        "the vantage is the probe container"
    );
    let e = &f["evidence"];
    assert_eq!(e["matched"], "peer0.org1.svc.cluster.local");
    // The settings read back from the resolv.conf Docker wrote in the container.
    assert_eq!(
        strings(&e["search"]),
        vec!["default.svc.cluster.local", "svc.cluster.local"]
    );
    // Fabric passes no DnsOptions to Docker (the peer's _DNSOPTIONS is inert): on a
    // user-defined network Docker writes `options ndots:0`, so the name is asked as written
    // first, then through the search list.
    assert_eq!(e["ndots"], 0);
    assert_eq!(
        strings(&e["candidates"]),
        vec![
            "peer0.org1 → NXDOMAIN",
            "peer0.org1.default.svc.cluster.local → NXDOMAIN",
            "peer0.org1.svc.cluster.local → 10.96.11.10",
        ]
    );
    expect(
        one(&r, "DNS-006", ORG1),
        "pass",
        &[&format!(
            "started on the daemon at {endpoint} with NetworkMode {NETWORK}"
        )],
    );
    expect(one(&r, "DNS-009", ORG1), "pass", &["in the cluster domain"]);

    // The cluster DNS on the gateway was asked from inside the container (through Docker's
    // embedded server), not from here.
    let asked = rig.cluster.queries(asked_before + 1)[asked_before..].to_vec();
    assert!(
        asked.iter().any(|q| q == "A peer0.org1.svc.cluster.local"),
        "{asked:?}\n{}",
        rig.cluster.logs()
    );
    assert_no_containers(&rig);
}

#[test]
fn a_network_mode_naming_a_missing_network_fails_dns_006() {
    let rig = rig();
    let _turn = turn();
    let endpoint = rig.daemon.endpoint();
    let artifacts = docker_peer(&rig.daemon.gateway().to_string(), "fabric_cc_missing");
    let (r, run) = check(&[
        "--artifacts",
        path_str(artifacts.path()),
        "--docker",
        &endpoint,
        "--docker-image",
        IMAGE,
    ]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let f = one(&r, "DNS-006", ORG1);
    expect(
        f,
        "fail",
        &[&format!(
            "NetworkMode fabric_cc_missing names a network the Docker daemon at {endpoint} does not have"
        )],
    );
    assert_eq!(f["target"]["locator"], endpoint.as_str());
    assert_eq!(f["evidence"]["network_mode"], "fabric_cc_missing");
    expect(one(&r, "DNS-008", ORG1), "skip", &["see DNS-006"]);
    assert_no_containers(&rig);
}

#[test]
fn a_docker_endpoint_nobody_listens_on_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let endpoint = format!("unix://{}", dir.path().join("nonexistent.sock").display());
    let (r, run) = check(&[
        "--artifacts",
        REFERENCE,
        "--docker",
        &endpoint,
        "--docker-image",
        IMAGE,
    ]);
    assert!(run.took < Duration::from_secs(5), "took {:?}", run.took);
    for target in [ORG1, ORG2] {
        let f = one(&r, "DNS-008", target);
        expect(
            f,
            "error",
            &[&format!(
                "could not resolve from probe container on {endpoint}"
            )],
        );
        assert!(
            f["message"]
                .as_str()
                .is_some_and(|m| m.matches(endpoint.as_str()).count() >= 2),
            "the reason names the endpoint too: {}",
            describe(f)
        );
    }
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
}

// --- --dns-probe-log ---------------------------------------------------------------------------

/// A probe pod's log as `kubectl logs --prefix` shows it, in the script's format: the docker
/// variant with the seed fix; peer0.org1 found through the second search domain, peer0.org2
/// not found at all.
const PROBE_LOG: &str = "\
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 begin pod=fabcheck-dns-probe-docker-7x2kq node=worker-1 variant=docker names=peer0.org1,peer0.org2
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 resolv.conf search default.svc.cluster.local svc.cluster.local
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 resolv.conf nameserver 10.96.0.10
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 resolv.conf options ndots:2 timeout:2 attempts:2
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 lookup peer0.org1 ok 10.96.11.10     peer0.org1.svc.cluster.local
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 elapsed peer0.org1 4
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 lookup peer0.org2 fail 2
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 elapsed peer0.org2 7
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 end
";

#[test]
fn a_probe_pod_log_is_judged_like_any_other_lookup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("probe.log");
    fs::write(&log, PROBE_LOG).expect("log");
    let (r, run) = check(&["--artifacts", REFERENCE, "--dns-probe-log", path_str(&log)]);
    assert_eq!(run.code, Some(1), "peer0.org2 fails: {}", run.stderr);

    let lookups = all(&r, "DNS-008");
    assert_eq!(lookups.len(), 2, "one per name in the log");
    let pod = "probe pod fabcheck-dns-probe-docker-7x2kq on node worker-1";
    let by_name = |name: &str| {
        *lookups
            .iter()
            .find(|f| f["evidence"]["name"] == name)
            .unwrap_or_else(|| panic!("no DNS-008 for {name}"))
    };
    let f = by_name("peer0.org1");
    expect(
        f,
        "pass",
        &["peer0.org1 resolves as peer0.org1.svc.cluster.local to 10.96.11.10"],
    );
    assert_eq!(f["target"]["name"], "docker@worker-1");
    assert_eq!(f["target"]["locator"], pod);
    assert_eq!(
        strings(&f["evidence"]["candidates"]),
        vec![
            "peer0.org1.default.svc.cluster.local → NXDOMAIN",
            "peer0.org1.svc.cluster.local → 10.96.11.10",
            "peer0.org1 → not asked",
        ]
    );
    let f = by_name("peer0.org2");
    expect(
        f,
        "fail",
        &[
            &format!("peer0.org2 does not resolve from {pod}"),
            "every candidate failed",
        ],
    );
    assert_eq!(
        strings(&f["evidence"]["candidates"]),
        vec![
            "peer0.org2.default.svc.cluster.local → NXDOMAIN",
            "peer0.org2.svc.cluster.local → NXDOMAIN",
            "peer0.org2 → NXDOMAIN",
        ]
    );
    expect(
        one(&r, "DNS-009", "docker@worker-1"),
        "pass",
        &["as peer0.org1.svc.cluster.local"],
    );
}

#[test]
fn a_probe_log_that_does_not_exist_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("no-such-probe.log");
    let shown = path_str(&log);
    let (r, run) = check(&["--dns-probe-log", shown]);
    let [f] = all(&r, "DNS-008")[..] else {
        panic!("one DNS-008 finding: {:?}", all(&r, "DNS-008"))
    };
    expect(f, "error", &[&format!("failed to read {shown}")]);
    assert_eq!(f["target"]["name"], shown);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
}

#[test]
fn the_rendered_probe_script_run_here_feeds_check() {
    if !Command::new("sh")
        .args(["-c", "command -v getent"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("skipped: no sh with getent on this machine");
        return;
    }
    // The script exactly as `render dns-probe` prints it, reading a resolv.conf of the test's
    // instead of this machine's; `localhost` comes from /etc/hosts, so no DNS is involved.
    let rendered = fabcheck(
        &[
            "render",
            "dns-probe",
            "--namespace",
            "fabric",
            "--name",
            "localhost",
            "--no-docker",
        ],
        HANG,
    );
    assert_eq!(rendered.code, Some(0), "stderr: {}", rendered.stderr);
    let sets: Vec<DaemonSet> =
        serde_saphyr::from_multiple(&rendered.stdout).expect("the YAML reads back");
    let [pod] = sets.as_slice() else {
        panic!("--no-docker renders one DaemonSet: {}", rendered.stdout)
    };
    let container = &pod_spec(pod).containers[0];
    let command = container.command.clone().expect("a command");
    assert_eq!(
        container.args.as_deref(),
        Some(&["localhost".to_owned()][..])
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("resolv.conf");
    fs::write(
        &conf,
        "search fabric.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
    )
    .expect("resolv.conf");
    let script = command[2].replace(
        "conf=/etc/resolv.conf",
        &format!("conf='{}'", conf.display()),
    );
    assert_ne!(script, command[2], "the script reads conf=/etc/resolv.conf");
    let child = Command::new(&command[0])
        .arg("-c")
        .arg(&script)
        .arg(&command[3])
        .args(container.args.as_deref().unwrap_or_default())
        .env("POD_NAME", "fabcheck-dns-probe-pod-here")
        .env("NODE_NAME", "this-machine")
        .env("FABCHECK_VARIANT", "pod")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Its own process group: the script idles in `sleep` after its block, as a pod does.
        .process_group(0)
        .spawn()
        .expect("sh runs");
    let log = read_block(child, Duration::from_secs(20));

    let file = dir.path().join("probe.log");
    fs::write(&file, &log).expect("log");
    let (r, run) = check(&["--dns-probe-log", path_str(&file)]);
    let f = one(&r, "DNS-008", "pod@this-machine");
    expect(f, "pass", &["localhost resolves as localhost to"]);
    assert_eq!(
        f["target"]["locator"],
        "probe pod fabcheck-dns-probe-pod-here on node this-machine"
    );
    assert_eq!(f["evidence"]["ndots"], 5, "{log}");
    assert_eq!(
        strings(&f["evidence"]["search"]),
        vec![
            "fabric.svc.cluster.local",
            "svc.cluster.local",
            "cluster.local"
        ]
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
}

/// Reads the probe's output up to its `end` line, then ends the probe and its idle `sleep`.
fn read_block(mut child: Child, limit: Duration) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let (log, finished) = probe_log::read_until_end(stdout, limit);
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
    assert!(finished, "no end line within {limit:?}:\n{log}");
    log
}

// --- render dns-probe --------------------------------------------------------------------------

fn pod_spec(ds: &DaemonSet) -> &PodSpec {
    ds.spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .expect("a pod template")
}

#[test]
fn render_dns_probe_carries_the_reference_networks_docker_settings() {
    let run = fabcheck(
        &[
            "render",
            "dns-probe",
            "--namespace",
            "fabric",
            "--artifacts",
            REFERENCE,
        ],
        HANG,
    );
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let sets: Vec<DaemonSet> =
        serde_saphyr::from_multiple(&run.stdout).expect("the YAML reads back");
    let names: Vec<Option<&str>> = sets.iter().map(|d| d.metadata.name.as_deref()).collect();
    assert_eq!(
        names,
        vec![
            Some("fabcheck-dns-probe-docker"),
            Some("fabcheck-dns-probe-pod")
        ]
    );
    for ds in &sets {
        assert_eq!(ds.metadata.namespace.as_deref(), Some("fabric"));
        let container = &pod_spec(ds).containers[0];
        let args = container.args.clone().unwrap_or_default();
        assert_eq!(args, vec!["peer0.org1", "peer0.org2"], "the peers' names");
    }

    // The docker variant: the daemon's --dns servers replace the node's (dnsPolicy None), with
    // the seed search list and options.
    let docker = pod_spec(&sets[0]);
    assert_eq!(docker.dns_policy.as_deref(), Some("None"));
    let config = docker.dns_config.as_ref().expect("a dnsConfig");
    let nameservers = config.nameservers.clone().unwrap_or_default();
    assert_eq!(nameservers.first().map(String::as_str), Some("10.96.0.10"));
    assert_eq!(nameservers, vec!["10.96.0.10", "192.168.1.1"]);
    assert_eq!(
        config.searches.clone().unwrap_or_default(),
        vec!["default.svc.cluster.local", "svc.cluster.local"]
    );
    let options: Vec<(Option<&str>, Option<&str>)> = config
        .options
        .iter()
        .flatten()
        .map(|o| (o.name.as_deref(), o.value.as_deref()))
        .collect();
    assert_eq!(
        options,
        vec![
            (Some("ndots"), Some("2")),
            (Some("timeout"), Some("2")),
            (Some("attempts"), Some("2")),
        ]
    );
    // The pod variant: the chaincode pods' default.
    let pod = pod_spec(&sets[1]);
    assert_eq!(pod.dns_policy.as_deref(), Some("ClusterFirst"));
    assert_eq!(pod.dns_config, None);
}

#[test]
fn render_dns_probe_refuses_a_name_that_is_not_a_dns_name() {
    let run = fabcheck(
        &[
            "render",
            "dns-probe",
            "--namespace",
            "fabric",
            "--artifacts",
            REFERENCE,
            "--name",
            "a;b",
        ],
        HANG,
    );
    assert_eq!(run.code, Some(2), "stdout: {}", run.stdout);
    assert!(
        run.stderr
            .contains("failed to use 'a;b' as a name to look up"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "no manifest: {}", run.stdout);
}
