//! Pushing metrics to a Prometheus Pushgateway (`-o prometheus=http://HOST:9091/metrics/job/…`):
//! one HTTP/1.1 `PUT` of the text exposition format, which replaces the group's metrics as a
//! fresh run should (the Pushgateway's API: `PUT /metrics/job/<job>{/<label>/<value>}`).
//! Plain HTTP only, as Pushgateways inside a cluster are served; bounded by a timeout.

use std::time::Duration;

use http_body::Body as _;
use hyper_util::rt::TokioIo;

/// Why a push did not land.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("failed to push metrics to {url}: {reason}")]
    Failed { url: String, reason: String },
}

/// Whether `destination` is a Pushgateway URL rather than a file path.
pub fn is_url(destination: &str) -> bool {
    destination.starts_with("http://") || destination.starts_with("https://")
}

/// `PUT`s `body` to `url`, within `timeout` for the whole exchange.
pub fn put_metrics(url: &str, body: String, timeout: Duration) -> Result<(), PushError> {
    let fail = |reason: String| PushError::Failed {
        url: url.to_owned(),
        reason,
    };
    let uri: http::Uri = url.parse().map_err(|e| fail(format!("not a URL: {e}")))?;
    if uri.scheme_str() != Some("http") {
        return Err(fail(
            "only http:// is supported (a Pushgateway inside the cluster); for TLS, write a file \
             and push it with a client that has the CA"
                .into(),
        ));
    }
    let host = uri.host().ok_or_else(|| fail("no host".into()))?.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let authority = format!("{host}:{port}");
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let runtime = super::runtime().map_err(|e| fail(format!("no async runtime: {e}")))?;
    runtime
        .block_on(async {
            let exchange = async {
                let host = host.trim_start_matches('[').trim_end_matches(']');
                let stream = tokio::net::TcpStream::connect((host, port))
                    .await
                    .map_err(|e| format!("failed to connect to {authority}: {e}"))?;
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake::<_, String>(TokioIo::new(stream))
                        .await
                        .map_err(|e| format!("HTTP handshake with {authority} failed: {e}"))?;
                tokio::spawn(conn);
                let request = http::Request::put(path.as_str())
                    .header(http::header::HOST, authority.as_str())
                    .header(http::header::USER_AGENT, "fabcheck")
                    .header(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")
                    .body(body)
                    .map_err(|e| format!("failed to build the request: {e}"))?;
                let response = sender
                    .send_request(request)
                    .await
                    .map_err(|e| format!("PUT {path} failed: {e}"))?;
                let status = response.status();
                if status.is_success() {
                    return Ok(());
                }
                // The Pushgateway says what it refused (a malformed line, a clash of types).
                let mut body = response.into_body();
                let mut said: Vec<u8> = Vec::new();
                while said.len() < 2048 {
                    let frame =
                        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx))
                            .await;
                    match frame {
                        Some(Ok(frame)) => {
                            if let Ok(data) = frame.into_data() {
                                said.extend_from_slice(&data);
                            }
                        }
                        _ => break,
                    }
                }
                let said = String::from_utf8_lossy(&said).trim().to_owned();
                Err(format!("the server answered {status}: {said}"))
            };
            match tokio::time::timeout(timeout, exchange).await {
                Ok(result) => result,
                Err(_) => Err(format!("no answer within {}s", timeout.as_secs())),
            }
        })
        .map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_are_pushed_to() {
        assert!(is_url("http://pushgateway:9091/metrics/job/fabcheck"));
        assert!(!is_url("/var/lib/node_exporter/fabcheck.prom"));
        let e = put_metrics(
            "https://pgw/metrics/job/x",
            String::new(),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(e.to_string().contains("only http://"), "{e}");
        let e = put_metrics("http://", String::new(), Duration::from_secs(1)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("failed to push metrics to http://"),
            "{e}"
        );
    }

    #[test]
    fn a_refused_connection_is_an_error_naming_the_gateway() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/metrics/job/fabcheck");
        let e = put_metrics(&url, "x 1\n".into(), Duration::from_secs(5)).unwrap_err();
        assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
    }
}
