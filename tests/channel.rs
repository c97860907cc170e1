//! Channel configuration on real data: blocks and transactions Fabric's own configtxgen and
//! orderers produced (`../shared/realworld`), decoded by `fabcheck inspect` and by the
//! artifact gatherer, and asserted against the configtx.yaml they were made from; the CHANNEL
//! and RAFT verdicts on those trees, each named.

#[path = "support/blocks.rs"]
mod blocks;

use std::path::{Path, PathBuf};
use std::process::Command;

use fabcheck::inventory::artifacts;
use fabcheck::inventory::channel::{ChannelConfig, ConfigCert, ConfigSource};
use serde_json::Value;

const REALWORLD: &str = "../shared/realworld";

fn realworld(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(REALWORLD)
        .join(rel)
}

fn artifacts_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            artifacts_under(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("block" | "tx" | "pb")
        ) {
            out.push(p);
        }
    }
}

fn inspect(file: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["inspect", "--format", "json"])
        .arg(file)
        .output()
        .expect("run fabcheck");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: not JSON ({e}): {}",
            file.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), json[0].clone())
}

#[test]
fn inspect_decodes_every_block_and_transaction_in_the_real_world_trees() {
    let mut files = Vec::new();
    artifacts_under(&realworld(""), &mut files);
    files.sort();
    assert!(files.len() >= 46, "{} artifacts", files.len());
    // pkg/client/resmgmt/testdata holds deliberately broken transactions (the SDK's own
    // error-path fixtures): text and an empty file. They are named, never decoded.
    let broken = [
        ("extractcherr.tx", "it is text (25 bytes), not protobuf"),
        ("signcherr.tx", "it is text (22 bytes), not protobuf"),
        ("test.tx", "the file is empty"),
    ];
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        let (code, item) = inspect(f);
        match broken.iter().find(|(n, _)| *n == name) {
            Some((_, why)) => {
                assert_eq!(code, 2, "{}", f.display());
                assert!(item["error"].as_str().unwrap().contains(why), "{item}");
            }
            None => {
                assert_eq!(code, 0, "{}: {item}", f.display());
                assert!(item["channel_id"].as_str().is_some_and(|c| !c.is_empty()));
                assert_eq!(item["problems"], serde_json::json!([]), "{}", f.display());
                // Certificates are summarised; no PEM and no key material in the output.
                assert!(!item.to_string().contains("-----BEGIN"));
            }
        }
    }
}

fn gathered(rel: &str) -> Vec<ChannelConfig> {
    artifacts::gather(&realworld(rel)).expect("gather").channels
}

fn one(configs: &[ChannelConfig], pred: impl Fn(&ChannelConfig) -> bool) -> &ChannelConfig {
    let found: Vec<&ChannelConfig> = configs.iter().filter(|c| pred(c)).collect();
    assert_eq!(
        found.len(),
        1,
        "{:#?}",
        configs
            .iter()
            .map(|c| (&c.origin, &c.source))
            .collect::<Vec<_>>()
    );
    found[0]
}

fn fingerprints(certs: &[ConfigCert]) -> Vec<String> {
    certs
        .iter()
        .map(|c| c.facts.as_ref().expect("parses").fingerprint.clone())
        .collect()
}

fn is_file(c: &ChannelConfig, name: &str) -> bool {
    c.origin.path.ends_with(name)
}

