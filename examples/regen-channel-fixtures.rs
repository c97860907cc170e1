//! Regenerates the channel configuration fixtures under `fixtures/channel/` (used by
//! `tests/channel.rs`): for each CHANNEL and RAFT check a `pass/` tree where every finding of
//! that check passes and a `fail/` tree where it reports its problem, then
//! `fixtures/channel/README.md` describing them.
//!
//! Run from the repository root: `cargo run --example regen-channel-fixtures`. Blocks are
//! encoded with fabcheck's own protobuf messages the way configtxgen lays them out
//! (`tests/support/blocks.rs`); certificates come from the shared test PKI
//! (`tests/support/pki.rs`), so every run changes the bytes but never the verdicts. No private
//! key is written: a channel configuration holds none.

#[path = "../tests/support/blocks.rs"]
mod blocks;
#[path = "../tests/support/pki.rs"]
mod pki;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use blocks::{ChannelSpec, ConsenterSpec, OrgSpec};
use pki::{Cert, Spec};

const FROM: &str = "2020-01-01T00:00:00Z";
const UNTIL: &str = "2099-01-01T00:00:00Z";

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("failed to create {}: {e}", dir.display()));
    }
    fs::write(path, contents).unwrap_or_else(|e| panic!("failed to write {}: {e}", path.display()));
}

/// One org's CAs, as cryptogen makes them.
struct Org {
    name: String,
    ca: Cert,
    tlsca: Cert,
}

impl Org {
    fn new(domain: &str, msp: &str) -> Org {
        Org {
            name: msp.into(),
            ca: Cert::self_signed(Spec::new(domain, &format!("ca.{domain}"), FROM, UNTIL).ca()),
            tlsca: Cert::self_signed(
                Spec::new(domain, &format!("tlsca.{domain}"), FROM, UNTIL).ca(),
            ),
        }
    }

    fn spec(&self) -> OrgSpec {
        OrgSpec {
            name: self.name.clone(),
            root_pems: vec![self.ca.pem()],
            tls_root_pems: vec![self.tlsca.pem()],
            admin_pems: Vec::new(),
            node_ous: true,
            anchor_peers: Vec::new(),
            endpoints: Vec::new(),
        }
    }

    /// A node's local MSP on disk: cacerts, tlscacerts and (with NodeOUs) config.yaml.
    fn write_msp(&self, dir: &Path, ca: &Cert, node_ous: bool) {
        write(&dir.join("cacerts/ca.pem"), ca.pem());
        write(&dir.join("tlscacerts/tlsca.pem"), self.tlsca.pem());
        if node_ous {
            write(
                &dir.join("config.yaml"),
                "NodeOUs:\n  Enable: true\n  ClientOUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: client\n  PeerOUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: peer\n  AdminOUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: admin\n  OrdererOUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: orderer\n",
            );
        }
    }
}

/// The orderer org with `n` orderers, their TLS certificates and the raft channel spec.
struct Ordering {
    org: Org,
    tls: Vec<Cert>,
}

impl Ordering {
    fn new(n: usize) -> Ordering {
        let org = Org::new("example.com", "OrdererMSP");
        let tls = (0..n)
            .map(|i| {
                let host = format!("orderer{i}.example.com");
                org.tlsca.issue(
                    Spec::new("example.com", &host, FROM, UNTIL)
                        .sans(&[&host, &format!("orderer{i}")]),
                )
            })
            .collect();
        Ordering { org, tls }
    }

    fn consenters(&self) -> Vec<ConsenterSpec> {
        self.tls
            .iter()
            .enumerate()
            .map(|(i, c)| ConsenterSpec {
                host: format!("orderer{i}.example.com"),
                port: 7050,
                client_pem: c.pem(),
                server_pem: c.pem(),
            })
            .collect()
    }

    fn raft(&self) -> ChannelSpec {
        let mut s = ChannelSpec::new("system-channel", "etcdraft");
        s.consenters = self.consenters();
        s.orderer_orgs = vec![self.org.spec()];
        s.orderer_addresses = (0..self.tls.len())
            .map(|i| format!("orderer{i}.example.com:7050"))
            .collect();
        s
    }

    /// Each orderer's `tls/server.crt` in cryptogen's layout.
    fn write_tls(&self, root: &Path) {
        for (i, c) in self.tls.iter().enumerate() {
            write(
                &root.join(format!("crypto-config/ordererOrganizations/example.com/orderers/orderer{i}.example.com/tls/server.crt")),
                c.pem(),
            );
        }
    }
}

