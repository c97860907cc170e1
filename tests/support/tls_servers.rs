//! In-process stand-ins for Fabric peers and orderers on 127.0.0.1: TLS (rustls) with PKI made
//! the way Fabric makes it, HTTP/2 (hyper) answering gRPC with a status, and the ways real
//! nodes go wrong — a certificate from another org's TLS CA, an expired one, one whose SANs miss
//! the dialled name, mutual TLS required (over TLS 1.3 and 1.2), plaintext HTTP/2, a service
//! that is not TLS at all, one that never speaks, no ALPN `h2` (or `http/1.1` only), TLS 1.2
//! only, a web server behind TLS and HTTP/2 that is not gRPC, and TLS followed by garbage.
//!
//! Include with `#[path = "support/tls_servers.rs"] mod tls_servers;`; the PKI helpers come
//! along as `tls_servers::pki`. A server runs on the caller's Tokio runtime when there is one
//! and on a shared background runtime otherwise (so synchronous tests that run the binary can
//! use them too); it stops, with every connection it accepted, when its handle is dropped.
//! The servers stand in for the protocol only: they never judge what the client sent.
//!
//! Node stand-ins ([`Server::start_node`], [`Server::bind_node`]) also register the real gRPC
//! health service (tonic-health's `grpc.health.v1.Health`) with a chosen serving status, and
//! [`OpsServer`] plays a node's operations endpoint: `/healthz` answered the way fabric-lib-go's
//! `healthz.HealthHandler` answers (200 OK, or 503 naming failed components) and `/metrics` in
//! Prometheus text with `ledger_blockchain_height{channel}` (404 when the node has no
//! prometheus provider; 401 over TLS without a client certificate, as Fabric's secure handler).

#![allow(dead_code)]

#[path = "pki.rs"]
pub mod pki;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame};
use hyper_util::rt::{TokioExecutor, TokioIo};
use pki::{Cert, Spec};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration as TimeDuration, OffsetDateTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// The names a healthy peer's TLS certificate covers: how clients inside the namespace, across
/// namespaces and outside the cluster reach it.
pub const PEER_SANS: [&str; 3] = [
    "peer0.org1",
    "peer0.org1.svc.cluster.local",
    "peer0.org1.example.com",
];
/// The name peers are dialled by in the tests (Fabric's `ssl-target-name-override`).
pub const PEER_NAME: &str = "peer0.org1.example.com";
pub const ORDERER_SANS: [&str; 3] = [
    "orderer0",
    "orderer0.svc.cluster.local",
    "orderer0.example.com",
];
pub const ORDERER_NAME: &str = "orderer0.example.com";

/// The gRPC methods the stand-ins serve; any other path gets UNIMPLEMENTED.
pub const PEER_METHOD: &str = "/protos.Endorser/ProcessProposal";
pub const ORDERER_METHOD: &str = "/orderer.AtomicBroadcast/Deliver";

/// What the not-TLS server sends: bytes no TLS record starts with.
pub const GARBAGE: &[u8] = b"\x00\xffgarbage, not a TLS record\r\n";

/// The ring provider, passed explicitly (nothing installs a process-wide default).
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// One org's certificate authorities, as cryptogen and fabric-ca make them: a CA for
/// identities and a separate TLS CA for TLS certificates.
pub struct Org {
    pub domain: String,
    pub ca: Cert,
    pub tlsca: Cert,
}

impl Org {
    fn new(domain: &str) -> Org {
        let ca = Cert::self_signed(valid(
            Spec::new(domain, &format!("ca.{domain}"), EPOCH, EPOCH).ca(),
            -1,
            3650,
        ));
        let tlsca = Cert::self_signed(valid(
            Spec::new(domain, &format!("tlsca.{domain}"), EPOCH, EPOCH).ca(),
            -1,
            3650,
        ));
        Org {
            domain: domain.into(),
            ca,
            tlsca,
        }
    }

    /// A TLS certificate from this org's TLS CA, valid from yesterday for a year.
    fn tls_cert(&self, cn: &str, sans: &[&str]) -> Cert {
        self.tlsca.issue(valid(
            Spec::new(&self.domain, cn, EPOCH, EPOCH).sans(sans),
            -1,
            365,
        ))
    }
}

/// A placeholder instant for `Spec::new`; [`valid`] sets the real window.
const EPOCH: &str = "2000-01-01T00:00:00Z";

