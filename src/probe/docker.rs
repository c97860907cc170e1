//! Name resolution as chaincode sees it: a short-lived probe container launched on the peer's
//! Docker daemon (`CORE_VM_ENDPOINT`) with the HostConfig the peer gives chaincode
//! (`CORE_VM_DOCKER_HOSTCONFIG_DNS`, `…_DNSSEARCH`, `…_DNSOPTIONS`, `…_NETWORKMODE`).
//!
//! The container runs glibc's `getent hosts NAME…`, so every lookup goes through the same stub
//! resolver, nsswitch and `/etc/resolv.conf` a chaincode process gets. Afterwards the
//! resolv.conf Docker wrote is read back through the archive API (on a user-defined network it
//! names Docker's embedded server 127.0.0.11, which forwards to the HostConfig servers), and the
//! container is removed — also when a step fails or times out.
//!
//! What `getent hosts` reveals, and what is inferred:
//! - for a name it found, one line per address with the canonical name (and aliases). The
//!   candidate (in glibc's search order) equal to the canonical name or an alias is the one
//!   that answered; the candidates before it were asked and failed, the ones after it were not
//!   asked. getent does not say *how* the earlier ones failed (NXDOMAIN, no address records,
//!   SERVFAIL all continue the search), so they are reported as [`CandidateAnswer::NoSuchName`];
//! - for a name it did not find, nothing at all: every candidate is reported as
//!   [`CandidateAnswer::NoSuchName`], although glibc may have stopped earlier on a REFUSED
//!   answer or a timeout;
//! - a name answered from the container's `/etc/hosts` (`files` comes before `dns`) shows up as
//!   the matching candidate too, although no DNS query was sent.
//!
//! `getent hosts` asks for IPv6 addresses first and IPv4 second (`gethostbyname2`), each over
//! the whole search list; a program calling `getaddrinfo` asks both per candidate. The two
//! agree unless different candidates hold the A and AAAA records.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptionsBuilder,
    DownloadFromContainerOptionsBuilder, ListContainersOptions, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder,
};
use futures_util::{Stream, StreamExt};

use crate::inventory::dns::{
    CandidateAnswer, CandidateOutcome, DnsObservation, NameResolution, ResolverConfig,
    StubResolver, Vantage,
};
use crate::inventory::live::ChaincodeContainer;

/// The label every probe container carries, so a leftover one (a killed fabcheck) can be found
/// with `docker ps -a --filter label=org.hyperledger.fabcheck.probe`.
pub const PROBE_LABEL: &str = "org.hyperledger.fabcheck.probe";
/// The value of [`PROBE_LABEL`] on the chaincode DNS probe.
pub const PROBE_LABEL_VALUE: &str = "chaincode-dns";

/// Label of a probe image whose lookup program is not `getent`: the path of a program that
/// takes `hosts NAME…` and prints what `getent hosts` prints (the fabcheck musl and Go probes,
/// tests/support/probes/).
pub const LOOKUP_LABEL: &str = "org.hyperledger.fabcheck.lookup";
/// Label naming the stub resolver that program resolves with: `glibc`, `musl` or `go`.
pub const RESOLVER_LABEL: &str = "org.hyperledger.fabcheck.resolver";

/// Where musl's dynamic loader sits in an Alpine-based image; its presence makes an
/// unlabelled image's getent musl's.
const MUSL_LOADERS: &[&str] = &["/lib/ld-musl-x86_64.so.1", "/lib/ld-musl-aarch64.so.1"];

/// The file read back from the container.
const RESOLV_CONF: &str = "/etc/resolv.conf";

/// Docker's port for plain `tcp://` endpoints that name none.
const DEFAULT_TCP_PORT: u16 = 2375;

/// A unix socket path longer than this cannot be connected to (`sun_path` is 108 bytes with
/// the terminating NUL).
const MAX_SOCKET_PATH: usize = 107;

/// Largest output or archive read from the daemon. getent prints a line per address and
/// resolv.conf is a few hundred bytes; the cap only stops a misbehaving daemon.
const MAX_READ_BYTES: usize = 1024 * 1024;

/// A DNS name is at most 253 characters in text form.
const MAX_NAME_LEN: usize = 253;

/// The DNS part of the HostConfig a Fabric peer gives chaincode containers, as the peer sends
/// it: empty lists and an empty network mode are left out of the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChaincodeHostConfig {
    /// `CORE_VM_DOCKER_HOSTCONFIG_DNS`: nameserver IPs.
    pub dns: Vec<String>,
    /// `CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH`: search domains.
    pub dns_search: Vec<String>,
    /// `CORE_VM_DOCKER_HOSTCONFIG_DNSOPTIONS`: resolv.conf options (`ndots:2`, …).
    pub dns_options: Vec<String>,
    /// `CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE`: `host`, `bridge`, `none`, `container:ID` or a
    /// user-defined network.
    pub network_mode: Option<String>,
}

impl ChaincodeHostConfig {
    /// The user-defined network NetworkMode names, if it names one. The built-in modes and
    /// `container:…` always exist; a user-defined network may not, and then Docker refuses to
    /// start the chaincode container.
    pub fn user_defined_network(&self) -> Option<&str> {
        let mode = self.network_mode.as_deref()?.trim();
        match mode {
            "" | "default" | "bridge" | "host" | "none" => None,
            m if m.starts_with("container:") => None,
            m => Some(m),
        }
    }

    /// The resolver settings the HostConfig asks for, read the way dockerd reads its own DNS
    /// flags. This is what was requested, not what the container got: the container's
    /// resolv.conf (see [`ContainerLookups::config`]) is authoritative.
    pub fn requested_resolver(&self) -> ResolverConfig {
        ResolverConfig::from_parts(&self.dns, &self.dns_search, &self.dns_options)
    }

    fn to_docker(&self) -> HostConfig {
        let list = |v: &[String]| (!v.is_empty()).then(|| v.to_vec());
        HostConfig {
            dns: list(&self.dns),
            dns_search: list(&self.dns_search),
            dns_options: list(&self.dns_options),
            network_mode: self
                .network_mode
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_owned),
            ..HostConfig::default()
        }
    }
}

/// A Docker endpoint as the peer's `CORE_VM_ENDPOINT` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerEndpoint {
    /// `unix:///var/run/docker.sock`
    Unix { path: String },
    /// `tcp://host:port` (plain HTTP; the port defaults to 2375 as in the docker CLI).
    Tcp { host: String, port: u16 },
}

