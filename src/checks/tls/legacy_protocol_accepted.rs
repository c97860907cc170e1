//! TLS-009 `legacy-protocol-accepted`: the server accepts TLS 1.0 or 1.1. Fabric's own TLS
//! refuses anything below 1.2 (`MinVersion: tls.VersionTLS12`, internal/pkg/comm/config.go
//! `SecureOptions.TLSConfig`; core/comm/config.go in 1.4), so a node that accepts them is not
//! Fabric's TLS stack as configured: a proxy or terminator in front of it, or a rebuilt binary.
//! TLS 1.3 support is reported from the probe's own handshake.

use super::{not_reached, per_endpoint};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::TlsPolicyScan;
use crate::probe::tls_hello::{TLS12, version_name};

pub struct LegacyProtocolAccepted;

/// The verdict on the versions a server accepted; `tls13` is whether the probe's own
/// handshake negotiated TLS 1.3 (`None` when it did not complete).
pub fn verdict(scan: &TlsPolicyScan, tls13: Option<bool>) -> (Status, String) {
    let legacy: Vec<String> = scan
        .versions
        .iter()
        .filter(|v| **v < TLS12)
        .map(|v| version_name(*v))
        .collect();
    let v13 = match tls13 {
        Some(true) => "TLS 1.3 supported",
        Some(false) => "TLS 1.3 not negotiated",
        None => "TLS 1.3 unknown (the handshake did not complete)",
    };
    let accepted: Vec<String> = scan.versions.iter().map(|v| version_name(*v)).collect();
    if !legacy.is_empty() {
        (
            Status::Fail,
            format!(
                "accepts {}: Fabric's minimum is TLS 1.2 (internal/pkg/comm/config.go), so \
                 something other than Fabric's TLS answers here, and a downgrade to a protocol \
                 without modern ciphers is possible; {v13}",
                legacy.join(" and ")
            ),
        )
    } else if !scan.versions.contains(&TLS12) && tls13 != Some(true) {
        (
            Status::Fail,
            "accepts neither TLS 1.2 nor TLS 1.3: no Fabric client can connect".into(),
        )
    } else {
        (
            Status::Pass,
            format!(
                "accepts {}; TLS 1.0 and 1.1 refused; {v13}",
                if accepted.is_empty() {
                    "TLS 1.3 only".to_string()
                } else {
                    accepted.join(", ")
                }
            ),
        )
    }
}

impl Check for LegacyProtocolAccepted {
    fn id(&self) -> &'static str {
        "TLS-009"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            let tls13 = o
                .primary
                .handshake
                .as_ref()
                .filter(|h| h.is_ok())
                .map(|_| o.primary.protocol_version.as_deref() == Some("TLSv1_3"));
            match &o.policy {
                None => Outcome::new(Status::Skip, target, "protocol versions were not scanned"),
                Some(Err(e)) => Outcome::new(
                    Status::Error,
                    target,
                    format!("cannot evaluate: the ClientHello scan failed: {e}"),
                ),
                Some(Ok(scan)) => {
                    let (status, message) = verdict(scan, tls13);
                    Outcome::new(status, target, message).with(
                        "versions",
                        scan.versions
                            .iter()
                            .map(|v| version_name(*v))
                            .collect::<Vec<_>>(),
                    )
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::tls_hello::{TLS10, TLS11};

    fn scan(versions: &[u16]) -> TlsPolicyScan {
        TlsPolicyScan {
            versions: versions.to_vec(),
            accepted: vec![],
        }
    }

    #[test]
    fn verdicts() {
        let (s, m) = verdict(&scan(&[TLS12]), Some(true));
        assert_eq!(s, Status::Pass, "{m}");
        assert!(m.contains("TLS 1.3 supported"), "{m}");
        let (s, m) = verdict(&scan(&[TLS10, TLS11, TLS12]), Some(false));
        assert_eq!(s, Status::Fail);
        assert!(m.starts_with("accepts TLS 1.0 and TLS 1.1"), "{m}");
        assert_eq!(verdict(&scan(&[]), Some(true)).0, Status::Pass, "1.3 only");
        assert_eq!(verdict(&scan(&[]), None).0, Status::Fail);
    }

    #[test]
    fn recorded_scans() {
        // fixtures/tls/TLS-009: what the scan recorded from real servers.
        let read = |v: &str| -> TlsPolicyScan {
            let path = format!(
                "{}/fixtures/tls/TLS-009/{v}/scan.json",
                env!("CARGO_MANIFEST_DIR")
            );
            serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture"))
                .expect("scan JSON")
        };
        assert_eq!(verdict(&read("pass"), Some(true)).0, Status::Pass);
        assert_eq!(verdict(&read("fail"), Some(false)).0, Status::Fail);
    }
}
