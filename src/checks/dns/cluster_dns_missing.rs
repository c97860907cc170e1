//! DNS-001 `cluster-dns-missing`: chaincode launched through Docker for a peer on Kubernetes
//! gets no nameserver that is the cluster DNS.

use std::net::IpAddr;

use super::{by_resolver, per_context, target, unevaluated, with_settings};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::dns::chaincode::Platform;
use crate::inventory::dns::{Resolver, ResolverConfig, SettingSource, StubResolver};

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
                    Some(ip) if c.config.nameservers.iter().any(|n| n.ip == ip) => {
                        let base =
                            with_settings(Outcome::new(Status::Pass, target(c), String::new()), c);
                        let included = format!(
                            "chaincode nameservers {} include the cluster DNS {ip} (from {})",
                            servers.join(" "),
                            c.nameservers_from.describe()
                        );
                        let embedded = c.network_mode.as_deref().is_some_and(user_defined_network);
                        vec![by_resolver(c, base, |r| {
                            beside_cluster_dns(r, &c.config, ip, embedded, &included)
                        })]
                    }
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

/// With the cluster DNS among the nameservers, whether `resolver` still lets another server
/// answer for cluster names. Every server answers NXDOMAIN for `*.svc.cluster.local` unless it
/// is the cluster DNS, and an NXDOMAIN is a final answer in all three resolvers; what differs
/// is which server gets asked first.
fn beside_cluster_dns(
    resolver: StubResolver,
    config: &ResolverConfig,
    cluster: IpAddr,
    embedded: bool,
    included: &str,
) -> (Status, String) {
    let others: Vec<String> = config
        .nameservers
        .iter()
        .filter(|n| n.ip != cluster)
        .map(|n| n.ip.to_string())
        .collect();
    if others.is_empty() {
        return (Status::Pass, format!("{included}, the only one"));
    }
    let others = others.join(" ");
    if embedded {
        // On a user-defined network the container's resolv.conf names only Docker's embedded
        // server 127.0.0.11, which forwards to the Dns servers one after another and takes an
        // NXDOMAIN as the answer (libnetwork resolver.go): the chaincode's resolver, whichever
        // it is, never races them.
        return if config.nameservers.first().is_some_and(|n| n.ip != cluster) {
            (
                Status::Fail,
                format!(
                    "{included}, but Docker's embedded DNS (user-defined network) forwards to {} first and passes its NXDOMAIN for a cluster name on",
                    config.nameservers[0].ip
                ),
            )
        } else {
            (
                Status::Pass,
                format!(
                    "{included}; on a user-defined network Docker's embedded DNS asks the cluster DNS first and {others} only when it does not answer"
                ),
            )
        };
    }
    if resolver.asks_servers_in_parallel() {
        // musl res_msend.c: the query goes to every server at once and the first NOERROR or
        // NXDOMAIN reply is taken.
        return (
            Status::Fail,
            format!(
                "{included}, but musl asks every nameserver at once and takes the first reply: an NXDOMAIN from {others} for a cluster name can win over the cluster DNS"
            ),
        );
    }
    if config.nameservers.first().is_some_and(|n| n.ip != cluster) {
        return (
            Status::Fail,
            format!(
                "{included}, but {resolver} asks {} first and takes its NXDOMAIN for a cluster name as final; the cluster DNS is only asked when that server does not answer",
                config.nameservers[0].ip
            ),
        );
    }
    if config.rotate && resolver.honours_rotate() {
        return (
            Status::Fail,
            format!(
                "{included}, but with options rotate {resolver} starts lookups at {others} in turn, and takes their NXDOMAIN for a cluster name as final"
            ),
        );
    }
    (
        Status::Pass,
        format!(
            "{included}; {resolver} asks the cluster DNS first and {others} only when it does not answer"
        ),
    )
}

/// A NetworkMode naming a user-defined network (not `host`, `bridge`, `none`, `default` or
/// `container:…`): there Docker puts its embedded DNS server in the container's resolv.conf.
fn user_defined_network(mode: &str) -> bool {
    let mode = mode.trim();
    !(mode.is_empty()
        || matches!(mode, "default" | "bridge" | "host" | "none")
        || mode.starts_with("container:"))
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

    #[test]
    fn a_public_server_beside_the_cluster_dns_fails_for_musl_only() {
        let p = k8s_peer(
            "peer0",
            "org1",
            &[("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock")],
        );
        // SEED_DOCKER_OPTS lists the cluster DNS first and a LAN server second.
        let inv = inventory(vec![p.clone()], Some(SEED_DOCKER_OPTS), Some("10.68.0.2"));
        let out = ClusterDnsMissing.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Pass]);
        assert!(
            out[0].message.contains("assuming Go's resolver"),
            "{}",
            out[0].message
        );
        let others = out[0].evidence["other_resolvers"].to_string();
        assert!(others.contains("musl: fail"), "{others}");
        let mut inv = inv;
        inv.dns.set_chaincode_resolver(Some(StubResolver::Musl));
        let out = ClusterDnsMissing.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0].message.contains("asks every nameserver at once"),
            "{}",
            out[0].message
        );
        assert!(
            out[0]
                .message
                .ends_with("assuming musl (--chaincode-resolver musl)")
        );
        // Listed first, a public server's NXDOMAIN ends every resolver's lookup.
        let flipped = inventory(
            vec![p.clone()],
            Some("--dns=192.168.1.1 --dns=10.68.0.2"),
            Some("10.68.0.2"),
        );
        let out = ClusterDnsMissing.evaluate(&ctx(), &flipped);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        // rotate: glibc and Go, not musl (which fails anyway).
        let rotate = ResolverConfig::from_parts(
            &["10.68.0.2".into(), "8.8.8.8".into()],
            &[],
            &["rotate".into()],
        );
        let ip: IpAddr = "10.68.0.2".parse().unwrap();
        assert_eq!(
            beside_cluster_dns(StubResolver::Glibc, &rotate, ip, false, "x").0,
            Status::Fail
        );
        let alone = ResolverConfig::from_parts(&["10.68.0.2".into()], &[], &["rotate".into()]);
        for r in StubResolver::ALL {
            assert_eq!(
                beside_cluster_dns(r, &alone, ip, false, "x").0,
                Status::Pass
            );
        }
        // Behind Docker's embedded DNS musl does not race the servers.
        let two = ResolverConfig::from_parts(&["10.68.0.2".into(), "8.8.8.8".into()], &[], &[]);
        assert_eq!(
            beside_cluster_dns(StubResolver::Musl, &two, ip, true, "x").0,
            Status::Pass
        );
        assert_eq!(
            beside_cluster_dns(StubResolver::Musl, &two, ip, false, "x").0,
            Status::Fail
        );
        assert!(user_defined_network("fabric_test") && !user_defined_network("bridge"));
    }
}
