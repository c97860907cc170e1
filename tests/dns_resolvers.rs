//! glibc, musl and Go resolving the same names with the same HostConfig, inside probe
//! containers a real Docker daemon launches the way a Fabric peer launches chaincode, against
//! real DNS servers (dnsmasq) — and diverging where the models in
//! `fabcheck::inventory::dns::stub` say they do:
//! - a public server listed beside the cluster DNS: musl asks both at once and takes the
//!   public server's fast NXDOMAIN; glibc and Go ask the cluster DNS first and wait for it;
//! - ndots: a name with ndots dots is asked as written; glibc and Go go on to the search list
//!   after its NXDOMAIN, musl never tries the search list;
//! - a REFUSED answer to the name as written ends glibc's search, Go goes on to the search list.
//!
//! The daemon's default `bridge` network is used (NetworkMode `bridge`, as Fabric's
//! Docker-in-Docker setups give chaincode), because only there does Docker write the Dns servers
//! into the container's resolv.conf as they are; on a user-defined network its embedded server
//! 127.0.0.11 stands in front of them and forwards in order (libnetwork resolver.go).
//!
//! The "cluster" dnsmasq answers the reference network's names and is reached through a relay
//! that holds each query 300 ms, so the race musl runs is decided the same way every time. The
//! "public" dnsmasq knows `cluster.local` and `org1` as zones with no names in them (NXDOMAIN at
//! once) and refuses everything else, as a resolver that does not serve those names does.

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/dns_server.rs"]
mod dns_server;
#[path = "support/dockerd.rs"]
mod dockerd;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use dns_server::{DnsServer, ZoneSpec};
use dockerd::{ALPINE_LIKE_IMAGE, Dockerd, GO_IMAGE, IMAGE, MUSL_IMAGE};
use fabcheck::probe::docker::{
    ChaincodeDnsOutcome, ChaincodeHostConfig, ContainerLookups, probe_chaincode_dns,
};

const SEED_SEARCH: [&str; 2] = ["default.svc.cluster.local", "svc.cluster.local"];
const LIMIT: Duration = Duration::from_secs(30);
const HANG: Duration = Duration::from_secs(120);
/// How long the relay holds each query to the cluster DNS.
const CLUSTER_DELAY: Duration = Duration::from_millis(300);

/// A UDP relay on `listen` that forwards every query to `upstream` after `delay` and hands the
/// reply back; stops when dropped.
struct SlowRelay {
    stop: Arc<AtomicBool>,
}

impl SlowRelay {
    fn start(listen: SocketAddr, upstream: SocketAddr, delay: Duration) -> SlowRelay {
        let socket = UdpSocket::bind(listen).unwrap_or_else(|e| panic!("relay on {listen}: {e}"));
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("read timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !stopped.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let query = buf[..n].to_vec();
                let reply_to = socket.try_clone().expect("relay socket");
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    let up = UdpSocket::bind(SocketAddr::new(upstream.ip(), 0)).expect("bind");
                    up.set_read_timeout(Some(Duration::from_secs(3))).ok();
                    if up.send_to(&query, upstream).is_err() {
                        return;
                    }
                    let mut answer = [0u8; 4096];
                    if let Ok((m, _)) = up.recv_from(&mut answer) {
                        let _ = reply_to.send_to(&answer[..m], from);
                    }
                });
            }
        });
        SlowRelay { stop }
    }
}

impl Drop for SlowRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Rig {
    _relay: SlowRelay,
    cluster: DnsServer,
    _public: DnsServer,
    daemon: Dockerd,
}

