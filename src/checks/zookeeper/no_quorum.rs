//! ZK-005 `no-quorum`: the running ensemble must have exactly one leader, every other server
//! following it, and every server serving requests.
//!
//! The verdict comes from `srvr` (`Mode:`) — or `mntr`'s `zk_server_state` where `srvr` is
//! refused — never from `ruok`, which answers `imok` even from a server outside any quorum.
//! One outcome judges the ensemble (target: the endpoints joined by commas, locator
//! `ensemble`); with more than one endpoint, one more per endpoint names the server that is
//! unreachable, out of quorum or in the wrong role, so the table and waivers can point at it.
//!
//! The helpers at the bottom are shared with ZK-006, which reads the same observations.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::{ZkMode, ZkNodeState, ZkObservation};
use crate::probe::ProbeError;

pub struct NoQuorum;

/// What the `nothing_to_check` skip says is missing.
pub(super) const NOTHING_PROBED: &str = "live ZooKeeper servers (--zookeeper)";

/// The remediation for refused four-letter words, quoted in every such `error`.
pub(super) const WHITELIST_FIX: &str = "add 4lw.commands.whitelist=srvr,mntr,conf,ruok to every server's zoo.cfg (ZOO_4LW_COMMANDS_WHITELIST in the official image) and restart it";

impl Check for NoQuorum {
    fn id(&self) -> &'static str {
        "ZK-005"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let live = &inv.live.zookeeper;
        if live.is_empty() {
            return nothing_to_check(inv, NOTHING_PROBED);
        }
        evaluate(live)
    }
}

