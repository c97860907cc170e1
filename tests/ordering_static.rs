//! Static Kafka/ZooKeeper verdicts: the real-world material in ../shared/realworld (asserted
//! per network), and hostile or broken configuration built at test time.

use std::path::Path;

use serde_json::Value;

#[path = "support/findings.rs"]
mod findings;
#[path = "support/ordering.rs"]
mod ordering;
use findings::{describe, realworld};
use ordering::{assert_finding, check, problems, with};

#[test]
fn fabric_samples_first_network_kafka_fails_on_every_count() {
    let (r, code) = check(&realworld(
        "hyperledger__fabric-samples/release-1.4/first-network",
    ));
    assert_eq!(code, 1);
    assert_finding(&r, "KAFKA-001", "fail", "1 broker(s)");
    assert_finding(&r, "ZK-001", "fail", "1 server");
    assert_finding(&r, "KAFKA-003", "fail", "min.insync.replicas=1");
    assert_finding(
        &r,
        "KAFKA-004",
        "fail",
        "N=1 is not above min.insync.replicas M=1",
    );
    assert_finding(
        &r,
        "KAFKA-005",
        "fail",
        "AbsoluteMaxBytes=103809024 is not below message.max.bytes=1048576",
    );
    assert_finding(
        &r,
        "KAFKA-009",
        "fail",
        "1 distinct broker(s) listed (kafka.example.com:9092)",
    );
}

#[test]
fn fabric_release_1_0_bddtests_is_the_compliant_control() {
    let (r, _) = check(&realworld("hyperledger__fabric/release-1.0/bddtests"));
    let bad: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail" || f["status"] == "error")
        .map(describe)
        .collect();
    assert!(
        bad.is_empty(),
        "the reference Kafka network must have no failures:\n{}",
        bad.join("\n")
    );
    assert_finding(&r, "KAFKA-001", "pass", "4 brokers");
    assert_finding(&r, "ZK-001", "pass", "3 servers");
    assert_finding(&r, "KAFKA-004", "pass", "M=2 < N=3 < K=4");
    assert_finding(&r, "KAFKA-008", "pass", "lists all 3 ZooKeeper servers");
    assert_eq!(with(&r, "ZK-002", "pass").len(), 3);
    // log.retention.ms is commented out there: a warning, not a failure.
    assert_eq!(with(&r, "KAFKA-006", "warn").len(), 4);
    // The orderers' ${ORDERER1_...} variables have no .env: reported, not guessed.
    assert_finding(
        &r,
        "KAFKA-013",
        "warn",
        "${ORDERER1_ORDERER_GENERAL_LOCALMSPID} has no value",
    );
}

#[test]
fn bevel_zkkafka_chart_has_four_zookeepers_and_a_commented_number() {
    let (r, code) = check(&realworld(
        "hyperledger__bevel/main/platforms/hyperledger-fabric/charts/zkkafka",
    ));
    assert_eq!(code, 1);
    assert_finding(&r, "ZK-001", "fail", "4 servers");
    assert_finding(
        &r,
        "KAFKA-011",
        "fail",
        "KAFKA_MESSAGE_MAX_BYTES=\"103809024 # 99 * 1024 * 1024 B\" is not an integer",
    );
    assert_finding(&r, "KAFKA-011", "fail", "KAFKA_REPLICA_FETCH_MAX_BYTES=");
    assert_finding(&r, "KAFKA-001", "pass", "4 brokers");
    assert_finding(&r, "ZK-002", "skip", "computed when the server starts");
    assert_finding(&r, "KAFKA-013", "skip", "template, partly evaluated");
}

