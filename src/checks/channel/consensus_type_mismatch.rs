//! CHANNEL-002 `consensus-type-mismatch`: the consensus type a genesis/config block (or its
//! profile) names against the ordering nodes deployed beside it — `kafka` with no brokers,
//! brokers deployed while the block says `solo` or `etcdraft`, `solo` with several orderers.
//! The orderer runs what the block says, whatever the files around it suggest.

use super::{complete, deployment, orderers, target};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::ordering::{Component, nearest_with};

pub struct ConsensusTypeMismatch;

impl Check for ConsensusTypeMismatch {
    fn id(&self) -> &'static str {
        "CHANNEL-002"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for c in complete(inv) {
            let Some(o) = &c.orderer else { continue };
            let t = target(c, Some("Channel/Orderer ConsensusType"));
            let deployed = deployment(inv, c);
            // A peer org's repository may hold the channel's blocks without the orderers.
            if orderers(&deployed).is_empty() {
                out.push(Outcome::new(
                    Status::Skip,
                    t,
                    format!(
                        "{}: orderer type {}; no ordering nodes are deployed beside it to compare with",
                        c.describe(),
                        o.consensus_type
                    ),
                ));
                continue;
            }
            // Brokers often live in their own folder or namespace beside the orderers'.
            let near_brokers = if inv.single_network {
                deployed.clone()
            } else {
                nearest_with(&inv.ordering.workloads, &c.scope, &inv.root, |w| {
                    w.component == Component::Kafka
                })
            };
            let brokers: u32 = near_brokers
                .iter()
                .filter(|w| w.component == Component::Kafka)
                .map(|w| w.instances())
                .sum();
            let nodes: u32 = orderers(&deployed).iter().map(|w| w.instances()).sum();
            let ty = o.consensus_type.as_str();
            let problem = match ty {
                "kafka" if brokers == 0 => {
                    Some("orderer type kafka, but no Kafka brokers are deployed".to_owned())
                }
                "solo" | "etcdraft" | "BFT" if brokers > 0 => Some(format!(
                    "{brokers} Kafka broker(s) are deployed, but the orderers run {ty}: the brokers are never used"
                )),
                "solo" if nodes > 1 => Some(format!(
                    "orderer type solo, but {nodes} orderers are deployed: each runs its own chain and they never agree"
                )),
                "solo" | "kafka" | "etcdraft" | "BFT" => None,
                other => Some(format!(
                    "orderer type '{other}' is none Fabric knows (solo, kafka, etcdraft, BFT)"
                )),
            };
            out.push(match problem {
                Some(p) => Outcome::new(Status::Fail, t, format!("{}: {p}", c.describe())),
                None => Outcome::new(
                    Status::Pass,
                    t,
                    format!(
                        "{}: orderer type {ty} with {nodes} orderer(s) and {brokers} Kafka broker(s) deployed",
                        c.describe()
                    ),
                ),
            }
            .with("orderer_type", ty)
            .with("brokers", brokers)
            .with("orderers", nodes));
        }
        if out.is_empty() {
            return nothing_to_check(inv, "channel configurations with an Orderer group");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::channel::OrdererSection;

    fn with_type(ty: &str) -> crate::inventory::channel::ChannelConfig {
        let mut c = block("sys");
        c.orderer = Some(OrdererSection {
            consensus_type: ty.into(),
            ..OrdererSection::default()
        });
        c
    }

    #[test]
    fn a_solo_block_beside_kafka_brokers_fails() {
        let mut inv = inventory(vec![with_type("solo"), with_type("kafka")]);
        inv.ordering.workloads = vec![
            workload("orderer0", Component::Orderer, None),
            workload("kafka0", Component::Kafka, None),
        ];
        let out = ConsensusTypeMismatch.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("never used"));
        assert_eq!(out[1].status, Status::Pass);
        inv.ordering.workloads.pop();
        let out = ConsensusTypeMismatch.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Pass);
        assert_eq!(out[1].status, Status::Fail);
        inv.ordering.workloads.clear();
        let out = ConsensusTypeMismatch.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Skip);
    }
}
