//! CHANNEL-006 `no-admin`: an org in a channel configuration whose MSP lets no one be its admin:
//! no admin certificates and no NodeOUs admin OU. Every `Admins` policy naming that org can
//! then never be satisfied — no channel update, no anchor-peer change, no chaincode approval.

use super::{complete, target};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

pub struct NoAdmin;

impl Check for NoAdmin {
    fn id(&self) -> &'static str {
        "CHANNEL-006"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for c in complete(inv) {
            let msps: Vec<_> = c
                .orgs()
                .filter_map(|o| o.msp.as_ref().map(|m| (o, m)))
                .filter(|(_, m)| m.kind == "FABRIC")
                .collect();
            if msps.is_empty() {
                continue;
            }
            let mut by_ou = 0;
            let mut by_certs = 0;
            let mut none = Vec::new();
            for (org, m) in &msps {
                // msp/mspimpl.go: with NodeOUs on and an AdminOUIdentifier, admins are the
                // identities carrying that OU (Fabric 1.4.3+); otherwise only admincerts.
                let ou = m
                    .node_ous
                    .as_ref()
                    .is_some_and(|n| n.enable && n.admin_ou.is_some());
                match (ou, m.admins.is_empty()) {
                    (true, _) => by_ou += 1,
                    (false, false) => by_certs += 1,
                    (false, true) => none.push(format!("{} ({})", org.path, m.msp_id)),
                }
            }
            let t = target(c, None);
            out.push(if none.is_empty() {
                Outcome::new(
                    Status::Pass,
                    t,
                    format!(
                        "{}: every org has admins ({by_ou} by NodeOUs admin OU, {by_certs} by admincerts)",
                        c.describe()
                    ),
                )
            } else {
                Outcome::new(
                    Status::Fail,
                    t,
                    format!(
                        "{}: no admin certificates and no NodeOUs admin OU for {}",
                        c.describe(),
                        none.join(", ")
                    ),
                )
                .with("orgs", none)
            });
        }
        if out.is_empty() {
            return nothing_to_check(inv, "channel configurations carrying org MSPs");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::channel::{ApplicationSection, NodeOus};

    #[test]
    fn an_org_without_admincerts_or_admin_ou_fails() {
        let root = ca("ca.org1", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
        let mut by_ou = org("Application", "Org1MSP", &[cert("r", &root.2)], &[]);
        by_ou.msp.as_mut().unwrap().node_ous = Some(NodeOus {
            enable: true,
            admin_ou: Some("admin".into()),
            ..NodeOus::default()
        });
        let mut c = block("mychannel");
        c.application = Some(ApplicationSection {
            orgs: vec![
                by_ou,
                org("Application", "Org2MSP", &[cert("r", &root.2)], &[]),
            ],
            acls: Vec::new(),
        });
        let out = NoAdmin.evaluate(&ctx(), &inventory(vec![c.clone()]));
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("Org2MSP"));
        c.application.as_mut().unwrap().orgs[1]
            .msp
            .as_mut()
            .unwrap()
            .admins = vec![cert("admin 1", &root.2)];
        let out = NoAdmin.evaluate(&ctx(), &inventory(vec![c]));
        assert_eq!(out[0].status, Status::Pass, "{}", out[0].message);
    }
}
