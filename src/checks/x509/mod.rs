//! Certificate checks (`X509-…`): validity windows, chains, keys, MSP folders and signature form.
//!
//! Per-certificate checks report once per distinct certificate: a CA copied into fifty MSP
//! folders is one finding whose evidence lists where the copies are, not fifty findings.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::context::rfc3339;
use crate::finding::Outcome;
use crate::inventory::{CertRecord, Inventory};

pub mod broken_chain;
pub mod ca_profile_invalid;
pub mod crl_invalid;
pub mod empty_validity_window;
pub mod expires_soon;
pub mod high_s_signature;
pub mod key_mismatch;
pub mod leaf_outlives_issuer;
pub mod leaf_predates_issuer;
pub mod leaf_profile_invalid;
pub mod msp_incomplete;
pub mod node_ou_role_mismatch;
pub mod outside_validity_window;
pub mod revoked_certificate_in_use;
pub mod serial_number_invalid;
pub mod sha1_signature;
pub mod tls_usage_invalid;
pub mod unreadable_material;
pub mod unsupported_algorithm;

#[cfg(test)]
pub(crate) mod testing;

/// How many other locations of a certificate the evidence lists before summarising.
const MAX_LISTED_COPIES: usize = 10;

/// One distinct certificate and every place it was found.
pub struct Distinct<'a> {
    /// Index of the first record (the one findings name as target).
    pub index: usize,
    pub cert: &'a CertRecord,
    /// Indices of every record with the same fingerprint, including `index`.
    pub copies: Vec<usize>,
}

/// The distinct certificates of the inventory, in inventory order.
pub fn distinct(inventory: &Inventory) -> Vec<Distinct<'_>> {
    let mut order: Vec<Distinct<'_>> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, c) in inventory.certs.iter().enumerate() {
        match seen.get(c.fingerprint.as_str()) {
            Some(&slot) => order[slot].copies.push(i),
            None => {
                seen.insert(&c.fingerprint, order.len());
                order.push(Distinct {
                    index: i,
                    cert: c,
                    copies: vec![i],
                });
            }
        }
    }
    order
}

/// Starts an outcome about a distinct certificate: its target, and evidence naming it and its
/// other copies.
pub fn cert_outcome(
    inventory: &Inventory,
    d: &Distinct<'_>,
    status: crate::finding::Status,
    message: impl Into<String>,
) -> Outcome {
    let mut o = Outcome::new(status, d.cert.origin.target(), message)
        .with("subject", d.cert.subject.clone())
        .with("fingerprint_sha256", d.cert.fingerprint.clone());
    let layout = &d.cert.layout;
    if let Some(org) = &layout.org {
        o = o.with("org", org.clone());
    }
    if let Some(node) = &layout.node {
        o = o.with("node", node.clone());
    }
    if let Some(role) = layout.role {
        o = o.with("role", role.as_str());
    }
    if d.copies.len() > 1 {
        let others: Vec<String> = d.copies[1..]
            .iter()
            .take(MAX_LISTED_COPIES)
            .map(|&i| inventory.certs[i].origin.to_string())
            .collect();
        o = o.with("copies", d.copies.len()).with("also_at", others);
    }
    o
}

/// How Fabric uses a certificate, from the places its copies were found. A CA copied into
/// `cacerts/` and `tls/ca.crt` is both an identity CA and a TLS CA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uses {
    /// In `cacerts/`, `intermediatecerts/` or cryptogen's `ca/`: loaded by the MSP (through
    /// the BCCSP) as a CA of identities.
    pub identity_ca: bool,
    /// In `signcerts/` or `admincerts/` of an MSP: an identity the MSP loads and validates.
    pub identity: bool,
    /// In `tlscacerts/`, `tlsintermediatecerts/`, `tls/ca.crt` or cryptogen's `tlsca/`.
    pub tls_ca: bool,
    /// A node's TLS server certificate: `tls/server.crt`, or the `signcerts/` of a TLS
    /// enrollment (what `fabric-ca-client enroll --enrollment.profile tls` writes).
    pub tls_server: bool,
    /// A TLS client certificate: `tls/client.crt`.
    pub tls_client: bool,
}

