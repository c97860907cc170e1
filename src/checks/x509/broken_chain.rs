//! X509-004 `broken-chain`: the issuer is missing, the signature does not verify, an issuer is
//! not a CA, or the path does not reach a self-signed root.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::chain::path_to_root;
use crate::inventory::{CertRecord, Inventory, IssuerLink};

use super::{cert_outcome, distinct};

pub struct BrokenChain;

impl Check for BrokenChain {
    fn id(&self) -> &'static str {
        "X509-004"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let out: Vec<Outcome> = distinct(inv)
            .iter()
            .map(|d| {
                let (status, message) = verdict(inv, d.index);
                let (path, _) = path_to_root(&inv.links, d.index);
                let chain: Vec<String> =
                    path.iter().map(|&i| inv.certs[i].subject.clone()).collect();
                cert_outcome(inv, d, status, message)
                    .with("issuer", d.cert.issuer.clone())
                    .with("chain", chain)
                    .with(
                        "authority_key_id",
                        d.cert
                            .authority_key_id
                            .as_deref()
                            .map(crate::inventory::cert::hex),
                    )
            })
            .collect();
        if out.is_empty() {
            return nothing_to_check(inv, "certificates");
        }
        out
    }
}

/// Walks from `start` to a root and reports the first broken link.
fn verdict(inv: &Inventory, start: usize) -> (Status, String) {
    let certs = &inv.certs;
    let mut at = start;
    let mut hops = 0;
    loop {
        let cert = &certs[at];
        let whose = if at == start {
            String::new()
        } else {
            format!(
                " (in the chain of {}: {})",
                certs[start].common_name(),
                cert.common_name()
            )
        };
        match &inv.links[at] {
            IssuerLink::SelfSigned => {
                return if at == start {
                    (Status::Pass, "self-signed root; signature verifies".into())
                } else {
                    (
                        Status::Pass,
                        format!(
                            "chain verifies to root {} in {hops} step(s)",
                            cert.common_name()
                        ),
                    )
                };
            }
            IssuerLink::Issued { issuer } => {
                let ca = &certs[*issuer];
                if let Err(why) = ca.can_sign_certificates() {
                    return (
                        Status::Fail,
                        format!(
                            "issued by {} ({}), which is not a CA: {why}{whose}",
                            ca.common_name(),
                            ca.origin
                        ),
                    );
                }
                hops += 1;
                if hops > 16 || *issuer == start {
                    return (
                        Status::Fail,
                        format!("issuer chain loops back on itself at {}", ca.common_name()),
                    );
                }
                at = *issuer;
            }
            IssuerLink::NotFound => {
                let status = if certs[start].layout.role().is_loaded_by_fabric() {
                    Status::Fail
                } else {
                    Status::Warn
                };
                return (
                    status,
                    format!(
                        "issuer '{}' not found among the artifacts{whose}",
                        cert.issuer
                    ),
                );
            }
            IssuerLink::BadSignature { candidates } => {
                let tried: Vec<String> = candidates
                    .iter()
                    .map(|&c| certs[c].origin.to_string())
                    .collect();
                return (
                    Status::Fail,
                    format!(
                        "signature does not verify with the key of any certificate named '{}' (tried {}){whose}",
                        cert.issuer,
                        tried.join(", ")
                    ),
                );
            }
            IssuerLink::Unverifiable { candidate, reason } => {
                return (
                    Status::Error,
                    format!(
                        "could not verify the signature against {}: {reason}{whose}",
                        certs[*candidate].origin
                    ),
                );
            }
        }
    }
}

