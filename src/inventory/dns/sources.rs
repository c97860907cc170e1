//! Where a chaincode container's resolver settings are written, read from an artifacts folder:
//! the Docker daemon's options (`/etc/default/docker` `DOCKER_OPTS`, a systemd unit or drop-in
//! whose `ExecStart` runs `dockerd`, `daemon.json`), a node's `resolv.conf`, the peer's
//! `core.yaml` (`vm.docker.hostConfig`, `vm.endpoint`, external builders), the cluster DNS
//! Service and cluster domain, and chaincode-as-a-service `connection.json` addresses.
//!
//! Also the mistakes that make a setting silently not apply: a DNS line commented out, or a
//! value that still holds a `$VARIABLE` or template expression no one expanded.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ResolverConfig;
use crate::inventory::Origin;
use crate::inventory::ordering::yaml::{YamlFile, scalar};

/// Files larger than this are not resolver configuration; they are skipped unread.
const MAX_SOURCE_BYTES: u64 = 1024 * 1024;

/// A Docker daemon's DNS options as found in one file.
#[derive(Debug, Clone)]
pub struct DaemonSource {
    pub origin: Origin,
    /// The flags' effect, or why they could not be read (broken quoting, not JSON).
    pub config: Result<DaemonDns, String>,
}

/// Which of the daemon's DNS options are set, and to what.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonDns {
    pub dns: Vec<String>,
    pub search: Vec<String>,
    pub options: Vec<String>,
}

impl DaemonDns {
    /// The options as glibc would read them from the resolv.conf Docker writes.
    pub fn resolver(&self) -> ResolverConfig {
        ResolverConfig::from_parts(&self.dns, &self.search, &self.options)
    }
}

/// The peer-side settings of one `core.yaml`.
#[derive(Debug, Clone, Default)]
pub struct CoreYaml {
    pub origin: Origin,
    /// The folder the file is in.
    pub dir: String,
    pub vm_endpoint: Option<String>,
    pub dns: Vec<String>,
    pub dns_search: Vec<String>,
    pub dns_options: Vec<String>,
    pub network_mode: Option<String>,
    pub external_builders: Vec<String>,
    pub peer_address: Option<String>,
    pub chaincode_address: Option<String>,
    pub chaincode_listen_address: Option<String>,
    /// `chaincode.startuptimeout` in seconds.
    pub startup_timeout: Option<u32>,
}

/// The cluster's DNS Service address and domain, and where each was read.
#[derive(Debug, Clone)]
pub struct ClusterDns {
    pub ip: Option<(IpAddr, Origin)>,
    pub domain: String,
    pub domain_origin: Option<Origin>,
}

impl Default for ClusterDns {
    fn default() -> Self {
        ClusterDns {
            ip: None,
            domain: "cluster.local".to_owned(),
            domain_origin: None,
        }
    }
}

/// Why a DNS setting does not take effect, or is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DnsNoteKind {
    /// An environment key Fabric does not read, close to one it does.
    MisspelledKey,
    /// A `$VAR` or template expression left in the value.
    Unexpanded,
    /// The line that would set it is commented out.
    CommentedOut,
    /// Spelled right, but the Fabric code never reads it (HostConfig DnsOptions).
    Inert,
    /// Docker refuses the combination (e.g. `Dns` with `NetworkMode: host`).
    Conflict,
    /// The value cannot be used as written (not an address, too many servers, broken quoting).
    Invalid,
}

/// One such problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsNote {
    pub origin: Origin,
    pub kind: DnsNoteKind,
    pub message: String,
}

/// Everything read from files other than workloads.
#[derive(Debug, Clone, Default)]
pub struct FileSources {
    pub daemons: Vec<DaemonSource>,
    /// A node's resolv.conf found among the artifacts.
    pub node_resolv: Option<(Origin, ResolverConfig)>,
    pub core_yamls: Vec<CoreYaml>,
    pub cluster: ClusterDns,
    /// Chaincode-as-a-service addresses (`connection.json` `address`), host part only.
    pub connection_addresses: Vec<(Origin, String)>,
    pub notes: Vec<DnsNote>,
}

/// Whether a value still holds something meant to be replaced: `$VAR`, `${VAR}`, `$(VAR)`
/// (which Kubernetes expands only for variables the container defines), `{{ … }}`.
pub fn unexpanded(value: &str) -> Option<String> {
    if let Some(start) = value.find("{{") {
        let end = value[start..]
            .find("}}")
            .map_or(value.len(), |e| start + e + 2);
        return Some(value[start..end].to_owned());
    }
    let start = value.find('$')?;
    let rest = &value[start + 1..];
    let len = if rest.starts_with('{') || rest.starts_with('(') {
        rest.find(['}', ')']).map_or(rest.len(), |e| e + 1)
    } else {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    };
    (len > 0).then(|| value[start..start + 1 + len].to_owned())
}

