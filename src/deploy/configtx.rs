//! The `configtx.yaml` fabcheck hands to `configtxgen`, and the genesis Job's script.
//!
//! The file is Fabric 1.4's format, shaped as fabric-samples' first-network: one organisation per
//! MSP, capabilities of 1.4.2/1.4.3, and two profiles, [`GENESIS_PROFILE`] (the orderer system
//! channel with every peer org in one consortium) and [`CHANNEL_PROFILE`] (the application
//! channel). Every section a profile uses is written out in full inside it rather than through
//! YAML anchors, so the file reads the same to configtxgen (go-yaml) and to fabcheck's own
//! gatherer, which runs the Kafka checks over it.
//!
//! Block sizes follow fabric-samples (10 MB, 512 KB) rather than the 99 MB sometimes seen: the
//! Kafka rule is `AbsoluteMaxBytes < replica.fetch.max.bytes ≤ message.max.bytes`, and a block
//! must fit in one Kafka message with room for its headers.
//!
//! Paths inside the file (MSPDir, the raft consenters' certificates) are relative:
//! configtxgen resolves them against the folder holding configtx.yaml, which
//! [`job_inputs`] fills.

use std::fmt::Write as _;

use super::crypto::CryptoMaterial;
use crate::network::{Consensus, FabricVersion, Network, Org, ports};

/// The capabilities of a release line: (channel, orderer, application). 1.4's are those of
/// fabric-samples 1.4 (V1_4_3 / V1_4_2); 2.5's are V2_0 with the V2_5 application capability
/// (purge of private data, the 2.5 lifecycle), which every 2.5 peer supports.
fn capability_levels(fabric: FabricVersion) -> (&'static str, &'static str, &'static str) {
    match fabric {
        FabricVersion::V1_4 => ("V1_4_3", "V1_4_2", "V1_4_2"),
        FabricVersion::V2_5 => ("V2_0", "V2_0", "V2_5"),
    }
}

/// The profile of the orderer system channel's genesis block.
pub const GENESIS_PROFILE: &str = "OrdererGenesis";
/// The profile of the application channel's creation transaction and anchor peer updates.
pub const CHANNEL_PROFILE: &str = "Channel";
/// The orderer system channel's name.
pub const SYSTEM_CHANNEL: &str = "fabcheck-sys-channel";
/// The consortium every peer org belongs to.
pub const CONSORTIUM: &str = "SampleConsortium";
/// The application channel's creation transaction, in the genesis Job's output.
pub const CHANNEL_TX: &str = "channel.tx";
/// The folder of the PKI, relative to configtx.yaml's folder.
pub const CRYPTO_DIR: &str = "crypto-config";

/// `BatchSize.AbsoluteMaxBytes`: below Kafka's replica.fetch.max.bytes and message.max.bytes
/// (99 MiB in the reference spec, 1 MB in a stock broker; see the module docs).
pub const ABSOLUTE_MAX_BYTES: &str = "10 MB";
/// `BatchSize.PreferredMaxBytes`.
pub const PREFERRED_MAX_BYTES: &str = "512 KB";
/// `BatchTimeout`.
pub const BATCH_TIMEOUT: &str = "2s";
/// `BatchSize.MaxMessageCount`.
pub const MAX_MESSAGE_COUNT: i64 = 10;