#[test]
fn the_raft_genesis_block_is_what_its_configtx_profile_says() {
    let configs = gathered("fabric-1.4.12-configtxgen/raft");
    let block = one(&configs, |c| is_file(c, "raft/genesis.block"));
    let profile = one(&configs, |c| {
        c.source
            == ConfigSource::Profile {
                name: "OrdererGenesis".into(),
            }
    });
    assert_eq!(block.source, ConfigSource::GenesisBlock);
    assert_eq!(block.channel_id, "fabcheck-sys-channel");
    let (b, p) = (
        block.orderer.as_ref().unwrap(),
        profile.orderer.as_ref().unwrap(),
    );
    assert_eq!(b.consensus_type, "etcdraft");
    assert_eq!(b.consensus_type, p.consensus_type);
    assert_eq!(b.batch_size, p.batch_size);
    assert_eq!(b.batch_size.unwrap().absolute_max_bytes, 10 * 1024 * 1024);
    assert_eq!(b.batch_timeout, p.batch_timeout);
    assert_eq!(block.orderer_addresses, profile.orderer_addresses);
    assert_eq!(block.capabilities, profile.capabilities);
    let (br, pr) = (b.raft.as_ref().unwrap(), p.raft.as_ref().unwrap());
    assert_eq!(br.consenters.len(), 3);
    for (bc, pc) in br.consenters.iter().zip(&pr.consenters) {
        assert_eq!(bc.endpoint(), pc.endpoint());
        let fp = |c: &Option<ConfigCert>| {
            c.as_ref()
                .unwrap()
                .facts
                .as_ref()
                .unwrap()
                .fingerprint
                .clone()
        };
        assert_eq!(fp(&bc.server_tls_cert), fp(&pc.server_tls_cert));
        assert_eq!(fp(&bc.client_tls_cert), fp(&pc.client_tls_cert));
    }
    // configtxgen's genesis defaults for the options the profile leaves out, in the block and
    // in fabcheck's reading of the profile alike.
    assert_eq!(br.options, pr.options);
    let opts = br.options.as_ref().unwrap();
    assert_eq!(
        (
            opts.tick_interval.as_str(),
            opts.election_tick,
            opts.heartbeat_tick
        ),
        ("500ms", 10, 1)
    );
    // Every org: the MSP read from MSPDir is the MSP in the block, certificate for certificate.
    let names = |c: &ChannelConfig| c.orgs().map(|o| o.path.clone()).collect::<Vec<_>>();
    assert_eq!(names(block), names(profile));
    for (bo, po) in block.orgs().zip(profile.orgs()) {
        let (bm, pm) = (bo.msp.as_ref().unwrap(), po.msp.as_ref().unwrap());
        assert_eq!(bm.msp_id, pm.msp_id);
        assert_eq!(
            fingerprints(&bm.root_certs),
            fingerprints(&pm.root_certs),
            "{}",
            bo.path
        );
        assert_eq!(
            fingerprints(&bm.tls_root_certs),
            fingerprints(&pm.tls_root_certs)
        );
        assert_eq!(fingerprints(&bm.admins), fingerprints(&pm.admins));
        assert_eq!(bm.node_ous, pm.node_ous, "{}", bo.path);
        assert!(bm.node_ous.as_ref().unwrap().enable);
    }
    let rules = |c: &ChannelConfig| {
        let mut r: Vec<(String, String, String)> = c
            .policies
            .iter()
            .map(|p| (p.path.clone(), p.name.clone(), p.rule.clone()))
            .collect();
        r.sort();
        r
    };
    assert_eq!(rules(block), rules(profile));
}

#[test]
fn the_channel_blocks_carry_the_application_orgs_and_the_anchor_peer_updates() {
    let configs = gathered("fabric-1.4.12-configtxgen/raft");
    let genesis = one(&configs, |c| is_file(c, "mychannel.block"));
    let latest = one(&configs, |c| is_file(c, "config_block.pb"));
    let create = one(&configs, |c| is_file(c, "raft/channel.tx"));
    assert_eq!(genesis.source, ConfigSource::GenesisBlock);
    assert_eq!(latest.source, ConfigSource::ConfigBlock { number: 2 });
    // Sequence 1 is the channel's genesis (the creation transaction applied); each of the
    // two anchor-peer updates fetched before it adds one.
    assert_eq!(genesis.sequence, Some(1));
    assert_eq!(latest.sequence, Some(3));
    assert_eq!(create.source, ConfigSource::ChannelCreation);
    assert_eq!(create.consortium.as_deref(), Some("SampleConsortium"));
    for c in [genesis, latest, create] {
        assert_eq!(c.channel_id, "mychannel");
        let orgs: Vec<&str> = c
            .application
            .as_ref()
            .unwrap()
            .orgs
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(orgs, ["Org1MSP", "Org2MSP", "Org3MSP"]);
    }
    let anchors = |c: &ChannelConfig| {
        c.application
            .as_ref()
            .unwrap()
            .orgs
            .iter()
            .flat_map(|o| o.anchor_peers.clone())
            .collect::<Vec<_>>()
    };
    assert!(anchors(genesis).is_empty());
    // config_block.pb was fetched after Org1's and Org2's updates (sequence 2).
    assert_eq!(anchors(latest), ["peer0.org1:7051", "peer0.org2:7051"]);
    for n in 1..=3 {
        let update = one(&configs, |c| {
            is_file(c, &format!("raft/Org{n}MSPanchors.tx"))
        });
        assert_eq!(update.source, ConfigSource::ConfigUpdate);
        assert_eq!(anchors(update), [format!("peer0.org{n}:7051")]);
        assert!(
            update.application.as_ref().unwrap().orgs[0].msp.is_none(),
            "an update only references the MSP"
        );
    }
}

