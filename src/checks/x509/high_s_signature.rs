//! X509-010 `high-s-signature`: a self-signed CA of an MSP whose ECDSA signature is high-S
//! (`s > n/2`), which Fabric builds made with Go 1.19 or later refuse unless they carry
//! hyperledger/fabric#3774 (2.5.0 and later do; every 1.4.x and 2.0–2.4.x lacks it).
//!
//! Fabric's MSP rewrites the signature of every ECDSA certificate it loads into low-S
//! (`sanitizeCert`, msp/mspimpl.go, with `SignatureToLowS`). Where config.yaml names a CA (the
//! NodeOUs and OU identifiers, which cryptogen and fabric-ca always write), the MSP then
//! verifies the CA's original certificate against its own rewritten copy; since Go 1.19 x509
//! takes a certificate with the same subject and key as one already in the chain for a loop and
//! skips it, so a high-S root chains to nothing: "sanitizeCert failed the supplied identity is
//! not valid: x509: certificate signed by unknown authority", and the orderer panics at
//! bootstrap, the peer does not start. #3774 sanitizes a self-signed root before verifying it,
//! and changes nothing else: a high-S certificate issued by a CA chains to that CA's rewritten
//! copy in every build, and TLS CA certificates are never rewritten (`setupTLSCAs`). Those pass
//! here, with their form in the evidence.
//!
//! Scope: the certificates in MSP folders (cacerts, intermediatecerts, signcerts, admincerts,
//! tlscacerts, tlsintermediatecerts) and every certificate up their chains.

use std::collections::HashMap;

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::cert::hex;
use crate::inventory::chain::path_to_root;
use crate::inventory::layout::Role;
use crate::inventory::signature::{SForm, SignatureError, SignatureForm};
use crate::inventory::{Inventory, IssuerLink};

use super::{cert_outcome, distinct};

pub struct HighSSignature;

/// The builds that refuse a high-S root, for messages.
const REFUSED_BY: &str = "Fabric 1.4.x and 2.0-2.4.x built with Go 1.19 or later refuse it \
                          (fixed in 2.5.0 by fabric#3774)";

/// MSP folders whose certificates Fabric's MSP loads as identities or identity CAs, through
/// `sanitizeCert`.
const IDENTITY_ROLES: [Role; 4] = [
    Role::MspCaCert,
    Role::MspIntermediateCert,
    Role::MspSignCert,
    Role::MspAdminCert,
];
/// MSP folders of TLS CAs, which Fabric's MSP verifies without rewriting.
const TLS_ROLES: [Role; 2] = [Role::MspTlsCaCert, Role::MspTlsIntermediateCert];

/// Where a certificate stands, which decides whether its signature form matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A self-signed CA that an MSP's identities chain to (or that sits in cacerts/).
    IdentityRoot,
    /// A self-signed CA reached only from TLS folders.
    TlsRoot,
    /// Issued by another certificate: rewritten against its issuer, which chains in every build.
    Issued,
}

/// The form of a certificate's signature, as far as it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    Read(SignatureForm),
    /// The issuer is not among the artifacts: the curve, and so `n`, is unknown.
    SignerUnknown,
    Unreadable(SignatureError),
}

/// The verdict on one certificate's signature form.
pub fn verdict(form: &Form, place: Place, issuer: &str) -> (Status, String) {
    let ecdsa = match form {
        Form::Unreadable(e) => return (Status::Error, format!("cannot evaluate: {e}")),
        Form::SignerUnknown => {
            return (
                Status::Pass,
                format!(
                    "issued by {issuer}, which is not among the artifacts: only a self-signed \
                     root is refused for its signature form"
                ),
            );
        }
        Form::Read(SignatureForm::NotEcdsa(alg)) => {
            return (
                Status::Pass,
                format!(
                    "signed with {}: only ECDSA signatures have a high-S form",
                    alg.describe()
                ),
            );
        }
        Form::Read(SignatureForm::Ecdsa { form, .. }) => *form,
    };
    match (ecdsa, place) {
        (SForm::Low, Place::IdentityRoot | Place::TlsRoot) => {
            (Status::Pass, "self-signed CA; signature is low-S".into())
        }
        (SForm::Low, Place::Issued) => (Status::Pass, format!("signature by {issuer} is low-S")),
        (SForm::High, Place::IdentityRoot) => (
            Status::Fail,
            format!(
                "self-signed CA signed high-S (s > n/2): {REFUSED_BY}: their MSP rewrites it to \
                 low-S and then cannot chain it (\"sanitizeCert failed the supplied identity is \
                 not valid: x509: certificate signed by unknown authority\"), so an orderer or \
                 peer using this MSP does not start"
            ),
        ),
        (SForm::High, Place::TlsRoot) => (
            Status::Pass,
            "TLS CA signed high-S, which is harmless: Fabric's MSP does not rewrite TLS CA \
             certificates, and TLS verification accepts either form"
                .into(),
        ),
        (SForm::High, Place::Issued) => (
            Status::Pass,
            format!(
                "signed high-S by {issuer}, which is harmless: Fabric rewrites it against its \
                 issuer, which every build still chains (only self-signed roots are refused)"
            ),
        ),
    }
}

