//! The health checks end to end: the real binary dials in-process node stand-ins that register
//! tonic-health's real gRPC health service (or, as Fabric peers and older orderers do, none)
//! and operations endpoints that answer `/healthz` and `/metrics` as Fabric's do, over plain
//! HTTP, HTTPS, and HTTPS with client certificates.

use std::process::Command;

use serde_json::Value;

#[path = "support/findings.rs"]
mod findings;
#[path = "support/tls_servers.rs"]
mod tls_servers;

use findings::describe;
use tls_servers::{EndpointEntry, Kind, OpsServer, OpsSpec, Pki, Server};
use tonic_health::ServingStatus;

/// The finding of `id` about node `name` (its endpoint or its operations endpoint), or about
/// `channel NAME` for the channel checks.
fn finding<'a>(report: &'a Value, id: &str, name: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["check_id"] == id
                && (f["target"]["locator"]
                    .as_str()
                    .is_some_and(|l| l == name || l == format!("{name} operations"))
                    || f["target"]["name"] == name)
        })
        .unwrap_or_else(|| panic!("no {id} finding for {name}: {report:#}"))
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

fn run(entries: &[EndpointEntry]) -> (Value, Option<i32>) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("endpoints.yaml");
    tls_servers::write_endpoints_yaml(&file, entries).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args([
            "check",
            "--endpoints",
            file.to_str().unwrap(),
            "--select",
            "HEALTH,TLS-007",
            "--read-timeout",
            "2s",
            "--timeout",
            "20s",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (report, out.status.code())
}

#[test]
fn grpc_health_healthz_and_heights_get_their_verdicts() {
    let pki = Pki::new();
    let serving_peer = Server::start_node(Kind::Peer, &pki, ServingStatus::Serving);
    let not_serving_peer = Server::start_node(Kind::Peer, &pki, ServingStatus::NotServing);
    // What Fabric's own peer port and a pre-3.1.2 orderer do: no health service.
    let fabric_peer = Server::start(Kind::Peer, &pki);
    let fabric_orderer = Server::start(Kind::Orderer, &pki);
    let orderer = Server::start_node(Kind::Orderer, &pki, ServingStatus::Serving);
    let mtls_peer = Server::start_node(Kind::MutualTls, &pki, ServingStatus::Serving);

    let ops_ok = OpsServer::start_tls(
        &pki,
        Some(&pki.org1.tlsca),
        false,
        OpsSpec::healthy(&[("mychannel", 5), ("other", 2)]),
    );
    let ops_failing = OpsServer::start_tls(
        &pki,
        None,
        false,
        OpsSpec::healthy(&[]).failing(
            "couchdb",
            "failed to connect to couch db [Head \"http://couchdb0:5984\": dial tcp: lookup couchdb0: no such host]",
        ),
    );
    let ops_lagging = OpsServer::start_plain(OpsSpec::healthy(&[("mychannel", 3), ("other", 2)]));
    let ops_no_metrics = OpsServer::start_plain(OpsSpec::default());
    let ops_mtls = OpsServer::start_tls(
        &pki,
        Some(&pki.org1.tlsca),
        true,
        OpsSpec::healthy(&[("mychannel", 5)]),
    );
    // The same secure /metrics asked without a client certificate.
    let ops_secure = OpsServer::start_tls(
        &pki,
        Some(&pki.org1.tlsca),
        false,
        OpsSpec::healthy(&[("mychannel", 5)]),
    );
    let dead_ops = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };

    let mut entries = vec![
        // /metrics over TLS is a secure handler: the peer's client identity reads it.
        EndpointEntry::peer("peer0.org1", &serving_peer, &pki)
            .with_client(&pki)
            .with_operations(&ops_ok),
        EndpointEntry::peer("peer1.org1", &not_serving_peer, &pki).with_operations(&ops_failing),
        EndpointEntry::peer("peer2.org1", &fabric_peer, &pki).with_operations(&ops_lagging),
        EndpointEntry::orderer("orderer0", &orderer, &pki).with_operations(&ops_no_metrics),
        EndpointEntry::orderer("orderer1", &fabric_orderer, &pki),
        EndpointEntry::peer("peer3.org1", &mtls_peer, &pki)
            .with_client(&pki)
            .with_operations(&ops_mtls),
        EndpointEntry::peer("peer4.org1", &fabric_peer, &pki).with_operations(&ops_secure),
    ];
    let mut dead = EndpointEntry::peer("peer5.org1", &fabric_peer, &pki);
    dead.operations = Some(format!("http://{dead_ops}"));
    entries.push(dead);

    let (r, code) = run(&entries);
    assert_eq!(code, Some(1), "failures exit 1");

    // HEALTH-001: the real grpc.health.v1 service, on the verified (and mutual) TLS connection.
    expect(&r, "HEALTH-001", "peer0.org1", "pass", "SERVING");
    expect(&r, "HEALTH-001", "peer1.org1", "fail", "NOT_SERVING");
    expect(&r, "HEALTH-001", "peer2.org1", "skip", "chaincode listener");
    expect(&r, "HEALTH-001", "orderer0", "pass", "SERVING");
    expect(
        &r,
        "HEALTH-001",
        "orderer1",
        "skip",
        "not served (Fabric < 3.1.2?)",
    );
    expect(&r, "HEALTH-001", "peer3.org1", "pass", "SERVING");
    // The health call did not disturb the Fabric call beside it.
    expect(&r, "TLS-007", "peer0.org1", "pass", "INVALID_ARGUMENT");

    // HEALTH-002: /healthz over HTTPS and HTTP, failing components named.
    expect(&r, "HEALTH-002", "peer0.org1", "pass", "200");
    expect(
        &r,
        "HEALTH-002",
        "peer1.org1",
        "fail",
        "couchdb: failed to connect to couch db",
    );
    expect(&r, "HEALTH-002", "peer2.org1", "pass", "200");
    expect(&r, "HEALTH-002", "peer3.org1", "pass", "200");
    expect(
        &r,
        "HEALTH-002",
        "peer5.org1",
        "error",
        "connection refused",
    );
    let failing = finding(&r, "HEALTH-002", "peer1.org1");
    assert_eq!(
        failing["evidence"]["failed_components"],
        serde_json::json!(["couchdb"])
    );
    assert!(finding(&r, "HEALTH-001", "orderer1")["status"] == "skip");

    // HEALTH-003: heights from /metrics; a secure /metrics without a client certificate, and
    // a node without the prometheus provider, are named, not passed.
    expect(
        &r,
        "HEALTH-003",
        "channel mychannel",
        "warn",
        "peer2.org1 at 3",
    );
    expect(&r, "HEALTH-003", "channel other", "pass", "all at height 2");
    let heights = &finding(&r, "HEALTH-003", "channel mychannel")["evidence"]["heights"];
    assert_eq!(
        heights["peer3.org1"], 5,
        "read with the client certificate: {heights}"
    );
    expect(
        &r,
        "HEALTH-003",
        "peer4.org1",
        "error",
        "client certificate",
    );
    expect(
        &r,
        "HEALTH-003",
        "peer5.org1",
        "error",
        "connection refused",
    );
    // HEALTH-004 needs what a deploy committed: none here.
    assert_eq!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check_id"] == "HEALTH-004")
            .map(|f| f["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["skip"]
    );
}

#[test]
fn a_healthy_network_passes_every_health_check_that_can_run() {
    let pki = Pki::new();
    let peer0 = Server::start_node(Kind::Peer, &pki, ServingStatus::Serving);
    let peer1 = Server::start_node(Kind::Peer, &pki, ServingStatus::Serving);
    let ops0 = OpsServer::start_plain(OpsSpec::healthy(&[("mychannel", 7)]));
    let ops1 = OpsServer::start_tls(
        &pki,
        Some(&pki.org1.tlsca),
        false,
        OpsSpec::healthy(&[("mychannel", 7)]),
    );
    let (r, code) = run(&[
        EndpointEntry::peer("peer0.org1", &peer0, &pki).with_operations(&ops0),
        EndpointEntry::peer("peer1.org1", &peer1, &pki)
            .with_client(&pki)
            .with_operations(&ops1),
    ]);
    // HEALTH-004 needs a deploy's expected heights and HEALTH-005 a peer's Docker daemon
    // read through the API: from endpoints alone both can only skip.
    for f in r["findings"].as_array().unwrap() {
        if f["check_id"] == "HEALTH-004" || f["check_id"] == "HEALTH-005" {
            assert_eq!(f["status"], "skip", "{}", describe(f));
        } else {
            assert_eq!(f["status"], "pass", "{}", describe(f));
        }
    }
    assert_eq!(code, Some(0));
}

/// Copies a fixture tree to a scratch folder, replacing `@NAME@` markers in its files.
fn copy_fixture(rel: &str, to: &std::path::Path, markers: &[(&str, String)]) {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            continue;
        }
        let mut text = std::fs::read_to_string(entry.path()).unwrap();
        for (marker, value) in markers {
            text = text.replace(&format!("@{marker}@"), value);
        }
        std::fs::write(&target, text).unwrap();
    }
}

