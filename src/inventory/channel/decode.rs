//! Fabric blocks and transactions → [`ChannelConfig`].
//!
//! The layering is Fabric's own (`protoutil` in Fabric 2.x, `utils` in 1.4): a block's first
//! data entry is an `Envelope`, whose `Payload` has a `ChannelHeader` of type CONFIG and a
//! `ConfigEnvelope` as data; a channel transaction is an `Envelope` of type CONFIG_UPDATE whose
//! data is a `ConfigUpdateEnvelope` holding a serialized `ConfigUpdate`. The config tree is read
//! with the keys Fabric's `common/channelconfig` reads (`ConsensusType`, `BatchSize`, `MSP`, …).

use std::sync::Arc;

use prost::Message;

use super::protos::{self, ConfigGroup, header_type};
use super::*;
use crate::inventory::cert::ParseCache;
use crate::inventory::pem;

/// Why bytes are not a channel configuration Fabric would read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("failed to decode as a Fabric block or transaction: {0}")]
    NotFabric(String),
    #[error(
        "failed to find a channel configuration: block {number} of channel {channel} holds {kind} transactions{last_config}"
    )]
    NotConfigBlock {
        number: u64,
        channel: String,
        kind: String,
        last_config: String,
    },
    #[error("failed to find a channel configuration: the transaction is of type {0}")]
    NotConfigTx(String),
    #[error("failed to decode {what}: {reason}")]
    Malformed { what: String, reason: String },
}

fn malformed(what: impl Into<String>, reason: impl ToString) -> DecodeError {
    DecodeError::Malformed {
        what: what.into(),
        reason: reason.to_string(),
    }
}

/// Decodes a block or a transaction (whichever the bytes are) into its channel configuration.
pub fn decode(data: &[u8], origin: Origin, scope: &str) -> Result<ChannelConfig, DecodeError> {
    decode_cached(data, origin, scope, &ParseCache::default())
}

/// [`decode`], parsing each distinct certificate once across calls.
pub fn decode_cached(
    data: &[u8],
    origin: Origin,
    scope: &str,
    cache: &ParseCache,
) -> Result<ChannelConfig, DecodeError> {
    let mut reader = Reader {
        cache,
        problems: Vec::new(),
        partial: false,
    };
    if data.is_empty() {
        return Err(DecodeError::NotFabric("the file is empty".into()));
    }
    if pem::is_text(data) {
        // A text file named like a block (a placeholder, a note, base64 not yet decoded).
        return Err(DecodeError::NotFabric(format!(
            "it is text ({} bytes), not protobuf",
            data.len()
        )));
    }
    let as_block = protos::Block::decode(data)
        .ok()
        .filter(|b| b.header.is_some() && b.data.as_ref().is_some_and(|d| !d.data.is_empty()));
    let (source, channel_id, sequence, group) = match as_block {
        Some(block) => reader.block(&block)?,
        None => {
            let env = protos::Envelope::decode(data)
                .map_err(|e| DecodeError::NotFabric(e.to_string()))?;
            if env.payload.is_empty() {
                return Err(DecodeError::NotFabric(
                    "neither a block (no header and data) nor an envelope (no payload)".into(),
                ));
            }
            reader.envelope(&env)?
        }
    };
    let mut config = reader.channel(&group, &source);
    config.origin = origin;
    config.scope = scope.to_owned();
    config.source = source;
    config.channel_id = channel_id;
    config.sequence = sequence;
    config.problems = reader.problems;
    Ok(config)
}

/// The header type's name, for messages.
fn type_name(t: i32) -> String {
    match t {
        header_type::MESSAGE => "MESSAGE".into(),
        header_type::CONFIG => "CONFIG".into(),
        header_type::CONFIG_UPDATE => "CONFIG_UPDATE".into(),
        header_type::ENDORSER_TRANSACTION => "ENDORSER_TRANSACTION".into(),
        header_type::ORDERER_TRANSACTION => "ORDERER_TRANSACTION".into(),
        header_type::DELIVER_SEEK_INFO => "DELIVER_SEEK_INFO".into(),
        other => format!("unknown ({other})"),
    }
}

struct Reader<'a> {
    cache: &'a ParseCache,
    problems: Vec<String>,
    /// Reading a ConfigUpdate's write set: a value with no bytes there is a reference to the
    /// current value (its version only, `common/configtx/update.go`), not a value written.
    partial: bool,
}

