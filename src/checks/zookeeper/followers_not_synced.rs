//! ZK-006 `followers-not-synced`: the leader must have every voting follower in sync, and all
//! servers must agree on the quorum size.
//!
//! The leader's `mntr` reports `zk_synced_followers` (voting followers only; observers are
//! counted apart). The expected number is the ensemble's participants minus the leader, from
//! the leader's own `conf` server list — the ensemble as ZooKeeper sees it, which may be larger
//! than the endpoints given — falling back to the leader's `zk_quorum_size` (voting members)
//! and last to the number of endpoints given. Whether there is a single leader at all is
//! ZK-005's question; without one this check skips.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::no_quorum::{
    NOTHING_PROBED, WHITELIST_FIX, ensemble_target, modes_evidence, refused, versions_evidence,
};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::live::{ZkMode, ZkNodeState, ZkObservation};

pub struct FollowersNotSynced;

impl Check for FollowersNotSynced {
    fn id(&self) -> &'static str {
        "ZK-006"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let live = &inv.live.zookeeper;
        if live.is_empty() {
            return nothing_to_check(inv, NOTHING_PROBED);
        }
        vec![evaluate(live)]
    }
}

fn evaluate(live: &[ZkObservation]) -> Outcome {
    let outcome = |status, message: String| {
        Outcome::new(status, ensemble_target(live), message)
            .with("modes", modes_evidence(live))
            .with("versions", versions_evidence(live))
    };
    let serving: Vec<(&str, &ZkNodeState)> = live
        .iter()
        .filter_map(|o| Some((o.endpoint.as_str(), o.result.as_ref().ok()?)))
        .filter(|(_, s)| s.serving)
        .collect();
    let leaders: Vec<&(&str, &ZkNodeState)> = serving
        .iter()
        .filter(|(_, s)| s.mode == Some(ZkMode::Leader))
        .collect();
    let &[&(leader, state)] = leaders.as_slice() else {
        let lone_standalone = live.len() == 1
            && serving
                .first()
                .is_some_and(|(_, s)| s.mode == Some(ZkMode::Standalone));
        let why = if lone_standalone {
            "a standalone server has no followers to sync".to_owned()
        } else {
            format!(
                "{} reachable leaders, so no leader to ask (see ZK-005)",
                leaders.len()
            )
        };
        return outcome(Status::Skip, why);
    };

    if refused(state, "mntr") {
        return outcome(
            Status::Error,
            format!(
                "could not evaluate: the leader {leader} refuses mntr (not in 4lw.commands.whitelist); {WHITELIST_FIX}"
            ),
        )
        .with("leader", leader);
    }
    if let Some(why) = state.unanswered.get("mntr") {
        return outcome(
            Status::Error,
            format!("could not evaluate: the leader did not answer mntr: {why}"),
        )
        .with("leader", leader);
    }
    let Some(synced) = number(state, "zk_synced_followers") else {
        return outcome(
            Status::Error,
            format!(
                "could not evaluate: the leader {leader}'s mntr has no numeric zk_synced_followers"
            ),
        )
        .with("leader", leader);
    };

    let participants = state
        .servers
        .values()
        .filter(|entry| !is_observer(entry))
        .count();
    let (size, size_from) = if participants > 0 {
        (
            participants as u64,
            format!("the conf server list of {leader}"),
        )
    } else if let Some(q) = number(state, "zk_quorum_size") {
        (
            q,
            format!("zk_quorum_size of {leader} (conf not available)"),
        )
    } else {
        (
            live.len() as u64,
            "the endpoints given (conf not available)".to_owned(),
        )
    };
    let expected = size.saturating_sub(1);

    // Every server that reports a quorum size must report the same one.
    let quorum_sizes: BTreeMap<&str, &str> = serving
        .iter()
        .filter_map(|(ep, s)| Some((*ep, s.mntr.get("zk_quorum_size")?.as_str())))
        .collect();
    let distinct: BTreeSet<&str> = quorum_sizes.values().copied().collect();

    let mut problems = Vec::new();
    if synced < expected {
        problems.push(format!(
            "the leader {leader} has {synced} of {expected} followers in sync (ensemble of {size} from {size_from})"
        ));
    }
    if distinct.len() > 1 {
        let each: Vec<String> = quorum_sizes
            .iter()
            .map(|(ep, q)| format!("{ep}={q}"))
            .collect();
        problems.push(format!(
            "servers report different quorum sizes ({}): their configurations differ",
            each.join(", ")
        ));
    }
    let (status, message) = if problems.is_empty() {
        (
            Status::Pass,
            format!(
                "the leader {leader} has all {expected} followers in sync (ensemble of {size})"
            ),
        )
    } else {
        (Status::Warn, problems.join("; "))
    };
    outcome(status, message)
        .with("leader", leader)
        .with("synced_followers", synced)
        .with("expected_synced_followers", expected)
        .with("ensemble_size", size)
        .with("ensemble_size_from", size_from)
        .with("quorum_sizes", json!(quorum_sizes))
}

fn number(state: &ZkNodeState, key: &str) -> Option<u64> {
    state.mntr.get(key)?.trim().parse().ok()
}

/// Whether a `conf` server entry (`host:2888:3888:observer;0.0.0.0:2181`) is an observer.
/// Entries without a role are participants, as ZooKeeper reads them.
fn is_observer(entry: &str) -> bool {
    let addresses = entry.split(';').next().unwrap_or(entry);
    addresses
        .rsplit(':')
        .next()
        .is_some_and(|role| role.trim().eq_ignore_ascii_case("observer"))
}

#[cfg(test)]
mod tests {
    use super::super::no_quorum::testing::*;
    use super::*;
    use crate::inventory::live::ZkMode::*;

