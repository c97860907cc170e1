//! The runner's side of the in-cluster probe: make the probe's objects, wait for its findings,
//! and remove the objects again whatever happened.
//!
//! Objects are made in the order the pods need them — the targets ConfigMap, the
//! ServiceAccount, its Role and RoleBinding, then the Job and the node DNS DaemonSet — so no
//! pod starts without the rights it needs. Each carries the run's label, and once the Job
//! exists the others are made its dependents: should fabcheck itself be killed, deleting the
//! Job (by hand, or by the Job's own TTL where the cluster honours it) lets the garbage
//! collector take the rest, the nodes' reports included (they are the targets' dependents).
//! The Job's findings and the nodes' reports are waited for side by side, under one bound.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, EmptyDirVolumeSource, EnvVar, Namespace, PodSecurityContext, PodSpec,
    PodTemplateSpec, ResourceRequirements, SeccompProfile, ServiceAccount, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::{Api, Client};

use super::InClusterProbe;
use super::{
    ERROR_KEY, FINDINGS_KEY, InClusterError, PROBE_COMPONENT, ProbeTargets, Probed, RUN_LABEL,
    TARGETS_KEY, human, node_dns,
};
use crate::finding::Finding;
use crate::kube::apply::apply;
use crate::kube::wait::{self, Readiness, dynamic_api};
use crate::kube::{ClusterOptions, Object};
use crate::network::{COMPONENT_LABEL, FIELD_MANAGER, MANAGED_BY_LABEL};
use crate::probe::pod_spec::{downward_env, restricted};

/// How often the result and the Job are looked at while waiting.
const POLL: Duration = Duration::from_millis(500);

/// Seconds a finished Job is kept where the cluster honours `ttlSecondsAfterFinished`: only a
/// fallback, fabcheck deletes it as soon as it has the findings.
const TTL_AFTER_FINISHED: i32 = 600;

/// The names of one run's objects.
struct Run {
    id: String,
    namespace: String,
    /// `fabcheck-probe-<id>`: the Job, ServiceAccount, Role and RoleBinding.
    name: String,
    targets: String,
    result: String,
    /// The node DNS DaemonSet.
    dns: String,
}

impl Run {
    fn new(namespace: &str) -> Run {
        let id = run_id();
        let name = format!("fabcheck-probe-{id}");
        Run {
            targets: format!("{name}-targets"),
            result: format!("{name}-result"),
            dns: format!("{name}-dns"),
            id,
            namespace: namespace.to_owned(),
            name,
        }
    }

    fn meta(&self, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(self.namespace.clone()),
            labels: Some(self.labels()),
            ..ObjectMeta::default()
        }
    }

    fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (MANAGED_BY_LABEL.to_owned(), FIELD_MANAGER.to_owned()),
            (COMPONENT_LABEL.to_owned(), PROBE_COMPONENT.to_owned()),
            (RUN_LABEL.to_owned(), self.id.clone()),
        ])
    }

    /// The command that removes whatever a failed cleanup left.
    fn cleanup_hint(&self) -> String {
        format!(
            "kubectl delete jobs,daemonsets,pods,configmaps,serviceaccounts,roles,rolebindings -n {} -l {RUN_LABEL}={}",
            self.namespace, self.id
        )
    }
}

/// 8 hex digits, different for every run: the clock and the process id through a randomly
/// keyed hash (two runs in the same nanosecond from two processes still differ).
fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:08x}", hasher.finish() as u32)
}

/// A kube error as one line; a refusal says which file grants what the probe needs.
pub(super) fn describe(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) if status.code == 403 => format!(
            "forbidden (HTTP 403): {} — rbac/in-cluster-probe.yaml lists what --probe in-cluster needs",
            status.message
        ),
        other => crate::kube::describe(other),
    }
}

fn is_not_found(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 404)
}

