//! End-to-end tests over the committed fixtures in `fixtures/` (regenerate them with
//! `cargo run --example regen-fixtures`).
//!
//! Each test runs the real `fabcheck` binary with `-o json` and reads the report: for every
//! X509 check, its `pass/` tree must give only `pass` findings for that check and its `fail/`
//! tree the expected non-pass status with a message naming the problem; the reference
//! crypto-config tree must pass every check; exit codes must follow `--fail-on`.

#[path = "support/findings.rs"]
mod findings;
use findings::describe;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The instant the fixtures are built around (see `fixtures/README.md`).
const AT: &str = "2026-06-01T00:00:00Z";

const ALL_IDS: [&str; 19] = [
    "X509-001", "X509-002", "X509-003", "X509-004", "X509-005", "X509-006", "X509-007", "X509-008",
    "X509-009", "X509-010", "X509-011", "X509-012", "X509-013", "X509-014", "X509-015", "X509-016",
    "X509-017", "X509-018", "X509-019",
];

struct Run {
    code: i32,
    report: Value,
}

/// Runs `fabcheck` from the repository root and parses its stdout as JSON.
fn fabcheck(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("fabcheck runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("fabcheck {args:?}: stdout is not JSON ({e})\nstdout: {stdout}\nstderr: {stderr}")
    });
    Run {
        code: out
            .status
            .code()
            .unwrap_or_else(|| panic!("fabcheck {args:?} was killed by a signal")),
        report,
    }
}

/// `fabcheck check --artifacts TREE --at AT -o json [extra...]`.
fn check(tree: &str, extra: &[&str]) -> Run {
    let mut args = vec!["check", "--artifacts", tree, "--at", AT, "-o", "json"];
    args.extend_from_slice(extra);
    let run = fabcheck(&args);
    assert_eq!(
        run.report["evaluated_at"], AT,
        "{tree}: the report is not evaluated at --at"
    );
    run
}

fn all_findings(report: &Value) -> &Vec<Value> {
    report["findings"]
        .as_array()
        .expect("report has a findings array")
}

fn findings<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    all_findings(report)
        .iter()
        .filter(|f| f["check_id"] == id)
        .collect()
}

fn describe_all(report: &Value) -> String {
    all_findings(report)
        .iter()
        .map(describe)
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// `fixtures/x509/<id>/pass`: every finding of `id` passes (and there is one), nothing in the
/// tree fails, warns or errors, and the run exits 0.
fn assert_pass_tree(id: &str) {
    let tree = format!("fixtures/x509/{id}/pass");
    let run = check(&tree, &[]);
    let mine = findings(&run.report, id);
    assert!(
        !mine.is_empty(),
        "{tree}: no {id} finding\n  {}",
        describe_all(&run.report)
    );
    for f in &mine {
        assert_eq!(f["status"], "pass", "{tree}: {}", describe(f));
    }
    for f in all_findings(&run.report) {
        assert!(
            f["status"] == "pass" || f["status"] == "skip",
            "{tree} should be clean for every check: {}",
            describe(f)
        );
    }
    assert_eq!(
        run.code,
        0,
        "{tree}: exit code\n  {}",
        describe_all(&run.report)
    );
}

/// `fixtures/x509/<id>/fail`: for each `(target suffix, phrase)` some finding of `id` has
/// `status`, a target path ending with the suffix and a message containing the phrase; the run
/// exits with `exit`.
fn assert_fail_tree(id: &str, status: &str, exit: i32, expected: &[(&str, &str)]) {
    let tree = format!("fixtures/x509/{id}/fail");
    let run = check(&tree, &[]);
    let mine = findings(&run.report, id);
    for (suffix, phrase) in expected {
        assert!(
            mine.iter().any(|f| f["status"] == status
                && f["target"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&tree) && n.ends_with(suffix))
                && f["message"].as_str().is_some_and(|m| m.contains(phrase))),
            "{tree}: no {id} {status} finding for …{suffix} containing {phrase:?}; got\n  {}",
            describe_all(&run.report)
        );
    }
    assert_eq!(
        run.code,
        exit,
        "{tree}: exit code\n  {}",
        describe_all(&run.report)
    );
}

