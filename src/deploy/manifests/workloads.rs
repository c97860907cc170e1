//! The workload of each kind of node: its image, its environment as the Fabric, Kafka and
//! ZooKeeper images read it, and its volumes.
//!
//! The settings are the ones the suite's static checks hold a network to (checks/*.yaml):
//! Fabric's Kafka guidance for brokers, a ZooKeeper server list with each server's own entry
//! as `0.0.0.0` (a server cannot bind its quorum ports to its Service's virtual IP), and a
//! chaincode resolver pointed at the cluster DNS with the cluster's search list.

use std::net::IpAddr;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMapVolumeSource, Container, KeyToPath, PodSpec, Secret, SecretVolumeSource,
    SecurityContext, Volume, VolumeMount,
};

use super::crypto_secrets::CryptoMount;
use super::genesis::GENESIS_BLOCK;
use super::meta::{
    crypto_volumes, data_mount, data_volumes, deployment, empty_dir, env, mount, node_container,
    node_meta, node_selector, stateful_set,
};
use super::{GENESIS_CONFIGMAP, ManifestError};
use crate::deploy::crypto::CryptoMaterial;
use crate::network::{
    ChaincodeRuntime, Consensus, FabricVersion, KafkaCluster, Network, Node, Org, ports,
};

/// Where the peer and orderer images look for their MSP and TLS files (`…/msp`, `…/tls`).
const PEER_ROOT: &str = "/var/hyperledger/peer";
const ORDERER_ROOT: &str = "/var/hyperledger/orderer";
/// The orderer's genesis block, from the genesis ConfigMap.
const GENESIS_DIR: &str = "/var/hyperledger/orderer/genesis";
/// Ledgers, as the images' own configuration places them.
const PRODUCTION_DIR: &str = "/var/hyperledger/production";
/// The CA's PKI, its bootstrap credentials, and its working folder (database, issued TLS cert).
const CA_CONFIG_DIR: &str = "/etc/hyperledger/fabric-ca-server-config";
const CA_BOOTSTRAP_DIR: &str = "/etc/hyperledger/fabric-ca-bootstrap";
const CA_HOME: &str = "/etc/hyperledger/fabric-ca-server";
/// Where the peer finds the Docker-in-Docker daemon: loopback, so nothing else can use it.
const DIND_ENDPOINT: &str = "tcp://127.0.0.1:2375";

/// cryptogen's names for a node's TLS files.
const TLS_CERT: &str = "tls/server.crt";
const TLS_KEY: &str = "tls/server.key";
const TLS_CA: &str = "tls/ca.crt";

/// What every node pod sets: no API token (nodes never call the API server), and nodes of an
/// architecture its main image is built for.
fn pod(image: &str, containers: Vec<Container>, volumes: Vec<Volume>) -> PodSpec {
    PodSpec {
        automount_service_account_token: Some(false),
        node_selector: node_selector(image),
        containers,
        // An empty list is stored as none; applied as `[]` it would differ on every apply.
        volumes: (!volumes.is_empty()).then_some(volumes),
        ..PodSpec::default()
    }
}

