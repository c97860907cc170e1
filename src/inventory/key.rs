//! Private keys, reduced at once to the public key they imply.
//!
//! A key file is parsed while gathering and its secret bytes are dropped (and zeroed) before
//! anything else happens: a [`KeyRecord`] holds only public data, so no private key material
//! can reach a finding, a log line or a report.

use p256::elliptic_curve::sec1::ToSec1Point;
use pkcs8::der::asn1::ObjectIdentifier;
use zeroize::Zeroizing;

use super::cert::{PublicKeyId, trim_be};
use super::{Layout, Origin};

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// A private key file (or Secret entry), known only by the public key it implies.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub origin: Origin,
    pub layout: Layout,
    /// The public key derived from the private scalar (as Go derives it), or why it could not be.
    pub public_key: Result<PublicKeyId, String>,
}

/// The encodings a private key arrives in, by PEM label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEncoding {
    /// `PRIVATE KEY`
    Pkcs8,
    /// `EC PRIVATE KEY`
    Sec1,
    /// `RSA PRIVATE KEY`
    Pkcs1,
    /// `ENCRYPTED PRIVATE KEY`: cannot be read without its passphrase.
    EncryptedPkcs8,
}

impl KeyEncoding {
    pub fn from_pem_label(label: &str) -> Option<Self> {
        match label {
            "PRIVATE KEY" => Some(KeyEncoding::Pkcs8),
            "EC PRIVATE KEY" => Some(KeyEncoding::Sec1),
            "RSA PRIVATE KEY" => Some(KeyEncoding::Pkcs1),
            "ENCRYPTED PRIVATE KEY" => Some(KeyEncoding::EncryptedPkcs8),
            _ => None,
        }
    }
}

/// Derives the public key from private key DER. The input is zeroed when this returns.
pub fn public_key_of(
    der: Zeroizing<Vec<u8>>,
    encoding: KeyEncoding,
) -> Result<PublicKeyId, String> {
    match encoding {
        KeyEncoding::Pkcs8 => from_pkcs8(&der),
        KeyEncoding::Sec1 => from_sec1(&der, None),
        KeyEncoding::Pkcs1 => from_pkcs1(&der),
        KeyEncoding::EncryptedPkcs8 => {
            Err("encrypted private key: cannot be compared without its passphrase".into())
        }
    }
}

/// Derives the public key from a SEC1 `ECPrivateKey` that names its curve, as Go's
/// `x509.ParseECPrivateKey` reads it (fabric-ca's Idemix revocation key, whatever its PEM
/// label). The input is zeroed when this returns.
pub fn public_key_of_sec1(der: Zeroizing<Vec<u8>>) -> Result<PublicKeyId, String> {
    from_sec1(&der, None)
}

fn from_pkcs8(der: &[u8]) -> Result<PublicKeyId, String> {
    let info = pkcs8::PrivateKeyInfoRef::try_from(der)
        .map_err(|e| format!("not a PKCS#8 private key: {e}"))?;
    let oid = info.algorithm.oid;
    let key = info.private_key.as_bytes();
    if oid == OID_EC_PUBLIC_KEY {
        let curve = info
            .algorithm
            .parameters
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        if let Some(point) = curve.and_then(|c| public_point_with_ring(der, c)) {
            return Ok(PublicKeyId::Ec {
                curve: super::cert::curve_for_point(&point),
                point,
            });
        }
        from_sec1(key, curve)
    } else if oid == OID_RSA_ENCRYPTION {
        from_pkcs1(key)
    } else {
        Err(format!("unsupported private key algorithm {oid}"))
    }
}

/// ring derives the point from the scalar and accepts the key only when the embedded public
/// key agrees, so its answer is the scalar's point; it is about four times faster than the
/// generic curves below, which handle what ring rejects (no embedded public key, a mismatch).
fn public_point_with_ring(pkcs8: &[u8], curve: ObjectIdentifier) -> Option<Vec<u8>> {
    use ring::signature::{
        ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
    };
    let alg = if curve == OID_P256 {
        &ECDSA_P256_SHA256_ASN1_SIGNING
    } else if curve == OID_P384 {
        &ECDSA_P384_SHA384_ASN1_SIGNING
    } else {
        return None;
    };
    let rng = ring::rand::SystemRandom::new();
    let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8, &rng).ok()?;
    Some(pair.public_key().as_ref().to_vec())
}