#[test]
fn x509_001_leaf_predates_issuer() {
    assert_pass_tree("X509-001");
    assert_fail_tree(
        "X509-001",
        "fail",
        1,
        &[(
            "msp/signcerts/peer0.org1.example.com-cert.pem",
            "5m 0s before its issuer ca.org1.example.com",
        )],
    );
}

#[test]
fn x509_002_outside_validity_window() {
    assert_pass_tree("X509-002");
    assert_fail_tree(
        "X509-002",
        "fail",
        1,
        &[
            (
                "expired/msp/signcerts/peer0.org1.example.com-cert.pem",
                "expired at 2025-01-01T00:00:00Z",
            ),
            (
                "not-yet-valid/msp/signcerts/peer1.org1.example.com-cert.pem",
                "not yet valid: valid from 2098-01-01T00:00:00Z",
            ),
        ],
    );
}

#[test]
fn x509_003_expires_soon() {
    assert_pass_tree("X509-003");
    assert_fail_tree(
        "X509-003",
        "warn",
        0,
        &[(
            "msp/signcerts/peer0.org1.example.com-cert.pem",
            "expires in 10 days, at 2026-06-11T00:00:00Z",
        )],
    );
}

#[test]
fn x509_004_broken_chain() {
    assert_pass_tree("X509-004");
    assert_fail_tree(
        "X509-004",
        "fail",
        1,
        &[
            (
                "bad-signature/msp/signcerts/peer0.org1.example.com-cert.pem",
                "signature does not verify with the key of any certificate named",
            ),
            (
                "issuer-not-ca/msp/signcerts/peer0.org2.example.com-cert.pem",
                "issued by user1.org2.example.com",
            ),
            (
                "issuer-not-ca/msp/signcerts/peer0.org2.example.com-cert.pem",
                "which is not a CA: basicConstraints CA:FALSE",
            ),
        ],
    );
}

