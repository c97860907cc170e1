//! The deploy preflight against a real control plane (etcd, kube-apiserver and
//! kube-controller-manager from `scripts/kube-control-plane`): Node objects of two
//! architectures, a namespace that enforces the restricted Pod Security level, StorageClasses
//! or none, and the kube-dns Service or none; read with the repository's deployer role, which
//! must be enough for every check, and with the reader role, which cannot list nodes or
//! StorageClasses and so gets "could not check" warnings.

#[path = "support/control_plane.rs"]
mod control_plane;

use std::time::Duration;

use fabcheck::deploy::preflight::{
    ImageNeed, ItemStatus, PreflightItem, PreflightRequest, StorageNeed, blocking, evaluate, gather,
};
use fabcheck::kube::{ClusterOptions, connect};
use k8s_openapi::api::core::v1::Node;
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::json;

use control_plane::{ADMIN, ControlPlane, DEPLOYER, READER};

const TIMEOUT: Duration = Duration::from_secs(10);
const PEER_14: &str = "hyperledger/fabric-peer:1.4.12";
const DIND: &str = "docker:19.03.15-dind";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn client(rt: &tokio::runtime::Runtime, plane: &ControlPlane, context: &str) -> Client {
    rt.block_on(connect(&ClusterOptions {
        kubeconfig: Some(plane.kubeconfig.clone()),
        context: Some(context.into()),
        request_timeout: TIMEOUT,
    }))
    .expect("a client for the test cluster")
}

/// A Fabric 1.4 network: the peer image is amd64 only, the Docker-in-Docker one multi-arch.
fn request() -> PreflightRequest {
    PreflightRequest {
        namespaces: vec!["psa-restricted".into(), "psa-open".into(), "not-yet".into()],
        images: vec![
            ImageNeed {
                image: PEER_14.into(),
                architectures: vec!["amd64".into()],
            },
            ImageNeed {
                image: DIND.into(),
                architectures: vec!["amd64".into(), "arm64".into()],
            },
        ],
        privileged_namespaces: vec!["psa-restricted".into(), "not-yet".into()],
        storage: StorageNeed::Pvc {
            storage_class: None,
        },
        cluster_dns: None,
        min_server_version: (1, 20),
    }
}

/// Registers a Node as kubelet would: labelled with its architecture, then Ready.
async fn register(admin: &Client, name: &str, arch: &str) {
    let body: Node = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {
            "kubernetes.io/os": "linux", "kubernetes.io/arch": arch, "kubernetes.io/hostname": name}},
    }))
    .expect("a Node");
    Api::<Node>::all(admin.clone())
        .create(&PostParams::default(), &body)
        .await
        .expect("create the Node");
    heartbeat(admin, name).await;
}

/// Reports the node Ready now. No kubelet runs, so the node lifecycle controller marks a node
/// Unknown 40 s after its last heartbeat; each check reports again first.
async fn heartbeat(admin: &Client, name: &str) {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a timestamp");
    Api::<Node>::all(admin.clone())
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(&json!({"status": {"conditions": [
                {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "lastHeartbeatTime": now, "lastTransitionTime": now}
            ]}})),
        )
        .await
        .expect("report the Node Ready");
}

/// Gathers as `context` after a heartbeat of every node, and evaluates.
fn preflight(
    rt: &tokio::runtime::Runtime,
    plane: &ControlPlane,
    context: &str,
    request: &PreflightRequest,
) -> Vec<PreflightItem> {
    let admin = client(rt, plane, ADMIN);
    let as_user = client(rt, plane, context);
    rt.block_on(async {
        for node in ["amd64-node", "arm64-node"] {
            heartbeat(&admin, node).await;
        }
        evaluate(request, &gather(&as_user, request, TIMEOUT).await)
    })
}

fn item<'a>(items: &'a [PreflightItem], name: &str, status: ItemStatus) -> &'a PreflightItem {
    items
        .iter()
        .find(|i| i.name == name && i.status == status)
        .unwrap_or_else(|| panic!("no {status} {name} item in {items:#?}"))
}

