//! X509-016 `tls-usage-invalid`: a TLS certificate that Go's TLS refuses for the purpose Fabric
//! puts it to — no subjectAltName on a server certificate, or an extendedKeyUsage without
//! serverAuth or clientAuth where the certificate authenticates a server or a client.
//!
//! - Go 1.15 and later no longer fall back to the Common Name when checking a host name
//!   ("x509: certificate relies on legacy Common Name field, use SANs instead"; the GODEBUG
//!   override went in Go 1.17), so a server certificate without SANs verifies for no name.
//! - Go checks extendedKeyUsage on every chain it verifies: the client asks for serverAuth, a
//!   server verifying client certificates asks for clientAuth (crypto/tls
//!   handshake_server.go), and a certificate whose extendedKeyUsage lacks the purpose fails with
//!   "x509: certificate specifies an incompatible key usage". A certificate without the
//!   extension is good for any purpose.
//! - Fabric presents a node's TLS server certificate as its client certificate too: peers for
//!   gossip and Deliver unless `CORE_PEER_TLS_CLIENTCERT_FILE` is set (core/peer/config.go),
//!   orderers for Raft cluster traffic when the cluster client certificate is the server's, as
//!   cryptogen and most deployments set it. So a server certificate without clientAuth breaks
//!   as soon as client authentication is required: a warning on files, a failure for a Raft
//!   consenter's client certificate, which the cluster always authenticates.

use crate::checks::channel::target;
use crate::checks::{Check, nothing_to_check, problems_verdict};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::cert::{CertFacts, ExtendedKeyUsage};

use super::{cert_outcome, distinct, tls_enrollments, uses_of};

pub struct TlsUsageInvalid;

/// What a TLS certificate is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TlsUse {
    /// Serves TLS: needs SANs and serverAuth.
    pub server: bool,
    /// Presents itself as a client where client authentication is always required (a Raft
    /// consenter's client certificate, `tls/client.crt`): needs clientAuth.
    pub client: bool,
    /// A node's server certificate, which Fabric also presents as a client certificate when
    /// client authentication is required.
    pub node_server: bool,
}

/// The facts the verdict reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFacts {
    pub has_san: bool,
    pub eku: Option<ExtendedKeyUsage>,
}

impl TlsFacts {
    pub fn of(c: &CertFacts) -> TlsFacts {
        TlsFacts {
            has_san: c.has_san,
            eku: c.extended_key_usage.clone(),
        }
    }
}

pub fn verdict(u: TlsUse, f: &TlsFacts) -> (Status, String) {
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let incompatible = "\"x509: certificate specifies an incompatible key usage\"";
    if u.server && !f.has_san {
        fails.push(
            "no subjectAltName: Go 1.15 and later ignore the Common Name (\"x509: certificate \
             relies on legacy Common Name field, use SANs instead\"), so the certificate verifies \
             for no host name"
                .to_string(),
        );
    }
    if let Some(eku) = &f.eku {
        let listed = eku.purposes.join(", ");
        if u.server && !eku.allows_server_auth() {
            fails.push(format!(
                "extendedKeyUsage [{listed}] without serverAuth: Go clients refuse it as a server \
                 certificate ({incompatible})"
            ));
        }
        if u.client && !eku.allows_client_auth() {
            fails.push(format!(
                "extendedKeyUsage [{listed}] without clientAuth: servers requiring client \
                 authentication refuse it ({incompatible})"
            ));
        } else if u.node_server && !eku.allows_client_auth() {
            warns.push(format!(
                "extendedKeyUsage [{listed}] without clientAuth: Fabric presents a node's server \
                 certificate as its client certificate (peer gossip and Deliver, Raft cluster \
                 traffic), which fails once client authentication is required"
            ));
        }
    }
    let purposes = f
        .eku
        .as_ref()
        .map_or("no extendedKeyUsage (any purpose)".to_string(), |e| {
            format!("extendedKeyUsage [{}]", e.purposes.join(", "))
        });
    if let Some(verdict) = problems_verdict(fails, warns) {
        verdict
    } else if u.server {
        (Status::Pass, format!("subjectAltName present, {purposes}"))
    } else {
        (Status::Pass, purposes)
    }
}

