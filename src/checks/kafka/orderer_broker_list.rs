//! KAFKA-009 `orderer-broker-list`: the orderers' Kafka.Brokers (configtx.yaml, or the
//! CONFIGTX_ORDERER_KAFKA_BROKERS override) has at least two entries, each a deployed broker.
//!
//! Fabric's Kafka guide asks for "the address of at least two of the Kafka brokers in your
//! cluster" ("These are your bootstrap brokers", docs/source/kafka.rst, Steps): with one, an
//! orderer cannot start while that broker is down. One entry that names several brokers at
//! once (a Kubernetes Service selecting the broker pods, as hyperledger-labs/nephos lists
//! `kafka-hlf.<ns>.svc.cluster.local:9092`) is not that case: the orderer bootstraps through
//! whichever broker the name gives it and learns the others from the metadata. It is a
//! warning, in the guide's words, not a single broker.

use std::collections::BTreeSet;

use super::usable;
use crate::checks::zookeeper::ensemble::{names_match, pods_reached};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target};
use crate::inventory::Inventory;
use crate::inventory::ordering::members::{broker_host, parse_broker_list};
use crate::inventory::ordering::{Component, Workload};

pub struct OrdererBrokerList;

/// The verdict on one list of distinct entries, against the brokers the network deploys.
fn judge(brokers: &[String], deployed: &[&Workload], names: &[String]) -> (Status, String) {
    if brokers.len() < 2 {
        // (workload, ordinal) pairs: which broker pods the one entry reaches.
        let reached: BTreeSet<(usize, u32)> = brokers
            .iter()
            .flat_map(|b| pods_reached(broker_host(b), deployed))
            .map(|(w, i)| {
                let at = deployed
                    .iter()
                    .position(|d| std::ptr::eq(*d, w))
                    .unwrap_or(0);
                (at, i)
            })
            .collect();
        if let [entry] = brokers
            && reached.len() >= 2
        {
            let behind: BTreeSet<&str> = reached
                .iter()
                .map(|(at, _)| deployed[*at].name.as_str())
                .collect();
            return (
                Status::Warn,
                format!(
                    "1 entry ({entry}) names {} brokers at once ({}): the orderers bootstrap through whichever is up, so one broker down does not stop them; Fabric's Kafka guide still asks for at least two entries (\"the address of at least two of the Kafka brokers in your cluster\")",
                    reached.len(),
                    behind.into_iter().collect::<Vec<_>>().join(", ")
                ),
            );
        }
        return (
            Status::Fail,
            format!(
                "{} distinct broker(s) listed ({}): an orderer cannot start while that broker is down; list at least two",
                brokers.len(),
                brokers.join(", ")
            ),
        );
    }
    let unknown: Vec<&String> = brokers
        .iter()
        .filter(|b| !names.is_empty() && !names_match(broker_host(b), names))
        .collect();
    if unknown.is_empty() {
        let how = if names.is_empty() {
            " (no brokers among the artifacts to match them against)"
        } else {
            ", all deployed"
        };
        (
            Status::Pass,
            format!("{} brokers listed{how}", brokers.len()),
        )
    } else {
        let shown: Vec<&str> = unknown.iter().take(10).map(|s| s.as_str()).collect();
        (
            Status::Fail,
            format!(
                "{} of {} listed brokers match no deployed broker: {}{}",
                unknown.len(),
                brokers.len(),
                shown.join(", "),
                if unknown.len() > 10 { ", …" } else { "" }
            ),
        )
    }
}