type Decoded = (ConfigSource, String, Option<u64>, ConfigGroup);

impl Reader<'_> {
    fn block(&mut self, block: &protos::Block) -> Result<Decoded, DecodeError> {
        let number = block.header.as_ref().map_or(0, |h| h.number);
        let first = &block.data.as_ref().expect("checked by the caller").data[0];
        let env = protos::Envelope::decode(first.as_slice())
            .map_err(|e| malformed(format!("block {number} envelope"), e))?;
        let (payload, header) = payload_of(&env, &format!("block {number}"))?;
        if header.r#type != header_type::CONFIG {
            return Err(DecodeError::NotConfigBlock {
                number,
                channel: header.channel_id,
                kind: type_name(header.r#type),
                last_config: last_config(block)
                    .map(|n| format!("; its last config block is {n}"))
                    .unwrap_or_default(),
            });
        }
        let envelope = protos::ConfigEnvelope::decode(payload.data.as_slice())
            .map_err(|e| malformed(format!("block {number} ConfigEnvelope"), e))?;
        let config = envelope
            .config
            .ok_or_else(|| malformed(format!("block {number} ConfigEnvelope"), "no config"))?;
        let group = config.channel_group.unwrap_or_default();
        let source = if number == 0 {
            ConfigSource::GenesisBlock
        } else {
            ConfigSource::ConfigBlock { number }
        };
        Ok((source, header.channel_id, Some(config.sequence), group))
    }

    fn envelope(&mut self, env: &protos::Envelope) -> Result<Decoded, DecodeError> {
        let (payload, header) = payload_of(env, "transaction")?;
        match header.r#type {
            header_type::CONFIG_UPDATE => {
                let update_env = protos::ConfigUpdateEnvelope::decode(payload.data.as_slice())
                    .map_err(|e| malformed("ConfigUpdateEnvelope", e))?;
                let update = protos::ConfigUpdate::decode(update_env.config_update.as_slice())
                    .map_err(|e| malformed("ConfigUpdate", e))?;
                if update.channel_id.is_empty() {
                    return Err(malformed("ConfigUpdate", "no channel ID"));
                }
                if update.channel_id != header.channel_id {
                    return Err(malformed(
                        "ConfigUpdate",
                        format!(
                            "its channel ID {} differs from the header's {}",
                            update.channel_id, header.channel_id
                        ),
                    ));
                }
                let write = update
                    .write_set
                    .ok_or_else(|| malformed("ConfigUpdate", "no write set"))?;
                // configtxgen's channel creation transaction writes the Consortium value
                // (`encoder.NewChannelCreateConfigUpdate`); an anchor-peer update does not.
                self.partial = true;
                let source = if write.values.contains_key("Consortium") {
                    ConfigSource::ChannelCreation
                } else {
                    ConfigSource::ConfigUpdate
                };
                Ok((source, update.channel_id, None, write))
            }
            header_type::CONFIG => {
                let envelope = protos::ConfigEnvelope::decode(payload.data.as_slice())
                    .map_err(|e| malformed("ConfigEnvelope", e))?;
                let config = envelope
                    .config
                    .ok_or_else(|| malformed("ConfigEnvelope", "no config"))?;
                Ok((
                    ConfigSource::GenesisBlock,
                    header.channel_id,
                    Some(config.sequence),
                    config.channel_group.unwrap_or_default(),
                ))
            }
            other => Err(DecodeError::NotConfigTx(type_name(other))),
        }
    }

    fn channel(&mut self, group: &ConfigGroup, source: &ConfigSource) -> ChannelConfig {
        let path = "Channel";
        let mut config = ChannelConfig::new(Origin::default(), "", source.clone(), "");
        config.consortium = self
            .value::<protos::Consortium>(group, path, "Consortium")
            .map(|c| c.name);
        config.hashing_algorithm = self
            .value::<protos::HashingAlgorithm>(group, path, "HashingAlgorithm")
            .map(|h| h.name);
        config.orderer_addresses = self
            .value::<protos::OrdererAddresses>(group, path, "OrdererAddresses")
            .map(|a| a.addresses)
            .unwrap_or_default();
        config.capabilities.channel = self.capabilities(group, path).unwrap_or_default();
        self.policies(group, path, &mut config.policies);
        if let Some(orderer) = group.groups.get("Orderer") {
            let opath = "Channel/Orderer";
            config.capabilities.orderer = self.capabilities(orderer, opath);
            let mut section = OrdererSection::default();
            if let Some(ct) = self.value::<protos::ConsensusType>(orderer, opath, "ConsensusType") {
                section.consensus_state = Some(
                    match ct.state {
                        0 => "STATE_NORMAL",
                        1 => "STATE_MAINTENANCE",
                        _ => "unknown",
                    }
                    .into(),
                );
                match ct.r#type.as_str() {
                    "etcdraft" => {
                        match protos::RaftConfigMetadata::decode(ct.metadata.as_slice()) {
                            Ok(m) => section.raft = Some(self.raft(m)),
                            Err(e) => self.problems.push(format!(
                                "{opath} ConsensusType etcdraft metadata: failed to decode: {e}"
                            )),
                        }
                    }
                    "BFT" => {
                        let options = protos::BftOptions::decode(ct.metadata.as_slice())
                            .map_err(|e| {
                                self.problems.push(format!(
                                    "{opath} ConsensusType BFT metadata: failed to decode: {e}"
                                ))
                            })
                            .ok();
                        let orderers = self
                            .value::<protos::Orderers>(group, path, "Orderers")
                            .unwrap_or_default();
                        section.bft = Some(self.bft(orderers, options));
                    }
                    _ => {}
                }
                section.consensus_type = ct.r#type;
            }
            section.batch_size = self
                .value::<protos::BatchSize>(orderer, opath, "BatchSize")
                .map(|b| BatchSizeValue {
                    max_message_count: b.max_message_count,
                    absolute_max_bytes: b.absolute_max_bytes,
                    preferred_max_bytes: b.preferred_max_bytes,
                });
            section.batch_timeout = self
                .value::<protos::BatchTimeout>(orderer, opath, "BatchTimeout")
                .map(|b| b.timeout);
            section.kafka_brokers = self
                .value::<protos::KafkaBrokers>(orderer, opath, "KafkaBrokers")
                .map(|k| k.brokers)
                .unwrap_or_default();
            section.max_channels = self
                .value::<protos::ChannelRestrictions>(orderer, opath, "ChannelRestrictions")
                .map(|r| r.max_count);
            section.orgs = self.orgs(orderer, opath, &mut config.policies);
            self.policies(orderer, opath, &mut config.policies);
            config.orderer = Some(section);
        }
        if let Some(app) = group.groups.get("Application") {
            let apath = "Channel/Application";
            config.capabilities.application = self.capabilities(app, apath);
            let acls = app
                .values
                .get("ACLs")
                .map(|v| acl_names(&v.value))
                .unwrap_or_default();
            let orgs = self.orgs(app, apath, &mut config.policies);
            self.policies(app, apath, &mut config.policies);
            config.application = Some(ApplicationSection { orgs, acls });
        }
        if let Some(consortiums) = group.groups.get("Consortiums") {
            for (name, c) in &consortiums.groups {
                let cpath = format!("Channel/Consortiums/{name}");
                let orgs = self.orgs(c, &cpath, &mut config.policies);
                config.consortiums.push(ConsortiumSection {
                    name: name.clone(),
                    orgs,
                });
            }
        }
        config
    }

    /// A value decoded as `M`; `None` when absent, and a problem when it does not decode.
    fn value<M: Message + Default>(
        &mut self,
        group: &ConfigGroup,
        path: &str,
        key: &str,
    ) -> Option<M> {
        let v = group.values.get(key)?;
        if self.partial && v.value.is_empty() {
            return None;
        }
        match M::decode(v.value.as_slice()) {
            Ok(m) => Some(m),
            Err(e) => {
                self.problems
                    .push(format!("{path} value {key}: failed to decode: {e}"));
                None
            }
        }
    }

    fn capabilities(&mut self, group: &ConfigGroup, path: &str) -> Option<Vec<String>> {
        self.value::<protos::Capabilities>(group, path, "Capabilities")
            .map(|c| c.capabilities.into_keys().collect())
    }

    fn cert(&self, pem_bytes: &[u8], locator: String) -> ConfigCert {
        ConfigCert {
            facts: parse_pem_cert(pem_bytes, self.cache),
            locator,
        }
    }

    fn certs(&self, list: &[Vec<u8>], what: &str) -> Vec<ConfigCert> {
        list.iter()
            .enumerate()
            .map(|(i, c)| self.cert(c, format!("{what} {}", i + 1)))
            .collect()
    }

    /// A consenter's client and server TLS certificates.
    fn tls_pair(
        &self,
        at: &str,
        client: &[u8],
        server: &[u8],
    ) -> (Option<ConfigCert>, Option<ConfigCert>) {
        (
            Some(self.cert(client, format!("{at} client TLS certificate"))),
            Some(self.cert(server, format!("{at} server TLS certificate"))),
        )
    }

    fn raft(&self, m: protos::RaftConfigMetadata) -> RaftMetadata {
        let consenters = m
            .consenters
            .iter()
            .map(|c| {
                let at = format!("consenter {}:{}", c.host, c.port);
                let (client_tls_cert, server_tls_cert) =
                    self.tls_pair(&at, &c.client_tls_cert, &c.server_tls_cert);
                Consenter {
                    id: None,
                    host: c.host.clone(),
                    port: c.port,
                    msp_id: None,
                    identity: None,
                    client_tls_cert,
                    server_tls_cert,
                }
            })
            .collect();
        RaftMetadata {
            consenters,
            options: m.options.map(|o| RaftOptions {
                tick_interval: o.tick_interval,
                election_tick: o.election_tick,
                heartbeat_tick: o.heartbeat_tick,
                max_inflight_blocks: o.max_inflight_blocks,
                snapshot_interval_size: o.snapshot_interval_size,
            }),
        }
    }

    fn bft(&self, orderers: protos::Orderers, options: Option<protos::BftOptions>) -> BftMetadata {
        let consenters = orderers
            .consenter_mapping
            .iter()
            .map(|c| {
                let at = format!("consenter {} ({}:{})", c.id, c.host, c.port);
                let (client_tls_cert, server_tls_cert) =
                    self.tls_pair(&at, &c.client_tls_cert, &c.server_tls_cert);
                Consenter {
                    id: Some(c.id),
                    host: c.host.clone(),
                    port: c.port,
                    msp_id: Some(c.msp_id.clone()),
                    identity: Some(self.cert(&c.identity, format!("{at} identity"))),
                    client_tls_cert,
                    server_tls_cert,
                }
            })
            .collect();
        BftMetadata {
            consenters,
            request_batch_max_count: options.as_ref().map(|o| o.request_batch_max_count),
            request_batch_max_interval: options
                .as_ref()
                .map(|o| o.request_batch_max_interval.clone()),
            leader_rotation: options.as_ref().map(|o| {
                match o.leader_rotation {
                    1 => "ROTATION_OFF",
                    2 => "ROTATION_ON",
                    _ => "ROTATION_UNSPECIFIED",
                }
                .into()
            }),
        }
    }

    fn orgs(
        &mut self,
        section: &ConfigGroup,
        section_path: &str,
        policies: &mut Vec<PolicyEntry>,
    ) -> Vec<OrgConfig> {
        let mut out = Vec::new();
        for (name, g) in &section.groups {
            let path = format!("{section_path}/{name}");
            let msp = self
                .value::<protos::MspConfig>(g, &path, "MSP")
                .and_then(|m| self.msp(&m, &path));
            let anchor_peers = self
                .value::<protos::AnchorPeers>(g, &path, "AnchorPeers")
                .map(|a| {
                    a.anchor_peers
                        .into_iter()
                        .map(|p| format!("{}:{}", p.host, p.port))
                        .collect()
                })
                .unwrap_or_default();
            let orderer_endpoints = self
                .value::<protos::OrdererAddresses>(g, &path, "Endpoints")
                .map(|a| a.addresses)
                .unwrap_or_default();
            self.policies(g, &path, policies);
            out.push(OrgConfig {
                name: name.clone(),
                path,
                msp,
                anchor_peers,
                orderer_endpoints,
            });
        }
        out
    }

    fn msp(&mut self, m: &protos::MspConfig, path: &str) -> Option<OrgMsp> {
        if m.r#type == 1 {
            return Some(OrgMsp {
                kind: "IDEMIX".into(),
                ..OrgMsp::default()
            });
        }
        let f = match protos::FabricMspConfig::decode(m.config.as_slice()) {
            Ok(f) => f,
            Err(e) => {
                self.problems
                    .push(format!("{path} MSP: failed to decode FabricMSPConfig: {e}"));
                return None;
            }
        };
        let at = |what: &str| format!("{path} MSP {what}");
        let ou = |o: &Option<protos::FabricOuIdentifier>| {
            o.as_ref()
                .map(|o| o.organizational_unit_identifier.clone())
                .filter(|s| !s.is_empty())
        };
        Some(OrgMsp {
            msp_id: f.name.clone(),
            kind: "FABRIC".into(),
            root_certs: self.certs(&f.root_certs, &at("root certificate")),
            intermediate_certs: self.certs(&f.intermediate_certs, &at("intermediate certificate")),
            admins: self.certs(&f.admins, &at("admin certificate")),
            tls_root_certs: self.certs(&f.tls_root_certs, &at("TLS root certificate")),
            tls_intermediate_certs: self.certs(
                &f.tls_intermediate_certs,
                &at("TLS intermediate certificate"),
            ),
            revocation_lists: f.revocation_list.len(),
            node_ous: f.fabric_node_ous.as_ref().map(|n| NodeOus {
                enable: n.enable,
                client_ou: ou(&n.client_ou_identifier),
                peer_ou: ou(&n.peer_ou_identifier),
                admin_ou: ou(&n.admin_ou_identifier),
                orderer_ou: ou(&n.orderer_ou_identifier),
            }),
            ou_identifiers: f
                .organizational_unit_identifiers
                .iter()
                .map(|o| o.organizational_unit_identifier.clone())
                .collect(),
        })
    }

    fn policies(&mut self, group: &ConfigGroup, path: &str, out: &mut Vec<PolicyEntry>) {
        for (name, p) in &group.policies {
            let (kind, rule) = match &p.policy {
                None => ("none".to_owned(), String::new()),
                Some(policy) => describe_policy(policy),
            };
            out.push(PolicyEntry {
                path: path.to_owned(),
                name: name.clone(),
                kind,
                rule,
                mod_policy: p.mod_policy.clone(),
            });
        }
    }
}

