//! TLS-007 `grpc-not-answering`: after a good handshake the endpoint does not answer gRPC
//! (any status, even an error for the empty request, proves that it does).

use super::{not_reached, per_endpoint};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;

pub struct GrpcNotAnswering;

impl Check for GrpcNotAnswering {
    fn id(&self) -> &'static str {
        "TLS-007"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            let method = o.primary.grpc_method.clone().unwrap_or_default();
            match &o.primary.grpc {
                Some(Ok(code)) => Outcome::new(
                    Status::Pass,
                    target,
                    format!("gRPC answered {method} with status {code}"),
                )
                .with("grpc_status", code.clone()),
                Some(Err(e)) => Outcome::new(
                    Status::Fail,
                    target,
                    format!("gRPC call {method} failed: {e}"),
                ),
                None => Outcome::new(
                    Status::Skip,
                    target,
                    "no gRPC call was made (the handshake or ALPN failed; see TLS-003..006)",
                ),
            }
            .with("method", method)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn any_status_passes_transport_errors_fail() {
        let mut broken = healthy();
        broken.grpc = Some(Err("connection reset after HTTP/2 preface".into()));
        let out = GrpcNotAnswering.evaluate(
            &ctx(),
            &inventory(vec![
                observed(healthy()),
                observed(broken),
                observed(Default::default()),
            ]),
        );
        assert_eq!(
            out.iter().map(|o| o.status).collect::<Vec<_>>(),
            vec![Status::Pass, Status::Fail, Status::Skip]
        );
        assert!(out[0].message.contains("Unimplemented"));
    }
}
