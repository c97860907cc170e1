//! Files a Job hands back to fabcheck through its log, and reading them out of it.
//!
//! The genesis Job makes the orderer system channel's block and the channel artifacts in the
//! cluster (configtxgen runs in Fabric's tools image), and fabcheck needs them outside the Job:
//! the block goes into an immutable ConfigMap the orderers mount, the channel transactions into
//! the orgs' namespaces. A container cannot write to the API without credentials and a client,
//! and the kubectl image once used for that lost its versioned tags; so the Job prints each
//! file to its log, framed, and fabcheck reads the pod's log (`pods/log`, what `kubectl logs`
//! reads) and checks every file's size and SHA-256 before using it.
//!
//! The frame, written by [`print_script`] with POSIX sh, coreutils or busybox:
//!
//! ```text
//! fabcheck-file genesis.block 21304 9f86d0…
//! <base64, wrapped at 76 columns>
//! fabcheck-end genesis.block
//! ```
//!
//! Anything outside a frame (configtxgen's own log lines share the stream) is ignored.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Why a Job's log did not hand back its files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandbackError {
    #[error("failed to read the handed-back files: line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    #[error("failed to read handed-back file {name}: {reason}")]
    Corrupt { name: String, reason: String },
    #[error("failed to find handed-back file {name} in the Job's log")]
    Missing { name: String },
}

const BEGIN: &str = "fabcheck-file ";
const END: &str = "fabcheck-end ";

/// The sh snippet that prints every regular file of folder `dir` in frames.
pub fn print_script(dir: &str) -> String {
    format!(
        "cd {dir}\n\
         for f in *; do\n\
         \x20 [ -f \"$f\" ] || continue\n\
         \x20 printf 'fabcheck-file %s %s %s\\n' \"$f\" \"$(wc -c < \"$f\" | tr -d ' ')\" \"$(sha256sum \"$f\" | cut -d ' ' -f 1)\"\n\
         \x20 base64 \"$f\"\n\
         \x20 printf 'fabcheck-end %s\\n' \"$f\"\n\
         done\n"
    )
}

/// Every framed file in `log`, by name. A frame that is cut short, a size or digest that does
/// not match, or a name framed twice with different contents is an error: the files go into a
/// ConfigMap orderers boot from, and a wrong block is worse than none.
pub fn parse(log: &str) -> Result<BTreeMap<String, Vec<u8>>, HandbackError> {
    struct Open<'a> {
        name: &'a str,
        size: usize,
        digest: &'a str,
        line: usize,
        body: String,
    }
    let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut open: Option<Open> = None;
    for (i, raw) in log.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        let malformed = |reason: String| HandbackError::Malformed {
            line: line_no,
            reason,
        };
        match open.as_mut() {
            None => {
                let Some(rest) = line.strip_prefix(BEGIN) else {
                    continue;
                };
                let parts: Vec<&str> = rest.split(' ').collect();
                let [name, size, digest] = parts[..] else {
                    return Err(malformed(format!(
                        "expected '{BEGIN}NAME SIZE SHA256', got {line:?}"
                    )));
                };
                let size = size
                    .parse()
                    .map_err(|_| malformed(format!("size {size:?} is not a number")))?;
                if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(malformed(format!("{digest:?} is not a SHA-256 in hex")));
                }
                open = Some(Open {
                    name,
                    size,
                    digest,
                    line: line_no,
                    body: String::new(),
                });
            }
            Some(file) => {
                if let Some(name) = line.strip_prefix(END) {
                    if name != file.name {
                        return Err(malformed(format!(
                            "frame of {} (line {}) ends as {name}",
                            file.name, file.line
                        )));
                    }
                    let file = open.take().expect("a frame is open");
                    let bytes = decode(&file.body, file.name, file.size, file.digest)?;
                    if let Some(earlier) = out.get(file.name)
                        && *earlier != bytes
                    {
                        return Err(HandbackError::Corrupt {
                            name: file.name.to_owned(),
                            reason: "it is framed twice with different contents".into(),
                        });
                    }
                    out.insert(file.name.to_owned(), bytes);
                } else {
                    file.body.push_str(line.trim());
                }
            }
        }
    }
    if let Some(file) = open {
        return Err(HandbackError::Corrupt {
            name: file.name.to_owned(),
            reason: format!(
                "its frame (line {}) never ends: the log is cut short",
                file.line
            ),
        });
    }
    Ok(out)
}

