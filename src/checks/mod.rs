//! The checks: one file per check under `checks/<area>/`, one registry, one engine.
//!
//! A check is a pure function of the gathered [`Inventory`] and the [`Context`]: it never reads
//! files or dials endpoints itself, so every evaluator is unit-tested without I/O. Its id and
//! words live in the catalogue (`checks/*.yaml`); the engine attaches them to each outcome.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;

use crate::catalogue::{Catalogue, Entry};
use crate::context::Context;
use crate::finding::{Finding, Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;

pub mod channel;
pub mod deploy;
pub mod dns;
pub mod health;
pub mod kafka;
pub mod logs;
pub mod raft;
pub mod tls;
pub mod x509;
pub mod zookeeper;

/// One check of the suite.
pub trait Check: Sync {
    /// The stable id, which must have an entry in the catalogue.
    fn id(&self) -> &'static str;

    /// Evaluates the check. Returns one outcome per target examined; when there is nothing to
    /// examine, a single `skip` saying why.
    fn evaluate(&self, ctx: &Context, inventory: &Inventory) -> Vec<Outcome>;
}

/// Every check, in id order. Adding a check means adding it here and to the catalogue; the
/// `registry_matches_catalogue` test fails until both are done.
pub static REGISTRY: &[&dyn Check] = &[
    &x509::leaf_predates_issuer::LeafPredatesIssuer,
    &x509::outside_validity_window::OutsideValidityWindow,
    &x509::expires_soon::ExpiresSoon,
    &x509::broken_chain::BrokenChain,
    &x509::leaf_outlives_issuer::LeafOutlivesIssuer,
    &x509::empty_validity_window::EmptyValidityWindow,
    &x509::key_mismatch::KeyMismatch,
    &x509::msp_incomplete::MspIncomplete,
    &x509::unreadable_material::UnreadableMaterial,
    &x509::high_s_signature::HighSSignature,
    &x509::unsupported_algorithm::UnsupportedAlgorithm,
    &x509::sha1_signature::Sha1Signature,
    &x509::ca_profile_invalid::CaProfileInvalid,
    &x509::leaf_profile_invalid::LeafProfileInvalid,
    &x509::node_ou_role_mismatch::NodeOuRoleMismatch,
    &x509::tls_usage_invalid::TlsUsageInvalid,
    &x509::serial_number_invalid::SerialNumberInvalid,
    &x509::crl_invalid::CrlInvalid,
    &x509::revoked_certificate_in_use::RevokedCertificateInUse,
    &kafka::too_few_brokers::TooFewBrokers,
    &kafka::unclean_leader_election::UncleanLeaderElection,
    &kafka::min_insync_replicas_too_low::MinInsyncReplicasTooLow,
    &kafka::replication_factor_out_of_range::ReplicationFactorOutOfRange,
    &kafka::message_size_order::MessageSizeOrder,
    &kafka::log_retention_enabled::LogRetentionEnabled,
    &kafka::duplicate_broker_id::DuplicateBrokerId,
    &kafka::zookeeper_connect_incomplete::ZookeeperConnectIncomplete,
    &kafka::orderer_broker_list::OrdererBrokerList,
    &kafka::orderer_type_mismatch::OrdererTypeMismatch,
    &kafka::invalid_setting_value::InvalidSettingValue,
    &kafka::misspelled_setting::MisspelledSetting,
    &kafka::unevaluated_config::UnevaluatedConfig,
    &kafka::partition_without_leader::PartitionWithoutLeader,
    &kafka::isr_below_minimum::IsrBelowMinimum,
    &kafka::live_config_violation::LiveConfigViolation,
    &kafka::brokers_missing::BrokersMissing,
    &zookeeper::ensemble_size::EnsembleSize,
    &zookeeper::myid_mismatch::MyidMismatch,
    &zookeeper::server_list_mismatch::ServerListMismatch,
    &zookeeper::client_port_mismatch::ClientPortMismatch,
    &zookeeper::no_quorum::NoQuorum,
    &zookeeper::followers_not_synced::FollowersNotSynced,
    &tls::endpoint_unreachable::EndpointUnreachable,
    &tls::not_tls::NotTls,
    &tls::handshake_rejected::HandshakeRejected,
    &tls::name_not_covered::NameNotCovered,
    &tls::client_auth_mismatch::ClientAuthMismatch,
    &tls::alpn_not_h2::AlpnNotH2,
    &tls::grpc_not_answering::GrpcNotAnswering,
    &tls::slow_handshake::SlowHandshake,
    &tls::legacy_protocol_accepted::LegacyProtocolAccepted,
    &tls::weak_cipher_accepted::WeakCipherAccepted,
    &tls::served_chain_invalid::ServedChainInvalid,
    &tls::served_certificate_stale::ServedCertificateStale,
    &dns::cluster_dns_missing::ClusterDnsMissing,
    &dns::search_cannot_complete::SearchCannotComplete,
    &dns::ndots_too_low::NdotsTooLow,
    &dns::lookup_outlasts_startup::LookupOutlastsStartup,
    &dns::setting_not_applied::SettingNotApplied,
    &dns::network_mode_unusable::NetworkModeUnusable,
    &dns::resolver_config_invalid::ResolverConfigInvalid,
    &dns::name_does_not_resolve::NameDoesNotResolve,
    &dns::resolved_outside_cluster::ResolvedOutsideCluster,
    &health::grpc_health_not_serving::GrpcHealthNotServing,
    &health::operations_unhealthy::OperationsUnhealthy,
    &health::block_heights_differ::BlockHeightsDiffer,
    &health::block_height_below_deployed::BlockHeightBelowDeployed,
    &health::chaincode_container_stopped::ChaincodeContainerStopped,
    &logs::certificate_window::CertificateWindow,
    &logs::handshake_resets::HandshakeResets,
    &logs::kafka_isr::KafkaIsr,
    &logs::chaincode_dns::ChaincodeDns,
    &logs::bad_certificate::BadCertificate,
    &logs::sanitize_cert_failed::SanitizeCertFailed,
    &logs::raft_log_lost::RaftLogLost,
    &deploy::network_not_deployed::NetworkNotDeployed,
    &channel::artifact_undecodable::ArtifactUndecodable,
    &channel::consensus_type_mismatch::ConsensusTypeMismatch,
    &channel::msp_roots_differ::MspRootsDiffer,
    &channel::certificate_expired::CertificateExpired,
    &channel::node_ous_mismatch::NodeOusMismatch,
    &channel::no_admin::NoAdmin,
    &channel::orderer_endpoint_unknown::OrdererEndpointUnknown,
    &channel::capability_too_new::CapabilityTooNew,
    &raft::consenter_count::ConsenterCount,
    &raft::consenter_tls_mismatch::ConsenterTlsMismatch,
    &raft::consenter_not_deployed::ConsenterNotDeployed,
    &raft::consenter_certificate::ConsenterCertificate,
    &raft::options_invalid::OptionsInvalid,
    &raft::raft_leader::RaftLeader,
    &raft::raft_nodes_inactive::RaftNodesInactive,
    &raft::config_fetch_failed::ConfigFetchFailed,
];

/// Which checks a run includes: ids or id prefixes (`X509`, `X509-00`), case-insensitive.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    pub fn includes(&self, id: &str) -> bool {
        let matches = |p: &String| id.to_ascii_uppercase().starts_with(&p.to_ascii_uppercase());
        (self.select.is_empty() || self.select.iter().any(matches))
            && !self.ignore.iter().any(matches)
    }
}

