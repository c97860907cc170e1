//! KAFKA-013 `unevaluated-config`: configuration that could not be evaluated, said as such:
//! templates (skip: "template, not evaluated"), variables with no value, keys given twice
//! (warn: evaluated as the last one, which Compose v2 refuses) and chart values the chart never
//! reads (warn: they set nothing), and files that do not parse,
//! extends that go nowhere or in circles, oversized values (error).

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::ordering::NoteKind;

pub struct UnevaluatedConfig;

impl Check for UnevaluatedConfig {
    fn id(&self) -> &'static str {
        "KAFKA-013"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let o = &inv.ordering;
        let mut out: Vec<Outcome> = o
            .notes
            .iter()
            .map(|n| {
                let status = match n.kind {
                    NoteKind::Template => Status::Skip,
                    NoteKind::UnresolvedVariable
                    | NoteKind::DuplicateKey
                    | NoteKind::IgnoredValue => Status::Warn,
                    NoteKind::Unparseable
                    | NoteKind::MissingExtends
                    | NoteKind::ExtendsCycle
                    | NoteKind::Oversized => Status::Error,
                };
                Outcome::new(status, n.origin.target(), n.message.clone())
                    .with("kind", format!("{:?}", n.kind))
            })
            .collect();
        if out.is_empty() {
            if o.workloads.is_empty() && o.profiles.is_empty() {
                return nothing_to_check(inv, "ordering-service configuration");
            }
            out.push(Outcome::new(
                Status::Pass,
                Target::new(TargetKind::Source, inv.source.clone()),
                format!(
                    "{} workload(s) and {} profile(s) fully evaluated",
                    o.workloads.len(),
                    o.profiles.len()
                ),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::inventory::Origin;
    use crate::inventory::ordering::ConfigNote;

    #[test]
    fn note_kinds_map_to_statuses() {
        let mut inv = network(vec![broker("k", &[])]);
        for kind in [
            NoteKind::Template,
            NoteKind::UnresolvedVariable,
            NoteKind::ExtendsCycle,
        ] {
            inv.ordering.notes.push(ConfigNote {
                origin: Origin::file("f.yaml"),
                kind,
                message: "m".into(),
            });
        }
        assert_eq!(
            statuses(&UnevaluatedConfig.evaluate(&ctx(), &inv)),
            vec![Status::Skip, Status::Warn, Status::Error]
        );
        let inv = network(vec![broker("k", &[])]);
        assert_eq!(
            statuses(&UnevaluatedConfig.evaluate(&ctx(), &inv)),
            vec![Status::Pass]
        );
    }
}
