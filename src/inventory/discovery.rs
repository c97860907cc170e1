//! What a Kubernetes object is to a Fabric network: a peer, an orderer, a CA, a Kafka broker,
//! a ZooKeeper server, a chaincode runtime, Fabric tooling (configtxgen, the peer CLI), MSP/TLS
//! material, Fabric configuration, the cluster DNS Service, or something fabcheck cannot
//! classify (listed, never dropped).
//!
//! Classification reads what an object is (images, commands, environment, mounts, data keys),
//! then what uses it: a Service takes the role of the workload it selects, a Secret or
//! ConfigMap a Fabric workload mounts is that workload's material or configuration, and a
//! ServiceAccount, Role and RoleBinding a tooling Job runs with are tooling too. Labels of
//! fabcheck's own objects (`fabcheck.io/component`) decide only what content leaves open. It
//! reads the objects alone, so it gives the same answer for manifest files and for the objects
//! a cluster stores.

use serde_json::Value;

pub use crate::network::discovered::{Discovered, Discovery, Role};

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
    classify_by_use(objects, &mut out);
    for (o, d) in objects.iter().zip(out.iter_mut()) {
        if d.role == Role::Unclassified
            && let Some((role, reason)) = by_fabcheck_labels(o)
        {
            d.role = role;
            d.reason = reason;
        }
    }
    out.sort();
    out
}

/// Fabric's own workloads, whose Secrets, ConfigMaps and access take a role from them.
fn is_fabric_workload(role: Role) -> bool {
    role.is_fabric_node() || role == Role::FabricTooling
}

/// The pod spec of a workload.
fn pod_spec(object: &Value) -> Option<&Value> {
    object
        .pointer("/spec/template/spec")
        .or_else(|| object.pointer("/spec/jobTemplate/spec/template/spec"))
        .or_else(|| {
            (object["kind"] == "Pod")
                .then(|| object.get("spec"))
                .flatten()
        })
}

/// The (kind, name) of every Secret and ConfigMap a pod spec uses: volumes (projected ones
/// too), `envFrom`, and single variables taken from a key.
fn used_data<'a>(spec: &'a Value) -> Vec<(&'static str, &'a str)> {
    let mut out = Vec::new();
    let mut add = |kind: &'static str, name: Option<&'a Value>| {
        if let Some(name) = name.and_then(Value::as_str) {
            out.push((kind, name));
        }
    };
    for v in spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add("Secret", v.pointer("/secret/secretName"));
        add("ConfigMap", v.pointer("/configMap/name"));
        for p in v
            .pointer("/projected/sources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add("Secret", p.pointer("/secret/name"));
            add("ConfigMap", p.pointer("/configMap/name"));
        }
    }
    let containers = ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec.get(k).and_then(Value::as_array))
        .flatten();
    for c in containers {
        for e in c
            .get("envFrom")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add("Secret", e.pointer("/secretRef/name"));
            add("ConfigMap", e.pointer("/configMapRef/name"));
        }
        for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
            add("Secret", e.pointer("/valueFrom/secretKeyRef/name"));
            add("ConfigMap", e.pointer("/valueFrom/configMapKeyRef/name"));
        }
    }
    out
}

