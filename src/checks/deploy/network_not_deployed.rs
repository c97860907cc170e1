//! DEPLOY-001 `network-not-deployed`: the deploy of `deploy-and-verify` failed (objects not
//! applied, workloads not ready, the network not readable back). Judged on the outcome the
//! command records in the inventory; runs that deployed nothing have no outcome and report
//! nothing for it.

use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;

pub struct NetworkNotDeployed;

impl Check for NetworkNotDeployed {
    fn id(&self) -> &'static str {
        "DEPLOY-001"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let Some(deploy) = &inv.deploy else {
            return Vec::new();
        };
        let target = Target::new(TargetKind::Source, format!("network {}", deploy.network));
        let outcome = match &deploy.failure {
            None => Outcome::new(Status::Pass, target, deploy.summary.clone()),
            Some(why) => Outcome::new(Status::Fail, target, why.clone()),
        };
        vec![outcome.with("stage", deploy.stage.as_str())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::DeployOutcome;

    fn judged(deploy: Option<DeployOutcome>) -> Vec<Outcome> {
        let inv = Inventory {
            deploy,
            ..Inventory::default()
        };
        let ctx = Context::new(
            time::OffsetDateTime::UNIX_EPOCH,
            crate::context::Policy::default(),
        );
        NetworkNotDeployed.evaluate(&ctx, &inv)
    }

    #[test]
    fn a_failed_deploy_fails_with_its_reason() {
        let out = judged(Some(DeployOutcome {
            network: "fabric".into(),
            stage: "deploy".into(),
            summary: String::new(),
            failure: Some("failed to get phase peers ready: ImagePullBackOff".into()),
        }));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("ImagePullBackOff"));
        assert_eq!(out[0].target.name, "network fabric");
        assert_eq!(out[0].evidence["stage"], "deploy");
    }

    #[test]
    fn a_deployed_network_passes_and_other_runs_report_nothing() {
        let out = judged(Some(DeployOutcome {
            network: "fabric".into(),
            stage: "verify".into(),
            summary: "deployed network fabric: 3 namespaces".into(),
            failure: None,
        }));
        assert_eq!(out[0].status, Status::Pass);
        assert!(judged(None).is_empty());
    }
}
