//! fabcheck: conformance checks for Hyperledger Fabric networks.
//!
//! Data flows one way: a source is gathered into an [`inventory::Inventory`], the
//! [`checks`] evaluate it into findings, and a [`report`] renderer writes them. The binary
//! (`main.rs`) only parses arguments and maps the outcome of [`run`] to an exit code.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};

use time::OffsetDateTime;

pub mod catalogue;
pub mod checks;
pub mod cli;
mod cluster_check;
pub mod context;
pub mod deploy;
pub mod deployment;
pub mod exit;
#[doc(hidden)]
pub mod fuzzing;
pub mod incluster;
pub mod inventory;
pub mod network;
pub mod probe;
pub mod report;
pub mod waiver;
pub mod yaml;

use catalogue::Catalogue;
use cli::{CheckConfig, ColorChoice, Config, Format, ListFormat};
use context::{Context, rfc3339};
use report::Report;
use report::table::TableStyle;

/// Why a run stopped before it could report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] cli::ConfigError),
    #[error(transparent)]
    Unreachable(#[from] inventory::artifacts::GatherError),
    #[error(transparent)]
    Waivers(#[from] waiver::WaiverError),
    #[error(transparent)]
    Endpoints(#[from] inventory::endpoints::EndpointsError),
    #[error(transparent)]
    Render(#[from] probe::dns_pod::RenderError),
    #[error(transparent)]
    Deploy(#[from] deploy::DeployError),
    #[error(transparent)]
    Cluster(#[from] deploy::ClusterError),
    #[error(transparent)]
    InCluster(#[from] incluster::InClusterError),
    #[error("failed to explain {0}: no such check (see `fabcheck checks list`)")]
    UnknownCheck(String),
    #[error("failed to write {path}: {source}")]
    Output {
        path: String,
        source: std::io::Error,
    },
}

impl RunError {
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Unreachable(_) | RunError::Cluster(_) | RunError::InCluster(_) => {
                exit::UNREACHABLE
            }
            RunError::Deploy(e) if e.is_usage() => exit::USAGE,
            RunError::Deploy(_) => exit::DEPLOY_FAILED,
            RunError::Config(_)
            | RunError::Waivers(_)
            | RunError::Endpoints(_)
            | RunError::UnknownCheck(_)
            | RunError::Render(_)
            | RunError::Output { .. } => exit::USAGE,
        }
    }
}

/// Runs a validated command, writing human output to `stdout`; returns the exit code.
pub fn run(config: Config, stdout: &mut dyn Write) -> Result<i32, RunError> {
    let stdout_err = |source| RunError::Output {
        path: "stdout".into(),
        source,
    };
    match config {
        Config::ListChecks(format) => {
            list_checks(format, stdout).map_err(stdout_err)?;
            Ok(exit::SUCCESS)
        }
        Config::Explain(id) => {
            let entry = Catalogue::embedded()
                .get(&id)
                .ok_or(RunError::UnknownCheck(id))?;
            explain(entry, stdout).map_err(stdout_err)?;
            Ok(exit::SUCCESS)
        }
        Config::RenderDnsProbe(args) => {
            let (yaml, notes) = render_dns_probe(&args)?;
            for note in notes {
                eprintln!("fabcheck: note: {note}");
            }
            stdout.write_all(yaml.as_bytes()).map_err(stdout_err)?;
            Ok(exit::SUCCESS)
        }
        Config::RenderNetwork(cfg) => deployment::render_network(&cfg, stdout),
        Config::Deploy(cfg) => deployment::deploy(&cfg, stdout),
        Config::Teardown(cfg) => deployment::teardown(&cfg, stdout),
        Config::DeployAndVerify(cfg) => deployment::deploy_and_verify(&cfg, stdout),
        Config::ProbeInCluster(args) => Ok(incluster::pod_main(&args)?),
        Config::Check(check) => {
            let (report, unreachable) = check_report_with_reach(&check)?;
            write_outputs(&report, &check, stdout)?;
            if unreachable {
                drop_in_background(report);
                return Ok(exit::UNREACHABLE);
            }
            let code = if report.gates(check.threshold) {
                exit::CHECK_FAILED
            } else {
                exit::SUCCESS
            };
            drop_in_background(report);
            Ok(code)
        }
    }
}

/// Gathers, checks and assembles the report for a `check` run.
pub fn check_report(check: &CheckConfig) -> Result<Report, RunError> {
    check_report_with_reach(check).map(|(report, _)| report)
}

/// Like [`check_report`], also saying whether the run had nothing to check but live endpoints
/// and reached none of them (exit code 3; the report is still written).
fn check_report_with_reach(check: &CheckConfig) -> Result<(Report, bool), RunError> {
    let waivers = check
        .waivers
        .as_deref()
        .map(waiver::Waivers::load)
        .transpose()?;
    let mut tls_endpoints =
        inventory::endpoints::load(check.endpoints_file.as_deref(), &check.endpoint_flags)?;
    // A live cluster is listed into a private folder and read like artifacts on disk.
    let cluster_dir = match &check.cluster {
        Some(_) => Some(
            tempfile::Builder::new()
                .prefix("fabcheck-cluster-")
                .tempdir()
                .map_err(|source| RunError::Output {
                    path: std::env::temp_dir().display().to_string(),
                    source,
                })?,
        ),
        None => None,
    };
    let from_cluster = match (&check.cluster, &cluster_dir) {
        (Some(cluster), Some(dir)) => Some(cluster_check::gather(cluster, check, dir.path())?),
        _ => None,
    };
    let mut inventory = match (&check.artifacts, &cluster_dir) {
        (Some(dir), _) => inventory::artifacts::gather(dir)?,
        (None, Some(dir)) => inventory::artifacts::gather(dir.path())?,
        (None, None) => inventory::Inventory::default(),
    };
    if let Some(gathered) = &from_cluster {
        inventory.source = gathered.source.clone();
        inventory
            .gaps
            .extend(gathered.snapshot.discovery.unreadable.iter().cloned());
        if let Some(logs) = &gathered.logs {
            inventory.logs = Some(logs.clone());
        }
    }
    if let Some(cli::LogsSource::Dir(dir)) = &check.logs {
        inventory.logs = Some(inventory::logs::gather_dir(dir));
    }
    if check.dial
        && let Some(root) = &check.artifacts
    {
        tls_endpoints.extend(inventory::endpoints::from_connection_profiles(
            root,
            &inventory.config_files,
        ));
        tls_endpoints.extend(inventory::endpoints::from_compose(&inventory.ordering));
    }
    if check.dns.cluster_dns.is_some() || check.dns.cluster_domain.is_some() {
        inventory
            .dns
            .set_cluster(check.dns.cluster_dns, check.dns.cluster_domain.clone());
    }
    let mut sources: Vec<String> = Vec::new();
    if check.artifacts.is_some() || from_cluster.is_some() {
        sources.push(std::mem::take(&mut inventory.source));
    }
    if !check.zookeeper.is_empty() {
        sources.push(format!("zookeeper:{}", check.zookeeper.join(",")));
    }
    if !check.kafka.is_empty() {
        sources.push(format!("kafka:{}", check.kafka.join(",")));
    }
    if !tls_endpoints.is_empty() {
        sources.push(format!("endpoints:{}", tls_endpoints.len()));
    }
    if !check.dns.servers.is_empty() {
        let servers: Vec<String> = check.dns.servers.iter().map(ToString::to_string).collect();
        sources.push(format!("dns-server:{}", servers.join(",")));
    }
    if let Some(docker) = &check.dns.docker {
        sources.push(format!("docker:{docker}"));
    }
    if let Some(cli::LogsSource::Dir(dir)) = &check.logs {
        sources.push(format!("logs:{}", dir.display()));
    }
    for log in &check.dns.probe_logs {
        sources.push(format!("dns-probe-log:{}", log.display()));
    }
    inventory.source = sources.join(" ");
    inventory.live = probe::observe_all(&probe::LiveRequest {
        zookeeper: check.zookeeper.clone(),
        kafka: check.kafka.clone(),
        tls: tls_endpoints,
        insecure: check.insecure,
        concurrency: check.concurrency,
        timeouts: check.probe_timeouts,
        total: check.live_timeout,
    });
    inventory.live.not_probed = check.live_skip_reason.clone().or_else(|| {
        check.cluster.as_ref().map(|c| match c.probe_in_cluster {
            None => {
                "live probes of a cluster run from inside it: add --probe in-cluster".to_owned()
            }
            Some(_) => {
                "probed from inside the cluster, which offered nothing of this kind".to_owned()
            }
        })
    });
    inventory.live.dns = probe::chaincode::observe(
        &probe::chaincode::DnsRequest {
            servers: check.dns.servers.clone(),
            docker: check.dns.docker.clone(),
            docker_image: check.dns.docker_image.clone(),
            probe_logs: check.dns.probe_logs.clone(),
            concurrency: check.concurrency.clamp(1, 64),
            total: check.live_timeout,
        },
        &inventory.dns.contexts,
    );
    // The in-cluster probe's chaincode lookups join the local ones before the checks judge
    // them; its live findings replace the runner's own afterwards.
    let mut probed = None;
    if let (Some(cluster), Some(gathered), Some(dir)) =
        (&check.cluster, &from_cluster, &cluster_dir)
        && let Some(probe) = &cluster.probe_in_cluster
        && gathered.snapshot.interrupted.is_none()
    {
        let targets = incluster::targets(
            &gathered.snapshot.discovery,
            dir.path(),
            &inventory.dns.contexts,
        );
        let mut result =
            incluster::run_blocking(&cluster.options, probe, &targets, check.live_timeout * 4)?;
        inventory.live.dns.append(&mut result.dns);
        probed = Some(result.findings);
    }
    inventory::endpoints::add_served_certificates(&mut inventory);
    let ctx = Context::new(
        check.at.unwrap_or_else(OffsetDateTime::now_utc),
        check.policy.clone(),
    );
    let mut findings = checks::run(&ctx, &inventory, Catalogue::embedded(), &check.selection);
    if let Some(probed) = probed {
        merge_probed(&mut findings, probed, &check.selection);
    }
    if let Some(w) = waivers {
        w.apply(&mut findings, ctx.now);
    }
    let unreachable =
        (check.artifacts.is_none() && from_cluster.is_none() && inventory.live.nothing_reached())
            || from_cluster
                .as_ref()
                .is_some_and(|c| c.snapshot.interrupted.is_some());
    let source = std::mem::take(&mut inventory.source);
    let mut not_read = std::mem::take(&mut inventory.not_read);
    not_read.sort();
    drop_in_background(inventory);
    let mut report = Report::new(rfc3339(ctx.now), source, findings);
    report.discovery = from_cluster.map(|c| c.snapshot.discovery);
    report.not_read = not_read;
    Ok((report, unreachable))
}

/// Puts the in-cluster probe's findings in place of the local ones of the same checks (which
/// could only skip: the runner is outside the cluster).
fn merge_probed(
    findings: &mut Vec<report::Finding>,
    probed: Vec<report::Finding>,
    selection: &checks::Selection,
) {
    let probed: Vec<report::Finding> = probed
        .into_iter()
        .filter(|f| selection.includes(&f.check_id))
        .collect();
    let ids: std::collections::BTreeSet<String> =
        probed.iter().map(|f| f.check_id.clone()).collect();
    findings.retain(|f| !ids.contains(&f.check_id));
    findings.extend(probed);
}

/// The in-cluster DNS probe manifests for `render dns-probe`: names and Docker settings from the
/// artifacts' chaincode resolver contexts (and `--name`), rendered as YAML; plus notes where the
/// pod settings cannot mirror Docker's exactly.
fn render_dns_probe(args: &cli::DnsProbeArgs) -> Result<(String, Vec<String>), RunError> {
    use inventory::dns::Runtime;
    use probe::dns_pod::{DnsProbeSpec, DockerDns, PodDns};
    let inventory = match &args.artifacts {
        Some(dir) => inventory::artifacts::gather(dir)?,
        None => inventory::Inventory::default(),
    };
    let mut names: Vec<String> = inventory
        .dns
        .contexts
        .iter()
        .flat_map(|c| c.names.iter().map(|n| n.name.clone()))
        .chain(args.names.iter().cloned())
        .collect();
    names.sort();
    names.dedup();
    // Docker's settings as the first docker-launching peer's chaincode gets them; parts that
    // come from the node itself are left to dnsPolicy Default, which reads the node's file.
    let docker = (!args.no_docker).then(|| {
        let lists = inventory
            .dns
            .contexts
            .iter()
            .find(|c| matches!(c.runtime, Runtime::Docker { .. }))
            .map(|c| c.configured_lists())
            .unwrap_or_default();
        DockerDns {
            nameservers: lists.nameservers.unwrap_or_default(),
            searches: lists.search.unwrap_or_default(),
            options: lists.options.unwrap_or_default(),
        }
    });
    let manifests = probe::dns_pod::render(&DnsProbeSpec {
        namespace: args.namespace.clone(),
        image: args.image.clone(),
        names,
        docker,
        pod: PodDns::cluster_first(),
    })?;
    let yaml = probe::dns_pod::render_yaml(&manifests.daemon_sets)?;
    drop_in_background(inventory);
    Ok((yaml, manifests.notes))
}

/// Frees a large value on another thread. A 10,000-certificate inventory or report is
/// millions of small allocations; freeing them is pure overhead the user would wait for.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

pub(crate) fn write_outputs(
    report: &Report,
    check: &CheckConfig,
    stdout: &mut dyn Write,
) -> Result<(), RunError> {
    for spec in &check.outputs {
        let shown = spec
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "stdout".into());
        let fail = |source| RunError::Output {
            path: shown.clone(),
            source,
        };
        let to_terminal = spec.path.is_none() && std::io::stdout().is_terminal();
        let style = TableStyle {
            color: match check.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => to_terminal,
            },
            width: Some(if to_terminal {
                terminal_width().unwrap_or(120)
            } else {
                120
            }),
        };
        let mut file;
        let out: &mut dyn Write = match &spec.path {
            Some(path) => {
                file = BufWriter::new(File::create(path).map_err(fail)?);
                &mut file
            }
            None => stdout,
        };
        match spec.format {
            Format::Table => report::table::render(report, style, out),
            Format::Json => report::json::render(report, out),
            Format::Junit => report::junit::render(report, out),
        }
        .and_then(|()| out.flush())
        .map_err(fail)?;
    }
    Ok(())
}

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok()?.parse().ok()
}

fn list_checks(format: ListFormat, out: &mut dyn Write) -> std::io::Result<()> {
    let catalogue = Catalogue::embedded();
    match format {
        ListFormat::Markdown => out.write_all(catalogue.markdown_table().as_bytes()),
        ListFormat::Json => {
            let entries: Vec<&catalogue::Entry> = catalogue.entries().collect();
            serde_json::to_writer_pretty(&mut *out, &entries)?;
            writeln!(out)
        }
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
            table.set_header(vec!["id", "severity", "name", "title"]);
            for e in catalogue.entries() {
                table.add_row(vec![
                    e.id.as_str(),
                    &e.severity.to_string(),
                    e.name.as_str(),
                    e.title.as_str(),
                ]);
            }
            writeln!(out, "{table}")
        }
    }
}

fn explain(e: &catalogue::Entry, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{} {} ({})", e.id, e.title, e.name)?;
    writeln!(out, "severity: {}\n", e.severity)?;
    writeln!(out, "Why it matters\n  {}\n", e.rationale.trim())?;
    writeln!(out, "How to fix it\n  {}\n", e.remediation.trim())?;
    writeln!(out, "Source\n  {}", e.source.trim())
}
