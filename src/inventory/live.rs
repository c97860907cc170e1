//! What live probes observed: the answers of running ZooKeeper and Kafka servers, or why there
//! was none. Filled by the gather phase (`probe::*`), read by the live checks.

use std::collections::BTreeMap;

/// The least height a channel's ledger can have, from what the deploy did to it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ExpectedHeight {
    pub minimum: u64,
    /// The blocks counted (`genesis block`, `anchor peer update for Org1MSP`, …).
    pub blocks: Vec<String>,
}

/// Why a probe could not get an answer. Messages are lowercase and name the endpoint. The
/// live state owns its error; the probes that fill it in report through it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    #[error("failed to resolve {endpoint}: {reason}")]
    Resolve { endpoint: String, reason: String },
    #[error("failed to connect to {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error("failed to get an answer from {endpoint}: no response within {after_ms} ms ({during})")]
    Timeout {
        endpoint: String,
        during: String,
        after_ms: u64,
    },
    #[error("failed to read from {endpoint}: connection closed {during}")]
    Closed { endpoint: String, during: String },
    #[error("failed to understand {endpoint}: {reason}")]
    Protocol { endpoint: String, reason: String },
}

impl ProbeError {
    pub fn endpoint(&self) -> &str {
        match self {
            ProbeError::Resolve { endpoint, .. }
            | ProbeError::Connect { endpoint, .. }
            | ProbeError::Timeout { endpoint, .. }
            | ProbeError::Closed { endpoint, .. }
            | ProbeError::Protocol { endpoint, .. } => endpoint,
        }
    }
}

/// The chaincode containers one peer's Docker daemon holds (Fabric names them
/// `{networkId}-{peerId}-{chaincode}-{version}`), or why they could not be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaincodeContainers {
    /// The peer as findings name it: its pod (`org1/peer0-0`).
    pub peer: String,
    /// Where its daemon was reached (`tcp://127.0.0.1:2375 in pod org1/peer0-0`).
    pub daemon: String,
    /// The container name prefix of this peer's chaincode (`dev-peer0.org1-`).
    pub prefix: String,
    pub containers: Result<Vec<ChaincodeContainer>, String>,
}

/// One chaincode container as its daemon describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChaincodeContainer {
    pub name: String,
    pub image: String,
    /// Docker's state: `running`, `exited`, `created`, `restarting`, `dead`, `paused`.
    pub state: String,
    /// Docker's human status (`Exited (1) 2 minutes ago`, `Up 5 minutes`).
    pub status: String,
    pub exit_code: Option<i64>,
    /// The last lines the container wrote (stdout and stderr), oldest first.
    pub log_tail: Vec<String>,
}

/// Everything the live phase observed.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    /// One observation per ZooKeeper endpoint asked, in the order given.
    pub zookeeper: Vec<ZkObservation>,
    /// The Kafka cluster as seen through the bootstrap endpoints, when asked.
    pub kafka: Option<KafkaObservation>,
    /// One observation per TLS endpoint probed (peers and orderers), in the order given.
    pub tls: Vec<TlsObservation>,
    /// One observation per operations endpoint probed (the nodes of `tls` that have one).
    pub operations: Vec<OperationsObservation>,
    /// What the deploy knows each channel's height must at least be (channel → minimum and
    /// why), for the network fabcheck itself deployed; empty otherwise.
    pub expected_heights: BTreeMap<String, ExpectedHeight>,
    /// Name lookups made for chaincode resolver contexts (`--dns-server`, `--docker`, probe logs).
    pub dns: Vec<crate::inventory::dns::DnsObservation>,
    /// The chaincode containers on each Docker-launching peer's own daemon, as read there.
    pub chaincode_containers: Vec<ChaincodeContainers>,
    /// What each orderer's `/metrics` says about its etcdraft clusters, one per orderer whose
    /// operations endpoint was asked.
    pub raft: Vec<RaftObservation>,
    /// Config blocks fetched from orderers over Deliver (one per orderer and channel), or why
    /// a fetch (or the listing of channels) failed.
    pub config_fetch: Vec<ConfigFetchObservation>,
    /// The live phase hit its overall deadline (`--timeout`) before every probe answered.
    pub deadline_hit: bool,
    /// Why live probes were not run at all, when that was decided up front.
    pub not_probed: Option<String>,
}

