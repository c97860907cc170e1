//! Waiting for applied workloads to become ready, and saying what is not when time runs out.
//!
//! Readiness is judged from the objects' status as the controllers write it (evaluate, pure)
//! after reading them back (gather): a StatefulSet or Deployment is ready when its controller
//! has seen the current generation, every replica runs the current template and is ready
//! (available, for Deployments), and no rollout is pending (a StatefulSet's currentRevision is
//! its updateRevision; a Deployment has no replica of an old template left) — on a re-deploy
//! the old pods are still ready while they are about to be replaced, and counting them would
//! call the network ready just before it restarts. A Job is ready when it has completed; a
//! failed Job is final: waiting longer would not help.
//!
//! So is a workload whose pod cannot start its containers without a change: an image that
//! cannot be pulled (`ErrImagePull`, then `ImagePullBackOff`), one the pull policy forbids
//! pulling (`ErrImageNeverPull`), a malformed image name (`InvalidImageName`), a container
//! whose configuration refers to what is not there (`CreateContainerConfigError`). Kubelet
//! reports these only after an attempt failed, and retries on a back-off that grows to five
//! minutes, so waiting for the bound would only delay what is already known.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::{Api, Client};
use serde_json::Value;

use super::Object;
use super::client::describe;

/// What a workload's status says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Still coming up; the text says how far (`0/1 ready`).
    Pending(String),
    /// Will not become ready without a change (a Job that failed).
    Failed(String),
}

impl Readiness {
    /// Whether waiting longer cannot change it.
    pub fn is_final(&self) -> bool {
        matches!(self, Readiness::Failed(_))
    }
}

/// Whether objects of this kind are waited for.
pub fn is_workload(kind: &str) -> bool {
    matches!(kind, "StatefulSet" | "Deployment" | "Job")
}

