//! `probe::docker::probe_chaincode_dns` against a real Docker daemon (tests/support/dockerd.rs)
//! and real DNS servers (tests/support/dns_server.rs): a dnsmasq serving the reference
//! network's `cluster.local` zone on the internal network's gateway, as the cluster DNS the
//! peer's HostConfig names, and a second one knowing no cluster names on the bridge's second
//! address, as the host resolver the daemon falls back to.
//!
//! The probe tests share one daemon and take turns ([`turn`]), so each can check afterwards
//! that no container at all is left on it. The chaincode container listing HEALTH-005 reads is
//! tested on the same daemon.

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/dns_server.rs"]
mod dns_server;
#[path = "support/dockerd.rs"]
mod dockerd;

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use dns_server::{DnsServer, ZoneSpec};
use dockerd::{Dockerd, IMAGE, NETWORK};
use fabcheck::inventory::dns::{CandidateAnswer, NameResolution};
use fabcheck::probe::docker::{
    ChaincodeDnsOutcome, ChaincodeHostConfig, ContainerLookups, DockerProbeError,
    list_chaincode_containers, observation, probe_chaincode_dns,
};

/// The search list and options of the seed article's fix.
const SEED_SEARCH: [&str; 2] = ["default.svc.cluster.local", "svc.cluster.local"];
const SEED_OPTIONS: [&str; 3] = ["ndots:2", "timeout:2", "attempts:2"];

/// The names a peer hands chaincode (`CORE_PEER_ADDRESS`, the orderer).
const NAMES: [&str; 3] = ["peer0-org1", "peer0.org1", "orderer0"];

/// The probe's bound on each Docker call.
const LIMIT: Duration = Duration::from_secs(20);

/// No probe may take longer than this, whatever the code under test does.
const HANG: Duration = Duration::from_secs(120);

/// The daemon and the two DNS servers, shared by the tests running at the same time.
struct Rig {
    /// The cluster DNS on the network's gateway, port 53.
    cluster: DnsServer,
    /// The host resolver the daemon's `--dns` names: knows `cluster.local` but none of its names.
    host_resolver: DnsServer,
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
        cluster: DnsServer::start(&ZoneSpec::reference_network().listen(daemon.gateway(), 53)),
        host_resolver: DnsServer::start(&ZoneSpec::default().listen(daemon.host_resolver(), 53)),
        daemon,
    });
    *slot = Arc::downgrade(&rig);
    rig
}

/// One probe test at a time on the shared daemon, so "no container is left" means this
/// test's container is gone. A test that panicked does not poison the others.
fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

fn names() -> Vec<String> {
    NAMES.iter().map(|n| n.to_string()).collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn seed_fix(rig: &Rig) -> ChaincodeHostConfig {
    ChaincodeHostConfig {
        dns: vec![rig.daemon.gateway().to_string()],
        dns_search: strings(&SEED_SEARCH),
        dns_options: strings(&SEED_OPTIONS),
        network_mode: Some(NETWORK.into()),
    }
}

/// Runs one probe on a runtime of its own, failing the test instead of hanging.
fn probe(
    endpoint: &str,
    image: &str,
    host_config: &ChaincodeHostConfig,
    names: &[String],
    limit: Duration,
) -> (Result<ChaincodeDnsOutcome, DockerProbeError>, Duration) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let start = Instant::now();
    let result = runtime
        .block_on(async {
            tokio::time::timeout(
                HANG,
                probe_chaincode_dns(endpoint, image, host_config, names, limit),
            )
            .await
        })
        .expect("probe_chaincode_dns hung");
    let elapsed = start.elapsed();
    eprintln!("probe on {endpoint}: {elapsed:?}");
    (result, elapsed)
}

fn ran(result: Result<ChaincodeDnsOutcome, DockerProbeError>) -> ContainerLookups {
    match result {
        Ok(ChaincodeDnsOutcome::Ran(lookups)) => *lookups,
        other => panic!("expected the probe to run, got {other:?}"),
    }
}

