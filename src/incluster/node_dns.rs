//! The per-node chaincode DNS probe of `check --probe in-cluster`.
//!
//! Chaincode resolves its peer's name with the resolver its runtime gives it on whichever node
//! it lands, so the lookups are made on every node: a DaemonSet (one pod per Linux node,
//! tainted ones included) runs fabcheck's image as `probe-in-cluster --dns`.
//!
//! - The runner groups the discovered peers' chaincode resolver contexts by the lists their
//!   runtime sets ([`groups`]) and hands the groups over in the targets ConfigMap.
//! - Each pod reads the node's resolv.conf (its own: `dnsPolicy: Default` is the node's file as
//!   kubelet reads it), builds each group's resolv.conf the way the runtime would
//!   ([`runtime_resolv_conf`]: Docker replaces each list it is given and keeps the node's
//!   others, dropping loopback nameservers and falling back to Google's servers when none is
//!   left), and looks the group's names up the way the chaincode's stub resolver does — glibc,
//!   musl or Go, as the context assumes ([`crate::probe::dns::resolve_names_as`]) — each
//!   lookup bounded.
//! - The pod writes a [`NodeReport`] (key `dns.json`) into a ConfigMap named after itself,
//!   owned by the targets ConfigMap so that the garbage collector removes it with the run.
//! - The runner waits until every node the DaemonSet wants has reported, or its bound
//!   ([`collect`]), and turns the reports into [`DnsObservation`]s, one per chaincode context
//!   per node, which DNS-008 and DNS-009 judge like any other lookups. A node that did not
//!   report, or a cluster with no node for the DaemonSet, is an observation that failed (the
//!   checks say `error`), never a silent gap.
//!
//! Where the probe differs from the chaincode it stands for: it sits on the pod network, while
//! chaincode launched by the node's own Docker daemon sits on the node's Docker bridge
//! (Docker-in-Docker chaincode is behind its peer pod, on the pod network like the probe); and
//! on a user-defined Docker network chaincode asks Docker's embedded server, which forwards to
//! the same servers the probe asks directly.
//!
//! Tests run the pod's code as a local process: `FABCHECK_RESOLV_CONF` names the file kubelet
//! would mount as /etc/resolv.conf, and `FABCHECK_SERVICE_NAT` (`10.96.0.10=127.0.0.1:5353`,
//! comma-separated) stands in for kube-proxy, which sends a Service address to a server.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{ConfigMap, Container, PodSecurityContext, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::ListParams;
use kube::{Api, Client};

use super::{RUN_LABEL, human};
use crate::inventory::dns::{
    ConfiguredLists, DnsObservation, NameResolution, ResolverConfig, ResolverContext, Runtime,
    Vantage,
};
use crate::kube::Object;
use crate::kube::wait::{self, Readiness, dynamic_api};
use crate::probe::pod_spec::{downward_env, on_every_linux_node, resources, restricted};

/// The key of a node's report in its ConfigMap.
pub const REPORT_KEY: &str = "dns.json";

/// The label that marks the DaemonSet's pods and their reports (value [`PART`]).
pub const PART_LABEL: &str = "fabcheck.io/probe-part";

/// The [`PART_LABEL`] value of everything of the node DNS probe.
pub const PART: &str = "node-dns";

/// The file kubelet mounts as a pod's resolv.conf.
const RESOLV_CONF: &str = "/etc/resolv.conf";

/// What Docker gives a container when the node's file has no nameserver it keeps
/// (libnetwork's default DNS servers).
const DOCKER_DEFAULT_NAMESERVERS: [&str; 2] = ["8.8.8.8", "8.8.4.4"];

/// Lookups a pod makes at once.
const CONCURRENCY: usize = 16;

/// How often the runner looks for reports.
const POLL: Duration = Duration::from_millis(500);

/// One resolver chaincode gets, and the peers whose chaincode gets it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DnsGroup {
    /// Chaincode launched through Docker (Docker's rules for the node's file), rather than a
    /// pod's own resolver.
    pub docker: bool,
    /// The lists the runtime sets; the others are the node's.
    pub lists: ConfiguredLists,
    /// The stub resolver the chaincode is assumed to use: the pod looks the names up in its
    /// order (musl: all servers at once, no search for names with ndots dots; Go: on to the
    /// next candidate after any failure).
    #[serde(default)]
    pub resolver: crate::inventory::dns::StubResolver,
    pub contexts: Vec<ContextNames>,
}

/// A chaincode context and the names its chaincode asks for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContextNames {
    /// `chaincode of peer0-org1`: what the findings name.
    pub label: String,
    pub names: Vec<String>,
}

