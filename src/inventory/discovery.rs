//! What a Kubernetes object is to a Fabric network: a peer, an orderer, a CA, a Kafka broker,
//! a ZooKeeper server, a chaincode runtime, MSP/TLS material, Fabric configuration, the cluster
//! DNS Service, or something fabcheck cannot classify (listed, never dropped).
//!
//! Classification reads the object alone (images, environment, arguments, mounts, data keys),
//! so it gives the same answer for a manifest file and for the object a cluster stores.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Peer,
    Orderer,
    Ca,
    Kafka,
    Zookeeper,
    /// A workload that runs chaincode: a Docker daemon (DinD), a docker.sock-mounting node
    /// agent, or a chaincode-as-a-service server.
    ChaincodeRuntime,
    /// A Service in front of a classified workload.
    Service,
    /// A Secret or ConfigMap holding certificates or keys (MSP, TLS).
    CryptoMaterial,
    /// A ConfigMap holding core.yaml, orderer.yaml, configtx.yaml or a connection profile.
    FabricConfig,
    /// kube-system's DNS Service.
    ClusterDns,
    /// What Kubernetes itself puts in every namespace: service-account tokens, the
    /// `kube-root-ca.crt` bundle, the `kubernetes` Service.
    ClusterPlumbing,
    Unclassified,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Peer => "peer",
            Role::Orderer => "orderer",
            Role::Ca => "ca",
            Role::Kafka => "kafka",
            Role::Zookeeper => "zookeeper",
            Role::ChaincodeRuntime => "chaincode-runtime",
            Role::Service => "service",
            Role::CryptoMaterial => "crypto-material",
            Role::FabricConfig => "fabric-config",
            Role::ClusterDns => "cluster-dns",
            Role::ClusterPlumbing => "cluster-plumbing",
            Role::Unclassified => "unclassified",
        }
    }
}

/// One object and what it was found to be.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Discovered {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub role: Role,
    /// Why: the image, variable or key that decided it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// Everything discovered, and what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub objects: Vec<Discovered>,
    /// Kinds or namespaces that could not be listed, with the API server's reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
    /// API requests made.
    pub requests: usize,
}

impl Discovery {
    /// How many objects have each role, in role order.
    pub fn counts(&self) -> Vec<(Role, usize)> {
        let mut counts: std::collections::BTreeMap<Role, usize> = Default::default();
        for o in &self.objects {
            *counts.entry(o.role).or_default() += 1;
        }
        counts.into_iter().collect()
    }
}

const WORKLOADS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
];

/// Classifies workloads, Secrets and ConfigMaps; Services are classified by what they select
/// (see [`classify_all`]).
pub fn classify(object: &Value) -> (Role, String) {
    let kind = object["kind"].as_str().unwrap_or("");
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let namespace = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    if is_plumbing(kind, namespace, name, object) {
        return (Role::ClusterPlumbing, "made by Kubernetes".into());
    }
    match kind {
        k if WORKLOADS.contains(&k) => classify_workload(object),
        "Service" if namespace == "kube-system" && (name == "kube-dns" || name == "coredns") => {
            (Role::ClusterDns, "kube-system DNS Service".into())
        }
        "Secret" | "ConfigMap" => classify_data(object),
        _ => (Role::Unclassified, String::new()),
    }
}

/// Classifies a list of objects; a Service takes the role of the workload it selects.
pub fn classify_all(objects: &[Value]) -> Vec<Discovered> {
    let mut out: Vec<Discovered> = objects
        .iter()
        .map(|o| {
            let (role, reason) = classify(o);
            Discovered {
                kind: o["kind"].as_str().unwrap_or("").to_owned(),
                namespace: o
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                name: o
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                role,
                reason,
            }
        })
        .collect();
    // Services: the role of a classified workload whose pod labels the selector matches.
    for (i, o) in objects.iter().enumerate() {
        if out[i].kind != "Service" || out[i].role != Role::Unclassified {
            continue;
        }
        let Some(selector) = o.pointer("/spec/selector").and_then(Value::as_object) else {
            continue;
        };
        if selector.is_empty() {
            continue;
        }
        let selected = objects.iter().enumerate().find(|(j, w)| {
            out[*j].namespace == out[i].namespace
                && WORKLOADS.contains(&out[*j].kind.as_str())
                && !matches!(out[*j].role, Role::Unclassified)
                && {
                    let labels = w
                        .pointer("/spec/template/metadata/labels")
                        .or_else(|| w.pointer("/metadata/labels"))
                        .and_then(Value::as_object);
                    labels.is_some_and(|l| {
                        selector
                            .iter()
                            .all(|(k, v)| l.get(k).is_some_and(|lv| lv == v))
                    })
                }
        });
        if let Some((j, _)) = selected {
            out[i].role = Role::Service;
            out[i].reason = format!(
                "selects {} {} ({})",
                out[j].kind,
                out[j].name,
                out[j].role.as_str()
            );
        }
    }
    out.sort();
    out
}