impl LiveState {
    /// Whether probes were asked for and not one endpoint could be reached at all.
    pub fn nothing_reached(&self) -> bool {
        let unreached = |e: &ProbeError| {
            matches!(
                e,
                ProbeError::Resolve { .. }
                    | ProbeError::Connect { .. }
                    | ProbeError::Timeout { .. }
            )
        };
        let asked = !self.zookeeper.is_empty() || self.kafka.is_some() || !self.tls.is_empty();
        let tls_none = self
            .tls
            .iter()
            .all(|o| o.connect_error.as_ref().is_some_and(unreached));
        let zk_none = self
            .zookeeper
            .iter()
            .all(|o| o.result.as_ref().err().is_some_and(unreached));
        let kafka_none = self
            .kafka
            .as_ref()
            .is_none_or(|o| o.result.as_ref().err().is_some_and(unreached));
        asked && zk_none && kafka_none && tls_none
    }
}

/// One ZooKeeper server's answers to the four-letter words.
#[derive(Debug, Clone, PartialEq)]
pub struct ZkObservation {
    /// `host:port` as given.
    pub endpoint: String,
    pub result: Result<ZkNodeState, ProbeError>,
}

/// The role a ZooKeeper server reports in `srvr`/`mntr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZkMode {
    Leader,
    Follower,
    Observer,
    Standalone,
}

/// What one ZooKeeper server said.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ZkNodeState {
    /// Answer to `ruok` (`imok` even when the server is not in a quorum).
    pub ruok: Option<String>,
    /// Mode from `srvr`; `None` when the server is not serving requests.
    pub mode: Option<ZkMode>,
    /// The mode as the server wrote it (`srvr` `Mode:`, else `mntr` `zk_server_state`), also
    /// when it is one [`ZkMode`] does not name (`read-only`); `None` when neither answered.
    pub mode_text: Option<String>,
    /// `false` when the server answered "This ZooKeeper instance is not currently serving requests".
    pub serving: bool,
    /// Four-letter words the server refused because they are not in `4lw.commands.whitelist`.
    pub not_whitelisted: Vec<String>,
    /// `mntr` key/value pairs (`zk_server_state`, `zk_synced_followers`, `zk_quorum_size`, …).
    pub mntr: BTreeMap<String, String>,
    /// Ensemble members from `conf` (`server.N=host:2888:3888…`), by server id.
    pub servers: BTreeMap<u32, String>,
    /// This server's id (`serverId` in `conf`).
    pub server_id: Option<u32>,
    /// Server version from `srvr`.
    pub version: Option<String>,
    /// Four-letter words that got no answer although others did (word → why), e.g. a
    /// server that died between two connections. Empty in the usual case.
    pub unanswered: BTreeMap<String, String>,
}

/// The Kafka cluster as seen from the bootstrap endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct KafkaObservation {
    pub bootstrap: Vec<String>,
    pub result: Result<KafkaCluster, ProbeError>,
}

/// Metadata and effective configuration of a Kafka cluster.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KafkaCluster {
    /// The endpoint that answered.
    pub answered_by: String,
    /// Versions agreed per API key (ApiVersions): key → version used.
    pub versions: BTreeMap<i16, i16>,
    /// The cluster id from Metadata (v2 and later), when the broker sent one.
    pub cluster_id: Option<String>,
    pub brokers: Vec<KafkaBroker>,
    pub controller_id: Option<i32>,
    pub topics: Vec<KafkaTopic>,
    /// Effective broker-level configuration from DescribeConfigs, by broker id; an error when
    /// that broker's configuration could not be read.
    pub broker_configs: BTreeMap<i32, Result<BTreeMap<String, String>, String>>,
    /// DescribeConfigs version used with each broker for its own configuration, by broker id.
    /// Negotiated per broker because a cluster mid-upgrade runs brokers of different versions.
    pub config_versions: BTreeMap<i32, i16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaBroker {
    pub id: i32,
    pub host: String,
    pub port: i32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct KafkaTopic {
    pub name: String,
    pub internal: bool,
    /// Topic-level error code name, if the broker returned one.
    pub error: Option<String>,
    pub partitions: Vec<KafkaPartition>,
    /// Topic-level configuration overrides from DescribeConfigs (e.g. `min.insync.replicas`).
    pub configs: BTreeMap<String, String>,
    /// Why the topic's configuration could not be read, when it could not; `configs` is then
    /// empty and says nothing about overrides.
    pub configs_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KafkaPartition {
    pub id: i32,
    /// Leader broker id; -1 when the partition has no leader.
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub error: Option<String>,
}

/// Whether a node is a peer or an orderer, for the gRPC service to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NodeRole {
    #[default]
    Peer,
    Orderer,
}

/// A peer or orderer endpoint to dial as a Fabric client would.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TlsEndpoint {
    /// The name clients use for the node (`peer0.org1`).
    pub name: String,
    /// `host:port` to connect to.
    pub address: String,
    /// SNI and the name the certificate must cover; Fabric's `ssl-target-name-override`.
    /// Defaults to the host of `address`.
    pub server_name: Option<String>,
    pub role: NodeRole,
    /// The org's TLS root certificates (DER); the only roots trusted for this endpoint.
    pub tls_roots: Vec<Vec<u8>>,
    /// Where the roots came from (file or MSP folder), for findings.
    pub tls_roots_origin: Option<String>,
    /// Client certificate and key for mutual TLS, if configured.
    pub client_identity: Option<ClientIdentity>,
    /// What the deployment says about client authentication
    /// (`CORE_PEER_TLS_CLIENTAUTHREQUIRED` / `ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED`).
    pub client_auth_required: Option<bool>,
    /// Where the endpoint was declared (endpoints file line, `--endpoint` flag).
    pub declared_at: String,
    /// The node's operations endpoint (`/healthz`, `/metrics`), when known.
    pub operations: Option<OperationsEndpoint>,
    /// An orderer's admin endpoint (`ORDERER_ADMIN_LISTENADDRESS`, Fabric 2.3+), `host:port`,
    /// where the channel participation API lists the channels it serves. Mutual TLS.
    pub admin: Option<String>,
    /// The TLS certificate the deployment gives the node (`CORE_PEER_TLS_CERT_FILE`,
    /// `ORDERER_GENERAL_TLS_CERTIFICATE`, an endpoints file's `tls_cert`), to compare with the
    /// one it serves (TLS-012): the DER, or why it could not be read, and where it is.
    pub expected_certificate: Option<ExpectedCertificate>,
}

