//! The stand-in kubelet's log endpoint: the part of a kubelet's HTTPS server that `kubectl
//! logs` (and fabcheck) reach through the API server (`GET /containerLogs/{ns}/{pod}/{container}`,
//! with `tailLines`). The API server dials the node's InternalIP at its kubelet endpoint port
//! and, with no `--kubelet-certificate-authority`, does not verify the serving certificate.
//!
//! Plain HTTP/1.1 over rustls, one request per connection; bound to 127.0.0.1 on a free port.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Logs by `namespace/pod/container`.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<HashMap<String, String>>>);

impl Logs {
    pub fn put(&self, ns: &str, pod: &str, container: &str, text: String) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(format!("{ns}/{pod}/{container}"), text);
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        self.0.lock().ok()?.get(key).cloned()
    }
}

/// Starts serving `logs`; returns the port. The server runs as a task of the current runtime
/// and ends with it.
pub async fn serve(logs: Logs) -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let key = rcgen::KeyPair::generate().map_err(std::io::Error::other)?;
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .map_err(std::io::Error::other)?;
    let cert = params.self_signed(&key).map_err(std::io::Error::other)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .map_err(std::io::Error::other)?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let logs = logs.clone();
            tokio::spawn(async move {
                let Ok(Ok(mut tls)) =
                    tokio::time::timeout(std::time::Duration::from_secs(5), acceptor.accept(tcp))
                        .await
                else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match tokio::time::timeout(
                        std::time::Duration::from_secs(5),
                        tls.read(&mut buf),
                    )
                    .await
                    {
                        Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
                        _ => return,
                    }
                }
                let text = String::from_utf8_lossy(&head);
                let target = text.split_whitespace().nth(1).unwrap_or_default();
                let (path, query) = target.split_once('?').unwrap_or((target, ""));
                let response = match path.strip_prefix("/containerLogs/") {
                    Some(key) => match logs.get(key) {
                        Some(log) => ok(&tail(&log, query)),
                        None => not_found(key),
                    },
                    None => not_found(path),
                };
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Ok(port)
}

/// The last `tailLines` lines, when the query asks for them.
fn tail(log: &str, query: &str) -> String {
    let wanted = query
        .split('&')
        .find_map(|p| p.strip_prefix("tailLines="))
        .and_then(|n| n.parse::<usize>().ok());
    match wanted {
        Some(n) => {
            let lines: Vec<&str> = log.lines().collect();
            let start = lines.len().saturating_sub(n);
            lines[start..].iter().map(|l| format!("{l}\n")).collect()
        }
        None => log.to_owned(),
    }
}

fn ok(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn not_found(what: &str) -> String {
    let body = format!("no log for {what}\n");
    format!(
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
