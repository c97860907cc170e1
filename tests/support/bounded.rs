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

/// Runs `cmd` (stdin closed) to the end within `limit` without panicking: its output, or why
/// there is none. The output goes through anonymous temporary files, not pipes, which could
/// fill up while the command is polled or be held open by a daemon it leaves behind; a command
/// that outlives `limit` is killed.
pub fn try_run_bounded(mut cmd: Command, limit: Duration) -> Result<Output, String> {
    use std::io::{Read, Seek};
    let file = || tempfile::tempfile().map_err(|e| format!("no temporary file: {e}"));
    let (mut out, mut err) = (file()?, file()?);
    let clone = |f: &std::fs::File| f.try_clone().map_err(|e| e.to_string());
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(clone(&out)?)
        .stderr(clone(&err)?)
        .spawn()
        .map_err(|e| format!("cannot run: {e}"))?;
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |f: &mut std::fs::File| {
        let mut buf = Vec::new();
        let _ = f.rewind().and_then(|()| f.read_to_end(&mut buf));
        buf
    };
    Ok(Output {
        status,
        stdout: read(&mut out),
        stderr: read(&mut err),
    })
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
