//! X509-019 `revoked-certificate-in-use`: a certificate that a CRL Fabric applies has revoked,
//! still in use as a signing identity, an admin, an intermediate CA, a TLS certificate on disk,
//! or the TLS certificate a node serves.
//!
//! Fabric's rule (msp/mspimplvalidate.go `validateCertAgainstChain`): a certificate is revoked
//! when a CRL of the MSP has an AuthorityKeyIdentifier equal to the SubjectKeyIdentifier of the
//! certificate's issuer, lists its serial number, and verifies with that issuer. The MSP then
//! refuses the identity ("The certificate has been revoked"): a revoked signcert's node signs
//! nothing anyone accepts, a revoked admin administers nothing, and every identity below a
//! revoked intermediate CA is refused (msp/testdata/revokedica). CRLs X509-018 finds unusable
//! revoke nothing and are not applied here.

use std::collections::HashMap;

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::cert::{CertFacts, trim_be};
use crate::inventory::crl::{CrlIssuer, CrlRecord, Revoked};
use crate::inventory::{Inventory, IssuerLink, Role};

use super::{cert_outcome, distinct, when};

pub struct RevokedCertificateInUse;

/// How a revoked certificate is used, for the message; `None` for a copy Fabric does not load.
pub fn use_of(role: Role) -> Option<&'static str> {
    Some(match role {
        Role::MspSignCert => "the signing identity in signcerts/",
        Role::MspAdminCert => "an admin in admincerts/",
        Role::MspIntermediateCert => {
            "an intermediate CA, so every identity it issued is refused too"
        }
        Role::TlsServerCert => "a TLS server certificate",
        Role::TlsClientCert => "a TLS client certificate",
        _ => return None,
    })
}

/// The usable CRLs by AuthorityKeyIdentifier: verified ones (X509-018 reports the rest).
fn usable(inv: &Inventory) -> HashMap<&[u8], Vec<&CrlRecord>> {
    let mut by_aki: HashMap<&[u8], Vec<&CrlRecord>> = HashMap::new();
    for crl in &inv.crls {
        if let (Ok(f), CrlIssuer::Verified(_)) = (&crl.facts, &crl.issuer)
            && let Some(aki) = &f.authority_key_id
        {
            by_aki.entry(aki.as_slice()).or_default().push(crl);
        }
    }
    by_aki
}

/// The CRL entry revoking a certificate with `serial` issued by the key `issuer_ski`.
fn revoked_by<'a>(
    crls: &HashMap<&[u8], Vec<&'a CrlRecord>>,
    issuer_ski: Option<&Vec<u8>>,
    serial: &[u8],
) -> Option<(&'a CrlRecord, &'a Revoked)> {
    let serial = trim_be(serial);
    crls.get(issuer_ski?.as_slice())?.iter().find_map(|crl| {
        let f = crl.facts.as_ref().ok()?;
        f.revoked
            .iter()
            .find(|r| r.serial == serial)
            .map(|r| (*crl, r))
    })
}

fn revoked_text(crl: &CrlRecord, entry: &Revoked) -> String {
    format!(
        "revoked on {} by {}: Fabric refuses it (\"The certificate has been revoked\")",
        when(entry.date),
        crl.origin
    )
}

impl Check for RevokedCertificateInUse {
    fn id(&self) -> &'static str {
        "X509-019"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        if inv.crls.is_empty() {
            return nothing_to_check(inv, "CRLs in MSP crls/ folders");
        }
        let crls = usable(inv);
        let mut out = Vec::new();
        let mut reported = std::collections::HashSet::new();
        for d in distinct(inv) {
            let Some(IssuerLink::Issued { issuer }) = inv.links.get(d.index) else {
                continue;
            };
            let issuer_ski = inv.certs[*issuer].subject_key_id.as_ref();
            let Some((crl, entry)) = revoked_by(&crls, issuer_ski, &d.cert.serial_der) else {
                continue;
            };
            let uses: Vec<&str> = d
                .copies
                .iter()
                .filter_map(|&i| use_of(inv.certs[i].layout.role()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            reported.insert(d.cert.fingerprint.clone());
            let (status, message) = if uses.is_empty() {
                (
                    Status::Pass,
                    format!(
                        "{}; no copy is in use (not a signcert, admin, intermediate CA or TLS \
                         certificate)",
                        revoked_text(crl, entry)
                    ),
                )
            } else {
                (
                    Status::Fail,
                    format!(
                        "still in use as {}: {}",
                        uses.join(", "),
                        revoked_text(crl, entry)
                    ),
                )
            };
            out.push(
                cert_outcome(inv, &d, status, message)
                    .with("crl", crl.origin.to_string())
                    .with("revoked_at", when(entry.date)),
            );
        }
        // Certificates nodes serve, live: the served leaf's AKI names its issuer's key.
        for obs in &inv.live.tls {
            for attempt in std::iter::once(&obs.primary).chain(&obs.without_client_cert) {
                let Some(leaf) = attempt.served_chain.first() else {
                    continue;
                };
                let Ok(facts) = CertFacts::parse(leaf) else {
                    continue;
                };
                // Served certificates are in the inventory too (`add_served_certificates`):
                // one finding per certificate.
                if reported.contains(&facts.fingerprint) {
                    break;
                }
                if let Some((crl, entry)) =
                    revoked_by(&crls, facts.authority_key_id.as_ref(), &facts.serial_der)
                {
                    out.push(
                        Outcome::new(
                            Status::Fail,
                            Target::new(TargetKind::Endpoint, obs.endpoint.address.clone()),
                            format!(
                                "{} serves the TLS certificate {} (serial {}), {}",
                                obs.endpoint.name,
                                facts.subject,
                                facts.serial,
                                revoked_text(crl, entry)
                            ),
                        )
                        .with("fingerprint_sha256", facts.fingerprint.clone()),
                    );
                    break;
                }
            }
        }
        if out.iter().all(|o| o.status == Status::Pass) {
            // Nothing revoked in use: one pass per CRL says what was compared.
            for crl in &inv.crls {
                let count = crl.facts.as_ref().map_or(0, |f| f.revoked.len());
                let usable = matches!(crl.issuer, CrlIssuer::Verified(_));
                out.push(Outcome::new(
                    Status::Pass,
                    crl.origin.target(),
                    if usable {
                        format!(
                            "none of the {count} serial(s) it revokes is a certificate in use here"
                        )
                    } else {
                        "revokes nothing Fabric would apply (see X509-018)".to_string()
                    },
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses() {
        assert!(use_of(Role::MspSignCert).is_some());
        assert!(
            use_of(Role::MspIntermediateCert)
                .unwrap()
                .contains("every identity")
        );
        assert_eq!(use_of(Role::MspCaCert), None);
        assert_eq!(use_of(Role::Other), None);
    }
}
