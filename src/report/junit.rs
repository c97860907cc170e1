//! The JUnit XML renderer, for CI viewers: one test suite per area, one test case per finding.
//!
//! `fail` becomes `<failure>`, `error` (could not evaluate) becomes `<error>`, and `warn` and
//! `skip` become `<skipped>` with the message, so a warning is visible without failing the job.
//! A check that `--require` named and that did not run is a `<failure>` instead of `<skipped>`,
//! its message saying what was required and why it did not run; one with no finding at all
//! (not selected) gets a test case of its own, so CI sees it fail too.

use std::io::Write;

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use crate::finding::gate::{self, Required};
use crate::finding::{Finding, Report, Status};

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut junit = JunitReport::new("fabcheck");
    let mut areas: Vec<&str> = report.findings.iter().map(Finding::area).collect();
    // Required checks with no finding belong to their area's suite, even an area with none.
    let unreported: Vec<(&gate::NotRun, &gate::CheckNotRun)> = report
        .required
        .iter()
        .flat_map(|r| r.not_run.iter())
        .flat_map(|n| n.checks.iter().map(move |c| (n, c)))
        .filter(|(_, c)| !report.findings.iter().any(|f| f.check_id == c.id))
        .collect();
    areas.extend(unreported.iter().map(|(_, c)| area_of(&c.id)));
    let mut seen = std::collections::BTreeSet::new();
    areas.retain(|a| seen.insert(*a));
    for area in areas {
        let mut suite = TestSuite::new(area);
        suite.add_property(("source", report.source.as_str()));
        suite.add_property(("evaluated_at", report.evaluated_at.as_str()));
        for f in report.findings.iter().filter(|f| f.area() == area) {
            suite.add_test_case(test_case(f, report.required.as_ref()));
        }
        let mut added = std::collections::BTreeSet::new();
        for (not_run, check) in unreported.iter().filter(|(_, c)| area_of(&c.id) == area) {
            if added.insert(&check.id) {
                suite.add_test_case(unreported_case(not_run, check));
            }
        }
        junit.add_test_suite(suite);
    }
    junit.serialize(&mut *out).map_err(std::io::Error::other)?;
    writeln!(out)
}

fn area_of(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

fn test_case(f: &Finding, required: Option<&Required>) -> TestCase {
    let not_run = required
        .and_then(|r| r.not_run_check(&f.check_id))
        .filter(|_| matches!(f.status, Status::Skip | Status::Warn));
    let mut status = match (f.status, not_run) {
        (Status::Pass, _) => TestCaseStatus::success(),
        (_, Some(_)) | (Status::Fail, _) => TestCaseStatus::non_success(NonSuccessKind::Failure),
        (Status::Error, _) => TestCaseStatus::non_success(NonSuccessKind::Error),
        (Status::Warn | Status::Skip, None) => TestCaseStatus::skipped(),
    };
    if f.status != Status::Pass {
        match not_run {
            Some((selector, _)) => {
                status.set_message(selector.check_line(&f.check_id, &gate::finding_reason(f)));
                status.set_type("required-not-run");
            }
            None => {
                let prefix = if f.status == Status::Warn {
                    "warning: "
                } else {
                    ""
                };
                status.set_message(format!("{prefix}{}", f.message));
                status.set_type(f.status.as_str());
            }
        }
        let evidence = f
            .evidence
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n");
        status.set_description(format!("{}\nseverity: {}\n{evidence}", f.title, f.severity));
    }
    let mut case = TestCase::new(format!("{} {}", f.check_id, f.target), status);
    case.set_classname(format!("fabcheck.{}", f.check_id));
    case
}

/// A failed test case for a required check that produced no finding.
fn unreported_case(not_run: &gate::NotRun, check: &gate::CheckNotRun) -> TestCase {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status.set_message(not_run.check_line(&check.id, &check.reason));
    status.set_type("required-not-run");
    let mut case = TestCase::new(format!("{} (required)", check.id), status);
    case.set_classname(format!("fabcheck.{}", check.id));
    case
}
