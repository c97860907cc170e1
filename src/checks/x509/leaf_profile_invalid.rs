//! X509-014 `leaf-profile-invalid`: an identity or TLS certificate that is a CA, or whose
//! Authority Key Identifier does not name its issuer's key.
//!
//! Fabric's MSP refuses a CA certificate as an identity: `msp/mspimpl.go`
//! `getCertificationChain` — "An X509 certificate with Basic Constraint: Certificate Authority
//! equals true cannot be used as an identity" — for `signcerts/` and for every `admincerts/`
//! entry it validates. Go's TLS takes a CA certificate as a TLS leaf, which is a warning.
//!
//! The Authority Key Identifier of a certificate must equal its issuer's Subject Key
//! Identifier (RFC 5280 4.2.1.1). Go builds chains by name and tries a mismatched key
//! identifier last, so Fabric's own nodes get past it; OpenSSL and BoringSSL (the TLS under
//! the Node and Java SDKs' gRPC) refuse the chain ("authority and subject key identifier
//! mismatch"). A missing AKI is a warning.

use crate::checks::{Check, nothing_to_check, problems_verdict};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::cert::hex;
use crate::inventory::{Inventory, IssuerLink};

use super::{Uses, cert_outcome, distinct, tls_enrollments, uses_of};

pub struct LeafProfileInvalid;

/// How the certificate's AKI compares with its issuer's SKI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AkiMatch {
    Matches,
    Missing,
    /// The certificate's AKI and the issuer's SKI, hex.
    Differs {
        aki: String,
        issuer_ski: String,
    },
    /// The issuer is not among the artifacts, or has no SKI: nothing to compare.
    NotComparable(&'static str),
}

pub fn verdict(uses: Uses, basic_ca: Option<bool>, aki: &AkiMatch) -> (Status, String) {
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    if basic_ca == Some(true) {
        if uses.identity {
            fails.push(
                "basicConstraints CA:TRUE on an MSP identity: Fabric's MSP refuses it (\"An X509 \
                 certificate with Basic Constraint: Certificate Authority equals true cannot be \
                 used as an identity\", msp/mspimpl.go)"
                    .to_string(),
            );
        } else {
            warns.push(
                "basicConstraints CA:TRUE on a TLS certificate: Go's TLS accepts it, but a TLS \
                 leaf should not be able to issue certificates"
                    .to_string(),
            );
        }
    }
    match aki {
        AkiMatch::Matches | AkiMatch::NotComparable(_) => {}
        AkiMatch::Missing => warns.push(
            "no AuthorityKeyIdentifier (RFC 5280 requires it; verifiers then match the issuer \
             by name only)"
                .into(),
        ),
        AkiMatch::Differs { aki, issuer_ski } => fails.push(format!(
            "AuthorityKeyIdentifier {aki} is not the issuer's SubjectKeyIdentifier {issuer_ski}: \
             Go (and so Fabric's nodes) still finds the issuer by name, but OpenSSL and BoringSSL \
             clients (the Node and Java SDKs) refuse the chain"
        )),
    }
    if let Some(verdict) = problems_verdict(fails, warns) {
        verdict
    } else {
        let aki_text = match aki {
            AkiMatch::NotComparable(why) => format!("AuthorityKeyIdentifier not compared: {why}"),
            _ => "AuthorityKeyIdentifier matches the issuer's SubjectKeyIdentifier".into(),
        };
        (Status::Pass, format!("end-entity certificate; {aki_text}"))
    }
}

impl Check for LeafProfileInvalid {
    fn id(&self) -> &'static str {
        "X509-014"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let enrollments = tls_enrollments(inv);
        let mut out = Vec::new();
        for d in distinct(inv) {
            let uses = uses_of(inv, &d, &enrollments);
            if !uses.leaf() {
                continue;
            }
            let aki = match (&inv.links.get(d.index), &d.cert.authority_key_id) {
                (Some(IssuerLink::SelfSigned), _) => AkiMatch::NotComparable("self-signed"),
                (Some(IssuerLink::Issued { issuer }), aki) => {
                    match (aki, &inv.certs[*issuer].subject_key_id) {
                        (_, None) => AkiMatch::NotComparable("the issuer has no SKI"),
                        (None, Some(_)) => AkiMatch::Missing,
                        (Some(aki), Some(ski)) if aki == ski => AkiMatch::Matches,
                        (Some(aki), Some(ski)) => AkiMatch::Differs {
                            aki: hex(aki),
                            issuer_ski: hex(ski),
                        },
                    }
                }
                _ => AkiMatch::NotComparable("the issuer is not among the artifacts"),
            };
            let (status, message) = verdict(uses, d.cert.basic_ca, &aki);
            out.push(cert_outcome(inv, &d, status, message).with("used_as", uses.describe()));
        }
        if out.is_empty() {
            return nothing_to_check(inv, "identity or TLS certificates");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Uses {
        Uses {
            identity: true,
            ..Uses::default()
        }
    }

    #[test]
    fn a_proper_leaf_passes() {
        let (s, m) = verdict(identity(), Some(false), &AkiMatch::Matches);
        assert_eq!(s, Status::Pass, "{m}");
    }

    #[test]
    fn a_ca_identity_fails_a_ca_tls_leaf_warns() {
        let (s, m) = verdict(identity(), Some(true), &AkiMatch::Matches);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("cannot be used as an identity"), "{m}");
        let tls = Uses {
            tls_server: true,
            ..Uses::default()
        };
        assert_eq!(verdict(tls, Some(true), &AkiMatch::Matches).0, Status::Warn);
    }

    #[test]
    fn aki() {
        let (s, m) = verdict(
            identity(),
            None,
            &AkiMatch::Differs {
                aki: "aa".into(),
                issuer_ski: "bb".into(),
            },
        );
        assert_eq!(s, Status::Fail);
        assert!(
            m.contains("aa is not the issuer's SubjectKeyIdentifier bb"),
            "{m}"
        );
        assert_eq!(
            verdict(identity(), None, &AkiMatch::Missing).0,
            Status::Warn
        );
        let (s, m) = verdict(identity(), None, &AkiMatch::NotComparable("self-signed"));
        assert_eq!(s, Status::Pass);
        assert!(m.contains("not compared: self-signed"), "{m}");
    }
}
