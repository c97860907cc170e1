//! Where a chaincode container's resolver settings come from: `/etc/default/docker`
//! `DOCKER_OPTS`, a systemd unit or drop-in running `dockerd`, `daemon.json`, a node's
//! `resolv.conf`, kubelet flags, `connection.json`, templates. The first byte picks the file
//! name, the rest is its text. Invariants: no panic; a resolver never has more than glibc's
//! three nameservers or ndots above 15, and every lookup asks at least one candidate name.
#![no_main]

use fabcheck::inventory::dns::ResolverConfig;
use fabcheck::inventory::dns::candidates::candidates;
use fabcheck::inventory::dns::resolver::{MAX_NAMESERVERS, MAX_NDOTS};
use fabcheck::inventory::dns::sources::{FileSources, read_text};
use libfuzzer_sys::fuzz_target;

/// (file name, extension) as the gatherer sees them.
const FILES: [(&str, &str); 9] = [
    ("docker", ""),
    ("daemon.json", "json"),
    ("resolv.conf", "conf"),
    ("docker.service", "service"),
    ("override.conf", "conf"),
    ("connection.json", "json"),
    ("kubelet.env", "env"),
    ("install-docker.sh", "sh"),
    ("docker-defaults.j2", "j2"),
];

fn check(config: &ResolverConfig) {
    assert!(config.nameservers.len() <= MAX_NAMESERVERS);
    assert!(config.ndots <= MAX_NDOTS);
    for name in ["peer0.org1", "peer0.org1.example.com", "orderer."] {
        let asked = candidates(name, config);
        assert!(!asked.is_empty() && asked.len() <= config.search.len() + 1);
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&which, data)) = input.split_first() else {
        return;
    };
    let (name, ext) = FILES[usize::from(which) % FILES.len()];
    let text = String::from_utf8_lossy(data).into_owned();
    check(&ResolverConfig::from_resolv_conf(&text));
    let mut out = FileSources::default();
    read_text(name, ext, &format!("node1/{name}"), text, &mut out);
    for daemon in &out.daemons {
        if let Ok(d) = &daemon.config {
            check(&d.resolver());
        }
    }
    if let Some((_, config)) = &out.node_resolv {
        check(config);
    }
});
