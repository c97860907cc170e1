//! The check catalogue: id, title, severity, rationale, remediation and source of every check.
//!
//! The text lives in `checks/*.yaml` (one file per area), embedded into the binary, so that
//! `explain`, `checks list`, the README table and every report read the same words. Behaviour
//! lives in `src/checks/`; a test keeps the two in one-to-one agreement.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// How much a failed check matters; the gate threshold (`--fail-on`) compares against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Stable id, e.g. `X509-001`. Never reused for another meaning.
    pub id: String,
    /// Kebab-case name of the defect, e.g. `leaf-predates-issuer`.
    pub name: String,
    pub title: String,
    pub severity: Severity,
    pub rationale: String,
    pub remediation: String,
    /// Where the rule comes from: Fabric docs, a FAB/FABC ticket, operator experience.
    pub source: String,
}

/// One `checks/<area>.yaml` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaFile {
    area: String,
    title: String,
    checks: Vec<Entry>,
}

/// An area of the catalogue (`X509`, `KAFKA`, …) with its entries in id order.
#[derive(Debug, Clone)]
pub struct Area {
    pub area: String,
    pub title: String,
    pub entries: Vec<Entry>,
}

/// The embedded catalogue files, by name, in display order.
const SOURCES: &[(&str, &str)] = &[
    ("checks/x509.yaml", include_str!("../checks/x509.yaml")),
    ("checks/kafka.yaml", include_str!("../checks/kafka.yaml")),
    (
        "checks/zookeeper.yaml",
        include_str!("../checks/zookeeper.yaml"),
    ),
    ("checks/tls.yaml", include_str!("../checks/tls.yaml")),
    ("checks/dns.yaml", include_str!("../checks/dns.yaml")),
    ("checks/health.yaml", include_str!("../checks/health.yaml")),
    ("checks/logs.yaml", include_str!("../checks/logs.yaml")),
    ("checks/deploy.yaml", include_str!("../checks/deploy.yaml")),
    (
        "checks/channel.yaml",
        include_str!("../checks/channel.yaml"),
    ),
    ("checks/raft.yaml", include_str!("../checks/raft.yaml")),
];

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("failed to parse {file}: {message}")]
    Parse { file: &'static str, message: String },
    #[error("failed to load {file}: id {id} appears more than once")]
    DuplicateId { file: &'static str, id: String },
    #[error("failed to load {file}: id {id} does not start with area prefix {area}-")]
    WrongArea {
        file: &'static str,
        id: String,
        area: String,
    },
}

/// The whole catalogue.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub areas: Vec<Area>,
}

impl Catalogue {
    /// The catalogue embedded in this binary. Its validity is enforced by tests, so a broken
    /// catalogue cannot ship; loading it again per call would only repeat that work.
    pub fn embedded() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| match Catalogue::parse(SOURCES) {
            Ok(c) => c,
            Err(e) => panic!("embedded catalogue is invalid (caught by tests): {e}"),
        })
    }

    pub fn parse(sources: &[(&'static str, &str)]) -> Result<Catalogue, CatalogueError> {
        let mut seen = BTreeSet::new();
        let mut areas = Vec::new();
        for &(file, text) in sources {
            let parsed: AreaFile =
                crate::yaml::from_str(text).map_err(|e| CatalogueError::Parse {
                    file,
                    message: e.to_string(),
                })?;
            for entry in &parsed.checks {
                if !entry.id.starts_with(&format!("{}-", parsed.area)) {
                    return Err(CatalogueError::WrongArea {
                        file,
                        id: entry.id.clone(),
                        area: parsed.area.clone(),
                    });
                }
                if !seen.insert(entry.id.clone()) {
                    return Err(CatalogueError::DuplicateId {
                        file,
                        id: entry.id.clone(),
                    });
                }
            }
            let mut entries = parsed.checks;
            entries.sort_by(|a, b| a.id.cmp(&b.id));
            areas.push(Area {
                area: parsed.area,
                title: parsed.title,
                entries,
            });
        }
        Ok(Catalogue { areas })
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.areas.iter().flat_map(|a| a.entries.iter())
    }

    /// Looks an entry up by id, case-insensitively (`x509-001` finds `X509-001`).
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries().find(|e| e.id.eq_ignore_ascii_case(id))
    }

    /// Renders the catalogue as the Markdown table the README carries.
    pub fn markdown_table(&self) -> String {
        let mut out = String::from("| id | name | severity | title |\n|---|---|---|---|\n");
        for e in self.entries() {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                e.id, e.name, e.severity, e.title
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_parses() {
        let c = Catalogue::parse(SOURCES).expect("catalogue parses");
        assert!(c.entries().count() > 0);
        for e in c.entries() {
            assert!(!e.rationale.trim().is_empty(), "{} has no rationale", e.id);
            assert!(
                !e.remediation.trim().is_empty(),
                "{} has no remediation",
                e.id
            );
            assert!(!e.source.trim().is_empty(), "{} has no source", e.id);
        }
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let text = "area: X\ntitle: t\nchecks:\n  - {id: X-001, name: a, title: t, severity: error, rationale: r, remediation: r, source: s}\n  - {id: X-001, name: b, title: t, severity: error, rationale: r, remediation: r, source: s}\n";
        let err = Catalogue::parse(&[("x.yaml", text)]).unwrap_err();
        assert!(matches!(err, CatalogueError::DuplicateId { .. }), "{err}");
    }

    #[test]
    fn ids_must_carry_their_area_prefix() {
        let text = "area: X\ntitle: t\nchecks:\n  - {id: Y-001, name: a, title: t, severity: error, rationale: r, remediation: r, source: s}\n";
        let err = Catalogue::parse(&[("x.yaml", text)]).unwrap_err();
        assert!(matches!(err, CatalogueError::WrongArea { .. }), "{err}");
    }

    #[test]
    fn lookup_ignores_case() {
        let c = Catalogue::embedded();
        let first = c.entries().next().unwrap();
        assert_eq!(c.get(&first.id.to_lowercase()).unwrap().id, first.id);
    }
}
