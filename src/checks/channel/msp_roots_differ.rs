//! CHANNEL-003 `msp-roots-differ`: an org's CA or TLS CA on the nodes' disks is not the one the
//! channel configuration carries — a CA renewed on disk but never added to the channel, so
//! every identity it issues fails with "certificate signed by unknown authority".

use super::{Association, complete, msp_folders_of, target};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

pub struct MspRootsDiffer;

impl Check for MspRootsDiffer {
    fn id(&self) -> &'static str {
        "CHANNEL-003"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for c in complete(inv) {
            for org in c.orgs() {
                let Some(msp) = &org.msp else { continue };
                let mut same = Vec::new();
                let mut renewed = Vec::new();
                for (tls, roots) in [
                    (
                        false,
                        [msp.root_certs.clone(), msp.intermediate_certs.clone()].concat(),
                    ),
                    (
                        true,
                        [
                            msp.tls_root_certs.clone(),
                            msp.tls_intermediate_certs.clone(),
                        ]
                        .concat(),
                    ),
                ] {
                    let kind = if tls { "TLS CA" } else { "CA" };
                    for (dir, a) in msp_folders_of(inv, &roots, tls) {
                        match a {
                            Association::Same => same.push(dir),
                            Association::Renewed { on_disk, in_config } => renewed.push(format!(
                                "{dir}: {kind} on disk {on_disk} is not in the channel configuration, which has {in_config}"
                            )),
                        }
                    }
                }
                if same.is_empty() && renewed.is_empty() {
                    continue;
                }
                let t = target(c, Some(&org.path));
                out.push(if renewed.is_empty() {
                    same.sort();
                    same.dedup();
                    Outcome::new(
                        Status::Pass,
                        t,
                        format!(
                            "{} ({}): {} MSP folder(s) on disk carry the roots the {} has",
                            org.name,
                            msp.msp_id,
                            same.len(),
                            c.describe()
                        ),
                    )
                    .with("msp_folders", same)
                } else {
                    Outcome::new(
                        Status::Fail,
                        t,
                        format!(
                            "{} ({}) in the {}: {}",
                            org.name,
                            msp.msp_id,
                            c.describe(),
                            renewed.join("; ")
                        ),
                    )
                    .with("differs", renewed)
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
    use crate::inventory::{CertRecord, Layout, Origin};

    fn on_disk(dir: &str, facts: &std::sync::Arc<crate::inventory::cert::CertFacts>) -> CertRecord {
        let path = format!("{dir}/cacerts/ca.pem");
        CertRecord {
            origin: Origin::file(path.clone()),
            layout: Layout::of(std::path::Path::new(&path)),
            facts: facts.clone(),
        }
    }

    #[test]
    fn a_ca_renewed_on_disk_but_not_in_the_channel_fails_naming_both() {
        let old = ca("ca.org1", "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z");
        let new = ca("ca.org1", "2025-01-01T00:00:00Z", "2035-01-01T00:00:00Z");
        let mut c = block("mychannel");
        c.application = Some(crate::inventory::channel::ApplicationSection {
            orgs: vec![org(
                "Application",
                "Org1MSP",
                &[cert("root 1", &old.2)],
                &[],
            )],
            acls: Vec::new(),
        });
        let mut inv = inventory(vec![c]);
        inv.certs.push(on_disk("peers/peer0.org1/msp", &old.2));
        let out = MspRootsDiffer.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Pass, "{out:?}");

        inv.certs[0] = on_disk("peers/peer0.org1/msp", &new.2);
        let out = MspRootsDiffer.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains(&new.2.serial), "{}", out[0].message);
        assert!(out[0].message.contains(&old.2.serial), "{}", out[0].message);

        // An MSP of another org (other subject) is not compared.
        let other = ca("ca.org2", "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z");
        inv.certs[0] = on_disk("peers/peer0.org2/msp", &other.2);
        let out = MspRootsDiffer.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Skip);
    }
}
