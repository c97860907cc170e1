//! Issuer resolution: for each certificate, which certificate in the inventory issued it.
//!
//! An issuer is found the way a verifier finds it, not by folder guessing: candidates are the
//! certificates whose subject equals the issuer name byte for byte, those whose subject key
//! identifier equals the authority key identifier are tried first, and a candidate is the
//! issuer only if the signature verifies with its key. Identical certificates (a CA copied
//! into every MSP) are resolved once.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::CertRecord;
use super::cert::CertFacts;

/// How a certificate's issuer was resolved. Indices point into `Inventory::certs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerLink {
    /// Subject equals issuer and the certificate's own key verifies its signature.
    SelfSigned,
    /// Issued by `issuer`, whose key verifies the signature.
    Issued { issuer: usize },
    /// No certificate in the inventory has the issuer name as its subject.
    NotFound,
    /// Certificates with the issuer's name exist, but none of their keys verifies the signature.
    BadSignature { candidates: Vec<usize> },
    /// The signature could not be checked (unsupported algorithm, unparsable key).
    Unverifiable { candidate: usize, reason: String },
}

/// Signature checks made ahead of [`resolve_issuers`]: (certificate, candidate issuer) by
/// fingerprint, and what verifying the one with the other's key gave.
///
/// Verifying signatures is most of the work of linking a large tree, and none of it depends on
/// where the certificates were found, so it can run while the rest of the inventory is being
/// assembled. The memo is a pure cache: a pair it lacks is verified when it is needed, and the
/// links are the same either way.
#[derive(Debug, Default)]
pub struct SignatureMemo(HashMap<String, Vec<Verified>>);

/// A candidate issuer's fingerprint and what verifying with its key gave.
type Verified = (String, Result<(), Verify>);

impl SignatureMemo {
    /// Verifies each certificate against the candidates [`resolve_issuers`] tries first: those
    /// with its issuer name as subject whose subject key identifier is its authority key
    /// identifier, and itself when it names itself as issuer.
    pub fn build(certs: &[Arc<CertFacts>]) -> SignatureMemo {
        let mut by_subject: HashMap<&[u8], Vec<&CertFacts>> = HashMap::new();
        for c in certs {
            by_subject
                .entry(c.subject_raw.as_slice())
                .or_default()
                .push(c);
        }
        let pairs: Vec<(&CertFacts, &CertFacts)> = certs
            .iter()
            .flat_map(|child| {
                let candidates = by_subject.get(child.issuer_raw.as_slice());
                candidates
                    .into_iter()
                    .flatten()
                    .filter(|c| {
                        c.fingerprint == child.fingerprint
                            || (child.authority_key_id.is_some()
                                && c.subject_key_id == child.authority_key_id)
                    })
                    .map(move |c| (child.as_ref(), *c))
            })
            .collect();
        let verified: Vec<(&CertFacts, &CertFacts, Result<(), Verify>)> = pairs
            .par_iter()
            .filter_map(|&(child, issuer)| {
                let (_, parsed) = X509Certificate::from_der(&child.der).ok()?;
                Some((child, issuer, verify(&parsed, &issuer.spki)))
            })
            .collect();
        let mut memo: HashMap<String, Vec<Verified>> = HashMap::new();
        for (child, issuer, result) in verified {
            memo.entry(child.fingerprint.clone())
                .or_default()
                .push((issuer.fingerprint.clone(), result));
        }
        SignatureMemo(memo)
    }

    fn get(&self, child: &CertFacts, issuer: &CertFacts) -> Option<Result<(), Verify>> {
        self.0
            .get(&child.fingerprint)?
            .iter()
            .find(|(candidate, _)| *candidate == issuer.fingerprint)
            .map(|(_, result)| result.clone())
    }
}

