//! The public Helm charts Fabric operators install Kafka and ZooKeeper with, understood from
//! their values alone: incubator/kafka and incubator/zookeeper (helm/charts), bitnami/kafka and
//! bitnami/zookeeper (bitnami/charts), and Confluent's cp-helm-charts (the umbrella, cp-kafka,
//! cp-zookeeper).
//!
//! Nobody commits those charts' templates: a Fabric chart names them in `requirements.yaml`
//! (or `Chart.yaml` `dependencies:`) and sets their values under the dependency's alias, or an
//! operator runs `helm install incubator/kafka -f kafka-hlf.yaml` with a values file alone.
//! Each chart's templates are fixed, so what a values file deploys is known: this module maps
//! each chart's values to the broker and ZooKeeper workloads its templates render, and where
//! the values omit a key, the chart's own default applies (each default below names the chart
//! file it comes from).
//!
//! What the values cannot say is the Helm release name, and every object a chart creates is
//! named after it (`<release>-<chart>`, or the release name alone when it already contains the
//! chart name: the charts' `fullname` helpers). Such names are written [`release_name`]
//! (`<kafka release>`, `<kafka release>-headless`, `<kafka release>-0`) and match any name a
//! release could give ([`release_pattern_matches`]): `kafka-hlf`, `fabric-kafka-headless`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::yaml::{YamlFile, key_line, scalar};
use super::{Component, ConfigNote, NoteKind, OrderingConfig, Replicas, Setting, Workload};
use crate::inventory::Origin;

/// Most pods named one by one for a StatefulSet (as the manifest gatherer does).
const MAX_NAMED_PODS: u32 = 64;

/// The name Helm gives the objects of chart `chart` in a release the values do not name:
/// `<kafka release>`. (No `:`, `/`, `,` or `.` in it, so it survives where a host name is
/// parsed out of `host:port` lists.)
pub fn release_name(chart: &str) -> String {
    format!("<{chart} release>")
}

/// Whether the DNS label `label` is a name [`release_name`]`(chart)` followed by a suffix
/// (`<kafka release>-headless`) can take for some release: it ends with the suffix and what
/// comes before contains the chart name (`<release>-kafka`, or a release name that already
/// contains `kafka`).
pub fn release_pattern_matches(pattern: &str, label: &str) -> bool {
    let Some(rest) = pattern.strip_prefix('<') else {
        return false;
    };
    let Some((chart, suffix)) = rest.split_once(" release>") else {
        return false;
    };
    label
        .strip_suffix(suffix)
        .is_some_and(|stem| !stem.is_empty() && stem.contains(chart))
}

/// A chart this module knows by its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PublicChart {
    IncubatorKafka,
    IncubatorZookeeper,
    BitnamiKafka,
    BitnamiZookeeper,
    /// Confluent's umbrella chart: `cp-kafka` and `cp-zookeeper` (and others) as subcharts.
    CpHelmCharts,
    CpKafka,
    CpZookeeper,
}

impl PublicChart {
    fn title(self) -> &'static str {
        match self {
            PublicChart::IncubatorKafka => "incubator/kafka",
            PublicChart::IncubatorZookeeper => "incubator/zookeeper",
            PublicChart::BitnamiKafka => "bitnami/kafka",
            PublicChart::BitnamiZookeeper => "bitnami/zookeeper",
            PublicChart::CpHelmCharts => "confluentinc/cp-helm-charts",
            PublicChart::CpKafka => "cp-helm-charts cp-kafka",
            PublicChart::CpZookeeper => "cp-helm-charts cp-zookeeper",
        }
    }

    /// The chart's name, which its objects are named after.
    fn name(self) -> &'static str {
        match self {
            PublicChart::IncubatorKafka | PublicChart::BitnamiKafka => "kafka",
            PublicChart::IncubatorZookeeper | PublicChart::BitnamiZookeeper => "zookeeper",
            PublicChart::CpHelmCharts => "cp-helm-charts",
            PublicChart::CpKafka => "cp-kafka",
            PublicChart::CpZookeeper => "cp-zookeeper",
        }
    }
}

/// The values files an install reads, each with its text, for origins that name the file and
/// line a key is written on: `values.yaml`, then any overlay given over it (`-f values-kafka.yaml`).
#[derive(Debug, Clone)]
struct Source {
    /// (file as shown, text), the last one winning.
    layers: Vec<(String, String)>,
}

impl Source {
    fn file(shown: String, text: String) -> Source {
        Source {
            layers: vec![(shown, text)],
        }
    }

