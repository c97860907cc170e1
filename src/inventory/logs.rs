//! Logs read for Fabric failure signatures (`--logs`).
//!
//! Operators arrive with pod logs, not with a diagnosis. This module is the gathering half of the
//! log diagnostics: it reads saved logs (a folder walked recursively, or one file) or pod logs
//! already in memory, scans every line once against the known [`Signature`]s, and keeps per
//! (signature, source[, remote IP]) how often it matched, the first and last time and line, and
//! one example. Judging those counts is the business of `checks::logs`; nothing here decides a
//! verdict.
//!
//! Reading is bounded because pasted logs come in every size and shape: at most
//! [`MAX_FILE_BYTES`] of each file and [`MAX_LINE_BYTES`] of each line are looked at, binary files
//! are refused after a peek at their start, and a file that cannot be read is recorded with the
//! reason instead of stopping the run.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// How much of one file is read. Pod logs of a week-old orderer reach gigabytes; the signatures
/// of a failure repeat, so the first 64 MiB are enough to show them.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// How much of one line is looked at; the rest of a longer line (a dumped block, a base64 blob)
/// is skipped without being buffered.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Length of the example line kept per finding, in characters.
pub const EXAMPLE_CHARS: usize = 300;
/// Length of the excerpt around the matched words, for messages.
pub const EXCERPT_CHARS: usize = 160;
/// How much of the line before the matched words the excerpt keeps.
const EXCERPT_BEFORE: usize = 40;
/// How many distinct detail values (names, servers, channels) are kept per finding.
const MAX_DETAILS: usize = 20;
/// How many event times a handshake series keeps for its interval statistics.
const MAX_TIMES: usize = 1_000_000;
/// How many unread file names are kept for the report.
pub const MAX_NOT_READ: usize = 100;
/// How much of a file's start is inspected to tell text from binary.
const SNIFF_BYTES: usize = 8 * 1024;

/// A known Fabric failure signature, each diagnosed by one `LOG-…` check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signature {
    /// `x509: certificate has expired or is not yet valid` (LOG-001).
    CertificateWindow,
    /// A TLS handshake reset or closed by the client before it completed (LOG-002).
    HandshakeReset,
    /// Kafka refusing writes or reads for a channel: too few in-sync replicas (LOG-003).
    KafkaIsr,
    /// A failed DNS lookup of a peer or orderer name (LOG-004).
    ChaincodeDns,
    /// A TLS peer refused or missed a certificate in a mutual-TLS handshake (LOG-005).
    BadCertificate,
    /// An MSP that could not rewrite one of its CA certificates to low-S: `sanitizeCert failed`
    /// (LOG-006).
    SanitizeCert,
    /// etcd/raft finding its log behind what the cluster committed: `tocommit(N) is out of range
    /// [lastIndex(M)]. Was the raft log corrupted, truncated, or lost?` (LOG-007).
    RaftLogLost,
}

impl Signature {
    pub const ALL: [Signature; 7] = [
        Signature::CertificateWindow,
        Signature::HandshakeReset,
        Signature::KafkaIsr,
        Signature::ChaincodeDns,
        Signature::BadCertificate,
        Signature::SanitizeCert,
        Signature::RaftLogLost,
    ];

    /// The check that reports this signature.
    pub fn check_id(self) -> &'static str {
        match self {
            Signature::CertificateWindow => "LOG-001",
            Signature::HandshakeReset => "LOG-002",
            Signature::KafkaIsr => "LOG-003",
            Signature::ChaincodeDns => "LOG-004",
            Signature::BadCertificate => "LOG-005",
            Signature::SanitizeCert => "LOG-006",
            Signature::RaftLogLost => "LOG-007",
        }
    }

    /// What the signature looks like, in the words an operator would grep for.
    pub fn pattern(self) -> &'static str {
        match self {
            Signature::CertificateWindow => "\"x509: certificate has expired or is not yet valid\"",
            Signature::HandshakeReset => {
                "TLS handshake reset (\"failed to complete security handshake ... connection reset by peer\" or EOF)"
            }
            Signature::KafkaIsr => {
                "Kafka SERVICE_UNAVAILABLE / NOT_ENOUGH_REPLICAS (\"fewer in-sync replicas than required\")"
            }
            Signature::ChaincodeDns => {
                "failed DNS lookup (\"lookup NAME on SERVER: no such host\", server misbehaving, i/o timeout)"
            }
            Signature::BadCertificate => {
                "mutual-TLS refusal (\"tls: bad certificate\", \"tls: failed to verify client's certificate\", \"tls: client didn't provide a certificate\")"
            }
            Signature::SanitizeCert => "MSP setup failure (\"sanitizeCert failed\")",
            Signature::RaftLogLost => {
                "Raft log loss (\"tocommit(N) is out of range [lastIndex(M)]. Was the raft log corrupted, truncated, or lost?\")"
            }
        }
    }
}

/// The time zone a log line's timestamp was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    /// UTC, stated (`UTC`, `Z`, or an offset converted to UTC).
    Utc,
    /// A zone abbreviation Fabric printed (`CST`): kept as written, since abbreviations are
    /// ambiguous.
    Named(String),
    /// No zone on the line (log4j, ZooKeeper, Go's `log`): the writer's local time, in containers
    /// almost always UTC, but not said.
    Unstated,
}

/// A timestamp read from a log line: the text as written, and the instant when it parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTime {
    /// The timestamp's text as it appears in the line.
    pub raw: String,
    /// The wall-clock time in [`Self::zone`]; `None` when the text did not parse.
    pub at: Option<PrimitiveDateTime>,
    pub zone: Zone,
}

impl LogTime {
    fn unparsed(raw: &str) -> Self {
        LogTime {
            raw: raw.to_owned(),
            at: None,
            zone: Zone::Unstated,
        }
    }

    /// Milliseconds on the line's own clock, for intervals between lines of one source (whose
    /// zone does not change).
    pub fn millis(&self) -> Option<i64> {
        self.at
            .map(|t| (t.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64)
    }

    /// ISO 8601 with milliseconds, for evidence: RFC 3339 (`…Z`) when the zone is UTC, the zone
    /// abbreviation appended when one was written, the raw text when it did not parse.
    pub fn iso(&self) -> String {
        let Some(t) = self.at else {
            return self.raw.clone();
        };
        let base = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        );
        match &self.zone {
            Zone::Utc => format!("{base}Z"),
            Zone::Named(z) => format!("{base} {z}"),
            Zone::Unstated => base,
        }
    }

    /// The date part (`2019-09-24`), when parsed.
    pub fn date(&self) -> Option<String> {
        self.at
            .map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
    }

    /// The time of day to the second (`08:37:21`), when parsed.
    pub fn clock(&self) -> Option<String> {
        self.at
            .map(|t| format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()))
    }

    /// The zone as a suffix for human text (` UTC`, ` CST`, or nothing).
    pub fn zone_suffix(&self) -> String {
        match &self.zone {
            Zone::Utc => " UTC".into(),
            Zone::Named(z) => format!(" {z}"),
            Zone::Unstated => String::new(),
        }
    }

    /// Human text to the second: `2019-09-24 08:37:21 UTC`; the raw text when unparsed.
    pub fn human(&self) -> String {
        match (self.date(), self.clock()) {
            (Some(d), Some(c)) => format!("{d} {c}{}", self.zone_suffix()),
            _ => self.raw.clone(),
        }
    }
}

/// Where in a source a signature matched: the line number (from 1) and its time, if the line or
/// the last timestamped line before it had one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub line: usize,
    pub time: Option<LogTime>,
}

/// Every match of one signature in one source (and, for handshake resets, from one remote IP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hits {
    pub signature: Signature,
    /// The source: a file path as walked, or `namespace/pod/container`.
    pub source: String,
    /// The remote IP the events came from (handshake resets only; the ephemeral port is
    /// dropped because a health checker uses a new one each time).
    pub peer: Option<String>,
    pub count: usize,
    pub first: Occurrence,
    pub last: Occurrence,
    /// The first matching line, colour codes removed, private keys redacted, trimmed to
    /// [`EXAMPLE_CHARS`].
    pub example: String,
    /// The part of the example around the matched words, at most [`EXCERPT_CHARS`]: what a
    /// message quotes, since the start of a Fabric line is only its header.
    pub excerpt: String,
    /// Values read from the matching lines, by kind (`names`, `dns_servers`, `channels`,
    /// `remote_ips`, `reasons`), at most [`MAX_DETAILS`] of each.
    pub details: BTreeMap<&'static str, BTreeSet<String>>,
    /// For handshake resets: the time of each event, in milliseconds on the source's clock.
    pub times_ms: Vec<i64>,
    /// For handshake resets: events whose time could not be read.
    pub untimed: usize,
}