impl DockerEndpoint {
    /// Parses `unix:///path` or `tcp://host[:port]`; anything else is an error naming the
    /// endpoint.
    pub fn parse(endpoint: &str) -> Result<DockerEndpoint, DockerProbeError> {
        let bad = |reason: &str| DockerProbeError::Endpoint {
            endpoint: endpoint.to_owned(),
            reason: reason.to_owned(),
        };
        let text = endpoint.trim();
        if let Some(path) = text.strip_prefix("unix://") {
            if !path.starts_with('/') {
                return Err(bad("a unix socket path must be absolute (unix:///path)"));
            }
            if path.len() > MAX_SOCKET_PATH {
                return Err(bad(&format!(
                    "the socket path is {} bytes; unix sockets allow at most {MAX_SOCKET_PATH}",
                    path.len()
                )));
            }
            return Ok(DockerEndpoint::Unix {
                path: path.to_owned(),
            });
        }
        let Some(rest) = text.strip_prefix("tcp://") else {
            return Err(bad(
                "expected unix:///path or tcp://host:port (TLS endpoints are not supported)",
            ));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') {
            return Err(bad("a tcp:// endpoint takes no path"));
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (host, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 address needs a closing ']'"))?;
            match after {
                "" => (host, None),
                p => match p.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None => return Err(bad("expected ':port' after the IPv6 address")),
                },
            }
        } else {
            match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None => DEFAULT_TCP_PORT,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| bad(&format!("'{p}' is not a port")))?,
        };
        Ok(DockerEndpoint::Tcp {
            host: host.to_owned(),
            port,
        })
    }
}

/// Why the probe could not run. Messages are lowercase and name the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DockerProbeError {
    #[error("failed to use Docker endpoint {endpoint}: {reason}")]
    Endpoint { endpoint: String, reason: String },
    #[error("failed to reach the Docker daemon at {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error(
        "failed to get an answer from the Docker daemon at {endpoint}: no response within {after_ms} ms ({during})"
    )]
    Timeout {
        endpoint: String,
        during: String,
        after_ms: u64,
    },
    #[error(
        "failed to find image {image} on the Docker daemon at {endpoint}: fabcheck never pulls; \
         put an image with glibc's getent there (docker pull or docker load on that host)"
    )]
    ImageMissing { endpoint: String, image: String },
    #[error("failed to {during} on the Docker daemon at {endpoint}: {reason}")]
    Daemon {
        endpoint: String,
        during: String,
        reason: String,
    },
    #[error("failed to run getent in the probe container on {endpoint}: {reason}")]
    Getent { endpoint: String, reason: String },
    #[error("failed to read {RESOLV_CONF} from the probe container on {endpoint}: {reason}")]
    ResolvConf { endpoint: String, reason: String },
    #[error("failed to look up '{name}' in a probe container: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("failed to start a probe container: no names to look up")]
    NoNames,
}

impl DockerProbeError {
    /// The Docker endpoint the error is about, when it is about one.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            DockerProbeError::Endpoint { endpoint, .. }
            | DockerProbeError::Connect { endpoint, .. }
            | DockerProbeError::Timeout { endpoint, .. }
            | DockerProbeError::ImageMissing { endpoint, .. }
            | DockerProbeError::Daemon { endpoint, .. }
            | DockerProbeError::Getent { endpoint, .. }
            | DockerProbeError::ResolvConf { endpoint, .. } => Some(endpoint),
            DockerProbeError::InvalidName { .. } | DockerProbeError::NoNames => None,
        }
    }
}

/// What a probe that ran found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChaincodeDnsOutcome {
    /// The container ran and looked every name up.
    Ran(Box<ContainerLookups>),
    /// NetworkMode names a network the daemon does not have. No container was created: the
    /// peer's chaincode containers cannot start at all, so there is nothing to resolve.
    MissingNetwork { network: String },
}

/// The lookups made inside one probe container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerLookups {
    pub endpoint: String,
    /// The probe container's name (removed by the time this is returned, unless
    /// [`ContainerLookups::leftover`] says otherwise).
    pub container: String,
    pub image: String,
    /// HostConfig.NetworkMode as the daemon recorded it.
    pub network_mode: Option<String>,
    /// HostConfig.Dns as the daemon recorded it.
    pub configured_servers: Vec<String>,
    /// `/etc/resolv.conf` as Docker wrote it into the container.
    pub resolv_conf: String,
    /// [`ContainerLookups::resolv_conf`] as glibc reads it.
    pub config: ResolverConfig,
    /// The stub resolver that made the lookups, and how that is known (`musl (the image's
    /// org.hyperledger.fabcheck.resolver label)`, `glibc (getent; the image has no label)`).
    pub resolver: String,
    /// The resolver alone, as findings name it.
    pub resolver_kind: StubResolver,
    /// One per name asked, in the order asked.
    pub results: Vec<NameResolution>,
    /// getent's exit status: 0 when every name was found, 2 when one was not.
    pub exit_code: i64,
    /// What getent wrote to stderr (normally nothing).
    pub stderr: String,
    /// Output lines that could not be tied to a name, and other oddities worth a look.
    pub notes: Vec<String>,
    /// Why the container could not be removed, when it could not.
    pub leftover: Option<String>,
    /// Wall time of the whole probe, connection to removal.
    pub elapsed: Duration,
}

/// Launches a probe container on the Docker daemon at `endpoint` with `host_config` the way a
/// Fabric peer launches chaincode, looks up every name with glibc's `getent hosts` inside it,
/// reads back its `/etc/resolv.conf`, and removes it.
///
/// `image` must already be on the daemon (nothing is pulled) and contain glibc's `getent`.
/// Every call to the daemon is bounded by `limit`; the container is removed (forcibly) on every
/// path, and if the returned future is dropped half-way the removal is handed to the runtime.
pub async fn probe_chaincode_dns(
    endpoint: &str,
    image: &str,
    host_config: &ChaincodeHostConfig,
    names: &[String],
    limit: Duration,
) -> Result<ChaincodeDnsOutcome, DockerProbeError> {
    probe_chaincode_dns_via(endpoint, endpoint, image, host_config, names, limit).await
}

