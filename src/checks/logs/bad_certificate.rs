//! LOG-005 `bad-certificate`: logs show a mutual-TLS refusal: `remote error: tls: bad
//! certificate`, `tls: failed to verify client's certificate`, `tls: client didn't provide a
//! certificate`.
//!
//! With client authentication required, a server refuses a client with no certificate or one
//! from a CA outside its client root CAs; a client that refuses the server's certificate sends
//! the `bad certificate` alert the server then logs as a remote error. Either way the trust
//! configuration of one side does not match the other's certificate, which TLS-005 finds by
//! handshaking with the deployment's own material. A certificate merely outside its validity
//! window is LOG-001, not this.

use crate::checks::Check;
use crate::checks::logs::{Cause, evaluate};
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;
use crate::inventory::logs::Signature;

pub struct BadCertificate;

const CAUSE: Cause = Cause {
    checks: &["TLS-005"],
    text: "TLS-005 (mutual TLS not as deployed, or the client certificate refused)",
};

impl Check for BadCertificate {
    fn id(&self) -> &'static str {
        "LOG-005"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        evaluate(inv, Signature::BadCertificate, &CAUSE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::logs::testing::*;
    use crate::finding::Status;

    #[test]
    fn refusals_fail_with_remote_ips_counted_once_per_connection() {
        let lines: &[&str] = &[
            "2019-09-24 08:37:21.527 UTC [core.comm] ServerHandshake -> ERRO 031 TLS handshake failed with error remote error: tls: bad certificate server=Orderer remoteaddress=10.0.0.7:33364",
            r#"2019-09-24 08:37:21.528 UTC [grpc] Infof -> DEBU 032 grpc: Server.Serve failed to complete security handshake from "10.0.0.7:33364": remote error: tls: bad certificate"#,
            "2019-09-24 08:38:01.000 UTC [core.comm] ServerHandshake -> ERRO 033 TLS handshake failed with error tls: client didn't provide a certificate server=Orderer remoteaddress=10.0.0.8:40000",
        ];
        let out = BadCertificate.evaluate(&ctx(), &with_logs(&[("ord/orderer0/orderer", lines)]));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert_eq!(
            out[0].evidence["count"], 2,
            "the grpc line repeats the core.comm one"
        );
        assert_eq!(
            out[0].evidence["remote_ips"],
            serde_json::json!(["10.0.0.7", "10.0.0.8"])
        );
        assert_eq!(out[0].evidence["see_check"], serde_json::json!(["TLS-005"]));
    }

    #[test]
    fn completed_handshakes_pass() {
        let out = BadCertificate.evaluate(
            &ctx(),
            &with_logs(&[(
                "org1/peer0/peer",
                &["2021-03-04 10:11:12.123 UTC [core.comm] ServerHandshake -> DEBU 07a Server TLS handshake completed in 2.1ms server=PeerServer remoteaddress=10.0.0.7:1"],
            )]),
        );
        assert_eq!(statuses(&out), vec![Status::Pass]);
    }
}