/// Objects that are what they are by what uses them: a Secret or ConfigMap a Fabric workload
/// uses is its material or configuration (a CA's bootstrap credentials, whatever the key is
/// called), and a tooling Job's ServiceAccount, the RoleBindings granting it rights and the
/// Roles they grant are tooling too. Content classifications stand; only what content left
/// open is settled here.
fn classify_by_use(objects: &[Value], out: &mut [Discovered]) {
    // (kind, namespace, name) → index, for what is still open.
    let open: std::collections::HashMap<(&str, &str, &str), usize> = out
        .iter()
        .enumerate()
        .filter(|(_, d)| d.role == Role::Unclassified)
        .map(|(i, d)| ((d.kind.as_str(), d.namespace.as_str(), d.name.as_str()), i))
        .collect();
    let mut settled: Vec<(usize, Role, String)> = Vec::new();
    let mut tooling_accounts: Vec<(String, String)> = Vec::new();
    for (o, d) in objects.iter().zip(out.iter()) {
        if !WORKLOADS.contains(&d.kind.as_str()) || !is_fabric_workload(d.role) {
            continue;
        }
        let Some(spec) = pod_spec(o) else { continue };
        let user = format!("{} {} ({})", d.kind, d.name, d.role.as_str());
        for (kind, name) in used_data(spec) {
            if let Some(&i) = open.get(&(kind, d.namespace.as_str(), name)) {
                let role = if kind == "Secret" {
                    Role::CryptoMaterial
                } else {
                    Role::FabricConfig
                };
                settled.push((i, role, format!("used by {user}")));
            }
        }
        if d.role == Role::FabricTooling {
            let account = spec
                .get("serviceAccountName")
                .and_then(Value::as_str)
                .unwrap_or("default");
            if let Some(&i) = open.get(&("ServiceAccount", d.namespace.as_str(), account)) {
                settled.push((i, Role::FabricTooling, format!("runs {user}")));
            }
            tooling_accounts.push((d.namespace.clone(), account.to_owned()));
        }
    }
    for (o, d) in objects.iter().zip(out.iter()) {
        if d.kind != "RoleBinding" {
            continue;
        }
        let grants_tooling = o
            .get("subjects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|s| {
                s["kind"] == "ServiceAccount"
                    && tooling_accounts.iter().any(|(ns, name)| {
                        s["name"] == name.as_str()
                            && s["namespace"].as_str().unwrap_or(&d.namespace) == ns
                    })
            });
        if !grants_tooling {
            continue;
        }
        if let Some(&i) = open.get(&("RoleBinding", d.namespace.as_str(), d.name.as_str())) {
            settled.push((
                i,
                Role::FabricTooling,
                "grants rights to a tooling Job".into(),
            ));
        }
        if o.pointer("/roleRef/kind").and_then(Value::as_str) == Some("Role")
            && let Some(role) = o.pointer("/roleRef/name").and_then(Value::as_str)
            && let Some(&i) = open.get(&("Role", d.namespace.as_str(), role))
        {
            settled.push((
                i,
                Role::FabricTooling,
                format!("granted to a tooling Job by RoleBinding {}", d.name),
            ));
        }
    }
    for (i, role, reason) in settled {
        // The first use found explains it.
        if out[i].role == Role::Unclassified {
            out[i].role = role;
            out[i].reason = reason;
        }
    }
}

