//! `inspect FILE…`: the channel configuration inside Fabric blocks and transactions, shaped for
//! a person (what `configtxgen -inspectBlock` / `-inspectChannelCreateTx` print as raw JSON).
//! Certificates are summarised (subject, issuer, validity, fingerprint); keys never appear in a
//! channel configuration, and nothing here prints PEM.

use std::io::Write;
use std::path::{Path, PathBuf};

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;

use super::config::InspectFormat;
use crate::inventory::Origin;
use crate::inventory::channel::{self, ChannelConfig, ConfigCert, OrgConfig};

use crate::inventory::channel::MAX_ARTIFACT_BYTES;

/// Reads and decodes one artifact file.
pub fn read(path: &Path) -> Result<ChannelConfig, String> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("failed to read {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("failed to read {shown}: not a regular file"));
    }
    if meta.len() > MAX_ARTIFACT_BYTES {
        return Err(format!(
            "failed to read {shown}: {} bytes is larger than any Fabric block fabcheck reads ({MAX_ARTIFACT_BYTES})",
            meta.len()
        ));
    }
    let data = std::fs::read(path).map_err(|e| format!("failed to read {shown}: {e}"))?;
    let scope = path
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    channel::decode(&data, Origin::file(shown.clone()), &scope).map_err(|e| format!("{shown}: {e}"))
}