/// [`probe_chaincode_dns`] on a daemon reached at `connect_to` (a local forward to it) and
/// named `endpoint` in the outcome and every error (where the peer reaches it).
pub async fn probe_chaincode_dns_via(
    connect_to: &str,
    endpoint: &str,
    image: &str,
    host_config: &ChaincodeHostConfig,
    names: &[String],
    limit: Duration,
) -> Result<ChaincodeDnsOutcome, DockerProbeError> {
    let started = Instant::now();
    let keys = unique_names(names)?;
    let target = DockerEndpoint::parse(connect_to)?;
    let docker = connect(endpoint, &target, limit).await?;

    if let Some(network) = host_config.user_defined_network() {
        let during = format!("inspect network {network}");
        match bounded(
            limit,
            endpoint,
            &during,
            docker.inspect_network(network, None),
        )
        .await?
        {
            Ok(_) => {}
            Err(e) if status(&e) == Some(404) => {
                return Ok(ChaincodeDnsOutcome::MissingNetwork {
                    network: network.to_owned(),
                });
            }
            Err(e) => return Err(daemon_error(endpoint, &during, &e)),
        }
    }

    let during = format!("inspect image {image}");
    let program = match bounded(limit, endpoint, &during, docker.inspect_image(image)).await? {
        Ok(inspected) => LookupProgram::from_labels(
            inspected
                .config
                .as_ref()
                .and_then(|c| c.labels.as_ref())
                .cloned()
                .unwrap_or_default(),
        ),
        Err(e) if status(&e) == Some(404) => {
            return Err(DockerProbeError::ImageMissing {
                endpoint: endpoint.to_owned(),
                image: image.to_owned(),
            });
        }
        Err(e) => return Err(daemon_error(endpoint, &during, &e)),
    };

    let name = container_name();
    let body = ContainerCreateBody {
        image: Some(image.to_owned()),
        // The image's own entrypoint (if any) would wrap or replace the command.
        entrypoint: Some(vec![program.path.clone()]),
        cmd: Some(
            std::iter::once("hosts".to_owned())
                .chain(keys.iter().cloned())
                .collect(),
        ),
        labels: Some(HashMap::from([(
            PROBE_LABEL.to_owned(),
            PROBE_LABEL_VALUE.to_owned(),
        )])),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(false),
        host_config: Some(host_config.to_docker()),
        ..ContainerCreateBody::default()
    };
    let options = CreateContainerOptionsBuilder::new().name(&name).build();
    let during = "create the probe container";
    let created = bounded(
        limit,
        endpoint,
        during,
        docker.create_container(Some(options), body),
    )
    .await?
    .map_err(|e| daemon_error(endpoint, during, &e))?;

    let mut guard = RemoveOnDrop {
        docker: Some(docker.clone()),
        id: created.id.clone(),
        limit,
    };
    let run = run_getent(&docker, endpoint, &created.id, limit, !program.labelled).await;
    guard.docker = None;
    let leftover = remove(&docker, endpoint, &created.id, limit).await.err();
    let run = run?;

    let mut program = program;
    if let Some(loader) = &run.musl_loader {
        program.resolver = StubResolver::Musl;
        program.musl_loader = Some(loader.clone());
    }
    let config = ResolverConfig::from_resolv_conf(&run.resolv_conf);
    let (results, mut notes) = map_lookups_as(program.resolver, &keys, &config, &run.stdout);
    check_exit_code(run.exit_code, &results, &mut notes);
    let results = names
        .iter()
        .filter_map(|n| results.iter().find(|r| r.name == n.trim()).cloned())
        .collect();
    Ok(ChaincodeDnsOutcome::Ran(Box::new(ContainerLookups {
        endpoint: endpoint.to_owned(),
        container: name,
        image: image.to_owned(),
        network_mode: run.network_mode,
        configured_servers: run.configured_servers,
        resolv_conf: run.resolv_conf,
        config,
        resolver: program.describe(),
        resolver_kind: program.resolver,
        results,
        exit_code: run.exit_code,
        stderr: run.stderr,
        notes,
        leftover: leftover.map(|e| e.to_string()),
        elapsed: started.elapsed(),
    })))
}

/// Chaincode containers read per daemon at most; a daemon holding more lists the first ones.
const MAX_CHAINCODE_CONTAINERS: usize = 32;

/// Lines of each chaincode container's log kept: enough for the shim's error and its cause.
const LOG_TAIL_LINES: usize = 20;

/// Characters of one log line kept.
const MAX_LOG_LINE_CHARS: usize = 500;

