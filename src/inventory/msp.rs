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
    /// Why this folder is a fabric-ca server's own `msp/` (its key store, next to
    /// `fabric-ca-server-config.yaml`, or holding the CA's Idemix issuer keys), not an MSP
    /// Fabric loads; `None` otherwise.
    pub ca_server_home: Option<String>,
    /// The setting that names a file of this folder as a node's TLS material
    /// (`CORE_PEER_TLS_CERT_FILE=…/signcerts/cert.pem`), for a folder a pod mounts.
    pub tls_reference: Option<String>,
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
    /// The four NodeOU role identifiers (`ClientOUIdentifier` … `OrdererOUIdentifier`).
    pub roles: NodeOuRoles,
    /// Why the file could not be read, if it could not.
    pub error: Option<String>,
}

/// The NodeOU identifiers of an MSP's `config.yaml`, by role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeOuRoles {
    pub client: Option<NodeOuIdentifier>,
    pub peer: Option<NodeOuIdentifier>,
    pub admin: Option<NodeOuIdentifier>,
    pub orderer: Option<NodeOuIdentifier>,
}

impl NodeOuRoles {
    /// The configured roles with their identifiers, in Fabric's order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &NodeOuIdentifier)> {
        [
            ("client", &self.client),
            ("peer", &self.peer),
            ("admin", &self.admin),
            ("orderer", &self.orderer),
        ]
        .into_iter()
        .filter_map(|(role, id)| id.as_ref().map(|id| (role, id)))
    }
}

/// One NodeOU identifier: the OU value, and the CA certificate file (relative to the MSP
/// folder) whose chain identities carrying that OU must come from, when one is named.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeOuIdentifier {
    pub ou: String,
    pub certificate: Option<String>,
}

impl MspDir {
    /// Number of files in subfolder `name`, 0 when it is absent.
    pub fn count(&self, name: &str) -> usize {
        self.subdirs.get(name).copied().unwrap_or(0)
    }

    pub fn has(&self, name: &str) -> bool {
        self.subdirs.contains_key(name)
    }