/// What fabcheck's own labels say an object is, for what neither content nor use decides:
/// `app.kubernetes.io/managed-by: fabcheck` with the `fabcheck.io/component` of a network
/// part. The in-cluster probe's objects (`probe`) are fabcheck's, not the network's.
fn by_fabcheck_labels(object: &Value) -> Option<(Role, String)> {
    let labels = object.pointer("/metadata/labels")?;
    if labels.get("app.kubernetes.io/managed-by")?.as_str()? != "fabcheck" {
        return None;
    }
    let component = labels.get("fabcheck.io/component")?.as_str()?;
    let setup = matches!(component, "genesis" | "channel" | "chaincode");
    let network_part = setup
        || matches!(
            component,
            "crypto" | "config" | "peer" | "orderer" | "ca" | "kafka" | "zookeeper"
        );
    if !network_part {
        return None;
    }
    let role = match object["kind"].as_str()? {
        "Secret" => Role::CryptoMaterial,
        "ConfigMap" => Role::FabricConfig,
        "Job" | "CronJob" | "Pod" | "ServiceAccount" | "Role" | "RoleBinding" if setup => {
            Role::FabricTooling
        }
        _ => return None,
    };
    Some((role, format!("labelled fabcheck.io/component={component}")))
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

fn image(c: &Value) -> String {
    c.get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn env_names(c: &Value) -> Vec<String> {
    c.get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// Fabric's tools as a container's command line names them.
const TOOLS: &[&str] = &[
    "configtxgen",
    "configtxlator",
    "cryptogen",
    "osnadmin",
    "fabric-ca-client",
    "peer channel",
    "peer lifecycle",
    "peer chaincode",
];

/// The Fabric tool a container's command and arguments run, if any.
fn runs_tool(c: &Value) -> Option<&'static str> {
    let line: String = ["command", "args"]
        .iter()
        .filter_map(|k| c.get(k).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    // On a word boundary: `mypeer channel` or `configtxgen.yaml` is not the tool, while
    // `/usr/local/bin/configtxgen` is.
    let word = |b: Option<char>| {
        b.is_none_or(|b| !(b.is_ascii_alphanumeric() || matches!(b, '_' | '-' | '.')))
    };
    TOOLS.iter().copied().find(|tool| {
        line.match_indices(tool).any(|(at, _)| {
            word(line[..at].chars().next_back()) && word(line[at + tool.len()..].chars().next())
        })
    })
}

/// Why a container is Fabric's tooling: the tools image, or a command running a tool.
fn tooling(containers: &[&Value]) -> Option<String> {
    containers.iter().find_map(|c| {
        let img = image(c);
        if img.contains("fabric-tools") {
            Some(format!("image {img}"))
        } else {
            runs_tool(c).map(|tool| format!("runs {tool}"))
        }
    })
}

/// Why a set of containers is Fabric's at all: a Fabric image, a tool, or the environment
/// Fabric's binaries read.
fn fabric_content(containers: &[&Value]) -> Option<String> {
    const FABRIC_ENV: &[&str] = &[
        "CORE_PEER_",
        "ORDERER_GENERAL_",
        "FABRIC_CFG_PATH",
        "FABRIC_CA_",
    ];
    tooling(containers).or_else(|| {
        containers.iter().find_map(|c| {
            let img = image(c);
            if img.contains("fabric") {
                return Some(format!("image {img}"));
            }
            env_names(c).into_iter().find_map(|n| {
                FABRIC_ENV
                    .iter()
                    .find(|p| n.starts_with(*p))
                    .map(|p| format!("environment {p}…"))
            })
        })
    })
}

/// Why a workload runs chaincode: a Docker daemon, a chaincode server, the node's docker.sock.
fn chaincode_runtime(object: &Value, containers: &[&Value]) -> Option<String> {
    for c in containers {
        let img = image(c);
        if img.contains("dind")
            || img.starts_with("docker:")
            || img.starts_with("docker.io/library/docker:")
        {
            return Some(format!("Docker daemon image {img}"));
        }
        if env_names(c)
            .iter()
            .any(|n| n == "CHAINCODE_SERVER_ADDRESS" || n == "CORE_CHAINCODE_ID_NAME")
        {
            return Some("chaincode server environment".into());
        }
    }
    let volumes = object
        .pointer("/spec/template/spec/volumes")
        .or_else(|| object.pointer("/spec/jobTemplate/spec/template/spec/volumes"))
        .or_else(|| object.pointer("/spec/volumes"))
        .and_then(Value::as_array);
    volumes
        .into_iter()
        .flatten()
        .any(|v| {
            v.pointer("/hostPath/path")
                .and_then(Value::as_str)
                .is_some_and(|p| p.ends_with("docker.sock"))
        })
        .then(|| "mounts the node's docker.sock".into())
}

fn classify_workload(object: &Value) -> (Role, String) {
    let containers = containers(object);
    // A Job runs to completion: one running Fabric's images or tools sets the network up
    // (genesis block, channels, chaincode), whatever image carries the binary; it is never
    // a node, even on the peer image.
    if matches!(object["kind"].as_str(), Some("Job" | "CronJob"))
        && let Some(why) = fabric_content(&containers)
    {
        return (Role::FabricTooling, why);
    }
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
    // A CLI pod runs the tools with the peer's environment, so it is told apart before the
    // environment is read. One that can start containers on the node is a chaincode runtime.
    if let Some(why) = tooling(&containers) {
        return match chaincode_runtime(object, &containers) {
            Some(runtime) => (Role::ChaincodeRuntime, runtime),
            None => (Role::FabricTooling, why),
        };
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
    match chaincode_runtime(object, &containers) {
        Some(why) => (Role::ChaincodeRuntime, why),
        None => (Role::Unclassified, String::new()),
    }
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
    // What configtxgen and `peer channel fetch` write: blocks and channel transactions.
    let artifact = |k: &&&str| {
        let k = k.to_ascii_lowercase();
        k.ends_with(".block") || k.ends_with(".tx") || k.ends_with(".pb")
    };
    if let Some(k) = keys.iter().find(artifact) {
        return (Role::FabricConfig, format!("channel artifact {k}"));
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

    fn job(name: &str, image: &str, command: &str, account: Option<&str>) -> Value {
        json!({"kind": "Job", "metadata": {"name": name, "namespace": "ord"},
               "spec": {"template": {"spec": {
                 "serviceAccountName": account,
                 "containers": [{"name": "c", "image": image, "command": ["sh", "-c", command],
                                 "env": [{"name": "CORE_PEER_ADDRESS", "value": "peer0:7051"}]}]}}}})
    }

    #[test]
    fn jobs_and_cli_pods_running_fabric_tools_are_tooling() {
        let genesis = job(
            "genesis",
            "hyperledger/fabric-tools:1.4",
            "configtxgen -profile P -outputBlock /out/genesis.block",
            None,
        );
        assert_eq!(classify(&genesis).0, Role::FabricTooling);
        // On the peer image, with the peer's environment: still a Job that runs to completion.
        let join = job(
            "join",
            "hyperledger/fabric-peer:2.5",
            "peer channel join -b b.block",
            None,
        );
        assert_eq!(
            classify(&join),
            (Role::FabricTooling, "runs peer channel".into())
        );
        // A Job with nothing of Fabric's is not claimed.
        let other = json!({"kind": "Job", "metadata": {"name": "scrub", "namespace": "n"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox", "command": ["rm", "-rf", "/x"]}]}}}});
        assert_eq!(classify(&other).0, Role::Unclassified);
        // A long-running CLI pod with the peer's environment is tooling, not a peer; one that
        // mounts docker.sock can start chaincode containers.
        let mut cli = deployment("hyperledger/fabric-tools:1.4", &["CORE_PEER_ADDRESS"]);
        assert_eq!(classify(&cli).0, Role::FabricTooling);
        cli["spec"]["template"]["spec"]["volumes"] =
            json!([{"name": "s", "hostPath": {"path": "/var/run/docker.sock"}}]);
        assert_eq!(classify(&cli).0, Role::ChaincodeRuntime);
        // Word boundaries: a file named after a tool is not the tool.
        assert_eq!(
            runs_tool(&json!({"command": ["cat", "/etc/configtxgen.yaml"]})),
            None
        );
        assert_eq!(runs_tool(&json!({"args": ["mypeer channel list"]})), None);
    }

    #[test]
    fn channel_artifacts_are_fabric_config() {
        let genesis = json!({"kind": "ConfigMap", "metadata": {"name": "g", "namespace": "o"},
            "binaryData": {"genesis.block": "CgIIAQ=="}});
        assert_eq!(
            classify(&genesis),
            (Role::FabricConfig, "channel artifact genesis.block".into())
        );
        let tx = json!({"kind": "ConfigMap", "metadata": {"name": "t", "namespace": "o"},
            "binaryData": {"Org1MSPanchors.tx": "CgI="}});
        assert_eq!(classify(&tx).0, Role::FabricConfig);
    }

    #[test]
    fn what_a_fabric_workload_uses_takes_a_role_from_it() {
        let mut ca = deployment("hyperledger/fabric-ca:1.4", &[]);
        ca["metadata"]["name"] = json!("ca");
        ca["spec"]["template"]["spec"]["volumes"] = json!([
            {"name": "b", "secret": {"secretName": "ca-bootstrap"}},
            {"name": "p", "projected": {"sources": [{"configMap": {"name": "ca-settings"}}]}}
        ]);
        let bootstrap = json!({"kind": "Secret", "metadata": {"name": "ca-bootstrap", "namespace": "n"},
            "data": {"credentials": "YWRtaW46eA=="}});
        let settings = json!({"kind": "ConfigMap", "metadata": {"name": "ca-settings", "namespace": "n"},
            "data": {"LOG": "debug"}});
        let elsewhere = json!({"kind": "Secret", "metadata": {"name": "ca-bootstrap", "namespace": "m"},
            "data": {"credentials": "YWRtaW46eA=="}});
        let mut nginx = deployment("nginx", &[]);
        nginx["metadata"]["name"] = json!("web");
        nginx["spec"]["template"]["spec"]["volumes"] =
            json!([{"name": "s", "secret": {"secretName": "web-creds"}}]);
        let web = json!({"kind": "Secret", "metadata": {"name": "web-creds", "namespace": "n"},
            "data": {"password": "eA=="}});
        let all = classify_all(&[ca, bootstrap, settings, elsewhere, nginx, web]);
        let found = |ns: &str, name: &str| {
            all.iter()
                .find(|d| d.namespace == ns && d.name == name)
                .map(|d| (d.role, d.reason.clone()))
                .unwrap()
        };
        assert_eq!(
            found("n", "ca-bootstrap"),
            (Role::CryptoMaterial, "used by Deployment ca (ca)".into())
        );
        assert_eq!(found("n", "ca-settings").0, Role::FabricConfig);
        assert_eq!(
            found("m", "ca-bootstrap").0,
            Role::Unclassified,
            "other namespace"
        );
        assert_eq!(
            found("n", "web-creds").0,
            Role::Unclassified,
            "used by nothing of Fabric's"
        );
        assert_eq!(all.len(), 6, "nothing dropped");
    }

    #[test]
    fn a_tooling_jobs_access_is_tooling() {
        let genesis = job(
            "genesis",
            "hyperledger/fabric-tools:1.4",
            "configtxgen",
            Some("genesis-sa"),
        );
        let account = json!({"kind": "ServiceAccount", "metadata": {"name": "genesis-sa", "namespace": "ord"}});
        let binding = json!({"kind": "RoleBinding", "metadata": {"name": "publish", "namespace": "ord"},
            "roleRef": {"kind": "Role", "name": "publisher"},
            "subjects": [{"kind": "ServiceAccount", "name": "genesis-sa", "namespace": "ord"}]});
        let role = json!({"kind": "Role", "metadata": {"name": "publisher", "namespace": "ord"}});
        let unrelated = json!({"kind": "Role", "metadata": {"name": "reader", "namespace": "ord"}});
        let all = classify_all(&[genesis, account, binding, role, unrelated]);
        let role_of = |name: &str| all.iter().find(|d| d.name == name).unwrap().role;
        for name in ["genesis", "genesis-sa", "publish", "publisher"] {
            assert_eq!(role_of(name), Role::FabricTooling, "{name}");
        }
        assert_eq!(role_of("reader"), Role::Unclassified);
    }

    #[test]
    fn fabcheck_labels_settle_only_what_content_leaves_open() {
        let labelled = |kind: &str, component: &str| {
            json!({"kind": kind, "metadata": {"name": "x", "namespace": "n", "labels": {
                "app.kubernetes.io/managed-by": "fabcheck", "fabcheck.io/component": component}},
                "data": {"anything": "x"}})
        };
        assert_eq!(
            classify_all(&[labelled("ConfigMap", "channel")])[0].role,
            Role::FabricConfig
        );
        assert_eq!(
            classify_all(&[labelled("ServiceAccount", "chaincode")])[0].role,
            Role::FabricTooling
        );
        assert_eq!(
            classify_all(&[labelled("Secret", "crypto")])[0].role,
            Role::CryptoMaterial
        );
        // The in-cluster probe is fabcheck's own, not the network's; and a label never
        // overrides what the content says.
        assert_eq!(
            classify_all(&[labelled("ConfigMap", "probe")])[0].role,
            Role::Unclassified
        );
        let mut core = labelled("ConfigMap", "chaincode");
        core["data"] = json!({"core.yaml": "peer: {}"});
        assert_eq!(
            classify_all(&[core])[0].reason,
            "key core.yaml",
            "content decides first"
        );
        let mut foreign = labelled("ConfigMap", "channel");
        foreign["metadata"]["labels"]["app.kubernetes.io/managed-by"] = json!("helm");
        assert_eq!(classify_all(&[foreign])[0].role, Role::Unclassified);
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