/// The chaincode containers on the daemon at `connect_to` (named `endpoint` in errors) whose
/// name starts with `prefix` (Fabric's `{networkId}-{peerId}-`; every container but fabcheck's
/// own probes when `None`), each with its state, exit code and the last lines of its log.
pub async fn list_chaincode_containers(
    connect_to: &str,
    endpoint: &str,
    prefix: Option<&str>,
    limit: Duration,
) -> Result<Vec<ChaincodeContainer>, DockerProbeError> {
    let target = DockerEndpoint::parse(connect_to)?;
    let docker = connect(endpoint, &target, limit).await?;
    let options = ListContainersOptions {
        all: true,
        filters: prefix.map(|p| HashMap::from([("name".to_owned(), vec![p.to_owned()])])),
        ..ListContainersOptions::default()
    };
    let during = "list the chaincode containers";
    let listed = bounded(
        limit,
        endpoint,
        during,
        docker.list_containers(Some(options)),
    )
    .await?
    .map_err(|e| daemon_error(endpoint, during, &e))?;
    let mut out = Vec::new();
    for summary in listed {
        let is_probe = summary
            .labels
            .as_ref()
            .is_some_and(|l| l.contains_key(PROBE_LABEL));
        // Docker's name filter matches anywhere in the name (as a pattern); Fabric's names
        // start with the prefix.
        let Some(name) = summary
            .names
            .iter()
            .flatten()
            .map(|n| n.trim_start_matches('/'))
            .find(|n| prefix.is_none_or(|p| n.starts_with(p)))
        else {
            continue;
        };
        if is_probe || out.len() == MAX_CHAINCODE_CONTAINERS {
            continue;
        }
        let name = name.to_owned();
        let during = format!("inspect container {name}");
        let exit_code = bounded(
            limit,
            endpoint,
            &during,
            docker.inspect_container(&name, None),
        )
        .await?
        .ok()
        .and_then(|c| c.state)
        .and_then(|s| s.exit_code);
        let logs = docker.logs(
            &name,
            Some(
                LogsOptionsBuilder::new()
                    .stdout(true)
                    .stderr(true)
                    .tail(&LOG_TAIL_LINES.to_string())
                    .build(),
            ),
        );
        let during = format!("read the log of container {name}");
        let log_tail = match bounded(limit, endpoint, &during, collect_output(logs)).await? {
            Ok((stdout, stderr)) => {
                let mut lines: Vec<String> = String::from_utf8_lossy(&stdout)
                    .lines()
                    .chain(String::from_utf8_lossy(&stderr).lines())
                    .map(|l| {
                        let l = crate::inventory::logs::redact_private_keys(l.trim_end());
                        crate::inventory::logs::truncate_chars(&l, MAX_LOG_LINE_CHARS)
                    })
                    .filter(|l| !l.is_empty())
                    .collect();
                let skip = lines.len().saturating_sub(LOG_TAIL_LINES);
                lines.drain(..skip);
                lines
            }
            Err(e) => vec![format!(
                "(its log could not be read: {})",
                bollard_reason(&e)
            )],
        };
        out.push(ChaincodeContainer {
            name,
            image: summary.image.unwrap_or_default(),
            state: summary.state.map(|s| s.to_string()).unwrap_or_default(),
            status: summary.status.unwrap_or_default(),
            exit_code,
            log_tail,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The probe's result as the DNS checks take it, whatever happened: the lookups, the missing
/// network, or why the probe could not run.
pub fn observation(
    context: &str,
    endpoint: &str,
    host_config: &ChaincodeHostConfig,
    result: &Result<ChaincodeDnsOutcome, DockerProbeError>,
) -> DnsObservation {
    let requested = || Vantage::Container {
        endpoint: endpoint.to_owned(),
        configured_servers: host_config.dns.clone(),
        network_mode: host_config.network_mode.clone(),
        resolver: None,
    };
    match result {
        Ok(ChaincodeDnsOutcome::Ran(lookups)) => DnsObservation {
            context: context.to_owned(),
            vantage: Vantage::Container {
                endpoint: lookups.endpoint.clone(),
                configured_servers: lookups.configured_servers.clone(),
                network_mode: lookups.network_mode.clone(),
                resolver: Some(lookups.resolver_kind.to_string()),
            },
            config: lookups.config.clone(),
            results: lookups.results.clone(),
            failure: None,
            missing_network: None,
        },
        Ok(ChaincodeDnsOutcome::MissingNetwork { network }) => DnsObservation {
            context: context.to_owned(),
            vantage: requested(),
            config: host_config.requested_resolver(),
            results: Vec::new(),
            failure: None,
            missing_network: Some(network.clone()),
        },
        Err(e) => DnsObservation {
            context: context.to_owned(),
            vantage: requested(),
            config: host_config.requested_resolver(),
            results: Vec::new(),
            failure: Some(e.to_string()),
            missing_network: None,
        },
    }
}

/// The program a probe container runs for its lookups, from the image's labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupProgram {
    pub path: String,
    pub resolver: StubResolver,
    /// Whether the image says which resolver; without a label, the image's `getent` is taken
    /// as glibc's unless musl's loader is in the image (Alpine: getent from musl-utils).
    pub labelled: bool,
    /// musl's loader, found in an unlabelled image.
    pub musl_loader: Option<String>,
}

impl LookupProgram {
    pub fn from_labels(labels: HashMap<String, String>) -> LookupProgram {
        let path = labels
            .get(LOOKUP_LABEL)
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "getent".to_owned());
        match labels
            .get(RESOLVER_LABEL)
            .and_then(|r| StubResolver::parse(r))
        {
            Some(resolver) => LookupProgram {
                path,
                resolver,
                labelled: true,
                musl_loader: None,
            },
            None => LookupProgram {
                path,
                resolver: StubResolver::Glibc,
                labelled: false,
                musl_loader: None,
            },
        }
    }

    pub fn describe(&self) -> String {
        if let Some(loader) = &self.musl_loader {
            return format!(
                "{} ({} of the image, which has musl's loader {loader})",
                self.resolver, self.path
            );
        }
        if self.labelled {
            format!(
                "{} ({} in the image, by its {RESOLVER_LABEL} label)",
                self.resolver, self.path
            )
        } else {
            format!(
                "{} ({} of the image, taken as glibc's: the image has no {RESOLVER_LABEL} label)",
                self.resolver, self.path
            )
        }
    }
}

/// What one run of the container produced.
struct GetentRun {
    /// musl's dynamic loader found in the container (an Alpine-based image, whose getent is
    /// musl's), when asked to look.
    musl_loader: Option<String>,
    stdout: String,
    stderr: String,
    exit_code: i64,
    resolv_conf: String,
    configured_servers: Vec<String>,
    network_mode: Option<String>,
}

/// Starts the created container, reads getent's output to the end, and collects resolv.conf
/// and the recorded HostConfig from the stopped container.
async fn run_getent(
    docker: &Docker,
    endpoint: &str,
    id: &str,
    limit: Duration,
    look_for_musl: bool,
) -> Result<GetentRun, DockerProbeError> {
    // Attached before the start so no output is missed; unlike the logs API this works
    // whatever log driver the daemon is configured with.
    let attach = AttachContainerOptionsBuilder::new()
        .stdout(true)
        .stderr(true)
        .stream(true)
        .logs(false)
        .build();
    let during = "attach to the probe container";
    let attached = bounded(
        limit,
        endpoint,
        during,
        docker.attach_container(id, Some(attach)),
    )
    .await?
    .map_err(|e| daemon_error(endpoint, during, &e))?;

    let during = "start the probe container";
    bounded(limit, endpoint, during, docker.start_container(id, None))
        .await?
        .map_err(|e| match &e {
            // runc's wording (`exec: "getent": executable file not found in $PATH`).
            BollardError::DockerResponseServerError { message, .. }
                if message.contains("executable file not found") =>
            {
                DockerProbeError::Getent {
                    endpoint: endpoint.to_owned(),
                    reason: "the image has no getent on its PATH; the probe needs a glibc \
                             image with getent (Debian, Ubuntu, RHEL bases have it)"
                        .into(),
                }
            }
            _ => daemon_error(endpoint, during, &e),
        })?;

    let (stdout, stderr) = bounded(
        limit,
        endpoint,
        "waiting for getent in the probe container to finish",
        collect_output(attached.output),
    )
    .await?
    .map_err(|e| DockerProbeError::Getent {
        endpoint: endpoint.to_owned(),
        reason: format!("reading its output: {}", bollard_reason(&e)),
    })?;

    let during = "wait for the probe container to exit";
    let waited = bounded(
        limit,
        endpoint,
        during,
        docker.wait_container(id, None).next(),
    )
    .await?;
    let exit_code = match waited {
        Some(Ok(response)) => response.status_code,
        // bollard reports a non-zero exit status as an error.
        Some(Err(BollardError::DockerContainerWaitError { code, .. })) => code,
        Some(Err(e)) => return Err(daemon_error(endpoint, during, &e)),
        None => {
            return Err(DockerProbeError::Daemon {
                endpoint: endpoint.to_owned(),
                during: during.to_owned(),
                reason: "the daemon closed the wait without a status".into(),
            });
        }
    };
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr).trim().to_owned();
    // getent exits 0 (all found) or 2 (one not found); anything else means it did not run
    // as getent (missing from the image, crashed, unknown database).
    if exit_code != 0 && exit_code != 2 {
        let mut reason = format!("exited with status {exit_code}");
        if !stderr.is_empty() {
            reason.push_str(&format!(": {stderr}"));
        }
        return Err(DockerProbeError::Getent {
            endpoint: endpoint.to_owned(),
            reason,
        });
    }

    let archive = DownloadFromContainerOptionsBuilder::new()
        .path(RESOLV_CONF)
        .build();
    let tar = bounded(
        limit,
        endpoint,
        "downloading /etc/resolv.conf from the probe container",
        collect_bytes(docker.download_from_container(id, Some(archive))),
    )
    .await?
    .map_err(|e| DockerProbeError::ResolvConf {
        endpoint: endpoint.to_owned(),
        reason: bollard_reason(&e),
    })?;
    let resolv_conf =
        single_file_from_tar(&tar).map_err(|reason| DockerProbeError::ResolvConf {
            endpoint: endpoint.to_owned(),
            reason,
        })?;
    let resolv_conf = String::from_utf8_lossy(&resolv_conf).into_owned();

    let mut musl_loader = None;
    if look_for_musl {
        for path in MUSL_LOADERS {
            let archive = DownloadFromContainerOptionsBuilder::new()
                .path(path)
                .build();
            let found = bounded(
                limit,
                endpoint,
                "looking for musl's loader in the probe container",
                collect_bytes(docker.download_from_container(id, Some(archive))),
            )
            .await?;
            if found.is_ok_and(|tar| single_file_from_tar(&tar).is_ok()) {
                musl_loader = Some((*path).to_owned());
                break;
            }
        }
    }

    let during = "inspect the probe container";
    let inspected = bounded(limit, endpoint, during, docker.inspect_container(id, None))
        .await?
        .map_err(|e| daemon_error(endpoint, during, &e))?;
    let recorded = inspected.host_config.unwrap_or_default();
    Ok(GetentRun {
        musl_loader,
        stdout,
        stderr,
        exit_code,
        resolv_conf,
        configured_servers: recorded.dns.unwrap_or_default(),
        network_mode: recorded.network_mode.filter(|m| !m.is_empty()),
    })
}

/// Connects and checks that a Docker daemon answers, settling on an API version both sides
/// speak (older daemons reject requests that name a newer version than theirs).
async fn connect(
    endpoint: &str,
    target: &DockerEndpoint,
    limit: Duration,
) -> Result<Docker, DockerProbeError> {
    let unreachable = |e: &BollardError| DockerProbeError::Connect {
        endpoint: endpoint.to_owned(),
        reason: bollard_reason(e),
    };
    // bollard's own per-request limit is in whole seconds; it is set past ours so that ours,
    // the precise one, is what fires and says which step ran out of time.
    let secs = limit.as_secs().saturating_add(2);
    let docker = match target {
        DockerEndpoint::Unix { path } => {
            Docker::connect_with_unix(path, secs, bollard::API_DEFAULT_VERSION)
        }
        DockerEndpoint::Tcp { host, port } => {
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            Docker::connect_with_http(
                &format!("tcp://{host}:{port}"),
                secs,
                bollard::API_DEFAULT_VERSION,
            )
        }
    }
    .map_err(|e| unreachable(&e))?;
    bounded(limit, endpoint, "pinging the daemon", docker.ping())
        .await?
        .map_err(|e| unreachable(&e))?;
    bounded(
        limit,
        endpoint,
        "negotiating the API version",
        docker.negotiate_version(),
    )
    .await?
    .map_err(|e| unreachable(&e))
}

/// Removes the container, forcibly (it may still run after a timeout).
async fn remove(
    docker: &Docker,
    endpoint: &str,
    id: &str,
    limit: Duration,
) -> Result<(), DockerProbeError> {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    let during = "remove the probe container";
    match bounded(
        limit,
        endpoint,
        during,
        docker.remove_container(id, Some(options)),
    )
    .await?
    {
        Ok(()) => Ok(()),
        // Already gone is what was wanted.
        Err(e) if status(&e) == Some(404) => Ok(()),
        Err(e) => Err(daemon_error(endpoint, during, &e)),
    }
}

/// Removes the container when the probe's future is dropped before it could (the caller's
/// deadline). The removal runs on the caller's runtime if it still runs; otherwise the stopped
/// container stays, labelled [`PROBE_LABEL`].
struct RemoveOnDrop {
    docker: Option<Docker>,
    id: String,
    limit: Duration,
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let Some(docker) = self.docker.take() else {
            return;
        };
        let (id, limit) = (std::mem::take(&mut self.id), self.limit);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let options = RemoveContainerOptionsBuilder::new()
                    .force(true)
                    .v(true)
                    .build();
                let _ =
                    tokio::time::timeout(limit, docker.remove_container(&id, Some(options))).await;
            });
        }
    }
}

