//! `check --cluster`: connect as kubectl would, discover the network's objects (read-only:
//! get and list), and read the pods' logs when `--logs` is given without a folder.

use std::path::Path;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams};
use kube::{Api, Client};

use super::RunError;
use super::config::{CheckConfig, ClusterCheck, LogsSource};
use crate::inventory::cluster::{self, ClusterSnapshot};
use crate::inventory::logs::{self, LogInventory};
use crate::kube::{connect, describe};

/// Lines of each container's log read (the most recent ones).
const LOG_TAIL_LINES: i64 = 10_000;

/// What the cluster gave.
pub(crate) struct FromCluster {
    /// `cluster:<server>` for the report.
    pub source: String,
    pub snapshot: ClusterSnapshot,
    pub logs: Option<LogInventory>,
}

/// Connects, discovers into `dir`, and reads logs when asked.
pub(crate) fn gather(
    cluster: &ClusterCheck,
    check: &CheckConfig,
    dir: &Path,
) -> Result<FromCluster, RunError> {
    let rt = crate::probe::runtime().map_err(|e| RunError::Output {
        path: "async runtime".into(),
        source: e,
    })?;
    rt.block_on(async {
        let client = connect(&cluster.options).await?;
        let source = format!(
            "cluster:{}",
            cluster
                .options
                .context
                .as_deref()
                .unwrap_or("current-context")
        );
        let snapshot = cluster::gather(&client, &cluster.namespaces, dir).await;
        let logs = match &check.logs {
            Some(LogsSource::Cluster) if snapshot.interrupted.is_none() => {
                Some(pod_logs(&client, &snapshot).await)
            }
            _ => None,
        };
        Ok(FromCluster {
            source,
            snapshot,
            logs,
        })
    })
}

/// The logs of every container of the pods in the namespaces where Fabric workloads were
/// found (the last [`LOG_TAIL_LINES`] lines each, with the API server's timestamps), with each
/// container's probes and its pod's addresses (LOG-002 tells the kubelet's probes by them).
async fn pod_logs(client: &Client, snapshot: &ClusterSnapshot) -> LogInventory {
    let mut targets: Vec<(String, String, String)> = Vec::new();
    let mut unreadable: Vec<(String, String)> = Vec::new();
    // Containers that are not running now (terminated, or never started): a log the kubelet
    // no longer has is their state, not a failure to read.
    let mut not_running: std::collections::BTreeMap<String, String> = Default::default();
    let mut probes = std::collections::BTreeMap::new();
    for ns in snapshot.fabric_namespaces() {
        let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
        match pods.list(&ListParams::default()).await {
            Ok(list) => {
                for pod in list.items {
                    let name = pod.metadata.name.clone().unwrap_or_default();
                    for status in pod
                        .status
                        .iter()
                        .flat_map(|s| s.container_statuses.iter().flatten())
                    {
                        if let Some(state) = not_running_state(status) {
                            not_running.insert(format!("{ns}/{name}/{}", status.name), state);
                        }
                    }
                    for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
                        targets.push((ns.clone(), name.clone(), c.name.clone()));
                    }
                    probes.extend(crate::inventory::probes::from_pod(&pod));
                }
            }
            Err(e) => unreadable.push((format!("pods in {ns}"), describe(&e))),
        }
    }
    let fetched: Vec<(String, Result<String, String>)> = futures_util::stream::iter(targets)
        .map(|(ns, pod, container)| {
            let api: Api<Pod> = Api::namespaced(client.clone(), &ns);
            async move {
                let params = LogParams {
                    container: Some(container.clone()),
                    tail_lines: Some(LOG_TAIL_LINES),
                    timestamps: true,
                    ..LogParams::default()
                };
                let text = api.logs(&pod, &params).await.map_err(|e| describe(&e));
                (format!("{ns}/{pod}/{container}"), text)
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut texts = Vec::new();
    let mut gone = Vec::new();
    for (source, text) in fetched {
        match (text, not_running.get(&source)) {
            (Ok(t), _) => texts.push((source, t)),
            (Err(e), Some(state)) => gone.push(format!("{source} ({state}; no log to read: {e})")),
            (Err(e), None) => unreadable.push((source, format!("failed to read the log: {e}"))),
        }
    }
    let mut inventory = logs::from_texts(texts);
    inventory.probes = probes;
    inventory.unreadable.extend(unreadable);
    inventory.not_read_count += gone.len();
    inventory.not_read.extend(gone);
    inventory
}

/// How a container is not running, when it is not: `terminated (Completed, exit 0)`, `waiting
/// (ImagePullBackOff)`. `None` for a running container.
fn not_running_state(status: &k8s_openapi::api::core::v1::ContainerStatus) -> Option<String> {
    let state = status.state.as_ref()?;
    if state.running.is_some() {
        return None;
    }
    if let Some(t) = &state.terminated {
        return Some(format!(
            "terminated ({}, exit {})",
            t.reason.as_deref().unwrap_or("no reason given"),
            t.exit_code
        ));
    }
    state.waiting.as_ref().map(|w| {
        format!(
            "waiting ({}), never started",
            w.reason.as_deref().unwrap_or("no reason given")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: serde_json::Value) -> k8s_openapi::api::core::v1::ContainerStatus {
        serde_json::from_value(serde_json::json!({
            "name": "c", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
            "state": state,
        }))
        .unwrap()
    }

    #[test]
    fn a_container_that_is_not_running_says_how() {
        let done =
            status(serde_json::json!({"terminated": {"exitCode": 0, "reason": "Completed"}}));
        assert_eq!(
            not_running_state(&done).as_deref(),
            Some("terminated (Completed, exit 0)")
        );
        let pulling = status(serde_json::json!({"waiting": {"reason": "ImagePullBackOff"}}));
        assert_eq!(
            not_running_state(&pulling).as_deref(),
            Some("waiting (ImagePullBackOff), never started")
        );
        let running = status(serde_json::json!({"running": {"startedAt": "2026-12-04T00:00:00Z"}}));
        assert_eq!(not_running_state(&running), None);
    }
}
