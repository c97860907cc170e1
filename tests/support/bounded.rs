//! Running fabcheck (or any command) from a test with an upper bound: the child runs in its
//! own process group, and a watchdog kills the group when the bound passes, so a hang fails
//! the test instead of stalling the suite.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd` (stdin closed, stdout and stderr captured), killing it if it outlives `limit`;
/// panics when it had to.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> Output {
    use std::os::unix::process::CommandExt;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("start the command");
    let pid = child.id();
    let watchdog = std::thread::spawn(move || {
        let start = Instant::now();
        while start.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(200));
            if !Path::new(&format!("/proc/{pid}")).exists() {
                return false;
            }
        }
        let _ = Command::new("kill")
            .args(["-KILL", &format!("-{pid}")])
            .status();
        true
    });
    let out = child.wait_with_output().expect("wait for the command");
    let killed = watchdog.join().unwrap_or(false);
    assert!(
        !killed || out.status.code().is_some(),
        "the command hung for {limit:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
