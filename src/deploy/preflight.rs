//! The deploy's preflight: what `fabcheck deploy` asks of the cluster before it applies
//! anything. A Kubernetes version it works with, a schedulable Ready node of an architecture
//! every image is built for, a cluster DNS Service for the chaincode resolvers, namespaces whose
//! Pod Security level admits the pods they will run, and the StorageClass the
//! PersistentVolumeClaims need. Each answer is a [`PreflightItem`]; a [`blocking`] one stops the
//! deploy (exit 4) and says what to change.
//!
//! [`gather`] reads the cluster into [`ClusterFacts`], every request under a timeout; a read the
//! credentials may not make (HTTP 403) becomes a "could not check" warning, never a failure,
//! since a deploy can succeed without, say, the right to list Nodes. [`evaluate`] judges the
//! facts against a [`PreflightRequest`] with no I/O. The request is self-contained, so the
//! caller fills it from whatever model it has.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Namespace, Node};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::ListParams;
use kube::{Api, Client};
use serde::de::DeserializeOwned;

use crate::kube::{self as cluster, ClusterError};

/// The Pod Security admission label that decides what a namespace admits
/// (<https://kubernetes.io/docs/concepts/security/pod-security-admission/>).
pub const PSA_ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";
/// The annotation marking the default StorageClass, and its pre-1.6 beta spelling, which
/// Kubernetes still honours (`k8s.io/component-helpers/storage/volume`, `IsDefaultAnnotation`:
/// either one, valued exactly `"true"`).
pub const DEFAULT_CLASS_ANNOTATIONS: [&str; 2] = [
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
];
/// The newest Kubernetes API fabcheck is built against (k8s-openapi's `v1_33` feature).
pub const NEWEST_KNOWN_SERVER: (u32, u32) = (1, 33);
/// How many minor releases past [`NEWEST_KNOWN_SERVER`] a server may be before the preflight
/// warns: Kubernetes removes a deprecated beta API no sooner than three releases on
/// (<https://kubernetes.io/docs/reference/using-api/deprecation-policy/>), so within that span
/// every API fabcheck uses still exists.
pub const FAR_NEWER_MINORS: u32 = 3;
/// Node taints that mirror the Ready condition; the condition itself is judged, and the node
/// lifecycle controller adds and removes these a few seconds behind it.
const READINESS_TAINTS: [&str; 2] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

/// An image the network runs and the CPU architectures it is built for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageNeed {
    pub image: String,
    /// `kubernetes.io/arch` values (`amd64`, `arm64`); empty means "any".
    pub architectures: Vec<String>,
}

/// The volumes the network's StatefulSets ask for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StorageNeed {
    /// emptyDir only: no StorageClass involved.
    #[default]
    None,
    /// PersistentVolumeClaims of `storage_class`, or of the cluster's default class when `None`.
    Pvc { storage_class: Option<String> },
}

/// What a deploy will need from the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightRequest {
    /// The namespaces the deploy will create or use.
    pub namespaces: Vec<String>,
    pub images: Vec<ImageNeed>,
    /// Namespaces that will run privileged pods (the Docker-in-Docker chaincode sidecar).
    pub privileged_namespaces: Vec<String>,
    pub storage: StorageNeed,
    /// The spec's cluster DNS IP; `None` means it must be discovered in kube-system.
    pub cluster_dns: Option<IpAddr>,
    /// The oldest Kubernetes `(major, minor)` the deploy supports, e.g. `(1, 20)`.
    pub min_server_version: (u32, u32),
}

/// How an item bears on the deploy, least severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemStatus {
    Ok,
    /// Worth knowing; the deploy goes on.
    Warn,
    /// The deploy would fail or hang: it stops before applying anything.
    Block,
}

impl ItemStatus {
    /// `ok`, `warn`, `block`.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Ok => "ok",
            ItemStatus::Warn => "warn",
            ItemStatus::Block => "block",
        }
    }
}

impl std::fmt::Display for ItemStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One preflight answer, for any renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightItem {
    /// What was checked: `kubernetes-version`, `node-architecture`, `cluster-dns`,
    /// `pod-security`, `storage-class`.
    pub name: &'static str,
    pub status: ItemStatus,
    /// What was found, with the values compared.
    pub message: String,
    /// What to change, for items that are not ok.
    pub change: Option<String>,
}

impl std::fmt::Display for PreflightItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.name, self.message)?;
        if let Some(change) = &self.change {
            write!(f, " — {change}")?;
        }
        Ok(())
    }
}

/// Whether any item stops the deploy.
pub fn blocking(items: &[PreflightItem]) -> bool {
    items.iter().any(|i| i.status == ItemStatus::Block)
}

/// Why the deploy did not start.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    #[error("failed to pass the deploy preflight; change this and run again:\n  {}", block_lines(.items))]
    Blocked { items: Vec<PreflightItem> },
}

fn block_lines(items: &[PreflightItem]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// `Err` with the blocking items when there are any.
pub fn verdict(items: &[PreflightItem]) -> Result<(), PreflightError> {
    let blocked: Vec<PreflightItem> = items
        .iter()
        .filter(|i| i.status == ItemStatus::Block)
        .cloned()
        .collect();
    if blocked.is_empty() {
        Ok(())
    } else {
        Err(PreflightError::Blocked { items: blocked })
    }
}

/// One thing read from the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact<T> {
    Read(T),
    /// The API server refused (`forbidden`: HTTP 403) or did not answer in time.
    Unreadable {
        forbidden: bool,
        message: String,
    },
    /// The request did not need it (a spec clusterDns, no PersistentVolumeClaims).
    NotNeeded,
}

/// The `/version` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    /// `1`.
    pub major: String,
    /// `20`; managed clusters add a suffix (`20+`).
    pub minor: String,
    /// `v1.20.2`.
    pub git_version: String,
}

