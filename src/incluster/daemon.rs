//! Chaincode lookups from the chaincode's own place on a live cluster: for every peer whose
//! chaincode a Docker daemon launches, the runner reaches that daemon through the Kubernetes
//! API and starts a probe container on it with the HostConfig the peer gives chaincode, exactly
//! as `check --docker` does on a daemon it can reach directly ([`crate::probe::docker`]).
//!
//! How the daemon is reached follows the peer's `CORE_VM_ENDPOINT`:
//! - `tcp://127.0.0.1:P` / `tcp://localhost:P`: a daemon in the peer's own pod (the
//!   Docker-in-Docker sidecar). The API server's port-forward connects to port P inside the
//!   pod's network namespace, where the peer connects to it too.
//! - `tcp://HOST:P` naming a Service (`dind`, `dind.ns`, `dind.ns.svc.cluster.local`): a
//!   daemon in another pod; the forward goes to a running pod behind the Service, at the
//!   Service port's target port.
//! - `unix://…`: the node's Docker socket, mounted into the peer from a `hostPath`. A relay
//!   pod of fabcheck's image on the peer's node mounts the same host socket and serves it on
//!   its loopback (`fabcheck relay-docker-socket`), and the forward goes to the relay. It
//!   runs as root (the socket is root's) with no capabilities, so a probe namespace enforcing
//!   the baseline or restricted Pod Security Standard refuses it: that peer's lookups are then
//!   an error quoting the refusal.
//! - Hosts that are not Services of the cluster are not reachable this way; each peer pod gets
//!   an observation saying so (the node DNS DaemonSet still looks its names up the way the
//!   node's Docker would).
//!
//! The daemon's own settings (`--dns`, `--dns-search`, `--dns-opt`) apply by themselves: the
//! container is the daemon's. The image is the chaincode runtime image for the peer's Fabric
//! version (or `--docker-image`), which must be on that daemon already; a peer that has run
//! chaincode has pulled it.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::ListParams;
use kube::{Api, Client};
use tokio::time::Instant;

use crate::inventory::dns::{DnsObservation, ResolverContext, Runtime, Vantage};
use crate::inventory::live::ChaincodeContainers;
use crate::kube::forward::LocalForward;
use crate::probe::chaincode::FALLBACK_IMAGE;
use crate::probe::docker::{
    ChaincodeHostConfig, DockerEndpoint, list_chaincode_containers, observation,
    probe_chaincode_dns_via,
};

/// Pods probed per peer workload at most (each is a container start on its own daemon).
const MAX_PODS_PER_PEER: usize = 8;

/// Bound on one probe container (connect, create, run, read back, remove) on one daemon.
const PER_DAEMON: Duration = Duration::from_secs(30);

/// A peer workload whose chaincode a Docker daemon launches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonTarget {
    /// The resolver context the lookups stand for (`chaincode of org1/peer0`).
    pub context: String,
    pub namespace: String,
    /// The pod template's labels, which find the workload's running pods.
    pub pod_labels: BTreeMap<String, String>,
    /// `CORE_VM_ENDPOINT` as the peer reaches it.
    pub endpoint: String,
    pub host_config: ChaincodeHostConfig,
    pub names: Vec<String>,
    /// The probe container's image: the chaincode runtime image, or `--docker-image`.
    pub image: String,
    /// The name every chaincode container of this peer starts with (`dev-peer0.org1-`).
    pub vm_name_prefix: Option<String>,
}

/// The Docker-launching peer workloads of `contexts` with names to look up.
pub fn targets(contexts: &[ResolverContext]) -> Vec<DaemonTarget> {
    contexts
        .iter()
        .filter(|c| !c.names.is_empty() && !c.pod_labels.is_empty())
        .filter_map(|c| {
            let Runtime::Docker { endpoint, .. } = &c.runtime else {
                return None;
            };
            let crate::inventory::dns::chaincode::Platform::Kubernetes { namespace } = &c.platform
            else {
                return None;
            };
            let [dns, dns_search, dns_options] = c.peer_host_config.clone();
            Some(DaemonTarget {
                context: c.label.clone(),
                namespace: namespace.clone(),
                pod_labels: c.pod_labels.clone(),
                endpoint: endpoint.clone(),
                host_config: ChaincodeHostConfig {
                    dns,
                    dns_search,
                    dns_options,
                    network_mode: c.network_mode.clone(),
                },
                names: c.names.iter().map(|n| n.name.clone()).collect(),
                image: c
                    .runtime_image
                    .as_ref()
                    .map_or(FALLBACK_IMAGE, |(image, _)| image.as_str())
                    .to_owned(),
                vm_name_prefix: c.vm_name_prefix.clone(),
            })
        })
        .collect()
}

