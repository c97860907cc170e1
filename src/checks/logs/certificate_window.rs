//! LOG-001 `certificate-window`: logs show `x509: certificate has expired or is not yet valid`.
//!
//! Go's chain verification rejects a certificate outside its NotBefore..NotAfter window, and a
//! CA's window too. On Fabric on Kubernetes the surprising case is the intermittent one: a
//! fabric-ca created less than 5 minutes before it issued a certificate backdates that
//! certificate to before the CA itself. The log line says neither which; X509-002 (the window
//! against the clock) and X509-001 (leaf before its issuer) find the certificate.

use crate::checks::Check;
use crate::checks::logs::{Cause, evaluate};
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;
use crate::inventory::logs::Signature;

pub struct CertificateWindow;

const CAUSE: Cause = Cause {
    checks: &["X509-002", "X509-001"],
    text: "X509-002 (a certificate outside its validity window) or X509-001 (a certificate valid before its CA: fabric-ca's 5-minute backdate)",
};

impl Check for CertificateWindow {
    fn id(&self) -> &'static str {
        "LOG-001"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        evaluate(inv, Signature::CertificateWindow, &CAUSE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::logs::testing::*;
    use crate::finding::{Status, TargetKind};

    const EXPIRED: &str = "2019-09-24 08:37:21.527 UTC [protoutils] ValidateProposalMessage -> WARN 04d channel [mychannel]: MSP error: the supplied identity is not valid: x509: certificate has expired or is not yet valid";

    #[test]
    fn no_logs_is_one_skip() {
        let out = CertificateWindow.evaluate(&ctx(), &without_logs());
        assert_eq!(statuses(&out), vec![Status::Skip]);
        assert_eq!(out[0].message, "no logs given (--logs)");
    }

    #[test]
    fn clean_logs_pass_and_say_what_was_scanned() {
        let filler = filler(5);
        let lines: Vec<&str> = filler.iter().map(String::as_str).collect();
        let out = CertificateWindow.evaluate(&ctx(), &with_logs(&[("ns/peer0/peer", &lines)]));
        assert_eq!(statuses(&out), vec![Status::Pass]);
        assert!(
            out[0].message.contains("5 lines of 1 source"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn each_source_with_the_signature_fails_with_counts_and_the_cause() {
        let second = EXPIRED.replace("08:37:21.527", "08:59:02.001");
        let out = CertificateWindow.evaluate(
            &ctx(),
            &with_logs(&[
                ("ns/peer0/peer", &[EXPIRED, "unrelated", &second]),
                ("ns/peer1/peer", &["all quiet"]),
            ]),
        );
        assert_eq!(statuses(&out), vec![Status::Fail]);
        let f = &out[0];
        assert_eq!(f.target.kind, TargetKind::Object);
        assert_eq!(f.target.name, "ns/peer0/peer");
        assert_eq!(f.target.locator.as_deref(), Some("lines 1-3"));
        assert!(
            f.message.starts_with(
                "twice from 2019-09-24 08:37:21 to 08:59:02 UTC: \"…e supplied identity is not valid: x509: certificate has expired"
            ),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("fabcheck explain X509-002"),
            "{}",
            f.message
        );
        assert_eq!(f.evidence["count"], 2);
        assert_eq!(f.evidence["first"], "2019-09-24T08:37:21.527Z");
        assert_eq!(f.evidence["last"], "2019-09-24T08:59:02.001Z");
        assert_eq!(f.evidence["first_line"], 1);
        assert_eq!(
            f.evidence["see_check"],
            serde_json::json!(["X509-002", "X509-001"])
        );
        assert_eq!(f.evidence["example"], EXPIRED);
    }

    #[test]
    fn unreadable_sources_are_errors_naming_the_file() {
        let out = CertificateWindow.evaluate(
            &ctx(),
            &unreadable(
                "logs/peer0.log",
                "dangling symlink: its target does not exist",
            ),
        );
        assert_eq!(statuses(&out), vec![Status::Error]);
        assert_eq!(out[0].target.name, "logs/peer0.log");
        assert!(
            out[0].message.contains("dangling symlink"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn an_empty_folder_is_a_skip_not_a_pass() {
        let mut inv = without_logs();
        inv.logs = Some(crate::inventory::logs::LogInventory {
            origin: "empty/".into(),
            ..Default::default()
        });
        let out = CertificateWindow.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Skip]);
    }
}