/// A Node, as far as placing pods goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFacts {
    pub name: String,
    /// The `kubernetes.io/arch` label, else its beta spelling, else `status.nodeInfo.architecture`.
    pub architecture: Option<String>,
    /// Cordoned (`spec.unschedulable`).
    pub unschedulable: bool,
    /// Keys of NoSchedule and NoExecute taints, besides the ones that mirror readiness: the
    /// network's pods tolerate none.
    pub taints: Vec<String>,
    /// The Ready condition is `True`.
    pub ready: bool,
}

impl NodeFacts {
    fn usable(&self) -> bool {
        self.ready && !self.unschedulable && self.taints.is_empty()
    }
}

/// A StorageClass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageClassFacts {
    pub name: String,
    pub default: bool,
    pub provisioner: String,
}

/// What [`gather`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterFacts {
    pub server: Fact<ServerVersion>,
    pub nodes: Fact<Vec<NodeFacts>>,
    /// The kube-system DNS Service's IP; `Read(None)` when there is none.
    pub cluster_dns: Fact<Option<IpAddr>>,
    /// Each namespace of the request: `Read(None)` when it does not exist yet, else its
    /// enforced Pod Security level (`Read(Some(None))` when unlabelled).
    pub namespaces: Vec<(String, Fact<Option<Option<String>>>)>,
    pub storage_classes: Fact<Vec<StorageClassFacts>>,
}

/// Reads what `request` needs from the cluster, each request bounded by `timeout`. Never
/// fails: what could not be read is a [`Fact::Unreadable`].
pub async fn gather(
    client: &Client,
    request: &PreflightRequest,
    timeout: Duration,
) -> ClusterFacts {
    let server = bounded(timeout, async {
        client.apiserver_version().await.map(|info| ServerVersion {
            major: info.major,
            minor: info.minor,
            git_version: info.git_version,
        })
    });
    let nodes = async {
        match list_all::<Node>(client, timeout).await {
            Fact::Read(nodes) => Fact::Read(nodes.iter().map(node_facts).collect()),
            Fact::Unreadable { forbidden, message } => Fact::Unreadable { forbidden, message },
            Fact::NotNeeded => Fact::NotNeeded,
        }
    };
    let cluster_dns = async {
        if request.cluster_dns.is_some() {
            return Fact::NotNeeded;
        }
        match tokio::time::timeout(timeout, cluster::cluster_dns(client)).await {
            Ok(Ok(ip)) => Fact::Read(ip),
            Ok(Err(ClusterError::Api { action, message })) => Fact::Unreadable {
                forbidden: message.contains("forbidden (HTTP 403)"),
                message: format!("failed to {action}: {message}"),
            },
            Ok(Err(other)) => Fact::Unreadable {
                forbidden: false,
                message: other.to_string(),
            },
            Err(_) => timed_out(timeout),
        }
    };
    let namespaces =
        futures_util::future::join_all(namespaces_of(request).into_iter().map(|name| async move {
            let api: Api<Namespace> = Api::all(client.clone());
            let fact = bounded(timeout, api.get_opt(&name)).await;
            let fact = match fact {
                Fact::Read(ns) => Fact::Read(ns.map(|ns| {
                    ns.metadata
                        .labels
                        .and_then(|mut l| l.remove(PSA_ENFORCE_LABEL))
                })),
                Fact::Unreadable { forbidden, message } => Fact::Unreadable { forbidden, message },
                Fact::NotNeeded => Fact::NotNeeded,
            };
            (name, fact)
        }));
    let storage_classes = async {
        if request.storage == StorageNeed::None {
            return Fact::NotNeeded;
        }
        match list_all::<StorageClass>(client, timeout).await {
            Fact::Read(classes) => Fact::Read(classes.iter().map(class_facts).collect()),
            Fact::Unreadable { forbidden, message } => Fact::Unreadable { forbidden, message },
            Fact::NotNeeded => Fact::NotNeeded,
        }
    };
    let (server, nodes, cluster_dns, namespaces, storage_classes) =
        futures_util::join!(server, nodes, cluster_dns, namespaces, storage_classes);
    ClusterFacts {
        server,
        nodes,
        cluster_dns,
        namespaces,
        storage_classes,
    }
}

/// Gathers and evaluates.
pub async fn run(
    client: &Client,
    request: &PreflightRequest,
    timeout: Duration,
) -> Vec<PreflightItem> {
    evaluate(request, &gather(client, request, timeout).await)
}

async fn bounded<T>(
    timeout: Duration,
    call: impl Future<Output = Result<T, kube::Error>>,
) -> Fact<T> {
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(value)) => Fact::Read(value),
        Ok(Err(e)) => Fact::Unreadable {
            forbidden: cluster::is_forbidden(&e),
            message: cluster::describe(&e),
        },
        Err(_) => timed_out(timeout),
    }
}

fn timed_out<T>(timeout: Duration) -> Fact<T> {
    Fact::Unreadable {
        forbidden: false,
        message: format!("no answer within {timeout:?}"),
    }
}

/// Every object of a cluster-scoped kind, page by page, each page under `timeout`.
async fn list_all<K>(client: &Client, timeout: Duration) -> Fact<Vec<K>>
where
    K: kube::Resource<Scope = k8s_openapi::ClusterResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::all(client.clone());
    let mut requests = 0;
    match crate::kube::list::all(&api, &ListParams::default(), timeout, &mut requests).await {
        Ok(items) => Fact::Read(items),
        Err(crate::kube::list::ListError::Api(e)) => Fact::Unreadable {
            forbidden: cluster::is_forbidden(&e),
            message: cluster::describe(&e),
        },
        Err(crate::kube::list::ListError::TimedOut(_)) => timed_out(timeout),
    }
}

/// The request's namespaces, privileged ones included, each once, in request order.
fn namespaces_of(request: &PreflightRequest) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ns in request
        .namespaces
        .iter()
        .chain(&request.privileged_namespaces)
    {
        if !out.contains(ns) {
            out.push(ns.clone());
        }
    }
    out
}

