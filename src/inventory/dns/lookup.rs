//! What a live lookup observed: for one name, each candidate glibc would ask, what the server
//! said to it, and which candidate (if any) produced the answer.
//!
//! The same model carries results from every vantage point — a server asked from here
//! (`--dns-server`), a probe container on the peer's Docker daemon, or a probe pod's log — so one
//! set of checks judges them all.

use std::net::IpAddr;

use super::ResolverConfig;

/// What the server said to one candidate query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CandidateAnswer {
    /// Addresses (A and AAAA records).
    Addresses(Vec<IpAddr>),
    /// NXDOMAIN: the name does not exist. glibc moves on to the next candidate.
    NoSuchName,
    /// The name exists but has no address records. glibc moves on to the next candidate.
    NoData,
    /// SERVFAIL. glibc moves on to the next candidate (`got_servfail`).
    ServFail,
    /// REFUSED or another error code. glibc stops searching.
    Refused(String),
    /// No server answered within timeout × attempts. glibc stops searching (TRY_AGAIN).
    TimedOut,
    /// Not asked: an earlier candidate answered or ended the search.
    NotAsked,
    /// The query could not be made (socket error, malformed reply, …).
    Error(String),
}

impl CandidateAnswer {
    /// Whether glibc goes on to the next candidate after this answer (res_query.c).
    pub fn continues_search(&self) -> bool {
        matches!(
            self,
            CandidateAnswer::NoSuchName | CandidateAnswer::NoData | CandidateAnswer::ServFail
        )
    }

    /// A short word for reports.
    pub fn describe(&self) -> String {
        match self {
            CandidateAnswer::Addresses(a) => a
                .iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(","),
            CandidateAnswer::NoSuchName => "NXDOMAIN".into(),
            CandidateAnswer::NoData => "no address records".into(),
            CandidateAnswer::ServFail => "SERVFAIL".into(),
            CandidateAnswer::Refused(code) => code.clone(),
            CandidateAnswer::TimedOut => "timed out".into(),
            CandidateAnswer::NotAsked => "not asked".into(),
            CandidateAnswer::Error(e) => format!("error: {e}"),
        }
    }
}

/// One candidate name and its answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CandidateOutcome {
    pub query: String,
    pub answer: CandidateAnswer,
}

/// The lookup of one name, as glibc would do it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NameResolution {
    /// The name as the program asks for it (`peer0-org1`, `peer0.org1:7051` without the port).
    pub name: String,
    /// Every candidate in glibc order; those after the deciding one are `NotAsked`.
    pub candidates: Vec<CandidateOutcome>,
}

impl NameResolution {
    /// The candidate that produced addresses, and the addresses.
    pub fn matched(&self) -> Option<(&str, &[IpAddr])> {
        self.candidates.iter().find_map(|c| match &c.answer {
            CandidateAnswer::Addresses(a) => Some((c.query.as_str(), a.as_slice())),
            _ => None,
        })
    }

    /// The answer that ended an unsuccessful search (the last one asked).
    pub fn last_asked(&self) -> Option<&CandidateOutcome> {
        self.candidates
            .iter()
            .rev()
            .find(|c| c.answer != CandidateAnswer::NotAsked)
    }

    /// The number of queries sent before the answer (or the end).
    pub fn queries_sent(&self) -> usize {
        self.candidates
            .iter()
            .filter(|c| c.answer != CandidateAnswer::NotAsked)
            .count()
    }
}

/// Where a set of lookups was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vantage {
    /// From this machine against `--dns-server`, with the resolver settings of `context`.
    Direct { server: String },
    /// Inside a probe container launched on a Docker daemon the way the peer launches chaincode.
    Container {
        endpoint: String,
        /// The servers configured in the container's HostConfig (Docker's embedded server
        /// 127.0.0.11 forwards to them on user-defined networks).
        configured_servers: Vec<String>,
        network_mode: Option<String>,
        /// The stub resolver that made the lookups in the container, as the probe found it.
        resolver: Option<String>,
    },
    /// From a probe pod: its log (`fabcheck render dns-probe`, getent: `resolver` None) or the
    /// in-cluster node DNS DaemonSet's report (fabcheck's lookups in `resolver`'s order).
    Pod {
        pod: String,
        node: Option<String>,
        resolver: Option<super::StubResolver>,
    },
}

impl Vantage {
    /// The stub resolver whose lookups were observed from here.
    pub fn observed_resolver(&self) -> String {
        match self {
            Vantage::Direct { .. } => {
                "glibc's order, asked by fabcheck from here (not the chaincode's own resolver)"
                    .to_owned()
            }
            Vantage::Container {
                resolver: Some(r), ..
            } => r.clone(),
            Vantage::Container { resolver: None, .. } => "none (the probe did not run)".to_owned(),
            Vantage::Pod { resolver: None, .. } => {
                "getent of the probe pod's image (glibc)".to_owned()
            }
            Vantage::Pod {
                resolver: Some(r), ..
            } => format!(
                "{}'s order, asked by fabcheck's probe pod on the node",
                match r {
                    super::StubResolver::Glibc => "glibc",
                    super::StubResolver::Musl => "musl",
                    super::StubResolver::Go => "Go",
                }
            ),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Vantage::Direct { server } => format!("server {server} asked from here"),
            Vantage::Container {
                endpoint,
                configured_servers,
                network_mode,
                resolver,
            } => {
                let mut s = format!("probe container on {endpoint}");
                if let Some(mode) = network_mode {
                    s.push_str(&format!(", NetworkMode {mode}"));
                }
                if !configured_servers.is_empty() {
                    s.push_str(&format!(", Dns {}", configured_servers.join(" ")));
                }
                if let Some(r) = resolver {
                    s.push_str(&format!(", resolved by {r}"));
                }
                s
            }
            Vantage::Pod { pod, node, .. } => match node {
                Some(n) => format!("probe pod {pod} on node {n}"),
                None => format!("probe pod {pod}"),
            },
        }
    }
}

/// The lookups made for one resolver context from one vantage point.
#[derive(Debug, Clone)]
pub struct DnsObservation {
    /// The [`super::ResolverContext::label`] the lookups stand for.
    pub context: String,
    pub vantage: Vantage,
    /// The resolver settings in force where the lookups were made (for a container or a pod,
    /// parsed from the resolv.conf it was given).
    pub config: ResolverConfig,
    /// One per name, in the order asked.
    pub results: Vec<NameResolution>,
    /// Why the lookups could not be made at all (daemon unreachable, image missing, …).
    pub failure: Option<String>,
    /// The Docker network the peer names as NetworkMode does not exist on the daemon.
    pub missing_network: Option<String>,
}
