//! The commands that build or touch a network: `render --out`, `deploy`, `teardown` and
//! `deploy-and-verify`. Each runs the async parts on one runtime and keeps the checks (which
//! start their own runtime for live probes) outside it.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::RunError;
use super::config::{
    CheckConfig, DeployAndVerifyConfig, DeployConfig, DnsOptions, FromDeploy, ProbeFrom,
    RenderNetworkConfig, TeardownConfig, TeardownPolicy,
};
use crate::deploy::readback::StoredService;
use crate::deploy::{self, DeployError, Deployed, PkiSource, Progress};
use crate::exit;
use crate::finding::Status;
use crate::inventory::DeployOutcome;
use crate::network::{Network, NetworkSpec, Role};

/// How long a live probe target gets to accept a TCP connection before the runner is judged
/// unable to reach the cluster's Services.
const REACH_TIMEOUT: Duration = Duration::from_secs(1);

/// The spec a command uses and how messages name it.
fn load_spec(path: Option<&Path>) -> Result<(NetworkSpec, String), DeployError> {
    match path {
        Some(p) => Ok((NetworkSpec::load(p)?, p.display().to_string())),
        None => Ok((
            NetworkSpec::default(),
            "the built-in reference network".into(),
        )),
    }
}

/// The certificate checks (X509-*) on a generated PKI, each failure as a line: what
/// `deploy` and `render` run before anything leaves the machine.
pub fn check_pki(dir: &Path, now: OffsetDateTime) -> Result<Vec<String>, String> {
    let inventory = crate::inventory::artifacts::gather(dir).map_err(|e| e.to_string())?;
    let ctx = crate::context::Context::new(now, crate::context::Policy::default());
    let selection = crate::checks::Selection {
        select: vec!["X509-".into()],
        ignore: Vec::new(),
    };
    let findings = crate::checks::run(
        &ctx,
        &inventory,
        crate::catalogue::Catalogue::embedded(),
        &selection,
    );
    Ok(findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Error))
        .map(|f| format!("{} {}: {}", f.check_id, f.target, f.message))
        .collect())
}

fn runtime() -> Result<tokio::runtime::Runtime, DeployError> {
    crate::probe::runtime().map_err(|e| DeployError::Api {
        action: "start an async runtime".into(),
        message: e.to_string(),
    })
}

fn stdout_error(source: std::io::Error) -> RunError {
    RunError::Output {
        path: "stdout".into(),
        source,
    }
}

/// `render --out DIR`: manifests per phase, the PKI, configtx.yaml, and the cluster settings
/// the manifests assume (a KubeletConfiguration naming the cluster DNS IP and domain).
pub fn render_network(cfg: &RenderNetworkConfig, stdout: &mut dyn Write) -> Result<i32, RunError> {
    let (spec, shown) = load_spec(cfg.spec.as_deref())?;
    let mut network = spec.resolve().map_err(|reason| DeployError::InvalidSpec {
        path: shown.clone(),
        reason,
    })?;
    network.cluster_dns = Some(
        cfg.cluster_dns
            .unwrap_or_else(|| deploy::offline_cluster_dns(&network)),
    );
    let out = &cfg.out;
    // A render into a used folder would leave the last network's files beside the new ones
    // (phases and orgs it no longer has), and `kubectl apply -f` would deploy both.
    if std::fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(RunError::Output {
            path: out.display().to_string(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the folder is not empty; render into a new or empty folder",
            ),
        });
    }
    let (crypto, manifests) = deploy::render(&network, OffsetDateTime::now_utc(), &check_pki)?;
    // Manifests hold the Secrets, so the private keys: owner-only, like crypto-config's keys.
    let write = |path: PathBuf, text: &str| -> Result<(), RunError> {
        crate::inventory::cluster::write_file(&path, text.as_bytes(), 0o600).map_err(|source| {
            RunError::Output {
                path: path.display().to_string(),
                source,
            }
        })
    };
    let mut objects = 0;
    for (i, phase) in manifests.phases.iter().enumerate() {
        objects += phase.objects.len();
        write(
            out.join("manifests")
                .join(format!("{:02}-{}.yaml", i + 1, phase.name)),
            &deploy::manifests::render_yaml(&phase.objects),
        )?;
    }
    deploy::write_crypto(out, &crypto).map_err(|e| match e {
        DeployError::Io { path, source } => RunError::Output { path, source },
        other => RunError::Deploy(other),
    })?;
    write(
        out.join("configtx.yaml"),
        &deploy::configtx::render(&network),
    )?;
    write(
        out.join("cluster").join("kubelet-config.yaml"),
        &kubelet_config(&network),
    )?;
    writeln!(
        stdout,
        "rendered network {}: {objects} objects in {} phases, {} PKI files, configtx.yaml -> {}",
        network.name,
        manifests.phases.len(),
        crypto.files.len(),
        out.display()
    )
    .map_err(stdout_error)?;
    Ok(exit::SUCCESS)
}

