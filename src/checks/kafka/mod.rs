//! Kafka ordering-service checks (`KAFKA-…`): static settings from compose files, Kubernetes
//! manifests, Helm charts and configtx.yaml, and the live cluster's metadata and configuration.

pub mod brokers_missing;
pub mod duplicate_broker_id;
pub mod invalid_setting_value;
pub mod isr_below_minimum;
pub mod known_settings;
pub mod live_config_violation;
pub mod log_retention_enabled;
pub mod message_size_order;
pub mod min_insync_replicas_too_low;
pub mod misspelled_setting;
pub mod orderer_broker_list;
pub mod orderer_type_mismatch;
pub mod partition_without_leader;
pub mod replication_factor_out_of_range;
pub mod rules;
#[cfg(test)]
pub(crate) mod testing;
pub mod too_few_brokers;
pub mod unclean_leader_election;
pub mod unevaluated_config;
pub mod zookeeper_connect_incomplete;

pub use super::usable;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::ordering::{Component, Network, Workload};

/// Applies a per-broker rule to every Kafka workload, one outcome each; the target is the line
/// the deciding setting is written on, or the broker's definition when it is not set.
pub fn per_broker(
    inv: &Inventory,
    property: &str,
    rule: impl Fn(&Network<'_>, &Workload) -> rules::Verdict,
) -> Vec<Outcome> {
    let mut out = Vec::new();
    for net in inv.ordering.networks() {
        for w in net.of(Component::Kafka) {
            let setting = w.kafka_setting(property);
            let target = setting.map_or(&w.origin, |s| &s.origin).target();
            let verdict = match usable(setting) {
                Err(why) => rules::Verdict {
                    status: Status::Error,
                    message: format!("cannot evaluate: {why}"),
                },
                Ok(_) => rule(&net, w),
            };
            let mut o = Outcome::new(verdict.status, target, verdict.message)
                .with("broker", w.name.clone());
            if let Some(s) = setting {
                o = o.with(property.to_owned(), s.value.clone());
            }
            out.push(o);
        }
    }
    if out.is_empty() {
        return crate::checks::nothing_to_check(inv, "Kafka brokers in the configuration");
    }
    out
}

/// The value of a Kafka property of a workload, for a rule (unevaluable values read as unset;
/// `per_broker` has already reported them).
pub fn value<'a>(w: &'a Workload, property: &str) -> Option<&'a str> {
    usable(w.kafka_setting(property)).ok().flatten()
}
