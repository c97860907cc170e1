//! configtx.yaml profiles → [`ChannelConfig`], as configtxgen builds a genesis block or channel
//! transaction from them (Fabric 1.4 `common/tools/configtxgen/localconfig/config.go` and
//! `encoder/encoder.go`; 2.x `internal/configtxgen`): organizations by `Name` with the MSP read
//! from `MSPDir`, consenter certificates read from their files, paths relative to the folder of
//! configtx.yaml (`translatePaths`). Anchors and merge keys are already resolved by the YAML
//! reader. A path that is templated or missing leaves that part unknown, never guessed.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;
use crate::inventory::cert::ParseCache;
use crate::inventory::ordering::configtx::parse_byte_size;
use crate::inventory::ordering::yaml::{YamlFile, scalar};

/// Every profile of every configtx.yaml among `docs`.
pub fn gather(docs: &[YamlFile]) -> Vec<ChannelConfig> {
    gather_from(docs, true)
}

/// Profiles of configtx.yaml files stored in ConfigMaps or Secrets (what a genesis Job feeds
/// configtxgen). Their paths name files inside the pod that mounts them, never this machine's:
/// MSPs and consenter certificates are left unknown rather than read from a local path.
pub fn gather_embedded(docs: &[YamlFile]) -> Vec<ChannelConfig> {
    gather_from(docs, false)
}

fn gather_from(docs: &[YamlFile], read_files: bool) -> Vec<ChannelConfig> {
    let cache = ParseCache::default();
    let mut out = Vec::new();
    for f in docs {
        let Some(doc) = f.docs.first() else { continue };
        let Some(profiles) = doc.get("Profiles").and_then(Value::as_object) else {
            continue;
        };
        let base = f.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let reader = Reader {
            base: &base,
            cache: &cache,
            read_files,
        };
        for (name, p) in profiles {
            if !p.is_object() {
                continue;
            }
            let line = f.line_of(&format!("{name}:"), 1).unwrap_or(1);
            let mut config = reader.profile(name, p);
            config.origin = Origin::at(f.shown.clone(), format!("profile {name}, line {line}"));
            config.scope = f.dir.clone();
            out.push(config);
        }
    }
    out
}

struct Reader<'a> {
    base: &'a Path,
    cache: &'a ParseCache,
    /// Whether paths name files of this machine (a configtx.yaml on disk).
    read_files: bool,
}

fn caps(v: Option<&Value>) -> Option<Vec<String>> {
    let map = v?.as_object()?;
    Some(
        map.iter()
            .filter(|(_, on)| on.as_bool().unwrap_or(false) || on.as_str() == Some("true"))
            .map(|(k, _)| k.clone())
            .collect(),
    )
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(scalar).collect())
        .unwrap_or_default()
}