/// Where the forward to a peer's daemon goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    /// Port `port` of the peer's own pod.
    OwnPod { port: u16 },
    /// Port `port` (a Service's target port, numeric) of a pod behind Service
    /// `namespace/service`.
    Service {
        namespace: String,
        service: String,
        port: u16,
    },
    /// The node's socket at `path` in the peer's container, served by a relay pod.
    NodeSocket { path: String },
    /// Not reachable through the API, and why.
    Unreachable(String),
}

/// Where relay pods for node sockets are made: the probe run's namespace, image and labels.
#[derive(Debug, Clone)]
pub struct RelayPlan {
    pub namespace: String,
    pub image: String,
    /// The run's labels (its id among them), so the run's cleanup finds the relays.
    pub labels: BTreeMap<String, String>,
    /// `fabcheck-probe-<id>`: relays are `<prefix>-docker-<n>`.
    pub name_prefix: String,
}

/// The port a relay serves the node's socket on, on its own loopback.
const RELAY_PORT: u16 = 2375;

/// Where the relay mounts the node's socket.
const RELAY_SOCKET: &str = "/fabcheck/docker.sock";

/// Bound on a relay pod becoming ready.
const RELAY_READY_WITHIN: Duration = Duration::from_secs(60);

/// How to reach `endpoint` as a peer in `namespace` does.
fn route(endpoint: &str, namespace: &str) -> Route {
    match DockerEndpoint::parse(endpoint) {
        Err(e) => Route::Unreachable(e.to_string()),
        Ok(DockerEndpoint::Unix { path }) => Route::NodeSocket { path },
        Ok(DockerEndpoint::Tcp { host, port }) => {
            let host = host.trim_end_matches('.').to_ascii_lowercase();
            if host == "localhost" || host == "::1" || host.starts_with("127.") {
                return Route::OwnPod { port };
            }
            // `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.<cluster domain>`.
            let bare = match host.find(".svc.") {
                Some(i) => &host[..i],
                None => host.strip_suffix(".svc").unwrap_or(&host),
            };
            match bare.split('.').collect::<Vec<_>>()[..] {
                [service] if host.parse::<std::net::IpAddr>().is_err() => Route::Service {
                    namespace: namespace.to_owned(),
                    service: service.to_owned(),
                    port,
                },
                [service, ns] => Route::Service {
                    namespace: ns.to_owned(),
                    service: service.to_owned(),
                    port,
                },
                _ => Route::Unreachable(format!(
                    "{host} is neither the peer's own pod nor a Service of the cluster, so the \
                     Kubernetes API does not reach the daemon there; give --docker {endpoint} \
                     from a machine that reaches it"
                )),
            }
        }
    }
}

/// What the peers' own daemons showed: one lookup observation per peer pod (or per peer whose
/// pods could not be found), and the chaincode containers of each daemon that was reached.
#[derive(Debug, Default)]
pub struct FromDaemons {
    pub dns: Vec<DnsObservation>,
    pub chaincode: Vec<ChaincodeContainers>,
}

