//! The prometheus renderer (being built for issue 18).

use std::io::Write;

use crate::finding::Report;

/// Writes `report` as prometheus.
pub fn render(_report: &Report, _out: &mut dyn Write) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "failed to render prometheus: not built yet",
    ))
}
