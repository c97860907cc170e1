//! The in-cluster DNS probe (`fabcheck render dns-probe`): Kubernetes manifests whose pods print
//! the resolver they were given and what glibc answers for each name, and the parser that turns
//! those pods' logs back into [`DnsObservation`]s.
//!
//! Two DaemonSets, so every node is a vantage point (a node-local cache, a firewall or a route
//! to the DNS servers can differ per node, and chaincode may land on any of them):
//! - `docker`: the resolver a chaincode container gets when the peer launches it through the
//!   node's Docker daemon. Docker builds that container's resolv.conf from the node's, with
//!   each of nameservers, search domains and options replaced when the daemon (`--dns`,
//!   `--dns-search`, `--dns-opt`) or the peer's HostConfig (`CORE_VM_DOCKER_HOSTCONFIG_DNS…`)
//!   sets it. The pod gets `dnsPolicy: Default` (the node's resolv.conf, as kubelet reads it)
//!   or `None`, plus a `dnsConfig`; see [`DockerDns::pod_dns`] for where Kubernetes cannot say
//!   exactly what Docker does.
//! - `pod`: the chaincode pods' own `dnsPolicy` / `dnsConfig` (chaincode as a service).
//!
//! Approximations a reader of the results should know:
//! - The probe pod sits on the pod network, not on the node's Docker bridge, so a nameserver
//!   reachable from one and not the other is judged from the pod network. On a user-defined
//!   Docker network a container asks Docker's embedded server (127.0.0.11), which forwards to
//!   the configured servers and also answers for container names; the probe asks the
//!   configured servers directly and knows no container names.
//! - Docker drops loopback nameservers from the node's resolv.conf and reads systemd-resolved's
//!   upstream file instead of its stub; kubelet reads `--resolv-conf`. These usually agree.
//! - `ClusterFirst` puts the pod's own namespace first in the search list, so the probe must
//!   run in the chaincode pods' namespace for the `pod` variant to see what they see.
//!
//! The container runs a POSIX `sh` script (any image with glibc's `getent`; Debian's by
//! default). The names to look up are the container's arguments, never spliced into the
//! script, and are still restricted to DNS name characters because the log format is
//! space-separated. Each pod prints one block, then idles: a DaemonSet's pods must keep
//! running, and an idle pod keeps its log for the reader.
//!
//! Log format (`v1`), one line each; anything before the marker (kubectl `--prefix`,
//! `--timestamps`) and any line without it are ignored:
//!
//! ```text
//! fabcheck-dns-probe v1 begin pod=<pod> node=<node> variant=<docker|pod> names=<a,b,…>
//! fabcheck-dns-probe v1 resolv.conf <one line of /etc/resolv.conf, verbatim>
//! fabcheck-dns-probe v1 lookup <name> ok <address> <canonical name> [<alias>…]
//! fabcheck-dns-probe v1 lookup <name> fail <getent exit code>
//! fabcheck-dns-probe v1 elapsed <name> <milliseconds>
//! fabcheck-dns-probe v1 error <what the probe could not do>
//! fabcheck-dns-probe v1 end
//! ```
//!
//! `ok` lines are `getent hosts` output, one per address; `elapsed` is absent when the image's
//! `date` cannot print nanoseconds.

use std::collections::BTreeMap;
use std::net::IpAddr;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{
    Container, EnvVar, PodDNSConfig, PodDNSConfigOption, PodSecurityContext, PodSpec,
    SeccompProfile,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::pod_spec::{downward_env, on_every_linux_node, resources, restricted};
use crate::inventory::dns::{
    CandidateAnswer, CandidateOutcome, DnsObservation, NameResolution, ResolverConfig, Vantage,
    candidates,
};

/// The image used when none is given: glibc's `getent`, a POSIX `sh` and GNU `date`.
pub const DEFAULT_IMAGE: &str = "debian:bookworm-slim";

/// The `app.kubernetes.io/name` label of every probe object, and the DaemonSets' name prefix.
pub const APP_NAME: &str = "fabcheck-dns-probe";

/// The label that tells the two variants apart.
pub const VARIANT_LABEL: &str = "app.kubernetes.io/component";

/// The container's name in every probe pod.
pub const CONTAINER_NAME: &str = "probe";

/// The start of every probe log line, up to the format version.
const MARKER: &str = "fabcheck-dns-probe v";

/// The log format this module writes and reads.
const FORMAT_VERSION: &str = "1";

/// Kubernetes' limits on a pod's `dnsConfig` (pkg/apis/core/validation).
const MAX_POD_NAMESERVERS: usize = 3;
const MAX_POD_SEARCHES: usize = 32;
const MAX_POD_SEARCH_CHARS: usize = 2048;

/// The probe script. `$@` holds the names; POD_NAME, NODE_NAME and FABCHECK_VARIANT come from
/// the pod spec. `printf` rather than `echo`, because dash's `echo` interprets backslashes that
/// a resolv.conf line may contain. The TERM trap matters: as PID 1 the shell would otherwise
/// ignore SIGTERM and every pod deletion would wait out the grace period.
const SCRIPT: &str = r#"p='fabcheck-dns-probe v1'
idle=
trap 'kill "$idle" 2>/dev/null; exit 0' TERM INT
ms() {
  t=$(date +%s%N 2>/dev/null) || return 0
  case $t in ''|*[!0-9]*) ;; *) printf '%s' "$((t / 1000000))" ;; esac
}
names=$(IFS=,; printf '%s' "$*")
printf '%s begin pod=%s node=%s variant=%s names=%s\n' "$p" "${POD_NAME:-}" "${NODE_NAME:-}" "${FABCHECK_VARIANT:-}" "$names"
conf=/etc/resolv.conf
if [ -r "$conf" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    printf '%s resolv.conf %s\n' "$p" "$line"
  done <"$conf"
else
  printf '%s error cannot read %s\n' "$p" "$conf"
fi
if command -v getent >/dev/null 2>&1; then
  for name in "$@"; do
    start=$(ms)
    out=$(getent hosts "$name")
    code=$?
    end=$(ms)
    if [ "$code" -eq 0 ]; then
      printf '%s\n' "$out" | while IFS= read -r row; do
        [ -z "$row" ] || printf '%s lookup %s ok %s\n' "$p" "$name" "$row"
      done
    else
      printf '%s lookup %s fail %s\n' "$p" "$name" "$code"
    fi
    if [ -n "$start" ] && [ -n "$end" ]; then
      printf '%s elapsed %s %s\n' "$p" "$name" "$((end - start))"
    fi
  done
else
  printf '%s error getent is not in the image\n' "$p"
fi
printf '%s end\n' "$p"
while :; do
  sleep 3600 &
  idle=$!
  wait "$idle"
done
"#;

/// Which resolver a probe pod stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProbeVariant {
    /// A chaincode container launched through the node's Docker daemon.
    Docker,
    /// A chaincode pod (chaincode as a service).
    Pod,
}

