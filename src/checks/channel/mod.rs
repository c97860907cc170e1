//! Channel configuration checks (`CHANNEL-…`): what the genesis and config blocks (and the
//! configtx.yaml profiles they are made from) say, against what is deployed beside them — the
//! nodes' MSP folders, the ordering nodes, the Fabric version of the images.
//!
//! Both sources are one model ([`ChannelConfig`]); a check judges each configuration once and
//! names the artifact and the place in it.

use crate::finding::{Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::channel::{ChannelConfig, ConfigCert};
use crate::inventory::ordering::{Component, Workload, nearest_with};

pub mod artifact_undecodable;
pub mod capability_too_new;
pub mod certificate_expired;
pub mod consensus_type_mismatch;
pub mod msp_roots_differ;
pub mod no_admin;
pub mod node_ous_mismatch;
pub mod orderer_endpoint_unknown;
#[cfg(test)]
pub(crate) mod testing;

/// The finding's target for a configuration, or a place inside it.
pub fn target(config: &ChannelConfig, inside: Option<&str>) -> Target {
    let locator = match (&config.origin.locator, inside) {
        (Some(l), Some(i)) => Some(format!("{l}, {i}")),
        (Some(l), None) => Some(l.clone()),
        (None, Some(i)) => Some(i.to_owned()),
        (None, None) => None,
    };
    Target::new(TargetKind::File, config.origin.path.clone()).with_locator(locator)
}

/// The workloads deployed with a configuration: every workload when the artifacts are one
/// network (a cluster read back), else those of the configuration's folder or its parent's,
/// whichever first deploys a peer, orderer or Kafka broker (`channel-artifacts/` beside
/// `docker-compose/`; see [`nearest_with`]). Empty when the artifacts hold none for it.
pub fn deployment<'a>(inv: &'a Inventory, config: &ChannelConfig) -> Vec<&'a Workload> {
    if inv.single_network {
        return inv.ordering.workloads.iter().collect();
    }
    nearest_with(&inv.ordering.workloads, &config.scope, &inv.root, |w| {
        matches!(
            w.component,
            Component::Orderer | Component::Peer | Component::Kafka
        )
    })
}

/// The ordering nodes among a deployment.
pub fn orderers<'a>(deployment: &[&'a Workload]) -> Vec<&'a Workload> {
    deployment
        .iter()
        .copied()
        .filter(|w| w.component == Component::Orderer)
        .collect()
}

/// The orderers deployed with `config`, or the skip saying there are none to compare `what`
/// (`3 orderer address(es)`) with.
pub fn deployed_orderers_or_skip<'a>(
    inv: &'a Inventory,
    config: &ChannelConfig,
    target: &crate::finding::Target,
    what: &str,
) -> Result<Vec<&'a Workload>, crate::finding::Outcome> {
    let nodes = orderers(&deployment(inv, config));
    if nodes.is_empty() {
        return Err(crate::finding::Outcome::new(
            crate::finding::Status::Skip,
            target.clone(),
            format!(
                "{}: {what}; no orderers are deployed beside it to compare with",
                config.describe()
            ),
        ));
    }
    Ok(nodes)
}

/// The verdict on addresses that must each name a deployed orderer (`Channel
/// OrdererAddresses`, consenters): pass with `all_known`, else fail listing `unknown` and the
/// orderers that are deployed.
pub fn orderer_names_outcome(
    config: &ChannelConfig,
    target: crate::finding::Target,
    nodes: &[&Workload],
    unknown: Vec<String>,
    all_known: String,
    what: &str,
) -> crate::finding::Outcome {
    use crate::finding::{Outcome, Status};
    if unknown.is_empty() {
        return Outcome::new(
            Status::Pass,
            target,
            format!("{}: {all_known}", config.describe()),
        );
    }
    let deployed: Vec<&str> = nodes.iter().map(|w| w.name.as_str()).collect();
    Outcome::new(
        Status::Fail,
        target,
        format!(
            "{}: {what} {} name no deployed orderer (deployed: {})",
            config.describe(),
            unknown.join(", "),
            deployed.join(", ")
        ),
    )
    .with("unknown", unknown)
}

