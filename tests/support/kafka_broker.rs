//! A stand-in Kafka cluster for the live tests: one TCP listener per broker on 127.0.0.1, all
//! answering from one [`Scenario`] so that they look like a single cluster.
//!
//! No Kafka broker runs on this machine, so this one speaks the real wire format through the
//! `kafka-protocol` crate (the same schemas a client library uses): every request is decoded
//! (`RequestHeader`, then the body by API key and version) and every answer encoded at the
//! version asked for. It answers ApiVersions, Metadata and DescribeConfigs the way Kafka does
//! where it matters to the probe: a version it does not speak gets UNSUPPORTED_VERSION
//! (ApiVersions) or a closed connection (everything else, as Kafka 1.0 does), a broker's own
//! configuration is only served by that broker, and unknown topics get an error code.
//! Misbehaviours (closing mid-answer, never answering) are per broker and per API.
//!
//! The listeners run on their own runtime, shut down when the [`Cluster`] is dropped.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult,
};
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, BrokerId, DescribeConfigsRequest,
    DescribeConfigsResponse, MetadataRequest, MetadataResponse, RequestHeader, ResponseHeader,
    TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

/// What a broker does wrong, for one API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Sends the length prefix and half of its answer to this API, then closes the connection.
    CloseMidResponse(ApiKey),
    /// Reads requests for this API and never answers (the connection stays open).
    Silent(ApiKey),
}

/// One broker of the scenario.
#[derive(Debug, Clone)]
pub struct BrokerSpec {
    pub id: i32,
    /// Listed in Metadata answers. A broker that is not registered still listens, as one that
    /// lost its ZooKeeper session does.
    pub registered: bool,
    /// Effective configuration served for this broker's BROKER resource.
    pub configs: BTreeMap<String, String>,
    /// ApiVersions versions spoken; a request outside gets UNSUPPORTED_VERSION.
    pub api_versions: (i16, i16),
    /// Highest Metadata version spoken.
    pub metadata_max: i16,
    /// Highest DescribeConfigs version spoken; `None` for a broker before Kafka 0.11.
    pub describe_configs_max: Option<i16>,
    pub misbehaviour: Option<Misbehaviour>,
}

impl BrokerSpec {
    /// A current broker with the given configuration.
    pub fn new(id: i32, configs: BTreeMap<String, String>) -> BrokerSpec {
        BrokerSpec {
            id,
            registered: true,
            configs,
            api_versions: (0, 4),
            metadata_max: 12,
            describe_configs_max: Some(4),
            misbehaviour: None,
        }
    }

    /// Speaks what Kafka 1.0 (the Fabric 1.x image) speaks: ApiVersions v0-1, Metadata v0-5,
    /// DescribeConfigs v0 only.
    pub fn kafka_1_0(mut self) -> BrokerSpec {
        self.api_versions = (0, 1);
        self.metadata_max = 5;
        self.describe_configs_max = Some(0);
        self
    }
}

#[derive(Debug, Clone)]
pub struct PartitionSpec {
    pub id: i32,
    /// -1 for no leader.
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
}

#[derive(Debug, Clone)]
pub struct TopicSpec {
    pub name: String,
    pub internal: bool,
    pub partitions: Vec<PartitionSpec>,
    /// Topic-level overrides.
    pub configs: BTreeMap<String, String>,
}

impl TopicSpec {
    /// A one-partition channel led by `leader`.
    pub fn channel(name: &str, leader: i32, replicas: &[i32], isr: &[i32]) -> TopicSpec {
        TopicSpec {
            name: name.to_owned(),
            internal: false,
            partitions: vec![PartitionSpec {
                id: 0,
                leader,
                replicas: replicas.to_vec(),
                isr: isr.to_vec(),
            }],
            configs: BTreeMap::new(),
        }
    }
}

/// The whole cluster the listeners pretend to be.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub brokers: Vec<BrokerSpec>,
    pub topics: Vec<TopicSpec>,
    pub controller: i32,
}

