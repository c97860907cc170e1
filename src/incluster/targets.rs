//! What the in-cluster probe dials, worked out from the objects the cluster gatherer wrote:
//! each peer, orderer, ZooKeeper server and Kafka broker by the Service that selects it, on
//! the port its protocol uses, and for peers and orderers the TLS root the node itself is
//! configured with (so the probe verifies the node the way its own org's clients do).
//!
//! Pure: it reads the files under the gather folder and nothing else. A node no Service
//! selects cannot be dialled by name and is left out; a peer or orderer whose TLS root cannot
//! be traced to a Secret or ConfigMap the gatherer could read is dialled with verification off,
//! and its findings say so.

use std::collections::BTreeSet;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::{ProbeTargets, TlsRole, TlsTarget};
use crate::inventory::discovery::{Discovery, Role};
use crate::inventory::endpoints::operations_from_env;
use crate::inventory::live::NodeRole;

/// How each role is dialled: the Service port names that mean it, the port its images listen
/// on by default, and the variable that moves it.
struct Dial {
    names: &'static [&'static str],
    default_port: i64,
}

fn dial(role: Role) -> Option<Dial> {
    let (names, default_port): (&'static [&'static str], i64) = match role {
        Role::Peer => (&["grpc", "grpcs", "peer", "peer-grpc"], 7051),
        Role::Orderer => (&["grpc", "grpcs", "orderer", "orderer-grpc"], 7050),
        Role::Zookeeper => (&["client", "zk-client", "zookeeper", "tcp-client"], 2181),
        Role::Kafka => (
            &["kafka", "broker", "plaintext", "tcp-kafka", "client"],
            9092,
        ),
        _ => return None,
    };
    Some(Dial {
        names,
        default_port,
    })
}

/// Builds the targets for the discovered network (see the module docs).
pub fn targets(discovery: &Discovery, dir: &Path) -> ProbeTargets {
    let mut out = ProbeTargets::default();
    let mut tls_seen: BTreeSet<String> = BTreeSet::new();
    for workload in &discovery.objects {
        let Some(dial) = dial(workload.role) else {
            continue;
        };
        let Some(object) = read(dir, &workload.namespace, &workload.kind, &workload.name) else {
            continue;
        };
        let services = selecting_services(discovery, dir, &workload.namespace, &object);
        let listen = listen_port(workload.role, &object);
        for (name, address) in hosts(
            &workload.name,
            &workload.namespace,
            &object,
            &services,
            &dial,
            listen,
        ) {
            match workload.role {
                Role::Zookeeper => out.zookeeper.push(address),
                Role::Kafka => out.kafka.push(address),
                Role::Peer | Role::Orderer => {
                    if !tls_seen.insert(address.clone()) {
                        continue;
                    }
                    let (ca_pem, ca_origin) =
                        match tls_root(workload.role, &workload.namespace, &object, dir) {
                            Some((pem, origin)) => (Some(pem), Some(origin)),
                            None => (None, None),
                        };
                    let (role, node_role) = if workload.role == Role::Peer {
                        (TlsRole::Peer, NodeRole::Peer)
                    } else {
                        (TlsRole::Orderer, NodeRole::Orderer)
                    };
                    let ops = operations(node_role, &object, &services, &address);
                    out.tls.push(TlsTarget {
                        sni: name.clone(),
                        name,
                        address,
                        role,
                        ca_pem,
                        ca_origin,
                        operations: ops.as_ref().map(|(url, _)| url.clone()),
                        operations_client_auth_required: ops.and_then(|(_, auth)| auth),
                    });
                }
                _ => {}
            }
        }
    }
    out.zookeeper.sort();
    out.zookeeper.dedup();
    out.kafka.sort();
    out.kafka.dedup();
    out.tls
        .sort_by(|a, b| a.name.cmp(&b.name).then(a.address.cmp(&b.address)));
    out
}

