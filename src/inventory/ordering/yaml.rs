//! Loading YAML configuration files once, with the facts every gatherer needs: the parsed
//! documents (anchors and merge keys resolved), the text for locating lines, and the folder.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{ConfigNote, NoteKind};
use crate::inventory::Origin;

/// Largest YAML file read as configuration; anything larger is not a hand-written config.
pub const MAX_YAML_BYTES: u64 = 32 * 1024 * 1024;

/// One YAML file, parsed.
#[derive(Debug)]
pub struct YamlFile {
    pub path: PathBuf,
    /// Path as shown in findings.
    pub shown: String,
    /// Folder of the file, as shown.
    pub dir: String,
    pub text: String,
    pub docs: Vec<serde_json::Value>,
    /// Byte offset where each line starts, so finding a line is proportional to the distance
    /// searched, not to the file: a 1,000-document manifest asks for a line per document and
    /// per environment variable.
    pub line_starts: Vec<usize>,
}

/// Byte offsets of the start of every line of `text`.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

impl YamlFile {
    /// 1-based line of the first occurrence of `needle` at or after `from` (1-based).
    pub fn line_of(&self, needle: &str, from: usize) -> Option<usize> {
        // A needle never spans lines, so its first occurrence at or after the start of line
        // `from` is on the first line at or after `from` that contains it.
        let start = *self.line_starts.get(from.saturating_sub(1))?;
        let at = start + self.text[start..].find(needle)?;
        Some(self.line_starts.partition_point(|&s| s <= at))
    }

    /// 1-based line where `key:` is written as a mapping key (not inside a value).
    pub fn key_line(&self, key: &str) -> Option<usize> {
        key_line(&self.text, key, 1)
    }

    /// An origin in this file at the line where `needle` first appears after `from`.
    pub fn origin_at(&self, locator: String, needle: &str, from: usize) -> Origin {
        match self.line_of(needle, from) {
            Some(line) => Origin::at(self.shown.clone(), format!("{locator}, line {line}")),
            None => Origin::at(self.shown.clone(), locator),
        }
    }
}

/// 1-based line of the first line at or after `from` (1-based) of `text` that is the mapping
/// key `key:`.
pub fn key_line(text: &str, key: &str, from: usize) -> Option<usize> {
    let wanted = format!("{key}:");
    let skip = from.saturating_sub(1);
    text.lines()
        .skip(skip)
        .position(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            t.strip_prefix(&wanted)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '#']))
                || t.strip_prefix(&format!("\"{key}\":")).is_some()
        })
        .map(|i| i + skip + 1)
}

/// Whether a file is a Helm chart template (rendered by `helm`, not parsed here directly).
pub fn is_chart_template(path: &Path) -> bool {
    let in_templates = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "templates");
    let chart_root = path.parent().and_then(Path::parent);
    in_templates && chart_root.is_some_and(|r| r.join("Chart.yaml").is_file())
}

/// Whether text mentions what the ordering checks read; broken YAML elsewhere is not ours.
fn mentions_ordering(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "kafka",
        "zookeeper",
        "zoo_",
        "orderer",
        "core_peer",
        "hyperledger/fabric",
        // What the chaincode-DNS gatherer reads: the cluster DNS Service, kubelet settings,
        // peer core.yaml files.
        "kube-dns",
        "coredns",
        "clusterdns",
        "chaincodelistenaddress",
        // Services and ConfigMaps name and configure workloads kept in other files (one
        // object per file, as `kubectl get -o yaml` or a cluster snapshot writes them).
        "kind: service",
        "kind: configmap",
        // Values files for the public Kafka charts that name no image (charts.rs).
        "configurationoverrides",
        "defaultreplicationfactor",
    ]
    .iter()
    .any(|k| lower.contains(k))
}

