//! Fabric blocks built the way configtxgen and the orderer build them: a block whose one data
//! entry is a CONFIG envelope holding a `ConfigEnvelope` (Fabric `protoutil`, `configtxgen
//! encoder`), with the channel, orderer, application and consortium groups, their values and
//! policies. Encoded with fabcheck's own protobuf messages; shared by the channel fixture
//! generator (`cargo run --example regen-channel-fixtures`) and the channel benchmark's
//! generator, each including this file by path.

#![allow(dead_code)]

use std::collections::BTreeMap;

use fabcheck::inventory::channel::protos::{self, ConfigGroup, ConfigPolicy, ConfigValue};
use prost::Message;

/// One organization's MSP as a channel carries it (certificates as PEM).
#[derive(Clone, Default)]
pub struct OrgSpec {
    pub name: String,
    pub root_pems: Vec<String>,
    pub tls_root_pems: Vec<String>,
    pub admin_pems: Vec<String>,
    /// NodeOUs enabled with client/peer/admin/orderer OUs.
    pub node_ous: bool,
    pub anchor_peers: Vec<(String, i32)>,
    /// Fabric 2.x per-org orderer endpoints.
    pub endpoints: Vec<String>,
}

#[derive(Clone)]
pub struct ConsenterSpec {
    pub host: String,
    pub port: u32,
    pub client_pem: String,
    pub server_pem: String,
}

/// A channel's configuration.
#[derive(Clone)]
pub struct ChannelSpec {
    pub channel_id: String,
    pub number: u64,
    pub consensus: String,
    pub kafka_brokers: Vec<String>,
    pub consenters: Vec<ConsenterSpec>,
    /// TickInterval, ElectionTick, HeartbeatTick, MaxInflightBlocks, SnapshotIntervalSize.
    pub raft_options: (String, u32, u32, u32, u32),
    /// MaxMessageCount, AbsoluteMaxBytes, PreferredMaxBytes.
    pub batch: (u32, u32, u32),
    pub orderer_addresses: Vec<String>,
    pub orderer_orgs: Vec<OrgSpec>,
    pub application_orgs: Option<Vec<OrgSpec>>,
    /// A system channel's consortium (SampleConsortium) and its orgs.
    pub consortium_orgs: Option<Vec<OrgSpec>>,
    pub channel_caps: Vec<String>,
    pub orderer_caps: Vec<String>,
    pub application_caps: Vec<String>,
    /// Policies as configtx.yaml writes them, by group path (`Channel/Application/Org1MSP`):
    /// (name, `Signature` or `ImplicitMeta`, rule). Groups not listed get the sample defaults.
    pub policies: BTreeMap<String, Vec<(String, String, String)>>,
}

impl ChannelSpec {
    /// configtxgen's sample defaults: etcdraft options 500ms/10/1/5/16 MB, batch 10/99 MB/512 KB.
    pub fn new(channel_id: &str, consensus: &str) -> ChannelSpec {
        ChannelSpec {
            channel_id: channel_id.into(),
            number: 0,
            consensus: consensus.into(),
            kafka_brokers: Vec::new(),
            consenters: Vec::new(),
            raft_options: ("500ms".into(), 10, 1, 5, 16 * 1024 * 1024),
            batch: (10, 99 * 1024 * 1024, 512 * 1024),
            orderer_addresses: Vec::new(),
            orderer_orgs: Vec::new(),
            application_orgs: None,
            consortium_orgs: None,
            channel_caps: vec!["V1_4_3".into()],
            orderer_caps: vec!["V1_4_2".into()],
            application_caps: vec!["V1_4_2".into()],
            policies: BTreeMap::new(),
        }
    }
}

fn value(m: impl Message) -> ConfigValue {
    ConfigValue {
        version: 0,
        value: m.encode_to_vec(),
        mod_policy: "Admins".into(),
    }
}

