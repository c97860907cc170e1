//! Report formats: the JSON validates against and round-trips through the documented schema,
//! the JUnit XML validates as JUnit (xmllint against tests/schemas/junit.xsd), one run writes
//! several formats, and the table ends with the summary line.

use std::path::{Path, PathBuf};
use std::process::Command;

use fabcheck::finding::Report;

const AT: &str = "2026-11-21T00:00:00Z";

fn sdk_go() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld/hyperledger__fabric-sdk-go")
}

fn fabcheck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(args)
        .output()
        .expect("fabcheck runs")
}

/// Runs one check of the sdk-go tree writing table to stdout and JSON + JUnit to files.
fn run_all_formats(dir: &Path, waivers: Option<&Path>) -> (std::process::Output, String, String) {
    let json = dir.join("report.json");
    let junit = dir.join("report.xml");
    let json_arg = format!("json={}", json.display());
    let junit_arg = format!("junit={}", junit.display());
    let sdk = sdk_go();
    let mut args = vec![
        "check",
        "--artifacts",
        sdk.to_str().unwrap(),
        "--at",
        AT,
        "-o",
        "table",
        "-o",
        &json_arg,
        "-o",
        &junit_arg,
    ];
    let w;
    if let Some(waivers) = waivers {
        w = waivers.display().to_string();
        args.extend(["--waivers", &w]);
    }
    let out = fabcheck(&args);
    (
        out,
        std::fs::read_to_string(json).unwrap(),
        std::fs::read_to_string(junit).unwrap(),
    )
}

#[test]
fn json_validates_against_the_documented_schema_and_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let waivers = tmp.path().join("waivers.yaml");
    std::fs::write(&waivers, "waivers:\n  - id: X509-006\n    reason: kept as a negative test fixture upstream\n    expires: 2099-01-01\n").unwrap();
    let (out, json, _) = run_all_formats(tmp.path(), Some(&waivers));
    assert_eq!(
        out.status.code(),
        Some(1),
        "expired certificates fail the run"
    );

    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schema/report.schema.json")).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let value: serde_json::Value = serde_json::from_str(&json).expect("report is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");

    let report: Report = serde_json::from_str(&json).expect("report deserializes into the model");
    assert_eq!(
        serde_json::to_value(&report).unwrap(),
        value,
        "round trip changed the report"
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check_id == "X509-006" && f.waived.is_some()),
        "the waiver applied"
    );
    assert_eq!(report.evaluated_at, AT);
}

#[test]
fn schema_rejects_a_report_with_an_unknown_status() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schema/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (_, json, _) = run_all_formats(tmp.path(), None);
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["findings"][0]["status"] = "maybe".into();
    assert!(
        !validator.is_valid(&value),
        "the schema must constrain status"
    );
}

#[test]
fn the_required_section_validates_round_trips_and_is_constrained() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schema/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "--artifacts",
            "fixtures/reference",
            "--at",
            AT,
            "-o",
            "json",
            "--require",
            "TLS,X509,ZK-005",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
    let not_run = value["required"]["not_run"].as_array().unwrap();
    assert_eq!(not_run.len(), 2, "TLS and ZK-005: {not_run:#?}");
    let report: Report = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(serde_json::to_value(&report).unwrap(), value, "round trip");

    let mut both = value.clone();
    both["required"]["not_run"][0]["id"] = "TLS-001".into();
    assert!(!validator.is_valid(&both), "family and id together");
    let mut neither = value.clone();
    neither["required"]["not_run"][0]
        .as_object_mut()
        .unwrap()
        .remove("family");
    assert!(!validator.is_valid(&neither), "neither family nor id");
    let mut prefix = value;
    prefix["required"]["selectors"][0] = "TLS-00".into();
    assert!(
        !validator.is_valid(&prefix),
        "a selector is a family or an id"
    );
}

#[test]
fn junit_validates_and_maps_statuses() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, json, junit) = run_all_formats(tmp.path(), None);
    let xml = tmp.path().join("report.xml");
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit.xsd");
    let lint = Command::new("xmllint")
        .args([
            "--noout",
            "--schema",
            xsd.to_str().unwrap(),
            xml.to_str().unwrap(),
        ])
        .output()
        .expect(
            "xmllint (Debian libxml2-utils, installed by .ci/run) is needed to validate JUnit XML",
        );
    assert!(
        lint.status.success(),
        "JUnit XML does not validate: {}",
        String::from_utf8_lossy(&lint.stderr)
    );

    let report: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(
        junit.matches("<failure").count(),
        report.summary.failed,
        "fail -> failure"
    );
    assert_eq!(
        junit.matches("<error").count(),
        report.summary.errors,
        "error -> error"
    );
    assert_eq!(
        junit.matches("<skipped").count(),
        report.summary.warnings + report.summary.skipped,
        "warn and skip -> skipped"
    );
    assert_eq!(junit.matches("<testcase").count(), report.findings.len());
    assert!(out.status.code() == Some(1));
}

