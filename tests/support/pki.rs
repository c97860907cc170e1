//! Test PKI made the way Fabric makes it: ECDSA P-256 keys, a root CA per org (and a TLS CA),
//! node certificates with SANs, every signature low-S as Fabric's BCCSP writes it (unless a
//! certificate asks for high-S, [`Spec::high_s`]). Shared by unit tests, integration tests and
//! the fixture generator (`cargo run --example regen-fixtures`), each including this file by
//! path.

#![allow(dead_code)]

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData, SanType, SignatureAlgorithm, SigningKey,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parses an RFC 3339 instant; test inputs are literals, so a bad one is a test bug.
pub fn t(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("bad test time {s}: {e}"))
}

/// What to put in one certificate.
#[derive(Clone)]
pub struct Spec {
    pub org: String,
    pub cn: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// basicConstraints CA:TRUE with keyCertSign (a CA), or an end-entity certificate.
    pub ca: bool,
    pub sans: Vec<String>,
    /// Subject OU (Fabric NodeOUs and OU identifiers match on it). rcgen keeps one value per
    /// attribute type, so only the last one given is used.
    pub ous: Vec<String>,
    /// Sign this certificate high-S (`s > n/2`), the form Fabric's MSP rewrites and builds
    /// without fabric#3774 then refuse for a root CA; low-S otherwise.
    pub high_s: bool,
    /// extendedKeyUsage purposes; none means no extension (any purpose, as Go reads it).
    pub eku: Vec<rcgen::ExtendedKeyUsagePurpose>,
}

impl Spec {
    pub fn new(org: &str, cn: &str, not_before: &str, not_after: &str) -> Spec {
        Spec {
            org: org.into(),
            cn: cn.into(),
            not_before: t(not_before),
            not_after: t(not_after),
            ca: false,
            sans: Vec::new(),
            ous: Vec::new(),
            high_s: false,
            eku: Vec::new(),
        }
    }

    pub fn high_s(mut self) -> Spec {
        self.high_s = true;
        self
    }

    pub fn ca(mut self) -> Spec {
        self.ca = true;
        self
    }

    pub fn sans(mut self, sans: &[&str]) -> Spec {
        self.sans = sans.iter().map(|s| s.to_string()).collect();
        self
    }

    /// TLS purposes: `serverAuth` and/or `clientAuth`, as cryptogen's TLS profile sets both.
    pub fn eku(mut self, server: bool, client: bool) -> Spec {
        use rcgen::ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
        self.eku = [(server, ServerAuth), (client, ClientAuth)]
            .into_iter()
            .filter_map(|(set, p)| set.then_some(p))
            .collect();
        self
    }

    pub fn ous(mut self, ous: &[&str]) -> Spec {
        self.ous = ous.iter().map(|s| s.to_string()).collect();
        self
    }

    fn params(&self) -> CertificateParams {
        let mut p = CertificateParams::new(self.sans.clone()).expect("valid SANs");
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "US");
        dn.push(DnType::StateOrProvinceName, "California");
        dn.push(DnType::LocalityName, "San Francisco");
        dn.push(DnType::OrganizationName, self.org.as_str());
        for ou in &self.ous {
            dn.push(DnType::OrganizationalUnitName, ou.as_str());
        }
        dn.push(DnType::CommonName, self.cn.as_str());
        p.distinguished_name = dn;
        p.not_before = self.not_before;
        p.not_after = self.not_after;
        if self.ca {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
            ];
        } else {
            p.is_ca = IsCa::ExplicitNoCa;
            p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        }
        p.use_authority_key_identifier_extension = true;
        p.extended_key_usages = self.eku.clone();
        p
    }
}

/// A certificate and its key.
pub struct Cert {
    pub spec: Spec,
    pub params: CertificateParams,
    pub key: KeyPair,
    pub der: Vec<u8>,
}

impl Cert {
    /// A self-signed certificate (a root CA when `spec.ca`).
    pub fn self_signed(spec: Spec) -> Cert {
        let params = spec.params();
        let key = KeyPair::generate().expect("P-256 key");
        let der = params
            .self_signed(&InForm::of(&key, &spec))
            .expect("self-signed")
            .der()
            .to_vec();
        Cert {
            spec,
            params,
            key,
            der,
        }
    }

    /// A certificate issued by `self` (which need not be a CA: tests make broken chains too).
    pub fn issue(&self, spec: Spec) -> Cert {
        let params = spec.params();
        let key = KeyPair::generate().expect("P-256 key");
        let issuer = Issuer::from_params(&self.params, InForm::of(&self.key, &spec));
        let der = params
            .signed_by(&key, &issuer)
            .expect("signed")
            .der()
            .to_vec();
        Cert {
            spec,
            params,
            key,
            der,
        }
    }

    pub fn pem(&self) -> String {
        pem_block("CERTIFICATE", &self.der)
    }

    /// The private key as PKCS#8 PEM (cryptogen writes the same form).
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// Subject alternative names as DNS SANs, for inspection.
    pub fn dns_sans(&self) -> Vec<String> {
        self.params
            .subject_alt_names
            .iter()
            .filter_map(|s| match s {
                SanType::DnsName(n) => Some(n.to_string()),
                _ => None,
            })
            .collect()
    }
}

/// A P-256 key that signs in a chosen form: ring draws `s` at random, high half of the time,
/// while Fabric's BCCSP (and so cryptogen and fabric-ca) always writes low-S. The form is set
/// with the p256 crate, independently of the code under test (`inventory::signature`).
struct InForm<'a> {
    key: &'a KeyPair,
    high_s: bool,
}

impl<'a> InForm<'a> {
    fn of(key: &'a KeyPair, spec: &Spec) -> InForm<'a> {
        InForm {
            key,
            high_s: spec.high_s,
        }
    }
}

impl PublicKeyData for InForm<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.key.der_bytes()
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.key.algorithm()
    }
}

impl SigningKey for InForm<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let der = self.key.sign(msg)?;
        let sig =
            p256::ecdsa::Signature::from_der(&der).map_err(|_| rcgen::Error::RingUnspecified)?;
        let low = sig.normalize_s();
        let sig = if self.high_s {
            // n - s of a low s is always above n/2 (n is odd).
            p256::ecdsa::Signature::from_scalars(low.r(), -low.s())
                .map_err(|_| rcgen::Error::RingUnspecified)?
        } else {
            low
        };
        Ok(sig.to_der().as_bytes().to_vec())
    }
}

/// PEM-encodes `der` under `label`, 64 columns as OpenSSL and Go write it.
pub fn pem_block(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
