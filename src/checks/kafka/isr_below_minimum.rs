//! KAFKA-015 `isr-below-minimum`: a channel partition with fewer in-sync replicas than its
//! `min.insync.replicas`, or with an ISR member outside its replica list.
//!
//! The minimum is the one the leader enforces: the topic's override if it has one, else the
//! leader broker's effective `min.insync.replicas`, else Kafka's default of 1. A partition with
//! no leader is judged by the first of its replicas whose configuration was read: the setting
//! is normally the same on every broker, and that is closer than the default.

use std::collections::BTreeSet;

use crate::checks::kafka::rules::{defaults, parse_int};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::live::{KafkaCluster, KafkaPartition, KafkaTopic};

use super::partition_without_leader::{channels, live_cluster, partition_target};

const KEY: &str = "min.insync.replicas";

pub struct IsrBelowMinimum;

impl Check for IsrBelowMinimum {
    fn id(&self) -> &'static str {
        "KAFKA-015"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let (obs, cluster) = match live_cluster(inv) {
            Ok(found) => found,
            Err(outcomes) => return outcomes,
        };
        let mut out = Vec::new();
        for topic in channels(cluster) {
            if topic.partitions.is_empty() {
                if let Some(err) = &topic.error {
                    out.push(
                        Outcome::new(
                            Status::Error,
                            partition_target(obs, &topic.name, None),
                            format!(
                                "topic {} has no partition metadata: the broker answered {err}",
                                topic.name
                            ),
                        )
                        .with("error", err.as_str()),
                    );
                }
                continue;
            }
            for p in &topic.partitions {
                let (status, message, min) = judge(cluster, topic, p);
                let (min_value, min_source) = match &min {
                    Ok((m, source)) => (
                        serde_json::Value::from(*m),
                        serde_json::Value::from(source.as_str()),
                    ),
                    Err(_) => (serde_json::Value::Null, serde_json::Value::Null),
                };
                out.push(
                    Outcome::new(
                        status,
                        partition_target(obs, &topic.name, Some(p.id)),
                        message,
                    )
                    .with("replicas", p.replicas.clone())
                    .with("isr", p.isr.clone())
                    .with("min_insync_replicas", min_value)
                    .with("min_insync_replicas_from", min_source),
                );
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "Kafka channel partitions");
        }
        out
    }
}

type Minimum = Result<(i64, String), String>;

fn judge(
    cluster: &KafkaCluster,
    topic: &KafkaTopic,
    p: &KafkaPartition,
) -> (Status, String, Minimum) {
    let name = format!("topic {} partition {}", topic.name, p.id);
    let replicas: BTreeSet<i32> = p.replicas.iter().copied().collect();
    let outside: Vec<i32> = p
        .isr
        .iter()
        .copied()
        .filter(|r| !replicas.contains(r))
        .collect();
    let min = required_minimum(cluster, topic, p);
    let mut problems = Vec::new();
    if !outside.is_empty() {
        problems.push(format!(
            "ISR {:?} includes {outside:?}, not in the replica list {:?}: the metadata is inconsistent",
            p.isr, p.replicas
        ));
    }
    let isr = p.isr.len();
    match &min {
        Ok((m, source)) if (isr as i64) < *m => problems.push(format!(
            "ISR {:?} has {isr} in-sync replica(s), below min.insync.replicas={m} ({source}): writes fail with NOT_ENOUGH_REPLICAS",
            p.isr
        )),
        Ok(_) => {}
        // Kafka refuses a minimum below 1, so an empty ISR is short whatever the setting says.
        Err(_) if isr == 0 => problems.push(format!("ISR is empty (replicas {:?}): writes fail with NOT_ENOUGH_REPLICAS", p.replicas)),
        Err(_) => {}
    }
    if !problems.is_empty() {
        return (
            Status::Fail,
            format!("{name}: {}", problems.join("; ")),
            min,
        );
    }
    match &min {
        Ok((m, source)) => (
            Status::Pass,
            format!(
                "{name}: {isr} of {} replicas in sync, min.insync.replicas={m} ({source})",
                p.replicas.len()
            ),
            min.clone(),
        ),
        Err(why) => (
            Status::Error,
            format!("{name}: min.insync.replicas is unknown: {why}"),
            min.clone(),
        ),
    }
}