#[test]
fn the_kafka_genesis_block_and_the_sdk_go_fixtures_are_what_their_profiles_say() {
    let configs = gathered("fabric-1.4.12-configtxgen/kafka");
    let block = one(&configs, |c| is_file(c, "kafka/genesis.block"));
    let profile = one(&configs, |c| {
        c.source
            == ConfigSource::Profile {
                name: "OrdererGenesis".into(),
            }
    });
    let (b, p) = (
        block.orderer.as_ref().unwrap(),
        profile.orderer.as_ref().unwrap(),
    );
    assert_eq!(b.consensus_type, "kafka");
    assert_eq!(b.kafka_brokers, p.kafka_brokers);
    assert_eq!(b.kafka_brokers.len(), 4);
    assert_eq!(b.batch_size, p.batch_size);

    for v in ["v1.1", "v1.2", "v1.3"] {
        let dir = format!(
            "hyperledger__fabric-sdk-go/03823667191a5e35b6c1cc0304b85c77e8ea78b5/test/fixtures/fabric/{v}"
        );
        let configs = gathered(&dir);
        let block = one(&configs, |c| is_file(c, "twoorgs.genesis.block"));
        let profile = one(&configs, |c| {
            c.source
                == ConfigSource::Profile {
                    name: "TwoOrgsOrdererGenesis".into(),
                }
        });
        let (b, p) = (
            block.orderer.as_ref().unwrap(),
            profile.orderer.as_ref().unwrap(),
        );
        assert_eq!(b.consensus_type, "solo", "{v}");
        assert_eq!(b.consensus_type, p.consensus_type);
        assert_eq!(b.batch_size, p.batch_size, "{v}");
        assert_eq!(b.batch_timeout, p.batch_timeout, "{v}");
        assert_eq!(block.orderer_addresses, profile.orderer_addresses, "{v}");
        assert_eq!(block.orderer_addresses, ["orderer.example.com:7050"]);
        let cons: Vec<&str> = block.consortiums.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(cons, ["SampleConsortium"]);
    }
}

fn verdicts(rel: &str) -> Vec<(String, String, String)> {
    let report = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["check", "--artifacts"])
        .arg(realworld(rel))
        .args([
            "--select",
            "CHANNEL,RAFT",
            "--at",
            "2026-12-04T00:00:00Z",
            "-o",
        ])
        .arg(format!("json={}", report.path().display()))
        .output()
        .expect("run fabcheck");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_str(&std::fs::read_to_string(report.path()).unwrap()).unwrap();
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
                format!("{} {}", f["target"]["name"], f["message"]),
            )
        })
        .collect()
}

fn bad(v: &[(String, String, String)]) -> Vec<(String, String, String)> {
    v.iter()
        .filter(|(_, s, _)| s == "fail" || s == "error" || s == "warn")
        .cloned()
        .collect()
}

