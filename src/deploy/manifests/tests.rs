//! The manifests of whole networks: phases, labels, the Secret round trip, determinism, and
//! the rendered YAML judged by the suite's own static checks.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::catalogue::Catalogue;
use crate::checks::Selection;
use crate::context::Context;
use crate::deploy::configtx;
use crate::finding::{Finding, Status};
use crate::kube::wait;
use crate::network::{COMPONENT_LABEL, MANAGED_BY_LABEL, NETWORK_LABEL, NetworkSpec, ports};

/// When the test PKI is made; checks run an hour later.
const MADE_AT: OffsetDateTime = datetime!(2026-01-01 0:00 UTC);
const CLUSTER_DNS: &str = "10.96.0.10";

fn network(spec: &str) -> Network {
    let mut net = NetworkSpec::parse(spec, "spec.yaml")
        .expect("test spec parses")
        .resolve()
        .expect("test spec resolves");
    net.cluster_dns = Some(CLUSTER_DNS.parse().unwrap());
    net
}

fn crypto_for(net: &Network) -> CryptoMaterial {
    CryptoMaterial::generate(net, MADE_AT).expect("the test PKI generates")
}

/// The reference network and its PKI, made once for the tests that only read them.
fn reference() -> &'static (Network, CryptoMaterial, Manifests) {
    static REFERENCE: OnceLock<(Network, CryptoMaterial, Manifests)> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let net = network("");
        let crypto = crypto_for(&net);
        let manifests = build(&net, &crypto).expect("the reference network builds");
        (net, crypto, manifests)
    })
}

fn typed<T: serde::de::DeserializeOwned>(o: &Object) -> T {
    serde_json::from_value(o.body.clone()).expect("an object deserializes as its kind")
}

fn kinds(phase: &Phase) -> BTreeMap<&str, usize> {
    let mut out = BTreeMap::new();
    for o in &phase.objects {
        *out.entry(o.kind.as_str()).or_default() += 1;
    }
    out
}

#[test]
fn phases_come_in_order_with_their_objects() {
    let (_, _, m) = reference();
    let names: Vec<&str> = m.phases.iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            "namespaces",
            "config",
            "zookeeper",
            "kafka",
            "genesis",
            "orderers",
            "peers",
            "channel",
            "chaincode"
        ]
    );
    let counts: Vec<BTreeMap<&str, usize>> = m.phases.iter().map(kinds).collect();
    assert_eq!(counts[0], BTreeMap::from([("Namespace", 5)]));
    // 19 nodes, each with a Service and (but the 3 CAs) a headless one; Secrets: 12 node
    // (3 orderers, 3 CAs, 6 peers) + 4 org + 4 org admin + 3 CA bootstrap. No Role,
    // RoleBinding or ServiceAccount: nothing the network runs gets API credentials.
    assert_eq!(
        counts[1],
        BTreeMap::from([("ConfigMap", 1), ("Secret", 23), ("Service", 35)])
    );
    assert_eq!(counts[2], BTreeMap::from([("StatefulSet", 3)]));
    assert_eq!(counts[3], BTreeMap::from([("StatefulSet", 4)]));
    assert_eq!(counts[4], BTreeMap::from([("Job", 1)]));
    assert_eq!(counts[5], BTreeMap::from([("StatefulSet", 3)]));
    assert_eq!(
        counts[6],
        BTreeMap::from([("Deployment", 3), ("StatefulSet", 6)])
    );
    // The Job's inputs first, Services last in config.
    let config: Vec<&str> = m.phases[1]
        .objects
        .iter()
        .map(|o| o.kind.as_str())
        .collect();
    assert_eq!(config[0], "ConfigMap");
    assert_eq!(counts[7], BTreeMap::from([("Job", 3)]));
    assert_eq!(counts[8], BTreeMap::from([("ConfigMap", 3), ("Job", 3)]));
    assert_eq!(config.last(), Some(&"Service"));
}

