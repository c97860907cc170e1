//! An MSP `config.yaml` (NodeOUs, OrganizationalUnitIdentifiers). Invariant: no panic, and a
//! file that does not parse says so instead of reading as "NodeOUs disabled".
#![no_main]

use fabcheck::inventory::Origin;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let config = fabcheck::inventory::msp::parse_config(&text, Origin::file("msp/config.yaml"));
    if config.error.is_some() {
        assert!(!config.node_ous_enabled && !config.admin_ou && config.ou_identifiers.is_empty());
    }
});
