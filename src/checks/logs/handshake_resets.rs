//! LOG-002 `handshake-resets`: logs show TLS handshakes reset from one address at a steady
//! rhythm — a kubelet `tcpSocket` probe or a load balancer's TCP health check, not an attack and
//! not a Fabric fault.
//!
//! A TCP health check opens a connection (SYN, SYN-ACK, ACK) and closes or resets it without
//! sending a ClientHello, so every probe leaves `failed to complete security handshake …
//! connection reset by peer` (or `EOF`) in an orderer's, peer's or CA's log, from the checker's
//! address with a new ephemeral port each time. What tells it apart from a real client problem
//! is the rhythm: the same source IP at a regular interval. Such a series `fail`s (catalogue
//! severity warning: noise that hides real errors); resets from one IP at no steady rhythm are a
//! `warn` with their counts; one or two resets are ordinary and pass.
//!
//! Two checkers make such series: a load balancer's TCP health check, and the kubelet's own
//! `tcpSocket` liveness, readiness or startup probe on the TLS port (Kubernetes
//! `pkg/probe/tcp`: dial, then close), which comes from the node every `periodSeconds`. When the
//! logs were read from a cluster, the pod's probes say which ([`attribute`]): a `tcpSocket`
//! probe on the port the server listens on, from the node's address, at the rate the resets
//! come, is named with its fix (Fabric's operations endpoint `/healthz` over `httpGet`, or an
//! `exec` probe). From a folder of logs only the evidence of the lines is there, and the finding
//! names both likely causes.

use crate::checks::Check;
use crate::checks::logs::{
    absent, hit_target, logs_or_skip, not_read_note, plural, span, times, unreadable,
    with_occurrences,
};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target};
use crate::inventory::Inventory;
use crate::inventory::logs::{Hits, Signature};
use crate::inventory::probes::{self, ContainerProbes, ProbeKind, TcpProbe};

pub struct HandshakeResets;

/// Fewer resets than this from one IP are ordinary: clients die, pods restart.
pub const MIN_EVENTS: usize = 3;
/// Resets closer together than this are one probe round: a balancer with several health-check
/// nodes behind one source address sends them back to back (the seed article shows three within
/// 300 ms), and the rhythm is between rounds.
const ROUND_MS: i64 = 1_000;
/// The slowest health check that is still a rhythm worth naming (Alibaba SLB allows up to 50 s,
/// AWS NLB 30 s; five minutes leaves room for others).
const MAX_INTERVAL_MS: i64 = 5 * 60 * 1_000;
/// Share of intervals that must lie near the median for the series to be regular.
const REGULAR_SHARE: f64 = 0.75;

/// The timing of one IP's resets.
#[derive(Debug, Clone, PartialEq)]
pub struct Rhythm {
    /// Probe rounds: resets less than [`ROUND_MS`] apart merged.
    pub rounds: usize,
    /// Median time between the starts of consecutive rounds, in milliseconds.
    pub median_ms: Option<i64>,
    /// Share of intervals within the tolerance of the median.
    pub regular_share: f64,
}

/// What a series of resets from one IP is.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A steady interval between 1 s and 5 min: a health check.
    Periodic(Rhythm),
    /// Enough resets to notice, at no steady rhythm (or with no readable times).
    Irregular(Option<Rhythm>),
    /// One or two: ordinary.
    Isolated,
}

/// The rhythm of event times (milliseconds, any order).
pub fn rhythm(times_ms: &[i64]) -> Rhythm {
    let mut times = times_ms.to_vec();
    times.sort_unstable();
    let mut starts: Vec<i64> = Vec::new();
    let mut previous: Option<i64> = None;
    for t in times {
        if previous.is_none_or(|p| t - p >= ROUND_MS) {
            starts.push(t);
        }
        previous = Some(t);
    }
    let mut gaps: Vec<i64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.is_empty() {
        return Rhythm {
            rounds: starts.len(),
            median_ms: None,
            regular_share: 0.0,
        };
    }
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    // Timestamps carry the server's scheduling jitter and log latency: a fifth of the interval,
    // or half a second for short ones.
    let tolerance = (median / 5).max(500);
    let near = gaps
        .iter()
        .filter(|g| (**g - median).abs() <= tolerance)
        .count();
    Rhythm {
        rounds: starts.len(),
        median_ms: Some(median),
        regular_share: near as f64 / gaps.len() as f64,
    }
}

