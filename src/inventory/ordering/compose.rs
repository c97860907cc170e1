//! docker-compose files: services with `environment:` as a list or a map, `env_file:`,
//! `extends:` chains within and across files, and `${VAR}` substitution from the project's
//! `.env`. Services that other services extend are templates, not deployments; services of the
//! same name in one folder are merged, as `docker compose -f a.yaml -f b.yaml` merges them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::helm::TEMPLATE_MARK;
use super::vars::{self, Substituted};
use super::yaml::{YamlFile, scalar};
use super::{
    ConfigNote, NoteKind, OrderingConfig, PortMapping, Replicas, Setting, Workload, classify,
};
use crate::inventory::Origin;

/// Largest single setting value kept; a bigger value is reported and dropped.
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;

/// A service after `extends` is applied.
#[derive(Debug, Clone, Default)]
struct Resolved {
    image: Option<Setting>,
    env: BTreeMap<String, Setting>,
    names: Vec<String>,
    replicas: Option<Replicas>,
    commands: Vec<String>,
    ports: Vec<PortMapping>,
    mounts: Vec<(PathBuf, String)>,
}

/// Loads and remembers compose files reached through `extends`, whether or not they were
/// among the files mentioning the ordering service.
struct Files<'a> {
    loaded: HashMap<PathBuf, Option<Value>>,
    given: HashMap<PathBuf, &'a YamlFile>,
    env_by_dir: HashMap<PathBuf, BTreeMap<String, String>>,
}

impl<'a> Files<'a> {
    fn doc(&mut self, path: &Path) -> Option<Value> {
        if let Some(f) = self.given.get(path) {
            return f.docs.first().cloned();
        }
        self.loaded
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let text = super::yaml::read_text(path).ok()?;
                crate::yaml::from_str::<Value>(&text).ok()
            })
            .clone()
    }

    /// The text a service's lines are found in: a rendered template's own rendering (its lines
    /// keep their numbers), else the file as written.
    fn text(&self, path: &Path) -> String {
        match self.given.get(path) {
            Some(f) => f.text.clone(),
            None => super::yaml::read_text(path).unwrap_or_default(),
        }
    }

    fn vars(&mut self, dir: &Path) -> &BTreeMap<String, String> {
        self.env_by_dir
            .entry(dir.to_path_buf())
            .or_insert_with(|| vars::read_env_file(&dir.join(".env")).unwrap_or_default())
    }
}

/// Whether a parsed document is a compose file (`services:` mapping).
pub fn is_compose(doc: &Value) -> bool {
    doc.get("services").is_some_and(Value::is_object)
}

/// Gathers the services of every compose file among `docs`: parsed files, and templates
/// (Jinja, `.tpl`) rendered with their expressions marked, whose literal settings are judged
/// like any other.
pub fn gather<'a>(docs: impl IntoIterator<Item = &'a YamlFile>, config: &mut OrderingConfig) {
    let compose: Vec<&YamlFile> = docs
        .into_iter()
        .filter(|f| f.docs.first().is_some_and(is_compose))
        .collect();
    let mut files = Files {
        loaded: HashMap::new(),
        given: compose.iter().map(|f| (f.path.clone(), *f)).collect(),
        env_by_dir: HashMap::new(),
    };
    let bases = bases(&compose, &mut files);
    let mut merged: BTreeMap<(String, String), Workload> = BTreeMap::new();
    for f in &compose {
        let dir = f.path.parent().unwrap_or(Path::new("")).to_path_buf();
        for (name, _) in services(&f.docs[0]) {
            if bases.contains(&(normalize(&f.path), name.clone())) {
                continue;
            }
            let mut chain = Vec::new();
            let resolved = resolve(
                &mut files,
                &dir,
                &f.path,
                &name,
                &mut chain,
                &mut config.notes,
            );
            let services_line = super::yaml::key_line(&f.text, "services", 1).unwrap_or(1);
            let line = super::yaml::key_line(&f.text, &name, services_line);
            let templated_name = name.contains(TEMPLATE_MARK);
            let shown_name = service_name_as_written(&f.text, &f.path, &name);
            let origin = match line {
                Some(line) => Origin::at(
                    f.shown.clone(),
                    format!("service {shown_name}, line {line}"),
                ),
                None => Origin::at(f.shown.clone(), format!("service {shown_name}")),
            };
            let mut hostnames = vec![name.clone()];
            hostnames.extend(resolved.names.iter().cloned());
            hostnames.sort();
            hostnames.dedup();
            let workload = Workload {
                component: classify(
                    resolved.image.as_ref().map(|s| s.value.as_str()),
                    &resolved.env,
                ),
                name: shown_name,
                origin,
                scope: dir.display().to_string(),
                image: resolved.image.map(|s| s.value),
                // A service whose name is a template expression, or inside a template loop,
                // is written once and deployed as often as the template or the loop is
                // rendered (once per host, once per item): unknown.
                replicas: match resolved.replicas {
                    Some(r) => r,
                    None if templated_name
                        || line.is_some_and(|l| super::helm::in_loop(&f.text, l)) =>
                    {
                        Replicas::Unknown
                    }
                    None => Replicas::Count(1),
                },
                env: resolved.env,
                properties: BTreeMap::new(),
                hostnames,
                computed_at_start: resolved.commands,
                ports: resolved.ports,
                mounts: resolved.mounts,
                pod: None,
            };
            // Same service name in the same folder: later files override earlier ones.
            match merged.entry((workload.scope.clone(), name.clone())) {
                std::collections::btree_map::Entry::Occupied(mut e) => {
                    let existing = e.get_mut();
                    existing.env.extend(workload.env);
                    if workload.image.is_some() {
                        existing.image = workload.image;
                    }
                    existing.hostnames.extend(workload.hostnames);
                    existing.hostnames.sort();
                    existing.hostnames.dedup();
                }
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(workload);
                }
            }
        }
    }
    config.workloads.extend(merged.into_values());
}

