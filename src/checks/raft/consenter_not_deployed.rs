//! RAFT-003 `consenter-not-deployed`: a consenter whose host is no orderer deployed beside the
//! channel configuration. The other consenters dial that address for every Raft or BFT
//! message; a consenter nobody answers for counts against the quorum for ever.

use crate::checks::channel::{
    answers_to, complete, deployed_orderers_or_skip, orderer_names_outcome, target,
};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;

pub struct ConsenterNotDeployed;

impl Check for ConsenterNotDeployed {
    fn id(&self) -> &'static str {
        "RAFT-003"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for c in complete(inv) {
            let Some((kind, consenters)) = c.consenters() else {
                continue;
            };
            let t = target(c, Some("Channel/Orderer ConsensusType metadata"));
            let what = format!("{} {kind} consenter(s)", consenters.len());
            let nodes = match deployed_orderers_or_skip(inv, c, &t, &what) {
                Ok(nodes) => nodes,
                Err(skip) => {
                    out.push(skip);
                    continue;
                }
            };
            let missing: Vec<String> = consenters
                .iter()
                .filter(|k| !nodes.iter().any(|w| answers_to(w, &k.host)))
                .map(|k| k.endpoint())
                .collect();
            out.push(orderer_names_outcome(
                c,
                t,
                &nodes,
                missing,
                format!(
                    "every {kind} consenter ({}) is a deployed orderer",
                    consenters.len()
                ),
                "consenter(s)",
            ));
        }
        if out.is_empty() {
            return nothing_to_check(inv, "etcdraft or BFT consenters");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::channel::testing::*;
    use crate::finding::Status;
    use crate::inventory::channel::{Consenter, OrdererSection, RaftMetadata};
    use crate::inventory::ordering::Component;

    #[test]
    fn a_consenter_no_orderer_answers_for_fails() {
        let mut c = block("sys");
        c.orderer = Some(OrdererSection {
            consensus_type: "etcdraft".into(),
            raft: Some(RaftMetadata {
                consenters: ["orderer0.example.com", "orderer5.example.com"]
                    .iter()
                    .map(|h| Consenter {
                        host: (*h).into(),
                        port: 7050,
                        ..Consenter::default()
                    })
                    .collect(),
                options: None,
            }),
            ..OrdererSection::default()
        });
        let mut inv = inventory(vec![c]);
        inv.ordering
            .workloads
            .push(workload("orderer0.example.com", Component::Orderer, None));
        let out = ConsenterNotDeployed.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("orderer5.example.com:7050"));
    }
}