#[test]
fn x509_004_pass_tree_verifies_through_the_intermediate() {
    let run = check("fixtures/x509/X509-004/pass", &[]);
    let leaf = findings(&run.report, "X509-004")
        .into_iter()
        .find(|f| {
            f["target"]["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("signcerts/peer0.org1.example.com-cert.pem"))
        })
        .unwrap_or_else(|| panic!("no finding for the signcert: {}", describe_all(&run.report)));
    assert!(
        leaf["message"]
            .as_str()
            .is_some_and(|m| m.contains("chain verifies to root ca.org1.example.com in 2 step(s)")),
        "{}",
        describe(leaf)
    );
}

#[test]
fn x509_005_leaf_outlives_issuer() {
    assert_pass_tree("X509-005");
    // X509-005 has warning severity: a `fail` gates only from --fail-on warning.
    assert_fail_tree(
        "X509-005",
        "fail",
        0,
        &[(
            "msp/signcerts/peer0.org1.example.com-cert.pem",
            "after its issuer ca.org1.example.com (expires 2090-01-01T00:00:00Z)",
        )],
    );
    assert_eq!(
        check("fixtures/x509/X509-005/fail", &["--fail-on", "warning"]).code,
        1
    );
}

#[test]
fn x509_006_empty_validity_window() {
    assert_pass_tree("X509-006");
    assert_fail_tree(
        "X509-006",
        "fail",
        1,
        &[(
            "msp/signcerts/peer0.org1.example.com-cert.pem",
            "never valid: NotAfter 2021-01-01T00:00:00Z is 1d 0h before NotBefore 2021-01-02T00:00:00Z",
        )],
    );
}

#[test]
fn x509_007_key_mismatch() {
    assert_pass_tree("X509-007");
    assert_fail_tree(
        "X509-007",
        "fail",
        1,
        &[(
            "peer0.org1.example.com/tls/server.crt",
            "none of the 1 tls server key(s) beside it matches the certificate's public key",
        )],
    );
}

#[test]
fn x509_008_msp_incomplete() {
    assert_pass_tree("X509-008");
    assert_fail_tree(
        "X509-008",
        "fail",
        1,
        &[
            ("no-cacerts/msp", "cacerts/ is missing"),
            ("no-signcerts/msp", "signcerts/ is missing"),
        ],
    );
}

#[test]
fn x509_009_unreadable_material() {
    assert_pass_tree("X509-009");
    assert_fail_tree(
        "X509-009",
        "error",
        1,
        &[
            (
                "truncated-pem/signcerts/cert.pem",
                "truncated PEM block: BEGIN CERTIFICATE at line 1 has no END line",
            ),
            (
                "public-key/signcerts/cert.pem",
                "PEM block of type 'PUBLIC KEY' where a certificate is expected",
            ),
            (
                "bad-version/signcerts/cert.pem",
                "invalid certificate version field 5",
            ),
            ("non-canonical-der/signcerts/cert.der", "not canonical DER"),
        ],
    );
}

#[test]
fn x509_011_unsupported_algorithm() {
    assert_pass_tree("X509-011");
    assert_fail_tree(
        "X509-011",
        "fail",
        1,
        &[
            (
                "rsa/msp/signcerts/peer0.org1.example.com-cert.pem",
                "Supported keys: [ECDSA]",
            ),
            (
                "ed25519/msp/signcerts/peer0.org1.example.com-cert.pem",
                "accepts Ed25519 only from 3.0 with the V3_0 channel capability",
            ),
        ],
    );
}

#[test]
fn x509_012_sha1_signature() {
    assert_pass_tree("X509-012");
    assert_fail_tree(
        "X509-012",
        "fail",
        1,
        &[(
            "msp/signcerts/peer0.org1.example.com-cert.pem",
            "signed with ECDSA with SHA-1: Go 1.18 and later refuse SHA-1 signatures",
        )],
    );
}

#[test]
fn x509_013_ca_profile_invalid() {
    assert_pass_tree("X509-013");
    assert_fail_tree(
        "X509-013",
        "fail",
        1,
        &[(
            "msp/cacerts/ca.pem",
            "no SubjectKeyIdentifier: Fabric's MSP refuses it (\"CA Certificate problem with Subject Key Identifier extension\"",
        )],
    );
}

#[test]
fn x509_014_leaf_profile_invalid() {
    assert_pass_tree("X509-014");
    assert_fail_tree(
        "X509-014",
        "fail",
        1,
        &[
            (
                "ca-identity/msp/signcerts/peer0.org1.example.com-cert.pem",
                "Certificate Authority equals true cannot be used as an identity",
            ),
            (
                "aki-mismatch/msp/signcerts/peer0.org1.example.com-cert.pem",
                "AuthorityKeyIdentifier deadbeef is not the issuer's SubjectKeyIdentifier",
            ),
        ],
    );
}

#[test]
fn x509_015_node_ou_role_mismatch() {
    assert_pass_tree("X509-015");
    let peer_msp = "peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp";
    assert_fail_tree(
        "X509-015",
        "fail",
        1,
        &[
            (
                peer_msp,
                "signcerts/ peer0.org1.example.com carries the client role where a peer belongs",
            ),
            (
                peer_msp,
                "admincerts/ peer-admin carries neither the client nor the admin role",
            ),
        ],
    );
}

#[test]
fn x509_016_tls_usage_invalid() {
    assert_pass_tree("X509-016");
    assert_fail_tree(
        "X509-016",
        "fail",
        1,
        &[
            (
                "no-san/tls/server.crt",
                "no subjectAltName: Go 1.15 and later ignore the Common Name",
            ),
            (
                "client-only/tls/server.crt",
                "extendedKeyUsage [clientAuth] without serverAuth",
            ),
        ],
    );
}

#[test]
fn x509_017_serial_number_invalid() {
    assert_pass_tree("X509-017");
    assert_fail_tree(
        "X509-017",
        "fail",
        1,
        &[(
            "msp/signcerts/peer0.org1.example.com-cert.pem",
            "negative serial number (0xed",
        )],
    );
}

#[test]
fn x509_018_crl_invalid() {
    assert_pass_tree("X509-018");
    assert_fail_tree(
        "X509-018",
        "fail",
        1,
        &[
            (
                "unparseable/msp/crls/crl.pem",
                "Fabric's MSP does not set up (\"could not parse RevocationList\"",
            ),
            (
                "bad-signature/msp/crls/crl.pem",
                "the signature does not verify with the issuer's key",
            ),
        ],
    );
    // The CRL with the bad signature lists the node's own signcert, which stays valid: Fabric
    // ignores it, and so does X509-019.
    let run = check("fixtures/x509/X509-018/fail/bad-signature", &[]);
    for f in findings(&run.report, "X509-019") {
        assert_eq!(f["status"], "pass", "{}", describe(f));
    }
}

#[test]
fn x509_019_revoked_certificate_in_use() {
    assert_pass_tree("X509-019");
    assert_fail_tree(
        "X509-019",
        "fail",
        1,
        &[(
            "msp/signcerts/peer0.org1.example.com-cert.pem",
            "still in use as the signing identity in signcerts/: revoked on 2024-01-01T00:00:00Z",
        )],
    );
}

#[test]
fn x509_010_high_s_signature() {
    assert_pass_tree("X509-010");
    assert_fail_tree(
        "X509-010",
        "fail",
        1,
        &[(
            "msp/cacerts/ca.org1.example.com-cert.pem",
            "self-signed CA signed high-S (s > n/2): Fabric 1.4.x and 2.0-2.4.x built with Go 1.19",
        )],
    );
    // The pass tree's signcert is high-S too, and passes for it: only roots are refused.
    let run = check("fixtures/x509/X509-010/pass", &[]);
    let leaf = findings(&run.report, "X509-010")
        .into_iter()
        .find(|f| {
            f["target"]["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("msp/signcerts/peer0.org1.example.com-cert.pem"))
        })
        .unwrap_or_else(|| panic!("no finding for the signcert: {}", describe_all(&run.report)));
    assert_eq!(
        leaf["evidence"]["signature_form"],
        "high-S",
        "{}",
        describe(leaf)
    );
    assert_eq!(leaf["status"], "pass", "{}", describe(leaf));
}

#[test]
fn expires_soon_gates_only_with_fail_on_warning() {
    let tree = "fixtures/x509/X509-003/fail";
    assert_eq!(check(tree, &[]).code, 0, "default --fail-on error");
    assert_eq!(check(tree, &["--fail-on", "error"]).code, 0);
    assert_eq!(check(tree, &["--fail-on", "warning"]).code, 1);
    // The flag alone does not fail a clean tree.
    assert_eq!(
        check("fixtures/x509/X509-003/pass", &["--fail-on", "warning"]).code,
        0
    );
}

/// Checks that judge running servers (and every TLS and HEALTH check); artifacts alone give
/// them nothing to examine.
const LIVE_IDS: [&str; 8] = [
    "KAFKA-014",
    "KAFKA-015",
    "KAFKA-016",
    "KAFKA-017",
    "ZK-005",
    "ZK-006",
    "DNS-008",
    "DNS-009",
];

/// The reference tree: every check runs and every finding passes (live checks and the log
/// checks, which have no logs to read, skip).
fn assert_reference_passes(run: &Run) {
    for id in ALL_IDS {
        assert!(
            !findings(&run.report, id).is_empty(),
            "reference: no {id} finding"
        );
    }
    for f in all_findings(&run.report) {
        let id = f["check_id"].as_str().unwrap_or("");
        // The reference tree holds a Kafka configtx.yaml profile and no block: the channel
        // checks pass on it or find nothing to judge (no consenters, no MSP folder of its
        // orgs); none may fail (tests/channel.rs runs them on real blocks).
        if id.starts_with("CHANNEL-") || id.starts_with("RAFT-") {
            assert!(
                f["status"] == "pass" || f["status"] == "skip",
                "reference: {}",
                describe(f)
            );
            continue;
        }
        let live = LIVE_IDS.contains(&id)
            || id.starts_with("TLS-")
            || id.starts_with("HEALTH-")
            || id.starts_with("LOG-");
        // The reference tree is cryptogen's layout without NodeOUs (no config.yaml) and without
        // CRLs: the NodeOU roles and the CRL checks have nothing to judge (their fixtures are
        // x509/X509-015, -018 and -019).
        let expected = if live || ["X509-015", "X509-018", "X509-019"].contains(&id) {
            "skip"
        } else {
            "pass"
        };
        assert_eq!(f["status"], expected, "reference: {}", describe(f));
    }
    assert_eq!(run.code, 0);
}

#[test]
fn reference_tree_passes_every_check_at_the_fixture_instant() {
    let run = check("fixtures/reference", &["--fail-on", "warning"]);
    assert_reference_passes(&run);
    // Two orgs, five distinct certificates each (CA, TLS CA, admin, node, node TLS).
    assert_eq!(findings(&run.report, "X509-002").len(), 10);
}

#[test]
fn reference_tree_passes_every_check_now() {
    let run = fabcheck(&[
        "check",
        "--artifacts",
        "fixtures/reference",
        "-o",
        "json",
        "--fail-on",
        "warning",
    ]);
    assert_reference_passes(&run);
}

#[test]
fn reference_tls_certificates_carry_kubernetes_and_full_names() {
    use fabcheck::inventory::pem::blocks;
    use fabcheck::inventory::{CertRecord, Layout, Origin};

    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reference/crypto-config");
    for (node_dir, expected) in [
        (
            "peerOrganizations/org1.example.com/peers/peer0.org1.example.com",
            [
                "peer0.org1",
                "peer0.org1.svc.cluster.local",
                "peer0.org1.example.com",
            ],
        ),
        (
            "ordererOrganizations/example.com/orderers/orderer0.example.com",
            [
                "orderer0.example",
                "orderer0.example.svc.cluster.local",
                "orderer0.example.com",
            ],
        ),
    ] {
        let path = base.join(node_dir).join("tls/server.crt");
        let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let block = blocks(&pem).remove(0);
        assert_eq!(block.label, "CERTIFICATE");
        let der = block.contents.expect("server.crt decodes");
        let cert = CertRecord::parse(&der, Origin::file("server.crt"), Layout::default())
            .expect("server.crt parses");
        assert_eq!(cert.dns_names, expected, "{}", path.display());
    }
}

#[test]
fn every_catalogued_check_has_pass_and_fail_fixtures() {
    let catalogue = fabcheck(&["checks", "list", "--format", "json"]);
    assert_eq!(catalogue.code, 0);
    let ids: Vec<&str> = catalogue
        .report
        .as_array()
        .expect("catalogue is an array")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .filter(|id| id.starts_with("X509-"))
        .collect();
    assert_eq!(
        ids, ALL_IDS,
        "the tests above cover exactly the catalogued X509 checks"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("fixtures/README.md");
    assert!(readme.contains("cargo run --example regen-fixtures"));
    for id in ids {
        for variant in ["pass", "fail"] {
            let dir = root.join("x509").join(id).join(variant);
            assert!(dir.is_dir(), "missing fixture {}", dir.display());
            assert!(
                readme.contains(&format!("`x509/{id}/{variant}`")),
                "fixtures/README.md does not describe x509/{id}/{variant}"
            );
        }
    }
}

/// Copies the folder `from` to `to`, recursively (regular files and folders only).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

#[test]
fn reference_tree_passes_wherever_it_is_copied() {
    let tmp = tempfile::TempDir::new().expect("temp dir");
    let dest = tmp.path().join("home/users/alice/reference");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reference"),
        &dest,
    );
    let dest = dest.display().to_string();
    let run = check(&dest, &["--fail-on", "warning"]);
    assert_reference_passes(&run);
}

#[test]
fn an_msp_folder_can_be_checked_on_its_own() {
    let run = check("fixtures/x509/X509-008/pass/msp", &[]);
    let mine = findings(&run.report, "X509-008");
    assert_eq!(mine.len(), 1, "{}", describe_all(&run.report));
    assert_eq!(mine[0]["status"], "pass", "{}", describe(mine[0]));
    assert_eq!(run.code, 0);
}

/// A copy of fixture `name` in a temporary folder, with the empty folders fabric-ca makes and
/// git cannot keep (`rel` paths under the copy).
fn fabric_ca_copy(name: &str, empty: &[&str]) -> (tempfile::TempDir, String) {
    let tmp = tempfile::TempDir::new().expect("temp dir");
    let dest = tmp.path().join(name.rsplit('/').next().unwrap_or(name));
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join(name), &dest);
    for dir in empty {
        std::fs::create_dir_all(dest.join(dir)).expect("empty folder");
    }
    let shown = dest.display().to_string();
    (tmp, shown)
}

/// The one finding of `id` about the file ending with `suffix`: its target, or one of the
/// identical copies listed in its evidence.
fn finding_for<'a>(run: &'a Run, id: &str, suffix: &str) -> &'a Value {
    let mine: Vec<&Value> = findings(&run.report, id)
        .into_iter()
        .filter(|f| {
            f["target"]["name"]
                .as_str()
                .is_some_and(|n| n.ends_with(suffix))
                || f["evidence"]["also_at"].as_array().is_some_and(|copies| {
                    copies
                        .iter()
                        .any(|c| c.as_str().is_some_and(|c| c.ends_with(suffix)))
                })
        })
        .collect();
    assert_eq!(
        mine.len(),
        1,
        "one {id} finding for …{suffix}:\n  {}",
        describe_all(&run.report)
    );
    mine[0]
}

