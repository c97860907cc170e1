//! Servers the tests start (dnsmasq, ZooKeeper) run under a small bash watchdog in their own
//! process group: stopping one kills the group (watchdog, server and any children it forked),
//! and the watchdog kills the server if the test process dies without running destructors
//! (SIGKILL, a harness timeout), so no server outlives its test.

#![allow(dead_code)]

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Runs `$@` and kills it when the test process (`$1`) goes away.
const WATCHDOG: &str = r#"parent=$1; shift
"$@" &
child=$!
trap 'kill -KILL "$child" 2>/dev/null; exit 0' TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
kill -KILL "$child" 2>/dev/null
wait "$child" 2>/dev/null"#;

/// Starts `program args…` under the watchdog in a new process group, stdout and stderr to
/// `log`. `what` names the server in the panic message when it cannot start.
pub fn spawn(what: &str, program: &Path, args: &[String], log: &Path) -> Child {
    let out = fs::File::create(log).expect("server log");
    let err = out.try_clone().expect("server log");
    command(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("failed to start {what} under bash: {e}"))
}

/// `program` under the watchdog, in a new process group; the caller adds the arguments, the
/// environment and the output.
pub fn command(program: &Path) -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(WATCHDOG)
        .arg("watchdog")
        .arg(std::process::id().to_string())
        .arg(program)
        .process_group(0);
    cmd
}

/// Kills the whole process group of `child` and reaps it.
pub fn kill_group(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}
