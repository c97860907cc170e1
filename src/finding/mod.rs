//! The one result model every layer shares: checks produce [`Outcome`]s, the registry makes
//! them [`Finding`]s, waivers and the in-cluster probe's merge adjust findings, and the
//! renderers in [`crate::report`] turn a [`Report`] into text without deciding anything.
//!
//! A [`Finding`] is one verdict of one check about one target, with the values it compared.
//! A [`Report`] is a whole run: what was checked, when, and every finding; [`gate`] decides
//! which required checks (`--require`) did not run.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalogue::Severity;

pub mod baseline;
pub mod gate;
pub mod observed;

/// The outcome of one check against one target.
///
/// `Error` means the check could not evaluate (unreadable input, unreachable endpoint); it is
/// never counted as a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Skip,
    Warn,
    Fail,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Skip => "skip",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of thing a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// A file, or a part of one (a PEM block, a key inside a Kubernetes Secret).
    File,
    /// An MSP folder.
    Msp,
    /// A network endpoint (`host:port`).
    Endpoint,
    /// A Kubernetes object (`namespace/kind/name`).
    Object,
    /// The whole source being checked.
    Source,
}

/// The thing a finding is about: which file, folder, endpoint or object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Target {
    pub kind: TargetKind,
    /// Path, `host:port` or object reference.
    pub name: String,
    /// Where inside `name`, when it holds several things: `certificate 2`, `data[tls.crt]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
}

impl Target {
    pub fn new(kind: TargetKind, name: impl Into<String>) -> Self {
        Target {
            kind,
            name: name.into(),
            locator: None,
        }
    }

    pub fn with_locator(mut self, locator: Option<String>) -> Self {
        self.locator = locator;
        self
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.locator {
            Some(loc) => write!(f, "{} ({loc})", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// The values a check compared, keyed by name. Values are JSON so that numbers stay numbers.
/// Keys are the checks' own names, borrowed: a large report holds hundreds of thousands.
pub type Evidence = BTreeMap<Cow<'static, str>, serde_json::Value>;

/// What a check says about one target, before the catalogue's metadata is attached.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub target: Target,
    pub message: String,
    pub evidence: Evidence,
}

impl Outcome {
    pub fn new(status: Status, target: Target, message: impl Into<String>) -> Self {
        Outcome {
            status,
            target,
            message: message.into(),
            evidence: Evidence::new(),
        }
    }

    /// Adds one compared value to the evidence.
    pub fn with(
        mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.evidence.insert(key.into(), value.into());
        self
    }
}

/// A waiver that applied to a finding: the finding still shows, but does not gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedWaiver {
    pub reason: String,
    pub expires: String,
}

/// One verdict of one check about one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The stable check id, e.g. `X509-002`.
    pub check_id: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub target: Target,
    pub message: String,
    #[serde(default)]
    pub evidence: Evidence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived: Option<AppliedWaiver>,
    /// Present in the baseline report (`--baseline`): shown, but it does not gate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known: bool,
}

impl Finding {
    /// The area a finding belongs to: the id's prefix (`X509` for `X509-002`).
    pub fn area(&self) -> &str {
        self.check_id.split('-').next().unwrap_or(&self.check_id)
    }

    /// Whether this finding stops a gate run at `threshold`.
    ///
    /// A failed check counts at its catalogue severity; a warning counts as a warning; a check
    /// that could not evaluate counts as an error, because a gate that could not look must not
    /// pass. Waived findings, and findings known from the baseline, never gate.
    pub fn gates(&self, threshold: Severity) -> bool {
        if self.waived.is_some() || self.known {
            return false;
        }
        let level = match self.status {
            Status::Pass | Status::Skip => return false,
            Status::Fail => self.severity,
            Status::Warn => Severity::Warning.min(self.severity),
            Status::Error => Severity::Error,
        };
        level >= threshold
    }
}

#[cfg(test)]
impl Finding {
    /// A finding of `check_id` about the file `target`, for unit tests.
    pub fn example(check_id: &str, status: Status, target: &str, message: &str) -> Finding {
        Finding {
            check_id: check_id.into(),
            title: "title".into(),
            severity: Severity::Error,
            status,
            target: Target::new(TargetKind::File, target),
            message: message.into(),
            evidence: Evidence::new(),
            waived: None,
            known: false,
        }
    }
}

/// Counts by status, as printed on the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub warnings: usize,
    pub errors: usize,
    pub skipped: usize,
    pub waived: usize,
    /// Findings present in the baseline report (`--baseline`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub known: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Self {
        let mut s = Summary::default();
        for f in findings {
            if f.waived.is_some() {
                s.waived += 1;
            }
            if f.known {
                s.known += 1;
            }
            match f.status {
                Status::Pass => s.passed += 1,
                Status::Fail => s.failed += 1,
                Status::Warn => s.warnings += 1,
                Status::Error => s.errors += 1,
                Status::Skip => s.skipped += 1,
            }
        }
        s
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} warnings, {} errors",
            self.passed, self.failed, self.warnings, self.errors
        )?;
        if self.skipped > 0 {
            write!(f, ", {} skipped", self.skipped)?;
        }
        if self.waived > 0 {
            write!(f, ", {} waived", self.waived)?;
        }
        if self.known > 0 {
            write!(f, ", {} known from the baseline", self.known)?;
        }
        Ok(())
    }
}

