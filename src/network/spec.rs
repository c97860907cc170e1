//! The network spec file (`--spec FILE`): YAML, every field optional, the defaults being the
//! reference network. Unknown keys are errors (a misspelt key must not silently fall back to a
//! default), reported with the file and the line serde-saphyr points at.

use std::net::IpAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{KafkaCluster, Network, Node, Org, Role, ports};

/// Why a spec could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("failed to read network spec {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("failed to parse network spec {path}: {message}")]
    Parse { path: String, message: String },
    #[error("failed to use network spec {path}: {reason}")]
    Invalid { path: String, reason: String },
}

/// What a user writes. See README "Network spec" for an example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkSpec {
    /// The network's name: the value of the `fabcheck.io/network` label on everything deployed.
    pub name: String,
    /// Which Fabric release the network runs: `"1.4"` (Kafka + ZooKeeper, chaincode through a
    /// Docker-in-Docker sidecar; the seeds' setting) or `"2.5"` (the current LTS: etcdraft,
    /// multi-arch images, chaincode as a service, the 2.x lifecycle).
    pub fabric: FabricVersion,
    /// Validity of the generated PKI.
    pub pki: PkiSpec,
    /// The application channel configtxgen makes a creation transaction for.
    pub channel: String,
    /// The cluster's DNS domain.
    pub cluster_domain: String,
    /// The cluster DNS Service IP; discovered from kube-system at deploy time when unset.
    pub cluster_dns: Option<IpAddr>,
    /// How a namespace is named from an org name: `{org}` is replaced.
    pub namespace_pattern: String,
    pub orderer_org: OrdererOrgSpec,
    /// Peer organisations. A number `N` means org1..orgN with the default peers and a CA each.
    pub orgs: OrgsSpec,
    /// Default: `kafka` for Fabric 1.4, `etcdraft` for 2.5.
    pub consensus: Option<Consensus>,
    pub kafka: KafkaSpec,
    pub images: ImageOverrides,
    pub chaincode: ChaincodeSpec,
    pub storage: Storage,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            name: "reference".into(),
            fabric: FabricVersion::V1_4,
            pki: PkiSpec::default(),
            channel: "mychannel".into(),
            cluster_domain: "cluster.local".into(),
            cluster_dns: None,
            namespace_pattern: "{org}".into(),
            orderer_org: OrdererOrgSpec::default(),
            orgs: OrgsSpec::Count(3),
            consensus: None,
            kafka: KafkaSpec::default(),
            images: ImageOverrides::default(),
            chaincode: ChaincodeSpec::default(),
            storage: Storage::default(),
        }
    }
}

/// A Fabric release line fabcheck can deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FabricVersion {
    /// Fabric 1.4.12 (the last 1.4 release): Kafka or etcdraft ordering, Docker-launched
    /// chaincode, the 1.x chaincode lifecycle; amd64 images only.
    #[serde(rename = "1.4")]
    V1_4,
    /// Fabric 2.5 (the long-term-support line): etcdraft, chaincode as a service through the
    /// peer image's `ccaas` external builder, the 2.x lifecycle; multi-arch images.
    #[serde(rename = "2.5")]
    V2_5,
}

impl FabricVersion {
    /// `1.4`, `2.5`.
    pub fn as_str(self) -> &'static str {
        match self {
            FabricVersion::V1_4 => "1.4",
            FabricVersion::V2_5 => "2.5",
        }
    }
}

impl std::fmt::Display for FabricVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long the generated certificates are valid. cryptogen's default is ten years for CAs
/// and for everything they issue (`common/tools/cryptogen/ca/ca.go`, `x509Template`: 3650
/// days); fabcheck keeps that default and never lets an issued certificate outlive its CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct PkiSpec {
    /// Days a CA certificate is valid from the deploy.
    pub ca_validity_days: u32,
    /// Days an issued (node, user, TLS) certificate is valid from the deploy; capped at the CA's.
    pub validity_days: u32,
}