fn rig() -> Arc<Rig> {
    static SHARED: Mutex<Weak<Rig>> = Mutex::new(Weak::new());
    let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(rig) = slot.upgrade() {
        return rig;
    }
    let daemon = Dockerd::start_with_default_bridge();
    daemon.import_resolver_probes();
    let gateway = daemon.bridge_gateway();
    let cluster = DnsServer::start(
        &ZoneSpec::reference_network()
            .local_zone("org1")
            .listen(gateway, 0),
    );
    let relay = SlowRelay::start(SocketAddr::new(gateway, 53), cluster.addr(), CLUSTER_DELAY);
    let public = DnsServer::start(
        &ZoneSpec::default()
            .local_zone("org1")
            .listen(daemon.bridge_second(), 53),
    );
    let rig = Arc::new(Rig {
        _relay: relay,
        cluster,
        _public: public,
        daemon,
    });
    *slot = Arc::downgrade(&rig);
    rig
}

fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn host_config(servers: &[IpAddr], options: &[&str]) -> ChaincodeHostConfig {
    ChaincodeHostConfig {
        dns: servers.iter().map(ToString::to_string).collect(),
        dns_search: strings(&SEED_SEARCH),
        dns_options: strings(options),
        network_mode: Some("bridge".into()),
    }
}

/// Runs the probe with `image` and returns what it saw.
fn lookups(rig: &Rig, image: &str, hc: &ChaincodeHostConfig, names: &[&str]) -> ContainerLookups {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let start = Instant::now();
    let result = runtime
        .block_on(async {
            tokio::time::timeout(
                HANG,
                probe_chaincode_dns(&rig.daemon.endpoint(), image, hc, &strings(names), LIMIT),
            )
            .await
        })
        .expect("the probe hung");
    eprintln!("{image}: {:?}", start.elapsed());
    match result {
        Ok(ChaincodeDnsOutcome::Ran(l)) => *l,
        other => panic!(
            "expected the {image} probe to run, got {other:?}\n{}",
            rig.daemon.logs()
        ),
    }
}

/// The candidate that answered each name, or `None`.
fn matched(l: &ContainerLookups) -> Vec<Option<String>> {
    l.results
        .iter()
        .map(|r| r.matched().map(|(q, _)| q.to_owned()))
        .collect()
}

#[test]
fn musl_takes_a_public_servers_nxdomain_that_glibc_and_go_never_see() {
    let rig = rig();
    let _turn = turn();
    let hc = host_config(
        &[rig.daemon.bridge_gateway(), rig.daemon.bridge_second()],
        &["ndots:2", "timeout:2", "attempts:2"],
    );
    let names = ["peer0-org1", "peer0.org1"];
    let expected = vec![
        Some("peer0-org1.default.svc.cluster.local".to_owned()),
        Some("peer0.org1.svc.cluster.local".to_owned()),
    ];
    for image in [IMAGE, GO_IMAGE] {
        let l = lookups(&rig, image, &hc, &names);
        assert!(
            l.resolv_conf
                .contains(&format!("nameserver {}", rig.daemon.bridge_second())),
            "Docker wrote both servers on the default bridge:\n{}",
            l.resolv_conf
        );
        assert_eq!(matched(&l), expected, "{image}: {l:#?}");
    }
    let l = lookups(&rig, MUSL_IMAGE, &hc, &names);
    assert!(l.resolver.starts_with("musl"), "{}", l.resolver);
    assert_eq!(
        matched(&l),
        vec![None, None],
        "musl took the public server's NXDOMAIN for the cluster names: {l:#?}"
    );
    // With the cluster DNS alone, musl resolves them too: the public server was the cause.
    let alone = host_config(&[rig.daemon.bridge_gateway()], &["ndots:2", "timeout:2"]);
    let l = lookups(&rig, MUSL_IMAGE, &alone, &names);
    assert_eq!(matched(&l), expected, "{l:#?}");
}

#[test]
fn with_ndots_1_musl_never_tries_the_search_list() {
    let rig = rig();
    let _turn = turn();
    let hc = host_config(&[rig.daemon.bridge_gateway()], &["ndots:1", "timeout:2"]);
    // `peer0.org1` has one dot: asked as written first (NXDOMAIN from the cluster DNS).
    for image in [IMAGE, GO_IMAGE] {
        let l = lookups(&rig, image, &hc, &["peer0.org1"]);
        assert_eq!(
            matched(&l),
            vec![Some("peer0.org1.svc.cluster.local".to_owned())],
            "{image} goes on to the search list: {l:#?}"
        );
    }
    let l = lookups(&rig, MUSL_IMAGE, &hc, &["peer0.org1"]);
    assert_eq!(matched(&l), vec![None], "{l:#?}");
    assert_eq!(
        l.results[0].candidates.len(),
        1,
        "musl's only candidate is the name as written: {l:#?}"
    );
}

