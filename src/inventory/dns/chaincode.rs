//! Resolver contexts: for each peer, who has to resolve which names, with which settings.
//!
//! A peer that launches chaincode through Docker (a mounted `docker.sock`, or a Docker-in-Docker
//! sidecar at `CORE_VM_ENDPOINT=tcp://…`) gives the chaincode container the resolver Docker
//! builds from the peer's `CORE_VM_DOCKER_HOSTCONFIG_*`, else the daemon's `--dns*` options,
//! else the node's own resolv.conf — each of nameservers, search list and options separately,
//! as Docker does. That container must resolve the peer's chaincode address. With external
//! builders (chaincode as a service, the k8s builder) chaincode runs as a pod with the pod's
//! DNS policy instead.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use super::ResolverConfig;
use super::sources::{DnsNote, DnsNoteKind, FileSources, host_of, unexpanded};
use crate::inventory::Origin;
use crate::inventory::ordering::helm::TEMPLATE_MARK;
use crate::inventory::ordering::{Component, PodSettings, Setting, Workload};

/// Fabric's default `chaincode.startuptimeout` (core.yaml, 1.4 and 2.x).
pub const DEFAULT_STARTUP_TIMEOUT: u32 = 300;

/// The environment keys Fabric reads for the chaincode container's resolver and runtime.
pub const DNS_KEYS: &[&str] = &[
    "CORE_VM_ENDPOINT",
    "CORE_VM_DOCKER_HOSTCONFIG_DNS",
    "CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH",
    "CORE_VM_DOCKER_HOSTCONFIG_DNSOPTIONS",
    "CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE",
];

/// How the peer runs chaincode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// Through a Docker daemon: the node's (mounted socket) or a sidecar's (Docker-in-Docker).
    Docker { endpoint: String, dind: bool },
    /// Through external builders (chaincode as a service, the k8s builder): chaincode is a pod.
    External { builders: Vec<String> },
    /// A Docker endpoint is configured but the peer cannot reach a daemon there.
    Unavailable { reason: String },
}

impl Runtime {
    pub fn describe(&self) -> String {
        match self {
            Runtime::Docker {
                endpoint,
                dind: true,
            } => format!("Docker-in-Docker at {endpoint}"),
            Runtime::Docker { endpoint, .. } => format!("Docker at {endpoint}"),
            Runtime::External { builders } if builders.is_empty() => {
                "external builders / chaincode as a service".to_owned()
            }
            Runtime::External { builders } => {
                format!("external builders ({})", builders.join(", "))
            }
            Runtime::Unavailable { reason } => format!("no usable Docker endpoint: {reason}"),
        }
    }
}

/// What the network is deployed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platform {
    Kubernetes { namespace: String },
    Compose,
}

/// Who resolves in this context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    /// A chaincode container launched through Docker by the peer.
    DockerChaincode,
    /// A chaincode pod (external builders): resolves the peer's chaincode address.
    ChaincodePod,
    /// The peer pod itself: resolves chaincode-as-a-service addresses.
    PeerPod,
}

/// Where one part of the effective resolver settings came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingSource {
    /// The peer's `CORE_VM_DOCKER_HOSTCONFIG_*` environment or core.yaml `vm.docker.hostConfig`.
    Peer(Origin),
    /// The Docker daemon's options.
    Daemon(Origin),
    /// A node resolv.conf found among the artifacts.
    NodeResolvConf(Origin),
    /// The node's resolv.conf, which is not among the artifacts.
    NodeUnknown,
    /// The pod's DNS policy (and dnsConfig).
    Pod(String),
    /// Set by a template or variable that was not evaluated.
    Unevaluated(Origin),
}

impl SettingSource {
    pub fn describe(&self) -> String {
        match self {
            SettingSource::Peer(o) => format!("the peer's HostConfig ({o})"),
            SettingSource::Daemon(o) => format!("the Docker daemon's options ({o})"),
            SettingSource::NodeResolvConf(o) => format!("the node's resolv.conf ({o})"),
            SettingSource::NodeUnknown => {
                "the node's /etc/resolv.conf (nothing configured; not among the artifacts)"
                    .to_owned()
            }
            SettingSource::Pod(policy) => format!("the pod's dnsPolicy {policy}"),
            SettingSource::Unevaluated(o) => format!("a template value not evaluated ({o})"),
        }
    }
}

