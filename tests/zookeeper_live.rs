//! ZK-005 and ZK-006 against a real ZooKeeper ensemble (Debian's `zookeeper` 3.8 on
//! 127.0.0.1), through the real binary: healthy, one member down, quorum lost, an even
//! ensemble, four-letter words restricted by the whitelist; and endpoints that are closed or
//! accept a connection but never answer.
//!
//! Ensembles are JVMs; on a 2-core machine several starting at once slow each other's
//! elections, so the tests that start one take turns (`ENSEMBLES`).

#[path = "support/findings.rs"]
mod findings;
#[path = "support/zk_ensemble.rs"]
mod zk_ensemble;

use std::net::TcpListener;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use zk_ensemble::{Ensemble, Options};

static ENSEMBLES: Mutex<()> = Mutex::new(());

fn one_ensemble_at_a_time() -> MutexGuard<'static, ()> {
    // A test that panicked still released the ensemble (Drop ran); carry on.
    ENSEMBLES.lock().unwrap_or_else(|e| e.into_inner())
}

/// How long the cluster may take to notice a change (a stopped member, a lost quorum).
const SETTLE_WITHIN: Duration = Duration::from_secs(30);

struct Run {
    code: i32,
    report: Value,
    elapsed: Duration,
}

impl Run {
    fn findings(&self, id: &str) -> Vec<&Value> {
        self.report["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .filter(|f| f["check_id"] == id)
            .collect()
    }

    /// The finding of `id` about the whole ensemble.
    fn ensemble(&self, id: &str) -> &Value {
        self.findings(id)
            .into_iter()
            .find(|f| f["target"]["locator"] == "ensemble")
            .unwrap_or_else(|| panic!("no ensemble finding for {id}:\n{}", self.all()))
    }

    /// The finding of `id` about one endpoint.
    fn endpoint(&self, id: &str, endpoint: &str) -> &Value {
        self.findings(id)
            .into_iter()
            .find(|f| f["target"]["name"] == endpoint && f["target"]["locator"].is_null())
            .unwrap_or_else(|| panic!("no {id} finding for {endpoint}:\n{}", self.all()))
    }

    fn status(&self, id: &str) -> &str {
        self.ensemble(id)["status"].as_str().unwrap_or("?")
    }

    fn all(&self) -> String {
        self.report["findings"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .map(findings::describe)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }
}

fn fabcheck(zookeeper: &str, extra: &[&str]) -> Run {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args([
            "check",
            "--zookeeper",
            zookeeper,
            "-o",
            "json",
            "--select",
            "ZK",
        ])
        .args(extra)
        .output()
        .expect("fabcheck runs");
    let elapsed = started.elapsed();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "fabcheck wrote no JSON report ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Run {
        code: out.status.code().expect("fabcheck exited, not killed"),
        report,
        elapsed,
    }
}

/// Runs fabcheck until `done` holds (the servers noticed a change), at most `SETTLE_WITHIN`.
fn fabcheck_until(zookeeper: &str, done: impl Fn(&Run) -> bool) -> Run {
    let deadline = Instant::now() + SETTLE_WITHIN;
    loop {
        let run = fabcheck(zookeeper, &[]);
        if done(&run) || Instant::now() > deadline {
            return run;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A TCP endpoint that accepts connections and never writes a byte.
fn silent_endpoint() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = l.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        // Holding the accepted sockets keeps them open: the client must time out, not see EOF.
        let mut held = Vec::new();
        for stream in l.incoming().flatten() {
            held.push(stream);
        }
    });
    endpoint
}

#[test]
fn healthy_ensemble_then_one_member_down_then_quorum_lost() {
    let _turn = one_ensemble_at_a_time();
    let mut zk = Ensemble::start(3);
    let eps = zk.endpoints();
    let list = zk.endpoint_list();

    // Healthy: one leader, two followers, both in sync.
    let run = fabcheck(&list, &[]);
    let quorum = run.ensemble("ZK-005");
    assert_eq!(quorum["status"], "pass", "{}", run.all());
    assert_eq!(quorum["target"]["name"], list.as_str());
    assert_eq!(quorum["evidence"]["reachable"], 3);
    let modes = quorum["evidence"]["modes"].as_object().expect("modes");
    let leaders = modes.values().filter(|m| *m == "leader").count();
    let followers = modes.values().filter(|m| *m == "follower").count();
    assert_eq!((leaders, followers), (1, 2), "{modes:?}");
    for ep in &eps {
        assert_eq!(
            run.endpoint("ZK-005", ep)["status"],
            "pass",
            "{}",
            run.all()
        );
        assert!(
            quorum["evidence"]["versions"][ep]
                .as_str()
                .is_some_and(|v| v.starts_with("3.8")),
            "{quorum}"
        );
    }
    let synced = run.ensemble("ZK-006");
    assert_eq!(synced["status"], "pass", "{}", run.all());
    assert_eq!(synced["evidence"]["synced_followers"], 2);
    assert_eq!(synced["evidence"]["expected_synced_followers"], 2);
    assert_eq!(
        synced["evidence"]["ensemble_size_from"]
            .as_str()
            .map(|s| s.starts_with("the conf server list")),
        Some(true)
    );

    // Only one follower named: its serving proves a leader exists, just not where we look.
    let follower = zk.followers()[0];
    let run = fabcheck(&eps[follower], &[]);
    let quorum = run.ensemble("ZK-005");
    assert_eq!(quorum["status"], "warn", "{}", run.all());
    assert!(
        quorum["message"]
            .as_str()
            .unwrap()
            .contains("its leader is not among the endpoint given (their conf lists 3 servers)"),
        "{quorum}"
    );
    assert_eq!(run.status("ZK-006"), "skip", "{}", run.all());

    // The same ensemble plus an endpoint that never answers: bounded by --read-timeout, and
    // the quorum still holds without it.
    let silent = silent_endpoint();
    let run = fabcheck(
        &format!("{list},{silent}"),
        &["--read-timeout", "1s", "--timeout", "5s"],
    );
    assert!(
        run.elapsed < Duration::from_secs(10),
        "took {:?}",
        run.elapsed
    );
    assert_eq!(run.status("ZK-005"), "warn", "{}", run.all());
    let hung = run.endpoint("ZK-005", &silent);
    assert_eq!(hung["status"], "warn");
    assert!(
        hung["message"].as_str().unwrap().contains(&silent)
            && hung["message"]
                .as_str()
                .unwrap()
                .contains("no response within 1000 ms"),
        "{hung}"
    );

    // One follower down: the quorum holds (2 of 3), the leader has 1 of 2 followers in sync.
    zk.stop(follower);
    let run = fabcheck_until(&list, |r| r.status("ZK-006") == "warn");
    let quorum = run.ensemble("ZK-005");
    assert_eq!(quorum["status"], "warn", "{}", run.all());
    assert!(
        quorum["message"]
            .as_str()
            .unwrap()
            .contains("2 of 3 servers reachable"),
        "{quorum}"
    );
    assert!(quorum["evidence"]["leader"].is_string(), "{quorum}");
    assert_eq!(quorum["evidence"]["modes"][&eps[follower]], "unreachable");
    let down = run.endpoint("ZK-005", &eps[follower]);
    assert_eq!(down["status"], "warn");
    assert!(
        down["message"].as_str().unwrap().contains(&eps[follower]),
        "{down}"
    );
    let synced = run.ensemble("ZK-006");
    assert_eq!(synced["status"], "warn", "{}", run.all());
    assert_eq!(synced["evidence"]["synced_followers"], 1);
    assert_eq!(synced["evidence"]["expected_synced_followers"], 2);
    assert!(
        synced["message"]
            .as_str()
            .unwrap()
            .contains("1 of 2 followers in sync"),
        "{synced}"
    );

    // The leader down too: the last server is out of quorum, yet ruok still says imok.
    let leader = zk.leader().expect("a leader while two of three run");
    zk.stop(leader);
    let last = (0..3).find(|&i| zk.is_running(i)).unwrap();
    let run = fabcheck_until(&list, |r| r.status("ZK-005") == "fail");
    let quorum = run.ensemble("ZK-005");
    assert_eq!(quorum["status"], "fail", "{}", run.all());
    assert_eq!(
        quorum["evidence"]["modes"][&eps[last]], "not serving",
        "{quorum}"
    );
    assert_eq!(quorum["evidence"]["ruok"][&eps[last]], "imok", "{quorum}");
    assert!(
        quorum["message"]
            .as_str()
            .unwrap()
            .contains("ruok still answers imok"),
        "{quorum}"
    );
    assert_eq!(run.endpoint("ZK-005", &eps[last])["status"], "fail");
    assert_eq!(run.status("ZK-006"), "skip", "{}", run.all());
}

#[test]
fn four_server_ensemble_has_a_quorum_but_the_wrong_size() {
    let _turn = one_ensemble_at_a_time();
    let zk = Ensemble::start(4);
    let run = fabcheck(&zk.endpoint_list(), &[]);
    assert_eq!(run.status("ZK-005"), "pass", "{}", run.all());
    assert_eq!(run.status("ZK-006"), "pass", "{}", run.all());
    assert_eq!(
        run.ensemble("ZK-006")["evidence"]["expected_synced_followers"],
        3
    );
    // ZK-001 reads the live ensemble size from each server's `conf` server list.
    let size = run.findings("ZK-001");
    assert!(
        size.iter().any(|f| f["status"] == "fail"),
        "ZK-001 should fail a 4-server ensemble:\n{}",
        run.all()
    );
}

#[test]
fn whitelist_of_ruok_only_leaves_sync_unknown_and_says_how_to_fix_it() {
    let _turn = one_ensemble_at_a_time();
    let zk = Ensemble::start_with(
        3,
        Options {
            whitelist: "ruok".into(),
        },
    );
    let run = fabcheck(&zk.endpoint_list(), &[]);
    // ZooKeeper 3.8 always answers srvr (zkServer.sh status needs it), whatever the list
    // says: the role is known, so ZK-005 judges it and records what was refused.
    let quorum = run.ensemble("ZK-005");
    assert_eq!(quorum["status"], "pass", "{}", run.all());
    for ep in zk.endpoints() {
        assert_eq!(
            quorum["evidence"]["not_whitelisted"][&ep],
            serde_json::json!(["mntr", "conf"]),
            "{quorum}"
        );
    }
    // mntr is refused: the leader's synced followers cannot be read. No guess, the fix.
    let synced = run.ensemble("ZK-006");
    assert_eq!(synced["status"], "error", "{}", run.all());
    let message = synced["message"].as_str().unwrap();
    assert!(message.contains("refuses mntr"), "{message}");
    assert!(
        message.contains("4lw.commands.whitelist=srvr,mntr,conf,ruok"),
        "{message}"
    );
}

#[test]
fn a_silent_endpoint_is_bounded_by_the_read_timeout() {
    let silent = silent_endpoint();
    let run = fabcheck(&silent, &["--read-timeout", "1s", "--timeout", "5s"]);
    assert!(
        run.elapsed < Duration::from_secs(10),
        "took {:?}",
        run.elapsed
    );
    let quorum = run.ensemble("ZK-005");
    assert_eq!(quorum["status"], "error", "{}", run.all());
    let message = quorum["message"].as_str().unwrap();
    assert!(message.contains(&silent), "{message}");
    assert!(message.contains("no response within 1000 ms"), "{message}");
    // Nothing answered: the run could not reach what it was told to check.
    assert_eq!(run.code, 3, "{}", run.all());
}

#[test]
fn a_closed_port_is_an_error_naming_it_and_exits_3() {
    let endpoint = format!("127.0.0.1:{}", closed_port());
    let run = fabcheck(&endpoint, &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    let quorum = run.ensemble("ZK-005");
    assert_eq!(quorum["status"], "error");
    let message = quorum["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "failed to connect to {endpoint}: connection refused"
        )),
        "{message}"
    );
    assert_eq!(run.findings("ZK-005").len(), 1, "{}", run.all());
    assert_eq!(run.status("ZK-006"), "skip");

    // The plain command, as an operator would type it, exits 3 as well.
    let status = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["check", "--zookeeper", &endpoint])
        .output()
        .expect("fabcheck runs")
        .status;
    assert_eq!(status.code(), Some(3));
}