/// Runs one probe container on the daemon of every running pod of every target and lists the
/// peer's chaincode containers there (one daemon after another per peer, the peers at once),
/// bounded by `deadline`. Node sockets are reached through relay pods made per node and
/// socket as `relay` says, removed again before this returns.
pub async fn observe(
    client: &Client,
    targets: &[DaemonTarget],
    relay: &RelayPlan,
    request_timeout: Duration,
    deadline: Instant,
) -> FromDaemons {
    let listed = futures_util::future::join_all(targets.iter().map(|t| async move {
        let pods = match tokio::time::timeout_at(
            deadline,
            running_pods(client, &t.namespace, &t.pod_labels),
        )
        .await
        {
            Ok(Ok(pods)) if pods.is_empty() => Err(format!(
                "no running pod in namespace {} carries the peer's labels ({})",
                t.namespace,
                selector(&t.pod_labels)
            )),
            Ok(result) => result,
            Err(_) => Err("the probe's time ran out before the peer's pods were listed".to_owned()),
        };
        PeerPods {
            target: t,
            route: route(&t.endpoint, &t.namespace),
            pods,
        }
    }))
    .await;
    let relays = Relays::make(client, relay, &listed, request_timeout, deadline).await;
    let per_target = listed.iter().map(
        |PeerPods {
             target: t,
             route,
             pods,
         }| {
            let relays = &relays;
            async move {
                let mut out = FromDaemons::default();
                match pods {
                    Err(reason) => out.dns.push(failed(t, &t.endpoint, reason.clone())),
                    Ok(pods) => {
                        for pod in pods.iter().take(MAX_PODS_PER_PEER) {
                            let (dns, chaincode) =
                                probe_pod(client, t, route, pod, relays, request_timeout, deadline)
                                    .await;
                            out.dns.push(dns);
                            out.chaincode.push(chaincode);
                        }
                    }
                }
                out
            }
        },
    );
    let mut all = FromDaemons::default();
    for mut one in futures_util::future::join_all(per_target).await {
        all.dns.append(&mut one.dns);
        all.chaincode.append(&mut one.chaincode);
    }
    relays.remove(client, request_timeout).await;
    all
}

/// A peer workload, how its daemon is reached, and its running pods (or why none were found).
struct PeerPods<'a> {
    target: &'a DaemonTarget,
    route: Route,
    pods: Result<Vec<String>, String>,
}

/// The relay pods of one run: which peer pod's socket each serves, or why it could not.
#[derive(Default)]
struct Relays {
    /// `namespace/peer pod` → the relay pod's name, or why there is none.
    by_peer: BTreeMap<String, Result<String, String>>,
    namespace: String,
    made: Vec<String>,
}

impl Relays {
    /// One relay per node and host socket the node-socket peers' pods use.
    async fn make(
        client: &Client,
        plan: &RelayPlan,
        listed: &[PeerPods<'_>],
        request_timeout: Duration,
        deadline: Instant,
    ) -> Relays {
        let mut relays = Relays::default();
        let mut wanted: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for PeerPods {
            target: t,
            route,
            pods,
        } in listed
        {
            let (Route::NodeSocket { path }, Ok(pods)) = (route, pods) else {
                continue;
            };
            for pod in pods.iter().take(MAX_PODS_PER_PEER) {
                let key = format!("{}/{pod}", t.namespace);
                match host_socket(client, &t.namespace, pod, path).await {
                    Ok(at) => wanted.entry(at).or_default().push(key),
                    Err(why) => {
                        relays.by_peer.insert(key, Err(why));
                    }
                }
            }
        }
        relays.namespace = plan.namespace.clone();
        let pods: Api<Pod> = Api::namespaced(client.clone(), &plan.namespace);
        for (n, ((node, socket), peers)) in wanted.into_iter().enumerate() {
            let name = format!("{}-docker-{n}", plan.name_prefix);
            let made = pods
                .create(
                    &kube::api::PostParams::default(),
                    &relay_pod(plan, &name, &node, &socket),
                )
                .await;
            let ready = match made {
                Err(e) => Err(format!(
                    "failed to create relay pod {}/{name} for the Docker socket {socket} on node {node}: {}",
                    plan.namespace,
                    super::job::describe(&e)
                )),
                Ok(_) => {
                    relays.made.push(name.clone());
                    let within = deadline
                        .saturating_duration_since(Instant::now())
                        .min(RELAY_READY_WITHIN);
                    wait_ready(&pods, &name, within, request_timeout)
                        .await
                        .map(|()| name.clone())
                        .map_err(|why| {
                            format!(
                                "relay pod {}/{name} for the Docker socket {socket} on node {node} did not get ready: {why}",
                                plan.namespace
                            )
                        })
                }
            };
            for peer in peers {
                relays.by_peer.insert(peer, ready.clone());
            }
        }
        relays
    }

    /// Deletes every relay pod made (a leftover is reported, and carries the run's label).
    async fn remove(&self, client: &Client, request_timeout: Duration) {
        let pods: Api<Pod> = Api::namespaced(client.clone(), &self.namespace);
        for name in &self.made {
            let deleted = tokio::time::timeout(
                request_timeout,
                pods.delete(name, &kube::api::DeleteParams::background()),
            )
            .await;
            if !matches!(deleted, Ok(Ok(_))) {
                eprintln!(
                    "fabcheck: warning: failed to delete relay pod {}/{name}; remove it with: kubectl delete pod -n {} {name}",
                    self.namespace, self.namespace
                );
            }
        }
    }
}

/// The node `pod` runs on and the host path of the socket its container sees at `path`
/// (through the `hostPath` volume mounted at or above it).
async fn host_socket(
    client: &Client,
    namespace: &str,
    pod: &str,
    path: &str,
) -> Result<(String, String), String> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let object = api.get(pod).await.map_err(|e| {
        format!(
            "failed to read pod {namespace}/{pod}: {}",
            crate::kube::describe(&e)
        )
    })?;
    let spec = object.spec.unwrap_or_default();
    let node = spec
        .node_name
        .clone()
        .ok_or_else(|| format!("pod {namespace}/{pod} is on no node yet"))?;
    let host_paths: BTreeMap<String, String> = spec
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| Some((v.name.clone(), v.host_path.as_ref()?.path.clone())))
        .collect();
    spec.containers
        .iter()
        .flat_map(|c| c.volume_mounts.iter().flatten())
        .filter_map(|m| {
            let host = host_paths.get(&m.name)?;
            let rest = path.strip_prefix(m.mount_path.trim_end_matches('/'))?;
            (rest.is_empty() || rest.starts_with('/')).then(|| {
                let host = host.trim_end_matches('/');
                match rest {
                    "" => host.to_owned(),
                    rest => format!("{host}{rest}"),
                }
            })
        })
        .max_by_key(String::len)
        .map(|socket| (node, socket))
        .ok_or_else(|| {
            format!(
                "no hostPath volume of pod {namespace}/{pod} holds {path}: the peer cannot reach a node's Docker socket there either"
            )
        })
}

