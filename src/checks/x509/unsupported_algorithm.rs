//! X509-011 `unsupported-algorithm`: a key or signature algorithm that Fabric's MSP (through
//! its BCCSP) or Go's TLS stack will not accept, judged by how Fabric uses the certificate.
//!
//! Fabric's MSP imports the public key of every CA and identity certificate into its BCCSP
//! (`msp/mspimpl.go` `newIdentity` → `KeyImport(cert, X509PublicKeyImportOpts)`). From 2.0 the
//! software BCCSP imports ECDSA keys only (`bccsp/sw/keyimport.go`: "Certificate's public key
//! type not recognized. Supported keys: [ECDSA]"; 1.4 also took RSA), and the 3.x MSP accepts
//! Ed25519 only once the channel's MSP version is V3_0 (`msp/mspimplsetup.go` `setupV3` adds
//! Ed25519 to `supportedPublicKeyAlgorithms`; `validateIdentity` refuses every other
//! algorithm: "… is not supported"). The BCCSP generates keys on P-256 and P-384 only (security
//! levels 256 and 384), and cryptogen and fabric-ca issue nothing else.
//!
//! TLS material is read by Go's `crypto/tls`, which takes ECDSA on P-256/P-384/P-521, RSA and
//! Ed25519 certificates. Go's `crypto/x509` verifies ECDSA and RSA signatures with SHA-256/384/512
//! (SHA-1 only until Go 1.18: that is X509-012) and Ed25519; anything else — MD5, SHA-224 —
//! fails with "x509: cannot verify signature". A self-signed root's own signature is never
//! verified, so there it is only a warning. The signature's form (low-S) is X509-010's.

use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::cert::KeyKind;
use crate::inventory::signature::SignatureAlgorithm;
use crate::inventory::{Inventory, IssuerLink};

use super::{Uses, cert_outcome, per_used_cert};

pub struct UnsupportedAlgorithm;

/// Where Fabric accepts what, for one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub uses: Uses,
    /// The certificate's own signature is never verified (a self-signed root).
    pub self_signed: bool,
    /// A channel in the inventory runs the V3_0 channel capability (Fabric 3.x MSPs).
    pub v3_msp: bool,
}

/// The verdict on a certificate's key.
pub fn key_verdict(kind: &KeyKind, facts: Facts) -> (Status, String) {
    let identity = facts.uses.identity || facts.uses.identity_ca;
    match kind {
        KeyKind::Ec(curve) if curve == "P-256" || curve == "P-384" => {
            (Status::Pass, format!("ECDSA {curve} key"))
        }
        KeyKind::Ec(curve) if curve == "P-521" && identity => (
            Status::Warn,
            "ECDSA P-521 key: Fabric's software BCCSP verifies it, but the BCCSP generates keys on \
             P-256 and P-384 only and cryptogen and fabric-ca issue nothing else, so HSM-backed \
             (PKCS#11) nodes and other SDKs may not take it"
                .into(),
        ),
        KeyKind::Ec(curve) if curve == "P-521" => (
            Status::Pass,
            "ECDSA P-521 key (accepted by Go's crypto/tls)".into(),
        ),
        KeyKind::Ec(curve) if curve == "P-224" && identity => (
            Status::Warn,
            "ECDSA P-224 key: below the P-256/P-384 Fabric's BCCSP generates and its tools issue"
                .into(),
        ),
        KeyKind::Ec(curve) if curve == "P-224" => (
            Status::Fail,
            "ECDSA P-224 key: Go's crypto/tls signs handshakes only with P-256, P-384 and P-521 \
             keys, so no Fabric node can serve or present it"
                .into(),
        ),
        KeyKind::Ec(curve) => (
            Status::Fail,
            format!(
                "ECDSA key on {curve}: Go's crypto/x509 does not parse it (\"x509: unsupported \
                 elliptic curve\"), so Fabric cannot load the certificate"
            ),
        ),
        KeyKind::Rsa(_) if identity => (
            Status::Fail,
            "RSA key in an MSP: Fabric 2.0 and later import only ECDSA keys (bccsp/sw \
             keyimport.go: \"Certificate's public key type not recognized. Supported keys: \
             [ECDSA]\"), so the MSP does not set up; only Fabric 1.4 took RSA"
                .into(),
        ),
        KeyKind::Rsa(bits) if *bits < 1024 => (
            Status::Fail,
            format!(
                "RSA {bits} key: Go 1.24 and later refuse RSA keys under 1024 bits in TLS \
                 (crypto/rsa)"
            ),
        ),
        KeyKind::Rsa(bits) if *bits < 2048 => (
            Status::Warn,
            format!("RSA {bits} key: under 2048 bits, which no current TLS policy accepts"),
        ),
        KeyKind::Rsa(bits) => (
            Status::Pass,
            format!("RSA {bits} key (accepted by Go's crypto/tls for TLS)"),
        ),
        KeyKind::Ed25519 if identity && !facts.v3_msp => (
            Status::Fail,
            "Ed25519 key in an MSP: Fabric's MSP accepts Ed25519 only from 3.0 with the V3_0 \
             channel capability (msp/mspimplsetup.go setupV3); earlier releases and MSP \
             versions refuse the identity, and no channel here runs V3_0"
                .into(),
        ),
        KeyKind::Ed25519 if identity => (
            Status::Pass,
            "Ed25519 key, accepted by Fabric 3.x MSPs at the V3_0 channel capability".into(),
        ),
        KeyKind::Ed25519 => (
            Status::Pass,
            "Ed25519 key (accepted by Go's crypto/tls)".into(),
        ),
        KeyKind::Other(oid) => (
            Status::Fail,
            format!(
                "public key algorithm {oid}: neither Fabric's BCCSP nor Go's crypto/tls \
                 accepts it"
            ),
        ),
    }
}

