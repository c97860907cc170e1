//! Network primitives, one per protocol. Every operation is bounded: a connect timeout, a read
//! timeout per exchange, and the caller's overall deadline. A probe never decides a verdict; it
//! returns what the server said (or why it could not ask) for the checks to judge.

use std::time::Duration;

pub mod chaincode;
pub mod deliver;
pub mod dns;
pub mod dns_pod;
pub mod docker;
pub mod kafka;
pub mod metrics;
pub mod operations;
pub mod pod_spec;
pub mod push;
pub mod tls;
pub mod tls_hello;
pub mod zookeeper;

/// Time limits for one probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect.
    pub connect: Duration,
    /// One request/response exchange.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            read: Duration::from_secs(5),
        }
    }
}

pub use crate::inventory::live::ProbeError;

/// Resolves `host:port` once, bounded by `limit`, so several connections to one endpoint do not
/// each ask DNS.
pub(crate) async fn resolve(
    endpoint: &str,
    limit: Duration,
) -> Result<Vec<std::net::SocketAddr>, ProbeError> {
    match tokio::time::timeout(limit, tokio::net::lookup_host(endpoint)).await {
        Err(_) => Err(timeout(endpoint, "resolving the host name", limit)),
        Ok(Err(e)) => Err(ProbeError::Resolve {
            endpoint: endpoint.to_owned(),
            reason: io_reason(&e),
        }),
        Ok(Ok(addrs)) => {
            let addrs: Vec<std::net::SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(ProbeError::Resolve {
                    endpoint: endpoint.to_owned(),
                    reason: "no addresses".into(),
                })
            } else {
                Ok(addrs)
            }
        }
    }
}

/// Connects to the first of `addrs` that accepts, all within `limit`.
pub(crate) async fn connect(
    endpoint: &str,
    addrs: &[std::net::SocketAddr],
    limit: Duration,
) -> Result<tokio::net::TcpStream, ProbeError> {
    let attempt = async {
        let mut last = None;
        for addr in addrs {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no addresses")))
    };
    match tokio::time::timeout(limit, attempt).await {
        Err(_) => Err(timeout(endpoint, "connecting", limit)),
        Ok(Err(e)) => Err(ProbeError::Connect {
            endpoint: endpoint.to_owned(),
            reason: io_reason(&e),
        }),
        Ok(Ok(s)) => Ok(s),
    }
}

/// A timeout while doing `during`, after `after`.
pub(crate) fn timeout(endpoint: &str, during: &str, after: Duration) -> ProbeError {
    ProbeError::Timeout {
        endpoint: endpoint.to_owned(),
        during: during.to_owned(),
        after_ms: u64::try_from(after.as_millis()).unwrap_or(u64::MAX),
    }
}

/// An I/O error as a lowercase fragment ("connection refused"), dropping the `(os error N)`
/// suffix that means nothing to an operator.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text).trim();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => e.kind().to_string(),
    }
}

/// What the live phase is asked to probe.
#[derive(Debug, Clone, Default)]
pub struct LiveRequest {
    pub zookeeper: Vec<String>,
    pub kafka: Vec<String>,
    pub tls: Vec<crate::inventory::live::TlsEndpoint>,
    /// Skip certificate verification on TLS endpoints (findings say so).
    pub insecure: bool,
    /// How many TLS endpoints are dialled at once.
    pub concurrency: usize,
    pub timeouts: Timeouts,
    /// Bound on the whole live phase.
    pub total: Duration,
    /// Fetch each channel's config block from the orderers among `tls`, signed by this
    /// identity (`--identity`, `--msp-id`, `--channel`).
    pub deliver: Option<deliver::DeliverRequest>,
}