#[test]
fn every_object_is_labelled_and_namespaced() {
    let (net, _, m) = reference();
    let nodes: Vec<String> = net.nodes().iter().map(|n| n.name.clone()).collect();
    for o in m.objects() {
        let labels = &o.body["metadata"]["labels"];
        assert_eq!(labels[NETWORK_LABEL], "reference", "{}", o.key());
        assert_eq!(labels[MANAGED_BY_LABEL], "fabcheck", "{}", o.key());
        let component = labels[COMPONENT_LABEL].as_str().unwrap_or_default();
        assert!(
            [
                "peer",
                "orderer",
                "ca",
                "kafka",
                "zookeeper",
                "genesis",
                "crypto",
                "config",
                "channel",
                "chaincode"
            ]
            .contains(&component),
            "{}: component {component:?}",
            o.key()
        );
        match o.kind.as_str() {
            "Namespace" => assert!(o.namespace.is_none()),
            _ => assert_eq!(
                o.body["metadata"]["namespace"].as_str(),
                o.namespace.as_deref(),
                "{}",
                o.key()
            ),
        }
        let node_object = matches!(o.kind.as_str(), "StatefulSet" | "Deployment" | "Service")
            && labels[COMPONENT_LABEL] != meta::CHAINCODE_COMPONENT;
        if node_object {
            let node = o.name.strip_suffix("-headless").unwrap_or(&o.name);
            assert!(nodes.contains(&node.to_owned()), "{}", o.key());
            assert_eq!(labels[meta::NAME_LABEL], node, "{}", o.key());
        }
    }
}

#[test]
fn every_service_host_is_name_dot_namespace() {
    let (net, _, m) = reference();
    let hosts: Vec<String> = m
        .objects()
        .filter(|o| o.kind == "Service" && o.body["spec"]["clusterIP"] != "None")
        .map(|o| format!("{}.{}", o.name, o.namespace.as_deref().unwrap_or_default()))
        .collect();
    let expected: Vec<String> = net.nodes().iter().map(|n| n.host()).collect();
    assert_eq!(hosts, expected);
    let headless: Vec<String> = m
        .objects()
        .filter(|o| o.kind == "Service" && o.body["spec"]["clusterIP"] == "None")
        .map(|o| o.key())
        .collect();
    for o in m.objects().filter(|o| o.kind == "StatefulSet") {
        // The governing Service of a StatefulSet is headless (it gives the pod its DNS name).
        let governing = format!("{}-headless", o.name);
        assert_eq!(o.body["spec"]["serviceName"], governing.as_str());
        assert!(
            headless
                .iter()
                .any(|k| k.ends_with(&format!("/{governing}"))),
            "{governing} in {headless:?}"
        );
        assert_eq!(o.body["spec"]["podManagementPolicy"], "Parallel");
        assert_eq!(o.body["spec"]["replicas"], 1);
    }
}

#[test]
fn no_configmap_holds_a_private_key() {
    let (_, _, m) = reference();
    let maps: Vec<ConfigMap> = m
        .objects()
        .filter(|o| o.kind == "ConfigMap")
        .map(typed)
        .collect();
    assert!(!maps.is_empty());
    for cm in maps {
        if let Some(annotation) = cm
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(CONFIG_FILES_ANNOTATION))
        {
            let files: BTreeMap<String, String> =
                serde_json::from_str(annotation).expect("the annotation is JSON");
            assert!(
                files.contains_key("configtx.yaml") || files.values().any(|p| p == "configtx.yaml")
            );
            for path in files.values() {
                assert!(!CryptoMaterial::is_private_key(path), "{path}");
            }
        }
        for text in cm.data.iter().flat_map(|d| d.values()) {
            assert!(!text.contains("PRIVATE KEY"));
        }
        for bytes in cm.binary_data.iter().flat_map(|d| d.values()) {
            assert!(!bytes.0.windows(11).any(|w| w == b"PRIVATE KEY"));
        }
    }
}

