//! A Fabric peer or orderer stand-in, for a container image that takes a node's place on a
//! real Kubernetes node where Fabric's own images cannot be pulled. It plays the protocols the
//! checks probe, never a verdict: TLS with the node's own certificate, gRPC over HTTP/2 (the
//! Fabric method answered with a status, and the real gRPC health service from tonic-health),
//! and the operations endpoint (`/healthz`, `/metrics`) as Fabric's serves them. The servers
//! are the integration tests' (tests/support/tls_servers.rs).
//!
//! ```text
//! standin-node --cert FILE --key FILE [options]
//!
//!   --cert FILE            TLS certificate chain (PEM), leaf first: the node's tls/server.crt
//!   --key FILE             its private key (PEM: PKCS#8, SEC1 or PKCS#1): tls/server.key
//!   --client-ca FILE       verify client certificates against these CAs (PEM); with
//!                          --client-auth-required they are required (CORE_PEER_TLS_
//!                          CLIENTAUTHREQUIRED), otherwise checked only when sent
//!   --client-auth-required require a client certificate on the gRPC port
//!   --grpc ADDR|off        gRPC listen address            [default: 0.0.0.0:7051]
//!   --health STATUS        serving | not-serving | unknown | none: the grpc.health.v1 whole-
//!                          server status; none registers no health service (as Fabric's peer
//!                          port and orderers before v3.1.2)   [default: serving]
//!   --operations ADDR      operations listen address, or `off`   [default: 0.0.0.0:9443]
//!   --operations-tls       serve the operations endpoint over HTTPS with the same certificate
//!                          (operations.tls.enabled); /metrics then needs a client certificate
//!                          from --client-ca, as Fabric's secure handler does
//!   --operations-client-auth-required
//!                          require a client certificate on the operations endpoint too
//!   --failing COMPONENT=REASON
//!                          /healthz answers 503 naming this failed check (repeatable)
//!   --height CHANNEL=N     /metrics reports ledger_blockchain_height{channel} = N (repeatable)
//!   --no-metrics           no /metrics (404), as a node whose metrics provider is not
//!                          prometheus
//!   --ledger orderer|peer  keep a stand-in ledger on the operations port
//!                          (tests/support/standin_fabric.rs)
//!   --ledger-dir DIR       keep it in DIR across restarts (the node's ledger volume)
//!   --cainfo NAME=FILE     answer fabric-ca's /cainfo as CA NAME with the chain in FILE
//!                          (a CA stand-in: --grpc off, --operations on the CA's port)
//! ```
//!
//! Called as `configtxgen` or `peer` (a link to this binary), it is the tools image's stand-in
//! for those commands instead (tests/support/standin_fabric.rs); called as `chaincode`, it is
//! the Docker-launched chaincode a stand-in peer starts (tests/support/standin_chaincode.rs).
//!
//! Prints `ready grpc=ADDR operations=ADDR` once both listen, then serves until SIGTERM or
//! Ctrl-C. Exit code 2 on a usage error or unreadable material (the message names the file,
//! never the key's content).

#[path = "../tests/support/blocks.rs"]
mod blocks;
#[path = "../tests/support/standin_chaincode.rs"]
mod standin_chaincode;
#[path = "../tests/support/standin_fabric.rs"]
mod standin_fabric;
#[path = "../tests/support/tls_servers.rs"]
mod tls_servers;

use std::net::SocketAddr;
use std::path::PathBuf;

use std::sync::Arc;

use standin_fabric::{CaInfo, Ledger, Role};
use tls_servers::{Extra, OpsServer, OpsSpec, Server};
use tonic_health::ServingStatus;

struct Args {
    cert: PathBuf,
    key: PathBuf,
    client_ca: Option<PathBuf>,
    client_auth_required: bool,
    grpc: Option<SocketAddr>,
    health: Option<ServingStatus>,
    operations: Option<SocketAddr>,
    operations_tls: bool,
    operations_client_auth_required: bool,
    spec: OpsSpec,
    ledger: Option<Role>,
    ledger_dir: Option<PathBuf>,
}

fn usage(message: &str) -> ! {
    eprintln!("standin-node: {message}");
    eprintln!(
        "usage: standin-node --cert FILE --key FILE [--client-ca FILE] [--client-auth-required] [--grpc ADDR|off] [--health serving|not-serving|unknown|none] [--operations ADDR|off] [--operations-tls] [--operations-client-auth-required] [--failing COMPONENT=REASON]... [--height CHANNEL=N]... [--no-metrics] [--ledger orderer|peer] [--ledger-dir DIR] [--cainfo NAME=FILE]"
    );
    std::process::exit(2);
}