/// Services that are bases (a `*-base.yaml`), not deployments of their own: those extended
/// from another file, and, transitively, whatever a base extends (`kafka-base` extends
/// `kafka-common` in the same base file). A service extended only within its own deployment
/// file (orderer1 extends orderer0) is both a base and a deployment.
fn bases(compose: &[&YamlFile], files: &mut Files<'_>) -> HashSet<(PathBuf, String)> {
    let mut bases: HashSet<(PathBuf, String)> = HashSet::new();
    let mut pending: Vec<(PathBuf, String)> = Vec::new();
    for f in compose {
        for (_, svc) in services(&f.docs[0]) {
            if let Some((file, name)) = extends_target(svc, &f.path)
                && normalize(&file) != normalize(&f.path)
            {
                pending.push((normalize(&file), name));
            }
        }
    }
    while let Some((file, name)) = pending.pop() {
        if !bases.insert((file.clone(), name.clone())) {
            continue; // seen (and so no cycle is followed twice)
        }
        let next = files
            .doc(&file)
            .and_then(|doc| doc.get("services")?.get(&name).cloned())
            .and_then(|svc| extends_target(&svc, &file));
        if let Some((base_file, base_name)) = next {
            pending.push((normalize(&base_file), base_name));
        }
    }
    bases
}

/// A service's name as its author wrote it: the name, or for a name that is a template
/// expression (`{{ kafka_name }}:`), the key as written in the template source, found on the
/// line the rendering (`text`, which keeps line numbers) has it on.
fn service_name_as_written(text: &str, path: &Path, name: &str) -> String {
    if !name.contains(TEMPLATE_MARK) {
        return name.to_owned();
    }
    let services = super::yaml::key_line(text, "services", 1).unwrap_or(1);
    let written = super::yaml::key_line(text, name, services).and_then(|line| {
        let source = super::yaml::read_text(path).ok()?;
        let written = source.lines().nth(line.checked_sub(1)?)?.trim().to_owned();
        Some(
            written
                .strip_suffix(':')
                .unwrap_or(&written)
                .trim()
                .to_owned(),
        )
    });
    written.unwrap_or_else(|| name.to_owned())
}

fn services(doc: &Value) -> Vec<(String, &Value)> {
    doc.get("services")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v)).collect())
        .unwrap_or_default()
}

