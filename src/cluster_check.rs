//! `check --cluster`: connect as kubectl would, discover the network's objects (read-only:
//! get and list), and read the pods' logs when `--logs` is given without a folder.

use std::path::Path;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams};
use kube::{Api, Client};

use crate::RunError;
use crate::cli::{CheckConfig, ClusterCheck, LogsSource};
use crate::deploy::cluster::{connect, describe};
use crate::inventory::cluster::{self, ClusterSnapshot};
use crate::inventory::logs::{self, LogInventory};

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
/// found (the last [`LOG_TAIL_LINES`] lines each, with the API server's timestamps).
async fn pod_logs(client: &Client, snapshot: &ClusterSnapshot) -> LogInventory {
    let mut targets: Vec<(String, String, String)> = Vec::new();
    let mut unreadable: Vec<(String, String)> = Vec::new();
    for ns in snapshot.fabric_namespaces() {
        let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
        match pods.list(&ListParams::default()).await {
            Ok(list) => {
                for pod in list.items {
                    let name = pod.metadata.name.clone().unwrap_or_default();
                    for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
                        targets.push((ns.clone(), name.clone(), c.name.clone()));
                    }
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
    for (source, text) in fetched {
        match text {
            Ok(t) => texts.push((source, t)),
            Err(e) => unreadable.push((source, format!("failed to read the log: {e}"))),
        }
    }
    let mut inventory = logs::from_texts(texts);
    inventory.unreadable.extend(unreadable);
    inventory
}
