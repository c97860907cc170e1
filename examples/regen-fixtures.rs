//! Regenerates the committed certificate fixtures under `fixtures/` (used by `tests/fixtures.rs`).
//!
//! Run from the repository root: `cargo run --example regen-fixtures`. It deletes and rewrites
//! `fixtures/reference/` (a small cryptogen-shaped tree that passes every X509 check) and
//! `fixtures/x509/<ID>/{pass,fail}/` (one minimal tree per check where that check passes, and
//! one where it reports its problem), then rewrites `fixtures/README.md` describing them.
//!
//! Certificates come from the shared test PKI (`tests/support/pki.rs`: rcgen, ECDSA P-256,
//! Fabric-style subjects, low-S signatures unless a fixture asks for high-S) with fixed dates;
//! keys and signatures are random, so every run changes the bytes but never the verdicts.
//! Broken encodings rcgen cannot produce are made by patching DER bytes here.

#[path = "../tests/support/openssl.rs"]
mod openssl;
#[path = "../tests/support/pki.rs"]
mod pki;
use openssl::openssl;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use pki::{Cert, Spec, pem_block};
use rcgen::PublicKeyData;

/// Validity of every "good" certificate: long enough that the fixtures stay valid for decades.
const FROM: &str = "2020-01-01T00:00:00Z";
const UNTIL: &str = "2099-01-01T00:00:00Z";
/// The instant the tests evaluate at (`--at`); the X509-002/003 fixtures are built around it.
const AT: &str = "2026-06-01T00:00:00Z";

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    // fixtures/reference/ordering is hand-written and kept.
    for sub in ["x509", "reference/crypto-config"] {
        let dir = fixtures.join(sub);
        if dir.exists() {
            fs::remove_dir_all(&dir)
                .unwrap_or_else(|e| panic!("failed to remove {}: {e}", dir.display()));
        }
    }
    let mut cases = Cases {
        base: fixtures.join("x509"),
        list: Vec::new(),
    };
    reference(&fixtures.join("reference/crypto-config"));
    x509_001(&mut cases);
    x509_002(&mut cases);
    x509_003(&mut cases);
    x509_004(&mut cases);
    x509_005(&mut cases);
    x509_006(&mut cases);
    x509_007(&mut cases);
    x509_008(&mut cases);
    fabric_ca_layouts(&mut cases);
    x509_009(&mut cases);
    x509_010(&mut cases);
    x509_011(&mut cases);
    x509_012(&mut cases);
    x509_013(&mut cases);
    x509_014(&mut cases);
    x509_015(&mut cases);
    x509_016(&mut cases);
    x509_017(&mut cases);
    x509_018(&mut cases);
    x509_019(&mut cases);
    write(&fixtures.join("README.md"), readme(&cases.list));
    println!(
        "wrote {} and {} fixture trees under {}",
        fixtures.join("reference").display(),
        cases.list.len(),
        cases.base.display()
    );
}

// ----------------------------------------------------------------------------------------------
// Files

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("failed to create {}: {e}", dir.display()));
    }
    fs::write(path, contents).unwrap_or_else(|e| panic!("failed to write {}: {e}", path.display()));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// cryptogen's certificate file name: `<CN>-cert.pem`.
fn cert_file(c: &Cert) -> String {
    format!("{}-cert.pem", c.spec.cn)
}

/// cryptogen's key file name: `<SKI>_sk`, the SKI being SHA-256 of the public point.
fn key_file(c: &Cert) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, c.key.public_key_raw());
    format!("{}_sk", hex(digest.as_ref()))
}

// ----------------------------------------------------------------------------------------------
// PKI shapes

fn root(org: &str, cn: &str, from: &str, until: &str) -> Cert {
    Cert::self_signed(Spec::new(org, cn, from, until).ca())
}

fn leaf(issuer: &Cert, cn: &str, from: &str, until: &str) -> Cert {
    issuer.issue(Spec::new(&issuer.spec.org, cn, from, until))
}

/// The org admin certificate `ca` issues, valid exactly as long as `ca` (so that it passes
/// every check whatever the CA's dates).
fn admin(ca: &Cert) -> Cert {
    let org = &ca.spec.org;
    ca.issue(Spec {
        not_before: ca.spec.not_before,
        not_after: ca.spec.not_after,
        ..Spec::new(org, &format!("Admin@{org}"), FROM, UNTIL)
    })
}

/// A root CA and its org admin.
struct Org {
    ca: Cert,
    admin: Cert,
}

impl Org {
    fn new(ca: Cert) -> Org {
        let admin = admin(&ca);
        Org { ca, admin }
    }
}

/// The org every per-check fixture uses unless the check is about the CA itself.
fn good_org() -> Org {
    Org::new(root("org1.example.com", "ca.org1.example.com", FROM, UNTIL))
}

/// The node every per-check fixture uses unless the check is about its dates.
const PEER: &str = "peer0.org1.example.com";

/// An MSP folder's contents; folders with nothing in them are not created.
#[derive(Default)]
struct Msp<'a> {
    cacerts: Vec<&'a Cert>,
    intermediatecerts: Vec<&'a Cert>,
    admincerts: Vec<&'a Cert>,
    tlscacerts: Vec<&'a Cert>,
    signcert: Option<&'a Cert>,
    /// Whose private key goes into keystore/.
    keystore: Option<&'a Cert>,
}

impl<'a> Msp<'a> {
    /// A complete local MSP for `id`, as small as Fabric accepts: the CA in cacerts/ and
    /// tlscacerts/, the org admin in admincerts/, the identity in signcerts/ and its key in
    /// keystore/.
    fn identity(org: &'a Org, id: &'a Cert) -> Msp<'a> {
        Msp {
            cacerts: vec![&org.ca],
            admincerts: vec![&org.admin],
            tlscacerts: vec![&org.ca],
            signcert: Some(id),
            keystore: Some(id),
            ..Msp::default()
        }
    }

    fn write(&self, dir: &Path) {
        for (folder, certs) in [
            ("cacerts", &self.cacerts),
            ("intermediatecerts", &self.intermediatecerts),
            ("admincerts", &self.admincerts),
            ("tlscacerts", &self.tlscacerts),
        ] {
            for c in certs {
                write(&dir.join(folder).join(cert_file(c)), c.pem());
            }
        }
        if let Some(c) = self.signcert {
            write(&dir.join("signcerts").join(cert_file(c)), c.pem());
        }
        if let Some(c) = self.keystore {
            write(&dir.join("keystore").join(key_file(c)), c.key_pem());
        }
    }
}

/// A node's `tls/` folder: `ca.crt`, `server.crt`, and `server.key` holding `key_of`'s key.
fn write_tls(dir: &Path, tlsca: &Cert, server: &Cert, key_of: &Cert) {
    write(&dir.join("ca.crt"), tlsca.pem());
    write(&dir.join("server.crt"), server.pem());
    write(&dir.join("server.key"), key_of.key_pem());
}

// ----------------------------------------------------------------------------------------------
// The reference crypto-config tree

/// One cryptogen organization with one node.
struct OrgPlan {
    /// `peerOrganizations` or `ordererOrganizations`.
    kind: &'static str,
    /// `peers` or `orderers`.
    nodes: &'static str,
    domain: &'static str,
    /// The node's host label, e.g. `peer0`.
    node: &'static str,
}