#[test]
fn verdicts_on_the_real_world_channel_artifacts() {
    // The raft reference network: every block and profile passes what it can be judged on.
    let raft = verdicts("fabric-1.4.12-configtxgen/raft");
    assert!(bad(&raft).is_empty(), "{:#?}", bad(&raft));
    for id in [
        "CHANNEL-001",
        "CHANNEL-003",
        "CHANNEL-005",
        "RAFT-001",
        "RAFT-002",
        "RAFT-004",
        "RAFT-005",
    ] {
        assert!(
            raft.iter().any(|(i, s, _)| i == id && s == "pass"),
            "{id} passes somewhere"
        );
    }
    // kafka/genesis.block was made from an earlier run of the PKI than the crypto-config
    // beside it (its CAs' NotBefore is 06:38:46, the folder's 06:52:15; same subjects): every
    // org's CA on disk is not the one the block carries. That is the renewed-CA outage.
    let kafka = verdicts("fabric-1.4.12-configtxgen/kafka");
    let kafka_bad = bad(&kafka);
    assert_eq!(kafka_bad.len(), 4, "{kafka_bad:#?}");
    assert!(
        kafka_bad.iter().all(|(i, s, m)| i == "CHANNEL-003"
            && s == "fail"
            && m.contains("kafka/genesis.block"))
    );
    // The SDK's fixtures: its deliberately broken transactions, and a test config block whose
    // CA and admin expired in 2020-2021.
    let sdk = verdicts("hyperledger__fabric-sdk-go");
    let sdk_bad = bad(&sdk);
    let named: Vec<(&str, &str)> = sdk_bad
        .iter()
        .map(|(i, _, m)| {
            (
                i.as_str(),
                m.split('"')
                    .nth(1)
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            ("CHANNEL-001", "extractcherr.tx"),
            ("CHANNEL-001", "signcherr.tx"),
            ("CHANNEL-001", "test.tx"),
            ("CHANNEL-004", "config.block"),
        ],
        "{sdk_bad:#?}"
    );
}

/// Checks judged on artifacts (the live RAFT checks have their own fixtures).
const STATIC_IDS: &[&str] = &[
    "CHANNEL-001",
    "CHANNEL-002",
    "CHANNEL-003",
    "CHANNEL-004",
    "CHANNEL-005",
    "CHANNEL-006",
    "CHANNEL-007",
    "CHANNEL-008",
    "RAFT-001",
    "RAFT-002",
    "RAFT-003",
    "RAFT-004",
    "RAFT-005",
];

fn fixture_verdicts(id: &str, variant: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/channel")
        .join(id)
        .join(variant);
    assert!(dir.is_dir(), "missing fixture {}", dir.display());
    let report = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["check", "--artifacts"])
        .arg(&dir)
        .args(["--select", id, "--at", "2026-06-01T00:00:00Z", "-o"])
        .arg(format!("json={}", report.path().display()))
        .output()
        .expect("run fabcheck");
    let code = out.status.code();
    let r: Value = serde_json::from_str(&std::fs::read_to_string(report.path()).unwrap()).unwrap();
    let findings: Vec<(String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["status"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected_code = if variant == "pass" { 0 } else { 1 };
    assert_eq!(code, Some(expected_code), "{id}/{variant}: {findings:#?}");
    findings
}

#[test]
fn every_static_channel_check_has_pass_and_fail_fixtures() {
    let listed = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["checks", "list", "--format", "json"])
        .output()
        .expect("run fabcheck");
    let catalogue: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/channel/README.md"),
    )
    .expect("fixtures/channel/README.md");
    assert!(readme.contains("cargo run --example regen-channel-fixtures"));
    for id in STATIC_IDS {
        assert!(
            catalogue.as_array().unwrap().iter().any(|e| e["id"] == *id),
            "{id} catalogued"
        );
        for variant in ["pass", "fail"] {
            assert!(
                readme.contains(&format!("`channel/{id}/{variant}`")),
                "fixtures/channel/README.md does not describe {id}/{variant}"
            );
            let findings = fixture_verdicts(id, variant);
            assert!(!findings.is_empty(), "{id}/{variant}");
            if variant == "pass" {
                assert!(
                    findings.iter().all(|(s, _)| s == "pass"),
                    "{id}/pass: {findings:#?}"
                );
            } else {
                assert!(
                    findings.iter().any(|(s, _)| s == "fail"),
                    "{id}/fail: {findings:#?}"
                );
            }
        }
    }
}

