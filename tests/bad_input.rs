//! Hostile and broken input, built at test time in a temporary folder (nothing is committed):
//! a 50 MB file in `signcerts/`, a symlink loop, a dangling symlink, a truncated PEM, a PEM of
//! the wrong type, an empty `.pem`, random bytes named `.der`, and Kubernetes Secrets with
//! malformed base64 beside a valid one.
//!
//! The real `fabcheck` binary must finish (within a deadline), print a valid JSON report, name
//! every bad file in an X509-009 `error` with its reason, still read the good material, and
//! never print private key material.

#![cfg(unix)]

#[path = "support/findings.rs"]
mod findings;
use findings::describe;
#[path = "support/pki.rs"]
mod pki;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pki::{Cert, Spec, pem_block};
use rcgen::PublicKeyData;
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(60);
const BIG_FILE_BYTES: usize = 50 * 1024 * 1024;

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `fabcheck` with `args`, killing it and failing the test if it outlives the deadline.
fn run_with_deadline(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fabcheck starts");
    // Drain both pipes while waiting so a large report cannot block the child.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for fabcheck") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("fabcheck {args:?} did not finish within {DEADLINE:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        code: status
            .code()
            .unwrap_or_else(|| panic!("fabcheck {args:?} was killed by a signal")),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folder");
    std::fs::write(path, contents).expect("write file");
}

/// Pseudo-random bytes (xorshift64): incompressible enough, and fast for 50 MB.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn secret_yaml(cert_pem: &str, key_pem: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: peer0-tls-broken\n  namespace: fabric\n\
         type: kubernetes.io/tls\ndata:\n  tls.crt: \"!!not*base64\"\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata:\n  name: peer0-tls\n  namespace: fabric\n\
         type: kubernetes.io/tls\ndata:\n  tls.crt: {}\n  tls.key: {}\n",
        STANDARD.encode(cert_pem),
        STANDARD.encode(key_pem)
    )
}

/// The base64 body lines of a PEM block: the secret part of a private key file.
fn body_lines(pem: &str) -> Vec<&str> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && !l.trim().is_empty())
        .collect()
}

#[test]
fn broken_and_hostile_input_is_reported_per_file_and_never_hangs_or_leaks_keys() {
    let tmp = tempfile::TempDir::new().expect("temp dir");
    let root = tmp.path();

    let ca = Cert::self_signed(
        Spec::new(
            "org1.example.com",
            "ca.org1.example.com",
            "2020-01-01T00:00:00Z",
            "2099-01-01T00:00:00Z",
        )
        .ca(),
    );
    let peer = ca.issue(
        Spec::new(
            "org1.example.com",
            "peer0.org1.example.com",
            "2020-01-01T00:00:00Z",
            "2099-01-01T00:00:00Z",
        )
        .sans(&["peer0.org1", "peer0.org1.svc.cluster.local"]),
    );
    let key_pem = peer.key_pem();

    // An MSP-looking folder with a valid CA, a huge "certificate", a dangling link and a key.
    write(
        &root.join("msp/cacerts/ca.org1.example.com-cert.pem"),
        ca.pem(),
    );
    std::os::unix::fs::symlink(
        root.join("no-such-file.pem"),
        root.join("msp/cacerts/gone.pem"),
    )
    .expect("dangling symlink");
    write(
        &root.join("msp/signcerts/big.pem"),
        noise(BIG_FILE_BYTES, 1),
    );
    write(&root.join("msp/keystore/priv_sk"), &key_pem);
    // A symlink loop: a/loop leads back to the root.
    std::fs::create_dir_all(root.join("a")).expect("a/");
    std::os::unix::fs::symlink("..", root.join("a/loop")).expect("symlink loop");
    // Broken files.
    let pem = peer.pem();
    let truncated: Vec<&str> = pem.lines().take(3).collect();
    write(
        &root.join("junk/truncated.pem"),
        truncated.join("\n") + "\n",
    );
    write(
        &root.join("junk/signcerts/pubkey.pem"),
        pem_block("PUBLIC KEY", &peer.key.subject_public_key_info()),
    );
    write(&root.join("junk/empty.pem"), "");
    let mut random = noise(4096, 7);
    random[0] = 0x04; // not an ASN.1 SEQUENCE, so the reason is stable
    write(&root.join("junk/x.der"), random);
    // Two Secrets: one with malformed base64, one holding the peer's TLS pair as base64 PEM.
    write(&root.join("k8s/secrets.yaml"), secret_yaml(&pem, &key_pem));

    let dir = root.display().to_string();
    let out = run_with_deadline(&["check", "--artifacts", &dir, "-o", "json"]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e})\nstdout: {}\nstderr: {}",
            out.stdout, out.stderr
        )
    });
    let findings = report["findings"].as_array().expect("findings array");
    let all = findings
        .iter()
        .map(describe)
        .collect::<Vec<_>>()
        .join("\n  ");

    let expected_errors = [
        ("msp/signcerts/big.pem", None, "larger than"),
        ("a/loop", None, "symlink loop"),
        ("msp/cacerts/gone.pem", None, "failed to read"),
        ("junk/truncated.pem", None, "truncated PEM block"),
        ("junk/signcerts/pubkey.pem", None, "PUBLIC KEY"),
        ("junk/empty.pem", None, "file is empty"),
        ("junk/x.der", None, "neither PEM nor DER"),
        (
            "k8s/secrets.yaml",
            Some("Secret fabric/peer0-tls-broken, data[tls.crt]"),
            "malformed base64",
        ),
    ];
    for (file, locator, reason) in expected_errors {
        let path = root.join(file).display().to_string();
        assert!(
            findings.iter().any(|f| f["check_id"] == "X509-009"
                && f["status"] == "error"
                && f["target"]["name"] == path.as_str()
                && locator.is_none_or(|l| f["target"]["locator"]
                    .as_str()
                    .is_some_and(|s| s.contains(l)))
                && f["message"].as_str().is_some_and(|m| m.contains(reason))),
            "no X509-009 error for {file} mentioning {reason:?}; got\n  {all}"
        );
    }

    // The good Secret was still read: its certificate is judged, and its key pairs with it.
    let secrets = root.join("k8s/secrets.yaml").display().to_string();
    let in_good_secret = |f: &&Value| {
        f["target"]["name"] == secrets.as_str()
            && f["target"]["locator"].as_str().is_some_and(|l| {
                l.contains("Secret fabric/peer0-tls,") && l.contains("data[tls.crt]")
            })
    };
    assert!(
        findings
            .iter()
            .filter(in_good_secret)
            .any(|f| f["check_id"] == "X509-002" && f["status"] == "pass"),
        "the certificate in Secret fabric/peer0-tls was not found; got\n  {all}"
    );
    assert!(
        findings
            .iter()
            .filter(in_good_secret)
            .any(|f| f["check_id"] == "X509-007" && f["status"] == "pass"),
        "the Secret's tls.key was not paired with its tls.crt; got\n  {all}"
    );

    assert_eq!(out.code, 1, "errors gate the run; got\n  {all}");

    // No private key material anywhere in the output.
    let secret_value = STANDARD.encode(&key_pem);
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains("PRIVATE KEY-----"));
        assert!(!text.contains(&secret_value[..64]));
        for line in body_lines(&key_pem) {
            assert!(!text.contains(line), "key material in output: {line}");
        }
    }
}

