//! The Kafka wire protocol, as a client: ApiVersions, Metadata and DescribeConfigs over TCP.
//!
//! Frames are a 4-byte big-endian length and a body. Request headers and bodies are encoded,
//! and response headers and bodies decoded, with the `kafka-protocol` crate. Versions are
//! negotiated, never assumed: ApiVersions v0 first (every broker since 0.10 answers it), then the
//! highest version of Metadata and DescribeConfigs that both sides speak, so a Fabric-era
//! Kafka 1.0 broker (DescribeConfigs v0 only) and a current one are read alike.
//!
//! The crate trusts array lengths: a count of two billion in four garbage bytes makes it reserve
//! tens of gigabytes before it notices the bytes are missing, and a failed allocation aborts the
//! process rather than panicking. Every response body is therefore walked against its schema
//! first (`shape`), rejecting any length the remaining bytes cannot hold, and only then
//! decoded by the crate.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, DescribeConfigsRequest,
    DescribeConfigsResponse, MetadataRequest, MetadataResponse, RequestHeader, ResponseHeader,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use super::{ProbeError, Timeouts};
use crate::inventory::live::{
    KafkaBroker, KafkaCluster, KafkaObservation, KafkaPartition, KafkaTopic,
};

/// Largest response accepted. A whole-cluster Metadata answer of a Fabric network is a few
/// kilobytes; a larger length prefix means garbage or not Kafka, not a response worth reading.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// The client id brokers log for our requests.
const CLIENT_ID: &str = "fabcheck";
/// DescribeConfigs resource type of a topic (Kafka's `ConfigResource.Type.TOPIC`).
const RESOURCE_TOPIC: i8 = 2;
/// DescribeConfigs resource type of a broker (Kafka's `ConfigResource.Type.BROKER`).
const RESOURCE_BROKER: i8 = 4;
/// `UNSUPPORTED_VERSION`: how a broker answers an ApiVersions version it does not speak, with
/// its own range attached so the client can retry.
const UNSUPPORTED_VERSION: i16 = 35;
/// DescribeConfigs `config_source` of a value set on the topic itself (v1 and later).
const SOURCE_TOPIC_CONFIG: i8 = 1;

/// Reads cluster metadata and effective configuration through the first bootstrap endpoint
/// that answers.
pub async fn observe(bootstrap: &[String], timeouts: Timeouts) -> KafkaObservation {
    KafkaObservation {
        bootstrap: bootstrap.to_vec(),
        result: observe_cluster(bootstrap, timeouts).await,
    }
}

async fn observe_cluster(
    bootstrap: &[String],
    timeouts: Timeouts,
) -> Result<KafkaCluster, ProbeError> {
    let mut failures = Vec::new();
    for endpoint in bootstrap {
        match bootstrap_metadata(endpoint, timeouts).await {
            Ok((conn, cluster)) => return Ok(complete(conn, cluster, timeouts).await),
            Err(e) => failures.push(e),
        }
    }
    Err(combine_failures(bootstrap, failures))
}

/// ApiVersions and Metadata through one bootstrap endpoint.
async fn bootstrap_metadata(
    endpoint: &str,
    timeouts: Timeouts,
) -> Result<(Conn, KafkaCluster), ProbeError> {
    let mut conn = Conn::open(endpoint, timeouts).await?;
    let api_versions = conn.handshake().await?;
    let Some(version) = conn.version_for(ApiKey::Metadata) else {
        return Err(conn.protocol(format!(
            "offers no Metadata version fabcheck speaks ({})",
            conn.range_text(ApiKey::Metadata)
        )));
    };
    let metadata: MetadataResponse = conn
        .call(ApiKey::Metadata, version, &metadata_request(version))
        .await?;
    let mut cluster = cluster_from_metadata(&metadata, version);
    cluster.answered_by = endpoint.to_owned();
    cluster
        .versions
        .insert(ApiKey::ApiVersions as i16, api_versions);
    cluster.versions.insert(ApiKey::Metadata as i16, version);
    Ok((conn, cluster))
}

/// Adds topic overrides (through the bootstrap connection) and every broker's own
/// configuration (each from that broker) to what Metadata said.
async fn complete(mut conn: Conn, mut cluster: KafkaCluster, timeouts: Timeouts) -> KafkaCluster {
    let version = conn.version_for(ApiKey::DescribeConfigs);
    if let Some(v) = version {
        cluster.versions.insert(ApiKey::DescribeConfigs as i16, v);
    }
    read_topic_configs(&mut conn, version, &mut cluster.topics).await;
    drop(conn);
    read_broker_configs(&mut cluster, timeouts).await;
    cluster
}

async fn read_topic_configs(conn: &mut Conn, version: Option<i16>, topics: &mut [KafkaTopic]) {
    // Internal topics (`__consumer_offsets`) are Kafka's, not channels: their settings are not
    // the operator's to judge here.
    let names: Vec<String> = topics
        .iter()
        .filter(|t| !t.internal && !t.name.is_empty())
        .map(|t| t.name.clone())
        .collect();
    if names.is_empty() {
        return;
    }
    let answer = match version {
        None => Err(format!(
            "{} does not support DescribeConfigs (Kafka 0.11 or later)",
            conn.endpoint
        )),
        Some(v) => {
            let request = describe_configs_request(
                names.iter().map(|n| (RESOURCE_TOPIC, n.clone())).collect(),
            );
            conn.call::<_, DescribeConfigsResponse>(ApiKey::DescribeConfigs, v, &request)
                .await
                .map(|r| (v, r))
                .map_err(|e| e.to_string())
        }
    };
    match answer {
        Ok((v, response)) => apply_topic_configs(topics, &response, v),
        Err(reason) => {
            for t in topics.iter_mut().filter(|t| names.contains(&t.name)) {
                t.configs_error = Some(reason.clone());
            }
        }
    }
}

/// Fills each asked topic's overrides (or the reason they are unknown) from a DescribeConfigs
/// answer.
pub(crate) fn apply_topic_configs(
    topics: &mut [KafkaTopic],
    response: &DescribeConfigsResponse,
    version: i16,
) {
    for topic in topics
        .iter_mut()
        .filter(|t| !t.internal && !t.name.is_empty())
    {
        let result = response
            .results
            .iter()
            .find(|r| r.resource_type == RESOURCE_TOPIC && r.resource_name.as_str() == topic.name);
        let Some(result) = result else {
            topic.configs_error = Some("missing from the DescribeConfigs answer".into());
            continue;
        };
        if let Some(name) = error_name(result.error_code) {
            topic.configs_error = Some(with_message(&name, result.error_message.as_ref()));
            continue;
        }
        topic.configs = result
            .configs
            .iter()
            .filter(|c| {
                // v0 marks values not set on the topic as defaults; later versions say where
                // each value comes from, and only TOPIC_CONFIG is an override.
                if version == 0 {
                    !c.is_default
                } else {
                    c.config_source == SOURCE_TOPIC_CONFIG
                }
            })
            .filter_map(|c| Some((c.name.to_string(), c.value.as_ref()?.to_string())))
            .collect();
    }
}

