//! X509-002 `outside-validity-window`: expired or not yet valid at the evaluation instant.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

use super::{cert_outcome, distinct, human_seconds, when};

pub struct OutsideValidityWindow;

impl Check for OutsideValidityWindow {
    fn id(&self) -> &'static str {
        "X509-002"
    }

    fn evaluate(&self, ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let skew = ctx.policy.clock_skew;
        let mut out = Vec::new();
        for d in distinct(inv) {
            let c = d.cert;
            let mut problems = Vec::new();
            if c.not_after < ctx.now - skew {
                problems.push(format!(
                    "expired at {} ({} ago)",
                    when(c.not_after),
                    human_seconds((ctx.now - c.not_after).whole_seconds())
                ));
            }
            if c.not_before > ctx.now + skew {
                problems.push(format!(
                    "not yet valid: valid from {} (in {})",
                    when(c.not_before),
                    human_seconds((c.not_before - ctx.now).whole_seconds())
                ));
            }
            let (status, message) = if problems.is_empty() {
                (
                    Status::Pass,
                    format!("valid from {} to {}", when(c.not_before), when(c.not_after)),
                )
            } else {
                (Status::Fail, problems.join("; "))
            };
            out.push(
                cert_outcome(inv, &d, status, message)
                    .with("not_before", when(c.not_before))
                    .with("not_after", when(c.not_after))
                    .with("evaluated_at", when(ctx.now))
                    .with("clock_skew_seconds", skew.whole_seconds()),
            );
        }
        if out.is_empty() {
            return nothing_to_check(inv, "certificates");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::context::Policy;

    fn one(nb: &str, na: &str, at: &str) -> Outcome {
        let c = Cert::self_signed(Spec::new("org1", "ca.org1", nb, na).ca());
        let inv = inventory(vec![record(&c, "ca.pem")], vec![], vec![]);
        OutsideValidityWindow.evaluate(&ctx(at), &inv).remove(0)
    }

    #[test]
    fn expired() {
        let o = one(
            "2018-04-02T17:16:25Z",
            "2018-04-03T17:16:25Z",
            "2026-11-21T00:00:00Z",
        );
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message.starts_with("expired at 2018-04-03T17:16:25Z"),
            "{}",
            o.message
        );
        assert_eq!(o.evidence["not_after"], "2018-04-03T17:16:25Z");
    }

    #[test]
    fn not_yet_valid() {
        let o = one(
            "2037-01-01T00:00:00Z",
            "2038-01-01T00:00:00Z",
            "2026-11-21T00:00:00Z",
        );
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.starts_with("not yet valid"), "{}", o.message);
    }

    #[test]
    fn valid_passes_and_boundaries_hold() {
        assert_eq!(
            one(
                "2020-01-01T00:00:00Z",
                "2030-01-01T00:00:00Z",
                "2026-11-21T00:00:00Z"
            )
            .status,
            Status::Pass
        );
        assert_eq!(
            one(
                "2020-01-01T00:00:00Z",
                "2030-01-01T00:00:00Z",
                "2030-01-01T00:00:00Z"
            )
            .status,
            Status::Pass
        );
        assert_eq!(
            one(
                "2020-01-01T00:00:00Z",
                "2030-01-01T00:00:00Z",
                "2030-01-01T00:00:01Z"
            )
            .status,
            Status::Fail
        );
    }

    #[test]
    fn clock_skew_allowance_tolerates_near_misses() {
        let c = Cert::self_signed(
            Spec::new("o", "c", "2026-01-01T00:02:00Z", "2030-01-01T00:00:00Z").ca(),
        );
        let inv = inventory(vec![record(&c, "ca.pem")], vec![], vec![]);
        let mut cx = ctx("2026-01-01T00:00:00Z");
        assert_eq!(
            OutsideValidityWindow.evaluate(&cx, &inv)[0].status,
            Status::Fail
        );
        cx.policy = Policy {
            clock_skew: time::Duration::minutes(5),
            ..Policy::default()
        };
        assert_eq!(
            OutsideValidityWindow.evaluate(&cx, &inv)[0].status,
            Status::Pass
        );
    }
}
