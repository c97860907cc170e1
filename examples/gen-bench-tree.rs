//! Writes a cryptogen-shaped crypto tree for benchmarking `fabcheck check --artifacts`.
//!
//! Usage: `cargo run --release --example gen-bench-tree -- DIR [ORGS] [NODES]`
//! (defaults: 100 orgs × 10 peers).
//!
//! Per org (`DIR/peerOrganizations/org<i>.example.com/`), as cryptogen lays it out:
//!
//! ```text
//! ca/ca.org<i>.example.com-cert.pem, ca/priv_sk            the org's signing CA
//! tlsca/tlsca.org<i>.example.com-cert.pem, tlsca/priv_sk   the org's TLS CA
//! msp/{admincerts,cacerts,tlscacerts}/…                     the org (verifying) MSP
//! peers/peer<j>.org<i>.example.com/
//!     msp/{admincerts,cacerts,keystore,signcerts,tlscacerts}/…
//!     tls/{ca.crt,server.crt,server.key}
//! ```
//!
//! Every org has its own CA and TLS CA (ECDSA P-256), one admin certificate (for
//! `admincerts/`, since no `config.yaml` enables NodeOUs), and every peer its own signing
//! certificate and TLS server certificate; CA certificates are copied into every MSP. With the
//! defaults that is 2,300 distinct certificates written as 6,500 certificate files plus 2,200
//! private keys. Certificates are valid from 30 days ago; CAs for 10 years, leaves for 5.

#[path = "../tests/support/pki.rs"]
mod pki;

#[path = "support/args.rs"]
mod args;

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use pki::{Cert, Spec};
use rayon::prelude::*;
use time::{Duration, OffsetDateTime};

const DEFAULT_ORGS: usize = 100;
const DEFAULT_NODES: usize = 10;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-bench-tree: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args = args::Positional::from_env("usage: gen-bench-tree DIR [ORGS] [NODES]");
    let dir = args.dir()?;
    let orgs = args.count(1, DEFAULT_ORGS, "ORGS")?;
    let nodes = args.count(2, DEFAULT_NODES, "NODES")?;
    args.at_most(3)?;

    let started = Instant::now();
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("0 ns");
    let validity = Validity {
        not_before: now - Duration::days(30),
        ca_not_after: now + Duration::days(3650),
        leaf_not_after: now + Duration::days(1825),
    };
    let files: usize = (1..=orgs)
        .into_par_iter()
        .map(|i| write_org(&dir, i, nodes, &validity))
        .collect::<Result<Vec<usize>, String>>()?
        .into_iter()
        .sum();
    eprintln!(
        "gen-bench-tree: wrote {orgs} orgs x {nodes} peers ({} distinct certificates, {files} files) to {} in {:.2} s",
        orgs * (3 + 2 * nodes),
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

struct Validity {
    not_before: OffsetDateTime,
    ca_not_after: OffsetDateTime,
    leaf_not_after: OffsetDateTime,
}

impl Validity {
    fn spec(&self, org: &str, cn: &str, ca: bool) -> Spec {
        Spec {
            org: org.into(),
            cn: cn.into(),
            not_before: self.not_before,
            not_after: if ca {
                self.ca_not_after
            } else {
                self.leaf_not_after
            },
            ca,
            eku: Vec::new(),
            sans: Vec::new(),
            ous: Vec::new(),
            high_s: false,
        }
    }
}

/// Writes one org and its peers; returns the number of files written.
fn write_org(root: &Path, i: usize, nodes: usize, v: &Validity) -> Result<usize, String> {
    let org = format!("org{i}.example.com");
    let org_dir = root.join("peerOrganizations").join(&org);
    let ca = Cert::self_signed(v.spec(&org, &format!("ca.{org}"), true));
    let tlsca = Cert::self_signed(v.spec(&org, &format!("tlsca.{org}"), true));
    let admin = ca.issue(v.spec(&org, &format!("Admin@{org}"), false));

    let ca_name = format!("ca.{org}-cert.pem");
    let tlsca_name = format!("tlsca.{org}-cert.pem");
    let admin_name = format!("Admin@{org}-cert.pem");
    let (ca_pem, tlsca_pem, admin_pem) = (ca.pem(), tlsca.pem(), admin.pem());

    let mut w = Writer::default();
    w.put(&org_dir.join("ca").join(&ca_name), &ca_pem)?;
    w.put(&org_dir.join("ca/priv_sk"), &ca.key_pem())?;
    w.put(&org_dir.join("tlsca").join(&tlsca_name), &tlsca_pem)?;
    w.put(&org_dir.join("tlsca/priv_sk"), &tlsca.key_pem())?;
    let write_msp_cas = |w: &mut Writer, msp: &Path| -> Result<(), String> {
        w.put(&msp.join("admincerts").join(&admin_name), &admin_pem)?;
        w.put(&msp.join("cacerts").join(&ca_name), &ca_pem)?;
        w.put(&msp.join("tlscacerts").join(&tlsca_name), &tlsca_pem)
    };
    write_msp_cas(&mut w, &org_dir.join("msp"))?;

    for j in 0..nodes {
        let peer = format!("peer{j}.{org}");
        let peer_dir = org_dir.join("peers").join(&peer);
        let sign = ca.issue(v.spec(&org, &peer, false));
        let tls = tlsca.issue(
            v.spec(&org, &peer, false)
                .sans(&[&peer, &format!("peer{j}")]),
        );

        let msp = peer_dir.join("msp");
        write_msp_cas(&mut w, &msp)?;
        w.put(&msp.join("keystore/priv_sk"), &sign.key_pem())?;
        w.put(
            &msp.join("signcerts").join(format!("{peer}-cert.pem")),
            &sign.pem(),
        )?;
        let tls_dir = peer_dir.join("tls");
        w.put(&tls_dir.join("ca.crt"), &tlsca_pem)?;
        w.put(&tls_dir.join("server.crt"), &tls.pem())?;
        w.put(&tls_dir.join("server.key"), &tls.key_pem())?;
    }
    Ok(w.files)
}

/// Writes files, creating their folders; counts what it wrote.
#[derive(Default)]
struct Writer {
    files: usize,
}

impl Writer {
    fn put(&mut self, path: &Path, contents: &str) -> Result<(), String> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("failed to create {}: {e}", parent.display()))?;
        }
        fs::write(path, contents)
            .map_err(|e| format!("failed to write {}: {e}", path.display()))?;
        self.files += 1;
        Ok(())
    }
}
