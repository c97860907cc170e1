//! Command-line parsing (clap derive), validated into a [`Config`] before anything runs.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand, ValueEnum};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::catalogue::{Catalogue, Severity};
use crate::checks::Selection;
use crate::commands::config::{
    self, CheckConfig, ClusterCheck, ColorChoice, Config, DeliverConfig, DeployAndVerifyConfig,
    DeployConfig, DnsOptions, DnsProbeConfig, InspectFormat, ListFormat, LogsSource, OutputSpec,
    RenderNetworkConfig, ReportConfig, TeardownConfig, TeardownPolicy,
};
use crate::context::Policy;
use crate::finding::gate::{self, Selector};
use crate::incluster::{InClusterProbe, PodArgs};

const EXIT_CODES: &str = "\
Exit codes:
  0  every check passed at the chosen --fail-on threshold
  1  a check failed (or could not evaluate) at the threshold, or a required check did not run
  2  usage or configuration error
  3  fabcheck could not reach what it was told to check
  4  deploy failed";

#[derive(Debug, Parser)]
#[command(name = "fabcheck", version, about = "Conformance checks for Hyperledger Fabric networks", after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a Fabric network's artifacts and report.
    #[command(after_help = EXIT_CODES)]
    Check(Box<CheckArgs>),
    /// List the catalogue of checks.
    Checks {
        #[command(subcommand)]
        command: ChecksCommand,
    },
    /// Print a check's catalogue entry: why it matters and how to fix it.
    Explain {
        /// Check id, e.g. X509-001 (case-insensitive).
        id: String,
    },
    /// Print the channel configuration in Fabric blocks and transactions (`genesis.block`,
    /// `config_block.pb`, `channel.tx`): orderer type, batch size, consenters, orgs with their
    /// MSP and TLS roots and NodeOUs, capabilities and policies.
    #[command(
        after_help = "Exit codes: 0 every file decoded, 2 a file is not a channel configuration."
    )]
    Inspect {
        /// Block or transaction files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = InspectFormat::Table)]
        format: InspectFormat,
    },
    /// Write the network's manifests, PKI and configtx.yaml to a folder (`--out DIR`), or print
    /// other manifests (`render dns-probe`).
    #[command(args_conflicts_with_subcommands = true)]
    Render {
        #[command(subcommand)]
        command: Option<RenderCommand>,
        #[command(flatten)]
        network: RenderNetworkArgs,
    },
    /// Deploy the network on Kubernetes and wait until it is up.
    #[command(after_help = EXIT_CODES)]
    Deploy(DeployArgs),
    /// Delete everything the network owns (its namespaces) and wait until it is gone.
    #[command(after_help = EXIT_CODES)]
    Teardown(TeardownArgs),
    /// Deploy, wait, read back what was deployed, run the suite on it, report, tear down.
    #[command(after_help = EXIT_CODES)]
    DeployAndVerify(Box<DeployAndVerifyArgs>),
    /// Render a saved JSON report (`check -o json=FILE`) in other formats, e.g. HTML for an
    /// auditor or SARIF for code scanning, and exit with its gate result.
    #[command(after_help = EXIT_CODES)]
    Report {
        /// The JSON report.
        #[arg(value_name = "REPORT.json")]
        report: PathBuf,
        /// Output format and destination, FORMAT[=PATH]; repeatable (see `check --help`).
        #[arg(
            short,
            long = "output",
            value_name = "FORMAT[=PATH]",
            default_value = "table"
        )]
        outputs: Vec<OutputSpec>,
        /// Lowest severity that fails the run (as for `check`).
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
        /// When to colour the table.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
    /// Waivers files: `waivers init REPORT.json` writes one for a report's failures.
    Waivers {
        #[command(subcommand)]
        command: WaiversCommand,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print fabcheck's man page (roff), e.g. `fabcheck man > /usr/local/share/man/man1/fabcheck.1`.
    Man,
    /// The in-cluster probe's entry point (run by the probe Job of `check --probe in-cluster`).
    #[command(hide = true)]
    ProbeInCluster(ProbeInClusterArgs),
    /// Serves a node's Docker socket on a TCP address (the relay pod through which the
    /// in-cluster probe reaches a peer's node daemon).
    #[command(hide = true)]
    RelayDockerSocket(RelayDockerSocketArgs),
}

#[derive(Debug, Clone, Args)]
pub struct RelayDockerSocketArgs {
    /// The Docker socket to serve (the node's, mounted into the pod).
    #[arg(long, value_name = "PATH")]
    pub socket: PathBuf,
    /// Where to serve it: the pod's loopback, reached by port-forward only.
    #[arg(long, value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
}

#[derive(Debug, Clone, Args)]
pub struct ProbeInClusterArgs {
    /// Namespace of the probe's ConfigMaps (default: the pod's own, from its service account).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// ConfigMap holding the targets (key `targets.json`).
    #[arg(long, value_name = "NAME")]
    pub targets_configmap: String,
    /// ConfigMap to write the findings into (key `findings.json`).
    #[arg(long, value_name = "NAME", required_unless_present = "dns")]
    pub result_configmap: Option<String>,
    /// Look the chaincode names of the targets up from this node, with the resolver each
    /// chaincode runtime would get here, and write the report into a ConfigMap named after
    /// the pod (a DaemonSet's pods run this).
    #[arg(long)]
    pub dns: bool,
}

