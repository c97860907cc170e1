//! Helm charts, rendered just far enough to read what they deploy.
//!
//! There is no `helm` here, and guessing what a template means would be worse than saying it
//! was not evaluated. So the renderer does only what is certain: `.Values.x.y` and `.Chart.*`
//! lookups (with `quote` and `default`), `if` on a value's truthiness, and dropping lines that
//! are pure template actions. Every other expression becomes [`TEMPLATE_MARK`], so a setting
//! that depends on it is known to be unevaluated; a template that still does not parse is
//! reported as "template, not evaluated". Stand-alone `.tpl`/`.j2` templates outside a chart
//! are reported the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::yaml::{YamlFile, is_chart_template, scalar};
use super::{ConfigNote, NoteKind, Setting};
use crate::inventory::Origin;

/// What an expression the renderer does not evaluate is replaced with.
pub const TEMPLATE_MARK: &str = "TEMPLATE_EXPR";

/// The comment a rendering puts on the line of a loop (`{{ range }}`, `{% for %}`) whose body it
/// keeps once, and on the line that ends it: what lies between is deployed as many times as
/// the loop runs, which is not known here.
pub const LOOP_BEGIN: &str = "#TEMPLATE_LOOP_BEGIN";
pub const LOOP_END: &str = "#TEMPLATE_LOOP_END";

