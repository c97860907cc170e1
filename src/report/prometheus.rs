//! Prometheus text exposition format (0.0.4), which a Prometheus scrape, a Pushgateway and
//! node-exporter's textfile collector all read: the run's verdicts and what it saw, as gauges to
//! alert on between runs.
//!
//! - `fabcheck_check_status{id,area,severity,target,status,waived,known}`: the worst status of a
//!   check on a target, as a number to compare (0 pass, 1 skip, 2 warn, 3 fail, 4 error) and as
//!   a label to read.
//! - `fabcheck_certificate_not_after_seconds{subject,issuer,role,org,origin,source}`: every
//!   certificate seen (files, Secrets, served by endpoints), so `… - time() < 30*86400` finds
//!   the ones expiring within 30 days.
//! - `fabcheck_tls_handshake_seconds{endpoint,name}`, `fabcheck_findings{status}`,
//!   `fabcheck_gate_passed`, `fabcheck_run_timestamp_seconds`.
//!
//! Prometheus refuses a whole scrape that repeats a series, so each family has one sample per
//! label set: findings of one check on one target fold into their worst.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use crate::catalogue::Severity;
use crate::finding::{Finding, Report, Status};

/// The number each status is exported as: higher is worse.
pub fn status_value(status: Status) -> u8 {
    match status {
        Status::Pass => 0,
        Status::Skip => 1,
        Status::Warn => 2,
        Status::Fail => 3,
        Status::Error => 4,
    }
}

/// Writes `report` as Prometheus text; `fabcheck_gate_passed` is judged at `threshold`.
pub fn render(report: &Report, threshold: Severity, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(text(report, threshold).as_bytes())
}

fn text(report: &Report, threshold: Severity) -> String {
    let mut s = String::with_capacity(256 + report.findings.len() * 160);
    family(
        &mut s,
        "fabcheck_run_timestamp_seconds",
        "When the checks were evaluated (--at, or the run's time), in Unix seconds.",
    );
    let evaluated = time::OffsetDateTime::parse(
        &report.evaluated_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| t.unix_timestamp())
    .unwrap_or(0);
    let _ = writeln!(s, "fabcheck_run_timestamp_seconds {evaluated}");

    family(
        &mut s,
        "fabcheck_gate_passed",
        "1 when the run passes its gate at the --fail-on threshold it ran with, else 0.",
    );
    let _ = writeln!(
        s,
        "fabcheck_gate_passed{{fail_on=\"{}\"}} {}",
        threshold.to_string().to_lowercase(),
        u8::from(!report.gates(threshold))
    );

    family(
        &mut s,
        "fabcheck_findings",
        "Findings of the run, by status.",
    );
    let sum = &report.summary;
    for (status, n) in [
        ("pass", sum.passed),
        ("skip", sum.skipped),
        ("warn", sum.warnings),
        ("fail", sum.failed),
        ("error", sum.errors),
    ] {
        let _ = writeln!(s, "fabcheck_findings{{status=\"{status}\"}} {n}");
    }

    family(
        &mut s,
        "fabcheck_check_status",
        "Worst status of a check on a target: 0 pass, 1 skip, 2 warn, 3 fail, 4 error.",
    );
    let mut worst: BTreeMap<(&str, String), &Finding> = BTreeMap::new();
    for f in &report.findings {
        worst
            .entry((f.check_id.as_str(), f.target.to_string()))
            .and_modify(|w| {
                if f.status > w.status {
                    *w = f;
                }
            })
            .or_insert(f);
    }
    for ((id, target), f) in &worst {
        let _ = writeln!(
            s,
            "fabcheck_check_status{{id=\"{}\",area=\"{}\",severity=\"{}\",target=\"{}\",status=\"{}\",waived=\"{}\",known=\"{}\"}} {}",
            label(id),
            label(f.area()),
            f.severity.to_string().to_lowercase(),
            label(target),
            f.status,
            f.waived.is_some(),
            f.known,
            status_value(f.status)
        );
    }

    family(
        &mut s,
        "fabcheck_certificate_not_after_seconds",
        "When each certificate seen expires (its notAfter), in Unix seconds.",
    );
    let mut certificates: BTreeMap<String, i64> = BTreeMap::new();
    for c in &report.certificates {
        let labels = format!(
            "subject=\"{}\",issuer=\"{}\",role=\"{}\",org=\"{}\",origin=\"{}\",source=\"{}\"",
            label(&c.subject),
            label(&c.issuer),
            label(&c.role),
            label(&c.org),
            label(&c.origin),
            c.source.as_str()
        );
        certificates.entry(labels).or_insert(c.not_after_seconds);
    }
    for (labels, not_after) in &certificates {
        let _ = writeln!(
            s,
            "fabcheck_certificate_not_after_seconds{{{labels}}} {not_after}"
        );
    }

    family(
        &mut s,
        "fabcheck_tls_handshake_seconds",
        "How long the live TLS handshake with each endpoint took.",
    );
    let mut handshakes: BTreeMap<String, f64> = BTreeMap::new();
    for h in &report.handshakes {
        let labels = format!(
            "endpoint=\"{}\",name=\"{}\"",
            label(&h.endpoint),
            label(&h.name)
        );
        handshakes
            .entry(labels)
            .and_modify(|v| *v = v.max(h.seconds))
            .or_insert(h.seconds);
    }
    for (labels, seconds) in &handshakes {
        let _ = writeln!(s, "fabcheck_tls_handshake_seconds{{{labels}}} {seconds}");
    }
    s
}

