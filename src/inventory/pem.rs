//! PEM framing with line numbers.
//!
//! The `pem` crates decode well-formed input but report a broken file as one opaque error; an
//! operator needs "BEGIN CERTIFICATE at line 12 has no END line". This scanner finds the
//! blocks and their lines and decodes each body with `base64`, so every broken block gets its
//! own precise reason while the good blocks in the same file are still read.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

/// One PEM block, or the reason it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// The label between `BEGIN ` and the dashes, e.g. `CERTIFICATE`.
    pub label: String,
    /// 1-based line of the BEGIN line.
    pub line: usize,
    /// Decoded contents, or why they could not be decoded.
    pub contents: Result<Vec<u8>, String>,
}

/// Whether `data` looks like PEM at all (has a BEGIN line).
pub fn looks_like_pem(data: &[u8]) -> bool {
    memchr_find(data, b"-----BEGIN ").is_some()
}

/// Whether `data` is text, as every PEM file is (RFC 7468: lines of ASCII). Binary data (a
/// protobuf Fabric block, DER, a gzip) holds control bytes that text never does; a block that
/// embeds PEM certificates is still binary, and scanning it line by line finds "END lines
/// without BEGIN" where length bytes sit before the armour. Bytes above 0x7f are allowed: a
/// Latin-1 comment beside a certificate is still a text file.
pub fn is_text(data: &[u8]) -> bool {
    !data
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1b))
}

/// Whether `data` is exactly one DER SEQUENCE (a certificate or a key, as a file or a value
/// holds it): the tag, a definite length, and nothing after the contents. Binary values are
/// judged as certificate material only when they have this shape.
pub fn looks_like_der(data: &[u8]) -> bool {
    let Some((&0x30, rest)) = data.split_first() else {
        return false;
    };
    let Some((&first, rest)) = rest.split_first() else {
        return false;
    };
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return false;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    rest.len() == len
}

fn memchr_find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits `data` into PEM blocks. Text outside blocks (comments, YAML around an embedded
/// certificate) is ignored, as Go's `pem.Decode` does.
pub fn blocks(data: &[u8]) -> Vec<PemBlock> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    // The body may be a private key: it is zeroed when dropped.
    let mut current: Option<(String, usize, Zeroizing<String>)> = None;
    for (idx, raw_line) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = raw_line.trim();
        if let Some(label) = boundary(line, "BEGIN") {
            if let Some((open_label, open_line, _)) = current.take() {
                out.push(PemBlock {
                    label: open_label.clone(),
                    line: open_line,
                    contents: Err(format!(
                        "truncated PEM block: BEGIN {open_label} at line {open_line} has no END line before line {line_no}"
                    )),
                });
            }
            current = Some((label.to_owned(), line_no, Zeroizing::new(String::new())));
        } else if let Some(label) = boundary(line, "END") {
            match current.take() {
                Some((open_label, open_line, body)) => {
                    let contents = if label != open_label {
                        Err(format!(
                            "PEM block BEGIN {open_label} at line {open_line} ends with END {label} at line {line_no}"
                        ))
                    } else {
                        decode_body(&body, open_line)
                    };
                    out.push(PemBlock {
                        label: open_label,
                        line: open_line,
                        contents,
                    });
                }
                None => out.push(PemBlock {
                    label: label.to_owned(),
                    line: line_no,
                    contents: Err(format!("END {label} at line {line_no} has no BEGIN line")),
                }),
            }
        } else if let Some((_, _, body)) = current.as_mut() {
            // RFC 7468 allows headers (Proc-Type, DEK-Info) in legacy encrypted keys.
            if !line.contains(':') {
                body.push_str(line);
            }
        }
    }
    if let Some((label, line, _)) = current {
        out.push(PemBlock {
            contents: Err(format!(
                "truncated PEM block: BEGIN {label} at line {line} has no END line"
            )),
            label,
            line,
        });
    }
    out
}

/// What a BEGIN or END line with a label that is not a PEM label is reported as.
const MALFORMED_LABEL: &str = "(malformed label, not shown)";

fn boundary<'a>(line: &'a str, which: &str) -> Option<&'a str> {
    let label = line
        .strip_prefix("-----")?
        .strip_prefix(which)?
        .strip_prefix(' ')?
        .strip_suffix("-----")?;
    // A label is a few short words (RFC 7468: no `--`; `ENCRYPTED PRIVATE KEY`). Anything else
    // is not quoted in messages: a key pasted on one line makes the whole
    // `PRIVATE KEY-----MIGH…-----END PRIVATE KEY` the "label".
    if label.contains("--") || label.split(' ').any(|word| word.len() > 16) {
        return Some(MALFORMED_LABEL);
    }
    Some(label)
}

