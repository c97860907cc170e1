//! The newest config block of a channel, fetched from an orderer the way
//! `peer channel fetch config` fetches it (Fabric internal/peer/channel/fetchconfig.go):
//! ask for the newest block, read which block holds the channel's last configuration from its
//! metadata, then ask for that block.
//!
//! Each request is one `/orderer.AtomicBroadcast/Deliver` stream (orderer/common/server/
//! server.go `Deliver` → common/deliver/deliver.go `Handle`): an Envelope whose Payload.header
//! carries a ChannelHeader (type DELIVER_SEEK_INFO, the channel, a timestamp, epoch 0 and, under
//! mutual TLS, the SHA-256 of the client's TLS certificate) and a SignatureHeader (creator =
//! the SerializedIdentity, a 24-byte nonce), with SeekInfo as data — what
//! internal/pkg/peer/common/deliverclient.go (`seekHelper`) builds with
//! protoutil.CreateSignedEnvelopeWithTLSBinding. The orderer checks the signature against the
//! channel's Readers policy and, when it runs mutual TLS, the certificate hash against the
//! connection's (internal/pkg/comm/util.go `NewBindingInspector`), then streams DeliverResponse
//! messages: the block(s), then a status.
//!
//! The call goes over the same verified TLS connection the TLS probe makes (the org's TLS roots,
//! SNI, ALPN h2, the endpoint's client identity), and every step is bounded by a timeout.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper_util::rt::{TokioExecutor, TokioIo};
use prost::Message;
use serde::Deserialize;

use super::{Timeouts, connect, resolve};
use crate::inventory::channel::protos::{
    self, Block, ChannelHeader, DeliverResponse, Envelope, Header, LastConfig, Metadata,
    OrdererBlockMetadata, Payload, SeekInfo, SeekPosition, SerializedIdentity, SignatureHeader,
    Timestamp, deliver_response, seek_position,
};
use crate::inventory::identity::SigningIdentity;
use crate::inventory::live::{
    ConfigFetchObservation, FetchedBlock, NodeRole, OperationsEndpoint, TlsEndpoint,
};

pub const DELIVER_METHOD: &str = "/orderer.AtomicBroadcast/Deliver";

/// Fabric's default gRPC receive limit (100 MiB, internal/pkg/comm/config.go
/// `DefaultMaxRecvMsgSize`): no block an orderer serves is larger.
const MAX_BLOCK_BYTES: usize = 100 * 1024 * 1024;

/// The participation API's answer is a list of names and URLs.
const CHANNEL_LIST_LIMIT: usize = 1024 * 1024;

/// `orderer/ab.proto` `SeekInfo.SeekBehavior` FAIL_IF_NOT_READY: a block the orderer does not
/// have yet is an error now, not a wait.
const FAIL_IF_NOT_READY: i32 = 1;

/// What the Deliver probe is asked to do.
#[derive(Debug, Clone)]
pub struct DeliverRequest {
    pub identity: std::sync::Arc<SigningIdentity>,
    /// Channels to fetch (`--channel`); empty: list them from each orderer's admin endpoint.
    pub channels: Vec<String>,
}

/// Fetches the config block of every channel asked for (or listed) from one orderer. Peers
/// are not asked.
pub async fn observe(
    ep: &TlsEndpoint,
    request: &DeliverRequest,
    timeouts: Timeouts,
    insecure: bool,
) -> Vec<ConfigFetchObservation> {
    if ep.role != NodeRole::Orderer {
        return Vec::new();
    }
    let failed = |channel: Option<String>, why: String| ConfigFetchObservation {
        orderer: ep.name.clone(),
        endpoint: ep.address.clone(),
        channel,
        result: Err(why),
    };
    let channels = if !request.channels.is_empty() {
        request.channels.clone()
    } else if let Some(admin) = &ep.admin {
        match list_channels(ep, admin, timeouts, insecure).await {
            Ok(list) if list.is_empty() => {
                return vec![failed(
                    None,
                    format!("the channel participation API on {admin} lists no channel"),
                )];
            }
            Ok(list) => list,
            Err(why) => return vec![failed(None, why)],
        }
    } else {
        return vec![failed(
            None,
            format!(
                "no channel to fetch from {}: give --channel NAME, or the orderer's admin address (admin= on the endpoint, Fabric 2.3+) so its channels can be listed",
                ep.name
            ),
        )];
    };
    let mut out = Vec::new();
    for channel in channels {
        let result = fetch_config(ep, &request.identity, &channel, timeouts, insecure).await;
        out.push(ConfigFetchObservation {
            orderer: ep.name.clone(),
            endpoint: ep.address.clone(),
            channel: Some(channel),
            result,
        });
    }
    out
}