#[test]
fn cello_compose_and_kubernetes_templates() {
    let (r, _) = check(&realworld(
        "hyperledger__cello/release-0.9.0/src/agent/docker/_compose_files/fabric-1.2",
    ));
    assert_finding(
        &r,
        "KAFKA-005",
        "fail",
        "AbsoluteMaxBytes=103809024 is not below message.max.bytes=1048576",
    );
    assert_finding(&r, "KAFKA-001", "pass", "4 brokers");
    assert_finding(&r, "KAFKA-010", "pass", "kafka profile");
    let (r, _) = check(&realworld(
        "hyperledger__cello/release-0.9.0/src/agent/k8s/templates",
    ));
    assert_finding(&r, "KAFKA-001", "fail", "3 broker(s)");
    assert_finding(
        &r,
        "KAFKA-004",
        "fail",
        "N=3 is not below the broker count K=3",
    );
}

#[test]
fn feitnomore_orderer_type_key_is_misspelled_and_no_brokers_are_deployed() {
    let (r, _) = check(&realworld("feitnomore__hyperledger-fabric-kubernetes"));
    assert_finding(
        &r,
        "KAFKA-012",
        "fail",
        "CONFIGTX_GENERAL_ORDERERTYPE is not a setting anything reads; did you mean CONFIGTX_ORDERER_ORDERERTYPE",
    );
    assert_finding(&r, "KAFKA-010", "fail", "no Kafka brokers are deployed");
    assert_finding(&r, "KAFKA-009", "pass", "4 brokers listed");
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn compose_variables_extends_and_env_forms() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, ".env", "MSG=103809024\nTAG=1.4\n");
    write(
        d,
        "base/kafka-base.yaml",
        "services:\n  kafka:\n    image: hyperledger/fabric-kafka:${TAG}\n    environment:\n      KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE: 'false'\n      KAFKA_MIN_INSYNC_REPLICAS: 2\n      KAFKA_DEFAULT_REPLICATION_FACTOR: 3\n      KAFKA_LOG_RETENTION_MS: -1\n      KAFKA_MESSAGE_MAX_BYTES: ${MSG}\n      KAFKA_REPLICA_FETCH_MAX_BYTES: ${FETCH:-103809024}\n",
    );
    let mut compose = String::from("services:\n");
    for i in 0..4 {
        compose.push_str(&format!("  kafka{i}:\n    extends:\n      file: base/kafka-base.yaml\n      service: kafka\n    environment:\n      - KAFKA_BROKER_ID={i}\n      - KAFKA_ZOOKEEPER_CONNECT=zk0:2181,zk1:2181,zk2:2181\n"));
    }
    for i in 0..3 {
        compose.push_str(&format!("  zk{i}:\n    image: hyperledger/fabric-zookeeper\n    environment:\n      - ZOO_MY_ID={}\n      - ZOO_SERVERS=server.1=zk0:2888:3888 server.2=zk1:2888:3888 server.3=zk2:2888:3888\n", i + 1));
    }
    write(d, "docker-compose.yaml", &compose);
    write(
        d,
        "configtx.yaml",
        "Orderer: &OrdererDefaults\n  OrdererType: kafka\n  BatchSize:\n    AbsoluteMaxBytes: 98 MB\n  Kafka:\n    Brokers:\n      - kafka0:9092\n      - kafka1:9092\nProfiles:\n  Genesis:\n    Orderer:\n      <<: *OrdererDefaults\n",
    );
    let (r, code) = check(d);
    let bad = problems(&r);
    assert!(
        bad.is_empty(),
        "a compliant network built from extends, .env and defaults:\n{}",
        bad.join("\n")
    );
    assert_eq!(code, 0);
    assert_finding(
        &r,
        "KAFKA-005",
        "pass",
        "AbsoluteMaxBytes=102760448 < replica.fetch.max.bytes=103809024",
    );
    assert_eq!(
        with(&r, "KAFKA-002", "pass").len(),
        4,
        "base service settings reach every broker"
    );
}

