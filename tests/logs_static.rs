//! Log diagnostics (`check --logs DIR`) through the real binary: each `fixtures/logs/<ID>/fail`
//! folder fails its check with the right count, first and last time, each `pass` folder passes
//! every LOG check, and hostile input — a binary file, a dangling symlink, a symlink loop, a
//! 20 MB log, a log that dumps a private key — is reported without a panic, a hang or an echo
//! of the key.

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/findings.rs"]
mod findings;

use bounded::run_bounded;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use findings::describe;
use serde_json::Value;

/// The LOG checks, in catalogue order.
const LOG_IDS: [&str; 7] = [
    "LOG-001", "LOG-002", "LOG-003", "LOG-004", "LOG-005", "LOG-006", "LOG-007",
];

/// One run of `fabcheck check --logs PATH -o json=FILE`.
struct Run {
    code: i32,
    report: Value,
    /// The JSON report as written, for searching.
    json: String,
    stdout: String,
    stderr: String,
}

impl Run {
    fn findings(&self) -> Vec<&Value> {
        self.report["findings"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    fn of(&self, id: &str) -> Vec<&Value> {
        self.findings()
            .into_iter()
            .filter(|f| f["check_id"] == id)
            .collect()
    }

    fn statuses(&self, id: &str) -> Vec<String> {
        self.of(id)
            .iter()
            .map(|f| f["status"].as_str().unwrap_or("?").to_owned())
            .collect()
    }

    /// The finding of `id` whose target ends with `/file`.
    fn for_file(&self, id: &str, file: &str) -> &Value {
        let suffix = format!("/{file}");
        self.of(id)
            .into_iter()
            .find(|f| {
                f["target"]["name"]
                    .as_str()
                    .is_some_and(|n| n.ends_with(&suffix))
            })
            .unwrap_or_else(|| panic!("no {id} finding for {file}:\n{}", self.describe()))
    }

    fn describe(&self) -> String {
        let mut s = format!("exit {}\n", self.code);
        for f in self.findings() {
            s.push_str(&describe(f));
            s.push('\n');
        }
        s.push_str(&format!("--- stderr\n{}", self.stderr));
        s
    }
}

fn check_logs(path: &Path, extra: &[&str]) -> Run {
    check_logs_within(path, extra, Duration::from_secs(120))
}

fn check_logs_within(path: &Path, extra: &[&str], limit: Duration) -> Run {
    let out_dir = tempfile::tempdir().expect("temp dir");
    let json_path = out_dir.path().join("report.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabcheck"));
    cmd.args(["check", "--logs"])
        .arg(path)
        .arg("-o")
        .arg(format!("json={}", json_path.display()))
        .args(["-o", "table"])
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    let out = run_bounded(cmd, limit);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "fabcheck panicked on {}:\n{stderr}",
        path.display()
    );
    let json = std::fs::read_to_string(&json_path).unwrap_or_else(|e| {
        panic!(
            "{}: no JSON report ({e}); exit {:?}\n{stderr}",
            path.display(),
            out.status.code()
        )
    });
    let report: Value = serde_json::from_str(&json).expect("the report is JSON");
    Run {
        code: out.status.code().unwrap_or(-1),
        report,
        json,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

fn fixture(id: &str, variant: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/logs")
        .join(id)
        .join(variant)
}

/// What one source of a fail fixture must show.
struct Expect {
    file: &'static str,
    count: u64,
    first: &'static str,
    last: &'static str,
    first_line: u64,
    last_line: u64,
}

/// Runs `fixtures/logs/<id>/fail` and checks `id`'s findings against `expected`, one per
/// source, and that every other LOG check passes.
fn assert_fail_fixture(id: &str, status: &str, see: Option<&str>, expected: &[Expect]) -> Run {
    let run = check_logs(&fixture(id, "fail"), &[]);
    assert_eq!(
        run.statuses(id),
        vec![status; expected.len()],
        "{id}: {}",
        run.describe()
    );
    for e in expected {
        let f = run.for_file(id, e.file);
        let ev = &f["evidence"];
        let context = || format!("{id} {}: {}", e.file, describe(f));
        assert_eq!(ev["count"], e.count, "{}", context());
        assert_eq!(ev["first"], e.first, "{}", context());
        assert_eq!(ev["last"], e.last, "{}", context());
        assert_eq!(ev["first_line"], e.first_line, "{}", context());
        assert_eq!(ev["last_line"], e.last_line, "{}", context());
        assert!(
            ev["example"].as_str().is_some_and(|x| !x.is_empty()),
            "{}",
            context()
        );
        assert_eq!(f["target"]["kind"], "file", "{}", context());
        if let Some(see) = see {
            assert_eq!(ev["see_check"][0], see, "{}", context());
            assert!(
                f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(&format!("fabcheck explain {see}"))),
                "{}",
                context()
            );
        }
    }
    for other in LOG_IDS.iter().filter(|o| **o != id) {
        assert_eq!(
            run.statuses(other),
            vec!["pass"],
            "{id} fixture trips {other}: {}",
            run.describe()
        );
    }
    run
}

#[test]
fn pass_fixtures_pass_every_log_check() {
    for id in LOG_IDS {
        let run = check_logs(&fixture(id, "pass"), &["--fail-on", "warning"]);
        assert_eq!(run.code, 0, "{id}/pass: {}", run.describe());
        for check in LOG_IDS {
            assert_eq!(
                run.statuses(check),
                vec!["pass"],
                "{id}/pass, {check}: {}",
                run.describe()
            );
            let f = run.of(check)[0];
            assert!(
                f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(" lines of ")),
                "the pass says what was scanned: {}",
                describe(f)
            );
        }
    }
}