/// The verdict on the algorithm the certificate's issuer signed it with.
pub fn signature_verdict(algorithm: &SignatureAlgorithm, self_signed: bool) -> (Status, String) {
    let supported = match algorithm {
        SignatureAlgorithm::Ecdsa { hash } | SignatureAlgorithm::Rsa { hash } => {
            matches!(*hash, "SHA-256" | "SHA-384" | "SHA-512" | "SHA-1")
        }
        SignatureAlgorithm::RsaPss | SignatureAlgorithm::Ed25519 => true,
        SignatureAlgorithm::Ed448 | SignatureAlgorithm::Other(_) => false,
    };
    let name = algorithm.describe();
    match (supported, self_signed) {
        (true, _) if algorithm.hash() == Some("SHA-1") => (
            Status::Pass,
            format!("signed with {name} (SHA-1 is judged by X509-012)"),
        ),
        (true, _) => (Status::Pass, format!("signed with {name}")),
        (false, false) => (
            Status::Fail,
            format!(
                "signed with {name}, which Go's crypto/x509 cannot verify (\"x509: cannot verify \
                 signature: algorithm unimplemented\" or \"insecure algorithm\"): Fabric refuses \
                 the chain"
            ),
        ),
        (false, true) => (
            Status::Warn,
            format!(
                "self-signed with {name}: Go never verifies a root's own signature, but \
                 other clients (SDKs, OpenSSL) may refuse it"
            ),
        ),
    }
}