fn caps(names: &[String]) -> ConfigValue {
    value(protos::Capabilities {
        capabilities: names
            .iter()
            .map(|n| (n.clone(), protos::Capability {}))
            .collect(),
    })
}

fn implicit(rule: i32, sub: &str) -> ConfigPolicy {
    ConfigPolicy {
        version: 0,
        policy: Some(protos::Policy {
            r#type: 3,
            value: protos::ImplicitMetaPolicy {
                sub_policy: sub.into(),
                rule,
            }
            .encode_to_vec(),
        }),
        mod_policy: "Admins".into(),
    }
}

fn standard_policies() -> BTreeMap<String, ConfigPolicy> {
    BTreeMap::from([
        ("Readers".into(), implicit(0, "Readers")),
        ("Writers".into(), implicit(0, "Writers")),
        ("Admins".into(), implicit(2, "Admins")),
    ])
}

/// `OR('<msp>.<role>')` as configtxgen encodes it.
fn signed_by_role(msp: &str, role: i32) -> ConfigPolicy {
    use protos::signature_policy::{NOutOf, Type};
    let principal = protos::MspPrincipal {
        principal_classification: 0,
        principal: protos::MspRole {
            msp_identifier: msp.into(),
            role,
        }
        .encode_to_vec(),
    };
    let env = protos::SignaturePolicyEnvelope {
        version: 0,
        rule: Some(protos::SignaturePolicy {
            r#type: Some(Type::NOutOf(NOutOf {
                n: 1,
                rules: vec![protos::SignaturePolicy {
                    r#type: Some(Type::SignedBy(0)),
                }],
            })),
        }),
        identities: vec![principal],
    };
    ConfigPolicy {
        version: 0,
        policy: Some(protos::Policy {
            r#type: 1,
            value: env.encode_to_vec(),
        }),
        mod_policy: "Admins".into(),
    }
}

fn ou(name: &str, ca: &str) -> Option<protos::FabricOuIdentifier> {
    Some(protos::FabricOuIdentifier {
        certificate: ca.as_bytes().to_vec(),
        organizational_unit_identifier: name.into(),
    })
}

/// Which group an org sits in: configtxgen writes AnchorPeers only for application orgs and
/// Endpoints only for orderer orgs; a consortium org carries its MSP alone (1.4 `encoder`:
/// NewApplicationOrgGroup, NewOrdererOrgGroup, NewConsortiumOrgGroup) — configtxgen
/// `-inspectBlock` refuses anything else ("unknown Consortium Org ConfigValue name").
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Orderer,
    Application,
    Consortium,
}

/// An org's `AnchorPeers` value.
fn anchor_peers(org: &OrgSpec) -> ConfigValue {
    value(protos::AnchorPeers {
        anchor_peers: org
            .anchor_peers
            .iter()
            .map(|(host, port)| protos::AnchorPeer {
                host: host.clone(),
                port: *port,
            })
            .collect(),
    })
}