/// Every log line that matched a known signature, and what was read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogInventory {
    /// What was asked for: the folder or file given to `--logs`, or `pod logs`.
    pub origin: String,
    /// Whether the sources are pod logs (`namespace/pod/container`) rather than files.
    pub pods: bool,
    /// Each source read (a file path, or `namespace/pod/container`), with its line count.
    pub sources: Vec<(String, usize)>,
    /// Sources that could not be read, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// Sources read only up to [`MAX_FILE_BYTES`].
    pub truncated: Vec<String>,
    /// Files in the folder that were not read because their names do not look like logs
    /// (`peer0.org1` is one: save it as `peer0.org1.log`), at most [`MAX_NOT_READ`].
    pub not_read: Vec<String>,
    /// How many files were not read by name in all, listed or not.
    pub not_read_count: usize,
    /// Pod containers whose log is empty (never started, or silent): not evidence of health.
    pub empty: Vec<String>,
    /// The matches, by signature, source and remote IP.
    pub hits: Vec<Hits>,
    /// For pod logs: each source container's probes and addresses (`namespace/pod/container`),
    /// so that handshake resets can be told apart as the kubelet's own probes.
    pub probes: BTreeMap<String, super::probes::ContainerProbes>,
}

impl LogInventory {
    /// The matches of one signature.
    pub fn of(&self, signature: Signature) -> impl Iterator<Item = &Hits> {
        self.hits.iter().filter(move |h| h.signature == signature)
    }

    /// Lines read over all sources.
    pub fn lines(&self) -> usize {
        self.sources.iter().map(|(_, n)| n).sum()
    }

    fn finish(&mut self) {
        // Reports must not depend on the order a thread pool finished in.
        self.sources.sort();
        self.unreadable.sort();
        self.truncated.sort();
        self.not_read.sort();
        self.hits.sort_by(|a, b| {
            (a.signature, &a.source, &a.peer).cmp(&(b.signature, &b.source, &b.peer))
        });
    }
}

/// Reads a folder (or one file) of saved logs.
///
/// In a folder, files named `*.log`, `*.txt`, rotated `*.log.N`, or without an extension are
/// read; hidden files and folders (`.git`) are not. Symlinks are followed (walkdir stops loops);
/// a dangling one, a binary file or an I/O error lands in `unreadable` with the reason.
pub fn gather_dir(dir: &Path) -> LogInventory {
    let mut inv = LogInventory {
        origin: dir.display().to_string(),
        ..LogInventory::default()
    };
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(e) => {
            inv.unreadable
                .push((dir.display().to_string(), describe_open_error(dir, &e)));
            return inv;
        }
    };
    let files: Vec<PathBuf> = if meta.is_file() {
        // A file named on the command line is read whatever its name: the user chose it.
        vec![dir.to_path_buf()]
    } else {
        let mut files = Vec::new();
        let walk = walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
        for entry in walk {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    if is_log_name(e.file_name()) {
                        files.push(e.into_path());
                    } else {
                        inv.not_read_count += 1;
                        if inv.not_read.len() < MAX_NOT_READ {
                            inv.not_read.push(e.path().display().to_string());
                        }
                    }
                }
                // A FIFO or device file is never opened: a read of it would block or never end.
                Ok(e) if !e.file_type().is_dir() => {
                    inv.not_read_count += 1;
                    if inv.not_read.len() < MAX_NOT_READ {
                        inv.not_read.push(format!(
                            "{} ({}, not a regular file)",
                            e.path().display(),
                            crate::inventory::artifacts::special_kind(e.file_type())
                        ));
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    // A dangling link to something that would not have been read anyway (an
                    // image, an archive) is not worth an error.
                    let ignorable = e.path().is_some_and(|p| {
                        p.file_name().is_some_and(|n| !is_log_name(n))
                            && e.io_error()
                                .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
                    });
                    if !ignorable {
                        let path = e.path().unwrap_or(dir).display().to_string();
                        inv.unreadable.push((path, describe_walk_error(&e)));
                    }
                }
            }
        }
        files
    };
    let scanned: Vec<(String, Result<Scan, String>)> = files
        .par_iter()
        .map(|p| (p.display().to_string(), scan_file(p)))
        .collect();
    for (shown, result) in scanned {
        match result {
            Ok(scan) => inv.add(shown, scan),
            Err(reason) => inv.unreadable.push((shown, reason)),
        }
    }
    inv.finish();
    inv
}

/// Reads logs already in memory: (source name, text), e.g. pod logs fetched from a cluster.
pub fn from_texts(texts: Vec<(String, String)>) -> LogInventory {
    let mut inv = LogInventory {
        origin: "pod logs".into(),
        pods: true,
        ..LogInventory::default()
    };
    let (empty, texts): (Vec<_>, Vec<_>) = texts
        .into_iter()
        .partition(|(_, text)| text.trim().is_empty());
    inv.empty = empty.into_iter().map(|(name, _)| name).collect();
    let scanned: Vec<(String, Scan)> = texts
        .into_par_iter()
        .map(|(name, text)| {
            let mut scanner = Scanner::default();
            for line in text.split('\n') {
                let bytes = line.as_bytes();
                scanner.line(&bytes[..bytes.len().min(MAX_LINE_BYTES)]);
            }
            let scan = scanner.finish(&name, false);
            (name, scan)
        })
        .collect();
    for (name, scan) in scanned {
        inv.add(name, scan);
    }
    inv.finish();
    inv
}

impl LogInventory {
    fn add(&mut self, shown: String, scan: Scan) {
        if scan.truncated {
            self.truncated.push(shown.clone());
        }
        self.hits.extend(scan.hits);
        self.sources.push((shown, scan.lines));
    }
}

/// Whether a walked name is hidden (`.git`, `.DS_Store`): never a saved log.
fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

/// Whether a file name looks like a saved log: `*.log`, `*.txt`, a rotated `*.log.3`, or no
/// extension at all (`kubectl logs pod > peer0`).
fn is_log_name(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return true;
    };
    if stem.is_empty() {
        return false;
    }
    let ext = ext.to_ascii_lowercase();
    ext == "log"
        || ext == "txt"
        || (!ext.is_empty()
            && ext.bytes().all(|b| b.is_ascii_digit())
            && stem.to_ascii_lowercase().ends_with(".log"))
}

fn describe_open_error(path: &Path, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound && std::fs::symlink_metadata(path).is_ok() {
        return "dangling symlink: its target does not exist".into();
    }
    format!("failed to read: {e}")
}

fn describe_walk_error(e: &walkdir::Error) -> String {
    if let Some(ancestor) = e.loop_ancestor() {
        return format!("symlink loop back to {}", ancestor.display());
    }
    match (e.path(), e.io_error()) {
        (Some(p), Some(io)) => describe_open_error(p, io),
        (_, Some(io)) => format!("failed to read: {io}"),
        _ => format!("failed to read: {e}"),
    }
}

/// What scanning one source found.
#[derive(Debug, Default)]
struct Scan {
    lines: usize,
    truncated: bool,
    hits: Vec<Hits>,
}

/// Reads one file line by line, bounded in bytes per file and per line.
fn scan_file(path: &Path) -> Result<Scan, String> {
    let file = File::open(path).map_err(|e| describe_open_error(path, &e))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(64 * 1024, file.take(MAX_FILE_BYTES));
    let head = reader
        .fill_buf()
        .map_err(|e| format!("failed to read: {e}"))?;
    if let Some(reason) = binary_reason(&head[..head.len().min(SNIFF_BYTES)]) {
        return Err(reason);
    }
    let mut scanner = Scanner::default();
    let mut line: Vec<u8> = Vec::with_capacity(512);
    loop {
        let buf = reader
            .fill_buf()
            .map_err(|e| format!("failed to read: {e}"))?;
        if buf.is_empty() {
            break;
        }
        let (chunk, consumed, ends_line) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        let room = MAX_LINE_BYTES.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        reader.consume(consumed);
        if ends_line {
            scanner.line(&line);
            line.clear();
        }
    }
    if !line.is_empty() {
        scanner.line(&line);
    }
    let shown = path.display().to_string();
    Ok(scanner.finish(&shown, len > MAX_FILE_BYTES))
}