#[test]
fn a_refusing_search_domain_ends_glibcs_search_list_and_go_goes_on() {
    let rig = rig();
    let _turn = turn();
    // A node search domain whose server refuses (the cluster dnsmasq serves no corp.example),
    // listed before the cluster's: `peer0.org2` (1 dot, ndots 5) is searched first.
    let hc = ChaincodeHostConfig {
        dns_search: strings(&[
            "corp.example",
            "default.svc.cluster.local",
            "svc.cluster.local",
        ]),
        ..host_config(&[rig.daemon.bridge_gateway()], &["ndots:5", "timeout:1"])
    };
    let before = rig.cluster.queries(0).len();
    let glibc = lookups(&rig, IMAGE, &hc, &["peer0.org2"]);
    let asked: Vec<String> = rig.cluster.queries(before + 2)[before..]
        .iter()
        .map(|q| q.split_once(' ').map_or(q.clone(), |(_, n)| n.to_owned()))
        .collect();
    let go = lookups(&rig, GO_IMAGE, &hc, &["peer0.org2"]);
    let musl = lookups(&rig, MUSL_IMAGE, &hc, &["peer0.org2"]);
    assert_eq!(
        matched(&glibc),
        vec![None],
        "glibc stops the search list at REFUSED: {glibc:#?}"
    );
    // res_query.c: the search-list loop ends, and the name as written is still asked last.
    assert!(
        !asked.iter().any(|n| n.ends_with(".svc.cluster.local")),
        "glibc asked no later search domain: {asked:?}"
    );
    assert!(
        asked.iter().any(|n| n == "peer0.org2"),
        "glibc asked the name as written last: {asked:?}"
    );
    assert_eq!(
        matched(&go),
        vec![Some("peer0.org2.svc.cluster.local".to_owned())],
        "Go goes on to the next search domain: {go:#?}"
    );
    assert!(go.resolver.starts_with("Go's resolver"), "{}", go.resolver);
    assert_eq!(
        matched(&musl),
        vec![None],
        "musl ignores REFUSED and times out: {musl:#?}"
    );
}

#[test]
fn a_refused_answer_to_the_name_as_written_does_not_stop_glibc() {
    let rig = rig();
    let _turn = turn();
    // ndots:1: `peer0.org2` is asked as written first, and refused.
    let hc = host_config(&[rig.daemon.bridge_gateway()], &["ndots:1", "timeout:1"]);
    for image in [IMAGE, GO_IMAGE] {
        let l = lookups(&rig, image, &hc, &["peer0.org2"]);
        assert_eq!(
            matched(&l),
            vec![Some("peer0.org2.svc.cluster.local".to_owned())],
            "{image}: {l:#?}"
        );
    }
    let musl = lookups(&rig, MUSL_IMAGE, &hc, &["peer0.org2"]);
    assert_eq!(matched(&musl), vec![None], "{musl:#?}");
}

/// A peer whose chaincode gets `dns` and the cluster search list on the default bridge.
fn peer_artifacts(dns: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("fabcheck-resolvers-")
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
          image: hyperledger/fabric-peer:2.2.0
          env:
            - name: CORE_PEER_ID
              value: peer0.org1
            - name: CORE_PEER_ADDRESS
              value: peer0.org1:7051
            - name: CORE_VM_ENDPOINT
              value: unix:///host/var/run/docker.sock
            - name: CORE_VM_DOCKER_HOSTCONFIG_DNS
              value: "{dns}"
            - name: CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH
              value: default.svc.cluster.local svc.cluster.local
            - name: CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE
              value: bridge
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
    std::fs::write(dir.path().join("peer0.yaml"), manifest).expect("manifest");
    dir
}

