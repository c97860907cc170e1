//! SARIF 2.1.0 (OASIS), for GitHub code scanning and other SARIF viewers: one rule per check
//! with the catalogue's text, one result per finding that is not a pass or a skip, placed at the
//! file and line the gatherers recorded, so the offending line of a compose file or manifest is
//! annotated. Findings about endpoints and cluster objects carry a logical location instead.
//! Waived findings are suppressed (with the waiver's reason); with a baseline, each result says
//! whether it is new or unchanged.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};

use crate::catalogue::{Catalogue, Severity};
use crate::finding::{Finding, Report, Status, TargetKind};

/// The schema SARIF files name (the OASIS 2.1.0 schema, as SchemaStore serves it).
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Writes `report` as a SARIF 2.1.0 log with one run.
pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report))?;
    out.write_all(b"\n")
}

fn log(report: &Report) -> Value {
    let catalogue = Catalogue::embedded();
    // Every check the report has a finding of gets a rule, so each result's index is valid.
    let ids: Vec<&str> = {
        let mut ids: Vec<&str> = report
            .findings
            .iter()
            .map(|f| f.check_id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let index: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules: Vec<Value> = ids.iter().map(|id| rule(catalogue, id)).collect();
    let baseline_used = report.summary.known > 0;
    let results: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| !matches!(f.status, Status::Pass | Status::Skip))
        .map(|f| result(f, index[f.check_id.as_str()], baseline_used))
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": "https://hyperledger-fabric.readthedocs.io/",
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "properties": {
                    "evaluatedAt": report.evaluated_at,
                    "source": report.source,
                    "summary": report.summary,
                },
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(catalogue: &Catalogue, id: &str) -> Value {
    let Some(entry) = catalogue.get(id) else {
        // A finding of a check the catalogue lacks (a report from another version).
        return json!({ "id": id });
    };
    let area = id.split('-').next().unwrap_or(id);
    let mut rule = json!({
        "id": entry.id,
        "name": entry.name,
        "shortDescription": { "text": entry.title },
        "fullDescription": { "text": entry.rationale },
        "help": {
            "text": format!("{}\n\nFix: {}\n\nSee `fabcheck explain {}`.", entry.rationale, entry.remediation, entry.id),
            "markdown": format!(
                "**Why it matters.** {}\n\n**How to fix.** {}\n\n`fabcheck explain {}` prints this; source: {}",
                entry.rationale, entry.remediation, entry.id, entry.source
            ),
        },
        "defaultConfiguration": { "level": level(entry.severity) },
        "properties": { "tags": [area, "hyperledger-fabric"] },
    });
    // The catalogue's source is a link where the rule comes from Fabric's docs or an issue.
    if let Some(uri) = entry
        .source
        .split_whitespace()
        .find(|w| w.starts_with("https://"))
    {
        let uri = uri.trim_end_matches([',', '.', ')', ';']);
        rule["helpUri"] = uri.into();
    }
    rule
}

fn result(f: &Finding, rule_index: usize, baseline_used: bool) -> Value {
    let level = match f.status {
        Status::Error => "error",
        Status::Warn => "warning",
        _ => level(f.severity),
    };
    let mut result = json!({
        "ruleId": f.check_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": { "text": f.message },
        "locations": [location(f)],
        "partialFingerprints": { "fabcheckTarget/v1": fingerprint(f) },
        "properties": { "status": f.status, "evidence": f.evidence },
    });
    if let Some(w) = &f.waived {
        result["suppressions"] = json!([{
            "kind": "external",
            "justification": w.reason,
            "properties": { "expires": w.expires },
        }]);
    }
    if baseline_used {
        result["baselineState"] = if f.known { "unchanged" } else { "new" }.into();
    }
    result
}

/// Where a finding is: a file (and line) when the target or its locator names one, otherwise
/// the endpoint or object by name.
fn location(f: &Finding) -> Value {
    let locator = f.target.locator.as_deref().unwrap_or("");
    let file = match f.target.kind {
        TargetKind::File | TargetKind::Msp => Some(f.target.name.as_str()),
        // `chaincode of org1/peer0` with locator `manifests/peer0.yaml (document 1, …, line 4)`.
        _ => file_in_locator(locator),
    };
    let Some(file) = file else {
        let kind = match f.target.kind {
            TargetKind::Endpoint => "endpoint",
            TargetKind::Object => "object",
            _ => "source",
        };
        return json!({
            "logicalLocations": [{ "name": f.target.to_string(), "kind": kind }],
            "message": { "text": f.target.to_string() },
        });
    };
    let mut artifact = json!({ "uri": uri(file) });
    if !file.starts_with('/') {
        artifact["uriBaseId"] = "%SRCROOT%".into();
    }
    let mut physical = json!({ "artifactLocation": artifact });
    if let Some((line, column)) = line_and_column(locator) {
        let mut region = json!({ "startLine": line });
        if let Some(column) = column {
            region["startColumn"] = column.into();
        }
        physical["region"] = region;
    }
    let mut location = json!({ "physicalLocation": physical });
    if !locator.is_empty() {
        location["message"] = json!({ "text": locator });
    }
    location
}

/// A file a locator starts with (`path/to/file.yaml (document 1, line 4)`).
fn file_in_locator(locator: &str) -> Option<&str> {
    let (head, _) = locator.split_once(" (")?;
    let looks_like_file = head.contains('/')
        && [
            ".yaml", ".yml", ".json", ".pem", ".crt", ".env", ".conf", ".block", ".tx",
        ]
        .iter()
        .any(|ext| head.ends_with(ext));
    looks_like_file.then_some(head)
}

/// `line N` (and `column M`) where the locator says; never invented.
fn line_and_column(locator: &str) -> Option<(u64, Option<u64>)> {
    let number_after = |word: &str| -> Option<u64> {
        let mut rest = locator;
        while let Some(at) = rest.find(word) {
            let before_ok = at == 0 || !rest.as_bytes()[at - 1].is_ascii_alphanumeric();
            let after = &rest[at + word.len()..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            if before_ok && !digits.is_empty() {
                return digits.parse().ok().filter(|n| *n > 0);
            }
            rest = after;
        }
        None
    };
    let line = number_after("line ")?;
    Some((line, number_after("column ")))
}

/// A relative or absolute URI reference for a path: `./` dropped, reserved characters and
/// spaces percent-encoded, `/` kept.
fn uri(path: &str) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The same check on the same target is the same alert from run to run.
fn fingerprint(f: &Finding) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{}\n{}", f.check_id, f.target).as_bytes(),
    );
    digest
        .as_ref()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{AppliedWaiver, Target};

    fn sarif(findings: Vec<Finding>) -> Value {
        let mut out = Vec::new();
        let report = Report::new("2026-12-05T00:00:00Z".into(), "s".into(), findings);
        render(&report, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn lines_and_columns_come_only_from_the_locator() {
        assert_eq!(line_and_column("service kafka0, line 14"), Some((14, None)));
        assert_eq!(
            line_and_column("PEM block 2 at line 3 column 7"),
            Some((3, Some(7)))
        );
        assert_eq!(line_and_column("certificate 2"), None);
        assert_eq!(line_and_column("pipeline 5"), None, "not a line");
        assert_eq!(line_and_column("line 0"), None, "SARIF lines start at 1");
    }

    #[test]
    fn uris_are_encoded_references() {
        assert_eq!(uri("./a b/c#1.pem"), "a%20b/c%231.pem");
        assert_eq!(uri("/abs/x.yaml"), "file:///abs/x.yaml");
    }

    #[test]
    fn results_map_status_severity_waivers_and_places() {
        let mut waived = Finding::example("X509-002", Status::Fail, "a.pem", "expired");
        waived.waived = Some(AppliedWaiver {
            reason: "renewal booked".into(),
            expires: "2026-12-31".into(),
        });
        let mut compose = Finding::example("KAFKA-001", Status::Warn, "compose.yaml", "w");
        compose.target.locator = Some("service kafka0, line 12".into());
        let mut endpoint = Finding::example("TLS-001", Status::Error, "peer0:7051", "refused");
        endpoint.target = Target::new(TargetKind::Endpoint, "peer0:7051");
        let mut chaincode = Finding::example("DNS-001", Status::Fail, "x", "no dns");
        chaincode.target = Target::new(TargetKind::Object, "chaincode of org1/peer0")
            .with_locator(Some("manifests/peer0.yaml (document 1, line 4)".into()));
        let pass = Finding::example("X509-001", Status::Pass, "a.pem", "ok");
        let log = sarif(vec![waived, compose, endpoint, chaincode, pass]);
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 4, "the pass is not a result");
        for r in results {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
            assert!(r.get("baselineState").is_none(), "no baseline in use");
        }
        let by_rule = |id: &str| results.iter().find(|r| r["ruleId"] == id).unwrap();
        let dns = &by_rule("DNS-001")["locations"][0]["physicalLocation"];
        assert_eq!(dns["artifactLocation"]["uri"], "manifests/peer0.yaml");
        assert_eq!(dns["region"]["startLine"], 4);
        let kafka = by_rule("KAFKA-001");
        assert_eq!(kafka["level"], "warning");
        assert_eq!(
            kafka["locations"][0]["physicalLocation"]["region"]["startLine"],
            12
        );
        let tls = by_rule("TLS-001");
        assert_eq!(tls["level"], "error");
        assert_eq!(
            tls["locations"][0]["logicalLocations"][0]["name"],
            "peer0:7051"
        );
        let x509 = by_rule("X509-002");
        assert_eq!(x509["suppressions"][0]["justification"], "renewal booked");
        assert_eq!(x509["level"], "error");
    }

    #[test]
    fn with_a_baseline_results_say_new_or_unchanged() {
        let mut known = Finding::example("X509-002", Status::Fail, "a.pem", "expired");
        known.known = true;
        let new = Finding::example("X509-002", Status::Fail, "b.pem", "expired");
        let log = sarif(vec![known, new]);
        let states: Vec<&str> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["baselineState"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["unchanged", "new"]);
    }
}