#[test]
fn certificate_window_fixture() {
    let run = assert_fail_fixture(
        "LOG-001",
        "fail",
        Some("X509-002"),
        &[
            // kubectl --timestamps and coloured Fabric 2.x lines: the kubectl clock is used.
            Expect {
                file: "orderer0.log",
                count: 2,
                first: "2021-03-04T10:11:12.123Z",
                last: "2021-03-04T10:12:44.000Z",
                first_line: 7,
                last_line: 9,
            },
            Expect {
                file: "peer0-org1.log",
                count: 4,
                first: "2019-09-24T08:37:21.527Z",
                last: "2019-09-24T08:41:03.118Z",
                first_line: 14,
                last_line: 20,
            },
        ],
    );
    assert_eq!(run.code, 1, "{}", run.describe());
    let peer = run.for_file("LOG-001", "peer0-org1.log");
    assert!(
        peer["message"]
            .as_str()
            .unwrap()
            .starts_with("4 times from 2019-09-24 08:37:21 to 08:41:03 UTC: \""),
        "{}",
        describe(peer)
    );
    let orderer = run.for_file("LOG-001", "orderer0.log");
    assert!(
        !orderer["evidence"]["example"]
            .as_str()
            .unwrap()
            .contains('\u{1b}'),
        "colour codes are removed from the example"
    );
}

#[test]
fn handshake_resets_fixture() {
    let run = assert_fail_fixture(
        "LOG-002",
        "fail",
        None,
        &[
            Expect {
                file: "ca-org1.log",
                count: 12,
                first: "2019-09-24T08:37:25.000",
                last: "2019-09-24T08:39:15.000",
                first_line: 8,
                last_line: 20,
            },
            // Each probe is logged twice (core.comm and grpc) and counted once.
            Expect {
                file: "orderer0.log",
                count: 30,
                first: "2019-09-24T08:37:21.527Z",
                last: "2019-09-24T08:42:11.610Z",
                first_line: 10,
                last_line: 75,
            },
        ],
    );
    for file in ["ca-org1.log", "orderer0.log"] {
        let f = run.for_file("LOG-002", file);
        assert_eq!(f["evidence"]["source_ip"], "10.0.0.5", "{}", describe(f));
        assert_eq!(
            f["evidence"]["median_interval_seconds"],
            10.0,
            "{}",
            describe(f)
        );
        assert!(
            f["target"]["locator"]
                .as_str()
                .is_some_and(|l| l.starts_with("from 10.0.0.5")),
            "{}",
            describe(f)
        );
    }
    // LOG-002 is a warning: it gates only at --fail-on warning.
    assert_eq!(run.code, 0, "{}", run.describe());
    let strict = check_logs(&fixture("LOG-002", "fail"), &["--fail-on", "warning"]);
    assert_eq!(strict.code, 1, "{}", strict.describe());
}

