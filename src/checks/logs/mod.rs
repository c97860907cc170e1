//! Log diagnostics (`LOG-…`): known Fabric failure signatures in saved or pod logs.
//!
//! Operators come with logs, not with a diagnosis. Each check here looks for one signature that
//! `inventory::logs` counted while reading (`--logs`), reports where and how often it appears,
//! and points at the check that finds its cause in the configuration or the live network
//! (`fabcheck explain ID`). The shared shape lives in this file: `skip` without logs, `error` per
//! unreadable source, `pass` naming what was scanned, one `fail` per source that shows the
//! signature.

use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::logs::{Hits, LogInventory, Signature};

pub mod bad_certificate;
pub mod certificate_window;
pub mod chaincode_dns;
pub mod handshake_resets;
pub mod kafka_isr;
pub mod raft_log_lost;
pub mod sanitize_cert_failed;

#[cfg(test)]
pub(crate) mod testing;

/// The checks that find what a log signature is a symptom of.
pub struct Cause {
    /// Check ids, most likely first; the first is the one to `explain`.
    pub checks: &'static [&'static str],
    /// The message's words for them: `X509-002 (…) or X509-001 (…)`.
    pub text: &'static str,
}

/// The logs of the run, or the single `skip` of a run given none.
pub fn logs_or_skip(inv: &Inventory) -> Result<&LogInventory, Vec<Outcome>> {
    inv.logs.as_ref().ok_or_else(|| {
        vec![Outcome::new(
            Status::Skip,
            Target::new(TargetKind::Source, inv.source.clone()),
            "no logs given (--logs)",
        )]
    })
}

/// One `error` per source that could not be read: the check could not look at it.
pub fn unreadable(logs: &LogInventory) -> Vec<Outcome> {
    logs.unreadable
        .iter()
        .map(|(source, reason)| {
            Outcome::new(
                Status::Error,
                Target::new(source_kind(logs), source.clone()),
                format!("cannot evaluate {source}: {reason}"),
            )
            .with("reason", reason.clone())
        })
        .collect()
}

/// The outcome when no source shows `signature`: `pass` when something was read; `skip` when
/// the folder held no log at all (an empty read is no evidence of health); nothing when every
/// source was unreadable, since their `error`s already say the check could not look.
pub fn absent(logs: &LogInventory, signature: Signature, note: Option<String>) -> Option<Outcome> {
    let target = Target::new(TargetKind::Source, logs.origin.clone());
    if logs.sources.is_empty() {
        let message = if logs.pods {
            format!(
                "no pod logged anything ({} container log(s) empty: not started yet, or silent)",
                logs.empty.len()
            )
        } else {
            format!(
                "no log found in {} (*.log, *.txt, or files without an extension){}",
                logs.origin,
                not_read_note(logs)
                    .map(|n| format!("; {n}"))
                    .unwrap_or_default()
            )
        };
        return logs
            .unreadable
            .is_empty()
            .then(|| Outcome::new(Status::Skip, target, message));
    }
    let lines = logs.lines();
    let sources = logs.sources.len();
    let mut message = format!(
        "no {} in {lines} line{} of {sources} source{}",
        signature.pattern(),
        plural(lines),
        plural(sources)
    );
    if !logs.truncated.is_empty() {
        message.push_str(&format!(
            " ({} read only up to their first 64 MiB)",
            logs.truncated.len()
        ));
    }
    for note in note.into_iter().chain(not_read_note(logs)) {
        message.push_str("; ");
        message.push_str(&note);
    }
    Some(
        Outcome::new(Status::Pass, target, message)
            .with("lines", lines)
            .with("sources", sources)
            .with("truncated", logs.truncated.clone())
            .with("not_read", logs.not_read_count),
    )
}

/// Evaluates a signature whose every occurrence is a failure: one `fail` per source showing it.
pub fn evaluate(inv: &Inventory, signature: Signature, cause: &Cause) -> Vec<Outcome> {
    let logs = match logs_or_skip(inv) {
        Ok(l) => l,
        Err(skip) => return skip,
    };
    let mut out = unreadable(logs);
    let mut found = false;
    for hits in logs.of(signature) {
        found = true;
        out.push(failed(logs, hits, cause));
    }
    if !found {
        out.extend(absent(logs, signature, None));
    }
    out
}

/// The `fail` for one source's matches, naming the cause.
pub fn failed(logs: &LogInventory, hits: &Hits, cause: &Cause) -> Outcome {
    let explain = cause.checks.first().copied().unwrap_or("");
    let message = format!(
        "{} {}: \"{}\" — the cause is what {} finds (fabcheck explain {explain})",
        times(hits.count),
        span(hits),
        hits.excerpt,
        cause.text
    );
    with_occurrences(
        Outcome::new(Status::Fail, hit_target(logs, hits), message),
        hits,
    )
    .with("see_check", cause.checks.to_vec())
}