/// What the rendered manifests assume of the cluster, in the form kubelet reads it (and
/// fabcheck's DNS checks read it back): its DNS Service IP and domain.
fn kubelet_config(network: &Network) -> String {
    format!(
        "# The cluster these manifests were rendered for: chaincode resolvers point at its DNS\n\
         # Service. Not applied; kubelet's own configuration on the nodes must agree.\n\
         apiVersion: kubelet.config.k8s.io/v1beta1\n\
         kind: KubeletConfiguration\n\
         clusterDNS:\n- {}\n\
         clusterDomain: {}\n",
        deploy::offline_cluster_dns(network),
        network.cluster_domain
    )
}

/// Connects and resolves the network (cluster DNS from kube-system when the spec has none).
async fn connect(
    cfg: &DeployConfig,
    spec: &NetworkSpec,
    shown: &str,
) -> Result<(kube::Client, Network), DeployError> {
    let client = crate::kube::connect(&cfg.cluster).await?;
    let network = deploy::resolve(&client, spec, shown).await?;
    Ok((client, network))
}

/// `deploy`.
pub fn deploy(cfg: &DeployConfig, stdout: &mut dyn Write) -> Result<i32, RunError> {
    let (spec, shown) = load_spec(cfg.spec.as_deref())?;
    let rt = runtime()?;
    let started = Instant::now();
    let progress = Progress::new(cfg.progress);
    let deployed = rt.block_on(async {
        let (client, network) = connect(cfg, &spec, &shown).await?;
        deploy::deploy(&client, network, &cfg.options, &progress, &check_pki).await
    })?;
    summary(&deployed, started, cfg.options.wait, stdout)?;
    Ok(exit::SUCCESS)
}

fn summary(
    deployed: &Deployed,
    started: Instant,
    waited: bool,
    stdout: &mut dyn Write,
) -> Result<(), RunError> {
    let objects: usize = deployed
        .manifests
        .phases
        .iter()
        .map(|p| p.objects.len())
        .sum();
    writeln!(
        stdout,
        "deployed network {}: {} namespaces, {objects} objects applied{}, PKI {} ({:.1} s)",
        deployed.network.name,
        deployed.network.namespaces().len(),
        if waited { " and ready" } else { "" },
        match deployed.pki {
            PkiSource::Generated => "generated",
            PkiSource::Reused => "reused from the cluster",
        },
        started.elapsed().as_secs_f64()
    )
    .map_err(stdout_error)
}

/// `teardown`.
pub fn teardown(cfg: &TeardownConfig, stdout: &mut dyn Write) -> Result<i32, RunError> {
    let (spec, _) = load_spec(cfg.spec.as_deref())?;
    let rt = runtime()?;
    let removed = rt.block_on(async {
        let client = crate::kube::connect(&cfg.cluster).await?;
        deploy::teardown::teardown(&client, &spec.name, Instant::now() + cfg.timeout).await
    })?;
    writeln!(
        stdout,
        "tore down network {}: {} namespace(s) deleted{}",
        spec.name,
        removed.len(),
        if removed.is_empty() {
            String::new()
        } else {
            format!(" ({})", removed.join(", "))
        }
    )
    .map_err(stdout_error)?;
    Ok(exit::SUCCESS)
}

