//! X509-017 `serial-number-invalid`: a certificate serial number that is not positive or is
//! longer than 20 octets (RFC 5280 4.1.2.2).
//!
//! Go 1.23 and later refuse to parse a certificate with a negative serial number
//! (`crypto/x509` `ParseCertificate`: "x509: negative serial number", unless the process runs
//! with GODEBUG=x509negativeserial=1), and Fabric's current releases are built with such a Go
//! (Fabric main's go.mod asks for Go 1.26): the MSP cannot load the certificate and TLS cannot
//! use it. A zero serial, or one longer than 20 octets, still parses in Go but breaks RFC 5280,
//! which other verifiers may enforce: a warning.

use crate::checks::Check;
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::cert::hex;

use super::{cert_outcome, per_used_cert};

pub struct SerialNumberInvalid;

/// RFC 5280 4.1.2.2: "Conforming CAs MUST NOT use serialNumber values longer than 20 octets."
const MAX_OCTETS: usize = 20;

/// The verdict on a serial number given as its DER INTEGER content (two's complement).
pub fn verdict(der: &[u8]) -> (Status, String) {
    let Some(&first) = der.first() else {
        return (
            Status::Fail,
            "empty serial number: not a DER INTEGER, which Go's x509 refuses".into(),
        );
    };
    if first & 0x80 != 0 {
        return (
            Status::Fail,
            format!(
                "negative serial number (0x{}): Go 1.23 and later refuse to parse it (\"x509: \
                 negative serial number\"), so Fabric releases built with them cannot load the \
                 certificate",
                hex(der)
            ),
        );
    }
    // A leading zero octet only carries the sign of a positive number.
    let magnitude = if first == 0 && der.len() > 1 {
        &der[1..]
    } else {
        der
    };
    if magnitude.iter().all(|&b| b == 0) {
        return (
            Status::Warn,
            "serial number 0: RFC 5280 requires a positive serial number".into(),
        );
    }
    if magnitude.len() > MAX_OCTETS {
        return (
            Status::Warn,
            format!(
                "serial number of {} octets: RFC 5280 allows at most {MAX_OCTETS}, and verifiers \
                 need not accept more",
                magnitude.len()
            ),
        );
    }
    (
        Status::Pass,
        format!("positive serial number of {} octets", magnitude.len()),
    )
}

impl Check for SerialNumberInvalid {
    fn id(&self) -> &'static str {
        "X509-017"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        per_used_cert(inv, |d, _| {
            let (status, message) = verdict(&d.cert.serial_der);
            cert_outcome(inv, d, status, message).with("serial", hex(&d.cert.serial_der))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials() {
        assert_eq!(verdict(&[0x01]).0, Status::Pass);
        assert_eq!(verdict(&[0x00, 0x80]).0, Status::Pass, "sign octet");
        let (s, m) = verdict(&[0xff, 0x01]);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("negative serial number (0xff01)"), "{m}");
        assert_eq!(verdict(&[0x00]).0, Status::Warn);
        let mut twenty = vec![0x00];
        twenty.extend([0xab; 20]);
        assert_eq!(verdict(&twenty).0, Status::Pass);
        let (s, m) = verdict(&[0x7f; 21]);
        assert_eq!(s, Status::Warn);
        assert!(m.contains("21 octets"), "{m}");
        assert_eq!(verdict(&[]).0, Status::Fail);
    }
}
