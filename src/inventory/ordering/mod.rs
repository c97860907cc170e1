//! Ordering-service configuration gathered from artifacts: Kafka brokers, ZooKeeper servers and
//! orderers as deployed (docker-compose services, Kubernetes workloads, Helm charts), and the
//! channel configuration they serve (configtx.yaml profiles).
//!
//! Every value keeps where it was written ([`Setting::origin`]) and whether it could be
//! evaluated: a `${VAR}` with no value or a template expression is carried as such, never
//! guessed. Files that cannot be evaluated become [`ConfigNote`]s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Origin;

pub mod charts;
pub mod compose;
pub mod configtx;
pub mod helm;
pub mod kube;
pub mod links;
pub mod members;
pub mod per_host;
pub mod vars;
pub mod yaml;

/// A configured value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The value after variable substitution, as the server would receive it.
    pub value: String,
    pub origin: Origin,
    /// Variables the value refers to that have no value (left unresolved in `value`).
    pub unresolved: Vec<String>,
    /// The value contains template syntax that was not evaluated (Helm, Jinja).
    pub templated: bool,
}

impl Setting {
    pub fn literal(value: impl Into<String>, origin: Origin) -> Setting {
        Setting {
            value: value.into(),
            origin,
            unresolved: Vec::new(),
            templated: false,
        }
    }

    /// Whether the value is what the server would actually get.
    pub fn evaluated(&self) -> bool {
        self.unresolved.is_empty() && !self.templated
    }
}

/// What a workload runs, from its image and settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    Kafka,
    Zookeeper,
    Orderer,
    Peer,
    /// A task that talks to Kafka or ZooKeeper and is neither (a Job creating topics with
    /// `kafka-topics`, a test Pod running `kafka-console-producer`, `zkCli.sh`).
    Client,
    Other,
}

/// How many instances a workload runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replicas {
    Count(u32),
    /// Written as a template or variable that was not evaluated.
    Unknown,
}

/// One deployed service: a compose service, or one container of a Kubernetes workload.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Service, object or container name.
    pub name: String,
    /// The file and the object in it (`service kafka0`, `StatefulSet kafka/kafka`).
    pub origin: Origin,
    /// The folder the workload was defined in; workloads of one folder form one network.
    pub scope: String,
    pub component: Component,
    pub image: Option<String>,
    pub replicas: Replicas,
    /// Environment variables by name.
    pub env: BTreeMap<String, Setting>,
    /// Kafka/ZooKeeper properties written by their own dotted names (Helm `configurationOverrides`).
    pub properties: BTreeMap<String, Setting>,
    /// Names other services reach it by: service name, container_name, hostname, aliases,
    /// Kubernetes Service names, StatefulSet pod names.
    pub hostnames: Vec<String>,
    /// A command that computes settings at start-up (`export ZOO_MY_ID=${HOSTNAME##*-}`).
    pub computed_at_start: Vec<String>,
    /// Published ports (compose `ports:`): (host address, host port, container port).
    pub ports: Vec<PortMapping>,
    /// Bind mounts: host path → container path (compose `volumes:`, Kubernetes `hostPath`).
    pub mounts: Vec<(PathBuf, String)>,
    /// The pod around a Kubernetes container: namespace, DNS policy, its other containers.
    pub pod: Option<PodSettings>,
}

/// What a Kubernetes pod spec says beyond one container: where names resolve from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodSettings {
    pub namespace: String,
    /// `dnsPolicy` as written (`ClusterFirst` when absent, as Kubernetes defaults it).
    pub dns_policy: String,
    pub dns_nameservers: Vec<String>,
    pub dns_searches: Vec<String>,
    /// `dnsConfig.options` as `name` or `name:value`.
    pub dns_options: Vec<String>,
    pub host_network: bool,
    /// The pod's other containers (name, image, command and args joined), e.g. a
    /// Docker-in-Docker sidecar whose `dockerd` flags set the chaincode resolver.
    pub sidecars: Vec<(String, String, String)>,
    /// The pod template's labels: every pod of the workload carries them, so they find its
    /// running pods on a live cluster.
    pub labels: BTreeMap<String, String>,
}