    /// The origin of the value at `path` (keys from the top of the file): the last file that
    /// writes it, with its line, or the last file when none does.
    fn at(&self, path: &[&str]) -> Origin {
        let shown_path = path
            .iter()
            .map(|k| {
                if k.contains('.') {
                    format!("\"{k}\"")
                } else {
                    (*k).to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(".");
        let line_in = |text: &str| {
            let mut from = 1;
            let mut line = None;
            for key in path {
                line = Some(key_line(text, key, from)?);
                from = line.unwrap_or(from);
            }
            line
        };
        for (shown, text) in self.layers.iter().rev() {
            if let Some(l) = line_in(text).filter(|_| !path.is_empty()) {
                return Origin::at(shown.clone(), format!("{shown_path}, line {l}"));
            }
        }
        let (shown, _) = self.layers.last().cloned().unwrap_or_default();
        Origin::at(shown, format!("{shown_path}{}", self.layering()))
    }

    /// ` (values from values.yaml then values-kafka.yaml)` when an overlay is in play.
    fn layering(&self) -> String {
        if self.layers.len() < 2 {
            return String::new();
        }
        let files: Vec<&str> = self
            .layers
            .iter()
            .map(|(s, _)| s.rsplit('/').next().unwrap_or(s))
            .collect();
        format!(" (values from {})", files.join(" then "))
    }
}

/// One install of a public chart: its values (the subtree for a dependency), where they are.
#[derive(Debug, Clone)]
struct Install {
    chart: PublicChart,
    values: Value,
    source: Source,
    /// Where the chart's values sit in the file (`["kafka"]` for a dependency aliased kafka).
    prefix: Vec<String>,
    /// The name the chart's objects are named after: the dependency's alias, or the chart's
    /// name (`nameOverride` replaces it; `fullnameOverride` replaces the whole name).
    name: String,
    scope: String,
}

impl Install {
    fn get(&self, path: &str) -> Option<&Value> {
        path.split('.')
            .try_fold(&self.values, |v, k| v.get(k))
            .filter(|v| !v.is_null())
    }

    fn origin(&self, path: &[&str]) -> Origin {
        let full: Vec<&str> = self
            .prefix
            .iter()
            .map(String::as_str)
            .chain(path.iter().copied())
            .collect();
        self.source.at(&full)
    }

    /// Where a chart default applies: the key's place, and the chart file the default is from.
    fn default_origin(&self, path: &str, default: &str, from: &str) -> Origin {
        let mut o = self
            .source
            .at(&self.prefix.iter().map(String::as_str).collect::<Vec<_>>());
        let at = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}.", self.prefix.join("."))
        };
        o.locator = Some(format!(
            "{at}{path} not set: {} default {default} ({from}){}",
            self.chart.title(),
            self.source.layering()
        ));
        o
    }

    /// A setting from the values at `path`, or the chart's default with its source.
    fn setting(&self, path: &str, default: Option<(&str, &str)>) -> Option<Setting> {
        match self.get(path).and_then(scalar) {
            Some(v) => {
                let keys: Vec<&str> = path.split('.').collect();
                Some(literal(v, self.origin(&keys)))
            }
            None => default.map(|(value, from)| {
                Setting::literal(value, self.default_origin(path, value, from))
            }),
        }
    }

    /// The replica count at `path`, or the chart's default (and the sentence saying which).
    fn replicas(&self, path: &str, default: u32, from: &str) -> (Replicas, String) {
        match self.get(path) {
            None => (
                Replicas::Count(default),
                format!("{path} not set: chart default {default} ({from})"),
            ),
            Some(v) => {
                let n = v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
                match n {
                    Some(n) => (
                        Replicas::Count(u32::try_from(n).unwrap_or(u32::MAX)),
                        format!("{path}: {n}"),
                    ),
                    None => (
                        Replicas::Unknown,
                        format!(
                            "{path}: {} (not a number here)",
                            scalar(v).unwrap_or_default()
                        ),
                    ),
                }
            }
        }
    }

    fn enabled(&self, path: &str, default: bool) -> bool {
        self.get(path).and_then(Value::as_bool).unwrap_or(default)
    }

    /// The full name of the objects the chart creates for a release (before `-headless`,
    /// `-0`, …): `fullnameOverride` when set, else the release pattern for the chart's name.
    fn full_name(&self) -> String {
        if let Some(full) = self
            .get("fullnameOverride")
            .and_then(scalar)
            .filter(|s| !s.is_empty())
        {
            return full;
        }
        let name = self
            .get("nameOverride")
            .and_then(scalar)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| self.name.clone());
        release_name(&name)
    }

    /// A subchart of this chart installed with it, whose values sit under `key`.
    fn subchart(&self, chart: PublicChart, key: &str) -> Install {
        let mut prefix = self.prefix.clone();
        prefix.push(key.to_owned());
        Install {
            chart,
            values: self.values.get(key).cloned().unwrap_or(Value::Null),
            source: self.source.clone(),
            prefix,
            name: chart.name().to_owned(),
            scope: self.scope.clone(),
        }
    }
}

fn literal(value: String, origin: Origin) -> Setting {
    Setting {
        templated: value.contains("{{"),
        ..Setting::literal(value, origin)
    }
}

/// A StatefulSet the chart renders: its name, the Services in front of it, its pods.
fn workload(
    install: &Install,
    component: Component,
    image: Option<String>,
    (replicas, count): (Replicas, String),
) -> Workload {
    let full = install.full_name();
    let mut hostnames = vec![full.clone(), format!("{full}-headless")];
    if let Replicas::Count(n) = replicas {
        hostnames.extend((0..n.min(MAX_NAMED_PODS)).map(|i| format!("{full}-{i}")));
    }
    let mut origin = install.origin(&[]);
    origin.locator = Some(format!(
        "{} release{}: StatefulSet {full}, {count}{}",
        install.chart.title(),
        if install.prefix.is_empty() {
            String::new()
        } else {
            format!(" (values under {})", install.prefix.join("."))
        },
        install.source.layering()
    ));
    Workload {
        name: full,
        origin,
        scope: install.scope.clone(),
        component,
        image,
        replicas,
        env: BTreeMap::new(),
        properties: BTreeMap::new(),
        hostnames,
        computed_at_start: Vec::new(),
        ports: Vec::new(),
        mounts: Vec::new(),
        pod: None,
    }
}

/// The image a chart runs, `repository:tag` from the values or the chart's defaults.
fn image(install: &Install, repository: &str, tag: &str, default: (&str, &str)) -> String {
    let repo = install
        .get(repository)
        .and_then(scalar)
        .unwrap_or_else(|| default.0.to_owned());
    let tag = install
        .get(tag)
        .and_then(scalar)
        .unwrap_or_else(|| default.1.to_owned());
    format!("{repo}:{tag}")
}

/// Kafka properties written by their dotted names (`configurationOverrides`).
fn overrides(install: &Install, key: &str, into: &mut BTreeMap<String, Setting>) {
    let Some(Value::Object(props)) = install.get(key) else {
        return;
    };
    for (prop, v) in props {
        if let Some(s) = scalar(v) {
            into.insert(prop.clone(), literal(s, install.origin(&[key, prop])));
        }
    }
}

/// Environment variables written as a map (`envOverrides`, `customEnv`, `env`), named as the
/// chart names them (`upper`, dots to underscores where `rename` says so).
fn env_map(install: &Install, key: &str, rename: bool, into: &mut BTreeMap<String, Setting>) {
    let Some(Value::Object(vars)) = install.get(key) else {
        return;
    };
    for (name, v) in vars {
        let Some(s) = scalar(v) else { continue };
        let env = if rename {
            name.replace('.', "_").to_ascii_uppercase()
        } else {
            name.clone()
        };
        into.insert(env, literal(s, install.origin(&[key, name])));
    }
}

