//! What the Fabric stand-in image (examples/standin-node) adds so that `fabcheck deploy` can
//! run its genesis and channel Jobs on a real node where Fabric's images cannot be pulled. Not
//! Fabric: no block is signed, validated or gossiped, and no gRPC message of Fabric's is
//! spoken. What it keeps is the part the deploy and the live checks depend on:
//!
//! - **configtxgen's output** ([`configtxgen`]): the genesis block, channel creation and
//!   anchor-peer update transactions in Fabric's protobuf layout, made from the Job's
//!   configtx.yaml as configtxgen reads it, so the channel checks judge what would run; `peer
//!   channel create` and `update` decode the transactions they are given;
//!
//! - a **ledger** per node ([`Ledger`]) on the operations port: an orderer keeps each channel's
//!   height and the config updates applied to it; a peer keeps the channels it has joined and,
//!   like a peer's deliver client, pulls each channel's height from the orderer named in the
//!   block it joined with — so every joined peer's `ledger_blockchain_height` follows the
//!   orderer, and HEALTH-003/004 read real numbers across the pod network; kept in the node's
//!   ledger folder, it survives a pod restart as a node's ledger on its volume does;
//! - fabric-ca's **`/cainfo`** ([`CaInfo`]) for the CA Deployment's readiness probe;
//! - the **tools** the Jobs call ([`configtxgen`], [`peer`]) with Fabric's command lines and the
//!   failures a wrong mount or address gives Fabric's: a missing configtx.yaml or profile, MSP
//!   folder, TLS root file or chaincode source, an orderer or peer that cannot be reached, a
//!   channel created twice (`BAD_REQUEST`), a peer joined twice (`LedgerID already exists`), an
//!   anchor peer update applied twice (the ReadSet version message the channel Job's script
//!   looks for), a chaincode instantiated where it is not installed;
//! - the **test chaincode** (`put KEY VALUE`, `get KEY`) as the channel's state: an invoke is
//!   a block on the orderer, and a peer answers a query from what it has pulled — so "the
//!   test transaction has committed on peer1" means that peer has the block. A peer with a
//!   Docker endpoint launches the chaincode on its first endorsement for it, as Fabric's does,
//!   and the endorsement waits for the chaincode to register (crate::standin_chaincode).
//!
//! The stand-in's own routes live under `/standin/`; the operations port is plain HTTP in the
//! reference network (`operations.tls.enabled` is off), so the tools reach it as
//! `host:8443` (orderer) and `host:9443` (peer) beside the gRPC address they are given
//! (`STANDIN_OPERATIONS=GRPC=OPS,…` maps addresses otherwise, for tests on free ports).

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::tls_servers::ExtraRoutes;

/// Fabric's operations ports: orderer.yaml `Operations.ListenAddress` :8443, core.yaml
/// `operations.listenAddress` :9443 (the reference network's manifests use both).
pub const ORDERER_OPERATIONS_PORT: u16 = 8443;
pub const PEER_OPERATIONS_PORT: u16 = 9443;

/// How often a peer asks the orderer for a joined channel's height.
const PULL_EVERY: Duration = Duration::from_millis(500);
/// Bound on each of connect, write and read of one stand-in HTTP exchange.
const HTTP_WITHIN: Duration = Duration::from_secs(5);

/// Which node's ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Orderer,
    Peer,
}

/// One node's stand-in ledger (see the module docs).
pub struct Ledger {
    role: Role,
    state: Arc<Mutex<State>>,
    /// A peer's Docker-launched chaincode (crate::standin_chaincode), when it has a Docker
    /// endpoint.
    launcher: Option<Arc<crate::standin_chaincode::Launcher>>,
}

/// One channel as the orderer orders it and a peer commits it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Channel {
    height: u64,
    /// MSP ids whose anchor peer update was applied.
    anchors: BTreeSet<String>,
    /// Instantiated chaincode name → version.
    chaincodes: BTreeMap<String, String>,
    /// The test chaincode's world state (`put`/`get`).
    state: BTreeMap<String, String>,
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct State {
    channels: BTreeMap<String, Channel>,
    /// Peer: channel → the orderer operations address it pulls from.
    orderers: BTreeMap<String, String>,
    /// Peer: installed chaincode `(name, version, path)`.
    installed: BTreeSet<(String, String, String)>,
    /// Where the state is kept across restarts (the node's ledger volume), if anywhere.
    #[serde(skip)]
    file: Option<PathBuf>,
}

impl State {
    /// Writes the state to its file, as a node's ledger survives a restart on its volume.
    fn save(&self) {
        if let Some(file) = &self.file
            && let Ok(text) = serde_json::to_string(self)
        {
            let _ = std::fs::write(file, text);
        }
    }
}

/// The state file's name in the ledger folder.
const STATE_FILE: &str = "fabcheck-standin-ledger.json";

/// `(status, body)` of a stand-in route.
type Answer = (u16, String);

impl Ledger {
    /// An empty ledger kept in memory only.
    pub fn new(role: Role) -> Ledger {
        Ledger {
            role,
            state: Arc::new(Mutex::new(State::default())),
            launcher: None,
        }
    }

    /// This peer launches Docker chaincode through `launcher` (see crate::standin_chaincode).
    pub fn with_launcher(
        mut self,
        launcher: Option<Arc<crate::standin_chaincode::Launcher>>,
    ) -> Ledger {
        self.launcher = launcher;
        self
    }