/// Sets a validity window relative to now, in days.
fn valid(mut spec: Spec, from_days: i64, to_days: i64) -> Spec {
    let now = OffsetDateTime::now_utc();
    spec.not_before = now + TimeDuration::days(from_days);
    spec.not_after = now + TimeDuration::days(to_days);
    spec
}

/// Where the PKI was written, for pointing the binary at it.
pub struct PkiFiles {
    pub dir: PathBuf,
    /// org1's TLS CA (the root peers' certificates chain to).
    pub org1_tlsca: PathBuf,
    /// org1's identity CA (not a TLS root: dialling with it is a misconfiguration).
    pub org1_ca: PathBuf,
    pub org2_tlsca: PathBuf,
    pub orderer_tlsca: PathBuf,
    /// A client TLS certificate and key from org1's TLS CA (PKCS#8 PEM, as cryptogen writes).
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A client TLS certificate and key from org2's TLS CA: refused by org1's mTLS peer.
    pub org2_client_cert: PathBuf,
    pub org2_client_key: PathBuf,
}

/// Everything the servers and their clients need: three orgs' CAs, the server certificates of
/// every kind, and client certificates; written to a temporary directory that lives as long as
/// this value.
pub struct Pki {
    pub org1: Org,
    pub org2: Org,
    pub orderer_org: Org,
    pub peer: Cert,
    pub orderer: Cert,
    /// A peer certificate with the right SANs from org2's TLS CA.
    pub other_org_peer: Cert,
    pub expired_peer: Cert,
    /// A peer certificate covering `peer0.org1` and `peer0.org1.svc.cluster.local` only.
    pub san_missing_peer: Cert,
    pub client: Cert,
    pub org2_client: Cert,
    pub files: PkiFiles,
    _dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Pki {
        let org1 = Org::new("org1.example.com");
        let org2 = Org::new("org2.example.com");
        let orderer_org = Org::new("example.com");
        let peer = org1.tls_cert(PEER_NAME, &PEER_SANS);
        let orderer = orderer_org.tls_cert(ORDERER_NAME, &ORDERER_SANS);
        let other_org_peer = org2.tls_cert(PEER_NAME, &PEER_SANS);
        let expired_peer = org1.tlsca.issue(valid(
            Spec::new(&org1.domain, PEER_NAME, EPOCH, EPOCH).sans(&PEER_SANS),
            -400,
            -1,
        ));
        let san_missing_peer = org1.tls_cert(PEER_NAME, &PEER_SANS[..2]);
        let client = org1.tls_cert("Admin@org1.example.com", &[]);
        let org2_client = org2.tls_cert("Admin@org2.example.com", &[]);

        let dir = tempfile::tempdir().expect("temp dir for the test PKI");
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("write test PKI file");
            path
        };
        let files = PkiFiles {
            dir: dir.path().to_path_buf(),
            org1_tlsca: write("org1-tlsca.pem", &org1.tlsca.pem()),
            org1_ca: write("org1-ca.pem", &org1.ca.pem()),
            org2_tlsca: write("org2-tlsca.pem", &org2.tlsca.pem()),
            orderer_tlsca: write("orderer-tlsca.pem", &orderer_org.tlsca.pem()),
            client_cert: write("client.pem", &client.pem()),
            client_key: write("client.key", &client.key_pem()),
            org2_client_cert: write("org2-client.pem", &org2_client.pem()),
            org2_client_key: write("org2-client.key", &org2_client.key_pem()),
        };
        Pki {
            org1,
            org2,
            orderer_org,
            peer,
            orderer,
            other_org_peer,
            expired_peer,
            san_missing_peer,
            client,
            org2_client,
            files,
            _dir: dir,
        }
    }
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

