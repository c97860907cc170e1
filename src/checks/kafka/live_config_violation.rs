//! KAFKA-016 `live-config-violation`: a running broker's effective configuration, as
//! DescribeConfigs reports it, breaks the Kafka rules the static checks apply (KAFKA-002, -003,
//! -004, -005, -006), through the same rule functions in [`super::rules`].
//!
//! One finding per registered broker, with the worst verdict of the rules and every rule's
//! verdict in the evidence. The broker count K for the replication rule is the number of
//! brokers in the metadata; `AbsoluteMaxBytes` lives in the channel configuration, not on the
//! broker, so the size rule judges the broker limits alone.

use serde_json::json;

use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::probe::kafka::broker_endpoint;

use super::partition_without_leader::live_cluster;
use super::rules::{self, Verdict};

/// The broker settings the rules read.
const SETTINGS: [&str; 7] = [
    "unclean.leader.election.enable",
    "min.insync.replicas",
    "default.replication.factor",
    "replica.fetch.max.bytes",
    "message.max.bytes",
    "socket.request.max.bytes",
    "log.retention.ms",
];

pub struct LiveConfigViolation;

impl Check for LiveConfigViolation {
    fn id(&self) -> &'static str {
        "KAFKA-016"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let (_, cluster) = match live_cluster(inv) {
            Ok(found) => found,
            Err(outcomes) => return outcomes,
        };
        let brokers = cluster.brokers.len();
        let mut out = Vec::new();
        for broker in &cluster.brokers {
            let target = Target::new(
                TargetKind::Endpoint,
                broker_endpoint(&broker.host, broker.port),
            )
            .with_locator(Some(format!("broker {}", broker.id)));
            let config = match cluster.broker_configs.get(&broker.id) {
                Some(Ok(config)) => config,
                Some(Err(reason)) => {
                    out.push(Outcome::new(
                        Status::Error,
                        target,
                        format!(
                            "broker {}: configuration could not be read: {reason}",
                            broker.id
                        ),
                    ));
                    continue;
                }
                None => {
                    out.push(Outcome::new(
                        Status::Error,
                        target,
                        format!("broker {}: configuration was not read", broker.id),
                    ));
                    continue;
                }
            };
            let get = |name: &str| config.get(name).map(String::as_str);
            let verdicts: [(&str, Verdict); 5] = [
                (
                    "unclean-leader-election",
                    rules::unclean_leader_election(get("unclean.leader.election.enable")),
                ),
                (
                    "min-insync-replicas",
                    rules::min_insync_replicas(get("min.insync.replicas")),
                ),
                (
                    "replication-factor",
                    rules::replication_factor(
                        get("min.insync.replicas"),
                        get("default.replication.factor"),
                        Some(brokers),
                    ),
                ),
                (
                    "message-sizes",
                    rules::message_sizes(
                        None,
                        get("replica.fetch.max.bytes"),
                        get("message.max.bytes"),
                        get("socket.request.max.bytes"),
                    ),
                ),
                (
                    "log-retention",
                    rules::log_retention(get("log.retention.ms")),
                ),
            ];
            let worst = verdicts
                .iter()
                .map(|(_, v)| v.status)
                .max()
                .unwrap_or(Status::Pass);
            // The message carries what needs fixing; when nothing does, what was confirmed.
            let shown: Vec<&str> = verdicts
                .iter()
                .filter(|(_, v)| worst == Status::Pass || v.status != Status::Pass)
                .map(|(_, v)| v.message.as_str())
                .collect();
            let values: serde_json::Map<String, serde_json::Value> = SETTINGS
                .iter()
                .map(|&name| {
                    (
                        name.to_owned(),
                        get(name).map_or(serde_json::Value::Null, |v| json!(v)),
                    )
                })
                .collect();
            let rules_evidence: Vec<serde_json::Value> = verdicts
                .iter()
                .map(|(rule, v)| json!({ "rule": rule, "status": v.status, "message": v.message }))
                .collect();
            let mut outcome = Outcome::new(
                worst,
                target,
                format!("broker {}: {}", broker.id, shown.join("; ")),
            )
            .with("rules", rules_evidence)
            .with("values", values)
            .with("brokers", brokers);
            if let Some(v) = cluster.config_versions.get(&broker.id) {
                outcome = outcome.with("describe_configs_version", *v);
            }
            out.push(outcome);
        }
        if out.is_empty() {
            return crate::checks::nothing_to_check(inv, "registered Kafka brokers");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::partition_without_leader::live_testing::*;
    use super::*;
    use crate::inventory::live::KafkaCluster;

    fn run(cluster: KafkaCluster) -> Vec<Outcome> {
        LiveConfigViolation.evaluate(&ctx(), &inventory(cluster))
    }

    #[test]
    fn brokers_meeting_every_rule_pass() {
        let out = run(healthy());
        assert_eq!(out.len(), 4);
        for o in &out {
            assert_eq!(o.status, Status::Pass, "{}", o.message);
        }
        assert_eq!(out[0].target.name, "kafka1:9092");
        assert_eq!(out[0].target.locator.as_deref(), Some("broker 1"));
        assert!(
            out[0].message.contains("M=2 < N=3 < K=4"),
            "{}",
            out[0].message
        );
        assert_eq!(out[0].evidence["describe_configs_version"], 0);
        assert_eq!(out[0].evidence["values"]["log.retention.ms"], "-1");
        assert_eq!(out[0].evidence["rules"].as_array().unwrap().len(), 5);
    }

    #[test]
    fn unclean_election_on_one_broker_fails_that_broker() {
        let mut c = healthy();
        c.broker_configs
            .get_mut(&3)
            .unwrap()
            .as_mut()
            .unwrap()
            .insert("unclean.leader.election.enable".into(), "true".into());
        let out = run(c);
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(
            statuses,
            [Status::Pass, Status::Pass, Status::Fail, Status::Pass]
        );
        assert!(
            out[2]
                .message
                .starts_with("broker 3: unclean.leader.election.enable=true"),
            "{}",
            out[2].message
        );
        assert!(
            !out[2].message.contains("log.retention.ms=-1"),
            "passing rules stay in the evidence only"
        );
        assert_eq!(out[2].evidence["rules"][0]["status"], "fail");
    }

    #[test]
    fn worst_verdict_wins_and_all_rules_are_evaluated() {
        let mut c = healthy();
        let cfg = c.broker_configs.get_mut(&1).unwrap().as_mut().unwrap();
        cfg.remove("log.retention.ms");
        assert_eq!(run(c.clone())[0].status, Status::Warn);
        let cfg = c.broker_configs.get_mut(&1).unwrap().as_mut().unwrap();
        cfg.insert("message.max.bytes".into(), "1000012".into());
        cfg.insert("default.replication.factor".into(), "4".into());
        let out = run(c.clone());
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0].message.contains("not below the broker count K=4"),
            "{}",
            out[0].message
        );
        assert!(
            out[0]
                .message
                .contains("replica.fetch.max.bytes=103809024 is above message.max.bytes=1000012")
        );
        assert!(out[0].message.contains("log.retention.ms is not set"));
        let cfg = c.broker_configs.get_mut(&1).unwrap().as_mut().unwrap();
        cfg.insert("min.insync.replicas".into(), "two".into());
        assert_eq!(run(c)[0].status, Status::Error);
    }

    #[test]
    fn unreadable_broker_config_is_an_error_for_that_broker() {
        let mut c = healthy();
        c.broker_configs.insert(
            2,
            Err("failed to connect to kafka2:9092: connection refused".into()),
        );
        let out = run(c);
        assert_eq!(out[1].status, Status::Error);
        assert!(
            out[1].message.contains("kafka2:9092: connection refused"),
            "{}",
            out[1].message
        );
        assert_eq!(out[0].status, Status::Pass);
    }

    #[test]
    fn nothing_probed_skips_and_failed_probe_errors() {
        let out = LiveConfigViolation.evaluate(&ctx(), &Inventory::default());
        assert_eq!((out.len(), out[0].status), (1, Status::Skip));
        let out = LiveConfigViolation.evaluate(&ctx(), &unreachable());
        assert_eq!((out.len(), out[0].status), (1, Status::Error));
    }
}
