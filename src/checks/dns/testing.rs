//! Builders for the DNS check tests: Kubernetes peers, daemon options, cluster facts.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::dns::sources::{DaemonSource, FileSources};
use crate::inventory::dns::{DnsInventory, DnsObservation, NameResolution};
use crate::inventory::ordering::{Component, PodSettings, Replicas, Setting, Workload};
use crate::inventory::{Inventory, Origin};

/// The seed article's Docker daemon options.
pub const SEED_DOCKER_OPTS: &str = "--dns=10.68.0.2 --dns=192.168.1.1 --dns-search default.svc.cluster.local --dns-search svc.cluster.local --dns-opt ndots:2 --dns-opt timeout:2 --dns-opt attempts:2";

pub fn ctx() -> Context {
    Context::at(time::macros::datetime!(2026-01-01 0:00 UTC))
}

/// A peer Deployment `name` in namespace `ns` with a Service of the same name; docker.sock is
/// mounted when CORE_VM_ENDPOINT is a unix socket. CORE_PEER_ADDRESS defaults to `name:7051`.
pub fn k8s_peer(name: &str, ns: &str, env: &[(&str, &str)]) -> Workload {
    let origin = Origin::at("net/peers.yaml", format!("Deployment {ns}/{name}"));
    let mut vars: BTreeMap<String, Setting> = env
        .iter()
        .map(|(k, v)| {
            let o = Origin::at("net/peers.yaml", format!("Deployment {ns}/{name}, env {k}"));
            (k.to_string(), Setting::literal(*v, o))
        })
        .collect();
    vars.entry("CORE_PEER_ADDRESS".into())
        .or_insert_with(|| Setting::literal(format!("{name}:7051"), origin.clone()));
    let socket = env
        .iter()
        .any(|(k, v)| *k == "CORE_VM_ENDPOINT" && v.starts_with("unix://"));
    Workload {
        name: name.into(),
        origin,
        scope: "net".into(),
        component: Component::Peer,
        image: Some("hyperledger/fabric-peer:1.4".into()),
        replicas: Replicas::Count(1),
        env: vars,
        properties: BTreeMap::new(),
        hostnames: vec![name.into()],
        computed_at_start: vec![],
        ports: vec![],
        mounts: if socket {
            vec![(
                PathBuf::from("/var/run/docker.sock"),
                "/host/var/run/docker.sock".into(),
            )]
        } else {
            vec![]
        },
        pod: Some(PodSettings {
            namespace: ns.into(),
            dns_policy: "ClusterFirst".into(),
            ..PodSettings::default()
        }),
    }
}

/// An inventory of `peers`, optionally the node daemon's `DOCKER_OPTS` flags and the cluster
/// DNS Service IP.
pub fn inventory(
    peers: Vec<Workload>,
    daemon_flags: Option<&str>,
    cluster_ip: Option<&str>,
) -> Inventory {
    let mut files = FileSources::default();
    if let Some(flags) = daemon_flags {
        files.daemons.push(DaemonSource {
            origin: Origin::at("net/docker", "line 1"),
            config: crate::inventory::dns::sources::daemon_flags(flags),
        });
    }
    if let Some(ip) = cluster_ip {
        files.cluster.ip = Some((ip.parse().unwrap(), Origin::file("net/kube-dns.yaml")));
    }
    let mut inv = Inventory {
        source: "artifacts:net".into(),
        ..Inventory::default()
    };
    inv.ordering.workloads = peers.clone();
    inv.dns = DnsInventory::from_parts(files, peers);
    inv
}

/// `inv` with one live observation for its first context.
pub fn observed(
    mut inv: Inventory,
    results: Vec<NameResolution>,
    failure: Option<&str>,
) -> Inventory {
    let context = inv.dns.contexts[0].clone();
    inv.live.dns.push(DnsObservation {
        context: context.label.clone(),
        vantage: crate::inventory::dns::Vantage::Direct {
            server: "127.0.0.1:53".into(),
        },
        config: context.config.clone(),
        results,
        failure: failure.map(str::to_owned),
        missing_network: None,
    });
    inv
}

pub fn statuses(out: &[Outcome]) -> Vec<Status> {
    out.iter().map(|o| o.status).collect()
}
