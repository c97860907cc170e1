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
pub mod empty_validity_window;
pub mod expires_soon;
pub mod high_s_signature;
pub mod key_mismatch;
pub mod leaf_outlives_issuer;
pub mod leaf_predates_issuer;
pub mod msp_incomplete;
pub mod outside_validity_window;
pub mod unreadable_material;

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
