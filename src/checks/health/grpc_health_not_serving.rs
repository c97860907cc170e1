//! HEALTH-001 `grpc-health-not-serving`: `grpc.health.v1.Health/Check`, asked on the verified
//! TLS connection the TLS probe makes, does not answer SERVING.
//!
//! Which Fabric servers register the health service, from Fabric's code
//! (`internal/pkg/comm/server.go` registers it when `ServerConfig.HealthCheckEnabled`):
//! - peers: only the chaincode listener's server (`createChaincodeServer` in
//!   `internal/peer/node/start.go`, 2.0 and later), whose TLS comes from the peer's own
//!   ephemeral CA; the peer's own port (7051) never serves it;
//! - orderers: the main server since v3.1.2 (`orderer/common/server/main.go`, fabric#5307);
//! - Fabric 1.4: nowhere (`core/comm` has no health server).
//!
//! So UNIMPLEMENTED is what Fabric's own code answers on a peer port and on an older orderer:
//! a skip that says why, never a failure. A server that does serve it and says anything but
//! SERVING fails.

use crate::checks::Check;
use crate::checks::nothing_to_check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::{GrpcHealth, NodeRole, TlsObservation};

pub struct GrpcHealthNotServing;

impl Check for GrpcHealthNotServing {
    fn id(&self) -> &'static str {
        "HEALTH-001"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        if inv.live.tls.is_empty() {
            return nothing_to_check(inv, "peer or orderer endpoints (--endpoints, --endpoint)");
        }
        inv.live
            .tls
            .iter()
            .map(|o| {
                let mut out = judge(o)
                    .with("endpoint", o.endpoint.name.clone())
                    .with("method", crate::probe::tls::HEALTH_METHOD);
                out.target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone())
                    .with_locator(Some(o.endpoint.name.clone()));
                if o.insecure {
                    out.message = format!("(verification off: --insecure) {}", out.message);
                    out = out.with("verification", "off");
                }
                out
            })
            .collect()
    }
}

fn judge(o: &TlsObservation) -> Outcome {
    let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
    let role = match o.endpoint.role {
        NodeRole::Peer => "peer",
        NodeRole::Orderer => "orderer",
    };
    if o.connect_error.is_some() {
        return Outcome::new(Status::Skip, target, "not reachable (see TLS-001)");
    }
    let Some(health) = &o.primary.grpc_health else {
        return Outcome::new(
            Status::Skip,
            target,
            "no gRPC call was made (the handshake or ALPN failed; see TLS-002..006)",
        );
    };
    match health {
        Ok(GrpcHealth::Status(s)) if s == "SERVING" => Outcome::new(
            Status::Pass,
            target,
            format!("the {role}'s gRPC health service reports SERVING"),
        )
        .with("serving_status", s.clone()),
        Ok(GrpcHealth::Status(s)) => Outcome::new(
            Status::Fail,
            target,
            format!("the {role}'s gRPC health service reports {s}, not SERVING"),
        )
        .with("serving_status", s.clone()),
        Ok(GrpcHealth::Refused { code, message }) if code == "UNIMPLEMENTED" => {
            let why = match o.endpoint.role {
                NodeRole::Peer => {
                    "not served on the peer port: Fabric peers register grpc.health.v1 only on their chaincode listener (2.0+), and Fabric 1.4 nowhere (Fabric < 2.x on the chaincode port?)"
                }
                NodeRole::Orderer => {
                    "not served (Fabric < 3.1.2?): Fabric orderers register grpc.health.v1 since v3.1.2, and Fabric 1.4 nowhere"
                }
            };
            Outcome::new(Status::Skip, target, format!("grpc.health.v1 {why}"))
                .with("grpc_status", code.clone())
                .with("grpc_message", message.clone())
        }
        Ok(GrpcHealth::Refused { code, message }) => Outcome::new(
            Status::Fail,
            target,
            format!(
                "the {role} refused the health check with gRPC status {code}{}",
                if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                }
            ),
        )
        .with("grpc_status", code.clone())
        .with("grpc_message", message.clone()),
        Err(e) if matches!(o.primary.grpc, Some(Err(_))) => Outcome::new(
            Status::Skip,
            target,
            format!("the endpoint does not answer gRPC (see TLS-007): {e}"),
        ),
        Err(e) => Outcome::new(
            Status::Error,
            target,
            format!("the health call got no gRPC answer: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn status(s: &str) -> Option<Result<GrpcHealth, String>> {
        Some(Ok(GrpcHealth::Status(s.into())))
    }

    fn refused(code: &str) -> Option<Result<GrpcHealth, String>> {
        Some(Ok(GrpcHealth::Refused {
            code: code.into(),
            message: "unknown service grpc.health.v1.Health".into(),
        }))
    }

    #[test]
    fn serving_passes_anything_else_served_fails() {
        let out = GrpcHealthNotServing.evaluate(
            &ctx(),
            &inventory(
                vec![
                    tls("orderer0", NodeRole::Orderer, status("SERVING")),
                    tls("orderer1", NodeRole::Orderer, status("NOT_SERVING")),
                    tls("orderer2", NodeRole::Orderer, refused("PERMISSION_DENIED")),
                ],
                vec![],
            ),
        );
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(statuses, [Status::Pass, Status::Fail, Status::Fail]);
        assert!(out[1].message.contains("NOT_SERVING"), "{}", out[1].message);
        assert_eq!(out[0].target.name, "orderer0:7051");
        assert!(out[2].message.contains("PERMISSION_DENIED"));
    }

    #[test]
    fn unimplemented_is_a_skip_that_says_which_fabric_serves_it() {
        let out = GrpcHealthNotServing.evaluate(
            &ctx(),
            &inventory(
                vec![
                    tls("peer0", NodeRole::Peer, refused("UNIMPLEMENTED")),
                    tls("orderer0", NodeRole::Orderer, refused("UNIMPLEMENTED")),
                ],
                vec![],
            ),
        );
        assert!(out.iter().all(|o| o.status == Status::Skip));
        assert!(
            out[0].message.contains("chaincode listener"),
            "{}",
            out[0].message
        );
        assert!(
            out[0].message.contains("Fabric < 2.x"),
            "{}",
            out[0].message
        );
        assert!(
            out[1].message.contains("not served (Fabric < 3.1.2?)"),
            "{}",
            out[1].message
        );
    }

    #[test]
    fn no_answer_is_an_error_unless_grpc_itself_failed() {
        let mut dead = tls(
            "peer1",
            NodeRole::Peer,
            Some(Err("connection reset".into())),
        );
        dead.primary.grpc = Some(Err("connection reset".into()));
        let out = GrpcHealthNotServing.evaluate(
            &ctx(),
            &inventory(
                vec![
                    tls(
                        "peer0",
                        NodeRole::Peer,
                        Some(Err("no gRPC answer within 5000 ms".into())),
                    ),
                    dead,
                    tls("peer2", NodeRole::Peer, None),
                ],
                vec![],
            ),
        );
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(statuses, [Status::Error, Status::Skip, Status::Skip]);
        assert!(out[1].message.contains("TLS-007"));
    }

    #[test]
    fn no_endpoints_is_one_skip() {
        let out = GrpcHealthNotServing.evaluate(&ctx(), &inventory(vec![], vec![]));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Skip);
    }
}