fn assert_clean(run: &Run, what: &str) {
    for f in all_findings(&run.report) {
        assert!(
            f["status"] == "pass" || f["status"] == "skip",
            "{what} should be clean: {}",
            describe(f)
        );
    }
    assert_eq!(run.code, 0, "{what}\n  {}", describe_all(&run.report));
}

const TLS_ENROLLMENT: &str = "peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls";

#[test]
fn x509_008_a_fabric_ca_tls_enrollment_is_judged_as_one_not_as_an_msp() {
    // fabric-ca-client leaves cacerts/ and user/ empty in a TLS enrollment.
    let empty = [
        format!("{TLS_ENROLLMENT}/cacerts"),
        format!("{TLS_ENROLLMENT}/user"),
    ];
    let empty: Vec<&str> = empty.iter().map(String::as_str).collect();
    let (_tmp, tree) = fabric_ca_copy("fixtures/x509/X509-008/fabric-ca-tls-enrollment", &empty);
    let run = check(&tree, &[]);
    let f = finding_for(&run, "X509-008", TLS_ENROLLMENT);
    assert_eq!(f["status"], "pass", "{}", describe(f));
    assert!(
        f["message"].as_str().is_some_and(
            |m| m.starts_with("TLS enrollment folder, not an MSP (a folder named 'tls'")
        ),
        "{}",
        describe(f)
    );
    // Its certificate is still judged: chain to the TLS CA, key match, validity.
    let chain = finding_for(&run, "X509-004", "tls/signcerts/cert.pem");
    assert!(
        chain["message"]
            .as_str()
            .is_some_and(|m| m.contains("chain verifies to root ca.org1.example.com")),
        "{}",
        describe(chain)
    );
    assert_eq!(
        finding_for(&run, "X509-007", "tls/signcerts/cert.pem")["status"],
        "pass"
    );
    assert_eq!(
        finding_for(&run, "X509-002", "tls/signcerts/cert.pem")["status"],
        "pass"
    );
    let idemix = findings(&run.report, "X509-009")
        .into_iter()
        .find(|f| f["status"] == "skip")
        .unwrap_or_else(|| panic!("Idemix files listed: {}", describe_all(&run.report)));
    assert!(
        idemix["message"]
            .as_str()
            .is_some_and(|m| m.contains("tls/IssuerPublicKey (Idemix issuer public key: protobuf")),
        "{}",
        describe(idemix)
    );
    assert_clean(&run, "a TLS enrollment");

    // Without its key it fails, as a TLS enrollment.
    std::fs::remove_dir_all(Path::new(&tree).join(TLS_ENROLLMENT).join("keystore")).unwrap();
    let run = check(&tree, &[]);
    let f = finding_for(&run, "X509-008", TLS_ENROLLMENT);
    assert_eq!(f["status"], "fail", "{}", describe(f));
    assert!(
        f["message"].as_str().is_some_and(
            |m| m.contains("TLS enrollment folder") && m.contains("keystore/ is missing")
        ),
        "{}",
        describe(f)
    );
}

