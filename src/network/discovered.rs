//! The Fabric network as found in a cluster: every object listed, with the role it plays
//! (peer, orderer, CA, Kafka, ZooKeeper, chaincode runtime, tooling, material, configuration,
//! or unclassified — listed, never dropped). [`crate::inventory::discovery`] decides the roles;
//! reports carry the result.

use serde::{Deserialize, Serialize};

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Peer,
    Orderer,
    Ca,
    Kafka,
    Zookeeper,
    /// A workload that runs chaincode: a Docker daemon (DinD), a docker.sock-mounting node
    /// agent, or a chaincode-as-a-service server.
    ChaincodeRuntime,
    /// A Job or pod running Fabric's tools (configtxgen, cryptogen, the peer CLI for channels and
    /// chaincode), and the ServiceAccount, Role and RoleBinding it runs with.
    FabricTooling,
    /// A Service in front of a classified workload.
    Service,
    /// A Secret or ConfigMap holding certificates or keys (MSP, TLS), or credentials a Fabric
    /// workload is started with (a CA's bootstrap identity).
    CryptoMaterial,
    /// A ConfigMap holding core.yaml, orderer.yaml, configtx.yaml, a connection profile or
    /// channel artifacts (a genesis block, channel transactions), or one a Fabric workload mounts.
    FabricConfig,
    /// kube-system's DNS Service.
    ClusterDns,
    /// What Kubernetes itself puts in every namespace: service-account tokens, the
    /// `kube-root-ca.crt` bundle, the `kubernetes` Service.
    ClusterPlumbing,
    Unclassified,
}

impl Role {
    /// A node of a Fabric network: peer, orderer, CA, Kafka, ZooKeeper, chaincode runtime.
    pub fn is_fabric_node(self) -> bool {
        matches!(
            self,
            Role::Peer
                | Role::Orderer
                | Role::Ca
                | Role::Kafka
                | Role::Zookeeper
                | Role::ChaincodeRuntime
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Peer => "peer",
            Role::Orderer => "orderer",
            Role::Ca => "ca",
            Role::Kafka => "kafka",
            Role::Zookeeper => "zookeeper",
            Role::ChaincodeRuntime => "chaincode-runtime",
            Role::FabricTooling => "fabric-tooling",
            Role::Service => "service",
            Role::CryptoMaterial => "crypto-material",
            Role::FabricConfig => "fabric-config",
            Role::ClusterDns => "cluster-dns",
            Role::ClusterPlumbing => "cluster-plumbing",
            Role::Unclassified => "unclassified",
        }
    }
}

/// One object and what it was found to be.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Discovered {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub role: Role,
    /// Why: the image, variable or key that decided it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// Everything discovered, and what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub objects: Vec<Discovered>,
    /// Kinds or namespaces that could not be listed, with the API server's reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
    /// API requests made.
    pub requests: usize,
}

impl Discovery {
    /// How many objects have each role, in role order.
    pub fn counts(&self) -> Vec<(Role, usize)> {
        let mut counts: std::collections::BTreeMap<Role, usize> = Default::default();
        for o in &self.objects {
            *counts.entry(o.role).or_default() += 1;
        }
        counts.into_iter().collect()
    }
}