/// Whether `name` (a workload, node folder or endpoint name) is `host`, or one is the other's
/// first labels (`orderer0` and `orderer0.orderer.svc.cluster.local`), case-insensitively.
pub fn same_host(name: &str, host: &str) -> bool {
    let (name, host) = (name.to_ascii_lowercase(), host.to_ascii_lowercase());
    name == host || host.starts_with(&format!("{name}.")) || name.starts_with(&format!("{host}."))
}

/// Whether a workload answers to `host`: one of its names is [`same_host`].
pub fn answers_to(w: &Workload, host: &str) -> bool {
    w.hostnames
        .iter()
        .chain(std::iter::once(&w.name))
        .any(|n| same_host(n, host))
}

/// A certificate's one-line description for messages.
pub fn describe(cert: &ConfigCert) -> String {
    match &cert.facts {
        Ok(f) => format!(
            "{} (serial {}, not after {})",
            f.subject,
            f.serial,
            crate::inventory::channel::rfc3339(f.not_after)
        ),
        Err(e) => format!("unreadable ({e})"),
    }
}

/// Configurations that are complete (blocks, profiles), not updates' write sets.
pub fn complete(inv: &Inventory) -> impl Iterator<Item = &ChannelConfig> {
    inv.channels.iter().filter(|c| c.source.is_complete())
}

/// How an MSP folder on disk relates to an org of a channel configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Association {
    /// A certificate of the folder is one of the org's roots (same bytes).
    Same,
    /// The folder's root has the subject of one of the org's roots, but other bytes: a CA
    /// renewed (or re-created) on disk and not in the channel configuration. Holds the two
    /// descriptions, disk first.
    Renewed { on_disk: String, in_config: String },
}

/// The MSP folders on disk whose CA certificates (`cacerts/`, or `tlscacerts/` when `tls`)
/// belong to the org whose roots are `roots`: by fingerprint, else by subject.
pub fn msp_folders_of(
    inv: &Inventory,
    roots: &[ConfigCert],
    tls: bool,
) -> Vec<(String, Association)> {
    use crate::inventory::layout::Role;
    let wanted = if tls {
        Role::MspTlsCaCert
    } else {
        Role::MspCaCert
    };
    let roots: Vec<&std::sync::Arc<crate::inventory::cert::CertFacts>> =
        roots.iter().filter_map(|r| r.facts.as_ref().ok()).collect();
    if roots.is_empty() {
        return Vec::new();
    }
    let mut by_dir: std::collections::BTreeMap<&str, Vec<&crate::inventory::CertRecord>> =
        std::collections::BTreeMap::new();
    for c in &inv.certs {
        if c.layout.role == Some(wanted)
            && let Some(dir) = c.layout.msp_dir.as_deref()
        {
            by_dir.entry(dir).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    for (dir, certs) in by_dir {
        if certs
            .iter()
            .any(|c| roots.iter().any(|r| r.fingerprint == c.fingerprint))
        {
            out.push((dir.to_owned(), Association::Same));
            continue;
        }
        let renewed = certs.iter().find_map(|c| {
            roots
                .iter()
                .find(|r| r.subject_raw == c.subject_raw)
                .map(|r| (c, r))
        });
        if let Some((disk, config)) = renewed {
            let show = |f: &crate::inventory::cert::CertFacts| {
                format!(
                    "{} (serial {}, sha256 {})",
                    f.subject,
                    f.serial,
                    &f.fingerprint[..16]
                )
            };
            out.push((
                dir.to_owned(),
                Association::Renewed {
                    on_disk: format!("{} at {}", show(disk), disk.origin),
                    in_config: show(config),
                },
            ));
        }
    }
    out
}
