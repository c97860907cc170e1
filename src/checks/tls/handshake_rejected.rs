//! TLS-003 `handshake-rejected`: with the org's TLS CA as the only root, the handshake fails
//! on the server's certificate (unknown issuer, expired, not yet valid, other).

use super::{chain_subjects, not_reached, per_endpoint};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::HandshakeFailure;

pub struct HandshakeRejected;

impl Check for HandshakeRejected {
    fn id(&self) -> &'static str {
        "TLS-003"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            let roots = o
                .endpoint
                .tls_roots_origin
                .clone()
                .unwrap_or_else(|| "no TLS root configured (tls_ca)".into());
            let a = &o.primary;
            let (status, message) = match &a.handshake {
                Some(Ok(())) => (
                    Status::Pass,
                    format!(
                        "handshake completed: {} {}",
                        a.protocol_version.as_deref().unwrap_or("?"),
                        a.cipher_suite.as_deref().unwrap_or("?")
                    ),
                ),
                Some(Err(HandshakeFailure::UnknownIssuer)) if o.endpoint.tls_roots.is_empty() => (
                    Status::Fail,
                    format!(
                        "no usable TLS root for this endpoint ({roots}), so no server certificate can verify"
                    ),
                ),
                Some(Err(HandshakeFailure::UnknownIssuer)) => (
                    Status::Fail,
                    format!(
                        "the server's certificate is not issued by the configured TLS root ({roots}): x509: certificate signed by unknown authority"
                    ),
                ),
                Some(Err(HandshakeFailure::Expired)) => (
                    Status::Fail,
                    "the server's certificate has expired (see X509-002 for its dates)".to_owned(),
                ),
                Some(Err(HandshakeFailure::NotYetValid)) => (
                    Status::Fail,
                    "the server's certificate is not yet valid".to_owned(),
                ),
                Some(Err(HandshakeFailure::Other(why))) => {
                    (Status::Fail, format!("the handshake failed: {why}"))
                }
                Some(Err(_)) => (
                    Status::Skip,
                    "the handshake failed for a reason another TLS check reports".to_owned(),
                ),
                None => (Status::Skip, "no TLS handshake was attempted".to_owned()),
            };
            let mut out = Outcome::new(status, target, message)
                .with("tls_roots", roots)
                .with("served_chain", chain_subjects(&a.served_chain));
            if let Some(v) = &a.protocol_version {
                out = out.with("protocol", v.clone());
            }
            if let Some(c) = &a.cipher_suite {
                out = out.with("cipher_suite", c.clone());
            }
            out
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn certificate_failures_fail_with_their_reason() {
        let inv = inventory(vec![
            observed(healthy()),
            observed(failed(HandshakeFailure::UnknownIssuer)),
            observed(failed(HandshakeFailure::Expired)),
            observed(failed(HandshakeFailure::NameMismatch {
                offered: vec!["x".into()],
            })),
        ]);
        let out = HandshakeRejected.evaluate(&ctx(), &inv);
        assert_eq!(
            out.iter().map(|o| o.status).collect::<Vec<_>>(),
            vec![Status::Pass, Status::Fail, Status::Fail, Status::Skip]
        );
        assert!(out[0].message.contains("TLSv1_3"));
        assert!(out[1].message.contains("signed by unknown authority"));
        assert!(out[2].message.contains("expired"));
    }

    #[test]
    fn insecure_runs_say_verification_was_off() {
        let mut o = observed(healthy());
        o.insecure = true;
        let out = HandshakeRejected.evaluate(&ctx(), &inventory(vec![o]));
        assert!(out[0].message.starts_with("(verification off: --insecure)"));
        assert_eq!(out[0].evidence["verification"], "off");
    }
}