async fn read_broker_configs(cluster: &mut KafkaCluster, timeouts: Timeouts) {
    let mut tasks = JoinSet::new();
    for broker in &cluster.brokers {
        // Until its task reports, a broker's configuration is unknown; a task that dies (never
        // expected) leaves this in place rather than a silent gap.
        cluster
            .broker_configs
            .insert(broker.id, Err("probe task failed".into()));
        let (id, endpoint) = (broker.id, broker_endpoint(&broker.host, broker.port));
        // A broker answers DescribeConfigs for its own BROKER resource only, so each is asked
        // directly, all at once: four slow brokers cost one read timeout, not four.
        tasks.spawn(async move { (id, broker_config(id, &endpoint, timeouts).await) });
    }
    while let Some(joined) = tasks.join_next().await {
        let Ok((id, result)) = joined else { continue };
        match result {
            Ok((version, configs)) => {
                cluster.config_versions.insert(id, version);
                cluster.broker_configs.insert(id, Ok(configs));
            }
            Err(reason) => {
                cluster.broker_configs.insert(id, Err(reason));
            }
        }
    }
}

/// One broker's effective configuration, read from that broker, and the DescribeConfigs
/// version used.
async fn broker_config(
    id: i32,
    endpoint: &str,
    timeouts: Timeouts,
) -> Result<(i16, BTreeMap<String, String>), String> {
    let mut conn = Conn::open(endpoint, timeouts)
        .await
        .map_err(|e| e.to_string())?;
    conn.handshake().await.map_err(|e| e.to_string())?;
    let version = conn.version_for(ApiKey::DescribeConfigs).ok_or_else(|| {
        format!(
            "broker {id} at {endpoint} offers no DescribeConfigs version fabcheck speaks ({}; needs Kafka 0.11 or later)",
            conn.range_text(ApiKey::DescribeConfigs)
        )
    })?;
    let request = describe_configs_request(vec![(RESOURCE_BROKER, id.to_string())]);
    let response: DescribeConfigsResponse = conn
        .call(ApiKey::DescribeConfigs, version, &request)
        .await
        .map_err(|e| e.to_string())?;
    broker_config_from(&response, id)
        .map(|configs| (version, configs))
        .map_err(|reason| format!("broker {id} at {endpoint} {reason}"))
}

/// The BROKER resource `id` out of a DescribeConfigs answer, as name → value. Values the
/// broker withholds (sensitive ones, or settings with no value) are left out: absent means
/// "not set" to the rules.
pub(crate) fn broker_config_from(
    response: &DescribeConfigsResponse,
    id: i32,
) -> Result<BTreeMap<String, String>, String> {
    let wanted = id.to_string();
    let result = response
        .results
        .iter()
        .find(|r| r.resource_type == RESOURCE_BROKER && r.resource_name.as_str() == wanted)
        .ok_or("did not return its configuration")?;
    if let Some(name) = error_name(result.error_code) {
        return Err(format!(
            "answered {} to DescribeConfigs",
            with_message(&name, result.error_message.as_ref())
        ));
    }
    Ok(result
        .configs
        .iter()
        .filter_map(|c| Some((c.name.to_string(), c.value.as_ref()?.to_string())))
        .collect())
}

/// What Metadata said, in fabcheck's terms.
pub(crate) fn cluster_from_metadata(metadata: &MetadataResponse, version: i16) -> KafkaCluster {
    let mut brokers: Vec<KafkaBroker> = metadata
        .brokers
        .iter()
        .map(|b| KafkaBroker {
            id: b.node_id.0,
            host: b.host.to_string(),
            port: b.port,
        })
        .collect();
    brokers.sort_by_key(|b| b.id);
    let mut topics: Vec<KafkaTopic> = metadata
        .topics
        .iter()
        .map(|t| {
            let name = t.name.as_ref().map(|n| n.0.to_string()).unwrap_or_default();
            let mut partitions: Vec<KafkaPartition> = t
                .partitions
                .iter()
                .map(|p| KafkaPartition {
                    id: p.partition_index,
                    leader: p.leader_id.0,
                    replicas: p.replica_nodes.iter().map(|r| r.0).collect(),
                    isr: p.isr_nodes.iter().map(|r| r.0).collect(),
                    error: error_name(p.error_code),
                })
                .collect();
            partitions.sort_by_key(|p| p.id);
            KafkaTopic {
                // v0 has no internal flag; Kafka's own topics are the ones named `__…`.
                internal: t.is_internal || (version == 0 && name.starts_with("__")),
                name,
                error: error_name(t.error_code),
                partitions,
                configs: BTreeMap::new(),
                configs_error: None,
            }
        })
        .collect();
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    KafkaCluster {
        brokers,
        controller_id: (version >= 1 && metadata.controller_id.0 >= 0)
            .then_some(metadata.controller_id.0),
        cluster_id: metadata.cluster_id.as_ref().map(|c| c.to_string()),
        topics,
        ..KafkaCluster::default()
    }
}

