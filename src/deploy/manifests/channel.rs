//! What makes the deployed network usable: the application channel, every peer joined to it,
//! anchor peers set, and a test chaincode that has committed a transaction on every peer.
//!
//! One Job per peer org runs in the org's namespace with the org admin's identity (the Secret
//! `<org>-admin`) and Fabric's own `peer` CLI from the tools image:
//!
//! - `fabcheck-channel`: the first org creates the channel from the creation transaction (or
//!   finds it created); every org fetches the channel's genesis block, joins each of its peers
//!   that has not joined yet, and sends its anchor peer update.
//! - `fabcheck-chaincode`: Fabric 1.4: install the Go test chaincode on every peer of the org
//!   (the source comes in a ConfigMap; the tools image carries the shim in its GOPATH), the
//!   first org instantiates it and invokes `put`; every org then queries each of its peers
//!   until the value is there, which means the transaction committed on that peer. Fabric 2.5:
//!   the 2.x lifecycle with a chaincode-as-a-service package fabcheck builds itself (its
//!   package id is known before install), approve per org, commit by the first org.
//!
//! The Jobs retry what depends on another org's Job (the channel exists, the definition is
//! approved, the value arrived) a bounded number of times; a Job that gives up fails, and the
//! deploy reports which one and why.
//!
//! Their inputs that only exist once the genesis Job has run (the channel creation transaction
//! and the org's anchor peer update) are put by fabcheck into each org's ConfigMap
//! [`ARTIFACTS_CONFIGMAP`], with the TLS CA certificates the CLI needs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, ConfigMapVolumeSource, Container, Volume};

use super::ManifestError;
use super::chaincode_package;
use super::crypto_secrets::{CryptoMount, CryptoSecrets};
use super::meta::{
    CHAINCODE_COMPONENT, CHANNEL_COMPONENT, JobLimits, crypto_volumes, empty_dir, env, mount,
    object_meta, tools_job,
};
use crate::deploy::configtx;
use crate::deploy::crypto::CryptoMaterial;
use crate::deploy::handback::{self, HandbackError};
use crate::inventory::live::ExpectedHeight;
use crate::kube::Object;
use crate::network::{FabricVersion, Network, Org, ports};

/// Each peer org's ConfigMap of the channel artifacts and the TLS CA certificates.
pub const ARTIFACTS_CONFIGMAP: &str = "fabcheck-channel-artifacts";
/// The channel Job of each peer org.
pub const CHANNEL_JOB: &str = "fabcheck-channel";
/// The chaincode Job of each peer org.
pub const CHAINCODE_JOB: &str = "fabcheck-chaincode";
/// The 1.4 test chaincode's Go source.
pub const CHAINCODE_SOURCE_CONFIGMAP: &str = "fabcheck-test-chaincode";
/// The test chaincode's name and version.
pub const CHAINCODE_NAME: &str = "fabcheck";
pub const CHAINCODE_VERSION: &str = "1.0";
/// The key the test transaction writes.
pub const TEST_KEY: &str = "fabcheck";

const ADMIN_DIR: &str = "/var/hyperledger/admin";
const ARTIFACTS_DIR: &str = "/var/hyperledger/artifacts";
const WORK_DIR: &str = "/var/hyperledger/work";
/// The orderer org's TLS CA, in every artifacts ConfigMap.
const ORDERER_TLS_CA: &str = "orderer-tlsca.pem";
/// Where the 1.4 tools image's GOPATH finds the test chaincode (`-p fabcheck/testcc`).
const GO_PACKAGE: &str = "fabcheck/testcc";
const GOPATH: &str = "/opt/gopath";
const GOPATH_SRC: &str = "/opt/gopath/src";

/// How many times a step that waits on another Job is tried, 5 s apart (10 minutes).
const TRIES: u32 = 120;
/// The longest a channel or chaincode Job may run: chaincode instantiation on 1.4 pulls and
/// builds images inside the peer's Docker daemon.
const JOB_DEADLINE_SECONDS: i64 = 1800;

/// `tlsca-Org1MSP.pem`.
fn tls_ca_file(org: &Org) -> String {
    format!("tlsca-{}.pem", org.msp_id)
}

/// The value the test transaction writes: fixed per network, so a re-run's query still finds it.
pub fn test_value(network: &Network) -> String {
    format!("committed-by-{}", network.name)
}

