//! A parsed certificate, reduced to the facts the checks compare.
//!
//! Parsing happens once, while gathering; the record keeps the DER so that signatures can be
//! verified later without going back to the file.

use std::sync::Arc;

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use super::signature::{SignatureAlgorithm, SignatureError, SignatureForm, form_of};
use super::{Layout, Origin};

/// One certificate as found at one origin. Identical certificates found at several origins
/// (a CA copied into every MSP) are separate records sharing one parsed [`CertFacts`]; the
/// record dereferences to it, so `record.subject` reads the facts.
#[derive(Debug, Clone)]
pub struct CertRecord {
    pub origin: Origin,
    pub layout: Layout,
    pub facts: Arc<CertFacts>,
}

impl std::ops::Deref for CertRecord {
    type Target = CertFacts;

    fn deref(&self) -> &CertFacts {
        &self.facts
    }
}

/// Parsed certificates by SHA-256 of their DER, shared by the threads that read a tree: a CA
/// copied into every MSP is parsed once.
#[derive(Debug, Default)]
pub struct ParseCache(std::sync::Mutex<std::collections::HashMap<[u8; 32], Arc<CertFacts>>>);

impl ParseCache {
    /// Every distinct certificate parsed so far.
    pub fn certificates(&self) -> Vec<Arc<CertFacts>> {
        let parsed = self.0.lock().unwrap_or_else(|e| e.into_inner());
        parsed.values().cloned().collect()
    }
}

/// What a certificate says, independent of where it was found.
#[derive(Debug)]
pub struct CertFacts {
    pub der: Arc<[u8]>,
    /// SHA-256 of the DER, lowercase hex.
    pub fingerprint: String,
    pub version: u32,
    pub serial: String,
    pub subject: String,
    pub issuer: String,
    /// Raw DER of the subject and issuer names: names are compared byte for byte, as Go does.
    pub subject_raw: Vec<u8>,
    pub issuer_raw: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// basicConstraints cA, or `None` when the extension is absent.
    pub basic_ca: Option<bool>,
    /// keyUsage keyCertSign, or `None` when the extension is absent.
    pub key_cert_sign: Option<bool>,
    /// The keyUsage bits (RFC 5280 4.2.1.3 order, digitalSignature = bit 0), or `None` when
    /// the extension is absent.
    pub key_usage: Option<u16>,
    /// extendedKeyUsage, or `None` when the extension is absent (which Go's x509 reads as
    /// "any usage").
    pub extended_key_usage: Option<ExtendedKeyUsage>,
    /// Whether a subjectAltName extension is present (with any kind of name).
    pub has_san: bool,
    /// The serial number's DER INTEGER content, sign bit included.
    pub serial_der: Vec<u8>,
    /// The SubjectPublicKeyInfo algorithm OID and, for EC keys, the named curve's OID.
    pub key_algorithm: String,
    pub key_curve: Option<String>,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    /// Raw SubjectPublicKeyInfo DER, to verify the signatures of certificates this one issued.
    pub spki: Vec<u8>,
    /// The public key itself (EC point, or RSA modulus), to match private keys against.
    pub public_key: PublicKeyId,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    /// The subject's OU values, which Fabric matches against an MSP's OU identifiers.
    pub organizational_units: Vec<String>,
    /// The algorithm of the issuer's signature, and the signature itself (public), for the
    /// signature-form lints ([`super::signature`]).
    pub signature_algorithm: SignatureAlgorithm,
    pub signature: Vec<u8>,
}

/// The extendedKeyUsage purposes TLS cares about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtendedKeyUsage {
    pub server_auth: bool,
    pub client_auth: bool,
    /// anyExtendedKeyUsage, which Go accepts for every purpose.
    pub any: bool,
    /// Every purpose, by name (`serverAuth`) or OID, for evidence.
    pub purposes: Vec<String>,
}

impl ExtendedKeyUsage {
    /// Whether Go's x509 accepts the certificate for TLS server authentication.
    pub fn allows_server_auth(&self) -> bool {
        self.server_auth || self.any
    }

    /// Whether Go's x509 accepts the certificate for TLS client authentication.
    pub fn allows_client_auth(&self) -> bool {
        self.client_auth || self.any
    }
}

/// What kind of key a certificate holds, named from its SubjectPublicKeyInfo algorithm and
/// curve OIDs (not from the key's length: secp256k1 points are as long as P-256 ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyKind {
    /// ECDSA on a named curve: `P-256`, `P-384`, `P-521`, `P-224`, `secp256k1`, or the OID.
    Ec(String),
    /// RSA with its modulus size in bits.
    Rsa(usize),
    Ed25519,
    /// Anything else, by algorithm OID.
    Other(String),
}

