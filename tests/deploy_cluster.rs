//! `deploy`, `teardown` and `deploy-and-verify` against a real control plane (etcd,
//! kube-apiserver and kube-controller-manager from `scripts/kube-control-plane`), with a
//! stand-in kubelet writing Pod status. fabcheck runs as its binary, as CI runs it.

#[path = "support/bounded.rs"]
mod bounded;
#[path = "support/control_plane.rs"]
mod control_plane;
#[path = "support/findings.rs"]
mod findings;
#[path = "support/kubelet.rs"]
mod kubelet;

use bounded::{run_bounded, text};
use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use control_plane::{ADMIN, ControlPlane, DEPLOYER, READER};
use findings::describe;
use kubelet::Kubelet;

/// The reference network's namespaces.
const NAMESPACES: [&str; 5] = ["kafka", "orgorderer1", "org1", "org2", "org3"];

fn fabcheck(plane: &ControlPlane, context: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabcheck"));
    cmd.args(args)
        .args(plane.context_args(context))
        .args(["--request-timeout", "10s"])
        .stdin(Stdio::null());
    if args[0] != "teardown" {
        cmd.args(["--progress", "lines"]);
    }
    run_bounded(cmd, Duration::from_secs(300))
}

/// resourceVersion of every object the network owns, by kind/namespace/name.
fn resource_versions(plane: &ControlPlane, network: &str) -> BTreeMap<String, String> {
    let json = plane.kubectl(&[
        "get",
        "namespaces,configmaps,secrets,services,serviceaccounts,statefulsets,deployments,jobs,roles,rolebindings",
        "--all-namespaces",
        "-l",
        &format!("fabcheck.io/network={network}"),
        "-o",
        "json",
    ]);
    let list: serde_json::Value = serde_json::from_str(&json).expect("kubectl json");
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| {
            (
                format!(
                    "{} {}/{}",
                    o["kind"].as_str().unwrap_or(""),
                    o["metadata"]["namespace"].as_str().unwrap_or(""),
                    o["metadata"]["name"].as_str().unwrap_or("")
                ),
                o["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect()
}

fn owned_namespaces(plane: &ControlPlane, network: &str) -> Vec<String> {
    plane
        .kubectl(&[
            "get",
            "namespaces",
            "-l",
            &format!("fabcheck.io/network={network}"),
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ])
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn ready_statefulsets(plane: &ControlPlane, ns: &str) -> Vec<(String, String)> {
    plane
        .kubectl(&[
            "get",
            "statefulsets",
            "-n",
            ns,
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.status.readyReplicas}{\"\\n\"}{end}",
        ])
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect()
}

#[test]
fn reference_network_deploys_reapplies_unchanged_and_tears_down() {
    let plane = ControlPlane::start();
    plane.bind_repository_rbac();
    let _kubelet = Kubelet::start(&plane.kubeconfig, &[]);

    let first = fabcheck(&plane, DEPLOYER, &["deploy"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(stdout.contains("deployed network reference"), "{stdout}");
    assert!(stdout.contains("PKI generated"), "{stdout}");
    let mut names = owned_namespaces(&plane, "reference");
    names.sort();
    let mut want: Vec<String> = NAMESPACES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(names, want);
    let peers = ready_statefulsets(&plane, "org1");
    assert_eq!(
        peers,
        vec![("peer0".into(), "1".into()), ("peer1".into(), "1".into())],
        "org1 StatefulSets"
    );
    let services = plane.kubectl(&["get", "service", "peer0", "-n", "org1", "-o", "name"]);
    assert_eq!(services.trim(), "service/peer0");
    // The generated keys live in Secrets only.
    let configmaps = plane.kubectl(&[
        "get",
        "configmaps",
        "-A",
        "-l",
        "fabcheck.io/network=reference",
        "-o",
        "json",
    ]);
    assert!(!configmaps.contains("PRIVATE KEY"));
    assert!(!String::from_utf8_lossy(&first.stderr).contains("PRIVATE KEY"));

    // A second deploy changes nothing: same PKI, same objects, same resourceVersions.
    let before = resource_versions(&plane, "reference");
    assert!(before.len() > 50, "{} objects", before.len());
    let again = fabcheck(&plane, DEPLOYER, &["deploy"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("PKI reused from the cluster"),
        "{}",
        text(&again)
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("genesis block already published"),
        "{}",
        text(&again)
    );
    let after = resource_versions(&plane, "reference");
    let changed: Vec<&String> = before
        .iter()
        .filter(|(k, v)| after.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        changed.is_empty(),
        "changed by the second apply: {changed:?}"
    );
    assert_eq!(before.len(), after.len());

    // Teardown removes every owned namespace (the controller manager finalises them).
    let down = fabcheck(&plane, DEPLOYER, &["teardown"]);
    assert_eq!(down.status.code(), Some(0), "{}", text(&down));
    assert!(owned_namespaces(&plane, "reference").is_empty());
    assert!(resource_versions(&plane, "reference").is_empty());
    for ns in NAMESPACES {
        assert!(
            plane
                .kubectl_as(ADMIN, &["get", "namespace", ns], None)
                .is_err(),
            "namespace {ns} still exists"
        );
    }
}

#[test]
fn deploy_and_verify_reports_every_format_and_tears_down() {
    let plane = ControlPlane::start();
    plane.bind_repository_rbac();
    let _kubelet = Kubelet::start(&plane.kubeconfig, &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("report.json");
    let junit = dir.path().join("report.xml");
    let out = fabcheck(
        &plane,
        DEPLOYER,
        &[
            "deploy-and-verify",
            "--probe",
            "outside",
            "-o",
            "table",
            "-o",
            &format!("json={}", json.display()),
            "-o",
            &format!("junit={}", junit.display()),
        ],
    );
    // Told to probe from the runner, which cannot reach the Services here, the live TLS and
    // HEALTH families only skip; every family but LOG (and RAFT, on a Kafka network) is required by default, so the gate refuses to sign
    // off (exit 1).
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json report")).expect("json");
    assert_eq!(
        report["required"]["selectors"],
        serde_json::json!([
            "X509", "KAFKA", "ZK", "TLS", "DNS", "HEALTH", "DEPLOY", "CHANNEL"
        ]),
        "{}",
        text(&out)
    );
    let not_run = report["required"]["not_run"].as_array().expect("not_run");
    assert_eq!(
        not_run.len(),
        2,
        "only the live TLS and HEALTH did not run: {not_run:#?}"
    );
    assert_eq!(not_run[0]["family"], "TLS");
    assert_eq!(not_run[1]["family"], "HEALTH");
    for n in not_run {
        assert!(
            n["reason"]
                .as_str()
                .is_some_and(|r| r.contains("cannot reach the cluster's Service IPs")),
            "{not_run:#?}"
        );
    }
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("required family TLS did not run"),
        "{}",
        text(&out)
    );
    let findings = report["findings"].as_array().expect("findings");
    let bad: Vec<String> = findings
        .iter()
        .filter(|f| matches!(f["status"].as_str(), Some("fail" | "error")))
        .map(|f| format!("{} {} {}", f["check_id"], f["target"]["name"], f["message"]))
        .collect();
    assert!(bad.is_empty(), "failed on the deployed network: {bad:#?}");
    // The deploy itself is a test case of its own.
    assert!(
        findings.iter().any(|f| f["check_id"] == "DEPLOY-001"
            && f["status"] == "pass"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("deployed network reference"))),
        "{findings:#?}"
    );
    let passed = |prefix: &str| {
        findings.iter().any(|f| {
            f["check_id"]
                .as_str()
                .is_some_and(|id| id.starts_with(prefix))
                && f["status"] == "pass"
        })
    };
    // Static checks ran on the objects read back: certificates, Kafka/ZooKeeper settings,
    // the chaincode resolver.
    for area in ["X509-", "KAFKA-", "ZK-", "DNS-"] {
        assert!(passed(area), "no {area} check passed: {findings:#?}");
    }
    // The nodes' MSP folders, read back as Secrets, are judged as the pods mount them.
    let node_msps = findings
        .iter()
        .filter(|f| f["check_id"] == "X509-008" && f["status"] == "pass")
        .filter(|f| {
            f["target"]["name"]
                .as_str()
                .is_some_and(|n| n.ends_with(":/var/hyperledger/peer/msp"))
        })
        .count();
    assert_eq!(node_msps, 6, "every peer's MSP judged: {findings:#?}");
    // The runner cannot reach ClusterIPs here: live checks skip and say why.
    let live_skip = findings.iter().any(|f| {
        f["status"] == "skip"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("cannot reach the cluster's Service IPs"))
    });
    assert!(live_skip, "no live skip with a reason: {findings:#?}");
    assert!(
        std::fs::read_to_string(&junit)
            .expect("junit")
            .contains("<testsuites")
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("passed"));
    assert!(
        owned_namespaces(&plane, "reference").is_empty(),
        "not torn down"
    );
}

#[test]
fn deploy_converges_after_the_apiserver_restarts_mid_deploy() {
    let mut plane = ControlPlane::start();
    let _kubelet = Kubelet::start(&plane.kubeconfig, &[]);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabcheck"));
    cmd.arg("deploy").args(plane.context_args(ADMIN)).args([
        "--request-timeout",
        "5s",
        "--progress",
        "lines",
        "--timeout",
        "2m",
    ]);
    use std::os::unix::process::CommandExt;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("start fabcheck");
    // Stop the API server once the deploy is under way (its first namespaces exist).
    let start = Instant::now();
    while plane
        .kubectl_as(ADMIN, &["get", "namespace", "kafka"], None)
        .is_err()
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "deploy never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    plane.stop_apiserver();
    let interrupted = child.wait_with_output().expect("wait");
    assert_eq!(interrupted.status.code(), Some(4), "{}", text(&interrupted));
    assert!(
        String::from_utf8_lossy(&interrupted.stderr).contains("fabcheck: failed to"),
        "{}",
        text(&interrupted)
    );
    plane.start_apiserver();
    let rerun = fabcheck(&plane, ADMIN, &["deploy", "--timeout", "3m"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    for ns in ["org1", "org2", "org3"] {
        assert_eq!(ready_statefulsets(&plane, ns).len(), 2, "{ns}");
    }
    assert_eq!(ready_statefulsets(&plane, "orgorderer1").len(), 3);
    assert_eq!(ready_statefulsets(&plane, "kafka").len(), 7);
    // Converged: one more run changes nothing.
    let before = resource_versions(&plane, "reference");
    let again = fabcheck(&plane, ADMIN, &["deploy"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(before, resource_versions(&plane, "reference"));
}

#[test]
fn read_only_token_and_wait_timeout_fail_with_exit_4_and_say_why() {
    let plane = ControlPlane::start();
    plane.bind_repository_rbac();
    // The read-only role cannot create anything: a clear RBAC message, exit 4.
    let refused = fabcheck(&plane, READER, &["deploy", "--timeout", "1m"]);
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("forbidden"), "{err}");
    assert!(err.contains("fabcheck-reader"), "{err}");
    assert!(err.contains("rbac/deployer.yaml"), "{err}");

    // peer0 of every org cannot pull its image: the wait stops as soon as that is known (not
    // at its 2-minute bound), naming the image and what the pod and its events say.
    let _kubelet = Kubelet::start(&plane.kubeconfig, &["peer0-"]);
    let started = Instant::now();
    let stuck = fabcheck(&plane, DEPLOYER, &["deploy", "--timeout", "2m"]);
    assert_eq!(stuck.status.code(), Some(4), "{}", text(&stuck));
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&stuck.stderr);
    assert!(took < Duration::from_secs(100), "{took:?}: {err}");
    assert!(
        err.contains("failed to get phase peers ready; not ready"),
        "{err}"
    );
    // The wait stops at the first peer0 known stuck; which org's that is depends on timing.
    assert!(
        (1..=3).any(|n| err.contains(&format!(
            "StatefulSet org{n}/peer0: cannot start without a change: pod peer0-0: container peer (image hyperledger/fabric-peer:1.4.12) waiting: ImagePullBackOff"
        ))),
        "{err}"
    );
    assert!(
        !err.contains("container dind (image docker:24.0.9-dind) waiting: ImagePullBackOff"),
        "only the peer's image is missing: {err}"
    );
    assert!(err.contains("Failed to pull image"), "{err}");
    assert!(
        !err.contains("StatefulSet org1/peer1:"),
        "peer1 is not stuck: {err}"
    );
}

/// The failed deploy's outputs: JSON and JUnit files under `dir`.
fn report_outputs(dir: &std::path::Path) -> [String; 4] {
    [
        "-o".to_owned(),
        format!("json={}", dir.join("report.json").display()),
        "-o".to_owned(),
        format!("junit={}", dir.join("report.xml").display()),
    ]
}

#[test]
fn deploy_and_verify_that_fails_to_deploy_still_writes_its_report() {
    let plane = ControlPlane::start();
    plane.bind_repository_rbac();
    // No node has the peers' image or can pull it: ErrImagePull, then ImagePullBackOff.
    kubelet::missing_images(&["hyperledger/fabric-peer:1.4.12"]);
    let _kubelet = Kubelet::start(&plane.kubeconfig, &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut args = vec!["deploy-and-verify", "--timeout", "3m"];
    let outputs = report_outputs(dir.path());
    args.extend(outputs.iter().map(String::as_str));
    let started = Instant::now();
    let out = fabcheck(&plane, DEPLOYER, &args);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(took < Duration::from_secs(150), "{took:?}: {}", text(&out));

    let junit = std::fs::read_to_string(dir.path().join("report.xml")).expect("junit written");
    assert!(junit.contains("<testsuite name=\"DEPLOY\""), "{junit}");
    assert!(
        junit.contains("DEPLOY-001") && junit.contains("<failure"),
        "{junit}"
    );
    assert!(
        junit.contains("hyperledger/fabric-peer:1.4.12") && junit.contains("Failed to pull image"),
        "{junit}"
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report.json")).expect("json written"),
    )
    .expect("json");
    let findings = report["findings"].as_array().expect("findings");
    let deploy: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["check_id"] == "DEPLOY-001")
        .collect();
    assert_eq!(deploy.len(), 1, "{findings:#?}");
    assert_eq!(deploy[0]["status"], "fail");
    assert_eq!(deploy[0]["evidence"]["stage"], "deploy");
    assert!(
        deploy[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("failed to get phase peers ready")
                && (m.contains("ErrImagePull") || m.contains("ImagePullBackOff"))),
        "{:#}",
        deploy[0]
    );
    // What was applied before the peers (certificates, Kafka and ZooKeeper), read back and
    // checked.
    assert!(
        findings.iter().any(|f| f["check_id"]
            .as_str()
            .is_some_and(|i| i.starts_with("X509-"))
            && f["status"] == "pass"),
        "{findings:#?}"
    );
    assert!(
        report["source"]
            .as_str()
            .is_some_and(|s| s.contains("deploy failed; what was applied")),
        "{}",
        report["source"]
    );
    assert!(
        owned_namespaces(&plane, "reference").is_empty(),
        "not torn down"
    );
}

#[test]
fn deploy_and_verify_probes_from_inside_when_the_runner_cannot_reach_the_services() {
    let plane = ControlPlane::start();
    plane.bind_repository_rbac();
    let _kubelet = Kubelet::start_with_probe_binary(
        &plane.kubeconfig,
        &[],
        std::path::Path::new(env!("CARGO_BIN_EXE_fabcheck")),
        plane.api_port,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut args = vec![
        "deploy-and-verify",
        "--probe-image",
        "fabcheck:test",
        "--timeout",
        "3m",
    ];
    let outputs = report_outputs(dir.path());
    args.extend(outputs.iter().map(String::as_str));
    let out = fabcheck(&plane, DEPLOYER, &args);
    // The probe's dials fail here (no cluster DNS for its pod): a verdict, not a skip.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach the cluster's Service IPs")
            && err.contains("probing from inside the cluster (image fabcheck:test"),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report.json")).expect("json written"),
    )
    .expect("json");
    assert!(
        report["source"]
            .as_str()
            .is_some_and(|s| s.contains("probed from inside the cluster")),
        "{}",
        report["source"]
    );
    let findings = report["findings"].as_array().expect("findings");
    let tls: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["check_id"] == "TLS-001")
        .collect();
    assert!(tls.len() >= 9, "every peer and orderer dialled: {tls:#?}");
    for f in &tls {
        assert!(
            f["evidence"]["probed_from"].as_str().is_some_and(
                |p| p.starts_with("in-cluster probe pod fabcheck-system/fabcheck-probe-")
            ),
            "{f:#}"
        );
        assert_ne!(f["status"], "skip", "{f:#}");
    }
    // The gate names TLS for the pod's errors (an `error` is not a run), not for a skip.
    let tls_reason = report["required"]["not_run"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|n| n["family"] == "TLS")
        .and_then(|n| n["reason"].as_str())
        .unwrap_or("");
    // The pods' lookups fail by name: NXDOMAIN, or under load no answer in time.
    assert!(
        tls_reason.contains("TLS-001 error: failed to ")
            && (tls_reason.contains("failed to resolve")
                || tls_reason.contains("(resolving the host name)"))
            && !tls_reason.contains("cannot reach the cluster's Service IPs"),
        "{tls_reason}"
    );
    // Nothing of the probe is left, and the network is torn down.
    let left = plane.kubectl(&[
        "get",
        "jobs,daemonsets,configmaps,serviceaccounts,roles,rolebindings",
        "--all-namespaces",
        "-l",
        "fabcheck.io/component=probe",
        "-o",
        "name",
    ]);
    assert!(left.trim().is_empty(), "{left}");
    assert!(
        owned_namespaces(&plane, "reference").is_empty(),
        "not torn down"
    );
}

#[test]
fn twenty_org_network_deploys() {
    let plane = ControlPlane::start();
    let _kubelet = Kubelet::start(&plane.kubeconfig, &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("twenty.yaml");
    std::fs::write(&spec, "name: twenty\norgs: 20\n").expect("spec");
    let out = fabcheck(
        &plane,
        ADMIN,
        &[
            "deploy",
            "--spec",
            spec.to_str().expect("utf-8 path"),
            "--timeout",
            "4m",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let namespaces = owned_namespaces(&plane, "twenty");
    assert_eq!(namespaces.len(), 22, "{namespaces:?}");
    assert_eq!(ready_statefulsets(&plane, "org20").len(), 2);
}

/// Deploys `spec` (YAML) as the admin and returns fabcheck's output.
fn deploy_spec(plane: &ControlPlane, spec: &str, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("spec.yaml");
    std::fs::write(&path, spec).expect("spec");
    let mut args = vec!["deploy", "--spec", path.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    fabcheck(plane, ADMIN, &args)
}

fn config_map(plane: &ControlPlane, ns: &str, name: &str) -> serde_json::Value {
    let json = plane.kubectl(&["get", "configmap", "-n", ns, name, "-o", "json"]);
    serde_json::from_str(&json).expect("kubectl json")
}

#[test]
fn the_genesis_job_hands_its_files_back_through_its_log() {
    let plane = ControlPlane::start();
    let _kubelet = Kubelet::start(&plane.kubeconfig, &[]);
    let out = deploy_spec(&plane, "consensus: etcdraft\norgs: 2\n", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The genesis Job really ran its script (configtxgen is the stand-in): its framed output
    // is in its log, and fabcheck made the immutable ConfigMap from it, checksums verified.
    let log = plane.kubectl(&["logs", "-n", "orgorderer1", "job/fabcheck-genesis"]);
    assert!(log.contains("fabcheck-file genesis.block "), "{log}");
    let genesis = config_map(&plane, "orgorderer1", "fabcheck-genesis");
    assert_eq!(genesis["immutable"], true, "{genesis}");
    let mut keys: Vec<&str> = genesis["binaryData"]
        .as_object()
        .expect("binaryData")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "Org1MSPanchors.tx",
            "Org2MSPanchors.tx",
            "channel.tx",
            "genesis.block"
        ]
    );
    use base64::Engine;
    let block = base64::engine::general_purpose::STANDARD
        .decode(genesis["binaryData"]["genesis.block"].as_str().unwrap())
        .unwrap();
    // The stand-in configtxgen writes what configtxgen writes: a block decoding to the
    // profile's etcdraft system channel, its consenters' certificates read from the Job's inputs.
    let config = fabcheck::inventory::channel::decode(
        &block,
        fabcheck::inventory::Origin::file("genesis.block"),
        ".",
    )
    .expect("a Fabric genesis block");
    let (kind, consenters) = config.consenters().expect("consenters");
    assert_eq!(kind, "etcdraft");
    assert_eq!(consenters.len(), 3);
    assert!(
        consenters
            .iter()
            .all(|c| c.server_tls_cert.as_ref().is_some_and(|t| t.facts.is_ok()))
    );
    // Each org's channel artifacts: the creation transaction, its own anchors, the TLS CAs.
    let org2 = config_map(&plane, "org2", "fabcheck-channel-artifacts");
    assert_eq!(org2["immutable"], true);
    assert!(
        org2["binaryData"]["Org2MSPanchors.tx"].is_string(),
        "{org2}"
    );
    assert!(org2["binaryData"]["Org1MSPanchors.tx"].is_null(), "{org2}");
    assert!(
        org2["data"]["orderer-tlsca.pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    // The channel and chaincode Jobs of every org ran to completion.
    for ns in ["org1", "org2"] {
        for job in ["fabcheck-channel", "fabcheck-chaincode"] {
            let done = plane.kubectl(&[
                "get",
                "job",
                "-n",
                ns,
                job,
                "-o",
                "jsonpath={.status.succeeded}",
            ]);
            assert_eq!(done.trim(), "1", "{ns}/{job}");
        }
    }
    // The block is never replaced: a re-run keeps the ConfigMap as it was.
    let version = genesis["metadata"]["resourceVersion"].clone();
    let again = deploy_spec(&plane, "consensus: etcdraft\norgs: 2\n", &[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let genesis = config_map(&plane, "orgorderer1", "fabcheck-genesis");
    assert_eq!(genesis["metadata"]["resourceVersion"], version);
}

#[test]
fn a_failing_channel_job_stops_the_deploy_and_says_why() {
    let plane = ControlPlane::start();
    let _kubelet = Kubelet::start_failing(&plane.kubeconfig, &[], &["fabcheck-channel"]);
    let out = deploy_spec(&plane, "consensus: etcdraft\norgs: 1\n", &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("failed to get phase channel ready"),
        "{stderr}"
    );
    assert!(stderr.contains("Job org1/fabcheck-channel"), "{stderr}");
    assert!(stderr.contains("Job failed"), "{stderr}");
    // The Job's own words: which step gave up.
    assert!(
        stderr.contains("| fabcheck: gave up after 120 tries: peer channel fetch"),
        "{stderr}"
    );
}

#[test]
fn fabric_25_profile_deploys_with_chaincode_as_a_service() {
    let plane = ControlPlane::start();
    let _kubelet = Kubelet::start(&plane.kubeconfig, &[]);
    let out = deploy_spec(&plane, "name: lts\nfabric: \"2.5\"\norgs: 2\n", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(owned_namespaces(&plane, "lts").len(), 3);
    assert_eq!(ready_statefulsets(&plane, "orgorderer1").len(), 3);
    // One chaincode server per peer, and no Docker anywhere.
    let servers = plane.kubectl(&["get", "deployments", "-n", "org1", "-o", "name"]);
    assert!(
        servers.contains("deployment.apps/org1peer0-fabcheck"),
        "{servers}"
    );
    assert!(
        servers.contains("deployment.apps/org1peer1-fabcheck"),
        "{servers}"
    );
    let peer = plane.kubectl(&["get", "statefulset", "-n", "org1", "peer0", "-o", "json"]);
    assert!(!peer.contains("dind"), "{peer}");
    assert!(peer.contains("hyperledger/fabric-peer:2.5"), "{peer}");
    assert!(peer.contains("ORDERER_GENERAL_BOOTSTRAPFILE") || !peer.contains("GENESISFILE"));
    let orderer = plane.kubectl(&[
        "get",
        "statefulset",
        "-n",
        "orgorderer1",
        "orderer0",
        "-o",
        "json",
    ]);
    assert!(
        orderer.contains("ORDERER_GENERAL_BOOTSTRAPFILE"),
        "{orderer}"
    );
}

#[test]
fn both_profiles_render_to_manifests_the_api_server_accepts() {
    // A server-side dry run of every rendered object (what `kubectl apply --server-side
    // --dry-run=server` does): admission and validation as on a real cluster, nothing stored.
    let plane = ControlPlane::start();
    for spec in ["", "fabric: \"2.5\"\n", "storage:\n  kind: emptyDir\n"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let spec_path = dir.path().join("spec.yaml");
        std::fs::write(&spec_path, spec).expect("spec");
        let out_dir = dir.path().join("out");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabcheck"));
        cmd.args([
            "render",
            "--spec",
            spec_path.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .stdin(Stdio::null());
        let render = run_bounded(cmd, Duration::from_secs(60));
        assert_eq!(render.status.code(), Some(0), "{spec}: {}", text(&render));
        // Namespaces must exist for a dry run of what lives in them.
        let namespaces = out_dir.join("manifests/01-namespaces.yaml");
        plane.kubectl(&["apply", "--server-side", "-f", namespaces.to_str().unwrap()]);
        let applied = plane.kubectl(&[
            "apply",
            "--server-side",
            "--dry-run=server",
            "-R",
            "-f",
            out_dir.join("manifests").to_str().unwrap(),
        ]);
        assert!(
            applied.contains("statefulset.apps/peer0 serverside-applied"),
            "{spec}: {applied}"
        );
        assert!(
            applied.contains("job.batch/fabcheck-chaincode"),
            "{spec}: {applied}"
        );
    }
}

/// `check --cluster` as the read-only user, as an operator runs it on a deployed network: the
/// JSON report.
fn check_cluster(plane: &ControlPlane, report: &std::path::Path) -> (Output, serde_json::Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabcheck"));
    cmd.arg("check")
        .args(plane.context_args(READER))
        .args(["--request-timeout", "10s", "-o"])
        .arg(format!("json={}", report.display()))
        .stdin(Stdio::null());
    let out = run_bounded(cmd, Duration::from_secs(300));
    let json = std::fs::read_to_string(report)
        .unwrap_or_else(|e| panic!("no report ({e}): {}", text(&out)));
    (out, serde_json::from_str(&json).expect("json report"))
}

/// fabcheck's own network, deployed by fabcheck, passes fabcheck: no static check fails or
/// cannot evaluate, the nodes' MSP folders (flattened into Secrets, laid out again as the pods
/// mount them) are judged rather than skipped, and every object fabcheck made is classified.
/// Fabric 1.4 with Kafka (the default) and with etcdraft, and Fabric 2.5, one after the other
/// (they share namespaces).
#[test]
fn fabcheck_passes_its_own_network() {
    let plane = ControlPlane::start();
    plane.bind_repository_rbac();
    let _kubelet = Kubelet::start(&plane.kubeconfig, &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let raft = dir.path().join("raft.yaml");
    std::fs::write(&raft, "name: raft\nconsensus: etcdraft\n").expect("spec");
    let lts = dir.path().join("lts.yaml");
    std::fs::write(&lts, "name: lts\nfabric: \"2.5\"\n").expect("spec");
    let specs: [(&str, Option<&std::path::Path>); 3] = [
        ("reference", None),
        ("raft", Some(raft.as_path())),
        ("lts", Some(lts.as_path())),
    ];
    for (network, spec) in specs {
        let mut args = vec!["deploy".to_owned(), "--timeout".into(), "4m".into()];
        if let Some(spec) = spec {
            args.extend(["--spec".into(), spec.display().to_string()]);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let deployed = fabcheck(&plane, DEPLOYER, &refs);
        assert_eq!(deployed.status.code(), Some(0), "{}", text(&deployed));

        let (out, report) = check_cluster(&plane, &dir.path().join(format!("{network}.json")));
        let findings = report["findings"].as_array().expect("findings");
        let bad: Vec<String> = findings
            .iter()
            .filter(|f| matches!(f["status"].as_str(), Some("fail" | "error")))
            .map(describe)
            .collect();
        assert!(
            bad.is_empty(),
            "{network}: {} finding(s) fail or error on fabcheck's own network:\n  {}",
            bad.len(),
            bad.join("\n  ")
        );
        assert_eq!(out.status.code(), Some(0), "{network}: {}", text(&out));

        // X509-007 and X509-008 judged the MSP folders every node's pod sees.
        let all_of = |id: &str| {
            findings
                .iter()
                .filter(|f| f["check_id"] == id)
                .map(describe)
                .collect::<Vec<_>>()
                .join("\n")
        };
        let judged = |id: &str, suffix: &str| -> Vec<String> {
            findings
                .iter()
                .filter(|f| f["check_id"] == id && f["status"] == "pass")
                .filter_map(|f| f["target"]["name"].as_str())
                .filter(|n| n.contains(suffix))
                .map(str::to_owned)
                .collect()
        };
        for (node, root) in [
            ("StatefulSet org1/peer0", "/var/hyperledger/peer"),
            ("StatefulSet org3/peer1", "/var/hyperledger/peer"),
            (
                "StatefulSet orgorderer1/orderer0",
                "/var/hyperledger/orderer",
            ),
            (
                "StatefulSet orgorderer1/orderer2",
                "/var/hyperledger/orderer",
            ),
        ] {
            let msp = format!("#{node}:{root}/msp");
            let complete = judged("X509-008", &msp);
            assert_eq!(
                complete.len(),
                1,
                "{network}: X509-008 pass for {msp}: {complete:#?}\n{}",
                all_of("X509-008")
            );
            assert!(complete[0].ends_with(&msp), "{complete:?}");
            for pair in [
                format!("{msp}/signcerts/"),
                format!("#{node}:{root}/tls/server.crt"),
            ] {
                assert_eq!(
                    judged("X509-007", &pair).len(),
                    1,
                    "{network}: X509-007 pass for {pair}:\n{}",
                    all_of("X509-007")
                );
            }
        }
        // The nodes' MSPs, and the org admin's as the channel and chaincode Jobs mount it.
        let nodes = judged("X509-008", ":/var/hyperledger/peer/msp").len()
            + judged("X509-008", ":/var/hyperledger/orderer/msp").len();
        assert_eq!(nodes, 9, "{network}: 6 peers and 3 orderers");
        let admins = judged("X509-008", ":/var/hyperledger/admin/msp");
        assert_eq!(
            admins.len(),
            6,
            "{network}: the admin MSP of the 2 Jobs of each of 3 orgs: {admins:#?}"
        );
        assert!(
            findings
                .iter()
                .filter(|f| matches!(f["check_id"].as_str(), Some("X509-007" | "X509-008")))
                .all(|f| f["status"] != "skip"),
            "{network}: a folder check skipped"
        );

        // Discovery: everything fabcheck made is classified, the cluster DNS Service once.
        let objects = report["discovery"]["objects"]
            .as_array()
            .expect("discovery");
        let unclassified: Vec<String> = objects
            .iter()
            .filter(|o| o["role"] == "unclassified" && o["namespace"] != "kube-system")
            .map(|o| format!("{} {}/{}", o["kind"], o["namespace"], o["name"]))
            .collect();
        assert!(
            unclassified.is_empty(),
            "{network}: unclassified: {unclassified:#?}"
        );
        let dns = objects
            .iter()
            .filter(|o| o["role"] == "cluster-dns")
            .count();
        assert_eq!(dns, 1, "{network}: the DNS Service once");
        let tooling = objects
            .iter()
            .find(|o| o["kind"] == "Job" && o["name"] == "fabcheck-genesis")
            .expect("the genesis Job is discovered");
        assert_eq!(tooling["role"], "fabric-tooling", "{tooling}");
        // The keys the pods mount were read; none of their material reaches the report.
        assert!(!report.to_string().contains("PRIVATE KEY"));

        args[0] = "teardown".into();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let down = fabcheck(&plane, DEPLOYER, &refs);
        assert_eq!(down.status.code(), Some(0), "{}", text(&down));
    }
}
