//! X509-009 `unreadable-material`: certificate or key material that cannot be read or parsed.
//!
//! Every problem met while gathering (a truncated PEM block, a PEM block of another type where
//! a certificate belongs, non-canonical DER, an unreadable file, a symlink loop, a key that does
//! not parse) is reported here as `error`, naming the file and the reason.

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::inventory::Inventory;
use crate::report::{Outcome, Status, Target, TargetKind};

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
            Some(
                Outcome::new(
                    Status::Error,
                    k.origin.target(),
                    format!("private key: {reason}"),
                )
                .with("expected", "private key"),
            )
        }));
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
        out
    }
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