impl Check for HighSSignature {
    fn id(&self) -> &'static str {
        "X509-010"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let scope = scope(inv);
        let mut out = Vec::new();
        for d in distinct(inv) {
            let Some(&reach) = scope.get(d.cert.fingerprint.as_str()) else {
                continue;
            };
            let (signer, place) = match &inv.links[d.index] {
                IssuerLink::SelfSigned => (
                    Some(d.cert),
                    if reach.identity {
                        Place::IdentityRoot
                    } else {
                        Place::TlsRoot
                    },
                ),
                IssuerLink::Issued { issuer } => (Some(&inv.certs[*issuer]), Place::Issued),
                // No verified issuer: X509-004 reports the chain; the form is read with the
                // certificate's own key when it names itself as issuer.
                _ => (d.cert.self_issued().then_some(d.cert), Place::Issued),
            };
            let form = match signer {
                Some(s) => match d.cert.signature_form(s) {
                    Ok(f) => Form::Read(f),
                    Err(e) => Form::Unreadable(e),
                },
                None => Form::SignerUnknown,
            };
            let issuer_name = signer
                .map(|s| s.common_name().to_owned())
                .unwrap_or_else(|| d.cert.issuer.clone());
            let (status, message) = verdict(&form, place, &issuer_name);
            let mut o = cert_outcome(inv, &d, status, message)
                .with("issuer", d.cert.issuer.clone())
                .with("signature_algorithm", d.cert.signature_algorithm.describe());
            if let Form::Read(SignatureForm::Ecdsa { curve, form, s }) = &form {
                o = o
                    .with("signature_form", form.as_str())
                    .with("curve", curve.name())
                    .with("s", hex(s))
                    .with("half_order", hex(&curve.half_order()));
            }
            out.push(o);
        }
        if out.is_empty() {
            return nothing_to_check(inv, "certificates in MSP folders");
        }
        out
    }
}

/// How a certificate is reached from the MSP folders.
#[derive(Debug, Clone, Copy, Default)]
struct Reach {
    /// From an identity folder (cacerts, intermediatecerts, signcerts, admincerts).
    identity: bool,
}

