//! Waivers: accepted findings a release manager signs off, each with a reason and an expiry.
//!
//! A waived finding still appears in every report, marked waived, but does not gate. A waiver
//! past its expiry date no longer applies, and the finding says so.
//!
//! ```yaml
//! waivers:
//!   - id: X509-003                 # check id (exact, case-insensitive)
//!     target: peerOrganizations/org1  # optional: substring of the finding's target
//!     reason: renewal scheduled, CHG-1234
//!     expires: 2026-12-31
//! ```

use std::path::Path;

use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::finding::{AppliedWaiver, Finding};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub id: String,
    #[serde(default)]
    pub target: Option<String>,
    pub reason: String,
    /// Last day (UTC) the waiver applies, `YYYY-MM-DD`.
    pub expires: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    waivers: Vec<Waiver>,
}

#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("failed to read waivers {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("failed to parse waivers {path}: {message}")]
    Parse { path: String, message: String },
    #[error(
        "failed to parse waivers {path}: waiver {index} ({id}) has no reason: write why the finding is accepted, and who or what tracks it"
    )]
    NoReason {
        path: String,
        index: usize,
        id: String,
    },
    #[error(
        "failed to parse waivers {path}: waiver {index} has expires '{value}', expected YYYY-MM-DD"
    )]
    BadDate {
        path: String,
        index: usize,
        value: String,
    },
}

/// Waivers with their expiry dates parsed.
#[derive(Debug, Clone, Default)]
pub struct Waivers(Vec<(Waiver, Date)>);

impl Waivers {
    pub fn load(path: &Path) -> Result<Waivers, WaiverError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| WaiverError::Read {
            path: shown.clone(),
            source,
        })?;
        Waivers::parse(&text, &shown)
    }

    pub fn parse(text: &str, path: &str) -> Result<Waivers, WaiverError> {
        let file: WaiverFile = crate::yaml::from_str(text).map_err(|e| WaiverError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let mut out = Vec::new();
        for (index, w) in file.waivers.into_iter().enumerate() {
            let reason = w.reason.trim();
            if reason.is_empty() || reason.starts_with(REASON_PLACEHOLDER) {
                return Err(WaiverError::NoReason {
                    path: path.to_owned(),
                    index: index + 1,
                    id: w.id.clone(),
                });
            }
            let date = Date::parse(&w.expires, format).map_err(|_| WaiverError::BadDate {
                path: path.to_owned(),
                index: index + 1,
                value: w.expires.clone(),
            })?;
            out.push((w, date));
        }
        Ok(Waivers(out))
    }

    /// Marks the findings these waivers cover, as of `now`.
    pub fn apply(&self, findings: &mut [Finding], now: OffsetDateTime) {
        for f in findings.iter_mut() {
            let Some((w, date)) = self.0.iter().find(|(w, _)| {
                w.id.eq_ignore_ascii_case(&f.check_id)
                    && w.target
                        .as_deref()
                        .is_none_or(|t| f.target.to_string().contains(t))
            }) else {
                continue;
            };
            if now.date() <= *date {
                f.waived = Some(AppliedWaiver {
                    reason: w.reason.clone(),
                    expires: w.expires.clone(),
                });
            } else {
                f.evidence.insert(
                    "waiver_expired".into(),
                    format!("{} (expired {}): {}", w.id, w.expires, w.reason).into(),
                );
            }
        }
    }
}

/// What `waivers init` writes where a reason must go; a waiver still saying it is refused.
pub const REASON_PLACEHOLDER: &str = "REQUIRED:";

