//! X509-006 `empty-validity-window`: NotAfter not later than NotBefore; never valid.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

use super::{cert_outcome, distinct, human_seconds, when};

pub struct EmptyValidityWindow;

impl Check for EmptyValidityWindow {
    fn id(&self) -> &'static str {
        "X509-006"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let out: Vec<Outcome> = distinct(inv)
            .iter()
            .map(|d| {
                let c = d.cert;
                let window = (c.not_after - c.not_before).whole_seconds();
                let (status, message) = if window <= 0 {
                    (
                        Status::Fail,
                        format!(
                            "never valid: NotAfter {} is {} NotBefore {}",
                            when(c.not_after),
                            if window == 0 {
                                "equal to".to_owned()
                            } else {
                                format!("{} before", human_seconds(-window))
                            },
                            when(c.not_before)
                        ),
                    )
                } else {
                    (Status::Pass, format!("valid for {}", human_seconds(window)))
                };
                cert_outcome(inv, d, status, message)
                    .with("not_before", when(c.not_before))
                    .with("not_after", when(c.not_after))
                    .with("window_seconds", window)
            })
            .collect();
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

    fn one(nb: &str, na: &str) -> Outcome {
        let c = Cert::self_signed(Spec::new("o", "c", nb, na).ca());
        let inv = inventory(vec![record(&c, "ca.pem")], vec![], vec![]);
        EmptyValidityWindow
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0)
    }

    #[test]
    fn inverted_window_fails() {
        let o = one("2018-04-05T19:35:16Z", "2018-04-04T19:35:16Z");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.evidence["window_seconds"], -86_400);
        assert!(o.message.contains("1d 0h before"), "{}", o.message);
    }

    #[test]
    fn zero_window_fails_and_positive_passes() {
        assert_eq!(
            one("2037-01-01T00:00:00Z", "2037-01-01T00:00:00Z").status,
            Status::Fail
        );
        assert_eq!(
            one("2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z").status,
            Status::Pass
        );
    }
}
