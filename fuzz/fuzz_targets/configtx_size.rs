//! configtx.yaml byte sizes (`AbsoluteMaxBytes: 99 MB`, `PreferredMaxBytes: 512 KB`, plain
//! numbers), parsed as Fabric's viperutil parses them. Invariants: no panic; a size read is at
//! most uint32's maximum and equals the digits shifted by the unit.
#![no_main]

use fabcheck::inventory::ordering::configtx::parse_byte_size;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    if let Ok(n) = parse_byte_size(&raw) {
        assert!(n <= u64::from(u32::MAX));
        let s = raw.trim();
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        let unit = s[digits.len()..].trim().to_ascii_lowercase();
        let shift = match unit.as_str() {
            "" => 0,
            "k" | "kb" => 10,
            "m" | "mb" => 20,
            _ => 30,
        };
        assert_eq!(
            u64::from(digits.parse::<u32>().expect("fits")) << shift,
            n,
            "{raw:?}"
        );
    }
});
