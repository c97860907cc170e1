//! TLS-001 `endpoint-unreachable`: the TCP connection fails (refused, timed out, no DNS).

use super::per_endpoint;
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;

pub struct EndpointUnreachable;

impl Check for EndpointUnreachable {
    fn id(&self) -> &'static str {
        "TLS-001"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            match &o.connect_error {
                Some(e) => Outcome::new(Status::Error, target, e.to_string()),
                None => Outcome::new(Status::Pass, target, "reachable"),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn refused_is_an_error_naming_the_endpoint() {
        let out = EndpointUnreachable
            .evaluate(&ctx(), &inventory(vec![unreachable(), observed(healthy())]));
        assert_eq!(out[0].status, Status::Error);
        assert!(
            out[0]
                .message
                .contains("failed to connect to 127.0.0.1:7051: connection refused")
        );
        assert_eq!(out[0].target.locator.as_deref(), Some("peer0.org1"));
        assert_eq!(out[1].status, Status::Pass);
        assert_eq!(
            EndpointUnreachable.evaluate(&ctx(), &inventory(vec![]))[0].status,
            Status::Skip
        );
    }
}