/// Reads a configuration file that another file names (`extends`, `env_file`, `.env`, a chart's
/// values.yaml): only a regular file, and at most [`MAX_YAML_BYTES`]. A name that is a FIFO or a
/// device (`/dev/zero`, `/dev/stdin`) would block or never end; it is refused without opening.
pub fn read_text(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    if !std::fs::metadata(path)?.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_YAML_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_YAML_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {MAX_YAML_BYTES} bytes"),
        ));
    }
    Ok(text)
}

/// Parses every YAML file (except chart templates) in parallel. Files that do not parse are
/// noted when they look like ordering configuration, and templates are named as templates.
pub fn load_all(files: &[PathBuf], notes: &mut Vec<ConfigNote>) -> Vec<YamlFile> {
    let results: Vec<(Option<YamlFile>, Option<ConfigNote>)> = files
        .par_iter()
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            matches!(ext, "yaml" | "yml") && !is_chart_template(p)
        })
        .map(|p| load(p))
        .collect();
    let mut out = Vec::new();
    for (file, note) in results {
        out.extend(file);
        notes.extend(note);
    }
    out
}

fn load(path: &Path) -> (Option<YamlFile>, Option<ConfigNote>) {
    let shown = path.display().to_string();
    let note = |kind, message: String| {
        Some(ConfigNote {
            origin: Origin::file(shown.clone()),
            kind,
            message,
        })
    };
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_YAML_BYTES => {
            return (
                None,
                note(
                    NoteKind::Oversized,
                    format!(
                        "{} bytes is larger than any configuration file ({MAX_YAML_BYTES} byte limit); not read",
                        m.len()
                    ),
                ),
            );
        }
        Err(e) => {
            return (
                None,
                note(NoteKind::Unparseable, format!("failed to read: {e}")),
            );
        }
        // A FIFO or device (a linked configtx.yaml that is `/dev/zero`) is never opened.
        Ok(m) if !m.is_file() => {
            return (
                None,
                note(
                    NoteKind::Unparseable,
                    "failed to read: not a regular file".into(),
                ),
            );
        }
        Ok(_) => {}
    }
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => return (None, None), // not text: not configuration
        },
        Err(e) => {
            return (
                None,
                note(NoteKind::Unparseable, format!("failed to read: {e}")),
            );
        }
    };
    parse_text(path, text)
}

