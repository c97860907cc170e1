//! KAFKA-001 `too-few-brokers`: a network with Kafka brokers has at least 4 of them.

use crate::checks::{Check, nothing_to_check, unknown_instances};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::ordering::Component;

pub struct TooFewBrokers;

impl Check for TooFewBrokers {
    fn id(&self) -> &'static str {
        "KAFKA-001"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let brokers: Vec<_> = net.of(Component::Kafka).collect();
            if brokers.is_empty() {
                continue;
            }
            let names: Vec<String> = brokers
                .iter()
                .map(|b| format!("{} (x{})", b.name, b.instances()))
                .collect();
            let k = net.count(Component::Kafka);
            let target = Target::new(TargetKind::File, net.scope.to_owned());
            let (status, message) = if let Some(why) = unknown_instances(&brokers) {
                (Status::Error, why)
            } else if k >= 4 {
                (Status::Pass, format!("{k} brokers"))
            } else {
                (
                    Status::Fail,
                    format!(
                        "{k} broker(s): Fabric's Kafka ordering needs at least 4 so that one broker down still leaves room for the replication factor"
                    ),
                )
            };
            out.push(
                Outcome::new(status, target, message)
                    .with("brokers", k)
                    .with("workloads", names),
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
    fn four_brokers_pass_one_fails_replicas_count() {
        let inv = network(vec![
            broker("k0", &[]),
            broker("k1", &[]),
            broker("k2", &[]),
            broker("k3", &[]),
        ]);
        assert_eq!(
            statuses(&TooFewBrokers.evaluate(&ctx(), &inv)),
            vec![Status::Pass]
        );
        let inv = network(vec![broker("k0", &[])]);
        let out = TooFewBrokers.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert_eq!(out[0].evidence["brokers"], 1);
        let mut sts = broker("kafka", &[]);
        sts.replicas = Replicas::Count(4);
        assert_eq!(
            statuses(&TooFewBrokers.evaluate(&ctx(), &network(vec![sts.clone()]))),
            vec![Status::Pass]
        );
        sts.replicas = Replicas::Unknown;
        assert_eq!(
            statuses(&TooFewBrokers.evaluate(&ctx(), &network(vec![sts]))),
            vec![Status::Error]
        );
        assert_eq!(
            statuses(&TooFewBrokers.evaluate(&ctx(), &network(vec![]))),
            vec![Status::Skip]
        );
    }
}
