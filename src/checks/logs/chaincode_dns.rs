//! LOG-004 `chaincode-dns`: logs show failed DNS lookups of Fabric names: `dial tcp: lookup
//! peer0.org1 on 10.0.0.2:53: no such host`, `server misbehaving`, an `i/o timeout` on :53.
//!
//! A chaincode container launched through the node's docker.sock lives outside Kubernetes and
//! asks the Docker daemon's resolver, which knows nothing of `peer0.org1`; with
//! chaincode-as-a-service the peer is the one that must resolve the chaincode. The line names
//! the server that was asked, which says whose resolver it was: DNS-001 (cluster DNS missing),
//! DNS-002 (a search list that cannot complete the name) and DNS-008 (the name does not
//! resolve, live) find why. An orderer failing to look up another orderer (Raft cluster or
//! Kafka client traffic, `[orderer.common.cluster]` / `[orderer.consensus.*]` lines) is the
//! ordering service's own resolver, not chaincode's, and is not counted here.

use crate::checks::Check;
use crate::checks::logs::{Cause, evaluate};
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;
use crate::inventory::logs::Signature;

pub struct ChaincodeDns;

const CAUSE: Cause = Cause {
    checks: &["DNS-008", "DNS-001", "DNS-002"],
    text: "DNS-008 (the name does not resolve where chaincode runs), DNS-001 (chaincode not using the cluster DNS) or DNS-002 (a search list that cannot complete the name)",
};

impl Check for ChaincodeDns {
    fn id(&self) -> &'static str {
        "LOG-004"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        evaluate(inv, Signature::ChaincodeDns, &CAUSE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::logs::testing::*;
    use crate::finding::Status;

    #[test]
    fn an_orderer_looking_up_another_orderer_is_not_chaincode_dns() {
        let raft: &[&str] = &[
            "2026-12-04 09:21:03.101 UTC [orderer.consensus.etcdraft] logSendFailure -> ERRO 02f Failed to send StepRequest to 2, because: rpc error: code = Unavailable desc = all SubConns are in TransientFailure, latest connection error: connection error: desc = \"transport: Error while dialing dial tcp: lookup orderer1.orgorderer1 on 10.96.0.10:53: no such host\" channel=mychannel node=1",
            "2026-12-04 09:21:04.200 UTC [orderer.common.cluster] updateStubInMapping -> WARN 030 Failed connecting to {orderer2.orgorderer1:7050}: dial tcp: lookup orderer2.orgorderer1 on 10.96.0.10:53: no such host",
        ];
        let out = ChaincodeDns.evaluate(&ctx(), &with_logs(&[("ord/orderer0/orderer", raft)]));
        assert!(
            !statuses(&out).contains(&Status::Fail),
            "{:?}",
            out.iter().map(|o| &o.message).collect::<Vec<_>>()
        );
    }

    #[test]
    fn failed_lookups_fail_with_names_and_servers() {
        let lines: &[&str] = &[
            r#"2019-09-24 08:37:21.527 UTC [grpc] createTransport -> WARN 002 grpc: addrConn.createTransport failed to connect to {peer0.org1:7052 0  <nil>}. Err :connection error: desc = "transport: Error while dialing dial tcp: lookup peer0.org1 on 10.0.0.2:53: no such host". Reconnecting..."#,
            "2019-09-24 08:37:24.530 UTC [shim] userChaincodeStreamGetter -> ERRO 003 context deadline exceeded: dial tcp: lookup peer0.org1 on 192.168.0.1:53: read udp 172.17.0.3:45821->192.168.0.1:53: i/o timeout",
        ];
        let out = ChaincodeDns.evaluate(&ctx(), &with_logs(&[("org1/dev-peer0-mycc/cc", lines)]));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        let f = &out[0];
        assert_eq!(f.evidence["count"], 2);
        assert_eq!(f.evidence["names"], serde_json::json!(["peer0.org1"]));
        assert_eq!(
            f.evidence["dns_servers"],
            serde_json::json!(["10.0.0.2:53", "192.168.0.1:53"])
        );
        assert!(
            f.message.contains("fabcheck explain DNS-008"),
            "{}",
            f.message
        );
    }

    #[test]
    fn other_dial_errors_pass() {
        let out = ChaincodeDns.evaluate(
            &ctx(),
            &with_logs(&[(
                "org1/dev-peer0-mycc/cc",
                &["2019-09-24 08:37:21.527 UTC [grpc] createTransport -> WARN 002 grpc: addrConn.createTransport failed to connect: dial tcp 10.0.0.3:7052: connect: connection refused"],
            )]),
        );
        assert_eq!(statuses(&out), vec![Status::Pass]);
    }
}
