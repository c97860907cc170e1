//! HEALTH-004 `block-height-below-deployed`: on a network fabcheck deployed, a peer's height on
//! a channel the deploy created is below the number of blocks the deploy itself committed to it
//! (`LiveState::expected_heights`, computed by the deploy from what it did: the genesis block,
//! each anchor peer update, each chaincode lifecycle transaction).

use super::{operations_target, peer_heights, scheme_address, unreadable};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

pub struct BlockHeightBelowDeployed;

impl Check for BlockHeightBelowDeployed {
    fn id(&self) -> &'static str {
        "HEALTH-004"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        if inv.live.expected_heights.is_empty() {
            return nothing_to_check(
                inv,
                "channels with a known minimum height (only for the network deploy-and-verify deployed)",
            );
        }
        let peers = peer_heights(inv);
        if peers.is_empty() {
            return nothing_to_check(inv, "peer operations endpoints (ops= on a peer endpoint)");
        }
        let mut out = Vec::new();
        for (o, heights) in &peers {
            let heights = match heights {
                Ok(h) => h,
                Err((status, why)) => {
                    out.push(unreadable(o, *status, why));
                    continue;
                }
            };
            for (channel, expected) in &inv.live.expected_heights {
                let base = |status, message: String| {
                    Outcome::new(status, operations_target(o), message)
                        .with("node", o.name.clone())
                        .with("operations", scheme_address(o))
                        .with("channel", channel.clone())
                        .with("expected_minimum", expected.minimum)
                        .with("blocks_counted", expected.blocks.clone())
                };
                out.push(match heights.get(channel) {
                    None => base(
                        Status::Fail,
                        format!(
                            "{} reports no height for channel {channel}, which the deploy created and joined it to (at least {} block(s))",
                            o.name, expected.minimum
                        ),
                    ),
                    Some(h) if *h >= expected.minimum => base(
                        Status::Pass,
                        format!(
                            "{} is at height {h} on channel {channel} (the deploy committed at least {})",
                            o.name, expected.minimum
                        ),
                    )
                    .with("height", *h),
                    Some(h) => base(
                        Status::Fail,
                        format!(
                            "{} is at height {h} on channel {channel}, below the {} block(s) the deploy committed ({})",
                            o.name,
                            expected.minimum,
                            expected.blocks.join(", ")
                        ),
                    )
                    .with("height", *h),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::live::{ExpectedHeight, NodeRole};

    fn expected(inv: &mut Inventory) {
        inv.live.expected_heights.insert(
            "mychannel".into(),
            ExpectedHeight {
                minimum: 4,
                blocks: vec![
                    "genesis block".into(),
                    "anchor peer update for Org1MSP".into(),
                    "anchor peer update for Org2MSP".into(),
                    "chaincode approval by Org1MSP".into(),
                ],
            },
        );
    }

    #[test]
    fn at_or_above_the_minimum_passes_below_or_missing_fails() {
        let mut inv = inventory(
            vec![],
            vec![
                ops(
                    "peer0.org1",
                    NodeRole::Peer,
                    ok(200, "{}"),
                    metrics(&[("mychannel", 4)]),
                ),
                ops(
                    "peer0.org2",
                    NodeRole::Peer,
                    ok(200, "{}"),
                    metrics(&[("mychannel", 2)]),
                ),
                ops("peer1.org2", NodeRole::Peer, ok(200, "{}"), metrics(&[])),
            ],
        );
        expected(&mut inv);
        let out = BlockHeightBelowDeployed.evaluate(&ctx(), &inv);
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(statuses, [Status::Pass, Status::Fail, Status::Fail]);
        assert!(out[1].message.contains("at height 2"), "{}", out[1].message);
        assert!(out[1].message.contains("anchor peer update for Org2MSP"));
        assert!(out[2].message.contains("no height for channel mychannel"));
    }

    #[test]
    fn without_expectations_it_skips() {
        let inv = inventory(
            vec![],
            vec![ops(
                "peer0.org1",
                NodeRole::Peer,
                ok(200, "{}"),
                metrics(&[("mychannel", 4)]),
            )],
        );
        let out = BlockHeightBelowDeployed.evaluate(&ctx(), &inv);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Skip);
        assert!(out[0].message.contains("deploy-and-verify"));
    }
}
