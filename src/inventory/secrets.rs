//! Certificate material embedded in Kubernetes `Secret` and `ConfigMap` manifests.
//!
//! Operators keep MSP and TLS material in Secrets (base64 `data`, plain `stringData`) and
//! ConfigMaps (plain `data`, base64 `binaryData`), several documents to a file. Each value is
//! handed back as bytes with an origin naming the document, object and key, and a layout role
//! taken from the key's conventional name (`tls.crt`, `tls.key`, `ca.crt`).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::layout::{Layout, Role};
use super::{Origin, Problem};

/// One value from a Secret or ConfigMap, decoded to bytes.
#[derive(Debug)]
pub struct EmbeddedValue {
    pub origin: Origin,
    pub layout: Layout,
    /// Zeroed on drop: a value may be a private key.
    pub bytes: Zeroizing<Vec<u8>>,
}

/// One document, typed only as far as every Kubernetes kind agrees: other kinds' `data` may be
/// anything, and must not stop the Secrets beside them from being read.
#[derive(Debug, Deserialize)]
struct Manifest {
    kind: Option<serde_json::Value>,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default, rename = "stringData")]
    string_data: Option<serde_json::Value>,
    #[serde(default, rename = "binaryData")]
    binary_data: Option<serde_json::Value>,
}

/// The string entries of a `data`-like field, in key order.
fn entries(field: &Option<serde_json::Value>) -> BTreeMap<String, Option<String>> {
    let Some(serde_json::Value::Object(map)) = field else {
        return BTreeMap::new();
    };
    map.iter()
        .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
        .collect()
}

fn meta_field(doc: &Manifest, key: &str) -> Option<String> {
    doc.metadata.as_ref()?.get(key)?.as_str().map(str::to_owned)
}

/// Whether `text` may hold a Secret or ConfigMap worth parsing (a cheap filter before YAML).
pub fn may_hold_objects(text: &str) -> bool {
    text.contains("kind:") && (text.contains("Secret") || text.contains("ConfigMap"))
}

/// Extracts every value of every Secret and ConfigMap in a (multi-document) YAML file.
/// A file that does not parse as Kubernetes YAML yields nothing: it may be a Helm template or
/// another tool's YAML, which is not certificate material.
pub fn extract(path: &str, text: &str) -> (Vec<EmbeddedValue>, Vec<Problem>) {
    let mut values = Vec::new();
    let mut problems = Vec::new();
    let docs: Vec<Option<Manifest>> = match serde_saphyr::from_multiple(text) {
        Ok(docs) => docs,
        Err(_) => return (values, problems),
    };
    for (doc_idx, doc) in docs.into_iter().enumerate() {
        let Some(doc) = doc else { continue };
        let kind = match doc.kind.as_ref().and_then(|k| k.as_str()) {
            Some(k @ ("Secret" | "ConfigMap")) => k,
            _ => continue,
        };
        let object = format!(
            "{kind} {}/{}",
            meta_field(&doc, "namespace")
                .as_deref()
                .unwrap_or("default"),
            meta_field(&doc, "name").as_deref().unwrap_or("<unnamed>")
        );
        let (base64_maps, plain_maps) = if kind == "Secret" {
            (
                vec![("data", entries(&doc.data))],
                vec![("stringData", entries(&doc.string_data))],
            )
        } else {
            (
                vec![("binaryData", entries(&doc.binary_data))],
                vec![("data", entries(&doc.data))],
            )
        };
        let locator =
            |field: &str, key: &str| format!("document {}, {object}, {field}[{key}]", doc_idx + 1);
        let layout_for = |key: &str| Layout {
            role: Some(role_for_key(key)),
            // Keys of one object pair up (tls.crt with tls.key) like files of one tls/ folder.
            tls_dir: Some(format!("{path}#{object}")),
            ..Layout::default()
        };
        for (field, map) in &base64_maps {
            for (key, value) in map {
                let Some(value) = value else { continue };
                let origin = Origin::at(path, locator(field, key));
                let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                match STANDARD.decode(cleaned.as_bytes()) {
                    Ok(bytes) => values.push(EmbeddedValue {
                        origin,
                        layout: layout_for(key),
                        bytes: Zeroizing::new(bytes),
                    }),
                    Err(e) => problems.push(Problem {
                        origin,
                        expected: "base64 value",
                        reason: format!("malformed base64 in {field}[{key}]: {e}"),
                    }),
                }
            }
        }
        for (field, map) in &plain_maps {
            for (key, value) in map {
                let Some(value) = value else { continue };
                values.push(EmbeddedValue {
                    origin: Origin::at(path, locator(field, key)),
                    layout: layout_for(key),
                    bytes: Zeroizing::new(value.clone().into_bytes()),
                });
            }
        }
    }
    (values, problems)
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