/// See [`super::run_blocking`].
pub fn run_blocking(
    cluster: &ClusterOptions,
    probe: &InClusterProbe,
    targets: &ProbeTargets,
    timeout: Duration,
) -> Result<Probed, InClusterError> {
    let rt = crate::probe::runtime()
        .map_err(|e| InClusterError::new("start an async runtime", e.to_string()))?;
    let result = rt.block_on(run(cluster, probe, targets, timeout));
    rt.shutdown_background();
    result
}

async fn run(
    cluster: &ClusterOptions,
    probe: &InClusterProbe,
    targets: &ProbeTargets,
    timeout: Duration,
) -> Result<Probed, InClusterError> {
    let deadline = Instant::now() + timeout;
    let client = crate::kube::connect(cluster).await.map_err(|e| {
        InClusterError::new(
            "connect to the cluster for the in-cluster probe",
            e.to_string(),
        )
    })?;
    let created_namespace = ensure_namespace(&client, &probe.namespace).await?;
    let run = Run::new(&probe.namespace);
    let objects = objects(&run, probe, targets, timeout)?;
    let mut made: Vec<&Object> = Vec::new();
    let outcome = async {
        create(&client, &run, &objects, &mut made).await?;
        wait_for_results(&client, &run, &objects, targets, deadline, timeout).await
    };
    // The peers' own Docker daemons are asked from here, through the API, while the Job runs.
    let relay = super::daemon::RelayPlan {
        namespace: run.namespace.clone(),
        image: probe.image.clone(),
        labels: run.labels(),
        name_prefix: run.name.clone(),
    };
    let from_daemons = super::daemon::observe(
        &client,
        &targets.daemons,
        &relay,
        cluster.request_timeout,
        tokio::time::Instant::from_std(deadline),
    );
    let (mut outcome, mut from_daemons) = tokio::join!(outcome, from_daemons);
    if let Ok(probed) = &mut outcome {
        probed.dns.append(&mut from_daemons.dns);
        probed.chaincode_containers = from_daemons.chaincode;
    }
    let mut left = cleanup(&client, &made, cluster.request_timeout).await;
    if objects.daemon_set.is_some() {
        left.extend(sweep_node_reports(&client, &run, cluster.request_timeout).await);
    }
    if created_namespace && left.is_empty() {
        left.extend(remove_namespace(&client, &probe.namespace, cluster.request_timeout).await);
    }
    match (outcome, left.is_empty()) {
        (outcome, true) => outcome,
        (Ok(findings), false) => {
            // The findings are good; the leftovers are the operator's to remove, and they are
            // told how rather than losing the report over them.
            eprintln!(
                "fabcheck: warning: failed to remove the in-cluster probe's objects ({}); remove them with: {}",
                left.join("; "),
                run.cleanup_hint()
            );
            Ok(findings)
        }
        (Err(InClusterError::Failed { action, message }), false) => Err(InClusterError::new(
            action,
            format!(
                "{message}\n  and failed to remove the probe's objects ({}); remove them with: {}",
                left.join("; "),
                run.cleanup_hint()
            ),
        )),
    }
}

/// Creates the probe namespace when it does not exist; `true` when this run created it (and
/// so removes it afterwards).
async fn ensure_namespace(client: &Client, namespace: &str) -> Result<bool, InClusterError> {
    let api: Api<Namespace> = Api::all(client.clone());
    match api.get_opt(namespace).await {
        Ok(Some(_)) => Ok(false),
        // Not allowed to look: assume it is there; the first object made in it will say.
        Err(e) if crate::kube::is_forbidden(&e) => Ok(false),
        Err(e) => Err(InClusterError::new(
            format!("read Namespace {namespace}"),
            describe(&e),
        )),
        Ok(None) => {
            let ns = Object::new(&Namespace {
                metadata: ObjectMeta {
                    name: Some(namespace.to_owned()),
                    labels: Some(BTreeMap::from([(
                        MANAGED_BY_LABEL.to_owned(),
                        FIELD_MANAGER.to_owned(),
                    )])),
                    ..ObjectMeta::default()
                },
                ..Namespace::default()
            });
            apply(client, &ns).await.map(|_| true).map_err(|e| {
                InClusterError::new(
                    format!("create Namespace {namespace}"),
                    format!(
                        "{} (create it beforehand, as rbac/reader.yaml does for fabcheck-system, or choose another with --probe-namespace)",
                        describe(&e)
                    ),
                )
            })
        }
    }
}

