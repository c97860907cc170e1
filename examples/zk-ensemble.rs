//! Starts a real ZooKeeper ensemble (Debian's `zookeeper` package) on 127.0.0.1 for the
//! benchmarks and for trying fabcheck by hand, reusing the integration tests' harness.
//!
//! Usage: `zk-ensemble [SERVERS] [WHITELIST]` (defaults 3 and `*`). Prints the endpoints as
//! `--zookeeper` takes them on one line once the ensemble has a leader and synced followers,
//! then reads commands from stdin: `stop I` kills server I (0-based). At end of input every
//! server is stopped; the harness's watchdog also stops them if this process is killed.

#[path = "../tests/support/zk_ensemble.rs"]
mod zk_ensemble;

use std::io::{BufRead, Write};

fn main() {
    let mut args = std::env::args().skip(1);
    let servers = args
        .next()
        .map(|n| n.parse().expect("SERVERS: a positive number"))
        .unwrap_or(3);
    let whitelist = args.next().unwrap_or_else(|| "*".into());
    let mut ensemble =
        zk_ensemble::Ensemble::start_with(servers, zk_ensemble::Options { whitelist });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", ensemble.endpoint_list()).expect("stdout");
    out.flush().expect("stdout");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["stop", i] => match i.parse::<usize>() {
                Ok(i) if i < ensemble.len() => ensemble.stop(i),
                _ => eprintln!("zk-ensemble: no server {i} (0..{})", ensemble.len()),
            },
            [] => {}
            _ => eprintln!("zk-ensemble: unknown command {line:?} (try `stop 0`)"),
        }
    }
}
