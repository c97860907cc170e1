//! RAFT-010 `config-fetch-failed`: a channel's newest config block could not be fetched from
//! an orderer over Deliver (`--identity`, `--msp-id`, `--channel`), as
//! `peer channel fetch config` fetches it: the orderer refused the identity (403 FORBIDDEN),
//! serves no such channel (404 NOT_FOUND), is not ready to serve it (503 SERVICE_UNAVAILABLE),
//! could not be reached or answered nothing in time, or sent a block that does not decode. A
//! fetch that worked passes, and its configuration joins the channel checks.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;

pub struct ConfigFetchFailed;

impl Check for ConfigFetchFailed {
    fn id(&self) -> &'static str {
        "RAFT-010"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        if inv.live.config_fetch.is_empty() {
            return nothing_to_check(
                inv,
                "config blocks fetched from orderers (--identity MSPDIR --msp-id ID with role=orderer endpoints)",
            );
        }
        inv.live
            .config_fetch
            .iter()
            .map(|f| {
                let target = Target::new(TargetKind::Endpoint, f.endpoint.clone()).with_locator(
                    Some(match &f.channel {
                        Some(c) => format!("{} channel {c}", f.orderer),
                        None => f.orderer.clone(),
                    }),
                );
                let out = match &f.result {
                    Ok(block) => Outcome::new(
                        Status::Pass,
                        target,
                        format!(
                            "{}: fetched config block {} of channel {}",
                            f.orderer,
                            block.number,
                            f.channel.as_deref().unwrap_or("?")
                        ),
                    )
                    .with("block", block.number)
                    .with("bytes", block.bytes.len()),
                    Err(why) => Outcome::new(Status::Error, target, why.clone()),
                };
                let out = out.with("orderer", f.orderer.clone());
                match &f.channel {
                    Some(c) => out.with("channel", c.clone()),
                    None => out,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::live::{ConfigFetchObservation, FetchedBlock};

    fn inv(fetches: Vec<ConfigFetchObservation>) -> Inventory {
        let mut inv = Inventory::default();
        inv.live.config_fetch = fetches;
        inv
    }

    fn fetch(
        channel: Option<&str>,
        result: Result<FetchedBlock, String>,
    ) -> ConfigFetchObservation {
        ConfigFetchObservation {
            orderer: "orderer0".into(),
            endpoint: "orderer0:7050".into(),
            channel: channel.map(str::to_owned),
            result,
        }
    }

    #[test]
    fn fetched_passes_and_failures_are_errors() {
        let out = ConfigFetchFailed.evaluate(
            &super::super::testing::ctx(),
            &inv(vec![
                fetch(
                    Some("mychannel"),
                    Ok(FetchedBlock {
                        number: 2,
                        bytes: vec![0; 10],
                    }),
                ),
                fetch(
                    Some("other"),
                    Err("the orderer answered 404 NOT_FOUND: it serves no channel other".into()),
                ),
                fetch(None, Err("no channel to fetch from orderer0".into())),
            ]),
        );
        let statuses: Vec<Status> = out.iter().map(|o| o.status).collect();
        assert_eq!(statuses, [Status::Pass, Status::Error, Status::Error]);
        assert!(
            out[0]
                .message
                .contains("config block 2 of channel mychannel")
        );
        assert!(out[1].message.contains("404 NOT_FOUND"));
        assert_eq!(out[2].target.locator.as_deref(), Some("orderer0"));
    }

    #[test]
    fn nothing_fetched_skips() {
        let out = ConfigFetchFailed.evaluate(&super::super::testing::ctx(), &inv(vec![]));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Skip);
    }
}
