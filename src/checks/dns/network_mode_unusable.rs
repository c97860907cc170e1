//! DNS-006 `network-mode-unusable`: chaincode containers cannot start on the network the peer
//! names — a network the Docker daemon does not have (seen by the `--docker` probe), or Dns
//! together with NetworkMode host, which Docker refuses.

use super::setting_not_applied::note_outcome;
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::dns::{DnsNoteKind, Vantage};

pub struct NetworkModeUnusable;

impl Check for NetworkModeUnusable {
    fn id(&self) -> &'static str {
        "DNS-006"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out: Vec<Outcome> = inv
            .dns
            .notes
            .iter()
            .filter(|n| n.kind == DnsNoteKind::Conflict)
            .map(note_outcome)
            .collect();
        for obs in &inv.live.dns {
            let Vantage::Container {
                endpoint,
                network_mode,
                ..
            } = &obs.vantage
            else {
                continue;
            };
            let target = Target::new(TargetKind::Object, obs.context.clone())
                .with_locator(Some(endpoint.clone()));
            out.push(match (&obs.missing_network, &obs.failure) {
                (Some(net), _) => Outcome::new(
                    Status::Fail,
                    target,
                    format!("NetworkMode {net} names a network the Docker daemon at {endpoint} does not have: Fabric cannot start chaincode at all"),
                )
                .with("network_mode", net.clone()),
                (None, Some(e)) => Outcome::new(Status::Error, target, format!("could not inspect the daemon's networks: {e}")),
                (None, None) => Outcome::new(
                    Status::Pass,
                    target,
                    format!(
                        "a container started on the daemon at {endpoint} with NetworkMode {}",
                        network_mode.as_deref().unwrap_or("(daemon default)")
                    ),
                ),
            });
        }
        if out.is_empty() {
            let docker = inv
                .dns
                .contexts
                .iter()
                .filter(|c| matches!(c.runtime, crate::inventory::dns::Runtime::Docker { .. }))
                .count();
            if docker == 0 {
                return crate::checks::nothing_to_check(
                    inv,
                    "peers that launch chaincode through Docker",
                );
            }
            out.push(Outcome::new(
                Status::Pass,
                Target::new(TargetKind::Source, inv.source.clone()),
                format!("no conflicting Dns/NetworkMode among {docker} Docker-launching peer(s); networks are checked against a daemon with --docker"),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn dns_with_fabrics_default_host_network_is_refused() {
        let p = k8s_peer(
            "p",
            "default",
            &[
                ("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock"),
                ("CORE_VM_DOCKER_HOSTCONFIG_DNS", "10.68.0.2"),
            ],
        );
        let out = NetworkModeUnusable.evaluate(&ctx(), &inventory(vec![p], None, None));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0].message.contains("conflicting options"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn a_missing_network_seen_by_the_probe_fails() {
        let p = k8s_peer(
            "p",
            "default",
            &[
                ("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock"),
                ("CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE", "bridge"),
            ],
        );
        let mut inv = observed(inventory(vec![p], None, None), vec![], None);
        inv.live.dns[0].vantage = Vantage::Container {
            endpoint: "unix:///run/docker.sock".into(),
            configured_servers: vec![],
            network_mode: Some("fabric_cc".into()),
            resolver: None,
        };
        inv.live.dns[0].missing_network = Some("fabric_cc".into());
        let out = NetworkModeUnusable.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Fail]);
    }
}
