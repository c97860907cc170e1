//! ZK-004 `client-port-mismatch`: the ports in each broker's zookeeper.connect are the client
//! ports of the ZooKeeper servers they name. A name for all of an ensemble's pods (its
//! headless Service, which resolves to the pods' addresses, or the client Service the public
//! charts put in front of them on the same port) is judged against those servers' port.

use super::ensemble::{client_port, instances, names_match, parse_connect, pods_reached};
use crate::checks::usable;
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::ordering::Component;

pub struct ClientPortMismatch;

impl Check for ClientPortMismatch {
    fn id(&self) -> &'static str {
        "ZK-004"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for net in inv.ordering.networks() {
            let ensemble = instances(&net);
            if ensemble.is_empty() {
                continue;
            }
            for w in net.of(Component::Kafka) {
                let setting = w.kafka_setting("zookeeper.connect");
                let Ok(Some(value)) = usable(setting) else {
                    continue;
                };
                let target = setting.map_or(&w.origin, |s| &s.origin).target();
                let mut wrong = Vec::new();
                let mut matched = 0;
                let servers: Vec<_> = net.of(Component::Zookeeper).collect();
                for (host, port) in parse_connect(value) {
                    let named = ensemble
                        .iter()
                        .find(|i| names_match(&host, &i.names))
                        .map(|i| i.workload)
                        .or_else(|| pods_reached(&host, &servers).first().map(|(w, _)| *w));
                    let Some(server) = named else {
                        continue;
                    };
                    matched += 1;
                    match client_port(server) {
                        Ok(expected) if port == Some(expected) => {}
                        Ok(expected) => wrong.push(format!(
                            "{host}:{} but {} listens on {expected}",
                            port.map_or("?".into(), |p| p.to_string()),
                            server.name
                        )),
                        Err(e) => wrong.push(format!("{host}: {e}")),
                    }
                }
                let (status, message) = if matched == 0 {
                    (
                        Status::Skip,
                        "zookeeper.connect names none of the ZooKeeper servers among the artifacts"
                            .to_owned(),
                    )
                } else if wrong.is_empty() {
                    (
                        Status::Pass,
                        format!("{matched} ZooKeeper address(es) use the servers' client port"),
                    )
                } else {
                    (Status::Fail, wrong.join("; "))
                };
                out.push(Outcome::new(status, target, message).with("broker", w.name.clone()));
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "brokers with ZooKeeper servers beside them");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::kafka::testing::*;

    #[test]
    fn ports_must_be_the_client_port() {
        let inv = network(vec![
            zookeeper("zk0", &[("ZOO_PORT", "2181")]),
            zookeeper("zk1", &[("ZOO_PORT", "2182")]),
            broker("k0", &[("KAFKA_ZOOKEEPER_CONNECT", "zk0:2181,zk1:2181")]),
        ]);
        let out = ClientPortMismatch.evaluate(&ctx(), &inv);
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(out[0].message.contains("zk1:2181 but zk1 listens on 2182"));
    }
}
