//! X509-018 `crl-invalid`: a CRL in an MSP's `crls/` folder that Fabric cannot parse, cannot
//! use, or silently ignores.
//!
//! Fabric's behaviour (msp/configbuilder.go `getPemMaterialFromDir`, msp/mspimplsetup.go
//! `setupCRLs`, msp/mspimplvalidate.go `validateCertAgainstChain`):
//! - a file in which Go's `pem.Decode` finds no PEM block (a DER CRL, an indented BEGIN line) is
//!   skipped with a warning: the revocations it holds are not applied;
//! - a CRL Go's `x509.ParseCRL` refuses stops the MSP: "could not parse RevocationList";
//! - a CRL without an AuthorityKeyIdentifier makes the validation of every identity with a
//!   chain fail: "could not obtain Authority Key Identifier for crl";
//! - a CRL applies to certificates whose issuer's SubjectKeyIdentifier equals its AKI, and only
//!   when `CheckCRLSignature` verifies it with that issuer; otherwise Fabric logs "Invalid
//!   signature over the identified CRL" and the serials it lists are not revoked. Go 1.18 and
//!   later refuse SHA-1 signatures there too;
//! - Fabric never reads nextUpdate: a stale CRL still revokes, but it is a sign the CA stopped
//!   publishing (a warning).
//!
//! A CRL whose issuer is not among the CA certificates of its MSP cannot be verified here: an
//! `error`, as fabcheck cannot say whether Fabric would apply it.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::cert::hex;
use crate::inventory::crl::{CrlFacts, CrlIssuer, CrlRecord};

use super::when;

pub struct CrlInvalid;

/// SHA-1 signature algorithms (ECDSA and RSA), which Go 1.18+ refuses to verify.
const SHA1: [&str; 2] = ["1.2.840.10045.4.1", "1.2.840.113549.1.1.5"];

/// The verdict on one CRL: its facts, its issuer's subject and SKI when verified (or why not).
pub fn verdict(
    facts: &Result<CrlFacts, String>,
    skipped_by_fabric: bool,
    issuer: &IssuerFacts,
    now: time::OffsetDateTime,
) -> (Status, String) {
    let f = match facts {
        Err(reason) if skipped_by_fabric => {
            return (
                Status::Fail,
                format!(
                    "{reason}: Fabric skips the file (\"Failed reading file … no pem content\", \
                     msp/configbuilder.go), so the revocations it holds are not applied"
                ),
            );
        }
        Err(reason) => {
            return (
                Status::Fail,
                format!(
                    "does not parse ({reason}): Fabric's MSP does not set up (\"could not parse \
                     RevocationList\", msp/mspimplsetup.go)"
                ),
            );
        }
        Ok(f) => f,
    };
    let Some(aki) = &f.authority_key_id else {
        return (
            Status::Fail,
            "no AuthorityKeyIdentifier: Fabric's MSP then fails every identity it validates \
             (\"could not obtain Authority Key Identifier for crl\", msp/mspimplvalidate.go)"
                .into(),
        );
    };
    let ignored = "Fabric logs \"Invalid signature over the identified CRL\" and does not \
                   revoke the certificates it lists";
    let (subject, ski) = match issuer {
        IssuerFacts::NotInMsp => {
            return (
                Status::Error,
                format!(
                    "cannot evaluate: its issuer {} is not among the CA certificates of its MSP, \
                     so its signature cannot be checked",
                    f.issuer
                ),
            );
        }
        IssuerFacts::BadSignature { subject, reason } => {
            return (
                Status::Fail,
                format!(
                    "signed by {}, but {reason} of {subject}: {ignored}",
                    f.issuer
                ),
            );
        }
        IssuerFacts::Verified { subject, ski } => (subject, ski),
    };
    if SHA1.contains(&f.signature_algorithm.as_str()) {
        return (
            Status::Fail,
            format!(
                "signed with SHA-1 by {subject}: Go 1.18 and later refuse to verify it, so \
                 {ignored}"
            ),
        );
    }
    if ski.as_ref() != Some(aki) {
        return (
            Status::Fail,
            format!(
                "its AuthorityKeyIdentifier {} is not the SubjectKeyIdentifier {} of its issuer \
                 {subject}: Fabric applies a CRL only where they match, so it revokes nothing",
                hex(aki),
                ski.as_deref().map_or("(none)".to_string(), hex)
            ),
        );
    }
    let count = f.revoked.len();
    match f.next_update {
        Some(next) if next < now => (
            Status::Warn,
            format!(
                "stale: its nextUpdate {} has passed (Fabric still applies it, but {subject} has \
                 published no newer CRL here); {count} serial(s) revoked",
                when(next)
            ),
        ),
        next => (
            Status::Pass,
            format!(
                "signed by {subject}, verified; {count} serial(s) revoked; next update {}",
                next.map_or("not set".into(), when)
            ),
        ),
    }
}

