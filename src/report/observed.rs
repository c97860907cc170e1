//! Puts what a run saw into the report model ([`crate::finding::observed`]): the certificates
//! with their expiry, the TLS handshake timings, and the network's topology with each node and
//! link pointing at the findings about it. Built once, from the inventory, when the report is
//! assembled; every renderer reads the result and none goes back to the inventory.

use std::collections::{BTreeMap, HashMap};

use crate::context::rfc3339;
use crate::finding::observed::{
    CertificateSeen, CertificateSource, HandshakeTiming, Link, LinkKind, Node, NodeKind, Topology,
};
use crate::finding::{Finding, TargetKind};
use crate::inventory::layout::{NodeKind as LayoutNode, Role};
use crate::inventory::live::NodeRole;
use crate::inventory::ordering::Component;
use crate::inventory::{CertRecord, Inventory};

/// Every certificate of the inventory at every place it was found, soonest expiry first.
pub fn certificates(inventory: &Inventory) -> Vec<CertificateSeen> {
    let mut seen: Vec<CertificateSeen> = inventory.certs.iter().map(certificate).collect();
    seen.sort_by(|a, b| (a.not_after_seconds, &a.origin).cmp(&(b.not_after_seconds, &b.origin)));
    seen
}

fn certificate(c: &CertRecord) -> CertificateSeen {
    let locator = c.origin.locator.as_deref().unwrap_or("");
    let source = if locator.starts_with("served certificate") {
        CertificateSource::Endpoint
    } else if locator.contains("Secret ") || locator.contains("ConfigMap ") {
        CertificateSource::Secret
    } else {
        CertificateSource::File
    };
    let role = match (source, c.layout.role) {
        (CertificateSource::Endpoint, _) => "served".to_owned(),
        (_, Some(role)) if role != Role::Other => role.as_str().to_owned(),
        _ => "other".to_owned(),
    };
    let subject = match c.common_name() {
        "" => c.subject.clone(),
        cn => cn.to_owned(),
    };
    CertificateSeen {
        subject,
        issuer: common_name_of(&c.issuer),
        role,
        org: c.layout.org.clone().unwrap_or_default(),
        origin: c.origin.to_string(),
        source,
        not_before: rfc3339(c.not_before),
        not_after: rfc3339(c.not_after),
        not_after_seconds: c.not_after.unix_timestamp(),
        fingerprint: c.fingerprint.clone(),
    }
}

/// The CN of an RFC 4514-style name (`CN=ca.org1, O=org1`), or the whole name.
fn common_name_of(name: &str) -> String {
    name.split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("CN="))
        .unwrap_or(name)
        .to_owned()
}

/// Every live TLS handshake that completed far enough to be timed.
pub fn handshakes(inventory: &Inventory) -> Vec<HandshakeTiming> {
    inventory
        .live
        .tls
        .iter()
        .filter_map(|o| {
            let ms = o.primary.handshake_ms?;
            Some(HandshakeTiming {
                endpoint: o.endpoint.address.clone(),
                name: o.endpoint.name.clone(),
                seconds: ms as f64 / 1000.0,
            })
        })
        .collect()
}

/// A topology being assembled: nodes by id, and the names findings may call each node by.
#[derive(Default)]
struct Builder {
    nodes: BTreeMap<String, Node>,
    links: BTreeMap<(String, String, LinkKind), Link>,
    /// Host and folder names that mean a node when they appear in a finding's target.
    tokens: BTreeMap<String, Vec<String>>,
    /// Whole target names (files) that mean a node.
    targets: BTreeMap<String, Vec<String>>,
}

impl Builder {
    /// The node `name` of `kind` in `group`: one per name and group, since namespaces reuse
    /// names (`peer0` in `org1` and in `org2`).
    fn node(&mut self, kind: NodeKind, name: &str, group: &str) -> String {
        let id = if group.is_empty() {
            format!("{}:{name}", kind.as_str())
        } else {
            format!("{}:{group}/{name}", kind.as_str())
        };
        self.nodes.entry(id.clone()).or_insert_with(|| Node {
            id: id.clone(),
            kind,
            name: name.to_owned(),
            group: group.to_owned(),
            findings: Vec::new(),
        });
        self.token(name, &id);
        id
    }