#[test]
fn preflight_judges_nodes_pod_security_storage_and_dns_of_a_real_cluster() {
    let plane = ControlPlane::start();
    plane.bind_repository_rbac();
    let rt = runtime();
    let admin = client(&rt, &plane, ADMIN);
    rt.block_on(async {
        register(&admin, "amd64-node", "amd64").await;
        register(&admin, "arm64-node", "arm64").await;
    });
    plane.apply_yaml(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: psa-restricted\n  labels:\n    \
         pod-security.kubernetes.io/enforce: restricted\n---\n\
         apiVersion: v1\nkind: Namespace\nmetadata:\n  name: psa-open\n",
    );

    // The deployer role reads everything the preflight asks; no StorageClass exists yet.
    let items = preflight(&rt, &plane, DEPLOYER, &request());
    assert!(
        items.iter().all(|i| !i.message.contains("could not check")),
        "{items:#?}"
    );
    let version = item(&items, "kubernetes-version", ItemStatus::Ok);
    assert!(version.message.contains("v1.20"), "{version:?}");
    let arch = item(&items, "node-architecture", ItemStatus::Ok);
    assert!(arch.message.contains("amd64 (1), arm64 (1)"), "{arch:?}");
    let dns = item(&items, "cluster-dns", ItemStatus::Ok);
    assert!(dns.message.contains("10.96.0.10"), "{dns:?}");
    let restricted = item(&items, "pod-security", ItemStatus::Block);
    assert!(
        restricted
            .message
            .contains("namespace psa-restricted enforces Pod Security level restricted"),
        "{restricted:?}"
    );
    assert_eq!(
        restricted.change.as_deref(),
        Some(
            "label namespace psa-restricted pod-security.kubernetes.io/enforce=privileged \
             or use chaincode runtime ccaas"
        )
    );
    let psa_ok: Vec<&str> = items
        .iter()
        .filter(|i| i.name == "pod-security" && i.status == ItemStatus::Ok)
        .map(|i| i.message.as_str())
        .collect();
    assert!(
        psa_ok.iter().any(|m| m.contains("psa-open (unlabelled)")),
        "{psa_ok:?}"
    );
    assert!(
        psa_ok
            .iter()
            .any(|m| m.contains("not-yet do not exist yet") && m.contains("API does not show")),
        "{psa_ok:?}"
    );
    let storage = item(&items, "storage-class", ItemStatus::Block);
    assert!(
        storage
            .message
            .contains("no default StorageClass (there are none)"),
        "{storage:?}"
    );
    assert_eq!(
        storage.change.as_deref(),
        Some("set storage.storageClass or storage.kind: emptyDir")
    );
    assert!(blocking(&items));

    // The only amd64 node cordoned: the amd64-only peer image has nowhere to run. A default
    // StorageClass now exists, beside another.
    plane.kubectl(&["cordon", "amd64-node"]);
    plane.apply_yaml(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: standard\n  \
         annotations:\n    storageclass.kubernetes.io/is-default-class: \"true\"\n\
         provisioner: example.com/standard\n---\n\
         apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: slow\n\
         provisioner: example.com/slow\n",
    );
    let items = preflight(&rt, &plane, DEPLOYER, &request());
    let arch = item(&items, "node-architecture", ItemStatus::Block);
    assert!(
        arch.message.contains(&format!(
            "no schedulable Ready node can run {PEER_14} (amd64 only)"
        )),
        "{arch:?}"
    );
    assert!(arch.message.contains("nodes are arm64 (1)"), "{arch:?}");
    assert!(!arch.message.contains(DIND), "{arch:?}");
    let storage = item(&items, "storage-class", ItemStatus::Ok);
    assert!(
        storage
            .message
            .contains("default StorageClass standard (example.com/standard)"),
        "{storage:?}"
    );
    let mut named = request();
    named.storage = StorageNeed::Pvc {
        storage_class: Some("fast".into()),
    };
    let items = preflight(&rt, &plane, DEPLOYER, &named);
    let storage = item(&items, "storage-class", ItemStatus::Block);
    assert!(
        storage
            .message
            .contains("StorageClass fast does not exist (classes here: slow, standard)"),
        "{storage:?}"
    );

    // The reader may not list nodes or StorageClasses: warnings, not a crash, and the checks it
    // can make still run.
    let items = preflight(&rt, &plane, READER, &request());
    for name in ["node-architecture", "storage-class"] {
        let warned = item(&items, name, ItemStatus::Warn);
        assert!(
            warned.message.contains("could not check") && warned.message.contains("forbidden"),
            "{warned:?}"
        );
        assert!(warned.message.contains("fabcheck-reader"), "{warned:?}");
    }
    item(&items, "pod-security", ItemStatus::Block);
    item(&items, "cluster-dns", ItemStatus::Ok);
    item(&items, "kubernetes-version", ItemStatus::Ok);

    // No cluster DNS Service: blocked unless the spec names the IP.
    plane.kubectl(&["delete", "service", "kube-dns", "-n", "kube-system"]);
    let items = preflight(&rt, &plane, DEPLOYER, &request());
    let dns = item(&items, "cluster-dns", ItemStatus::Block);
    assert_eq!(dns.change.as_deref(), Some("set clusterDns in the spec"));
    let mut given = request();
    given.cluster_dns = Some("10.96.0.53".parse().expect("an IP"));
    let items = preflight(&rt, &plane, DEPLOYER, &given);
    let dns = item(&items, "cluster-dns", ItemStatus::Ok);
    assert!(dns.message.contains("10.96.0.53"), "{dns:?}");
}
