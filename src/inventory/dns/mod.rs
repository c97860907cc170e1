//! Name resolution as a chaincode container sees it: the resolver configuration that applies
//! (from resolv.conf, the Docker daemon's options or the peer's HostConfig), and the exact
//! sequence of names glibc's stub resolver tries for a lookup.
//!
//! This is the pure core the chaincode-DNS checks build on; gathering (daemon files, pod specs,
//! live containers) feeds it.

pub mod candidates;
pub mod chaincode;
pub mod lookup;
pub mod resolver;
pub mod sources;
pub mod stub;

pub use candidates::candidates;
pub use lookup::{CandidateAnswer, CandidateOutcome, DnsObservation, NameResolution, Vantage};
pub use resolver::{Nameserver, ResolverConfig};

pub use chaincode::{ConfiguredLists, NameUse, Resolver, ResolverContext, Runtime, SettingSource};
pub use sources::{DnsNote, DnsNoteKind};
pub use stub::{ResolverAssumption, StubResolver};

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::inventory::ordering::Workload;
use crate::inventory::ordering::yaml::YamlFile;

/// What the chaincode-DNS checks read: the file sources, the resolver contexts built from them
/// and the peer workloads, and the settings that do not take effect.
#[derive(Debug, Clone, Default)]
pub struct DnsInventory {
    pub files: sources::FileSources,
    pub contexts: Vec<ResolverContext>,
    pub notes: Vec<DnsNote>,
    /// Peer workloads, kept so contexts can be rebuilt when the cluster facts change.
    workloads: Vec<Workload>,
    /// `--chaincode-resolver`: the stub resolver every context assumes instead of the implied one.
    resolver_override: Option<StubResolver>,
}

impl DnsInventory {
    /// Gathers from parsed YAML documents, every file path of the artifacts, and the workloads.
    pub fn gather(
        docs: &[YamlFile],
        paths: &[PathBuf],
        workloads: &[Workload],
        shown: impl Fn(&Path) -> String,
    ) -> DnsInventory {
        let files = sources::gather(docs, paths, shown);
        let mut inventory = DnsInventory {
            files,
            workloads: workloads
                .iter()
                .filter(|w| w.component == crate::inventory::ordering::Component::Peer)
                .cloned()
                .collect(),
            ..DnsInventory::default()
        };
        inventory.rebuild();
        inventory
    }

    /// Builds from sources gathered elsewhere (tests, generated inventories).
    pub fn from_parts(files: sources::FileSources, workloads: Vec<Workload>) -> DnsInventory {
        let mut inventory = DnsInventory {
            files,
            workloads,
            ..DnsInventory::default()
        };
        inventory.rebuild();
        inventory
    }

    /// The cluster DNS address and domain in force: the artifacts' unless overridden.
    pub fn cluster_dns_ip(&self) -> Option<IpAddr> {
        self.files.cluster.ip.as_ref().map(|(ip, _)| *ip)
    }

    pub fn cluster_domain(&self) -> &str {
        &self.files.cluster.domain
    }

    /// Overrides the cluster facts (`--cluster-dns`, `--cluster-domain`) and rebuilds.
    pub fn set_cluster(&mut self, ip: Option<IpAddr>, domain: Option<String>) {
        if let Some(ip) = ip {
            self.files.cluster.ip = Some((ip, crate::inventory::Origin::file("--cluster-dns")));
        }
        if let Some(d) = domain {
            self.files.cluster.domain = d.trim_end_matches('.').to_owned();
            self.files.cluster.domain_origin =
                Some(crate::inventory::Origin::file("--cluster-domain"));
        }
        self.rebuild();
    }

    /// Overrides the resolver the chaincode runtime implies (`--chaincode-resolver`).
    pub fn set_chaincode_resolver(&mut self, resolver: Option<StubResolver>) {
        self.resolver_override = resolver;
        self.rebuild();
    }

    fn rebuild(&mut self) {
        let view = chaincode::ClusterView {
            dns_ip: self.cluster_dns_ip(),
            domain: self.files.cluster.domain.clone(),
        };
        let mut notes = self.files.notes.clone();
        self.contexts = chaincode::contexts(&self.workloads, &self.files, &view, &mut notes);
        if let Some(r) = self.resolver_override {
            for ctx in &mut self.contexts {
                ctx.assumption = ResolverAssumption::overridden(r);
            }
        }
        for ctx in &self.contexts {
            notes.extend(ctx.config.problems.iter().map(|p| DnsNote {
                origin: ctx.origin.clone(),
                kind: DnsNoteKind::Invalid,
                message: format!("{}: {p}", ctx.label),
            }));
        }
        for d in &self.files.daemons {
            if let Err(e) = &d.config {
                notes.push(DnsNote {
                    origin: d.origin.clone(),
                    kind: DnsNoteKind::Invalid,
                    message: e.clone(),
                });
            }
        }
        if let Some((origin, c)) = &self.files.node_resolv {
            notes.extend(c.problems.iter().map(|p| DnsNote {
                origin: origin.clone(),
                kind: DnsNoteKind::Invalid,
                message: p.clone(),
            }));
        }
        notes.sort_by(|a, b| (&a.origin, a.kind, &a.message).cmp(&(&b.origin, b.kind, &b.message)));
        notes.dedup();
        self.notes = notes;
    }
}