impl Default for PkiSpec {
    fn default() -> Self {
        PkiSpec {
            ca_validity_days: 3650,
            validity_days: 3650,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct OrdererOrgSpec {
    pub name: String,
    pub msp_id: String,
    pub orderers: usize,
}

impl Default for OrdererOrgSpec {
    fn default() -> Self {
        OrdererOrgSpec {
            name: "orgorderer1".into(),
            msp_id: "OrdererMSP".into(),
            orderers: 3,
        }
    }
}

/// `orgs: 20` or a list of orgs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OrgsSpec {
    Count(usize),
    List(Vec<OrgSpec>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgSpec {
    pub name: String,
    /// Default: the name with its first letter upper-cased, then `MSP` (`Org1MSP`).
    #[serde(default)]
    pub msp_id: Option<String>,
    #[serde(default = "default_peers")]
    pub peers: usize,
    #[serde(default = "default_true")]
    pub ca: bool,
}

fn default_peers() -> usize {
    2
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Consensus {
    Kafka,
    Etcdraft,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct KafkaSpec {
    pub namespace: String,
    pub brokers: usize,
    pub zookeepers: usize,
    #[serde(flatten)]
    pub settings: KafkaSettings,
}

impl Default for KafkaSpec {
    fn default() -> Self {
        KafkaSpec {
            namespace: "kafka".into(),
            brokers: 4,
            zookeepers: 3,
            settings: KafkaSettings::default(),
        }
    }
}

/// The broker settings the Kafka checks require (Fabric's Kafka guidance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KafkaSettings {
    pub default_replication_factor: u32,
    pub min_insync_replicas: u32,
    /// 99 MiB: larger than the channel's AbsoluteMaxBytes plus headers.
    pub message_max_bytes: u64,
    pub replica_fetch_max_bytes: u64,
}

impl Default for KafkaSettings {
    fn default() -> Self {
        KafkaSettings {
            default_replication_factor: 3,
            min_insync_replicas: 2,
            message_max_bytes: 103_809_024,
            replica_fetch_max_bytes: 103_809_024,
        }
    }
}

/// Images the spec replaces; every other image comes from the table in
/// [`super::images`] for the spec's Fabric release line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageOverrides {
    pub peer: Option<String>,
    pub orderer: Option<String>,
    pub ca: Option<String>,
    /// configtxgen and the `peer` CLI, in the genesis, channel and chaincode Jobs.
    pub tools: Option<String>,
    pub kafka: Option<String>,
    pub zookeeper: Option<String>,
    /// The Docker-in-Docker sidecar that runs chaincode containers.
    pub dind: Option<String>,
    /// The image Go chaincode is built in.
    pub ccenv: Option<String>,
    /// The image the chaincode-as-a-service test chaincode runs in.
    pub baseos: Option<String>,
}

/// The images a network runs, resolved from the table and the spec's overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Images {
    pub peer: String,
    pub orderer: String,
    pub ca: String,
    pub tools: String,
    pub kafka: String,
    pub zookeeper: String,
    pub dind: String,
    pub ccenv: String,
    pub baseos: String,
}

impl Images {
    /// The table's images for `fabric`, replaced where `overrides` says. Fabric 2.5 deploys no
    /// Kafka: its Kafka and ZooKeeper images are empty unless given.
    pub fn resolve(fabric: FabricVersion, overrides: &ImageOverrides) -> Images {
        use super::images::{ImageRole, lookup};
        let pick = |given: &Option<String>, role: ImageRole| {
            given.clone().unwrap_or_else(|| {
                lookup(fabric, role)
                    .map(|e| e.reference())
                    .unwrap_or_default()
            })
        };
        Images {
            peer: pick(&overrides.peer, ImageRole::Peer),
            orderer: pick(&overrides.orderer, ImageRole::Orderer),
            ca: pick(&overrides.ca, ImageRole::Ca),
            tools: pick(&overrides.tools, ImageRole::Tools),
            kafka: pick(&overrides.kafka, ImageRole::Kafka),
            zookeeper: pick(&overrides.zookeeper, ImageRole::ZooKeeper),
            dind: pick(&overrides.dind, ImageRole::Dind),
            ccenv: pick(&overrides.ccenv, ImageRole::Ccenv),
            baseos: pick(&overrides.baseos, ImageRole::Baseos),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChaincodeRuntime {
    /// A Docker-in-Docker sidecar beside each peer, its resolver pointed at the cluster DNS.
    Dind,
    /// Chaincode as a service: the peer dials chaincode pods through an external builder.
    Ccaas,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ChaincodeSpec {
    /// Default: `dind` for Fabric 1.4, `ccaas` for 2.5.
    pub runtime: Option<ChaincodeRuntime>,
    pub dns: DnsSettings,
    /// Install and instantiate (1.4) or approve and commit (2.5) the test chaincode on the
    /// channel, and wait until a transaction has committed on every peer.
    pub test_chaincode: bool,
}

impl Default for ChaincodeSpec {
    fn default() -> Self {
        ChaincodeSpec {
            runtime: None,
            dns: DnsSettings::default(),
            test_chaincode: true,
        }
    }
}

/// The chaincode resolver's options; the search list is derived from the peer's namespace and
/// the cluster domain (`<ns>.svc.<domain> svc.<domain> <domain>`) unless given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct DnsSettings {
    pub search: Option<Vec<String>>,
    pub ndots: u8,
    pub timeout: u8,
    pub attempts: u8,
}

impl Default for DnsSettings {
    fn default() -> Self {
        DnsSettings {
            search: None,
            ndots: 2,
            timeout: 2,
            attempts: 2,
        }
    }
}

/// Where ledgers, Raft logs, Kafka logs and ZooKeeper data live. The default is a
/// volumeClaimTemplate of the cluster's default StorageClass: on an emptyDir one reschedule
/// loses a ledger (a recreated orderer crash-loops with `tocommit(N) is out of range
/// [lastIndex(M)]`), so emptyDir is used only when the spec asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Storage {
    EmptyDir,
    #[serde(rename_all = "camelCase")]
    Pvc {
        storage_class: Option<String>,
        #[serde(default = "default_size")]
        size: String,
    },
}

impl Default for Storage {
    fn default() -> Self {
        Storage::Pvc {
            storage_class: None,
            size: default_size(),
        }
    }
}

fn default_size() -> String {
    "1Gi".into()
}

impl NetworkSpec {
    /// Reads a spec file.
    pub fn load(path: &Path) -> Result<NetworkSpec, SpecError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
            path: shown.clone(),
            source,
        })?;
        NetworkSpec::parse(&text, &shown)
    }

    /// Parses spec text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<NetworkSpec, SpecError> {
        if text.trim().is_empty() {
            return Ok(NetworkSpec::default());
        }
        crate::yaml::from_str(text).map_err(|e| SpecError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// Resolves the spec into nodes, rejecting what cannot be deployed.
    pub fn resolve(&self) -> Result<Network, String> {
        check_dns_label("name", &self.name)?;
        check_dns_label("orderer org name", &self.orderer_org.name)?;
        if !self.namespace_pattern.contains("{org}") {
            return Err(format!(
                "namespacePattern {:?} must contain {{org}}: every org needs its own namespace",
                self.namespace_pattern
            ));
        }
        if self.orderer_org.orderers == 0 {
            return Err("ordererOrg.orderers must be at least 1".into());
        }
        let namespace = |org: &str| self.namespace_pattern.replace("{org}", org);
        let orgs: Vec<OrgSpec> = match &self.orgs {
            OrgsSpec::Count(n) => (1..=*n)
                .map(|i| OrgSpec {
                    name: format!("org{i}"),
                    msp_id: None,
                    peers: default_peers(),
                    ca: true,
                })
                .collect(),
            OrgsSpec::List(list) => list.clone(),
        };
        if orgs.is_empty() {
            return Err("orgs: at least one peer org is needed".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut peer_orgs = Vec::new();
        for org in &orgs {
            check_dns_label("org name", &org.name)?;
            if org.name == self.orderer_org.name || !seen.insert(org.name.clone()) {
                return Err(format!("org name {:?} is used twice", org.name));
            }
            if org.peers == 0 {
                return Err(format!("org {}: peers must be at least 1", org.name));
            }
            let ns = namespace(&org.name);
            check_dns_label("namespace", &ns)?;
            let nodes = (0..org.peers)
                .map(|i| node(format!("peer{i}"), &ns, Role::Peer, ports::PEER, i))
                .collect();
            peer_orgs.push(Org {
                msp_id: org.msp_id.clone().unwrap_or_else(|| msp_id(&org.name)),
                domain: ns.clone(),
                ca: org
                    .ca
                    .then(|| node("ca".into(), &ns, Role::Ca, ports::CA, 0)),
                name: org.name.clone(),
                namespace: ns,
                nodes,
            });
        }
        let orderer_ns = namespace(&self.orderer_org.name);
        check_dns_label("namespace", &orderer_ns)?;
        let orderer_org = Org {
            name: self.orderer_org.name.clone(),
            msp_id: self.orderer_org.msp_id.clone(),
            domain: orderer_ns.clone(),
            nodes: (0..self.orderer_org.orderers)
                .map(|i| {
                    node(
                        format!("orderer{i}"),
                        &orderer_ns,
                        Role::Orderer,
                        ports::ORDERER,
                        i,
                    )
                })
                .collect(),
            ca: None,
            namespace: orderer_ns,
        };
        let consensus = self.consensus.unwrap_or(match self.fabric {
            FabricVersion::V1_4 => Consensus::Kafka,
            FabricVersion::V2_5 => Consensus::Etcdraft,
        });
        let runtime = self.chaincode.runtime.unwrap_or(match self.fabric {
            FabricVersion::V1_4 => ChaincodeRuntime::Dind,
            FabricVersion::V2_5 => ChaincodeRuntime::Ccaas,
        });
        self.check_release(consensus, runtime)?;
        if self.pki.ca_validity_days == 0 || self.pki.validity_days == 0 {
            return Err("pki: validity days must be at least 1".into());
        }
        let kafka = match consensus {
            Consensus::Etcdraft => None,
            Consensus::Kafka => Some(self.kafka_cluster()?),
        };
        Ok(Network {
            name: self.name.clone(),
            fabric: self.fabric,
            pki: self.pki,
            channel: self.channel.clone(),
            cluster_domain: self.cluster_domain.clone(),
            cluster_dns: self.cluster_dns,
            images: Images::resolve(self.fabric, &self.images),
            consensus,
            orderer_org,
            peer_orgs,
            kafka,
            chaincode: super::Chaincode {
                runtime,
                dns: self.chaincode.dns.clone(),
                test_chaincode: self.chaincode.test_chaincode,
            },
            storage: self.storage.clone(),
        })
    }

    /// Refuses what the chosen Fabric release cannot run.
    fn check_release(&self, consensus: Consensus, runtime: ChaincodeRuntime) -> Result<(), String> {
        match (self.fabric, consensus, runtime) {
            // The ccaas external builder ships in the peer image from 2.4.1 on; a 1.4 peer
            // ignores CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG and, with no Docker endpoint,
            // cannot launch chaincode at all (core/container in 1.4 knows only Docker).
            (FabricVersion::V1_4, _, ChaincodeRuntime::Ccaas) => Err(
                "chaincode.runtime ccaas needs Fabric 2.4 or later (the peer image's ccaas \
                 external builder); with fabric: \"1.4\" use runtime dind, or set fabric: \"2.5\""
                    .into(),
            ),
            // Kafka ordering was deprecated in Fabric 2.0 and removed in 3.0, and the
            // fabric-kafka/fabric-zookeeper images stopped at 0.4 (amd64 only): the 2.5
            // profile is etcdraft.
            (FabricVersion::V2_5, Consensus::Kafka, _) => Err(
                "consensus kafka is not deployed with fabric: \"2.5\" (Kafka ordering is \
                 deprecated since Fabric 2.0 and removed in 3.0); use consensus etcdraft, or \
                 fabric: \"1.4\""
                    .into(),
            ),
            _ => Ok(()),
        }
    }

    fn kafka_cluster(&self) -> Result<KafkaCluster, String> {
        let k = &self.kafka;
        check_dns_label("kafka namespace", &k.namespace)?;
        // The suite's own rules: an odd ensemble of at least 3, more brokers than the
        // replication factor, which exceeds min.insync.replicas.
        if k.zookeepers < 3 || k.zookeepers.is_multiple_of(2) {
            return Err(format!(
                "kafka.zookeepers is {}: a ZooKeeper ensemble needs an odd count of at least 3",
                k.zookeepers
            ));
        }
        let s = &k.settings;
        if s.min_insync_replicas < 2
            || s.default_replication_factor <= s.min_insync_replicas
            || (k.brokers as u32) <= s.default_replication_factor
        {
            return Err(format!(
                "kafka: need 1 < minInsyncReplicas ({}) < defaultReplicationFactor ({}) < brokers ({})",
                s.min_insync_replicas, s.default_replication_factor, k.brokers
            ));
        }
        Ok(KafkaCluster {
            namespace: k.namespace.clone(),
            brokers: (0..k.brokers)
                .map(|i| {
                    node(
                        format!("kafka{i}"),
                        &k.namespace,
                        Role::Kafka,
                        ports::KAFKA,
                        i,
                    )
                })
                .collect(),
            zookeepers: (0..k.zookeepers)
                .map(|i| {
                    node(
                        format!("zookeeper{i}"),
                        &k.namespace,
                        Role::ZooKeeper,
                        ports::ZOOKEEPER_CLIENT,
                        i,
                    )
                })
                .collect(),
            settings: s.clone(),
        })
    }
}

fn node(name: String, namespace: &str, role: Role, port: u16, index: usize) -> Node {
    Node {
        name,
        namespace: namespace.to_owned(),
        role,
        port,
        index,
    }
}

/// `org1` → `Org1MSP`, as the Fabric samples name MSPs.
fn msp_id(org: &str) -> String {
    let mut chars = org.chars();
    match chars.next() {
        Some(first) => format!("{}{}MSP", first.to_uppercase(), chars.as_str()),
        None => "MSP".into(),
    }
}

/// Kubernetes namespaces and Service names are RFC 1123 labels.
fn check_dns_label(what: &str, value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} {value:?} is not a DNS label (lowercase letters, digits and '-', at most 63)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_spec_is_the_reference() {
        assert_eq!(
            NetworkSpec::parse("", "s.yaml").unwrap(),
            NetworkSpec::default()
        );
        assert_eq!(
            NetworkSpec::parse("name: reference\n", "s.yaml").unwrap(),
            NetworkSpec::default()
        );
    }

    #[test]
    fn org_count_and_list() {
        let spec = NetworkSpec::parse("orgs: 20\n", "s.yaml").unwrap();
        let net = spec.resolve().unwrap();
        assert_eq!(net.peer_orgs.len(), 20);
        assert_eq!(net.peer_orgs[19].msp_id, "Org20MSP");
        let spec = NetworkSpec::parse(
            "orgs:\n  - name: bank\n    peers: 1\n    ca: false\nnamespacePattern: fab-{org}\n",
            "s.yaml",
        )
        .unwrap();
        let net = spec.resolve().unwrap();
        assert_eq!(net.peer_orgs[0].msp_id, "BankMSP");
        assert_eq!(net.peer_orgs[0].nodes[0].host(), "peer0.fab-bank");
        assert!(net.peer_orgs[0].ca.is_none());
        assert_eq!(net.orderer_org.namespace, "fab-orgorderer1");
    }

    #[test]
    fn etcdraft_has_no_kafka() {
        let spec = NetworkSpec::parse("consensus: etcdraft\n", "s.yaml").unwrap();
        assert!(spec.resolve().unwrap().kafka.is_none());
    }

    #[test]
    fn storage_kinds() {
        let spec =
            NetworkSpec::parse("storage:\n  kind: pvc\n  storageClass: fast\n", "s.yaml").unwrap();
        assert_eq!(
            spec.storage,
            Storage::Pvc {
                storage_class: Some("fast".into()),
                size: "1Gi".into()
            }
        );
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let err = NetworkSpec::parse("name: x\nclusterDomian: a.b\n", "net.yaml").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("net.yaml"), "{text}");
        assert!(text.contains("clusterDomian"), "{text}");
        assert!(text.contains('2'), "{text}");
    }

    #[test]
    fn unknown_nested_keys_are_rejected() {
        // serde drops deny_unknown_fields most easily beside #[serde(flatten)] (KafkaSpec) and
        // in internally tagged enums (Storage): a typo there must still be an error.
        for (yaml, key) in [
            ("kafka:\n  brokerz: 5\n", "brokerz"),
            ("kafka:\n  minInsyncReplica: 3\n", "minInsyncReplica"),
            ("storage:\n  kind: pvc\n  storageClas: x\n", "storageClas"),
            ("chaincode:\n  dns:\n    ndot: 1\n", "ndot"),
            ("ordererOrg:\n  orderer: 1\n", "orderer"),
            ("images:\n  peers: x\n", "peers"),
        ] {
            let err = NetworkSpec::parse(yaml, "s.yaml").unwrap_err().to_string();
            assert!(err.contains(key), "{yaml}: {err}");
            assert!(err.contains("s.yaml"), "{yaml}: {err}");
        }
        // A list entry goes through the untagged OrgsSpec: still an error, though serde's
        // message names the enum rather than the key.
        assert!(NetworkSpec::parse("orgs:\n  - name: a\n    peerz: 1\n", "s.yaml").is_err());
    }

    #[test]
    fn flattened_kafka_settings_are_read() {
        let spec = NetworkSpec::parse(
            "kafka:\n  brokers: 6\n  minInsyncReplicas: 3\n  defaultReplicationFactor: 4\n",
            "s.yaml",
        )
        .unwrap();
        let kafka = spec.resolve().unwrap().kafka.unwrap();
        assert_eq!(kafka.brokers.len(), 6);
        assert_eq!(kafka.settings.min_insync_replicas, 3);
        assert_eq!(kafka.settings.default_replication_factor, 4);
        assert_eq!(
            kafka.settings.message_max_bytes,
            KafkaSettings::default().message_max_bytes
        );
    }

    #[test]
    fn chaincode_runtime_and_resolver() {
        let spec = NetworkSpec::parse(
            "chaincode:\n  runtime: ccaas\n  dns:\n    ndots: 1\n    search: [a.b]\n",
            "s.yaml",
        )
        .unwrap();
        assert_eq!(spec.chaincode.runtime, Some(ChaincodeRuntime::Ccaas));
        assert_eq!(spec.chaincode.dns.ndots, 1);
        assert_eq!(spec.chaincode.dns.search, Some(vec!["a.b".to_owned()]));
        assert_eq!(spec.chaincode.dns.attempts, DnsSettings::default().attempts);
        let err = NetworkSpec::parse("chaincode:\n  runtime: docker\n", "s.yaml").unwrap_err();
        assert!(err.to_string().contains("docker"), "{err}");
    }

    #[test]
    fn profiles_pick_their_defaults_and_refuse_what_their_release_cannot_run() {
        let resolve = |yaml: &str| NetworkSpec::parse(yaml, "s.yaml").unwrap().resolve();
        let v14 = resolve("").unwrap();
        assert_eq!(v14.fabric, FabricVersion::V1_4);
        assert_eq!(v14.consensus, Consensus::Kafka);
        assert_eq!(v14.chaincode.runtime, ChaincodeRuntime::Dind);
        assert_eq!(v14.images.peer, "hyperledger/fabric-peer:1.4.12");
        let v25 = resolve("fabric: \"2.5\"\n").unwrap();
        assert_eq!(v25.consensus, Consensus::Etcdraft);
        assert_eq!(v25.chaincode.runtime, ChaincodeRuntime::Ccaas);
        assert!(v25.kafka.is_none());
        assert!(v25.images.peer.starts_with("hyperledger/fabric-peer:2.5."));
        // 1.4 peers have no ccaas builder and, without a Docker endpoint, no way to launch
        // chaincode; 2.5 deploys no Kafka.
        let err = resolve("chaincode:\n  runtime: ccaas\n").unwrap_err();
        assert!(err.contains("Fabric 2.4 or later"), "{err}");
        let err = resolve("fabric: \"2.5\"\nconsensus: kafka\n").unwrap_err();
        assert!(err.contains("removed in 3.0"), "{err}");
        assert!(resolve("fabric: \"2.5\"\nchaincode:\n  runtime: dind\n").is_ok());
        assert!(NetworkSpec::parse("fabric: \"3.0\"\n", "s.yaml").is_err());
        // Validity: cryptogen's ten years by default, settable, never zero.
        assert_eq!(v14.pki.validity_days, 3650);
        assert_eq!(
            resolve("pki:\n  validityDays: 365\n")
                .unwrap()
                .pki
                .validity_days,
            365
        );
        assert!(resolve("pki:\n  caValidityDays: 0\n").is_err());
        // Images: the table's, replaced one by one.
        let own = resolve("images:\n  tools: my/tools:1\n").unwrap();
        assert_eq!(own.images.tools, "my/tools:1");
        assert_eq!(own.images.orderer, v14.images.orderer);
    }

    #[test]
    fn rejects_what_cannot_deploy() {
        let bad = |yaml: &str| {
            NetworkSpec::parse(yaml, "s.yaml")
                .unwrap()
                .resolve()
                .unwrap_err()
        };
        assert!(bad("kafka:\n  zookeepers: 4\n").contains("odd"));
        assert!(bad("kafka:\n  brokers: 3\n").contains("brokers"));
        assert!(bad("orgs: 0\n").contains("at least one"));
        assert!(bad("name: Bad_Name\n").contains("DNS label"));
        assert!(bad("namespacePattern: fixed\n").contains("{org}"));
        assert!(bad("orgs:\n  - name: a\n  - name: a\n").contains("twice"));
    }
}