    /// The node of `kind` already known by `name`, else a new one outside any group: for
    /// names met in channel configurations and endpoint lists, which say nothing of groups.
    fn known_or_new(&mut self, kind: NodeKind, name: &str) -> String {
        match self.known(kind, name) {
            Some(id) => id,
            None => self.node(kind, name, ""),
        }
    }

    fn known(&self, kind: NodeKind, name: &str) -> Option<String> {
        let prefix = format!("{}:", kind.as_str());
        self.tokens
            .get(name)?
            .iter()
            .find(|id| id.starts_with(&prefix))
            .cloned()
    }

    fn token(&mut self, token: &str, id: &str) {
        let ids = self.tokens.entry(token.to_owned()).or_default();
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    }

    fn link(&mut self, from: &str, to: &str, kind: LinkKind) {
        if from == to {
            return;
        }
        let key = (from.to_owned(), to.to_owned(), kind);
        self.links.entry(key).or_insert_with(|| Link {
            from: from.to_owned(),
            to: to.to_owned(),
            kind,
            findings: Vec::new(),
        });
    }
}

/// The host part of `host:port` (IPv6 in brackets kept whole).
fn host_of(address: &str) -> &str {
    match address.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) && !host.is_empty() => host,
        _ => address,
    }
}

/// The network as fabcheck saw it: nodes from the crypto material's layout, the ordering
/// service's workloads, channel configurations, live endpoints and chaincode resolver
/// contexts; links where checks judge traffic between them.
pub fn topology(inventory: &Inventory) -> Unattached {
    let mut b = Builder::default();
    for c in &inventory.certs {
        let org = c.layout.org.as_deref().unwrap_or("");
        match (c.layout.node_kind, c.layout.node.as_deref(), c.layout.role) {
            (Some(LayoutNode::Peer), Some(name), _) => {
                b.node(NodeKind::Peer, name, org);
            }
            (Some(LayoutNode::Orderer), Some(name), _) => {
                b.node(NodeKind::Orderer, name, org);
            }
            (_, _, Some(Role::OrgCa | Role::OrgTlsCa)) if !org.is_empty() => {
                let prefix = if c.layout.role == Some(Role::OrgTlsCa) {
                    "tlsca"
                } else {
                    "ca"
                };
                let id = b.node(NodeKind::Ca, &format!("{prefix}.{org}"), org);
                b.targets.entry(c.origin.path.clone()).or_default().push(id);
            }
            _ => {}
        }
    }
    // The ordering service's workloads, network by network (a folder, a namespace).
    let mut by_scope: BTreeMap<&str, Vec<(Component, String)>> = BTreeMap::new();
    for w in &inventory.ordering.workloads {
        let kind = match w.component {
            Component::Kafka => NodeKind::Kafka,
            Component::Zookeeper => NodeKind::Zookeeper,
            Component::Orderer => NodeKind::Orderer,
            Component::Peer => NodeKind::Peer,
            Component::Client | Component::Other => continue,
        };
        let group = w
            .pod
            .as_ref()
            .map(|p| p.namespace.clone())
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| w.scope.clone());
        // The names other nodes reach it by: its own, and in Kubernetes the Service's names
        // qualified by the namespace (`kafka0.kafka`, `peer0.org1.svc.cluster.local`), which
        // is how channel configurations and crypto material name it.
        let namespace = w.pod.as_ref().map(|p| p.namespace.as_str()).unwrap_or("");
        let mut names: Vec<String> = std::iter::once(&w.name)
            .chain(&w.hostnames)
            .cloned()
            .collect();
        if !namespace.is_empty() {
            for short in std::iter::once(&w.name).chain(&w.hostnames) {
                if !short.contains('.') {
                    for suffix in ["", ".svc", ".svc.cluster.local"] {
                        names.push(format!("{short}.{namespace}{suffix}"));
                    }
                }
            }
        }
        // A qualified name of its own (`orderer0.example.com`, `peer0.org1`) is one node
        // wherever it is met; a short name (`peer0`) is one per namespace. Names a workload
        // shares with others (a headless Service over every broker) say nothing of which.
        let own = |n: &&String| {
            n.contains('.') && (**n == w.name || n.starts_with(&format!("{}.", w.name)))
        };
        let qualified = names.iter().filter(own).find_map(|n| b.known(kind, n));
        let id = match qualified {
            Some(id) => id,
            None => b.node(kind, &w.name, &group),
        };
        for name in &names {
            b.token(name, &id);
        }
        b.targets
            .entry(w.origin.to_string())
            .or_default()
            .push(id.clone());
        by_scope
            .entry(&w.scope)
            .or_default()
            .push((w.component, id));
    }
    for members in by_scope.values() {
        let of = |c: Component| {
            members
                .iter()
                .filter(move |(k, _)| *k == c)
                .map(|(_, id)| id)
        };
        for orderer in of(Component::Orderer) {
            for kafka in of(Component::Kafka) {
                b.link(orderer, kafka, LinkKind::Kafka);
            }
        }
        for kafka in of(Component::Kafka) {
            for zk in of(Component::Zookeeper) {
                b.link(kafka, zk, LinkKind::Zookeeper);
            }
        }
    }
    // Channels: Raft consenters talk to each other; Kafka-based orderers to their brokers.
    for channel in &inventory.channels {
        let Some(orderer) = &channel.orderer else {
            continue;
        };
        let consenters = orderer
            .raft
            .as_ref()
            .map(|r| &r.consenters)
            .or(orderer.bft.as_ref().map(|b| &b.consenters));
        if let Some(consenters) = consenters {
            let ids: Vec<String> = consenters
                .iter()
                .map(|c| b.known_or_new(NodeKind::Orderer, &c.host))
                .collect();
            for (i, a) in ids.iter().enumerate() {
                for z in &ids[i + 1..] {
                    b.link(a, z, LinkKind::Consenter);
                }
            }
        }
        for broker in &orderer.kafka_brokers {
            let kafka = b.known_or_new(NodeKind::Kafka, host_of(broker));
            let orderers: Vec<String> = b
                .nodes
                .values()
                .filter(|n| n.kind == NodeKind::Orderer)
                .map(|n| n.id.clone())
                .collect();
            for o in orderers {
                b.link(&o, &kafka, LinkKind::Kafka);
            }
        }
    }
    // Live TLS endpoints, dialled by fabcheck as a client.
    if !inventory.live.tls.is_empty() {
        let client = b.node(NodeKind::Client, "fabcheck", "");
        for o in &inventory.live.tls {
            let kind = match o.endpoint.role {
                NodeRole::Peer => NodeKind::Peer,
                NodeRole::Orderer => NodeKind::Orderer,
            };
            let id = b.known_or_new(kind, &o.endpoint.name);
            b.token(&o.endpoint.address, &id);
            b.token(host_of(&o.endpoint.address), &id);
            b.link(&client, &id, LinkKind::Tls);
        }
    }
    // Chaincode launched by each peer resolves the peer's name.
    for ctx in &inventory.dns.contexts {
        let chaincode = b.node(NodeKind::Chaincode, &ctx.label, "");
        // The peer of that name in the group the context names (`chaincode of org2/peer0`).
        let label: Vec<&str> = words(&ctx.label).collect();
        let peers: Vec<&String> = b
            .tokens
            .get(&ctx.peer)
            .into_iter()
            .flatten()
            .filter(|id| id.starts_with("peer:"))
            .collect();
        let in_group = peers.iter().find(|id| {
            b.nodes
                .get(id.as_str())
                .is_some_and(|n| label.contains(&n.group.as_str()))
        });
        let peer = match in_group.or(peers.first()).map(|id| (*id).clone()) {
            Some(id) => id,
            None => b.node(NodeKind::Peer, &ctx.peer, ""),
        };
        b.link(&chaincode, &peer, LinkKind::NameResolution);
    }
    let Builder {
        nodes,
        links,
        tokens,
        targets,
    } = b;
    let mut topology = Topology {
        nodes: nodes.into_values().collect(),
        links: links.into_values().collect(),
    };
    topology
        .nodes
        .sort_by(|a, b| (a.kind, &a.group, &a.name).cmp(&(b.kind, &b.group, &b.name)));
    Unattached {
        topology,
        tokens,
        targets,
    }
}