#[test]
fn body_lines_are_what_the_leak_check_looks_for() {
    // Guards the leak assertion above against vacuity: the key's body lines are non-empty and
    // would be found if the key were printed.
    let ca = Cert::self_signed(
        Spec::new("o", "ca", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z").ca(),
    );
    let key_pem = ca.key_pem();
    let lines = body_lines(&key_pem);
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| key_pem.contains(l) && l.len() >= 4));
    assert!(!lines.iter().any(|l| l.contains("PRIVATE KEY")));
}

#[test]
fn a_secret_after_another_kind_of_document_is_still_read() {
    let tmp = tempfile::TempDir::new().expect("temp dir");
    let ca = Cert::self_signed(
        Spec::new(
            "org1.example.com",
            "ca.org1.example.com",
            "2020-01-01T00:00:00Z",
            "2099-01-01T00:00:00Z",
        )
        .ca(),
    );
    let yaml = format!(
        "apiVersion: example.com/v1\nkind: FabricPeer\nmetadata:\n  name: peer0\n\
         data:\n  nested:\n    a: b\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata:\n  name: ca\n  namespace: fabric\n\
         data:\n  ca.crt: {}\n",
        STANDARD.encode(ca.pem())
    );
    write(&tmp.path().join("manifests.yaml"), yaml);
    let dir = tmp.path().display().to_string();
    let out = run_with_deadline(&["check", "--artifacts", &dir, "-o", "json"]);
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON report");
    let findings = report["findings"].as_array().expect("findings array");
    assert!(
        findings.iter().any(|f| f["check_id"] == "X509-002"
            && f["target"]["locator"]
                .as_str()
                .is_some_and(|l| l.contains("Secret fabric/ca"))),
        "the certificate in Secret fabric/ca was not read; got\n  {}",
        findings
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

/// Issue 13, class 14: a FIFO, a link to it and a socket among the artifacts are never opened
/// (opening a FIFO for reading blocks until a writer comes) and are listed in the report as not
/// read, with what they are.
#[test]
fn fifos_and_sockets_are_listed_as_not_read_and_never_block() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let fifo = root.join("msp/signcerts/cert.pem");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    std::os::unix::fs::symlink(&fifo, root.join("linked.pem")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(root.join("docker.sock")).unwrap();
    let ca = Cert::self_signed(
        Spec::new("o", "ca", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z").ca(),
    );
    write(&root.join("msp/cacerts/ca.pem"), ca.pem());
    let out = run_with_deadline(&["check", "--artifacts", root.to_str().unwrap(), "-o", "json"]);
    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", out.stderr));
    let not_read: Vec<&str> = report["not_read"]
        .as_array()
        .expect("not_read listed")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(not_read.len(), 3, "{not_read:?}");
    assert!(
        not_read
            .iter()
            .any(|n| n.contains("signcerts/cert.pem: a FIFO")),
        "{not_read:?}"
    );
    assert!(
        not_read.iter().any(|n| n.contains("linked.pem: a FIFO")),
        "{not_read:?}"
    );
    assert!(
        not_read.iter().any(|n| n.contains("docker.sock: a socket")),
        "{not_read:?}"
    );
    // The regular files beside them were read.
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check_id"] == "X509-002"
                && f["target"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .ends_with("cacerts/ca.pem")),
        "{}",
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join("\n")
    );
}