/// Deletes the namespace this run created, unless another probe run has objects in it by now
/// (two runs that started together: the second found it and is using it); returns what could
/// not be deleted. The namespace's own finalizers then run on the cluster's side.
async fn remove_namespace(
    client: &Client,
    namespace: &str,
    request_timeout: Duration,
) -> Vec<String> {
    use kube::api::ListParams;
    let bound = request_timeout.max(Duration::from_secs(5));
    let others = ListParams::default().labels(&format!("{COMPONENT_LABEL}={PROBE_COMPONENT}"));
    let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
    match tokio::time::timeout(bound, jobs.list(&others)).await {
        Ok(Ok(list))
            if list
                .items
                .iter()
                .any(|j| j.metadata.deletion_timestamp.is_none()) =>
        {
            eprintln!(
                "fabcheck: note: kept Namespace {namespace}, which this run created: another probe run is using it"
            );
            return Vec::new();
        }
        Ok(Ok(_)) => {}
        // Not allowed to look: this run made the namespace, so it is this run's to remove.
        Ok(Err(e)) if crate::kube::is_forbidden(&e) => {}
        Ok(Err(e)) => return vec![format!("Namespace {namespace}: {}", describe(&e))],
        Err(_) => {
            return vec![format!(
                "Namespace {namespace}: no answer within {}",
                human(bound)
            )];
        }
    }
    let api: Api<Namespace> = Api::all(client.clone());
    match tokio::time::timeout(bound, api.delete(namespace, &DeleteParams::background())).await {
        Ok(Ok(_)) => Vec::new(),
        Ok(Err(e)) if is_not_found(&e) => Vec::new(),
        Ok(Err(e)) => vec![format!("Namespace {namespace}: {}", describe(&e))],
        Err(_) => vec![format!(
            "Namespace {namespace}: no answer within {}",
            human(bound)
        )],
    }
}

/// One run's objects, in the order they are made.
struct Objects {
    support: Vec<Object>,
    job: Object,
    /// Made by the Job's pod; listed to be deleted.
    result: Object,
    /// Only when there are chaincode names to look up.
    daemon_set: Option<Object>,
}

fn objects(
    run: &Run,
    probe: &InClusterProbe,
    targets: &ProbeTargets,
    timeout: Duration,
) -> Result<Objects, InClusterError> {
    let mut targets = targets.clone();
    // The pod's probes get a quarter of the wait, as `check` gives the cluster probe four times
    // its --timeout: the rest is for the pod to be scheduled, start and report.
    targets.live_timeout_secs = (timeout.as_secs() / 4).clamp(5, 600);
    let json = serde_json::to_string(&targets)
        .map_err(|e| InClusterError::new("encode the probe targets", e.to_string()))?;
    let targets_cm = ConfigMap {
        metadata: run.meta(&run.targets),
        data: Some(BTreeMap::from([(TARGETS_KEY.to_owned(), json)])),
        ..ConfigMap::default()
    };
    let account = ServiceAccount {
        metadata: run.meta(&run.name),
        ..ServiceAccount::default()
    };
    let rule = |verbs: &[&str], names: Option<&str>| PolicyRule {
        api_groups: Some(vec![String::new()]),
        resources: Some(vec!["configmaps".to_owned()]),
        resource_names: names.map(|n| vec![n.to_owned()]),
        verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
        ..PolicyRule::default()
    };
    // The pod reads its targets and writes its result, nothing more. `create` cannot be
    // narrowed to a name (the object does not exist yet when RBAC is asked).
    let role = Role {
        metadata: run.meta(&run.name),
        rules: Some(vec![
            rule(&["get"], Some(&run.targets)),
            rule(&["create"], None),
            rule(&["get", "patch"], Some(&run.result)),
        ]),
    };
    let binding = RoleBinding {
        metadata: run.meta(&run.name),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: "Role".to_owned(),
            name: run.name.clone(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_owned(),
            name: run.name.clone(),
            namespace: Some(run.namespace.clone()),
            ..Subject::default()
        }]),
    };
    let result = ConfigMap {
        metadata: run.meta(&run.result),
        ..ConfigMap::default()
    };
    Ok(Objects {
        support: vec![
            Object::new(&targets_cm),
            Object::new(&account),
            Object::new(&role),
            Object::new(&binding),
        ],
        job: Object::new(&job(run, probe, timeout)),
        result: Object::new(&result),
        daemon_set: (!targets.dns.is_empty()).then(|| {
            Object::new(&node_dns::daemon_set(
                run.meta(&run.dns),
                &run.labels(),
                &probe.image,
                &run.name,
                &run.targets,
            ))
        }),
    })
}

