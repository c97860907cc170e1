//! What the ZooKeeper and Kafka checks share about an ensemble: the instances the
//! configuration deploys, their client port, their `ZOO_SERVERS` lists, and the servers a
//! broker's `zookeeper.connect` names.

use crate::checks::usable;
use crate::inventory::ordering::charts::release_pattern_matches;
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

/// Whether `host` names one of `names` (exactly, or by its first DNS label). A name a Helm
/// release decides (`<kafka release>-0`, see [`release_pattern_matches`]) matches every name
/// a release could give it.
pub fn names_match(host: &str, names: &[String]) -> bool {
    names.iter().any(|n| {
        n == host
            || n == first_label(host)
            || first_label(n) == first_label(host) && n.contains('.')
            || release_pattern_matches(n, first_label(host))
    })
}

/// The names of a workload's pods one by one (`kafka-0`, `kafka-1` of a StatefulSet), by
/// ordinal, when the workload is known by them.
pub fn pod_names(w: &Workload) -> Vec<(u32, String)> {
    (0..w.instances().min(64))
        .map(|i| (i, format!("{}-{i}", w.name)))
        .filter(|(_, n)| w.hostnames.contains(n))
        .collect()
}

/// The names that reach every pod of a workload at once: its Services (a Service selecting
/// the pods, a StatefulSet's governing headless Service), a compose service name. A headless
/// Service resolves to every pod's address and a ClusterIP Service forwards to any ready pod,
/// so a client given one of these names reaches whichever pod is up.
pub fn names_for_all_pods(w: &Workload) -> Vec<String> {
    let pods: Vec<String> = pod_names(w).into_iter().map(|(_, n)| n).collect();
    w.hostnames
        .iter()
        .filter(|h| !pods.contains(h))
        .cloned()
        .collect()
}

/// The pods (workload, ordinal) of `servers` that `host` reaches: the one pod it names, or
/// every pod of a workload when it names them all at once ([`names_for_all_pods`]).
pub fn pods_reached<'a>(host: &str, servers: &[&'a Workload]) -> Vec<(&'a Workload, u32)> {
    let mut out = Vec::new();
    for w in servers {
        let one: Vec<u32> = pod_names(w)
            .into_iter()
            .filter(|(_, n)| names_match(host, std::slice::from_ref(n)))
            .map(|(i, _)| i)
            .collect();
        if !one.is_empty() {
            out.extend(one.into_iter().map(|i| (*w, i)));
        } else if names_match(host, &names_for_all_pods(w)) {
            out.extend((0..w.instances()).map(|i| (*w, i)));
        }
    }
    out
}

/// The variables a ZooKeeper image reads its server id (myid) from: the official and Fabric
/// images' `ZOO_MY_ID`, Confluent's `ZOOKEEPER_SERVER_ID`, Bitnami's `ZOO_SERVER_ID`, and the
/// `MY_ID` of the Kubernetes ZooKeeper scripts.
const MYID_VARIABLES: &[&str] = &["ZOO_MY_ID", "ZOOKEEPER_SERVER_ID", "ZOO_SERVER_ID", "MY_ID"];

/// The first server id when a workload derives each server's id from its pod's ordinal plus a
/// constant (`export ZOO_MY_ID=$((${HOSTNAME##*-}+1))`, bitnami's minServerId), and the command
/// that does it. The Kubernetes ZooKeeper images do it themselves: `start-zookeeper`
/// (k8s.gcr.io/kubernetes-zookeeper) and `zkGenConfig.sh` (gcr.io/google_samples/k8szk) write
/// `MY_ID=$((ORD+1))` (kubernetes-retired/contrib statefulsets/zookeeper). An id that is the
/// bare ordinal (`${HOSTNAME##*-}`) is not one: pod 0 would get 0. Nor is the first k8szk
/// image's `zkGenConfig.sh` given `ZK_ENSEMBLE`, which numbers the hosts of that list.
pub fn ordinal_myid(w: &Workload) -> Option<(u64, String)> {
    w.computed_at_start.iter().find_map(|command| {
        if command.contains("start-zookeeper")
            || (command.contains("zkGenConfig.sh") && !w.env.contains_key("ZK_ENSEMBLE"))
        {
            let script = command
                .split_whitespace()
                .find(|w| w.contains("start-zookeeper") || w.contains("zkGenConfig.sh"))
                .unwrap_or_default();
            return Some((1, format!("{script} writes MY_ID=$((ORD+1))")));
        }
        let compact: String = command.chars().filter(|c| !c.is_whitespace()).collect();
        MYID_VARIABLES.iter().find_map(|var| {
            let at = compact.find(&format!("{var}=$(("))?;
            let expr = &compact[at + var.len() + 4..];
            let expr = &expr[..expr.find("))")?];
            let (ordinal, offset) = expr.split_once('+')?;
            // `${HOSTNAME##*-}`, or the ORD the Kubernetes scripts cut from the host name
            // with `[[ $HOST =~ (.*)-([0-9]+)$ ]]` and BASH_REMATCH.
            let from_hostname = ordinal.starts_with("${") && ordinal.ends_with("##*-}");
            let from_rematch =
                matches!(ordinal, "ORD" | "$ORD" | "${ORD}") && compact.contains("BASH_REMATCH");
            if !(from_hostname || from_rematch) {
                return None;
            }
            Some((offset.parse().ok()?, format!("{var}=$(({expr}))")))
        })
    })
}

