//! The crate's layering, read from its own imports: every `crate::…` path in `src/` is an edge
//! from the module that writes it to the module it names. The test fails on an import that
//! points up a layer (DESIGN.md: face → commands → checks | deploy | incluster | report →
//! inventory | probe | kube → network | finding and the other foundations) and on any circle of
//! imports, between top-level modules or between the submodules of one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Layer of each top-level module; an import goes from a higher number to a lower one.
const LAYERS: &[(&str, u8)] = &[
    // face: argument parsing, and the fuzz targets' way in
    ("cli", 12),
    ("fuzzing", 12),
    // one module per command: orchestration only
    ("commands", 10),
    // the domain: checks, deploying, the in-cluster probe, and what turns findings into output
    ("checks", 8),
    ("deploy", 8),
    ("incluster", 8),
    ("report", 8),
    ("waiver", 8),
    // what is observed, and how: probes fill the inventory's live-state types, gathering a
    // cluster goes through the Kubernetes layer
    ("probe", 7),
    ("inventory", 6),
    ("kube", 5),
    // the models: findings (and the context they are judged in), the Fabric network
    ("finding", 4),
    ("context", 4),
    ("network", 2),
    ("catalogue", 2),
    // foundations
    ("yaml", 0),
    ("exit", 0),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// Source text with comments and string literals blanked, so paths in docs and messages are
/// not read as imports.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => escaped = false,
                    }
                }
                out.push_str("\"\"");
            }
            '\'' => {
                // A char literal ('x', '\n'); a lifetime ('a) is left as it is.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') || rest.chars().nth(1) == Some('\'') {
                    for c in chars.by_ref() {
                        if c == '\'' {
                            break;
                        }
                    }
                    out.push_str("' '");
                } else {
                    out.push(c);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `crate::a::b::…` paths in a file, as module path segments (lowercase words only).
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let code = code_only(text);
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `$crate::`, `my_crate::`
        }
        let mut segments = Vec::new();
        let mut tail = rest;
        loop {
            let end = tail
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(tail.len());
            if end == 0 {
                break;
            }
            segments.push(tail[..end].to_owned());
            match tail[end..].strip_prefix("::") {
                Some(next) => tail = next,
                None => break,
            }
        }
        if !segments.is_empty() {
            out.push(segments);
        }
    }
    out
}

/// Module path of a source file below `src/` (`inventory/ordering/mod.rs` → inventory, ordering).
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Circles in a graph (strongly connected components of more than one node).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            for w in self.edges.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if self.stack.contains(&w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.found
}

#[test]
fn imports_point_down_the_layers_and_never_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut within: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut upward = Vec::new();
    let mut unlayered = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = module_of(rel);
        // The crate root only declares modules; the binary is the face.
        if module == ["lib"] || module == ["main"] {
            continue;
        }
        // Unit tests may reach across layers to build what they test; the layering is the
        // code's own. A file of tests only (`tests.rs`, `testing.rs`) is all tests.
        let name = rel.file_name().unwrap().to_string_lossy();
        if name == "tests.rs" || name == "testing.rs" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let text = match text.find("#[cfg(test)]\nmod tests") {
            Some(at) => &text[..at],
            None => &text,
        };
        for path in crate_paths(text) {
            let (from, to) = (&module[0], &path[0]);
            if from == to {
                // Between sibling submodules of one module (not to or from its root).
                if let (Some(a), Some(b)) = (module.get(1), path.get(1))
                    && a != b
                    && src.join(from).join(b).with_extension("rs").exists()
                        | src.join(from).join(b).join("mod.rs").exists()
                {
                    within
                        .entry(format!("{from}::{a}"))
                        .or_default()
                        .insert(format!("{from}::{b}"));
                }
                continue;
            }
            top.entry(from.clone()).or_default().insert(to.clone());
            match (layer(from), layer(to)) {
                (Some(a), Some(b)) if a <= b => {
                    upward.push(format!(
                        "{} imports crate::{} (layer {a} → {b})",
                        rel.display(),
                        path.join("::")
                    ));
                }
                (None, _) => {
                    unlayered.insert(from.clone());
                }
                (_, None) => {
                    unlayered.insert(to.clone());
                }
                _ => {}
            }
        }
    }
    assert!(
        unlayered.is_empty(),
        "modules with no layer in tests/layering.rs: {unlayered:?}"
    );
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "imports that point up or sideways:\n{}",
        upward.join("\n")
    );
    let mut found = circles(&top);
    found.extend(circles(&within));
    assert!(found.is_empty(), "circles of imports: {found:?}");
}

#[test]
fn the_reader_sees_paths_in_code_only() {
    let text = "use crate::a::b;\n// crate::c\nlet s = \"crate::d\";\nlet x = crate::e::f(); let c = '\"'; crate::g\n";
    let paths: Vec<String> = crate_paths(text).iter().map(|p| p.join("::")).collect();
    assert_eq!(paths, ["a::b", "e::f", "g"]);
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    edges.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    assert!(circles(&edges).is_empty());
    edges.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(circles(&edges), [["a", "b", "c"]]);
}