/// Environment variables written as a container's `env` list (bitnami's `extraEnvVars`).
fn env_list(install: &Install, key: &str, into: &mut BTreeMap<String, Setting>) {
    let Some(Value::Array(items)) = install.get(key) else {
        return;
    };
    for item in items {
        let Some(name) = item.get("name").and_then(scalar) else {
            continue;
        };
        let origin = install.origin(&[key, &name]);
        let setting = match item.get("value").and_then(scalar) {
            Some(v) => literal(v, origin),
            None => Setting {
                value: String::new(),
                origin,
                unresolved: vec![format!("{name} (valueFrom)")],
                templated: false,
            },
        };
        into.insert(name, setting);
    }
}

/// What one install deploys, and what was left unevaluated.
#[derive(Default)]
struct Deployed {
    workloads: Vec<Workload>,
    notes: Vec<ConfigNote>,
}

fn deploy(install: &Install, out: &mut Deployed) {
    match install.chart {
        PublicChart::IncubatorKafka => incubator_kafka(install, out),
        PublicChart::IncubatorZookeeper => incubator_zookeeper(install, out),
        PublicChart::BitnamiKafka => bitnami_kafka(install, out),
        PublicChart::BitnamiZookeeper => bitnami_zookeeper(install, out),
        PublicChart::CpHelmCharts => cp_helm_charts(install, out),
        PublicChart::CpKafka => cp_kafka(install, out, true),
        PublicChart::CpZookeeper => cp_zookeeper(install, out),
    }
}

/// incubator/kafka (helm/charts, `incubator/kafka`): a StatefulSet of `replicas` brokers
/// (`replicas: {{ default 3 .Values.replicas }}`, templates/statefulset.yaml; values.yaml says
/// "The StatefulSet installs 3 pods by default"), every `configurationOverrides` entry turned
/// into `KAFKA_<NAME>` (`printf "KAFKA_%s" $key | replace "." "_" | upper`), `envOverrides`
/// likewise, `KAFKA_ZOOKEEPER_CONNECT` set to `<release>-zookeeper:<zookeeper.port>` when the
/// bundled incubator/zookeeper is enabled (`zookeeper.enabled`, default true; `zookeeper.url`
/// otherwise: templates/_helpers.tpl `zookeeper.url`), and the broker id taken from the pod's
/// ordinal (`export KAFKA_BROKER_ID=${POD_NAME##*-}`). Services: `<fullname>` and
/// `<fullname>-headless`.
fn incubator_kafka(install: &Install, out: &mut Deployed) {
    const FROM: &str = "helm/charts incubator/kafka values.yaml";
    let image = image(
        install,
        "image",
        "imageTag",
        ("confluentinc/cp-kafka", "5.0.1"),
    );
    let mut broker = workload(
        install,
        Component::Kafka,
        Some(image),
        install.replicas("replicas", 3, FROM),
    );
    overrides(install, "configurationOverrides", &mut broker.properties);
    env_map(install, "envOverrides", true, &mut broker.env);
    let zookeeper = install.enabled("zookeeper.enabled", true);
    if !broker.properties.contains_key("zookeeper.connect") {
        let port = install
            .get("zookeeper.port")
            .and_then(scalar)
            .unwrap_or_else(|| "2181".to_owned());
        let connect = if zookeeper {
            format!(
                "{}:{port}",
                install
                    .subchart(PublicChart::IncubatorZookeeper, "zookeeper")
                    .full_name()
            )
        } else {
            let url = install
                .get("zookeeper.url")
                .and_then(scalar)
                .unwrap_or_default();
            format!("{url}:{port}")
        };
        let mut origin = install.origin(&["zookeeper"]);
        origin.locator = Some(format!(
            "KAFKA_ZOOKEEPER_CONNECT the chart sets from zookeeper.{} (incubator/kafka templates/_helpers.tpl zookeeper.url)",
            if zookeeper { "enabled" } else { "url" }
        ));
        broker.properties.insert(
            "zookeeper.connect".into(),
            Setting::literal(connect, origin),
        );
    }
    broker.computed_at_start.push(
        "export KAFKA_BROKER_ID=${POD_NAME##*-} (incubator/kafka templates/statefulset.yaml)"
            .into(),
    );
    out.workloads.push(broker);
    // requirements.yaml: `condition: kafka.zookeeper.enabled,zookeeper.enabled`.
    if zookeeper {
        deploy(
            &install.subchart(PublicChart::IncubatorZookeeper, "zookeeper"),
            out,
        );
    }
}

/// incubator/zookeeper (helm/charts, `incubator/zookeeper`): a StatefulSet of `replicaCount`
/// servers (values.yaml `replicaCount: 3`), `env` passed through, each server's myid written by
/// the chart's start script from the pod's ordinal plus one (templates/config-script.yaml).
/// Services: `<fullname>` (clients) and `<fullname>-headless`.
fn incubator_zookeeper(install: &Install, out: &mut Deployed) {
    const FROM: &str = "helm/charts incubator/zookeeper values.yaml";
    let image = image(
        install,
        "image.repository",
        "image.tag",
        ("zookeeper", "3.5.5"),
    );
    let mut server = workload(
        install,
        Component::Zookeeper,
        Some(image),
        install.replicas("replicaCount", 3, FROM),
    );
    env_map(install, "env", false, &mut server.env);
    server.computed_at_start.push(
        "ZOO_MY_ID=$((${HOSTNAME##*-}+1)) (incubator/zookeeper templates/config-script.yaml: myid from the pod's ordinal)".into(),
    );
    out.workloads.push(server);
}

