//! The pieces every object shares, built once: labels and metadata, a node's Service, the
//! single-replica StatefulSet and Deployment around a pod, data and crypto volumes.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    Affinity, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, ExecAction, HTTPGetAction,
    KeyToPath, PersistentVolumeClaim, PersistentVolumeClaimSpec, PodAffinityTerm, PodAntiAffinity,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, SeccompProfile, SecretVolumeSource,
    Service, ServicePort, ServiceSpec, TCPSocketAction, Volume, VolumeMount,
    VolumeResourceRequirements, WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::network::images;
use crate::network::{
    COMPONENT_LABEL, MANAGED_BY_LABEL, NETWORK_LABEL, Network, Node, Role, Storage, ports,
};

/// `app.kubernetes.io/name`, valued with the node's name on everything of one node.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";

/// Component of namespaces and other network-wide plumbing.
pub const CONFIG_COMPONENT: &str = "config";
/// Component of the PKI Secrets.
pub const CRYPTO_COMPONENT: &str = "crypto";
/// Component of the genesis Job and everything it uses.
pub const GENESIS_COMPONENT: &str = "genesis";
/// Component of the channel Jobs (create, join, anchor peers) and their inputs.
pub const CHANNEL_COMPONENT: &str = "channel";
/// Component of the test chaincode: its Jobs, package and (2.5) servers.
pub const CHAINCODE_COMPONENT: &str = "chaincode";

/// Written out although it is the default: `protocol` is part of the key of Service and
/// container ports, and API servers before 1.21 refuse a server-side apply that omits it.
const TCP: &str = "TCP";

/// The data volume (an emptyDir, or the StatefulSet's claim template).
pub const DATA_VOLUME: &str = "data";

/// The labels of an object of `component`; `node` names the node it belongs to, if any.
pub fn labels(network: &Network, component: &str, node: Option<&str>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([
        (NETWORK_LABEL.to_owned(), network.name.clone()),
        (COMPONENT_LABEL.to_owned(), component.to_owned()),
        (MANAGED_BY_LABEL.to_owned(), "fabcheck".to_owned()),
    ]);
    if let Some(node) = node {
        labels.insert(NAME_LABEL.to_owned(), node.to_owned());
    }
    labels
}

/// Name, namespace (none for cluster-scoped objects) and labels.
pub fn object_meta(
    network: &Network,
    name: &str,
    namespace: Option<&str>,
    component: &str,
    node: Option<&str>,
) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        labels: Some(labels(network, component, node)),
        ..ObjectMeta::default()
    }
}

/// The metadata of an object of `node`, in its namespace.
pub fn node_meta(network: &Network, node: &Node, name: &str) -> ObjectMeta {
    object_meta(
        network,
        name,
        Some(&node.namespace),
        node.role.component(),
        Some(&node.name),
    )
}

/// What selects a node's pod: its name within the namespace, and the network, so two
/// networks sharing a namespace never select each other's pods.
pub fn selector(network: &Network, node: &Node) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME_LABEL.to_owned(), node.name.clone()),
        (NETWORK_LABEL.to_owned(), network.name.clone()),
    ])
}

/// The named ports a node serves.
pub fn node_ports(role: Role) -> &'static [(&'static str, u16)] {
    match role {
        Role::Peer => &[
            ("grpc", ports::PEER),
            ("chaincode", ports::PEER_CHAINCODE),
            ("operations", ports::PEER_OPERATIONS),
        ],
        Role::Orderer => &[
            ("grpc", ports::ORDERER),
            ("operations", ports::ORDERER_OPERATIONS),
        ],
        Role::Ca => &[("https", ports::CA)],
        Role::Kafka => &[("kafka", ports::KAFKA)],
        Role::ZooKeeper => &[
            ("client", ports::ZOOKEEPER_CLIENT),
            ("peer", ports::ZOOKEEPER_PEER),
            ("election", ports::ZOOKEEPER_ELECTION),
        ],
    }
}

/// The ports a node's Services carry: every port it serves, the operations endpoint included.
/// The in-cluster probe dials nodes by their Service names, and it reads `/healthz` and
/// `/metrics` there; the port is reachable on the pod IP from anywhere in the cluster anyway,
/// so naming it on the Service exposes nothing new.
pub fn service_ports(role: Role) -> Vec<(&'static str, u16)> {
    node_ports(role).to_vec()
}

