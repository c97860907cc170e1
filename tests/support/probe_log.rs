//! Reading a running DNS probe script's output (`fabcheck render dns-probe`) up to its `end`
//! line: the script then idles as a DaemonSet pod does, so its stdout never closes by itself.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::ChildStdout;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The probe's output up to and including its `end` line, and whether that line came within
/// `limit`.
pub fn read_until_end(stdout: ChildStdout, limit: Duration) -> (String, bool) {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let done = line.ends_with(" v1 end");
            if send.send(line).is_err() || done {
                break;
            }
        }
    });
    let mut log = String::new();
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match receive.recv_timeout(left) {
            Ok(line) => {
                log.push_str(&line);
                log.push('\n');
                if line.ends_with(" v1 end") {
                    return (log, true);
                }
            }
            Err(_) => return (log, false),
        }
    }
}
