//! RAFT-002 `consenter-tls-mismatch`: a consenter's TLS certificate in the channel
//! configuration is not the certificate that orderer has — its `tls/server.crt` (or
//! `client.crt`) among the artifacts, or the certificate it served when probed. Raft and BFT
//! authenticate cluster connections by comparing the presented certificate with the
//! consenter's bytes (orderer/common/cluster `comm.go`), so an orderer whose TLS certificate
//! was renewed without a channel update is cut out of its own cluster.

use std::collections::BTreeMap;

use crate::checks::channel::{answers_to, complete, deployment, same_host, target};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::channel::ConfigCert;
use crate::inventory::layout::Role;
use crate::inventory::ordering::members::broker_host;
use crate::inventory::ordering::{Component, Workload};

pub struct ConsenterTlsMismatch;

/// One certificate a node is known to have, with where it was seen.
struct Known {
    fingerprint: String,
    shown: String,
}

/// The settings that name an orderer's TLS certificate files inside its pod (orderer.yaml
/// `General.TLS.Certificate`, `General.Cluster.ClientCertificate`).
const TLS_CERT_SETTINGS: &[&str] = &[
    "ORDERER_GENERAL_TLS_CERTIFICATE",
    "ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE",
];

/// Whether `cert` is a TLS certificate the pod of orderer workload `w` sees: laid out from a
/// Secret or ConfigMap volume of that workload ([`crate::inventory::mounts::virtual_path`]),
/// at a path its TLS settings name, or as a `tls/server.crt`/`client.crt`.
fn in_pod_of(cert: &crate::inventory::CertRecord, w: &Workload) -> bool {
    // The workload's locator holds its object: `document 1, StatefulSet ns/name, container c`.
    let Some(object) = w.origin.locator.as_deref().and_then(|l| {
        l.split(", ")
            .find(|p| !p.starts_with("document") && p.contains('/'))
    }) else {
        return false;
    };
    let Some(pod_path) = cert
        .origin
        .path
        .strip_prefix(&format!("{}#{object}:", w.origin.path))
    else {
        return false;
    };
    TLS_CERT_SETTINGS
        .iter()
        .filter_map(|s| w.env.get(*s))
        .any(|s| s.value == pod_path)
        || matches!(
            cert.layout.role,
            Some(Role::TlsServerCert | Role::TlsClientCert)
        )
}

/// The TLS certificates the artifacts and live probes say `host` has: files in its cryptogen
/// folder (`orderers/<host>/tls/`), files its deployed pod sees from its Secrets (`nodes`: the
/// orderers deployed with the configuration), and the certificate it served.
fn known_for(inv: &Inventory, host: &str, nodes: &[&Workload]) -> Vec<Known> {
    let pods: Vec<&Workload> = nodes
        .iter()
        .copied()
        .filter(|w| w.component == Component::Orderer && answers_to(w, host))
        .collect();
    let mut out: Vec<Known> = inv
        .certs
        .iter()
        .filter(|c| {
            (matches!(
                c.layout.role,
                Some(Role::TlsServerCert | Role::TlsClientCert)
            ) && c.layout.node.as_deref().is_some_and(|n| same_host(n, host)))
                || pods.iter().any(|w| in_pod_of(c, w))
        })
        .map(|c| Known {
            fingerprint: c.fingerprint.clone(),
            shown: format!("{} (serial {}) at {}", c.subject, c.serial, c.origin),
        })
        .collect();
    for obs in &inv.live.tls {
        let ep = &obs.endpoint;
        let names = [
            ep.server_name.as_deref().unwrap_or(""),
            broker_host(&ep.address),
            ep.name.as_str(),
        ];
        if !names.iter().any(|n| !n.is_empty() && same_host(n, host)) {
            continue;
        }
        if let Some(leaf) = obs.primary.served_chain.first()
            && let Ok(f) = crate::inventory::cert::CertFacts::parse(leaf)
        {
            out.push(Known {
                fingerprint: f.fingerprint.clone(),
                shown: format!(
                    "{} (serial {}) served by {}",
                    f.subject, f.serial, ep.address
                ),
            });
        }
    }
    out
}

