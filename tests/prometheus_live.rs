//! `-o prometheus=FILE` read by a real Prometheus (Debian's `prometheus`, installed by
//! scripts/test): the file passes `promtool check metrics`; the test serves it on 127.0.0.1, a
//! Prometheus started by the test scrapes it every second, and the query an operator would alert
//! with, `fabcheck_certificate_not_after_seconds - time() < 30*86400`, finds the one certificate
//! of the fixture that expires within 30 days and not the one that has 400 days left. A real
//! Pushgateway (Debian's `prometheus-pushgateway`) takes the same metrics pushed by fabcheck
//! (`-o prometheus=http://…/metrics/job/fabcheck`), and a gateway that is not there is an error
//! naming it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/pki.rs"]
mod pki;

use pki::{Cert, Spec};
use time::format_description::well_known::Rfc3339;

const PROMETHEUS: &str = "/usr/bin/prometheus";
const PROMTOOL: &str = "/usr/bin/promtool";
const PUSHGATEWAY: &str = "/usr/bin/prometheus-pushgateway";

/// The Prometheus process, ended with the test whatever happens.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

/// A cryptogen-shaped org: its CA, a peer whose certificate expires in 10 days and one with
/// 400 days left.
fn fixture(dir: &Path) {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let day = time::Duration::days(1);
    let ca = Cert::self_signed(
        Spec::new(
            "org1.example.com",
            "ca.org1.example.com",
            &rfc3339(now - 400 * day),
            &rfc3339(now + 3000 * day),
        )
        .ca(),
    );
    let org = dir.join("peerOrganizations/org1.example.com");
    let write = |rel: &str, pem: String| {
        let path = org.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, pem).unwrap();
    };
    write("ca/ca.org1.example.com-cert.pem", ca.pem());
    for (peer, days) in [("peer0", 10), ("peer1", 400)] {
        let name = format!("{peer}.org1.example.com");
        let cert = ca.issue(Spec::new(
            "org1.example.com",
            &name,
            &rfc3339(now - 30 * day),
            &rfc3339(now + days * day),
        ));
        write(
            &format!("peers/{name}/msp/signcerts/{name}-cert.pem"),
            cert.pem(),
        );
        write(
            &format!("peers/{name}/msp/cacerts/ca.org1.example.com-cert.pem"),
            ca.pem(),
        );
    }
}

/// Serves `body` as the metrics page on a free port, for as long as the test runs.
fn serve(body: String) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut stream = stream;
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// `GET path` from 127.0.0.1:`port`: the status code and body.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, body.to_owned()))
}

fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// The instant vector `query` returns once it has `want` series (polling while Prometheus
/// scrapes), or what it last returned when the deadline passes.
fn query(port: u16, query: &str, want: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = Vec::new();
    while Instant::now() < deadline {
        if let Some((200, body)) = get(port, &format!("/api/v1/query?query={}", encode(query))) {
            let value: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(value["status"], "success", "{body}");
            last = value["data"]["result"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if last.len() >= want {
                return last;
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    last
}

/// Starts `program` with `args`, logging to `log`, and waits until `/-/ready` answers 200.
fn start(program: &str, args: &[String], port: u16, log: &Path) -> Running {
    let file = std::fs::File::create(log).unwrap();
    let running = Running(
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("{program} starts: {e}")),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(port, "/-/ready").map(|(c, _)| c) != Some(200) {
        assert!(
            Instant::now() < deadline,
            "{program} not ready: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    running
}

fn fabcheck_check(tree: &Path, output: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["check", "--artifacts"])
        .arg(tree)
        .args(["-o", output])
        .output()
        .expect("fabcheck runs")
}

#[test]
fn metrics_pushed_to_a_real_pushgateway() {
    assert!(
        Path::new(PUSHGATEWAY).exists(),
        "Debian's prometheus-pushgateway is needed (scripts/test installs it)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("crypto-config");
    fixture(&tree);
    let port = free_port();
    let _gateway = start(
        PUSHGATEWAY,
        &[format!("--web.listen-address=127.0.0.1:{port}")],
        port,
        &tmp.path().join("pushgateway.log"),
    );
    let url = format!("http://127.0.0.1:{port}/metrics/job/fabcheck/namespace/org1");
    let out = fabcheck_check(&tree, &format!("prometheus={url}"));
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, page) = get(port, "/metrics").expect("the gateway answers");
    assert_eq!(code, 200);
    let pushed: Vec<&str> = page
        .lines()
        .filter(|l| l.starts_with("fabcheck_certificate_not_after_seconds{"))
        .collect();
    assert_eq!(
        pushed.len(),
        5,
        "CA, two peers and their CA copies: {pushed:#?}"
    );
    assert!(
        pushed
            .iter()
            .all(|l| l.contains("job=\"fabcheck\"") && l.contains("namespace=\"org1\""))
    );
    assert!(
        pushed
            .iter()
            .any(|l| l.contains("subject=\"peer0.org1.example.com\""))
    );

    // A gateway that is not there: the run says so and exits 3 (could not reach).
    let gone = free_port();
    let out = fabcheck_check(
        &tree,
        &format!("prometheus=http://127.0.0.1:{gone}/metrics/job/fabcheck"),
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "failed to push metrics to http://127.0.0.1:{gone}/"
        )),
        "{stderr}"
    );
}

#[test]
fn prometheus_scrapes_the_metrics_and_finds_the_expiring_certificate() {
    assert!(
        Path::new(PROMETHEUS).exists() && Path::new(PROMTOOL).exists(),
        "Debian's prometheus package is needed (scripts/test installs it)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("crypto-config");
    fixture(&tree);
    let metrics = tmp.path().join("fabcheck.prom");
    let out = fabcheck_check(&tree, &format!("prometheus={}", metrics.display()));
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = std::fs::read_to_string(&metrics).unwrap();
    let lint = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&metrics).unwrap())
        .output()
        .unwrap();
    assert!(
        lint.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );

    let target = serve(body);
    let web = free_port();
    let config = tmp.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: fabcheck\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n"
        ),
    )
    .unwrap();
    let _prometheus = start(
        PROMETHEUS,
        &[
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", tmp.path().join("data").display()),
            format!("--web.listen-address=127.0.0.1:{web}"),
        ],
        web,
        &tmp.path().join("prometheus.log"),
    );

    let expiring = query(
        web,
        "fabcheck_certificate_not_after_seconds - time() < 30*86400",
        1,
    );
    assert_eq!(expiring.len(), 1, "{expiring:#?}");
    let labels = &expiring[0]["metric"];
    assert_eq!(labels["subject"], "peer0.org1.example.com");
    assert_eq!(labels["role"], "msp/signcerts");
    assert_eq!(labels["org"], "org1.example.com");
    assert_eq!(labels["source"], "file");
    let left: f64 = expiring[0]["value"][1].as_str().unwrap().parse().unwrap();
    assert!((8.0 * 86400.0..10.5 * 86400.0).contains(&left), "{left}");

    // Every certificate is there, the 400-day one among them, and the run's own series.
    let all = query(web, "fabcheck_certificate_not_after_seconds", 5);
    assert!(
        all.iter()
            .any(|s| s["metric"]["subject"] == "peer1.org1.example.com"),
        "{all:#?}"
    );
    assert_eq!(query(web, "fabcheck_run_timestamp_seconds", 1).len(), 1);
    // The expiry check says the same of the same certificate: a warning (2) on peer0's file.
    let expiry = query(web, "fabcheck_check_status{id=\"X509-003\"} == 2", 1);
    assert_eq!(expiry.len(), 1, "{expiry:#?}");
    assert!(
        expiry[0]["metric"]["target"]
            .as_str()
            .unwrap()
            .ends_with("peer0.org1.example.com-cert.pem")
    );
}