impl DnsGroup {
    /// Every name of the group, each once, in the order first asked.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for name in self.contexts.iter().flat_map(|c| &c.names) {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }
}

/// The contexts with names to look up, grouped by runtime and configured lists. A context
/// whose runtime cannot run chaincode (no Docker daemon reachable) is left to the static
/// checks, as are names that are not DNS names (unevaluated templates).
pub fn groups(contexts: &[ResolverContext]) -> Vec<DnsGroup> {
    let mut groups: Vec<DnsGroup> = Vec::new();
    for c in contexts {
        let docker = match c.runtime {
            Runtime::Docker { .. } => true,
            Runtime::External { .. } => false,
            Runtime::Unavailable { .. } => continue,
        };
        let mut names: Vec<String> = Vec::new();
        for n in &c.names {
            if crate::probe::dns_pod::validate_name(&n.name).is_ok() && !names.contains(&n.name) {
                names.push(n.name.clone());
            }
        }
        if names.is_empty() {
            continue;
        }
        let lists = c.configured_lists();
        let resolver = c.assumption.resolver;
        let context = ContextNames {
            label: c.label.clone(),
            names,
        };
        match groups
            .iter_mut()
            .find(|g| g.docker == docker && g.lists == lists && g.resolver == resolver)
        {
            Some(g) => g.contexts.push(context),
            None => groups.push(DnsGroup {
                docker,
                lists,
                resolver,
                contexts: vec![context],
            }),
        }
    }
    groups
}

/// What one node's probe pod saw.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NodeReport {
    pub pod: String,
    pub node: Option<String>,
    /// Why the node's resolv.conf could not be read (then every list is the runtime's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_resolv_conf_error: Option<String>,
    /// One per group, in the targets' order.
    pub groups: Vec<GroupReport>,
}

/// One group's lookups on one node.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupReport {
    /// The resolv.conf the group's chaincode gets on this node, as the probe built it.
    pub resolv_conf: String,
    pub results: Vec<NameResolution>,
    /// Why the lookups could not all be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Where the runtime's file differs from what the settings say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A resolv.conf's lists as written: nameservers, the search list (the last `search` or
/// `domain` line, as glibc takes it), and every option word.
#[derive(Debug, Default, PartialEq, Eq)]
struct ResolvLists {
    nameservers: Vec<String>,
    search: Vec<String>,
    options: Vec<String>,
}

fn resolv_lists(text: &str) -> ResolvLists {
    let mut lists = ResolvLists::default();
    for raw in text.lines() {
        let line = raw.split(['#', ';']).next().unwrap_or("");
        let mut words = line.split_whitespace();
        match words.next() {
            Some("nameserver") => lists.nameservers.extend(words.next().map(str::to_owned)),
            Some("search") => lists.search = words.map(str::to_owned).collect(),
            Some("domain") => lists.search = words.next().map(str::to_owned).into_iter().collect(),
            Some("options") => lists.options.extend(words.map(str::to_owned)),
            _ => {}
        }
    }
    lists
}

fn is_loopback(nameserver: &str) -> bool {
    let ip = nameserver.split('%').next().unwrap_or(nameserver);
    ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The resolv.conf the group's chaincode gets on a node whose file is `node`, and notes where
/// the runtime changed what the node gave. Docker keeps the node's lists the runtime does not
/// set, without loopback nameservers (a container's loopback is its own), and uses Google's
/// servers when none is left.
pub fn runtime_resolv_conf(group: &DnsGroup, node: &str) -> (String, Vec<String>) {
    let node = resolv_lists(node);
    let mut notes = Vec::new();
    let nameservers = match &group.lists.nameservers {
        Some(set) => set.clone(),
        None if group.docker => {
            let kept: Vec<String> = node
                .nameservers
                .iter()
                .filter(|n| !is_loopback(n))
                .cloned()
                .collect();
            if kept.len() < node.nameservers.len() {
                notes.push(
                    "Docker drops the node's loopback nameservers (a container's loopback is its own)"
                        .to_owned(),
                );
            }
            if kept.is_empty() {
                notes.push(format!(
                    "the node's resolv.conf leaves no nameserver, so Docker uses {}",
                    DOCKER_DEFAULT_NAMESERVERS.join(" and ")
                ));
                DOCKER_DEFAULT_NAMESERVERS.map(str::to_owned).to_vec()
            } else {
                kept
            }
        }
        None => node.nameservers,
    };
    let search = group.lists.search.clone().unwrap_or(node.search);
    let options = group.lists.options.clone().unwrap_or(node.options);
    let mut text = String::new();
    for n in &nameservers {
        text.push_str(&format!("nameserver {n}\n"));
    }
    if !search.is_empty() {
        text.push_str(&format!("search {}\n", search.join(" ")));
    }
    if !options.is_empty() {
        text.push_str(&format!("options {}\n", options.join(" ")));
    }
    (text, notes)
}

/// Service addresses and the servers behind them (`FABCHECK_SERVICE_NAT`).
pub type ServiceNat = BTreeMap<IpAddr, SocketAddr>;

/// Parses `10.96.0.10=127.0.0.1:5353,…`.
pub fn parse_service_nat(text: &str) -> Result<ServiceNat, String> {
    let mut nat = ServiceNat::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (from, to) = entry
            .split_once('=')
            .ok_or_else(|| format!("'{entry}' is not ADDRESS=IP:PORT"))?;
        let from: IpAddr = from
            .trim()
            .parse()
            .map_err(|e| format!("'{from}' in '{entry}': {e}"))?;
        let to: SocketAddr = to
            .trim()
            .parse()
            .map_err(|e| format!("'{to}' in '{entry}': {e}"))?;
        nat.insert(from, to);
    }
    Ok(nat)
}