/// A name some program in the context has to resolve, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameUse {
    pub name: String,
    /// `CORE_PEER_CHAINCODEADDRESS`, `connection.json address`, `Service peer0 in org1`.
    pub purpose: String,
    pub origin: Origin,
}

/// One resolver and the names it must resolve.
#[derive(Debug, Clone)]
pub struct ResolverContext {
    /// `chaincode of peer0-org1` — what findings name.
    pub label: String,
    pub peer: String,
    pub origin: Origin,
    pub resolver: Resolver,
    pub runtime: Runtime,
    pub platform: Platform,
    /// The settings a lookup gets (glibc view: at most three servers, the search list, options).
    pub config: ResolverConfig,
    pub nameservers_from: SettingSource,
    pub search_from: SettingSource,
    pub options_from: SettingSource,
    /// Docker NetworkMode for chaincode containers (Fabric's default is `host`).
    pub network_mode: Option<String>,
    /// What the peer itself asks Docker for (HostConfig Dns, DnsSearch, DnsOptions) — what a
    /// probe container is launched with; the daemon adds its own options as it would.
    pub peer_host_config: [Vec<String>; 3],
    pub names: Vec<NameUse>,
    /// Seconds the peer waits for chaincode to start and register, and where that was set.
    pub startup_timeout: (u32, String),
    /// The stub resolver inside the chaincode (or peer) process the verdicts assume.
    pub assumption: super::ResolverAssumption,
    /// The image the peer runs (Go) chaincode in, and where that came from: the peer's
    /// `CORE_CHAINCODE_GOLANG_RUNTIME`, else Fabric's default for the peer's version. A
    /// `--docker` probe container uses it unless `--docker-image` names one.
    pub runtime_image: Option<(String, String)>,
    /// The peer pod template's labels (empty outside Kubernetes): they find the running pods
    /// whose Docker daemon the live probe reaches through the API.
    pub pod_labels: BTreeMap<String, String>,
    /// The name every chaincode container of this peer starts with (`dev-peer0.org1-`), when
    /// the peer's id and network id are known.
    pub vm_name_prefix: Option<String>,
}

impl ResolverContext {
    /// Whether the context's nameservers are known (configured somewhere in the artifacts).
    pub fn nameservers_known(&self) -> bool {
        self.nameservers_from != SettingSource::NodeUnknown
    }

    /// The resolver lists the runtime sets for chaincode — nameservers, search domains,
    /// options (`ndots:N`, `timeout:N`, `attempts:N`) — each `None` where it comes from the
    /// node instead (its resolv.conf, known from the artifacts or not) or from a template
    /// that was not evaluated. This is what a probe on a node lays over that node's file.
    pub fn configured_lists(&self) -> ConfiguredLists {
        let configured = |s: &SettingSource| {
            matches!(
                s,
                SettingSource::Peer(_) | SettingSource::Daemon(_) | SettingSource::Pod(_)
            )
        };
        let c = &self.config;
        ConfiguredLists {
            nameservers: configured(&self.nameservers_from)
                .then(|| c.nameservers.iter().map(|n| n.ip.to_string()).collect()),
            search: configured(&self.search_from).then(|| c.search.clone()),
            options: configured(&self.options_from).then(|| {
                vec![
                    format!("ndots:{}", c.ndots),
                    format!("timeout:{}", c.timeout),
                    format!("attempts:{}", c.attempts),
                ]
            }),
        }
    }
}

/// See [`ResolverContext::configured_lists`].
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ConfiguredLists {
    pub nameservers: Option<Vec<String>>,
    pub search: Option<Vec<String>>,
    pub options: Option<Vec<String>>,
}

/// Cluster facts the contexts are built against.
#[derive(Debug, Clone)]
pub struct ClusterView {
    pub dns_ip: Option<IpAddr>,
    pub domain: String,
}