#[test]
fn secrets_rebuild_the_crypto_material() {
    let (net, crypto, m) = reference();
    let secrets: Vec<Secret> = m
        .objects()
        .filter(|o| o.kind == "Secret")
        .map(typed)
        .collect();
    // Everything but the CA keys no pod mounts, which never enter the cluster.
    let in_cluster = CryptoMaterial {
        files: crypto
            .files
            .iter()
            .filter(|(p, _)| !stays_out_of_cluster(net, p))
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect(),
    };
    let left_out: Vec<&String> = crypto
        .files
        .keys()
        .filter(|p| stays_out_of_cluster(net, p))
        .collect();
    assert_eq!(
        left_out,
        [
            "ordererOrganizations/orgorderer1/ca/priv_sk",
            "ordererOrganizations/orgorderer1/tlsca/priv_sk",
            "peerOrganizations/org1/tlsca/priv_sk",
            "peerOrganizations/org2/tlsca/priv_sk",
            "peerOrganizations/org3/tlsca/priv_sk",
        ]
    );
    assert_eq!(crypto_from_secrets(&secrets).unwrap(), in_cluster);
    // Each file is in exactly one Secret, and node Secrets hold only the node's own files.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for s in &secrets {
        let Some(a) = s.metadata.annotations.as_ref() else {
            continue;
        };
        let files: BTreeMap<String, String> =
            serde_json::from_str(&a[CRYPTO_FILES_ANNOTATION]).unwrap();
        let name = format!(
            "{}/{}",
            s.metadata.namespace.as_deref().unwrap_or_default(),
            s.metadata.name.as_deref().unwrap_or_default()
        );
        for (key, path) in files {
            assert!(
                key.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)),
                "{key}"
            );
            if let Some(other) = seen.insert(path.clone(), name.clone()) {
                panic!("{path} is in {other} and {name}");
            }
        }
    }
    assert_eq!(seen.len(), crypto.files.len() - left_out.len());
    let peer = &net.peer_orgs[0].nodes[0];
    let dir = CryptoMaterial::node_dir(&net.peer_orgs[0], peer);
    let peer0: Vec<&String> = seen
        .iter()
        .filter(|(_, s)| *s == "org1/peer0-crypto")
        .map(|(p, _)| p)
        .collect();
    assert!(!peer0.is_empty());
    assert!(
        peer0.iter().all(|p| p.starts_with(&format!("{dir}/"))),
        "{peer0:?}"
    );
    // Private keys of the CAs are kept, in the org Secrets.
    assert!(
        seen.iter()
            .any(|(p, s)| s.ends_with("-org-crypto") && CryptoMaterial::is_private_key(p))
    );
}

#[test]
fn nodes_mount_their_own_secret() {
    let (_, _, m) = reference();
    let peer = m
        .objects()
        .find(|o| o.kind == "StatefulSet" && o.key() == "StatefulSet org1/peer0")
        .unwrap();
    let volumes = peer.body["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap();
    let secrets: Vec<&str> = volumes
        .iter()
        .filter_map(|v| v["secret"]["secretName"].as_str())
        .collect();
    assert!(!secrets.is_empty() && secrets.iter().all(|s| *s == "peer0-crypto"));
    let mounts: Vec<&str> = peer.body["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["mountPath"].as_str())
        .collect();
    assert!(mounts.contains(&"/var/hyperledger/peer/msp"), "{mounts:?}");
    assert!(mounts.contains(&"/var/hyperledger/peer/tls"), "{mounts:?}");
    let orderer = m
        .objects()
        .find(|o| o.key() == "StatefulSet orgorderer1/orderer0")
        .unwrap();
    let text = orderer.body.to_string();
    assert!(text.contains(GENESIS_CONFIGMAP), "{text}");
    assert!(text.contains("/var/hyperledger/orderer/genesis/genesis.block"));
}

#[test]
fn build_is_deterministic() {
    let (net, crypto, m) = reference();
    let again = build(net, crypto).unwrap();
    assert_eq!(&again, m);
    let all: Vec<Object> = m.objects().cloned().collect();
    assert_eq!(
        render_yaml(&all),
        render_yaml(&again.objects().cloned().collect::<Vec<_>>())
    );
    // No time is written (the claim templates' creationTimestamp is null, as stored).
    let yaml = render_yaml(&all);
    assert!(
        yaml.lines()
            .filter(|l| l.contains("creationTimestamp"))
            .all(|l| l.trim_end().ends_with("creationTimestamp: null")),
        "a timestamp in the manifests"
    );
}

#[test]
fn the_cluster_dns_must_be_known() {
    let (net, crypto, _) = reference();
    let mut net = net.clone();
    net.cluster_dns = None;
    let err = build(&net, crypto).unwrap_err();
    assert!(matches!(err, ManifestError::ClusterDnsUnknown));
    assert!(err.to_string().starts_with("failed to "), "{err}");
}

#[test]
fn etcdraft_has_no_kafka_or_zookeeper() {
    let net = network("consensus: etcdraft\norgs: 1\n");
    let m = build(&net, &crypto_for(&net)).unwrap();
    let names: Vec<&str> = m.phases.iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            "namespaces",
            "config",
            "genesis",
            "orderers",
            "peers",
            "channel",
            "chaincode"
        ]
    );
    let orderer = m
        .objects()
        .find(|o| o.key() == "StatefulSet orgorderer1/orderer0")
        .unwrap()
        .body
        .to_string();
    assert!(orderer.contains("ORDERER_GENERAL_CLUSTER_ROOTCAS"));
    assert!(!orderer.contains("ORDERER_KAFKA_"));
}