/// `fabcheck check … --select DNS -o json` and its DNS-008 finding for the peer.
fn dns008(args: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .arg("check")
        .args(args)
        .args(["--select", "DNS", "-o", "json"])
        .output()
        .expect("fabcheck runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["check_id"] == "DNS-008" && f["evidence"]["name"] == "peer0.org1")
        .cloned()
        .unwrap_or_else(|| panic!("no DNS-008 finding for peer0.org1: {report:#}"))
}

#[test]
fn the_cli_says_which_resolver_it_observed_and_which_it_assumed() {
    let rig = rig();
    let _turn = turn();
    let dns = format!(
        "{} {}",
        rig.daemon.bridge_gateway(),
        rig.daemon.bridge_second()
    );
    let artifacts = peer_artifacts(&dns);
    let dir = artifacts.path().to_str().expect("utf-8 path");
    let endpoint = rig.daemon.endpoint();

    // The musl probe with musl assumed: Fabric never passes DnsOptions, so ndots is 1 and musl
    // asks peer0.org1 only as written (NXDOMAIN): DNS-008 fails.
    let f = dns008(&[
        "--artifacts",
        dir,
        "--docker",
        &endpoint,
        "--docker-image",
        MUSL_IMAGE,
        "--chaincode-resolver",
        "musl",
    ]);
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(
        f["evidence"]["resolver_observed"]
            .as_str()
            .unwrap_or("")
            .starts_with("musl"),
        "{f:#}"
    );
    assert_eq!(
        f["evidence"]["resolver"], "assuming musl (--chaincode-resolver musl)",
        "{f:#}"
    );
    assert!(f["evidence"].get("resolver_mismatch").is_none(), "{f:#}");
    assert!(
        f["target"]["locator"]
            .as_str()
            .unwrap_or("")
            .ends_with("resolved by musl"),
        "{f:#}"
    );

    // The Go probe, Go assumed (Go chaincode on Fabric 2.2): it resolves.
    let f = dns008(&[
        "--artifacts",
        dir,
        "--docker",
        &endpoint,
        "--docker-image",
        GO_IMAGE,
    ]);
    assert_eq!(f["status"], "pass", "{f:#}");
    assert!(
        f["evidence"]["resolver"]
            .as_str()
            .unwrap_or("")
            .starts_with("assuming Go's resolver (Go chaincode"),
        "{f:#}"
    );
    assert!(f["evidence"].get("resolver_mismatch").is_none(), "{f:#}");

    // glibc's getent while Go is assumed: the verdict says the lookups were not the chaincode's.
    let f = dns008(&[
        "--artifacts",
        dir,
        "--docker",
        &endpoint,
        "--docker-image",
        IMAGE,
    ]);
    assert_eq!(f["status"], "pass", "{f:#}");
    assert!(
        f["evidence"]["resolver_mismatch"]
            .as_str()
            .unwrap_or("")
            .contains("resolved by glibc, but the chaincode is assumed to use Go's resolver"),
        "{f:#}"
    );
}

#[test]
fn an_unlabelled_image_with_musls_loader_is_taken_as_musl() {
    let rig = rig();
    let _turn = turn();
    let hc = host_config(&[rig.daemon.bridge_gateway()], &["ndots:1", "timeout:1"]);
    let l = lookups(&rig, ALPINE_LIKE_IMAGE, &hc, &["peer0.org1"]);
    assert!(
        l.resolver
            .starts_with("musl (getent of the image, which has musl's loader"),
        "{}",
        l.resolver
    );
    // Mapped in musl's order: one candidate, the name as written.
    assert_eq!(l.results[0].candidates.len(), 1, "{l:#?}");
    assert_eq!(matched(&l), vec![None], "{l:#?}");
    let l = lookups(&rig, IMAGE, &hc, &["peer0.org1"]);
    assert!(
        l.resolver.starts_with("glibc (getent of the image"),
        "{}",
        l.resolver
    );
}
