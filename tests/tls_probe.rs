//! The TLS + gRPC probe (`fabcheck::probe::tls::observe`) against in-process stand-ins for
//! Fabric peers and orderers (tests/support/tls_servers.rs): healthy nodes, every certificate
//! failure the checks tell apart, mutual TLS, services that are not TLS, ALPN and protocol
//! variants, and unreachable endpoints. Each test asserts the whole observation; only the
//! handshake latency, which varies, is checked for range and then cleared.

#[path = "support/tls_servers.rs"]
mod tls_servers;

use std::time::{Duration, Instant};

use fabcheck::inventory::live::{
    ClientIdentity, GrpcHealth, HandshakeFailure, NodeRole, TlsAttempt, TlsEndpoint, TlsObservation,
};
use fabcheck::probe::tls::{ORDERER_METHOD, PEER_METHOD, observe};
use fabcheck::probe::{ProbeError, Timeouts};
use tls_servers::pki::Cert;
use tls_servers::{Kind, ORDERER_NAME, PEER_NAME, Pki, Server};

const TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(3),
    read: Duration::from_secs(3),
};

/// What the probe negotiates with a rustls server: its own first choices (AES-128-GCM), since
/// rustls servers follow the client's order.
const TLS13_SUITE: &str = "TLS13_AES_128_GCM_SHA256";
const TLS12_SUITE: &str = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";

fn peer(server: &Server, pki: &Pki) -> TlsEndpoint {
    TlsEndpoint {
        name: "peer0.org1".into(),
        address: server.address(),
        server_name: Some(PEER_NAME.into()),
        role: NodeRole::Peer,
        tls_roots: vec![pki.org1.tlsca.der.clone()],
        tls_roots_origin: Some("org1-tlsca.pem".into()),
        client_identity: None,
        client_auth_required: None,
        declared_at: "test".into(),
        operations: None,
        admin: None,
        expected_certificate: None,
    }
}

fn identity(cert: &Cert) -> ClientIdentity {
    ClientIdentity {
        chain: vec![cert.der.clone()],
        key_pem: zeroize::Zeroizing::new(cert.key_pem().into_bytes()),
        cert_origin: "client.pem".into(),
    }
}

/// A completed TLS 1.3 handshake with `cert`, ALPN h2 and the given gRPC outcome.
fn healthy(cert: &Cert, method: &str, grpc: Result<&str, &str>) -> TlsAttempt {
    TlsAttempt {
        with_client_cert: false,
        handshake: Some(Ok(())),
        served_chain: vec![cert.der.clone()],
        protocol_version: Some("TLSv1_3".into()),
        cipher_suite: Some(TLS13_SUITE.into()),
        alpn: Some("h2".into()),
        handshake_ms: None,
        grpc: Some(grpc.map(str::to_owned).map_err(str::to_owned)),
        grpc_method: Some(method.into()),
        // The stand-ins register no health service unless asked, as Fabric's peer port; a
        // connection that carries no gRPC fails the health call beside it the same way.
        grpc_health: Some(match grpc {
            Ok(_) => Ok(GrpcHealth::Refused {
                code: "UNIMPLEMENTED".into(),
                message: "unknown service".into(),
            }),
            Err(e) => Err(e.to_owned()),
        }),
    }
}

/// A handshake that failed on the server's certificate (`cert`, captured anyway).
fn refused(cert: &Cert, failure: HandshakeFailure) -> TlsAttempt {
    TlsAttempt {
        handshake: Some(Err(failure)),
        served_chain: vec![cert.der.clone()],
        ..TlsAttempt::default()
    }
}

