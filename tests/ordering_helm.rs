//! Issue 13, classes 8-10: the Kafka and ZooKeeper deployments people write for Kubernetes,
//! judged through the real binary on the fixtures in `fixtures/kafka/` and
//! `fixtures/zookeeper/` (see the README in each): values files for the public Helm charts
//! (incubator/kafka, bitnami/kafka, cp-helm-charts) with no templates beside them, a Fabric
//! chart depending on one, a Service name as the orderers' bootstrap list, topic Jobs beside
//! the brokers, and the Kubernetes ZooKeeper images that number their own servers.

#[path = "support/findings.rs"]
mod findings;
#[path = "support/ordering.rs"]
mod ordering;
use findings::describe;
use ordering::{assert_finding, check, check_selected, findings, fixture, problems};

/// hyperledger-labs/nephos installs Kafka with `helm install incubator/kafka -n kafka-hlf -f
/// kafka-hlf.yaml` and lists the release's Service as the only bootstrap broker. The values
/// alone deploy 4 brokers and 3 ZooKeeper servers, Fabric-compliant; the one-entry list is a
/// Service in front of all 4: a warning, not "1 broker".
#[test]
fn nephos_incubator_kafka_values_and_a_service_as_bootstrap_list() {
    let (r, code) = check(&fixture(
        "fixtures/kafka/KAFKA-009/nephos-service-bootstrap",
    ));
    assert_finding(&r, "KAFKA-001", "pass", "4 brokers");
    assert_finding(
        &r,
        "KAFKA-002",
        "pass",
        "unclean.leader.election.enable=false",
    );
    assert_finding(&r, "KAFKA-004", "pass", "M=2 < N=3 < K=4");
    assert_finding(&r, "KAFKA-008", "pass", "lists all 3 ZooKeeper servers");
    assert_finding(
        &r,
        "KAFKA-009",
        "warn",
        "1 entry (kafka-hlf.alpha.svc.cluster.local:9092) names 4 brokers at once",
    );
    assert_finding(&r, "KAFKA-009", "warn", "at least two");
    assert_finding(&r, "KAFKA-010", "pass", "4 broker(s)");
    assert_finding(&r, "ZK-001", "pass", "3 servers");
    assert_finding(&r, "ZK-002", "pass", "ordinal + 1");
    let bad: Vec<String> = problems(&r)
        .into_iter()
        .filter(|p| !p.starts_with("KAFKA-009 warn"))
        .collect();
    assert!(bad.is_empty(), "nothing else is wrong:\n{}", bad.join("\n"));
    assert_eq!(code, 0, "a warning does not fail the default gate");
    // The key is found where it is written.
    let unclean = findings(&r, "KAFKA-002")[0];
    assert!(
        unclean["target"]["name"]
            .as_str()
            .unwrap()
            .ends_with("helm_values/AlphaMSP/kafka/kafka-hlf.yaml"),
        "{}",
        describe(unclean)
    );
    assert!(
        unclean["target"]["locator"]
            .as_str()
            .unwrap()
            .contains("configurationOverrides.\"unclean.leader.election.enable\", line 48"),
        "{}",
        describe(unclean)
    );
}

