//! Builders for evaluator unit tests: certificates are made in memory with rcgen and parsed
//! into records the way gathering does, with no file or network I/O.

use std::path::Path;

use zeroize::Zeroizing;

use crate::context::Context;
use crate::inventory::key::{KeyEncoding, public_key_of};
use crate::inventory::{CertRecord, Inventory, KeyRecord, Layout, MspDir, Origin};

#[path = "../../../tests/support/pki.rs"]
pub mod pki;

pub use pki::{Cert, Spec, t};

/// A record for `cert` as if found at `path` (whose folders give its layout).
pub fn record(cert: &Cert, path: &str) -> CertRecord {
    CertRecord::parse(&cert.der, Origin::file(path), Layout::of(Path::new(path)))
        .expect("test certificate parses")
}

/// A key record for `cert`'s private key as if found at `path`.
pub fn key(cert: &Cert, path: &str) -> KeyRecord {
    KeyRecord {
        origin: Origin::file(path),
        layout: Layout::of(Path::new(path)),
        public_key: public_key_of(Zeroizing::new(cert.key.serialize_der()), KeyEncoding::Pkcs8),
    }
}

/// An inventory of these records, with issuers resolved.
pub fn inventory(certs: Vec<CertRecord>, keys: Vec<KeyRecord>, msps: Vec<MspDir>) -> Inventory {
    let mut inv = Inventory {
        source: "test".into(),
        certs,
        keys,
        msps,
        files_scanned: 1,
        ..Inventory::default()
    };
    inv.link();
    inv
}

pub fn ctx(at: &str) -> Context {
    Context::at(t(at))
}

/// A root CA valid 2020..2040 for org `org`.
pub fn root(org: &str) -> Cert {
    Cert::self_signed(
        Spec::new(
            org,
            &format!("ca.{org}"),
            "2020-01-01T00:00:00Z",
            "2040-01-01T00:00:00Z",
        )
        .ca(),
    )
}