fn parse() -> Args {
    let mut cert = None;
    let mut key = None;
    let mut args = Args {
        cert: PathBuf::new(),
        key: PathBuf::new(),
        client_ca: None,
        client_auth_required: false,
        grpc: Some("0.0.0.0:7051".parse().expect("default address")),
        health: Some(ServingStatus::Serving),
        operations: Some("0.0.0.0:9443".parse().expect("default address")),
        operations_tls: false,
        operations_client_auth_required: false,
        spec: OpsSpec {
            failing: Vec::new(),
            heights: Some(Vec::new()),
            extra: None,
        },
        ledger: None,
        ledger_dir: None,
    };
    let mut it = std::env::args().skip(1);
    let addr = |v: Option<String>, flag: &str| -> SocketAddr {
        v.and_then(|v| v.parse().ok())
            .unwrap_or_else(|| usage(&format!("{flag} needs an address such as 0.0.0.0:7051")))
    };
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--cert" => cert = it.next().map(PathBuf::from),
            "--key" => key = it.next().map(PathBuf::from),
            "--client-ca" => args.client_ca = it.next().map(PathBuf::from),
            "--client-auth-required" => args.client_auth_required = true,
            "--grpc" => {
                args.grpc = match it.next() {
                    Some(v) if v == "off" => None,
                    v => Some(addr(v, "--grpc")),
                }
            }
            "--health" => {
                args.health = match it.next().as_deref() {
                    Some("serving") => Some(ServingStatus::Serving),
                    Some("not-serving") => Some(ServingStatus::NotServing),
                    Some("unknown") => Some(ServingStatus::Unknown),
                    Some("none") => None,
                    _ => usage("--health is serving, not-serving, unknown or none"),
                }
            }
            "--operations" => {
                args.operations = match it.next() {
                    Some(v) if v == "off" => None,
                    v => Some(addr(v, "--operations")),
                }
            }
            "--operations-tls" => args.operations_tls = true,
            "--operations-client-auth-required" => args.operations_client_auth_required = true,
            "--failing" => {
                let v = it.next().unwrap_or_default();
                let Some((c, r)) = v.split_once('=') else {
                    usage("--failing takes COMPONENT=REASON")
                };
                args.spec.failing.push((c.to_owned(), r.to_owned()));
            }
            "--height" => {
                let v = it.next().unwrap_or_default();
                let Some((c, Ok(h))) = v.split_once('=').map(|(c, h)| (c, h.parse::<u64>())) else {
                    usage("--height takes CHANNEL=N")
                };
                if let Some(heights) = &mut args.spec.heights {
                    heights.push((c.to_owned(), h));
                }
            }
            "--no-metrics" => args.spec.heights = None,
            "--ledger" => {
                let role = match it.next().as_deref() {
                    Some("orderer") => Role::Orderer,
                    Some("peer") => Role::Peer,
                    _ => usage("--ledger is orderer or peer"),
                };
                args.ledger = Some(role);
            }
            "--ledger-dir" => args.ledger_dir = it.next().map(PathBuf::from),
            "--cainfo" => {
                let v = it.next().unwrap_or_default();
                let Some((name, file)) = v.split_once('=') else {
                    usage("--cainfo takes NAME=FILE")
                };
                let chain_pem = read(&PathBuf::from(file));
                args.spec.extra = Some(Extra(Arc::new(CaInfo {
                    name: name.to_owned(),
                    chain_pem,
                })));
            }
            "-h" | "--help" => usage("a Fabric node stand-in"),
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    if let Some(role) = args.ledger {
        let ledger = match &args.ledger_dir {
            Some(dir) => Ledger::open(role, dir),
            None => Ledger::new(role),
        };
        // A peer with a Docker endpoint launches chaincode there (CORE_VM_ENDPOINT).
        let ledger = match role {
            Role::Peer => ledger.with_launcher(standin_chaincode::Launcher::from_env()),
            Role::Orderer => ledger,
        };
        args.spec.extra = Some(Extra(Arc::new(ledger)));
    }
    args.cert = cert.unwrap_or_else(|| usage("--cert is required"));
    args.key = key.unwrap_or_else(|| usage("--key is required"));
    args
}

fn read(path: &PathBuf) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("standin-node: failed to read {}: {e}", path.display());
        std::process::exit(2);
    })
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let called = argv
        .first()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_owned());
    match called.as_deref() {
        Some("configtxgen") => std::process::exit(standin_fabric::configtxgen(&argv[1..])),
        Some("peer") => std::process::exit(standin_fabric::peer(&argv[1..])),
        Some("chaincode") => std::process::exit(standin_chaincode::shim(&argv[1..])),
        _ => {}
    }
    let args = parse();
    let (cert, key) = (read(&args.cert), read(&args.key));
    let client_ca = args.client_ca.as_ref().map(read);
    let config = |alpn: Vec<Vec<u8>>, required: bool| {
        tls_servers::server_config_from_pem(&cert, &key, client_ca.as_deref(), required, alpn)
            .unwrap_or_else(|e| {
                eprintln!("standin-node: failed to use the TLS material: {e}");
                std::process::exit(2);
            })
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let grpc = args.grpc.map(|addr| {
            Server::bind_node(
                addr,
                config(vec![b"h2".to_vec()], args.client_auth_required),
                args.health,
            )
            .unwrap_or_else(|e| {
                eprintln!("standin-node: failed to listen on {addr}: {e}");
                std::process::exit(2);
            })
        });
        let ops = args.operations.map(|addr| {
            let tls = args.operations_tls.then(|| {
                config(
                    vec![b"http/1.1".to_vec()],
                    args.operations_client_auth_required,
                )
            });
            OpsServer::bind(addr, tls, args.spec.clone()).unwrap_or_else(|e| {
                eprintln!("standin-node: failed to listen on {addr}: {e}");
                std::process::exit(2);
            })
        });
        println!(
            "ready grpc={} operations={}",
            grpc.as_ref()
                .map_or_else(|| "off".to_owned(), |g| g.addr.to_string()),
            ops.as_ref().map_or_else(|| "off".to_owned(), |o| o.url())
        );
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        drop(ops);
        drop(grpc);
    });
}