/// Builds the contexts of every peer workload, and notes the settings that do not apply.
pub fn contexts(
    workloads: &[Workload],
    files: &FileSources,
    cluster: &ClusterView,
    notes: &mut Vec<DnsNote>,
) -> Vec<ResolverContext> {
    let services = service_names(workloads);
    let mut out = Vec::new();
    for w in workloads.iter().filter(|w| is_peer(w)) {
        misspelled_keys(w, notes);
        let core = core_yaml_for(w, files);
        let runtime = runtime_of(w, core);
        let platform = match &w.pod {
            Some(p) => Platform::Kubernetes {
                namespace: p.namespace.clone(),
            },
            None => Platform::Compose,
        };
        let startup_timeout = match w.env.get("CORE_CHAINCODE_STARTUPTIMEOUT") {
            Some(s) if s.evaluated() => match super::sources::duration_seconds(&s.value) {
                Some(t) => (t, format!("CORE_CHAINCODE_STARTUPTIMEOUT ({})", s.origin)),
                None => (DEFAULT_STARTUP_TIMEOUT, "Fabric's default".to_owned()),
            },
            _ => match core.and_then(|c| c.startup_timeout) {
                Some(t) => (
                    t,
                    format!(
                        "core.yaml chaincode.startuptimeout ({})",
                        core.map(|c| c.origin.to_string()).unwrap_or_default()
                    ),
                ),
                None => (DEFAULT_STARTUP_TIMEOUT, "Fabric's default".to_owned()),
            },
        };
        let chaincode_name = chaincode_address(w, core);
        let mut names: Vec<NameUse> = chaincode_name.into_iter().collect();
        if let (Platform::Kubernetes { namespace }, Some(first)) = (&platform, names.first()) {
            // The peer's Service as other namespaces name it: `<svc>.<namespace>`.
            let short = first.name.clone();
            if !short.contains('.') && services.contains(&(namespace.clone(), short.clone())) {
                names.push(NameUse {
                    name: format!("{short}.{namespace}"),
                    purpose: format!("Service {short} in namespace {namespace}"),
                    origin: first.origin.clone(),
                });
            }
        }
        names.retain(|n| {
            n.name.parse::<IpAddr>().is_err()
                && !n.name.is_empty()
                && !n.name.contains(TEMPLATE_MARK)
        });
        let base = ResolverContext {
            label: String::new(),
            peer: w.name.clone(),
            origin: w.origin.clone(),
            resolver: Resolver::DockerChaincode,
            runtime: runtime.clone(),
            platform: platform.clone(),
            config: ResolverConfig::default(),
            nameservers_from: SettingSource::NodeUnknown,
            search_from: SettingSource::NodeUnknown,
            options_from: SettingSource::NodeUnknown,
            network_mode: None,
            peer_host_config: Default::default(),
            names,
            startup_timeout,
            assumption: assumption_for(w),
            runtime_image: runtime_image_for(w),
            pod_labels: w.pod.as_ref().map(|p| p.labels.clone()).unwrap_or_default(),
            vm_name_prefix: vm_name_prefix(w),
        };
        match &runtime {
            Runtime::Docker { dind, .. } => {
                out.push(docker_context(w, core, files, cluster, *dind, base, notes));
            }
            Runtime::External { .. } => {
                if let Some(pod) = &w.pod {
                    // The chaincode pod resolves the peer's chaincode address with the pod
                    // defaults of the peer's namespace (the k8s builder launches it there).
                    let mut cc = base.clone();
                    cc.label = format!("chaincode pods of {}", display_name(w));
                    cc.resolver = Resolver::ChaincodePod;
                    let default_pod = PodSettings {
                        namespace: pod.namespace.clone(),
                        dns_policy: "ClusterFirst".to_owned(),
                        ..PodSettings::default()
                    };
                    apply_pod(&mut cc, &default_pod, files, cluster);
                    out.push(cc);
                    if !files.connection_addresses.is_empty() {
                        let mut peer = base;
                        peer.label = format!("peer {}", display_name(w));
                        peer.resolver = Resolver::PeerPod;
                        peer.names = files
                            .connection_addresses
                            .iter()
                            .map(|(o, host)| NameUse {
                                name: host.clone(),
                                purpose: "connection.json address".to_owned(),
                                origin: o.clone(),
                            })
                            .collect();
                        apply_pod(&mut peer, pod, files, cluster);
                        out.push(peer);
                    }
                }
            }
            // Never dropped: a peer whose chaincode cannot start is the finding, not a peer
            // with nothing to check (DNS-006 reports it).
            Runtime::Unavailable { reason } => notes.push(DnsNote {
                origin: w.origin.clone(),
                kind: DnsNoteKind::Conflict,
                message: format!("chaincode of {} cannot start: {reason}", display_name(w)),
            }),
        }
    }
    out
}

/// The resolver the peer's chaincode runtime implies: the Fabric version from the peer's image
/// tag; the language is not in a peer's settings (it is per chaincode package), so Go.
fn assumption_for(w: &Workload) -> super::ResolverAssumption {
    let version = w.image.as_deref().and_then(super::stub::fabric_version);
    super::stub::implied(version, None)
}

