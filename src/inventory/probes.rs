//! What the kubelet does to a pod's containers, read from the pod the logs came from: its
//! `tcpSocket` probes, the addresses they come from, and the ports the container's Fabric
//! servers listen on.
//!
//! A kubelet `tcpSocket` probe connects to the pod's IP and port from the node and closes as
//! soon as the connection is up (Kubernetes `pkg/probe/tcp`: `net.DialTimeout`, then `Close`),
//! never sending a TLS ClientHello. On a TLS port every probe leaves a handshake EOF in the
//! server's log, from the node's address, every `periodSeconds` (10 unless set). These facts
//! let LOG-002 name that probe instead of guessing at a load balancer; they exist only when the
//! logs were read from a cluster.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Kubernetes' default `periodSeconds`.
pub const DEFAULT_PERIOD_SECONDS: u32 = 10;

/// Which of a container's probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProbeKind {
    Liveness,
    Readiness,
    Startup,
}

impl ProbeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeKind::Liveness => "liveness",
            ProbeKind::Readiness => "readiness",
            ProbeKind::Startup => "startup",
        }
    }
}

/// A `tcpSocket` probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpProbe {
    pub kind: ProbeKind,
    /// The port, resolved through the container's named ports; `None` when a name resolves to
    /// nothing.
    pub port: Option<u16>,
    /// The port as the spec writes it (`7051`, `peer`).
    pub port_spec: String,
    pub period_seconds: u32,
}

/// The probe facts of one container, and where its pod runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerProbes {
    /// `namespace/pod`.
    pub pod: String,
    /// `status.hostIP`: the node's address.
    pub host_ip: Option<String>,
    /// `status.podIP`.
    pub pod_ip: Option<String>,
    pub tcp: Vec<TcpProbe>,
    /// The other probes, described (`liveness httpGet :9443/healthz`), for the evidence.
    pub other: Vec<String>,
    /// The container's settings that say where Fabric listens ([`LISTEN_SETTINGS`]).
    pub listen_env: BTreeMap<String, String>,
}

/// Environment settings that place a Fabric server's listener (the value's port counts).
pub const LISTEN_SETTINGS: &[&str] = &[
    "CORE_PEER_LISTENADDRESS",
    "CORE_PEER_CHAINCODELISTENADDRESS",
    "ORDERER_GENERAL_LISTENPORT",
    "CORE_OPERATIONS_LISTENADDRESS",
    "ORDERER_OPERATIONS_LISTENADDRESS",
    "FABRIC_CA_SERVER_PORT",
];

/// The port the Fabric server named in its handshake log lines (`server=PeerServer`) listens
/// on in this container: its setting's port, else Fabric's default (core.yaml
/// `peer.listenAddress` 0.0.0.0:7051, `peer.chaincodeListenAddress` 7052; orderer.yaml
/// `General.ListenPort` 7050).
pub fn listen_port(server: &str, env: &BTreeMap<String, String>) -> Option<u16> {
    let (setting, default) = match server {
        "PeerServer" => ("CORE_PEER_LISTENADDRESS", 7051),
        "ChaincodeServer" => ("CORE_PEER_CHAINCODELISTENADDRESS", 7052),
        "Orderer" => ("ORDERER_GENERAL_LISTENPORT", 7050),
        _ => return None,
    };
    Some(env.get(setting).and_then(|v| port_of(v)).unwrap_or(default))
}

/// The operations endpoint of the Fabric server named in the log, as a probe would reach it:
/// (setting, port). Peer default 9443, orderer 8443 (Fabric docs, "The Operations Service").
pub fn operations_endpoint(
    server: &str,
    env: &BTreeMap<String, String>,
) -> Option<(&'static str, u16)> {
    let (setting, default) = match server {
        "PeerServer" | "ChaincodeServer" => ("CORE_OPERATIONS_LISTENADDRESS", 9443),
        "Orderer" => ("ORDERER_OPERATIONS_LISTENADDRESS", 8443),
        _ => return None,
    };
    Some((
        setting,
        env.get(setting).and_then(|v| port_of(v)).unwrap_or(default),
    ))
}

/// The port of `host:port`, `:port` or a bare port.
fn port_of(value: &str) -> Option<u16> {
    let value = value.trim();
    value.rsplit(':').next()?.parse().ok()
}

