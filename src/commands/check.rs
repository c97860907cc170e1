//! `check`: gather the inventory from every source the run names (artifacts, a live cluster,
//! logs, endpoints), probe what is live, run the checks, apply waivers, and write the report
//! in every format asked for.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};

use time::OffsetDateTime;

use super::config::{CheckConfig, ColorChoice, Format, LogsSource};
use super::{RunError, cluster, drop_in_background};
use crate::catalogue::Catalogue;
use crate::context::{Context, rfc3339};
use crate::finding::{self, Report};
use crate::report::table::TableStyle;
use crate::{checks, incluster, inventory, probe, waiver};

/// Gathers, checks and assembles the report for a `check` run.
pub fn report(check: &CheckConfig) -> Result<Report, RunError> {
    report_with_reach(check).map(|(report, _)| report)
}

/// Like [`report`], also saying whether the run had nothing to check but live endpoints
/// and reached none of them (exit code 3; the report is still written).
pub(super) fn report_with_reach(check: &CheckConfig) -> Result<(Report, bool), RunError> {
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
        (Some(cluster), Some(dir)) => Some(cluster::gather(cluster, check, dir.path())?),
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
    if let Some(LogsSource::Dir(dir)) = &check.logs {
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
    if check.dns.chaincode_resolver.is_some() {
        inventory
            .dns
            .set_chaincode_resolver(check.dns.chaincode_resolver);
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
    if let Some(LogsSource::Dir(dir)) = &check.logs {
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
    report.required = finding::gate::evaluate(
        &check.required,
        &report.findings,
        Catalogue::embedded(),
        &|id| check.selection.includes(id),
    );
    Ok((report, unreachable))
}

/// Puts the in-cluster probe's findings in place of the local ones of the same checks (which
/// could only skip: the runner is outside the cluster).
fn merge_probed(
    findings: &mut Vec<finding::Finding>,
    probed: Vec<finding::Finding>,
    selection: &checks::Selection,
) {
    let probed: Vec<finding::Finding> = probed
        .into_iter()
        .filter(|f| selection.includes(&f.check_id))
        .collect();
    let ids: std::collections::BTreeSet<String> =
        probed.iter().map(|f| f.check_id.clone()).collect();
    findings.retain(|f| !ids.contains(&f.check_id));
    findings.extend(probed);
}

pub(super) fn write_outputs(
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
            Format::Table => crate::report::table::render(report, style, out),
            Format::Json => crate::report::json::render(report, out),
            Format::Junit => crate::report::junit::render(report, out),
        }
        .and_then(|()| out.flush())
        .map_err(fail)?;
    }
    Ok(())
}

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok()?.parse().ok()
}
