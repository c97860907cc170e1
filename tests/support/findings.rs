//! Helpers for reading findings out of a JSON report in integration tests.

#![allow(dead_code)]

use serde_json::Value;

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