/// Which network: the reference network, or a spec file.
#[derive(Debug, Clone, Args)]
pub struct SpecArgs {
    /// Network spec (YAML, see README "Network spec"); default: the reference network.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct RenderNetworkArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Folder to write manifests/, crypto-config/, configtx.yaml and cluster/ into.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Cluster DNS Service IP the chaincode resolvers point at (default: the spec's, else
    /// 10.96.0.10, kubeadm's).
    #[arg(long, value_name = "IP")]
    pub cluster_dns: Option<std::net::IpAddr>,
}

/// How to reach the cluster, as kubectl does.
#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    /// Kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then the in-cluster service
    /// account.
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context; default: the current context.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Bound on each Kubernetes API request.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub request_timeout: DurationArg,
}

#[derive(Debug, Clone, Args)]
pub struct DeployArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Upper bound on the whole deploy, waits included, e.g. 10m.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub timeout: DurationArg,
    /// Apply every phase without waiting for workloads to become ready.
    #[arg(long)]
    pub no_wait: bool,
    /// Progress display on stderr: bars on a terminal, lines otherwise (auto), or none.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    pub progress: ProgressArg,
    /// How many objects to apply at once.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    Auto,
    Lines,
    Quiet,
}

#[derive(Debug, Clone, Args)]
pub struct TeardownArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Upper bound on deleting and waiting until the namespaces are gone.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub timeout: DurationArg,
}

#[derive(Debug, Args)]
pub struct DeployAndVerifyArgs {
    #[command(flatten)]
    pub deploy: DeployArgs,
    /// When to tear the network down afterwards.
    #[arg(long, value_enum, default_value_t = TeardownPolicy::Always)]
    pub teardown: TeardownPolicy,
    /// Where the live probes run from: the runner (`outside`), a Job and DaemonSet in the
    /// cluster as `check --probe in-cluster` runs them (`in-cluster`), or inside only when the
    /// runner cannot reach the network's Services (`auto`).
    #[arg(long, value_enum, value_name = "WHERE", default_value_t = config::ProbeFrom::Auto)]
    pub probe: config::ProbeFrom,
    /// fabcheck's own image, for the in-cluster probe (see the Dockerfile).
    #[arg(long, value_name = "IMAGE", default_value = crate::incluster::DEFAULT_IMAGE)]
    pub probe_image: String,
    /// Namespace the in-cluster probe runs in (created objects are removed afterwards).
    #[arg(long, value_name = "NS", default_value = "fabcheck-system")]
    pub probe_namespace: String,
    /// Do not start a probe container on each Docker-launching peer's own daemon (its dind
    /// sidecar, or its node's socket through a relay pod, reached by port-forward); the node DNS
    /// DaemonSet still looks the chaincode names up.
    #[arg(long)]
    pub no_peer_daemons: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Subcommand)]
pub enum RenderCommand {
    /// DaemonSets that look names up on every node the way chaincode would: one with the
    /// Docker daemon's resolver (docker-launched chaincode), one with the chaincode pods' own.
    /// Their logs feed `fabcheck check --dns-probe-log`.
    DnsProbe(DnsProbeArgs),
    /// A CronJob that runs `check --cluster` on a schedule with the read-only RBAC, and sends
    /// its metrics to a Pushgateway or to node-exporter's textfile collector.
    Monitor(MonitorArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("sink").required(true).args(["pushgateway", "textfile"])))]
