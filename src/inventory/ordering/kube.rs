//! Kubernetes manifests: Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and
//! Pods (one workload per container; `replicas` counts instances; what runs to completion is a
//! client, never a server), env from literal values and from
//! ConfigMaps (`valueFrom.configMapKeyRef`, `envFrom.configMapRef`), and the Services that
//! select them, for the names other workloads use.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::helm::TEMPLATE_MARK;
use super::yaml::{YamlFile, scalar};
use super::{
    ConfigNote, NoteKind, OrderingConfig, PodLifecycle, PodSettings, Replicas, Setting, Workload,
    classify_container,
};
use crate::inventory::Origin;

/// Services per (folder, namespace): name and label selector.
type Services = BTreeMap<(String, String), Vec<(String, BTreeMap<String, String>)>>;

const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
];

/// The string-valued entries of a YAML mapping (labels, selectors, ConfigMap data).
fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| scalar(v).map(|v| (k.clone(), v)))
                .collect()
        })
        .unwrap_or_default()
}

fn namespace(doc: &Value) -> String {
    doc.get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(scalar)
        .unwrap_or_else(|| "default".to_owned())
}

fn name(doc: &Value) -> String {
    doc.get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(scalar)
        .unwrap_or_else(|| "<unnamed>".to_owned())
}

fn is_templated(s: &str) -> bool {
    s.contains(TEMPLATE_MARK) || s.contains("{{")
}

