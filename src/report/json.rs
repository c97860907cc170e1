//! The JSON renderer: the [`Report`] as is, in the schema documented in
//! `schema/report.schema.json` (versioned by `schema_version`).

use std::io::Write;

use super::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
