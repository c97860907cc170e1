//! The Fabric 2.5 test chaincode as a service: its package, built by fabcheck, and one
//! chaincode server per peer.
//!
//! A chaincode-as-a-service package is what the peer image's `ccaas` external builder reads
//! (Fabric docs, "Chaincode as an external service"): a gzipped tar holding `metadata.json`
//! (`{"type":"ccaas","label":…}`) and `code.tar.gz`, itself holding `connection.json` (the
//! address the peer dials). The peer names an installed package by `label:sha256(bytes)`
//! (core/chaincode/persistence `PackageID`), and the chaincode server must present exactly that
//! id when the peer connects; so fabcheck builds the bytes deterministically (fixed mtimes,
//! owners and modes, no gzip timestamp) and knows the id before anything is installed.
//!
//! `connection.json`'s address is `{{.peername}}-fabcheck:9999`: the ccaas builder fills in
//! `peername` from the peer's `CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG`, so each peer dials its
//! own chaincode server, a Deployment and Service of that name in the peer's namespace.
//! The server is the Go chaincode below, built at start-up in the ccenv image (which needs the
//! Go module proxy, or `GOPROXY` pointed at a mirror) and run from the baseos image.

use std::collections::BTreeMap;
use std::io::Write as _;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, PodSpec, PodTemplateSpec, Probe,
    Service, ServicePort, ServiceSpec, TCPSocketAction, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::channel::{CHAINCODE_NAME, CHAINCODE_VERSION, GO_STORE};
use super::meta::{
    CHAINCODE_COMPONENT, NAME_LABEL, empty_dir, env, labels, mount, node_selector, object_meta,
};
use crate::kube::Object;
use crate::network::{NETWORK_LABEL, Network, Node, Org};

/// The ConfigMap holding the package (and the chaincode server's source) in each org.
pub const PACKAGE_CONFIGMAP: &str = "fabcheck-chaincode-package";
/// Where the chaincode Job mounts it.
pub const PACKAGE_DIR: &str = "/var/hyperledger/chaincode";
pub const PACKAGE_FILE: &str = "fabcheck.tar.gz";
/// The port chaincode servers listen on.
pub const SERVER_PORT: u16 = 9999;

/// The package and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub bytes: Vec<u8>,
    label: String,
    digest: String,
}

impl Package {
    /// The network's package; the same bytes every time.
    pub fn build() -> Package {
        let label = format!("{CHAINCODE_NAME}_{CHAINCODE_VERSION}");
        let connection = serde_json::json!({
            "address": format!("{{{{.peername}}}}-{CHAINCODE_NAME}:{SERVER_PORT}"),
            "dial_timeout": "10s",
            "tls_required": false,
        });
        let metadata = serde_json::json!({ "type": "ccaas", "label": label });
        let code = tar_gz(&[("connection.json", connection.to_string().as_bytes())]);
        let bytes = tar_gz(&[
            ("code.tar.gz", &code),
            ("metadata.json", metadata.to_string().as_bytes()),
        ]);
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Package {
            bytes,
            label,
            digest,
        }
    }

    /// `fabcheck_1.0:<sha256>`, as `peer lifecycle chaincode calculatepackageid` prints it.
    pub fn id(&self) -> String {
        format!("{}:{}", self.label, self.digest)
    }

    /// The org's ConfigMap: the package for the Job, the source for the servers.
    pub fn config_map(&self, network: &Network, org: &Org) -> ConfigMap {
        ConfigMap {
            metadata: object_meta(
                network,
                PACKAGE_CONFIGMAP,
                Some(&org.namespace),
                CHAINCODE_COMPONENT,
                None,
            ),
            data: Some(BTreeMap::from([
                ("main.go".to_owned(), go_chaincode_server()),
                ("go.mod".to_owned(), GO_MOD.to_owned()),
            ])),
            binary_data: Some(BTreeMap::from([(
                PACKAGE_FILE.to_owned(),
                k8s_openapi::ByteString(self.bytes.clone()),
            )])),
            ..ConfigMap::default()
        }
    }

    /// A chaincode server (Deployment and Service) for each peer of `org`.
    pub fn servers(&self, network: &Network, org: &Org) -> Vec<Object> {
        org.nodes
            .iter()
            .flat_map(|node| {
                let name = server_name(node);
                let meta = object_meta(
                    network,
                    &name,
                    Some(&node.namespace),
                    CHAINCODE_COMPONENT,
                    Some(&name),
                );
                [
                    Object::new(&self.server(network, meta.clone(), &name)),
                    Object::new(&server_service(network, meta, &name)),
                ]
            })
            .collect()
    }