fn assert_no_containers(rig: &Rig) {
    let left = rig.daemon.containers();
    assert!(left.is_empty(), "containers left on the daemon: {left:?}");
}

fn answers(r: &NameResolution) -> Vec<(String, CandidateAnswer)> {
    r.candidates
        .iter()
        .map(|c| (c.query.clone(), c.answer.clone()))
        .collect()
}

fn addresses(ips: &[&str]) -> CandidateAnswer {
    CandidateAnswer::Addresses(ips.iter().map(|ip| ip.parse().unwrap()).collect())
}

#[test]
fn the_seed_fix_resolves_every_name_inside_the_container() {
    let rig = rig();
    let _turn = turn();
    let asked_before = rig.cluster.queries(0).len();
    let hc = seed_fix(&rig);
    let endpoint = rig.daemon.endpoint();
    let (result, _) = probe(&endpoint, IMAGE, &hc, &names(), LIMIT);
    let l = ran(result);
    eprintln!("resolv.conf as Docker wrote it:\n{}", l.resolv_conf);

    // The resolv.conf Docker wrote: its embedded server, which forwards to HostConfig.Dns,
    // with the search list and options as given.
    assert!(
        l.resolv_conf.contains("nameserver 127.0.0.11"),
        "{}",
        l.resolv_conf
    );
    let ns: Vec<IpAddr> = l.config.nameservers.iter().map(|n| n.ip).collect();
    assert_eq!(ns, vec!["127.0.0.11".parse::<IpAddr>().unwrap()]);
    assert_eq!(l.config.search, strings(&SEED_SEARCH));
    assert_eq!(
        (l.config.ndots, l.config.timeout, l.config.attempts),
        (2, 2, 2)
    );
    assert_eq!(l.configured_servers, vec![rig.daemon.gateway().to_string()]);
    assert_eq!(l.network_mode.as_deref(), Some(NETWORK));

    // peer0-org1 has no dot: the first search domain answers.
    assert_eq!(
        answers(&l.results[0]),
        vec![
            (
                "peer0-org1.default.svc.cluster.local".into(),
                addresses(&["10.96.1.10"])
            ),
            (
                "peer0-org1.svc.cluster.local".into(),
                CandidateAnswer::NotAsked
            ),
            ("peer0-org1".into(), CandidateAnswer::NotAsked),
        ]
    );
    // peer0.org1 has one dot, fewer than ndots:2: the second search domain answers.
    assert_eq!(
        answers(&l.results[1]),
        vec![
            (
                "peer0.org1.default.svc.cluster.local".into(),
                CandidateAnswer::NoSuchName
            ),
            (
                "peer0.org1.svc.cluster.local".into(),
                addresses(&["10.96.11.10"])
            ),
            ("peer0.org1".into(), CandidateAnswer::NotAsked),
        ]
    );
    assert_eq!(
        l.results[2].matched(),
        Some((
            "orderer0.default.svc.cluster.local",
            &["10.96.0.20".parse::<IpAddr>().unwrap()][..]
        ))
    );
    assert_eq!(l.exit_code, 0, "stderr: {}", l.stderr);
    assert!(l.notes.is_empty(), "{:?}", l.notes);
    assert_eq!(l.leftover, None);

    // The cluster DNS itself was asked, through Docker's embedded server.
    let asked: Vec<String> = rig.cluster.queries(asked_before + 1)[asked_before..].to_vec();
    assert!(
        asked.contains(&"A peer0.org1.svc.cluster.local".to_owned()),
        "{asked:?}\n{}",
        rig.cluster.logs()
    );

    let obs = observation(
        "peer0.org1 chaincode",
        &endpoint,
        &hc,
        &Ok(ChaincodeDnsOutcome::Ran(Box::new(l))),
    );
    assert_eq!(obs.failure, None);
    assert_eq!(obs.missing_network, None);
    assert_eq!(
        obs.vantage.describe(),
        format!(
            "probe container on {endpoint}, NetworkMode {NETWORK}, Dns {}, resolved by glibc",
            rig.daemon.gateway()
        )
    );
    assert_no_containers(&rig);
}