/// One error for the whole bootstrap list. An endpoint that answered badly says more than
/// those that could not be reached, so it wins; when none was reached, the error names every
/// endpoint and why (and stays a connect error, so the run can exit "unreachable").
fn combine_failures(bootstrap: &[String], mut failures: Vec<ProbeError>) -> ProbeError {
    let unreached = |e: &ProbeError| {
        matches!(
            e,
            ProbeError::Resolve { .. } | ProbeError::Connect { .. } | ProbeError::Timeout { .. }
        )
    };
    if failures.len() == 1 {
        return failures.remove(0);
    }
    if let Some(i) = failures.iter().position(|e| !unreached(e)) {
        return failures.remove(i);
    }
    if failures.is_empty() {
        return ProbeError::Connect {
            endpoint: String::new(),
            reason: "no bootstrap endpoint given".into(),
        };
    }
    ProbeError::Connect {
        endpoint: bootstrap.join(","),
        reason: format!(
            "no bootstrap endpoint answered: {}",
            failures
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// API key → (min, max) version the broker advertised.
pub(crate) type Advertised = BTreeMap<i16, (i16, i16)>;

pub(crate) fn advertised(response: &ApiVersionsResponse) -> Advertised {
    response
        .api_keys
        .iter()
        .map(|k| (k.api_key, (k.min_version, k.max_version)))
        .collect()
}

/// The highest version of `key` that the broker advertised and the crate can encode.
pub(crate) fn negotiate(advertised: &Advertised, key: ApiKey) -> Option<i16> {
    let ours = key.valid_versions();
    let &(min, max) = advertised.get(&(key as i16))?;
    let (low, high) = (min.max(ours.min), max.min(ours.max));
    (low <= high).then_some(high)
}

/// One open connection to a broker, with the versions it advertised.
struct Conn {
    stream: TcpStream,
    endpoint: String,
    read_timeout: Duration,
    correlation: i32,
    advertised: Advertised,
}

impl Conn {
    async fn open(endpoint: &str, timeouts: Timeouts) -> Result<Conn, ProbeError> {
        Ok(Conn {
            stream: connect(endpoint, timeouts.connect).await?,
            endpoint: endpoint.to_owned(),
            read_timeout: timeouts.read,
            correlation: 0,
            advertised: Advertised::new(),
        })
    }

    fn protocol(&self, reason: String) -> ProbeError {
        ProbeError::Protocol {
            endpoint: self.endpoint.clone(),
            reason,
        }
    }

    fn version_for(&self, key: ApiKey) -> Option<i16> {
        negotiate(&self.advertised, key)
    }

    /// The broker's advertised range for `key`, for messages.
    fn range_text(&self, key: ApiKey) -> String {
        match self.advertised.get(&(key as i16)) {
            Some((min, max)) => format!(
                "broker offers v{min}-v{max}, fabcheck v{}-v{}",
                key.valid_versions().min,
                key.valid_versions().max
            ),
            None => format!("broker does not offer {}", api_name(key)),
        }
    }

    /// ApiVersions: learns which versions the broker speaks; returns the version used.
    async fn handshake(&mut self) -> Result<i16, ProbeError> {
        let first: ApiVersionsResponse = self
            .call(ApiKey::ApiVersions, 0, &api_versions_request(0))
            .await?;
        let (version, answer) = if first.error_code == UNSUPPORTED_VERSION {
            // A broker that no longer speaks v0 says which versions it does speak.
            let theirs = advertised(&first);
            match negotiate(&theirs, ApiKey::ApiVersions) {
                Some(v) if v > 0 => {
                    let again = self
                        .call(ApiKey::ApiVersions, v, &api_versions_request(v))
                        .await?;
                    (v, again)
                }
                _ => {
                    self.advertised = theirs;
                    return Err(self.protocol(format!(
                        "answered UNSUPPORTED_VERSION to ApiVersions v0 and offers no version fabcheck speaks ({})",
                        self.range_text(ApiKey::ApiVersions)
                    )));
                }
            }
        } else {
            (0, first)
        };
        if let Some(name) = error_name(answer.error_code) {
            return Err(self.protocol(format!("answered ApiVersions v{version} with {name}")));
        }
        self.advertised = advertised(&answer);
        Ok(version)
    }

    /// One request/response exchange, bounded by the read timeout.
    async fn call<Req: Encodable, Resp: Decodable>(
        &mut self,
        key: ApiKey,
        version: i16,
        request: &Req,
    ) -> Result<Resp, ProbeError> {
        self.correlation = self.correlation.wrapping_add(1);
        let correlation = self.correlation;
        let what = format!("{} v{version}", api_name(key));
        let frame = encode_request(key, version, correlation, request)
            .map_err(|reason| self.protocol(reason))?;
        let endpoint = self.endpoint.clone();
        let limit = self.read_timeout;
        let stream = &mut self.stream;
        let exchange = async {
            stream
                .write_all(&frame)
                .await
                .map_err(|e| ProbeError::Closed {
                    endpoint: endpoint.clone(),
                    during: format!("while sending the {what} request ({})", io_reason(&e)),
                })?;
            read_frame(stream, MAX_RESPONSE_BYTES)
                .await
                .map_err(|e| e.into_probe(&endpoint, &what))
        };
        let body = match tokio::time::timeout(limit, exchange).await {
            Ok(body) => body?,
            Err(_) => {
                return Err(ProbeError::Timeout {
                    endpoint,
                    during: format!("waiting for the {what} response"),
                    after_ms: millis(limit),
                });
            }
        };
        decode_response(key, version, correlation, body).map_err(|reason| self.protocol(reason))
    }
}

/// Resolves and connects, the whole within the connect timeout.
async fn connect(endpoint: &str, limit: Duration) -> Result<TcpStream, ProbeError> {
    let deadline = tokio::time::Instant::now() + limit;
    let waited = || format!("no answer within {} ms", millis(limit));
    let resolve_error = |reason: String| ProbeError::Resolve {
        endpoint: endpoint.to_owned(),
        reason,
    };
    let addrs: Vec<SocketAddr> =
        match tokio::time::timeout_at(deadline, tokio::net::lookup_host(endpoint)).await {
            Err(_) => return Err(resolve_error(waited())),
            Ok(Err(e)) => return Err(resolve_error(io_reason(&e))),
            Ok(Ok(addrs)) => addrs.collect(),
        };
    let mut reason = "the name has no addresses".to_owned();
    for addr in addrs {
        match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                // Requests are small and each waits for its answer: Nagle would only add delay.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(e)) => reason = io_reason(&e),
            Err(_) => {
                reason = waited();
                break;
            }
        }
    }
    Err(ProbeError::Connect {
        endpoint: endpoint.to_owned(),
        reason,
    })
}

/// `host:port` for a broker's advertised listener, bracketing IPv6 literals.
pub fn broker_endpoint(host: &str, port: i32) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn api_versions_request(version: i16) -> ApiVersionsRequest {
    let request = ApiVersionsRequest::default();
    if version >= 3 {
        // v3 brokers log (and some require) who is asking.
        request
            .with_client_software_name(StrBytes::from_static_str(CLIENT_ID))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")))
    } else {
        request
    }
}

fn metadata_request(version: i16) -> MetadataRequest {
    MetadataRequest::default()
        // v0 cannot say null: an empty list means every topic there; later versions use null.
        .with_topics(if version == 0 { Some(Vec::new()) } else { None })
        // Before v4 the flag does not exist and brokers act as if it were true; the crate
        // insists it says so. Asking for all topics never creates one either way.
        .with_allow_auto_topic_creation(version < 4)
}

/// DescribeConfigs for whole resources. Synonyms and documentation stay off: only the effective
/// values are judged, and v0 has neither.
fn describe_configs_request(resources: Vec<(i8, String)>) -> DescribeConfigsRequest {
    DescribeConfigsRequest::default().with_resources(
        resources
            .into_iter()
            .map(|(kind, name)| {
                DescribeConfigsResource::default()
                    .with_resource_type(kind)
                    .with_resource_name(StrBytes::from_string(name))
                    // null asks for every setting with its effective value.
                    .with_configuration_keys(None)
            })
            .collect(),
    )
}

/// A complete request frame: length prefix, header (v1, or v2 for flexible versions, as the
/// crate's header table says) and body.
fn encode_request<Req: Encodable>(
    key: ApiKey,
    version: i16,
    correlation: i32,
    request: &Req,
) -> Result<Bytes, String> {
    let header = RequestHeader::default()
        .with_request_api_key(key as i16)
        .with_request_api_version(version)
        .with_correlation_id(correlation)
        .with_client_id(Some(StrBytes::from_static_str(CLIENT_ID)));
    let mut buf = BytesMut::new();
    buf.put_i32(0);
    header
        .encode(&mut buf, key.request_header_version(version))
        .map_err(|e| {
            format!(
                "cannot encode the {} v{version} request header: {e}",
                api_name(key)
            )
        })?;
    request.encode(&mut buf, version).map_err(|e| {
        format!(
            "cannot encode the {} v{version} request: {e}",
            api_name(key)
        )
    })?;
    let len = i32::try_from(buf.len() - 4).map_err(|_| "request too large".to_owned())?;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    Ok(buf.freeze())
}

/// Decodes a response frame's body (after the length prefix): the header, whose correlation
/// id must be the request's, then the body, after the schema walk has vouched for its lengths.
pub(crate) fn decode_response<Resp: Decodable>(
    key: ApiKey,
    version: i16,
    correlation: i32,
    mut body: Bytes,
) -> Result<Resp, String> {
    let what = format!("{} v{version}", api_name(key));
    // ApiVersions answers always carry header v0 (the crate's table says so), so that a client
    // can read the answer to a version the broker does not speak.
    let header =
        ResponseHeader::decode(&mut body, key.response_header_version(version)).map_err(|e| {
            format!(
                "malformed {what} response header: {}",
                lower(&e.to_string())
            )
        })?;
    if header.correlation_id != correlation {
        return Err(format!(
            "the {what} response carries correlation id {}, expected {correlation}",
            header.correlation_id
        ));
    }
    shape::check(key, version, &body).map_err(|e| format!("malformed {what} response: {e}"))?;
    Resp::decode(&mut body, version)
        .map_err(|e| format!("malformed {what} response: {}", lower(&e.to_string())))
}

/// Why reading a frame stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// The peer closed or reset the connection after `got` bytes; `expected` is the body
    /// length once the prefix was read.
    Closed {
        got: usize,
        expected: Option<usize>,
        cause: Option<String>,
    },
    /// A length prefix that is negative or above the limit.
    BadLength(i64),
}

impl FrameError {
    pub(crate) fn into_probe(self, endpoint: &str, what: &str) -> ProbeError {
        match self {
            FrameError::Closed {
                got,
                expected,
                cause,
            } => {
                let cause = cause.map(|c| format!(" ({c})")).unwrap_or_default();
                let during = match expected {
                    None if got == 0 => format!("before answering {what}{cause}"),
                    None => {
                        format!("after {got} of the 4 length bytes of the {what} response{cause}")
                    }
                    Some(n) => format!("after {got} of {n} bytes of the {what} response{cause}"),
                };
                ProbeError::Closed {
                    endpoint: endpoint.to_owned(),
                    during,
                }
            }
            FrameError::BadLength(n) => ProbeError::Protocol {
                endpoint: endpoint.to_owned(),
                reason: format!(
                    "the {what} response announces {n} bytes, outside 0..={MAX_RESPONSE_BYTES} (not a Kafka broker, or a corrupt stream)"
                ),
            },
        }
    }
}

/// Reads one length-prefixed frame and returns its body.
pub(crate) async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    limit: usize,
) -> Result<Bytes, FrameError> {
    let mut prefix = [0u8; 4];
    let mut got = 0;
    while got < prefix.len() {
        match reader.read(&mut prefix[got..]).await {
            Ok(0) => {
                return Err(FrameError::Closed {
                    got,
                    expected: None,
                    cause: None,
                });
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(FrameError::Closed {
                    got,
                    expected: None,
                    cause: Some(io_reason(&e)),
                });
            }
        }
    }
    let announced = i32::from_be_bytes(prefix);
    let len = usize::try_from(announced)
        .ok()
        .filter(|&n| n <= limit)
        .ok_or(FrameError::BadLength(announced.into()))?;
    // Grow with what arrives rather than trusting the prefix with a 16 MiB allocation up front.
    let mut body = Vec::with_capacity(len.min(64 * 1024));
    let read = (&mut *reader).take(len as u64).read_to_end(&mut body).await;
    match read {
        Ok(_) if body.len() == len => Ok(Bytes::from(body)),
        Ok(_) => Err(FrameError::Closed {
            got: body.len(),
            expected: Some(len),
            cause: None,
        }),
        Err(e) => Err(FrameError::Closed {
            got: body.len(),
            expected: Some(len),
            cause: Some(io_reason(&e)),
        }),
    }
}