/// Readiness of a stored workload object (its JSON as the API server returns it).
pub fn readiness(kind: &str, object: &Value) -> Readiness {
    let int = |v: &Value, path: &[&str]| -> Option<i64> {
        path.iter().try_fold(v, |v, k| v.get(k))?.as_i64()
    };
    let generation = int(object, &["metadata", "generation"]).unwrap_or(0);
    let observed = int(object, &["status", "observedGeneration"]).unwrap_or(0);
    let status_int = |k: &str| int(object, &["status", k]).unwrap_or(0);
    match kind {
        "StatefulSet" | "Deployment" => {
            let wanted = int(object, &["spec", "replicas"]).unwrap_or(1);
            if observed < generation {
                return Readiness::Pending(format!(
                    "controller has not seen generation {generation} yet"
                ));
            }
            let ready = if kind == "Deployment" {
                status_int("availableReplicas")
            } else {
                status_int("readyReplicas")
            };
            let updated = status_int("updatedReplicas");
            let total = status_int("replicas");
            let text = |k: &str| {
                object
                    .pointer(&format!("/status/{k}"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            if updated < wanted {
                return Readiness::Pending(format!(
                    "{ready}/{wanted} ready, {updated}/{wanted} updated to the current template"
                ));
            }
            if kind == "StatefulSet" {
                let (current, update) = (text("currentRevision"), text("updateRevision"));
                if current != update {
                    return Readiness::Pending(format!(
                        "{ready}/{wanted} ready, rollout pending (revision {current} → {update})"
                    ));
                }
            } else if total > updated {
                return Readiness::Pending(format!(
                    "{ready}/{wanted} ready, {} replica(s) of an old template left",
                    total - updated
                ));
            }
            if ready >= wanted {
                Readiness::Ready
            } else {
                Readiness::Pending(format!("{ready}/{wanted} ready"))
            }
        }
        "Job" => {
            let conditions = object
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let holds = |t: &str| {
                conditions
                    .iter()
                    .find(|c| c["type"] == t && c["status"] == "True")
            };
            if holds("Complete").is_some() {
                Readiness::Ready
            } else if let Some(c) = holds("Failed") {
                Readiness::Failed(format!(
                    "Job failed: {} {}",
                    c["reason"].as_str().unwrap_or(""),
                    c["message"].as_str().unwrap_or("")
                ))
            } else {
                Readiness::Pending(format!(
                    "{} active, {} succeeded, {} failed",
                    status_int("active"),
                    status_int("succeeded"),
                    status_int("failed")
                ))
            }
        }
        _ => Readiness::Ready,
    }
}

/// The API handle for an object's kind and namespace.
pub fn dynamic_api(client: &Client, object: &Object) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk(object.group(), object.version(), &object.kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, &object.plural);
    match &object.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        None => Api::all_with(client.clone(), &resource),
    }
}

/// Reads one workload back and judges it; a read error counts as pending with the reason.
pub async fn check(client: &Client, object: &Object) -> Readiness {
    match dynamic_api(client, object).get_opt(&object.name).await {
        Ok(Some(stored)) => match serde_json::to_value(&stored) {
            Ok(value) => readiness(&object.kind, &value),
            Err(e) => Readiness::Pending(format!("unreadable status: {e}")),
        },
        Ok(None) => Readiness::Pending("not found".into()),
        Err(e) => Readiness::Pending(format!("failed to read it: {}", describe(&e))),
    }
}

/// Polls `workloads` until all are ready, one fails, or `deadline` passes; `on_progress` gets
/// the count ready after each round. Returns the ones not ready with their last state.
pub async fn until_ready(
    client: &Client,
    workloads: &[&Object],
    deadline: Instant,
    mut on_progress: impl FnMut(usize),
) -> Vec<(Object, Readiness)> {
    use futures_util::StreamExt;
    let mut stuck = StuckPods::default();
    loop {
        let states: Vec<Readiness> = futures_util::stream::iter(workloads.iter())
            .map(|o| check(client, o))
            .buffered(16)
            .collect()
            .await;
        let mut not_ready: Vec<(Object, Readiness)> = workloads
            .iter()
            .zip(states)
            .filter(|(_, r)| *r != Readiness::Ready)
            .map(|(o, r)| ((*o).clone(), r))
            .collect();
        let pending: Vec<&Object> = not_ready
            .iter()
            .filter(|(_, r)| matches!(r, Readiness::Pending(_)))
            .map(|(o, _)| o)
            .collect();
        let verdicts = stuck.judge_all(client, &pending).await;
        for (object, state) in &mut not_ready {
            if let Some(why) = verdicts.get(&object.key()) {
                *state = Readiness::Failed(why.clone());
            }
        }
        on_progress(workloads.len() - not_ready.len());
        let failed = not_ready
            .iter()
            .any(|(_, r)| matches!(r, Readiness::Failed(_)));
        if not_ready.is_empty() || failed || Instant::now() >= deadline {
            return not_ready;
        }
        let pause =
            Duration::from_millis(500).min(deadline.saturating_duration_since(Instant::now()));
        tokio::time::sleep(pause).await;
    }
}

/// Container waiting reasons that mean the container will not start without a change, and how
/// long each must last before it is believed. Kubelet sets them in `kuberuntime` after
/// `EnsureImageExists` (pkg/kubelet/images/image_manager.go, v1.20: `ErrImagePull` once a pull
/// failed, then `ImagePullBackOff` while the back-off runs; `ErrImageNeverPull`,
/// `InvalidImageName`) or after building the container's configuration failed. A
/// configuration error is given a grace: a Secret or ConfigMap applied in the same phase may
/// land a moment after the pod that mounts it, and kubelet then starts the container on its
/// next try.
pub const STUCK_REASONS: &[(&str, Duration)] = &[
    ("ErrImagePull", Duration::ZERO),
    ("ImagePullBackOff", Duration::ZERO),
    ("ErrImageNeverPull", Duration::ZERO),
    ("InvalidImageName", Duration::ZERO),
    ("CreateContainerConfigError", Duration::from_secs(15)),
];

/// One container of a pod that cannot start, as [`stuck_containers`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StuckContainer {
    /// `namespace/pod/container`.
    pub key: String,
    pub reason: String,
    /// `pod P: container C (image I) waiting: ImagePullBackOff: Back-off pulling image "I"`.
    pub text: String,
    /// How long the reason must last to be final.
    pub grace: Duration,
}

