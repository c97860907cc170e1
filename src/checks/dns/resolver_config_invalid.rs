//! DNS-007 `resolver-config-invalid`: resolver settings glibc or Docker cannot use as written
//! (more than three nameservers, over-long search domains, broken DOCKER_OPTS quoting, a
//! daemon.json that is not JSON, comma-separated Fabric lists).

use super::setting_not_applied::notes_as_outcomes;
use crate::checks::Check;
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;
use crate::inventory::dns::DnsNoteKind;

pub struct ResolverConfigInvalid;

impl Check for ResolverConfigInvalid {
    fn id(&self) -> &'static str {
        "DNS-007"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        notes_as_outcomes(inv, &[DnsNoteKind::Invalid], "resolver configuration")
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::finding::Status;

    #[test]
    fn comma_separated_dns_and_too_many_servers_fail() {
        let p = k8s_peer(
            "p",
            "default",
            &[
                ("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock"),
                ("CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE", "bridge"),
                (
                    "CORE_VM_DOCKER_HOSTCONFIG_DNS",
                    "10.0.0.1,10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6",
                ),
            ],
        );
        let out = ResolverConfigInvalid.evaluate(&ctx(), &inventory(vec![p], None, None));
        assert!(
            statuses(&out).iter().all(|s| *s == Status::Fail) && out.len() >= 2,
            "{out:?}"
        );
        assert!(
            out.iter()
                .any(|o| o.message.contains("splits the value on whitespace"))
        );
        assert!(out.iter().any(|o| o.message.contains("only the first 3")));
    }
}