fn reference(crypto_config: &Path) {
    for plan in [
        OrgPlan {
            kind: "peerOrganizations",
            nodes: "peers",
            domain: "org1.example.com",
            node: "peer0",
        },
        OrgPlan {
            kind: "ordererOrganizations",
            nodes: "orderers",
            domain: "example.com",
            node: "orderer0",
        },
    ] {
        reference_org(&crypto_config.join(plan.kind).join(plan.domain), &plan);
    }
}

fn reference_org(org_dir: &Path, plan: &OrgPlan) {
    let domain = plan.domain;
    let Org { ca, admin } = Org::new(root(domain, &format!("ca.{domain}"), FROM, UNTIL));
    let tlsca = root(domain, &format!("tlsca.{domain}"), FROM, UNTIL);
    let full = format!("{}.{domain}", plan.node);
    // Kubernetes names: the service is the node label, the namespace the org's first label.
    let namespace = domain.split('.').next().expect("domain has a label");
    let short = format!("{}.{namespace}", plan.node);
    let qualified = format!("{short}.svc.cluster.local");
    let node = leaf(&ca, &full, FROM, UNTIL);
    let node_tls =
        tlsca.issue(Spec::new(domain, &full, FROM, UNTIL).sans(&[&short, &qualified, &full]));

    for (folder, c) in [("ca", &ca), ("tlsca", &tlsca)] {
        write(&org_dir.join(folder).join(cert_file(c)), c.pem());
        write(&org_dir.join(folder).join(key_file(c)), c.key_pem());
    }
    Msp {
        cacerts: vec![&ca],
        admincerts: vec![&admin],
        tlscacerts: vec![&tlsca],
        ..Msp::default()
    }
    .write(&org_dir.join("msp"));

    let node_dir = org_dir.join(plan.nodes).join(&full);
    Msp {
        cacerts: vec![&ca],
        admincerts: vec![&admin],
        tlscacerts: vec![&tlsca],
        signcert: Some(&node),
        keystore: Some(&node),
        ..Msp::default()
    }
    .write(&node_dir.join("msp"));
    write_tls(&node_dir.join("tls"), &tlsca, &node_tls, &node_tls);

    Msp {
        cacerts: vec![&ca],
        admincerts: vec![&admin],
        tlscacerts: vec![&tlsca],
        signcert: Some(&admin),
        keystore: Some(&admin),
        ..Msp::default()
    }
    .write(
        &org_dir
            .join("users")
            .join(format!("Admin@{domain}"))
            .join("msp"),
    );
}

// ----------------------------------------------------------------------------------------------
// Per-check fixtures

/// Every fixture tree written, with what it holds (for the README).
struct Cases {
    base: PathBuf,
    list: Vec<(String, String)>,
}

impl Cases {
    /// The folder of `id`'s `variant` (`pass` or `fail`), recording its description.
    fn dir(&mut self, id: &str, variant: &str, what: &str) -> PathBuf {
        self.list
            .push((format!("x509/{id}/{variant}"), what.to_owned()));
        self.base.join(id).join(variant)
    }
}

/// A pass tree: one complete MSP whose node certificate `org` issued with these dates.
fn simple_pass(cases: &mut Cases, id: &str, org: &Org, from: &str, until: &str, what: &str) {
    let dir = cases.dir(id, "pass", what);
    let peer = leaf(&org.ca, PEER, from, until);
    Msp::identity(org, &peer).write(&dir.join("msp"));
}

fn x509_001(cases: &mut Cases) {
    let org = good_org();
    simple_pass(
        cases,
        "X509-001",
        &org,
        FROM,
        UNTIL,
        "msp/: the signcert's NotBefore equals its CA's (2020-01-01T00:00:00Z): no gap.",
    );
    let dir = cases.dir(
        "X509-001",
        "fail",
        "msp/: the signcert is valid from 2019-12-31T23:55:00Z, 5 minutes before its CA \
         (2020-01-01T00:00:00Z): fabric-ca's backdate on a freshly created CA.",
    );
    let peer = leaf(&org.ca, PEER, "2019-12-31T23:55:00Z", UNTIL);
    Msp::identity(&org, &peer).write(&dir.join("msp"));
}

fn x509_002(cases: &mut Cases) {
    let org = good_org();
    simple_pass(
        cases,
        "X509-002",
        &org,
        AT,
        UNTIL,
        "msp/: the signcert becomes valid exactly at the test instant 2026-06-01T00:00:00Z \
         (boundary) and stays valid until 2099.",
    );
    let dir = cases.dir(
        "X509-002",
        "fail",
        "expired/msp/: the signcert expired at 2025-01-01T00:00:00Z. not-yet-valid/msp/: the \
         signcert is valid only from 2098-01-01T00:00:00Z.",
    );
    let expired = leaf(&org.ca, PEER, FROM, "2025-01-01T00:00:00Z");
    Msp::identity(&org, &expired).write(&dir.join("expired/msp"));
    let future = leaf(
        &org.ca,
        "peer1.org1.example.com",
        "2098-01-01T00:00:00Z",
        UNTIL,
    );
    Msp::identity(&org, &future).write(&dir.join("not-yet-valid/msp"));
}

fn x509_003(cases: &mut Cases) {
    let org = good_org();
    simple_pass(
        cases,
        "X509-003",
        &org,
        FROM,
        "2026-07-02T00:00:00Z",
        "msp/: the signcert expires 2026-07-02T00:00:00Z, 31 days after the test instant: just \
         outside the default 30-day warning period. Evaluated without --at after that date it \
         is expired.",
    );
    let dir = cases.dir(
        "X509-003",
        "fail",
        "msp/: the signcert expires 2026-06-11T00:00:00Z, 10 days after the test instant: a \
         `warn` (X509-003 has warning severity, so only --fail-on warning gates on it).",
    );
    let peer = leaf(&org.ca, PEER, FROM, "2026-06-11T00:00:00Z");
    Msp::identity(&org, &peer).write(&dir.join("msp"));
}

fn x509_004(cases: &mut Cases) {
    let org = good_org();
    let dir = cases.dir(
        "X509-004",
        "pass",
        "msp/: root CA in cacerts/, an intermediate CA in intermediatecerts/, and the signcert \
         issued by the intermediate: every chain verifies to the root.",
    );
    let ica = org
        .ca
        .issue(Spec::new(&org.ca.spec.org, "ica.org1.example.com", FROM, UNTIL).ca());
    let peer = leaf(&ica, PEER, FROM, UNTIL);
    Msp {
        intermediatecerts: vec![&ica],
        ..Msp::identity(&org, &peer)
    }
    .write(&dir.join("msp"));

    let dir = cases.dir(
        "X509-004",
        "fail",
        "bad-signature/msp/: the signcert was issued by a CA that is not in the tree; cacerts/ \
         holds a different CA with the same subject, whose key does not verify the signature. \
         issuer-not-ca/msp/: the signcert was issued by user1.org2.example.com (in \
         intermediatecerts/), an end-entity certificate with basicConstraints CA:FALSE.",
    );
    let real = good_org();
    let impostor = good_org();
    let peer = leaf(&real.ca, PEER, FROM, UNTIL);
    Msp::identity(&impostor, &peer).write(&dir.join("bad-signature/msp"));

    let org2 = Org::new(root("org2.example.com", "ca.org2.example.com", FROM, UNTIL));
    let user = leaf(&org2.ca, "user1.org2.example.com", FROM, UNTIL);
    let peer = leaf(&user, "peer0.org2.example.com", FROM, UNTIL);
    Msp {
        intermediatecerts: vec![&user],
        ..Msp::identity(&org2, &peer)
    }
    .write(&dir.join("issuer-not-ca/msp"));
}