/// The pod's side: every group's lookups from this node, side by side, all within `bound`.
pub async fn probe_node(
    groups: &[DnsGroup],
    node_resolv_conf: &Result<String, String>,
    nat: &ServiceNat,
    bound: Duration,
) -> Vec<GroupReport> {
    let deadline = tokio::time::Instant::now() + bound;
    let node_text = node_resolv_conf.as_deref().unwrap_or_default();
    let lookups = groups.iter().map(|group| async move {
        let (resolv_conf, notes) = runtime_resolv_conf(group, node_text);
        let needs_node = group.lists.nameservers.is_none()
            || group.lists.search.is_none()
            || group.lists.options.is_none();
        if let (Err(why), true) = (node_resolv_conf, needs_node) {
            return GroupReport {
                resolv_conf,
                results: Vec::new(),
                failure: Some(format!("the node's resolv.conf is unreadable: {why}")),
                notes,
            };
        }
        let config = ResolverConfig::from_resolv_conf(&resolv_conf);
        let servers: Vec<SocketAddr> = config
            .nameservers
            .iter()
            .map(|n| {
                nat.get(&n.ip)
                    .copied()
                    .unwrap_or(SocketAddr::new(n.ip, crate::probe::dns::DEFAULT_PORT))
            })
            .collect();
        let names = group.names();
        let resolved = tokio::time::timeout_at(
            deadline,
            crate::probe::dns::resolve_names_as(
                group.resolver,
                &servers,
                &config,
                &names,
                CONCURRENCY,
            ),
        )
        .await;
        match resolved {
            Ok(results) => GroupReport {
                resolv_conf,
                results,
                failure: None,
                notes,
            },
            Err(_) => GroupReport {
                resolv_conf,
                results: Vec::new(),
                failure: Some(format!(
                    "the lookups did not finish within {}",
                    human(bound)
                )),
                notes,
            },
        }
    });
    futures_util::future::join_all(lookups).await
}

/// The node's resolv.conf as the pod sees it (`FABCHECK_RESOLV_CONF` moves it for tests).
pub fn read_node_resolv_conf() -> Result<String, String> {
    let path = std::env::var_os("FABCHECK_RESOLV_CONF")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| RESOLV_CONF.into());
    std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {}", path.display(), crate::probe::io_reason(&e)))
}

/// The DaemonSet whose pods probe every node. `labels` are the run's; the pods also carry
/// [`PART_LABEL`], which with the run's label selects them.
pub fn daemon_set(
    meta: ObjectMeta,
    labels: &BTreeMap<String, String>,
    image: &str,
    service_account: &str,
    targets_configmap: &str,
) -> DaemonSet {
    let namespace = meta.namespace.clone().unwrap_or_default();
    let mut pod_labels = labels.clone();
    pod_labels.insert(PART_LABEL.to_owned(), PART.to_owned());
    let selector: BTreeMap<String, String> = pod_labels
        .iter()
        .filter(|(k, _)| k.as_str() == RUN_LABEL || k.as_str() == PART_LABEL)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let container = Container {
        name: "probe".to_owned(),
        image: Some(image.to_owned()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(vec![
            "probe-in-cluster".to_owned(),
            "--dns".to_owned(),
            "--namespace".to_owned(),
            namespace,
            "--targets-configmap".to_owned(),
            targets_configmap.to_owned(),
        ]),
        env: Some(vec![
            downward_env("FABCHECK_POD_NAME", "metadata.name"),
            downward_env("FABCHECK_POD_NAMESPACE", "metadata.namespace"),
            downward_env("FABCHECK_NODE_NAME", "spec.nodeName"),
        ]),
        resources: Some(resources(("10m", "32Mi"), ("200m", "128Mi"))),
        security_context: Some(restricted()),
        ..Container::default()
    };
    let pod = on_every_linux_node(PodSpec {
        containers: vec![container],
        service_account_name: Some(service_account.to_owned()),
        // The node's resolv.conf, as kubelet reads it: what Docker starts from.
        dns_policy: Some("Default".to_owned()),
        host_network: Some(false),
        restart_policy: Some("Always".to_owned()),
        enable_service_links: Some(false),
        termination_grace_period_seconds: Some(5),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            ..PodSecurityContext::default()
        }),
        ..PodSpec::default()
    });
    crate::probe::pod_spec::daemon_set(meta, selector, pod_labels, pod)
}

