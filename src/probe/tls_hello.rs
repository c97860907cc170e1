//! Which TLS protocol versions and cipher suites a peer or orderer accepts, asked with
//! ClientHello messages fabcheck builds itself: rustls cannot offer TLS 1.0/1.1 or weak suites,
//! and must not. Each question is one connection: a ClientHello, the server's first reply (a
//! ServerHello naming the version and suite it chose, or an alert), and the connection is
//! dropped. No handshake is ever completed, so no weak suite ever protects any data.
//!
//! Suites are enumerated the way sslyze and testssl.sh do: offer a set, note the server's
//! pick, offer the set without it, until the server refuses. Fabric's own TLS is Go's
//! crypto/tls with `MinVersion: tls.VersionTLS12` and `DefaultTLSCipherSuites`
//! (internal/pkg/comm/config.go; core/comm/config.go in 1.4).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::inventory::live::{AcceptedSuite, ProbeError, TlsEndpoint, TlsPolicyScan};

use super::Timeouts;

/// TLS 1.0, 1.1 and 1.2 as they appear on the wire.
pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;
pub const TLS12: u16 = 0x0303;

/// Why a suite is weak, for the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    /// AES-CBC with HMAC-SHA1 (Lucky13, no AEAD).
    CbcSha1,
    Rc4,
    TripleDes,
    /// No encryption at all.
    Null,
    /// Anonymous key exchange: no server authentication.
    Anonymous,
    Export,
    /// Static RSA key exchange: no forward secrecy.
    NoForwardSecrecy,
}

impl Weakness {
    pub fn describe(self) -> &'static str {
        match self {
            Weakness::CbcSha1 => "CBC with SHA-1",
            Weakness::Rc4 => "RC4",
            Weakness::TripleDes => "3DES",
            Weakness::Null => "no encryption",
            Weakness::Anonymous => "no server authentication",
            Weakness::Export => "export-grade",
            Weakness::NoForwardSecrecy => "no forward secrecy",
        }
    }
}

/// One cipher suite fabcheck offers: its code, IANA name, and what is wrong with it.
pub struct Suite {
    pub code: u16,
    pub name: &'static str,
    pub weaknesses: &'static [Weakness],
    /// In Fabric's `DefaultTLSCipherSuites`.
    pub fabric_default: bool,
}

use Weakness::*;

macro_rules! suite {
    ($code:expr, $name:expr, [$($w:expr),*], $fabric:expr) => {
        Suite { code: $code, name: $name, weaknesses: &[$($w),*], fabric_default: $fabric }
    };
}