#[test]
fn x509_008_the_same_folder_as_a_node_msp_still_needs_cacerts() {
    let (tmp, tree) = fabric_ca_copy("fixtures/x509/X509-008/fabric-ca-tls-enrollment", &[]);
    let node =
        Path::new(&tree).join("peerOrganizations/org1.example.com/peers/peer0.org1.example.com");
    std::fs::rename(node.join("tls"), node.join("msp")).unwrap();
    std::fs::create_dir_all(node.join("msp/cacerts")).unwrap();
    let run = check(&tree, &[]);
    let f = finding_for(&run, "X509-008", "peer0.org1.example.com/msp");
    assert_eq!(f["status"], "fail", "{}", describe(f));
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("cacerts/ is empty")),
        "{}",
        describe(f)
    );
    drop(tmp);
}

#[test]
fn x509_008_a_fabric_ca_server_home_gives_no_false_failure() {
    // fabric-ca-server makes msp/{cacerts,signcerts,user}/ and leaves them empty.
    let (_tmp, tree) = fabric_ca_copy(
        "fixtures/x509/X509-008/fabric-ca-server-home",
        &[
            "fabric-ca/org1/msp/cacerts",
            "fabric-ca/org1/msp/signcerts",
            "fabric-ca/org1/msp/user",
        ],
    );
    let run = check(&tree, &[]);
    let f = finding_for(&run, "X509-008", "fabric-ca/org1/msp");
    assert_eq!(f["status"], "skip", "{}", describe(f));
    assert!(
        f["message"].as_str().is_some_and(|m| m.contains(
            "a fabric-ca server's own msp/ folder (beside the fabric-ca server's fabric-ca-server-config.yaml)"
        )),
        "{}",
        describe(f)
    );
    let idemix = findings(&run.report, "X509-009")
        .into_iter()
        .find(|f| f["status"] == "skip")
        .unwrap_or_else(|| panic!("Idemix files listed: {}", describe_all(&run.report)));
    let listed = idemix["evidence"]["idemix"].to_string();
    for (file, shape) in [
        ("msp/keystore/IssuerSecretKey", "32-byte secret scalar"),
        (
            "msp/keystore/IssuerRevocationPrivateKey",
            "ECDSA P-384 key (SEC1)",
        ),
        ("org1/IssuerRevocationPublicKey", "P-384 public key"),
        (
            "org1/IssuerPublicKey",
            "attributes OU, Role, EnrollmentID, RevocationHandle",
        ),
    ] {
        assert!(
            listed.contains(file) && listed.contains(shape),
            "{file} ({shape}) not listed: {listed}"
        );
    }
    assert_clean(&run, "a fabric-ca server home");
    // The secret keys never reach the report.
    let home = Path::new(&tree).join("fabric-ca/org1/msp/keystore");
    let report = run.report.to_string();
    let secret = std::fs::read(home.join("IssuerSecretKey")).unwrap();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&secret);
    assert!(!report.contains(&hex) && !report.contains(&b64));
    let revocation = std::fs::read_to_string(home.join("IssuerRevocationPrivateKey")).unwrap();
    for line in revocation.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !report.contains(line),
            "revocation key material in the report"
        );
    }
}