/// A Fabric chart whose requirements.yaml depends on incubator/kafka, disabled in values.yaml
/// and enabled by the sample overlay values-kafka.yaml: the brokers are judged with the
/// chart's values under `kafka`, and their Secret templates are not broken base64.
#[test]
fn fabric_chart_with_an_incubator_kafka_dependency_enabled_by_an_overlay() {
    let dir = fixture("fixtures/kafka/KAFKA-002/fabric-chart-kafka-dependency");
    let (r, code) = check(&dir);
    assert_eq!(code, 1, "{}", problems(&r).join("\n"));
    assert_finding(
        &r,
        "KAFKA-002",
        "fail",
        "unclean.leader.election.enable=true: an out-of-sync replica can become leader",
    );
    let unclean = findings(&r, "KAFKA-002")[0];
    assert!(
        unclean["target"]["name"]
            .as_str()
            .unwrap()
            .ends_with("fabric-chart-kafka-dependency/values.yaml")
            && unclean["target"]["locator"]
                .as_str()
                .unwrap()
                .contains("kafka.configurationOverrides.\"unclean.leader.election.enable\""),
        "{}",
        describe(unclean)
    );
    assert_finding(&r, "KAFKA-001", "pass", "4 brokers");
    // configtx.yaml names the brokers as a release names them (hlf-ordering-kafka-0.…).
    assert_finding(&r, "KAFKA-009", "pass", "3 brokers listed, all deployed");
    assert_finding(&r, "ZK-001", "pass", "3 servers");
    let zk = findings(&r, "ZK-002")[0];
    assert!(
        zk["target"]["locator"]
            .as_str()
            .unwrap()
            .contains("values from values.yaml then values-kafka.yaml"),
        "{}",
        describe(zk)
    );
    // `'{{ .Files.Get "files/tls/server.crt" | b64enc }}'` is a template, not malformed base64.
    let (r, _) = check_selected(&dir, "X509-009");
    assert!(
        findings(&r, "X509-009")
            .iter()
            .all(|f| f["status"] != "error")
    );
    assert_finding(
        &r,
        "X509-009",
        "skip",
        "3 Secret or ConfigMap value(s) are template expressions, not evaluated",
    );
}

/// A bitnami/kafka dependency its condition turns off deploys nothing: OrdererType kafka then
/// has no brokers, and the report says why.
#[test]
fn a_dependency_disabled_by_its_condition_deploys_nothing() {
    let (r, code) = check(&fixture(
        "fixtures/kafka/KAFKA-010/chart-dependency-disabled",
    ));
    assert_eq!(code, 1);
    assert_finding(&r, "KAFKA-010", "fail", "no Kafka brokers are deployed");
    assert_finding(
        &r,
        "KAFKA-013",
        "skip",
        "dependency kafka (bitnami/kafka) is not installed (condition kafka.enabled: false)",
    );
    assert_finding(&r, "KAFKA-001", "skip", "no Kafka brokers");
}

/// bitnami/kafka values: the chart turns its values into KAFKA_CFG_ variables and has no
/// `minInsyncReplicas` value, so the one written here sets nothing.
#[test]
fn bitnami_kafka_values_and_a_value_the_chart_ignores() {
    let (r, code) = check(&fixture(
        "fixtures/kafka/KAFKA-003/bitnami-values-min-insync-ignored",
    ));
    assert_eq!(code, 1);
    assert_finding(
        &r,
        "KAFKA-003",
        "fail",
        "min.insync.replicas not set (Kafka default 1)",
    );
    assert_finding(
        &r,
        "KAFKA-013",
        "warn",
        "bitnami/kafka has no value minInsyncReplicas",
    );
    assert_finding(&r, "KAFKA-001", "pass", "4 brokers");
    assert_finding(
        &r,
        "KAFKA-002",
        "pass",
        "unclean.leader.election.enable=false",
    );
    assert_finding(&r, "KAFKA-004", "pass", "M=1 < N=3 < K=4");
    assert_finding(&r, "KAFKA-008", "pass", "lists all 3 ZooKeeper servers");
    assert_finding(&r, "ZK-001", "pass", "3 servers");
    assert_finding(&r, "ZK-004", "pass", "client port");
}

/// Confluent's umbrella chart: cp-zookeeper `servers: 4` is an even ensemble.
#[test]
fn cp_helm_charts_values_with_an_even_ensemble() {
    let (r, code) = check(&fixture(
        "fixtures/zookeeper/ZK-001/cp-helm-charts-even-ensemble",
    ));
    assert_eq!(code, 1);
    assert_finding(&r, "ZK-001", "fail", "4 servers: an even ensemble");
    assert_finding(&r, "KAFKA-001", "pass", "4 brokers");
    assert_finding(&r, "KAFKA-003", "pass", "min.insync.replicas=2");
    assert_finding(&r, "KAFKA-008", "pass", "lists all 4 ZooKeeper servers");
}