/// Why the start of a file says it is not a text log, if it does.
pub fn binary_reason(head: &[u8]) -> Option<String> {
    if head.starts_with(&[0x1f, 0x8b]) {
        return Some("gzip-compressed, not a text log (decompress it first)".into());
    }
    head.iter()
        .position(|&b| b == 0)
        .map(|pos| format!("binary file (NUL byte at offset {pos}), not a text log"))
}

/// Scans the lines of one source, keeping per signature and key what [`Hits`] holds.
#[derive(Default)]
struct Scanner {
    lines: usize,
    /// The last timestamp seen: stack traces and wrapped messages carry none of their own.
    last_time: Option<LogTime>,
    hits: BTreeMap<(Signature, Option<String>), Hits>,
    /// The last remote address matched per signature, to count once an event that Fabric logs
    /// twice (core.comm's `TLS handshake failed` and grpc's `failed to complete security
    /// handshake` for the same connection).
    last_remote: HashMap<Signature, String>,
    /// The log is a Raft orderer's (an `orderer.consensus.etcdraft` line): its deliver and
    /// broadcast refusals ("because of consenter error", SERVICE_UNAVAILABLE) are a channel
    /// electing its leader, not Kafka's in-sync replicas.
    raft: bool,
}

impl Scanner {
    fn line(&mut self, raw: &[u8]) {
        self.lines += 1;
        let decoded = String::from_utf8_lossy(raw);
        let stripped = strip_ansi(decoded.trim_end_matches('\r'));
        let text: &str = &stripped;
        if !self.raft && text.contains("orderer.consensus.etcdraft") {
            self.raft = true;
        }
        let own_time = parse_time(text).filter(|t| t.at.is_some());
        let matches = match_line(text);
        if matches.is_empty() {
            if own_time.is_some() {
                self.last_time = own_time;
            }
            return;
        }
        // A matched line with a date-like text that did not parse keeps that text as its time.
        let time = match own_time {
            Some(t) => {
                self.last_time = Some(t.clone());
                Some(t)
            }
            None => parse_time(text).or_else(|| self.last_time.clone()),
        };
        let lineno = self.lines;
        for m in matches {
            if let Some(remote) = &m.remote {
                if self.last_remote.get(&m.signature) == Some(remote) {
                    continue;
                }
                self.last_remote.insert(m.signature, remote.clone());
            }
            let key = (m.signature == Signature::HandshakeReset).then(|| {
                m.remote
                    .as_deref()
                    .map(|r| host_of(r).to_owned())
                    .unwrap_or_else(|| "unknown".to_owned())
            });
            let occurrence = Occurrence {
                line: lineno,
                time: time.clone(),
            };
            let entry = self
                .hits
                .entry((m.signature, key.clone()))
                .or_insert_with(|| Hits {
                    signature: m.signature,
                    source: String::new(),
                    peer: key,
                    count: 0,
                    first: occurrence.clone(),
                    last: occurrence.clone(),
                    example: example(text),
                    excerpt: excerpt(text, &m.anchor),
                    details: BTreeMap::new(),
                    times_ms: Vec::new(),
                    untimed: 0,
                });
            entry.count += 1;
            entry.last = occurrence;
            for (kind, value) in m.details {
                let set = entry.details.entry(kind).or_default();
                if set.len() < MAX_DETAILS {
                    set.insert(value);
                }
            }
            if m.signature == Signature::HandshakeReset {
                match time.as_ref().and_then(LogTime::millis) {
                    Some(ms) if entry.times_ms.len() < MAX_TIMES => entry.times_ms.push(ms),
                    Some(_) => {}
                    None => entry.untimed += 1,
                }
            }
        }
    }

    fn finish(self, source: &str, truncated: bool) -> Scan {
        let raft = self.raft;
        Scan {
            lines: self.lines,
            truncated,
            hits: self
                .hits
                .into_values()
                .filter(|h| !(raft && h.signature == Signature::KafkaIsr))
                .map(|mut h| {
                    h.source = source.to_owned();
                    h
                })
                .collect(),
        }
    }
}

/// One signature found on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineMatch {
    pub signature: Signature,
    /// The remote `host:port` the line names, when it names one.
    pub remote: Option<String>,
    /// Values read from the line (`names`, `dns_servers`, `channels`, `remote_ips`, `reasons`).
    pub details: Vec<(&'static str, String)>,
    /// The words that matched, for the excerpt.
    pub anchor: String,
}

const CERT_WINDOW: &str = "certificate has expired or is not yet valid";

/// Fabric's MSP failing to rewrite a CA certificate it was told about (NodeOUs, OU identifiers)
/// into low-S: `getCertifiersIdentifier` and `setupOUs` in msp/mspimplsetup.go.
const SANITIZE_CERT: &str = "sanitizeCert failed";
/// How much of the reason after [`SANITIZE_CERT`] a finding keeps.
const REASON_CHARS: usize = 120;

/// Alerts and Go crypto/tls errors of a mutual-TLS refusal, on either side of the connection.
const BAD_CERT: &[&str] = &[
    "tls: bad certificate",
    "tls: failed to verify client's certificate",
    "tls: failed to verify client certificate",
    "tls: client didn't provide a certificate",
    "tls: unknown certificate authority",
];

/// Kafka and orderer texts of a channel the Kafka cluster will not serve. The orderer's deliver
/// refusal answers SERVICE_UNAVAILABLE without writing the word: "because of consenter error".
const KAFKA_ISR: &[&str] = &[
    "SERVICE_UNAVAILABLE",
    "because of consenter error",
    "NOT_ENOUGH_REPLICAS",
    "NotEnoughReplicas",
    "fewer in-sync replicas than required",
];

/// Loggers of an orderer talking to other ordering nodes (`[orderer.common.cluster]`, the
/// consensus plugins): their failed lookups are not chaincode's.
const ORDERING_LOGGERS: &[&str] = &[
    "[orderer.common.cluster",
    "[orderer.consensus.",
    "[orderer/consensus/",
];

/// Resolver failures as Go's net package (pure Go and cgo) and glibc word them.
const DNS_FAILURES: &[&str] = &[
    "no such host",
    "server misbehaving",
    "i/o timeout",
    "Temporary failure in name resolution",
    "Name or service not known",
];