/// The TLS certificate a node is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedCertificate {
    pub der: Result<Vec<u8>, String>,
    pub origin: String,
}

/// A peer's or orderer's operations service (Fabric's `operations.listenAddress`, peer default
/// 9443, orderer 8443): `/healthz` always, `/metrics` when the metrics provider is prometheus.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OperationsEndpoint {
    /// `host:port` to connect to.
    pub address: String,
    /// HTTPS (`operations.tls.enabled`); Fabric's default is plain HTTP.
    pub tls: bool,
    /// `operations.tls.clientAuthRequired`, when the deployment says.
    pub client_auth_required: Option<bool>,
    /// Where the address came from (`CORE_OPERATIONS_LISTENADDRESS in compose.yaml`).
    pub declared_at: String,
}

/// A client certificate chain and its private key. The key is zeroed on drop and never
/// printed: `Debug` shows only that it is there.
#[derive(Clone, PartialEq)]
pub struct ClientIdentity {
    /// Certificate chain, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
    /// The private key as read from its PEM file (PKCS#8, SEC1 or PKCS#1).
    pub key_pem: zeroize::Zeroizing<Vec<u8>>,
    /// Where the certificate came from, for findings.
    pub cert_origin: String,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("chain", &format!("{} certificate(s)", self.chain.len()))
            .field("key_pem", &"<redacted>")
            .field("cert_origin", &self.cert_origin)
            .finish()
    }
}

/// How a TLS handshake failed, classified from the verifier's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeFailure {
    /// The served chain does not lead to the configured root.
    UnknownIssuer,
    Expired,
    NotYetValid,
    /// The certificate does not cover the name dialled; the names it does cover.
    NameMismatch {
        offered: Vec<String>,
    },
    /// The server asked for a client certificate and none was configured.
    ClientCertRequired,
    /// The server rejected the client certificate that was sent.
    ClientCertRejected(String),
    /// The server does not speak TLS (plaintext HTTP/2, garbage).
    NotTls(String),
    /// Anything else the TLS layer reported.
    Other(String),
}

/// One TLS connection attempt and what it showed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TlsAttempt {
    /// Whether a client certificate was offered on this attempt.
    pub with_client_cert: bool,
    /// `Ok` when the handshake completed (with verification on, unless `insecure`).
    pub handshake: Option<Result<(), HandshakeFailure>>,
    /// The chain the server sent (leaf first), captured even when it did not verify.
    pub served_chain: Vec<Vec<u8>>,
    /// `TLSv1_3`, `TLSv1_2`.
    pub protocol_version: Option<String>,
    pub cipher_suite: Option<String>,
    /// ALPN protocol agreed (`h2` expected).
    pub alpn: Option<String>,
    pub handshake_ms: Option<u64>,
    /// The gRPC call's outcome: `Ok(status code name)` when the server answered gRPC at all
    /// (any status proves the stack answers), `Err(transport error)` otherwise.
    pub grpc: Option<Result<String, String>>,
    /// The gRPC method called.
    pub grpc_method: Option<String>,
    /// `grpc.health.v1.Health/Check` on the same connection, after the Fabric method:
    /// `Err(transport error)` when no gRPC answer came back.
    pub grpc_health: Option<Result<GrpcHealth, String>>,
}