#[test]
fn without_dns_settings_every_name_fails() {
    let rig = rig();
    let _turn = turn();
    let cluster_before = rig.cluster.queries(0).len();
    let host_before = rig.host_resolver.queries(0).len();
    let hc = ChaincodeHostConfig {
        network_mode: Some(NETWORK.into()),
        ..ChaincodeHostConfig::default()
    };
    let (result, _) = probe(&rig.daemon.endpoint(), IMAGE, &hc, &names(), LIMIT);
    let l = ran(result);

    // Docker's defaults: the embedded server (forwarding to the daemon's --dns), no search
    // list, ndots:0 — so each name is asked as given, once.
    assert!(
        l.configured_servers.is_empty(),
        "{:?}",
        l.configured_servers
    );
    assert!(l.config.search.is_empty(), "{}", l.resolv_conf);
    assert_eq!(l.config.ndots, 0, "{}", l.resolv_conf);
    for (r, name) in l.results.iter().zip(NAMES) {
        assert_eq!(
            answers(r),
            vec![(name.to_owned(), CandidateAnswer::NoSuchName)],
            "{r:?}"
        );
    }
    assert_eq!(l.exit_code, 2);

    // The host resolver was asked and knew nothing; the cluster DNS was never asked.
    let asked = rig.host_resolver.queries(host_before + 1)[host_before..].to_vec();
    for name in NAMES {
        assert!(
            asked.contains(&format!("A {name}")),
            "{name} not asked of the host resolver: {asked:?}"
        );
    }
    assert_eq!(rig.cluster.queries(0).len(), cluster_before);
    assert_no_containers(&rig);
}