/// The image the peer launches Go chaincode in: its `CORE_CHAINCODE_GOLANG_RUNTIME` when set to
/// a literal image, else core.yaml's default for the peer image's Fabric version.
fn runtime_image_for(w: &Workload) -> Option<(String, String)> {
    const VAR: &str = "CORE_CHAINCODE_GOLANG_RUNTIME";
    if let Some(set) = w.env.get(VAR)
        && set.unresolved.is_empty()
        && !set.templated
        && !set.value.contains("$(")
        && !set.value.trim().is_empty()
    {
        return Some((set.value.trim().to_owned(), format!("{VAR} of {}", w.name)));
    }
    let version = w.image.as_deref().and_then(super::stub::fabric_version)?;
    let image = super::stub::default_chaincode_image(Some(version))?;
    Some((
        image,
        format!(
            "Fabric {}.{}'s chaincode.golang.runtime default (peer image {})",
            version.0,
            version.1,
            w.image.as_deref().unwrap_or_default()
        ),
    ))
}

/// Peers that launch chaincode (not the fabric-tools CLI containers, which carry CORE_PEER_*).
fn is_peer(w: &Workload) -> bool {
    w.component == Component::Peer
        && !w
            .image
            .as_deref()
            .is_some_and(|i| i.contains("tools") || i.contains("couchdb"))
}

/// (namespace, service name) for every Kubernetes workload's names.
pub fn service_names(workloads: &[Workload]) -> BTreeSet<(String, String)> {
    workloads
        .iter()
        .filter_map(|w| Some((w.pod.as_ref()?, w)))
        .flat_map(|(p, w)| w.hostnames.iter().map(|h| (p.namespace.clone(), h.clone())))
        .collect()
}

/// The core.yaml that applies to a workload: the one nearest to it in the folder tree (a
/// sibling tree's `config/` counts: manifests and core.yaml usually sit side by side).
fn core_yaml_for<'a>(w: &Workload, files: &'a FileSources) -> Option<&'a super::sources::CoreYaml> {
    nearest(
        &w.scope,
        files.core_yamls.iter().map(|c| (c.dir.as_str(), c)),
    )
}

/// Of files that configure a node or a peer, the one nearest to a workload's folder: it must sit
/// at most two levels below the folder both share (`net/config/core.yaml` for `net/kube/`), so
/// a daemon template elsewhere in a big repository does not apply to unrelated manifests.
fn nearest<'a, T>(scope: &str, items: impl Iterator<Item = (&'a str, T)>) -> Option<T> {
    let common = |a: &str, b: &str| {
        a.split('/')
            .zip(b.split('/'))
            .take_while(|(x, y)| x == y)
            .count()
    };
    items
        .map(|(dir, item)| (common(dir, scope), dir.split('/').count(), item))
        .filter(|(n, depth, _)| n + 2 >= *depth)
        .max_by_key(|(n, _, _)| *n)
        .map(|(_, _, item)| item)
}

/// The folder a node's configuration was copied from: above its `etc/` (`node/etc/default/docker`
/// → `node`), else the file's own folder.
fn node_root(path: &str) -> &str {
    match path.rfind("/etc/") {
        Some(i) => &path[..i],
        None if path.starts_with("etc/") => "",
        None => path.rsplit_once('/').map_or("", |(dir, _)| dir),
    }
}

/// A workload as findings name it: `namespace/name` on Kubernetes.
fn display_name(w: &Workload) -> String {
    match &w.pod {
        Some(p) => format!("{}/{}", p.namespace, w.name),
        None => w.name.clone(),
    }
}

fn env<'a>(w: &'a Workload, key: &str) -> Option<&'a Setting> {
    w.env.get(key).filter(|s| !s.value.trim().is_empty())
}