/// Whether `c` was issued by a certificate with this fingerprint somewhere up its chain.
pub fn chains_to(inv: &Inventory, start: usize, anchors: &[&CertRecord]) -> bool {
    let (path, _) = path_to_root(&inv.links, start);
    path.iter().skip(1).any(|&i| {
        anchors
            .iter()
            .any(|a| a.fingerprint == inv.certs[i].fingerprint)
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    const AT: &str = "2026-01-01T00:00:00Z";

    fn leaf_spec(cn: &str) -> Spec {
        Spec::new("org1", cn, "2021-01-01T00:00:00Z", "2030-01-01T00:00:00Z")
    }

    fn status_of(inv: &Inventory, path: &str) -> Outcome {
        BrokenChain
            .evaluate(&ctx(AT), inv)
            .into_iter()
            .find(|o| o.target.name == path)
            .unwrap_or_else(|| panic!("no outcome for {path}"))
    }

    #[test]
    fn intermediate_chain_verifies_to_root() {
        let ca = root("org1");
        let ica = ca.issue(
            Spec::new(
                "org1",
                "ica.org1",
                "2020-06-01T00:00:00Z",
                "2035-01-01T00:00:00Z",
            )
            .ca(),
        );
        let leaf = ica.issue(leaf_spec("peer0"));
        let inv = inventory(
            vec![
                record(&ca, "msp/cacerts/ca.pem"),
                record(&ica, "msp/intermediatecerts/ica.pem"),
                record(&leaf, "msp/signcerts/peer.pem"),
            ],
            vec![],
            vec![],
        );
        let o = status_of(&inv, "msp/signcerts/peer.pem");
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.evidence["chain"].as_array().unwrap().len(), 3);
        assert!(o.message.contains("in 2 step(s)"));
    }

    #[test]
    fn missing_intermediate_fails_for_msp_material_and_warns_for_loose_files() {
        let ca = root("org1");
        let ica = ca.issue(
            Spec::new(
                "org1",
                "ica.org1",
                "2020-06-01T00:00:00Z",
                "2035-01-01T00:00:00Z",
            )
            .ca(),
        );
        let leaf = ica.issue(leaf_spec("peer0"));
        let inv = inventory(
            vec![
                record(&ca, "msp/cacerts/ca.pem"),
                record(&leaf, "msp/signcerts/peer.pem"),
            ],
            vec![],
            vec![],
        );
        let o = status_of(&inv, "msp/signcerts/peer.pem");
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message.contains(
                "issuer 'C=US, ST=California, L=San Francisco, O=org1, CN=ica.org1' not found"
            ),
            "{}",
            o.message
        );
        let inv = inventory(vec![record(&leaf, "loose/peer.pem")], vec![], vec![]);
        assert_eq!(status_of(&inv, "loose/peer.pem").status, Status::Warn);
    }

    #[test]
    fn same_name_different_key_is_a_bad_signature() {
        let real = root("org1");
        let impostor = root("org1");
        let leaf = real.issue(leaf_spec("peer0"));
        let inv = inventory(
            vec![
                record(&impostor, "msp/cacerts/ca.pem"),
                record(&leaf, "msp/signcerts/peer.pem"),
            ],
            vec![],
            vec![],
        );
        let o = status_of(&inv, "msp/signcerts/peer.pem");
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message.starts_with("signature does not verify"),
            "{}",
            o.message
        );
    }

    #[test]
    fn issuer_that_is_not_a_ca_fails() {
        let ca = root("org1");
        let not_ca = ca.issue(Spec::new(
            "org1",
            "user1",
            "2020-06-01T00:00:00Z",
            "2035-01-01T00:00:00Z",
        ));
        let leaf = not_ca.issue(leaf_spec("peer0"));
        let inv = inventory(
            vec![
                record(&ca, "msp/cacerts/ca.pem"),
                record(&not_ca, "msp/intermediatecerts/u.pem"),
                record(&leaf, "msp/signcerts/peer.pem"),
            ],
            vec![],
            vec![],
        );
        let o = status_of(&inv, "msp/signcerts/peer.pem");
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message
                .contains("which is not a CA: basicConstraints CA:FALSE"),
            "{}",
            o.message
        );
    }

    #[test]
    fn self_signed_root_passes() {
        let ca = root("org1");
        let inv = inventory(vec![record(&ca, "msp/cacerts/ca.pem")], vec![], vec![]);
        assert_eq!(status_of(&inv, "msp/cacerts/ca.pem").status, Status::Pass);
    }
}