/// The artifacts ConfigMap of `org`, from the genesis Job's handed-back files: the channel
/// creation transaction, the org's anchor peer update, the orderer org's TLS CA and every peer
/// org's TLS CA (2.x commits and invokes name one peer of each org). Immutable, like the block.
pub fn artifacts_config_map(
    network: &Network,
    org: &Org,
    crypto: &CryptoMaterial,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<ConfigMap, HandbackError> {
    let mut binary = BTreeMap::new();
    for name in [configtx::CHANNEL_TX.to_owned(), configtx::anchors_file(org)] {
        binary.insert(
            name.clone(),
            k8s_openapi::ByteString(handback::take(files, &name)?),
        );
    }
    let mut data = BTreeMap::new();
    let tls_ca = |o: &Org| {
        let domain = &o.domain;
        let path = format!(
            "{}/msp/tlscacerts/tlsca.{domain}-cert.pem",
            CryptoMaterial::org_dir(o)
        );
        crypto
            .get(&path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .ok_or(HandbackError::Missing { name: path })
    };
    data.insert(ORDERER_TLS_CA.to_owned(), tls_ca(&network.orderer_org)?);
    for o in &network.peer_orgs {
        data.insert(tls_ca_file(o), tls_ca(o)?);
    }
    Ok(ConfigMap {
        metadata: object_meta(
            network,
            ARTIFACTS_CONFIGMAP,
            Some(&org.namespace),
            CHANNEL_COMPONENT,
            None,
        ),
        data: Some(data),
        binary_data: Some(binary),
        immutable: Some(true),
    })
}

/// The channel Jobs, one per peer org.
pub fn channel_jobs(
    network: &Network,
    secrets: &CryptoSecrets,
) -> Result<Vec<Object>, ManifestError> {
    network
        .peer_orgs
        .iter()
        .enumerate()
        .map(|(i, org)| {
            let script = channel_script(network, org, i == 0);
            let job = admin_job(
                network,
                org,
                secrets.admin(org)?,
                CHANNEL_JOB,
                CHANNEL_COMPONENT,
                script,
                Vec::new(),
            );
            Ok(Object::new(&job))
        })
        .collect()
}

/// The chaincode objects: per peer org its Job (and, on 1.4, the chaincode source it installs;
/// on 2.5, the package and one chaincode server per peer).
pub fn chaincode_objects(
    network: &Network,
    secrets: &CryptoSecrets,
) -> Result<Vec<Object>, ManifestError> {
    let mut out = Vec::new();
    let package = chaincode_package::Package::build();
    for (i, org) in network.peer_orgs.iter().enumerate() {
        let first = i == 0;
        let (script, extra) = match network.fabric {
            FabricVersion::V1_4 => {
                out.push(Object::new(&source_config_map(network, org)));
                let source = Volume {
                    name: "chaincode".to_owned(),
                    config_map: Some(ConfigMapVolumeSource {
                        name: CHAINCODE_SOURCE_CONFIGMAP.to_owned(),
                        ..ConfigMapVolumeSource::default()
                    }),
                    ..Volume::default()
                };
                let at = format!("{GOPATH_SRC}/{GO_PACKAGE}");
                (chaincode_script_14(network, org, first), vec![(source, at)])
            }
            FabricVersion::V2_5 => {
                out.push(Object::new(&package.config_map(network, org)));
                out.extend(package.servers(network, org));
                let volume = Volume {
                    name: "chaincode".to_owned(),
                    config_map: Some(ConfigMapVolumeSource {
                        name: chaincode_package::PACKAGE_CONFIGMAP.to_owned(),
                        ..ConfigMapVolumeSource::default()
                    }),
                    ..Volume::default()
                };
                (
                    chaincode_script_25(network, org, first, &package),
                    vec![(volume, chaincode_package::PACKAGE_DIR.to_owned())],
                )
            }
        };
        let job = admin_job(
            network,
            org,
            secrets.admin(org)?,
            CHAINCODE_JOB,
            CHAINCODE_COMPONENT,
            script,
            extra,
        );
        out.push(Object::new(&job));
    }
    Ok(out)
}

/// The least height every peer's ledger of the application channel has once the deploy's
/// channel (and, with `test_chaincode`, chaincode) Jobs succeeded, and the blocks it counts:
/// what HEALTH-004 holds each peer to.
///
/// - the channel's genesis block (`peer channel create`);
/// - one block per anchor peer update: a config transaction always gets a block of its own
///   (the orderer's block cutter isolates config messages);
/// - Fabric 1.4: `instantiate`, then `invoke put` once the instantiation is listed (committed):
///   two blocks;
/// - Fabric 2.5: the orgs' `approveformyorg` (sent by separate Jobs, so possibly cut into one
///   block: counted once), then `commit` once every approval is visible, then `invoke put` once
///   the definition is committed: three blocks.
///
/// A re-run whose steps find their work done adds no blocks but finds the earlier ones.
pub fn expected_heights(network: &Network) -> BTreeMap<String, ExpectedHeight> {
    let mut blocks = vec!["genesis block".to_owned()];
    blocks.extend(
        network
            .peer_orgs
            .iter()
            .map(|o| format!("anchor peer update for {}", o.msp_id)),
    );
    if network.chaincode.test_chaincode {
        match network.fabric {
            FabricVersion::V1_4 => blocks.extend([
                format!("instantiate {CHAINCODE_NAME}"),
                format!("invoke {CHAINCODE_NAME} put"),
            ]),
            FabricVersion::V2_5 => blocks.extend([
                format!("approvals of {CHAINCODE_NAME} (at least one block)"),
                format!("commit of {CHAINCODE_NAME}"),
                format!("invoke {CHAINCODE_NAME} put"),
            ]),
        }
    }
    BTreeMap::from([(
        network.channel.clone(),
        ExpectedHeight {
            minimum: blocks.len() as u64,
            blocks,
        },
    )])
}

/// A Job of the tools image acting as `org`'s admin, with the admin identity at
/// [`ADMIN_DIR`], the artifacts at [`ARTIFACTS_DIR`] and a scratch folder.
fn admin_job(
    network: &Network,
    org: &Org,
    admin: CryptoMount,
    name: &str,
    component: &str,
    script: String,
    extra: Vec<(Volume, String)>,
) -> Job {
    let (mut volumes, mut mounts) = crypto_volumes(&admin.secret, &admin.entries, ADMIN_DIR);
    volumes.push(Volume {
        name: "artifacts".to_owned(),
        config_map: Some(ConfigMapVolumeSource {
            name: ARTIFACTS_CONFIGMAP.to_owned(),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    });
    mounts.push(mount("artifacts", ARTIFACTS_DIR));
    volumes.push(empty_dir("work"));
    mounts.push(mount("work", WORK_DIR));
    for (volume, at) in extra {
        mounts.push(mount(&volume.name, &at));
        volumes.push(volume);
    }
    let mut pairs = vec![
        ("CORE_PEER_LOCALMSPID", org.msp_id.clone()),
        ("CORE_PEER_MSPCONFIGPATH", format!("{ADMIN_DIR}/msp")),
        ("CORE_PEER_TLS_ENABLED", "true".to_owned()),
        (
            "CORE_PEER_TLS_ROOTCERT_FILE",
            format!("{ARTIFACTS_DIR}/{}", tls_ca_file(org)),
        ),
        ("FABRIC_LOGGING_SPEC", "INFO".to_owned()),
    ];
    if network.fabric == FabricVersion::V1_4 {
        // The 1.4 CLI packages Go chaincode with `go list` in GOPATH mode (a module-mode Go
        // answers "package fabcheck/testcc is not in GOROOT", as the real 1.4.12 peer CLI did
        // under Go 1.19); the source is mounted under the tools image's GOPATH.
        pairs.extend([
            ("GOPATH", GOPATH.to_owned()),
            ("GO111MODULE", "off".to_owned()),
        ]);
    }
    let vars = env(pairs);
    let container = Container {
        name: name.to_owned(),
        image: Some(network.images.tools.clone()),
        command: Some(vec!["sh".to_owned(), "-c".to_owned(), script]),
        env: Some(vars),
        volume_mounts: Some(mounts),
        working_dir: Some(WORK_DIR.to_owned()),
        ..Container::default()
    };
    let limits = JobLimits {
        retries: 1,
        deadline_seconds: Some(JOB_DEADLINE_SECONDS),
    };
    tools_job(
        network,
        (&org.namespace, name, component),
        container,
        volumes,
        limits,
    )
}

/// What every script starts with: strict mode, the orderer to talk to, and `retry`.
fn preamble(network: &Network) -> String {
    let orderer = network
        .orderer_org
        .nodes
        .first()
        .map(|n| n.address())
        .unwrap_or_default();
    format!(
        "set -eu\n\
         orderer={orderer}\n\
         cafile={ARTIFACTS_DIR}/{ORDERER_TLS_CA}\n\
         channel={channel}\n\
         retry() {{\n\
         \x20 n=0\n\
         \x20 until \"$@\"; do\n\
         \x20   n=$((n + 1))\n\
         \x20   if [ \"$n\" -ge {TRIES} ]; then echo \"fabcheck: gave up after $n tries: $*\" >&2; return 1; fi\n\
         \x20   sleep 5\n\
         \x20 done\n\
         }}\n\
         fetch_genesis() {{ peer channel fetch 0 \"$channel.block\" -o \"$orderer\" -c \"$channel\" --tls --cafile \"$cafile\"; }}\n",
        channel = network.channel,
    )
}

fn peer_addresses(org: &Org) -> Vec<String> {
    org.nodes
        .iter()
        .map(|n| format!("{}:{}", n.host(), ports::PEER))
        .collect()
}

/// Create (first org) or wait for the channel, join every peer, update the anchors.
fn channel_script(network: &Network, org: &Org, first: bool) -> String {
    let mut s = preamble(network);
    if first {
        // Create, or find created: a create that reached the orderer but whose CLI then failed
        // (its block fetch timed out) leaves a channel every later create is refused for.
        let _ = writeln!(
            s,
            "create_or_fetch() {{ fetch_genesis || peer channel create -o \"$orderer\" -c \"$channel\" -f {ARTIFACTS_DIR}/{tx} --outputBlock \"$channel.block\" --tls --cafile \"$cafile\"; }}\n\
             retry create_or_fetch",
            tx = configtx::CHANNEL_TX
        );
    } else {
        s.push_str("retry fetch_genesis\n");
    }
    s.push_str("joined() { peer channel list | grep -qx \"$channel\"; }\n");
    let _ = writeln!(
        s,
        "for CORE_PEER_ADDRESS in {peers}; do\n\
         \x20 export CORE_PEER_ADDRESS\n\
         \x20 if joined; then echo \"$CORE_PEER_ADDRESS has joined $channel\"; else retry peer channel join -b \"$channel.block\"; fi\n\
         done",
        peers = peer_addresses(org).join(" ")
    );
    // An update already applied is refused with the read set's version (real 1.4.12 on a re-run:
    // "… /Channel/Application/Org1MSP be at version 0, but it is currently at version 1"): the
    // anchors are set, which is what this step is for.
    let _ = writeln!(
        s,
        "export CORE_PEER_ADDRESS={anchor}\n\
         update_anchors() {{\n\
         \x20 if out=$(peer channel update -o \"$orderer\" -c \"$channel\" -f {ARTIFACTS_DIR}/{anchors} --tls --cafile \"$cafile\" 2>&1); then echo \"$out\"; return 0; fi\n\
         \x20 echo \"$out\"\n\
         \x20 if echo \"$out\" | grep -q '/Channel/Application/{msp} be at version 0, but it is currently at version'; then echo \"fabcheck: the anchor peers of {msp} are set already\"; return 0; fi\n\
         \x20 return 1\n\
         }}\n\
         retry update_anchors",
        anchor = peer_addresses(org).first().cloned().unwrap_or_default(),
        anchors = configtx::anchors_file(org),
        msp = org.msp_id,
    );
    s
}

/// The query every org runs on each of its peers until the committed value is there.
fn query_until_committed(network: &Network, org: &Org) -> String {
    format!(
        "for CORE_PEER_ADDRESS in {peers}; do\n\
         \x20 export CORE_PEER_ADDRESS\n\
         \x20 committed() {{ peer chaincode query -C \"$channel\" -n {CHAINCODE_NAME} -c '{{\"Args\":[\"get\",\"{TEST_KEY}\"]}}' | grep -qx '{value}'; }}\n\
         \x20 retry committed\n\
         \x20 echo \"fabcheck: the test transaction has committed on $CORE_PEER_ADDRESS\"\n\
         done\n",
        peers = peer_addresses(org).join(" "),
        value = test_value(network),
    )
}

fn invoke_put(network: &Network, extra: &str) -> String {
    format!(
        "retry peer chaincode invoke -o \"$orderer\" --tls --cafile \"$cafile\" -C \"$channel\" -n {CHAINCODE_NAME}{extra} -c '{{\"Args\":[\"put\",\"{TEST_KEY}\",\"{value}\"]}}' --waitForEvent\n",
        value = test_value(network),
    )
}

/// Fabric 1.4: install on each peer, instantiate and invoke (first org), query every peer.
fn chaincode_script_14(network: &Network, org: &Org, first: bool) -> String {
    let mut s = preamble(network);
    let _ = writeln!(
        s,
        "installed() {{ peer chaincode list --installed | grep -q 'Name: {CHAINCODE_NAME}, Version: {CHAINCODE_VERSION},'; }}\n\
         for CORE_PEER_ADDRESS in {peers}; do\n\
         \x20 export CORE_PEER_ADDRESS\n\
         \x20 installed || retry peer chaincode install -n {CHAINCODE_NAME} -v {CHAINCODE_VERSION} -l golang -p {GO_PACKAGE}\n\
         done",
        peers = peer_addresses(org).join(" ")
    );
    if first {
        let policy = network
            .peer_orgs
            .iter()
            .map(|o| format!("'{}.peer'", o.msp_id))
            .collect::<Vec<_>>()
            .join(",");
        let _ = writeln!(
            s,
            "export CORE_PEER_ADDRESS={anchor}\n\
             instantiated() {{ peer chaincode list --instantiated -C \"$channel\" | grep -q 'Name: {CHAINCODE_NAME},'; }}\n\
             instantiate() {{ instantiated || {{ peer chaincode instantiate -o \"$orderer\" --tls --cafile \"$cafile\" -C \"$channel\" -n {CHAINCODE_NAME} -v {CHAINCODE_VERSION} -c '{{\"Args\":[\"init\"]}}' -P \"OR({policy})\" || true; instantiated; }}; }}\n\
             retry instantiate",
            anchor = peer_addresses(org).first().cloned().unwrap_or_default(),
        );
        s.push_str(&invoke_put(network, ""));
    }
    s.push_str(&query_until_committed(network, org));
    s
}

/// Fabric 2.5: the 2.x lifecycle with fabcheck's chaincode-as-a-service package.
fn chaincode_script_25(
    network: &Network,
    org: &Org,
    first: bool,
    package: &chaincode_package::Package,
) -> String {
    let mut s = preamble(network);
    let id = package.id();
    let definition = format!(
        "--channelID \"$channel\" --name {CHAINCODE_NAME} --version {CHAINCODE_VERSION} --sequence 1"
    );
    let _ = writeln!(
        s,
        "installed() {{ peer lifecycle chaincode queryinstalled | grep -q '{id}'; }}\n\
         for CORE_PEER_ADDRESS in {peers}; do\n\
         \x20 export CORE_PEER_ADDRESS\n\
         \x20 installed || retry peer lifecycle chaincode install {dir}/{file}\n\
         done\n\
         export CORE_PEER_ADDRESS={anchor}\n\
         committed_definition() {{ peer lifecycle chaincode querycommitted -C \"$channel\" -n {CHAINCODE_NAME} >/dev/null 2>&1; }}\n\
         approved() {{ peer lifecycle chaincode checkcommitreadiness {definition} --output json | grep -q '\"{msp}\": true'; }}\n\
         approve() {{ committed_definition || approved || {{ peer lifecycle chaincode approveformyorg -o \"$orderer\" --tls --cafile \"$cafile\" {definition} --package-id '{id}' || true; approved; }}; }}\n\
         retry approve",
        peers = peer_addresses(org).join(" "),
        anchor = peer_addresses(org).first().cloned().unwrap_or_default(),
        dir = chaincode_package::PACKAGE_DIR,
        file = chaincode_package::PACKAGE_FILE,
        msp = org.msp_id,
    );
    if first {
        let endorsers: String = network
            .peer_orgs
            .iter()
            .filter_map(|o| {
                o.nodes.first().map(|n| {
                    format!(
                        " --peerAddresses {}:{} --tlsRootCertFiles {ARTIFACTS_DIR}/{}",
                        n.host(),
                        ports::PEER,
                        tls_ca_file(o)
                    )
                })
            })
            .collect();
        let everyone = network
            .peer_orgs
            .iter()
            .map(|o| format!("grep -q '\"{}\": true' readiness.json", o.msp_id))
            .collect::<Vec<_>>()
            .join(" && ");
        let _ = writeln!(
            s,
            "ready_to_commit() {{ peer lifecycle chaincode checkcommitreadiness {definition} --output json > readiness.json && {everyone}; }}\n\
             commit() {{ committed_definition || {{ ready_to_commit && peer lifecycle chaincode commit -o \"$orderer\" --tls --cafile \"$cafile\" {definition}{endorsers} || true; committed_definition; }}; }}\n\
             retry commit"
        );
        s.push_str(&invoke_put(network, &endorsers));
    }
    s.push_str(&query_until_committed(network, org));
    s
}

/// The 1.4 test chaincode's source: a key-value store with `put KEY VALUE` and `get KEY`,
/// against the 1.4 shim the tools image carries in its GOPATH (`core/chaincode/shim`).
fn source_config_map(network: &Network, org: &Org) -> ConfigMap {
    ConfigMap {
        metadata: object_meta(
            network,
            CHAINCODE_SOURCE_CONFIGMAP,
            Some(&org.namespace),
            CHAINCODE_COMPONENT,
            None,
        ),
        data: Some(BTreeMap::from([("main.go".to_owned(), go_chaincode_14())])),
        ..ConfigMap::default()
    }
}

/// The 1.4 source: the 1.4 shim's import paths, the store, and `shim.Start`.
fn go_chaincode_14() -> String {
    format!(
        "// The fabcheck test chaincode: a key-value store. fabcheck writes one key and reads it back\n\
         // on every peer to prove a transaction committed there.\n\
         package main\n\n\
         import (\n\
         \t\"github.com/hyperledger/fabric/core/chaincode/shim\"\n\
         \tpb \"github.com/hyperledger/fabric/protos/peer\"\n\
         )\n\n\
         {GO_STORE}\n\
         func main() {{\n\
         \tif err := shim.Start(store{{}}); err != nil {{\n\
         \t\tpanic(err)\n\
         \t}}\n\
         }}\n"
    )
}

/// The chaincode itself, the same against the 1.4 shim and fabric-chaincode-go (whose `shim`
/// and `pb` keep 1.4's names): `put KEY VALUE` and `get KEY`.
pub const GO_STORE: &str = r#"type store struct{}

func (store) Init(stub shim.ChaincodeStubInterface) pb.Response {
	return shim.Success(nil)
}

func (store) Invoke(stub shim.ChaincodeStubInterface) pb.Response {
	fn, args := stub.GetFunctionAndParameters()
	switch {
	case fn == "put" && len(args) == 2:
		if err := stub.PutState(args[0], []byte(args[1])); err != nil {
			return shim.Error(err.Error())
		}
		return shim.Success(nil)
	case fn == "get" && len(args) == 1:
		value, err := stub.GetState(args[0])
		if err != nil {
			return shim.Error(err.Error())
		}
		return shim.Success(value)
	}
	return shim.Error("usage: put KEY VALUE | get KEY")
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_org_creates_and_instantiates() {
        let net = Network::reference();
        let first = channel_script(&net, &net.peer_orgs[0], true);
        let second = channel_script(&net, &net.peer_orgs[1], false);
        assert!(first.contains("peer channel create"), "{first}");
        assert!(first.contains("retry create_or_fetch"), "{first}");
        assert!(
            second.contains(
                "'/Channel/Application/Org2MSP be at version 0, but it is currently at version'"
            ),
            "a re-run's anchor update counts as done: {second}"
        );
        assert!(!second.contains("peer channel create"), "{second}");
        assert!(second.contains("retry fetch_genesis"), "{second}");
        assert!(
            second.contains("peer0.org2:7051 peer1.org2:7051"),
            "{second}"
        );
        assert!(second.contains("Org2MSPanchors.tx"), "{second}");
        let cc1 = chaincode_script_14(&net, &net.peer_orgs[0], true);
        let cc2 = chaincode_script_14(&net, &net.peer_orgs[1], false);
        assert!(cc1.contains("peer chaincode instantiate"), "{cc1}");
        assert!(cc1.contains("OR('Org1MSP.peer','Org2MSP.peer','Org3MSP.peer')"));
        assert!(!cc2.contains("instantiate -o"), "{cc2}");
        for script in [&cc1, &cc2] {
            assert!(
                script.contains("grep -qx 'committed-by-reference'"),
                "{script}"
            );
        }
    }

    /// A `peer` stand-in for the scripts: the channel exists once created, joins and lists
    /// work, and an anchor update is refused as an already-applied one (what the real 1.4.12
    /// orderer answered on a re-run). Every call is logged.
    const STUB_PEER: &str = r#"#!/bin/sh
echo "$*" >> "$STATE/calls"
case "$1 $2" in
  "channel fetch") [ -f "$STATE/created" ] || { echo "Error: can't read the block: &{NOT_FOUND}" >&2; exit 1; }; : > "$4" ;;
  "channel create") : > "$STATE/created"; : > mychannel.block ;;
  "channel list") cat "$STATE/joined-$CORE_PEER_ADDRESS" 2>/dev/null ;;
  "channel join") echo mychannel > "$STATE/joined-$CORE_PEER_ADDRESS" ;;
  "channel update") echo "Error: got unexpected status: BAD_REQUEST -- error applying config update to existing channel 'mychannel': error authorizing update: error validating ReadSet: proposed update requires that key [Group]  /Channel/Application/Org1MSP be at version 0, but it is currently at version 1" >&2; exit 1 ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