/// The observation with every certificate shown as its subject CN and serial, so a failed
/// comparison reads as a difference, not as two walls of DER bytes.
fn summary(obs: &TlsObservation) -> String {
    let name = |der: &Vec<u8>| match x509_parser::parse_x509_certificate(der) {
        Ok((_, c)) => format!(
            "{}#{}",
            c.subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .unwrap_or("?"),
            c.raw_serial_as_string()
        ),
        Err(_) => format!("<{} bytes, not a certificate>", der.len()),
    };
    let attempt = |a: &TlsAttempt| {
        let chain: Vec<String> = a.served_chain.iter().map(name).collect();
        let a = TlsAttempt {
            served_chain: Vec::new(),
            ..a.clone()
        };
        format!("{a:?} served_chain={chain:?}")
    };
    let roots: Vec<String> = obs.endpoint.tls_roots.iter().map(name).collect();
    format!(
        "endpoint {} at {} roots={roots:?}\nconnect_error={:?}\ninsecure={}\nprimary: {}\nwithout_client_cert: {}",
        obs.endpoint.name,
        obs.endpoint.address,
        obs.connect_error,
        obs.insecure,
        attempt(&obs.primary),
        obs.without_client_cert
            .as_ref()
            .map(attempt)
            .unwrap_or_else(|| "None".into()),
    )
}

/// Compares readably first, then exactly.
#[track_caller]
fn assert_observed(actual: &TlsObservation, expected: &TlsObservation) {
    assert_eq!(summary(actual), summary(expected));
    assert_eq!(actual, expected);
}

fn observation(endpoint: TlsEndpoint, primary: TlsAttempt) -> TlsObservation {
    TlsObservation {
        endpoint,
        connect_error: None,
        primary,
        without_client_cert: None,
        insecure: false,
        policy: None,
    }
}

/// Probes and clears the latencies after checking that completed handshakes have one.
async fn probe(endpoint: TlsEndpoint, timeouts: Timeouts, insecure: bool) -> TlsObservation {
    let mut obs = observe(endpoint, timeouts, insecure).await;
    for attempt in std::iter::once(&mut obs.primary).chain(obs.without_client_cert.as_mut()) {
        if attempt.protocol_version.is_some() {
            let ms = attempt
                .handshake_ms
                .take()
                .expect("a latency for a completed handshake");
            assert!(ms < 3_000, "handshake took {ms} ms");
        } else {
            assert_eq!(attempt.handshake_ms, None);
        }
    }
    obs
}

