//! The model of a Fabric network fabcheck deploys: organisations, peers, orderers, CAs, Kafka
//! and ZooKeeper, where each runs and what it is called.
//!
//! A [`NetworkSpec`] is what a user writes (`--spec FILE`); every field has a default, and the
//! defaults are the reference network. [`Network`] is the spec resolved into concrete nodes:
//! names, namespaces, ports and MSP ids, which the crypto, configtx and manifest builders read.

pub mod discovered;
pub mod images;
pub mod spec;

use std::net::IpAddr;

pub use spec::{
    ChaincodeRuntime, ChaincodeSpec, Consensus, DnsSettings, FabricVersion, ImageOverrides, Images,
    NetworkSpec, OrgSpec, PkiSpec, SpecError, Storage,
};

/// How chaincode runs, resolved from the spec and the Fabric release's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chaincode {
    pub runtime: ChaincodeRuntime,
    pub dns: DnsSettings,
    /// Deploy the test chaincode and wait for a committed transaction on every peer.
    pub test_chaincode: bool,
}

/// The label every object fabcheck deploys carries, valued with the network's name.
pub const NETWORK_LABEL: &str = "fabcheck.io/network";
/// The label saying which part of the network an object belongs to (`peer`, `orderer`, …).
pub const COMPONENT_LABEL: &str = "fabcheck.io/component";
/// `app.kubernetes.io/managed-by`, valued `fabcheck`.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// The field manager of every server-side apply.
pub const FIELD_MANAGER: &str = "fabcheck";

/// Ports, as Fabric and the images use them by default.
pub mod ports {
    pub const PEER: u16 = 7051;
    pub const PEER_CHAINCODE: u16 = 7052;
    pub const PEER_OPERATIONS: u16 = 9443;
    pub const ORDERER: u16 = 7050;
    pub const ORDERER_OPERATIONS: u16 = 8443;
    pub const CA: u16 = 7054;
    pub const KAFKA: u16 = 9092;
    pub const ZOOKEEPER_CLIENT: u16 = 2181;
    pub const ZOOKEEPER_PEER: u16 = 2888;
    pub const ZOOKEEPER_ELECTION: u16 = 3888;
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Peer,
    Orderer,
    Ca,
    Kafka,
    ZooKeeper,
}

impl Role {
    /// The `fabcheck.io/component` label value.
    pub fn component(self) -> &'static str {
        match self {
            Role::Peer => "peer",
            Role::Orderer => "orderer",
            Role::Ca => "ca",
            Role::Kafka => "kafka",
            Role::ZooKeeper => "zookeeper",
        }
    }
}

/// One workload of the network: a Service and a single-replica StatefulSet named `name` in
/// `namespace`, reachable in the cluster as `name.namespace` (`peer0.org1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub namespace: String,
    pub role: Role,
    /// The port clients dial (gRPC for peers and orderers, the client port otherwise).
    pub port: u16,
    /// The position among its kind (ZooKeeper `myid` is index + 1, Kafka `broker.id` is index).
    pub index: usize,
}

impl Node {
    /// `peer0.org1`: the Service name qualified by its namespace, the name Fabric nodes use.
    pub fn host(&self) -> String {
        format!("{}.{}", self.name, self.namespace)
    }

    /// `peer0.org1:7051`.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host(), self.port)
    }

    /// `peer0.org1.svc.cluster.local`.
    pub fn fqdn(&self, cluster_domain: &str) -> String {
        format!("{}.{}.svc.{}", self.name, self.namespace, cluster_domain)
    }
}

/// An organisation: its MSP, the namespace its nodes run in, and its nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// `org1`, `orgorderer1`.
    pub name: String,
    /// `Org1MSP`, `OrdererMSP`.
    pub msp_id: String,
    /// The org's domain in certificate names; equal to its namespace, so that a node's
    /// `peer0.org1` is both its Kubernetes host name and its cryptogen name.
    pub domain: String,
    pub namespace: String,
    /// Peers (peer orgs) or orderers (the orderer org).
    pub nodes: Vec<Node>,
    /// The org's fabric-ca server, when the spec asks for one.
    pub ca: Option<Node>,
}

