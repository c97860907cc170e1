//! X509-005 `leaf-outlives-issuer`: a certificate that expires after the CA that issued it.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::{Inventory, IssuerLink};

use super::{cert_outcome, distinct, human_seconds, when};

pub struct LeafOutlivesIssuer;

impl Check for LeafOutlivesIssuer {
    fn id(&self) -> &'static str {
        "X509-005"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for d in distinct(inv) {
            let IssuerLink::Issued { issuer } = inv.links[d.index] else {
                continue;
            };
            let ca = &inv.certs[issuer];
            let excess = (d.cert.not_after - ca.not_after).whole_seconds();
            let (status, message) = if excess > 0 {
                (
                    Status::Fail,
                    format!(
                        "expires at {}, {} after its issuer {} (expires {}): it stops verifying when the CA expires",
                        when(d.cert.not_after),
                        human_seconds(excess),
                        ca.common_name(),
                        when(ca.not_after)
                    ),
                )
            } else {
                (
                    Status::Pass,
                    format!("expires no later than its issuer {}", ca.common_name()),
                )
            };
            out.push(
                cert_outcome(inv, &d, status, message)
                    .with("not_after", when(d.cert.not_after))
                    .with("issuer", ca.subject.clone())
                    .with("issuer_not_after", when(ca.not_after))
                    .with("excess_seconds", excess.max(0)),
            );
        }
        if out.is_empty() {
            return nothing_to_check(inv, "certificates with a resolved issuer");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn run(leaf_na: &str) -> Outcome {
        let ca = Cert::self_signed(
            Spec::new("o", "ca", "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z").ca(),
        );
        let leaf = ca.issue(Spec::new("o", "peer", "2021-01-01T00:00:00Z", leaf_na));
        let inv = inventory(
            vec![
                record(&ca, "cacerts/ca.pem"),
                record(&leaf, "signcerts/p.pem"),
            ],
            vec![],
            vec![],
        );
        LeafOutlivesIssuer
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0)
    }

    #[test]
    fn leaf_outliving_ca_fails_with_excess() {
        let o = run("2031-01-01T00:00:00Z");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.evidence["excess_seconds"], 365 * 86_400);
        assert_eq!(o.evidence["issuer_not_after"], "2030-01-01T00:00:00Z");
    }

    #[test]
    fn leaf_within_ca_passes() {
        assert_eq!(run("2030-01-01T00:00:00Z").status, Status::Pass);
    }
}