/// The runtime a live phase runs on: two workers (the machines this runs on have two cores and
/// the work is waiting on sockets), timers and I/O enabled.
pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// Probes every ZooKeeper endpoint, the Kafka cluster and every TLS endpoint concurrently, all
/// within `total`. Probes still running at the deadline are reported as timed out, never
/// waited for.
pub fn observe_all(request: &LiveRequest) -> crate::inventory::live::LiveState {
    let (zookeeper, kafka, timeouts, total) = (
        &request.zookeeper[..],
        &request.kafka[..],
        request.timeouts,
        request.total,
    );
    use crate::inventory::live::{KafkaObservation, LiveState, ZkObservation};

    let mut state = LiveState::default();
    if zookeeper.is_empty() && kafka.is_empty() && request.tls.is_empty() {
        return state;
    }
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            let fail = |endpoint: String| ProbeError::Connect {
                endpoint,
                reason: format!("no async runtime: {e}"),
            };
            state.zookeeper = zookeeper
                .iter()
                .map(|ep| ZkObservation {
                    endpoint: ep.clone(),
                    result: Err(fail(ep.clone())),
                })
                .collect();
            if !kafka.is_empty() {
                state.kafka = Some(KafkaObservation {
                    bootstrap: kafka.to_vec(),
                    result: Err(fail(kafka.join(","))),
                });
            }
            return state;
        }
    };
    let timed_out = |endpoint: String, during: &str| ProbeError::Timeout {
        endpoint,
        during: during.to_owned(),
        after_ms: u64::try_from(total.as_millis()).unwrap_or(u64::MAX),
    };
    runtime.block_on(async {
        let zk_tasks: Vec<_> = zookeeper
            .iter()
            .map(|ep| {
                let ep = ep.clone();
                tokio::spawn(async move { zookeeper::observe(&ep, timeouts).await })
            })
            .collect();
        let kafka_task = (!kafka.is_empty()).then(|| {
            let bootstrap = kafka.to_vec();
            tokio::spawn(async move { kafka::observe(&bootstrap, timeouts).await })
        });
        let deadline = tokio::time::Instant::now() + total;
        for (ep, task) in zookeeper.iter().zip(zk_tasks) {
            let obs = match tokio::time::timeout_at(deadline, task).await {
                Ok(Ok(obs)) => obs,
                Ok(Err(join)) => ZkObservation {
                    endpoint: ep.clone(),
                    result: Err(ProbeError::Protocol {
                        endpoint: ep.clone(),
                        reason: format!("probe failed: {join}"),
                    }),
                },
                Err(_) => {
                    state.deadline_hit = true;
                    ZkObservation {
                        endpoint: ep.clone(),
                        result: Err(timed_out(ep.clone(), "the overall --timeout")),
                    }
                }
            };
            state.zookeeper.push(obs);
        }
        // TLS endpoints: bounded concurrency, so a thousand endpoints do not open a thousand
        // sockets at once; each probe carries its own timeouts, the deadline bounds them all.
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(request.concurrency.max(1)));
        let tls_tasks: Vec<_> = request
            .tls
            .iter()
            .map(|ep| {
                let (ep, permits, insecure) = (ep.clone(), permits.clone(), request.insecure);
                let deliver_request = request.deliver.clone();
                tokio::spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    // The operations service and the config blocks are asked beside the gRPC
                    // port: no extra wall time.
                    let fetch = async {
                        match &deliver_request {
                            Some(d) => deliver::observe(&ep, d, timeouts, insecure).await,
                            None => Vec::new(),
                        }
                    };
                    let (ops, mut tls, fetched, policy) = tokio::join!(
                        operations::observe(&ep, timeouts, insecure),
                        tls::observe(ep.clone(), timeouts, insecure),
                        fetch,
                        tls_hello::scan(&ep, timeouts)
                    );
                    if tls.connect_error.is_none() {
                        tls.policy = Some(policy);
                    }
                    (tls, ops, fetched)
                })
            })
            .collect();
        for (ep, task) in request.tls.iter().zip(tls_tasks) {
            let obs = match tokio::time::timeout_at(deadline, task).await {
                Ok(Ok((obs, ops, fetched))) => {
                    state.operations.extend(ops);
                    state.config_fetch.extend(fetched);
                    obs
                }
                Ok(Err(join)) => tls_failed(
                    ep,
                    ProbeError::Protocol {
                        endpoint: ep.address.clone(),
                        reason: format!("probe failed: {join}"),
                    },
                    request.insecure,
                ),
                Err(_) => {
                    state.deadline_hit = true;
                    state.operations.extend(operations::not_finished(
                        ep,
                        "no answer within the overall --timeout",
                    ));
                    if let Some(d) = &request.deliver {
                        state.config_fetch.extend(deliver::not_finished(
                            ep,
                            d,
                            "no answer within the overall --timeout",
                        ));
                    }
                    tls_failed(
                        ep,
                        timed_out(ep.address.clone(), "the overall --timeout"),
                        request.insecure,
                    )
                }
            };
            state.tls.push(obs);
        }
        if let Some(task) = kafka_task {
            let obs = match tokio::time::timeout_at(deadline, task).await {
                Ok(Ok(obs)) => obs,
                Ok(Err(join)) => KafkaObservation {
                    bootstrap: kafka.to_vec(),
                    result: Err(ProbeError::Protocol {
                        endpoint: kafka.join(","),
                        reason: format!("probe failed: {join}"),
                    }),
                },
                Err(_) => {
                    state.deadline_hit = true;
                    KafkaObservation {
                        bootstrap: kafka.to_vec(),
                        result: Err(timed_out(kafka.join(","), "the overall --timeout")),
                    }
                }
            };
            state.kafka = Some(obs);
        }
    });
    // Tasks still running are abandoned with the runtime; their sockets close with it.
    runtime.shutdown_background();
    state.raft = state.operations.iter().filter_map(metrics::raft).collect();
    state
}

fn tls_failed(
    ep: &crate::inventory::live::TlsEndpoint,
    error: ProbeError,
    insecure: bool,
) -> crate::inventory::live::TlsObservation {
    crate::inventory::live::TlsObservation {
        endpoint: ep.clone(),
        connect_error: Some(error),
        primary: Default::default(),
        without_client_cert: None,
        insecure,
        policy: None,
    }
}
