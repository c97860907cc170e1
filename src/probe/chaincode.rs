//! The live chaincode-DNS phase: for each resolver context the artifacts give, look its names up
//! against `--dns-server` from here (with the context's own search list, ndots, timeout and
//! attempts), and/or inside a probe container launched on `--docker` with the peer's HostConfig;
//! and read probe-pod logs (`--dns-probe-log`). Everything is bounded by the overall timeout.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::docker::{
    ChaincodeHostConfig, list_chaincode_containers, observation, probe_chaincode_dns,
};
use crate::inventory::dns::{DnsObservation, ResolverContext, Runtime, Vantage};
use crate::inventory::live::ChaincodeContainers;

/// The probe image when neither `--docker-image` nor the peer's Fabric version names one.
pub const FALLBACK_IMAGE: &str = "hyperledger/fabric-baseos:latest";

/// What the DNS phase is asked to do.
#[derive(Debug, Clone, Default)]
pub struct DnsRequest {
    pub servers: Vec<SocketAddr>,
    pub docker: Option<String>,
    /// The probe container's image for every context (`--docker-image`); `None` uses each
    /// context's chaincode runtime image, or [`FALLBACK_IMAGE`] when that is unknown.
    pub docker_image: Option<String>,
    pub probe_logs: Vec<PathBuf>,
    /// Names resolved at once against `servers`.
    pub concurrency: usize,
    /// Bound on the whole phase.
    pub total: Duration,
}

impl DnsRequest {
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty() && self.docker.is_none() && self.probe_logs.is_empty()
    }
}

/// What the phase saw: the lookups, and on `--docker` each Docker-launching peer's chaincode
/// containers there.
#[derive(Debug, Default)]
pub struct Observed {
    pub dns: Vec<DnsObservation>,
    pub chaincode: Vec<ChaincodeContainers>,
}

/// Runs the phase. Contexts without names are not asked about.
pub fn observe(request: &DnsRequest, contexts: &[ResolverContext]) -> Observed {
    let mut chaincode = Vec::new();
    let mut out: Vec<DnsObservation> = request
        .probe_logs
        .iter()
        .flat_map(|p| from_log(p))
        .collect();
    let contexts: Vec<&ResolverContext> = contexts.iter().filter(|c| !c.names.is_empty()).collect();
    if (request.servers.is_empty() && request.docker.is_none()) || contexts.is_empty() {
        return Observed {
            dns: out,
            chaincode,
        };
    }
    let runtime = match super::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            out.extend(
                contexts
                    .iter()
                    .map(|c| failed(c, direct_vantage(request), format!("no async runtime: {e}"))),
            );
            return Observed {
                dns: out,
                chaincode,
            };
        }
    };
    runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + request.total;
        if !request.servers.is_empty() {
            out.extend(direct(request, &contexts, deadline).await);
        }
        if let Some(endpoint) = &request.docker {
            out.extend(containers(request, endpoint, &contexts, deadline).await);
            chaincode = chaincode_containers(endpoint, &contexts, deadline).await;
        }
    });
    Observed {
        dns: out,
        chaincode,
    }
}

/// Each Docker-launching peer's chaincode containers on the `--docker` daemon (Fabric names
/// them after the peer: `{networkId}-{peerId}-…`), for HEALTH-005.
async fn chaincode_containers(
    endpoint: &str,
    contexts: &[&ResolverContext],
    deadline: tokio::time::Instant,
) -> Vec<ChaincodeContainers> {
    let mut out = Vec::new();
    for c in contexts
        .iter()
        .filter(|c| matches!(c.runtime, Runtime::Docker { .. }))
    {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let containers = match tokio::time::timeout(
            left,
            list_chaincode_containers(
                endpoint,
                endpoint,
                c.vm_name_prefix.as_deref(),
                left.min(Duration::from_secs(30)),
            ),
        )
        .await
        {
            Ok(listed) => listed.map_err(|e| e.to_string()),
            Err(_) => Err("the overall --timeout ran out before the containers were listed".into()),
        };
        out.push(ChaincodeContainers {
            peer: c.peer.clone(),
            daemon: endpoint.to_owned(),
            prefix: c.vm_name_prefix.clone().unwrap_or_default(),
            containers,
        });
    }
    out
}

