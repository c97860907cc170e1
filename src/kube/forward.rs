//! A pod's port on a local address, through the API server's `pods/portforward` subresource
//! (what `kubectl port-forward` does): a listener on `127.0.0.1:0` whose every connection is
//! one port-forward stream to the pod. Clients that only speak TCP to an address (the Docker
//! API client of the chaincode-DNS probe) reach a daemon that listens on the pod's loopback,
//! such as a peer's Docker-in-Docker sidecar on `127.0.0.1:2375`, from outside the cluster.
//!
//! The kubelet connects to the port inside the pod's network namespace, so a port bound to the
//! pod's `127.0.0.1` is reachable, exactly as the peer container reaches it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::{Api, Client};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Why a forward could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("failed to listen on 127.0.0.1 for the forward to {pod}:{port}: {reason}")]
    Listen {
        pod: String,
        port: u16,
        reason: String,
    },
}

/// A local address forwarding to `namespace/pod:port` while this value lives; dropping it
/// stops the listener and every connection it carries.
pub struct LocalForward {
    address: SocketAddr,
    accept: JoinHandle<()>,
    /// The first reason a connection could not be forwarded (the API server refusing the
    /// upgrade, the kubelet finding nothing listening on the port), for the caller's message.
    failure: Arc<Mutex<Option<String>>>,
}

impl LocalForward {
    /// Starts forwarding. Each accepted connection opens its own port-forward stream, bounded
    /// by `connect_timeout`; the connection is dropped (and the reason kept) when the stream
    /// cannot be opened.
    pub async fn start(
        client: &Client,
        namespace: &str,
        pod: &str,
        port: u16,
        connect_timeout: Duration,
    ) -> Result<LocalForward, ForwardError> {
        let shown = format!("{namespace}/{pod}");
        let listener =
            TcpListener::bind(("127.0.0.1", 0))
                .await
                .map_err(|e| ForwardError::Listen {
                    pod: shown.clone(),
                    port,
                    reason: e.to_string(),
                })?;
        let address = listener.local_addr().map_err(|e| ForwardError::Listen {
            pod: shown.clone(),
            port,
            reason: e.to_string(),
        })?;
        let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
        let pod = pod.to_owned();
        let failure = Arc::new(Mutex::new(None));
        let noted = Arc::clone(&failure);
        let accept = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut local, _)) = listener.accept().await {
                let pods = pods.clone();
                let pod = pod.clone();
                let noted = Arc::clone(&noted);
                connections.spawn(async move {
                    let opened =
                        tokio::time::timeout(connect_timeout, pods.portforward(&pod, &[port]))
                            .await;
                    let mut forwarder = match opened {
                        Ok(Ok(f)) => AbortOnDrop(f),
                        Ok(Err(e)) if super::is_forbidden(&e) => {
                            let message = match &e {
                                kube::Error::Api(status) => status.message.clone(),
                                other => other.to_string(),
                            };
                            note(
                                &noted,
                                format!(
                                    "forbidden (HTTP 403): {message} — port-forwarding needs                                      get and create on pods/portforward (rbac/deployer.yaml,                                      rbac/in-cluster-probe.yaml)"
                                ),
                            );
                            return;
                        }
                        Ok(Err(e)) => {
                            note(&noted, super::describe(&e));
                            return;
                        }
                        Err(_) => {
                            note(
                                &noted,
                                format!(
                                    "no port-forward stream within {} ms",
                                    connect_timeout.as_millis()
                                ),
                            );
                            return;
                        }
                    };
                    let (Some(mut remote), errors) =
                        (forwarder.0.take_stream(port), forwarder.0.take_error(port))
                    else {
                        note(&noted, "the forward carried no stream".to_owned());
                        return;
                    };
                    // The kubelet writes on the error stream when it cannot connect to the
                    // port in the pod ("connection refused"); the data stream then just ends.
                    if let Some(errors) = errors {
                        let noted = Arc::clone(&noted);
                        tokio::spawn(async move {
                            if let Some(message) = errors.await {
                                note(&noted, format!("the kubelet said: {}", message.trim()));
                            }
                        });
                    }
                    let _ = tokio::io::copy_bidirectional(&mut local, &mut remote).await;
                });
                // Reap finished connections so a long forward does not grow without bound.
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(LocalForward {
            address,
            accept,
            failure,
        })
    }

    /// The local address to connect to.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Why a connection could not be forwarded, if one could not.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }
}

impl Drop for LocalForward {
    fn drop(&mut self) {
        // Aborting the accept task drops its JoinSet, which aborts every connection task.
        self.accept.abort();
    }
}

/// Ends a port-forward's background task with the connection that uses it, also when that
/// connection's task is aborted half-way.
struct AbortOnDrop(kube::api::Portforwarder);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn note(slot: &Mutex<Option<String>>, reason: String) {
    if let Ok(mut slot) = slot.lock()
        && slot.is_none()
    {
        *slot = Some(reason);
    }
}