/// Whether 1-based `line` of a rendering lies inside a loop's kept body.
pub fn in_loop(rendered: &str, line: usize) -> bool {
    let mut depth = 0usize;
    for l in rendered.lines().take(line.saturating_sub(1)) {
        match l.trim() {
            LOOP_BEGIN => depth += 1,
            LOOP_END => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth > 0
}

/// A chart rendered as far as it can be.
#[derive(Debug)]
pub struct RenderedChart {
    /// The chart's folder: all its templates form one network.
    pub scope: String,
    pub files: Vec<YamlFile>,
    /// Kafka properties from `configurationOverrides` in values.yaml, by dotted name.
    pub kafka_properties: BTreeMap<String, Setting>,
}

/// Renders every chart found among `files`, and stand-alone templates (`.tpl`, `.j2`) with no
/// values at all: their literal parts are still read, every placeholder is marked.
pub fn render_charts(files: &[PathBuf], notes: &mut Vec<ConfigNote>) -> Vec<RenderedChart> {
    let mut charts: BTreeMap<PathBuf, Vec<&PathBuf>> = BTreeMap::new();
    let mut loose = Vec::new();
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if is_chart_template(f) && matches!(ext, "yaml" | "yml" | "tpl") {
            if let Some(root) = f.parent().and_then(Path::parent) {
                charts.entry(root.to_path_buf()).or_default().push(f);
            }
        } else if matches!(ext, "tpl" | "j2" | "tmpl") && mentions_ordering(f) {
            loose.push(f);
        }
    }
    let mut out: Vec<RenderedChart> = charts
        .into_iter()
        .map(|(root, templates)| render_chart(&root, &templates, notes))
        .collect();
    for f in loose {
        let scope = f
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let files = render_files(
            &[f],
            &Value::Null,
            &Value::Null,
            &scope,
            "no values: placeholders",
            notes,
        );
        out.push(RenderedChart {
            scope,
            files,
            kafka_properties: BTreeMap::new(),
        });
    }
    out
}

fn mentions_ordering(path: &Path) -> bool {
    super::yaml::read_text(path)
        .map(|t| {
            let l = t.to_ascii_lowercase();
            ["kafka", "zookeeper", "zoo_", "orderer"]
                .iter()
                .any(|k| l.contains(k))
        })
        .unwrap_or(false)
}

fn render_chart(root: &Path, templates: &[&PathBuf], notes: &mut Vec<ConfigNote>) -> RenderedChart {
    let scope = root.display().to_string();
    let values_path = root.join("values.yaml");
    let values: Value = super::yaml::read_text(&values_path)
        .ok()
        .and_then(|t| crate::yaml::from_str::<Option<Value>>(&t).ok().flatten())
        .unwrap_or(Value::Null);
    let chart: Value = super::yaml::read_text(&root.join("Chart.yaml"))
        .ok()
        .and_then(|t| crate::yaml::from_str::<Option<Value>>(&t).ok().flatten())
        .unwrap_or(Value::Null);
    let mut kafka_properties = BTreeMap::new();
    collect_overrides(
        &values,
        &values_path.display().to_string(),
        &mut kafka_properties,
    );
    let source = format!(".Values lookups rendered from {}", values_path.display());
    let files = render_files(templates, &values, &chart, &scope, &source, notes);
    RenderedChart {
        scope,
        files,
        kafka_properties,
    }
}

/// Renders templates that mention the ordering service; notes what was left unevaluated.
fn render_files(
    templates: &[&PathBuf],
    values: &Value,
    chart: &Value,
    scope: &str,
    how: &str,
    notes: &mut Vec<ConfigNote>,
) -> Vec<YamlFile> {
    let mut files = Vec::new();
    for path in templates {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // `_helpers.tpl` and other partials define snippets other templates include.
        if name.starts_with('_') {
            continue;
        }
        let shown = path.display().to_string();
        let Ok(source) = super::yaml::read_text(path) else {
            continue;
        };
        let lower = source.to_ascii_lowercase();
        if !["kafka", "zookeeper", "zoo_", "orderer"]
            .iter()
            .any(|k| lower.contains(k))
        {
            continue;
        }
        let not_evaluated = |why: String| ConfigNote {
            origin: Origin::file(shown.clone()),
            kind: NoteKind::Template,
            message: format!("template, not evaluated: {why}"),
        };
        let (text, unevaluated) = match render(&source, values, chart) {
            Ok(r) => r,
            Err(why) => {
                notes.push(not_evaluated(why));
                continue;
            }
        };
        match crate::yaml::from_multiple::<Value>(&text) {
            Ok(docs) => {
                if unevaluated > 0 {
                    notes.push(ConfigNote {
                        origin: Origin::file(shown.clone()),
                        kind: NoteKind::Template,
                        message: format!("template, partly evaluated ({how}); {unevaluated} expression(s) not evaluated"),
                    });
                }
                let docs = docs.into_iter().filter(|d| !d.is_null()).collect();
                files.push(YamlFile {
                    path: (*path).clone(),
                    shown,
                    dir: scope.to_owned(),
                    line_starts: super::yaml::line_starts(&text),
                    text,
                    docs,
                });
            }
            Err(e) => notes.push(not_evaluated(format!(
                "does not parse once rendered ({})",
                e.to_string().lines().next().unwrap_or("")
            ))),
        }
    }
    files
}

/// `configurationOverrides` maps anywhere in values.yaml hold Kafka properties by dotted name.
fn collect_overrides(values: &Value, file: &str, out: &mut BTreeMap<String, Setting>) {
    let Value::Object(map) = values else { return };
    for (k, v) in map {
        if k == "configurationOverrides"
            && let Value::Object(props) = v
        {
            for (prop, value) in props {
                if let Some(s) = scalar(value) {
                    out.insert(
                        prop.clone(),
                        Setting::literal(
                            s,
                            Origin::at(
                                file.to_owned(),
                                format!("configurationOverrides.\"{prop}\""),
                            ),
                        ),
                    );
                }
            }
        } else {
            collect_overrides(v, file, out);
        }
    }
}

/// An open `if`, `range`/`for`, `with` or `define` block of a template being rendered.
struct Block {
    /// Whether the current branch's lines are output.
    keep: bool,
    /// Whether some branch of it was output already (an `else` then is not).
    taken: bool,
    /// A loop whose kept body was marked with [`LOOP_BEGIN`].
    marked_loop: bool,
}

/// Renders a template; returns the text and how many expressions were left unevaluated.
/// Lines keep their numbers (dropped lines become empty), so findings point at the source.
pub fn render(source: &str, values: &Value, chart: &Value) -> Result<(String, usize), String> {
    let mut out = String::with_capacity(source.len());
    let mut unevaluated = 0;
    let mut blocks: Vec<Block> = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let keep = blocks.iter().all(|b| b.keep);
        let trimmed = line.trim();
        if let Some(action) = sole_action(trimmed) {
            let indent = &line[..line.len() - line.trim_start().len()];
            let word = action.split_whitespace().next().unwrap_or("");
            let rest = action[word.len()..].trim();
            // `{{ else if c }}` (Go templates) is `{% elif c %}` (Jinja).
            let (word, rest) = match (word, rest.strip_prefix("if ")) {
                ("else", Some(cond)) => ("elif", cond.trim()),
                _ => (word, rest),
            };
            match word {
                "if" | "with" => {
                    // A condition that is not a plain lookup is taken as true: the first branch
                    // is read, the others are not (reading all would give duplicate keys).
                    let known = truthy(rest, values);
                    if keep && known.is_none() {
                        unevaluated += 1;
                    }
                    let taken = !keep || known.unwrap_or(true);
                    blocks.push(Block {
                        keep: taken,
                        taken,
                        marked_loop: false,
                    });
                }
                // A loop's body is kept once, between marks (what it repeats is read; how often
                // is not known); a definition is not output where it is written.
                "range" | "for" => {
                    blocks.push(Block {
                        keep: true,
                        taken: true,
                        marked_loop: keep,
                    });
                    if keep {
                        unevaluated += 1;
                        out.push_str(indent);
                        out.push_str(LOOP_BEGIN);
                    }
                }
                "define" | "block" => blocks.push(Block {
                    keep: false,
                    taken: true,
                    marked_loop: false,
                }),
                "elif" => {
                    if let Some(top) = blocks.last_mut() {
                        top.keep = !top.taken && truthy(rest, values).unwrap_or(true);
                        top.taken |= top.keep;
                    }
                }
                "else" => {
                    if let Some(top) = blocks.last_mut() {
                        top.keep = !top.taken;
                        top.taken = true;
                    }
                }
                "end" | "endif" | "endfor" => {
                    let closed = blocks.pop();
                    if closed.is_some_and(|b| b.marked_loop) {
                        out.push_str(indent);
                        out.push_str(LOOP_END);
                    }
                }
                _ if keep => unevaluated += 1,
                _ => {}
            }
            out.push('\n');
            continue;
        }
        if !keep {
            out.push('\n');
            continue;
        }
        if line.matches("{{").count() != line.matches("}}").count() {
            return Err(format!("line {}: a template action spans lines", i + 1));
        }
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}").unwrap_or(after.len());
            match evaluate(after[..end].trim().trim_matches('-').trim(), values, chart) {
                Some(v) => out.push_str(&v),
                None => {
                    unevaluated += 1;
                    out.push_str(TEMPLATE_MARK);
                    // An expression used as a mapping key is numbered, so that two of them
                    // (`{{ zk_name }}:` and `{{ kafka_name }}:` under `services:`) stay two keys.
                    if after
                        .get(end + 2..)
                        .is_some_and(|rest| rest.starts_with(':'))
                    {
                        out.push('_');
                        out.push_str(&unevaluated.to_string());
                    }
                }
            }
            rest = after.get(end + 2..).unwrap_or("");
        }
        out.push_str(rest);
        out.push('\n');
    }
    Ok((out, unevaluated))
}

