//! TLS policy against real servers (TLS-009 … TLS-012): Debian's `openssl s_server`, with TLS
//! 1.0/1.1 and weak suites enabled at security level 0, and fabcheck's rustls stand-in nodes.
//! The real binary dials them with `--endpoint` and each server gets its exact verdicts; the
//! ClientHello scan itself is checked against what each server was told to accept.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/findings.rs"]
mod findings;
#[path = "support/tls_servers.rs"]
mod tls_servers;

use findings::describe;
#[path = "support/openssl.rs"]
mod openssl;
use openssl::openssl;

/// A test PKI made with openssl: a root TLS CA, an intermediate, ECDSA leaves for 127.0.0.1
/// under the intermediate (one renewed a second later), and an RSA leaf under the root.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("ext.cnf"),
            "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n\
             [leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        )
        .unwrap();
        let ec = |name: &str| {
            openssl(
                d,
                &[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    &format!("{name}.key"),
                ],
            )
        };
        ec("ca");
        openssl(
            d,
            &[
                "req",
                "-new",
                "-x509",
                "-key",
                "ca.key",
                "-subj",
                "/O=org1/CN=tlsca.org1",
                "-days",
                "30",
                "-config",
                "ext.cnf",
                "-extensions",
                "ca",
                "-out",
                "ca.pem",
            ],
        );
        let issue = |name: &str, subject: &str, issuer: &str, ext: &str| {
            openssl(
                d,
                &[
                    "req",
                    "-new",
                    "-key",
                    &format!("{name}.key"),
                    "-subj",
                    subject,
                    "-out",
                    &format!("{name}.csr"),
                ],
            );
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &format!("{name}.csr"),
                    "-CA",
                    &format!("{issuer}.pem"),
                    "-CAkey",
                    &format!("{issuer}.key"),
                    "-CAcreateserial",
                    "-days",
                    "30",
                    "-extfile",
                    "ext.cnf",
                    "-extensions",
                    ext,
                    "-out",
                    &format!("{name}.pem"),
                ],
            );
        };
        ec("inter");
        issue("inter", "/O=org1/CN=tlsica.org1", "ca", "ca");
        ec("old");
        issue("old", "/O=org1/CN=peer0.org1", "inter", "leaf");
        // The renewal is a second younger, so the stale server is recognisably the older one.
        std::thread::sleep(Duration::from_millis(1100));
        ec("leaf");
        issue("leaf", "/O=org1/CN=peer0.org1", "inter", "leaf");
        openssl(
            d,
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                "rsa.key",
            ],
        );
        issue("rsa", "/O=org1/CN=peer1.org1", "ca", "leaf");
        let read = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
        std::fs::write(
            d.join("inter-and-root.pem"),
            read("inter.pem") + &read("ca.pem"),
        )
        .unwrap();
        Pki { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// An `openssl s_server` on 127.0.0.1, killed and reaped on drop.
struct OpensslServer {
    child: Child,
    port: u16,
}

impl OpensslServer {
    fn start(pki: &Pki, args: &[&str]) -> OpensslServer {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let accept = format!("127.0.0.1:{port}");
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-accept", &accept])
            .args(args)
            .current_dir(pki.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        let server = OpensslServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "s_server {args:?} did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// A server presenting `cert` (with the intermediate) over TLS 1.2 and 1.3 only.
fn chain_server(pki: &Pki, cert: &str, key: &str) -> OpensslServer {
    OpensslServer::start(
        pki,
        &[
            "-cert",
            cert,
            "-key",
            key,
            "-cert_chain",
            "inter.pem",
            "-min_protocol",
            "TLSv1.2",
        ],
    )
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `fabcheck check --endpoint …` for each (name, spec) and the JSON report.
fn check(endpoints: &[String]) -> Value {
    let mut args = vec![
        "check".to_string(),
        "--select".into(),
        "TLS".into(),
        "--read-timeout".into(),
        "2s".into(),
        "--timeout".into(),
        "60s".into(),
        "-o".into(),
        "json".into(),
    ];
    for e in endpoints {
        args.push("--endpoint".into());
        args.push(e.clone());
    }
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(&args)
        .output()
        .expect("fabcheck runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn expect(report: &Value, id: &str, name: &str, status: &str, phrase: &str) {
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == id && f["target"]["locator"] == name)
        .unwrap_or_else(|| panic!("no {id} finding for {name}"));
    assert_eq!(f["status"], status, "{id} {name}: {}", describe(f));
    assert!(
        f["message"].as_str().unwrap().contains(phrase),
        "{id} {name}: {}",
        describe(f)
    );
}

fn spec(name: &str, address: &str, pki: &Pki, served: &str) -> String {
    format!(
        "{name}={address},ca={},servercert={}",
        pki.path("ca.pem"),
        pki.path(served)
    )
}

#[test]
fn openssl_servers_get_their_protocol_cipher_and_chain_verdicts() {
    let pki = Pki::new();
    let chain = [
        "-cert",
        "leaf.pem",
        "-key",
        "leaf.key",
        "-cert_chain",
        "inter.pem",
    ];
    let legacy = OpensslServer::start(
        &pki,
        &[
            &chain[..],
            &["-min_protocol", "TLSv1", "-cipher", "ALL:@SECLEVEL=0"],
        ]
        .concat(),
    );
    let rsa_weak = OpensslServer::start(
        &pki,
        &[
            "-cert",
            "rsa.pem",
            "-key",
            "rsa.key",
            "-min_protocol",
            "TLSv1.2",
            "-cipher",
            "AES128-SHA:AES256-SHA256:@SECLEVEL=0",
        ],
    );
    let good = OpensslServer::start(
        &pki,
        &[
            &chain[..],
            &[
                "-min_protocol",
                "TLSv1.2",
                "-cipher",
                "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
            ],
        ]
        .concat(),
    );
    let no_intermediate = OpensslServer::start(
        &pki,
        &[
            "-cert",
            "leaf.pem",
            "-key",
            "leaf.key",
            "-min_protocol",
            "TLSv1.2",
        ],
    );
    let with_root = OpensslServer::start(
        &pki,
        &[
            "-cert",
            "leaf.pem",
            "-key",
            "leaf.key",
            "-cert_chain",
            "inter-and-root.pem",
        ],
    );
    let stale = chain_server(&pki, "old.pem", "old.key");
    let report = check(&[
        spec("legacy", &legacy.address(), &pki, "leaf.pem"),
        spec("rsa-weak", &rsa_weak.address(), &pki, "rsa.pem"),
        spec("good", &good.address(), &pki, "leaf.pem"),
        spec(
            "no-intermediate",
            &no_intermediate.address(),
            &pki,
            "leaf.pem",
        ),
        spec("with-root", &with_root.address(), &pki, "leaf.pem"),
        spec("stale", &stale.address(), &pki, "leaf.pem"),
    ]);
    // TLS-009: protocol versions.
    expect(
        &report,
        "TLS-009",
        "legacy",
        "fail",
        "accepts TLS 1.0 and TLS 1.1",
    );
    expect(
        &report,
        "TLS-009",
        "good",
        "pass",
        "TLS 1.0 and 1.1 refused; TLS 1.3 supported",
    );
    expect(
        &report,
        "TLS-009",
        "rsa-weak",
        "pass",
        "TLS 1.0 and 1.1 refused",
    );
    // TLS-010: cipher suites.
    expect(
        &report,
        "TLS-010",
        "legacy",
        "fail",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA (TLS 1.0): CBC with SHA-1",
    );
    expect(
        &report,
        "TLS-010",
        "rsa-weak",
        "fail",
        "TLS_RSA_WITH_AES_256_CBC_SHA256 (TLS 1.2): no forward secrecy",
    );
    expect(
        &report,
        "TLS-010",
        "rsa-weak",
        "fail",
        "TLS_RSA_WITH_AES_128_CBC_SHA (TLS 1.2): CBC with SHA-1, no forward secrecy",
    );
    expect(
        &report,
        "TLS-010",
        "good",
        "pass",
        "accepts only forward-secret AEAD suites: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    );
    // TLS-011: the served chain.
    expect(
        &report,
        "TLS-011",
        "good",
        "pass",
        "2 certificate(s) sent in order",
    );
    expect(
        &report,
        "TLS-011",
        "no-intermediate",
        "fail",
        "its issuer O=org1, CN=tlsica.org1 is neither sent nor one of the endpoint's TLS roots",
    );
    expect(
        &report,
        "TLS-011",
        "with-root",
        "warn",
        "sends the root CA tlsca.org1 needlessly",
    );
    // TLS-012: the served certificate against the deployment's.
    expect(
        &report,
        "TLS-012",
        "good",
        "pass",
        "serves the certificate the deployment gives it",
    );
    expect(
        &report,
        "TLS-012",
        "stale",
        "fail",
        "the node was not restarted after the renewal",
    );
}

/// Writes `contents` under `fixtures/tls/` when recording (`FABCHECK_RECORD_TLS_FIXTURES=1`).
fn record(path: &str, contents: &[u8]) {
    if std::env::var_os("FABCHECK_RECORD_TLS_FIXTURES").is_none() {
        return;
    }
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls")
        .join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(&full, contents).unwrap();
}

/// Asserts that TLS-009 and TLS-010 give `status` on a scan, and records it as their `variant`
/// fixture.
fn judge_and_record(
    scan: &fabcheck::inventory::live::TlsPolicyScan,
    status: fabcheck::finding::Status,
    variant: &str,
) {
    use fabcheck::checks::tls::{legacy_protocol_accepted, weak_cipher_accepted};
    assert_eq!(
        legacy_protocol_accepted::verdict(scan, Some(true)).0,
        status
    );
    assert_eq!(weak_cipher_accepted::verdict(scan).0, status);
    let json = serde_json::to_vec_pretty(scan).unwrap();
    record(&format!("TLS-009/{variant}/scan.json"), &json);
    record(&format!("TLS-010/{variant}/scan.json"), &json);
}

/// The ClientHello scan against servers told what to accept. It also records the fixtures of
/// TLS-009 … TLS-012 from these real servers and this PKI:
/// `FABCHECK_RECORD_TLS_FIXTURES=1 cargo test --test tls_policy scan_`.
#[test]
fn scan_matches_what_each_server_was_told_to_accept() {
    use fabcheck::finding::Status;
    let pki = Pki::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let scan_at = |address: String, sni: Option<&str>| {
        let ep = fabcheck::inventory::live::TlsEndpoint {
            name: "x".into(),
            address,
            server_name: sni.map(str::to_owned),
            ..Default::default()
        };
        rt.block_on(fabcheck::probe::tls_hello::scan(
            &ep,
            fabcheck::probe::Timeouts::default(),
        ))
        .expect("scan")
    };
    let only_tls11 = OpensslServer::start(
        &pki,
        &[
            "-cert",
            "leaf.pem",
            "-key",
            "leaf.key",
            "-tls1_1",
            "-cipher",
            "ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0",
        ],
    );
    let s = scan_at(only_tls11.address(), None);
    assert_eq!(s.versions, vec![0x0302], "{s:?}");
    let suites: Vec<u16> = s.accepted.iter().map(|a| a.suite).collect();
    assert_eq!(suites, vec![0xc00a], "{s:?}");

    let legacy = OpensslServer::start(
        &pki,
        &[
            "-cert",
            "leaf.pem",
            "-key",
            "leaf.key",
            "-min_protocol",
            "TLSv1",
            "-cipher",
            "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0",
        ],
    );
    let s = scan_at(legacy.address(), None);
    assert_eq!(s.versions, vec![0x0301, 0x0302, 0x0303], "{s:?}");
    judge_and_record(&s, Status::Fail, "fail");

    // A rustls node (fabcheck's stand-in peer): TLS 1.2 with ECDHE-ECDSA AEAD suites only.
    let tls = tls_servers::Pki::new();
    let node = tls_servers::Server::start(tls_servers::Kind::Peer, &tls);
    let s = scan_at(node.address(), Some("peer0.org1"));
    assert_eq!(s.versions, vec![0x0303], "{s:?}");
    assert!(!s.accepted.is_empty());
    for a in &s.accepted {
        let suite = fabcheck::probe::tls_hello::suite(a.suite).expect("known suite");
        assert!(suite.weaknesses.is_empty(), "{}", suite.name);
    }
    judge_and_record(&s, Status::Pass, "pass");

    // The chains and certificates of TLS-011 and TLS-012.
    let read = |f: &str| std::fs::read(pki.dir.path().join(f)).unwrap();
    let cat = |fs: &[&str]| fs.iter().flat_map(|f| read(f)).collect::<Vec<u8>>();
    record("TLS-011/roots.pem", &read("ca.pem"));
    record("TLS-011/pass/chain.pem", &cat(&["leaf.pem", "inter.pem"]));
    record("TLS-011/fail/leaf-only.pem", &read("leaf.pem"));
    record(
        "TLS-011/fail/with-root.pem",
        &cat(&["leaf.pem", "inter.pem", "ca.pem"]),
    );
    record(
        "TLS-011/fail/reversed.pem",
        &cat(&["inter.pem", "leaf.pem"]),
    );
    record("TLS-012/deployed.pem", &read("leaf.pem"));
    record("TLS-012/pass/served.pem", &read("leaf.pem"));
    record("TLS-012/fail/served.pem", &read("old.pem"));
}

/// TLS-012 from a docker-compose file: the certificate `CORE_PEER_TLS_CERT_FILE` names through
/// the service's bind mount is what the node should serve.
#[test]
fn compose_nodes_are_compared_with_the_certificate_their_mounts_hold() {
    let pki = Pki::new();
    let stale = chain_server(&pki, "old.pem", "old.key");
    let current = chain_server(&pki, "leaf.pem", "leaf.key");
    let tmp = tempfile::tempdir().unwrap();
    let service = |name: &str, port: u16| {
        format!(
            "  {name}:\n    image: hyperledger/fabric-peer:2.5\n    environment:\n      - CORE_PEER_TLS_ENABLED=true\n      - CORE_PEER_LISTENADDRESS=0.0.0.0:7051\n      - CORE_PEER_TLS_ROOTCERT_FILE=/etc/hyperledger/fabric/tls/ca.pem\n      - CORE_PEER_TLS_CERT_FILE=/etc/hyperledger/fabric/tls/leaf.pem\n    volumes:\n      - {}:/etc/hyperledger/fabric/tls\n    ports:\n      - \"{port}:7051\"\n",
            pki.dir.path().display()
        )
    };
    let compose = format!(
        "services:\n{}{}",
        service("peer0.stale", stale.port),
        service("peer1.current", current.port)
    );
    std::fs::write(tmp.path().join("docker-compose.yaml"), compose).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args([
            "check",
            "--artifacts",
            tmp.path().to_str().unwrap(),
            "--dial",
            "--select",
            "TLS-012",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    expect(
        &report,
        "TLS-012",
        "peer0.stale",
        "fail",
        "(CORE_PEER_TLS_CERT_FILE=/etc/hyperledger/fabric/tls/leaf.pem)",
    );
    expect(
        &report,
        "TLS-012",
        "peer0.stale",
        "fail",
        "not restarted after the renewal",
    );
    expect(
        &report,
        "TLS-012",
        "peer1.current",
        "pass",
        "serves the certificate the deployment gives it",
    );
}

/// X509-019 on a live node: the certificate it serves is revoked by a CRL (made with
/// `openssl ca -gencrl`) in its org's MSP.
#[test]
fn a_served_certificate_revoked_by_the_msp_fails() {
    let pki = Pki::new();
    let d = pki.dir.path();
    std::fs::write(
        d.join("ca.cnf"),
        "[ca]\ndefault_ca = fab\n[fab]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n\
         default_md = sha256\ndefault_crl_days = 30\ncrl_extensions = crl_ext\npolicy = any\n\
         [any]\ncommonName = supplied\n[crl_ext]\nauthorityKeyIdentifier = keyid\n",
    )
    .unwrap();
    std::fs::write(d.join("index.txt"), "").unwrap();
    std::fs::write(d.join("serial"), "1000\n").unwrap();
    let ca = [
        "-config",
        "ca.cnf",
        "-keyfile",
        "inter.key",
        "-cert",
        "inter.pem",
    ];
    openssl(d, &[&["ca", "-revoke", "old.pem"], &ca[..]].concat());
    openssl(
        d,
        &[&["ca", "-gencrl", "-out", "crl.pem"], &ca[..]].concat(),
    );
    let msp = d.join("org1/msp");
    for (folder, file) in [
        ("cacerts", "ca.pem"),
        ("intermediatecerts", "inter.pem"),
        ("crls", "crl.pem"),
    ] {
        std::fs::create_dir_all(msp.join(folder)).unwrap();
        std::fs::copy(d.join(file), msp.join(folder).join(file)).unwrap();
    }
    let revoked = chain_server(&pki, "old.pem", "old.key");
    let out = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args([
            "check",
            "--artifacts",
            d.join("org1").to_str().unwrap(),
            "--endpoint",
            &format!("revoked={},ca={}", revoked.address(), pki.path("ca.pem")),
            "--select",
            "X509-018,X509-019",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let crl = findings
        .iter()
        .find(|f| f["check_id"] == "X509-018")
        .unwrap();
    assert_eq!(crl["status"], "pass", "{}", describe(crl));
    let served: Vec<&Value> = findings
        .iter()
        .filter(|f| f["check_id"] == "X509-019" && f["status"] == "fail")
        .collect();
    assert_eq!(served.len(), 1, "{findings:#?}");
    let message = served[0]["message"].as_str().unwrap();
    assert!(
        message.contains("still in use as a TLS server certificate"),
        "{message}"
    );
    assert!(message.contains("crls/crl.pem"), "{message}");
}
