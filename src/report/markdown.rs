//! Markdown: a compact summary for CI step summaries (`>> $GITHUB_STEP_SUMMARY`) and
//! pull-request comments. The gate result and counts, what was required and did not run, then
//! one table row per finding that is not a pass or a skip, worst first.
//!
//! GitHub refuses a step summary over 1 MiB, so the output has a byte budget whatever the
//! report's size: rows stop before it is reached and the page says how many were left out.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use crate::catalogue::Severity;
use crate::finding::{Finding, Report, Status};

/// Bytes the whole summary may take: GitHub's step-summary limit is 1 MiB (1,048,576 bytes);
/// the rest is margin for what CI adds around it.
pub const BUDGET: usize = 1_000_000;
/// Longest message cell, in characters; the JSON report has every word.
const MESSAGE_CHARS: usize = 300;

/// Writes `report` as Markdown; the gate result is judged at `threshold`.
pub fn render(report: &Report, threshold: Severity, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(summary(report, threshold, BUDGET).as_bytes())
}

/// The summary in at most `budget` bytes.
fn summary(report: &Report, threshold: Severity, budget: usize) -> String {
    let mut head = String::new();
    let gated = report.gates(threshold);
    let _ = writeln!(
        head,
        "## fabcheck: {} {}\n",
        if gated { "❌" } else { "✅" },
        if gated {
            format!("gate failed at `--fail-on {}`", level(threshold))
        } else {
            format!("gate passed at `--fail-on {}`", level(threshold))
        }
    );
    let _ = writeln!(
        head,
        "`{}` · evaluated at {} · {} {}\n",
        code(&report.source),
        report.evaluated_at,
        report.tool.name,
        report.tool.version
    );
    let _ = writeln!(head, "**{}**\n", report.summary);
    if let Some(required) = &report.required {
        if required.passes() {
            let _ = writeln!(
                head,
                "Required to run: {} — all ran.\n",
                required.selectors.join(", ")
            );
        } else {
            for n in &required.not_run {
                let what = n.family.as_deref().or(n.id.as_deref()).unwrap_or("?");
                let _ = writeln!(
                    head,
                    "- ❌ required `{what}` did not run: {}",
                    cell(&n.reason)
                );
            }
            head.push('\n');
        }
    }
    let mut rows: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !matches!(f.status, Status::Pass | Status::Skip))
        .collect();
    // What gates first, then by status (error, fail, warn), then the report's own order.
    rows.sort_by_key(|f| (!f.gates(threshold), std::cmp::Reverse(f.status)));
    let mut table = String::new();
    let mut shown = 0;
    if !rows.is_empty() {
        table.push_str("| check | status | target | message |\n|---|---|---|---|\n");
    }
    let tail =
        |left: usize| format!("\n… and {left} more findings not shown (see the JSON report).\n");
    let passes = passes_by_area(report);
    // The longest the page can end with: the "not shown" line and the passes.
    let reserve = head.len() + tail(rows.len()).len() + passes.len();
    for f in &rows {
        let row = row(f);
        if reserve + table.len() + row.len() > budget {
            break;
        }
        table.push_str(&row);
        shown += 1;
    }
    let mut page = head;
    page.push_str(&table);
    if shown < rows.len() {
        page.push_str(&tail(rows.len() - shown));
    }
    page.push_str(&passes);
    page
}

fn level(threshold: Severity) -> String {
    threshold.to_string().to_lowercase()
}

fn row(f: &Finding) -> String {
    let mark = match f.status {
        Status::Error => "⛔ error",
        Status::Fail => "❌ fail",
        Status::Warn => "⚠️ warn",
        Status::Pass => "pass",
        Status::Skip => "skip",
    };
    let note = match (&f.waived, f.known) {
        (Some(w), _) => format!(" (waived until {})", w.expires),
        (None, true) => " (known from the baseline)".to_owned(),
        (None, false) => String::new(),
    };
    let mut message: String = f.message.chars().take(MESSAGE_CHARS).collect();
    if f.message.chars().count() > MESSAGE_CHARS {
        message.push('…');
    }
    format!(
        "| {} | {mark}{note} | `{}` | {} |\n",
        f.check_id,
        code(&f.target.to_string()),
        cell(&message)
    )
}

