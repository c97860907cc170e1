//! TLS and gRPC to peers and orderers, dialled as a Fabric client dials them.
//!
//! One probe is: resolve, TCP connect (bounded by the connect timeout), then a TLS handshake
//! with tokio-rustls (bounded by the read timeout) trusting only the org's TLS roots from the
//! endpoint, SNI set to the node's name, ALPN `h2`, and the client identity when one is
//! configured; then, on that same connection, one gRPC call to a real Fabric method
//! (`/protos.Endorser/ProcessProposal` on peers, `/orderer.AtomicBroadcast/Deliver` on
//! orderers) with an empty message. Any status the server returns proves the gRPC stack
//! answers, so the body need not be valid protobuf. A status counts only when the server sent
//! `grpc-status` itself: tonic also turns a web server's HTTP 404 into UNIMPLEMENTED, and that
//! is no gRPC answer.
//!
//! Beside that call, on the same verified connection, the probe asks the gRPC health service
//! (`/grpc.health.v1.Health/Check`, empty service name) through tonic-health's client. Which
//! Fabric servers register it is the health checks' business (`checks::health`); the probe
//! only records the serving status, or the gRPC status the server sent instead.
//!
//! What the handshake saw is recorded even when it fails:
//! - the served chain, through a verifier that records `end_entity` and `intermediates` before
//!   delegating to rustls' own WebPKI verifier (or accepting, with `--insecure`);
//! - whether the server asked for a client certificate and whether one went out, through a
//!   client-certificate resolver that records being called: rustls calls it exactly when a
//!   CertificateRequest arrives, which is how a missing client certificate is told from any
//!   other `handshake_failure` alert;
//! - the first bytes the server sent, so a plaintext HTTP/2 server or a non-TLS service is
//!   named as such instead of as a corrupt record.
//!
//! In TLS 1.3 the client finishes its handshake before the server has looked at the client's
//! certificate, so a server that refuses it (or its absence) says so with an alert *after* the
//! handshake. When the server asked for a certificate, the probe therefore waits for the
//! server's next record before sending anything: an alert (or a hang-up) is the handshake's
//! failure; session tickets or HTTP/2 SETTINGS mean it accepted. Sending first would race the
//! alert against the reset of a connection the server has already closed. The connection
//! handed to HTTP/2 also records the first TLS error it reads, for a refusal that comes later.
//!
//! SNI carries the dialled name; an IP address is verified against the certificate's IP SANs
//! and sent without SNI, which cannot carry one.
//!
//! When a client identity is configured, a second attempt without it shows whether the server
//! enforces client authentication. Nothing here panics on server behaviour, and no error
//! string or `Debug` output carries private key material.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes};
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, Resumption, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{
    AlertDescription, CertificateError, DigitallySignedStruct, InconsistentKeys, RootCertStore,
    SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

use super::{ProbeError, Timeouts, connect, io_reason, resolve};
use crate::inventory::live::{
    ClientIdentity, GrpcHealth, HandshakeFailure, NodeRole, TlsAttempt, TlsEndpoint, TlsObservation,
};

/// The Fabric method called on peers: endorsement, which every peer serves.
pub const PEER_METHOD: &str = "/protos.Endorser/ProcessProposal";
/// The Fabric method called on orderers: block delivery, which every orderer serves.
pub const ORDERER_METHOD: &str = "/orderer.AtomicBroadcast/Deliver";

/// How many of the server's first bytes are kept to name a non-TLS service.
const FIRST_BYTES: usize = 64;

/// Response messages read before giving up on a stream that never ends (a Deliver that
/// streams blocks): enough to reach the status of any sane reply to an empty request.
const MAX_MESSAGES: usize = 16;

/// Largest response message accepted; replies to an empty request are a few bytes.
const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// How long to wait for a TLS 1.3 server's verdict on the client certificate when no HTTP/2
/// exchange follows (ALPN not `h2`): such a server may send nothing at all once it accepts.
const VERDICT_WAIT: Duration = Duration::from_millis(250);

/// The ring provider, built once and passed explicitly to every config, so nothing depends on
/// a process-wide default provider being installed.
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| {
            let mut provider = rustls::crypto::ring::default_provider();
            // AES-128-GCM with SHA-256 first, as Go's crypto/tls (Fabric's TLS stack) orders
            // them on AES-NI hardware. Its key schedule hashes with SHA-256, which current
            // x86 and ARM CPUs compute in hardware, where the AES-256 suites' SHA-384 runs in
            // software: about a tenth less CPU here and a fifth less in the server per
            // handshake (bench/README.md). Every suite stays offered.
            const FIRST: [rustls::CipherSuite; 3] = [
                rustls::CipherSuite::TLS13_AES_128_GCM_SHA256,
                rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            ];
            provider
                .cipher_suites
                .sort_by_key(|s| !FIRST.contains(&s.suite()));
            Arc::new(provider)
        })
        .clone()
}

/// Dials one endpoint: TCP, TLS with only the org's TLS roots trusted (SNI and ALPN h2 set),
/// then a gRPC call on that connection; and, with a client identity, the same without it.
pub async fn observe(endpoint: TlsEndpoint, timeouts: Timeouts, insecure: bool) -> TlsObservation {
    let mut obs = TlsObservation {
        connect_error: None,
        primary: TlsAttempt {
            with_client_cert: endpoint.client_identity.is_some(),
            ..TlsAttempt::default()
        },
        without_client_cert: None,
        insecure,
        endpoint,
        policy: None,
    };
    let ep = &obs.endpoint;
    let addrs = match resolve(&ep.address, timeouts.connect).await {
        Ok(addrs) => addrs,
        Err(e) => {
            obs.connect_error = Some(e);
            return obs;
        }
    };
    let primary = attempt(ep, &addrs, timeouts, insecure, ep.client_identity.as_ref());
    let (primary, without) = if ep.client_identity.is_some() {
        // Both attempts at once: the second costs no extra wall time.
        let (p, w) = tokio::join!(primary, attempt(ep, &addrs, timeouts, insecure, None));
        (p, Some(w))
    } else {
        (primary.await, None)
    };
    match primary {
        Ok(attempt) => obs.primary = attempt,
        Err(e) => {
            // Unreachable: the second attempt would only repeat the connect error.
            obs.connect_error = Some(e);
            return obs;
        }
    }
    obs.without_client_cert = without.map(|w| {
        w.unwrap_or_else(|e| TlsAttempt {
            handshake: Some(Err(HandshakeFailure::Other(format!(
                "the second connection (without a client certificate) failed: {e}"
            )))),
            ..TlsAttempt::default()
        })
    });
    obs
}

