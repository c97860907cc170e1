//! The live RAFT probes against real servers on 127.0.0.1:
//! - an orderer stand-in serving `/orderer.AtomicBroadcast/Deliver` over rustls and HTTP/2
//!   (tonic's server-side gRPC with the prost codec) that delivers the real config block 2 of
//!   `mychannel` (Fabric 1.4.12 configtxgen output) and a newest block whose metadata points at
//!   it; it checks each request the way an orderer does (the signature over the payload against
//!   the creator's certificate, ECDSA P-256, low-S; the creator's issuer standing in for the
//!   Readers policy; under mutual TLS the certificate hash) and answers FORBIDDEN otherwise;
//! - operations stand-ins serving Fabric 2.x orderer `/metrics` pages (fixtures/raft), read by
//!   the live phase and judged by RAFT-008 and RAFT-009.

#[path = "support/tls_servers.rs"]
mod tls_servers;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fabcheck::checks::Check;
use fabcheck::checks::raft::raft_leader::RaftLeader;
use fabcheck::checks::raft::raft_nodes_inactive::RaftNodesInactive;
use fabcheck::finding::Status;
use fabcheck::inventory::channel::protos::{
    Block, BlockHeader, BlockMetadata, ChannelHeader, DeliverResponse, Envelope, LastConfig,
    Metadata, Payload, SeekInfo, SerializedIdentity, SignatureHeader, deliver_response,
    seek_position,
};
use fabcheck::inventory::identity::SigningIdentity;
use fabcheck::inventory::live::{NodeRole, OperationsEndpoint, TlsEndpoint};
use fabcheck::probe::Timeouts;
use fabcheck::probe::deliver::fetch_config;
use hyper_util::rt::{TokioExecutor, TokioIo};
use prost::Message;
use tls_servers::pki::{Cert, Spec};
use tls_servers::{ORDERER_NAME, Pki, server_config_from_pem};
use tokio::net::TcpListener;
use tonic::codegen::tokio_stream;

const CHANNEL: &str = "mychannel";
const MSP_ID: &str = "OrdererMSP";

fn config_block() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/realworld/fabric-1.4.12-configtxgen/raft/config_block.pb");
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): CI checks out ../shared beside the repo",
            path.display()
        )
    })
}

/// What the orderer stand-in holds and trusts.
struct Ledger {
    /// The real config block (number 2) and a newest block (3) whose 1.4-style metadata
    /// (LAST_CONFIG, metadata[1]) names it.
    config: Block,
    newest: Block,
    /// The CA whose identities may read the channel (the Readers policy, in short).
    readers_ca: Vec<u8>,
}

impl Ledger {
    fn new(readers_ca: &Cert) -> Ledger {
        let config = Block::decode(config_block().as_slice()).expect("config_block.pb is a Block");
        assert_eq!(config.header.as_ref().unwrap().number, 2);
        let last_config = Metadata {
            value: LastConfig { index: 2 }.encode_to_vec(),
            signatures: vec![],
        };
        let newest = Block {
            header: Some(BlockHeader {
                number: 3,
                previous_hash: vec![7; 32],
                data_hash: vec![8; 32],
            }),
            data: None,
            metadata: Some(BlockMetadata {
                metadata: vec![
                    Metadata::default().encode_to_vec(),
                    last_config.encode_to_vec(),
                    vec![],
                    vec![],
                ],
            }),
        };
        Ledger {
            config,
            newest,
            readers_ca: readers_ca.der.clone(),
        }
    }