/// The payload and channel header of an envelope.
fn payload_of(
    env: &protos::Envelope,
    what: &str,
) -> Result<(protos::Payload, protos::ChannelHeader), DecodeError> {
    let payload = protos::Payload::decode(env.payload.as_slice())
        .map_err(|e| malformed(format!("{what} payload"), e))?;
    let header = payload
        .header
        .as_ref()
        .ok_or_else(|| malformed(format!("{what} payload"), "no header"))?;
    let ch = protos::ChannelHeader::decode(header.channel_header.as_slice())
        .map_err(|e| malformed(format!("{what} channel header"), e))?;
    Ok((payload, ch))
}

/// The last config block a block points at: the LAST_CONFIG metadata (index 1, Fabric 1.4) or
/// the OrdererBlockMetadata in the SIGNATURES entry (index 0, Fabric 2.x).
fn last_config(block: &protos::Block) -> Option<u64> {
    let md = &block.metadata.as_ref()?.metadata;
    let from_signatures = md
        .first()
        .and_then(|m| protos::Metadata::decode(m.as_slice()).ok())
        .and_then(|m| protos::OrdererBlockMetadata::decode(m.value.as_slice()).ok())
        .and_then(|o| o.last_config)
        .map(|l| l.index);
    from_signatures.or_else(|| {
        md.get(1)
            .and_then(|m| protos::Metadata::decode(m.as_slice()).ok())
            .and_then(|m| protos::LastConfig::decode(m.value.as_slice()).ok())
            .map(|l| l.index)
    })
}

