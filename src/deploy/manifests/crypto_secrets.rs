//! The network's PKI as Secrets, and back.
//!
//! Each node's files go into `<node>-crypto` in its namespace, which its pod mounts; the org
//! admin's identity into `<org>-admin`, which the channel and chaincode Jobs mount; the rest
//! of an org's public material and its other users into `<org>-org-crypto`, which nothing
//! mounts but which keeps the PKI in the cluster for the next run. A CA signing key that no
//! pod mounts (every TLS CA's, and the CA's of an org without a fabric-ca server) is not put
//! into the cluster at all: it would be a key anyone who can read Secrets could issue
//! identities with, for no workload's sake. It stays in the render folder (`render --out`) or
//! wherever `deploy --keep-pki` writes it. A data key cannot
//! hold `/` or `@`, so paths are encoded into keys (`msp/keystore/priv_sk` →
//! `msp_keystore_priv_sk`) and the [`CRYPTO_FILES_ANNOTATION`] maps each key to the file's
//! path under `crypto-config/`; the encoding need not be reversible, only unique per Secret.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::ManifestError;
use super::meta::{CRYPTO_COMPONENT, object_meta};
use crate::deploy::crypto::CryptoMaterial;
use crate::kube::Object;
use crate::network::{Network, Node, Org};

/// The annotation of a crypto Secret: a JSON object from data key to the file's path relative
/// to `crypto-config/`.
pub const CRYPTO_FILES_ANNOTATION: &str = "fabcheck.io/crypto-files";

/// Kubernetes' limit on a Secret or ConfigMap data key (a DNS subdomain's length).
const MAX_KEY_LEN: usize = 253;

/// One node's Secret and what it holds.
#[derive(Debug, Clone)]
struct NodeSecret {
    secret: Secret,
    mount: CryptoMount,
}

/// What a node's pod needs to mount its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoMount {
    pub secret: String,
    /// (data key, path relative to the node folder), in path order.
    pub entries: Vec<(String, String)>,
}

impl CryptoMount {
    /// The relative path of the first file `wanted` accepts (by its path under
    /// `crypto-config/`, as [`CryptoMaterial::is_private_key`] takes it).
    pub fn find(&self, node_dir: &str, wanted: impl Fn(&str) -> bool) -> Option<&str> {
        self.entries
            .iter()
            .map(|(_, rel)| rel.as_str())
            .find(|rel| wanted(&format!("{node_dir}/{rel}")))
    }

    pub fn contains(&self, rel: &str) -> bool {
        self.entries.iter().any(|(_, r)| r == rel)
    }
}

/// Every crypto Secret of a network.
#[derive(Debug, Clone)]
pub struct CryptoSecrets {
    /// By (namespace, node name), in node order.
    nodes: Vec<((String, String), NodeSecret)>,
    /// By org name: the admin identity's Secret and its mount (folder `users/Admin@<domain>`).
    admins: Vec<(String, CryptoMount)>,
    orgs: Vec<Secret>,
}

/// Whether a file of the PKI stays out of the cluster: a CA's signing key that no pod mounts.
pub fn stays_out_of_cluster(network: &Network, path: &str) -> bool {
    network.orgs().any(|org| {
        let dir = CryptoMaterial::org_dir(org);
        let Some(rel) = path.strip_prefix(&dir).and_then(|p| p.strip_prefix('/')) else {
            return false;
        };
        let key = CryptoMaterial::is_private_key(rel);
        key && (rel.starts_with("tlsca/") || (rel.starts_with("ca/") && org.ca.is_none()))
    })
}

/// `<org>-admin`.
pub fn admin_secret_name(org: &Org) -> String {
    format!("{}-admin", org.name)
}

impl CryptoSecrets {
    /// Node Secrets in node order, then org Secrets in org order.
    pub fn objects(&self) -> Vec<Object> {
        self.nodes
            .iter()
            .map(|(_, n)| Object::new(&n.secret))
            .chain(self.orgs.iter().map(Object::new))
            .collect()
    }