#[test]
fn table_ends_with_the_summary_line_and_names_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, json, _) = run_all_formats(tmp.path(), None);
    let report: Report = serde_json::from_str(&json).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    assert_eq!(last, report.summary.to_string());
    assert!(last.starts_with(&format!(
        "{} passed, {} failed, ",
        report.summary.passed, report.summary.failed
    )));
    assert!(
        stdout.contains("expiredtlsca"),
        "failing targets are listed"
    );
    assert!(
        !stdout.contains("\u{1b}["),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn exit_codes_follow_the_threshold() {
    // Warnings only: a tree whose one problem is an expiring certificate.
    let sdk = sdk_go();
    let dir = sdk.join("37a93d37b281bc6d986923e38f71b9ebdc6966a0/test/fixtures/fabric/v1/crypto-config/peerOrganizations/org1.example.com/peers");
    let args = |fail_on: &'static str| {
        vec![
            "check".to_string(),
            "--artifacts".into(),
            dir.display().to_string(),
            "--at".into(),
            "2027-07-10T00:00:00Z".into(),
            "--fail-on".into(),
            fail_on.into(),
            "-o".into(),
            "json".into(),
        ]
    };
    let run = |fail_on| {
        Command::new(env!("CARGO_BIN_EXE_fabcheck"))
            .args(args(fail_on))
            .output()
            .unwrap()
    };
    let lenient = run("error");
    let report: Report = serde_json::from_slice(&lenient.stdout).unwrap();
    assert!(
        report.summary.warnings > 0 && report.summary.failed == 0 && report.summary.errors == 0,
        "{}",
        report.summary
    );
    assert_eq!(lenient.status.code(), Some(0));
    assert_eq!(run("warning").status.code(), Some(1));
}

#[test]
fn usage_and_unreachable_exit_codes() {
    let out = fabcheck(&["check", "--artifacts", "/nonexistent/fabcheck-test-dir"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("failed to read artifacts at /nonexistent/fabcheck-test-dir")
    );
    let out = fabcheck(&["check", "--artifacts", ".", "--at", "tomorrow"]);
    assert_eq!(out.status.code(), Some(2));
    let out = fabcheck(&["check", "--artifacts", ".", "-o", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let out = fabcheck(&["explain", "NOPE-999"]);
    assert_eq!(out.status.code(), Some(2));
    let out = fabcheck(&["explain", "x509-001"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("X509-001 ")
            && text.contains("How to fix it")
            && text.contains("FAB-6251")
    );
}

/// The report model's picture of the reference network: the nodes its files name, the links
/// the checks judge, each pointing at findings about it, and every certificate with its expiry.
#[test]
fn reference_network_topology_and_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("report.json");
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reference");
    fabcheck(&[
        "check",
        "--artifacts",
        reference.to_str().unwrap(),
        "--at",
        AT,
        "-o",
        &format!("json={}", json.display()),
    ]);
    let report: Report = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let topo = &report.topology;
    let node = |id: &str| {
        topo.nodes
            .iter()
            .find(|n| n.id == id)
            .unwrap_or_else(|| panic!("no node {id} in {:#?}", topo.nodes))
    };
    // cryptogen's layout: the peer and the org's CA, in the org's group.
    let peer = node("peer:org1.example.com/peer0.org1.example.com");
    assert_eq!(peer.group, "org1.example.com");
    node("ca:org1.example.com/ca.org1.example.com");
    // Two namespaces each run a `peer0`: two nodes, each with its own chaincode link.
    for ns in ["org1", "org2"] {
        let peer = format!("peer:{ns}/peer0");
        node(&peer);
        let chaincode = format!("chaincode:chaincode of {ns}/peer0");
        assert!(
            topo.links
                .iter()
                .any(|l| l.from == chaincode && l.to == peer && !l.findings.is_empty()),
            "{chaincode} resolves {peer}, judged by the DNS checks"
        );
    }
    assert!(
        topo.links
            .iter()
            .any(|l| l.kind == fabcheck::finding::observed::LinkKind::Zookeeper)
    );
    // Every finding a node points at is about that node: its name is in the target.
    for n in &topo.nodes {
        for &i in &n.findings {
            let f = &report.findings[i];
            let target = f.target.to_string();
            let short = n.name.split('.').next().unwrap();
            assert!(
                target.contains(short),
                "{} points at {} on {target}",
                n.id,
                f.check_id
            );
        }
    }
    assert!(
        peer.findings
            .iter()
            .any(|&i| report.findings[i].check_id.starts_with("X509"))
    );
    // Certificates: every PEM certificate file of the tree, soonest expiry first.
    assert!(report.certificates.len() >= 10);
    assert!(
        report
            .certificates
            .windows(2)
            .all(|w| w[0].not_after_seconds <= w[1].not_after_seconds)
    );
    let signcert = report
        .certificates
        .iter()
        .find(|c| c.subject == "peer0.org1.example.com" && c.role == "msp/signcerts")
        .expect("the peer's signing certificate");
    assert_eq!(signcert.issuer, "ca.org1.example.com");
    assert_eq!(signcert.org, "org1.example.com");
}
