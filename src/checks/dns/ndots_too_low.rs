//! DNS-003 `ndots-too-low`: a Service name has at least ndots dots, so glibc asks it as written
//! — of the upstream servers — before any search domain.

use super::{NameKind, by_resolver, classify_name, per_context, target, with_settings};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::dns::{SettingSource, StubResolver};

pub struct NdotsTooLow;

impl Check for NdotsTooLow {
    fn id(&self) -> &'static str {
        "DNS-003"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_context(
            inv,
            |c| !c.names.is_empty(),
            |c| {
                c.names
                    .iter()
                    .filter_map(|n| {
                        let NameKind::Service { fqdn } = classify_name(inv, c, &n.name) else {
                            return None;
                        };
                        let dots = n.name.matches('.').count();
                        let tried = c.assumption.resolver.candidates(&n.name, &c.config);
                        let o = |status, message: String| {
                            with_settings(Outcome::new(status, target(c), message), c)
                                .with("name", n.name.clone())
                                .with("dots", dots)
                                .with("candidates", tried.clone())
                        };
                        if c.options_from == SettingSource::NodeUnknown {
                            return Some(o(Status::Skip, format!(
                                "ndots for {} comes from the node's resolv.conf, which is not among the artifacts",
                                n.name
                            )));
                        }
                        let verdict = |r: StubResolver| {
                            if dots < usize::from(c.config.ndots) {
                                return (Status::Pass, format!(
                                    "{} has {dots} dot(s), fewer than ndots {}: the search list is tried first",
                                    n.name, c.config.ndots
                                ));
                            }
                            match r {
                                // lookup_name.c: the search list is suppressed, not postponed.
                                StubResolver::Musl => (Status::Warn, format!(
                                    "{} has {dots} dot(s) and ndots is {}: musl asks it only as written, of the upstream servers, and never with the search list — it cannot become {fqdn} (see DNS-002)",
                                    n.name, c.config.ndots
                                )),
                                _ => (Status::Warn, format!(
                                    "{} has {dots} dot(s) and ndots is {}: it is asked as written first by {r} (an extra query to the upstream servers, and their answer wins if they have one) before {fqdn}",
                                    n.name, c.config.ndots
                                )),
                            }
                        };
                        Some(by_resolver(c, o(Status::Pass, String::new()), verdict))
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
    fn ndots_one_asks_peer0_org1_as_written_first() {
        let p = k8s_peer(
            "peer0",
            "org1",
            &[SOCK, ("CORE_PEER_ADDRESS", "peer0.org1:7051")],
        );
        let low = "--dns 10.68.0.2 --dns-search default.svc.cluster.local --dns-search svc.cluster.local --dns-opt ndots:1";
        let out = NdotsTooLow.evaluate(&ctx(), &inventory(vec![p.clone()], Some(low), None));
        assert_eq!(statuses(&out), vec![Status::Warn]);
        let out = NdotsTooLow.evaluate(&ctx(), &inventory(vec![p], Some(SEED_DOCKER_OPTS), None));
        assert_eq!(statuses(&out), vec![Status::Pass]);
    }

    #[test]
    fn docker_user_defined_networks_default_to_ndots_zero() {
        let p = k8s_peer(
            "peer0-org1",
            "default",
            &[
                SOCK,
                ("CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE", "fabric_cc"),
                ("CORE_VM_DOCKER_HOSTCONFIG_DNS", "10.68.0.2"),
                (
                    "CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH",
                    "default.svc.cluster.local",
                ),
            ],
        );
        let out = NdotsTooLow.evaluate(
            &ctx(),
            &inventory(vec![p], Some("--dns-opt timeout:2"), None),
        );
        assert_eq!(statuses(&out), vec![Status::Warn, Status::Warn]);
    }
}