impl ProbeVariant {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeVariant::Docker => "docker",
            ProbeVariant::Pod => "pod",
        }
    }

    fn parse(text: &str) -> Option<ProbeVariant> {
        match text {
            "docker" => Some(ProbeVariant::Docker),
            "pod" => Some(ProbeVariant::Pod),
            _ => None,
        }
    }

    /// The DaemonSet's name.
    pub fn daemon_set_name(self) -> String {
        format!("{APP_NAME}-{}", self.as_str())
    }
}

impl std::fmt::Display for ProbeVariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A pod's `dnsPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DnsPolicy {
    #[default]
    ClusterFirst,
    ClusterFirstWithHostNet,
    /// The node's resolv.conf (kubelet's `--resolv-conf`).
    Default,
    /// Only the pod's `dnsConfig`.
    None,
}

impl DnsPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            DnsPolicy::ClusterFirst => "ClusterFirst",
            DnsPolicy::ClusterFirstWithHostNet => "ClusterFirstWithHostNet",
            DnsPolicy::Default => "Default",
            DnsPolicy::None => "None",
        }
    }
}

impl std::str::FromStr for DnsPolicy {
    type Err = String;

    /// The policy as a pod spec spells it; Kubernetes' own spelling only.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "ClusterFirst" => Ok(DnsPolicy::ClusterFirst),
            "ClusterFirstWithHostNet" => Ok(DnsPolicy::ClusterFirstWithHostNet),
            "Default" => Ok(DnsPolicy::Default),
            "None" => Ok(DnsPolicy::None),
            other => Err(format!("'{other}' is not a Kubernetes dnsPolicy")),
        }
    }
}

/// A pod's DNS settings as Kubernetes takes them: `dnsPolicy` and `dnsConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodDns {
    pub policy: DnsPolicy,
    /// IP addresses.
    pub nameservers: Vec<String>,
    pub searches: Vec<String>,
    /// `name` or `name:value`, as in resolv.conf.
    pub options: Vec<String>,
}

impl PodDns {
    /// What a pod gets with no DNS settings: `ClusterFirst`, no `dnsConfig`.
    pub fn cluster_first() -> PodDns {
        PodDns::default()
    }

    fn dns_config(&self) -> Option<PodDNSConfig> {
        if self.nameservers.is_empty() && self.searches.is_empty() && self.options.is_empty() {
            return None;
        }
        let list = |v: &[String]| (!v.is_empty()).then(|| v.to_vec());
        let options = self
            .options
            .iter()
            .map(|o| {
                let (name, value) = match o.split_once(':') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (o.as_str(), None),
                };
                PodDNSConfigOption {
                    name: Some(name.to_owned()),
                    value,
                }
            })
            .collect::<Vec<_>>();
        Some(PodDNSConfig {
            nameservers: list(&self.nameservers),
            searches: list(&self.searches),
            options: (!options.is_empty()).then_some(options),
        })
    }

    /// The checks the API server applies to `dnsPolicy` / `dnsConfig`, so a manifest that
    /// would be rejected is not printed.
    fn validate(&self, variant: ProbeVariant) -> Result<(), RenderError> {
        let fail = |reason: String| RenderError::InvalidDns { variant, reason };
        if self.policy == DnsPolicy::None && self.nameservers.is_empty() {
            return Err(fail(
                "dnsPolicy None needs at least one nameserver in dnsConfig".into(),
            ));
        }
        if self.nameservers.len() > MAX_POD_NAMESERVERS {
            return Err(fail(format!(
                "{} nameservers, Kubernetes accepts at most {MAX_POD_NAMESERVERS}",
                self.nameservers.len()
            )));
        }
        if let Some(bad) = self
            .nameservers
            .iter()
            .find(|ns| ns.parse::<IpAddr>().is_err())
        {
            return Err(fail(format!("nameserver '{bad}' is not an IP address")));
        }
        if self.searches.len() > MAX_POD_SEARCHES {
            return Err(fail(format!(
                "{} search domains, Kubernetes accepts at most {MAX_POD_SEARCHES}",
                self.searches.len()
            )));
        }
        let chars = self.searches.iter().map(String::len).sum::<usize>()
            + self.searches.len().saturating_sub(1);
        if chars > MAX_POD_SEARCH_CHARS {
            return Err(fail(format!(
                "the search list is {chars} characters, Kubernetes accepts at most {MAX_POD_SEARCH_CHARS}"
            )));
        }
        for search in &self.searches {
            if let Err(why) = dns1123_subdomain(search.strip_suffix('.').unwrap_or(search)) {
                return Err(fail(format!("search domain '{search}' {why}")));
            }
        }
        for option in &self.options {
            let name = option.split(':').next().unwrap_or("");
            if name.is_empty() || option.chars().any(char::is_whitespace) {
                return Err(fail(format!("option '{option}' is not name or name:value")));
            }
        }
        Ok(())
    }
}