/// The headless Service governing a node's StatefulSet (`spec.serviceName`), which gives its
/// pod a stable DNS name; clients keep dialling the ClusterIP Service.
pub fn headless_service(network: &Network, node: &Node) -> Service {
    Service {
        metadata: node_meta(network, node, &headless_name(node)),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".to_owned()),
            selector: Some(selector(network, node)),
            publish_not_ready_addresses: Some(true),
            ports: Some(tcp_ports(&service_ports(node.role))),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

/// `peer0-headless`.
pub fn headless_name(node: &Node) -> String {
    format!("{}-headless", node.name)
}

fn tcp_ports(ports: &[(&str, u16)]) -> Vec<ServicePort> {
    ports
        .iter()
        .map(|(name, port)| ServicePort {
            name: Some((*name).to_owned()),
            port: i32::from(*port),
            protocol: Some(TCP.to_owned()),
            ..ServicePort::default()
        })
        .collect()
}

/// The node's ClusterIP Service: `name.namespace` is the host every other node dials.
pub fn service(network: &Network, node: &Node) -> Service {
    // ZooKeeper servers and Kafka brokers must reach each other before they are ready: an
    // ensemble forms quorum, and brokers replicate, through these Services.
    let early = matches!(node.role, Role::ZooKeeper | Role::Kafka).then_some(true);
    Service {
        metadata: node_meta(network, node, &node.name),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            selector: Some(selector(network, node)),
            publish_not_ready_addresses: early,
            ports: Some(tcp_ports(&service_ports(node.role))),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

/// The pod template of a node: its labels, and what every fabcheck pod sets.
pub fn pod_template(network: &Network, node: &Node, spec: PodSpec) -> PodTemplateSpec {
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels(network, node.role.component(), Some(&node.name))),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            // Service links would put `<SERVICE>_PORT=tcp://…` into every container, and the
            // Kafka and ZooKeeper images turn any `KAFKA_*` / `ZOO_*` variable into a setting.
            enable_service_links: Some(false),
            affinity: spread(network, node),
            ..spec
        }),
    }
}

/// Kafka brokers and ZooKeeper servers prefer nodes none of their kind runs on: two brokers
/// lost with one node can take a channel's partition below min.insync.replicas, and two
/// ZooKeeper servers lost with one node take a 3-server ensemble below quorum. Preferred, not
/// required, so a single-node cluster still runs the network.
fn spread(network: &Network, node: &Node) -> Option<Affinity> {
    if !matches!(node.role, Role::Kafka | Role::ZooKeeper) {
        return None;
    }
    let selector = BTreeMap::from([
        (NETWORK_LABEL.to_owned(), network.name.clone()),
        (COMPONENT_LABEL.to_owned(), node.role.component().to_owned()),
    ]);
    Some(Affinity {
        pod_anti_affinity: Some(PodAntiAffinity {
            preferred_during_scheduling_ignored_during_execution: Some(vec![
                WeightedPodAffinityTerm {
                    weight: 100,
                    pod_affinity_term: PodAffinityTerm {
                        label_selector: Some(LabelSelector {
                            match_labels: Some(selector),
                            ..LabelSelector::default()
                        }),
                        topology_key: "kubernetes.io/hostname".to_owned(),
                        ..PodAffinityTerm::default()
                    },
                },
            ]),
            ..PodAntiAffinity::default()
        }),
        ..Affinity::default()
    })
}

/// Places a pod of `image` on nodes of an architecture its publisher builds: Fabric 1.4 and
/// fabric-kafka/zookeeper 0.4 are amd64 only, and on an arm64 node they fail with `exec format
/// error`. Multi-arch images and images the table does not know (a spec override) are not
/// constrained.
pub fn node_selector(image: &str) -> Option<BTreeMap<String, String>> {
    let entry = images::find(image)?;
    match entry.architectures {
        [only] => Some(BTreeMap::from([(
            "kubernetes.io/arch".to_owned(),
            (*only).to_owned(),
        )])),
        _ => None,
    }
}

/// How often a Job's pod is retried, and how long the Job may run.
#[derive(Debug, Clone, Copy)]
pub struct JobLimits {
    pub retries: i32,
    pub deadline_seconds: Option<i64>,
}

/// A Job of one container of the tools image (configtxgen, the `peer` CLI) in `namespace`:
/// no API credentials, no retries beyond `backoff`, on nodes the tools image runs on, with the
/// runtime's default seccomp profile.
pub fn tools_job(
    network: &Network,
    (namespace, name, component): (&str, &str, &str),
    container: Container,
    volumes: Vec<Volume>,
    limits: JobLimits,
) -> k8s_openapi::api::batch::v1::Job {
    use k8s_openapi::api::batch::v1::{Job, JobSpec};
    Job {
        metadata: object_meta(network, name, Some(namespace), component, None),
        spec: Some(JobSpec {
            backoff_limit: Some(limits.retries),
            active_deadline_seconds: limits.deadline_seconds,
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(network, component, None)),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".to_owned()),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    node_selector: node_selector(&network.images.tools),
                    security_context: job_pod_security(),
                    containers: vec![container],
                    volumes: Some(volumes),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        ..Job::default()
    }
}

/// The pod security context of the Jobs: the runtime's default seccomp profile.
fn job_pod_security() -> Option<PodSecurityContext> {
    Some(PodSecurityContext {
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_owned(),
            ..SeccompProfile::default()
        }),
        ..PodSecurityContext::default()
    })
}