/// The observations for an orderer whose fetches did not finish (the overall deadline).
pub fn not_finished(
    ep: &TlsEndpoint,
    request: &DeliverRequest,
    reason: &str,
) -> Vec<ConfigFetchObservation> {
    if ep.role != NodeRole::Orderer {
        return Vec::new();
    }
    let channels: Vec<Option<String>> = if request.channels.is_empty() {
        vec![None]
    } else {
        request.channels.iter().cloned().map(Some).collect()
    };
    channels
        .into_iter()
        .map(|channel| ConfigFetchObservation {
            orderer: ep.name.clone(),
            endpoint: ep.address.clone(),
            channel,
            result: Err(reason.to_owned()),
        })
        .collect()
}

/// `GET /participation/v1/channels` on the orderer's admin endpoint (Fabric 2.3+,
/// orderer/common/channelparticipation/restapi.go; always TLS, mutual TLS with the admin's
/// client certificate): `{"systemChannel":{"name","url"}|null,"channels":[{"name","url"}]}`.
pub async fn list_channels(
    ep: &TlsEndpoint,
    admin: &str,
    timeouts: Timeouts,
    insecure: bool,
) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct ChannelList {
        #[serde(default, rename = "systemChannel")]
        system_channel: Option<Named>,
        #[serde(default)]
        channels: Option<Vec<Named>>,
    }
    #[derive(Deserialize)]
    struct Named {
        name: String,
    }
    let admin_ep = TlsEndpoint {
        operations: Some(OperationsEndpoint {
            address: admin.to_owned(),
            tls: true,
            client_auth_required: Some(true),
            declared_at: ep.declared_at.clone(),
        }),
        ..ep.clone()
    };
    const PATH: &str = "/participation/v1/channels";
    let answer = super::operations::get(&admin_ep, PATH, CHANNEL_LIST_LIMIT, timeouts, insecure)
        .await
        .map_err(|e| {
            format!(
                "failed to list the channels of {} on its admin endpoint {admin}: {e}",
                ep.name
            )
        })?;
    if answer.status != 200 {
        return Err(format!(
            "failed to list the channels of {} : GET {PATH} on {admin} answered HTTP {}{}",
            ep.name,
            answer.status,
            match answer.status {
                404 => " (no channel participation API: Fabric before 2.3, or not the admin port)",
                401 | 403 =>
                    " (the admin endpoint wants a client certificate its client CAs issued)",
                _ => "",
            }
        ));
    }
    let list: ChannelList = serde_json::from_str(&answer.body).map_err(|e| {
        format!(
            "failed to read the channel list of {} from {admin}: {e}",
            ep.name
        )
    })?;
    Ok(list
        .system_channel
        .into_iter()
        .chain(list.channels.unwrap_or_default())
        .map(|c| c.name)
        .collect())
}

/// Fetches the newest config block of `channel` from the orderer `ep`, signed by `identity`.
pub async fn fetch_config(
    ep: &TlsEndpoint,
    identity: &SigningIdentity,
    channel: &str,
    timeouts: Timeouts,
    insecure: bool,
) -> Result<FetchedBlock, String> {
    let fail = |why: String| {
        format!(
            "failed to fetch the config block of channel {channel} from {} ({}): {why}",
            ep.name, ep.address
        )
    };
    let mut conn = Connection::open(ep, timeouts, insecure)
        .await
        .map_err(fail)?;
    // fetchconfig.go: GetNewestBlock, then protoutil.GetLastConfigIndexFromBlock, then
    // GetSpecifiedBlock(index).
    let tls_hash = tls_cert_hash(ep);
    let newest = conn
        .seek(
            identity,
            channel,
            Position::Newest,
            tls_hash.as_deref(),
            timeouts.read,
        )
        .await
        .map_err(fail)?;
    let index = last_config_index(&newest).map_err(fail)?;
    let number = newest.header.as_ref().map(|h| h.number).unwrap_or_default();
    let block = if index == number {
        newest
    } else {
        conn.seek(
            identity,
            channel,
            Position::Specified(index),
            tls_hash.as_deref(),
            timeouts.read,
        )
        .await
        .map_err(fail)?
    };
    let got = block.header.as_ref().map(|h| h.number).unwrap_or_default();
    if got != index {
        return Err(fail(format!(
            "asked for block {index} (the last config of block {number}) and got block {got}"
        )));
    }
    Ok(FetchedBlock {
        number: got,
        bytes: block.encode_to_vec(),
    })
}

