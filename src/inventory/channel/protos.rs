//! Fabric's protobuf messages, as far as channel configuration needs them.
//!
//! Written from the `.proto` files of hyperledger/fabric-protos (the same field numbers; only the
//! messages fabcheck reads or sends). The `fabric-sdk` crate (0.5.12) carries generated modules,
//! but its build script runs `tonic-prost-build` (protoc at every build, output written into its
//! own source folder) and its default feature pulls aws-lc; these few messages are smaller than
//! that dependency. Unknown fields are skipped by prost, as Go's proto.Unmarshal does.

use std::collections::BTreeMap;

/// `common/common.proto` `Block`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Block {
    #[prost(message, optional, tag = "1")]
    pub header: Option<BlockHeader>,
    #[prost(message, optional, tag = "2")]
    pub data: Option<BlockData>,
    #[prost(message, optional, tag = "3")]
    pub metadata: Option<BlockMetadata>,
}

/// `common/common.proto` `BlockHeader`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BlockHeader {
    #[prost(uint64, tag = "1")]
    pub number: u64,
    #[prost(bytes = "vec", tag = "2")]
    pub previous_hash: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub data_hash: Vec<u8>,
}

/// `common/common.proto` `BlockData`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BlockData {
    #[prost(bytes = "vec", repeated, tag = "1")]
    pub data: Vec<Vec<u8>>,
}

/// `common/common.proto` `BlockMetadata`, indexed by `BlockMetadataIndex`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BlockMetadata {
    #[prost(bytes = "vec", repeated, tag = "1")]
    pub metadata: Vec<Vec<u8>>,
}

/// `common/common.proto` `Metadata`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Metadata {
    #[prost(bytes = "vec", tag = "1")]
    pub value: Vec<u8>,
    #[prost(message, repeated, tag = "2")]
    pub signatures: Vec<MetadataSignature>,
}

/// `common/common.proto` `MetadataSignature`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MetadataSignature {
    #[prost(bytes = "vec", tag = "1")]
    pub signature_header: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub signature: Vec<u8>,
}

/// `common/common.proto` `LastConfig`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LastConfig {
    #[prost(uint64, tag = "1")]
    pub index: u64,
}

/// `common/common.proto` `OrdererBlockMetadata` (Fabric 2.x, metadata index 1 or 3).
#[derive(Clone, PartialEq, prost::Message)]
pub struct OrdererBlockMetadata {
    #[prost(message, optional, tag = "1")]
    pub last_config: Option<LastConfig>,
    #[prost(bytes = "vec", tag = "2")]
    pub consenter_metadata: Vec<u8>,
}

/// `common/common.proto` `Envelope`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Envelope {
    #[prost(bytes = "vec", tag = "1")]
    pub payload: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub signature: Vec<u8>,
}

/// `common/common.proto` `Payload`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Payload {
    #[prost(message, optional, tag = "1")]
    pub header: Option<Header>,
    #[prost(bytes = "vec", tag = "2")]
    pub data: Vec<u8>,
}

/// `common/common.proto` `Header`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Header {
    #[prost(bytes = "vec", tag = "1")]
    pub channel_header: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub signature_header: Vec<u8>,
}

/// `google/protobuf/timestamp.proto` `Timestamp`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `common/common.proto` `ChannelHeader`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ChannelHeader {
    /// A `HeaderType`.
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    #[prost(int32, tag = "2")]
    pub version: i32,
    #[prost(message, optional, tag = "3")]
    pub timestamp: Option<Timestamp>,
    #[prost(string, tag = "4")]
    pub channel_id: String,
    #[prost(string, tag = "5")]
    pub tx_id: String,
    #[prost(uint64, tag = "6")]
    pub epoch: u64,
    #[prost(bytes = "vec", tag = "7")]
    pub extension: Vec<u8>,
    #[prost(bytes = "vec", tag = "8")]
    pub tls_cert_hash: Vec<u8>,
}