/// bitnami/kafka (bitnami/charts, `bitnami/kafka`, the ZooKeeper-based layout): a StatefulSet
/// of `replicaCount` brokers (values.yaml `replicaCount: 1`) configured through `KAFKA_CFG_*`
/// variables the chart sets from its values (templates/statefulset.yaml:
/// `defaultReplicationFactor` (default 1), `maxMessageBytes` (default `_1000012`, underscores
/// removed), `socketRequestMaxBytes` (default `_104857600`)), then `extraEnvVars`;
/// `KAFKA_CFG_ZOOKEEPER_CONNECT` names the bundled bitnami/zookeeper (`zookeeper.enabled`,
/// default true) or `externalZookeeper.servers`. A `config` (server.properties) overrides every
/// `KAFKA_CFG_` variable; an `existingConfigmap` holds one the values do not show. The chart
/// has no value for min.insync.replicas: only `extraEnvVars` or `config` set it.
fn bitnami_kafka(install: &Install, out: &mut Deployed) {
    const FROM: &str = "bitnami/charts bitnami/kafka values.yaml";
    let image = image(
        install,
        "image.repository",
        "image.tag",
        ("bitnami/kafka", "2.8.0-debian-10-r57"),
    );
    let mut broker = workload(
        install,
        Component::Kafka,
        Some(image),
        install.replicas("replicaCount", 1, FROM),
    );
    for (value, variable, default) in [
        (
            "defaultReplicationFactor",
            "KAFKA_CFG_DEFAULT_REPLICATION_FACTOR",
            "1",
        ),
        ("maxMessageBytes", "KAFKA_CFG_MESSAGE_MAX_BYTES", "_1000012"),
        (
            "socketRequestMaxBytes",
            "KAFKA_CFG_SOCKET_REQUEST_MAX_BYTES",
            "_104857600",
        ),
    ] {
        if let Some(mut s) = install.setting(value, Some((default, FROM))) {
            // The chart writes these through `replace "_" ""` (values keep them strings).
            if value != "defaultReplicationFactor" {
                s.value = s.value.replace('_', "");
            }
            broker.env.insert(variable.into(), s);
        }
    }
    let zookeeper = install.enabled("zookeeper.enabled", true);
    let connect = if zookeeper {
        let mut origin = install.origin(&["zookeeper"]);
        origin.locator = Some(
            "KAFKA_CFG_ZOOKEEPER_CONNECT the chart sets to the bundled bitnami/zookeeper (zookeeper.enabled; bitnami/kafka templates/statefulset.yaml)".into(),
        );
        Setting::literal(
            install
                .subchart(PublicChart::BitnamiZookeeper, "zookeeper")
                .full_name(),
            origin,
        )
    } else {
        let servers: Vec<String> = match install.get("externalZookeeper.servers") {
            Some(Value::Array(a)) => a.iter().filter_map(scalar).collect(),
            Some(v) => scalar(v).into_iter().collect(),
            None => Vec::new(),
        };
        literal(
            servers.join(","),
            install.origin(&["externalZookeeper", "servers"]),
        )
    };
    broker
        .env
        .insert("KAFKA_CFG_ZOOKEEPER_CONNECT".into(), connect);
    env_list(install, "extraEnvVars", &mut broker.env);
    if let Some(config) = install
        .get("config")
        .and_then(scalar)
        .filter(|c| !c.trim().is_empty())
    {
        // "This will override any KAFKA_CFG_ environment variables (including those set by
        // the chart)" (values.yaml, `config`).
        broker.env.retain(|k, _| !k.starts_with("KAFKA_CFG_"));
        let origin = install.origin(&["config"]);
        for line in config.lines().map(str::trim) {
            if line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            if let Some((k, v)) = line.split_once('=') {
                let mut o = origin.clone();
                o.locator = Some(format!(
                    "{} (server.properties {})",
                    origin.locator.clone().unwrap_or_default(),
                    k.trim()
                ));
                broker
                    .properties
                    .insert(k.trim().to_owned(), literal(v.trim().to_owned(), o));
            }
        }
    } else if let Some(cm) = install
        .get("existingConfigmap")
        .and_then(scalar)
        .filter(|c| !c.is_empty())
    {
        broker.env.retain(|k, _| !k.starts_with("KAFKA_CFG_"));
        let origin = install.origin(&["existingConfigmap"]);
        for prop in RULE_PROPERTIES {
            broker.properties.insert(
                (*prop).to_owned(),
                Setting {
                    value: String::new(),
                    origin: origin.clone(),
                    unresolved: vec![format!(
                        "server.properties in ConfigMap {cm} (bitnami/kafka existingConfigmap)"
                    )],
                    templated: false,
                },
            );
        }
    }
    if install.get("minInsyncReplicas").is_some() {
        out.notes.push(ConfigNote {
            origin: install.origin(&["minInsyncReplicas"]),
            kind: NoteKind::IgnoredValue,
            message: "bitnami/kafka has no value minInsyncReplicas: the chart ignores it and the brokers keep min.insync.replicas=1 unless extraEnvVars sets KAFKA_CFG_MIN_INSYNC_REPLICAS".into(),
        });
    }
    broker.computed_at_start.push(
        "KAFKA_CFG_BROKER_ID=minBrokerId + the pod's ordinal (bitnami/kafka scripts-configmap.yaml setup.sh)".into(),
    );
    out.workloads.push(broker);
    if zookeeper {
        deploy(
            &install.subchart(PublicChart::BitnamiZookeeper, "zookeeper"),
            out,
        );
    }
}

/// The broker properties the Kafka rules read.
const RULE_PROPERTIES: &[&str] = &[
    "unclean.leader.election.enable",
    "min.insync.replicas",
    "default.replication.factor",
    "message.max.bytes",
    "replica.fetch.max.bytes",
    "socket.request.max.bytes",
    "log.retention.ms",
    "zookeeper.connect",
];

/// bitnami/zookeeper (bitnami/charts, `bitnami/zookeeper`): a StatefulSet of `replicaCount`
/// servers (values.yaml `replicaCount: 1`), each server's id `minServerId` (default 1) plus the
/// pod's ordinal ("with `minServerId=10` and 3 replicas, server IDs will be 10, 11, 12").
fn bitnami_zookeeper(install: &Install, out: &mut Deployed) {
    const FROM: &str = "bitnami/charts bitnami/zookeeper values.yaml";
    let image = image(
        install,
        "image.repository",
        "image.tag",
        ("bitnami/zookeeper", "3.7.0-debian-10-r70"),
    );
    let mut server = workload(
        install,
        Component::Zookeeper,
        Some(image),
        install.replicas("replicaCount", 1, FROM),
    );
    let min = install
        .get("minServerId")
        .and_then(scalar)
        .unwrap_or_else(|| "1".to_owned());
    server.computed_at_start.push(format!(
        "ZOO_SERVER_ID=$((${{HOSTNAME##*-}}+{min})) (bitnami/zookeeper: minServerId + the pod's ordinal)"
    ));
    out.workloads.push(server);
}