fn job(run: &Run, probe: &InClusterProbe, timeout: Duration) -> Job {
    let container = Container {
        name: "probe".to_owned(),
        image: Some(probe.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(vec![
            "probe-in-cluster".to_owned(),
            "--namespace".to_owned(),
            run.namespace.clone(),
            "--targets-configmap".to_owned(),
            run.targets.clone(),
            "--result-configmap".to_owned(),
            run.result.clone(),
        ]),
        env: Some(vec![
            downward_env("FABCHECK_POD_NAME", "metadata.name"),
            downward_env("FABCHECK_POD_NAMESPACE", "metadata.namespace"),
            EnvVar {
                name: "TMPDIR".to_owned(),
                value: Some("/tmp".to_owned()),
                ..EnvVar::default()
            },
        ]),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_owned(), Quantity("50m".to_owned())),
                ("memory".to_owned(), Quantity("64Mi".to_owned())),
            ])),
            limits: Some(BTreeMap::from([(
                "memory".to_owned(),
                Quantity("256Mi".to_owned()),
            )])),
            ..ResourceRequirements::default()
        }),
        security_context: Some(restricted()),
        // The CA files for the TLS probes are written here; the root filesystem is read-only.
        volume_mounts: Some(vec![VolumeMount {
            name: "tmp".to_owned(),
            mount_path: "/tmp".to_owned(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    };
    let pod = PodSpec {
        service_account_name: Some(run.name.clone()),
        restart_policy: Some("Never".to_owned()),
        // `<SERVICE>_PORT` variables for every Service in the namespace are noise here.
        enable_service_links: Some(false),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_owned(),
                ..SeccompProfile::default()
            }),
            ..PodSecurityContext::default()
        }),
        containers: vec![container],
        volumes: Some(vec![Volume {
            name: "tmp".to_owned(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        }]),
        ..PodSpec::default()
    };
    let deadline = i64::try_from(timeout.as_secs())
        .unwrap_or(i64::MAX / 2)
        .saturating_add(60);
    Job {
        metadata: run.meta(&run.name),
        spec: Some(JobSpec {
            // One attempt: a probe that failed once would fail the same way again, and the
            // runner is waiting.
            backoff_limit: Some(0),
            // Should fabcheck be gone, the pod still stops a minute after it would have
            // given up.
            active_deadline_seconds: Some(deadline),
            ttl_seconds_after_finished: Some(TTL_AFTER_FINISHED),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(run.labels()),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..JobSpec::default()
        }),
        ..Job::default()
    }
}