fn runtime_of(w: &Workload, core: Option<&super::sources::CoreYaml>) -> Runtime {
    let endpoint = env(w, "CORE_VM_ENDPOINT")
        .map(|s| s.value.clone())
        .or_else(|| core.and_then(|c| c.vm_endpoint.clone()));
    // The socket is mounted itself, or sits inside a mounted folder (hostPath `/var/run` at
    // `/host/var/run` with `unix:///host/var/run/docker.sock`).
    let socket_path = endpoint
        .as_deref()
        .and_then(|e| e.strip_prefix("unix://"))
        .unwrap_or("/var/run/docker.sock")
        .to_owned();
    let socket_mounted = w.mounts.iter().any(|(host, target)| {
        target.ends_with("docker.sock")
            || host.ends_with("docker.sock")
            || socket_path
                .strip_prefix(target.trim_end_matches('/'))
                .is_some_and(|rest| rest.starts_with('/'))
    });
    let dind_sidecar = w.pod.as_ref().is_some_and(|p| {
        p.sidecars
            .iter()
            .any(|(_, image, cmd)| image.contains("dind") || cmd.contains("dockerd"))
    });
    let mut builders: Vec<String> = core
        .map(|c| c.external_builders.clone())
        .unwrap_or_default();
    for (key, builder) in [
        ("CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG", "ccaas_builder"),
        ("FABRIC_K8S_BUILDER_OBJECT_NAME_PREFIX", "k8s_builder"),
    ] {
        if w.env.contains_key(key) && !builders.iter().any(|b| b == builder) {
            builders.push(builder.to_owned());
        }
    }
    match endpoint {
        Some(ep) if ep.starts_with("tcp://") || ep.starts_with("http") => Runtime::Docker {
            dind: dind_sidecar || ep.contains("localhost") || ep.contains("127.0.0.1"),
            endpoint: ep,
        },
        Some(ep) if socket_mounted || w.pod.is_none() => Runtime::Docker {
            endpoint: ep,
            dind: false,
        },
        // Fabric 1.x's default endpoint is the node socket: a mount alone is enough.
        None if socket_mounted => Runtime::Docker {
            endpoint: "unix:///var/run/docker.sock".to_owned(),
            dind: false,
        },
        _ if !builders.is_empty() => Runtime::External { builders },
        None if w.pod.is_some() => Runtime::Unavailable {
            reason: "no docker.sock is mounted, no Docker endpoint and no external builders are configured".to_owned(),
        },
        Some(ep) => Runtime::Unavailable {
            reason: format!("{ep} is configured but no docker.sock is mounted"),
        },
        None => Runtime::External { builders },
    }
}

/// The start of the name Fabric gives this peer's chaincode containers: `{networkId}-{peerId}-`
/// with every character outside `[a-zA-Z0-9-_.]` made `-` (core/container/dockercontroller/
/// dockercontroller.go `GetVMName`/`preFormatImageName`, 1.4 and 2.x); core.yaml's defaults
/// are `peer.networkId: dev` and `peer.id: jdoe`. `None` when either is a template expression.
fn vm_name_prefix(w: &Workload) -> Option<String> {
    let value = |key: &str, default: &str| match env(w, key) {
        Some(s) if unexpanded(&s.value).is_some() || !s.evaluated() => None,
        Some(s) => Some(s.value.trim().to_owned()),
        None => Some(default.to_owned()),
    };
    let prefix = format!(
        "{}-{}-",
        value("CORE_PEER_NETWORKID", "dev")?,
        value("CORE_PEER_ID", "jdoe")?
    );
    Some(
        prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect(),
    )
}

/// Fabric's choice of the address chaincode dials (peer/node/start.go): chaincodeAddress,
/// else chaincodeListenAddress unless it is a wildcard, else the peer address.
fn chaincode_address(w: &Workload, core: Option<&super::sources::CoreYaml>) -> Option<NameUse> {
    let from_env =
        |key: &str| env(w, key).map(|s| (s.value.clone(), key.to_owned(), s.origin.clone()));
    let from_core = |v: Option<&String>, key: &str| {
        let c = core?;
        v.map(|v| (v.clone(), format!("core.yaml {key}"), c.origin.clone()))
    };
    let wildcard = |(v, _, _): &(String, String, Origin)| {
        let h = host_of(v);
        h == "0.0.0.0" || h == "::" || h.is_empty()
    };
    let (value, purpose, origin) = from_env("CORE_PEER_CHAINCODEADDRESS")
        .or_else(|| {
            from_core(
                core.and_then(|c| c.chaincode_address.as_ref()),
                "peer.chaincodeAddress",
            )
        })
        .or_else(|| from_env("CORE_PEER_CHAINCODELISTENADDRESS").filter(|v| !wildcard(v)))
        .or_else(|| {
            from_core(
                core.and_then(|c| c.chaincode_listen_address.as_ref()),
                "peer.chaincodeListenAddress",
            )
            .filter(|v| !wildcard(v))
        })
        .or_else(|| from_env("CORE_PEER_ADDRESS"))
        .or_else(|| from_core(core.and_then(|c| c.peer_address.as_ref()), "peer.address"))?;
    if unexpanded(&value).is_some() {
        return None;
    }
    Some(NameUse {
        name: host_of(&value),
        purpose,
        origin,
    })
}