/// What a server does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// TLS 1.2/1.3 with org1's peer certificate, ALPN h2, gRPC answering; ProcessProposal
    /// gets INVALID_ARGUMENT (trailers-only).
    Peer,
    /// The same with the orderer org's certificate; Deliver gets one DeliverResponse
    /// (BAD_REQUEST) and status OK in the trailers, as a real orderer answers an empty envelope.
    Orderer,
    /// A peer whose certificate comes from org2's TLS CA.
    OtherOrgCa,
    /// A peer whose certificate expired yesterday.
    Expired,
    /// A peer whose certificate does not cover `peer0.org1.example.com`.
    SanMissing,
    /// A peer that requires a client certificate from org1's TLS CA.
    MutualTls,
    /// The same over TLS 1.2 only, where the refusal ends the handshake itself.
    MutualTls12,
    /// gRPC over plaintext HTTP/2 (h2c): a node with TLS disabled.
    PlaintextH2,
    /// A TCP service that answers with [`GARBAGE`].
    Garbage,
    /// Accepts connections and never sends a byte.
    Silent,
    /// TLS with no ALPN configured: the handshake completes, no protocol is agreed.
    NoAlpn,
    /// TLS offering only `http/1.1` by ALPN: rustls refuses a client that offers only `h2`.
    Http11Only,
    /// TLS 1.2 only (ECDHE-ECDSA), ALPN h2, gRPC answering.
    Tls12Only,
    /// TLS and HTTP/2, but a web server: every request gets HTTP 404 `text/html`.
    NotGrpc,
    /// TLS with ALPN h2, then bytes that are not HTTP/2.
    H2Garbage,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::Peer,
        Kind::Orderer,
        Kind::OtherOrgCa,
        Kind::Expired,
        Kind::SanMissing,
        Kind::MutualTls,
        Kind::MutualTls12,
        Kind::PlaintextH2,
        Kind::Garbage,
        Kind::Silent,
        Kind::NoAlpn,
        Kind::Http11Only,
        Kind::Tls12Only,
        Kind::NotGrpc,
        Kind::H2Garbage,
    ];
}

/// How one server treats a connection.
#[derive(Clone)]
enum Behaviour {
    Tls(Arc<rustls::ServerConfig>, App),
    PlaintextH2,
    Garbage,
    Silent,
}

/// What runs over TLS once ALPN agreed on `h2`.
#[derive(Clone)]
enum App {
    /// gRPC, with the health service when one is registered.
    Grpc(Option<Health>),
    Web404,
    Garbage,
}

/// The gRPC health service a node stand-in registers: tonic-health's own server.
#[derive(Clone)]
pub struct Health {
    server: tonic_health::pb::health_server::HealthServer<tonic_health::server::HealthService>,
    reporter: tonic_health::server::HealthReporter,
    status: tonic_health::ServingStatus,
}

impl Health {
    /// A health service whose whole-server status (service name "") is `status`.
    pub fn new(status: tonic_health::ServingStatus) -> Health {
        let reporter = tonic_health::server::HealthReporter::new();
        let service = tonic_health::server::HealthService::from_health_reporter(reporter.clone());
        Health {
            server: tonic_health::pb::health_server::HealthServer::new(service),
            reporter,
            status,
        }
    }

    async fn apply(&self) {
        self.reporter.set_service_status("", self.status).await;
    }
}

/// A running server. Dropping it stops the accept loop and every connection.
pub struct Server {
    pub kind: Kind,
    pub addr: SocketAddr,
    task: tokio::task::AbortHandle,
}

impl Server {
    /// Starts a server of `kind` on 127.0.0.1 with an ephemeral port.
    pub fn start(kind: Kind, pki: &Pki) -> Server {
        Server::start_with(kind, behaviour(kind, pki))
    }

    /// `address` as an endpoints file wants it.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// A peer or orderer stand-in (`Kind::Peer`, `Kind::Orderer`, `Kind::MutualTls`) that also
    /// registers the gRPC health service answering `status`.
    pub fn start_node(kind: Kind, pki: &Pki, status: tonic_health::ServingStatus) -> Server {
        let Behaviour::Tls(config, App::Grpc(_)) = behaviour(kind, pki) else {
            panic!("{kind:?} is not a gRPC node");
        };
        Server::start_with(
            kind,
            Behaviour::Tls(config, App::Grpc(Some(Health::new(status)))),
        )
    }

    /// A node stand-in on `addr` serving `config` (see [`server_config_from_pem`]), with the
    /// health service when `health` is given. For the stand-in node binary.
    pub fn bind_node(
        addr: SocketAddr,
        config: Arc<rustls::ServerConfig>,
        health: Option<tonic_health::ServingStatus>,
    ) -> std::io::Result<Server> {
        let listener = std::net::TcpListener::bind(addr)?;
        Ok(Server::listen(
            Kind::Peer,
            listener,
            Behaviour::Tls(config, App::Grpc(health.map(Health::new))),
        ))
    }