pub struct MonitorArgs {
    /// Namespace of the CronJob, its ServiceAccount and (with --probe-in-cluster) the probe.
    #[arg(long, value_name = "NS")]
    pub namespace: String,
    /// When to run, in cron syntax.
    #[arg(long, value_name = "CRON", default_value = "*/30 * * * *")]
    pub schedule: String,
    /// fabcheck's image.
    #[arg(long, value_name = "IMAGE", default_value = crate::incluster::DEFAULT_IMAGE)]
    pub image: String,
    /// Push the metrics to this Pushgateway (http://HOST:PORT); fabcheck PUTs them itself.
    #[arg(long, value_name = "URL")]
    pub pushgateway: Option<String>,
    /// Write the metrics to DIR/fabcheck.prom on the node (a hostPath), for node-exporter's
    /// textfile collector; written beside and renamed, so never read half-done.
    #[arg(long, value_name = "DIR")]
    pub textfile: Option<String>,
    /// Also probe the network's live endpoints from inside the cluster (the in-cluster probe,
    /// with its RBAC).
    #[arg(long)]
    pub probe_in_cluster: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DnsProbeArgs {
    /// Namespace the probes run in: the chaincode pods' (ClusterFirst searches it first).
    #[arg(long, value_name = "NS")]
    pub namespace: String,
    /// Artifacts to take the names and the Docker/peer DNS settings from.
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,
    /// A name to look up (repeatable), in addition to those the artifacts give.
    #[arg(long = "name", value_name = "NAME")]
    pub names: Vec<String>,
    /// Image with /bin/sh and glibc's getent.
    #[arg(long, value_name = "IMAGE", default_value = crate::probe::dns_pod::DEFAULT_IMAGE)]
    pub image: String,
    /// Render only the chaincode-pod probe (no docker-launched chaincode on this cluster).
    #[arg(long)]
    pub no_docker: bool,
}

#[derive(Debug, Subcommand)]
pub enum WaiversCommand {
    /// Write a waivers file with one entry per failing, warning or erroring finding of a JSON
    /// report (`check -o json=FILE`). Every entry's reason and expiry are placeholders that
    /// `--waivers` refuses until someone fills them in.
    Init {
        /// The JSON report.
        #[arg(value_name = "REPORT.json")]
        report: PathBuf,
        /// Where to write the waivers (default: stdout). An existing file is not overwritten.
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChecksCommand {
    /// Print every check with its id, severity and title.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Folder (or single file) of artifacts: crypto-config trees, MSP folders, PEM/DER files,
    /// Kubernetes manifests, docker-compose files, Helm charts, configtx.yaml.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["cluster", "kubeconfig", "context"])]
    pub artifacts: Option<PathBuf>,

    /// ZooKeeper servers to ask (four-letter words), comma-separated host:port.
    #[arg(long, value_delimiter = ',', value_name = "HOST:PORT,...")]
    pub zookeeper: Vec<String>,

    /// Kafka bootstrap brokers to ask (Kafka wire protocol), comma-separated host:port.
    #[arg(long, value_delimiter = ',', value_name = "HOST:PORT,...")]
    pub kafka: Vec<String>,

    /// YAML file of peer and orderer endpoints to dial over TLS (see README).
    #[arg(long, value_name = "FILE")]
    pub endpoints: Option<PathBuf>,

    /// A peer or orderer to dial: NAME=HOST:PORT[,ca=FILE][,sni=NAME][,role=peer|orderer]
    /// [,cert=FILE,key=FILE][,clientauth=true|false][,ops=[http[s]://]HOST:PORT]
    /// [,opsclientauth=true|false][,admin=HOST:PORT][,servercert=FILE]; repeatable. `ops` is the node's
    /// operations endpoint; `admin` an orderer's admin endpoint (channel participation API).
    #[arg(long = "endpoint", value_name = "SPEC")]
    pub endpoint_flags: Vec<String>,

    /// Dial TLS endpoints without verifying their certificates (to inspect a server whose CA is
    /// unknown); every TLS finding then says verification was off.
    #[arg(long)]
    pub insecure: bool,

    /// Also dial the peers and orderers the artifacts describe: connection profiles, and
    /// docker-compose services that publish their gRPC port on this host.
    #[arg(long, requires = "artifacts")]
    pub dial: bool,

    /// How many TLS endpoints to dial at once (and, up to 64, DNS names to resolve at once).
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub concurrency: usize,

    /// Upper bound on the whole live phase (all probes together), e.g. 30s, 2m.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: DurationArg,

    /// TCP connect timeout for each live probe.
    #[arg(long, value_name = "DURATION", default_value = "3s")]
    pub connect_timeout: DurationArg,

    /// Timeout for each request/response exchange of a live probe.
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub read_timeout: DurationArg,

    /// MSP folder of a Fabric identity (signcerts/*.pem, keystore/ with its P-256 key) that
    /// signs Deliver requests: fetch each channel's newest config block from the orderers
    /// among the endpoints, as `peer channel fetch config` does. The key stays in memory.
    #[arg(long, value_name = "MSPDIR", requires = "msp_id")]
    pub identity: Option<PathBuf>,

    /// The MSP id of --identity (`OrdererMSP`, `Org1MSP`).
    #[arg(long, value_name = "ID", requires = "identity")]
    pub msp_id: Option<String>,

    /// A channel whose config block to fetch with --identity; repeatable. Without it, each
    /// orderer's channels are listed from its channel participation API (admin= on the
    /// endpoint, Fabric 2.3+).
    #[arg(long = "channel", value_name = "NAME", requires = "identity")]
    pub channels: Vec<String>,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Resolve the chaincode names from here against this DNS server, IP[:PORT], with each
    /// chaincode resolver's search list, ndots, timeout and attempts; repeatable.
    #[arg(long = "dns-server", value_name = "IP[:PORT]")]
    pub dns_servers: Vec<String>,

    /// Docker endpoint (unix:///var/run/docker.sock, tcp://HOST:PORT) on which to launch a probe
    /// container the way each peer launches chaincode, and resolve its names inside it.
    #[arg(long, value_name = "ENDPOINT")]
    pub docker: Option<String>,

    /// Image for the --docker probe container, for every peer: must be on the daemon (nothing is
    /// pulled). Default: each peer's chaincode runtime image (its CORE_CHAINCODE_GOLANG_RUNTIME,
    /// else Fabric's default for its version: fabric-baseos:0.4.22 for 1.4, fabric-baseos:X.Y
    /// from 2.0), hyperledger/fabric-baseos:latest when the version is unknown.
    #[arg(long, value_name = "IMAGE")]
    pub docker_image: Option<String>,

    /// The stub resolver chaincode resolves with, instead of the one its runtime implies (Go
    /// chaincode: go; Node.js/Java on Fabric 2.x's Alpine images: musl; on Fabric 1.4: glibc).
    #[arg(long, value_name = "RESOLVER", value_parser = ["go", "musl", "glibc"])]
    pub chaincode_resolver: Option<String>,

    /// Log of a `fabcheck render dns-probe` pod (kubectl logs); repeatable.
    #[arg(long = "dns-probe-log", value_name = "FILE")]
    pub dns_probe_logs: Vec<PathBuf>,

    /// The cluster DNS Service IP, when the artifacts do not include the kube-dns Service.
    #[arg(long, value_name = "IP")]
    pub cluster_dns: Option<std::net::IpAddr>,

    /// The cluster domain (default cluster.local, or what the artifacts say).
    #[arg(long, value_name = "DOMAIN")]
    pub cluster_domain: Option<String>,

    /// Check the live cluster of the current kubeconfig context ($KUBECONFIG, ~/.kube/config,
    /// else the in-cluster service account); implied by --kubeconfig and --context.
    #[arg(long)]
    pub cluster: bool,

    /// Kubeconfig of the cluster to check (implies --cluster).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context (implies --cluster).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Only these namespaces of the cluster (repeatable); default: all.
    #[arg(long = "namespace", value_name = "NS")]
    pub namespaces: Vec<String>,

    /// Bound on each Kubernetes API request.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub request_timeout: DurationArg,

    /// Run the live probes from inside the cluster (`in-cluster`): a Job running fabcheck's image
    /// probes the discovered Services and hands its findings back through a ConfigMap.
    #[arg(long, value_enum, value_name = "WHERE")]
    pub probe: Option<ProbeWhere>,

    /// fabcheck's own image, for --probe in-cluster (see the Dockerfile).
    #[arg(long, value_name = "IMAGE", default_value = crate::incluster::DEFAULT_IMAGE)]
    pub probe_image: String,

    /// Namespace the in-cluster probe runs in (created objects are removed afterwards).
    #[arg(long, value_name = "NS", default_value = "fabcheck-system")]
    pub probe_namespace: String,

    /// Do not start a probe container on each Docker-launching peer's own daemon (its dind
    /// sidecar, or its node's socket through a relay pod, reached by port-forward); the node DNS
    /// DaemonSet still looks the chaincode names up.
    #[arg(long)]
    pub no_peer_daemons: bool,

    /// Diagnose Fabric failure signatures in logs: the cluster's pod logs (with no value, with
    /// --cluster), or a folder of saved logs (`kubectl logs` output, *.log / *.txt).
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "")]
    pub logs: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeWhere {
    /// From inside the cluster, as a Job.
    InCluster,
}

/// How findings are evaluated and reported: shared by `check` and `deploy-and-verify`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Evaluate as of this instant (RFC 3339), instead of now.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,