/// The relay: fabcheck's image on `node`, the host's `socket` mounted, served on the pod's
/// loopback. Root (the socket is root's), no capabilities, no privilege escalation, read-only.
fn relay_pod(plan: &RelayPlan, name: &str, node: &str, socket: &str) -> Pod {
    use k8s_openapi::api::core::v1::{
        Container, HostPathVolumeSource, PodSecurityContext, PodSpec, Volume, VolumeMount,
    };
    let mut security = crate::probe::pod_spec::restricted();
    security.run_as_non_root = Some(false);
    security.run_as_user = Some(0);
    Pod {
        metadata: kube::api::ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(plan.namespace.clone()),
            labels: Some(plan.labels.clone()),
            ..kube::api::ObjectMeta::default()
        },
        spec: Some(crate::probe::pod_spec::on_every_linux_node(PodSpec {
            node_name: Some(node.to_owned()),
            restart_policy: Some("Never".to_owned()),
            termination_grace_period_seconds: Some(5),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            security_context: Some(PodSecurityContext::default()),
            containers: vec![Container {
                name: "relay".to_owned(),
                image: Some(plan.image.clone()),
                image_pull_policy: Some("IfNotPresent".to_owned()),
                args: Some(vec![
                    "relay-docker-socket".to_owned(),
                    "--socket".to_owned(),
                    RELAY_SOCKET.to_owned(),
                    "--listen".to_owned(),
                    format!("127.0.0.1:{RELAY_PORT}"),
                ]),
                volume_mounts: Some(vec![VolumeMount {
                    name: "docker-socket".to_owned(),
                    mount_path: RELAY_SOCKET.to_owned(),
                    ..VolumeMount::default()
                }]),
                security_context: Some(security),
                resources: Some(crate::probe::pod_spec::resources(
                    ("10m", "16Mi"),
                    ("200m", "64Mi"),
                )),
                ..Container::default()
            }],
            volumes: Some(vec![Volume {
                name: "docker-socket".to_owned(),
                host_path: Some(HostPathVolumeSource {
                    path: socket.to_owned(),
                    type_: Some("Socket".to_owned()),
                }),
                ..Volume::default()
            }]),
            ..PodSpec::default()
        })),
        ..Pod::default()
    }
}

