//! The in-cluster DNS probe (`fabcheck render dns-probe`): the rendered DaemonSets read back as
//! Kubernetes objects, and probe logs — one written by hand as a cluster would show it, one
//! produced by running the rendered script itself with this machine's `sh` and `getent` —
//! read back into DNS observations. No cluster is contacted.

#[path = "support/probe_log.rs"]
mod probe_log;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use fabcheck::inventory::dns::{CandidateAnswer, Vantage};
use fabcheck::probe::dns_pod::{
    self, DEFAULT_IMAGE, DnsPolicy, DnsProbeSpec, DockerDns, LookupResult, PodDns, RenderError,
};
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::PodSpec;

/// The names chaincode in the reference network asks for: Kubernetes Service names and the
/// dotted names Fabric's artifacts use.
const REFERENCE_NAMES: [&str; 8] = [
    "peer0-org1",
    "peer1-org1",
    "peer0-org2",
    "peer0.org1",
    "peer0.org2",
    "orderer0",
    "orderer0.example.com",
    "peer0.org1.example.com",
];

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The reference network: the daemon points chaincode at the cluster DNS with the seed
/// article's search list, the peer sets ndots through its HostConfig.
fn reference_spec() -> DnsProbeSpec {
    let daemon = DockerDns {
        nameservers: strings(&["10.96.0.10"]),
        searches: strings(&["fabric.svc.cluster.local", "svc.cluster.local"]),
        options: strings(&["timeout:2"]),
    };
    let peer = DockerDns {
        options: strings(&["ndots:2", "timeout:2"]),
        ..DockerDns::default()
    };
    DnsProbeSpec {
        namespace: "fabric".into(),
        image: DEFAULT_IMAGE.into(),
        names: strings(&REFERENCE_NAMES),
        docker: Some(daemon.with_host_config(&peer)),
        pod: PodDns::cluster_first(),
    }
}

fn pod_spec(ds: &DaemonSet) -> &PodSpec {
    ds.spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .expect("a pod template")
}

#[test]
fn the_reference_network_renders_two_daemon_sets_that_read_back() {
    let manifests = dns_pod::render(&reference_spec()).expect("renders");
    assert!(manifests.notes.is_empty(), "{:?}", manifests.notes);
    let yaml = dns_pod::render_yaml(&manifests.daemon_sets).expect("yaml");
    insta::assert_snapshot!("reference_network_yaml", yaml);

    let back: Vec<DaemonSet> = serde_saphyr::from_multiple(&yaml).expect("the YAML reads back");
    assert_eq!(back, manifests.daemon_sets, "nothing lost in YAML");
    assert_eq!(back.len(), 2);

    for (ds, variant) in back.iter().zip(["docker", "pod"]) {
        let name = format!("fabcheck-dns-probe-{variant}");
        assert_eq!(ds.metadata.name.as_deref(), Some(name.as_str()));
        assert_eq!(ds.metadata.namespace.as_deref(), Some("fabric"));
        let labels = ds.metadata.labels.as_ref().expect("labels");
        assert_eq!(labels["app.kubernetes.io/name"], "fabcheck-dns-probe");
        assert_eq!(labels[dns_pod::VARIANT_LABEL], variant);
        let selector = ds.spec.as_ref().unwrap().selector.match_labels.as_ref();
        let template_labels = ds.spec.as_ref().unwrap().template.metadata.as_ref();
        let template_labels = template_labels.and_then(|m| m.labels.as_ref()).unwrap();
        for (k, v) in selector.expect("a selector") {
            assert_eq!(
                template_labels.get(k),
                Some(v),
                "the selector matches its pods"
            );
        }

        let pod = pod_spec(ds);
        assert_eq!(pod.host_network, Some(false));
        assert_eq!(pod.restart_policy.as_deref(), Some("Always"));
        let tolerations = pod.tolerations.as_ref().expect("tolerations");
        assert!(
            tolerations
                .iter()
                .any(|t| t.operator.as_deref() == Some("Exists")
                    && t.key.is_none()
                    && t.effect.is_none()),
            "tolerates every taint, the control plane's included"
        );

        let [container] = pod.containers.as_slice() else {
            panic!("one container")
        };
        assert_eq!(container.image.as_deref(), Some(DEFAULT_IMAGE));
        assert_eq!(
            container.args.as_deref(),
            Some(&strings(&REFERENCE_NAMES)[..]),
            "the names are the container's arguments"
        );
        let command = container.command.as_ref().expect("a command");
        assert_eq!(command[..2], strings(&["/bin/sh", "-c"])[..]);
        assert!(
            !REFERENCE_NAMES.iter().any(|n| command[2].contains(n)),
            "no name is spliced into the script"
        );
        let env = container.env.as_ref().expect("env");
        let field = |var: &str| {
            env.iter()
                .find(|e| e.name == var)
                .and_then(|e| e.value_from.as_ref())
                .and_then(|f| f.field_ref.as_ref())
                .map(|f| f.field_path.clone())
        };
        assert_eq!(field("POD_NAME").as_deref(), Some("metadata.name"));
        assert_eq!(field("NODE_NAME").as_deref(), Some("spec.nodeName"));
        let limits = container.resources.as_ref().and_then(|r| r.limits.as_ref());
        assert!(limits.is_some_and(|l| l.contains_key("memory") && l.contains_key("cpu")));
    }

    // docker: only what Docker gives the chaincode container, the peer's options over the daemon's.
    let docker = pod_spec(&back[0]);
    assert_eq!(docker.dns_policy.as_deref(), Some("None"));
    let config = docker.dns_config.as_ref().expect("a dnsConfig");
    assert_eq!(config.nameservers, Some(strings(&["10.96.0.10"])));
    assert_eq!(
        config.searches,
        Some(strings(&["fabric.svc.cluster.local", "svc.cluster.local"]))
    );
    let options: Vec<(Option<&str>, Option<&str>)> = config
        .options
        .iter()
        .flatten()
        .map(|o| (o.name.as_deref(), o.value.as_deref()))
        .collect();
    assert_eq!(
        options,
        vec![(Some("ndots"), Some("2")), (Some("timeout"), Some("2"))]
    );

    // pod: the chaincode pods' own default.
    let pod = pod_spec(&back[1]);
    assert_eq!(pod.dns_policy.as_deref(), Some("ClusterFirst"));
    assert_eq!(pod.dns_config, None);
}

