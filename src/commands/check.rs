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
use crate::{checks, incluster, inventory, probe, report, waiver};

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
    let baseline = check.baseline.as_deref().map(load_baseline).transpose()?;
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
    // deploy-and-verify's network is one network across its namespaces. A cluster read back
    // may hold several; its namespaces are judged as the folders they are written to.
    inventory.single_network = check.from_deploy.is_some();
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
    let deliver = check
        .deliver
        .as_ref()
        .map(|d| {
            inventory::identity::SigningIdentity::load(&d.identity, &d.msp_id)
                .map(|identity| probe::deliver::DeliverRequest {
                    identity: std::sync::Arc::new(identity),
                    channels: d.channels.clone(),
                })
                .map_err(|reason| RunError::Identity {
                    dir: d.identity.display().to_string(),
                    reason,
                })
        })
        .transpose()?;
    inventory.live = probe::observe_all(&probe::LiveRequest {
        zookeeper: check.zookeeper.clone(),
        kafka: check.kafka.clone(),
        tls: tls_endpoints,
        insecure: check.insecure,
        concurrency: check.concurrency,
        timeouts: check.probe_timeouts,
        total: check.live_timeout,
        deliver,
    });
    add_fetched_channels(&mut inventory);
    inventory.live.expected_heights = check.expected_heights.clone();
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
    let observed = probe::chaincode::observe(
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
    inventory.live.dns = observed.dns;
    inventory.live.chaincode_containers = observed.chaincode;
    // The in-cluster probe's chaincode lookups join the local ones before the checks judge
    // them; its live findings replace the runner's own afterwards. `check --probe in-cluster`
    // probes the discovered network; deploy-and-verify the one it deployed and read back.
    let in_cluster = match (&check.cluster, &from_cluster, &cluster_dir) {
        (Some(cluster), Some(gathered), Some(dir)) if gathered.snapshot.interrupted.is_none() => {
            cluster.probe_in_cluster.as_ref().map(|probe| {
                let targets = incluster::targets(
                    &gathered.snapshot.discovery,
                    dir.path(),
                    &inventory.dns.contexts,
                );
                (cluster.options.clone(), probe.clone(), targets)
            })
        }
        _ => None,
    }
    .or_else(|| {
        let (options, probe) = check.from_deploy.as_ref()?.in_cluster.as_ref()?;
        let dir = check.artifacts.as_ref()?;
        let targets = incluster::targets_from_dir(dir, &inventory.dns.contexts);
        Some((options.clone(), probe.clone(), targets))
    });
    let mut probed = None;
    let mut probe_failure = None;
    if let Some((options, probe, mut targets)) = in_cluster {
        targets.expected_heights = check.expected_heights.clone();
        if !probe.peer_daemons {
            targets.daemons.clear();
        }
        if let Some(image) = &check.dns.docker_image {
            for daemon in &mut targets.daemons {
                daemon.image = image.clone();
            }
        }
        match incluster::run_blocking(&options, &probe, &targets, check.live_timeout * 4) {
            Ok(mut result) => {
                inventory.live.dns.append(&mut result.dns);
                inventory
                    .live
                    .chaincode_containers
                    .append(&mut result.chaincode_containers);
                probed = Some(result.findings);
            }
            // The report is still written: what was gathered stands, and the checks the probe
            // was to answer say they could not evaluate, and why.
            Err(e) => {
                eprintln!("fabcheck: {e}");
                inventory.live.not_probed = Some("the in-cluster probe failed".into());
                probe_failure = Some(ProbeFailure {
                    ids: incluster::probed_checks(&targets),
                    probe,
                    error: e.to_string(),
                });
            }
        }
    }
    inventory.deploy = check.from_deploy.as_ref().map(|d| d.outcome.clone());
    inventory::endpoints::add_served_certificates(&mut inventory);
    let ctx = Context::new(
        check.at.unwrap_or_else(OffsetDateTime::now_utc),
        check.policy.clone(),
    );
    let mut findings = checks::run(&ctx, &inventory, Catalogue::embedded(), &check.selection);
    if let Some(probed) = probed {
        merge_probed(&mut findings, probed, &check.selection);
    }
    if let Some(failure) = &probe_failure {
        mark_probe_failed(&mut findings, failure, &check.selection);
    }
    if let Some(w) = waivers {
        w.apply(&mut findings, ctx.now);
    }
    if let Some(baseline) = &baseline {
        finding::baseline::mark_known(&mut findings, baseline);
    }
    let unreachable =
        (check.artifacts.is_none() && from_cluster.is_none() && inventory.live.nothing_reached())
            || from_cluster
                .as_ref()
                .is_some_and(|c| c.snapshot.interrupted.is_some())
            || probe_failure.is_some();
    let source = std::mem::take(&mut inventory.source);
    let mut not_read = std::mem::take(&mut inventory.not_read);
    not_read.sort();
    let certificates = report::observed::certificates(&inventory);
    let handshakes = report::observed::handshakes(&inventory);
    let topology = report::observed::topology(&inventory);
    drop_in_background(inventory);
    let mut report = Report::new(rfc3339(ctx.now), source, findings);
    report.certificates = certificates;
    report.handshakes = handshakes;
    report.topology = topology.attach(&report.findings);
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

/// Reads a previous JSON report for `--baseline`.
fn load_baseline(path: &std::path::Path) -> Result<Report, RunError> {
    read_report(path).map_err(|reason| RunError::Baseline {
        path: path.display().to_string(),
        reason,
    })
}

/// Reads a JSON report fabcheck wrote; the error says why it is not one.
pub(super) fn read_report(path: &std::path::Path) -> Result<Report, String> {
    let text = std::fs::read(path).map_err(|e| e.to_string())?;
    serde_json::from_slice(&text).map_err(|e| {
        format!("{e} (expected a JSON report written by `fabcheck check -o json=FILE`)")
    })
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

/// An in-cluster probe that did not give its findings.
struct ProbeFailure {
    /// The checks it was to answer (ids or id prefixes).
    ids: Vec<&'static str>,
    probe: incluster::InClusterProbe,
    /// Why, with the pod's state and events when it got that far.
    error: String,
}

/// Puts one `error` finding per check the failed probe was to answer in place of that check's
/// skips (the runner could not probe from outside either): a report and a JUnit case that say
/// the check could not evaluate, and why.
fn mark_probe_failed(
    findings: &mut Vec<finding::Finding>,
    failure: &ProbeFailure,
    selection: &checks::Selection,
) {
    let catalogue = Catalogue::embedded();
    let ids: Vec<&crate::catalogue::Entry> = catalogue
        .entries()
        .filter(|e| failure.ids.iter().any(|p| e.id.starts_with(p)))
        .filter(|e| selection.includes(&e.id))
        .collect();
    findings
        .retain(|f| !(f.status == finding::Status::Skip && ids.iter().any(|e| e.id == f.check_id)));
    for entry in ids {
        let mut evidence = finding::Evidence::new();
        evidence.insert("probe_image".into(), failure.probe.image.clone().into());
        evidence.insert(
            "probe_namespace".into(),
            failure.probe.namespace.clone().into(),
        );
        findings.push(finding::Finding {
            check_id: entry.id.clone(),
            title: entry.title.clone(),
            severity: entry.severity,
            status: finding::Status::Error,
            target: finding::Target::new(
                finding::TargetKind::Object,
                format!(
                    "in-cluster probe (namespace {}, image {})",
                    failure.probe.namespace, failure.probe.image
                ),
            ),
            message: format!(
                "could not evaluate: the in-cluster probe failed: {}",
                failure.error
            ),
            evidence,
            waived: None,
            known: false,
        });
    }
}

pub(super) fn write_outputs(
    report: &Report,
    check: &CheckConfig,
    stdout: &mut dyn Write,
) -> Result<(), RunError> {
    // Every output is attempted: one that cannot be written (a missing folder) must not cost
    // CI the others. The first failure is returned.
    let mut first_error = None;
    for spec in &check.outputs {
        if let Err(e) = write_output(report, check, spec, &mut *stdout)
            && first_error.is_none()
        {
            first_error = Some(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn write_output(
    report: &Report,
    check: &CheckConfig,
    spec: &super::config::OutputSpec,
    stdout: &mut dyn Write,
) -> Result<(), RunError> {
    {
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
        if let (Format::Prometheus, Some(path)) = (spec.format, &spec.path)
            && crate::probe::push::is_url(&path.to_string_lossy())
        {
            let mut body = Vec::new();
            crate::report::prometheus::render(report, check.threshold, &mut body).map_err(fail)?;
            return crate::probe::push::put_metrics(
                &path.to_string_lossy(),
                String::from_utf8_lossy(&body).into_owned(),
                PUSH_TIMEOUT,
            )
            .map_err(RunError::Push);
        }
        let mut file;
        // Metrics are written beside their file and renamed over it: node-exporter's textfile
        // collector reads `*.prom` whenever it is scraped and must never see half a file.
        let rename = match (&spec.path, spec.format) {
            (Some(path), Format::Prometheus)
                if std::fs::metadata(path).map_or(true, |m| m.is_file()) =>
            {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                Some((path.with_file_name(format!(".{name}.tmp")), path))
            }
            _ => None,
        };
        let out: &mut dyn Write = match (&rename, &spec.path) {
            (Some((partial, _)), _) => {
                file = BufWriter::new(File::create(partial).map_err(fail)?);
                &mut file
            }
            (None, Some(path)) => {
                file = BufWriter::new(File::create(path).map_err(fail)?);
                &mut file
            }
            (None, None) => stdout,
        };
        match spec.format {
            Format::Table => crate::report::table::render(report, style, out),
            Format::Json => crate::report::json::render(report, out),
            Format::Junit => crate::report::junit::render(report, out),
            Format::Html => crate::report::html::render(report, check.threshold, out),
            Format::Sarif => crate::report::sarif::render(report, out),
            Format::Markdown => crate::report::markdown::render(report, check.threshold, out),
            Format::Prometheus => crate::report::prometheus::render(report, check.threshold, out),
        }
        .and_then(|()| out.flush())
        .map_err(fail)?;
        if let Some((partial, path)) = rename {
            std::fs::rename(&partial, path).map_err(fail)?;
        }
    }
    Ok(())
}

/// Bound on pushing metrics to a Pushgateway.
const PUSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok()?.parse().ok()
}

/// The config blocks fetched from orderers join the channel configurations, as
/// [`ConfigSource::Fetched`](inventory::channel::ConfigSource::Fetched); a block that does not
/// decode becomes a failed fetch, so the RAFT checks report it.
fn add_fetched_channels(inventory: &mut inventory::Inventory) {
    use inventory::channel::ConfigSource;
    let mut decoded = Vec::new();
    for fetch in &mut inventory.live.config_fetch {
        let Ok(block) = &fetch.result else {
            continue;
        };
        let origin = inventory::Origin {
            path: format!("{} ({})", fetch.orderer, fetch.endpoint),
            locator: fetch
                .channel
                .as_ref()
                .map(|c| format!("channel {c}, block {}", block.number)),
        };
        // The block belongs to the network the artifacts describe, when there are any.
        let scope = if inventory.root.is_empty() {
            format!("orderer:{}", fetch.endpoint)
        } else {
            inventory.root.clone()
        };
        match inventory::channel::decode(&block.bytes, origin, &scope) {
            Ok(mut config) => {
                config.source = ConfigSource::Fetched {
                    endpoint: fetch.endpoint.clone(),
                    number: block.number,
                };
                decoded.push(config);
            }
            Err(e) => {
                fetch.result = Err(format!(
                    "config block {} of channel {} from {} does not decode: {e}",
                    block.number,
                    fetch.channel.as_deref().unwrap_or("?"),
                    fetch.orderer
                ));
            }
        }
    }
    inventory.channels.extend(decoded);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Status, Target, TargetKind};

    #[test]
    fn fetched_blocks_join_the_channels_and_undecodable_ones_become_errors() {
        use crate::inventory::live::{ConfigFetchObservation, FetchedBlock};
        let real = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/realworld/fabric-1.4.12-configtxgen/raft/config_block.pb"),
        )
        .expect("../shared/realworld beside the repo");
        let fetch = |channel: &str, bytes: Vec<u8>| ConfigFetchObservation {
            orderer: "orderer0".into(),
            endpoint: "orderer0:7050".into(),
            channel: Some(channel.into()),
            result: Ok(FetchedBlock { number: 2, bytes }),
        };
        let mut inv = inventory::Inventory::default();
        inv.live.config_fetch = vec![
            fetch("mychannel", real),
            fetch("broken", b"not a block".to_vec()),
        ];
        add_fetched_channels(&mut inv);
        assert_eq!(inv.channels.len(), 1);
        assert_eq!(inv.channels[0].channel_id, "mychannel");
        assert_eq!(
            inv.channels[0].source,
            inventory::channel::ConfigSource::Fetched {
                endpoint: "orderer0:7050".into(),
                number: 2
            }
        );
        let why = inv.live.config_fetch[1].result.as_ref().unwrap_err();
        assert!(why.contains("does not decode"), "{why}");
    }

    fn finding(id: &str, status: Status) -> Finding {
        Finding {
            check_id: id.into(),
            title: String::new(),
            severity: crate::catalogue::Severity::Error,
            status,
            target: Target::new(TargetKind::Source, "cluster:kind"),
            message: "no TLS endpoints found".into(),
            evidence: Default::default(),
            waived: None,
            known: false,
        }
    }

    #[test]
    fn a_failed_probe_turns_its_checks_skips_into_errors_and_keeps_the_rest() {
        let mut findings = vec![
            finding("TLS-001", Status::Skip),
            finding("TLS-002", Status::Skip),
            finding("ZK-001", Status::Pass),
            finding("ZK-005", Status::Skip),
        ];
        let failure = ProbeFailure {
            ids: vec!["TLS-", "ZK-005"],
            probe: incluster::InClusterProbe {
                image: "registry.example/fabcheck:9".into(),
                namespace: "fabcheck-system".into(),
                peer_daemons: true,
            },
            error: "failed to start the in-cluster probe (image registry.example/fabcheck:9): ErrImagePull".into(),
        };
        let selection = checks::Selection {
            select: Vec::new(),
            ignore: vec!["TLS-008".into()],
        };
        mark_probe_failed(&mut findings, &failure, &selection);
        assert!(
            findings.iter().all(|f| f.status != Status::Skip),
            "{findings:#?}"
        );
        assert!(
            findings
                .iter()
                .any(|f| f.check_id == "ZK-001" && f.status == Status::Pass)
        );
        let errors: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.status == Status::Error)
            .collect();
        // TLS-001..TLS-007 and TLS-009..TLS-012 (TLS-008 is ignored) and ZK-005, once each.
        assert_eq!(errors.len(), 12, "{errors:#?}");
        assert!(!errors.iter().any(|f| f.check_id == "TLS-008"));
        for f in errors {
            assert!(
                f.message
                    .starts_with("could not evaluate: the in-cluster probe failed")
            );
            assert!(f.message.contains("ErrImagePull"));
            assert_eq!(f.evidence["probe_image"], "registry.example/fabcheck:9");
            assert!(!f.title.is_empty(), "catalogue title for {}", f.check_id);
        }
    }
}
