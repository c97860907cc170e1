//! X509-008 `msp-incomplete`: an MSP folder Fabric cannot load as it stands.
//!
//! Fabric reads an MSP from fixed subfolders. This check looks at what each folder holds and
//! whether its identities chain to its own roots; validity and signatures are judged by the
//! per-certificate checks.
//!
//! Two fabric-ca folders have an MSP's subfolders without being MSPs, and are judged as what
//! they are: a TLS enrollment (`fabric-ca-client enroll --enrollment.profile tls -M …/tls`:
//! TLS roots in `tlscacerts/`, nothing in `cacerts/`) needs its certificate, its key and the
//! TLS CA it chains to, not `cacerts/` or admins; a fabric-ca server's own `msp/` (its key
//! store, beside `fabric-ca-server-config.yaml`) is listed as not an MSP and skipped.

use std::collections::HashMap;

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::{CertRecord, Inventory, MspDir, Role};

use super::broken_chain::chains_to;

pub struct MspIncomplete;

impl Check for MspIncomplete {
    fn id(&self) -> &'static str {
        "X509-008"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        if inv.msps.is_empty() {
            return nothing_to_check(inv, "MSP folders");
        }
        // Certificates by MSP folder, built once: scanning every certificate per MSP is
        // quadratic in the size of the network.
        let mut by_msp: HashMap<&str, Vec<(usize, &CertRecord)>> = HashMap::new();
        for (i, c) in inv.certs.iter().enumerate() {
            if let Some(dir) = c.layout.msp_dir.as_deref() {
                by_msp.entry(dir).or_default().push((i, c));
            }
        }
        inv.msps
            .iter()
            .map(|msp| {
                evaluate_msp(
                    inv,
                    msp,
                    by_msp.get(msp.path.as_str()).map_or(&[][..], Vec::as_slice),
                )
            })
            .collect()
    }
}

fn evaluate_msp(inv: &Inventory, msp: &MspDir, members: &[(usize, &CertRecord)]) -> Outcome {
    if let Some(why) = &msp.ca_server_home
        && msp.count("cacerts") == 0
        && msp.count("signcerts") == 0
    {
        return Outcome::new(
            Status::Skip,
            Target::new(TargetKind::Msp, msp.path.clone()),
            format!(
                "a fabric-ca server's own msp/ folder ({why}), not an MSP: its keystore/ holds the CA's keys ({} key file(s)) and no Fabric node loads it, so it is not checked as one",
                msp.count("keystore")
            ),
        )
        .with("kind", "fabric-ca-server-home")
        .with(
            "folders",
            serde_json::to_value(&msp.subdirs).unwrap_or_default(),
        );
    }
    if let Some(why) = msp.tls_enrollment() {
        return evaluate_tls_enrollment(inv, msp, members, &why);
    }
    let mut fails: Vec<String> = Vec::new();
    let mut warns: Vec<String> = Vec::new();
    let signing = msp.is_signing();
    let node_ous = msp.config.as_ref().is_some_and(|c| c.node_ous_enabled);

    let mut require = |name: &str, why: &str, into_fails: bool| {
        let text = match (msp.has(name), msp.count(name)) {
            (false, _) => format!("{name}/ is missing ({why})"),
            (true, 0) => format!("{name}/ is empty ({why})"),
            _ => return,
        };
        if into_fails {
            fails.push(text)
        } else {
            warns.push(text)
        }
    };
    require("cacerts", "Fabric requires at least one root CA", true);
    if signing {
        require("signcerts", "the node's or user's own certificate", true);
        require("keystore", "the private key for signcerts", true);
    }
    if !node_ous {
        require(
            "admincerts",
            "no admins: add admin certificates or enable NodeOUs in config.yaml",
            true,
        );
    }
    require(
        "tlscacerts",
        "TLS connections using this MSP have no root to verify against",
        false,
    );
    if signing && msp.count("signcerts") > 1 {
        fails.push(format!(
            "signcerts/ holds {} certificates; Fabric requires exactly one",
            msp.count("signcerts")
        ));
    }
    if let Some(config) = &msp.config
        && let Some(error) = &config.error
    {
        fails.push(format!("{}: {error}", config.origin));
    }

    let anchors: Vec<&CertRecord> = members
        .iter()
        .filter(|(_, c)| c.layout.role() == Role::MspCaCert)
        .map(|&(_, c)| c)
        .collect();
    if !anchors.is_empty() {
        for &(i, c) in members {
            let (role, folder) = match c.layout.role() {
                Role::MspSignCert => (true, "signcerts"),
                Role::MspAdminCert if !anchors.iter().any(|a| a.fingerprint == c.fingerprint) => {
                    (true, "admincerts")
                }
                Role::MspIntermediateCert => (true, "intermediatecerts"),
                _ => (false, ""),
            };
            if role
                && c.layout.role() != Role::MspIntermediateCert
                && let Some(config) = &msp.config
                && !config.ou_identifiers.is_empty()
                && !c
                    .organizational_units
                    .iter()
                    .any(|ou| config.ou_identifiers.contains(ou))
            {
                fails.push(format!(
                    "{folder}/ certificate {} has OUs [{}], none of the OrganizationalUnitIdentifiers [{}] in config.yaml: Fabric rejects the identity",
                    c.common_name(),
                    c.organizational_units.join(", "),
                    config.ou_identifiers.join(", ")
                ));
            }
            if role && !chains_to(inv, i, &anchors) {
                fails.push(format!(
                    "{folder}/ certificate {} ({}) is not issued by any root in cacerts/ (directly or through intermediatecerts/)",
                    c.common_name(),
                    c.origin
                ));
            }
        }
    }

    let (status, message) = if !fails.is_empty() {
        fails.extend(warns);
        (Status::Fail, fails.join("; "))
    } else if !warns.is_empty() {
        (Status::Warn, warns.join("; "))
    } else {
        (
            Status::Pass,
            format!(
                "{} MSP folder is complete",
                if signing { "signing" } else { "verifying" }
            ),
        )
    };
    Outcome::new(
        status,
        Target::new(TargetKind::Msp, msp.path.clone()),
        message,
    )
    .with("kind", if signing { "signing" } else { "verifying" })
    .with("node_ous", node_ous)
    .with(
        "folders",
        serde_json::to_value(&msp.subdirs).unwrap_or_default(),
    )
}