/// Reads the non-YAML sources among `paths` and the YAML ones among `docs`.
pub fn gather(
    docs: &[YamlFile],
    paths: &[PathBuf],
    shown: impl Fn(&Path) -> String,
) -> FileSources {
    let mut out = FileSources::default();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let wanted = name == "daemon.json"
            || name == "docker"
            || name == "resolv.conf"
            || name == "connection.json"
            || matches!(
                ext,
                "service" | "conf" | "j2" | "env" | "sh" | "tpl" | "yaml" | "yml"
            );
        if !wanted || std::fs::metadata(path).map_or(true, |m| m.len() > MAX_SOURCE_BYTES) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        read_text(name, ext, &shown(path), text, &mut out);
    }
    for f in docs {
        for doc in &f.docs {
            core_yaml(f, doc, &mut out.core_yamls);
            cluster_service(f, doc, &mut out.cluster);
        }
    }
    out
}

/// Reads one non-YAML source already in memory: `name` is its file name, `ext` its extension,
/// `file` the path shown in findings. What it says is added to `out`.
pub fn read_text(name: &str, ext: &str, file: &str, text: String, out: &mut FileSources) {
    let file = file.to_owned();
    let is_template = matches!(ext, "j2" | "tpl" | "tmpl");
    // Template expressions stay one word (`{{node_ip}}`) so flags around them still parse.
    let text = if is_template {
        compact_templates(&text)
    } else {
        text
    };
    commented_out_lines(&file, &text, &mut out.notes);
    cluster_flags(&file, &text, &mut out.cluster);
    match name {
        "daemon.json" => out.daemons.push(DaemonSource {
            origin: Origin::file(file.clone()),
            config: daemon_json(&text),
        }),
        "resolv.conf" if out.node_resolv.is_none() => {
            out.node_resolv = Some((
                Origin::file(file.clone()),
                ResolverConfig::from_resolv_conf(&text),
            ));
        }
        "connection.json" => {
            if let Some(addr) = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("address").and_then(scalar))
            {
                out.connection_addresses
                    .push((Origin::at(file.clone(), "address"), host_of(&addr)));
            }
        }
        _ => {}
    }
    if matches!(ext, "yaml" | "yml") {
        return;
    }
    if let Some(source) = docker_opts(&file, &text).or_else(|| systemd_dockerd(&file, &text)) {
        if let (Ok(d), false) = (&source.config, is_template) {
            for value in d.dns.iter().chain(&d.search).chain(&d.options) {
                if let Some(expr) = unexpanded(value) {
                    out.notes.push(DnsNote {
                            origin: source.origin.clone(),
                            kind: DnsNoteKind::Unexpanded,
                            message: format!(
                                "Docker daemon DNS option '{value}' still holds {expr}: the daemon gets it as written"
                            ),
                        });
                }
            }
        }
        out.daemons.push(source);
    }
}

/// `{{ node_ip }}` → `{{node_ip}}`: a template expression as one shell word.
fn compact_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        out.extend(
            rest[start..start + len + 2]
                .chars()
                .filter(|c| !c.is_whitespace()),
        );
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// The host part of `host:port`, `[v6]:port` or a bare host.
pub fn host_of(address: &str) -> String {
    let a = address.trim();
    let a = a
        .strip_prefix("grpcs://")
        .or_else(|| a.strip_prefix("grpc://"))
        .unwrap_or(a);
    if let Some(rest) = a.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_owned();
    }
    match a.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.chars().all(|c| c.is_ascii_digit()) => h.to_owned(),
        _ => a.to_owned(),
    }
}

/// The DNS keys of a daemon.json (`dns`, `dns-search`, `dns-opts`).
pub(crate) fn daemon_json(text: &str) -> Result<DaemonDns, String> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| format!("daemon.json is not JSON: {e}"))?;
    let list = |key: &str| -> Vec<String> {
        v.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(scalar).collect())
            .unwrap_or_default()
    };
    Ok(DaemonDns {
        dns: list("dns"),
        search: list("dns-search"),
        options: list("dns-opts"),
    })
}