/// Renders configtx.yaml for `network`.
pub fn render(network: &Network) -> String {
    let (channel_cap, orderer_cap, application_cap) = capability_levels(network.fabric);
    let lifecycle = network.fabric != FabricVersion::V1_4;
    let peer_orgs: Vec<Yaml> = network
        .peer_orgs
        .iter()
        .map(|o| organization(o, true, lifecycle))
        .collect();
    let orderer_org = organization(&network.orderer_org, false, lifecycle);
    let all_orgs: Vec<Yaml> = std::iter::once(orderer_org.clone())
        .chain(peer_orgs.iter().cloned())
        .collect();

    let genesis = map(vec![
        ("Policies", channel_policies()),
        ("Capabilities", capabilities(channel_cap)),
        ("Orderer", orderer(network, vec![orderer_org])),
        (
            "Consortiums",
            map(vec![(
                CONSORTIUM,
                map(vec![("Organizations", Yaml::Seq(peer_orgs.clone()))]),
            )]),
        ),
    ]);
    let channel = map(vec![
        ("Consortium", s(CONSORTIUM)),
        ("Policies", channel_policies()),
        ("Capabilities", capabilities(channel_cap)),
        ("Application", application(network, peer_orgs)),
    ]);
    let doc = map(vec![
        // The sections fabric-samples keeps at the top level: configtxgen reads only the
        // profiles, but people and tools (fabcheck included) read these as the defaults.
        ("Organizations", Yaml::Seq(all_orgs)),
        (
            "Capabilities",
            map(vec![
                ("Channel", capabilities(channel_cap)),
                ("Orderer", capabilities(orderer_cap)),
                ("Application", capabilities(application_cap)),
            ]),
        ),
        ("Application", application(network, Vec::new())),
        ("Orderer", orderer(network, Vec::new())),
        (
            "Channel",
            map(vec![
                ("Policies", channel_policies()),
                ("Capabilities", capabilities(channel_cap)),
            ]),
        ),
        (
            "Profiles",
            map(vec![(GENESIS_PROFILE, genesis), (CHANNEL_PROFILE, channel)]),
        ),
    ]);
    let mut out = format!(
        "# configtx.yaml generated by fabcheck for configtxgen (Fabric {}).\n\
         # Paths are relative to this file's folder.\n",
        network.fabric
    );
    doc.write(&mut out, 0);
    out
}

/// Every file configtxgen needs, by path relative to the folder holding configtx.yaml:
/// configtx.yaml, every org's public MSP and, for etcdraft, each orderer's TLS server
/// certificate. Never a private key: these go into a ConfigMap.
pub fn job_inputs(network: &Network, crypto: &CryptoMaterial) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("configtx.yaml".to_owned(), render(network).into_bytes())];
    for org in network.orgs() {
        let dir = CryptoMaterial::org_dir(org);
        out.extend(
            crypto
                .org_msp_files(org)
                .into_iter()
                .map(|(p, b)| (format!("{CRYPTO_DIR}/{dir}/{p}"), b.to_vec())),
        );
    }
    if network.consensus == Consensus::Etcdraft {
        let org = &network.orderer_org;
        for node in &org.nodes {
            let path = format!("{}/tls/server.crt", CryptoMaterial::node_dir(org, node));
            if let Some(cert) = crypto.get(&path) {
                out.push((format!("{CRYPTO_DIR}/{path}"), cert.to_vec()));
            }
        }
    }
    // Belt and braces: whatever the PKI's layout becomes, a key never leaves for a ConfigMap.
    out.retain(|(p, _)| !CryptoMaterial::is_private_key(p));
    out
}

/// The POSIX sh script the genesis Job's configtxgen container runs, with `FABRIC_CFG_PATH`
/// set to the folder holding [`job_inputs`]: the system channel's genesis block, the
/// application channel's creation transaction and one anchor peer update per peer org, all
/// written to `out_dir`.
pub fn job_script(network: &Network, out_dir: &str) -> String {
    let channel = quote(&network.channel);
    let mut script = String::from("set -eu\n");
    // configtxgen falls back to its image's sample config when the variable is unset, which
    // would produce a valid-looking block for the wrong network.
    script.push_str(
        ": \"${FABRIC_CFG_PATH:?FABRIC_CFG_PATH must name the folder holding configtx.yaml}\"\n",
    );
    let _ = writeln!(script, "out={}", quote(out_dir));
    script.push_str("mkdir -p \"$out\"\n");
    let _ = writeln!(
        script,
        "configtxgen -profile {} -channelID {} -outputBlock \"$out/genesis.block\"",
        quote(GENESIS_PROFILE),
        quote(SYSTEM_CHANNEL)
    );
    let _ = writeln!(
        script,
        "configtxgen -profile {} -channelID {channel} -outputCreateChannelTx \"$out/{CHANNEL_TX}\"",
        quote(CHANNEL_PROFILE)
    );
    for org in &network.peer_orgs {
        let _ = writeln!(
            script,
            "configtxgen -profile {} -channelID {channel} -outputAnchorPeersUpdate \"$out\"/{} -asOrg {}",
            quote(CHANNEL_PROFILE),
            quote(&anchors_file(org)),
            quote(&org.msp_id)
        );
    }
    script
}

