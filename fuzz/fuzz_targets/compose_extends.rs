//! docker-compose files with `extends` across files and `${VAR}` substitution from `.env`, as
//! `check --artifacts` gathers a folder holding them. The input is up to three files split at
//! NUL bytes: `docker-compose.yaml`, `base.yaml` (what it may extend) and `.env`.
//! Invariant: no panic, no hang (an `extends` cycle ends), and every service is accounted for.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// One folder per process, rewritten for every input (tmpfs where there is one).
fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("fabcheck-fuzz-compose-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let compose = parts.next().unwrap_or_default();
    let base = parts.next().unwrap_or_default();
    let env = parts.next().unwrap_or_default();
    let dir = dir();
    let files = [dir.join("docker-compose.yaml"), dir.join("base.yaml")];
    std::fs::write(&files[0], compose).expect("write");
    std::fs::write(&files[1], base).expect("write");
    std::fs::write(dir.join(".env"), env).expect("write");
    let (config, _docs) = fabcheck::inventory::ordering::gather_with_docs(&files);
    // The dial list built from the services (published ports, TLS roots through mounts).
    let _ = fabcheck::inventory::endpoints::from_compose(&config);
    for w in &config.workloads {
        assert!(
            !w.hostnames.is_empty(),
            "a service has at least its own name"
        );
    }
});