/// The DNS settings Docker applies to a chaincode container, each list as given, empty when
/// not set. Build it from the daemon's options and lay the peer's HostConfig over it with
/// [`DockerDns::with_host_config`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DockerDns {
    /// `--dns` / `Dns`: IP addresses.
    pub nameservers: Vec<String>,
    /// `--dns-search` / `DnsSearch`.
    pub searches: Vec<String>,
    /// `--dns-opt` / `DnsOptions`: `name` or `name:value`.
    pub options: Vec<String>,
}

impl DockerDns {
    /// The container's settings: each list the HostConfig sets replaces the daemon's, as
    /// Docker does per field.
    pub fn with_host_config(self, host_config: &DockerDns) -> DockerDns {
        let pick = |daemon: Vec<String>, container: &[String]| {
            if container.is_empty() {
                daemon
            } else {
                container.to_vec()
            }
        };
        DockerDns {
            nameservers: pick(self.nameservers, &host_config.nameservers),
            searches: pick(self.searches, &host_config.searches),
            options: pick(self.options, &host_config.options),
        }
    }

    /// The pod DNS settings that come closest to these, and where they differ from Docker.
    ///
    /// Docker starts from the node's resolv.conf and replaces each list that is set. Kubernetes
    /// either starts from the node's (`Default`) and *appends* `dnsConfig` to it, or starts
    /// from nothing (`None`). So: nothing set is `Default` and exact; nameservers set is `None`
    /// (the nameservers must replace the node's), which loses the node's search domains and
    /// options where Docker would keep them; only searches or options set is `Default`, where
    /// the searches come after the node's instead of replacing them.
    pub fn pod_dns(&self) -> (PodDns, Vec<String>) {
        let mut notes = Vec::new();
        if self.nameservers.is_empty() {
            if !self.searches.is_empty() {
                notes.push(
                    "the probe pod searches the node's domains before the configured ones; \
                     Docker searches only the configured ones"
                        .to_owned(),
                );
            }
            if !self.options.is_empty() {
                notes.push(
                    "the configured options override the node's of the same name; Docker \
                     drops all of the node's options"
                        .to_owned(),
                );
            }
            let dns = PodDns {
                policy: DnsPolicy::Default,
                nameservers: Vec::new(),
                searches: self.searches.clone(),
                options: self.options.clone(),
            };
            return (dns, notes);
        }
        let mut nameservers = self.nameservers.clone();
        if nameservers.len() > MAX_POD_NAMESERVERS {
            notes.push(format!(
                "only the first {MAX_POD_NAMESERVERS} of {} nameservers are used, as glibc \
                 uses only those",
                nameservers.len()
            ));
            nameservers.truncate(MAX_POD_NAMESERVERS);
        }
        if self.searches.is_empty() {
            notes.push(
                "no search domains: Docker would keep the node's, which the probe pod \
                 (dnsPolicy None) cannot know"
                    .to_owned(),
            );
        }
        if self.options.is_empty() {
            notes.push(
                "no resolver options: Docker would keep the node's, which the probe pod \
                 (dnsPolicy None) cannot know"
                    .to_owned(),
            );
        }
        let dns = PodDns {
            policy: DnsPolicy::None,
            nameservers,
            searches: self.searches.clone(),
            options: self.options.clone(),
        };
        (dns, notes)
    }
}

/// What to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsProbeSpec {
    /// Where the probes run: the chaincode pods' namespace, because `ClusterFirst` searches
    /// the pod's own namespace first.
    pub namespace: String,
    /// Needs `/bin/sh`, glibc's `getent`, and `date` (nanoseconds for timings).
    pub image: String,
    /// Names to look up, as chaincode asks for them (host part only, no port).
    pub names: Vec<String>,
    /// Docker's DNS settings for docker-launched chaincode; `None` renders no `docker` probe.
    pub docker: Option<DockerDns>,
    /// The chaincode pods' DNS settings.
    pub pod: PodDns,
}

/// The rendered probes.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsProbeManifests {
    /// The `docker` DaemonSet first when there is one, then the `pod` one.
    pub daemon_sets: Vec<DaemonSet>,
    /// Where a probe differs from what it stands for (see [`DockerDns::pod_dns`]).
    pub notes: Vec<String>,
}

/// Why the probe manifests could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("failed to use '{name}' as a name to look up: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("failed to use '{namespace}' as a namespace: {reason}")]
    InvalidNamespace { namespace: String, reason: String },
    #[error("failed to use '{image}' as an image: {reason}")]
    InvalidImage { image: String, reason: String },
    #[error("failed to render the {variant} probe's DNS settings: {reason}")]
    InvalidDns {
        variant: ProbeVariant,
        reason: String,
    },
    #[error("failed to write the manifests as YAML: {0}")]
    Yaml(String),
}

/// Checks that `name` is a DNS name the probe can carry: letters, digits, `-` and `.`, labels
/// of 1 to 63 characters, at most 253 in all, a trailing `.` allowed (an absolute name).
/// A leading `-` is refused above all because `getent` would read it as an option.
pub fn validate_name(name: &str) -> Result<(), RenderError> {
    let fail = |reason: &str| {
        Err(RenderError::InvalidName {
            name: name.to_owned(),
            reason: reason.to_owned(),
        })
    };
    let relative = name.strip_suffix('.').unwrap_or(name);
    if relative.is_empty() {
        return fail("empty");
    }
    if let Some(c) = relative
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        let reason = match c {
            ':' => "has a ':' (give the host without its port)".to_owned(),
            c if c.is_whitespace() || c.is_control() => {
                "has whitespace or a control character".to_owned()
            }
            c => format!("has '{c}', which is not a letter, digit, '-' or '.'"),
        };
        return fail(&reason);
    }
    if relative.starts_with('-') {
        return fail("starts with '-'");
    }
    if relative.len() > 253 {
        return fail("is longer than 253 characters");
    }
    for label in relative.split('.') {
        if label.is_empty() {
            return fail("has an empty label");
        }
        if label.len() > 63 {
            return fail("has a label longer than 63 characters");
        }
    }
    Ok(())
}

