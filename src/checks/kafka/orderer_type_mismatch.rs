//! KAFKA-010 `orderer-type-mismatch`: OrdererType kafka with no brokers deployed, or brokers
//! deployed while every channel profile beside them uses another consensus.

use super::usable;
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::ordering::Component;

pub struct OrdererTypeMismatch;

impl Check for OrdererTypeMismatch {
    fn id(&self) -> &'static str {
        "KAFKA-010"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let brokers = net.count(Component::Kafka);
            // Profiles that say which consensus they use; the top-level defaults only seed them.
            // (a configtx.yaml with no profiles is its defaults).
            let mut typed: Vec<_> = net
                .profiles
                .iter()
                .filter(|p| p.orderer_type.is_some() && p.name != "Orderer defaults")
                .collect();
            if typed.is_empty() {
                typed = net
                    .profiles
                    .iter()
                    .filter(|p| p.orderer_type.is_some())
                    .collect();
            }
            let mut types: Vec<(String, String)> = typed
                .iter()
                .map(|p| {
                    (
                        p.orderer_type
                            .as_ref()
                            .map(|t| t.value.to_ascii_lowercase())
                            .unwrap_or_default(),
                        p.origin.to_string(),
                    )
                })
                .collect();
            for o in net.of(Component::Orderer) {
                if let Ok(Some(t)) = usable(o.env.get("CONFIGTX_ORDERER_ORDERERTYPE")) {
                    types.push((
                        t.to_ascii_lowercase(),
                        format!("{} (CONFIGTX_ORDERER_ORDERERTYPE)", o.origin),
                    ));
                }
            }
            if types.is_empty() {
                if brokers > 0 {
                    out.push(Outcome::new(
                        Status::Skip,
                        Target::new(TargetKind::File, net.scope.to_owned()),
                        "no configtx.yaml profile or orderer override beside the brokers says which consensus is used",
                    ));
                }
                continue;
            }
            let kafka: Vec<&String> = types
                .iter()
                .filter(|(t, _)| t == "kafka")
                .map(|(_, o)| o)
                .collect();
            let others: Vec<String> = types
                .iter()
                .filter(|(t, _)| t != "kafka")
                .map(|(t, o)| format!("{t} at {o}"))
                .collect();
            let target = Target::new(TargetKind::File, net.scope.to_owned());
            let (status, message) = if !kafka.is_empty() && others.is_empty() && brokers == 0 {
                (
                    Status::Fail,
                    format!(
                        "OrdererType kafka ({}) but no Kafka brokers are deployed among the artifacts",
                        kafka[0]
                    ),
                )
            } else if kafka.is_empty() && brokers > 0 {
                (
                    Status::Fail,
                    format!(
                        "{brokers} Kafka broker(s) deployed but no profile uses OrdererType kafka ({})",
                        others.join("; ")
                    ),
                )
            } else {
                (
                    Status::Pass,
                    format!("{} kafka profile(s), {brokers} broker(s)", kafka.len()),
                )
            };
            out.push(
                Outcome::new(status, target, message)
                    .with("brokers", brokers)
                    .with(
                        "orderer_types",
                        types.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>(),
                    ),
            );
        }
        if out.is_empty() {
            return nothing_to_check(inv, "ordering-service profiles or brokers");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn kafka_without_brokers_and_brokers_with_solo_fail() {
        let mut inv = network(vec![]);
        inv.ordering
            .profiles
            .push(kafka_profile(1, &["a:9092", "b:9092"]));
        assert_eq!(
            statuses(&OrdererTypeMismatch.evaluate(&ctx(), &inv)),
            vec![Status::Fail]
        );
        let mut inv = network(vec![broker("k0", &[])]);
        inv.ordering.profiles.push(solo_profile());
        let out = OrdererTypeMismatch.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(out[0].message.contains("no profile uses OrdererType kafka"));
        let mut inv = network(vec![broker("k0", &[])]);
        inv.ordering.profiles.push(solo_profile());
        inv.ordering.profiles.push(kafka_profile(1, &["k0:9092"]));
        assert_eq!(
            statuses(&OrdererTypeMismatch.evaluate(&ctx(), &inv)),
            vec![Status::Pass]
        );
    }

    #[test]
    fn a_block_beside_the_brokers_is_what_counts() {
        // configtx.yaml says kafka, but the genesis block the orderers run says solo.
        let mut inv = network(vec![broker("k0", &[])]);
        inv.ordering.profiles.push(kafka_profile(1, &["k0:9092"]));
        let mut block = solo_profile();
        block.from_block = true;
        block.origin = crate::inventory::Origin::file("net/genesis.block");
        inv.ordering.profiles.push(block);
        let out = OrdererTypeMismatch.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0].message.contains("net/genesis.block"),
            "{}",
            out[0].message
        );
    }
}
