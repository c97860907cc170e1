//! Running the static Kafka and ZooKeeper checks through the real binary, and asserting on the
//! findings they report, for the ordering-service integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::findings::describe;

/// A committed fixture, by its path below the repository (`fixtures/kafka/…`).
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs `fabcheck check --artifacts DIR --select SELECT -o json` (the live Kafka and ZooKeeper
/// checks left out); returns the report and the exit code.
pub fn check_selected(dir: &Path, select: &str) -> (Value, i32) {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args([
            "check",
            "--artifacts",
            dir.to_str().unwrap(),
            "--select",
            select,
            "--ignore",
            "KAFKA-014,KAFKA-015,KAFKA-016,KAFKA-017,ZK-005,ZK-006",
            "-o",
            "json",
        ])
        .output()
        .expect("fabcheck runs");
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "static checks took {:?}",
        start.elapsed()
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.code().unwrap_or(-1))
}

/// The static Kafka and ZooKeeper checks on a folder.
pub fn check(dir: &Path) -> (Value, i32) {
    check_selected(dir, "KAFKA-0,ZK-00")
}

/// Every finding of check `id`.
pub fn findings<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check_id"] == id)
        .collect()
}

/// Every finding of check `id` with `status`.
pub fn with<'a>(report: &'a Value, id: &str, status: &str) -> Vec<&'a Value> {
    findings(report, id)
        .into_iter()
        .filter(|f| f["status"] == status)
        .collect()
}

/// Some finding of `id` has `status` and says `phrase`; otherwise the test fails listing the
/// findings of `id` there are.
pub fn assert_finding(report: &Value, id: &str, status: &str, phrase: &str) {
    let all = findings(report, id);
    assert!(
        all.iter()
            .any(|f| f["status"] == status && f["message"].as_str().unwrap_or("").contains(phrase)),
        "expected {id} {status} containing {phrase:?}; got:\n{}",
        all.iter()
            .map(|f| describe(f))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Findings that are neither pass nor skip, described, for "nothing is wrong here".
pub fn problems(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] != "pass" && f["status"] != "skip")
        .map(describe)
        .collect()
}