/// A waivers file for every finding of `report` that could gate (fail, warn, error; not
/// already waived or known), one entry per check and target, with placeholder reasons and
/// expiry dates that [`Waivers::parse`] refuses until they are filled in.
pub fn template(report: &crate::finding::Report, report_path: &str) -> String {
    use std::fmt::Write as _;

    use crate::finding::Status;

    // JSON strings are YAML double-quoted scalars: any target text is written safely.
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Waivers for the findings of {report_path} ({} {}, evaluated {}).",
        report.tool.name, report.tool.version, report.evaluated_at
    );
    out.push_str(
        "# Each waiver needs a reason (why the finding is accepted, and the ticket that tracks \
         it)\n# and a last day (UTC, YYYY-MM-DD). `--waivers` refuses this file until every \
         entry has both;\n# delete the entries you do not accept.\n",
    );
    let mut seen = std::collections::BTreeSet::new();
    let mut entries = 0;
    out.push_str("waivers:\n");
    for f in &report.findings {
        if !matches!(f.status, Status::Fail | Status::Warn | Status::Error)
            || f.waived.is_some()
            || f.known
        {
            continue;
        }
        let target = f.target.to_string();
        if !seen.insert((f.check_id.clone(), target.clone())) {
            continue;
        }
        entries += 1;
        let message = f.message.lines().next().unwrap_or("");
        let _ = writeln!(out, "  - id: {}", f.check_id);
        let _ = writeln!(out, "    target: {}", quoted(&target));
        let _ = writeln!(
            out,
            "    # {} ({}): {}",
            f.status,
            f.title,
            message.chars().take(200).collect::<String>()
        );
        let _ = writeln!(
            out,
            "    reason: {}",
            quoted(&format!("{REASON_PLACEHOLDER} why this is accepted"))
        );
        out.push_str("    expires: YYYY-MM-DD\n");
    }
    if entries == 0 {
        // An empty list is still a valid waivers file.
        out.truncate(out.len() - "waivers:\n".len());
        out.push_str("# The report has nothing that could gate: no waivers needed.\nwaivers: []\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Severity;
    use crate::finding::{Evidence, Status, Target, TargetKind};

    fn finding(id: &str, target: &str) -> Finding {
        Finding {
            check_id: id.into(),
            title: String::new(),
            severity: Severity::Error,
            status: Status::Fail,
            target: Target::new(TargetKind::File, target),
            message: String::new(),
            evidence: Evidence::new(),
            waived: None,
            known: false,
        }
    }

    const FILE: &str = "waivers:\n  - id: x509-003\n    target: org1\n    reason: renewal booked\n    expires: 2026-12-31\n";

    #[test]
    fn matching_waiver_applies_until_its_date() {
        let w = Waivers::parse(FILE, "w.yaml").unwrap();
        let mut fs = vec![
            finding("X509-003", "crypto/org1/a.pem"),
            finding("X509-003", "crypto/org2/a.pem"),
            finding("X509-002", "org1"),
        ];
        w.apply(&mut fs, time::macros::datetime!(2026-12-31 23:00 UTC));
        assert!(fs[0].waived.is_some());
        assert!(fs[1].waived.is_none());
        assert!(fs[2].waived.is_none());
    }

    #[test]
    fn expired_waiver_no_longer_applies_and_says_so() {
        let w = Waivers::parse(FILE, "w.yaml").unwrap();
        let mut fs = vec![finding("X509-003", "org1/a.pem")];
        w.apply(&mut fs, time::macros::datetime!(2027-01-01 00:00 UTC));
        assert!(fs[0].waived.is_none());
        assert!(
            fs[0].evidence["waiver_expired"]
                .as_str()
                .unwrap()
                .contains("expired 2026-12-31")
        );
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let e = Waivers::parse(
            "waivers:\n  - id: X\n    reason: r\n    expires: soon\n",
            "w.yaml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("waiver 1 has expires 'soon'"), "{e}");
        let e = Waivers::parse("nope: 1\n", "w.yaml").unwrap_err();
        assert!(
            e.to_string().starts_with("failed to parse waivers w.yaml"),
            "{e}"
        );
    }

    #[test]
    fn init_template_is_refused_until_filled_in_then_waives_exactly_its_findings() {
        let mut passing = finding("X509-001", "ok.pem");
        passing.status = Status::Pass;
        let mut odd = finding("X509-003", "odd \"name\": a.pem");
        odd.target.locator = Some("certificate 2".into());
        let report = crate::finding::Report::new(
            "2026-12-05T00:00:00Z".into(),
            "s".into(),
            vec![finding("X509-002", "a.pem"), odd, passing],
        );
        let text = template(&report, "r.json");
        assert!(
            matches!(
                Waivers::parse(&text, "w.yaml"),
                Err(WaiverError::NoReason { index: 1, .. })
            ),
            "{text}"
        );
        let filled = text.replace("REQUIRED: why this is accepted", "CHG-1");
        assert!(matches!(
            Waivers::parse(&filled, "w.yaml"),
            Err(WaiverError::BadDate { index: 1, .. })
        ));
        let filled = filled.replace("YYYY-MM-DD", "2026-12-31");
        let waivers = Waivers::parse(&filled, "w.yaml").unwrap();
        let mut findings = report.findings.clone();
        waivers.apply(&mut findings, time::macros::datetime!(2026-12-06 00:00 UTC));
        let waived: Vec<bool> = findings.iter().map(|f| f.waived.is_some()).collect();
        assert_eq!(waived, [false, true, true], "{filled}");
    }

    #[test]
    fn init_template_of_a_clean_report_is_an_empty_valid_file() {
        let mut passing = finding("X509-001", "ok.pem");
        passing.status = Status::Pass;
        let report = crate::finding::Report::new("t".into(), "s".into(), vec![passing]);
        let text = template(&report, "r.json");
        assert!(Waivers::parse(&text, "w.yaml").is_ok(), "{text}");
    }
}
