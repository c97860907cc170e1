//! TLS-005 `client-auth-mismatch`: the server's client authentication against what the client
//! has and what the deployment says (`*_TLS_CLIENTAUTHREQUIRED`).

use super::{not_reached, per_endpoint};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::{HandshakeFailure, TlsObservation};

pub struct ClientAuthMismatch;

fn judge(o: &TlsObservation) -> (Status, String) {
    let says = o.endpoint.client_auth_required;
    let has_identity = o.endpoint.client_identity.is_some();
    match (&o.primary.handshake, &o.without_client_cert) {
        (Some(Err(HandshakeFailure::ClientCertRequired)), _) if !has_identity => (
            Status::Fail,
            "the server requires a client certificate (mutual TLS is on) and none is configured for this client".into(),
        ),
        (Some(Err(HandshakeFailure::ClientCertRejected(why))), _) => {
            (Status::Fail, format!("the server rejected the client certificate: {why}"))
        }
        (Some(Ok(())), Some(without)) => {
            let enforced = matches!(without.handshake, Some(Err(HandshakeFailure::ClientCertRequired)));
            match (enforced, says) {
                (false, Some(true)) => (Status::Fail, "the deployment requires client authentication, but the server accepted a client without a certificate".into()),
                (true, Some(false)) => (Status::Fail, "the server demands a client certificate although the deployment says client authentication is off".into()),
                (true, _) => (Status::Pass, "mutual TLS enforced; the configured client certificate is accepted".into()),
                (false, _) => (Status::Pass, "client authentication is not enforced, as configured".into()),
            }
        }
        (Some(Ok(())), None) if says == Some(true) => (
            Status::Fail,
            "the deployment requires client authentication, but the server accepted a client without a certificate".into(),
        ),
        (Some(Ok(())), None) => (Status::Pass, "the server does not ask for a client certificate".into()),
        _ => (Status::Skip, "the handshake failed for a reason another TLS check reports".into()),
    }
}

impl Check for ClientAuthMismatch {
    fn id(&self) -> &'static str {
        "TLS-005"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let (status, message) = judge(o);
            let mut out = Outcome::new(
                status,
                Target::new(TargetKind::Endpoint, o.endpoint.address.clone()),
                message,
            )
            .with(
                "client_identity",
                o.endpoint
                    .client_identity
                    .as_ref()
                    .map(|i| i.cert_origin.clone()),
            );
            if let Some(says) = o.endpoint.client_auth_required {
                out = out.with("deployment_requires_client_auth", says);
            }
            out
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::live::ClientIdentity;

    fn identity() -> Option<ClientIdentity> {
        Some(ClientIdentity {
            chain: vec![vec![1]],
            key_pem: zeroize::Zeroizing::new(b"secret".to_vec()),
            cert_origin: "client.pem".into(),
        })
    }

    #[test]
    fn required_without_identity_fails() {
        let out = ClientAuthMismatch.evaluate(
            &ctx(),
            &inventory(vec![observed(failed(HandshakeFailure::ClientCertRequired))]),
        );
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("mutual TLS is on"));
    }

    #[test]
    fn enforcement_is_compared_with_the_deployment() {
        let mut enforced = observed(healthy());
        enforced.endpoint.client_identity = identity();
        enforced.without_client_cert = Some(failed(HandshakeFailure::ClientCertRequired));
        enforced.endpoint.client_auth_required = Some(true);
        let mut open = enforced.clone();
        open.without_client_cert = Some(healthy());
        let mut rejected = enforced.clone();
        rejected.primary = failed(HandshakeFailure::ClientCertRejected(
            "bad certificate".into(),
        ));
        let out = ClientAuthMismatch.evaluate(&ctx(), &inventory(vec![enforced, open, rejected]));
        assert_eq!(
            out.iter().map(|o| o.status).collect::<Vec<_>>(),
            vec![Status::Pass, Status::Fail, Status::Fail]
        );
        assert!(
            out[1]
                .message
                .contains("accepted a client without a certificate")
        );
        let text = format!("{:?}", out);
        assert!(
            !text.contains("secret"),
            "key material never reaches an outcome"
        );
    }
}