    fn run(live: Vec<ZkObservation>) -> Vec<Outcome> {
        let ctx = Context::at(time::macros::datetime!(2026-01-01 0:00 UTC));
        FollowersNotSynced.evaluate(&ctx, &inventory(live))
    }

    fn leader(ep: &str, synced: u32, servers: &[&str]) -> ZkObservation {
        with_state(node(ep, Leader), |s| {
            s.mntr
                .insert("zk_synced_followers".into(), synced.to_string());
            s.mntr.insert("zk_quorum_size".into(), "3".into());
            for (i, entry) in servers.iter().enumerate() {
                s.servers.insert(i as u32 + 1, (*entry).to_owned());
            }
        })
    }

    fn follower(ep: &str, quorum_size: &str) -> ZkObservation {
        with_state(node(ep, Follower), |s| {
            s.mntr
                .insert("zk_quorum_size".into(), quorum_size.to_owned());
        })
    }

    const THREE: [&str; 3] = [
        "127.0.0.1:2888:3888:participant",
        "127.0.0.2:2888:3888:participant",
        "127.0.0.3:2888:3888:participant",
    ];

    #[test]
    fn all_followers_synced_passes() {
        let out = run(vec![
            leader("a:1", 2, &THREE),
            follower("b:1", "3"),
            follower("c:1", "3"),
        ]);
        assert_eq!(out.len(), 1);
        let o = &out[0];
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.evidence["synced_followers"], 2);
        assert_eq!(o.evidence["expected_synced_followers"], 2);
        assert_eq!(o.evidence["leader"], "a:1");
        assert_eq!(o.target.locator.as_deref(), Some("ensemble"));
    }

    #[test]
    fn a_lagging_follower_warns_with_the_numbers() {
        let out = run(vec![
            leader("a:1", 1, &THREE),
            follower("b:1", "3"),
            unreachable("c:1"),
        ]);
        let o = &out[0];
        assert_eq!(o.status, Status::Warn);
        assert!(
            o.message.contains("has 1 of 2 followers in sync"),
            "{}",
            o.message
        );
        assert_eq!(o.evidence["modes"]["c:1"], "unreachable");
    }

    #[test]
    fn the_ensemble_size_comes_from_conf_not_the_endpoints_given() {
        // Two endpoints given, but the leader's conf lists five participants and an observer.
        let five: Vec<String> = (1..=5)
            .map(|i| format!("zk{i}:2888:3888:participant"))
            .chain(["zk6:2888:3888:observer;0.0.0.0:2181".to_owned()])
            .collect();
        let five: Vec<&str> = five.iter().map(String::as_str).collect();
        let out = run(vec![leader("a:1", 3, &five), follower("b:1", "3")]);
        assert_eq!(out[0].status, Status::Warn);
        assert_eq!(out[0].evidence["expected_synced_followers"], 4);
        assert_eq!(out[0].evidence["ensemble_size"], 5);
    }

    #[test]
    fn without_conf_the_quorum_size_then_the_endpoints_count() {
        let out = run(vec![
            leader("a:1", 2, &[]),
            follower("b:1", "3"),
            follower("c:1", "3"),
        ]);
        assert_eq!(out[0].status, Status::Pass);
        assert!(
            out[0].evidence["ensemble_size_from"]
                .as_str()
                .unwrap()
                .starts_with("zk_quorum_size")
        );
        let bare = with_state(leader("a:1", 1, &[]), |s| {
            s.mntr.remove("zk_quorum_size");
        });
        let out = run(vec![bare, node("b:1", Follower), node("c:1", Follower)]);
        assert_eq!(out[0].status, Status::Warn);
        assert_eq!(
            out[0].evidence["ensemble_size_from"],
            "the endpoints given (conf not available)"
        );
    }

    #[test]
    fn differing_quorum_sizes_warn() {
        let out = run(vec![
            leader("a:1", 2, &THREE),
            follower("b:1", "3"),
            follower("c:1", "5"),
        ]);
        assert_eq!(out[0].status, Status::Warn);
        assert!(
            out[0].message.contains("a:1=3, b:1=3, c:1=5"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn no_single_leader_skips() {
        let out = run(vec![
            not_serving("a:1"),
            unreachable("b:1"),
            unreachable("c:1"),
        ]);
        assert_eq!(out[0].status, Status::Skip);
        assert!(out[0].message.contains("ZK-005"));
        let out = run(vec![node("a:1", Standalone)]);
        assert_eq!(out[0].status, Status::Skip);
        assert!(out[0].message.contains("standalone"));
        assert_eq!(run(vec![])[0].status, Status::Skip);
    }

    #[test]
    fn a_leader_refusing_mntr_is_an_error_with_the_fix() {
        let l = with_state(leader("a:1", 2, &THREE), |s| {
            s.mntr.clear();
            s.not_whitelisted = vec!["mntr".into(), "conf".into()];
        });
        let out = run(vec![l, node("b:1", Follower), node("c:1", Follower)]);
        assert_eq!(out[0].status, Status::Error);
        assert!(
            out[0]
                .message
                .contains("4lw.commands.whitelist=srvr,mntr,conf,ruok")
        );
        let garbled = with_state(leader("a:1", 2, &THREE), |s| {
            s.mntr.insert("zk_synced_followers".into(), "two".into());
        });
        assert_eq!(run(vec![garbled])[0].status, Status::Error);
    }

    #[test]
    fn observer_entries_are_recognised() {
        assert!(is_observer("zk6:2888:3888:observer"));
        assert!(is_observer("zk6:2888:3888:observer;0.0.0.0:2181"));
        assert!(!is_observer("zk1:2888:3888:participant;zk1:2181"));
        assert!(!is_observer("zk1:2888:3888"));
        assert!(!is_observer("[::1]:2888:3888"));
    }
}