fn uint(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Whether a written value was left for a template or a variable to fill.
fn unevaluated(s: &str) -> bool {
    s.contains("{{") || s.contains("${") || s.starts_with('$')
}

impl Reader<'_> {
    fn profile(&self, name: &str, p: &Value) -> ChannelConfig {
        let source = ConfigSource::Profile {
            name: name.to_owned(),
        };
        let mut config = ChannelConfig::new(Origin::default(), "", source, "");
        config.consortium = p.get("Consortium").and_then(scalar);
        config.capabilities.channel = caps(p.get("Capabilities")).unwrap_or_default();
        self.policies(p.get("Policies"), "Channel", &mut config.policies);
        if let Some(o) = p.get("Orderer").filter(|o| o.is_object()) {
            config.orderer_addresses = strings(o.get("Addresses"));
            config.capabilities.orderer = caps(o.get("Capabilities"));
            let bytes = |key: &str| {
                o.get("BatchSize")
                    .and_then(|b| b.get(key))
                    .and_then(|v| match v {
                        Value::Number(n) => n.as_u64(),
                        other => scalar(other).and_then(|s| parse_byte_size(&s).ok()),
                    })
                    .and_then(|n| u32::try_from(n).ok())
            };
            // configtxgen fills what a profile leaves out (or zero) from its genesis defaults
            // (`localconfig` `completeInitialization`, `genesisDefaults`).
            let or = |v: Option<u32>, default: u32| v.filter(|&n| n != 0).unwrap_or(default);
            let batch = Some(BatchSizeValue {
                max_message_count: or(
                    uint(o.get("BatchSize").and_then(|b| b.get("MaxMessageCount")))
                        .and_then(|n| u32::try_from(n).ok()),
                    500,
                ),
                absolute_max_bytes: or(bytes("AbsoluteMaxBytes"), 10 * 1024 * 1024),
                preferred_max_bytes: or(bytes("PreferredMaxBytes"), 2 * 1024 * 1024),
            });
            let consensus_type = o.get("OrdererType").and_then(scalar).unwrap_or_default();
            let mut section = OrdererSection {
                consensus_state: None,
                batch_size: batch,
                batch_timeout: Some(
                    o.get("BatchTimeout")
                        .and_then(scalar)
                        .unwrap_or_else(|| "2s".into()),
                ),
                kafka_brokers: strings(o.get("Kafka").and_then(|k| k.get("Brokers"))),
                max_channels: uint(o.get("MaxChannels")),
                raft: None,
                bft: None,
                orgs: self.orgs(
                    o.get("Organizations"),
                    "Channel/Orderer",
                    &mut config.policies,
                ),
                consensus_type: consensus_type.clone(),
            };
            match consensus_type.as_str() {
                "etcdraft" => section.raft = Some(self.raft(o.get("EtcdRaft"))),
                "BFT" => section.bft = Some(self.bft(o)),
                _ => {}
            }
            self.policies(o.get("Policies"), "Channel/Orderer", &mut config.policies);
            config.orderer = Some(section);
        }
        if let Some(a) = p.get("Application").filter(|a| a.is_object()) {
            config.capabilities.application = caps(a.get("Capabilities"));
            let orgs = self.orgs(
                a.get("Organizations"),
                "Channel/Application",
                &mut config.policies,
            );
            self.policies(
                a.get("Policies"),
                "Channel/Application",
                &mut config.policies,
            );
            let acls = a
                .get("ACLs")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            config.application = Some(ApplicationSection { orgs, acls });
        }
        if let Some(cs) = p.get("Consortiums").and_then(Value::as_object) {
            for (cname, c) in cs {
                let path = format!("Channel/Consortiums/{cname}");
                config.consortiums.push(ConsortiumSection {
                    name: cname.clone(),
                    orgs: self.orgs(c.get("Organizations"), &path, &mut config.policies),
                });
            }
        }
        config
    }

    fn path(&self, written: &str) -> Option<PathBuf> {
        if !self.read_files || written.is_empty() || unevaluated(written) {
            return None;
        }
        let p = Path::new(written);
        Some(if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        })
    }

    fn cert_file(&self, written: Option<&Value>, locator: String) -> Option<ConfigCert> {
        let written = written.and_then(scalar)?;
        let path = self.path(&written)?;
        // A file the artifacts do not hold (generated later, or elsewhere) is unknown; one
        // that is there and does not parse is what configtxgen would stop on.
        if !path.exists() {
            return None;
        }
        let facts = std::fs::read(&path)
            .map_err(|e| format!("failed to read {}: {e}", path.display()))
            .and_then(|bytes| decode::parse_pem_cert(&bytes, self.cache));
        Some(ConfigCert { locator, facts })
    }

    fn raft(&self, raft: Option<&Value>) -> RaftMetadata {
        let consenters = raft
            .and_then(|r| r.get("Consenters"))
            .and_then(Value::as_array)
            .map(|list| list.iter().map(|c| self.consenter(c, false)).collect())
            .unwrap_or_default();
        // Options left out (or zero) get configtxgen's genesis defaults: 500ms, 10, 1, 5,
        // 20 MB (`localconfig` `genesisDefaults`, `completeInitialization`).
        let o = raft.and_then(|r| r.get("Options"));
        let n = |k: &str, default: u32| {
            uint(o.and_then(|o| o.get(k)))
                .and_then(|v| u32::try_from(v).ok())
                .filter(|&v| v != 0)
                .unwrap_or(default)
        };
        let options = Some(RaftOptions {
            tick_interval: o
                .and_then(|o| o.get("TickInterval"))
                .and_then(scalar)
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "500ms".into()),
            election_tick: n("ElectionTick", 10),
            heartbeat_tick: n("HeartbeatTick", 1),
            max_inflight_blocks: n("MaxInflightBlocks", 5),
            snapshot_interval_size: o
                .and_then(|o| o.get("SnapshotIntervalSize"))
                .and_then(|v| match v {
                    Value::Number(n) => n.as_u64(),
                    other => scalar(other).and_then(|s| parse_byte_size(&s).ok()),
                })
                .and_then(|v| u32::try_from(v).ok())
                .filter(|&v| v != 0)
                .unwrap_or(20 * 1024 * 1024),
        });
        RaftMetadata {
            consenters,
            options,
        }
    }

    /// One etcdraft consenter (Host, Port, ClientTLSCert, ServerTLSCert) or, with `bft`, one
    /// entry of a BFT ConsenterMapping (also ID, MSPID, Identity).
    fn consenter(&self, c: &Value, bft: bool) -> Consenter {
        let host = c.get("Host").and_then(scalar).unwrap_or_default();
        let port = uint(c.get("Port"))
            .and_then(|p| u32::try_from(p).ok())
            .unwrap_or_default();
        let id = bft
            .then(|| uint(c.get("ID")).and_then(|v| u32::try_from(v).ok()))
            .flatten();
        let at = match id {
            Some(id) => format!("consenter {id} ({host}:{port})"),
            None => format!("consenter {host}:{port}"),
        };
        Consenter {
            id,
            msp_id: bft.then(|| c.get("MSPID").and_then(scalar)).flatten(),
            identity: bft
                .then(|| self.cert_file(c.get("Identity"), format!("{at} identity")))
                .flatten(),
            client_tls_cert: self.cert_file(
                c.get("ClientTLSCert"),
                format!("{at} client TLS certificate"),
            ),
            server_tls_cert: self.cert_file(
                c.get("ServerTLSCert"),
                format!("{at} server TLS certificate"),
            ),
            host,
            port,
        }
    }

    /// Fabric 3.x: `Orderer.ConsenterMapping` (ID, Host, Port, MSPID, Identity, ClientTLSCert,
    /// ServerTLSCert) and `Orderer.SmartBFT` options.
    fn bft(&self, o: &Value) -> BftMetadata {
        let consenters = o
            .get("ConsenterMapping")
            .and_then(Value::as_array)
            .map(|list| list.iter().map(|c| self.consenter(c, true)).collect())
            .unwrap_or_default();
        let smart = o.get("SmartBFT");
        BftMetadata {
            consenters,
            request_batch_max_count: uint(smart.and_then(|s| s.get("RequestBatchMaxCount"))),
            request_batch_max_interval: smart
                .and_then(|s| s.get("RequestBatchMaxInterval"))
                .and_then(scalar),
            leader_rotation: smart.and_then(|s| s.get("LeaderRotation")).and_then(scalar),
        }
    }

    fn orgs(
        &self,
        list: Option<&Value>,
        section: &str,
        policies: &mut Vec<PolicyEntry>,
    ) -> Vec<OrgConfig> {
        let Some(list) = list.and_then(Value::as_array) else {
            return Vec::new();
        };
        list.iter()
            .filter(|o| o.is_object())
            .map(|o| {
                let name = o.get("Name").and_then(scalar).unwrap_or_default();
                let path = format!("{section}/{name}");
                self.policies(o.get("Policies"), &path, policies);
                OrgConfig {
                    msp: self.msp(o),
                    anchor_peers: o
                        .get("AnchorPeers")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .map(|p| {
                                    format!(
                                        "{}:{}",
                                        p.get("Host").and_then(scalar).unwrap_or_default(),
                                        p.get("Port").and_then(scalar).unwrap_or_default()
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    orderer_endpoints: strings(o.get("OrdererEndpoints")),
                    name,
                    path,
                }
            })
            .collect()
    }

    /// The MSP configtxgen would embed: `msp.GetVerifyingMspConfig(MSPDir, ID, MSPType)`.
    fn msp(&self, org: &Value) -> Option<OrgMsp> {
        let id = org.get("ID").and_then(scalar).unwrap_or_default();
        if org.get("MSPType").and_then(scalar).as_deref() == Some("idemix") {
            return Some(OrgMsp {
                msp_id: id,
                kind: "IDEMIX".into(),
                ..OrgMsp::default()
            });
        }
        let dir = self.path(&org.get("MSPDir").and_then(scalar)?)?;
        if !dir.is_dir() {
            return None;
        }
        let name = org.get("Name").and_then(scalar).unwrap_or_default();
        let certs = |sub: &str, what: &str| -> Vec<ConfigCert> {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
                .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
                .unwrap_or_default();
            files.sort();
            files
                .iter()
                .filter(|p| p.is_file())
                .enumerate()
                .map(|(i, p)| ConfigCert {
                    locator: format!("{name} MSP {what} {} ({})", i + 1, p.display()),
                    facts: std::fs::read(p)
                        .map_err(|e| format!("failed to read {}: {e}", p.display()))
                        .and_then(|b| decode::parse_pem_cert(&b, self.cache)),
                })
                .collect()
        };
        let node_ous = std::fs::read_to_string(dir.join("config.yaml"))
            .ok()
            .and_then(|text| serde_saphyr::from_str::<Value>(&text).ok())
            .and_then(|v| v.get("NodeOUs").cloned())
            .map(|n| {
                let ou = |k: &str| {
                    n.get(k)
                        .and_then(|o| o.get("OrganizationalUnitIdentifier"))
                        .and_then(scalar)
                };
                NodeOus {
                    enable: n.get("Enable").and_then(Value::as_bool).unwrap_or(false),
                    client_ou: ou("ClientOUIdentifier"),
                    peer_ou: ou("PeerOUIdentifier"),
                    admin_ou: ou("AdminOUIdentifier"),
                    orderer_ou: ou("OrdererOUIdentifier"),
                }
            });
        Some(OrgMsp {
            msp_id: id,
            kind: "FABRIC".into(),
            root_certs: certs("cacerts", "root certificate"),
            intermediate_certs: certs("intermediatecerts", "intermediate certificate"),
            admins: certs("admincerts", "admin certificate"),
            tls_root_certs: certs("tlscacerts", "TLS root certificate"),
            tls_intermediate_certs: certs("tlsintermediatecerts", "TLS intermediate certificate"),
            revocation_lists: std::fs::read_dir(dir.join("crls"))
                .map(|rd| rd.count())
                .unwrap_or(0),
            node_ous,
            ou_identifiers: Vec::new(),
        })
    }

    fn policies(&self, v: Option<&Value>, path: &str, out: &mut Vec<PolicyEntry>) {
        let Some(map) = v.and_then(Value::as_object) else {
            return;
        };
        for (name, p) in map {
            out.push(PolicyEntry {
                path: path.to_owned(),
                name: name.clone(),
                kind: p.get("Type").and_then(scalar).unwrap_or_default(),
                rule: p.get("Rule").and_then(scalar).unwrap_or_default(),
                mod_policy: String::new(),
            });
        }
    }
}
