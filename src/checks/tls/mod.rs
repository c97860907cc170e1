//! TLS and gRPC checks (`TLS-…`) over what the TLS probe saw when it dialled each peer and
//! orderer as a Fabric client would. Certificates the servers sent are also judged by the
//! certificate checks (their findings name the endpoint).

use crate::checks::nothing_to_check;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::TlsObservation;

pub mod alpn_not_h2;
pub mod client_auth_mismatch;
pub mod endpoint_unreachable;
pub mod grpc_not_answering;
pub mod handshake_rejected;
pub mod legacy_protocol_accepted;
pub mod name_not_covered;
pub mod not_tls;
pub mod served_certificate_stale;
pub mod served_chain_invalid;
pub mod slow_handshake;
#[cfg(test)]
pub(crate) mod testing;
pub mod weak_cipher_accepted;

/// The name the certificate must cover: the SNI override, or the host dialled.
pub fn dialled_name(o: &TlsObservation) -> String {
    o.endpoint.server_name.clone().unwrap_or_else(|| {
        o.endpoint
            .address
            .rsplit_once(':')
            .map_or(o.endpoint.address.clone(), |(h, _)| {
                h.trim_matches(['[', ']']).to_owned()
            })
    })
}

/// Applies `judge` to every probed endpoint. Unreachable endpoints are TLS-001's to report; the
/// other checks skip them. With `--insecure`, every message says verification was off.
pub fn per_endpoint(inv: &Inventory, judge: impl Fn(&TlsObservation) -> Outcome) -> Vec<Outcome> {
    if inv.live.tls.is_empty() {
        return nothing_to_check(inv, "TLS endpoints (--endpoints, --endpoint)");
    }
    inv.live
        .tls
        .iter()
        .map(|o| {
            let mut out = judge(o);
            out.target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone())
                .with_locator(Some(o.endpoint.name.clone()));
            out = out
                .with("endpoint", o.endpoint.name.clone())
                .with("dialled_name", dialled_name(o));
            if o.insecure {
                out.message = format!("(verification off: --insecure) {}", out.message);
                out = out.with("verification", "off");
            }
            out
        })
        .collect()
}

/// The outcome for an endpoint a check cannot judge because an earlier stage failed.
pub fn not_reached(o: &TlsObservation) -> Option<Outcome> {
    let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
    if o.connect_error.is_some() {
        return Some(Outcome::new(
            Status::Skip,
            target,
            "not reachable (see TLS-001)",
        ));
    }
    None
}

/// Subjects of a served chain, leaf first, for evidence.
pub fn chain_subjects(chain: &[Vec<u8>]) -> Vec<String> {
    use x509_parser::prelude::FromDer;
    chain
        .iter()
        .map(
            |der| match x509_parser::certificate::X509Certificate::from_der(der) {
                Ok((_, c)) => c.subject().to_string(),
                Err(_) => "<unparseable certificate>".to_owned(),
            },
        )
        .collect()
}