/// `Org1MSPanchors.tx`: the anchor peer update of `org`, in the Job's output folder.
pub fn anchors_file(org: &Org) -> String {
    format!("{}anchors.tx", org.msp_id)
}

/// Quotes a word for POSIX sh when it needs it.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@%+=,".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// One organisation. Its Name is its MSP id, so that `-asOrg <MSPID>` finds it. With the 2.x
/// lifecycle every org also has the `Endorsement` policy the channel's default endorsement and
/// lifecycle policies (`MAJORITY Endorsement`) are made of.
fn organization(org: &Org, anchor: bool, lifecycle: bool) -> Yaml {
    let id = &org.msp_id;
    let rule = |roles: &[&str]| {
        let principals: Vec<String> = roles.iter().map(|r| format!("'{id}.{r}'")).collect();
        signature(&format!("OR({})", principals.join(", ")))
    };
    // The orderer org's identities are orderers and admins, a peer org's peers, admins and
    // clients; NodeOUs makes these roles meaningful.
    let (readers, writers) = if anchor {
        (
            rule(&["admin", "peer", "client"]),
            rule(&["admin", "client"]),
        )
    } else {
        (rule(&["member"]), rule(&["member"]))
    };
    let mut entries = vec![
        ("Name", s(id)),
        ("ID", s(id)),
        (
            "MSPDir",
            s(&format!(
                "{CRYPTO_DIR}/{}/msp",
                CryptoMaterial::org_dir(org)
            )),
        ),
        (
            "Policies",
            map({
                let mut policies = vec![
                    ("Readers", readers),
                    ("Writers", writers),
                    ("Admins", rule(&["admin"])),
                ];
                if lifecycle {
                    let endorsers = if anchor { "peer" } else { "member" };
                    policies.push(("Endorsement", rule(&[endorsers])));
                }
                policies
            }),
        ),
    ];
    if anchor && let Some(peer) = org.nodes.first() {
        entries.push((
            "AnchorPeers",
            Yaml::Seq(vec![map(vec![
                ("Host", s(&peer.host())),
                ("Port", Yaml::Int(i64::from(ports::PEER))),
            ])]),
        ));
    }
    map(entries)
}

/// The Orderer section, with `orgs` as its organisations.
fn orderer(network: &Network, orgs: Vec<Yaml>) -> Yaml {
    let org = &network.orderer_org;
    let addresses = org
        .nodes
        .iter()
        .map(|n| s(&format!("{}:{}", n.host(), ports::ORDERER)))
        .collect();
    let mut entries = match network.consensus {
        Consensus::Kafka => {
            let brokers = network
                .kafka
                .iter()
                .flat_map(|k| &k.brokers)
                .map(|b| s(&format!("{}:{}", b.host(), ports::KAFKA)))
                .collect();
            vec![
                ("OrdererType", s("kafka")),
                ("Addresses", Yaml::Seq(addresses)),
                ("Kafka", map(vec![("Brokers", Yaml::Seq(brokers))])),
            ]
        }
        Consensus::Etcdraft => {
            let consenters = org
                .nodes
                .iter()
                .map(|n| {
                    let cert = s(&format!(
                        "{CRYPTO_DIR}/{}/tls/server.crt",
                        CryptoMaterial::node_dir(org, n)
                    ));
                    map(vec![
                        ("Host", s(&n.host())),
                        ("Port", Yaml::Int(i64::from(ports::ORDERER))),
                        ("ClientTLSCert", cert.clone()),
                        ("ServerTLSCert", cert),
                    ])
                })
                .collect();
            vec![
                ("OrdererType", s("etcdraft")),
                ("Addresses", Yaml::Seq(addresses)),
                ("EtcdRaft", map(vec![("Consenters", Yaml::Seq(consenters))])),
            ]
        }
    };
    entries.extend([
        ("BatchTimeout", s(BATCH_TIMEOUT)),
        (
            "BatchSize",
            map(vec![
                ("MaxMessageCount", Yaml::Int(MAX_MESSAGE_COUNT)),
                ("AbsoluteMaxBytes", s(ABSOLUTE_MAX_BYTES)),
                ("PreferredMaxBytes", s(PREFERRED_MAX_BYTES)),
            ]),
        ),
        ("Organizations", Yaml::Seq(orgs)),
        (
            "Policies",
            map(vec![
                ("Readers", implicit("ANY Readers")),
                ("Writers", implicit("ANY Writers")),
                ("Admins", implicit("MAJORITY Admins")),
                ("BlockValidation", implicit("ANY Writers")),
            ]),
        ),
        (
            "Capabilities",
            capabilities(capability_levels(network.fabric).1),
        ),
    ]);
    map(entries)
}