/// Confluent's umbrella chart (confluentinc/cp-helm-charts values.yaml and requirements.yaml):
/// `cp-zookeeper` and `cp-kafka` subcharts, each enabled by its `enabled` (default true). The
/// brokers use the umbrella's ZooKeeper.
fn cp_helm_charts(install: &Install, out: &mut Deployed) {
    if install.enabled("cp-zookeeper.enabled", true) {
        deploy(
            &install.subchart(PublicChart::CpZookeeper, "cp-zookeeper"),
            out,
        );
    }
    if install.enabled("cp-kafka.enabled", true) {
        cp_kafka(
            &install.subchart(PublicChart::CpKafka, "cp-kafka"),
            out,
            false,
        );
    }
}

/// cp-kafka (confluentinc/cp-helm-charts charts/cp-kafka): a StatefulSet of `brokers`
/// (values.yaml `brokers: 3`), `configurationOverrides` as `KAFKA_<NAME>`, `customEnv` passed
/// through, `KAFKA_ZOOKEEPER_CONNECT` `<release>-cp-zookeeper:2181` while `cp-zookeeper.enabled`
/// (templates/_helpers.tpl `cp-kafka.cp-zookeeper.service-name`), `cp-zookeeper.url`
/// otherwise. Installed alone, it brings its own cp-zookeeper (requirements.yaml, condition
/// `cp-zookeeper.enabled`).
fn cp_kafka(install: &Install, out: &mut Deployed, alone: bool) {
    const FROM: &str = "confluentinc/cp-helm-charts charts/cp-kafka/values.yaml";
    let image = image(
        install,
        "image",
        "imageTag",
        ("confluentinc/cp-kafka", "5.0.0"),
    );
    let mut broker = workload(
        install,
        Component::Kafka,
        Some(image),
        install.replicas("brokers", 3, FROM),
    );
    overrides(install, "configurationOverrides", &mut broker.properties);
    env_map(install, "customEnv", false, &mut broker.env);
    let zookeeper = install.enabled("cp-zookeeper.enabled", true);
    if !broker.properties.contains_key("zookeeper.connect") {
        let (connect, origin) = if zookeeper {
            let mut origin = install.origin(&["cp-zookeeper"]);
            origin.locator = Some(
                "KAFKA_ZOOKEEPER_CONNECT the chart sets from cp-zookeeper.enabled (cp-kafka templates/_helpers.tpl)".into(),
            );
            (
                format!(
                    "{}:2181",
                    install
                        .subchart(PublicChart::CpZookeeper, "cp-zookeeper")
                        .full_name()
                ),
                origin,
            )
        } else {
            (
                install
                    .get("cp-zookeeper.url")
                    .and_then(scalar)
                    .unwrap_or_default(),
                install.origin(&["cp-zookeeper", "url"]),
            )
        };
        broker
            .properties
            .insert("zookeeper.connect".into(), literal(connect, origin));
    }
    out.workloads.push(broker);
    if alone && zookeeper {
        deploy(
            &install.subchart(PublicChart::CpZookeeper, "cp-zookeeper"),
            out,
        );
    }
}

/// cp-zookeeper (confluentinc/cp-helm-charts charts/cp-zookeeper): a StatefulSet of `servers`
/// (values.yaml `servers: 3`), each server's id the pod's ordinal plus one
/// (`export ZOOKEEPER_SERVER_ID=$((${HOSTNAME##*-}+1))`, templates/statefulset.yaml).
fn cp_zookeeper(install: &Install, out: &mut Deployed) {
    const FROM: &str = "confluentinc/cp-helm-charts charts/cp-zookeeper/values.yaml";
    let image = image(
        install,
        "image",
        "imageTag",
        ("confluentinc/cp-zookeeper", "5.0.0"),
    );
    let mut server = workload(
        install,
        Component::Zookeeper,
        Some(image),
        install.replicas("servers", 3, FROM),
    );
    server.computed_at_start.push(
        "export ZOOKEEPER_SERVER_ID=$((${HOSTNAME##*-}+1)) (cp-zookeeper templates/statefulset.yaml)".into(),
    );
    out.workloads.push(server);
}

