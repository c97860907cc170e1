//! X509-013 `ca-profile-invalid`: a CA certificate whose extensions Fabric's MSP refuses, or
//! that other verifiers refuse.
//!
//! Fabric's MSP checks every certificate in `cacerts/` and `intermediatecerts/`
//! (`msp/mspimplsetup.go` `finalizeSetupCAs`) and in `tlscacerts/` and `tlsintermediatecerts/`
//! (`setupTLSCAs`): "CA Certificate did not have the CA attribute" without basicConstraints
//! CA:TRUE (a v1 certificate has none), and "CA Certificate problem with Subject Key Identifier
//! extension" without a SubjectKeyIdentifier — the MSP does not set up and the node does not
//! start. Go's chain building ignores keyUsage, but RFC 5280 (4.2.1.3) requires keyCertSign on a
//! CA and the OpenSSL/BoringSSL stacks under the Node and Java SDKs' gRPC enforce it (X509-004
//! fails a chain through such an issuer); a CA without cRLSign signs CRLs that verifiers
//! checking keyUsage refuse (Go's `RevocationList.CheckSignatureFrom`).

use crate::checks::{Check, nothing_to_check, problems_verdict};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::{Inventory, Role};

use super::{cert_outcome, distinct, tls_enrollments, uses_of};

pub struct CaProfileInvalid;

/// keyUsage bits (RFC 5280 4.2.1.3).
const KEY_CERT_SIGN: u8 = 5;
const CRL_SIGN: u8 = 6;

/// What the verdict needs to know about one CA certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaFacts {
    pub version: u32,
    pub basic_ca: Option<bool>,
    pub has_ski: bool,
    pub key_cert_sign: Option<bool>,
    pub crl_sign: Option<bool>,
    /// Some copy sits in an MSP's CA folders, which Fabric's MSP checks.
    pub in_msp: bool,
}

pub fn verdict(f: &CaFacts) -> (Status, String) {
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let msp_refuses = |what: &str, fabric: &str| {
        format!("{what}: Fabric's MSP refuses it (\"{fabric}\", msp/mspimplsetup.go)")
    };
    // What the MSP refuses fails where the MSP loads the CA; a TLS root outside any MSP is
    // taken by Go's TLS as it is.
    let by_place = if f.in_msp { &mut fails } else { &mut warns };
    if f.basic_ca != Some(true) {
        let what = match (f.version, f.basic_ca) {
            (1, _) => "a v1 certificate, without basicConstraints".to_string(),
            (_, Some(false)) => "basicConstraints CA:FALSE".to_string(),
            _ => "no basicConstraints extension".to_string(),
        };
        by_place.push(msp_refuses(
            &what,
            "CA Certificate did not have the CA attribute",
        ));
    }
    if !f.has_ski {
        by_place.push(msp_refuses(
            "no SubjectKeyIdentifier",
            "CA Certificate problem with Subject Key Identifier extension",
        ));
    }
    match (f.key_cert_sign, f.crl_sign) {
        (None, _) => warns.push(
            "no keyUsage extension (RFC 5280 requires keyCertSign and cRLSign on a CA)".into(),
        ),
        (Some(false), _) => fails.push(
            "keyUsage without keyCertSign: RFC 5280 forbids it to sign certificates and the \
             OpenSSL/BoringSSL stacks of the Node and Java SDKs refuse chains through it"
                .into(),
        ),
        (Some(true), Some(false)) => warns.push(
            "keyUsage without cRLSign: CRLs it signs are refused by verifiers that check \
             keyUsage"
                .into(),
        ),
        _ => {}
    }
    if fails.is_empty() && !f.in_msp && (f.basic_ca != Some(true) || !f.has_ski) {
        warns.push(
            "it is a TLS root outside any MSP, which Go's TLS takes as it is, but Fabric's MSP \
             refuses it wherever it is copied into one"
                .into(),
        );
    }
    problems_verdict(fails, warns).unwrap_or_else(|| {
        (
            Status::Pass,
            "CA:TRUE, SubjectKeyIdentifier present, keyUsage keyCertSign and cRLSign".into(),
        )
    })
}

impl Check for CaProfileInvalid {
    fn id(&self) -> &'static str {
        "X509-013"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let enrollments = tls_enrollments(inv);
        let out: Vec<Outcome> = distinct(inv)
            .into_iter()
            .filter(|d| uses_of(inv, d, &enrollments).ca())
            .map(|d| {
                let c = d.cert;
                let facts = CaFacts {
                    version: c.version,
                    basic_ca: c.basic_ca,
                    has_ski: c.subject_key_id.is_some(),
                    key_cert_sign: c.key_usage_has(KEY_CERT_SIGN),
                    crl_sign: c.key_usage_has(CRL_SIGN),
                    in_msp: d.copies.iter().any(|&i| {
                        matches!(
                            inv.certs[i].layout.role(),
                            Role::MspCaCert
                                | Role::MspIntermediateCert
                                | Role::MspTlsCaCert
                                | Role::MspTlsIntermediateCert
                        )
                    }),
                };
                let (status, message) = verdict(&facts);
                cert_outcome(inv, &d, status, message)
                    .with(
                        "basic_constraints_ca",
                        serde_json::to_value(c.basic_ca).unwrap_or_default(),
                    )
                    .with("subject_key_id", facts.has_ski)
                    .with(
                        "key_usage",
                        c.key_usage
                            .map_or("absent".to_string(), |k| format!("{k:#06x}")),
                    )
            })
            .collect();
        if out.is_empty() {
            return nothing_to_check(inv, "CA certificates in MSP or TLS folders");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> CaFacts {
        CaFacts {
            version: 3,
            basic_ca: Some(true),
            has_ski: true,
            key_cert_sign: Some(true),
            crl_sign: Some(true),
            in_msp: true,
        }
    }

    #[test]
    fn fabric_ca_profile_passes() {
        assert_eq!(verdict(&good()).0, Status::Pass);
    }

    #[test]
    fn msp_refusals_fail_with_fabric_words() {
        let (s, m) = verdict(&CaFacts {
            basic_ca: None,
            ..good()
        });
        assert_eq!(s, Status::Fail);
        assert!(m.contains("did not have the CA attribute"), "{m}");
        let (s, m) = verdict(&CaFacts {
            version: 1,
            basic_ca: None,
            key_cert_sign: None,
            crl_sign: None,
            ..good()
        });
        assert_eq!(s, Status::Fail);
        assert!(m.contains("v1 certificate"), "{m}");
        let (s, m) = verdict(&CaFacts {
            has_ski: false,
            ..good()
        });
        assert_eq!(s, Status::Fail);
        assert!(m.contains("Subject Key Identifier"), "{m}");
    }

    #[test]
    fn outside_an_msp_the_same_is_a_warning() {
        let (s, m) = verdict(&CaFacts {
            has_ski: false,
            in_msp: false,
            ..good()
        });
        assert_eq!(s, Status::Warn, "{m}");
        assert!(m.contains("TLS root outside any MSP"), "{m}");
    }

    #[test]
    fn key_usage() {
        let (s, m) = verdict(&CaFacts {
            key_cert_sign: Some(false),
            ..good()
        });
        assert_eq!(s, Status::Fail);
        assert!(m.contains("keyCertSign"), "{m}");
        assert_eq!(
            verdict(&CaFacts {
                crl_sign: Some(false),
                ..good()
            })
            .0,
            Status::Warn
        );
        assert_eq!(
            verdict(&CaFacts {
                key_cert_sign: None,
                crl_sign: None,
                ..good()
            })
            .0,
            Status::Warn
        );
    }
}