/// The DNS flags among dockerd's arguments.
pub(crate) fn daemon_flags(flags: &str) -> Result<DaemonDns, String> {
    let words = shlex::split(flags).ok_or_else(|| format!("unbalanced quotes in '{flags}'"))?;
    let mut d = DaemonDns::default();
    let mut it = words.into_iter();
    while let Some(w) = it.next() {
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (w.clone(), None),
        };
        let list = match flag.as_str() {
            "--dns" => &mut d.dns,
            "--dns-search" => &mut d.search,
            "--dns-opt" => &mut d.options,
            _ => continue,
        };
        if let Some(v) = inline.or_else(|| it.next()) {
            list.push(v);
        }
    }
    Ok(d)
}

/// A `DOCKER_OPTS=…` assignment (`/etc/default/docker`, an env file).
fn docker_opts(file: &str, text: &str) -> Option<DaemonSource> {
    let (i, line) = text.lines().enumerate().find(|(_, l)| {
        let l = l.trim_start();
        l.starts_with("DOCKER_OPTS=") || l.starts_with("export DOCKER_OPTS=")
    })?;
    let value = line.split_once('=').map(|(_, v)| v.trim()).unwrap_or("");
    // The value is shell: unquote it once as the shell would, then split it into words.
    let config = match shlex::split(value) {
        Some(words) => daemon_flags(&words.join(" ")),
        None => Err(format!("DOCKER_OPTS has unbalanced quotes: {value}")),
    };
    Some(DaemonSource {
        origin: Origin::at(file, format!("line {}", i + 1)),
        config,
    })
}

/// A systemd unit or drop-in that starts `dockerd`: its `ExecStart` flags, with the unit's
/// `Environment=` variables expanded the way systemd expands `$VAR` (one variable, split into
/// words).
fn systemd_dockerd(file: &str, text: &str) -> Option<DaemonSource> {
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("Environment=") else {
            continue;
        };
        for assignment in shlex::split(rest).unwrap_or_default() {
            if let Some((k, v)) = assignment.split_once('=') {
                env.insert(k.to_owned(), v.to_owned());
            }
        }
    }
    // ExecStart may continue over lines ending in a backslash.
    let lines: Vec<&str> = text.lines().collect();
    let (start, _) = lines.iter().enumerate().rev().find(|(_, l)| {
        let l = l.trim();
        l.starts_with("ExecStart=") && l.contains("dockerd")
    })?;
    let mut command = String::new();
    for l in &lines[start..] {
        let l = l.trim();
        match l.strip_suffix('\\') {
            Some(part) => command.push_str(part),
            None => {
                command.push_str(l);
                break;
            }
        }
        command.push(' ');
    }
    let command = command.trim_start_matches("ExecStart=");
    let mut expanded = String::new();
    for word in command.split_whitespace() {
        let var = word
            .strip_prefix("${")
            .and_then(|w| w.strip_suffix('}'))
            .or_else(|| word.strip_prefix('$'));
        match var {
            Some(name) => {
                // A variable from an EnvironmentFile not among the artifacts expands to nothing
                // here; the flags it would add are unknown, not absent.
                if let Some(v) = env.get(name) {
                    expanded.push_str(v);
                }
            }
            None => expanded.push_str(word),
        }
        expanded.push(' ');
    }
    Some(DaemonSource {
        origin: Origin::at(file, format!("line {}", start + 1)),
        config: daemon_flags(&expanded),
    })
}

/// `--cluster-dns` / `--cluster-domain` kubelet flags (kubeadm's `10-kubeadm.conf`, kubelet
/// env files).
fn cluster_flags(file: &str, text: &str, cluster: &mut ClusterDns) {
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for word in line.split([' ', '"', '\'']) {
            // `KUBELET_DNS_ARGS=--cluster-dns=…` carries the flag after the variable name.
            let word = word.find("--").map_or(word, |i| &word[i..]);
            if let Some(ip) = word.strip_prefix("--cluster-dns=") {
                if let (None, Ok(ip)) = (&cluster.ip, ip.split(',').next().unwrap_or("").parse()) {
                    cluster.ip = Some((ip, Origin::at(file, format!("line {}", i + 1))));
                }
            } else if let Some(domain) = word.strip_prefix("--cluster-domain=")
                && cluster.domain_origin.is_none()
                && !domain.is_empty()
            {
                cluster.domain = domain.trim_end_matches('.').to_owned();
                cluster.domain_origin = Some(Origin::at(file, format!("line {}", i + 1)));
            }
        }
    }
}

