//! Fabric connection profiles (`peers:`/`orderers:` with `grpcs://` urls and `tlsCACerts` as
//! `pem` or `path`), YAML or JSON, as `check --artifacts … --dial` reads them to find endpoints
//! to dial. The first byte picks YAML or JSON. Invariants: no panic; every endpoint comes from
//! a `grpcs://` url.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("fabcheck-fuzz-profile-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("profiles")).expect("a scratch folder");
        dir
    })
}

fuzz_target!(|input: &[u8]| {
    let Some((&which, data)) = input.split_first() else {
        return;
    };
    let root = dir();
    let name = if which % 2 == 0 {
        "connection-org1.yaml"
    } else {
        "connection-org1.json"
    };
    let file = root.join("profiles").join(name);
    std::fs::write(&file, data).expect("write");
    let endpoints = fabcheck::inventory::endpoints::from_connection_profiles(root, &[file]);
    for e in &endpoints {
        let text = String::from_utf8_lossy(data);
        assert!(text.contains("grpcs://"), "{e:?}");
    }
});
