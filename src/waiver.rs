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
}