/// Broker settings that meet every Kafka rule of the Fabric guide.
pub fn good_config() -> BTreeMap<String, String> {
    [
        ("unclean.leader.election.enable", "false"),
        ("min.insync.replicas", "2"),
        ("default.replication.factor", "3"),
        ("message.max.bytes", "103809024"),
        ("replica.fetch.max.bytes", "103809024"),
        ("socket.request.max.bytes", "104857600"),
        ("log.retention.ms", "-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

impl Scenario {
    /// Four brokers meeting every rule; channels `mychannel` and `testchainid` with three
    /// replicas all in sync; and Kafka's `__consumer_offsets`, which is not a channel.
    pub fn healthy() -> Scenario {
        Scenario {
            brokers: (1..=4)
                .map(|id| BrokerSpec::new(id, good_config()))
                .collect(),
            topics: vec![
                TopicSpec::channel("mychannel", 1, &[1, 2, 3], &[1, 2, 3]),
                TopicSpec::channel("testchainid", 2, &[2, 3, 4], &[2, 3, 4]),
                TopicSpec {
                    internal: true,
                    ..TopicSpec::channel("__consumer_offsets", 3, &[3], &[3])
                },
            ],
            controller: 1,
        }
    }

    pub fn broker_mut(&mut self, id: i32) -> &mut BrokerSpec {
        self.brokers
            .iter_mut()
            .find(|b| b.id == id)
            .expect("broker in scenario")
    }

    pub fn topic_mut(&mut self, name: &str) -> &mut TopicSpec {
        self.topics
            .iter_mut()
            .find(|t| t.name == name)
            .expect("topic in scenario")
    }
}

/// One request a broker received: which broker, which API, which version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub broker: i32,
    pub api: ApiKey,
    pub version: i16,
    /// DescribeConfigs resources asked for, as (type, name).
    pub resources: Vec<(i8, String)>,
}

/// The running listeners. Dropping it stops them.
pub struct Cluster {
    runtime: Option<Runtime>,
    ports: BTreeMap<i32, u16>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

struct Shared {
    scenario: Scenario,
    /// Host and port each broker is advertised at in Metadata answers.
    advertised: BTreeMap<i32, (String, u16)>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Cluster {
    pub fn start(scenario: Scenario) -> Cluster {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test broker runtime");
        // Every port must be known before the first Metadata answer, which advertises them all.
        let listeners: Vec<(i32, TcpListener)> = runtime.block_on(async {
            let mut out = Vec::new();
            for b in &scenario.brokers {
                out.push((b.id, TcpListener::bind("127.0.0.1:0").await.expect("bind")));
            }
            out
        });
        let ports: BTreeMap<i32, u16> = listeners
            .iter()
            .map(|(id, l)| (*id, l.local_addr().unwrap().port()))
            .collect();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            scenario,
            advertised: ports
                .iter()
                .map(|(id, port)| (*id, ("127.0.0.1".to_owned(), *port)))
                .collect(),
            seen: seen.clone(),
        });
        for (id, listener) in listeners {
            let shared = shared.clone();
            runtime.spawn(async move {
                while let Ok((socket, _)) = listener.accept().await {
                    let shared = shared.clone();
                    tokio::spawn(async move { serve(socket, id, shared).await });
                }
            });
        }
        Cluster {
            runtime: Some(runtime),
            ports,
            seen,
        }
    }

    /// Serves broker `id` of `scenario` alone on `listen`, the others advertised at `advertised`
    /// (host and port per broker id) as they would be by their own processes — one broker per
    /// pod of the real node's Kafka StatefulSets (examples/kafka-standin.rs).
    pub fn start_one(
        scenario: Scenario,
        id: i32,
        listen: std::net::SocketAddr,
        advertised: BTreeMap<i32, (String, u16)>,
    ) -> std::io::Result<Cluster> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind(listen))?;
        let port = listener.local_addr()?.port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            scenario,
            advertised,
            seen: seen.clone(),
        });
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move { serve(socket, id, shared).await });
            }
        });
        Ok(Cluster {
            runtime: Some(runtime),
            ports: [(id, port)].into_iter().collect(),
            seen,
        })
    }

    /// `127.0.0.1:port` of broker `id`.
    pub fn endpoint(&self, id: i32) -> String {
        format!("127.0.0.1:{}", self.ports[&id])
    }

    /// Every broker's endpoint, comma-separated, in id order.
    pub fn bootstrap(&self) -> String {
        self.ports
            .keys()
            .map(|id| self.endpoint(*id))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Requests received so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Closes the listeners and every connection, including those a silent broker holds;
        // waiting (briefly) for the workers means the ports are closed when `drop` returns.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(std::time::Duration::from_secs(2));
        }
    }
}

const UNSUPPORTED_VERSION: i16 = 35;
const INVALID_REQUEST: i16 = 42;
const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
const LEADER_NOT_AVAILABLE: i16 = 5;

