//! The form of a certificate's signature: which algorithm made it and, for ECDSA, whether its
//! `s` is low (`s <= n/2`) or high. The one place fabcheck reads and writes signature form: the
//! X509 signature lints judge with it, and the PKI generator (`deploy::crypto`) normalises with
//! it.
//!
//! Why the form matters: an ECDSA signature `(r, s)` is equally valid as `(r, n - s)`, and
//! Fabric removes that malleability by insisting on the low half. Its BCCSP signs low-S
//! (`bccsp/sw/ecdsa.go`, `signECDSA` → `utils.SignatureToLowS`), and its MSP rewrites the
//! signature of every ECDSA certificate it loads into low-S (`sanitizeCert` in
//! `msp/mspimpl.go`, via `SignatureToLowS` in `bccsp/utils/ecdsa.go`: `s = n - s` when
//! `s > n/2`, `n` the order of the signer's curve). Go 1.19's x509 then no longer chains a
//! high-S self-signed root to its rewritten copy (hyperledger/fabric#3661, fixed by #3774 in
//! 2.5.0), so the form of a root CA's signature decides whether those builds start at all.
//!
//! The arithmetic is done on big-endian byte strings: comparing with `n/2` and subtracting from
//! `n` need no big-integer type, and the curve orders are the three Fabric's MSP accepts.

use super::cert::PublicKeyId;

/// Why a signature's form could not be read or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("failed to decode the ECDSA signature: {0}")]
    Malformed(&'static str),
    #[error("failed to judge the ECDSA signature: {which} is not in 1..n-1 for {curve}")]
    OutOfRange {
        which: &'static str,
        curve: &'static str,
    },
    #[error("failed to judge the ECDSA signature: the signer's key is {0}, not a NIST curve key")]
    SignerNotEc(String),
}

/// The NIST curves Fabric's MSP accepts, by their group order `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EcCurve {
    P256,
    P384,
    P521,
}

/// Group orders from SEC 2 v2 (secp256r1, secp384r1, secp521r1), big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];
const P521_ORDER: [u8; 66] = [
    0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xfa, 0x51, 0x86, 0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc, 0x01, 0x48, 0xf7, 0x09,
    0xa5, 0xd0, 0x3b, 0xb5, 0xc9, 0xb8, 0x89, 0x9c, 0x47, 0xae, 0xbb, 0x6f, 0xb7, 0x1e, 0x91, 0x38,
    0x64, 0x09,
];

impl EcCurve {
    pub fn name(self) -> &'static str {
        match self {
            EcCurve::P256 => "P-256",
            EcCurve::P384 => "P-384",
            EcCurve::P521 => "P-521",
        }
    }

    /// The group order `n`, big-endian.
    pub fn order(self) -> &'static [u8] {
        match self {
            EcCurve::P256 => &P256_ORDER,
            EcCurve::P384 => &P384_ORDER,
            EcCurve::P521 => &P521_ORDER,
        }
    }

    /// `n >> 1`, the largest low-S value (Fabric's `curveHalfOrders`), big-endian.
    pub fn half_order(self) -> Vec<u8> {
        let n = self.order();
        let mut half = Vec::with_capacity(n.len());
        let mut carry = 0u8;
        for &b in n {
            half.push((b >> 1) | carry);
            carry = (b & 1) << 7;
        }
        trim(&half).to_vec()
    }

    /// The curve of an EC public key, `None` for other keys and other curves.
    pub fn of_key(key: &PublicKeyId) -> Option<EcCurve> {
        match key {
            PublicKeyId::Ec { curve, .. } => match *curve {
                "P-256" => Some(EcCurve::P256),
                "P-384" => Some(EcCurve::P384),
                "P-521" => Some(EcCurve::P521),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Which half of `1..n-1` an ECDSA signature's `s` lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SForm {
    /// `s <= n/2`: what Fabric's BCCSP and cryptogen write and its MSP keeps.
    Low,
    /// `s > n/2`: what Fabric's MSP rewrites.
    High,
}

impl SForm {
    pub fn as_str(self) -> &'static str {
        match self {
            SForm::Low => "low-S",
            SForm::High => "high-S",
        }
    }
}

/// An ECDSA signature (`Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`), its integers
/// big-endian without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdsaSignature {
    pub r: Vec<u8>,
    pub s: Vec<u8>,
}

