//! CHANNEL-005 `node-ous-mismatch`: NodeOUs enabled in the channel configuration's MSP but not
//! in the config.yaml of the org's MSP folders on disk, or the reverse. The channel's MSP
//! decides how every node's and client's role is read: with NodeOUs on, an identity without
//! its OU is no peer, client or admin; with them off, admins must be in admincerts.

use super::{complete, msp_folders_of, target};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

pub struct NodeOusMismatch;

impl Check for NodeOusMismatch {
    fn id(&self) -> &'static str {
        "CHANNEL-005"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for c in complete(inv) {
            for org in c.orgs() {
                let Some(msp) = &org.msp else { continue };
                if msp.kind != "FABRIC" {
                    continue;
                }
                let in_config = msp.node_ous.as_ref().is_some_and(|n| n.enable);
                let mut agree = Vec::new();
                let mut differ = Vec::new();
                for (dir, _) in msp_folders_of(inv, &msp.root_certs, false) {
                    let Some(folder) = inv.msps.iter().find(|m| m.path == dir) else {
                        continue;
                    };
                    let on_disk = folder.config.as_ref().is_some_and(|c| c.node_ous_enabled);
                    if on_disk == in_config {
                        agree.push(dir);
                    } else {
                        differ.push(format!(
                            "{dir}: NodeOUs {} on disk",
                            if on_disk {
                                "enabled in config.yaml"
                            } else {
                                "not enabled (no config.yaml or Enable: false)"
                            }
                        ));
                    }
                }
                if agree.is_empty() && differ.is_empty() {
                    continue;
                }
                let state = if in_config { "enabled" } else { "disabled" };
                let t = target(c, Some(&org.path));
                out.push(if differ.is_empty() {
                    Outcome::new(
                        Status::Pass,
                        t,
                        format!(
                            "{}: NodeOUs {state} in the {} and in {} MSP folder(s) on disk",
                            msp.msp_id,
                            c.describe(),
                            agree.len()
                        ),
                    )
                } else {
                    Outcome::new(
                        Status::Fail,
                        t,
                        format!(
                            "{}: NodeOUs {state} in the {}, but {}",
                            msp.msp_id,
                            c.describe(),
                            differ.join("; ")
                        ),
                    )
                    .with("differs", differ)
                });
            }
        }
        if out.is_empty() {
            return nothing_to_check(
                inv,
                "MSP folders on disk belonging to an org of a channel configuration",
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::channel::{ApplicationSection, NodeOus};
    use crate::inventory::msp::{MspConfig, MspDir};
    use crate::inventory::{CertRecord, Layout, Origin};

    #[test]
    fn node_ous_on_in_the_channel_and_off_on_disk_fails() {
        let root = ca("ca.org1", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
        let mut o = org("Application", "Org1MSP", &[cert("root 1", &root.2)], &[]);
        o.msp.as_mut().unwrap().node_ous = Some(NodeOus {
            enable: true,
            ..NodeOus::default()
        });
        let mut c = block("mychannel");
        c.application = Some(ApplicationSection {
            orgs: vec![o],
            acls: Vec::new(),
        });
        let mut inv = inventory(vec![c]);
        let dir = "peers/peer0.org1/msp";
        let path = format!("{dir}/cacerts/ca.pem");
        inv.certs.push(CertRecord {
            origin: Origin::file(path.clone()),
            layout: Layout::of(std::path::Path::new(&path)),
            facts: root.2.clone(),
        });
        inv.msps.push(MspDir {
            path: dir.into(),
            config: Some(MspConfig {
                node_ous_enabled: true,
                ..MspConfig::default()
            }),
            ..MspDir::default()
        });
        assert_eq!(
            NodeOusMismatch.evaluate(&ctx(), &inv)[0].status,
            Status::Pass
        );
        inv.msps[0].config = None;
        let out = NodeOusMismatch.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("not enabled"), "{}", out[0].message);
    }
}