fn x509_005(cases: &mut Cases) {
    let org = good_org();
    simple_pass(
        cases,
        "X509-005",
        &org,
        FROM,
        UNTIL,
        "msp/: the signcert expires at the same instant as its CA (2099-01-01T00:00:00Z).",
    );
    let dir = cases.dir(
        "X509-005",
        "fail",
        "msp/: the CA expires 2090-01-01T00:00:00Z, the signcert it issued 2099-01-01T00:00:00Z. \
         X509-005 has warning severity: the run exits 0 unless --fail-on warning.",
    );
    let short = Org::new(root(
        "org1.example.com",
        "ca.org1.example.com",
        FROM,
        "2090-01-01T00:00:00Z",
    ));
    let peer = leaf(&short.ca, PEER, FROM, UNTIL);
    Msp::identity(&short, &peer).write(&dir.join("msp"));
}

fn x509_006(cases: &mut Cases) {
    let org = good_org();
    simple_pass(
        cases,
        "X509-006",
        &org,
        FROM,
        UNTIL,
        "msp/: every certificate has a positive validity window.",
    );
    let dir = cases.dir(
        "X509-006",
        "fail",
        "msp/: the signcert's NotAfter (2021-01-01T00:00:00Z) is one day before its NotBefore \
         (2021-01-02T00:00:00Z): never valid.",
    );
    let peer = leaf(
        &org.ca,
        PEER,
        "2021-01-02T00:00:00Z",
        "2021-01-01T00:00:00Z",
    );
    Msp::identity(&org, &peer).write(&dir.join("msp"));
}

fn x509_007(cases: &mut Cases) {
    let org = good_org();
    let peer = leaf(&org.ca, PEER, FROM, UNTIL);
    let tls = org
        .ca
        .issue(Spec::new(&org.ca.spec.org, PEER, FROM, UNTIL).sans(&[PEER]));
    let dir = cases.dir(
        "X509-007",
        "pass",
        "peer0.org1.example.com/{msp,tls}/: keystore/ holds the signcert's key and \
         tls/server.key the key of tls/server.crt.",
    );
    let node = dir.join(PEER);
    Msp::identity(&org, &peer).write(&node.join("msp"));
    write_tls(&node.join("tls"), &org.ca, &tls, &tls);

    let dir = cases.dir(
        "X509-007",
        "fail",
        "peer0.org1.example.com/{msp,tls}/: tls/server.key holds the key of the MSP signcert, \
         not of tls/server.crt.",
    );
    let node = dir.join(PEER);
    Msp::identity(&org, &peer).write(&node.join("msp"));
    write_tls(&node.join("tls"), &org.ca, &tls, &peer);
}

fn x509_008(cases: &mut Cases) {
    let org = good_org();
    simple_pass(
        cases,
        "X509-008",
        &org,
        FROM,
        UNTIL,
        "msp/: cacerts/, signcerts/ (one certificate), keystore/, admincerts/ and tlscacerts/ \
         all present, and signcerts/ and admincerts/ chain to cacerts/.",
    );
    let dir = cases.dir(
        "X509-008",
        "fail",
        "no-cacerts/msp/: a signing MSP without cacerts/ (its CA is only in tlscacerts/). \
         no-signcerts/msp/: an MSP with a keystore/ but no signcerts/. (An empty signcerts/ \
         cannot be committed: git does not keep empty folders.)",
    );
    let peer = leaf(&org.ca, PEER, FROM, UNTIL);
    Msp {
        cacerts: vec![],
        ..Msp::identity(&org, &peer)
    }
    .write(&dir.join("no-cacerts/msp"));
    Msp {
        signcert: None,
        ..Msp::identity(&org, &peer)
    }
    .write(&dir.join("no-signcerts/msp"));
}

// ----------------------------------------------------------------------------------------------
// fabric-ca layouts: what fabric-ca-server and fabric-ca-client write (fabric-ca
// `lib/server/idemix/config.go`, `lib/client.go`, `cmd/fabric-ca-client/command/getcainfo.go`),
// with the Idemix files in the shapes fabric-ca writes them and random contents.

fn random(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut out)
        .expect("random bytes");
    out
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A protobuf length-delimited field.
fn proto_field(field: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![field << 3 | 2];
    let mut len = bytes.len();
    while len >= 0x80 {
        out.push((len as u8 & 0x7f) | 0x80);
        len >>= 7;
    }
    out.push(len as u8);
    out.extend_from_slice(bytes);
    out
}

/// A protobuf `ECP { bytes x = 1; bytes y = 2; }` with random coordinates.
fn ecp() -> Vec<u8> {
    [proto_field(1, &random(32)), proto_field(2, &random(32))].concat()
}

/// fabric-ca's `IssuerPublicKey`: the protobuf message (attribute names, H_sk, H_rand, H_attrs,
/// W, BarG1, BarG2, proof, hash) in the field order fabric's idemix.proto gives it; the points
/// are random bytes, which nothing here checks.
fn issuer_public_key() -> Vec<u8> {
    let mut out = Vec::new();
    for name in ["OU", "Role", "EnrollmentID", "RevocationHandle"] {
        out.extend(proto_field(1, name.as_bytes()));
    }
    out.extend(proto_field(2, &ecp()));
    out.extend(proto_field(3, &ecp()));
    for _ in 0..4 {
        out.extend(proto_field(4, &ecp()));
    }
    let w = [
        proto_field(1, &random(32)),
        proto_field(2, &random(32)),
        proto_field(3, &random(32)),
        proto_field(4, &random(32)),
    ]
    .concat();
    out.extend(proto_field(5, &w));
    out.extend(proto_field(6, &ecp()));
    out.extend(proto_field(7, &ecp()));
    out.extend(proto_field(8, &random(32)));
    out.extend(proto_field(9, &random(32)));
    out.extend(proto_field(10, &random(32)));
    out
}