/// A container port published on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMapping {
    pub host_ip: Option<String>,
    pub published: u16,
    pub target: u16,
}

impl Workload {
    /// The host file a container path refers to, through the bind mounts (longest match).
    pub fn host_path(&self, container_path: &str) -> Option<PathBuf> {
        self.mounts
            .iter()
            .filter_map(|(host, target)| {
                let rest = container_path.strip_prefix(target.trim_end_matches('/'))?;
                if !(rest.is_empty() || rest.starts_with('/')) {
                    return None; // `/etc/hyperledger/fabricx` is not below `/etc/hyperledger/fabric`
                }
                let rest = rest.trim_start_matches('/');
                let path = if rest.is_empty() {
                    host.clone()
                } else {
                    host.join(rest)
                };
                Some((target.len(), path))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, p)| p)
    }
}

impl Workload {
    /// A Kafka broker property from wherever it is written: a dotted property, `KAFKA_<NAME>`
    /// (the Fabric and wurstmeister images) or `KAFKA_CFG_<NAME>` (bitnami).
    pub fn kafka_setting(&self, property: &str) -> Option<&Setting> {
        if let Some(s) = self.properties.get(property) {
            return Some(s);
        }
        let env_name = property.to_ascii_uppercase().replace('.', "_");
        self.env
            .get(&format!("KAFKA_{env_name}"))
            .or_else(|| self.env.get(&format!("KAFKA_CFG_{env_name}")))
    }

    /// The number of instances, or 1 when unknown (a workload is at least one instance).
    pub fn instances(&self) -> u32 {
        match self.replicas {
            Replicas::Count(n) => n,
            Replicas::Unknown => 1,
        }
    }
}

/// One Orderer section of configtx.yaml: a profile's, or the top-level defaults.
#[derive(Debug, Clone)]
pub struct ConfigTxProfile {
    /// The file and `profile <name>` (or `Orderer defaults`).
    pub origin: Origin,
    pub scope: String,
    pub name: String,
    pub orderer_type: Option<Setting>,
    /// `Kafka.Brokers`, when present.
    pub kafka_brokers: Option<Vec<String>>,
    /// `BatchSize.AbsoluteMaxBytes` in bytes, parsed as Fabric does, or why it does not parse.
    pub absolute_max_bytes: Option<Result<u64, String>>,
    pub preferred_max_bytes: Option<Result<u64, String>>,
    /// Read from a genesis or config block rather than a configtx.yaml: what the orderers run.
    /// A network with a block judges its Kafka rules by the block alone.
    pub from_block: bool,
}

impl ConfigTxProfile {
    pub fn is_kafka(&self) -> bool {
        self.orderer_type
            .as_ref()
            .is_some_and(|t| t.value.eq_ignore_ascii_case("kafka"))
    }
}

/// Something in the configuration that could not be evaluated, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigNote {
    pub origin: Origin,
    pub kind: NoteKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// A template (Helm, Jinja) that was not (or only partly) rendered.
    Template,
    /// A variable with no value.
    UnresolvedVariable,
    /// YAML that does not parse, or a file that cannot be read.
    Unparseable,
    /// `extends` names a file or service that does not exist.
    MissingExtends,
    /// `extends` comes back to where it started.
    ExtendsCycle,
    /// A value too large to be a setting, or a list too long to be a configuration.
    Oversized,
    /// A key given twice in one mapping: read last-wins (Compose v1, go-yaml v2), refused by
    /// Compose v2.
    DuplicateKey,
    /// A value the chart it is written for never reads (bitnami/kafka `minInsyncReplicas`): it
    /// looks like a setting and sets nothing.
    IgnoredValue,
}