impl Check for ConsenterTlsMismatch {
    fn id(&self) -> &'static str {
        "RAFT-002"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        let mut cache: BTreeMap<(String, String), Vec<Known>> = BTreeMap::new();
        for c in complete(inv) {
            let Some((_, consenters)) = c.consenters() else {
                continue;
            };
            let nodes = deployment(inv, c);
            for k in consenters {
                let known = cache
                    .entry((c.scope.clone(), k.host.to_ascii_lowercase()))
                    .or_insert_with(|| known_for(inv, &k.host, &nodes));
                let t = target(c, Some(&format!("consenter {}", k.endpoint())));
                let readable = [&k.server_tls_cert, &k.client_tls_cert]
                    .into_iter()
                    .any(|c| c.as_ref().is_some_and(|c| c.facts.is_ok()));
                if !readable {
                    out.push(Outcome::new(
                        Status::Skip,
                        t,
                        format!(
                            "{}: consenter {}'s certificates are not known here (a configtx.yaml whose certificate files are not among the artifacts)",
                            c.describe(),
                            k.endpoint()
                        ),
                    ));
                    continue;
                }
                if known.is_empty() {
                    out.push(Outcome::new(
                        Status::Skip,
                        t,
                        format!(
                            "{}: no TLS certificate of {} among the artifacts or probes to compare with",
                            c.describe(),
                            k.host
                        ),
                    ));
                    continue;
                }
                let mut differ = Vec::new();
                for (which, cert) in [
                    ("server", &k.server_tls_cert),
                    ("client", &k.client_tls_cert),
                ] {
                    let Some(ConfigCert { facts: Ok(f), .. }) = cert else {
                        continue;
                    };
                    if !known.iter().any(|n| n.fingerprint == f.fingerprint) {
                        differ.push(format!(
                            "{which} TLS certificate {} (serial {}) is not {}",
                            f.subject,
                            f.serial,
                            known
                                .iter()
                                .map(|n| n.shown.as_str())
                                .collect::<Vec<_>>()
                                .join(" nor ")
                        ));
                    }
                }
                out.push(if differ.is_empty() {
                    Outcome::new(
                        Status::Pass,
                        t,
                        format!(
                            "{}: consenter {} carries the TLS certificate the orderer has",
                            c.describe(),
                            k.endpoint()
                        ),
                    )
                } else {
                    Outcome::new(
                        Status::Fail,
                        t,
                        format!(
                            "{}: consenter {}: {}",
                            c.describe(),
                            k.endpoint(),
                            differ.join("; ")
                        ),
                    )
                    .with("differs", differ)
                });
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "etcdraft or BFT consenters");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::channel::testing::*;
    use crate::inventory::channel::{Consenter, OrdererSection, RaftMetadata};
    use crate::inventory::{CertRecord, Layout, Origin};

    #[test]
    fn a_renewed_orderer_certificate_no_longer_matches_its_consenter() {
        let tlsca = ca("tlsca", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
        let old = leaf(
            "orderer0",
            &["orderer0"],
            &tlsca,
            "2020-01-01T00:00:00Z",
            "2099-01-01T00:00:00Z",
        );
        let new = leaf(
            "orderer0",
            &["orderer0"],
            &tlsca,
            "2025-01-01T00:00:00Z",
            "2099-01-01T00:00:00Z",
        );
        let mut c = block("sys");
        c.orderer = Some(OrdererSection {
            consensus_type: "etcdraft".into(),
            raft: Some(RaftMetadata {
                consenters: vec![Consenter {
                    host: "orderer0.example.com".into(),
                    port: 7050,
                    client_tls_cert: Some(cert("client", &old)),
                    server_tls_cert: Some(cert("server", &old)),
                    ..Consenter::default()
                }],
                options: None,
            }),
            ..OrdererSection::default()
        });
        let mut inv = inventory(vec![c]);
        assert_eq!(
            ConsenterTlsMismatch.evaluate(&ctx(), &inv)[0].status,
            Status::Skip
        );
        let path = "ordererOrganizations/example.com/orderers/orderer0.example.com/tls/server.crt";
        inv.certs.push(CertRecord {
            origin: Origin::file(path),
            layout: Layout::of(std::path::Path::new(path)),
            facts: old.clone(),
        });
        assert_eq!(
            ConsenterTlsMismatch.evaluate(&ctx(), &inv)[0].status,
            Status::Pass
        );
        inv.certs[0].facts = new.clone();
        let out = ConsenterTlsMismatch.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains(&new.serial) && out[0].message.contains(&old.serial));
    }
}
