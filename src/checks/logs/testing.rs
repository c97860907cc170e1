//! Builders for the log-check unit tests: inventories made from log text in memory, as
//! `--logs` would gather them, with no files.

use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::logs::{LogInventory, from_texts};

pub fn ctx() -> Context {
    Context::at(time::macros::datetime!(2026-01-01 0:00 UTC))
}

/// An inventory whose logs are `sources`: (name, lines).
pub fn with_logs(sources: &[(&str, &[&str])]) -> Inventory {
    let logs = from_texts(
        sources
            .iter()
            .map(|(name, lines)| ((*name).to_owned(), lines.join("\n")))
            .collect(),
    );
    Inventory {
        source: "test".into(),
        logs: Some(logs),
        ..Inventory::default()
    }
}

/// An inventory given no logs at all.
pub fn without_logs() -> Inventory {
    Inventory {
        source: "test".into(),
        ..Inventory::default()
    }
}

/// An inventory whose only log source could not be read.
pub fn unreadable(name: &str, reason: &str) -> Inventory {
    Inventory {
        source: "test".into(),
        logs: Some(LogInventory {
            origin: "logs".into(),
            unreadable: vec![(name.into(), reason.into())],
            ..LogInventory::default()
        }),
        ..Inventory::default()
    }
}

pub fn statuses(out: &[Outcome]) -> Vec<Status> {
    out.iter().map(|o| o.status).collect()
}

/// `n` Fabric lines of filler, none matching any signature.
pub fn filler(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "2019-09-24 08:30:{:02}.000 UTC [orderer.consensus.kafka] processMessagesToBlocks -> DEBU {:03x} [channel: mychannel] Successfully unmarshalled consumed message, offset is {i}",
                i % 60,
                i
            )
        })
        .collect()
}
