//! RAFT-008 `raft-leader`: across the orderers' `/metrics`, a channel's Raft cluster has no
//! leader (no orderer reports `consensus_etcdraft_is_leader{channel} 1`) or more than one.
//!
//! Fabric sets the gauge to 1 on the node that becomes leader and to 0 on every other
//! (orderer/consensus/etcdraft/chain.go, on each raft SoftState change). With no leader the
//! channel accepts no transactions and Deliver may answer SERVICE_UNAVAILABLE; two nodes both
//! reporting leadership means they are partitioned from each other (each still believes its
//! own term), or one of them is stuck, and clients see different chains.

use super::{by_channel, channel_target, unreadable};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

pub struct RaftLeader;

impl Check for RaftLeader {
    fn id(&self) -> &'static str {
        "RAFT-008"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        if inv.live.raft.is_empty() {
            return nothing_to_check(
                inv,
                "orderer operations endpoints with /metrics (role=orderer and ops= in --endpoints/--endpoint)",
            );
        }
        let mut out: Vec<Outcome> = Vec::new();
        let mut unread: Vec<&str> = Vec::new();
        for o in &inv.live.raft {
            if let Err((skip, why)) = &o.channels {
                if !skip {
                    unread.push(&o.orderer);
                }
                out.push(unreadable(o, *skip, why));
            }
        }
        let channels = by_channel(inv);
        for (channel, reports) in &channels {
            let reporting: Vec<String> = reports
                .iter()
                .filter(|(_, m)| m.is_leader.is_some())
                .map(|(o, _)| o.orderer.clone())
                .collect();
            if reporting.is_empty() {
                continue;
            }
            let leaders: Vec<String> = reports
                .iter()
                .filter(|(_, m)| m.is_leader == Some(1.0))
                .map(|(o, _)| o.orderer.clone())
                .collect();
            let target = channel_target(inv, channel);
            let outcome = match leaders.len() {
                1 => Outcome::new(
                    Status::Pass,
                    target,
                    format!(
                        "channel {channel}: {} leads; the others reporting it ({}) follow",
                        leaders[0],
                        reporting.len() - 1
                    ),
                ),
                0 if !unread.is_empty() => Outcome::new(
                    Status::Error,
                    target,
                    format!(
                        "channel {channel}: no leader among {} (the leader may be one whose metrics could not be read: {})",
                        reporting.join(", "),
                        unread.join(", ")
                    ),
                ),
                0 => Outcome::new(
                    Status::Fail,
                    target,
                    format!(
                        "channel {channel}: no leader: none of {} reports consensus_etcdraft_is_leader 1",
                        reporting.join(", ")
                    ),
                ),
                n => Outcome::new(
                    Status::Fail,
                    target,
                    format!(
                        "channel {channel}: split brain: {n} orderers report being leader ({})",
                        leaders.join(", ")
                    ),
                ),
            };
            out.push(
                outcome
                    .with("channel", channel.to_string())
                    .with("leaders", leaders)
                    .with("reporting", reporting),
            );
        }
        if channels.is_empty() && out.iter().all(|o| o.status != Status::Error) {
            let names: Vec<&str> = inv.live.raft.iter().map(|o| o.orderer.as_str()).collect();
            out.push(Outcome::new(
                Status::Skip,
                crate::finding::Target::new(crate::finding::TargetKind::Source, inv.source.clone()),
                format!(
                    "no consensus_etcdraft_* series on {}: no etcdraft channel there (solo, Kafka or BFT ordering, or no channel joined)",
                    names.join(", ")
                ),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn run(raft: Vec<crate::inventory::live::RaftObservation>) -> Vec<Outcome> {
        RaftLeader.evaluate(&ctx(), &inventory(raft))
    }

    #[test]
    fn one_leader_passes() {
        let out = run(vec![
            orderer("orderer0", &[("mychannel", metrics(1.0, 3.0, 3.0))]),
            orderer("orderer1", &[("mychannel", metrics(0.0, 0.0, 3.0))]),
            orderer("orderer2", &[("mychannel", metrics(0.0, 0.0, 3.0))]),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Pass);
        assert!(
            out[0].message.contains("orderer0 leads"),
            "{}",
            out[0].message
        );
        assert_eq!(out[0].target.locator.as_deref(), Some("channel mychannel"));
    }

    #[test]
    fn no_leader_and_split_brain_fail() {
        let none = run(vec![
            orderer("orderer0", &[("mychannel", metrics(0.0, 0.0, 3.0))]),
            orderer("orderer1", &[("mychannel", metrics(0.0, 0.0, 3.0))]),
        ]);
        assert_eq!(none[0].status, Status::Fail);
        assert!(none[0].message.contains("no leader"), "{}", none[0].message);
        let two = run(vec![
            orderer("orderer0", &[("mychannel", metrics(1.0, 2.0, 3.0))]),
            orderer("orderer1", &[("mychannel", metrics(1.0, 2.0, 3.0))]),
            orderer("orderer2", &[("mychannel", metrics(0.0, 0.0, 3.0))]),
        ]);
        assert_eq!(two[0].status, Status::Fail);
        assert!(two[0].message.contains("split brain"), "{}", two[0].message);
        assert_eq!(
            two[0].evidence["leaders"],
            serde_json::json!(["orderer0", "orderer1"])
        );
    }

    #[test]
    fn unreadable_metrics_are_errors_and_leave_no_leader_undecided() {
        let out = run(vec![
            orderer("orderer0", &[("mychannel", metrics(0.0, 0.0, 3.0))]),
            failed(
                "orderer1",
                false,
                "/metrics could not be read: connection refused",
            ),
        ]);
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(statuses, [Status::Error, Status::Error]);
        assert!(out[0].message.contains("connection refused"));
        assert!(out[1].message.contains("orderer1"), "{}", out[1].message);
    }

    #[test]
    fn skips_without_metrics() {
        let out = run(vec![]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Skip);
        let out = run(vec![failed("orderer0", true, "/metrics answered 404")]);
        assert!(out.iter().all(|o| o.status == Status::Skip), "{out:?}");
        let out = run(vec![orderer("orderer0", &[])]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Skip);
    }
}
