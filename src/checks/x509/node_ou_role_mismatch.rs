//! X509-015 `node-ou-role-mismatch`: with NodeOUs enabled, an identity that does not carry
//! exactly one of the roles the MSP's `config.yaml` maps, carries a role that is not the one
//! its place says (a peer that is a client), was issued outside the CA a role names, or an
//! admin that is an admin in one MSP and not in the org's.
//!
//! Fabric's rules, all from `msp/mspimplvalidate.go` and `msp/mspimplsetup.go` (local MSPs
//! are set up at the newest MSP version, 1.4.3's semantics):
//! - `validateIdentityOUsV143`: an identity must carry exactly one OU among the client, peer,
//!   admin and orderer identifiers configured — "the identity must be a client, a peer, an
//!   orderer or an admin identity to be valid, not a combination of them"; and when the
//!   identifier names a `Certificate`, the identity must chain to it — "certifiersIdentifier
//!   does not match". A signing identity the MSP refuses stops the node.
//! - `postSetupV143`: every `admincerts/` entry must carry the client or the admin role, or the
//!   MSP does not set up ("admin N is invalid").
//! - Policies name roles: `OR('Org1MSP.peer')` (the sample Endorsement policy) refuses a peer
//!   whose certificate carries the client role, `OR('Org1MSP.admin')` an admin that is only a
//!   client. An `Admin@` user is an admin by the admin role or by `admincerts/`; channel
//!   operations are judged by the org's MSP (the org-level `msp/` folder that goes into the
//!   channel), so an admin listed only in a node's local `admincerts/` is no admin there.

use std::collections::HashMap;

use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::chain::path_to_root;
use crate::inventory::layout::NodeKind;
use crate::inventory::msp::{MspConfig, NodeOuRoles};
use crate::inventory::{CertRecord, Inventory, MspDir, Role};

pub struct NodeOuRoleMismatch;

/// The roles of `roles` whose OU `ous` carries, in Fabric's order.
pub fn roles_carried(roles: &NodeOuRoles, ous: &[String]) -> Vec<&'static str> {
    roles
        .iter()
        .filter(|(_, id)| ous.contains(&id.ou))
        .map(|(role, _)| role)
        .collect()
}

/// The role a signing identity should carry, from the folder it is in: `peers/` → peer,
/// `orderers/` → orderer, `users/Admin@…` → admin, other users → client.
pub fn expected_role(kind: Option<NodeKind>, node: Option<&str>) -> Option<&'static str> {
    match kind? {
        NodeKind::Peer => Some("peer"),
        NodeKind::Orderer => Some("orderer"),
        NodeKind::User if node.is_some_and(|n| n.starts_with("Admin@")) => Some("admin"),
        NodeKind::User => Some("client"),
    }
}

/// The verdict on the signing identity of one MSP: the roles it carries, the role its place
/// asks for (when `config.yaml` maps that role), and whether it is in the MSP's own
/// `admincerts/` (which makes a client an admin).
pub fn signer_verdict(
    roles: &NodeOuRoles,
    carried: &[&'static str],
    expected: Option<&'static str>,
    in_admincerts: bool,
) -> Result<String, String> {
    if carried.len() != 1 {
        return Err(format!(
            "carries {} of the NodeOU roles config.yaml maps ({}){}: Fabric refuses the \
             identity (\"the identity must be a client, a peer, an orderer or an admin identity \
             to be valid, not a combination of them\")",
            if carried.is_empty() {
                "none".to_string()
            } else {
                format!("{} ({})", carried.len(), carried.join(", "))
            },
            mapped(roles),
            if carried.is_empty() { "" } else { " at once" },
        ));
    }
    let role = carried[0];
    match expected {
        Some(want) if want == role => Ok(format!("carries the {role} role")),
        Some("admin") if role == "client" && in_admincerts => {
            Ok("carries the client role and is an admin by admincerts/ of its MSP".to_string())
        }
        Some("admin") if role == "client" => Err(
            "an Admin@ user that carries the client role and is in no admincerts/: it is no \
             admin, so policies naming the admin role (OR('…MSP.admin'), the Admins policies) \
             refuse what it signs"
                .to_string(),
        ),
        Some(want) if roles.iter().any(|(r, _)| r == want) => Err(format!(
            "carries the {role} role where a {want} belongs: policies naming the {want} role \
             (e.g. OR('…MSP.{want}')) refuse it"
        )),
        // config.yaml maps no identifier for the role its place asks for (1.4 configs without
        // AdminOUIdentifier or OrdererOUIdentifier): any one role is valid.
        _ => Ok(format!("carries the {role} role")),
    }
}

impl Check for NodeOuRoleMismatch {
    fn id(&self) -> &'static str {
        "X509-015"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut by_msp: HashMap<&str, Vec<(usize, &CertRecord)>> = HashMap::new();
        for (i, c) in inv.certs.iter().enumerate() {
            if let Some(dir) = c.layout.msp_dir.as_deref() {
                by_msp.entry(dir).or_default().push((i, c));
            }
        }
        let msp_at: HashMap<&str, &MspDir> =
            inv.msps.iter().map(|m| (m.path.as_str(), m)).collect();
        let mut out = Vec::new();
        for msp in &inv.msps {
            let Some(config) = msp.config.as_ref() else {
                continue;
            };
            if !config.node_ous_enabled || config.error.is_some() || msp.tls_enrollment().is_some()
            {
                continue;
            }
            let members = by_msp.get(msp.path.as_str()).map_or(&[][..], Vec::as_slice);
            let org_msp = org_msp_path(&msp.path)
                .and_then(|p| msp_at.get(p.as_str()).copied())
                .filter(|o| o.path != msp.path);
            out.push(evaluate_msp(inv, msp, config, members, org_msp, &by_msp));
        }
        if out.is_empty() {
            return nothing_to_check(inv, "MSP folders with NodeOUs enabled");
        }
        out
    }
}