#[test]
fn a_compose_peer_s_operations_endpoint_is_found_and_its_failing_component_named() {
    let pki = Pki::new();
    // Fabric's peer port serves no grpc.health.v1; test-network's peer builds chaincode with
    // the host's Docker daemon, whose health checker fails when the socket is unusable.
    let grpc = Server::start(Kind::Peer, &pki);
    let ops = OpsServer::start_plain(OpsSpec::healthy(&[("mychannel", 3)]).failing(
        "docker",
        "failed to ping docker daemon: Cannot connect to the Docker daemon",
    ));
    let tmp = tempfile::tempdir().unwrap();
    copy_fixture(
        "fixtures/health/HEALTH-002/compose",
        tmp.path(),
        &[
            ("GRPC_PORT", grpc.addr.port().to_string()),
            ("OPS_PORT", ops.addr.port().to_string()),
        ],
    );
    let tls = tmp
        .path()
        .join("organizations/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls");
    std::fs::create_dir_all(&tls).unwrap();
    std::fs::write(tls.join("ca.crt"), pki.org1.tlsca.pem()).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(["check", "--artifacts"])
        .arg(tmp.path())
        .args([
            "--dial",
            "--select",
            "HEALTH",
            "--timeout",
            "20s",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    expect(
        &r,
        "HEALTH-002",
        "peer0.org1.example.com",
        "fail",
        "docker: failed to ping docker daemon",
    );
    let f = finding(&r, "HEALTH-002", "peer0.org1.example.com");
    assert_eq!(
        f["evidence"]["operations"],
        format!("http://127.0.0.1:{}", ops.addr.port())
    );
    expect(
        &r,
        "HEALTH-001",
        "peer0.org1.example.com",
        "skip",
        "chaincode listener",
    );
    assert_eq!(out.status.code(), Some(1));
}