/// `dir/<ns>/<kind>-<name>.yaml`, as `inventory::cluster::write_object` names it.
fn read(dir: &Path, namespace: &str, kind: &str, name: &str) -> Option<Value> {
    let ns = if namespace.is_empty() {
        "_cluster"
    } else {
        namespace
    };
    let path = dir
        .join(ns)
        .join(format!("{}-{name}.yaml", kind.to_ascii_lowercase()));
    let text = std::fs::read_to_string(path).ok()?;
    crate::yaml::from_str::<Value>(&text).ok()
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// The labels a workload's pods carry.
fn pod_labels(object: &Value) -> Option<&serde_json::Map<String, Value>> {
    object
        .pointer("/spec/template/metadata/labels")
        .or_else(|| object.pointer("/spec/jobTemplate/spec/template/metadata/labels"))
        .or_else(|| object.pointer("/metadata/labels"))
        .and_then(Value::as_object)
}

fn pod_spec(object: &Value) -> Option<&Value> {
    object
        .pointer("/spec/template/spec")
        .or_else(|| object.pointer("/spec/jobTemplate/spec/template/spec"))
        .or_else(|| object.pointer("/spec"))
}

/// The Services in the workload's namespace whose selector its pods match, sorted by name.
fn selecting_services(
    discovery: &Discovery,
    dir: &Path,
    namespace: &str,
    workload: &Value,
) -> Vec<Value> {
    let Some(labels) = pod_labels(workload) else {
        return Vec::new();
    };
    let mut found: Vec<Value> = discovery
        .objects
        .iter()
        .filter(|o| o.kind == "Service" && o.namespace == namespace)
        .filter_map(|o| read(dir, namespace, "Service", &o.name))
        .filter(|svc| {
            svc.pointer("/spec/selector")
                .and_then(Value::as_object)
                .is_some_and(|sel| {
                    !sel.is_empty() && sel.iter().all(|(k, v)| labels.get(k) == Some(v))
                })
        })
        .collect();
    found.sort_by(|a, b| str_at(a, "/metadata/name").cmp(&str_at(b, "/metadata/name")));
    found
}

fn headless(service: &Value) -> bool {
    str_at(service, "/spec/clusterIP") == Some("None")
}

/// The port the workload's own configuration says it listens on, when it says.
fn listen_port(role: Role, workload: &Value) -> Option<i64> {
    let vars: &[&str] = match role {
        Role::Peer => &["CORE_PEER_LISTENADDRESS"],
        Role::Orderer => &["ORDERER_GENERAL_LISTENPORT"],
        Role::Zookeeper => &["ZOO_PORT", "ZOO_CLIENT_PORT"],
        Role::Kafka => &["KAFKA_PORT"],
        _ => return None,
    };
    containers(workload).into_iter().find_map(|c| {
        vars.iter().find_map(|var| {
            let value = env_value(c, var)?;
            let port = value.rsplit_once(':').map_or(value, |(_, p)| p);
            port.trim().parse().ok()
        })
    })
}

fn containers(workload: &Value) -> Vec<&Value> {
    pod_spec(workload)
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array)
        .map(|cs| cs.iter().collect())
        .unwrap_or_default()
}

fn env_value<'a>(container: &'a Value, name: &str) -> Option<&'a str> {
    container
        .get("env")?
        .as_array()?
        .iter()
        .find(|e| e.get("name").and_then(Value::as_str) == Some(name))?
        .get("value")?
        .as_str()
}

/// The Service port (its `port`, which the Service's address answers on) for the role.
fn service_port(service: &Value, dial: &Dial, listen: Option<i64>) -> Option<i64> {
    let ports: Vec<&Value> = service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|p| p.iter().collect())
        .unwrap_or_default();
    let port = |p: &Value| p.get("port").and_then(Value::as_i64);
    let target = |p: &Value| {
        p.get("targetPort")
            .and_then(Value::as_i64)
            .or_else(|| port(p))
    };
    let named = ports.iter().find(|p| {
        p.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| dial.names.contains(&n))
    });
    let by_listen = || {
        listen.and_then(|l| {
            ports
                .iter()
                .find(|p| target(p) == Some(l) || port(p) == Some(l))
                .copied()
        })
    };
    let by_default = || {
        ports
            .iter()
            .find(|p| port(p) == Some(dial.default_port) || target(p) == Some(dial.default_port))
            .copied()
    };
    let only = || (ports.len() == 1).then(|| ports[0]);
    named
        .copied()
        .or_else(by_listen)
        .or_else(by_default)
        .or_else(only)
        .and_then(port)
}

