//! RAFT-004 `consenter-certificate`: a consenter's TLS certificates (and BFT identity) in the
//! channel configuration that expired, expire within the warning period, or begin before the
//! TLS CA that issued them (fabric-ca's 5-minute backdate on a fresh CA). An expired consenter
//! certificate cuts that orderer out of the cluster; all of them expired stops the channel,
//! and only a config update signed offline brings it back.

use crate::checks::channel::{complete, target};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::channel::{ChannelConfig, rfc3339};

pub struct ConsenterCertificate;

impl Check for ConsenterCertificate {
    fn id(&self) -> &'static str {
        "RAFT-004"
    }

    fn evaluate(&self, ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for c in complete(inv) {
            let Some((kind, consenters)) = c.consenters() else {
                continue;
            };
            let issuers = tls_cas(c);
            let (mut bad, mut soon, mut count) = (Vec::new(), Vec::new(), 0);
            for k in consenters {
                for cert in [&k.server_tls_cert, &k.client_tls_cert, &k.identity]
                    .into_iter()
                    .flatten()
                {
                    count += 1;
                    let f = match &cert.facts {
                        Ok(f) => f,
                        Err(e) => {
                            bad.push(format!("{}: {e}", cert.locator));
                            continue;
                        }
                    };
                    if f.not_after <= ctx.now {
                        bad.push(format!("{} expired {}", cert.locator, rfc3339(f.not_after)));
                    } else if f.not_after - ctx.now <= ctx.policy.expiry_warning {
                        soon.push(format!("{} expires {}", cert.locator, rfc3339(f.not_after)));
                    }
                    if let Some(ca) = issuers.iter().find(|ca| ca.subject_raw == f.issuer_raw)
                        && f.not_before < ca.not_before
                    {
                        bad.push(format!(
                            "{} becomes valid {}, before its CA {} ({})",
                            cert.locator,
                            rfc3339(f.not_before),
                            ca.subject,
                            rfc3339(ca.not_before)
                        ));
                    }
                }
            }
            let t = target(c, Some("Channel/Orderer ConsensusType metadata"));
            if count == 0 {
                out.push(Outcome::new(
                    Status::Skip,
                    t,
                    format!(
                        "{}: the {kind} consenters' certificates are not known here (a configtx.yaml whose certificate files are not among the artifacts)",
                        c.describe()
                    ),
                ));
                continue;
            }
            out.push(if !bad.is_empty() {
                Outcome::new(
                    Status::Fail,
                    t,
                    format!("{}: {}", c.describe(), bad.join("; ")),
                )
                .with("certificates", bad)
            } else if !soon.is_empty() {
                Outcome::new(
                    Status::Warn,
                    t,
                    format!("{}: {}", c.describe(), soon.join("; ")),
                )
                .with("certificates", soon)
            } else {
                Outcome::new(
                    Status::Pass,
                    t,
                    format!(
                        "{}: {count} certificate(s) of {} {kind} consenter(s) valid",
                        c.describe(),
                        consenters.len()
                    ),
                )
            });
        }
        if out.is_empty() {
            return nothing_to_check(inv, "etcdraft or BFT consenters");
        }
        out
    }
}

/// The TLS (and identity) CAs the configuration's orgs carry: the consenters' issuers.
fn tls_cas(c: &ChannelConfig) -> Vec<&crate::inventory::cert::CertFacts> {
    c.orgs()
        .filter_map(|o| o.msp.as_ref())
        .flat_map(|m| {
            m.tls_root_certs
                .iter()
                .chain(&m.tls_intermediate_certs)
                .chain(&m.root_certs)
                .chain(&m.intermediate_certs)
        })
        .filter_map(|c| c.facts.as_deref().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::channel::testing::*;
    use crate::inventory::channel::{Consenter, OrdererSection, RaftMetadata};

    fn config(
        tlsca: &TestCa,
        server: &std::sync::Arc<crate::inventory::cert::CertFacts>,
    ) -> ChannelConfig {
        let mut c = block("sys");
        c.orderer = Some(OrdererSection {
            consensus_type: "etcdraft".into(),
            raft: Some(RaftMetadata {
                consenters: vec![Consenter {
                    host: "orderer0".into(),
                    port: 7050,
                    server_tls_cert: Some(cert(
                        "consenter orderer0:7050 server TLS certificate",
                        server,
                    )),
                    ..Consenter::default()
                }],
                options: None,
            }),
            orgs: vec![org(
                "Orderer",
                "OrdererMSP",
                &[],
                &[cert("tls root", &tlsca.2)],
            )],
            ..OrdererSection::default()
        });
        c
    }

    #[test]
    fn expired_backdated_and_valid_consenter_certificates() {
        let tlsca = ca("tlsca", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
        let good = leaf(
            "o0",
            &["orderer0"],
            &tlsca,
            "2020-01-01T00:00:00Z",
            "2099-01-01T00:00:00Z",
        );
        let gone = leaf(
            "o0",
            &["orderer0"],
            &tlsca,
            "2020-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
        );
        let early = leaf(
            "o0",
            &["orderer0"],
            &tlsca,
            "2019-12-31T23:55:00Z",
            "2099-01-01T00:00:00Z",
        );
        let soon = leaf(
            "o0",
            &["orderer0"],
            &tlsca,
            "2020-01-01T00:00:00Z",
            "2026-06-10T00:00:00Z",
        );
        let inv = inventory(vec![
            config(&tlsca, &good),
            config(&tlsca, &gone),
            config(&tlsca, &early),
            config(&tlsca, &soon),
        ]);
        let out = ConsenterCertificate.evaluate(&ctx(), &inv);
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(
            statuses,
            [Status::Pass, Status::Fail, Status::Fail, Status::Warn]
        );
        assert!(
            out[2].message.contains("before its CA"),
            "{}",
            out[2].message
        );
    }
}