/// `common/common.proto` `HeaderType` values fabcheck tells apart.
pub mod header_type {
    pub const MESSAGE: i32 = 0;
    pub const CONFIG: i32 = 1;
    pub const CONFIG_UPDATE: i32 = 2;
    pub const ENDORSER_TRANSACTION: i32 = 3;
    pub const ORDERER_TRANSACTION: i32 = 4;
    pub const DELIVER_SEEK_INFO: i32 = 5;
}

/// `common/common.proto` `SignatureHeader`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SignatureHeader {
    /// A serialized `msp.SerializedIdentity`.
    #[prost(bytes = "vec", tag = "1")]
    pub creator: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub nonce: Vec<u8>,
}

/// `msp/identities.proto` `SerializedIdentity`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SerializedIdentity {
    #[prost(string, tag = "1")]
    pub mspid: String,
    /// PEM of the X.509 certificate.
    #[prost(bytes = "vec", tag = "2")]
    pub id_bytes: Vec<u8>,
}

/// `common/configtx.proto` `ConfigEnvelope`: the data of a CONFIG transaction.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigEnvelope {
    #[prost(message, optional, tag = "1")]
    pub config: Option<Config>,
    #[prost(message, optional, tag = "2")]
    pub last_update: Option<Envelope>,
}

/// `common/configtx.proto` `Config`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Config {
    #[prost(uint64, tag = "1")]
    pub sequence: u64,
    #[prost(message, optional, tag = "2")]
    pub channel_group: Option<ConfigGroup>,
}

/// `common/configtx.proto` `ConfigUpdateEnvelope`: the data of a CONFIG_UPDATE transaction.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigUpdateEnvelope {
    #[prost(bytes = "vec", tag = "1")]
    pub config_update: Vec<u8>,
    #[prost(message, repeated, tag = "2")]
    pub signatures: Vec<ConfigSignature>,
}

/// `common/configtx.proto` `ConfigSignature`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigSignature {
    #[prost(bytes = "vec", tag = "1")]
    pub signature_header: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub signature: Vec<u8>,
}

/// `common/configtx.proto` `ConfigUpdate`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigUpdate {
    #[prost(string, tag = "1")]
    pub channel_id: String,
    #[prost(message, optional, tag = "2")]
    pub read_set: Option<ConfigGroup>,
    #[prost(message, optional, tag = "3")]
    pub write_set: Option<ConfigGroup>,
    #[prost(btree_map = "string, bytes", tag = "5")]
    pub isolated_data: BTreeMap<String, Vec<u8>>,
}

/// `common/configtx.proto` `ConfigGroup`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigGroup {
    #[prost(uint64, tag = "1")]
    pub version: u64,
    #[prost(btree_map = "string, message", tag = "2")]
    pub groups: BTreeMap<String, ConfigGroup>,
    #[prost(btree_map = "string, message", tag = "3")]
    pub values: BTreeMap<String, ConfigValue>,
    #[prost(btree_map = "string, message", tag = "4")]
    pub policies: BTreeMap<String, ConfigPolicy>,
    #[prost(string, tag = "5")]
    pub mod_policy: String,
}

/// `common/configtx.proto` `ConfigValue`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigValue {
    #[prost(uint64, tag = "1")]
    pub version: u64,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
    #[prost(string, tag = "3")]
    pub mod_policy: String,
}

/// `common/configtx.proto` `ConfigPolicy`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigPolicy {
    #[prost(uint64, tag = "1")]
    pub version: u64,
    #[prost(message, optional, tag = "2")]
    pub policy: Option<Policy>,
    #[prost(string, tag = "3")]
    pub mod_policy: String,
}

/// `common/policies.proto` `Policy`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Policy {
    /// `Policy.PolicyType`: 1 SIGNATURE, 2 MSP, 3 IMPLICIT_META.
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `common/policies.proto` `SignaturePolicyEnvelope`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SignaturePolicyEnvelope {
    #[prost(int32, tag = "1")]
    pub version: i32,
    #[prost(message, optional, tag = "2")]
    pub rule: Option<SignaturePolicy>,
    #[prost(message, repeated, tag = "3")]
    pub identities: Vec<MspPrincipal>,
}