/// The node's operations endpoint (`http://peer0.org1.svc:9443`) and whether it requires client
/// certificates, reached by the host its gRPC address uses: the port its environment listens
/// on (`CORE_OPERATIONS_LISTENADDRESS` / `ORDERER_OPERATIONS_LISTENADDRESS`, see
/// [`operations_from_env`]) through the Service port that forwards to it, or that port itself
/// when the host names a pod of a headless Service. `None` when the node listens on loopback
/// only or no Service port reaches the listener.
fn operations(
    role: NodeRole,
    workload: &Value,
    services: &[Value],
    address: &str,
) -> Option<(String, Option<bool>)> {
    let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
    let env = |name: &str| {
        containers(workload)
            .into_iter()
            .find_map(|c| env_value(c, name))
            .map(str::to_owned)
    };
    let (ops, listen) = operations_from_env(role, &env, host)?;
    let listen = i64::from(listen);
    let service_name = host.split('.').next()?;
    let port = match services
        .iter()
        .find(|s| str_at(s, "/metadata/name") == Some(service_name))
    {
        Some(service) if !headless(service) => service
            .pointer("/spec/ports")
            .and_then(Value::as_array)?
            .iter()
            .find(|p| {
                let port = p.get("port").and_then(Value::as_i64);
                p.get("targetPort").and_then(Value::as_i64).or(port) == Some(listen)
            })?
            .get("port")
            .and_then(Value::as_i64)?,
        // A pod's own name (`peer-0.peer.ns.svc`) reaches every port it listens on.
        _ => listen,
    };
    let scheme = if ops.tls { "https" } else { "http" };
    Some((
        format!("{scheme}://{host}:{port}"),
        ops.client_auth_required,
    ))
}

/// (name clients use, `host:port`) for each instance of the workload that can be dialled.
///
/// A StatefulSet of several replicas behind its headless governing Service is dialled pod by
/// pod (`peer-0.peer.ns.svc`): ZooKeeper's quorum check needs every server's own answer, and a
/// virtual IP would hand each connection to any one of them. Otherwise the workload is dialled
/// through one selecting Service, a virtual-IP one preferred, the workload's namesake first.
fn hosts(
    workload_name: &str,
    namespace: &str,
    workload: &Value,
    services: &[Value],
    dial: &Dial,
    listen: Option<i64>,
) -> Vec<(String, String)> {
    let replicas = workload
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let governing = str_at(workload, "/spec/serviceName");
    let kind = str_at(workload, "/kind").unwrap_or("");
    if kind == "StatefulSet" && replicas > 1 {
        let headless_governing = services
            .iter()
            .find(|s| headless(s) && str_at(s, "/metadata/name") == governing);
        if let (Some(svc), Some(svc_name)) = (headless_governing, governing) {
            let port = service_port(svc, dial, listen)
                .or(listen)
                .unwrap_or(dial.default_port);
            return (0..replicas.min(1000))
                .map(|i| {
                    let name = format!("{workload_name}-{i}.{svc_name}.{namespace}");
                    let address = format!("{name}.svc:{port}");
                    (name, address)
                })
                .collect();
        }
    }
    let mut ranked: Vec<&Value> = services.iter().collect();
    ranked.sort_by_key(|s| {
        (
            headless(s),
            str_at(s, "/metadata/name") != Some(workload_name),
            str_at(s, "/metadata/name").map(str::to_owned),
        )
    });
    ranked
        .into_iter()
        .find_map(|svc| {
            let port = service_port(svc, dial, listen)?;
            let svc_name = str_at(svc, "/metadata/name")?;
            let name = format!("{svc_name}.{namespace}");
            Some((name.clone(), format!("{name}.svc:{port}")))
        })
        .into_iter()
        .collect()
}

/// The node's own TLS root(s): the file its TLS root variable names, traced through its
/// volume mounts to a Secret or ConfigMap key the gatherer wrote. Only CERTIFICATE blocks are
/// kept (re-encoded), so nothing else a Secret holds ever leaves it. Returns the PEM and
/// where it came from.
fn tls_root(role: Role, namespace: &str, workload: &Value, dir: &Path) -> Option<(String, String)> {
    let var = match role {
        Role::Peer => "CORE_PEER_TLS_ROOTCERT_FILE",
        Role::Orderer => "ORDERER_GENERAL_TLS_ROOTCAS",
        _ => return None,
    };
    let spec = pod_spec(workload)?;
    let container = containers(workload)
        .into_iter()
        .find(|c| env_value(c, var).is_some())?;
    let value = env_value(container, var)?;
    // ORDERER_GENERAL_TLS_ROOTCAS is a list, as viper reads it: `[a, b]` or `a,b`.
    let paths: Vec<&str> = value
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut pem = String::new();
    let mut origins = Vec::new();
    for path in paths {
        let Some((bytes, origin)) = mounted_file(spec, container, path, namespace, dir) else {
            continue;
        };
        let certs = certificates_pem(&bytes);
        if !certs.is_empty() {
            pem.push_str(&certs);
            origins.push(origin);
        }
    }
    (!pem.is_empty()).then(|| (pem, origins.join(", ")))
}