/// Parses the text of the YAML file at `path` as [`load_all`] does once it is read: `None`
/// when it does not mention the ordering service, else the file or the note saying why not.
pub fn parse_text(path: &Path, text: String) -> (Option<YamlFile>, Option<ConfigNote>) {
    let shown = path.display().to_string();
    let dir = path
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let note = |kind, message: String| {
        Some(ConfigNote {
            origin: Origin::file(shown.clone()),
            kind,
            message,
        })
    };
    if !mentions_ordering(&text) {
        return (None, None);
    }
    let mut duplicate = None;
    let parsed = crate::yaml::from_multiple::<serde_json::Value>(&text).or_else(|e| {
        // Fabric's configtx.yaml files often put Profiles first and the anchors they use
        // below; go-yaml (and so configtxgen) resolves such forward aliases, YAML 1.2 parsers
        // do not. Reading the definitions first gives the documents go-yaml would have built.
        if e.to_string().contains("unknown anchor") {
            crate::yaml::from_multiple::<serde_json::Value>(&definitions_first(&text))
                .map_err(|_| e)
        } else if crate::yaml::is_duplicate_key(&e) {
            // `environment:` twice in a service: Compose v1 keeps the last, Compose v2 refuses
            // the file. The file is evaluated as v1 reads it, and that is said.
            duplicate = Some(first_line(&e.to_string()));
            crate::yaml::from_multiple_last_wins::<serde_json::Value>(&text).map_err(|_| e)
        } else {
            Err(e)
        }
    });
    let duplicate_note = |docs_ok: bool| {
        duplicate.as_ref().filter(|_| docs_ok).and_then(|why| {
            note(
                NoteKind::DuplicateKey,
                format!(
                    "a key is given twice ({why}): Compose v2 refuses this file; Compose v1 and go-yaml keep the last value, which is how it was evaluated"
                ),
            )
        })
    };
    match parsed {
        Ok(docs) => (
            Some(YamlFile {
                path: path.to_path_buf(),
                shown: shown.clone(),
                dir,
                line_starts: line_starts(&text),
                text,
                docs,
            }),
            duplicate_note(true),
        ),
        Err(e) if text.contains("{{") || text.contains("{%") => {
            // A template with a .yaml name (Jinja, envsubst-style tooling): its literal parts
            // are read with every expression marked, as for a `.j2` file.
            let rendered =
                super::helm::render(&text, &serde_json::Value::Null, &serde_json::Value::Null)
                    .ok()
                    .and_then(|(rendered, unevaluated)| {
                        let docs =
                            crate::yaml::from_multiple::<serde_json::Value>(&rendered).ok()?;
                        Some((rendered, docs, unevaluated))
                    });
            match rendered {
                Some((rendered, docs, unevaluated)) => (
                    Some(YamlFile {
                        path: path.to_path_buf(),
                        shown: shown.clone(),
                        dir,
                        line_starts: line_starts(&rendered),
                        text: rendered,
                        docs: docs.into_iter().filter(|d| !d.is_null()).collect(),
                    }),
                    note(
                        NoteKind::Template,
                        format!(
                            "template, partly evaluated (its literal settings are read); {unevaluated} expression(s) not evaluated"
                        ),
                    ),
                ),
                None => (
                    None,
                    note(
                        NoteKind::Template,
                        format!(
                            "template, not evaluated: the file holds template syntax ({})",
                            first_line(&e.to_string())
                        ),
                    ),
                ),
            }
        }
        Err(e) => (
            None,
            note(
                NoteKind::Unparseable,
                format!("failed to parse YAML: {}", first_line(&e.to_string())),
            ),
        ),
    }
}

/// Reorders a single-document file's top-level blocks so that every block comes after the
/// blocks defining the anchors it uses (a block is a top-level key with everything indented
/// under it, with the comments above it). A block may define anchors and use others (fabric-sdk-
/// go's `Application: &ApplicationDefaults` merges `*ApplicationCapabilities`, defined further
/// down), so the order is a dependency order, not "definitions, then uses"; blocks keep their
/// original order where nothing forces another. A cycle leaves the rest as written.
pub fn definitions_first(text: &str) -> String {
    let mut blocks: Vec<String> = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let top_level_key =
            line.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '"' || c == '\'');
        if top_level_key {
            blocks.push(std::mem::take(&mut pending));
        }
        pending.push_str(line);
        pending.push('\n');
    }
    blocks.push(pending);
    let defined: Vec<Vec<&str>> = blocks.iter().map(|b| names_after(b, '&')).collect();
    let used: Vec<Vec<&str>> = blocks.iter().map(|b| names_after(b, '*')).collect();
    let mut emitted = vec![false; blocks.len()];
    let mut order = Vec::with_capacity(blocks.len());
    while order.len() < blocks.len() {
        let ready = (0..blocks.len()).find(|&i| {
            !emitted[i]
                && used[i].iter().all(|name| {
                    defined[i].contains(name)
                        || (0..blocks.len()).all(|j| emitted[j] || !defined[j].contains(name))
                })
        });
        // A cycle (or an alias defined twice): the rest as written.
        let next = ready.unwrap_or_else(|| (0..blocks.len()).find(|&i| !emitted[i]).unwrap_or(0));
        emitted[next] = true;
        order.push(next);
    }
    order.into_iter().map(|i| blocks[i].as_str()).collect()
}