    fn start_with(kind: Kind, behaviour: Behaviour) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        Server::listen(kind, listener, behaviour)
    }

    fn listen(kind: Kind, listener: std::net::TcpListener, behaviour: Behaviour) -> Server {
        let addr = listener.local_addr().expect("local address");
        listener.set_nonblocking(true).expect("non-blocking");
        let task = runtime()
            .spawn(async move {
                if let Behaviour::Tls(_, App::Grpc(Some(health))) = &behaviour {
                    health.apply().await;
                }
                match TcpListener::from_std(listener) {
                    Ok(listener) => serve(listener, behaviour).await,
                    Err(e) => eprintln!("tls_servers: cannot listen: {e}"),
                }
            })
            .abort_handle();
        Server { kind, addr, task }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `count` healthy servers sharing one certificate and config (for the benchmark fleet).
pub fn start_fleet(kind: Kind, pki: &Pki, count: usize) -> Vec<Server> {
    let behaviour = behaviour(kind, pki);
    (0..count)
        .map(|_| Server::start_with(kind, behaviour.clone()))
        .collect()
}

/// The caller's runtime, or a shared background one for synchronous callers.
fn runtime() -> tokio::runtime::Handle {
    static BACKGROUND: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    tokio::runtime::Handle::try_current().unwrap_or_else(|_| {
        BACKGROUND
            .get_or_init(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("tls-servers")
                    .enable_all()
                    .build()
                    .expect("background runtime for the test servers")
            })
            .handle()
            .clone()
    })
}

fn behaviour(kind: Kind, pki: &Pki) -> Behaviour {
    let h2 = || vec![b"h2".to_vec()];
    let tls = |cert: &Cert, alpn: Vec<Vec<u8>>| {
        Behaviour::Tls(server_config(cert, alpn, false, None), App::Grpc(None))
    };
    let mtls = |tls12_only: bool| {
        let config = server_config(&pki.peer, h2(), tls12_only, Some(&pki.org1.tlsca));
        Behaviour::Tls(config, App::Grpc(None))
    };
    match kind {
        Kind::Peer => tls(&pki.peer, h2()),
        Kind::Orderer => tls(&pki.orderer, h2()),
        Kind::OtherOrgCa => tls(&pki.other_org_peer, h2()),
        Kind::Expired => tls(&pki.expired_peer, h2()),
        Kind::SanMissing => tls(&pki.san_missing_peer, h2()),
        Kind::MutualTls => mtls(false),
        Kind::MutualTls12 => mtls(true),
        Kind::PlaintextH2 => Behaviour::PlaintextH2,
        Kind::Garbage => Behaviour::Garbage,
        Kind::Silent => Behaviour::Silent,
        Kind::NoAlpn => tls(&pki.peer, Vec::new()),
        Kind::Http11Only => tls(&pki.peer, vec![b"http/1.1".to_vec()]),
        Kind::Tls12Only => {
            Behaviour::Tls(server_config(&pki.peer, h2(), true, None), App::Grpc(None))
        }
        Kind::NotGrpc => Behaviour::Tls(server_config(&pki.peer, h2(), false, None), App::Web404),
        Kind::H2Garbage => {
            Behaviour::Tls(server_config(&pki.peer, h2(), false, None), App::Garbage)
        }
    }
}

/// A rustls server config serving `cert` (leaf only, as Fabric nodes usually do), optionally
/// TLS 1.2 only, optionally requiring a client certificate from `client_ca`.
fn server_config(
    cert: &Cert,
    alpn: Vec<Vec<u8>>,
    tls12_only: bool,
    client_ca: Option<&Cert>,
) -> Arc<rustls::ServerConfig> {
    let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .expect("protocol versions");
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(CertificateDer::from(ca.der.clone()))
                .expect("client CA");
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            )
            .build()
            .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        }
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key.serialize_der()));
    let mut config = builder
        .with_single_cert(vec![CertificateDer::from(cert.der.clone())], key)
        .expect("server certificate and key");
    config.alpn_protocols = alpn;
    Arc::new(config)
}

/// Accepts until aborted; connections live in a set that is dropped (aborted) with the loop.
async fn serve(listener: TcpListener, behaviour: Behaviour) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(connection(stream, behaviour.clone()));
                }
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

