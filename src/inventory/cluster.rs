//! Gathering from a live cluster (`check --cluster`): the objects a Fabric network consists of,
//! listed once per kind (per namespace when `--namespace` narrows it, else across all
//! namespaces), paged, classified ([`super::discovery`]) and written as YAML files that the
//! artifact gatherer reads exactly as it reads manifests on disk — so a cluster and the files
//! it was deployed from get the same verdicts.
//!
//! Only get/list verbs are used. A kind the credentials may not list (RBAC) is recorded with
//! the API server's reason and skipped; an API server that stops answering ends the listing,
//! and what was listed so far is still checked.

use std::path::Path;

use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::{Api, Client};
use serde_json::Value;

use super::discovery::{self, Discovery};
use crate::kube::describe;
use crate::kube::list::{self, ListError};

/// The kinds listed: (group, version, kind, plural).
const KINDS: &[(&str, &str, &str, &str)] = &[
    ("apps", "v1", "Deployment", "deployments"),
    ("apps", "v1", "StatefulSet", "statefulsets"),
    ("apps", "v1", "DaemonSet", "daemonsets"),
    ("apps", "v1", "ReplicaSet", "replicasets"),
    ("batch", "v1", "Job", "jobs"),
    ("", "v1", "Pod", "pods"),
    ("", "v1", "Service", "services"),
    ("", "v1", "Secret", "secrets"),
    ("", "v1", "ConfigMap", "configmaps"),
];

/// Namespaces of the cluster's own machinery, left out of an all-namespace discovery (their
/// DNS Service is read separately).
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// Bound on one page of a list. The client bounds each request's connect and response
/// already; this catches an answer that trickles in forever.
const PAGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// What a cluster gather produced.
#[derive(Debug, Default)]
pub struct ClusterSnapshot {
    pub discovery: Discovery,
    /// Why listing stopped early: the API server stopped answering.
    pub interrupted: Option<String>,
    /// Objects written for the checks.
    pub written: usize,
}

/// Lists the cluster's objects into `dir` and classifies them.
pub async fn gather(client: &Client, namespaces: &[String], dir: &Path) -> ClusterSnapshot {
    let mut snapshot = ClusterSnapshot::default();
    let mut objects: Vec<Value> = Vec::new();
    let scopes: Vec<Option<&str>> = if namespaces.is_empty() {
        vec![None]
    } else {
        namespaces.iter().map(|n| Some(n.as_str())).collect()
    };
    'listing: for scope in scopes {
        for (group, version, kind, plural) in KINDS {
            let resource = ApiResource::from_gvk_with_plural(
                &GroupVersionKind::gvk(group, version, kind),
                plural,
            );
            let api: Api<DynamicObject> = match scope {
                Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
                None => Api::all_with(client.clone(), &resource),
            };
            let where_ = scope.map(|n| format!(" in {n}")).unwrap_or_default();
            match list::all(
                &api,
                &ListParams::default(),
                PAGE_TIMEOUT,
                &mut snapshot.discovery.requests,
            )
            .await
            {
                Ok(items) => {
                    for item in items {
                        let mut value = match serde_json::to_value(&item) {
                            Ok(v) => v,
                            Err(_) => continue,
                        };
                        set_type(&mut value, &resource.api_version, kind);
                        objects.push(value);
                    }
                }
                Err(ListError::Api(e)) if crate::kube::is_forbidden(&e) => snapshot
                    .discovery
                    .unreadable
                    .push(format!("{plural}{where_}: {}", forbidden_text(&e))),
                Err(ListError::Api(e)) if is_api_error(&e) => snapshot
                    .discovery
                    .unreadable
                    .push(format!("{plural}{where_}: {}", describe(&e))),
                Err(e) => {
                    let why = format!(
                        "the API server stopped answering while listing {plural}{where_}: {}",
                        match &e {
                            ListError::Api(e) => describe(e),
                            timed_out => timed_out.to_string(),
                        }
                    );
                    snapshot.discovery.unreadable.push(why.clone());
                    snapshot.interrupted = Some(why);
                    break 'listing;
                }
            }
        }
    }
    if snapshot.interrupted.is_none() {
        read_cluster_dns(client, &mut objects, &mut snapshot).await;
    }
    objects.retain(|o| keep(o, namespaces.is_empty()));
    dedupe(&mut objects);
    snapshot.discovery.objects = discovery::classify_all(&objects);
    for o in &objects {
        if is_plumbing(o) {
            continue;
        }
        if write_object(dir, o).is_ok() {
            snapshot.written += 1;
        }
    }
    snapshot
}

/// kube-system's DNS Service (the cluster DNS IP the chaincode checks need).
async fn read_cluster_dns(
    client: &Client,
    objects: &mut Vec<Value>,
    snapshot: &mut ClusterSnapshot,
) {
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "kube-system",
        &ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("", "v1", "Service"), "services"),
    );
    for name in ["kube-dns", "coredns"] {
        snapshot.discovery.requests += 1;
        match api.get_opt(name).await {
            Ok(Some(found)) => {
                if let Ok(mut value) = serde_json::to_value(&found) {
                    set_type(&mut value, "v1", "Service");
                    objects.push(value);
                }
                return;
            }
            Ok(None) => {}
            Err(e) => {
                snapshot
                    .discovery
                    .unreadable
                    .push(format!("services in kube-system: {}", describe(&e)));
                return;
            }
        }
    }
}

