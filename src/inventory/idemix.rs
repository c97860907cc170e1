//! fabric-ca's Idemix material: recognised by name, checked for the shape fabric-ca writes, and
//! listed — never read as X.509, and never shown.
//!
//! fabric-ca keeps an Idemix issuer beside its X.509 CA (fabric-ca `lib/server/idemix/config.go`):
//! `IssuerPublicKey` and `IssuerRevocationPublicKey` in the server's home, `IssuerSecretKey` and
//! `IssuerRevocationPrivateKey` in its `msp/keystore/`. Every enrollment copies the two public
//! keys into the client's MSP folder (`cmd/fabric-ca-client/command/getcainfo.go`
//! `storeIssuerPublicKey`, `storeIssuerRevocationPublicKey`), and an Idemix enrollment writes the
//! user's credential to `user/SignerConfig` (`lib/client.go`). None of them is a certificate or
//! an X.509 key, so reading them as one would call good material unreadable:
//!
//! - `IssuerPublicKey`: the protobuf `IssuerPublicKey` message, its attribute names first
//!   (field 1) — `issuercredential.go` `Store` writes `proto.Marshal(ik.Ipk)`.
//! - `IssuerSecretKey`: the issuer's secret scalar as raw big-endian bytes, no encoding at all
//!   (`Store` writes `ik.Isk`); the curves fabric-ca supports all have 32-byte scalars.
//! - `IssuerRevocationPrivateKey`: an ECDSA P-384 key (`GenerateLongTermRevocationKey`) in SEC1
//!   form under the PEM label `PRIVATE KEY`, which elsewhere means PKCS#8
//!   (`revocationkey.go` `EncodeKeys`: `x509.MarshalECPrivateKey` in a "PRIVATE KEY" block;
//!   `DecodeKeys` reads it back with `x509.ParseECPrivateKey` whatever the label).
//! - `IssuerRevocationPublicKey`: a PKIX `PUBLIC KEY` block.
//! - `user/SignerConfig`: JSON (`Cred`, `Sk`, …) or the protobuf `IdemixMSPSignerConfig`.
//!
//! A record keeps only what the file is and a summary of its shape (sizes, attribute names,
//! curve); the secret bytes are zeroed once checked and reach no finding.

use zeroize::Zeroizing;

use super::Origin;
use super::pem::{blocks, is_text};

/// Which Idemix file a name says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdemixKind {
    IssuerPublicKey,
    IssuerSecretKey,
    RevocationPublicKey,
    RevocationPrivateKey,
    SignerConfig,
}

impl IdemixKind {
    /// The kind of a file by its name and its folder's name: fabric-ca's fixed file names
    /// (`SignerConfig` only inside `user/`, where the client writes it).
    pub fn of(file_name: &str, parent: Option<&str>) -> Option<IdemixKind> {
        match file_name {
            "IssuerPublicKey" => Some(IdemixKind::IssuerPublicKey),
            "IssuerSecretKey" => Some(IdemixKind::IssuerSecretKey),
            "IssuerRevocationPublicKey" => Some(IdemixKind::RevocationPublicKey),
            "IssuerRevocationPrivateKey" => Some(IdemixKind::RevocationPrivateKey),
            "SignerConfig" if parent == Some("user") => Some(IdemixKind::SignerConfig),
            _ => None,
        }
    }

    /// What the file is, in words.
    pub fn describe(self) -> &'static str {
        match self {
            IdemixKind::IssuerPublicKey => "Idemix issuer public key",
            IdemixKind::IssuerSecretKey => "Idemix issuer secret key",
            IdemixKind::RevocationPublicKey => "Idemix issuer revocation public key",
            IdemixKind::RevocationPrivateKey => "Idemix issuer revocation private key",
            IdemixKind::SignerConfig => "Idemix credential (SignerConfig)",
        }
    }

    /// Whether the file holds secret material (a CA's issuer keys, a user's credential key).
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            IdemixKind::IssuerSecretKey
                | IdemixKind::RevocationPrivateKey
                | IdemixKind::SignerConfig
        )
    }

    /// Whether only a fabric-ca server holds this file: its own issuer keys.
    pub fn is_issuer_secret(self) -> bool {
        matches!(
            self,
            IdemixKind::IssuerSecretKey | IdemixKind::RevocationPrivateKey
        )
    }
}

/// An Idemix file found and recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdemixRecord {
    pub origin: Origin,
    pub kind: IdemixKind,
    /// The shape that was checked (`protobuf, 843 bytes, attributes OU, Role, …`, `32-byte
    /// scalar`, `EC P-384 key`): never any of the key's bytes.
    pub summary: String,
    /// The MSP folder whose subfolder holds the file (`…/msp` for `…/msp/keystore/IssuerSecretKey`).
    pub msp_dir: Option<String>,
}