/// The SHA-256 of the client's TLS certificate, which the orderer compares with the
/// connection's when it runs mutual TLS (ChannelHeader.tls_cert_hash).
fn tls_cert_hash(ep: &TlsEndpoint) -> Option<Vec<u8>> {
    let leaf = ep.client_identity.as_ref()?.chain.first()?;
    Some(
        ring::digest::digest(&ring::digest::SHA256, leaf)
            .as_ref()
            .to_vec(),
    )
}

/// Which block to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Newest,
    Specified(u64),
}

/// The signed SeekInfo envelope for one block (start = stop), FAIL_IF_NOT_READY.
pub fn seek_envelope(
    identity: &SigningIdentity,
    channel: &str,
    position: Position,
    tls_cert_hash: Option<&[u8]>,
) -> Result<Envelope, String> {
    let pos = SeekPosition {
        r#type: Some(match position {
            Position::Newest => seek_position::Type::Newest(seek_position::SeekNewest {}),
            Position::Specified(number) => {
                seek_position::Type::Specified(seek_position::SeekSpecified { number })
            }
        }),
    };
    let seek = SeekInfo {
        start: Some(pos.clone()),
        stop: Some(pos),
        behavior: FAIL_IF_NOT_READY,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let channel_header = ChannelHeader {
        r#type: protos::header_type::DELIVER_SEEK_INFO,
        version: 0,
        timestamp: Some(Timestamp {
            seconds: i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
            nanos: i32::try_from(now.subsec_nanos()).unwrap_or(0),
        }),
        channel_id: channel.to_owned(),
        tx_id: String::new(),
        epoch: 0,
        extension: Vec::new(),
        tls_cert_hash: tls_cert_hash.map(<[u8]>::to_vec).unwrap_or_default(),
    };
    // crypto.GetRandomNonce: 24 bytes from crypto/rand.
    let mut nonce = [0u8; 24];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
        .map_err(|_| "the system random source failed".to_owned())?;
    let signature_header = SignatureHeader {
        creator: SerializedIdentity {
            mspid: identity.msp_id.clone(),
            id_bytes: identity.cert_pem.clone(),
        }
        .encode_to_vec(),
        nonce: nonce.to_vec(),
    };
    let payload = Payload {
        header: Some(Header {
            channel_header: channel_header.encode_to_vec(),
            signature_header: signature_header.encode_to_vec(),
        }),
        data: seek.encode_to_vec(),
    }
    .encode_to_vec();
    let signature = identity.sign(&payload);
    Ok(Envelope { payload, signature })
}

/// Which block holds the channel's newest configuration, read from a block's metadata as
/// protoutil/blockutils.go `GetLastConfigIndexFromBlock` reads it: Fabric 2.x writes it in the
/// SIGNATURES entry (metadata[0], `Metadata.value` = `OrdererBlockMetadata`); 1.4 in the
/// LAST_CONFIG entry (metadata[1], `Metadata.value` = `LastConfig`), which 2.x still reads
/// when the first has none.
pub fn last_config_index(block: &Block) -> Result<u64, String> {
    let metadata = block
        .metadata
        .as_ref()
        .map(|m| m.metadata.as_slice())
        .unwrap_or_default();
    if let Some(raw) = metadata.first().filter(|m| !m.is_empty()) {
        let md = Metadata::decode(raw.as_slice())
            .map_err(|e| format!("block metadata[0] (SIGNATURES) is not a Metadata: {e}"))?;
        if !md.value.is_empty()
            && let Ok(obm) = OrdererBlockMetadata::decode(md.value.as_slice())
            && let Some(lc) = obm.last_config
        {
            return Ok(lc.index);
        }
    }
    if let Some(raw) = metadata.get(1).filter(|m| !m.is_empty()) {
        let md = Metadata::decode(raw.as_slice())
            .map_err(|e| format!("block metadata[1] (LAST_CONFIG) is not a Metadata: {e}"))?;
        let lc = LastConfig::decode(md.value.as_slice())
            .map_err(|e| format!("block metadata[1] (LAST_CONFIG) holds no LastConfig: {e}"))?;
        return Ok(lc.index);
    }
    Err("the newest block's metadata names no last config block (neither OrdererBlockMetadata in metadata[0] nor LastConfig in metadata[1])".into())
}