#[test]
fn pvc_storage_makes_claim_templates() {
    let net = network("orgs: 1\nstorage:\n  kind: pvc\n  storageClass: fast\n  size: 5Gi\n");
    let m = build(&net, &crypto_for(&net)).unwrap();
    let sets: Vec<&Object> = m.objects().filter(|o| o.kind == "StatefulSet").collect();
    assert_eq!(sets.len(), 3 + 4 + 3 + 2);
    for o in sets {
        let claim = &o.body["spec"]["volumeClaimTemplates"][0];
        assert_eq!(claim["metadata"]["name"], "data", "{}", o.key());
        assert_eq!(claim["spec"]["storageClassName"], "fast");
        assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "5Gi");
        let volumes = o.body["spec"]["template"]["spec"]["volumes"].to_string();
        assert!(!volumes.contains("\"data\""), "{}: {volumes}", o.key());
    }
    // The default is a claim of the cluster's default StorageClass: a reschedule must not
    // lose a ledger or a Raft log (the orderer's data path is on the claim).
    let reference = &reference().2;
    let orderer = reference
        .objects()
        .find(|o| o.key() == "StatefulSet orgorderer1/orderer0")
        .unwrap();
    let claim = &orderer.body["spec"]["volumeClaimTemplates"][0];
    assert_eq!(claim["metadata"]["name"], "data");
    assert!(
        claim["spec"]["storageClassName"].is_null(),
        "the default class"
    );
    let mounts = orderer.body["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap();
    assert!(mounts.iter().any(|m| m["name"] == "data"
        && m["mountPath"] == "/var/hyperledger/production/orderer"));
    let empty = network("orgs: 1\nstorage:\n  kind: emptyDir\n");
    let m = build(&empty, &crypto_for(&empty)).unwrap();
    assert!(
        m.objects()
            .all(|o| o.body["spec"]["volumeClaimTemplates"].is_null())
    );
}

