//! What a run saw besides its verdicts, carried in the [`super::Report`] so that every output
//! format draws on one model: each certificate with its expiry (the HTML timeline, the
//! Prometheus gauge), each TLS handshake's duration, and the network as a picture of nodes and
//! the links the checks judged.
//!
//! Nothing here is a verdict. A node's or link's colour is the worst status among the findings
//! it points to; those findings are the checks' own.

use serde::{Deserialize, Serialize};

use super::{Finding, Status};

/// Where a certificate was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificateSource {
    /// A file among the artifacts.
    File,
    /// A value of a Kubernetes Secret (or ConfigMap), in a manifest or read from a cluster.
    Secret,
    /// Served by a live endpoint during a TLS handshake.
    Endpoint,
}

impl CertificateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateSource::File => "file",
            CertificateSource::Secret => "secret",
            CertificateSource::Endpoint => "endpoint",
        }
    }
}

/// One certificate at one place it was found: a CA copied into ten MSPs is ten entries, since
/// each copy is a file someone has to renew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSeen {
    /// The subject's common name, or the whole subject when it has none.
    pub subject: String,
    /// The issuer's common name, or the whole issuer name.
    pub issuer: String,
    /// What the certificate is for, from where it was found: `msp/signcerts`, `tls/server.crt`,
    /// `served` (by an endpoint), `other`.
    pub role: String,
    /// The organisation (cryptogen's org folder, a namespace), empty when nothing tells.
    pub org: String,
    /// The file and the place in it, or the endpoint.
    pub origin: String,
    pub source: CertificateSource,
    /// RFC 3339.
    pub not_before: String,
    /// RFC 3339.
    pub not_after: String,
    /// `not_after` as seconds since the Unix epoch (for gauges and timelines).
    pub not_after_seconds: i64,
    /// SHA-256 of the DER, lowercase hex.
    pub fingerprint: String,
}

/// How long one live TLS handshake took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandshakeTiming {
    /// `host:port` dialled.
    pub endpoint: String,
    /// The endpoint's name (`peer0.org1.example.com`).
    pub name: String,
    pub seconds: f64,
}

/// What a node of the network is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Peer,
    Orderer,
    Ca,
    Kafka,
    Zookeeper,
    /// The chaincode a peer launches (its containers resolve the peer's name).
    Chaincode,
    /// fabcheck itself, or any client dialling the network's TLS endpoints.
    Client,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Peer => "peer",
            NodeKind::Orderer => "orderer",
            NodeKind::Ca => "ca",
            NodeKind::Kafka => "kafka",
            NodeKind::Zookeeper => "zookeeper",
            NodeKind::Chaincode => "chaincode",
            NodeKind::Client => "client",
        }
    }
}

/// What a link between two nodes carries, and which checks judge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    /// Chaincode containers resolving their peer's name (DNS checks).
    NameResolution,
    /// A client's TLS handshake with a node (TLS checks).
    Tls,
    /// An orderer producing to and consuming from Kafka (Kafka checks).
    Kafka,
    /// A Kafka broker's ZooKeeper session (ZooKeeper checks).
    Zookeeper,
    /// Raft cluster traffic between consenters of a channel (Raft checks).
    Consenter,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::NameResolution => "name-resolution",
            LinkKind::Tls => "tls",
            LinkKind::Kafka => "kafka",
            LinkKind::Zookeeper => "zookeeper",
            LinkKind::Consenter => "consenter",
        }
    }
}

/// One node of the network as fabcheck saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// Unique within the topology: `peer:peer0.org1.example.com`.
    pub id: String,
    pub kind: NodeKind,
    /// The name operators know it by (host name, service name).
    pub name: String,
    /// The org or namespace it belongs to; empty when nothing tells.
    pub group: String,
    /// Indices into [`super::Report::findings`] of the findings about this node.
    #[serde(default)]
    pub findings: Vec<usize>,
}

/// One link between two nodes that checks judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// A [`Node::id`].
    pub from: String,
    /// A [`Node::id`].
    pub to: String,
    pub kind: LinkKind,
    /// Indices into [`super::Report::findings`] of the findings about this link.
    #[serde(default)]
    pub findings: Vec<usize>,
}

/// The network as a picture: its nodes and the links between them that checks judged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topology {
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
}

impl Topology {
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.links.is_empty()
    }
}

/// The worst status among `indices` of `findings`, ignoring waived and known ones (they are
/// shown, but do not colour the picture red); `None` when no finding applies.
pub fn worst_status(findings: &[Finding], indices: &[usize]) -> Option<Status> {
    indices
        .iter()
        .filter_map(|&i| findings.get(i))
        .map(|f| {
            if f.waived.is_some() || f.known {
                Status::Pass
            } else {
                f.status
            }
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(status: Status) -> Finding {
        Finding::example("TLS-001", status, "peer0:7051", "m")
    }

    #[test]
    fn worst_status_skips_known_and_waived_findings() {
        let mut known = finding(Status::Fail);
        known.known = true;
        let findings = vec![finding(Status::Pass), finding(Status::Warn), known];
        assert_eq!(worst_status(&findings, &[0, 1, 2]), Some(Status::Warn));
        assert_eq!(worst_status(&findings, &[2]), Some(Status::Pass));
        assert_eq!(worst_status(&findings, &[]), None);
        assert_eq!(worst_status(&findings, &[7]), None, "an index out of range");
    }
}