/// Waits until the relay pod runs with its container ready; why not, when it does not.
async fn wait_ready(
    pods: &Api<Pod>,
    name: &str,
    within: Duration,
    request_timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + within;
    let mut last = "not scheduled yet".to_owned();
    while Instant::now() < deadline {
        if let Ok(Ok(pod)) = tokio::time::timeout(request_timeout, pods.get(name)).await {
            let status = pod.status.unwrap_or_default();
            let container = status.container_statuses.iter().flatten().next();
            if container.is_some_and(|c| c.ready) {
                return Ok(());
            }
            let waiting = container
                .and_then(|c| c.state.as_ref())
                .and_then(|s| s.waiting.as_ref());
            let terminated = container
                .and_then(|c| c.state.as_ref())
                .and_then(|s| s.terminated.as_ref());
            last = match (waiting, terminated) {
                (Some(w), _) => format!(
                    "waiting: {} {}",
                    w.reason.clone().unwrap_or_default(),
                    w.message.clone().unwrap_or_default()
                ),
                (_, Some(t)) => {
                    return Err(format!(
                        "its container ended ({}, exit {}): {}",
                        t.reason.clone().unwrap_or_default(),
                        t.exit_code,
                        t.message.clone().unwrap_or_default()
                    ));
                }
                _ => format!(
                    "phase {}",
                    status.phase.unwrap_or_else(|| "unknown".to_owned())
                ),
            };
            if waiting.and_then(|w| w.reason.as_deref()).is_some_and(|r| {
                matches!(
                    r,
                    "ErrImagePull"
                        | "ImagePullBackOff"
                        | "ErrImageNeverPull"
                        | "InvalidImageName"
                        | "CreateContainerConfigError"
                        | "CreateContainerError"
                )
            }) {
                return Err(last.trim().to_owned());
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Err(format!(
        "not ready within {}: {}",
        super::human(within),
        last.trim()
    ))
}

/// The lookups from the daemon `pod`'s peer launches chaincode on, and that peer's chaincode
/// containers there.
async fn probe_pod(
    client: &Client,
    t: &DaemonTarget,
    route: &Route,
    pod: &str,
    relays: &Relays,
    request_timeout: Duration,
    deadline: Instant,
) -> (DnsObservation, ChaincodeContainers) {
    let shown = format!("{} in pod {}/{pod}", t.endpoint, t.namespace);
    let containers = |shown: &str, containers| ChaincodeContainers {
        peer: format!("{}/{pod}", t.namespace),
        daemon: shown.to_owned(),
        prefix: t.vm_name_prefix.clone().unwrap_or_default(),
        containers,
    };
    let both = |shown: &str, reason: String| {
        (
            failed(t, shown, reason.clone()),
            containers(shown, Err(reason)),
        )
    };
    let (namespace, forward_pod, port) = match route {
        Route::Unreachable(reason) => return both(&shown, reason.clone()),
        Route::OwnPod { port } => (t.namespace.clone(), pod.to_owned(), *port),
        Route::Service {
            namespace,
            service,
            port,
        } => match service_backend(client, namespace, service, *port).await {
            Ok((backend, target_port)) => (namespace.clone(), backend, target_port),
            Err(reason) => return both(&shown, reason),
        },
        Route::NodeSocket { .. } => match relays.by_peer.get(&format!("{}/{pod}", t.namespace)) {
            Some(Ok(relay)) => (relays.namespace.clone(), relay.clone(), RELAY_PORT),
            Some(Err(reason)) => return both(&shown, reason.clone()),
            None => return both(&shown, "no relay pod serves this pod's node".to_owned()),
        },
    };
    let shown = match route {
        Route::NodeSocket { .. } => format!(
            "{} in pod {}/{pod} (the node's daemon, through relay pod {namespace}/{forward_pod})",
            t.endpoint, t.namespace
        ),
        _ if forward_pod == pod => shown,
        _ => format!(
            "{} (pod {namespace}/{forward_pod}) for pod {}/{pod}",
            t.endpoint, t.namespace
        ),
    };
    let forward =
        match LocalForward::start(client, &namespace, &forward_pod, port, request_timeout).await {
            Ok(f) => f,
            Err(e) => return both(&shown, e.to_string()),
        };
    // A daemon that could not be reached through the forward: what the API server or the
    // kubelet said is the reason; the Docker client only saw its connection end.
    let unreached = |forward: &LocalForward| {
        forward.failure().map(|why| {
            format!(
                "failed to reach the Docker daemon at {shown} through a port-forward to \
                 {namespace}/{forward_pod}:{port}: {why}"
            )
        })
    };
    let connect_to = format!("tcp://{}", forward.address());
    let left = deadline.saturating_duration_since(Instant::now());
    let lookups = tokio::time::timeout(
        left,
        probe_chaincode_dns_via(
            &connect_to,
            &shown,
            &t.image,
            &t.host_config,
            &t.names,
            left.min(PER_DAEMON),
        ),
    )
    .await;
    let mut dns = match lookups {
        Ok(result) => observation(&t.context, &shown, &t.host_config, &result),
        Err(_) => failed(
            t,
            &shown,
            "the probe's time ran out while the probe container ran".to_owned(),
        ),
    };
    if let (Some(failure), Some(why)) = (&mut dns.failure, unreached(&forward)) {
        *failure = why;
    }
    let left = deadline.saturating_duration_since(Instant::now());
    let listed = match tokio::time::timeout(
        left,
        list_chaincode_containers(
            &connect_to,
            &shown,
            t.vm_name_prefix.as_deref(),
            left.min(PER_DAEMON),
        ),
    )
    .await
    {
        Ok(Ok(list)) => Ok(list),
        Ok(Err(e)) => Err(unreached(&forward).unwrap_or_else(|| e.to_string())),
        Err(_) => Err("the probe's time ran out before the containers were listed".to_owned()),
    };
    (dns, containers(&shown, listed))
}

/// The relay pod's side (`fabcheck relay-docker-socket`): every connection to `listen` is
/// joined to a new connection to the Docker `socket`, until SIGTERM (the pod's deletion).
pub async fn relay(
    socket: &std::path::Path,
    listen: std::net::SocketAddr,
) -> Result<(), super::InClusterError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| super::InClusterError::new(format!("listen on {listen}"), e.to_string()))?;
    eprintln!("fabcheck: relaying {listen} to {}", socket.display());
    let socket = socket.to_owned();
    let serve = async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let socket = socket.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(
                    Duration::from_secs(10),
                    tokio::net::UnixStream::connect(&socket),
                )
                .await
                {
                    Ok(Ok(mut unix)) => {
                        let _ = tokio::io::copy_bidirectional(&mut tcp, &mut unix).await;
                    }
                    Ok(Err(e)) => {
                        eprintln!("fabcheck: failed to connect to {}: {e}", socket.display())
                    }
                    Err(_) => eprintln!(
                        "fabcheck: failed to connect to {}: no answer within 10s",
                        socket.display()
                    ),
                }
            });
        }
    };
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| super::InClusterError::new("handle SIGTERM", e.to_string()))?;
    tokio::select! {
        _ = serve => {}
        _ = term.recv() => {}
    }
    Ok(())
}

