//! What was observed, and where from.
//!
//! Gathering (reading files, later dialling endpoints) fills an [`Inventory`]; checks only read
//! it. Every item remembers its [`Origin`] so that findings can name the file and the place in it.

use std::fmt;

use crate::finding::{Target, TargetKind};

pub mod artifacts;
pub mod cert;
pub mod chain;
pub mod channel;
pub mod cluster;
pub mod crl;
pub mod discovery;
pub mod dns;
pub mod endpoints;
pub mod idemix;
pub mod identity;
pub mod key;
pub mod layout;
pub mod live;
pub mod logs;
pub mod mounts;
pub mod msp;
pub mod ordering;
pub mod pem;
pub mod probes;
pub mod secrets;
pub mod signature;

pub use cert::CertRecord;
pub use chain::IssuerLink;
pub use key::KeyRecord;
pub use layout::{Layout, Role};
pub use msp::MspDir;

/// Where an observed item came from: a file, and where inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// Path as the user will recognise it (relative to the scanned root where possible).
    pub path: String,
    /// Where inside the file: `certificate 2`, `line 14`, `Secret org1/peer0-tls data[tls.crt]`.
    pub locator: Option<String>,
}

impl Origin {
    pub fn file(path: impl Into<String>) -> Self {
        Origin {
            path: path.into(),
            locator: None,
        }
    }

    pub fn at(path: impl Into<String>, locator: impl Into<String>) -> Self {
        Origin {
            path: path.into(),
            locator: Some(locator.into()),
        }
    }

    pub fn target(&self) -> Target {
        Target::new(TargetKind::File, self.path.clone()).with_locator(self.locator.clone())
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.locator {
            Some(l) => write!(f, "{} ({l})", self.path),
            None => f.write_str(&self.path),
        }
    }
}

/// Something that could not be read or parsed: it becomes an `error` finding naming the
/// origin and the reason, and the run goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: Origin,
    /// What was expected there: `certificate`, `private key`, `file`.
    pub expected: &'static str,
    /// Lowercase reason, e.g. `truncated PEM block: BEGIN CERTIFICATE at line 1 has no END line`.
    pub reason: String,
}

/// How `deploy-and-verify`'s deploy went, for DEPLOY-001.
#[derive(Debug, Clone, Default)]
pub struct DeployOutcome {
    /// The network's name.
    pub network: String,
    /// Where it stopped, or `verify` when it got there: `connect`, `deploy`, `read back`.
    pub stage: String,
    /// What was deployed (`deployed network fabric: 3 namespaces, …`).
    pub summary: String,
    /// Why it failed; `None` when the network deployed and was read back.
    pub failure: Option<String>,
}

/// Everything gathered from the sources of one run.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Human description of what was scanned (`artifacts:DIR`).
    pub source: String,
    pub certs: Vec<CertRecord>,
    /// For each entry of `certs`, how its issuer was resolved (same index).
    pub links: Vec<IssuerLink>,
    pub keys: Vec<KeyRecord>,
    pub msps: Vec<MspDir>,
    /// CRLs in MSP `crls/` folders, linked to the CA that signed them.
    pub crls: Vec<crl::CrlRecord>,
    pub problems: Vec<Problem>,
    /// Files looked at, for the report's context.
    pub files_scanned: usize,
    /// Ordering-service configuration: Kafka, ZooKeeper and orderer workloads, configtx.yaml.
    pub ordering: ordering::OrderingConfig,
    /// Configuration files found (YAML, JSON, templates), for gatherers that read them later.
    pub config_files: Vec<std::path::PathBuf>,
    /// Chaincode resolver contexts and where their settings come from.
    pub dns: dns::DnsInventory,
    /// What live probes observed (empty unless endpoints were given).
    pub live: live::LiveState,
    /// `deploy-and-verify`'s deploy; `None` for runs that deploy nothing.
    pub deploy: Option<DeployOutcome>,
    /// Logs read for failure signatures (`--logs`); `None` when none were asked for.
    pub logs: Option<logs::LogInventory>,
    /// The scanned folder, as shown (empty when no artifacts were read).
    pub root: String,
    /// The artifacts are one network's objects (`deploy-and-verify`'s network, read back), not
    /// a collection of folders that may each hold one.
    pub single_network: bool,
    /// Channel configurations decoded from blocks and transactions, and read from configtx.yaml
    /// profiles.
    pub channels: Vec<channel::ChannelConfig>,
    /// Blocks and transactions that did not decode as a channel configuration, with why.
    pub channel_problems: Vec<Problem>,
    /// What could not be gathered, with the reason (a kind RBAC forbids listing): checks that
    /// find nothing to examine say so.
    pub gaps: Vec<String>,
    /// Files found but not read, with the reason: not regular files (a FIFO would block the
    /// read for ever, a device file never ends).
    pub not_read: Vec<String>,
    /// Binary data that is not certificate material and was not read as such: Fabric blocks and
    /// transactions (`*.block`, `*.tx`, `*.pb`), and Secret or ConfigMap values that are neither
    /// text (PEM) nor one DER structure. Listed so the report says what was left unread.
    pub binary: Vec<Origin>,
    /// fabric-ca's Idemix files (issuer keys, revocation keys, credentials), recognised by name
    /// and checked for the shape fabric-ca writes: not X.509 material, so listed here rather
    /// than read as certificates. Only their kind and shape are kept, never their bytes.
    pub idemix: Vec<idemix::IdemixRecord>,
    /// Secret and ConfigMap values that are template expressions (Helm's
    /// `{{ .Files.Get "tls.crt" | b64enc }}`): not evaluated, and not unreadable either.
    pub templated_values: Vec<Origin>,
    /// Key files laid out from a Secret or ConfigMap volume whose value is already reported
    /// unreadable where it is stored: X509-009 reports a defect once, at its source.
    pub reported_at_source: std::collections::BTreeSet<Origin>,
}

impl Inventory {
    /// Resolves every certificate's issuer; call once after all certificates are gathered.
    pub fn link(&mut self) {
        self.link_with(&chain::SignatureMemo::default());
    }

    /// Like [`Inventory::link`], with the signatures `memo` already verified.
    pub fn link_with(&mut self, memo: &chain::SignatureMemo) {
        self.links = chain::resolve_issuers(&self.certs, memo);
        crl::link(&mut self.crls, &self.certs);
    }
}
