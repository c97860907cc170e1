//! KAFKA-012 `misspelled-setting`: an environment variable that is not a known setting but
//! is one or two edits from one (ORDERER_KAFKA_TOPIC_REPLICATIONFACOTR), or a configtx
//! override under the wrong section (CONFIGTX_GENERAL_ORDERERTYPE for CONFIGTX_ORDERER_ORDERERTYPE).

use super::known_settings::{CONFIGTX, KAFKA, ORDERER, ZOO};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::ordering::Component;

pub struct MisspelledSetting;

/// The known setting `key` was probably meant to be, if any.
pub fn suggestion(key: &str) -> Option<&'static str> {
    let families: &[(&str, &[&str])] = &[
        ("ORDERER_", ORDERER),
        ("CONFIGTX_", CONFIGTX),
        ("KAFKA_", KAFKA),
        ("ZOO_", ZOO),
    ];
    let (prefix, known) = families.iter().find(|(p, _)| key.starts_with(p))?;
    if known.contains(&key) || key.len() < 8 {
        return None;
    }
    let best = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .min()?;
    if best.0 <= 2 {
        return Some(best.1);
    }
    // configtx overrides are few and sectioned: the right leaf under the wrong section.
    if *prefix == "CONFIGTX_" {
        let leaf = key.rsplit('_').next()?;
        return known
            .iter()
            .copied()
            .find(|k| k.rsplit('_').next() == Some(leaf));
    }
    None
}

impl Check for MisspelledSetting {
    fn id(&self) -> &'static str {
        "KAFKA-012"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        let mut examined = 0;
        for w in &inv.ordering.workloads {
            if !matches!(
                w.component,
                Component::Kafka | Component::Zookeeper | Component::Orderer
            ) {
                continue;
            }
            examined += 1;
            for (key, s) in &w.env {
                if let Some(meant) = suggestion(key) {
                    out.push(
                        Outcome::new(
                            Status::Fail,
                            s.origin.target(),
                            format!("{key} is not a setting anything reads; did you mean {meant}? (unknown variables are ignored silently)"),
                        )
                        .with("key", key.clone())
                        .with("suggestion", meant)
                        .with("workload", w.name.clone()),
                    );
                }
            }
        }
        if out.is_empty() {
            if examined == 0 {
                return nothing_to_check(inv, "Kafka, ZooKeeper or orderer workloads");
            }
            return vec![Outcome::new(
                Status::Pass,
                crate::finding::Target::new(crate::finding::TargetKind::Source, inv.source.clone()),
                format!("no misspelled settings in {examined} workload(s)"),
            )];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn typos_and_wrong_sections_are_recognised() {
        assert_eq!(
            suggestion("ORDERER_KAFKA_TOPIC_REPLICATIONFACOTR"),
            Some("ORDERER_KAFKA_TOPIC_REPLICATIONFACTOR")
        );
        assert_eq!(
            suggestion("CONFIGTX_GENERAL_ORDERERTYPE"),
            Some("CONFIGTX_ORDERER_ORDERERTYPE")
        );
        assert_eq!(
            suggestion("KAFKA_MESSAGE_MAX_BYTE"),
            Some("KAFKA_MESSAGE_MAX_BYTES")
        );
        assert_eq!(suggestion("ZOO_MYID"), Some("ZOO_MY_ID"));
        assert_eq!(suggestion("ORDERER_GENERAL_TLS_ENABLED"), None);
        assert_eq!(
            suggestion("KAFKA_COMPRESSION_TYPE"),
            None,
            "far from every known key: not flagged"
        );
        assert_eq!(suggestion("CORE_PEER_ID"), None);
    }

    #[test]
    fn findings_name_the_key_and_the_fix() {
        let inv = network(vec![orderer(
            "o",
            &[
                ("CONFIGTX_GENERAL_ORDERERTYPE", "kafka"),
                ("ORDERER_GENERAL_LISTENADDRESS", "0.0.0.0"),
            ],
        )]);
        let out = MisspelledSetting.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0]
                .message
                .contains("did you mean CONFIGTX_ORDERER_ORDERERTYPE")
        );
    }
}
