//! `render dns-probe`: the in-cluster DNS probe's manifests, from the names and Docker
//! settings of the artifacts' chaincode resolver contexts. (`render --out`, the reference
//! network's manifests, is in [`super::deploy`] with the other network commands.)

use super::config::DnsProbeConfig;
use super::{RunError, drop_in_background};
use crate::{inventory, probe};

/// The in-cluster DNS probe manifests for `render dns-probe`: names and Docker settings from the
/// artifacts' chaincode resolver contexts (and `--name`), rendered as YAML; plus notes where the
/// pod settings cannot mirror Docker's exactly.
pub fn dns_probe(args: &DnsProbeConfig) -> Result<(String, Vec<String>), RunError> {
    use inventory::dns::Runtime;
    use probe::dns_pod::{DnsProbeSpec, DockerDns, PodDns};
    let inventory = match &args.artifacts {
        Some(dir) => inventory::artifacts::gather(dir)?,
        None => inventory::Inventory::default(),
    };
    let mut names: Vec<String> = inventory
        .dns
        .contexts
        .iter()
        .flat_map(|c| c.names.iter().map(|n| n.name.clone()))
        .chain(args.names.iter().cloned())
        .collect();
    names.sort();
    names.dedup();
    // Docker's settings as the first docker-launching peer's chaincode gets them; parts that
    // come from the node itself are left to dnsPolicy Default, which reads the node's file.
    let docker = (!args.no_docker).then(|| {
        let lists = inventory
            .dns
            .contexts
            .iter()
            .find(|c| matches!(c.runtime, Runtime::Docker { .. }))
            .map(|c| c.configured_lists())
            .unwrap_or_default();
        DockerDns {
            nameservers: lists.nameservers.unwrap_or_default(),
            searches: lists.search.unwrap_or_default(),
            options: lists.options.unwrap_or_default(),
        }
    });
    let manifests = probe::dns_pod::render(&DnsProbeSpec {
        namespace: args.namespace.clone(),
        image: args.image.clone(),
        names,
        docker,
        pod: PodDns::cluster_first(),
    })?;
    let yaml = probe::dns_pod::render_yaml(&manifests.daemon_sets)?;
    drop_in_background(inventory);
    Ok((yaml, manifests.notes))
}

/// Where the monitor's metrics go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsSink {
    /// A Prometheus Pushgateway's base URL (`http://pushgateway.monitoring:9091`).
    Pushgateway(String),
    /// A folder on the node that node-exporter's textfile collector reads.
    Textfile(String),
}

/// `render monitor`, validated.
#[derive(Debug, Clone)]
pub struct MonitorConfig {
    pub namespace: String,
    pub schedule: String,
    pub image: String,
    pub sink: MetricsSink,
    pub probe_in_cluster: bool,
}

/// What the monitor CronJob is called, and its container.
const MONITOR_NAME: &str = "fabcheck-monitor";

/// The reader's RBAC (`rbac/reader.yaml`) and, with `--probe-in-cluster`, the in-cluster
/// probe's (`rbac/in-cluster-probe.yaml`): the same files an operator applies by hand, in the
/// monitor's namespace.
const READER_RBAC: &str = include_str!("../../rbac/reader.yaml");
const PROBE_RBAC: &str = include_str!("../../rbac/in-cluster-probe.yaml");
const RBAC_NAMESPACE: &str = "fabcheck-system";

