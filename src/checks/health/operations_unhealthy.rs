//! HEALTH-002 `operations-unhealthy`: the operations endpoint's `/healthz` does not answer
//! 200 `{"status":"OK"}`. A 503 names every failing component (fabric-lib-go
//! `healthz.HealthHandler`: `{"status":"Service Unavailable","time":…,"failed_checks":
//! [{"component":…,"reason":…}]}`); a 408 means the node's checkers did not finish within the
//! handler's 30-second timeout.

use serde::Deserialize;

use super::{excerpt, per_operations};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::OperationsObservation;

pub struct OperationsUnhealthy;

impl Check for OperationsUnhealthy {
    fn id(&self) -> &'static str {
        "HEALTH-002"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_operations(inv, judge)
    }
}

/// fabric-lib-go's `healthz.HealthStatus`.
#[derive(Debug, Deserialize)]
struct HealthStatus {
    status: String,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    failed_checks: Vec<FailedCheck>,
}

#[derive(Debug, Deserialize)]
struct FailedCheck {
    #[serde(default)]
    component: String,
    #[serde(default)]
    reason: String,
}

fn judge(o: &OperationsObservation) -> Outcome {
    let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
    let answer = match &o.healthz {
        Ok(a) => a,
        Err(e) => {
            return Outcome::new(
                Status::Error,
                target,
                format!("{}: /healthz could not be asked: {e}", o.name),
            );
        }
    };
    let parsed: Option<HealthStatus> = serde_json::from_str(&answer.body).ok();
    let out = match (answer.status, &parsed) {
        (200, Some(h)) if h.status == "OK" => Outcome::new(
            Status::Pass,
            target,
            format!("{}: /healthz answered 200 {{\"status\":\"OK\"}}", o.name),
        ),
        (503, Some(h)) if !h.failed_checks.is_empty() => {
            let named: Vec<String> = h
                .failed_checks
                .iter()
                .map(|c| format!("{}: {}", c.component, c.reason))
                .collect();
            let components: Vec<String> = h
                .failed_checks
                .iter()
                .map(|c| c.component.clone())
                .collect();
            Outcome::new(
                Status::Fail,
                target,
                format!(
                    "{}: /healthz answered 503 {:?}; failing: {}",
                    o.name,
                    h.status,
                    named.join("; ")
                ),
            )
            .with("failed_components", components)
            .with("failed_checks", named)
        }
        (503, _) => Outcome::new(
            Status::Fail,
            target,
            format!(
                "{}: /healthz answered 503 without naming a failed check: {}",
                o.name,
                excerpt(&answer.body)
            ),
        ),
        (408, _) => Outcome::new(
            Status::Fail,
            target,
            format!(
                "{}: /healthz answered 408: the node's health checkers did not finish within its timeout (30 s in fabric-lib-go)",
                o.name
            ),
        ),
        (200, _) => Outcome::new(
            Status::Error,
            target,
            format!(
                "{}: /healthz answered 200 but not with Fabric's health status ({{\"status\":\"OK\",…}}): {}",
                o.name,
                excerpt(&answer.body)
            ),
        ),
        (404, _) => Outcome::new(
            Status::Error,
            target,
            format!(
                "{}: /healthz answered 404: this is not a Fabric operations endpoint (peer default 9443, orderer 8443)",
                o.name
            ),
        ),
        (status, _) => Outcome::new(
            Status::Error,
            target,
            format!(
                "{}: /healthz answered HTTP {status}: {}",
                o.name,
                excerpt(&answer.body)
            ),
        ),
    };
    let out = out.with("http_status", answer.status);
    match parsed.and_then(|h| h.time) {
        Some(t) => out.with("reported_at", t),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::live::NodeRole;

    const OK: &str = r#"{"status":"OK","time":"2026-12-04T14:00:00.000000001Z"}"#;
    const DOWN: &str = r#"{"status":"Service Unavailable","time":"2026-12-04T14:00:00Z","failed_checks":[{"component":"couchdb","reason":"failed to connect to couch db [Head \"http://couchdb0:5984\": dial tcp: lookup couchdb0: no such host]"},{"component":"docker","reason":"failed to ping docker daemon"}]}"#;

    fn run(healthz: Result<crate::inventory::live::HttpAnswer, String>) -> Outcome {
        let mut out = OperationsUnhealthy.evaluate(
            &ctx(),
            &inventory(
                vec![],
                vec![ops("peer0.org1", NodeRole::Peer, healthz, metrics(&[]))],
            ),
        );
        assert_eq!(out.len(), 1);
        out.remove(0)
    }

    #[test]
    fn ok_passes_and_each_failing_component_is_named() {
        let pass = run(ok(200, OK));
        assert_eq!(pass.status, Status::Pass);
        assert_eq!(pass.target.name, "peer0.org1:9443");
        assert_eq!(pass.evidence["operations"], "https://peer0.org1:9443");
        let fail = run(ok(503, DOWN));
        assert_eq!(fail.status, Status::Fail);
        assert!(
            fail.message
                .contains("couchdb: failed to connect to couch db"),
            "{}",
            fail.message
        );
        assert!(
            fail.message
                .contains("docker: failed to ping docker daemon"),
            "{}",
            fail.message
        );
        assert_eq!(
            fail.evidence["failed_components"],
            serde_json::json!(["couchdb", "docker"])
        );
    }

    #[test]
    fn other_answers_are_failures_or_errors_never_passes() {
        assert_eq!(run(ok(503, "oops")).status, Status::Fail);
        assert_eq!(run(ok(408, "")).status, Status::Fail);
        assert_eq!(run(ok(200, "<html>hello</html>")).status, Status::Error);
        assert_eq!(
            run(ok(200, r#"{"status":"Service Unavailable"}"#)).status,
            Status::Error
        );
        assert_eq!(run(ok(404, "404 page not found")).status, Status::Error);
        let unreachable = run(Err(
            "failed to connect to peer0.org1:9443: connection refused".into(),
        ));
        assert_eq!(unreachable.status, Status::Error);
        assert!(unreachable.message.contains("connection refused"));
    }

    #[test]
    fn a_dialled_node_without_an_operations_endpoint_is_named() {
        let out = OperationsUnhealthy.evaluate(
            &ctx(),
            &inventory(
                vec![tls("orderer0", NodeRole::Orderer, None)],
                vec![ops("peer0.org1", NodeRole::Peer, ok(200, OK), metrics(&[]))],
            ),
        );
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(statuses, [Status::Pass, Status::Skip]);
        assert!(
            out[1]
                .message
                .contains("orderer0: no operations endpoint known")
        );
    }

    #[test]
    fn no_operations_endpoint_is_one_skip() {
        let out = OperationsUnhealthy.evaluate(&ctx(), &inventory(vec![], vec![]));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Skip);
    }
}