/// fabric-ca's revocation key pair: an ECDSA P-384 key as Go's `x509.MarshalECPrivateKey`
/// writes it (SEC1 with the curve and public key) under the label `PRIVATE KEY`, and its PKIX
/// `PUBLIC KEY` (fabric-ca `lib/server/idemix/revocationkey.go` `EncodeKeys`).
fn revocation_keys() -> (String, String) {
    let rng = ring::rand::SystemRandom::new();
    let doc = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        &rng,
    )
    .expect("P-384 key");
    let info = pkcs8::PrivateKeyInfoRef::try_from(doc.as_ref()).expect("PKCS#8");
    let inner = sec1::EcPrivateKey::try_from(info.private_key.as_bytes()).expect("SEC1");
    let scalar = inner.private_key;
    let point = inner.public_key.expect("ring embeds the public key");
    assert_eq!((scalar.len(), point.len()), (48, 97), "P-384 sizes");
    const SECP384R1: [u8; 7] = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
    let mut body = vec![0x02, 0x01, 0x01, 0x04, 0x30];
    body.extend_from_slice(scalar);
    body.extend_from_slice(&[0xa0, 0x07]);
    body.extend_from_slice(&SECP384R1);
    body.extend_from_slice(&[0xa1, 0x64, 0x03, 0x62, 0x00]);
    body.extend_from_slice(point);
    let mut private = vec![0x30, 0x81, body.len() as u8];
    private.extend(body);
    let mut spki = vec![0x30, 0x76, 0x30, 0x10];
    spki.extend_from_slice(&[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
    spki.extend_from_slice(&SECP384R1);
    spki.extend_from_slice(&[0x03, 0x62, 0x00]);
    spki.extend_from_slice(point);
    (
        pem_block("PRIVATE KEY", &private),
        pem_block("PUBLIC KEY", &spki),
    )
}

/// The two public Idemix files every fabric-ca enrollment stores in its MSP folder.
fn write_issuer_public_files(dir: &Path) {
    write(&dir.join("IssuerPublicKey"), issuer_public_key());
    write(&dir.join("IssuerRevocationPublicKey"), revocation_keys().1);
}

/// The parts of a fabric-ca-server-config.yaml `fabric-ca-server init` writes that matter here.
const CA_SERVER_CONFIG: &str = r#"version: 1.5.7
port: 7054
tls:
  enabled: true
  certfile:
  keyfile:
  clientauth:
    type: noclientcert
    certfiles:
ca:
  name: ca-org1
  keyfile:
  certfile:
  chainfile:
registry:
  maxenrollments: -1
  identities:
     - name: admin
       pass: adminpw
       type: client
       affiliation: ""
db:
  type: sqlite3
  datasource: fabric-ca-server.db
csr:
   cn: ca.org1.example.com
   names:
      - C: US
        ST: "North Carolina"
        L: "Durham"
        O: org1.example.com
   hosts:
     - localhost
     - org1.example.com
idemix:
  curve: amcl.Fp256bn
"#;

/// A fabric-ca server's home, as `fabric-ca-server start -b admin:adminpw` leaves it with TLS
/// enabled: `ca-cert.pem`, `tls-cert.pem`, the configuration, the Idemix public keys, and in
/// `msp/keystore/` the CA's and the TLS certificate's keys and the Idemix issuer's secret and
/// revocation keys. The server also makes `msp/{cacerts,signcerts,user}/`, empty, which git
/// cannot keep: the tests add them. `secret_key` is the IssuerSecretKey's contents.
fn write_ca_server_home(home: &Path, org: &Org, secret_key: &[u8]) {
    let tls = org.ca.issue(
        Spec::new(&org.ca.spec.org, "fabric-ca-server", FROM, UNTIL)
            .sans(&["ca.org1.example.com", "localhost"]),
    );
    write(&home.join("ca-cert.pem"), org.ca.pem());
    write(&home.join("tls-cert.pem"), tls.pem());
    write(&home.join("fabric-ca-server-config.yaml"), CA_SERVER_CONFIG);
    let (revocation_private, revocation_public) = revocation_keys();
    write(&home.join("IssuerPublicKey"), issuer_public_key());
    write(&home.join("IssuerRevocationPublicKey"), revocation_public);
    let keystore = home.join("msp/keystore");
    for c in [&org.ca, &tls] {
        write(&keystore.join(key_file(c)), c.key_pem());
    }
    write(&keystore.join("IssuerSecretKey"), secret_key);
    write(
        &keystore.join("IssuerRevocationPrivateKey"),
        revocation_private,
    );
}

fn fabric_ca_layouts(cases: &mut Cases) {
    let org = good_org();
    let dir = cases.dir(
        "X509-008",
        "fabric-ca-tls-enrollment",
        "peers/peer0.org1.example.com/tls/: what `fabric-ca-client enroll --enrollment.profile tls \
         -M …/tls` writes (test-network's registerEnroll.sh): the TLS certificate in \
         signcerts/cert.pem, its key in keystore/<SKI>_sk, the CA in \
         tlscacerts/tls-localhost-7054-ca-org1.pem, IssuerPublicKey and IssuerRevocationPublicKey, \
         and the copies ca.crt, server.crt, server.key the script makes. No cacerts/: the client \
         leaves it empty (git keeps no empty folder; the test adds it). A TLS enrollment, not an \
         MSP: X509-008 passes it.",
    );
    let node = dir
        .join("peerOrganizations/org1.example.com/peers")
        .join(PEER);
    let tls_dir = node.join("tls");
    let server = org
        .ca
        .issue(Spec::new(&org.ca.spec.org, PEER, FROM, UNTIL).sans(&[PEER, "localhost"]));
    write(&tls_dir.join("signcerts/cert.pem"), server.pem());
    write(
        &tls_dir.join("keystore").join(key_file(&server)),
        server.key_pem(),
    );
    write(
        &tls_dir.join("tlscacerts/tls-localhost-7054-ca-org1.pem"),
        org.ca.pem(),
    );
    write_issuer_public_files(&tls_dir);
    write_tls(&tls_dir, &org.ca, &server, &server);

    let dir = cases.dir(
        "X509-008",
        "fabric-ca-server-home",
        "fabric-ca/org1/: a fabric-ca server's home as `fabric-ca-server start` leaves it: \
         ca-cert.pem, tls-cert.pem, fabric-ca-server-config.yaml, IssuerPublicKey, \
         IssuerRevocationPublicKey, and msp/keystore/ with the CA's and TLS keys (<SKI>_sk), \
         IssuerSecretKey (32 raw bytes) and IssuerRevocationPrivateKey (a P-384 SEC1 key under \
         'PRIVATE KEY'). The server's empty msp/{cacerts,signcerts,user}/ are added by the test. \
         Not an MSP: X509-008 skips it; X509-009 lists the Idemix files, no error.",
    );
    write_ca_server_home(&dir.join("fabric-ca/org1"), &org, &random(32));

    let dir = cases.dir(
        "X509-009",
        "fabric-ca-idemix",
        "users/User1@org1.example.com/msp/: a client MSP after an X.509 and an Idemix enrollment \
         (`fabric-ca-client enroll`, then `--enrollment.type idemix`): cacerts/, signcerts/, \
         keystore/, config.yaml with NodeOUs, tlscacerts/, IssuerPublicKey, \
         IssuerRevocationPublicKey and user/SignerConfig (JSON credential with its secret Sk). \
         X509-009 lists the Idemix files as recognised (skip), reads everything else, and reports \
         nothing unreadable.",
    );
    // fabric-ca puts the registered type into the OU (`--id.type client`), as NodeOUs need.
    let user = org
        .ca
        .issue(Spec::new(&org.ca.spec.org, "User1@org1.example.com", FROM, UNTIL).ous(&["client"]));
    let msp = dir.join("peerOrganizations/org1.example.com/users/User1@org1.example.com/msp");
    Msp {
        cacerts: vec![&org.ca],
        tlscacerts: vec![&org.ca],
        signcert: Some(&user),
        keystore: Some(&user),
        ..Msp::default()
    }
    .write(&msp);
    write(
        &msp.join("config.yaml"),
        format!(
            "NodeOUs:\n  Enable: true\n  ClientOUIdentifier:\n    Certificate: cacerts/{ca}\n    OrganizationalUnitIdentifier: client\n  PeerOUIdentifier:\n    Certificate: cacerts/{ca}\n    OrganizationalUnitIdentifier: peer\n  AdminOUIdentifier:\n    Certificate: cacerts/{ca}\n    OrganizationalUnitIdentifier: admin\n  OrdererOUIdentifier:\n    Certificate: cacerts/{ca}\n    OrganizationalUnitIdentifier: orderer\n",
            ca = cert_file(&org.ca)
        ),
    );
    write_issuer_public_files(&msp);
    write(
        &msp.join("user/SignerConfig"),
        format!(
            "{{\"Cred\":\"{}\",\"Sk\":\"{}\",\"organizational_unit_identifier\":\"org1.department1\",\"role\":1,\"enrollment_id\":\"User1@org1.example.com\",\"credential_revocation_information\":\"{}\"}}",
            b64(&random(340)),
            b64(&random(32)),
            b64(&random(240))
        ),
    );

    let dir = cases.dir(
        "X509-009",
        "fabric-ca-idemix-truncated",
        "fabric-ca/org1/: a fabric-ca server home whose msp/keystore/IssuerSecretKey holds 16 bytes \
         instead of the issuer's 32-byte scalar (a copy cut short): X509-009 reports it as an \
         error; the other Idemix files are recognised.",
    );
    write_ca_server_home(&dir.join("fabric-ca/org1"), &org, &random(16));
}

fn x509_009(cases: &mut Cases) {
    let org = good_org();
    simple_pass(
        cases,
        "X509-009",
        &org,
        FROM,
        UNTIL,
        "msp/: every file parses.",
    );
    let dir = cases.dir(
        "X509-009",
        "fail",
        "truncated-pem/signcerts/cert.pem: BEGIN CERTIFICATE with no END line. \
         public-key/signcerts/cert.pem: a PUBLIC KEY block where a certificate belongs. \
         bad-version/signcerts/cert.pem: a certificate whose version INTEGER is patched to 5. \
         non-canonical-der/signcerts/cert.der: a DER certificate whose outer length uses an \
         extra leading zero byte (0x82 LL LL -> 0x83 0x00 LL LL).",
    );
    let peer = leaf(&org.ca, PEER, FROM, UNTIL);

    let pem = peer.pem();
    let truncated: Vec<&str> = pem.lines().take(4).collect();
    write(
        &dir.join("truncated-pem/signcerts/cert.pem"),
        truncated.join("\n") + "\n",
    );

    write(
        &dir.join("public-key/signcerts/cert.pem"),
        pem_block("PUBLIC KEY", &peer.key.subject_public_key_info()),
    );

    // Certificate ::= SEQUENCE { tbs SEQUENCE { [0] EXPLICIT INTEGER version, ... } ... }:
    // v3 is `a0 03 02 01 02` within the first bytes of the TBS.
    let mut bad_version = peer.der.clone();
    let at = bad_version
        .windows(5)
        .position(|w| w == [0xa0, 0x03, 0x02, 0x01, 0x02])
        .filter(|&i| i < 16)
        .expect("a v3 version field near the start of the TBS");
    bad_version[at + 4] = 5;
    write(
        &dir.join("bad-version/signcerts/cert.pem"),
        pem_block("CERTIFICATE", &bad_version),
    );

    // The outer SEQUENCE of a P-256 certificate is 256..65535 bytes long: `30 82 LL LL`.
    assert_eq!(
        peer.der[..2],
        [0x30, 0x82],
        "outer SEQUENCE with a two-byte length"
    );
    let mut non_canonical = vec![0x30, 0x83, 0x00];
    non_canonical.extend_from_slice(&peer.der[2..]);
    write(
        &dir.join("non-canonical-der/signcerts/cert.der"),
        non_canonical,
    );
}

fn x509_010(cases: &mut Cases) {
    // A high-S leaf, issued by the low-S CA, passes: only a self-signed root is refused.
    let org = good_org();
    let dir = cases.dir(
        "X509-010",
        "pass",
        "msp/: the CA's self-signature is low-S (s <= n/2), as cryptogen and fabric-ca write it; \
         the signcert it issued is signed high-S, which Fabric's MSP rewrites without harm.",
    );
    let peer = org
        .ca
        .issue(Spec::new(&org.ca.spec.org, PEER, FROM, UNTIL).high_s());
    Msp::identity(&org, &peer).write(&dir.join("msp"));

    let dir = cases.dir(
        "X509-010",
        "fail",
        "msp/: the CA in cacerts/ and tlscacerts/ signed itself high-S (s > n/2, made by \
         flipping a low-S signature's s to n - s): Fabric 1.4.x and 2.0-2.4.x built with Go \
         1.19+ refuse the MSP (sanitizeCert). Everything it issued is low-S.",
    );
    let high = Org::new(Cert::self_signed(
        Spec::new("org1.example.com", "ca.org1.example.com", FROM, UNTIL)
            .ca()
            .high_s(),
    ));
    let peer = leaf(&high.ca, PEER, FROM, UNTIL);
    Msp::identity(&high, &peer).write(&dir.join("msp"));
}

// ----------------------------------------------------------------------------------------------
// README

fn readme(cases: &[(String, String)]) -> String {
    let mut out = String::from(
        "# Certificate fixtures\n\n\
         Generated by `examples/regen-fixtures.rs`; do not edit by hand. Regenerate everything \
         (this README included) from the repository root with:\n\n\
         ```sh\ncargo run --example regen-fixtures\n```\n\n\
         The command deletes and rewrites `fixtures/reference/` and `fixtures/x509/`. Keys and \
         signatures are random (every signature low-S, as Fabric's BCCSP writes it, except \
         where X509-010 wants high-S), so every run changes the bytes but not the verdicts; \
         `cargo test --test fixtures` checks the verdicts. The private keys here are throwaway \
         test keys, generated for these fixtures and used nowhere else.\n\n\
         ## Dates\n\n\
         Good certificates are valid from 2020-01-01T00:00:00Z to 2099-01-01T00:00:00Z, so they \
         pass without `--at` for decades. The tests evaluate every tree with \
         `--at 2026-06-01T00:00:00Z`; the X509-002 and X509-003 fixtures are built around that \
         instant (expiry-soon depends on the clock).\n\n\
         ```sh\n\
         fabcheck check --artifacts fixtures/x509/X509-001/fail --at 2026-06-01T00:00:00Z -o json\n\
         ```\n\n\
         ## fixtures/reference/crypto-config\n\n\
         A small cryptogen-shaped tree that passes every X509 check (exit code 0, every finding \
         `pass`): `peerOrganizations/org1.example.com` and `ordererOrganizations/example.com`, \
         each with `ca/` and `tlsca/` (certificate `<name>-cert.pem` and key `<SKI>_sk`), an \
         org-level `msp/` (admincerts, cacerts, tlscacerts), one node \
         (`peers/peer0.org1.example.com`, `orderers/orderer0.example.com`) with \
         `msp/{admincerts,cacerts,keystore,signcerts,tlscacerts}` and \
         `tls/{ca.crt,server.crt,server.key}`, and `users/Admin@<org>/msp`. TLS server \
         certificates carry the SANs `<node>.<ns>`, `<node>.<ns>.svc.cluster.local` and the full \
         name, where `<ns>` is the org domain's first label (`peer0.org1`, \
         `peer0.org1.svc.cluster.local`, `peer0.org1.example.com`; `orderer0.example`, \
         `orderer0.example.svc.cluster.local`, `orderer0.example.com`).\n\n\
         ## fixtures/x509/<ID>/{pass,fail}\n\n\
         For each check, `pass/` is a minimal tree where every finding of that check is `pass` \
         (and the whole run passes), and `fail/` one where the check reports its problem \
         (`fail`; `warn` for X509-003, `error` for X509-009). Unless said otherwise, a tree is \
         one local MSP: its CA in `cacerts/` and `tlscacerts/`, the org admin `Admin@<org>` in \
         `admincerts/`, the node certificate in `signcerts/` and its key in \
         `keystore/<SKI>_sk`. Inputs too large or too hostile to commit (a 50 MB file, symlink \
         loops, dangling links, broken Secrets) are built at test time by \
         `tests/bad_input.rs` instead.\n\n\
         Some checks also have fixtures named after a real-world layout instead of `pass` or \
         `fail` (`x509/X509-008/fabric-ca-tls-enrollment`): each row says what the check \
         reports on it.\n\n\
         | Fixture | What it holds |\n|---|---|\n",
    );
    for (path, what) in cases {
        let _ = writeln!(out, "| `{path}` | {what} |");
    }
    out
}

// ----------------------------------------------------------------------------------------------
// Fabric's certificate profile (X509-011 … X509-017)

/// A scratch folder for openssl's inputs and outputs, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fabcheck-regen-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("failed to create {}: {e}", dir.display()));
    dir
}

