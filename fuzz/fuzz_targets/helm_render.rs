//! Helm templates rendered as far as fabcheck renders them (`.Values`/`.Chart` lookups, `if`,
//! `quote`, `default`), then parsed as YAML as the gatherer does. Input: the template, a NUL,
//! the chart's values.yaml. Invariants: no panic; without values every line keeps its number
//! (findings point at the template's lines), and an unevaluated expression is marked.
#![no_main]

use fabcheck::inventory::ordering::helm::{TEMPLATE_MARK, render};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (template, values) = text.split_once('\0').unwrap_or((&text, ""));
    if let Ok((out, unevaluated)) = render(template, &Value::Null, &Value::Null) {
        assert_eq!(
            out.lines().count(),
            template.lines().count(),
            "{template:?} -> {out:?}"
        );
        if out.contains(TEMPLATE_MARK) && !template.contains(TEMPLATE_MARK) {
            assert!(unevaluated > 0);
        }
    }
    let values: Value = fabcheck::yaml::from_str::<Option<Value>>(values)
        .ok()
        .flatten()
        .unwrap_or(Value::Null);
    let chart: Value = serde_json::json!({"name": "kafka", "version": "0.1.0"});
    if let Ok((out, _)) = render(template, &values, &chart) {
        let _ = fabcheck::yaml::from_multiple::<Value>(&out);
    }
});
