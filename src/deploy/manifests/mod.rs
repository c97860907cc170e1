//! The Kubernetes objects of a [`Network`], in the phases `fabcheck deploy` applies them, and
//! their YAML for `fabcheck render --out DIR`.
//!
//! Every node is a ClusterIP Service and a single-replica workload of the same name in its
//! org's namespace, so `peer0.org1` is at once the node's Service host, its cryptogen name and
//! the name in its certificates. A phase is applied and its workloads waited for before the
//! next: ZooKeeper before Kafka, Kafka before the genesis Job (configtxgen does not need the
//! brokers, but orderers started before them would spend their retry budget), the genesis
//! block before the orderers that boot from it, and the orderers before peers and CAs.
//!
//! Output is a pure function of the network and its PKI: maps are ordered, nothing carries a
//! timestamp, and fields the API server defaults are left unset, so re-applying the same
//! manifests changes nothing on the server.
//!
//! **Crypto material** goes into Secrets only: one per node (`<node>-crypto`, the files the
//! node mounts) and one per org (`<org>-org-crypto`, everything else of the org: CA and TLS CA
//! keys, the org MSP, the users). Secret data keys cannot hold `/`, so each file's path is
//! encoded into a key and the Secret's `fabcheck.io/crypto-files` annotation maps every key
//! back to its path under `crypto-config/`; [`crypto_from_secrets`] rebuilds the exact
//! [`CryptoMaterial`] from them, which is how a re-run reuses the PKI already in the cluster.
//!
//! **The genesis block** is made in the cluster without shared read-write-many storage: the
//! public inputs of configtxgen (configtx.yaml and the org MSPs, never a private key) travel in
//! the ConfigMap `fabcheck-channel-config`; the Job `fabcheck-genesis` runs configtxgen into an
//! emptyDir and prints the files to its log, framed and checksummed; fabcheck reads them from
//! the log and creates the immutable ConfigMap [`GENESIS_CONFIGMAP`] the orderers mount, and each
//! org's [`ARTIFACTS_CONFIGMAP`] the channel Jobs read. Neither can be rendered offline. A block
//! is far below a ConfigMap's 1 MiB limit.
//!
//! **The channel and the test chaincode** (see [`channel`]): after the peers, one Job per org
//! creates or joins the channel and sets its anchor peers; then one Job per org installs the
//! test chaincode and waits until a test transaction has committed on each of its peers.

mod chaincode_package;
mod channel;
mod crypto_secrets;
mod genesis;
mod meta;
mod workloads;

#[cfg(test)]
mod tests;

use std::net::IpAddr;

use k8s_openapi::api::core::v1::Namespace;

use crate::deploy::crypto::CryptoMaterial;
use crate::kube::Object;
use crate::network::{Network, Node, Role};

pub use chaincode_package::Package as ChaincodePackage;
pub use channel::{
    ARTIFACTS_CONFIGMAP, CHAINCODE_JOB, CHANNEL_JOB, artifacts_config_map, expected_heights,
    test_value,
};
pub use crypto_secrets::{CRYPTO_FILES_ANNOTATION, crypto_from_secrets, stays_out_of_cluster};
pub use genesis::{
    CHANNEL_CONFIGMAP, CONFIG_FILES_ANNOTATION, GENESIS_BLOCK, GENESIS_JOB, genesis_config_map,
};
pub use meta::{CHAINCODE_COMPONENT, CHANNEL_COMPONENT, GENESIS_COMPONENT};

/// The ConfigMap the genesis Job publishes and orderers mount (`genesis.block` and the
/// channel artifacts configtxgen wrote).
pub const GENESIS_CONFIGMAP: &str = "fabcheck-genesis";

/// Why manifests could not be built, or the PKI not read back from Secrets.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "failed to configure the chaincode resolver: the cluster DNS Service IP is not known (give clusterDns in the spec or let deploy discover it)"
    )]
    ClusterDnsUnknown,
    #[error("failed to find {path} in the crypto material of {node}")]
    MissingCrypto { node: String, path: String },
    #[error("failed to place crypto file {path}: it is under no org folder of the network")]
    UnplacedCryptoFile { path: String },
    #[error("failed to encode {path} as a data key of {object}: {reason}")]
    InvalidKey {
        object: String,
        path: String,
        reason: String,
    },
    #[error(
        "failed to put {path} into {object}: it is a private key, and keys go into Secrets only"
    )]
    PrivateKeyInConfigMap { object: String, path: String },
    #[error("failed to read the {CRYPTO_FILES_ANNOTATION} annotation of Secret {secret}: {reason}")]
    Annotation { secret: String, reason: String },
    #[error("failed to read {path} from Secret {secret}: its key {key} is not in the data")]
    MissingSecretKey {
        secret: String,
        key: String,
        path: String,
    },
    #[error("failed to merge Secret {secret}: {path} differs from the copy in another Secret")]
    ConflictingCopies { secret: String, path: String },
}

/// The phase of the genesis Job, after which fabcheck reads the block out of the Job's log.
pub const GENESIS_PHASE: &str = "genesis";
/// The phase of the channel Jobs, before which fabcheck puts the channel artifacts in place.
pub const CHANNEL_PHASE: &str = "channel";
/// The phase of the test chaincode.
pub const CHAINCODE_PHASE: &str = "chaincode";

/// A group of objects applied together; deploy waits for its workloads before the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub name: &'static str,
    pub objects: Vec<Object>,
}

/// All objects of a network, phase by phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifests {
    pub phases: Vec<Phase>,
}

