//! KAFKA-014 `partition-without-leader`: a channel partition that the live cluster reports with
//! no leader (leader -1), or with a leader id that is not a registered broker.
//!
//! Also the home of what every live Kafka check (KAFKA-014 to KAFKA-017) starts with:
//! `live_cluster` and the targets findings name. They live here rather than in a module of
//! their own because `kafka/mod.rs` lists one module per check.

use std::collections::BTreeSet;

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::{KafkaCluster, KafkaObservation, KafkaTopic};

pub struct PartitionWithoutLeader;

impl Check for PartitionWithoutLeader {
    fn id(&self) -> &'static str {
        "KAFKA-014"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let (obs, cluster) = match live_cluster(inv) {
            Ok(found) => found,
            Err(outcomes) => return outcomes,
        };
        let registered: BTreeSet<i32> = cluster.brokers.iter().map(|b| b.id).collect();
        let mut out = Vec::new();
        for topic in channels(cluster) {
            if topic.partitions.is_empty() {
                if let Some(err) = &topic.error {
                    // A topic-level LEADER_NOT_AVAILABLE is the same stall reported one level up;
                    // any other topic error means the partitions could not be examined.
                    let status = if err == "LEADER_NOT_AVAILABLE" {
                        Status::Fail
                    } else {
                        Status::Error
                    };
                    out.push(
                        Outcome::new(
                            status,
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
                let (status, message) = if p.leader < 0 {
                    let why = p
                        .error
                        .as_ref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default();
                    (
                        Status::Fail,
                        format!(
                            "topic {} partition {} has no leader{why}; replicas {:?}, ISR {:?}: nobody can write to the channel",
                            topic.name, p.id, p.replicas, p.isr
                        ),
                    )
                } else if !registered.contains(&p.leader) {
                    (
                        Status::Fail,
                        format!(
                            "topic {} partition {} names leader {}, which is not a registered broker (registered: {:?})",
                            topic.name, p.id, p.leader, registered
                        ),
                    )
                } else {
                    (
                        Status::Pass,
                        format!(
                            "topic {} partition {} is led by broker {}",
                            topic.name, p.id, p.leader
                        ),
                    )
                };
                let mut outcome = Outcome::new(
                    status,
                    partition_target(obs, &topic.name, Some(p.id)),
                    message,
                )
                .with("leader", p.leader)
                .with("replicas", p.replicas.clone())
                .with("isr", p.isr.clone());
                if let Some(e) = &p.error {
                    outcome = outcome.with("error", e.as_str());
                }
                out.push(outcome);
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "Kafka channel partitions");
        }
        out
    }
}

/// The observed cluster, or what a live Kafka check reports instead: a single `skip` when no
/// Kafka endpoint was given, a single `error` naming the endpoint(s) and the reason when the
/// probe got no usable answer.
pub(super) fn live_cluster(
    inv: &Inventory,
) -> Result<(&KafkaObservation, &KafkaCluster), Vec<Outcome>> {
    let Some(obs) = inv.live.kafka.as_ref() else {
        return Err(nothing_to_check(inv, "live Kafka cluster"));
    };
    match &obs.result {
        Ok(cluster) => Ok((obs, cluster)),
        Err(e) => {
            let endpoint = if e.endpoint().is_empty() {
                obs.bootstrap.join(",")
            } else {
                e.endpoint().to_owned()
            };
            Err(vec![
                Outcome::new(
                    Status::Error,
                    Target::new(TargetKind::Endpoint, endpoint),
                    e.to_string(),
                )
                .with("bootstrap", obs.bootstrap.clone()),
            ])
        }
    }
}

/// The topics that are Fabric channels: every topic but Kafka's internal ones.
pub(super) fn channels(cluster: &KafkaCluster) -> impl Iterator<Item = &KafkaTopic> {
    cluster.topics.iter().filter(|t| !t.internal)
}

/// The cluster as a target: the bootstrap list as given, so that the name does not change
/// with whichever endpoint happened to answer first.
pub(super) fn cluster_target(obs: &KafkaObservation) -> Target {
    Target::new(TargetKind::Endpoint, obs.bootstrap.join(","))
}

/// A topic's partition (or the whole topic) as a target.
pub(super) fn partition_target(
    obs: &KafkaObservation,
    topic: &str,
    partition: Option<i32>,
) -> Target {
    let locator = match partition {
        Some(p) => format!("topic {topic} partition {p}"),
        None => format!("topic {topic}"),
    };
    cluster_target(obs).with_locator(Some(locator))
}

/// Hand-built clusters for the live checks' unit tests.
#[cfg(test)]
pub(super) mod live_testing {
    use std::collections::BTreeMap;

    use crate::context::Context;
    use crate::inventory::Inventory;
    use crate::inventory::live::{
        KafkaBroker, KafkaCluster, KafkaObservation, KafkaPartition, KafkaTopic, LiveState,
    };
    use crate::probe::ProbeError;

    pub fn ctx() -> Context {
        Context::at(time::macros::datetime!(2026-01-01 0:00 UTC))
    }

    pub fn partition(id: i32, leader: i32, replicas: &[i32], isr: &[i32]) -> KafkaPartition {
        KafkaPartition {
            id,
            leader,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            error: (leader < 0).then(|| "LEADER_NOT_AVAILABLE".into()),
        }
    }

    pub fn topic(name: &str, partitions: Vec<KafkaPartition>) -> KafkaTopic {
        KafkaTopic {
            name: name.into(),
            partitions,
            ..KafkaTopic::default()
        }
    }

    /// Broker settings that meet every Kafka rule of the Fabric guide.
    pub fn good_config() -> BTreeMap<String, String> {
        [
            ("unclean.leader.election.enable", "false"),
            ("min.insync.replicas", "2"),
            ("default.replication.factor", "3"),
            ("message.max.bytes", "103809024"),
            ("replica.fetch.max.bytes", "103809024"),
            ("socket.request.max.bytes", "104857600"),
            ("log.retention.ms", "-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Four brokers, two channels with three replicas all in sync, and an internal topic that
    /// would fail every rule if it were judged.
    pub fn healthy() -> KafkaCluster {
        let mut c = KafkaCluster {
            answered_by: "k0:9092".into(),
            controller_id: Some(1),
            ..KafkaCluster::default()
        };
        for id in 1..=4 {
            c.brokers.push(KafkaBroker {
                id,
                host: format!("kafka{id}"),
                port: 9092,
            });
            c.broker_configs.insert(id, Ok(good_config()));
            c.config_versions.insert(id, 0);
        }
        c.topics = vec![
            KafkaTopic {
                internal: true,
                ..topic("__consumer_offsets", vec![partition(0, -1, &[1], &[])])
            },
            topic("mychannel", vec![partition(0, 1, &[1, 2, 3], &[1, 2, 3])]),
            topic("testchainid", vec![partition(0, 2, &[2, 3, 4], &[2, 3, 4])]),
        ];
        c
    }

    pub fn bootstrap() -> Vec<String> {
        (0..4).map(|i| format!("k{i}:9092")).collect()
    }

    pub fn inventory(cluster: KafkaCluster) -> Inventory {
        with(Ok(cluster), bootstrap())
    }

    pub fn with(result: Result<KafkaCluster, ProbeError>, bootstrap: Vec<String>) -> Inventory {
        Inventory {
            source: format!("kafka:{}", bootstrap.join(",")),
            live: LiveState {
                kafka: Some(KafkaObservation { bootstrap, result }),
                ..LiveState::default()
            },
            ..Inventory::default()
        }
    }

    pub fn unreachable() -> Inventory {
        with(
            Err(ProbeError::Connect {
                endpoint: "k0:9092".into(),
                reason: "connection refused".into(),
            }),
            vec!["k0:9092".into()],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::live_testing::*;
    use super::*;

    fn run(cluster: KafkaCluster) -> Vec<Outcome> {
        PartitionWithoutLeader.evaluate(&ctx(), &inventory(cluster))
    }

    #[test]
    fn every_channel_partition_with_a_leader_passes() {
        let out = run(healthy());
        assert_eq!(out.len(), 2, "internal topics are not channels: {out:?}");
        assert!(out.iter().all(|o| o.status == Status::Pass), "{out:?}");
        assert_eq!(
            out[0].target.locator.as_deref(),
            Some("topic mychannel partition 0")
        );
        assert_eq!(out[0].target.name, "k0:9092,k1:9092,k2:9092,k3:9092");
    }

    #[test]
    fn leaderless_partition_fails() {
        let mut c = healthy();
        c.topics[1].partitions = vec![partition(0, -1, &[1, 2, 3], &[])];
        let out = run(c);
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0]
                .message
                .contains("has no leader (LEADER_NOT_AVAILABLE)"),
            "{}",
            out[0].message
        );
        assert_eq!(out[0].evidence["leader"], -1);
        assert_eq!(out[1].status, Status::Pass);
    }

    #[test]
    fn leader_that_is_not_registered_fails() {
        let mut c = healthy();
        c.topics[2].partitions[0].leader = 7;
        let out = run(c);
        assert_eq!(out[1].status, Status::Fail);
        assert!(
            out[1]
                .message
                .contains("leader 7, which is not a registered broker"),
            "{}",
            out[1].message
        );
    }

    #[test]
    fn topic_level_errors() {
        let mut c = healthy();
        c.topics[1].partitions.clear();
        c.topics[1].error = Some("LEADER_NOT_AVAILABLE".into());
        c.topics[2].partitions.clear();
        c.topics[2].error = Some("TOPIC_AUTHORIZATION_FAILED".into());
        let out = run(c);
        assert_eq!(out[0].status, Status::Fail);
        assert_eq!(out[1].status, Status::Error);
        assert_eq!(out[1].target.locator.as_deref(), Some("topic testchainid"));
    }

    #[test]
    fn nothing_probed_skips_and_failed_probe_errors() {
        let out = PartitionWithoutLeader.evaluate(&ctx(), &Inventory::default());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Skip);
        let out = PartitionWithoutLeader.evaluate(&ctx(), &unreachable());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Error);
        assert_eq!(out[0].target.name, "k0:9092");
        assert_eq!(
            out[0].message,
            "failed to connect to k0:9092: connection refused"
        );
        let mut empty = healthy();
        empty.topics.retain(|t| t.internal);
        let out = run(empty);
        assert_eq!((out.len(), out[0].status), (1, Status::Skip));
    }
}
