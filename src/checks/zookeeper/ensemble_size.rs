//! ZK-001 `ensemble-size`: an ensemble of 3, 5 or 7 servers, judged on what the configuration
//! deploys and, when probed, on the server list the running ensemble reports (`conf`).

use super::ensemble::{configured_servers, parse_servers};
use crate::checks::{Check, nothing_to_check, unknown_instances, usable};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::ordering::{Component, Replicas, Workload};

pub struct EnsembleSize;

/// The verdict on an ensemble of `n` servers.
fn judge(n: usize) -> (Status, String) {
    match n {
        1 => (
            Status::Fail,
            "1 server: no fault tolerance (fine for development, not production); run 3, 5 or 7"
                .into(),
        ),
        n if n % 2 == 0 => (
            Status::Fail,
            format!(
                "{n} servers: an even ensemble tolerates no more failures than {} while needing a larger quorum; run an odd number",
                n - 1
            ),
        ),
        n if n > 7 => (
            Status::Warn,
            format!("{n} servers: more than 7 slows every write for no practical gain"),
        ),
        n => (Status::Pass, format!("{n} servers")),
    }
}

/// The number of servers every server's `ZOO_SERVERS` lists, when all of them give one list
/// length (ZK-003 judges lists that differ; a list that is templated or does not parse says
/// nothing here).
fn listed_servers(servers: &[&Workload]) -> Option<usize> {
    let mut lengths = servers
        .iter()
        .map(|w| match usable(w.env.get("ZOO_SERVERS")) {
            Ok(Some(list)) => parse_servers(list).ok().map(|e| e.len()),
            _ => None,
        });
    let first = lengths.next()??;
    lengths.all(|l| l == Some(first)).then_some(first)
}

