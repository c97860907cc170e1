//! On a real single-node Kubernetes (tests/support/real_node.rs): containers really run under
//! kubelet, Services really forward through kube-proxy, names really resolve through a DNS
//! server in a pod, and fabcheck's in-cluster probe runs as real containers from the image
//! built by the project's Dockerfile.
//!
//! These tests need root, the node's binaries (scripts/kube-control-plane) and Debian packages
//! (scripts/test installs them); when something is missing they fail saying what, never skip.

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/real_node.rs"]
mod real_node;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use bounded::{run_bounded, text};
use real_node::{RealNode, images};

const FABCHECK: &str = env!("CARGO_BIN_EXE_fabcheck");

/// A namespace of the test's own, deleted first if a previous run of the same test left it.
fn namespace(node: &RealNode, name: &str) {
    let _ = node.plane.kubectl_as(
        real_node::control_plane::ADMIN,
        &["delete", "namespace", name, "--wait=true", "--timeout=60s"],
        None,
    );
    node.kubectl(&["create", "namespace", name]);
    // Pods need the namespace's default ServiceAccount (and its token) before they are admitted.
    node.wait_until(
        Duration::from_secs(60),
        "the default service account",
        |n| {
            n.plane
                .kubectl_as(
                    real_node::control_plane::ADMIN,
                    &["get", "serviceaccount", "default", "-n", name],
                    None,
                )
                .is_ok()
        },
    );
}