#[test]
fn fixture_failures_say_what_is_wrong() {
    let say = |id: &str, needle: &str| {
        let findings = fixture_verdicts(id, "fail");
        assert!(
            findings
                .iter()
                .any(|(s, m)| s == "fail" && m.contains(needle)),
            "{id}: no failure mentions '{needle}': {findings:#?}"
        );
    };
    say("CHANNEL-001", "it is text");
    say(
        "CHANNEL-001",
        "Channel/Orderer value BatchSize: failed to decode",
    );
    say(
        "CHANNEL-002",
        "4 Kafka broker(s) are deployed, but the orderers run solo",
    );
    say("CHANNEL-003", "is not in the channel configuration");
    say("CHANNEL-004", "expired 2026-01-01");
    say(
        "CHANNEL-005",
        "NodeOUs enabled in the genesis block of channel mychannel",
    );
    say("CHANNEL-006", "Channel/Application/Org1MSP");
    say("CHANNEL-007", "orderer9.example.com:7050");
    say(
        "CHANNEL-008",
        "application capability V2_0 needs Fabric 2.0.0",
    );
    say("RAFT-001", "2 etcdraft consenter(s)");
    say("RAFT-002", "consenter orderer1.example.com:7050");
    say("RAFT-003", "orderer2.example.com:7050");
    say("RAFT-004", "expired 2026-01-01");
    say(
        "RAFT-005",
        "ElectionTick (10) must be greater than HeartbeatTick (10)",
    );
}

/// The stand-in configtxgen writes the profile's policies as configtxgen encodes them
/// (cauthdsl `FromString`); decoded back, each reads as it was written.
#[test]
fn policies_written_as_configtx_yaml_writes_them_decode_to_the_same_rules() {
    let rules = [
        ("Channel", "Admins", "ImplicitMeta", "MAJORITY Admins"),
        ("Channel", "Readers", "ImplicitMeta", "ANY Readers"),
        (
            "Channel/Orderer",
            "BlockValidation",
            "ImplicitMeta",
            "ANY Writers",
        ),
        (
            "Channel/Orderer/OrdererMSP",
            "Readers",
            "Signature",
            "OR('OrdererMSP.member', 'OrdererMSP.peer')",
        ),
        (
            "Channel/Orderer/OrdererMSP",
            "Admins",
            "Signature",
            "OutOf(2, 'OrdererMSP.admin', 'OrdererMSP.peer', AND('OrdererMSP.client', 'OrdererMSP.orderer'))",
        ),
    ];
    let mut spec = blocks::ChannelSpec::new("sys", "solo");
    spec.orderer_orgs = vec![blocks::OrgSpec {
        name: "OrdererMSP".into(),
        ..blocks::OrgSpec::default()
    }];
    for (path, name, kind, rule) in rules {
        spec.policies
            .entry(path.into())
            .or_default()
            .push((name.into(), kind.into(), rule.into()));
    }
    let block = blocks::block_with_policies(&spec).expect("policies parse");
    let config =
        fabcheck::inventory::channel::decode(&block, fabcheck::inventory::Origin::file("b"), ".")
            .expect("decodes");
    for (path, name, kind, rule) in rules {
        let found = config
            .policies
            .iter()
            .find(|p| p.path == path && p.name == name)
            .unwrap_or_else(|| panic!("{path} {name}: {:#?}", config.policies));
        assert_eq!((found.kind.as_str(), found.rule.as_str()), (kind, rule));
    }
    assert!(blocks::policy_from("Signature", "OR('Org1MSP.boss')").is_err());
    assert!(blocks::policy_from("ImplicitMeta", "SOME Readers").is_err());
}
