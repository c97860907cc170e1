//! What each command is told, validated: plain structs the commands own. `cli.rs` parses
//! arguments into them; nothing here knows about argument parsing beyond the value names
//! (`clap::ValueEnum`) the face shows for a few enums.

use std::path::PathBuf;
use std::str::FromStr;

use clap::ValueEnum;
use time::OffsetDateTime;

use crate::catalogue::Severity;
use crate::checks::Selection;
use crate::context::Policy;
use crate::finding::gate::Selector;
use crate::incluster::{InClusterProbe, PodArgs};

/// [`ReportArgs`] validated.
#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub at: Option<OffsetDateTime>,
    pub threshold: Severity,
    pub outputs: Vec<OutputSpec>,
    pub policy: Policy,
    pub selection: Selection,
    pub waivers: Option<PathBuf>,
    /// A previous JSON report whose findings are known and do not gate (`--baseline`).
    pub baseline: Option<PathBuf>,
    pub color: ColorChoice,
    /// Families and checks that must run (`--require`, else the command's default).
    pub required: Vec<Selector>,
    /// Whether `required` is the command's default (no `--require` given).
    pub required_by_default: bool,
}

/// Families `deploy-and-verify` gathers no input for, so they cannot run there: it reads no pod
/// logs (its check has no `--logs`), and requiring LOG would fail every run. Remove a family
/// from here once `deploy-and-verify` gathers its input.
pub const NOT_GATHERED_BY_DEPLOY_AND_VERIFY: &[&str] = &["LOG"];

/// What `deploy-and-verify` requires when `--require` is not given: every family of the suite it
/// runs — each catalogue family with a check the selection (`--select`/`--ignore`) includes,
/// except those it gathers no input for. The suite is its contract: a family that only skipped
/// (live TLS from a runner that cannot reach the Services) fails the run.
pub fn deploy_and_verify_required(selection: &Selection) -> Vec<Selector> {
    crate::catalogue::Catalogue::embedded()
        .areas
        .iter()
        .filter(|a| !NOT_GATHERED_BY_DEPLOY_AND_VERIFY.contains(&a.area.as_str()))
        .filter(|a| a.entries.iter().any(|e| selection.includes(&e.id)))
        .map(|a| Selector::Family(a.area.clone()))
        .collect()
}

/// What `check` requires when `--require` is not given: nothing.
pub fn check_required(_: &Selection) -> Vec<Selector> {
    Vec::new()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Output formats; one renderer each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Junit,
    Html,
    Sarif,
    Markdown,
    Prometheus,
}

/// One `--output` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Format,
    /// `None` means stdout.
    pub path: Option<PathBuf>,
}

impl FromStr for OutputSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, path) = match s.split_once('=') {
            Some((n, p)) => (n, Some(p)),
            None => (s, None),
        };
        let format = match name.to_ascii_lowercase().as_str() {
            "table" => Format::Table,
            "json" => Format::Json,
            "junit" => Format::Junit,
            "html" => Format::Html,
            "sarif" => Format::Sarif,
            "markdown" | "md" => Format::Markdown,
            "prometheus" | "openmetrics" => Format::Prometheus,
            other => {
                return Err(format!(
                    "unknown output format '{other}' (expected table, json, junit, html, sarif, \
                     markdown or prometheus)"
                ));
            }
        };
        let path = match path {
            None | Some("-") => None,
            Some("") => return Err(format!("empty path after '{name}='")),
            Some(p) => Some(PathBuf::from(p)),
        };
        Ok(OutputSpec { format, path })
    }
}