impl KeyKind {
    pub fn describe(&self) -> String {
        match self {
            KeyKind::Ec(curve) => format!("ECDSA {curve}"),
            KeyKind::Rsa(bits) => format!("RSA {bits}"),
            KeyKind::Ed25519 => "Ed25519".into(),
            KeyKind::Other(oid) => format!("key algorithm {oid}"),
        }
    }
}

/// The name of an elliptic curve from its OID (RFC 5480, SEC 2).
fn curve_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.132.0.33" => "P-224",
        "1.2.840.10045.3.1.1" => "P-192",
        "1.3.132.0.10" => "secp256k1",
        other => return format!("curve {other}"),
    }
    .into()
}

/// A public key reduced to what identifies it, comparable across certificates and private keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PublicKeyId {
    /// Uncompressed SEC1 point, with the curve name.
    Ec { curve: &'static str, point: Vec<u8> },
    /// RSA modulus (big-endian, without leading zeros) and public exponent.
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    /// Anything else, by its raw bits.
    Other(Vec<u8>),
}

impl PublicKeyId {
    /// Short human description: `ECDSA P-256`, `RSA 2048`.
    pub fn describe(&self) -> String {
        match self {
            PublicKeyId::Ec { curve, .. } => format!("ECDSA {curve}"),
            PublicKeyId::Rsa { modulus, .. } => format!("RSA {}", modulus.len() * 8),
            PublicKeyId::Other(_) => "unknown algorithm".into(),
        }
    }