/// The issuer's secret scalar length: FP256BN, BN254 and BLS12-381 scalars are all 32 bytes.
const SCALAR_BYTES: usize = 32;

/// Checks `data` has the shape fabric-ca writes for `kind`; returns the summary for the
/// inventory, or why fabric-ca could not load it. `data` is zeroed when this returns.
pub fn check(kind: IdemixKind, data: Zeroizing<Vec<u8>>) -> Result<String, String> {
    if data.is_empty() {
        return Err("file is empty (fabric-ca refuses an empty Idemix key file)".into());
    }
    match kind {
        IdemixKind::IssuerPublicKey => {
            let names = attribute_names(&data).ok_or_else(|| {
                "not the protobuf IssuerPublicKey fabric-ca writes (no attribute names in field 1)"
                    .to_owned()
            })?;
            Ok(format!(
                "protobuf, {} bytes, attributes {}",
                data.len(),
                names.join(", ")
            ))
        }
        IdemixKind::IssuerSecretKey => {
            if is_text(&data) && !blocks(&data).is_empty() {
                return Err(
                    "PEM text where fabric-ca writes the issuer's secret scalar as raw bytes"
                        .into(),
                );
            }
            if data.len() == SCALAR_BYTES {
                Ok(format!("{SCALAR_BYTES}-byte secret scalar"))
            } else {
                Err(format!(
                    "{} bytes where fabric-ca writes the issuer's {SCALAR_BYTES}-byte secret scalar",
                    data.len()
                ))
            }
        }
        IdemixKind::RevocationPrivateKey => {
            let der = first_block(&data, &["PRIVATE KEY", "EC PRIVATE KEY"])?;
            let key = super::key::public_key_of_sec1(der)
                .map_err(|e| format!("revocation key does not parse as fabric-ca reads it: {e}"))?;
            Ok(format!("{} key (SEC1)", key.describe()))
        }
        IdemixKind::RevocationPublicKey => {
            let der = first_block(&data, &["PUBLIC KEY"])?;
            use x509_parser::prelude::FromDer;
            let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&der)
                .map_err(|e| format!("PUBLIC KEY block does not parse: {e}"))?;
            let curve = match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::EC(point)) => {
                    super::cert::curve_for_point(point.data())
                }
                _ => "non-EC",
            };
            Ok(format!("{curve} public key"))
        }
        IdemixKind::SignerConfig => {
            if is_text(&data) {
                let v: serde_json::Value = serde_json::from_slice(&data)
                    .map_err(|e| format!("SignerConfig is neither JSON nor protobuf: {e}"))?;
                if v.get("Cred").is_none() {
                    return Err("SignerConfig JSON has no Cred".into());
                }
                Ok("JSON signer configuration".into())
            } else {
                Ok(format!(
                    "protobuf signer configuration, {} bytes",
                    data.len()
                ))
            }
        }
    }
}

/// The DER of the first PEM block, which must carry one of `labels` (as Go's `pem.Decode`
/// takes the first block).
fn first_block(data: &[u8], labels: &[&str]) -> Result<Zeroizing<Vec<u8>>, String> {
    if !is_text(data) {
        return Err(format!(
            "binary data where fabric-ca writes a PEM {} block",
            labels[0]
        ));
    }
    let block = blocks(data)
        .into_iter()
        .next()
        .ok_or_else(|| format!("no PEM block where fabric-ca writes a {} block", labels[0]))?;
    if !labels.contains(&block.label.as_str()) {
        return Err(format!(
            "PEM block of type '{}' where fabric-ca writes '{}'",
            block.label, labels[0]
        ));
    }
    block.contents.map(Zeroizing::new)
}

/// The attribute names (field 1, repeated string) of a protobuf `IssuerPublicKey`, when the
/// bytes walk as protobuf to their end; `None` otherwise.
fn attribute_names(data: &[u8]) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let (tag, next) = varint(data, at)?;
        at = next;
        match tag & 7 {
            0 => at = varint(data, at)?.1,
            1 => at = at.checked_add(8)?,
            2 => {
                let (len, next) = varint(data, at)?;
                let end = next.checked_add(usize::try_from(len).ok()?)?;
                let field = data.get(next..end)?;
                if tag >> 3 == 1 {
                    names.push(String::from_utf8(field.to_vec()).ok()?);
                }
                at = end;
            }
            5 => at = at.checked_add(4)?,
            _ => return None,
        }
        if at > data.len() {
            return None;
        }
    }
    (!names.is_empty()).then_some(names)
}