/// Every signature a line (colour codes already removed) shows.
pub fn match_line(line: &str) -> Vec<LineMatch> {
    let mut out = Vec::new();
    let window = line.contains(CERT_WINDOW);
    let bad_cert = if window { None } else { bad_certificate(line) };
    let reset = if window || bad_cert.is_some() {
        None
    } else {
        handshake_reset(line)
    };
    // Only the TLS signatures name a remote address; most lines match nothing, so the search
    // for one is skipped for them.
    let remote = if window || bad_cert.is_some() || reset.is_some() {
        remote_addr(line)
    } else {
        None
    };
    let remote_ips = || -> Vec<(&'static str, String)> {
        remote
            .map(|r| vec![("remote_ips", host_of(r).to_owned())])
            .unwrap_or_default()
    };
    if window {
        out.push(LineMatch {
            signature: Signature::CertificateWindow,
            remote: remote.map(str::to_owned),
            details: remote_ips(),
            anchor: CERT_WINDOW.to_owned(),
        });
    }
    // A certificate outside its validity window is LOG-001's, wherever Fabric noticed it: the
    // window is the cause, sanitizeCert only where it surfaced.
    if !window && let Some(reason) = sanitize_cert_reason(line) {
        out.push(LineMatch {
            signature: Signature::SanitizeCert,
            remote: None,
            details: vec![("reasons", reason)],
            anchor: SANITIZE_CERT.to_owned(),
        });
    }
    if let Some(anchor) = bad_cert {
        out.push(LineMatch {
            signature: Signature::BadCertificate,
            remote: remote.map(str::to_owned),
            details: remote_ips(),
            anchor: anchor.to_owned(),
        });
    }
    if let Some(anchor) = reset {
        let mut details = Vec::new();
        if let Some(server) = server_name(line) {
            details.push(("servers", server.to_owned()));
        }
        if let Some(port) = local_port(line) {
            details.push(("local_ports", port.to_owned()));
        }
        out.push(LineMatch {
            signature: Signature::HandshakeReset,
            remote: remote.map(str::to_owned),
            details,
            anchor: anchor.to_owned(),
        });
    }
    if line.contains(RAFT_LOG_LOST) {
        let mut details = Vec::new();
        if let Some(channel) = raft_channel(line) {
            details.push(("channels", channel.to_owned()));
        }
        out.push(LineMatch {
            signature: Signature::RaftLogLost,
            remote: None,
            details,
            anchor: RAFT_LOG_LOST.to_owned(),
        });
    }
    if let Some(anchor) = kafka_isr(line) {
        let mut details = Vec::new();
        if let Some(channel) = channel_of(line) {
            details.push(("channels", channel.to_owned()));
        }
        out.push(LineMatch {
            signature: Signature::KafkaIsr,
            remote: None,
            details,
            anchor: anchor.to_owned(),
        });
    }
    // An orderer failing to look up another orderer (Raft cluster traffic, the Kafka client's
    // brokers) is the ordering service's own DNS, not chaincode's: those loggers are left out.
    let ordering_traffic = ORDERING_LOGGERS.iter().any(|l| line.contains(l));
    if !ordering_traffic && let Some(lookups) = failed_lookups(line) {
        let mut details = Vec::new();
        let anchor = format!("lookup {}", lookups[0].0);
        for (name, server) in lookups {
            details.push(("names", name.to_owned()));
            if let Some(s) = server {
                details.push(("dns_servers", s.to_owned()));
            }
        }
        out.push(LineMatch {
            signature: Signature::ChaincodeDns,
            remote: None,
            details,
            anchor,
        });
    }
    out
}

/// A mutual-TLS refusal. Go 1.20+ words the server's failed client verification as the generic
/// `tls: failed to verify certificate`, which on a client means the server's certificate (TLS-003
/// territory), so that text counts only on a server's handshake line.
fn bad_certificate(line: &str) -> Option<&'static str> {
    const GENERIC: &str = "tls: failed to verify certificate";
    BAD_CERT
        .iter()
        .copied()
        .find(|p| line.contains(p))
        .or_else(|| {
            (line.contains(GENERIC)
                && (line.contains("server=")
                    || line.contains("Server.Serve")
                    || line.contains("Server TLS handshake")))
            .then_some(GENERIC)
        })
}

/// Why an MSP's sanitizeCert failed, as the line says after the words (`the supplied identity is
/// not valid: x509: certificate signed by unknown authority`); `None` when the line does not say
/// `sanitizeCert failed`. Fabric writes the reason after a space (`%s`) or `: ` (WithMessage).
fn sanitize_cert_reason(line: &str) -> Option<String> {
    let at = line.find(SANITIZE_CERT)? + SANITIZE_CERT.len();
    let reason = line[at..]
        .trim_start_matches(':')
        .trim()
        .trim_end_matches('"');
    Some(truncate_chars(&redact_private_keys(reason), REASON_CHARS))
}

/// A server-side handshake the client reset or closed before it completed: what a TCP health
/// check (SYN, SYN-ACK, ACK, RST) leaves in a TLS server's log.
fn handshake_reset(line: &str) -> Option<&'static str> {
    let reset = line.contains("connection reset by peer")
        || line.contains(": EOF")
        || line.contains("error EOF");
    if !reset {
        return None;
    }
    [
        "failed to complete security handshake",
        "TLS handshake failed",
        "TLS handshake error from",
    ]
    .into_iter()
    .find(|p| line.contains(p))
}

/// The Fabric server a handshake line names: core.comm's logger field `server=PeerServer`
/// (`Orderer`, `ChaincodeServer`), `"server": "…"` in JSON.
fn server_name(line: &str) -> Option<&str> {
    let value = if let Some(at) = line.find(" server=") {
        &line[at + " server=".len()..]
    } else {
        let at = line.find("\"server\":")? + "\"server\":".len();
        line[at..].trim_start().strip_prefix('"')?
    };
    let end = value
        .find(|c: char| c.is_whitespace() || c == '"' || c == ',' || c == '}')
        .unwrap_or(value.len());
    let name = &value[..end];
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())).then_some(name)
}

/// The server's own port in Go's `read tcp 10.0.0.20:7050->10.0.0.5:51234` (grpc's failed
/// security handshake): the port the reset connection came in on.
fn local_port(line: &str) -> Option<&str> {
    let at = line.find(" tcp ")? + " tcp ".len();
    let rest = &line[at..];
    let local = &rest[..rest.find("->")?];
    if local.contains(char::is_whitespace) {
        return None;
    }
    let port = local.rsplit(':').next()?;
    (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())).then_some(port)
}

/// Kafka refusing a channel, but not a Raft orderer's `SERVICE_UNAVAILABLE -- no Raft leader`,
/// which has nothing to do with in-sync replicas.
fn kafka_isr(line: &str) -> Option<&'static str> {
    if line.contains("Raft") || line.contains("etcdraft") {
        return None;
    }
    KAFKA_ISR.iter().copied().find(|p| line.contains(p))
}

/// etcd/raft's panic when its log ends before the index the leader says is committed
/// (raft.go `commitTo`): the WAL of this orderer was lost (an emptyDir, a recreated volume) or
/// rolled back from a backup.
const RAFT_LOG_LOST: &str = "Was the raft log corrupted, truncated, or lost?";

/// The channel of an etcdraft line: `channel=mychannel` (zap fields), else `[channel: …]`.
fn raft_channel(line: &str) -> Option<&str> {
    if let Some(start) = line.find("channel=") {
        let rest = &line[start + "channel=".len()..];
        let name = rest.split_whitespace().next().unwrap_or("");
        return (!name.is_empty()).then_some(name);
    }
    channel_of(line)
}

/// The channel of a Fabric orderer line: `[channel: mychannel]`.
fn channel_of(line: &str) -> Option<&str> {
    let start = line.find("[channel: ")? + "[channel: ".len();
    let rest = &line[start..];
    let name = &rest[..rest.find(']')?];
    (!name.is_empty()).then_some(name)
}

/// Every failed lookup on a line: (name, DNS server). Go writes `lookup NAME on SERVER: ERROR`
/// for the pure-Go resolver and `lookup NAME: ERROR` for cgo; the second form counts only with
/// a resolver error text after it, the first always (Go writes it only for a failure).
pub fn failed_lookups(line: &str) -> Option<Vec<(&str, Option<&str>)>> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(pos) = rest.find("lookup ") {
        let after = &rest[pos + "lookup ".len()..];
        rest = after;
        let end = after.find([' ', ':', '"', '\'']).unwrap_or(after.len());
        let name = &after[..end];
        if !is_host_name(name) {
            continue;
        }
        let tail = &after[end..];
        if let Some(on) = tail.strip_prefix(" on ") {
            // The server is `10.0.0.2:53` or `[fd00::a]:53`, ended by the `:` before the error.
            let server_end = on.find(": ").unwrap_or(on.len());
            let server = on[..server_end].trim_end_matches(':');
            if !server.is_empty() && !server.contains(' ') {
                found.push((name, Some(server)));
                continue;
            }
        }
        if tail.starts_with(':') && DNS_FAILURES.iter().any(|f| tail.contains(f)) {
            found.push((name, None));
        }
    }
    (!found.is_empty()).then_some(found)
}

fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.chars().any(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
}