/// A fabric-ca TLS enrollment folder: the node's TLS certificate in `signcerts/`, its key in
/// `keystore/`, the TLS CA's chain in `tlscacerts/` (and `tlsintermediatecerts/`). Validity,
/// signatures and the key pair are judged by the per-certificate checks as everywhere.
fn evaluate_tls_enrollment(
    inv: &Inventory,
    msp: &MspDir,
    members: &[(usize, &CertRecord)],
    why: &str,
) -> Outcome {
    let mut fails: Vec<String> = Vec::new();
    for (name, what) in [
        ("signcerts", "the node's TLS certificate"),
        ("keystore", "the TLS certificate's private key"),
        ("tlscacerts", "the TLS CA that issued the certificate"),
    ] {
        match (msp.has(name), msp.count(name)) {
            (false, _) => fails.push(format!("{name}/ is missing ({what})")),
            (true, 0) => fails.push(format!("{name}/ is empty ({what})")),
            _ => {}
        }
    }
    if msp.count("signcerts") > 1 {
        fails.push(format!(
            "signcerts/ holds {} certificates; fabric-ca-client writes one",
            msp.count("signcerts")
        ));
    }
    let anchors: Vec<&CertRecord> = members
        .iter()
        .filter(|(_, c)| c.layout.role() == Role::MspTlsCaCert)
        .map(|&(_, c)| c)
        .collect();
    if !anchors.is_empty() {
        for &(i, c) in members {
            if c.layout.role() == Role::MspSignCert && !chains_to(inv, i, &anchors) {
                fails.push(format!(
                    "signcerts/ certificate {} ({}) is not issued by any root in tlscacerts/ (directly or through tlsintermediatecerts/)",
                    c.common_name(),
                    c.origin
                ));
            }
        }
    }
    let (status, message) = if fails.is_empty() {
        (
            Status::Pass,
            format!(
                "TLS enrollment folder, not an MSP ({why}): its certificate, key and TLS CA are present and the certificate chains to tlscacerts/; cacerts/ and admins are not needed"
            ),
        )
    } else {
        (
            Status::Fail,
            format!("TLS enrollment folder ({why}): {}", fails.join("; ")),
        )
    };
    Outcome::new(
        status,
        Target::new(TargetKind::Msp, msp.path.clone()),
        message,
    )
    .with("kind", "tls-enrollment")
    .with(
        "folders",
        serde_json::to_value(&msp.subdirs).unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::testing::*;
    use super::*;
    use crate::inventory::msp::MspConfig;

    fn msp(path: &str, folders: &[(&str, usize)]) -> MspDir {
        MspDir {
            path: path.into(),
            subdirs: folders
                .iter()
                .map(|(n, c)| (n.to_string(), *c))
                .collect::<BTreeMap<_, _>>(),
            ..MspDir::default()
        }
    }

    fn leaf(ca: &Cert) -> Cert {
        ca.issue(Spec::new(
            "org1",
            "peer0",
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ))
    }

    #[test]
    fn complete_signing_msp_passes() {
        let ca = root("org1");
        let peer = leaf(&ca);
        let admin = ca.issue(Spec::new(
            "org1",
            "Admin",
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ));
        let m = msp(
            "msp",
            &[
                ("cacerts", 1),
                ("signcerts", 1),
                ("keystore", 1),
                ("admincerts", 1),
                ("tlscacerts", 1),
            ],
        );
        let inv = inventory(
            vec![
                record(&ca, "msp/cacerts/ca.pem"),
                record(&peer, "msp/signcerts/p.pem"),
                record(&admin, "msp/admincerts/a.pem"),
            ],
            vec![],
            vec![m],
        );
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert_eq!(o.target.kind, TargetKind::Msp);
    }

    #[test]
    fn missing_cacerts_and_empty_signcerts_fail() {
        let m = msp(
            "msp",
            &[
                ("signcerts", 0),
                ("keystore", 1),
                ("admincerts", 1),
                ("tlscacerts", 1),
            ],
        );
        let inv = inventory(vec![], vec![], vec![m]);
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("cacerts/ is missing"), "{}", o.message);
        assert!(o.message.contains("signcerts/ is empty"), "{}", o.message);
    }

    #[test]
    fn node_ous_replace_admincerts_and_missing_tlscacerts_warns() {
        let mut m = msp("msp", &[("cacerts", 1)]);
        let inv = inventory(vec![], vec![], vec![m.clone()]);
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Fail, "no admincerts, no NodeOUs");
        m.config = Some(MspConfig {
            node_ous_enabled: true,
            ..MspConfig::default()
        });
        let inv = inventory(vec![], vec![], vec![m]);
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Warn, "{}", o.message);
        assert!(o.message.contains("tlscacerts/ is missing"));
    }

    #[test]
    fn signcert_from_a_foreign_ca_fails() {
        let ca = root("org1");
        let other = root("org2");
        let peer = leaf(&other);
        let m = msp(
            "msp",
            &[
                ("cacerts", 1),
                ("signcerts", 1),
                ("keystore", 1),
                ("admincerts", 1),
                ("tlscacerts", 1),
            ],
        );
        let inv = inventory(
            vec![
                record(&ca, "msp/cacerts/ca.pem"),
                record(&other, "elsewhere/ca.pem"),
                record(&peer, "msp/signcerts/p.pem"),
            ],
            vec![],
            vec![m],
        );
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.message.contains("signcerts/ certificate peer0"),
            "{}",
            o.message
        );
    }

    #[test]
    fn identity_outside_the_ou_identifiers_fails() {
        let ca = root("org1");
        let admin = ca.issue(
            Spec::new(
                "org1",
                "COP2",
                "2021-01-01T00:00:00Z",
                "2030-01-01T00:00:00Z",
            )
            .ous(&["COP2"]),
        );
        let mut m = msp(
            "msp",
            &[("cacerts", 1), ("admincerts", 1), ("tlscacerts", 1)],
        );
        m.config = Some(MspConfig {
            ou_identifiers: vec!["COP1".into()],
            ..MspConfig::default()
        });
        let inv = inventory(
            vec![
                record(&ca, "msp/cacerts/ca.pem"),
                record(&admin, "msp/admincerts/a.pem"),
            ],
            vec![],
            vec![m.clone()],
        );
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("admincerts/ certificate COP2 has OUs [COP2], none of the OrganizationalUnitIdentifiers [COP1]"), "{}", o.message);
        m.config = Some(MspConfig {
            ou_identifiers: vec!["COP2".into()],
            ..MspConfig::default()
        });
        let inv = inventory(
            vec![
                record(&ca, "msp/cacerts/ca.pem"),
                record(&admin, "msp/admincerts/a.pem"),
            ],
            vec![],
            vec![m],
        );
        assert_eq!(
            MspIncomplete.evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)[0].status,
            Status::Pass
        );
    }

    #[test]
    fn broken_config_yaml_fails() {
        let mut m = msp(
            "msp",
            &[("cacerts", 1), ("admincerts", 1), ("tlscacerts", 1)],
        );
        m.config = Some(MspConfig {
            error: Some("failed to parse config.yaml: bad".into()),
            ..MspConfig::default()
        });
        let inv = inventory(vec![], vec![], vec![m]);
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("failed to parse config.yaml"));
    }

    fn tls_enrollment_dir(path: &str, folders: &[(&str, usize)]) -> MspDir {
        msp(path, folders)
    }

    #[test]
    fn a_tls_enrollment_is_judged_as_one_not_as_an_msp() {
        let tlsca = root("tlsca.org1");
        let tls = tlsca.issue(Spec::new(
            "org1",
            "peer0",
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ));
        let folders = [
            ("cacerts", 0),
            ("keystore", 1),
            ("signcerts", 1),
            ("tlscacerts", 1),
        ];
        let m = tls_enrollment_dir("peers/peer0/tls", &folders);
        let inv = inventory(
            vec![
                record(&tlsca, "peers/peer0/tls/tlscacerts/tls-ca.pem"),
                record(&tls, "peers/peer0/tls/signcerts/cert.pem"),
            ],
            vec![],
            vec![m],
        );
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Pass, "{}", o.message);
        assert!(
            o.message
                .starts_with("TLS enrollment folder, not an MSP (a folder named 'tls'"),
            "{}",
            o.message
        );
        assert_eq!(o.evidence["kind"], "tls-enrollment");

        // Its certificate must still chain to its TLS CA, and its key must be there.
        let other = root("tlsca.org2");
        let m = tls_enrollment_dir(
            "peers/peer0/tls",
            &[("cacerts", 0), ("signcerts", 1), ("tlscacerts", 1)],
        );
        let inv = inventory(
            vec![
                record(&other, "peers/peer0/tls/tlscacerts/tls-ca.pem"),
                record(&tlsca, "elsewhere/ca.pem"),
                record(&tls, "peers/peer0/tls/signcerts/cert.pem"),
            ],
            vec![],
            vec![m],
        );
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
        assert!(o.message.contains("keystore/ is missing"), "{}", o.message);
        assert!(
            o.message
                .contains("is not issued by any root in tlscacerts/"),
            "{}",
            o.message
        );
    }

    #[test]
    fn an_msp_named_msp_without_cacerts_still_fails() {
        let m = msp(
            "peers/peer0/msp",
            &[
                ("cacerts", 0),
                ("keystore", 1),
                ("signcerts", 1),
                ("tlscacerts", 1),
            ],
        );
        let inv = inventory(vec![], vec![], vec![m]);
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Fail);
        assert!(o.message.contains("cacerts/ is empty"), "{}", o.message);
    }

    #[test]
    fn a_fabric_ca_server_home_is_skipped_as_not_an_msp() {
        let mut m = msp(
            "ca/org1/msp",
            &[("cacerts", 0), ("keystore", 2), ("signcerts", 0)],
        );
        m.ca_server_home =
            Some("beside the fabric-ca server's fabric-ca-server-config.yaml".into());
        let inv = inventory(vec![], vec![], vec![m.clone()]);
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Skip, "{}", o.message);
        assert!(
            o.message.contains("fabric-ca server's own msp/ folder"),
            "{}",
            o.message
        );
        // One that holds an identity after all is an MSP and judged as one.
        m.subdirs.insert("signcerts".into(), 1);
        let inv = inventory(vec![], vec![], vec![m]);
        let o = MspIncomplete
            .evaluate(&ctx("2026-01-01T00:00:00Z"), &inv)
            .remove(0);
        assert_eq!(o.status, Status::Fail, "{}", o.message);
    }
}
