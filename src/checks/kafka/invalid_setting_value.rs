//! KAFKA-011 `invalid-setting-value`: typed settings hold values the servers accept (a quoted
//! "103809024 # comment" is not an integer), and configtx.yaml sizes parse as Fabric parses them.

use super::known_settings::{TYPED, ValueType};
use super::rules::{parse_bool, parse_int};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;

pub struct InvalidSettingValue;

impl Check for InvalidSettingValue {
    fn id(&self) -> &'static str {
        "KAFKA-011"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for w in &inv.ordering.workloads {
            let mut checked = 0;
            let mut bad = Vec::new();
            for (key, ty) in TYPED {
                let Some(s) = w.env.get(*key) else { continue };
                if !s.evaluated() {
                    continue; // KAFKA-013 reports what could not be evaluated
                }
                checked += 1;
                let result = match ty {
                    ValueType::Integer => parse_int(key, &s.value).map(drop),
                    ValueType::Boolean => parse_bool(key, &s.value).map(drop),
                };
                if let Err(e) = result {
                    bad.push((s.origin.clone(), e));
                }
            }
            if checked == 0 {
                continue;
            }
            if bad.is_empty() {
                out.push(Outcome::new(
                    Status::Pass,
                    w.origin.target(),
                    format!("{checked} typed setting(s) hold valid values"),
                ));
            }
            for (origin, e) in bad {
                out.push(
                    Outcome::new(Status::Fail, origin.target(), e).with("workload", w.name.clone()),
                );
            }
        }
        for p in &inv.ordering.profiles {
            for (name, v) in [
                ("AbsoluteMaxBytes", &p.absolute_max_bytes),
                ("PreferredMaxBytes", &p.preferred_max_bytes),
            ] {
                match v {
                    Some(Err(e)) => out.push(
                        Outcome::new(
                            Status::Fail,
                            p.origin.target(),
                            format!("{e}: configtxgen rejects it"),
                        )
                        .with("setting", name),
                    ),
                    Some(Ok(n)) => out.push(
                        Outcome::new(
                            Status::Pass,
                            p.origin.target(),
                            format!("{name} = {n} bytes"),
                        )
                        .with("setting", name),
                    ),
                    None => {}
                }
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "typed ordering-service settings");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn quoted_comment_in_a_number_fails_and_names_the_setting() {
        let inv = network(vec![
            broker(
                "kafka",
                &[
                    ("KAFKA_MESSAGE_MAX_BYTES", "103809024 # 99 * 1024 * 1024 B"),
                    ("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false"),
                ],
            ),
            broker("k1", &[("KAFKA_MESSAGE_MAX_BYTES", "103809024")]),
            zookeeper("zk", &[("ZOO_MY_ID", "one")]),
        ]);
        let out = InvalidSettingValue.evaluate(&ctx(), &inv);
        assert_eq!(
            statuses(&out),
            vec![Status::Fail, Status::Pass, Status::Fail]
        );
        assert!(
            out[0]
                .message
                .contains("\"103809024 # 99 * 1024 * 1024 B\" is not an integer"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn unparseable_block_size_fails() {
        let mut inv = network(vec![]);
        let mut p = kafka_profile(1, &[]);
        p.absolute_max_bytes = Some(Err(
            "AbsoluteMaxBytes: '99 MiB' is not a size Fabric understands".into(),
        ));
        inv.ordering.profiles.push(p);
        assert_eq!(
            statuses(&InvalidSettingValue.evaluate(&ctx(), &inv)),
            vec![Status::Fail]
        );
    }
}