/// A validated `check` run.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub artifacts: Option<PathBuf>,
    /// ZooKeeper endpoints to probe.
    pub zookeeper: Vec<String>,
    /// Kafka bootstrap endpoints to probe.
    pub kafka: Vec<String>,
    /// Bound on the whole live phase.
    pub live_timeout: std::time::Duration,
    /// Endpoints file and `--endpoint` specs, read when the check runs.
    pub endpoints_file: Option<PathBuf>,
    pub endpoint_flags: Vec<String>,
    pub insecure: bool,
    pub concurrency: usize,
    /// Dial endpoints found in the artifacts' connection profiles.
    pub dial: bool,
    pub probe_timeouts: crate::probe::Timeouts,
    /// Fixed evaluation instant, or `None` for the current time.
    pub at: Option<OffsetDateTime>,
    pub threshold: Severity,
    pub outputs: Vec<OutputSpec>,
    pub policy: Policy,
    pub selection: Selection,
    pub waivers: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub color: ColorChoice,
    /// Families and checks that must run; one that only skipped or errored fails the run.
    pub required: Vec<Selector>,
    pub dns: DnsOptions,
    /// Why no live probe ran, when fabcheck decided that itself (`deploy-and-verify` from a
    /// runner that cannot reach the cluster's Services); live checks skip with it.
    pub live_skip_reason: Option<String>,
    /// A live cluster to discover and check.
    pub cluster: Option<ClusterCheck>,
    /// Logs to diagnose.
    pub logs: Option<LogsSource>,
    /// The least height of each channel the deploy created (`deploy-and-verify` only), for
    /// HEALTH-004.
    pub expected_heights:
        std::collections::BTreeMap<String, crate::inventory::live::ExpectedHeight>,
    /// What `deploy-and-verify` adds to the check of the network it deployed; `None` for `check`.
    pub from_deploy: Option<FromDeploy>,
    /// Fetch channel config blocks from the orderers (`--identity`, `--msp-id`, `--channel`).
    pub deliver: Option<DeliverConfig>,
}

impl CheckConfig {
    /// A check of nothing, with no outputs: the base the runs that set only a few fields
    /// (the in-cluster probe's live runs, `report`'s re-rendering) are written over.
    pub fn nothing() -> CheckConfig {
        CheckConfig {
            artifacts: None,
            zookeeper: Vec::new(),
            kafka: Vec::new(),
            live_timeout: std::time::Duration::from_secs(60),
            endpoints_file: None,
            endpoint_flags: Vec::new(),
            insecure: false,
            concurrency: 1,
            dial: false,
            probe_timeouts: crate::probe::Timeouts::default(),
            at: None,
            threshold: Severity::Error,
            outputs: Vec::new(),
            policy: crate::context::Policy::default(),
            selection: crate::checks::Selection::default(),
            waivers: None,
            baseline: None,
            color: ColorChoice::Never,
            required: Vec::new(),
            dns: DnsOptions::default(),
            deliver: None,
            live_skip_reason: None,
            from_deploy: None,
            cluster: None,
            logs: None,
            expected_heights: Default::default(),
        }
    }
}

/// The identity and channels of the config-block fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverConfig {
    /// The MSP folder (`signcerts/`, `keystore/`); read when the check runs.
    pub identity: PathBuf,
    pub msp_id: String,
    /// Channels to fetch; empty: list each orderer's from its admin endpoint.
    pub channels: Vec<String>,
}

/// The `deploy-and-verify` side of its check run: how the deploy went (DEPLOY-001), and the
/// in-cluster probe to run against the read-back network when the runner probes from inside.
#[derive(Debug, Clone)]
pub struct FromDeploy {
    pub outcome: crate::inventory::DeployOutcome,
    pub in_cluster: Option<(crate::kube::ClusterOptions, InClusterProbe)>,
}

/// `check --cluster`: where the cluster is, which namespaces, and whether to probe from inside.
#[derive(Debug, Clone)]
pub struct ClusterCheck {
    pub options: crate::kube::ClusterOptions,
    /// Empty: every namespace.
    pub namespaces: Vec<String>,
    pub probe_in_cluster: Option<InClusterProbe>,
}

/// Where `--logs` reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogsSource {
    /// The pods of the checked cluster.
    Cluster,
    /// A folder (or file) of saved logs.
    Dir(PathBuf),
}

