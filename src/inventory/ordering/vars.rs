//! Variable substitution as docker compose does it: `$VAR`, `${VAR}`, `${VAR:-default}`,
//! `${VAR-default}`, `${VAR:?error}`, `${VAR?error}` and `$$` for a literal `$`, with values
//! from the project's `.env` file. A variable with no value is reported, never guessed.

use std::collections::BTreeMap;
use std::path::Path;

/// The result of substituting one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    pub value: String,
    /// Variables that had no value (left as written in `value`).
    pub unresolved: Vec<String>,
}

/// Reads a `.env` file: `KEY=VALUE` lines, `#` comments, optional `export `, quotes stripped.
pub fn read_env_file(path: &Path) -> Option<BTreeMap<String, String>> {
    let text = super::yaml::read_text(path).ok()?;
    Some(parse_env(&text))
}

pub fn parse_env(text: &str) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                .unwrap_or(v);
            vars.insert(k.trim().to_owned(), v.to_owned());
        }
    }
    vars
}

/// Substitutes variables in `input` from `vars`.
pub fn substitute(input: &str, vars: &BTreeMap<String, String>) -> Substituted {
    let mut out = String::with_capacity(input.len());
    let mut unresolved = Vec::new();
    let mut rest = input;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(braced) = rest.strip_prefix('{') {
            let Some(end) = braced.find('}') else {
                // Unterminated: compose rejects the file; keep the text and report the name.
                out.push('$');
                out.push_str(rest);
                unresolved.push(braced.to_owned());
                rest = "";
                break;
            };
            let expr = &braced[..end];
            rest = &braced[end + 1..];
            let (name, op, arg) = split_expr(expr);
            let value = vars.get(name);
            let empty = value.is_none_or(|v| v.is_empty());
            match (op, value) {
                (":-", _) if empty => out.push_str(arg),
                ("-", None) => out.push_str(arg),
                (_, Some(v)) if !(op.starts_with(':') && v.is_empty()) => out.push_str(v),
                _ => {
                    out.push_str("${");
                    out.push_str(expr);
                    out.push('}');
                    unresolved.push(name.to_owned());
                }
            }
        } else {
            let starts_name = rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if !starts_name || len == 0 {
                out.push('$');
                continue;
            }
            let name = &rest[..len];
            rest = &rest[len..];
            match vars.get(name) {
                Some(v) => out.push_str(v),
                None => {
                    out.push('$');
                    out.push_str(name);
                    unresolved.push(name.to_owned());
                }
            }
        }
    }
    out.push_str(rest);
    Substituted {
        value: out,
        unresolved,
    }
}

fn split_expr(expr: &str) -> (&str, &str, &str) {
    for op in [":-", ":?", "-", "?"] {
        if let Some(i) = expr.find(op) {
            return (&expr[..i], op, &expr[i + op.len()..]);
        }
    }
    (expr, "", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        parse_env("# tags\nIMAGE_TAG=1.4.9\nexport EMPTY=\nQUOTED=\"a b\"\n")
    }

    #[test]
    fn forms_of_substitution() {
        let v = vars();
        assert_eq!(
            substitute("fabric-kafka:$IMAGE_TAG", &v).value,
            "fabric-kafka:1.4.9"
        );
        assert_eq!(substitute("${IMAGE_TAG}", &v).value, "1.4.9");
        assert_eq!(substitute("${MISSING:-latest}", &v).value, "latest");
        assert_eq!(substitute("${EMPTY:-dflt}", &v).value, "dflt");
        assert_eq!(substitute("${EMPTY-dflt}", &v).value, "");
        assert_eq!(substitute("${MISSING-dflt}", &v).value, "dflt");
        assert_eq!(substitute("$$HOME", &v).value, "$HOME");
        assert_eq!(substitute("${QUOTED}", &v).value, "a b");
        assert_eq!(substitute("price $5", &v).value, "price $5");
    }

    #[test]
    fn unresolved_variables_are_reported_not_guessed() {
        let s = substitute("${ORDERER1_TLS}/x and $NETWORK", &vars());
        assert_eq!(s.value, "${ORDERER1_TLS}/x and $NETWORK");
        assert_eq!(s.unresolved, vec!["ORDERER1_TLS", "NETWORK"]);
        let s = substitute("${REQUIRED:?must be set}", &vars());
        assert_eq!(s.unresolved, vec!["REQUIRED"]);
        let s = substitute("${OPEN", &vars());
        assert_eq!(s.unresolved, vec!["OPEN"]);
    }
}
