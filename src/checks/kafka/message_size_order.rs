//! KAFKA-005 `message-size-order`: AbsoluteMaxBytes < replica.fetch.max.bytes <=
//! message.max.bytes < socket.request.max.bytes, with AbsoluteMaxBytes from the kafka profiles
//! of the broker's network (the largest, since any of them may be the one in use).

use std::path::Path;

use super::{per_broker, rules, usable, value};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::ordering::links;

pub struct MessageSizeOrder;

impl Check for MessageSizeOrder {
    fn id(&self) -> &'static str {
        "KAFKA-005"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_broker(inv, "message.max.bytes", |net, w| {
            for p in ["replica.fetch.max.bytes", "socket.request.max.bytes"] {
                if let Err(why) = usable(w.kafka_setting(p)) {
                    return rules::Verdict {
                        status: Status::Error,
                        message: format!("cannot evaluate: {why}"),
                    };
                }
            }
            let mut absolute = None;
            let mut from = None;
            for p in net.kafka_profiles() {
                match &p.absolute_max_bytes {
                    Some(Ok(n)) if absolute.is_none_or(|a| *n > a) => {
                        absolute = Some(*n);
                        from = Some(p);
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        return rules::Verdict {
                            status: Status::Error,
                            message: format!("cannot evaluate: {}: {e}", p.origin),
                        };
                    }
                    None => {}
                }
            }
            let mut v = rules::message_sizes(
                absolute,
                value(w, "replica.fetch.max.bytes"),
                value(w, "message.max.bytes"),
                value(w, "socket.request.max.bytes"),
            );
            match from {
                None if v.status == Status::Pass => v.message.push_str(
                    " (no kafka profile in configtx.yaml beside it or linked to its orderers: AbsoluteMaxBytes not compared)",
                ),
                None => {}
                // Say where AbsoluteMaxBytes came from, and why that file: a sibling folder's
                // configtx.yaml counts only through what the orderers run.
                Some(p) => {
                    v.message.push_str(&format!("; AbsoluteMaxBytes from {}", p.origin));
                    if let Some(link) = net
                        .links
                        .iter()
                        .find(|l| links::same_file(&l.configtx, Path::new(&p.origin.path)))
                    {
                        v.message.push_str(&format!(" ({})", link.via));
                    }
                }
            }
            v
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn one_mebibyte_brokers_against_99_mb_blocks_fail() {
        let mut inv = network(vec![broker(
            "k0",
            &[
                ("KAFKA_MESSAGE_MAX_BYTES", "1048576"),
                ("KAFKA_REPLICA_FETCH_MAX_BYTES", "1048576"),
            ],
        )]);
        inv.ordering
            .profiles
            .push(kafka_profile(99 * 1024 * 1024, &["k0:9092"]));
        let out = MessageSizeOrder.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0]
                .message
                .contains("AbsoluteMaxBytes=103809024 is not below"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn fabric_reference_sizes_pass_and_commented_values_error() {
        let mut inv = network(vec![
            broker(
                "k0",
                &[
                    ("KAFKA_MESSAGE_MAX_BYTES", "103809024"),
                    ("KAFKA_REPLICA_FETCH_MAX_BYTES", "103809024"),
                ],
            ),
            broker(
                "k1",
                &[("KAFKA_MESSAGE_MAX_BYTES", "103809024 # 99 * 1024 * 1024 B")],
            ),
        ]);
        inv.ordering
            .profiles
            .push(kafka_profile(98 * 1024 * 1024, &["k0:9092"]));
        assert_eq!(
            statuses(&MessageSizeOrder.evaluate(&ctx(), &inv)),
            vec![Status::Pass, Status::Error]
        );
    }
}