    /// The ledger kept in `dir` (the peer's `CORE_PEER_FILESYSTEMPATH`, the orderer's
    /// `ORDERER_FILELEDGER_LOCATION`): what was there before a restart is there after it, and
    /// a peer goes on pulling the channels it had joined.
    pub fn open(role: Role, dir: &Path) -> Ledger {
        let file = dir.join(STATE_FILE);
        let mut state: State = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        let _ = std::fs::create_dir_all(dir);
        state.file = Some(file);
        let pulls: Vec<(String, String)> = state
            .orderers
            .iter()
            .map(|(c, o)| (c.clone(), o.clone()))
            .collect();
        let ledger = Ledger {
            role,
            state: Arc::new(Mutex::new(state)),
            launcher: None,
        };
        if role == Role::Peer {
            for (channel, orderer) in pulls {
                ledger.pull(channel, orderer);
            }
        }
        ledger
    }

    /// Follows `channel` on the orderer at `orderer` (its operations address) for as long as
    /// the ledger lives, as a peer's deliver client follows the ordering service: a newer
    /// height brings the blocks' effects (chaincode definitions, world state) with it.
    fn pull(&self, channel: String, orderer: String) {
        let state = Arc::downgrade(&self.state);
        std::thread::spawn(move || {
            let path = format!("/standin/channels/{channel}");
            while let Some(state) = state.upgrade() {
                if let Ok((200, body)) = http(&orderer, "GET", &path)
                    && let Ok(ordered) = serde_json::from_str::<Channel>(&body)
                {
                    let mut state = state.lock().expect("ledger lock");
                    let mine = state.channels.entry(channel.clone()).or_default();
                    if ordered.height > mine.height {
                        *mine = ordered;
                        state.save();
                    }
                }
                drop(state);
                std::thread::sleep(PULL_EVERY);
            }
        });
    }

    /// The orderer's routes under `/standin/channels/CHANNEL[/ACTION]`.
    fn orderer(&self, method: &str, path: &str, query: &str) -> Option<Answer> {
        let rest = path.strip_prefix("/standin/channels/")?;
        let (name, action) = rest.split_once('/').unwrap_or((rest, ""));
        let mut state = self.state.lock().expect("ledger lock");
        let exists = state.channels.contains_key(name);
        let answer = match (method, action) {
            ("GET", "") => match state.channels.get(name) {
                Some(c) => (200, serde_json::to_string(c).unwrap_or_default()),
                None => (404, "NOT_FOUND".into()),
            },
            ("POST", "create") if exists => (
                409,
                format!(
                    "BAD_REQUEST -- error applying config update to existing channel '{name}': error authorizing update: error validating ReadSet: proposed update requires that key [Group]  /Channel/Application be at version 0, but it is currently at version 1"
                ),
            ),
            ("POST", "create") => {
                state.channels.insert(
                    name.to_owned(),
                    Channel {
                        height: 1,
                        ..Channel::default()
                    },
                );
                state.save();
                return Some((201, "1".into()));
            }
            (_, _) if !exists => (404, format!("NOT_FOUND -- channel {name} does not exist")),
            ("POST", "update") => {
                let org = param(query, "org").unwrap_or_default();
                let channel = state.channels.get_mut(name)?;
                if !channel.anchors.insert(org.clone()) {
                    return Some((
                        409,
                        format!(
                            "BAD_REQUEST -- error applying config update to existing channel '{name}': error authorizing update: error validating ReadSet: proposed update requires that key [Group]  /Channel/Application/{org} be at version 0, but it is currently at version 1"
                        ),
                    ));
                }
                Self::ordered(&mut state, name)
            }
            ("POST", "instantiate") => {
                let (Some(cc), Some(version)) = (param(query, "name"), param(query, "version"))
                else {
                    return Some((400, "instantiate needs ?name=&version=".into()));
                };
                let channel = state.channels.get_mut(name)?;
                if channel.chaincodes.contains_key(&cc) {
                    return Some((500, format!("chaincode with name '{cc}' already exists")));
                }
                channel.chaincodes.insert(cc, version);
                Self::ordered(&mut state, name)
            }
            ("POST", "put") => {
                let (Some(cc), Some(key), Some(value)) = (
                    param(query, "name"),
                    param(query, "key"),
                    param(query, "value"),
                ) else {
                    return Some((400, "put needs ?name=&key=&value=".into()));
                };
                let channel = state.channels.get_mut(name)?;
                if !channel.chaincodes.contains_key(&cc) {
                    return Some((
                        500,
                        format!(
                            "make sure the chaincode {cc} has been successfully defined on channel {name}"
                        ),
                    ));
                }
                channel.state.insert(key, value);
                Self::ordered(&mut state, name)
            }
            _ => (405, "method not allowed".into()),
        };
        Some(answer)
    }

    /// A block ordered on `name`: its height goes up by one.
    fn ordered(state: &mut State, name: &str) -> Answer {
        let Some(channel) = state.channels.get_mut(name) else {
            return (404, format!("NOT_FOUND -- channel {name} does not exist"));
        };
        channel.height += 1;
        let height = channel.height;
        state.save();
        (200, height.to_string())
    }

