//! The in-cluster probe pod's entry (`fabcheck probe-in-cluster`, run by the Job and the
//! DaemonSet `check --probe in-cluster` applies): the pod's work is the domain's
//! ([`crate::incluster::pod_main`]); each live run it asks for is a `check` of endpoints only.

use super::check;
use super::config::CheckConfig;
use crate::finding::Finding;
use crate::incluster::{InClusterError, LiveRun, PodArgs};

/// Runs the probe pod; returns its exit code.
pub fn main(args: &PodArgs) -> Result<i32, InClusterError> {
    crate::incluster::pod_main(args, &run_live)
}

/// Runs a relay pod: serves the node's Docker socket at `listen` until terminated.
pub fn relay(
    socket: &std::path::Path,
    listen: std::net::SocketAddr,
) -> Result<i32, InClusterError> {
    let runtime = crate::probe::runtime().map_err(|e| InClusterError::Failed {
        action: "start an async runtime".into(),
        message: e.to_string(),
    })?;
    runtime.block_on(crate::incluster::daemon::relay(socket, listen))?;
    Ok(crate::exit::SUCCESS)
}

/// Runs one live run the pod asks for, as a `check` of its endpoints.
pub fn run_live(live: &LiveRun) -> Result<Vec<Finding>, String> {
    check::report(&check_config(live))
        .map(|report| report.findings)
        .map_err(|e| e.to_string())
}

/// The `check` a live run is: endpoints only, no files, no waivers, no outputs.
fn check_config(live: &LiveRun) -> CheckConfig {
    CheckConfig {
        zookeeper: live.zookeeper.clone(),
        kafka: live.kafka.clone(),
        live_timeout: live.live_timeout,
        endpoints_file: live.endpoints_file.clone(),
        insecure: live.insecure,
        concurrency: 32,
        selection: crate::checks::Selection {
            select: live.select.clone(),
            ignore: Vec::new(),
        },
        expected_heights: live.expected_heights.clone(),
        ..CheckConfig::nothing()
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn a_live_run_checks_its_endpoints_only() {
        let cfg = check_config(&LiveRun {
            zookeeper: vec!["zk-0.zk:2181".into()],
            kafka: Vec::new(),
            endpoints_file: Some(PathBuf::from("/tmp/e.yaml")),
            insecure: true,
            select: vec!["TLS-".into()],
            live_timeout: std::time::Duration::from_secs(5),
            expected_heights: Default::default(),
        });
        assert!(cfg.artifacts.is_none() && cfg.cluster.is_none() && cfg.waivers.is_none());
        assert!(cfg.insecure);
        assert_eq!(cfg.selection.select, ["TLS-"]);
        assert!(
            cfg.outputs.is_empty(),
            "the pod writes findings, not reports"
        );
    }
}
