//! The JSON renderer: the [`Report`] as is, in the schema documented in
//! `schema/report.schema.json` (versioned by `schema_version`). Compact, one line: reports of
//! large networks run to tens of megabytes and are read by programs (`jq .` pretty-prints).

use std::io::Write;

use crate::finding::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, report)?;
    writeln!(out)
}