/// Whether `text` is a DNS-1123 subdomain, as Kubernetes requires of search domains.
fn dns1123_subdomain(text: &str) -> Result<(), &'static str> {
    if text.is_empty() || text.len() > 253 {
        return Err("must be 1 to 253 characters");
    }
    for label in text.split('.') {
        dns1123_label(label)?;
    }
    Ok(())
}

/// Whether `text` is a DNS-1123 label, as Kubernetes requires of namespaces.
fn dns1123_label(text: &str) -> Result<(), &'static str> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if text.is_empty() || text.len() > 63 {
        Err("has a label that is not 1 to 63 characters")
    } else if !text.chars().all(ok_char) {
        Err("may hold only lowercase letters, digits, '-' and '.'")
    } else if text.starts_with('-') || text.ends_with('-') {
        Err("has a label that starts or ends with '-'")
    } else {
        Ok(())
    }
}

/// Renders the probe DaemonSets for `spec`: `docker` (when `spec.docker` is set), then `pod`.
/// Duplicate names are looked up once.
pub fn render(spec: &DnsProbeSpec) -> Result<DnsProbeManifests, RenderError> {
    dns1123_label(&spec.namespace).map_err(|reason| RenderError::InvalidNamespace {
        namespace: spec.namespace.clone(),
        reason: reason.to_owned(),
    })?;
    if spec.image.trim().is_empty() || spec.image.chars().any(char::is_whitespace) {
        return Err(RenderError::InvalidImage {
            image: spec.image.clone(),
            reason: "empty or has whitespace".into(),
        });
    }
    let mut names: Vec<String> = Vec::with_capacity(spec.names.len());
    for name in &spec.names {
        validate_name(name)?;
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let mut daemon_sets = Vec::new();
    let mut notes = Vec::new();
    if let Some(docker) = &spec.docker {
        let (dns, docker_notes) = docker.pod_dns();
        dns.validate(ProbeVariant::Docker)?;
        daemon_sets.push(daemon_set(spec, &names, ProbeVariant::Docker, &dns));
        notes.extend(
            docker_notes
                .into_iter()
                .map(|n| format!("docker probe: {n}")),
        );
    }
    spec.pod.validate(ProbeVariant::Pod)?;
    daemon_sets.push(daemon_set(spec, &names, ProbeVariant::Pod, &spec.pod));
    Ok(DnsProbeManifests { daemon_sets, notes })
}

/// The manifests as multi-document YAML (`---` between documents), for `kubectl apply -f -`.
pub fn render_yaml(daemon_sets: &[DaemonSet]) -> Result<String, RenderError> {
    serde_saphyr::to_string_multiple(daemon_sets).map_err(|e| RenderError::Yaml(e.to_string()))
}

fn labels(variant: ProbeVariant) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), APP_NAME.to_owned()),
        (VARIANT_LABEL.to_owned(), variant.as_str().to_owned()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "fabcheck".to_owned(),
        ),
    ])
}

fn daemon_set(
    spec: &DnsProbeSpec,
    names: &[String],
    variant: ProbeVariant,
    dns: &PodDns,
) -> DaemonSet {
    let labels = labels(variant);
    let selector = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "app.kubernetes.io/managed-by")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let container = Container {
        name: CONTAINER_NAME.to_owned(),
        image: Some(spec.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        command: Some(vec![
            "/bin/sh".to_owned(),
            "-c".to_owned(),
            SCRIPT.to_owned(),
            APP_NAME.to_owned(),
        ]),
        args: Some(names.to_vec()),
        env: Some(vec![
            downward_env("POD_NAME", "metadata.name"),
            downward_env("NODE_NAME", "spec.nodeName"),
            EnvVar {
                name: "FABCHECK_VARIANT".to_owned(),
                value: Some(variant.as_str().to_owned()),
                ..EnvVar::default()
            },
        ]),
        resources: Some(resources(("10m", "16Mi"), ("100m", "64Mi"))),
        security_context: Some(restricted()),
        ..Container::default()
    };
    let pod = PodSpec {
        containers: vec![container],
        dns_policy: Some(dns.policy.as_str().to_owned()),
        dns_config: dns.dns_config(),
        host_network: Some(false),
        restart_policy: Some("Always".to_owned()),
        // No API access and no Service variables: neither is a resolver input, and Docker
        // gives chaincode neither.
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        termination_grace_period_seconds: Some(5),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(65534),
            run_as_group: Some(65534),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_owned(),
                ..SeccompProfile::default()
            }),
            ..PodSecurityContext::default()
        }),
        ..PodSpec::default()
    };
    let pod = on_every_linux_node(pod);
    super::pod_spec::daemon_set(
        ObjectMeta {
            name: Some(variant.daemon_set_name()),
            namespace: Some(spec.namespace.clone()),
            labels: Some(labels.clone()),
            ..ObjectMeta::default()
        },
        selector,
        labels,
        pod,
    )
}

/// One `getent hosts` output line: an address and the names glibc reported for it, the
/// canonical name first, then aliases (the owners of any CNAMEs followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostsRow {
    pub address: IpAddr,
    pub names: Vec<String>,
}

/// What `getent hosts` said for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupResult {
    Found(Vec<HostsRow>),
    /// `getent`'s exit code: 2 is "not found", for any reason.
    Failed {
        exit_code: i32,
    },
}

/// One name's lookup as the probe logged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeLookup {
    pub name: String,
    pub result: LookupResult,
    pub elapsed_ms: Option<u64>,
}

/// One probe pod's block of log lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeLog {
    /// The line number (from 1) of the `begin` line.
    pub line: usize,
    pub pod: String,
    pub node: Option<String>,
    pub variant: ProbeVariant,
    /// The names the probe was given, from the `begin` line.
    pub requested: Vec<String>,
    /// The pod's /etc/resolv.conf as printed.
    pub resolv_conf: String,
    pub lookups: Vec<ProbeLookup>,
    /// What the probe said it could not do (`error` lines).
    pub probe_errors: Vec<String>,
    /// Whether the `end` line was seen. A block cut short (a pod still running, restarted,
    /// or a truncated log) keeps what it has.
    pub complete: bool,
}