#[test]
fn ccaas_peers_have_no_docker() {
    let net = network("fabric: \"2.5\"\norgs: 1\n");
    let m = build(&net, &crypto_for(&net)).unwrap();
    let peer = m
        .objects()
        .find(|o| o.key() == "StatefulSet org1/peer0")
        .unwrap();
    let containers = peer.body["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers.len(), 1);
    let text = peer.body.to_string();
    assert!(text.contains("CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG"));
    assert!(!text.contains("CORE_VM_ENDPOINT"));
    // The peer reads its image's core.yaml with the Docker endpoint emptied, so /healthz does
    // not wait on a daemon that is not there.
    let init = &peer.body["spec"]["template"]["spec"]["initContainers"][0];
    assert_eq!(init["name"], "peer-config");
    assert!(text.contains("\"FABRIC_CFG_PATH\""), "{text}");
}

/// Writes what `render --out` writes (the manifests, the PKI, configtx.yaml) plus the
/// kubelet's configuration, which is where the checks learn the cluster DNS and domain.
fn write_artifacts(dir: &Path, net: &Network, crypto: &CryptoMaterial, m: &Manifests) {
    let write = |rel: &str, bytes: &[u8]| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    for (i, phase) in m.phases.iter().enumerate() {
        write(
            &format!("manifests/{i:02}-{}.yaml", phase.name),
            render_yaml(&phase.objects).as_bytes(),
        );
    }
    for (path, bytes) in &crypto.files {
        write(&format!("crypto-config/{path}"), bytes);
    }
    write("configtx.yaml", configtx::render(net).as_bytes());
    write(
        "cluster/kubelet-config.yaml",
        format!(
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n  - {}\nclusterDomain: {}\n",
            CLUSTER_DNS, net.cluster_domain
        )
        .as_bytes(),
    );
}

/// The findings of every check over the rendered network, as `fabcheck check --artifacts`
/// would make them an hour after the PKI was made.
fn check_rendered(spec: &str) -> Vec<Finding> {
    let net = network(spec);
    let crypto = crypto_for(&net);
    let m = build(&net, &crypto).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_artifacts(dir.path(), &net, &crypto, &m);
    let inventory = crate::inventory::artifacts::gather(dir.path()).unwrap();
    crate::checks::run(
        &Context::at(MADE_AT + time::Duration::hours(1)),
        &inventory,
        Catalogue::embedded(),
        &Selection::default(),
    )
}

fn shown(findings: &[&Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {} {:?}: {}",
                f.check_id, f.status, f.target.name, f.target.locator, f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every check that can judge the rendered artifacts passes (or has nothing to judge);
/// none fails, errs or warns.
fn assert_passes(spec: &str, must_pass: &[&str]) {
    let findings = check_rendered(spec);
    let bad: Vec<&Finding> = findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Error | Status::Warn))
        .collect();
    assert!(bad.is_empty(), "spec {spec:?}:\n{}", shown(&bad));
    for id in must_pass {
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.check_id == *id).collect();
        assert!(
            !mine.is_empty() && mine.iter().all(|f| f.status == Status::Pass),
            "spec {spec:?}: {id} should pass:\n{}",
            shown(&mine)
        );
    }
}

const STATIC_DNS: &[&str] = &[
    "DNS-001", "DNS-002", "DNS-003", "DNS-004", "DNS-005", "DNS-007",
];

#[test]
fn the_reference_network_passes_the_static_checks() {
    let mut must: Vec<&str> = STATIC_DNS.to_vec();
    must.extend([
        "DNS-006",
        "KAFKA-001",
        "KAFKA-002",
        "KAFKA-003",
        "KAFKA-004",
        "KAFKA-005",
        "KAFKA-006",
        "KAFKA-007",
        "KAFKA-008",
        "KAFKA-009",
        "KAFKA-010",
        "KAFKA-012",
        "ZK-001",
        "ZK-002",
        "ZK-003",
        "ZK-004",
        "X509-001",
        "X509-002",
        "X509-004",
        "X509-005",
        "X509-007",
        "X509-008",
    ]);
    assert_passes("", &must);
}

#[test]
fn etcdraft_and_ccaas_networks_pass_the_static_checks() {
    assert_passes(
        "consensus: etcdraft\norgs: 2\n",
        &["KAFKA-010", "DNS-001", "DNS-002"],
    );
    assert_passes(
        "fabric: \"2.5\"\norgs: 1\n",
        &["DNS-001", "DNS-002", "DNS-003"],
    );
}

/// Every container of every object, with the object's key: (key, container JSON).
fn containers(m: &Manifests) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    for o in m.objects() {
        let spec = o
            .body
            .pointer("/spec/template/spec")
            .cloned()
            .unwrap_or_default();
        for list in ["initContainers", "containers"] {
            for c in spec[list].as_array().into_iter().flatten() {
                out.push((o.key(), c.clone()));
            }
        }
    }
    out
}

