//! The genesis Job: configtxgen in the cluster, and its block published as a ConfigMap.
//!
//! No volume is shared between the Job and the orderers (that would need read-write-many
//! storage): the inputs arrive in the ConfigMap [`CHANNEL_CONFIGMAP`], the init container
//! `configtxgen` writes the block and channel artifacts into an emptyDir, and the container
//! `publish` turns that folder into the ConfigMap [`super::GENESIS_CONFIGMAP`] with a
//! server-side apply under its own field manager, so a re-run's Job updates the ConfigMap in
//! place rather than fighting over it. Its ServiceAccount may create ConfigMaps in the orderer
//! namespace and read or change only that one.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, KeyToPath, PodSpec, PodTemplateSpec,
    ServiceAccount, Volume,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::crypto_secrets::encode_keys;
use super::meta::{GENESIS_COMPONENT, empty_dir, env, labels, mount, object_meta};
use super::{GENESIS_CONFIGMAP, ManifestError};
use crate::deploy::Object;
use crate::deploy::configtx;
use crate::deploy::crypto::CryptoMaterial;
use crate::network::{COMPONENT_LABEL, MANAGED_BY_LABEL, NETWORK_LABEL, Network};

/// The ConfigMap of configtxgen's inputs (configtx.yaml and the public MSPs it reads).
pub const CHANNEL_CONFIGMAP: &str = "fabcheck-channel-config";
/// The Job, its ServiceAccount, Role and RoleBinding, and the field manager it applies with.
pub const GENESIS_JOB: &str = "fabcheck-genesis";
/// The annotation of [`CHANNEL_CONFIGMAP`]: data key → path relative to the config folder.
pub const CONFIG_FILES_ANNOTATION: &str = "fabcheck.io/config-files";

const CONFIG_DIR: &str = "/config";
const OUT_DIR: &str = "/out";
const WORK_DIR: &str = "/work";

/// The genesis objects, by the phase they belong to.
pub struct Genesis {
    /// ServiceAccount, Role, RoleBinding (config phase).
    pub access: Vec<Object>,
    /// The inputs ConfigMap (config phase).
    pub channel_config: Object,
    /// The Job (genesis phase).
    pub job: Object,
}

pub fn build(network: &Network, crypto: &CryptoMaterial) -> Result<Genesis, ManifestError> {
    let ns = network.orderer_org.namespace.as_str();
    let (config_map, items) = channel_config(network, crypto)?;
    Ok(Genesis {
        access: vec![
            Object::new(&ServiceAccount {
                metadata: meta(network, GENESIS_JOB, ns),
                ..ServiceAccount::default()
            }),
            Object::new(&role(network, ns)),
            Object::new(&role_binding(network, ns)),
        ],
        channel_config: Object::new(&config_map),
        job: Object::new(&job(network, ns, items)),
    })
}

fn meta(network: &Network, name: &str, ns: &str) -> ObjectMeta {
    object_meta(network, name, Some(ns), GENESIS_COMPONENT, None)
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

/// What the publishing container may do: create ConfigMaps (Kubernetes cannot restrict
/// create by name), and read and patch only the genesis one (server-side apply is a patch).
fn role(network: &Network, ns: &str) -> Role {
    let rule = |verbs: &[&str], names: Option<Vec<String>>| PolicyRule {
        api_groups: Some(vec![String::new()]),
        resources: Some(vec!["configmaps".to_owned()]),
        verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
        resource_names: names,
        ..PolicyRule::default()
    };
    Role {
        metadata: meta(network, GENESIS_JOB, ns),
        rules: Some(vec![
            rule(&["create"], None),
            rule(&["get", "patch"], Some(vec![GENESIS_CONFIGMAP.to_owned()])),
        ]),
    }
}

fn role_binding(network: &Network, ns: &str) -> RoleBinding {
    RoleBinding {
        metadata: meta(network, GENESIS_JOB, ns),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: "Role".to_owned(),
            name: GENESIS_JOB.to_owned(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_owned(),
            name: GENESIS_JOB.to_owned(),
            namespace: Some(ns.to_owned()),
            ..Subject::default()
        }]),
    }
}

fn job(network: &Network, ns: &str, items: Vec<KeyToPath>) -> Job {
    let configtxgen = Container {
        name: "configtxgen".to_owned(),
        image: Some(network.images.tools.clone()),
        command: Some(vec![
            "sh".to_owned(),
            "-c".to_owned(),
            configtx::job_script(network, OUT_DIR),
        ]),
        env: Some(env(vec![("FABRIC_CFG_PATH", CONFIG_DIR.to_owned())])),
        volume_mounts: Some(vec![mount("config", CONFIG_DIR), mount("out", OUT_DIR)]),
        ..Container::default()
    };
    let publish = Container {
        name: "publish".to_owned(),
        image: Some(network.images.kubectl.clone()),
        command: Some(vec![
            "sh".to_owned(),
            "-c".to_owned(),
            publish_script(network, ns),
        ]),
        volume_mounts: Some(vec![mount("out", OUT_DIR), mount("work", WORK_DIR)]),
        ..Container::default()
    };
    Job {
        metadata: meta(network, GENESIS_JOB, ns),
        spec: Some(JobSpec {
            backoff_limit: Some(2),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(network, GENESIS_COMPONENT, None)),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".to_owned()),
                    service_account_name: Some(GENESIS_JOB.to_owned()),
                    enable_service_links: Some(false),
                    init_containers: Some(vec![configtxgen]),
                    containers: vec![publish],
                    volumes: Some(vec![
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
                        empty_dir("work"),
                    ]),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        ..Job::default()
    }
}

/// Publishes `/out` as the genesis ConfigMap with the network's labels. Steps go through
/// files rather than a pipe: POSIX `sh` has no pipefail, and a failed first step must fail
/// the Job rather than apply nothing.
fn publish_script(network: &Network, ns: &str) -> String {
    let labels = [
        (NETWORK_LABEL, network.name.as_str()),
        (COMPONENT_LABEL, GENESIS_COMPONENT),
        (MANAGED_BY_LABEL, "fabcheck"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={v}"))
    .collect::<Vec<_>>()
    .join(" ");
    format!(
        "set -eu\n\
         kubectl create configmap {GENESIS_CONFIGMAP} --namespace={ns} --from-file={OUT_DIR} --dry-run=client -o yaml > {WORK_DIR}/configmap.yaml\n\
         kubectl label --local -f {WORK_DIR}/configmap.yaml {labels} -o yaml > {WORK_DIR}/labelled.yaml\n\
         kubectl apply --server-side --field-manager={GENESIS_JOB} -f {WORK_DIR}/labelled.yaml\n"
    )
}
