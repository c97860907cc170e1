//! Runs Debian's `openssl` command for what rcgen cannot make (RSA and SHA-1 signatures, CRLs
//! from `openssl ca`, servers with weak protocols): shared by the TLS policy tests and the
//! fixture generator, each including this file by path.

use std::path::Path;
use std::process::Command;

/// Runs `openssl ARGS` in `dir`; panics with its output on failure (a test or generator bug).
pub fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("failed to run openssl {args:?}: {e}"));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