#[test]
fn every_image_comes_from_the_table() {
    use crate::network::images;
    for spec in ["", "fabric: \"2.5\"\n", "consensus: etcdraft\n"] {
        let net = network(spec);
        let m = build(&net, &crypto_for(&net)).unwrap();
        for (key, c) in containers(&m) {
            let image = c["image"].as_str().unwrap_or_default();
            let entry = images::find(image)
                .unwrap_or_else(|| panic!("{spec:?}: {key} uses {image}, not in the table"));
            assert_eq!(entry.fabric, net.fabric, "{key}: {image}");
        }
    }
    // An override is used as given, and is the only image outside the table.
    let net = network("images:\n  peer: registry.example/peer:1.4.12-patched\n");
    let m = build(&net, &crypto_for(&net)).unwrap();
    let outside: Vec<String> = containers(&m)
        .into_iter()
        .filter_map(|(_, c)| c["image"].as_str().map(str::to_owned))
        .filter(|i| images::find(i).is_none())
        .collect();
    assert!(!outside.is_empty());
    assert!(
        outside
            .iter()
            .all(|i| i == "registry.example/peer:1.4.12-patched")
    );
}

#[test]
fn readiness_probes_ask_the_servers_and_none_dials_a_tls_port() {
    let (_, _, m) = reference();
    let tls_ports = [ports::PEER, ports::ORDERER, ports::CA];
    for (key, c) in containers(m) {
        let probe = &c["readinessProbe"];
        if let Some(port) = probe["tcpSocket"]["port"].as_i64() {
            assert!(
                !tls_ports.contains(&(port as u16)),
                "{key}: a TCP probe on TLS port {port} makes the server log a failed handshake every period"
            );
        }
        match c["name"].as_str().unwrap_or_default() {
            "peer" => {
                assert_eq!(probe["httpGet"]["path"], "/healthz", "{key}");
                assert_eq!(probe["httpGet"]["port"], ports::PEER_OPERATIONS, "{key}");
            }
            "orderer" => {
                assert_eq!(probe["httpGet"]["path"], "/healthz", "{key}");
                assert_eq!(probe["httpGet"]["port"], ports::ORDERER_OPERATIONS, "{key}");
            }
            "ca" => {
                assert_eq!(probe["httpGet"]["path"], "/cainfo", "{key}");
                assert_eq!(probe["httpGet"]["scheme"], "HTTPS", "{key}");
            }
            "zookeeper" => {
                let command = probe["exec"]["command"].to_string();
                assert!(
                    command.contains("ruok") && command.contains("imok"),
                    "{key}"
                );
            }
            // dockerd listens on loopback only: a kubelet probe of the pod IP could never
            // pass; the peer's /healthz covers its Docker daemon.
            "dind" => assert!(probe.is_null(), "{key}: {probe}"),
            _ => {}
        }
    }
}

#[test]
fn dind_runs_on_cgroup_v2_and_peers_set_only_what_fabric_reads() {
    let (_, _, m) = reference();
    let peer = m
        .objects()
        .find(|o| o.key() == "StatefulSet org1/peer0")
        .unwrap()
        .body
        .to_string();
    assert!(peer.contains("docker:24.0.9-dind"), "{peer}");
    assert!(!peer.contains("19.03"), "{peer}");
    // Fabric never reads HostConfig.DnsOptions; ndots reaches chaincode as a daemon flag.
    assert!(
        !peer.contains("CORE_VM_DOCKER_HOSTCONFIG_DNSOPTIONS"),
        "{peer}"
    );
    assert!(peer.contains("--dns-opt=ndots:2"), "{peer}");
    assert!(peer.contains("CORE_CHAINCODE_BUILDER"), "{peer}");
    // Kafka's retry budget stays Fabric's default (10m short total).
    for o in m.objects() {
        let text = o.body.to_string();
        assert!(!text.contains("ORDERER_KAFKA_RETRY_SHORT"), "{}", o.key());
    }
}

