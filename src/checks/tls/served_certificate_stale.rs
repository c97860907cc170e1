//! TLS-012 `served-certificate-stale`: the node serves a TLS certificate other than the one the
//! deployment gives it (`CORE_PEER_TLS_CERT_FILE`, `ORDERER_GENERAL_TLS_CERTIFICATE`, an
//! endpoints file's `tls_cert`). Fabric reads its TLS key pair at start-up only (orderers can
//! reload through the admin API since 2.x, peers not), so after a renewal the files are new and
//! the node still serves the old certificate until it restarts — until the old one expires, or
//! a client pins the new one.

use super::{not_reached, per_endpoint};
use crate::checks::Check;
use crate::checks::x509::when;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::cert::CertFacts;

pub struct ServedCertificateStale;

/// The verdict on a served leaf against the deployment's certificate (at `origin`).
pub fn verdict(served: &CertFacts, expected: &CertFacts, origin: &str) -> (Status, String) {
    if served.der == expected.der {
        return (
            Status::Pass,
            format!("serves the certificate the deployment gives it ({origin})"),
        );
    }
    let hint = if served.not_before < expected.not_before {
        "the served one is older: the node was not restarted after the renewal"
    } else if served.not_before > expected.not_before {
        "the served one is newer: the deployment's file is out of date"
    } else {
        "they are different certificates"
    };
    (
        Status::Fail,
        format!(
            "serves {} (serial {}, valid from {}, sha256 {}) but the deployment gives it {} \
             (serial {}, valid from {}, sha256 {}) in {origin}: {hint}",
            served.subject,
            served.serial,
            when(served.not_before),
            &served.fingerprint[..16],
            expected.subject,
            expected.serial,
            when(expected.not_before),
            &expected.fingerprint[..16],
        ),
    )
}

impl Check for ServedCertificateStale {
    fn id(&self) -> &'static str {
        "TLS-012"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            let Some(expected) = &o.endpoint.expected_certificate else {
                return Outcome::new(
                    Status::Skip,
                    target,
                    "the deployment does not say which certificate this node serves (no \
                     CORE_PEER_TLS_CERT_FILE or ORDERER_GENERAL_TLS_CERTIFICATE found through a \
                     bind mount, no tls_cert in the endpoints file)",
                );
            };
            let der = match &expected.der {
                Ok(d) => d,
                Err(e) => {
                    return Outcome::new(
                        Status::Error,
                        target,
                        format!("cannot evaluate: {}: {e}", expected.origin),
                    );
                }
            };
            let Some(leaf) = o.primary.served_chain.first() else {
                return Outcome::new(Status::Skip, target, "no certificate was served");
            };
            match (CertFacts::parse(leaf), CertFacts::parse(der)) {
                (Ok(served), Ok(want)) => {
                    let (status, message) = verdict(&served, &want, &expected.origin);
                    Outcome::new(status, target, message)
                        .with("served_sha256", served.fingerprint.clone())
                        .with("expected_sha256", want.fingerprint.clone())
                        .with("expected_at", expected.origin.clone())
                }
                (Err(e), _) | (_, Err(e)) => Outcome::new(
                    Status::Error,
                    target,
                    format!("cannot evaluate: a certificate does not parse: {e}"),
                ),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(path: &str) -> CertFacts {
        let full = format!("{}/fixtures/tls/{path}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
        let block = crate::inventory::pem::blocks(&text).remove(0);
        CertFacts::parse(&block.contents.expect("PEM")).expect("certificate")
    }

    #[test]
    fn fixtures() {
        let deployed = pem("TLS-012/deployed.pem");
        let (s, m) = verdict(&pem("TLS-012/pass/served.pem"), &deployed, "tls/server.crt");
        assert_eq!(s, Status::Pass, "{m}");
        let (s, m) = verdict(&pem("TLS-012/fail/served.pem"), &deployed, "tls/server.crt");
        assert_eq!(s, Status::Fail, "{m}");
        assert!(m.contains("not restarted after the renewal"), "{m}");
    }
}
