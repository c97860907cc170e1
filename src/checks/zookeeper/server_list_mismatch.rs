//! ZK-003 `server-list-mismatch`: every server has the same ZOO_SERVERS (a server's own entry
//! may say 0.0.0.0, as the Fabric images allow).

use super::ensemble::{ServerEntry, parse_servers};
use crate::checks::usable;
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::ordering::Component;

pub struct ServerListMismatch;

fn same(a: &[ServerEntry], b: &[ServerEntry]) -> bool {
    let mut a: Vec<_> = a.to_vec();
    let mut b: Vec<_> = b.to_vec();
    a.sort_by(|x, y| x.id.cmp(&y.id));
    b.sort_by(|x, y| x.id.cmp(&y.id));
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            x.id == y.id && (x.host == y.host || x.host == "0.0.0.0" || y.host == "0.0.0.0")
        })
}

impl Check for ServerListMismatch {
    fn id(&self) -> &'static str {
        "ZK-003"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let servers: Vec<_> = net.of(Component::Zookeeper).collect();
            if servers.len() < 2 {
                continue;
            }
            let target = Target::new(TargetKind::File, net.scope.to_owned());
            let mut lists = Vec::new();
            let mut unevaluated = Vec::new();
            for w in &servers {
                match usable(w.env.get("ZOO_SERVERS")) {
                    Ok(Some(v)) => match parse_servers(v) {
                        Ok(list) => lists.push((w.name.clone(), list)),
                        Err(e) => unevaluated.push(format!("{}: {e}", w.name)),
                    },
                    Ok(None) => lists.push((w.name.clone(), Vec::new())),
                    Err(why) => unevaluated.push(why),
                }
            }
            let (first_name, first) = &lists.first().cloned().unwrap_or_default();
            let differing: Vec<String> = lists
                .iter()
                .filter(|(_, l)| !same(l, first))
                .map(|(n, _)| n.clone())
                .collect();
            let (status, message) = if !unevaluated.is_empty() {
                (
                    Status::Error,
                    format!("cannot evaluate: {}", unevaluated.join("; ")),
                )
            } else if differing.is_empty() {
                (
                    Status::Pass,
                    format!(
                        "{} servers share one server list of {} entries",
                        lists.len(),
                        first.len()
                    ),
                )
            } else {
                (
                    Status::Fail,
                    format!(
                        "server lists differ: {} vs {first_name}",
                        differing.join(", ")
                    ),
                )
            };
            out.push(Outcome::new(status, target, message));
        }
        if out.is_empty() {
            return nothing_to_check(inv, "ZooKeeper ensembles of more than one server");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::kafka::testing::*;

    #[test]
    fn identical_lists_pass_and_self_wildcards_are_allowed() {
        let l = "server.1=zk0:2888:3888 server.2=zk1:2888:3888";
        let inv = network(vec![
            zookeeper(
                "zk0",
                &[(
                    "ZOO_SERVERS",
                    "server.1=0.0.0.0:2888:3888 server.2=zk1:2888:3888",
                )],
            ),
            zookeeper("zk1", &[("ZOO_SERVERS", l)]),
        ]);
        assert_eq!(
            statuses(&ServerListMismatch.evaluate(&ctx(), &inv)),
            vec![Status::Pass]
        );
        let inv = network(vec![
            zookeeper("zk0", &[("ZOO_SERVERS", l)]),
            zookeeper("zk1", &[("ZOO_SERVERS", "server.1=zk0:2888:3888")]),
        ]);
        assert_eq!(
            statuses(&ServerListMismatch.evaluate(&ctx(), &inv)),
            vec![Status::Fail]
        );
    }
}
