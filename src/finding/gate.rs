//! The required-checks gate (`--require`): which checks must have *run*, not merely not
//! failed, for a run to pass.
//!
//! A gate that passes on skips signs off on what it never looked at: a `deploy-and-verify`
//! whose runner could not reach the Services skips every TLS check and, judged by the findings'
//! severities alone, passes. `--require` names families (a check-id prefix: `TLS`) and single
//! checks (`TLS-003`); [`evaluate`] decides from the findings which of them did not run and
//! why, and the renderers only say so.
//!
//! What "ran" means:
//! - A finding is a run when its status is `pass`, `fail` or `warn`. `skip` (nothing to examine)
//!   and `error` (could not evaluate) are not runs. A waived `fail` or `warn` is not a run
//!   either: the waiver set its verdict aside, so nothing vouches for the check. A `pass` is a
//!   run whether or not a waiver also matched it.
//! - A check ran when at least one of its findings is a run. A check with no finding at all
//!   (excluded by `--select`/`--ignore`) did not run.
//! - A family ran when at least one of its checks (its catalogue entries) ran. A check that
//!   skipped while a sibling of its family ran does not stop the gate; require it by id for that.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Finding, Status};
use crate::catalogue::Catalogue;

/// One `--require` selector, spelled as the catalogue spells it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Selector {
    /// A family: every check whose id starts with `FAMILY-` (`TLS`).
    Family(String),
    /// One check (`TLS-003`).
    Check(String),
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Family(name) | Selector::Check(name) => f.write_str(name),
        }
    }
}

/// Why `--require` values could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error(
        "failed to use --require: no family or check id {} (families: {families}; ids: `fabcheck checks list`; or none)",
        unknown.iter().map(|u| format!("'{u}'")).collect::<Vec<_>>().join(", ")
    )]
    Unknown {
        unknown: Vec<String>,
        families: String,
    },
    #[error("failed to use --require: 'none' requires nothing and cannot be combined with {0}")]
    NoneWithOthers(String),
}

/// Reads `--require` values (already split at commas) against the catalogue: families and
/// check ids, case-insensitive, in the order given, each once. `none` alone requires nothing.
pub fn parse_selectors(
    values: &[String],
    catalogue: &Catalogue,
) -> Result<Vec<Selector>, SelectorError> {
    let mut selectors: Vec<Selector> = Vec::new();
    let mut unknown = Vec::new();
    let mut none = false;
    for value in values {
        let value = value.trim();
        let selector = if value.eq_ignore_ascii_case("none") {
            none = true;
            continue;
        } else if let Some(area) = catalogue
            .areas
            .iter()
            .find(|a| a.area.eq_ignore_ascii_case(value))
        {
            Selector::Family(area.area.clone())
        } else if let Some(entry) = catalogue.get(value) {
            Selector::Check(entry.id.clone())
        } else {
            unknown.push(value.to_owned());
            continue;
        };
        if !selectors.contains(&selector) {
            selectors.push(selector);
        }
    }
    if !unknown.is_empty() {
        return Err(SelectorError::Unknown {
            unknown,
            families: catalogue
                .areas
                .iter()
                .map(|a| a.area.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if none && !selectors.is_empty() {
        let others: Vec<String> = selectors.iter().map(ToString::to_string).collect();
        return Err(SelectorError::NoneWithOthers(others.join(", ")));
    }
    Ok(selectors)
}

/// The gate's part of a report: what was required, and what of it did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Required {
    /// The selectors, as the catalogue spells them (`TLS`, `X509-003`).
    pub selectors: Vec<String>,
    /// Each selector that did not run, in the order given; empty when every one ran.
    pub not_run: Vec<NotRun>,
}

impl Required {
    /// Whether every required family and check ran.
    pub fn passes(&self) -> bool {
        self.not_run.is_empty()
    }

    /// The selector that required `check_id` and did not run, with that check's own reason.
    pub fn not_run_check(&self, check_id: &str) -> Option<(&NotRun, &CheckNotRun)> {
        self.not_run
            .iter()
            .find_map(|n| n.checks.iter().find(|c| c.id == check_id).map(|c| (n, c)))
    }
}

/// A required family or check that did not run. Exactly one of `family` and `id` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotRun {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why, in a line: `TLS-001..TLS-008 skipped: no TLS endpoints … found`.
    pub reason: String,
    /// Every check the selector covers (one, for an id), each with why it did not run.
    pub checks: Vec<CheckNotRun>,
}

impl NotRun {
    /// `required family TLS` or `required check TLS-003`.
    pub fn label(&self) -> String {
        match (&self.family, &self.id) {
            (Some(family), _) => format!("required family {family}"),
            (None, Some(id)) => format!("required check {id}"),
            (None, None) => "required selector".to_owned(),
        }
    }
}

impl NotRun {
    /// The line for one of its checks: `required family TLS did not run: TLS-001 skipped: …`,
    /// or for a required id, `required check TLS-003 did not run: skipped: …`.
    pub fn check_line(&self, check_id: &str, reason: &str) -> String {
        match &self.family {
            Some(_) => format!("{} did not run: {check_id} {reason}", self.label()),
            None => format!("{} did not run: {reason}", self.label()),
        }
    }
}

impl fmt::Display for NotRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} did not run: {}", self.label(), self.reason)
    }
}