/// One connection: requests in order, one answer each, until the client closes.
async fn serve(mut socket: TcpStream, me: i32, shared: Arc<Shared>) {
    let spec = shared
        .scenario
        .brokers
        .iter()
        .find(|b| b.id == me)
        .expect("listener's broker")
        .clone();
    loop {
        let mut prefix = [0u8; 4];
        if socket.read_exact(&mut prefix).await.is_err() {
            return;
        }
        let len = i32::from_be_bytes(prefix);
        if !(4..=1 << 20).contains(&len) {
            return;
        }
        let mut frame = vec![0u8; len as usize];
        if socket.read_exact(&mut frame).await.is_err() {
            return;
        }
        let Some((api, answer)) = answer(&frame, &spec, &shared) else {
            // Kafka closes the connection on a request it cannot parse or a version it does
            // not speak.
            return;
        };
        match spec.misbehaviour {
            Some(Misbehaviour::Silent(key)) if key == api => {
                std::future::pending::<()>().await;
            }
            Some(Misbehaviour::CloseMidResponse(key)) if key == api => {
                let half = answer.len() / 2;
                let _ = socket.write_all(&(answer.len() as i32).to_be_bytes()).await;
                let _ = socket.write_all(&answer[..half]).await;
                let _ = socket.flush().await;
                return;
            }
            _ => {}
        }
        let mut out = BytesMut::with_capacity(answer.len() + 4);
        out.put_i32(answer.len() as i32);
        out.put_slice(&answer);
        if socket.write_all(&out).await.is_err() {
            return;
        }
    }
}

/// Decodes one request frame and encodes the answer (response header + body), or `None` when
/// the connection should be closed instead.
fn answer(frame: &[u8], spec: &BrokerSpec, shared: &Shared) -> Option<(ApiKey, Bytes)> {
    if frame.len() < 4 {
        return None;
    }
    let key = i16::from_be_bytes([frame[0], frame[1]]);
    let version = i16::from_be_bytes([frame[2], frame[3]]);
    let api = ApiKey::try_from(key).ok()?;
    let mut buf = Bytes::copy_from_slice(frame);
    let header = RequestHeader::decode(&mut buf, api.request_header_version(version)).ok()?;
    let mut seen = Seen {
        broker: spec.id,
        api,
        version,
        resources: Vec::new(),
    };
    let mut out = BytesMut::new();
    let respond_header = |out: &mut BytesMut, header_version: i16| {
        ResponseHeader::default()
            .with_correlation_id(header.correlation_id)
            .encode(out, header_version)
            .expect("response header");
    };
    match api {
        ApiKey::ApiVersions => {
            let (min, max) = spec.api_versions;
            let mut keys = vec![
                ApiVersion::default()
                    .with_api_key(ApiKey::ApiVersions as i16)
                    .with_min_version(min)
                    .with_max_version(max),
                ApiVersion::default()
                    .with_api_key(ApiKey::Metadata as i16)
                    .with_min_version(0)
                    .with_max_version(spec.metadata_max),
            ];
            if let Some(dc) = spec.describe_configs_max {
                keys.push(
                    ApiVersion::default()
                        .with_api_key(ApiKey::DescribeConfigs as i16)
                        .with_min_version(0)
                        .with_max_version(dc),
                );
            }
            // The answer always carries response header v0.
            respond_header(&mut out, 0);
            if version < min || version > max {
                // Kafka answers a version it does not speak with v0 and its own range.
                ApiVersionsResponse::default()
                    .with_error_code(UNSUPPORTED_VERSION)
                    .with_api_keys(keys)
                    .encode(&mut out, 0)
                    .expect("ApiVersions v0");
            } else {
                ApiVersionsRequest::decode(&mut buf, version).ok()?;
                ApiVersionsResponse::default()
                    .with_api_keys(keys)
                    .encode(&mut out, version)
                    .expect("ApiVersions");
            }
        }
        ApiKey::Metadata => {
            if version > spec.metadata_max {
                return None;
            }
            let request = MetadataRequest::decode(&mut buf, version).ok()?;
            respond_header(&mut out, api.response_header_version(version));
            metadata(&request, version, shared)
                .encode(&mut out, version)
                .expect("Metadata");
        }
        ApiKey::DescribeConfigs => {
            if spec.describe_configs_max.is_none_or(|max| version > max) {
                return None;
            }
            let request = DescribeConfigsRequest::decode(&mut buf, version).ok()?;
            seen.resources = request
                .resources
                .iter()
                .map(|r| (r.resource_type, r.resource_name.to_string()))
                .collect();
            respond_header(&mut out, api.response_header_version(version));
            describe_configs(&request, version, spec, shared)
                .encode(&mut out, version)
                .expect("DescribeConfigs");
        }
        _ => return None,
    }
    shared.seen.lock().unwrap().push(seen);
    Some((api, out.freeze()))
}