/// Everything the static Kafka and ZooKeeper checks read.
#[derive(Debug, Clone, Default)]
pub struct OrderingConfig {
    pub workloads: Vec<Workload>,
    pub profiles: Vec<ConfigTxProfile>,
    pub notes: Vec<ConfigNote>,
    /// Which configtx.yaml (and profile) the deployments' orderers run, by their mounts,
    /// `FABRIC_CFG_PATH` and the scripts that made their genesis blocks.
    pub links: Vec<links::ConfigTxLink>,
}

/// The workloads and channel profiles that belong together.
#[derive(Debug)]
pub struct Network<'a> {
    pub scope: &'a str,
    pub workloads: Vec<&'a Workload>,
    /// configtx.yaml profiles in the network's folder, a folder above it, or one below it, and
    /// those its orderers are linked to wherever they are ([`links`]). When a link names the
    /// profile the genesis block is made from, that file's other profiles are left out.
    pub profiles: Vec<&'a ConfigTxProfile>,
    /// How the network's orderers are linked to a configtx.yaml.
    pub links: Vec<&'a links::ConfigTxLink>,
}

impl<'a> Network<'a> {
    pub fn of(&self, component: Component) -> impl Iterator<Item = &'a Workload> + '_ {
        self.workloads
            .iter()
            .copied()
            .filter(move |w| w.component == component)
    }

    /// Total instances of a component (a StatefulSet with replicas 4 is four brokers).
    pub fn count(&self, component: Component) -> u32 {
        self.of(component).map(Workload::instances).sum()
    }

    pub fn kafka_profiles(&self) -> impl Iterator<Item = &'a ConfigTxProfile> + '_ {
        self.profiles.iter().copied().filter(|p| p.is_kafka())
    }
}

impl OrderingConfig {
    /// Groups workloads by the folder that defines them, with the profiles that apply.
    /// Folders with channel profiles but no workloads related or linked to them are networks
    /// too (their ordering service is defined elsewhere, or not at all).
    pub fn networks(&self) -> Vec<Network<'_>> {
        let mut by_scope: BTreeMap<&str, Vec<&Workload>> = BTreeMap::new();
        for w in &self.workloads {
            by_scope.entry(w.scope.as_str()).or_default().push(w);
        }
        for p in &self.profiles {
            let deployed = self.workloads.iter().any(|w| related(&w.scope, &p.scope))
                || self.links.iter().any(|l| links_file(l, p));
            if !deployed {
                by_scope.entry(p.scope.as_str()).or_default();
            }
        }
        by_scope
            .into_iter()
            .map(|(scope, workloads)| {
                let links: Vec<&links::ConfigTxLink> =
                    self.links.iter().filter(|l| l.scope == scope).collect();
                let mut profiles: Vec<&ConfigTxProfile> = self
                    .profiles
                    .iter()
                    .filter(|p| related(scope, &p.scope) || links.iter().any(|l| links_file(l, p)))
                    .filter(|p| {
                        // A genesis block made from a named profile: that file's others are
                        // not what this network runs.
                        let named: Vec<&str> = links
                            .iter()
                            .filter(|l| links_file(l, p))
                            .filter_map(|l| l.profile.as_deref())
                            .collect();
                        named.is_empty() || named.contains(&p.name.as_str())
                    })
                    .collect();
                // What the orderers run is the block; configtx.yaml only says what it was made
                // from (and may have changed since).
                if profiles.iter().any(|p| p.from_block) {
                    profiles.retain(|p| p.from_block);
                }
                Network {
                    scope,
                    workloads,
                    profiles,
                    links,
                }
            })
            .collect()
    }
}

/// Whether a link points at the configtx.yaml a profile was read from.
fn links_file(link: &links::ConfigTxLink, profile: &ConfigTxProfile) -> bool {
    links::same_file(Path::new(&profile.origin.path), &link.configtx)
}

