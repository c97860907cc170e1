//! Certificate revocation lists in MSP `crls/` folders, parsed once and linked to the CA that
//! signed them.
//!
//! Fabric reads every file of an MSP's `crls/` folder into `RevocationList`
//! (msp/configbuilder.go) and parses it with Go's `x509.ParseCRL` (msp/mspimplsetup.go
//! `setupCRLs`: "could not parse RevocationList" stops the MSP). A certificate is revoked by a
//! CRL whose AuthorityKeyIdentifier is the SubjectKeyIdentifier of the certificate's issuer,
//! that lists its serial number, and whose signature the issuer verifies
//! (msp/mspimplvalidate.go `validateCertAgainstChain`).

use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, ParsedExtension, SubjectPublicKeyInfo};
use x509_parser::revocation_list::CertificateRevocationList;

use super::cert::{CertRecord, trim_be};
use super::{Origin, Role};

/// One CRL as found at one origin.
#[derive(Debug, Clone)]
pub struct CrlRecord {
    pub origin: Origin,
    /// The MSP folder whose `crls/` holds it, when it is in one.
    pub msp_dir: Option<String>,
    /// What the CRL says, or why it does not parse.
    pub facts: Result<CrlFacts, String>,
    /// The CA that signed it, once [`link`] has looked.
    pub issuer: CrlIssuer,
    /// Fabric skips the file when loading the MSP (no PEM content Go reads), so it revokes
    /// nothing; `facts` then says why.
    pub skipped_by_fabric: bool,
}

/// What a CRL says.
#[derive(Debug, Clone)]
pub struct CrlFacts {
    pub der: Vec<u8>,
    pub issuer: String,
    pub issuer_raw: Vec<u8>,
    /// The AuthorityKeyIdentifier's key identifier; Fabric cannot use a CRL without one.
    pub authority_key_id: Option<Vec<u8>>,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    pub revoked: Vec<Revoked>,
    pub signature_algorithm: String,
}

/// One revoked serial number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The serial number's magnitude, big-endian, without leading zero octets.
    pub serial: Vec<u8>,
    pub date: OffsetDateTime,
}

/// The CA that signed a CRL, looked for among the CA certificates of the CRL's MSP.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CrlIssuer {
    /// Not looked for yet, or the CRL does not parse.
    #[default]
    Unresolved,
    /// The certificate at this inventory index verifies the CRL's signature.
    Verified(usize),
    /// The certificates named as issuer (by name and key identifier) do not verify the
    /// signature; the first of them, and why.
    BadSignature { candidate: usize, reason: String },
    /// No CA certificate of the MSP carries the CRL's issuer name.
    NotInMsp,
}

impl CrlRecord {
    /// Reads one CRL (DER) found at `origin`.
    pub fn parse(der: &[u8], origin: Origin) -> CrlRecord {
        CrlRecord {
            msp_dir: msp_of(&origin.path),
            facts: CrlFacts::parse(der),
            origin,
            issuer: CrlIssuer::Unresolved,
            skipped_by_fabric: false,
        }
    }

    /// A file of `crls/` that is no CRL Fabric can use, with why.
    pub fn unreadable(origin: Origin, reason: String, skipped_by_fabric: bool) -> CrlRecord {
        CrlRecord {
            msp_dir: msp_of(&origin.path),
            facts: Err(reason),
            origin,
            issuer: CrlIssuer::Unresolved,
            skipped_by_fabric,
        }
    }

    /// Whether this CRL revokes `cert` by Fabric's rule: AKI equal to the SKI of `issuer` (the
    /// certificate's verified issuer), the serial listed, and a signature that verifies.
    pub fn revokes<'a>(&'a self, cert: &CertRecord, issuer: &CertRecord) -> Option<&'a Revoked> {
        let facts = self.facts.as_ref().ok()?;
        let aki = facts.authority_key_id.as_ref()?;
        if Some(aki) != issuer.subject_key_id.as_ref()
            || !matches!(self.issuer, CrlIssuer::Verified(_))
        {
            return None;
        }
        let serial = trim_be(&cert.serial_der);
        facts.revoked.iter().find(|r| r.serial == serial)
    }
}

