//! The HTML report: one self-contained file (styles and the status filter inline, pictures as
//! inline SVG, nothing fetched) that opens from a mail attachment or a CI artifact.
//!
//! In reading order: the gate result and counts; the network as fabcheck saw it, each node
//! and link coloured by the worst finding about it and linked to those findings; certificate
//! expiry as a timeline; then every finding, grouped by area and check, with the catalogue's
//! why and how-to-fix. Everything comes from the [`Report`]; nothing is decided here.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use crate::catalogue::{Catalogue, Severity};
use crate::finding::observed::{CertificateSeen, LinkKind, Node, NodeKind, worst_status};
use crate::finding::{Finding, Report, Status};

/// Most findings listed under one node: the full list is in the findings section.
const FINDINGS_PER_NODE: usize = 40;
/// Most distinct certificates drawn on the timeline (soonest expiry first).
const TIMELINE_CERTIFICATES: usize = 150;

/// Writes `report` as one HTML document; the gate result is judged at `threshold`.
pub fn render(report: &Report, threshold: Severity, out: &mut dyn Write) -> std::io::Result<()> {
    let mut html = String::with_capacity(4096 + report.findings.len() * 400);
    head(report, &mut html);
    summary(report, threshold, &mut html);
    topology(report, &mut html);
    timeline(report, &mut html);
    findings(report, &mut html);
    html.push_str("</main>\n<script>\n");
    html.push_str(SCRIPT);
    html.push_str("</script>\n</body>\n</html>\n");
    out.write_all(html.as_bytes())
}

/// `text` with HTML's special characters escaped, for element content and quoted attributes.
fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// The element id of the topology node `id` (a [`crate::finding::observed::Node::id`]).
pub fn node_anchor(id: &str) -> String {
    anchor("node-", id)
}

/// An id usable in `id=` and `href="#…"`: ASCII letters, digits, `-` and `_` only.
fn anchor(prefix: &str, name: &str) -> String {
    let mut s = String::from(prefix);
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            s.push(c);
        } else {
            let _ = write!(s, "_{:x}", u32::from(c));
        }
    }
    s
}

fn status_class(status: Option<Status>) -> &'static str {
    match status {
        None => "st-none",
        Some(Status::Pass) => "st-pass",
        Some(Status::Skip) => "st-skip",
        Some(Status::Warn) => "st-warn",
        Some(Status::Fail) => "st-fail",
        Some(Status::Error) => "st-error",
    }
}

fn colour(status: Option<Status>) -> &'static str {
    match status {
        None => "#b8bec6",
        Some(Status::Pass) => "#2e9d57",
        Some(Status::Skip) => "#8a94a0",
        Some(Status::Warn) => "#e0a100",
        Some(Status::Fail) => "#d1352b",
        Some(Status::Error) => "#8e24aa",
    }
}

fn head(report: &Report, html: &mut String) {
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>fabcheck report: {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(&report.source)
    );
}

fn summary(report: &Report, threshold: Severity, html: &mut String) {
    let gated = report.gates(threshold);
    let s = &report.summary;
    let _ = write!(
        html,
        "<header id=\"summary\">\n<h1>fabcheck report</h1>\n\
         <p class=\"meta\">{} · evaluated at {} · {} {}</p>\n\
         <p id=\"gate\" class=\"gate {}\">{}</p>\n<ul class=\"counts\">\n",
        esc(&report.source),
        esc(&report.evaluated_at),
        esc(&report.tool.name),
        esc(&report.tool.version),
        if gated { "gate-fail" } else { "gate-pass" },
        if gated {
            format!(
                "Gate FAILED at --fail-on {}",
                threshold.to_string().to_lowercase()
            )
        } else {
            format!(
                "Gate passed at --fail-on {}",
                threshold.to_string().to_lowercase()
            )
        },
    );
    for (label, n, class) in [
        ("failed", s.failed, "st-fail"),
        ("errors", s.errors, "st-error"),
        ("warnings", s.warnings, "st-warn"),
        ("passed", s.passed, "st-pass"),
        ("skipped", s.skipped, "st-skip"),
        ("waived", s.waived, "st-none"),
        ("known from the baseline", s.known, "st-none"),
    ] {
        let _ = writeln!(html, "<li class=\"{class}\"><b>{n}</b> {label}</li>");
    }
    html.push_str("</ul>\n");
    if let Some(required) = &report.required {
        let missing: Vec<String> = required
            .not_run
            .iter()
            .map(|m| {
                let selector = m.family.as_deref().or(m.id.as_deref()).unwrap_or("?");
                format!("{selector}: {}", m.reason)
            })
            .collect();
        if missing.is_empty() {
            html.push_str("<p class=\"required\">Every required family and check ran.</p>\n");
        } else {
            let _ = writeln!(
                html,
                "<p class=\"required st-fail\">Required but did not run: {}</p>",
                esc(&missing.join("; "))
            );
        }
    }
    if !report.not_read.is_empty() {
        let _ = writeln!(
            html,
            "<details class=\"not-read\"><summary>{} found but not read</summary><ul>{}</ul></details>",
            report.not_read.len(),
            report
                .not_read
                .iter()
                .map(|n| format!("<li>{}</li>", esc(n)))
                .collect::<String>()
        );
    }
    html.push_str("</header>\n");
}

