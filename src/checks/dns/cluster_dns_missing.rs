//! DNS-001 `cluster-dns-missing`: chaincode launched through Docker for a peer on Kubernetes
//! gets no nameserver that is the cluster DNS.

use super::{per_context, target, unevaluated, with_settings};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::dns::chaincode::Platform;
use crate::inventory::dns::{Resolver, SettingSource};

pub struct ClusterDnsMissing;

impl Check for ClusterDnsMissing {
    fn id(&self) -> &'static str {
        "DNS-001"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let cluster_ip = inv.dns.cluster_dns_ip();
        per_context(
            inv,
            |_| true,
            |c| {
                let out = |status, message: String| {
                    vec![with_settings(Outcome::new(status, target(c), message), c)]
                };
                if c.resolver != Resolver::DockerChaincode
                    && let SettingSource::Pod(policy) = &c.nameservers_from
                    && policy.starts_with("ClusterFirst")
                {
                    return out(
                        Status::Pass,
                        format!(
                            "runs as a pod with dnsPolicy {policy}: the cluster DNS is its nameserver ({})",
                            c.runtime.describe()
                        ),
                    );
                }
                if c.platform == Platform::Compose {
                    return out(Status::Skip, "not on Kubernetes: chaincode reaches peers through Docker's own networks, not a cluster DNS".to_owned());
                }
                if let Some(why) = unevaluated(&c.nameservers_from) {
                    return out(Status::Skip, format!("chaincode nameservers are {why}"));
                }
                let servers: Vec<String> = c
                    .config
                    .nameservers
                    .iter()
                    .map(|n| n.ip.to_string())
                    .collect();
                if c.nameservers_from == SettingSource::NodeUnknown {
                    return out(
                        Status::Fail,
                        format!(
                            "no Dns is set for chaincode containers, neither on the peer (CORE_VM_DOCKER_HOSTCONFIG_DNS) nor on the Docker daemon (--dns, daemon.json): chaincode of {} ({}) gets the node's resolv.conf, which does not point at the cluster DNS",
                            c.label.trim_start_matches("chaincode of "),
                            c.runtime.describe()
                        ),
                    );
                }
                match cluster_ip {
                    Some(ip) if c.config.nameservers.iter().any(|n| n.ip == ip) => out(
                        Status::Pass,
                        format!(
                            "chaincode nameservers {} include the cluster DNS {ip} (from {})",
                            servers.join(" "),
                            c.nameservers_from.describe()
                        ),
                    ),
                    Some(ip) => out(
                        Status::Fail,
                        format!(
                            "chaincode nameservers [{}] (from {}) do not include the cluster DNS Service IP {ip}",
                            servers.join(" "),
                            c.nameservers_from.describe()
                        ),
                    ),
                    None => out(
                        Status::Skip,
                        format!(
                            "chaincode nameservers [{}] are set (from {}), but the cluster DNS Service IP is not among the artifacts; give --cluster-dns to judge them",
                            servers.join(" "),
                            c.nameservers_from.describe()
                        ),
                    ),
                }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn docker_sock_without_dns_fails_and_the_seed_fix_passes() {
        let without = k8s_peer(
            "peer0",
            "org1",
            &[("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock")],
        );
        let seeded = k8s_peer(
            "peer1",
            "org1",
            &[("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock")],
        );
        let inv = inventory(vec![without], Some(SEED_DOCKER_OPTS), Some("10.68.0.2"));
        let out = ClusterDnsMissing.evaluate(&ctx(), &inv);
        // The daemon options apply to every docker.sock peer on the node.
        assert_eq!(statuses(&out), vec![Status::Pass]);
        let inv = inventory(vec![seeded], None, Some("10.68.0.2"));
        let out = ClusterDnsMissing.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0].message.contains("no Dns is set"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn peer_hostconfig_without_the_cluster_ip_fails() {
        let p = k8s_peer(
            "peer0",
            "org1",
            &[
                ("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock"),
                ("CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE", "bridge"),
                ("CORE_VM_DOCKER_HOSTCONFIG_DNS", "8.8.8.8"),
            ],
        );
        let out = ClusterDnsMissing
            .evaluate(&ctx(), &inventory(vec![p.clone()], None, Some("10.68.0.2")));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        let out = ClusterDnsMissing.evaluate(&ctx(), &inventory(vec![p], None, None));
        assert_eq!(statuses(&out), vec![Status::Skip]);
    }
}
