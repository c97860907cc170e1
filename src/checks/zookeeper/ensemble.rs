//! What the ZooKeeper and Kafka checks share about an ensemble: the instances the
//! configuration deploys, their client port, their `ZOO_SERVERS` lists, and the servers a
//! broker's `zookeeper.connect` names.

use crate::checks::kafka::usable;
pub use crate::inventory::ordering::members::{ServerEntry, parse_servers};
use crate::inventory::ordering::{Network, Workload};

/// One ZooKeeper server instance and the names it answers to.
#[derive(Debug, Clone)]
pub struct Instance<'a> {
    pub workload: &'a Workload,
    /// `zookeeper0`, `zk-1` (a StatefulSet pod), …
    pub names: Vec<String>,
}

/// The ZooKeeper instances of a network: a StatefulSet of n replicas is n instances named
/// `<name>-<i>`; anything else is one instance per replica sharing its names.
pub fn instances<'a>(net: &Network<'a>) -> Vec<Instance<'a>> {
    let mut out = Vec::new();
    for w in net.of(crate::inventory::ordering::Component::Zookeeper) {
        let n = w.instances();
        let ordinal_names: Vec<String> = (0..n).map(|i| format!("{}-{i}", w.name)).collect();
        if n > 1 && ordinal_names.iter().all(|o| w.hostnames.contains(o)) {
            out.extend(ordinal_names.into_iter().map(|name| Instance {
                workload: w,
                names: vec![name],
            }));
        } else {
            out.extend((0..n).map(|_| Instance {
                workload: w,
                names: w.hostnames.clone(),
            }));
        }
    }
    out
}

/// The first DNS label of a host (`zk-0` for `zk-0.zoo.ns.svc.cluster.local`).
pub fn first_label(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// Whether `host` names one of `names` (exactly, or by its first DNS label).
pub fn names_match(host: &str, names: &[String]) -> bool {
    names.iter().any(|n| {
        n == host
            || n == first_label(host)
            || first_label(n) == first_label(host) && n.contains('.')
    })
}

/// `host:port,host:port/chroot` → (host, port) pairs; a missing port is ZooKeeper's 2181.
pub fn parse_connect(value: &str) -> Vec<(String, Option<u16>)> {
    let hosts = value.split('/').next().unwrap_or(value);
    hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| match h.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), port.trim().parse().ok()),
            None => (h.to_owned(), Some(2181)),
        })
        .collect()
}

/// The client port a ZooKeeper workload listens on: `ZOO_PORT` (the Fabric and official
/// images), `ZOOKEEPER_CLIENT_PORT` (Confluent's image), else 2181. `Err` when written but not
/// evaluable.
pub fn client_port(w: &Workload) -> Result<u16, String> {
    let confluent = w
        .image
        .as_deref()
        .is_some_and(|i| i.contains("confluent") || i.contains("cp-zookeeper"));
    let key = if confluent {
        "ZOOKEEPER_CLIENT_PORT"
    } else {
        "ZOO_PORT"
    };
    match usable(w.env.get(key))? {
        None => Ok(2181),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{key}={v:?} is not a port")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_strings() {
        assert_eq!(
            parse_connect("zk0:2181,zk1:2182/kafka"),
            vec![
                ("zk0".to_owned(), Some(2181)),
                ("zk1".to_owned(), Some(2182))
            ]
        );
        assert_eq!(parse_connect("zk0"), vec![("zk0".to_owned(), Some(2181))]);
    }

    #[test]
    fn host_matching() {
        let names = vec!["zookeeper-0".to_owned()];
        assert!(names_match(
            "zookeeper-0.zoo.org1-net.svc.cluster.local",
            &names
        ));
        assert!(!names_match("zookeeper-1.zoo", &names));
        assert!(names_match(
            "zookeeper.example.com",
            &["zookeeper.example.com".to_owned()]
        ));
    }
}