/// Whether two folders are the same, or one contains the other.
/// The workloads of `scope` (its folder, the folders above it and below it) or else of its
/// parent folder's, whichever first holds one `want` accepts: a block in `channel-artifacts/`
/// belongs to the compose files or manifests beside it. No further up, and never above `root`
/// (the scanned folder; unbounded when empty): a repository's other snapshots and examples are
/// other networks. Empty when neither has one.
pub fn nearest_with<'a>(
    workloads: &'a [Workload],
    scope: &str,
    root: &str,
    want: impl Fn(&Workload) -> bool,
) -> Vec<&'a Workload> {
    let scope = Path::new(scope);
    for l in [Some(scope), scope.parent()].into_iter().flatten() {
        if l.as_os_str().is_empty() {
            break;
        }
        if !root.is_empty() && !l.starts_with(root) {
            break;
        }
        let shown = l.display().to_string();
        let here: Vec<&Workload> = workloads
            .iter()
            .filter(|w| related(&shown, &w.scope))
            .collect();
        if here.iter().any(|w| want(w)) {
            return here;
        }
    }
    Vec::new()
}

pub fn related(a: &str, b: &str) -> bool {
    let (a, b) = (Path::new(a), Path::new(b));
    a == b || a.starts_with(b) || b.starts_with(a)
}

/// Decides what a workload runs, from its image first and its settings second.
pub fn classify(image: Option<&str>, env: &BTreeMap<String, Setting>) -> Component {
    let image = image.unwrap_or("").to_ascii_lowercase();
    let repo = image
        .rsplit('/')
        .next()
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("");
    if repo.contains("kafka") && !repo.contains("zookeeper") {
        return Component::Kafka;
    }
    // `k8szk` is the Kubernetes StatefulSet tutorial's ZooKeeper image
    // (gcr.io/google_samples/k8szk), which incubator/zookeeper 0.x ran.
    if repo.contains("zookeeper") || repo == "zk" || repo == "k8szk" {
        return Component::Zookeeper;
    }
    if repo.contains("orderer") {
        return Component::Orderer;
    }
    if repo.contains("peer") {
        return Component::Peer;
    }
    let has = |prefix: &str| env.keys().any(|k| k.starts_with(prefix));
    if env.contains_key("KAFKA_BROKER_ID") || env.contains_key("KAFKA_ZOOKEEPER_CONNECT") {
        Component::Kafka
    } else if env.contains_key("ZOO_MY_ID") || env.contains_key("ZOO_SERVERS") {
        Component::Zookeeper
    } else if has("ORDERER_GENERAL_") {
        Component::Orderer
    } else if has("CORE_PEER_") {
        Component::Peer
    } else {
        Component::Other
    }
}

/// How a Kubernetes workload runs its pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodLifecycle {
    /// Kept running and restarted (Deployment, StatefulSet, DaemonSet, ReplicaSet, a Pod).
    LongRunning,
    /// Run until it exits (Job, CronJob): never a server other workloads rely on.
    RunToCompletion,
}

/// Client tools shipped in the Kafka and ZooKeeper images (with or without `.sh`, as Apache's
/// and Confluent's images name them).
const CLIENT_TOOLS: &[&str] = &[
    "kafka-topics",
    "kafka-configs",
    "kafka-acls",
    "kafka-console-producer",
    "kafka-console-consumer",
    "kafka-consumer-groups",
    "kafka-reassign-partitions",
    "kafka-preferred-replica-election",
    "kafka-leader-election",
    "kafka-broker-api-versions",
    "kafka-log-dirs",
    "kafka-delete-records",
    "kafka-producer-perf-test",
    "kafka-consumer-perf-test",
    "kafkacat",
    "kcat",
    "zkcli",
    "zookeeper-shell",
];

/// What starts a ZooKeeper server: the Apache image's and the Kafka distribution's start
/// scripts, and the Kubernetes ZooKeeper images' (`start-zookeeper` in
/// k8s.gcr.io/kubernetes-zookeeper, `zkGenConfig.sh` in gcr.io/google_samples/k8szk; both
/// from kubernetes-retired/contrib statefulsets/zookeeper).
const ZOOKEEPER_STARTERS: &[&str] = &[
    "zkserver.sh",
    "zookeeper-server-start",
    "start-zookeeper",
    "zkgenconfig.sh",
];