/// Runs one daemon call within `limit`. The outer error is the timeout; the inner one is the
/// daemon's answer, left to the caller because a 404 often means something specific.
async fn bounded<F: Future>(
    limit: Duration,
    endpoint: &str,
    during: &str,
    call: F,
) -> Result<F::Output, DockerProbeError> {
    tokio::time::timeout(limit, call)
        .await
        .map_err(|_| DockerProbeError::Timeout {
            endpoint: endpoint.to_owned(),
            during: during.to_owned(),
            after_ms: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
        })
}

/// stdout and stderr of an attached container, to the end, each capped.
async fn collect_output(
    mut output: impl Stream<Item = Result<LogOutput, BollardError>> + Unpin,
) -> Result<(Vec<u8>, Vec<u8>), BollardError> {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    while let Some(chunk) = output.next().await {
        let (sink, bytes) = match chunk? {
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                (&mut stdout, message)
            }
            LogOutput::StdErr { message } => (&mut stderr, message),
            LogOutput::StdIn { .. } => continue,
        };
        let room = MAX_READ_BYTES.saturating_sub(sink.len());
        sink.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
    Ok((stdout, stderr))
}

/// A byte stream to the end, capped.
async fn collect_bytes(
    stream: impl Stream<Item = Result<bytes::Bytes, BollardError>>,
) -> Result<Vec<u8>, BollardError> {
    let mut stream = std::pin::pin!(stream);
    let mut all = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let room = MAX_READ_BYTES.saturating_sub(all.len());
        all.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok(all)
}