/// A report ConfigMap as the runner read it.
#[derive(Debug, Clone)]
pub struct ReadReport {
    /// `namespace/name` of the ConfigMap.
    pub configmap: String,
    pub report: Result<NodeReport, String>,
}

/// The label selector of one run's node reports.
pub fn report_selector(run_id: &str) -> String {
    format!("{RUN_LABEL}={run_id},{PART_LABEL}={PART}")
}

/// The observations the reports give: for each report, one per context of each group, with the
/// context's own names.
pub fn observations(groups: &[DnsGroup], reports: &[ReadReport]) -> Vec<DnsObservation> {
    let mut out = Vec::new();
    for read in reports {
        let report = match &read.report {
            Ok(r) => r,
            Err(why) => {
                let vantage = Vantage::Pod {
                    pod: read.configmap.clone(),
                    node: None,
                    resolver: None,
                };
                out.extend(failed(
                    groups,
                    &vantage,
                    &format!(
                        "the report in ConfigMap {} is unreadable: {why}",
                        read.configmap
                    ),
                ));
                continue;
            }
        };
        let vantage = Vantage::Pod {
            pod: report.pod.clone(),
            node: report.node.clone(),
            resolver: None,
        };
        if report.groups.len() != groups.len() {
            out.extend(failed(
                groups,
                &vantage,
                &format!(
                    "the report in ConfigMap {} holds {} resolver groups, {} were asked for",
                    read.configmap,
                    report.groups.len(),
                    groups.len()
                ),
            ));
            continue;
        }
        for (group, seen) in groups.iter().zip(&report.groups) {
            let config = ResolverConfig::from_resolv_conf(&seen.resolv_conf);
            let vantage = match &vantage {
                Vantage::Pod { pod, node, .. } => Vantage::Pod {
                    pod: pod.clone(),
                    node: node.clone(),
                    resolver: Some(group.resolver),
                },
                other => other.clone(),
            };
            for context in &group.contexts {
                let results = context
                    .names
                    .iter()
                    .filter_map(|n| seen.results.iter().find(|r| &r.name == n).cloned())
                    .collect::<Vec<_>>();
                let failure = seen.failure.clone().or_else(|| {
                    (results.len() < context.names.len()).then(|| {
                        "the report has no lookup for some of the context's names".to_owned()
                    })
                });
                out.push(DnsObservation {
                    context: context.label.clone(),
                    vantage: vantage.clone(),
                    config: config.clone(),
                    results,
                    failure,
                    missing_network: None,
                });
            }
        }
    }
    out
}

/// One failed observation per context: the lookups could not be made from `vantage`.
pub fn failed(groups: &[DnsGroup], vantage: &Vantage, why: &str) -> Vec<DnsObservation> {
    groups
        .iter()
        .flat_map(|g| &g.contexts)
        .map(|c| DnsObservation {
            context: c.label.clone(),
            vantage: vantage.clone(),
            config: ResolverConfig::default(),
            results: Vec::new(),
            failure: Some(why.to_owned()),
            missing_network: None,
        })
        .collect()
}

/// Reports kept for the observations: one per node, the newest (a replaced pod reports again).
fn one_per_node(mut reports: Vec<(String, ReadReport)>) -> Vec<ReadReport> {
    // Oldest first, so the newest of a node is inserted last.
    reports.sort_by(|a, b| a.0.cmp(&b.0));
    let mut by_node: BTreeMap<String, ReadReport> = BTreeMap::new();
    for (_, read) in reports {
        let key = match &read.report {
            Ok(NodeReport {
                node: Some(node), ..
            }) => format!("node {node}"),
            _ => format!("configmap {}", read.configmap),
        };
        by_node.insert(key, read);
    }
    by_node.into_values().collect()
}