fn org_group(org: &OrgSpec, section: Section) -> ConfigGroup {
    let ca = org.root_pems.first().cloned().unwrap_or_default();
    let msp = protos::FabricMspConfig {
        name: org.name.clone(),
        root_certs: org
            .root_pems
            .iter()
            .map(|p| p.as_bytes().to_vec())
            .collect(),
        intermediate_certs: Vec::new(),
        admins: org
            .admin_pems
            .iter()
            .map(|p| p.as_bytes().to_vec())
            .collect(),
        revocation_list: Vec::new(),
        organizational_unit_identifiers: Vec::new(),
        crypto_config: Some(protos::FabricCryptoConfig {
            signature_hash_family: "SHA2".into(),
            identity_identifier_hash_function: "SHA256".into(),
        }),
        tls_root_certs: org
            .tls_root_pems
            .iter()
            .map(|p| p.as_bytes().to_vec())
            .collect(),
        tls_intermediate_certs: Vec::new(),
        fabric_node_ous: org.node_ous.then(|| protos::FabricNodeOus {
            enable: true,
            client_ou_identifier: ou("client", &ca),
            peer_ou_identifier: ou("peer", &ca),
            admin_ou_identifier: ou("admin", &ca),
            orderer_ou_identifier: ou("orderer", &ca),
        }),
    };
    let mut values = BTreeMap::from([(
        "MSP".to_owned(),
        value(protos::MspConfig {
            r#type: 0,
            config: msp.encode_to_vec(),
        }),
    )]);
    if section == Section::Application && !org.anchor_peers.is_empty() {
        values.insert("AnchorPeers".into(), anchor_peers(org));
    }
    if section == Section::Orderer && !org.endpoints.is_empty() {
        values.insert(
            "Endpoints".into(),
            value(protos::OrdererAddresses {
                addresses: org.endpoints.clone(),
            }),
        );
    }
    ConfigGroup {
        version: 0,
        groups: BTreeMap::new(),
        values,
        policies: BTreeMap::from([
            ("Admins".into(), signed_by_role(&org.name, 1)),
            ("Readers".into(), signed_by_role(&org.name, 0)),
            ("Writers".into(), signed_by_role(&org.name, 0)),
        ]),
        mod_policy: "Admins".into(),
    }
}

fn orgs_group(
    orgs: &[OrgSpec],
    section: Section,
    values: BTreeMap<String, ConfigValue>,
) -> ConfigGroup {
    ConfigGroup {
        version: 0,
        groups: orgs
            .iter()
            .map(|o| (o.name.clone(), org_group(o, section)))
            .collect(),
        values,
        policies: standard_policies(),
        mod_policy: "Admins".into(),
    }
}

/// The channel group of `spec`.
pub fn channel_group(spec: &ChannelSpec) -> ConfigGroup {
    let metadata = match spec.consensus.as_str() {
        "etcdraft" => protos::RaftConfigMetadata {
            consenters: spec
                .consenters
                .iter()
                .map(|c| protos::RaftConsenter {
                    host: c.host.clone(),
                    port: c.port,
                    client_tls_cert: c.client_pem.as_bytes().to_vec(),
                    server_tls_cert: c.server_pem.as_bytes().to_vec(),
                })
                .collect(),
            options: Some(protos::RaftOptions {
                tick_interval: spec.raft_options.0.clone(),
                election_tick: spec.raft_options.1,
                heartbeat_tick: spec.raft_options.2,
                max_inflight_blocks: spec.raft_options.3,
                snapshot_interval_size: spec.raft_options.4,
            }),
        }
        .encode_to_vec(),
        _ => Vec::new(),
    };
    let mut orderer_values = BTreeMap::from([
        (
            "ConsensusType".to_owned(),
            value(protos::ConsensusType {
                r#type: spec.consensus.clone(),
                metadata,
                state: 0,
            }),
        ),
        (
            "BatchSize".to_owned(),
            value(protos::BatchSize {
                max_message_count: spec.batch.0,
                absolute_max_bytes: spec.batch.1,
                preferred_max_bytes: spec.batch.2,
            }),
        ),
        (
            "BatchTimeout".to_owned(),
            value(protos::BatchTimeout {
                timeout: "2s".into(),
            }),
        ),
        ("Capabilities".to_owned(), caps(&spec.orderer_caps)),
    ]);
    if spec.consensus == "kafka" {
        orderer_values.insert(
            "KafkaBrokers".into(),
            value(protos::KafkaBrokers {
                brokers: spec.kafka_brokers.clone(),
            }),
        );
    }
    let mut groups = BTreeMap::from([(
        "Orderer".to_owned(),
        orgs_group(&spec.orderer_orgs, Section::Orderer, orderer_values),
    )]);
    if let Some(app) = &spec.application_orgs {
        groups.insert(
            "Application".into(),
            orgs_group(
                app,
                Section::Application,
                BTreeMap::from([("Capabilities".to_owned(), caps(&spec.application_caps))]),
            ),
        );
    }
    if let Some(members) = &spec.consortium_orgs {
        groups.insert(
            "Consortiums".into(),
            ConfigGroup {
                version: 0,
                groups: BTreeMap::from([(
                    "SampleConsortium".to_owned(),
                    orgs_group(members, Section::Consortium, BTreeMap::new()),
                )]),
                values: BTreeMap::new(),
                policies: BTreeMap::new(),
                mod_policy: "/Channel/Orderer/Admins".into(),
            },
        );
    }
    let mut values = BTreeMap::from([
        (
            "HashingAlgorithm".to_owned(),
            value(protos::HashingAlgorithm {
                name: "SHA256".into(),
            }),
        ),
        (
            "BlockDataHashingStructure".to_owned(),
            value(protos::BlockDataHashingStructure { width: u32::MAX }),
        ),
        ("Capabilities".to_owned(), caps(&spec.channel_caps)),
    ]);
    if !spec.orderer_addresses.is_empty() {
        values.insert(
            "OrdererAddresses".into(),
            value(protos::OrdererAddresses {
                addresses: spec.orderer_addresses.clone(),
            }),
        );
    }
    ConfigGroup {
        version: 0,
        groups,
        values,
        policies: standard_policies(),
        mod_policy: "Admins".into(),
    }
}