/// A protobuf varint at `at`: (value, index after it).
fn varint(data: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(at)?;
        at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(b: &[u8]) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(b.to_vec())
    }

    fn pem(label: &str, der: &[u8]) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN {label}-----\n{b64}\n-----END {label}-----\n")
    }

    /// The start of a real fabric-ca IssuerPublicKey: four attribute names, then H_sk (field 2).
    fn issuer_public_key() -> Vec<u8> {
        let mut out = Vec::new();
        for name in ["OU", "Role", "EnrollmentID", "RevocationHandle"] {
            out.push(0x0a);
            out.push(name.len() as u8);
            out.extend_from_slice(name.as_bytes());
        }
        // ECP { x = 1: 32 bytes, y = 2: 32 bytes }
        out.extend_from_slice(&[0x12, 0x44, 0x0a, 0x20]);
        out.extend_from_slice(&[7; 32]);
        out.extend_from_slice(&[0x12, 0x20]);
        out.extend_from_slice(&[9; 32]);
        out
    }

    #[test]
    fn names_are_fabric_cas_own() {
        assert_eq!(
            IdemixKind::of("IssuerSecretKey", Some("keystore")),
            Some(IdemixKind::IssuerSecretKey)
        );
        assert_eq!(
            IdemixKind::of("SignerConfig", Some("user")),
            Some(IdemixKind::SignerConfig)
        );
        assert_eq!(IdemixKind::of("SignerConfig", Some("msp")), None);
        assert_eq!(IdemixKind::of("IdemixPublicKey", None), None);
        assert!(IdemixKind::IssuerSecretKey.is_issuer_secret());
        assert!(!IdemixKind::IssuerPublicKey.is_secret());
    }

    #[test]
    fn issuer_public_key_lists_its_attributes() {
        let s = check(IdemixKind::IssuerPublicKey, z(&issuer_public_key())).unwrap();
        assert_eq!(
            s,
            "protobuf, 112 bytes, attributes OU, Role, EnrollmentID, RevocationHandle"
        );
        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert!(check(IdemixKind::IssuerPublicKey, z(pem)).is_err());
        let mut cut = issuer_public_key();
        cut.truncate(50);
        assert!(check(IdemixKind::IssuerPublicKey, z(&cut)).is_err());
    }

    #[test]
    fn secret_key_is_a_raw_scalar_and_never_summarised_by_value() {
        let scalar: Vec<u8> = (1..=32).collect();
        let s = check(IdemixKind::IssuerSecretKey, z(&scalar)).unwrap();
        assert_eq!(s, "32-byte secret scalar");
        let e = check(IdemixKind::IssuerSecretKey, z(&scalar[..31])).unwrap_err();
        assert!(e.contains("31 bytes"), "{e}");
        assert!(
            check(IdemixKind::IssuerSecretKey, z(b""))
                .unwrap_err()
                .contains("empty")
        );
    }

    #[test]
    fn revocation_private_key_is_sec1_under_a_pkcs8_label() {
        // SEC1 P-384 key as Go's x509.MarshalECPrivateKey writes it (version 1, 48-byte
        // scalar, [0] secp384r1), in a "PRIVATE KEY" block as fabric-ca's EncodeKeys does.
        let mut der = vec![0x30, 0x3e, 0x02, 0x01, 0x01, 0x04, 0x30];
        der.extend_from_slice(&[0x11; 48]);
        der.extend_from_slice(&[0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]);
        let good = pem("PRIVATE KEY", &der);
        let s = check(IdemixKind::RevocationPrivateKey, z(good.as_bytes())).unwrap();
        assert_eq!(s, "ECDSA P-384 key (SEC1)");
        let wrong = pem("CERTIFICATE", &der);
        let e = check(IdemixKind::RevocationPrivateKey, z(wrong.as_bytes())).unwrap_err();
        assert!(e.contains("'CERTIFICATE'"), "{e}");
    }

    #[test]
    fn signer_config_is_json_or_protobuf() {
        assert!(
            check(
                IdemixKind::SignerConfig,
                z(br#"{"Cred":"CkQK","Sk":"AQ=="}"#)
            )
            .is_ok()
        );
        assert!(check(IdemixKind::SignerConfig, z(b"{}")).is_err());
        assert!(check(IdemixKind::SignerConfig, z(&[0x0a, 0x02, 0x01, 0x02])).is_ok());
    }
}