/// A probe log line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to read line {line} of the probe log: {reason}")]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

/// Everything read from a probe log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProbeLogs {
    pub blocks: Vec<ProbeLog>,
    /// Lines that carry the marker but could not be read; every other line was used.
    pub errors: Vec<ParseError>,
}

/// Reads the probe blocks out of `text`: one pod's log, or several pods' logs one after
/// another (`kubectl logs -l … --prefix`, which reads them in turn when not following).
/// Lines without the marker are skipped; bad lines are reported and skipped; a `begin` before
/// the previous block's `end` closes that block as incomplete.
pub fn parse_probe_log(text: &str) -> ProbeLogs {
    let mut logs = ProbeLogs::default();
    // `Some(None)`: inside a block whose `begin` could not be read; its lines are skipped
    // without further errors, the `begin` error having said it.
    let mut open: Option<Option<ProbeLog>> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let Some(rest) = probe_line(raw) else {
            continue;
        };
        let error = |reason: String| ParseError { line, reason };
        let rest = match rest {
            Ok(rest) => rest,
            Err(reason) => {
                logs.errors.push(error(reason));
                continue;
            }
        };
        let (kind, body) = rest.split_once(' ').unwrap_or((rest, ""));
        if kind == "begin" {
            if let Some(Some(previous)) = open.take() {
                logs.blocks.push(previous);
            }
            open = Some(match parse_begin(line, body) {
                Ok(block) => Some(block),
                Err(reason) => {
                    logs.errors.push(error(reason));
                    None
                }
            });
            continue;
        }
        if !matches!(kind, "resolv.conf" | "lookup" | "elapsed" | "error" | "end") {
            logs.errors
                .push(error(format!("unknown probe line kind '{kind}'")));
            continue;
        }
        let block = match open.as_mut() {
            None => {
                logs.errors
                    .push(error(format!("'{kind}' line outside a begin/end block")));
                continue;
            }
            Some(None) => {
                if kind == "end" {
                    open = None;
                }
                continue;
            }
            Some(Some(block)) => block,
        };
        let outcome = match kind {
            "resolv.conf" => {
                block.resolv_conf.push_str(body);
                block.resolv_conf.push('\n');
                Ok(())
            }
            "lookup" => parse_lookup(block, body),
            "elapsed" => parse_elapsed(block, body),
            "error" => {
                block.probe_errors.push(body.trim().to_owned());
                Ok(())
            }
            _ => {
                block.complete = true;
                Ok(())
            }
        };
        if let Err(reason) = outcome {
            logs.errors.push(error(reason));
        }
        if kind == "end"
            && let Some(Some(done)) = open.take()
        {
            logs.blocks.push(done);
        }
    }
    if let Some(Some(unfinished)) = open {
        logs.blocks.push(unfinished);
    }
    logs
}

/// The text after `fabcheck-dns-probe v1 ` on a probe line; `None` for other lines;
/// `Err` for a probe line of another format version.
fn probe_line(raw: &str) -> Option<Result<&str, String>> {
    let at = raw.find(MARKER)?;
    // The marker must start a word, so `x-fabcheck-dns-probe v1` is not a probe line.
    if raw[..at]
        .chars()
        .next_back()
        .is_some_and(|c| !c.is_whitespace() && c != ']')
    {
        return None;
    }
    let after = &raw[at + MARKER.len()..];
    let (version, rest) = after.split_once(' ').unwrap_or((after, ""));
    if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if version != FORMAT_VERSION {
        return Some(Err(format!(
            "probe log format v{version}, this fabcheck reads v{FORMAT_VERSION}"
        )));
    }
    Some(Ok(rest.strip_suffix('\r').unwrap_or(rest)))
}