fn family(s: &mut String, name: &str, help: &str) {
    let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} gauge");
}

/// A label value as the exposition format quotes it: backslash, double quote and line feed
/// escaped.
fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::observed::{CertificateSeen, CertificateSource, HandshakeTiming};

    fn report() -> Report {
        let mut r = Report::new(
            "2026-12-05T00:00:00Z".into(),
            "s".into(),
            vec![
                Finding::example("X509-002", Status::Warn, "a \"b\".pem", "one"),
                Finding::example("X509-002", Status::Fail, "a \"b\".pem", "two"),
                Finding::example("X509-001", Status::Pass, "c\\d.pem", "ok"),
            ],
        );
        let cert = CertificateSeen {
            subject: "peer0".into(),
            issuer: "ca".into(),
            role: "msp/signcerts".into(),
            org: "org1".into(),
            origin: "crypto/peer0\ncert.pem".into(),
            source: CertificateSource::File,
            not_before: "2020-01-01T00:00:00Z".into(),
            not_after: "2027-01-01T00:00:00Z".into(),
            not_after_seconds: 1_798_761_600,
            fingerprint: "00".into(),
        };
        r.certificates = vec![cert.clone(), cert];
        r.handshakes = vec![HandshakeTiming {
            endpoint: "peer0:7051".into(),
            name: "peer0".into(),
            seconds: 0.012,
        }];
        r
    }

    #[test]
    fn one_sample_per_series_with_the_worst_status_and_escaped_labels() {
        let t = text(&report(), Severity::Error);
        let statuses: Vec<&str> = t
            .lines()
            .filter(|l| l.starts_with("fabcheck_check_status{"))
            .collect();
        assert_eq!(statuses.len(), 2, "{t}");
        assert!(
            statuses
                .iter()
                .any(|l| l.contains(r#"target="a \"b\".pem",status="fail""#) && l.ends_with(" 3")),
            "{statuses:?}"
        );
        assert!(statuses.iter().any(|l| l.contains(r#"target="c\\d.pem""#)));
        let certs: Vec<&str> = t
            .lines()
            .filter(|l| l.starts_with("fabcheck_certificate_not_after_seconds{"))
            .collect();
        assert_eq!(
            certs.len(),
            1,
            "the same certificate at the same place once"
        );
        assert!(certs[0].contains(r#"origin="crypto/peer0\ncert.pem""#));
        assert!(certs[0].ends_with(" 1798761600"));
        assert!(t.contains(
            "fabcheck_tls_handshake_seconds{endpoint=\"peer0:7051\",name=\"peer0\"} 0.012"
        ));
        assert!(t.contains("fabcheck_run_timestamp_seconds 1796428800"));
        assert!(t.contains("fabcheck_gate_passed{fail_on=\"error\"} 0"));
        assert!(t.contains("fabcheck_findings{status=\"fail\"} 1"));
    }

    #[test]
    fn every_sample_line_belongs_to_a_declared_family() {
        let t = text(&report(), Severity::Warning);
        let declared: Vec<&str> = t
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .filter_map(|l| l.strip_suffix(" gauge"))
            .collect();
        for l in t.lines().filter(|l| !l.starts_with('#')) {
            let name = l.split(['{', ' ']).next().unwrap();
            assert!(declared.contains(&name), "{l}");
        }
    }
}