    /// Lowest severity that fails the run: `error` gates on failed error-severity checks and
    /// on checks that could not evaluate; `warning` gates on warnings too.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Output format and destination, FORMAT[=PATH] (table, json, junit, html, sarif, markdown,
    /// prometheus); repeatable.
    /// Without PATH (or with -) the output goes to stdout.
    #[arg(
        short,
        long = "output",
        value_name = "FORMAT[=PATH]",
        default_value = "table"
    )]
    pub outputs: Vec<OutputSpec>,

    /// Warn about certificates that expire within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub expiry_warning_days: u32,

    /// Tolerated clock difference when judging validity windows, e.g. 90s, 5m, 1h.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub clock_skew: DurationArg,

    /// Only run checks whose id starts with one of these (comma-separated), e.g. X509,KAFKA-001.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Vec<String>,

    /// Skip checks whose id starts with one of these (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub ignore: Vec<String>,

    /// YAML file of waivers (id, target, reason, expires); waived findings do not gate.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,

    /// A previous JSON report (`-o json=FILE`): findings it already had are reported as known
    /// and do not fail the run; new ones do. For adopting fabcheck on an existing network.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,

    /// Families (X509, KAFKA, ZK, TLS, DNS, HEALTH, LOG) or check ids that must run, not merely not
    /// fail (comma-separated, repeatable): one that only skipped or errored fails the run
    /// (exit 1), saying why. `none` requires nothing. Default: nothing for `check`; every
    /// family but LOG for `deploy-and-verify`.
    #[arg(long, value_delimiter = ',', value_name = "FAMILY|ID,...")]
    pub require: Vec<String>,

    /// When to colour the table.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