fn direct_vantage(request: &DnsRequest) -> Vantage {
    Vantage::Direct {
        server: request
            .servers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn failed(c: &ResolverContext, vantage: Vantage, reason: String) -> DnsObservation {
    DnsObservation {
        context: c.label.clone(),
        vantage,
        config: c.config.clone(),
        results: Vec::new(),
        failure: Some(reason),
        missing_network: None,
    }
}

/// Lookups from here. Contexts with the same settings share one batch (and one resolver), so a
/// thousand peers configured alike cost one resolver, not a thousand.
async fn direct(
    request: &DnsRequest,
    contexts: &[&ResolverContext],
    deadline: tokio::time::Instant,
) -> Vec<DnsObservation> {
    let mut batches: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in contexts.iter().enumerate() {
        let key = format!(
            "{:?}|{}|{}|{}|{}",
            c.config.search,
            c.config.ndots,
            c.config.timeout,
            c.config.attempts,
            c.config.nameservers.len()
        );
        batches.entry(key).or_default().push(i);
    }
    let mut results: Vec<Option<DnsObservation>> = vec![None; contexts.len()];
    for members in batches.values() {
        let config = &contexts[members[0]].config;
        let names: Vec<String> = members
            .iter()
            .flat_map(|&i| contexts[i].names.iter().map(|n| n.name.clone()))
            .collect();
        let lookups = tokio::time::timeout_at(
            deadline,
            super::dns::resolve_names(&request.servers, config, &names, request.concurrency.max(1)),
        )
        .await;
        let mut lookups = match lookups {
            Ok(r) => r.into_iter(),
            Err(_) => {
                for &i in members {
                    results[i] = Some(failed(
                        contexts[i],
                        direct_vantage(request),
                        "the overall --timeout ran out before the lookups finished".to_owned(),
                    ));
                }
                continue;
            }
        };
        for &i in members {
            let c = contexts[i];
            results[i] = Some(DnsObservation {
                context: c.label.clone(),
                vantage: direct_vantage(request),
                config: c.config.clone(),
                results: lookups.by_ref().take(c.names.len()).collect(),
                failure: None,
                missing_network: None,
            });
        }
    }
    results.into_iter().flatten().collect()
}

/// One probe container per Docker-launching context, one after another (each is a container
/// start on the same daemon; doing them at once only contends for it).
async fn containers(
    request: &DnsRequest,
    endpoint: &str,
    contexts: &[&ResolverContext],
    deadline: tokio::time::Instant,
) -> Vec<DnsObservation> {
    let mut out = Vec::new();
    for c in contexts
        .iter()
        .filter(|c| matches!(c.runtime, Runtime::Docker { .. }))
    {
        let [dns, dns_search, dns_options] = c.peer_host_config.clone();
        let host_config = ChaincodeHostConfig {
            dns,
            dns_search,
            dns_options,
            network_mode: c.network_mode.clone(),
        };
        let names: Vec<String> = c.names.iter().map(|n| n.name.clone()).collect();
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            out.push(failed(
                c,
                container_vantage(endpoint, &host_config),
                "the overall --timeout ran out before this probe container started".to_owned(),
            ));
            continue;
        }
        let result = match tokio::time::timeout(
            left,
            probe_chaincode_dns(
                endpoint,
                request
                    .docker_image
                    .as_deref()
                    .or(c.runtime_image.as_ref().map(|(image, _)| image.as_str()))
                    .unwrap_or(FALLBACK_IMAGE),
                &host_config,
                &names,
                left.min(Duration::from_secs(30)),
            ),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(super::docker::DockerProbeError::Timeout {
                endpoint: endpoint.to_owned(),
                during: "the overall --timeout".to_owned(),
                after_ms: u64::try_from(request.total.as_millis()).unwrap_or(u64::MAX),
            }),
        };
        out.push(observation(&c.label, endpoint, &host_config, &result));
    }
    out
}

fn container_vantage(endpoint: &str, host_config: &ChaincodeHostConfig) -> Vantage {
    Vantage::Container {
        endpoint: endpoint.to_owned(),
        configured_servers: host_config.dns.clone(),
        network_mode: host_config.network_mode.clone(),
        resolver: None,
    }
}

/// Observations from a probe pod log; an unreadable file, or one with no probe output, is one
/// failed observation naming the file.
fn from_log(path: &Path) -> Vec<DnsObservation> {
    let shown = path.display().to_string();
    let unusable = |reason: String| DnsObservation {
        context: shown.clone(),
        vantage: Vantage::Pod {
            pod: shown.clone(),
            node: None,
            resolver: None,
        },
        config: Default::default(),
        results: Vec::new(),
        failure: Some(reason),
        missing_network: None,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return vec![unusable(format!(
                "failed to read {shown}: {}",
                super::io_reason(&e)
            ))];
        }
    };
    let logs = super::dns_pod::parse_probe_log(&text);
    let mut out: Vec<DnsObservation> = logs.blocks.iter().map(|b| b.observation()).collect();
    if out.is_empty() {
        let reasons: Vec<String> = logs.errors.iter().map(ToString::to_string).collect();
        out.push(unusable(if reasons.is_empty() {
            format!("{shown} holds no fabcheck-dns-probe output")
        } else {
            format!("{shown}: {}", reasons.join("; "))
        }));
    }
    out
}