/// What starts a Kafka broker, or an image's own entry point (which starts its server).
const SERVER_STARTERS: &[&str] = &[
    "kafka-server-start",
    "/etc/confluent/docker/run",
    "start-kafka",
    "entrypoint.sh",
    "run.sh",
    "setup.sh",
];

/// [`classify`] for one container of a Kubernetes workload, knowing how its pod runs and what
/// the container is told to run (`command` and `args` joined). A Kafka or ZooKeeper image run
/// to completion, or told to run only a client tool, is a [`Component::Client`]: charts run the
/// broker image that way to create topics (incubator/kafka's `kafka-config` Job and topic test
/// Pod, bitnami/kafka's provisioning Job). A container told to start a ZooKeeper server is
/// ZooKeeper whatever its image (the Kafka image's `zookeeper-server-start.sh`, the
/// Kubernetes tutorial's `start-zookeeper --servers=3`). A peer or orderer run to completion
/// is a client too: Fabric's nodes are servers, and a Job with their environment runs the
/// `peer` CLI against one.
pub fn classify_container(
    image: Option<&str>,
    env: &BTreeMap<String, Setting>,
    command: &str,
    lifecycle: PodLifecycle,
) -> Component {
    let command = command.to_ascii_lowercase();
    let runs = |names: &[&str]| names.iter().any(|n| command.contains(n));
    let starts_zookeeper = runs(ZOOKEEPER_STARTERS);
    let starts_server = starts_zookeeper || runs(SERVER_STARTERS);
    let component = if starts_zookeeper && !command.contains("kafka-server-start") {
        Component::Zookeeper
    } else {
        classify(image, env)
    };
    let client =
        lifecycle == PodLifecycle::RunToCompletion || (runs(CLIENT_TOOLS) && !starts_server);
    match component {
        Component::Kafka | Component::Zookeeper if client => Component::Client,
        // A peer or orderer is a server that runs until stopped: a Job carrying their
        // environment (CORE_PEER_ADDRESS and the TLS root for `peer channel join`) is the
        // tooling that talks to one, whatever image holds the binary.
        Component::Peer | Component::Orderer if lifecycle == PodLifecycle::RunToCompletion => {
            Component::Client
        }
        c => c,
    }
}

/// Gathers ordering-service configuration from the YAML (and template) files of a tree, and
/// the shell scripts that generate its channel artifacts.
pub fn gather(files: &[PathBuf], scripts: &[PathBuf]) -> OrderingConfig {
    gather_with_docs(files, scripts).0
}