/// One connection: TCP, TLS, gRPC. `Err` only when TCP could not connect.
async fn attempt(
    ep: &TlsEndpoint,
    addrs: &[SocketAddr],
    timeouts: Timeouts,
    insecure: bool,
    identity: Option<&ClientIdentity>,
) -> Result<TlsAttempt, ProbeError> {
    let mut out = TlsAttempt {
        with_client_cert: identity.is_some(),
        ..TlsAttempt::default()
    };
    // What cannot be used (a bad name, an unusable key) is found before dialling, but the
    // endpoint is still dialled so that reachability is reported either way.
    let prepared = prepare(ep, insecure, identity);
    let tcp = connect(&ep.address, addrs, timeouts.connect).await?;
    let prepared = match prepared {
        Ok(p) => p,
        Err(reason) => {
            out.handshake = Some(Err(HandshakeFailure::Other(reason)));
            return Ok(out);
        }
    };
    // Small HTTP/2 frames go out at once instead of waiting on Nagle.
    let _ = tcp.set_nodelay(true);
    let first = Arc::new(Mutex::new(Vec::with_capacity(FIRST_BYTES)));
    let raw_total = Arc::new(AtomicU64::new(0));
    let tap = Tap {
        inner: tcp,
        first: first.clone(),
        kept: 0,
        total: raw_total.clone(),
    };
    let connector = tokio_rustls::TlsConnector::from(prepared.config.clone());
    let started = Instant::now();
    let handshake =
        tokio::time::timeout(timeouts.read, connector.connect(prepared.name.clone(), tap)).await;
    let seen = |out: &TlsAttempt| Seen {
        leaf: out.served_chain.first().cloned(),
        auth_requested: prepared.auth.requested.load(Ordering::Relaxed),
        cert_sent: prepared.auth.sent.load(Ordering::Relaxed),
        first_bytes: lock(&first).clone(),
    };
    out.served_chain = lock(&prepared.served).clone();
    let tls = match handshake {
        Err(_) => {
            let seen = seen(&out);
            let failure = if !seen.first_bytes.is_empty() && !looks_like_tls(&seen.first_bytes) {
                HandshakeFailure::NotTls(describe_non_tls(&seen.first_bytes))
            } else {
                HandshakeFailure::Other(format!(
                    "no TLS handshake within {} ms (the server accepted the connection but {})",
                    timeouts.read.as_millis(),
                    if seen.first_bytes.is_empty() {
                        "sent nothing"
                    } else {
                        "did not finish the handshake"
                    }
                ))
            };
            out.handshake = Some(Err(failure));
            return Ok(out);
        }
        Ok(Err(e)) => {
            out.handshake = Some(Err(classify_io(&e, &seen(&out), false)));
            return Ok(out);
        }
        Ok(Ok(tls)) => tls,
    };
    out.handshake_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
    let tls13;
    {
        let (_, conn) = tls.get_ref();
        out.protocol_version = conn.protocol_version().map(|v| format!("{v:?}"));
        tls13 = conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3);
        out.cipher_suite = conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()));
        out.alpn = conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned());
    }
    out.handshake = Some(Ok(()));
    let requested = prepared.auth.requested.load(Ordering::Relaxed);
    let sent = prepared.auth.sent.load(Ordering::Relaxed);
    let mut watched = Watch {
        inner: tls,
        log: Arc::new(Mutex::new(AfterHandshake::default())),
        prefix: Vec::new(),
    };
    let log = watched.log.clone();
    let h2 = out.alpn.as_deref() == Some("h2");
    if tls13 && requested {
        // TLS 1.3: the server judges the client certificate (or its absence) only after the
        // client's side of the handshake is done. Its next record is the verdict: an alert, or
        // session tickets / the HTTP/2 SETTINGS of a server that accepted. Waiting for it
        // before sending anything keeps the alert from being lost to a connection reset.
        let limit = if h2 {
            timeouts.read
        } else {
            VERDICT_WAIT.min(timeouts.read)
        };
        match await_verdict(&mut watched.inner, &raw_total, limit).await {
            Verdict::Accepted(early) => watched.prefix = early,
            Verdict::Refused(e) => {
                let seen = Seen {
                    auth_requested: requested,
                    cert_sent: sent,
                    ..Seen::default()
                };
                out.handshake = Some(Err(classify_io(&e, &seen, true)));
                return Ok(out);
            }
            Verdict::Silent if h2 => {
                out.grpc = Some(Err(format!(
                    "the server sent nothing within {} ms after the TLS handshake",
                    limit.as_millis()
                )));
                return Ok(out);
            }
            Verdict::Silent => {}
        }
    }
    if h2 {
        let method = match ep.role {
            NodeRole::Peer => PEER_METHOD,
            NodeRole::Orderer => ORDERER_METHOD,
        };
        out.grpc_method = Some(method.to_owned());
        let authority = authority(ep, &prepared.name);
        let (grpc, health) = grpc_call(watched, &authority, method, timeouts.read).await;
        out.grpc = Some(grpc);
        out.grpc_health = Some(health);
    } else {
        out.grpc = Some(Err(match &out.alpn {
            None => {
                "not attempted: the server agreed to no ALPN protocol, and gRPC needs h2".into()
            }
            Some(p) => format!("not attempted: the server chose ALPN {p:?}, and gRPC needs h2"),
        }));
    }
    // Should a refusal still come after the verdict (a server that sends tickets first), what
    // the connection said then decides the handshake after all.
    let after = lock(&log).clone();
    if let Some(failure) = verdict_after_handshake(&after, tls13, requested, sent) {
        out.handshake = Some(Err(failure));
        out.grpc = None;
        out.grpc_method = None;
        out.grpc_health = None;
    }
    Ok(out)
}

/// The server's answer to the client's last handshake flight.
enum Verdict {
    /// It sent something that is not an error; any application data read on the way.
    Accepted(Vec<u8>),
    /// It ended the connection: an alert, a reset, or end of stream.
    Refused(io::Error),
    /// Nothing within the limit.
    Silent,
}

/// Reads until the server sends its first record after the handshake. A record that carries
/// no application data (a session ticket) shows only as raw bytes arriving, hence `raw_total`.
async fn await_verdict<S: AsyncRead + Unpin>(
    stream: &mut S,
    raw_total: &AtomicU64,
    limit: Duration,
) -> Verdict {
    let base = raw_total.load(Ordering::Relaxed);
    let mut buf = vec![0u8; 16 * 1024];
    let wait = std::future::poll_fn(|cx| {
        let mut read = ReadBuf::new(&mut buf);
        match Pin::new(&mut *stream).poll_read(cx, &mut read) {
            Poll::Ready(Ok(())) if read.filled().is_empty() => Poll::Ready(Verdict::Refused(
                io::Error::new(io::ErrorKind::UnexpectedEof, "end of stream"),
            )),
            Poll::Ready(Ok(())) => Poll::Ready(Verdict::Accepted(read.filled().to_vec())),
            Poll::Ready(Err(e)) => Poll::Ready(Verdict::Refused(e)),
            Poll::Pending if raw_total.load(Ordering::Relaxed) > base => {
                Poll::Ready(Verdict::Accepted(Vec::new()))
            }
            Poll::Pending => Poll::Pending,
        }
    });
    tokio::time::timeout(limit, wait)
        .await
        .unwrap_or(Verdict::Silent)
}

/// A TLS client for the node's operations endpoint: the same trust, name and client identity
/// as the gRPC probe (the operations certificate is normally the node's TLS certificate,
/// `CORE_OPERATIONS_TLS_CERT_FILE` pointing at `tls/server.crt`), with ALPN `http/1.1`.
pub(crate) fn operations_client(
    ep: &TlsEndpoint,
    insecure: bool,
) -> Result<(Arc<rustls::ClientConfig>, ServerName<'static>), String> {
    let prepared = prepare(ep, insecure, ep.client_identity.as_ref())?;
    let mut config = (*prepared.config).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((Arc::new(config), prepared.name))
}

/// The verified client config (ALPN `h2`, the org's TLS roots, the endpoint's client identity
/// for mutual TLS), the name to dial and the `:authority` for a gRPC call of our own on the
/// endpoint (the Deliver of `probe::deliver`), exactly as the TLS probe dials it.
pub(crate) fn grpc_client(
    ep: &TlsEndpoint,
    insecure: bool,
) -> Result<(Arc<rustls::ClientConfig>, ServerName<'static>, String), String> {
    let prepared = prepare(ep, insecure, ep.client_identity.as_ref())?;
    let authority = authority(ep, &prepared.name);
    Ok((prepared.config, prepared.name, authority))
}