/// Column of each kind of node in the picture, left to right as traffic flows.
fn column(kind: NodeKind) -> usize {
    match kind {
        NodeKind::Client => 0,
        NodeKind::Chaincode => 1,
        NodeKind::Peer => 2,
        NodeKind::Ca => 3,
        NodeKind::Orderer => 4,
        NodeKind::Kafka => 5,
        NodeKind::Zookeeper => 6,
    }
}

const COLUMN_TITLES: [&str; 7] = [
    "clients",
    "chaincode",
    "peers",
    "CAs",
    "orderers",
    "Kafka",
    "ZooKeeper",
];

fn topology(report: &Report, html: &mut String) {
    let topo = &report.topology;
    html.push_str("<section id=\"topology\">\n<h2>The network as fabcheck saw it</h2>\n");
    if topo.is_empty() {
        html.push_str(
            "<p class=\"empty\">No nodes: the sources named no peers, orderers, CAs, Kafka or \
             ZooKeeper.</p>\n</section>\n",
        );
        return;
    }
    // Only the columns that hold nodes are drawn.
    let mut columns: BTreeMap<usize, Vec<&Node>> = BTreeMap::new();
    for n in &topo.nodes {
        columns.entry(column(n.kind)).or_default().push(n);
    }
    const COL_W: usize = 230;
    const ROW_H: usize = 34;
    const TOP: usize = 40;
    let mut position: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut rows = 0;
    for (x, (_, nodes)) in columns.iter().enumerate() {
        rows = rows.max(nodes.len());
        for (y, n) in nodes.iter().enumerate() {
            position.insert(n.id.as_str(), (20 + x * COL_W, TOP + y * ROW_H));
        }
    }
    let width = 40 + columns.len() * COL_W;
    let height = TOP + rows * ROW_H + 20;
    let _ = writeln!(
        html,
        "<svg id=\"topology-picture\" class=\"topology\" xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"network topology\">"
    );
    for (x, (col, _)) in columns.iter().enumerate() {
        let _ = writeln!(
            html,
            "<text class=\"col-title\" x=\"{}\" y=\"20\">{}</text>",
            20 + x * COL_W,
            COLUMN_TITLES[*col]
        );
    }
    // Links under the nodes, from the right edge of one box to the left edge of the other.
    for (i, l) in topo.links.iter().enumerate() {
        let (Some(&(x1, y1)), Some(&(x2, y2))) =
            (position.get(l.from.as_str()), position.get(l.to.as_str()))
        else {
            continue;
        };
        let worst = worst_status(&report.findings, &l.findings);
        let (x1, x2) = if x1 <= x2 {
            (x1 + 190, x2)
        } else {
            (x1, x2 + 190)
        };
        let _ = writeln!(
            html,
            "<a href=\"#link-{i}\"><line id=\"svg-link-{i}\" class=\"link {}\" x1=\"{x1}\" \
             y1=\"{}\" x2=\"{x2}\" y2=\"{}\" stroke=\"{}\"><title>{} → {} ({}): {} findings\
             </title></line></a>",
            status_class(worst),
            y1 + 12,
            y2 + 12,
            colour(worst),
            esc(&l.from),
            esc(&l.to),
            l.kind.as_str(),
            l.findings.len()
        );
    }
    for n in &topo.nodes {
        let Some(&(x, y)) = position.get(n.id.as_str()) else {
            continue;
        };
        let worst = worst_status(&report.findings, &n.findings);
        let name = n.name.strip_prefix("chaincode of ").unwrap_or(&n.name);
        let mut label: String = name.chars().take(26).collect();
        if name.chars().count() > 26 {
            label.push('…');
        }
        let _ = writeln!(
            html,
            "<a href=\"#{}\"><g class=\"node {}\" data-node=\"{}\"><rect x=\"{x}\" y=\"{y}\" \
             width=\"190\" height=\"24\" rx=\"5\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>\
             <title>{} {} ({}): {} findings</title></g></a>",
            node_anchor(&n.id),
            status_class(worst),
            esc(&n.id),
            colour(worst),
            x + 6,
            y + 16,
            esc(&label),
            n.kind.as_str(),
            esc(&n.name),
            esc(if n.group.is_empty() { "-" } else { &n.group }),
            n.findings.len()
        );
    }
    html.push_str("</svg>\n<p class=\"legend\">");
    for (label, status) in [
        ("pass", Some(Status::Pass)),
        ("warn", Some(Status::Warn)),
        ("fail", Some(Status::Fail)),
        ("error", Some(Status::Error)),
        ("skip", Some(Status::Skip)),
        ("no findings", None),
    ] {
        let _ = write!(
            html,
            "<span class=\"swatch\" style=\"background:{}\"></span>{label} ",
            colour(status)
        );
    }
    html.push_str("· a node or link takes the colour of its worst finding</p>\n");
    html.push_str(
        "<details class=\"nodes\"><summary>Nodes and links, with their findings</summary>\n",
    );
    for n in &topo.nodes {
        let worst = worst_status(&report.findings, &n.findings);
        let _ = write!(
            html,
            "<div class=\"node-entry\" id=\"{}\"><h4><span class=\"badge {}\">{}</span> {} \
             <code>{}</code> <small>{}</small></h4>",
            node_anchor(&n.id),
            status_class(worst),
            worst.map_or("none", Status::as_str),
            n.kind.as_str(),
            esc(&n.name),
            esc(&n.group)
        );
        finding_links(report, &n.findings, html);
        html.push_str("</div>\n");
    }
    for (i, l) in topo.links.iter().enumerate() {
        let worst = worst_status(&report.findings, &l.findings);
        let _ = write!(
            html,
            "<div class=\"link-entry\" id=\"link-{i}\"><h4><span class=\"badge {}\">{}</span> \
             {} <code>{}</code> → <code>{}</code></h4>",
            status_class(worst),
            worst.map_or("none", Status::as_str),
            link_title(l.kind),
            esc(&l.from),
            esc(&l.to)
        );
        finding_links(report, &l.findings, html);
        html.push_str("</div>\n");
    }
    html.push_str("</details>\n</section>\n");
}