/// `common/policies.proto` `SignaturePolicy`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SignaturePolicy {
    #[prost(oneof = "signature_policy::Type", tags = "1, 2")]
    pub r#type: Option<signature_policy::Type>,
}

pub mod signature_policy {
    /// `SignaturePolicy.NOutOf`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct NOutOf {
        #[prost(int32, tag = "1")]
        pub n: i32,
        #[prost(message, repeated, tag = "2")]
        pub rules: Vec<super::SignaturePolicy>,
    }

    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Type {
        #[prost(int32, tag = "1")]
        SignedBy(i32),
        #[prost(message, tag = "2")]
        NOutOf(NOutOf),
    }
}

/// `common/policies.proto` `ImplicitMetaPolicy`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ImplicitMetaPolicy {
    #[prost(string, tag = "1")]
    pub sub_policy: String,
    /// 0 ANY, 1 ALL, 2 MAJORITY.
    #[prost(int32, tag = "2")]
    pub rule: i32,
}

/// `msp/msp_principal.proto` `MSPPrincipal`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MspPrincipal {
    /// 0 ROLE, 1 ORGANIZATION_UNIT, 2 IDENTITY, 3 ANONYMITY, 4 COMBINED.
    #[prost(int32, tag = "1")]
    pub principal_classification: i32,
    #[prost(bytes = "vec", tag = "2")]
    pub principal: Vec<u8>,
}

/// `msp/msp_principal.proto` `MSPRole`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MspRole {
    #[prost(string, tag = "1")]
    pub msp_identifier: String,
    /// 0 MEMBER, 1 ADMIN, 2 CLIENT, 3 PEER, 4 ORDERER.
    #[prost(int32, tag = "2")]
    pub role: i32,
}

/// `msp/msp_principal.proto` `OrganizationUnit`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OrganizationUnit {
    #[prost(string, tag = "1")]
    pub msp_identifier: String,
    #[prost(string, tag = "2")]
    pub organizational_unit_identifier: String,
}

/// `msp/msp_config.proto` `MSPConfig`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MspConfig {
    /// 0 FABRIC, 1 IDEMIX.
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    #[prost(bytes = "vec", tag = "2")]
    pub config: Vec<u8>,
}

/// `msp/msp_config.proto` `FabricMSPConfig`. Certificates are PEM bytes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FabricMspConfig {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(bytes = "vec", repeated, tag = "2")]
    pub root_certs: Vec<Vec<u8>>,
    #[prost(bytes = "vec", repeated, tag = "3")]
    pub intermediate_certs: Vec<Vec<u8>>,
    #[prost(bytes = "vec", repeated, tag = "4")]
    pub admins: Vec<Vec<u8>>,
    #[prost(bytes = "vec", repeated, tag = "5")]
    pub revocation_list: Vec<Vec<u8>>,
    // 6 signing_identity: never set in a channel config (configtxgen leaves it out).
    #[prost(message, repeated, tag = "7")]
    pub organizational_unit_identifiers: Vec<FabricOuIdentifier>,
    #[prost(message, optional, tag = "8")]
    pub crypto_config: Option<FabricCryptoConfig>,
    #[prost(bytes = "vec", repeated, tag = "9")]
    pub tls_root_certs: Vec<Vec<u8>>,
    #[prost(bytes = "vec", repeated, tag = "10")]
    pub tls_intermediate_certs: Vec<Vec<u8>>,
    #[prost(message, optional, tag = "11")]
    pub fabric_node_ous: Option<FabricNodeOus>,
}

/// `msp/msp_config.proto` `FabricCryptoConfig`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FabricCryptoConfig {
    #[prost(string, tag = "1")]
    pub signature_hash_family: String,
    #[prost(string, tag = "2")]
    pub identity_identifier_hash_function: String,
}

/// `msp/msp_config.proto` `FabricOUIdentifier`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FabricOuIdentifier {
    #[prost(bytes = "vec", tag = "1")]
    pub certificate: Vec<u8>,
    #[prost(string, tag = "2")]
    pub organizational_unit_identifier: String,
}

