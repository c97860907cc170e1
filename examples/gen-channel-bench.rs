//! Writes the channel benchmark's input (`bench/channel.sh`): N config blocks of one channel
//! with ORGS application orgs, three etcdraft consenters and an orderer org, as a channel's
//! `peer channel fetch config` history would hold them (blocks 1..=N, sequences 1..=N). Each
//! org has its own CA, TLS CA and admin; every certificate is valid, so the checks pass.
//!
//! `cargo run --release --example gen-channel-bench -- DIR BLOCKS ORGS`

#[path = "../tests/support/blocks.rs"]
mod blocks;
#[path = "../tests/support/pki.rs"]
mod pki;

use std::path::PathBuf;

use blocks::{ChannelSpec, ConsenterSpec, OrgSpec};
use pki::{Cert, Spec};

const FROM: &str = "2020-01-01T00:00:00Z";
const UNTIL: &str = "2099-01-01T00:00:00Z";

fn org(i: usize) -> OrgSpec {
    let domain = format!("org{i}.example.com");
    let ca = Cert::self_signed(Spec::new(&domain, &format!("ca.{domain}"), FROM, UNTIL).ca());
    let tlsca = Cert::self_signed(Spec::new(&domain, &format!("tlsca.{domain}"), FROM, UNTIL).ca());
    let admin =
        ca.issue(Spec::new(&domain, &format!("Admin@{domain}"), FROM, UNTIL).ous(&["admin"]));
    OrgSpec {
        name: format!("Org{i}MSP"),
        root_pems: vec![ca.pem()],
        tls_root_pems: vec![tlsca.pem()],
        admin_pems: vec![admin.pem()],
        node_ous: true,
        anchor_peers: vec![(format!("peer0.{domain}"), 7051)],
        endpoints: Vec::new(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(blocks), Some(orgs)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("usage: gen-channel-bench DIR BLOCKS ORGS");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let blocks: u64 = blocks.parse().expect("BLOCKS is a number");
    let orgs: usize = orgs.parse().expect("ORGS is a number");
    std::fs::create_dir_all(&dir).expect("create DIR");
    let orderer_org = org(0);
    let tlsca = Cert::self_signed(Spec::new("example.com", "tlsca.example.com", FROM, UNTIL).ca());
    let consenters = (0..3)
        .map(|i| {
            let host = format!("orderer{i}.example.com");
            let cert = tlsca.issue(Spec::new("example.com", &host, FROM, UNTIL).sans(&[&host]));
            ConsenterSpec {
                host,
                port: 7050,
                client_pem: cert.pem(),
                server_pem: cert.pem(),
            }
        })
        .collect();
    let mut spec = ChannelSpec::new("mychannel", "etcdraft");
    spec.consenters = consenters;
    spec.orderer_orgs = vec![OrgSpec {
        name: "OrdererMSP".into(),
        tls_root_pems: vec![tlsca.pem()],
        ..orderer_org
    }];
    spec.orderer_addresses = (0..3)
        .map(|i| format!("orderer{i}.example.com:7050"))
        .collect();
    spec.application_orgs = Some((1..=orgs).map(org).collect());
    for n in 1..=blocks {
        spec.number = n;
        std::fs::write(
            dir.join(format!("config_block_{n:05}.pb")),
            blocks::block(&spec),
        )
        .expect("write block");
    }
    println!(
        "wrote {blocks} config blocks of a {orgs}-org channel to {}",
        dir.display()
    );
}
