//! SARIF and Markdown from real runs: the SARIF of a failing real-world tree validates against
//! the OASIS SARIF 2.1.0 schema (`tests/schemas/sarif-2.1.0.json`: oasis-tcs/sarif-spec's
//! `Schemata/sarif-schema-2.1.0.json`, the draft-07 edition, as the serde-sarif 0.8.0 crate
//! ships it), with formats checked and no remote reference fetched; every finding that is not
//! a pass or a skip is a result of a rule with the catalogue's text, placed at a file that
//! exists; the Markdown of the same run lists the same failures and fits GitHub's step summary.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/findings.rs"]
mod findings;

use fabcheck::finding::{Report, Status};

const AT: &str = "2026-12-05T00:00:00Z";

/// Runs `check` on `tree` writing JSON, SARIF and Markdown; returns them.
fn run(tree: &Path, dir: &Path) -> (Report, serde_json::Value, String) {
    let path = |name: &str| dir.join(name);
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--artifacts"])
        .arg(tree)
        .args(["--at", AT])
        .arg("-o")
        .arg(format!("json={}", path("r.json").display()))
        .arg("-o")
        .arg(format!("sarif={}", path("r.sarif").display()))
        .arg("-o")
        .arg(format!("markdown={}", path("r.md").display()))
        .output()
        .expect("fabcheck runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(path(name)).unwrap();
    (
        serde_json::from_str(&read("r.json")).unwrap(),
        serde_json::from_str(&read("r.sarif")).unwrap(),
        read("r.md"),
    )
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // Draft 7, as the schema declares, set here rather than trusted; the crate is built without
    // its HTTP retriever and the schema has no remote `$ref`, so nothing is fetched.
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// A Kubernetes deployment from a public repository that fails DNS, channel and Kafka checks
/// (on lines of its manifests), and Fabric's compose files (on lines of services).
fn trees() -> Vec<PathBuf> {
    vec![
        findings::realworld("feitnomore__hyperledger-fabric-kubernetes"),
        findings::realworld("hyperledger__fabric"),
    ]
}

#[test]
fn sarif_validates_and_carries_every_failure_at_its_file_and_line() {
    let validator = sarif_validator();
    for tree in trees() {
        let tmp = tempfile::tempdir().unwrap();
        let (report, sarif, _) = run(&tree, tmp.path());
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", tree.display());

        let run = &sarif["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        let expected: Vec<_> = report
            .findings
            .iter()
            .filter(|f| !matches!(f.status, Status::Pass | Status::Skip))
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(results.len(), expected.len());
        let mut with_line = 0;
        for (r, f) in results.iter().zip(&expected) {
            assert_eq!(r["ruleId"], f.check_id.as_str());
            assert_eq!(r["message"]["text"], f.message.as_str());
            let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
            assert_eq!(rule["id"], f.check_id.as_str());
            assert_eq!(rule["shortDescription"]["text"], f.title.as_str());
            assert!(rule["help"]["text"].as_str().unwrap().contains("Fix:"));
            let physical = &r["locations"][0]["physicalLocation"];
            if let Some(uri) = physical["artifactLocation"]["uri"].as_str() {
                let path = uri
                    .strip_prefix("file://")
                    .unwrap_or(uri)
                    .replace("%20", " ");
                let on_disk = Path::new(env!("CARGO_MANIFEST_DIR")).join(&path);
                assert!(on_disk.exists(), "{uri} for {} does not exist", f.check_id);
                if let Some(line) = physical["region"]["startLine"].as_u64() {
                    with_line += 1;
                    let lines = std::fs::read_to_string(&on_disk)
                        .map(|t| t.lines().count() as u64)
                        .unwrap_or(u64::MAX);
                    assert!(line >= 1 && line <= lines, "{uri}:{line} is past the end");
                }
            } else {
                assert!(r["locations"][0]["logicalLocations"][0]["name"].is_string());
            }
        }
        assert!(
            with_line > 0,
            "{}: some failures are on a line of a file",
            tree.display()
        );
    }
}

#[test]
fn a_sarif_log_that_breaks_the_schema_is_caught() {
    let validator = sarif_validator();
    let tmp = tempfile::tempdir().unwrap();
    let (_, mut sarif, _) = run(&trees()[0], tmp.path());
    assert!(validator.is_valid(&sarif));
    sarif["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&sarif), "level is an enum");
}

#[test]
fn markdown_lists_the_same_failures_within_the_step_summary_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, _, markdown) = run(&trees()[0], tmp.path());
    assert!(markdown.len() < 1024 * 1024);
    assert!(markdown.contains("gate failed"));
    assert!(markdown.contains(&report.summary.to_string()));
    let listed: BTreeSet<&str> = markdown
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .filter(|id| *id != "check" && !id.starts_with('-'))
        .collect();
    let failing: BTreeSet<&str> = report
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Warn | Status::Error))
        .map(|f| f.check_id.as_str())
        .collect();
    assert_eq!(listed, failing);
}
