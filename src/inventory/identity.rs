//! A Fabric signing identity read from an MSP folder (`--identity MSPDIR --msp-id ID`): the
//! certificate in `signcerts/` and its private key from `keystore/`, as the peer CLI loads
//! `CORE_PEER_MSPCONFIGPATH` (msp/mspimplsetup.go, bccsp/sw/fileks.go).
//!
//! The key stays in memory only: the PEM text and the scalar are zeroed when dropped, and
//! neither `Debug` nor any error message carries them.

use std::path::{Path, PathBuf};

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToSec1Point;
use zeroize::Zeroizing;

use super::pem;

/// An MSP identity that signs Deliver requests.
pub struct SigningIdentity {
    pub msp_id: String,
    /// The signing certificate as PEM: `SerializedIdentity.id_bytes` carries it as written.
    pub cert_pem: Vec<u8>,
    /// Where the certificate came from, for messages.
    pub cert_origin: String,
    key: SigningKey,
}

impl std::fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("msp_id", &self.msp_id)
            .field("cert_origin", &self.cert_origin)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl SigningIdentity {
    /// Reads `signcerts/*.pem` and the matching key in `keystore/` of `dir`.
    pub fn load(dir: &Path, msp_id: &str) -> Result<SigningIdentity, String> {
        let signcerts = dir.join("signcerts");
        let certs = files(&signcerts)?;
        let (cert_path, cert_pem) = certs
            .into_iter()
            .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
            .find(|(_, b)| pem::blocks(b).iter().any(|x| x.label == "CERTIFICATE"))
            .ok_or_else(|| format!("no PEM certificate in {}", signcerts.display()))?;
        let point = cert_point(&cert_pem)
            .map_err(|e| format!("the signing certificate {}: {e}", cert_path.display()))?;
        let keystore = dir.join("keystore");
        let mut tried = 0;
        for path in files(&keystore)? {
            let Ok(bytes) = std::fs::read(&path).map(Zeroizing::new) else {
                continue;
            };
            let Some(key) = signing_key(&bytes) else {
                continue;
            };
            tried += 1;
            if key
                .verifying_key()
                .as_affine()
                .to_sec1_point(false)
                .as_bytes()
                == point.as_slice()
            {
                return Ok(SigningIdentity {
                    msp_id: msp_id.to_owned(),
                    cert_pem,
                    cert_origin: cert_path.display().to_string(),
                    key,
                });
            }
        }
        Err(if tried == 0 {
            format!(
                "no P-256 private key (PKCS#8 or SEC1 PEM) in {}",
                keystore.display()
            )
        } else {
            format!(
                "none of the {tried} P-256 key(s) in {} matches the certificate {}",
                keystore.display(),
                cert_path.display()
            )
        })
    }

    /// An identity from a certificate and key held in memory (tests, generated PKI).
    pub fn from_pem(msp_id: &str, cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, String> {
        let key = signing_key(key_pem).ok_or("not a P-256 private key (PKCS#8 or SEC1 PEM)")?;
        Ok(SigningIdentity {
            msp_id: msp_id.to_owned(),
            cert_pem: cert_pem.to_vec(),
            cert_origin: "memory".into(),
            key,
        })
    }

    /// ECDSA over SHA-256 of `message`, ASN.1 DER, with `s` in the lower half of the group
    /// order: Fabric's BCCSP signs low-S and its verifiers refuse high-S signatures
    /// (bccsp/sw/ecdsa.go `signECDSA` → `ToLowS`; `verifyECDSA` → "Invalid S. Must be smaller
    /// than half the order").
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let signature: Signature = self.key.sign(message);
        signature.normalize_s().to_der().as_bytes().to_vec()
    }
}

/// The files of a folder, sorted, or why it cannot be listed.
fn files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    Ok(out)
}

/// The uncompressed public point of the first certificate in `pem_bytes`.
fn cert_point(pem_bytes: &[u8]) -> Result<Vec<u8>, String> {
    let der = pem::blocks(pem_bytes)
        .into_iter()
        .find(|b| b.label == "CERTIFICATE")
        .ok_or("no CERTIFICATE block")?
        .contents?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    Ok(cert.public_key().subject_public_key.data.to_vec())
}

/// A P-256 signing key from a `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY` (SEC1) PEM block.
fn signing_key(pem_bytes: &[u8]) -> Option<SigningKey> {
    use pkcs8::DecodePrivateKey;
    for block in pem::blocks(pem_bytes) {
        let Ok(der) = block.contents.map(Zeroizing::new) else {
            continue;
        };
        let key = match block.label.as_str() {
            "PRIVATE KEY" => p256::SecretKey::from_pkcs8_der(&der).ok(),
            "EC PRIVATE KEY" => sec1::EcPrivateKey::try_from(der.as_slice())
                .ok()
                .and_then(|k| p256::SecretKey::from_slice(k.private_key).ok()),
            _ => None,
        };
        if let Some(key) = key {
            return Some(SigningKey::from(key));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;

    #[test]
    fn signatures_are_low_s_der_and_verify() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let id = SigningIdentity {
            msp_id: "OrdererMSP".into(),
            cert_pem: Vec::new(),
            cert_origin: "memory".into(),
            key,
        };
        for i in 0..32u8 {
            let msg = [i; 40];
            let der = id.sign(&msg);
            let sig = Signature::from_der(&der).unwrap();
            assert_eq!(sig.normalize_s(), sig, "high-S signature for message {i}");
            id.key.verifying_key().verify(&msg, &sig).unwrap();
        }
        assert!(!format!("{id:?}").contains("SigningKey"));
    }
}
