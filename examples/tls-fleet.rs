//! Runs a fleet of healthy TLS + gRPC endpoints on 127.0.0.1 for `bench/tls.sh`, in its own
//! process so that the servers' CPU is not counted as fabcheck's (nor shares its runtime).
//!
//! Usage: `tls-fleet DIR [N]` (N defaults to 1,000). Starts N listeners, each on its own
//! ephemeral port, all serving one peer certificate (`peer0.org1.example.com` and its short
//! names, from org1's TLS CA) with ALPN h2 and answering any gRPC call with a status, using the
//! integration tests' servers (tests/support/tls_servers.rs). Writes:
//! - `DIR/tlsca.pem` — the TLS CA to trust;
//! - `DIR/endpoints.yaml` — the endpoints file for `fabcheck check --endpoints`;
//! - `DIR/endpoints.txt` — one `HOST:PORT SERVER_NAME` line per endpoint, for shell loops;
//!
//! then prints `ready N` and serves until its standard input closes.

#[path = "../tests/support/tls_servers.rs"]
mod tls_servers;

use std::io::{Read, Write};
use std::path::PathBuf;

use tls_servers::{EndpointEntry, Kind, PEER_NAME, Pki};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: tls-fleet DIR [N]");
        std::process::exit(2);
    };
    let count: usize = match args.next().map(|n| n.parse()) {
        None => 1_000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("tls-fleet: N must be a positive number");
            std::process::exit(2);
        }
    };
    std::fs::create_dir_all(&dir).expect("create the output directory");

    let pki = Pki::new();
    let ca = dir.join("tlsca.pem");
    std::fs::write(&ca, pki.org1.tlsca.pem()).expect("write tlsca.pem");
    // Listeners run on the servers' own background runtime (two workers).
    let fleet = tls_servers::start_fleet(Kind::Peer, &pki, count);

    let entries: Vec<EndpointEntry> = fleet
        .iter()
        .enumerate()
        .map(|(i, server)| EndpointEntry {
            tls_ca: Some(ca.clone()),
            ..EndpointEntry::peer(&format!("peer{i}.org1"), server, &pki)
        })
        .collect();
    tls_servers::write_endpoints_yaml(&dir.join("endpoints.yaml"), &entries)
        .expect("write endpoints.yaml");
    let list: String = fleet
        .iter()
        .map(|s| format!("{} {PEER_NAME}\n", s.address()))
        .collect();
    std::fs::write(dir.join("endpoints.txt"), list).expect("write endpoints.txt");

    let mut out = std::io::stdout().lock();
    writeln!(out, "ready {}", fleet.len()).expect("stdout");
    out.flush().expect("stdout");
    drop(out);
    // Serve until the caller closes our input (or dies, which closes it too).
    let _ = std::io::stdin().lock().read_to_end(&mut Vec::new());
    drop(fleet);
}