#[test]
fn a_network_that_does_not_exist_is_reported_not_probed() {
    let rig = rig();
    let _turn = turn();
    let hc = ChaincodeHostConfig {
        network_mode: Some("fabric_test_missing".into()),
        ..seed_fix(&rig)
    };
    let endpoint = rig.daemon.endpoint();
    let (result, elapsed) = probe(&endpoint, IMAGE, &hc, &names(), LIMIT);
    assert_eq!(
        result,
        Ok(ChaincodeDnsOutcome::MissingNetwork {
            network: "fabric_test_missing".into()
        })
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let obs = observation("peer0", &endpoint, &hc, &result);
    assert_eq!(obs.missing_network.as_deref(), Some("fabric_test_missing"));
    assert_eq!(obs.failure, None);
    assert!(obs.results.is_empty());
    assert_eq!(
        obs.config.search,
        strings(&SEED_SEARCH),
        "the settings asked for"
    );
    assert_no_containers(&rig);
}

#[test]
fn a_missing_image_is_an_error_naming_it() {
    let rig = rig();
    let _turn = turn();
    let endpoint = rig.daemon.endpoint();
    let (result, _) = probe(
        &endpoint,
        "fabcheck/not-here:1",
        &seed_fix(&rig),
        &names(),
        LIMIT,
    );
    let e = result.unwrap_err();
    assert_eq!(
        e,
        DockerProbeError::ImageMissing {
            endpoint: endpoint.clone(),
            image: "fabcheck/not-here:1".into()
        }
    );
    assert!(e.to_string().contains("docker pull or docker load"), "{e}");
    assert_no_containers(&rig);
}

#[test]
fn an_image_without_getent_is_an_error_saying_so() {
    let rig = rig();
    let _turn = turn();
    let image = "fabcheck/no-getent:test";
    rig.daemon
        .import_files(image, &[("etc/nsswitch.conf", b"hosts: files dns\n")]);
    let endpoint = rig.daemon.endpoint();
    let (result, _) = probe(&endpoint, image, &seed_fix(&rig), &names(), LIMIT);
    match result {
        Err(DockerProbeError::Getent {
            endpoint: ep,
            reason,
        }) => {
            assert_eq!(ep, endpoint);
            assert!(reason.contains("no getent"), "{reason}");
        }
        other => panic!("expected a getent error, got {other:?}"),
    }
    // The container was created before the start failed: it must be gone too.
    assert_no_containers(&rig);
}

#[test]
fn a_probe_that_runs_out_of_time_leaves_no_container() {
    let rig = rig();
    let _turn = turn();
    // Nothing answers at this address: Docker's embedded server forwards and hears nothing,
    // and glibc waits out 5 s × 2 attempts per query, far beyond the limit.
    let hc = ChaincodeHostConfig {
        dns: vec![rig.daemon.dead_address().to_string()],
        network_mode: Some(NETWORK.into()),
        ..ChaincodeHostConfig::default()
    };
    let limit = Duration::from_secs(3);
    let endpoint = rig.daemon.endpoint();
    let (result, elapsed) = probe(&endpoint, IMAGE, &hc, &names(), limit);
    match result {
        Err(DockerProbeError::Timeout {
            endpoint: ep,
            during,
            after_ms,
        }) => {
            assert_eq!(ep, endpoint);
            assert!(during.contains("getent"), "{during}");
            assert_eq!(after_ms, 3000);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert_no_containers(&rig);
}

#[test]
fn an_abandoned_probe_still_removes_its_container() {
    let rig = rig();
    let _turn = turn();
    let hc = ChaincodeHostConfig {
        dns: vec![rig.daemon.dead_address().to_string()],
        network_mode: Some(NETWORK.into()),
        ..ChaincodeHostConfig::default()
    };
    let endpoint = rig.daemon.endpoint();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // The caller gives up (its own deadline) while getent still waits for an answer.
    let names = names();
    let abandoned = runtime.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(3),
            probe_chaincode_dns(&endpoint, IMAGE, &hc, &names, LIMIT),
        )
        .await
    });
    assert!(abandoned.is_err(), "the probe finished: {abandoned:?}");
    // The removal was handed to the runtime, which still runs.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        runtime.block_on(async { tokio::time::sleep(Duration::from_millis(200)).await });
        if rig.daemon.containers().is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the abandoned probe's container stayed: {:?}",
            rig.daemon.containers()
        );
    }
}

#[test]
fn an_unreachable_daemon_is_an_error_naming_the_endpoint() {
    let dir = tempfile::Builder::new()
        .prefix("fcd-")
        .tempdir_in("/tmp")
        .expect("temp dir");
    // A socket file nobody listens on any more: connection refused.
    let stale = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).expect("bind a unix socket"));
    let missing = dir.path().join("missing.sock");
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let hc = ChaincodeHostConfig::default();
    for endpoint in [
        format!("unix://{}", stale.display()),
        format!("unix://{}", missing.display()),
        format!("tcp://127.0.0.1:{closed}"),
    ] {
        let (result, elapsed) = probe(&endpoint, IMAGE, &hc, &names(), LIMIT);
        let e = result.unwrap_err();
        eprintln!("{e}");
        assert!(
            matches!(e, DockerProbeError::Connect { .. }),
            "{endpoint}: {e:?}"
        );
        assert_eq!(e.endpoint(), Some(endpoint.as_str()));
        assert!(e.to_string().contains(&endpoint), "{e}");
        assert!(elapsed < Duration::from_secs(2), "{endpoint}: {elapsed:?}");
        let obs = observation("peer0", &endpoint, &hc, &Err(e.clone()));
        assert_eq!(obs.failure, Some(e.to_string()));
    }
}