#[test]
fn amd64_only_images_run_on_amd64_nodes() {
    let arch = |m: &Manifests, key: &str| {
        m.objects()
            .find(|o| o.key() == key)
            .unwrap()
            .body
            .pointer("/spec/template/spec/nodeSelector/kubernetes.io~1arch")
            .cloned()
    };
    let (_, _, v14) = reference();
    for key in [
        "StatefulSet org1/peer0",
        "StatefulSet orgorderer1/orderer0",
        "StatefulSet kafka/kafka0",
        "StatefulSet kafka/zookeeper0",
        "Deployment org1/ca",
        "Job orgorderer1/fabcheck-genesis",
        "Job org1/fabcheck-channel",
    ] {
        assert_eq!(arch(v14, key), Some("amd64".into()), "{key}");
    }
    let net = network("fabric: \"2.5\"\n");
    let v25 = build(&net, &crypto_for(&net)).unwrap();
    for key in [
        "StatefulSet org1/peer0",
        "StatefulSet orgorderer1/orderer0",
        "Job org1/fabcheck-chaincode",
    ] {
        assert_eq!(arch(&v25, key), None, "{key}: 2.5 images are multi-arch");
    }
}

#[test]
fn brokers_and_zookeepers_spread_over_nodes() {
    let (_, _, m) = reference();
    for o in m.objects().filter(|o| o.kind == "StatefulSet") {
        let terms = o
            .body
            .pointer("/spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/podAffinityTerm")
            .cloned();
        let spread = o.namespace.as_deref() == Some("kafka");
        assert_eq!(terms.is_some(), spread, "{}", o.key());
        if let Some(term) = terms {
            assert_eq!(term["topologyKey"], "kubernetes.io/hostname");
            let component = o.body["metadata"]["labels"][COMPONENT_LABEL].clone();
            assert_eq!(
                term["labelSelector"]["matchLabels"][COMPONENT_LABEL],
                component
            );
        }
    }
}

#[test]
fn operations_ports_are_on_the_services_for_the_in_cluster_probe() {
    // The probe reads /healthz and /metrics through each node's Service name, as it dials gRPC.
    let (_, _, m) = reference();
    let mut seen = 0;
    for o in m.objects().filter(|o| o.kind == "Service") {
        let ports = o.body["spec"]["ports"].to_string();
        let component = o.body["metadata"]["labels"][COMPONENT_LABEL]
            .as_str()
            .unwrap_or("");
        let want = match component {
            "peer" => ports::PEER_OPERATIONS,
            "orderer" => ports::ORDERER_OPERATIONS,
            _ => continue,
        };
        assert!(ports.contains("\"operations\""), "{}: {ports}", o.key());
        assert!(ports.contains(&want.to_string()), "{}: {ports}", o.key());
        seen += 1;
    }
    assert!(seen > 0, "no peer or orderer Service");
}

#[test]
fn peers_and_orderers_export_prometheus_metrics() {
    let (_, _, m) = reference();
    let mut seen = 0;
    for o in m.objects().filter(|o| o.kind == "StatefulSet") {
        let env = o.body["spec"]["template"]["spec"]["containers"][0]["env"].to_string();
        let component = o.body["metadata"]["labels"][COMPONENT_LABEL]
            .as_str()
            .unwrap_or("");
        let key = match component {
            "peer" => "CORE_METRICS_PROVIDER",
            "orderer" => "ORDERER_METRICS_PROVIDER",
            _ => continue,
        };
        assert!(
            env.contains(&format!("{{\"name\":\"{key}\",\"value\":\"prometheus\"}}")),
            "{}: {env}",
            o.key()
        );
        seen += 1;
    }
    assert!(seen > 0, "no peer or orderer StatefulSet");
}

#[test]
fn nothing_the_network_runs_gets_api_credentials() {
    let (_, _, m) = reference();
    assert!(m.objects().all(|o| !matches!(
        o.kind.as_str(),
        "Role" | "RoleBinding" | "ServiceAccount" | "ClusterRole" | "ClusterRoleBinding"
    )));
    for o in m.objects().filter(|o| wait::is_workload(&o.kind)) {
        assert_eq!(
            o.body["spec"]["template"]["spec"]["automountServiceAccountToken"],
            false,
            "{}",
            o.key()
        );
    }
}