/// A path with `.` and `..` folded away (a leading `..` is kept), as compose resolves paths.
pub(super) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            // A leading `..` (a tree given as ../shared/...) has nothing to cancel: keep it.
            std::path::Component::ParentDir => {
                let cancels = matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                );
                if cancels {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `extends: name`, `extends: {service: name}` or `extends: {file: f, service: name}`.
fn extends_target(svc: &Value, file: &Path) -> Option<(PathBuf, String)> {
    let ext = svc.get("extends")?;
    let dir = file.parent().unwrap_or(Path::new(""));
    match ext {
        Value::String(name) => Some((file.to_path_buf(), name.clone())),
        Value::Object(m) => {
            let name = m.get("service")?.as_str()?.to_owned();
            let target = m
                .get("file")
                .and_then(Value::as_str)
                .map(|f| normalize(&dir.join(f)))
                .unwrap_or_else(|| file.to_path_buf());
            Some((target, name))
        }
        _ => None,
    }
}

fn resolve(
    files: &mut Files<'_>,
    project: &Path,
    path: &Path,
    name: &str,
    chain: &mut Vec<(PathBuf, String)>,
    notes: &mut Vec<ConfigNote>,
) -> Resolved {
    let key = (normalize(path), name.to_owned());
    let shown = path.display().to_string();
    if chain.contains(&key) {
        let cycle: Vec<String> = chain
            .iter()
            .chain(std::iter::once(&key))
            .map(|(p, s)| format!("{}:{s}", p.display()))
            .collect();
        notes.push(ConfigNote {
            origin: Origin::at(shown, format!("service {name}")),
            kind: NoteKind::ExtendsCycle,
            message: format!("extends cycle: {}", cycle.join(" -> ")),
        });
        return Resolved::default();
    }
    chain.push(key);
    // Where an extends problem is reported: the service whose `extends` points here.
    let extender = || match chain.len().checked_sub(2).and_then(|i| chain.get(i)) {
        Some((p, s)) => Origin::at(p.display().to_string(), format!("service {s}")),
        None => Origin::at(shown.clone(), format!("service {name}")),
    };
    let Some(doc) = files.doc(path) else {
        notes.push(ConfigNote {
            origin: extender(),
            kind: NoteKind::MissingExtends,
            message: format!("extends {shown}, which cannot be read or parsed"),
        });
        chain.pop();
        return Resolved::default();
    };
    let Some(svc) = doc.get("services").and_then(|s| s.get(name)).cloned() else {
        notes.push(ConfigNote {
            origin: extender(),
            kind: NoteKind::MissingExtends,
            message: format!("extends service '{name}', which {shown} does not define"),
        });
        chain.pop();
        return Resolved::default();
    };
    let mut resolved = match extends_target(&svc, path) {
        Some((base_file, base_name)) => {
            resolve(files, project, &base_file, &base_name, chain, notes)
        }
        None => Resolved::default(),
    };
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    // Variables come from the project's .env (beside the file compose was run with), also for
    // services pulled in through `extends`.
    let vars = files.vars(project).clone();
    let text = files.text(path);
    let line_of = |needle: &str| -> Option<usize> {
        let services = super::yaml::key_line(&text, "services", 1).unwrap_or(1);
        let start = super::yaml::key_line(&text, name, services).unwrap_or(1) - 1;
        text.lines()
            .enumerate()
            .skip(start)
            .find(|(_, l)| l.contains(needle))
            .map(|(i, _)| i + 1)
    };
    let shown_name = service_name_as_written(&text, path, name);
    let origin_for = |what: String, needle: &str| match line_of(needle) {
        Some(line) => Origin::at(
            shown.clone(),
            format!("service {shown_name}, {what}, line {line}"),
        ),
        None => Origin::at(shown.clone(), format!("service {shown_name}, {what}")),
    };
    let mut setting = |raw: &str, origin: Origin, notes: &mut Vec<ConfigNote>| -> Option<Setting> {
        if raw.len() > MAX_VALUE_BYTES {
            notes.push(ConfigNote {
                origin,
                kind: NoteKind::Oversized,
                message: format!("value of {} bytes is larger than any setting ({MAX_VALUE_BYTES} byte limit); ignored", raw.len()),
            });
            return None;
        }
        let Substituted { value, unresolved } = vars::substitute(raw, &vars);
        for var in &unresolved {
            notes.push(ConfigNote {
                origin: origin.clone(),
                kind: NoteKind::UnresolvedVariable,
                message: format!("variable ${{{var}}} has no value (not in {}/.env, no default): left unresolved", project.display()),
            });
        }
        Some(Setting {
            templated: value.contains(TEMPLATE_MARK) || value.contains("{{"),
            value,
            origin,
            unresolved,
        })
    };
    if let Some(image) = svc.get("image").and_then(scalar) {
        resolved.image = setting(&image, origin_for("image".into(), "image:"), notes);
    }
    for key in ["container_name", "hostname"] {
        if let Some(n) = svc.get(key).and_then(scalar) {
            resolved.names.push(vars::substitute(&n, &vars).value);
        }
    }
    if let Some(networks) = svc.get("networks").and_then(Value::as_object) {
        for net in networks.values() {
            for alias in net
                .get("aliases")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(scalar)
            {
                resolved.names.push(vars::substitute(&alias, &vars).value);
            }
        }
    }
    let replicas = svc
        .get("deploy")
        .and_then(|d| d.get("replicas"))
        .or_else(|| svc.get("scale"));
    if let Some(r) = replicas {
        resolved.replicas = Some(match r.as_u64() {
            Some(n) => Replicas::Count(u32::try_from(n).unwrap_or(u32::MAX)),
            None => Replicas::Unknown,
        });
    }
    for cmd in ["command", "entrypoint"] {
        if let Some(c) = svc.get(cmd) {
            let text = match c {
                Value::Array(a) => a.iter().filter_map(scalar).collect::<Vec<_>>().join(" "),
                other => scalar(other).unwrap_or_default(),
            };
            if text.contains("export ") {
                resolved.commands.push(text);
            }
        }
    }
    // Ports and bind mounts of the child replace the base's, as compose merges them by target.
    let ports = parse_ports(svc.get("ports"));
    if !ports.is_empty() {
        resolved
            .ports
            .retain(|p| !ports.iter().any(|q| q.target == p.target));
        resolved.ports.extend(ports);
    }
    for (host, target) in parse_volumes(svc.get("volumes"), &dir, &vars) {
        resolved.mounts.retain(|(_, t)| *t != target);
        resolved.mounts.push((host, target));
    }
    for env_file in env_files(&svc) {
        let file = normalize(&dir.join(&env_file));
        match super::yaml::read_text(&file) {
            Ok(t) => {
                for (k, v) in vars::parse_env(&t) {
                    let origin = Origin::at(
                        file.display().to_string(),
                        format!("env_file of service {name}, {k}"),
                    );
                    if let Some(s) = setting(&v, origin, notes) {
                        resolved.env.insert(k, s);
                    }
                }
            }
            Err(e) => notes.push(ConfigNote {
                origin: origin_for(format!("env_file {env_file}"), "env_file"),
                kind: NoteKind::MissingExtends,
                message: format!("env_file {} cannot be read: {e}", file.display()),
            }),
        }
    }
    match svc.get("environment") {
        Some(Value::Array(items)) => {
            for item in items {
                let Some(item) = scalar(item) else { continue };
                let (k, v) = match item.split_once('=') {
                    Some((k, v)) => (k.trim().to_owned(), Some(v.to_owned())),
                    None => (item.trim().to_owned(), None),
                };
                let origin = origin_for(format!("environment {k}"), &k);
                insert_env(&mut resolved.env, k, v, origin, &mut setting, notes);
            }
        }
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let origin = origin_for(format!("environment {k}"), k);
                insert_env(
                    &mut resolved.env,
                    k.clone(),
                    scalar(v),
                    origin,
                    &mut setting,
                    notes,
                );
            }
        }
        _ => {}
    }
    chain.pop();
    resolved
}

