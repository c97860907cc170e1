//! HEALTH-003 `block-heights-differ`: the peers that report a channel's height
//! (`ledger_blockchain_height{channel}` on `/metrics`) do not all report the same one.

use std::collections::BTreeMap;

use super::{peer_heights, unreadable};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;

pub struct BlockHeightsDiffer;

impl Check for BlockHeightsDiffer {
    fn id(&self) -> &'static str {
        "HEALTH-003"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let peers = peer_heights(inv);
        if peers.is_empty() {
            return nothing_to_check(inv, "peer operations endpoints (ops= on a peer endpoint)");
        }
        let mut out = Vec::new();
        // channel → (peer → height)
        let mut channels: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
        let mut readable = 0;
        for (o, heights) in &peers {
            match heights {
                Ok(h) => {
                    readable += 1;
                    for (channel, height) in h {
                        channels
                            .entry(channel.as_str())
                            .or_default()
                            .insert(o.name.as_str(), *height);
                    }
                }
                Err((status, why)) => out.push(unreadable(o, *status, why)),
            }
        }
        if readable > 0 && channels.is_empty() {
            out.push(Outcome::new(
                Status::Skip,
                Target::new(TargetKind::Source, inv.source.clone()),
                format!(
                    "none of the {readable} peer(s) whose /metrics could be read reports a {} sample: they have joined no channel",
                    super::HEIGHT_GAUGE
                ),
            ));
        }
        for (channel, by_peer) in channels {
            let target = Target::new(TargetKind::Object, format!("channel {channel}"));
            let listed: BTreeMap<String, u64> =
                by_peer.iter().map(|(p, h)| ((*p).to_owned(), *h)).collect();
            let evidence = serde_json::to_value(&listed).unwrap_or_default();
            let (Some(low), Some(high)) = (by_peer.values().min(), by_peer.values().max()) else {
                continue;
            };
            let outcome = if by_peer.len() < 2 {
                Outcome::new(
                    Status::Skip,
                    target,
                    format!(
                        "only {} reports channel {channel} (height {high}): nothing to compare",
                        by_peer.keys().next().copied().unwrap_or_default()
                    ),
                )
            } else if low == high {
                Outcome::new(
                    Status::Pass,
                    target,
                    format!(
                        "{} peers of channel {channel} are all at height {high}",
                        by_peer.len()
                    ),
                )
            } else {
                let behind: Vec<String> = by_peer
                    .iter()
                    .filter(|(_, h)| **h < *high)
                    .map(|(p, h)| format!("{p} at {h}"))
                    .collect();
                Outcome::new(
                    Status::Warn,
                    target,
                    format!(
                        "peers of channel {channel} differ: highest {high}, behind: {}",
                        behind.join(", ")
                    ),
                )
            };
            out.push(outcome.with("channel", channel).with("heights", evidence));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::live::NodeRole;

    fn peer(name: &str, heights: &[(&str, u64)]) -> crate::inventory::live::OperationsObservation {
        ops(name, NodeRole::Peer, ok(200, "{}"), metrics(heights))
    }

    #[test]
    fn equal_heights_pass_and_a_lagging_peer_is_named() {
        let out = BlockHeightsDiffer.evaluate(
            &ctx(),
            &inventory(
                vec![],
                vec![
                    peer("peer0.org1", &[("mychannel", 6), ("other", 3)]),
                    peer("peer0.org2", &[("mychannel", 6), ("other", 2)]),
                    // Orderers have ledgers too, but the check compares peers.
                    ops(
                        "orderer0",
                        NodeRole::Orderer,
                        ok(200, "{}"),
                        metrics(&[("mychannel", 1)]),
                    ),
                ],
            ),
        );
        assert_eq!(out.len(), 2, "{out:#?}");
        assert_eq!(out[0].status, Status::Pass);
        assert_eq!(out[0].target.name, "channel mychannel");
        assert_eq!(out[1].status, Status::Warn);
        assert!(
            out[1].message.contains("peer0.org2 at 2"),
            "{}",
            out[1].message
        );
        assert_eq!(out[1].evidence["heights"]["peer0.org1"], 3);
    }

    #[test]
    fn unreadable_metrics_and_lone_peers_are_not_passes() {
        let out = BlockHeightsDiffer.evaluate(
            &ctx(),
            &inventory(
                vec![],
                vec![
                    peer("peer0.org1", &[("mychannel", 6)]),
                    ops(
                        "peer1.org1",
                        NodeRole::Peer,
                        ok(200, "{}"),
                        ok(404, "404 page not found"),
                    ),
                    ops(
                        "peer2.org1",
                        NodeRole::Peer,
                        ok(200, "{}"),
                        Err("connection refused".into()),
                    ),
                ],
            ),
        );
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(
            statuses,
            [Status::Skip, Status::Error, Status::Skip],
            "{out:#?}"
        );
        assert!(
            out[0].message.contains("CORE_METRICS_PROVIDER=prometheus"),
            "{}",
            out[0].message
        );
        assert!(out[2].message.contains("nothing to compare"));
    }

    #[test]
    fn peers_in_no_channel_skip() {
        let out =
            BlockHeightsDiffer.evaluate(&ctx(), &inventory(vec![], vec![peer("peer0.org1", &[])]));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Skip);
        assert!(out[0].message.contains("joined no channel"));
    }
}