impl EcdsaSignature {
    /// Decodes strict DER, as Go's `encoding/asn1` does for Fabric: minimal lengths and
    /// integers, positive integers, nothing after the sequence.
    pub fn from_der(der: &[u8]) -> Result<EcdsaSignature, SignatureError> {
        let (body, rest) = read_tlv(der, 0x30)?;
        if !rest.is_empty() {
            return Err(SignatureError::Malformed(
                "trailing data after the signature",
            ));
        }
        let (r, body) = read_tlv(body, 0x02)?;
        let (s, body) = read_tlv(body, 0x02)?;
        if !body.is_empty() {
            return Err(SignatureError::Malformed("more than two integers"));
        }
        Ok(EcdsaSignature {
            r: positive_integer(r)?,
            s: positive_integer(s)?,
        })
    }

    /// Encodes as DER.
    pub fn to_der(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.r.len() + self.s.len() + 6);
        for int in [&self.r, &self.s] {
            let mut content = Vec::with_capacity(int.len() + 1);
            // A set top bit would make the INTEGER negative; zero is one 0x00 byte.
            if int.first().is_none_or(|&b| b & 0x80 != 0) {
                content.push(0);
            }
            content.extend_from_slice(int);
            write_tlv(&mut body, 0x02, &content);
        }
        let mut out = Vec::with_capacity(body.len() + 3);
        write_tlv(&mut out, 0x30, &body);
        out
    }

    /// Whether `s` is low or high for `curve`, with `r` and `s` checked to be in `1..n-1`.
    pub fn s_form(&self, curve: EcCurve) -> Result<SForm, SignatureError> {
        let n = trim(curve.order());
        for (which, v) in [("r", &self.r), ("s", &self.s)] {
            if v.is_empty() || cmp_be(v, n) != std::cmp::Ordering::Less {
                return Err(SignatureError::OutOfRange {
                    which,
                    curve: curve.name(),
                });
            }
        }
        Ok(
            if cmp_be(&self.s, &curve.half_order()) == std::cmp::Ordering::Greater {
                SForm::High
            } else {
                SForm::Low
            },
        )
    }

    /// The same signature in low-S form (`s = n - s` when `s > n/2`), as Fabric's
    /// `SignatureToLowS` makes it.
    pub fn to_low_s(&self, curve: EcCurve) -> Result<EcdsaSignature, SignatureError> {
        Ok(match self.s_form(curve)? {
            SForm::Low => self.clone(),
            SForm::High => EcdsaSignature {
                r: self.r.clone(),
                s: sub_be(curve.order(), &self.s),
            },
        })
    }
}

/// Rewrites a DER ECDSA signature made with a `curve` key into low-S form; a low-S signature
/// comes back unchanged.
pub fn to_low_s_der(der: &[u8], curve: EcCurve) -> Result<Vec<u8>, SignatureError> {
    let sig = EcdsaSignature::from_der(der)?;
    match sig.s_form(curve)? {
        SForm::Low => Ok(der.to_vec()),
        SForm::High => Ok(sig.to_low_s(curve)?.to_der()),
    }
}

/// The algorithm a certificate is signed with, from its `signatureAlgorithm` OID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// ecdsa-with-SHA1/224/256/384/512, with the hash's name.
    Ecdsa {
        hash: &'static str,
    },
    /// PKCS#1 v1.5 RSA, with the hash's name.
    Rsa {
        hash: &'static str,
    },
    RsaPss,
    Ed25519,
    Ed448,
    /// Anything else, by OID.
    Other(String),
}