/// The containers of `pod` waiting for a reason in [`STUCK_REASONS`], each naming its image.
pub fn stuck_containers(pod: &Pod) -> Vec<StuckContainer> {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let Some(status) = &pod.status else {
        return Vec::new();
    };
    let spec_image = |container: &str| {
        pod.spec.as_ref().and_then(|s| {
            s.init_containers
                .iter()
                .flatten()
                .chain(s.containers.iter())
                .find(|c| c.name == container)
                .and_then(|c| c.image.clone())
        })
    };
    status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten())
        .filter_map(|c| {
            let waiting = c.state.as_ref()?.waiting.as_ref()?;
            let reason = waiting.reason.as_deref()?;
            let (_, grace) = STUCK_REASONS.iter().find(|(r, _)| *r == reason)?;
            let image = spec_image(&c.name).unwrap_or_else(|| c.image.clone());
            Some(StuckContainer {
                key: format!("{ns}/{name}/{}", c.name),
                reason: reason.to_owned(),
                text: format!(
                    "pod {name}: container {} (image {image}) waiting: {reason}{}",
                    c.name,
                    waiting
                        .message
                        .as_deref()
                        .map(|m| format!(": {}", m.trim()))
                        .unwrap_or_default()
                ),
                grace: *grace,
            })
        })
        .collect()
}

/// Which containers have been stuck, and since when, across the rounds of a wait: a reason
/// with a grace is only final once it has lasted that long.
#[derive(Debug, Default)]
pub struct StuckPods {
    since: HashMap<String, (String, Instant)>,
}

impl StuckPods {
    /// Records what is stuck now (forgetting what no longer is) and returns the texts of
    /// those stuck for at least their grace.
    pub fn judge(&mut self, now: Instant, found: &[StuckContainer]) -> Vec<String> {
        self.since
            .retain(|key, (reason, _)| found.iter().any(|f| &f.key == key && &f.reason == reason));
        found
            .iter()
            .filter(|f| {
                let (_, first) = self
                    .since
                    .entry(f.key.clone())
                    .or_insert_with(|| (f.reason.clone(), now));
                now.duration_since(*first) >= f.grace
            })
            .map(|f| f.text.clone())
            .collect()
    }

    /// For each workload whose pods cannot start (by [`Object::key`]), why: one pod list per
    /// namespace, matched to the workloads by their selectors.
    pub async fn judge_all(
        &mut self,
        client: &Client,
        workloads: &[&Object],
    ) -> HashMap<String, String> {
        let mut found: Vec<(String, StuckContainer)> = Vec::new();
        let mut namespaces: Vec<&str> = workloads
            .iter()
            .filter_map(|o| o.namespace.as_deref())
            .collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        for ns in namespaces {
            let Ok(list) = Api::<Pod>::namespaced(client.clone(), ns)
                .list(&ListParams::default())
                .await
            else {
                // Unreadable pods leave the workload pending: its own status still decides.
                continue;
            };
            for object in workloads
                .iter()
                .filter(|o| o.namespace.as_deref() == Some(ns))
            {
                let selector = pod_selector(object);
                for pod in list.items.iter().filter(|p| {
                    selector.as_ref().is_some_and(|sel| {
                        let labels = p.metadata.labels.clone().unwrap_or_default();
                        sel.iter().all(|(k, v)| labels.get(k) == Some(v))
                    })
                }) {
                    found.extend(stuck_containers(pod).into_iter().map(|c| (object.key(), c)));
                }
            }
        }
        let containers: Vec<StuckContainer> = found.iter().map(|(_, c)| c.clone()).collect();
        let final_texts = self.judge(Instant::now(), &containers);
        let mut out: HashMap<String, String> = HashMap::new();
        for (key, container) in found {
            if final_texts.contains(&container.text) {
                let entry = out
                    .entry(key)
                    .or_insert_with(|| "cannot start without a change: ".into());
                if !entry.ends_with(": ") {
                    entry.push_str("; ");
                }
                entry.push_str(&container.text);
            }
        }
        out
    }
}