pub fn gather<'a>(files: impl Iterator<Item = &'a YamlFile> + Clone, config: &mut OrderingConfig) {
    // ConfigMaps and Services first: workloads refer to them by name within a namespace.
    let mut config_maps: BTreeMap<(String, String, String), BTreeMap<String, String>> =
        BTreeMap::new();
    let mut services: Services = BTreeMap::new();
    for f in files.clone() {
        for doc in &f.docs {
            let ns = namespace(doc);
            match doc.get("kind").and_then(Value::as_str) {
                Some("ConfigMap") => {
                    let data = doc.get("data").map(string_map).unwrap_or_default();
                    config_maps.insert((f.dir.clone(), ns, name(doc)), data);
                }
                Some("Service") => {
                    let selector = doc
                        .get("spec")
                        .and_then(|s| s.get("selector"))
                        .map(string_map)
                        .unwrap_or_default();
                    services
                        .entry((f.dir.clone(), ns))
                        .or_default()
                        .push((name(doc), selector));
                }
                _ => {}
            }
        }
    }
    for f in files {
        for (doc_idx, doc) in f.docs.iter().enumerate() {
            let Some(kind) = doc
                .get("kind")
                .and_then(Value::as_str)
                .filter(|k| WORKLOAD_KINDS.contains(k))
            else {
                continue;
            };
            let ns = namespace(doc);
            let object = name(doc);
            let pod = match kind {
                "Pod" => Some(doc),
                "CronJob" => doc.pointer("/spec/jobTemplate/spec/template"),
                _ => doc.get("spec").and_then(|s| s.get("template")),
            };
            let lifecycle = if matches!(kind, "Job" | "CronJob") {
                PodLifecycle::RunToCompletion
            } else {
                PodLifecycle::LongRunning
            };
            let Some(pod) = pod else { continue };
            let labels: BTreeMap<String, String> = pod
                .get("metadata")
                .and_then(|m| m.get("labels"))
                .map(string_map)
                .unwrap_or_default();
            let replicas = match kind {
                "Pod" => Replicas::Count(1),
                "DaemonSet" => Replicas::Unknown,
                _ => match doc.get("spec").and_then(|s| s.get("replicas")) {
                    None => Replicas::Count(1),
                    Some(v) => match v
                        .as_u64()
                        .or_else(|| scalar(v).and_then(|s| s.trim().parse().ok()))
                    {
                        Some(n) => Replicas::Count(u32::try_from(n).unwrap_or(u32::MAX)),
                        None => Replicas::Unknown,
                    },
                },
            };
            let mut hostnames = vec![object.clone()];
            if kind == "StatefulSet" {
                if let Replicas::Count(n) = replicas {
                    hostnames.extend((0..n.min(64)).map(|i| format!("{object}-{i}")));
                }
                if let Some(svc) = doc
                    .get("spec")
                    .and_then(|s| s.get("serviceName"))
                    .and_then(scalar)
                {
                    hostnames.push(svc);
                }
            }
            for (svc, selector) in services
                .get(&(f.dir.clone(), ns.clone()))
                .into_iter()
                .flatten()
            {
                if !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                    hostnames.push(svc.clone());
                }
            }
            let object_line = f.line_of(&format!("name: {object}"), 1).unwrap_or(1);
            let containers = pod
                .get("spec")
                .and_then(|s| s.get("containers"))
                .and_then(Value::as_array);
            let pod_spec = pod.get("spec");
            let mut pod_settings = pod_settings(pod_spec, &ns);
            pod_settings.labels = labels.clone();
            let host_paths = host_path_volumes(pod_spec);
            for container in containers.into_iter().flatten() {
                let cname = container
                    .get("name")
                    .and_then(scalar)
                    .unwrap_or_else(|| object.clone());
                let locator = format!(
                    "document {}, {kind} {ns}/{object}, container {cname}",
                    doc_idx + 1
                );
                let mut env = BTreeMap::new();
                for item in container
                    .get("env")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Some(key) = item.get("name").and_then(scalar) else {
                        continue;
                    };
                    let origin = f.origin_at(format!("{locator}, env {key}"), &key, object_line);
                    let setting = env_value(
                        item,
                        &key,
                        origin.clone(),
                        &f.dir,
                        &ns,
                        &config_maps,
                        &mut config.notes,
                    );
                    env.insert(key, setting);
                }
                for from in container
                    .get("envFrom")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Some(cm) = from
                        .get("configMapRef")
                        .and_then(|r| r.get("name"))
                        .and_then(scalar)
                    else {
                        continue;
                    };
                    let prefix = from.get("prefix").and_then(scalar).unwrap_or_default();
                    match config_maps.get(&(f.dir.clone(), ns.clone(), cm.clone())) {
                        Some(data) => {
                            for (k, v) in data {
                                let origin = Origin::at(f.shown.clone(), format!("{locator}, envFrom ConfigMap {ns}/{cm}[{k}]"));
                                env.entry(format!("{prefix}{k}")).or_insert_with(|| Setting {
                                    templated: is_templated(v),
                                    ..Setting::literal(v.clone(), origin)
                                });
                            }
                        }
                        None => config.notes.push(ConfigNote {
                            origin: Origin::at(f.shown.clone(), locator.clone()),
                            kind: NoteKind::MissingExtends,
                            message: format!("envFrom names ConfigMap {ns}/{cm}, which is not among the artifacts"),
                        }),
                    }
                }
                let image = container.get("image").and_then(scalar);
                let command: String = ["command", "args"]
                    .iter()
                    .filter_map(|k| container.get(*k).and_then(Value::as_array))
                    .flatten()
                    .filter_map(scalar)
                    .collect::<Vec<_>>()
                    .join(" ");
                let mounts: Vec<(PathBuf, String)> = container
                    .get("volumeMounts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| {
                        let host = host_paths.get(&m.get("name").and_then(scalar)?)?;
                        Some((PathBuf::from(host), m.get("mountPath").and_then(scalar)?))
                    })
                    .collect();
                let mut pod_settings = pod_settings.clone();
                pod_settings.sidecars.retain(|(n, _, _)| *n != cname);
                let mut names = hostnames.clone();
                names.push(cname.clone());
                names.sort();
                names.dedup();
                config.workloads.push(Workload {
                    component: classify_container(image.as_deref(), &env, &command, lifecycle),
                    name: object.clone(),
                    origin: Origin::at(f.shown.clone(), format!("{locator}, line {object_line}")),
                    scope: f.dir.clone(),
                    image,
                    // Inside a template loop: deployed once per item, however many there are.
                    replicas: if super::helm::in_loop(&f.text, object_line) {
                        Replicas::Unknown
                    } else {
                        replicas
                    },
                    env,
                    properties: BTreeMap::new(),
                    hostnames: names,
                    computed_at_start: if computes_settings(&command) {
                        vec![command]
                    } else {
                        Vec::new()
                    },
                    ports: Vec::new(),
                    mounts,
                    pod: Some(pod_settings),
                });
            }
        }
    }
}

