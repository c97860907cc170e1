//! `render dns-probe`: the in-cluster DNS probe's manifests, from the names and Docker
//! settings of the artifacts' chaincode resolver contexts. (`render --out`, the reference
//! network's manifests, is in [`super::deploy`] with the other network commands.)

use super::config::DnsProbeConfig;
use super::{RunError, drop_in_background};
use crate::{inventory, probe};

/// The in-cluster DNS probe manifests for `render dns-probe`: names and Docker settings from the
/// artifacts' chaincode resolver contexts (and `--name`), rendered as YAML; plus notes where the
/// pod settings cannot mirror Docker's exactly.
pub fn dns_probe(args: &DnsProbeConfig) -> Result<(String, Vec<String>), RunError> {
    use inventory::dns::Runtime;
    use probe::dns_pod::{DnsProbeSpec, DockerDns, PodDns};
    let inventory = match &args.artifacts {
        Some(dir) => inventory::artifacts::gather(dir)?,
        None => inventory::Inventory::default(),
    };
    let mut names: Vec<String> = inventory
        .dns
        .contexts
        .iter()
        .flat_map(|c| c.names.iter().map(|n| n.name.clone()))
        .chain(args.names.iter().cloned())
        .collect();
    names.sort();
    names.dedup();
    // Docker's settings as the first docker-launching peer's chaincode gets them; parts that
    // come from the node itself are left to dnsPolicy Default, which reads the node's file.
    let docker = (!args.no_docker).then(|| {
        let lists = inventory
            .dns
            .contexts
            .iter()
            .find(|c| matches!(c.runtime, Runtime::Docker { .. }))
            .map(|c| c.configured_lists())
            .unwrap_or_default();
        DockerDns {
            nameservers: lists.nameservers.unwrap_or_default(),
            searches: lists.search.unwrap_or_default(),
            options: lists.options.unwrap_or_default(),
        }
    });
    let manifests = probe::dns_pod::render(&DnsProbeSpec {
        namespace: args.namespace.clone(),
        image: args.image.clone(),
        names,
        docker,
        pod: PodDns::cluster_first(),
    })?;
    let yaml = probe::dns_pod::render_yaml(&manifests.daemon_sets)?;
    drop_in_background(inventory);
    Ok((yaml, manifests.notes))
}
