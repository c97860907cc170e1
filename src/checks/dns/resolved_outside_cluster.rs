//! DNS-009 `resolved-outside-cluster`: a Service name was answered for the name as written —
//! by an upstream server, before the cluster domain was tried.

use super::name_does_not_resolve::{observation_target, sequence};
use super::{NameKind, classify_name};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

pub struct ResolvedOutsideCluster;

impl Check for ResolvedOutsideCluster {
    fn id(&self) -> &'static str {
        "DNS-009"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let suffix = format!(".svc.{}", inv.dns.cluster_domain());
        let mut out = Vec::new();
        for obs in inv.live.dns.iter().filter(|o| o.failure.is_none()) {
            for r in &obs.results {
                let Some((query, addrs)) = r.matched() else {
                    continue;
                };
                let in_cluster = |q: &str| q.trim_end_matches('.').ends_with(&suffix);
                let addrs: Vec<String> = addrs.iter().map(ToString::to_string).collect();
                let o = |status, message: String| {
                    Outcome::new(status, observation_target(obs), message)
                        .with("resolver_observed", obs.vantage.observed_resolver())
                        .with(
                            "resolver",
                            super::name_does_not_resolve::assumed_resolver(inv, obs),
                        )
                        .with("name", r.name.clone())
                        .with("matched", query.to_owned())
                        .with("addresses", addrs.clone())
                        .with("candidates", sequence(r))
                };
                // Only Service names are judged: an external name answered as written is right.
                if !is_service_name(inv, &obs.context, &r.name) {
                    out.push(o(
                        Status::Skip,
                        format!(
                            "{} is not a Service name of the cluster; it resolved as {query}",
                            r.name
                        ),
                    ));
                    continue;
                }
                let first_cluster = r.candidates.iter().position(|c| in_cluster(&c.query));
                let matched_at = r.candidates.iter().position(|c| c.query == query);
                out.push(match (in_cluster(query), matched_at, first_cluster) {
                    (true, _, _) => o(
                        Status::Pass,
                        format!("{} was answered in the cluster domain, as {query}", r.name),
                    ),
                    (false, Some(m), Some(first)) if m < first => o(
                        Status::Warn,
                        format!(
                            "{} was answered as written ({query} → {}) before any cluster domain was tried: that is not the Service's address",
                            r.name,
                            addrs.join(", ")
                        ),
                    ),
                    (false, _, _) => o(
                        Status::Warn,
                        format!(
                            "{} was answered only outside the cluster domain ({query} → {}): the cluster has no record for the Service under that name",
                            r.name,
                            addrs.join(", ")
                        ),
                    ),
                });
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "resolved service names from live lookups");
        }
        out
    }
}

/// Whether `name` is a Service name of the context the lookups stand for. Lookups from a probe
/// pod's log have no context among the artifacts; there the short forms (`svc`, `svc.ns`) are
/// taken as Service names, and anything longer as external.
fn is_service_name(inv: &Inventory, context: &str, name: &str) -> bool {
    match inv.dns.contexts.iter().find(|c| c.label == context) {
        Some(ctx) => matches!(classify_name(inv, ctx, name), NameKind::Service { .. }),
        None => !name.ends_with('.') && name.split('.').count() <= 2 && name != "localhost",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::dns::{CandidateAnswer, CandidateOutcome, NameResolution};

    #[test]
    fn an_upstream_answer_for_the_raw_name_warns() {
        let p = k8s_peer(
            "peer0",
            "org1",
            &[("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock")],
        );
        let wrong = NameResolution {
            name: "peer0.org1".into(),
            candidates: vec![
                CandidateOutcome {
                    query: "peer0.org1".into(),
                    answer: CandidateAnswer::Addresses(vec!["203.0.113.7".parse().unwrap()]),
                },
                CandidateOutcome {
                    query: "peer0.org1.svc.cluster.local".into(),
                    answer: CandidateAnswer::NotAsked,
                },
            ],
        };
        let mut right = wrong.clone();
        right.candidates[0].answer = CandidateAnswer::NoSuchName;
        right.candidates[1].answer = CandidateAnswer::Addresses(vec!["10.96.1.1".parse().unwrap()]);
        let out = ResolvedOutsideCluster.evaluate(
            &ctx(),
            &observed(inventory(vec![p], None, None), vec![wrong, right], None),
        );
        assert_eq!(statuses(&out), vec![Status::Warn, Status::Pass]);
        assert!(out[0].message.contains("203.0.113.7"), "{}", out[0].message);
    }
}
