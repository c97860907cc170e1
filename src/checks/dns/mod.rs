//! Chaincode DNS: whether the containers and pods that run chaincode resolve the names they
//! must reach (DNS-001..009). Static checks judge the resolver contexts built from the
//! artifacts; live checks judge lookups made with those settings.

use std::collections::BTreeSet;

use crate::checks::nothing_to_check;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::dns::chaincode::Platform;
use crate::inventory::dns::{ResolverContext, SettingSource, StubResolver};

pub mod cluster_dns_missing;
pub mod lookup_outlasts_startup;
pub mod name_does_not_resolve;
pub mod ndots_too_low;
pub mod network_mode_unusable;
pub mod resolved_outside_cluster;
pub mod resolver_config_invalid;
pub mod search_cannot_complete;
pub mod setting_not_applied;

#[cfg(test)]
pub mod testing;

/// The target of a finding about one resolver context.
pub fn target(ctx: &ResolverContext) -> Target {
    Target::new(TargetKind::Object, ctx.label.clone()).with_locator(Some(ctx.origin.to_string()))
}

/// The context's effective settings, as evidence.
pub fn with_settings(o: Outcome, ctx: &ResolverContext) -> Outcome {
    let c = &ctx.config;
    o.with("runtime", ctx.runtime.describe())
        .with("resolver", ctx.assumption.describe())
        .with(
            "nameservers",
            c.nameservers
                .iter()
                .map(|n| n.ip.to_string())
                .collect::<Vec<_>>(),
        )
        .with("nameservers_from", ctx.nameservers_from.describe())
        .with("search", c.search.clone())
        .with("search_from", ctx.search_from.describe())
        .with("ndots", c.ndots)
        .with("timeout", c.timeout)
        .with("attempts", c.attempts)
}

/// A verdict that depends on the stub resolver: the status and message of the one the context
/// assumes (the message says which and why), and, where another resolver would be judged
/// differently, its verdict as `other_resolvers` evidence.
pub fn by_resolver(
    ctx: &ResolverContext,
    o: Outcome,
    verdict: impl Fn(StubResolver) -> (Status, String),
) -> Outcome {
    let assumed = ctx.assumption.resolver;
    let (status, message) = verdict(assumed);
    let others: Vec<String> = StubResolver::ALL
        .into_iter()
        .filter(|r| *r != assumed)
        .filter_map(|r| {
            let (s, m) = verdict(r);
            (s != status).then(|| format!("{r}: {} — {m}", s.as_str()))
        })
        .collect();
    let mut o = o;
    o.status = status;
    o.message = format!("{message}; {}", ctx.assumption.describe());
    if others.is_empty() {
        o
    } else {
        o.with("other_resolvers", others)
    }
}

/// One outcome per context that `applies`, or a single skip when there is none.
pub fn per_context(
    inv: &Inventory,
    applies: impl Fn(&ResolverContext) -> bool,
    judge: impl Fn(&ResolverContext) -> Vec<Outcome>,
) -> Vec<Outcome> {
    let contexts: Vec<&ResolverContext> = inv.dns.contexts.iter().filter(|c| applies(c)).collect();
    if contexts.is_empty() {
        return nothing_to_check(
            inv,
            "peers whose chaincode resolves names (docker.sock, Docker-in-Docker or chaincode pods)",
        );
    }
    contexts.into_iter().flat_map(judge).collect()
}

/// How a name relates to the cluster's DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameKind {
    /// Already ends in the cluster domain.
    ClusterFqdn,
    /// A short Service name of these artifacts, and the FQDN the cluster DNS answers for.
    Service { fqdn: String },
    /// Neither: an external or unknown name, resolved by whatever DNS serves it.
    Other,
}

/// Classifies `name` as the context's resolver would need to complete it.
pub fn classify_name(inv: &Inventory, ctx: &ResolverContext, name: &str) -> NameKind {
    let domain = inv.dns.cluster_domain();
    let bare = name.trim_end_matches('.');
    if bare == domain || bare.ends_with(&format!(".{domain}")) {
        return NameKind::ClusterFqdn;
    }
    let Platform::Kubernetes { namespace } = &ctx.platform else {
        return NameKind::Other;
    };
    let services = crate::inventory::dns::chaincode::service_names(&inv.ordering.workloads);
    let namespaces: BTreeSet<&str> = services.iter().map(|(ns, _)| ns.as_str()).collect();
    let labels: Vec<&str> = bare.split('.').collect();
    let known = |ns: &str, svc: &str| services.contains(&(ns.to_owned(), svc.to_owned()));
    let fqdn = |svc: &str, ns: &str| NameKind::Service {
        fqdn: format!("{svc}.{ns}.svc.{domain}"),
    };
    match labels.as_slice() {
        [svc] if known(namespace, svc) => fqdn(svc, namespace),
        [svc, ns] if known(ns, svc) || namespaces.contains(ns) => fqdn(svc, ns),
        [svc, ns, "svc"] => fqdn(svc, ns),
        _ => NameKind::Other,
    }
}

/// Whether the settings are a template no one evaluated (judging them would be a guess).
pub fn unevaluated(source: &SettingSource) -> Option<String> {
    match source {
        SettingSource::Unevaluated(o) => Some(format!(
            "set by a template value that was not evaluated ({o})"
        )),
        _ => None,
    }
}