/// A config block (block `spec.number`) carrying `group`, as the orderer writes it.
pub fn block_of(spec: &ChannelSpec, group: ConfigGroup) -> Vec<u8> {
    let header = protos::ChannelHeader {
        r#type: protos::header_type::CONFIG,
        version: 0,
        timestamp: Some(protos::Timestamp {
            seconds: 1_577_836_800,
            nanos: 0,
        }),
        channel_id: spec.channel_id.clone(),
        tx_id: String::new(),
        epoch: 0,
        extension: Vec::new(),
        tls_cert_hash: Vec::new(),
    };
    let payload = protos::Payload {
        header: Some(protos::Header {
            channel_header: header.encode_to_vec(),
            signature_header: Vec::new(),
        }),
        data: protos::ConfigEnvelope {
            config: Some(protos::Config {
                sequence: spec.number,
                channel_group: Some(group),
            }),
            last_update: None,
        }
        .encode_to_vec(),
    };
    let env = protos::Envelope {
        payload: payload.encode_to_vec(),
        signature: Vec::new(),
    };
    protos::Block {
        header: Some(protos::BlockHeader {
            number: spec.number,
            previous_hash: Vec::new(),
            data_hash: Vec::new(),
        }),
        data: Some(protos::BlockData {
            data: vec![env.encode_to_vec()],
        }),
        metadata: Some(protos::BlockMetadata {
            metadata: vec![Vec::new(); 4],
        }),
    }
    .encode_to_vec()
}

/// `spec` as a block.
pub fn block(spec: &ChannelSpec) -> Vec<u8> {
    block_of(spec, channel_group(spec))
}

/// `spec` as a block, with the policies `spec.policies` writes (configtxgen fails on a rule it
/// cannot parse, and so does this).
pub fn block_with_policies(spec: &ChannelSpec) -> Result<Vec<u8>, String> {
    let mut group = channel_group(spec);
    apply_policies(&mut group, "Channel", &spec.policies)?;
    Ok(block_of(spec, group))
}