impl SignatureAlgorithm {
    pub fn from_oid(oid: &str) -> SignatureAlgorithm {
        match oid {
            "1.2.840.10045.4.1" => SignatureAlgorithm::Ecdsa { hash: "SHA-1" },
            "1.2.840.10045.4.3.1" => SignatureAlgorithm::Ecdsa { hash: "SHA-224" },
            "1.2.840.10045.4.3.2" => SignatureAlgorithm::Ecdsa { hash: "SHA-256" },
            "1.2.840.10045.4.3.3" => SignatureAlgorithm::Ecdsa { hash: "SHA-384" },
            "1.2.840.10045.4.3.4" => SignatureAlgorithm::Ecdsa { hash: "SHA-512" },
            "1.2.840.113549.1.1.10" => SignatureAlgorithm::RsaPss,
            "1.2.840.113549.1.1.4" => SignatureAlgorithm::Rsa { hash: "MD5" },
            "1.2.840.113549.1.1.5" => SignatureAlgorithm::Rsa { hash: "SHA-1" },
            "1.2.840.113549.1.1.11" => SignatureAlgorithm::Rsa { hash: "SHA-256" },
            "1.2.840.113549.1.1.12" => SignatureAlgorithm::Rsa { hash: "SHA-384" },
            "1.2.840.113549.1.1.13" => SignatureAlgorithm::Rsa { hash: "SHA-512" },
            "1.2.840.113549.1.1.14" => SignatureAlgorithm::Rsa { hash: "SHA-224" },
            "1.3.101.112" => SignatureAlgorithm::Ed25519,
            "1.3.101.113" => SignatureAlgorithm::Ed448,
            other => SignatureAlgorithm::Other(other.to_owned()),
        }
    }

    /// The hash the signature is made over, for algorithms that name one.
    pub fn hash(&self) -> Option<&'static str> {
        match self {
            SignatureAlgorithm::Ecdsa { hash } | SignatureAlgorithm::Rsa { hash } => Some(hash),
            _ => None,
        }
    }

    /// `ECDSA with SHA-256`, `RSA with SHA-256`, `Ed25519`, `OID 1.2.3`.
    pub fn describe(&self) -> String {
        match self {
            SignatureAlgorithm::Ecdsa { hash } => format!("ECDSA with {hash}"),
            SignatureAlgorithm::Rsa { hash } => format!("RSA with {hash}"),
            SignatureAlgorithm::RsaPss => "RSA-PSS".into(),
            SignatureAlgorithm::Ed25519 => "Ed25519".into(),
            SignatureAlgorithm::Ed448 => "Ed448".into(),
            SignatureAlgorithm::Other(oid) => format!("OID {oid}"),
        }
    }
}

/// The form of one certificate's signature, judged with the key that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureForm {
    Ecdsa {
        curve: EcCurve,
        form: SForm,
        /// `s`, big-endian: public, and the evidence of the form.
        s: Vec<u8>,
    },
    /// Not ECDSA: there is no low or high form.
    NotEcdsa(SignatureAlgorithm),
}

/// Reads the form of a signature `value` made with `algorithm` by the holder of `signer` (the
/// issuer's public key; a self-signed certificate's own). The curve, and so `n`, comes from the
/// signer: the signature algorithm names only the hash.
pub fn form_of(
    algorithm: &SignatureAlgorithm,
    value: &[u8],
    signer: &PublicKeyId,
) -> Result<SignatureForm, SignatureError> {
    if !matches!(algorithm, SignatureAlgorithm::Ecdsa { .. }) {
        return Ok(SignatureForm::NotEcdsa(algorithm.clone()));
    }
    let curve =
        EcCurve::of_key(signer).ok_or_else(|| SignatureError::SignerNotEc(signer.describe()))?;
    let sig = EcdsaSignature::from_der(value)?;
    let form = sig.s_form(curve)?;
    Ok(SignatureForm::Ecdsa {
        curve,
        form,
        s: sig.s,
    })
}

/// Reads one DER TLV with `tag` at the start of `input`: (contents, what follows).
fn read_tlv(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), SignatureError> {
    let malformed = SignatureError::Malformed;
    let (&t, rest) = input.split_first().ok_or(malformed("truncated"))?;
    if t != tag {
        return Err(malformed(if tag == 0x30 {
            "not a SEQUENCE"
        } else {
            "not an INTEGER"
        }));
    }
    let (&first, rest) = rest.split_first().ok_or(malformed("truncated"))?;
    let (len, rest) = match first {
        l if l < 0x80 => (l as usize, rest),
        0x81 => {
            let (&l, rest) = rest.split_first().ok_or(malformed("truncated"))?;
            if l < 0x80 {
                return Err(malformed("non-minimal length"));
            }
            (l as usize, rest)
        }
        // The longest signature (P-521) is under 256 bytes: anything longer is not one.
        _ => return Err(malformed("length too long for an ECDSA signature")),
    };
    if rest.len() < len {
        return Err(malformed("truncated"));
    }
    Ok(rest.split_at(len))
}