impl Check for EnsembleSize {
    fn id(&self) -> &'static str {
        "ZK-001"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let servers: Vec<_> = net.of(Component::Zookeeper).collect();
            if servers.is_empty() {
                continue;
            }
            let target = Target::new(TargetKind::File, net.scope.to_owned());
            let names: Vec<String> = servers
                .iter()
                .map(|w| format!("{} (x{})", w.name, w.instances()))
                .collect();
            // A Kubernetes ZooKeeper image told the ensemble size (`start-zookeeper
            // --servers=N`, k8szk's ZK_REPLICAS) writes server.1..N whatever the replica count:
            // N is the ensemble, and pods beyond it, or missing from it, are a defect of their own.
            let mut size = 0;
            let mut unreadable = Vec::new();
            let mut disagree = Vec::new();
            for w in &servers {
                match configured_servers(w) {
                    Some(Ok(n)) => {
                        size += n as usize;
                        if let Replicas::Count(r) = w.replicas
                            && r != n
                        {
                            disagree.push(format!(
                                "{} runs {r} pod(s) but is told the ensemble has {n} servers",
                                w.name
                            ));
                        }
                    }
                    Some(Err(why)) => unreadable.push(why),
                    None => size += w.instances() as usize,
                }
            }
            let (status, message) = if let Some(why) = unknown_instances(&servers) {
                (Status::Error, why)
            } else if !unreadable.is_empty() {
                (
                    Status::Error,
                    format!("cannot evaluate: {}", unreadable.join("; ")),
                )
            } else if let Some(listed) = listed_servers(&servers).filter(|l| *l != size) {
                // The quorum is a majority of the list every server is given, whatever runs: a
                // listed server with no pod leaves the ensemble short of what it counts on.
                let idle: Vec<String> = servers
                    .iter()
                    .filter(|w| w.instances() == 0)
                    .map(|w| format!("{} runs no pod", w.name))
                    .collect();
                let (_, listed_verdict) = judge(listed);
                (
                    Status::Fail,
                    format!(
                        "ZOO_SERVERS lists {listed} servers ({listed_verdict}) but {size} run{}: a listed server that does not run leaves the quorum of {} with {} failure(s) to spare instead of {}",
                        if idle.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", idle.join(", "))
                        },
                        listed / 2 + 1,
                        size.saturating_sub(listed / 2 + 1),
                        listed.saturating_sub(listed / 2 + 1),
                    ),
                )
            } else if !disagree.is_empty() {
                (
                    Status::Fail,
                    format!(
                        "{}: servers missing from the configured list never join, and a list longer than the pods leaves the quorum short",
                        disagree.join("; ")
                    ),
                )
            } else {
                judge(size)
            };
            out.push(Outcome::new(status, target, message).with("servers", names));
        }
        let live = &inv.live.zookeeper;
        if !live.is_empty() {
            let endpoints: Vec<&str> = live.iter().map(|o| o.endpoint.as_str()).collect();
            let target = Target::new(TargetKind::Endpoint, endpoints.join(","));
            // The ensemble's own list of members is the truth; the endpoints given are a fallback.
            let reported = live
                .iter()
                .filter_map(|o| o.result.as_ref().ok())
                .map(|s| s.servers.len())
                .max()
                .unwrap_or(0);
            let reachable = live.iter().filter(|o| o.result.is_ok()).count();
            let (status, message) = if reachable == 0 {
                (
                    Status::Error,
                    format!(
                        "cannot evaluate: no ZooKeeper server answered ({})",
                        endpoints.join(", ")
                    ),
                )
            } else if reported > 0 {
                let (s, m) = judge(reported);
                (s, format!("{m} in the running ensemble's server list"))
            } else {
                let (s, m) = judge(live.len());
                (
                    s,
                    format!(
                        "{m} given (the servers did not report their server list: conf not whitelisted?)"
                    ),
                )
            };
            out.push(
                Outcome::new(status, target, message)
                    .with("reported_servers", reported)
                    .with("endpoints", endpoints.len()),
            );
        }
        if out.is_empty() {
            return nothing_to_check(inv, "ZooKeeper servers");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::kafka::testing::*;
    use crate::inventory::live::{ZkNodeState, ZkObservation};

    #[test]
    fn sizes() {
        assert_eq!(judge(3).0, Status::Pass);
        assert_eq!(judge(7).0, Status::Pass);
        assert_eq!(judge(1).0, Status::Fail);
        assert_eq!(judge(4).0, Status::Fail);
        assert_eq!(judge(9).0, Status::Warn);
    }

    #[test]
    fn static_statefulset_of_four_fails() {
        let mut zk = zookeeper("zookeeper", &[]);
        zk.replicas = Replicas::Count(4);
        let out = EnsembleSize.evaluate(&ctx(), &network(vec![zk]));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(out[0].message.starts_with("4 servers"));
    }

    #[test]
    fn a_listed_server_that_runs_no_pod_fails_naming_it_not_as_an_even_ensemble() {
        const LIST: &str = "server.1=zookeeper0:2888:3888 server.2=zookeeper1:2888:3888 server.3=zookeeper2:2888:3888";
        let member = |name: &str, id: &str, replicas: u32| {
            let mut zk = zookeeper(name, &[("ZOO_MY_ID", id), ("ZOO_SERVERS", LIST)]);
            zk.replicas = Replicas::Count(replicas);
            zk
        };
        let all = vec![
            member("zookeeper0", "1", 1),
            member("zookeeper1", "2", 1),
            member("zookeeper2", "3", 1),
        ];
        let out = EnsembleSize.evaluate(&ctx(), &network(all.clone()));
        assert_eq!(statuses(&out), vec![Status::Pass], "{out:?}");
        let mut stopped = all;
        stopped[2].replicas = Replicas::Count(0);
        let out = EnsembleSize.evaluate(&ctx(), &network(stopped));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0].message.starts_with(
                "ZOO_SERVERS lists 3 servers (3 servers) but 2 run (zookeeper2 runs no pod)"
            ),
            "{}",
            out[0].message
        );
        assert!(!out[0].message.contains("even"), "{}", out[0].message);
    }

    #[test]
    fn start_zookeeper_servers_is_the_ensemble_size() {
        let mut zk = zookeeper("zk", &[]);
        zk.replicas = Replicas::Count(3);
        zk.computed_at_start =
            vec!["start-zookeeper --servers=3 --data_dir=/var/lib/zookeeper/data".into()];
        let out = EnsembleSize.evaluate(&ctx(), &network(vec![zk.clone()]));
        assert_eq!(statuses(&out), vec![Status::Pass]);
        zk.computed_at_start = vec!["start-zookeeper --servers 5".into()];
        let out = EnsembleSize.evaluate(&ctx(), &network(vec![zk.clone()]));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0]
                .message
                .starts_with("zk runs 3 pod(s) but is told the ensemble has 5 servers"),
            "{}",
            out[0].message
        );
        zk.computed_at_start.clear();
        zk.env.insert(
            "ZK_REPLICAS".into(),
            crate::inventory::ordering::Setting::literal("three", zk.origin.clone()),
        );
        assert_eq!(
            statuses(&EnsembleSize.evaluate(&ctx(), &network(vec![zk]))),
            vec![Status::Error]
        );
    }

    #[test]
    fn live_size_comes_from_the_server_list() {
        let mut inv = network(vec![]);
        let state = |n: u32| ZkNodeState {
            servers: (1..=n).map(|i| (i, format!("127.0.0.1:{i}"))).collect(),
            serving: true,
            ..ZkNodeState::default()
        };
        inv.live.zookeeper = vec![
            ZkObservation {
                endpoint: "127.0.0.1:1".into(),
                result: Ok(state(4)),
            },
            ZkObservation {
                endpoint: "127.0.0.1:2".into(),
                result: Ok(state(4)),
            },
        ];
        let out = EnsembleSize.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert_eq!(out[0].evidence["reported_servers"], 4);
    }
}
