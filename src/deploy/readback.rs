//! Reading a deployed network back from the cluster for `deploy-and-verify`: the objects as
//! the API server stored them (defaults filled in, admission applied), written as YAML files
//! the artifact checks read, and the Services' addresses for the live probes.

use std::path::Path;

use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::{Api, Client};
use serde_json::Value;

use super::DeployError;
use crate::kube::describe;
use crate::network::{NETWORK_LABEL, Network};

/// The kinds a network consists of: (group, version, kind, plural).
const KINDS: &[(&str, &str, &str, &str)] = &[
    ("", "v1", "ConfigMap", "configmaps"),
    ("", "v1", "Secret", "secrets"),
    ("", "v1", "Service", "services"),
    ("apps", "v1", "StatefulSet", "statefulsets"),
    ("apps", "v1", "Deployment", "deployments"),
    ("batch", "v1", "Job", "jobs"),
];

/// A Service of the network as stored: where its ClusterIP listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredService {
    pub namespace: String,
    pub name: String,
    pub cluster_ip: Option<String>,
    pub ports: Vec<(String, u16)>,
}

/// What was read back.
#[derive(Debug, Default)]
pub struct ReadBack {
    pub objects: usize,
    pub services: Vec<StoredService>,
}

/// Lists the network's objects (one list per kind per namespace) and the cluster DNS
/// Service, and writes each as `dir/<namespace>/<kind>-<name>.yaml`.
pub async fn read_back(
    client: &Client,
    network: &Network,
    dir: &Path,
) -> Result<ReadBack, DeployError> {
    let selector = ListParams::default().labels(&format!("{NETWORK_LABEL}={}", network.name));
    let mut out = ReadBack::default();
    let mut lists: Vec<(String, &str, ListParams)> = Vec::new();
    for ns in network.namespaces() {
        for (_, _, kind, _) in KINDS {
            lists.push((ns.clone(), kind, selector.clone()));
        }
    }
    lists.push((
        "kube-system".into(),
        "Service",
        ListParams::default().fields("metadata.name=kube-dns"),
    ));
    for (ns, kind, params) in lists {
        let (group, version, _, plural) = KINDS
            .iter()
            .find(|k| k.2 == kind)
            .copied()
            .expect("listed kinds come from KINDS");
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let resource = ApiResource::from_gvk_with_plural(&gvk, plural);
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &resource);
        let list = api.list(&params).await.map_err(|e| DeployError::Api {
            action: format!("list {plural} in {ns}"),
            message: describe(&e),
        })?;
        for item in list.items {
            let name = item.metadata.name.clone().unwrap_or_default();
            let mut value = serde_json::to_value(&item).map_err(|e| DeployError::Api {
                action: format!("read {kind} {ns}/{name}"),
                message: e.to_string(),
            })?;
            if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("managedFields");
            }
            if let Some(map) = value.as_object_mut() {
                map.insert("apiVersion".into(), resource.api_version.clone().into());
                map.insert("kind".into(), kind.into());
            }
            if kind == "Service" {
                out.services.push(stored_service(&ns, &name, &value));
            }
            crate::inventory::cluster::write_object(dir, &value).map_err(|source| {
                DeployError::Io {
                    path: dir.join(&ns).display().to_string(),
                    source,
                }
            })?;
            out.objects += 1;
        }
    }
    Ok(out)
}

fn stored_service(ns: &str, name: &str, value: &Value) -> StoredService {
    StoredService {
        namespace: ns.to_owned(),
        name: name.to_owned(),
        cluster_ip: value
            .pointer("/spec/clusterIP")
            .and_then(Value::as_str)
            .filter(|ip| *ip != "None")
            .map(str::to_owned),
        ports: value
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let port = u16::try_from(p.get("port")?.as_u64()?).ok()?;
                let name = p.get("name").and_then(Value::as_str).unwrap_or("");
                Some((name.to_owned(), port))
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_service_reads_ip_and_ports() {
        let v = json!({"spec": {"clusterIP": "10.96.4.2", "ports": [{"name": "grpc", "port": 7051}, {"port": 7052}]}});
        let s = stored_service("org1", "peer0", &v);
        assert_eq!(s.cluster_ip.as_deref(), Some("10.96.4.2"));
        assert_eq!(s.ports, vec![("grpc".into(), 7051), (String::new(), 7052)]);
        let headless = stored_service("org1", "x", &json!({"spec": {"clusterIP": "None"}}));
        assert_eq!(headless.cluster_ip, None);
    }
}