#[test]
fn without_docker_settings_only_the_pod_probe_is_rendered_and_a_daemon_without_dns_uses_the_node() {
    let spec = DnsProbeSpec {
        docker: None,
        pod: PodDns {
            policy: DnsPolicy::ClusterFirst,
            options: strings(&["ndots:2"]),
            ..PodDns::default()
        },
        ..reference_spec()
    };
    let manifests = dns_pod::render(&spec).unwrap();
    assert_eq!(manifests.daemon_sets.len(), 1);
    let pod = pod_spec(&manifests.daemon_sets[0]);
    assert_eq!(pod.dns_policy.as_deref(), Some("ClusterFirst"));
    assert!(pod.dns_config.is_some());

    let spec = DnsProbeSpec {
        docker: Some(DockerDns::default()),
        ..reference_spec()
    };
    let manifests = dns_pod::render(&spec).unwrap();
    let docker = pod_spec(&manifests.daemon_sets[0]);
    assert_eq!(docker.dns_policy.as_deref(), Some("Default"));
    assert_eq!(docker.dns_config, None);
}

#[test]
fn names_that_are_not_dns_names_and_bad_namespaces_are_refused() {
    let mut spec = reference_spec();
    spec.names.push("peer0.org1; reboot".into());
    let err = dns_pod::render(&spec).unwrap_err();
    assert!(matches!(&err, RenderError::InvalidName { name, .. } if name == "peer0.org1; reboot"));
    assert!(
        err.to_string()
            .starts_with("failed to use 'peer0.org1; reboot' as a name to look up"),
        "{err}"
    );

    let mut spec = reference_spec();
    spec.names = strings(&["peer0-org1:7051"]);
    assert!(
        dns_pod::render(&spec)
            .unwrap_err()
            .to_string()
            .contains("without its port")
    );

    let mut spec = reference_spec();
    spec.namespace = "Fabric".into();
    assert!(matches!(
        dns_pod::render(&spec),
        Err(RenderError::InvalidNamespace { .. })
    ));

    let mut spec = reference_spec();
    spec.docker = Some(DockerDns {
        nameservers: strings(&["${CLUSTER_DNS}"]),
        ..DockerDns::default()
    });
    let err = dns_pod::render(&spec).unwrap_err().to_string();
    assert!(
        err.contains("docker probe") && err.contains("not an IP address"),
        "{err}"
    );
}