/// The running, not terminating, pods in `namespace` carrying `labels`, by name.
async fn running_pods(
    client: &Client,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Result<Vec<String>, String> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let list = api
        .list(&ListParams::default().labels(&selector(labels)))
        .await
        .map_err(|e| {
            format!(
                "failed to list the pods in namespace {namespace}: {}",
                crate::kube::describe(&e)
            )
        })?;
    let mut names: Vec<String> = list
        .items
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| {
            p.status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .is_some_and(|phase| phase == "Running")
        })
        .filter_map(|p| p.metadata.name)
        .collect();
    names.sort();
    Ok(names)
}

/// A running pod behind Service `namespace/service` and the pod port Service port `port`
/// leads to (a numeric target port; a named one is looked up in the pod's containers).
async fn service_backend(
    client: &Client,
    namespace: &str,
    service: &str,
    port: u16,
) -> Result<(String, u16), String> {
    let services: Api<Service> = Api::namespaced(client.clone(), namespace);
    let svc = services.get(service).await.map_err(|e| {
        format!(
            "failed to read Service {namespace}/{service}, where the peer's daemon should be: {}",
            crate::kube::describe(&e)
        )
    })?;
    let spec = svc.spec.unwrap_or_default();
    let Some(labels) = spec.selector.filter(|s| !s.is_empty()) else {
        return Err(format!(
            "Service {namespace}/{service} selects no pods, so no daemon pod is known to forward to"
        ));
    };
    let service_port = spec
        .ports
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.port == i32::from(port))
        .ok_or_else(|| format!("Service {namespace}/{service} has no port {port}"))?;
    let labels: BTreeMap<String, String> = labels.into_iter().collect();
    let pods = running_pods(client, namespace, &labels).await?;
    let Some(pod) = pods.into_iter().next() else {
        return Err(format!(
            "no running pod behind Service {namespace}/{service}"
        ));
    };
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    let target_port = match service_port.target_port {
        None => port,
        Some(IntOrString::Int(p)) => u16::try_from(p)
            .map_err(|_| format!("Service {namespace}/{service} targets port {p}"))?,
        Some(IntOrString::String(name)) => {
            let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
            let spec = api
                .get(&pod)
                .await
                .map_err(|e| crate::kube::describe(&e))?
                .spec
                .unwrap_or_default();
            spec.containers
                .iter()
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .and_then(|p| u16::try_from(p.container_port).ok())
                .ok_or_else(|| {
                    format!("pod {namespace}/{pod} has no container port named {name}")
                })?
        }
    };
    Ok((pod, target_port))
}