#[test]
fn broken_configuration_is_reported_per_file_and_never_hangs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "broken/docker-compose.yaml",
        "services:\n  kafka0:\n    image: hyperledger/fabric-kafka\n    environment: [\n",
    );
    write(
        d,
        "missing/docker-compose.yaml",
        "services:\n  kafka0:\n    extends:\n      file: nowhere.yaml\n      service: kafka\n",
    );
    write(
        d,
        "cycle/docker-compose.yaml",
        "services:\n  kafka0:\n    image: hyperledger/fabric-kafka\n    extends: kafka1\n  kafka1:\n    extends: kafka0\n",
    );
    let huge = "9".repeat(10 * 1024 * 1024);
    write(
        d,
        "huge/docker-compose.yaml",
        &format!(
            "services:\n  kafka0:\n    image: hyperledger/fabric-kafka\n    environment:\n      KAFKA_MESSAGE_MAX_BYTES: \"{huge}\"\n"
        ),
    );
    let brokers: String = (0..10_000)
        .map(|i| format!("      - kafka{i}.example.com:9092\n"))
        .collect();
    write(
        d,
        "many/configtx.yaml",
        &format!("Orderer:\n  OrdererType: kafka\n  Kafka:\n    Brokers:\n{brokers}"),
    );
    write(
        d,
        "unset/docker-compose.yaml",
        "services:\n  kafka0:\n    image: hyperledger/fabric-kafka\n    environment:\n      - KAFKA_MIN_INSYNC_REPLICAS=${MIN_ISR}\n",
    );
    let (r, code) = check(d);
    assert_eq!(code, 1);
    assert_finding(&r, "KAFKA-013", "error", "failed to parse YAML");
    assert_finding(
        &r,
        "KAFKA-013",
        "error",
        "nowhere.yaml, which cannot be read or parsed",
    );
    assert_finding(&r, "KAFKA-013", "error", "extends cycle");
    assert_finding(&r, "KAFKA-013", "error", "larger than any setting");
    assert_finding(&r, "KAFKA-013", "warn", "${MIN_ISR} has no value");
    assert_finding(&r, "KAFKA-003", "error", "depends on MIN_ISR");
    assert_finding(&r, "KAFKA-010", "fail", "no Kafka brokers are deployed");
    let parse_error = with(&r, "KAFKA-013", "error")
        .into_iter()
        .find(|f| f["message"].as_str().unwrap().contains("failed to parse"))
        .unwrap();
    assert!(
        parse_error["target"]["name"]
            .as_str()
            .unwrap()
            .ends_with("broken/docker-compose.yaml")
    );
    assert!(
        parse_error["message"].as_str().unwrap().contains("line"),
        "names the line: {}",
        describe(parse_error)
    );
}

#[test]
fn kubernetes_statefulsets_configmaps_and_helm_overrides() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Plain manifests: a 3-replica ZooKeeper StatefulSet and a 4-replica Kafka StatefulSet whose
    // settings come from a ConfigMap, one of them through envFrom.
    write(
        d,
        "k8s/kafka.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kafka-config, namespace: kafka}\ndata:\n  KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE: 'true'\n  min_isr: '2'\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: zk, namespace: kafka}\nspec:\n  serviceName: zk\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: zookeeper\n        image: hyperledger/fabric-zookeeper\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: kafka, namespace: kafka}\nspec:\n  replicas: 4\n  template:\n    spec:\n      containers:\n      - name: kafka\n        image: hyperledger/fabric-kafka\n        envFrom:\n        - configMapRef: {name: kafka-config}\n        env:\n        - name: KAFKA_MIN_INSYNC_REPLICAS\n          valueFrom:\n            configMapKeyRef: {name: kafka-config, key: min_isr}\n        - name: KAFKA_ZOOKEEPER_CONNECT\n          value: zk-0.zk:2181,zk-1.zk:2181\n",
    );
    // A chart with dotted Kafka properties in values.yaml and a templated replica count.
    write(
        d,
        "chart/Chart.yaml",
        "apiVersion: v2\nname: kafka\nversion: 0.1.0\n",
    );
    write(
        d,
        "chart/values.yaml",
        "replicas: 2\nconfigurationOverrides:\n  \"default.replication.factor\": 3\n  \"log.retention.ms\": 604800000\n",
    );
    write(
        d,
        "chart/templates/statefulset.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Release.Name }}-kafka\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n      - name: kafka\n        image: confluentinc/cp-kafka\n",
    );
    let (r, _) = check(d);
    assert_finding(&r, "KAFKA-001", "pass", "4 brokers");
    assert_finding(&r, "ZK-001", "pass", "3 servers");
    assert_finding(
        &r,
        "KAFKA-002",
        "fail",
        "unclean.leader.election.enable=true",
    );
    assert_finding(&r, "KAFKA-003", "pass", "min.insync.replicas=2");
    assert_finding(&r, "KAFKA-008", "fail", "missing: zk-2");
    assert_finding(&r, "KAFKA-001", "fail", "2 broker(s)");
    assert_finding(&r, "KAFKA-006", "fail", "log.retention.ms=604800000");
    assert_finding(
        &r,
        "KAFKA-004",
        "fail",
        "N=3 is not below the broker count K=2",
    );
}