    /// The mount of an org admin's Secret (paths relative to `users/Admin@<domain>`).
    pub fn admin(&self, org: &Org) -> Result<CryptoMount, ManifestError> {
        self.admins
            .iter()
            .find(|(name, _)| *name == org.name)
            .map(|(_, m)| m.clone())
            .ok_or_else(|| ManifestError::MissingCrypto {
                node: org.name.clone(),
                path: format!("users/Admin@{}", org.domain),
            })
    }

    /// The mount of a node's Secret.
    pub fn mount(&self, node: &Node) -> Result<CryptoMount, ManifestError> {
        self.nodes
            .iter()
            .find(|((ns, name), _)| *ns == node.namespace && *name == node.name)
            .map(|(_, n)| n.mount.clone())
            .ok_or_else(|| ManifestError::MissingCrypto {
                node: node.host(),
                path: "(no files)".to_owned(),
            })
    }
}

/// The Secrets of every org and node that has crypto material (peers, orderers, CAs). Every
/// file of `crypto` lands in exactly one of them, or the build fails.
pub fn build(network: &Network, crypto: &CryptoMaterial) -> Result<CryptoSecrets, ManifestError> {
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    let mut nodes = Vec::new();
    for (org, node) in crypto_nodes(network) {
        let secret = node_secret(network, crypto, org, node, &mut claimed)?;
        nodes.push(((node.namespace.clone(), node.name.clone()), secret));
    }
    let mut orgs = Vec::new();
    let mut admins = Vec::new();
    let mut placed = claimed.clone();
    for org in network.orgs() {
        let dir = format!("{}/", CryptoMaterial::org_dir(org));
        let admin_dir = format!("{dir}users/Admin@{}/", org.domain);
        let rel = |path: &str, base: &str| path[base.len()..].to_owned();
        let mut admin_files: Vec<(String, String, &[u8])> = Vec::new();
        let mut org_files: Vec<(String, String, &[u8])> = Vec::new();
        for (path, bytes) in crypto.files.range(dir.clone()..) {
            if !path.starts_with(&dir) {
                break;
            }
            if claimed.contains(path) {
                continue;
            }
            placed.insert(path.clone());
            if stays_out_of_cluster(network, path) {
                continue;
            }
            if path.starts_with(&admin_dir) {
                admin_files.push((rel(path, &admin_dir), path.clone(), bytes.as_slice()));
            } else {
                org_files.push((rel(path, &dir), path.clone(), bytes.as_slice()));
            }
        }
        if !admin_files.is_empty() {
            let name = admin_secret_name(org);
            let meta = object_meta(network, &name, Some(&org.namespace), CRYPTO_COMPONENT, None);
            let (secret, keys) = secret(meta, &admin_files)?;
            let mut entries: Vec<(String, String)> = keys
                .into_iter()
                .zip(&admin_files)
                .map(|(key, (rel, _, _))| (key, rel.clone()))
                .collect();
            entries.sort_by(|a, b| a.1.cmp(&b.1));
            orgs.push(secret);
            admins.push((
                org.name.clone(),
                CryptoMount {
                    secret: name,
                    entries,
                },
            ));
        }
        let name = format!("{}-org-crypto", org.name);
        let meta = object_meta(network, &name, Some(&org.namespace), CRYPTO_COMPONENT, None);
        orgs.push(secret(meta, &org_files)?.0);
    }
    if let Some(path) = crypto.files.keys().find(|p| !placed.contains(*p)) {
        return Err(ManifestError::UnplacedCryptoFile { path: path.clone() });
    }
    Ok(CryptoSecrets {
        nodes,
        admins,
        orgs,
    })
}

/// Nodes that carry their own PKI: orderers, CAs and peers, with their org.
fn crypto_nodes(network: &Network) -> impl Iterator<Item = (&Org, &Node)> {
    let members = network
        .orgs()
        .flat_map(|o| o.nodes.iter().map(move |n| (o, n)));
    let cas = network.orgs().filter_map(|o| o.ca.as_ref().map(|n| (o, n)));
    members.chain(cas)
}