/// A policy written as configtx.yaml writes it, encoded as configtxgen encodes it: `ANY
/// Readers` as an ImplicitMetaPolicy, `OR('Org1MSP.admin', 'Org1MSP.peer')` as a
/// SignaturePolicyEnvelope (Fabric `common/cauthdsl` `FromString`: principals numbered in the
/// order they first appear).
pub fn policy_from(kind: &str, rule: &str) -> Result<ConfigPolicy, String> {
    let policy = match kind {
        "ImplicitMeta" => {
            let (how, sub) = rule
                .trim()
                .split_once(' ')
                .ok_or_else(|| format!("'{rule}' is not an implicit meta policy"))?;
            let how = match how {
                "ANY" => 0,
                "ALL" => 1,
                "MAJORITY" => 2,
                other => return Err(format!("unknown implicit meta rule {other}")),
            };
            protos::Policy {
                r#type: 3,
                value: protos::ImplicitMetaPolicy {
                    sub_policy: sub.trim().into(),
                    rule: how,
                }
                .encode_to_vec(),
            }
        }
        "Signature" => {
            let mut identities = Vec::new();
            let mut rest = rule.trim();
            let rule = signature(&mut rest, &mut identities)?;
            if !rest.trim().is_empty() {
                return Err(format!("trailing text '{rest}' in policy"));
            }
            protos::Policy {
                r#type: 1,
                value: protos::SignaturePolicyEnvelope {
                    version: 0,
                    rule: Some(rule),
                    identities,
                }
                .encode_to_vec(),
            }
        }
        other => return Err(format!("unknown policy type {other}")),
    };
    Ok(ConfigPolicy {
        version: 0,
        policy: Some(policy),
        mod_policy: "Admins".into(),
    })
}

/// One `OR(…)`, `AND(…)`, `OutOf(n, …)` or `'MSP.role'` from the front of `rest`.
fn signature(
    rest: &mut &str,
    identities: &mut Vec<protos::MspPrincipal>,
) -> Result<protos::SignaturePolicy, String> {
    use protos::signature_policy::{NOutOf, Type};
    *rest = rest.trim_start();
    if let Some(quoted) = rest.strip_prefix('\'') {
        let end = quoted.find('\'').ok_or("unterminated principal")?;
        let (msp, role) = quoted[..end]
            .rsplit_once('.')
            .ok_or_else(|| format!("principal '{}' has no role", &quoted[..end]))?;
        let role = match role.to_ascii_lowercase().as_str() {
            "member" => 0,
            "admin" => 1,
            "client" => 2,
            "peer" => 3,
            "orderer" => 4,
            other => return Err(format!("unknown role {other}")),
        };
        let principal = protos::MspPrincipal {
            principal_classification: 0,
            principal: protos::MspRole {
                msp_identifier: msp.into(),
                role,
            }
            .encode_to_vec(),
        };
        let index = match identities.iter().position(|p| *p == principal) {
            Some(i) => i,
            None => {
                identities.push(principal);
                identities.len() - 1
            }
        };
        *rest = &quoted[end + 1..];
        return Ok(protos::SignaturePolicy {
            r#type: Some(Type::SignedBy(index as i32)),
        });
    }
    let open = rest
        .find('(')
        .ok_or_else(|| format!("'{rest}' is not a policy"))?;
    let op = rest[..open].trim().to_owned();
    *rest = &rest[open + 1..];
    let mut n = None;
    if op.eq_ignore_ascii_case("OutOf") {
        let comma = rest.find(',').ok_or("OutOf needs a count")?;
        n = Some(
            rest[..comma]
                .trim()
                .parse::<i32>()
                .map_err(|e| e.to_string())?,
        );
        *rest = &rest[comma + 1..];
    }
    let mut rules = Vec::new();
    loop {
        rules.push(signature(rest, identities)?);
        *rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            *rest = r;
        } else if let Some(r) = rest.strip_prefix(')') {
            *rest = r;
            break;
        } else {
            return Err(format!("expected , or ) at '{rest}'"));
        }
    }
    let n = match op.to_ascii_uppercase().as_str() {
        "OR" => 1,
        "AND" => rules.len() as i32,
        "OUTOF" => n.unwrap_or(1),
        other => return Err(format!("unknown operator {other}")),
    };
    Ok(protos::SignaturePolicy {
        r#type: Some(Type::NOutOf(NOutOf { n, rules })),
    })
}