/// The remote `host:port` a server's handshake line names: grpc's `from "10.0.0.5:51234"`,
/// Fabric's `remoteaddress=10.0.0.5:51234` (`"remote address": "…"` in JSON), or net/http's
/// `TLS handshake error from 10.0.0.5:51234:` (fabric-ca).
pub fn remote_addr(line: &str) -> Option<&str> {
    let quoted = |marker: &str| -> Option<&str> {
        let start = line.find(marker)? + marker.len();
        let rest = &line[start..];
        Some(&rest[..rest.find('"')?])
    };
    let bare = |marker: &str| -> Option<&str> {
        let start = line.find(marker)? + marker.len();
        let rest = &line[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ',' || c == '}' || c == '"')
            .unwrap_or(rest.len());
        Some(rest[..end].trim_end_matches(':'))
    };
    quoted("from \"")
        .or_else(|| bare("remoteaddress="))
        .or_else(|| quoted("\"remote address\": \""))
        .or_else(|| quoted("\"remote address\":\""))
        .or_else(|| bare("handshake error from "))
        .filter(|a| a.contains(':') && !a.is_empty())
}

/// The host of `host:port` (`10.0.0.5`, or `fd00::5` for `[fd00::5]:443`).
pub fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            host
        }
        _ => addr,
    }
}

/// Removes ANSI escape sequences (Fabric colours its level prefix on a terminal, and `kubectl
/// logs` keeps the codes).
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    if !s.contains('\x1b') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            // CSI: parameter and intermediate bytes, then one final byte in @..~.
            for f in chars.by_ref() {
                if ('@'..='~').contains(&f) {
                    break;
                }
            }
        } else {
            // A two-character escape (ESC c, ESC =): drop the next character too.
            chars.next();
        }
    }
    Cow::Owned(out)
}

/// The timestamp at the start of a line, in the forms Fabric, Kafka, ZooKeeper, Go, the Node
/// SDK and `kubectl logs --timestamps` write. A line that starts like a date but does not parse
/// keeps its first token as raw text.
pub fn parse_time(line: &str) -> Option<LogTime> {
    let s = line.trim_start();
    // grpc-go's default logger (chaincode containers) puts the severity before Go's timestamp.
    let s = ["INFO: ", "WARNING: ", "ERROR: ", "FATAL: "]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .unwrap_or(s);
    // kubectl/docker --timestamps: an RFC 3339 token before the container's own line, which
    // is the better clock (the node's, in UTC, to the nanosecond).
    let token = s.split(char::is_whitespace).next().unwrap_or("");
    if token.len() >= 20
        && token.as_bytes().get(10) == Some(&b'T')
        && let Ok(t) = OffsetDateTime::parse(token, &Rfc3339)
    {
        let t = t.to_offset(UtcOffset::UTC);
        return Some(LogTime {
            raw: token.to_owned(),
            at: Some(PrimitiveDateTime::new(t.date(), t.time())),
            zone: Zone::Utc,
        });
    }
    // `[2019-09-24 08:37:21,527]`: log4j (Kafka) and the Node SDK.
    if let Some(inner) = s.strip_prefix('[')
        && let Some((at, len)) = date_time(inner)
        && inner[len..].starts_with(']')
    {
        return Some(LogTime {
            raw: inner[..len].to_owned(),
            at: Some(at),
            zone: Zone::Unstated,
        });
    }
    // `2019-09-24 08:37:21.527 UTC [grpc]` (Fabric), `2019-09-24 08:37:21,527 [myid:1]`
    // (ZooKeeper), `2019/09/24 08:37:21` (Go's log, fabric-ca).
    if let Some((at, len)) = date_time(s) {
        let after = &s[len..];
        let zone_token = after
            .strip_prefix(' ')
            .and_then(|a| a.split(' ').next())
            .filter(|z| is_zone(z));
        return Some(match zone_token {
            Some(z) => {
                let raw = s[..len + 1 + z.len()].to_owned();
                match zone_of(z) {
                    Some(offset) => {
                        let utc = at.assume_offset(offset).to_offset(UtcOffset::UTC);
                        LogTime {
                            raw,
                            at: Some(PrimitiveDateTime::new(utc.date(), utc.time())),
                            zone: Zone::Utc,
                        }
                    }
                    None => LogTime {
                        raw,
                        at: Some(at),
                        zone: Zone::Named(z.to_owned()),
                    },
                }
            }
            None => LogTime {
                raw: s[..len].to_owned(),
                at: Some(at),
                zone: Zone::Unstated,
            },
        });
    }
    // FABRIC_LOGGING_FORMAT=json: `{"level":"warn","ts":1569314241.527,...}`.
    if s.starts_with('{')
        && let Some(t) = json_ts(s)
    {
        return Some(t);
    }
    // Something date-like that none of the above reads: keep it as written.
    let b = s.as_bytes();
    let inner = s.strip_prefix('[').unwrap_or(s).as_bytes();
    if inner.len() >= 5
        && inner[..4].iter().all(u8::is_ascii_digit)
        && (inner[4] == b'-' || inner[4] == b'/')
    {
        let end = b
            .iter()
            .position(|c| c.is_ascii_whitespace())
            .unwrap_or(b.len());
        return Some(LogTime::unparsed(&s[..end]));
    }
    None
}

/// `YYYY-MM-DD HH:MM:SS` (or `/` between date parts, or `T` before the time) with an optional
/// `.` or `,` fraction, at the start of `s`: the time and how many bytes it took.
fn date_time(s: &str) -> Option<(PrimitiveDateTime, usize)> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &b[r];
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let sep = b[4];
    if !(sep == b'-' || sep == b'/') || b[7] != sep || !(b[10] == b' ' || b[10] == b'T') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut len = 19;
    let mut nanos = 0u32;
    if b.len() > 20 && (b[19] == b'.' || b[19] == b',') && b[20].is_ascii_digit() {
        let digits = b[20..].iter().take_while(|d| d.is_ascii_digit()).count();
        let mut scale = 100_000_000u32;
        for d in &b[20..20 + digits.min(9)] {
            nanos += u32::from(d - b'0') * scale;
            scale /= 10;
        }
        len = 20 + digits;
    }
    let date = Date::from_calendar_date(
        i32::try_from(year).ok()?,
        Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let time = Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()?;
    Some((PrimitiveDateTime::new(date, time), len))
}

/// Whether a token after the time is a zone: an abbreviation (`UTC`, `CST`) or an offset
/// (`+08`, `+0800`, `-05:00`), as Go's `MST` layout prints.
fn is_zone(z: &str) -> bool {
    let b = z.as_bytes();
    match b.first() {
        Some(b'+' | b'-') => {
            (3..=6).contains(&b.len()) && b[1..].iter().all(|c| c.is_ascii_digit() || *c == b':')
        }
        Some(_) => (1..=5).contains(&b.len()) && b.iter().all(u8::is_ascii_uppercase),
        None => false,
    }
}

/// The UTC offset a zone token fixes, when it fixes one (`UTC`, `GMT`, `Z`, `+08`, `+0800`).
fn zone_of(z: &str) -> Option<UtcOffset> {
    if matches!(z, "UTC" | "GMT" | "Z") {
        return Some(UtcOffset::UTC);
    }
    let sign: i8 = match z.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = z[1..].chars().filter(char::is_ascii_digit).collect();
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i8>().ok()?, 0),
        4 => (
            digits[..2].parse::<i8>().ok()?,
            digits[2..].parse::<i8>().ok()?,
        ),
        _ => return None,
    };
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

/// The `ts` of a JSON log line: Unix seconds (zap's default) or an RFC 3339 string.
fn json_ts(s: &str) -> Option<LogTime> {
    let start = s.find("\"ts\":")? + "\"ts\":".len();
    let rest = s[start..].trim_start();
    if let Some(quoted) = rest.strip_prefix('"') {
        let text = &quoted[..quoted.find('"')?];
        let t = OffsetDateTime::parse(text, &Rfc3339)
            .ok()?
            .to_offset(UtcOffset::UTC);
        return Some(LogTime {
            raw: text.to_owned(),
            at: Some(PrimitiveDateTime::new(t.date(), t.time())),
            zone: Zone::Utc,
        });
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || c == '+'))
        .unwrap_or(rest.len());
    let text = &rest[..end];
    let secs: f64 = text.parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    let t = OffsetDateTime::from_unix_timestamp_nanos((secs * 1e9) as i128).ok()?;
    Some(LogTime {
        raw: text.to_owned(),
        at: Some(PrimitiveDateTime::new(t.date(), t.time())),
        zone: Zone::Utc,
    })
}