#[test]
fn node_is_ready_and_runs_jobs_and_daemonsets_as_containers() {
    let node = RealNode::shared();
    let ns = "rn-workloads";
    namespace(node, ns);
    let status = node.kubectl(&[
        "get",
        "node",
        real_node::control_plane::NODE_NAME,
        "-o",
        "jsonpath={.status.nodeInfo.containerRuntimeVersion} {.status.nodeInfo.kubeletVersion} {.status.addresses[?(@.type==\"InternalIP\")].address}",
    ]);
    assert!(
        status.starts_with("docker://20.10") && status.contains(" v1.20.2 10.89.0.1"),
        "{status}"
    );

    node.plane.apply_yaml(&format!(
        "apiVersion: batch/v1
kind: Job
metadata:
  name: hello
  namespace: {ns}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: hello
        image: {busybox}
        imagePullPolicy: Never
        command: [sh, -c, 'echo \"hello from $(hostname) pid $$$$ uid $(id -u)\"; cat /proc/1/cgroup | head -n 3']
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: every-node
  namespace: {ns}
spec:
  selector:
    matchLabels: {{app: every-node}}
  template:
    metadata:
      labels: {{app: every-node}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: {busybox}
        imagePullPolicy: Never
        command: [sh, -c, 'echo \"on node $NODE\"; exec sleep 3600']
        env:
        - name: NODE
          valueFrom: {{fieldRef: {{fieldPath: spec.nodeName}}}}
",
        busybox = images::BUSYBOX
    ));
    node.wait_until(Duration::from_secs(90), "the Job to complete", |n| {
        n.kubectl(&[
            "get",
            "job",
            "hello",
            "-n",
            ns,
            "-o",
            "jsonpath={.status.succeeded}",
        ])
        .trim()
            == "1"
    });
    let pod = node.kubectl(&[
        "get",
        "pods",
        "-n",
        ns,
        "-l",
        "job-name=hello",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    let log = node.kubectl(&["logs", "-n", ns, pod.trim()]);
    // A real process in its own PID namespace, in the pod's cgroup under kubelet's kubepods.
    assert!(
        log.contains(&format!("hello from {} pid 1 uid 0", pod.trim())),
        "{log}"
    );
    assert!(log.contains("kubepods"), "{log}");

    node.wait_until(Duration::from_secs(90), "the DaemonSet to be ready", |n| {
        n.kubectl(&[
            "get",
            "daemonset",
            "every-node",
            "-n",
            ns,
            "-o",
            "jsonpath={.status.desiredNumberScheduled}/{.status.numberReady}",
        ])
        .trim()
            == "1/1"
    });
    let ds_pod = node.kubectl(&[
        "get",
        "pods",
        "-n",
        ns,
        "-l",
        "app=every-node",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    let ds_log = node.kubectl(&["logs", "-n", ns, ds_pod.trim()]);
    assert!(ds_log.contains("on node fabcheck-node"), "{ds_log}");
    // exec goes API server → kubelet (by InternalIP) → dockershim → the container.
    let exec = node.kubectl(&[
        "exec",
        "-n",
        ns,
        ds_pod.trim(),
        "--",
        "cat",
        "/etc/resolv.conf",
    ]);
    assert!(exec.contains("nameserver 10.96.0.10"), "{exec}");
    assert!(
        exec.contains(&format!(
            "search {ns}.svc.cluster.local svc.cluster.local cluster.local"
        )),
        "{exec}"
    );
    let _ = node.plane.kubectl_as(
        real_node::control_plane::ADMIN,
        &["delete", "namespace", ns, "--wait=true", "--timeout=60s"],
        None,
    );
}

/// The in-cluster probe's objects of `kinds` still in its namespace, by name.
fn probe_objects(node: &RealNode, kinds: &str) -> String {
    node.kubectl(&[
        "get",
        kinds,
        "-n",
        "fabcheck-system",
        "-l",
        "fabcheck.io/component=probe",
        "-o",
        "name",
    ])
}

/// The in-cluster probe tests take turns: one discovers every namespace, and would judge the
/// other's peers. A test that panicked does not poison the others.
fn probe_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn pods_resolve_service_names_and_reach_cluster_ips() {
    let node = RealNode::shared();
    let ns = "rn-services";
    namespace(node, ns);
    node.plane.apply_yaml(&format!(
        "apiVersion: v1
kind: Pod
metadata:
  # Not `web`: a pod's own name is in its /etc/hosts, ahead of the Service's.
  name: web-server
  namespace: {ns}
  labels: {{app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: {busybox}
    imagePullPolicy: Never
    command: [sh, -c, 'mkdir -p /www && echo served-by-web > /www/index.html && exec httpd -f -p 8080 -h /www']
    readinessProbe:
      tcpSocket: {{port: 8080}}
      periodSeconds: 1
  - name: sidecar
    image: {debian}
    imagePullPolicy: Never
    command: [sleep, '3600']
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: {ns}
spec:
  selector: {{app: web}}
  ports:
  - port: 80
    targetPort: 8080
    protocol: TCP
",
        busybox = images::BUSYBOX,
        debian = images::DEBIAN,
    ));
    node.wait_until(Duration::from_secs(90), "the web Service's endpoint", |n| {
        !n.kubectl(&[
            "get",
            "endpoints",
            "web",
            "-n",
            ns,
            "-o",
            "jsonpath={.subsets[*].addresses[*].ip}",
        ])
        .trim()
        .is_empty()
    });
    let cluster_ip = node.kubectl(&[
        "get",
        "service",
        "web",
        "-n",
        ns,
        "-o",
        "jsonpath={.spec.clusterIP}",
    ]);
    let cluster_ip = cluster_ip.trim();
    // The name is in the cluster DNS once the node's DNS sync has seen the Service.
    std::thread::sleep(Duration::from_secs(2));

    // glibc's resolver in the Debian image: a short name through the pod's search list, the
    // API server's Service by its namespace-qualified name; then HTTP to the ClusterIP by name.
    node.plane.apply_yaml(&format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: client
  namespace: {ns}
spec:
  restartPolicy: Never
  containers:
  - name: lookup
    image: {debian}
    imagePullPolicy: Never
    command: [sh, -c, 'getent hosts web && getent hosts kubernetes.default && ! getent hosts nothing-here']
  - name: fetch
    image: {debian}
    imagePullPolicy: Never
    command: [bash, -c, 'for to in web {cluster_ip}; do exec 3<>/dev/tcp/$to/80 && printf \"GET / HTTP/1.0\\r\\n\\r\\n\" >&3 && timeout 5 cat <&3 || exit 1; done']
",
        debian = images::DEBIAN,
    ));
    node.wait_pod_succeeded(ns, "client", Duration::from_secs(90));
    let lookup = node
        .plane
        .kubectl(&["logs", "-n", ns, "client", "-c", "lookup"]);
    let answers: Vec<Vec<&str>> = lookup
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let web_fqdn = format!("web.{ns}.svc.cluster.local");
    assert!(
        answers.contains(&vec![cluster_ip, web_fqdn.as_str()]),
        "{lookup}"
    );
    assert!(
        answers.contains(&vec!["10.96.0.1", "kubernetes.default.svc.cluster.local"]),
        "{lookup}"
    );
    // bash's /dev/tcp, by name (glibc) and by address: both answered by the web pod.
    let fetched = node
        .plane
        .kubectl(&["logs", "-n", ns, "client", "-c", "fetch"]);
    assert_eq!(fetched.matches(" 200 OK").count(), 2, "{fetched}");
    assert_eq!(fetched.matches("served-by-web").count(), 2, "{fetched}");

    // A pod reaching its own Service (hairpin on the bridge), from its Debian sidecar
    // (busybox-static's wget crashes in static glibc's NSS, even for an address).
    let own = node.kubectl(&[
        "exec",
        "-n",
        ns,
        "web-server",
        "-c",
        "sidecar",
        "--",
        "bash",
        "-c",
        "exec 3<>/dev/tcp/web/80 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && timeout 5 cat <&3",
    ]);
    assert!(
        own.contains(" 200 OK") && own.ends_with("served-by-web\n"),
        "{own}"
    );
    node.kubectl(&["delete", "namespace", ns, "--wait=false"]);
}

/// The probe image from the Dockerfile answers a probe run under a plain private Docker engine
/// (the node's own daemon, no Kubernetes involved): `fabcheck check` in the container resolves
/// through a real DNS server (the node's dnsmasq pod, by its pod address) and reports DNS-008.
#[test]
fn probe_image_from_the_dockerfile_answers_under_docker() {
    let node = RealNode::shared();
    let inspect = node.docker.ok(&[
        "image",
        "inspect",
        images::PROBE,
        "--format",
        "{{json .Config.Entrypoint}} {{.Config.User}}",
    ]);
    assert_eq!(inspect.trim(), "[\"fabcheck\"] 10001:10001");
    let version = node.docker.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        images::PROBE,
        "--version",
    ]);
    assert!(version.starts_with("fabcheck "), "{version}");
    let dns_pod = node.kubectl(&[
        "get",
        "pods",
        "-n",
        "kube-system",
        "-l",
        "k8s-app=kube-dns",
        "-o",
        "jsonpath={.items[0].status.podIP}",
    ]);
    // The reference network's rendered artifacts, checked from the container against the node's
    // DNS server: the peers' Services exist once the network is applied (the next test does);
    // here the names do not, so the verdict is a real "does not resolve".
    let work = tempfile::tempdir().expect("temp dir");
    let rendered = work.path().join("network");
    let mut render = Command::new(FABCHECK);
    render.args(["render", "--out"]).arg(&rendered);
    let out = run_bounded(render, Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The image's user (10001) reads the mounted tree.
    let chmod = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(work.path())
        .status()
        .expect("chmod runs");
    assert!(chmod.success());
    let mount = format!("{}:/network:ro", rendered.display());
    let run = node.docker.run(&[
        "run",
        "--rm",
        "--network",
        "host",
        "-v",
        &mount,
        images::PROBE,
        "check",
        "--artifacts",
        "/network",
        "--select",
        "DNS-008",
        "--dns-server",
        dns_pod.trim(),
        "-o",
        "json",
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    let findings: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check_id"] == "DNS-008")
        .collect();
    assert!(!findings.is_empty(), "{report:#}");
    for f in &findings {
        assert!(
            f["status"] == "fail" || f["status"] == "pass",
            "a real lookup, not a skip: {f:#}"
        );
    }
}

/// `check --probe in-cluster` with the image built from the Dockerfile: the Job and the node
/// DNS DaemonSet run as real containers, reach the API server through its Service, look the
/// chaincode names up through the cluster DNS pod, dial a peer Service whose pod serves the
/// peer's own TLS certificate (from its Secret) with ALPN h2, and ask the reference network's
/// own ZooKeeper StatefulSets — real ZooKeeper (Debian's) through the spec's
/// `images.zookeeper` — for their quorum; then one member is stopped and the probe says so.
#[test]
fn in_cluster_probe_runs_as_real_containers_with_real_findings() {
    let _turn = probe_turn();
    let node = RealNode::shared();
    node.docker.zookeeper();
    node.docker.kafka(Path::new(FABCHECK));
    let work = tempfile::tempdir().expect("temp dir");
    let rendered = work.path().join("network");
    let spec = work.path().join("spec.yaml");
    std::fs::write(
        &spec,
        format!(
            "images:\n  zookeeper: {}\n  kafka: {}\n",
            images::ZOOKEEPER,
            images::KAFKA
        ),
    )
    .expect("spec");
    let mut render = Command::new(FABCHECK);
    render
        .args(["render", "--spec"])
        .arg(&spec)
        .arg("--out")
        .arg(&rendered);
    let out = run_bounded(render, Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    node.apply_rendered(&rendered);
    // peer0.org1's Service selects this pod too: TLS with the peer's certificate and key from
    // its Secret, ALPN h2 (openssl from the Debian image; it answers no gRPC).
    node.plane.apply_yaml(&format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: peer0-tls-standin
  namespace: org1
  labels:
    app.kubernetes.io/name: peer0
    fabcheck.io/network: reference
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: tls
    image: {debian}
    imagePullPolicy: Never
    command: [openssl, s_server, -accept, '0.0.0.0:7051', -cert, /tls/server.crt, -key,
              /tls/server.key, -alpn, h2, -quiet]
    readinessProbe:
      tcpSocket: {{port: 7051}}
      periodSeconds: 1
    volumeMounts:
    - name: tls
      mountPath: /tls
      readOnly: true
  volumes:
  - name: tls
    secret:
      secretName: peer0-crypto
      items:
      - {{key: tls_server.crt, path: server.crt}}
      - {{key: tls_server.key, path: server.key}}
",
        debian = images::DEBIAN
    ));
    node.wait_until(
        Duration::from_secs(90),
        "peer0.org1's stand-in endpoint",
        |n| {
            !n.kubectl(&[
                "get",
                "endpoints",
                "peer0",
                "-n",
                "org1",
                "-o",
                "jsonpath={.subsets[*].addresses[*].ip}",
            ])
            .trim()
            .is_empty()
        },
    );
    // The ensemble: three JVMs on the pod network electing a leader through their Services.
    node.wait_until(
        Duration::from_secs(240),
        "a ZooKeeper leader and two followers",
        |n| {
            let modes = zookeeper_modes(n);
            modes.iter().filter(|m| *m == "leader").count() == 1
                && modes.iter().filter(|m| *m == "follower").count() == 2
        },
    );
    node.wait_until(Duration::from_secs(120), "four ready Kafka brokers", |n| {
        (0..4).all(|i| {
            n.kubectl(&[
                "get",
                "statefulset",
                &format!("kafka{i}"),
                "-n",
                "kafka",
                "-o",
                "jsonpath={.status.readyReplicas}",
            ])
            .trim()
                == "1"
        })
    });
    std::thread::sleep(Duration::from_secs(2));

    let (report, took) = node.probe_in_cluster(FABCHECK, work.path(), &[]);
    eprintln!("in-cluster probe on the real node took {took:?}");
    let findings = report["findings"].as_array().expect("findings");
    let of = |id: &str, target: &str| -> Vec<&serde_json::Value> {
        findings
            .iter()
            .filter(|f| {
                f["check_id"] == id && f["target"]["name"].as_str().unwrap_or("").contains(target)
            })
            .collect()
    };
    let from_probe = |f: &serde_json::Value| {
        f["evidence"]["probed_from"]
            .as_str()
            .is_some_and(|p| p.starts_with("in-cluster probe pod fabcheck-system/fabcheck-probe-"))
    };

    // peer0.org1: a real TLS handshake from the Job's pod, through kube-proxy, verified with
    // org1's TLS CA from the Secret; the stand-in speaks no gRPC, and that is seen too.
    for id in ["TLS-001", "TLS-002", "TLS-003", "TLS-004", "TLS-006"] {
        let found = of(id, "peer0.org1.svc:7051");
        assert!(!found.is_empty(), "no {id} for peer0.org1: {findings:#?}");
        for f in found {
            assert_eq!(f["status"], "pass", "{f:#}");
            assert!(from_probe(f), "{f:#}");
        }
    }
    let grpc = of("TLS-007", "peer0.org1.svc:7051");
    assert!(
        !grpc.is_empty() && grpc.iter().all(|f| f["status"] == "fail"),
        "{grpc:#?}"
    );
    // A peer whose Service has no ready pod: refused by kube-proxy's REJECT, a failure.
    let absent = of("TLS-001", "peer1.org1.svc:7051");
    assert!(
        !absent.is_empty()
            && absent
                .iter()
                .all(|f| f["status"] == "fail" || f["status"] == "error"),
        "{absent:#?}"
    );

    // Chaincode DNS from the node (the DaemonSet's pod): every peer's name resolves through
    // the cluster DNS pod to its Service's ClusterIP.
    let dns: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["check_id"] == "DNS-008")
        .filter(|f| {
            f["target"]["locator"]
                .as_str()
                .is_some_and(|l| l.ends_with("on node fabcheck-node"))
        })
        .collect();
    assert!(dns.len() >= 6, "{findings:#?}");
    let peer0_org2_ip = node.kubectl(&[
        "get",
        "service",
        "peer0",
        "-n",
        "org2",
        "-o",
        "jsonpath={.spec.clusterIP}",
    ]);
    for f in &dns {
        assert_eq!(f["status"], "pass", "{f:#}");
    }
    assert!(
        dns.iter().any(
            |f| f["message"].as_str().unwrap_or("").starts_with(&format!(
                "peer0.org2 resolves as peer0.org2.svc.cluster.local to {}",
                peer0_org2_ip.trim()
            ))
        ),
        "{dns:#?}"
    );
    // ZooKeeper: asked from the Job's pod, by Service name, over the pod network.
    for id in ["ZK-005", "ZK-006"] {
        let found: Vec<&serde_json::Value> =
            findings.iter().filter(|f| f["check_id"] == id).collect();
        assert!(!found.is_empty(), "no {id}: {findings:#?}");
        for f in &found {
            assert_eq!(f["status"], "pass", "{f:#}");
            assert!(from_probe(f), "{f:#}");
        }
    }

    // Kafka: the four brokers, each its own pod, asked by Service name from the Job's pod.
    let kafka: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| {
            f["check_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("KAFKA-01"))
        })
        .filter(|f| f["evidence"].get("probed_from").is_some())
        .collect();
    for id in ["KAFKA-014", "KAFKA-015", "KAFKA-016", "KAFKA-017"] {
        let found: Vec<&&serde_json::Value> =
            kafka.iter().filter(|f| f["check_id"] == id).collect();
        assert!(!found.is_empty(), "no {id}: {kafka:#?}");
        for f in found {
            assert_eq!(f["status"], "pass", "{f:#}");
            assert!(from_probe(f), "{f:#}");
        }
    }
    // Each broker's own effective settings, as the StatefulSet's environment gave them.
    let described: Vec<&str> = kafka
        .iter()
        .filter(|f| f["check_id"] == "KAFKA-016")
        .filter_map(|f| f["target"]["name"].as_str())
        .collect();
    for i in 0..4 {
        let broker = format!("kafka{i}.kafka:9092");
        assert!(described.contains(&broker.as_str()), "{described:?}");
    }

    // One member stopped: the probe finds the ensemble one short, and names the member.
    node.stop_statefulset("kafka", "zookeeper2");
    // And one broker restarted with unclean leader election on.
    node.restart_with_env(
        "kafka",
        "kafka3",
        "KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE",
        "true",
    );
    node.wait_until(Duration::from_secs(60), "zookeeper2-0 to stop", |n| {
        n.plane
            .kubectl_as(
                real_node::control_plane::ADMIN,
                &["get", "pod", "zookeeper2-0", "-n", "kafka"],
                None,
            )
            .is_err()
    });
    let (broken, _) = node.probe_in_cluster(FABCHECK, work.path(), &["--select", "ZK,KAFKA-016"]);
    let unclean: Vec<&serde_json::Value> = broken["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check_id"] == "KAFKA-016" && f["status"] != "pass")
        .collect();
    assert_eq!(unclean.len(), 1, "{unclean:#?}");
    assert_eq!(unclean[0]["status"], "fail", "{:#}", unclean[0]);
    assert_eq!(
        unclean[0]["target"]["name"], "kafka3.kafka:9092",
        "{:#}",
        unclean[0]
    );
    assert!(
        unclean[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unclean.leader.election.enable=true")),
        "{:#}",
        unclean[0]
    );
    let zk: Vec<&serde_json::Value> = broken["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check_id"] == "ZK-005" || f["check_id"] == "ZK-006")
        .collect();
    // The quorum holds without it (a warning, not a failure), and both checks say which.
    let ensemble = |id: &str| {
        zk.iter()
            .find(|f| {
                f["check_id"] == id
                    && f["target"]["name"]
                        .as_str()
                        .is_some_and(|n| n.matches(".kafka.svc:2181").count() == 3)
            })
            .unwrap_or_else(|| panic!("no ensemble {id}: {zk:#?}"))
    };
    let quorum = ensemble("ZK-005");
    assert_eq!(quorum["status"], "warn", "{quorum:#}");
    assert!(
        quorum["message"]
            .as_str()
            .is_some_and(|m| m.contains("2 of 3 servers reachable")
                && m.contains("zookeeper2.kafka.svc:2181: connection refused")),
        "{quorum:#}"
    );
    let sync = ensemble("ZK-006");
    assert_eq!(sync["status"], "warn", "{sync:#}");
    assert!(
        sync["message"]
            .as_str()
            .is_some_and(|m| m.contains("1 of 2 followers in sync")),
        "{sync:#}"
    );
    node.kubectl(&[
        "scale",
        "statefulset",
        "zookeeper2",
        "-n",
        "kafka",
        "--replicas=1",
    ]);

    // Nothing of the probe is left in the cluster.
    let left = || probe_objects(node, "jobs,daemonsets,pods,configmaps");
    // A DaemonSet pod is given its grace period to stop.
    let deadline = Instant::now() + Duration::from_secs(90);
    while !left().trim().is_empty() {
        assert!(
            Instant::now() < deadline,
            "probe objects left after 90s: {}\n{}",
            left(),
            node.kubectl(&["get", "pods", "-n", "fabcheck-system", "-o", "wide"])
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// What each ZooKeeper pod of the reference network says it is (`srvr`'s Mode), asked inside
/// the pod.
fn zookeeper_modes(node: &RealNode) -> Vec<String> {
    (0..3)
        .filter_map(|i| {
            node.plane
                .kubectl_as(
                    real_node::control_plane::ADMIN,
                    &[
                        "exec",
                        "-n",
                        "kafka",
                        &format!("zookeeper{i}-0"),
                        "--",
                        "bash",
                        "-c",
                        "exec 3<>/dev/tcp/127.0.0.1/2181 && printf srvr >&3 && timeout 3 cat <&3",
                    ],
                    None,
                )
                .ok()
        })
        .filter_map(|answer| {
            answer
                .lines()
                .find_map(|l| l.strip_prefix("Mode:"))
                .map(|m| m.trim().to_owned())
        })
        .collect()
}

/// A peer that launches chaincode through its node's Docker socket (Fabric 1.4 on a
/// dockershim cluster: `hostPath` /var/run, `CORE_VM_ENDPOINT=unix:///host/var/run/docker.sock`,
/// Fabric's default NetworkMode host): the in-cluster probe reaches that node's real Docker
/// daemon — the kubelet's own — through a relay pod of fabcheck's image on the node and a
/// port-forward to it, starts a container there with the peer's HostConfig in the chaincode
/// runtime image, and reads the lookups back. On the host network the container has the
/// node's resolv.conf and cannot resolve the peer's Service name (the seed article's failure);
/// `localhost` it can. The relay is gone afterwards.
#[test]
fn a_node_socket_peer_is_probed_on_the_nodes_own_docker_daemon() {
    let _turn = probe_turn();
    let node = RealNode::shared();
    node.apply_probe_rbac();
    // The peer image (its version picks the runtime image) and Fabric 1.4's Go runtime image,
    // whose resolver is glibc's as Debian's is.
    node.docker
        .ok(&["tag", images::DEBIAN, "hyperledger/fabric-peer:1.4.12"]);
    node.docker
        .ok(&["tag", images::DEBIAN, "hyperledger/fabric-baseos:0.4.22"]);
    let ns = "sockpeer";
    namespace(node, ns);
    let peer = |name: &str, chaincode_address: &str| {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: peer
        image: hyperledger/fabric-peer:1.4.12
        imagePullPolicy: Never
        command: [sleep, infinity]
        env:
        - {{name: CORE_PEER_ID, value: {name}.sockpeer}}
        - {{name: CORE_PEER_ADDRESS, value: '{name}:7051'}}
        - {{name: CORE_PEER_CHAINCODEADDRESS, value: '{chaincode_address}'}}
        - {{name: CORE_VM_ENDPOINT, value: 'unix:///host/var/run/docker.sock'}}
        - {{name: CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE, value: host}}
        volumeMounts:
        - {{name: docker, mountPath: /host/var/run}}
      volumes:
      - name: docker
        hostPath: {{path: {dir}}}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
spec:
  selector: {{app: {name}}}
  ports:
  - {{name: grpc, port: 7051, protocol: TCP}}
  - {{name: chaincode, port: 7052, protocol: TCP}}
",
            dir = node.dir.display()
        )
    };
    node.plane.apply_yaml(&peer("peer0", "peer0:7052"));
    node.plane.apply_yaml(&peer("peer1", "localhost:7052"));
    node.wait_until(Duration::from_secs(120), "both peers running", |n| {
        n.kubectl(&[
            "get",
            "pods",
            "-n",
            ns,
            "-o",
            "jsonpath={range .items[*]}{.status.phase}{\"\\n\"}{end}",
        ])
        .lines()
        .filter(|l| *l == "Running")
        .count()
            == 2
    });
    let work = tempfile::tempdir().expect("temp dir");
    let (report, took) = node.probe_in_cluster(FABCHECK, work.path(), &["--namespace", ns]);
    eprintln!("in-cluster probe of the node-socket peers took {took:?}");
    let findings = report["findings"].as_array().expect("findings");
    let through_relay = |peer: &str| -> Vec<&serde_json::Value> {
        findings
            .iter()
            .filter(|f| f["check_id"] == "DNS-008")
            .filter(|f| {
                f["target"]["locator"].as_str().is_some_and(|l| {
                    l.contains(&format!(
                        "unix:///host/var/run/docker.sock in pod {ns}/{peer}-"
                    )) && l.contains(
                        "the node's daemon, through relay pod fabcheck-system/fabcheck-probe-",
                    ) && l.contains("NetworkMode host")
                        && l.contains("resolved by glibc")
                })
            })
            .collect()
    };
    let peer0 = through_relay("peer0");
    assert!(
        !peer0.is_empty()
            && peer0.iter().any(|f| f["status"] == "fail"
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("peer0 does not resolve"))),
        "{findings:#?}"
    );
    let peer1 = through_relay("peer1");
    assert!(
        !peer1.is_empty()
            && peer1.iter().all(|f| f["status"] == "pass")
            && peer1[0]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("localhost resolves")),
        "{findings:#?}"
    );
    // No chaincode ran on the node's daemon for these peers: HEALTH-005 says so per pod.
    let health: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["check_id"] == "HEALTH-005")
        .collect();
    assert!(
        health.len() == 2
            && health.iter().all(|f| f["status"] == "skip"
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("dev-peer"))),
        "{health:#?}"
    );
    // The relay (deleted, it stops on SIGTERM) and the probe container are gone.
    node.wait_until(Duration::from_secs(30), "the relay pod gone", |n| {
        !probe_objects(n, "pods").contains("-docker-")
    });
    let containers = node.docker.ok(&[
        "ps",
        "-a",
        "--filter",
        "label=org.hyperledger.fabcheck.probe",
        "--format",
        "{{.Names}}",
    ]);
    assert!(containers.trim().is_empty(), "{containers}");
    node.kubectl(&["delete", "namespace", ns, "--wait=false"]);
}