/// The parts of an `openssl ca` configuration these fixtures need: no policy beyond a CN, any
/// serial from the `serial` file, the extensions given on the command line only.
const OPENSSL_CA: &str = "[ca]\ndefault_ca = fab\n[fab]\ndatabase = index.txt\n\
                          new_certs_dir = .\nserial = serial\npolicy = any\ndefault_md = sha256\n\
                          unique_subject = no\n[any]\ncommonName = supplied\n\
                          organizationName = optional\n";

/// `openssl ca` in `dir`, with the fixtures' validity window (FROM..UNTIL), `digest`, the
/// serial `serial_hex`, and the extensions in `ext`: signs `csr` into `out` with `ca.pem` and
/// `ca.key`, or with the CSR's own key when `self_sign`.
fn openssl_ca(
    dir: &Path,
    csr: &str,
    out: &str,
    digest: &str,
    serial_hex: &str,
    ext: &str,
    self_sign: bool,
) {
    write(&dir.join("ca.cnf"), OPENSSL_CA);
    write(&dir.join("index.txt"), "");
    write(&dir.join("serial"), format!("{serial_hex}\n"));
    write(&dir.join("ext.cnf"), format!("[v3]\n{ext}\n"));
    let mut args = vec![
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-keyfile",
        "ca.key",
        "-in",
        csr,
        "-out",
        out,
        "-startdate",
        "20200101000000Z",
        "-enddate",
        "20990101000000Z",
        "-md",
        digest,
        "-extfile",
        "ext.cnf",
        "-extensions",
        "v3",
        "-notext",
        "-preserveDN",
    ];
    if self_sign {
        args.push("-selfsign");
    } else {
        args.extend(["-cert", "ca.pem"]);
    }
    openssl(dir, &args);
}

