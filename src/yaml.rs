//! Reading YAML: every file Fabric tooling reads must parse, within the parser's limits on
//! aliases, depth and size.
//!
//! serde-saphyr captures comments by default (the `comments` feature, which kube-client turns
//! on for the whole build) and, while it looks ahead for a key, buffers at most 96 comment
//! events; fabric-ca-server-config.yaml, fabric-ca-client-config.yaml and Fabric's core.yaml
//! carry more than that between two keys and were refused ("too many buffered comments while
//! looking ahead"). fabcheck never reads comments through serde, so they are recognised and
//! validated but not captured. The other budgets (alias expansion, nesting, document size)
//! stay the library's defaults.

use serde::Deserialize;

/// The parser options every YAML read uses.
fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.emit_comments = false;
    options
}

/// Every document, a key given twice in one mapping keeping its last value — how Compose v1
/// (PyYAML) and go-yaml v2 read such a file; Compose v2 refuses it. Callers say so.
pub fn from_multiple_last_wins<'de, T: Deserialize<'de>>(
    text: &'de str,
) -> Result<Vec<T>, serde_saphyr::Error> {
    let mut options = options();
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::LastWins;
    serde_saphyr::from_multiple_with_options(text, options)
}

/// Whether a parse failed only on a key given twice.
pub fn is_duplicate_key(error: &serde_saphyr::Error) -> bool {
    error.to_string().contains("duplicate mapping key")
}

/// One document.
pub fn from_str<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, options())
}

/// Every document of a multi-document stream.
pub fn from_multiple<'de, T: Deserialize<'de>>(
    text: &'de str,
) -> Result<Vec<T>, serde_saphyr::Error> {
    serde_saphyr::from_multiple_with_options(text, options())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_heavy_files_parse() {
        // fabric-ca-server-config.yaml and core.yaml carry hundreds of comment lines between
        // keys; a parser that buffers comments while looking ahead must not refuse them.
        let mut text = String::from("csr:\n");
        for i in 0..400 {
            text.push_str(&format!("  # comment line {i}\n"));
        }
        text.push_str("  cn: fabric-ca-server\n  # trailing\n  names:\n    # more\n    - C: US\n");
        let v: serde_json::Value = from_str(&text).expect("valid YAML parses");
        assert_eq!(v["csr"]["cn"], "fabric-ca-server");
    }

    #[test]
    fn a_duplicate_key_is_refused_strictly_and_read_last_wins_on_request() {
        let text = "services:\n  zk:\n    environment:\n      A: 1\n    environment:\n      A: 2\n";
        let err = from_multiple::<serde_json::Value>(text).unwrap_err();
        assert!(is_duplicate_key(&err), "{err}");
        let docs: Vec<serde_json::Value> = from_multiple_last_wins(text).unwrap();
        assert_eq!(docs[0]["services"]["zk"]["environment"]["A"], 2);
    }
}
