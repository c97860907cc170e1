//! A real ZooKeeper ensemble for tests: N servers of Debian's `zookeeper` package (3.8) on
//! 127.0.0.1, each with its own free ports, data directory and `myid`.
//!
//! Every server runs under a small bash watchdog in its own process group: stopping a node
//! kills the group (watchdog and JVM together), and the watchdog kills the JVM if the test
//! process dies without running destructors (SIGKILL, a harness timeout), so no server
//! outlives its test. `Drop` stops every node, also while a test panics.

#![allow(dead_code)]

// Each support module stands alone, so a test using several loads this one several times.
#[allow(clippy::duplicate_mod)]
#[path = "watched.rs"]
mod watched;

use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

/// How long an ensemble may take to elect a leader and sync every follower. A JVM starts in
/// about a second; a loaded 2-core CI machine is several times slower.
pub const READY_WITHIN: Duration = Duration::from_secs(60);

/// Where Debian puts the server jar; its manifest's Class-Path names every dependency.
const JARS: &[&str] = &[
    "/usr/share/java/zookeeper.jar",
    "/usr/share/zookeeper/zookeeper.jar",
];

/// An SLF4J binding, when installed, so each node's log explains a failed start.
const LOG_BINDING: &str = "/usr/share/java/slf4j-simple.jar";

/// Settings for one ensemble.
#[derive(Debug, Clone)]
pub struct Options {
    /// `4lw.commands.whitelist`: `*`, or a comma-separated list such as `ruok`.
    pub whitelist: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            whitelist: "*".into(),
        }
    }
}

/// A running ensemble; dropping it stops every server and deletes their data.
pub struct Ensemble {
    dir: tempfile::TempDir,
    nodes: Vec<Node>,
}

struct Node {
    id: u32,
    client_port: u16,
    log: PathBuf,
    process: Option<Child>,
}

impl Ensemble {
    /// Starts `n` servers with every four-letter word allowed and waits for a leader with
    /// every follower in sync.
    pub fn start(n: usize) -> Ensemble {
        Ensemble::start_with(n, Options::default())
    }

    pub fn start_with(n: usize, options: Options) -> Ensemble {
        assert!(n >= 1, "an ensemble needs a server");
        let java = classpath();
        let dir = tempfile::Builder::new()
            .prefix("fabcheck-zk-")
            .tempdir()
            .expect("temp dir for the ensemble");
        // Three ports per server: client, quorum, leader election. Held until all are
        // chosen so the kernel cannot hand the same port out twice.
        let ports = free_ports(3 * n);
        let servers: String = (0..n)
            .map(|i| {
                format!(
                    "server.{}=127.0.0.1:{}:{}\n",
                    i + 1,
                    ports[3 * i + 1],
                    ports[3 * i + 2]
                )
            })
            .collect();
        let mut ensemble = Ensemble {
            dir,
            nodes: Vec::new(),
        };
        for i in 0..n {
            let id = i as u32 + 1;
            let data = ensemble.dir.path().join(format!("node{id}"));
            fs::create_dir_all(&data).expect("data dir");
            fs::write(data.join("myid"), format!("{id}\n")).expect("myid");
            let cfg = data.join("zoo.cfg");
            // Short ticks so an election and the followers' sync take about a second; a
            // single server gets no server list and runs standalone.
            let config = format!(
                "tickTime=250\ninitLimit=20\nsyncLimit=10\ndataDir={}\nclientPort={}\n\
                 clientPortAddress=127.0.0.1\n4lw.commands.whitelist={}\n\
                 admin.enableServer=false\nmaxClientCnxns=0\n{}",
                data.display(),
                ports[3 * i],
                options.whitelist,
                if n > 1 { servers.as_str() } else { "" }
            );
            fs::write(&cfg, config).expect("zoo.cfg");
            let log = data.join("server.log");
            let process = spawn(&java, &cfg, &log);
            ensemble.nodes.push(Node {
                id,
                client_port: ports[3 * i],
                log,
                process: Some(process),
            });
        }
        ensemble.wait_ready(READY_WITHIN);
        ensemble
    }

