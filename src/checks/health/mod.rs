//! Node health checks (`HEALTH-…`): what peers and orderers say about themselves beyond
//! answering a handshake — the gRPC health service on the verified TLS connection, the
//! operations endpoint's `/healthz`, each channel's block height from `/metrics` — and the
//! chaincode containers a Docker-launching peer started, as its own daemon shows them.

use std::collections::BTreeMap;

use crate::checks::nothing_to_check;
use crate::finding::{Outcome, Status, Target, TargetKind};
use crate::inventory::Inventory;
use crate::inventory::live::{HttpAnswer, NodeRole, OperationsObservation};

pub mod block_height_below_deployed;
pub mod block_heights_differ;
pub mod chaincode_container_stopped;
pub mod grpc_health_not_serving;
pub mod operations_unhealthy;
#[cfg(test)]
pub(crate) mod testing;

/// The gauge Fabric's block store sets to a channel's height (common/ledger/blkstorage/
/// metrics.go: namespace `ledger`, name `blockchain_height`, label `channel`), as the
/// prometheus provider names it.
pub const HEIGHT_GAUGE: &str = "ledger_blockchain_height";

/// Applies `judge` to every operations endpoint probed, and says which dialled nodes had none
/// (a skip each, so no node drops out unseen); one skip when there is nothing at all.
pub fn per_operations(
    inv: &Inventory,
    judge: impl Fn(&OperationsObservation) -> Outcome,
) -> Vec<Outcome> {
    let without: Vec<&crate::inventory::live::TlsEndpoint> = inv
        .live
        .tls
        .iter()
        .map(|o| &o.endpoint)
        .filter(|ep| ep.operations.is_none())
        .collect();
    if inv.live.operations.is_empty() && without.is_empty() {
        return nothing_to_check(
            inv,
            "operations endpoints (ops= in --endpoints/--endpoint, *_OPERATIONS_LISTENADDRESS of a published compose service)",
        );
    }
    let judged = inv.live.operations.iter().map(|o| {
        let mut out = judge(o);
        out.target = operations_target(o);
        out.with("node", o.name.clone())
            .with("operations", scheme_address(o))
    });
    let unknown = without.into_iter().map(|ep| {
        Outcome::new(
            Status::Skip,
            Target::new(TargetKind::Endpoint, ep.address.clone())
                .with_locator(Some(ep.name.clone())),
            format!(
                "{}: no operations endpoint known (ops= on the endpoint; a compose service's *_OPERATIONS_LISTENADDRESS on a published port)",
                ep.name
            ),
        )
        .with("node", ep.name.clone())
    });
    judged.chain(unknown).collect()
}

pub fn operations_target(o: &OperationsObservation) -> Target {
    Target::new(TargetKind::Endpoint, o.endpoint.address.clone())
        .with_locator(Some(format!("{} operations", o.name)))
}

/// `https://peer0.org1:9443`.
pub fn scheme_address(o: &OperationsObservation) -> String {
    format!(
        "{}://{}",
        if o.endpoint.tls { "https" } else { "http" },
        o.endpoint.address
    )
}

/// Channel heights a node reports (`channel → height`), or why none can be read, with the
/// status the finding gets: skip when the node exposes no Prometheus metrics, error when they
/// could not be asked or read.
pub type Heights = Result<BTreeMap<String, u64>, (Status, String)>;