fn link_title(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::NameResolution => "chaincode resolves peer",
        LinkKind::Tls => "client TLS to node",
        LinkKind::Kafka => "orderer to Kafka",
        LinkKind::Zookeeper => "Kafka to ZooKeeper",
        LinkKind::Consenter => "Raft consenters",
    }
}

/// Links to the findings at `indices`, worst first, at most [`FINDINGS_PER_NODE`].
fn finding_links(report: &Report, indices: &[usize], html: &mut String) {
    let mut sorted: Vec<(Status, usize)> = indices
        .iter()
        .filter_map(|&i| report.findings.get(i).map(|f| (f.status, i)))
        .collect();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    if sorted.is_empty() {
        html.push_str("<p class=\"empty\">No findings.</p>");
        return;
    }
    html.push_str("<ul class=\"refs\">");
    for &(status, i) in sorted.iter().take(FINDINGS_PER_NODE) {
        let f = &report.findings[i];
        let _ = write!(
            html,
            "<li class=\"{}\"><a href=\"#f-{i}\">{} {}</a> {}</li>",
            status_class(Some(status)),
            esc(&f.check_id),
            status.as_str(),
            esc(first_line(&f.message))
        );
    }
    if sorted.len() > FINDINGS_PER_NODE {
        let _ = write!(
            html,
            "<li>… and {} more in the findings below</li>",
            sorted.len() - FINDINGS_PER_NODE
        );
    }
    html.push_str("</ul>");
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Distinct certificates (by fingerprint) with every place each was found.
fn distinct(certificates: &[CertificateSeen]) -> Vec<(&CertificateSeen, usize)> {
    let mut by_fingerprint: BTreeMap<&str, (&CertificateSeen, usize)> = BTreeMap::new();
    for c in certificates {
        by_fingerprint
            .entry(c.fingerprint.as_str())
            .and_modify(|e| e.1 += 1)
            .or_insert((c, 1));
    }
    let mut out: Vec<(&CertificateSeen, usize)> = by_fingerprint.into_values().collect();
    out.sort_by(|a, b| {
        (a.0.not_after_seconds, &a.0.subject).cmp(&(b.0.not_after_seconds, &b.0.subject))
    });
    out
}

fn timeline(report: &Report, html: &mut String) {
    html.push_str("<section id=\"expiry\">\n<h2>Certificate expiry</h2>\n");
    let certs = distinct(&report.certificates);
    if certs.is_empty() {
        html.push_str("<p class=\"empty\">No certificates were seen.</p>\n</section>\n");
        return;
    }
    let now = time::OffsetDateTime::parse(
        &report.evaluated_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| t.unix_timestamp())
    .ok();
    let shown = &certs[..certs.len().min(TIMELINE_CERTIFICATES)];
    let first = shown
        .iter()
        .map(|c| c.0.not_after_seconds)
        .chain(now)
        .min()
        .unwrap_or(0);
    let last = shown
        .iter()
        .map(|c| c.0.not_after_seconds)
        .chain(now)
        .max()
        .unwrap_or(0);
    // Some room either side so the first and last dots are not on the edge.
    let span = (last - first).max(86_400);
    let (first, span) = (first - span / 20, span + span / 10);
    const LEFT: usize = 330;
    const PLOT: usize = 720;
    const ROW: usize = 16;
    let x = |t: i64| LEFT as i64 + ((t - first) as f64 / span as f64 * PLOT as f64) as i64;
    let height = 30 + shown.len() * ROW;
    let _ = writeln!(
        html,
        "<svg id=\"expiry-timeline\" class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"certificate expiry timeline\">",
        LEFT + PLOT + 20
    );
    if let Some(now) = now {
        let _ = writeln!(
            html,
            "<line class=\"now\" x1=\"{0}\" y1=\"10\" x2=\"{0}\" y2=\"{height}\" \
             stroke=\"#333\" stroke-dasharray=\"4 3\"/><text x=\"{1}\" y=\"12\">evaluated at \
             {2}</text>",
            x(now),
            x(now) + 4,
            esc(&report.evaluated_at)
        );
    }
    for (row, (c, copies)) in shown.iter().enumerate() {
        let y = 24 + row * ROW;
        let status = match now {
            Some(now) if c.not_after_seconds <= now => Status::Fail,
            Some(now) if c.not_after_seconds - now <= 30 * 86_400 => Status::Warn,
            _ => Status::Pass,
        };
        let _ = writeln!(
            html,
            "<g class=\"cert {}\"><text x=\"4\" y=\"{}\">{}</text><line x1=\"{LEFT}\" y1=\"{}\" \
             x2=\"{}\" y2=\"{}\" stroke=\"#d6dae0\"/><circle cx=\"{}\" cy=\"{}\" r=\"5\" \
             fill=\"{}\"><title>{} (issuer {}, {}) expires {} · {} cop{}</title></circle></g>",
            status_class(Some(status)),
            y + 4,
            esc(&format!("{} · {}", c.subject, c.role)),
            y,
            x(c.not_after_seconds),
            y,
            x(c.not_after_seconds),
            y,
            colour(Some(status)),
            esc(&c.subject),
            esc(&c.issuer),
            esc(&c.role),
            esc(&c.not_after),
            copies,
            if *copies == 1 { "y" } else { "ies" }
        );
    }
    html.push_str("</svg>\n");
    if certs.len() > shown.len() {
        let _ = writeln!(
            html,
            "<p class=\"legend\">The {} soonest-expiring of {} distinct certificates; the \
             JSON report lists all {} places certificates were found.</p>",
            shown.len(),
            certs.len(),
            report.certificates.len()
        );
    }
    html.push_str("</section>\n");
}

fn findings(report: &Report, html: &mut String) {
    let catalogue = Catalogue::embedded();
    html.push_str(
        "<section id=\"findings\">\n<h2>Findings</h2>\n<form id=\"filter\" class=\"filter\">Show: ",
    );
    for status in [
        Status::Fail,
        Status::Error,
        Status::Warn,
        Status::Pass,
        Status::Skip,
    ] {
        // Passing and skipped findings start hidden: the reader came for what is wrong.
        let checked = if matches!(status, Status::Pass | Status::Skip) {
            ""
        } else {
            " checked"
        };
        let _ = write!(
            html,
            "<label><input type=\"checkbox\" name=\"{0}\"{checked}> {0}</label> ",
            status.as_str()
        );
    }
    html.push_str("</form>\n");
    // Findings are sorted by check id already; group them by area, then by check.
    let mut by_area: BTreeMap<&str, BTreeMap<&str, Vec<usize>>> = BTreeMap::new();
    for (i, f) in report.findings.iter().enumerate() {
        by_area
            .entry(f.area())
            .or_default()
            .entry(f.check_id.as_str())
            .or_default()
            .push(i);
    }
    for (area, checks) in &by_area {
        let _ = writeln!(
            html,
            "<section class=\"area\" id=\"{}\"><h3>{}</h3>",
            anchor("area-", area),
            esc(area)
        );
        for (id, indices) in checks {
            let worst = indices.iter().map(|&i| report.findings[i].status).max();
            let first = &report.findings[indices[0]];
            let _ = write!(
                html,
                "<article class=\"check {}\" id=\"{}\"><h4><span class=\"badge {}\">{}</span> \
                 {} {} <small>({} severity, {} finding{})</small></h4>",
                status_class(worst),
                anchor("check-", id),
                status_class(worst),
                worst.map_or("none", Status::as_str),
                esc(id),
                esc(&first.title),
                first.severity.to_string().to_lowercase(),
                indices.len(),
                if indices.len() == 1 { "" } else { "s" }
            );
            if let Some(entry) = catalogue.get(id) {
                let _ = write!(
                    html,
                    "<details class=\"why\"><summary>Why it matters, how to fix</summary>\
                     <p>{}</p><p><b>Fix:</b> {}</p></details>",
                    esc(&entry.rationale),
                    esc(&entry.remediation)
                );
            }
            html.push_str(
                "<table><thead><tr><th>status</th><th>target</th><th>message</th></tr></thead>\
                 <tbody>",
            );
            for &i in indices {
                finding_row(i, &report.findings[i], html);
            }
            html.push_str("</tbody></table></article>\n");
        }
        html.push_str("</section>\n");
    }
}

fn finding_row(i: usize, f: &Finding, html: &mut String) {
    let note = if let Some(w) = &f.waived {
        format!(
            " <span class=\"tag\">waived until {}: {}</span>",
            esc(&w.expires),
            esc(&w.reason)
        )
    } else if f.known {
        " <span class=\"tag\">known from the baseline</span>".to_owned()
    } else {
        String::new()
    };
    let _ = write!(
        html,
        "<tr id=\"f-{i}\" class=\"finding {}\" data-status=\"{}\"><td><span class=\"badge {}\">{}\
         </span></td><td><code>{}</code></td><td>{}{note}</td></tr>",
        status_class(Some(f.status)),
        f.status.as_str(),
        status_class(Some(f.status)),
        f.status.as_str(),
        esc(&f.target.to_string()),
        esc(&f.message)
    );
}

const STYLE: &str = r#"body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1400px;margin:0 auto;padding:16px 24px}
h1{margin:0 0 4px}h2{margin-top:32px;border-bottom:1px solid #d6dae0}
.meta{color:#5a6472;margin:0}
.gate{display:inline-block;font-size:18px;font-weight:600;padding:6px 14px;border-radius:6px;color:#fff}
.gate-pass{background:#2e9d57}.gate-fail{background:#d1352b}
.counts{list-style:none;padding:0;display:flex;gap:18px;flex-wrap:wrap}
.counts li b{font-size:20px}
.topology,.timeline{background:#fff;border:1px solid #d6dae0;border-radius:6px;max-width:100%;height:auto}
.topology text{font-size:12px;fill:#fff;font-family:ui-monospace,monospace}
.topology .col-title{fill:#1d2330;font-weight:600;font-family:system-ui,sans-serif}
.topology line{stroke-width:2;opacity:.75}
.timeline text{font-size:11px;font-family:ui-monospace,monospace}
.legend{color:#5a6472}.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;margin:0 4px 0 10px;vertical-align:middle}
.badge{display:inline-block;min-width:42px;text-align:center;border-radius:4px;padding:0 5px;color:#fff;font-size:12px;font-weight:600}
.badge.st-pass{background:#2e9d57}.badge.st-warn{background:#e0a100}.badge.st-fail{background:#d1352b}.badge.st-error{background:#8e24aa}.badge.st-skip,.badge.st-none{background:#8a94a0}
table{border-collapse:collapse;width:100%;background:#fff}
td,th{border-bottom:1px solid #e6e9ee;padding:4px 8px;text-align:left;vertical-align:top}
td code{word-break:break-all}
.tag{background:#eef1f5;border-radius:4px;padding:0 4px;color:#5a6472}
.check{margin:14px 0}.check h4{margin:6px 0}
.refs{margin:4px 0 12px}
.filter label{margin-right:10px}
body.hide-pass tr.st-pass,body.hide-skip tr.st-skip,body.hide-warn tr.st-warn,body.hide-fail tr.st-fail,body.hide-error tr.st-error{display:none}
body.hide-pass article.st-pass,body.hide-skip article.st-skip{display:none}
.empty{color:#5a6472}
"#;

const SCRIPT: &str = r##"(function(){
  var form=document.getElementById('filter');
  if(!form)return;
  function apply(){
    form.querySelectorAll('input[type=checkbox]').forEach(function(box){
      document.body.classList.toggle('hide-'+box.name,!box.checked);
    });
  }
  form.addEventListener('change',apply);
  // A link to a hidden finding shows its status first.
  document.addEventListener('click',function(e){
    var a=e.target.closest&&e.target.closest('a[href^="#f-"]');
    if(!a)return;
    var row=document.getElementById(a.getAttribute('href').slice(1));
    if(row){var box=form.querySelector('input[name='+row.dataset.status+']');if(box&&!box.checked){box.checked=true;apply();}}
  });
  apply();
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::observed::{Link, Topology};

    fn report() -> Report {
        let mut r = Report::new(
            "2026-12-05T00:00:00Z".into(),
            "artifacts:<net>".into(),
            vec![
                Finding::example(
                    "X509-002",
                    Status::Fail,
                    "peers/peer0/a.pem",
                    "bad <cert> & more",
                ),
                Finding::example("TLS-001", Status::Pass, "peer0:7051", "ok"),
            ],
        );
        r.topology = Topology {
            nodes: vec![
                Node {
                    id: "peer:peer0".into(),
                    kind: NodeKind::Peer,
                    name: "peer0".into(),
                    group: "org1".into(),
                    findings: vec![0],
                },
                Node {
                    id: "client:fabcheck".into(),
                    kind: NodeKind::Client,
                    name: "fabcheck".into(),
                    group: String::new(),
                    findings: vec![],
                },
            ],
            links: vec![Link {
                from: "client:fabcheck".into(),
                to: "peer:peer0".into(),
                kind: LinkKind::Tls,
                findings: vec![0, 1],
            }],
        };
        r
    }

    fn html(r: &Report, threshold: Severity) -> String {
        let mut out = Vec::new();
        render(r, threshold, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_finding_and_node_has_an_anchor_and_text_is_escaped() {
        let r = report();
        let page = html(&r, Severity::Error);
        for i in 0..r.findings.len() {
            assert!(page.contains(&format!("id=\"f-{i}\"")), "finding {i}");
        }
        assert!(page.contains("id=\"node-peer_3apeer0\""));
        assert!(page.contains("id=\"link-0\""));
        assert!(page.contains("bad &lt;cert&gt; &amp; more"));
        assert!(!page.contains("bad <cert>"));
        assert!(page.contains("artifacts:&lt;net&gt;"));
        assert!(page.contains("Gate FAILED"));
        // Nothing fetched: no external URL in any src or href.
        assert!(!page.contains("src=\"http"));
        assert!(!page.contains("href=\"http"));
    }

    #[test]
    fn nodes_and_links_take_the_colour_of_their_worst_finding() {
        let page = html(&report(), Severity::Error);
        let link = page
            .split("id=\"svg-link-0\"")
            .nth(1)
            .expect("the link is drawn");
        assert!(link.starts_with(" class=\"link st-fail\""), "{link}");
        let node = page.split("data-node=\"peer:peer0\"").next().unwrap();
        assert!(node.ends_with("class=\"node st-pass\" "), "{node}");
    }

    #[test]
    fn a_known_failure_passes_the_gate_and_is_labelled() {
        let mut r = report();
        r.findings[1].known = true; // the sorted order puts X509-002 second
        assert_eq!(r.findings[1].check_id, "X509-002");
        let page = html(&r, Severity::Error);
        assert!(page.contains("Gate passed"));
        assert!(page.contains("known from the baseline"));
    }

    #[test]
    fn empty_report_renders() {
        let r = Report::new("2026-12-05T00:00:00Z".into(), "s".into(), vec![]);
        let page = html(&r, Severity::Warning);
        assert!(page.contains("No certificates were seen"));
        assert!(page.ends_with("</html>\n"));
    }
}