/// Whether a workload's start-up command sets the server id some way (not evaluated unless
/// [`ordinal_myid`] recognises it).
pub fn myid_computed_at_start(w: &Workload) -> bool {
    w.computed_at_start.iter().any(|c| {
        MYID_VARIABLES.iter().any(|v| c.contains(v))
            || c.contains("start-zookeeper")
            || c.contains("zkGenConfig.sh")
    })
}

/// The ensemble size a Kubernetes ZooKeeper image is told (`start-zookeeper --servers=N`, the
/// k8szk image's `ZK_REPLICAS`): it writes server.1..N to every server's configuration,
/// whatever the replica count. `Err` when it is written but cannot be read.
pub fn configured_servers(w: &Workload) -> Option<Result<u32, String>> {
    for command in &w.computed_at_start {
        let mut words = command.split_whitespace();
        while let Some(word) = words.next() {
            let value = match word.strip_prefix("--servers") {
                Some(rest) if rest.starts_with('=') => rest[1..].to_owned(),
                Some("") => words.next().unwrap_or("").to_owned(),
                _ => continue,
            };
            return Some(
                value
                    .trim_matches(|c| c == '"' || c == '\'')
                    .parse()
                    .map_err(|_| format!("start-zookeeper --servers={value} is not a number")),
            );
        }
    }
    let replicas = w.env.get("ZK_REPLICAS")?;
    Some(usable(Some(replicas)).and_then(|v| {
        let v = v.unwrap_or_default();
        v.trim()
            .parse()
            .map_err(|_| format!("ZK_REPLICAS={v:?} is not a number"))
    }))
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

    fn with_command(command: &str) -> Workload {
        let mut w = crate::checks::kafka::testing::zookeeper("zk", &[]);
        w.computed_at_start = vec![command.to_owned()];
        w
    }

    #[test]
    fn ids_from_pod_ordinals() {
        let id = |c: &str| ordinal_myid(&with_command(c)).map(|(first, _)| first);
        assert_eq!(
            id("export ZOO_MY_ID=$((${HOSTNAME##*-}+1)) && /docker-entrypoint.sh"),
            Some(1)
        );
        assert_eq!(
            id("export ZOOKEEPER_SERVER_ID=$(( ${HOSTNAME##*-} + 1 ))"),
            Some(1)
        );
        assert_eq!(id("ZOO_SERVER_ID=$((${HOSTNAME##*-}+10))"), Some(10));
        assert_eq!(
            id(
                "if [[ $HOST =~ (.*)-([0-9]+)$ ]]; then ORD=${BASH_REMATCH[2]}; fi && export MY_ID=$((ORD+1))"
            ),
            Some(1)
        );
        assert_eq!(
            id("sh -c start-zookeeper --servers=3 --data_dir=/var/lib/zookeeper/data"),
            Some(1)
        );
        assert_eq!(
            id("sh -c zkGenConfig.sh && zkServer.sh start-foreground"),
            Some(1)
        );
        // The bare ordinal (bevel's zkkafka chart) gives pod 0 the id 0: not recognised.
        assert_eq!(
            id("export ZOO_MY_ID=${HOSTNAME##*-}; /docker-entrypoint.sh zkServer.sh"),
            None
        );
        assert!(myid_computed_at_start(&with_command(
            "export ZOO_MY_ID=${HOSTNAME##*-}"
        )));
        let mut ensemble = with_command("zkGenConfig.sh && zkServer.sh start-foreground");
        ensemble.env.insert(
            "ZK_ENSEMBLE".into(),
            crate::inventory::ordering::Setting::literal("zk-0;zk-1;zk-2", ensemble.origin.clone()),
        );
        assert_eq!(ordinal_myid(&ensemble), None);
        assert!(myid_computed_at_start(&ensemble));
    }

    #[test]
    fn ensemble_size_from_the_start_script() {
        let n = |c: &str| configured_servers(&with_command(c));
        assert_eq!(
            n("start-zookeeper --servers=3 --client_port=2181"),
            Some(Ok(3))
        );
        assert_eq!(n("start-zookeeper --servers 5"), Some(Ok(5)));
        assert!(matches!(n("start-zookeeper --servers=$N"), Some(Err(_))));
        assert_eq!(n("zkServer.sh start-foreground"), None);
    }

    #[test]
    fn release_named_hosts_match_their_pattern() {
        let names = vec!["<kafka release>".to_owned(), "<kafka release>-0".to_owned()];
        assert!(names_match("kafka-hlf.alpha.svc.cluster.local", &names));
        assert!(names_match("kafka-hlf-0.kafka-hlf-headless", &names));
        assert!(!names_match("zookeeper-0", &names));
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