impl Uses {
    /// Whether Fabric loads the certificate at all (MSP or TLS material, not a stray file).
    pub fn any(&self) -> bool {
        self.identity_ca || self.identity || self.tls_ca || self.tls_server || self.tls_client
    }

    pub fn ca(&self) -> bool {
        self.identity_ca || self.tls_ca
    }

    pub fn leaf(&self) -> bool {
        self.identity || self.tls_server || self.tls_client
    }

    /// The uses, for evidence: `identity CA, TLS CA`.
    pub fn describe(&self) -> String {
        [
            (self.identity_ca, "identity CA"),
            (self.identity, "MSP identity"),
            (self.tls_ca, "TLS CA"),
            (self.tls_server, "TLS server certificate"),
            (self.tls_client, "TLS client certificate"),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// The MSP folders that are TLS enrollments, by path: their `signcerts/` hold TLS
/// certificates, not MSP identities.
pub fn tls_enrollments(inventory: &Inventory) -> std::collections::HashSet<&str> {
    inventory
        .msps
        .iter()
        .filter(|m| m.tls_enrollment().is_some())
        .map(|m| m.path.as_str())
        .collect()
}

/// How the copies of `d` are used.
pub fn uses_of(
    inventory: &Inventory,
    d: &Distinct<'_>,
    tls_enrollments: &std::collections::HashSet<&str>,
) -> Uses {
    use crate::inventory::Role;
    let mut uses = Uses::default();
    for &i in &d.copies {
        let layout = &inventory.certs[i].layout;
        match layout.role() {
            Role::MspCaCert | Role::MspIntermediateCert | Role::OrgCa => uses.identity_ca = true,
            Role::MspSignCert
                if layout
                    .msp_dir
                    .as_deref()
                    .is_some_and(|m| tls_enrollments.contains(m)) =>
            {
                uses.tls_server = true
            }
            Role::MspSignCert | Role::MspAdminCert => uses.identity = true,
            Role::MspTlsCaCert | Role::MspTlsIntermediateCert | Role::TlsCa | Role::OrgTlsCa => {
                uses.tls_ca = true
            }
            // cryptogen before 1.2 wrote users' TLS certificates as `tls/server.crt`: a user
            // only ever presents it as a client.
            Role::TlsServerCert
                if layout.node_kind == Some(crate::inventory::layout::NodeKind::User) =>
            {
                uses.tls_client = true
            }
            Role::TlsServerCert => uses.tls_server = true,
            Role::TlsClientCert => uses.tls_client = true,
            _ => {}
        }
    }
    uses
}

/// One outcome per distinct certificate Fabric loads (MSP or TLS material), judged by
/// `judge` with how it is used; a single skip when there is none.
pub fn per_used_cert(
    inventory: &Inventory,
    judge: impl Fn(&Distinct<'_>, Uses) -> Outcome,
) -> Vec<Outcome> {
    let enrollments = tls_enrollments(inventory);
    let out: Vec<Outcome> = distinct(inventory)
        .iter()
        .filter_map(|d| {
            let uses = uses_of(inventory, d, &enrollments);
            uses.any().then(|| judge(d, uses))
        })
        .collect();
    if out.is_empty() {
        return crate::checks::nothing_to_check(inventory, "MSP or TLS certificates");
    }
    out
}

/// RFC 3339 form of an instant, for evidence.
pub fn when(t: OffsetDateTime) -> String {
    rfc3339(t)
}

/// A duration in whole seconds as a readable phrase: `5m 0s`, `3d 2h`.
pub fn human_seconds(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, (s % 86_400) / 3_600, (s % 3_600) / 60, s % 60);
    let text = if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m {sec}s")
    };
    if secs < 0 { format!("-{text}") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human_seconds(300), "5m 0s");
        assert_eq!(human_seconds(90_061), "1d 1h");
        assert_eq!(human_seconds(3_720), "1h 2m");
        assert_eq!(human_seconds(-61), "-1m 1s");
    }
}
