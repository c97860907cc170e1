//! What a file's place in a Fabric crypto tree says about it: which org, which node, which role.
//!
//! Fabric's layouts (cryptogen's `crypto-config/`, MSP folders, `tls/` folders, fabric-ca
//! client homes) encode meaning in folder names. This module reads that meaning; it never
//! decides trust by it (issuers are found by subject, key identifier and signature).

use std::borrow::Cow;
use std::path::{Component, Path};

/// The role a certificate or key plays, from where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    MspCaCert,
    MspIntermediateCert,
    MspSignCert,
    MspAdminCert,
    MspTlsCaCert,
    MspTlsIntermediateCert,
    MspKeystore,
    /// `tls/ca.crt`
    TlsCa,
    /// `tls/server.crt`
    TlsServerCert,
    /// `tls/client.crt`
    TlsClientCert,
    /// `tls/server.key`
    TlsServerKey,
    /// `tls/client.key`
    TlsClientKey,
    /// cryptogen's `ca/` folder: the org's CA certificate and key.
    OrgCa,
    /// cryptogen's `tlsca/` folder: the org's TLS CA certificate and key.
    OrgTlsCa,
    /// A certificate or key with no role the layout tells.
    Other,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::MspCaCert => "msp/cacerts",
            Role::MspIntermediateCert => "msp/intermediatecerts",
            Role::MspSignCert => "msp/signcerts",
            Role::MspAdminCert => "msp/admincerts",
            Role::MspTlsCaCert => "msp/tlscacerts",
            Role::MspTlsIntermediateCert => "msp/tlsintermediatecerts",
            Role::MspKeystore => "msp/keystore",
            Role::TlsCa => "tls/ca.crt",
            Role::TlsServerCert => "tls/server.crt",
            Role::TlsClientCert => "tls/client.crt",
            Role::TlsServerKey => "tls/server.key",
            Role::TlsClientKey => "tls/client.key",
            Role::OrgCa => "org ca",
            Role::OrgTlsCa => "org tlsca",
            Role::Other => "other",
        }
    }

    /// Whether Fabric loads material in this role as part of an MSP or TLS setup, so that a
    /// missing issuer or unreadable content there breaks a node rather than a stray file.
    pub fn is_loaded_by_fabric(self) -> bool {
        !matches!(self, Role::Other)
    }

    /// Whether files in this role are private keys.
    pub fn holds_keys(self) -> bool {
        matches!(
            self,
            Role::MspKeystore | Role::TlsServerKey | Role::TlsClientKey
        )
    }

    /// Whether material in this role must be a certificate (so anything else there is an error).
    pub fn expects_certificate(self) -> bool {
        !matches!(
            self,
            Role::MspKeystore
                | Role::TlsServerKey
                | Role::TlsClientKey
                | Role::Other
                | Role::OrgCa
                | Role::OrgTlsCa
        )
    }
}

/// The MSP subfolders Fabric reads, and the role of what is in them.
pub const MSP_SUBDIRS: &[(&str, Role)] = &[
    ("cacerts", Role::MspCaCert),
    ("intermediatecerts", Role::MspIntermediateCert),
    ("signcerts", Role::MspSignCert),
    ("admincerts", Role::MspAdminCert),
    ("tlscacerts", Role::MspTlsCaCert),
    ("tlsintermediatecerts", Role::MspTlsIntermediateCert),
    ("keystore", Role::MspKeystore),
];

/// What kind of identity a node folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    Peer,
    Orderer,
    User,
}

/// What the path of a file says about it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Layout {
    /// Org domain, e.g. `org1.example.com` (from `peerOrganizations/<org>`).
    pub org: Option<String>,
    /// Node or user folder name, e.g. `peer0.org1.example.com`, `Admin@org1.example.com`.
    pub node: Option<String>,
    pub node_kind: Option<NodeKind>,
    pub role: Option<Role>,
    /// The MSP folder the file belongs to (relative path), when it is inside one.
    pub msp_dir: Option<String>,
    /// The `tls/` folder the file belongs to, when it is inside one.
    pub tls_dir: Option<String>,
}