    /// SHA-256 of the key's identifying bytes, lowercase hex (safe to print: public data).
    pub fn fingerprint(&self) -> String {
        let bytes: &[u8] = match self {
            PublicKeyId::Ec { point, .. } => point,
            PublicKeyId::Rsa { modulus, .. } => modulus,
            PublicKeyId::Other(b) => b,
        };
        hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Strips leading zero bytes from a big-endian integer, as DER INTEGERs may carry one.
pub fn trim_be(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

/// Names the curve of an EC key from its SEC1 point length, the only thing Fabric varies.
pub fn curve_for_point(point: &[u8]) -> &'static str {
    match point.len() {
        65 => "P-256",
        97 => "P-384",
        133 => "P-521",
        _ => "unknown curve",
    }
}

impl CertRecord {
    /// Parses one DER certificate. The error is a lowercase reason fit for a finding.
    pub fn parse(der: &[u8], origin: Origin, layout: Layout) -> Result<CertRecord, String> {
        Ok(CertRecord {
            origin,
            layout,
            facts: Arc::new(CertFacts::parse(der)?),
        })
    }

    /// Like [`CertRecord::parse`], reusing the facts of an identical certificate parsed before.
    pub fn parse_cached(
        der: &[u8],
        origin: Origin,
        layout: Layout,
        cache: &ParseCache,
    ) -> Result<CertRecord, String> {
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        let mut key = [0u8; 32];
        key.copy_from_slice(digest.as_ref());
        let lock = || cache.0.lock().unwrap_or_else(|e| e.into_inner());
        let cached = lock().get(&key).cloned();
        let facts = match cached {
            Some(f) => f,
            None => {
                let f = Arc::new(CertFacts::parse(der)?);
                lock().entry(key).or_insert(f).clone()
            }
        };
        Ok(CertRecord {
            origin,
            layout,
            facts,
        })
    }
}

impl CertFacts {
    /// Parses one DER certificate. The error is a lowercase reason fit for a finding.
    pub fn parse(der: &[u8]) -> Result<CertFacts, String> {
        check_outer_der(der)?;
        let (rest, cert) = X509Certificate::from_der(der)
            .map_err(|e| format!("not a valid X.509 certificate: {e}"))?;
        if !rest.is_empty() {
            return Err(format!(
                "{} bytes of trailing data after the certificate",
                rest.len()
            ));
        }
        let tbs = &cert.tbs_certificate;
        let version = tbs.version.0;
        if version > 2 {
            return Err(format!(
                "invalid certificate version field {version} (only v1, v2 and v3 exist)"
            ));
        }
        let mut basic_ca = None;
        let mut key_cert_sign = None;
        let mut key_usage = None;
        let mut extended_key_usage = None;
        let mut has_san = false;
        let mut subject_key_id = None;
        let mut authority_key_id = None;
        let mut dns_names = Vec::new();
        let mut ip_addresses = Vec::new();
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => basic_ca = Some(bc.ca),
                ParsedExtension::KeyUsage(ku) => {
                    key_cert_sign = Some(ku.key_cert_sign());
                    key_usage = Some(ku.flags);
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    let mut purposes = Vec::new();
                    for (set, name) in [
                        (eku.any, "anyExtendedKeyUsage"),
                        (eku.server_auth, "serverAuth"),
                        (eku.client_auth, "clientAuth"),
                        (eku.code_signing, "codeSigning"),
                        (eku.email_protection, "emailProtection"),
                        (eku.time_stamping, "timeStamping"),
                        (eku.ocsp_signing, "OCSPSigning"),
                    ] {
                        if set {
                            purposes.push(name.to_owned());
                        }
                    }
                    purposes.extend(eku.other.iter().map(|o| o.to_id_string()));
                    extended_key_usage = Some(ExtendedKeyUsage {
                        server_auth: eku.server_auth,
                        client_auth: eku.client_auth,
                        any: eku.any,
                        purposes,
                    });
                }
                ParsedExtension::SubjectKeyIdentifier(ski) => subject_key_id = Some(ski.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    has_san = true;
                    for name in &san.general_names {
                        match name {
                            GeneralName::DNSName(d) => dns_names.push((*d).to_owned()),
                            GeneralName::IPAddress(ip) => ip_addresses.push(format_ip(ip)),
                            _ => {}
                        }
                    }
                }
                ParsedExtension::ParseError { error } => {
                    return Err(format!("extension {} does not parse: {error}", ext.oid));
                }
                _ => {}
            }
        }
        let spki = cert.public_key();
        let key_algorithm = spki.algorithm.algorithm.to_id_string();
        let key_curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .map(|oid| oid.to_id_string());
        let public_key = match spki.parsed() {
            Ok(PublicKey::EC(point)) => {
                let point = point.data().to_vec();
                PublicKeyId::Ec {
                    curve: curve_for_point(&point),
                    point,
                }
            }
            Ok(PublicKey::RSA(rsa)) => PublicKeyId::Rsa {
                modulus: trim_be(rsa.modulus),
                exponent: trim_be(rsa.exponent),
            },
            _ => PublicKeyId::Other(spki.subject_public_key.data.to_vec()),
        };
        let organizational_units = cert
            .subject()
            .iter_organizational_unit()
            .filter_map(|ou| ou.as_str().ok().map(str::to_owned))
            .collect();
        Ok(CertFacts {
            organizational_units,
            signature_algorithm: SignatureAlgorithm::from_oid(
                &cert.signature_algorithm.algorithm.to_id_string(),
            ),
            signature: cert.signature_value.data.to_vec(),
            fingerprint: hex(ring::digest::digest(&ring::digest::SHA256, der).as_ref()),
            version: version + 1,
            serial: cert.raw_serial_as_string(),
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            subject_raw: cert.subject().as_raw().to_vec(),
            issuer_raw: cert.issuer().as_raw().to_vec(),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            basic_ca,
            key_cert_sign,
            key_usage,
            extended_key_usage,
            has_san,
            serial_der: tbs.raw_serial().to_vec(),
            key_algorithm,
            key_curve,
            subject_key_id,
            authority_key_id,
            spki: spki.raw.to_vec(),
            public_key,
            dns_names,
            ip_addresses,
            der: Arc::from(der),
        })
    }

    /// Whether the certificate names itself as issuer.
    pub fn self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// Whether this certificate may sign others: basicConstraints CA:TRUE and, when keyUsage is
    /// present, keyCertSign. A v1 certificate has no extensions and is accepted as a CA, as Go
    /// does for roots.
    pub fn can_sign_certificates(&self) -> Result<(), &'static str> {
        match (self.version, self.basic_ca) {
            (1, _) => {}
            (_, Some(true)) => {}
            (_, Some(false)) => return Err("basicConstraints CA:FALSE"),
            (_, None) => return Err("no basicConstraints extension"),
        }
        if self.key_cert_sign == Some(false) {
            return Err("keyUsage without keyCertSign");
        }
        Ok(())
    }

    /// The form of this certificate's signature, judged with `signer`'s key (its issuer's; its
    /// own for a self-signed root).
    pub fn signature_form(&self, signer: &CertFacts) -> Result<SignatureForm, SignatureError> {
        form_of(
            &self.signature_algorithm,
            &self.signature,
            &signer.public_key,
        )
    }

    /// The kind of key the certificate holds.
    pub fn key_kind(&self) -> KeyKind {
        match self.key_algorithm.as_str() {
            "1.2.840.10045.2.1" => KeyKind::Ec(
                self.key_curve
                    .as_deref()
                    .map(curve_name)
                    .unwrap_or_else(|| "without a named curve".into()),
            ),
            "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => match &self.public_key {
                PublicKeyId::Rsa { modulus, .. } => {
                    let bits = modulus.len() * 8
                        - modulus.first().map_or(0, |b| b.leading_zeros() as usize);
                    KeyKind::Rsa(bits)
                }
                _ => KeyKind::Rsa(0),
            },
            "1.3.101.112" => KeyKind::Ed25519,
            other => KeyKind::Other(other.to_owned()),
        }
    }

    /// Whether the keyUsage extension, when present, has bit `bit` (RFC 5280 4.2.1.3 order).
    pub fn key_usage_has(&self, bit: u8) -> Option<bool> {
        self.key_usage.map(|flags| flags >> bit & 1 == 1)
    }

    /// The subject's common name, or the whole subject when it has none.
    pub fn common_name(&self) -> &str {
        self.subject
            .split(", ")
            .find_map(|part| part.strip_prefix("CN="))
            .unwrap_or(&self.subject)
    }
}