/// What a `common.Status` in a DeliverResponse means for a fetch.
fn status_error(status: i32, channel: &str, identity: &SigningIdentity) -> String {
    match status {
        403 => format!(
            "the orderer answered 403 FORBIDDEN: {} ({}) may not read channel {channel} (not in its Readers policy, a signature the orderer does not accept, or a TLS certificate hash that is not the connection's)",
            identity.msp_id, identity.cert_origin
        ),
        404 => format!("the orderer answered 404 NOT_FOUND: it serves no channel {channel}"),
        503 => format!(
            "the orderer answered 503 SERVICE_UNAVAILABLE for channel {channel} (no Raft leader, catching up, or not a member of the channel's consenters)"
        ),
        400 => "the orderer answered 400 BAD_REQUEST to the seek request".into(),
        500 => "the orderer answered 500 INTERNAL_SERVER_ERROR".into(),
        other => format!("the orderer answered status {other}"),
    }
}

/// One verified TLS connection with HTTP/2 on it, driven by a task that ends with the
/// connection.
struct Connection {
    sender: hyper::client::conn::http2::SendRequest<tonic::body::Body>,
    origin: http::Uri,
    driver: tokio::task::JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl Connection {
    async fn open(ep: &TlsEndpoint, timeouts: Timeouts, insecure: bool) -> Result<Self, String> {
        let (config, name, authority) = super::tls::grpc_client(ep, insecure)?;
        let addrs = resolve(&ep.address, timeouts.connect)
            .await
            .map_err(|e| e.to_string())?;
        let tcp = connect(&ep.address, &addrs, timeouts.connect)
            .await
            .map_err(|e| e.to_string())?;
        let _ = tcp.set_nodelay(true);
        let connector = tokio_rustls::TlsConnector::from(config);
        let tls = match tokio::time::timeout(timeouts.read, connector.connect(name, tcp)).await {
            Err(_) => {
                return Err(format!(
                    "no TLS handshake within {} ms",
                    timeouts.read.as_millis()
                ));
            }
            Ok(Err(e)) => {
                return Err(format!(
                    "the TLS handshake failed: {}",
                    super::tls::handshake_reason(&e)
                ));
            }
            Ok(Ok(tls)) => tls,
        };
        let handshake = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .handshake::<_, tonic::body::Body>(TokioIo::new(tls));
        let (sender, conn) = match tokio::time::timeout(timeouts.read, handshake).await {
            Err(_) => {
                return Err(format!(
                    "no HTTP/2 handshake within {} ms",
                    timeouts.read.as_millis()
                ));
            }
            Ok(Err(e)) => return Err(format!("the HTTP/2 handshake failed: {e}")),
            Ok(Ok(pair)) => pair,
        };
        let driver = tokio::spawn(async move {
            let _ = conn.await;
        });
        let origin = format!("https://{authority}")
            .parse()
            .map_err(|e| format!("no usable :authority {authority:?}: {e}"))?;
        Ok(Connection {
            sender,
            origin,
            driver,
        })
    }

    /// One Deliver stream for one block: the block, then status 200.
    async fn seek(
        &mut self,
        identity: &SigningIdentity,
        channel: &str,
        position: Position,
        tls_cert_hash: Option<&[u8]>,
        limit: Duration,
    ) -> Result<Block, String> {
        let envelope = seek_envelope(identity, channel, position, tls_cert_hash)?;
        let what = match position {
            Position::Newest => "the newest block".to_owned(),
            Position::Specified(n) => format!("block {n}"),
        };
        let exchange = async {
            let mut grpc =
                tonic::client::Grpc::with_origin(Service(self.sender.clone()), self.origin.clone())
                    .max_decoding_message_size(MAX_BLOCK_BYTES);
            grpc.ready()
                .await
                .map_err(|e| format!("the HTTP/2 connection is not usable: {e}"))?;
            let request = tonic::Request::new(tonic::codegen::tokio_stream::once(envelope));
            let codec = tonic_prost::ProstCodec::<Envelope, DeliverResponse>::default();
            let mut stream = grpc
                .streaming(
                    request,
                    http::uri::PathAndQuery::from_static(DELIVER_METHOD),
                    codec,
                )
                .await
                .map_err(|s| grpc_error(&s))?
                .into_inner();
            let mut block = None;
            loop {
                match stream.message().await.map_err(|s| grpc_error(&s))? {
                    Some(DeliverResponse {
                        r#type: Some(deliver_response::Type::Block(b)),
                    }) => {
                        if block.is_some() {
                            return Err("the orderer sent more than the one block asked for".into());
                        }
                        block = Some(b);
                    }
                    Some(DeliverResponse {
                        r#type: Some(deliver_response::Type::Status(200)),
                    }) => {
                        return block.ok_or_else(|| {
                            "the orderer answered 200 SUCCESS without a block".to_owned()
                        });
                    }
                    Some(DeliverResponse {
                        r#type: Some(deliver_response::Type::Status(s)),
                    }) => return Err(status_error(s, channel, identity)),
                    Some(DeliverResponse { r#type: None }) => {
                        return Err("the orderer sent an empty DeliverResponse".into());
                    }
                    None => {
                        return Err("the Deliver stream ended without a status".into());
                    }
                }
            }
        };
        match tokio::time::timeout(limit, exchange).await {
            Ok(r) => r.map_err(|e| format!("asking for {what}: {e}")),
            Err(_) => Err(format!(
                "asking for {what}: no answer within {} ms",
                limit.as_millis()
            )),
        }
    }
}

/// A gRPC status in words; tonic's own (transport) statuses carry their cause.
fn grpc_error(s: &tonic::Status) -> String {
    let mut text = format!("gRPC {:?}: {}", s.code(), s.message());
    let mut cur = std::error::Error::source(s);
    while let Some(e) = cur {
        text.push_str(&format!(": {e}"));
        cur = e.source();
    }
    text
}

/// tonic's view of the HTTP/2 connection.
struct Service(hyper::client::conn::http2::SendRequest<tonic::body::Body>);

impl tower_service::Service<http::Request<tonic::body::Body>> for Service {
    type Response = http::Response<hyper::body::Incoming>;
    type Error = hyper::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, hyper::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), hyper::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(self.0.send_request(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::channel::protos::{BlockHeader, BlockMetadata};

    fn block(number: u64, metadata: Vec<Vec<u8>>) -> Block {
        Block {
            header: Some(BlockHeader {
                number,
                ..Default::default()
            }),
            data: None,
            metadata: Some(BlockMetadata { metadata }),
        }
    }

    #[test]
    fn last_config_from_2x_and_14_metadata() {
        let v2 = Metadata {
            value: OrdererBlockMetadata {
                last_config: Some(LastConfig { index: 7 }),
                consenter_metadata: vec![1, 2],
            }
            .encode_to_vec(),
            signatures: vec![],
        };
        assert_eq!(
            last_config_index(&block(9, vec![v2.encode_to_vec()])).unwrap(),
            7
        );
        let v14 = Metadata {
            value: LastConfig { index: 2 }.encode_to_vec(),
            signatures: vec![],
        };
        let sigs = Metadata::default().encode_to_vec();
        assert_eq!(
            last_config_index(&block(5, vec![sigs, v14.encode_to_vec()])).unwrap(),
            2
        );
        assert!(last_config_index(&block(5, vec![])).is_err());
    }

    #[test]
    fn seek_envelope_is_signed_over_the_payload() {
        use p256::ecdsa::signature::Verifier;
        let key = p256::SecretKey::from_slice(&[9u8; 32]).unwrap();
        let der = pkcs8::EncodePrivateKey::to_pkcs8_der(&key).unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der.as_bytes())
        );
        let id = SigningIdentity::from_pem("OrdererMSP", b"CERT", pem.as_bytes()).unwrap();
        let env = seek_envelope(&id, "mychannel", Position::Specified(2), Some(&[1; 32])).unwrap();
        let payload = Payload::decode(env.payload.as_slice()).unwrap();
        let header = payload.header.unwrap();
        let ch = ChannelHeader::decode(header.channel_header.as_slice()).unwrap();
        assert_eq!(ch.r#type, protos::header_type::DELIVER_SEEK_INFO);
        assert_eq!(ch.channel_id, "mychannel");
        assert_eq!(ch.tls_cert_hash, vec![1; 32]);
        let sh = SignatureHeader::decode(header.signature_header.as_slice()).unwrap();
        assert_eq!(sh.nonce.len(), 24);
        let creator = SerializedIdentity::decode(sh.creator.as_slice()).unwrap();
        assert_eq!(creator.mspid, "OrdererMSP");
        let seek = SeekInfo::decode(payload.data.as_slice()).unwrap();
        assert_eq!(seek.behavior, FAIL_IF_NOT_READY);
        let sig = p256::ecdsa::Signature::from_der(&env.signature).unwrap();
        p256::ecdsa::VerifyingKey::from(key.public_key())
            .verify(&env.payload, &sig)
            .unwrap();
    }
}