/// Why a TLS handshake failed, in the words the TLS checks use.
pub(crate) fn handshake_reason(e: &io::Error) -> String {
    match classify_io(e, &Seen::default(), false) {
        HandshakeFailure::UnknownIssuer => {
            "the served certificate does not chain to the node's TLS root".into()
        }
        HandshakeFailure::Expired => "the served certificate has expired".into(),
        HandshakeFailure::NotYetValid => "the served certificate is not yet valid".into(),
        HandshakeFailure::NameMismatch { offered } => format!(
            "the served certificate does not cover the name dialled (it covers {})",
            offered.join(", ")
        ),
        HandshakeFailure::ClientCertRequired => {
            "the server requires a client certificate and none is configured".into()
        }
        HandshakeFailure::ClientCertRejected(why) => {
            format!("the server refused the client certificate ({why})")
        }
        HandshakeFailure::NotTls(why) => why,
        HandshakeFailure::Other(why) => why,
    }
}

/// The `:authority` of the gRPC request: the name dialled, as grpc-go sets it when
/// `ssl-target-name-override` is in force, with the port of the address.
fn authority(ep: &TlsEndpoint, name: &ServerName<'_>) -> String {
    let port = ep.address.rsplit_once(':').map(|(_, p)| p).unwrap_or("443");
    match name {
        ServerName::DnsName(d) => format!("{}:{port}", d.as_ref()),
        ServerName::IpAddress(_) => ep.address.clone(),
        _ => ep.address.clone(),
    }
}

/// Everything an attempt needs before dialling.
struct Prepared {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
    served: Arc<Mutex<Vec<Vec<u8>>>>,
    auth: Arc<ClientAuth>,
}