/// `msp/msp_config.proto` `FabricNodeOUs`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct FabricNodeOus {
    #[prost(bool, tag = "1")]
    pub enable: bool,
    #[prost(message, optional, tag = "2")]
    pub client_ou_identifier: Option<FabricOuIdentifier>,
    #[prost(message, optional, tag = "3")]
    pub peer_ou_identifier: Option<FabricOuIdentifier>,
    #[prost(message, optional, tag = "4")]
    pub admin_ou_identifier: Option<FabricOuIdentifier>,
    #[prost(message, optional, tag = "5")]
    pub orderer_ou_identifier: Option<FabricOuIdentifier>,
}

/// `common/configuration.proto` `HashingAlgorithm`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HashingAlgorithm {
    #[prost(string, tag = "1")]
    pub name: String,
}

/// `common/configuration.proto` `BlockDataHashingStructure`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BlockDataHashingStructure {
    #[prost(uint32, tag = "1")]
    pub width: u32,
}

/// `common/configuration.proto` `OrdererAddresses` (also each org's `Endpoints` in 2.x).
#[derive(Clone, PartialEq, prost::Message)]
pub struct OrdererAddresses {
    #[prost(string, repeated, tag = "1")]
    pub addresses: Vec<String>,
}

/// `common/configuration.proto` `Consortium`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Consortium {
    #[prost(string, tag = "1")]
    pub name: String,
}

/// `common/configuration.proto` `Capabilities`; each capability message is empty.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Capabilities {
    #[prost(btree_map = "string, message", tag = "1")]
    pub capabilities: BTreeMap<String, Capability>,
}

/// `common/configuration.proto` `Capability`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Capability {}

/// `common/configuration.proto` `Orderers` (Fabric 3.x BFT consenter set).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Orderers {
    #[prost(message, repeated, tag = "1")]
    pub consenter_mapping: Vec<BftConsenter>,
}

/// `common/configuration.proto` `Consenter` (BFT).
#[derive(Clone, PartialEq, prost::Message)]
pub struct BftConsenter {
    #[prost(uint32, tag = "1")]
    pub id: u32,
    #[prost(string, tag = "2")]
    pub host: String,
    #[prost(uint32, tag = "3")]
    pub port: u32,
    #[prost(string, tag = "4")]
    pub msp_id: String,
    #[prost(bytes = "vec", tag = "5")]
    pub identity: Vec<u8>,
    #[prost(bytes = "vec", tag = "6")]
    pub client_tls_cert: Vec<u8>,
    #[prost(bytes = "vec", tag = "7")]
    pub server_tls_cert: Vec<u8>,
}

/// `orderer/configuration.proto` `ConsensusType`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ConsensusType {
    #[prost(string, tag = "1")]
    pub r#type: String,
    #[prost(bytes = "vec", tag = "2")]
    pub metadata: Vec<u8>,
    /// 0 STATE_NORMAL, 1 STATE_MAINTENANCE.
    #[prost(int32, tag = "3")]
    pub state: i32,
}

/// `orderer/configuration.proto` `BatchSize`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BatchSize {
    #[prost(uint32, tag = "1")]
    pub max_message_count: u32,
    #[prost(uint32, tag = "2")]
    pub absolute_max_bytes: u32,
    #[prost(uint32, tag = "3")]
    pub preferred_max_bytes: u32,
}

/// `orderer/configuration.proto` `BatchTimeout`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BatchTimeout {
    #[prost(string, tag = "1")]
    pub timeout: String,
}

/// `orderer/configuration.proto` `KafkaBrokers`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct KafkaBrokers {
    #[prost(string, repeated, tag = "1")]
    pub brokers: Vec<String>,
}

/// `orderer/configuration.proto` `ChannelRestrictions`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ChannelRestrictions {
    #[prost(uint64, tag = "1")]
    pub max_count: u64,
}

/// `orderer/etcdraft/configuration.proto` `ConfigMetadata`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RaftConfigMetadata {
    #[prost(message, repeated, tag = "1")]
    pub consenters: Vec<RaftConsenter>,
    #[prost(message, optional, tag = "2")]
    pub options: Option<RaftOptions>,
}