/// Resolves the issuer of every certificate; the result has one entry per certificate.
/// Signatures in `memo` are not verified again.
pub fn resolve_issuers(certs: &[CertRecord], memo: &SignatureMemo) -> Vec<IssuerLink> {
    // One representative per distinct certificate, in inventory order.
    let mut representative: HashMap<&str, usize> = HashMap::new();
    for (i, c) in certs.iter().enumerate() {
        representative.entry(c.fingerprint.as_str()).or_insert(i);
    }
    let mut by_subject: HashMap<&[u8], Vec<usize>> = HashMap::new();
    let mut reps: Vec<usize> = representative.values().copied().collect();
    reps.sort_unstable();
    for &i in &reps {
        by_subject
            .entry(certs[i].subject_raw.as_slice())
            .or_default()
            .push(i);
    }
    let resolved: HashMap<usize, IssuerLink> = reps
        .par_iter()
        .map(|&i| {
            (
                i,
                resolve_one(
                    certs,
                    i,
                    by_subject.get(certs[i].issuer_raw.as_slice()),
                    memo,
                ),
            )
        })
        .collect();
    certs
        .iter()
        .map(|c| resolved[&representative[c.fingerprint.as_str()]].clone())
        .collect()
}

fn resolve_one(
    certs: &[CertRecord],
    child: usize,
    candidates: Option<&Vec<usize>>,
    memo: &SignatureMemo,
) -> IssuerLink {
    let Some(candidates) = candidates else {
        return IssuerLink::NotFound;
    };
    let leaf = &certs[child];
    // Parsed only when a signature is not in the memo.
    let mut parsed = None;
    let mut ordered: Vec<usize> = candidates.clone();
    // Key-identifier matches first, then the certificate itself (a self-signed root), then the rest.
    ordered.sort_by_key(|&c| {
        let ski_match =
            leaf.authority_key_id.is_some() && certs[c].subject_key_id == leaf.authority_key_id;
        (!ski_match, c != child)
    });
    let mut unverifiable = None;
    for &candidate in &ordered {
        let verified = match memo.get(&leaf.facts, &certs[candidate].facts) {
            Some(known) => known,
            None => {
                let cert = match parsed {
                    Some(ref cert) => cert,
                    None => {
                        let Ok((_, cert)) = X509Certificate::from_der(&leaf.der) else {
                            // Records are built from certificates that parsed; this cannot
                            // happen, but a verdict must never be invented.
                            return IssuerLink::Unverifiable {
                                candidate: child,
                                reason: "certificate no longer parses".into(),
                            };
                        };
                        parsed.insert(cert)
                    }
                };
                verify(cert, &certs[candidate].spki)
            }
        };
        match verified {
            Ok(()) if candidate == child => return IssuerLink::SelfSigned,
            Ok(()) => return IssuerLink::Issued { issuer: candidate },
            Err(Verify::Invalid) => {}
            Err(Verify::Unsupported(reason)) => {
                unverifiable.get_or_insert(IssuerLink::Unverifiable { candidate, reason });
            }
        }
    }
    unverifiable.unwrap_or(IssuerLink::BadSignature {
        candidates: ordered,
    })
}

#[derive(Debug, Clone)]
enum Verify {
    Invalid,
    Unsupported(String),
}

fn verify(child: &X509Certificate<'_>, issuer_spki: &[u8]) -> Result<(), Verify> {
    let (_, spki) = SubjectPublicKeyInfo::from_der(issuer_spki)
        .map_err(|e| Verify::Unsupported(format!("issuer public key does not parse: {e}")))?;
    match child.verify_signature(Some(&spki)) {
        Ok(()) => Ok(()),
        Err(X509Error::SignatureVerificationError) => Err(Verify::Invalid),
        Err(X509Error::SignatureUnsupportedAlgorithm) => {
            match verify_ecdsa_outside_ring(child, &spki) {
                Some(result) => result,
                None => Err(Verify::Unsupported(format!(
                    "signature algorithm {} is not supported",
                    child.signature_algorithm.algorithm
                ))),
            }
        }
        Err(e) => Err(Verify::Unsupported(format!(
            "signature could not be checked: {e}"
        ))),
    }
}

