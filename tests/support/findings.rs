//! Helpers for reading findings out of a JSON report in integration tests.

#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;

/// A path under ../shared/realworld, which CI checks out beside the repository.
pub fn realworld(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/realworld")
        .join(rel);
    assert!(
        p.exists(),
        "{} is missing: CI checks out ../shared beside the repo",
        p.display()
    );
    p
}

/// One line per finding, for assertion messages.
pub fn describe(f: &Value) -> String {
    format!(
        "{} {} {}{}: {}",
        f["check_id"].as_str().unwrap_or("?"),
        f["status"].as_str().unwrap_or("?"),
        f["target"]["name"].as_str().unwrap_or("?"),
        f["target"]["locator"]
            .as_str()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default(),
        f["message"].as_str().unwrap_or("?")
    )
}