/// The kube-dns / CoreDNS Service in kube-system, or a KubeletConfiguration.
fn cluster_service(f: &YamlFile, doc: &Value, cluster: &mut ClusterDns) {
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    let meta = doc.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(scalar)
        .unwrap_or_default();
    match kind {
        "Service" => {
            let ns = meta
                .and_then(|m| m.get("namespace"))
                .and_then(scalar)
                .unwrap_or_default();
            let labelled = meta
                .and_then(|m| m.get("labels"))
                .and_then(|l| l.get("k8s-app"))
                .and_then(scalar)
                .is_some_and(|a| a == "kube-dns");
            if ns != "kube-system" || !(labelled || name == "kube-dns" || name == "coredns") {
                return;
            }
            let ip = doc
                .get("spec")
                .and_then(|s| s.get("clusterIP"))
                .and_then(scalar)
                .and_then(|s| s.parse().ok());
            if let (None, Some(ip)) = (&cluster.ip, ip) {
                let line = f.key_line("clusterIP").unwrap_or(1);
                cluster.ip = Some((
                    ip,
                    Origin::at(
                        f.shown.clone(),
                        format!("Service kube-system/{name}, line {line}"),
                    ),
                ));
            }
        }
        "KubeletConfiguration" => {
            let ip = doc
                .get("clusterDNS")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(scalar)
                .and_then(|s| s.parse().ok());
            if let (None, Some(ip)) = (&cluster.ip, ip) {
                cluster.ip = Some((
                    ip,
                    Origin::at(f.shown.clone(), "KubeletConfiguration clusterDNS"),
                ));
            }
            if let Some(d) = doc.get("clusterDomain").and_then(scalar)
                && cluster.domain_origin.is_none()
            {
                cluster.domain = d.trim_end_matches('.').to_owned();
                cluster.domain_origin = Some(Origin::at(
                    f.shown.clone(),
                    "KubeletConfiguration clusterDomain",
                ));
            }
        }
        _ => {}
    }
}

/// A peer `core.yaml`: a document with top-level `peer` and `vm` sections.
fn core_yaml(f: &YamlFile, doc: &Value, out: &mut Vec<CoreYaml>) {
    let (Some(peer), Some(vm)) = (doc.get("peer"), doc.get("vm")) else {
        return;
    };
    let host_config = vm.get("docker").and_then(|d| d.get("hostConfig"));
    let list = |key: &str| -> Vec<String> {
        match host_config.and_then(|h| h.get(key)) {
            Some(Value::Array(a)) => a.iter().filter_map(scalar).collect(),
            Some(v) => scalar(v)
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        }
    };
    let chaincode = doc.get("chaincode");
    let text = |v: Option<&Value>| v.and_then(scalar).filter(|s| !s.trim().is_empty());
    out.push(CoreYaml {
        origin: Origin::file(f.shown.clone()),
        dir: f.dir.clone(),
        vm_endpoint: text(vm.get("endpoint")),
        dns: list("Dns"),
        dns_search: list("DnsSearch"),
        dns_options: list("DnsOptions"),
        network_mode: text(host_config.and_then(|h| h.get("NetworkMode"))),
        external_builders: chaincode
            .and_then(|c| c.get("externalBuilders"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| b.get("name").and_then(scalar))
            .collect(),
        peer_address: text(peer.get("address")),
        chaincode_address: text(peer.get("chaincodeAddress")),
        chaincode_listen_address: text(peer.get("chaincodeListenAddress")),
        startup_timeout: text(chaincode.and_then(|c| c.get("startuptimeout")))
            .and_then(|s| duration_seconds(&s)),
    })
}

/// A Go duration as Fabric writes them (`300s`, `5m`, `1m30s`), in whole seconds.
pub fn duration_seconds(text: &str) -> Option<u32> {
    let mut total = 0f64;
    let mut number = String::new();
    let mut chars = text.trim().chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let mut unit = c.to_string();
        if c == 'm' && chars.peek() == Some(&'s') {
            unit.push('s');
            chars.next();
        }
        let n: f64 = number.parse().ok()?;
        number.clear();
        total += n * match unit.as_str() {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return None,
        };
        any = true;
    }
    if !number.is_empty() {
        return None;
    }
    any.then_some(total as u32)
}