/// A leaf for `PEER` issued by `ca` with openssl: a key made by `keygen` (openssl genpkey
/// arguments), signed with `digest`, serial `serial_hex`, the extensions in `ext`. Returns the
/// certificate PEM and the key PEM.
fn openssl_leaf(
    ca: &Cert,
    keygen: &[&str],
    digest: &str,
    serial_hex: &str,
    ext: &str,
) -> (String, String) {
    let dir = scratch("leaf");
    write(&dir.join("ca.pem"), ca.pem());
    write(&dir.join("ca.key"), ca.key_pem());
    let mut genpkey = vec!["genpkey", "-out", "leaf.key"];
    genpkey.extend_from_slice(keygen);
    openssl(&dir, &genpkey);
    let subject = format!("/O={}/CN={PEER}", ca.spec.org);
    openssl(
        &dir,
        &[
            "req", "-new", "-key", "leaf.key", "-subj", &subject, "-out", "leaf.csr",
        ],
    );
    openssl_ca(&dir, "leaf.csr", "leaf.pem", digest, serial_hex, ext, false);
    let read = |f: &str| fs::read_to_string(dir.join(f)).expect("openssl wrote it");
    let pair = (read("leaf.pem"), read("leaf.key"));
    let _ = fs::remove_dir_all(&dir);
    pair
}

const LEAF_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
                        subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid";

/// A local MSP whose signcerts/ and keystore/ hold PEMs made outside rcgen.
fn msp_with_signer(dir: &Path, org: &Org, cert_pem: &str, key_pem: &str) {
    Msp {
        cacerts: vec![&org.ca],
        admincerts: vec![&org.admin],
        tlscacerts: vec![&org.ca],
        ..Msp::default()
    }
    .write(dir);
    write(
        &dir.join("signcerts").join(format!("{PEER}-cert.pem")),
        cert_pem,
    );
    write(&dir.join("keystore").join("priv_sk"), key_pem);
}

fn x509_011(cases: &mut Cases) {
    let org = good_org();
    let dir = cases.dir(
        "X509-011",
        "pass",
        "msp/: ECDSA P-256 keys signed with ECDSA SHA-256 throughout, what Fabric's BCCSP, \
         cryptogen and fabric-ca make.",
    );
    Msp::identity(&org, &leaf(&org.ca, PEER, FROM, UNTIL)).write(&dir.join("msp"));

    let dir = cases.dir(
        "X509-011",
        "fail",
        "rsa/msp/: the signcert holds an RSA 2048 key (made with openssl), which Fabric 2.0+ \
         cannot import into its MSP (\"Supported keys: [ECDSA]\"); ed25519/msp/: the signcert \
         holds an Ed25519 key, which only a 3.x MSP at the V3_0 capability accepts.",
    );
    let (cert, key) = openssl_leaf(
        &org.ca,
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "sha256",
        "1001",
        LEAF_EXT,
    );
    msp_with_signer(&dir.join("rsa/msp"), &org, &cert, &key);
    let (cert, key) = openssl_leaf(
        &org.ca,
        &["-algorithm", "ED25519"],
        "sha256",
        "1002",
        LEAF_EXT,
    );
    msp_with_signer(&dir.join("ed25519/msp"), &org, &cert, &key);
}

fn x509_012(cases: &mut Cases) {
    let org = good_org();
    let dir = cases.dir(
        "X509-012",
        "pass",
        "msp/: every certificate signed with ECDSA SHA-256.",
    );
    Msp::identity(&org, &leaf(&org.ca, PEER, FROM, UNTIL)).write(&dir.join("msp"));
    let dir = cases.dir(
        "X509-012",
        "fail",
        "msp/: the signcert is signed by its CA with ECDSA SHA-1 (openssl -sha1), which Go 1.18+ \
         and so every Fabric 2.5 and 3.x build refuse.",
    );
    let (cert, key) = openssl_leaf(
        &org.ca,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "sha1",
        "1003",
        LEAF_EXT,
    );
    msp_with_signer(&dir.join("msp"), &org, &cert, &key);
}

/// The DER of the first PEM block in `pem`.
fn der_of_pem(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("openssl writes valid PEM")
}