/// Makes the objects in order, then makes the others dependents of the Job. `made` collects
/// what may exist afterwards, for the cleanup: what was made, and what a request that got no
/// answer may have made; a refusal made nothing.
async fn create<'a>(
    client: &Client,
    run: &Run,
    objects: &'a Objects,
    made: &mut Vec<&'a Object>,
) -> Result<(), InClusterError> {
    let mut job_uid = None;
    for object in objects
        .support
        .iter()
        .chain([&objects.job])
        .chain(objects.daemon_set.iter())
    {
        let stored = match apply(client, object).await {
            Ok(stored) => stored,
            Err(e) => {
                if !matches!(e, kube::Error::Api(_)) {
                    made.push(object);
                }
                return Err(InClusterError::new(
                    format!("create {}", object.key()),
                    describe(&e),
                ));
            }
        };
        made.push(object);
        if object.kind == "Job" {
            // From now on the pod may write its result.
            made.push(&objects.result);
            job_uid = stored.metadata.uid;
        }
    }
    let Some(uid) = job_uid else {
        return Ok(());
    };
    let owner = serde_json::json!({"metadata": {"ownerReferences": [{
        "apiVersion": "batch/v1", "kind": "Job", "name": run.name, "uid": uid,
    }]}});
    for dependent in objects.support.iter().chain(objects.daemon_set.iter()) {
        // Only a safety net for a runner that dies: failing to set it changes nothing now.
        let _ = dynamic_api(client, dependent)
            .patch(
                &dependent.name,
                &PatchParams::default(),
                &Patch::Merge(&owner),
            )
            .await;
    }
    Ok(())
}

/// Waits for the Job's findings and the nodes' DNS reports side by side. A Job that fails
/// ends the wait at once: the run has failed, whatever the nodes say.
async fn wait_for_results(
    client: &Client,
    run: &Run,
    objects: &Objects,
    targets: &ProbeTargets,
    deadline: Instant,
    timeout: Duration,
) -> Result<Probed, InClusterError> {
    let findings = wait_for_findings(client, run, &objects.job, deadline, timeout);
    let dns = async {
        match &objects.daemon_set {
            Some(ds) => {
                node_dns::collect(client, ds, &run.id, &targets.dns, deadline, timeout)
                    .await
                    .0
            }
            None => Vec::new(),
        }
    };
    tokio::pin!(findings);
    tokio::pin!(dns);
    tokio::select! {
        found = &mut findings => {
            let findings = found?;
            Ok(Probed {
                findings,
                dns: dns.await,
                chaincode_containers: Vec::new(),
            })
        }
        dns = &mut dns => Ok(Probed {
            findings: findings.await?,
            dns,
            chaincode_containers: Vec::new(),
        }),
    }
}

/// Deletes the nodes' report ConfigMaps (listed by the run's label: the runner never knew
/// their names in advance); returns what could not be deleted. The garbage collector would
/// take them with the targets ConfigMap; this is so nothing is left when fabcheck returns.
async fn sweep_node_reports(client: &Client, run: &Run, request_timeout: Duration) -> Vec<String> {
    use kube::api::ListParams;
    let bound = request_timeout.max(Duration::from_secs(5));
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), &run.namespace);
    let params = ListParams::default().labels(&node_dns::report_selector(&run.id));
    let list = match tokio::time::timeout(bound, api.list(&params)).await {
        Ok(Ok(list)) => list,
        Ok(Err(e)) => return vec![format!("the nodes' reports: {}", describe(&e))],
        Err(_) => {
            return vec![format!(
                "the nodes' reports: no answer within {}",
                human(bound)
            )];
        }
    };
    let reports: Vec<Object> = list
        .items
        .into_iter()
        .map(|cm| {
            Object::new(&ConfigMap {
                metadata: ObjectMeta {
                    name: cm.metadata.name,
                    namespace: Some(run.namespace.clone()),
                    ..ObjectMeta::default()
                },
                ..ConfigMap::default()
            })
        })
        .collect();
    let reports: Vec<&Object> = reports.iter().collect();
    cleanup(client, &reports, request_timeout).await
}

