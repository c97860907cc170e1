//! KAFKA-014 to KAFKA-017 against clusters that speak the real Kafka wire format
//! (`support/kafka_broker.rs`, built on the `kafka-protocol` crate), through the real binary:
//! a healthy four-broker cluster, a short ISR, a partition without a leader, a broker with
//! unclean election on, Kafka 1.0 brokers that speak only DescribeConfigs v0, brokers that
//! refuse ApiVersions v0, brokers too old for DescribeConfigs, a broker missing from the
//! metadata, and brokers that close mid-answer, never answer, or refuse connections.

#[path = "support/findings.rs"]
mod findings;
#[path = "support/kafka_broker.rs"]
mod kafka_broker;

use std::process::Command;
use std::time::{Duration, Instant};

use kafka_broker::{BrokerSpec, Cluster, Misbehaviour, Scenario, Seen};
use kafka_protocol::messages::ApiKey;
use serde_json::Value;

const LIVE_CHECKS: &str = "KAFKA-014,KAFKA-015,KAFKA-016,KAFKA-017";

struct Run {
    code: i32,
    report: Value,
    elapsed: Duration,
}

fn check(bootstrap: &str, extra: &[&str]) -> Run {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args([
            "check",
            "--kafka",
            bootstrap,
            "-o",
            "json",
            "--select",
            LIVE_CHECKS,
        ])
        .args(extra)
        .output()
        .expect("run fabcheck");
    let elapsed = started.elapsed();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "report is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Run {
        code: out.status.code().unwrap_or(-1),
        report,
        elapsed,
    }
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

    /// (locator, status) of every finding of `id`, by locator (the report sorts by target
    /// name first, and names carry ephemeral ports).
    fn statuses(&self, id: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .findings(id)
            .into_iter()
            .map(|f| {
                (
                    f["target"]["locator"].as_str().unwrap_or("").to_owned(),
                    f["status"].as_str().unwrap_or("?").to_owned(),
                )
            })
            .collect();
        out.sort();
        out
    }

    /// The finding of `id` whose target locator is `locator`.
    fn at(&self, id: &str, locator: &str) -> &Value {
        self.findings(id)
            .into_iter()
            .find(|f| f["target"]["locator"] == locator)
            .unwrap_or_else(|| panic!("no {id} finding at {locator}:\n{}", self.all()))
    }

    /// The single finding of `id`.
    fn only(&self, id: &str) -> &Value {
        let found = self.findings(id);
        assert_eq!(found.len(), 1, "one {id} finding expected:\n{}", self.all());
        found[0]
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

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

const CHANNELS_PASS: [(&str, &str); 2] = [
    ("topic mychannel partition 0", "pass"),
    ("topic testchainid partition 0", "pass"),
];

fn brokers(statuses: [&str; 4]) -> Vec<(String, String)> {
    (1..=4)
        .zip(statuses)
        .map(|(id, s)| (format!("broker {id}"), s.to_owned()))
        .collect()
}

fn message(f: &Value) -> &str {
    f["message"].as_str().unwrap_or("")
}

fn versions_seen(seen: &[Seen], api: ApiKey) -> Vec<i16> {
    let mut v: Vec<i16> = seen
        .iter()
        .filter(|s| s.api == api)
        .map(|s| s.version)
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn healthy_cluster_passes_every_live_check() {
    let cluster = Cluster::start(Scenario::healthy());
    let run = check(&cluster.bootstrap(), &[]);
    assert_eq!(
        run.statuses("KAFKA-014"),
        pairs(&CHANNELS_PASS),
        "{}",
        run.all()
    );
    assert_eq!(
        run.statuses("KAFKA-015"),
        pairs(&CHANNELS_PASS),
        "{}",
        run.all()
    );
    assert_eq!(
        run.statuses("KAFKA-016"),
        brokers(["pass"; 4]),
        "{}",
        run.all()
    );
    assert_eq!(run.only("KAFKA-017")["status"], "pass");
    assert_eq!(run.code, 0, "{}", run.all());

    let isr = run.at("KAFKA-015", "topic mychannel partition 0");
    assert_eq!(isr["evidence"]["replicas"], serde_json::json!([1, 2, 3]));
    assert_eq!(isr["evidence"]["isr"], serde_json::json!([1, 2, 3]));
    assert_eq!(isr["evidence"]["min_insync_replicas"], 2);
    assert_eq!(isr["evidence"]["min_insync_replicas_from"], "broker 1");
    let b3 = run.at("KAFKA-016", "broker 3");
    assert_eq!(b3["target"]["name"], cluster.endpoint(3));
    assert!(message(b3).contains("M=2 < N=3 < K=4"), "{}", message(b3));
    assert_eq!(b3["evidence"]["describe_configs_version"], 4);
    assert_eq!(b3["evidence"]["values"]["message.max.bytes"], "103809024");
    assert!(message(run.only("KAFKA-017")).starts_with("4 broker(s) registered, 4 expected"));

    // Versions: the highest both sides speak. Each broker was asked for its own configuration,
    // and nobody was asked about Kafka's internal topic.
    let seen = cluster.seen();
    assert_eq!(versions_seen(&seen, ApiKey::ApiVersions), [0]);
    assert_eq!(versions_seen(&seen, ApiKey::Metadata), [12]);
    assert_eq!(versions_seen(&seen, ApiKey::DescribeConfigs), [4]);
    for s in seen.iter().filter(|s| s.api == ApiKey::DescribeConfigs) {
        for (kind, name) in &s.resources {
            match kind {
                4 => assert_eq!(
                    name,
                    &s.broker.to_string(),
                    "broker config asked of another broker"
                ),
                2 => assert_ne!(name, "__consumer_offsets"),
                _ => panic!("unexpected resource type {kind}"),
            }
        }
    }
    let asked_brokers: Vec<i32> = seen
        .iter()
        .filter(|s| s.resources.iter().any(|(k, _)| *k == 4))
        .map(|s| s.broker)
        .collect();
    assert_eq!(asked_brokers.len(), 4, "{seen:?}");
}

#[test]
fn short_isr_fails_kafka_015() {
    let mut scenario = Scenario::healthy();
    scenario.topic_mut("mychannel").partitions[0].isr = vec![1];
    // A topic override above the broker's minimum is honoured: ISR 2 of 3, minimum 3.
    let t = scenario.topic_mut("testchainid");
    t.configs.insert("min.insync.replicas".into(), "3".into());
    t.partitions[0].isr = vec![2, 3];
    let cluster = Cluster::start(scenario);
    let run = check(&cluster.bootstrap(), &[]);
    assert_eq!(
        run.statuses("KAFKA-015"),
        pairs(&[
            ("topic mychannel partition 0", "fail"),
            ("topic testchainid partition 0", "fail")
        ]),
        "{}",
        run.all()
    );
    let short = run.at("KAFKA-015", "topic mychannel partition 0");
    assert!(
        message(short)
            .contains("ISR [1] has 1 in-sync replica(s), below min.insync.replicas=2 (broker 1)"),
        "{}",
        message(short)
    );
    assert_eq!(short["evidence"]["replicas"], serde_json::json!([1, 2, 3]));
    assert_eq!(short["evidence"]["isr"], serde_json::json!([1]));
    assert_eq!(short["evidence"]["min_insync_replicas"], 2);
    let overridden = run.at("KAFKA-015", "topic testchainid partition 0");
    assert!(
        message(overridden).contains("below min.insync.replicas=3 (topic override)"),
        "{}",
        message(overridden)
    );
    assert_eq!(run.statuses("KAFKA-014"), pairs(&CHANNELS_PASS));
    assert_eq!(run.statuses("KAFKA-016"), brokers(["pass"; 4]));
    assert_eq!(run.code, 1);
}

#[test]
fn partition_without_leader_fails_kafka_014() {
    let mut scenario = Scenario::healthy();
    let p = &mut scenario.topic_mut("mychannel").partitions[0];
    p.leader = -1;
    p.isr = vec![1];
    let cluster = Cluster::start(scenario);
    let run = check(&cluster.bootstrap(), &[]);
    assert_eq!(
        run.statuses("KAFKA-014"),
        pairs(&[
            ("topic mychannel partition 0", "fail"),
            ("topic testchainid partition 0", "pass")
        ]),
        "{}",
        run.all()
    );
    let leaderless = run.at("KAFKA-014", "topic mychannel partition 0");
    assert!(
        message(leaderless)
            .contains("topic mychannel partition 0 has no leader (LEADER_NOT_AVAILABLE)"),
        "{}",
        message(leaderless)
    );
    assert_eq!(leaderless["evidence"]["leader"], -1);
    // The ISR Kafka kept is short of the minimum too.
    assert_eq!(
        run.statuses("KAFKA-015"),
        pairs(&[
            ("topic mychannel partition 0", "fail"),
            ("topic testchainid partition 0", "pass")
        ])
    );
    assert_eq!(run.code, 1);
}

#[test]
fn unclean_election_on_one_broker_fails_kafka_016_for_that_broker() {
    let mut scenario = Scenario::healthy();
    scenario
        .broker_mut(3)
        .configs
        .insert("unclean.leader.election.enable".into(), "true".into());
    let cluster = Cluster::start(scenario);
    let run = check(&cluster.bootstrap(), &[]);
    assert_eq!(
        run.statuses("KAFKA-016"),
        brokers(["pass", "pass", "fail", "pass"]),
        "{}",
        run.all()
    );
    let b3 = run.at("KAFKA-016", "broker 3");
    assert_eq!(b3["target"]["name"], cluster.endpoint(3));
    assert!(
        message(b3)
            .starts_with("broker 3: unclean.leader.election.enable=true: an out-of-sync replica"),
        "{}",
        message(b3)
    );
    assert_eq!(
        b3["evidence"]["values"]["unclean.leader.election.enable"],
        "true"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn kafka_1_0_brokers_are_read_with_describe_configs_v0() {
    let mut scenario = Scenario::healthy();
    for b in &mut scenario.brokers {
        *b = b.clone().kafka_1_0();
    }
    // Below replica.fetch.max.bytes: only visible if broker 2's configuration was really read.
    scenario
        .broker_mut(2)
        .configs
        .insert("message.max.bytes".into(), "1048576".into());
    // And a v0 topic override (marked by is_default=false rather than a config source).
    let t = scenario.topic_mut("testchainid");
    t.configs.insert("min.insync.replicas".into(), "3".into());
    let cluster = Cluster::start(scenario);
    let run = check(&cluster.bootstrap(), &[]);
    assert_eq!(
        run.statuses("KAFKA-016"),
        brokers(["pass", "fail", "pass", "pass"]),
        "{}",
        run.all()
    );
    let b2 = run.at("KAFKA-016", "broker 2");
    assert!(
        message(b2)
            .contains("replica.fetch.max.bytes=103809024 is above message.max.bytes=1048576"),
        "{}",
        message(b2)
    );
    for f in run.findings("KAFKA-016") {
        assert_eq!(
            f["evidence"]["describe_configs_version"],
            0,
            "{}",
            findings::describe(f)
        );
    }
    let overridden = run.at("KAFKA-015", "topic testchainid partition 0");
    assert_eq!(overridden["status"], "pass");
    assert_eq!(
        overridden["evidence"]["min_insync_replicas_from"],
        "topic override"
    );
    assert_eq!(overridden["evidence"]["min_insync_replicas"], 3);
    assert_eq!(run.statuses("KAFKA-014"), pairs(&CHANNELS_PASS));
    assert_eq!(run.only("KAFKA-017")["status"], "pass");

    let seen = cluster.seen();
    assert_eq!(versions_seen(&seen, ApiKey::ApiVersions), [0]);
    assert_eq!(versions_seen(&seen, ApiKey::Metadata), [5]);
    assert_eq!(versions_seen(&seen, ApiKey::DescribeConfigs), [0]);
}

#[test]
fn brokers_of_different_versions_are_each_asked_in_their_own() {
    let mut scenario = Scenario::healthy();
    let old = scenario.broker_mut(3).clone().kafka_1_0();
    *scenario.broker_mut(3) = old;
    let cluster = Cluster::start(scenario);
    let run = check(&cluster.bootstrap(), &[]);
    assert_eq!(
        run.statuses("KAFKA-016"),
        brokers(["pass"; 4]),
        "{}",
        run.all()
    );
    let used: Vec<i64> = (1..=4)
        .map(|id| {
            run.at("KAFKA-016", &format!("broker {id}"))["evidence"]["describe_configs_version"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(used, [4, 4, 0, 4]);
    let to_3: Vec<i16> = cluster
        .seen()
        .iter()
        .filter(|s| s.broker == 3 && s.api == ApiKey::DescribeConfigs)
        .map(|s| s.version)
        .collect();
    assert_eq!(to_3, [0]);
}

#[test]
fn brokers_before_kafka_0_11_cannot_be_judged_and_say_so() {
    let mut scenario = Scenario::healthy();
    for b in &mut scenario.brokers {
        b.describe_configs_max = None;
    }
    let cluster = Cluster::start(scenario);
    let run = check(&cluster.bootstrap(), &[]);
    assert_eq!(
        run.statuses("KAFKA-016"),
        brokers(["error"; 4]),
        "{}",
        run.all()
    );
    assert!(
        message(run.at("KAFKA-016", "broker 1"))
            .contains("offers no DescribeConfigs version fabcheck speaks"),
        "{}",
        run.all()
    );
    // Without topic overrides the minimum ISR is unknown: an error, never a guessed pass.
    let expected = [
        ("topic mychannel partition 0", "error"),
        ("topic testchainid partition 0", "error"),
    ];
    assert_eq!(run.statuses("KAFKA-015"), pairs(&expected), "{}", run.all());
    assert_eq!(run.statuses("KAFKA-014"), pairs(&CHANNELS_PASS));
    assert_eq!(run.code, 1);
}

#[test]
fn broker_refusing_api_versions_v0_is_asked_again_in_its_version() {
    let mut scenario = Scenario::healthy();
    for b in &mut scenario.brokers {
        b.api_versions = (3, 4);
    }
    let cluster = Cluster::start(scenario);
    let run = check(&cluster.bootstrap(), &[]);
    assert_eq!(
        run.statuses("KAFKA-014"),
        pairs(&CHANNELS_PASS),
        "{}",
        run.all()
    );
    assert_eq!(
        run.statuses("KAFKA-016"),
        brokers(["pass"; 4]),
        "{}",
        run.all()
    );
    assert_eq!(run.code, 0);
    // v0 first (answered UNSUPPORTED_VERSION with the broker's range), then v4 on every connection.
    let seen = cluster.seen();
    assert_eq!(versions_seen(&seen, ApiKey::ApiVersions), [0, 4]);
    let first_two: Vec<(ApiKey, i16)> = seen.iter().take(2).map(|s| (s.api, s.version)).collect();
    assert_eq!(
        first_two,
        [(ApiKey::ApiVersions, 0), (ApiKey::ApiVersions, 4)]
    );
}

#[test]
fn broker_closing_mid_response_is_an_error_not_a_hang() {
    let mut scenario = Scenario::healthy();
    scenario.broker_mut(1).misbehaviour = Some(Misbehaviour::CloseMidResponse(ApiKey::Metadata));
    let cluster = Cluster::start(scenario);
    let endpoint = cluster.endpoint(1);
    let run = check(&endpoint, &[]);
    for id in ["KAFKA-014", "KAFKA-015", "KAFKA-016", "KAFKA-017"] {
        let f = run.only(id);
        assert_eq!(f["status"], "error", "{}", run.all());
        assert_eq!(f["target"]["name"], endpoint.as_str());
        let m = message(f);
        assert!(
            m.starts_with(&format!(
                "failed to read from {endpoint}: connection closed after "
            )) && m.ends_with("bytes of the Metadata v12 response"),
            "{m}"
        );
    }
    assert_eq!(run.code, 1, "an answer that broke off is not 'unreachable'");
    assert!(
        run.elapsed < Duration::from_secs(10),
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn broker_closing_mid_config_answer_errors_only_that_broker() {
    let mut scenario = Scenario::healthy();
    scenario.broker_mut(4).misbehaviour =
        Some(Misbehaviour::CloseMidResponse(ApiKey::DescribeConfigs));
    let cluster = Cluster::start(scenario);
    let run = check(&cluster.bootstrap(), &[]);
    assert_eq!(
        run.statuses("KAFKA-016"),
        brokers(["pass", "pass", "pass", "error"]),
        "{}",
        run.all()
    );
    let b4 = run.at("KAFKA-016", "broker 4");
    let expected = format!(
        "broker 4: configuration could not be read: failed to read from {}: connection closed after",
        cluster.endpoint(4)
    );
    assert!(message(b4).starts_with(&expected), "{}", message(b4));
    assert_eq!(run.statuses("KAFKA-014"), pairs(&CHANNELS_PASS));
    assert_eq!(run.statuses("KAFKA-015"), pairs(&CHANNELS_PASS));
    assert_eq!(run.code, 1);
}

#[test]
fn silent_broker_is_bounded_by_the_read_timeout() {
    let mut scenario = Scenario::healthy();
    scenario.broker_mut(1).misbehaviour = Some(Misbehaviour::Silent(ApiKey::ApiVersions));
    let cluster = Cluster::start(scenario);
    let endpoint = cluster.endpoint(1);
    let run = check(&endpoint, &["--read-timeout", "1s", "--timeout", "5s"]);
    assert!(
        run.elapsed < Duration::from_secs(4),
        "took {:?}",
        run.elapsed
    );
    for id in ["KAFKA-014", "KAFKA-015", "KAFKA-016", "KAFKA-017"] {
        let f = run.only(id);
        assert_eq!(f["status"], "error", "{}", run.all());
        assert_eq!(
            message(f),
            format!(
                "failed to get an answer from {endpoint}: no response within 1000 ms (waiting for the ApiVersions v0 response)"
            )
        );
    }
    // `LiveState::nothing_reached` counts a probe that timed out as not reached.
    assert_eq!(run.code, 3);
}

#[test]
fn silent_broker_config_times_out_for_that_broker_only() {
    let mut scenario = Scenario::healthy();
    scenario.broker_mut(2).misbehaviour = Some(Misbehaviour::Silent(ApiKey::DescribeConfigs));
    let cluster = Cluster::start(scenario);
    let run = check(
        &cluster.bootstrap(),
        &["--read-timeout", "1s", "--timeout", "5s"],
    );
    assert!(
        run.elapsed < Duration::from_secs(4),
        "took {:?}",
        run.elapsed
    );
    assert_eq!(
        run.statuses("KAFKA-016"),
        brokers(["pass", "error", "pass", "pass"]),
        "{}",
        run.all()
    );
    assert!(
        message(run.at("KAFKA-016", "broker 2"))
            .contains("no response within 1000 ms (waiting for the DescribeConfigs v4 response)")
    );
    assert_eq!(run.code, 1);
}

#[test]
fn three_of_four_brokers_registered_fails_kafka_017() {
    let mut scenario = Scenario::healthy();
    scenario.broker_mut(4).registered = false;
    scenario.topic_mut("testchainid").partitions[0].isr = vec![2, 3];
    let cluster = Cluster::start(scenario);
    let run = check(&cluster.bootstrap(), &[]);
    let missing = run.only("KAFKA-017");
    assert_eq!(missing["status"], "fail", "{}", run.all());
    assert_eq!(
        message(missing),
        "3 broker(s) registered, 4 expected (one per distinct bootstrap endpoint): registered ids [1, 2, 3]"
    );
    assert_eq!(
        missing["evidence"]["registered"],
        serde_json::json!([1, 2, 3])
    );
    assert_eq!(missing["evidence"]["expected"], 4);
    // With three brokers left, a replication factor of 3 is no longer below K.
    assert_eq!(
        run.statuses("KAFKA-016"),
        pairs(&[
            ("broker 1", "fail"),
            ("broker 2", "fail"),
            ("broker 3", "fail")
        ]),
        "{}",
        run.all()
    );
    assert!(message(run.at("KAFKA-016", "broker 1")).contains("not below the broker count K=3"));
    assert_eq!(run.statuses("KAFKA-014"), pairs(&CHANNELS_PASS));
    assert_eq!(run.statuses("KAFKA-015"), pairs(&CHANNELS_PASS));
    assert_eq!(run.code, 1);
}

#[test]
fn all_bootstrap_endpoints_refused_exits_3() {
    // Ports that were just free: bound, then released.
    let ports: Vec<u16> = (0..2)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let bootstrap = format!("127.0.0.1:{},127.0.0.1:{}", ports[0], ports[1]);
    let run = check(&bootstrap, &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    for id in ["KAFKA-014", "KAFKA-015", "KAFKA-016", "KAFKA-017"] {
        let f = run.only(id);
        assert_eq!(f["status"], "error");
        assert_eq!(f["target"]["name"], bootstrap.as_str());
        let m = message(f);
        for p in &ports {
            assert!(
                m.contains(&format!(
                    "failed to connect to 127.0.0.1:{p}: connection refused"
                )),
                "{m}"
            );
        }
    }
}

#[test]
fn test_broker_stops_when_dropped() {
    let cluster = Cluster::start(Scenario {
        brokers: vec![BrokerSpec::new(1, kafka_broker::good_config())],
        topics: vec![],
        controller: 1,
    });
    let endpoint = cluster.endpoint(1);
    assert!(std::net::TcpStream::connect(&endpoint).is_ok());
    drop(cluster);
    // The listener closes when the runtime drops the aborted accept task, a moment later.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while std::net::TcpStream::connect(&endpoint).is_ok() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        std::net::TcpStream::connect(&endpoint).is_err(),
        "listener still open 2 s after drop"
    );
}