/// How one server looked to the probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen<'a> {
    Unreachable(&'a ProbeError),
    /// Answered "not currently serving requests": outside any quorum.
    NotServing,
    /// Refused both `srvr` and `mntr`: its role cannot be known.
    Refused,
    /// Answered, but neither `srvr` nor `mntr` named a role (lost answers, not ZooKeeper).
    NoRole,
    Role(Role<'a>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role<'a> {
    Leader,
    Follower,
    Observer,
    Standalone,
    /// A mode [`ZkMode`] does not name, such as `read-only`.
    Other(&'a str),
}

fn seen(obs: &ZkObservation) -> Seen<'_> {
    let state = match &obs.result {
        Err(e) => return Seen::Unreachable(e),
        Ok(s) => s,
    };
    if !state.serving {
        return Seen::NotServing;
    }
    match (state.mode, state.mode_text.as_deref()) {
        (Some(ZkMode::Leader), _) => Seen::Role(Role::Leader),
        (Some(ZkMode::Follower), _) => Seen::Role(Role::Follower),
        (Some(ZkMode::Observer), _) => Seen::Role(Role::Observer),
        (Some(ZkMode::Standalone), _) => Seen::Role(Role::Standalone),
        (None, Some(text)) => Seen::Role(Role::Other(text)),
        (None, None) if refused(state, "srvr") => Seen::Refused,
        (None, None) => Seen::NoRole,
    }
}

pub(super) fn refused(state: &ZkNodeState, word: &str) -> bool {
    state.not_whitelisted.iter().any(|w| w == word)
}

/// The ensemble verdict, then one outcome per endpoint.
fn evaluate(live: &[ZkObservation]) -> Vec<Outcome> {
    let seen: Vec<(&str, Seen)> = live
        .iter()
        .map(|o| (o.endpoint.as_str(), seen(o)))
        .collect();
    let with = |pred: &dyn Fn(&Seen) -> bool| -> Vec<&str> {
        seen.iter()
            .filter(|(_, s)| pred(s))
            .map(|(ep, _)| *ep)
            .collect()
    };
    let total = seen.len();
    let unreachable = with(&|s| matches!(s, Seen::Unreachable(_)));
    let not_serving = with(&|s| matches!(s, Seen::NotServing));
    let refusing = with(&|s| matches!(s, Seen::Refused));
    let no_role = with(&|s| matches!(s, Seen::NoRole));
    let leaders = with(&|s| matches!(s, Seen::Role(Role::Leader)));
    let followers = with(&|s| matches!(s, Seen::Role(Role::Follower | Role::Observer)));
    let outsiders = with(&|s| matches!(s, Seen::Role(Role::Standalone | Role::Other(_))));
    let reachable = total - unreachable.len();
    let lone_standalone = total == 1 && matches!(seen[0].1, Seen::Role(Role::Standalone));

    let imok: Vec<&str> = not_serving
        .iter()
        .copied()
        .filter(|ep| ruok_of(live, ep) == Some("imok"))
        .collect();
    let unreachable_note = || {
        let reasons: Vec<String> = live
            .iter()
            .filter_map(|o| o.result.as_ref().err().map(|e| e.to_string()))
            .collect();
        reasons.join("; ")
    };

    let (status, message) = if reachable == 0 && total == 1 {
        (
            Status::Error,
            format!(
                "could not reach the ZooKeeper server: {}",
                unreachable_note()
            ),
        )
    } else if reachable == 0 {
        (
            Status::Error,
            format!(
                "could not reach any of the {total} ZooKeeper servers ({}): {}",
                unreachable.join(", "),
                unreachable_note()
            ),
        )
    } else if !not_serving.is_empty() {
        let mut m = format!(
            "no quorum: {} of {total} servers not currently serving requests ({})",
            not_serving.len(),
            not_serving.join(", ")
        );
        if !imok.is_empty() {
            m += &format!(
                "; ruok still answers imok from {} — ruok is no health check",
                imok.join(", ")
            );
        }
        if !unreachable.is_empty() {
            m += &format!("; {} unreachable", unreachable.join(", "));
        }
        (Status::Fail, m)
    } else if leaders.len() > 1 {
        (
            Status::Fail,
            format!(
                "{} servers claim to lead ({}): the servers form more than one ensemble",
                leaders.len(),
                leaders.join(", ")
            ),
        )
    } else if !refusing.is_empty() {
        (
            Status::Error,
            format!(
                "could not evaluate: {} refuse srvr and mntr (not in 4lw.commands.whitelist), so their role is unknown; {WHITELIST_FIX}",
                refusing.join(", ")
            ),
        )
    } else if !no_role.is_empty() {
        (
            Status::Error,
            format!(
                "could not evaluate: {} answered without naming a role (srvr/mntr: {})",
                no_role.join(", "),
                no_role
                    .iter()
                    .map(|ep| lost_answers(live, ep))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )
    } else if lone_standalone {
        (
            Status::Pass,
            format!(
                "{} runs standalone: serving, but a single server has no fault tolerance (see ZK-001)",
                seen[0].0
            ),
        )
    } else if !outsiders.is_empty() {
        let modes: Vec<String> = outsiders
            .iter()
            .map(|ep| format!("{ep} is {}", mode_label(live, ep)))
            .collect();
        (
            Status::Fail,
            format!(
                "{} outside the ensemble{}",
                modes.join(", "),
                match leaders.first() {
                    Some(l) => format!(" led by {l}"),
                    None => String::new(),
                }
            ),
        )
    } else if leaders.is_empty() {
        // A follower serves only while it follows a live leader, so a quorum exists; its
        // leader is a server that could not be asked or was not named. Without it the
        // ensemble cannot be confirmed healthy, nor called leaderless: a warning.
        let whereabouts = if unreachable.is_empty() {
            let listed = conf_members(live)
                .map(|m| format!(" (their conf lists {m} servers)"))
                .unwrap_or_default();
            let given = if total == 1 {
                "the endpoint given".to_owned()
            } else {
                format!("the {total} endpoints given")
            };
            format!("not among {given}{listed}")
        } else {
            format!(
                "unreachable ({}) or not among the endpoints given",
                unreachable.join(", ")
            )
        };
        let mut m = format!(
            "{reachable} of {total} servers reachable, all following: a quorum exists, but its leader is {whereabouts}; give every server's endpoint to check the whole ensemble"
        );
        if !unreachable.is_empty() {
            m += &format!(": {}", unreachable_note());
        }
        (Status::Warn, m)
    } else if !unreachable.is_empty() {
        (
            Status::Warn,
            format!(
                "quorum holds with {reachable} of {total} servers reachable (leader {}); fault tolerance is reduced: {}",
                leaders[0],
                unreachable_note()
            ),
        )
    } else {
        (
            Status::Pass,
            format!(
                "leader {}, {} following; all {total} servers serving",
                leaders[0],
                followers.len()
            ),
        )
    };

    let mut ensemble = Outcome::new(status, ensemble_target(live), message)
        .with("servers", total)
        .with("reachable", reachable)
        .with("modes", modes_evidence(live))
        .with("ruok", ruok_evidence(live))
        .with("versions", versions_evidence(live));
    if let Some(l) = leaders.first().filter(|_| leaders.len() == 1) {
        ensemble = ensemble.with("leader", *l);
    }
    let refused_words = not_whitelisted_evidence(live);
    if !refused_words.is_empty() {
        ensemble = ensemble.with("not_whitelisted", json!(refused_words));
    }

    let mut out = vec![ensemble];
    if total == 1 {
        // The ensemble outcome already names the one endpoint; a second finding would repeat it.
        return out;
    }
    out.extend(
        live.iter()
            .zip(&seen)
            .map(|(obs, (_, s))| endpoint_outcome(obs, *s, status, leaders.len(), lone_standalone)),
    );
    out
}

/// One endpoint's outcome, consistent with the ensemble's: an unreachable server is a `warn`
/// while the quorum holds without it, and an `error` (could not evaluate) otherwise.
fn endpoint_outcome(
    obs: &ZkObservation,
    seen: Seen,
    ensemble: Status,
    leaders: usize,
    lone_standalone: bool,
) -> Outcome {
    let (status, message) = match seen {
        Seen::Unreachable(e) if ensemble == Status::Warn => {
            (Status::Warn, format!("{e} (the quorum holds without it)"))
        }
        Seen::Unreachable(e) => (Status::Error, e.to_string()),
        Seen::NotServing => {
            let ruok = obs.result.as_ref().ok().and_then(|s| s.ruok.as_deref());
            let m = match ruok {
                Some(r) => {
                    format!("not currently serving requests (no quorum), though ruok answers {r}")
                }
                None => "not currently serving requests (no quorum)".to_owned(),
            };
            (Status::Fail, m)
        }
        Seen::Refused => (
            Status::Error,
            format!(
                "could not evaluate: srvr and mntr are not in 4lw.commands.whitelist; {WHITELIST_FIX}"
            ),
        ),
        Seen::NoRole => (
            Status::Error,
            format!(
                "could not evaluate: no role in the answers (srvr/mntr: {})",
                lost_answers(std::slice::from_ref(obs), &obs.endpoint)
            ),
        ),
        Seen::Role(Role::Leader) if leaders > 1 => {
            (Status::Fail, format!("leader, one of {leaders}"))
        }
        Seen::Role(Role::Leader) => (Status::Pass, "leader".to_owned()),
        Seen::Role(Role::Follower) => (Status::Pass, "follower".to_owned()),
        Seen::Role(Role::Observer) => (Status::Pass, "observer (non-voting)".to_owned()),
        Seen::Role(Role::Standalone) if lone_standalone => (Status::Pass, "standalone".to_owned()),
        Seen::Role(Role::Standalone) => (
            Status::Fail,
            "standalone: not a member of the ensemble the other servers form".to_owned(),
        ),
        Seen::Role(Role::Other(mode)) => (
            Status::Fail,
            format!("mode {mode}: not serving as a quorum member"),
        ),
    };
    let mut o = Outcome::new(
        status,
        Target::new(TargetKind::Endpoint, obs.endpoint.clone()),
        message,
    )
    .with("mode", mode_label(std::slice::from_ref(obs), &obs.endpoint));
    if let Ok(state) = &obs.result {
        if let Some(r) = &state.ruok {
            o = o.with("ruok", r.as_str());
        }
        if let Some(v) = &state.version {
            o = o.with("version", v.as_str());
        }
        if let Some(id) = state.server_id {
            o = o.with("server_id", id);
        }
        if !state.not_whitelisted.is_empty() {
            o = o.with("not_whitelisted", json!(state.not_whitelisted));
        }
    }
    o
}

fn ruok_of<'a>(live: &'a [ZkObservation], ep: &str) -> Option<&'a str> {
    live.iter()
        .find(|o| o.endpoint == ep)
        .and_then(|o| o.result.as_ref().ok())
        .and_then(|s| s.ruok.as_deref())
}

/// Why `srvr`/`mntr` gave no role, for the message.
fn lost_answers(live: &[ZkObservation], ep: &str) -> String {
    let Some(Ok(state)) = live.iter().find(|o| o.endpoint == ep).map(|o| &o.result) else {
        return "no answer".to_owned();
    };
    let lost: Vec<&str> = ["srvr", "mntr"]
        .iter()
        .filter_map(|w| state.unanswered.get(*w).map(String::as_str))
        .collect();
    if lost.is_empty() {
        "answers named no mode".to_owned()
    } else {
        lost.join("; ")
    }
}

/// The most servers any reachable server's `conf` lists, when one lists any.
fn conf_members(live: &[ZkObservation]) -> Option<usize> {
    live.iter()
        .filter_map(|o| o.result.as_ref().ok())
        .map(|s| s.servers.len())
        .max()
        .filter(|&n| n > 0)
}

/// The ensemble as one target: every endpoint asked, joined by commas.
pub(super) fn ensemble_target(live: &[ZkObservation]) -> Target {
    let names: Vec<&str> = live.iter().map(|o| o.endpoint.as_str()).collect();
    Target::new(TargetKind::Endpoint, names.join(",")).with_locator(Some("ensemble".into()))
}

/// How one endpoint presented itself, in a word or two: `leader`, `not serving`, `unreachable`.
pub(super) fn mode_label(live: &[ZkObservation], ep: &str) -> String {
    let Some(obs) = live.iter().find(|o| o.endpoint == ep) else {
        return "unknown".to_owned();
    };
    match seen(obs) {
        Seen::Unreachable(_) => "unreachable".to_owned(),
        Seen::NotServing => "not serving".to_owned(),
        Seen::Refused => "unknown (srvr, mntr not whitelisted)".to_owned(),
        Seen::NoRole => "unknown".to_owned(),
        Seen::Role(Role::Other(text)) => text.to_owned(),
        Seen::Role(Role::Leader) => "leader".to_owned(),
        Seen::Role(Role::Follower) => "follower".to_owned(),
        Seen::Role(Role::Observer) => "observer".to_owned(),
        Seen::Role(Role::Standalone) => "standalone".to_owned(),
    }
}

/// `{endpoint: mode}` for every endpoint.
pub(super) fn modes_evidence(live: &[ZkObservation]) -> Value {
    let map: BTreeMap<&str, String> = live
        .iter()
        .map(|o| (o.endpoint.as_str(), mode_label(live, &o.endpoint)))
        .collect();
    json!(map)
}

/// `{endpoint: ruok answer}` for every endpoint that answered `ruok`.
pub(super) fn ruok_evidence(live: &[ZkObservation]) -> Value {
    let map: BTreeMap<&str, &str> = live
        .iter()
        .filter_map(|o| {
            Some((
                o.endpoint.as_str(),
                o.result.as_ref().ok()?.ruok.as_deref()?,
            ))
        })
        .collect();
    json!(map)
}

/// `{endpoint: version}` for every endpoint that named its version.
pub(super) fn versions_evidence(live: &[ZkObservation]) -> Value {
    let map: BTreeMap<&str, &str> = live
        .iter()
        .filter_map(|o| {
            Some((
                o.endpoint.as_str(),
                o.result.as_ref().ok()?.version.as_deref()?,
            ))
        })
        .collect();
    json!(map)
}

/// `{endpoint: [refused words]}` for every endpoint that refused some.
pub(super) fn not_whitelisted_evidence(live: &[ZkObservation]) -> BTreeMap<&str, &[String]> {
    live.iter()
        .filter_map(|o| {
            let s = o.result.as_ref().ok()?;
            (!s.not_whitelisted.is_empty())
                .then_some((o.endpoint.as_str(), s.not_whitelisted.as_slice()))
        })
        .collect()
}

/// Hand-built observations for the unit tests of ZK-005 and ZK-006.
#[cfg(test)]
pub(super) mod testing {
    use crate::inventory::Inventory;
    use crate::inventory::live::{ZkMode, ZkNodeState, ZkObservation};
    use crate::probe::ProbeError;

    pub fn node(ep: &str, mode: ZkMode) -> ZkObservation {
        let text = match mode {
            ZkMode::Leader => "leader",
            ZkMode::Follower => "follower",
            ZkMode::Observer => "observer",
            ZkMode::Standalone => "standalone",
        };
        let mut state = ZkNodeState {
            ruok: Some("imok".into()),
            mode: Some(mode),
            mode_text: Some(text.into()),
            serving: true,
            version: Some("3.8.0".into()),
            ..ZkNodeState::default()
        };
        state.mntr.insert("zk_server_state".into(), text.into());
        ZkObservation {
            endpoint: ep.into(),
            result: Ok(state),
        }
    }

    pub fn not_serving(ep: &str) -> ZkObservation {
        ZkObservation {
            endpoint: ep.into(),
            result: Ok(ZkNodeState {
                ruok: Some("imok".into()),
                serving: false,
                ..ZkNodeState::default()
            }),
        }
    }

    pub fn refusing_4lw(ep: &str) -> ZkObservation {
        ZkObservation {
            endpoint: ep.into(),
            result: Ok(ZkNodeState {
                ruok: Some("imok".into()),
                serving: true,
                not_whitelisted: vec!["srvr".into(), "mntr".into(), "conf".into()],
                ..ZkNodeState::default()
            }),
        }
    }

    pub fn unreachable(ep: &str) -> ZkObservation {
        ZkObservation {
            endpoint: ep.into(),
            result: Err(ProbeError::Connect {
                endpoint: ep.into(),
                reason: "connection refused".into(),
            }),
        }
    }

    pub fn with_state(mut obs: ZkObservation, f: impl FnOnce(&mut ZkNodeState)) -> ZkObservation {
        if let Ok(s) = &mut obs.result {
            f(s);
        }
        obs
    }

    pub fn inventory(live: Vec<ZkObservation>) -> Inventory {
        let mut inv = Inventory {
            source: "zookeeper:test".into(),
            ..Inventory::default()
        };
        inv.live.zookeeper = live;
        inv
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::inventory::live::ZkMode::*;

    fn run(live: Vec<ZkObservation>) -> Vec<Outcome> {
        let ctx = Context::at(time::macros::datetime!(2026-01-01 0:00 UTC));
        NoQuorum.evaluate(&ctx, &inventory(live))
    }

    fn statuses(out: &[Outcome]) -> Vec<Status> {
        out.iter().map(|o| o.status).collect()
    }

    #[test]
    fn one_leader_and_followers_pass() {
        let out = run(vec![
            node("a:1", Follower),
            node("b:1", Leader),
            node("c:1", Follower),
        ]);
        assert_eq!(statuses(&out), vec![Status::Pass; 4]);
        let e = &out[0];
        assert_eq!(e.target.name, "a:1,b:1,c:1");
        assert_eq!(e.target.locator.as_deref(), Some("ensemble"));
        assert_eq!(e.evidence["leader"], "b:1");
        assert_eq!(e.evidence["modes"]["a:1"], "follower");
        assert_eq!(e.evidence["versions"]["b:1"], "3.8.0");
        assert_eq!(out[2].target.name, "b:1");
    }

    #[test]
    fn an_unreachable_member_warns_while_the_quorum_holds() {
        let out = run(vec![
            node("a:1", Follower),
            node("b:1", Leader),
            unreachable("c:1"),
        ]);
        assert_eq!(
            statuses(&out),
            vec![Status::Warn, Status::Pass, Status::Pass, Status::Warn]
        );
        assert!(
            out[0].message.contains("2 of 3 servers reachable"),
            "{}",
            out[0].message
        );
        assert!(out[0].message.contains("c:1"));
        assert_eq!(out[0].evidence["modes"]["c:1"], "unreachable");
        assert_eq!(out[0].evidence["reachable"], 2);
    }

    #[test]
    fn followers_without_a_reachable_leader_still_mean_a_quorum() {
        let out = run(vec![
            node("a:1", Follower),
            node("b:1", Follower),
            unreachable("c:1"),
        ]);
        assert_eq!(out[0].status, Status::Warn);
        assert!(
            out[0].message.contains("its leader is unreachable (c:1)"),
            "{}",
            out[0].message
        );
        // Only some members named: a serving follower proves a leader exists elsewhere.
        let listing = |ep| {
            with_state(node(ep, Follower), |s| {
                for id in 1..=3 {
                    s.servers
                        .insert(id, format!("zk{id}:2888:3888:participant"));
                }
            })
        };
        let out = run(vec![listing("a:1"), listing("b:1")]);
        assert_eq!(out[0].status, Status::Warn);
        assert!(
            out[0]
                .message
                .contains("not among the 2 endpoints given (their conf lists 3 servers)"),
            "{}",
            out[0].message
        );
        assert_eq!(statuses(&out[1..]), vec![Status::Pass, Status::Pass]);
    }

    #[test]
    fn not_serving_fails_and_shows_the_imok_trap() {
        let out = run(vec![
            not_serving("a:1"),
            unreachable("b:1"),
            unreachable("c:1"),
        ]);
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0].message.contains("ruok still answers imok from a:1"),
            "{}",
            out[0].message
        );
        assert_eq!(out[0].evidence["ruok"]["a:1"], "imok");
        assert_eq!(out[0].evidence["modes"]["a:1"], "not serving");
        assert_eq!(
            statuses(&out[1..]),
            vec![Status::Fail, Status::Error, Status::Error]
        );
        assert!(out[1].message.contains("ruok answers imok"));
    }

    #[test]
    fn two_leaders_fail() {
        let out = run(vec![
            node("a:1", Leader),
            node("b:1", Leader),
            node("c:1", Follower),
        ]);
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0]
                .message
                .contains("2 servers claim to lead (a:1, b:1)"),
            "{}",
            out[0].message
        );
        assert_eq!(
            statuses(&out[1..]),
            vec![Status::Fail, Status::Fail, Status::Pass]
        );
    }

    #[test]
    fn everything_unreachable_is_an_error_naming_each_endpoint() {
        let out = run(vec![unreachable("a:1"), unreachable("b:1")]);
        assert_eq!(statuses(&out), vec![Status::Error; 3]);
        assert!(out[0].message.contains("a:1, b:1"), "{}", out[0].message);
        assert!(
            out[0]
                .message
                .contains("failed to connect to b:1: connection refused")
        );
        assert_eq!(
            out[2].message,
            "failed to connect to b:1: connection refused"
        );
    }

    #[test]
    fn refused_words_are_an_error_with_the_fix_never_a_guess() {
        let out = run(vec![
            refusing_4lw("a:1"),
            node("b:1", Leader),
            node("c:1", Follower),
        ]);
        assert_eq!(out[0].status, Status::Error);
        assert!(
            out[0]
                .message
                .contains("4lw.commands.whitelist=srvr,mntr,conf,ruok"),
            "{}",
            out[0].message
        );
        assert_eq!(out[1].status, Status::Error);
        assert_eq!(out[0].evidence["not_whitelisted"]["a:1"][0], "srvr");
    }

    #[test]
    fn srvr_alone_is_enough_for_the_role() {
        // ZooKeeper 3.8 always answers srvr; a list of "ruok" only refuses mntr and conf.
        let refusing_mntr = |ep, mode| {
            with_state(node(ep, mode), |s| {
                s.mntr.clear();
                s.not_whitelisted = vec!["mntr".into(), "conf".into()];
            })
        };
        let out = run(vec![
            refusing_mntr("a:1", Leader),
            refusing_mntr("b:1", Follower),
            refusing_mntr("c:1", Follower),
        ]);
        assert_eq!(out[0].status, Status::Pass);
        assert_eq!(out[0].evidence["not_whitelisted"]["a:1"][0], "mntr");
    }

    #[test]
    fn a_lone_standalone_server_passes_but_says_so() {
        let out = run(vec![node("a:1", Standalone)]);
        assert_eq!(statuses(&out), vec![Status::Pass]);
        assert!(out[0].message.contains("standalone"));
        let out = run(vec![
            node("a:1", Standalone),
            node("b:1", Leader),
            node("c:1", Follower),
        ]);
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0]
                .message
                .contains("a:1 is standalone outside the ensemble led by b:1"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn unknown_modes_and_lost_answers() {
        let ro = with_state(node("a:1", Follower), |s| {
            s.mode = None;
            s.mode_text = Some("read-only".into());
        });
        let out = run(vec![ro, node("b:1", Leader), node("c:1", Follower)]);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("a:1 is read-only"));
        let lost = with_state(node("a:1", Follower), |s| {
            s.mode = None;
            s.mode_text = None;
            s.unanswered.insert(
                "srvr".into(),
                "failed to read from a:1: connection closed before answering srvr".into(),
            );
        });
        let out = run(vec![lost, node("b:1", Leader), node("c:1", Follower)]);
        assert_eq!(out[0].status, Status::Error);
        assert!(
            out[0]
                .message
                .contains("connection closed before answering srvr"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn observers_count_as_members() {
        let out = run(vec![
            node("a:1", Leader),
            node("b:1", Follower),
            node("c:1", Follower),
            node("d:1", Observer),
        ]);
        assert_eq!(out[0].status, Status::Pass);
        assert_eq!(out[4].message, "observer (non-voting)");
    }

    #[test]
    fn nothing_probed_is_a_single_skip() {
        let out = run(vec![]);
        assert_eq!(statuses(&out), vec![Status::Skip]);
    }
}
