//! PEM/DER certificate and key material, as `check --artifacts` reads a file (or a Secret
//! value) at a path whose folders give it its role. Invariants: no panic, and no message
//! (a key's error, a problem's reason, where it was found) quotes private key material.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Where the blob is found: keystores and TLS keys are read as keys, the rest as certificates.
const PATHS: [&str; 6] = [
    "org1/peers/peer0.org1/msp/keystore/priv_sk",
    "org1/peers/peer0.org1/msp/signcerts/peer0.org1-cert.pem",
    "org1/msp/cacerts/ca.org1-cert.pem",
    "org1/peers/peer0.org1/tls/server.key",
    "org1/peers/peer0.org1/tls/ca.crt",
    "bundle.pem",
];

fuzz_target!(|input: &[u8]| {
    let Some((&which, data)) = input.split_first() else {
        return;
    };
    let path = PATHS[usize::from(which) % PATHS.len()];
    let (certs, keys, problems) = fabcheck::fuzzing::material(data, path);
    let secrets = key_material(data, path);
    let messages = keys
        .iter()
        .filter_map(|k| k.public_key.as_ref().err().cloned())
        .chain(keys.iter().map(|k| k.origin.to_string()))
        .chain(
            problems
                .iter()
                .map(|p| format!("{}: {}", p.origin, p.reason)),
        )
        .chain(certs.iter().map(|c| c.origin.to_string()));
    for message in messages {
        for secret in &secrets {
            assert!(
                !message.contains(secret.as_str()),
                "private key material {secret:?} in message {message:?}"
            );
        }
    }
});

/// Text that would reveal a private key if a message quoted it: the base64 lines of PEM
/// private key blocks, runs of 24 base64 characters and more on a line naming PRIVATE KEY (a
/// key pasted on one line), and for a binary key file the hex of its bytes (16 bytes and more).
fn key_material(data: &[u8], path: &str) -> Vec<String> {
    let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    let mut out = Vec::new();
    let text = String::from_utf8_lossy(data);
    let mut in_key = false;
    for line in text.lines() {
        let line = line.trim();
        if line.contains("PRIVATE KEY") {
            out.extend(
                line.split(|c: char| !base64(c))
                    .filter(|run| run.len() >= 24)
                    .map(str::to_owned),
            );
        }
        if line.starts_with("-----BEGIN ") {
            in_key = line.contains("PRIVATE KEY");
        } else if line.starts_with("-----END ") {
            in_key = false;
        } else if in_key && line.len() >= 16 && line.chars().all(base64) {
            out.push(line.to_owned());
        }
    }
    let binary = data.iter().any(|&b| b < 0x09);
    if binary && (path.contains("keystore") || path.ends_with(".key")) && data.len() >= 16 {
        for window in data.windows(16).step_by(16) {
            out.push(window.iter().map(|b| format!("{b:02x}")).collect());
        }
    }
    out
}