/// ECDSA combinations Go accepts but ring does not verify (P-521 keys, SHA-512 digests),
/// checked with the RustCrypto curves. `None` when the algorithm is not ECDSA at all.
fn verify_ecdsa_outside_ring(
    child: &X509Certificate<'_>,
    spki: &SubjectPublicKeyInfo<'_>,
) -> Option<Result<(), Verify>> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;

    let digest_alg = match child.signature_algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.10045.4.3.2" => &ring::digest::SHA256,
        "1.2.840.10045.4.3.3" => &ring::digest::SHA384,
        "1.2.840.10045.4.3.4" => &ring::digest::SHA512,
        _ => return None,
    };
    if spki.algorithm.algorithm.to_id_string() != "1.2.840.10045.2.1" {
        return Some(Err(Verify::Invalid)); // an ECDSA signature cannot come from a non-EC key
    }
    let digest = ring::digest::digest(digest_alg, child.tbs_certificate.as_ref());
    let point = spki.subject_public_key.data.as_ref();
    let sig = child.signature_value.data.as_ref();
    let bad_key =
        |curve: &str| Verify::Unsupported(format!("issuer {curve} public key does not parse"));
    let verified = match point.len() {
        65 => {
            let key =
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad_key("P-256"));
            let sig = p256::ecdsa::Signature::from_der(sig).map_err(|_| Verify::Invalid);
            key.and_then(|k| sig.map(|s| k.verify_prehash(digest.as_ref(), &s).is_ok()))
        }
        97 => {
            let key =
                p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad_key("P-384"));
            let sig = p384::ecdsa::Signature::from_der(sig).map_err(|_| Verify::Invalid);
            key.and_then(|k| sig.map(|s| k.verify_prehash(digest.as_ref(), &s).is_ok()))
        }
        133 => {
            let key =
                p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad_key("P-521"));
            let sig = p521::ecdsa::Signature::from_der(sig).map_err(|_| Verify::Invalid);
            key.and_then(|k| sig.map(|s| k.verify_prehash(digest.as_ref(), &s).is_ok()))
        }
        n => Err(Verify::Unsupported(format!(
            "issuer EC public key of {n} bytes is not a supported curve"
        ))),
    };
    Some(match verified {
        Ok(true) => Ok(()),
        Ok(false) => Err(Verify::Invalid),
        Err(e) => Err(e),
    })
}

/// The chain from `start` upwards as certificate indices, stopping at a self-signed root, a
/// missing issuer or a loop. The second value says whether a self-signed root was reached.
pub fn path_to_root(links: &[IssuerLink], start: usize) -> (Vec<usize>, bool) {
    let mut path = vec![start];
    let mut at = start;
    loop {
        match links.get(at) {
            Some(IssuerLink::SelfSigned) => return (path, true),
            Some(IssuerLink::Issued { issuer }) => {
                if path.contains(issuer) || path.len() > 16 {
                    return (path, false);
                }
                path.push(*issuer);
                at = *issuer;
            }
            _ => return (path, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::x509::testing::{Spec, record, root};

    #[test]
    fn memo_only_saves_work_links_are_the_same() {
        let ca = root("org1");
        // Same subject as the CA but another key: a candidate that must not verify.
        let impostor = root("org1");
        let leaf = ca.issue(Spec::new(
            "org1",
            "peer0",
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ));
        let orphan = impostor.issue(Spec::new(
            "org1",
            "peer1",
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ));
        let certs = vec![
            record(&ca, "a/cacerts/ca.pem"),
            record(&leaf, "a/signcerts/peer0.pem"),
            record(&orphan, "b/signcerts/peer1.pem"),
            record(&ca, "b/cacerts/ca.pem"),
        ];
        let facts: Vec<Arc<CertFacts>> = certs.iter().map(|c| c.facts.clone()).collect();
        let memo = SignatureMemo::build(&facts);
        assert!(
            memo.get(&certs[1], &certs[0]).is_some(),
            "the leaf's signature was verified ahead"
        );
        let without = resolve_issuers(&certs, &SignatureMemo::default());
        assert_eq!(resolve_issuers(&certs, &memo), without);
        assert_eq!(without[0], IssuerLink::SelfSigned);
        assert_eq!(without[1], IssuerLink::Issued { issuer: 0 });
        assert!(
            matches!(without[2], IssuerLink::BadSignature { .. }),
            "{:?}",
            without[2]
        );
    }
}
