//! TLS-011 `served-chain-invalid`: the chain a peer or orderer sends does not lead to the org's
//! TLS roots (an intermediate is missing), is out of order, carries its root needlessly, or
//! ends in a leaf key Go's TLS refuses.
//!
//! Fabric clients trust only the org's TLS CA (`tlscacerts/`, `tls/ca.crt`), so every
//! intermediate between it and the server's certificate must be sent: a node configured with
//! only its leaf in `tls/server.crt` under an intermediate TLS CA fails every client without
//! "x509: certificate signed by unknown authority". Go and OpenSSL build the path from the
//! certificates sent in any order, so order is a warning (TLS 1.2, RFC 5246 7.4.2, asks for
//! it and stricter stacks enforce it), as is a root sent along: clients must already hold it.

use super::{not_reached, per_endpoint};
use crate::checks::x509::Uses;
use crate::checks::x509::unsupported_algorithm::{Facts, key_verdict};
use crate::checks::{Check, problems_verdict};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::cert::CertFacts;

pub struct ServedChainInvalid;

/// The verdict on a served chain (leaf first) against the endpoint's TLS roots.
pub fn verdict(chain: &[CertFacts], roots: &[CertFacts]) -> (Status, String) {
    let Some(leaf) = chain.first() else {
        return (Status::Skip, "no certificate was served".into());
    };
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    // Completeness: walk from the leaf through what was sent to a root.
    if roots.is_empty() {
        warns.push("completeness not judged: no TLS roots are known for this endpoint".into());
    } else {
        let mut at = leaf;
        let mut steps = 0;
        loop {
            if roots.iter().any(|r| r.subject_raw == at.issuer_raw) {
                break;
            }
            match chain
                .iter()
                .find(|c| c.subject_raw == at.issuer_raw && !std::ptr::eq(*c, at))
            {
                Some(next) if steps < chain.len() && !next.self_issued() => {
                    at = next;
                    steps += 1;
                }
                _ => {
                    fails.push(format!(
                        "the chain stops at {}: its issuer {} is neither sent nor one of the \
                         endpoint's TLS roots, so clients trusting only the org's TLS CA refuse it \
                         (\"x509: certificate signed by unknown authority\"): send the \
                         intermediate CA with the certificate",
                        at.common_name(),
                        at.issuer
                    ));
                    break;
                }
            }
        }
    }
    for pair in chain.windows(2) {
        if pair[0].issuer_raw != pair[1].subject_raw {
            warns.push(format!(
                "out of order: {} does not issue {} before it (Go and OpenSSL reorder, TLS 1.2 \
                 asks for issuer after subject)",
                pair[1].common_name(),
                pair[0].common_name()
            ));
            break;
        }
    }
    if let Some(root) = chain.iter().skip(1).find(|c| c.self_issued()) {
        warns.push(format!(
            "sends the root CA {} needlessly: clients must already hold it",
            root.common_name()
        ));
    }
    let facts = Facts {
        uses: Uses {
            tls_server: true,
            ..Uses::default()
        },
        self_signed: false,
        v3_msp: false,
    };
    let kind = leaf.key_kind();
    let (key_status, key_text) = key_verdict(&kind, facts);
    match key_status {
        Status::Fail => fails.push(format!("leaf key: {key_text}")),
        Status::Warn => warns.push(format!("leaf key: {key_text}")),
        _ => {}
    }
    let sent = chain.len();
    if let Some(verdict) = problems_verdict(fails, warns) {
        verdict
    } else {
        (
            Status::Pass,
            format!(
                "{sent} certificate(s) sent in order, leading to the endpoint's TLS root; leaf \
                 key {}",
                kind.describe()
            ),
        )
    }
}

fn parse_all(ders: &[Vec<u8>]) -> Result<Vec<CertFacts>, String> {
    ders.iter()
        .enumerate()
        .map(|(i, d)| CertFacts::parse(d).map_err(|e| format!("certificate {}: {e}", i + 1)))
        .collect()
}

impl Check for ServedChainInvalid {
    fn id(&self) -> &'static str {
        "TLS-011"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_endpoint(inv, |o| {
            if let Some(skip) = not_reached(o) {
                return skip;
            }
            let target = Target::new(TargetKind::Endpoint, o.endpoint.address.clone());
            let (chain, roots) = match (
                parse_all(&o.primary.served_chain),
                parse_all(&o.endpoint.tls_roots),
            ) {
                (Ok(c), Ok(r)) => (c, r),
                (Err(e), _) => {
                    return Outcome::new(
                        Status::Error,
                        target,
                        format!("cannot evaluate: a served certificate does not parse: {e}"),
                    );
                }
                (_, Err(e)) => {
                    return Outcome::new(
                        Status::Error,
                        target,
                        format!("cannot evaluate: a TLS root does not parse: {e}"),
                    );
                }
            };
            let (status, message) = verdict(&chain, &roots);
            Outcome::new(status, target, message).with(
                "served_chain",
                chain.iter().map(|c| c.subject.clone()).collect::<Vec<_>>(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a fixture chain: every certificate of a PEM file, in file order.
    fn pem(path: &str) -> Vec<CertFacts> {
        let full = format!("{}/fixtures/tls/{path}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
        crate::inventory::pem::blocks(&text)
            .into_iter()
            .map(|b| CertFacts::parse(&b.contents.expect("PEM")).expect("certificate"))
            .collect()
    }

    #[test]
    fn fixtures() {
        let roots = pem("TLS-011/roots.pem");
        let (s, m) = verdict(&pem("TLS-011/pass/chain.pem"), &roots);
        assert_eq!(s, Status::Pass, "{m}");
        let (s, m) = verdict(&pem("TLS-011/fail/leaf-only.pem"), &roots);
        assert_eq!(s, Status::Fail, "{m}");
        assert!(
            m.contains("neither sent nor one of the endpoint's TLS roots"),
            "{m}"
        );
        let (s, m) = verdict(&pem("TLS-011/fail/with-root.pem"), &roots);
        assert_eq!(s, Status::Warn, "{m}");
        assert!(m.contains("sends the root CA"), "{m}");
        let (s, m) = verdict(&pem("TLS-011/fail/reversed.pem"), &roots);
        assert_eq!(s, Status::Warn, "{m}");
        assert!(m.contains("out of order"), "{m}");
    }
}
