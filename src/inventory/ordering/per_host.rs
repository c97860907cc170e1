//! One compose file run on several hosts. Multi-host Fabric setups without Swarm or Kubernetes
//! write a single `zookeeper` or `kafka` service and bring it up on each host with that host's
//! variables (`ZOO_MY_ID`, `KAFKA_BROKER_ID`, the container name), set by a per-host script or
//! env file. Read literally that is one server; what it deploys is one member per host of the
//! list the members are configured with: the ZooKeeper server's own `ZOO_SERVERS`, or the
//! Kafka broker list the orderers are given (configtx.yaml `Kafka.Brokers`,
//! `CONFIGTX_ORDERER_KAFKA_BROKERS`).
//!
//! The per-host values themselves stay unevaluated (each host has its own): the checks that
//! need them say "cannot evaluate", never fail on them.

use std::path::PathBuf;

use super::members::{broker_host, parse_broker_list, parse_servers};
use super::{Component, ConfigNote, NoteKind, OrderingConfig, Replicas, Workload};

/// The variable that gives a member its identity, per component.
fn identity_key(component: Component) -> Option<&'static str> {
    match component {
        Component::Zookeeper => Some("ZOO_MY_ID"),
        Component::Kafka => Some("KAFKA_BROKER_ID"),
        _ => None,
    }
}

/// Variables with no value in a workload's identity: its id setting and its names.
fn per_host_variables(w: &Workload) -> Vec<String> {
    let mut vars: Vec<String> = identity_key(w.component)
        .and_then(|k| w.env.get(k))
        .map(|s| s.unresolved.clone())
        .unwrap_or_default();
    for name in w.hostnames.iter().filter(|n| n.contains('$')) {
        vars.extend(super::vars::substitute(name, &Default::default()).unresolved);
    }
    vars.sort();
    vars.dedup();
    vars
}

/// Reads every single compose service that is a per-host template as the members its list
/// names; with no list, its count is unknown.
pub fn expand(config: &mut OrderingConfig, scripts: &[PathBuf]) {
    // The broker list each network's orderers are given, computed before workloads change.
    let broker_lists: Vec<(String, Vec<String>, String)> = config
        .networks()
        .iter()
        .filter_map(|net| {
            let from_profiles = net
                .kafka_profiles()
                .filter_map(|p| Some((p.kafka_brokers.clone()?, p.origin.to_string())));
            let from_orderers = net.of(Component::Orderer).filter_map(|o| {
                let s = o.env.get("CONFIGTX_ORDERER_KAFKA_BROKERS")?;
                s.evaluated()
                    .then(|| (parse_broker_list(&s.value), s.origin.to_string()))
            });
            let (list, origin) = from_profiles
                .chain(from_orderers)
                .max_by_key(|(l, _)| l.len())?;
            Some((net.scope.to_owned(), list, origin))
        })
        .collect();
    let mut notes = Vec::new();
    let singles: Vec<usize> = (0..config.workloads.len())
        .filter(|&i| {
            let w = &config.workloads[i];
            w.pod.is_none()
                && w.replicas == Replicas::Count(1)
                && identity_key(w.component).is_some()
                && config
                    .workloads
                    .iter()
                    .filter(|o| o.scope == w.scope && o.component == w.component)
                    .count()
                    == 1
        })
        .collect();
    for i in singles {
        let w = &config.workloads[i];
        let vars = per_host_variables(w);
        if vars.is_empty() {
            continue;
        }
        let (hosts, list_origin) = match w.component {
            Component::Zookeeper => match w.env.get("ZOO_SERVERS") {
                Some(s) if s.evaluated() => (
                    parse_servers(&s.value)
                        .map(|entries| entries.into_iter().map(|e| e.host).collect())
                        .unwrap_or_default(),
                    s.origin.to_string(),
                ),
                _ => (Vec::new(), String::new()),
            },
            _ => broker_lists
                .iter()
                .find(|(scope, _, _)| *scope == w.scope)
                .map(|(_, list, origin)| {
                    (
                        list.iter().map(|b| broker_host(b).to_owned()).collect(),
                        origin.clone(),
                    )
                })
                .unwrap_or_default(),
        };
        let mut hosts: Vec<String> = hosts;
        hosts.sort();
        hosts.dedup();
        let set_by = set_by_scripts(scripts, &vars);
        let values = match set_by.is_empty() {
            true => format!("no value here for {}", vars.join(", ")),
            false => format!("{} set per host by {}", vars.join(", "), set_by.join(", ")),
        };
        let message = if hosts.len() > 1 {
            format!(
                "service {} is written once and run on each host with that host's variables ({values}): read as the {} members {list_origin} names ({})",
                w.name,
                hosts.len(),
                hosts.join(", ")
            )
        } else {
            format!(
                "service {} is written once and run on each host with that host's variables ({values}); no member list says on how many hosts: its count is not evaluated",
                w.name
            )
        };
        notes.push(ConfigNote {
            origin: w.origin.clone(),
            kind: NoteKind::UnresolvedVariable,
            message,
        });
        let w = &mut config.workloads[i];
        if hosts.len() > 1 {
            w.replicas = Replicas::Count(u32::try_from(hosts.len()).unwrap_or(u32::MAX));
            w.hostnames.extend(hosts);
            w.hostnames.sort();
            w.hostnames.dedup();
        } else {
            w.replicas = Replicas::Unknown;
        }
    }
    config.notes.extend(notes);
}

/// Where scripts and env files assign the variables (`export ZOO_MY_ID=1`, `KAFKA_NODE=0`),
/// as `file line N`; a few are named, the rest counted.
fn set_by_scripts(scripts: &[PathBuf], vars: &[String]) -> Vec<String> {
    const SHOWN: usize = 3;
    let mut found = Vec::new();
    for path in scripts {
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        if meta.len() > super::links::MAX_SCRIPT_BYTES {
            continue;
        }
        let Ok(text) = super::yaml::read_text(path) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
            if vars.iter().any(|v| {
                line.strip_prefix(v.as_str())
                    .is_some_and(|rest| rest.starts_with('='))
            }) {
                found.push(format!("{} line {}", path.display(), i + 1));
                break;
            }
        }
    }
    found.sort();
    if found.len() > SHOWN {
        let more = found.len() - SHOWN;
        found.truncate(SHOWN);
        found.push(format!("{more} more"));
    }
    found
}
