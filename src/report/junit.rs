//! The JUnit XML renderer, for CI viewers: one test suite per area, one test case per finding.
//!
//! `fail` becomes `<failure>`, `error` (could not evaluate) becomes `<error>`, and `warn` and
//! `skip` become `<skipped>` with the message, so a warning is visible without failing the job.

use std::io::Write;

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use crate::finding::{Finding, Report, Status};

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut junit = JunitReport::new("fabcheck");
    let mut areas: Vec<&str> = report.findings.iter().map(Finding::area).collect();
    areas.dedup();
    for area in areas {
        let mut suite = TestSuite::new(area);
        suite.add_property(("source", report.source.as_str()));
        suite.add_property(("evaluated_at", report.evaluated_at.as_str()));
        for f in report.findings.iter().filter(|f| f.area() == area) {
            suite.add_test_case(test_case(f));
        }
        junit.add_test_suite(suite);
    }
    junit.serialize(&mut *out).map_err(std::io::Error::other)?;
    writeln!(out)
}

fn test_case(f: &Finding) -> TestCase {
    let mut status = match f.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
        Status::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
        Status::Warn | Status::Skip => TestCaseStatus::skipped(),
    };
    if f.status != Status::Pass {
        let prefix = if f.status == Status::Warn {
            "warning: "
        } else {
            ""
        };
        status.set_message(format!("{prefix}{}", f.message));
        status.set_type(f.status.as_str());
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
