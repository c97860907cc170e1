//! X509-012 `sha1-signature`: a certificate Fabric loads that its issuer signed with SHA-1.
//!
//! Go 1.18 stopped accepting SHA-1 signatures in certificate verification (crypto/x509:
//! "x509: cannot verify signature: insecure algorithm SHA1-RSA (temporarily override with
//! GODEBUG=x509sha1=1)"; the override was removed in Go 1.24). Every Fabric 2.5 and 3.x release
//! is built with a Go that refuses them (Fabric main's go.mod asks for Go 1.26), and so is any
//! older release built with a current Go (Fabric 1.4.12's MSP built with Go 1.19 refuses such
//! a signcert: "insecure algorithm ECDSA-SHA1"), so an identity,
//! intermediate CA or TLS certificate signed with SHA-1 fails chain verification in the MSP
//! and in TLS. A self-signed root's own signature is never verified, so a SHA-1 root is a
//! warning: it works, but it is what every other stack is dropping.

use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::signature::SignatureAlgorithm;
use crate::inventory::{Inventory, IssuerLink};

use super::{cert_outcome, per_used_cert};

pub struct Sha1Signature;

/// The verdict on a certificate signed with `algorithm`.
pub fn verdict(algorithm: &SignatureAlgorithm, self_signed: bool) -> (Status, String) {
    let name = algorithm.describe();
    match (algorithm.hash() == Some("SHA-1"), self_signed) {
        (false, _) => (Status::Pass, format!("signed with {name}")),
        (true, false) => (
            Status::Fail,
            format!(
                "signed with {name}: Go 1.18 and later refuse SHA-1 signatures (\"x509: cannot \
                 verify signature: insecure algorithm\"), and every Fabric 2.5 and 3.x release \
                 (and any older release built with a current Go) is built with one, so the MSP \
                 and TLS refuse this certificate"
            ),
        ),
        (true, true) => (
            Status::Warn,
            format!(
                "self-signed with {name}: Go never verifies a root's own signature, so Fabric \
                 still accepts it, but SHA-1 is refused everywhere else it is checked"
            ),
        ),
    }
}

impl Check for Sha1Signature {
    fn id(&self) -> &'static str {
        "X509-012"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_used_cert(inv, |d, _| {
            let self_signed = matches!(inv.links.get(d.index), Some(IssuerLink::SelfSigned));
            let (status, message) = verdict(&d.cert.signature_algorithm, self_signed);
            cert_outcome(inv, d, status, message)
                .with("signature_algorithm", d.cert.signature_algorithm.describe())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_fails_unless_self_signed() {
        let sha1 = SignatureAlgorithm::Rsa { hash: "SHA-1" };
        let (s, m) = verdict(&sha1, false);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("insecure algorithm"), "{m}");
        assert_eq!(verdict(&sha1, true).0, Status::Warn);
        let ecdsa_sha1 = SignatureAlgorithm::Ecdsa { hash: "SHA-1" };
        assert_eq!(verdict(&ecdsa_sha1, false).0, Status::Fail);
        let good = SignatureAlgorithm::Ecdsa { hash: "SHA-256" };
        assert_eq!(verdict(&good, false).0, Status::Pass);
        assert_eq!(verdict(&SignatureAlgorithm::Ed25519, false).0, Status::Pass);
    }
}