/// Parses the first certificate of PEM bytes (the channel config carries PEM).
pub fn parse_pem_cert(pem_bytes: &[u8], cache: &ParseCache) -> Result<Arc<CertFacts>, String> {
    let der = pem::blocks(pem_bytes)
        .into_iter()
        .find(|b| b.label == "CERTIFICATE")
        .ok_or_else(|| "no PEM CERTIFICATE block".to_owned())?
        .contents?;
    crate::inventory::CertRecord::parse_cached(
        &der,
        Origin::default(),
        crate::inventory::Layout::default(),
        cache,
    )
    .map(|r| r.facts)
}

/// The resource names of an `ACLs` value (`peer/configuration.proto` `ACLs`: a map of
/// resource name → APIResource, field 1).
fn acl_names(bytes: &[u8]) -> Vec<String> {
    #[derive(Clone, PartialEq, prost::Message)]
    struct Acls {
        #[prost(btree_map = "string, message", tag = "1")]
        acls: std::collections::BTreeMap<String, ApiResource>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct ApiResource {
        #[prost(string, tag = "1")]
        policy_ref: String,
    }
    Acls::decode(bytes)
        .map(|a| a.acls.into_keys().collect())
        .unwrap_or_default()
}

/// A policy as configtx.yaml writes it: `OR('Org1MSP.admin')`, `MAJORITY Admins`.
fn describe_policy(policy: &protos::Policy) -> (String, String) {
    match policy.r#type {
        1 => match protos::SignaturePolicyEnvelope::decode(policy.value.as_slice()) {
            Ok(env) => (
                "Signature".into(),
                env.rule
                    .as_ref()
                    .map(|r| signature_rule(r, &env.identities))
                    .unwrap_or_default(),
            ),
            Err(e) => ("Signature".into(), format!("undecodable: {e}")),
        },
        3 => match protos::ImplicitMetaPolicy::decode(policy.value.as_slice()) {
            Ok(p) => {
                let rule = match p.rule {
                    0 => "ANY",
                    1 => "ALL",
                    2 => "MAJORITY",
                    _ => "UNKNOWN",
                };
                ("ImplicitMeta".into(), format!("{rule} {}", p.sub_policy))
            }
            Err(e) => ("ImplicitMeta".into(), format!("undecodable: {e}")),
        },
        2 => ("MSP".into(), String::new()),
        other => (format!("type {other}"), String::new()),
    }
}