fn parse_begin(line: usize, body: &str) -> Result<ProbeLog, String> {
    let mut fields = BTreeMap::new();
    for word in body.split_whitespace() {
        match word.split_once('=') {
            Some((k, v)) => {
                fields.insert(k, v);
            }
            None => return Err(format!("begin field '{word}' is not key=value")),
        }
    }
    let pod = match fields.get("pod") {
        Some(pod) if !pod.is_empty() => (*pod).to_owned(),
        _ => return Err("begin line without a pod name".into()),
    };
    let variant = match fields.get("variant") {
        Some(v) => ProbeVariant::parse(v).ok_or_else(|| format!("unknown probe variant '{v}'"))?,
        None => return Err("begin line without a variant".into()),
    };
    let node = fields
        .get("node")
        .filter(|n| !n.is_empty())
        .map(|n| (*n).to_owned());
    let requested = fields
        .get("names")
        .map(|n| {
            n.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(ProbeLog {
        line,
        pod,
        node,
        variant,
        requested,
        resolv_conf: String::new(),
        lookups: Vec::new(),
        probe_errors: Vec::new(),
        complete: false,
    })
}

fn parse_lookup(block: &mut ProbeLog, body: &str) -> Result<(), String> {
    let mut words = body.split_whitespace();
    let (Some(name), Some(status)) = (words.next(), words.next()) else {
        return Err("lookup line without a name and a status".into());
    };
    match status {
        "ok" => {
            let address = words
                .next()
                .ok_or_else(|| format!("lookup of {name}: 'ok' without an address"))?;
            let address = address
                .parse::<IpAddr>()
                .map_err(|_| format!("lookup of {name}: '{address}' is not an IP address"))?;
            let names: Vec<String> = words.map(str::to_owned).collect();
            if names.is_empty() {
                return Err(format!("lookup of {name}: 'ok' without a host name"));
            }
            let row = HostsRow { address, names };
            // Further addresses of the same lookup come as further lines.
            if let Some(ProbeLookup {
                name: last,
                result: LookupResult::Found(rows),
                elapsed_ms: None,
            }) = block.lookups.last_mut()
                && last == name
            {
                rows.push(row);
                return Ok(());
            }
            block.lookups.push(ProbeLookup {
                name: name.to_owned(),
                result: LookupResult::Found(vec![row]),
                elapsed_ms: None,
            });
            Ok(())
        }
        "fail" => {
            let code = words
                .next()
                .ok_or_else(|| format!("lookup of {name}: 'fail' without an exit code"))?;
            let exit_code = code
                .parse::<i32>()
                .map_err(|_| format!("lookup of {name}: exit code '{code}' is not a number"))?;
            block.lookups.push(ProbeLookup {
                name: name.to_owned(),
                result: LookupResult::Failed { exit_code },
                elapsed_ms: None,
            });
            Ok(())
        }
        other => Err(format!(
            "lookup of {name}: status '{other}' is neither ok nor fail"
        )),
    }
}

fn parse_elapsed(block: &mut ProbeLog, body: &str) -> Result<(), String> {
    let mut words = body.split_whitespace();
    let (Some(name), Some(ms)) = (words.next(), words.next()) else {
        return Err("elapsed line without a name and milliseconds".into());
    };
    // A clock step can make the difference negative; that is no timing, not a bad line.
    let ms = match ms.parse::<i64>() {
        Ok(ms) => u64::try_from(ms).ok(),
        Err(_) => return Err(format!("elapsed for {name}: '{ms}' is not a number")),
    };
    match block.lookups.last_mut() {
        Some(last) if last.name == name && last.elapsed_ms.is_none() => {
            last.elapsed_ms = ms;
            Ok(())
        }
        _ => Err(format!("elapsed for {name} without its lookup just before")),
    }
}

impl ProbeLog {
    /// `docker@<node>` or `pod@<node>` (the variant alone when the node is unknown).
    pub fn context(&self) -> String {
        match &self.node {
            Some(node) => format!("{}@{node}", self.variant),
            None => self.variant.as_str().to_owned(),
        }
    }

    /// Requested names the block has no lookup for (a block cut short).
    pub fn missing(&self) -> Vec<&str> {
        self.requested
            .iter()
            .filter(|r| !self.lookups.iter().any(|l| &l.name == *r))
            .map(String::as_str)
            .collect()
    }

    /// The block as an observation from the probe pod.
    ///
    /// `getent` reports the answer and the names it carries, not which candidates were asked
    /// or what each one got, so the per-candidate answers are inferred:
    /// - found: the first candidate (in glibc's order for the printed resolv.conf) among the
    ///   reported names answered; the ones before it are taken as NXDOMAIN (they may have been
    ///   NODATA or SERVFAIL, which also move on) and the ones after as not asked. An answer
    ///   from /etc/hosts looks the same and is attributed the same way. An answer that names
    ///   no candidate is recorded as one outcome under the reported canonical name, and
    ///   [`ProbeLog::notes`] says so.
    /// - exit code 2: every candidate is taken as NXDOMAIN, though a timeout, SERVFAIL or
    ///   REFUSED end in the same code (a long `elapsed_ms` points at a timeout).
    /// - any other exit code: an error on the first candidate.
    pub fn observation(&self) -> DnsObservation {
        let config = ResolverConfig::from_resolv_conf(&self.resolv_conf);
        let results = self
            .lookups
            .iter()
            .map(|l| resolution(l, &config).0)
            .collect();
        let failure = if !self.probe_errors.is_empty() {
            Some(format!("the probe {}", self.probe_errors.join("; ")))
        } else if !self.complete && self.lookups.is_empty() && !self.requested.is_empty() {
            Some("the probe's log ends before any lookup".to_owned())
        } else {
            None
        };
        DnsObservation {
            context: self.context(),
            vantage: Vantage::Pod {
                pod: self.pod.clone(),
                node: self.node.clone(),
                resolver: None,
            },
            config,
            results,
            failure,
            missing_network: None,
        }
    }

    /// What a reader of [`ProbeLog::observation`] should also know: a block cut short, names
    /// never looked up, answers that name no candidate.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.complete {
            notes.push(format!(
                "the log of {} ends before the probe finished",
                self.pod
            ));
        }
        let missing = self.missing();
        if !missing.is_empty() {
            notes.push(format!("not looked up: {}", missing.join(", ")));
        }
        let config = ResolverConfig::from_resolv_conf(&self.resolv_conf);
        notes.extend(self.lookups.iter().filter_map(|l| resolution(l, &config).1));
        notes
    }
}