/// Keys that look meant for the chaincode resolver but are not what Fabric reads.
fn misspelled_keys(w: &Workload, notes: &mut Vec<DnsNote>) {
    for (key, setting) in &w.env {
        if DNS_KEYS.contains(&key.as_str()) {
            if let Some(expr) = unexpanded_in_pod(w, &setting.value) {
                notes.push(DnsNote {
                    origin: setting.origin.clone(),
                    kind: DnsNoteKind::Unexpanded,
                    message: format!(
                        "{key}={} still holds {expr}: nothing expands it, the peer reads it as written",
                        setting.value
                    ),
                });
            }
            continue;
        }
        let upper = key.to_ascii_uppercase();
        let looks_related = upper.starts_with("CORE_VM")
            && (upper.contains("DNS")
                || upper.ends_with("NETWORKMODE")
                || upper.ends_with("NETWORK_MODE"));
        if !looks_related {
            continue;
        }
        let closest = DNS_KEYS
            .iter()
            .min_by_key(|k| strsim::levenshtein(k, &upper))
            .copied()
            .unwrap_or("CORE_VM_DOCKER_HOSTCONFIG_DNS");
        let mut message = format!(
            "{key} is not a key Fabric reads (did you mean {closest}?); the setting has no effect"
        );
        if let Some(expr) = unexpanded_in_pod(w, &setting.value) {
            message.push_str(&format!(
                ", and its value {} still holds {expr}",
                setting.value
            ));
        }
        notes.push(DnsNote {
            origin: setting.origin.clone(),
            kind: DnsNoteKind::MisspelledKey,
            message,
        });
    }
}

/// A variable or template left in a Kubernetes env value. Kubernetes expands only `$(VAR)`
/// naming a variable the container defines; compose substitutes `${VAR}` when the project is
/// brought up, so compose values are not judged here; Helm templates were rendered already
/// (what is left is marked, not reported twice).
fn unexpanded_in_pod(w: &Workload, value: &str) -> Option<String> {
    w.pod.as_ref()?;
    if value.contains(TEMPLATE_MARK) {
        return None;
    }
    let expr = unexpanded(value)?;
    let defined = expr
        .strip_prefix("$(")
        .and_then(|e| e.strip_suffix(')'))
        .is_some_and(|name| w.env.contains_key(name));
    (!defined).then_some(expr)
}

/// A whitespace-separated list as Fabric (viper `GetStringSlice`) splits an env value.
fn env_list(w: &Workload, key: &str, notes: &mut Vec<DnsNote>) -> Option<(Vec<String>, Origin)> {
    let s = env(w, key)?;
    if !s.evaluated() || unexpanded(&s.value).is_some() {
        return None;
    }
    let items: Vec<String> = s.value.split_whitespace().map(str::to_owned).collect();
    for item in items.iter().filter(|i| i.contains(',')) {
        notes.push(DnsNote {
            origin: s.origin.clone(),
            kind: DnsNoteKind::Invalid,
            message: format!(
                "{key}: Fabric splits the value on whitespace, so '{item}' is one entry; separate entries with spaces"
            ),
        });
    }
    Some((items, s.origin.clone()))
}

