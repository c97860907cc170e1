//! Builders for the Kafka and ZooKeeper evaluator unit tests: workloads and profiles made in
//! memory, as the gatherers would produce them, with no files.

use std::collections::BTreeMap;

use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::Origin;
use crate::inventory::ordering::{Component, ConfigTxProfile, Replicas, Setting, Workload};

pub fn ctx() -> Context {
    Context::at(time::macros::datetime!(2026-01-01 0:00 UTC))
}

fn workload(name: &str, component: Component, env: &[(&str, &str)]) -> Workload {
    let origin = Origin::at("net/docker-compose.yaml", format!("service {name}"));
    Workload {
        name: name.into(),
        origin: origin.clone(),
        scope: "net".into(),
        component,
        image: None,
        replicas: Replicas::Count(1),
        env: env
            .iter()
            .map(|(k, v)| {
                let o = Origin::at(
                    "net/docker-compose.yaml",
                    format!("service {name}, environment {k}"),
                );
                (k.to_string(), Setting::literal(*v, o))
            })
            .collect::<BTreeMap<_, _>>(),
        properties: BTreeMap::new(),
        hostnames: vec![name.into()],
        computed_at_start: vec![],
        ports: vec![],
        mounts: vec![],
        pod: None,
    }
}

pub fn broker(name: &str, env: &[(&str, &str)]) -> Workload {
    workload(name, Component::Kafka, env)
}

pub fn zookeeper(name: &str, env: &[(&str, &str)]) -> Workload {
    workload(name, Component::Zookeeper, env)
}

pub fn orderer(name: &str, env: &[(&str, &str)]) -> Workload {
    workload(name, Component::Orderer, env)
}

/// Marks `key` of `w` as depending on the unresolved variable `var`.
pub fn with_unresolved(mut w: Workload, key: &str, var: &str) -> Workload {
    if let Some(s) = w.env.get_mut(key) {
        s.unresolved.push(var.to_owned());
    }
    w
}

pub fn kafka_profile(absolute_max_bytes: u64, brokers: &[&str]) -> ConfigTxProfile {
    let origin = Origin::at("net/configtx.yaml", "profile Kafka");
    ConfigTxProfile {
        origin: origin.clone(),
        scope: "net".into(),
        name: "Kafka".into(),
        orderer_type: Some(Setting::literal("kafka", origin)),
        kafka_brokers: Some(brokers.iter().map(|b| b.to_string()).collect()),
        absolute_max_bytes: Some(Ok(absolute_max_bytes)),
        preferred_max_bytes: None,
        from_block: false,
    }
}

pub fn solo_profile() -> ConfigTxProfile {
    let mut p = kafka_profile(1024, &[]);
    p.orderer_type = Some(Setting::literal("solo", p.origin.clone()));
    p.kafka_brokers = None;
    p
}

/// An inventory whose ordering configuration is these workloads (one network, `net`).
pub fn network(workloads: Vec<Workload>) -> Inventory {
    let mut inv = Inventory {
        source: "test".into(),
        ..Inventory::default()
    };
    inv.ordering.workloads = workloads;
    inv
}

pub fn statuses(out: &[Outcome]) -> Vec<Status> {
    out.iter().map(|o| o.status).collect()
}