/// The anchor (`&`) or alias (`*`) names in `block`: the run of characters after the marker up
/// to white space or a flow indicator. Comment text is skipped.
fn names_after(block: &str, marker: char) -> Vec<&str> {
    let mut out = Vec::new();
    for line in block.lines() {
        let code = line.split(" #").next().unwrap_or(line);
        if code.trim_start().starts_with('#') {
            continue;
        }
        let mut rest = code;
        while let Some(i) = rest.find(marker) {
            let after = &rest[i + marker.len_utf8()..];
            let before = rest[..i].chars().last();
            let end = after
                .find(|c: char| c.is_whitespace() || ",[]{}".contains(c))
                .unwrap_or(after.len());
            // An anchor or alias starts a node: after a space, `-`, `:` or a flow indicator.
            if before.is_none_or(|c| c.is_whitespace() || "-:,[{".contains(c)) && end > 0 {
                out.push(&after[..end]);
            }
            rest = &after[end..];
        }
    }
    out
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_owned()
}

/// A YAML scalar as the string a program would receive (numbers and booleans as written).
pub fn scalar(v: &serde_json::Value) -> Option<String> {
    // (numbers and booleans are written back as YAML wrote them)
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_searches_from_a_line() {
        let text = "a: 1\nname: x\n---\nname: y\nname: x\n".to_owned();
        let f = YamlFile {
            path: PathBuf::from("f.yaml"),
            shown: "f.yaml".into(),
            dir: String::new(),
            line_starts: line_starts(&text),
            text,
            docs: Vec::new(),
        };
        assert_eq!(f.line_of("name: x", 1), Some(2));
        assert_eq!(f.line_of("name: x", 3), Some(5));
        assert_eq!(f.line_of("name: y", 5), None);
        assert_eq!(f.line_of("a: 1", 99), None);
    }

    #[test]
    fn forward_aliases_are_read_as_go_yaml_reads_them() {
        let text = "Profiles:\n  Genesis:\n    Orderer:\n      <<: *OrdererDefaults\n# the defaults\nOrderer: &OrdererDefaults\n  OrdererType: kafka\n";
        assert!(
            crate::yaml::from_str::<serde_json::Value>(text).is_err(),
            "plain YAML 1.2 refuses forward aliases"
        );
        let v: serde_json::Value = crate::yaml::from_str(&definitions_first(text)).unwrap();
        assert_eq!(v["Profiles"]["Genesis"]["Orderer"]["OrdererType"], "kafka");
    }

    #[test]
    fn a_block_that_defines_and_uses_comes_after_what_it_uses() {
        // fabric-sdk-go v1.1's configtx.yaml: Application defines &ApplicationDefaults and
        // merges *ApplicationCapabilities, which Capabilities defines further down.
        let text = "Profiles:\n  P:\n    Application:\n      <<: *ApplicationDefaults\n\
                    Application: &ApplicationDefaults\n  Organizations:\n  Capabilities:\n    <<: *ApplicationCapabilities\n\
                    Capabilities:\n  Application: &ApplicationCapabilities\n    V1_1: true\n";
        assert!(crate::yaml::from_str::<serde_json::Value>(text).is_err());
        let v: serde_json::Value = crate::yaml::from_str(&definitions_first(text)).unwrap();
        assert_eq!(
            v["Profiles"]["P"]["Application"]["Capabilities"]["V1_1"],
            true
        );
        // Names are read where a node starts, not inside words or comments.
        assert_eq!(
            names_after("a: &x\nb: [*y, *z] # *w\nc: 2*3\n", '*'),
            ["y", "z"]
        );
    }

    #[test]
    fn keys_are_found_as_keys_not_inside_values() {
        let text = "a:\n  ZOO_SERVERS: server.1=zk2:2888\nservices:\n  zk2:\n    image: x\n";
        assert_eq!(key_line(text, "zk2", 1), Some(4));
        assert_eq!(key_line(text, "services", 1), Some(3));
        assert_eq!(key_line(text, "zk2", 5), None);
    }
}
