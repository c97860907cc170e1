//! X509-003 `expires-soon`: a valid certificate that expires within the warning period.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

use super::{cert_outcome, distinct, when};

pub struct ExpiresSoon;

impl Check for ExpiresSoon {
    fn id(&self) -> &'static str {
        "X509-003"
    }

    fn evaluate(&self, ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let window = ctx.policy.expiry_warning;
        let mut out = Vec::new();
        for d in distinct(inv) {
            let c = d.cert;
            let left = c.not_after - ctx.now;
            let (status, message) = if left.is_negative() || c.not_before > ctx.now {
                (
                    Status::Skip,
                    "not currently valid (see X509-002)".to_owned(),
                )
            } else if left <= window {
                (
                    Status::Warn,
                    format!(
                        "expires in {} days, at {}",
                        left.whole_days(),
                        when(c.not_after)
                    ),
                )
            } else {
                (
                    Status::Pass,
                    format!("expires in {} days", left.whole_days()),
                )
            };
            out.push(
                cert_outcome(inv, &d, status, message)
                    .with("not_after", when(c.not_after))
                    .with("days_left", left.whole_days())
                    .with("warning_days", window.whole_days()),
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

    fn status(na: &str, at: &str) -> (Status, Outcome) {
        let c = Cert::self_signed(Spec::new("o", "c", "2020-01-01T00:00:00Z", na).ca());
        let inv = inventory(vec![record(&c, "ca.pem")], vec![], vec![]);
        let o = ExpiresSoon.evaluate(&ctx(at), &inv).remove(0);
        (o.status, o)
    }

    #[test]
    fn within_thirty_days_warns() {
        let (s, o) = status("2026-12-01T00:00:00Z", "2026-11-21T00:00:00Z");
        assert_eq!(s, Status::Warn);
        assert_eq!(o.evidence["days_left"], 10);
        assert!(o.message.starts_with("expires in 10 days"));
    }

    #[test]
    fn far_expiry_passes_and_expired_is_left_to_x509_002() {
        assert_eq!(
            status("2030-01-01T00:00:00Z", "2026-11-21T00:00:00Z").0,
            Status::Pass
        );
        assert_eq!(
            status("2021-01-01T00:00:00Z", "2026-11-21T00:00:00Z").0,
            Status::Skip
        );
    }

    #[test]
    fn warning_period_is_policy() {
        let c = Cert::self_signed(
            Spec::new("o", "c", "2020-01-01T00:00:00Z", "2027-01-31T00:00:00Z").ca(),
        );
        let inv = inventory(vec![record(&c, "ca.pem")], vec![], vec![]);
        let mut cx = ctx("2026-11-21T00:00:00Z");
        assert_eq!(ExpiresSoon.evaluate(&cx, &inv)[0].status, Status::Pass);
        cx.policy.expiry_warning = time::Duration::days(90);
        assert_eq!(ExpiresSoon.evaluate(&cx, &inv)[0].status, Status::Warn);
    }
}