/// What the verdict needs about a CRL's issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerFacts {
    Verified {
        subject: String,
        ski: Option<Vec<u8>>,
    },
    BadSignature {
        subject: String,
        reason: String,
    },
    NotInMsp,
}

fn issuer_facts(inv: &Inventory, crl: &CrlRecord) -> IssuerFacts {
    match &crl.issuer {
        CrlIssuer::Verified(i) => IssuerFacts::Verified {
            subject: inv.certs[*i].subject.clone(),
            ski: inv.certs[*i].subject_key_id.clone(),
        },
        CrlIssuer::BadSignature { candidate, reason } => IssuerFacts::BadSignature {
            subject: inv.certs[*candidate].origin.to_string(),
            reason: reason.clone(),
        },
        CrlIssuer::NotInMsp | CrlIssuer::Unresolved => IssuerFacts::NotInMsp,
    }
}

impl Check for CrlInvalid {
    fn id(&self) -> &'static str {
        "X509-018"
    }

    fn evaluate(&self, ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        if inv.crls.is_empty() {
            return nothing_to_check(inv, "CRLs in MSP crls/ folders");
        }
        inv.crls
            .iter()
            .map(|crl| {
                let (status, message) = verdict(
                    &crl.facts,
                    crl.skipped_by_fabric,
                    &issuer_facts(inv, crl),
                    ctx.now,
                );
                let mut o = Outcome::new(status, crl.origin.target(), message);
                if let Some(msp) = &crl.msp_dir {
                    o = o.with("msp", msp.clone());
                }
                if let Ok(f) = &crl.facts {
                    o = o
                        .with("issuer", f.issuer.clone())
                        .with("this_update", when(f.this_update))
                        .with("revoked", f.revoked.len());
                }
                o
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::crl::Revoked;

    fn t(s: &str) -> time::OffsetDateTime {
        crate::checks::x509::testing::t(s)
    }

    fn facts(aki: Option<Vec<u8>>, next: Option<&str>, alg: &str) -> Result<CrlFacts, String> {
        Ok(CrlFacts {
            der: vec![],
            issuer: "CN=ca.org1".into(),
            issuer_raw: vec![],
            authority_key_id: aki,
            this_update: t("2026-01-01T00:00:00Z"),
            next_update: next.map(t),
            revoked: vec![Revoked {
                serial: vec![1],
                date: t("2026-01-01T00:00:00Z"),
            }],
            signature_algorithm: alg.into(),
        })
    }

    fn verified(ski: &[u8]) -> IssuerFacts {
        IssuerFacts::Verified {
            subject: "CN=ca.org1".into(),
            ski: Some(ski.to_vec()),
        }
    }

    const P256_SHA256: &str = "1.2.840.10045.4.3.2";

    #[test]
    fn verdicts() {
        let now = t("2026-06-01T00:00:00Z");
        let good = facts(Some(vec![7]), Some("2027-01-01T00:00:00Z"), P256_SHA256);
        assert_eq!(verdict(&good, false, &verified(&[7]), now).0, Status::Pass);
        let (s, m) = verdict(&Err("bad".into()), false, &verified(&[7]), now);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("could not parse RevocationList"), "{m}");
        let (s, m) = verdict(&facts(None, None, P256_SHA256), false, &verified(&[7]), now);
        assert_eq!(s, Status::Fail);
        assert!(
            m.contains("could not obtain Authority Key Identifier"),
            "{m}"
        );
        let (s, m) = verdict(&good, false, &IssuerFacts::NotInMsp, now);
        assert_eq!(s, Status::Error);
        assert!(m.starts_with("cannot evaluate"), "{m}");
        let bad = IssuerFacts::BadSignature {
            subject: "msp/cacerts/ca.pem".into(),
            reason: "the signature does not verify with the issuer's key".into(),
        };
        let (s, m) = verdict(&good, false, &bad, now);
        assert_eq!(s, Status::Fail);
        assert!(
            m.contains("Invalid signature over the identified CRL"),
            "{m}"
        );
        let stale = facts(Some(vec![7]), Some("2026-02-01T00:00:00Z"), P256_SHA256);
        let (s, m) = verdict(&stale, false, &verified(&[7]), now);
        assert_eq!(s, Status::Warn);
        assert!(m.starts_with("stale"), "{m}");
        let (s, m) = verdict(&good, false, &verified(&[8]), now);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("revokes nothing"), "{m}");
        let sha1 = facts(Some(vec![7]), None, "1.2.840.10045.4.1");
        let (s, m) = verdict(&sha1, false, &verified(&[7]), now);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("SHA-1"), "{m}");
    }
}