    /// `127.0.0.1:PORT` of every server, running or not, in id order.
    pub fn endpoints(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.client_port))
            .collect()
    }

    /// The endpoints as `--zookeeper` takes them.
    pub fn endpoint_list(&self) -> String {
        self.endpoints().join(",")
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Kills server `i` (0-based), as a crash would.
    pub fn stop(&mut self, i: usize) {
        if let Some(child) = self.nodes[i].process.take() {
            watched::kill_group(child);
        }
    }

    pub fn is_running(&self, i: usize) -> bool {
        self.nodes[i].process.is_some()
    }

    /// `Mode:` of server `i` from `srvr`, or `None` when it gives none (down, not serving).
    pub fn mode(&self, i: usize) -> Option<String> {
        let answer = four_letter(self.nodes[i].client_port, "srvr")?;
        answer
            .lines()
            .find_map(|l| l.strip_prefix("Mode:"))
            .map(|m| m.trim().to_owned())
    }

    /// Index of the running server that leads, if one does.
    pub fn leader(&self) -> Option<usize> {
        (0..self.len()).find(|&i| self.is_running(i) && self.mode(i).as_deref() == Some("leader"))
    }

    /// Indexes of the running servers that follow.
    pub fn followers(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.is_running(i) && self.mode(i).as_deref() == Some("follower"))
            .collect()
    }

    /// Waits until one running server leads and every other running one follows (or the
    /// only server runs standalone); panics with the servers' logs after `limit`.
    pub fn wait_ready(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            self.check_alive();
            let running: Vec<usize> = (0..self.len()).filter(|&i| self.is_running(i)).collect();
            let modes: Vec<Option<String>> = running.iter().map(|&i| self.mode(i)).collect();
            let leaders = modes
                .iter()
                .filter(|m| m.as_deref() == Some("leader"))
                .count();
            let followers = modes
                .iter()
                .filter(|m| m.as_deref() == Some("follower"))
                .count();
            let standalone = running.len() == 1 && modes[0].as_deref() == Some("standalone");
            if standalone || (leaders == 1 && leaders + followers == running.len()) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "the ZooKeeper ensemble did not form within {limit:?} (modes {modes:?})\n{}",
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Panics with the log when a server that should run has exited.
    fn check_alive(&mut self) {
        for node in &mut self.nodes {
            let Some(child) = &mut node.process else {
                continue;
            };
            if let Ok(Some(status)) = child.try_wait() {
                let log = tail(&node.log);
                node.process = None;
                panic!(
                    "ZooKeeper server {} exited early ({status}); log tail:\n{log}",
                    node.id
                );
            }
        }
    }

    /// The last lines of every server's log, for failure messages.
    pub fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("--- server {} ---\n{}", n.id, tail(&n.log)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Ensemble {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.stop(i);
        }
    }
}

/// The Java class path of the server: Debian's jar (its manifest lists the dependencies)
/// and, when installed, a logging binding.
fn classpath() -> String {
    let jar = JARS
        .iter()
        .find(|j| Path::new(j).exists())
        .unwrap_or_else(|| {
            panic!("ZooKeeper is not installed (none of {JARS:?}): apt-get install -y zookeeper")
        });
    if Path::new(LOG_BINDING).exists() {
        format!("{jar}:{LOG_BINDING}")
    } else {
        (*jar).to_owned()
    }
}

fn spawn(classpath: &str, cfg: &Path, log: &Path) -> Child {
    let mut args: Vec<String> = [
        // A small heap and the client compiler: startup time matters more than throughput.
        "-Xms32m",
        "-Xmx192m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-XX:-UsePerfData",
        "-Djava.net.preferIPv4Stack=true",
        "-Dorg.slf4j.simpleLogger.showDateTime=true",
        "-cp",
        classpath,
        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
    ]
    .map(str::to_owned)
    .to_vec();
    args.push(cfg.display().to_string());
    watched::spawn(
        "java (apt-get install -y zookeeper)",
        Path::new("java"),
        &args,
        log,
    )
}

/// `n` distinct free loopback ports.
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("local addr").port())
        .collect()
}

/// One four-letter word, answered to EOF; `None` when the server does not answer.
pub fn four_letter(port: u16, word: &str) -> Option<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(word.as_bytes()).ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    Some(answer)
}

fn tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
