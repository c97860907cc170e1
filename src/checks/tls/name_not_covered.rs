//! TLS-004 `name-not-covered`: the server's certificate does not cover the name dialled (or
//! the `ssl-target-name-override`).

use super::{dialled_name, not_reached, per_endpoint};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::HandshakeFailure;

pub struct NameNotCovered;

impl Check for NameNotCovered {
    fn id(&self) -> &'static str {
        "TLS-004"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            let name = dialled_name(o);
            match &o.primary.handshake {
                Some(Err(HandshakeFailure::NameMismatch { offered })) => Outcome::new(
                    Status::Fail,
                    target,
                    format!(
                        "the certificate covers {} but not {name}",
                        if offered.is_empty() {
                            "no names".to_owned()
                        } else {
                            offered.join(", ")
                        }
                    ),
                )
                .with("offered_names", offered.clone()),
                Some(Ok(())) => Outcome::new(
                    Status::Pass,
                    target,
                    format!("the certificate covers {name}"),
                ),
                _ => Outcome::new(
                    Status::Skip,
                    target,
                    "the handshake did not get as far as checking the name",
                ),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn mismatch_lists_offered_names_against_the_dialled_one() {
        let mut o = observed(failed(HandshakeFailure::NameMismatch {
            offered: vec!["peer0.org1.example.com".into()],
        }));
        o.endpoint.server_name = Some("peer0.org1".into());
        let out = NameNotCovered.evaluate(&ctx(), &inventory(vec![o, observed(healthy())]));
        assert_eq!(out[0].status, Status::Fail);
        assert_eq!(
            out[0].message,
            "the certificate covers peer0.org1.example.com but not peer0.org1"
        );
        assert_eq!(out[1].status, Status::Pass);
        assert!(
            out[1].message.contains("127.0.0.1"),
            "without an override the host dialled is the name"
        );
    }
}