/// DNS settings that are present but commented out: a `#` before
/// `CORE_VM_DOCKER_HOSTCONFIG_DNS…`, `--dns…` or a `"dns":` key.
fn commented_out_lines(file: &str, text: &str, notes: &mut Vec<DnsNote>) {
    if !text.contains("DNS") && !text.contains("dns") {
        return;
    }
    for (i, line) in text.lines().enumerate() {
        let Some((_, comment)) = line.split_once('#') else {
            continue;
        };
        // Only a line that starts as a comment is a disabled setting; a trailing remark is not.
        if !line.trim_start().starts_with('#') {
            continue;
        }
        let c = comment.trim_start_matches(['#', ' ', '-', '\t']);
        let setting = [
            "CORE_VM_DOCKER_HOSTCONFIG_DNS",
            "--dns",
            "\"dns\"",
            "dnsConfig",
            "dnsPolicy",
        ]
        .iter()
        .find(|s| c.starts_with(**s) || c.starts_with(&format!("name: {s}")));
        if let Some(setting) = setting {
            notes.push(DnsNote {
                origin: Origin::at(file, format!("line {}", i + 1)),
                kind: DnsNoteKind::CommentedOut,
                message: format!(
                    "{} is commented out: `{}`",
                    setting.trim_matches('"'),
                    line.trim()
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpanded_values() {
        assert_eq!(
            unexpanded("$NGINX_PROXY_DNS").as_deref(),
            Some("$NGINX_PROXY_DNS")
        );
        assert_eq!(
            unexpanded("--dns=${NODE_IP}").as_deref(),
            Some("${NODE_IP}")
        );
        assert_eq!(
            unexpanded("--dns={{ node_ip }}").as_deref(),
            Some("{{ node_ip }}")
        );
        assert_eq!(unexpanded("$(KUBE_DNS)").as_deref(), Some("$(KUBE_DNS)"));
        assert_eq!(unexpanded("10.96.0.10"), None);
        assert_eq!(unexpanded("price $"), None);
    }

    #[test]
    fn systemd_unit_with_environment_variables() {
        // cello's ansible template: DOCKER_OPT_DNS comes from Environment=, DOCKER_OPTS from
        // an EnvironmentFile that is not among the artifacts.
        let unit = "[Service]\nEnvironment=\"DOCKER_OPT_DNS=--dns=10.68.0.2\"\nEnvironment=\"DOCKER_OPT_DNS_SEARCH=--dns-search=svc.cluster.local\"\nExecStart=/usr/bin/dockerd -H fd:// \\\n  $DOCKER_OPTS $DOCKER_OPT_BIP \\\n  $DOCKER_OPT_DNS $DOCKER_OPT_DNS_SEARCH\n";
        let s = systemd_dockerd("docker.service", unit).unwrap();
        let d = s.config.unwrap();
        assert_eq!(d.dns, vec!["10.68.0.2"]);
        assert_eq!(d.search, vec!["svc.cluster.local"]);
        assert_eq!(s.origin.locator.as_deref(), Some("line 4"));
    }

    #[test]
    fn docker_opts_assignment_and_broken_quoting() {
        let s = docker_opts(
            "default/docker",
            "# Docker Upstart\nDOCKER_OPTS=\"--dns 10.68.0.2 --dns 192.168.1.1 --dns-search default.svc.cluster.local --dns-opt ndots:2\"\n",
        )
        .unwrap();
        let d = s.config.unwrap();
        assert_eq!(d.dns, vec!["10.68.0.2", "192.168.1.1"]);
        assert_eq!(d.options, vec!["ndots:2"]);
        let broken = docker_opts("docker", "DOCKER_OPTS=\"--dns 10.0.0.1\n").unwrap();
        assert!(broken.config.unwrap_err().contains("unbalanced quotes"));
    }

    #[test]
    fn commented_out_dns_lines_are_found() {
        let mut notes = Vec::new();
        commented_out_lines(
            "peer0.tpl",
            "        #- name: CORE_VM_DOCKER_HOSTCONFIG_DNS\n        #  value: \"10.100.200.10\"\n        - name: CORE_VM_ENDPOINT # the dns is below\n",
            &mut notes,
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].origin.locator.as_deref(), Some("line 1"));
        assert_eq!(notes[0].kind, DnsNoteKind::CommentedOut);
    }

    #[test]
    fn kubelet_flags_and_durations() {
        let mut c = ClusterDns::default();
        cluster_flags(
            "10-kubeadm.conf",
            "Environment=\"KUBELET_DNS_ARGS=--cluster-dns=10.96.0.10 --cluster-domain=corp.local\"\n",
            &mut c,
        );
        assert_eq!(c.ip.unwrap().0.to_string(), "10.96.0.10");
        assert_eq!(c.domain, "corp.local");
        assert_eq!(duration_seconds("300s"), Some(300));
        assert_eq!(duration_seconds("1m30s"), Some(90));
        assert_eq!(duration_seconds("abc"), None);
        assert_eq!(host_of("peer0-org1:7051"), "peer0-org1");
        assert_eq!(host_of("[fe80::1]:7051"), "fe80::1");
        assert_eq!(host_of("grpcs://peer0.org1:7051"), "peer0.org1");
    }
}
