//! CHANNEL-007 `orderer-endpoint-unknown`: orderer addresses in the channel configuration —
//! the global `OrdererAddresses` (Fabric 1.4) and each org's `Endpoints` (2.x
//! `OrdererEndpoints`) — that name no orderer deployed beside it. Peers and clients take the
//! ordering service's addresses from here, not from their own settings.

use super::{answers_to, complete, deployed_orderers_or_skip, orderer_names_outcome, target};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;
use crate::inventory::ordering::members::broker_host;

pub struct OrdererEndpointUnknown;

impl Check for OrdererEndpointUnknown {
    fn id(&self) -> &'static str {
        "CHANNEL-007"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for c in complete(inv) {
            let endpoints: Vec<(String, String)> = c
                .orderer_addresses
                .iter()
                .map(|a| ("Channel OrdererAddresses".to_owned(), a.clone()))
                .chain(c.orgs().flat_map(|o| {
                    o.orderer_endpoints
                        .iter()
                        .map(|e| (format!("{} Endpoints", o.path), e.clone()))
                }))
                .collect();
            if endpoints.is_empty() {
                continue;
            }
            let t = target(c, None);
            let what = format!("{} orderer address(es)", endpoints.len());
            let nodes = match deployed_orderers_or_skip(inv, c, &t, &what) {
                Ok(nodes) => nodes,
                Err(skip) => {
                    out.push(skip);
                    continue;
                }
            };
            let unknown: Vec<String> = endpoints
                .iter()
                .filter(|(_, e)| {
                    let host = broker_host(e);
                    !nodes.iter().any(|w| answers_to(w, host))
                })
                .map(|(at, e)| format!("{e} ({at})"))
                .collect();
            out.push(orderer_names_outcome(
                c,
                t,
                &nodes,
                unknown,
                format!(
                    "every orderer address names a deployed orderer ({})",
                    endpoints.len()
                ),
                "orderer address(es)",
            ));
        }
        if out.is_empty() {
            return nothing_to_check(inv, "orderer addresses in channel configurations");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::finding::Status;
    use crate::inventory::ordering::Component;

    #[test]
    fn an_address_no_orderer_answers_to_fails() {
        let mut c = block("sys");
        c.orderer_addresses = vec!["orderer0.example.com:7050".into(), "orderer9:7050".into()];
        let mut inv = inventory(vec![c]);
        let mut orderer0 = workload("orderer0", Component::Orderer, None);
        orderer0.hostnames = vec!["orderer0.example.com".into()];
        inv.ordering.workloads.push(orderer0);
        let out = OrdererEndpointUnknown.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(out[0].message.contains("orderer9:7050"));
        assert!(!out[0].message.contains("orderer0.example.com:7050 ("));
        inv.channels[0].orderer_addresses.pop();
        assert_eq!(
            OrdererEndpointUnknown.evaluate(&ctx(), &inv)[0].status,
            Status::Pass
        );
    }
}