impl Check for OrdererBrokerList {
    fn id(&self) -> &'static str {
        "KAFKA-009"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let brokers: Vec<&Workload> = net.of(Component::Kafka).collect();
            let deployed: Vec<String> = brokers
                .iter()
                .flat_map(|w| w.hostnames.iter().cloned())
                .collect();
            let mut lists: Vec<(Target, Result<Vec<String>, String>)> = net
                .kafka_profiles()
                .filter_map(|p| p.kafka_brokers.clone().map(|b| (p.origin.target(), Ok(b))))
                .collect();
            for o in net.of(Component::Orderer) {
                if let Some(s) = o.env.get("CONFIGTX_ORDERER_KAFKA_BROKERS") {
                    lists.push((
                        s.origin.target(),
                        usable(Some(s)).map(|v| parse_broker_list(v.unwrap_or_default())),
                    ));
                }
            }
            for (target, list) in lists {
                // The same broker listed twice is one broker: it does not keep an orderer
                // starting while that broker is down.
                let list = list.map(|entries| {
                    let mut distinct: Vec<String> = Vec::new();
                    for b in entries {
                        if !distinct.iter().any(|d| d.eq_ignore_ascii_case(&b)) {
                            distinct.push(b);
                        }
                    }
                    distinct
                });
                let (status, message) = match list {
                    Err(why) => (Status::Error, format!("cannot evaluate: {why}")),
                    Ok(entries) => judge(&entries, &brokers, &deployed),
                };
                out.push(
                    Outcome::new(status, target, message)
                        .with("deployed_brokers", deployed.clone()),
                );
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "Kafka broker lists for the orderers");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn one_entry_fails_unknown_entry_fails_two_deployed_pass() {
        let mut inv = network(vec![broker("kafka0", &[]), broker("kafka1", &[])]);
        inv.ordering
            .profiles
            .push(kafka_profile(1, &["kafka0:9092"]));
        inv.ordering
            .profiles
            .push(kafka_profile(1, &["kafka0:9092", "kafka9:9092"]));
        inv.ordering
            .profiles
            .push(kafka_profile(1, &["kafka0:9092", "kafka1:9092"]));
        let out = OrdererBrokerList.evaluate(&ctx(), &inv);
        assert_eq!(
            statuses(&out),
            vec![Status::Fail, Status::Fail, Status::Pass]
        );
        assert!(out[1].message.contains("kafka9:9092"));
    }

    #[test]
    fn a_broker_listed_twice_counts_once() {
        let mut inv = network(vec![broker("kafka0", &[]), broker("kafka1", &[])]);
        inv.ordering
            .profiles
            .push(kafka_profile(1, &["kafka0:9092", "kafka0:9092"]));
        let out = OrdererBrokerList.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0]
                .message
                .starts_with("1 distinct broker(s) listed (kafka0:9092)"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn orderer_env_override_is_read() {
        let inv = network(vec![orderer(
            "orderer0",
            &[(
                "CONFIGTX_ORDERER_KAFKA_BROKERS",
                "[a:9092,b:9092,c:9092,d:9092]",
            )],
        )]);
        let out = OrdererBrokerList.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Pass]);
        assert!(out[0].message.starts_with("4 brokers listed"));
    }

    #[test]
    fn one_service_in_front_of_several_brokers_warns() {
        let mut sts = broker("kafka", &[]);
        sts.replicas = crate::inventory::ordering::Replicas::Count(3);
        sts.hostnames = vec![
            "kafka".into(),
            "kafka-0".into(),
            "kafka-1".into(),
            "kafka-2".into(),
            "kafka-headless".into(),
        ];
        let mut inv = network(vec![sts]);
        for list in [
            &["kafka-headless.ns.svc.cluster.local:9092"][..],
            &["kafka-0.kafka-headless:9092"],
            &["kafka-0:9092", "kafka-1:9092"],
        ] {
            inv.ordering.profiles.push(kafka_profile(1, list));
        }
        let out = OrdererBrokerList.evaluate(&ctx(), &inv);
        assert_eq!(
            statuses(&out),
            vec![Status::Warn, Status::Fail, Status::Pass]
        );
        assert!(
            out[0].message.starts_with(
                "1 entry (kafka-headless.ns.svc.cluster.local:9092) names 3 brokers at once (kafka)"
            ),
            "{}",
            out[0].message
        );
        assert!(out[0].message.contains("at least two"));
        assert!(out[1].message.starts_with("1 distinct broker(s) listed"));
    }
}
