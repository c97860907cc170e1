//! The files a pod sees: Secret and ConfigMap volumes laid out again from the objects.
//!
//! A cluster keeps a node's MSP and TLS folders flattened into Secret keys; the folders exist
//! only inside the pod, where the kubelet writes each volume's keys under its `mountPath`
//! (`items` map a key to a path; without them every key becomes a file named after it). Read
//! from the API or from manifests, the objects therefore show no MSP folder at all, and the
//! checks that judge folders (X509-007 pairs, X509-008 completeness) have nothing to look at.
//! [`lay_out`] does what the kubelet does, from the objects alone: for each workload's pod
//! template, every file its containers see from Secret, ConfigMap and projected volumes, at
//! the path they see it. Nothing is written anywhere; the artifact gatherer reads the files
//! where they are ([`virtual_path`]), so a cluster and the manifests it was deployed from give
//! the same verdicts.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::layout::NodeKind;
use super::secrets::{EmbeddedValue, ObjectRef};

/// Where a workload's pod mounts Secrets and ConfigMaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodMounts {
    pub workload: ObjectRef,
    /// The manifest the workload was read from, as shown in findings.
    pub file: String,
    volumes: Vec<Volume>,
    mounts: Vec<Mount>,
    /// MSP folders the containers' environment points the node at (`CORE_PEER_MSPCONFIGPATH`,
    /// `ORDERER_GENERAL_LOCALMSPDIR`): the node's own, signing, MSP.
    pub local_msps: Vec<(String, NodeKind)>,
    /// Folders whose subfolder holds a file the containers' TLS settings name
    /// (`CORE_PEER_TLS_CERT_FILE=/etc/peer/tls/signcerts/cert.pem` names `/etc/peer/tls`), with
    /// the setting: a fabric-ca TLS enrollment mounted as the node's TLS material.
    pub tls_dirs: Vec<(String, &'static str)>,
}

/// A node's TLS settings that name files (`ORDERER_GENERAL_TLS_ROOTCAS` a list of them).
const TLS_FILE_SETTINGS: &[&str] = &[
    "CORE_PEER_TLS_CERT_FILE",
    "CORE_PEER_TLS_KEY_FILE",
    "CORE_PEER_TLS_ROOTCERT_FILE",
    "ORDERER_GENERAL_TLS_CERTIFICATE",
    "ORDERER_GENERAL_TLS_PRIVATEKEY",
    "ORDERER_GENERAL_TLS_ROOTCAS",
];

/// The MSP-shaped folder a TLS setting's file lies in: `/a/tls` for `/a/tls/signcerts/cert.pem`.
fn tls_dir_of(file: &str) -> Option<String> {
    let file = absolute(file)?;
    let (folder, _) = file.rsplit_once('/')?;
    let (dir, sub) = folder.rsplit_once('/')?;
    let msp_subdir = super::layout::MSP_SUBDIRS.iter().any(|(n, _)| *n == sub);
    (msp_subdir && !dir.is_empty()).then(|| dir.to_owned())
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Volume {
    name: String,
    sources: Vec<Source>,
}

/// A Secret or ConfigMap a volume shows (one, or several for a projected volume).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Source {
    /// `Secret` or `ConfigMap`.
    kind: &'static str,
    name: String,
    /// `items`: (key, path under the mount); `None` shows every key as a file of its name.
    items: Option<Vec<(String, String)>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Mount {
    volume: String,
    /// Absolute and normalised: `/var/hyperledger/peer/msp`.
    path: String,
    /// `subPath`, normalised: the mount shows only this file or folder of the volume.
    sub_path: Option<String>,
}

/// One file a pod sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountedFile {
    pub workload: ObjectRef,
    /// The workload's manifest, as shown.
    pub file: String,
    /// Absolute path inside the pod: `/var/hyperledger/peer/msp/signcerts/cert.pem`.
    pub path: String,
    /// Index of the value it holds in the slice given to [`lay_out`].
    pub value: usize,
}

