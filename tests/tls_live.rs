//! The TLS checks end to end: the real binary dials in-process TLS/gRPC servers (PKI made the
//! way Fabric makes it) from an endpoints file, and each misconfiguration gets its exact finding.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/findings.rs"]
mod findings;
#[path = "support/tls_servers.rs"]
mod tls_servers;

use findings::describe;
use tls_servers::{EndpointEntry, Kind, Pki, Server};

/// The finding of `id` about the endpoint named `name` (the target's locator).
fn finding<'a>(report: &'a Value, id: &str, name: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["check_id"] == id
                && f["target"]["locator"]
                    .as_str()
                    .is_some_and(|l| l == name || l.contains(&format!("endpoint {name})")))
        })
        .unwrap_or_else(|| panic!("no {id} finding for {name}"))
}

fn expect(report: &Value, id: &str, name: &str, status: &str, phrase: &str) {
    let f = finding(report, id, name);
    assert_eq!(f["status"], status, "{}", describe(f));
    assert!(
        f["message"].as_str().unwrap_or("").contains(phrase),
        "{id} for {name} should mention {phrase:?}: {}",
        describe(f)
    );
}

#[test]
fn every_misconfiguration_gets_its_finding() {
    let pki = Pki::new();
    let start = |k| Server::start(k, &pki);
    let servers: Vec<(&str, Server)> = vec![
        ("healthy-peer", start(Kind::Peer)),
        ("healthy-orderer", start(Kind::Orderer)),
        ("other-org", start(Kind::OtherOrgCa)),
        ("expired", start(Kind::Expired)),
        ("san-missing", start(Kind::SanMissing)),
        ("mtls", start(Kind::MutualTls)),
        ("plaintext", start(Kind::PlaintextH2)),
        ("garbage", start(Kind::Garbage)),
        ("silent", start(Kind::Silent)),
        ("no-alpn", start(Kind::NoAlpn)),
        ("tls12", start(Kind::Tls12Only)),
    ];
    let by = |n: &str| &servers.iter().find(|(name, _)| *name == n).unwrap().1;
    let mut entries: Vec<EndpointEntry> = servers
        .iter()
        .filter(|(n, _)| *n != "healthy-orderer")
        .map(|(n, s)| EndpointEntry::peer(n, s, &pki))
        .collect();
    entries.push(EndpointEntry::orderer(
        "healthy-orderer",
        by("healthy-orderer"),
        &pki,
    ));
    let mut covered = EndpointEntry::peer("san-override", by("san-missing"), &pki);
    covered.server_name = Some("peer0.org1".into());
    entries.push(covered);
    let mut with_identity =
        EndpointEntry::peer("mtls-identity", by("mtls"), &pki).with_client(&pki);
    with_identity.client_auth_required = Some(true);
    entries.push(with_identity);
    let mut foreign = EndpointEntry::peer("mtls-foreign", by("mtls"), &pki);
    foreign.client_cert = Some(pki.files.org2_client_cert.clone());
    foreign.client_key = Some(pki.files.org2_client_key.clone());
    entries.push(foreign);
    let mut open =
        EndpointEntry::peer("open-but-required", by("healthy-peer"), &pki).with_client(&pki);
    open.client_auth_required = Some(true);
    entries.push(open);

    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("endpoints.yaml");
    tls_servers::write_endpoints_yaml(&file, &entries).unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args([
            "check",
            "--endpoints",
            file.to_str().unwrap(),
            "--select",
            "TLS,X509-002",
            "--read-timeout",
            "1s",
            "--timeout",
            "15s",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "a silent endpoint must not hold the run: {:?}",
        started.elapsed()
    );
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(1));

    for id in [
        "TLS-001", "TLS-002", "TLS-003", "TLS-004", "TLS-005", "TLS-006", "TLS-007",
    ] {
        assert_eq!(
            finding(&r, id, "healthy-peer")["status"],
            "pass",
            "{}",
            describe(finding(&r, id, "healthy-peer"))
        );
    }
    expect(
        &r,
        "TLS-007",
        "healthy-peer",
        "pass",
        "/protos.Endorser/ProcessProposal",
    );
    expect(
        &r,
        "TLS-007",
        "healthy-orderer",
        "pass",
        "/orderer.AtomicBroadcast/Deliver",
    );
    expect(
        &r,
        "TLS-003",
        "other-org",
        "fail",
        "signed by unknown authority",
    );
    expect(&r, "TLS-003", "expired", "fail", "expired");
    // The served certificate is judged by the certificate checks too, named by endpoint.
    expect(&r, "X509-002", "expired", "fail", "expired at");
    expect(
        &r,
        "TLS-004",
        "san-missing",
        "fail",
        "but not peer0.org1.example.com",
    );
    expect(&r, "TLS-004", "san-override", "pass", "covers peer0.org1");
    expect(&r, "TLS-005", "mtls", "fail", "mutual TLS is on");
    expect(
        &r,
        "TLS-005",
        "mtls-identity",
        "pass",
        "mutual TLS enforced",
    );
    assert_eq!(
        finding(&r, "TLS-005", "mtls-foreign")["status"],
        "fail",
        "{}",
        describe(finding(&r, "TLS-005", "mtls-foreign"))
    );
    expect(
        &r,
        "TLS-005",
        "open-but-required",
        "fail",
        "accepted a client without a certificate",
    );
    expect(&r, "TLS-002", "plaintext", "fail", "does not speak TLS");
    expect(&r, "TLS-002", "garbage", "fail", "does not speak TLS");
    assert_ne!(finding(&r, "TLS-003", "silent")["status"], "pass");
    expect(&r, "TLS-006", "no-alpn", "fail", "not h2");
    expect(&r, "TLS-003", "tls12", "pass", "TLSv1_2");
}