/// The chart's defaults apply to what the values omit: incubator/kafka runs 3 brokers.
#[test]
fn incubator_kafka_defaults_fill_what_the_values_omit() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("kafka-values.yaml"),
        "# helm install incubator/kafka -f kafka-values.yaml\nconfigurationOverrides:\n  \"unclean.leader.election.enable\": true\nzookeeper:\n  enabled: true\n",
    )
    .unwrap();
    let (r, _) = check(tmp.path());
    assert_finding(
        &r,
        "KAFKA-002",
        "fail",
        "unclean.leader.election.enable=true",
    );
    assert_finding(&r, "KAFKA-001", "fail", "3 broker(s)");
    assert_finding(&r, "ZK-001", "pass", "3 servers");
    let k1 = findings(&r, "KAFKA-001")[0];
    assert!(
        k1["evidence"]["workloads"]
            .to_string()
            .contains("<kafka release> (x3)"),
        "{}",
        k1["evidence"]
    );
}

/// A headless Service selecting a StatefulSet of 3 brokers, given as the only Kafka.Brokers
/// entry, is a bootstrap list for 3 brokers.
#[test]
fn a_headless_service_is_a_bootstrap_list_for_the_pods_it_selects() {
    let (r, _) = check(&fixture(
        "fixtures/kafka/KAFKA-009/headless-service-statefulset",
    ));
    let lists = findings(&r, "KAFKA-009");
    assert_eq!(lists.len(), 2, "the defaults and the profile");
    assert!(lists.iter().all(|f| f["status"] == "warn"));
    assert_finding(
        &r,
        "KAFKA-009",
        "warn",
        "1 entry (kafka-headless.ordering.svc.cluster.local:9092) names 3 brokers at once (kafka)",
    );
}

/// A Job, a CronJob and a test Pod running the broker image's client tools are clients: three
/// brokers remain three, and only the StatefulSet is judged by the broker rules.
#[test]
fn topic_jobs_and_test_pods_are_kafka_clients_not_brokers() {
    let (r, _) = check(&fixture("fixtures/kafka/KAFKA-001/topic-job-is-a-client"));
    assert_finding(&r, "KAFKA-001", "fail", "3 broker(s)");
    let k1 = findings(&r, "KAFKA-001")[0];
    assert_eq!(
        k1["evidence"]["workloads"],
        serde_json::json!(["kafka (x3)"]),
        "{}",
        describe(k1)
    );
    let unclean = findings(&r, "KAFKA-002");
    assert_eq!(unclean.len(), 1, "one broker workload is judged");
    assert_eq!(unclean[0]["status"], "pass");
}

/// The Kubernetes ZooKeeper images number their servers from the pod ordinal: no ZOO_MY_ID.
#[test]
fn kubernetes_zookeeper_images_number_their_own_servers() {
    let (r, _) = check(&fixture(
        "fixtures/zookeeper/ZK-002/kubernetes-zookeeper-tutorial",
    ));
    assert_finding(
        &r,
        "ZK-002",
        "pass",
        "(start-zookeeper writes MY_ID=$((ORD+1))): 1..3",
    );
    assert_finding(&r, "ZK-001", "pass", "3 servers");
    assert!(problems(&r).is_empty(), "{}", problems(&r).join("\n"));
    let (r, _) = check(&fixture("fixtures/zookeeper/ZK-002/k8szk-statefulset"));
    assert_finding(
        &r,
        "ZK-002",
        "pass",
        "(zkGenConfig.sh writes MY_ID=$((ORD+1)))",
    );
    assert_finding(&r, "ZK-001", "pass", "3 servers");
    assert!(problems(&r).is_empty(), "{}", problems(&r).join("\n"));
}