/// The runner's side: waits (until `deadline`) for a report from every node the DaemonSet
/// wants, and returns the observations and the names of the report ConfigMaps seen.
pub async fn collect(
    client: &Client,
    daemon_set: &Object,
    run_id: &str,
    groups: &[DnsGroup],
    deadline: Instant,
    timeout: Duration,
) -> (Vec<DnsObservation>, Vec<String>) {
    let namespace = daemon_set.namespace.clone().unwrap_or_default();
    let shown = format!("DaemonSet {namespace}/{}", daemon_set.name);
    let whole = Vantage::Pod {
        pod: format!("{} ({shown})", daemon_set.name),
        node: None,
        resolver: None,
    };
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &namespace);
    let selector = ListParams::default().labels(&report_selector(run_id));
    loop {
        let wanted = desired(client, daemon_set).await;
        let listed = configmaps.list(&selector).await;
        let (reports, names) = match listed {
            Ok(list) => {
                let names: Vec<String> = list
                    .items
                    .iter()
                    .filter_map(|cm| cm.metadata.name.clone())
                    .collect();
                (list.items.into_iter().map(read_report).collect(), names)
            }
            Err(e) if crate::kube::is_forbidden(&e) => {
                let why = format!(
                    "failed to list the probe's reports in {namespace}: {}",
                    super::job::describe(&e)
                );
                return (failed(groups, &whole, &why), Vec::new());
            }
            // A passing hiccup: look again.
            Err(_) => (Vec::new(), Vec::new()),
        };
        let reports = one_per_node(reports);
        match wanted {
            Ok(Some(0)) => {
                let why = format!(
                    "no node runs {shown} (desiredNumberScheduled 0): the cluster has no Linux node the probe may run on"
                );
                return (failed(groups, &whole, &why), names);
            }
            Ok(Some(n)) if reports.len() >= n => return (observations(groups, &reports), names),
            _ => {}
        }
        let now = Instant::now();
        if now >= deadline {
            let state = match wanted {
                Ok(Some(n)) => format!("{} of {n} nodes reported", reports.len()),
                Ok(None) => "the DaemonSet controller has not counted the nodes yet".to_owned(),
                Err(why) => why,
            };
            let why = format!(
                "not every node reported within {}: {}",
                human(timeout),
                wait::explain(client, daemon_set, &Readiness::Pending(state)).await
            );
            let mut out = observations(groups, &reports);
            out.extend(failed(groups, &whole, &why));
            return (out, names);
        }
        tokio::time::sleep(POLL.min(deadline - now)).await;
    }
}

/// The number of nodes the DaemonSet controller wants a pod on; `None` until it has looked at
/// the current generation.
async fn desired(client: &Client, daemon_set: &Object) -> Result<Option<usize>, String> {
    let stored = dynamic_api(client, daemon_set)
        .get(&daemon_set.name)
        .await
        .map_err(|e| {
            format!(
                "failed to read {}: {}",
                daemon_set.key(),
                super::job::describe(&e)
            )
        })?;
    let value = serde_json::to_value(&stored).unwrap_or_default();
    let int = |pointer: &str| value.pointer(pointer).and_then(serde_json::Value::as_i64);
    let generation = int("/metadata/generation").unwrap_or(1);
    let observed = int("/status/observedGeneration").unwrap_or(0);
    if observed < generation {
        return Ok(None);
    }
    Ok(Some(
        usize::try_from(int("/status/desiredNumberScheduled").unwrap_or(0)).unwrap_or(0),
    ))
}

