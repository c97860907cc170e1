//! `checks list` and `checks explain`: the catalogue, as a table, Markdown or JSON, and one
//! check's rationale, remediation and source.

use std::io::Write;

use super::config::ListFormat;
use crate::catalogue::{self, Catalogue};

pub fn list(format: ListFormat, out: &mut dyn Write) -> std::io::Result<()> {
    let catalogue = Catalogue::embedded();
    match format {
        ListFormat::Markdown => out.write_all(catalogue.markdown_table().as_bytes()),
        ListFormat::Json => {
            let entries: Vec<&catalogue::Entry> = catalogue.entries().collect();
            serde_json::to_writer_pretty(&mut *out, &entries)?;
            writeln!(out)
        }
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
            table.set_header(vec!["id", "severity", "name", "title"]);
            for e in catalogue.entries() {
                table.add_row(vec![
                    e.id.as_str(),
                    &e.severity.to_string(),
                    e.name.as_str(),
                    e.title.as_str(),
                ]);
            }
            writeln!(out, "{table}")
        }
    }
}

pub fn explain(e: &catalogue::Entry, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{} {} ({})", e.id, e.title, e.name)?;
    writeln!(out, "severity: {}\n", e.severity)?;
    writeln!(out, "Why it matters\n  {}\n", e.rationale.trim())?;
    writeln!(out, "How to fix it\n  {}\n", e.remediation.trim())?;
    writeln!(out, "Source\n  {}", e.source.trim())
}