/// The labels a workload's pods carry: its selector's `matchLabels`, or a Job's `job-name`.
fn pod_selector(object: &Object) -> Option<std::collections::BTreeMap<String, String>> {
    if let Some(labels) = object
        .body
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
    {
        return Some(
            labels
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect(),
        );
    }
    (object.kind == "Job")
        .then(|| std::collections::BTreeMap::from([("job-name".into(), object.name.clone())]))
}

/// What is known about a workload that is not ready: its state, its pods' phases and
/// container states, and the recent events about it and its pods.
pub async fn explain(client: &Client, object: &Object, state: &Readiness) -> String {
    let mut out = format!("{}: {}", object.key(), state_text(state));
    let Some(ns) = &object.namespace else {
        return out;
    };
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let selector = object
        .body
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        });
    let mut names = vec![object.name.clone()];
    let listed = match (&selector, object.kind.as_str()) {
        (Some(sel), _) => pods.list(&ListParams::default().labels(sel)).await,
        (None, "Job") => {
            pods.list(&ListParams::default().labels(&format!("job-name={}", object.name)))
                .await
        }
        (None, _) => Ok(kube::core::ObjectList {
            types: Default::default(),
            metadata: Default::default(),
            items: Vec::new(),
        }),
    };
    match listed {
        Ok(list) if list.items.is_empty() => out.push_str("\n    no pods"),
        Ok(list) => {
            for pod in &list.items {
                let name = pod.metadata.name.clone().unwrap_or_default();
                let node = pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.node_name.as_deref())
                    .map(|n| format!(" on node {n}"))
                    .unwrap_or_default();
                out.push_str(&format!("\n    pod {name}{node}: {}", pod_state(pod)));
                // A failed Job's pod says why in its log (which step of the script gave up).
                let failed = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Failed");
                if object.kind == "Job" && failed {
                    out.push_str(&log_tail(&pods, &name).await);
                }
                names.push(name);
            }
        }
        Err(e) => out.push_str(&format!("\n    pods: {}", describe(&e))),
    }
    let events: Api<Event> = Api::namespaced(client.clone(), ns);
    match events.list(&ListParams::default()).await {
        Ok(list) => {
            let mut relevant: Vec<&Event> = list
                .items
                .iter()
                .filter(|e| {
                    e.involved_object
                        .name
                        .as_ref()
                        .is_some_and(|n| names.contains(n))
                })
                .collect();
            relevant.sort_by_key(|e| {
                e.last_timestamp
                    .as_ref()
                    .map(|t| t.0.to_string())
                    .or_else(|| e.event_time.as_ref().map(|t| t.0.to_string()))
                    .unwrap_or_default()
            });
            // Enough for a pull that failed and went into back-off (Pulling, Failed to pull,
            // Error: ErrImagePull, BackOff, Error: ImagePullBackOff) beside the controller's
            // own; kubelet counts repeats of one event rather than adding more.
            for e in relevant.iter().rev().take(EVENTS_SHOWN).rev() {
                out.push_str(&format!(
                    "\n    event {} {} {}: {}{}",
                    e.type_.as_deref().unwrap_or(""),
                    e.involved_object.name.as_deref().unwrap_or(""),
                    e.reason.as_deref().unwrap_or(""),
                    e.message.as_deref().unwrap_or("").trim(),
                    match e.count {
                        Some(n) if n > 1 => format!(" (x{n})"),
                        _ => String::new(),
                    }
                ));
            }
        }
        Err(e) => out.push_str(&format!("\n    events: {}", describe(&e))),
    }
    out
}

/// The last lines of a pod's log, indented, or why they could not be read.
async fn log_tail(pods: &Api<Pod>, name: &str) -> String {
    let params = kube::api::LogParams {
        tail_lines: Some(LOG_TAIL_LINES),
        ..kube::api::LogParams::default()
    };
    match pods.logs(name, &params).await {
        Ok(log) if log.trim().is_empty() => "\n      (its log is empty)".to_owned(),
        Ok(log) => log
            .lines()
            .map(|l| format!("\n      | {l}"))
            .collect::<String>(),
        Err(e) => format!("\n      (its log could not be read: {})", describe(&e)),
    }
}

/// How many of the most recent events about a workload and its pods an explanation shows.
const EVENTS_SHOWN: usize = 8;