/// Objects Kubernetes makes in every namespace (or `default`) by itself.
pub fn is_plumbing(kind: &str, namespace: &str, name: &str, object: &Value) -> bool {
    (kind == "Secret" && object["type"] == "kubernetes.io/service-account-token")
        || (kind == "ConfigMap" && name == "kube-root-ca.crt")
        || (kind == "Service" && namespace == "default" && name == "kubernetes")
}

fn containers(object: &Value) -> Vec<&Value> {
    let spec = object
        .pointer("/spec/template/spec")
        .or_else(|| object.pointer("/spec/jobTemplate/spec/template/spec"))
        .or_else(|| object.pointer("/spec"));
    let Some(spec) = spec else { return Vec::new() };
    ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec.get(k).and_then(Value::as_array))
        .flatten()
        .collect()
}

fn classify_workload(object: &Value) -> (Role, String) {
    let containers = containers(object);
    let env_names = |c: &Value| -> Vec<String> {
        c.get("env")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("name").and_then(Value::as_str).map(str::to_owned))
            .collect()
    };
    let image = |c: &Value| {
        c.get("image")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    // Fabric roles first, by image, then by the environment the images read.
    let by_image: &[(&str, Role)] = &[
        ("fabric-peer", Role::Peer),
        ("fabric-orderer", Role::Orderer),
        ("fabric-ca", Role::Ca),
        ("fabric-kafka", Role::Kafka),
        ("cp-kafka", Role::Kafka),
        ("/kafka", Role::Kafka),
        ("fabric-zookeeper", Role::Zookeeper),
        ("zookeeper", Role::Zookeeper),
    ];
    for c in &containers {
        let img = image(c);
        let last = img.rsplit('/').next().unwrap_or(&img);
        for (needle, role) in by_image {
            // `/kafka` matches an image whose own name starts with `kafka` (any registry).
            let hit = match needle.strip_prefix('/') {
                Some(name) => last.starts_with(name),
                None => img.contains(needle),
            };
            if hit {
                return (*role, format!("image {img}"));
            }
        }
    }
    let by_env: &[(&str, Role)] = &[
        ("CORE_PEER_", Role::Peer),
        ("ORDERER_GENERAL_", Role::Orderer),
        ("FABRIC_CA_SERVER", Role::Ca),
        ("KAFKA_BROKER_ID", Role::Kafka),
        ("KAFKA_ZOOKEEPER_CONNECT", Role::Kafka),
        ("ZOO_MY_ID", Role::Zookeeper),
        ("ZOO_SERVERS", Role::Zookeeper),
    ];
    for c in &containers {
        for name in env_names(c) {
            if let Some((prefix, role)) = by_env.iter().find(|(p, _)| name.starts_with(p)) {
                return (*role, format!("environment {prefix}…"));
            }
        }
    }
    // Chaincode runtimes: a Docker daemon, a docker.sock mount, a chaincode server.
    for c in &containers {
        let img = image(c);
        if img.contains("dind")
            || img.starts_with("docker:")
            || img.starts_with("docker.io/library/docker:")
        {
            return (Role::ChaincodeRuntime, format!("Docker daemon image {img}"));
        }
        if env_names(c)
            .iter()
            .any(|n| n == "CHAINCODE_SERVER_ADDRESS" || n == "CORE_CHAINCODE_ID_NAME")
        {
            return (
                Role::ChaincodeRuntime,
                "chaincode server environment".into(),
            );
        }
    }
    let volumes = object
        .pointer("/spec/template/spec/volumes")
        .or_else(|| object.pointer("/spec/volumes"))
        .and_then(Value::as_array);
    if volumes.into_iter().flatten().any(|v| {
        v.pointer("/hostPath/path")
            .and_then(Value::as_str)
            .is_some_and(|p| p.ends_with("docker.sock"))
    }) {
        return (
            Role::ChaincodeRuntime,
            "mounts the node's docker.sock".into(),
        );
    }
    (Role::Unclassified, String::new())
}

