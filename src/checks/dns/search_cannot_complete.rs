//! DNS-002 `search-cannot-complete`: a short Service name the chaincode (or peer) must resolve
//! never becomes the cluster FQDN, because no search domain completes it.

use super::{
    NameKind, by_resolver, classify_name, per_context, target, unevaluated, with_settings,
};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::dns::chaincode::Platform;
use crate::inventory::dns::{SettingSource, StubResolver};

pub struct SearchCannotComplete;

impl Check for SearchCannotComplete {
    fn id(&self) -> &'static str {
        "DNS-002"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_context(
            inv,
            |c| matches!(c.platform, Platform::Kubernetes { .. }) && !c.names.is_empty(),
            |c| {
                c.names
                    .iter()
                    .map(|n| {
                        let base = Outcome::new(Status::Pass, target(c), String::new())
                            .with("name", n.name.clone())
                            .with("used_as", format!("{} ({})", n.purpose, n.origin));
                        let o = |status, message: String| {
                            let mut o = with_settings(base.clone(), c);
                            o.status = status;
                            o.message = message;
                            o
                        };
                        let fqdn = match classify_name(inv, c, &n.name) {
                            NameKind::ClusterFqdn => {
                                return o(Status::Pass, format!("{} is fully qualified in the cluster domain", n.name));
                            }
                            NameKind::Other => {
                                return o(Status::Skip, format!("{} is not a Service of these artifacts; its resolution is not the cluster's to judge", n.name));
                            }
                            NameKind::Service { fqdn } => fqdn,
                        };
                        if let Some(why) = unevaluated(&c.search_from) {
                            return o(Status::Skip, format!("the search list is {why}"));
                        }
                        if c.search_from == SettingSource::NodeUnknown {
                            return o(Status::Fail, format!(
                                "{} needs a search domain that makes it {fqdn}, but no search list is set for chaincode of {} (peer HostConfig DnsSearch or daemon --dns-search): it gets the node's",
                                n.name, c.label.trim_start_matches("chaincode of ")
                            ))
                            .with("expected_fqdn", fqdn);
                        }
                        let verdict = |r: StubResolver| {
                            let tried = r.candidates(&n.name, &c.config);
                            match tried.iter().position(|t| t.trim_end_matches('.') == fqdn) {
                                Some(i) => (Status::Pass, format!(
                                    "{} completes to {fqdn} (candidate {} of {})",
                                    n.name, i + 1, tried.len()
                                )),
                                // lookup_name.c: at least ndots dots suppresses the search list.
                                None if tried.len() == 1 && !c.config.search.is_empty() => (Status::Fail, format!(
                                    "{} has {} dot(s), at least ndots {}: {r} asks it only as written and never tries the search list [{}], so it never becomes {fqdn}",
                                    n.name, n.name.matches('.').count(), c.config.ndots, c.config.search.join(" ")
                                )),
                                None => (Status::Fail, format!(
                                    "no search domain in [{}] completes {} to {fqdn}; {r} tries {}",
                                    c.config.search.join(" "), n.name, tried.join(", ")
                                )),
                            }
                        };
                        let tried = c.assumption.resolver.candidates(&n.name, &c.config);
                        let out = by_resolver(c, o(Status::Pass, String::new()), verdict)
                            .with("candidates", tried);
                        if out.status == Status::Fail {
                            out.with("expected_fqdn", fqdn)
                        } else {
                            out
                        }
                    })
                    .collect()
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    const SOCK: (&str, &str) = ("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock");

    #[test]
    fn seed_search_list_completes_svc_dot_namespace() {
        let p = k8s_peer(
            "peer0",
            "org1",
            &[SOCK, ("CORE_PEER_ADDRESS", "peer0.org1:7051")],
        );
        let out = SearchCannotComplete
            .evaluate(&ctx(), &inventory(vec![p], Some(SEED_DOCKER_OPTS), None));
        assert_eq!(statuses(&out), vec![Status::Pass]);
        assert!(
            out[0]
                .message
                .contains("peer0.org1.svc.cluster.local (candidate 2 of 3)"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn only_the_default_namespace_domain_cannot_complete_svc_dot_namespace() {
        let p = k8s_peer(
            "peer0",
            "org1",
            &[SOCK, ("CORE_PEER_ADDRESS", "peer0.org1:7051")],
        );
        let flags = "--dns 10.68.0.2 --dns-search default.svc.cluster.local --dns-opt ndots:2";
        let out = SearchCannotComplete.evaluate(&ctx(), &inventory(vec![p], Some(flags), None));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0]
                .message
                .contains("peer0.org1.default.svc.cluster.local"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn bare_name_needs_the_namespace_domain_and_nothing_set_fails() {
        // peer0-org1 in namespace default: the seed's first search domain completes it.
        let p = k8s_peer("peer0-org1", "default", &[SOCK]);
        let out = SearchCannotComplete.evaluate(
            &ctx(),
            &inventory(vec![p.clone()], Some(SEED_DOCKER_OPTS), None),
        );
        assert_eq!(statuses(&out), vec![Status::Pass, Status::Pass]);
        let out = SearchCannotComplete.evaluate(&ctx(), &inventory(vec![p], None, None));
        assert_eq!(statuses(&out), vec![Status::Fail, Status::Fail]);
        assert!(
            out[0].message.contains("no search list is set"),
            "{}",
            out[0].message
        );
    }
}