/// The bytes a container sees at `path`, when a Secret, ConfigMap or projected volume puts
/// them there, and which object key they come from.
fn mounted_file(
    spec: &Value,
    container: &Value,
    path: &str,
    namespace: &str,
    dir: &Path,
) -> Option<(Vec<u8>, String)> {
    let mounts = container.get("volumeMounts")?.as_array()?;
    // The deepest mount holding the path is the one the container sees.
    let (mount, rel) = mounts
        .iter()
        .filter_map(|m| {
            let at = m.get("mountPath")?.as_str()?.trim_end_matches('/');
            let sub = m.get("subPath").and_then(Value::as_str).unwrap_or("");
            let rest = if path == at {
                ""
            } else {
                path.strip_prefix(at)?.strip_prefix('/')?
            };
            let rel = match (sub.is_empty(), rest.is_empty()) {
                (true, _) => rest.to_owned(),
                (false, true) => sub.to_owned(),
                (false, false) => format!("{}/{rest}", sub.trim_end_matches('/')),
            };
            (!rel.is_empty()).then_some((at.len(), m, rel))
        })
        .max_by_key(|(depth, _, _)| *depth)
        .map(|(_, m, rel)| (m, rel))?;
    let volume_name = mount.get("name")?.as_str()?;
    let volume = spec
        .get("volumes")?
        .as_array()?
        .iter()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(volume_name))?;
    let mut sources: Vec<(&str, &Value)> = Vec::new();
    if let Some(s) = volume.get("secret") {
        sources.push(("Secret", s));
    }
    if let Some(c) = volume.get("configMap") {
        sources.push(("ConfigMap", c));
    }
    for s in volume
        .pointer("/projected/sources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(v) = s.get("secret") {
            sources.push(("Secret", v));
        }
        if let Some(v) = s.get("configMap") {
            sources.push(("ConfigMap", v));
        }
    }
    sources.into_iter().find_map(|(kind, source)| {
        let name = source
            .get(if kind == "Secret" {
                "secretName"
            } else {
                "name"
            })
            .or_else(|| source.get("name"))?
            .as_str()?;
        let key = match source.get("items").and_then(Value::as_array) {
            Some(items) => items
                .iter()
                .find(|i| i.get("path").and_then(Value::as_str) == Some(rel.as_str()))?
                .get("key")?
                .as_str()?
                .to_owned(),
            // Without items every key is a file of the same name at the volume's top.
            None if !rel.contains('/') => rel.clone(),
            None => return None,
        };
        let object = read(dir, namespace, kind, name)?;
        let bytes = data_value(kind, &object, &key)?;
        Some((bytes, format!("{kind} {namespace}/{name} key {key}")))
    })
}

fn data_value(kind: &str, object: &Value, key: &str) -> Option<Vec<u8>> {
    let b64 = |v: &Value| STANDARD.decode(v.as_str()?.trim()).ok();
    match kind {
        "Secret" => object.get("data").and_then(|d| d.get(key)).and_then(b64),
        _ => object
            .get("data")
            .and_then(|d| d.get(key))
            .and_then(Value::as_str)
            .map(|s| s.as_bytes().to_vec())
            .or_else(|| {
                object
                    .get("binaryData")
                    .and_then(|d| d.get(key))
                    .and_then(b64)
            }),
    }
}

/// The CERTIFICATE blocks of `bytes`, re-encoded as PEM; everything else is dropped.
fn certificates_pem(bytes: &[u8]) -> String {
    crate::inventory::pem::blocks(bytes)
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .filter_map(|b| b.contents.ok())
        .map(|der| pem_encode(&der))
        .collect()
}

