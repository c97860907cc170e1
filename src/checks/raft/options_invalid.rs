//! RAFT-005 `options-invalid`: etcdraft options Fabric refuses (orderer/consensus/etcdraft/
//! util.go `CheckConfigMetadata`: HeartbeatTick, ElectionTick and MaxInflightBlocks non-zero,
//! ElectionTick greater than HeartbeatTick, TickInterval a non-zero Go duration), and the
//! ones the etcd raft library warns about (ElectionTick below 10 × HeartbeatTick switches
//! leaders needlessly).

use crate::checks::channel::{complete, target};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::channel::RaftOptions;

pub struct OptionsInvalid;

/// Parses a Go duration (`500ms`, `1m30s`, `2s`): decimal numbers with units ns, us, µs, ms,
/// s, m, h. Returns nanoseconds.
pub fn go_duration(s: &str) -> Result<u128, String> {
    let bad = || format!("'{s}' is not a Go duration (e.g. 500ms, 2s)");
    let mut rest = s.trim();
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let n: f64 = rest[..n_end].parse().map_err(|_| bad())?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        total += n * unit;
        rest = &rest[u_end..];
    }
    Ok(total as u128)
}

/// What Fabric refuses in the options (fail), and what it accepts but should not be (warn).
pub fn judge(o: &RaftOptions) -> (Vec<String>, Vec<String>) {
    let mut refused = Vec::new();
    let mut unwise = Vec::new();
    if o.heartbeat_tick == 0 || o.election_tick == 0 || o.max_inflight_blocks == 0 {
        refused.push(format!(
            "none of HeartbeatTick ({}), ElectionTick ({}) and MaxInflightBlocks ({}) can be zero",
            o.heartbeat_tick, o.election_tick, o.max_inflight_blocks
        ));
    }
    if o.election_tick <= o.heartbeat_tick {
        refused.push(format!(
            "ElectionTick ({}) must be greater than HeartbeatTick ({})",
            o.election_tick, o.heartbeat_tick
        ));
    } else if o.election_tick < 10 * o.heartbeat_tick {
        unwise.push(format!(
            "ElectionTick ({}) is below 10 × HeartbeatTick ({}): followers start elections on a late heartbeat",
            o.election_tick, o.heartbeat_tick
        ));
    }
    match go_duration(&o.tick_interval) {
        Ok(0) => refused.push("TickInterval cannot be zero".into()),
        Ok(_) => {}
        Err(e) => refused.push(format!("TickInterval: {e}")),
    }
    (refused, unwise)
}

impl Check for OptionsInvalid {
    fn id(&self) -> &'static str {
        "RAFT-005"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let out: Vec<Outcome> = complete(inv)
            .filter_map(|c| {
                let o = c.orderer.as_ref()?.raft.as_ref()?.options.as_ref()?;
                let (refused, unwise) = judge(o);
                let t = target(c, Some("Channel/Orderer ConsensusType metadata Options"));
                let summary = format!(
                    "TickInterval {}, ElectionTick {}, HeartbeatTick {}, MaxInflightBlocks {}, SnapshotIntervalSize {}",
                    o.tick_interval,
                    o.election_tick,
                    o.heartbeat_tick,
                    o.max_inflight_blocks,
                    o.snapshot_interval_size
                );
                Some(if !refused.is_empty() {
                    Outcome::new(
                        Status::Fail,
                        t,
                        format!("{}: Fabric refuses these options: {}", c.describe(), refused.join("; ")),
                    )
                } else if !unwise.is_empty() {
                    Outcome::new(Status::Warn, t, format!("{}: {}", c.describe(), unwise.join("; ")))
                } else {
                    Outcome::new(Status::Pass, t, format!("{}: {summary}", c.describe()))
                })
            })
            .collect();
        if out.is_empty() {
            return nothing_to_check(inv, "etcdraft options in channel configurations");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(tick: &str, election: u32, heartbeat: u32, inflight: u32) -> RaftOptions {
        RaftOptions {
            tick_interval: tick.into(),
            election_tick: election,
            heartbeat_tick: heartbeat,
            max_inflight_blocks: inflight,
            snapshot_interval_size: 16 << 20,
        }
    }

    #[test]
    fn fabric_defaults_pass_and_what_fabric_refuses_fails() {
        assert_eq!(go_duration("500ms"), Ok(500_000_000));
        assert_eq!(go_duration("1m30s"), Ok(90_000_000_000));
        assert!(go_duration("500").is_err());
        assert_eq!(judge(&opts("500ms", 10, 1, 5)), (vec![], vec![]));
        let (refused, _) = judge(&opts("500ms", 10, 10, 5));
        assert_eq!(
            refused,
            ["ElectionTick (10) must be greater than HeartbeatTick (10)"]
        );
        assert_eq!(
            judge(&opts("0s", 10, 1, 5)).0,
            ["TickInterval cannot be zero"]
        );
        assert_eq!(judge(&opts("500ms", 10, 1, 0)).0.len(), 1);
        assert_eq!(judge(&opts("500ms", 5, 1, 5)).1.len(), 1);
    }
}