fn application(network: &Network, orgs: Vec<Yaml>) -> Yaml {
    let mut policies = vec![
        ("Readers", implicit("ANY Readers")),
        ("Writers", implicit("ANY Writers")),
        ("Admins", implicit("MAJORITY Admins")),
    ];
    if network.fabric != FabricVersion::V1_4 {
        policies.push(("LifecycleEndorsement", implicit("MAJORITY Endorsement")));
        policies.push(("Endorsement", implicit("MAJORITY Endorsement")));
    }
    map(vec![
        ("Organizations", Yaml::Seq(orgs)),
        ("Policies", map(policies)),
        (
            "Capabilities",
            capabilities(capability_levels(network.fabric).2),
        ),
    ])
}

fn channel_policies() -> Yaml {
    map(vec![
        ("Readers", implicit("ANY Readers")),
        ("Writers", implicit("ANY Writers")),
        ("Admins", implicit("MAJORITY Admins")),
    ])
}

fn capabilities(version: &str) -> Yaml {
    map(vec![(version, Yaml::Bool(true))])
}

fn implicit(rule: &str) -> Yaml {
    map(vec![("Type", s("ImplicitMeta")), ("Rule", s(rule))])
}

fn signature(rule: &str) -> Yaml {
    map(vec![("Type", s("Signature")), ("Rule", s(rule))])
}

fn s(v: &str) -> Yaml {
    Yaml::Str(v.to_owned())
}

