//! Adopting fabcheck on a running network, end to end through the binary: a baseline report
//! makes today's failures known (they no longer gate, a new one does), `waivers init` writes a
//! waivers file `--waivers` refuses until its reasons and expiry dates are filled in, `report`
//! re-renders a saved report with its gate result, and the completions and man page generated
//! from the clap definitions are what bash and roff accept.

use std::path::Path;
use std::process::{Command, Output};

#[path = "support/findings.rs"]
mod findings;

use fabcheck::finding::{Report, Status};

const AT: &str = "2026-12-05T00:00:00Z";

fn fabcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(args)
        .output()
        .expect("fabcheck runs")
}

/// `check` of `tree` as of [`AT`] with `extra` flags, writing the JSON report to `json`.
fn check(tree: &str, extra: &[&str], json: &Path) -> Output {
    let out = format!("json={}", json.display());
    let mut args = vec!["check", "--artifacts", tree, "--at", AT, "-o", &out];
    args.extend_from_slice(extra);
    fabcheck(&args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn read(path: &Path) -> Report {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn gating(report: &Report) -> Vec<&fabcheck::finding::Finding> {
    report
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Warn | Status::Error))
        .collect()
}

/// A tree with failures today: a Kubernetes deployment from a public repository.
fn tree() -> String {
    findings::realworld("feitnomore__hyperledger-fabric-kubernetes")
        .display()
        .to_string()
}

#[test]
fn a_baseline_makes_todays_failures_known_and_a_new_one_still_gates() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree();
    let base = tmp.path().join("base.json");
    let first = check(&tree, &[], &base);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let baseline = read(&base);
    let failing = gating(&baseline).len();
    assert!(failing > 1);

    let again = tmp.path().join("again.json");
    let second = check(&tree, &["--baseline", base.to_str().unwrap()], &again);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let report = read(&again);
    assert_eq!(report.summary.known, failing);
    assert!(gating(&report).iter().all(|f| f.known));

    // A baseline without one of today's failures: that one is new, and gates.
    let mut partial = baseline.clone();
    let dropped = partial
        .findings
        .iter()
        .position(|f| f.status == Status::Fail)
        .unwrap();
    let new = partial.findings.remove(dropped);
    let partial_path = tmp.path().join("partial.json");
    std::fs::write(&partial_path, serde_json::to_vec(&partial).unwrap()).unwrap();
    let third_path = tmp.path().join("third.json");
    let third = check(
        &tree,
        &["--baseline", partial_path.to_str().unwrap()],
        &third_path,
    );
    assert_eq!(third.status.code(), Some(1), "{}", stderr(&third));
    let third = read(&third_path);
    let unknown: Vec<_> = gating(&third).into_iter().filter(|f| !f.known).collect();
    assert_eq!(unknown.len(), 1);
    assert_eq!(
        (&unknown[0].check_id, &unknown[0].target),
        (&new.check_id, &new.target)
    );

    let bad = fabcheck(&[
        "check",
        "--artifacts",
        &tree,
        "--baseline",
        "/nonexistent.json",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("failed to read the baseline report /nonexistent.json"));
}

#[test]
fn waivers_init_is_refused_until_filled_in_and_then_waives_todays_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree();
    let base = tmp.path().join("base.json");
    check(&tree, &[], &base);
    let waivers = tmp.path().join("waivers.yaml");
    let init = fabcheck(&[
        "waivers",
        "init",
        base.to_str().unwrap(),
        "-o",
        waivers.to_str().unwrap(),
    ]);
    assert_eq!(init.status.code(), Some(0), "{}", stderr(&init));
    let again = fabcheck(&[
        "waivers",
        "init",
        base.to_str().unwrap(),
        "-o",
        waivers.to_str().unwrap(),
    ]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing waivers file is never overwritten"
    );

    let unfilled = fabcheck(&[
        "check",
        "--artifacts",
        &tree,
        "--at",
        AT,
        "--waivers",
        waivers.to_str().unwrap(),
    ]);
    assert_eq!(unfilled.status.code(), Some(2));
    assert!(
        stderr(&unfilled).contains("has no reason"),
        "{}",
        stderr(&unfilled)
    );

    let text = std::fs::read_to_string(&waivers)
        .unwrap()
        .replace(
            "REQUIRED: why this is accepted",
            "accepted for the audit, CHG-42",
        )
        .replace("YYYY-MM-DD", "2026-12-31");
    std::fs::write(&waivers, text).unwrap();
    let out = tmp.path().join("waived.json");
    let filled = check(&tree, &["--waivers", waivers.to_str().unwrap()], &out);
    assert_eq!(filled.status.code(), Some(0), "{}", stderr(&filled));
    let report = read(&out);
    assert!(gating(&report).iter().all(|f| f.waived.is_some()));
    assert!(report.summary.waived >= gating(&read(&base)).len());
}

#[test]
fn report_re_renders_a_saved_report_with_its_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base.json");
    check(&tree(), &[], &base);
    let html = tmp.path().join("r.html");
    let json = tmp.path().join("r.json");
    let out = fabcheck(&[
        "report",
        base.to_str().unwrap(),
        "-o",
        "table",
        "-o",
        &format!("html={}", html.display()),
        "-o",
        &format!("json={}", json.display()),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the saved report fails its gate"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("failed"));
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains("Gate FAILED")
    );
    assert_eq!(read(&json), read(&base), "JSON round-trips unchanged");
    let missing = fabcheck(&["report", "/nonexistent.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("failed to read the report /nonexistent.json"));
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    let bash = fabcheck(&["completions", "bash"]);
    assert!(bash.status.success());
    let script = String::from_utf8(bash.stdout).unwrap();
    for word in ["deploy-and-verify", "waivers", "--baseline", "--fail-on"] {
        assert!(script.contains(word), "{word} is completed");
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("fabcheck.bash");
    std::fs::write(&file, &script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(syntax.status.success(), "{}", stderr(&syntax));
    for shell in ["zsh", "fish"] {
        let out = fabcheck(&["completions", shell]);
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
    let man = fabcheck(&["man"]);
    assert!(man.status.success());
    let roff = String::from_utf8(man.stdout).unwrap();
    assert!(roff.contains(".TH fabcheck 1"));
    for sub in ["check", "deploy\\-and\\-verify", "waivers", "completions"] {
        assert!(roff.contains(sub), "{sub} in the man page");
    }
    let bad = fabcheck(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}