    /// What the orderer answers one Deliver request with, as common/deliver/deliver.go does.
    fn answer(&self, env: &Envelope, tls_client_hash: Option<&[u8]>) -> Vec<DeliverResponse> {
        let status = |s: i32| {
            vec![DeliverResponse {
                r#type: Some(deliver_response::Type::Status(s)),
            }]
        };
        let Some((channel_header, seek)) = self.authorize(env, tls_client_hash) else {
            return status(403);
        };
        if channel_header.channel_id != CHANNEL {
            return status(404);
        }
        let position = seek.start.and_then(|p| p.r#type);
        let block = match position {
            Some(seek_position::Type::Newest(_)) => self.newest.clone(),
            Some(seek_position::Type::Specified(s)) if s.number == 2 => self.config.clone(),
            Some(seek_position::Type::Specified(s)) if s.number == 3 => self.newest.clone(),
            _ => return status(404),
        };
        vec![
            DeliverResponse {
                r#type: Some(deliver_response::Type::Block(block)),
            },
            DeliverResponse {
                r#type: Some(deliver_response::Type::Status(200)),
            },
        ]
    }

    /// The header and seek of a request whose signature, creator and TLS binding hold.
    fn authorize(
        &self,
        env: &Envelope,
        tls_client_hash: Option<&[u8]>,
    ) -> Option<(ChannelHeader, SeekInfo)> {
        use p256::ecdsa::signature::Verifier;
        let payload = Payload::decode(env.payload.as_slice()).ok()?;
        let header = payload.header?;
        let ch = ChannelHeader::decode(header.channel_header.as_slice()).ok()?;
        if ch.r#type != 5 {
            return None;
        }
        // internal/pkg/comm: under mutual TLS the hash must be the connection's certificate's.
        if let Some(hash) = tls_client_hash
            && ch.tls_cert_hash != hash
        {
            return None;
        }
        let sh = SignatureHeader::decode(header.signature_header.as_slice()).ok()?;
        if sh.nonce.len() != 24 {
            return None;
        }
        let creator = SerializedIdentity::decode(sh.creator.as_slice()).ok()?;
        if creator.mspid != MSP_ID {
            return None;
        }
        let der = rustls::pki_types::CertificateDer::from_pem_slice(&creator.id_bytes).ok()?;
        let (_, cert) = x509_parser::parse_x509_certificate(&der).ok()?;
        let (_, ca) = x509_parser::parse_x509_certificate(&self.readers_ca).ok()?;
        cert.verify_signature(Some(ca.public_key())).ok()?;
        let key =
            p256::ecdsa::VerifyingKey::from_sec1_bytes(&cert.public_key().subject_public_key.data)
                .ok()?;
        let sig = p256::ecdsa::Signature::from_der(&env.signature).ok()?;
        // bccsp/sw/ecdsa.go verifyECDSA: high-S is refused.
        if sig.normalize_s() != sig {
            return None;
        }
        key.verify(&env.payload, &sig).ok()?;
        Some((ch, SeekInfo::decode(payload.data.as_slice()).ok()?))
    }
}

use rustls::pki_types::pem::PemObject;

/// tonic's streaming service for one connection's Deliver calls.
#[derive(Clone)]
struct Deliver {
    ledger: Arc<Ledger>,
    tls_client_hash: Option<Vec<u8>>,
}

type Responses = tokio_stream::Iter<std::vec::IntoIter<Result<DeliverResponse, tonic::Status>>>;

impl tonic::server::StreamingService<Envelope> for Deliver {
    type Response = DeliverResponse;
    type ResponseStream = Responses;
    type Future =
        Pin<Box<dyn Future<Output = Result<tonic::Response<Responses>, tonic::Status>> + Send>>;

    fn call(&mut self, request: tonic::Request<tonic::Streaming<Envelope>>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let mut stream = request.into_inner();
            let mut out = Vec::new();
            // One seek per envelope, until the client half-closes.
            while let Some(env) = stream.message().await? {
                out.extend(this.ledger.answer(&env, this.tls_client_hash.as_deref()));
            }
            Ok(tonic::Response::new(tokio_stream::iter(
                out.into_iter().map(Ok).collect::<Vec<_>>(),
            )))
        })
    }
}