/// A ZooKeeper server of the fabric-zookeeper image: `myid` is its position + 1, and every
/// server lists the whole ensemble by Service host, its own entry as `0.0.0.0`.
pub fn zookeeper(network: &Network, kafka: &KafkaCluster, node: &Node) -> StatefulSet {
    let servers = kafka
        .zookeepers
        .iter()
        .map(|z| {
            let host = if z == node {
                "0.0.0.0".to_owned()
            } else {
                z.host()
            };
            format!(
                "server.{}={host}:{}:{}",
                z.index + 1,
                ports::ZOOKEEPER_PEER,
                ports::ZOOKEEPER_ELECTION
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let vars = env(vec![
        ("ZOO_MY_ID", (node.index + 1).to_string()),
        ("ZOO_SERVERS", servers),
    ]);
    let mounts = vec![
        data_mount("/data", "zookeeper-data"),
        data_mount("/datalog", "zookeeper-datalog"),
    ];
    let container = node_container(node, "zookeeper", &network.images.zookeeper, vars, mounts);
    let image = &network.images.zookeeper;
    stateful_set(
        network,
        node,
        pod(image, vec![container], data_volumes(network)),
    )
}

/// A Kafka broker of the fabric-kafka image, which turns each `KAFKA_<NAME>` variable into
/// the `<name>` property, with the settings Fabric's Kafka guidance asks for.
pub fn kafka(network: &Network, kafka: &KafkaCluster, node: &Node) -> StatefulSet {
    let s = &kafka.settings;
    let zookeepers = kafka
        .zookeepers
        .iter()
        .map(|z| format!("{}:{}", z.host(), ports::ZOOKEEPER_CLIENT))
        .collect::<Vec<_>>()
        .join(",");
    let vars = env(vec![
        ("KAFKA_BROKER_ID", node.index.to_string()),
        ("KAFKA_ZOOKEEPER_CONNECT", zookeepers),
        (
            "KAFKA_LISTENERS",
            format!("PLAINTEXT://0.0.0.0:{}", ports::KAFKA),
        ),
        (
            "KAFKA_ADVERTISED_LISTENERS",
            format!("PLAINTEXT://{}", node.address()),
        ),
        ("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false".to_owned()),
        (
            "KAFKA_MIN_INSYNC_REPLICAS",
            s.min_insync_replicas.to_string(),
        ),
        (
            "KAFKA_DEFAULT_REPLICATION_FACTOR",
            s.default_replication_factor.to_string(),
        ),
        ("KAFKA_MESSAGE_MAX_BYTES", s.message_max_bytes.to_string()),
        (
            "KAFKA_REPLICA_FETCH_MAX_BYTES",
            s.replica_fetch_max_bytes.to_string(),
        ),
        ("KAFKA_LOG_RETENTION_MS", "-1".to_owned()),
        ("KAFKA_LOG_DIRS", "/var/lib/kafka/data".to_owned()),
    ]);
    let mounts = vec![data_mount("/var/lib/kafka/data", "kafka")];
    let image = &network.images.kafka;
    let container = node_container(node, "kafka", image, vars, mounts);
    stateful_set(
        network,
        node,
        pod(image, vec![container], data_volumes(network)),
    )
}

/// The path of a required file of the node's own, under `root`.
fn required(
    mount: &CryptoMount,
    node: &Node,
    root: &str,
    rel: &str,
) -> Result<String, ManifestError> {
    if mount.contains(rel) {
        Ok(format!("{root}/{rel}"))
    } else {
        Err(ManifestError::MissingCrypto {
            node: node.host(),
            path: rel.to_owned(),
        })
    }
}

/// A Fabric orderer booting from the genesis ConfigMap, TLS on, with Kafka's topic settings or
/// the Raft cluster's TLS. Kafka's retry settings stay Fabric's defaults (a short total of 10
/// minutes): the brokers are ready before the orderers start, and a shorter total only makes a
/// late broker stall the first bring-up for the long interval (5 minutes).
pub fn orderer(
    network: &Network,
    org: &Org,
    node: &Node,
    crypto: CryptoMount,
) -> Result<StatefulSet, ManifestError> {
    let cert = required(&crypto, node, ORDERER_ROOT, TLS_CERT)?;
    let key = required(&crypto, node, ORDERER_ROOT, TLS_KEY)?;
    let ca = format!("[{}]", required(&crypto, node, ORDERER_ROOT, TLS_CA)?);
    // Fabric 2.x renamed General.GenesisMethod/GenesisFile to BootstrapMethod/BootstrapFile
    // (orderer/common/localconfig/config.go; the old names are only translated with a warning).
    let (method, file) = match network.fabric {
        FabricVersion::V1_4 => (
            "ORDERER_GENERAL_GENESISMETHOD",
            "ORDERER_GENERAL_GENESISFILE",
        ),
        FabricVersion::V2_5 => (
            "ORDERER_GENERAL_BOOTSTRAPMETHOD",
            "ORDERER_GENERAL_BOOTSTRAPFILE",
        ),
    };
    let mut vars = vec![
        ("ORDERER_GENERAL_LISTENADDRESS", "0.0.0.0".to_owned()),
        ("ORDERER_GENERAL_LISTENPORT", ports::ORDERER.to_string()),
        (method, "file".to_owned()),
        (file, format!("{GENESIS_DIR}/{GENESIS_BLOCK}")),
        ("ORDERER_GENERAL_LOCALMSPID", org.msp_id.clone()),
        ("ORDERER_GENERAL_LOCALMSPDIR", format!("{ORDERER_ROOT}/msp")),
        ("ORDERER_GENERAL_TLS_ENABLED", "true".to_owned()),
        ("ORDERER_GENERAL_TLS_CERTIFICATE", cert.clone()),
        ("ORDERER_GENERAL_TLS_PRIVATEKEY", key.clone()),
        ("ORDERER_GENERAL_TLS_ROOTCAS", ca.clone()),
        (
            "ORDERER_FILELEDGER_LOCATION",
            format!("{PRODUCTION_DIR}/orderer"),
        ),
        (
            "ORDERER_OPERATIONS_LISTENADDRESS",
            format!("0.0.0.0:{}", ports::ORDERER_OPERATIONS),
        ),
        // orderer.yaml's default provider is `disabled`; prometheus registers /metrics
        // (core/operations/system.go), where the health checks read each channel's height.
        ("ORDERER_METRICS_PROVIDER", "prometheus".to_owned()),
    ];
    match (&network.consensus, &network.kafka) {
        (Consensus::Kafka, Some(kafka)) => vars.extend([
            (
                "ORDERER_KAFKA_TOPIC_REPLICATIONFACTOR",
                kafka.settings.default_replication_factor.to_string(),
            ),
            ("ORDERER_KAFKA_VERBOSE", "true".to_owned()),
        ]),
        _ => vars.extend([
            ("ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE", cert),
            ("ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY", key),
            ("ORDERER_GENERAL_CLUSTER_ROOTCAS", ca),
        ]),
    }
    let (mut volumes, mut mounts) = crypto_volumes(&crypto.secret, &crypto.entries, ORDERER_ROOT);
    volumes.push(Volume {
        name: "genesis".to_owned(),
        config_map: Some(ConfigMapVolumeSource {
            name: GENESIS_CONFIGMAP.to_owned(),
            items: Some(vec![KeyToPath {
                key: GENESIS_BLOCK.to_owned(),
                path: GENESIS_BLOCK.to_owned(),
                ..KeyToPath::default()
            }]),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    });
    mounts.push(VolumeMount {
        read_only: Some(true),
        ..mount("genesis", GENESIS_DIR)
    });
    mounts.push(data_mount(&format!("{PRODUCTION_DIR}/orderer"), "orderer"));
    volumes.extend(data_volumes(network));
    let image = &network.images.orderer;
    let container = node_container(node, "orderer", image, env(vars), mounts);
    Ok(stateful_set(
        network,
        node,
        pod(image, vec![container], volumes),
    ))
}

/// A Fabric peer with TLS on, gossiping with the next peer of its org, and the chaincode
/// runtime the spec asks for.
pub fn peer(
    network: &Network,
    org: &Org,
    node: &Node,
    crypto: CryptoMount,
    cluster_dns: IpAddr,
) -> Result<StatefulSet, ManifestError> {
    let host = node.host();
    let next = (node.index + 1).checked_rem(org.nodes.len());
    let bootstrap = org
        .nodes
        .iter()
        .find(|p| Some(p.index) == next)
        .unwrap_or(node);
    let mut vars = vec![
        ("CORE_PEER_ID", host.clone()),
        ("CORE_PEER_ADDRESS", node.address()),
        (
            "CORE_PEER_LISTENADDRESS",
            format!("0.0.0.0:{}", ports::PEER),
        ),
        (
            "CORE_PEER_CHAINCODEADDRESS",
            format!("{host}:{}", ports::PEER_CHAINCODE),
        ),
        (
            "CORE_PEER_CHAINCODELISTENADDRESS",
            format!("0.0.0.0:{}", ports::PEER_CHAINCODE),
        ),
        ("CORE_PEER_GOSSIP_BOOTSTRAP", bootstrap.address()),
        ("CORE_PEER_GOSSIP_EXTERNALENDPOINT", node.address()),
        ("CORE_PEER_LOCALMSPID", org.msp_id.clone()),
        ("CORE_PEER_MSPCONFIGPATH", format!("{PEER_ROOT}/msp")),
        ("CORE_PEER_TLS_ENABLED", "true".to_owned()),
        (
            "CORE_PEER_TLS_CERT_FILE",
            required(&crypto, node, PEER_ROOT, TLS_CERT)?,
        ),
        (
            "CORE_PEER_TLS_KEY_FILE",
            required(&crypto, node, PEER_ROOT, TLS_KEY)?,
        ),
        (
            "CORE_PEER_TLS_ROOTCERT_FILE",
            required(&crypto, node, PEER_ROOT, TLS_CA)?,
        ),
        ("CORE_PEER_FILESYSTEMPATH", PRODUCTION_DIR.to_owned()),
        (
            "CORE_OPERATIONS_LISTENADDRESS",
            format!("0.0.0.0:{}", ports::PEER_OPERATIONS),
        ),
        // core.yaml's default provider is `disabled`; prometheus registers /metrics
        // (core/operations/system.go), where the health checks read each channel's height
        // (ledger_blockchain_height).
        ("CORE_METRICS_PROVIDER", "prometheus".to_owned()),
    ];
    let (mut volumes, mut mounts) = crypto_volumes(&crypto.secret, &crypto.entries, PEER_ROOT);
    mounts.push(data_mount(PRODUCTION_DIR, "peer"));
    volumes.extend(data_volumes(network));
    let mut sidecars = Vec::new();
    let mut init = Vec::new();
    match network.chaincode.runtime {
        ChaincodeRuntime::Dind => {
            let resolver = Resolver::of(network, node, cluster_dns);
            vars.extend(resolver.peer_env());
            // Pinned to the table's ccenv rather than Fabric's floating two-digit tag.
            vars.push(("CORE_CHAINCODE_BUILDER", network.images.ccenv.clone()));
            sidecars.push(dind(network, &resolver));
            volumes.push(empty_dir("dind-storage"));
        }
        ChaincodeRuntime::Ccaas => {
            vars.push(ccaas_env(node));
            vars.push(("FABRIC_CFG_PATH", PEER_CONFIG_DIR.to_owned()));
            init.push(peer_config_without_docker(network));
            volumes.push(empty_dir("peer-config"));
            mounts.push(mount("peer-config", PEER_CONFIG_DIR));
        }
    }
    let image = &network.images.peer;
    let container = node_container(node, "peer", image, env(vars), mounts);
    let containers = std::iter::once(container).chain(sidecars).collect();
    let mut spec = pod(image, containers, volumes);
    spec.init_containers = (!init.is_empty()).then_some(init);
    Ok(stateful_set(network, node, spec))
}

/// Where a chaincode-as-a-service peer reads its core.yaml.
const PEER_CONFIG_DIR: &str = "/var/hyperledger/peer-config";
/// Where the peer image keeps its own configuration.
const IMAGE_CONFIG_DIR: &str = "/etc/hyperledger/fabric";

/// The peer image's own core.yaml with `vm.endpoint` emptied. With an endpoint set, the 2.x
/// peer creates a Docker client and registers it with the operations health check
/// (internal/peer/node/start.go); with no Docker daemon beside a chaincode-as-a-service peer,
/// `/healthz` then answers 503 for ever. An empty environment variable cannot clear the key
/// (viper ignores empty variables unless AllowEmptyEnv is set, and Fabric does not set it), so
/// the file itself is changed; the copy fails loudly if the image's file no longer has the line.
fn peer_config_without_docker(network: &Network) -> Container {
    let script = format!(
        "set -eu
         src={IMAGE_CONFIG_DIR}/core.yaml
         grep -q '^    endpoint: unix:///var/run/docker.sock' \"$src\"
         sed 's#^    endpoint: unix:///var/run/docker.sock#    endpoint:#' \"$src\" > {PEER_CONFIG_DIR}/core.yaml
         ! grep -q '^    endpoint: unix://' {PEER_CONFIG_DIR}/core.yaml
"
    );
    Container {
        name: "peer-config".to_owned(),
        image: Some(network.images.peer.clone()),
        command: Some(vec!["sh".to_owned(), "-c".to_owned(), script]),
        volume_mounts: Some(vec![mount("peer-config", PEER_CONFIG_DIR)]),
        ..Container::default()
    }
}

/// What the chaincode containers of a Docker-in-Docker peer resolve with.
struct Resolver {
    nameserver: String,
    search: Vec<String>,
    /// `ndots:2`, `timeout:2`, `attempts:2`.
    options: Vec<String>,
}

impl Resolver {
    fn of(network: &Network, node: &Node, cluster_dns: IpAddr) -> Resolver {
        let dns = &network.chaincode.dns;
        let domain = &network.cluster_domain;
        let search = dns.search.clone().unwrap_or_else(|| {
            vec![
                format!("{}.svc.{domain}", node.namespace),
                format!("svc.{domain}"),
                domain.clone(),
            ]
        });
        Resolver {
            nameserver: cluster_dns.to_string(),
            search,
            options: vec![
                format!("ndots:{}", dns.ndots),
                format!("timeout:{}", dns.timeout),
                format!("attempts:{}", dns.attempts),
            ],
        }
    }

    /// The peer's HostConfig for chaincode containers (space-separated lists, as Fabric's
    /// viper splits them). `bridge`: Docker refuses Dns with the `host` mode Fabric defaults to.
    /// No `DnsOptions`: Fabric (1.4.12 and 2.5) maps only Dns, DnsSearch, NetworkMode and a few
    /// other HostConfig fields (core/container/dockercontroller `getDockerHostConfig`), so the
    /// options (ndots) reach chaincode only through the daemon's `--dns-opt`.
    fn peer_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("CORE_VM_ENDPOINT", DIND_ENDPOINT.to_owned()),
            ("CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE", "bridge".to_owned()),
            ("CORE_VM_DOCKER_HOSTCONFIG_DNS", self.nameserver.clone()),
            ("CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH", self.search.join(" ")),
        ]
    }

    /// The same settings as daemon flags: the options only arrive this way, and chaincode
    /// resolves right even where the peer's HostConfig does not carry the others.
    fn daemon_flags(&self) -> Vec<String> {
        std::iter::once(format!("--dns={}", self.nameserver))
            .chain(self.search.iter().map(|s| format!("--dns-search={s}")))
            .chain(self.options.iter().map(|o| format!("--dns-opt={o}")))
            .collect()
    }
}

/// The Docker-in-Docker sidecar. `dockerd` comes first so the image's entrypoint adds no
/// listeners of its own; the daemon listens on loopback only, where no TLS is needed
/// (`--tls=false` and an empty DOCKER_TLS_CERTDIR keep the 20.10+ entrypoint from generating
/// certificates and dockerd from insisting on them). No readiness probe of its own: the peer's
/// `/healthz` includes its Docker daemon, so the pod is ready only when both are.
fn dind(network: &Network, resolver: &Resolver) -> Container {
    let args = [
        "dockerd".to_owned(),
        format!("--host={DIND_ENDPOINT}"),
        "--tls=false".to_owned(),
    ]
    .into_iter()
    .chain(resolver.daemon_flags())
    .collect();
    Container {
        name: "dind".to_owned(),
        image: Some(network.images.dind.clone()),
        args: Some(args),
        env: Some(env(vec![("DOCKER_TLS_CERTDIR", String::new())])),
        security_context: Some(SecurityContext {
            privileged: Some(true),
            ..SecurityContext::default()
        }),
        volume_mounts: Some(vec![mount("dind-storage", "/var/lib/docker")]),
        ..Container::default()
    }
}

/// Chaincode as a service: the builder configuration the ccaas external builder reads, which
/// also tells the DNS checks that chaincode runs as pods.
fn ccaas_env(node: &Node) -> (&'static str, String) {
    let config = serde_json::json!({ "peername": format!("{}{}", node.namespace, node.name) });
    ("CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG", config.to_string())
}

/// The CA's bootstrap identity `admin:<password>`, one Secret per CA. The password is derived
/// from the CA's private key, so it is stable across renders, secret where the key is, and
/// never a well-known default.
pub fn ca_bootstrap_secrets(
    network: &Network,
    crypto: &CryptoMaterial,
) -> Result<Vec<Secret>, ManifestError> {
    let mut out = Vec::new();
    for org in network.orgs() {
        let Some(node) = &org.ca else { continue };
        let dir = CryptoMaterial::node_dir(org, node);
        let key = crypto
            .node_files(org, node)
            .into_iter()
            .find(|(rel, _)| CryptoMaterial::is_private_key(&format!("{dir}/{rel}")))
            .ok_or_else(|| ManifestError::MissingCrypto {
                node: node.host(),
                path: format!("{dir}/(private key)"),
            })?;
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"fabcheck-ca-bootstrap\0");
        ctx.update(key.1);
        let hex: String = ctx
            .finish()
            .as_ref()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        out.push(Secret {
            metadata: node_meta(network, node, &bootstrap_secret(node)),
            type_: Some("Opaque".to_owned()),
            data: Some(
                [(
                    "credentials".to_owned(),
                    k8s_openapi::ByteString(format!("admin:{hex}").into_bytes()),
                )]
                .into(),
            ),
            ..Secret::default()
        });
    }
    Ok(out)
}

fn bootstrap_secret(node: &Node) -> String {
    format!("{}-bootstrap", node.name)
}

/// A fabric-ca server with the org's CA certificate and key, TLS on (with the node's TLS
/// files when the PKI has them, else a certificate the server issues itself for its Service
/// names), and its bootstrap identity from [`ca_bootstrap_secrets`].
pub fn ca(
    network: &Network,
    org: &Org,
    node: &Node,
    crypto: CryptoMount,
) -> Result<Deployment, ManifestError> {
    let dir = CryptoMaterial::node_dir(org, node);
    let missing = |what: &str| ManifestError::MissingCrypto {
        node: node.host(),
        path: format!("{dir}/({what})"),
    };
    let not_tls = |p: &str| !p.starts_with(&format!("{dir}/tls/"));
    let key = crypto
        .find(&dir, |p| not_tls(p) && CryptoMaterial::is_private_key(p))
        .ok_or_else(|| missing("CA private key"))?;
    let cert = crypto
        .find(&dir, |p| {
            not_tls(p)
                && !CryptoMaterial::is_private_key(p)
                && (p.ends_with(".pem") || p.ends_with(".crt"))
        })
        .ok_or_else(|| missing("CA certificate"))?;
    let mut vars = vec![
        ("FABRIC_CA_HOME", CA_HOME.to_owned()),
        ("FABRIC_CA_SERVER_CA_NAME", format!("ca-{}", org.name)),
        (
            "FABRIC_CA_SERVER_CA_CERTFILE",
            format!("{CA_CONFIG_DIR}/{cert}"),
        ),
        (
            "FABRIC_CA_SERVER_CA_KEYFILE",
            format!("{CA_CONFIG_DIR}/{key}"),
        ),
        ("FABRIC_CA_SERVER_PORT", ports::CA.to_string()),
        ("FABRIC_CA_SERVER_TLS_ENABLED", "true".to_owned()),
    ];
    if crypto.contains(TLS_CERT) && crypto.contains(TLS_KEY) {
        vars.push((
            "FABRIC_CA_SERVER_TLS_CERTFILE",
            format!("{CA_CONFIG_DIR}/{TLS_CERT}"),
        ));
        vars.push((
            "FABRIC_CA_SERVER_TLS_KEYFILE",
            format!("{CA_CONFIG_DIR}/{TLS_KEY}"),
        ));
    } else {
        // The server then issues its own TLS certificate, for these names.
        let hosts = format!(
            "{},{},localhost",
            node.host(),
            node.fqdn(&network.cluster_domain)
        );
        vars.push(("FABRIC_CA_SERVER_CSR_HOSTS", hosts));
    }
    let (mut volumes, mut mounts) = crypto_volumes(&crypto.secret, &crypto.entries, CA_CONFIG_DIR);
    volumes.push(Volume {
        name: "bootstrap".to_owned(),
        secret: Some(SecretVolumeSource {
            secret_name: Some(bootstrap_secret(node)),
            ..SecretVolumeSource::default()
        }),
        ..Volume::default()
    });
    mounts.push(VolumeMount {
        read_only: Some(true),
        ..mount("bootstrap", CA_BOOTSTRAP_DIR)
    });
    volumes.push(empty_dir("home"));
    mounts.push(mount("home", CA_HOME));
    let image = &network.images.ca;
    let mut container = node_container(node, "ca", image, env(vars), mounts);
    container.command = Some(vec![
        "sh".to_owned(),
        "-c".to_owned(),
        format!("exec fabric-ca-server start -b \"$(cat {CA_BOOTSTRAP_DIR}/credentials)\""),
    ]);
    Ok(deployment(
        network,
        node,
        pod(image, vec![container], volumes),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::EnvVar;

    #[test]
    fn resolver_defaults_to_the_cluster_search_list() {
        let mut net = Network::reference();
        let peer = net.peer_orgs[1].nodes[0].clone();
        let r = Resolver::of(&net, &peer, "10.96.0.10".parse().unwrap());
        assert_eq!(
            r.search,
            [
                "org2.svc.cluster.local",
                "svc.cluster.local",
                "cluster.local"
            ]
        );
        assert_eq!(r.options, ["ndots:2", "timeout:2", "attempts:2"]);
        assert!(
            r.daemon_flags()
                .contains(&"--dns-search=svc.cluster.local".to_owned())
        );
        net.chaincode.dns.search = Some(vec!["a.example".into()]);
        let r = Resolver::of(&net, &peer, "10.96.0.10".parse().unwrap());
        assert_eq!(r.search, ["a.example"]);
        let env: Vec<EnvVar> = env(r.peer_env());
        assert!(
            env.iter()
                .any(|e| e.name == "CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH"
                    && e.value.as_deref() == Some("a.example"))
        );
    }
}