/// `deploy-and-verify`: deploy → wait → read back → check (probing from outside or inside)
/// → report → tear down. Every path past the spec writes the report: a deploy that failed is
/// DEPLOY-001's failure, beside the static checks of whatever was applied.
pub fn deploy_and_verify(
    cfg: &DeployAndVerifyConfig,
    stdout: &mut dyn Write,
) -> Result<i32, RunError> {
    let (spec, shown) = load_spec(cfg.deploy.spec.as_deref())?;
    let rt = runtime()?;
    let started = Instant::now();
    let progress = Progress::new(cfg.deploy.progress);
    let (client, network) = match rt.block_on(connect(&cfg.deploy, &spec, &shown)) {
        Ok(connected) => connected,
        Err(e) if e.is_usage() => return Err(e.into()),
        Err(e) => {
            eprintln!("fabcheck: {e}");
            failed_run_report(cfg, &spec.name, "connect", &e.to_string(), None, stdout);
            return Ok(exit::DEPLOY_FAILED);
        }
    };
    let scratch = tempfile::Builder::new()
        .prefix("fabcheck-readback-")
        .tempdir()
        .map_err(|source| DeployError::Io {
            path: std::env::temp_dir().display().to_string(),
            source,
        })?;
    let artifacts = scratch.path().join("cluster");
    let deployed = rt.block_on(deploy::deploy(
        &client,
        network.clone(),
        &cfg.deploy.options,
        &progress,
        &check_pki,
    ));
    let deployed = match deployed {
        Ok(d) => d,
        Err(e) => {
            eprintln!("fabcheck: {e}");
            // What was applied, read back for the static checks; nothing when the API server
            // cannot say.
            let applied = rt
                .block_on(deploy::readback::read_back(&client, &network, &artifacts))
                .ok()
                .filter(|read| read.objects > 0)
                .map(|_| artifacts.clone());
            failed_run_report(
                cfg,
                &network.name,
                "deploy",
                &e.to_string(),
                applied,
                stdout,
            );
            if cfg.teardown == TeardownPolicy::Always {
                tear_down(&rt, &client, &network.name, teardown_deadline(cfg));
            }
            return Ok(exit::DEPLOY_FAILED);
        }
    };
    let mut terminal = Vec::new();
    summary(&deployed, started, cfg.deploy.options.wait, &mut terminal)?;
    let summary_line = String::from_utf8_lossy(&terminal).trim_end().to_owned();
    eprintln!("fabcheck: {summary_line}");

    let verified = (|| -> Result<crate::finding::Report, RunError> {
        let read = rt.block_on(deploy::readback::read_back(
            &client,
            &deployed.network,
            &artifacts,
        ))?;
        progress.note(&format!(
            "read back {} objects of network {}",
            read.objects, deployed.network.name
        ));
        let (live, inside) = match cfg.probe {
            ProbeFrom::InCluster => (from_inside("--probe in-cluster"), true),
            ProbeFrom::Outside => {
                let mut live =
                    rt.block_on(live_targets(&deployed, &read.services, scratch.path()))?;
                if let Some(why) = &mut live.skip_reason {
                    why.push_str("; probe from inside with --probe in-cluster (or auto)");
                }
                (live, false)
            }
            ProbeFrom::Auto => {
                let live = rt.block_on(live_targets(&deployed, &read.services, scratch.path()))?;
                match &live.skip_reason {
                    Some(why) => {
                        progress.note(&format!(
                            "{why}; probing from inside the cluster (image {}, namespace {})",
                            cfg.probe_in_cluster.image, cfg.probe_in_cluster.namespace
                        ));
                        (from_inside("--probe auto"), true)
                    }
                    None => (live, false),
                }
            }
        };
        let mut check = check_config(cfg, Some(artifacts.clone()), live);
        if deployed.network.kafka.is_some() && cfg.report.required_by_default {
            // A Kafka-ordered network has no consenter set: the RAFT family has nothing to
            // judge there, as KAFKA and ZK have nothing on an etcdraft network's brokers. An
            // explicit `--require RAFT` still stands and fails.
            check
                .required
                .retain(|s| !matches!(s, crate::finding::gate::Selector::Family(f) if f == "RAFT"));
        }
        check.expected_heights = deploy::manifests::expected_heights(&deployed.network);
        check.from_deploy = Some(FromDeploy {
            outcome: DeployOutcome {
                network: deployed.network.name.clone(),
                stage: "verify".into(),
                summary: summary_line.clone(),
                failure: None,
            },
            in_cluster: inside.then(|| (cfg.deploy.cluster.clone(), cfg.probe_in_cluster.clone())),
        });
        let mut report = super::check::report(&check)?;
        report.source = format!(
            "network {} as deployed (read back from the cluster){}{}",
            deployed.network.name,
            if inside {
                format!(
                    " probed from inside the cluster (namespace {})",
                    cfg.probe_in_cluster.namespace
                )
            } else {
                String::new()
            },
            report
                .source
                .split_once(' ')
                .map(|(_, live)| format!(" {live}"))
                .unwrap_or_default()
        );
        Ok(report)
    })();
    let report = match verified {
        Ok(report) => report,
        Err(e) => {
            eprintln!("fabcheck: {e}");
            failed_run_report(
                cfg,
                &network.name,
                "read back",
                &format!("deployed, but failed to verify it: {e}"),
                None,
                stdout,
            );
            if cfg.teardown == TeardownPolicy::Always {
                tear_down(&rt, &client, &network.name, teardown_deadline(cfg));
            }
            return Ok(exit::DEPLOY_FAILED);
        }
    };
    let check = check_config(cfg, Some(artifacts), LiveTargets::default());
    super::check::write_outputs(&report, &check, stdout)?;
    let gates = report.gates(cfg.report.threshold);
    let tear = match cfg.teardown {
        TeardownPolicy::Always => true,
        TeardownPolicy::OnSuccess => !gates,
        TeardownPolicy::Never => false,
    };
    if tear && !tear_down(&rt, &client, &network.name, teardown_deadline(cfg)) {
        return Ok(exit::DEPLOY_FAILED);
    }
    Ok(if gates {
        exit::CHECK_FAILED
    } else {
        exit::SUCCESS
    })
}