/// Passing checks per area, folded away.
fn passes_by_area(report: &Report) -> String {
    let mut by_area: BTreeMap<&str, usize> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.status == Status::Pass) {
        *by_area.entry(f.area()).or_default() += 1;
    }
    if by_area.is_empty() {
        return String::new();
    }
    let mut s = String::from("\n<details><summary>Passed, by area</summary>\n\n");
    for (area, n) in by_area {
        let _ = writeln!(s, "- {area}: {n}");
    }
    s.push_str("\n</details>\n");
    s
}

/// Text safe in a table cell: one line, pipes escaped, nothing read as HTML.
fn cell(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => s.push_str("\\|"),
            '\n' | '\r' => s.push(' '),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '`' => s.push('\''),
            c => s.push(c),
        }
    }
    s
}

/// Text safe inside a code span in a table cell (backticks cannot be escaped there).
fn code(text: &str) -> String {
    text.replace('`', "'")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(n: usize) -> Report {
        let findings = (0..n)
            .map(|i| {
                Finding::example(
                    "X509-002",
                    if i % 3 == 0 {
                        Status::Pass
                    } else {
                        Status::Fail
                    },
                    &format!("crypto/org{i}/peers/peer0/msp/signcerts/cert.pem"),
                    &format!("expired 3 days ago | line {i}\nsecond line"),
                )
            })
            .collect();
        Report::new(
            "2026-12-05T00:00:00Z".into(),
            "artifacts:x".into(),
            findings,
        )
    }

    #[test]
    fn a_huge_report_stays_under_githubs_limit_and_says_what_it_left_out() {
        let r = report(100_000);
        let page = summary(&r, Severity::Error, BUDGET);
        assert!(page.len() <= BUDGET, "{} bytes", page.len());
        let failing = r
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .count();
        let shown = page.lines().filter(|l| l.starts_with("| X509-002")).count();
        assert!(shown > 1000 && shown < failing);
        assert!(
            page.contains(&format!(
                "… and {} more findings not shown",
                failing - shown
            )),
            "{}",
            &page[page.len() - 300..]
        );
        assert!(page.contains("Passed, by area"));
    }

    #[test]
    fn cells_are_one_line_with_pipes_escaped() {
        let page = summary(&report(3), Severity::Error, BUDGET);
        assert!(page.contains("gate failed at `--fail-on error`"));
        let row = page.lines().find(|l| l.starts_with("| X509-002")).unwrap();
        assert!(
            row.contains("expired 3 days ago \\| line 1 second line"),
            "{row}"
        );
        assert_eq!(row.matches(" | ").count(), 3, "four cells: {row}");
    }

    #[test]
    fn gating_findings_come_first_and_known_ones_are_marked() {
        let mut r = report(3);
        r.findings[1].known = true; // sorted: pass (0), fail (1), fail (2)
        r.summary = crate::finding::Summary::of(&r.findings);
        let page = summary(&r, Severity::Error, BUDGET);
        let rows: Vec<&str> = page.lines().filter(|l| l.starts_with("| X509")).collect();
        assert_eq!(rows.len(), 2);
        assert!(!rows[0].contains("known"), "{rows:?}");
        assert!(rows[1].contains("(known from the baseline)"), "{rows:?}");
    }

    #[test]
    fn a_clean_report_says_the_gate_passed_and_has_no_table() {
        let r = Report::new("t".into(), "s".into(), vec![]);
        let page = summary(&r, Severity::Error, BUDGET);
        assert!(page.contains("✅ gate passed"));
        assert!(!page.contains("| check |"));
    }
}