fn decode(body: &str, name: &str, size: usize, digest: &str) -> Result<Vec<u8>, HandbackError> {
    let corrupt = |reason: String| HandbackError::Corrupt {
        name: name.to_owned(),
        reason,
    };
    let bytes = STANDARD
        .decode(body)
        .map_err(|e| corrupt(format!("its base64 does not decode: {e}")))?;
    if bytes.len() != size {
        return Err(corrupt(format!(
            "{} bytes arrived, the Job announced {size}",
            bytes.len()
        )));
    }
    let got: String = ring::digest::digest(&ring::digest::SHA256, &bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if !got.eq_ignore_ascii_case(digest) {
        return Err(corrupt(format!(
            "its SHA-256 is {got}, the Job announced {digest}"
        )));
    }
    Ok(bytes)
}

/// The file `name` out of parsed files, or [`HandbackError::Missing`].
pub fn take(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Result<Vec<u8>, HandbackError> {
    files
        .get(name)
        .cloned()
        .ok_or_else(|| HandbackError::Missing {
            name: name.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(name: &str, bytes: &[u8]) -> String {
        let digest: String = ring::digest::digest(&ring::digest::SHA256, bytes)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let b64 = STANDARD.encode(bytes);
        let wrapped: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "{BEGIN}{name} {} {digest}\n{}\n{END}{name}\n",
            bytes.len(),
            wrapped.join("\n")
        )
    }

    #[test]
    fn frames_between_log_lines_are_read() {
        let block: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let log = format!(
            "2026-12-04 08:00:00.000 UTC [common.tools.configtxgen] main -> INFO 001 Loading configuration\n{}noise\n{}",
            frame("genesis.block", &block),
            frame("channel.tx", b"\n-----BEGIN CERTIFICATE-----\n")
        );
        let files = parse(&log).unwrap();
        assert_eq!(files["genesis.block"], block);
        assert_eq!(files["channel.tx"], b"\n-----BEGIN CERTIFICATE-----\n");
        assert_eq!(
            take(&files, "Org1MSPanchors.tx"),
            Err(HandbackError::Missing {
                name: "Org1MSPanchors.tx".into()
            })
        );
    }

    #[test]
    fn damage_is_an_error_never_a_file() {
        let good = frame("genesis.block", b"block bytes");
        // Cut short.
        let cut = &good[..good.len() - 20];
        assert!(matches!(parse(cut), Err(HandbackError::Corrupt { .. })));
        // A changed byte.
        let flipped = good.replace("YmxvY2sgYnl0ZXM=", "YmxvY2sgYnl0ZXN=");
        let err = parse(&flipped).unwrap_err().to_string();
        assert!(err.contains("SHA-256") || err.contains("base64"), "{err}");
        // A wrong size.
        let sized = good.replace(" 11 ", " 12 ");
        assert!(
            parse(&sized)
                .unwrap_err()
                .to_string()
                .contains("announced 12")
        );
        // A bad header names its line.
        let err = parse("x\nfabcheck-file a b\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        // Two frames of one name that disagree.
        let twice = format!("{good}{}", frame("genesis.block", b"other"));
        assert!(parse(&twice).unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn the_script_frames_what_the_parser_reads() {
        let dir = tempfile::tempdir().unwrap();
        let block: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        std::fs::write(dir.path().join("genesis.block"), &block).unwrap();
        std::fs::write(dir.path().join("channel.tx"), b"tx").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let Ok(out) = std::process::Command::new("sh")
            .arg("-c")
            .arg(print_script(&dir.path().display().to_string()))
            .output()
        else {
            panic!("sh must exist to test the script");
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let files = parse(&String::from_utf8(out.stdout).unwrap()).unwrap();
        assert_eq!(files.len(), 2, "folders are not framed");
        assert_eq!(files["genesis.block"], block);
        assert_eq!(files["channel.tx"], b"tx");
    }
}