#[test]
fn x509_009_idemix_files_of_an_enrollment_are_recognised_not_unreadable() {
    let tree = "fixtures/x509/X509-009/fabric-ca-idemix";
    let run = check(tree, &[]);
    let mine = findings(&run.report, "X509-009");
    assert!(
        mine.iter().all(|f| f["status"] != "error"),
        "{}",
        describe_all(&run.report)
    );
    let idemix = mine
        .iter()
        .find(|f| f["status"] == "skip")
        .unwrap_or_else(|| panic!("Idemix files listed: {}", describe_all(&run.report)));
    assert!(
        idemix["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("3 fabric-ca Idemix file(s) recognised")),
        "{}",
        describe(idemix)
    );
    assert!(
        idemix["evidence"]["idemix"]
            .to_string()
            .contains("msp/user/SignerConfig"),
        "{}",
        describe(idemix)
    );
    assert_clean(&run, tree);
    // The credential's secret key (Sk) never reaches the report.
    let config = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(tree).join(
        "peerOrganizations/org1.example.com/users/User1@org1.example.com/msp/user/SignerConfig",
    ))
    .unwrap();
    let sk: Value = serde_json::from_str(&config).unwrap();
    let sk = sk["Sk"].as_str().unwrap();
    assert!(!run.report.to_string().contains(sk));
}

#[test]
fn x509_009_a_truncated_idemix_secret_key_is_an_error() {
    let tree = "fixtures/x509/X509-009/fabric-ca-idemix-truncated";
    let run = check(tree, &[]);
    let f = finding_for(&run, "X509-009", "msp/keystore/IssuerSecretKey");
    assert_eq!(f["status"], "error", "{}", describe(f));
    assert!(
        f["message"].as_str().is_some_and(|m| m
            == "Idemix issuer secret key: 16 bytes where fabric-ca writes the issuer's 32-byte secret scalar"),
        "{}",
        describe(f)
    );
    assert_eq!(run.code, 1);
}
