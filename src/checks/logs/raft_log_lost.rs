//! LOG-007 `raft-log-lost`: logs show an etcdraft orderer whose Raft log is behind what the
//! cluster committed: `tocommit(5) is out of range [lastIndex(3)]. Was the raft log corrupted,
//! truncated, or lost?` — etcd/raft panics, and the orderer crash-loops.
//!
//! The consenter's write-ahead log (`Consensus.WALDir`, by default under
//! `/var/hyperledger/production/orderer/etcdraft`) did not survive: an emptyDir that a pod
//! reschedule emptied, a volume recreated, a restore of an older backup. Seen for real on a
//! StatefulSet with emptyDir storage after `kubectl delete pod orderer0-0`. The orderer cannot
//! rejoin on its own; the storage is the cause, and the fix is persistent volumes.

use crate::checks::Check;
use crate::checks::logs::{Cause, evaluate};
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;
use crate::inventory::logs::Signature;

pub struct RaftLogLost;

/// No static check sees a volume vanish: the explanation is this check's own.
const CAUSE: Cause = Cause {
    checks: &["LOG-007"],
    text: "LOG-007 (the orderer's Raft write-ahead log, Consensus.WALDir, was on storage that \
           did not survive the pod)",
};

impl Check for RaftLogLost {
    fn id(&self) -> &'static str {
        "LOG-007"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        evaluate(inv, Signature::RaftLogLost, &CAUSE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::logs::testing::*;
    use crate::finding::Status;

    #[test]
    fn a_lost_raft_log_fails_with_its_channel() {
        let lines: &[&str] = &[
            "2026-12-04 08:58:02.114 UTC [orderer.consensus.etcdraft] Start -> INFO 02a Starting raft node as part of a new channel channel=mychannel node=1",
            "2026-12-04 08:58:02.311 UTC [orderer.consensus.etcdraft] commitTo -> PANI 02b tocommit(5) is out of range [lastIndex(3)]. Was the raft log corrupted, truncated, or lost? channel=mychannel node=1",
            "panic: tocommit(5) is out of range [lastIndex(3)]. Was the raft log corrupted, truncated, or lost?",
        ];
        let out = RaftLogLost.evaluate(&ctx(), &with_logs(&[("ord/orderer0/orderer", lines)]));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert_eq!(out[0].evidence["count"], 2);
        assert_eq!(
            out[0].evidence["channels"],
            serde_json::json!(["mychannel"])
        );
        let healthy: &[&str] = &[
            "2026-12-04 08:58:02.114 UTC [orderer.consensus.etcdraft] Start -> INFO 02a Starting raft node as part of a new channel channel=mychannel node=1",
        ];
        let out = RaftLogLost.evaluate(&ctx(), &with_logs(&[("ord/orderer0/orderer", healthy)]));
        assert!(!statuses(&out).contains(&Status::Fail));
    }
}
