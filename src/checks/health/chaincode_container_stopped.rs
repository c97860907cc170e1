//! HEALTH-005 `chaincode-container-stopped`: on a Docker-launching peer's own daemon (read
//! through the API, `incluster::daemon`), a chaincode container that does not run — the
//! chaincode's own outcome, where the peer's log only says "timeout expired while starting
//! chaincode".

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::{ChaincodeContainer, ChaincodeContainers};

pub struct ChaincodeContainerStopped;

/// What Fabric's Go shim logs when it cannot reach the peer (core/chaincode/shim/chaincode.go
/// `Start`), and what a failed lookup or dial adds; any of them points at the chaincode's
/// resolver or route to the peer, not at the chaincode's code.
const CANNOT_REACH_PEER: &[&str] = &[
    "error trying to connect to local peer",
    "no such host",
    "Name or service not known",
    "connection refused",
    "context deadline exceeded",
];

fn target(daemon: &ChaincodeContainers, name: Option<&str>) -> Target {
    Target::new(
        TargetKind::Object,
        match name {
            Some(n) => format!("chaincode container {n}"),
            None => format!("chaincode containers of {}", daemon.peer),
        },
    )
    .with_locator(Some(daemon.daemon.clone()))
}

fn judge(daemon: &ChaincodeContainers, c: &ChaincodeContainer) -> Outcome {
    let base = |status, message: String| {
        Outcome::new(status, target(daemon, Some(&c.name)), message)
            .with("peer", daemon.peer.clone())
            .with("image", c.image.clone())
            .with("state", c.state.clone())
            .with("status", c.status.clone())
            .with("log_tail", c.log_tail.clone())
    };
    if c.state == "running" {
        return base(
            Status::Pass,
            format!("{} runs on {}'s daemon ({})", c.name, daemon.peer, c.status),
        );
    }
    let last = c
        .log_tail
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map_or_else(
            || "it logged nothing".to_owned(),
            |l| format!("its last log line: {l}"),
        );
    let cause = if c
        .log_tail
        .iter()
        .any(|l| CANNOT_REACH_PEER.iter().any(|s| l.contains(s)))
    {
        " — the chaincode could not reach its peer: the address it dials does not resolve or connect from the chaincode container (see DNS-008)"
    } else {
        ""
    };
    let mut o = base(
        Status::Fail,
        format!(
            "{} on {}'s daemon is {} ({}); {last}{cause}",
            c.name,
            daemon.peer,
            if c.state.is_empty() {
                "not running"
            } else {
                &c.state
            },
            c.status
        ),
    );
    if let Some(code) = c.exit_code {
        o = o.with("exit_code", code);
    }
    o
}

impl Check for ChaincodeContainerStopped {
    fn id(&self) -> &'static str {
        "HEALTH-005"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        if inv.live.chaincode_containers.is_empty() {
            return nothing_to_check(
                inv,
                "peer Docker daemons read through the API (check --cluster --probe in-cluster, deploy-and-verify)",
            );
        }
        let mut out = Vec::new();
        for daemon in &inv.live.chaincode_containers {
            match &daemon.containers {
                Err(reason) => out.push(Outcome::new(
                    Status::Error,
                    target(daemon, None),
                    format!("could not list the chaincode containers of {}: {reason}", daemon.peer),
                )),
                Ok(list) if list.is_empty() => out.push(Outcome::new(
                    Status::Skip,
                    target(daemon, None),
                    format!(
                        "no chaincode container named {}* on {}'s daemon: the peer has not started chaincode (it does on the first transaction it endorses for one)",
                        daemon.prefix, daemon.peer
                    ),
                )),
                Ok(list) => out.extend(list.iter().map(|c| judge(daemon, c))),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;

    fn daemon(containers: Result<Vec<ChaincodeContainer>, String>) -> ChaincodeContainers {
        ChaincodeContainers {
            peer: "org1/peer0-0".into(),
            daemon: "tcp://127.0.0.1:2375 in pod org1/peer0-0".into(),
            prefix: "dev-peer0.org1-".into(),
            containers,
        }
    }

    fn container(state: &str, log: &[&str]) -> ChaincodeContainer {
        ChaincodeContainer {
            name: "dev-peer0.org1-mycc-1.0".into(),
            image: "dev-peer0.org1-mycc-1.0-4f3c".into(),
            state: state.into(),
            status: if state == "running" {
                "Up 5 minutes".into()
            } else {
                "Exited (0) 2 minutes ago".into()
            },
            exit_code: (state != "running").then_some(0),
            log_tail: log.iter().map(|l| (*l).to_owned()).collect(),
        }
    }

    fn run(daemons: Vec<ChaincodeContainers>) -> Vec<Outcome> {
        let mut inv = Inventory::default();
        inv.live.chaincode_containers = daemons;
        ChaincodeContainerStopped.evaluate(
            &Context::at(time::macros::datetime!(2026-01-01 0:00 UTC)),
            &inv,
        )
    }

    #[test]
    fn a_running_container_passes() {
        let out = run(vec![daemon(Ok(vec![container("running", &[])]))]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Pass, "{out:?}");
        assert!(out[0].message.contains("runs on org1/peer0-0's daemon"));
    }

    #[test]
    fn an_exited_container_fails_quoting_its_log_and_naming_the_peer_route() {
        // Fabric 1.4's example chaincode prints the shim's error and returns (exit 0).
        let out = run(vec![daemon(Ok(vec![container(
            "exited",
            &[
                "2026-12-04 ERRO [shim] error trying to connect to local peer: context deadline exceeded",
                "Error starting Simple chaincode: error trying to connect to local peer: context deadline exceeded",
            ],
        )]))]);
        assert_eq!(out[0].status, Status::Fail, "{out:?}");
        assert!(
            out[0].message.contains("is exited (Exited (0)"),
            "{}",
            out[0].message
        );
        assert!(out[0].message.contains("Error starting Simple chaincode"));
        assert!(out[0].message.contains("see DNS-008"));
    }

    #[test]
    fn a_crash_is_not_blamed_on_the_route() {
        let out = run(vec![daemon(Ok(vec![container(
            "exited",
            &["panic: runtime error: index out of range"],
        )]))]);
        assert_eq!(out[0].status, Status::Fail);
        assert!(!out[0].message.contains("DNS-008"), "{}", out[0].message);
    }

    #[test]
    fn no_container_skips_an_unreadable_daemon_errors_nothing_read_skips() {
        let out = run(vec![
            daemon(Ok(vec![])),
            daemon(Err("failed to reach the Docker daemon".into())),
        ]);
        assert_eq!(out[0].status, Status::Skip, "{out:?}");
        assert!(out[0].message.contains("dev-peer0.org1-*"));
        assert_eq!(out[1].status, Status::Error);
        assert!(out[1].message.contains("failed to reach the Docker daemon"));
        assert_eq!(run(vec![])[0].status, Status::Skip);
    }
}
