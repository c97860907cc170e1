//! Certificate material embedded in Kubernetes `Secret` and `ConfigMap` manifests, and the pod
//! templates that mount them.
//!
//! Operators keep MSP and TLS material in Secrets (base64 `data`, plain `stringData`) and
//! ConfigMaps (plain `data`, base64 `binaryData`), several documents to a file. Each value is
//! handed back as bytes with an origin naming the document, object and key, and a layout role
//! taken from the key's conventional name (`tls.crt`, `tls.key`, `ca.crt`). Workloads' pod
//! templates come back too, so [`super::mounts`] can put the files a pod sees back together.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use zeroize::Zeroizing;

use super::layout::{Layout, Role};
use super::mounts::{self, PodMounts};
use super::{Origin, Problem};

/// A Kubernetes object as `kubectl` names it: `Secret org1/peer0-tls`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub kind: String,
    /// `default` when the manifest names none, as `kubectl apply` places it.
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    /// The object `doc` describes, if it has a kind.
    pub fn of(doc: &Value) -> Option<ObjectRef> {
        let meta = |key: &str| {
            doc.pointer(&format!("/metadata/{key}"))
                .and_then(Value::as_str)
        };
        Some(ObjectRef {
            kind: doc.get("kind")?.as_str()?.to_owned(),
            namespace: meta("namespace").unwrap_or("default").to_owned(),
            name: meta("name").unwrap_or("<unnamed>").to_owned(),
        })
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// One value from a Secret or ConfigMap, decoded to bytes.
#[derive(Debug)]
pub struct EmbeddedValue {
    pub origin: Origin,
    pub layout: Layout,
    /// The Secret or ConfigMap, and where it is in its file (1-based document).
    pub object: ObjectRef,
    pub document: usize,
    /// `data`, `stringData` or `binaryData`.
    pub field: &'static str,
    pub key: String,
    /// Zeroed on drop: a value may be a private key.
    pub bytes: Zeroizing<Vec<u8>>,
}

/// What one manifest file holds for the certificate checks.
#[derive(Debug, Default)]
pub struct Objects {
    /// Every value of every Secret and ConfigMap, in document and key order.
    pub values: Vec<EmbeddedValue>,
    /// Workloads whose pods mount Secret or ConfigMap volumes.
    pub pods: Vec<PodMounts>,
    pub problems: Vec<Problem>,
    /// Values that are template expressions (a Helm chart's
    /// `tls.crt: '{{ .Files.Get "tls.crt" | b64enc }}'`): what they hold is only known once
    /// rendered, so they are not evaluated, and not malformed base64 either.
    pub templated: Vec<Origin>,
}

/// The string entries of a `data`-like field, in key order.
fn entries(field: Option<&Value>) -> BTreeMap<String, Option<String>> {
    let Some(Value::Object(map)) = field else {
        return BTreeMap::new();
    };
    map.iter()
        .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
        .collect()
}

/// Whether `text` may hold a Secret, a ConfigMap, or a workload mounting one (a cheap filter
/// before YAML).
pub fn may_hold_objects(text: &str) -> bool {
    text.contains("kind:")
        && (text.contains("Secret")
            || text.contains("ConfigMap")
            || text.contains("secretName")
            || text.contains("configMap"))
}

/// Extracts every value of every Secret and ConfigMap in a (multi-document) YAML file.
pub fn extract(path: &str, text: &str) -> (Vec<EmbeddedValue>, Vec<Problem>) {
    let objects = read_objects(path, text);
    (objects.values, objects.problems)
}

/// Reads the Secrets' and ConfigMaps' values and the workloads' mounts of a (multi-document)
/// YAML file. A file that does not parse as YAML yields nothing: it may be a Helm template or
/// another tool's YAML, which is not certificate material. Other kinds' `data` may be anything
/// and never stops the Secrets beside them from being read.
pub fn read_objects(path: &str, text: &str) -> Objects {
    let mut out = Objects::default();
    let Ok(docs) = crate::yaml::from_multiple::<Value>(text) else {
        return out;
    };
    for (doc_idx, doc) in docs.iter().enumerate() {
        let Some(object) = ObjectRef::of(doc) else {
            continue;
        };
        if !matches!(object.kind.as_str(), "Secret" | "ConfigMap") {
            out.pods.extend(mounts::pod_mounts(path, object, doc));
            continue;
        }
        read_values(
            path,
            doc_idx + 1,
            object,
            doc,
            text.contains("{{"),
            &mut out,
        );
    }
    out
}

/// Whether a value is (or holds) a template expression rather than data.
fn is_template(value: &str) -> bool {
    value.contains("{{") && value.contains("}}")
}

/// Reads one Secret's or ConfigMap's values. In a file holding template syntax, a value that
/// is not a string is an unquoted `{{ … }}` the YAML parser read as a mapping: a template too.
fn read_values(
    path: &str,
    document: usize,
    object: ObjectRef,
    doc: &Value,
    templated_file: bool,
    out: &mut Objects,
) {
    let secret = object.kind == "Secret";
    // Base64 fields first: a Secret's stringData wins over its data for the same key, as the
    // API server merges them, and later values of a key win when pods' files are laid out.
    let (base64_field, plain_field) = if secret {
        ("data", "stringData")
    } else {
        ("binaryData", "data")
    };
    let locator = |field: &str, key: &str| format!("document {document}, {object}, {field}[{key}]");
    let layout_for = |key: &str| Layout {
        role: Some(role_for_key(key)),
        // Keys of one object pair up (tls.crt with tls.key) like files of one tls/ folder.
        tls_dir: Some(format!("{path}#{object}")),
        ..Layout::default()
    };
    // A value to read, or none: a template expression (or a value missing from a templated
    // file) is recorded as not evaluated.
    let literal = |value: Option<String>, origin: &Origin, templated: &mut Vec<Origin>| match value
    {
        Some(v) if !is_template(&v) => Some(v),
        Some(_) => {
            templated.push(origin.clone());
            None
        }
        None if templated_file => {
            templated.push(origin.clone());
            None
        }
        None => None,
    };
    for (key, value) in entries(doc.get(base64_field)) {
        let origin = Origin::at(path, locator(base64_field, &key));
        let Some(value) = literal(value, &origin, &mut out.templated) else {
            continue;
        };
        let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        match STANDARD.decode(cleaned.as_bytes()) {
            Ok(bytes) => out.values.push(EmbeddedValue {
                origin,
                layout: layout_for(&key),
                object: object.clone(),
                document,
                field: base64_field,
                key,
                bytes: Zeroizing::new(bytes),
            }),
            Err(e) => out.problems.push(Problem {
                origin,
                expected: "base64 value",
                reason: format!("malformed base64 in {base64_field}[{key}]: {e}"),
            }),
        }
    }
    for (key, value) in entries(doc.get(plain_field)) {
        let origin = Origin::at(path, locator(plain_field, &key));
        let Some(value) = literal(value, &origin, &mut out.templated) else {
            continue;
        };
        out.values.push(EmbeddedValue {
            origin,
            layout: layout_for(&key),
            object: object.clone(),
            document,
            field: plain_field,
            key,
            bytes: Zeroizing::new(value.into_bytes()),
        });
    }
}

fn role_for_key(key: &str) -> Role {
    match key {
        "tls.crt" | "server.crt" => Role::TlsServerCert,
        "tls.key" | "server.key" => Role::TlsServerKey,
        "ca.crt" | "tlsca.crt" => Role::TlsCa,
        "client.crt" => Role::TlsClientCert,
        "client.key" => Role::TlsClientKey,
        _ => Role::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_data_and_configmap_values_are_extracted() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: peer0-tls\n  namespace: org1\ndata:\n  tls.crt: aGVsbG8=\n  tls.key: d29ybGQ=\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ca\ndata:\n  ca.crt: plain\n---\nkind: Service\nmetadata:\n  name: x\n";
        let (values, problems) = extract("s.yaml", text);
        assert!(problems.is_empty());
        assert_eq!(values.len(), 3);
        assert_eq!(values[0].bytes.as_slice(), b"hello");
        assert_eq!(values[0].layout.role, Some(Role::TlsServerCert));
        assert_eq!(
            values[0].origin.locator.as_deref(),
            Some("document 1, Secret org1/peer0-tls, data[tls.crt]")
        );
        assert_eq!(values[1].layout.role, Some(Role::TlsServerKey));
        assert_eq!(values[0].layout.tls_dir, values[1].layout.tls_dir);
        assert_eq!(values[2].bytes.as_slice(), b"plain");
        assert_eq!(
            values[2].origin.locator.as_deref(),
            Some("document 2, ConfigMap default/ca, data[ca.crt]")
        );
    }

    #[test]
    fn malformed_base64_names_the_key() {
        let text = "kind: Secret\nmetadata:\n  name: bad\ndata:\n  tls.crt: '!!notbase64'\n";
        let (values, problems) = extract("s.yaml", text);
        assert!(values.is_empty());
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .reason
                .contains("malformed base64 in data[tls.crt]")
        );
        assert!(
            problems[0]
                .origin
                .locator
                .as_deref()
                .unwrap()
                .contains("Secret default/bad")
        );
    }

    #[test]
    fn other_kinds_with_nested_data_do_not_hide_secrets() {
        let text = "kind: FabricPeer\nmetadata:\n  name: p\ndata:\n  nested:\n    deep: 1\n---\nkind: Secret\nmetadata:\n  name: s\ndata:\n  tls.crt: aGVsbG8=\n";
        let (values, problems) = extract("s.yaml", text);
        assert!(problems.is_empty());
        assert_eq!(values.len(), 1);
        assert_eq!(values[0].bytes.as_slice(), b"hello");
    }

    #[test]
    fn helm_expressions_in_data_are_templates_not_broken_base64() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: orderer-tls\ndata:\n  tls.crt: '{{ .Files.Get \"files/tls.crt\" | b64enc }}'\n  ca.crt: aGVsbG8=\nstringData:\n  tls.key: \"{{ .Values.key }}\"\n";
        let objects = read_objects("t.yaml", text);
        assert!(objects.problems.is_empty(), "{:?}", objects.problems);
        let templated: Vec<String> = objects.templated.iter().map(ToString::to_string).collect();
        assert_eq!(templated.len(), 2, "{templated:?}");
        assert!(templated[0].contains("Secret default/orderer-tls, data[tls.crt]"));
        assert!(templated[1].contains("stringData[tls.key]"));
        assert_eq!(objects.values.len(), 1, "the literal value is still read");
        assert_eq!(objects.values[0].bytes.as_slice(), b"hello");
        // Unquoted, `{{ … }}` is YAML flow syntax: the parser reads a mapping, not a string.
        let text = "kind: ConfigMap\nmetadata:\n  name: c\nbinaryData:\n  genesis.block: {{ .Values.block }}\n";
        let objects = read_objects("t.yaml", text);
        assert!(objects.problems.is_empty() && objects.values.is_empty());
        assert!(
            objects.templated.len() <= 1,
            "read as a template or not at all"
        );
    }

    #[test]
    fn templates_and_other_yaml_yield_nothing() {
        let (v, p) = extract(
            "t.yaml",
            "kind: Secret\ndata:\n  a: {{ .Values.x }}\n  b: [\n",
        );
        assert!(v.is_empty() && p.is_empty());
        assert!(!may_hold_objects("kind: Deployment\n"));
        assert!(may_hold_objects("kind: Secret\n"));
    }
}