impl Check for UnsupportedAlgorithm {
    fn id(&self) -> &'static str {
        "X509-011"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let v3_msp = inv
            .channels
            .iter()
            .any(|c| c.capabilities.channel.iter().any(|cap| cap == "V3_0"));
        per_used_cert(inv, |d, uses| {
            let facts = Facts {
                uses,
                self_signed: matches!(inv.links.get(d.index), Some(IssuerLink::SelfSigned)),
                v3_msp,
            };
            let kind = d.cert.key_kind();
            let (key_status, key_text) = key_verdict(&kind, facts);
            let (sig_status, sig_text) =
                signature_verdict(&d.cert.signature_algorithm, facts.self_signed);
            let status = key_status.max(sig_status);
            let message = match (key_status, sig_status) {
                (Status::Pass, Status::Pass) => format!("{key_text}, {sig_text}"),
                (Status::Pass, _) => sig_text,
                (_, Status::Pass) => key_text,
                _ => format!("{key_text}; {sig_text}"),
            };
            cert_outcome(inv, d, status, message)
                .with("key", kind.describe())
                .with("signature_algorithm", d.cert.signature_algorithm.describe())
                .with("used_as", uses.describe())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(identity: bool) -> Facts {
        Facts {
            uses: Uses {
                identity,
                tls_server: !identity,
                ..Uses::default()
            },
            self_signed: false,
            v3_msp: false,
        }
    }

    #[test]
    fn fabric_curves_pass_everywhere() {
        for curve in ["P-256", "P-384"] {
            for identity in [true, false] {
                let (s, m) = key_verdict(&KeyKind::Ec(curve.into()), facts(identity));
                assert_eq!(s, Status::Pass, "{m}");
            }
        }
    }

    #[test]
    fn rsa_fails_in_an_msp_but_not_in_tls() {
        let (s, m) = key_verdict(&KeyKind::Rsa(2048), facts(true));
        assert_eq!(s, Status::Fail);
        assert!(m.contains("Supported keys: [ECDSA]"), "{m}");
        assert_eq!(
            key_verdict(&KeyKind::Rsa(2048), facts(false)).0,
            Status::Pass
        );
        assert_eq!(
            key_verdict(&KeyKind::Rsa(1024), facts(false)).0,
            Status::Warn
        );
        assert_eq!(
            key_verdict(&KeyKind::Rsa(512), facts(false)).0,
            Status::Fail
        );
    }

    #[test]
    fn other_curves() {
        let (s, m) = key_verdict(&KeyKind::Ec("secp256k1".into()), facts(false));
        assert_eq!(s, Status::Fail);
        assert!(m.contains("unsupported elliptic curve"), "{m}");
        assert_eq!(
            key_verdict(&KeyKind::Ec("P-521".into()), facts(true)).0,
            Status::Warn
        );
        assert_eq!(
            key_verdict(&KeyKind::Ec("P-521".into()), facts(false)).0,
            Status::Pass
        );
        assert_eq!(
            key_verdict(&KeyKind::Ec("P-224".into()), facts(false)).0,
            Status::Fail
        );
    }

    #[test]
    fn ed25519_needs_the_v3_msp_for_identities() {
        let (s, m) = key_verdict(&KeyKind::Ed25519, facts(true));
        assert_eq!(s, Status::Fail);
        assert!(m.contains("V3_0"), "{m}");
        let v3 = Facts {
            v3_msp: true,
            ..facts(true)
        };
        assert_eq!(key_verdict(&KeyKind::Ed25519, v3).0, Status::Pass);
        assert_eq!(key_verdict(&KeyKind::Ed25519, facts(false)).0, Status::Pass);
    }

    #[test]
    fn signature_hashes() {
        let ecdsa = |hash| SignatureAlgorithm::Ecdsa { hash };
        assert_eq!(signature_verdict(&ecdsa("SHA-256"), false).0, Status::Pass);
        assert_eq!(signature_verdict(&ecdsa("SHA-384"), false).0, Status::Pass);
        let (s, m) = signature_verdict(&ecdsa("SHA-1"), false);
        assert_eq!(s, Status::Pass, "SHA-1 is X509-012's");
        assert!(m.contains("X509-012"), "{m}");
        let (s, m) = signature_verdict(&ecdsa("SHA-224"), false);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("cannot verify"), "{m}");
        assert_eq!(signature_verdict(&ecdsa("SHA-224"), true).0, Status::Warn);
        let md5 = SignatureAlgorithm::Rsa { hash: "MD5" };
        assert_eq!(signature_verdict(&md5, false).0, Status::Fail);
    }

    #[test]
    fn evaluates_p256_fabric_pki_as_pass() {
        use crate::checks::x509::testing::*;
        let ca = root("org1");
        let peer = ca.issue(Spec::new(
            "org1",
            "peer0",
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ));
        let inv = inventory(
            vec![
                record(&ca, "org1/msp/cacerts/ca.pem"),
                record(&peer, "org1/peers/peer0/msp/signcerts/peer0.pem"),
                record(&peer, "org1/stray/peer0.pem"),
            ],
            vec![],
            vec![],
        );
        let out = UnsupportedAlgorithm.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv);
        assert_eq!(out.len(), 2, "{out:#?}");
        for o in &out {
            assert_eq!(o.status, Status::Pass, "{}", o.message);
            assert!(o.message.contains("ECDSA P-256 key"), "{}", o.message);
        }
    }
}
