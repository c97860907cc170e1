//! Fabric log lines matched against the known signatures (LOG-00x), with their timestamps,
//! remote addresses and names read, as pod logs or saved log files are scanned. Invariants: no
//! panic; the example and excerpt a finding quotes never carry the body of a PEM private key
//! that is on the line (a run of 40 base64 characters and more, anywhere on the line).
#![no_main]

use fabcheck::inventory::logs;
use libfuzzer_sys::fuzz_target;

/// The base64 body (40 characters and more) right after each `-----BEGIN … PRIVATE KEY-----`
/// header on `line`.
fn key_bodies(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("-----BEGIN ") {
        let after = &rest[i + 11..];
        let label_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c == ' '))
            .unwrap_or(after.len());
        let label = &after[..label_len];
        if label.ends_with("PRIVATE KEY")
            && let Some(body) = after[label_len..].strip_prefix("-----")
        {
            let body =
                body.trim_start_matches(|c: char| c.is_whitespace() || c == '\\' || c == 'n');
            let len = body
                .find(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c)))
                .unwrap_or(body.len());
            // The length from which `redact_private_keys` treats a base64 run as key
            // material wherever it is on the line.
            if len >= 40 {
                out.push(&body[..len]);
            }
        }
        rest = &after[label_len..];
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let _ = logs::binary_reason(data);
    let text = String::from_utf8_lossy(data).into_owned();
    for line in text.split('\n') {
        let clean = logs::strip_ansi(line);
        let _ = logs::parse_time(&clean).map(|t| (t.millis(), t.iso(), t.human()));
        let _ = logs::failed_lookups(&clean);
        let _ = logs::remote_addr(&clean).map(logs::host_of);
        let redacted = logs::redact_private_keys(&clean);
        for body in key_bodies(&clean) {
            assert!(
                !redacted.contains(body),
                "key body {body:?} survives in {redacted:?}"
            );
        }
        for m in logs::match_line(&clean) {
            let excerpt = logs::excerpt(&clean, &m.anchor);
            let example = logs::example(&clean);
            for body in key_bodies(&clean) {
                assert!(!excerpt.contains(body) && !example.contains(body));
            }
        }
    }
    let inventory = logs::from_texts(vec![("fabric/peer0-org1/peer".to_owned(), text)]);
    let _ = inventory.lines();
});