/// Adds what every log finding carries: count, first/last time and line, example, details.
pub fn with_occurrences(mut outcome: Outcome, hits: &Hits) -> Outcome {
    let time = |o: &crate::inventory::logs::Occurrence| {
        o.time
            .as_ref()
            .map(|t| serde_json::Value::from(t.iso()))
            .unwrap_or(serde_json::Value::Null)
    };
    outcome = outcome
        .with("count", hits.count)
        .with("first", time(&hits.first))
        .with("last", time(&hits.last))
        .with("first_line", hits.first.line)
        .with("last_line", hits.last.line)
        .with("example", hits.example.clone());
    for (kind, values) in &hits.details {
        outcome = outcome.with(*kind, values.iter().cloned().collect::<Vec<_>>());
    }
    outcome
}

/// The finding's target: the file (or pod container), located at the lines that matched.
pub fn hit_target(logs: &LogInventory, hits: &Hits) -> Target {
    let lines = if hits.first.line == hits.last.line {
        format!("line {}", hits.first.line)
    } else {
        format!("lines {}-{}", hits.first.line, hits.last.line)
    };
    let locator = match &hits.peer {
        Some(peer) => format!("from {peer}, {lines}"),
        None => lines,
    };
    Target::new(source_kind(logs), hits.source.clone()).with_locator(Some(locator))
}

/// A word on files skipped for their names, so that a log saved as `peer0.org1` is not
/// silently missed.
pub fn not_read_note(logs: &LogInventory) -> Option<String> {
    if logs.not_read_count == 0 {
        return None;
    }
    let shown: Vec<&str> = logs.not_read.iter().take(3).map(String::as_str).collect();
    let more = if logs.not_read_count > shown.len() {
        ", …"
    } else {
        ""
    };
    Some(format!(
        "{} file{} not read for {} name (not *.log, *.txt or extensionless): {}{more}",
        logs.not_read_count,
        plural(logs.not_read_count),
        if logs.not_read_count == 1 {
            "its"
        } else {
            "their"
        },
        shown.join(", ")
    ))
}

fn source_kind(logs: &LogInventory) -> TargetKind {
    if logs.pods {
        TargetKind::Object
    } else {
        TargetKind::File
    }
}

/// `once`, `twice`, `142 times`.
pub fn times(n: usize) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

/// When the matches happened: `at 2019-09-24 08:37:21 UTC`, `from 2019-09-24 08:37:21 to
/// 08:59:02 UTC` (one day and zone written once), or the lines when no time was readable.
pub fn span(hits: &Hits) -> String {
    let (first, last) = (hits.first.time.as_ref(), hits.last.time.as_ref());
    match (first, last) {
        (Some(f), _) if hits.count == 1 => format!("at {}", f.human()),
        (Some(f), Some(l)) => {
            let same_day = f.date().is_some() && f.date() == l.date() && f.zone == l.zone;
            match (same_day, f.date(), f.clock(), l.clock()) {
                (true, Some(day), Some(from), Some(to)) => {
                    format!("from {day} {from} to {to}{}", l.zone_suffix())
                }
                _ => format!("from {} to {}", f.human(), l.human()),
            }
        }
        _ if hits.count == 1 => format!("on line {} (no timestamp)", hits.first.line),
        _ => format!(
            "on lines {} to {} (no timestamps)",
            hits.first.line, hits.last.line
        ),
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signature_has_its_check_registered() {
        for signature in Signature::ALL {
            assert!(
                crate::checks::REGISTRY
                    .iter()
                    .any(|c| c.id() == signature.check_id()),
                "{signature:?}: {} is not registered",
                signature.check_id()
            );
        }
    }

    #[test]
    fn spans_name_the_day_once() {
        let inv = testing::with_logs(&[(
            "p",
            &[
                "2019-09-24 08:37:21.527 UTC x509: certificate has expired or is not yet valid",
                "no time here: x509: certificate has expired or is not yet valid",
                "2019-09-25 00:00:01.000 UTC x509: certificate has expired or is not yet valid",
            ],
        )]);
        let logs = inv.logs.as_ref().expect("logs");
        let hits = logs.of(Signature::CertificateWindow).next().expect("hits");
        assert_eq!(hits.count, 3);
        assert_eq!(
            span(hits),
            "from 2019-09-24 08:37:21 UTC to 2019-09-25 00:00:01 UTC"
        );
        assert_eq!(times(1), "once");
        assert_eq!(times(142), "142 times");
    }
}
