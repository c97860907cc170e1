//! ZooKeeper four-letter-word answers (`ruok`, `srvr`, `mntr`, `conf`) as the probe turns the
//! bytes of four connections into a node's state. Input: the four answers split at NUL bytes;
//! a missing one is a connection that failed. Invariants: no panic; a node that answered
//! nothing is an error, one that answered anything is a state.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == 0);
    let raw: [Option<&[u8]>; 4] = std::array::from_fn(|_| parts.next());
    let answered = raw.iter().flatten().any(|a| !a.is_empty());
    let result = fabcheck::fuzzing::zookeeper_answers(raw);
    assert_eq!(result.is_ok(), answered, "{result:?}");
});