/// [`gather`], also handing back the parsed YAML documents for other gatherers.
pub fn gather_with_docs(
    files: &[PathBuf],
    scripts: &[PathBuf],
) -> (OrderingConfig, Vec<yaml::YamlFile>) {
    let mut config = OrderingConfig::default();
    let docs = yaml::load_all(files, &mut config.notes);
    let charts = helm::render_charts(files, &mut config.notes);
    compose::gather(
        docs.iter()
            .chain(charts.iter().flat_map(|c| c.files.iter())),
        &mut config,
    );
    kube::gather(
        docs.iter()
            .chain(charts.iter().flat_map(|c| c.files.iter())),
        &mut config,
    );
    configtx::gather(&docs, &mut config);
    for chart in &charts {
        for w in config
            .workloads
            .iter_mut()
            .filter(|w| w.scope == chart.scope && w.component == Component::Kafka)
        {
            w.properties.extend(chart.kafka_properties.clone());
        }
    }
    // After the overrides above: those belong to a chart's own templates, not to the public
    // charts it depends on, which carry their own.
    charts::gather(files, &docs, &mut config);
    config.links = links::gather(&config.workloads, scripts);
    // A linked configtx.yaml outside the files given (`check --artifacts docker-compose/`
    // with the configuration in `../config`) is read too: it is what the orderers run.
    let mut outside: Vec<PathBuf> = config
        .links
        .iter()
        .map(|l| l.configtx.clone())
        .filter(|p| !docs.iter().any(|d| links::same_file(&d.path, p)))
        .collect();
    outside.sort();
    outside.dedup();
    if !outside.is_empty() {
        let linked = yaml::load_all(&outside, &mut config.notes);
        configtx::gather(&linked, &mut config);
    }
    per_host::expand(&mut config, scripts);
    config
        .workloads
        .sort_by(|a, b| (&a.scope, &a.origin).cmp(&(&b.scope, &b.origin)));
    config
        .notes
        .sort_by(|a, b| (&a.origin, a.kind).cmp(&(&b.origin, b.kind)));
    config.notes.dedup();
    (config, docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_with_a_peers_environment_is_a_client_on_any_image() {
        let mut env = BTreeMap::new();
        env.insert(
            "CORE_PEER_ADDRESS".to_owned(),
            Setting::literal("peer0.org1:7051", Origin::file("x")),
        );
        let job = "sh -c peer channel join -b mychannel.block";
        assert_eq!(
            classify_container(
                Some("example.com/fabric-standin:1.0"),
                &env,
                job,
                PodLifecycle::RunToCompletion
            ),
            Component::Client
        );
        assert_eq!(
            classify_container(
                Some("hyperledger/fabric-peer:1.4"),
                &env,
                "",
                PodLifecycle::RunToCompletion
            ),
            Component::Client
        );
        assert_eq!(
            classify_container(
                Some("example.com/fabric-standin:1.0"),
                &env,
                "",
                PodLifecycle::LongRunning
            ),
            Component::Peer
        );
    }

    #[test]
    fn classification_by_image_then_settings() {
        let env = BTreeMap::new();
        assert_eq!(
            classify(Some("hyperledger/fabric-kafka:0.4.14"), &env),
            Component::Kafka
        );
        assert_eq!(
            classify(Some("confluentinc/cp-kafka"), &env),
            Component::Kafka
        );
        assert_eq!(
            classify(Some("hyperledger/fabric-zookeeper"), &env),
            Component::Zookeeper
        );
        assert_eq!(
            classify(
                Some("ghcr.io/hyperledger/bevel-fabric-zookeeper:0.4.18"),
                &env
            ),
            Component::Zookeeper
        );
        assert_eq!(
            classify(Some("hyperledger/fabric-orderer:$IMAGE_TAG"), &env),
            Component::Orderer
        );
        let mut env = BTreeMap::new();
        env.insert(
            "ZOO_MY_ID".to_owned(),
            Setting::literal("1", Origin::file("x")),
        );
        assert_eq!(classify(Some("busybox"), &env), Component::Zookeeper);
    }

    #[test]
    fn kafka_settings_from_env_or_properties() {
        let mut w = Workload {
            name: "k".into(),
            origin: Origin::file("x"),
            scope: "d".into(),
            component: Component::Kafka,
            image: None,
            replicas: Replicas::Count(1),
            env: BTreeMap::new(),
            properties: BTreeMap::new(),
            hostnames: vec![],
            computed_at_start: vec![],
            ports: vec![],
            mounts: vec![],
            pod: None,
        };
        w.env.insert(
            "KAFKA_MESSAGE_MAX_BYTES".into(),
            Setting::literal("1", Origin::file("x")),
        );
        assert_eq!(w.kafka_setting("message.max.bytes").unwrap().value, "1");
        w.properties.insert(
            "message.max.bytes".into(),
            Setting::literal("2", Origin::file("x")),
        );
        assert_eq!(w.kafka_setting("message.max.bytes").unwrap().value, "2");
        assert!(w.kafka_setting("log.retention.ms").is_none());
    }

    #[test]
    fn related_scopes() {
        assert!(related("a/b", "a/b"));
        assert!(related("a/b", "a/b/kafka"));
        assert!(related("a/b/c", "a"));
        assert!(!related("a/b", "a/c"));
        assert!(!related("a/bc", "a/b"));
    }
}
