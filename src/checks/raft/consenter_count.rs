//! RAFT-001 `consenter-count`: too few consenters to survive a failure. etcdraft needs a
//! majority: 3 consenters survive one loss, an even count adds a node without adding
//! tolerance. BFT needs n ≥ 3f + 1 to tolerate f faulty nodes: 4 at least, and counts between
//! the 3f + 1 steps add nodes without adding tolerance.

use crate::checks::channel::{complete, target};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

pub struct ConsenterCount;

/// The verdict for `n` consenters of `kind` (`etcdraft` or `BFT`).
pub fn judge(kind: &str, n: usize) -> (Status, String) {
    if kind == "BFT" {
        let f = n.saturating_sub(1) / 3;
        return if n < 4 {
            (
                Status::Fail,
                format!(
                    "{n} BFT consenter(s) tolerate no faulty node: BFT needs n >= 3f+1, 4 for f = 1"
                ),
            )
        } else if n != 3 * f + 1 {
            (
                Status::Warn,
                format!(
                    "{n} BFT consenters tolerate f = {f}, as {} do: the extra node(s) add no tolerance",
                    3 * f + 1
                ),
            )
        } else {
            (
                Status::Pass,
                format!("{n} BFT consenters tolerate f = {f} faulty"),
            )
        };
    }
    let tolerated = n.saturating_sub(1) / 2;
    if n < 3 {
        (
            Status::Fail,
            format!("{n} etcdraft consenter(s): losing one stops the channel (3 survive one loss)"),
        )
    } else if n.is_multiple_of(2) {
        (
            Status::Warn,
            format!(
                "{n} etcdraft consenters (even) tolerate {tolerated} loss(es), as {} do",
                n - 1
            ),
        )
    } else {
        (
            Status::Pass,
            format!("{n} etcdraft consenters tolerate {tolerated} loss(es)"),
        )
    }
}

impl Check for ConsenterCount {
    fn id(&self) -> &'static str {
        "RAFT-001"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let out: Vec<Outcome> = complete(inv)
            .filter_map(|c| {
                let (kind, consenters) = c.consenters()?;
                let (status, message) = judge(kind, consenters.len());
                Some(
                    Outcome::new(
                        status,
                        target(c, Some("Channel/Orderer ConsensusType metadata")),
                        format!("{}: {message}", c.describe()),
                    )
                    .with("consenters", consenters.len())
                    .with("consensus", kind),
                )
            })
            .collect();
        if out.is_empty() {
            return nothing_to_check(inv, "etcdraft or BFT channel configurations");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raft_and_bft_sizes() {
        assert_eq!(judge("etcdraft", 1).0, Status::Fail);
        assert_eq!(judge("etcdraft", 2).0, Status::Fail);
        assert_eq!(judge("etcdraft", 3).0, Status::Pass);
        assert_eq!(judge("etcdraft", 4).0, Status::Warn);
        assert_eq!(judge("etcdraft", 5).0, Status::Pass);
        assert_eq!(judge("BFT", 3).0, Status::Fail);
        assert_eq!(judge("BFT", 4).0, Status::Pass);
        assert_eq!(judge("BFT", 5).0, Status::Warn);
        assert_eq!(judge("BFT", 7).0, Status::Pass);
        assert!(judge("BFT", 7).1.contains("f = 2"));
    }
}