fn signature_rule(rule: &protos::SignaturePolicy, ids: &[protos::MspPrincipal]) -> String {
    use protos::signature_policy::Type;
    match &rule.r#type {
        Some(Type::SignedBy(i)) => usize::try_from(*i)
            .ok()
            .and_then(|i| ids.get(i))
            .map(principal)
            .unwrap_or_else(|| format!("'<identity {i}>'")),
        Some(Type::NOutOf(n)) => {
            let parts: Vec<String> = n.rules.iter().map(|r| signature_rule(r, ids)).collect();
            let joined = parts.join(", ");
            match usize::try_from(n.n) {
                Ok(1) => format!("OR({joined})"),
                Ok(k) if k == parts.len() => format!("AND({joined})"),
                _ => format!("OutOf({}, {joined})", n.n),
            }
        }
        None => String::new(),
    }
}

fn principal(p: &protos::MspPrincipal) -> String {
    match p.principal_classification {
        0 => match protos::MspRole::decode(p.principal.as_slice()) {
            Ok(r) => {
                let role = match r.role {
                    0 => "member",
                    1 => "admin",
                    2 => "client",
                    3 => "peer",
                    4 => "orderer",
                    _ => "unknown",
                };
                format!("'{}.{role}'", r.msp_identifier)
            }
            Err(_) => "'<undecodable role>'".into(),
        },
        1 => match protos::OrganizationUnit::decode(p.principal.as_slice()) {
            Ok(o) => format!(
                "'{}.OU:{}'",
                o.msp_identifier, o.organizational_unit_identifier
            ),
            Err(_) => "'<undecodable OU>'".into(),
        },
        2 => "'<identity>'".into(),
        other => format!("'<principal {other}>'"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn pem(cn: &str) -> Vec<u8> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let mut params = rcgen::CertificateParams::new(vec![cn.to_owned()]).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.self_signed(&key).expect("cert").pem().into_bytes()
    }

    /// A block whose one transaction has this header and data, and this metadata.
    fn block_of(
        number: u64,
        header: protos::ChannelHeader,
        data: Vec<u8>,
        metadata: Option<protos::BlockMetadata>,
    ) -> Vec<u8> {
        let payload = protos::Payload {
            header: Some(protos::Header {
                channel_header: header.encode_to_vec(),
                signature_header: Vec::new(),
            }),
            data,
        };
        protos::Block {
            header: Some(protos::BlockHeader {
                number,
                ..protos::BlockHeader::default()
            }),
            data: Some(protos::BlockData {
                data: vec![
                    protos::Envelope {
                        payload: payload.encode_to_vec(),
                        signature: Vec::new(),
                    }
                    .encode_to_vec(),
                ],
            }),
            metadata,
        }
        .encode_to_vec()
    }

    fn value(m: impl Message) -> protos::ConfigValue {
        protos::ConfigValue {
            version: 0,
            value: m.encode_to_vec(),
            mod_policy: "Admins".into(),
        }
    }

    /// A Fabric 3.x BFT channel: consenters in the channel's `Orderers` value, the SmartBFT
    /// options as the ConsensusType metadata (`common/configuration.proto`,
    /// `orderer/smartbft/configuration.proto`).
    fn bft_block(n: u32) -> Vec<u8> {
        let orderers = protos::Orderers {
            consenter_mapping: (1..=n)
                .map(|id| protos::BftConsenter {
                    id,
                    host: format!("orderer{id}.example.com"),
                    port: 7050,
                    msp_id: "OrdererMSP".into(),
                    identity: pem(&format!("orderer{id}")),
                    client_tls_cert: pem(&format!("orderer{id}.example.com")),
                    server_tls_cert: pem(&format!("orderer{id}.example.com")),
                })
                .collect(),
        };
        let options = protos::BftOptions {
            request_batch_max_count: 100,
            request_batch_max_interval: "50ms".into(),
            leader_rotation: 2,
            ..protos::BftOptions::default()
        };
        let orderer = ConfigGroup {
            values: BTreeMap::from([(
                "ConsensusType".to_owned(),
                value(protos::ConsensusType {
                    r#type: "BFT".into(),
                    metadata: options.encode_to_vec(),
                    state: 0,
                }),
            )]),
            ..ConfigGroup::default()
        };
        let channel = ConfigGroup {
            groups: BTreeMap::from([("Orderer".to_owned(), orderer)]),
            values: BTreeMap::from([("Orderers".to_owned(), value(orderers))]),
            ..ConfigGroup::default()
        };
        let header = protos::ChannelHeader {
            r#type: header_type::CONFIG,
            channel_id: "bftchannel".into(),
            ..protos::ChannelHeader::default()
        };
        let data = protos::ConfigEnvelope {
            config: Some(protos::Config {
                sequence: 0,
                channel_group: Some(channel),
            }),
            last_update: None,
        }
        .encode_to_vec();
        block_of(0, header, data, None)
    }

    #[test]
    fn a_bft_channel_decodes_with_its_consenters_and_options() {
        let c = decode(&bft_block(4), Origin::file("bft.block"), ".").expect("decodes");
        assert_eq!(c.source, ConfigSource::GenesisBlock);
        let (kind, consenters) = c.consenters().expect("consenters");
        assert_eq!(kind, "BFT");
        assert_eq!(consenters.len(), 4);
        assert_eq!(consenters[3].id, Some(4));
        assert_eq!(consenters[3].msp_id.as_deref(), Some("OrdererMSP"));
        let identity = consenters[3]
            .identity
            .as_ref()
            .unwrap()
            .facts
            .as_ref()
            .unwrap();
        assert!(identity.subject.contains("orderer4"));
        let bft = c.orderer.as_ref().unwrap().bft.as_ref().unwrap();
        assert_eq!(bft.request_batch_max_count, Some(100));
        assert_eq!(bft.leader_rotation.as_deref(), Some("ROTATION_ON"));
        // RAFT-001 applies n >= 3f + 1 to it.
        assert_eq!(
            crate::checks::raft::consenter_count::judge(kind, consenters.len()).0,
            crate::finding::Status::Pass
        );
    }

    #[test]
    fn a_block_of_transactions_names_its_last_config_block() {
        let header = protos::ChannelHeader {
            r#type: header_type::ENDORSER_TRANSACTION,
            channel_id: "mychannel".into(),
            ..protos::ChannelHeader::default()
        };
        let last = protos::Metadata {
            value: protos::LastConfig { index: 2 }.encode_to_vec(),
            signatures: Vec::new(),
        };
        let block = block_of(
            7,
            header,
            Vec::new(),
            Some(protos::BlockMetadata {
                metadata: vec![Vec::new(), last.encode_to_vec()],
            }),
        );
        let err = decode(&block, Origin::file("b"), ".").unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to find a channel configuration: block 7 of channel mychannel holds ENDORSER_TRANSACTION transactions; its last config block is 2"
        );
    }
}