fn prepare(
    ep: &TlsEndpoint,
    insecure: bool,
    identity: Option<&ClientIdentity>,
) -> Result<Prepared, String> {
    let provider = provider();
    let dialled = ep
        .server_name
        .as_deref()
        .unwrap_or_else(|| host_of(&ep.address));
    let name = ServerName::try_from(dialled.to_owned())
        .map_err(|_| format!("{dialled:?} is not a valid DNS name or IP address to dial"))?;
    let key = identity
        .map(|id| load_identity(id, &provider))
        .transpose()?;
    let auth = Arc::new(ClientAuth {
        key,
        requested: AtomicBool::new(false),
        sent: AtomicBool::new(false),
    });
    let served = Arc::new(Mutex::new(Vec::new()));
    let mut roots = RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(
        ep.tls_roots
            .iter()
            .map(|der| CertificateDer::from(der.as_slice())),
    );
    let inner = if added == 0 {
        Err(if ignored == 0 {
            "no TLS root certificate is configured for this endpoint".to_owned()
        } else {
            format!("none of the {ignored} configured TLS root certificate(s) could be parsed")
        })
    } else {
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| format!("the configured TLS roots cannot be used: {e}"))
    };
    let verifier = Arc::new(Recorder {
        inner,
        insecure,
        served: served.clone(),
        provider: provider.clone(),
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("no TLS protocol versions available: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(auth.clone());
    config.alpn_protocols = vec![b"h2".to_vec()];
    // Each attempt stands alone: the attempt without a client certificate must not resume a
    // session the other one authenticated.
    config.resumption = Resumption::disabled();
    Ok(Prepared {
        config: Arc::new(config),
        name,
        served,
        auth,
    })
}

/// Parses the client chain and key (PKCS#8, SEC1 or PKCS#1 PEM). Errors never quote the key.
fn load_identity(
    id: &ClientIdentity,
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, String> {
    if id.chain.is_empty() {
        return Err(format!(
            "the client certificate file {} holds no certificate",
            id.cert_origin
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&id.key_pem).map_err(|e| {
        format!(
            "the client key for {} is not a usable PEM private key ({})",
            id.cert_origin,
            pem_error_reason(&e)
        )
    })?;
    let signing = provider.key_provider.load_private_key(key).map_err(|_| {
        format!(
            "the client key for {} is not a supported private key (ECDSA, Ed25519 or RSA)",
            id.cert_origin
        )
    })?;
    let chain = id
        .chain
        .iter()
        .map(|der| CertificateDer::from(der.clone()))
        .collect();
    let certified = CertifiedKey::new(chain, signing);
    if let Err(rustls::Error::InconsistentKeys(InconsistentKeys::KeyMismatch)) =
        certified.keys_match()
    {
        return Err(format!(
            "the client key does not match the client certificate {}",
            id.cert_origin
        ));
    }
    Ok(Arc::new(certified))
}

/// A PEM error in a few words. The decoder's own messages can quote a line of the file, and a
/// line of a key file is key material, so none of its text is passed on.
fn pem_error_reason(e: &pem::Error) -> &'static str {
    match e {
        pem::Error::NoItemsFound => "no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block",
        pem::Error::MissingSectionEnd { .. } => "a PEM block has no END line",
        pem::Error::IllegalSectionStart { .. } => "a malformed BEGIN line",
        pem::Error::Base64Decode(_) => "bad base64",
        pem::Error::SectionTooLarge => "a PEM block is too large",
        _ => "unreadable PEM",
    }
}

/// The host part of `host:port` (`[v6]:port` too): the name dialled when no server name is set.
fn host_of(address: &str) -> &str {
    if let Some(rest) = address.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match address.rsplit_once(':') {
        // A bare IPv6 address without brackets has several colons and no port to strip.
        Some((host, _)) if !host.contains(':') => host,
        Some(_) => address,
        None => address,
    }
}

/// The server verifier: records the chain the server sent, then lets rustls' WebPKI verifier
/// judge it (or accepts it, with `--insecure`). Handshake signatures are always checked.
struct Recorder {
    /// The real verifier, or why there is none (no usable roots configured).
    inner: Result<Arc<WebPkiServerVerifier>, String>,
    insecure: bool,
    served: Arc<Mutex<Vec<Vec<u8>>>>,
    provider: Arc<CryptoProvider>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("insecure", &self.insecure)
            .field("has_roots", &self.inner.is_ok())
            .finish()
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *lock(&self.served) = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.as_ref().to_vec())
            .collect();
        if self.insecure {
            return Ok(ServerCertVerified::assertion());
        }
        match &self.inner {
            Ok(v) => {
                v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            Err(reason) => Err(rustls::Error::General(reason.clone())),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The client certificate resolver: rustls calls it when (and only when) the server sends a
/// CertificateRequest, so being called is the record that client auth was requested.
struct ClientAuth {
    key: Option<Arc<CertifiedKey>>,
    requested: AtomicBool,
    sent: AtomicBool,
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is never shown, not even through rustls' own Debug.
        f.debug_struct("ClientAuth")
            .field("identity", &self.key.as_ref().map(|_| "<redacted>"))
            .field("requested", &self.requested.load(Ordering::Relaxed))
            .field("sent", &self.sent.load(Ordering::Relaxed))
            .finish()
    }
}

impl ResolvesClientCert for ClientAuth {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.requested.store(true, Ordering::Relaxed);
        let key = self.key.as_ref()?;
        // rustls sends an empty Certificate when the key cannot sign with any offered scheme.
        if key.key.choose_scheme(sigschemes).is_some() {
            self.sent.store(true, Ordering::Relaxed);
        }
        Some(key.clone())
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

/// What the handshake showed, for classifying a failure.
#[derive(Debug, Default, Clone)]
struct Seen {
    leaf: Option<Vec<u8>>,
    auth_requested: bool,
    cert_sent: bool,
    first_bytes: Vec<u8>,
}

/// Classifies an I/O error from the handshake (or from reading right after it).
fn classify_io(e: &io::Error, seen: &Seen, after_handshake: bool) -> HandshakeFailure {
    if !seen.first_bytes.is_empty() && !looks_like_tls(&seen.first_bytes) {
        return HandshakeFailure::NotTls(describe_non_tls(&seen.first_bytes));
    }
    if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return classify_tls(tls, seen);
    }
    let closed = matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    );
    if closed && seen.auth_requested {
        // A server that drops the connection right after asking for a certificate is
        // refusing what it got (grpc-go on TLS 1.2 may close without an alert).
        return if seen.cert_sent {
            HandshakeFailure::ClientCertRejected(
                "the server closed the connection after receiving the client certificate".into(),
            )
        } else {
            HandshakeFailure::ClientCertRequired
        };
    }
    if closed {
        return HandshakeFailure::Other(format!(
            "the server closed the connection {} ({})",
            if after_handshake {
                "right after the TLS handshake"
            } else {
                "during the TLS handshake"
            },
            io_reason(e)
        ));
    }
    HandshakeFailure::Other(io_reason(e))
}

/// Classifies a rustls error into what the checks judge.
fn classify_tls(e: &rustls::Error, seen: &Seen) -> HandshakeFailure {
    use rustls::Error as E;
    match e {
        E::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                HandshakeFailure::UnknownIssuer
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                HandshakeFailure::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                HandshakeFailure::NotYetValid
            }
            CertificateError::NotValidForName => HandshakeFailure::NameMismatch {
                offered: seen.leaf.as_deref().map(offered_names).unwrap_or_default(),
            },
            CertificateError::NotValidForNameContext { presented, .. } => {
                HandshakeFailure::NameMismatch {
                    offered: seen
                        .leaf
                        .as_deref()
                        .map(offered_names)
                        .unwrap_or_else(|| presented.clone()),
                }
            }
            other => HandshakeFailure::Other(format!("invalid server certificate: {other:?}")),
        },
        E::AlertReceived(alert) => classify_alert(*alert, seen),
        E::InvalidMessage(_)
        | E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. }
            if !seen.first_bytes.is_empty() && !looks_like_tls(&seen.first_bytes) =>
        {
            HandshakeFailure::NotTls(describe_non_tls(&seen.first_bytes))
        }
        E::InvalidMessage(m) => {
            HandshakeFailure::NotTls(format!("the server sent a corrupt TLS record ({m:?})"))
        }
        E::General(reason) => HandshakeFailure::Other(reason.clone()),
        other => HandshakeFailure::Other(lowercase_first(&other.to_string())),
    }
}

/// Alerts the server sends when it refuses a client certificate or its absence.
fn is_client_cert_alert(alert: AlertDescription) -> bool {
    matches!(
        alert,
        AlertDescription::CertificateRequired
            | AlertDescription::HandshakeFailure
            | AlertDescription::BadCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::AccessDenied
            | AlertDescription::DecryptError
    )
}

fn classify_alert(alert: AlertDescription, seen: &Seen) -> HandshakeFailure {
    let name = alert_name(alert);
    if seen.auth_requested && is_client_cert_alert(alert) {
        if seen.cert_sent {
            HandshakeFailure::ClientCertRejected(format!("the server sent alert {name}"))
        } else {
            HandshakeFailure::ClientCertRequired
        }
    } else if alert == AlertDescription::CertificateRequired {
        // Only ever sent about a client certificate, requested or not.
        HandshakeFailure::ClientCertRequired
    } else {
        HandshakeFailure::Other(format!("the server sent alert {name}"))
    }
}

/// An alert's RFC 8446 name (`certificate_required`), from rustls' `CertificateRequired`.
fn alert_name(alert: AlertDescription) -> String {
    let debug = format!("{alert:?}");
    let mut out = String::with_capacity(debug.len() + 4);
    for (i, c) in debug.char_indices() {
        if c.is_ascii_uppercase() {
            if i > 0 && !debug[..i].ends_with(|p: char| p.is_ascii_uppercase()) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// What the connection showed after the handshake, recorded by [`Watch`].
#[derive(Debug, Default, Clone)]
struct AfterHandshake {
    /// The first read or write error.
    error: Option<(io::ErrorKind, Option<rustls::Error>, String)>,
    /// Application bytes read before it.
    read: u64,
}

/// Decides whether what happened after a completed handshake is really a handshake failure:
/// a TLS alert about the client certificate, or (TLS 1.3, certificate requested) the server
/// hanging up before sending a single application byte.
fn verdict_after_handshake(
    after: &AfterHandshake,
    tls13: bool,
    requested: bool,
    sent: bool,
) -> Option<HandshakeFailure> {
    let (kind, tls, text) = after.error.as_ref()?;
    let seen = Seen {
        auth_requested: requested,
        cert_sent: sent,
        ..Seen::default()
    };
    if let Some(tls) = tls {
        return match classify_tls(tls, &seen) {
            f
            @ (HandshakeFailure::ClientCertRequired | HandshakeFailure::ClientCertRejected(_)) => {
                Some(f)
            }
            // Any other alert this early still ends the exchange; name it.
            f @ HandshakeFailure::Other(_) if after.read == 0 => Some(f),
            _ => None,
        };
    }
    let closed = matches!(
        kind,
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    );
    if tls13 && requested && closed && after.read == 0 {
        let e = io::Error::new(*kind, text.clone());
        return Some(classify_io(&e, &seen, true));
    }
    None
}

/// Whether bytes read from the server start like a TLS record (a handshake, alert or
/// change-cipher-spec record of SSL 3.0 or later).
fn looks_like_tls(first: &[u8]) -> bool {
    match first {
        [] => true,
        [t] => (20..=24).contains(t),
        [t, major, ..] => (20..=24).contains(t) && *major == 3,
    }
}

/// Names what a non-TLS server sent instead of a ServerHello.
fn describe_non_tls(first: &[u8]) -> String {
    // An HTTP/2 frame header: 24-bit length, type, flags, 31-bit stream id. A server speaking
    // HTTP/2 in clear (h2c) opens with a SETTINGS frame (type 4) on stream 0.
    if first.len() >= 9 && first[3] == 0x04 && first[5..9] == [0, 0, 0, 0] {
        return "the server speaks plaintext HTTP/2 (h2c): it sent an HTTP/2 SETTINGS frame \
                instead of a TLS ServerHello"
            .into();
    }
    if first.len() >= 9 && first[3] == 0x07 && first[5..9] == [0, 0, 0, 0] {
        return "the server speaks plaintext HTTP/2 (h2c): it sent an HTTP/2 GOAWAY frame \
                instead of a TLS ServerHello"
            .into();
    }
    if first.starts_with(b"HTTP/") {
        let line = first
            .split(|b| *b == b'\r' || *b == b'\n')
            .next()
            .unwrap_or(first);
        return format!(
            "the server speaks plaintext HTTP: it answered {:?}",
            printable(line)
        );
    }
    let text = first
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if text {
        format!(
            "the server sent plain text instead of a TLS ServerHello: {:?}",
            printable(&first[..first.len().min(32)])
        )
    } else {
        let hex: Vec<String> = first.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!(
            "the server sent bytes that are not a TLS record: {}",
            hex.join(" ")
        )
    }
}

fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

/// The DNS names and IP addresses a certificate covers (its SANs), in certificate order.
fn offered_names(der: &[u8]) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DNSName(d) => Some((*d).to_owned()),
            GeneralName::IPAddress(ip) => match ip.len() {
                4 => <[u8; 4]>::try_from(*ip)
                    .ok()
                    .map(|o| std::net::IpAddr::from(o).to_string()),
                16 => <[u8; 16]>::try_from(*ip)
                    .ok()
                    .map(|o| std::net::IpAddr::from(o).to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The canonical name of a gRPC status code, as the gRPC spec spells it.
fn code_name(code: i32) -> String {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .map_or_else(|| format!("CODE_{code}"), |n| (*n).to_owned())
}

/// What came back on the gRPC call, as the server sent it (not as tonic inferred it).
#[derive(Debug, Default, Clone, PartialEq)]
struct GrpcSeen {
    http_status: Option<u16>,
    content_type: Option<String>,
    /// `grpc-status` from the response headers (trailers-only) or the trailers.
    grpc_status: Option<i32>,
    /// `grpc-message` beside it.
    grpc_message: Option<String>,
}

impl GrpcSeen {
    fn record_status(&mut self, headers: &http::HeaderMap) {
        if let Some(code) = headers
            .get("grpc-status")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
        {
            self.grpc_status = Some(code);
            self.grpc_message = headers
                .get("grpc-message")
                .and_then(|v| v.to_str().ok())
                .map(|m| percent_decode(m.trim()));
        }
    }
}

/// A `grpc-message` as sent: percent-encoded (gRPC over HTTP/2 spec), decoded leniently.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The call's verdict: `Ok(code name)` only when the server itself sent a `grpc-status`. An
/// answer that is not gRPC at all (another HTTP status or content type) is named by what it
/// was, not by what tonic made of its body.
fn grpc_verdict(seen: &GrpcSeen, outcome: Result<(), String>) -> Result<String, String> {
    if let Some(code) = seen.grpc_status {
        return Ok(code_name(code));
    }
    let reason = match outcome {
        Ok(()) => "the stream ended without a gRPC status".to_owned(),
        Err(e) => e,
    };
    match (seen.http_status, &seen.content_type) {
        (None, _) => Err(reason),
        (Some(200), Some(ct)) if ct.starts_with("application/grpc") => Err(reason),
        (Some(status), ct) => Err(format!(
            "not a gRPC answer: HTTP {status}{} and no grpc-status",
            ct.as_ref()
                .map(|c| format!(" with content-type {c}"))
                .unwrap_or_else(|| " without a content-type".into())
        )),
    }
}

/// One gRPC call on an established TLS connection, bounded by `limit`.
async fn grpc_call<S>(
    io: S,
    authority: &str,
    method: &'static str,
    limit: Duration,
) -> (Result<String, String>, Result<GrpcHealth, String>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let seen = Arc::new(Mutex::new(GrpcSeen::default()));
    let health = HealthSlot::default();
    let call = exchange(io, authority, method, seen.clone(), health.clone());
    let outcome = match tokio::time::timeout(limit, call).await {
        Ok(outcome) => outcome,
        Err(_) => Err(format!("no gRPC answer within {} ms", limit.as_millis())),
    };
    let seen = lock(&seen).clone();
    let health_outcome = lock(&health.outcome)
        .take()
        .unwrap_or_else(|| match &outcome {
            // The connection never got as far as the call: the same reason holds for both.
            Err(e) => Err(e.clone()),
            Ok(()) => Err(format!("no gRPC answer within {} ms", limit.as_millis())),
        });
    let health_seen = lock(&health.seen).clone();
    (
        grpc_verdict(&seen, outcome),
        health_verdict(&health_seen, health_outcome),
    )
}

/// Where the health call leaves what it saw, so a timeout of the whole exchange still finds it.
#[derive(Clone, Default)]
struct HealthSlot {
    seen: Arc<Mutex<GrpcSeen>>,
    outcome: Arc<Mutex<Option<Result<i32, String>>>>,
}

/// The gRPC health method, `grpc.health.v1.Health/Check`, asked about the whole server (empty
/// service name) as Kubernetes' gRPC probe and `grpc_health_probe` ask.
pub const HEALTH_METHOD: &str = "/grpc.health.v1.Health/Check";

/// The health call's verdict: the serving status the server sent, the gRPC error status the
/// server itself sent (UNIMPLEMENTED: no health service registered), or why there was no gRPC
/// answer at all.
fn health_verdict(seen: &GrpcSeen, outcome: Result<i32, String>) -> Result<GrpcHealth, String> {
    match outcome {
        Ok(status) => Ok(GrpcHealth::Status(
            tonic_health::pb::health_check_response::ServingStatus::try_from(status).map_or_else(
                |_| format!("STATUS_{status}"),
                |s| s.as_str_name().to_owned(),
            ),
        )),
        Err(reason) => match seen.grpc_status {
            Some(code) if code != 0 => Ok(GrpcHealth::Refused {
                code: code_name(code),
                message: seen.grpc_message.clone().unwrap_or_default(),
            }),
            _ => grpc_verdict(seen, Err(reason)).and_then(|code| {
                Err(format!(
                    "the health call ended with status {code} and no response"
                ))
            }),
        },
    }
}

/// HTTP/2 handshake, then the Fabric call and the health call side by side through tonic, with
/// the connection driven alongside.
async fn exchange<S>(
    io: S,
    authority: &str,
    method: &'static str,
    seen: Arc<Mutex<GrpcSeen>>,
    health: HealthSlot,
) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .handshake::<_, tonic::body::Body>(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP/2 handshake failed: {}", error_chain(&e)))?;
    let origin: http::Uri = format!("https://{authority}")
        .parse()
        .or_else(|_| "https://fabcheck.invalid".parse())
        .map_err(|e| format!("no usable :authority: {e}"))?;
    let health_call = {
        let service = H2 {
            sender: sender.clone(),
            seen: health.seen.clone(),
        };
        let origin = origin.clone();
        let slot = health.outcome.clone();
        async move {
            let mut client =
                tonic_health::pb::health_client::HealthClient::with_origin(service, origin)
                    .max_decoding_message_size(MAX_MESSAGE_BYTES);
            let request = tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            };
            let outcome = match client.check(request).await {
                Ok(response) => Ok(response.into_inner().status),
                Err(s) => Err(status_text(&s)),
            };
            *lock(&slot) = Some(outcome);
        }
    };
    let fabric_call = async move {
        let mut grpc = tonic::client::Grpc::with_origin(H2 { sender, seen }, origin)
            .max_decoding_message_size(MAX_MESSAGE_BYTES);
        grpc.ready()
            .await
            .map_err(|e| format!("the HTTP/2 connection is not usable: {}", error_chain(&e)))?;
        let request = tonic::Request::new(tonic::codegen::tokio_stream::once(Bytes::new()));
        let path = http::uri::PathAndQuery::from_static(method);
        let mut stream = grpc
            .streaming(request, path, RawCodec)
            .await
            .map_err(|s| status_text(&s))?
            .into_inner();
        for _ in 0..MAX_MESSAGES {
            match stream.message().await {
                Ok(Some(_)) => {}
                Ok(None) => return Ok(()),
                Err(s) => return Err(status_text(&s)),
            }
        }
        Err(format!("still streaming after {MAX_MESSAGES} messages"))
    };
    let call = async move { tokio::join!(fabric_call, health_call).0 };
    // The connection is polled here rather than spawned, so it ends (and the socket closes)
    // when this function returns, whatever state the call is in.
    let mut conn = std::pin::pin!(conn);
    let mut call = std::pin::pin!(call);
    let mut conn_done = false;
    std::future::poll_fn(|cx| {
        if !conn_done && conn.as_mut().poll(cx).is_ready() {
            conn_done = true;
        }
        call.as_mut().poll(cx)
    })
    .await
}

/// A status tonic made on the client side, in words. With a transport cause, the code is
/// tonic's guess and is left out; the cause chain says what happened.
fn status_text(s: &tonic::Status) -> String {
    match std::error::Error::source(s) {
        Some(source) => {
            let mut parts = vec![s.message().to_owned()];
            push_chain(&mut parts, source);
            parts.join(": ")
        }
        None => format!("{}: {}", code_name(s.code() as i32), s.message()),
    }
}

/// An error and its sources, joined: hyper's top-level messages alone rarely say why.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    push_chain(&mut parts, e);
    parts.join(": ")
}

/// Appends `e` and its sources, skipping any already said by an earlier part.
fn push_chain(parts: &mut Vec<String>, e: &(dyn std::error::Error + 'static)) {
    let mut cur = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
}

/// tonic's view of the HTTP/2 connection: sends each request on it and hands back a body that
/// records the `grpc-status` the server sends.
struct H2 {
    sender: hyper::client::conn::http2::SendRequest<tonic::body::Body>,
    seen: Arc<Mutex<GrpcSeen>>,
}

impl tower_service::Service<http::Request<tonic::body::Body>> for H2 {
    type Response = http::Response<Observed>;
    type Error = hyper::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, hyper::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), hyper::Error>> {
        self.sender.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let response = self.sender.send_request(request);
        let seen = self.seen.clone();
        Box::pin(async move {
            let response = response.await?;
            {
                let mut s = lock(&seen);
                s.http_status = Some(response.status().as_u16());
                s.content_type = response
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                s.record_status(response.headers());
            }
            Ok(response.map(|inner| Observed { inner, seen }))
        })
    }
}

/// A response body that records the trailers' `grpc-status` as it passes them on.
struct Observed {
    inner: hyper::body::Incoming,
    seen: Arc<Mutex<GrpcSeen>>,
}

impl HttpBody for Observed {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let poll = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &poll
            && let Some(trailers) = frame.trailers_ref()
        {
            lock(&self.seen).record_status(trailers);
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Passes message bytes through unchanged: the probe sends an empty message and needs no
/// protobuf to read a status.
#[derive(Debug, Clone, Copy, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, tonic::Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

/// The TCP stream under TLS, keeping the first bytes the server sent and counting them all.
struct Tap {
    inner: TcpStream,
    first: Arc<Mutex<Vec<u8>>>,
    kept: usize,
    total: Arc<AtomicU64>,
}

impl AsyncRead for Tap {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) {
            let new = &buf.filled()[before..];
            self.total.fetch_add(new.len() as u64, Ordering::Relaxed);
            if self.kept < FIRST_BYTES {
                let take = new.len().min(FIRST_BYTES - self.kept);
                lock(&self.first).extend_from_slice(&new[..take]);
                self.kept += take;
            }
        }
        poll
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The TLS stream after the handshake, recording the first error (a TLS alert is one) and how
/// much application data came before it; `prefix` is data read while waiting for the server's
/// verdict, handed out first.
struct Watch<S> {
    inner: S,
    log: Arc<Mutex<AfterHandshake>>,
    prefix: Vec<u8>,
}

impl<S> Watch<S> {
    fn note<T>(&self, poll: &Poll<io::Result<T>>) {
        if let Poll::Ready(Err(e)) = poll {
            let mut log = lock(&self.log);
            if log.error.is_none() {
                let tls = e
                    .get_ref()
                    .and_then(|i| i.downcast_ref::<rustls::Error>())
                    .cloned();
                log.error = Some((e.kind(), tls, io_reason(e)));
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watch<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.drain(..n);
            lock(&self.log).read += n as u64;
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &poll {
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len() - before;
                let mut log = lock(&self.log);
                if n == 0 && log.error.is_none() {
                    // End of stream: a close_notify, or the peer hanging up.
                    log.error = Some((io::ErrorKind::UnexpectedEof, None, "end of stream".into()));
                }
                log.read += n as u64;
            }
            _ => self.note(&poll),
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watch<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.note(&poll);
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.note(&poll);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.note(&poll);
        poll
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Locks a probe-local mutex; a poisoned one (a panic elsewhere) still holds usable data.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The test PKI (tests/support/pki.rs), as the crate's unit tests already include it.
    use crate::checks::x509::testing::pki;

    use pki::{Cert, Spec};

    fn ca() -> Cert {
        Cert::self_signed(
            Spec::new(
                "org1.example.com",
                "tlsca.org1.example.com",
                "2020-01-01T00:00:00Z",
                "2040-01-01T00:00:00Z",
            )
            .ca(),
        )
    }

    fn leaf(ca: &Cert, sans: &[&str]) -> Cert {
        ca.issue(
            Spec::new(
                "org1.example.com",
                "peer0.org1.example.com",
                "2020-01-01T00:00:00Z",
                "2039-01-01T00:00:00Z",
            )
            .sans(sans),
        )
    }

    fn identity(cert: &Cert, key_pem: &str) -> ClientIdentity {
        ClientIdentity {
            chain: vec![cert.der.clone()],
            key_pem: zeroize::Zeroizing::new(key_pem.as_bytes().to_vec()),
            cert_origin: "client.pem".into(),
        }
    }

    fn seen(requested: bool, sent: bool) -> Seen {
        Seen {
            auth_requested: requested,
            cert_sent: sent,
            ..Seen::default()
        }
    }

    #[test]
    fn host_of_strips_the_port() {
        assert_eq!(host_of("peer0.org1:7051"), "peer0.org1");
        assert_eq!(host_of("127.0.0.1:7051"), "127.0.0.1");
        assert_eq!(host_of("[::1]:7051"), "::1");
        assert_eq!(host_of("::1"), "::1");
        assert_eq!(host_of("peer0"), "peer0");
        assert_eq!(host_of(""), "");
    }

    #[test]
    fn authority_is_the_dialled_name_with_the_port() {
        let ep = TlsEndpoint {
            address: "10.1.2.3:7051".into(),
            ..TlsEndpoint::default()
        };
        let dns = ServerName::try_from("peer0.org1.example.com").unwrap();
        assert_eq!(authority(&ep, &dns), "peer0.org1.example.com:7051");
        let ip = ServerName::try_from("10.1.2.3").unwrap();
        assert_eq!(authority(&ep, &ip), "10.1.2.3:7051");
    }

    #[test]
    fn grpc_codes_have_their_spec_names() {
        assert_eq!(code_name(0), "OK");
        assert_eq!(code_name(3), "INVALID_ARGUMENT");
        assert_eq!(code_name(7), "PERMISSION_DENIED");
        assert_eq!(code_name(12), "UNIMPLEMENTED");
        assert_eq!(code_name(16), "UNAUTHENTICATED");
        assert_eq!(code_name(17), "CODE_17");
        assert_eq!(code_name(-1), "CODE_-1");
    }

    #[test]
    fn alerts_have_their_rfc_names() {
        assert_eq!(
            alert_name(AlertDescription::CertificateRequired),
            "certificate_required"
        );
        assert_eq!(alert_name(AlertDescription::UnknownCA), "unknown_ca");
        assert_eq!(
            alert_name(AlertDescription::NoApplicationProtocol),
            "no_application_protocol"
        );
        assert_eq!(
            alert_name(AlertDescription::HandshakeFailure),
            "handshake_failure"
        );
    }

    #[test]
    fn tls_records_are_told_from_other_protocols() {
        assert!(looks_like_tls(&[]));
        assert!(looks_like_tls(&[0x16]));
        assert!(looks_like_tls(&[0x16, 0x03, 0x03, 0x00, 0x7a]));
        assert!(looks_like_tls(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]));
        assert!(!looks_like_tls(&[0x00, 0x00, 0x12, 0x04]));
        assert!(!looks_like_tls(b"HTTP/1.1 400 Bad Request\r\n"));
        assert!(!looks_like_tls(&[0x16, 0x01]));
    }

    #[test]
    fn non_tls_answers_are_named() {
        // hyper's and grpc-go's h2c server preface: a SETTINGS frame on stream 0.
        let settings = [0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100];
        assert!(describe_non_tls(&settings).contains("plaintext HTTP/2 (h2c)"));
        assert!(describe_non_tls(&settings).contains("SETTINGS"));
        let goaway = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        assert!(describe_non_tls(&goaway).contains("GOAWAY"));
        assert_eq!(
            describe_non_tls(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
            "the server speaks plaintext HTTP: it answered \"HTTP/1.1 400 Bad Request\""
        );
        assert_eq!(
            describe_non_tls(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
            "the server sent plain text instead of a TLS ServerHello: \"SSH-2.0-OpenSSH_9.2p1 Debian-2\""
        );
        assert_eq!(
            describe_non_tls(&[0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5]),
            "the server sent bytes that are not a TLS record: de ad be ef 00 01 02 03"
        );
    }

    #[test]
    fn certificate_errors_map_to_failures() {
        let e = |c| rustls::Error::InvalidCertificate(c);
        let s = Seen::default();
        assert_eq!(
            classify_tls(&e(CertificateError::UnknownIssuer), &s),
            HandshakeFailure::UnknownIssuer
        );
        assert_eq!(
            classify_tls(&e(CertificateError::BadSignature), &s),
            HandshakeFailure::UnknownIssuer
        );
        assert_eq!(
            classify_tls(&e(CertificateError::Expired), &s),
            HandshakeFailure::Expired
        );
        let t = UnixTime::since_unix_epoch(Duration::from_secs(1_000));
        assert_eq!(
            classify_tls(
                &e(CertificateError::ExpiredContext {
                    time: t,
                    not_after: t
                }),
                &s
            ),
            HandshakeFailure::Expired
        );
        assert_eq!(
            classify_tls(&e(CertificateError::NotValidYet), &s),
            HandshakeFailure::NotYetValid
        );
        assert_eq!(
            classify_tls(
                &e(CertificateError::NotValidYetContext {
                    time: t,
                    not_before: t
                }),
                &s
            ),
            HandshakeFailure::NotYetValid
        );
        assert!(matches!(
            classify_tls(&e(CertificateError::InvalidPurpose), &s),
            HandshakeFailure::Other(m) if m.contains("InvalidPurpose")
        ));
        assert_eq!(
            classify_tls(&rustls::Error::General("no roots".into()), &s),
            HandshakeFailure::Other("no roots".into())
        );
    }

    #[test]
    fn name_mismatch_lists_the_leafs_dns_and_ip_sans() {
        let ca = ca();
        let cert = leaf(&ca, &["peer0.org1", "10.0.0.7", "::1", "peer0.org1.svc"]);
        let s = Seen {
            leaf: Some(cert.der.clone()),
            ..Seen::default()
        };
        let offered: Vec<String> = ["peer0.org1", "10.0.0.7", "::1", "peer0.org1.svc"]
            .map(String::from)
            .to_vec();
        let e = rustls::Error::InvalidCertificate(CertificateError::NotValidForName);
        assert_eq!(
            classify_tls(&e, &s),
            HandshakeFailure::NameMismatch {
                offered: offered.clone()
            }
        );
        // Without a captured leaf, rustls' own list stands in.
        let e = rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("peer0.org1.example.com").unwrap(),
            presented: vec!["DnsName(\"x\")".into()],
        });
        assert_eq!(
            classify_tls(&e, &Seen::default()),
            HandshakeFailure::NameMismatch {
                offered: vec!["DnsName(\"x\")".into()]
            }
        );
        assert!(offered_names(b"not a certificate").is_empty());
    }

    #[test]
    fn alerts_are_judged_by_what_the_server_asked_and_got() {
        let alert = |a| rustls::Error::AlertReceived(a);
        use AlertDescription as A;
        // Asked for a certificate, got none.
        for a in [
            A::CertificateRequired,
            A::HandshakeFailure,
            A::BadCertificate,
        ] {
            assert_eq!(
                classify_tls(&alert(a), &seen(true, false)),
                HandshakeFailure::ClientCertRequired,
                "{a:?}"
            );
        }
        // Got one and refused it.
        assert_eq!(
            classify_tls(&alert(A::UnknownCA), &seen(true, true)),
            HandshakeFailure::ClientCertRejected("the server sent alert unknown_ca".into())
        );
        assert_eq!(
            classify_tls(&alert(A::BadCertificate), &seen(true, true)),
            HandshakeFailure::ClientCertRejected("the server sent alert bad_certificate".into())
        );
        // Never asked: a handshake_failure is about something else (no common cipher suite).
        assert_eq!(
            classify_tls(&alert(A::HandshakeFailure), &seen(false, false)),
            HandshakeFailure::Other("the server sent alert handshake_failure".into())
        );
        assert_eq!(
            classify_tls(&alert(A::CertificateRequired), &seen(false, false)),
            HandshakeFailure::ClientCertRequired
        );
        assert_eq!(
            classify_tls(&alert(A::ProtocolVersion), &seen(true, false)),
            HandshakeFailure::Other("the server sent alert protocol_version".into())
        );
    }

    #[test]
    fn corrupt_records_and_foreign_bytes_are_not_tls() {
        let bad = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        let h2c = Seen {
            first_bytes: vec![0, 0, 6, 4, 0, 0, 0, 0, 0],
            ..Seen::default()
        };
        assert!(matches!(
            classify_tls(&bad, &h2c),
            HandshakeFailure::NotTls(m) if m.contains("h2c")
        ));
        let tls_like = Seen {
            first_bytes: vec![0x16, 3, 3, 0, 4],
            ..Seen::default()
        };
        assert!(matches!(
            classify_tls(&bad, &tls_like),
            HandshakeFailure::NotTls(m) if m.contains("corrupt TLS record")
        ));
        // I/O errors: foreign bytes decide first, whatever the error.
        let eof = io::Error::new(io::ErrorKind::UnexpectedEof, "tls handshake eof");
        assert!(matches!(
            classify_io(&eof, &h2c, false),
            HandshakeFailure::NotTls(_)
        ));
    }

    #[test]
    fn io_errors_during_the_handshake() {
        let eof = io::Error::new(io::ErrorKind::UnexpectedEof, "tls handshake eof");
        assert_eq!(
            classify_io(&eof, &Seen::default(), false),
            HandshakeFailure::Other(
                "the server closed the connection during the TLS handshake (tls handshake eof)"
                    .into()
            )
        );
        assert_eq!(
            classify_io(&eof, &seen(true, false), false),
            HandshakeFailure::ClientCertRequired
        );
        assert!(matches!(
            classify_io(&eof, &seen(true, true), false),
            HandshakeFailure::ClientCertRejected(_)
        ));
        // tokio-rustls wraps rustls' error in the I/O error.
        let wrapped = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        assert_eq!(
            classify_io(&wrapped, &Seen::default(), false),
            HandshakeFailure::UnknownIssuer
        );
    }

    #[test]
    fn what_follows_a_tls13_handshake_can_undo_it() {
        let alert = |a| AfterHandshake {
            error: Some((
                io::ErrorKind::InvalidData,
                Some(rustls::Error::AlertReceived(a)),
                String::new(),
            )),
            read: 0,
        };
        assert_eq!(
            verdict_after_handshake(&AfterHandshake::default(), true, true, false),
            None
        );
        assert_eq!(
            verdict_after_handshake(
                &alert(AlertDescription::CertificateRequired),
                true,
                true,
                false
            ),
            Some(HandshakeFailure::ClientCertRequired)
        );
        assert_eq!(
            verdict_after_handshake(&alert(AlertDescription::UnknownCA), true, true, true),
            Some(HandshakeFailure::ClientCertRejected(
                "the server sent alert unknown_ca".into()
            ))
        );
        let eof = |read| AfterHandshake {
            error: Some((io::ErrorKind::UnexpectedEof, None, "end of stream".into())),
            read,
        };
        assert_eq!(
            verdict_after_handshake(&eof(0), true, true, false),
            Some(HandshakeFailure::ClientCertRequired)
        );
        // Once the server has spoken, a close is just a close.
        assert_eq!(verdict_after_handshake(&eof(9), true, true, false), None);
        // Without a certificate request there is nothing to undo.
        assert_eq!(verdict_after_handshake(&eof(0), true, false, false), None);
    }

    #[test]
    fn the_grpc_verdict_needs_a_status_from_the_server() {
        let with_status = GrpcSeen {
            http_status: Some(200),
            content_type: Some("application/grpc".into()),
            grpc_status: Some(3),
            grpc_message: None,
        };
        assert_eq!(
            grpc_verdict(&with_status, Err("tonic said so".into())),
            Ok("INVALID_ARGUMENT".into())
        );
        let ok = GrpcSeen {
            grpc_status: Some(0),
            ..with_status.clone()
        };
        assert_eq!(grpc_verdict(&ok, Ok(())), Ok("OK".into()));
        let web = GrpcSeen {
            http_status: Some(404),
            content_type: Some("text/html".into()),
            grpc_status: None,
            grpc_message: None,
        };
        assert_eq!(
            grpc_verdict(&web, Err("Unimplemented: inferred".into())),
            Err(
                "not a gRPC answer: HTTP 404 with content-type text/html and no grpc-status".into()
            )
        );
        let bare = GrpcSeen {
            http_status: Some(200),
            ..GrpcSeen::default()
        };
        assert_eq!(
            grpc_verdict(&bare, Ok(())),
            Err("not a gRPC answer: HTTP 200 without a content-type and no grpc-status".into())
        );
        let truncated = GrpcSeen {
            grpc_status: None,
            ..with_status
        };
        assert_eq!(
            grpc_verdict(&truncated, Err("missing trailer".into())),
            Err("missing trailer".into())
        );
        assert_eq!(
            grpc_verdict(&GrpcSeen::default(), Err("connection reset".into())),
            Err("connection reset".into())
        );
    }

    #[test]
    fn client_keys_load_from_pkcs8_and_sec1() {
        let provider = provider();
        let ca = ca();
        let client = leaf(&ca, &[]);
        let pkcs8_pem = client.key_pem();
        assert!(load_identity(&identity(&client, &pkcs8_pem), &provider).is_ok());
        // The same key as SEC1 (`EC PRIVATE KEY`, as OpenSSL and fabric-ca write it).
        let der = client.key.serialize_der();
        let info = pkcs8::PrivateKeyInfoRef::try_from(der.as_slice()).unwrap();
        let sec1_pem = pki::pem_block("EC PRIVATE KEY", info.private_key.as_bytes());
        assert!(load_identity(&identity(&client, &sec1_pem), &provider).is_ok());
    }

    #[test]
    fn unusable_client_keys_are_named_without_their_content() {
        let provider = provider();
        let ca = ca();
        let client = leaf(&ca, &[]);
        let secret = "U0VDUkVUU0VDUkVUU0VDUkVUU0VDUkVU";
        let err = |pem: &str| load_identity(&identity(&client, pem), &provider).unwrap_err();

        // PKCS#1 is recognised by its label; this body is not an RSA key.
        let pkcs1 =
            format!("-----BEGIN RSA PRIVATE KEY-----\n{secret}\n-----END RSA PRIVATE KEY-----\n");
        let e = err(&pkcs1);
        assert_eq!(
            e,
            "the client key for client.pem is not a supported private key (ECDSA, Ed25519 or RSA)"
        );
        let bad_b64 =
            format!("-----BEGIN PRIVATE KEY-----\n{secret}!!!\n-----END PRIVATE KEY-----\n");
        let e = err(&bad_b64);
        assert!(
            e.contains("not a usable PEM private key (bad base64)"),
            "{e}"
        );
        assert!(!e.contains(secret), "{e}");
        let e = err(&client.pem());
        assert!(
            e.contains("no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block"),
            "{e}"
        );
        // A real key, but not this certificate's.
        let other = leaf(&ca, &[]);
        assert_eq!(
            err(&other.key_pem()),
            "the client key does not match the client certificate client.pem"
        );
        let empty = ClientIdentity {
            chain: Vec::new(),
            ..identity(&client, &client.key_pem())
        };
        assert!(
            load_identity(&empty, &provider)
                .unwrap_err()
                .contains("holds no certificate")
        );
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let provider = provider();
        let ca = ca();
        let client = leaf(&ca, &[]);
        let key = load_identity(&identity(&client, &client.key_pem()), &provider).unwrap();
        let auth = ClientAuth {
            key: Some(key),
            requested: AtomicBool::new(true),
            sent: AtomicBool::new(true),
        };
        let text = format!("{auth:?}");
        assert_eq!(
            text,
            "ClientAuth { identity: Some(\"<redacted>\"), requested: true, sent: true }"
        );
        let ep = TlsEndpoint {
            address: "peer0:7051".into(),
            client_identity: Some(identity(&client, &client.key_pem())),
            ..TlsEndpoint::default()
        };
        let prepared = prepare(&ep, false, ep.client_identity.as_ref()).unwrap();
        let config = format!("{:?}", prepared.config);
        let body: String = client
            .key_pem()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        assert!(!config.contains(&body[..24]), "{config}");
    }

    #[test]
    fn bad_names_and_missing_roots_fail_before_dialling() {
        let ep = TlsEndpoint {
            address: "peer0:7051".into(),
            server_name: Some("not a name!".into()),
            ..TlsEndpoint::default()
        };
        assert_eq!(
            prepare(&ep, false, None).err(),
            Some("\"not a name!\" is not a valid DNS name or IP address to dial".into())
        );
        // No roots: the verifier still records the chain, then refuses with the reason.
        let ep = TlsEndpoint {
            address: "peer0:7051".into(),
            tls_roots: vec![b"junk".to_vec()],
            ..TlsEndpoint::default()
        };
        let p = prepare(&ep, false, None).unwrap();
        let ca = ca();
        let cert = leaf(&ca, &["peer0"]);
        let verifier = Recorder {
            inner: Err("none of the 1 configured TLS root certificate(s) could be parsed".into()),
            insecure: false,
            served: p.served.clone(),
            provider: provider(),
        };
        let err = verifier
            .verify_server_cert(
                &CertificateDer::from(cert.der.clone()),
                &[],
                &ServerName::try_from("peer0").unwrap(),
                &[],
                UnixTime::now(),
            )
            .unwrap_err();
        assert_eq!(
            classify_tls(&err, &Seen::default()),
            HandshakeFailure::Other(
                "none of the 1 configured TLS root certificate(s) could be parsed".into()
            )
        );
        assert_eq!(*lock(&p.served), vec![cert.der.clone()]);
    }

    #[tokio::test]
    async fn data_read_while_waiting_for_the_verdict_is_handed_on_first() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut server, client) = tokio::io::duplex(64);
        let mut watched = Watch {
            inner: client,
            log: Arc::new(Mutex::new(AfterHandshake::default())),
            prefix: Vec::new(),
        };
        let raw = AtomicU64::new(0);
        server.write_all(b"SETTINGS").await.unwrap();
        match await_verdict(&mut watched.inner, &raw, Duration::from_secs(1)).await {
            Verdict::Accepted(early) => watched.prefix = early,
            _ => panic!("data is a verdict"),
        }
        server.write_all(b" then more").await.unwrap();
        drop(server);
        let mut all = String::new();
        watched.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "SETTINGS then more");
        let log = lock(&watched.log).clone();
        assert_eq!(log.read, 18);
        assert!(matches!(
            log.error,
            Some((io::ErrorKind::UnexpectedEof, None, _))
        ));
    }

    #[tokio::test]
    async fn a_close_or_silence_is_a_verdict_too() {
        let raw = AtomicU64::new(0);
        let (server, mut client) = tokio::io::duplex(64);
        drop(server);
        assert!(matches!(
            await_verdict(&mut client, &raw, Duration::from_secs(1)).await,
            Verdict::Refused(e) if e.kind() == io::ErrorKind::UnexpectedEof
        ));
        let (_server, mut client) = tokio::io::duplex(64);
        let started = Instant::now();
        assert!(matches!(
            await_verdict(&mut client, &raw, Duration::from_millis(50)).await,
            Verdict::Silent
        ));
        assert!(started.elapsed() >= Duration::from_millis(50));
    }

    #[test]
    fn io_errors_read_as_lowercase_fragments() {
        let e = io::Error::from_raw_os_error(111);
        assert_eq!(io_reason(&e), "connection refused");
    }
}