/// Where a pod's file is shown: inside the workload's manifest, at the path the pod sees it
/// (`peer.yaml#StatefulSet org1/peer0:/var/hyperledger/peer/msp/signcerts/cert.pem`). The folders
/// after the colon are the pod's, so the layout of a Fabric tree reads from them as from disk.
pub fn virtual_path(file: &str, workload: &ObjectRef, pod_path: &str) -> String {
    format!("{file}#{workload}:{pod_path}")
}

/// The Secret and ConfigMap mounts of a workload's pod template (Pod, Deployment, StatefulSet,
/// DaemonSet, ReplicaSet, ReplicationController, Job, CronJob); `None` when it mounts none.
pub fn pod_mounts(file: &str, workload: ObjectRef, doc: &Value) -> Option<PodMounts> {
    let spec = match workload.kind.as_str() {
        "Pod" => doc.get("spec"),
        "CronJob" => doc.pointer("/spec/jobTemplate/spec/template/spec"),
        _ => doc.pointer("/spec/template/spec"),
    }?;
    let volumes: Vec<Volume> = spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(volume)
        .collect();
    if volumes.is_empty() {
        return None;
    }
    let mut mounts = Vec::new();
    let mut local_msps = Vec::new();
    let mut tls_dirs = Vec::new();
    let containers = ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec.get(k).and_then(Value::as_array))
        .flatten();
    for c in containers {
        for m in c
            .get("volumeMounts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(volume), Some(path)) = (
                m.get("name").and_then(Value::as_str),
                m.get("mountPath")
                    .and_then(Value::as_str)
                    .and_then(absolute),
            ) else {
                continue;
            };
            if !volumes.iter().any(|v| v.name == volume) {
                continue;
            }
            let sub_path = m
                .get("subPath")
                .and_then(Value::as_str)
                .and_then(relative)
                .filter(|s| !s.is_empty());
            mounts.push(Mount {
                volume: volume.to_owned(),
                path,
                sub_path,
            });
        }
        for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
            let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
            if let Some(setting) = TLS_FILE_SETTINGS.iter().find(|s| **s == name) {
                let value = e.get("value").and_then(Value::as_str).unwrap_or_default();
                // viper reads a list as `[a, b]` or `a,b`.
                for file in value.trim_matches(|c| c == '[' || c == ']').split(',') {
                    if let Some(dir) = tls_dir_of(file.trim()) {
                        tls_dirs.push((dir, *setting));
                    }
                }
                continue;
            }
            let kind = match e.get("name").and_then(Value::as_str) {
                Some("CORE_PEER_MSPCONFIGPATH") => NodeKind::Peer,
                Some("ORDERER_GENERAL_LOCALMSPDIR") => NodeKind::Orderer,
                _ => continue,
            };
            if let Some(path) = e.get("value").and_then(Value::as_str).and_then(absolute) {
                local_msps.push((path, kind));
            }
        }
    }
    if mounts.is_empty() {
        return None;
    }
    Some(PodMounts {
        workload,
        file: file.to_owned(),
        volumes,
        mounts,
        local_msps,
        tls_dirs,
    })
}

fn volume(v: &Value) -> Option<Volume> {
    let name = v.get("name")?.as_str()?.to_owned();
    let mut sources = Vec::new();
    sources.extend(source(v.get("secret"), "Secret", "secretName"));
    sources.extend(source(v.get("configMap"), "ConfigMap", "name"));
    for p in v
        .pointer("/projected/sources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        sources.extend(source(p.get("secret"), "Secret", "name"));
        sources.extend(source(p.get("configMap"), "ConfigMap", "name"));
    }
    (!sources.is_empty()).then_some(Volume { name, sources })
}

fn source(v: Option<&Value>, kind: &'static str, name_key: &str) -> Option<Source> {
    let v = v?;
    let name = v.get(name_key)?.as_str()?.to_owned();
    let items = v.get("items").and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(|i| {
                let key = i.get("key")?.as_str()?;
                let path = relative(i.get("path")?.as_str()?)?;
                Some((key.to_owned(), path))
            })
            .collect()
    });
    Some(Source { kind, name, items })
}

