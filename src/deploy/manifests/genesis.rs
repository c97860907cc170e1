//! The genesis Job: configtxgen in the cluster, its output handed back through its log.
//!
//! No volume is shared between the Job and the orderers (that would need read-write-many
//! storage), and the Job gets no API credentials: the inputs arrive in the ConfigMap
//! [`CHANNEL_CONFIGMAP`], configtxgen writes the block and channel artifacts into an emptyDir,
//! and the same container prints them, framed and checksummed, to its log
//! ([`crate::deploy::handback`]). fabcheck reads that log and creates the ConfigMap
//! [`super::GENESIS_CONFIGMAP`] itself, create-only and immutable: configtxgen stamps every
//! block with the time and a nonce, so a second run makes a different block, and an orderer
//! restarting on an empty ledger from a different block would bootstrap a fork.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, ConfigMapVolumeSource, Container, KeyToPath, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::crypto_secrets::encode_keys;
use super::meta::{GENESIS_COMPONENT, JobLimits, empty_dir, env, mount, object_meta, tools_job};
use super::{GENESIS_CONFIGMAP, ManifestError};
use crate::deploy::configtx;
use crate::deploy::crypto::CryptoMaterial;
use crate::deploy::handback;
use crate::kube::Object;
use crate::network::Network;

/// The ConfigMap of configtxgen's inputs (configtx.yaml and the public MSPs it reads).
pub const CHANNEL_CONFIGMAP: &str = "fabcheck-channel-config";
/// The Job, and the container whose log hands the files back.
pub const GENESIS_JOB: &str = "fabcheck-genesis";
/// The annotation of [`CHANNEL_CONFIGMAP`]: data key → path relative to the config folder.
pub const CONFIG_FILES_ANNOTATION: &str = "fabcheck.io/config-files";
/// The genesis block's key in [`GENESIS_CONFIGMAP`].
pub const GENESIS_BLOCK: &str = "genesis.block";

const CONFIG_DIR: &str = "/config";
const OUT_DIR: &str = "/out";

/// The genesis objects, by the phase they belong to.
pub struct Genesis {
    /// The inputs ConfigMap (config phase).
    pub channel_config: Object,
    /// The Job (genesis phase).
    pub job: Object,
}

pub fn build(network: &Network, crypto: &CryptoMaterial) -> Result<Genesis, ManifestError> {
    let ns = network.orderer_org.namespace.as_str();
    let (config_map, items) = channel_config(network, crypto)?;
    Ok(Genesis {
        channel_config: Object::new(&config_map),
        job: Object::new(&job(network, ns, items)),
    })
}

fn meta(network: &Network, name: &str, ns: &str) -> ObjectMeta {
    object_meta(network, name, Some(ns), GENESIS_COMPONENT, None)
}

/// The immutable ConfigMap of the genesis Job's handed-back files: the block orderers mount
/// ([`GENESIS_BLOCK`]), the channel creation transaction and the anchor peer updates.
pub fn genesis_config_map(network: &Network, files: BTreeMap<String, Vec<u8>>) -> ConfigMap {
    ConfigMap {
        metadata: meta(network, GENESIS_CONFIGMAP, &network.orderer_org.namespace),
        binary_data: Some(
            files
                .into_iter()
                .map(|(name, bytes)| (name, k8s_openapi::ByteString(bytes)))
                .collect(),
        ),
        immutable: Some(true),
        ..ConfigMap::default()
    }
}

/// The inputs ConfigMap and the items that lay its keys out as files under `/config`. Text
/// files go into `data`, anything else into `binaryData`; a private key is refused.
fn channel_config(
    network: &Network,
    crypto: &CryptoMaterial,
) -> Result<(ConfigMap, Vec<KeyToPath>), ManifestError> {
    let ns = &network.orderer_org.namespace;
    let object = format!("ConfigMap {ns}/{CHANNEL_CONFIGMAP}");
    let inputs = configtx::job_inputs(network, crypto);
    for (path, bytes) in &inputs {
        let key_text = bytes.windows(11).any(|w| w == b"PRIVATE KEY");
        if CryptoMaterial::is_private_key(path) || key_text {
            return Err(ManifestError::PrivateKeyInConfigMap {
                object,
                path: path.clone(),
            });
        }
    }
    let keys = encode_keys(
        &object,
        inputs.iter().map(|(p, _)| (p.as_str(), p.as_str())),
    )?;
    // By path, so the annotation and the items read like the folder they make.
    let mut files: Vec<(&String, String, &Vec<u8>)> = inputs
        .iter()
        .zip(keys)
        .map(|((path, bytes), key)| (path, key, bytes))
        .collect();
    files.sort();
    let mut data = BTreeMap::new();
    let mut binary = BTreeMap::new();
    for (_, key, bytes) in &files {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => {
                data.insert(key.clone(), text);
            }
            Err(e) => {
                binary.insert(key.clone(), k8s_openapi::ByteString(e.into_bytes()));
            }
        }
    }
    let annotation: BTreeMap<&str, &str> = files
        .iter()
        .map(|(path, key, _)| (key.as_str(), path.as_str()))
        .collect();
    let mut metadata = meta(network, CHANNEL_CONFIGMAP, ns);
    metadata.annotations = Some(BTreeMap::from([(
        CONFIG_FILES_ANNOTATION.to_owned(),
        serde_json::to_string(&annotation).unwrap_or_default(),
    )]));
    let items = files
        .iter()
        .map(|(path, key, _)| KeyToPath {
            key: key.clone(),
            path: (*path).clone(),
            ..KeyToPath::default()
        })
        .collect();
    let config_map = ConfigMap {
        metadata,
        data: (!data.is_empty()).then_some(data),
        binary_data: (!binary.is_empty()).then_some(binary),
        ..ConfigMap::default()
    };
    Ok((config_map, items))
}

fn job(network: &Network, ns: &str, items: Vec<KeyToPath>) -> Job {
    let script = format!(
        "{}{}",
        configtx::job_script(network, OUT_DIR),
        handback::print_script(OUT_DIR)
    );
    let configtxgen = Container {
        name: GENESIS_JOB.to_owned(),
        image: Some(network.images.tools.clone()),
        command: Some(vec!["sh".to_owned(), "-c".to_owned(), script]),
        env: Some(env(vec![("FABRIC_CFG_PATH", CONFIG_DIR.to_owned())])),
        volume_mounts: Some(vec![mount("config", CONFIG_DIR), mount("out", OUT_DIR)]),
        ..Container::default()
    };
    let volumes = vec![
        Volume {
            name: "config".to_owned(),
            config_map: Some(ConfigMapVolumeSource {
                name: CHANNEL_CONFIGMAP.to_owned(),
                items: Some(items),
                ..ConfigMapVolumeSource::default()
            }),
            ..Volume::default()
        },
        empty_dir("out"),
    ];
    let limits = JobLimits {
        retries: 2,
        deadline_seconds: None,
    };
    tools_job(
        network,
        (ns, GENESIS_JOB, GENESIS_COMPONENT),
        configtxgen,
        volumes,
        limits,
    )
}