/// A self-signed CA made with openssl with the extensions in `ext`, re-made until its
/// signature is low-S (X509-010 refuses a high-S root; openssl draws `s` at random).
fn openssl_root(org: &str, ext: &str) -> (String, String) {
    for _ in 0..64 {
        let dir = scratch("root");
        openssl(
            &dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "ca.key",
            ],
        );
        let subject = format!("/O={org}/CN=ca.{org}");
        openssl(
            &dir,
            &[
                "req", "-new", "-key", "ca.key", "-subj", &subject, "-out", "ca.csr",
            ],
        );
        openssl_ca(&dir, "ca.csr", "ca.pem", "sha256", "01", ext, true);
        let read = |f: &str| fs::read_to_string(dir.join(f)).expect("openssl wrote it");
        let (pem, key) = (read("ca.pem"), read("ca.key"));
        let _ = fs::remove_dir_all(&dir);
        let der = der_of_pem(&pem);
        let facts = fabcheck::inventory::cert::CertFacts::parse(&der).expect("openssl root parses");
        if let Ok(fabcheck::inventory::signature::SignatureForm::Ecdsa { form, .. }) =
            facts.signature_form(&facts)
            && form == fabcheck::inventory::signature::SForm::Low
        {
            return (pem, key);
        }
    }
    panic!("no low-S signature in 64 tries");
}

fn x509_013(cases: &mut Cases) {
    let org = good_org();
    let dir = cases.dir(
        "X509-013",
        "pass",
        "msp/: the CA has basicConstraints CA:TRUE, a SubjectKeyIdentifier and keyUsage \
         keyCertSign and cRLSign.",
    );
    Msp::identity(&org, &leaf(&org.ca, PEER, FROM, UNTIL)).write(&dir.join("msp"));
    let dir = cases.dir(
        "X509-013",
        "fail",
        "msp/: the root in cacerts/ (made with openssl) has no SubjectKeyIdentifier, so Fabric's \
         MSP does not set up (\"CA Certificate problem with Subject Key Identifier extension\").",
    );
    let org_name = "org1.example.com";
    let (ca, _) = openssl_root(
        org_name,
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n\
         subjectKeyIdentifier=none\nauthorityKeyIdentifier=none",
    );
    let admin = Cert::self_signed(Spec::new(
        org_name,
        &format!("Admin@{org_name}"),
        FROM,
        UNTIL,
    ));
    let msp = dir.join("msp");
    write(&msp.join("cacerts/ca.pem"), &ca);
    write(&msp.join("tlscacerts/ca.pem"), &ca);
    write(&msp.join("admincerts").join(cert_file(&admin)), admin.pem());
}

fn x509_014(cases: &mut Cases) {
    let org = good_org();
    let dir = cases.dir(
        "X509-014",
        "pass",
        "msp/: the signcert is an end-entity certificate whose AuthorityKeyIdentifier is its \
         CA's SubjectKeyIdentifier.",
    );
    Msp::identity(&org, &leaf(&org.ca, PEER, FROM, UNTIL)).write(&dir.join("msp"));
    let dir = cases.dir(
        "X509-014",
        "fail",
        "ca-identity/msp/: the signcert has basicConstraints CA:TRUE, which Fabric's MSP refuses \
         as an identity; aki-mismatch/msp/: the signcert's AuthorityKeyIdentifier is not its \
         CA's SubjectKeyIdentifier (signed by the CA's key under a different key id), which \
         OpenSSL-based clients refuse.",
    );
    let ca_peer = org
        .ca
        .issue(Spec::new(&org.ca.spec.org, PEER, FROM, UNTIL).ca());
    Msp::identity(&org, &ca_peer).write(&dir.join("ca-identity/msp"));
    let mut params = org.ca.params.clone();
    params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(vec![0xde, 0xad, 0xbe, 0xef]);
    let impostor = Cert {
        spec: org.ca.spec.clone(),
        params,
        key: rcgen::KeyPair::from_pem(&org.ca.key_pem()).expect("CA key"),
        der: org.ca.der.clone(),
    };
    Msp::identity(&org, &leaf(&impostor, PEER, FROM, UNTIL)).write(&dir.join("aki-mismatch/msp"));
}

/// config.yaml with the four NodeOU roles, each naming the CA in cacerts/.
fn node_ous_config(ca_file: &str) -> String {
    let mut out = String::from("NodeOUs:\n  Enable: true\n");
    for (key, ou) in [
        ("ClientOUIdentifier", "client"),
        ("PeerOUIdentifier", "peer"),
        ("AdminOUIdentifier", "admin"),
        ("OrdererOUIdentifier", "orderer"),
    ] {
        let _ = write!(
            out,
            "  {key}:\n    Certificate: cacerts/{ca_file}\n    OrganizationalUnitIdentifier: {ou}\n"
        );
    }
    out
}

fn x509_015(cases: &mut Cases) {
    let org_name = "org1.example.com";
    let ca = root(org_name, &format!("ca.{org_name}"), FROM, UNTIL);
    let admin =
        ca.issue(Spec::new(org_name, &format!("Admin@{org_name}"), FROM, UNTIL).ous(&["admin"]));
    let node_msp = |dir: &Path, signer: &Cert, admins: Vec<&Cert>| {
        Msp {
            cacerts: vec![&ca],
            tlscacerts: vec![&ca],
            admincerts: admins,
            signcert: Some(signer),
            keystore: Some(signer),
            ..Msp::default()
        }
        .write(dir);
        write(&dir.join("config.yaml"), node_ous_config(&cert_file(&ca)));
    };
    let peer_path = format!("peerOrganizations/{org_name}/peers/{PEER}/msp");
    let dir = cases.dir(
        "X509-015",
        "pass",
        "peerOrganizations/org1.example.com/peers/peer0…/msp: NodeOUs enabled with the client, \
         peer, admin and orderer roles naming the CA; the peer's signcert carries exactly the \
         peer OU.",
    );
    let peer = ca.issue(Spec::new(org_name, PEER, FROM, UNTIL).ous(&["peer"]));
    node_msp(&dir.join(&peer_path), &peer, vec![]);

    let dir = cases.dir(
        "X509-015",
        "fail",
        "peers/peer0…/msp: the peer's signcert carries the client OU, so policies naming the \
         peer role refuse it; admincerts/ holds a certificate with the peer OU, neither client \
         nor admin, so Fabric's MSP does not set up (\"admin N is invalid\").",
    );
    let client_peer = ca.issue(Spec::new(org_name, PEER, FROM, UNTIL).ous(&["client"]));
    let peer_admin = ca.issue(Spec::new(org_name, "peer-admin", FROM, UNTIL).ous(&["peer"]));
    node_msp(&dir.join(&peer_path), &client_peer, vec![&peer_admin]);
    let _ = admin;
}

fn x509_016(cases: &mut Cases) {
    let org = good_org();
    let tlsca = root(&org.ca.spec.org, "tlsca.org1.example.com", FROM, UNTIL);
    let node = |dir: &Path, server: &Cert| {
        let peer = leaf(&org.ca, PEER, FROM, UNTIL);
        Msp::identity(&org, &peer).write(&dir.join("msp"));
        write_tls(&dir.join("tls"), &tlsca, server, server);
    };
    let dir = cases.dir(
        "X509-016",
        "pass",
        "msp/ and tls/: tls/server.crt carries SANs and extendedKeyUsage serverAuth and \
         clientAuth, as cryptogen's TLS profile writes it.",
    );
    let good = tlsca.issue(
        Spec::new(&org.ca.spec.org, PEER, FROM, UNTIL)
            .sans(&["peer0.org1", PEER])
            .eku(true, true),
    );
    node(&dir, &good);
    let dir = cases.dir(
        "X509-016",
        "fail",
        "no-san/tls/server.crt has no subjectAltName (Go 1.15+ ignore the CN); client-only/tls/\
         server.crt has extendedKeyUsage clientAuth only, no serverAuth.",
    );
    let no_san = tlsca.issue(Spec::new(&org.ca.spec.org, PEER, FROM, UNTIL).eku(true, true));
    node(&dir.join("no-san"), &no_san);
    let client_only = tlsca.issue(
        Spec::new(&org.ca.spec.org, PEER, FROM, UNTIL)
            .sans(&[PEER])
            .eku(false, true),
    );
    node(&dir.join("client-only"), &client_only);
}

