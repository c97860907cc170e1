//! Builders for the health evaluator unit tests: observations made in memory, as the probes
//! would report them, with no network.

use crate::context::Context;
use crate::inventory::Inventory;
use crate::inventory::live::{
    GrpcHealth, HttpAnswer, NodeRole, OperationsEndpoint, OperationsObservation, TlsAttempt,
    TlsEndpoint, TlsObservation,
};

pub fn ctx() -> Context {
    Context::at(time::macros::datetime!(2026-01-01 0:00 UTC))
}

/// A TLS observation of `name` whose health call answered `health`.
pub fn tls(
    name: &str,
    role: NodeRole,
    health: Option<Result<GrpcHealth, String>>,
) -> TlsObservation {
    TlsObservation {
        endpoint: TlsEndpoint {
            name: name.into(),
            address: format!("{name}:7051"),
            role,
            ..TlsEndpoint::default()
        },
        connect_error: None,
        primary: TlsAttempt {
            handshake: Some(Ok(())),
            alpn: Some("h2".into()),
            grpc: Some(Ok("UNIMPLEMENTED".into())),
            grpc_health: health,
            ..TlsAttempt::default()
        },
        without_client_cert: None,
        insecure: false,
        policy: None,
    }
}

pub fn ok(status: u16, body: &str) -> Result<HttpAnswer, String> {
    Ok(HttpAnswer {
        status,
        content_type: Some("application/json".into()),
        body: body.into(),
        truncated: false,
    })
}

pub fn metrics(heights: &[(&str, u64)]) -> Result<HttpAnswer, String> {
    let mut body = String::from("# TYPE ledger_blockchain_height gauge\n");
    for (channel, h) in heights {
        body.push_str(&format!(
            "ledger_blockchain_height{{channel=\"{channel}\"}} {h}\n"
        ));
    }
    ok(200, &body)
}

pub fn ops(
    name: &str,
    role: NodeRole,
    healthz: Result<HttpAnswer, String>,
    metrics: Result<HttpAnswer, String>,
) -> OperationsObservation {
    OperationsObservation {
        name: name.into(),
        role,
        endpoint: OperationsEndpoint {
            address: format!("{name}:9443"),
            tls: true,
            ..OperationsEndpoint::default()
        },
        healthz,
        metrics,
    }
}

pub fn inventory(tls: Vec<TlsObservation>, operations: Vec<OperationsObservation>) -> Inventory {
    let mut inv = Inventory {
        source: "endpoints:test".into(),
        ..Inventory::default()
    };
    inv.live.tls = tls;
    inv.live.operations = operations;
    inv
}