/// The resolver Docker gives a chaincode container of this peer.
fn docker_context(
    w: &Workload,
    core: Option<&super::sources::CoreYaml>,
    files: &FileSources,
    cluster: &ClusterView,
    dind: bool,
    mut ctx: ResolverContext,
    notes: &mut Vec<DnsNote>,
) -> ResolverContext {
    ctx.label = format!("chaincode of {}", display_name(w));
    let peer_list = |key: &str, core_value: Option<&Vec<String>>, notes: &mut Vec<DnsNote>| {
        env_list(w, key, notes).or_else(|| {
            let c = core?;
            let v = core_value.filter(|v| !v.is_empty())?;
            Some((v.clone(), c.origin.clone()))
        })
    };
    let dns = peer_list("CORE_VM_DOCKER_HOSTCONFIG_DNS", core.map(|c| &c.dns), notes);
    let search = peer_list(
        "CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH",
        core.map(|c| &c.dns_search),
        notes,
    );
    // Fabric never copies DnsOptions into the chaincode container's HostConfig: 1.4.12's and
    // 2.5's core/container/dockercontroller `getDockerHostConfig` read NetworkMode, Dns,
    // DnsSearch, CapAdd/CapDrop, ExtraHosts, the limits and LogConfig, and nothing else (verified
    // with the real 1.4.12 peer). Options written there are inert; only the daemon's
    // `--dns-opt` / daemon.json `dns-opts` reach chaincode.
    if let Some((written, origin)) = peer_list(
        "CORE_VM_DOCKER_HOSTCONFIG_DNSOPTIONS",
        core.map(|c| &c.dns_options),
        notes,
    ) {
        notes.push(DnsNote {
            origin,
            kind: DnsNoteKind::Inert,
            message: format!(
                "DnsOptions {} is written for chaincode but Fabric never reads vm.docker.hostConfig.DnsOptions (only Dns, DnsSearch and NetworkMode of the resolver settings): chaincode gets the daemon's options; set them with the daemon's --dns-opt or daemon.json \"dns-opts\"",
                written.join(" ")
            ),
        });
    }
    let options: Option<(Vec<String>, Origin)> = None;
    ctx.peer_host_config =
        [&dns, &search, &options].map(|v| v.as_ref().map(|(v, _)| v.clone()).unwrap_or_default());
    ctx.network_mode = env(w, "CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE")
        .filter(|s| s.evaluated())
        .map(|s| s.value.clone())
        .or_else(|| core.and_then(|c| c.network_mode.clone()));

    // The daemon: a DinD sidecar's own flags, else the node daemon's files.
    let sidecar_daemon = if dind {
        w.pod.as_ref().and_then(|p| {
            p.sidecars
                .iter()
                .find(|(_, image, cmd)| image.contains("dind") || cmd.contains("dockerd"))
                .map(|(name, _, cmd)| super::sources::DaemonSource {
                    origin: Origin::at(w.origin.path.clone(), format!("container {name} args")),
                    config: super::sources::daemon_flags(cmd),
                })
        })
    } else {
        None
    };
    let daemon = sidecar_daemon.as_ref().or_else(|| {
        if dind {
            return None;
        }
        nearest(
            &w.scope,
            files
                .daemons
                .iter()
                .filter(|d| d.config.is_ok())
                .map(|d| (node_root(&d.origin.path), d)),
        )
    });
    let daemon_dns = daemon.and_then(|d| d.config.as_ref().ok().map(|c| (c, d.origin.clone())));

    // The "host" resolv.conf: a DinD daemon's is its pod's; the node's otherwise.
    let host: Option<(ResolverConfig, SettingSource)> = if dind {
        w.pod.as_ref().map(|p| {
            let mut pod_ctx = ctx.clone();
            apply_pod(&mut pod_ctx, p, files, cluster);
            (pod_ctx.config, SettingSource::Pod(p.dns_policy.clone()))
        })
    } else {
        files
            .node_resolv
            .as_ref()
            .map(|(o, c)| (c.clone(), SettingSource::NodeResolvConf(o.clone())))
    };
    let host_source = host
        .as_ref()
        .map_or(SettingSource::NodeUnknown, |(_, s)| s.clone());

    let mode = ctx
        .network_mode
        .clone()
        .unwrap_or_else(|| "host".to_owned());
    if mode == "host" && dns.is_some() {
        notes.push(DnsNote {
            origin: dns.as_ref().map(|(_, o)| o.clone()).unwrap_or_else(|| w.origin.clone()),
            kind: DnsNoteKind::Conflict,
            message: format!(
                "Dns is set while chaincode runs with NetworkMode host{}: Docker refuses the container (conflicting options: dns and the network mode)",
                if ctx.network_mode.is_none() { " (Fabric's default)" } else { "" }
            ),
        });
    }
    let pick = |is_dns: bool,
                peer: Option<(Vec<String>, Origin)>,
                daemon: Option<(&Vec<String>, Origin)>|
     -> (Option<Vec<String>>, SettingSource) {
        // With host networking Docker refuses per-container Dns (noted as a conflict); the
        // daemon's own options still shape the container's resolv.conf.
        let peer = if mode == "host" && is_dns { None } else { peer };
        match (peer, daemon) {
            (Some((v, o)), _) => (Some(v), SettingSource::Peer(o)),
            (None, Some((v, o))) if v.iter().any(|v| unexpanded(v).is_some()) => {
                (None, SettingSource::Unevaluated(o))
            }
            (None, Some((v, o))) if !v.is_empty() => (Some(v.clone()), SettingSource::Daemon(o)),
            _ => (None, host_source.clone()),
        }
    };
    let (ns, ns_from) = pick(true, dns, daemon_dns.clone().map(|(d, o)| (&d.dns, o)));
    let (se, se_from) = pick(
        false,
        search,
        daemon_dns.clone().map(|(d, o)| (&d.search, o)),
    );
    let (op, op_from) = pick(false, options, daemon_dns.map(|(d, o)| (&d.options, o)));
    let host_config = host.as_ref().map(|(c, _)| c);
    let mut config = ResolverConfig::from_parts(
        &ns.unwrap_or_else(|| {
            host_config
                .map(|c| c.nameservers.iter().map(|n| n.ip.to_string()).collect())
                .unwrap_or_default()
        }),
        &se.unwrap_or_else(|| host_config.map(|c| c.search.clone()).unwrap_or_default()),
        &op.clone().unwrap_or_default(),
    );
    if op.is_none()
        && let Some(h) = host_config
    {
        (config.ndots, config.timeout, config.attempts) = (h.ndots, h.timeout, h.attempts);
    }
    let user_defined = !matches!(mode.as_str(), "host" | "bridge" | "default" | "none")
        && !mode.starts_with("container:");
    if user_defined
        && !op
            .as_ref()
            .is_some_and(|o| o.iter().any(|o| o.starts_with("ndots")))
    {
        // Docker's embedded DNS (127.0.0.11) on user-defined networks writes `options ndots:0`
        // unless ndots is given: every name is then asked as written first.
        config.ndots = 0;
    }
    ctx.config = config;
    ctx.nameservers_from = ns_from;
    ctx.search_from = se_from;
    ctx.options_from = op_from;
    ctx
}