fn x509_017(cases: &mut Cases) {
    let org = good_org();
    let dir = cases.dir(
        "X509-017",
        "pass",
        "msp/: every serial number is positive and at most 20 octets.",
    );
    Msp::identity(&org, &leaf(&org.ca, PEER, FROM, UNTIL)).write(&dir.join("msp"));
    let dir = cases.dir(
        "X509-017",
        "fail",
        "msp/: the signcert's serial number is negative (its first octet patched to 0xed and the \
         certificate re-signed by its CA), which Go 1.23+ refuse to parse.",
    );
    let peer = leaf(&org.ca, PEER, FROM, UNTIL);
    let der = with_negative_serial(&peer.der, &org.ca);
    msp_with_signer(
        &dir.join("msp"),
        &org,
        &pem_block("CERTIFICATE", &der),
        &peer.key_pem(),
    );
}

/// `cert` (issued by `ca`) with the first octet of its serial number's content set to 0xed,
/// which makes it negative, and re-signed by `ca`: rcgen and `openssl ca` only write positive
/// serials.
fn with_negative_serial(cert: &[u8], ca: &Cert) -> Vec<u8> {
    use rcgen::SigningKey;
    /// (header length, content length) of the DER element at the start of `der`.
    fn element(der: &[u8]) -> (usize, usize) {
        match der[1] {
            n if n < 0x80 => (2, n as usize),
            0x81 => (3, der[2] as usize),
            0x82 => (4, (der[2] as usize) << 8 | der[3] as usize),
            n => panic!("unexpected DER length octet {n:#x}"),
        }
    }
    let (outer_header, _) = element(cert);
    let body = &cert[outer_header..];
    let (tbs_header, tbs_len) = element(body);
    let mut tbs = body[..tbs_header + tbs_len].to_vec();
    let rest = &body[tbs_header + tbs_len..];
    let (alg_header, alg_len) = element(rest);
    let algorithm = &rest[..alg_header + alg_len];
    // TBSCertificate: [0] version, then the serial INTEGER.
    let mut at = tbs_header;
    let (version_header, version_len) = element(&tbs[at..]);
    at += version_header + version_len;
    let (serial_header, _) = element(&tbs[at..]);
    tbs[at + serial_header] = 0xed;
    let signature = ca.key.sign(&tbs).expect("CA key signs");
    let mut bit_string = vec![0x00];
    bit_string.extend(signature);
    let mut content = tbs;
    content.extend_from_slice(algorithm);
    content.extend(der_element(0x03, &bit_string));
    der_element(0x30, &content)
}

/// One DER element: tag, definite length, content.
fn der_element(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

// ----------------------------------------------------------------------------------------------
// CRLs (X509-018, X509-019)

/// A CRL signed with `signer`'s key under `issuer`'s name (the same certificate, unless a
/// fixture wants a signature that does not verify), revoking the certificates `revoked`.
fn crl(issuer: &Cert, signer: &Cert, revoked: &[&Cert], next_update: &str) -> String {
    let revoked_certs = revoked
        .iter()
        .map(|c| {
            let facts = fabcheck::inventory::cert::CertFacts::parse(&c.der).expect("parses");
            rcgen::RevokedCertParams {
                serial_number: rcgen::SerialNumber::from_slice(
                    &fabcheck::inventory::cert::trim_be(&facts.serial_der),
                ),
                revocation_time: pki::t("2024-01-01T00:00:00Z"),
                reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                invalidity_date: None,
            }
        })
        .collect();
    let params = rcgen::CertificateRevocationListParams {
        this_update: pki::t("2024-01-01T00:00:00Z"),
        next_update: pki::t(next_update),
        crl_number: rcgen::SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    };
    let key = rcgen::KeyPair::from_pem(&signer.key_pem()).expect("signer key");
    let issuer = rcgen::Issuer::from_params(&issuer.params, key);
    params.signed_by(&issuer).expect("CRL").pem().expect("PEM")
}

fn x509_018(cases: &mut Cases) {
    let org = good_org();
    let peer = leaf(&org.ca, PEER, FROM, UNTIL);
    let retired = leaf(&org.ca, "peer9.org1.example.com", FROM, UNTIL);
    let dir = cases.dir(
        "X509-018",
        "pass",
        "msp/crls/crl.pem: a CRL signed by the MSP's CA (AuthorityKeyIdentifier = the CA's \
         SubjectKeyIdentifier), next update 2099, revoking a retired peer's certificate.",
    );
    Msp::identity(&org, &peer).write(&dir.join("msp"));
    write(
        &dir.join("msp/crls/crl.pem"),
        crl(&org.ca, &org.ca, &[&retired], UNTIL),
    );

    let dir = cases.dir(
        "X509-018",
        "fail",
        "unparseable/msp/crls/crl.pem: an `X509 CRL` PEM block whose content is not a CRL \
         (Fabric: \"could not parse RevocationList\"); bad-signature/msp/crls/crl.pem: a CRL \
         under the CA's name signed by another key, revoking the node's own signcert, which \
         Fabric ignores (\"Invalid signature over the identified CRL\"): the signcert stays \
         valid.",
    );
    Msp::identity(&org, &peer).write(&dir.join("unparseable/msp"));
    write(
        &dir.join("unparseable/msp/crls/crl.pem"),
        pem_block("X509 CRL", b"\x30\x03\x02\x01\x00"),
    );
    Msp::identity(&org, &peer).write(&dir.join("bad-signature/msp"));
    let impostor = root("org1.example.com", "ca.org1.example.com", FROM, UNTIL);
    write(
        &dir.join("bad-signature/msp/crls/crl.pem"),
        crl(&org.ca, &impostor, &[&peer], UNTIL),
    );
}

fn x509_019(cases: &mut Cases) {
    let org = good_org();
    let peer = leaf(&org.ca, PEER, FROM, UNTIL);
    let retired = leaf(&org.ca, "peer9.org1.example.com", FROM, UNTIL);
    let dir = cases.dir(
        "X509-019",
        "pass",
        "msp/crls/crl.pem revokes a retired peer's certificate that no MSP or TLS folder holds.",
    );
    Msp::identity(&org, &peer).write(&dir.join("msp"));
    write(
        &dir.join("msp/crls/crl.pem"),
        crl(&org.ca, &org.ca, &[&retired], UNTIL),
    );
    let dir = cases.dir(
        "X509-019",
        "fail",
        "msp/crls/crl.pem revokes the certificate msp/signcerts/ still holds: Fabric refuses the \
         node's identity (\"The certificate has been revoked\").",
    );
    Msp::identity(&org, &peer).write(&dir.join("msp"));
    write(
        &dir.join("msp/crls/crl.pem"),
        crl(&org.ca, &org.ca, &[&peer], UNTIL),
    );
}