/// One check that did not run, and why (`skipped: no TLS endpoints … found`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckNotRun {
    pub id: String,
    pub reason: String,
}

/// Whether a finding counts as the check having run (see the module docs).
pub fn is_run(finding: &Finding) -> bool {
    match finding.status {
        Status::Pass => true,
        Status::Fail | Status::Warn => finding.waived.is_none(),
        Status::Skip | Status::Error => false,
    }
}

/// Why one finding is not a run, as a fragment: `skipped: …`, `error: …`, `waived: …`.
pub fn finding_reason(finding: &Finding) -> String {
    match (&finding.waived, finding.status) {
        (Some(w), Status::Fail | Status::Warn) => format!("waived: {}", w.reason),
        (_, Status::Skip) => format!("skipped: {}", finding.message),
        (_, status) => format!("{status}: {}", finding.message),
    }
}

/// Distinct reasons shown for one check; a check that errored on a thousand targets says how
/// many more there were rather than print them all (the findings carry every one).
const REASONS_SHOWN: usize = 3;

/// Decides which required selectors did not run. `None` when nothing is required.
///
/// `selected` says whether the run's `--select`/`--ignore` included a check, so that a check
/// with no finding says why.
pub fn evaluate(
    required: &[Selector],
    findings: &[Finding],
    catalogue: &Catalogue,
    selected: &dyn Fn(&str) -> bool,
) -> Option<Required> {
    if required.is_empty() {
        return None;
    }
    let mut by_check: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_check.entry(f.check_id.as_str()).or_default().push(f);
    }
    // `None` when the check ran; otherwise why not.
    let why_not = |id: &str| -> Option<String> {
        let of_check = by_check.get(id).map(Vec::as_slice).unwrap_or_default();
        if of_check.iter().any(|f| is_run(f)) {
            return None;
        }
        if of_check.is_empty() {
            return Some(if selected(id) {
                "produced no finding".to_owned()
            } else {
                "not selected (--select/--ignore)".to_owned()
            });
        }
        let mut reasons: Vec<String> = Vec::new();
        for f in of_check {
            let reason = finding_reason(f);
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        let more = reasons.len().saturating_sub(REASONS_SHOWN);
        reasons.truncate(REASONS_SHOWN);
        let mut text = reasons.join("; ");
        if more > 0 {
            text.push_str(&format!("; and {more} more"));
        }
        Some(text)
    };
    let mut not_run = Vec::new();
    for selector in required {
        match selector {
            Selector::Check(id) => {
                if let Some(reason) = why_not(id) {
                    not_run.push(NotRun {
                        family: None,
                        id: Some(id.clone()),
                        reason: reason.clone(),
                        checks: vec![CheckNotRun {
                            id: id.clone(),
                            reason,
                        }],
                    });
                }
            }
            Selector::Family(family) => {
                let ids: Vec<&str> = catalogue
                    .areas
                    .iter()
                    .filter(|a| &a.area == family)
                    .flat_map(|a| a.entries.iter().map(|e| e.id.as_str()))
                    .collect();
                let mut checks = Vec::new();
                for id in &ids {
                    match why_not(id) {
                        Some(reason) => checks.push(CheckNotRun {
                            id: (*id).to_owned(),
                            reason,
                        }),
                        None => break,
                    }
                }
                if checks.len() == ids.len() {
                    not_run.push(NotRun {
                        family: Some(family.clone()),
                        id: None,
                        reason: family_reason(&checks),
                        checks,
                    });
                }
            }
        }
    }
    Some(Required {
        selectors: required.iter().map(ToString::to_string).collect(),
        not_run,
    })
}