/// A docker-compose file deploying these services (name, image).
fn compose(root: &Path, services: &[(&str, &str)]) {
    let mut text = String::from("version: '2'\nservices:\n");
    for (name, image) in services {
        let _ = writeln!(
            text,
            "  {name}:\n    image: {image}\n    container_name: {name}"
        );
    }
    write(&root.join("docker-compose.yaml"), text);
}

fn orderers(n: usize) -> Vec<(String, &'static str)> {
    (0..n)
        .map(|i| {
            (
                format!("orderer{i}.example.com"),
                "hyperledger/fabric-orderer:1.4.12",
            )
        })
        .collect()
}

fn services<'a>(list: &'a [(String, &'static str)]) -> Vec<(&'a str, &'static str)> {
    list.iter().map(|(n, i)| (n.as_str(), *i)).collect()
}

struct Cases {
    base: PathBuf,
    list: Vec<(String, String)>,
}

impl Cases {
    fn dir(&mut self, id: &str, variant: &str, what: &str) -> PathBuf {
        self.list.push((format!("{id}/{variant}"), what.into()));
        self.base.join(id).join(variant)
    }
}

fn main() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/channel");
    if base.exists() {
        fs::remove_dir_all(&base)
            .unwrap_or_else(|e| panic!("failed to remove {}: {e}", base.display()));
    }
    let mut c = Cases {
        base: base.clone(),
        list: Vec::new(),
    };

    // CHANNEL-001
    let o = Ordering::new(3);
    let d = c.dir(
        "CHANNEL-001",
        "pass",
        "genesis.block: an etcdraft system-channel genesis block that decodes.",
    );
    write(&d.join("genesis.block"), blocks::block(&o.raft()));
    let d = c.dir("CHANNEL-001", "fail", "genesis.block is text (a placeholder committed where the block belongs); config.block is a block whose BatchSize value is not a BatchSize.");
    write(
        &d.join("genesis.block"),
        "run ./generate.sh to create the genesis block\n",
    );
    let spec = o.raft();
    let mut group = blocks::channel_group(&spec);
    group
        .groups
        .get_mut("Orderer")
        .unwrap()
        .values
        .get_mut("BatchSize")
        .unwrap()
        .value = vec![0x0a, 0xff];
    write(&d.join("config.block"), blocks::block_of(&spec, group));

    // CHANNEL-002
    let kafka_services: Vec<(String, &'static str)> = orderers(1)
        .into_iter()
        .chain((0..4).map(|i| (format!("kafka{i}"), "hyperledger/fabric-kafka:0.4.22")))
        .collect();
    let mut kafka = ChannelSpec::new("system-channel", "kafka");
    kafka.kafka_brokers = (0..4).map(|i| format!("kafka{i}:9092")).collect();
    kafka.orderer_orgs = vec![o.org.spec()];
    let d = c.dir("CHANNEL-002", "pass", "channel-artifacts/genesis.block says kafka; docker-compose.yaml deploys one orderer and four Kafka brokers.");
    write(
        &d.join("channel-artifacts/genesis.block"),
        blocks::block(&kafka),
    );
    compose(&d, &services(&kafka_services));
    let d = c.dir("CHANNEL-002", "fail", "channel-artifacts/genesis.block says solo while docker-compose.yaml deploys four Kafka brokers beside the orderer: the brokers are never used.");
    let mut solo = kafka.clone();
    solo.consensus = "solo".into();
    solo.kafka_brokers.clear();
    write(
        &d.join("channel-artifacts/genesis.block"),
        blocks::block(&solo),
    );
    compose(&d, &services(&kafka_services));

    // CHANNEL-003 and CHANNEL-005: an application channel and org1's peer MSP on disk.
    let org1 = Org::new("org1.example.com", "Org1MSP");
    let mut app = ChannelSpec::new("mychannel", "etcdraft");
    app.consenters = o.consenters();
    app.orderer_orgs = vec![o.org.spec()];
    app.application_orgs = Some(vec![org1.spec()]);
    let peer_msp =
        "crypto-config/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp";
    let d = c.dir(
        "CHANNEL-003",
        "pass",
        "mychannel.block carries org1's CA; peer0's MSP on disk holds the same CA.",
    );
    write(&d.join("mychannel.block"), blocks::block(&app));
    org1.write_msp(&d.join(peer_msp), &org1.ca, true);
    let d = c.dir("CHANNEL-003", "fail", "peer0's MSP on disk holds a CA renewed with a new key (same subject, ca.org1.example.com) that mychannel.block does not carry: every certificate it issues is 'signed by unknown authority'.");
    write(&d.join("mychannel.block"), blocks::block(&app));
    let renewed = Cert::self_signed(
        Spec::new(
            "org1.example.com",
            "ca.org1.example.com",
            "2025-01-01T00:00:00Z",
            UNTIL,
        )
        .ca(),
    );
    org1.write_msp(&d.join(peer_msp), &renewed, true);
    let d = c.dir(
        "CHANNEL-005",
        "pass",
        "NodeOUs enabled in mychannel.block's Org1MSP and in peer0's config.yaml.",
    );
    write(&d.join("mychannel.block"), blocks::block(&app));
    org1.write_msp(&d.join(peer_msp), &org1.ca, true);
    let d = c.dir(
        "CHANNEL-005",
        "fail",
        "NodeOUs enabled in mychannel.block's Org1MSP; peer0's MSP has no config.yaml.",
    );
    write(&d.join("mychannel.block"), blocks::block(&app));
    org1.write_msp(&d.join(peer_msp), &org1.ca, false);

    // CHANNEL-004
    let d = c.dir(
        "CHANNEL-004",
        "pass",
        "every CA in mychannel.block is valid until 2099.",
    );
    write(&d.join("mychannel.block"), blocks::block(&app));
    let d = c.dir(
        "CHANNEL-004",
        "fail",
        "Org1MSP's CA in mychannel.block expired 2026-01-01 (the tests evaluate at 2026-06-01).",
    );
    let expired = Cert::self_signed(
        Spec::new(
            "org1.example.com",
            "ca.org1.example.com",
            FROM,
            "2026-01-01T00:00:00Z",
        )
        .ca(),
    );
    let mut old = app.clone();
    old.application_orgs.as_mut().unwrap()[0].root_pems = vec![expired.pem()];
    write(&d.join("mychannel.block"), blocks::block(&old));

    // CHANNEL-006
    let d = c.dir(
        "CHANNEL-006",
        "pass",
        "Org1MSP has NodeOUs with an admin OU; OrdererMSP lists an admin certificate.",
    );
    let mut admins = app.clone();
    let admin = o
        .org
        .ca
        .issue(Spec::new("example.com", "Admin@example.com", FROM, UNTIL));
    admins.orderer_orgs[0].node_ous = false;
    admins.orderer_orgs[0].admin_pems = vec![admin.pem()];
    write(&d.join("mychannel.block"), blocks::block(&admins));
    let d = c.dir("CHANNEL-006", "fail", "Org1MSP has neither NodeOUs nor admin certificates: its Admins policy can never be satisfied.");
    let mut none = app.clone();
    none.application_orgs.as_mut().unwrap()[0].node_ous = false;
    write(&d.join("mychannel.block"), blocks::block(&none));

    // CHANNEL-007 and RAFT-003: the compose file deploys orderer0..2.
    let three = orderers(3);
    let d = c.dir("CHANNEL-007", "pass", "OrdererAddresses orderer{0,1,2}.example.com:7050; docker-compose.yaml deploys those three orderers.");
    write(&d.join("genesis.block"), blocks::block(&o.raft()));
    compose(&d, &services(&three));
    let d = c.dir(
        "CHANNEL-007",
        "fail",
        "OrdererAddresses also lists orderer9.example.com:7050, which nothing deploys.",
    );
    let mut extra = o.raft();
    extra
        .orderer_addresses
        .push("orderer9.example.com:7050".into());
    write(&d.join("genesis.block"), blocks::block(&extra));
    compose(&d, &services(&three));
    let d = c.dir(
        "RAFT-003",
        "pass",
        "the three consenters are the three orderers docker-compose.yaml deploys.",
    );
    write(&d.join("genesis.block"), blocks::block(&o.raft()));
    compose(&d, &services(&three));
    let d = c.dir("RAFT-003", "fail", "docker-compose.yaml deploys orderer0 and orderer1 only; consenter orderer2.example.com:7050 answers nowhere.");
    write(&d.join("genesis.block"), blocks::block(&o.raft()));
    compose(&d, &services(&orderers(2)));

    // CHANNEL-008
    let with_peer: Vec<(String, &'static str)> = three
        .iter()
        .cloned()
        .chain([(
            "peer0.org1.example.com".to_owned(),
            "hyperledger/fabric-peer:1.4.12",
        )])
        .collect();
    let d = c.dir(
        "CHANNEL-008",
        "pass",
        "capabilities V1_4_3/V1_4_2 with Fabric 1.4.12 orderers and peer.",
    );
    write(&d.join("mychannel.block"), blocks::block(&app));
    compose(&d, &services(&with_peer));
    let d = c.dir(
        "CHANNEL-008",
        "fail",
        "the application capability V2_0 with Fabric 1.4.12 peers: they stop at this block.",
    );
    let mut v2 = app.clone();
    v2.application_caps = vec!["V2_0".into()];
    write(&d.join("mychannel.block"), blocks::block(&v2));
    compose(&d, &services(&with_peer));

    // RAFT-001
    let d = c.dir("RAFT-001", "pass", "three etcdraft consenters.");
    write(&d.join("genesis.block"), blocks::block(&o.raft()));
    let d = c.dir(
        "RAFT-001",
        "fail",
        "two etcdraft consenters: losing one stops the channel.",
    );
    let two = Ordering::new(2);
    write(&d.join("genesis.block"), blocks::block(&two.raft()));

    // RAFT-002
    let d = c.dir(
        "RAFT-002",
        "pass",
        "each consenter's certificate is its orderer's tls/server.crt.",
    );
    write(&d.join("genesis.block"), blocks::block(&o.raft()));
    o.write_tls(&d);
    let d = c.dir("RAFT-002", "fail", "orderer1's tls/server.crt was renewed (new key) without a channel update: its consenter still carries the old one.");
    write(&d.join("genesis.block"), blocks::block(&o.raft()));
    o.write_tls(&d);
    let renewed = o.org.tlsca.issue(
        Spec::new(
            "example.com",
            "orderer1.example.com",
            "2025-01-01T00:00:00Z",
            UNTIL,
        )
        .sans(&["orderer1.example.com", "orderer1"]),
    );
    write(&d.join("crypto-config/ordererOrganizations/example.com/orderers/orderer1.example.com/tls/server.crt"), renewed.pem());

    // RAFT-004
    let d = c.dir(
        "RAFT-004",
        "pass",
        "every consenter certificate is valid until 2099 and begins with its TLS CA.",
    );
    write(&d.join("genesis.block"), blocks::block(&o.raft()));
    let d = c.dir(
        "RAFT-004",
        "fail",
        "orderer2's consenter certificate expired 2026-01-01.",
    );
    let mut gone = o.raft();
    let expired = o.org.tlsca.issue(
        Spec::new(
            "example.com",
            "orderer2.example.com",
            FROM,
            "2026-01-01T00:00:00Z",
        )
        .sans(&["orderer2.example.com"]),
    );
    gone.consenters[2].client_pem = expired.pem();
    gone.consenters[2].server_pem = expired.pem();
    write(&d.join("genesis.block"), blocks::block(&gone));

    // RAFT-005
    let d = c.dir("RAFT-005", "pass", "Fabric's default options: TickInterval 500ms, ElectionTick 10, HeartbeatTick 1, MaxInflightBlocks 5.");
    write(&d.join("genesis.block"), blocks::block(&o.raft()));
    let d = c.dir(
        "RAFT-005",
        "fail",
        "ElectionTick 10 equal to HeartbeatTick 10: Fabric refuses the configuration.",
    );
    let mut bad = o.raft();
    bad.raft_options = ("500ms".into(), 10, 10, 5, 16 * 1024 * 1024);
    write(&d.join("genesis.block"), blocks::block(&bad));

    let mut readme = String::from(
        "# Channel configuration fixtures\n\nGenerated by `examples/regen-channel-fixtures.rs`; do not edit by hand. Regenerate (this README included) from the repository root with:\n\n```sh\ncargo run --example regen-channel-fixtures\n```\n\nEach CHANNEL and RAFT check has a `pass/` tree, where every finding of that check passes, and a `fail/` tree, where it reports its problem. Blocks are encoded the way configtxgen lays them out (`tests/support/blocks.rs`); certificates are valid from 2020-01-01 to 2099-01-01 unless said otherwise, and `tests/channel.rs` evaluates every tree with `--at 2026-06-01T00:00:00Z`. Keys and signatures are random, so every run changes the bytes but not the verdicts. No private key is written.\n\n| Fixture | What it holds |\n|---|---|\n",
    );
    for (name, what) in &c.list {
        let _ = writeln!(readme, "| `channel/{name}` | {what} |");
    }
    write(&base.join("README.md"), readme);
    println!(
        "wrote {} fixture trees under {}",
        c.list.len(),
        base.display()
    );
}