impl Manifests {
    /// Every object, in apply order.
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.phases.iter().flat_map(|p| p.objects.iter())
    }
}

/// Builds every object of `network` with its PKI `crypto`. The cluster DNS IP must be known:
/// Docker-launched chaincode is pointed at it.
pub fn build(network: &Network, crypto: &CryptoMaterial) -> Result<Manifests, ManifestError> {
    let cluster_dns = network
        .cluster_dns
        .ok_or(ManifestError::ClusterDnsUnknown)?;
    let secrets = crypto_secrets::build(network, crypto)?;
    let genesis = genesis::build(network, crypto)?;
    let phase = |name, objects| Phase { name, objects };
    let mut phases = vec![
        phase("namespaces", namespaces(network)),
        phase("config", config_phase(network, crypto, &secrets, &genesis)?),
    ];
    if let Some(kafka) = &network.kafka {
        let zookeepers = kafka.zookeepers.iter();
        let brokers = kafka.brokers.iter();
        phases.push(phase(
            "zookeeper",
            zookeepers
                .map(|n| Object::new(&workloads::zookeeper(network, kafka, n)))
                .collect(),
        ));
        phases.push(phase(
            "kafka",
            brokers
                .map(|n| Object::new(&workloads::kafka(network, kafka, n)))
                .collect(),
        ));
    }
    phases.push(phase(GENESIS_PHASE, vec![genesis.job]));
    phases.push(phase("orderers", orderers_phase(network, &secrets)?));
    phases.push(phase("peers", peers_phase(network, &secrets, cluster_dns)?));
    phases.push(phase(
        CHANNEL_PHASE,
        channel::channel_jobs(network, &secrets)?,
    ));
    if network.chaincode.test_chaincode {
        phases.push(phase(
            CHAINCODE_PHASE,
            channel::chaincode_objects(network, &secrets)?,
        ));
    }
    Ok(Manifests { phases })
}

fn namespaces(network: &Network) -> Vec<Object> {
    network
        .namespaces()
        .iter()
        .map(|ns| {
            Object::new(&Namespace {
                metadata: meta::object_meta(network, ns, None, meta::CONFIG_COMPONENT, None),
                ..Namespace::default()
            })
        })
        .collect()
}

/// What workloads refer to, before any of them: the genesis Job's access, its inputs, the
/// PKI and CA bootstrap Secrets, and every node's Service (so each name resolves from the
/// moment its peers start looking it up).
fn config_phase(
    network: &Network,
    crypto: &CryptoMaterial,
    secrets: &crypto_secrets::CryptoSecrets,
    genesis: &genesis::Genesis,
) -> Result<Vec<Object>, ManifestError> {
    let mut out = vec![genesis.channel_config.clone()];
    out.extend(secrets.objects());
    let bootstrap = workloads::ca_bootstrap_secrets(network, crypto)?;
    out.extend(bootstrap.iter().map(Object::new));
    for node in network_nodes(network) {
        out.push(Object::new(&meta::service(network, node)));
        if node.role != Role::Ca {
            out.push(Object::new(&meta::headless_service(network, node)));
        }
    }
    Ok(out)
}

/// Every node, in the order of [`Network::nodes`], with an orderer-org CA (which that list
/// leaves out) among the CAs.
fn network_nodes(network: &Network) -> impl Iterator<Item = &Node> {
    let kafka = network
        .kafka
        .iter()
        .flat_map(|k| k.zookeepers.iter().chain(&k.brokers));
    let cas = network.orgs().filter_map(|o| o.ca.as_ref());
    let peers = network.peer_orgs.iter().flat_map(|o| &o.nodes);
    kafka
        .chain(&network.orderer_org.nodes)
        .chain(cas)
        .chain(peers)
}

fn orderers_phase(
    network: &Network,
    secrets: &crypto_secrets::CryptoSecrets,
) -> Result<Vec<Object>, ManifestError> {
    let org = &network.orderer_org;
    org.nodes
        .iter()
        .map(|n| {
            let orderer = workloads::orderer(network, org, n, secrets.mount(n)?)?;
            Ok(Object::new(&orderer))
        })
        .collect()
}

/// The CA Deployments, then the peer StatefulSets: nothing in a peer's start-up needs its
/// CA, so they share a phase.
fn peers_phase(
    network: &Network,
    secrets: &crypto_secrets::CryptoSecrets,
    cluster_dns: IpAddr,
) -> Result<Vec<Object>, ManifestError> {
    let mut out = Vec::new();
    for org in network.orgs() {
        if let Some(ca) = &org.ca {
            let ca = workloads::ca(network, org, ca, secrets.mount(ca)?)?;
            out.push(Object::new(&ca));
        }
    }
    for org in &network.peer_orgs {
        for node in &org.nodes {
            let peer = workloads::peer(network, org, node, secrets.mount(node)?, cluster_dns)?;
            out.push(Object::new(&peer));
        }
    }
    Ok(out)
}

/// Multi-document YAML of the objects' bodies, in order.
pub fn render_yaml(objects: &[Object]) -> String {
    let bodies: Vec<&serde_json::Value> = objects.iter().map(|o| &o.body).collect();
    match serde_saphyr::to_string_multiple(&bodies) {
        Ok(yaml) => yaml,
        // JSON values always serialize; should the YAML writer still refuse one, JSON is
        // valid YAML, so the documents are written as JSON rather than dropped.
        Err(_) => bodies
            .iter()
            .map(|b| format!("{b}\n"))
            .collect::<Vec<_>>()
            .join("---\n"),
    }
}
