//! Snapshots of rendered reports, so that any change to what a user reads shows up in review.
//! Fixture keys are regenerated at random, so fingerprints are redacted; the evaluation
//! instant is fixed with `--at`. Update with `cargo insta review` (or `INSTA_UPDATE=always`).

use std::process::Command;

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("fabcheck runs");
    String::from_utf8(out.stdout).expect("utf-8 output")
}

const AT: &str = "2026-06-01T00:00:00Z";

#[test]
fn table_for_the_backdated_certificate() {
    insta::assert_snapshot!(backdated("table"));
}

#[test]
fn table_for_unreadable_material() {
    let text = run(&[
        "check",
        "--artifacts",
        "fixtures/x509/X509-009/fail",
        "--at",
        AT,
        "--select",
        "X509-009",
    ]);
    insta::assert_snapshot!(text);
}

#[test]
fn json_for_the_backdated_certificate() {
    let text = run(&[
        "check",
        "--artifacts",
        "fixtures/x509/X509-001/fail",
        "--at",
        AT,
        "--select",
        "X509-001",
        "-o",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    insta::assert_json_snapshot!(value, {
        ".tool.version" => "[version]",
        ".findings[].evidence.fingerprint_sha256" => "[fingerprint]",
        ".certificates[].fingerprint" => "[fingerprint]",
    });
}

/// `check` of the backdated-certificate fixture in `format`, to stdout.
fn backdated(format: &str) -> String {
    run(&[
        "check",
        "--artifacts",
        "fixtures/x509/X509-001/fail",
        "--at",
        AT,
        "--select",
        "X509-001,X509-002",
        "-o",
        format,
    ])
    .replace(env!("CARGO_PKG_VERSION"), "[version]")
}

/// `text` with every 64-digit hex run (a fingerprint of a regenerated fixture) redacted.
fn without_fingerprints(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_hexdigit() {
            run.push(c);
            continue;
        }
        out.push_str(if run.len() == 64 {
            "[fingerprint]"
        } else {
            &run
        });
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

#[test]
fn junit_for_the_backdated_certificate() {
    insta::assert_snapshot!(without_fingerprints(&backdated("junit")));
}

#[test]
fn markdown_for_the_backdated_certificate() {
    insta::assert_snapshot!(backdated("markdown"));
}

#[test]
fn sarif_for_the_backdated_certificate() {
    let value: serde_json::Value = serde_json::from_str(&backdated("sarif")).expect("json");
    insta::assert_json_snapshot!(value, {
        ".runs[].results[].properties.evidence.fingerprint_sha256" => "[fingerprint]",
    });
}

#[test]
fn prometheus_for_the_backdated_certificate() {
    insta::assert_snapshot!(backdated("prometheus"));
}

/// The HTML report's content (its constant style sheet and script left out).
#[test]
fn html_for_the_backdated_certificate() {
    let html = backdated("html");
    let between = |text: &str, open: &str, close: &str| -> String {
        let (head, rest) = text.split_once(open).expect("opening tag");
        let (_, tail) = rest.split_once(close).expect("closing tag");
        format!("{head}{open}[…]{close}{tail}")
    };
    let html = between(&html, "<style>", "</style>");
    let html = between(&html, "<script>", "</script>");
    // One element per line, so a change reads as the lines it touches.
    insta::assert_snapshot!(html.replace("><", ">\n<"));
}

#[test]
fn explain_output() {
    insta::assert_snapshot!(run(&["explain", "X509-001"]));
}

/// `inspect` on a real genesis block (Fabric 1.4.12 configtxgen's output for fabcheck's etcdraft
/// reference network): the table an operator reads.
#[test]
fn inspect_table_of_a_real_raft_genesis_block() {
    insta::assert_snapshot!(run(&[
        "inspect",
        "../shared/realworld/fabric-1.4.12-configtxgen/raft/genesis.block",
    ]));
}
