//! X509-001 `leaf-predates-issuer`: a certificate valid before its issuing CA is.
//!
//! fabric-ca backdates NotBefore by 5 minutes, so a CA less than 5 minutes old issues
//! certificates that start before it does; verifiers reject them until the CA's NotBefore.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::{Inventory, IssuerLink};

use super::{cert_outcome, distinct, human_seconds, when};

pub struct LeafPredatesIssuer;

impl Check for LeafPredatesIssuer {
    fn id(&self) -> &'static str {
        "X509-001"
    }

    fn evaluate(&self, ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for d in distinct(inv) {
            let IssuerLink::Issued { issuer } = inv.links[d.index] else {
                continue;
            };
            let ca = &inv.certs[issuer];
            let gap = (ca.not_before - d.cert.not_before).whole_seconds();
            let (status, message) = if gap <= 0 {
                (
                    Status::Pass,
                    format!(
                        "valid from {}, not before its issuer {}",
                        when(d.cert.not_before),
                        ca.common_name()
                    ),
                )
            } else if ctx.now < ca.not_before {
                (
                    Status::Fail,
                    format!(
                        "valid from {}, {} before its issuer {} (valid from {}): rejected as \"not yet valid\" until then",
                        when(d.cert.not_before),
                        human_seconds(gap),
                        ca.common_name(),
                        when(ca.not_before)
                    ),
                )
            } else {
                (
                    Status::Fail,
                    format!(
                        "valid from {}, {} before its issuer {} (valid from {}): the CA issued it within {} of its own creation, so verifiers rejected it for that long; the issuing process will fail again on the next fresh deployment",
                        when(d.cert.not_before),
                        human_seconds(gap),
                        ca.common_name(),
                        when(ca.not_before),
                        human_seconds(gap)
                    ),
                )
            };
            out.push(
                cert_outcome(inv, &d, status, message)
                    .with("not_before", when(d.cert.not_before))
                    .with("issuer", ca.subject.clone())
                    .with("issuer_not_before", when(ca.not_before))
                    .with("issuer_origin", ca.origin.to_string())
                    .with("gap_seconds", gap.max(0)),
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

    fn run(leaf_nb: &str, at: &str) -> Vec<Outcome> {
        let ca = Cert::self_signed(
            Spec::new(
                "org1",
                "ca.org1",
                "2026-01-01T12:00:00Z",
                "2036-01-01T00:00:00Z",
            )
            .ca(),
        );
        let leaf = ca.issue(Spec::new(
            "org1",
            "peer0.org1",
            leaf_nb,
            "2027-01-01T00:00:00Z",
        ));
        let inv = inventory(
            vec![
                record(&ca, "msp/cacerts/ca.pem"),
                record(&leaf, "msp/signcerts/peer.pem"),
            ],
            vec![],
            vec![],
        );
        LeafPredatesIssuer.evaluate(&ctx(at), &inv)
    }

    #[test]
    fn fabric_ca_backdate_is_reported_with_the_gap() {
        let out = run("2026-01-01T11:55:00Z", "2026-06-01T00:00:00Z");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Fail);
        assert_eq!(out[0].evidence["gap_seconds"], 300);
        assert_eq!(out[0].target.name, "msp/signcerts/peer.pem");
        assert!(
            out[0].message.contains("5m 0s before its issuer ca.org1"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn currently_rejected_when_ca_not_yet_valid() {
        let out = run("2026-01-01T11:55:00Z", "2026-01-01T11:58:00Z");
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0]
                .message
                .contains("rejected as \"not yet valid\" until then")
        );
    }

    #[test]
    fn leaf_after_ca_passes() {
        let out = run("2026-01-01T12:00:00Z", "2026-06-01T00:00:00Z");
        assert_eq!(out[0].status, Status::Pass);
        assert_eq!(out[0].evidence["gap_seconds"], 0);
    }

    #[test]
    fn roots_alone_are_nothing_to_check() {
        let ca = root("org1");
        let inv = inventory(vec![record(&ca, "ca.pem")], vec![], vec![]);
        let out = LeafPredatesIssuer.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Skip);
    }
}