/// Kafka brokers and their ZooKeeper ensemble (Kafka consensus only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaCluster {
    pub namespace: String,
    pub brokers: Vec<Node>,
    pub zookeepers: Vec<Node>,
    pub settings: spec::KafkaSettings,
}

/// A network spec resolved into nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub name: String,
    /// The Fabric release line the network runs.
    pub fabric: FabricVersion,
    /// Validity of the generated PKI.
    pub pki: PkiSpec,
    pub channel: String,
    pub cluster_domain: String,
    /// The cluster DNS Service IP chaincode resolvers point at: from the spec, or discovered in
    /// kube-system at deploy time; `None` until known.
    pub cluster_dns: Option<IpAddr>,
    pub images: Images,
    pub consensus: Consensus,
    pub orderer_org: Org,
    pub peer_orgs: Vec<Org>,
    pub kafka: Option<KafkaCluster>,
    pub chaincode: Chaincode,
    pub storage: Storage,
}

impl Network {
    /// The reference network: the built-in default spec.
    pub fn reference() -> Network {
        NetworkSpec::default()
            .resolve()
            .expect("the default spec is valid")
    }

    /// Every namespace the network uses, each once, in deploy order (Kafka's first).
    pub fn namespaces(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let kafka = self.kafka.iter().map(|k| k.namespace.clone());
        let orgs = std::iter::once(&self.orderer_org)
            .chain(&self.peer_orgs)
            .map(|o| o.namespace.clone());
        for ns in kafka.chain(orgs) {
            if !out.contains(&ns) {
                out.push(ns);
            }
        }
        out
    }

    /// The orderer org then the peer orgs.
    pub fn orgs(&self) -> impl Iterator<Item = &Org> {
        std::iter::once(&self.orderer_org).chain(&self.peer_orgs)
    }

    /// Every node, in deploy order: ZooKeeper, Kafka, orderers, CAs, peers.
    pub fn nodes(&self) -> Vec<&Node> {
        let mut out: Vec<&Node> = Vec::new();
        if let Some(k) = &self.kafka {
            out.extend(&k.zookeepers);
            out.extend(&k.brokers);
        }
        out.extend(&self.orderer_org.nodes);
        for org in &self.peer_orgs {
            out.extend(&org.ca);
        }
        for org in &self.peer_orgs {
            out.extend(&org.nodes);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_network_is_the_issue_topology() {
        let net = Network::reference();
        assert_eq!(net.orderer_org.namespace, "orgorderer1");
        let orderers: Vec<String> = net.orderer_org.nodes.iter().map(Node::host).collect();
        assert_eq!(
            orderers,
            [
                "orderer0.orgorderer1",
                "orderer1.orgorderer1",
                "orderer2.orgorderer1"
            ]
        );
        assert_eq!(net.peer_orgs.len(), 3);
        for (i, org) in net.peer_orgs.iter().enumerate() {
            assert_eq!(org.namespace, format!("org{}", i + 1));
            assert_eq!(org.msp_id, format!("Org{}MSP", i + 1));
            assert_eq!(org.nodes.len(), 2);
            assert!(org.ca.is_some());
        }
        assert_eq!(net.peer_orgs[0].nodes[0].address(), "peer0.org1:7051");
        let kafka = net.kafka.as_ref().expect("kafka consensus");
        assert_eq!(kafka.namespace, "kafka");
        assert_eq!(kafka.zookeepers.len(), 3);
        assert_eq!(kafka.brokers.len(), 4);
        assert_eq!(
            net.namespaces(),
            ["kafka", "orgorderer1", "org1", "org2", "org3"]
        );
        assert_eq!(net.nodes().len(), 3 + 4 + 3 + 3 + 6);
    }

    #[test]
    fn node_names() {
        let net = Network::reference();
        let peer = &net.peer_orgs[1].nodes[1];
        assert_eq!(peer.host(), "peer1.org2");
        assert_eq!(peer.fqdn("cluster.local"), "peer1.org2.svc.cluster.local");
    }
}