/// An orderer stand-in: TLS with the orderer's certificate (client certificates from org1's
/// TLS CA required when `mutual`), HTTP/2, Deliver. Stops when dropped.
struct Orderer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Orderer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Orderer {
    async fn start(pki: &Pki, ledger: Arc<Ledger>, mutual: bool) -> Orderer {
        let client_ca = pki.org1.tlsca.pem();
        let config = server_config_from_pem(
            pki.orderer.pem().as_bytes(),
            pki.orderer.key_pem().as_bytes(),
            mutual.then_some(client_ca.as_bytes()),
            mutual,
            vec![b"h2".to_vec()],
        )
        .expect("orderer TLS config");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (config, ledger) = (config.clone(), ledger.clone());
                conns.spawn(async move {
                    let Ok(tls) = tokio_rustls::TlsAcceptor::from(config).accept(tcp).await else {
                        return;
                    };
                    let tls_client_hash = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .map(|c| {
                            ring::digest::digest(&ring::digest::SHA256, c)
                                .as_ref()
                                .to_vec()
                        });
                    let svc = Deliver {
                        ledger,
                        tls_client_hash,
                    };
                    let service = hyper::service::service_fn(move |req| {
                        let svc = svc.clone();
                        async move {
                            let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::<
                                DeliverResponse,
                                Envelope,
                            >::default(
                            ));
                            Ok::<_, Infallible>(grpc.streaming(svc, req).await)
                        }
                    });
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Orderer { addr, task }
    }
}

/// An MSP folder (signcerts/, keystore/) for `cert`, as cryptogen lays it out.
fn msp_dir(root: &Path, cert: &Cert, key_of: &Cert) -> PathBuf {
    let dir = root.join(format!("msp-{}", cert.spec.cn));
    std::fs::create_dir_all(dir.join("signcerts")).unwrap();
    std::fs::create_dir_all(dir.join("keystore")).unwrap();
    std::fs::write(dir.join("signcerts/cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("keystore/priv_sk"), key_of.key_pem()).unwrap();
    dir
}

fn identity_cert(ca: &Cert, cn: &str) -> Cert {
    ca.issue(Spec::new(
        "example.com",
        cn,
        "2020-01-01T00:00:00Z",
        "2099-01-01T00:00:00Z",
    ))
}

fn endpoint(pki: &Pki, addr: SocketAddr, mutual: bool) -> TlsEndpoint {
    TlsEndpoint {
        name: "orderer0".into(),
        address: addr.to_string(),
        server_name: Some(ORDERER_NAME.into()),
        role: NodeRole::Orderer,
        tls_roots: vec![pki.orderer_org.tlsca.der.clone()],
        client_identity: mutual.then(|| fabcheck::inventory::live::ClientIdentity {
            chain: vec![pki.client.der.clone()],
            key_pem: zeroize::Zeroizing::new(pki.client.key_pem().into_bytes()),
            cert_origin: "client.pem".into(),
        }),
        declared_at: "test".into(),
        ..TlsEndpoint::default()
    }
}

fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        read: Duration::from_secs(3),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_fetches_and_decodes_the_real_config_block_and_refuses_bad_requests() {
    let pki = Pki::new();
    let ledger = Arc::new(Ledger::new(&pki.orderer_org.ca));
    let admin = identity_cert(&pki.orderer_org.ca, "Admin@example.com");
    let stranger = identity_cert(&pki.org2.ca, "Admin@org2.example.com");
    let tmp = tempfile::tempdir().unwrap();
    let good = SigningIdentity::load(&msp_dir(tmp.path(), &admin, &admin), MSP_ID).unwrap();
    let wrong = SigningIdentity::load(&msp_dir(tmp.path(), &stranger, &stranger), MSP_ID).unwrap();
    // The admin's certificate with another key: the signature does not verify.
    let unsigned = SigningIdentity::from_pem(
        MSP_ID,
        admin.pem().as_bytes(),
        stranger.key_pem().as_bytes(),
    )
    .unwrap();

    for mutual in [true, false] {
        let orderer = Orderer::start(&pki, ledger.clone(), mutual).await;
        let ep = endpoint(&pki, orderer.addr, mutual);

        let fetched = fetch_config(&ep, &good, CHANNEL, quick(), false)
            .await
            .unwrap_or_else(|e| panic!("mutual={mutual}: {e}"));
        assert_eq!(fetched.number, 2);
        let config = fabcheck::inventory::channel::decode(
            &fetched.bytes,
            fabcheck::inventory::Origin::file("orderer0"),
            "test",
        )
        .expect("the fetched block decodes");
        assert_eq!(config.channel_id, CHANNEL);
        let orderer_section = config.orderer.expect("an Orderer group");
        assert_eq!(orderer_section.consensus_type, "etcdraft");
        assert_eq!(
            orderer_section
                .raft
                .expect("etcdraft metadata")
                .consenters
                .len(),
            3
        );

        for (who, id) in [("wrong", &wrong), ("unsigned", &unsigned)] {
            let e = fetch_config(&ep, id, CHANNEL, quick(), false)
                .await
                .expect_err(who);
            assert!(e.contains("403 FORBIDDEN"), "{who}: {e}");
            assert!(e.contains("orderer0") && e.contains(CHANNEL), "{who}: {e}");
        }
        let e = fetch_config(&ep, &good, "nochannel", quick(), false)
            .await
            .expect_err("unknown channel");
        assert!(e.contains("404 NOT_FOUND"), "{e}");
        assert!(e.contains("nochannel"), "{e}");
    }

    // Mutual TLS with a TLS certificate hash that is not the connection's: FORBIDDEN.
    let orderer = Orderer::start(&pki, ledger.clone(), true).await;
    let mut ep = endpoint(&pki, orderer.addr, true);
    let other = pki.org1.tlsca.issue(Spec::new(
        "org1.example.com",
        "other",
        "2020-01-01T00:00:00Z",
        "2099-01-01T00:00:00Z",
    ));
    // The header binds `other`'s hash while the handshake presents the real client
    // certificate: build the request by hand through the library's envelope.
    let env = fabcheck::probe::deliver::seek_envelope(
        &good,
        CHANNEL,
        fabcheck::probe::deliver::Position::Newest,
        Some(ring::digest::digest(&ring::digest::SHA256, &other.der).as_ref()),
    )
    .unwrap();
    let hash = ring::digest::digest(&ring::digest::SHA256, &pki.client.der)
        .as_ref()
        .to_vec();
    assert_eq!(
        ledger.answer(&env, Some(&hash))[0].r#type,
        Some(deliver_response::Type::Status(403))
    );
    ep.client_identity = None;
    let e = fetch_config(&ep, &good, CHANNEL, quick(), false)
        .await
        .expect_err("no client certificate under mutual TLS");
    assert!(e.contains("orderer0"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_times_out_on_a_server_that_never_answers() {
    let pki = Pki::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    let admin = identity_cert(&pki.orderer_org.ca, "Admin@example.com");
    let good =
        SigningIdentity::from_pem(MSP_ID, admin.pem().as_bytes(), admin.key_pem().as_bytes())
            .unwrap();
    let timeouts = Timeouts {
        connect: Duration::from_secs(1),
        read: Duration::from_millis(400),
    };
    let started = Instant::now();
    let e = fetch_config(
        &endpoint(&pki, addr, false),
        &good,
        CHANNEL,
        timeouts,
        false,
    )
    .await
    .expect_err("silent server");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(e.contains("no TLS handshake within 400 ms"), "{e}");
    assert!(e.contains("orderer0") && e.contains(CHANNEL), "{e}");
    hold.abort();
}

/// An operations stand-in: plain HTTP/1.1 on 127.0.0.1 answering `/metrics` with a fixture
/// page and `/healthz` with fabric-lib-go's OK. Stops (and its thread ends) when dropped.
struct MetricsServer {
    addr: SocketAddr,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn metrics_server(fixture: &str) -> MetricsServer {
    use std::io::{Read, Write};
    let page = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/raft")
            .join(fixture),
    )
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::spawn(move || {
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            let Ok((mut conn, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let _ = conn.set_nonblocking(false);
            let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&request);
            let (content_type, body) = if text.starts_with("GET /metrics ") {
                ("text/plain; version=0.0.4; charset=utf-8", page.clone())
            } else {
                (
                    "application/json",
                    r#"{"status":"OK","time":"2026-12-04T22:00:00Z"}"#.to_owned(),
                )
            };
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    MetricsServer {
        addr,
        stop,
        thread: Some(thread),
    }
}

/// The live phase over three orderers whose operations endpoints serve `fixtures`, then the
/// RAFT-008 and RAFT-009 verdicts on what it read.
fn judge(
    fixtures: &[&str],
) -> (
    Vec<fabcheck::finding::Outcome>,
    Vec<fabcheck::finding::Outcome>,
) {
    let servers: Vec<_> = fixtures.iter().map(|f| metrics_server(f)).collect();
    // Nothing listens on the gRPC address; only the operations endpoints matter here.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let grpc = closed.local_addr().unwrap().to_string();
    drop(closed);
    let tls = servers
        .iter()
        .enumerate()
        .map(|(i, s)| TlsEndpoint {
            name: format!("orderer{i}"),
            address: grpc.clone(),
            role: NodeRole::Orderer,
            operations: Some(OperationsEndpoint {
                address: s.addr.to_string(),
                tls: false,
                client_auth_required: None,
                declared_at: "test".into(),
            }),
            ..TlsEndpoint::default()
        })
        .collect();
    let live = fabcheck::probe::observe_all(&fabcheck::probe::LiveRequest {
        tls,
        concurrency: 4,
        timeouts: quick(),
        total: Duration::from_secs(20),
        ..Default::default()
    });
    assert_eq!(live.raft.len(), fixtures.len(), "{:?}", live.raft);
    let mut inv = fabcheck::inventory::Inventory {
        source: "endpoints:3".into(),
        ..Default::default()
    };
    inv.live = live;
    let ctx = fabcheck::context::Context::at(time::OffsetDateTime::now_utc());
    (
        RaftLeader.evaluate(&ctx, &inv),
        RaftNodesInactive.evaluate(&ctx, &inv),
    )
}

#[test]
fn raft_metrics_from_real_operations_endpoints_give_the_verdicts() {
    let (leader, inactive) = judge(&[
        "RAFT-008/orderer-leader.metrics",
        "RAFT-008/orderer-follower.metrics",
        "RAFT-008/orderer-follower.metrics",
    ]);
    assert_eq!(leader.len(), 1, "{leader:?}");
    assert_eq!(leader[0].status, Status::Pass, "{}", leader[0].message);
    assert!(
        leader[0].message.contains("orderer0 leads"),
        "{}",
        leader[0].message
    );
    assert_eq!(inactive.len(), 1, "{inactive:?}");
    assert_eq!(inactive[0].status, Status::Pass, "{}", inactive[0].message);

    let (leader, _) = judge(&[
        "RAFT-008/orderer-follower.metrics",
        "RAFT-008/orderer-follower.metrics",
        "RAFT-008/orderer-follower.metrics",
    ]);
    assert_eq!(leader[0].status, Status::Fail);
    assert!(
        leader[0].message.contains("no leader"),
        "{}",
        leader[0].message
    );

    let (leader, _) = judge(&[
        "RAFT-008/orderer-leader.metrics",
        "RAFT-008/orderer-leader.metrics",
        "RAFT-008/orderer-follower.metrics",
    ]);
    assert_eq!(leader[0].status, Status::Fail);
    assert!(
        leader[0].message.contains("split brain"),
        "{}",
        leader[0].message
    );

    let (_, inactive) = judge(&[
        "RAFT-009/orderer-leader-one-inactive.metrics",
        "RAFT-008/orderer-follower.metrics",
        "RAFT-008/orderer-follower.metrics",
    ]);
    assert_eq!(inactive.len(), 1, "{inactive:?}");
    assert_eq!(inactive[0].status, Status::Fail);
    assert!(
        inactive[0]
            .message
            .contains("orderer0: channel mychannel: only 2 of 3"),
        "{}",
        inactive[0].message
    );
}

/// The channel participation API of Fabric 2.3+ (orderer/common/channelparticipation/
/// restapi.go), as the admin stand-in serves it.
struct Participation;

impl tls_servers::ExtraRoutes for Participation {
    fn answer(&self, method: &str, path: &str, _: &str) -> Option<(u16, &'static str, String)> {
        (method == "GET" && path == "/participation/v1/channels").then(|| {
            (
                200,
                "application/json",
                r#"{"systemChannel":null,"channels":[{"name":"mychannel","url":"/participation/v1/channels/mychannel"},{"name":"gone","url":"/participation/v1/channels/gone"}]}"#.to_owned(),
            )
        })
    }

    fn heights(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_channel_flags_the_admin_endpoint_lists_them_and_without_it_the_gap_is_named() {
    let pki = Pki::new();
    let ledger = Arc::new(Ledger::new(&pki.orderer_org.ca));
    let orderer = Orderer::start(&pki, ledger, true).await;
    // The admin endpoint: mutual TLS with the orderer's certificate, HTTP/1.1.
    let admin_tls = server_config_from_pem(
        pki.orderer.pem().as_bytes(),
        pki.orderer.key_pem().as_bytes(),
        Some(pki.org1.tlsca.pem().as_bytes()),
        true,
        vec![b"http/1.1".to_vec()],
    )
    .unwrap();
    let admin = tls_servers::OpsServer::bind(
        "127.0.0.1:0".parse().unwrap(),
        Some(admin_tls),
        tls_servers::OpsSpec {
            extra: Some(tls_servers::Extra(Arc::new(Participation))),
            ..tls_servers::OpsSpec::default()
        },
    )
    .unwrap();
    let signer = identity_cert(&pki.orderer_org.ca, "Admin@example.com");
    let request = fabcheck::probe::deliver::DeliverRequest {
        identity: Arc::new(
            SigningIdentity::from_pem(MSP_ID, signer.pem().as_bytes(), signer.key_pem().as_bytes())
                .unwrap(),
        ),
        channels: Vec::new(),
    };
    let mut ep = endpoint(&pki, orderer.addr, true);
    ep.admin = Some(admin.addr.to_string());
    let seen = fabcheck::probe::deliver::observe(&ep, &request, quick(), false).await;
    let summary: Vec<(Option<&str>, bool)> = seen
        .iter()
        .map(|o| (o.channel.as_deref(), o.result.is_ok()))
        .collect();
    assert_eq!(
        summary,
        [(Some("mychannel"), true), (Some("gone"), false)],
        "{seen:?}"
    );
    assert!(
        seen[1]
            .result
            .as_ref()
            .unwrap_err()
            .contains("404 NOT_FOUND"),
        "{seen:?}"
    );

    ep.admin = None;
    let seen = fabcheck::probe::deliver::observe(&ep, &request, quick(), false).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].channel, None);
    let why = seen[0].result.as_ref().unwrap_err();
    assert!(why.contains("--channel") && why.contains("admin="), "{why}");
}

#[test]
fn identity_flags_are_validated_before_anything_is_dialled() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_fabcheck"))
            .args(args)
            .output()
            .expect("run fabcheck")
    };
    // --msp-id and --channel need --identity (and the other way round).
    for args in [
        &[
            "check",
            "--endpoint",
            "o=127.0.0.1:1,role=orderer",
            "--msp-id",
            "OrdererMSP",
        ][..],
        &[
            "check",
            "--endpoint",
            "o=127.0.0.1:1,role=orderer",
            "--channel",
            "mychannel",
        ][..],
        &[
            "check",
            "--endpoint",
            "o=127.0.0.1:1,role=orderer",
            "--identity",
            "/nonexistent",
        ][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = run(&[
        "check",
        "--endpoint",
        "o=127.0.0.1:1,role=orderer",
        "--identity",
        tmp.path().to_str().unwrap(),
        "--msp-id",
        "OrdererMSP",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("failed to load the signing identity") && stderr.contains("signcerts"),
        "{stderr}"
    );
}

/// `fabcheck check` end to end: the endpoint is dialled, the config block fetched with the
/// identity, decoded into the channel checks, and the certificate the orderer serves compared
/// with its consenter entry — which it is not (the stand-in serves the test PKI's certificate,
/// the block carries the one configtxgen embedded), so RAFT-002 fails naming what was served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_fetches_the_config_block_and_judges_what_the_orderer_runs() {
    let pki = Pki::new();
    let ledger = Arc::new(Ledger::new(&pki.orderer_org.ca));
    let admin = identity_cert(&pki.orderer_org.ca, "Admin@example.com");
    let tmp = tempfile::tempdir().unwrap();
    let msp = msp_dir(tmp.path(), &admin, &admin);
    let ca = tmp.path().join("orderer-tlsca.pem");
    std::fs::write(&ca, pki.orderer_org.tlsca.pem()).unwrap();
    let orderer = Orderer::start(&pki, ledger, false).await;
    let report = tmp.path().join("report.json");
    let args: Vec<String> = vec![
        "check".into(),
        "--endpoint".into(),
        format!(
            "orderer0.orgorderer1={},ca={},sni={ORDERER_NAME},role=orderer",
            orderer.addr,
            ca.display()
        ),
        "--identity".into(),
        msp.display().to_string(),
        "--msp-id".into(),
        MSP_ID.into(),
        "--channel".into(),
        CHANNEL.into(),
        "--select".into(),
        "CHANNEL,RAFT".into(),
        "-o".into(),
        format!("json={}", report.display()),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_fabcheck"))
            .args(&args)
            .output()
            .expect("run fabcheck")
    })
    .await
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let findings = r["findings"].as_array().unwrap();
    let of = |id: &str| -> Vec<&serde_json::Value> {
        findings.iter().filter(|f| f["check_id"] == id).collect()
    };
    let fetched = of("RAFT-010");
    assert!(
        fetched.iter().any(|f| f["status"] == "pass"),
        "{fetched:#?}"
    );
    // The fetched block is config block 2 of mychannel, judged like a file.
    let decoded = of("CHANNEL-001");
    assert!(
        decoded.iter().any(|f| f["status"] == "pass"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("config block 2 fetched from"))),
        "{decoded:#?}"
    );
    assert!(
        of("RAFT-001")
            .iter()
            .any(|f| f["status"] == "pass" && f["message"].as_str().unwrap().contains("3 etcdraft")),
        "{:#?}",
        of("RAFT-001")
    );
    let served = of("RAFT-002");
    let mismatch = served
        .iter()
        .find(|f| f["status"] == "fail")
        .unwrap_or_else(|| panic!("{served:#?}"));
    let message = mismatch["message"].as_str().unwrap();
    assert!(
        message.contains("consenter orderer0.orgorderer1:7050"),
        "{message}"
    );
    assert!(
        message.contains(&format!("served by {}", orderer.addr)),
        "{message}"
    );
}