/// A variable without a value (`- KEY` or `KEY:`) takes the shell's value at `up` time: unknown here.
fn insert_env(
    env: &mut BTreeMap<String, Setting>,
    key: String,
    value: Option<String>,
    origin: Origin,
    setting: &mut impl FnMut(&str, Origin, &mut Vec<ConfigNote>) -> Option<Setting>,
    notes: &mut Vec<ConfigNote>,
) {
    match value {
        Some(v) => {
            if let Some(s) = setting(&v, origin, notes) {
                env.insert(key, s);
            }
        }
        None => {
            notes.push(ConfigNote {
                origin: origin.clone(),
                kind: NoteKind::UnresolvedVariable,
                message: format!(
                    "{key} takes its value from the shell environment at start-up: unknown here"
                ),
            });
            env.insert(
                key.clone(),
                Setting {
                    value: String::new(),
                    origin,
                    unresolved: vec![key],
                    templated: false,
                },
            );
        }
    }
}

fn env_files(svc: &Value) -> Vec<String> {
    match svc.get("env_file") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| scalar(v).or_else(|| v.get("path").and_then(scalar)))
            .collect(),
        _ => Vec::new(),
    }
}

/// `ports:` in short (`"7051:7051"`, `"127.0.0.1:7051:7051"`, `7051`) or long syntax.
fn parse_ports(v: Option<&Value>) -> Vec<PortMapping> {
    let mut out = Vec::new();
    for item in v.and_then(Value::as_array).into_iter().flatten() {
        if let Some(m) = item.as_object() {
            let target = m.get("target").and_then(|t| scalar(t)?.parse().ok());
            let published = m.get("published").and_then(|p| scalar(p)?.parse().ok());
            if let (Some(target), Some(published)) = (target, published) {
                out.push(PortMapping {
                    host_ip: m.get("host_ip").and_then(scalar),
                    published,
                    target,
                });
            }
            continue;
        }
        let Some(text) = scalar(item) else { continue };
        let text = text.split('/').next().unwrap_or("");
        let parts: Vec<&str> = text.rsplitn(3, ':').collect();
        match parts.as_slice() {
            [target, published, ip] => {
                if let (Ok(t), Ok(p)) = (target.parse(), published.parse()) {
                    out.push(PortMapping {
                        host_ip: Some((*ip).to_owned()),
                        published: p,
                        target: t,
                    });
                }
            }
            [target, published] => {
                if let (Ok(t), Ok(p)) = (target.parse(), published.parse()) {
                    out.push(PortMapping {
                        host_ip: None,
                        published: p,
                        target: t,
                    });
                }
            }
            _ => {} // a bare container port is published on a random host port: unknown here
        }
    }
    out
}

