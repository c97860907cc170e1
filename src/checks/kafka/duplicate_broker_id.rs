//! KAFKA-007 `duplicate-broker-id`: broker ids are unique within a network. A fixed
//! KAFKA_BROKER_ID on a workload with several replicas gives every replica the same id.

use std::collections::BTreeMap;

use super::usable;
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::ordering::Component;

pub struct DuplicateBrokerId;

impl Check for DuplicateBrokerId {
    fn id(&self) -> &'static str {
        "KAFKA-007"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let brokers: Vec<_> = net.of(Component::Kafka).collect();
            if brokers.is_empty() {
                continue;
            }
            let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut problems = Vec::new();
            for b in &brokers {
                match usable(b.kafka_setting("broker.id")) {
                    Ok(Some(id)) => {
                        let id = id.trim().to_owned();
                        for i in 0..b.instances() {
                            let who = if b.instances() > 1 {
                                format!("{}-{i}", b.name)
                            } else {
                                b.name.clone()
                            };
                            ids.entry(id.clone()).or_default().push(who);
                        }
                    }
                    Ok(None) => {} // assigned automatically by the broker (reserved.broker.max.id and up)
                    Err(why) => problems.push(why),
                }
            }
            let dups: Vec<String> = ids
                .iter()
                .filter(|(_, who)| who.len() > 1)
                .map(|(id, who)| format!("broker.id {id} is used by {}", who.join(", ")))
                .collect();
            let target = Target::new(TargetKind::File, net.scope.to_owned());
            let (status, message) = if !dups.is_empty() {
                (Status::Fail, dups.join("; "))
            } else if !problems.is_empty() {
                (
                    Status::Error,
                    format!("cannot evaluate: {}", problems.join("; ")),
                )
            } else {
                (
                    Status::Pass,
                    format!("{} explicit broker id(s), all distinct", ids.len()),
                )
            };
            out.push(
                Outcome::new(status, target, message)
                    .with("broker_ids", serde_json::to_value(&ids).unwrap_or_default()),
            );
        }
        if out.is_empty() {
            return nothing_to_check(inv, "Kafka brokers in the configuration");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::ordering::Replicas;

    #[test]
    fn duplicates_and_replicated_fixed_ids_fail() {
        let inv = network(vec![
            broker("k0", &[("KAFKA_BROKER_ID", "0")]),
            broker("k1", &[("KAFKA_BROKER_ID", "1")]),
        ]);
        assert_eq!(
            statuses(&DuplicateBrokerId.evaluate(&ctx(), &inv)),
            vec![Status::Pass]
        );
        let inv = network(vec![
            broker("k0", &[("KAFKA_BROKER_ID", "1")]),
            broker("k1", &[("KAFKA_BROKER_ID", "1")]),
        ]);
        let out = DuplicateBrokerId.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("broker.id 1 is used by k0, k1"));
        let mut sts = broker("kafka", &[("KAFKA_BROKER_ID", "7")]);
        sts.replicas = Replicas::Count(3);
        assert_eq!(
            statuses(&DuplicateBrokerId.evaluate(&ctx(), &network(vec![sts]))),
            vec![Status::Fail]
        );
    }
}