/// No live targets for the runner: the in-cluster probe answers the live checks.
fn from_inside(how: &str) -> LiveTargets {
    LiveTargets {
        skip_reason: Some(format!(
            "probed from inside the cluster ({how}), which offered nothing of this kind"
        )),
        ..LiveTargets::default()
    }
}

/// Writes every `-o` output for a run that stopped at `stage`: DEPLOY-001 failing with `why`,
/// and the static checks of `applied` (the read-back objects) when there are any. A report
/// that cannot be made or written is said on stderr; the exit code is the deploy's anyway.
fn failed_run_report(
    cfg: &DeployAndVerifyConfig,
    network: &str,
    stage: &str,
    why: &str,
    applied: Option<PathBuf>,
    stdout: &mut dyn Write,
) {
    let had_objects = applied.is_some();
    let mut check = check_config(
        cfg,
        applied,
        LiveTargets {
            skip_reason: Some(format!("the network did not deploy ({stage} failed)")),
            ..LiveTargets::default()
        },
    );
    check.from_deploy = Some(FromDeploy {
        outcome: DeployOutcome {
            network: network.to_owned(),
            stage: stage.to_owned(),
            summary: String::new(),
            failure: Some(why.to_owned()),
        },
        in_cluster: None,
    });
    let written = super::check::report(&check).and_then(|mut report| {
        report.source = format!(
            "network {network}: {stage} failed{}",
            if had_objects {
                "; what was applied, read back from the cluster"
            } else {
                ""
            }
        );
        super::check::write_outputs(&report, &check, stdout)
    });
    if let Err(e) = written {
        eprintln!("fabcheck: {e}");
    }
}