/// The action of a line that is nothing but one template action (`{{- if .Values.x }}`, or a
/// Jinja statement `{% if x %}`).
fn sole_action(line: &str) -> Option<&str> {
    let inner = match line.strip_prefix("{%").and_then(|l| l.strip_suffix("%}")) {
        Some(jinja) => jinja,
        None => line.strip_prefix("{{")?.strip_suffix("}}")?,
    };
    if inner.contains("{{") {
        return None;
    }
    Some(
        inner
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim(),
    )
}

fn lookup<'a>(path: &str, values: &'a Value, chart: &'a Value) -> Option<&'a Value> {
    let path = path.strip_prefix('$').unwrap_or(path);
    let (root, rest) = if let Some(r) = path.strip_prefix(".Values") {
        (values, r)
    } else if let Some(r) = path.strip_prefix(".Chart") {
        (chart, r)
    } else {
        return None;
    };
    rest.split('.')
        .filter(|s| !s.is_empty())
        .try_fold(root, |v, key| {
            // Helm's .Chart fields are capitalised (.Chart.Name); Chart.yaml keys are not.
            v.get(key).or_else(|| v.get(key.to_ascii_lowercase()))
        })
}

fn evaluate(expr: &str, values: &Value, chart: &Value) -> Option<String> {
    let mut stages = expr.split('|').map(str::trim);
    let head = stages.next()?;
    let mut value = lookup(head, values, chart)
        .filter(|v| !v.is_null())
        .and_then(scalar);
    for stage in stages {
        let mut words = stage.split_whitespace();
        match words.next()? {
            "quote" => value = value.map(|v| format!("\"{v}\"")),
            "default" if value.is_none() => {
                value = Some(words.next()?.trim_matches('"').to_owned())
            }
            "default" | "int" | "toString" | "trim" => {}
            _ => return None,
        }
    }
    value
}