/// The manifests of `render monitor`: the reader's ServiceAccount and RBAC, and a CronJob that
/// runs `fabcheck check --cluster` on a schedule and sends its metrics where the user chose.
pub fn monitor(cfg: &MonitorConfig) -> Result<String, RunError> {
    use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, JobSpec, JobTemplateSpec};
    use k8s_openapi::api::core::v1::{
        Container, HostPathVolumeSource, PodSpec, PodTemplateSpec, Volume, VolumeMount,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    let metrics_dir = "/metrics";
    let (destination, volume) = match &cfg.sink {
        MetricsSink::Pushgateway(url) => (
            format!(
                "{}/metrics/job/fabcheck/namespace/{}",
                url.trim_end_matches('/'),
                cfg.namespace
            ),
            // fabcheck pushes them itself: nothing is written in the pod.
            None,
        ),
        MetricsSink::Textfile(dir) => (
            format!("{metrics_dir}/fabcheck.prom"),
            Some(Volume {
                name: "metrics".into(),
                host_path: Some(HostPathVolumeSource {
                    path: dir.clone(),
                    type_: Some("DirectoryOrCreate".into()),
                }),
                ..Volume::default()
            }),
        ),
    };
    let mut args: Vec<String> = ["check", "--cluster", "-o", "table", "-o"]
        .map(String::from)
        .to_vec();
    args.push(format!("prometheus={destination}"));
    if cfg.probe_in_cluster {
        args.extend(
            [
                "--probe",
                "in-cluster",
                "--probe-namespace",
                &cfg.namespace,
                "--probe-image",
                &cfg.image,
            ]
            .map(String::from),
        );
    }
    let labels = std::collections::BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), MONITOR_NAME.to_owned()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "fabcheck".to_owned(),
        ),
    ]);
    let cron_job = CronJob {
        metadata: ObjectMeta {
            name: Some(MONITOR_NAME.into()),
            namespace: Some(cfg.namespace.clone()),
            labels: Some(labels.clone()),
            ..ObjectMeta::default()
        },
        spec: Some(CronJobSpec {
            schedule: cfg.schedule.clone(),
            // A run still going when the next is due is not doubled.
            concurrency_policy: Some("Forbid".into()),
            successful_jobs_history_limit: Some(1),
            failed_jobs_history_limit: Some(3),
            job_template: JobTemplateSpec {
                metadata: None,
                spec: Some(JobSpec {
                    // A failed gate is a finding, not a reason to run again at once.
                    backoff_limit: Some(0),
                    active_deadline_seconds: Some(1800),
                    template: PodTemplateSpec {
                        metadata: Some(ObjectMeta {
                            labels: Some(labels),
                            ..ObjectMeta::default()
                        }),
                        spec: Some(PodSpec {
                            service_account_name: Some("fabcheck-reader".into()),
                            restart_policy: Some("Never".into()),
                            containers: vec![Container {
                                name: "fabcheck".into(),
                                image: Some(cfg.image.clone()),
                                args: Some(args),
                                volume_mounts: volume.as_ref().map(|v| {
                                    vec![VolumeMount {
                                        name: v.name.clone(),
                                        mount_path: metrics_dir.into(),
                                        ..VolumeMount::default()
                                    }]
                                }),
                                ..Container::default()
                            }],
                            volumes: volume.map(|v| vec![v]),
                            ..PodSpec::default()
                        }),
                    },
                    ..JobSpec::default()
                }),
            },
            ..CronJobSpec::default()
        }),
        status: None,
    };
    let cron = serde_saphyr::to_string(&cron_job)
        .map_err(|e| RunError::Render(crate::probe::dns_pod::RenderError::Yaml(e.to_string())))?;
    let mut yaml = format!(
        "# fabcheck monitor for namespace {ns}: `fabcheck check --cluster` every `{schedule}`,\n\
         # metrics to {sink}. Apply with: kubectl apply -f <this file>\n",
        ns = cfg.namespace,
        schedule = cfg.schedule,
        sink = match &cfg.sink {
            MetricsSink::Pushgateway(_) => format!("the Pushgateway ({destination})"),
            MetricsSink::Textfile(dir) =>
                format!("{dir}/fabcheck.prom on the node, for node-exporter's textfile collector"),
        }
    );
    yaml.push_str(&READER_RBAC.replace(RBAC_NAMESPACE, &cfg.namespace));
    if cfg.probe_in_cluster {
        yaml.push_str("---\n");
        yaml.push_str(&PROBE_RBAC.replace(RBAC_NAMESPACE, &cfg.namespace));
    }
    if !yaml.ends_with('\n') {
        yaml.push('\n');
    }
    yaml.push_str("---\n");
    yaml.push_str(&cron);
    Ok(yaml)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::CronJob;

    fn config(sink: MetricsSink, probe: bool) -> MonitorConfig {
        MonitorConfig {
            namespace: "fabric-ops".into(),
            schedule: "*/15 * * * *".into(),
            image: "registry.example/fabcheck:1".into(),
            sink,
            probe_in_cluster: probe,
        }
    }

    /// Every document of the rendered YAML, as JSON values, and the CronJob typed.
    fn documents(yaml: &str) -> (Vec<serde_json::Value>, CronJob) {
        let docs: Vec<serde_json::Value> = crate::yaml::from_multiple(yaml).expect("valid YAML");
        let cron = docs
            .iter()
            .find(|d| d["kind"] == "CronJob")
            .expect("a CronJob")
            .clone();
        (
            docs,
            serde_json::from_value(cron).expect("a CronJob k8s-openapi reads"),
        )
    }

    #[test]
    fn pushgateway_monitor_runs_the_reader_and_pushes() {
        let yaml = monitor(&config(
            MetricsSink::Pushgateway("http://pgw.monitoring:9091/".into()),
            false,
        ))
        .unwrap();
        let (docs, cron) = documents(&yaml);
        let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "ServiceAccount",
                "ClusterRole",
                "ClusterRoleBinding",
                "CronJob"
            ]
        );
        assert!(
            !yaml.contains(RBAC_NAMESPACE),
            "every object is in the monitor's namespace"
        );
        let binding = docs
            .iter()
            .find(|d| d["kind"] == "ClusterRoleBinding")
            .unwrap();
        assert_eq!(binding["subjects"][0]["namespace"], "fabric-ops");
        let spec = cron.spec.unwrap();
        assert_eq!(spec.schedule, "*/15 * * * *");
        assert_eq!(spec.concurrency_policy.as_deref(), Some("Forbid"));
        let pod = spec.job_template.spec.unwrap().template.spec.unwrap();
        assert_eq!(pod.service_account_name.as_deref(), Some("fabcheck-reader"));
        let c = &pod.containers[0];
        assert_eq!(c.image.as_deref(), Some("registry.example/fabcheck:1"));
        let args = c.args.clone().unwrap();
        assert_eq!(&args[..2], ["check", "--cluster"]);
        assert!(
            args.contains(
                &"prometheus=http://pgw.monitoring:9091/metrics/job/fabcheck/namespace/fabric-ops"
                    .to_owned()
            )
        );
        assert!(!args.contains(&"--probe".to_owned()));
    }

    #[test]
    fn textfile_monitor_writes_on_the_node_and_can_probe_in_cluster() {
        let yaml = monitor(&config(
            MetricsSink::Textfile("/var/lib/node_exporter/textfile".into()),
            true,
        ))
        .unwrap();
        let (docs, cron) = documents(&yaml);
        assert!(docs.iter().any(|d| d["kind"] == "Role"
            && d["metadata"]["name"] == "fabcheck-in-cluster-probe"
            && d["metadata"]["namespace"] == "fabric-ops"));
        let pod = cron
            .spec
            .unwrap()
            .job_template
            .spec
            .unwrap()
            .template
            .spec
            .unwrap();
        let volume = &pod.volumes.unwrap()[0];
        assert_eq!(
            volume.host_path.as_ref().unwrap().path,
            "/var/lib/node_exporter/textfile"
        );
        let args = pod.containers[0].args.clone().unwrap();
        assert!(args.contains(&"prometheus=/metrics/fabcheck.prom".to_owned()));
        let probe = args.iter().position(|a| a == "--probe").unwrap();
        assert_eq!(args[probe + 1], "in-cluster");
        assert!(
            args.windows(2)
                .any(|w| w == ["--probe-namespace", "fabric-ops"])
        );
    }
}