/// The chaincode-DNS options of a `check` run.
#[derive(Debug, Clone, Default)]
pub struct DnsOptions {
    pub servers: Vec<std::net::SocketAddr>,
    pub docker: Option<String>,
    /// `--docker-image`; `None`: each peer's chaincode runtime image.
    pub docker_image: Option<String>,
    pub probe_logs: Vec<PathBuf>,
    pub cluster_dns: Option<std::net::IpAddr>,
    pub cluster_domain: Option<String>,
    /// `--chaincode-resolver`: overrides the resolver the chaincode runtime implies.
    pub chaincode_resolver: Option<crate::inventory::dns::StubResolver>,
}

/// What to do, validated.
#[derive(Debug, Clone)]
pub enum Config {
    Check(Box<CheckConfig>),
    ListChecks(ListFormat),
    Explain(String),
    Inspect {
        files: Vec<PathBuf>,
        format: InspectFormat,
    },
    RenderDnsProbe(DnsProbeConfig),
    RenderMonitor(super::render::MonitorConfig),
    RenderNetwork(RenderNetworkConfig),
    Deploy(DeployConfig),
    Teardown(TeardownConfig),
    DeployAndVerify(Box<DeployAndVerifyConfig>),
    ProbeInCluster(PodArgs),
    RelayDockerSocket {
        socket: PathBuf,
        listen: std::net::SocketAddr,
    },
    /// `report`: a saved JSON report written in the outputs `config` names.
    Rerender {
        report: PathBuf,
        config: Box<CheckConfig>,
    },
    /// `waivers init`: a waivers file for a report's failures.
    WaiversInit {
        report: PathBuf,
        out: Option<PathBuf>,
    },
    /// `completions SHELL`, for the command line as the face defines it.
    Completions {
        shell: clap_complete::Shell,
        command: Box<clap::Command>,
    },
    /// `man`, for the command line as the face defines it.
    Man(Box<clap::Command>),
}

#[derive(Debug, Clone)]
pub struct RenderNetworkConfig {
    pub spec: Option<PathBuf>,
    pub out: PathBuf,
    pub cluster_dns: Option<std::net::IpAddr>,
}

#[derive(Debug, Clone)]
pub struct DeployConfig {
    pub spec: Option<PathBuf>,
    pub cluster: crate::kube::ClusterOptions,
    pub options: crate::deploy::DeployOptions,
    pub progress: crate::deploy::ProgressMode,
}

#[derive(Debug, Clone)]
pub struct TeardownConfig {
    pub spec: Option<PathBuf>,
    pub cluster: crate::kube::ClusterOptions,
    pub timeout: std::time::Duration,
}

#[derive(Debug, Clone)]
pub struct DeployAndVerifyConfig {
    pub deploy: DeployConfig,
    pub teardown: TeardownPolicy,
    pub report: ReportConfig,
    /// Where the live probes run from.
    pub probe: ProbeFrom,
    /// The in-cluster probe's image and namespace, when it runs.
    pub probe_in_cluster: InClusterProbe,
}

/// Where `deploy-and-verify` runs its live probes from (`--probe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeFrom {
    /// From outside when the runner reaches the network's Services, else from inside.
    Auto,
    /// From the runner; live checks skip when it cannot reach the Services.
    Outside,
    /// From inside the cluster, as `check --probe in-cluster` does.
    InCluster,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TeardownPolicy {
    Always,
    OnSuccess,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    Table,
    Json,
}

/// `render dns-probe`, validated.
#[derive(Debug, Clone)]
pub struct DnsProbeConfig {
    /// Namespace the probes run in.
    pub namespace: String,
    /// Artifacts to take the names and the Docker/peer DNS settings from.
    pub artifacts: Option<PathBuf>,
    /// Names to look up besides those the artifacts give.
    pub names: Vec<String>,
    /// Image with /bin/sh and glibc's getent.
    pub image: String,
    /// Only the chaincode-pod probe.
    pub no_docker: bool,
}