/// Truthiness of `if .Values.x` as Helm decides it; `None` when the condition is not a lookup.
fn truthy(cond: &str, values: &Value) -> Option<bool> {
    if cond.split_whitespace().count() != 1 {
        return None;
    }
    let Some(v) = lookup(cond, values, &Value::Null) else {
        // A value the chart does not set is nil to Helm, and nil is false; anything else that
        // is not a lookup (a Jinja variable) is not known.
        let values_path = cond.trim_start_matches('$').starts_with(".Values");
        return (values_path && !values.is_null()).then_some(false);
    };
    Some(match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Value {
        serde_json::json!({"zookeeper": {"name": "zk", "replicas": 4}, "deployment": {"annotations": null}})
    }

    #[test]
    fn values_lookups_and_false_conditions_render() {
        let src = "metadata:\n  name: {{ $.Values.zookeeper.name }}\n  {{- if $.Values.deployment.annotations }}\n    annotations:\n{{ toYaml $.Values.deployment.annotations | nindent 8 }}\n  {{- end }}\nspec:\n  replicas: {{ .Values.zookeeper.replicas }}\n  app: {{ .Chart.Name }}\n";
        let chart = serde_json::json!({"name": "zkkafka"});
        let (text, unevaluated) = render(src, &values(), &chart).unwrap();
        let doc: Value = crate::yaml::from_str(&text).unwrap();
        assert_eq!(doc["metadata"]["name"], "zk");
        assert!(doc["metadata"].get("annotations").is_none());
        assert_eq!(doc["spec"]["replicas"], 4);
        assert_eq!(doc["spec"]["app"], "zkkafka");
        assert_eq!(unevaluated, 0);
        assert_eq!(
            text.lines().count(),
            src.lines().count(),
            "line numbers are kept"
        );
    }

    #[test]
    fn other_expressions_are_marked_not_guessed() {
        let src = "env:\n- name: ZOO_SERVERS\n  value: {{range $i, $e := until 3 }} server.{{$i}}=zk-{{$i}}:2888:3888 {{end}}\n- name: X\n  value: {{ .Values.missing | default \"5\" }}\n";
        let (text, unevaluated) = render(src, &values(), &Value::Null).unwrap();
        let doc: Value = crate::yaml::from_str(&text).unwrap();
        assert!(
            doc["env"][0]["value"]
                .as_str()
                .unwrap()
                .contains(TEMPLATE_MARK)
        );
        assert_eq!(
            doc["env"][1]["value"], 5,
            "the default is rendered unquoted, as Helm would"
        );
        assert_eq!(unevaluated, 4);
    }

    #[test]
    fn jinja_branches_and_loops_render_as_one_reading() {
        // An Ansible compose template: the first branch of an unknown condition is read, an
        // `elif`/`else` after it is not (both would give duplicate keys); a loop body is read
        // once between marks, so what it deploys is known to repeat.
        let src = "services:\n{% if a == 'b' %}\n  x: 1\n{% elif c %}\n  x: 2\n{% else %}\n  x: 3\n{% endif %}\n{% for k in kafkas %}\n  {{ k }}:\n    image: fabric-kafka\n  {{ k }}-ui:\n    image: ui\n{% endfor %}\n  orderer:\n    image: fabric-orderer\n";
        let (text, unevaluated) = render(src, &values(), &Value::Null).unwrap();
        let doc: Value = crate::yaml::from_str(&text).unwrap();
        let services = doc["services"].as_object().unwrap();
        assert_eq!(services["x"], 1);
        assert_eq!(services.len(), 4, "{text}");
        assert_eq!(
            unevaluated, 4,
            "the condition, the loop and two expressions"
        );
        let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        assert!(in_loop(&text, line_of("fabric-kafka")));
        assert!(!in_loop(&text, line_of("fabric-orderer")));
        assert_eq!(
            text.lines().count(),
            src.lines().count(),
            "line numbers are kept"
        );
        // Go templates' `else if` is Jinja's `elif`.
        let (text, _) = render(
            "{{ if .Values.missing }}\na: 1\n{{ else if .Values.zookeeper }}\na: 2\n{{ else }}\na: 3\n{{ end }}\n",
            &values(),
            &Value::Null,
        )
        .unwrap();
        assert_eq!(crate::yaml::from_str::<Value>(&text).unwrap()["a"], 2);
    }

    #[test]
    fn loop_marks_keep_block_scalars_intact() {
        let src = "args:\n- |-\n  COUNT=0\n  {{ range .Values.brokers }}\n  COUNT=1\n  {{ end }}\n  echo $COUNT\n";
        let (text, _) = render(src, &values(), &Value::Null).unwrap();
        let doc: Value = crate::yaml::from_str(&text).unwrap();
        assert!(doc["args"][0].as_str().unwrap().ends_with("echo $COUNT"));
    }

    #[test]
    fn multi_line_actions_are_refused() {
        assert!(render("a: {{ if\n .Values.x }}\n", &values(), &Value::Null).is_err());
    }
}