fn evaluate_msp(
    inv: &Inventory,
    msp: &MspDir,
    config: &MspConfig,
    members: &[(usize, &CertRecord)],
    org_msp: Option<&MspDir>,
    by_msp: &HashMap<&str, Vec<(usize, &CertRecord)>>,
) -> Outcome {
    let roles = &config.roles;
    let mut fails = Vec::new();
    let mut passes = Vec::new();
    let admincerts: Vec<&CertRecord> = members
        .iter()
        .filter(|(_, c)| c.layout.role() == Role::MspAdminCert)
        .map(|(_, c)| *c)
        .collect();
    for &(i, c) in members {
        let name = c.common_name();
        match c.layout.role() {
            Role::MspSignCert => {
                let carried = roles_carried(roles, &c.organizational_units);
                // Only the cryptogen layout of the file's own path says what the identity is
                // for: a folder mounted into a pod (`/var/hyperledger/admin/msp` in a peer's
                // namespace) may hold any identity.
                let expected = expected_role(c.layout.node_kind, c.layout.node.as_deref());
                let in_admincerts = admincerts.iter().any(|a| a.fingerprint == c.fingerprint);
                match signer_verdict(roles, &carried, expected, in_admincerts) {
                    Ok(text) => passes.push(format!("signcerts/ {name} {text}")),
                    Err(text) => fails.push(format!("signcerts/ {name} {text}")),
                }
                if let [role] = carried[..]
                    && let Some(problem) = certifier_mismatch(inv, msp, roles, role, i)
                {
                    fails.push(format!("signcerts/ {name}: {problem}"));
                }
            }
            Role::MspAdminCert => {
                let carried = roles_carried(roles, &c.organizational_units);
                if !carried.iter().any(|r| *r == "client" || *r == "admin") {
                    fails.push(format!(
                        "admincerts/ {name} carries neither the client nor the admin role (its \
                         OUs: [{}]; config.yaml maps {}): with NodeOUs enabled Fabric's MSP does \
                         not set up (\"admin N is invalid\", msp/mspimplsetup.go postSetupV143)",
                        c.organizational_units.join(", "),
                        mapped(roles)
                    ));
                }
                if let [role] = carried[..]
                    && let Some(problem) = certifier_mismatch(inv, msp, roles, role, i)
                {
                    fails.push(format!("admincerts/ {name}: {problem}"));
                }
                if let Some(org) = org_msp
                    && !is_org_admin(org, by_msp, c)
                {
                    fails.push(format!(
                        "admincerts/ {name} makes it an admin of this MSP, but the org's MSP {} \
                         (the one channels use) neither lists it in admincerts/ nor maps an \
                         admin role it carries: channel operations it signs as admin are refused",
                        org.path
                    ));
                }
            }
            _ => {}
        }
    }
    let target = Target::new(TargetKind::Msp, msp.path.clone());
    let outcome = if !fails.is_empty() {
        Outcome::new(Status::Fail, target, fails.join("; "))
    } else if passes.is_empty() && admincerts.is_empty() {
        Outcome::new(
            Status::Pass,
            target,
            "NodeOUs enabled; no signing identity or admin certificate in this MSP to judge",
        )
    } else {
        let mut text = passes;
        if !admincerts.is_empty() {
            text.push(format!(
                "{} admincerts/ entr{} with the client or admin role",
                admincerts.len(),
                if admincerts.len() == 1 { "y" } else { "ies" }
            ));
        }
        Outcome::new(Status::Pass, target, text.join("; "))
    };
    outcome.with("node_ous", mapped(roles))
}