    fn server(&self, network: &Network, metadata: ObjectMeta, name: &str) -> Deployment {
        let selector = server_selector(network, name);
        let build = Container {
            name: "build".to_owned(),
            image: Some(network.images.ccenv.clone()),
            command: Some(vec![
                "sh".to_owned(),
                "-c".to_owned(),
                "set -eu\n\
                 mkdir -p /tmp/src && cp /src/main.go /src/go.mod /tmp/src/ && cd /tmp/src\n\
                 go mod tidy\n\
                 CGO_ENABLED=0 go build -o /out/chaincode .\n"
                    .to_owned(),
            ]),
            env: Some(env(vec![
                ("GOPATH", "/tmp/go".to_owned()),
                ("GOCACHE", "/tmp/go-cache".to_owned()),
            ])),
            volume_mounts: Some(vec![mount("source", "/src"), mount("out", "/out")]),
            ..Container::default()
        };
        let run = Container {
            name: "chaincode".to_owned(),
            image: Some(network.images.baseos.clone()),
            command: Some(vec!["/out/chaincode".to_owned()]),
            env: Some(env(vec![
                ("CHAINCODE_ID", self.id()),
                ("CHAINCODE_SERVER_ADDRESS", format!("0.0.0.0:{SERVER_PORT}")),
            ])),
            ports: Some(vec![ContainerPort {
                name: Some("chaincode".to_owned()),
                container_port: i32::from(SERVER_PORT),
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            }]),
            // Plain gRPC without TLS (`tls_required: false`): a TCP probe logs nothing.
            readiness_probe: Some(Probe {
                tcp_socket: Some(TCPSocketAction {
                    port: IntOrString::Int(i32::from(SERVER_PORT)),
                    ..TCPSocketAction::default()
                }),
                period_seconds: Some(10),
                ..Probe::default()
            }),
            volume_mounts: Some(vec![mount("out", "/out")]),
            ..Container::default()
        };
        let mut pod_labels = labels(network, CHAINCODE_COMPONENT, Some(name));
        pod_labels.extend(selector.clone());
        Deployment {
            metadata,
            spec: Some(DeploymentSpec {
                replicas: Some(1),
                selector: LabelSelector {
                    match_labels: Some(selector),
                    ..LabelSelector::default()
                },
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(pod_labels),
                        ..ObjectMeta::default()
                    }),
                    spec: Some(PodSpec {
                        automount_service_account_token: Some(false),
                        enable_service_links: Some(false),
                        node_selector: node_selector(&network.images.baseos),
                        init_containers: Some(vec![build]),
                        containers: vec![run],
                        volumes: Some(vec![
                            Volume {
                                name: "source".to_owned(),
                                config_map: Some(ConfigMapVolumeSource {
                                    name: PACKAGE_CONFIGMAP.to_owned(),
                                    ..ConfigMapVolumeSource::default()
                                }),
                                ..Volume::default()
                            },
                            empty_dir("out"),
                        ]),
                        ..PodSpec::default()
                    }),
                },
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        }
    }
}

/// `org1peer0-fabcheck`: the `peername` the peer's builder config carries, then the name.
pub fn server_name(node: &Node) -> String {
    format!("{}{}-{CHAINCODE_NAME}", node.namespace, node.name)
}

fn server_selector(network: &Network, name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME_LABEL.to_owned(), name.to_owned()),
        (NETWORK_LABEL.to_owned(), network.name.clone()),
    ])
}

fn server_service(network: &Network, metadata: ObjectMeta, name: &str) -> Service {
    Service {
        metadata,
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            selector: Some(server_selector(network, name)),
            ports: Some(vec![ServicePort {
                name: Some("chaincode".to_owned()),
                port: i32::from(SERVER_PORT),
                protocol: Some("TCP".to_owned()),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

/// A gzipped tar of `files`, the same bytes for the same input: fixed mode, owner, mtime, and
/// a gzip header without a timestamp or file name.
fn tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        // Writing into a Vec cannot fail, and the names are short ASCII constants.
        let _ = tar.append_data(&mut header, name, *bytes);
    }
    let tar = tar.into_inner().unwrap_or_default();
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    let _ = gz.write_all(&tar);
    gz.finish().unwrap_or_default()
}

const GO_MOD: &str = "module fabcheck/testcc\n\ngo 1.21\n";

/// The 2.5 source: fabric-chaincode-go's shim, the store, and a chaincode server.
fn go_chaincode_server() -> String {
    format!(
        "// The fabcheck test chaincode as a service: a key-value store. fabcheck writes one key and\n\
         // reads it back on every peer to prove a transaction committed there.\n\
         package main\n\n\
         import (\n\
         \t\"os\"\n\n\
         \t\"github.com/hyperledger/fabric-chaincode-go/shim\"\n\
         \tpb \"github.com/hyperledger/fabric-protos-go/peer\"\n\
         )\n\n\
         {GO_STORE}\n\
         func main() {{\n\
         \tserver := &shim.ChaincodeServer{{\n\
         \t\tCCID:     os.Getenv(\"CHAINCODE_ID\"),\n\
         \t\tAddress:  os.Getenv(\"CHAINCODE_SERVER_ADDRESS\"),\n\
         \t\tCC:       store{{}},\n\
         \t\tTLSProps: shim.TLSProperties{{Disabled: true}},\n\
         \t}}\n\
         \tif err := server.Start(); err != nil {{\n\
         \t\tpanic(err)\n\
         \t}}\n\
         }}\n"
    )
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn entries(gz: &[u8]) -> BTreeMap<String, Vec<u8>> {
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(gz));
        tar.entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let name = e.path().unwrap().display().to_string();
                let mut bytes = Vec::new();
                e.read_to_end(&mut bytes).unwrap();
                (name, bytes)
            })
            .collect()
    }

    #[test]
    fn the_package_is_what_the_ccaas_builder_reads() {
        let net = Network::reference();
        let package = Package::build();
        assert_eq!(package, Package::build(), "the same bytes every time");
        let outer = entries(&package.bytes);
        let metadata: serde_json::Value = serde_json::from_slice(&outer["metadata.json"]).unwrap();
        assert_eq!(metadata["type"], "ccaas");
        assert_eq!(metadata["label"], "fabcheck_1.0");
        let code = entries(&outer["code.tar.gz"]);
        let connection: serde_json::Value =
            serde_json::from_slice(&code["connection.json"]).unwrap();
        assert_eq!(connection["address"], "{{.peername}}-fabcheck:9999");
        let id = package.id();
        let (label, digest) = id.split_once(':').unwrap();
        assert_eq!(label, "fabcheck_1.0");
        assert_eq!(digest.len(), 64);
        // The peer's builder config names it `org1peer0`, so the server is `org1peer0-fabcheck`.
        assert_eq!(
            server_name(&net.peer_orgs[0].nodes[0]),
            "org1peer0-fabcheck"
        );
    }
}
