//! LOG-002 `handshake-resets`: logs show TLS handshakes reset from one address at a steady
//! rhythm — a load balancer's TCP health check, not an attack and not a Fabric fault.
//!
//! A TCP health check opens a connection (SYN, SYN-ACK, ACK) and resets it without sending a
//! ClientHello, so every probe leaves `failed to complete security handshake … connection reset
//! by peer` (or `EOF`) in an orderer's, peer's or CA's log, from the balancer's address with a
//! new ephemeral port each time. What tells it apart from a real client problem is the rhythm:
//! the same source IP at a regular interval. Such a series `fail`s (catalogue severity warning:
//! noise that hides real errors); resets from one IP at no steady rhythm are a `warn` with their
//! counts; one or two resets are ordinary and pass.

use crate::checks::Check;
use crate::checks::logs::{
    absent, hit_target, logs_or_skip, not_read_note, plural, span, times, unreadable,
    with_occurrences,
};
use crate::context::Context;
use crate::inventory::Inventory;
use crate::inventory::logs::{Hits, Signature};
use crate::report::{Outcome, Status};

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
                    Outcome::new(
                        Status::Fail,
                        hit_target(logs, hits),
                        format!(
                            "{} handshake resets from {ip} every {every} s {}: \"{example}\" — a load balancer's TCP health check: lengthen its interval, switch it to a TLS or gRPC health check, or ignore these lines",
                            hits.count,
                            span(hits)
                        ),
                    )
                    .with("median_interval_seconds", every)
                    .with("regular_share", (r.regular_share * 100.0).round() / 100.0)
                }
                Verdict::Irregular(r) => {
                    let rhythm = match r.as_ref().and_then(|r| r.median_ms) {
                        Some(m) => format!("at irregular intervals (median {} s)", seconds(m)),
                        None => "with too few readable timestamps to tell a rhythm".into(),
                    };
                    let mut o = Outcome::new(
                        Status::Warn,
                        hit_target(logs, hits),
                        format!(
                            "{} handshake resets from {ip} {} {rhythm}: \"{example}\" — not a health check's rhythm; look for a client that drops its connections (wrong TLS settings, a plaintext client, a scanner)",
                            hits.count,
                            span(hits)
                        ),
                    );
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
}