impl CrlFacts {
    pub fn parse(der: &[u8]) -> Result<CrlFacts, String> {
        let (rest, crl) = CertificateRevocationList::from_der(der)
            .map_err(|e| format!("not a valid X.509 CRL: {e}"))?;
        if !rest.is_empty() {
            return Err(format!(
                "{} bytes of trailing data after the CRL",
                rest.len()
            ));
        }
        let mut authority_key_id = None;
        for ext in crl.extensions() {
            if let ParsedExtension::AuthorityKeyIdentifier(aki) = ext.parsed_extension() {
                authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
            }
        }
        Ok(CrlFacts {
            der: der.to_vec(),
            issuer: crl.issuer().to_string(),
            issuer_raw: crl.issuer().as_raw().to_vec(),
            authority_key_id,
            this_update: crl.last_update().to_datetime(),
            next_update: crl.next_update().map(|t| t.to_datetime()),
            revoked: crl
                .iter_revoked_certificates()
                .map(|r| Revoked {
                    serial: trim_be(r.raw_serial()),
                    date: r.revocation_date.to_datetime(),
                })
                .collect(),
            signature_algorithm: crl.signature_algorithm.algorithm.to_id_string(),
        })
    }
}

/// The MSP folder of a file in its `crls/` subfolder.
fn msp_of(path: &str) -> Option<String> {
    let (dir, _) = path.rsplit_once('/')?;
    let (msp, folder) = dir.rsplit_once('/').unwrap_or(("", dir));
    (folder == "crls").then(|| msp.to_owned())
}

/// Finds the CA that signed each CRL among the CA certificates (`cacerts/`,
/// `intermediatecerts/`) of the CRL's own MSP, and verifies the signature.
pub fn link(crls: &mut [CrlRecord], certs: &[CertRecord]) {
    for crl in crls.iter_mut() {
        let Ok(facts) = &crl.facts else { continue };
        let in_msp = |c: &CertRecord| {
            c.layout.msp_dir == crl.msp_dir
                && matches!(c.layout.role(), Role::MspCaCert | Role::MspIntermediateCert)
        };
        let mut candidates: Vec<usize> = (0..certs.len())
            .filter(|&i| in_msp(&certs[i]) && certs[i].subject_raw == facts.issuer_raw)
            .collect();
        // The key identifier picks among CAs of one name (a renewed CA).
        candidates.sort_by_key(|&i| certs[i].subject_key_id != facts.authority_key_id);
        crl.issuer = match candidates.first() {
            None => CrlIssuer::NotInMsp,
            Some(&first) => candidates
                .iter()
                .find_map(|&i| verify(&facts.der, &certs[i].spki).ok().map(|()| i))
                .map_or_else(
                    || CrlIssuer::BadSignature {
                        candidate: first,
                        reason: verify(&facts.der, &certs[first].spki)
                            .err()
                            .unwrap_or_default(),
                    },
                    CrlIssuer::Verified,
                ),
        };
    }
}

/// Verifies a CRL's signature with an issuer's SubjectPublicKeyInfo.
fn verify(der: &[u8], spki: &[u8]) -> Result<(), String> {
    let (_, crl) =
        CertificateRevocationList::from_der(der).map_err(|e| format!("CRL does not parse: {e}"))?;
    let (_, key) = SubjectPublicKeyInfo::from_der(spki)
        .map_err(|e| format!("issuer public key does not parse: {e}"))?;
    crl.verify_signature(&key).map_err(|e| match e {
        x509_parser::error::X509Error::SignatureVerificationError => {
            "the signature does not verify with the issuer's key".to_string()
        }
        other => format!("the signature cannot be checked: {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msp_of_crl_files() {
        assert_eq!(msp_of("org1/msp/crls/crl.pem").as_deref(), Some("org1/msp"));
        assert_eq!(msp_of("crls/crl.pem").as_deref(), Some(""));
        assert_eq!(msp_of("org1/msp/cacerts/ca.pem"), None);
    }

    #[test]
    fn garbage_is_not_a_crl() {
        let err = CrlFacts::parse(&[0x30, 0x03, 0x02, 0x01, 0x00]).unwrap_err();
        assert!(err.contains("not a valid X.509 CRL"), "{err}");
    }
}