async fn connection(mut stream: TcpStream, behaviour: Behaviour) {
    match behaviour {
        Behaviour::Tls(config, app) => {
            let accept = tokio_rustls::TlsAcceptor::from(config).accept(stream);
            let Ok(Ok(mut tls)) = tokio::time::timeout(Duration::from_secs(10), accept).await
            else {
                return;
            };
            if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
                drain(tls).await;
                return;
            }
            match app {
                App::Grpc(health) => serve_h2(tls, false, health).await,
                App::Web404 => serve_h2(tls, true, None).await,
                App::Garbage => {
                    if tls.write_all(GARBAGE).await.is_ok() && tls.flush().await.is_ok() {
                        drain(tls).await;
                    }
                }
            }
        }
        Behaviour::PlaintextH2 => serve_h2(stream, false, None).await,
        Behaviour::Garbage => {
            if stream.write_all(GARBAGE).await.is_ok() {
                drain(stream).await;
            }
        }
        Behaviour::Silent => drain(stream).await,
    }
}

/// Reads and discards until the client hangs up, so the connection closes with a FIN and
/// what was written is never lost to a reset.
async fn drain<S: tokio::io::AsyncRead + Unpin>(mut stream: S) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

async fn serve_h2<S>(io: S, web: bool, health: Option<Health>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    let io = TokioIo::new(io);
    let _ = if web {
        builder
            .serve_connection(io, hyper::service::service_fn(not_found))
            .await
    } else {
        builder
            .serve_connection(
                io,
                hyper::service::service_fn(move |request| answer(request, health.clone())),
            )
            .await
    };
}

/// A web server's answer to anything: 404 with an HTML page, no gRPC status.
async fn not_found(
    _request: http::Request<hyper::body::Incoming>,
) -> Result<http::Response<Reply>, Infallible> {
    Ok(http::Response::builder()
        .status(404)
        .header(http::header::CONTENT_TYPE, "text/html")
        .body(Reply::data_only(Bytes::from_static(
            b"<html><body>404 Not Found</body></html>\n",
        )))
        .expect("response"))
}

/// Answers any gRPC request with a status, as a Fabric node answers an empty message; the
/// health service's calls go to tonic-health's server when one is registered.
async fn answer(
    request: http::Request<hyper::body::Incoming>,
    health: Option<Health>,
) -> Result<http::Response<tonic::body::Body>, Infallible> {
    if let Some(health) = health
        && request.uri().path().starts_with("/grpc.health.v1.Health/")
    {
        use tower_service::Service as _;
        let mut server = health.server.clone();
        return server.call(request).await;
    }
    answer_fabric(request)
        .await
        .map(|r| r.map(tonic::body::Body::new))
}

async fn answer_fabric(
    request: http::Request<hyper::body::Incoming>,
) -> Result<http::Response<Reply>, Infallible> {
    let path = request.uri().path().to_owned();
    let grpc = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/grpc"));
    // Read the request to its end, as a server reads the message before answering.
    let mut body = request.into_body();
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
        }
    })
    .await;
    if !grpc {
        return Ok(http::Response::builder()
            .status(415)
            .header(http::header::CONTENT_TYPE, "text/plain")
            .body(Reply::data_only(Bytes::from_static(b"not gRPC\n")))
            .expect("response"));
    }
    let response = match path.as_str() {
        PEER_METHOD => trailers_only(3, "empty SignedProposal"),
        ORDERER_METHOD => {
            // DeliverResponse { status: BAD_REQUEST (400) }: field 1, varint 400.
            let message = Bytes::from_static(&[0x08, 0x90, 0x03]);
            let mut framed = vec![0u8];
            framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
            framed.extend_from_slice(&message);
            let mut trailers = http::HeaderMap::new();
            trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
            http::Response::builder()
                .status(200)
                .header(http::header::CONTENT_TYPE, "application/grpc")
                .body(Reply {
                    frames: VecDeque::from([
                        Frame::data(Bytes::from(framed)),
                        Frame::trailers(trailers),
                    ]),
                })
                .expect("response")
        }
        _ => trailers_only(12, "unknown service"),
    };
    Ok(response)
}