#[test]
fn insecure_inspects_an_unknown_ca_and_says_so() {
    let pki = Pki::new();
    let server = Server::start(Kind::OtherOrgCa, &pki);
    let spec = format!(
        "peer=127.0.0.1:{},sni=peer0.org1.example.com,ca={}",
        server.addr.port(),
        pki.files.org1_tlsca.display()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args([
            "check",
            "--endpoint",
            &spec,
            "--insecure",
            "--select",
            "TLS-003",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = finding(&r, "TLS-003", "peer");
    assert_eq!(f["status"], "pass");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("(verification off: --insecure)"),
        "{}",
        describe(f)
    );
}

#[test]
fn compose_services_are_dialled_through_their_published_ports_and_mounts() {
    let pki = Pki::new();
    let server = Server::start(Kind::Peer, &pki);
    let tmp = tempfile::tempdir().unwrap();
    let ca_dir = pki.files.org1_tlsca.parent().unwrap().display().to_string();
    let ca_name = pki
        .files
        .org1_tlsca
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let compose = format!(
        "services:\n  peer0.org1.example.com:\n    image: hyperledger/fabric-peer:2.5\n    environment:\n      - CORE_PEER_TLS_ENABLED=true\n      - CORE_PEER_LISTENADDRESS=0.0.0.0:7051\n      - CORE_PEER_TLS_ROOTCERT_FILE=/etc/hyperledger/fabric/tls/{ca_name}\n      - CORE_PEER_TLS_CLIENTAUTHREQUIRED=false\n    volumes:\n      - {ca_dir}:/etc/hyperledger/fabric/tls\n    ports:\n      - \"{}:7051\"\n",
        server.addr.port()
    );
    std::fs::write(tmp.path().join("docker-compose.yaml"), compose).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args([
            "check",
            "--artifacts",
            tmp.path().to_str().unwrap(),
            "--dial",
            "--select",
            "TLS",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    for id in [
        "TLS-001", "TLS-003", "TLS-004", "TLS-005", "TLS-006", "TLS-007",
    ] {
        let f = finding(&r, id, "peer0.org1.example.com");
        assert_eq!(f["status"], "pass", "{}", describe(f));
    }
    let f = finding(&r, "TLS-003", "peer0.org1.example.com");
    assert!(
        f["evidence"]["tls_roots"]
            .as_str()
            .unwrap()
            .ends_with(&ca_name),
        "the root came through the bind mount: {}",
        describe(f)
    );
    assert_eq!(out.status.code(), Some(0));
}