/// Every TLS 1.0-1.2 suite fabcheck asks about: Fabric's defaults, the other strong ones Go
/// knows, and the weak ones servers still enable.
pub const SUITES: &[Suite] = &[
    suite!(0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", [], true),
    suite!(0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", [], true),
    suite!(0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", [], true),
    suite!(0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", [], true),
    suite!(
        0x009c,
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        [NoForwardSecrecy],
        true
    ),
    suite!(
        0x009d,
        "TLS_RSA_WITH_AES_256_GCM_SHA384",
        [NoForwardSecrecy],
        true
    ),
    suite!(
        0xcca9,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        [],
        false
    ),
    suite!(
        0xcca8,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        [],
        false
    ),
    suite!(0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", [], false),
    suite!(0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", [], false),
    suite!(0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", [], false),
    suite!(0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", [], false),
    suite!(
        0xc009,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        [CbcSha1],
        false
    ),
    suite!(
        0xc00a,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        [CbcSha1],
        false
    ),
    suite!(
        0xc013,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        [CbcSha1],
        false
    ),
    suite!(
        0xc014,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        [CbcSha1],
        false
    ),
    suite!(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", [CbcSha1], false),
    suite!(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", [CbcSha1], false),
    suite!(
        0x002f,
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        [CbcSha1, NoForwardSecrecy],
        false
    ),
    suite!(
        0x0035,
        "TLS_RSA_WITH_AES_256_CBC_SHA",
        [CbcSha1, NoForwardSecrecy],
        false
    ),
    suite!(
        0x003c,
        "TLS_RSA_WITH_AES_128_CBC_SHA256",
        [NoForwardSecrecy],
        false
    ),
    suite!(
        0x003d,
        "TLS_RSA_WITH_AES_256_CBC_SHA256",
        [NoForwardSecrecy],
        false
    ),
    suite!(
        0xc012,
        "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        [TripleDes],
        false
    ),
    suite!(
        0xc008,
        "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        [TripleDes],
        false
    ),
    suite!(
        0x000a,
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        [TripleDes, NoForwardSecrecy],
        false
    ),
    suite!(0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", [Rc4], false),
    suite!(0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", [Rc4], false),
    suite!(
        0x0005,
        "TLS_RSA_WITH_RC4_128_SHA",
        [Rc4, NoForwardSecrecy],
        false
    ),
    suite!(
        0x0004,
        "TLS_RSA_WITH_RC4_128_MD5",
        [Rc4, NoForwardSecrecy],
        false
    ),
    suite!(
        0x0034,
        "TLS_DH_anon_WITH_AES_128_CBC_SHA",
        [Anonymous, CbcSha1],
        false
    ),
    suite!(
        0xc018,
        "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
        [Anonymous, CbcSha1],
        false
    ),
    suite!(
        0x0002,
        "TLS_RSA_WITH_NULL_SHA",
        [Null, NoForwardSecrecy],
        false
    ),
    suite!(
        0x003b,
        "TLS_RSA_WITH_NULL_SHA256",
        [Null, NoForwardSecrecy],
        false
    ),
    suite!(0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA", [Null], false),
    suite!(
        0x0003,
        "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
        [Export, Rc4, NoForwardSecrecy],
        false
    ),
    suite!(
        0x0008,
        "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
        [Export, NoForwardSecrecy],
        false
    ),
];

/// The suite with `code`, when fabcheck knows it.
pub fn suite(code: u16) -> Option<&'static Suite> {
    SUITES.iter().find(|s| s.code == code)
}

/// The name of a protocol version.
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        TLS10 => "TLS 1.0".into(),
        TLS11 => "TLS 1.1".into(),
        TLS12 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("version {other:#06x}"),
    }
}

/// The server's first answer to a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A ServerHello: the version and suite the server chose.
    Hello { version: u16, suite: u16 },
    /// A TLS alert (handshake_failure 40, protocol_version 70, insufficient_security 71 …).
    Alert(u8),
    /// The server closed the connection without a word.
    Closed,
}

/// A ClientHello record offering `version` and `suites`, with SNI when `server_name` is a host
/// name, and the extensions a TLS 1.0-1.2 server needs to pick an ECDHE suite.
pub fn client_hello(version: u16, suites: &[u16], server_name: Option<&str>) -> Vec<u8> {
    let mut body = Vec::with_capacity(256);
    body.extend(version.to_be_bytes());
    let mut random = [0u8; 32];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random);
    body.extend(random);
    body.push(0); // no session id
    // TLS_EMPTY_RENEGOTIATION_INFO_SCSV, as every real client sends.
    let codes: Vec<u16> = suites.iter().copied().chain([0x00ff]).collect();
    body.extend(((codes.len() * 2) as u16).to_be_bytes());
    for c in codes {
        body.extend(c.to_be_bytes());
    }
    body.extend([1, 0]); // compression: null only
    let mut ext = Vec::new();
    if let Some(name) = server_name.filter(|n| n.parse::<std::net::IpAddr>().is_err()) {
        let name = name.as_bytes();
        let mut list = vec![0u8];
        list.extend((name.len() as u16).to_be_bytes());
        list.extend(name);
        let mut data = (list.len() as u16).to_be_bytes().to_vec();
        data.extend(list);
        push_extension(&mut ext, 0x0000, &data);
    }
    // supported_groups: x25519, P-256, P-384, P-521.
    push_extension(
        &mut ext,
        0x000a,
        &[0, 8, 0, 0x1d, 0, 0x17, 0, 0x18, 0, 0x19],
    );
    push_extension(&mut ext, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
    if version >= TLS12 {
        // signature_algorithms: ECDSA P-256/384/521, RSA-PSS, RSA PKCS#1, SHA-1 forms last.
        let algs: [u16; 11] = [
            0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
        ];
        let mut data = ((algs.len() * 2) as u16).to_be_bytes().to_vec();
        for a in algs {
            data.extend(a.to_be_bytes());
        }
        push_extension(&mut ext, 0x000d, &data);
    }
    push_extension(&mut ext, 0xff01, &[0]); // renegotiation_info, empty
    body.extend((ext.len() as u16).to_be_bytes());
    body.extend(ext);

    let mut handshake = vec![1u8]; // client_hello
    handshake.extend(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend(body);
    // The record layer says TLS 1.0, as clients do for compatibility with old servers.
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend((handshake.len() as u16).to_be_bytes());
    record.extend(handshake);
    record
}

fn push_extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend(kind.to_be_bytes());
    out.extend((data.len() as u16).to_be_bytes());
    out.extend(data);
}

/// Reads the server's first reply from `bytes` (what arrived so far): `Ok(None)` when more
/// bytes are needed, `Err` when it is not TLS.
pub fn parse_reply(bytes: &[u8]) -> Result<Option<Reply>, String> {
    if bytes.len() < 5 {
        return Ok(None);
    }
    let (kind, len) = (bytes[0], u16::from_be_bytes([bytes[3], bytes[4]]) as usize);
    if bytes[1] != 3 {
        return Err(format!(
            "not a TLS record (first bytes {:02x?})",
            &bytes[..5]
        ));
    }
    if bytes.len() < 5 + len {
        return Ok(None);
    }
    let fragment = &bytes[5..5 + len];
    match kind {
        0x15 => Ok(Some(Reply::Alert(fragment.get(1).copied().unwrap_or(0)))),
        0x16 => {
            // handshake: type (2 = server_hello), 3-byte length, version, random, session id,
            // suite; the ServerHello fits in the first record.
            if fragment.first() != Some(&2) || fragment.len() < 4 + 2 + 32 + 1 {
                return Err("the first handshake message is not a ServerHello".into());
            }
            let hello = &fragment[4..];
            let version = u16::from_be_bytes([hello[0], hello[1]]);
            let sid = hello[34] as usize;
            let at = 35 + sid;
            let suite = hello
                .get(at..at + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .ok_or("truncated ServerHello")?;
            Ok(Some(Reply::Hello { version, suite }))
        }
        other => Err(format!("unexpected TLS record type {other}")),
    }
}

/// Sends one ClientHello to `address` and reads the server's first reply.
pub async fn ask(address: &str, hello: &[u8], timeouts: Timeouts) -> Result<Reply, ProbeError> {
    let endpoint = address.to_owned();
    let mut stream = tokio::time::timeout(timeouts.connect, TcpStream::connect(address))
        .await
        .map_err(|_| ProbeError::Timeout {
            endpoint: endpoint.clone(),
            during: "connect".into(),
            after_ms: timeouts.connect.as_millis() as u64,
        })?
        .map_err(|e| ProbeError::Connect {
            endpoint: endpoint.clone(),
            reason: e.to_string(),
        })?;
    let exchange = async {
        stream.write_all(hello).await?;
        let mut buf = Vec::with_capacity(4096);
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(Ok(Reply::Closed));
            }
            buf.extend_from_slice(&chunk[..n]);
            match parse_reply(&buf) {
                Ok(Some(reply)) => return Ok(Ok(reply)),
                Ok(None) if buf.len() < 64 * 1024 => continue,
                Ok(None) => return Ok(Err("no complete record in 64 KiB".to_string())),
                Err(e) => return Ok(Err(e)),
            }
        }
    };
    match tokio::time::timeout(timeouts.read, exchange).await {
        Err(_) => Err(ProbeError::Timeout {
            endpoint,
            during: "ClientHello".into(),
            after_ms: timeouts.read.as_millis() as u64,
        }),
        // A reset is the server's refusal too (some stacks reset instead of alerting).
        Ok(Err(_)) => Ok(Reply::Closed),
        Ok(Ok(Err(reason))) => Err(ProbeError::Protocol { endpoint, reason }),
        Ok(Ok(Ok(reply))) => Ok(reply),
    }
}

/// Asks `endpoint` which of TLS 1.0, 1.1 and 1.2 it accepts and, for each, which suites.
pub async fn scan(endpoint: &TlsEndpoint, timeouts: Timeouts) -> Result<TlsPolicyScan, ProbeError> {
    let name = endpoint
        .server_name
        .clone()
        .or_else(|| endpoint.address.rsplit_once(':').map(|(h, _)| h.to_owned()));
    let mut scan = TlsPolicyScan::default();
    for version in [TLS10, TLS11, TLS12] {
        let mut offer: Vec<u16> = SUITES.iter().map(|s| s.code).collect();
        let mut accepted_version = false;
        // At most one connection per suite, and a bound on a server that keeps answering.
        for _ in 0..SUITES.len() {
            let hello = client_hello(version, &offer, name.as_deref());
            match ask(&endpoint.address, &hello, timeouts).await? {
                Reply::Hello { version: v, suite } if v == version => {
                    accepted_version = true;
                    if !offer.contains(&suite) {
                        break; // a server that picks what was not offered: stop asking
                    }
                    offer.retain(|&c| c != suite);
                    scan.accepted.push(AcceptedSuite { version, suite });
                    if offer.is_empty() {
                        break;
                    }
                }
                // A lower version, an alert or a hang-up: this version (or what is left of
                // the offer) is refused.
                _ => break,
            }
        }
        if accepted_version {
            scan.versions.push(version);
        }
    }
    Ok(scan)
}

/// How long a scan may take at most, for the caller's deadline: every suite of every version.
pub fn worst_case(timeouts: Timeouts) -> Duration {
    (timeouts.connect + timeouts.read) * (3 * SUITES.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_a_well_formed_record() {
        let h = client_hello(TLS11, &[0xc02b, 0x002f], Some("peer0.org1"));
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        let len = u16::from_be_bytes([h[3], h[4]]) as usize;
        assert_eq!(h.len(), 5 + len);
        assert_eq!(h[5], 1, "client_hello");
        assert_eq!(&h[9..11], &[0x03, 0x02], "offers TLS 1.1");
        assert!(h.windows(10).any(|w| w == b"peer0.org1"), "SNI");
        // No SNI for an address.
        let h = client_hello(TLS12, &[0xc02b], Some("127.0.0.1"));
        assert!(!h.windows(9).any(|w| w == b"127.0.0.1"));
    }

    #[test]
    fn replies() {
        let alert = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70];
        assert_eq!(parse_reply(&alert), Ok(Some(Reply::Alert(70))));
        assert_eq!(parse_reply(&alert[..4]), Ok(None));
        let mut hello = vec![0x16, 0x03, 0x03, 0, 0];
        let mut msg = vec![2, 0, 0, 0, 0x03, 0x02];
        msg.extend([0u8; 32]);
        msg.push(0);
        msg.extend([0xc0, 0x13, 0]);
        hello[3..5].copy_from_slice(&(msg.len() as u16).to_be_bytes());
        hello.extend(msg);
        assert_eq!(
            parse_reply(&hello),
            Ok(Some(Reply::Hello {
                version: TLS11,
                suite: 0xc013
            }))
        );
        assert!(parse_reply(b"HTTP/1.1 400").is_err());
    }

    #[test]
    fn suite_table() {
        assert!(suite(0xc02b).unwrap().fabric_default);
        assert!(suite(0x002f).unwrap().weaknesses.contains(&CbcSha1));
        let fabric: Vec<_> = SUITES.iter().filter(|s| s.fabric_default).collect();
        assert_eq!(
            fabric.len(),
            6,
            "internal/pkg/comm/config.go DefaultTLSCipherSuites"
        );
    }
}