fn metadata(request: &MetadataRequest, version: i16, shared: &Shared) -> MetadataResponse {
    let scenario = &shared.scenario;
    let registered: Vec<&BrokerSpec> = scenario.brokers.iter().filter(|b| b.registered).collect();
    let brokers = registered
        .iter()
        .map(|b| {
            MetadataResponseBroker::default()
                .with_node_id(BrokerId(b.id))
                .with_host(StrBytes::from_string(
                    shared
                        .advertised
                        .get(&b.id)
                        .map_or_else(String::new, |a| a.0.clone()),
                ))
                .with_port(i32::from(shared.advertised.get(&b.id).map_or(0, |a| a.1)))
        })
        .collect();
    // An empty list in v0 and null from v1 on both mean every topic.
    let wanted: Option<Vec<String>> = request.topics.as_ref().filter(|t| !t.is_empty()).map(|t| {
        t.iter()
            .filter_map(|t| t.name.as_ref().map(|n| n.0.to_string()))
            .collect()
    });
    let topics = scenario
        .topics
        .iter()
        .filter(|t| wanted.as_ref().is_none_or(|w| w.contains(&t.name)))
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let mut mp = MetadataResponsePartition::default()
                        .with_error_code(if p.leader < 0 {
                            LEADER_NOT_AVAILABLE
                        } else {
                            0
                        })
                        .with_partition_index(p.id)
                        .with_leader_id(BrokerId(p.leader))
                        .with_replica_nodes(p.replicas.iter().map(|&r| BrokerId(r)).collect())
                        .with_isr_nodes(p.isr.iter().map(|&r| BrokerId(r)).collect());
                    if version >= 5 {
                        let offline = p
                            .replicas
                            .iter()
                            .filter(|r| !registered.iter().any(|b| b.id == **r))
                            .map(|&r| BrokerId(r))
                            .collect();
                        mp = mp.with_offline_replicas(offline);
                    }
                    if version >= 7 {
                        mp = mp.with_leader_epoch(0);
                    }
                    mp
                })
                .collect();
            MetadataResponseTopic::default()
                .with_name(Some(TopicName(StrBytes::from_string(t.name.clone()))))
                // v0 has no internal flag; the crate refuses to encode a set one there.
                .with_is_internal(version >= 1 && t.internal)
                .with_partitions(partitions)
        })
        .collect();
    let mut response = MetadataResponse::default()
        .with_brokers(brokers)
        .with_topics(topics);
    if version >= 1 {
        response = response.with_controller_id(BrokerId(scenario.controller));
    }
    if version >= 2 {
        response =
            response.with_cluster_id(Some(StrBytes::from_static_str("fabcheck-test-cluster")));
    }
    response
}

/// Config entry as a broker writes it at `version`: v0 says whether it is a default, later
/// versions say where the value comes from (1 topic, 4 static broker config, 5 default).
fn entry(
    version: i16,
    name: &str,
    value: Option<&str>,
    source: i8,
) -> DescribeConfigsResourceResult {
    let e = DescribeConfigsResourceResult::default()
        .with_name(StrBytes::from_string(name.to_owned()))
        .with_value(value.map(|v| StrBytes::from_string(v.to_owned())))
        .with_is_sensitive(value.is_none());
    if version == 0 {
        e.with_is_default(source == 5)
    } else {
        e.with_config_source(source)
    }
}

fn describe_configs(
    request: &DescribeConfigsRequest,
    version: i16,
    spec: &BrokerSpec,
    shared: &Shared,
) -> DescribeConfigsResponse {
    let results = request
        .resources
        .iter()
        .map(|r| {
            let name = r.resource_name.to_string();
            let result = DescribeConfigsResult::default()
                .with_resource_type(r.resource_type)
                .with_resource_name(r.resource_name.clone())
                .with_error_message(None);
            match r.resource_type {
                4 if name == spec.id.to_string() => {
                    let mut configs: Vec<_> = spec
                        .configs
                        .iter()
                        .map(|(k, v)| entry(version, k, Some(v), 4))
                        .collect();
                    // What a real broker adds: defaults, and secrets it withholds.
                    configs.push(entry(version, "log.retention.hours", Some("168"), 5));
                    configs.push(entry(version, "ssl.key.password", None, 4));
                    result.with_configs(configs)
                }
                // Kafka serves a broker's configuration only from that broker.
                4 => result
                    .with_error_code(INVALID_REQUEST)
                    .with_error_message(Some(StrBytes::from_string(format!(
                        "Unexpected broker id, expected {} but received {name}",
                        spec.id
                    )))),
                2 => match shared.scenario.topics.iter().find(|t| t.name == name) {
                    Some(topic) => {
                        let mut configs: Vec<_> = topic
                            .configs
                            .iter()
                            .map(|(k, v)| entry(version, k, Some(v), 1))
                            .collect();
                        configs.push(entry(version, "cleanup.policy", Some("delete"), 5));
                        result.with_configs(configs)
                    }
                    None => result.with_error_code(UNKNOWN_TOPIC_OR_PARTITION),
                },
                _ => result.with_error_code(INVALID_REQUEST),
            }
        })
        .collect();
    DescribeConfigsResponse::default().with_results(results)
}