fn classify_data(object: &Value) -> (Role, String) {
    let mut keys: Vec<&str> = Vec::new();
    for field in ["data", "binaryData", "stringData"] {
        if let Some(map) = object.get(field).and_then(Value::as_object) {
            keys.extend(map.keys().map(String::as_str));
        }
    }
    let config = [
        "core.yaml",
        "orderer.yaml",
        "configtx.yaml",
        "connection.json",
        "fabric-ca-server-config.yaml",
    ];
    if let Some(k) = keys.iter().find(|k| config.iter().any(|c| k.ends_with(c))) {
        return (Role::FabricConfig, format!("key {k}"));
    }
    let crypto_key = |k: &&str| {
        let k = k.to_ascii_lowercase();
        k.ends_with(".pem")
            || k.ends_with(".crt")
            || k.ends_with(".key")
            || k.ends_with("_sk")
            || k.contains("cert")
            || k.contains("cacerts")
            || k.contains("keystore")
    };
    if let Some(k) = keys.iter().find(|k| crypto_key(k)) {
        return (Role::CryptoMaterial, format!("key {k}"));
    }
    if object["type"].as_str() == Some("kubernetes.io/tls") {
        return (Role::CryptoMaterial, "type kubernetes.io/tls".into());
    }
    // Data that is a PEM certificate whatever its key is called.
    let pem = object
        .get("data")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .any(|(_, v)| {
            v.as_str()
                .is_some_and(|s| s.contains("BEGIN CERTIFICATE") || s.starts_with("LS0tLS1CRUdJTi"))
        });
    if pem {
        return (Role::CryptoMaterial, "PEM data".into());
    }
    (Role::Unclassified, String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(image: &str, env: &[&str]) -> Value {
        json!({"kind": "Deployment", "metadata": {"name": "w", "namespace": "n"},
               "spec": {"template": {"metadata": {"labels": {"app": "w"}},
                 "spec": {"containers": [{"name": "c", "image": image,
                   "env": env.iter().map(|e| json!({"name": e, "value": "x"})).collect::<Vec<_>>()}]}}}})
    }

    #[test]
    fn workloads_by_image_then_environment() {
        assert_eq!(
            classify(&deployment("hyperledger/fabric-peer:1.4", &[])).0,
            Role::Peer
        );
        assert_eq!(
            classify(&deployment("hyperledger/fabric-orderer:2.2", &[])).0,
            Role::Orderer
        );
        assert_eq!(
            classify(&deployment("confluentinc/cp-kafka:5.3", &[])).0,
            Role::Kafka
        );
        assert_eq!(
            classify(&deployment("zookeeper:3.4", &[])).0,
            Role::Zookeeper
        );
        assert_eq!(
            classify(&deployment("my/peer:1", &["CORE_PEER_ID"])).0,
            Role::Peer
        );
        assert_eq!(
            classify(&deployment("docker:19.03-dind", &[])).0,
            Role::ChaincodeRuntime
        );
        assert_eq!(
            classify(&deployment("nginx", &["PORT"])).0,
            Role::Unclassified
        );
    }

    #[test]
    fn docker_sock_mount_is_a_chaincode_runtime() {
        let ds = json!({"kind": "DaemonSet", "metadata": {"name": "d", "namespace": "n"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}],
              "volumes": [{"name": "s", "hostPath": {"path": "/var/run/docker.sock"}}]}}}});
        assert_eq!(classify(&ds).0, Role::ChaincodeRuntime);
    }

    #[test]
    fn data_objects() {
        let secret = json!({"kind": "Secret", "metadata": {"name": "s", "namespace": "n"}, "data": {"cert.pem": "LS0t"}});
        assert_eq!(classify(&secret).0, Role::CryptoMaterial);
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}, "data": {"core.yaml": "peer: {}"}});
        assert_eq!(classify(&cm).0, Role::FabricConfig);
        let other = json!({"kind": "ConfigMap", "metadata": {"name": "o", "namespace": "n"}, "data": {"x": "y"}});
        assert_eq!(classify(&other).0, Role::Unclassified);
    }

    #[test]
    fn services_take_the_role_of_what_they_select() {
        let svc = json!({"kind": "Service", "metadata": {"name": "peer0", "namespace": "n"}, "spec": {"selector": {"app": "w"}}});
        let dns = json!({"kind": "Service", "metadata": {"name": "kube-dns", "namespace": "kube-system"}, "spec": {}});
        let lone = json!({"kind": "Service", "metadata": {"name": "lone", "namespace": "n"}, "spec": {"selector": {"app": "none"}}});
        let all = classify_all(&[
            deployment("hyperledger/fabric-peer:1.4", &[]),
            svc,
            dns,
            lone,
        ]);
        let role = |name: &str| all.iter().find(|d| d.name == name).unwrap().role;
        assert_eq!(role("peer0"), Role::Service);
        assert_eq!(role("kube-dns"), Role::ClusterDns);
        assert_eq!(role("lone"), Role::Unclassified);
        assert_eq!(all.len(), 4, "nothing dropped");
    }
}