/// Issue 13, class 7: `environment:` twice in one service (a common copy-and-paste slip in
/// multi-host compose setups). Compose v1 keeps the last block, Compose v2 refuses the file:
/// the file is judged as v1 reads it, and the duplicate is reported, never dropped.
#[test]
fn a_duplicate_environment_block_is_reported_and_read_last_wins() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "docker-compose-kafka.yaml",
        "version: '2'\n\
         services:\n\
         \x20 kafka0:\n\
         \x20   image: hyperledger/fabric-kafka:0.4.22\n\
         \x20   environment:\n\
         \x20     - KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE=false\n\
         \x20   environment:\n\
         \x20     - KAFKA_BROKER_ID=0\n\
         \x20     - KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE=true\n\
         \x20     - KAFKA_ZOOKEEPER_CONNECT=zookeeper0:2181\n",
    );
    let (report, code) = check(tmp.path());
    assert_eq!(code, 1, "{}", report);
    assert_finding(&report, "KAFKA-013", "warn", "Compose v2 refuses this file");
    assert_finding(&report, "KAFKA-013", "warn", "environment");
    // The last block is the one evaluated: unclean leader election is on.
    assert_finding(&report, "KAFKA-002", "fail", "true");
}

/// Every finding of `id` with `status`, described (for asserting on targets and locators).
fn described(report: &Value, id: &str, status: &str) -> Vec<String> {
    with(report, id, status).into_iter().map(describe).collect()
}

/// Issue 13, class 2: an Ansible role's Jinja2 compose template whose service names are
/// expressions. Its literal settings are judged (unclean leader election on is a failure);
/// only what depends on an expression is "cannot evaluate".
#[test]
fn a_jinja_compose_template_has_its_literal_settings_judged() {
    let (r, code) = check(&ordering::fixture(
        "fixtures/kafka/KAFKA-002/jinja-compose-template",
    ));
    assert_eq!(code, 1, "{r}");
    assert_finding(
        &r,
        "KAFKA-002",
        "fail",
        "unclean.leader.election.enable=true",
    );
    let failed = described(&r, "KAFKA-002", "fail");
    assert!(
        failed[0].contains("docker-compose-kafka.yaml.j2")
            && failed[0].contains("{{ kafka_name }}"),
        "the finding names the template and the service as written: {failed:?}"
    );
    assert!(with(&r, "KAFKA-002", "skip").is_empty());
    assert_finding(&r, "KAFKA-003", "pass", "min.insync.replicas=2");
    // The broker id and the ZooKeeper list are expressions: not evaluated, not failed.
    assert_finding(&r, "KAFKA-007", "error", "{{ kafka_name }}");
    assert_finding(&r, "KAFKA-008", "error", "template expression");
    assert_finding(
        &r,
        "KAFKA-001",
        "error",
        "how many instances of {{ kafka_name }}",
    );
}

