//! TLS-008 `slow-handshake`: the TLS handshake took longer than a second.

use super::{not_reached, per_endpoint};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;

pub struct SlowHandshake;

/// Fabric clients dial with short timeouts; a handshake over this leaves little room.
const SLOW_MS: u64 = 1000;

impl Check for SlowHandshake {
    fn id(&self) -> &'static str {
        "TLS-008"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            match (&o.primary.handshake, o.primary.handshake_ms) {
                (Some(Ok(())), Some(ms)) if ms > SLOW_MS => Outcome::new(
                    Status::Warn,
                    target,
                    format!("the handshake took {ms} ms (over {SLOW_MS} ms)"),
                )
                .with("handshake_ms", ms),
                (Some(Ok(())), Some(ms)) => {
                    Outcome::new(Status::Pass, target, format!("the handshake took {ms} ms"))
                        .with("handshake_ms", ms)
                }
                _ => Outcome::new(Status::Skip, target, "no completed handshake to time"),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn over_a_second_warns() {
        let mut slow = healthy();
        slow.handshake_ms = Some(1500);
        let out = SlowHandshake.evaluate(
            &ctx(),
            &inventory(vec![observed(healthy()), observed(slow)]),
        );
        assert_eq!(
            out.iter().map(|o| o.status).collect::<Vec<_>>(),
            vec![Status::Pass, Status::Warn]
        );
    }
}
