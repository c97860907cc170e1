//! Pod-spec pieces shared by every probe pod fabcheck renders (`render dns-probe`, and the Job
//! and DaemonSet of `check --probe in-cluster`): they only read files and talk to the network,
//! so they ask for little and are allowed less.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, EnvVar, EnvVarSource, ObjectFieldSelector, PodSpec, PodTemplateSpec,
    ResourceRequirements, SeccompProfile, SecurityContext, Toleration,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

/// `pod`, placed on every Linux node: tainted ones (the control plane's too) included, because
/// chaincode may run on any of them and each can resolve differently.
pub fn on_every_linux_node(pod: PodSpec) -> PodSpec {
    PodSpec {
        node_selector: Some(BTreeMap::from([(
            "kubernetes.io/os".to_owned(),
            "linux".to_owned(),
        )])),
        tolerations: Some(vec![Toleration {
            operator: Some("Exists".to_owned()),
            ..Toleration::default()
        }]),
        ..pod
    }
}

/// The variable `name` holding the pod's own `field_path` (downward API).
pub fn downward_env(name: &str, field_path: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                api_version: Some("v1".to_owned()),
                field_path: field_path.to_owned(),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

/// Requests and limits, each `(cpu, memory)`.
pub fn resources(requests: (&str, &str), limits: (&str, &str)) -> ResourceRequirements {
    let quantities = |(cpu, memory): (&str, &str)| {
        BTreeMap::from([
            ("cpu".to_owned(), Quantity(cpu.to_owned())),
            ("memory".to_owned(), Quantity(memory.to_owned())),
        ])
    };
    ResourceRequirements {
        requests: Some(quantities(requests)),
        limits: Some(quantities(limits)),
        ..ResourceRequirements::default()
    }
}

/// Enough for a namespace under the "restricted" Pod Security Standard (with the pod's
/// `runAsNonRoot`): no privilege escalation, a read-only root filesystem, no capabilities, and
/// the runtime's default seccomp profile — without one, Pod Security admission (Kubernetes
/// 1.23+) refuses the pod in a namespace enforcing "restricted".
pub fn restricted() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_owned()]),
            ..Capabilities::default()
        }),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_owned(),
            ..SeccompProfile::default()
        }),
        ..SecurityContext::default()
    }
}

/// A DaemonSet of `pod`, whose pods carry `pod_labels` and are selected by `selector` (a subset
/// of them).
pub fn daemon_set(
    metadata: ObjectMeta,
    selector: BTreeMap<String, String>,
    pod_labels: BTreeMap<String, String>,
    pod: PodSpec,
) -> DaemonSet {
    DaemonSet {
        metadata,
        spec: Some(DaemonSetSpec {
            selector: LabelSelector {
                match_labels: Some(selector),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..DaemonSetSpec::default()
        }),
        ..DaemonSet::default()
    }
}