fn map(entries: Vec<(&str, Yaml)>) -> Yaml {
    Yaml::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

/// The YAML this file writes: mappings keep their order (configtx.yaml is read by people
/// too), and every string is double-quoted in JSON's syntax, which YAML 1.1 and 1.2 parsers
/// read alike, so no value can turn into a number, a boolean or a null on the way.
#[derive(Debug, Clone)]
enum Yaml {
    Map(Vec<(String, Yaml)>),
    Seq(Vec<Yaml>),
    Str(String),
    Int(i64),
    Bool(bool),
}

impl Yaml {
    /// Writes `self` as the value of a key (or the document) at `indent` spaces.
    fn write(&self, out: &mut String, indent: usize) {
        let pad = " ".repeat(indent);
        match self {
            Yaml::Map(entries) => {
                for (k, v) in entries {
                    let _ = write!(out, "{pad}{}:", key(k));
                    v.write_after_key(out, indent);
                }
            }
            Yaml::Seq(items) => {
                for item in items {
                    let _ = write!(out, "{pad}-");
                    match item {
                        // A mapping in a sequence starts on the dash's line.
                        Yaml::Map(entries) if !entries.is_empty() => {
                            let mut inner = String::new();
                            item.write(&mut inner, indent + 2);
                            out.push(' ');
                            out.push_str(&inner[indent + 2..]);
                        }
                        _ => item.write_after_key(out, indent),
                    }
                }
            }
            scalar => {
                let _ = writeln!(out, "{pad}{}", scalar.inline());
            }
        }
    }

    /// Writes `self` after `key:` (or `-`) on a line indented by `indent`.
    fn write_after_key(&self, out: &mut String, indent: usize) {
        match self {
            Yaml::Map(e) if !e.is_empty() => {
                out.push('\n');
                self.write(out, indent + 2);
            }
            Yaml::Seq(i) if !i.is_empty() => {
                out.push('\n');
                self.write(out, indent + 2);
            }
            other => {
                let _ = writeln!(out, " {}", other.inline());
            }
        }
    }

    /// A scalar or an empty collection, on one line.
    fn inline(&self) -> String {
        match self {
            Yaml::Map(_) => "{}".to_owned(),
            Yaml::Seq(_) => "[]".to_owned(),
            Yaml::Str(v) => serde_json::Value::String(v.clone()).to_string(),
            Yaml::Int(n) => n.to_string(),
            Yaml::Bool(b) => b.to_string(),
        }
    }
}

/// A mapping key: plain when it is a simple word (every key fabcheck writes), quoted otherwise.
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_owned()
    } else {
        serde_json::Value::String(k.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::finding::Status;
    use crate::network::NetworkSpec;

    fn etcdraft() -> Network {
        NetworkSpec {
            consensus: Some(Consensus::Etcdraft),
            ..NetworkSpec::default()
        }
        .resolve()
        .expect("spec")
    }

    fn parse(network: &Network) -> Value {
        crate::yaml::from_str(&render(network)).expect("configtx.yaml parses")
    }

    #[test]
    fn one_organization_per_msp_with_its_msp_dir() {
        let net = Network::reference();
        let doc = parse(&net);
        let orgs = doc["Organizations"].as_array().expect("Organizations");
        let ids: Vec<&str> = orgs.iter().filter_map(|o| o["ID"].as_str()).collect();
        assert_eq!(ids, ["OrdererMSP", "Org1MSP", "Org2MSP", "Org3MSP"]);
        assert_eq!(
            orgs[0]["MSPDir"],
            "crypto-config/ordererOrganizations/orgorderer1/msp"
        );
        assert_eq!(
            orgs[2]["MSPDir"],
            "crypto-config/peerOrganizations/org2/msp"
        );
        assert_eq!(orgs[2]["Name"], "Org2MSP");
        assert_eq!(orgs[2]["Policies"]["Admins"]["Rule"], "OR('Org2MSP.admin')");
        assert_eq!(orgs[1]["AnchorPeers"][0]["Host"], "peer0.org1");
        assert_eq!(orgs[1]["AnchorPeers"][0]["Port"], 7051);
        assert!(orgs[0].get("AnchorPeers").is_none());

        let genesis = &doc["Profiles"][GENESIS_PROFILE];
        assert_eq!(genesis["Capabilities"]["V1_4_3"], true);
        assert_eq!(genesis["Orderer"]["Capabilities"]["V1_4_2"], true);
        assert_eq!(genesis["Orderer"]["Organizations"][0]["ID"], "OrdererMSP");
        let consortium = genesis["Consortiums"][CONSORTIUM]["Organizations"]
            .as_array()
            .expect("consortium");
        assert_eq!(consortium.len(), 3);
        let channel = &doc["Profiles"][CHANNEL_PROFILE];
        assert_eq!(channel["Consortium"], CONSORTIUM);
        assert_eq!(channel["Application"]["Capabilities"]["V1_4_2"], true);
        assert_eq!(
            channel["Application"]["Organizations"][2]["MSPDir"],
            "crypto-config/peerOrganizations/org3/msp"
        );
    }

    #[test]
    fn kafka_lists_the_brokers() {
        let doc = parse(&Network::reference());
        let orderer = &doc["Profiles"][GENESIS_PROFILE]["Orderer"];
        assert_eq!(orderer["OrdererType"], "kafka");
        assert_eq!(
            orderer["Kafka"]["Brokers"],
            serde_json::json!([
                "kafka0.kafka:9092",
                "kafka1.kafka:9092",
                "kafka2.kafka:9092",
                "kafka3.kafka:9092"
            ])
        );
        assert_eq!(
            orderer["Addresses"],
            serde_json::json!([
                "orderer0.orgorderer1:7050",
                "orderer1.orgorderer1:7050",
                "orderer2.orgorderer1:7050"
            ])
        );
        assert_eq!(orderer["BatchTimeout"], "2s");
        assert_eq!(orderer["BatchSize"]["MaxMessageCount"], 10);
        assert_eq!(orderer["BatchSize"]["AbsoluteMaxBytes"], "10 MB");
        assert_eq!(orderer["BatchSize"]["PreferredMaxBytes"], "512 KB");
        assert!(orderer.get("EtcdRaft").is_none());
    }

    #[test]
    fn etcdraft_lists_the_consenters() {
        let net = etcdraft();
        let doc = parse(&net);
        let orderer = &doc["Profiles"][GENESIS_PROFILE]["Orderer"];
        assert_eq!(orderer["OrdererType"], "etcdraft");
        assert!(orderer.get("Kafka").is_none());
        let consenters = orderer["EtcdRaft"]["Consenters"]
            .as_array()
            .expect("consenters");
        assert_eq!(consenters.len(), 3);
        assert_eq!(consenters[1]["Host"], "orderer1.orgorderer1");
        assert_eq!(consenters[1]["Port"], 7050);
        let cert = "crypto-config/ordererOrganizations/orgorderer1/orderers/orderer1.orgorderer1/tls/server.crt";
        assert_eq!(consenters[1]["ClientTLSCert"], cert);
        assert_eq!(consenters[1]["ServerTLSCert"], cert);
    }

    #[test]
    fn job_inputs_hold_what_configtxgen_reads_and_no_key() {
        let now = time::OffsetDateTime::now_utc();
        for net in [Network::reference(), etcdraft()] {
            let crypto = CryptoMaterial::generate(&net, now).expect("crypto");
            let inputs = job_inputs(&net, &crypto);
            let paths: Vec<&str> = inputs.iter().map(|(p, _)| p.as_str()).collect();
            assert_eq!(paths[0], "configtx.yaml");
            for (path, data) in &inputs {
                assert!(!CryptoMaterial::is_private_key(path), "{path}");
                assert!(
                    !data.windows(11).any(|w| w == b"PRIVATE KEY"),
                    "{path} holds a key"
                );
            }
            let doc = parse(&net);
            // Every path configtx.yaml names is among the inputs.
            for org in doc["Organizations"].as_array().expect("orgs") {
                let dir = org["MSPDir"].as_str().expect("MSPDir");
                for sub in ["cacerts", "tlscacerts", "admincerts"] {
                    assert!(
                        paths
                            .iter()
                            .any(|p| p.starts_with(&format!("{dir}/{sub}/"))),
                        "{dir}/{sub} missing"
                    );
                }
                assert!(paths.contains(&format!("{dir}/config.yaml").as_str()));
            }
            let raft_certs = doc["Profiles"][GENESIS_PROFILE]["Orderer"]["EtcdRaft"]["Consenters"]
                .as_array()
                .map(|c| c.len())
                .unwrap_or(0);
            for c in doc["Profiles"][GENESIS_PROFILE]["Orderer"]["EtcdRaft"]["Consenters"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let cert = c["ServerTLSCert"].as_str().expect("cert");
                assert!(paths.contains(&cert), "{cert} missing");
            }
            let tls = paths
                .iter()
                .filter(|p| p.ends_with("tls/server.crt"))
                .count();
            assert_eq!(tls, raft_certs);
        }
    }

    #[test]
    fn job_script_makes_every_artifact() {
        let net = Network::reference();
        let script = job_script(&net, "/out");
        assert!(script.starts_with("set -eu\n"));
        assert!(script.contains(
            "configtxgen -profile OrdererGenesis -channelID fabcheck-sys-channel -outputBlock \"$out/genesis.block\""
        ));
        assert!(script.contains(
            "configtxgen -profile Channel -channelID mychannel -outputCreateChannelTx \"$out/channel.tx\""
        ));
        for i in 1..=3 {
            assert!(
                script.contains(&format!(
                    "-outputAnchorPeersUpdate \"$out\"/Org{i}MSPanchors.tx -asOrg Org{i}MSP\n"
                )),
                "{script}"
            );
        }
        assert!(script.contains("out=/out\n"));
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn odd_strings_survive_the_round_trip() {
        let mut net = Network::reference();
        net.peer_orgs[0].msp_id = "Org: \"1\" #yes\nno".into();
        let doc = parse(&net);
        assert_eq!(doc["Organizations"][1]["ID"], "Org: \"1\" #yes\nno");
    }

    /// Kafka brokers as the reference spec configures them, written as a Kubernetes manifest
    /// beside configtx.yaml so the Kafka checks have brokers to compare the profiles against.
    fn broker_manifests(net: &Network) -> String {
        let kafka = net.kafka.as_ref().expect("kafka");
        let mut out = String::new();
        for b in &kafka.brokers {
            let _ = write!(
                out,
                "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\n  namespace: {ns}\n\
                 spec:\n  replicas: 1\n  serviceName: {name}\n  template:\n    spec:\n      containers:\n\
                 \x20       - name: kafka\n          image: hyperledger/fabric-kafka:0.4.22\n          env:\n\
                 \x20           - {{name: KAFKA_BROKER_ID, value: \"{id}\"}}\n\
                 \x20           - {{name: KAFKA_MESSAGE_MAX_BYTES, value: \"{mmb}\"}}\n\
                 \x20           - {{name: KAFKA_REPLICA_FETCH_MAX_BYTES, value: \"{rfmb}\"}}\n",
                name = b.name,
                ns = b.namespace,
                id = b.index,
                mmb = kafka.settings.message_max_bytes,
                rfmb = kafka.settings.replica_fetch_max_bytes,
            );
        }
        out
    }

    #[test]
    fn kafka_checks_accept_the_profiles() {
        let net = Network::reference();
        let dir = tempfile::TempDir::new().expect("temp dir");
        let configtx = dir.path().join("configtx.yaml");
        std::fs::write(&configtx, render(&net)).expect("write configtx.yaml");
        std::fs::write(dir.path().join("kafka.yaml"), broker_manifests(&net))
            .expect("write brokers");
        let inventory = crate::inventory::artifacts::gather(dir.path()).expect("gather");
        let profiles: Vec<&str> = inventory
            .ordering
            .profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(profiles, ["Orderer defaults", GENESIS_PROFILE]);
        let ctx = crate::context::Context::at(time::OffsetDateTime::now_utc());
        let findings = crate::checks::run(
            &ctx,
            &inventory,
            crate::catalogue::Catalogue::embedded(),
            &crate::checks::Selection {
                select: vec!["KAFKA".into(), "ZK".into()],
                ignore: Vec::new(),
            },
        );
        let shown = configtx.display().to_string();
        let bad: Vec<String> = findings
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Error))
            .filter(|f| {
                f.target.name == shown
                    || ["KAFKA-005", "KAFKA-009", "KAFKA-010", "KAFKA-011"]
                        .contains(&f.check_id.as_str())
            })
            .map(|f| {
                format!(
                    "{} {:?} {}: {}",
                    f.check_id, f.status, f.target.name, f.message
                )
            })
            .collect();
        assert!(bad.is_empty(), "{}", bad.join("\n"));
        // The comparisons that read configtx.yaml did run, and passed.
        for id in ["KAFKA-005", "KAFKA-009", "KAFKA-010"] {
            assert!(
                findings
                    .iter()
                    .any(|f| f.check_id == id && f.status == Status::Pass),
                "{id}: {:?}",
                findings
                    .iter()
                    .filter(|f| f.check_id == id)
                    .collect::<Vec<_>>()
            );
        }
        let sizes = findings
            .iter()
            .find(|f| f.check_id == "KAFKA-005")
            .expect("KAFKA-005");
        assert!(
            !sizes.message.contains("not compared"),
            "AbsoluteMaxBytes was not compared: {}",
            sizes.message
        );
    }
}
