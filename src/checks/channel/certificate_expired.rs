//! CHANNEL-004 `certificate-expired`: a CA, TLS CA or admin certificate inside a channel
//! configuration that has expired (every identity chaining to it is refused) or expires within
//! the warning period (X509-003's threshold), or that does not parse at all.

use super::target;
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::channel::rfc3339;

pub struct CertificateExpired;

impl Check for CertificateExpired {
    fn id(&self) -> &'static str {
        "CHANNEL-004"
    }

    fn evaluate(&self, ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for c in &inv.channels {
            let certs: Vec<_> = c
                .orgs()
                .filter_map(|o| o.msp.as_ref())
                .flat_map(|m| m.all_certs())
                .collect();
            if certs.is_empty() {
                continue;
            }
            let (mut expired, mut expiring, mut unreadable) = (Vec::new(), Vec::new(), Vec::new());
            let mut earliest = None;
            for cert in &certs {
                match &cert.facts {
                    Err(e) => unreadable.push(format!("{}: {e}", cert.locator)),
                    Ok(f) if f.not_after <= ctx.now => expired.push(format!(
                        "{} {} expired {}",
                        cert.locator,
                        f.subject,
                        rfc3339(f.not_after)
                    )),
                    Ok(f) if f.not_after - ctx.now <= ctx.policy.expiry_warning => {
                        expiring.push(format!(
                            "{} {} expires {}",
                            cert.locator,
                            f.subject,
                            rfc3339(f.not_after)
                        ))
                    }
                    Ok(f) => {
                        earliest = Some(
                            earliest
                                .map_or(f.not_after, |e: time::OffsetDateTime| e.min(f.not_after)),
                        )
                    }
                }
            }
            let t = target(c, None);
            let what = c.describe();
            out.push(if !expired.is_empty() || !unreadable.is_empty() {
                let all = [expired, unreadable].concat();
                Outcome::new(Status::Fail, t, format!("{what}: {}", all.join("; ")))
                    .with("certificates", all)
            } else if !expiring.is_empty() {
                Outcome::new(
                    Status::Warn,
                    t,
                    format!(
                        "{what}: {} (within {} days)",
                        expiring.join("; "),
                        ctx.policy.expiry_warning.whole_days()
                    ),
                )
                .with("certificates", expiring)
            } else {
                Outcome::new(
                    Status::Pass,
                    t,
                    format!(
                        "{what}: {} certificate(s) valid, the first to expire on {}",
                        certs.len(),
                        earliest.map(rfc3339).unwrap_or_default()
                    ),
                )
            });
        }
        if out.is_empty() {
            return nothing_to_check(inv, "channel configurations carrying MSP certificates");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::channel::ApplicationSection;

    fn config_with(
        root: &crate::inventory::channel::ConfigCert,
    ) -> crate::inventory::channel::ChannelConfig {
        let mut c = block("mychannel");
        c.application = Some(ApplicationSection {
            orgs: vec![org(
                "Application",
                "Org1MSP",
                std::slice::from_ref(root),
                &[],
            )],
            acls: Vec::new(),
        });
        c
    }

    #[test]
    fn expired_fails_expiring_warns_valid_passes() {
        let valid = ca("ca", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
        let soon = ca("ca", "2020-01-01T00:00:00Z", "2026-06-11T00:00:00Z");
        let gone = ca("ca", "2020-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
        let inv = inventory(vec![
            config_with(&cert("root 1", &valid.2)),
            config_with(&cert("root 1", &soon.2)),
            config_with(&cert("root 1", &gone.2)),
        ]);
        let out = CertificateExpired.evaluate(&ctx(), &inv);
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(statuses, [Status::Pass, Status::Warn, Status::Fail]);
        assert!(
            out[2].message.contains("expired 2026-01-01"),
            "{}",
            out[2].message
        );
    }
}