/// Judges one IP's resets.
pub fn judge(hits: &Hits) -> Verdict {
    if hits.count < MIN_EVENTS {
        return Verdict::Isolated;
    }
    if hits.times_ms.len() < MIN_EVENTS {
        return Verdict::Irregular(None);
    }
    let r = rhythm(&hits.times_ms);
    let periodic = r.rounds >= MIN_EVENTS
        && r.median_ms
            .is_some_and(|m| (ROUND_MS..=MAX_INTERVAL_MS).contains(&m))
        && r.regular_share >= REGULAR_SHARE;
    if periodic {
        Verdict::Periodic(r)
    } else {
        Verdict::Irregular(Some(r))
    }
}

/// How far the resets' rate may stray from the probes' and still be theirs: log timestamps
/// carry scheduling jitter, and a log's first and last events cut its span short.
const RATE_TOLERANCE: f64 = 0.25;

/// Who makes a series of resets, as far as the pod the log came from tells.
#[derive(Debug, Clone, PartialEq)]
pub enum Prober {
    /// The kubelet's `tcpSocket` probes on the server's port account for the resets.
    Kubelet(KubeletProbes),
    /// The pod's probes were read, and none accounts for the resets: why not.
    NotKubelet(String),
    /// Nothing to tell by: the logs came from a folder, or too few resets carry a time.
    Unknown,
}

/// The kubelet probes that make a series of resets.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeletProbes {
    /// `namespace/pod/container`.
    pub container: String,
    /// The `tcpSocket` probes on the server's port (startup probes included, though they stop
    /// once they succeed).
    pub probes: Vec<TcpProbe>,
    pub port: u16,
    /// Which of the node's addresses the resets come from, in words.
    pub node: String,
    pub resets_per_minute: f64,
    pub probes_per_minute: f64,
}

