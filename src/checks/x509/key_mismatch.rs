//! X509-007 `key-mismatch`: no private key beside a certificate matches its public key.
//!
//! Pairs are found where Fabric pairs them: `msp/signcerts` with `msp/keystore`, `tls/server.crt`
//! with `tls/server.key` (and client), cryptogen's `ca/` and `tlsca/` folders, and `tls.crt`
//! with `tls.key` in one Secret. Only public keys are compared.

use std::collections::BTreeMap;
use std::path::Path;

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::{CertRecord, Inventory, KeyRecord, Role};

pub struct KeyMismatch;

/// Certificates and keys that belong together, by (folder, kind of pair).
type Pairs<'a> = BTreeMap<(String, &'static str), (Vec<&'a CertRecord>, Vec<&'a KeyRecord>)>;

/// The place where a certificate and its key belong together, and which pair it is.
fn pairing(
    role: Role,
    layout: &crate::inventory::Layout,
    path: &str,
) -> Option<(String, &'static str)> {
    let dir = || {
        Path::new(path)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    match role {
        Role::MspSignCert | Role::MspKeystore => layout.msp_dir.clone().map(|d| (d, "msp")),
        Role::TlsServerCert | Role::TlsServerKey => {
            layout.tls_dir.clone().map(|d| (d, "tls server"))
        }
        Role::TlsClientCert | Role::TlsClientKey => {
            layout.tls_dir.clone().map(|d| (d, "tls client"))
        }
        Role::OrgCa => Some((dir(), "ca")),
        Role::OrgTlsCa => Some((dir(), "tlsca")),
        _ => None,
    }
}

impl Check for KeyMismatch {
    fn id(&self) -> &'static str {
        "X509-007"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut groups: Pairs<'_> = BTreeMap::new();
        for c in &inv.certs {
            if let Some(key) = pairing(c.layout.role(), &c.layout, &c.origin.path) {
                groups.entry(key).or_default().0.push(c);
            }
        }
        for k in &inv.keys {
            if let Some(key) = pairing(k.layout.role(), &k.layout, &k.origin.path) {
                groups.entry(key).or_default().1.push(k);
            }
        }
        let mut out = Vec::new();
        for ((_, pair), (certs, keys)) in groups {
            if keys.is_empty() {
                continue; // a missing key is an incomplete MSP (X509-008), not a mismatch
            }
            for cert in certs {
                out.push(evaluate_pair(pair, cert, &keys));
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "certificates with private keys beside them");
        }
        out
    }
}

fn evaluate_pair(pair: &str, cert: &CertRecord, keys: &[&KeyRecord]) -> Outcome {
    let matching = keys
        .iter()
        .find(|k| k.public_key.as_ref().is_ok_and(|pk| *pk == cert.public_key));
    let unreadable: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            k.public_key
                .as_ref()
                .err()
                .map(|e| format!("{}: {e}", k.origin))
        })
        .collect();
    let key_list: Vec<serde_json::Value> = keys
        .iter()
        .map(|k| {
            serde_json::json!({
                "file": k.origin.to_string(),
                "public_key_sha256": k.public_key.as_ref().map(|p| p.fingerprint()).ok(),
            })
        })
        .collect();
    let (status, message) = match matching {
        Some(k) => (
            Status::Pass,
            format!("{pair} key {} matches the certificate", k.origin),
        ),
        None if !unreadable.is_empty() => (
            Status::Error,
            format!(
                "no readable {pair} key matches, and some keys could not be read: {}",
                unreadable.join("; ")
            ),
        ),
        None => (
            Status::Fail,
            format!(
                "none of the {} {pair} key(s) beside it matches the certificate's public key",
                keys.len()
            ),
        ),
    };
    Outcome::new(status, cert.origin.target(), message)
        .with("subject", cert.subject.clone())
        .with("certificate_public_key", cert.public_key.describe())
        .with(
            "certificate_public_key_sha256",
            cert.public_key.fingerprint(),
        )
        .with("keys", key_list)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn matching_keystore_key_passes() {
        let ca = root("org1");
        let leaf = ca.issue(Spec::new(
            "org1",
            "peer0",
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ));
        let inv = inventory(
            vec![record(&leaf, "msp/signcerts/peer.pem")],
            vec![
                key(&ca, "msp/keystore/other_sk"),
                key(&leaf, "msp/keystore/mine_sk"),
            ],
            vec![],
        );
        let out = KeyMismatch.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Pass, "{}", out[0].message);
    }

    #[test]
    fn swapped_tls_key_fails_and_never_shows_key_material() {
        let ca = root("org1");
        let a = ca.issue(Spec::new(
            "org1",
            "peer0",
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ));
        let b = ca.issue(Spec::new(
            "org1",
            "peer1",
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ));
        let inv = inventory(
            vec![record(&a, "peer0/tls/server.crt")],
            vec![key(&b, "peer0/tls/server.key")],
            vec![],
        );
        let out = KeyMismatch.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("none of the 1 tls server key(s)"));
        let text = serde_json::to_string(&out[0].evidence).unwrap();
        let secret = b.key.serialize_pem();
        let secret_body = secret.lines().nth(1).unwrap();
        assert!(!text.contains(secret_body));
    }

    #[test]
    fn unreadable_key_is_an_error_not_a_pass() {
        let ca = root("org1");
        let inv = inventory(
            vec![record(&ca, "peerOrganizations/org1/ca/ca-cert.pem")],
            vec![KeyRecord {
                origin: crate::inventory::Origin::file("peerOrganizations/org1/ca/x_sk"),
                layout: crate::inventory::Layout::of(Path::new("peerOrganizations/org1/ca/x_sk")),
                public_key: Err("encrypted private key".into()),
            }],
            vec![],
        );
        let out = KeyMismatch.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv);
        assert_eq!(out[0].status, Status::Error);
    }

    #[test]
    fn certificate_without_keys_is_not_judged_here() {
        let ca = root("org1");
        let inv = inventory(vec![record(&ca, "msp/signcerts/c.pem")], vec![], vec![]);
        assert_eq!(
            KeyMismatch.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)[0].status,
            Status::Skip
        );
    }
}