/// A gRPC error as a trailers-only response: the status in the only HEADERS frame.
fn trailers_only(code: u8, message: &str) -> http::Response<Reply> {
    http::Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/grpc")
        .header("grpc-status", code.to_string())
        .header("grpc-message", message)
        .body(Reply {
            frames: VecDeque::new(),
        })
        .expect("response")
}

/// A response body of frames known up front.
pub struct Reply {
    frames: VecDeque<Frame<Bytes>>,
}

impl Reply {
    fn data_only(data: Bytes) -> Reply {
        Reply {
            frames: VecDeque::from([Frame::data(data)]),
        }
    }
}

impl HttpBody for Reply {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.frames.pop_front().map(Ok))
    }

    fn is_end_stream(&self) -> bool {
        self.frames.is_empty()
    }
}

/// One entry of an endpoints file.
#[derive(Debug, Clone, Default)]
pub struct EndpointEntry {
    pub name: String,
    pub address: String,
    /// `peer` or `orderer`.
    pub role: String,
    pub server_name: Option<String>,
    pub tls_ca: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub client_auth_required: Option<bool>,
    /// The operations endpoint (`https://127.0.0.1:PORT`).
    pub operations: Option<String>,
}

impl EndpointEntry {
    /// With the operations endpoint `ops` serves.
    pub fn with_operations(mut self, ops: &OpsServer) -> EndpointEntry {
        self.operations = Some(ops.url());
        self
    }

    /// A peer at `server`'s address dialled as `peer0.org1.example.com`, trusting org1's TLS CA.
    pub fn peer(name: &str, server: &Server, pki: &Pki) -> EndpointEntry {
        EndpointEntry {
            name: name.into(),
            address: server.address(),
            role: "peer".into(),
            server_name: Some(PEER_NAME.into()),
            tls_ca: Some(pki.files.org1_tlsca.clone()),
            ..EndpointEntry::default()
        }
    }

    /// An orderer at `server`'s address, trusting the orderer org's TLS CA.
    pub fn orderer(name: &str, server: &Server, pki: &Pki) -> EndpointEntry {
        EndpointEntry {
            name: name.into(),
            address: server.address(),
            role: "orderer".into(),
            server_name: Some(ORDERER_NAME.into()),
            tls_ca: Some(pki.files.orderer_tlsca.clone()),
            ..EndpointEntry::default()
        }
    }

    /// With org1's client certificate and key.
    pub fn with_client(mut self, pki: &Pki) -> EndpointEntry {
        self.client_cert = Some(pki.files.client_cert.clone());
        self.client_key = Some(pki.files.client_key.clone());
        self
    }
}

/// Writes an endpoints file (the format `fabcheck check --endpoints` reads) to `path`.
pub fn write_endpoints_yaml(path: &Path, entries: &[EndpointEntry]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(endpoints_yaml(entries).as_bytes())?;
    out.flush()
}

/// The endpoints file text. Every string is double-quoted, so paths and names with YAML
/// metacharacters stay strings.
pub fn endpoints_yaml(entries: &[EndpointEntry]) -> String {
    fn q(s: &str) -> String {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
    fn p(path: &Path) -> String {
        q(&path.to_string_lossy())
    }
    let mut text = String::from("endpoints:\n");
    for e in entries {
        text.push_str(&format!("  - name: {}\n", q(&e.name)));
        text.push_str(&format!("    address: {}\n", q(&e.address)));
        text.push_str(&format!("    role: {}\n", q(&e.role)));
        if let Some(v) = &e.server_name {
            text.push_str(&format!("    server_name: {}\n", q(v)));
        }
        if let Some(v) = &e.tls_ca {
            text.push_str(&format!("    tls_ca: {}\n", p(v)));
        }
        if let Some(v) = &e.client_cert {
            text.push_str(&format!("    client_cert: {}\n", p(v)));
        }
        if let Some(v) = &e.client_key {
            text.push_str(&format!("    client_key: {}\n", p(v)));
        }
        if let Some(v) = e.client_auth_required {
            text.push_str(&format!("    client_auth_required: {v}\n"));
        }
        if let Some(v) = &e.operations {
            text.push_str(&format!("    operations: {}\n", q(v)));
        }
    }
    text
}

/// A rustls server config from PEM files' contents (a node's `tls/server.crt` chain and
/// `server.key` in PKCS#8, SEC1 or PKCS#1), with ALPN `alpn`, optionally verifying client
/// certificates against `client_ca_pem` (required, or only checked when given).
pub fn server_config_from_pem(
    cert_pem: &[u8],
    key_pem: &[u8],
    client_ca_pem: Option<&[u8]>,
    client_auth_required: bool,
    alpn: Vec<Vec<u8>>,
) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("certificate: {e}"))?;
    if chain.is_empty() {
        return Err("certificate: no CERTIFICATE block".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| "key: no usable private key")?;
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?;
    let builder = match client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(pem) {
                roots
                    .add(c.map_err(|e| format!("client CA: {e}"))?)
                    .map_err(|e| format!("client CA: {e}"))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            );
            let verifier = if client_auth_required {
                verifier
            } else {
                verifier.allow_unauthenticated()
            };
            builder.with_client_cert_verifier(verifier.build().map_err(|e| e.to_string())?)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| format!("certificate and key: {e}"))?;
    config.alpn_protocols = alpn;
    Ok(Arc::new(config))
}