/// A DER INTEGER's contents as an unsigned big-endian value without leading zeros, refusing
/// negative and non-minimal encodings.
fn positive_integer(content: &[u8]) -> Result<Vec<u8>, SignatureError> {
    match content {
        [] => Err(SignatureError::Malformed("empty INTEGER")),
        [b, ..] if b & 0x80 != 0 => Err(SignatureError::Malformed("negative INTEGER")),
        [0, b, ..] if b & 0x80 == 0 => Err(SignatureError::Malformed("non-minimal INTEGER")),
        _ => Ok(trim(content).to_vec()),
    }
}

fn write_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    match content.len() {
        l if l < 0x80 => out.push(l as u8),
        // Every ECDSA signature fits in one length byte (P-521: at most 139 bytes).
        l => out.extend_from_slice(&[0x81, l as u8]),
    }
    out.extend_from_slice(content);
}

/// `bytes` without leading zeros.
fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Compares two unsigned big-endian integers.
fn cmp_be(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (a, b) = (trim(a), trim(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// `a - b` for unsigned big-endian `a >= b`, without leading zeros.
fn sub_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = a.to_vec();
    let mut borrow = 0i16;
    for i in 0..out.len() {
        let ai = out.len() - 1 - i;
        let bv = if i < b.len() {
            i16::from(b[b.len() - 1 - i])
        } else {
            0
        };
        let mut d = i16::from(out[ai]) - bv - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[ai] = d as u8;
    }
    trim(&out).to_vec()
}

#[cfg(test)]
mod tests {
    use p256::elliptic_curve::PrimeField;
    use p256::elliptic_curve::scalar::IsHigh;

    use super::*;

    fn p256_key() -> PublicKeyId {
        PublicKeyId::Ec {
            curve: "P-256",
            point: vec![4; 65],
        }
    }

    /// `n - 1` as each RustCrypto curve computes it, against the constants here.
    #[test]
    fn orders_match_the_rustcrypto_curves() {
        let minus_one = |curve: EcCurve| sub_be(curve.order(), &[1]);
        assert_eq!(
            minus_one(EcCurve::P256),
            trim(&(-p256::Scalar::ONE).to_repr())
        );
        assert_eq!(
            minus_one(EcCurve::P384),
            trim(&(-p384::Scalar::ONE).to_repr())
        );
        assert_eq!(
            minus_one(EcCurve::P521),
            trim(&(-p521::Scalar::ONE).to_repr())
        );
    }

    #[test]
    fn half_order_is_the_last_low_value() {
        for curve in [EcCurve::P256, EcCurve::P384, EcCurve::P521] {
            let half = curve.half_order();
            let sig = |s: Vec<u8>| EcdsaSignature { r: vec![1], s };
            assert_eq!(sig(half.clone()).s_form(curve), Ok(SForm::Low), "{curve:?}");
            // n is odd: n/2 + 1 = n - n/2 is the first high value.
            let next = sub_be(curve.order(), &half);
            assert_eq!(sig(next).s_form(curve), Ok(SForm::High), "{curve:?}");
            assert_eq!(sig(vec![1]).s_form(curve), Ok(SForm::Low));
            assert_eq!(
                sig(sub_be(curve.order(), &[1])).s_form(curve),
                Ok(SForm::High)
            );
        }
    }

    #[test]
    fn zero_and_order_are_out_of_range() {
        let curve = EcCurve::P256;
        for (r, s) in [
            (vec![1], vec![]),
            (vec![1], curve.order().to_vec()),
            (vec![], vec![1]),
        ] {
            let err = EcdsaSignature { r, s }.s_form(curve).unwrap_err();
            assert!(matches!(err, SignatureError::OutOfRange { .. }), "{err}");
        }
    }

    /// Signatures made by the p256 crate: the form read here agrees with its `is_high`, and
    /// normalising agrees with its `normalize_s`, byte for byte in DER.
    #[test]
    fn agrees_with_p256_on_its_signatures() {
        use p256::ecdsa::signature::Signer;
        // RFC 6979 signing: a fixed key and 64 messages give 64 fixed, unrelated signatures.
        let key = p256::ecdsa::SigningKey::from_slice(&[0x11; 32]).expect("key");
        let (mut low, mut high) = (0, 0);
        for i in 0u32..64 {
            let sig: p256::ecdsa::Signature = key.sign(&i.to_be_bytes());
            // p256 signs low-S; its mirror image is the high-S twin.
            let twin = p256::ecdsa::Signature::from_scalars(sig.r(), -sig.s()).expect("twin");
            for s in [sig, twin] {
                let der = s.to_der();
                let parsed = EcdsaSignature::from_der(der.as_bytes()).expect("parses");
                assert_eq!(parsed.to_der(), der.as_bytes(), "re-encodes identically");
                let form = parsed.s_form(EcCurve::P256).expect("in range");
                let high_here = form == SForm::High;
                assert_eq!(high_here, bool::from(s.s().is_high()));
                if high_here {
                    high += 1
                } else {
                    low += 1
                }
                let normal = to_low_s_der(der.as_bytes(), EcCurve::P256).expect("normalises");
                assert_eq!(normal, s.normalize_s().to_der().as_bytes());
            }
        }
        assert!(
            low > 0 && high > 0,
            "both forms seen: {low} low, {high} high"
        );
    }

    #[test]
    fn low_s_is_returned_unchanged() {
        let sig = EcdsaSignature {
            r: vec![0x80, 1],
            s: vec![0x05],
        };
        let der = sig.to_der();
        assert_eq!(
            der,
            [0x30, 0x08, 0x02, 0x03, 0x00, 0x80, 0x01, 0x02, 0x01, 0x05]
        );
        assert_eq!(to_low_s_der(&der, EcCurve::P256), Ok(der.clone()));
        assert_eq!(EcdsaSignature::from_der(&der), Ok(sig));
    }

    #[test]
    fn strict_der_is_required() {
        for (der, why) in [
            (
                &[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01][..],
                "not a SEQUENCE",
            ),
            (
                &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00][..],
                "trailing data",
            ),
            (
                &[0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01][..],
                "negative INTEGER",
            ),
            (
                &[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01][..],
                "non-minimal INTEGER",
            ),
            (
                &[0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01][..],
                "non-minimal length",
            ),
            (
                &[0x30, 0x05, 0x02, 0x01, 0x01, 0x02, 0x00][..],
                "empty INTEGER",
            ),
            (&[0x30, 0x03, 0x02, 0x01, 0x01][..], "truncated"),
            (
                &[
                    0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01,
                ][..],
                "more than two",
            ),
        ] {
            let err = EcdsaSignature::from_der(der).unwrap_err().to_string();
            assert!(err.contains(why), "{der:02x?}: {err}");
            assert!(err.starts_with("failed to decode"), "{err}");
        }
    }

    #[test]
    fn form_of_needs_an_ec_signer_only_for_ecdsa() {
        let rsa = PublicKeyId::Rsa {
            modulus: vec![1; 256],
            exponent: vec![1, 0, 1],
        };
        assert_eq!(
            form_of(
                &SignatureAlgorithm::from_oid("1.2.840.113549.1.1.11"),
                b"x",
                &rsa
            ),
            Ok(SignatureForm::NotEcdsa(SignatureAlgorithm::Rsa {
                hash: "SHA-256"
            }))
        );
        assert_eq!(
            form_of(&SignatureAlgorithm::from_oid("1.3.101.112"), b"x", &rsa),
            Ok(SignatureForm::NotEcdsa(SignatureAlgorithm::Ed25519))
        );
        let ecdsa = SignatureAlgorithm::from_oid("1.2.840.10045.4.3.2");
        assert_eq!(
            form_of(&ecdsa, b"x", &rsa),
            Err(SignatureError::SignerNotEc("RSA 2048".into()))
        );
        let der = EcdsaSignature {
            r: vec![1],
            s: vec![2],
        }
        .to_der();
        assert_eq!(
            form_of(&ecdsa, &der, &p256_key()),
            Ok(SignatureForm::Ecdsa {
                curve: EcCurve::P256,
                form: SForm::Low,
                s: vec![2]
            })
        );
    }
}
