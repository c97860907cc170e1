//! The Prometheus text exposition format (version 0.0.4), as an orderer's or peer's
//! operations endpoint serves it on `/metrics`, and the etcdraft series read from it.
//!
//! A small parser rather than a crate: the well-known Prometheus parsing crates either pull a
//! whole client library or are unmaintained, and fabcheck needs samples only — name, labels
//! (with the format's `\\`, `\"`, `\n` escapes), value (`NaN`, `+Inf` included) and an optional
//! timestamp. Comment lines (`# HELP`, `# TYPE`) are skipped; a line that does not parse is
//! skipped too, never guessed at.

use std::collections::BTreeMap;

use crate::inventory::live::{
    HttpAnswer, NodeRole, OperationsObservation, RaftChannelMetrics, RaftObservation,
};

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Every sample of a page, in order.
pub fn parse(text: &str) -> Vec<Sample> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Sample> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut rest = line[name_end..].trim_start();
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = parse_labels(after, &mut labels)?;
    }
    let mut fields = rest.split_whitespace();
    let value = parse_value(fields.next()?)?;
    // An optional timestamp (milliseconds), then nothing.
    if let Some(ts) = fields.next() {
        ts.parse::<i64>().ok()?;
    }
    if fields.next().is_some() {
        return None;
    }
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Reads `a="x",b="y"}` into `labels`; returns what follows the `}`.
fn parse_labels<'a>(mut rest: &'a str, labels: &mut BTreeMap<String, String>) -> Option<&'a str> {
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return Some(after);
        }
        let (key, after) = rest.split_once('=')?;
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let after = after.trim_start().strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (_, '\\') => match chars.next()? {
                    (_, 'n') => value.push('\n'),
                    (_, c) => value.push(c),
                },
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        labels.insert(key.to_owned(), value);
        rest = after[end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

/// The etcdraft series, as Fabric's prometheus provider names them (orderer/consensus/
/// etcdraft/metrics.go: namespace `consensus`, subsystem `etcdraft`, label `channel`; go-kit
/// adds no `_total` to counters).
pub const IS_LEADER: &str = "consensus_etcdraft_is_leader";
pub const ACTIVE_NODES: &str = "consensus_etcdraft_active_nodes";
pub const CLUSTER_SIZE: &str = "consensus_etcdraft_cluster_size";
pub const LEADER_CHANGES: &str = "consensus_etcdraft_leader_changes";

/// The etcdraft metrics per channel of a page.
pub fn raft_channels(text: &str) -> BTreeMap<String, RaftChannelMetrics> {
    let mut out: BTreeMap<String, RaftChannelMetrics> = BTreeMap::new();
    for s in parse(text) {
        let slot: fn(&mut RaftChannelMetrics) -> &mut Option<f64> = match s.name.as_str() {
            IS_LEADER => |m: &mut RaftChannelMetrics| &mut m.is_leader,
            ACTIVE_NODES => |m: &mut RaftChannelMetrics| &mut m.active_nodes,
            CLUSTER_SIZE => |m: &mut RaftChannelMetrics| &mut m.cluster_size,
            LEADER_CHANGES => |m: &mut RaftChannelMetrics| &mut m.leader_changes,
            _ => continue,
        };
        let Some(channel) = s.labels.get("channel") else {
            continue;
        };
        *slot(out.entry(channel.clone()).or_default()) = Some(s.value);
    }
    out
}

/// What an orderer's `/metrics` answer says about its Raft clusters; `None` for peers.
pub fn raft(o: &OperationsObservation) -> Option<RaftObservation> {
    if o.role != NodeRole::Orderer {
        return None;
    }
    let operations = format!(
        "{}://{}",
        if o.endpoint.tls { "https" } else { "http" },
        o.endpoint.address
    );
    let channels = match &o.metrics {
        Err(e) => Err((false, format!("/metrics could not be read: {e}"))),
        Ok(answer) => judge(answer),
    };
    Some(RaftObservation {
        orderer: o.name.clone(),
        operations,
        channels,
    })
}

fn judge(answer: &HttpAnswer) -> Result<BTreeMap<String, RaftChannelMetrics>, (bool, String)> {
    match answer.status {
        200 => {}
        // core/operations/system.go registers /metrics only for the prometheus provider.
        404 => {
            return Err((
                true,
                "/metrics answered 404: the orderer's metrics provider is not prometheus (ORDERER_METRICS_PROVIDER=prometheus exposes it)".into(),
            ));
        }
        401 | 403 => {
            return Err((
                false,
                format!(
                    "/metrics answered {}: with operations TLS on it needs a client certificate from the operations client CAs (cert=/key= on the endpoint)",
                    answer.status
                ),
            ));
        }
        other => return Err((false, format!("/metrics answered HTTP {other}"))),
    }
    let channels = raft_channels(&answer.body);
    if channels.is_empty() && answer.truncated {
        return Err((
            false,
            "/metrics was cut at the probe's limit before any consensus_etcdraft_* sample".into(),
        ));
    }
    Ok(channels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_with_labels_escapes_and_timestamps() {
        let page = "# HELP x y\n# TYPE x gauge\nx 1\ny{a=\"q\\\"r\",b=\"\\\\\"} 2.5e+00 1700000000000\nz{} NaN\nbad{a=\"x} 1\n9x 1\nw{a=\"1\",} +Inf\n";
        let s = parse(page);
        assert_eq!(s.len(), 4, "{s:?}");
        assert_eq!(s[0].name, "x");
        assert_eq!(s[1].labels["a"], "q\"r");
        assert_eq!(s[1].labels["b"], "\\");
        assert_eq!(s[1].value, 2.5);
        assert!(s[2].value.is_nan());
        assert_eq!(s[3].value, f64::INFINITY);
    }

    #[test]
    fn raft_series_per_channel() {
        let page = r#"
# TYPE consensus_etcdraft_is_leader gauge
consensus_etcdraft_is_leader{channel="mychannel"} 1
consensus_etcdraft_is_leader{channel="other"} 0
consensus_etcdraft_active_nodes{channel="mychannel"} 2
consensus_etcdraft_cluster_size{channel="mychannel"} 3
consensus_etcdraft_leader_changes{channel="mychannel"} 4
consensus_etcdraft_is_leader 1
ledger_blockchain_height{channel="mychannel"} 9
"#;
        let m = raft_channels(page);
        assert_eq!(m.len(), 2);
        let c = m["mychannel"];
        assert_eq!(
            (
                c.is_leader,
                c.active_nodes,
                c.cluster_size,
                c.leader_changes
            ),
            (Some(1.0), Some(2.0), Some(3.0), Some(4.0))
        );
        assert_eq!(m["other"].active_nodes, None);
    }
}
