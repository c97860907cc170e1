//! The required-checks gate (`--require`), end to end through the built binary: a required
//! family that only skipped fails the run (exit 1) and every format says which and why; one that
//! ran passes; an unknown name is a usage error (exit 2); a waived finding is not a run. The
//! `deploy-and-verify` default is tested at the config level (`src/cli.rs`), without a cluster.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const AT: &str = "2026-06-01T00:00:00Z";
const REFERENCE: &str = "fixtures/reference";

/// The reason the reference tree's TLS checks skip: it names no endpoint to dial.
const TLS_SKIP: &str = "skipped: no TLS endpoints (--endpoints, --endpoint) found";

fn fabcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("fabcheck runs")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `check --artifacts TREE --at AT` with `extra`, writing the table to stdout and JSON and JUnit
/// into `dir`; returns the run, the JSON report and the JUnit XML.
fn check_all_formats(dir: &Path, tree: &str, extra: &[&str]) -> (Output, Value, String) {
    let json = dir.join("report.json");
    let junit = dir.join("report.xml");
    let json_arg = format!("json={}", json.display());
    let junit_arg = format!("junit={}", junit.display());
    let mut args = vec![
        "check",
        "--artifacts",
        tree,
        "--at",
        AT,
        "-o",
        "table",
        "-o",
        &json_arg,
        "-o",
        &junit_arg,
    ];
    args.extend_from_slice(extra);
    let out = fabcheck(&args);
    let report = serde_json::from_str(&std::fs::read_to_string(&json).expect("json written"))
        .expect("json report");
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    (out, report, xml)
}

#[test]
fn a_required_family_that_only_skipped_fails_and_every_format_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    // Without --require the reference tree passes: its TLS checks skip, and skips never gate.
    let (plain, report, _) = check_all_formats(tmp.path(), REFERENCE, &[]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));
    assert!(report.get("required").is_none(), "no required section");

    let (out, report, junit) = check_all_formats(tmp.path(), REFERENCE, &["--require", "TLS"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let summary = &report["summary"];
    assert_eq!(
        (summary["failed"].as_u64(), summary["errors"].as_u64()),
        (Some(0), Some(0)),
        "nothing failed: the exit code is the requirement's alone"
    );

    // Table: the line an operator reads.
    let table = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        table.contains("Required to run: TLS — 1 did not run"),
        "{table}"
    );
    let line = format!("required family TLS did not run: TLS-001..TLS-012 {TLS_SKIP}");
    assert!(table.contains(&line), "{table}");
    assert!(
        table.trim_end().lines().last().unwrap().contains("passed"),
        "the summary line stays last"
    );

    // JSON: the selectors, and the family with its reason and every check's.
    let required = &report["required"];
    assert_eq!(required["selectors"], serde_json::json!(["TLS"]));
    let not_run = required["not_run"].as_array().unwrap();
    assert_eq!(not_run.len(), 1, "{required:#}");
    assert_eq!(not_run[0]["family"], "TLS");
    assert!(not_run[0].get("id").is_none());
    assert_eq!(not_run[0]["reason"], format!("TLS-001..TLS-012 {TLS_SKIP}"));
    let checks = not_run[0]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 12);
    assert!(
        checks.iter().all(|c| c["reason"] == TLS_SKIP),
        "{checks:#?}"
    );

    // JUnit: each TLS test case fails with the skip reason instead of being skipped.
    assert!(
        junit.contains(&format!(
            "message=\"required family TLS did not run: TLS-001 {TLS_SKIP}\" type=\"required-not-run\""
        )),
        "{junit}"
    );
    assert_eq!(junit.matches("type=\"required-not-run\"").count(), 12);
    assert_eq!(
        junit.matches("<skipped").count() as u64,
        report["summary"]["skipped"].as_u64().unwrap() - 12,
        "the other skips stay skipped"
    );
    validate_junit(&tmp.path().join("report.xml"));
}