/// What an operations stand-in answers.
#[derive(Debug, Clone, Default)]
pub struct OpsSpec {
    /// `(component, reason)` of each failing health checker; empty answers 200 OK.
    pub failing: Vec<(String, String)>,
    /// `channel → height` for `ledger_blockchain_height`; `None`: no prometheus provider, so
    /// `/metrics` is not registered (404).
    pub heights: Option<Vec<(String, u64)>>,
    /// Routes a stand-in adds beside `/healthz` and `/metrics`, and heights it keeps itself.
    pub extra: Option<Extra>,
}

/// Routes an operations stand-in serves beside Fabric's own (examples/standin-node: a
/// stand-in ledger, fabric-ca's `/cainfo`).
pub trait ExtraRoutes: Send + Sync {
    /// The answer (status, content type, body) to `method path` with its query string, or
    /// `None` for Fabric's 404.
    fn answer(&self, method: &str, path: &str, query: &str) -> Option<(u16, &'static str, String)>;
    /// `channel → height` reported as `ledger_blockchain_height` beside [`OpsSpec::heights`].
    fn heights(&self) -> Vec<(String, u64)>;
}

/// An [`ExtraRoutes`] shared by every connection.
#[derive(Clone)]
pub struct Extra(pub Arc<dyn ExtraRoutes>);

impl std::fmt::Debug for Extra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Extra(..)")
    }
}

impl OpsSpec {
    pub fn healthy(heights: &[(&str, u64)]) -> OpsSpec {
        OpsSpec {
            failing: Vec::new(),
            heights: Some(heights.iter().map(|(c, h)| ((*c).to_owned(), *h)).collect()),
            extra: None,
        }
    }

    pub fn failing(mut self, component: &str, reason: &str) -> OpsSpec {
        self.failing.push((component.into(), reason.into()));
        self
    }
}

/// A node's operations endpoint stand-in. Dropping it stops it.
pub struct OpsServer {
    pub addr: SocketAddr,
    pub tls: bool,
    task: tokio::task::AbortHandle,
}

impl OpsServer {
    /// Plain HTTP on 127.0.0.1 (Fabric's default `operations.tls.enabled: false`).
    pub fn start_plain(spec: OpsSpec) -> OpsServer {
        OpsServer::bind("127.0.0.1:0".parse().expect("address"), None, spec)
            .expect("bind the operations stand-in")
    }

    /// HTTPS on 127.0.0.1 with the peer's certificate; with `client_ca`, client certificates
    /// are verified against it (and required when `required`).
    pub fn start_tls(
        pki: &Pki,
        client_ca: Option<&Cert>,
        required: bool,
        spec: OpsSpec,
    ) -> OpsServer {
        let config = server_config_from_pem(
            pki.peer.pem().as_bytes(),
            pki.peer.key_pem().as_bytes(),
            client_ca.map(|c| c.pem()).as_deref().map(str::as_bytes),
            required,
            vec![b"http/1.1".to_vec()],
        )
        .expect("operations TLS config");
        OpsServer::bind("127.0.0.1:0".parse().expect("address"), Some(config), spec)
            .expect("bind the operations stand-in")
    }