/// Runs the selected checks over the inventory and returns their findings.
///
/// A check that panics (a bug, never expected) becomes an `error` finding for that check
/// rather than taking the whole run down: a gate must report what it could not evaluate.
pub fn run(
    ctx: &Context,
    inventory: &Inventory,
    catalogue: &Catalogue,
    selection: &Selection,
) -> Vec<Finding> {
    REGISTRY
        .par_iter()
        .filter(|c| selection.includes(c.id()))
        .flat_map_iter(|check| {
            let entry = catalogue.get(check.id());
            let outcomes = catch_unwind(AssertUnwindSafe(|| check.evaluate(ctx, inventory)))
                .unwrap_or_else(|_| {
                    vec![Outcome::new(
                        Status::Error,
                        Target::new(TargetKind::Source, inventory.source.clone()),
                        "check failed to evaluate: internal error (please report this)",
                    )]
                });
            outcomes
                .into_iter()
                .map(move |o| finding(check.id(), entry, o))
        })
        .collect()
}

fn finding(id: &str, entry: Option<&Entry>, outcome: Outcome) -> Finding {
    Finding {
        check_id: id.to_owned(),
        title: entry.map(|e| e.title.clone()).unwrap_or_default(),
        severity: entry
            .map(|e| e.severity)
            .unwrap_or(crate::catalogue::Severity::Error),
        status: outcome.status,
        target: outcome.target,
        message: outcome.message,
        evidence: outcome.evidence,
        waived: None,
        known: false,
    }
}

/// The single `skip` outcome of a check that found nothing to examine.
pub fn nothing_to_check(inventory: &Inventory, what: &str) -> Vec<Outcome> {
    vec![Outcome::new(
        Status::Skip,
        Target::new(TargetKind::Source, inventory.source.clone()),
        {
            let reasons: Vec<&str> = inventory
                .gaps
                .iter()
                .map(String::as_str)
                .chain(inventory.live.not_probed.as_deref())
                .collect();
            if reasons.is_empty() {
                format!("no {what} found")
            } else {
                format!("no {what} found ({})", reasons.join("; "))
            }
        },
    )]
}