/// Polls for the result ConfigMap until it holds findings, the Job fails or finishes without
/// them, or the deadline passes.
async fn wait_for_findings(
    client: &Client,
    run: &Run,
    job: &Object,
    deadline: Instant,
    timeout: Duration,
) -> Result<Vec<Finding>, InClusterError> {
    let results: Api<ConfigMap> = Api::namespaced(client.clone(), &run.namespace);
    let mut job_finished = false;
    let mut stuck = wait::StuckPods::default();
    loop {
        match results.get_opt(&run.result).await {
            Ok(Some(cm)) => {
                let data = cm.data.unwrap_or_default();
                if let Some(json) = data.get(FINDINGS_KEY) {
                    return serde_json::from_str(json).map_err(|e| {
                        InClusterError::new(
                            format!(
                                "read the probe's findings from ConfigMap {}/{}",
                                run.namespace, run.result
                            ),
                            e.to_string(),
                        )
                    });
                }
                if let Some(error) = data.get(ERROR_KEY) {
                    return Err(InClusterError::new(
                        format!(
                            "probe from inside the cluster (Job {}/{})",
                            run.namespace, run.name
                        ),
                        error.trim().to_owned(),
                    ));
                }
            }
            Ok(None) => {}
            // A refusal will not go away; anything else may be a passing hiccup.
            Err(e) if crate::kube::is_forbidden(&e) => {
                return Err(InClusterError::new(
                    format!("read ConfigMap {}/{}", run.namespace, run.result),
                    describe(&e),
                ));
            }
            Err(_) => {}
        }
        if job_finished {
            // The pod exits after writing, so a finished Job with no result had none to give.
            let state = Readiness::Failed("Job completed without writing its findings".into());
            return Err(InClusterError::new(
                "get the probe's findings",
                wait::explain(client, job, &state).await,
            ));
        }
        match wait::check(client, job).await {
            state @ Readiness::Failed(_) => {
                let mut why = wait::explain(client, job, &state).await;
                why.push_str(&pod_log_tail(client, run).await);
                return Err(InClusterError::new("get the probe's findings", why));
            }
            // Look at the result once more: it was written before the Job completed.
            Readiness::Ready => job_finished = true,
            Readiness::Pending(state) => {
                // A pod that cannot start (its image cannot be pulled) ends the wait now: the
                // bound would only delay the same answer.
                if let Some(why) = stuck.judge_all(client, &[job]).await.remove(&job.key()) {
                    let state = Readiness::Failed(why);
                    return Err(InClusterError::new(
                        format!("start the in-cluster probe (image {})", image_of(job)),
                        wait::explain(client, job, &state).await,
                    ));
                }
                let now = Instant::now();
                if now >= deadline {
                    return Err(InClusterError::new(
                        format!("get the probe's findings within {}", human(timeout)),
                        wait::explain(client, job, &Readiness::Pending(state)).await,
                    ));
                }
                tokio::time::sleep(POLL.min(deadline - now)).await;
            }
        }
    }
}

/// The image the Job's pod runs.
fn image_of(job: &Object) -> &str {
    job.body
        .pointer("/spec/template/spec/containers/0/image")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("?")
}

/// The last lines the probe pod wrote, to show with a failed Job (the pod's own error message
/// is there); empty when they cannot be read.
async fn pod_log_tail(client: &Client, run: &Run) -> String {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{ListParams, LogParams};
    let pods: Api<Pod> = Api::namespaced(client.clone(), &run.namespace);
    let Ok(list) = pods
        .list(&ListParams::default().labels(&format!("{RUN_LABEL}={}", run.id)))
        .await
    else {
        return String::new();
    };
    let mut out = String::new();
    for pod in list.items {
        let name = pod.metadata.name.unwrap_or_default();
        let params = LogParams {
            tail_lines: Some(20),
            ..LogParams::default()
        };
        if let Ok(log) = pods.logs(&name, &params).await
            && !log.trim().is_empty()
        {
            out.push_str(&format!("\n    log of pod {name}:"));
            for line in log.lines() {
                out.push_str(&format!("\n      {line}"));
            }
        }
    }
    out
}