    /// The peer's routes: `/standin/channels[/CHANNEL[/join|/STATE-KEY…]]` and
    /// `/standin/chaincodes`.
    fn peer(&self, method: &str, path: &str, query: &str) -> Option<Answer> {
        let mut state = self.state.lock().expect("ledger lock");
        if path == "/standin/channels" && method == "GET" {
            let names: Vec<&str> = state.channels.keys().map(String::as_str).collect();
            return Some((200, names.join("\n")));
        }
        if path == "/standin/chaincodes" {
            return Some(match method {
                "GET" => {
                    let lines: Vec<String> = state
                        .installed
                        .iter()
                        .map(|(n, v, p)| format!("{n} {v} {p}"))
                        .collect();
                    (200, lines.join("\n"))
                }
                "POST" => {
                    let (Some(n), Some(v), Some(p)) = (
                        param(query, "name"),
                        param(query, "version"),
                        param(query, "path"),
                    ) else {
                        return Some((400, "install needs ?name=&version=&path=".into()));
                    };
                    if state.installed.iter().any(|(i, j, _)| *i == n && *j == v) {
                        return Some((500, format!("chaincode {n}:{v} already exists")));
                    }
                    state.installed.insert((n, v, p));
                    state.save();
                    (200, "installed".into())
                }
                _ => (405, "method not allowed".into()),
            });
        }
        let rest = path.strip_prefix("/standin/channels/")?;
        let (name, action) = rest.split_once('/').unwrap_or((rest, ""));
        if action == "join" {
            if method != "POST" {
                return Some((405, "method not allowed".into()));
            }
            let Some(orderer) = param(query, "orderer") else {
                return Some((400, "join needs ?orderer=HOST:PORT".into()));
            };
            if state.channels.contains_key(name) {
                return Some((
                    500,
                    "cannot create ledger from genesis block: LedgerID already exists".into(),
                ));
            }
            // Joining commits the channel's genesis block.
            state.channels.insert(
                name.to_owned(),
                Channel {
                    height: 1,
                    ..Channel::default()
                },
            );
            state.orderers.insert(name.to_owned(), orderer.clone());
            state.save();
            drop(state);
            self.pull(name.to_owned(), orderer);
            return Some((200, "joined".into()));
        }
        let Some(channel) = state.channels.get(name) else {
            return Some((404, format!("channel {name} not found")));
        };
        Some(match (method, action) {
            ("GET", "") => (200, serde_json::to_string(channel).unwrap_or_default()),
            _ => (405, "method not allowed".into()),
        })
    }
}

impl ExtraRoutes for Ledger {
    fn answer(&self, method: &str, path: &str, query: &str) -> Option<(u16, &'static str, String)> {
        let answer = match self.role {
            Role::Peer if path == "/standin/chaincodes/launch" => {
                match (
                    &self.launcher,
                    param(query, "name"),
                    param(query, "version"),
                ) {
                    (_, None, _) | (_, _, None) => {
                        Some((400, "launch needs ?name=&version=".into()))
                    }
                    // No Docker endpoint: chaincode runs nowhere, and nothing waits for it.
                    (None, Some(_), Some(_)) => {
                        Some((200, "not launched: no CORE_VM_ENDPOINT".into()))
                    }
                    (Some(l), Some(n), Some(v)) => Some(l.answer(method, &n, &v)),
                }
            }
            Role::Orderer => self.orderer(method, path, query),
            Role::Peer => self.peer(method, path, query),
        };
        answer.map(|(status, body)| (status, "text/plain; charset=utf-8", body))
    }

    fn heights(&self) -> Vec<(String, u64)> {
        match self.role {
            // Fabric's orderers report no ledger_blockchain_height.
            Role::Orderer => Vec::new(),
            Role::Peer => {
                let state = self.state.lock().expect("ledger lock");
                state
                    .channels
                    .iter()
                    .map(|(c, ch)| (c.clone(), ch.height))
                    .collect()
            }
        }
    }
}

/// fabric-ca-server's `GET /cainfo` (lib/serverinfo.go: `CAName`, `CAChain` base64 of the
/// CA's chain PEM, `Version`), in its JSON response envelope.
pub struct CaInfo {
    pub name: String,
    pub chain_pem: Vec<u8>,
}

impl ExtraRoutes for CaInfo {
    fn answer(&self, method: &str, path: &str, _: &str) -> Option<(u16, &'static str, String)> {
        if path != "/cainfo" && path != "/api/v1/cainfo" {
            return None;
        }
        if method != "GET" && method != "POST" {
            return Some((405, "text/plain", "method not allowed".into()));
        }
        use base64::Engine as _;
        let body = serde_json::json!({
            "success": true,
            "result": {
                "CAName": self.name,
                "CAChain": base64::engine::general_purpose::STANDARD.encode(&self.chain_pem),
                "Version": "stand-in",
            },
            "errors": [],
            "messages": [],
        });
        Some((200, "application/json", body.to_string()))
    }