/// The answer to `grpc.health.v1.Health/Check` with an empty service name (the whole server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrpcHealth {
    /// The server answered with this serving status (`SERVING`, `NOT_SERVING`,
    /// `SERVICE_UNKNOWN`, `UNKNOWN`).
    Status(String),
    /// The server answered the call with a gRPC error status it sent itself: `UNIMPLEMENTED`
    /// when no health service is registered.
    Refused { code: String, message: String },
}

/// What the operations endpoint of one node answered.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationsObservation {
    /// The node (`peer0.org1`) and its role.
    pub name: String,
    pub role: NodeRole,
    pub endpoint: OperationsEndpoint,
    /// `GET /healthz`, or why there was no HTTP answer.
    pub healthz: Result<HttpAnswer, String>,
    /// `GET /metrics`, or why there was no HTTP answer.
    pub metrics: Result<HttpAnswer, String>,
}

/// An HTTP response, as far as the checks need it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    /// The body, cut at the probe's limit.
    pub body: String,
    /// The body was longer than the limit.
    pub truncated: bool,
}

/// What probing one endpoint showed.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsObservation {
    pub endpoint: TlsEndpoint,
    /// TCP connect failed (refused, timed out, DNS), before any TLS.
    pub connect_error: Option<ProbeError>,
    /// The attempt as configured (with the client identity when there is one).
    pub primary: TlsAttempt,
    /// When a client identity is configured: the attempt without it, to see whether the server
    /// enforces client authentication.
    pub without_client_cert: Option<TlsAttempt>,
    /// Verification was off (`--insecure`): findings say so.
    pub insecure: bool,
    /// The protocol versions and cipher suites the server accepts (TLS-009, TLS-010); `None`
    /// when not scanned (the endpoint was not reached).
    pub policy: Option<Result<TlsPolicyScan, ProbeError>>,
}

/// What a server accepted when offered TLS 1.0, 1.1 and 1.2 ClientHellos
/// (`probe::tls_hello`); TLS 1.3 shows in the TLS handshake's negotiated version.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct TlsPolicyScan {
    /// Versions whose ClientHello the server answered in kind (`0x0301` = TLS 1.0).
    pub versions: Vec<u16>,
    /// Every suite the server picked, by version.
    pub accepted: Vec<AcceptedSuite>,
}

/// One suite a server chose for one protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AcceptedSuite {
    pub version: u16,
    pub suite: u16,
}

/// The etcdraft gauges and counter one orderer's `/metrics` reports for one channel (Fabric
/// orderer/consensus/etcdraft/metrics.go, namespace `consensus`, subsystem `etcdraft`, label
/// `channel`). A series the page does not carry is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RaftChannelMetrics {
    /// `consensus_etcdraft_is_leader`: 1 on the node that leads the channel's cluster.
    pub is_leader: Option<f64>,
    /// `consensus_etcdraft_active_nodes`: nodes the leader (or this node) sees as active.
    pub active_nodes: Option<f64>,
    /// `consensus_etcdraft_cluster_size`: consenters in the channel's configuration.
    pub cluster_size: Option<f64>,
    /// `consensus_etcdraft_leader_changes`: leader changes since the node started.
    pub leader_changes: Option<f64>,
}

/// What one orderer's `/metrics` says about each channel's Raft cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct RaftObservation {
    /// The orderer (`orderer0.example.com`).
    pub orderer: String,
    /// `http(s)://host:port` of its operations endpoint.
    pub operations: String,
    /// Channel → metrics; `Err((skip, why))` when the node exposes no Prometheus metrics
    /// (`skip` true: metrics provider not prometheus), `Err((false, why))` when the page could
    /// not be read.
    pub channels: Result<BTreeMap<String, RaftChannelMetrics>, (bool, String)>,
}

/// One config block fetched over Deliver, or why it could not be.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigFetchObservation {
    /// The orderer (`orderer0.example.com`) and the address dialled.
    pub orderer: String,
    pub endpoint: String,
    /// The channel asked for; `None` when the failure came before any channel was known (the
    /// channel list could not be read, or there was no way to learn it).
    pub channel: Option<String>,
    pub result: Result<FetchedBlock, String>,
}

/// A config block as the orderer delivered it.
#[derive(Clone, PartialEq)]
pub struct FetchedBlock {
    pub number: u64,
    /// The serialized `common.Block`.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for FetchedBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchedBlock")
            .field("number", &self.number)
            .field("bytes", &format!("{} bytes", self.bytes.len()))
            .finish()
    }
}