fn from_sec1(
    der: &[u8],
    curve_from_pkcs8: Option<ObjectIdentifier>,
) -> Result<PublicKeyId, String> {
    let key =
        sec1::EcPrivateKey::try_from(der).map_err(|e| format!("not an EC private key: {e}"))?;
    let curve = curve_from_pkcs8
        .or_else(|| key.parameters.and_then(|p| p.named_curve()))
        .ok_or("EC private key does not name its curve")?;
    // Go computes the public point from the scalar and ignores the embedded copy; so do we.
    let point: Vec<u8> = if curve == OID_P256 {
        let sk = p256::SecretKey::from_slice(key.private_key)
            .map_err(|_| "invalid P-256 private scalar")?;
        sk.public_key().to_sec1_point(false).as_bytes().to_vec()
    } else if curve == OID_P384 {
        let sk = p384::SecretKey::from_slice(key.private_key)
            .map_err(|_| "invalid P-384 private scalar")?;
        sk.public_key().to_sec1_point(false).as_bytes().to_vec()
    } else if curve == OID_P521 {
        let sk = p521::SecretKey::from_slice(key.private_key)
            .map_err(|_| "invalid P-521 private scalar")?;
        sk.public_key().to_sec1_point(false).as_bytes().to_vec()
    } else {
        return Err(format!("unsupported elliptic curve {curve}"));
    };
    Ok(PublicKeyId::Ec {
        curve: super::cert::curve_for_point(&point),
        point,
    })
}

fn from_pkcs1(der: &[u8]) -> Result<PublicKeyId, String> {
    let key = pkcs1::RsaPrivateKeyRef::try_from(der)
        .map_err(|e| format!("not a PKCS#1 RSA private key: {e}"))?;
    Ok(PublicKeyId::Rsa {
        modulus: trim_be(key.modulus.as_bytes()),
        exponent: trim_be(key.public_exponent.as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A P-256 PKCS#8 key whose public key both derivations must agree on.
    fn generated() -> (Vec<u8>, Vec<u8>) {
        let rng = ring::rand::SystemRandom::new();
        let doc = ring::signature::EcdsaKeyPair::generate_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            &rng,
        )
        .unwrap();
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            doc.as_ref(),
            &rng,
        )
        .unwrap();
        use ring::signature::KeyPair;
        (doc.as_ref().to_vec(), pair.public_key().as_ref().to_vec())
    }

    #[test]
    fn pkcs8_and_embedded_sec1_give_the_same_point() {
        let (pkcs8, point) = generated();
        let via_pkcs8 = public_key_of(Zeroizing::new(pkcs8.clone()), KeyEncoding::Pkcs8).unwrap();
        assert_eq!(
            via_pkcs8,
            PublicKeyId::Ec {
                curve: "P-256",
                point: point.clone()
            }
        );
        let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8.as_slice()).unwrap();
        let sec1 = info.private_key.as_bytes().to_vec();
        // SEC1 inside PKCS#8 does not name the curve, so the generic path needs it passed in.
        assert_eq!(from_sec1(&sec1, Some(OID_P256)).unwrap(), via_pkcs8);
        assert!(
            from_sec1(&sec1, None)
                .unwrap_err()
                .contains("does not name its curve")
        );
    }

    #[test]
    fn garbage_and_encrypted_keys_are_reasons_not_panics() {
        assert!(
            public_key_of(
                Zeroizing::new(vec![0x30, 0x03, 0x02, 0x01, 0x00]),
                KeyEncoding::Pkcs8
            )
            .is_err()
        );
        assert!(public_key_of(Zeroizing::new(vec![1, 2, 3]), KeyEncoding::Sec1).is_err());
        assert!(public_key_of(Zeroizing::new(vec![]), KeyEncoding::Pkcs1).is_err());
        let e = public_key_of(Zeroizing::new(vec![]), KeyEncoding::EncryptedPkcs8).unwrap_err();
        assert!(e.contains("passphrase"));
    }
}
