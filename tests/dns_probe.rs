//! `probe::dns::resolve_names` against a real dnsmasq serving the reference network's
//! `cluster.local` zone: which candidate glibc's order reaches, what the server said to each,
//! where the search stops, and that failing servers cost bounded time; and
//! `resolve_names_as` making the same lookups as musl and Go do, where they part from glibc.

#[path = "support/dns_server.rs"]
mod dns_server;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use dns_server::{DnsServer, SilentServer, ZoneSpec, closed_addr};
use fabcheck::inventory::dns::{
    CandidateAnswer, CandidateOutcome, NameResolution, ResolverConfig, StubResolver,
};
use fabcheck::probe::dns::{resolve_names, resolve_names_as};

// The binary's allocator, so that the timing of the ten-thousand-name run is the CLI's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The search list of the seed article's fix.
const SEED_SEARCH: [&str; 2] = ["default.svc.cluster.local", "svc.cluster.local"];

/// No test may take longer than this, whatever the code under test does.
const HANG: Duration = Duration::from_secs(60);

fn config(search: &[&str], ndots: u8, timeout: u8, attempts: u8) -> ResolverConfig {
    ResolverConfig {
        search: search.iter().map(|s| s.to_string()).collect(),
        ndots,
        timeout,
        attempts,
        ..ResolverConfig::default()
    }
}

/// Resolves `names`, failing the test instead of hanging; returns the results and the time taken.
async fn resolve(
    servers: &[SocketAddr],
    config: &ResolverConfig,
    names: &[&str],
) -> (Vec<NameResolution>, Duration) {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let start = Instant::now();
    let results = tokio::time::timeout(HANG, resolve_names(servers, config, &names, 16))
        .await
        .expect("resolve_names hung");
    assert_eq!(results.len(), names.len());
    for (r, n) in results.iter().zip(&names) {
        assert_eq!(&r.name, n, "results are in the order asked");
    }
    (results, start.elapsed())
}

fn outcome(query: &str, answer: CandidateAnswer) -> CandidateOutcome {
    CandidateOutcome {
        query: query.to_owned(),
        answer,
    }
}

