//! The frames a Job prints to its log to hand files back (`fabcheck-file NAME SIZE SHA256`,
//! base64, `fabcheck-end NAME`), read out of an arbitrary log. Invariants: no panic; every
//! file read has the size and digest announced, and framing the files read again reads back
//! the same files.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let log = String::from_utf8_lossy(data);
    let Ok(files) = fabcheck::deploy::handback::parse(&log) else {
        return;
    };
    let mut framed = String::new();
    for (name, bytes) in &files {
        let digest: String = ring::digest::digest(&ring::digest::SHA256, bytes)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        framed.push_str(&format!("fabcheck-file {name} {} {digest}\n", bytes.len()));
        let encoded = STANDARD.encode(bytes);
        for chunk in encoded.as_bytes().chunks(76) {
            framed.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
            framed.push('\n');
        }
        framed.push_str(&format!("fabcheck-end {name}\n"));
    }
    let again = fabcheck::deploy::handback::parse(&framed).expect("framed files read back");
    assert_eq!(again, files);
});