pub(crate) fn pem_encode(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::discovery::classify_all;
    use crate::kube::Object;
    use crate::network::{Network, Role as NodeRole};

    /// Writes objects the way the cluster gatherer does and classifies them.
    fn gathered(objects: &[Value]) -> (tempfile::TempDir, Discovery) {
        let dir = tempfile::tempdir().expect("temp dir");
        for o in objects {
            crate::inventory::cluster::write_object(dir.path(), o).expect("write object");
        }
        let discovery = Discovery {
            objects: classify_all(objects),
            ..Discovery::default()
        };
        (dir, discovery)
    }

    fn reference() -> (Network, crate::deploy::CryptoMaterial, Vec<Value>) {
        let mut network = Network::reference();
        network.cluster_dns = Some(crate::deploy::offline_cluster_dns(&network));
        let (crypto, manifests) = crate::deploy::render(
            &network,
            time::OffsetDateTime::now_utc(),
            &crate::commands::deploy::check_pki,
        )
        .expect("render");
        let objects = manifests
            .objects()
            .map(|o: &Object| o.body.clone())
            .collect();
        (network, crypto, objects)
    }

    #[test]
    fn reference_network_targets_every_node_by_its_service_with_its_own_tls_root() {
        let (network, crypto, objects) = reference();
        let (dir, discovery) = gathered(&objects);
        let t = targets(&discovery, dir.path());
        let mut want_zk = Vec::new();
        let mut want_kafka = Vec::new();
        let mut want_tls = Vec::new();
        for node in network.nodes() {
            let address = format!("{}.svc:{}", node.host(), node.port);
            match node.role {
                NodeRole::ZooKeeper => want_zk.push(address),
                NodeRole::Kafka => want_kafka.push(address),
                NodeRole::Peer | NodeRole::Orderer => {
                    want_tls.push((node.host(), address, node.role))
                }
                NodeRole::Ca => {}
            }
        }
        want_zk.sort();
        want_kafka.sort();
        want_tls.sort();
        assert!(
            !want_zk.is_empty() && !want_kafka.is_empty(),
            "the reference network is Kafka-based"
        );
        assert_eq!(t.zookeeper, want_zk);
        assert_eq!(t.kafka, want_kafka);
        let got: Vec<(String, String)> = t
            .tls
            .iter()
            .map(|e| (e.name.clone(), e.address.clone()))
            .collect();
        let want: Vec<(String, String)> = want_tls
            .iter()
            .map(|(n, a, _)| (n.clone(), a.clone()))
            .collect();
        assert_eq!(got, want);
        for target in &t.tls {
            assert_eq!(target.sni, target.name);
            let (_, _, role) = want_tls.iter().find(|(n, _, _)| *n == target.name).unwrap();
            let expected_role = if *role == NodeRole::Peer {
                TlsRole::Peer
            } else {
                TlsRole::Orderer
            };
            assert_eq!(target.role, expected_role, "{}", target.name);
            // The root is the node's own tls/ca.crt from the PKI, carried by its crypto Secret.
            let ca_file = crypto
                .files
                .iter()
                .find(|(path, _)| path.ends_with(&format!("/{}/tls/ca.crt", target.name)))
                .map(|(_, bytes)| bytes.clone())
                .unwrap_or_else(|| panic!("no tls/ca.crt for {}", target.name));
            assert_eq!(
                target.ca_pem.as_deref(),
                Some(certificates_pem(&ca_file).as_str()),
                "{}",
                target.name
            );
            let origin = target.ca_origin.as_deref().unwrap_or("");
            assert!(origin.starts_with("Secret "), "{origin}");
            // The operations port is on the node's Service: plain HTTP, Fabric's default.
            let ops_port = if *role == NodeRole::Peer { 9443 } else { 8443 };
            assert_eq!(
                target.operations.as_deref(),
                Some(format!("http://{}.svc:{ops_port}", target.name).as_str()),
                "{}",
                target.name
            );
            assert!(
                !target
                    .ca_pem
                    .as_deref()
                    .unwrap_or("")
                    .contains("PRIVATE KEY")
            );
        }
    }

    #[test]
    fn without_readable_secrets_tls_targets_have_no_root() {
        let (_, _, objects) = reference();
        let objects: Vec<Value> = objects
            .into_iter()
            .filter(|o| o["kind"] != "Secret")
            .collect();
        let (dir, discovery) = gathered(&objects);
        let t = targets(&discovery, dir.path());
        assert!(!t.tls.is_empty());
        assert!(
            t.tls
                .iter()
                .all(|e| e.ca_pem.is_none() && e.ca_origin.is_none())
        );
    }

    fn yaml(text: &str) -> Vec<Value> {
        crate::yaml::from_multiple::<Value>(text).expect("yaml")
    }

    #[test]
    fn replicated_statefulset_behind_headless_service_is_dialled_pod_by_pod() {
        let objects = yaml(
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: zk, namespace: ord}
spec:
  replicas: 3
  serviceName: zk-hs
  selector: {matchLabels: {app: zk}}
  template:
    metadata: {labels: {app: zk}}
    spec:
      containers:
      - name: zk
        image: zookeeper:3.4
        env: [{name: ZOO_PORT, value: "2191"}]
---
apiVersion: v1
kind: Service
metadata: {name: zk-hs, namespace: ord}
spec:
  clusterIP: None
  selector: {app: zk}
  ports: [{name: server, port: 2888}, {name: leader-election, port: 3888}, {port: 2191}]
---
apiVersion: v1
kind: Service
metadata: {name: zk-cs, namespace: ord}
spec:
  selector: {app: zk}
  ports: [{name: client, port: 2181, targetPort: 2191}]
"#,
        );
        let (dir, discovery) = gathered(&objects);
        let t = targets(&discovery, dir.path());
        assert_eq!(
            t.zookeeper,
            vec![
                "zk-0.zk-hs.ord.svc:2191",
                "zk-1.zk-hs.ord.svc:2191",
                "zk-2.zk-hs.ord.svc:2191"
            ]
        );
    }

    #[test]
    fn ports_by_name_then_listen_port_then_default_and_tls_root_through_a_configmap() {
        let objects = yaml(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: orderer, namespace: ord}
spec:
  selector: {matchLabels: {app: orderer}}
  template:
    metadata: {labels: {app: orderer, tier: fabric}}
    spec:
      containers:
      - name: orderer
        image: hyperledger/fabric-orderer:1.4
        env:
        - {name: ORDERER_GENERAL_LISTENPORT, value: "7777"}
        - {name: ORDERER_GENERAL_TLS_ROOTCAS, value: "[/certs/tls/ca.pem]"}
        volumeMounts: [{name: certs, mountPath: /certs/tls/}]
      volumes:
      - name: certs
        configMap: {name: orderer-tls}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: orderer-tls, namespace: ord}