impl ReportArgs {
    /// Validates the report settings; `default_required` gives what the command requires when
    /// `--require` is not given.
    pub fn validate(
        self,
        default_required: fn(&Selection) -> Vec<Selector>,
    ) -> Result<ReportConfig, ConfigError> {
        let at = self
            .at
            .map(|v| {
                OffsetDateTime::parse(&v, &Rfc3339).map_err(|e| ConfigError::BadInstant {
                    value: v.clone(),
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        let stdout_outputs = self.outputs.iter().filter(|o| o.path.is_none()).count();
        if stdout_outputs > 1 {
            return Err(ConfigError::Outputs(
                "more than one output format writes to stdout; give the others a path (FORMAT=PATH)"
                    .into(),
            ));
        }
        let selection = Selection {
            select: self.select,
            ignore: self.ignore,
        };
        let required_by_default = self.require.is_empty();
        let required = if required_by_default {
            default_required(&selection)
        } else {
            gate::parse_selectors(&self.require, Catalogue::embedded())?
        };
        Ok(ReportConfig {
            required_by_default,
            at,
            threshold: match self.fail_on {
                FailOn::Error => Severity::Error,
                FailOn::Warning => Severity::Warning,
            },
            outputs: self.outputs,
            policy: Policy {
                expiry_warning: time::Duration::days(self.expiry_warning_days.into()),
                clock_skew: self.clock_skew.0,
            },
            selection,
            waivers: self.waivers,
            baseline: self.baseline,
            color: self.color,
            required,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

/// A duration such as `90s`, `5m`, `2h`, `1d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationArg(pub time::Duration);

impl FromStr for DurationArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(split);
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("'{s}' is not a duration like 90s, 5m or 1h"))?;
        let d = match unit {
            "" | "s" => time::Duration::seconds(n),
            "m" => time::Duration::minutes(n),
            "h" => time::Duration::hours(n),
            "d" => time::Duration::days(n),
            _ => {
                return Err(format!(
                    "'{s}' has unknown unit '{unit}' (use s, m, h or d)"
                ));
            }
        };
        Ok(DurationArg(d))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "failed to parse --at '{value}': {reason} (expected RFC 3339, e.g. 2026-01-01T00:00:00Z)"
    )]
    BadInstant { value: String, reason: String },
    #[error("failed to use --output: {0}")]
    Outputs(String),
    #[error(
        "failed to start a check: nothing to check (give --artifacts, --cluster/--kubeconfig, --logs DIR, --zookeeper, --kafka, --endpoints, --endpoint or --dns-probe-log)"
    )]
    NoSource,
    #[error("failed to use {flag}: {reason}")]
    BadEndpoint { flag: &'static str, reason: String },
    #[error("failed to use {flag}: it resolves the names the artifacts give; add --artifacts DIR")]
    NeedsArtifacts { flag: &'static str },
    #[error("failed to render: give --out DIR (or a subcommand such as dns-probe)")]
    NoOut,
    #[error(
        "failed to use {flag}: it needs a cluster to check (--cluster, --kubeconfig or --context)"
    )]
    NeedsCluster { flag: &'static str },
    #[error("failed to use {flag}: the duration must be positive")]
    ZeroDuration { flag: &'static str },
    #[error(transparent)]
    Require(#[from] gate::SelectorError),
    #[error("failed to render the monitor: {0}")]
    Monitor(String),
}

impl MonitorArgs {
    fn validate(self) -> Result<crate::commands::render::MonitorConfig, ConfigError> {
        use crate::commands::render::{MetricsSink, MonitorConfig};
        let label = |s: &str| {
            !s.is_empty()
                && s.len() <= 63
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !s.starts_with('-')
                && !s.ends_with('-')
        };
        if !label(&self.namespace) {
            return Err(ConfigError::Monitor(format!(
                "--namespace '{}' is not a Kubernetes namespace name (lowercase letters, digits, '-')",
                self.namespace
            )));
        }
        let fields = self.schedule.split_whitespace().count();
        if fields != 5 && !self.schedule.starts_with('@') {
            return Err(ConfigError::Monitor(format!(
                "--schedule '{}' has {fields} fields; cron has 5 (minute hour day month weekday) or @hourly-style",
                self.schedule
            )));
        }
        let sink = match (self.pushgateway, self.textfile) {
            (Some(url), None) if url.starts_with("http://") => MetricsSink::Pushgateway(url),
            (Some(url), None) => {
                return Err(ConfigError::Monitor(format!(
                    "--pushgateway '{url}' must be an http:// URL (fabcheck pushes plain HTTP)"
                )));
            }
            (None, Some(dir)) if dir.starts_with('/') => MetricsSink::Textfile(dir),
            (None, Some(dir)) => {
                return Err(ConfigError::Monitor(format!(
                    "--textfile '{dir}' must be an absolute path on the node"
                )));
            }
            _ => {
                return Err(ConfigError::Monitor(
                    "give exactly one of --pushgateway and --textfile".into(),
                ));
            }
        };
        Ok(MonitorConfig {
            namespace: self.namespace,
            schedule: self.schedule,
            image: self.image,
            sink,
            probe_in_cluster: self.probe_in_cluster,
        })
    }
}

impl Cli {
    pub fn into_config(self) -> Result<Config, ConfigError> {
        match self.command {
            Command::Checks {
                command: ChecksCommand::List { format },
            } => Ok(Config::ListChecks(format)),
            Command::Explain { id } => Ok(Config::Explain(id)),
            Command::Report {
                report,
                outputs,
                fail_on,
                color,
            } => {
                if outputs.iter().filter(|o| o.path.is_none()).count() > 1 {
                    return Err(ConfigError::Outputs(
                        "more than one output format writes to stdout; give the others a path \
                         (FORMAT=PATH)"
                            .into(),
                    ));
                }
                Ok(Config::Rerender {
                    report,
                    config: Box::new(CheckConfig {
                        outputs,
                        threshold: match fail_on {
                            FailOn::Error => Severity::Error,
                            FailOn::Warning => Severity::Warning,
                        },
                        color,
                        ..CheckConfig::nothing()
                    }),
                })
            }
            Command::Waivers {
                command: WaiversCommand::Init { report, out },
            } => Ok(Config::WaiversInit { report, out }),
            Command::Completions { shell } => Ok(Config::Completions {
                shell,
                command: Box::new(<Cli as clap::CommandFactory>::command()),
            }),
            Command::Man => Ok(Config::Man(Box::new(
                <Cli as clap::CommandFactory>::command(),
            ))),
            Command::Inspect { files, format } => Ok(Config::Inspect { files, format }),
            Command::Render {
                command: Some(RenderCommand::DnsProbe(args)),
                ..
            } => Ok(Config::RenderDnsProbe(DnsProbeConfig {
                namespace: args.namespace,
                artifacts: args.artifacts,
                names: args.names,
                image: args.image,
                no_docker: args.no_docker,
            })),
            Command::Render {
                command: Some(RenderCommand::Monitor(args)),
                ..
            } => Ok(Config::RenderMonitor(args.validate()?)),
            Command::Render {
                command: None,
                network,
            } => Ok(Config::RenderNetwork(RenderNetworkConfig {
                spec: network.spec.spec,
                out: network.out.ok_or(ConfigError::NoOut)?,
                cluster_dns: network.cluster_dns,
            })),
            Command::Deploy(args) => Ok(Config::Deploy(args.validate()?)),
            Command::Teardown(args) => Ok(Config::Teardown(TeardownConfig {
                spec: args.spec.spec,
                cluster: args.cluster.validate()?,
                timeout: positive("--timeout", args.timeout)?,
            })),
            Command::RelayDockerSocket(args) => Ok(Config::RelayDockerSocket {
                socket: args.socket,
                listen: args.listen,
            }),
            Command::ProbeInCluster(args) => Ok(Config::ProbeInCluster(PodArgs {
                namespace: args.namespace,
                targets_configmap: args.targets_configmap,
                result_configmap: args.result_configmap,
                dns: args.dns,
            })),
            Command::DeployAndVerify(args) => {
                let args = *args;
                Ok(Config::DeployAndVerify(Box::new(DeployAndVerifyConfig {
                    deploy: args.deploy.validate()?,
                    teardown: args.teardown,
                    report: args.report.validate(config::deploy_and_verify_required)?,
                    probe: args.probe,
                    probe_in_cluster: InClusterProbe {
                        image: args.probe_image,
                        namespace: args.probe_namespace,
                        peer_daemons: !args.no_peer_daemons,
                    },
                })))
            }
            Command::Check(args) => {
                let cluster = (args.cluster || args.kubeconfig.is_some() || args.context.is_some())
                    .then(|| -> Result<ClusterCheck, ConfigError> {
                        Ok(ClusterCheck {
                            options: crate::kube::ClusterOptions {
                                kubeconfig: args.kubeconfig.clone(),
                                context: args.context.clone(),
                                request_timeout: positive(
                                    "--request-timeout",
                                    args.request_timeout,
                                )?,
                            },
                            namespaces: args.namespaces.clone(),
                            probe_in_cluster: args.probe.map(|_| InClusterProbe {
                                image: args.probe_image.clone(),
                                namespace: args.probe_namespace.clone(),
                                peer_daemons: !args.no_peer_daemons,
                            }),
                        })
                    })
                    .transpose()?;
                if cluster.is_none() && (args.probe.is_some() || !args.namespaces.is_empty()) {
                    return Err(ConfigError::NeedsCluster {
                        flag: if args.probe.is_some() {
                            "--probe"
                        } else {
                            "--namespace"
                        },
                    });
                }
                let logs = match args.logs.as_deref() {
                    None => None,
                    Some("") if cluster.is_some() => Some(LogsSource::Cluster),
                    Some("") => {
                        return Err(ConfigError::NeedsCluster {
                            flag: "--logs without DIR",
                        });
                    }
                    Some(dir) => Some(LogsSource::Dir(PathBuf::from(dir))),
                };
                if args.artifacts.is_none()
                    && cluster.is_none()
                    && logs.is_none()
                    && args.zookeeper.is_empty()
                    && args.kafka.is_empty()
                    && args.endpoints.is_none()
                    && args.endpoint_flags.is_empty()
                    && args.dns_probe_logs.is_empty()
                {
                    return Err(ConfigError::NoSource);
                }
                for (flag, list) in [("--zookeeper", &args.zookeeper), ("--kafka", &args.kafka)] {
                    for endpoint in list {
                        check_endpoint(flag, endpoint)?;
                    }
                }
                let dns_servers = args
                    .dns_servers
                    .iter()
                    .map(|s| {
                        crate::probe::dns::parse_server(s).map_err(|reason| {
                            ConfigError::BadEndpoint {
                                flag: "--dns-server",
                                reason,
                            }
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if (!dns_servers.is_empty() || args.docker.is_some()) && args.artifacts.is_none() {
                    return Err(ConfigError::NeedsArtifacts {
                        flag: if dns_servers.is_empty() {
                            "--docker"
                        } else {
                            "--dns-server"
                        },
                    });
                }
                let report = args.report.validate(config::check_required)?;
                Ok(Config::Check(Box::new(CheckConfig {
                    artifacts: args.artifacts,
                    endpoints_file: args.endpoints,
                    endpoint_flags: args.endpoint_flags,
                    insecure: args.insecure,
                    dial: args.dial,
                    concurrency: args.concurrency.max(1),
                    zookeeper: args.zookeeper,
                    kafka: args.kafka,
                    live_timeout: positive("--timeout", args.timeout)?,
                    probe_timeouts: crate::probe::Timeouts {
                        connect: positive("--connect-timeout", args.connect_timeout)?,
                        read: positive("--read-timeout", args.read_timeout)?,
                    },
                    at: report.at,
                    threshold: report.threshold,
                    outputs: report.outputs,
                    policy: report.policy,
                    selection: report.selection,
                    waivers: report.waivers,
                    baseline: report.baseline,
                    color: report.color,
                    required: report.required,
                    dns: DnsOptions {
                        servers: dns_servers,
                        docker: args.docker,
                        docker_image: args.docker_image,
                        probe_logs: args.dns_probe_logs,
                        cluster_dns: args.cluster_dns,
                        cluster_domain: args.cluster_domain,
                        chaincode_resolver: args
                            .chaincode_resolver
                            .as_deref()
                            .and_then(crate::inventory::dns::StubResolver::parse),
                    },
                    live_skip_reason: None,
                    deliver: match (args.identity, args.msp_id) {
                        (Some(identity), Some(msp_id)) => Some(DeliverConfig {
                            identity,
                            msp_id,
                            channels: args.channels,
                        }),
                        _ => None,
                    },
                    from_deploy: None,
                    cluster,
                    logs,
                    expected_heights: Default::default(),
                })))
            }
        }
    }
}

/// Accepts `host:port` with a numeric port (IPv6 hosts in brackets).
impl ClusterArgs {
    fn validate(self) -> Result<crate::kube::ClusterOptions, ConfigError> {
        Ok(crate::kube::ClusterOptions {
            kubeconfig: self.kubeconfig,
            context: self.context,
            request_timeout: positive("--request-timeout", self.request_timeout)?,
        })
    }
}

impl DeployArgs {
    fn validate(self) -> Result<DeployConfig, ConfigError> {
        Ok(DeployConfig {
            spec: self.spec.spec,
            cluster: self.cluster.validate()?,
            options: crate::deploy::DeployOptions {
                timeout: positive("--timeout", self.timeout)?,
                wait: !self.no_wait,
                concurrency: self.concurrency.clamp(1, 256),
            },
            progress: match self.progress {
                ProgressArg::Auto => crate::deploy::ProgressMode::Auto,
                ProgressArg::Lines => crate::deploy::ProgressMode::Lines,
                ProgressArg::Quiet => crate::deploy::ProgressMode::Quiet,
            },
        })
    }
}

fn check_endpoint(flag: &'static str, endpoint: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| ConfigError::BadEndpoint {
        flag,
        reason: format!("'{endpoint}' {why}"),
    };
    let (host, port) = endpoint
        .rsplit_once(':')
        .ok_or_else(|| bad("is not host:port"))?;
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    port.parse::<u16>().map_err(|_| bad("has no valid port"))?;
    Ok(())
}

fn positive(flag: &'static str, d: DurationArg) -> Result<std::time::Duration, ConfigError> {
    match u64::try_from(d.0.whole_milliseconds()) {
        Ok(ms) if ms > 0 => Ok(std::time::Duration::from_millis(ms)),
        _ => Err(ConfigError::ZeroDuration { flag }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::config::Format;

    #[test]
    fn output_specs() {
        assert_eq!(
            "table".parse::<OutputSpec>().unwrap(),
            OutputSpec {
                format: Format::Table,
                path: None
            }
        );
        assert_eq!(
            "junit=out/r.xml".parse::<OutputSpec>().unwrap(),
            OutputSpec {
                format: Format::Junit,
                path: Some("out/r.xml".into())
            }
        );
        assert_eq!("json=-".parse::<OutputSpec>().unwrap().path, None);
        assert!(
            "yaml"
                .parse::<OutputSpec>()
                .unwrap_err()
                .contains("unknown output format")
        );
        assert!("json=".parse::<OutputSpec>().is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(
            "90s".parse::<DurationArg>().unwrap().0,
            time::Duration::seconds(90)
        );
        assert_eq!(
            "5m".parse::<DurationArg>().unwrap().0,
            time::Duration::minutes(5)
        );
        assert_eq!("0".parse::<DurationArg>().unwrap().0, time::Duration::ZERO);
        assert!("5 weeks".parse::<DurationArg>().is_err());
        assert!("m".parse::<DurationArg>().is_err());
    }

    #[test]
    fn two_stdout_outputs_are_a_usage_error() {
        let cli = Cli::parse_from([
            "fabcheck",
            "check",
            "--artifacts",
            "x",
            "-o",
            "table",
            "-o",
            "json",
        ]);
        assert!(matches!(cli.into_config(), Err(ConfigError::Outputs(_))));
    }

    #[test]
    fn live_endpoints_are_validated() {
        let cli = Cli::parse_from(["fabcheck", "check", "--zookeeper", "127.0.0.1:2181,zk1"]);
        assert!(matches!(
            cli.into_config(),
            Err(ConfigError::BadEndpoint { .. })
        ));
        let cli = Cli::parse_from(["fabcheck", "check"]);
        assert!(matches!(cli.into_config(), Err(ConfigError::NoSource)));
        let cli = Cli::parse_from([
            "fabcheck",
            "check",
            "--kafka",
            "[::1]:9092",
            "--timeout",
            "0s",
        ]);
        assert!(matches!(
            cli.into_config(),
            Err(ConfigError::ZeroDuration { flag: "--timeout" })
        ));
        let cli = Cli::parse_from(["fabcheck", "check", "--kafka", "[::1]:9092,k1:9093"]);
        let Ok(Config::Check(c)) = cli.into_config() else {
            panic!("valid")
        };
        assert_eq!(c.kafka, vec!["[::1]:9092", "k1:9093"]);
    }

    #[test]
    fn bad_instant_is_a_usage_error() {
        let cli = Cli::parse_from(["fabcheck", "check", "--artifacts", "x", "--at", "yesterday"]);
        assert!(matches!(
            cli.into_config(),
            Err(ConfigError::BadInstant { .. })
        ));
    }

    fn required(args: &[&str]) -> Result<Vec<String>, ConfigError> {
        let cli = Cli::parse_from(args);
        let required = match cli.into_config()? {
            Config::Check(c) => c.required,
            Config::DeployAndVerify(c) => c.report.required,
            other => panic!("not a checking command: {other:?}"),
        };
        Ok(required.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn check_requires_nothing_by_default() {
        let base = ["fabcheck", "check", "--artifacts", "x"];
        assert!(required(&base).unwrap().is_empty());
        let given = [&base[..], &["--require", "tls,X509-003", "--require", "zk"]].concat();
        assert_eq!(required(&given).unwrap(), ["TLS", "X509-003", "ZK"]);
    }

    #[test]
    fn deploy_and_verify_requires_every_family_it_gathers_by_default() {
        let families: Vec<String> = Catalogue::embedded()
            .areas
            .iter()
            .map(|a| a.area.clone())
            .filter(|a| a != "LOG")
            .collect();
        assert_eq!(
            families,
            [
                "X509", "KAFKA", "ZK", "TLS", "DNS", "HEALTH", "DEPLOY", "CHANNEL", "RAFT"
            ]
        );
        let base = ["fabcheck", "deploy-and-verify"];
        assert_eq!(required(&base).unwrap(), families);
        // The suite it runs is the contract: a family the selection leaves out is not required.
        let narrowed = [&base[..], &["--select", "X509,TLS-001", "--ignore", "X509"]].concat();
        assert_eq!(required(&narrowed).unwrap(), ["TLS"]);
        // An explicit list, or none, overrides the default.
        let none = [&base[..], &["--require", "none"]].concat();
        assert!(required(&none).unwrap().is_empty());
        let narrower = [&base[..], &["--require", "X509,DNS"]].concat();
        assert_eq!(required(&narrower).unwrap(), ["X509", "DNS"]);
        let logs = [&base[..], &["--require", "LOG"]].concat();
        assert_eq!(required(&logs).unwrap(), ["LOG"]);
    }

    #[test]
    fn unknown_required_selectors_are_a_usage_error_naming_them() {
        let e = required(&[
            "fabcheck",
            "check",
            "--artifacts",
            "x",
            "--require",
            "TLS,BOGUS",
        ])
        .unwrap_err();
        assert!(matches!(e, ConfigError::Require(_)), "{e}");
        assert!(e.to_string().contains("'BOGUS'"), "{e}");
        let e = required(&["fabcheck", "deploy-and-verify", "--require", "none,X509"]).unwrap_err();
        assert!(
            e.to_string().contains("cannot be combined with X509"),
            "{e}"
        );
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
