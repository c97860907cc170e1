//! Where TLS endpoints come from: connection profiles among the artifacts (`--dial`), the
//! endpoints file and `--endpoint` flags — and clear usage errors when they are wrong.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/findings.rs"]
mod findings;
use findings::realworld;

fn fabcheck(args: &[&str]) -> (Value, i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(args)
        .output()
        .expect("fabcheck runs");
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        report,
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn connection_profile_endpoints_are_dialled_only_when_asked() {
    let dir = realworld("hyperledger__fabric-samples/release-1.4/balance-transfer");
    let dir = dir.to_str().unwrap();
    let start = Instant::now();
    let (r, code, _) = fabcheck(&[
        "check",
        "--artifacts",
        dir,
        "--dial",
        "--select",
        "TLS-001",
        "--connect-timeout",
        "1s",
        "--timeout",
        "10s",
        "-o",
        "json",
    ]);
    assert!(start.elapsed() < Duration::from_secs(20));
    let found: Vec<&Value> = r["findings"].as_array().unwrap().iter().collect();
    let addresses: Vec<&str> = found
        .iter()
        .map(|f| f["target"]["name"].as_str().unwrap())
        .collect();
    for expected in [
        "localhost:7050",
        "localhost:7051",
        "localhost:7056",
        "localhost:8051",
        "localhost:8056",
    ] {
        assert!(
            addresses.contains(&expected),
            "{expected} from network-config.yaml: {addresses:?}"
        );
    }
    assert!(
        found.iter().all(|f| f["status"] == "error"),
        "nothing listens there in the test"
    );
    assert_eq!(
        code, 1,
        "with artifacts to check, unreachable endpoints fail the gate rather than exit 3"
    );
    let (r, _, _) = fabcheck(&[
        "check",
        "--artifacts",
        dir,
        "--select",
        "TLS-001",
        "-o",
        "json",
    ]);
    assert_eq!(
        r["findings"][0]["status"], "skip",
        "no dialling without --dial"
    );
}

#[test]
fn broken_endpoint_declarations_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("endpoints.yaml");
    std::fs::write(
        &file,
        "endpoints:\n  - name: peer0\n    adress: 127.0.0.1:7051\n",
    )
    .unwrap();
    let (_, code, err) = fabcheck(&["check", "--endpoints", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("failed to parse endpoints file") && err.contains("endpoints.yaml"),
        "{err}"
    );
    let (_, code, err) = fabcheck(&[
        "check",
        "--endpoint",
        "peer0=127.0.0.1:7051,ca=/nonexistent/tlsca.pem",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/tlsca.pem"), "{err}");
    let (_, code, err) = fabcheck(&["check", "--endpoint", "peer0"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected NAME=HOST:PORT"), "{err}");
}

#[test]
fn only_unreachable_endpoints_exit_3_with_the_report_written() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let spec = format!("peer0=127.0.0.1:{port}");
    let (r, code, _) = fabcheck(&[
        "check",
        "--endpoint",
        &spec,
        "--select",
        "TLS-001",
        "-o",
        "json",
    ]);
    assert_eq!(code, 3);
    assert_eq!(r["findings"][0]["status"], "error");
    assert!(
        r["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("connection refused")
    );
}