/// A pod's resolver from its DNS policy and dnsConfig (kubelet's rules).
fn apply_pod(
    ctx: &mut ResolverContext,
    pod: &PodSettings,
    files: &FileSources,
    cluster: &ClusterView,
) {
    // ClusterFirst on the host network falls back to Default, as the kubelet does.
    let policy = match pod.dns_policy.as_str() {
        "ClusterFirst" if pod.host_network => "Default",
        "ClusterFirstWithHostNet" => "ClusterFirst",
        other => other,
    };
    let (mut nameservers, mut search, mut options): (Vec<String>, Vec<String>, Vec<String>) =
        match policy {
            "ClusterFirst" => (
                cluster.dns_ip.iter().map(IpAddr::to_string).collect(),
                vec![
                    format!("{}.svc.{}", pod.namespace, cluster.domain),
                    format!("svc.{}", cluster.domain),
                    cluster.domain.clone(),
                ],
                vec!["ndots:5".to_owned()],
            ),
            "Default" => match &files.node_resolv {
                Some((_, c)) => (
                    c.nameservers.iter().map(|n| n.ip.to_string()).collect(),
                    c.search.clone(),
                    vec![
                        format!("ndots:{}", c.ndots),
                        format!("timeout:{}", c.timeout),
                        format!("attempts:{}", c.attempts),
                    ],
                ),
                None => (Vec::new(), Vec::new(), Vec::new()),
            },
            _ => (Vec::new(), Vec::new(), Vec::new()),
        };
    nameservers.extend(pod.dns_nameservers.iter().cloned());
    search.extend(pod.dns_searches.iter().cloned());
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    let mut order = Vec::new();
    for o in options.drain(..).chain(pod.dns_options.iter().cloned()) {
        let name = o.split(':').next().unwrap_or("").to_owned();
        if !merged.contains_key(&name) {
            order.push(name.clone());
        }
        merged.insert(name, o);
    }
    let options: Vec<String> = order
        .iter()
        .filter_map(|n| merged.get(n).cloned())
        .collect();
    ctx.config = ResolverConfig::from_parts(&nameservers, &search, &options);
    let source = match (policy, &files.node_resolv) {
        ("Default", Some((o, _))) => SettingSource::NodeResolvConf(o.clone()),
        ("Default", None) if pod.dns_nameservers.is_empty() => SettingSource::NodeUnknown,
        _ => SettingSource::Pod(pod.dns_policy.clone()),
    };
    ctx.nameservers_from = source.clone();
    ctx.search_from = source.clone();
    ctx.options_from = source;
}
