//! Baselines (`--baseline report.json`): findings a previous report already had are marked
//! known, so adopting fabcheck on a running network gates only on what is new.
//!
//! A finding is the same as a baseline one when it is of the same check, about the same target
//! (name and locator) and has the same status: a warning that became a failure is new, and so is
//! the same failure on another file. Messages are not compared, since they carry values that
//! move from run to run (days left, a measured lag).

use std::collections::HashSet;

use super::{Finding, Report, Status, Target};

/// Marks each finding of `findings` that `baseline` already had as known. Passing and skipped
/// findings are never marked: only a verdict that could gate is worth knowing about.
pub fn mark_known(findings: &mut [Finding], baseline: &Report) {
    let known: HashSet<(&str, &Target, Status)> = baseline
        .findings
        .iter()
        .filter(|f| could_gate(f.status))
        .map(|f| (f.check_id.as_str(), &f.target, f.status))
        .collect();
    for f in findings.iter_mut() {
        if could_gate(f.status) && known.contains(&(f.check_id.as_str(), &f.target, f.status)) {
            f.known = true;
        }
    }
}

fn could_gate(status: Status) -> bool {
    matches!(status, Status::Warn | Status::Fail | Status::Error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Severity;

    fn finding(id: &str, target: &str, status: Status, message: &str) -> Finding {
        Finding::example(id, status, target, message)
    }

    #[test]
    fn only_the_same_check_target_and_status_is_known() {
        let baseline = Report::new(
            "2026-01-01T00:00:00Z".into(),
            "s".into(),
            vec![
                finding("X509-003", "a.pem", Status::Fail, "expires in 3 days"),
                finding("X509-004", "b.pem", Status::Warn, "w"),
                finding("X509-005", "c.pem", Status::Pass, "p"),
            ],
        );
        let mut now = vec![
            finding("X509-003", "a.pem", Status::Fail, "expired 2 days ago"),
            finding("X509-003", "z.pem", Status::Fail, "another file"),
            finding("X509-004", "b.pem", Status::Fail, "worse than before"),
            finding("X509-005", "c.pem", Status::Pass, "p"),
        ];
        mark_known(&mut now, &baseline);
        let known: Vec<bool> = now.iter().map(|f| f.known).collect();
        assert_eq!(known, [true, false, false, false]);
        assert!(
            !now[0].gates(Severity::Error),
            "a known failure does not gate"
        );
        assert!(now[1].gates(Severity::Error), "a new failure does");
        let report = Report::new("t".into(), "s".into(), now);
        assert_eq!(report.summary.known, 1);
        assert!(report.gates(Severity::Error));
    }
}
