//! What a check run is evaluated against besides the inventory: the clock and the policy.
//!
//! The clock is injectable (`--at`) so that a report can be reproduced as of any instant and
//! tests never depend on today's date.

use time::{Duration, OffsetDateTime};

/// Thresholds a site may tune; defaults are what an operator running a pre-production gate
/// would expect.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// A certificate expiring sooner than this is a warning (X509-003).
    pub expiry_warning: Duration,
    /// Tolerated difference between this machine's clock and the nodes' clocks when judging
    /// NotBefore/NotAfter (X509-002).
    pub clock_skew: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            expiry_warning: Duration::days(30),
            clock_skew: Duration::ZERO,
        }
    }
}

/// The evaluation context handed to every check.
#[derive(Debug, Clone)]
pub struct Context {
    /// The instant the run is evaluated as of.
    pub now: OffsetDateTime,
    pub policy: Policy,
}

impl Context {
    pub fn new(now: OffsetDateTime, policy: Policy) -> Self {
        Context { now, policy }
    }

    /// A context at a fixed instant with the default policy (for tests and `--at`).
    pub fn at(now: OffsetDateTime) -> Self {
        Context::new(now, Policy::default())
    }
}

/// Formats an instant as RFC 3339, the form every output uses.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}