/// Every certificate in an MSP folder or up the chain of one, by fingerprint.
fn scope(inv: &Inventory) -> HashMap<&str, Reach> {
    let mut scope: HashMap<&str, Reach> = HashMap::new();
    for (i, c) in inv.certs.iter().enumerate() {
        let role = c.layout.role();
        let identity = IDENTITY_ROLES.contains(&role);
        if !identity && !TLS_ROLES.contains(&role) {
            continue;
        }
        for j in path_to_root(&inv.links, i).0 {
            scope
                .entry(inv.certs[j].fingerprint.as_str())
                .or_default()
                .identity |= identity;
        }
    }
    scope
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::signature::SignatureAlgorithm;

    const AT: &str = "2026-01-01T00:00:00Z";

    fn run(records: Vec<crate::inventory::CertRecord>) -> Vec<Outcome> {
        HighSSignature.evaluate(&ctx(AT), &inventory(records, vec![], vec![]))
    }

    fn of<'a>(out: &'a [Outcome], path: &str) -> &'a Outcome {
        out.iter()
            .find(|o| o.target.name == path)
            .unwrap_or_else(|| panic!("no outcome for {path}: {out:#?}"))
    }

    fn ca(org: &str, high_s: bool) -> Cert {
        let spec = Spec::new(
            org,
            &format!("ca.{org}"),
            "2020-01-01T00:00:00Z",
            "2040-01-01T00:00:00Z",
        )
        .ca();
        Cert::self_signed(if high_s { spec.high_s() } else { spec })
    }

    fn leaf(issuer: &Cert, cn: &str, high_s: bool) -> Cert {
        let spec = Spec::new(
            &issuer.spec.org,
            cn,
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        );
        issuer.issue(if high_s { spec.high_s() } else { spec })
    }

    #[test]
    fn high_s_msp_root_fails_naming_the_builds_and_the_values() {
        let root = ca("org1", true);
        let out = run(vec![
            record(&root, "org1/msp/cacerts/ca.pem"),
            record(&root, "org1/peers/peer0/msp/cacerts/ca.pem"),
        ]);
        assert_eq!(out.len(), 1, "one finding per distinct certificate");
        let o = of(&out, "org1/msp/cacerts/ca.pem");
        assert_eq!(o.status, Status::Fail, "{}", o.message);
        assert!(
            o.message.contains("self-signed CA signed high-S"),
            "{}",
            o.message
        );
        assert!(
            o.message.contains("2.0-2.4.x built with Go 1.19"),
            "{}",
            o.message
        );
        assert!(o.message.contains("fabric#3774"), "{}", o.message);
        assert_eq!(o.evidence["signature_form"], "high-S");
        assert_eq!(o.evidence["curve"], "P-256");
        assert_eq!(o.evidence["issuer"], o.evidence["subject"]);
        assert_eq!(o.evidence["copies"], 2);
        let s = o.evidence["s"].as_str().unwrap();
        let half = o.evidence["half_order"].as_str().unwrap();
        assert_eq!(
            half,
            "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8"
        );
        // Both 32 bytes (n/2 < s < n): hex order is numeric order.
        assert!(s.len() == half.len() && s > half, "{s} vs {half}");
    }

    #[test]
    fn low_s_msp_root_passes() {
        let root = ca("org1", false);
        let out = run(vec![record(&root, "msp/cacerts/ca.pem")]);
        let o = of(&out, "msp/cacerts/ca.pem");
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.evidence["signature_form"], "low-S");
    }

    #[test]
    fn root_of_an_identity_chain_fails_wherever_it_is_found() {
        // The CA is only in cryptogen's ca/ folder, but the MSP's signcert chains to it.
        let root = ca("org1", true);
        let peer = leaf(&root, "peer0", false);
        let out = run(vec![
            record(&root, "crypto-config/peerOrganizations/org1/ca/ca.pem"),
            record(&peer, "msp/signcerts/peer0.pem"),
        ]);
        assert_eq!(
            of(&out, "crypto-config/peerOrganizations/org1/ca/ca.pem").status,
            Status::Fail
        );
        assert_eq!(of(&out, "msp/signcerts/peer0.pem").status, Status::Pass);
    }

    #[test]
    fn high_s_leaves_intermediates_and_tls_roots_pass_with_their_form() {
        let root = ca("org1", false);
        let ica = root.issue(
            Spec::new(
                "org1",
                "ica.org1",
                "2020-06-01T00:00:00Z",
                "2035-01-01T00:00:00Z",
            )
            .ca()
            .high_s(),
        );
        let peer = leaf(&ica, "peer0", true);
        let tlsca = ca("tls.org1", true);
        let out = run(vec![
            record(&root, "msp/cacerts/ca.pem"),
            record(&ica, "msp/intermediatecerts/ica.pem"),
            record(&peer, "msp/signcerts/peer0.pem"),
            record(&tlsca, "msp/tlscacerts/tlsca.pem"),
        ]);
        for path in [
            "msp/intermediatecerts/ica.pem",
            "msp/signcerts/peer0.pem",
            "msp/tlscacerts/tlsca.pem",
        ] {
            let o = of(&out, path);
            assert_eq!(o.status, Status::Pass, "{path}: {}", o.message);
            assert_eq!(o.evidence["signature_form"], "high-S", "{path}");
            assert!(o.message.contains("harmless"), "{path}: {}", o.message);
        }
        assert!(
            of(&out, "msp/signcerts/peer0.pem")
                .message
                .contains("signed high-S by ica.org1"),
        );
    }

    #[test]
    fn a_tls_ca_that_is_also_in_cacerts_is_an_identity_root() {
        let root = ca("org1", true);
        let out = run(vec![
            record(&root, "msp/tlscacerts/ca.pem"),
            record(&root, "msp/cacerts/ca.pem"),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Fail, "{}", out[0].message);
    }

    #[test]
    fn certificates_outside_msp_folders_are_not_judged() {
        let root = ca("org1", true);
        let out = run(vec![
            record(&root, "tls/ca.crt"),
            record(&leaf(&root, "peer0", true), "tls/server.crt"),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Skip);
        assert!(
            out[0]
                .message
                .contains("no certificates in MSP folders found")
        );
    }

    #[test]
    fn issuer_missing_passes_without_judging_the_form() {
        let root = ca("org1", true);
        let peer = leaf(&root, "peer0", true);
        let out = run(vec![record(&peer, "msp/signcerts/peer0.pem")]);
        let o = of(&out, "msp/signcerts/peer0.pem");
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert!(
            o.message.contains("not among the artifacts"),
            "{}",
            o.message
        );
        assert!(!o.evidence.contains_key("signature_form"));
    }

    #[test]
    fn verdicts_for_other_algorithms_and_unreadable_signatures() {
        let rsa = Form::Read(SignatureForm::NotEcdsa(SignatureAlgorithm::Rsa {
            hash: "SHA-256",
        }));
        let ed = Form::Read(SignatureForm::NotEcdsa(SignatureAlgorithm::Ed25519));
        for (form, word) in [(&rsa, "RSA"), (&ed, "Ed25519")] {
            for place in [Place::IdentityRoot, Place::TlsRoot, Place::Issued] {
                let (status, message) = verdict(form, place, "ca");
                assert_eq!(status, Status::Pass, "{message}");
                assert!(message.contains(word), "{message}");
            }
        }
        let bad = Form::Unreadable(SignatureError::Malformed("truncated"));
        let (status, message) = verdict(&bad, Place::IdentityRoot, "ca");
        assert_eq!(status, Status::Error);
        assert_eq!(
            message,
            "cannot evaluate: failed to decode the ECDSA signature: truncated"
        );
    }
}
