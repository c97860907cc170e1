//! Channel configuration: what an orderer actually runs.
//!
//! An orderer serves its genesis or newest config block, not the configtx.yaml that may once
//! have produced it. This module decodes Fabric's own artifacts — genesis and config blocks,
//! channel creation and anchor-peer update transactions — into one [`ChannelConfig`] model
//! ([`decode`]), and reads configtx.yaml profiles into the same model ([`profile`]), so the
//! CHANNEL and RAFT checks judge both alike. Every certificate in a configuration is parsed
//! once and kept with where in the configuration it sits.

use std::sync::Arc;

use serde::Serialize;

use super::Origin;
use super::cert::CertFacts;

pub mod decode;
pub mod profile;
pub mod protos;

pub use decode::{DecodeError, decode};

/// Blocks larger than this are not read: a config block is kilobytes, and Fabric's own ceiling
/// on a message is the orderer's 100 MB default `MaxRecvMsgSize`.
pub const MAX_ARTIFACT_BYTES: u64 = 100 * 1024 * 1024;

/// What a configuration came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConfigSource {
    /// Block 0 of a channel (an orderer's `genesis.block`, a peer's `mychannel.block`).
    GenesisBlock,
    /// A later config block (`peer channel fetch config`).
    ConfigBlock { number: u64 },
    /// A CONFIG_UPDATE transaction creating a channel (`configtxgen -outputCreateChannelTx`).
    ChannelCreation,
    /// Any other CONFIG_UPDATE transaction (an anchor-peer update): only what it writes.
    ConfigUpdate,
    /// A configtx.yaml profile, read as configtxgen would.
    Profile { name: String },
    /// The newest config block fetched from an orderer.
    Fetched { endpoint: String, number: u64 },
}

impl ConfigSource {
    /// Whether the configuration is complete (a block or profile), not an update's write set.
    pub fn is_complete(&self) -> bool {
        !matches!(
            self,
            ConfigSource::ChannelCreation | ConfigSource::ConfigUpdate
        )
    }

    pub fn describe(&self) -> String {
        match self {
            ConfigSource::GenesisBlock => "genesis block".into(),
            ConfigSource::ConfigBlock { number } => format!("config block {number}"),
            ConfigSource::ChannelCreation => "channel creation transaction".into(),
            ConfigSource::ConfigUpdate => "config update transaction".into(),
            ConfigSource::Profile { name } => format!("configtx.yaml profile {name}"),
            ConfigSource::Fetched { endpoint, number } => {
                format!("config block {number} fetched from {endpoint}")
            }
        }
    }
}

/// One channel's configuration, from one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelConfig {
    #[serde(serialize_with = "origin_string")]
    pub origin: Origin,
    /// The folder the artifact is in; artifacts of one folder belong to one network.
    #[serde(skip)]
    pub scope: String,
    pub source: ConfigSource,
    pub channel_id: String,
    /// The config sequence (blocks only).
    pub sequence: Option<u64>,
    /// The consortium a system channel lists, or the one a channel was created in.
    pub consortium: Option<String>,
    pub hashing_algorithm: Option<String>,
    /// `OrdererAddresses` at channel level (Fabric 1.4; deprecated in 2.x).
    pub orderer_addresses: Vec<String>,
    pub capabilities: Capabilities,
    pub orderer: Option<OrdererSection>,
    pub application: Option<ApplicationSection>,
    /// A system channel's consortiums and their member orgs.
    pub consortiums: Vec<ConsortiumSection>,
    /// Every policy, by group path (`Channel/Application/Org1MSP`) and name.
    pub policies: Vec<PolicyEntry>,
    /// Values that did not decode, with why (a value Fabric itself would reject).
    pub problems: Vec<String>,
}

/// Capabilities at each level; `None` when the group is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub channel: Vec<String>,
    pub orderer: Option<Vec<String>>,
    pub application: Option<Vec<String>>,
}

