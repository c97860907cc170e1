//! CHANNEL-001 `artifact-undecodable`: a block or transaction that is not the channel
//! configuration Fabric would read from it (not protobuf, a block of transactions where a
//! genesis block belongs, a config value that does not decode).

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::channel::ConfigSource;

pub struct ArtifactUndecodable;

impl Check for ArtifactUndecodable {
    fn id(&self) -> &'static str {
        "CHANNEL-001"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out: Vec<Outcome> = inv
            .channel_problems
            .iter()
            .map(|p| {
                Outcome::new(
                    Status::Fail,
                    p.origin.target(),
                    format!("not a channel configuration Fabric reads: {}", p.reason),
                )
            })
            .collect();
        for c in inv
            .channels
            .iter()
            .filter(|c| !matches!(c.source, ConfigSource::Profile { .. }))
        {
            let target = super::target(c, None);
            out.push(if c.problems.is_empty() {
                Outcome::new(Status::Pass, target, format!("decodes: {}", c.describe()))
            } else {
                Outcome::new(
                    Status::Fail,
                    target,
                    format!(
                        "{}: {} value(s) Fabric would not decode: {}",
                        c.describe(),
                        c.problems.len(),
                        c.problems.join("; ")
                    ),
                )
                .with("problems", c.problems.clone())
            });
        }
        if out.is_empty() {
            return nothing_to_check(inv, "Fabric blocks or transactions");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::{Origin, Problem};

    #[test]
    fn decoded_passes_problems_fail_nothing_skips() {
        let mut bad = block("bad");
        bad.problems
            .push("Channel/Orderer value BatchSize: failed to decode: buffer underflow".into());
        let mut inv = inventory(vec![block("good"), bad]);
        inv.channel_problems.push(Problem {
            origin: Origin::file("net/extractcherr.tx"),
            expected: "Fabric block or transaction",
            reason: "failed to decode as a Fabric block or transaction: it is text (25 bytes), not protobuf".into(),
        });
        let out = ArtifactUndecodable.evaluate(&ctx(), &inv);
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(statuses, [Status::Fail, Status::Pass, Status::Fail]);
        assert!(out[0].message.contains("it is text"));
        assert!(out[2].message.contains("BatchSize"));
        let out = ArtifactUndecodable.evaluate(&ctx(), &inventory(Vec::new()));
        assert_eq!(out[0].status, Status::Skip);
    }
}
