//! KAFKA-008 `zookeeper-connect-incomplete`: each broker's zookeeper.connect lists every
//! ZooKeeper server its network deploys. A name for all of an ensemble's pods at once (its
//! Service, as the incubator/kafka and bitnami/kafka charts write `<release>-zookeeper:2181`)
//! lists them all: the ZooKeeper client resolves it to every address behind it, or the Service
//! forwards to whichever server is up.

use super::usable;
use crate::checks::zookeeper::ensemble::{instances, names_match, parse_connect, pods_reached};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::ordering::Component;

pub struct ZookeeperConnectIncomplete;

impl Check for ZookeeperConnectIncomplete {
    fn id(&self) -> &'static str {
        "KAFKA-008"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let ensemble = instances(&net);
            let servers: Vec<_> = net.of(Component::Zookeeper).collect();
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
                        // Each instance is the ordinal-th of its workload's pods.
                        let mut ordinal = 0;
                        let mut previous: Option<*const _> = None;
                        let mut through_all = Vec::new();
                        let mut missing = Vec::new();
                        for i in &ensemble {
                            let this = std::ptr::from_ref(i.workload);
                            ordinal = if previous == Some(this) {
                                ordinal + 1
                            } else {
                                0
                            };
                            previous = Some(this);
                            if hosts.iter().any(|h| names_match(h, &i.names)) {
                                continue;
                            }
                            let by_all = hosts.iter().find(|h| {
                                pods_reached(h, &servers)
                                    .iter()
                                    .any(|(w, n)| std::ptr::eq(*w, i.workload) && *n == ordinal)
                            });
                            match by_all {
                                Some(h) if !through_all.contains(h) => through_all.push(h.clone()),
                                Some(_) => {}
                                None => missing.push(i.names.first().cloned().unwrap_or_default()),
                            }
                        }
                        if missing.is_empty() {
                            let through = if through_all.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    " ({} names several of them at once)",
                                    through_all.join(", ")
                                )
                            };
                            (
                                Status::Pass,
                                format!("lists all {} ZooKeeper servers{through}", ensemble.len()),
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

    #[test]
    fn a_service_in_front_of_the_statefulset_lists_every_server() {
        let mut zk = zookeeper("zk", &[]);
        zk.replicas = crate::inventory::ordering::Replicas::Count(3);
        zk.hostnames = vec![
            "zk".into(),
            "zk-0".into(),
            "zk-1".into(),
            "zk-2".into(),
            "zk-hs".into(),
        ];
        let net = |connect: &str| {
            network(vec![
                zk.clone(),
                broker("k0", &[("KAFKA_ZOOKEEPER_CONNECT", connect)]),
            ])
        };
        let out = ZookeeperConnectIncomplete.evaluate(&ctx(), &net("zk-hs:2181"));
        assert_eq!(statuses(&out), vec![Status::Pass], "{}", out[0].message);
        assert!(
            out[0]
                .message
                .contains("zk-hs names several of them at once")
        );
        let out = ZookeeperConnectIncomplete.evaluate(&ctx(), &net("zk-0.zk-hs:2181"));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0].message.contains("missing: zk-1, zk-2"),
            "{}",
            out[0].message
        );
    }
}
