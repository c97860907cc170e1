//! KAFKA-002 `unclean-leader-election`: every broker sets unclean.leader.election.enable=false.

use super::{per_broker, rules, value};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;

pub struct UncleanLeaderElection;

const PROPERTY: &str = "unclean.leader.election.enable";

impl Check for UncleanLeaderElection {
    fn id(&self) -> &'static str {
        "KAFKA-002"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_broker(inv, PROPERTY, |_, w| {
            rules::unclean_leader_election(value(w, PROPERTY))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::finding::Status;

    #[test]
    fn explicit_false_passes_unset_and_true_fail_unresolved_errors() {
        let inv = network(vec![
            broker("k0", &[("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false")]),
            broker("k1", &[]),
            broker("k2", &[("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "true")]),
            with_unresolved(
                broker(
                    "k3",
                    &[("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "${UNCLEAN}")],
                ),
                "KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE",
                "UNCLEAN",
            ),
        ]);
        let out = UncleanLeaderElection.evaluate(&ctx(), &inv);
        assert_eq!(
            statuses(&out),
            vec![Status::Pass, Status::Fail, Status::Fail, Status::Error]
        );
        assert!(out[3].message.contains("UNCLEAN"), "{}", out[3].message);
    }
}