fn v4(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_fix_resolves_peer0_org1_through_the_second_search_domain() {
    let server = DnsServer::start(&ZoneSpec::reference_network());
    let cfg = config(&SEED_SEARCH, 2, 2, 2);
    let (r, _) = resolve(&[server.addr()], &cfg, &["peer0.org1", "peer0-org1"]).await;

    // peer0.org1 has one dot, fewer than ndots:2: search list first, raw name last.
    assert_eq!(
        r[0].candidates,
        vec![
            outcome(
                "peer0.org1.default.svc.cluster.local",
                CandidateAnswer::NoSuchName
            ),
            outcome(
                "peer0.org1.svc.cluster.local",
                CandidateAnswer::Addresses(vec![v4("10.96.11.10")])
            ),
            outcome("peer0.org1", CandidateAnswer::NotAsked),
        ],
        "{}",
        server.logs()
    );
    assert_eq!(
        r[0].matched(),
        Some(("peer0.org1.svc.cluster.local", &[v4("10.96.11.10")][..]))
    );
    assert_eq!(r[0].queries_sent(), 2);

    assert_eq!(
        r[1].candidates,
        vec![
            outcome(
                "peer0-org1.default.svc.cluster.local",
                CandidateAnswer::Addresses(vec![v4("10.96.1.10")])
            ),
            outcome("peer0-org1.svc.cluster.local", CandidateAnswer::NotAsked),
            outcome("peer0-org1", CandidateAnswer::NotAsked),
        ]
    );
    assert_eq!(r[1].queries_sent(), 1);

    // The server saw exactly the queries the results claim, once each: no cache, no
    // search of hickory's own, no AAAA.
    assert_eq!(
        sorted(server.queries(3)),
        vec![
            "A peer0-org1.default.svc.cluster.local",
            "A peer0.org1.default.svc.cluster.local",
            "A peer0.org1.svc.cluster.local",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_second_search_domain_peer0_org1_does_not_exist() {
    // `org1` answered locally, as an upstream answers for a TLD that does not exist.
    let server = DnsServer::start(&ZoneSpec::reference_network().local_zone("org1"));
    let cfg = config(&["default.svc.cluster.local"], 2, 2, 2);
    let (r, _) = resolve(&[server.addr()], &cfg, &["peer0.org1"]).await;
    assert_eq!(
        r[0].candidates,
        vec![
            outcome(
                "peer0.org1.default.svc.cluster.local",
                CandidateAnswer::NoSuchName
            ),
            outcome("peer0.org1", CandidateAnswer::NoSuchName),
        ],
        "{}",
        server.logs()
    );
    assert_eq!(r[0].matched(), None);
    assert_eq!(
        r[0].last_asked(),
        Some(&outcome("peer0.org1", CandidateAnswer::NoSuchName))
    );
    assert_eq!(
        server.queries(2),
        vec!["A peer0.org1.default.svc.cluster.local", "A peer0.org1"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ndots_one_asks_the_raw_name_first_and_takes_a_wrong_answer_for_it() {
    let spec = ZoneSpec::reference_network().record("peer0.org1", "10.99.99.99");
    let server = DnsServer::start(&spec);
    let cfg = config(&SEED_SEARCH, 1, 2, 2);
    let (r, _) = resolve(&[server.addr()], &cfg, &["peer0.org1"]).await;
    assert_eq!(
        r[0].candidates,
        vec![
            outcome(
                "peer0.org1",
                CandidateAnswer::Addresses(vec![v4("10.99.99.99")])
            ),
            outcome(
                "peer0.org1.default.svc.cluster.local",
                CandidateAnswer::NotAsked
            ),
            outcome("peer0.org1.svc.cluster.local", CandidateAnswer::NotAsked),
        ],
        "{}",
        server.logs()
    );
    assert_eq!(
        r[0].matched(),
        Some(("peer0.org1", &[v4("10.99.99.99")][..]))
    );
    assert_eq!(server.queries(1), vec!["A peer0.org1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_for_the_name_asked_as_written_first_goes_on_to_the_search_list() {
    // No record and no local zone for the raw name: dnsmasq, with no upstream, says REFUSED.
    // glibc's __res_context_search goes on to the search list whatever the first query got
    // (seen with Debian's glibc in tests/dns_resolvers.rs).
    let server = DnsServer::start(&ZoneSpec::reference_network());
    let cfg = config(&SEED_SEARCH, 1, 2, 2);
    let (r, _) = resolve(&[server.addr()], &cfg, &["peer0.org1"]).await;
    assert_eq!(
        r[0].candidates,
        vec![
            outcome("peer0.org1", CandidateAnswer::Refused("REFUSED".into())),
            outcome(
                "peer0.org1.default.svc.cluster.local",
                CandidateAnswer::NoSuchName
            ),
            outcome(
                "peer0.org1.svc.cluster.local",
                CandidateAnswer::Addresses(vec![v4("10.96.11.10")])
            ),
        ],
        "{}",
        server.logs()
    );
    // res_send tries the next server after REFUSED, in every round: one server, two attempts.
    assert_eq!(
        server.queries(4)[..2].to_vec(),
        vec!["A peer0.org1", "A peer0.org1"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_in_the_search_list_ends_it_and_the_name_as_written_is_asked_last() {
    let server = DnsServer::start(&ZoneSpec::reference_network());
    let cfg = config(&["corp.example", "svc.cluster.local"], 5, 2, 1);
    let (r, _) = resolve(&[server.addr()], &cfg, &["peer0.org1"]).await;
    assert_eq!(
        r[0].candidates,
        vec![
            outcome(
                "peer0.org1.corp.example",
                CandidateAnswer::Refused("REFUSED".into())
            ),
            outcome("peer0.org1.svc.cluster.local", CandidateAnswer::NotAsked),
            outcome("peer0.org1", CandidateAnswer::Refused("REFUSED".into())),
        ],
        "{}",
        server.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_without_address_records_is_nodata_and_the_search_goes_on() {
    let spec = ZoneSpec::reference_network()
        .nodata("couchdb0.default.svc.cluster.local")
        .record("couchdb0.svc.cluster.local", "10.96.0.30");
    let server = DnsServer::start(&spec);
    let cfg = config(&SEED_SEARCH, 5, 2, 2);
    let (r, _) = resolve(&[server.addr()], &cfg, &["couchdb0"]).await;
    assert_eq!(
        r[0].candidates,
        vec![
            outcome(
                "couchdb0.default.svc.cluster.local",
                CandidateAnswer::NoData
            ),
            outcome(
                "couchdb0.svc.cluster.local",
                CandidateAnswer::Addresses(vec![v4("10.96.0.30")])
            ),
            outcome("couchdb0", CandidateAnswer::NotAsked),
        ],
        "{}",
        server.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_times_out_within_timeout_times_attempts_and_ends_the_search_list() {
    let silent = SilentServer::start();
    let cfg = config(&SEED_SEARCH, 5, 1, 1);
    let (r, took) = resolve(&[silent.addr()], &cfg, &["peer0-org1"]).await;
    assert_eq!(
        r[0].candidates,
        vec![
            outcome(
                "peer0-org1.default.svc.cluster.local",
                CandidateAnswer::TimedOut
            ),
            outcome("peer0-org1.svc.cluster.local", CandidateAnswer::NotAsked),
            // The search list ends; the name as written is still asked (res_query.c).
            outcome("peer0-org1", CandidateAnswer::TimedOut),
        ]
    );
    assert!(
        took >= Duration::from_millis(1800) && took < Duration::from_millis(4500),
        "timeout:1 attempts:1 took {took:?}"
    );
    assert!(
        silent.received() >= 1,
        "the query reached the silent server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_first_server_is_skipped_for_the_second_as_glibc_does() {
    let silent = SilentServer::start();
    let server = DnsServer::start(&ZoneSpec::reference_network());
    let cfg = config(&SEED_SEARCH, 5, 1, 2);
    let (r, took) = resolve(&[silent.addr(), server.addr()], &cfg, &["peer0-org1"]).await;
    assert_eq!(
        r[0].matched(),
        Some((
            "peer0-org1.default.svc.cluster.local",
            &[v4("10.96.1.10")][..]
        )),
        "{:?}",
        r[0]
    );
    // One try of the silent server (1 s), then the second server answers.
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
        "took {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servfail_moves_on_to_the_next_candidate() {
    let server = DnsServer::start(&ZoneSpec::reference_network().servfail("broken.test"));
    let cfg = config(&["broken.test", "default.svc.cluster.local"], 5, 2, 2);
    let (r, took) = resolve(&[server.addr()], &cfg, &["peer0-org1"]).await;
    assert_eq!(
        r[0].candidates,
        vec![
            outcome("peer0-org1.broken.test", CandidateAnswer::ServFail),
            outcome(
                "peer0-org1.default.svc.cluster.local",
                CandidateAnswer::Addresses(vec![v4("10.96.1.10")])
            ),
            outcome("peer0-org1", CandidateAnswer::NotAsked),
        ],
        "{}",
        server.logs()
    );
    // SERVFAIL sends res_send to the next server, round after round: asked twice (attempts:2).
    assert_eq!(
        server.queries(3),
        vec![
            "A peer0-org1.broken.test",
            "A peer0-org1.broken.test",
            "A peer0-org1.default.svc.cluster.local"
        ]
    );
    assert!(
        took < Duration::from_secs(2),
        "SERVFAIL is an answer, not a wait: {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_addresses_arrive_complete_over_tcp_after_a_truncated_udp_answer() {
    let spec = ZoneSpec::reference_network().many("orderers.default.svc.cluster.local", 40);
    let server = DnsServer::start(&spec);
    let cfg = config(&SEED_SEARCH, 5, 2, 2);
    let (r, _) = resolve(&[server.addr()], &cfg, &["orderers"]).await;
    let (query, addresses) = r[0].matched().unwrap_or_else(|| panic!("{:?}", r[0]));
    assert_eq!(query, "orderers.default.svc.cluster.local");
    let mut got = addresses.to_vec();
    got.sort();
    let mut want = spec.addresses("orderers.default.svc.cluster.local");
    want.sort();
    assert_eq!(want.len(), 40);
    assert_eq!(got, want, "all 40 records; a UDP answer holds only 29");
    // Asked twice: over UDP (truncated), then over TCP.
    assert_eq!(
        server.queries(2),
        vec![
            "A orderers.default.svc.cluster.local",
            "A orderers.default.svc.cluster.local"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_listening_is_connection_refused_at_once_and_ends_the_search() {
    let closed = closed_addr();
    let cfg = config(&SEED_SEARCH, 5, 2, 2);
    let (r, took) = resolve(&[closed], &cfg, &["peer0-org1"]).await;
    assert_eq!(
        r[0].candidates,
        vec![
            outcome(
                "peer0-org1.default.svc.cluster.local",
                CandidateAnswer::Error("connection refused".into())
            ),
            outcome("peer0-org1.svc.cluster.local", CandidateAnswer::NotAsked),
            outcome("peer0-org1", CandidateAnswer::NotAsked),
        ]
    );
    // glibc's connected UDP socket hears the ICMP port-unreachable: no timeout is waited for.
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_names_resolve_concurrently_in_order() {
    // Distinct names, so that every query really reaches the server (identical queries in
    // flight at once would share one packet). Every fourth name is `peerN.orgM`, found through
    // the second search domain after an NXDOMAIN; one in a hundred exists nowhere.
    let mut spec = ZoneSpec::reference_network().without_query_log();
    let mut names = Vec::new();
    let mut want = Vec::new();
    for i in 0..10_000u32 {
        let ip = format!(
            "10.{}.{}.{}",
            100 + i / 62_500,
            (i / 250) % 250,
            i % 250 + 1
        );
        if i % 100 == 99 {
            names.push(format!("missing{i}"));
            want.push(None);
        } else if i % 4 == 0 {
            let fqdn = format!("peer{i}.org{}.svc.cluster.local", i % 7);
            spec = spec.record(&fqdn, &ip);
            names.push(format!("peer{i}.org{}", i % 7));
            want.push(Some((fqdn, ip, 2)));
        } else {
            let fqdn = format!("svc{i}.default.svc.cluster.local");
            spec = spec.record(&fqdn, &ip);
            names.push(format!("svc{i}"));
            want.push(Some((fqdn, ip, 1)));
        }
    }
    let server = DnsServer::start(&spec);
    let cfg = config(&SEED_SEARCH, 2, 2, 2);
    let start = Instant::now();
    let r = tokio::time::timeout(HANG, resolve_names(&[server.addr()], &cfg, &names, 64))
        .await
        .expect("resolve_names hung");
    let took = start.elapsed();
    eprintln!("10000 distinct names, 64 at once: {took:?}");
    assert_eq!(r.len(), names.len());
    for ((resolution, name), want) in r.iter().zip(&names).zip(&want) {
        assert_eq!(&resolution.name, name);
        match want {
            Some((fqdn, ip, sent)) => {
                assert_eq!(
                    resolution.matched(),
                    Some((fqdn.as_str(), &[v4(ip)][..])),
                    "{resolution:?}"
                );
                assert_eq!(resolution.queries_sent(), *sent, "{resolution:?}");
            }
            None => {
                // Both search domains say NXDOMAIN; the raw name, outside every zone, REFUSED.
                assert_eq!(resolution.matched(), None, "{resolution:?}");
                assert_eq!(
                    resolution.last_asked().map(|c| &c.answer),
                    Some(&CandidateAnswer::Refused("REFUSED".into())),
                    "{resolution:?}"
                );
            }
        }
    }
    // Generous for an unoptimised build on a loaded 2-core machine; release is far faster.
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn the_test_server_itself_truncates_and_answers_over_tcp() {
    // Independent of the code under test: the support's own TCP client sees all 40 records.
    let spec = ZoneSpec::default().many("big.cluster.local", 40);
    let server = DnsServer::start(&spec);
    assert_eq!(
        dns_server::ask_tcp(server.addr(), "big.cluster.local"),
        Some((0, 40))
    );
    assert_eq!(
        dns_server::ask_tcp(server.addr(), "nope.cluster.local"),
        Some((3, 0))
    );
}

/// A UDP relay that passes each query to `upstream` after `delay` and the answer back: a real
/// DNS server that answers later than another one (a cluster DNS farther away than a public
/// resolver listed beside it).
struct SlowRelay {
    addr: SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl SlowRelay {
    fn start(upstream: SocketAddr, delay: Duration) -> SlowRelay {
        use std::net::UdpSocket;
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind the relay");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("read timeout");
        let addr = socket.local_addr().expect("relay address");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok((n, client)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let query = buf[..n].to_vec();
                let reply_to = socket.try_clone().expect("clone the relay socket");
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    let out = UdpSocket::bind("127.0.0.1:0").expect("bind upstream socket");
                    out.set_read_timeout(Some(Duration::from_secs(2))).ok();
                    out.send_to(&query, upstream).ok();
                    let mut answer = [0u8; 1500];
                    if let Ok((m, _)) = out.recv_from(&mut answer) {
                        reply_to.send_to(&answer[..m], client).ok();
                    }
                });
            }
        });
        SlowRelay { addr, stop }
    }
}

impl Drop for SlowRelay {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

async fn resolve_as(
    resolver: StubResolver,
    servers: &[SocketAddr],
    config: &ResolverConfig,
    name: &str,
) -> NameResolution {
    let names = vec![name.to_owned()];
    tokio::time::timeout(HANG, resolve_names_as(resolver, servers, config, &names, 4))
        .await
        .expect("resolve_names_as hung")
        .remove(0)
}

fn matched(r: &NameResolution) -> Option<String> {
    r.matched().map(|(query, _)| query.to_owned())
}

/// musl (res_msend.c) asks every nameserver at once and takes the first NOERROR or NXDOMAIN:
/// a public resolver's fast NXDOMAIN for a cluster name beats the cluster DNS listed first,
/// so musl chaincode never resolves the peer. glibc and Go ask the first server first and get
/// the cluster's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn musl_takes_the_first_reply_so_a_public_nxdomain_beats_the_cluster_dns() {
    let cluster = DnsServer::start(&ZoneSpec::reference_network());
    let far_cluster = SlowRelay::start(cluster.addr(), Duration::from_millis(300));
    // A resolver outside the cluster: it knows no cluster.local names.
    let public = DnsServer::start(&ZoneSpec::default());
    let servers = [far_cluster.addr, public.addr()];
    let cfg = config(&["org1.svc.cluster.local", "svc.cluster.local"], 5, 2, 2);
    for resolver in [StubResolver::Glibc, StubResolver::Go] {
        let r = resolve_as(resolver, &servers, &cfg, "peer0.org1").await;
        assert_eq!(
            matched(&r).as_deref(),
            Some("peer0.org1.svc.cluster.local"),
            "{resolver}: {r:?}"
        );
    }
    let r = resolve_as(StubResolver::Musl, &servers, &cfg, "peer0.org1").await;
    assert_eq!(matched(&r), None, "{r:?}");
    assert_eq!(
        r.candidates[1],
        outcome("peer0.org1.svc.cluster.local", CandidateAnswer::NoSuchName),
        "{r:?}"
    );
    // Without the public server beside it, musl resolves the same name through the cluster.
    let r = resolve_as(StubResolver::Musl, &[far_cluster.addr], &cfg, "peer0.org1").await;
    assert_eq!(
        matched(&r).as_deref(),
        Some("peer0.org1.svc.cluster.local"),
        "{r:?}"
    );
}

/// musl asks a name with at least ndots dots only as written (lookup_name.c
/// `name_from_dns_search`), where glibc and Go go on to the search list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn musl_never_searches_a_name_with_ndots_dots() {
    let server = DnsServer::start(&ZoneSpec::reference_network());
    let cfg = config(&["cluster.local"], 2, 2, 2);
    for resolver in [StubResolver::Glibc, StubResolver::Go] {
        let r = resolve_as(resolver, &[server.addr()], &cfg, "peer0.org1.svc").await;
        assert_eq!(
            matched(&r).as_deref(),
            Some("peer0.org1.svc.cluster.local"),
            "{resolver}: {r:?}"
        );
    }
    let r = resolve_as(StubResolver::Musl, &[server.addr()], &cfg, "peer0.org1.svc").await;
    assert_eq!(r.candidates.len(), 1, "{r:?}");
    assert_eq!(r.candidates[0].query, "peer0.org1.svc");
    assert_eq!(matched(&r), None, "{r:?}");
}

/// A SERVFAIL for one search domain: glibc and Go go on to the next domain and find the peer;
/// musl's search ends there (only NXDOMAIN moves it on).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_servfail_ends_musls_search_but_not_glibcs_or_gos() {
    let server = DnsServer::start(&ZoneSpec::reference_network().servfail("broken.example"));
    let cfg = config(&["broken.example", "svc.cluster.local"], 5, 1, 1);
    for resolver in [StubResolver::Glibc, StubResolver::Go] {
        let r = resolve_as(resolver, &[server.addr()], &cfg, "peer0.org1").await;
        assert_eq!(
            matched(&r).as_deref(),
            Some("peer0.org1.svc.cluster.local"),
            "{resolver}: {r:?}"
        );
    }
    let r = resolve_as(StubResolver::Musl, &[server.addr()], &cfg, "peer0.org1").await;
    assert_eq!(matched(&r), None, "{r:?}");
    assert_eq!(r.candidates[0].query, "peer0.org1.broken.example");
    assert_eq!(r.candidates[1].answer, CandidateAnswer::NotAsked, "{r:?}");
}