/// A topology whose nodes and links do not point at findings yet: the findings are made from
/// the same inventory, after it.
pub struct Unattached {
    topology: Topology,
    /// Host and folder names that mean a node when they appear in a finding's target.
    tokens: BTreeMap<String, Vec<String>>,
    /// Whole target names (files, workload objects) that mean a node.
    targets: BTreeMap<String, Vec<String>>,
}

/// Which checks judge which kind of link, by id prefix.
fn link_kind_of(check_id: &str) -> Option<LinkKind> {
    match check_id.split('-').next()? {
        "DNS" => Some(LinkKind::NameResolution),
        "TLS" => Some(LinkKind::Tls),
        "KAFKA" => Some(LinkKind::Kafka),
        "ZK" => Some(LinkKind::Zookeeper),
        "RAFT" => Some(LinkKind::Consenter),
        _ => None,
    }
}

/// The words of a target that may name a node: host names, folder names, `host:port`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@' | ':')))
        .filter(|w| !w.is_empty())
        .flat_map(|w| {
            // `peer0.org1:7051` names the host too; a trailing `:` (a message's) is not a port.
            let host = host_of(w);
            std::iter::once(w).chain((host != w).then_some(host))
        })
}

/// Points each node and link at the findings about it. A finding is about a
/// node when its target names the node (a file under the node's folder, the node's address, a
/// workload's object); about a link when it is of the link's family of checks and about the
/// link's far end (or its chaincode end).
impl Unattached {
    pub fn attach(self, findings: &[Finding]) -> Topology {
        let Unattached {
            mut topology,
            tokens,
            targets,
        } = self;
        attach(&mut topology, &tokens, &targets, findings);
        topology
    }
}

