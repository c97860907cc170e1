//! What the Fabric stand-in image (examples/standin-node) adds so that `fabcheck deploy` can
//! run its genesis and channel Jobs on a real node where Fabric's images cannot be pulled. Not
//! Fabric: no block is signed, validated or gossiped, and no gRPC message of Fabric's is
//! spoken. What it keeps is the part the deploy and the live checks depend on:
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
//!   folder, TLS root file, an orderer or peer that cannot be reached, a channel created twice
//!   (`BAD_REQUEST`), a peer joined twice (`LedgerID already exists`), an anchor peer update
//!   applied twice (the ReadSet version message the channel Job's script looks for).
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
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct State {
    /// channel → height.
    heights: BTreeMap<String, u64>,
    /// Orderer: `(channel, org)` whose anchor peer update was applied.
    updated: BTreeSet<(String, String)>,
    /// Peer: channel → the orderer operations address it pulls from.
    orderers: BTreeMap<String, String>,
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

impl Ledger {
    /// An empty ledger kept in memory only.
    pub fn new(role: Role) -> Ledger {
        Ledger {
            role,
            state: Arc::new(Mutex::new(State::default())),
        }
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
        };
        if role == Role::Peer {
            for (channel, orderer) in pulls {
                ledger.pull(channel, orderer);
            }
        }
        ledger
    }

    /// Follows `channel`'s height on the orderer at `orderer` (its operations address) for as
    /// long as the ledger lives, as a peer's deliver client follows the ordering service.
    fn pull(&self, channel: String, orderer: String) {
        let state = Arc::downgrade(&self.state);
        std::thread::spawn(move || {
            let path = format!("/standin/channels/{channel}");
            while let Some(state) = state.upgrade() {
                if let Ok((200, body)) = http(&orderer, "GET", &path)
                    && let Ok(h) = body.trim().parse::<u64>()
                {
                    let mut state = state.lock().expect("ledger lock");
                    let mine = state.heights.entry(channel.clone()).or_default();
                    if h > *mine {
                        *mine = h;
                        state.save();
                    }
                }
                drop(state);
                std::thread::sleep(PULL_EVERY);
            }
        });
    }

    fn orderer(&self, method: &str, path: &str, query: &str) -> Option<(u16, String)> {
        let rest = path.strip_prefix("/standin/channels/")?;
        let mut state = self.state.lock().expect("ledger lock");
        let (channel, action) = rest.split_once('/').unwrap_or((rest, ""));
        Some(match (method, action) {
            ("GET", "") => match state.heights.get(channel) {
                Some(h) => (200, h.to_string()),
                None => (404, "NOT_FOUND".into()),
            },
            ("POST", "create") if state.heights.contains_key(channel) => (
                409,
                format!(
                    "BAD_REQUEST -- error applying config update to existing channel '{channel}': error authorizing update: error validating ReadSet: proposed update requires that key [Group]  /Channel/Application be at version 0, but it is currently at version 1"
                ),
            ),
            ("POST", "create") => {
                state.heights.insert(channel.to_owned(), 1);
                state.save();
                (201, "1".into())
            }
            ("POST", "update") => {
                let org = param(query, "org").unwrap_or_default();
                if !state.heights.contains_key(channel) {
                    return Some((
                        404,
                        format!("NOT_FOUND -- channel {channel} does not exist"),
                    ));
                }
                if !state.updated.insert((channel.to_owned(), org.clone())) {
                    return Some((
                        409,
                        format!(
                            "BAD_REQUEST -- error applying config update to existing channel '{channel}': error authorizing update: error validating ReadSet: proposed update requires that key [Group]  /Channel/Application/{org} be at version 0, but it is currently at version 1"
                        ),
                    ));
                }
                let h = state.heights.entry(channel.to_owned()).or_default();
                *h += 1;
                let h = *h;
                state.save();
                (200, h.to_string())
            }
            _ => (405, "method not allowed".into()),
        })
    }

    fn peer(&self, method: &str, path: &str, query: &str) -> Option<(u16, String)> {
        if path == "/standin/channels" && method == "GET" {
            let state = self.state.lock().expect("ledger lock");
            let names: Vec<&str> = state.heights.keys().map(String::as_str).collect();
            return Some((200, names.join("\n")));
        }
        let channel = path
            .strip_prefix("/standin/channels/")?
            .strip_suffix("/join")?;
        if method != "POST" {
            return Some((405, "method not allowed".into()));
        }
        let Some(orderer) = param(query, "orderer") else {
            return Some((400, "join needs ?orderer=HOST:PORT".into()));
        };
        {
            let mut state = self.state.lock().expect("ledger lock");
            if state.heights.contains_key(channel) {
                return Some((
                    500,
                    "cannot create ledger from genesis block: LedgerID already exists".into(),
                ));
            }
            // Joining commits the channel's genesis block.
            state.heights.insert(channel.to_owned(), 1);
            state.orderers.insert(channel.to_owned(), orderer.clone());
            state.save();
        }
        self.pull(channel.to_owned(), orderer);
        Some((200, "joined".into()))
    }
}