fn node_secret(
    network: &Network,
    crypto: &CryptoMaterial,
    org: &Org,
    node: &Node,
    claimed: &mut BTreeSet<String>,
) -> Result<NodeSecret, ManifestError> {
    let dir = CryptoMaterial::node_dir(org, node);
    let files = crypto.node_files(org, node);
    if files.is_empty() {
        return Err(ManifestError::MissingCrypto {
            node: node.host(),
            path: dir,
        });
    }
    let mut with_rel = Vec::new();
    for (rel, bytes) in files {
        let full = format!("{dir}/{rel}");
        // Only files of the material itself, so the Secrets rebuild it exactly.
        if crypto.files.get(&full).map(Vec::as_slice) != Some(bytes) {
            return Err(ManifestError::MissingCrypto {
                node: node.host(),
                path: full,
            });
        }
        claimed.insert(full.clone());
        with_rel.push((rel, full, bytes));
    }
    let name = format!("{}-crypto", node.name);
    let meta = object_meta(
        network,
        &name,
        Some(&node.namespace),
        CRYPTO_COMPONENT,
        Some(&node.name),
    );
    let (secret, keys) = secret(meta, &with_rel)?;
    let mut entries: Vec<(String, String)> = keys
        .into_iter()
        .zip(&with_rel)
        .map(|(key, (rel, _, _))| (key, rel.clone()))
        .collect();
    entries.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(NodeSecret {
        secret,
        mount: CryptoMount {
            secret: name,
            entries,
        },
    })
}

/// An Opaque Secret of `files` (path relative to the Secret's folder, path under
/// `crypto-config/`, bytes); hands back the data key of each file, in order.
fn secret(
    mut meta: ObjectMeta,
    files: &[(String, String, &[u8])],
) -> Result<(Secret, Vec<String>), ManifestError> {
    let object = format!(
        "Secret {}/{}",
        meta.namespace.as_deref().unwrap_or_default(),
        meta.name.as_deref().unwrap_or_default()
    );
    let keys = encode_keys(
        &object,
        files
            .iter()
            .map(|(rel, full, _)| (rel.as_str(), full.as_str())),
    )?;
    let annotation: BTreeMap<&str, &str> = keys
        .iter()
        .zip(files)
        .map(|(key, (_, full, _))| (key.as_str(), full.as_str()))
        .collect();
    meta.annotations = Some(BTreeMap::from([(
        CRYPTO_FILES_ANNOTATION.to_owned(),
        serde_json::to_string(&annotation).unwrap_or_default(),
    )]));
    let data = keys
        .iter()
        .zip(files)
        .map(|(key, (_, _, bytes))| (key.clone(), ByteString(bytes.to_vec())))
        .collect();
    let secret = Secret {
        metadata: meta,
        type_: Some("Opaque".to_owned()),
        data: Some(data),
        ..Secret::default()
    };
    Ok((secret, keys))
}

/// A data key for each file, from its `(relative path, identifying path)`: the relative path
/// with `/` as `_` and anything else a key may not hold as `-`. Keys must be unique within
/// the object. Returned in the order of `files`.
pub fn encode_keys<'a>(
    object: &str,
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<String>, ManifestError> {
    let mut by_key: BTreeMap<String, &str> = BTreeMap::new();
    let mut out = Vec::new();
    for (rel, id) in files {
        let fail = |reason: String| ManifestError::InvalidKey {
            object: object.to_owned(),
            path: id.to_owned(),
            reason,
        };
        let key = data_key(rel);
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(fail(format!(
                "a data key must have 1 to {MAX_KEY_LEN} characters, '{key}' has {}",
                key.len()
            )));
        }
        if key.starts_with("..") || key == "." {
            return Err(fail(format!(
                "a data key must not start with '..' ('{key}')"
            )));
        }
        if let Some(other) = by_key.insert(key.clone(), id) {
            return Err(fail(format!("{other} has the same key '{key}'")));
        }
        out.push(key);
    }
    Ok(out)
}

/// The characters a data key may hold are `[-._a-zA-Z0-9]`.
fn data_key(path: &str) -> String {
    path.chars()
        .map(|c| match c {
            '/' => '_',
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') => c,
            _ => '-',
        })
        .collect()
}

