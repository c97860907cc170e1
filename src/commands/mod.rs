//! The commands, one module each, between the face (`cli.rs`, `main.rs`) and the domain:
//! `check` ([`check`], with a live cluster's side in [`cluster`]), `checks list`/`explain`
//! ([`catalogue`]), `render` ([`render`]), `waivers init` ([`waivers`]), `deploy`, `teardown` and `deploy-and-verify`
//! ([`deploy`]), and the in-cluster probe pod's entry ([`probe_pod`]). Each only orchestrates:
//! it turns a validated [`config::Config`] into calls on the domain and an exit code.

use std::io::Write;

pub mod catalogue;
pub mod check;
pub mod cluster;
pub mod config;
pub mod deploy;
pub mod inspect;
pub mod probe_pod;
pub mod render;
pub mod waivers;

pub use config::Config;

/// Why a run stopped before it could report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Unreachable(#[from] crate::inventory::artifacts::GatherError),
    #[error(transparent)]
    Waivers(#[from] crate::waiver::WaiverError),
    #[error(transparent)]
    Endpoints(#[from] crate::inventory::endpoints::EndpointsError),
    #[error(transparent)]
    Render(#[from] crate::probe::dns_pod::RenderError),
    #[error(transparent)]
    Deploy(#[from] crate::deploy::DeployError),
    #[error(transparent)]
    Cluster(#[from] crate::kube::ClusterError),
    #[error(transparent)]
    InCluster(#[from] crate::incluster::InClusterError),
    #[error("failed to load the signing identity {dir} (--identity): {reason}")]
    Identity { dir: String, reason: String },
    #[error("failed to read the baseline report {path}: {reason}")]
    Baseline { path: String, reason: String },
    #[error(transparent)]
    Push(#[from] crate::probe::push::PushError),
    #[error("failed to read the report {path}: {reason}")]
    Report { path: String, reason: String },
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
            RunError::Unreachable(_)
            | RunError::Cluster(_)
            | RunError::InCluster(_)
            | RunError::Push(_) => crate::exit::UNREACHABLE,
            RunError::Deploy(e) if e.is_usage() => crate::exit::USAGE,
            RunError::Deploy(_) => crate::exit::DEPLOY_FAILED,
            RunError::Waivers(_)
            | RunError::Endpoints(_)
            | RunError::UnknownCheck(_)
            | RunError::Identity { .. }
            | RunError::Baseline { .. }
            | RunError::Report { .. }
            | RunError::Render(_)
            | RunError::Output { .. } => crate::exit::USAGE,
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
            catalogue::list(format, stdout).map_err(stdout_err)?;
            Ok(crate::exit::SUCCESS)
        }
        Config::Inspect { files, format } => {
            inspect::run(&files, format, stdout).map_err(stdout_err)
        }
        Config::Explain(id) => {
            let entry = crate::catalogue::Catalogue::embedded()
                .get(&id)
                .ok_or(RunError::UnknownCheck(id))?;
            catalogue::explain(entry, stdout).map_err(stdout_err)?;
            Ok(crate::exit::SUCCESS)
        }
        Config::RenderDnsProbe(args) => {
            let (yaml, notes) = render::dns_probe(&args)?;
            for note in notes {
                eprintln!("fabcheck: note: {note}");
            }
            stdout.write_all(yaml.as_bytes()).map_err(stdout_err)?;
            Ok(crate::exit::SUCCESS)
        }
        Config::RenderMonitor(cfg) => {
            let yaml = render::monitor(&cfg)?;
            stdout.write_all(yaml.as_bytes()).map_err(stdout_err)?;
            Ok(crate::exit::SUCCESS)
        }
        Config::RenderNetwork(cfg) => deploy::render_network(&cfg, stdout),
        Config::Deploy(cfg) => deploy::deploy(&cfg, stdout),
        Config::Teardown(cfg) => deploy::teardown(&cfg, stdout),
        Config::DeployAndVerify(cfg) => deploy::deploy_and_verify(&cfg, stdout),
        Config::ProbeInCluster(args) => Ok(probe_pod::main(&args)?),
        Config::Rerender { report, config } => {
            let report = check::read_report(&report).map_err(|reason| RunError::Report {
                path: report.display().to_string(),
                reason,
            })?;
            check::write_outputs(&report, &config, stdout)?;
            Ok(if report.gates(config.threshold) {
                crate::exit::CHECK_FAILED
            } else {
                crate::exit::SUCCESS
            })
        }
        Config::WaiversInit { report, out } => waivers::init(&report, out.as_deref(), stdout),
        Config::Completions { shell, mut command } => {
            let mut buffer = Vec::new();
            clap_complete::generate(shell, &mut command, "fabcheck", &mut buffer);
            stdout.write_all(&buffer).map_err(stdout_err)?;
            Ok(crate::exit::SUCCESS)
        }
        Config::Man(command) => {
            clap_mangen::Man::new(*command)
                .render(stdout)
                .map_err(stdout_err)?;
            Ok(crate::exit::SUCCESS)
        }
        Config::RelayDockerSocket { socket, listen } => Ok(probe_pod::relay(&socket, listen)?),
        Config::Check(check) => {
            let (report, unreachable) = check::report_with_reach(&check)?;
            check::write_outputs(&report, &check, stdout)?;
            if unreachable {
                drop_in_background(report);
                return Ok(crate::exit::UNREACHABLE);
            }
            let code = if report.gates(check.threshold) {
                crate::exit::CHECK_FAILED
            } else {
                crate::exit::SUCCESS
            };
            drop_in_background(report);
            Ok(code)
        }
    }
}

/// Frees a large value on another thread. A 10,000-certificate inventory or report is
/// millions of small allocations; freeing them is pure overhead the user would wait for.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}
