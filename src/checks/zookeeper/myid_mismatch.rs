//! ZK-002 `myid-mismatch`: each server's ZOO_MY_ID is unique, in 1..255, and names its own
//! entry in ZOO_SERVERS.

use std::collections::BTreeMap;

use super::ensemble::{myid_computed_at_start, names_match, ordinal_myid, parse_servers};
use crate::checks::usable;
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::ordering::{Component, Workload};

pub struct MyidMismatch;

impl Check for MyidMismatch {
    fn id(&self) -> &'static str {
        "ZK-002"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let servers: Vec<_> = net.of(Component::Zookeeper).collect();
            let ensemble = net.count(Component::Zookeeper);
            let mut ids: BTreeMap<u32, Vec<String>> = BTreeMap::new();
            for w in &servers {
                if let Ok(Some(v)) = usable(w.env.get("ZOO_MY_ID"))
                    && let Ok(id) = v.trim().parse::<u32>()
                {
                    ids.entry(id)
                        .or_default()
                        .extend((0..w.instances()).map(|_| w.name.clone()));
                }
            }
            for w in &servers {
                let setting = w.env.get("ZOO_MY_ID");
                let target = setting.map_or(&w.origin, |s| &s.origin).target();
                let ordinal = ordinal_myid(w);
                let computed = myid_computed_at_start(w);
                let (status, message) = match usable(setting) {
                    _ if ordinal.is_some() => {
                        let (first, how) = ordinal.unwrap_or_default();
                        ids_from_ordinals(w, first, &how)
                    }
                    _ if computed => (Status::Skip, "ZOO_MY_ID is computed when the server starts (from its hostname); not evaluated".to_owned()),
                    Err(why) => (Status::Error, format!("cannot evaluate: {why}")),
                    Ok(None) if ensemble <= 1 => (Status::Pass, "standalone server: no myid needed".to_owned()),
                    Ok(None) => (Status::Fail, "ZOO_MY_ID is not set for a server of a multi-server ensemble".to_owned()),
                    Ok(Some(v)) => match v.trim().parse::<u32>() {
                        Err(_) => (Status::Fail, format!("ZOO_MY_ID={v:?} is not a number")),
                        Ok(id) if !(1..=255).contains(&id) => (Status::Fail, format!("ZOO_MY_ID={id} is outside 1..255")),
                        Ok(id) if ids.get(&id).is_some_and(|who| who.len() > 1) => {
                            (Status::Fail, format!("ZOO_MY_ID={id} is shared by {}", ids[&id].join(", ")))
                        }
                        Ok(id) => own_entry(w, id),
                    },
                };
                out.push(Outcome::new(status, target, message).with("server", w.name.clone()));
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "ZooKeeper servers in the configuration");
        }
        out
    }
}

/// The verdict on ids a StatefulSet's servers derive from their pods' ordinals: pod i gets
/// `first + i`, unique by construction; they must stay in 1..255 and, where ZOO_SERVERS is
/// written out, each `server.<id>` must name that pod.
fn ids_from_ordinals(w: &Workload, first: u64, how: &str) -> (Status, String) {
    let n = u64::from(w.instances());
    let last = first + n.saturating_sub(1);
    if first == 0 || last > 255 {
        return (
            Status::Fail,
            format!(
                "each server's id is its pod's ordinal + {first} ({how}): {first}..{last} is outside 1..255"
            ),
        );
    }
    let entries = match usable(w.env.get("ZOO_SERVERS")) {
        Ok(Some(list)) => match parse_servers(list) {
            Ok(e) => e,
            Err(e) => return (Status::Fail, format!("ZOO_SERVERS does not parse: {e}")),
        },
        _ => Vec::new(),
    };
    let wrong: Vec<String> = (0..n)
        .filter_map(|i| {
            let id = (first + i).to_string();
            let pod = format!("{}-{i}", w.name);
            match entries.iter().find(|e| e.id == id) {
                _ if entries.is_empty() => None,
                None => Some(format!("no server.{id} for pod {pod}")),
                Some(e)
                    if e.host == "0.0.0.0" || names_match(&e.host, std::slice::from_ref(&pod)) =>
                {
                    None
                }
                Some(e) => Some(format!("server.{id} is {}, not pod {pod}", e.host)),
            }
        })
        .collect();
    if wrong.is_empty() {
        (
            Status::Pass,
            format!(
                "each server's id is its pod's ordinal + {first} ({how}): {first}..{last}, one per pod; no ZOO_MY_ID needed"
            ),
        )
    } else {
        (
            Status::Fail,
            format!(
                "ids come from the pods' ordinals ({how}) but ZOO_SERVERS disagrees: {}",
                wrong.join("; ")
            ),
        )
    }
}