/// Handshake EOFs from 10.1.0.1 every 10 s, two a round: a Fabric 2.5 peer's liveness and
/// readiness tcpSocket probes. From a folder there is no pod spec to read: both likely causes
/// are named, with the address's hint; the cluster test names the probe itself.
#[test]
fn handshake_resets_from_a_kubelet_probe_name_both_likely_causes() {
    let run = check_logs(&fixture("LOG-002", "kubelet-probe"), &[]);
    assert_eq!(run.statuses("LOG-002"), vec!["fail"], "{}", run.describe());
    let f = run.for_file("LOG-002", "peer0-org1.log");
    let ev = &f["evidence"];
    assert_eq!(ev["count"], 30, "{}", describe(f));
    assert_eq!(ev["first_line"], 11, "{}", describe(f));
    assert_eq!(ev["last_line"], 42, "{}", describe(f));
    assert_eq!(ev["source_ip"], "10.1.0.1", "{}", describe(f));
    assert_eq!(ev["median_interval_seconds"], 10.0, "{}", describe(f));
    assert_eq!(
        ev["cause"],
        "kubelet-probe-or-load-balancer",
        "{}",
        describe(f)
    );
    let message = f["message"].as_str().unwrap_or_default();
    for phrase in [
        "30 handshake resets from 10.1.0.1 every 10 s",
        "a kubelet tcpSocket probe (liveness, readiness or startup",
        "or a load balancer's TCP health check",
        "10.1.0.1 ends in .1, as a node's pod-network gateway does",
        "httpGet probe on the operations endpoint's /healthz (port 9443, CORE_OPERATIONS_LISTENADDRESS",
    ] {
        assert!(message.contains(phrase), "{phrase}: {}", describe(f));
    }
    for other in LOG_IDS.iter().filter(|o| **o != "LOG-002") {
        assert_eq!(run.statuses(other), vec!["pass"], "{}", run.describe());
    }
}

#[test]
fn kafka_isr_fixture() {
    let run = assert_fail_fixture(
        "LOG-003",
        "fail",
        Some("KAFKA-015"),
        &[
            // The exception line has no timestamp: it takes the ERROR line's above it.
            Expect {
                file: "kafka1.log",
                count: 2,
                first: "2019-09-24T08:39:58.104",
                last: "2019-09-24T08:42:30.741",
                first_line: 10,
                last_line: 12,
            },
            Expect {
                file: "orderer0.log",
                count: 5,
                first: "2019-09-24T08:39:58.117Z",
                last: "2019-09-24T08:42:30.750Z",
                first_line: 5,
                last_line: 11,
            },
        ],
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.for_file("LOG-003", "orderer0.log")["evidence"]["channels"],
        serde_json::json!(["mychannel"])
    );
}

#[test]
fn chaincode_dns_fixture() {
    let run = assert_fail_fixture(
        "LOG-004",
        "fail",
        Some("DNS-008"),
        &[
            // grpc-go's `WARNING: 2019/09/24 08:37:21` lines, in the writer's local time.
            Expect {
                file: "dev-peer0.org1-mycc-1.0.log",
                count: 3,
                first: "2019-09-24T08:37:21.000",
                last: "2019-09-24T08:37:24.000",
                first_line: 3,
                last_line: 5,
            },
            Expect {
                file: "dev-peer1.org1-mycc-1.0.log",
                count: 2,
                first: "2019-09-24T08:37:32.118Z",
                last: "2019-09-24T08:37:33.120Z",
                first_line: 3,
                last_line: 4,
            },
        ],
    );
    assert_eq!(run.code, 1);
    let f = run.for_file("LOG-004", "dev-peer1.org1-mycc-1.0.log");
    assert_eq!(
        f["evidence"]["dns_servers"],
        serde_json::json!(["10.0.0.2:53", "192.168.0.1:53"])
    );
    assert_eq!(f["evidence"]["names"], serde_json::json!(["peer1.org1"]));
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("lookup peer1.org1 on 192.168.0.1:53"),
        "the message quotes the lookup: {}",
        describe(f)
    );
}