fn set_type(value: &mut Value, api_version: &str, kind: &str) {
    if let Some(map) = value.as_object_mut() {
        map.insert("apiVersion".into(), api_version.into());
        map.insert("kind".into(), kind.into());
    }
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
}

fn is_api_error(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(_))
}

fn forbidden_text(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) => format!("forbidden: {}", status.message),
        other => other.to_string(),
    }
}

/// Objects a controller made from another listed object (their template is already there),
/// and the system namespaces' objects other than the DNS Service, are not looked at twice.
fn keep(object: &Value, all_namespaces: bool) -> bool {
    let ns = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = object["kind"].as_str().unwrap_or("");
    if ns == "kube-system" && kind == "Service" {
        let name = object.pointer("/metadata/name").and_then(Value::as_str);
        return matches!(name, Some("kube-dns" | "coredns"));
    }
    if all_namespaces && SYSTEM_NAMESPACES.contains(&ns) {
        return false;
    }
    let owned = object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|o| o.iter().any(|r| r["controller"] == true));
    !(owned && matches!(kind, "Pod" | "ReplicaSet" | "Job"))
}

/// Each object once: an all-namespace listing already holds kube-system's DNS Service, which
/// is also read on its own (a namespaced listing does not), and counting it twice would
/// inflate the discovery. The uid names an object; kind, namespace and name stand in where a
/// stored object has none.
fn dedupe(objects: &mut Vec<Value>) {
    let mut seen = std::collections::HashSet::new();
    objects.retain(|o| {
        let s = |p: &str| {
            o.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let id = match o.pointer("/metadata/uid").and_then(Value::as_str) {
            Some(uid) if !uid.is_empty() => uid.to_owned(),
            _ => format!(
                "{} {}/{}",
                s("/kind"),
                s("/metadata/namespace"),
                s("/metadata/name")
            ),
        };
        seen.insert(id)
    });
}

/// Service-account tokens and the per-namespace root CA bundle are the cluster's own, in every
/// namespace: listed by discovery, not audited as the network's certificates.
fn is_plumbing(object: &Value) -> bool {
    let s = |p: &str| object.pointer(p).and_then(Value::as_str).unwrap_or("");
    discovery::is_plumbing(
        object["kind"].as_str().unwrap_or(""),
        s("/metadata/namespace"),
        s("/metadata/name"),
        object,
    )
}

/// Writes one object as `dir/<namespace>/<kind>-<name>.yaml`, readable by the owner only
/// (Secrets hold keys).
pub fn write_object(dir: &Path, object: &Value) -> std::io::Result<()> {
    let ns = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("_cluster");
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("unnamed");
    let kind = object["kind"]
        .as_str()
        .unwrap_or("object")
        .to_ascii_lowercase();
    let yaml = serde_saphyr::to_string(object).map_err(std::io::Error::other)?;
    write_file(
        &dir.join(ns).join(format!("{kind}-{name}.yaml")),
        yaml.as_bytes(),
        0o600,
    )
}

/// Writes `bytes` to `path` with permission `mode` (0o600 for anything holding a key),
/// creating the folders above it.
pub fn write_file(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)?;
    std::io::Write::write_all(&mut file, bytes)
}

/// Discovery of files on disk, classified as a cluster's objects are: for comparing a cluster
/// with the manifests it was deployed from.
pub fn classify_files(objects: &[Value]) -> Vec<discovery::Discovered> {
    discovery::classify_all(objects)
}

impl ClusterSnapshot {
    /// Pods worth reading logs from: the network's classified workloads' pods.
    pub fn fabric_namespaces(&self) -> Vec<String> {
        let mut ns: Vec<String> = self
            .discovery
            .objects
            .iter()
            .filter(|o| o.role.is_fabric_node())
            .map(|o| o.namespace.clone())
            .collect();
        ns.sort();
        ns.dedup();
        ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_dns_service_listed_twice_is_kept_once() {
        let dns = json!({"kind": "Service", "metadata": {"name": "kube-dns", "namespace": "kube-system", "uid": "u1"}});
        let peer = json!({"kind": "Service", "metadata": {"name": "peer0", "namespace": "org1", "uid": "u2"}});
        let no_uid = json!({"kind": "Secret", "metadata": {"name": "s", "namespace": "org1"}});
        let same_name_other_kind =
            json!({"kind": "ConfigMap", "metadata": {"name": "s", "namespace": "org1"}});
        let mut objects = vec![
            dns.clone(),
            peer,
            no_uid.clone(),
            same_name_other_kind,
            dns,
            no_uid,
        ];
        dedupe(&mut objects);
        let names: Vec<String> = objects
            .iter()
            .map(|o| format!("{} {}", o["kind"], o["metadata"]["name"]))
            .collect();
        assert_eq!(
            names,
            [
                r#""Service" "kube-dns""#,
                r#""Service" "peer0""#,
                r#""Secret" "s""#,
                r#""ConfigMap" "s""#
            ]
        );
    }
}
