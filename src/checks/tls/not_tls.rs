//! TLS-002 `not-tls`: the server answered, but not with TLS (plaintext HTTP/2, garbage).

use super::{not_reached, per_endpoint};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::HandshakeFailure;

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
                Some(Ok(())) => Outcome::new(
                    Status::Pass,
                    target,
                    format!(
                        "the server completed a TLS handshake{}",
                        o.primary
                            .protocol_version
                            .as_deref()
                            .map(|v| format!(" ({v})"))
                            .unwrap_or_default()
                    ),
                ),
                // Only a TLS server gets as far as a certificate or a client-certificate
                // request; why the handshake then failed is TLS-003..005's to judge.
                Some(Err(
                    failure @ (HandshakeFailure::UnknownIssuer
                    | HandshakeFailure::Expired
                    | HandshakeFailure::NotYetValid
                    | HandshakeFailure::NameMismatch { .. }
                    | HandshakeFailure::ClientCertRequired
                    | HandshakeFailure::ClientCertRejected(_)),
                )) => Outcome::new(
                    Status::Pass,
                    target,
                    format!(
                        "the server answered in TLS (the handshake then failed: {})",
                        failure_text(failure)
                    ),
                ),
                // A certificate arrived before something else went wrong: it speaks TLS.
                Some(Err(HandshakeFailure::Other(why))) if !o.primary.served_chain.is_empty() => {
                    Outcome::new(
                        Status::Pass,
                        target,
                        format!("the server sent a certificate in TLS (then: {why})"),
                    )
                }
                // Accepted the connection but never answered in TLS (silence, a reset, EOF):
                // what was seen is all that can be said.
                Some(Err(HandshakeFailure::Other(why))) => Outcome::new(
                    Status::Error,
                    target,
                    format!(
                        "could not tell whether the server speaks TLS: it accepted the TCP connection but no TLS answer came ({why})"
                    ),
                ),
                None => Outcome::new(Status::Skip, target, "no TLS handshake was attempted"),
            }
        })
    }
}

fn failure_text(failure: &HandshakeFailure) -> String {
    match failure {
        HandshakeFailure::UnknownIssuer => "certificate signed by an unknown authority".into(),
        HandshakeFailure::Expired => "certificate expired".into(),
        HandshakeFailure::NotYetValid => "certificate not yet valid".into(),
        HandshakeFailure::NameMismatch { offered } => {
            format!("certificate names {}", offered.join(", "))
        }
        HandshakeFailure::ClientCertRequired => "a client certificate is required".into(),
        HandshakeFailure::ClientCertRejected(why) => format!("client certificate rejected: {why}"),
        HandshakeFailure::NotTls(why) | HandshakeFailure::Other(why) => why.clone(),
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

    #[test]
    fn silence_after_tcp_is_reported_as_seen_not_as_tls() {
        // A server that accepts TCP and sends nothing: no evidence either way.
        let inv = inventory(vec![
            observed(failed(HandshakeFailure::Other(
                "timed out after 5s waiting for the server's hello".into(),
            ))),
            observed(failed(HandshakeFailure::UnknownIssuer)),
        ]);
        let out = NotTls.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Error, "{}", out[0].message);
        assert!(
            out[0].message.contains("no TLS answer came"),
            "{}",
            out[0].message
        );
        assert!(
            !out[0].message.starts_with("the server speaks TLS"),
            "{}",
            out[0].message
        );
        assert_eq!(out[1].status, Status::Pass);
        assert!(
            out[1].message.contains("unknown authority"),
            "{}",
            out[1].message
        );
    }
}