fn decode_body(body: &str, line: usize) -> Result<Vec<u8>, String> {
    if body.is_empty() {
        return Err(format!("PEM block at line {line} is empty"));
    }
    STANDARD
        .decode(body.as_bytes())
        .map_err(|e| format!("PEM block at line {line} is not valid base64: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_on_one_line_is_reported_without_quoting_it() {
        // Found by fuzz/fuzz_targets/pem_material.rs: the BEGIN line's "label" ran to the end
        // of the line and every message quoted it, key body and all.
        let body = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgccPRIVATE";
        let one_line = format!("-----BEGIN PRIVATE KEY-----{body}-----END PRIVATE KEY-----\n");
        let found = blocks(one_line.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].label, MALFORMED_LABEL);
        let reason = found[0].contents.as_ref().unwrap_err();
        assert!(!reason.contains(body), "{reason}");
        assert!(reason.contains("truncated PEM block"), "{reason}");
        let long_word = "-----BEGIN PRIVATE KEY333333333333333333333333333333-----\nAAEC\n";
        assert_eq!(blocks(long_word.as_bytes())[0].label, MALFORMED_LABEL);
        assert_eq!(blocks(CERT.as_bytes())[0].label, "CERTIFICATE");
    }

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";

    #[test]
    fn reads_several_blocks_with_lines() {
        let data = format!("# bundle\n{CERT}{CERT}");
        let bs = blocks(data.as_bytes());
        assert_eq!(bs.len(), 2);
        assert_eq!(bs[0].line, 2);
        assert_eq!(bs[1].line, 5);
        assert_eq!(bs[0].contents, Ok(vec![0, 1, 2]));
        assert_eq!(bs[0].label, "CERTIFICATE");
    }

    #[test]
    fn truncated_block_is_reported_and_next_block_still_read() {
        let data = format!("-----BEGIN CERTIFICATE-----\nAAEC\n{CERT}");
        let bs = blocks(data.as_bytes());
        assert_eq!(bs.len(), 2);
        assert!(
            bs[0]
                .contents
                .as_ref()
                .unwrap_err()
                .contains("BEGIN CERTIFICATE at line 1 has no END")
        );
        assert!(bs[1].contents.is_ok());
    }

    #[test]
    fn truncated_at_end_of_file() {
        let bs = blocks(b"-----BEGIN CERTIFICATE-----\nAAEC\n");
        assert!(
            bs[0]
                .contents
                .as_ref()
                .unwrap_err()
                .starts_with("truncated PEM block")
        );
    }

    #[test]
    fn bad_base64_and_mismatched_end() {
        let bs = blocks(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        assert!(
            bs[0]
                .contents
                .as_ref()
                .unwrap_err()
                .contains("not valid base64")
        );
        let bs = blocks(b"-----BEGIN CERTIFICATE-----\nAAEC\n-----END PRIVATE KEY-----\n");
        assert!(
            bs[0]
                .contents
                .as_ref()
                .unwrap_err()
                .contains("ends with END PRIVATE KEY")
        );
    }

    #[test]
    fn crlf_and_indentation_are_tolerated() {
        let data = "  -----BEGIN CERTIFICATE-----\r\n  AAEC\r\n  -----END CERTIFICATE-----\r\n";
        assert_eq!(blocks(data.as_bytes())[0].contents, Ok(vec![0, 1, 2]));
    }

    #[test]
    fn binary_with_embedded_pem_is_not_text() {
        // A Fabric block's shape: protobuf length bytes on the line before the armour.
        let mut block = vec![0x0a, 0x02, 0x08, 0x01, 0x12, 0x9e, 0x01];
        block.extend_from_slice(CERT.as_bytes());
        block.extend_from_slice(&[0x1a, 0x00, 0x22]);
        assert!(!is_text(&block));
        assert!(
            looks_like_pem(&block),
            "the armour is there, which is the trap"
        );
        assert!(is_text(CERT.as_bytes()));
        assert!(is_text("# caf\u{e9}\r\n\t".as_bytes()));
        assert!(is_text(b"\xe9 latin-1 comment\n"));
    }

    #[test]
    fn der_shape_is_one_whole_sequence() {
        assert!(looks_like_der(&[0x30, 0x03, 0x02, 0x01, 0x05]));
        assert!(looks_like_der(&[0x30, 0x81, 0x01, 0x00]));
        let mut long = vec![0x30, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(0u8, 256));
        assert!(looks_like_der(&long));
        long.push(0);
        assert!(!looks_like_der(&long), "trailing bytes");
        assert!(!looks_like_der(b"0.5"), "text that starts with '0' (0x30)");
        assert!(!looks_like_der(&[0x30, 0x05, 0x02]), "truncated");
        assert!(!looks_like_der(&[0x0a, 0x01, 0x00]));
        assert!(!looks_like_der(&[]));
    }

    #[test]
    fn no_blocks_in_plain_text() {
        assert!(blocks(b"hello\nworld\n").is_empty());
        assert!(!looks_like_pem(b"hello"));
        assert!(looks_like_pem(CERT.as_bytes()));
    }
}
