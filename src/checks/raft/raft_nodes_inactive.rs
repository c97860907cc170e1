//! RAFT-009 `raft-nodes-inactive`: a channel's Raft leader sees fewer active consenters
//! (`consensus_etcdraft_active_nodes`) than the channel's configuration lists
//! (`consensus_etcdraft_cluster_size`).
//!
//! Only the leader's number means anything: Fabric's tracker (orderer/consensus/etcdraft/
//! tracker.go `Tracker.Check`) returns early on followers and sets the gauge only on the leader,
//! from the raft progress of each peer that was `RecentActive`, once the count has been stable
//! for a few checks (and to 0 when there is no leader). A follower's gauge is stale or 0, so
//! followers are not judged. An inactive consenter is down, unreachable over the cluster port,
//! or rejecting the others' TLS certificates; one more loss and a 3-node cluster has no quorum.

use super::{by_channel, count, orderer_target, unreadable};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

pub struct RaftNodesInactive;

impl Check for RaftNodesInactive {
    fn id(&self) -> &'static str {
        "RAFT-009"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        if inv.live.raft.is_empty() {
            return nothing_to_check(
                inv,
                "orderer operations endpoints with /metrics (role=orderer and ops= in --endpoints/--endpoint)",
            );
        }
        let mut out: Vec<Outcome> = inv
            .live
            .raft
            .iter()
            .filter_map(|o| match &o.channels {
                Err((skip, why)) => Some(unreadable(o, *skip, why)),
                Ok(_) => None,
            })
            .collect();
        let channels = by_channel(inv);
        for (channel, reports) in &channels {
            let leaders: Vec<_> = reports
                .iter()
                .filter(|(_, m)| m.is_leader == Some(1.0))
                .collect();
            if leaders.is_empty() {
                let names: Vec<&str> = reports.iter().map(|(o, _)| o.orderer.as_str()).collect();
                out.push(
                    Outcome::new(
                        Status::Skip,
                        super::channel_target(inv, channel),
                        format!(
                            "channel {channel}: no orderer read ({}) leads it, and only the leader counts active nodes (RAFT-008 reports the missing leader)",
                            names.join(", ")
                        ),
                    )
                    .with("channel", channel.to_string()),
                );
                continue;
            }
            for (o, m) in leaders {
                let target = orderer_target(o)
                    .with_locator(Some(format!("{} operations, channel {channel}", o.orderer)));
                let outcome = match (m.active_nodes, m.cluster_size) {
                    (Some(active), Some(size)) if active < size => Outcome::new(
                        Status::Fail,
                        target,
                        format!(
                            "{}: channel {channel}: only {} of {} consenters are active as its leader sees them",
                            o.orderer,
                            count(active),
                            count(size)
                        ),
                    ),
                    (Some(active), Some(size)) => Outcome::new(
                        Status::Pass,
                        target,
                        format!(
                            "{}: channel {channel}: {} of {} consenters active",
                            o.orderer,
                            count(active),
                            count(size)
                        ),
                    ),
                    _ => Outcome::new(
                        Status::Error,
                        target,
                        format!(
                            "{}: channel {channel}: leads but its /metrics lacks consensus_etcdraft_active_nodes or consensus_etcdraft_cluster_size",
                            o.orderer
                        ),
                    ),
                };
                let mut outcome = outcome
                    .with("orderer", o.orderer.clone())
                    .with("channel", channel.to_string());
                if let Some(a) = m.active_nodes {
                    outcome = outcome.with("active_nodes", a);
                }
                if let Some(s) = m.cluster_size {
                    outcome = outcome.with("cluster_size", s);
                }
                out.push(outcome);
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "consensus_etcdraft_* series (no etcdraft channel)");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn run(raft: Vec<crate::inventory::live::RaftObservation>) -> Vec<Outcome> {
        RaftNodesInactive.evaluate(&ctx(), &inventory(raft))
    }

    #[test]
    fn the_leaders_count_decides() {
        let out = run(vec![
            orderer("orderer0", &[("mychannel", metrics(1.0, 2.0, 3.0))]),
            orderer("orderer1", &[("mychannel", metrics(0.0, 0.0, 3.0))]),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0]
                .message
                .contains("orderer0: channel mychannel: only 2 of 3"),
            "{}",
            out[0].message
        );
        assert_eq!(out[0].evidence["active_nodes"], 2.0);
        let ok = run(vec![
            orderer("orderer0", &[("mychannel", metrics(1.0, 3.0, 3.0))]),
            // A follower's stale 0 is not judged.
            orderer("orderer1", &[("mychannel", metrics(0.0, 0.0, 3.0))]),
        ]);
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].status, Status::Pass);
    }

    #[test]
    fn no_leader_skips_and_unreadable_errors() {
        let out = run(vec![
            orderer("orderer0", &[("mychannel", metrics(0.0, 0.0, 3.0))]),
            failed("orderer1", false, "/metrics answered HTTP 500"),
        ]);
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(statuses, [Status::Error, Status::Skip]);
        assert_eq!(run(vec![])[0].status, Status::Skip);
        assert_eq!(run(vec![orderer("orderer0", &[])])[0].status, Status::Skip);
    }
}