/// Two pods' logs as `kubectl logs -l app.kubernetes.io/name=fabcheck-dns-probe --prefix`
/// prints them, written by hand from the script's format: the docker-variant pod on a worker,
/// where the raw name `peer0.org1` is asked first (ndots:2 would not, ndots:1 does) and
/// `peer0-org1` times out; and a chaincode-pod-variant pod whose log was cut short.
const CLUSTER_LOG: &str = "\
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 begin pod=fabcheck-dns-probe-docker-7x2kq node=worker-1 variant=docker names=peer0-org1,peer0.org1,orderer0.example.com
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 resolv.conf search fabric.svc.cluster.local svc.cluster.local
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 resolv.conf nameserver 10.96.0.10
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 resolv.conf options ndots:1 timeout:2
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 lookup peer0-org1 fail 2
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 elapsed peer0-org1 16012
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 lookup peer0.org1 ok 10.244.1.17     peer0.org1.svc.cluster.local
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 elapsed peer0.org1 41
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 lookup orderer0.example.com ok 203.0.113.7     orderer0.example.com
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 elapsed orderer0.example.com 9
[pod/fabcheck-dns-probe-docker-7x2kq/probe] fabcheck-dns-probe v1 end
[pod/fabcheck-dns-probe-pod-m4d9s/probe] fabcheck-dns-probe v1 begin pod=fabcheck-dns-probe-pod-m4d9s node=cp-1 variant=pod names=peer0-org1,peer0.org1,orderer0.example.com
[pod/fabcheck-dns-probe-pod-m4d9s/probe] fabcheck-dns-probe v1 resolv.conf search fabric.svc.cluster.local svc.cluster.local cluster.local
[pod/fabcheck-dns-probe-pod-m4d9s/probe] fabcheck-dns-probe v1 resolv.conf nameserver 10.96.0.10
[pod/fabcheck-dns-probe-pod-m4d9s/probe] fabcheck-dns-probe v1 resolv.conf options ndots:5
[pod/fabcheck-dns-probe-pod-m4d9s/probe] fabcheck-dns-probe v1 lookup peer0-org1 ok 10.96.14.2      peer0-org1.fabric.svc.cluster.local
[pod/fabcheck-dns-probe-pod-m4d9s/probe] fabcheck-dns-probe v1 elapsed peer0-org1 3
";

#[test]
fn a_cluster_log_reads_back_into_observations() {
    let logs = dns_pod::parse_probe_log(CLUSTER_LOG);
    assert!(logs.errors.is_empty(), "{:?}", logs.errors);
    let [docker, pod] = logs.blocks.as_slice() else {
        panic!("two blocks: {:?}", logs.blocks)
    };

    assert!(docker.complete);
    let obs = docker.observation();
    assert_eq!(obs.context, "docker@worker-1");
    assert_eq!(
        obs.vantage,
        Vantage::Pod {
            pod: "fabcheck-dns-probe-docker-7x2kq".into(),
            node: Some("worker-1".into()),
            resolver: None,
        }
    );
    assert_eq!((obs.config.ndots, obs.config.timeout), (1, 2));
    assert_eq!(obs.config.nameservers[0].ip.to_string(), "10.96.0.10");
    assert_eq!(obs.failure, None);
    assert_eq!(docker.lookups[0].elapsed_ms, Some(16012));

    let queries = |i: usize| -> Vec<(String, CandidateAnswer)> {
        obs.results[i]
            .candidates
            .iter()
            .map(|c| (c.query.clone(), c.answer.clone()))
            .collect()
    };
    // getent cannot tell a timeout from NXDOMAIN; the 16 s says which it was.
    assert_eq!(
        queries(0),
        vec![
            (
                "peer0-org1.fabric.svc.cluster.local".into(),
                CandidateAnswer::NoSuchName
            ),
            (
                "peer0-org1.svc.cluster.local".into(),
                CandidateAnswer::NoSuchName
            ),
            ("peer0-org1".into(), CandidateAnswer::NoSuchName),
        ]
    );
    // ndots:1: the raw name went upstream first and failed, the second search domain answered.
    assert_eq!(
        queries(1),
        vec![
            ("peer0.org1".into(), CandidateAnswer::NoSuchName),
            (
                "peer0.org1.fabric.svc.cluster.local".into(),
                CandidateAnswer::NoSuchName
            ),
            (
                "peer0.org1.svc.cluster.local".into(),
                CandidateAnswer::Addresses(vec!["10.244.1.17".parse().unwrap()])
            ),
        ]
    );
    assert_eq!(
        obs.results[2].matched().map(|(q, _)| q),
        Some("orderer0.example.com")
    );
    assert_eq!(obs.results[2].queries_sent(), 1);

    assert!(!pod.complete, "cut short, kept");
    let obs = pod.observation();
    assert_eq!(obs.context, "pod@cp-1");
    assert_eq!(obs.config.ndots, 5);
    assert_eq!(obs.results.len(), 1);
    assert_eq!(
        obs.results[0].matched().map(|(q, _)| q),
        Some("peer0-org1.fabric.svc.cluster.local")
    );
    assert_eq!(pod.missing(), vec!["peer0.org1", "orderer0.example.com"]);
    let notes = pod.notes();
    assert!(notes.iter().any(|n| n.contains("ends before")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("orderer0.example.com")));
}

