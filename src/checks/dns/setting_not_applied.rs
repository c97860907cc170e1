//! DNS-005 `setting-not-applied`: a DNS setting is written but inert — a misspelled key, a
//! variable or template no one expands, the line commented out, or a key Fabric never reads
//! (`CORE_VM_DOCKER_HOSTCONFIG_DNSOPTIONS`).

use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::dns::DnsNoteKind;

pub struct SettingNotApplied;

impl Check for SettingNotApplied {
    fn id(&self) -> &'static str {
        "DNS-005"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        notes_as_outcomes(
            inv,
            &[
                DnsNoteKind::MisspelledKey,
                DnsNoteKind::Unexpanded,
                DnsNoteKind::CommentedOut,
                DnsNoteKind::Inert,
            ],
            "DNS settings for chaincode",
        )
    }
}

/// A note as a `fail` on the file and line it names.
pub fn note_outcome(n: &crate::inventory::dns::DnsNote) -> Outcome {
    Outcome::new(
        Status::Fail,
        Target::new(TargetKind::File, n.origin.path.clone()).with_locator(n.origin.locator.clone()),
        n.message.clone(),
    )
    .with("kind", format!("{:?}", n.kind))
}

/// One `fail` per note of `kinds`, or a `pass` over the whole source when there is none
/// among peers that resolve names (a `skip` when there are no such peers at all).
pub fn notes_as_outcomes(inv: &Inventory, kinds: &[DnsNoteKind], what: &str) -> Vec<Outcome> {
    let notes: Vec<Outcome> = inv
        .dns
        .notes
        .iter()
        .filter(|n| kinds.contains(&n.kind))
        .map(note_outcome)
        .collect();
    if !notes.is_empty() {
        return notes;
    }
    if inv.dns.contexts.is_empty() && inv.dns.files.daemons.is_empty() {
        return crate::checks::nothing_to_check(inv, "peers or Docker daemon options");
    }
    vec![Outcome::new(
        Status::Pass,
        Target::new(TargetKind::Source, inv.source.clone()),
        format!("every {what} found is one that takes effect"),
    )]
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn dns_options_on_the_peer_are_written_but_without_effect() {
        // fabcheck's own manifests once set this; Fabric 1.4.12 and 2.5 never read it.
        let p = k8s_peer(
            "peer0",
            "org1",
            &[
                ("CORE_VM_ENDPOINT", "tcp://127.0.0.1:2375"),
                ("CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE", "bridge"),
                ("CORE_VM_DOCKER_HOSTCONFIG_DNS", "10.96.0.10"),
                ("CORE_VM_DOCKER_HOSTCONFIG_DNSOPTIONS", "ndots:2 timeout:2"),
            ],
        );
        let out = SettingNotApplied.evaluate(&ctx(), &inventory(vec![p.clone()], None, None));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(out[0].message.contains("never reads"), "{}", out[0].message);
        assert!(
            out[0].message.contains("ndots:2 timeout:2"),
            "{}",
            out[0].message
        );
        assert_eq!(out[0].evidence["kind"], "Inert");
        // And the resolver model does not apply them: ndots is not 2.
        let inv = inventory(vec![p], None, None);
        assert!(inv.dns.contexts.iter().all(|c| c.config.ndots != 2));
    }

    #[test]
    fn misspelled_key_with_an_unexpanded_variable_fails() {
        // cello's peer manifests: CORE_VM_HOSTCONFIG_DNS=$NGINX_PROXY_DNS.
        let p = k8s_peer(
            "peer0-org1",
            "default",
            &[
                ("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock"),
                ("CORE_VM_HOSTCONFIG_DNS", "$NGINX_PROXY_DNS"),
            ],
        );
        let out = SettingNotApplied.evaluate(&ctx(), &inventory(vec![p], None, None));
        assert_eq!(statuses(&out), vec![Status::Fail]);
        assert!(
            out[0].message.contains("CORE_VM_DOCKER_HOSTCONFIG_DNS"),
            "{}",
            out[0].message
        );
        assert!(
            out[0].message.contains("$NGINX_PROXY_DNS"),
            "{}",
            out[0].message
        );
        let clean = k8s_peer(
            "peer0-org1",
            "default",
            &[("CORE_VM_ENDPOINT", "unix:///host/var/run/docker.sock")],
        );
        let out = SettingNotApplied.evaluate(&ctx(), &inventory(vec![clean], None, None));
        assert_eq!(statuses(&out), vec![Status::Pass]);
    }
}
