//! X509-009 `unreadable-material`: certificate or key material that cannot be read or parsed.
//!
//! Every problem met while gathering (a truncated PEM block, a PEM block of another type where
//! a certificate belongs, non-canonical DER, an unreadable file, a symlink loop, a key that does
//! not parse) is reported here as `error`, naming the file and the reason. A value a pod
//! mounts is reported where it is stored, not again at every pod path it appears at.
//!
//! Binary data that is not certificate material (Fabric blocks and transactions, binary
//! Secret and ConfigMap values) is not an error: it is listed in one `skip` finding, so the
//! report says what was left unread rather than dropping it.
//!
//! fabric-ca's Idemix files (issuer public and secret keys, revocation keys, credentials) are
//! not X.509 either: recognised by name and checked for the shape fabric-ca writes while
//! gathering ([`crate::inventory::idemix`]), they are listed in one `skip` finding by kind and
//! shape — never by content — and only one that fabric-ca could not load is an `error`.
//!
//! Secret and ConfigMap values that are template expressions (a Helm chart's
//! `{{ .Files.Get "tls.crt" | b64enc }}`) are not evaluated, and say so in a `skip` finding of
//! their own.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;

/// How many binary items the skip finding's message names before summarising.
const NAMED_IN_MESSAGE: usize = 3;

pub struct UnreadableMaterial;

impl Check for UnreadableMaterial {
    fn id(&self) -> &'static str {
        "X509-009"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out: Vec<Outcome> = inv
            .problems
            .iter()
            .map(|p| {
                Outcome::new(
                    Status::Error,
                    p.origin.target(),
                    format!("{}: {}", p.expected, p.reason),
                )
                .with("expected", p.expected)
            })
            .collect();
        out.extend(inv.keys.iter().filter_map(|k| {
            let reason = k.public_key.as_ref().err()?;
            if inv.reported_at_source.contains(&k.origin) {
                return None;
            }
            Some(
                Outcome::new(
                    Status::Error,
                    k.origin.target(),
                    format!("private key: {reason}"),
                )
                .with("expected", "private key"),
            )
        }));
        let binary = binary_outcome(inv);
        if out.is_empty() {
            if inv.files_scanned == 0 {
                return nothing_to_check(inv, "files");
            }
            out.push(
                Outcome::new(
                    Status::Pass,
                    Target::new(TargetKind::Source, inv.source.clone()),
                    format!(
                        "{} certificates and {} keys read; nothing unreadable",
                        inv.certs.len(),
                        inv.keys.len()
                    ),
                )
                .with("files_scanned", inv.files_scanned),
            );
        }
        out.extend(binary);
        out.extend(idemix_outcome(inv));
        out.extend(templated_outcome(inv));
        out
    }
}

/// The Idemix files recognised, as one `skip` finding: what each is and its shape.
fn idemix_outcome(inv: &Inventory) -> Option<Outcome> {
    if inv.idemix.is_empty() {
        return None;
    }
    let listed: Vec<String> = inv
        .idemix
        .iter()
        .map(|r| format!("{} ({}: {})", r.origin, r.kind.describe(), r.summary))
        .collect();
    let named: Vec<&str> = listed
        .iter()
        .take(NAMED_IN_MESSAGE)
        .map(String::as_str)
        .collect();
    let more = listed.len().saturating_sub(NAMED_IN_MESSAGE);
    let message = format!(
        "{} fabric-ca Idemix file(s) recognised, not X.509 material, so no certificate check applies (their contents are not shown): {}{}",
        listed.len(),
        named.join("; "),
        if more > 0 {
            format!("; and {more} more (all in the evidence)")
        } else {
            String::new()
        }
    );
    let evidence: Vec<serde_json::Value> = inv
        .idemix
        .iter()
        .map(|r| {
            serde_json::json!({
                "file": r.origin.to_string(),
                "kind": r.kind.describe(),
                "shape": r.summary,
            })
        })
        .collect();
    Some(
        Outcome::new(
            Status::Skip,
            Target::new(TargetKind::Source, inv.source.clone()),
            message,
        )
        .with("idemix", evidence),
    )
}

/// The Secret and ConfigMap values that are template expressions, as one `skip` finding.
fn templated_outcome(inv: &Inventory) -> Option<Outcome> {
    if inv.templated_values.is_empty() {
        return None;
    }
    let all: Vec<String> = inv
        .templated_values
        .iter()
        .map(ToString::to_string)
        .collect();
    let more = all.len().saturating_sub(NAMED_IN_MESSAGE);
    let message = format!(
        "{} Secret or ConfigMap value(s) are template expressions, not evaluated (what they hold is only known once the chart is rendered): {}{}",
        all.len(),
        all[..all.len().min(NAMED_IN_MESSAGE)].join("; "),
        if more > 0 {
            format!("; and {more} more (all in the evidence)")
        } else {
            String::new()
        }
    );
    Some(
        Outcome::new(
            Status::Skip,
            Target::new(TargetKind::Source, inv.source.clone()),
            message,
        )
        .with("templated", all),
    )
}