/// Replaces the policies of every group `spec.policies` lists, below `path`.
fn apply_policies(
    group: &mut ConfigGroup,
    path: &str,
    policies: &BTreeMap<String, Vec<(String, String, String)>>,
) -> Result<(), String> {
    if let Some(list) = policies.get(path) {
        let mut parsed = BTreeMap::new();
        for (name, kind, rule) in list {
            parsed.insert(
                name.clone(),
                policy_from(kind, rule).map_err(|e| format!("{path} policy {name}: {e}"))?,
            );
        }
        group.policies = parsed;
    }
    for (name, sub) in &mut group.groups {
        apply_policies(sub, &format!("{path}/{name}"), policies)?;
    }
    Ok(())
}

/// PEM of a DER certificate.
fn pem_of(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn pems(certs: &[fabcheck::inventory::channel::ConfigCert]) -> Vec<String> {
    certs
        .iter()
        .filter_map(|c| c.facts.as_ref().ok())
        .map(|f| pem_of(&f.der))
        .collect()
}

fn org_spec(org: &fabcheck::inventory::channel::OrgConfig) -> OrgSpec {
    let msp = org.msp.clone().unwrap_or_default();
    OrgSpec {
        name: org.name.clone(),
        root_pems: pems(&msp.root_certs),
        tls_root_pems: pems(&msp.tls_root_certs),
        admin_pems: pems(&msp.admins),
        node_ous: msp.node_ous.as_ref().is_some_and(|n| n.enable),
        anchor_peers: org
            .anchor_peers
            .iter()
            .filter_map(|a| {
                let (host, port) = a.rsplit_once(':')?;
                Some((host.to_owned(), port.parse().ok()?))
            })
            .collect(),
        endpoints: org.orderer_endpoints.clone(),
    }
}

/// A configtx.yaml profile, as fabcheck reads it, in the form configtxgen encodes it for
/// channel `channel_id`.
pub fn spec_from(
    config: &fabcheck::inventory::channel::ChannelConfig,
    channel_id: &str,
) -> ChannelSpec {
    let mut spec = ChannelSpec::new(channel_id, "solo");
    spec.channel_caps = config.capabilities.channel.clone();
    spec.orderer_caps = config.capabilities.orderer.clone().unwrap_or_default();
    spec.application_caps = config.capabilities.application.clone().unwrap_or_default();
    spec.orderer_addresses = config.orderer_addresses.clone();
    if let Some(o) = &config.orderer {
        spec.consensus = o.consensus_type.clone();
        spec.kafka_brokers = o.kafka_brokers.clone();
        if let Some(b) = o.batch_size {
            spec.batch = (
                b.max_message_count,
                b.absolute_max_bytes,
                b.preferred_max_bytes,
            );
        }
        if let Some(raft) = &o.raft {
            let pem = |c: &Option<fabcheck::inventory::channel::ConfigCert>| {
                c.as_ref()
                    .and_then(|c| c.facts.as_ref().ok())
                    .map(|f| pem_of(&f.der))
                    .unwrap_or_default()
            };
            spec.consenters = raft
                .consenters
                .iter()
                .map(|k| ConsenterSpec {
                    host: k.host.clone(),
                    port: k.port,
                    client_pem: pem(&k.client_tls_cert),
                    server_pem: pem(&k.server_tls_cert),
                })
                .collect();
            if let Some(opts) = &raft.options {
                spec.raft_options = (
                    opts.tick_interval.clone(),
                    opts.election_tick,
                    opts.heartbeat_tick,
                    opts.max_inflight_blocks,
                    opts.snapshot_interval_size,
                );
            }
        }
        spec.orderer_orgs = o.orgs.iter().map(org_spec).collect();
    }
    spec.application_orgs = config
        .application
        .as_ref()
        .map(|a| a.orgs.iter().map(org_spec).collect());
    spec.consortium_orgs = config
        .consortiums
        .first()
        .map(|c| c.orgs.iter().map(org_spec).collect());
    for p in &config.policies {
        spec.policies.entry(p.path.clone()).or_default().push((
            p.name.clone(),
            p.kind.clone(),
            p.rule.clone(),
        ));
    }
    spec
}

/// A CONFIG_UPDATE envelope for `channel_id` writing `write_set`.
fn config_update_tx(channel_id: &str, write_set: ConfigGroup) -> Vec<u8> {
    let header = protos::ChannelHeader {
        r#type: protos::header_type::CONFIG_UPDATE,
        version: 0,
        timestamp: Some(protos::Timestamp {
            seconds: 1_577_836_800,
            nanos: 0,
        }),
        channel_id: channel_id.into(),
        tx_id: String::new(),
        epoch: 0,
        extension: Vec::new(),
        tls_cert_hash: Vec::new(),
    };
    let update = protos::ConfigUpdate {
        channel_id: channel_id.into(),
        read_set: Some(ConfigGroup::default()),
        write_set: Some(write_set),
        isolated_data: BTreeMap::new(),
    };
    let payload = protos::Payload {
        header: Some(protos::Header {
            channel_header: header.encode_to_vec(),
            signature_header: Vec::new(),
        }),
        data: protos::ConfigUpdateEnvelope {
            config_update: update.encode_to_vec(),
            signatures: Vec::new(),
        }
        .encode_to_vec(),
    };
    protos::Envelope {
        payload: payload.encode_to_vec(),
        signature: Vec::new(),
    }
    .encode_to_vec()
}

/// `configtxgen -outputCreateChannelTx`: the Application group with the member orgs (by
/// reference: their definitions come from the consortium) and the Consortium value
/// (`encoder.NewChannelCreateConfigUpdate`).
pub fn channel_creation_tx(spec: &ChannelSpec, consortium: &str) -> Vec<u8> {
    let orgs = spec.application_orgs.clone().unwrap_or_default();
    let application = ConfigGroup {
        version: 1,
        groups: orgs
            .iter()
            .map(|o| {
                (
                    o.name.clone(),
                    ConfigGroup {
                        mod_policy: "Admins".into(),
                        ..ConfigGroup::default()
                    },
                )
            })
            .collect(),
        values: BTreeMap::from([("Capabilities".to_owned(), caps(&spec.application_caps))]),
        policies: standard_policies(),
        mod_policy: "Admins".into(),
    };
    let write = ConfigGroup {
        version: 0,
        groups: BTreeMap::from([("Application".to_owned(), application)]),
        values: BTreeMap::from([(
            "Consortium".to_owned(),
            value(protos::Consortium {
                name: consortium.into(),
            }),
        )]),
        policies: BTreeMap::new(),
        mod_policy: String::new(),
    };
    config_update_tx(&spec.channel_id, write)
}

/// `configtxgen -outputAnchorPeersUpdate -asOrg ORG`: the org's AnchorPeers value; its MSP is
/// only referenced (an empty value at the current version).
pub fn anchor_peers_tx(channel_id: &str, org: &OrgSpec) -> Vec<u8> {
    let org_group = ConfigGroup {
        version: 1,
        groups: BTreeMap::new(),
        values: BTreeMap::from([
            ("AnchorPeers".to_owned(), anchor_peers(org)),
            (
                "MSP".to_owned(),
                ConfigValue {
                    version: 0,
                    value: Vec::new(),
                    mod_policy: String::new(),
                },
            ),
        ]),
        policies: BTreeMap::new(),
        mod_policy: "Admins".into(),
    };
    let write = ConfigGroup {
        version: 0,
        groups: BTreeMap::from([(
            "Application".to_owned(),
            ConfigGroup {
                version: 0,
                groups: BTreeMap::from([(org.name.clone(), org_group)]),
                values: BTreeMap::new(),
                policies: BTreeMap::new(),
                mod_policy: String::new(),
            },
        )]),
        values: BTreeMap::new(),
        policies: BTreeMap::new(),
        mod_policy: String::new(),
    };
    config_update_tx(channel_id, write)
}