/// How much of a failed Job pod's log a deploy error shows.
const LOG_TAIL_LINES: i64 = 15;

fn state_text(state: &Readiness) -> String {
    match state {
        Readiness::Ready => "ready".into(),
        Readiness::Pending(s) | Readiness::Failed(s) => s.clone(),
    }
}

/// `Pending (unscheduled)`, `Running; container peer waiting: ImagePullBackOff: …`.
pub fn pod_state(pod: &Pod) -> String {
    let Some(status) = &pod.status else {
        return "no status".into();
    };
    let mut out = status.phase.clone().unwrap_or_else(|| "Unknown".into());
    let unscheduled = pod.spec.as_ref().is_none_or(|s| s.node_name.is_none());
    if unscheduled && out == "Pending" {
        out.push_str(" (not scheduled to a node)");
    }
    let containers = status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten());
    for c in containers {
        let Some(state) = &c.state else { continue };
        if let Some(w) = &state.waiting {
            out.push_str(&format!(
                "; container {} waiting: {}{}",
                c.name,
                w.reason.as_deref().unwrap_or("?"),
                w.message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ));
        } else if let Some(t) = &state.terminated {
            out.push_str(&format!(
                "; container {} terminated: {} (exit {})",
                c.name,
                t.reason.as_deref().unwrap_or("?"),
                t.exit_code
            ));
        } else if !c.ready {
            out.push_str(&format!("; container {} running, not ready", c.name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statefulset_needs_the_observed_generation_and_ready_replicas() {
        let sts = |observed: i64, ready: i64| {
            json!({"metadata": {"generation": 2}, "spec": {"replicas": 1},
                   "status": {"observedGeneration": observed, "readyReplicas": ready,
                              "updatedReplicas": 1, "replicas": 1,
                              "currentRevision": "peer0-5d4", "updateRevision": "peer0-5d4"}})
        };
        assert_eq!(readiness("StatefulSet", &sts(2, 1)), Readiness::Ready);
        assert_eq!(
            readiness("StatefulSet", &sts(2, 0)),
            Readiness::Pending("0/1 ready".into())
        );
        assert!(matches!(
            readiness("StatefulSet", &sts(1, 1)),
            Readiness::Pending(s) if s.contains("generation 2")
        ));
    }

    #[test]
    fn a_pending_rollout_is_not_ready() {
        // A re-deploy: the old pod is still ready, but it runs the old revision and is about
        // to be replaced (what `peers: 6/6 ready` once said on a real cluster).
        let old_pod = json!({"metadata": {"generation": 3}, "spec": {"replicas": 1},
            "status": {"observedGeneration": 3, "readyReplicas": 1, "replicas": 1,
                       "updatedReplicas": 0, "currentRevision": "peer0-5d4",
                       "updateRevision": "peer0-7f9"}});
        assert!(matches!(
            readiness("StatefulSet", &old_pod),
            Readiness::Pending(s) if s.contains("updated to the current template")
        ));
        let restarting = json!({"metadata": {"generation": 3}, "spec": {"replicas": 1},
            "status": {"observedGeneration": 3, "readyReplicas": 1, "replicas": 1,
                       "updatedReplicas": 1, "currentRevision": "peer0-5d4",
                       "updateRevision": "peer0-7f9"}});
        assert!(matches!(
            readiness("StatefulSet", &restarting),
            Readiness::Pending(s) if s.contains("rollout pending (revision peer0-5d4 → peer0-7f9)")
        ));
    }

    #[test]
    fn deployment_counts_available_updated_replicas() {
        let d = json!({"metadata": {"generation": 1}, "spec": {"replicas": 2},
                       "status": {"observedGeneration": 1, "availableReplicas": 2, "updatedReplicas": 1, "replicas": 2}});
        assert!(matches!(readiness("Deployment", &d), Readiness::Pending(_)));
        // Surge: the new replicas are ready but an old one still runs.
        let d = json!({"metadata": {"generation": 1}, "spec": {"replicas": 2},
                       "status": {"observedGeneration": 1, "availableReplicas": 3, "updatedReplicas": 2, "replicas": 3}});
        assert!(matches!(
            readiness("Deployment", &d),
            Readiness::Pending(s) if s.contains("old template")
        ));
        let d = json!({"metadata": {"generation": 1}, "spec": {"replicas": 2},
                       "status": {"observedGeneration": 1, "availableReplicas": 2, "updatedReplicas": 2, "replicas": 2}});
        assert_eq!(readiness("Deployment", &d), Readiness::Ready);
    }

    #[test]
    fn job_completes_or_fails() {
        let job = |t: &str| json!({"status": {"conditions": [{"type": t, "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}});
        assert_eq!(readiness("Job", &job("Complete")), Readiness::Ready);
        assert!(
            matches!(readiness("Job", &job("Failed")), Readiness::Failed(s) if s.contains("BackoffLimitExceeded"))
        );
        assert!(matches!(
            readiness("Job", &json!({"status": {"active": 1}})),
            Readiness::Pending(s) if s.starts_with("1 active")
        ));
    }

    #[test]
    fn other_kinds_are_ready_once_stored() {
        assert_eq!(readiness("Service", &json!({})), Readiness::Ready);
        assert!(!is_workload("Service"));
        assert!(is_workload("Job"));
    }

    #[test]
    fn pod_state_names_waiting_containers() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "peer0-0"},
            "spec": {"containers": []},
            "status": {"phase": "Pending", "containerStatuses": [{
                "name": "peer", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"x\""}}}]}
        }))
        .unwrap();
        let text = pod_state(&pod);
        assert!(
            text.starts_with("Pending (not scheduled to a node)"),
            "{text}"
        );
        assert!(
            text.contains("container peer waiting: ImagePullBackOff: Back-off pulling image"),
            "{text}"
        );
    }

    fn waiting_pod(reason: &str, message: &str) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "fabcheck-probe-1-x", "namespace": "fabcheck-system"},
            "spec": {"containers": [{"name": "probe", "image": "ghcr.io/fabcheck/fabcheck:9"}]},
            "status": {"phase": "Pending", "containerStatuses": [{
                "name": "probe", "ready": false, "restartCount": 0, "image": "other", "imageID": "",
                "state": {"waiting": {"reason": reason, "message": message}}}]}
        }))
        .unwrap()
    }

    #[test]
    fn a_container_that_cannot_start_names_its_image_and_reason() {
        for reason in [
            "ErrImagePull",
            "ImagePullBackOff",
            "ErrImageNeverPull",
            "InvalidImageName",
            "CreateContainerConfigError",
        ] {
            let stuck = stuck_containers(&waiting_pod(reason, "why"));
            assert_eq!(stuck.len(), 1, "{reason}");
            assert_eq!(stuck[0].key, "fabcheck-system/fabcheck-probe-1-x/probe");
            assert_eq!(
                stuck[0].text,
                format!(
                    "pod fabcheck-probe-1-x: container probe (image ghcr.io/fabcheck/fabcheck:9) waiting: {reason}: why"
                )
            );
        }
        // Still coming up: not stuck.
        assert!(stuck_containers(&waiting_pod("ContainerCreating", "")).is_empty());
        assert!(stuck_containers(&waiting_pod("PodInitializing", "")).is_empty());
    }

    #[test]
    fn image_failures_are_final_at_once_configuration_errors_after_a_grace() {
        let mut stuck = StuckPods::default();
        let t0 = Instant::now();
        let pull = stuck_containers(&waiting_pod("ErrImagePull", "not found"));
        assert_eq!(stuck.judge(t0, &pull).len(), 1);
        let config = stuck_containers(&waiting_pod("CreateContainerConfigError", "no secret"));
        assert!(stuck.judge(t0, &config).is_empty());
        assert!(stuck.judge(t0 + Duration::from_secs(5), &config).is_empty());
        assert_eq!(stuck.judge(t0 + Duration::from_secs(16), &config).len(), 1);
        // It cleared (the Secret arrived) and came back: the grace starts again.
        assert!(stuck.judge(t0 + Duration::from_secs(17), &[]).is_empty());
        assert!(
            stuck
                .judge(t0 + Duration::from_secs(18), &config)
                .is_empty()
        );
    }
}