fn node_facts(node: &Node) -> NodeFacts {
    let labels = node.metadata.labels.as_ref();
    let label = |key: &str| labels.and_then(|l| l.get(key)).cloned();
    let status = node.status.as_ref();
    let architecture = label("kubernetes.io/arch")
        .or_else(|| label("beta.kubernetes.io/arch"))
        .or_else(|| {
            status
                .and_then(|s| s.node_info.as_ref())
                .map(|i| i.architecture.clone())
                .filter(|a| !a.is_empty())
        });
    let spec = node.spec.as_ref();
    let taints = spec
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .filter(|t| !READINESS_TAINTS.contains(&t.key.as_str()))
        .map(|t| t.key.clone())
        .collect();
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    NodeFacts {
        name: node.metadata.name.clone().unwrap_or_default(),
        architecture,
        unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
        taints,
        ready,
    }
}

fn class_facts(class: &StorageClass) -> StorageClassFacts {
    let annotations = class.metadata.annotations.as_ref();
    StorageClassFacts {
        name: class.metadata.name.clone().unwrap_or_default(),
        default: DEFAULT_CLASS_ANNOTATIONS
            .iter()
            .any(|a| annotations.and_then(|m| m.get(*a)).map(String::as_str) == Some("true")),
        provisioner: class.provisioner.clone(),
    }
}

/// Judges `facts` against `request`: one or more items per check, in a fixed order.
pub fn evaluate(request: &PreflightRequest, facts: &ClusterFacts) -> Vec<PreflightItem> {
    let mut items = vec![server_version(request, &facts.server)];
    items.push(node_architecture(request, &facts.nodes));
    items.push(cluster_dns(request, &facts.cluster_dns));
    items.extend(pod_security(request, &facts.namespaces));
    items.push(storage_class(request, &facts.storage_classes));
    items
}

fn item(
    name: &'static str,
    status: ItemStatus,
    message: String,
    change: Option<String>,
) -> PreflightItem {
    PreflightItem {
        name,
        status,
        message,
        change,
    }
}

/// The warning for a fact that could not be read; `rights` names what a 403 lacked.
fn could_not_check(
    name: &'static str,
    what: &str,
    forbidden: bool,
    message: &str,
    rights: &str,
) -> PreflightItem {
    // A 403's message already says "forbidden (HTTP 403)" and names the user and the right.
    if forbidden {
        item(
            name,
            ItemStatus::Warn,
            format!("could not check {what}: {message}"),
            Some(format!(
                "grant the deploying identity {rights} (rbac/deployer.yaml has it), or check by hand"
            )),
        )
    } else {
        item(
            name,
            ItemStatus::Warn,
            format!("could not check {what}: {message}"),
            None,
        )
    }
}