/// Deletes the run's objects (the Job with its pods, first), each bounded by the request
/// timeout; returns what could not be deleted. Gone already is as good as deleted.
async fn cleanup(client: &Client, made: &[&Object], request_timeout: Duration) -> Vec<String> {
    let bound = request_timeout.max(Duration::from_secs(5));
    let mut ordered: Vec<&Object> = made.to_vec();
    ordered.sort_by_key(|o| !matches!(o.kind.as_str(), "Job" | "DaemonSet"));
    let deletions = ordered.into_iter().map(|object| async move {
        // Background: the Job goes at once and the garbage collector removes its pods.
        let params = DeleteParams::background();
        let deleted = tokio::time::timeout(
            bound,
            dynamic_api(client, object).delete(&object.name, &params),
        )
        .await;
        match deleted {
            Ok(Ok(_)) => None,
            Ok(Err(e)) if is_not_found(&e) => None,
            Ok(Err(e)) => Some(format!("{}: {}", object.key(), describe(&e))),
            Err(_) => Some(format!(
                "{}: no answer within {}",
                object.key(),
                human(bound)
            )),
        }
    });
    futures_util::future::join_all(deletions)
        .await
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe() -> InClusterProbe {
        InClusterProbe {
            image: "registry.example/fabcheck:1".into(),
            namespace: "fabcheck-system".into(),
            peer_daemons: true,
        }
    }

    #[test]
    fn run_ids_are_short_hex_and_differ() {
        let a = run_id();
        assert_eq!(a.len(), 8);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, run_id());
    }

    #[test]
    fn the_pod_may_read_its_targets_and_write_its_result_only() {
        let run = Run::new("fabcheck-system");
        let objects = objects(
            &run,
            &probe(),
            &ProbeTargets::default(),
            Duration::from_secs(120),
        )
        .unwrap();
        let keys: Vec<String> = objects.support.iter().map(Object::key).collect();
        assert_eq!(
            keys,
            [
                format!(
                    "ConfigMap fabcheck-system/fabcheck-probe-{}-targets",
                    run.id
                ),
                format!("ServiceAccount fabcheck-system/fabcheck-probe-{}", run.id),
                format!("Role fabcheck-system/fabcheck-probe-{}", run.id),
                format!("RoleBinding fabcheck-system/fabcheck-probe-{}", run.id),
            ]
        );
        let role = &objects.support[2].body;
        let rules = role["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 3);
        for r in rules {
            assert_eq!(r["resources"], serde_json::json!(["configmaps"]));
        }
        assert_eq!(rules[0]["resourceNames"], serde_json::json!([run.targets]));
        assert_eq!(rules[0]["verbs"], serde_json::json!(["get"]));
        assert_eq!(rules[1]["verbs"], serde_json::json!(["create"]));
        assert_eq!(rules[2]["resourceNames"], serde_json::json!([run.result]));
        let targets: ProbeTargets = serde_json::from_str(
            objects.support[0].body["data"][TARGETS_KEY]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(targets.live_timeout_secs, 30);
        for o in objects
            .support
            .iter()
            .chain([&objects.job, &objects.result])
        {
            let labels = &o.body["metadata"]["labels"];
            assert_eq!(labels[COMPONENT_LABEL], "probe", "{}", o.key());
            assert_eq!(labels[MANAGED_BY_LABEL], "fabcheck", "{}", o.key());
            assert_eq!(labels[RUN_LABEL], run.id.as_str(), "{}", o.key());
        }
    }

    #[test]
    fn the_job_runs_once_as_its_own_account_and_bounds_itself() {
        let run = Run::new("ns");
        let body = Object::new(&job(&run, &probe(), Duration::from_secs(120))).body;
        let spec = &body["spec"];
        assert_eq!(spec["backoffLimit"], 0);
        assert_eq!(spec["activeDeadlineSeconds"], 180);
        let pod = &spec["template"]["spec"];
        assert_eq!(pod["restartPolicy"], "Never");
        assert_eq!(pod["serviceAccountName"], run.name.as_str());
        assert_eq!(
            spec["template"]["metadata"]["labels"][COMPONENT_LABEL],
            "probe"
        );
        let c = &pod["containers"][0];
        assert_eq!(c["image"], "registry.example/fabcheck:1");
        assert_eq!(
            c["args"],
            serde_json::json!([
                "probe-in-cluster",
                "--namespace",
                "ns",
                "--targets-configmap",
                run.targets,
                "--result-configmap",
                run.result
            ])
        );
        // The hidden subcommand parses what the Job passes.
        use clap::Parser;
        let argv = std::iter::once("fabcheck".to_owned()).chain(
            c["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned()),
        );
        let cli = crate::cli::Cli::try_parse_from(argv).unwrap();
        assert!(matches!(
            cli.command,
            crate::cli::Command::ProbeInCluster(_)
        ));
    }

    #[test]
    fn refusals_point_at_the_probe_rbac() {
        let e = kube::Error::Api(
            serde_json::from_value(serde_json::json!({
                "status": "Failure", "message": "jobs.batch is forbidden: User \"u\" cannot create resource",
                "reason": "Forbidden", "code": 403
            }))
            .unwrap(),
        );
        let text = describe(&e);
        assert!(
            text.starts_with("forbidden (HTTP 403): jobs.batch is forbidden"),
            "{text}"
        );
        assert!(text.contains("rbac/in-cluster-probe.yaml"), "{text}");
    }

    #[test]
    fn every_probe_pod_is_admitted_under_pod_security_restricted() {
        use super::super::pod_security::{Level, violations};
        let run = Run::new("fabcheck-system");
        let job = Object::new(&job(&run, &probe(), Duration::from_secs(120))).body;
        let pod = &job["spec"]["template"]["spec"];
        assert_eq!(violations(pod, Level::Restricted), Vec::<String>::new());
        assert_eq!(
            pod["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
        // The node DNS DaemonSet's pods look names up with the node's resolv.conf
        // (`dnsPolicy: Default`), which needs no host access: restricted too. Should it ever
        // need the node's Docker socket or network, test it against Level::Baseline here and
        // say why.
        let ds = Object::new(&node_dns::daemon_set(
            run.meta(&run.dns),
            &run.labels(),
            &probe().image,
            &run.name,
            &run.targets,
        ))
        .body;
        let pod = &ds["spec"]["template"]["spec"];
        assert_eq!(violations(pod, Level::Restricted), Vec::<String>::new());
        assert_eq!(
            pod["containers"][0]["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
        // `render dns-probe`'s DaemonSets (the Docker resolver's and the chaincode pods') too.
        use crate::probe::dns_pod::{self, DnsProbeSpec, DockerDns, PodDns};
        let rendered = dns_pod::render(&DnsProbeSpec {
            namespace: "org1".into(),
            image: "debian:bookworm-slim".into(),
            names: vec!["peer0.org1".into()],
            docker: Some(DockerDns {
                nameservers: vec!["10.96.0.10".into()],
                searches: vec!["org1.svc.cluster.local".into()],
                options: vec!["ndots:2".into()],
            }),
            pod: PodDns::cluster_first(),
        })
        .unwrap();
        assert_eq!(rendered.daemon_sets.len(), 2);
        for ds in &rendered.daemon_sets {
            let body = Object::new(ds).body;
            let pod = &body["spec"]["template"]["spec"];
            assert_eq!(
                violations(pod, Level::Restricted),
                Vec::<String>::new(),
                "{}",
                body["metadata"]["name"]
            );
        }
    }
}
