//! TLS-002 `not-tls`: the server answered, but not with TLS (plaintext HTTP/2, garbage).

use super::{not_reached, per_endpoint};
use crate::checks::Check;
use crate::context::Context;
use crate::inventory::Inventory;
use crate::inventory::live::HandshakeFailure;
use crate::report::{Outcome, Status, Target, TargetKind};

pub struct NotTls;

impl Check for NotTls {
    fn id(&self) -> &'static str {
        "TLS-002"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            match &o.primary.handshake {
                Some(Err(HandshakeFailure::NotTls(why))) => Outcome::new(
                    Status::Fail,
                    target,
                    format!("the server does not speak TLS: {why}"),
                ),
                Some(_) => Outcome::new(Status::Pass, target, "the server speaks TLS"),
                None => Outcome::new(Status::Skip, target, "no TLS handshake was attempted"),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn plaintext_fails_tls_passes_unreachable_skips() {
        let inv = inventory(vec![
            observed(failed(HandshakeFailure::NotTls(
                "HTTP/2 preface in plaintext".into(),
            ))),
            observed(healthy()),
            unreachable(),
        ]);
        let out = NotTls.evaluate(&ctx(), &inv);
        assert_eq!(
            out.iter().map(|o| o.status).collect::<Vec<_>>(),
            vec![Status::Fail, Status::Pass, Status::Skip]
        );
        assert!(out[0].message.contains("plaintext"));
    }
}