/// The leading digits of a version part: `20+` → 20.
fn version_number(part: &str) -> Option<u32> {
    let digits: String = part
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn server_version(request: &PreflightRequest, fact: &Fact<ServerVersion>) -> PreflightItem {
    const NAME: &str = "kubernetes-version";
    let version = match fact {
        Fact::Read(v) => v,
        Fact::Unreadable { forbidden, message } => {
            return could_not_check(
                NAME,
                "the Kubernetes version",
                *forbidden,
                message,
                "get on /version",
            );
        }
        Fact::NotNeeded => return item(NAME, ItemStatus::Ok, "not checked".into(), None),
    };
    let (min_major, min_minor) = request.min_server_version;
    let Some(found) = version_number(&version.major).zip(version_number(&version.minor)) else {
        return item(
            NAME,
            ItemStatus::Warn,
            format!(
                "could not check the Kubernetes version: the API server reports major {:?}, minor {:?} ({})",
                version.major, version.minor, version.git_version
            ),
            None,
        );
    };
    let shown = if version.git_version.is_empty() {
        format!("{}.{}", found.0, found.1)
    } else {
        version.git_version.clone()
    };
    let (newest_major, newest_minor) = NEWEST_KNOWN_SERVER;
    if found < (min_major, min_minor) {
        item(
            NAME,
            ItemStatus::Block,
            format!(
                "the API server runs Kubernetes {shown}; the deploy needs {min_major}.{min_minor} or newer"
            ),
            Some(format!(
                "deploy to a cluster running Kubernetes {min_major}.{min_minor} or newer"
            )),
        )
    } else if found.0 > newest_major || found.1 > newest_minor + FAR_NEWER_MINORS {
        item(
            NAME,
            ItemStatus::Warn,
            format!(
                "the API server runs Kubernetes {shown}, more than {FAR_NEWER_MINORS} releases past \
                 {newest_major}.{newest_minor}, the newest API fabcheck knows; an API it uses may be gone"
            ),
            Some(
                "if an apply fails with \"no matches for kind\", report it with this version"
                    .into(),
            ),
        )
    } else {
        item(NAME, ItemStatus::Ok, format!("Kubernetes {shown}"), None)
    }
}

/// `amd64 (2), arm64 (1)`.
fn arch_counts(counts: &BTreeMap<String, usize>) -> String {
    counts
        .iter()
        .map(|(arch, n)| format!("{arch} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why no node can take a pod: `3 nodes: node-a NotReady, node-b cordoned`.
fn unusable_nodes(nodes: &[NodeFacts]) -> String {
    if nodes.is_empty() {
        return "the cluster has no nodes".into();
    }
    let reasons: Vec<String> = nodes
        .iter()
        .take(10)
        .map(|n| {
            let mut why = Vec::new();
            if !n.ready {
                why.push("not Ready".to_owned());
            }
            if n.unschedulable {
                why.push("cordoned".to_owned());
            }
            if !n.taints.is_empty() {
                why.push(format!("tainted {}", n.taints.join(", ")));
            }
            format!("{} {}", n.name, why.join(", "))
        })
        .collect();
    let more = nodes.len().saturating_sub(10);
    let tail = if more > 0 {
        format!(", … and {more} more")
    } else {
        String::new()
    };
    format!("{} node(s): {}{tail}", nodes.len(), reasons.join("; "))
}

fn node_architecture(request: &PreflightRequest, fact: &Fact<Vec<NodeFacts>>) -> PreflightItem {
    const NAME: &str = "node-architecture";
    let nodes = match fact {
        Fact::Read(nodes) => nodes,
        Fact::Unreadable { forbidden, message } => {
            return could_not_check(
                NAME,
                "the nodes' architectures",
                *forbidden,
                message,
                "list on nodes",
            );
        }
        Fact::NotNeeded => return item(NAME, ItemStatus::Ok, "not checked".into(), None),
    };
    let usable: Vec<&NodeFacts> = nodes.iter().filter(|n| n.usable()).collect();
    if usable.is_empty() {
        return item(
            NAME,
            ItemStatus::Block,
            format!(
                "no schedulable Ready node can take the network's pods ({})",
                unusable_nodes(nodes)
            ),
            Some("add a Ready node, or uncordon one or remove its NoSchedule taint".into()),
        );
    }
    let mut known: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknown = 0usize;
    for node in &usable {
        match &node.architecture {
            Some(arch) => *known.entry(arch.clone()).or_default() += 1,
            None => unknown += 1,
        }
    }
    let have = if unknown > 0 {
        format!(
            "{}{}unknown ({unknown})",
            arch_counts(&known),
            if known.is_empty() { "" } else { ", " }
        )
    } else {
        arch_counts(&known)
    };
    // Images that no usable node can run, grouped by the architectures they are built for.
    let mut stuck: BTreeMap<Vec<String>, Vec<&str>> = BTreeMap::new();
    for need in &request.images {
        if need.architectures.is_empty() || need.architectures.iter().any(|a| known.contains_key(a))
        {
            continue;
        }
        let mut archs = need.architectures.clone();
        archs.sort();
        archs.dedup();
        stuck.entry(archs).or_default().push(&need.image);
    }
    if stuck.is_empty() {
        return item(
            NAME,
            ItemStatus::Ok,
            format!("schedulable Ready nodes: {have}; every image has a build for one of them"),
            None,
        );
    }
    let groups: Vec<String> = stuck
        .iter()
        .map(|(archs, images)| {
            let only = if archs.len() == 1 { " only" } else { "" };
            format!("{} ({}{only})", images.join(", "), archs.join(", "))
        })
        .collect();
    let wanted: BTreeSet<&str> = stuck.keys().flatten().map(String::as_str).collect();
    let wanted: Vec<&str> = wanted.into_iter().collect();
    let message = format!(
        "no schedulable Ready node can run {}; schedulable Ready nodes are {have}",
        groups.join("; ")
    );
    if unknown > 0 {
        // A node that does not say what it is might be the right one: the scheduler will try.
        return item(
            NAME,
            ItemStatus::Warn,
            format!("{message}, and the unknown ones may not fit"),
            Some("label the nodes kubernetes.io/arch, as kubelet does".into()),
        );
    }
    let node_archs: Vec<&str> = known.keys().map(String::as_str).collect();
    item(
        NAME,
        ItemStatus::Block,
        message,
        Some(format!(
            "add a schedulable Ready {} node, or use images built for {} (Fabric 1.4's images are \
             amd64 only; Fabric 2.5's are built for amd64 and arm64)",
            wanted.join(" or "),
            node_archs.join(" or ")
        )),
    )
}

fn cluster_dns(request: &PreflightRequest, fact: &Fact<Option<IpAddr>>) -> PreflightItem {
    const NAME: &str = "cluster-dns";
    if let Some(ip) = request.cluster_dns {
        return item(
            NAME,
            ItemStatus::Ok,
            format!("{ip}, from the spec's clusterDns"),
            None,
        );
    }
    match fact {
        Fact::Read(Some(ip)) => item(
            NAME,
            ItemStatus::Ok,
            format!("{ip}, the kube-system DNS Service"),
            None,
        ),
        Fact::Read(None) => item(
            NAME,
            ItemStatus::Block,
            "no cluster DNS Service in kube-system (kube-dns or coredns): chaincode resolvers \
             would have no nameserver to point at"
                .into(),
            Some("set clusterDns in the spec".into()),
        ),
        Fact::Unreadable { forbidden, message } => {
            let mut warning = could_not_check(
                NAME,
                "the cluster DNS Service",
                *forbidden,
                message,
                "get on services in kube-system",
            );
            warning.change = Some(match warning.change {
                Some(c) => format!("{c}; or set clusterDns in the spec"),
                None => "set clusterDns in the spec".into(),
            });
            warning
        }
        Fact::NotNeeded => item(NAME, ItemStatus::Ok, "not checked".into(), None),
    }
}

fn pod_security(
    request: &PreflightRequest,
    facts: &[(String, Fact<Option<Option<String>>>)],
) -> Vec<PreflightItem> {
    const NAME: &str = "pod-security";
    let privileged = |ns: &str| request.privileged_namespaces.iter().any(|p| p == ns);
    let mut items = Vec::new();
    let mut admitted = Vec::new();
    let mut absent = Vec::new();
    // One warning per distinct reason, naming its namespaces.
    let mut unreadable: BTreeMap<(bool, &str), Vec<&str>> = BTreeMap::new();
    for (ns, fact) in facts {
        let level = match fact {
            Fact::Read(Some(level)) => level.as_deref(),
            Fact::Read(None) => {
                absent.push(ns.as_str());
                continue;
            }
            Fact::Unreadable { forbidden, message } => {
                unreadable
                    .entry((*forbidden, message))
                    .or_default()
                    .push(ns);
                continue;
            }
            Fact::NotNeeded => continue,
        };
        let shown = level.unwrap_or("unlabelled");
        match (level, privileged(ns)) {
            (None | Some("privileged"), _) | (Some("baseline"), false) => {
                admitted.push(format!("{ns} ({shown})"));
            }
            (Some(level @ ("baseline" | "restricted")), true) => items.push(item(
                NAME,
                ItemStatus::Block,
                format!(
                    "namespace {ns} enforces Pod Security level {level}, which rejects the \
                     privileged Docker-in-Docker pods it must run"
                ),
                Some(format!(
                    "label namespace {ns} {PSA_ENFORCE_LABEL}=privileged or use chaincode runtime ccaas"
                )),
            )),
            (Some("restricted"), false) => items.push(item(
                NAME,
                ItemStatus::Warn,
                format!(
                    "namespace {ns} enforces Pod Security level restricted: its pods must run as \
                     non-root with a seccomp profile and every capability dropped, and Fabric's \
                     images run as root"
                ),
                Some(format!("label namespace {ns} {PSA_ENFORCE_LABEL}=baseline")),
            )),
            (Some(other), _) => items.push(item(
                NAME,
                ItemStatus::Warn,
                format!(
                    "namespace {ns} has {PSA_ENFORCE_LABEL}={other:?}, not a Pod Security level \
                     (privileged, baseline, restricted)"
                ),
                Some(format!(
                    "label namespace {ns} {PSA_ENFORCE_LABEL}={}",
                    if privileged(ns) { "privileged" } else { "baseline" }
                )),
            )),
        }
    }
    for ((forbidden, message), namespaces) in unreadable {
        items.push(could_not_check(
            NAME,
            &format!(
                "the Pod Security level of namespace(s) {}",
                namespaces.join(", ")
            ),
            forbidden,
            message,
            "get on namespaces",
        ));
    }
    if !admitted.is_empty() {
        items.push(item(
            NAME,
            ItemStatus::Ok,
            format!(
                "namespace(s) admit the network's pods: {}",
                admitted.join(", ")
            ),
            None,
        ));
    }
    if !absent.is_empty() {
        // PSA's cluster-wide default lives in the API server's AdmissionConfiguration file,
        // which no API exposes.
        items.push(item(
            NAME,
            ItemStatus::Ok,
            format!(
                "namespace(s) {} do not exist yet: they get the cluster's default Pod Security \
                 level, which the API does not show{}",
                absent.join(", "),
                if absent.iter().any(|ns| privileged(ns)) {
                    " (privileged pods need it to be privileged)"
                } else {
                    ""
                }
            ),
            None,
        ));
    }
    items
}

fn storage_class(request: &PreflightRequest, fact: &Fact<Vec<StorageClassFacts>>) -> PreflightItem {
    const NAME: &str = "storage-class";
    let wanted = match &request.storage {
        StorageNeed::None => {
            return item(
                NAME,
                ItemStatus::Ok,
                "emptyDir volumes: no StorageClass needed".into(),
                None,
            );
        }
        StorageNeed::Pvc { storage_class } => storage_class.as_deref(),
    };
    let classes = match fact {
        Fact::Read(classes) => classes,
        Fact::Unreadable { forbidden, message } => {
            return could_not_check(
                NAME,
                "the StorageClasses",
                *forbidden,
                message,
                "list on storageclasses",
            );
        }
        Fact::NotNeeded => return item(NAME, ItemStatus::Ok, "not checked".into(), None),
    };
    let names = if classes.is_empty() {
        "there are none".to_owned()
    } else {
        format!(
            "classes here: {}",
            classes
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match wanted {
        Some(name) => match classes.iter().find(|c| c.name == name) {
            Some(class) => item(
                NAME,
                ItemStatus::Ok,
                format!("StorageClass {name} ({})", class.provisioner),
                None,
            ),
            None => item(
                NAME,
                ItemStatus::Block,
                format!(
                    "StorageClass {name} does not exist ({names}): the claims would stay Pending"
                ),
                Some(
                    "set storage.storageClass to an existing class, or storage.kind: emptyDir"
                        .into(),
                ),
            ),
        },
        None => {
            let defaults: Vec<&StorageClassFacts> = classes.iter().filter(|c| c.default).collect();
            match defaults.as_slice() {
                [] => item(
                    NAME,
                    ItemStatus::Block,
                    format!(
                        "no default StorageClass ({names}): claims that name no class would stay Pending"
                    ),
                    Some("set storage.storageClass or storage.kind: emptyDir".into()),
                ),
                [class] => item(
                    NAME,
                    ItemStatus::Ok,
                    format!(
                        "default StorageClass {} ({})",
                        class.name, class.provisioner
                    ),
                    None,
                ),
                several => item(
                    NAME,
                    ItemStatus::Warn,
                    format!(
                        "{} StorageClasses are marked default ({}): Kubernetes before 1.26 rejects \
                         claims that name no class, later releases use the newest",
                        several.len(),
                        several
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    Some("mark one class default, or set storage.storageClass".into()),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> PreflightRequest {
        PreflightRequest {
            namespaces: vec!["kafka".into(), "org1".into()],
            images: vec![
                ImageNeed {
                    image: "hyperledger/fabric-peer:1.4.12".into(),
                    architectures: vec!["amd64".into()],
                },
                ImageNeed {
                    image: "hyperledger/fabric-orderer:1.4.12".into(),
                    architectures: vec!["amd64".into()],
                },
                ImageNeed {
                    image: "docker:19.03.15-dind".into(),
                    architectures: vec!["amd64".into(), "arm64".into()],
                },
            ],
            privileged_namespaces: vec!["org1".into()],
            storage: StorageNeed::None,
            cluster_dns: None,
            min_server_version: (1, 20),
        }
    }

    fn node(name: &str, arch: Option<&str>) -> NodeFacts {
        NodeFacts {
            name: name.into(),
            architecture: arch.map(Into::into),
            unschedulable: false,
            taints: Vec::new(),
            ready: true,
        }
    }

    fn version(major: &str, minor: &str) -> ServerVersion {
        ServerVersion {
            major: major.into(),
            minor: minor.into(),
            git_version: format!("v{major}.{minor}.0"),
        }
    }

    /// A cluster every check passes on.
    fn healthy() -> ClusterFacts {
        ClusterFacts {
            server: Fact::Read(version("1", "20")),
            nodes: Fact::Read(vec![node("a", Some("amd64"))]),
            cluster_dns: Fact::Read(Some("10.96.0.10".parse().unwrap())),
            namespaces: vec![
                ("kafka".into(), Fact::Read(None)),
                ("org1".into(), Fact::Read(Some(Some("privileged".into())))),
            ],
            storage_classes: Fact::NotNeeded,
        }
    }

    fn forbidden<T>() -> Fact<T> {
        Fact::Unreadable {
            forbidden: true,
            message: "forbidden (HTTP 403): nodes is forbidden: User \"r\" cannot list".into(),
        }
    }

    fn named<'a>(items: &'a [PreflightItem], name: &str) -> Vec<&'a PreflightItem> {
        items.iter().filter(|i| i.name == name).collect()
    }

    fn only<'a>(items: &'a [PreflightItem], name: &str) -> &'a PreflightItem {
        let found = named(items, name);
        assert_eq!(found.len(), 1, "{name}: {items:#?}");
        found[0]
    }

    #[test]
    fn a_healthy_cluster_passes_every_check() {
        let items = evaluate(&request(), &healthy());
        assert!(!blocking(&items), "{items:#?}");
        assert!(verdict(&items).is_ok());
        assert!(
            items.iter().all(|i| i.status == ItemStatus::Ok),
            "{items:#?}"
        );
        let names: BTreeSet<&str> = items.iter().map(|i| i.name).collect();
        assert_eq!(
            names,
            BTreeSet::from([
                "kubernetes-version",
                "node-architecture",
                "cluster-dns",
                "pod-security",
                "storage-class"
            ])
        );
    }

    #[test]
    fn server_versions_below_the_minimum_block_and_far_newer_ones_warn() {
        let judged = |major: &str, minor: &str| {
            let facts = ClusterFacts {
                server: Fact::Read(version(major, minor)),
                ..healthy()
            };
            only(&evaluate(&request(), &facts), "kubernetes-version").clone()
        };
        let old = judged("1", "19");
        assert_eq!(old.status, ItemStatus::Block);
        assert!(
            old.message.contains("v1.19.0") && old.message.contains("1.20"),
            "{old:?}"
        );
        assert!(old.change.unwrap().contains("1.20 or newer"));
        assert_eq!(judged("1", "20").status, ItemStatus::Ok);
        // Managed clusters suffix the minor version.
        assert_eq!(judged("1", "27+").status, ItemStatus::Ok);
        assert_eq!(judged("1", "19+").status, ItemStatus::Block);
        let edge = NEWEST_KNOWN_SERVER.1 + FAR_NEWER_MINORS;
        assert_eq!(judged("1", &edge.to_string()).status, ItemStatus::Ok);
        let newer = judged("1", &(edge + 1).to_string());
        assert_eq!(newer.status, ItemStatus::Warn, "{newer:?}");
        assert!(newer.message.contains("1.33"), "{newer:?}");
        assert_eq!(judged("2", "0").status, ItemStatus::Warn);
        assert_eq!(judged("0", "99").status, ItemStatus::Block);
        let garbled = judged("", "x");
        assert_eq!(garbled.status, ItemStatus::Warn);
        assert!(garbled.message.contains("could not check"), "{garbled:?}");
    }

    #[test]
    fn amd64_only_images_on_arm64_nodes_block_naming_both() {
        let facts = ClusterFacts {
            nodes: Fact::Read(vec![
                node("pi-1", Some("arm64")),
                node("pi-2", Some("arm64")),
            ]),
            ..healthy()
        };
        let items = evaluate(&request(), &facts);
        let arch = only(&items, "node-architecture");
        assert_eq!(arch.status, ItemStatus::Block, "{arch:?}");
        assert!(
            arch.message.contains(
                "hyperledger/fabric-peer:1.4.12, hyperledger/fabric-orderer:1.4.12 (amd64 only)"
            ),
            "{arch:?}"
        );
        assert!(arch.message.contains("arm64 (2)"), "{arch:?}");
        // The multi-arch dind image runs there: it is not named.
        assert!(!arch.message.contains("dind"), "{arch:?}");
        let change = arch.change.as_deref().unwrap();
        assert!(
            change.contains("amd64 node") && change.contains("built for arm64"),
            "{change}"
        );
        assert!(blocking(&items));
        let err = verdict(&items).unwrap_err().to_string();
        assert!(
            err.starts_with("failed to pass the deploy preflight"),
            "{err}"
        );
        assert!(err.contains("block node-architecture"), "{err}");
    }

    #[test]
    fn a_mixed_cluster_with_one_usable_node_of_the_right_arch_passes() {
        let mut cordoned = node("x86-2", Some("amd64"));
        cordoned.unschedulable = true;
        let facts = ClusterFacts {
            nodes: Fact::Read(vec![
                node("pi", Some("arm64")),
                node("x86", Some("amd64")),
                cordoned,
            ]),
            ..healthy()
        };
        let arch = only(&evaluate(&request(), &facts), "node-architecture").clone();
        assert_eq!(arch.status, ItemStatus::Ok, "{arch:?}");
        assert!(arch.message.contains("amd64 (1), arm64 (1)"), "{arch:?}");
    }

    #[test]
    fn only_schedulable_ready_untainted_nodes_count() {
        let mut not_ready = node("a", Some("amd64"));
        not_ready.ready = false;
        let mut cordoned = node("b", Some("amd64"));
        cordoned.unschedulable = true;
        let mut tainted = node("c", Some("amd64"));
        tainted.taints = vec!["node-role.kubernetes.io/master".into()];
        let facts = ClusterFacts {
            nodes: Fact::Read(vec![not_ready, cordoned, tainted, node("d", Some("arm64"))]),
            ..healthy()
        };
        let arch = only(&evaluate(&request(), &facts), "node-architecture").clone();
        assert_eq!(arch.status, ItemStatus::Block, "{arch:?}");
        assert!(arch.message.contains("arm64 (1)"), "{arch:?}");
        assert!(!arch.message.contains("amd64 ("), "{arch:?}");
    }

    #[test]
    fn no_usable_node_at_all_blocks_and_says_why_each_is_out() {
        let mut not_ready = node("a", Some("amd64"));
        not_ready.ready = false;
        let mut tainted = node("c", Some("amd64"));
        tainted.taints = vec!["node-role.kubernetes.io/control-plane".into()];
        tainted.unschedulable = true;
        let facts = ClusterFacts {
            nodes: Fact::Read(vec![not_ready, tainted]),
            ..healthy()
        };
        let arch = only(&evaluate(&request(), &facts), "node-architecture").clone();
        assert_eq!(arch.status, ItemStatus::Block);
        assert!(arch.message.contains("a not Ready"), "{arch:?}");
        assert!(
            arch.message
                .contains("c cordoned, tainted node-role.kubernetes.io/control-plane"),
            "{arch:?}"
        );
        let empty = ClusterFacts {
            nodes: Fact::Read(Vec::new()),
            ..healthy()
        };
        let arch = only(&evaluate(&request(), &empty), "node-architecture").clone();
        assert_eq!(arch.status, ItemStatus::Block);
        assert!(
            arch.message.contains("the cluster has no nodes"),
            "{arch:?}"
        );
    }

    #[test]
    fn nodes_of_unknown_architecture_only_warn() {
        let facts = ClusterFacts {
            nodes: Fact::Read(vec![node("pi", Some("arm64")), node("mystery", None)]),
            ..healthy()
        };
        let arch = only(&evaluate(&request(), &facts), "node-architecture").clone();
        assert_eq!(arch.status, ItemStatus::Warn, "{arch:?}");
        assert!(arch.message.contains("arm64 (1), unknown (1)"), "{arch:?}");
    }

    #[test]
    fn images_without_declared_architectures_fit_any_node() {
        let mut req = request();
        for need in &mut req.images {
            need.architectures.clear();
        }
        let facts = ClusterFacts {
            nodes: Fact::Read(vec![node("s390", Some("s390x"))]),
            ..healthy()
        };
        assert_eq!(
            only(&evaluate(&req, &facts), "node-architecture").status,
            ItemStatus::Ok
        );
    }

    #[test]
    fn a_missing_cluster_dns_service_blocks_unless_the_spec_names_one() {
        let facts = ClusterFacts {
            cluster_dns: Fact::Read(None),
            ..healthy()
        };
        let dns = only(&evaluate(&request(), &facts), "cluster-dns").clone();
        assert_eq!(dns.status, ItemStatus::Block);
        assert_eq!(dns.change.as_deref(), Some("set clusterDns in the spec"));
        let mut req = request();
        req.cluster_dns = Some("10.0.0.10".parse().unwrap());
        let facts = ClusterFacts {
            cluster_dns: Fact::NotNeeded,
            ..healthy()
        };
        let dns = only(&evaluate(&req, &facts), "cluster-dns").clone();
        assert_eq!(dns.status, ItemStatus::Ok);
        assert!(dns.message.contains("10.0.0.10"), "{dns:?}");
    }

    #[test]
    fn privileged_namespaces_need_the_privileged_level() {
        let mut req = request();
        req.namespaces = vec!["a".into(), "b".into(), "c".into(), "d".into(), "e".into()];
        req.privileged_namespaces = vec!["a".into(), "b".into(), "c".into(), "new".into()];
        let level = |l: Option<&str>| Fact::Read(Some(l.map(str::to_owned)));
        let facts = ClusterFacts {
            namespaces: vec![
                ("a".into(), level(Some("restricted"))),
                ("b".into(), level(Some("baseline"))),
                ("c".into(), level(Some("privileged"))),
                ("d".into(), level(Some("baseline"))),
                ("e".into(), level(None)),
                ("new".into(), Fact::Read(None)),
            ],
            ..healthy()
        };
        let items = evaluate(&req, &facts);
        let psa = named(&items, "pod-security");
        let blocked: Vec<&str> = psa
            .iter()
            .filter(|i| i.status == ItemStatus::Block)
            .map(|i| i.message.as_str())
            .collect();
        assert_eq!(blocked.len(), 2, "{psa:#?}");
        assert!(blocked[0].contains("namespace a enforces Pod Security level restricted"));
        assert!(blocked[1].contains("namespace b enforces Pod Security level baseline"));
        let change = psa
            .iter()
            .find(|i| i.status == ItemStatus::Block)
            .and_then(|i| i.change.clone())
            .unwrap();
        assert_eq!(
            change,
            "label namespace a pod-security.kubernetes.io/enforce=privileged or use chaincode runtime ccaas"
        );
        let ok: Vec<&str> = psa
            .iter()
            .filter(|i| i.status == ItemStatus::Ok)
            .map(|i| i.message.as_str())
            .collect();
        assert_eq!(ok.len(), 2, "{psa:#?}");
        assert!(
            ok[0].contains("c (privileged), d (baseline), e (unlabelled)"),
            "{ok:?}"
        );
        assert!(ok[1].contains("new do not exist yet"), "{ok:?}");
        assert!(ok[1].contains("privileged pods need it"), "{ok:?}");
    }

    #[test]
    fn restricted_warns_for_unprivileged_namespaces_and_unknown_levels_warn() {
        let facts = ClusterFacts {
            namespaces: vec![
                ("kafka".into(), Fact::Read(Some(Some("restricted".into())))),
                ("org1".into(), Fact::Read(Some(Some("Privileged".into())))),
            ],
            ..healthy()
        };
        let items = evaluate(&request(), &facts);
        let psa = named(&items, "pod-security");
        assert_eq!(psa.len(), 2, "{psa:#?}");
        assert!(psa.iter().all(|i| i.status == ItemStatus::Warn), "{psa:#?}");
        assert!(
            psa[0]
                .message
                .contains("kafka enforces Pod Security level restricted")
        );
        assert!(
            psa[1]
                .message
                .contains("\"Privileged\", not a Pod Security level")
        );
        assert!(psa[1].change.as_deref().unwrap().ends_with("=privileged"));
        assert!(!blocking(&items));
    }

    #[test]
    fn pvc_storage_needs_a_default_or_an_existing_named_class() {
        let class = |name: &str, default: bool| StorageClassFacts {
            name: name.into(),
            default,
            provisioner: "example.com/disk".into(),
        };
        let judged = |wanted: Option<&str>, classes: Vec<StorageClassFacts>| {
            let mut req = request();
            req.storage = StorageNeed::Pvc {
                storage_class: wanted.map(Into::into),
            };
            let facts = ClusterFacts {
                storage_classes: Fact::Read(classes),
                ..healthy()
            };
            only(&evaluate(&req, &facts), "storage-class").clone()
        };
        let none = judged(None, vec![class("slow", false)]);
        assert_eq!(none.status, ItemStatus::Block);
        assert!(
            none.message
                .contains("no default StorageClass (classes here: slow)"),
            "{none:?}"
        );
        assert_eq!(
            none.change.as_deref(),
            Some("set storage.storageClass or storage.kind: emptyDir")
        );
        let empty = judged(None, Vec::new());
        assert!(empty.message.contains("there are none"), "{empty:?}");
        let default = judged(None, vec![class("slow", false), class("std", true)]);
        assert_eq!(default.status, ItemStatus::Ok);
        assert!(
            default.message.contains("std (example.com/disk)"),
            "{default:?}"
        );
        let two = judged(None, vec![class("a", true), class("b", true)]);
        assert_eq!(two.status, ItemStatus::Warn);
        assert!(two.message.contains("(a, b)"), "{two:?}");
        let named_ok = judged(Some("slow"), vec![class("slow", false)]);
        assert_eq!(named_ok.status, ItemStatus::Ok);
        let missing = judged(Some("fast"), vec![class("slow", false), class("std", true)]);
        assert_eq!(missing.status, ItemStatus::Block);
        assert!(
            missing
                .message
                .contains("StorageClass fast does not exist (classes here: slow, std)"),
            "{missing:?}"
        );
    }

    #[test]
    fn forbidden_reads_are_warnings_that_say_could_not_check() {
        let mut req = request();
        req.storage = StorageNeed::Pvc {
            storage_class: None,
        };
        let facts = ClusterFacts {
            server: forbidden(),
            nodes: forbidden(),
            cluster_dns: forbidden(),
            namespaces: vec![("kafka".into(), forbidden()), ("org1".into(), forbidden())],
            storage_classes: forbidden(),
        };
        let items = evaluate(&req, &facts);
        assert!(!blocking(&items), "{items:#?}");
        assert_eq!(items.len(), 5, "{items:#?}");
        for i in &items {
            assert_eq!(i.status, ItemStatus::Warn, "{i:?}");
            assert!(i.message.contains("could not check"), "{i:?}");
            assert!(i.message.contains("forbidden"), "{i:?}");
            assert!(
                i.change.as_deref().unwrap().contains("rbac/deployer.yaml"),
                "{i:?}"
            );
        }
        let psa = only(&items, "pod-security");
        assert!(psa.message.contains("namespace(s) kafka, org1"), "{psa:?}");
        let dns = only(&items, "cluster-dns");
        assert!(
            dns.change
                .as_deref()
                .unwrap()
                .ends_with("or set clusterDns in the spec")
        );
    }

    #[test]
    fn timeouts_are_warnings_without_an_rbac_hint() {
        let facts = ClusterFacts {
            nodes: Fact::Unreadable {
                forbidden: false,
                message: "no answer within 5s".into(),
            },
            ..healthy()
        };
        let arch = only(&evaluate(&request(), &facts), "node-architecture").clone();
        assert_eq!(arch.status, ItemStatus::Warn);
        assert_eq!(
            arch.message,
            "could not check the nodes' architectures: no answer within 5s"
        );
        assert_eq!(arch.change, None);
    }

    #[test]
    fn node_facts_read_labels_status_and_taints() {
        let node: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "n1", "labels": {"beta.kubernetes.io/arch": "arm64"}},
            "spec": {"unschedulable": true, "taints": [
                {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
                {"key": "dedicated", "effect": "NoExecute"},
                {"key": "soft", "effect": "PreferNoSchedule"}
            ]},
            "status": {
                "nodeInfo": {"architecture": "amd64", "bootID": "", "containerRuntimeVersion": "",
                    "kernelVersion": "", "kubeProxyVersion": "", "kubeletVersion": "",
                    "machineID": "", "operatingSystem": "linux", "osImage": "", "systemUUID": ""},
                "conditions": [{"type": "Ready", "status": "True"}]
            }
        }))
        .unwrap();
        assert_eq!(
            node_facts(&node),
            NodeFacts {
                name: "n1".into(),
                architecture: Some("arm64".into()),
                unschedulable: true,
                taints: vec!["dedicated".into()],
                ready: true,
            }
        );
        // Without labels the kubelet-reported architecture counts; no Ready condition is not Ready.
        let bare: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "n2"},
            "status": {"nodeInfo": {"architecture": "amd64", "bootID": "", "containerRuntimeVersion": "",
                "kernelVersion": "", "kubeProxyVersion": "", "kubeletVersion": "", "machineID": "",
                "operatingSystem": "linux", "osImage": "", "systemUUID": ""},
                "conditions": [{"type": "Ready", "status": "Unknown"}]}
        }))
        .unwrap();
        let facts = node_facts(&bare);
        assert_eq!(facts.architecture.as_deref(), Some("amd64"));
        assert!(!facts.ready && !facts.unschedulable && facts.taints.is_empty());
    }

    #[test]
    fn either_default_class_annotation_counts_when_exactly_true() {
        let class = |annotations: serde_json::Value| -> StorageClass {
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": "c", "annotations": annotations},
                "provisioner": "p"
            }))
            .unwrap()
        };
        let ga = class(serde_json::json!({"storageclass.kubernetes.io/is-default-class": "true"}));
        let beta =
            class(serde_json::json!({"storageclass.beta.kubernetes.io/is-default-class": "true"}));
        let no = class(serde_json::json!({"storageclass.kubernetes.io/is-default-class": "True"}));
        assert!(class_facts(&ga).default);
        assert!(class_facts(&beta).default);
        assert!(!class_facts(&no).default);
        assert_eq!(class_facts(&ga).provisioner, "p");
    }

    #[test]
    fn namespaces_are_asked_once_each() {
        let mut req = request();
        req.privileged_namespaces = vec!["org1".into(), "org2".into()];
        assert_eq!(namespaces_of(&req), ["kafka", "org1", "org2"]);
    }
}
