//! Builders for the TLS evaluator unit tests: observations made in memory, as the probe would
//! report them, with no network.

use crate::context::Context;
use crate::inventory::Inventory;
use crate::inventory::live::{HandshakeFailure, TlsAttempt, TlsEndpoint, TlsObservation};
use crate::probe::ProbeError;

pub fn ctx() -> Context {
    Context::at(time::macros::datetime!(2026-01-01 0:00 UTC))
}

pub fn endpoint() -> TlsEndpoint {
    TlsEndpoint {
        name: "peer0.org1".into(),
        address: "127.0.0.1:7051".into(),
        tls_roots: vec![vec![1]],
        ..TlsEndpoint::default()
    }
}

/// A healthy attempt: TLS 1.3, h2, gRPC answered.
pub fn healthy() -> TlsAttempt {
    TlsAttempt {
        handshake: Some(Ok(())),
        protocol_version: Some("TLSv1_3".into()),
        cipher_suite: Some("TLS13_AES_128_GCM_SHA256".into()),
        alpn: Some("h2".into()),
        handshake_ms: Some(3),
        grpc: Some(Ok("Unimplemented".into())),
        grpc_method: Some("/protos.Endorser/ProcessProposal".into()),
        ..TlsAttempt::default()
    }
}

pub fn failed(f: HandshakeFailure) -> TlsAttempt {
    TlsAttempt {
        handshake: Some(Err(f)),
        ..TlsAttempt::default()
    }
}

pub fn observed(primary: TlsAttempt) -> TlsObservation {
    TlsObservation {
        endpoint: endpoint(),
        connect_error: None,
        primary,
        without_client_cert: None,
        insecure: false,
        policy: None,
    }
}

pub fn unreachable() -> TlsObservation {
    TlsObservation {
        connect_error: Some(ProbeError::Connect {
            endpoint: "127.0.0.1:7051".into(),
            reason: "connection refused".into(),
        }),
        ..observed(TlsAttempt::default())
    }
}

pub fn inventory(obs: Vec<TlsObservation>) -> Inventory {
    let mut inv = Inventory {
        source: "test".into(),
        ..Inventory::default()
    };
    inv.live.tls = obs;
    inv
}