/// `path` as `/a/b` (no empty or `.` parts), or `None` when it is not absolute or climbs out
/// with `..` (the API server refuses both).
fn absolute(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    relative(path).map(|r| format!("/{r}"))
}

/// `path` as `a/b`, or `None` when it has a `..` part.
fn relative(path: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn join(dir: &str, rest: &str) -> String {
    match (dir, rest) {
        (d, "") => d.to_owned(),
        ("/", r) => format!("/{r}"),
        (d, r) => format!("{d}/{r}"),
    }
}

/// How many leading folders two shown paths share.
fn shared_folders(a: &str, b: &str) -> usize {
    fn dirs(p: &str) -> Vec<&str> {
        let mut parts: Vec<&str> = p.split('/').collect();
        parts.pop();
        parts
    }
    dirs(a)
        .iter()
        .zip(dirs(b))
        .take_while(|(x, y)| **x == *y)
        .count()
}

/// Every file the pods of `pods` see from the Secrets and ConfigMaps among `values`, one per
/// (workload, path), in the order of `pods` then path.
///
/// A volume names its object by namespace and name only. When several manifests hold an object
/// of that name (two copies of a network side by side), the one nearest the workload's own
/// manifest is the one it mounts: the same file first, then the most folders in common.
/// Objects not among `values` (not listed, or created by a script) show no files.
pub fn lay_out(pods: &[PodMounts], values: &[EmbeddedValue]) -> Vec<MountedFile> {
    // Object → (file, document) → key → value index; a later value of a key wins (stringData
    // over data).
    type Copies = BTreeMap<(String, usize), BTreeMap<String, usize>>;
    let mut objects: HashMap<&ObjectRef, Copies> = HashMap::new();
    for (i, v) in values.iter().enumerate() {
        objects
            .entry(&v.object)
            .or_default()
            .entry((v.origin.path.clone(), v.document))
            .or_default()
            .insert(v.key.clone(), i);
    }
    let mut out = Vec::new();
    for pod in pods {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for mount in &pod.mounts {
            let Some(volume) = pod.volumes.iter().find(|v| v.name == mount.volume) else {
                continue;
            };
            for src in &volume.sources {
                let wanted = ObjectRef {
                    kind: src.kind.to_owned(),
                    namespace: pod.workload.namespace.clone(),
                    name: src.name.clone(),
                };
                let Some(copies) = objects.get(&wanted) else {
                    continue;
                };
                let Some(keys) = copies
                    .iter()
                    .max_by_key(|((file, document), _)| {
                        (
                            *file == pod.file,
                            shared_folders(file, &pod.file),
                            std::cmp::Reverse((file.clone(), *document)),
                        )
                    })
                    .map(|(_, keys)| keys)
                else {
                    continue;
                };
                let files: Vec<(String, usize)> = match &src.items {
                    Some(items) => items
                        .iter()
                        .filter_map(|(key, path)| Some((path.clone(), *keys.get(key)?)))
                        .collect(),
                    None => keys.iter().map(|(k, &i)| (k.clone(), i)).collect(),
                };
                for (rel, value) in files {
                    let shown = match &mount.sub_path {
                        None => rel,
                        Some(sub) if rel == *sub => String::new(),
                        Some(sub) => match rel.strip_prefix(&format!("{sub}/")) {
                            Some(rest) => rest.to_owned(),
                            None => continue,
                        },
                    };
                    // Two containers mounting one volume at one path see one file.
                    seen.entry(join(&mount.path, &shown)).or_insert(value);
                }
            }
        }
        out.extend(seen.into_iter().map(|(path, value)| MountedFile {
            workload: pod.workload.clone(),
            file: pod.file.clone(),
            path,
            value,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::secrets::read_objects;
    use super::*;

    fn laid_out(files: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut pods = Vec::new();
        let mut values = Vec::new();
        for (path, text) in files {
            let objects = read_objects(path, text);
            pods.extend(objects.pods);
            values.extend(objects.values);
        }
        lay_out(&pods, &values)
            .into_iter()
            .map(|m| {
                (
                    virtual_path(&m.file, &m.workload, &m.path),
                    String::from_utf8_lossy(&values[m.value].bytes).into_owned(),
                )
            })
            .collect()
    }

    /// fabcheck's own shape: one Secret per node with path-encoded keys, mounted with `items`
    /// per top-level folder under the node's root.
    const PEER: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: peer0, namespace: org1}
spec:
  template:
    spec:
      containers:
      - name: peer
        image: hyperledger/fabric-peer:1.4
        env:
        - {name: CORE_PEER_MSPCONFIGPATH, value: /var/hyperledger/peer/msp}
        volumeMounts:
        - {name: crypto-msp, mountPath: /var/hyperledger/peer/msp, readOnly: true}
        - {name: crypto-tls, mountPath: /var/hyperledger/peer/tls/}
        - {name: data, mountPath: /var/hyperledger/production}
      volumes:
      - name: crypto-msp
        secret:
          secretName: peer0-crypto
          items:
          - {key: msp_signcerts_peer0-cert.pem, path: signcerts/peer0-cert.pem}
          - {key: msp_keystore_priv_sk, path: keystore/priv_sk}
      - name: crypto-tls
        secret:
          secretName: peer0-crypto
          items:
          - {key: tls_server.crt, path: server.crt}
      - {name: data, emptyDir: {}}
";
    const SECRET: &str = "apiVersion: v1
kind: Secret
metadata: {name: peer0-crypto, namespace: org1}
data:
  msp_signcerts_peer0-cert.pem: Y2VydA==
  msp_keystore_priv_sk: a2V5
  tls_server.crt: dGxz
  tls_unmounted.key: eA==
";

    #[test]
    fn items_place_keys_at_their_paths_under_each_mount() {
        let got = laid_out(&[("m/peer.yaml", PEER), ("m/secret.yaml", SECRET)]);
        let at = "m/peer.yaml#StatefulSet org1/peer0:";
        assert_eq!(
            got,
            vec![
                (
                    format!("{at}/var/hyperledger/peer/msp/keystore/priv_sk"),
                    "key".into()
                ),
                (
                    format!("{at}/var/hyperledger/peer/msp/signcerts/peer0-cert.pem"),
                    "cert".into()
                ),
                (
                    format!("{at}/var/hyperledger/peer/tls/server.crt"),
                    "tls".into()
                ),
            ],
            "keys without an item are not shown; the trailing slash is normalised"
        );
        let pods = read_objects("m/peer.yaml", PEER).pods;
        assert_eq!(
            pods[0].local_msps,
            vec![("/var/hyperledger/peer/msp".to_owned(), NodeKind::Peer)]
        );
    }

    #[test]
    fn without_items_every_key_is_a_file_and_string_data_wins() {
        let pod = "kind: Pod
metadata: {name: tools}
spec:
  containers:
  - name: c
    volumeMounts: [{name: cfg, mountPath: /etc/cfg}, {name: both, mountPath: /p}]
  volumes:
  - {name: cfg, configMap: {name: settings}}
  - name: both
    projected:
      sources:
      - secret: {name: creds}
      - configMap: {name: settings, items: [{key: a.yaml, path: sub/a.yaml}]}
---
kind: ConfigMap
metadata: {name: settings}
data: {a.yaml: 'x: 1'}
binaryData: {b.bin: AAE=}
---
kind: Secret
metadata: {name: creds}
data: {user: b2xk}
stringData: {user: new}
";
        let got = laid_out(&[("pod.yaml", pod)]);
        let paths: Vec<&str> = got
            .iter()
            .map(|(p, _)| p.split_once(':').unwrap().1)
            .collect();
        assert_eq!(
            paths,
            [
                "/etc/cfg/a.yaml",
                "/etc/cfg/b.bin",
                "/p/sub/a.yaml",
                "/p/user"
            ]
        );
        assert_eq!(
            got[3].1, "new",
            "stringData wins over data, as the API server merges"
        );
        assert!(got[0].0.starts_with("pod.yaml#Pod default/tools:"));
    }

    #[test]
    fn sub_path_shows_one_file_or_folder() {
        let pod = "kind: Deployment
metadata: {name: ca, namespace: org1}
spec:
  template:
    spec:
      containers:
      - name: ca
        volumeMounts:
        - {name: s, mountPath: /etc/ca/cert.pem, subPath: cert.pem}
        - {name: s, mountPath: /etc/tls, subPath: tls}
      volumes:
      - name: s
        secret:
          secretName: ca
          items: [{key: c, path: cert.pem}, {key: t, path: tls/server.crt}, {key: k, path: key.pem}]
---
kind: Secret
metadata: {name: ca, namespace: org1}
stringData: {c: C, t: T, k: K}
";
        let got = laid_out(&[("ca.yaml", pod)]);
        let paths: Vec<&str> = got
            .iter()
            .map(|(p, _)| p.split_once(':').unwrap().1)
            .collect();
        assert_eq!(paths, ["/etc/ca/cert.pem", "/etc/tls/server.crt"]);
    }

    #[test]
    fn the_nearest_copy_of_an_object_is_the_one_mounted() {
        let other = SECRET.replace("Y2VydA==", "b3RoZXI=");
        let got = laid_out(&[
            ("a/net/peer.yaml", PEER),
            ("a/net/secret.yaml", SECRET),
            ("b/net/secret.yaml", &other),
        ]);
        let signcert = got
            .iter()
            .find(|(p, _)| p.ends_with("signcerts/peer0-cert.pem"))
            .unwrap();
        assert_eq!(signcert.1, "cert");
        // In another namespace, or not among the objects at all: nothing to lay out.
        let elsewhere = SECRET.replace("namespace: org1", "namespace: org2");
        assert!(laid_out(&[("peer.yaml", PEER), ("s.yaml", &elsewhere)]).is_empty());
        assert!(laid_out(&[("peer.yaml", PEER)]).is_empty());
    }

    #[test]
    fn unsafe_paths_are_refused() {
        assert_eq!(absolute("/a//b/./c/"), Some("/a/b/c".into()));
        assert_eq!(absolute("a/b"), None);
        assert_eq!(absolute("/a/../etc"), None);
        assert_eq!(relative("../x"), None);
        assert_eq!(join("/", "x"), "/x");
        assert_eq!(join("/a", ""), "/a");
    }

    #[test]
    fn tls_settings_name_the_enrollment_folder_they_point_into() {
        assert_eq!(
            tls_dir_of("/etc/peer/enroll/signcerts/cert.pem").as_deref(),
            Some("/etc/peer/enroll")
        );
        // cryptogen's tls/server.crt is not in an MSP-shaped folder.
        assert_eq!(tls_dir_of("/etc/peer/tls/server.crt"), None);
        assert_eq!(tls_dir_of("relative/signcerts/cert.pem"), None);
        let doc: Value = serde_saphyr::from_str(
            "kind: Deployment\nmetadata: {name: o, namespace: n}\nspec:\n  template:\n    spec:\n      containers:\n      - name: orderer\n        env:\n        - {name: ORDERER_GENERAL_TLS_CERTIFICATE, value: /o/tls-msp/signcerts/cert.pem}\n        - {name: ORDERER_GENERAL_TLS_ROOTCAS, value: '[/o/tls-msp/tlscacerts/ca.pem, /o/ca.crt]'}\n        volumeMounts: [{name: t, mountPath: /o/tls-msp}]\n      volumes: [{name: t, secret: {secretName: t}}]\n",
        )
        .unwrap();
        let workload = ObjectRef {
            kind: "Deployment".into(),
            namespace: "n".into(),
            name: "o".into(),
        };
        let pod = pod_mounts("o.yaml", workload, &doc).expect("mounts");
        assert_eq!(
            pod.tls_dirs,
            vec![
                ("/o/tls-msp".to_owned(), "ORDERER_GENERAL_TLS_CERTIFICATE"),
                ("/o/tls-msp".to_owned(), "ORDERER_GENERAL_TLS_ROOTCAS"),
            ]
        );
    }
}
