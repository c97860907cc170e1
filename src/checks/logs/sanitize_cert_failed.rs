//! LOG-006 `sanitize-cert-failed`: logs show an MSP that could not set itself up because
//! `sanitizeCert failed` for a CA certificate: an orderer that panics at bootstrap ("setting up
//! the MSP manager failed: sanitizeCert failed the supplied identity is not valid: x509:
//! certificate signed by unknown authority"), a peer or orderer whose local MSP will not load
//! ("Failed to initialize local MSP: sanitizeCert failed …").
//!
//! Fabric's MSP rewrites every CA certificate named in config.yaml (NodeOUs, OU identifiers)
//! into low-S and verifies the original against the rewritten copy. Builds made with Go 1.19 or
//! later and without fabric#3774 (1.4.x, 2.0–2.4.x) cannot chain a high-S self-signed root to
//! its copy, so that root is the usual cause: X509-010 names it. A root that is not the issuer
//! at all fails the same way, which X509-004 finds. A certificate outside its validity window
//! reported through sanitizeCert is LOG-001's, not this check's.

use crate::checks::Check;
use crate::checks::logs::{Cause, evaluate};
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;
use crate::inventory::logs::Signature;

pub struct SanitizeCertFailed;

const CAUSE: Cause = Cause {
    checks: &["X509-010", "X509-004"],
    text: "X509-010 (a self-signed CA signed high-S, refused by Fabric 1.4-2.4 built with Go \
           1.19+: re-issue it low-S or run Fabric 2.5+) or X509-004 (a CA that did not issue the \
           MSP's certificates)",
};

impl Check for SanitizeCertFailed {
    fn id(&self) -> &'static str {
        "LOG-006"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        evaluate(inv, Signature::SanitizeCert, &CAUSE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::logs::testing::*;
    use crate::finding::Status;

    #[test]
    fn msp_setup_failures_fail_with_their_reason_and_the_high_s_check() {
        let lines: &[&str] = &[
            "2026-12-04 09:20:11.401 UTC [orderer.common.server] Main -> INFO 001 Starting orderer:",
            "2026-12-04 09:20:11.529 UTC [orderer.commmon.multichannel] newLedgerResources -> PANI 00c Error creating channelconfig bundle: initializing channelconfig failed: could not create channel Consortiums sub-group config: setting up the MSP manager failed: sanitizeCert failed the supplied identity is not valid: x509: certificate signed by unknown authority",
            "panic: Error creating channelconfig bundle: initializing channelconfig failed: could not create channel Consortiums sub-group config: setting up the MSP manager failed: sanitizeCert failed the supplied identity is not valid: x509: certificate signed by unknown authority",
        ];
        let out =
            SanitizeCertFailed.evaluate(&ctx(), &with_logs(&[("ord/orderer1/orderer", lines)]));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        let o = &out[0];
        assert_eq!(o.evidence["count"], 2, "the PANI line and Go's panic line");
        assert_eq!(o.evidence["first_line"], 2);
        assert_eq!(o.evidence["last_line"], 3);
        assert_eq!(
            o.evidence["reasons"],
            serde_json::json!([
                "the supplied identity is not valid: x509: certificate signed by unknown authority"
            ])
        );
        assert_eq!(
            o.evidence["see_check"],
            serde_json::json!(["X509-010", "X509-004"])
        );
        assert!(
            o.message
                .starts_with("twice from 2026-12-04 09:20:11 to 09:20:11 UTC: \"…"),
            "{}",
            o.message
        );
        assert!(
            o.message.contains(
                "setting up the MSP manager failed: sanitizeCert failed the supplied identity"
            ),
            "{}",
            o.message
        );
        assert!(
            o.message.ends_with("(fabcheck explain X509-010)"),
            "{}",
            o.message
        );
    }

    #[test]
    fn a_msp_that_loads_passes_and_an_expired_ca_is_log_001s() {
        let lines: &[&str] = &[
            "2026-12-04 09:14:03.215 UTC [msp] setupSigningIdentity -> DEBU 02a Signing identity expires at 2036-12-02 09:04:00 +0000 UTC",
            "2026-12-04 09:14:03.215 UTC [orderer.common.server] initializeLocalMsp -> FATA 002 Failed to initialize local MSP: sanitizeCert failed the supplied identity is not valid: x509: certificate has expired or is not yet valid",
        ];
        let out =
            SanitizeCertFailed.evaluate(&ctx(), &with_logs(&[("ord/orderer0/orderer", lines)]));
        assert_eq!(statuses(&out), vec![Status::Pass]);
    }
}