/// Tells whether the kubelet's `tcpSocket` probes of the log's container make `hits`: a probe
/// on a port the server listens on (the port in the lines, else the one its `server=` listens
/// on), as many resets a minute as the liveness and readiness probes on that port make
/// together (each probe is one connection per period; Kubernetes starts a pod's probe workers
/// together, so their connections often share a round), and resets from the node's address
/// (else the kubelet stays one of two likely causes).
pub fn attribute(hits: &Hits, pod: Option<&ContainerProbes>) -> Prober {
    let Some(pod) = pod else {
        return Prober::Unknown;
    };
    let detail = |kind: &str| hits.details.get(kind).into_iter().flatten();
    let mut ports: Vec<u16> = detail("local_ports")
        .filter_map(|p| p.parse().ok())
        .collect();
    ports.extend(detail("servers").filter_map(|s| probes::listen_port(s, &pod.listen_env)));
    ports.sort_unstable();
    ports.dedup();
    if pod.tcp.is_empty() {
        let others = if pod.other.is_empty() {
            "no probes".to_owned()
        } else {
            pod.other.join(", ")
        };
        return Prober::NotKubelet(format!("{} has no tcpSocket probe ({others})", pod.pod));
    }
    // A line that names neither port nor server leaves every tcpSocket probe a candidate.
    let on_port: Vec<&TcpProbe> = pod
        .tcp
        .iter()
        .filter(|p| {
            p.port
                .is_some_and(|n| ports.is_empty() || ports.contains(&n))
        })
        .collect();
    let Some(port) = on_port.first().and_then(|p| p.port) else {
        let probed: Vec<String> = pod.tcp.iter().map(|p| p.port_spec.clone()).collect();
        return Prober::NotKubelet(format!(
            "{}'s tcpSocket probes are on port {}, the server listens on {}",
            pod.pod,
            probed.join(", "),
            ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let on_port: Vec<&TcpProbe> = on_port
        .into_iter()
        .filter(|p| p.port == Some(port))
        .collect();
    let mut times = hits.times_ms.clone();
    times.sort_unstable();
    let span_ms = match (times.first(), times.last()) {
        (Some(first), Some(last)) if times.len() >= MIN_EVENTS && last > first => last - first,
        _ => return Prober::Unknown,
    };
    let resets_per_minute = (times.len() - 1) as f64 * 60_000.0 / span_ms as f64;
    let probes_per_minute: f64 = on_port
        .iter()
        .filter(|p| p.kind != ProbeKind::Startup)
        .map(|p| 60.0 / f64::from(p.period_seconds))
        .sum();
    if probes_per_minute == 0.0 {
        return Prober::NotKubelet(format!(
            "{}'s only tcpSocket probe on port {port} is a startup probe, which stops once it succeeds",
            pod.pod
        ));
    }
    let ratio = resets_per_minute / probes_per_minute;
    if (ratio - 1.0).abs() > RATE_TOLERANCE {
        return Prober::NotKubelet(format!(
            "{}'s tcpSocket probes on port {port} connect {:.1} times a minute, the resets come {:.1} times a minute",
            pod.pod, probes_per_minute, resets_per_minute
        ));
    }
    // A probe on the port at the resets' rate from an address not known as the node's (a CNI
    // that gives the node another address on the pod network) is likely, not certain.
    let ip = hits.peer.as_deref().unwrap_or("unknown");
    let Some(node) = node_address(ip, pod) else {
        return Prober::Unknown;
    };
    Prober::Kubelet(KubeletProbes {
        container: hits.source.clone(),
        probes: on_port.into_iter().cloned().collect(),
        port,
        node,
        resets_per_minute,
        probes_per_minute,
    })
}

/// Which of the node's addresses `ip` is, for a pod: its `hostIP`, or the first address of the
/// pod's /24, where bridge CNIs (bridge, flannel's `cni0`, kubenet's `cbr0`) put the node's own
/// address on the pod network, from which the kubelet's probes reach the pod.
fn node_address(ip: &str, pod: &ContainerProbes) -> Option<String> {
    if pod.host_ip.as_deref() == Some(ip) {
        return Some(format!("its node ({ip}, the pod's hostIP)"));
    }
    let pod_ip: std::net::Ipv4Addr = pod.pod_ip.as_deref()?.parse().ok()?;
    let source: std::net::Ipv4Addr = ip.parse().ok()?;
    let [a, b, c, _] = pod_ip.octets();
    (source == std::net::Ipv4Addr::new(a, b, c, 1) && source != pod_ip).then(|| {
        format!(
            "its node's pod-network gateway ({ip}, first address of the pod's {a}.{b}.{c}.0/24)"
        )
    })
}

/// `liveness probe`, `liveness and readiness probes`.
fn probe_kinds(probes: &[TcpProbe]) -> String {
    let mut kinds: Vec<&str> = probes.iter().map(|p| p.kind.as_str()).collect();
    kinds.dedup();
    match kinds.as_slice() {
        [one] => format!("{one} probe"),
        [init @ .., last] => format!("{} and {last} probes", init.join(", ")),
        [] => "probes".into(),
    }
}

/// `every 10 s`, `every 10 s and 30 s`.
fn periods(probes: &[TcpProbe]) -> String {
    let mut p: Vec<u32> = probes.iter().map(|p| p.period_seconds).collect();
    p.sort_unstable();
    p.dedup();
    let p: Vec<String> = p.iter().map(|s| format!("{s} s")).collect();
    format!("every {}", p.join(" and "))
}

/// How to probe the Fabric server the lines name without a TCP connect to its TLS port.
fn probe_fix(hits: &Hits, pod: Option<&ContainerProbes>) -> String {
    let env = pod.map(|p| p.listen_env.clone()).unwrap_or_default();
    let endpoint = hits
        .details
        .get("servers")
        .into_iter()
        .flatten()
        .find_map(|s| probes::operations_endpoint(s, &env));
    match endpoint {
        Some((setting, port)) => format!(
            "an httpGet probe on the operations endpoint's /healthz (port {port}, {setting}; scheme HTTPS when operations TLS is on) or an exec probe"
        ),
        None => "an httpGet probe on the operations endpoint's /healthz or an exec probe".into(),
    }
}

/// A hint from the address alone: bridge CNIs give the node the first address of its pod /24.
fn gateway_hint(ip: &str) -> String {
    match ip.parse::<std::net::Ipv4Addr>() {
        Ok(v4) if v4.octets()[3] == 1 => format!(
            "; {ip} ends in .1, as a node's pod-network gateway does, which is where kubelet probes come from"
        ),
        _ => String::new(),
    }
}

/// Seconds with one decimal (`10`, `2.5`).
fn seconds(ms: i64) -> f64 {
    (ms as f64 / 100.0).round() / 10.0
}

impl Check for HandshakeResets {
    fn id(&self) -> &'static str {
        "LOG-002"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let logs = match logs_or_skip(inv) {
            Ok(l) => l,
            Err(skip) => return skip,
        };
        let mut out = unreadable(logs);
        let mut isolated: Vec<String> = Vec::new();
        for hits in logs.of(Signature::HandshakeReset) {
            let ip = hits.peer.as_deref().unwrap_or("unknown");
            let example = &hits.excerpt;
            let outcome = match judge(hits) {
                Verdict::Isolated => {
                    isolated.push(format!(
                        "{} from {ip} in {}",
                        times(hits.count),
                        hits.source
                    ));
                    continue;
                }
                Verdict::Periodic(r) => {
                    let every = seconds(r.median_ms.unwrap_or_default());
                    let head = format!(
                        "{} handshake resets from {ip} every {every} s {}: \"{example}\"",
                        hits.count,
                        span(hits)
                    );
                    let pod = logs.probes.get(&hits.source);
                    let outcome = match attribute(hits, pod) {
                        Prober::Kubelet(k) => {
                            kubelet_outcome(hit_target(logs, hits), hits, pod, &k, head)
                        }
                        Prober::NotKubelet(why) => Outcome::new(
                            Status::Fail,
                            hit_target(logs, hits),
                            format!(
                                "{head} — a load balancer's TCP health check, not the kubelet ({why}): lengthen its interval, switch it to a TLS or gRPC health check, or ignore these lines"
                            ),
                        )
                        .with("cause", "load-balancer")
                        .with("not_kubelet", why),
                        Prober::Unknown => Outcome::new(
                            Status::Fail,
                            hit_target(logs, hits),
                            format!(
                                "{head} — something connects and closes without a TLS ClientHello at a steady interval: a kubelet tcpSocket probe (liveness, readiness or startup; every 10 s unless periodSeconds says otherwise) or a load balancer's TCP health check{}. For a probe, use {} instead; for a load balancer, lengthen its interval or switch it to a TLS or gRPC health check. `fabcheck check --cluster --logs` reads the pods' probes and tells which",
                                gateway_hint(ip),
                                probe_fix(hits, None)
                            ),
                        )
                        .with("cause", "kubelet-probe-or-load-balancer"),
                    };
                    outcome
                        .with("median_interval_seconds", every)
                        .with("regular_share", (r.regular_share * 100.0).round() / 100.0)
                }
                Verdict::Irregular(r) => {
                    let rhythm = match r.as_ref().and_then(|r| r.median_ms) {
                        Some(m) => format!("at irregular intervals (median {} s)", seconds(m)),
                        None => "with too few readable timestamps to tell a rhythm".into(),
                    };
                    let pod = logs.probes.get(&hits.source);
                    // Two probes on one port with one period but started apart interleave:
                    // no single interval, yet exactly the probes' rate.
                    let prober = match r.as_ref() {
                        Some(_) => attribute(hits, pod),
                        None => Prober::Unknown,
                    };
                    let mut o = match prober {
                        Prober::Kubelet(k) => kubelet_outcome(
                            hit_target(logs, hits),
                            hits,
                            pod,
                            &k,
                            format!(
                                "{} handshake resets from {ip} {}: \"{example}\"",
                                hits.count,
                                span(hits)
                            ),
                        ),
                        other => {
                            let o = Outcome::new(
                                Status::Warn,
                                hit_target(logs, hits),
                                format!(
                                    "{} handshake resets from {ip} {} {rhythm}: \"{example}\" — not a health check's rhythm; look for a client that drops its connections (wrong TLS settings, a plaintext client, a scanner)",
                                    hits.count,
                                    span(hits)
                                ),
                            );
                            match other {
                                Prober::NotKubelet(why) => o.with("not_kubelet", why),
                                _ => o,
                            }
                        }
                    };
                    if let Some(m) = r.as_ref().and_then(|r| r.median_ms) {
                        o = o.with("median_interval_seconds", seconds(m));
                    }
                    o
                }
            };
            out.push(with_occurrences(outcome.with("source_ip", ip), hits));
        }
        if !out.iter().any(|o| o.status != Status::Error) {
            let note = (!isolated.is_empty()).then(|| {
                format!(
                    "isolated resets are ordinary: {}",
                    isolated
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
            out.extend(absent(logs, Signature::HandshakeReset, None).map(|mut o| {
                if let Some(note) = note {
                    let (lines, sources) = (logs.lines(), logs.sources.len());
                    o.message = format!(
                        "no periodic or repeated TLS handshake resets in {lines} line{} of {sources} source{}; {note}",
                        plural(lines),
                        plural(sources)
                    );
                    if let Some(unread) = not_read_note(logs) {
                        o.message.push_str("; ");
                        o.message.push_str(&unread);
                    }
                }
                o
            }));
        }
        out
    }
}

/// The finding for resets the kubelet's own probes make: which probes, from where, and the fix.
fn kubelet_outcome(
    target: Target,
    hits: &Hits,
    pod: Option<&ContainerProbes>,
    k: &KubeletProbes,
    head: String,
) -> Outcome {
    let probes: Vec<serde_json::Value> = k
        .probes
        .iter()
        .map(|p| {
            serde_json::json!({
                "kind": p.kind.as_str(),
                "port": p.port,
                "port_spec": p.port_spec,
                "period_seconds": p.period_seconds,
            })
        })
        .collect();
    Outcome::new(
        Status::Fail,
        target,
        format!(
            "{head} — the kubelet's tcpSocket {} on port {} ({}) of {}: the kubelet connects from {} and closes before any TLS ClientHello, {:.1} times a minute, and the resets come {:.1} times a minute. Harmless, but it floods the log and hides real handshake failures: use {} instead",
            probe_kinds(&k.probes),
            k.port,
            periods(&k.probes),
            k.container,
            k.node,
            k.probes_per_minute,
            k.resets_per_minute,
            probe_fix(hits, pod)
        ),
    )
    .with("cause", "kubelet-probe")
    .with("probes", probes)
    .with("node_address", k.node.clone())
    .with(
        "resets_per_minute",
        (k.resets_per_minute * 10.0).round() / 10.0,
    )
    .with(
        "probes_per_minute",
        (k.probes_per_minute * 10.0).round() / 10.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::logs::testing::*;

    fn reset(at: &str, port: u32, ip: &str) -> String {
        format!(
            r#"2019-09-24 {at} UTC [grpc] Printf -> DEBU 173 grpc: Server.Serve failed to complete security handshake from "{ip}:{port}": read tcp 10.0.0.20:7050->{ip}:{port}: read: connection reset by peer"#
        )
    }

    fn series(start_s: u32, every_s: u32, n: u32, ip: &str) -> Vec<String> {
        (0..n)
            .map(|i| {
                let t = start_s + i * every_s;
                // A few milliseconds of jitter, as a real server logs.
                let ms = (i * 37) % 90;
                reset(
                    &format!(
                        "{:02}:{:02}:{:02}.{ms:03}",
                        8 + t / 3600,
                        (t / 60) % 60,
                        t % 60
                    ),
                    40000 + i,
                    ip,
                )
            })
            .collect()
    }

    fn run(lines: &[String]) -> Vec<Outcome> {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        HandshakeResets.evaluate(&ctx(), &with_logs(&[("ord/orderer0/orderer", &refs)]))
    }

    #[test]
    fn rhythm_merges_rounds_and_finds_the_interval() {
        // Three health-check nodes behind one address, every 2 s (the seed article's log).
        let times: Vec<i64> = (0..10)
            .flat_map(|i| [i * 2000, i * 2000 + 173, i * 2000 + 278])
            .collect();
        let r = rhythm(&times);
        assert_eq!(r.rounds, 10);
        assert_eq!(r.median_ms, Some(2000));
        assert_eq!(r.regular_share, 1.0);
    }

    #[test]
    fn a_steady_series_from_one_ip_fails_as_a_health_check() {
        let mut lines = filler(3);
        lines.extend(series(0, 10, 30, "10.0.0.5"));
        let out = run(&lines);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        let f = &out[0];
        assert_eq!(f.evidence["source_ip"], "10.0.0.5");
        assert_eq!(f.evidence["count"], 30);
        assert_eq!(f.evidence["median_interval_seconds"], 10.0);
        assert_eq!(
            f.target.locator.as_deref(),
            Some("from 10.0.0.5, lines 4-33")
        );
        assert!(
            f.message.starts_with("30 handshake resets from 10.0.0.5 every 10 s from 2019-09-24 08:00:00 to 08:04:50 UTC"),
            "{}",
            f.message
        );
    }

    #[test]
    fn irregular_resets_warn_and_isolated_ones_pass() {
        let lines = vec![
            reset("08:00:00.000", 1, "10.0.0.9"),
            reset("08:00:03.000", 2, "10.0.0.9"),
            reset("08:02:41.000", 3, "10.0.0.9"),
            reset("08:02:45.000", 4, "10.0.0.9"),
            reset("08:30:00.000", 5, "10.0.0.9"),
            reset("08:31:00.000", 6, "10.0.0.77"),
        ];
        let out = run(&lines);
        assert_eq!(statuses(&out), vec![Status::Warn]);
        assert_eq!(out[0].evidence["count"], 5);
        assert!(out[0].message.contains("irregular"), "{}", out[0].message);

        let out = run(&lines[5..]);
        assert_eq!(statuses(&out), vec![Status::Pass]);
        assert!(
            out[0].message.contains("once from 10.0.0.77"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn faster_than_a_second_is_not_a_health_check() {
        let times: Vec<i64> = (0..20).map(|i| i * 300).collect();
        let r = rhythm(&times);
        assert_eq!(
            r.rounds, 1,
            "every reset within a second of the last is one round"
        );
        let lines: Vec<String> = (0..20)
            .map(|i| {
                reset(
                    &format!("08:00:0{}.{:03}", i * 300 / 1000, i * 300 % 1000),
                    i,
                    "10.0.0.5",
                )
            })
            .collect();
        assert_eq!(statuses(&run(&lines)), vec![Status::Warn]);
    }

    #[test]
    fn separate_ips_are_judged_separately() {
        let mut lines = series(0, 10, 10, "10.0.0.5");
        lines.extend(series(1, 30, 10, "10.0.0.6"));
        let out = run(&lines);
        assert_eq!(statuses(&out), vec![Status::Fail, Status::Fail]);
        assert_eq!(out[1].evidence["median_interval_seconds"], 30.0);
    }

    /// A Fabric 2.x peer's handshake EOF at second `t` (plus `ms`) from `ip`.
    fn eof(t: u32, ms: u32, ip: &str, port: u32) -> String {
        format!(
            "2026-12-04 {:02}:{:02}:{:02}.{ms:03} UTC [core.comm] ServerHandshake -> ERRO {:03x} TLS handshake failed with error EOF server=PeerServer remoteaddress={ip}:{port}",
            10 + t / 3600,
            (t / 60) % 60,
            t % 60,
            t % 4096
        )
    }

    /// Every `every` s from `start`, `n` times: one reset per probe round.
    fn eofs(start: u32, every: u32, n: u32, ip: &str) -> Vec<String> {
        (0..n)
            .map(|i| eof(start + i * every, (i * 7) % 40, ip, 40000 + i))
            .collect()
    }

    const SOURCE: &str = "org1/peer0-0/peer";

    fn tcp(kind: ProbeKind, port: u16, period: u32) -> TcpProbe {
        TcpProbe {
            kind,
            port: Some(port),
            port_spec: port.to_string(),
            period_seconds: period,
        }
    }

    fn pod(tcp: Vec<TcpProbe>, other: &[&str]) -> ContainerProbes {
        ContainerProbes {
            pod: "org1/peer0-0".into(),
            host_ip: Some("10.0.2.15".into()),
            pod_ip: Some("10.1.0.7".into()),
            tcp,
            other: other.iter().map(|s| s.to_string()).collect(),
            listen_env: [(
                "CORE_PEER_LISTENADDRESS".to_owned(),
                "0.0.0.0:7051".to_owned(),
            )]
            .into_iter()
            .collect(),
        }
    }

    fn run_with(lines: &[String], probes: Option<ContainerProbes>) -> Vec<Outcome> {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let mut inv = with_logs(&[(SOURCE, &refs)]);
        if let (Some(logs), Some(p)) = (inv.logs.as_mut(), probes) {
            logs.probes.insert(SOURCE.into(), p);
        }
        HandshakeResets.evaluate(&ctx(), &inv)
    }

    /// Liveness and readiness tcpSocket probes on the peer port, started together: two
    /// connections a round, every 10 s.
    fn paired_rounds(ip: &str) -> Vec<String> {
        (0..30)
            .flat_map(|i| {
                [
                    eof(i * 10, 3, ip, 41000 + 2 * i),
                    eof(i * 10, 5, ip, 41001 + 2 * i),
                ]
            })
            .collect()
    }

    #[test]
    fn the_kubelets_tcp_probes_are_named_with_their_fix() {
        let both = pod(
            vec![
                tcp(ProbeKind::Liveness, 7051, 10),
                tcp(ProbeKind::Readiness, 7051, 10),
            ],
            &[],
        );
        let out = run_with(&paired_rounds("10.1.0.1"), Some(both));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        let f = &out[0];
        assert_eq!(f.evidence["cause"], "kubelet-probe");
        assert_eq!(f.evidence["probes"].as_array().unwrap().len(), 2);
        for phrase in [
            "60 handshake resets from 10.1.0.1 every 10 s",
            "the kubelet's tcpSocket liveness and readiness probes on port 7051 (every 10 s) of org1/peer0-0/peer",
            "connects from its node's pod-network gateway (10.1.0.1, first address of the pod's 10.1.0.0/24)",
            "/healthz (port 9443, CORE_OPERATIONS_LISTENADDRESS",
            "hides real handshake failures: use an httpGet probe on the operations endpoint's /healthz (port 9443, CORE_OPERATIONS_LISTENADDRESS",
            "or an exec probe instead",
        ] {
            assert!(f.message.contains(phrase), "{phrase}: {}", f.message);
        }
        // From the pod's hostIP, one liveness probe every 10 s.
        let one = pod(vec![tcp(ProbeKind::Liveness, 7051, 10)], &[]);
        let out = run_with(&eofs(0, 10, 20, "10.0.2.15"), Some(one));
        assert_eq!(
            out[0].evidence["cause"], "kubelet-probe",
            "{}",
            out[0].message
        );
        assert!(
            out[0]
                .message
                .contains("from its node (10.0.2.15, the pod's hostIP)")
        );
    }

    #[test]
    fn interleaved_probes_are_the_kubelet_though_no_single_interval_shows() {
        // Readiness started 4 s after liveness, both every 10 s: gaps of 4 s and 6 s.
        let mut lines = eofs(0, 10, 20, "10.1.0.1");
        lines.extend((0..20).map(|i| eof(4 + i * 10, 11, "10.1.0.1", 45000 + i)));
        lines.sort();
        let both = pod(
            vec![
                tcp(ProbeKind::Liveness, 7051, 10),
                tcp(ProbeKind::Readiness, 7051, 10),
            ],
            &[],
        );
        assert_eq!(statuses(&run_with(&lines, None)), vec![Status::Warn]);
        let out = run_with(&lines, Some(both));
        assert_eq!(statuses(&out), vec![Status::Fail], "{}", out[0].message);
        assert_eq!(out[0].evidence["cause"], "kubelet-probe");
    }

    #[test]
    fn probes_that_do_not_account_for_the_resets_leave_a_load_balancer() {
        let lines = eofs(0, 10, 20, "10.1.0.1");
        let cases = [
            (
                pod(vec![], &["liveness httpGet :9443/healthz"]),
                "org1/peer0-0 has no tcpSocket probe (liveness httpGet :9443/healthz)",
            ),
            (
                pod(vec![tcp(ProbeKind::Liveness, 9443, 10)], &[]),
                "tcpSocket probes are on port 9443, the server listens on 7051",
            ),
            (
                pod(vec![tcp(ProbeKind::Liveness, 7051, 30)], &[]),
                "connect 2.0 times a minute, the resets come 6.0 times a minute",
            ),
            (
                pod(vec![tcp(ProbeKind::Startup, 7051, 10)], &[]),
                "only tcpSocket probe on port 7051 is a startup probe",
            ),
        ];
        for (p, why) in cases {
            let out = run_with(&lines, Some(p));
            assert_eq!(statuses(&out), vec![Status::Fail]);
            assert_eq!(out[0].evidence["cause"], "load-balancer");
            assert!(
                out[0]
                    .message
                    .contains("a load balancer's TCP health check, not the kubelet")
                    && out[0].message.contains(why),
                "{why}: {}",
                out[0].message
            );
        }
        // A probe on the port at the right rate, but the resets come from an address not known
        // as the node's: both causes stay named.
        let out = run_with(
            &eofs(0, 10, 20, "10.0.0.5"),
            Some(pod(vec![tcp(ProbeKind::Liveness, 7051, 10)], &[])),
        );
        assert_eq!(
            out[0].evidence["cause"], "kubelet-probe-or-load-balancer",
            "{}",
            out[0].message
        );
    }

    #[test]
    fn without_the_pod_both_likely_causes_are_named() {
        let out = run_with(&eofs(0, 10, 20, "10.1.0.1"), None);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        let f = &out[0];
        assert_eq!(f.evidence["cause"], "kubelet-probe-or-load-balancer");
        for phrase in [
            "a kubelet tcpSocket probe (liveness, readiness or startup",
            "or a load balancer's TCP health check",
            "10.1.0.1 ends in .1, as a node's pod-network gateway does",
            "/healthz (port 9443, CORE_OPERATIONS_LISTENADDRESS",
        ] {
            assert!(f.message.contains(phrase), "{phrase}: {}", f.message);
        }
        let out = run_with(&eofs(0, 10, 20, "10.0.0.5"), None);
        assert!(!out[0].message.contains("ends in .1"), "{}", out[0].message);
    }
}