/// What one node's `/metrics` says about channel heights.
pub fn heights(o: &OperationsObservation) -> Heights {
    let answer: &HttpAnswer = match &o.metrics {
        Ok(a) => a,
        Err(e) => return Err((Status::Error, format!("/metrics could not be read: {e}"))),
    };
    let setting = match o.role {
        NodeRole::Peer => "CORE_METRICS_PROVIDER",
        NodeRole::Orderer => "ORDERER_METRICS_PROVIDER",
    };
    match answer.status {
        200 => {}
        // core/operations/system.go registers /metrics only for the prometheus provider.
        404 => {
            return Err((
                Status::Skip,
                format!(
                    "/metrics answered 404: the node's metrics provider is not prometheus ({setting}=prometheus exposes it)"
                ),
            ));
        }
        // With operations TLS on, /metrics is a secure handler: a verified client certificate.
        401 | 403 => {
            return Err((
                Status::Error,
                format!(
                    "/metrics answered {}: with operations TLS on it needs a client certificate from the operations client CAs (cert=/key= on the endpoint)",
                    answer.status
                ),
            ));
        }
        other => {
            return Err((
                Status::Error,
                format!("/metrics answered HTTP {other}: {}", excerpt(&answer.body)),
            ));
        }
    }
    let parsed = parse_heights(&answer.body);
    if parsed.is_empty() && answer.truncated {
        return Err((
            Status::Error,
            format!("/metrics was cut at the probe's limit before any {HEIGHT_GAUGE} sample"),
        ));
    }
    Ok(parsed)
}

/// The `ledger_blockchain_height{channel="…"}` samples of a Prometheus text page. Lines that
/// are not such samples are ignored; a value that is not a whole number of blocks is too.
pub fn parse_heights(text: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix(HEIGHT_GAUGE) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix('{') else {
            continue;
        };
        let Some((labels, value)) = rest.split_once('}') else {
            continue;
        };
        let Some(channel) = label(labels, "channel") else {
            continue;
        };
        // `value [timestamp]`; the value may be written as a float (`5`, `5e+00`).
        let Some(value) = value.split_whitespace().next() else {
            continue;
        };
        let Ok(v) = value.parse::<f64>() else {
            continue;
        };
        if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u64::MAX as f64 {
            out.insert(channel, v as u64);
        }
    }
    out
}

/// One label's value from `a="x",channel="mychannel"` (Prometheus escapes `\"`, `\\`, `\n`).
fn label(labels: &str, name: &str) -> Option<String> {
    let mut rest = labels;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if rest.is_empty() {
            return None;
        }
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start().strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => value.push(other),
                    None => return None,
                },
                '"' => {
                    end = Some(i);
                    break;
                }
                c => value.push(c),
            }
        }
        let end = end?;
        if key.trim() == name {
            return Some(value);
        }
        rest = &after[end + 1..];
    }
}

/// The start of a body, on one line, for evidence.
pub fn excerpt(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 200 {
        format!("{}…", one_line.chars().take(200).collect::<String>())
    } else if one_line.is_empty() {
        "(empty body)".into()
    } else {
        one_line
    }
}

/// Peers' operations observations with the heights each reports, or why it cannot.
pub fn peer_heights(inv: &Inventory) -> Vec<(&OperationsObservation, Heights)> {
    inv.live
        .operations
        .iter()
        .filter(|o| o.role == NodeRole::Peer)
        .map(|o| (o, heights(o)))
        .collect()
}

/// The outcome for a peer whose heights could not be read.
pub fn unreadable(o: &OperationsObservation, status: Status, why: &str) -> Outcome {
    Outcome::new(status, operations_target(o), format!("{}: {why}", o.name))
        .with("node", o.name.clone())
        .with("operations", scheme_address(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_come_from_the_ledger_gauge_only() {
        let page = r#"
# HELP ledger_blockchain_height Height of the chain in blocks.
# TYPE ledger_blockchain_height gauge
ledger_blockchain_height{channel="mychannel"} 7
ledger_blockchain_height{channel="other",extra="x\"y"} 1.2e+01
ledger_blockchain_height_total{channel="no"} 3
ledger_blockchain_height{channel="frac"} 2.5
ledger_blockchain_height{nochannel="x"} 4
ledger_transaction_count{channel="mychannel"} 99
"#;
        let h = parse_heights(page);
        assert_eq!(
            h,
            BTreeMap::from([("mychannel".to_owned(), 7), ("other".to_owned(), 12)])
        );
    }

    #[test]
    fn labels_unescape_and_skip_others() {
        assert_eq!(
            label(r#"a="1",channel="c\\h",b="2""#, "channel").as_deref(),
            Some("c\\h")
        );
        assert_eq!(label(r#"a="x""#, "channel"), None);
        assert_eq!(label(r#"channel="unterminated"#, "channel"), None);
    }
}