/// Bind mounts from `volumes:` (`./host:/container[:ro]` or long syntax); named volumes are
/// not host paths and are skipped. Relative sources are relative to the file that says them.
fn parse_volumes(
    v: Option<&Value>,
    dir: &Path,
    vars: &BTreeMap<String, String>,
) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for item in v.and_then(Value::as_array).into_iter().flatten() {
        let (source, target) = match item {
            Value::Object(m) => match (
                m.get("source").and_then(scalar),
                m.get("target").and_then(scalar),
            ) {
                (Some(s), Some(t)) => (s, t),
                _ => continue,
            },
            other => {
                let Some(text) = scalar(other) else { continue };
                let text = vars::substitute(&text, vars).value;
                let mut parts = text.splitn(3, ':');
                match (parts.next(), parts.next()) {
                    (Some(s), Some(t)) => (s.to_owned(), t.to_owned()),
                    _ => continue,
                }
            }
        };
        if !(source.starts_with('.') || source.starts_with('/') || source.starts_with('~')) {
            continue;
        }
        out.push((normalize(&dir.join(&source)), target));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_in_every_form() {
        let v: Value = serde_json::json!(["7051:7051", "127.0.0.1:8051:7051/tcp", 9443, {"target": 7050, "published": "17050"}]);
        let p = parse_ports(Some(&v));
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[1],
            PortMapping {
                host_ip: Some("127.0.0.1".into()),
                published: 8051,
                target: 7051
            }
        );
        assert_eq!(p[2].published, 17050);
    }

    #[test]
    fn bind_mounts_resolve_relative_to_the_file_and_keep_leading_parents() {
        let v: Value = serde_json::json!([
            "../crypto-config/org1/tls:/etc/hyperledger/fabric/tls",
            "peer0.org1.example.com:/var/hyperledger/production",
            "/var/run/:/host/var/run/"
        ]);
        let m = parse_volumes(Some(&v), Path::new("../net/base"), &BTreeMap::new());
        assert_eq!(m.len(), 2, "named volumes are not host paths");
        assert_eq!(
            m[0],
            (
                PathBuf::from("../net/crypto-config/org1/tls"),
                "/etc/hyperledger/fabric/tls".to_owned()
            )
        );
        assert_eq!(
            normalize(Path::new("../../a/./b/../c")),
            PathBuf::from("../../a/c")
        );
    }

    #[test]
    fn extends_and_env_files_that_are_not_regular_files_are_refused_not_read() {
        // `extends: {file: /dev/zero}` read forever and a FIFO blocked forever: the named file
        // is not a file the walk found, so nothing had checked what it is.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("base.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        std::fs::write(dir.path().join(".env"), "").unwrap();
        let compose = dir.path().join("docker-compose.yaml");
        std::fs::write(
            &compose,
            "services:\n  orderer0:\n    image: hyperledger/fabric-orderer\n    extends:\n      file: base.yaml\n      service: orderer-base\n    env_file: /dev/zero\n",
        )
        .unwrap();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(super::super::gather(&[compose], &[]));
        });
        let config = finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("gathering ends");
        let notes: Vec<&str> = config.notes.iter().map(|n| n.message.as_str()).collect();
        assert!(
            notes.iter().any(|n| n.contains("cannot be read")),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n.contains("not a regular file")),
            "{notes:?}"
        );
    }
}