fn attach(
    topology: &mut Topology,
    tokens: &BTreeMap<String, Vec<String>>,
    targets: &BTreeMap<String, Vec<String>>,
    findings: &[Finding],
) {
    let index: HashMap<&str, usize> = topology
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut links_by_end: HashMap<(&str, LinkKind), Vec<usize>> = HashMap::new();
    for (i, l) in topology.links.iter().enumerate() {
        links_by_end
            .entry((l.to.as_str(), l.kind))
            .or_default()
            .push(i);
        if l.kind == LinkKind::NameResolution {
            links_by_end
                .entry((l.from.as_str(), l.kind))
                .or_default()
                .push(i);
        }
    }
    let mut node_findings: Vec<Vec<usize>> = vec![Vec::new(); topology.nodes.len()];
    let mut link_findings: Vec<Vec<usize>> = vec![Vec::new(); topology.links.len()];
    for (fi, f) in findings.iter().enumerate() {
        if f.target.kind == TargetKind::Source {
            continue;
        }
        let locator = f.target.locator.as_deref().unwrap_or("");
        let mut about: Vec<&str> = Vec::new();
        let named = targets.get(&f.target.name).into_iter().chain(
            words(&f.target.name)
                .chain(words(locator))
                .filter_map(|w| tokens.get(w)),
        );
        for id in named.flatten() {
            if !about.contains(&id.as_str()) {
                about.push(id.as_str());
            }
        }
        let kind = link_kind_of(&f.check_id);
        for id in about {
            if let Some(&n) = index.get(id) {
                node_findings[n].push(fi);
            }
            if let Some(kind) = kind
                && let Some(links) = links_by_end.get(&(id, kind))
            {
                for &l in links {
                    if link_findings[l].last() != Some(&fi) {
                        link_findings[l].push(fi);
                    }
                }
            }
        }
    }
    for (node, found) in topology.nodes.iter_mut().zip(node_findings) {
        node.findings = found;
    }
    for (link, found) in topology.links.iter_mut().zip(link_findings) {
        link.findings = found;
    }
}
