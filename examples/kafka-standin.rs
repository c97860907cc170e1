//! One Kafka broker of a stand-in cluster, for a pod of the reference network's Kafka
//! StatefulSets on the tests' real node (tests/real_node.rs): it speaks Kafka's wire protocol
//! through the tests' broker (tests/support/kafka_broker.rs) — ApiVersions, Metadata,
//! DescribeConfigs — and is configured the way `hyperledger/fabric-kafka` is, from the pod's
//! environment:
//!
//! - `KAFKA_BROKER_ID`, and every other `KAFKA_X_Y` as the broker setting `x.y` (the image's
//!   docker-entrypoint turns them into server.properties the same way); what it serves for its
//!   own BROKER resource in DescribeConfigs;
//! - `KAFKA_LISTENERS` (`PLAINTEXT://0.0.0.0:9092`): where it listens.
//!
//! What a real broker learns from ZooKeeper comes from the image's own environment:
//! `FABCHECK_KAFKA_BROKERS` (`ID=HOST:PORT,…`, every broker of the cluster as Metadata lists
//! them) and `FABCHECK_KAFKA_CHANNELS` (the channel topics, each with three replicas, all in
//! sync). Prints `ready` and serves until SIGTERM or SIGINT.

#[path = "../tests/support/kafka_broker.rs"]
mod kafka_broker;

use std::collections::BTreeMap;

use kafka_broker::{BrokerSpec, Cluster, Scenario, TopicSpec};

fn main() {
    if let Err(e) = run() {
        eprintln!("kafka-standin: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let env = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let me: i32 = env("KAFKA_BROKER_ID")?
        .parse()
        .map_err(|e| format!("KAFKA_BROKER_ID: {e}"))?;
    let listen = env("KAFKA_LISTENERS")?;
    let listen = listen
        .split(',')
        .find_map(|l| l.strip_prefix("PLAINTEXT://"))
        .ok_or("KAFKA_LISTENERS names no PLAINTEXT listener")?
        .parse()
        .map_err(|e| format!("KAFKA_LISTENERS: {e}"))?;
    let mut advertised = BTreeMap::new();
    for entry in env("FABCHECK_KAFKA_BROKERS")?.split(',') {
        let (id, addr) = entry.split_once('=').ok_or(format!(
            "FABCHECK_KAFKA_BROKERS: {entry:?} is not ID=HOST:PORT"
        ))?;
        let (host, port) = addr
            .rsplit_once(':')
            .ok_or(format!("FABCHECK_KAFKA_BROKERS: {addr:?} is not HOST:PORT"))?;
        let id: i32 = id.parse().map_err(|e| format!("broker id {id:?}: {e}"))?;
        let port: u16 = port.parse().map_err(|e| format!("port {port:?}: {e}"))?;
        advertised.insert(id, (host.to_owned(), port));
    }
    if !advertised.contains_key(&me) {
        return Err(format!("broker {me} is not in FABCHECK_KAFKA_BROKERS"));
    }
    // Kafka's own default where the environment says nothing.
    let mut configs: BTreeMap<String, String> = [("socket.request.max.bytes", "104857600")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    for (name, value) in std::env::vars() {
        if let Some(setting) = name.strip_prefix("KAFKA_") {
            configs.insert(setting.to_lowercase().replace('_', "."), value);
        }
    }
    let ids: Vec<i32> = advertised.keys().copied().collect();
    let channels = std::env::var("FABCHECK_KAFKA_CHANNELS").unwrap_or_default();
    let topics = channels
        .split(',')
        .filter(|c| !c.is_empty())
        .enumerate()
        .map(|(i, name)| {
            let replicas: Vec<i32> = (0..3.min(ids.len()))
                .map(|k| ids[(i + k) % ids.len()])
                .collect();
            TopicSpec::channel(name, replicas[0], &replicas, &replicas)
        })
        .collect();
    let scenario = Scenario {
        // Every broker with this one's settings: only a broker's own are ever served.
        brokers: ids
            .iter()
            .map(|&id| BrokerSpec::new(id, configs.clone()).kafka_1_0())
            .collect(),
        topics,
        controller: ids[0],
    };
    let _cluster = Cluster::start_one(scenario, me, listen, advertised)
        .map_err(|e| format!("failed to listen on {listen}: {e}"))?;
    println!("ready");
    // As a container's PID 1 nothing ends it but a handler: without one, SIGTERM is ignored and
    // every pod deletion waits out its grace period.
    let signals = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("failed to build the signal runtime: {e}"))?;
    signals.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())
            .map_err(|e| format!("failed to handle SIGTERM: {e}"))?;
        let mut int =
            signal(SignalKind::interrupt()).map_err(|e| format!("failed to handle SIGINT: {e}"))?;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        Ok(())
    })
}
