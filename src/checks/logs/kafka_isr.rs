//! LOG-003 `kafka-isr`: logs show Kafka refusing a channel: `SERVICE_UNAVAILABLE` from the
//! orderer, `NOT_ENOUGH_REPLICAS` / `fewer in-sync replicas than required` from the brokers.
//!
//! Each Kafka-ordered channel is one partition written with acks=all; with fewer in-sync
//! replicas than min.insync.replicas the brokers refuse every write and the orderer answers
//! clients SERVICE_UNAVAILABLE. The lines name the channel, not the cause: KAFKA-015 (ISR below
//! the minimum, live), KAFKA-014 (no leader) and KAFKA-004 (a replication factor that leaves no
//! room for a broker to fail) find it. A Raft orderer's refusals are not counted — `no Raft
//! leader`, or a log with `orderer.consensus.etcdraft` lines around its "because of consenter
//! error" (a channel electing its leader): they have nothing to do with Kafka.

use crate::checks::Check;
use crate::checks::logs::{Cause, evaluate};
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;
use crate::inventory::logs::Signature;

pub struct KafkaIsr;

const CAUSE: Cause = Cause {
    checks: &["KAFKA-015", "KAFKA-014", "KAFKA-004"],
    text: "KAFKA-015 (a channel partition with fewer in-sync replicas than min.insync.replicas), KAFKA-014 (a partition without a leader) or KAFKA-004 (a replication factor with no room for a broker to fail)",
};

impl Check for KafkaIsr {
    fn id(&self) -> &'static str {
        "LOG-003"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        evaluate(inv, Signature::KafkaIsr, &CAUSE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::logs::testing::*;
    use crate::finding::Status;

    #[test]
    fn a_raft_orderer_refusing_delivery_while_a_channel_elects_is_not_kafka() {
        // A 1.4.12 Raft orderer right after `peer channel create` (seen with the real binary):
        // the deliver refusal does not name Raft, the orderer's other lines do.
        let raft: &[&str] = &[
            "2026-12-04 09:20:01.100 UTC [orderer.consensus.etcdraft] HandleChain -> INFO 01a EtcdRaft type detected, starting new raft node channel=mychannel node=1",
            "2026-12-04 09:20:01.200 UTC [common.deliver] deliverBlocks -> WARN 01b [channel: mychannel] Rejecting deliver request for 127.0.0.1:51330 because of consenter error",
            "2026-12-04 09:20:02.300 UTC [orderer.consensus.etcdraft] serveRequest -> INFO 01c Raft leader changed: 0 -> 2 channel=mychannel node=1",
        ];
        let out = KafkaIsr.evaluate(&ctx(), &with_logs(&[("ord/orderer0/orderer", raft)]));
        assert!(
            !statuses(&out).contains(&Status::Fail),
            "{:?}",
            out.iter().map(|o| &o.message).collect::<Vec<_>>()
        );
        // The same refusal from a Kafka orderer is LOG-003's.
        let kafka: &[&str] = &[
            "2019-09-24 08:40:00.000 UTC [orderer.consensus.kafka] startThread -> INFO 0e0 [channel: mychannel] Setting up the producer for this channel...",
            "2019-09-24 08:40:00.100 UTC [common.deliver] deliverBlocks -> WARN 0e2 [channel: mychannel] Rejecting deliver request for 10.0.0.8:51002 because of consenter error",
        ];
        let out = KafkaIsr.evaluate(&ctx(), &with_logs(&[("ord/orderer0/orderer", kafka)]));
        assert_eq!(statuses(&out), vec![Status::Fail]);
    }

    #[test]
    fn orderer_and_broker_lines_fail_per_source_with_channels() {
        let orderer: &[&str] = &[
            "2019-09-24 08:40:00.100 UTC [orderer.common.broadcast] ProcessMessage -> WARN 0e2 [channel: mychannel] Rejecting broadcast of normal message from 10.0.0.8:51002 with SERVICE_UNAVAILABLE: rejected by Consenter: backing Kafka cluster has not completed booting; try again later",
            "2019-09-24 08:41:00.100 UTC [orderer.consensus.kafka] processMessagesToBlocks -> ERRO 0e3 [channel: otherchannel] Error during consumption: kafka server: Messages are rejected since there are fewer in-sync replicas than required.",
        ];
        let broker: &[&str] = &[
            "[2019-09-24 08:39:59,001] ERROR [ReplicaManager broker=1] Error processing append operation on partition mychannel-0 (kafka.server.ReplicaManager)",
            "org.apache.kafka.common.errors.NotEnoughReplicasException: The size of the current ISR Set(1) is insufficient to satisfy the min.isr requirement of 2 for partition mychannel-0",
        ];
        let out = KafkaIsr.evaluate(
            &ctx(),
            &with_logs(&[
                ("kafka/kafka1/kafka", broker),
                ("ord/orderer0/orderer", orderer),
            ]),
        );
        assert_eq!(statuses(&out), vec![Status::Fail, Status::Fail]);
        assert_eq!(out[0].target.name, "kafka/kafka1/kafka");
        assert_eq!(out[0].evidence["count"], 1);
        assert_eq!(out[0].evidence["first"], "2019-09-24T08:39:59.001");
        assert!(
            out[0].message.contains("at 2019-09-24 08:39:59:"),
            "{}",
            out[0].message
        );
        assert_eq!(
            out[1].evidence["channels"],
            serde_json::json!(["mychannel", "otherchannel"])
        );
        assert!(out[1].message.contains("fabcheck explain KAFKA-015"));
    }

    #[test]
    fn raft_leaderless_orderers_pass() {
        let out = KafkaIsr.evaluate(
            &ctx(),
            &with_logs(&[(
                "ord/orderer0/orderer",
                &["2021-03-04 10:11:12.123 UTC [orderer.common.broadcast] ProcessMessage -> WARN 0a1 [channel: mychannel] Rejecting broadcast of config message from 10.0.0.8:1 with SERVICE_UNAVAILABLE: rejected by Consenter: no Raft leader"],
            )]),
        );
        assert_eq!(statuses(&out), vec![Status::Pass]);
    }
}