/// Prints every file's configuration; exit 2 when any file is not a channel configuration.
pub fn run(files: &[PathBuf], format: InspectFormat, out: &mut dyn Write) -> std::io::Result<i32> {
    let decoded: Vec<Result<ChannelConfig, String>> = files.iter().map(|f| read(f)).collect();
    match format {
        InspectFormat::Json => {
            let items: Vec<serde_json::Value> = decoded
                .iter()
                .zip(files)
                .map(|(d, f)| match d {
                    Ok(c) => {
                        serde_json::to_value(c).unwrap_or_else(|e| json!({"error": e.to_string()}))
                    }
                    Err(e) => json!({"origin": f.display().to_string(), "error": e}),
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &items)?;
            writeln!(out)?;
        }
        InspectFormat::Table => {
            for d in &decoded {
                match d {
                    Ok(c) => write_config(c, out)?,
                    Err(e) => writeln!(out, "error: {e}\n")?,
                }
            }
        }
    }
    Ok(if decoded.iter().all(Result::is_ok) {
        crate::exit::SUCCESS
    } else {
        crate::exit::USAGE
    })
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    if !header.is_empty() {
        t.set_header(header.to_vec());
    }
    t
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

/// `CN=ca.org1 · until 2029-01-01 · sha256 1a2b3c4d`, or the parse error.
fn cert_line(c: &ConfigCert) -> String {
    match &c.facts {
        Ok(f) => format!(
            "{} · until {} · sha256 {}",
            f.subject,
            f.not_after.date(),
            &f.fingerprint[..f.fingerprint.len().min(16)]
        ),
        Err(e) => format!("unreadable: {e}"),
    }
}

fn certs(list: &[ConfigCert]) -> String {
    if list.is_empty() {
        return "-".into();
    }
    list.iter().map(cert_line).collect::<Vec<_>>().join("\n")
}

fn write_config(c: &ChannelConfig, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}: {}", c.origin, c.describe())?;
    let mut summary = table(&[]);
    let mut row = |k: &str, v: String| {
        summary.add_row(vec![k.to_owned(), v]);
    };
    if let Some(seq) = c.sequence {
        row("config sequence", seq.to_string());
    }
    if let Some(h) = &c.hashing_algorithm {
        row("hashing algorithm", h.clone());
    }
    if let Some(name) = &c.consortium {
        row("consortium", name.clone());
    }
    row("channel capabilities", list(&c.capabilities.channel));
    if let Some(caps) = &c.capabilities.orderer {
        row("orderer capabilities", list(caps));
    }
    if let Some(caps) = &c.capabilities.application {
        row("application capabilities", list(caps));
    }
    if !c.orderer_addresses.is_empty() {
        row("orderer addresses", list(&c.orderer_addresses));
    }
    if let Some(o) = &c.orderer {
        let state = o
            .consensus_state
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        row("orderer type", format!("{}{state}", o.consensus_type));
        if let Some(b) = &o.batch_size {
            row(
                "batch size",
                format!(
                    "{} messages, {} bytes absolute, {} bytes preferred",
                    b.max_message_count, b.absolute_max_bytes, b.preferred_max_bytes
                ),
            );
        }
        if let Some(t) = &o.batch_timeout {
            row("batch timeout", t.clone());
        }
        if !o.kafka_brokers.is_empty() {
            row("Kafka brokers", list(&o.kafka_brokers));
        }
        if let Some(max) = o.max_channels {
            row("max channels", max.to_string());
        }
        if let Some(opts) = o.raft.as_ref().and_then(|r| r.options.as_ref()) {
            row(
                "etcdraft options",
                format!(
                    "TickInterval {}, ElectionTick {}, HeartbeatTick {}, MaxInflightBlocks {}, SnapshotIntervalSize {}",
                    opts.tick_interval,
                    opts.election_tick,
                    opts.heartbeat_tick,
                    opts.max_inflight_blocks,
                    opts.snapshot_interval_size
                ),
            );
        }
        if let Some(b) = &o.bft {
            row(
                "BFT options",
                format!(
                    "RequestBatchMaxCount {}, RequestBatchMaxInterval {}, LeaderRotation {}",
                    b.request_batch_max_count.unwrap_or_default(),
                    b.request_batch_max_interval.clone().unwrap_or_default(),
                    b.leader_rotation.clone().unwrap_or_default()
                ),
            );
        }
    }
    for p in &c.problems {
        row("problem", p.clone());
    }
    writeln!(out, "{summary}")?;

    if let Some((kind, consenters)) = c.consenters() {
        let mut t = table(&[
            "consenter",
            "org",
            "client TLS certificate",
            "server TLS certificate",
        ]);
        for k in consenters {
            let one = |c: &Option<ConfigCert>| c.as_ref().map(cert_line).unwrap_or("-".into());
            t.add_row(vec![
                match k.id {
                    Some(id) => format!("{id}: {}", k.endpoint()),
                    None => k.endpoint(),
                },
                k.msp_id.clone().unwrap_or_else(|| "-".into()),
                one(&k.client_tls_cert),
                one(&k.server_tls_cert),
            ]);
        }
        writeln!(out, "{kind} consenters ({})\n{t}", consenters.len())?;
    }

    let orgs: Vec<&OrgConfig> = c.orgs().collect();
    if !orgs.is_empty() {
        let mut t = table(&[
            "org",
            "MSP ID",
            "root and intermediate CAs",
            "TLS root and intermediate CAs",
            "admins",
            "NodeOUs",
            "endpoints",
        ]);
        for org in orgs {
            let (id, roots, tls, admins, ous) = match &org.msp {
                Some(m) => (
                    m.msp_id.clone(),
                    certs(&[m.root_certs.clone(), m.intermediate_certs.clone()].concat()),
                    certs(&[m.tls_root_certs.clone(), m.tls_intermediate_certs.clone()].concat()),
                    if m.admins.is_empty() {
                        "-".into()
                    } else {
                        certs(&m.admins)
                    },
                    match &m.node_ous {
                        Some(n) if n.enable => {
                            let ous: Vec<String> = [
                                ("client", &n.client_ou),
                                ("peer", &n.peer_ou),
                                ("admin", &n.admin_ou),
                                ("orderer", &n.orderer_ou),
                            ]
                            .iter()
                            .filter_map(|(role, ou)| ou.as_ref().map(|ou| format!("{role}={ou}")))
                            .collect();
                            format!("enabled ({})", ous.join(", "))
                        }
                        _ => "disabled".into(),
                    },
                ),
                None => ("-".into(), "-".into(), "-".into(), "-".into(), "-".into()),
            };
            let endpoints: Vec<String> = org
                .anchor_peers
                .iter()
                .map(|a| format!("anchor {a}"))
                .chain(org.orderer_endpoints.iter().map(|e| format!("orderer {e}")))
                .collect();
            t.add_row(vec![
                org.path.clone(),
                id,
                roots,
                tls,
                admins,
                ous,
                list(&endpoints),
            ]);
        }
        writeln!(out, "organizations\n{t}")?;
    }

    if !c.policies.is_empty() {
        let mut t = table(&["group", "policy", "type", "rule", "mod policy"]);
        for p in &c.policies {
            t.add_row(vec![
                p.path.clone(),
                p.name.clone(),
                p.kind.clone(),
                p.rule.clone(),
                p.mod_policy.clone(),
            ]);
        }
        writeln!(out, "policies\n{t}")?;
    }
    writeln!(out)
}