    /// On `addr`, HTTPS with `tls` or plain HTTP.
    pub fn bind(
        addr: SocketAddr,
        tls: Option<Arc<rustls::ServerConfig>>,
        spec: OpsSpec,
    ) -> std::io::Result<OpsServer> {
        let listener = std::net::TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let is_tls = tls.is_some();
        let spec = Arc::new(spec);
        let task = runtime()
            .spawn(async move {
                let Ok(listener) = TcpListener::from_std(listener) else {
                    return;
                };
                let mut conns = JoinSet::new();
                loop {
                    tokio::select! {
                        accepted = listener.accept() => {
                            if let Ok((stream, _)) = accepted {
                                conns.spawn(ops_connection(stream, tls.clone(), spec.clone()));
                            }
                        }
                        Some(_) = conns.join_next(), if !conns.is_empty() => {}
                    }
                }
            })
            .abort_handle();
        Ok(OpsServer {
            addr,
            tls: is_tls,
            task,
        })
    }

    /// `https://127.0.0.1:PORT` or `http://…`, as the endpoints file's `operations` takes it.
    pub fn url(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }
}

impl Drop for OpsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn ops_connection(
    stream: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    spec: Arc<OpsSpec>,
) {
    let builder = hyper::server::conn::http1::Builder::new();
    match tls {
        None => {
            let service = hyper::service::service_fn(move |r| ops_answer(r, spec.clone(), None));
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
        Some(config) => {
            let accept = tokio_rustls::TlsAcceptor::from(config).accept(stream);
            let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), accept).await else {
                return;
            };
            let client_cert = tls
                .get_ref()
                .1
                .peer_certificates()
                .is_some_and(|c| !c.is_empty());
            let service =
                hyper::service::service_fn(move |r| ops_answer(r, spec.clone(), Some(client_cert)));
            let _ = builder.serve_connection(TokioIo::new(tls), service).await;
        }
    }
}

/// fabric-lib-go's operations handlers: `/healthz` (never needs a client certificate),
/// `/metrics` (a secure handler when TLS is on: 401 without a verified client certificate).
/// `client_cert` is `None` on plain HTTP.
async fn ops_answer(
    request: http::Request<hyper::body::Incoming>,
    spec: Arc<OpsSpec>,
    client_cert: Option<bool>,
) -> Result<http::Response<String>, Infallible> {
    let now = OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let response = |status: u16, content_type: &str, body: String| {
        http::Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(body)
            .expect("response")
    };
    let json = |v: &str| serde_json::to_string(v).expect("json string");
    Ok(match request.uri().path() {
        "/healthz" if spec.failing.is_empty() => response(
            200,
            "application/json",
            format!("{{\"status\":\"OK\",\"time\":{}}}", json(&now)),
        ),
        "/healthz" => {
            let failed: Vec<String> = spec
                .failing
                .iter()
                .map(|(c, r)| format!("{{\"component\":{},\"reason\":{}}}", json(c), json(r)))
                .collect();
            response(
                503,
                "application/json",
                format!(
                    "{{\"status\":\"Service Unavailable\",\"time\":{},\"failed_checks\":[{}]}}",
                    json(&now),
                    failed.join(",")
                ),
            )
        }
        "/metrics" => match (&spec.heights, client_cert) {
            (None, _) => response(
                404,
                "text/plain; charset=utf-8",
                "404 page not found\n".into(),
            ),
            (Some(_), Some(false)) => response(401, "text/plain", String::new()),
            (Some(heights), _) => {
                let mut body = String::from(
                    "# HELP ledger_blockchain_height Height of the chain in blocks.\n# TYPE ledger_blockchain_height gauge\n",
                );
                let kept = spec
                    .extra
                    .as_ref()
                    .map(|e| e.0.heights())
                    .unwrap_or_default();
                for (channel, h) in heights.iter().chain(&kept) {
                    body.push_str(&format!(
                        "ledger_blockchain_height{{channel=\"{channel}\"}} {h}\n"
                    ));
                }
                body.push_str("# TYPE go_goroutines gauge\ngo_goroutines 42\n");
                response(200, "text/plain; version=0.0.4; charset=utf-8", body)
            }
        },
        path => match spec.extra.as_ref().and_then(|e| {
            e.0.answer(
                request.method().as_str(),
                path,
                request.uri().query().unwrap_or(""),
            )
        }) {
            Some((status, content_type, body)) => response(status, content_type, body),
            None => response(
                404,
                "text/plain; charset=utf-8",
                "404 page not found\n".into(),
            ),
        },
    })
}