"#;

    #[test]
    fn the_channel_script_creates_joins_and_takes_a_done_anchor_update_as_done() {
        let net = Network::reference();
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::write(bin.join("peer"), STUB_PEER).unwrap();
        std::process::Command::new("chmod")
            .arg("755")
            .arg(bin.join("peer"))
            .status()
            .unwrap();
        let run = || {
            std::process::Command::new("sh")
                .arg("-c")
                .arg(channel_script(&net, &net.peer_orgs[0], true))
                .current_dir(dir.path())
                .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
                .env("STATE", dir.path())
                .output()
                .unwrap()
        };
        let out = run();
        let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
        assert!(
            out.status.success(),
            "{}\n{calls}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verbs: Vec<&str> = calls
            .lines()
            .map(|l| l.split_whitespace().take(2).last().unwrap_or_default())
            .collect();
        assert_eq!(
            verbs,
            ["fetch", "create", "list", "join", "list", "join", "update"],
            "{calls}"
        );
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains("anchor peers of Org1MSP are set already")
        );
        // A second run (the Job's retry pod) finds everything done and still succeeds.
        std::fs::remove_file(dir.path().join("calls")).unwrap();
        assert!(run().status.success());
        let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
        assert!(
            !calls.contains("create") && !calls.contains("join"),
            "{calls}"
        );
    }

    #[test]
    fn scripts_are_valid_sh() {
        let net = Network::reference();
        let mut v25 = crate::network::NetworkSpec {
            fabric: FabricVersion::V2_5,
            ..Default::default()
        }
        .resolve()
        .unwrap();
        v25.cluster_dns = net.cluster_dns;
        let package = chaincode_package::Package::build();
        let scripts = [
            channel_script(&net, &net.peer_orgs[0], true),
            channel_script(&net, &net.peer_orgs[2], false),
            chaincode_script_14(&net, &net.peer_orgs[0], true),
            chaincode_script_25(&v25, &v25.peer_orgs[0], true, &package),
            chaincode_script_25(&v25, &v25.peer_orgs[1], false, &package),
        ];
        for script in scripts {
            let out = std::process::Command::new("sh")
                .arg("-n")
                .arg("-c")
                .arg(&script)
                .output()
                .expect("sh runs");
            assert!(
                out.status.success(),
                "{script}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    #[test]
    fn the_expected_height_counts_what_the_deploy_commits() {
        let mut network = Network::reference();
        let orgs = network.peer_orgs.len() as u64;
        network.fabric = FabricVersion::V2_5;
        network.chaincode.test_chaincode = true;
        let h = &expected_heights(&network)[&network.channel];
        assert_eq!(h.minimum, 1 + orgs + 3, "{h:?}");
        assert_eq!(h.blocks[0], "genesis block");
        assert!(
            h.blocks
                .iter()
                .any(|b| b.contains("anchor peer update for"))
        );
        network.fabric = FabricVersion::V1_4;
        assert_eq!(
            expected_heights(&network)[&network.channel].minimum,
            1 + orgs + 2
        );
        network.chaincode.test_chaincode = false;
        assert_eq!(
            expected_heights(&network)[&network.channel].minimum,
            1 + orgs
        );
    }
}
