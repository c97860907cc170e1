//! KAFKA-003 `min-insync-replicas-too-low`: min.insync.replicas (M) must exceed 1.

use super::{per_broker, rules, value};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;

pub struct MinInsyncReplicasTooLow;

const PROPERTY: &str = "min.insync.replicas";

impl Check for MinInsyncReplicasTooLow {
    fn id(&self) -> &'static str {
        "KAFKA-003"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_broker(inv, PROPERTY, |_, w| {
            rules::min_insync_replicas(value(w, PROPERTY))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::finding::Status;

    #[test]
    fn one_or_unset_fails_two_passes() {
        let inv = network(vec![
            broker("k0", &[("KAFKA_MIN_INSYNC_REPLICAS", "2")]),
            broker("k1", &[("KAFKA_MIN_INSYNC_REPLICAS", "1")]),
            broker("k2", &[]),
        ]);
        let out = MinInsyncReplicasTooLow.evaluate(&ctx(), &inv);
        assert_eq!(
            statuses(&out),
            vec![Status::Pass, Status::Fail, Status::Fail]
        );
        assert!(out[2].message.contains("Kafka default 1"));
    }
}