/// The probe facts of every container of `pod`, keyed `namespace/pod/container` as pod logs
/// are named.
pub fn from_pod(pod: &Pod) -> Vec<(String, ContainerProbes)> {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let status = pod.status.as_ref();
    let host_ip = status.and_then(|s| s.host_ip.clone());
    let pod_ip = status.and_then(|s| s.pod_ip.clone());
    pod.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .map(|c| {
            let mut facts = ContainerProbes {
                pod: format!("{ns}/{name}"),
                host_ip: host_ip.clone(),
                pod_ip: pod_ip.clone(),
                ..ContainerProbes::default()
            };
            for (kind, probe) in [
                (ProbeKind::Liveness, &c.liveness_probe),
                (ProbeKind::Readiness, &c.readiness_probe),
                (ProbeKind::Startup, &c.startup_probe),
            ] {
                if let Some(probe) = probe {
                    read_probe(c, kind, probe, &mut facts);
                }
            }
            for e in c.env.iter().flatten() {
                if LISTEN_SETTINGS.contains(&e.name.as_str())
                    && let Some(v) = &e.value
                {
                    facts.listen_env.insert(e.name.clone(), v.clone());
                }
            }
            (format!("{ns}/{name}/{}", c.name), facts)
        })
        .collect()
}

fn read_probe(c: &Container, kind: ProbeKind, probe: &Probe, facts: &mut ContainerProbes) {
    let period = probe
        .period_seconds
        .and_then(|p| u32::try_from(p).ok())
        .filter(|p| *p > 0)
        .unwrap_or(DEFAULT_PERIOD_SECONDS);
    if let Some(tcp) = &probe.tcp_socket {
        let (port, port_spec) = resolve(c, &tcp.port);
        facts.tcp.push(TcpProbe {
            kind,
            port,
            port_spec,
            period_seconds: period,
        });
    } else if let Some(http) = &probe.http_get {
        facts.other.push(format!(
            "{} httpGet :{}{}",
            kind.as_str(),
            resolve(c, &http.port).1,
            http.path.as_deref().unwrap_or("/")
        ));
    } else if probe.exec.is_some() {
        facts.other.push(format!("{} exec", kind.as_str()));
    } else if probe.grpc.is_some() {
        facts.other.push(format!("{} grpc", kind.as_str()));
    }
}

/// A probe's port: a number, or the name of one of the container's ports.
fn resolve(c: &Container, port: &IntOrString) -> (Option<u16>, String) {
    match port {
        IntOrString::Int(n) => (u16::try_from(*n).ok(), n.to_string()),
        IntOrString::String(name) => {
            let number = c
                .ports
                .iter()
                .flatten()
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .and_then(|p| u16::try_from(p.container_port).ok())
                .or_else(|| name.parse().ok());
            (number, name.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(json: serde_json::Value) -> Pod {
        serde_json::from_value(json).expect("a Pod")
    }

    #[test]
    fn tcp_probes_are_read_with_named_ports_and_default_period() {
        let p = pod(serde_json::json!({
            "metadata": {"name": "peer0-0", "namespace": "org1"},
            "spec": {"containers": [{
                "name": "peer",
                "ports": [{"name": "peer", "containerPort": 7051}],
                "env": [
                    {"name": "CORE_PEER_LISTENADDRESS", "value": "0.0.0.0:7051"},
                    {"name": "CORE_PEER_ID", "value": "peer0"}
                ],
                "livenessProbe": {"tcpSocket": {"port": "peer"}, "periodSeconds": 5},
                "readinessProbe": {"tcpSocket": {"port": 7051}},
                "startupProbe": {"httpGet": {"port": 9443, "path": "/healthz"}}
            }]},
            "status": {"hostIP": "10.0.2.15", "podIP": "10.1.0.7"}
        }));
        let got = from_pod(&p);
        assert_eq!(got.len(), 1);
        let (key, facts) = &got[0];
        assert_eq!(key, "org1/peer0-0/peer");
        assert_eq!(facts.host_ip.as_deref(), Some("10.0.2.15"));
        assert_eq!(
            facts.tcp,
            vec![
                TcpProbe {
                    kind: ProbeKind::Liveness,
                    port: Some(7051),
                    port_spec: "peer".into(),
                    period_seconds: 5
                },
                TcpProbe {
                    kind: ProbeKind::Readiness,
                    port: Some(7051),
                    port_spec: "7051".into(),
                    period_seconds: 10
                },
            ]
        );
        assert_eq!(
            facts.other,
            vec!["startup httpGet :9443/healthz".to_owned()]
        );
        assert_eq!(facts.listen_env.len(), 1);
    }

    #[test]
    fn listen_ports_come_from_settings_or_fabric_defaults() {
        let mut env = BTreeMap::new();
        assert_eq!(listen_port("PeerServer", &env), Some(7051));
        assert_eq!(listen_port("Orderer", &env), Some(7050));
        assert_eq!(listen_port("Unknown", &env), None);
        env.insert("CORE_PEER_LISTENADDRESS".into(), "0.0.0.0:8051".into());
        env.insert("ORDERER_GENERAL_LISTENPORT".into(), "7060".into());
        assert_eq!(listen_port("PeerServer", &env), Some(8051));
        assert_eq!(listen_port("Orderer", &env), Some(7060));
        assert_eq!(
            operations_endpoint("Orderer", &env),
            Some(("ORDERER_OPERATIONS_LISTENADDRESS", 8443))
        );
    }
}
