//! The operations service of peers and orderers (Fabric's `core/operations/system.go`, served
//! by fabric-lib-go's operations server): `GET /healthz` and `GET /metrics` over HTTP/1.1, on
//! plain TCP or on TLS with the node's TLS roots and, when configured, the client identity.
//!
//! What the operations server does, from Fabric's code:
//! - `/healthz` is registered without the client-certificate requirement (`RegisterHandler(
//!   "/healthz", …, false)`); with `operations.tls.clientAuthRequired` the TLS handshake itself
//!   demands a certificate. fabric-lib-go's `healthz.HealthHandler` answers 200
//!   `{"status":"OK","time":…}` or 503 `{"status":"Service Unavailable","time":…,
//!   "failed_checks":[{"component":…,"reason":…}]}`.
//! - `/metrics` exists only when `metrics.provider` is `prometheus`, and is a secure handler
//!   when operations TLS is on (401 without a verified client certificate).
//!
//! The probe records the HTTP answers; the health checks judge them.

use std::time::Duration;

use bytes::Bytes;
use http_body::Body as _;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use super::{Timeouts, connect, resolve};
use crate::inventory::live::{HttpAnswer, OperationsObservation, TlsEndpoint};

/// `/healthz` answers are a few hundred bytes; a failing one names each component.
const HEALTHZ_LIMIT: usize = 64 * 1024;
/// A peer's Prometheus page with many channels and chaincodes runs to a few hundred KiB.
const METRICS_LIMIT: usize = 8 * 1024 * 1024;

/// Asks the endpoint's operations service for `/healthz` and `/metrics`, side by side, each on
/// its own connection. `None` when the endpoint has no operations address.
pub async fn observe(
    ep: &TlsEndpoint,
    timeouts: Timeouts,
    insecure: bool,
) -> Option<OperationsObservation> {
    let ops = ep.operations.as_ref()?;
    let (healthz, metrics) = tokio::join!(
        get(ep, "/healthz", HEALTHZ_LIMIT, timeouts, insecure),
        get(ep, "/metrics", METRICS_LIMIT, timeouts, insecure),
    );
    Some(OperationsObservation {
        name: ep.name.clone(),
        role: ep.role,
        endpoint: ops.clone(),
        healthz,
        metrics,
    })
}

/// The observation for an endpoint whose probe did not finish (the overall deadline).
pub fn not_finished(ep: &TlsEndpoint, reason: &str) -> Option<OperationsObservation> {
    let ops = ep.operations.as_ref()?;
    Some(OperationsObservation {
        name: ep.name.clone(),
        role: ep.role,
        endpoint: ops.clone(),
        healthz: Err(reason.to_owned()),
        metrics: Err(reason.to_owned()),
    })
}

pub(crate) async fn get(
    ep: &TlsEndpoint,
    path: &str,
    limit: usize,
    timeouts: Timeouts,
    insecure: bool,
) -> Result<HttpAnswer, String> {
    let Some(ops) = ep.operations.as_ref() else {
        return Err("no operations endpoint".into());
    };
    let addrs = resolve(&ops.address, timeouts.connect)
        .await
        .map_err(|e| e.to_string())?;
    let tcp = connect(&ops.address, &addrs, timeouts.connect)
        .await
        .map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);
    if !ops.tls {
        return request(tcp, &ops.address, path, limit, timeouts.read).await;
    }
    let (config, name) = super::tls::operations_client(ep, insecure)?;
    let connector = tokio_rustls::TlsConnector::from(config);
    let tls = match tokio::time::timeout(timeouts.read, connector.connect(name, tcp)).await {
        Err(_) => {
            return Err(format!(
                "no TLS handshake with {} within {} ms",
                ops.address,
                timeouts.read.as_millis()
            ));
        }
        Ok(Err(e)) => {
            return Err(format!(
                "failed to complete the TLS handshake with {}: {}",
                ops.address,
                super::tls::handshake_reason(&e)
            ));
        }
        Ok(Ok(tls)) => tls,
    };
    request(tls, &ops.address, path, limit, timeouts.read).await
}

/// One HTTP/1.1 GET, bounded by `limit_time`; the body is read up to `limit` bytes.
async fn request<S>(
    io: S,
    authority: &str,
    path: &str,
    limit: usize,
    limit_time: Duration,
) -> Result<HttpAnswer, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let exchange = async {
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake::<_, String>(TokioIo::new(io))
                .await
                .map_err(|e| format!("HTTP handshake with {authority} failed: {e}"))?;
        let request = http::Request::get(path)
            .header(http::header::HOST, authority)
            .header(http::header::USER_AGENT, "fabcheck")
            .body(String::new())
            .map_err(|e| format!("failed to build the request: {e}"))?;
        let call = async {
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| format!("GET {path} on {authority} failed: {}", chain(&e)))?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let mut body = response.into_body();
            let mut bytes: Vec<u8> = Vec::new();
            let mut truncated = false;
            while let Some(frame) =
                std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
            {
                let frame = frame.map_err(|e| {
                    format!("reading the body of GET {path} on {authority} failed: {e}")
                })?;
                if let Ok(data) = frame.into_data() {
                    let data: Bytes = data;
                    let room = limit.saturating_sub(bytes.len());
                    if data.len() > room {
                        bytes.extend_from_slice(&data[..room]);
                        truncated = true;
                        break;
                    }
                    bytes.extend_from_slice(&data);
                }
            }
            Ok(HttpAnswer {
                status,
                content_type,
                body: String::from_utf8_lossy(&bytes).into_owned(),
                truncated,
            })
        };
        // The connection is driven here, not spawned: it closes when the exchange ends.
        let mut conn = std::pin::pin!(conn);
        let mut call = std::pin::pin!(call);
        let mut conn_done = false;
        std::future::poll_fn(|cx| {
            if !conn_done && conn.as_mut().poll(cx).is_ready() {
                conn_done = true;
            }
            call.as_mut().poll(cx)
        })
        .await
    };
    match tokio::time::timeout(limit_time, exchange).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "no answer to GET {path} from {authority} within {} ms",
            limit_time.as_millis()
        )),
    }
}

/// An error and its sources, joined: hyper's top-level messages alone rarely say why.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}