#[test]
fn a_daemon_that_never_answers_costs_the_limit_not_a_hang() {
    // Accepts connections (the kernel's backlog) and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("tcp://{}", listener.local_addr().expect("addr"));
    let limit = Duration::from_secs(1);
    let (result, elapsed) = probe(
        &endpoint,
        IMAGE,
        &ChaincodeHostConfig::default(),
        &names(),
        limit,
    );
    match result {
        Err(DockerProbeError::Timeout {
            endpoint: ep,
            during,
            ..
        }) => {
            assert_eq!(ep, endpoint);
            assert_eq!(during, "pinging the daemon");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    drop(listener);
}

#[test]
fn endpoints_other_than_unix_and_tcp_are_refused_up_front() {
    let (result, _) = probe(
        "https://docker.example:2376",
        IMAGE,
        &ChaincodeHostConfig::default(),
        &names(),
        LIMIT,
    );
    let e = result.unwrap_err();
    assert_eq!(e.endpoint(), Some("https://docker.example:2376"));
    assert!(
        e.to_string()
            .contains("expected unix:///path or tcp://host:port"),
        "{e}"
    );
}

/// Fabric names a peer's chaincode containers `{networkId}-{peerId}-{name}-{version}`: the
/// listing finds this peer's (whatever their state), not another peer's, not fabcheck's own
/// probes, and reads what each logged.
#[test]
fn a_peers_chaincode_containers_are_listed_with_their_state_and_log() {
    let rig = rig();
    let _turn = turn();
    let daemon = &rig.daemon;
    // Exited after printing a line; exited after printing nothing; created, never started;
    // another peer's.
    let container = |verb: &str, name: &str, lookup: &str| {
        daemon.docker(&[
            verb,
            "--name",
            name,
            "--network",
            "none",
            IMAGE,
            "getent",
            "hosts",
            lookup,
        ])
    };
    assert!(
        container("run", "dev-peer0.org1-mycc-1.0", "localhost")
            .status
            .success()
    );
    // getent exits 2: not found.
    let _ = container("run", "dev-peer0.org1-other-2.0", "peer0.org1.invalid");
    assert!(
        container("create", "dev-peer0.org1-lazy-1.0", "localhost")
            .status
            .success()
    );
    assert!(
        container("run", "dev-peer1.org1-mycc-1.0", "localhost")
            .status
            .success()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let endpoint = daemon.endpoint();
    let listed = runtime
        .block_on(async {
            tokio::time::timeout(
                HANG,
                list_chaincode_containers(&endpoint, &endpoint, Some("dev-peer0.org1-"), LIMIT),
            )
            .await
        })
        .expect("the listing hung");
    for name in [
        "dev-peer0.org1-mycc-1.0",
        "dev-peer0.org1-other-2.0",
        "dev-peer0.org1-lazy-1.0",
        "dev-peer1.org1-mycc-1.0",
    ] {
        daemon.docker_ok(&["rm", "-f", name]);
    }
    let listed = listed.expect("listed");
    let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "dev-peer0.org1-lazy-1.0",
            "dev-peer0.org1-mycc-1.0",
            "dev-peer0.org1-other-2.0"
        ],
        "{listed:#?}"
    );
    assert_eq!(listed[0].state, "created");
    assert_eq!(
        (listed[1].state.as_str(), listed[1].exit_code),
        ("exited", Some(0))
    );
    assert!(
        listed[1].log_tail.iter().any(|l| l.contains("localhost")),
        "{listed:#?}"
    );
    assert_eq!(
        (listed[2].state.as_str(), listed[2].exit_code),
        ("exited", Some(2))
    );
    assert!(listed[2].log_tail.is_empty(), "{listed:#?}");
    // Unreachable daemon: an error naming it, within the bound.
    let err = runtime
        .block_on(list_chaincode_containers(
            "tcp://127.0.0.1:9",
            "tcp://127.0.0.1:9",
            None,
            Duration::from_secs(5),
        ))
        .expect_err("nothing listens on port 9");
    assert!(err.to_string().contains("tcp://127.0.0.1:9"), "{err}");
    assert_no_containers(&rig);
}