fn status(e: &BollardError) -> Option<u16> {
    match e {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

fn daemon_error(endpoint: &str, during: &str, e: &BollardError) -> DockerProbeError {
    DockerProbeError::Daemon {
        endpoint: endpoint.to_owned(),
        during: during.to_owned(),
        reason: bollard_reason(e),
    }
}

/// A bollard error as a short lowercase fragment: the daemon's own message, or the I/O error
/// at the bottom of the chain ("connection refused") rather than hyper's wrappers around it.
fn bollard_reason(e: &BollardError) -> String {
    match e {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => format!("{} (HTTP {status_code})", message.trim()),
        BollardError::SocketNotFoundError(path) => format!("no socket at {path}"),
        _ => {
            let mut source: &dyn std::error::Error = e;
            let mut deepest_io = None;
            while let Some(next) = source.source() {
                if let Some(io) = next.downcast_ref::<std::io::Error>() {
                    deepest_io = Some(io);
                }
                source = next;
            }
            match deepest_io {
                Some(io) => super::io_reason(io),
                None => lowercase_first(&source.to_string()),
            }
        }
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A container name unique on the daemon: several fabcheck runs may share one.
fn container_name() -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "fabcheck-dns-{}-{}-{nanos:08x}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// The names to hand getent: trimmed, each once, in the order first asked, and each one
/// a host name — getent would take a name starting with '-' for an option and an address for
/// a reverse lookup.
fn unique_names(names: &[String]) -> Result<Vec<String>, DockerProbeError> {
    if names.is_empty() {
        return Err(DockerProbeError::NoNames);
    }
    let mut keys: Vec<String> = Vec::new();
    for raw in names {
        let name = raw.trim();
        let invalid = |reason: &str| DockerProbeError::InvalidName {
            name: raw.clone(),
            reason: reason.to_owned(),
        };
        if name.is_empty() {
            return Err(invalid("the name is empty"));
        }
        if name.len() > MAX_NAME_LEN {
            return Err(invalid("longer than a DNS name can be (253)"));
        }
        if name.starts_with('-') {
            return Err(invalid("a name cannot start with '-'"));
        }
        if name.parse::<IpAddr>().is_ok() {
            return Err(invalid("an address, not a name"));
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        {
            return Err(invalid(&format!("'{c}' cannot appear in a host name")));
        }
        if !keys.iter().any(|k| k == name) {
            keys.push(name.to_owned());
        }
    }
    Ok(keys)
}

/// One line of `getent hosts`: an address, the canonical name, then the aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostsLine {
    pub address: IpAddr,
    /// The canonical name first, then the aliases.
    pub names: Vec<String>,
}

/// Parses `getent hosts` output; lines that are not `ADDRESS NAME…` come back as notes.
pub fn parse_getent_hosts(stdout: &str) -> (Vec<HostsLine>, Vec<String>) {
    let mut lines = Vec::new();
    let mut notes = Vec::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = line.split_whitespace();
        let address = words.next().and_then(|a| a.parse::<IpAddr>().ok());
        let names: Vec<String> = words.map(str::to_owned).collect();
        match address {
            Some(address) if !names.is_empty() => lines.push(HostsLine { address, names }),
            _ => notes.push(format!(
                "getent printed a line that is not ADDRESS NAME: '{line}'"
            )),
        }
    }
    (lines, notes)
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// Turns `getent hosts KEY…` output into one [`NameResolution`] per key (see the module docs
/// for what is observed and what is inferred). `keys` must be unique.
///
/// getent prints nothing between keys, so each line is tied to a key by name: the first key
/// (not before the previous line's key, since getent goes through the keys in order) that has
/// a candidate equal to the line's canonical name or an alias. When two keys share that
/// candidate, a line repeating an address already tied to the earlier key starts the later
/// key's block.
pub fn map_lookups(
    keys: &[String],
    config: &ResolverConfig,
    stdout: &str,
) -> (Vec<NameResolution>, Vec<String>) {
    map_lookups_as(StubResolver::Glibc, keys, config, stdout)
}

/// [`map_lookups`] for output of a program resolving with `resolver`: its candidates, in its
/// order (musl asks a name with ndots dots only as written).
pub fn map_lookups_as(
    resolver: StubResolver,
    keys: &[String],
    config: &ResolverConfig,
    stdout: &str,
) -> (Vec<NameResolution>, Vec<String>) {
    let (lines, mut notes) = parse_getent_hosts(stdout);
    let lists: Vec<Vec<String>> = keys
        .iter()
        .map(|k| resolver.candidates(k, config))
        .collect();
    // Per key: the index of the matched candidate and its addresses.
    let mut found: Vec<Option<(usize, Vec<IpAddr>)>> = vec![None; keys.len()];
    let mut cursor = 0;
    for line in &lines {
        let matched_candidate = |key: usize| {
            lists[key]
                .iter()
                .position(|c| line.names.iter().any(|n| same_name(c, n)))
        };
        let mut from = cursor;
        let target = loop {
            let Some((key, candidate)) =
                (from..keys.len()).find_map(|k| matched_candidate(k).map(|c| (k, c)))
            else {
                break None;
            };
            let repeated = found[key]
                .as_ref()
                .is_some_and(|(_, addrs)| addrs.contains(&line.address));
            if !repeated {
                break Some((key, candidate));
            }
            from = key + 1;
        };
        match target {
            Some((key, candidate)) => {
                cursor = key;
                let entry = found[key].get_or_insert_with(|| (candidate, Vec::new()));
                entry.1.push(line.address);
            }
            None => notes.push(format!(
                "getent printed {} {} for none of the names asked",
                line.address,
                line.names.join(" ")
            )),
        }
    }
    let results = keys
        .iter()
        .zip(&lists)
        .zip(found)
        .map(|((key, list), found)| NameResolution {
            name: key.clone(),
            candidates: list
                .iter()
                .enumerate()
                .map(|(i, query)| CandidateOutcome {
                    query: query.clone(),
                    answer: match &found {
                        Some((k, addrs)) if i == *k => CandidateAnswer::Addresses(addrs.clone()),
                        Some((k, _)) if i > *k => CandidateAnswer::NotAsked,
                        _ => CandidateAnswer::NoSuchName,
                    },
                })
                .collect(),
        })
        .collect();
    (results, notes)
}

/// Notes where getent's exit status disagrees with what it printed.
fn check_exit_code(exit_code: i64, results: &[NameResolution], notes: &mut Vec<String>) {
    let missing = results.iter().filter(|r| r.matched().is_none()).count();
    if exit_code == 0 && missing > 0 {
        notes.push(format!(
            "getent reported every name found but printed nothing for {missing}"
        ));
    }
    if exit_code == 2 && missing == 0 {
        notes.push("getent reported a name not found but printed every one".into());
    }
}

/// The contents of the first regular file in a tar archive (what the archive API returns for a
/// single file). Reads ustar headers and skips the extension records (pax, GNU long names)
/// that may precede the file.
pub fn single_file_from_tar(archive: &[u8]) -> Result<Vec<u8>, String> {
    const BLOCK: usize = 512;
    let mut offset = 0;
    loop {
        let header = archive
            .get(offset..offset + BLOCK)
            .ok_or("the archive ends before any file")?;
        if header.iter().all(|&b| b == 0) {
            return Err("the archive holds no regular file".into());
        }
        let stored = tar_number(&header[148..156]).ok_or("a tar header has no valid checksum")?;
        let computed: u64 = header
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(b)
                }
            })
            .sum();
        if stored != computed {
            return Err("a tar header's checksum does not match".into());
        }
        let size = tar_number(&header[124..136]).ok_or("a tar header has no valid size")?;
        let size = usize::try_from(size).map_err(|_| "a tar entry is too large")?;
        let start = offset + BLOCK;
        let end = start
            .checked_add(size)
            .filter(|&e| e <= archive.len())
            .ok_or("the archive is cut short")?;
        match header[156] {
            b'0' | 0 | b'7' => return Ok(archive[start..end].to_vec()),
            b'1' | b'2' => {
                let target = String::from_utf8_lossy(&header[157..257]);
                return Err(format!(
                    "the file is a link to {}",
                    target.trim_end_matches('\0')
                ));
            }
            // Directories, pax and GNU extension records: skip to the next header.
            _ => offset = start + size.div_ceil(BLOCK) * BLOCK,
        }
    }
}

/// A tar numeric field: octal digits padded with NUL or space, or base-256 when the top bit of
/// the first byte is set (GNU, for values octal cannot hold).
fn tar_number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut value: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(value);
    }
    let text = std::str::from_utf8(field).ok()?;
    let digits = text.trim_matches(|c| c == '\0' || c == ' ');
    if digits.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(digits, 8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_config() -> ResolverConfig {
        ResolverConfig::from_resolv_conf(
            "nameserver 127.0.0.11\nsearch default.svc.cluster.local svc.cluster.local\noptions ndots:2 timeout:2 attempts:2\n",
        )
    }

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn answers(r: &NameResolution) -> Vec<String> {
        r.candidates.iter().map(|c| c.answer.describe()).collect()
    }

    #[test]
    fn endpoints_as_the_peer_names_them() {
        assert_eq!(
            DockerEndpoint::parse("unix:///host/var/run/docker.sock").unwrap(),
            DockerEndpoint::Unix {
                path: "/host/var/run/docker.sock".into()
            }
        );
        assert_eq!(
            DockerEndpoint::parse("tcp://docker:2375").unwrap(),
            DockerEndpoint::Tcp {
                host: "docker".into(),
                port: 2375
            }
        );
        assert_eq!(
            DockerEndpoint::parse("tcp://10.0.0.5").unwrap(),
            DockerEndpoint::Tcp {
                host: "10.0.0.5".into(),
                port: 2375
            }
        );
        assert_eq!(
            DockerEndpoint::parse("tcp://[::1]:2376/").unwrap(),
            DockerEndpoint::Tcp {
                host: "::1".into(),
                port: 2376
            }
        );
    }

    #[test]
    fn endpoints_that_cannot_be_used_are_errors_naming_them() {
        for bad in [
            "https://docker:2376",
            "/var/run/docker.sock",
            "unix://relative.sock",
            "tcp://:2375",
            "tcp://docker:port",
            "tcp://docker:0",
            "tcp://docker:2375/v1.41",
            "tcp://[::1",
            "npipe:////./pipe/docker_engine",
        ] {
            let e = DockerEndpoint::parse(bad).unwrap_err();
            assert_eq!(e.endpoint(), Some(bad), "{e}");
            assert!(
                e.to_string().starts_with("failed to use Docker endpoint"),
                "{e}"
            );
        }
        let long = format!("unix:///{}", "d".repeat(120));
        assert!(
            DockerEndpoint::parse(&long)
                .unwrap_err()
                .to_string()
                .contains("at most 107")
        );
    }

    #[test]
    fn built_in_network_modes_are_not_checked() {
        let mode = |m: &str| ChaincodeHostConfig {
            network_mode: Some(m.into()),
            ..Default::default()
        };
        for builtin in ["host", "bridge", "none", "default", "container:abc", ""] {
            assert_eq!(mode(builtin).user_defined_network(), None, "{builtin}");
        }
        assert_eq!(
            mode("fabric_test").user_defined_network(),
            Some("fabric_test")
        );
        assert_eq!(ChaincodeHostConfig::default().user_defined_network(), None);
    }

    #[test]
    fn the_host_config_is_sent_as_the_peer_sends_it() {
        let empty = ChaincodeHostConfig::default().to_docker();
        assert_eq!(
            (
                empty.dns,
                empty.dns_search,
                empty.dns_options,
                empty.network_mode
            ),
            (None, None, None, None),
            "empty settings are left out, not sent as empty lists"
        );
        let seed = ChaincodeHostConfig {
            dns: vec!["10.68.0.2".into()],
            dns_search: vec!["svc.cluster.local".into()],
            dns_options: vec!["ndots:2".into()],
            network_mode: Some("fabnet".into()),
        };
        let hc = seed.to_docker();
        assert_eq!(hc.dns, Some(vec!["10.68.0.2".to_owned()]));
        assert_eq!(hc.network_mode.as_deref(), Some("fabnet"));
        let requested = seed.requested_resolver();
        assert_eq!((requested.nameservers.len(), requested.ndots), (1, 2));
        assert_eq!(requested.search, vec!["svc.cluster.local"]);
    }

    #[test]
    fn names_are_checked_and_asked_once() {
        assert_eq!(
            unique_names(&keys(&["peer0-org1", " peer0.org1 ", "peer0-org1"])).unwrap(),
            keys(&["peer0-org1", "peer0.org1"])
        );
        assert_eq!(unique_names(&[]), Err(DockerProbeError::NoNames));
        for bad in [
            "",
            "-s",
            "10.0.0.1",
            "::1",
            "peer0 org1",
            "peer0;rm",
            "peer0:7051",
        ] {
            let e = unique_names(&keys(&[bad])).unwrap_err();
            assert!(
                matches!(e, DockerProbeError::InvalidName { .. }),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn getent_lines_are_parsed_and_garbage_is_noted() {
        let (lines, notes) = parse_getent_hosts(
            "10.1.0.5        peer0-org1.default.svc.cluster.local\n\
             ::1             localhost ip6-localhost ip6-loopback\n\
             \n\
             getent: oops\n",
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[1].names,
            keys(&["localhost", "ip6-localhost", "ip6-loopback"])
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn the_seed_fix_matches_through_the_search_list() {
        let config = seed_config();
        let (results, notes) = map_lookups(
            &keys(&["peer0-org1", "peer0.org1", "orderer0"]),
            &config,
            "10.1.0.5        peer0-org1.default.svc.cluster.local\n\
             10.1.0.6        peer0.org1.svc.cluster.local\n\
             10.1.0.8        peer0.org1.svc.cluster.local\n\
             10.1.0.7        orderer0.default.svc.cluster.local\n",
        );
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(answers(&results[0]), ["10.1.0.5", "not asked", "not asked"]);
        assert_eq!(
            answers(&results[1]),
            ["NXDOMAIN", "10.1.0.6,10.1.0.8", "not asked"]
        );
        assert_eq!(
            results[1].matched().map(|m| m.0),
            Some("peer0.org1.svc.cluster.local")
        );
        assert_eq!(results[1].queries_sent(), 2);
        assert_eq!(
            results[2].matched().map(|m| m.0),
            Some("orderer0.default.svc.cluster.local")
        );
    }

    #[test]
    fn names_not_printed_failed_at_every_candidate() {
        let (results, notes) = map_lookups(
            &keys(&["peer0-org1", "orderer0"]),
            &seed_config(),
            "10.1.0.7        orderer0.default.svc.cluster.local\n",
        );
        assert!(notes.is_empty());
        assert_eq!(answers(&results[0]), ["NXDOMAIN", "NXDOMAIN", "NXDOMAIN"]);
        assert!(results[0].matched().is_none());
        assert!(results[1].matched().is_some());
    }

    #[test]
    fn a_cname_is_matched_through_its_alias() {
        // glibc puts the name it asked among the aliases and the CNAME target first.
        let (results, notes) = map_lookups(
            &keys(&["peer0.org1"]),
            &seed_config(),
            "10.1.0.9        peer0-org1.fabric.example peer0.org1.svc.cluster.local\n",
        );
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(
            results[0].matched().map(|m| m.0),
            Some("peer0.org1.svc.cluster.local")
        );
    }

    #[test]
    fn keys_sharing_a_candidate_are_told_apart_by_repeated_addresses() {
        // `peer0` searched through default.svc.cluster.local and the full name itself both
        // end at peer0.default.svc.cluster.local; getent prints the same block twice.
        let block = "10.1.0.1        peer0.default.svc.cluster.local\n\
                     10.1.0.2        peer0.default.svc.cluster.local\n";
        let (results, notes) = map_lookups(
            &keys(&["peer0", "peer0.default.svc.cluster.local"]),
            &seed_config(),
            &format!("{block}{block}"),
        );
        assert!(notes.is_empty(), "{notes:?}");
        for r in &results {
            let (_, addrs) = r.matched().expect("both found");
            assert_eq!(addrs.len(), 2, "{r:?}");
        }
    }

    #[test]
    fn lines_for_no_name_asked_are_noted() {
        let (results, notes) = map_lookups(
            &keys(&["peer0-org1"]),
            &seed_config(),
            "10.9.9.9        something.else\n",
        );
        assert!(results[0].matched().is_none());
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("something.else"), "{notes:?}");
    }

    #[test]
    fn exit_status_disagreeing_with_the_output_is_noted() {
        let (results, _) = map_lookups(&keys(&["a"]), &seed_config(), "");
        let mut notes = Vec::new();
        check_exit_code(0, &results, &mut notes);
        assert_eq!(notes.len(), 1);
        let mut notes = Vec::new();
        check_exit_code(2, &results, &mut notes);
        assert!(notes.is_empty());
    }

    /// A ustar header for `name` of `size` bytes and `kind`, checksum filled in.
    fn header(name: &str, size: usize, kind: u8) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        h[156] = kind;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    fn entry(name: &str, kind: u8, data: &[u8]) -> Vec<u8> {
        let mut e = header(name, data.len(), kind);
        e.extend_from_slice(data);
        e.resize(512 + data.len().div_ceil(512) * 512, 0);
        e
    }

    #[test]
    fn the_file_is_read_from_the_archive() {
        let text = b"nameserver 127.0.0.11\noptions ndots:0\n";
        let mut tar = entry("resolv.conf", b'0', text);
        tar.extend_from_slice(&[0u8; 1024]);
        assert_eq!(single_file_from_tar(&tar).unwrap(), text);
    }

    #[test]
    fn extension_records_before_the_file_are_skipped() {
        let mut tar = entry(
            "PaxHeaders/resolv.conf",
            b'x',
            b"30 mtime=1700000000.123456789\n",
        );
        tar.extend(entry("././@LongLink", b'L', b"resolv.conf\0"));
        tar.extend(entry("resolv.conf", 0, b"search a\n"));
        assert_eq!(single_file_from_tar(&tar).unwrap(), b"search a\n");
    }

    #[test]
    fn broken_archives_are_errors() {
        let good = entry("resolv.conf", b'0', b"nameserver 10.0.0.1\n");
        assert!(
            single_file_from_tar(&[])
                .unwrap_err()
                .contains("ends before")
        );
        assert!(
            single_file_from_tar(&[0u8; 1024])
                .unwrap_err()
                .contains("no regular file")
        );
        assert!(
            single_file_from_tar(&good[..520])
                .unwrap_err()
                .contains("cut short")
        );
        let mut corrupt = good.clone();
        corrupt[0] = b'X';
        assert!(
            single_file_from_tar(&corrupt)
                .unwrap_err()
                .contains("checksum")
        );
        let mut link = header("resolv.conf", 0, b'2');
        link[157..183].copy_from_slice(b"/run/systemd/resolve/x.cnf");
        let sum: u32 = link
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(b)
                }
            })
            .sum();
        link[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        assert!(
            single_file_from_tar(&link)
                .unwrap_err()
                .contains("link to /run/systemd/resolve/x.cnf")
        );
    }

    #[test]
    fn tar_numbers_octal_and_base_256() {
        assert_eq!(tar_number(b"00000000017\0"), Some(15));
        assert_eq!(tar_number(b"     17 "), Some(15));
        assert_eq!(tar_number(b"\0\0\0\0"), Some(0));
        assert_eq!(tar_number(&[0x80, 0, 0, 1, 0]), Some(256));
        assert_eq!(tar_number(b"0009"), None);
    }

    #[test]
    fn observations_for_every_outcome() {
        let hc = ChaincodeHostConfig {
            dns: vec!["10.68.0.2".into()],
            network_mode: Some("fabnet".into()),
            ..Default::default()
        };
        let missing = observation(
            "peer0",
            "unix:///run/docker.sock",
            &hc,
            &Ok(ChaincodeDnsOutcome::MissingNetwork {
                network: "fabnet".into(),
            }),
        );
        assert_eq!(missing.missing_network.as_deref(), Some("fabnet"));
        assert!(missing.failure.is_none() && missing.results.is_empty());
        assert_eq!(
            missing.vantage.describe(),
            "probe container on unix:///run/docker.sock, NetworkMode fabnet, Dns 10.68.0.2"
        );
        let failed = observation(
            "peer0",
            "tcp://127.0.0.1:1",
            &hc,
            &Err(DockerProbeError::Connect {
                endpoint: "tcp://127.0.0.1:1".into(),
                reason: "connection refused".into(),
            }),
        );
        assert_eq!(
            failed.failure.as_deref(),
            Some("failed to reach the Docker daemon at tcp://127.0.0.1:1: connection refused")
        );
    }
}
