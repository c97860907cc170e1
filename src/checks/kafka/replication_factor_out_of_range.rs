//! KAFKA-004 `replication-factor-out-of-range`: M < default.replication.factor < K.

use super::{per_broker, rules, value};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;
use crate::inventory::ordering::{Component, Replicas};

pub struct ReplicationFactorOutOfRange;

const PROPERTY: &str = "default.replication.factor";

impl Check for ReplicationFactorOutOfRange {
    fn id(&self) -> &'static str {
        "KAFKA-004"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_broker(inv, PROPERTY, |net, w| {
            // An unknown replica count (a template) leaves K unknown rather than guessed.
            let known = net
                .of(Component::Kafka)
                .all(|b| b.replicas != Replicas::Unknown);
            let k = known.then(|| net.count(Component::Kafka) as usize);
            rules::replication_factor(value(w, "min.insync.replicas"), value(w, PROPERTY), k)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::finding::Status;

    #[test]
    fn factor_between_min_isr_and_broker_count() {
        let good = |n: &str| {
            broker(
                n,
                &[
                    ("KAFKA_MIN_INSYNC_REPLICAS", "2"),
                    ("KAFKA_DEFAULT_REPLICATION_FACTOR", "3"),
                ],
            )
        };
        let inv = network(vec![good("k0"), good("k1"), good("k2"), good("k3")]);
        assert!(
            statuses(&ReplicationFactorOutOfRange.evaluate(&ctx(), &inv))
                .iter()
                .all(|s| *s == Status::Pass)
        );
        let inv = network(vec![good("k0"), good("k1"), good("k2")]);
        let out = ReplicationFactorOutOfRange.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("K=3"), "{}", out[0].message);
    }
}
