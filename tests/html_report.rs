//! The HTML report in a real browser: Debian's Chromium (installed by scripts/test) loads the
//! file headless with the network switched off, its DOM after the page's own script ran is
//! checked for every finding, node and link of the JSON report written by the same run, and a
//! screenshot is checked to be a picture (not a blank page) with the gate's colour in it.
//!
//! `FABCHECK_UPDATE_SCREENSHOTS=1 cargo test --test html_report` also copies the screenshots to
//! `docs/` (the README shows them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/findings.rs"]
mod findings;

use fabcheck::finding::Report;
use fabcheck::report::html::node_anchor;

const AT: &str = "2026-12-05T00:00:00Z";

/// The gate banners' colours (src/report/html.rs).
const PASS_GREEN: [u8; 3] = [0x2e, 0x9d, 0x57];
const FAIL_RED: [u8; 3] = [0xd1, 0x35, 0x2b];

fn chromium() -> PathBuf {
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(
        path.exists(),
        "Debian's chromium is needed (scripts/test installs it)"
    );
    path
}

/// Runs fabcheck on `artifacts`, writing HTML and JSON; returns them.
fn report(artifacts: &Path, dir: &Path) -> (PathBuf, Report) {
    let html = dir.join("report.html");
    let json = dir.join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["check", "--artifacts"])
        .arg(artifacts)
        .args(["--at", AT, "-o"])
        .arg(format!("html={}", html.display()))
        .arg("-o")
        .arg(format!("json={}", json.display()))
        .output()
        .expect("fabcheck runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Report = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (html, report)
}

/// Headless Chromium with everything that would reach the network off.
fn headless(profile: &Path) -> Command {
    let mut c = Command::new(chromium());
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--window-size=1400,1800",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

fn run(command: Command, what: &str) -> std::process::Output {
    // Chromium's process group (renderer, GPU and zygote helpers too) ends with it.
    let out = bounded::run_bounded(command, Duration::from_secs(90));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Loads `html` in Chromium: its DOM after scripts, and a screenshot's RGB pixels.
fn load(html: &Path, dir: &Path) -> (String, Vec<[u8; 3]>, PathBuf) {
    let url = format!("file://{}", html.display());
    let dom = run(
        {
            let mut c = headless(&dir.join("profile-dom"));
            c.arg("--dump-dom").arg(&url);
            c
        },
        "chromium --dump-dom",
    );
    let png = dir.join("screenshot.png");
    run(
        {
            let mut c = headless(&dir.join("profile-shot"));
            c.arg(format!("--screenshot={}", png.display())).arg(&url);
            c
        },
        "chromium --screenshot",
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png).expect("chromium wrote the screenshot"),
    ));
    let mut reader = decoder.read_info().expect("the screenshot is a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (
        String::from_utf8_lossy(&dom.stdout).into_owned(),
        pixels,
        png,
    )
}

/// Checks the DOM holds everything the JSON report holds, and the picture is a picture.
fn assert_complete(report: &Report, dom: &str, pixels: &[[u8; 3]], gate: [u8; 3]) {
    assert!(
        dom.contains("id=\"topology-picture\""),
        "the topology is drawn"
    );
    for i in 0..report.findings.len() {
        assert!(
            dom.contains(&format!("id=\"f-{i}\"")),
            "finding {i} ({} on {}) is not in the page",
            report.findings[i].check_id,
            report.findings[i].target
        );
    }
    assert!(!report.topology.nodes.is_empty(), "the network has nodes");
    for n in &report.topology.nodes {
        assert!(
            dom.contains(&format!("id=\"{}\"", node_anchor(&n.id))),
            "node {} is not in the page",
            n.id
        );
    }
    for i in 0..report.topology.links.len() {
        assert!(dom.contains(&format!("id=\"svg-link-{i}\"")), "link {i}");
    }
    // The page's script ran: passing findings start filtered out.
    assert!(dom.contains("hide-pass"), "the status filter ran");
    let distinct: std::collections::HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(
        distinct.len() > 50,
        "the screenshot is blank or nearly so: {} colours",
        distinct.len()
    );
    let banner = pixels.iter().filter(|p| **p == gate).count();
    assert!(
        banner > 2000,
        "the gate's colour {gate:?} covers {banner} pixels of the screenshot"
    );
}

fn keep_screenshot(png: &Path, name: &str) {
    if std::env::var_os("FABCHECK_UPDATE_SCREENSHOTS").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::copy(png, docs.join(name)).unwrap();
    }
}

#[test]
fn reference_network_report_loads_in_chromium_with_every_finding_and_node() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reference");
    let (html, report) = report(&reference, tmp.path());
    assert!(!report.gates(fabcheck::catalogue::Severity::Error));
    let (dom, pixels, png) = load(&html, tmp.path());
    assert!(dom.contains("Gate passed"));
    assert_complete(&report, &dom, &pixels, PASS_GREEN);
    keep_screenshot(&png, "report-reference.png");
}

#[test]
fn failing_real_world_tree_report_shows_its_failures_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = findings::realworld("feitnomore__hyperledger-fabric-kubernetes");
    let (html, report) = report(&tree, tmp.path());
    assert!(report.gates(fabcheck::catalogue::Severity::Error));
    let (dom, pixels, png) = load(&html, tmp.path());
    assert!(dom.contains("Gate FAILED"));
    assert_complete(&report, &dom, &pixels, FAIL_RED);
    // Failed findings are shown (their rows are not filtered out), red badges and all.
    let failed = report
        .findings
        .iter()
        .position(|f| f.status == fabcheck::finding::Status::Fail)
        .expect("the tree fails something");
    assert!(dom.contains(&format!("id=\"f-{failed}\" class=\"finding st-fail\"")));
    keep_screenshot(&png, "report-failing.png");
}