/// A whole run: what was checked, as of when, and every finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Version of the JSON schema in `schema/report.schema.json`.
    pub schema_version: u32,
    pub tool: ToolInfo,
    /// The instant certificates were evaluated at (RFC 3339).
    pub evaluated_at: String,
    /// What was checked: `artifacts:DIR`, `cluster:CONTEXT`, …
    pub source: String,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// What was found in a live cluster (`check --cluster`), classified; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<crate::network::discovered::Discovery>,
    /// What was found but not read, and why (a FIFO, a device file, a socket among the
    /// artifacts): the report says what it did not look at rather than drop it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_read: Vec<String>,
    /// What `--require` named and which of it did not run; absent when nothing was required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<gate::Required>,
    /// Every certificate seen (files, Secrets, served by endpoints), with its expiry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<observed::CertificateSeen>,
    /// How long each live TLS handshake took.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handshakes: Vec<observed::HandshakeTiming>,
    /// The network as a picture: nodes, the links checks judged, and their findings.
    #[serde(default, skip_serializing_if = "observed::Topology::is_empty")]
    pub topology: observed::Topology,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// The JSON schema version this build writes.
pub const SCHEMA_VERSION: u32 = 1;

impl Report {
    pub fn new(evaluated_at: String, source: String, mut findings: Vec<Finding>) -> Self {
        // A stable order makes reports diffable: by check, then target.
        findings.sort_by(|a, b| {
            (&a.check_id, &a.target, &a.message).cmp(&(&b.check_id, &b.target, &b.message))
        });
        Report {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo {
                name: env!("CARGO_PKG_NAME").to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            evaluated_at,
            source,
            summary: Summary::of(&findings),
            findings,
            discovery: None,
            not_read: Vec::new(),
            required: None,
            certificates: Vec::new(),
            handshakes: Vec::new(),
            topology: observed::Topology::default(),
        }
    }

    /// Whether the run fails its gate at `threshold`: a finding stops it, or a required family
    /// or check did not run (whatever the threshold: a skip never signs off on a requirement).
    pub fn gates(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.gates(threshold))
            || self.required.as_ref().is_some_and(|r| !r.passes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(status: Status, severity: Severity) -> Finding {
        Finding {
            check_id: "X509-002".into(),
            title: "t".into(),
            severity,
            status,
            target: Target::new(TargetKind::File, "a.pem"),
            message: "m".into(),
            evidence: Evidence::new(),
            waived: None,
            known: false,
        }
    }

    #[test]
    fn gate_levels_follow_status_and_severity() {
        use Severity as Sev;
        use Status as St;
        assert!(finding(St::Fail, Sev::Error).gates(Sev::Error));
        assert!(!finding(St::Fail, Sev::Warning).gates(Sev::Error));
        assert!(finding(St::Fail, Sev::Warning).gates(Sev::Warning));
        assert!(!finding(St::Warn, Sev::Error).gates(Sev::Error));
        assert!(finding(St::Warn, Sev::Error).gates(Sev::Warning));
        assert!(
            finding(St::Error, Sev::Info).gates(Sev::Error),
            "could-not-evaluate always gates"
        );
        assert!(!finding(St::Pass, Sev::Error).gates(Sev::Warning));
        assert!(!finding(St::Skip, Sev::Error).gates(Sev::Warning));
        assert!(!finding(St::Fail, Sev::Info).gates(Sev::Warning));
        let mut waived = finding(St::Fail, Sev::Error);
        waived.waived = Some(AppliedWaiver {
            reason: "r".into(),
            expires: "2099-01-01".into(),
        });
        assert!(!waived.gates(Sev::Warning));
    }

    #[test]
    fn a_required_family_that_did_not_run_gates_a_run_of_skips() {
        let mut skipped = finding(Status::Skip, Severity::Error);
        skipped.check_id = "TLS-001".into();
        let mut report = Report::new("t".into(), "s".into(), vec![skipped]);
        assert!(!report.gates(Severity::Error), "skips alone never gate");
        report.required = gate::evaluate(
            &[gate::Selector::Family("TLS".into())],
            &report.findings,
            crate::catalogue::Catalogue::embedded(),
            &|_| true,
        );
        assert!(report.gates(Severity::Error));
        assert!(report.gates(Severity::Warning));
    }

    #[test]
    fn summary_line_counts_each_status() {
        let fs = vec![
            finding(Status::Pass, Severity::Error),
            finding(Status::Fail, Severity::Error),
            finding(Status::Fail, Severity::Error),
            finding(Status::Warn, Severity::Error),
            finding(Status::Error, Severity::Error),
        ];
        assert_eq!(
            Summary::of(&fs).to_string(),
            "1 passed, 2 failed, 1 warnings, 1 errors"
        );
    }
}