impl Check for TlsUsageInvalid {
    fn id(&self) -> &'static str {
        "X509-016"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let enrollments = tls_enrollments(inv);
        let mut out = Vec::new();
        for d in distinct(inv) {
            let uses = uses_of(inv, &d, &enrollments);
            if !(uses.tls_server || uses.tls_client) {
                continue;
            }
            let u = TlsUse {
                server: uses.tls_server,
                client: uses.tls_client,
                node_server: uses.tls_server,
            };
            let (status, message) = verdict(u, &TlsFacts::of(d.cert));
            out.push(cert_outcome(inv, &d, status, message).with("used_as", uses.describe()));
        }
        // Raft and BFT consenters in channel configurations: the cluster authenticates every
        // connection with the client certificate, and dials the server certificate's host.
        for c in &inv.channels {
            let Some((_, consenters)) = c.consenters() else {
                continue;
            };
            for k in consenters {
                for (cert, u) in [
                    (
                        &k.client_tls_cert,
                        TlsUse {
                            client: true,
                            ..TlsUse::default()
                        },
                    ),
                    (
                        &k.server_tls_cert,
                        TlsUse {
                            server: true,
                            ..TlsUse::default()
                        },
                    ),
                ] {
                    let Some(cert) = cert else { continue };
                    let Ok(facts) = &cert.facts else {
                        continue; // CHANNEL-001 and RAFT-004 report what does not parse.
                    };
                    let (status, message) = verdict(u, &TlsFacts::of(facts));
                    out.push(
                        Outcome::new(
                            status,
                            target(c, Some(&cert.locator)),
                            format!("{}: {message}", c.describe()),
                        )
                        .with("subject", facts.subject.clone())
                        .with("fingerprint_sha256", facts.fingerprint.clone()),
                    );
                }
            }
        }
        if out.is_empty() {
            return nothing_to_check(inv, "TLS server or client certificates");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eku(server: bool, client: bool) -> Option<ExtendedKeyUsage> {
        let mut purposes = Vec::new();
        if server {
            purposes.push("serverAuth".into());
        }
        if client {
            purposes.push("clientAuth".into());
        }
        Some(ExtendedKeyUsage {
            server_auth: server,
            client_auth: client,
            any: false,
            purposes,
        })
    }

    const NODE: TlsUse = TlsUse {
        server: true,
        client: false,
        node_server: true,
    };

    #[test]
    fn cryptogen_profile_passes() {
        let f = TlsFacts {
            has_san: true,
            eku: eku(true, true),
        };
        assert_eq!(verdict(NODE, &f).0, Status::Pass);
        let none = TlsFacts {
            has_san: true,
            eku: None,
        };
        let (s, m) = verdict(NODE, &none);
        assert_eq!(s, Status::Pass);
        assert!(m.contains("any purpose"), "{m}");
    }

    #[test]
    fn server_without_san_or_server_auth_fails() {
        let (s, m) = verdict(
            NODE,
            &TlsFacts {
                has_san: false,
                eku: eku(true, true),
            },
        );
        assert_eq!(s, Status::Fail);
        assert!(m.contains("legacy Common Name"), "{m}");
        let (s, m) = verdict(
            NODE,
            &TlsFacts {
                has_san: true,
                eku: eku(false, true),
            },
        );
        assert_eq!(s, Status::Fail);
        assert!(m.contains("without serverAuth"), "{m}");
    }

    #[test]
    fn client_auth() {
        let server_only = TlsFacts {
            has_san: true,
            eku: eku(true, false),
        };
        let (s, m) = verdict(NODE, &server_only);
        assert_eq!(s, Status::Warn);
        assert!(m.contains("presents a node's server certificate"), "{m}");
        let consenter_client = TlsUse {
            client: true,
            ..TlsUse::default()
        };
        let (s, m) = verdict(consenter_client, &server_only);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("without clientAuth"), "{m}");
        let any = TlsFacts {
            has_san: true,
            eku: Some(ExtendedKeyUsage {
                any: true,
                purposes: vec!["anyExtendedKeyUsage".into()],
                ..ExtendedKeyUsage::default()
            }),
        };
        assert_eq!(verdict(consenter_client, &any).0, Status::Pass);
    }
}
