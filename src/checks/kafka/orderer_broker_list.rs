//! KAFKA-009 `orderer-broker-list`: the orderers' Kafka.Brokers (configtx.yaml, or the
//! CONFIGTX_ORDERER_KAFKA_BROKERS override) has at least two entries, each a deployed broker.

use super::usable;
use crate::checks::zookeeper::ensemble::names_match;
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::inventory::Inventory;
use crate::inventory::ordering::Component;
use crate::report::{Outcome, Status, Target};

pub struct OrdererBrokerList;

/// `[a:9092, b:9092]` or `a:9092,b:9092`, as Fabric's env override is written.
fn parse_list(value: &str) -> Vec<String> {
    value
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Check for OrdererBrokerList {
    fn id(&self) -> &'static str {
        "KAFKA-009"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let deployed: Vec<String> = net
                .of(Component::Kafka)
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
                        usable(Some(s)).map(|v| parse_list(v.unwrap_or_default())),
                    ));
                }
            }
            for (target, list) in lists {
                // The same broker listed twice is one broker: it does not keep an orderer
                // starting while that broker is down.
                let list = list.map(|brokers| {
                    let mut distinct: Vec<String> = Vec::new();
                    for b in brokers {
                        if !distinct.iter().any(|d| d.eq_ignore_ascii_case(&b)) {
                            distinct.push(b);
                        }
                    }
                    distinct
                });
                let (status, message) = match list {
                    Err(why) => (Status::Error, format!("cannot evaluate: {why}")),
                    Ok(brokers) if brokers.len() < 2 => (
                        Status::Fail,
                        format!(
                            "{} distinct broker(s) listed ({}): an orderer cannot start while that broker is down; list at least two",
                            brokers.len(),
                            brokers.join(", ")
                        ),
                    ),
                    Ok(brokers) => {
                        let unknown: Vec<&String> = brokers
                            .iter()
                            .filter(|b| {
                                !deployed.is_empty()
                                    && !names_match(
                                        b.rsplit_once(':').map_or(b.as_str(), |(h, _)| h),
                                        &deployed,
                                    )
                            })
                            .collect();
                        if unknown.is_empty() {
                            let how = if deployed.is_empty() {
                                " (no brokers among the artifacts to match them against)"
                            } else {
                                ", all deployed"
                            };
                            (
                                Status::Pass,
                                format!("{} brokers listed{how}", brokers.len()),
                            )
                        } else {
                            let shown: Vec<&str> =
                                unknown.iter().take(10).map(|s| s.as_str()).collect();
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
}
