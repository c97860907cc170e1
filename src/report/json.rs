//! The JSON renderer: the [`Report`] as is, in the schema documented in
//! `schema/report.schema.json` (versioned by `schema_version`). Compact, one line: reports of
//! large networks run to tens of megabytes and are read by programs (`jq .` pretty-prints).

use std::io::Write;

use rayon::prelude::*;

use crate::finding::Report;

/// Findings serialized per parallel task: large enough that a chunk's buffer amortises the
/// task, small enough that the buffers of one wave of chunks (one per thread) stay in cache
/// and are reused by the next, instead of holding the whole report in memory.
const FINDINGS_PER_CHUNK: usize = 256;

/// The opening of the findings list in the report serialized without findings. Inside a JSON
/// string every `"` is escaped, so this text can only be the `findings` key itself.
const EMPTY_FINDINGS: &[u8] = br#""findings":[]"#;

pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    render_chunked(report, FINDINGS_PER_CHUNK, out)
}

/// Writes exactly what `serde_json::to_writer(report)` writes, plus a newline. The findings
/// are almost all of a large report, so they are serialized in parallel chunks and put in the
/// place of the empty list of the report serialized without them.
fn render_chunked(report: &Report, chunk: usize, out: &mut dyn Write) -> std::io::Result<()> {
    let head = serde_json::to_vec(&Report {
        schema_version: report.schema_version,
        tool: report.tool.clone(),
        evaluated_at: report.evaluated_at.clone(),
        source: report.source.clone(),
        summary: report.summary,
        findings: Vec::new(),
        discovery: report.discovery.clone(),
        not_read: report.not_read.clone(),
        required: report.required.clone(),
        certificates: report.certificates.clone(),
        handshakes: report.handshakes.clone(),
        topology: report.topology.clone(),
    })?;
    let at = head
        .windows(EMPTY_FINDINGS.len())
        .position(|w| w == EMPTY_FINDINGS)
        .ok_or_else(|| std::io::Error::other("failed to place the findings in the report"))?
        + EMPTY_FINDINGS.len()
        - 1;
    let chunk = chunk.max(1);
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); rayon::current_num_threads().max(1)];
    out.write_all(&head[..at])?;
    let mut first = true;
    for wave in report.findings.chunks(chunk * buffers.len()) {
        wave.par_chunks(chunk)
            .zip(buffers.par_iter_mut())
            .try_for_each(|(findings, buf)| {
                buf.clear();
                for (i, finding) in findings.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    serde_json::to_writer(&mut *buf, finding)?;
                }
                Ok::<(), serde_json::Error>(())
            })?;
        for buf in buffers.iter().take(wave.len().div_ceil(chunk)) {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            out.write_all(buf)?;
        }
    }
    out.write_all(&head[at..])?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Severity;
    use crate::finding::{Finding, Status, Target, TargetKind};

    fn finding(i: usize) -> Finding {
        let mut evidence = crate::finding::Evidence::new();
        evidence.insert("findings".into(), format!("\"findings\":[] {i}").into());
        Finding {
            check_id: format!("X509-{:03}", i % 7),
            title: "a \"quoted\" title".into(),
            severity: Severity::Error,
            status: if i.is_multiple_of(2) {
                Status::Pass
            } else {
                Status::Fail
            },
            target: Target::new(TargetKind::File, format!("dir/{i}.pem")),
            message: format!("message {i}"),
            evidence,
            waived: None,
            known: false,
        }
    }

    /// The chunked output is byte for byte serde_json's, for every chunk size and for no
    /// findings at all, with strings that spell the findings key.
    #[test]
    fn chunked_output_is_serde_jsons() {
        for count in [0, 1, 2, 5, 9] {
            let mut report = Report::new(
                "2026-12-05T00:00:00Z".into(),
                "artifacts:\"findings\":[]".into(),
                (0..count).map(finding).collect(),
            );
            report.not_read = vec!["a FIFO".into()];
            let mut expected = serde_json::to_vec(&report).unwrap();
            expected.push(b'\n');
            for chunk in [1, 2, 3, 4, 100] {
                let mut got = Vec::new();
                render_chunked(&report, chunk, &mut got).unwrap();
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    String::from_utf8(expected.clone()).unwrap(),
                    "{count} findings in chunks of {chunk}"
                );
            }
        }
    }
}
