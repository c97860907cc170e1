//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz), not a stable API.
//!
//! Each function feeds untrusted bytes to one parser the way fabcheck's gathering or probing
//! code feeds it, and hands back what that code would keep, so a target can check the
//! invariants that must hold on any input. Parsers that are already public are called by the
//! targets directly; these reach the steps that are private to their module.

use std::path::Path;

use futures_util::FutureExt;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsResponse, DescribeConfigsResponse, MetadataResponse,
};

use crate::inventory::cert::CertRecord;
use crate::inventory::dns::lookup::CandidateAnswer;
use crate::inventory::key::KeyRecord;
use crate::inventory::layout::Layout;
use crate::inventory::live::{KafkaTopic, ZkNodeState};
use crate::inventory::ordering::{self, OrderingConfig};
use crate::inventory::{Origin, Problem};
use crate::probe::{ProbeError, kafka, zookeeper};

/// Certificates, keys and problems read from one blob of certificate material (a PEM or DER
/// file, or a Secret value) found at `path`, whose folders give it its role (`msp/keystore/`
/// holds keys, `msp/cacerts/` certificates), as `fabcheck check --artifacts` reads it.
pub fn material(data: &[u8], path: &str) -> (Vec<CertRecord>, Vec<KeyRecord>, Vec<Problem>) {
    crate::inventory::artifacts::read_material(
        data,
        Origin::file(path),
        Layout::of(Path::new(path)),
    )
}

/// The ordering-service configuration read from one YAML file at `path` (compose, Kubernetes
/// manifest, configtx.yaml), as the artifacts gatherer reads it once the file is in memory.
/// Compose `extends` of other files are looked up beside `path`.
pub fn ordering_yaml(path: &Path, text: String) -> OrderingConfig {
    let mut config = OrderingConfig::default();
    let (file, note) = ordering::yaml::parse_text(path, text);
    config.notes.extend(note);
    let docs: Vec<_> = file.into_iter().collect();
    ordering::compose::gather(&docs, &mut config);
    ordering::kube::gather(docs.iter(), &mut config);
    ordering::configtx::gather(&docs, &mut config);
    config
}

/// What the ZooKeeper probe makes of the bytes four connections sent back for the four-letter
/// words [`zookeeper::WORDS`]; `None` is a connection that failed before any answer.
pub fn zookeeper_answers(raw: [Option<&[u8]>; 4]) -> Result<ZkNodeState, ProbeError> {
    let endpoint = "zk0:2181";
    let answers = std::array::from_fn(|i| match raw[i] {
        Some(bytes) => zookeeper::answer_text(endpoint, zookeeper::WORDS[i], bytes),
        None => Err(ProbeError::Closed {
            endpoint: endpoint.to_owned(),
            during: format!("before answering {}", zookeeper::WORDS[i]),
        }),
    });
    zookeeper::assemble(answers)
}

/// The APIs whose responses the Kafka probe decodes.
pub const KAFKA_APIS: [ApiKey; 3] = [
    ApiKey::ApiVersions,
    ApiKey::Metadata,
    ApiKey::DescribeConfigs,
];

/// Reads one response frame (length prefix and body) from `stream` as the Kafka probe reads an
/// answer to `api` at `version` (taken into the versions fabcheck speaks), decodes it and turns
/// it into what the probe keeps. The correlation id expected is the one the frame carries, so
/// every body gets past the header. Returns a one-line summary, or why it was refused.
pub fn kafka_response(api: ApiKey, version: i16, stream: &[u8]) -> Result<String, String> {
    let versions = api.valid_versions();
    let span = i32::from(versions.max) - i32::from(versions.min) + 1;
    let version = versions.min + i16::try_from(i32::from(version).rem_euclid(span)).unwrap_or(0);
    let mut reader = stream;
    let body = kafka::read_frame(&mut reader, kafka::MAX_RESPONSE_BYTES)
        .now_or_never()
        .ok_or("reading from a slice never waits")?
        .map_err(|e| e.into_probe("kafka0:9092", "fuzz").to_string())?;
    let correlation = body
        .get(..4)
        .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0);
    match api {
        ApiKey::ApiVersions => {
            let r: ApiVersionsResponse = kafka::decode_response(api, version, correlation, body)?;
            let advertised = kafka::advertised(&r);
            let chosen: Vec<Option<i16>> = KAFKA_APIS
                .iter()
                .map(|k| kafka::negotiate(&advertised, *k))
                .collect();
            Ok(format!("{} apis, chosen {chosen:?}", advertised.len()))
        }
        ApiKey::Metadata => {
            let r: MetadataResponse = kafka::decode_response(api, version, correlation, body)?;
            let cluster = kafka::cluster_from_metadata(&r, version);
            Ok(format!(
                "{} brokers, {} topics",
                cluster.brokers.len(),
                cluster.topics.len()
            ))
        }
        _ => {
            let r: DescribeConfigsResponse =
                kafka::decode_response(api, version, correlation, body)?;
            let mut topics: Vec<KafkaTopic> = r
                .results
                .iter()
                .map(|res| KafkaTopic {
                    name: res.resource_name.to_string(),
                    ..KafkaTopic::default()
                })
                .collect();
            kafka::apply_topic_configs(&mut topics, &r, version);
            let broker = kafka::broker_config_from(&r, 0);
            Ok(format!("{} topics, broker 0: {broker:?}", topics.len()))
        }
    }
}

/// How the DNS probe judges one wire-format DNS message as the answer to an A query for the
/// message's first question (or `peer0.org1.example.com.` when it has none); `None` when the
/// bytes are not a DNS message (hickory refuses them before fabcheck sees them).
pub fn dns_answer(wire: &[u8]) -> Option<CandidateAnswer> {
    use hickory_resolver::proto::op::Message;
    use hickory_resolver::proto::rr::Name;
    let message = Message::from_vec(wire).ok()?;
    let name = message
        .queries
        .first()
        .map(|q| q.name().clone())
        .or_else(|| Name::from_ascii("peer0.org1.example.com.").ok())?;
    Some(crate::probe::dns::classify_response(&name, &message))
}