/// A resolv.conf the script must print verbatim: a comment, a tab, a backslash sequence dash's
/// `echo` would expand, a printf directive, and no final newline.
const FAKE_RESOLV_CONF: &str = "# written by tests/dns_probe_pod.rs\n\
search a.example b.example\n\
nameserver 10.96.0.10\n\
options ndots:5\ttimeout:1 attempts:1\n\
; odd \\n and %s stay as written";

#[test]
fn the_rendered_script_run_here_prints_what_the_parser_reads() {
    if Command::new("sh")
        .args(["-c", "command -v getent"])
        .output()
        .map_or(true, |o| !o.status.success())
    {
        eprintln!("skipped: no sh with getent on this machine");
        return;
    }
    let manifests = dns_pod::render(&reference_spec()).unwrap();
    let yaml = dns_pod::render_yaml(&manifests.daemon_sets).unwrap();
    let back: Vec<DaemonSet> = serde_saphyr::from_multiple(&yaml).unwrap();
    let command = pod_spec(&back[1]).containers[0].command.clone().unwrap();

    // The script as the cluster would run it, reading a fake resolv.conf instead of this
    // machine's. getent still asks this machine's resolver: `localhost` comes from
    // /etc/hosts, the .invalid name (RFC 6761) fails, bounded by RES_OPTIONS.
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("resolv.conf");
    std::fs::write(&conf, FAKE_RESOLV_CONF).unwrap();
    let script = command[2].replace(
        "conf=/etc/resolv.conf",
        &format!("conf='{}'", conf.display()),
    );
    assert_ne!(script, command[2], "the script reads conf=/etc/resolv.conf");

    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg(&command[3])
        .args(["localhost", "fabcheck-no-such-name.invalid"])
        .env("POD_NAME", "fabcheck-dns-probe-pod-local")
        .env("NODE_NAME", "this-machine")
        .env("FABCHECK_VARIANT", "pod")
        .env("RES_OPTIONS", "timeout:1 attempts:1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Its own process group, so the idle `sleep` can be ended with it even if TERM lands
        // between starting the sleep and the shell recording its pid.
        .process_group(0)
        .spawn()
        .expect("sh runs");
    let stdout = child.stdout.take().unwrap();
    let (log, finished) = probe_log::read_until_end(stdout, Duration::from_secs(60));
    // The script now idles as a DaemonSet pod does; SIGTERM (pod deletion) must end it at
    // once and cleanly.
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().expect("sh exits");
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    assert!(finished, "no end line within 60 s:\n{log}");
    assert!(stopped.is_ok_and(|s| s.success()));
    assert!(status.success(), "exit after TERM: {status:?}");

    let logs = dns_pod::parse_probe_log(&log);
    assert!(logs.errors.is_empty(), "{:?}\n{log}", logs.errors);
    let [block] = logs.blocks.as_slice() else {
        panic!("one block:\n{log}")
    };
    assert!(block.complete);
    assert_eq!(block.pod, "fabcheck-dns-probe-pod-local");
    assert_eq!(block.node.as_deref(), Some("this-machine"));
    assert_eq!(block.variant, dns_pod::ProbeVariant::Pod);
    assert_eq!(
        block.requested,
        strings(&["localhost", "fabcheck-no-such-name.invalid"])
    );
    assert_eq!(block.resolv_conf, format!("{FAKE_RESOLV_CONF}\n"));
    assert!(block.missing().is_empty());

    let LookupResult::Found(rows) = &block.lookups[0].result else {
        panic!("localhost not found:\n{log}")
    };
    assert!(rows.iter().all(|r| r.address.is_loopback()), "{rows:?}");
    assert!(
        block.lookups.iter().all(|l| l.elapsed_ms.is_some()) || !log.contains(" elapsed "),
        "timings, when the date command gives them, belong to each lookup"
    );

    let obs = block.observation();
    assert_eq!(obs.config.search, strings(&["a.example", "b.example"]));
    assert_eq!((obs.config.ndots, obs.config.attempts), (5, 1));
    // /etc/hosts answered; the model attributes that to the raw name, glibc's last candidate
    // under ndots:5 (the documented approximation).
    let localhost = &obs.results[0];
    assert_eq!(localhost.matched().map(|(q, _)| q), Some("localhost"));
    assert_eq!(localhost.queries_sent(), 3);
    assert_eq!(obs.results[1].name, "fabcheck-no-such-name.invalid");
    assert!(matches!(
        block.lookups[1].result,
        LookupResult::Failed { exit_code: 2 } | LookupResult::Found(_)
    ));
}