/// The example kept for a finding: private keys redacted (a log that dumps a Secret must not
/// carry its key into a report), trimmed to [`EXAMPLE_CHARS`] characters.
pub fn example(line: &str) -> String {
    let redacted = redact_private_keys(line.trim());
    truncate_chars(&redacted, EXAMPLE_CHARS)
}

/// The part of a line around `anchor`, redacted like the example: up to [`EXCERPT_BEFORE`]
/// characters before it and the rest of [`EXCERPT_CHARS`] after, `…` where cut.
pub fn excerpt(line: &str, anchor: &str) -> String {
    let redacted = redact_private_keys(line.trim());
    let Some(pos) = redacted.find(anchor) else {
        return truncate_chars(&redacted, EXCERPT_CHARS);
    };
    let chars: Vec<(usize, char)> = redacted.char_indices().collect();
    let anchor_at = chars.partition_point(|(i, _)| *i < pos);
    let from = anchor_at.saturating_sub(EXCERPT_BEFORE);
    let to = (from + EXCERPT_CHARS).min(chars.len());
    let byte = |i: usize| chars.get(i).map(|(b, _)| *b).unwrap_or(redacted.len());
    format!(
        "{}{}{}",
        if from > 0 { "…" } else { "" },
        &redacted[byte(from)..byte(to)],
        if to < chars.len() { "…" } else { "" }
    )
}

/// `s` cut to at most `max` characters, with `…` where it was cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Replaces every PEM private key block (`-----BEGIN … PRIVATE KEY-----` to its END line, or
/// to the end of the line when the END is elsewhere) with `[private key redacted]`.
pub fn redact_private_keys(line: &str) -> Cow<'_, str> {
    if !line.contains("PRIVATE KEY") {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let header_end = rest[begin + 11..]
            .find("-----")
            .map(|i| begin + 11 + i + 5)
            .unwrap_or(rest.len());
        let label = &rest[begin..header_end];
        if !label.contains("PRIVATE KEY") {
            push_redacting_base64_runs(&mut out, &rest[..header_end]);
            rest = &rest[header_end..];
            continue;
        }
        push_redacting_base64_runs(&mut out, &rest[..begin]);
        out.push_str("[private key redacted]");
        let after = &rest[header_end..];
        rest = match after.find("-----END ") {
            Some(end) => {
                let tail = &after[end + 9..];
                match tail.find("-----") {
                    Some(close) => &tail[close + 5..],
                    None => "",
                }
            }
            None => "",
        };
    }
    push_redacting_base64_runs(&mut out, rest);
    Cow::Owned(out)
}

