//! TLS-010 `weak-cipher-accepted`: the server accepts a cipher suite with CBC-SHA1, RC4, 3DES,
//! no encryption, no server authentication, export strength or no forward secrecy.
//!
//! Fabric's TLS offers `DefaultTLSCipherSuites` (internal/pkg/comm/config.go): ECDHE with
//! ECDSA or RSA and AES-GCM, plus TLS_RSA_WITH_AES_128/256_GCM, which have no forward secrecy
//! but are only negotiable with an RSA certificate (cryptogen and fabric-ca issue ECDSA ones).
//! Anything weaker comes from something other than Fabric's TLS in front of the node.

use super::{not_reached, per_endpoint};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::TlsPolicyScan;
use crate::probe::tls_hello::{suite, version_name};

pub struct WeakCipherAccepted;

pub fn verdict(scan: &TlsPolicyScan) -> (Status, String) {
    let mut weak = Vec::new();
    let mut outside = Vec::new();
    let mut fabric_rsa = false;
    for a in &scan.accepted {
        let (name, weaknesses, fabric) = match suite(a.suite) {
            Some(s) => (s.name.to_string(), s.weaknesses, s.fabric_default),
            None => (format!("suite {:#06x}", a.suite), &[][..], false),
        };
        let at = format!("{name} ({})", version_name(a.version));
        if !weaknesses.is_empty() {
            fabric_rsa |= fabric;
            let why: Vec<&str> = weaknesses.iter().map(|w| w.describe()).collect();
            weak.push(format!("{at}: {}", why.join(", ")));
        } else if !fabric {
            outside.push(at);
        }
    }
    if !weak.is_empty() {
        let note = if fabric_rsa {
            " (TLS_RSA_WITH_AES_*_GCM is in Fabric's own default list, negotiable only because \
             the node serves an RSA certificate: serve an ECDSA one)"
        } else {
            ""
        };
        return (
            Status::Fail,
            format!("accepts weak cipher suites: {}{note}", weak.join("; ")),
        );
    }
    if scan.accepted.is_empty() {
        return (
            Status::Pass,
            "no TLS 1.0-1.2 suite accepted (TLS 1.3 only, whose suites are all AEAD with \
             forward secrecy)"
                .into(),
        );
    }
    let names: Vec<String> = scan
        .accepted
        .iter()
        .map(|a| suite(a.suite).map_or(format!("{:#06x}", a.suite), |s| s.name.to_string()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let extra = if outside.is_empty() {
        String::new()
    } else {
        format!(
            "; outside Fabric's default list but strong: {}",
            outside.join(", ")
        )
    };
    (
        Status::Pass,
        format!(
            "accepts only forward-secret AEAD suites: {}{extra}",
            names.join(", ")
        ),
    )
}

impl Check for WeakCipherAccepted {
    fn id(&self) -> &'static str {
        "TLS-010"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            match &o.policy {
                None => Outcome::new(Status::Skip, target, "cipher suites were not scanned"),
                Some(Err(e)) => Outcome::new(
                    Status::Error,
                    target,
                    format!("cannot evaluate: the ClientHello scan failed: {e}"),
                ),
                Some(Ok(scan)) => {
                    let (status, message) = verdict(scan);
                    Outcome::new(status, target, message)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::live::AcceptedSuite;
    use crate::probe::tls_hello::{TLS10, TLS12};

    fn scan(accepted: &[(u16, u16)]) -> TlsPolicyScan {
        TlsPolicyScan {
            versions: vec![TLS12],
            accepted: accepted
                .iter()
                .map(|&(version, suite)| AcceptedSuite { version, suite })
                .collect(),
        }
    }

    #[test]
    fn verdicts() {
        let (s, m) = verdict(&scan(&[(TLS12, 0xc02b), (TLS12, 0xc02c)]));
        assert_eq!(s, Status::Pass, "{m}");
        let (s, m) = verdict(&scan(&[(TLS12, 0xc02b), (TLS10, 0x002f)]));
        assert_eq!(s, Status::Fail);
        assert!(
            m.contains(
                "TLS_RSA_WITH_AES_128_CBC_SHA (TLS 1.0): CBC with SHA-1, no forward secrecy"
            ),
            "{m}"
        );
        let (s, m) = verdict(&scan(&[(TLS12, 0x009c)]));
        assert_eq!(s, Status::Fail);
        assert!(m.contains("Fabric's own default list"), "{m}");
        let (s, m) = verdict(&scan(&[(TLS12, 0xcca9)]));
        assert_eq!(s, Status::Pass);
        assert!(m.contains("outside Fabric's default list"), "{m}");
        assert_eq!(verdict(&scan(&[(TLS12, 0x000a)])).0, Status::Fail);
        assert_eq!(verdict(&scan(&[(TLS12, 0x0005)])).0, Status::Fail);
    }

    #[test]
    fn recorded_scans() {
        let read = |v: &str| -> TlsPolicyScan {
            let path = format!(
                "{}/fixtures/tls/TLS-010/{v}/scan.json",
                env!("CARGO_MANIFEST_DIR")
            );
            serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture"))
                .expect("scan JSON")
        };
        assert_eq!(verdict(&read("pass")).0, Status::Pass);
        let (s, m) = verdict(&read("fail"));
        assert_eq!(s, Status::Fail);
        assert!(m.contains("CBC with SHA-1"), "{m}");
    }
}