/// Issue 13, class 4: the broker limits arrive through an `env_file` of a base service two
/// `extends` away; the bases are not brokers of their own.
#[test]
fn settings_through_extends_chains_and_env_files_reach_the_rules() {
    let (r, code) = check(&ordering::fixture(
        "fixtures/kafka/KAFKA-005/extends-env-file",
    ));
    assert_eq!(code, 1, "{r}");
    assert_finding(
        &r,
        "KAFKA-005",
        "fail",
        "AbsoluteMaxBytes=103809024 is not below message.max.bytes=1048576",
    );
    assert_eq!(with(&r, "KAFKA-005", "fail").len(), 4, "every broker");
    assert!(
        described(&r, "KAFKA-005", "fail")
            .iter()
            .all(|d| d.contains("base/kafka-limits.env")),
        "the target is the env file that sets the limit"
    );
    assert_finding(&r, "KAFKA-001", "pass", "4 brokers");
    assert_finding(
        &r,
        "KAFKA-002",
        "pass",
        "unclean.leader.election.enable=false",
    );
}

/// Issue 13, class 5: configtx.yaml in `config/`, the compose file in `docker-compose/`, the
/// genesis block made by `scripts/generate.sh` and mounted into the orderer. The brokers are
/// judged against the profile the block is made from, not the file's other (etcdraft, 10 MB)
/// profile, and `config/` is not a network of its own with "no brokers deployed".
#[test]
fn configtx_in_a_sibling_folder_is_linked_through_the_genesis_block_script() {
    let (r, code) = check(&ordering::fixture(
        "fixtures/kafka/KAFKA-005/sibling-config",
    ));
    assert_eq!(code, 1, "{r}");
    assert_finding(
        &r,
        "KAFKA-005",
        "fail",
        "AbsoluteMaxBytes=103809024 is not below message.max.bytes=10485760",
    );
    assert_finding(&r, "KAFKA-005", "fail", "scripts/generate.sh line 8");
    assert_finding(&r, "KAFKA-005", "fail", "profile SampleDevModeKafka");
    assert_finding(&r, "KAFKA-010", "pass", "4 broker(s)");
    assert!(
        with(&r, "KAFKA-010", "fail").is_empty(),
        "config/ is the brokers' configuration, not a network without brokers"
    );
    assert_finding(&r, "KAFKA-009", "pass", "4 brokers listed, all deployed");
}

/// Issue 13, class 5: an orderer that builds its genesis block itself (Fabric 1.4's
/// `provisional` method) from configtx.yaml in `FABRIC_CFG_PATH`, mounted from a sibling folder;
/// also when only the compose folder is given to fabcheck.
#[test]
fn configtx_mounted_at_fabric_cfg_path_is_what_the_orderer_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "config/configtx.yaml",
        "Profiles:\n  SampleInsecureSolo:\n    Orderer:\n      OrdererType: solo\n      BatchSize:\n        AbsoluteMaxBytes: 1 MB\n  SampleInsecureKafka:\n    Orderer:\n      OrdererType: kafka\n      BatchSize:\n        AbsoluteMaxBytes: 99 MB\n      Kafka:\n        Brokers: [kafka0:9092, kafka1:9092, kafka2:9092, kafka3:9092]\n",
    );
    let mut compose = String::from(
        "services:\n  orderer:\n    image: hyperledger/fabric-orderer:1.4.12\n    environment:\n      - ORDERER_GENERAL_GENESISMETHOD=provisional\n      - ORDERER_GENERAL_GENESISPROFILE=SampleInsecureKafka\n    volumes:\n      - ../config:/etc/hyperledger/fabric\n",
    );
    for i in 0..4 {
        compose.push_str(&format!("  kafka{i}:\n    image: hyperledger/fabric-kafka:0.4.18\n    environment:\n      - KAFKA_BROKER_ID={i}\n      - KAFKA_MESSAGE_MAX_BYTES=1048576\n      - KAFKA_REPLICA_FETCH_MAX_BYTES=1048576\n"));
    }
    write(d, "compose/docker-compose.yaml", &compose);
    for root in [d.to_path_buf(), d.join("compose")] {
        let (r, _) = check(&root);
        assert_finding(
            &r,
            "KAFKA-005",
            "fail",
            "AbsoluteMaxBytes=103809024 is not below message.max.bytes=1048576",
        );
        assert_finding(
            &r,
            "KAFKA-005",
            "fail",
            "FABRIC_CFG_PATH /etc/hyperledger/fabric is mounted from",
        );
        assert_finding(&r, "KAFKA-010", "pass", "4 broker(s)");
    }
}

