//! TLS-006 `alpn-not-h2`: the TLS handshake did not negotiate HTTP/2, which gRPC needs.

use super::{not_reached, per_endpoint};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;

pub struct AlpnNotH2;

impl Check for AlpnNotH2 {
    fn id(&self) -> &'static str {
        "TLS-006"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            match (&o.primary.handshake, o.primary.alpn.as_deref()) {
                (Some(Ok(())), Some("h2")) => {
                    Outcome::new(Status::Pass, target, "ALPN negotiated h2")
                }
                (Some(Ok(())), other) => Outcome::new(
                    Status::Fail,
                    target,
                    format!(
                        "ALPN negotiated {}, not h2: gRPC clients cannot use this connection",
                        other.map_or("nothing".to_owned(), |p| format!("'{p}'"))
                    ),
                )
                .with("alpn", other.map(str::to_owned)),
                _ => Outcome::new(Status::Skip, target, "no completed handshake to inspect"),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn missing_or_wrong_alpn_fails() {
        let mut none = healthy();
        none.alpn = None;
        let mut http1 = healthy();
        http1.alpn = Some("http/1.1".into());
        let out = AlpnNotH2.evaluate(
            &ctx(),
            &inventory(vec![observed(healthy()), observed(none), observed(http1)]),
        );
        assert_eq!(
            out.iter().map(|o| o.status).collect::<Vec<_>>(),
            vec![Status::Pass, Status::Fail, Status::Fail]
        );
        assert!(out[1].message.contains("ALPN negotiated nothing"));
    }
}