/// The teardown deadline: the deploy's own timeout, at least a minute.
fn teardown_deadline(cfg: &DeployAndVerifyConfig) -> Instant {
    Instant::now() + cfg.deploy.options.timeout.max(Duration::from_secs(60))
}

/// Tears the network down, saying on stderr how it went; `false` when it failed.
fn tear_down(
    rt: &tokio::runtime::Runtime,
    client: &kube::Client,
    network: &str,
    deadline: Instant,
) -> bool {
    match rt.block_on(deploy::teardown::teardown(client, network, deadline)) {
        Ok(removed) => {
            eprintln!(
                "fabcheck: tore down network {network}: {} namespace(s) deleted",
                removed.len()
            );
            true
        }
        Err(e) => {
            eprintln!("fabcheck: {e}");
            false
        }
    }
}

/// Live probe targets the runner can reach, or why there are none.
#[derive(Debug, Default)]
struct LiveTargets {
    zookeeper: Vec<String>,
    kafka: Vec<String>,
    endpoints: Vec<String>,
    skip_reason: Option<String>,
}

/// Decides whether the runner reaches the network's Services, and if so makes every node a
/// probe target (one it then cannot reach is a finding, not a skip).
///
/// A TCP connect proves nothing: outside a cluster, a transparent proxy or a catch-all route
/// may accept connections to any address. The witness is a TLS handshake with a peer or
/// orderer that verifies against the network's own TLS CA for the node's name: only the
/// network's node can complete it.
async fn live_targets(
    deployed: &Deployed,
    services: &[StoredService],
    scratch: &Path,
) -> Result<LiveTargets, DeployError> {
    let network = &deployed.network;
    let mut targets: Vec<(&crate::network::Node, SocketAddr)> = Vec::new();
    for node in network.nodes() {
        let ip = services
            .iter()
            .find(|s| s.namespace == node.namespace && s.name == node.name)
            .and_then(|s| s.cluster_ip.as_deref())
            .and_then(|ip| ip.parse().ok());
        if let Some(ip) = ip {
            targets.push((node, SocketAddr::new(ip, node.port)));
        }
    }
    let mut live = LiveTargets::default();
    let ca_dir = scratch.join("tls-ca");
    for (node, addr) in &targets {
        match node.role {
            Role::ZooKeeper => live.zookeeper.push(addr.to_string()),
            Role::Kafka => live.kafka.push(addr.to_string()),
            Role::Peer | Role::Orderer => {
                let ca_file = ca_dir.join(format!("{}.crt", node.host()));
                write_tls_ca(deployed, node, &ca_file)?;
                // The deployed nodes' operations endpoints are plain HTTP (no
                // *_OPERATIONS_TLS_ENABLED), on their Services beside the gRPC port.
                let (role, ops) = if node.role == Role::Peer {
                    ("peer", crate::network::ports::PEER_OPERATIONS)
                } else {
                    ("orderer", crate::network::ports::ORDERER_OPERATIONS)
                };
                live.endpoints.push(format!(
                    "{}={addr},ca={},sni={},role={role},ops=http://{}:{ops}",
                    node.host(),
                    ca_file.display(),
                    node.host(),
                    addr.ip(),
                ));
            }
            Role::Ca => {}
        }
    }
    let witnesses =
        crate::inventory::endpoints::load(None, &live.endpoints).map_err(|e| DeployError::Api {
            action: "prepare the live probes".into(),
            message: e.to_string(),
        })?;
    if witnesses.is_empty() {
        return Ok(LiveTargets {
            skip_reason: Some("the network's peer and orderer Services have no cluster IPs".into()),
            ..LiveTargets::default()
        });
    }
    let timeouts = crate::probe::Timeouts {
        connect: REACH_TIMEOUT,
        read: REACH_TIMEOUT * 2,
    };
    let observations = futures_util::future::join_all(
        witnesses
            .into_iter()
            .map(|ep| crate::probe::tls::observe(ep, timeouts, false)),
    )
    .await;
    if observations
        .iter()
        .any(|o| matches!(o.primary.handshake, Some(Ok(()))))
    {
        // Reaching the Service IPs is not enough: Kafka clients follow the brokers' advertised
        // names and the nodes reach one another by name. A runner that cannot resolve them
        // (a CI host with kube-proxy's routes but not the cluster's DNS) would turn every
        // by-name probe into an error.
        if let Some(why) = unresolved_name(network).await {
            return Ok(LiveTargets {
                skip_reason: Some(format!(
                    "the runner reaches the cluster's Service IPs but does not resolve the network's names, which its Kafka clients and nodes use: {why}"
                )),
                ..LiveTargets::default()
            });
        }
        return Ok(live);
    }
    let first = &observations[0];
    let why = match (&first.connect_error, &first.primary.handshake) {
        (Some(e), _) => e.to_string(),
        (None, Some(Err(failure))) => {
            format!("a server answers but is not the network's node (TLS: {failure:?})")
        }
        (None, _) => "no TLS handshake completed".into(),
    };
    Ok(LiveTargets {
        skip_reason: Some(format!(
            "the runner cannot reach the cluster's Service IPs, e.g. {} at {}: {why}",
            first.endpoint.name, first.endpoint.address
        )),
        ..LiveTargets::default()
    })
}