impl ExtraRoutes for Ledger {
    fn answer(&self, method: &str, path: &str, query: &str) -> Option<(u16, &'static str, String)> {
        let answer = match self.role {
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
                state.heights.iter().map(|(c, h)| (c.clone(), *h)).collect()
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
/// configuration from `-configPath` or `FABRIC_CFG_PATH`). Checks what Fabric's would fail on
/// (no configtx.yaml, no such profile, an anchor update without `-asOrg`) and writes a
/// placeholder naming what it stands for, which [`peer`] reads back. Returns the exit status.
pub fn configtxgen(args: &[String]) -> i32 {
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
    let Some(profile) = flags.get("-profile") else {
        return fail("a -profile is required");
    };
    let mut profiles = text
        .lines()
        .skip_while(|l| *l != "Profiles:")
        .take_while(|l| l.is_empty() || l.starts_with(' ') || *l == "Profiles:");
    if !profiles.any(|l| l == format!("  {profile}:")) {
        return fail(format_args!(
            "Could not find profile: {profile}. Please make sure that FABRIC_CFG_PATH or -configPath is set to a path which contains configtx.yaml with the specified profile"
        ));
    }
    let channel = flags.get("-channelID").unwrap_or_default();
    let (out, content) = if let Some(out) = flags.get("-outputBlock") {
        (out, format!("stand-in block channel={channel}\n"))
    } else if let Some(out) = flags.get("-outputCreateChannelTx") {
        (out, format!("stand-in create channel={channel}\n"))
    } else if let Some(out) = flags.get("-outputAnchorPeersUpdate") {
        let Some(org) = flags.get("-asOrg") else {
            return fail("an anchor peer update needs -asOrg");
        };
        let declared = |l: &str| {
            l.trim()
                .strip_prefix("ID:")
                .is_some_and(|id| id.trim().trim_matches('"') == org)
        };
        if !text.lines().any(declared) {
            return fail(format_args!(
                "org with name '{org}' does not exist in config"
            ));
        }
        (
            out,
            format!("stand-in anchors channel={channel} org={org}\n"),
        )
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

/// `peer` as the channel Job calls it: `channel fetch|create|list|join|update` with Fabric's
/// flags, against the stand-in ledgers. Chaincode commands are not stood in (they need a
/// chaincode runtime): they fail saying so. Returns the exit status.
pub fn peer(args: &[String]) -> i32 {
    let (Some(group), Some(command)) = (args.first(), args.get(1)) else {
        return fail("usage: peer channel fetch|create|list|join|update …");
    };
    if group == "version" {
        println!("peer:\n Version: stand-in (fabcheck tests, not Fabric)");
        return 0;
    }
    if group != "channel" {
        return fail(format_args!(
            "peer {group} {command} is not stood in: the Fabric stand-in runs no chaincode"
        ));
    }
    if let Err(e) = check_local_msp() {
        return fail(e);
    }
    let flags = Flags::parse(&args[2..]);
    let result = match command.as_str() {
        "fetch" => fetch(&flags),
        "create" => create(&flags),
        "list" => list(),
        "join" => join(&flags),
        "update" => update(&flags),
        other => Err(format!("peer channel {other} is not stood in")),
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

fn channel_of(flags: &Flags) -> Result<String, String> {
    flags
        .get("-c")
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
    let channel = channel_of(flags)?;
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

/// `peer channel create -o O -c C -f TX --outputBlock FILE`.
fn create(flags: &Flags) -> Result<(), String> {
    let orderer = orderer_of(flags)?;
    let channel = channel_of(flags)?;
    let tx = flags
        .get("-f")
        .or_else(|| flags.get("--file"))
        .unwrap_or_default();
    let text = std::fs::read_to_string(&tx)
        .map_err(|e| format!("channel create configuration tx file not found open {tx}: {e}"))?;
    if field(&text, "channel").as_deref() != Some(channel.as_str()) || !text.contains("create") {
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
    let channel = channel_of(flags)?;
    let tx = flags
        .get("-f")
        .or_else(|| flags.get("--file"))
        .unwrap_or_default();
    let text = std::fs::read_to_string(&tx)
        .map_err(|e| format!("channel update configuration tx file not found open {tx}: {e}"))?;
    let Some(org) = field(&text, "org") else {
        return Err(format!("{tx} is not an anchor peer update"));
    };
    if field(&text, "channel").as_deref() != Some(channel.as_str()) {
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

/// A Fabric command line's flags: `-x VALUE` / `--xx VALUE` / `--xx=VALUE`, the boolean
/// `--tls`, and positional arguments.
struct Flags {
    values: BTreeMap<String, String>,
    switches: BTreeSet<String>,
    positional: Vec<String>,
}

impl Flags {
    const SWITCHES: &'static [&'static str] = &["--tls", "--clientauth", "--waitForEvent"];

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