/// Issue 13, class 10: one compose file per component, brought up on each host with that
/// host's variables from `hosts/<host>.sh`. It is the ensemble its `ZOO_SERVERS` names and the
/// brokers `Kafka.Brokers` names; the per-host ids are "cannot evaluate", never a failure.
#[test]
fn one_compose_file_run_on_each_host_is_the_ensemble_its_list_names() {
    let tree = ordering::fixture("fixtures/zookeeper/ZK-001/per-host-template");
    let (r, code) = check(&tree);
    assert_finding(&r, "ZK-001", "pass", "3 servers");
    assert_finding(&r, "KAFKA-001", "pass", "4 brokers");
    assert_finding(&r, "KAFKA-008", "pass", "lists all 3 ZooKeeper servers");
    assert_finding(&r, "KAFKA-009", "pass", "4 brokers listed, all deployed");
    assert_finding(&r, "ZK-002", "error", "cannot evaluate");
    assert_finding(&r, "KAFKA-007", "error", "cannot evaluate");
    assert_finding(&r, "KAFKA-013", "warn", "written once and run on each host");
    assert_finding(&r, "KAFKA-013", "warn", "hosts/host1.sh line 4");
    let failed: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(describe)
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(code, 1, "what could not be evaluated keeps the gate closed");

    // The same template naming two hosts is an even ensemble, judged as such.
    let tmp = tempfile::tempdir().unwrap();
    for f in [
        "docker-compose-zookeeper.yaml",
        "docker-compose-kafka.yaml",
        "configtx.yaml",
    ] {
        let text = std::fs::read_to_string(tree.join(f)).unwrap();
        write(
            tmp.path(),
            f,
            &text.replace(" server.3=zk3.example.com:2888:3888", ""),
        );
    }
    let (r, _) = check(tmp.path());
    assert_finding(&r, "ZK-001", "fail", "2 servers");
}

/// Issue 13, class 2, in the real material: cello's Ansible compose templates loop over the
/// brokers (`{% for kafka in kafkas %}`) and write unclean leader election on and
/// `min.insync.replicas=1` as literals. Those are failures; how many brokers the loop makes is
/// "cannot evaluate".
#[test]
fn cello_ansible_jinja_compose_templates_are_judged_on_their_literals() {
    let (r, code) = check(&realworld(
        "hyperledger__cello/release-0.9.0/src/agent/ansible/roles/deploy_compose",
    ));
    assert_eq!(code, 1);
    assert_finding(
        &r,
        "KAFKA-002",
        "fail",
        "unclean.leader.election.enable=true",
    );
    assert_finding(&r, "KAFKA-003", "fail", "min.insync.replicas=1");
    assert_finding(
        &r,
        "KAFKA-001",
        "error",
        "how many instances of {{ kafka }}",
    );
    assert!(
        described(&r, "KAFKA-002", "fail")[0].contains("kafka-compose.j2"),
        "{r}"
    );
}