/// The binary files and values seen and not read as certificates, as one `skip` finding.
fn binary_outcome(inv: &Inventory) -> Option<Outcome> {
    if inv.binary.is_empty() {
        return None;
    }
    let named: Vec<String> = inv
        .binary
        .iter()
        .take(NAMED_IN_MESSAGE)
        .map(ToString::to_string)
        .collect();
    let more = inv.binary.len().saturating_sub(NAMED_IN_MESSAGE);
    let message = format!(
        "{} binary file(s) or value(s) are not certificate material and were not read as such \
         (PEM is text; Fabric blocks and transactions are protobuf): {}{}",
        inv.binary.len(),
        named.join("; "),
        if more > 0 {
            format!("; and {more} more (all in the evidence)")
        } else {
            String::new()
        }
    );
    let all: Vec<String> = inv.binary.iter().map(ToString::to_string).collect();
    Some(
        Outcome::new(
            Status::Skip,
            Target::new(TargetKind::Source, inv.source.clone()),
            message,
        )
        .with("binary", all),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::{Origin, Problem};

    #[test]
    fn each_problem_is_an_error_naming_the_file() {
        let mut inv = inventory(vec![], vec![], vec![]);
        inv.problems.push(Problem {
            origin: Origin::at("msp/signcerts/bad.pem", "PEM block 1 at line 1"),
            expected: "PEM block",
            reason: "truncated PEM block: BEGIN CERTIFICATE at line 1 has no END line".into(),
        });
        let out = UnreadableMaterial.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].status, Status::Error);
        assert_eq!(out[0].target.name, "msp/signcerts/bad.pem");
        assert!(out[0].message.contains("truncated PEM block"));
    }

    #[test]
    fn binary_data_is_listed_as_skipped_never_an_error() {
        let ca = root("org1");
        let mut inv = inventory(vec![record(&ca, "ca.pem")], vec![], vec![]);
        inv.binary = (1..=5)
            .map(|i| Origin::at(format!("net/cm{i}.yaml"), "binaryData[genesis.block]"))
            .collect();
        let out = UnreadableMaterial.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].status, Status::Pass);
        assert_eq!(out[1].status, Status::Skip);
        assert!(out[1].message.starts_with("5 binary file(s) or value(s)"));
        assert!(
            out[1]
                .message
                .contains("net/cm1.yaml (binaryData[genesis.block])")
        );
        assert!(out[1].message.contains("and 2 more"));
        assert_eq!(out[1].evidence["binary"].as_array().unwrap().len(), 5);
    }

    #[test]
    fn templated_values_are_not_evaluated_never_an_error() {
        let mut inv = inventory(vec![], vec![], vec![]);
        inv.templated_values = vec![Origin::at(
            "chart/templates/secret.yaml",
            "document 1, Secret default/orderer-tls, data[tls.crt]",
        )];
        let out = UnreadableMaterial.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].status, Status::Pass);
        assert_eq!(out[1].status, Status::Skip);
        assert!(
            out[1].message.starts_with(
                "1 Secret or ConfigMap value(s) are template expressions, not evaluated"
            )
        );
        assert!(out[1].message.contains("data[tls.crt]"));
    }

    #[test]
    fn a_mounted_copy_of_an_unreadable_key_is_reported_once_at_its_source() {
        use crate::inventory::{KeyRecord, Layout};
        let key = |path: &str, locator: &str| KeyRecord {
            origin: Origin::at(path, locator),
            layout: Layout::default(),
            public_key: Err("encrypted private key".into()),
        };
        let mut inv = inventory(vec![], vec![], vec![]);
        inv.keys = vec![
            key(
                "s.yaml",
                "document 1, Secret o/s, data[k], PEM block 1 at line 1",
            ),
            key(
                "p.yaml#StatefulSet o/p:/msp/keystore/k",
                "mounted from s.yaml (…)",
            ),
        ];
        inv.reported_at_source.insert(inv.keys[1].origin.clone());
        let out = UnreadableMaterial.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].target.name, "s.yaml");
    }

    #[test]
    fn idemix_files_are_listed_by_kind_never_as_errors() {
        use crate::inventory::idemix::{IdemixKind, IdemixRecord};
        let ca = root("org1");
        let mut inv = inventory(vec![record(&ca, "ca-cert.pem")], vec![], vec![]);
        inv.idemix = vec![
            IdemixRecord {
                origin: Origin::file("ca/msp/keystore/IssuerSecretKey"),
                kind: IdemixKind::IssuerSecretKey,
                summary: "32-byte secret scalar".into(),
                msp_dir: Some("ca/msp".into()),
            },
            IdemixRecord {
                origin: Origin::file("ca/IssuerPublicKey"),
                kind: IdemixKind::IssuerPublicKey,
                summary: "protobuf, 843 bytes, attributes OU, Role".into(),
                msp_dir: None,
            },
        ];
        let out = UnreadableMaterial.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv);
        assert_eq!(
            out.iter().map(|o| o.status).collect::<Vec<_>>(),
            vec![Status::Pass, Status::Skip]
        );
        assert!(
            out[1]
                .message
                .starts_with("2 fabric-ca Idemix file(s) recognised"),
            "{}",
            out[1].message
        );
        assert!(
            out[1].message.contains(
                "ca/msp/keystore/IssuerSecretKey (Idemix issuer secret key: 32-byte secret scalar)"
            ),
            "{}",
            out[1].message
        );
        assert_eq!(out[1].evidence["idemix"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn clean_inventory_passes_and_empty_one_skips() {
        let ca = root("org1");
        let inv = inventory(vec![record(&ca, "ca.pem")], vec![], vec![]);
        assert_eq!(
            UnreadableMaterial.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)[0].status,
            Status::Pass
        );
        let mut empty = inventory(vec![], vec![], vec![]);
        empty.files_scanned = 0;
        assert_eq!(
            UnreadableMaterial.evaluate(&ctx("2026-01-01T00:00:00Z"), &empty)[0].status,
            Status::Skip
        );
    }
}