    /// The folder's own name (`tls` for `peers/peer0/tls`).
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// Why this folder is a TLS enrollment rather than an MSP, when it is one: what
    /// `fabric-ca-client enroll --enrollment.profile tls -M <dir>` writes. The client makes the
    /// MSP's folders (`lib/client.go` `Init` creates `cacerts/`, `signcerts/`, `keystore/`,
    /// `user/`) but stores the TLS CA's chain in `tlscacerts/` and `tlsintermediatecerts/`
    /// instead of `cacerts/` (`cmd/fabric-ca-client/command/getcainfo.go` `storeCAChain`), so
    /// `cacerts/` stays empty. Such a folder is recognised by what it is: TLS roots and no
    /// roots in `cacerts/`, in a folder named as TLS material (`tls`, `tls-msp`, `tlsmsp`) or
    /// named by a node's TLS settings. A folder with roots in `cacerts/` is an MSP, whatever
    /// its name.
    pub fn tls_enrollment(&self) -> Option<String> {
        if self.count("cacerts") > 0
            || (self.count("tlscacerts") == 0 && self.count("tlsintermediatecerts") == 0)
        {
            return None;
        }
        if let Some(setting) = &self.tls_reference {
            return Some(format!("{setting} names its material as the node's TLS"));
        }
        let name = self.name();
        let tls_named = name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| word.eq_ignore_ascii_case("tls") || word.eq_ignore_ascii_case("tlsmsp"));
        tls_named.then(|| format!("a folder named '{name}' holding TLS roots"))
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
        #[serde(rename = "ClientOUIdentifier")]
        client: Option<RoleIdentifier>,
        #[serde(rename = "PeerOUIdentifier")]
        peer: Option<RoleIdentifier>,
        #[serde(rename = "AdminOUIdentifier")]
        admin: Option<RoleIdentifier>,
        #[serde(rename = "OrdererOUIdentifier")]
        orderer: Option<RoleIdentifier>,
    }
    #[derive(serde::Deserialize)]
    struct RoleIdentifier {
        #[serde(rename = "OrganizationalUnitIdentifier", default)]
        ou: Option<String>,
        #[serde(rename = "Certificate", default)]
        certificate: Option<String>,
    }
    // Fabric's configbuilder.go takes a role whose OrganizationalUnitIdentifier is empty as
    // not configured.
    let role = |r: Option<RoleIdentifier>| {
        r.and_then(|r| {
            r.ou.filter(|ou| !ou.is_empty()).map(|ou| NodeOuIdentifier {
                ou,
                certificate: r.certificate.filter(|c| !c.is_empty()),
            })
        })
    };
    match crate::yaml::from_str::<Option<Raw>>(text) {
        Ok(raw) => {
            let raw = raw.unwrap_or_default();
            let ous = raw.node_ous.unwrap_or_default();
            MspConfig {
                origin,
                node_ous_enabled: ous.enable,
                admin_ou: ous.admin.is_some(),
                roles: NodeOuRoles {
                    client: role(ous.client),
                    peer: role(ous.peer),
                    admin: role(ous.admin),
                    orderer: role(ous.orderer),
                },
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
        let roles: Vec<(&str, &str, Option<&str>)> = c
            .roles
            .iter()
            .map(|(r, id)| (r, id.ou.as_str(), id.certificate.as_deref()))
            .collect();
        assert_eq!(
            roles,
            [
                ("client", "client", Some("cacerts/ca.pem")),
                ("admin", "admin", Some("cacerts/ca.pem"))
            ]
        );
    }

    #[test]
    fn ou_identifiers_only() {
        let text = "OrganizationalUnitIdentifiers:\n  - Certificate: cacerts/cacert.pem\n    OrganizationalUnitIdentifier: COP\n";
        let c = parse_config(text, Origin::file("config.yaml"));
        assert!(!c.node_ous_enabled);
        assert_eq!(c.ou_identifiers, vec!["COP".to_string()]);
        assert_eq!(c.error, None);
    }

    fn dir(path: &str, folders: &[(&str, usize)]) -> MspDir {
        MspDir {
            path: path.into(),
            subdirs: folders.iter().map(|(n, c)| (n.to_string(), *c)).collect(),
            ..MspDir::default()
        }
    }

    #[test]
    fn a_tls_folder_without_roots_in_cacerts_is_a_tls_enrollment() {
        let tls = [
            ("signcerts", 1),
            ("keystore", 1),
            ("tlscacerts", 1),
            ("cacerts", 0),
        ];
        for path in [
            "org1/peers/peer0/tls",
            "/tmp/hyperledger/org1/peer1/tls-msp",
            "tlsmsp",
        ] {
            assert!(dir(path, &tls).tls_enrollment().is_some(), "{path}");
        }
        // An MSP missing its cacerts/ is still an MSP.
        assert_eq!(dir("org1/peers/peer0/msp", &tls).tls_enrollment(), None);
        assert_eq!(dir("org1/peers/peer0/mytls", &tls).tls_enrollment(), None);
        // Roots in cacerts/ make it an MSP, whatever its name (Fabric's msp/testdata/tls).
        let mut full = dir("msp/testdata/tls", &tls);
        full.subdirs.insert("cacerts".into(), 1);
        assert_eq!(full.tls_enrollment(), None);
        // No TLS roots: nothing says it is TLS material.
        assert_eq!(
            dir("peer0/tls", &[("signcerts", 1), ("keystore", 1)]).tls_enrollment(),
            None
        );
        // Named by a node's TLS settings, whatever the folder's name.
        let mut named = dir("/var/hyperledger/peer/enroll", &tls);
        named.tls_reference = Some("CORE_PEER_TLS_CERT_FILE".into());
        assert!(
            named
                .tls_enrollment()
                .unwrap()
                .contains("CORE_PEER_TLS_CERT_FILE")
        );
    }

    #[test]
    fn broken_yaml_is_reported() {
        let c = parse_config("NodeOUs: [\n", Origin::file("config.yaml"));
        assert!(c.error.unwrap().starts_with("failed to parse config.yaml"));
    }
}
