//! DNS answers as fabcheck reads them: a wire-format response judged as glibc would act on it
//! (addresses through CNAMEs, NXDOMAIN, NODATA, SERVFAIL…), the in-cluster probe's log blocks,
//! `getent hosts` output from a probe container, and a `--dns-server` address. The first byte
//! picks which. Invariant: no panic.
#![no_main]

use fabcheck::inventory::dns::lookup::CandidateAnswer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&which, data)) = input.split_first() else {
        return;
    };
    match which % 4 {
        0 => {
            if let Some(CandidateAnswer::Addresses(a)) = fabcheck::fuzzing::dns_answer(data) {
                assert!(!a.is_empty());
            }
        }
        1 => {
            let _ = fabcheck::probe::dns_pod::parse_probe_log(&String::from_utf8_lossy(data));
        }
        2 => {
            let _ = fabcheck::probe::docker::parse_getent_hosts(&String::from_utf8_lossy(data));
        }
        _ => {
            if let Ok(addr) = fabcheck::probe::dns::parse_server(&String::from_utf8_lossy(data)) {
                assert_ne!(addr.port(), 0);
            }
        }
    }
});
