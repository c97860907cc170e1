//! DNS-004 `lookup-outlasts-startup`: timeout × attempts × servers — how long glibc waits
//! before a lookup fails when no server answers — is longer than the peer waits for chaincode
//! to start and register.

use super::{by_resolver, per_context, target, with_settings};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::dns::{SettingSource, StubResolver};

pub struct LookupOutlastsStartup;

impl Check for LookupOutlastsStartup {
    fn id(&self) -> &'static str {
        "DNS-004"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_context(
            inv,
            |c| !c.names.is_empty(),
            |c| {
                let cfg = &c.config;
                let (limit, limit_from) = &c.startup_timeout;
                let o = |status, message: String| {
                    vec![
                        with_settings(Outcome::new(status, target(c), message), c)
                            .with("startup_timeout_seconds", *limit)
                            .with("startup_timeout_from", limit_from.clone()),
                    ]
                };
                // ClusterFirst pods have exactly one nameserver, the cluster DNS, known or not.
                let cluster_first = matches!(&c.nameservers_from, SettingSource::Pod(p) if p.starts_with("ClusterFirst"));
                let servers = if cluster_first {
                    cfg.nameservers.len().max(1)
                } else {
                    cfg.nameservers.len()
                };
                if servers == 0 {
                    return o(Status::Skip, "the nameservers are not known, so neither is how long a failing lookup takes".to_owned());
                }
                let verdict = |r: StubResolver| {
                    let (worst, formula) = if r.asks_servers_in_parallel() {
                        // res_msend.c: all servers at once, `timeout` bounds the whole query.
                        let w = u32::from(cfg.timeout);
                        (
                            w,
                            format!(
                                "timeout {w} s in total (musl asks all {servers} server(s) at once) = {w} s"
                            ),
                        )
                    } else {
                        let w = u32::from(cfg.timeout) * u32::from(cfg.attempts) * servers as u32;
                        (
                            w,
                            format!(
                                "timeout {} s x attempts {} x {servers} server(s) = {w} s",
                                cfg.timeout, cfg.attempts
                            ),
                        )
                    };
                    if worst > *limit {
                        (
                            Status::Warn,
                            format!(
                                "a lookup with no answer takes {formula} with {r}, longer than the chaincode start timeout of {limit} s ({limit_from})"
                            ),
                        )
                    } else {
                        (
                            Status::Pass,
                            format!(
                                "a lookup with no answer gives up after {formula} with {r}, within the chaincode start timeout of {limit} s"
                            ),
                        )
                    }
                };
                let base = with_settings(Outcome::new(Status::Pass, target(c), String::new()), c)
                    .with("startup_timeout_seconds", *limit)
                    .with("startup_timeout_from", limit_from.clone());
                vec![by_resolver(c, base, verdict)]
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn slow_resolver_against_a_short_start_timeout_warns() {
        let env = [
            ("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock"),
            ("CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE", "bridge"),
            (
                "CORE_VM_DOCKER_HOSTCONFIG_DNS",
                "10.68.0.2 10.0.0.1 10.0.0.2",
            ),
            ("CORE_CHAINCODE_STARTUPTIMEOUT", "60s"),
        ];
        // The options reach chaincode from the daemon (Fabric never passes HostConfig
        // DnsOptions on).
        let out = LookupOutlastsStartup.evaluate(
            &ctx(),
            &inventory(
                vec![k8s_peer("p", "default", &env)],
                Some("--dns-opt timeout:10 --dns-opt attempts:3"),
                None,
            ),
        );
        assert_eq!(statuses(&out), vec![Status::Warn]);
        assert!(out[0].message.contains("= 90 s"), "{}", out[0].message);
        // musl waits `timeout` in total, whatever the servers and attempts.
        let others = out[0].evidence["other_resolvers"].to_string();
        assert!(
            others.contains("musl: pass") && others.contains("= 10 s"),
            "{others}"
        );
        let out = LookupOutlastsStartup.evaluate(
            &ctx(),
            &inventory(
                vec![k8s_peer("p", "default", &env[..1])],
                Some(SEED_DOCKER_OPTS),
                None,
            ),
        );
        assert_eq!(statuses(&out), vec![Status::Pass]);
    }
}