/// The public chart a values file is written for, from its shape; `None` for anything else.
fn identify(values: &Value) -> Option<PublicChart> {
    let map = values.as_object()?;
    // Kubernetes objects, compose files, configtx.yaml, Chart.yaml: not values.
    if [
        "apiVersion",
        "kind",
        "services",
        "Profiles",
        "Orderer",
        "dependencies",
    ]
    .iter()
    .any(|k| map.contains_key(*k))
    {
        return None;
    }
    let has = |k: &str| map.contains_key(k);
    let object = |k: &str| map.get(k).is_some_and(Value::is_object);
    let text = |path: &str| {
        path.split('.')
            .try_fold(values, |v, k| v.get(k))
            .and_then(scalar)
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let image = format!("{} {}", text("image"), text("image.repository"));
    if has("brokers")
        && (object("configurationOverrides")
            || has("cp-zookeeper")
            || image.contains("confluentinc/cp-"))
    {
        return Some(PublicChart::CpKafka);
    }
    if has("servers") && image.contains("cp-zookeeper") {
        return Some(PublicChart::CpZookeeper);
    }
    if object("cp-kafka") || object("cp-zookeeper") {
        return Some(PublicChart::CpHelmCharts);
    }
    if image.contains("bitnami/kafka")
        || [
            "defaultReplicationFactor",
            "offsetsTopicReplicationFactor",
            "transactionStateLogMinIsr",
            "maxMessageBytes",
            "logRetentionHours",
            "autoCreateTopicsEnable",
            "deleteTopicEnable",
            "externalZookeeper",
            "minBrokerId",
            "interBrokerListenerName",
        ]
        .iter()
        .any(|k| has(k))
    {
        return Some(PublicChart::BitnamiKafka);
    }
    if object("configurationOverrides")
        && ([
            "replicas",
            "zookeeper",
            "kafkaHeapOptions",
            "imageTag",
            "envOverrides",
            "topics",
            "headless",
            "external",
        ]
        .iter()
        .any(|k| has(k))
            || image.contains("kafka"))
    {
        return Some(PublicChart::IncubatorKafka);
    }
    if image.contains("bitnami/zookeeper")
        || (has("replicaCount")
            && [
                "fourlwCommandsWhitelist",
                "minServerId",
                "listenOnAllIPs",
                "allowAnonymousLogin",
            ]
            .iter()
            .any(|k| has(k)))
    {
        return Some(PublicChart::BitnamiZookeeper);
    }
    let zk_env = map.get("env").and_then(Value::as_object).is_some_and(|e| {
        e.keys()
            .any(|k| k.starts_with("ZK_") || k.starts_with("ZOO_"))
    });
    if has("replicaCount") && (zk_env || image.contains("zookeeper")) {
        return Some(PublicChart::IncubatorZookeeper);
    }
    None
}

/// Helm's merge of a values file over another: maps merge key by key, anything else is
/// replaced, and a null removes the key.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.remove(k);
                } else if let Some(existing) = b.get_mut(k) {
                    merge(existing, v);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// One entry of a chart's `dependencies:`.
#[derive(Debug, Clone, Default, PartialEq)]
struct Dependency {
    name: String,
    alias: Option<String>,
    repository: String,
    condition: Option<String>,
    tags: Vec<String>,
}

impl Dependency {
    /// The key the parent's values hold this dependency's values under.
    fn key(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }

    fn from_value(v: &Value) -> Option<Dependency> {
        Some(Dependency {
            name: v.get("name").and_then(scalar)?,
            alias: v.get("alias").and_then(scalar).filter(|a| !a.is_empty()),
            repository: v.get("repository").and_then(scalar).unwrap_or_default(),
            condition: v.get("condition").and_then(scalar),
            tags: v
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(scalar).collect())
                .unwrap_or_default(),
        })
    }

    /// The public chart this dependency installs, from its name and repository (or, for a
    /// repository this module does not know, from the shape of its values).
    fn chart(&self, values: &Value) -> Option<PublicChart> {
        let repo = self.repository.to_ascii_lowercase();
        let bitnami = repo.contains("bitnami");
        let incubator = repo.contains("incubator");
        match self.name.as_str() {
            "kafka" if bitnami => Some(PublicChart::BitnamiKafka),
            "kafka" if incubator => Some(PublicChart::IncubatorKafka),
            "zookeeper" if bitnami => Some(PublicChart::BitnamiZookeeper),
            "zookeeper" if incubator => Some(PublicChart::IncubatorZookeeper),
            "cp-kafka" => Some(PublicChart::CpKafka),
            "cp-zookeeper" => Some(PublicChart::CpZookeeper),
            "cp-helm-charts" => Some(PublicChart::CpHelmCharts),
            "kafka" => identify(values)
                .filter(|c| matches!(c, PublicChart::IncubatorKafka | PublicChart::BitnamiKafka)),
            "zookeeper" => identify(values).filter(|c| {
                matches!(
                    c,
                    PublicChart::IncubatorZookeeper | PublicChart::BitnamiZookeeper
                )
            }),
            _ => None,
        }
    }

    /// Whether Helm installs this dependency with the parent's `values`, and why. Helm reads
    /// `condition` as comma-separated paths and uses the first that holds a boolean (a path
    /// that is missing or not a boolean is skipped); without one, `tags` decide (any tag set
    /// true enables, all set false disable); otherwise the dependency is installed
    /// (helm/pkg/chartutil/dependencies.go `processDependencyConditions`, `processDependencyTags`).
    fn enabled(&self, values: &Value) -> (bool, String) {
        for path in self
            .condition
            .iter()
            .flat_map(|c| c.split(','))
            .map(str::trim)
        {
            let v = path
                .split('.')
                .try_fold(values, |v, k| v.get(k))
                .and_then(Value::as_bool);
            if let Some(b) = v {
                return (b, format!("condition {path}: {b}"));
            }
        }
        let tags: Vec<(String, bool)> = self
            .tags
            .iter()
            .filter_map(|t| {
                values
                    .get("tags")
                    .and_then(|tags| tags.get(t))
                    .and_then(Value::as_bool)
                    .map(|b| (t.clone(), b))
            })
            .collect();
        if let Some((t, _)) = tags.iter().find(|(_, b)| *b) {
            return (true, format!("tag {t}: true"));
        }
        if !tags.is_empty() {
            return (false, "every tag is false".into());
        }
        (true, "no condition or tag turns it off".into())
    }
}

fn read_yaml(path: &Path) -> Option<(String, Value)> {
    let text = super::yaml::read_text(path).ok()?;
    let value = crate::yaml::from_str::<Option<Value>>(&text)
        .ok()
        .flatten()?;
    Some((text, value))
}

/// Values files beside a chart's `values.yaml` that override it for one kind of install:
/// `values-kafka.yaml`, `values.prod.yaml`, `kafka-values.yaml`, `values_kafka.yaml`.
fn is_overlay(name: &str) -> bool {
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or("");
    stem != "values"
        && (stem.starts_with("values-")
            || stem.starts_with("values.")
            || stem.starts_with("values_")
            || stem.ends_with("-values")
            || stem.ends_with("_values"))
}

/// What a chart's dependencies on public Kafka and ZooKeeper charts deploy.
fn chart_dependencies(root: &Path, files: &[PathBuf], out: &mut Deployed) {
    let mut deps: Vec<(Dependency, String)> = Vec::new();
    for name in ["Chart.yaml", "requirements.yaml"] {
        let path = root.join(name);
        if let Some((_, v)) = read_yaml(&path) {
            let shown = path.display().to_string();
            deps.extend(
                v.get("dependencies")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Dependency::from_value)
                    .map(|d| (d, shown.clone())),
            );
        }
    }
    if deps.is_empty() {
        return;
    }
    let scope = root.display().to_string();
    let values_path = root.join("values.yaml");
    let (base_text, base) = read_yaml(&values_path).unwrap_or((String::new(), Value::Null));
    let base_source = Source::file(values_path.display().to_string(), base_text);
    let mut overlays: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.parent() == Some(root))
        .filter(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_overlay)
        })
        .collect();
    overlays.sort();
    for (dep, declared_in) in deps {
        // A dependency unpacked beside the chart has templates of its own, rendered as such.
        let local = dep
            .repository
            .strip_prefix("file://")
            .map(|dir| root.join(dir));
        if std::iter::once(root.join("charts").join(&dep.name))
            .chain(local)
            .any(|d| d.join("templates").is_dir())
        {
            continue;
        }
        let key = dep.key().to_owned();
        let sub_values = base.get(&key).cloned().unwrap_or(Value::Null);
        let Some(chart) = dep.chart(&sub_values) else {
            if matches!(dep.name.as_str(), "kafka" | "zookeeper") {
                out.notes.push(ConfigNote {
                    origin: Origin::at(declared_in.clone(), format!("dependency {}", dep.name)),
                    kind: NoteKind::Template,
                    message: format!(
                        "template, not evaluated: dependency {} from {:?} is not a chart fabcheck knows (incubator/kafka, incubator/zookeeper, bitnami/kafka, bitnami/zookeeper, cp-helm-charts); what it deploys is not read",
                        dep.name, dep.repository
                    ),
                });
            }
            continue;
        };
        let (on, why) = dep.enabled(&base);
        let chosen = if on {
            Some((base.clone(), base_source.clone(), why.clone()))
        } else {
            overlays.iter().find_map(|o| {
                let (text, over) = read_yaml(o)?;
                let mut merged = base.clone();
                merge(&mut merged, &over);
                let (on, why) = dep.enabled(&merged);
                on.then(|| {
                    let mut source = base_source.clone();
                    source.layers.push((o.display().to_string(), text));
                    (merged, source, why)
                })
            })
        };
        let Some((values, source, _why)) = chosen else {
            out.notes.push(ConfigNote {
                origin: Origin::at(declared_in, format!("dependency {key}")),
                kind: NoteKind::Template,
                message: format!(
                    "dependency {key} ({}) is not installed ({why}{}): it deploys nothing",
                    chart.title(),
                    if overlays.is_empty() {
                        String::new()
                    } else {
                        " in values.yaml and every values overlay beside it".to_owned()
                    }
                ),
            });
            continue;
        };
        let install = Install {
            chart,
            values: values.get(&key).cloned().unwrap_or(Value::Null),
            source,
            prefix: vec![key.clone()],
            name: key.clone(),
            scope: scope.clone(),
        };
        deploy(&install, out);
    }
}