/// The verdict of a check that collects problems: `fail` with every problem (failures first)
/// when any is a failure, `warn` when only warnings, `None` when there is nothing to say.
pub fn problems_verdict(mut fails: Vec<String>, warns: Vec<String>) -> Option<(Status, String)> {
    if !fails.is_empty() {
        fails.extend(warns);
        Some((Status::Fail, fails.join("; ")))
    } else if !warns.is_empty() {
        Some((Status::Warn, warns.join("; ")))
    } else {
        None
    }
}

/// The value of a configured setting (Kafka, ZooKeeper, orderer) as a rule can judge it: `Ok(None)` when it is not set, `Err` when it
/// is written but cannot be evaluated (an unresolved variable, a template expression).
pub fn usable(
    setting: Option<&crate::inventory::ordering::Setting>,
) -> Result<Option<&str>, String> {
    match setting {
        None => Ok(None),
        Some(s) if !s.unresolved.is_empty() => Err(format!(
            "{} depends on {} with no value here",
            s.origin,
            s.unresolved.join(", ")
        )),
        Some(s) if s.templated => Err(format!(
            "{} is a template expression that was not evaluated",
            s.origin
        )),
        Some(s) => Ok(Some(s.value.as_str())),
    }
}

/// Why a count of workloads cannot be judged: the ones whose number of instances is a template
/// or variable that was not evaluated (a templated replica count, a service inside a template
/// loop, a compose file run once per host with no list saying how many), or `None`.
pub fn unknown_instances(workloads: &[&crate::inventory::ordering::Workload]) -> Option<String> {
    let unknown: Vec<&str> = workloads
        .iter()
        .filter(|w| w.replicas == crate::inventory::ordering::Replicas::Unknown)
        .map(|w| w.name.as_str())
        .collect();
    (!unknown.is_empty()).then(|| {
        format!(
            "cannot evaluate: how many instances of {} run is a template or variable that was not evaluated",
            unknown.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn registry_matches_catalogue() {
        let registered: Vec<&str> = REGISTRY.iter().map(|c| c.id()).collect();
        let unique: BTreeSet<&str> = registered.iter().copied().collect();
        assert_eq!(
            unique.len(),
            registered.len(),
            "a check id is registered twice: {registered:?}"
        );
        let catalogued: BTreeSet<&str> = Catalogue::embedded()
            .entries()
            .map(|e| e.id.as_str())
            .collect();
        let missing_code: Vec<_> = catalogued.difference(&unique).collect();
        let missing_text: Vec<_> = unique.difference(&catalogued).collect();
        assert!(
            missing_code.is_empty(),
            "catalogued but not registered: {missing_code:?}"
        );
        assert!(
            missing_text.is_empty(),
            "registered but not catalogued: {missing_text:?}"
        );
    }

    #[test]
    fn every_check_lives_in_a_file_named_after_its_catalogue_name() {
        for entry in Catalogue::embedded().entries() {
            let area = match entry.id.split('-').next().unwrap() {
                "ZK" => "zookeeper".to_owned(),
                "LOG" => "logs".to_owned(),
                other => other.to_ascii_lowercase(),
            };
            let file = format!(
                "{}/src/checks/{area}/{}.rs",
                env!("CARGO_MANIFEST_DIR"),
                entry.name.replace('-', "_")
            );
            assert!(
                std::path::Path::new(&file).exists(),
                "{} ({}) should live in {file}",
                entry.id,
                entry.name
            );
        }
    }

    #[test]
    fn selection_by_prefix() {
        let s = Selection {
            select: vec!["x509".into()],
            ignore: vec!["X509-003".into()],
        };
        assert!(s.includes("X509-001"));
        assert!(!s.includes("X509-003"));
        assert!(!s.includes("KAFKA-001"));
        assert!(Selection::default().includes("ZK-001"));
    }

    #[test]
    fn empty_inventory_gives_skips_not_passes() {
        let inv = Inventory {
            source: "artifacts:empty".into(),
            ..Inventory::default()
        };
        let findings = run(
            &Context::at(time::macros::datetime!(2026-01-01 0:00 UTC)),
            &inv,
            Catalogue::embedded(),
            &Selection::default(),
        );
        assert!(!findings.is_empty());
        for f in &findings {
            assert_ne!(
                f.status,
                Status::Pass,
                "{} passed with nothing to check",
                f.check_id
            );
        }
    }
}