/// The roles config.yaml maps, for messages: `client=client, peer=peer`.
fn mapped(roles: &NodeOuRoles) -> String {
    roles
        .iter()
        .map(|(r, id)| format!("{r}={}", id.ou))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The org-level MSP folder of the cryptogen tree an MSP folder is in:
/// `…/peerOrganizations/org1/peers/peer0/msp` → `…/peerOrganizations/org1/msp`.
pub fn org_msp_path(msp: &str) -> Option<String> {
    let parts: Vec<&str> = msp.split('/').collect();
    let at = parts
        .iter()
        .position(|p| *p == "peerOrganizations" || *p == "ordererOrganizations")?;
    let org = parts.get(at + 1)?;
    Some(format!("{}/{org}/msp", parts[..=at].join("/")))
}

/// Whether `cert` is an admin of the org-level MSP `org`: listed in its `admincerts/`, or
/// carrying the admin role its `config.yaml` maps.
fn is_org_admin(
    org: &MspDir,
    by_msp: &HashMap<&str, Vec<(usize, &CertRecord)>>,
    cert: &CertRecord,
) -> bool {
    let listed = by_msp.get(org.path.as_str()).is_some_and(|m| {
        m.iter().any(|(_, c)| {
            c.layout.role() == Role::MspAdminCert && c.fingerprint == cert.fingerprint
        })
    });
    let by_role = org.config.as_ref().is_some_and(|c| {
        c.node_ous_enabled
            && c.roles
                .admin
                .as_ref()
                .is_some_and(|a| cert.organizational_units.contains(&a.ou))
    });
    listed || by_role
}

/// When the identifier of `role` names a CA certificate, whether the identity at `index` fails
/// to chain to it (Fabric: "certifiersIdentifier does not match").
fn certifier_mismatch(
    inv: &Inventory,
    msp: &MspDir,
    roles: &NodeOuRoles,
    role: &str,
    index: usize,
) -> Option<String> {
    let (_, id) = roles.iter().find(|(r, _)| *r == role)?;
    let file = id.certificate.as_deref()?;
    let path = format!("{}/{}", msp.path, file.trim_start_matches("./"));
    let named = inv.certs.iter().find(|c| c.origin.path == path)?;
    let (chain, _) = path_to_root(&inv.links, index);
    let chains = chain
        .iter()
        .any(|&i| inv.certs[i].fingerprint == named.fingerprint);
    (!chains).then(|| {
        format!(
            "its {role} role names the CA {file} ({}), which it does not chain to: Fabric \
             refuses it (\"certifiersIdentifier does not match\")",
            named.common_name()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::msp::NodeOuIdentifier;

    fn roles(admin: bool, orderer: bool) -> NodeOuRoles {
        let id = |ou: &str| {
            Some(NodeOuIdentifier {
                ou: ou.into(),
                certificate: None,
            })
        };
        NodeOuRoles {
            client: id("client"),
            peer: id("peer"),
            admin: if admin { id("admin") } else { None },
            orderer: if orderer { id("orderer") } else { None },
        }
    }

    #[test]
    fn exactly_one_role() {
        let r = roles(true, true);
        assert_eq!(roles_carried(&r, &["peer".into()]), ["peer"]);
        let err = signer_verdict(&r, &[], Some("peer"), false).unwrap_err();
        assert!(err.contains("carries none"), "{err}");
        assert!(err.contains("not a combination of them"), "{err}");
        let err = signer_verdict(&r, &["client", "peer"], Some("peer"), false).unwrap_err();
        assert!(err.contains("carries 2 (client, peer) of"), "{err}");
    }

    #[test]
    fn role_must_match_the_place() {
        let r = roles(true, true);
        assert!(signer_verdict(&r, &["peer"], Some("peer"), false).is_ok());
        let err = signer_verdict(&r, &["client"], Some("peer"), false).unwrap_err();
        assert!(err.contains("OR('…MSP.peer')"), "{err}");
        // An admin by admincerts/ may carry the client role.
        assert!(signer_verdict(&r, &["client"], Some("admin"), true).is_ok());
        let err = signer_verdict(&r, &["client"], Some("admin"), false).unwrap_err();
        assert!(err.contains("is no admin"), "{err}");
        // Roles config.yaml does not map are not asked for (1.4 configs without orderer OU).
        assert!(signer_verdict(&roles(false, false), &["client"], Some("orderer"), false).is_ok());
    }

    #[test]
    fn org_msp_of_a_node() {
        assert_eq!(
            org_msp_path("a/crypto-config/peerOrganizations/org1/peers/peer0/msp").as_deref(),
            Some("a/crypto-config/peerOrganizations/org1/msp")
        );
        assert_eq!(org_msp_path("nodeous1"), None);
    }

    #[test]
    fn expected_roles_from_layout() {
        assert_eq!(
            expected_role(Some(NodeKind::Peer), Some("peer0")),
            Some("peer")
        );
        assert_eq!(
            expected_role(Some(NodeKind::User), Some("Admin@org1")),
            Some("admin")
        );
        assert_eq!(
            expected_role(Some(NodeKind::User), Some("User1@org1")),
            Some("client")
        );
        assert_eq!(expected_role(None, None), None);
    }
}