/// Whether `path` lies inside a Helm chart (a folder above it, up to the scanned tree, holds a
/// Chart.yaml): its values belong to that chart.
fn inside_chart(path: &Path) -> bool {
    path.ancestors()
        .skip(1)
        .take(4)
        .any(|d| d.join("Chart.yaml").is_file())
}

/// Adds what the public Kafka and ZooKeeper charts deploy: for every chart among `files` that
/// depends on one, and for every values file written for one of them on its own.
pub fn gather(files: &[PathBuf], docs: &[YamlFile], config: &mut OrderingConfig) {
    let mut out = Deployed::default();
    for f in files {
        if f.file_name().is_some_and(|n| n == "Chart.yaml")
            && let Some(root) = f.parent()
        {
            chart_dependencies(root, files, &mut out);
        }
    }
    for f in docs {
        let [values] = f.docs.as_slice() else {
            continue;
        };
        let Some(chart) = identify(values) else {
            continue;
        };
        if inside_chart(&f.path) {
            continue;
        }
        let install = Install {
            chart,
            values: values.clone(),
            source: Source::file(f.shown.clone(), f.text.clone()),
            prefix: Vec::new(),
            name: chart.name().to_owned(),
            scope: f.dir.clone(),
        };
        deploy(&install, &mut out);
    }
    config.workloads.extend(out.workloads);
    config.notes.extend(out.notes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn install(chart: PublicChart, values: Value) -> Install {
        Install {
            chart,
            values,
            source: Source::file("v.yaml".into(), String::new()),
            prefix: Vec::new(),
            name: chart.name().to_owned(),
            scope: "net".into(),
        }
    }

    fn deployed(chart: PublicChart, values: Value) -> Deployed {
        let mut out = Deployed::default();
        deploy(&install(chart, values), &mut out);
        out
    }

    #[test]
    fn release_patterns_match_any_release_name() {
        let p = release_name("kafka");
        assert!(release_pattern_matches(&p, "kafka-hlf"));
        assert!(release_pattern_matches(&p, "fabric-kafka"));
        assert!(!release_pattern_matches(&p, "zookeeper"));
        let pod = format!("{p}-0");
        assert!(release_pattern_matches(&pod, "kafka-hlf-0"));
        assert!(!release_pattern_matches(&pod, "kafka-hlf-1"));
        assert!(!release_pattern_matches(
            &format!("{p}-headless"),
            "-headless"
        ));
        assert!(!release_pattern_matches("kafka", "kafka"));
    }

    #[test]
    fn values_shapes_name_their_chart() {
        let nephos = json!({"replicas": 4, "image": "confluentinc/cp-kafka", "configurationOverrides": {"min.insync.replicas": 2}, "zookeeper": {"replicaCount": 3}});
        assert_eq!(identify(&nephos), Some(PublicChart::IncubatorKafka));
        assert_eq!(
            identify(&json!({"replicaCount": 3, "defaultReplicationFactor": 3})),
            Some(PublicChart::BitnamiKafka)
        );
        assert_eq!(
            identify(&json!({"image": {"repository": "bitnami/zookeeper"}, "replicaCount": 3})),
            Some(PublicChart::BitnamiZookeeper)
        );
        assert_eq!(
            identify(&json!({"cp-kafka": {"brokers": 4}, "cp-zookeeper": {"servers": 3}})),
            Some(PublicChart::CpHelmCharts)
        );
        assert_eq!(
            identify(
                &json!({"brokers": 3, "configurationOverrides": {}, "cp-zookeeper": {"enabled": true}})
            ),
            Some(PublicChart::CpKafka)
        );
        assert_eq!(
            identify(&json!({"replicaCount": 3, "env": {"ZK_HEAP_SIZE": "1G"}})),
            Some(PublicChart::IncubatorZookeeper)
        );
        // Helm's starter chart and Kubernetes objects are not any of them.
        assert_eq!(
            identify(&json!({"replicaCount": 1, "image": {"repository": "nginx"}})),
            None
        );
        assert_eq!(
            identify(&json!({"kind": "StatefulSet", "configurationOverrides": {}, "replicas": 3})),
            None
        );
    }

    #[test]
    fn incubator_kafka_defaults_and_overrides() {
        let out = deployed(
            PublicChart::IncubatorKafka,
            json!({"configurationOverrides": {"unclean.leader.election.enable": true}}),
        );
        let [broker, zk] = out.workloads.as_slice() else {
            panic!("{:?}", out.workloads.len())
        };
        assert_eq!(broker.component, Component::Kafka);
        assert_eq!(broker.replicas, Replicas::Count(3), "the chart's default");
        assert!(
            broker
                .origin
                .locator
                .as_deref()
                .unwrap()
                .contains("replicas not set: chart default 3")
        );
        assert_eq!(
            broker
                .kafka_setting("unclean.leader.election.enable")
                .unwrap()
                .value,
            "true"
        );
        assert_eq!(
            broker.kafka_setting("zookeeper.connect").unwrap().value,
            "<zookeeper release>:2181"
        );
        assert!(
            broker
                .hostnames
                .contains(&"<kafka release>-headless".to_owned())
        );
        assert_eq!(zk.component, Component::Zookeeper);
        assert_eq!(zk.replicas, Replicas::Count(3));
        assert!(zk.hostnames.contains(&"<zookeeper release>".to_owned()));
        // zookeeper.enabled: false deploys no ensemble and points at zookeeper.url.
        let out = deployed(
            PublicChart::IncubatorKafka,
            json!({"replicas": 4, "zookeeper": {"enabled": false, "url": "zk.example.com"}}),
        );
        assert_eq!(out.workloads.len(), 1);
        assert_eq!(out.workloads[0].replicas, Replicas::Count(4));
        assert_eq!(
            out.workloads[0]
                .kafka_setting("zookeeper.connect")
                .unwrap()
                .value,
            "zk.example.com:2181"
        );
    }

    #[test]
    fn bitnami_kafka_values_become_kafka_cfg_variables() {
        let out = deployed(
            PublicChart::BitnamiKafka,
            json!({"replicaCount": 4, "defaultReplicationFactor": 3, "maxMessageBytes": "_103809024",
                   "extraEnvVars": [{"name": "KAFKA_CFG_MIN_INSYNC_REPLICAS", "value": "2"}],
                   "zookeeper": {"replicaCount": 3}}),
        );
        let broker = &out.workloads[0];
        assert_eq!(broker.replicas, Replicas::Count(4));
        assert_eq!(
            broker
                .kafka_setting("default.replication.factor")
                .unwrap()
                .value,
            "3"
        );
        assert_eq!(
            broker.kafka_setting("message.max.bytes").unwrap().value,
            "103809024"
        );
        assert_eq!(
            broker.kafka_setting("min.insync.replicas").unwrap().value,
            "2"
        );
        assert_eq!(
            broker
                .kafka_setting("socket.request.max.bytes")
                .unwrap()
                .value,
            "104857600",
            "the chart's default, underscores removed"
        );
        assert_eq!(out.workloads[1].replicas, Replicas::Count(3));
        // `config` replaces every KAFKA_CFG_ variable; an existing ConfigMap is not readable.
        let out = deployed(
            PublicChart::BitnamiKafka,
            json!({"config": "unclean.leader.election.enable=false\nmin.insync.replicas=2\n", "zookeeper": {"enabled": false}}),
        );
        let broker = &out.workloads[0];
        assert!(broker.env.keys().all(|k| !k.starts_with("KAFKA_CFG_")));
        assert_eq!(
            broker.kafka_setting("min.insync.replicas").unwrap().value,
            "2"
        );
        let out = deployed(
            PublicChart::BitnamiKafka,
            json!({"existingConfigmap": "kafka-props", "minInsyncReplicas": 2}),
        );
        assert!(
            !out.workloads[0]
                .kafka_setting("min.insync.replicas")
                .unwrap()
                .unresolved
                .is_empty()
        );
        assert_eq!(out.notes[0].kind, NoteKind::IgnoredValue);
    }

    #[test]
    fn cp_helm_charts_umbrella_and_subcharts() {
        let out = deployed(
            PublicChart::CpHelmCharts,
            json!({"cp-kafka": {"brokers": 4}, "cp-zookeeper": {"servers": 5}}),
        );
        let names: Vec<(&str, Replicas)> = out
            .workloads
            .iter()
            .map(|w| (w.name.as_str(), w.replicas))
            .collect();
        assert_eq!(
            names,
            [
                ("<cp-zookeeper release>", Replicas::Count(5)),
                ("<cp-kafka release>", Replicas::Count(4))
            ]
        );
        let out = deployed(
            PublicChart::CpHelmCharts,
            json!({"cp-zookeeper": {"enabled": false}, "cp-kafka": {"cp-zookeeper": {"enabled": false, "url": "zk:2181"}}}),
        );
        assert_eq!(out.workloads.len(), 1);
        assert_eq!(
            out.workloads[0]
                .kafka_setting("zookeeper.connect")
                .unwrap()
                .value,
            "zk:2181"
        );
    }

    #[test]
    fn dependency_conditions_tags_and_aliases() {
        let dep = Dependency {
            name: "kafka".into(),
            alias: Some("ordering".into()),
            repository: "https://kubernetes-charts-incubator.storage.googleapis.com/".into(),
            condition: Some("ordering.missing, ordering.enabled".into()),
            tags: vec!["kafka".into()],
        };
        assert_eq!(dep.key(), "ordering");
        assert_eq!(dep.chart(&Value::Null), Some(PublicChart::IncubatorKafka));
        assert!(!dep.enabled(&json!({"ordering": {"enabled": false}})).0);
        assert!(
            dep.enabled(&json!({"ordering": {"enabled": true}, "tags": {"kafka": false}}))
                .0
        );
        assert!(
            !dep.enabled(&json!({"tags": {"kafka": false}})).0,
            "tags decide without a condition"
        );
        assert!(dep.enabled(&json!({})).0);
        let unknown = Dependency {
            name: "kafka".into(),
            repository: "@myrepo".into(),
            ..Dependency::default()
        };
        assert_eq!(unknown.chart(&json!({"replicaCount": 2})), None);
        assert_eq!(
            unknown.chart(&json!({"configurationOverrides": {}, "replicas": 4})),
            Some(PublicChart::IncubatorKafka)
        );
    }

    #[test]
    fn helm_merges_maps_and_null_removes() {
        let mut base = json!({"kafka": {"enabled": false, "replicas": 3, "x": 1}});
        merge(&mut base, &json!({"kafka": {"enabled": true, "x": null}}));
        assert_eq!(base, json!({"kafka": {"enabled": true, "replicas": 3}}));
        assert!(is_overlay("values-kafka.yaml"));
        assert!(is_overlay("kafka-values.yml"));
        assert!(!is_overlay("values.yaml"));
        assert!(!is_overlay("Chart.yaml"));
    }
}