/// The Orderer group.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrdererSection {
    /// `solo`, `kafka`, `etcdraft`, `BFT`.
    pub consensus_type: String,
    /// `STATE_NORMAL` or `STATE_MAINTENANCE`.
    pub consensus_state: Option<String>,
    pub batch_size: Option<BatchSizeValue>,
    pub batch_timeout: Option<String>,
    pub kafka_brokers: Vec<String>,
    pub max_channels: Option<u64>,
    /// etcdraft's consenters and options (from the ConsensusType metadata).
    pub raft: Option<RaftMetadata>,
    /// BFT's consenters (the channel's `Orderers` value) and options.
    pub bft: Option<BftMetadata>,
    pub orgs: Vec<OrgConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BatchSizeValue {
    pub max_message_count: u32,
    pub absolute_max_bytes: u32,
    pub preferred_max_bytes: u32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RaftMetadata {
    pub consenters: Vec<Consenter>,
    pub options: Option<RaftOptions>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RaftOptions {
    pub tick_interval: String,
    pub election_tick: u32,
    pub heartbeat_tick: u32,
    pub max_inflight_blocks: u32,
    pub snapshot_interval_size: u32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BftMetadata {
    pub consenters: Vec<Consenter>,
    pub request_batch_max_count: Option<u64>,
    pub request_batch_max_interval: Option<String>,
    pub leader_rotation: Option<String>,
}

/// A consenting orderer, etcdraft or BFT.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Consenter {
    /// BFT's consenter id; etcdraft numbers consenters itself.
    pub id: Option<u32>,
    pub host: String,
    pub port: u32,
    /// BFT: the consenter's org.
    pub msp_id: Option<String>,
    /// BFT: the consenter's signing identity.
    pub identity: Option<ConfigCert>,
    pub client_tls_cert: Option<ConfigCert>,
    pub server_tls_cert: Option<ConfigCert>,
}

impl Consenter {
    pub fn endpoint(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// The Application group.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplicationSection {
    pub orgs: Vec<OrgConfig>,
    /// ACL names overridden in the channel (Fabric 1.2+).
    pub acls: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ConsortiumSection {
    pub name: String,
    pub orgs: Vec<OrgConfig>,
}

/// One organization's group.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrgConfig {
    /// The group's name in the configuration (usually the MSP ID, configtx.yaml's `Name`).
    pub name: String,
    /// `Channel/Orderer/OrdererOrg`.
    pub path: String,
    /// The org's MSP definition; `None` in an update that does not write it.
    pub msp: Option<OrgMsp>,
    pub anchor_peers: Vec<String>,
    /// Per-org `Endpoints` (Fabric 2.x `OrdererEndpoints`).
    pub orderer_endpoints: Vec<String>,
}

/// An org's MSP as the channel configuration carries it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrgMsp {
    pub msp_id: String,
    /// `FABRIC` or `IDEMIX`.
    pub kind: String,
    pub root_certs: Vec<ConfigCert>,
    pub intermediate_certs: Vec<ConfigCert>,
    pub admins: Vec<ConfigCert>,
    pub tls_root_certs: Vec<ConfigCert>,
    pub tls_intermediate_certs: Vec<ConfigCert>,
    /// Number of CRLs carried.
    pub revocation_lists: usize,
    pub node_ous: Option<NodeOus>,
    /// `OrganizationalUnitIdentifiers`.
    pub ou_identifiers: Vec<String>,
}

impl OrgMsp {
    /// Every certificate with the field it sits in.
    pub fn all_certs(&self) -> impl Iterator<Item = &ConfigCert> {
        self.root_certs
            .iter()
            .chain(&self.intermediate_certs)
            .chain(&self.admins)
            .chain(&self.tls_root_certs)
            .chain(&self.tls_intermediate_certs)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NodeOus {
    pub enable: bool,
    pub client_ou: Option<String>,
    pub peer_ou: Option<String>,
    pub admin_ou: Option<String>,
    pub orderer_ou: Option<String>,
}

/// A certificate inside a configuration: where it sits, and what it says (or why it does not
/// parse). Serialized as a summary; the DER stays in memory.
#[derive(Debug, Clone)]
pub struct ConfigCert {
    /// `Channel/Orderer/OrdererOrg MSP root certificate 1`, `consenter orderer1:7050 server TLS certificate`.
    pub locator: String,
    pub facts: Result<Arc<CertFacts>, String>,
}

impl Serialize for ConfigCert {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match &self.facts {
            Ok(f) => {
                m.serialize_entry("subject", &f.subject)?;
                m.serialize_entry("issuer", &f.issuer)?;
                m.serialize_entry("serial", &f.serial)?;
                m.serialize_entry("not_before", &rfc3339(f.not_before))?;
                m.serialize_entry("not_after", &rfc3339(f.not_after))?;
                m.serialize_entry("sha256", &f.fingerprint)?;
            }
            Err(e) => m.serialize_entry("error", e)?,
        }
        m.end()
    }
}

pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// One policy of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyEntry {
    pub path: String,
    pub name: String,
    /// `Signature`, `ImplicitMeta`, or what the type number was.
    pub kind: String,
    /// `OR('Org1MSP.admin')`, `MAJORITY Admins`.
    pub rule: String,
    pub mod_policy: String,
}

impl ChannelConfig {
    /// An empty configuration of `source`: what a reader fills in.
    pub fn new(origin: Origin, scope: &str, source: ConfigSource, channel_id: &str) -> Self {
        ChannelConfig {
            origin,
            scope: scope.to_owned(),
            source,
            channel_id: channel_id.to_owned(),
            sequence: None,
            consortium: None,
            hashing_algorithm: None,
            orderer_addresses: Vec::new(),
            capabilities: Capabilities::default(),
            orderer: None,
            application: None,
            consortiums: Vec::new(),
            policies: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Every org of every section, with the section name.
    pub fn orgs(&self) -> impl Iterator<Item = &OrgConfig> {
        let orderer = self.orderer.iter().flat_map(|o| o.orgs.iter());
        let application = self.application.iter().flat_map(|a| a.orgs.iter());
        let consortiums = self.consortiums.iter().flat_map(|c| c.orgs.iter());
        orderer.chain(application).chain(consortiums)
    }

    /// The consenters, etcdraft or BFT, with the consensus they belong to.
    pub fn consenters(&self) -> Option<(&'static str, &[Consenter])> {
        let o = self.orderer.as_ref()?;
        if let Some(r) = &o.raft {
            return Some(("etcdraft", &r.consenters));
        }
        o.bft.as_ref().map(|b| ("BFT", b.consenters.as_slice()))
    }

    /// A short name for findings: `genesis block of channel testchainid`.
    pub fn describe(&self) -> String {
        if self.channel_id.is_empty() {
            self.source.describe()
        } else {
            format!("{} of channel {}", self.source.describe(), self.channel_id)
        }
    }
}

/// Gives the Kafka rules (KAFKA-005, -009, -010) what the orderers run: each decoded genesis or
/// config block's orderer section becomes an ordering profile of the Kafka brokers deployed
/// with it (the block's folder or its parent's, [`super::ordering::nearest_with`]). A network with a
/// block is judged by the block alone ([`super::ordering::OrderingConfig::networks`]).
pub fn feed_kafka_rules(inv: &mut super::Inventory) {
    use super::ordering::{Component, ConfigTxProfile, Setting, nearest_with};
    let mut fed = Vec::new();
    for c in &inv.channels {
        if matches!(c.source, ConfigSource::Profile { .. }) || !c.source.is_complete() {
            continue;
        }
        let Some(o) = &c.orderer else { continue };
        let brokers = nearest_with(&inv.ordering.workloads, &c.scope, &inv.root, |w| {
            w.component == Component::Kafka
        });
        let mut scopes: Vec<&str> = brokers
            .iter()
            .filter(|w| w.component == Component::Kafka)
            .map(|w| w.scope.as_str())
            .collect();
        scopes.sort_unstable();
        scopes.dedup();
        let at = |what: &str| Origin::at(c.origin.path.clone(), what.to_owned());
        for scope in scopes {
            fed.push(ConfigTxProfile {
                origin: c.origin.clone(),
                scope: scope.to_owned(),
                name: c.describe(),
                orderer_type: Some(Setting::literal(
                    o.consensus_type.clone(),
                    at("Channel/Orderer ConsensusType"),
                )),
                kafka_brokers: (o.consensus_type == "kafka").then(|| o.kafka_brokers.clone()),
                absolute_max_bytes: o.batch_size.map(|b| Ok(u64::from(b.absolute_max_bytes))),
                preferred_max_bytes: o.batch_size.map(|b| Ok(u64::from(b.preferred_max_bytes))),
                from_block: true,
            });
        }
    }
    inv.ordering.profiles.extend(fed);
}

fn origin_string<S: serde::Serializer>(o: &Origin, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&o.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::inventory::ordering::{Component, Replicas, Workload};

    fn broker(scope: &str) -> Workload {
        Workload {
            name: "kafka0".into(),
            origin: Origin::file(format!("{scope}/kafka.yaml")),
            scope: scope.into(),
            component: Component::Kafka,
            image: None,
            replicas: Replicas::Count(1),
            env: Default::default(),
            properties: Default::default(),
            hostnames: vec!["kafka0".into()],
            computed_at_start: Vec::new(),
            ports: Vec::new(),
            mounts: Vec::new(),
            pod: None,
        }
    }

    fn block(scope: &str) -> ChannelConfig {
        let mut c = ChannelConfig::new(
            Origin::file(format!("{scope}/genesis.block")),
            scope,
            ConfigSource::GenesisBlock,
            "sys",
        );
        c.sequence = Some(0);
        c.orderer = Some(OrdererSection {
            consensus_type: "kafka".into(),
            kafka_brokers: vec!["kafka0:9092".into()],
            batch_size: Some(BatchSizeValue {
                max_message_count: 10,
                absolute_max_bytes: 99 << 20,
                preferred_max_bytes: 512 << 10,
            }),
            ..OrdererSection::default()
        });
        c
    }

    #[test]
    fn a_block_feeds_the_kafka_rules_of_the_brokers_beside_it_and_no_further() {
        let mut inv = Inventory {
            root: "repo".into(),
            channels: vec![
                block("repo/net/channel-artifacts"),
                block("repo/other/deep/x"),
            ],
            ..Inventory::default()
        };
        inv.ordering.workloads.push(broker("repo/net/kafka"));
        feed_kafka_rules(&mut inv);
        assert_eq!(
            inv.ordering.profiles.len(),
            1,
            "{:#?}",
            inv.ordering.profiles
        );
        let p = &inv.ordering.profiles[0];
        assert!(p.from_block && p.is_kafka());
        assert_eq!(p.scope, "repo/net/kafka");
        assert_eq!(p.absolute_max_bytes, Some(Ok(99 << 20)));
        assert_eq!(
            p.kafka_brokers.as_deref(),
            Some(&["kafka0:9092".to_owned()][..])
        );
    }
}