/// `orderer/etcdraft/configuration.proto` `Consenter`. Certificates are PEM bytes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RaftConsenter {
    #[prost(string, tag = "1")]
    pub host: String,
    #[prost(uint32, tag = "2")]
    pub port: u32,
    #[prost(bytes = "vec", tag = "3")]
    pub client_tls_cert: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub server_tls_cert: Vec<u8>,
}

/// `orderer/etcdraft/configuration.proto` `Options`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RaftOptions {
    #[prost(string, tag = "1")]
    pub tick_interval: String,
    #[prost(uint32, tag = "2")]
    pub election_tick: u32,
    #[prost(uint32, tag = "3")]
    pub heartbeat_tick: u32,
    #[prost(uint32, tag = "4")]
    pub max_inflight_blocks: u32,
    #[prost(uint32, tag = "5")]
    pub snapshot_interval_size: u32,
}

/// `orderer/smartbft/configuration.proto` `Options` (the fields fabcheck shows).
#[derive(Clone, PartialEq, prost::Message)]
pub struct BftOptions {
    #[prost(uint64, tag = "1")]
    pub request_batch_max_count: u64,
    #[prost(uint64, tag = "2")]
    pub request_batch_max_bytes: u64,
    #[prost(string, tag = "3")]
    pub request_batch_max_interval: String,
    #[prost(string, tag = "11")]
    pub view_change_timeout: String,
    #[prost(string, tag = "12")]
    pub leader_heartbeat_timeout: String,
    #[prost(uint64, tag = "13")]
    pub leader_heartbeat_count: u64,
    /// 0 ROTATION_UNSPECIFIED, 1 ROTATION_OFF, 2 ROTATION_ON.
    #[prost(int32, tag = "17")]
    pub leader_rotation: i32,
    #[prost(uint64, tag = "18")]
    pub decisions_per_leader: u64,
}

/// `peer/configuration.proto` `AnchorPeers`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AnchorPeers {
    #[prost(message, repeated, tag = "1")]
    pub anchor_peers: Vec<AnchorPeer>,
}

/// `peer/configuration.proto` `AnchorPeer`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AnchorPeer {
    #[prost(string, tag = "1")]
    pub host: String,
    #[prost(int32, tag = "2")]
    pub port: i32,
}

/// `orderer/ab.proto` `SeekInfo` and its positions: what a Deliver request asks for.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SeekInfo {
    #[prost(message, optional, tag = "1")]
    pub start: Option<SeekPosition>,
    #[prost(message, optional, tag = "2")]
    pub stop: Option<SeekPosition>,
    /// 0 BLOCK_UNTIL_READY, 1 FAIL_IF_NOT_READY.
    #[prost(int32, tag = "3")]
    pub behavior: i32,
}

/// `orderer/ab.proto` `SeekPosition`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SeekPosition {
    #[prost(oneof = "seek_position::Type", tags = "1, 2, 3")]
    pub r#type: Option<seek_position::Type>,
}

pub mod seek_position {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SeekNewest {}

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SeekOldest {}

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SeekSpecified {
        #[prost(uint64, tag = "1")]
        pub number: u64,
    }

    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Type {
        #[prost(message, tag = "1")]
        Newest(SeekNewest),
        #[prost(message, tag = "2")]
        Oldest(SeekOldest),
        #[prost(message, tag = "3")]
        Specified(SeekSpecified),
    }
}

/// `orderer/ab.proto` `DeliverResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DeliverResponse {
    #[prost(oneof = "deliver_response::Type", tags = "1, 2")]
    pub r#type: Option<deliver_response::Type>,
}

pub mod deliver_response {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Type {
        /// A `common.Status` (200 SUCCESS, 403 FORBIDDEN, 404 NOT_FOUND, 503 SERVICE_UNAVAILABLE).
        #[prost(int32, tag = "1")]
        Status(i32),
        #[prost(message, tag = "2")]
        Block(super::Block),
    }
}
