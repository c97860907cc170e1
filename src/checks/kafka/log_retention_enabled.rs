//! KAFKA-006 `log-retention-enabled`: log.retention.ms must be -1 (unset warns).

use super::{per_broker, rules, value};
use crate::checks::Check;
use crate::context::Context;
use crate::finding::Outcome;
use crate::inventory::Inventory;

pub struct LogRetentionEnabled;

const PROPERTY: &str = "log.retention.ms";

impl Check for LogRetentionEnabled {
    fn id(&self) -> &'static str {
        "KAFKA-006"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_broker(inv, PROPERTY, |_, w| {
            rules::log_retention(value(w, PROPERTY))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::finding::Status;

    #[test]
    fn minus_one_passes_unset_warns_positive_fails() {
        let inv = network(vec![
            broker("k0", &[("KAFKA_LOG_RETENTION_MS", "-1")]),
            broker("k1", &[]),
            broker("k2", &[("KAFKA_LOG_RETENTION_MS", "604800000")]),
        ]);
        assert_eq!(
            statuses(&LogRetentionEnabled.evaluate(&ctx(), &inv)),
            vec![Status::Pass, Status::Warn, Status::Fail]
        );
    }
}