/// A single-replica StatefulSet for `node` around `pod`, with the data claim when the storage
/// is a PVC.
pub fn stateful_set(network: &Network, node: &Node, pod: PodSpec) -> StatefulSet {
    StatefulSet {
        metadata: node_meta(network, node, &node.name),
        spec: Some(StatefulSetSpec {
            replicas: Some(1),
            service_name: Some(headless_name(node)),
            // Single replicas: ordered start-up buys nothing and would serialise restarts.
            pod_management_policy: Some("Parallel".to_owned()),
            selector: LabelSelector {
                match_labels: Some(selector(network, node)),
                ..LabelSelector::default()
            },
            template: pod_template(network, node, pod),
            volume_claim_templates: claim_templates(network, node),
            ..StatefulSetSpec::default()
        }),
        ..StatefulSet::default()
    }
}

/// A single-replica Deployment for `node` around `pod` (the CA: its state is its PKI).
pub fn deployment(network: &Network, node: &Node, pod: PodSpec) -> Deployment {
    Deployment {
        metadata: node_meta(network, node, &node.name),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(selector(network, node)),
                ..LabelSelector::default()
            },
            template: pod_template(network, node, pod),
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

/// The claim template of the data volume, when the storage is a PVC. The claim carries the
/// network's labels so teardown finds the PVCs the StatefulSet leaves behind.
fn claim_templates(network: &Network, node: &Node) -> Option<Vec<PersistentVolumeClaim>> {
    let Storage::Pvc {
        storage_class,
        size,
    } = &network.storage
    else {
        return None;
    };
    Some(vec![PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(DATA_VOLUME.to_owned()),
            labels: Some(labels(network, node.role.component(), Some(&node.name))),
            ..ObjectMeta::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".to_owned()]),
            storage_class_name: storage_class.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(size.clone()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            // What the API server defaults, written out: before 1.21 a server-side apply of
            // a claim template without them differs from the stored object on every run
            // (kubernetes#87583), and a re-deploy would roll every StatefulSet.
            volume_mode: Some("Filesystem".to_owned()),
            ..PersistentVolumeClaimSpec::default()
        }),
        status: Some(k8s_openapi::api::core::v1::PersistentVolumeClaimStatus {
            phase: Some("Pending".to_owned()),
            ..Default::default()
        }),
    }])
}

/// The pod volume behind [`DATA_VOLUME`]: an emptyDir, or nothing when the claim template
/// provides it.
pub fn data_volumes(network: &Network) -> Vec<Volume> {
    match network.storage {
        Storage::EmptyDir => vec![empty_dir(DATA_VOLUME)],
        Storage::Pvc { .. } => Vec::new(),
    }
}

/// A mount of a sub-folder of the data volume. Each data path gets its own sub-folder, so
/// a PVC's `lost+found` never lands in a folder a server scans.
pub fn data_mount(path: &str, sub_path: &str) -> VolumeMount {
    VolumeMount {
        name: DATA_VOLUME.to_owned(),
        mount_path: path.to_owned(),
        sub_path: Some(sub_path.to_owned()),
        ..VolumeMount::default()
    }
}

pub fn empty_dir(name: &str) -> Volume {
    Volume {
        name: name.to_owned(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    }
}

pub fn mount(name: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: name.to_owned(),
        mount_path: path.to_owned(),
        ..VolumeMount::default()
    }
}

/// Environment variables with literal values, in the order given. An empty value is written
/// as no value (the container still sees the variable, set to ""): the API server stores it
/// that way, and an applied `value: ""` would differ from the stored object on every apply.
pub fn env(pairs: Vec<(&str, String)>) -> Vec<EnvVar> {
    pairs
        .into_iter()
        .map(|(name, value)| EnvVar {
            name: name.to_owned(),
            value: (!value.is_empty()).then_some(value),
            ..EnvVar::default()
        })
        .collect()
}

/// The container of a node: its image, environment, named ports and the readiness probe of its
/// role ([`readiness_probe`]).
pub fn node_container(
    node: &Node,
    name: &str,
    image: &str,
    env: Vec<EnvVar>,
    mounts: Vec<VolumeMount>,
) -> Container {
    let ports = node_ports(node.role);
    Container {
        name: name.to_owned(),
        image: Some(image.to_owned()),
        env: Some(env),
        ports: Some(
            ports
                .iter()
                .map(|(name, port)| ContainerPort {
                    name: Some((*name).to_owned()),
                    container_port: i32::from(*port),
                    protocol: Some(TCP.to_owned()),
                    ..ContainerPort::default()
                })
                .collect(),
        ),
        readiness_probe: Some(readiness_probe(node.role)),
        volume_mounts: Some(mounts),
        ..Container::default()
    }
}