/// Rebuilds the PKI from the crypto Secrets of a deployed network (what [`super::build`]
/// made). Secrets without the annotation are not fabcheck's crypto Secrets and are skipped.
pub fn crypto_from_secrets(secrets: &[Secret]) -> Result<CryptoMaterial, ManifestError> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for s in secrets {
        let Some(annotation) = s
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(CRYPTO_FILES_ANNOTATION))
        else {
            continue;
        };
        let shown = format!(
            "{}/{}",
            s.metadata.namespace.as_deref().unwrap_or_default(),
            s.metadata.name.as_deref().unwrap_or_default()
        );
        let paths: BTreeMap<String, String> =
            serde_json::from_str(annotation).map_err(|e| ManifestError::Annotation {
                secret: shown.clone(),
                reason: format!("not a JSON object of strings: {e}"),
            })?;
        for (key, path) in paths {
            check_relative(&path).map_err(|reason| ManifestError::Annotation {
                secret: shown.clone(),
                reason,
            })?;
            let bytes = s.data.as_ref().and_then(|d| d.get(&key)).ok_or_else(|| {
                ManifestError::MissingSecretKey {
                    secret: shown.clone(),
                    key: key.clone(),
                    path: path.clone(),
                }
            })?;
            match files.get(&path) {
                Some(existing) if *existing != bytes.0 => {
                    return Err(ManifestError::ConflictingCopies {
                        secret: shown,
                        path,
                    });
                }
                Some(_) => {}
                None => {
                    files.insert(path, bytes.0.clone());
                }
            }
        }
    }
    Ok(CryptoMaterial { files })
}

/// A path read from the cluster is written under `crypto-config/` later: it must stay there.
fn check_relative(path: &str) -> Result<(), String> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..");
    if bad {
        Err(format!(
            "'{path}' is not a relative path inside crypto-config/"
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_valid_and_unique() {
        let keys = encode_keys(
            "Secret a/b",
            [
                ("msp/keystore/priv_sk", "x/msp/keystore/priv_sk"),
                ("users/Admin@org1/msp/signcerts/Admin@org1-cert.pem", "y"),
            ],
        )
        .unwrap();
        assert_eq!(keys[0], "msp_keystore_priv_sk");
        assert_eq!(
            keys[1],
            "users_Admin-org1_msp_signcerts_Admin-org1-cert.pem"
        );
        let err = encode_keys("Secret a/b", [("a/b", "1"), ("a_b", "2")]).unwrap_err();
        assert!(err.to_string().contains("same key 'a_b'"), "{err}");
        assert!(encode_keys("Secret a/b", [("../x", "1")]).is_err());
        assert!(encode_keys("Secret a/b", [(&*"a".repeat(254), "1")]).is_err());
    }

    #[test]
    fn secrets_from_elsewhere_are_refused_or_skipped() {
        let secret = |annotation: Option<&str>, data: &[(&str, &[u8])]| Secret {
            metadata: ObjectMeta {
                name: Some("s".into()),
                namespace: Some("n".into()),
                annotations: annotation
                    .map(|a| BTreeMap::from([(CRYPTO_FILES_ANNOTATION.to_owned(), a.to_owned())])),
                ..ObjectMeta::default()
            },
            data: Some(
                data.iter()
                    .map(|(k, v)| ((*k).to_owned(), ByteString(v.to_vec())))
                    .collect(),
            ),
            ..Secret::default()
        };
        let empty = crypto_from_secrets(&[secret(None, &[("token", b"t")])]).unwrap();
        assert!(empty.files.is_empty());
        for bad in [r#"{"k":"../etc/passwd"}"#, r#"{"k":"/abs"}"#, "[1]"] {
            let err = crypto_from_secrets(&[secret(Some(bad), &[("k", b"x")])]).unwrap_err();
            assert!(
                matches!(err, ManifestError::Annotation { .. }),
                "{bad}: {err}"
            );
        }
        let err = crypto_from_secrets(&[secret(Some(r#"{"k":"a/b"}"#), &[])]).unwrap_err();
        assert!(
            err.to_string().contains("key k is not in the data"),
            "{err}"
        );
        let a = secret(Some(r#"{"k":"a/b"}"#), &[("k", b"1")]);
        let b = secret(Some(r#"{"j":"a/b"}"#), &[("j", b"2")]);
        assert!(matches!(
            crypto_from_secrets(&[a.clone(), b]).unwrap_err(),
            ManifestError::ConflictingCopies { .. }
        ));
        assert_eq!(crypto_from_secrets(&[a.clone(), a]).unwrap().files.len(), 1);
    }
}
