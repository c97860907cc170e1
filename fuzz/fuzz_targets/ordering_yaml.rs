//! One YAML configuration file as the artifacts gatherer parses it (forward anchors, duplicate
//! keys read as Compose v1 does) and reads it as compose, Kubernetes manifests or configtx.yaml
//! (byte sizes such as `AbsoluteMaxBytes: 99 MB`). The first byte picks the file name.
//! Invariant: no panic, no hang; every configtx byte size that was read fits Fabric's uint32.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 3] = [
    "/nonexistent/fabcheck-fuzz/configtx.yaml",
    "/nonexistent/fabcheck-fuzz/docker-compose.yaml",
    "/nonexistent/fabcheck-fuzz/k8s/orderer.yaml",
];

fuzz_target!(|input: &[u8]| {
    let Some((&which, data)) = input.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(data) else {
        return; // not text: the gatherer does not read it as configuration
    };
    let path = Path::new(PATHS[usize::from(which) % PATHS.len()]);
    let config = fabcheck::fuzzing::ordering_yaml(path, text.to_owned());
    for profile in &config.profiles {
        for size in [&profile.absolute_max_bytes, &profile.preferred_max_bytes]
            .into_iter()
            .flatten()
        {
            if let Ok(n) = size {
                assert!(*n <= u64::from(u32::MAX));
            }
        }
    }
});