/// The creation time (for ordering) and the parsed report of a report ConfigMap.
fn read_report(cm: ConfigMap) -> (String, ReadReport) {
    let created = cm
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| t.0.to_string())
        .unwrap_or_default();
    let configmap = format!(
        "{}/{}",
        cm.metadata.namespace.as_deref().unwrap_or_default(),
        cm.metadata.name.as_deref().unwrap_or_default()
    );
    let report = match cm.data.as_ref().and_then(|d| d.get(REPORT_KEY)) {
        Some(json) => serde_json::from_str(json).map_err(|e| e.to_string()),
        None => Err(format!("no key {REPORT_KEY}")),
    };
    (created, ReadReport { configmap, report })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::dns::{CandidateAnswer, CandidateOutcome};

    fn group(docker: bool, lists: ConfiguredLists, contexts: &[(&str, &[&str])]) -> DnsGroup {
        DnsGroup {
            docker,
            lists,
            resolver: crate::inventory::dns::StubResolver::Glibc,
            contexts: contexts
                .iter()
                .map(|(label, names)| ContextNames {
                    label: (*label).to_owned(),
                    names: names.iter().map(|n| (*n).to_owned()).collect(),
                })
                .collect(),
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    const NODE: &str = "# generated\nnameserver 127.0.0.53\nnameserver 10.0.0.2 ; vpc\nsearch ec2.internal corp.example\noptions edns0 trust-ad\n";

    #[test]
    fn contexts_group_by_runtime_and_the_lists_the_runtime_sets() {
        use crate::checks::dns::testing::{SEED_DOCKER_OPTS, inventory, k8s_peer};
        let dind = |name: &str, ns: &str, search: &str| {
            k8s_peer(
                name,
                ns,
                &[
                    ("CORE_VM_ENDPOINT", "tcp://127.0.0.1:2375"),
                    ("CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE", "bridge"),
                    ("CORE_VM_DOCKER_HOSTCONFIG_DNS", "10.96.0.10"),
                    ("CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH", search),
                ],
            )
        };
        let peers = vec![
            dind(
                "peer0-org1",
                "org1",
                "org1.svc.cluster.local svc.cluster.local",
            ),
            dind(
                "peer1-org1",
                "org1",
                "org1.svc.cluster.local svc.cluster.local",
            ),
            dind(
                "peer0-org2",
                "org2",
                "org2.svc.cluster.local svc.cluster.local",
            ),
            // The node's daemon: nothing on the peer, so the daemon's flags decide.
            k8s_peer(
                "peer0-org3",
                "org3",
                &[("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock")],
            ),
        ];
        let inv = inventory(peers, Some(SEED_DOCKER_OPTS), Some("10.96.0.10"));
        let groups = groups(&inv.dns.contexts);
        let labels: Vec<Vec<&str>> = groups
            .iter()
            .map(|g| g.contexts.iter().map(|c| c.label.as_str()).collect())
            .collect();
        assert_eq!(groups.len(), 3, "{groups:#?}");
        assert_eq!(labels[0].len(), 2, "{labels:?}");
        assert!(labels[0][0].contains("peer0-org1") && labels[0][1].contains("peer1-org1"));
        assert!(labels[1][0].contains("peer0-org2"));
        assert!(groups.iter().all(|g| g.docker));
        let org1 = &groups[0].lists;
        assert_eq!(org1.nameservers, Some(strings(&["10.96.0.10"])));
        assert_eq!(
            org1.search,
            Some(strings(&["org1.svc.cluster.local", "svc.cluster.local"]))
        );
        // Options never come from the peer (Fabric does not pass HostConfig DnsOptions on):
        // this DinD daemon has no --dns-opt, so its pod's resolv.conf (ClusterFirst) decides.
        assert!(
            org1.options
                .as_ref()
                .unwrap()
                .contains(&"ndots:5".to_owned()),
            "{org1:?}"
        );
        let daemon = &groups[2].lists;
        assert_eq!(
            daemon.nameservers,
            Some(strings(&["10.68.0.2", "192.168.1.1"]))
        );
        for g in &groups {
            assert!(g.contexts.iter().all(|c| !c.names.is_empty()));
        }
        // Fabric 1.4 peers, language unknown: Go chaincode, so the pods look up as Go does.
        assert!(
            groups
                .iter()
                .all(|g| g.resolver == crate::inventory::dns::StubResolver::Go),
            "{groups:#?}"
        );
    }

    #[test]
    fn contexts_that_assume_another_resolver_are_looked_up_apart() {
        use crate::checks::dns::testing::{inventory, k8s_peer};
        use crate::inventory::dns::StubResolver;
        let peer = |name: &str| {
            k8s_peer(
                name,
                "org1",
                &[
                    ("CORE_VM_ENDPOINT", "tcp://127.0.0.1:2375"),
                    ("CORE_VM_DOCKER_HOSTCONFIG_DNS", "10.96.0.10"),
                ],
            )
        };
        let mut inv = inventory(vec![peer("peer0"), peer("peer1")], None, Some("10.96.0.10"));
        inv.dns.contexts[1].assumption =
            crate::inventory::dns::ResolverAssumption::overridden(StubResolver::Musl);
        let groups = groups(&inv.dns.contexts);
        assert_eq!(groups.len(), 2, "{groups:#?}");
        assert_eq!(groups[0].resolver, StubResolver::Go);
        assert_eq!(groups[1].resolver, StubResolver::Musl);
        // The pod is told which, and an older runner's targets (no field) mean glibc.
        let json = serde_json::to_string(&groups[1]).unwrap();
        assert!(json.contains(r#""resolver":"musl""#), "{json}");
        let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
        old.as_object_mut().unwrap().remove("resolver");
        let old: DnsGroup = serde_json::from_value(old).unwrap();
        assert_eq!(old.resolver, StubResolver::Glibc);
    }

    #[test]
    fn docker_keeps_the_nodes_lists_it_is_not_given_without_loopback_servers() {
        let g = group(
            true,
            ConfiguredLists {
                search: Some(strings(&["org1.svc.cluster.local", "svc.cluster.local"])),
                ..ConfiguredLists::default()
            },
            &[],
        );
        let (text, notes) = runtime_resolv_conf(&g, NODE);
        assert_eq!(
            text,
            "nameserver 10.0.0.2\nsearch org1.svc.cluster.local svc.cluster.local\noptions edns0 trust-ad\n"
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("loopback"), "{notes:?}");
    }

    #[test]
    fn docker_falls_back_to_its_default_servers_and_a_pod_keeps_loopback() {
        let node = "nameserver 127.0.0.53\ndomain corp.example\n";
        let g = group(true, ConfiguredLists::default(), &[]);
        let (text, notes) = runtime_resolv_conf(&g, node);
        assert_eq!(
            text,
            "nameserver 8.8.8.8\nnameserver 8.8.4.4\nsearch corp.example\n"
        );
        assert!(notes.iter().any(|n| n.contains("8.8.8.8")), "{notes:?}");
        let pod = group(false, ConfiguredLists::default(), &[]);
        let (text, notes) = runtime_resolv_conf(&pod, node);
        assert_eq!(text, "nameserver 127.0.0.53\nsearch corp.example\n");
        assert!(notes.is_empty());
    }

    #[test]
    fn configured_lists_replace_the_nodes() {
        let g = group(
            true,
            ConfiguredLists {
                nameservers: Some(strings(&["10.96.0.10"])),
                search: Some(strings(&["org1.svc.cluster.local"])),
                options: Some(strings(&["ndots:2", "timeout:2", "attempts:2"])),
            },
            &[],
        );
        let (text, notes) = runtime_resolv_conf(&g, NODE);
        assert_eq!(
            text,
            "nameserver 10.96.0.10\nsearch org1.svc.cluster.local\noptions ndots:2 timeout:2 attempts:2\n"
        );
        assert!(notes.is_empty());
        let config = ResolverConfig::from_resolv_conf(&text);
        assert_eq!((config.ndots, config.timeout, config.attempts), (2, 2, 2));
    }

    #[test]
    fn service_nat_parses_and_names_bad_entries() {
        let nat = parse_service_nat("10.96.0.10=127.0.0.1:5353, fd00::a=[::1]:53").unwrap();
        assert_eq!(
            nat[&"10.96.0.10".parse::<IpAddr>().unwrap()],
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(nat.len(), 2);
        assert!(parse_service_nat("").unwrap().is_empty());
        let err = parse_service_nat("10.96.0.10").unwrap_err();
        assert!(err.contains("ADDRESS=IP:PORT"), "{err}");
        let err = parse_service_nat("10.96.0.10=nowhere").unwrap_err();
        assert!(err.contains("nowhere"), "{err}");
    }

    fn resolution(name: &str, hit: Option<&str>) -> NameResolution {
        NameResolution {
            name: name.to_owned(),
            candidates: vec![CandidateOutcome {
                query: format!("{name}.svc.cluster.local"),
                answer: match hit {
                    Some(ip) => CandidateAnswer::Addresses(vec![ip.parse().unwrap()]),
                    None => CandidateAnswer::NoSuchName,
                },
            }],
        }
    }

    #[test]
    fn reports_become_one_observation_per_context_and_node() {
        let groups = vec![group(
            true,
            ConfiguredLists::default(),
            &[
                ("chaincode of peer0-org1", &["peer0.org1"]),
                ("chaincode of peer1-org1", &["peer1.org1", "peer0.org1"]),
            ],
        )];
        assert_eq!(groups[0].names(), strings(&["peer0.org1", "peer1.org1"]));
        let report = |node: &str| ReadReport {
            configmap: format!("fabcheck-system/probe-{node}"),
            report: Ok(NodeReport {
                pod: format!("probe-{node}"),
                node: Some(node.to_owned()),
                node_resolv_conf_error: None,
                groups: vec![GroupReport {
                    resolv_conf: "nameserver 10.96.0.10\noptions ndots:2\n".to_owned(),
                    results: vec![
                        resolution("peer0.org1", Some("10.96.11.10")),
                        resolution("peer1.org1", None),
                    ],
                    failure: None,
                    notes: Vec::new(),
                }],
            }),
        };
        let unreadable = ReadReport {
            configmap: "fabcheck-system/probe-c".to_owned(),
            report: Err("expected value at line 1 column 1".to_owned()),
        };
        let obs = observations(&groups, &[report("node-a"), report("node-b"), unreadable]);
        assert_eq!(obs.len(), 6);
        let first = &obs[0];
        assert_eq!(first.context, "chaincode of peer0-org1");
        assert_eq!(
            first.vantage,
            Vantage::Pod {
                pod: "probe-node-a".into(),
                node: Some("node-a".into()),
                resolver: Some(crate::inventory::dns::StubResolver::Glibc),
            }
        );
        assert_eq!(first.config.ndots, 2);
        assert_eq!(first.results.len(), 1);
        assert!(first.failure.is_none());
        let second = &obs[1];
        let names: Vec<&str> = second.results.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["peer1.org1", "peer0.org1"]);
        assert!(
            obs[4]
                .failure
                .as_deref()
                .unwrap()
                .contains("probe-c is unreadable"),
            "{:?}",
            obs[4]
        );
        // A report of another shape is a failure, not a silent pass.
        let mut short = report("node-d");
        if let Ok(r) = &mut short.report {
            r.groups.clear();
        }
        let obs = observations(&groups, &[short]);
        assert!(obs.iter().all(|o| {
            o.failure
                .as_deref()
                .unwrap()
                .contains("holds 0 resolver groups")
        }));
    }

    #[test]
    fn the_newest_report_of_a_node_counts_once() {
        let read = |cm: &str, node: &str| ReadReport {
            configmap: cm.to_owned(),
            report: Ok(NodeReport {
                pod: cm.to_owned(),
                node: Some(node.to_owned()),
                node_resolv_conf_error: None,
                groups: Vec::new(),
            }),
        };
        let kept = one_per_node(vec![
            ("2026-01-01T00:00:02Z".into(), read("new", "a")),
            ("2026-01-01T00:00:01Z".into(), read("old", "a")),
            ("2026-01-01T00:00:01Z".into(), read("other", "b")),
        ]);
        let names: Vec<&str> = kept.iter().map(|r| r.configmap.as_str()).collect();
        assert_eq!(names, ["new", "other"]);
    }

    #[test]
    fn the_daemon_set_runs_the_probe_on_every_node_with_the_nodes_resolver() {
        let labels = BTreeMap::from([
            (RUN_LABEL.to_owned(), "1a2b3c4d".to_owned()),
            ("fabcheck.io/component".to_owned(), "probe".to_owned()),
        ]);
        let meta = ObjectMeta {
            name: Some("fabcheck-probe-1a2b3c4d-dns".into()),
            namespace: Some("fabcheck-system".into()),
            labels: Some(labels.clone()),
            ..ObjectMeta::default()
        };
        let ds = daemon_set(
            meta,
            &labels,
            "fabcheck:test",
            "fabcheck-probe-1a2b3c4d",
            "t",
        );
        let body = Object::new(&ds).body;
        let spec = &body["spec"];
        let selector = &spec["selector"]["matchLabels"];
        assert_eq!(selector[RUN_LABEL], "1a2b3c4d");
        assert_eq!(selector[PART_LABEL], PART);
        let template_labels = &spec["template"]["metadata"]["labels"];
        for (k, v) in selector.as_object().unwrap() {
            assert_eq!(&template_labels[k], v, "selector must match the template");
        }
        let pod = &spec["template"]["spec"];
        assert_eq!(pod["dnsPolicy"], "Default");
        assert_eq!(pod["serviceAccountName"], "fabcheck-probe-1a2b3c4d");
        assert_eq!(pod["tolerations"][0]["operator"], "Exists");
        assert_eq!(pod["nodeSelector"]["kubernetes.io/os"], "linux");
        let env = pod["containers"][0]["env"].as_array().unwrap();
        assert!(env.iter().any(|e| e["name"] == "FABCHECK_NODE_NAME"
            && e["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"));
        // The hidden subcommand parses what the pods run.
        use clap::Parser;
        let args = pod["containers"][0]["args"].as_array().unwrap();
        let argv = std::iter::once("fabcheck".to_owned())
            .chain(args.iter().map(|a| a.as_str().unwrap().to_owned()));
        let cli = crate::cli::Cli::try_parse_from(argv).unwrap();
        match cli.command {
            crate::cli::Command::ProbeInCluster(a) => {
                assert!(a.dns);
                assert_eq!(a.targets_configmap, "t");
                assert_eq!(a.namespace.as_deref(), Some("fabcheck-system"));
            }
            _ => panic!("not probe-in-cluster"),
        }
    }
}