#[tokio::test]
async fn healthy_peer_answers_grpc_over_tls13_with_h2() {
    let pki = Pki::new();
    let server = Server::start(Kind::Peer, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = healthy(&pki.peer, PEER_METHOD, Ok("INVALID_ARGUMENT"));
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn healthy_orderer_answers_deliver_with_a_message_and_ok() {
    let pki = Pki::new();
    let server = Server::start(Kind::Orderer, &pki);
    let ep = TlsEndpoint {
        name: "orderer0".into(),
        server_name: Some(ORDERER_NAME.into()),
        role: NodeRole::Orderer,
        tls_roots: vec![pki.orderer_org.tlsca.der.clone()],
        ..peer(&server, &pki)
    };
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = healthy(&pki.orderer, ORDERER_METHOD, Ok("OK"));
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn certificate_from_another_orgs_tls_ca_is_an_unknown_issuer() {
    let pki = Pki::new();
    let server = Server::start(Kind::OtherOrgCa, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = refused(&pki.other_org_peer, HandshakeFailure::UnknownIssuer);
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn identity_ca_instead_of_tls_ca_is_an_unknown_issuer() {
    // A common mistake: the org's signing CA (msp/cacerts) given where the TLS CA belongs.
    let pki = Pki::new();
    let server = Server::start(Kind::Peer, &pki);
    let ep = TlsEndpoint {
        tls_roots: vec![pki.org1.ca.der.clone()],
        ..peer(&server, &pki)
    };
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = refused(&pki.peer, HandshakeFailure::UnknownIssuer);
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn expired_server_certificate() {
    let pki = Pki::new();
    let server = Server::start(Kind::Expired, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = refused(&pki.expired_peer, HandshakeFailure::Expired);
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn san_missing_the_dialled_name_lists_the_names_offered() {
    let pki = Pki::new();
    let server = Server::start(Kind::SanMissing, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let offered = vec!["peer0.org1".into(), "peer0.org1.svc.cluster.local".into()];
    let expected = refused(
        &pki.san_missing_peer,
        HandshakeFailure::NameMismatch { offered },
    );
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn server_name_override_to_a_covered_name_passes() {
    let pki = Pki::new();
    let server = Server::start(Kind::SanMissing, &pki);
    let ep = TlsEndpoint {
        server_name: Some("peer0.org1".into()),
        ..peer(&server, &pki)
    };
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = healthy(&pki.san_missing_peer, PEER_METHOD, Ok("INVALID_ARGUMENT"));
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn dialling_by_ip_without_an_override_needs_an_ip_san() {
    // No server_name: the name is the address's host, 127.0.0.1, which no SAN covers.
    let pki = Pki::new();
    let server = Server::start(Kind::Peer, &pki);
    let ep = TlsEndpoint {
        server_name: None,
        ..peer(&server, &pki)
    };
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let offered = tls_servers::PEER_SANS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let expected = refused(&pki.peer, HandshakeFailure::NameMismatch { offered });
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn mutual_tls_without_an_identity_is_client_cert_required() {
    let pki = Pki::new();
    let server = Server::start(Kind::MutualTls, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    // TLS 1.3: the client's side of the handshake completes (so version, suite and ALPN are
    // known) and the server's certificate_required alert follows; no gRPC answer is recorded.
    let expected = TlsAttempt {
        handshake: Some(Err(HandshakeFailure::ClientCertRequired)),
        grpc: None,
        grpc_method: None,
        grpc_health: None,
        ..healthy(&pki.peer, PEER_METHOD, Ok(""))
    };
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn mutual_tls_with_an_identity_passes_and_the_bare_attempt_is_refused() {
    let pki = Pki::new();
    let server = Server::start(Kind::MutualTls, &pki);
    let ep = TlsEndpoint {
        client_identity: Some(identity(&pki.client)),
        ..peer(&server, &pki)
    };
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let primary = TlsAttempt {
        with_client_cert: true,
        ..healthy(&pki.peer, PEER_METHOD, Ok("INVALID_ARGUMENT"))
    };
    let without = TlsAttempt {
        handshake: Some(Err(HandshakeFailure::ClientCertRequired)),
        grpc: None,
        grpc_method: None,
        grpc_health: None,
        ..healthy(&pki.peer, PEER_METHOD, Ok(""))
    };
    let expected = TlsObservation {
        without_client_cert: Some(without),
        ..observation(ep, primary)
    };
    assert_observed(&obs, &expected);
}

#[tokio::test]
async fn mutual_tls_with_another_orgs_client_certificate_is_rejected() {
    let pki = Pki::new();
    let server = Server::start(Kind::MutualTls, &pki);
    let ep = TlsEndpoint {
        client_identity: Some(identity(&pki.org2_client)),
        ..peer(&server, &pki)
    };
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let bare = healthy(&pki.peer, PEER_METHOD, Ok(""));
    let primary = TlsAttempt {
        with_client_cert: true,
        handshake: Some(Err(HandshakeFailure::ClientCertRejected(
            "the server sent alert unknown_ca".into(),
        ))),
        grpc: None,
        grpc_method: None,
        grpc_health: None,
        ..bare.clone()
    };
    let without = TlsAttempt {
        handshake: Some(Err(HandshakeFailure::ClientCertRequired)),
        grpc: None,
        grpc_method: None,
        grpc_health: None,
        ..bare
    };
    let expected = TlsObservation {
        without_client_cert: Some(without),
        ..observation(ep, primary)
    };
    assert_observed(&obs, &expected);
}

#[tokio::test]
async fn a_client_identity_that_cannot_be_used_fails_before_the_handshake() {
    // The key is not a key; the error names the file, never the key's text.
    let pki = Pki::new();
    let server = Server::start(Kind::MutualTls, &pki);
    let secret =
        "-----BEGIN PRIVATE KEY-----\nU0VDUkVUU0VDUkVUU0VDUkVU\n-----END PRIVATE KEY-----\n";
    let ep = TlsEndpoint {
        client_identity: Some(ClientIdentity {
            key_pem: zeroize::Zeroizing::new(secret.as_bytes().to_vec()),
            ..identity(&pki.client)
        }),
        ..peer(&server, &pki)
    };
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let primary = TlsAttempt {
        with_client_cert: true,
        handshake: Some(Err(HandshakeFailure::Other(
            "the client key for client.pem is not a supported private key (ECDSA, Ed25519 or RSA)"
                .into(),
        ))),
        ..TlsAttempt::default()
    };
    assert_eq!(obs.primary, primary);
    let without = obs
        .without_client_cert
        .as_ref()
        .expect("the attempt without");
    assert_eq!(
        without.handshake,
        Some(Err(HandshakeFailure::ClientCertRequired))
    );
    let debug = format!("{obs:?}");
    assert!(
        !debug.contains("U0VDUkVU"),
        "key material in Debug: {debug}"
    );
}

#[tokio::test]
async fn plaintext_http2_is_not_tls() {
    let pki = Pki::new();
    let server = Server::start(Kind::PlaintextH2, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = TlsAttempt {
        handshake: Some(Err(HandshakeFailure::NotTls(
            "the server speaks plaintext HTTP/2 (h2c): it sent an HTTP/2 SETTINGS frame \
             instead of a TLS ServerHello"
                .into(),
        ))),
        ..TlsAttempt::default()
    };
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn garbage_is_not_tls() {
    let pki = Pki::new();
    let server = Server::start(Kind::Garbage, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = TlsAttempt {
        handshake: Some(Err(HandshakeFailure::NotTls(
            "the server sent bytes that are not a TLS record: 00 ff 67 61 72 62 61 67".into(),
        ))),
        ..TlsAttempt::default()
    };
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn a_silent_server_is_bounded_by_the_read_timeout() {
    let pki = Pki::new();
    let server = Server::start(Kind::Silent, &pki);
    let ep = peer(&server, &pki);
    let timeouts = Timeouts {
        connect: Duration::from_secs(3),
        read: Duration::from_millis(500),
    };
    let started = Instant::now();
    let obs = probe(ep.clone(), timeouts, false).await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_millis(1_500),
        "took {took:?}"
    );
    let expected = TlsAttempt {
        handshake: Some(Err(HandshakeFailure::Other(
            "no TLS handshake within 500 ms (the server accepted the connection but sent nothing)"
                .into(),
        ))),
        ..TlsAttempt::default()
    };
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn tls_without_alpn_completes_but_grpc_is_not_attempted() {
    let pki = Pki::new();
    let server = Server::start(Kind::NoAlpn, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = TlsAttempt {
        alpn: None,
        grpc: Some(Err(
            "not attempted: the server agreed to no ALPN protocol, and gRPC needs h2".into(),
        )),
        grpc_method: None,
        grpc_health: None,
        ..healthy(&pki.peer, PEER_METHOD, Ok(""))
    };
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn tls_offering_only_http11_refuses_an_h2_client() {
    let pki = Pki::new();
    let server = Server::start(Kind::Http11Only, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = TlsAttempt {
        handshake: Some(Err(HandshakeFailure::Other(
            "the server sent alert no_application_protocol".into(),
        ))),
        ..TlsAttempt::default()
    };
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn tls12_only_server_negotiates_tls12_and_answers_grpc() {
    let pki = Pki::new();
    let server = Server::start(Kind::Tls12Only, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = TlsAttempt {
        protocol_version: Some("TLSv1_2".into()),
        cipher_suite: Some(TLS12_SUITE.into()),
        ..healthy(&pki.peer, PEER_METHOD, Ok("INVALID_ARGUMENT"))
    };
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn a_web_server_over_h2_is_not_a_grpc_answer() {
    // An ingress or web server in front of the node: HTTP/2 answers, but with HTTP 404 and no
    // grpc-status (which tonic alone would report as UNIMPLEMENTED).
    let pki = Pki::new();
    let server = Server::start(Kind::NotGrpc, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = healthy(
        &pki.peer,
        PEER_METHOD,
        Err("not a gRPC answer: HTTP 404 with content-type text/html and no grpc-status"),
    );
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn garbage_after_the_handshake_is_a_grpc_transport_error() {
    let pki = Pki::new();
    let server = Server::start(Kind::H2Garbage, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = healthy(
        &pki.peer,
        PEER_METHOD,
        Err("h2 protocol error: http2 error: connection error detected: frame with invalid size"),
    );
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn tls12_mutual_tls_without_an_identity_fails_the_handshake_itself() {
    // In TLS 1.2 the server judges the client's certificate before its own Finished, so the
    // refusal ends the handshake: the chain is captured, nothing was negotiated.
    let pki = Pki::new();
    let server = Server::start(Kind::MutualTls12, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = refused(&pki.peer, HandshakeFailure::ClientCertRequired);
    assert_observed(&obs, &observation(ep, expected));
}

#[tokio::test]
async fn tls12_mutual_tls_with_an_identity_passes() {
    let pki = Pki::new();
    let server = Server::start(Kind::MutualTls12, &pki);
    let ep = TlsEndpoint {
        client_identity: Some(identity(&pki.client)),
        ..peer(&server, &pki)
    };
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let primary = TlsAttempt {
        with_client_cert: true,
        protocol_version: Some("TLSv1_2".into()),
        cipher_suite: Some(TLS12_SUITE.into()),
        ..healthy(&pki.peer, PEER_METHOD, Ok("INVALID_ARGUMENT"))
    };
    let expected = TlsObservation {
        without_client_cert: Some(refused(&pki.peer, HandshakeFailure::ClientCertRequired)),
        ..observation(ep, primary)
    };
    assert_observed(&obs, &expected);
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error() {
    let pki = Pki::new();
    let address = {
        let server = Server::start(Kind::Peer, &pki);
        server.address()
        // Dropped here: the port is closed again.
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let ep = TlsEndpoint {
        address: address.clone(),
        ..TlsEndpoint::default()
    };
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = TlsObservation {
        connect_error: Some(ProbeError::Connect {
            endpoint: address,
            reason: "connection refused".into(),
        }),
        ..observation(ep, TlsAttempt::default())
    };
    assert_observed(&obs, &expected);
}

#[tokio::test]
async fn an_address_without_a_port_is_a_resolve_error() {
    let ep = TlsEndpoint {
        address: "peer0.org1".into(),
        ..TlsEndpoint::default()
    };
    let obs = probe(ep.clone(), TIMEOUTS, false).await;
    let expected = TlsObservation {
        connect_error: Some(ProbeError::Resolve {
            endpoint: "peer0.org1".into(),
            reason: "invalid socket address".into(),
        }),
        ..observation(ep, TlsAttempt::default())
    };
    assert_observed(&obs, &expected);
}

#[tokio::test]
async fn insecure_accepts_an_unknown_ca_and_says_so() {
    let pki = Pki::new();
    let server = Server::start(Kind::OtherOrgCa, &pki);
    let ep = peer(&server, &pki);
    let obs = probe(ep.clone(), TIMEOUTS, true).await;
    let expected = TlsObservation {
        insecure: true,
        ..observation(
            ep,
            healthy(&pki.other_org_peer, PEER_METHOD, Ok("INVALID_ARGUMENT")),
        )
    };
    assert_observed(&obs, &expected);
}
