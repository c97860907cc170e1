//! MSP folders: which of Fabric's subfolders exist and what `config.yaml` says about NodeOUs.

use std::collections::BTreeMap;

use super::Origin;
use super::layout::NodeKind;

/// One MSP folder as found on disk. Counts are of files; the certificates and keys themselves
/// are in the inventory with this folder as their `msp_dir`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MspDir {
    /// Display path of the folder.
    pub path: String,
    /// Subfolder name → number of files in it, for every MSP subfolder present.
    pub subdirs: BTreeMap<String, usize>,
    /// `config.yaml` facts, when the file exists.
    pub config: Option<MspConfig>,
    /// The node or user folder the MSP belongs to (`peers/<name>/msp`), from the layout below
    /// the scanned root; `None` for an org-level MSP or a free-standing folder.
    pub node: Option<NodeKind>,
}

/// What fabcheck reads from an MSP's `config.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MspConfig {
    pub origin: Origin,
    /// `NodeOUs.Enable`.
    pub node_ous_enabled: bool,
    /// `NodeOUs.AdminOUIdentifier` present (Fabric 1.4.3+: admins by OU, no admincerts needed).
    pub admin_ou: bool,
    /// `OrganizationalUnitIdentifiers[].OrganizationalUnitIdentifier`: when set, every identity
    /// of the MSP must carry one of these OUs.
    pub ou_identifiers: Vec<String>,
    /// Why the file could not be read, if it could not.
    pub error: Option<String>,
}

impl MspDir {
    /// Number of files in subfolder `name`, 0 when it is absent.
    pub fn count(&self, name: &str) -> usize {
        self.subdirs.get(name).copied().unwrap_or(0)
    }

    pub fn has(&self, name: &str) -> bool {
        self.subdirs.contains_key(name)
    }

    /// A signing (local) MSP holds an identity; an org-level (verifying) MSP holds only CAs.
    /// A node's or user's MSP is signing even when its signcerts/ and keystore/ are missing.
    pub fn is_signing(&self) -> bool {
        self.node.is_some() || self.has("signcerts") || self.has("keystore")
    }
}

/// Parses the NodeOUs part of an MSP `config.yaml`.
pub fn parse_config(text: &str, origin: Origin) -> MspConfig {
    #[derive(serde::Deserialize, Default)]
    #[serde(rename_all = "PascalCase")]
    struct Raw {
        #[serde(rename = "NodeOUs")]
        node_ous: Option<NodeOus>,
        #[serde(rename = "OrganizationalUnitIdentifiers", default)]
        ou_identifiers: Option<Vec<OuIdentifier>>,
    }
    #[derive(serde::Deserialize)]
    struct OuIdentifier {
        #[serde(rename = "OrganizationalUnitIdentifier")]
        ou: String,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(rename_all = "PascalCase")]
    struct NodeOus {
        #[serde(default)]
        enable: bool,
        #[serde(rename = "AdminOUIdentifier")]
        admin_ou_identifier: Option<serde::de::IgnoredAny>,
    }
    match crate::yaml::from_str::<Option<Raw>>(text) {
        Ok(raw) => {
            let raw = raw.unwrap_or_default();
            let ous = raw.node_ous.unwrap_or_default();
            MspConfig {
                origin,
                node_ous_enabled: ous.enable,
                admin_ou: ous.admin_ou_identifier.is_some(),
                ou_identifiers: raw
                    .ou_identifiers
                    .unwrap_or_default()
                    .into_iter()
                    .map(|o| o.ou)
                    .collect(),
                error: None,
            }
        }
        Err(e) => MspConfig {
            origin,
            error: Some(format!("failed to parse config.yaml: {e}")),
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ous_enabled_with_admin_ou() {
        let text = "NodeOUs:\n  Enable: true\n  ClientOUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: client\n  AdminOUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: admin\n";
        let c = parse_config(text, Origin::file("config.yaml"));
        assert!(c.node_ous_enabled);
        assert!(c.admin_ou);
        assert_eq!(c.error, None);
    }

    #[test]
    fn ou_identifiers_only() {
        let text = "OrganizationalUnitIdentifiers:\n  - Certificate: cacerts/cacert.pem\n    OrganizationalUnitIdentifier: COP\n";
        let c = parse_config(text, Origin::file("config.yaml"));
        assert!(!c.node_ous_enabled);
        assert_eq!(c.ou_identifiers, vec!["COP".to_string()]);
        assert_eq!(c.error, None);
    }

    #[test]
    fn broken_yaml_is_reported() {
        let c = parse_config("NodeOUs: [\n", Origin::file("config.yaml"));
        assert!(c.error.unwrap().starts_with("failed to parse config.yaml"));
    }
}