/// A family's reason in a line: its checks grouped by identical reason, consecutive ids as a
/// range (`TLS-001..TLS-008 skipped: no TLS endpoints … found; TLS-009 error: …`).
fn family_reason(checks: &[CheckNotRun]) -> String {
    if checks.is_empty() {
        return "the catalogue has no check in this family".to_owned();
    }
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, c) in checks.iter().enumerate() {
        match groups.iter_mut().find(|(r, _)| *r == c.reason) {
            Some((_, members)) => members.push(i),
            None => groups.push((&c.reason, vec![i])),
        }
    }
    groups
        .iter()
        .map(|(reason, members)| format!("{} {reason}", id_ranges(checks, members)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `A..C, E` for the ids at `members` (positions in `checks`, ascending): three or more
/// consecutive positions as a range.
fn id_ranges(checks: &[CheckNotRun], members: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut start = 0;
    while start < members.len() {
        let mut end = start;
        while end + 1 < members.len() && members[end + 1] == members[end] + 1 {
            end += 1;
        }
        let (first, last) = (&checks[members[start]].id, &checks[members[end]].id);
        match end - start {
            0 => parts.push(first.clone()),
            1 => parts.push(format!("{first}, {last}")),
            _ => parts.push(format!("{first}..{last}")),
        }
        start = end + 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Severity;
    use crate::finding::{AppliedWaiver, Evidence, Target, TargetKind};

    fn finding(id: &str, status: Status, message: &str) -> Finding {
        Finding {
            check_id: id.into(),
            title: String::new(),
            severity: Severity::Error,
            status,
            target: Target::new(TargetKind::Source, "artifacts:x"),
            message: message.into(),
            evidence: Evidence::new(),
            waived: None,
            known: false,
        }
    }

    fn catalogue() -> &'static Catalogue {
        Catalogue::embedded()
    }

    fn ids(family: &str) -> Vec<String> {
        catalogue()
            .areas
            .iter()
            .find(|a| a.area == family)
            .unwrap()
            .entries
            .iter()
            .map(|e| e.id.clone())
            .collect()
    }

    /// Every check of `family` with one finding of `status`.
    fn family(family: &str, status: Status, message: &str) -> Vec<Finding> {
        ids(family)
            .iter()
            .map(|id| finding(id, status, message))
            .collect()
    }

    fn all(_: &str) -> bool {
        true
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn selectors_are_families_or_ids_in_catalogue_spelling() {
        let parsed =
            parse_selectors(&strings(&["tls", "x509-003", "TLS", "Zk"]), catalogue()).unwrap();
        assert_eq!(
            parsed,
            [
                Selector::Family("TLS".into()),
                Selector::Check("X509-003".into()),
                Selector::Family("ZK".into()),
            ]
        );
        assert_eq!(
            parse_selectors(&strings(&["NONE"]), catalogue()).unwrap(),
            []
        );
    }

    #[test]
    fn unknown_selectors_are_named() {
        let e = parse_selectors(
            &strings(&["TLS", "BOGUS", "X509-999", "X509-00", ""]),
            catalogue(),
        )
        .unwrap_err();
        let SelectorError::Unknown { unknown, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!(unknown, &["BOGUS", "X509-999", "X509-00", ""]);
        let text = e.to_string();
        assert!(
            text.starts_with("failed to use --require: no family or check id 'BOGUS', 'X509-999'"),
            "{text}"
        );
        assert!(
            text.contains("X509, KAFKA, ZK, TLS, DNS, HEALTH, LOG"),
            "{text}"
        );
        assert!(matches!(
            parse_selectors(&strings(&["none", "TLS"]), catalogue()),
            Err(SelectorError::NoneWithOthers(o)) if o == "TLS"
        ));
    }

    #[test]
    fn nothing_required_is_no_gate() {
        assert_eq!(
            evaluate(&[], &family("TLS", Status::Skip, "m"), catalogue(), &all),
            None
        );
    }

    #[test]
    fn a_family_of_skips_did_not_run_and_says_why() {
        let findings = family("TLS", Status::Skip, "no TLS endpoints found");
        let required = evaluate(
            &[Selector::Family("TLS".into())],
            &findings,
            catalogue(),
            &all,
        )
        .unwrap();
        assert!(!required.passes());
        assert_eq!(required.selectors, ["TLS"]);
        let [not_run] = required.not_run.as_slice() else {
            panic!("{required:?}")
        };
        let tls = ids("TLS");
        assert_eq!(not_run.checks.len(), tls.len());
        assert_eq!(
            not_run.to_string(),
            format!(
                "required family TLS did not run: {}..{} skipped: no TLS endpoints found",
                tls[0],
                tls[tls.len() - 1]
            )
        );
        assert_eq!(
            required.not_run_check(&tls[0]).unwrap().1.reason,
            "skipped: no TLS endpoints found"
        );
    }

    #[test]
    fn one_check_that_ran_is_enough_for_its_family() {
        let mut findings = family("TLS", Status::Skip, "no endpoints");
        findings[2].status = Status::Fail;
        let required = evaluate(
            &[Selector::Family("TLS".into())],
            &findings,
            catalogue(),
            &all,
        )
        .unwrap();
        assert!(required.passes(), "{required:?}");
        // A fail ran: the gate on findings judges it, the required gate does not.
        findings[2].status = Status::Warn;
        assert!(
            evaluate(
                &[Selector::Family("TLS".into())],
                &findings,
                catalogue(),
                &all
            )
            .unwrap()
            .passes()
        );
    }

    #[test]
    fn errors_and_skips_are_not_runs_but_a_pass_among_them_is() {
        let id = Selector::Check("X509-003".into());
        let mut findings = vec![
            finding("X509-003", Status::Error, "unreadable a.pem"),
            finding("X509-003", Status::Skip, "nothing"),
            finding("X509-003", Status::Error, "unreadable a.pem"),
        ];
        let required = evaluate(std::slice::from_ref(&id), &findings, catalogue(), &all).unwrap();
        assert_eq!(
            required.not_run[0].to_string(),
            "required check X509-003 did not run: error: unreadable a.pem; skipped: nothing"
        );
        assert_eq!(required.not_run[0].id.as_deref(), Some("X509-003"));
        assert_eq!(required.not_run[0].family, None);
        findings.push(finding("X509-003", Status::Pass, "ok"));
        assert!(
            evaluate(&[id], &findings, catalogue(), &all)
                .unwrap()
                .passes()
        );
    }

    #[test]
    fn many_distinct_reasons_are_counted_not_listed() {
        let findings: Vec<Finding> = (0..10)
            .map(|i| finding("X509-003", Status::Error, &format!("bad {i}")))
            .collect();
        let required = evaluate(
            &[Selector::Check("X509-003".into())],
            &findings,
            catalogue(),
            &all,
        )
        .unwrap();
        assert_eq!(
            required.not_run[0].reason,
            "error: bad 0; error: bad 1; error: bad 2; and 7 more"
        );
    }

    #[test]
    fn a_waived_failure_is_not_a_run_but_a_waived_pass_is() {
        let waiver = Some(AppliedWaiver {
            reason: "renewal booked".into(),
            expires: "2099-01-01".into(),
        });
        let mut failed = finding("X509-003", Status::Fail, "expired");
        failed.waived = waiver.clone();
        let id = [Selector::Check("X509-003".into())];
        let required = evaluate(&id, &[failed], catalogue(), &all).unwrap();
        assert_eq!(required.not_run[0].reason, "waived: renewal booked");
        let mut passed = finding("X509-003", Status::Pass, "ok");
        passed.waived = waiver;
        assert!(
            evaluate(&id, &[passed], catalogue(), &all)
                .unwrap()
                .passes()
        );
    }

    #[test]
    fn a_check_without_findings_says_whether_it_was_selected() {
        let required = evaluate(
            &[
                Selector::Check("TLS-003".into()),
                Selector::Check("TLS-004".into()),
            ],
            &[],
            catalogue(),
            &|id| id == "TLS-004",
        )
        .unwrap();
        let reasons: Vec<&str> = required.not_run.iter().map(|n| n.reason.as_str()).collect();
        assert_eq!(
            reasons,
            ["not selected (--select/--ignore)", "produced no finding"]
        );
    }

    #[test]
    fn a_family_groups_its_checks_by_reason() {
        let tls = ids("TLS");
        let mut findings = family("TLS", Status::Skip, "no endpoints");
        findings[1].status = Status::Error;
        findings[1].message = "timed out".into();
        let required = evaluate(
            &[Selector::Family("TLS".into())],
            &findings,
            catalogue(),
            &all,
        )
        .unwrap();
        assert_eq!(
            required.not_run[0].reason,
            format!(
                "{}, {}..{} skipped: no endpoints; {} error: timed out",
                tls[0],
                tls[2],
                tls[tls.len() - 1],
                tls[1]
            )
        );
    }

    #[test]
    fn selectors_that_ran_leave_only_those_that_did_not() {
        let mut findings = family("X509", Status::Pass, "ok");
        findings.extend(family("TLS", Status::Skip, "no endpoints"));
        let required = evaluate(
            &[
                Selector::Family("X509".into()),
                Selector::Family("TLS".into()),
                Selector::Check("X509-001".into()),
            ],
            &findings,
            catalogue(),
            &all,
        )
        .unwrap();
        assert_eq!(required.selectors, ["X509", "TLS", "X509-001"]);
        let not_run: Vec<String> = required.not_run.iter().map(NotRun::label).collect();
        assert_eq!(not_run, ["required family TLS"]);
    }

    #[test]
    fn ranges_compress_three_or_more_consecutive_ids() {
        let checks: Vec<CheckNotRun> = (1..=6)
            .map(|i| CheckNotRun {
                id: format!("T-00{i}"),
                reason: String::new(),
            })
            .collect();
        assert_eq!(
            id_ranges(&checks, &[0, 1, 2, 4, 5]),
            "T-001..T-003, T-005, T-006"
        );
        assert_eq!(id_ranges(&checks, &[0, 2]), "T-001, T-003");
    }
}
