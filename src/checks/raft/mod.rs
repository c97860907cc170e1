//! Consensus checks (`RAFT-…`) for etcdraft (Fabric 2.x) and BFT (3.x) ordering: the consenter
//! set in the channel configuration — its size, each consenter's certificates against the
//! certificate that orderer actually has and serves, its address against the orderers
//! deployed, the Raft options Fabric accepts — and what running orderers report: each
//! channel's etcdraft metrics from `/metrics` (leadership, active consenters) and the config
//! blocks fetched from them over Deliver.

use std::collections::BTreeMap;

use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::{RaftChannelMetrics, RaftObservation};

pub mod config_fetch_failed;
pub mod consenter_certificate;
pub mod consenter_count;
pub mod consenter_not_deployed;
pub mod consenter_tls_mismatch;
pub mod options_invalid;
pub mod raft_leader;
pub mod raft_nodes_inactive;

/// The outcome for an orderer whose `/metrics` gave no etcdraft series: a skip when the node
/// exposes no Prometheus metrics at all, an error when they could not be read.
pub fn unreadable(o: &RaftObservation, skip: bool, why: &str) -> Outcome {
    Outcome::new(
        if skip { Status::Skip } else { Status::Error },
        orderer_target(o),
        format!("{}: {why}", o.orderer),
    )
    .with("orderer", o.orderer.clone())
    .with("operations", o.operations.clone())
}

/// `orderer0 operations` at its operations address.
pub fn orderer_target(o: &RaftObservation) -> Target {
    let address = o
        .operations
        .split_once("://")
        .map(|(_, a)| a)
        .unwrap_or(&o.operations);
    Target::new(TargetKind::Endpoint, address)
        .with_locator(Some(format!("{} operations", o.orderer)))
}

/// A channel as a target of the whole run.
pub fn channel_target(inv: &Inventory, channel: &str) -> Target {
    Target::new(TargetKind::Source, inv.source.clone())
        .with_locator(Some(format!("channel {channel}")))
}

/// Channel → (orderer observation, its metrics for the channel), over every orderer whose
/// metrics were read.
pub fn by_channel(inv: &Inventory) -> BTreeMap<&str, Vec<(&RaftObservation, RaftChannelMetrics)>> {
    let mut out: BTreeMap<&str, Vec<(&RaftObservation, RaftChannelMetrics)>> = BTreeMap::new();
    for o in &inv.live.raft {
        if let Ok(channels) = &o.channels {
            for (channel, m) in channels {
                out.entry(channel.as_str()).or_default().push((o, *m));
            }
        }
    }
    out
}

/// A gauge's value as a whole number for messages (`2`, not `2.0`).
pub fn count(v: f64) -> String {
    if v.fract() == 0.0 && v.is_finite() {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use std::collections::BTreeMap;

    use crate::inventory::Inventory;
    use crate::inventory::live::{RaftChannelMetrics, RaftObservation};

    pub use crate::checks::health::testing::ctx;

    /// `(leader, active, size)` for one channel.
    pub fn metrics(leader: f64, active: f64, size: f64) -> RaftChannelMetrics {
        RaftChannelMetrics {
            is_leader: Some(leader),
            active_nodes: Some(active),
            cluster_size: Some(size),
            leader_changes: Some(1.0),
        }
    }

    pub fn orderer(name: &str, channels: &[(&str, RaftChannelMetrics)]) -> RaftObservation {
        RaftObservation {
            orderer: name.into(),
            operations: format!("http://{name}:8443"),
            channels: Ok(channels
                .iter()
                .map(|(c, m)| ((*c).to_owned(), *m))
                .collect::<BTreeMap<_, _>>()),
        }
    }

    pub fn failed(name: &str, skip: bool, why: &str) -> RaftObservation {
        RaftObservation {
            orderer: name.into(),
            operations: format!("http://{name}:8443"),
            channels: Err((skip, why.into())),
        }
    }

    pub fn inventory(raft: Vec<RaftObservation>) -> Inventory {
        let mut inv = Inventory {
            source: "endpoints:3".into(),
            ..Inventory::default()
        };
        inv.live.raft = raft;
        inv
    }
}