/// Kafka's name for an error code (`LEADER_NOT_AVAILABLE`); `None` for 0 (no error).
pub fn error_name(code: i16) -> Option<String> {
    ResponseError::try_from_code(code).map(|e| match e {
        ResponseError::Unknown(code) => format!("UNKNOWN_ERROR_CODE_{code}"),
        // The crate names variants in CamelCase; Kafka's documentation, logs and operators use
        // the SCREAMING_SNAKE form.
        known => {
            let camel = format!("{known:?}");
            let mut out = String::with_capacity(camel.len() + 8);
            for (i, c) in camel.chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_uppercase());
            }
            out
        }
    })
}

fn with_message(name: &str, message: Option<&StrBytes>) -> String {
    match message.map(|m| m.as_str()).filter(|m| !m.is_empty()) {
        Some(m) => format!("{name} ({m})"),
        None => name.to_owned(),
    }
}

fn api_name(key: ApiKey) -> String {
    format!("{key:?}")
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// An I/O error as a lowercase reason, as `ProbeError` messages are.
fn io_reason(e: &std::io::Error) -> String {
    lower(&e.to_string())
}

fn lower(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A walk over a response body against its schema, before the crate decodes it: every string
/// and array length must fit in the bytes that remain (arrays at their elements' smallest
/// encoding), and every tagged field the crate decodes must hold exactly its declared size,
/// so that the crate never reserves memory for elements that cannot be there. The schemas
/// mirror the crate's decoders for the versions it speaks; the tests hold the two together.
mod shape {
    use kafka_protocol::messages::ApiKey;

    /// A field's wire type. Booleans are `I8`. `Str` covers nullable and non-nullable strings:
    /// the walk needs only the length rules, and the crate rejects a null where none belongs.
    #[derive(Clone, Copy)]
    enum Ty {
        I8,
        I16,
        I32,
        I64,
        Uuid,
        Str,
        Int32s,
        Structs(&'static Struct),
    }

    /// A field present in versions `since..=until`.
    #[derive(Clone, Copy)]
    struct Field {
        since: i16,
        until: i16,
        ty: Ty,
    }

    /// A struct: its fields in wire order and the tagged fields the crate decodes by tag.
    pub(super) struct Struct {
        fields: &'static [Field],
        tagged: &'static [(u32, Ty)],
    }

    const fn all(ty: Ty) -> Field {
        Field {
            since: 0,
            until: i16::MAX,
            ty,
        }
    }

    const fn since(since: i16, ty: Ty) -> Field {
        Field {
            since,
            until: i16::MAX,
            ty,
        }
    }

    const fn only(since: i16, until: i16, ty: Ty) -> Field {
        Field { since, until, ty }
    }

    use Ty::*;

    static API_VERSION: Struct = Struct {
        fields: &[all(I16), all(I16), all(I16)],
        tagged: &[],
    };
    /// `SupportedFeatureKey` and `FinalizedFeatureKey` share one shape.
    static FEATURE: Struct = Struct {
        fields: &[since(3, Str), since(3, I16), since(3, I16)],
        tagged: &[],
    };
    static API_VERSIONS: Struct = Struct {
        fields: &[all(I16), all(Structs(&API_VERSION)), since(1, I32)],
        tagged: &[
            (0, Structs(&FEATURE)),
            (1, I64),
            (2, Structs(&FEATURE)),
            (3, I8),
        ],
    };

    static METADATA_BROKER: Struct = Struct {
        fields: &[all(I32), all(Str), all(I32), since(1, Str)],
        tagged: &[],
    };
    static METADATA_PARTITION: Struct = Struct {
        fields: &[
            all(I16),
            all(I32),
            all(I32),
            since(7, I32),
            all(Int32s),
            all(Int32s),
            since(5, Int32s),
        ],
        tagged: &[],
    };
    static METADATA_TOPIC: Struct = Struct {
        fields: &[
            all(I16),
            all(Str),
            since(10, Uuid),
            since(1, I8),
            all(Structs(&METADATA_PARTITION)),
            since(8, I32),
        ],
        tagged: &[],
    };
    static METADATA: Struct = Struct {
        fields: &[
            since(3, I32),
            all(Structs(&METADATA_BROKER)),
            since(2, Str),
            since(1, I32),
            all(Structs(&METADATA_TOPIC)),
            only(8, 10, I32),
        ],
        tagged: &[],
    };

    static CONFIG_SYNONYM: Struct = Struct {
        fields: &[since(1, Str), since(1, Str), since(1, I8)],
        tagged: &[],
    };
    static CONFIG_ENTRY: Struct = Struct {
        fields: &[
            all(Str),
            all(Str),
            all(I8),
            only(0, 0, I8),
            since(1, I8),
            all(I8),
            since(1, Structs(&CONFIG_SYNONYM)),
            since(3, I8),
            since(3, Str),
        ],
        tagged: &[],
    };
    static CONFIG_RESULT: Struct = Struct {
        fields: &[
            all(I16),
            all(Str),
            all(I8),
            all(Str),
            all(Structs(&CONFIG_ENTRY)),
        ],
        tagged: &[],
    };
    static DESCRIBE_CONFIGS: Struct = Struct {
        fields: &[all(I32), all(Structs(&CONFIG_RESULT))],
        tagged: &[],
    };

    /// Checks that `body` (after the response header) can be decoded as `key` at `version`
    /// without the crate reserving memory for lengths the bytes cannot back.
    pub(super) fn check(key: ApiKey, version: i16, body: &[u8]) -> Result<(), String> {
        let (root, flexible_since) = match key {
            ApiKey::ApiVersions => (&API_VERSIONS, 3),
            ApiKey::Metadata => (&METADATA, 9),
            ApiKey::DescribeConfigs => (&DESCRIBE_CONFIGS, 4),
            other => return Err(format!("no schema for {other:?} responses")),
        };
        Walker {
            buf: body,
            version,
            flexible: version >= flexible_since,
        }
        .structure(root)
    }

    struct Walker<'a> {
        buf: &'a [u8],
        version: i16,
        flexible: bool,
    }

    impl<'a> Walker<'a> {
        fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
            if n > self.buf.len() {
                return Err(format!("needs {n} more bytes, {} left", self.buf.len()));
            }
            let (head, rest) = self.buf.split_at(n);
            self.buf = rest;
            Ok(head)
        }

        fn int(&mut self, width: usize) -> Result<i64, String> {
            Ok(self
                .take(width)?
                .iter()
                .fold(0i64, |acc, &b| (acc << 8) | i64::from(b))
                // Sign-extend from `width` bytes.
                << (64 - 8 * width)
                >> (64 - 8 * width))
        }

        /// Kafka's unsigned varint, read exactly as the crate reads it (at most five bytes).
        fn uvarint(&mut self) -> Result<u32, String> {
            let mut value = 0u32;
            for i in 0..5 {
                let b = u32::from(self.take(1)?[0]);
                value |= (b & 0x7f) << (i * 7);
                if b < 0x80 {
                    break;
                }
            }
            Ok(value)
        }

        fn structure(&mut self, s: &Struct) -> Result<(), String> {
            for field in s.fields {
                if (field.since..=field.until).contains(&self.version) {
                    self.value(field.ty)?;
                }
            }
            if self.flexible {
                self.tagged(s.tagged)?;
            }
            Ok(())
        }

        fn value(&mut self, ty: Ty) -> Result<(), String> {
            match ty {
                I8 => self.take(1).map(drop),
                I16 => self.take(2).map(drop),
                I32 => self.take(4).map(drop),
                I64 => self.take(8).map(drop),
                Uuid => self.take(16).map(drop),
                Str => {
                    let len = if self.flexible {
                        i64::from(self.uvarint()?) - 1
                    } else {
                        self.int(2)?
                    };
                    match len {
                        -1 => Ok(()),
                        n if n < -1 => Err(format!("string length {n} is negative")),
                        n => self.take(n as usize).map(drop),
                    }
                }
                Int32s => {
                    let n = self.count(4)?;
                    self.take(n * 4).map(drop)
                }
                Structs(s) => {
                    let n = self.count(self.min_size(s))?;
                    (0..n).try_for_each(|_| self.structure(s))
                }
            }
        }

        /// An array's element count, refused when `n` elements of at least `each` bytes
        /// cannot fit in what is left.
        fn count(&mut self, each: usize) -> Result<usize, String> {
            let n = if self.flexible {
                i64::from(self.uvarint()?) - 1
            } else {
                self.int(4)?
            };
            let n = match n {
                -1 => 0,
                n if n < -1 => return Err(format!("array length {n} is negative")),
                n => n as usize,
            };
            if n.saturating_mul(each.max(1)) > self.buf.len() {
                return Err(format!(
                    "an array of {n} entries cannot fit in the {} bytes left",
                    self.buf.len()
                ));
            }
            Ok(n)
        }

        fn min_size(&self, s: &Struct) -> usize {
            let fields: usize = s
                .fields
                .iter()
                .filter(|f| (f.since..=f.until).contains(&self.version))
                .map(|f| match f.ty {
                    I8 => 1,
                    I16 => 2,
                    I32 => 4,
                    I64 => 8,
                    Uuid => 16,
                    Str if self.flexible => 1,
                    Str => 2,
                    Int32s | Structs(_) if self.flexible => 1,
                    Int32s | Structs(_) => 4,
                })
                .sum();
            fields + usize::from(self.flexible)
        }

        fn tagged(&mut self, known: &[(u32, Ty)]) -> Result<(), String> {
            let count = self.uvarint()?;
            for _ in 0..count {
                let tag = self.uvarint()?;
                let size = self.uvarint()? as usize;
                let content = self.take(size)?;
                if let Some(&(_, ty)) = known.iter().find(|(t, _)| *t == tag) {
                    // The crate decodes a known tag from the stream without bounding it by its
                    // size; holding exactly `size` bytes keeps its reading and ours in step.
                    let mut inner = Walker {
                        buf: content,
                        ..*self
                    };
                    inner.value(ty)?;
                    if !inner.buf.is_empty() {
                        return Err(format!(
                            "tagged field {tag} declares {size} bytes but its value takes {}",
                            size - inner.buf.len()
                        ));
                    }
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::api_versions_response::{ApiVersion, SupportedFeatureKey};
    use kafka_protocol::messages::describe_configs_response::{
        DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym,
    };
    use kafka_protocol::messages::metadata_response::{
        MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
    };
    use kafka_protocol::messages::{
        ApiVersionsRequest, BrokerId, DescribeConfigsRequest, MetadataRequest, TopicName,
    };
    use tokio::io::AsyncWriteExt;

    use super::*;

    /// Encodes a response as a broker would (header + body, no length prefix).
    fn response_body<R: Encodable>(key: ApiKey, version: i16, correlation: i32, body: &R) -> Bytes {
        let mut buf = BytesMut::new();
        ResponseHeader::default()
            .with_correlation_id(correlation)
            .encode(&mut buf, key.response_header_version(version))
            .unwrap();
        body.encode(&mut buf, version).unwrap();
        buf.freeze()
    }

    fn api_versions_response(version: i16) -> ApiVersionsResponse {
        let key = |k: ApiKey, max: i16| {
            ApiVersion::default()
                .with_api_key(k as i16)
                .with_min_version(0)
                .with_max_version(max)
        };
        let mut r = ApiVersionsResponse::default().with_api_keys(vec![
            key(ApiKey::ApiVersions, 4),
            key(ApiKey::Metadata, 12),
            key(ApiKey::DescribeConfigs, 4),
        ]);
        if version >= 3 {
            r = r
                .with_supported_features(vec![
                    SupportedFeatureKey::default()
                        .with_name(StrBytes::from_static_str("metadata.version"))
                        .with_min_version(1)
                        .with_max_version(20),
                ])
                .with_finalized_features_epoch(7)
                .with_zk_migration_ready(true);
        }
        r
    }

    fn metadata_response(version: i16) -> MetadataResponse {
        let mut partition = MetadataResponsePartition::default()
            .with_partition_index(0)
            .with_leader_id(BrokerId(1))
            .with_replica_nodes(vec![BrokerId(1), BrokerId(2), BrokerId(3)])
            .with_isr_nodes(vec![BrokerId(1), BrokerId(2)]);
        if version >= 7 {
            partition = partition.with_leader_epoch(4);
        }
        if version >= 5 {
            partition = partition.with_offline_replicas(vec![BrokerId(3)]);
        }
        let mut leaderless = MetadataResponsePartition::default()
            .with_partition_index(1)
            .with_error_code(5)
            .with_leader_id(BrokerId(-1))
            .with_replica_nodes(vec![BrokerId(2)]);
        if version >= 7 {
            leaderless = leaderless.with_leader_epoch(2);
        }
        let mut topic = MetadataResponseTopic::default()
            .with_name(Some(TopicName(StrBytes::from_static_str("mychannel"))))
            .with_partitions(vec![leaderless, partition]);
        let mut internal = MetadataResponseTopic::default().with_name(Some(TopicName(
            StrBytes::from_static_str("__consumer_offsets"),
        )));
        if version >= 1 {
            internal = internal.with_is_internal(true);
        }
        if version >= 8 {
            topic = topic.with_topic_authorized_operations(0);
            internal = internal.with_topic_authorized_operations(0);
        }
        let broker = |id: i32| {
            let b = MetadataResponseBroker::default()
                .with_node_id(BrokerId(id))
                .with_host(StrBytes::from_static_str("kafka0.example"))
                .with_port(9092 + id);
            if version >= 1 {
                b.with_rack(Some(StrBytes::from_static_str("r1")))
            } else {
                b
            }
        };
        let mut r = MetadataResponse::default()
            .with_brokers(vec![broker(2), broker(1)])
            .with_topics(vec![topic, internal]);
        if version >= 1 {
            r = r.with_controller_id(BrokerId(2));
        }
        if version >= 2 {
            r = r.with_cluster_id(Some(StrBytes::from_static_str("c1")));
        }
        if (8..=10).contains(&version) {
            r = r.with_cluster_authorized_operations(0);
        }
        r
    }

    fn config_entry(
        version: i16,
        name: &'static str,
        value: &'static str,
        overridden: bool,
    ) -> DescribeConfigsResourceResult {
        let e = DescribeConfigsResourceResult::default()
            .with_name(StrBytes::from_static_str(name))
            .with_value(Some(StrBytes::from_static_str(value)));
        if version == 0 {
            e.with_is_default(!overridden)
        } else {
            let e = e
                .with_config_source(if overridden { SOURCE_TOPIC_CONFIG } else { 5 })
                .with_synonyms(vec![
                    DescribeConfigsSynonym::default()
                        .with_name(StrBytes::from_static_str(name))
                        .with_value(Some(StrBytes::from_static_str(value)))
                        .with_source(5),
                ]);
            if version >= 3 {
                e.with_config_type(3).with_documentation(None)
            } else {
                e
            }
        }
    }

    fn describe_configs_response(version: i16) -> DescribeConfigsResponse {
        DescribeConfigsResponse::default().with_results(vec![
            DescribeConfigsResult::default()
                .with_resource_type(RESOURCE_BROKER)
                .with_resource_name(StrBytes::from_static_str("1"))
                .with_error_message(None)
                .with_configs(vec![
                    config_entry(version, "min.insync.replicas", "2", false),
                    config_entry(version, "unclean.leader.election.enable", "false", false),
                    DescribeConfigsResourceResult::default()
                        .with_name(StrBytes::from_static_str("ssl.key.password"))
                        .with_value(None)
                        .with_is_sensitive(true),
                ]),
            DescribeConfigsResult::default()
                .with_resource_type(RESOURCE_TOPIC)
                .with_resource_name(StrBytes::from_static_str("mychannel"))
                .with_configs(vec![
                    config_entry(version, "min.insync.replicas", "3", true),
                    config_entry(version, "cleanup.policy", "delete", false),
                ]),
        ])
    }

    /// Every version the crate speaks, encoded by the crate, passes the walk and decodes:
    /// the schemas in `shape` agree with the crate's decoders.
    #[test]
    fn shape_accepts_every_version_the_crate_encodes() {
        for v in 0..=4 {
            let body = response_body(ApiKey::ApiVersions, v, 1, &api_versions_response(v));
            let back: ApiVersionsResponse =
                decode_response(ApiKey::ApiVersions, v, 1, body).unwrap();
            assert_eq!(back, api_versions_response(v), "ApiVersions v{v}");
        }
        for v in 0..=12 {
            let body = response_body(ApiKey::Metadata, v, 2, &metadata_response(v));
            let back: MetadataResponse = decode_response(ApiKey::Metadata, v, 2, body).unwrap();
            assert_eq!(back, metadata_response(v), "Metadata v{v}");
        }
        for v in 0..=4 {
            let body = response_body(ApiKey::DescribeConfigs, v, 3, &describe_configs_response(v));
            let back: DescribeConfigsResponse =
                decode_response(ApiKey::DescribeConfigs, v, 3, body).unwrap();
            assert_eq!(back, describe_configs_response(v), "DescribeConfigs v{v}");
        }
    }

    #[test]
    fn request_frames_carry_length_header_and_body() {
        // ApiVersions v0: header v1 (key, version, correlation, client id), empty body.
        let frame = encode_request(ApiKey::ApiVersions, 0, 7, &api_versions_request(0)).unwrap();
        let mut expected = vec![0, 0, 0, 18, 0, 18, 0, 0, 0, 0, 0, 7, 0, 8];
        expected.extend_from_slice(b"fabcheck");
        assert_eq!(&frame[..], &expected[..]);
        // Flexible versions take header v2: one more byte (no tagged fields).
        for (key, version, header) in [
            (ApiKey::Metadata, 8, 1),
            (ApiKey::Metadata, 9, 2),
            (ApiKey::DescribeConfigs, 3, 1),
            (ApiKey::DescribeConfigs, 4, 2),
            (ApiKey::ApiVersions, 3, 2),
        ] {
            assert_eq!(key.request_header_version(version), header);
        }
        // Round trip through the crate's request decoders, as a broker reads them.
        for v in 0..=12 {
            let frame = encode_request(ApiKey::Metadata, v, 9, &metadata_request(v)).unwrap();
            let mut body = frame.slice(4..);
            assert_eq!(
                i32::from_be_bytes(frame[..4].try_into().unwrap()) as usize,
                body.len()
            );
            let header =
                RequestHeader::decode(&mut body, ApiKey::Metadata.request_header_version(v))
                    .unwrap();
            assert_eq!(
                (
                    header.request_api_key,
                    header.request_api_version,
                    header.correlation_id
                ),
                (3, v, 9)
            );
            assert_eq!(header.client_id.as_deref(), Some("fabcheck"));
            let request = MetadataRequest::decode(&mut body, v).unwrap();
            // Every topic: an empty list in v0, null from v1 on.
            assert_eq!(
                request.topics,
                if v == 0 { Some(vec![]) } else { None },
                "v{v}"
            );
        }
        for v in 0..=4 {
            let request = describe_configs_request(vec![(RESOURCE_BROKER, "3".into())]);
            let frame = encode_request(ApiKey::DescribeConfigs, v, 1, &request).unwrap();
            let mut body = frame.slice(4..);
            RequestHeader::decode(&mut body, ApiKey::DescribeConfigs.request_header_version(v))
                .unwrap();
            let back = DescribeConfigsRequest::decode(&mut body, v).unwrap();
            assert_eq!(back.resources[0].resource_type, 4);
            assert_eq!(back.resources[0].resource_name.as_str(), "3");
            let frame =
                encode_request(ApiKey::ApiVersions, v, 1, &api_versions_request(v)).unwrap();
            let mut body = frame.slice(4..);
            RequestHeader::decode(&mut body, ApiKey::ApiVersions.request_header_version(v))
                .unwrap();
            ApiVersionsRequest::decode(&mut body, v).unwrap();
        }
    }

    #[test]
    fn correlation_ids_are_checked() {
        let body = response_body(ApiKey::Metadata, 1, 41, &metadata_response(1));
        let err = decode_response::<MetadataResponse>(ApiKey::Metadata, 1, 42, body).unwrap_err();
        assert!(err.contains("correlation id 41, expected 42"), "{err}");
    }

    #[test]
    fn negotiation_picks_the_highest_common_version() {
        let adv: Advertised = [(3, (0, 5)), (32, (0, 0)), (18, (0, 1))].into();
        assert_eq!(negotiate(&adv, ApiKey::Metadata), Some(5));
        assert_eq!(negotiate(&adv, ApiKey::DescribeConfigs), Some(0));
        let newer: Advertised = [(3, (0, 13)), (32, (1, 9))].into();
        assert_eq!(negotiate(&newer, ApiKey::Metadata), Some(12));
        assert_eq!(negotiate(&newer, ApiKey::DescribeConfigs), Some(4));
        let disjoint: Advertised = [(3, (13, 14))].into();
        assert_eq!(negotiate(&disjoint, ApiKey::Metadata), None);
        assert_eq!(negotiate(&disjoint, ApiKey::DescribeConfigs), None);
    }

    #[test]
    fn error_codes_by_kafka_name() {
        assert_eq!(error_name(0), None);
        assert_eq!(error_name(5).as_deref(), Some("LEADER_NOT_AVAILABLE"));
        assert_eq!(error_name(9).as_deref(), Some("REPLICA_NOT_AVAILABLE"));
        assert_eq!(error_name(35).as_deref(), Some("UNSUPPORTED_VERSION"));
        assert_eq!(error_name(-1).as_deref(), Some("UNKNOWN_SERVER_ERROR"));
        assert_eq!(error_name(9999).as_deref(), Some("UNKNOWN_ERROR_CODE_9999"));
    }

    #[test]
    fn metadata_becomes_a_cluster() {
        let c = cluster_from_metadata(&metadata_response(5), 5);
        assert_eq!(
            c.brokers.iter().map(|b| b.id).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert_eq!(c.controller_id, Some(2));
        assert_eq!(c.cluster_id.as_deref(), Some("c1"));
        assert_eq!(c.topics[0].name, "__consumer_offsets");
        assert!(c.topics[0].internal);
        let t = &c.topics[1];
        assert_eq!(t.name, "mychannel");
        assert!(!t.internal);
        assert_eq!(t.partitions[0].id, 0, "sorted by partition id");
        assert_eq!(t.partitions[0].isr, vec![1, 2]);
        assert_eq!(t.partitions[1].leader, -1);
        assert_eq!(
            t.partitions[1].error.as_deref(),
            Some("LEADER_NOT_AVAILABLE")
        );
        // v0 carries no internal flag and no controller.
        let v0 = cluster_from_metadata(&metadata_response(0), 0);
        assert!(v0.topics[0].internal, "__ names are internal in v0");
        assert_eq!(v0.controller_id, None);
    }

    #[test]
    fn topic_overrides_and_broker_configs() {
        for v in 0..=4 {
            let mut topics = cluster_from_metadata(&metadata_response(1), 1).topics;
            apply_topic_configs(&mut topics, &describe_configs_response(v), v);
            let t = topics.iter().find(|t| t.name == "mychannel").unwrap();
            assert_eq!(
                t.configs,
                [("min.insync.replicas".to_owned(), "3".to_owned())].into(),
                "v{v}"
            );
            assert_eq!(t.configs_error, None);
            let internal = topics.iter().find(|t| t.internal).unwrap();
            assert_eq!(
                internal.configs_error, None,
                "internal topics are not asked about"
            );
            let broker = broker_config_from(&describe_configs_response(v), 1).unwrap();
            assert_eq!(
                broker.get("min.insync.replicas").map(String::as_str),
                Some("2")
            );
            assert!(
                !broker.contains_key("ssl.key.password"),
                "withheld values are absent"
            );
            let missing = broker_config_from(&describe_configs_response(v), 7).unwrap_err();
            assert_eq!(missing, "did not return its configuration");
        }
        let refused = DescribeConfigsResponse::default().with_results(vec![
            DescribeConfigsResult::default()
                .with_error_code(42)
                .with_error_message(Some(StrBytes::from_static_str("unexpected broker id")))
                .with_resource_type(RESOURCE_BROKER)
                .with_resource_name(StrBytes::from_static_str("1")),
        ]);
        assert_eq!(
            broker_config_from(&refused, 1).unwrap_err(),
            "answered INVALID_REQUEST (unexpected broker id) to DescribeConfigs"
        );
        let mut topics = cluster_from_metadata(&metadata_response(1), 1).topics;
        apply_topic_configs(&mut topics, &refused, 1);
        assert_eq!(
            topics[1].configs_error.as_deref(),
            Some("missing from the DescribeConfigs answer")
        );
    }

    #[test]
    fn failures_combine_into_one_error_naming_the_endpoints() {
        let refused = |ep: &str| ProbeError::Connect {
            endpoint: ep.into(),
            reason: "connection refused".into(),
        };
        let bootstrap = vec!["a:1".to_owned(), "b:2".to_owned()];
        let both = combine_failures(&bootstrap, vec![refused("a:1"), refused("b:2")]);
        assert!(matches!(both, ProbeError::Connect { .. }));
        assert_eq!(both.endpoint(), "a:1,b:2");
        assert!(
            both.to_string()
                .contains("failed to connect to b:2: connection refused"),
            "{both}"
        );
        let closed = ProbeError::Closed {
            endpoint: "b:2".into(),
            during: "before answering ApiVersions v0".into(),
        };
        assert_eq!(
            combine_failures(&bootstrap, vec![refused("a:1"), closed.clone()]),
            closed
        );
    }

    #[test]
    fn endpoints_of_advertised_listeners() {
        assert_eq!(broker_endpoint("kafka0", 9092), "kafka0:9092");
        assert_eq!(broker_endpoint("::1", 9092), "[::1]:9092");
        assert_eq!(broker_endpoint("[::1]", 9092), "[::1]:9092");
    }

    async fn frame_from(bytes: &[u8], limit: usize) -> Result<Bytes, FrameError> {
        let (mut client, mut server) = tokio::io::duplex(1024);
        server.write_all(bytes).await.unwrap();
        drop(server);
        read_frame(&mut client, limit).await
    }

    #[tokio::test]
    async fn frames_are_bounded_and_truncation_is_closed() {
        assert_eq!(
            frame_from(&[0, 0, 0, 2, 9, 9], 16).await.unwrap(),
            Bytes::from_static(&[9, 9])
        );
        assert_eq!(
            frame_from(&[0, 0, 0, 5, 9, 9], 16).await.unwrap_err(),
            FrameError::Closed {
                got: 2,
                expected: Some(5),
                cause: None
            }
        );
        assert_eq!(
            frame_from(&[0, 0], 16).await.unwrap_err(),
            FrameError::Closed {
                got: 2,
                expected: None,
                cause: None
            }
        );
        assert_eq!(
            frame_from(&[0, 0, 0, 17], 16).await.unwrap_err(),
            FrameError::BadLength(17)
        );
        assert_eq!(
            frame_from(&[0xff, 0xff, 0xff, 0xfe], 16).await.unwrap_err(),
            FrameError::BadLength(-2)
        );
        let e = FrameError::Closed {
            got: 3,
            expected: Some(10),
            cause: None,
        }
        .into_probe("k:1", "Metadata v5");
        assert_eq!(
            e.to_string(),
            "failed to read from k:1: connection closed after 3 of 10 bytes of the Metadata v5 response"
        );
        let e = FrameError::BadLength(1 << 30).into_probe("k:1", "ApiVersions v0");
        assert!(matches!(e, ProbeError::Protocol { .. }), "{e}");
    }

    /// xorshift64*: a deterministic stream of pseudo-random bytes, no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn decode_any(key: ApiKey, version: i16, body: Bytes) {
        let _ = match key {
            ApiKey::ApiVersions => {
                decode_response::<ApiVersionsResponse>(key, version, 1, body).map(drop)
            }
            ApiKey::Metadata => {
                decode_response::<MetadataResponse>(key, version, 1, body).map(drop)
            }
            _ => decode_response::<DescribeConfigsResponse>(key, version, 1, body).map(drop),
        };
    }

    /// Random bytes, and valid responses with bytes flipped, cut or inserted, never panic the
    /// decoder nor make it reserve absurd amounts of memory (which would abort the test).
    #[test]
    fn decoder_survives_garbage() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut seeds: Vec<(ApiKey, i16, Bytes)> = Vec::new();
        for v in 0..=4 {
            seeds.push((
                ApiKey::ApiVersions,
                v,
                response_body(ApiKey::ApiVersions, v, 1, &api_versions_response(v)),
            ));
            seeds.push((
                ApiKey::DescribeConfigs,
                v,
                response_body(ApiKey::DescribeConfigs, v, 1, &describe_configs_response(v)),
            ));
        }
        for v in 0..=12 {
            seeds.push((
                ApiKey::Metadata,
                v,
                response_body(ApiKey::Metadata, v, 1, &metadata_response(v)),
            ));
        }
        for round in 0..30_000 {
            let (key, version, seed) = &seeds[rng.below(seeds.len())];
            let mut bytes = seed.to_vec();
            match round % 4 {
                0 => {
                    let len = rng.below(64);
                    bytes = (0..len).map(|_| rng.next() as u8).collect();
                    // Keep the correlation id so garbage reaches the body decoders.
                    if bytes.len() >= 4 {
                        bytes[..4].copy_from_slice(&1i32.to_be_bytes());
                    }
                }
                1 => {
                    for _ in 0..1 + rng.below(4) {
                        let i = rng.below(bytes.len());
                        bytes[i] = rng.next() as u8;
                    }
                }
                2 => bytes.truncate(rng.below(bytes.len() + 1)),
                _ => {
                    // A plausible huge count where a length belongs.
                    let i = rng.below(bytes.len());
                    let big = [0x7f, 0xff, 0xff, 0xf0, 0xff, 0xff, 0xff, 0x0f];
                    let at = rng.below(big.len());
                    for (k, b) in big[at..].iter().enumerate() {
                        if i + k < bytes.len() {
                            bytes[i + k] = *b;
                        }
                    }
                }
            }
            decode_any(*key, *version, Bytes::from(bytes));
        }
    }

    /// The whole client against an in-process listener that answers ApiVersions and then
    /// closes in the middle of the Metadata answer.
    #[tokio::test]
    async fn peer_closing_mid_response_is_closed_not_a_hang() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let _ = read_frame(&mut socket, 1 << 20).await.unwrap();
            let body = response_body(ApiKey::ApiVersions, 0, 1, &api_versions_response(0));
            socket
                .write_all(&(body.len() as i32).to_be_bytes())
                .await
                .unwrap();
            socket.write_all(&body).await.unwrap();
            let _ = read_frame(&mut socket, 1 << 20).await.unwrap();
            socket.write_all(&[0, 0, 1, 0, 0, 0]).await.unwrap();
        });
        let timeouts = Timeouts {
            connect: Duration::from_secs(2),
            read: Duration::from_secs(5),
        };
        let obs = observe(std::slice::from_ref(&addr), timeouts).await;
        server.await.unwrap();
        let err = obs.result.unwrap_err();
        assert_eq!(
            err,
            ProbeError::Closed {
                endpoint: addr,
                during: "after 2 of 256 bytes of the Metadata v12 response".into()
            }
        );
    }
}