#[test]
fn bad_certificate_fixture() {
    let run = assert_fail_fixture(
        "LOG-005",
        "fail",
        Some("TLS-005"),
        &[
            Expect {
                file: "orderer0.log",
                count: 3,
                first: "2019-09-24T08:37:21.527Z",
                last: "2019-09-24T08:38:40.000Z",
                first_line: 4,
                last_line: 9,
            },
            Expect {
                file: "peer0-org1.log",
                count: 3,
                first: "2021-03-04T10:11:12.123Z",
                last: "2021-03-04T10:11:20.001Z",
                first_line: 4,
                last_line: 7,
            },
        ],
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.for_file("LOG-005", "orderer0.log")["evidence"]["remote_ips"],
        serde_json::json!(["10.0.0.31", "10.0.0.33"])
    );
}

#[test]
fn sanitize_cert_failed_fixture() {
    let run = assert_fail_fixture(
        "LOG-006",
        "fail",
        Some("X509-010"),
        &[
            Expect {
                file: "orderer0.log",
                count: 1,
                first: "2026-12-04T09:14:03.215Z",
                last: "2026-12-04T09:14:03.215Z",
                first_line: 2,
                last_line: 2,
            },
            // The PANI line and Go's panic echo, on the kubectl clock.
            Expect {
                file: "orderer1.log",
                count: 2,
                first: "2026-12-04T09:20:11.530Z",
                last: "2026-12-04T09:20:11.530Z",
                first_line: 8,
                last_line: 9,
            },
            Expect {
                file: "peer0-org1.log",
                count: 3,
                first: "2026-12-04T09:31:40.117Z",
                last: "2026-12-04T09:31:43.978Z",
                first_line: 1,
                last_line: 3,
            },
        ],
    );
    assert_eq!(run.code, 1, "{}", run.describe());
    for file in ["orderer0.log", "orderer1.log", "peer0-org1.log"] {
        let f = run.for_file("LOG-006", file);
        assert_eq!(
            f["evidence"]["reasons"],
            serde_json::json!([
                "the supplied identity is not valid: x509: certificate signed by unknown authority"
            ]),
            "{}",
            describe(f)
        );
        assert_eq!(
            f["evidence"]["see_check"],
            serde_json::json!(["X509-010", "X509-004"]),
            "{}",
            describe(f)
        );
    }
    // The remediation points at the high-S check and the low-S fix.
    let explain = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["explain", "LOG-006"])
        .output()
        .expect("fabcheck runs");
    let text = String::from_utf8_lossy(&explain.stdout);
    for words in ["X509-010", "low-S", "2.5.0", "fabric#3774"] {
        assert!(
            text.contains(words),
            "explain LOG-006 lacks {words:?}:\n{text}"
        );
    }
}

#[test]
fn raft_log_lost_fixture() {
    let run = assert_fail_fixture(
        "LOG-007",
        "fail",
        Some("LOG-007"),
        &[Expect {
            file: "orderer0.log",
            count: 2,
            first: "2026-12-04T08:58:02.311Z",
            last: "2026-12-04T08:58:02.311Z",
            first_line: 5,
            last_line: 6,
        }],
    );
    assert_eq!(run.code, 1, "{}", run.describe());
    let f = run.for_file("LOG-007", "orderer0.log");
    assert_eq!(
        f["evidence"]["channels"],
        serde_json::json!(["mychannel"]),
        "{}",
        describe(f)
    );
}

