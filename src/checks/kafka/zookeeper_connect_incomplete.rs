//! KAFKA-008 `zookeeper-connect-incomplete`: each broker's zookeeper.connect lists every
//! ZooKeeper server its network deploys.

use super::usable;
use crate::checks::zookeeper::ensemble::{instances, names_match, parse_connect};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::inventory::Inventory;
use crate::inventory::ordering::Component;
use crate::report::{Outcome, Status};

pub struct ZookeeperConnectIncomplete;

impl Check for ZookeeperConnectIncomplete {
    fn id(&self) -> &'static str {
        "KAFKA-008"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let ensemble = instances(&net);
            for w in net.of(Component::Kafka) {
                let setting = w.kafka_setting("zookeeper.connect");
                let target = setting.map_or(&w.origin, |s| &s.origin).target();
                let (status, message) = match usable(setting) {
                    Err(why) => (Status::Error, format!("cannot evaluate: {why}")),
                    Ok(None) => (
                        Status::Fail,
                        "zookeeper.connect is not set: the broker cannot start".to_owned(),
                    ),
                    Ok(Some(_)) if ensemble.is_empty() => (
                        Status::Skip,
                        "no ZooKeeper servers among the artifacts to compare with".to_owned(),
                    ),
                    Ok(Some(value)) => {
                        let hosts: Vec<String> =
                            parse_connect(value).into_iter().map(|(h, _)| h).collect();
                        let missing: Vec<String> = ensemble
                            .iter()
                            .filter(|i| !hosts.iter().any(|h| names_match(h, &i.names)))
                            .map(|i| i.names.first().cloned().unwrap_or_default())
                            .collect();
                        if missing.is_empty() {
                            (
                                Status::Pass,
                                format!("lists all {} ZooKeeper servers", ensemble.len()),
                            )
                        } else {
                            (
                                Status::Fail,
                                format!(
                                    "zookeeper.connect lists {} of {} ZooKeeper servers; missing: {}",
                                    ensemble.len() - missing.len(),
                                    ensemble.len(),
                                    missing.join(", ")
                                ),
                            )
                        }
                    }
                };
                out.push(Outcome::new(status, target, message).with("broker", w.name.clone()));
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "Kafka brokers in the configuration");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn all_listed_passes_partial_fails_unset_fails() {
        let zks = || {
            vec![
                zookeeper("zookeeper0", &[]),
                zookeeper("zookeeper1", &[]),
                zookeeper("zookeeper2", &[]),
            ]
        };
        let mut w = zks();
        w.push(broker(
            "k0",
            &[(
                "KAFKA_ZOOKEEPER_CONNECT",
                "zookeeper0:2181,zookeeper1:2181,zookeeper2:2181",
            )],
        ));
        w.push(broker(
            "k1",
            &[("KAFKA_ZOOKEEPER_CONNECT", "zookeeper0:2181")],
        ));
        w.push(broker("k2", &[]));
        let out = ZookeeperConnectIncomplete.evaluate(&ctx(), &network(w));
        assert_eq!(
            statuses(&out),
            vec![Status::Pass, Status::Fail, Status::Fail]
        );
        assert!(
            out[1].message.contains("missing: zookeeper1, zookeeper2"),
            "{}",
            out[1].message
        );
    }
}