/// Whether a container's command computes settings when it starts: exports variables
/// (`export ZOO_MY_ID=$((${HOSTNAME##*-}+1))`), or runs a Kubernetes ZooKeeper image's start
/// script, which writes the server's myid from the pod's ordinal and its server list from
/// `--servers` / `ZK_REPLICAS` (`start-zookeeper` in k8s.gcr.io/kubernetes-zookeeper,
/// `zkGenConfig.sh` in gcr.io/google_samples/k8szk).
fn computes_settings(command: &str) -> bool {
    command.contains("export ")
        || command.contains("start-zookeeper")
        || command.contains("zkGenConfig.sh")
}

/// The pod-level settings every container of the pod shares.
fn pod_settings(spec: Option<&Value>, namespace: &str) -> PodSettings {
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(scalar)
            .collect()
    };
    let dns_config = spec.and_then(|s| s.get("dnsConfig"));
    let options = dns_config
        .and_then(|c| c.get("options"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|o| {
            let name = o.get("name").and_then(scalar)?;
            Some(match o.get("value").and_then(scalar) {
                Some(v) => format!("{name}:{v}"),
                None => name,
            })
        })
        .collect();
    let sidecars = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let command = ["command", "args"]
                .iter()
                .filter_map(|k| c.get(*k).and_then(Value::as_array))
                .flatten()
                .filter_map(scalar)
                .collect::<Vec<_>>()
                .join(" ");
            (
                c.get("name").and_then(scalar).unwrap_or_default(),
                c.get("image").and_then(scalar).unwrap_or_default(),
                command,
            )
        })
        .collect();
    PodSettings {
        namespace: namespace.to_owned(),
        dns_policy: spec
            .and_then(|s| s.get("dnsPolicy"))
            .and_then(scalar)
            .unwrap_or_else(|| "ClusterFirst".to_owned()),
        dns_nameservers: strings(dns_config.and_then(|c| c.get("nameservers"))),
        dns_searches: strings(dns_config.and_then(|c| c.get("searches"))),
        dns_options: options,
        host_network: spec
            .and_then(|s| s.get("hostNetwork"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        sidecars,
        labels: BTreeMap::new(),
    }
}

/// Volume name → host path, for the pod's `hostPath` volumes.
fn host_path_volumes(spec: Option<&Value>) -> BTreeMap<String, String> {
    spec.and_then(|s| s.get("volumes"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let path = v.get("hostPath")?.get("path").and_then(scalar)?;
            Some((v.get("name").and_then(scalar)?, path))
        })
        .collect()
}

fn env_value(
    item: &Value,
    key: &str,
    origin: Origin,
    dir: &str,
    ns: &str,
    config_maps: &BTreeMap<(String, String, String), BTreeMap<String, String>>,
    notes: &mut Vec<ConfigNote>,
) -> Setting {
    if let Some(v) = item.get("value") {
        let value = scalar(v).unwrap_or_default();
        return Setting {
            templated: is_templated(&value),
            ..Setting::literal(value, origin)
        };
    }
    let from = item.get("valueFrom");
    if let Some(r) = from.and_then(|f| f.get("configMapKeyRef")) {
        let cm = r.get("name").and_then(scalar).unwrap_or_default();
        let k = r.get("key").and_then(scalar).unwrap_or_default();
        if let Some(v) = config_maps
            .get(&(dir.to_owned(), ns.to_owned(), cm.clone()))
            .and_then(|d| d.get(&k))
        {
            let origin = Origin::at(
                origin.path.clone(),
                format!(
                    "{} (from ConfigMap {ns}/{cm}[{k}])",
                    origin.locator.unwrap_or_default()
                ),
            );
            return Setting {
                templated: is_templated(v),
                ..Setting::literal(v.clone(), origin)
            };
        }
        notes.push(ConfigNote {
            origin: origin.clone(),
            kind: NoteKind::UnresolvedVariable,
            message: format!(
                "{key} comes from ConfigMap {ns}/{cm} key {k}, which is not among the artifacts"
            ),
        });
        return Setting {
            value: String::new(),
            origin,
            unresolved: vec![format!("ConfigMap {ns}/{cm}[{k}]")],
            templated: false,
        };
    }
    let source = match from {
        Some(f) if f.get("secretKeyRef").is_some() => "a Secret",
        Some(f) if f.get("fieldRef").is_some() => "the pod's own fields",
        _ => "an unknown source",
    };
    Setting {
        value: String::new(),
        origin,
        unresolved: vec![format!("{key} (from {source})")],
        templated: false,
    }
}