data:
  ca.pem: |
    -----BEGIN CERTIFICATE-----
    MAMCAQA=
    -----END CERTIFICATE-----
    -----BEGIN EC PRIVATE KEY-----
    MAMCAQA=
    -----END EC PRIVATE KEY-----
---
apiVersion: v1
kind: Service
metadata: {name: orderer0, namespace: ord}
spec:
  selector: {app: orderer}
  ports: [{name: metrics, port: 8443}, {name: web, port: 17777, targetPort: 7777}]
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: ord}
spec:
  selector: {app: nothing-here}
  ports: [{port: 7050}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: peer, namespace: org}
spec:
  selector: {matchLabels: {app: peer}}
  template:
    metadata: {labels: {app: peer}}
    spec:
      containers:
      - name: peer
        image: hyperledger/fabric-peer:1.4
        env: [{name: CORE_PEER_TLS_ROOTCERT_FILE, value: /etc/tls/ca.crt}]
---
apiVersion: v1
kind: Service
metadata: {name: peer-svc, namespace: org}
spec:
  selector: {app: peer}
  ports: [{name: ops, port: 9443}, {name: tcp, port: 7051}]
"#,
        );
        let (dir, discovery) = gathered(&objects);
        let t = targets(&discovery, dir.path());
        let names: Vec<(&str, &str)> = t
            .tls
            .iter()
            .map(|e| (e.name.as_str(), e.address.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("orderer0.ord", "orderer0.ord.svc:17777"),
                ("peer-svc.org", "peer-svc.org.svc:7051")
            ]
        );
        let orderer = &t.tls[0];
        assert_eq!(orderer.role, TlsRole::Orderer);
        assert_eq!(
            orderer.ca_pem.as_deref(),
            Some("-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n")
        );
        assert_eq!(
            orderer.ca_origin.as_deref(),
            Some("ConfigMap ord/orderer-tls key ca.pem")
        );
        // The peer's root file is mounted from nowhere the gatherer could read.
        assert_eq!(t.tls[1].ca_pem, None);
        assert!(t.zookeeper.is_empty() && t.kafka.is_empty());
    }

    #[test]
    fn nothing_discovered_nothing_targeted() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            targets(&Discovery::default(), dir.path()),
            ProbeTargets::default()
        );
    }
}