/// What "ready" means for each kind of node, probed the way the server itself reports health.
///
/// No TCP probe on a TLS port: a connection that never handshakes makes the server log
/// `TLS handshake failed … EOF` every period, which reads like a load balancer's health check
/// (LOG-002). Peers and orderers answer `/healthz` on their operations endpoint (plain HTTP
/// unless `operations.tls` is enabled; Fabric 1.4.12's peer includes its Docker daemon in it,
/// core/container/dockercontroller `HealthCheck`); fabric-ca answers `GET /cainfo` over its TLS
/// listener; ZooKeeper answers `ruok` with `imok` only while it serves (3.4's four-letter
/// words are all enabled); Kafka's plaintext listener opens once the broker has registered.
pub fn readiness_probe(role: Role) -> Probe {
    let http = |port: u16, path: &str, scheme: &str| HTTPGetAction {
        path: Some(path.to_owned()),
        port: IntOrString::Int(i32::from(port)),
        scheme: Some(scheme.to_owned()),
        ..HTTPGetAction::default()
    };
    let base = Probe {
        initial_delay_seconds: Some(5),
        period_seconds: Some(10),
        timeout_seconds: Some(3),
        ..Probe::default()
    };
    match role {
        Role::Peer => Probe {
            http_get: Some(http(ports::PEER_OPERATIONS, "/healthz", "HTTP")),
            ..base
        },
        Role::Orderer => Probe {
            http_get: Some(http(ports::ORDERER_OPERATIONS, "/healthz", "HTTP")),
            ..base
        },
        Role::Ca => Probe {
            http_get: Some(http(ports::CA, "/cainfo", "HTTPS")),
            ..base
        },
        Role::ZooKeeper => Probe {
            exec: Some(ExecAction {
                command: Some(vec![
                    "bash".to_owned(),
                    "-c".to_owned(),
                    format!(
                        "exec 3<>/dev/tcp/127.0.0.1/{} && printf ruok >&3 && read -r -t 3 -n 4 answer <&3 && [ \"$answer\" = imok ]",
                        ports::ZOOKEEPER_CLIENT
                    ),
                ]),
            }),
            ..base
        },
        Role::Kafka => Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::Int(i32::from(ports::KAFKA)),
                ..TCPSocketAction::default()
            }),
            ..base
        },
    }
}

/// Secret volumes that show a node's files under `root` (`root/msp/…`, `root/tls/…`): one
/// volume per top-level folder, so that other mounts (the orderer's genesis block) can sit
/// beside them instead of inside a read-only Secret mount. `entries` are (data key, path
/// relative to the node folder). Files at the top level put everything into one volume at
/// `root`.
pub fn crypto_volumes(
    secret: &str,
    entries: &[(String, String)],
    root: &str,
) -> (Vec<Volume>, Vec<VolumeMount>) {
    let mut groups: BTreeMap<&str, Vec<KeyToPath>> = BTreeMap::new();
    let flat = entries.iter().any(|(_, path)| !path.contains('/'));
    for (key, path) in entries {
        let (dir, rest) = match path.split_once('/') {
            Some((dir, rest)) if !flat => (dir, rest),
            _ => ("", path.as_str()),
        };
        groups.entry(dir).or_default().push(KeyToPath {
            key: key.clone(),
            path: rest.to_owned(),
            ..KeyToPath::default()
        });
    }
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    for (i, (dir, items)) in groups.into_iter().enumerate() {
        let name = volume_name(dir, i);
        volumes.push(Volume {
            name: name.clone(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(secret.to_owned()),
                items: Some(items),
                ..SecretVolumeSource::default()
            }),
            ..Volume::default()
        });
        let path = if dir.is_empty() {
            root.to_owned()
        } else {
            format!("{root}/{dir}")
        };
        mounts.push(VolumeMount {
            read_only: Some(true),
            ..mount(&name, &path)
        });
    }
    (volumes, mounts)
}

/// `crypto` for the top level, `crypto-msp`, `crypto-tls`; a folder name that is not a DNS
/// label gets its position.
fn volume_name(dir: &str, index: usize) -> String {
    if dir.is_empty() {
        return "crypto".to_owned();
    }
    let clean = dir.len() <= 50
        && dir
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !dir.starts_with(|c: char| c.is_ascii_digit());
    if clean {
        format!("crypto-{dir}")
    } else {
        format!("crypto-{index}")
    }
}