#[test]
fn a_required_family_that_ran_passes() {
    let out = fabcheck(&[
        "check",
        "--artifacts",
        REFERENCE,
        "--at",
        AT,
        "-o",
        "json",
        "--require",
        "X509",
        "--require",
        "zk,KAFKA-001",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["required"],
        serde_json::json!({ "selectors": ["X509", "ZK", "KAFKA-001"], "not_run": [] }),
        "ZK ran although ZK-005 and ZK-006 (live) skipped"
    );
    let table = fabcheck(&[
        "check",
        "--artifacts",
        REFERENCE,
        "--at",
        AT,
        "--require",
        "X509",
    ]);
    assert_eq!(table.status.code(), Some(0), "{}", text(&table));
    assert!(
        String::from_utf8_lossy(&table.stdout).contains("Required to run: X509 — every one ran"),
        "{}",
        text(&table)
    );
}

#[test]
fn an_unknown_family_or_id_is_a_usage_error_naming_it() {
    let out = fabcheck(&[
        "check",
        "--artifacts",
        REFERENCE,
        "--require",
        "BOGUS,TLS,X509-999",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("failed to use --require: no family or check id 'BOGUS', 'X509-999'"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing ran");
    let out = fabcheck(&["check", "--artifacts", REFERENCE, "--require", "none,TLS"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn a_required_check_left_out_by_select_did_not_run_and_junit_shows_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, report, junit) = check_all_formats(
        tmp.path(),
        REFERENCE,
        &["--select", "X509", "--require", "TLS-003"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        report["required"]["not_run"],
        serde_json::json!([{
            "id": "TLS-003",
            "reason": "not selected (--select/--ignore)",
            "checks": [{ "id": "TLS-003", "reason": "not selected (--select/--ignore)" }],
        }])
    );
    assert!(
        junit.contains("<testcase name=\"TLS-003 (required)\""),
        "a check with no finding still gets its failing test case: {junit}"
    );
    validate_junit(&tmp.path().join("report.xml"));
}

#[test]
fn a_waived_failure_is_not_a_run() {
    // X509-008's fail tree: two incomplete MSP folders, both failing; no finding of it passes.
    let tree = "fixtures/x509/X509-008/fail";
    let tmp = tempfile::tempdir().unwrap();
    let waivers = tmp.path().join("waivers.yaml");
    std::fs::write(
        &waivers,
        "waivers:\n  - id: X509-008\n    reason: MSPs rebuilt in CHG-1234\n    expires: 2099-01-01\n",
    )
    .unwrap();
    let waivers = waivers.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--artifacts",
            tree,
            "--at",
            AT,
            "-o",
            "json",
            "--select",
            "X509-008",
        ];
        args.extend_from_slice(extra);
        fabcheck(&args)
    };
    // Waived, the failures no longer gate...
    let unrequired = run(&["--waivers", waivers]);
    assert_eq!(unrequired.status.code(), Some(0), "{}", text(&unrequired));
    // ...but nothing vouches for the check either: required, it did not run.
    let waived = run(&["--require", "X509-008", "--waivers", waivers]);
    assert_eq!(waived.status.code(), Some(1), "{}", text(&waived));
    let report: Value = serde_json::from_slice(&waived.stdout).unwrap();
    assert_eq!(
        report["required"]["not_run"][0]["reason"],
        "waived: MSPs rebuilt in CHG-1234"
    );
    assert_eq!(report["summary"]["waived"], 2);
}

fn validate_junit(xml: &Path) {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit.xsd");
    let lint = Command::new("xmllint")
        .args([
            "--noout",
            "--schema",
            xsd.to_str().unwrap(),
            xml.to_str().unwrap(),
        ])
        .output()
        .expect("xmllint (Debian libxml2-utils) validates JUnit XML");
    assert!(
        lint.status.success(),
        "JUnit XML does not validate: {}",
        String::from_utf8_lossy(&lint.stderr)
    );
}
