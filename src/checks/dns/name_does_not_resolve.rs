//! DNS-008 `name-does-not-resolve`: a live lookup, made as glibc makes it with the chaincode's
//! resolver settings, found no address for a name.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::dns::{DnsObservation, NameResolution};

pub struct NameDoesNotResolve;

/// `candidate → answer` for every candidate asked, in order.
pub fn sequence(r: &NameResolution) -> Vec<String> {
    r.candidates
        .iter()
        .map(|c| format!("{} → {}", c.query, c.answer.describe()))
        .collect()
}

pub fn observation_target(obs: &DnsObservation) -> Target {
    Target::new(TargetKind::Object, obs.context.clone()).with_locator(Some(obs.vantage.describe()))
}

/// What the context the lookups stand for assumes about its resolver (every verdict says it).
pub fn assumed_resolver(inv: &Inventory, obs: &DnsObservation) -> String {
    inv.dns
        .contexts
        .iter()
        .find(|c| c.label == obs.context)
        .map(|c| c.assumption.describe())
        .unwrap_or_else(|| "no resolver context of the artifacts names these lookups".to_owned())
}

/// When a probe container resolved with another resolver than the chaincode is assumed to use,
/// what that means for the verdict and how to see the chaincode's own.
fn mismatch(inv: &Inventory, obs: &DnsObservation) -> Option<String> {
    let crate::inventory::dns::Vantage::Container {
        resolver: Some(observed),
        ..
    } = &obs.vantage
    else {
        return None;
    };
    let ctx = inv.dns.contexts.iter().find(|c| c.label == obs.context)?;
    let assumed = ctx.assumption.resolver;
    (observed != &assumed.to_string()).then(|| {
        format!(
            "resolved by {observed}, but the chaincode is assumed to use {assumed}: the two diverge on parallel servers, ndots and failed answers; give --docker-image an image of the chaincode runtime, or one labelled org.hyperledger.fabcheck.resolver={} (tests/support/probes)",
            assumed.key()
        )
    })
}

impl Check for NameDoesNotResolve {
    fn id(&self) -> &'static str {
        "DNS-008"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        if inv.live.dns.is_empty() {
            return nothing_to_check(
                inv,
                "live lookups (--dns-server, --docker, --dns-probe-log or --probe in-cluster)",
            );
        }
        let mut out = Vec::new();
        for obs in &inv.live.dns {
            let target = observation_target(obs);
            let assumed = assumed_resolver(inv, obs);
            if let Some(failure) = &obs.failure {
                out.push(Outcome::new(
                    Status::Error,
                    target,
                    format!(
                        "could not resolve from {}: {failure}",
                        obs.vantage.describe()
                    ),
                ));
                continue;
            }
            if obs.missing_network.is_some() {
                out.push(Outcome::new(
                    Status::Skip,
                    target,
                    "no container could start on its network (see DNS-006)",
                ));
                continue;
            }
            for r in &obs.results {
                let o = Outcome::new(Status::Pass, target.clone(), String::new())
                    .with("resolver_observed", obs.vantage.observed_resolver())
                    .with("resolver", assumed.clone())
                    .with("name", r.name.clone())
                    .with("candidates", sequence(r))
                    .with("queries_sent", r.queries_sent())
                    .with("search", obs.config.search.clone())
                    .with("ndots", obs.config.ndots);
                let o = match mismatch(inv, obs) {
                    Some(note) => o.with("resolver_mismatch", note),
                    None => o,
                };
                out.push(match r.matched() {
                    Some((query, addrs)) => {
                        let addrs: Vec<String> = addrs.iter().map(ToString::to_string).collect();
                        let mut o = o
                            .with("matched", query.to_owned())
                            .with("addresses", addrs.clone());
                        o.message =
                            format!("{} resolves as {query} to {}", r.name, addrs.join(", "));
                        o
                    }
                    None => {
                        let mut o = o;
                        o.status = Status::Fail;
                        let last = r
                            .last_asked()
                            .map(|c| format!("{} → {}", c.query, c.answer.describe()));
                        o.message = format!(
                            "{} does not resolve from {}: {}",
                            r.name,
                            obs.vantage.describe(),
                            match last {
                                Some(l) if r.queries_sent() < r.candidates.len() =>
                                    format!("the search stopped at {l}"),
                                Some(_) =>
                                    format!("every candidate failed ({})", sequence(r).join("; ")),
                                None => "nothing was asked".to_owned(),
                            }
                        );
                        o
                    }
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::dns::{CandidateAnswer, CandidateOutcome};

    fn resolution(name: &str, answers: &[(&str, CandidateAnswer)]) -> NameResolution {
        NameResolution {
            name: name.into(),
            candidates: answers
                .iter()
                .map(|(q, a)| CandidateOutcome {
                    query: q.to_string(),
                    answer: a.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn nxdomain_everywhere_fails_a_timeout_stops_and_an_answer_passes() {
        let p = k8s_peer(
            "peer0",
            "org1",
            &[("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock")],
        );
        let results = vec![
            resolution(
                "peer0.org1",
                &[
                    (
                        "peer0.org1.default.svc.cluster.local",
                        CandidateAnswer::NoSuchName,
                    ),
                    (
                        "peer0.org1.svc.cluster.local",
                        CandidateAnswer::Addresses(vec!["10.96.1.1".parse().unwrap()]),
                    ),
                    ("peer0.org1", CandidateAnswer::NotAsked),
                ],
            ),
            resolution(
                "peer9",
                &[
                    (
                        "peer9.default.svc.cluster.local",
                        CandidateAnswer::NoSuchName,
                    ),
                    ("peer9", CandidateAnswer::NoSuchName),
                ],
            ),
            resolution(
                "peer8",
                &[
                    ("peer8.default.svc.cluster.local", CandidateAnswer::TimedOut),
                    ("peer8", CandidateAnswer::NotAsked),
                ],
            ),
        ];
        let out = NameDoesNotResolve.evaluate(
            &ctx(),
            &observed(inventory(vec![p.clone()], None, None), results, None),
        );
        assert_eq!(
            statuses(&out),
            vec![Status::Pass, Status::Fail, Status::Fail]
        );
        assert!(
            out[0].message.contains("as peer0.org1.svc.cluster.local"),
            "{}",
            out[0].message
        );
        assert!(
            out[2]
                .message
                .contains("stopped at peer8.default.svc.cluster.local → timed out"),
            "{}",
            out[2].message
        );
        let out = NameDoesNotResolve.evaluate(
            &ctx(),
            &observed(
                inventory(vec![p], None, None),
                vec![],
                Some("failed to connect to unix:///x.sock"),
            ),
        );
        assert_eq!(statuses(&out), vec![Status::Error]);
    }
}