fn selector(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn failed(t: &DaemonTarget, shown: &str, reason: String) -> DnsObservation {
    DnsObservation {
        context: t.context.clone(),
        vantage: Vantage::Container {
            endpoint: shown.to_owned(),
            configured_servers: t.host_config.dns.clone(),
            network_mode: t.host_config.network_mode.clone(),
            resolver: None,
        },
        config: t.host_config.requested_resolver(),
        results: Vec::new(),
        failure: Some(reason),
        missing_network: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daemon_on_the_pods_loopback_is_forwarded_to_in_the_pod_itself() {
        for endpoint in [
            "tcp://127.0.0.1:2375",
            "tcp://localhost:2376",
            "tcp://[::1]:2375",
        ] {
            assert!(
                matches!(route(endpoint, "org1"), Route::OwnPod { .. }),
                "{endpoint}"
            );
        }
        assert_eq!(
            route("tcp://localhost", "org1"),
            Route::OwnPod { port: 2375 }
        );
    }

    #[test]
    fn a_daemon_behind_a_service_is_found_in_the_namespace_the_name_implies() {
        let svc = |ns: &str, name: &str, port| Route::Service {
            namespace: ns.into(),
            service: name.into(),
            port,
        };
        assert_eq!(route("tcp://dind:2375", "org1"), svc("org1", "dind", 2375));
        assert_eq!(
            route("tcp://dind.shared:2376", "org1"),
            svc("shared", "dind", 2376)
        );
        assert_eq!(
            route("tcp://dind.shared.svc:2375", "org1"),
            svc("shared", "dind", 2375)
        );
        assert_eq!(
            route("tcp://dind.shared.svc.example.org.:2375", "org1"),
            svc("shared", "dind", 2375)
        );
    }

    #[test]
    fn a_node_socket_is_reached_through_a_relay() {
        assert_eq!(
            route("unix:///host/var/run/docker.sock", "org1"),
            Route::NodeSocket {
                path: "/host/var/run/docker.sock".into()
            }
        );
    }

    #[test]
    fn an_address_and_a_foreign_host_say_why_they_are_not_reached() {
        for (endpoint, says) in [
            ("tcp://10.0.0.5:2375", "neither the peer's own pod"),
            (
                "tcp://docker.example.com:2375",
                "neither the peer's own pod",
            ),
            ("https://docker:2376", "expected unix:///path or tcp://"),
        ] {
            match route(endpoint, "org1") {
                Route::Unreachable(reason) => {
                    assert!(reason.contains(says), "{endpoint}: {reason}")
                }
                other => panic!("{endpoint}: {other:?}"),
            }
        }
    }

    #[test]
    fn targets_are_the_docker_launching_peers_on_kubernetes_with_names() {
        use crate::checks::dns::testing;
        let mut peer = testing::k8s_peer(
            "peer0",
            "org1",
            &[("CORE_VM_ENDPOINT", "tcp://127.0.0.1:2375")],
        );
        if let Some(pod) = &mut peer.pod {
            pod.labels = [("app".to_owned(), "peer0".to_owned())].into();
        }
        let inv = testing::inventory(vec![peer], None, Some("10.96.0.10"));
        let targets = targets(&inv.dns.contexts);
        assert_eq!(targets.len(), 1, "{targets:?}");
        assert_eq!(targets[0].namespace, "org1");
        assert_eq!(targets[0].endpoint, "tcp://127.0.0.1:2375");
        assert_eq!(selector(&targets[0].pod_labels), "app=peer0");
        assert!(!targets[0].names.is_empty());
    }
}