/// Appends `text` to `out` with every run of 40 or more base64 characters replaced by
/// `[redacted]`. Body lines of a key logged one per line carry no header; on a line with the
/// words PRIVATE KEY such a run is treated as key material wherever it is, also with quotes or
/// other text glued to it (`"MHcC…"`, `-\nMHcC…`).
fn push_redacting_base64_runs(out: &mut String, text: &str) {
    let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\\');
    let bytes = text.as_bytes();
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        let end = bytes[i..]
            .iter()
            .position(|&b| !base64(b))
            .map_or(bytes.len(), |n| i + n);
        // A run starts and ends at ASCII bytes, so both ends are character boundaries.
        if end - i >= 40 {
            out.push_str(&text[copied..i]);
            out.push_str("[redacted]");
            copied = end;
        }
        i = end + 1;
    }
    out.push_str(&text[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn empty_pod_logs_are_not_sources() {
        let inv = from_texts(vec![
            ("org1/peer0-0/peer".into(), String::new()),
            (
                "org1/peer1-0/peer".into(),
                "2019-09-24 08:37:21.527 UTC [peer] start\n".into(),
            ),
        ]);
        assert_eq!(inv.empty, vec!["org1/peer0-0/peer".to_owned()]);
        assert_eq!(inv.sources.len(), 1);
    }

    fn sigs(line: &str) -> Vec<Signature> {
        match_line(line).into_iter().map(|m| m.signature).collect()
    }

    #[test]
    fn fabric_timestamp_in_utc() {
        let t = parse_time("2019-09-24 08:37:21.527 UTC [grpc] Printf -> DEBU 173 grpc: x")
            .expect("parses");
        assert_eq!(t.at, Some(datetime!(2019-09-24 08:37:21.527)));
        assert_eq!(t.zone, Zone::Utc);
        assert_eq!(t.raw, "2019-09-24 08:37:21.527 UTC");
        assert_eq!(t.iso(), "2019-09-24T08:37:21.527Z");
        assert_eq!(t.human(), "2019-09-24 08:37:21 UTC");
    }

    #[test]
    fn coloured_fabric_line_is_read_after_stripping() {
        let line = "\x1b[36m2021-03-04 10:11:12.123 UTC [core.comm] ServerHandshake -> DEBU 07a\x1b[0m Server TLS handshake completed";
        let plain = strip_ansi(line);
        assert!(!plain.contains('\x1b'));
        assert!(plain.contains("DEBU 07a Server TLS"));
        let t = parse_time(&plain).expect("parses");
        assert_eq!(t.at, Some(datetime!(2021-03-04 10:11:12.123)));
    }

    #[test]
    fn kubectl_timestamp_prefix_wins() {
        let t = parse_time(
            "2019-09-24T08:37:21.527123456Z 2019-09-24 08:37:20.000 UTC [grpc] Printf -> DEBU",
        )
        .expect("parses");
        assert_eq!(t.at, Some(datetime!(2019-09-24 08:37:21.527123456)));
        assert_eq!(t.zone, Zone::Utc);
        let offset = parse_time("2019-09-24T10:37:21+02:00 x").expect("parses");
        assert_eq!(offset.at, Some(datetime!(2019-09-24 08:37:21)));
    }

    #[test]
    fn kafka_and_zookeeper_timestamps() {
        let k = parse_time("[2019-09-24 08:37:21,527] ERROR [ReplicaManager broker=1] Error")
            .expect("parses");
        assert_eq!(k.at, Some(datetime!(2019-09-24 08:37:21.527)));
        assert_eq!(k.zone, Zone::Unstated);
        assert_eq!(k.iso(), "2019-09-24T08:37:21.527");
        let z = parse_time("2019-09-24 08:37:21,527 [myid:1] - INFO  [main:QuorumPeer]")
            .expect("parses");
        assert_eq!(z.at, Some(datetime!(2019-09-24 08:37:21.527)));
        assert_eq!(z.zone, Zone::Unstated);
        assert_eq!(z.raw, "2019-09-24 08:37:21,527");
    }

    #[test]
    fn go_log_zones_and_json() {
        let g = parse_time("2019/09/24 08:37:21 http: TLS handshake error from 1.2.3.4:5: EOF")
            .expect("parses");
        assert_eq!(g.at, Some(datetime!(2019-09-24 08:37:21)));
        let grpclog = parse_time("WARNING: 2019/09/24 08:37:22 grpc: addrConn.createTransport")
            .expect("parses");
        assert_eq!(grpclog.at, Some(datetime!(2019-09-24 08:37:22)));
        let cst = parse_time("2019-09-24 16:37:21.527 CST [grpc] x").expect("parses");
        assert_eq!(cst.zone, Zone::Named("CST".into()));
        assert_eq!(cst.human(), "2019-09-24 16:37:21 CST");
        let plus = parse_time("2019-09-24 16:37:21.527 +08 [grpc] x").expect("parses");
        assert_eq!(plus.at, Some(datetime!(2019-09-24 08:37:21.527)));
        assert_eq!(plus.zone, Zone::Utc);
        let json = parse_time(r#"{"level":"warn","ts":1569314241.527,"name":"grpc","msg":"x"}"#)
            .expect("parses");
        assert_eq!(
            json.at.map(|t| t.assume_utc().unix_timestamp()),
            Some(1569314241)
        );
    }

    #[test]
    fn unparseable_dates_keep_their_text() {
        let t = parse_time("2019-13-45 99:99:99.000 UTC [x] y").expect("date-like");
        assert_eq!(t.at, None);
        assert_eq!(t.raw, "2019-13-45");
        assert_eq!(t.human(), "2019-13-45");
        assert!(parse_time("org.apache.kafka.common.errors.NotEnoughReplicasException").is_none());
        assert!(parse_time("").is_none());
    }

    #[test]
    fn certificate_window_signature() {
        let line = "2019-09-24 08:37:21.527 UTC [protoutils] ValidateProposalMessage -> WARN 04d channel [mychannel]: MSP error: the supplied identity is not valid: x509: certificate has expired or is not yet valid";
        assert_eq!(sigs(line), vec![Signature::CertificateWindow]);
        assert!(sigs("x509: certificate signed by unknown authority").is_empty());
    }

    #[test]
    fn handshake_resets_from_grpc_core_comm_and_net_http() {
        let grpc = r#"2017-12-28 08:09:16.321 UTC [grpc] Printf -> DEBU 173 grpc: Server.Serve failed to complete security handshake from "172.20.3.1:50028": read tcp 172.20.3.160:7050->172.20.3.1:50028: read: connection reset by peer"#;
        let m = match_line(grpc);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].signature, Signature::HandshakeReset);
        assert_eq!(m[0].remote.as_deref(), Some("172.20.3.1:50028"));
        assert_eq!(m[0].details, vec![("local_ports", "7050".to_owned())]);
        let comm = "2019-09-24 08:37:21.527 UTC [core.comm] ServerHandshake -> ERRO 0b3 TLS handshake failed with error EOF server=Orderer remoteaddress=10.0.0.5:51234";
        let m = match_line(comm);
        assert_eq!(m[0].signature, Signature::HandshakeReset);
        assert_eq!(m[0].remote.as_deref(), Some("10.0.0.5:51234"));
        assert_eq!(m[0].details, vec![("servers", "Orderer".to_owned())]);
        let json = r#"{"level":"error","logger":"core.comm","msg":"TLS handshake failed with error EOF","server": "PeerServer","remote address": "10.1.0.1:43210"}"#;
        assert_eq!(
            match_line(json)[0].details,
            vec![("servers", "PeerServer".to_owned())]
        );
        let ca = "2019/09/24 08:37:21 http: TLS handshake error from 10.0.0.5:40001: EOF";
        assert_eq!(match_line(ca)[0].remote.as_deref(), Some("10.0.0.5:40001"));
        // A handshake that failed for another reason is not a reset.
        assert!(sigs(r#"grpc: Server.Serve failed to complete security handshake from "1.2.3.4:5": tls: first record does not look like a TLS handshake"#).is_empty());
    }

    /// The sanitizeCert failure is LOG-006's alone: no TLS, DNS or Kafka signature claims it;
    /// the same words with an expired or not-yet-valid certificate as the reason are LOG-001's.
    #[test]
    fn sanitize_cert_failures_and_their_attribution() {
        let lines = [
            // Fabric 1.4.12 orderer, the system channel's org MSPs from the genesis block.
            "2026-12-04 09:20:11.529 UTC [orderer.commmon.multichannel] newLedgerResources -> PANI 00c Error creating channelconfig bundle: initializing channelconfig failed: could not create channel Consortiums sub-group config: setting up the MSP manager failed: sanitizeCert failed the supplied identity is not valid: x509: certificate signed by unknown authority",
            // Go's echo of the panic.
            "panic: Error creating channelconfig bundle: initializing channelconfig failed: could not create channel Consortiums sub-group config: setting up the MSP manager failed: sanitizeCert failed the supplied identity is not valid: x509: certificate signed by unknown authority",
            // The local MSP of an orderer and of a peer.
            "2026-12-04 09:14:03.215 UTC [orderer.common.server] initializeLocalMsp -> FATA 002 Failed to initialize local MSP: sanitizeCert failed the supplied identity is not valid: x509: certificate signed by unknown authority",
            "2026-12-04 09:31:40.117 UTC [main] InitCmd -> ERRO 001 Cannot run peer because error when setting up MSP of type bccsp from directory /etc/hyperledger/fabric/msp: sanitizeCert failed the supplied identity is not valid: x509: certificate signed by unknown authority",
            // setupOUs words it with errors.WithMessage.
            "Failed to initialize local MSP: sanitizeCert failed: the supplied identity is not valid: x509: certificate signed by unknown authority",
        ];
        for line in lines {
            let m = match_line(line);
            assert_eq!(
                m.iter().map(|m| m.signature).collect::<Vec<_>>(),
                vec![Signature::SanitizeCert],
                "{line}"
            );
            assert_eq!(
                m[0].details,
                vec![(
                    "reasons",
                    "the supplied identity is not valid: x509: certificate signed by unknown authority"
                        .to_owned()
                )],
                "{line}"
            );
        }
        let expired = "2026-12-04 09:14:03.215 UTC [orderer.common.server] initializeLocalMsp -> FATA 002 Failed to initialize local MSP: sanitizeCert failed the supplied identity is not valid: x509: certificate has expired or is not yet valid";
        assert_eq!(sigs(expired), vec![Signature::CertificateWindow]);
        // A CA that is simply not the issuer fails before sanitizing: not this signature.
        assert!(sigs("PANI 005 Error creating channelconfig bundle: initializing channelconfig failed: could not create channel Orderer sub-group config: setting up the MSP manager failed: the supplied identity is not valid: x509: certificate signed by unknown authority (possibly because of \"x509: ECDSA verification failure\" while trying to verify candidate authority certificate \"ca.example.com\")").is_empty());
    }

    #[test]
    fn bad_certificate_is_not_a_reset() {
        let line = "2019-09-24 08:37:21.527 UTC [core.comm] ServerHandshake -> ERRO 031 TLS handshake failed with error remote error: tls: bad certificate server=Orderer remoteaddress=172.21.0.10:33364";
        assert_eq!(sigs(line), vec![Signature::BadCertificate]);
        assert_eq!(
            sigs(
                "Server TLS handshake failed in 1.2ms with error tls: client didn't provide a certificate server=PeerServer remoteaddress=10.0.0.7:1"
            ),
            vec![Signature::BadCertificate]
        );
        assert_eq!(
            sigs(
                "TLS handshake failed with error tls: failed to verify client's certificate: x509: certificate signed by unknown authority server=PeerServer remoteaddress=10.0.0.7:2"
            ),
            vec![Signature::BadCertificate]
        );
        // Go 1.20+ wording counts on a server's line only.
        assert_eq!(
            sigs(
                "Server TLS handshake failed in 1ms with error tls: failed to verify certificate: x509: certificate signed by unknown authority server=PeerServer remoteaddress=10.0.0.7:3"
            ),
            vec![Signature::BadCertificate]
        );
        assert!(sigs("Error: failed to create deliver client: tls: failed to verify certificate: x509: certificate signed by unknown authority").is_empty());
        // An expired client certificate is the certificate window, not the trust setup.
        assert_eq!(
            sigs(
                "TLS handshake failed with error tls: failed to verify client's certificate: x509: certificate has expired or is not yet valid server=PeerServer remoteaddress=10.0.0.7:4"
            ),
            vec![Signature::CertificateWindow]
        );
    }

    #[test]
    fn kafka_isr_signature_and_channel() {
        let line = "2019-09-24 08:37:21.527 UTC [orderer.common.broadcast] ProcessMessage -> WARN 0e2 [channel: mychannel] Rejecting broadcast of normal message from 10.0.0.8:51002 with SERVICE_UNAVAILABLE: rejected by Consenter: backing Kafka cluster has not completed booting; try again later";
        let m = match_line(line);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].signature, Signature::KafkaIsr);
        assert_eq!(m[0].details, vec![("channels", "mychannel".to_owned())]);
        assert_eq!(
            sigs(
                "kafka server: Messages are rejected since there are fewer in-sync replicas than required."
            ),
            vec![Signature::KafkaIsr]
        );
        assert_eq!(
            sigs(
                "org.apache.kafka.common.errors.NotEnoughReplicasException: The size of the current ISR Set(1) is insufficient to satisfy the min.isr requirement of 2 for partition mychannel-0"
            ),
            vec![Signature::KafkaIsr]
        );
        assert!(sigs("[orderer.common.broadcast] ProcessMessage -> WARN [channel: c] Rejecting broadcast of message from 1.2.3.4:5 with SERVICE_UNAVAILABLE: rejected by Consenter: no Raft leader").is_empty());
    }

    #[test]
    fn dns_lookups_forms() {
        let line = r#"2019-09-24 08:37:21.527 UTC [grpc] createTransport -> WARN 002 grpc: addrConn.createTransport failed to connect to {peer0.org1:7052 0  <nil>}. Err :connection error: desc = "transport: Error while dialing dial tcp: lookup peer0.org1 on 10.0.0.2:53: no such host". Reconnecting..."#;
        assert_eq!(
            failed_lookups(line),
            Some(vec![("peer0.org1", Some("10.0.0.2:53"))])
        );
        let timeout = "dial tcp: lookup peer0.org1 on 192.168.0.1:53: read udp 172.17.0.3:45821->192.168.0.1:53: i/o timeout";
        assert_eq!(
            failed_lookups(timeout),
            Some(vec![("peer0.org1", Some("192.168.0.1:53"))])
        );
        let cgo = "dial tcp: lookup peer0.org1: Temporary failure in name resolution";
        assert_eq!(failed_lookups(cgo), Some(vec![("peer0.org1", None)]));
        assert_eq!(
            failed_lookups("dial tcp: lookup orderer0 on [fd00::a]:53: server misbehaving"),
            Some(vec![("orderer0", Some("[fd00::a]:53"))])
        );
        // Lookups that did not fail, and other dial errors.
        assert_eq!(failed_lookups("Looking up peer0.org1"), None);
        assert_eq!(failed_lookups("lookup peer0.org1: ok, 10.0.0.3"), None);
        assert_eq!(
            failed_lookups("dial tcp 10.0.0.3:7052: connect: connection refused"),
            None
        );
        let m = match_line(line);
        assert_eq!(m[0].signature, Signature::ChaincodeDns);
        assert_eq!(
            m[0].details,
            vec![
                ("names", "peer0.org1".to_owned()),
                ("dns_servers", "10.0.0.2:53".to_owned())
            ]
        );
    }

    #[test]
    fn hosts_and_remotes() {
        assert_eq!(host_of("10.0.0.5:51234"), "10.0.0.5");
        assert_eq!(host_of("[fd00::5]:443"), "fd00::5");
        assert_eq!(host_of("peer0"), "peer0");
        assert_eq!(
            remote_addr(
                r#"TLS handshake failed {"server": "Orderer", "remote address": "10.0.0.5:1"}"#
            ),
            Some("10.0.0.5:1")
        );
        assert_eq!(remote_addr("no address here"), None);
    }

    #[test]
    fn examples_are_trimmed_and_redacted() {
        let long = "x".repeat(1000);
        let e = example(&long);
        assert_eq!(e.chars().count(), EXAMPLE_CHARS + 1);
        assert!(e.ends_with('…'));
        let key = r#"x509: certificate has expired or is not yet valid {"key": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkVl9ZEWkM1Y2HnVmm3oG8kQ0Zb5z6V7pB5RZk0y6ZpoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n", "cert": "-----BEGIN CERTIFICATE-----"}"#;
        let e = example(key);
        assert!(!e.contains("MHcCAQEE"), "{e}");
        assert!(e.contains("[private key redacted]"), "{e}");
        assert!(e.contains("BEGIN CERTIFICATE"), "{e}");
        let unterminated =
            "dump: -----BEGIN PRIVATE KEY----- MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg";
        assert!(!example(unterminated).contains("MIGHAgEA"));
    }

    #[test]
    fn key_bodies_glued_to_other_text_are_redacted() {
        // Found by fuzz/fuzz_targets/log_lines.rs (minimized): the body ahead of the header
        // was kept because its word also held the date and non-base64 bytes.
        let body = "MHcCAQEEIB2vLT3OgDnyQ15kbRyQ2cXyxWm0CkZ6Yq8sW7nPZ0aKoAoGCCqG";
        let line = format!(
            "21026-12-\\n{body}\u{c7}t -> ERRO 001 loaded -----BEGIN EC PRIVATE KEY-----\\n{body}"
        );
        let redacted = redact_private_keys(&line);
        assert!(!redacted.contains(body), "{redacted}");
        assert!(
            redacted.starts_with("21026-12-[redacted]\u{c7}t -> ERRO"),
            "{redacted}"
        );
        let quoted = format!(r#"failed to load PRIVATE KEY "{body}": asn1: structure error"#);
        assert_eq!(
            redact_private_keys(&quoted),
            r#"failed to load PRIVATE KEY "[redacted]": asn1: structure error"#
        );
    }

    #[test]
    fn excerpts_show_the_matched_words() {
        let line = r#"WARNING: 2019/09/24 08:37:21 grpc: addrConn.createTransport failed to connect to {peer0.org1:7052 0  <nil>}. Err :connection error: desc = "transport: Error while dialing dial tcp: lookup peer0.org1 on 10.0.0.2:53: no such host". Reconnecting..."#;
        let e = excerpt(line, "lookup peer0.org1");
        assert!(e.starts_with('…'), "{e}");
        assert!(
            e.contains("lookup peer0.org1 on 10.0.0.2:53: no such host"),
            "{e}"
        );
        assert!(e.chars().count() <= EXCERPT_CHARS + 2, "{e}");
        assert_eq!(excerpt("short x509 line", "x509"), "short x509 line");
        assert_eq!(excerpt("no anchor", "absent"), "no anchor");
    }

    #[test]
    fn binary_files_are_refused() {
        assert!(binary_reason(b"2019-09-24 08:37:21.527 UTC [x] y\n").is_none());
        assert!(binary_reason(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]).is_some());
        assert!(binary_reason(&[0x1f, 0x8b, 8, 0]).unwrap().contains("gzip"));
    }

    #[test]
    fn log_names() {
        use std::ffi::OsStr;
        for yes in ["peer0.log", "orderer.TXT", "peer0-org1", "orderer.log.3"] {
            assert!(is_log_name(OsStr::new(yes)), "{yes}");
        }
        for no in ["cert.pem", "logs.tar.gz", "core.yaml", ".hidden", "x.3"] {
            assert!(!is_log_name(OsStr::new(no)), "{no}");
        }
    }

    #[test]
    fn scanning_counts_first_last_and_dedupes_double_logging() {
        let text = [
            "2019-09-24 08:37:21.527 UTC [orderer.common.server] Main -> INFO 001 Starting orderer",
            "2019-09-24 08:37:31.000 UTC [core.comm] ServerHandshake -> ERRO 002 TLS handshake failed with error EOF server=Orderer remoteaddress=10.0.0.5:40001",
            r#"2019-09-24 08:37:31.001 UTC [grpc] Infof -> DEBU 003 grpc: Server.Serve failed to complete security handshake from "10.0.0.5:40001": EOF"#,
            "2019-09-24 08:37:41.000 UTC [core.comm] ServerHandshake -> ERRO 004 TLS handshake failed with error EOF server=Orderer remoteaddress=10.0.0.5:40002",
            "[2019-09-24 08:37:50,000] ERROR [ReplicaManager broker=1] Error processing append operation on partition mychannel-0 (kafka.server.ReplicaManager)",
            "org.apache.kafka.common.errors.NotEnoughReplicasException: The size of the current ISR Set(1) is insufficient",
        ]
        .join("\n");
        let inv = from_texts(vec![("ns/orderer0/orderer".into(), text)]);
        assert_eq!(inv.sources, vec![("ns/orderer0/orderer".to_owned(), 6)]);
        let resets: Vec<&Hits> = inv.of(Signature::HandshakeReset).collect();
        assert_eq!(resets.len(), 1);
        let h = resets[0];
        assert_eq!(h.peer.as_deref(), Some("10.0.0.5"));
        assert_eq!(h.count, 2, "the grpc line repeats the core.comm one");
        assert_eq!((h.first.line, h.last.line), (2, 4));
        assert_eq!(h.times_ms.len(), 2);
        assert_eq!(h.times_ms[1] - h.times_ms[0], 10_000);
        let kafka: Vec<&Hits> = inv.of(Signature::KafkaIsr).collect();
        assert_eq!(kafka[0].count, 1);
        // The exception line has no time of its own: it inherits the line above's.
        assert_eq!(
            kafka[0].first.time.as_ref().map(LogTime::iso).as_deref(),
            Some("2019-09-24T08:37:50.000")
        );
    }
}