/// The `min.insync.replicas` that applies to a partition, with where it came from; an error
/// when it cannot be known (a configuration that could not be read, or a value that is not a
/// number), because guessing the default there could pass a partition that is short.
fn required_minimum(cluster: &KafkaCluster, topic: &KafkaTopic, p: &KafkaPartition) -> Minimum {
    if let Some(v) = topic.configs.get(KEY) {
        return parse_int(KEY, v).map(|m| (m, "topic override".to_owned()));
    }
    if let Some(err) = &topic.configs_error {
        return Err(format!(
            "the topic's configuration could not be read: {err}"
        ));
    }
    let judge_by = if p.leader >= 0 {
        Some(p.leader)
    } else {
        p.replicas
            .iter()
            .copied()
            .find(|r| matches!(cluster.broker_configs.get(r), Some(Ok(_))))
    };
    if let Some(broker) = judge_by {
        match cluster.broker_configs.get(&broker) {
            Some(Ok(config)) => {
                if let Some(v) = config.get(KEY) {
                    return parse_int(KEY, v).map(|m| (m, format!("broker {broker}")));
                }
            }
            Some(Err(err)) => {
                return Err(format!(
                    "broker {broker}'s configuration could not be read: {err}"
                ));
            }
            // A leader that is not registered has no configuration to read (KAFKA-014).
            None => {}
        }
    }
    Ok((defaults::MIN_INSYNC_REPLICAS, "Kafka default".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::super::partition_without_leader::live_testing::*;
    use super::*;

    fn run(cluster: KafkaCluster) -> Vec<Outcome> {
        IsrBelowMinimum.evaluate(&ctx(), &inventory(cluster))
    }

    #[test]
    fn full_isr_passes_with_evidence() {
        let out = run(healthy());
        assert_eq!(out.len(), 2, "internal topics are not judged: {out:?}");
        assert!(out.iter().all(|o| o.status == Status::Pass), "{out:?}");
        assert_eq!(out[0].evidence["min_insync_replicas"], 2);
        assert_eq!(out[0].evidence["min_insync_replicas_from"], "broker 1");
        assert_eq!(out[0].evidence["isr"], serde_json::json!([1, 2, 3]));
    }

    #[test]
    fn isr_below_broker_minimum_fails() {
        let mut c = healthy();
        c.topics[1].partitions[0].isr = vec![1];
        let out = run(c);
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0].message.contains(
                "ISR [1] has 1 in-sync replica(s), below min.insync.replicas=2 (broker 1)"
            ),
            "{}",
            out[0].message
        );
        assert_eq!(out[1].status, Status::Pass);
    }

    #[test]
    fn topic_override_wins_over_the_broker() {
        let mut c = healthy();
        c.topics[1].configs.insert(KEY.into(), "3".into());
        c.topics[1].partitions[0].isr = vec![1, 2];
        let out = run(c.clone());
        assert_eq!(out[0].status, Status::Fail);
        assert_eq!(
            out[0].evidence["min_insync_replicas_from"],
            "topic override"
        );
        c.topics[1].configs.insert(KEY.into(), "1".into());
        assert_eq!(run(c)[0].status, Status::Pass);
    }

    #[test]
    fn default_applies_when_no_one_sets_it() {
        let mut c = healthy();
        for cfg in c.broker_configs.values_mut() {
            cfg.as_mut().unwrap().remove(KEY);
        }
        c.topics[1].partitions[0].isr = vec![1];
        let out = run(c);
        assert_eq!(out[0].status, Status::Pass);
        assert_eq!(out[0].evidence["min_insync_replicas_from"], "Kafka default");
    }

    #[test]
    fn isr_member_outside_replicas_fails() {
        let mut c = healthy();
        c.topics[1].partitions[0].isr = vec![1, 2, 4];
        let out = run(c);
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0]
                .message
                .contains("includes [4], not in the replica list [1, 2, 3]"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn unknown_minimum_is_an_error_not_a_pass() {
        let mut c = healthy();
        c.broker_configs.insert(
            1,
            Err("failed to connect to kafka1:9092: connection refused".into()),
        );
        let out = run(c.clone());
        assert_eq!(out[0].status, Status::Error);
        assert!(
            out[0]
                .message
                .contains("broker 1's configuration could not be read"),
            "{}",
            out[0].message
        );
        // ... unless the ISR is empty, which is short of any minimum.
        c.topics[1].partitions[0].isr.clear();
        assert_eq!(run(c.clone())[0].status, Status::Fail);
        c.topics[2].configs_error = Some("UNKNOWN_SERVER_ERROR".into());
        assert_eq!(run(c.clone())[1].status, Status::Error);
        c.topics[2].configs.insert(KEY.into(), "two".into());
        assert_eq!(
            run(c)[1].status,
            Status::Error,
            "a value that is not a number cannot be judged"
        );
    }

    #[test]
    fn leaderless_partition_is_judged_by_its_replicas() {
        let mut c = healthy();
        c.topics[1].partitions = vec![partition(0, -1, &[1, 2, 3], &[3])];
        let out = run(c);
        assert_eq!(out[0].status, Status::Fail);
        assert_eq!(out[0].evidence["min_insync_replicas_from"], "broker 1");
    }

    #[test]
    fn nothing_probed_skips_and_failed_probe_errors() {
        let out = IsrBelowMinimum.evaluate(&ctx(), &Inventory::default());
        assert_eq!((out.len(), out[0].status), (1, Status::Skip));
        let out = IsrBelowMinimum.evaluate(&ctx(), &unreachable());
        assert_eq!((out.len(), out[0].status), (1, Status::Error));
        assert!(out[0].message.contains("k0:9092"));
    }
}