/// The first of the network's Kafka broker and peer names (`kafka0.kafka`, `peer0.org1`, as
/// the network's own configuration names them) that the runner's resolver does not resolve
/// within twice [`REACH_TIMEOUT`], with why.
async fn unresolved_name(network: &crate::network::Network) -> Option<String> {
    let names = network
        .nodes()
        .into_iter()
        .filter(|n| matches!(n.role, Role::Kafka | Role::Peer))
        .map(|n| n.address());
    for name in names {
        match tokio::time::timeout(REACH_TIMEOUT * 2, tokio::net::lookup_host(name.clone())).await {
            Ok(Ok(found)) => {
                if found.count() == 0 {
                    return Some(format!("{name}: no address"));
                }
            }
            Ok(Err(e)) => return Some(format!("{name}: {e}")),
            Err(_) => {
                return Some(format!("{name}: no answer within {:?}", REACH_TIMEOUT * 2));
            }
        }
    }
    None
}

/// The node's TLS root, for the probe to trust.
fn write_tls_ca(
    deployed: &Deployed,
    node: &crate::network::Node,
    file: &Path,
) -> Result<(), DeployError> {
    let ca = deployed
        .network
        .orgs()
        .find(|o| o.nodes.contains(node))
        .and_then(|org| {
            deployed
                .crypto
                .node_files(org, node)
                .into_iter()
                .find(|(path, _)| path == "tls/ca.crt")
                .map(|(_, bytes)| bytes.to_vec())
        })
        .unwrap_or_default();
    let io = |source| DeployError::Io {
        path: file.display().to_string(),
        source,
    };
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(file, ca).map_err(io)
}

/// The `check` configuration deploy-and-verify runs: the read-back objects as artifacts, the
/// reachable Services as live targets, and the user's report settings.
fn check_config(
    cfg: &DeployAndVerifyConfig,
    artifacts: Option<PathBuf>,
    live: LiveTargets,
) -> CheckConfig {
    let report = &cfg.report;
    CheckConfig {
        artifacts,
        zookeeper: live.zookeeper,
        kafka: live.kafka,
        live_timeout: Duration::from_secs(30),
        endpoints_file: None,
        endpoint_flags: live.endpoints,
        insecure: false,
        concurrency: 64,
        dial: false,
        probe_timeouts: crate::probe::Timeouts {
            connect: Duration::from_secs(3),
            read: Duration::from_secs(5),
        },
        at: report.at,
        threshold: report.threshold,
        outputs: report.outputs.clone(),
        policy: report.policy.clone(),
        selection: report.selection.clone(),
        waivers: report.waivers.clone(),
        baseline: report.baseline.clone(),
        color: report.color,
        required: report.required.clone(),
        dns: DnsOptions::default(),
        deliver: None,
        live_skip_reason: live.skip_reason,
        cluster: None,
        logs: None,
        expected_heights: Default::default(),
        from_deploy: None,
    }
}
