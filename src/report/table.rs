//! The human renderer: problems first, grouped by area, then a pass/fail count per check, the
//! required checks that did not run (`--require`), and the summary line. Colour only when
//! writing to a terminal.

use std::collections::BTreeMap;
use std::io::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table};

use crate::catalogue::Catalogue;
use crate::finding::gate::Required;
use crate::finding::{Finding, Report, Status};

/// Rendering options for the table.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableStyle {
    pub color: bool,
    /// Terminal width, when known; the table wraps to it.
    pub width: Option<u16>,
}

pub fn render(report: &Report, style: TableStyle, out: &mut dyn Write) -> std::io::Result<()> {
    let catalogue = Catalogue::embedded();
    writeln!(
        out,
        "fabcheck {} — {} (as of {})",
        report.tool.version, report.source, report.evaluated_at
    )?;
    for item in &report.not_read {
        writeln!(out, "not read: {item}")?;
    }
    if let Some(discovery) = &report.discovery {
        render_discovery(discovery, style, out)?;
    }
    for area in &catalogue.areas {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.area() == area.area)
            .collect();
        if findings.is_empty() {
            continue;
        }
        writeln!(out, "\n{} ({})", area.title, area.area)?;
        let problems: Vec<&&Finding> = findings
            .iter()
            .filter(|f| !matches!(f.status, Status::Pass | Status::Skip))
            .collect();
        if !problems.is_empty() {
            let mut table = new_table(style);
            table.set_header(vec!["status", "check", "target", "finding"]);
            for f in problems {
                let status = match &f.waived {
                    Some(_) => format!("{} (waived)", f.status),
                    None => f.status.to_string(),
                };
                table.add_row(vec![
                    status_cell(f.status, status, style.color),
                    Cell::new(&f.check_id),
                    Cell::new(f.target.to_string()),
                    Cell::new(&f.message),
                ]);
            }
            writeln!(out, "{table}")?;
        }
        let mut counts: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
        for f in &findings {
            counts.entry(&f.check_id).or_default()[f.status as usize] += 1;
        }
        let mut table = new_table(style);
        table.set_header(vec![
            "check", "title", "pass", "fail", "warn", "error", "skip",
        ]);
        for entry in &area.entries {
            let Some(c) = counts.get(entry.id.as_str()) else {
                continue;
            };
            table.add_row(vec![
                Cell::new(&entry.id),
                Cell::new(&entry.title),
                Cell::new(c[Status::Pass as usize]),
                Cell::new(c[Status::Fail as usize]),
                Cell::new(c[Status::Warn as usize]),
                Cell::new(c[Status::Error as usize]),
                Cell::new(c[Status::Skip as usize]),
            ]);
        }
        writeln!(out, "{table}")?;
    }
    if let Some(required) = &report.required {
        render_required(required, style, out)?;
    }
    writeln!(out, "\n{}", report.summary)
}

/// What `--require` named, and a line for each of it that did not run, with why.
fn render_required(
    required: &Required,
    style: TableStyle,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let selectors = required.selectors.join(", ");
    if required.passes() {
        return writeln!(out, "\nRequired to run: {selectors} — every one ran");
    }
    writeln!(
        out,
        "\nRequired to run: {selectors} — {} did not run",
        required.not_run.len()
    )?;
    for not_run in &required.not_run {
        let line = format!("{not_run}");
        if style.color {
            writeln!(out, "  \u{1b}[31m{line}\u{1b}[0m")?;
        } else {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

fn new_table(style: TableStyle) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(w) = style.width {
        table.set_width(w);
    }
    if !style.color {
        table.force_no_tty();
    }
    table
}

fn status_cell(status: Status, text: String, color: bool) -> Cell {
    let cell = Cell::new(text);
    if !color {
        return cell;
    }
    match status {
        Status::Fail | Status::Error => cell.fg(Color::Red),
        Status::Warn => cell.fg(Color::Yellow),
        Status::Pass => cell.fg(Color::Green),
        Status::Skip => cell,
    }
}

/// Unclassified objects listed by name up to this many; the rest by count per kind and namespace.
const UNCLASSIFIED_LISTED: usize = 20;

/// What a cluster held: a count per role, the objects of each Fabric role, and everything fabcheck
/// could not classify (listed, not dropped).
fn render_discovery(
    discovery: &crate::inventory::discovery::Discovery,
    style: TableStyle,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    use crate::inventory::discovery::Role;
    writeln!(
        out,
        "\nDiscovered in the cluster ({} objects, {} API requests)",
        discovery.objects.len(),
        discovery.requests
    )?;
    let mut table = new_table(style);
    table.set_header(vec!["role", "count", "objects"]);
    for (role, count) in discovery.counts() {
        let of_role: Vec<String> = discovery
            .objects
            .iter()
            .filter(|o| o.role == role)
            .map(|o| format!("{} {}/{}", o.kind, o.namespace, o.name))
            .collect();
        let shown = if role == Role::Unclassified && of_role.len() > UNCLASSIFIED_LISTED {
            let mut per: BTreeMap<(String, String), usize> = BTreeMap::new();
            for o in discovery.objects.iter().filter(|o| o.role == role) {
                *per.entry((o.kind.clone(), o.namespace.clone()))
                    .or_default() += 1;
            }
            per.into_iter()
                .map(|((kind, ns), n)| format!("{n} {kind} in {ns}"))
                .collect::<Vec<_>>()
                .join(", ")
                + " (all listed in the JSON report)"
        } else {
            of_role.join(", ")
        };
        table.add_row(vec![
            Cell::new(role.as_str()),
            Cell::new(count),
            Cell::new(shown),
        ]);
    }
    writeln!(out, "{table}")?;
    for gap in &discovery.unreadable {
        writeln!(out, "not read: {gap}")?;
    }
    Ok(())
}