fn format_ip(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => std::net::Ipv4Addr::from([bytes[0], bytes[1], bytes[2], bytes[3]]).to_string(),
        16 => {
            let mut b = [0u8; 16];
            b.copy_from_slice(bytes);
            std::net::Ipv6Addr::from(b).to_string()
        }
        _ => hex(bytes),
    }
}

/// Rejects encodings Go's parser (and so Fabric) rejects but a lenient parser may accept:
/// the outer SEQUENCE must use the shortest length form and span the whole input.
fn check_outer_der(der: &[u8]) -> Result<(), String> {
    let Some((&tag, rest)) = der.split_first() else {
        return Err("empty certificate".into());
    };
    if tag != 0x30 {
        return Err(format!(
            "not DER: expected a SEQUENCE (0x30), found tag 0x{tag:02x}"
        ));
    }
    let Some((&first, rest)) = rest.split_first() else {
        return Err("truncated DER: no length".into());
    };
    let (len, header_rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 {
            return Err("not DER: indefinite length (BER) encoding".into());
        }
        if n > 4 || rest.len() < n {
            return Err("truncated DER: length bytes missing".into());
        }
        let bytes = &rest[..n];
        if bytes[0] == 0 || (n == 1 && bytes[0] < 0x80) {
            return Err(
                "not canonical DER: length uses more bytes than needed (Go and Fabric reject it)"
                    .into(),
            );
        }
        (
            bytes.iter().fold(0usize, |acc, &b| (acc << 8) | b as usize),
            &rest[n..],
        )
    };
    match header_rest.len().cmp(&len) {
        std::cmp::Ordering::Less => Err(format!(
            "truncated DER: certificate declares {len} bytes but only {} are present",
            header_rest.len()
        )),
        std::cmp::Ordering::Greater => Err(format!(
            "{} bytes of trailing data after the certificate",
            header_rest.len() - len
        )),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outer_der_accepts_canonical_lengths() {
        let mut der = vec![0x30, 0x82, 0x01, 0x00];
        der.extend(std::iter::repeat_n(0u8, 256));
        assert_eq!(check_outer_der(&der), Ok(()));
        assert_eq!(check_outer_der(&[0x30, 0x01, 0x00]), Ok(()));
    }

    #[test]
    fn outer_der_rejects_non_minimal_length() {
        let mut der = vec![0x30, 0x83, 0x00, 0x01, 0x00];
        der.extend(std::iter::repeat_n(0u8, 256));
        assert!(
            check_outer_der(&der)
                .unwrap_err()
                .contains("not canonical DER")
        );
        let der = [0x30, 0x81, 0x01, 0x00];
        assert!(
            check_outer_der(&der)
                .unwrap_err()
                .contains("not canonical DER")
        );
    }

    #[test]
    fn outer_der_rejects_indefinite_truncated_and_trailing() {
        assert!(
            check_outer_der(&[0x30, 0x80, 0, 0])
                .unwrap_err()
                .contains("indefinite")
        );
        assert!(
            check_outer_der(&[0x30, 0x05, 0])
                .unwrap_err()
                .contains("truncated")
        );
        assert!(
            check_outer_der(&[0x30, 0x01, 0, 0])
                .unwrap_err()
                .contains("trailing")
        );
        assert!(
            check_outer_der(&[0x31, 0x00])
                .unwrap_err()
                .contains("SEQUENCE")
        );
        assert!(check_outer_der(&[]).unwrap_err().contains("empty"));
    }

    #[test]
    fn hex_and_trim() {
        assert_eq!(hex(&[0x00, 0xab, 0x10]), "00ab10");
        assert_eq!(trim_be(&[0, 0, 1, 2]), vec![1, 2]);
        assert_eq!(trim_be(&[0]), Vec::<u8>::new());
    }
}