/// One lookup as glibc's candidates, and a note when the answer names none of them.
fn resolution(lookup: &ProbeLookup, config: &ResolverConfig) -> (NameResolution, Option<String>) {
    let queries = candidates(&lookup.name, config);
    let outcome = |query: &String, answer: CandidateAnswer| CandidateOutcome {
        query: query.clone(),
        answer,
    };
    let resolved = |candidates| NameResolution {
        name: lookup.name.clone(),
        candidates,
    };
    match &lookup.result {
        LookupResult::Failed { exit_code: 2 } => (
            resolved(
                queries
                    .iter()
                    .map(|q| outcome(q, CandidateAnswer::NoSuchName))
                    .collect(),
            ),
            None,
        ),
        LookupResult::Failed { exit_code } => (
            resolved(
                queries
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        let answer = if i == 0 {
                            CandidateAnswer::Error(format!("getent exited with code {exit_code}"))
                        } else {
                            CandidateAnswer::NotAsked
                        };
                        outcome(q, answer)
                    })
                    .collect(),
            ),
            None,
        ),
        LookupResult::Found(rows) => {
            let mut addresses: Vec<IpAddr> = Vec::new();
            for row in rows {
                if !addresses.contains(&row.address) {
                    addresses.push(row.address);
                }
            }
            let reported = |query: &str| {
                rows.iter()
                    .flat_map(|r| &r.names)
                    .any(|n| n.strip_suffix('.').unwrap_or(n).eq_ignore_ascii_case(query))
            };
            match queries.iter().position(|q| reported(q)) {
                Some(hit) => (
                    resolved(
                        queries
                            .iter()
                            .enumerate()
                            .map(|(i, q)| {
                                let answer = match i.cmp(&hit) {
                                    std::cmp::Ordering::Less => CandidateAnswer::NoSuchName,
                                    std::cmp::Ordering::Equal => {
                                        CandidateAnswer::Addresses(addresses.clone())
                                    }
                                    std::cmp::Ordering::Greater => CandidateAnswer::NotAsked,
                                };
                                outcome(q, answer)
                            })
                            .collect(),
                    ),
                    None,
                ),
                None => {
                    let canonical = rows
                        .first()
                        .and_then(|r| r.names.first())
                        .cloned()
                        .unwrap_or_else(|| lookup.name.clone());
                    let note = format!(
                        "{} resolved as {canonical}, which is none of the names glibc asks for \
                         it; which of them answered is unknown",
                        lookup.name
                    );
                    (
                        resolved(vec![CandidateOutcome {
                            query: canonical,
                            answer: CandidateAnswer::Addresses(addresses),
                        }]),
                        Some(note),
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBE_RESOLV: &str = "fabcheck-dns-probe v1 resolv.conf search fabric.svc.cluster.local svc.cluster.local cluster.local\n\
         fabcheck-dns-probe v1 resolv.conf nameserver 10.96.0.10\n\
         fabcheck-dns-probe v1 resolv.conf options ndots:5\n";

    fn block(lookups: &str, end: bool) -> String {
        format!(
            "fabcheck-dns-probe v1 begin pod=p1 node=n1 variant=pod names=peer0-org1,peer0.org1\n{KUBE_RESOLV}{lookups}{}",
            if end {
                "fabcheck-dns-probe v1 end\n"
            } else {
                ""
            }
        )
    }

    fn answers(r: &NameResolution) -> Vec<(&str, String)> {
        r.candidates
            .iter()
            .map(|c| (c.query.as_str(), c.answer.describe()))
            .collect()
    }

    #[test]
    fn noise_prefixes_and_crlf_around_probe_lines_are_ignored() {
        let text = format!(
            "starting\r\n[pod/x/probe] {}2026-01-01T00:00:00Z fabcheck-dns-probe v1 lookup peer0-org1 ok 10.1.2.3      peer0-org1.fabric.svc.cluster.local\r\nnot-fabcheck-dns-probe v1 end\nfabcheck-dns-probe version 2\n",
            block("", false)
        );
        let logs = parse_probe_log(&text);
        assert!(logs.errors.is_empty(), "{:?}", logs.errors);
        assert_eq!(logs.blocks.len(), 1);
        let b = &logs.blocks[0];
        assert_eq!((b.pod.as_str(), b.node.as_deref()), ("p1", Some("n1")));
        assert_eq!(b.lookups.len(), 1);
        assert!(!b.complete, "the end line was not a probe line");
        assert_eq!(b.missing(), vec!["peer0.org1"]);
    }

    #[test]
    fn a_found_name_is_attributed_to_the_first_candidate_it_names() {
        let logs = parse_probe_log(&block(
            "fabcheck-dns-probe v1 lookup peer0.org1 ok 10.1.2.3 peer0.org1.svc.cluster.local\n\
             fabcheck-dns-probe v1 lookup peer0.org1 ok fd00::3 peer0.org1.svc.cluster.local\n\
             fabcheck-dns-probe v1 elapsed peer0.org1 12\n\
             fabcheck-dns-probe v1 lookup peer0-org1 fail 2\n\
             fabcheck-dns-probe v1 elapsed peer0-org1 20004\n",
            true,
        ));
        assert!(logs.errors.is_empty(), "{:?}", logs.errors);
        let b = &logs.blocks[0];
        assert!(b.complete);
        assert_eq!(b.lookups[0].elapsed_ms, Some(12));
        let obs = b.observation();
        assert_eq!(obs.context, "pod@n1");
        assert_eq!(obs.config.ndots, 5);
        assert_eq!(
            answers(&obs.results[0]),
            vec![
                ("peer0.org1.fabric.svc.cluster.local", "NXDOMAIN".into()),
                ("peer0.org1.svc.cluster.local", "10.1.2.3,fd00::3".into()),
                ("peer0.org1.cluster.local", "not asked".into()),
                ("peer0.org1", "not asked".into()),
            ]
        );
        assert!(
            answers(&obs.results[1])
                .iter()
                .all(|(_, a)| a == "NXDOMAIN")
        );
        assert_eq!(obs.results[1].candidates.len(), 4);
        assert!(b.notes().is_empty(), "{:?}", b.notes());
    }

    #[test]
    fn a_cname_is_attributed_through_its_alias_and_an_unknown_answer_is_noted() {
        let logs = parse_probe_log(&block(
            "fabcheck-dns-probe v1 lookup peer0-org1 ok 10.9.9.9 lb.example.com peer0-org1.svc.cluster.local\n\
             fabcheck-dns-probe v1 lookup peer0.org1 ok 10.1.1.1 somewhere.else\n",
            true,
        ));
        let b = &logs.blocks[0];
        let obs = b.observation();
        assert_eq!(
            obs.results[0].matched().map(|(q, _)| q),
            Some("peer0-org1.svc.cluster.local")
        );
        assert_eq!(obs.results[0].queries_sent(), 2);
        assert_eq!(
            answers(&obs.results[1]),
            vec![("somewhere.else", "10.1.1.1".into())]
        );
        assert!(b.notes().iter().any(|n| n.contains("none of the names")));
    }

    #[test]
    fn other_exit_codes_and_probe_errors_are_failures() {
        let logs = parse_probe_log(&block(
            "fabcheck-dns-probe v1 lookup peer0-org1 fail 127\n\
             fabcheck-dns-probe v1 error getent is not in the image\n",
            true,
        ));
        let obs = logs.blocks[0].observation();
        assert_eq!(
            obs.results[0].candidates[0].answer,
            CandidateAnswer::Error("getent exited with code 127".into())
        );
        assert_eq!(obs.results[0].queries_sent(), 1);
        assert_eq!(
            obs.failure.as_deref(),
            Some("the probe getent is not in the image")
        );
    }

    #[test]
    fn blocks_cut_short_are_kept_as_incomplete() {
        let text = format!(
            "{}{}{}",
            block("fabcheck-dns-probe v1 lookup peer0-org1 fail 2\n", false),
            block("", true),
            block("", false)
        );
        let logs = parse_probe_log(&text);
        assert!(logs.errors.is_empty(), "{:?}", logs.errors);
        let complete: Vec<bool> = logs.blocks.iter().map(|b| b.complete).collect();
        assert_eq!(complete, vec![false, true, false]);
        assert_eq!(logs.blocks[0].missing(), vec!["peer0.org1"]);
        assert_eq!(logs.blocks[0].observation().failure, None);
        assert_eq!(
            logs.blocks[2].observation().failure.as_deref(),
            Some("the probe's log ends before any lookup")
        );
        assert!(logs.blocks[2].notes()[0].contains("ends before the probe finished"));
    }

    #[test]
    fn malformed_lines_are_reported_by_number_and_skipped() {
        let text = "fabcheck-dns-probe v1 lookup early fail 2\n\
             fabcheck-dns-probe v1 begin pod=p variant=pod\n\
             fabcheck-dns-probe v1 lookup a ok not-an-ip a\n\
             fabcheck-dns-probe v1 lookup a ok 10.0.0.1\n\
             fabcheck-dns-probe v1 lookup a fail two\n\
             fabcheck-dns-probe v1 lookup a maybe\n\
             fabcheck-dns-probe v1 elapsed zzz 5\n\
             fabcheck-dns-probe v1 shrug\n\
             fabcheck-dns-probe v2 begin pod=p variant=pod\n\
             fabcheck-dns-probe v1 lookup a ok 10.0.0.1 a\n\
             fabcheck-dns-probe v1 end\n\
             fabcheck-dns-probe v1 begin pod=q variant=windows\n\
             fabcheck-dns-probe v1 lookup b fail 2\n\
             fabcheck-dns-probe v1 end\n\
             fabcheck-dns-probe v1 begin variant=pod\n";
        let logs = parse_probe_log(text);
        let lines: Vec<usize> = logs.errors.iter().map(|e| e.line).collect();
        assert_eq!(
            lines,
            vec![1, 3, 4, 5, 6, 7, 8, 9, 12, 15],
            "{:?}",
            logs.errors
        );
        assert!(logs.errors[0].reason.contains("outside a begin/end block"));
        assert!(logs.errors[1].reason.contains("not an IP address"));
        assert!(logs.errors[7].reason.contains("v2"));
        assert!(logs.errors[8].reason.contains("unknown probe variant"));
        assert!(
            logs.errors[0]
                .to_string()
                .starts_with("failed to read line 1 of the probe log")
        );
        // The good lines around the bad ones still count; the block with a bad begin is skipped.
        assert_eq!(logs.blocks.len(), 1);
        assert_eq!(logs.blocks[0].lookups.len(), 1);
        assert!(logs.blocks[0].complete);
    }

    #[test]
    fn names_must_be_dns_names() {
        for good in ["peer0-org1", "peer0.org1", "orderer0.example.com.", "A1"] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            (".", "empty"),
            ("peer0.org1:7051", "without its port"),
            ("a b", "whitespace"),
            ("$(reboot)", "'$'"),
            ("-n", "starts with '-'"),
            ("a..b", "empty label"),
            ("peer_0", "'_'"),
        ] {
            let err = validate_name(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
        assert!(validate_name(&"a".repeat(64)).is_err());
        assert!(validate_name(&["a"; 128].join(".")).is_err());
    }

    #[test]
    fn docker_settings_map_to_the_closest_pod_settings() {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (dns, notes) = DockerDns::default().pod_dns();
        assert_eq!((dns.policy, notes.len()), (DnsPolicy::Default, 0));
        assert_eq!(dns.dns_config(), None);

        let daemon = DockerDns {
            nameservers: strings(&["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]),
            searches: strings(&["default.svc.cluster.local"]),
            options: Vec::new(),
        };
        let peer = DockerDns {
            options: strings(&["ndots:2"]),
            ..DockerDns::default()
        };
        let (dns, notes) = daemon.with_host_config(&peer).pod_dns();
        assert_eq!(dns.policy, DnsPolicy::None);
        assert_eq!(dns.nameservers.len(), 3);
        assert_eq!(dns.options, vec!["ndots:2"]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        let config = dns.dns_config().unwrap();
        let option = &config.options.unwrap()[0];
        assert_eq!(
            (option.name.as_deref(), option.value.as_deref()),
            (Some("ndots"), Some("2"))
        );

        let (dns, notes) = DockerDns {
            searches: strings(&["svc.cluster.local"]),
            ..DockerDns::default()
        }
        .pod_dns();
        assert_eq!(dns.policy, DnsPolicy::Default);
        assert!(notes[0].contains("before the configured ones"));
    }

    #[test]
    fn pod_settings_kubernetes_would_reject_are_refused() {
        let reject = |dns: PodDns| dns.validate(ProbeVariant::Pod).unwrap_err().to_string();
        assert!(
            reject(PodDns {
                policy: DnsPolicy::None,
                ..PodDns::default()
            })
            .contains("at least one nameserver")
        );
        assert!(
            reject(PodDns {
                nameservers: vec!["$DNS".into()],
                ..PodDns::default()
            })
            .contains("not an IP address")
        );
        assert!(
            reject(PodDns {
                searches: vec!["Svc.Cluster.Local".into()],
                ..PodDns::default()
            })
            .contains("lowercase")
        );
        assert!(
            reject(PodDns {
                options: vec![":2".into()],
                ..PodDns::default()
            })
            .starts_with("failed to render the pod probe's DNS settings")
        );
        assert!(
            PodDns {
                searches: vec!["cluster.local.".into()],
                ..PodDns::default()
            }
            .validate(ProbeVariant::Pod)
            .is_ok()
        );
        assert_eq!("None".parse::<DnsPolicy>(), Ok(DnsPolicy::None));
        assert!("none".parse::<DnsPolicy>().is_err());
    }
}