#[test]
fn without_logs_every_log_check_skips() {
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["check", "--select", "LOG", "-o", "json", "--artifacts"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reference"))
        .output()
        .expect("fabcheck runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), LOG_IDS.len(), "{report}");
    for f in findings {
        assert_eq!(f["status"], "skip", "{}", describe(f));
        assert_eq!(f["message"], "no logs given (--logs)", "{}", describe(f));
    }
}

#[test]
fn one_file_can_be_given() {
    let run = check_logs(&fixture("LOG-001", "fail").join("peer0-org1.log"), &[]);
    assert_eq!(run.statuses("LOG-001"), vec!["fail"], "{}", run.describe());
    assert_eq!(
        run.for_file("LOG-001", "peer0-org1.log")["evidence"]["count"],
        4
    );
}

#[test]
fn binary_dangling_and_looping_inputs_are_errors_naming_the_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::write(
        dir.join("peer0.log"),
        "2019-09-24 08:37:21.527 UTC [protoutils] ValidateProposalMessage -> WARN 04d MSP error: x509: certificate has expired or is not yet valid\n",
    )
    .expect("write log");
    // An executable saved without an extension, as `kubectl cp` leaves them.
    let mut binary = b"\x7fELF\x02\x01\x01\x00".to_vec();
    binary.extend(std::iter::repeat_n(0u8, 4096));
    binary.extend(b"x509: certificate has expired or is not yet valid\n");
    std::fs::write(dir.join("peer"), binary).expect("write binary");
    std::os::unix::fs::symlink(dir.join("rotated-away.log.1"), dir.join("orderer0.log"))
        .expect("dangling symlink");
    std::fs::create_dir(dir.join("nested")).expect("mkdir");
    std::os::unix::fs::symlink(dir, dir.join("nested/loop")).expect("loop symlink");
    // Ignored: not a log by name, and hidden.
    std::fs::write(
        dir.join("core.yaml"),
        "x509: certificate has expired or is not yet valid\n",
    )
    .expect("write yaml");
    std::fs::write(dir.join(".DS_Store"), b"\x00\x00\x00\x01Bud1").expect("write dotfile");

    let run = check_logs(dir, &[]);
    for id in LOG_IDS {
        let errors: Vec<&Value> = run
            .of(id)
            .into_iter()
            .filter(|f| f["status"] == "error")
            .collect();
        let names: Vec<String> = errors
            .iter()
            .map(|f| f["target"]["name"].as_str().unwrap_or("?").to_owned())
            .collect();
        assert_eq!(errors.len(), 3, "{id}: {names:?}\n{}", run.describe());
        let about = |suffix: &str| {
            errors
                .iter()
                .find(|f| {
                    f["target"]["name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with(suffix))
                })
                .and_then(|f| f["message"].as_str())
                .unwrap_or_else(|| panic!("{id}: no error for {suffix}: {names:?}"))
                .to_owned()
        };
        assert!(about("/peer").contains("binary file"), "{}", about("/peer"));
        assert!(
            about("/orderer0.log").contains("dangling symlink"),
            "{}",
            about("/orderer0.log")
        );
        assert!(
            about("/loop").contains("symlink loop"),
            "{}",
            about("/loop")
        );
    }
    assert_eq!(
        run.statuses("LOG-001")
            .iter()
            .filter(|s| *s == "fail")
            .count(),
        1
    );
    assert_eq!(
        run.for_file("LOG-001", "peer0.log")["evidence"]["count"],
        1,
        "only peer0.log is read: {}",
        run.describe()
    );
    assert_eq!(run.code, 1, "an error gates: {}", run.describe());
    let pass = run
        .of("LOG-003")
        .into_iter()
        .find(|f| f["status"] == "pass")
        .expect("LOG-003 passes on what it could read");
    assert!(
        pass["message"]
            .as_str()
            .is_some_and(|m| m.contains("1 file not read for its name") && m.contains("core.yaml")),
        "a file skipped for its name is mentioned: {}",
        describe(pass)
    );
    assert_eq!(pass["evidence"]["not_read"], 1);
}

#[test]
fn a_20_mb_log_finishes_within_the_watchdog() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("orderer0.log");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let lines = 200_000u64;
    let mut resets = 0u64;
    for i in 0..lines {
        // One second of log per 100 lines; a health check every 10 s (every 1000th line).
        let t = 8 * 3600 + i / 100;
        let stamp = format!(
            "2019-09-24 {:02}:{:02}:{:02}.{:03} UTC",
            t / 3600 % 24,
            t / 60 % 60,
            t % 60,
            i % 100 * 10
        );
        if i % 1000 == 500 {
            resets += 1;
            writeln!(
                file,
                "{stamp} [grpc] handleRawConn -> DEBU {i:x} grpc: Server.Serve failed to complete security handshake from \"10.0.0.5:{}\": EOF",
                30000 + i % 30000
            )
        } else if i == 77_777 {
            // One enormous line: read up to the line cap, the rest skipped without buffering.
            writeln!(file, "{stamp} [common.deliver] dump {}", "A".repeat(1 << 20))
        } else {
            writeln!(
                file,
                "{stamp} [orderer.consensus.kafka] processMessagesToBlocks -> DEBU {i:x} [channel: mychannel] Successfully unmarshalled consumed message, offset is {i}. Inspecting type..."
            )
        }
        .expect("write");
    }
    file.flush().expect("flush");
    drop(file);
    let size = std::fs::metadata(&path).expect("metadata").len();
    assert!(size > 20_000_000, "the log is {size} bytes");

    let started = Instant::now();
    let run = check_logs_within(tmp.path(), &[], Duration::from_secs(120));
    eprintln!("20 MB log checked in {:?}", started.elapsed());
    assert_eq!(run.statuses("LOG-002"), vec!["fail"], "{}", run.describe());
    let f = run.for_file("LOG-002", "orderer0.log");
    assert_eq!(f["evidence"]["count"], resets);
    assert_eq!(f["evidence"]["median_interval_seconds"], 10.0);
    let pass = &run.of("LOG-001")[0];
    assert_eq!(pass["status"], "pass");
    assert_eq!(pass["evidence"]["lines"], lines, "{}", describe(pass));
}

#[test]
fn private_keys_in_logs_are_not_echoed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let body = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgTk9UQVJFQUxLRVlfZm9yX3Rlc3Rz";
    let log = format!(
        "2019-09-24 08:37:20.000 UTC [msp] loadPrivateKey -> DEBU 01a Loaded key:\n\
         -----BEGIN PRIVATE KEY-----\n\
         {body}\n\
         -----END PRIVATE KEY-----\n\
         2019-09-24 08:37:21.527 UTC [core.comm] ServerHandshake -> ERRO 01b TLS handshake failed with error x509: certificate has expired or is not yet valid tlsConfig={{\"key\":\"-----BEGIN EC PRIVATE KEY-----\\n{body}\\n-----END EC PRIVATE KEY-----\\n\"}} server=PeerServer remoteaddress=10.0.0.7:4431\n\
         2019-09-24 08:37:22.000 UTC [core.comm] ServerHandshake -> ERRO 01c TLS handshake failed with error remote error: tls: bad certificate key=-----BEGIN RSA PRIVATE KEY----- {body}\n"
    );
    std::fs::write(tmp.path().join("peer0.log"), log).expect("write log");
    let run = check_logs(tmp.path(), &[]);
    assert_eq!(run.statuses("LOG-001"), vec!["fail"], "{}", run.describe());
    assert_eq!(run.statuses("LOG-005"), vec!["fail"], "{}", run.describe());
    for (what, text) in [("JSON report", &run.json), ("table", &run.stdout)] {
        assert!(
            !text.contains(body),
            "the key is echoed in the {what}:\n{text}"
        );
        assert!(
            !text.contains(&body[..24]),
            "part of the key is echoed in the {what}:\n{text}"
        );
    }
    assert!(run.json.contains("[private key redacted]"), "{}", run.json);
}

#[test]
fn every_log_check_has_described_pass_and_fail_fixtures() {
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["checks", "list", "--format", "json"])
        .output()
        .expect("fabcheck runs");
    let list: Value = serde_json::from_slice(&out.stdout).expect("checks list is JSON");
    let ids: Vec<&str> = list
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .filter(|id| id.starts_with("LOG-"))
        .collect();
    assert_eq!(
        ids, LOG_IDS,
        "the tests above cover exactly the catalogued LOG checks"
    );
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/logs/README.md"),
    )
    .expect("fixtures/logs/README.md");
    for id in LOG_IDS {
        for variant in ["pass", "fail"] {
            assert!(
                fixture(id, variant).is_dir(),
                "missing fixtures/logs/{id}/{variant}"
            );
            assert!(
                readme.contains(&format!("`{id}/{variant}`")),
                "fixtures/logs/README.md does not describe {id}/{variant}"
            );
        }
    }
}
