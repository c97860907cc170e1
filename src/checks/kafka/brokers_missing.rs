//! KAFKA-017 `brokers-missing`: fewer brokers are registered in the live cluster's metadata
//! than are expected.
//!
//! The expected count comes from `expected_brokers`: for now the number of distinct
//! bootstrap endpoints the user gave (each names a broker they expect to be up); the count of
//! brokers deployed in static configuration is to join it there.

use std::collections::BTreeSet;

use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

use super::partition_without_leader::{cluster_target, live_cluster};

pub struct BrokersMissing;

impl Check for BrokersMissing {
    fn id(&self) -> &'static str {
        "KAFKA-017"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let (obs, cluster) = match live_cluster(inv) {
            Ok(found) => found,
            Err(outcomes) => return outcomes,
        };
        let registered: Vec<i32> = cluster.brokers.iter().map(|b| b.id).collect();
        let Some(expected) = expected_brokers(inv) else {
            return crate::checks::nothing_to_check(inv, "expected Kafka broker count");
        };
        let (status, message) = if registered.len() < expected {
            (
                Status::Fail,
                format!(
                    "{} broker(s) registered, {expected} expected (one per distinct bootstrap endpoint): registered ids {registered:?}",
                    registered.len()
                ),
            )
        } else {
            (
                Status::Pass,
                format!(
                    "{} broker(s) registered, {expected} expected: registered ids {registered:?}",
                    registered.len()
                ),
            )
        };
        vec![
            Outcome::new(status, cluster_target(obs), message)
                .with("registered", registered.clone())
                .with("registered_count", registered.len())
                .with("expected", expected)
                .with("expected_from", "distinct bootstrap endpoints"),
        ]
    }
}

/// How many brokers the cluster should have registered: the number of distinct bootstrap
/// endpoints given (compared trimmed and case-insensitively; two names for one broker count
/// twice), or the number of brokers the artifacts deploy when they describe exactly one Kafka
/// cluster, the larger of the two winning. `None` when no Kafka endpoint was given.
fn expected_brokers(inv: &Inventory) -> Option<usize> {
    let bootstrap = &inv.live.kafka.as_ref()?.bootstrap;
    let distinct: BTreeSet<String> = bootstrap
        .iter()
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    let clusters: Vec<usize> = inv
        .ordering
        .networks()
        .iter()
        .map(|n| n.count(crate::inventory::ordering::Component::Kafka) as usize)
        .filter(|&k| k > 0)
        .collect();
    let deployed = match clusters.as_slice() {
        [k] => *k,
        _ => 0,
    };
    let expected = distinct.len().max(deployed);
    (expected > 0).then_some(expected)
}

#[cfg(test)]
mod tests {
    use super::super::partition_without_leader::live_testing::*;
    use super::*;

    #[test]
    fn deployed_brokers_in_the_artifacts_raise_the_expectation() {
        let mut inv = inventory(healthy());
        inv.ordering.workloads = (0..5)
            .map(|i| crate::checks::kafka::testing::broker(&format!("kafka{i}"), &[]))
            .collect();
        let out = BrokersMissing.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail, "{}", out[0].message);
        assert_eq!(out[0].evidence["expected"], 5);
    }

    #[test]
    fn all_expected_brokers_registered_passes() {
        let out = BrokersMissing.evaluate(&ctx(), &inventory(healthy()));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Pass);
        assert_eq!(
            out[0].evidence["registered"],
            serde_json::json!([1, 2, 3, 4])
        );
        assert_eq!(out[0].evidence["expected"], 4);
    }

    #[test]
    fn fewer_registered_than_bootstrap_endpoints_fails() {
        let mut c = healthy();
        c.brokers.retain(|b| b.id != 4);
        let out = BrokersMissing.evaluate(&ctx(), &inventory(c));
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0]
                .message
                .starts_with("3 broker(s) registered, 4 expected"),
            "{}",
            out[0].message
        );
        assert!(
            out[0].message.ends_with("registered ids [1, 2, 3]"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn expected_count_is_distinct_bootstrap_endpoints() {
        let inv = with(
            Ok(healthy()),
            vec!["K0:9092".into(), "k0:9092 ".into(), "k1:9092".into()],
        );
        assert_eq!(expected_brokers(&inv), Some(2));
        assert_eq!(expected_brokers(&Inventory::default()), None);
        // More registered than given is fine: bootstrap lists are often partial.
        assert_eq!(
            BrokersMissing.evaluate(&ctx(), &inv)[0].status,
            Status::Pass
        );
    }

    #[test]
    fn nothing_probed_skips_and_failed_probe_errors() {
        let out = BrokersMissing.evaluate(&ctx(), &Inventory::default());
        assert_eq!((out.len(), out[0].status), (1, Status::Skip));
        let out = BrokersMissing.evaluate(&ctx(), &unreachable());
        assert_eq!((out.len(), out[0].status), (1, Status::Error));
        assert_eq!(out[0].target.name, "k0:9092");
    }
}