    fn heights(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}

/// `name`'s value in a query string (no percent-decoding: the stand-in's values are host
/// names, ports and MSP ids).
fn param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// One HTTP/1.0 exchange with `addr` (`host:port`), bounded by [`HTTP_WITHIN`] per step:
/// the status and the body.
pub fn http(addr: &str, method: &str, path: &str) -> Result<(u16, String), String> {
    let target = addr
        .to_socket_addrs()
        .map_err(|e| format!("failed to resolve {addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("failed to resolve {addr}: no address"))?;
    let mut stream = TcpStream::connect_timeout(&target, HTTP_WITHIN)
        .map_err(|e| format!("failed to connect to {addr} ({target}): {e}"))?;
    let _ = stream.set_read_timeout(Some(HTTP_WITHIN));
    let _ = stream.set_write_timeout(Some(HTTP_WITHIN));
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n"
    )
    .map_err(|e| format!("failed to send to {addr}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .take(1 << 20)
        .read_to_end(&mut raw)
        .map_err(|e| format!("failed to read from {addr}: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("failed to read an HTTP status from {addr}: {head:?}"))?;
    Ok((status, body.to_owned()))
}

/// The operations address beside a gRPC address `host:port`: the same host, `ops_port` — or
/// where `STANDIN_OPERATIONS` (`GRPC=OPS,…`, for tests on loopback with free ports) says.
fn operations_of(grpc: &str, ops_port: u16) -> String {
    if let Ok(map) = std::env::var("STANDIN_OPERATIONS")
        && let Some(ops) = map
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .find_map(|(g, o)| (g == grpc).then(|| o.to_owned()))
    {
        return ops;
    }
    let host = grpc.rsplit_once(':').map_or(grpc, |(h, _)| h);
    format!("{host}:{ops_port}")
}

/// A tool's failure: Fabric's `Error: …` line and exit status 1.
fn fail(message: impl std::fmt::Display) -> i32 {
    eprintln!("Error: {message}");
    1
}

fn log(component: &str, message: impl std::fmt::Display) {
    eprintln!("stand-in [{component}] {message}");
}

/// `configtxgen` as the genesis Job calls it (`-profile P -channelID C` and one of
/// `-outputBlock`, `-outputCreateChannelTx`, `-outputAnchorPeersUpdate F -asOrg O`; the
/// configuration from `-configPath` or `FABRIC_CFG_PATH`). It reads configtx.yaml as
/// configtxgen does (fabcheck's profile reader: MSPs from `MSPDir`, consenter certificates from
/// their files, paths relative to configtx.yaml, genesis defaults) and writes what configtxgen
/// writes: a config block, a channel creation or an anchor-peer update transaction, in Fabric's
/// protobuf layout ([`crate::blocks`]). It fails where configtxgen fails: no configtx.yaml, no
/// such profile, an MSP folder or consenter certificate it cannot read, an anchor update
/// without `-asOrg`. Returns the exit status.
pub fn configtxgen(args: &[String]) -> i32 {
    use fabcheck::inventory::channel::{ConfigCert, profile};
    let flags = Flags::parse(args);
    let Some(dir) = flags
        .get("-configPath")
        .or_else(|| std::env::var("FABRIC_CFG_PATH").ok())
    else {
        return fail("FABRIC_CFG_PATH is not set and no -configPath was given");
    };
    let config = Path::new(&dir).join("configtx.yaml");
    let Ok(text) = std::fs::read_to_string(&config) else {
        return fail(format_args!(
            "Could not find configtx.yaml in {dir}: failed to read {}",
            config.display()
        ));
    };
    let Some(name) = flags.get("-profile") else {
        return fail("a -profile is required");
    };
    let (Some(doc), _) = fabcheck::inventory::ordering::yaml::parse_text(&config, text) else {
        return fail(format_args!(
            "Error reading configuration: {} does not parse",
            config.display()
        ));
    };
    let profiles = profile::gather(&[doc]);
    let Some(found) = profiles.iter().find(|p| {
        p.source == fabcheck::inventory::channel::ConfigSource::Profile { name: name.clone() }
    }) else {
        return fail(format_args!(
            "Could not find profile: {name}. Please make sure that FABRIC_CFG_PATH or -configPath is set to a path which contains configtx.yaml with the specified profile"
        ));
    };
    // configtxgen loads every org's MSP and every consenter certificate; one it cannot read
    // stops it.
    let unreadable: Vec<String> = found
        .orgs()
        .filter(|o| o.msp.is_none())
        .map(|o| format!("could not load MSP for org {}", o.name))
        .chain(found.consenters().into_iter().flat_map(|(_, list)| {
            list.iter().flat_map(|k| {
                [&k.client_tls_cert, &k.server_tls_cert]
                    .into_iter()
                    .filter_map(|c| match c {
                        Some(ConfigCert { facts: Ok(_), .. }) => None,
                        Some(ConfigCert { facts: Err(e), .. }) => Some(e.clone()),
                        None => Some(format!(
                            "cannot load client/server cert for consenter {}",
                            k.endpoint()
                        )),
                    })
            })
        }))
        .collect();
    if let Some(first) = unreadable.first() {
        return fail(format_args!("Error on outputBlock: {first}"));
    }
    let channel = flags.get("-channelID").unwrap_or_default();
    let spec = crate::blocks::spec_from(found, &channel);
    let (out, content) = if let Some(out) = flags.get("-outputBlock") {
        match crate::blocks::block_with_policies(&spec) {
            Ok(block) => (out, block),
            Err(e) => return fail(format_args!("Error on outputBlock: {e}")),
        }
    } else if let Some(out) = flags.get("-outputCreateChannelTx") {
        let consortium = found.consortium.clone().unwrap_or_default();
        (out, crate::blocks::channel_creation_tx(&spec, &consortium))
    } else if let Some(out) = flags.get("-outputAnchorPeersUpdate") {
        let Some(org) = flags.get("-asOrg") else {
            return fail("an anchor peer update needs -asOrg");
        };
        let Some(spec_org) = spec
            .application_orgs
            .iter()
            .flatten()
            .find(|o| o.name == org)
        else {
            return fail(format_args!(
                "org with name '{org}' does not exist in config"
            ));
        };
        (out, crate::blocks::anchor_peers_tx(&channel, spec_org))
    } else {
        return fail(
            "no output was requested (-outputBlock, -outputCreateChannelTx or -outputAnchorPeersUpdate)",
        );
    };
    log("common.tools.configtxgen", format_args!("Generating {out}"));
    match std::fs::write(&out, content) {
        Ok(()) => 0,
        Err(e) => fail(format_args!("failed to write {out}: {e}")),
    }
}

/// `peer` as the channel and chaincode Jobs call it: `channel fetch|create|list|join|update`
/// and `chaincode install|list|instantiate|invoke|query` with Fabric's flags, against the
/// stand-in ledgers. The chaincode is the test chaincode's `put KEY VALUE` / `get KEY` kept in
/// the channel's state: nothing is built or launched. Returns the exit status.
pub fn peer(args: &[String]) -> i32 {
    let (Some(group), Some(command)) = (args.first(), args.get(1)) else {
        return fail("usage: peer channel fetch|create|list|join|update …");
    };
    if group == "version" {
        println!("peer:\n Version: stand-in (fabcheck tests, not Fabric)");
        return 0;
    }
    if let Err(e) = check_local_msp() {
        return fail(e);
    }
    let flags = Flags::parse(&args[2..]);
    let result = match (group.as_str(), command.as_str()) {
        ("channel", "fetch") => fetch(&flags),
        ("channel", "create") => create(&flags),
        ("channel", "list") => list(),
        ("channel", "join") => join(&flags),
        ("channel", "update") => update(&flags),
        ("chaincode", "install") => install(&flags),
        ("chaincode", "list") => list_chaincodes(&flags),
        ("chaincode", "instantiate") => instantiate(&flags),
        ("chaincode", "invoke") => invoke(&flags),
        ("chaincode", "query") => query(&flags),
        (group, other) => Err(format!(
            "peer {group} {other} is not stood in (the stand-in keeps 1.4's `peer channel` and `peer chaincode` commands)"
        )),
    };
    match result {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}

/// What every peer command checks first (Fabric's InitCmd): the MSP folder and, with TLS on,
/// the root certificate file.
fn check_local_msp() -> Result<(), String> {
    let msp = std::env::var("CORE_PEER_MSPCONFIGPATH").unwrap_or_default();
    if !Path::new(&msp).join("signcerts").is_dir() {
        return Err(format!(
            "Fatal error when initializing core config : error when setting up MSP of type bccsp from directory {msp}: could not load a valid signer certificate from directory {msp}/signcerts"
        ));
    }
    Ok(())
}

fn check_orderer_tls(flags: &Flags) -> Result<(), String> {
    if flags.has("--tls") {
        let cafile = flags.get("--cafile").unwrap_or_default();
        if !Path::new(&cafile).is_file() {
            return Err(format!(
                "failed to load config for OrdererClient: unable to load orderer.tls.rootcert.file: open {cafile}: no such file or directory"
            ));
        }
    }
    Ok(())
}

/// `CORE_PEER_ADDRESS` and, with `CORE_PEER_TLS_ENABLED`, a readable root certificate.
fn peer_address() -> Result<String, String> {
    let address = std::env::var("CORE_PEER_ADDRESS")
        .map_err(|_| "CORE_PEER_ADDRESS is not set".to_owned())?;
    if std::env::var("CORE_PEER_TLS_ENABLED").as_deref() == Ok("true") {
        let root = std::env::var("CORE_PEER_TLS_ROOTCERT_FILE").unwrap_or_default();
        if !Path::new(&root).is_file() {
            return Err(format!(
                "error getting endorser client for channel: endorser client failed to connect to {address}: failed to load config for PeerClient: unable to load peer.tls.rootcert.file: open {root}: no such file or directory"
            ));
        }
    }
    Ok(address)
}

fn orderer_of(flags: &Flags) -> Result<String, String> {
    check_orderer_tls(flags)?;
    flags
        .get("-o")
        .or_else(|| flags.get("--orderer"))
        .ok_or_else(|| "Ordering service endpoint  is not valid or missing".to_owned())
}

/// `-c` (`peer channel …`) or `-C` (`peer chaincode …`, where `-c` is the arguments).
fn channel_of(flags: &Flags, short: &str) -> Result<String, String> {
    flags
        .get(short)
        .or_else(|| flags.get("--channelID"))
        .ok_or_else(|| "Must supply channel ID".to_owned())
}

fn block_text(channel: &str, orderer: &str) -> String {
    format!("stand-in block channel={channel} orderer={orderer}\n")
}

/// A stand-in file's `key=value` field.
fn field(text: &str, key: &str) -> Option<String> {
    text.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")).map(str::to_owned))
}

fn orderer_call(orderer: &str, method: &str, path: &str) -> Result<(u16, String), String> {
    http(
        &operations_of(orderer, ORDERER_OPERATIONS_PORT),
        method,
        path,
    )
    .map_err(|e| {
        format!("failed to create deliver client for orderer: orderer client failed to connect to {orderer}: {e}")
    })
}

/// `peer channel fetch N FILE -o O -c C`: the channel's block when the orderer has the channel.
fn fetch(flags: &Flags) -> Result<(), String> {
    let orderer = orderer_of(flags)?;
    let channel = channel_of(flags, "-c")?;
    let out = flags.positional.get(1).cloned().unwrap_or_else(|| {
        format!(
            "{channel}_{}.block",
            flags.positional.first().map_or("newest", String::as_str)
        )
    });
    match orderer_call(&orderer, "GET", &format!("/standin/channels/{channel}"))? {
        (200, _) => {
            log("channelCmd", format_args!("Received block: 0"));
            std::fs::write(&out, block_text(&channel, &orderer))
                .map_err(|e| format!("failed to write {out}: {e}"))
        }
        (_, body) => Err(format!("can't read the block: &{{{}}}", body.trim())),
    }
}

/// The configuration transaction `-f`/`--file` names: its path and content, or Fabric's
/// message for a `peer channel <command>` whose file is missing.
/// The configuration transaction `-f` names, decoded as the orderer decodes it.
fn config_tx(
    flags: &Flags,
    command: &str,
) -> Result<(String, fabcheck::inventory::channel::ChannelConfig), String> {
    let tx = flags
        .get("-f")
        .or_else(|| flags.get("--file"))
        .unwrap_or_default();
    let bytes = std::fs::read(&tx)
        .map_err(|e| format!("channel {command} configuration tx file not found open {tx}: {e}"))?;
    let config = fabcheck::inventory::channel::decode(
        &bytes,
        fabcheck::inventory::Origin::file(tx.clone()),
        ".",
    )
    .map_err(|e| format!("error unmarshalling {tx}: {e}"))?;
    Ok((tx, config))
}

/// `peer channel create -o O -c C -f TX --outputBlock FILE`.
fn create(flags: &Flags) -> Result<(), String> {
    let orderer = orderer_of(flags)?;
    let channel = channel_of(flags, "-c")?;
    let (tx, config) = config_tx(flags, "create")?;
    if config.channel_id != channel
        || config.source != fabcheck::inventory::channel::ConfigSource::ChannelCreation
    {
        return Err(format!(
            "failed to create channel {channel}: {tx} is not a channel creation transaction for it"
        ));
    }
    let out = flags
        .get("--outputBlock")
        .unwrap_or_else(|| format!("{channel}.block"));
    match orderer_call(
        &orderer,
        "POST",
        &format!("/standin/channels/{channel}/create"),
    )? {
        (201, _) => std::fs::write(&out, block_text(&channel, &orderer))
            .map_err(|e| format!("failed to write {out}: {e}")),
        (_, body) => Err(format!("got unexpected status: {}", body.trim())),
    }
}

/// `peer channel list` on `CORE_PEER_ADDRESS`.
fn list() -> Result<(), String> {
    let address = peer_address()?;
    let (status, body) = http(
        &operations_of(&address, PEER_OPERATIONS_PORT),
        "GET",
        "/standin/channels",
    )
    .map_err(|e| format!("error getting endorser client for channel: endorser client failed to connect to {address}: {e}"))?;
    if status != 200 {
        return Err(format!("bad response {status}: {}", body.trim()));
    }
    log("channelCmd", "Channels peers has joined: ");
    for name in body.lines().filter(|l| !l.is_empty()) {
        println!("{name}");
    }
    Ok(())
}

/// `peer channel join -b FILE` on `CORE_PEER_ADDRESS`.
fn join(flags: &Flags) -> Result<(), String> {
    let address = peer_address()?;
    let file = flags
        .get("-b")
        .or_else(|| flags.get("--blockpath"))
        .unwrap_or_default();
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("Error reading genesis block {file}: {e}"))?;
    let (Some(channel), Some(orderer)) = (field(&text, "channel"), field(&text, "orderer")) else {
        return Err(format!("{file} is not a block this stand-in wrote"));
    };
    let path = format!(
        "/standin/channels/{channel}/join?orderer={}",
        operations_of(&orderer, ORDERER_OPERATIONS_PORT)
    );
    let (status, body) = http(&operations_of(&address, PEER_OPERATIONS_PORT), "POST", &path)
        .map_err(|e| format!("error getting endorser client for channel: endorser client failed to connect to {address}: {e}"))?;
    if status != 200 {
        return Err(format!(
            "proposal failed (err: bad proposal response {status}: {})",
            body.trim()
        ));
    }
    log(
        "channelCmd",
        "Successfully submitted proposal to join channel",
    );
    Ok(())
}

/// `peer channel update -o O -c C -f TX` with an anchor peer update.
fn update(flags: &Flags) -> Result<(), String> {
    let orderer = orderer_of(flags)?;
    let channel = channel_of(flags, "-c")?;
    let (tx, config) = config_tx(flags, "update")?;
    let Some(org) = config
        .application
        .as_ref()
        .and_then(|a| a.orgs.iter().find(|o| !o.anchor_peers.is_empty()))
        .map(|o| o.name.clone())
    else {
        return Err(format!("{tx} is not an anchor peer update"));
    };
    if config.channel_id != channel {
        return Err(format!("{tx} updates another channel than {channel}"));
    }
    match orderer_call(
        &orderer,
        "POST",
        &format!("/standin/channels/{channel}/update?org={org}"),
    )? {
        (200, _) => {
            log("channelCmd", "Successfully submitted channel update");
            Ok(())
        }
        (_, body) => Err(format!("got unexpected status: {}", body.trim())),
    }
}

/// The peer's channel as it has committed it.
fn peer_channel(address: &str, channel: &str) -> Result<Channel, String> {
    let (status, body) = peer_call(address, "GET", &format!("/standin/channels/{channel}"))?;
    if status != 200 {
        return Err(format!("bad response {status}: {}", body.trim()));
    }
    serde_json::from_str(&body).map_err(|e| format!("bad answer from {address}: {e}"))
}

/// The endorsing peer starts chaincode `name:version` if it does not run yet, and the CLI
/// waits (polling, each call bounded) until it has registered or its launch failed, as an
/// endorsement waits on Fabric's launcher.
fn launched(address: &str, name: &str, version: &str, during: &str) -> Result<(), String> {
    let path = format!(
        "/standin/chaincodes/launch?name={}&version={}",
        plain(name)?,
        plain(version)?
    );
    let deadline = std::time::Instant::now()
        + crate::standin_chaincode::MAX_STARTUP_WAIT
        + Duration::from_secs(10);
    let mut method = "POST";
    loop {
        match peer_call(address, method, &path)? {
            (200, _) => return Ok(()),
            (202, _) if std::time::Instant::now() < deadline => {
                method = "GET";
                std::thread::sleep(Duration::from_millis(300));
            }
            (_, body) => {
                return Err(format!(
                    "endorsement failure during {during}. response: status:500 message:\"error in simulation: {}\"",
                    body.trim()
                ));
            }
        }
    }
}

fn peer_call(address: &str, method: &str, path: &str) -> Result<(u16, String), String> {
    http(&operations_of(address, PEER_OPERATIONS_PORT), method, path).map_err(|e| {
        format!("error getting endorser client for chaincode: endorser client failed to connect to {address}: {e}")
    })
}

fn chaincode_name(flags: &Flags) -> Result<String, String> {
    flags
        .get("-n")
        .or_else(|| flags.get("--name"))
        .ok_or_else(|| "must supply value for chaincode name parameter".to_owned())
}

/// A value the stand-in passes in a query string: plain words only.
fn plain(value: &str) -> Result<&str, String> {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        Ok(value)
    } else {
        Err(format!(
            "the stand-in passes plain words only, not {value:?}"
        ))
    }
}

/// `-c '{"Args":[…]}'`: the function and its arguments.
fn chaincode_args(flags: &Flags) -> Result<Vec<String>, String> {
    let ctor = flags
        .get("-c")
        .or_else(|| flags.get("--ctor"))
        .ok_or_else(|| "must supply value for chaincode args parameter".to_owned())?;
    let value: serde_json::Value =
        serde_json::from_str(&ctor).map_err(|e| format!("chaincode argument error: {e}"))?;
    value["Args"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .ok_or_else(|| "chaincode argument error: no Args".to_owned())
}

/// `peer chaincode install -n N -v V -l golang -p PATH`: the source must be under
/// `$GOPATH/src/PATH`, as Fabric's golang platform packages it from there.
fn install(flags: &Flags) -> Result<(), String> {
    let address = peer_address()?;
    let name = chaincode_name(flags)?;
    let version = flags
        .get("-v")
        .or_else(|| flags.get("--version"))
        .ok_or_else(|| "chaincode version is not provided".to_owned())?;
    let path = flags
        .get("-p")
        .or_else(|| flags.get("--path"))
        .unwrap_or_default();
    let language = flags
        .get("-l")
        .or_else(|| flags.get("--lang"))
        .unwrap_or_else(|| "golang".into());
    if language == "golang" {
        let gopath = std::env::var("GOPATH").unwrap_or_default();
        let dir = Path::new(&gopath).join("src").join(&path);
        let has_go = std::fs::read_dir(&dir).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "go"))
        });
        if !has_go {
            return Err(format!(
                "error getting chaincode bytes: failed to calculate dependencies: incomplete package: {path}: no Go files in {}",
                dir.display()
            ));
        }
    }
    let query = format!(
        "/standin/chaincodes?name={}&version={}&path={}",
        plain(&name)?,
        plain(&version)?,
        plain(&path)?
    );
    match peer_call(&address, "POST", &query)? {
        (200, _) => {
            log(
                "chaincodeCmd",
                "Installed remotely response:<status:200 payload:\"OK\" >",
            );
            Ok(())
        }
        (status, body) => Err(format!("bad response {status}: {}", body.trim())),
    }
}

/// `peer chaincode list --installed | --instantiated -C CHANNEL`.
fn list_chaincodes(flags: &Flags) -> Result<(), String> {
    let address = peer_address()?;
    if flags.has("--installed") {
        let (status, body) = peer_call(&address, "GET", "/standin/chaincodes")?;
        if status != 200 {
            return Err(format!("bad response {status}: {}", body.trim()));
        }
        println!("Get installed chaincodes on peer:");
        for line in body.lines() {
            let mut words = line.split_whitespace();
            let (Some(n), Some(v), Some(p)) = (words.next(), words.next(), words.next()) else {
                continue;
            };
            println!("Name: {n}, Version: {v}, Path: {p}, Id: stand-in");
        }
        return Ok(());
    }
    if flags.has("--instantiated") {
        let channel = channel_of(flags, "-C")?;
        let committed = peer_channel(&address, &channel)?;
        println!("Get instantiated chaincodes on channel {channel}:");
        for (n, v) in &committed.chaincodes {
            println!("Name: {n}, Version: {v}, Path: stand-in, Escc: escc, Vscc: vscc");
        }
        return Ok(());
    }
    Err("must explicitly specify \"--installed\" or \"--instantiated\"".into())
}

/// `peer chaincode instantiate -o O -C CHANNEL -n N -v V -c ARGS -P POLICY`: the chaincode
/// must be installed on the peer that endorses it.
fn instantiate(flags: &Flags) -> Result<(), String> {
    let address = peer_address()?;
    let orderer = orderer_of(flags)?;
    let channel = channel_of(flags, "-C")?;
    let name = chaincode_name(flags)?;
    let version = flags
        .get("-v")
        .or_else(|| flags.get("--version"))
        .unwrap_or_default();
    let (_, installed) = peer_call(&address, "GET", "/standin/chaincodes")?;
    if !installed.lines().any(|l| {
        l.split_whitespace()
            .take(2)
            .eq([name.as_str(), version.as_str()])
    }) {
        return Err(format!(
            "could not assemble transaction, err proposal response was not successful, error code 500, msg cannot get package for chaincode ({name}:{version})"
        ));
    }
    launched(&address, &name, &version, "instantiate")?;
    let path = format!(
        "/standin/channels/{channel}/instantiate?name={}&version={}",
        plain(&name)?,
        plain(&version)?
    );
    match orderer_call(&orderer, "POST", &path)? {
        (200, _) => Ok(()),
        (_, body) => Err(format!(
            "could not assemble transaction, err proposal response was not successful, error code 500, msg {}",
            body.trim()
        )),
    }
}

/// `peer chaincode invoke -o O -C CHANNEL -n N -c '{"Args":["put",K,V]}' [--waitForEvent]`:
/// ordered, then (with `--waitForEvent`) committed on the peer within Fabric's default 30 s.
fn invoke(flags: &Flags) -> Result<(), String> {
    let address = peer_address()?;
    let orderer = orderer_of(flags)?;
    let channel = channel_of(flags, "-C")?;
    let name = chaincode_name(flags)?;
    let args = chaincode_args(flags)?;
    let [function, key, value] = args.as_slice() else {
        return Err("endorsement failure during invoke. response: status:500 message:\"usage: put KEY VALUE | get KEY\"".into());
    };
    if function != "put" {
        return Err("endorsement failure during invoke. response: status:500 message:\"usage: put KEY VALUE | get KEY\"".into());
    }
    let Some(version) = peer_channel(&address, &channel)?
        .chaincodes
        .get(&name)
        .cloned()
    else {
        return Err(format!(
            "endorsement failure during invoke. response: status:500 message:\"make sure the chaincode {name} has been successfully instantiated and try again: chaincode {name} not found\""
        ));
    };
    launched(&address, &name, &version, "invoke")?;
    let path = format!(
        "/standin/channels/{channel}/put?name={}&key={}&value={}",
        plain(&name)?,
        plain(key)?,
        plain(value)?
    );
    let height: u64 = match orderer_call(&orderer, "POST", &path)? {
        (200, body) => body.trim().parse().unwrap_or(u64::MAX),
        (_, body) => {
            return Err(format!(
                "error sending transaction for invoke: {}",
                body.trim()
            ));
        }
    };
    if flags.has("--waitForEvent") {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while peer_channel(&address, &channel)?.height < height {
            if std::time::Instant::now() > deadline {
                return Err("timed out waiting for txid on all peers".into());
            }
            std::thread::sleep(PULL_EVERY);
        }
    }
    log(
        "chaincodeCmd",
        "Chaincode invoke successful. result: status:200",
    );
    Ok(())
}

/// `peer chaincode query -C CHANNEL -n N -c '{"Args":["get",K]}'`: the value the peer has
/// committed.
fn query(flags: &Flags) -> Result<(), String> {
    let address = peer_address()?;
    let channel = channel_of(flags, "-C")?;
    let name = chaincode_name(flags)?;
    let args = chaincode_args(flags)?;
    let [function, key] = args.as_slice() else {
        return Err("endorsement failure during query. response: status:500 message:\"usage: put KEY VALUE | get KEY\"".into());
    };
    if function != "get" {
        return Err("endorsement failure during query. response: status:500 message:\"usage: put KEY VALUE | get KEY\"".into());
    }
    let committed = peer_channel(&address, &channel)?;
    let Some(version) = committed.chaincodes.get(&name) else {
        return Err(format!(
            "endorsement failure during query. response: status:500 message:\"make sure the chaincode {name} has been successfully instantiated and try again: chaincode {name} not found\""
        ));
    };
    launched(&address, &name, version, "query")?;
    println!("{}", committed.state.get(key).map_or("", String::as_str));
    Ok(())
}

/// A Fabric command line's flags: `-x VALUE` / `--xx VALUE` / `--xx=VALUE`, the boolean
/// `--tls`, and positional arguments.
struct Flags {
    values: BTreeMap<String, String>,
    switches: BTreeSet<String>,
    positional: Vec<String>,
}

impl Flags {
    const SWITCHES: &'static [&'static str] = &[
        "--tls",
        "--clientauth",
        "--waitForEvent",
        "--installed",
        "--instantiated",
    ];

    fn parse(args: &[String]) -> Flags {
        let mut out = Flags {
            values: BTreeMap::new(),
            switches: BTreeSet::new(),
            positional: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if !arg.starts_with('-') {
                out.positional.push(arg.clone());
            } else if let Some((k, v)) = arg.split_once('=') {
                out.values.insert(k.to_owned(), v.to_owned());
            } else if Self::SWITCHES.contains(&arg.as_str()) {
                out.switches.insert(arg.clone());
            } else if let Some(v) = it.next() {
                out.values.insert(arg.clone(), v.clone());
            }
        }
        out
    }

    fn get(&self, key: &str) -> Option<String> {
        self.values.get(key).cloned()
    }

    fn has(&self, key: &str) -> bool {
        self.switches.contains(key) || self.values.get(key).is_some_and(|v| v == "true")
    }
}