impl Layout {
    /// Reads the layout of `rel`, a path relative to the scanned root.
    pub fn of(rel: &Path) -> Layout {
        let parts: Vec<Cow<'_, str>> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy()),
                _ => None,
            })
            .collect();
        let mut layout = Layout::default();
        for (i, part) in parts.iter().enumerate() {
            let next = parts.get(i + 1);
            match part.as_ref() {
                "peerOrganizations" | "ordererOrganizations" => {
                    layout.org = next.map(|n| n.to_string())
                }
                "peers" => set_node(&mut layout, next, NodeKind::Peer),
                "orderers" => set_node(&mut layout, next, NodeKind::Orderer),
                "users" => set_node(&mut layout, next, NodeKind::User),
                _ => {}
            }
        }
        let Some((file, dirs)) = parts.split_last() else {
            return layout;
        };
        let parent = dirs.last().map(|d| d.as_ref());
        let dir_path = |n: usize| dirs[..n].join("/");
        if let Some(&(_, role)) = MSP_SUBDIRS.iter().find(|(name, _)| Some(*name) == parent) {
            layout.role = Some(role);
            layout.msp_dir = Some(dir_path(dirs.len() - 1));
        } else if parent == Some("tls") {
            layout.tls_dir = Some(dir_path(dirs.len()));
            layout.role = Some(match file.as_ref() {
                "ca.crt" => Role::TlsCa,
                "server.crt" => Role::TlsServerCert,
                "client.crt" => Role::TlsClientCert,
                "server.key" => Role::TlsServerKey,
                "client.key" => Role::TlsClientKey,
                _ => Role::Other,
            });
        } else if parent == Some("ca") && layout.org.is_some() {
            layout.role = Some(Role::OrgCa);
        } else if parent == Some("tlsca") && layout.org.is_some() {
            layout.role = Some(Role::OrgTlsCa);
        }
        layout
    }

    pub fn role(&self) -> Role {
        self.role.unwrap_or(Role::Other)
    }
}

fn set_node(layout: &mut Layout, name: Option<&Cow<'_, str>>, kind: NodeKind) {
    // `users/` inside a peer folder would be odd; the innermost wins, which is what a path means.
    if let Some(name) = name {
        layout.node = Some(name.to_string());
        layout.node_kind = Some(kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cryptogen_peer_signcert() {
        let l = Layout::of(Path::new(
            "crypto-config/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp/signcerts/peer0-cert.pem",
        ));
        assert_eq!(l.org.as_deref(), Some("org1.example.com"));
        assert_eq!(l.node.as_deref(), Some("peer0.org1.example.com"));
        assert_eq!(l.node_kind, Some(NodeKind::Peer));
        assert_eq!(l.role, Some(Role::MspSignCert));
        assert_eq!(
            l.msp_dir.as_deref(),
            Some(
                "crypto-config/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/msp"
            )
        );
    }

    #[test]
    fn tls_server_key_and_org_ca() {
        let l = Layout::of(Path::new(
            "ordererOrganizations/example.com/orderers/orderer0/tls/server.key",
        ));
        assert_eq!(l.role, Some(Role::TlsServerKey));
        assert_eq!(
            l.tls_dir.as_deref(),
            Some("ordererOrganizations/example.com/orderers/orderer0/tls")
        );
        assert_eq!(l.node_kind, Some(NodeKind::Orderer));
        let l = Layout::of(Path::new("peerOrganizations/org1/ca/ca.org1-cert.pem"));
        assert_eq!(l.role, Some(Role::OrgCa));
        let l = Layout::of(Path::new(
            "peerOrganizations/org1/users/Admin@org1/msp/keystore/abc_sk",
        ));
        assert_eq!(l.role, Some(Role::MspKeystore));
        assert_eq!(l.node_kind, Some(NodeKind::User));
    }

    #[test]
    fn plain_msp_without_org() {
        let l = Layout::of(Path::new("expired/cacerts/cacert.pem"));
        assert_eq!(l.role, Some(Role::MspCaCert));
        assert_eq!(l.msp_dir.as_deref(), Some("expired"));
        assert_eq!(l.org, None);
        let l = Layout::of(Path::new("root.pem"));
        assert_eq!(l.role(), Role::Other);
        assert_eq!(l.msp_dir, None);
    }
}