/// Whether `server.<id>` in the workload's own ZOO_SERVERS names the workload itself.
fn own_entry(w: &Workload, id: u32) -> (Status, String) {
    let Some(list) = w.env.get("ZOO_SERVERS") else {
        return (
            Status::Pass,
            format!("ZOO_MY_ID={id} (no ZOO_SERVERS to compare with)"),
        );
    };
    let entries = match usable(Some(list)) {
        Err(why) => {
            return (
                Status::Skip,
                format!("ZOO_MY_ID={id}; ZOO_SERVERS not evaluated ({why})"),
            );
        }
        Ok(v) => match parse_servers(v.unwrap_or_default()) {
            Ok(e) => e,
            Err(e) => return (Status::Fail, format!("ZOO_SERVERS does not parse: {e}")),
        },
    };
    match entries.iter().find(|e| e.id == id.to_string()) {
        None => (
            Status::Fail,
            format!("ZOO_MY_ID={id} but ZOO_SERVERS has no server.{id} entry"),
        ),
        Some(e) if e.host == "0.0.0.0" || names_match(&e.host, &w.hostnames) => (
            Status::Pass,
            format!("ZOO_MY_ID={id} matches server.{id}={}", e.host),
        ),
        Some(e) => (
            Status::Fail,
            format!(
                "ZOO_MY_ID={id} but server.{id} is {}, not this server ({})",
                e.host,
                w.hostnames.join(", ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::kafka::testing::*;

    const SERVERS: &str = "server.1=zk0:2888:3888 server.2=zk1:2888:3888 server.3=zk2:2888:3888";

    #[test]
    fn ids_match_their_entries() {
        let inv = network(vec![
            zookeeper("zk0", &[("ZOO_MY_ID", "1"), ("ZOO_SERVERS", SERVERS)]),
            zookeeper("zk1", &[("ZOO_MY_ID", "3"), ("ZOO_SERVERS", SERVERS)]),
            zookeeper("zk2", &[("ZOO_MY_ID", "1"), ("ZOO_SERVERS", SERVERS)]),
        ]);
        let out = MyidMismatch.evaluate(&ctx(), &inv);
        assert_eq!(
            statuses(&out),
            vec![Status::Fail, Status::Fail, Status::Fail]
        );
        assert!(out[0].message.contains("shared by zk0, zk2"));
        assert!(
            out[1].message.contains("server.3 is zk2, not this server"),
            "{}",
            out[1].message
        );
        let inv = network(vec![
            zookeeper("zk0", &[("ZOO_MY_ID", "1"), ("ZOO_SERVERS", SERVERS)]),
            zookeeper("zk1", &[("ZOO_MY_ID", "2"), ("ZOO_SERVERS", SERVERS)]),
            zookeeper("zk2", &[("ZOO_MY_ID", "300"), ("ZOO_SERVERS", SERVERS)]),
        ]);
        assert_eq!(
            statuses(&MyidMismatch.evaluate(&ctx(), &inv)),
            vec![Status::Pass, Status::Pass, Status::Fail]
        );
    }
}
