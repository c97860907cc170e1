//! The Kafka rules as pure functions of setting values, shared by the static checks (values
//! from compose files, manifests, charts) and the live check (values from DescribeConfigs).
//!
//! Values arrive as the text the broker would parse. Parsing is strict, as Kafka's is: a
//! quoted "103809024 # comment" is not a number.

use crate::finding::Status;

/// A rule's verdict on some values, with the sentence that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub message: String,
}

impl Verdict {
    fn new(status: Status, message: impl Into<String>) -> Verdict {
        Verdict {
            status,
            message: message.into(),
        }
    }
}

/// Kafka broker defaults of the settings the rules name (Kafka 1.0, the Fabric-era image).
pub mod defaults {
    pub const MIN_INSYNC_REPLICAS: i64 = 1;
    pub const DEFAULT_REPLICATION_FACTOR: i64 = 1;
    pub const MESSAGE_MAX_BYTES: i64 = 1_000_012;
    pub const REPLICA_FETCH_MAX_BYTES: i64 = 1_048_576;
    pub const SOCKET_REQUEST_MAX_BYTES: i64 = 104_857_600;
}

/// Parses a Kafka integer setting the way the broker does (`Integer.parseInt` after trimming).
pub fn parse_int(name: &str, value: &str) -> Result<i64, String> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("{name}={value:?} is not an integer; the broker refuses to start"))
}

/// Parses a Kafka boolean setting (`true`/`false`, case-insensitive, as Java's ConfigDef does).
pub fn parse_bool(name: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!(
            "{name}={value:?} is not true or false; the broker refuses to start"
        )),
    }
}

/// `unclean.leader.election.enable` must be explicitly false.
pub fn unclean_leader_election(value: Option<&str>) -> Verdict {
    match value.map(|v| parse_bool("unclean.leader.election.enable", v)) {
        None => Verdict::new(
            Status::Fail,
            "unclean.leader.election.enable is not set: Kafka before 0.11 defaults it to true; set it to false explicitly",
        ),
        Some(Err(e)) => Verdict::new(Status::Error, e),
        Some(Ok(true)) => Verdict::new(
            Status::Fail,
            "unclean.leader.election.enable=true: an out-of-sync replica can become leader and rewrite blocks",
        ),
        Some(Ok(false)) => Verdict::new(Status::Pass, "unclean.leader.election.enable=false"),
    }
}

/// `min.insync.replicas` (M) must exceed 1.
pub fn min_insync_replicas(value: Option<&str>) -> Verdict {
    let m = match value.map(|v| parse_int("min.insync.replicas", v)) {
        None => defaults::MIN_INSYNC_REPLICAS,
        Some(Err(e)) => return Verdict::new(Status::Error, e),
        Some(Ok(m)) => m,
    };
    let shown = if value.is_some() {
        format!("min.insync.replicas={m}")
    } else {
        format!("min.insync.replicas not set (Kafka default {m})")
    };
    if m > 1 {
        Verdict::new(Status::Pass, shown)
    } else {
        Verdict::new(
            Status::Fail,
            format!(
                "{shown}: a block acknowledged by one broker is lost with that broker; Fabric requires M > 1"
            ),
        )
    }
}

/// `default.replication.factor` (N) must satisfy M < N < K for M = `min.insync.replicas` and
/// K brokers (`None` when the broker count is unknown).
pub fn replication_factor(
    min_isr: Option<&str>,
    factor: Option<&str>,
    brokers: Option<usize>,
) -> Verdict {
    let m = match min_isr.map(|v| parse_int("min.insync.replicas", v)) {
        None => defaults::MIN_INSYNC_REPLICAS,
        Some(Err(e)) => return Verdict::new(Status::Error, e),
        Some(Ok(m)) => m,
    };
    let n = match factor.map(|v| parse_int("default.replication.factor", v)) {
        None => defaults::DEFAULT_REPLICATION_FACTOR,
        Some(Err(e)) => return Verdict::new(Status::Error, e),
        Some(Ok(n)) => n,
    };
    let n_shown = if factor.is_some() {
        format!("N={n}")
    } else {
        format!("N={n} (not set, Kafka default)")
    };
    if n <= m {
        return Verdict::new(
            Status::Fail,
            format!(
                "default.replication.factor {n_shown} is not above min.insync.replicas M={m}: losing one replica stops writes"
            ),
        );
    }
    match brokers {
        Some(k) if n >= k as i64 => Verdict::new(
            Status::Fail,
            format!(
                "default.replication.factor {n_shown} is not below the broker count K={k}: one broker down blocks channel creation"
            ),
        ),
        Some(k) => Verdict::new(Status::Pass, format!("M={m} < {n_shown} < K={k}")),
        None => Verdict::new(
            Status::Pass,
            format!("M={m} < {n_shown} (broker count unknown)"),
        ),
    }
}

/// Byte sizes must satisfy
/// `AbsoluteMaxBytes < replica.fetch.max.bytes <= message.max.bytes < socket.request.max.bytes`.
/// `absolute_max_bytes` is `None` when no configtx.yaml names it; that part is then not judged.
pub fn message_sizes(
    absolute_max_bytes: Option<u64>,
    replica_fetch_max_bytes: Option<&str>,
    message_max_bytes: Option<&str>,
    socket_request_max_bytes: Option<&str>,
) -> Verdict {
    let read = |name: &str, v: Option<&str>, default: i64| match v {
        None => Ok((
            default,
            format!("{name}={default} (not set, Kafka default)"),
        )),
        Some(v) => parse_int(name, v).map(|n| (n, format!("{name}={n}"))),
    };
    let (fetch, fetch_s) = match read(
        "replica.fetch.max.bytes",
        replica_fetch_max_bytes,
        defaults::REPLICA_FETCH_MAX_BYTES,
    ) {
        Ok(x) => x,
        Err(e) => return Verdict::new(Status::Error, e),
    };
    let (message, message_s) = match read(
        "message.max.bytes",
        message_max_bytes,
        defaults::MESSAGE_MAX_BYTES,
    ) {
        Ok(x) => x,
        Err(e) => return Verdict::new(Status::Error, e),
    };
    let (socket, socket_s) = match read(
        "socket.request.max.bytes",
        socket_request_max_bytes,
        defaults::SOCKET_REQUEST_MAX_BYTES,
    ) {
        Ok(x) => x,
        Err(e) => return Verdict::new(Status::Error, e),
    };
    let mut broken = Vec::new();
    if let Some(abs) = absolute_max_bytes
        && abs as i64 >= fetch
    {
        broken.push(format!(
            "AbsoluteMaxBytes={abs} is not below {fetch_s}: blocks that large never replicate"
        ));
    }
    if fetch > message {
        broken.push(format!("{fetch_s} is above {message_s}"));
    }
    if let Some(abs) = absolute_max_bytes
        && abs as i64 >= message
    {
        broken.push(format!(
            "AbsoluteMaxBytes={abs} is not below {message_s}: brokers reject blocks that large"
        ));
    }
    if message >= socket {
        broken.push(format!("{message_s} is not below {socket_s}"));
    }
    if broken.is_empty() {
        let abs = absolute_max_bytes
            .map(|a| format!("AbsoluteMaxBytes={a} < "))
            .unwrap_or_default();
        Verdict::new(
            Status::Pass,
            format!("{abs}{fetch_s} <= {message_s} < {socket_s}"),
        )
    } else {
        Verdict::new(Status::Fail, broken.join("; "))
    }
}

/// `log.retention.ms` must be -1: unset is a warning (Kafka's 7-day default), anything else fails.
pub fn log_retention(value: Option<&str>) -> Verdict {
    match value.map(|v| parse_int("log.retention.ms", v)) {
        None => Verdict::new(
            Status::Warn,
            "log.retention.ms is not set: Kafka deletes segments after log.retention.hours (default 168 h), and orderers cannot replay older blocks",
        ),
        Some(Err(e)) => Verdict::new(Status::Error, e),
        Some(Ok(-1)) => Verdict::new(Status::Pass, "log.retention.ms=-1"),
        Some(Ok(ms)) => Verdict::new(
            Status::Fail,
            format!("log.retention.ms={ms}: channel history older than that is deleted; set -1"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unclean_election() {
        assert_eq!(unclean_leader_election(Some("false")).status, Status::Pass);
        assert_eq!(unclean_leader_election(Some("FALSE")).status, Status::Pass);
        assert_eq!(unclean_leader_election(Some("true")).status, Status::Fail);
        assert_eq!(unclean_leader_election(None).status, Status::Fail);
        assert_eq!(unclean_leader_election(Some("no")).status, Status::Error);
    }

    #[test]
    fn min_isr_and_replication() {
        assert_eq!(min_insync_replicas(Some("2")).status, Status::Pass);
        assert_eq!(min_insync_replicas(Some("1")).status, Status::Fail);
        assert_eq!(min_insync_replicas(None).status, Status::Fail);
        assert_eq!(
            replication_factor(Some("2"), Some("3"), Some(4)).status,
            Status::Pass
        );
        assert_eq!(
            replication_factor(Some("2"), Some("3"), Some(3)).status,
            Status::Fail
        );
        assert_eq!(
            replication_factor(Some("2"), Some("2"), Some(4)).status,
            Status::Fail
        );
        assert_eq!(replication_factor(None, None, Some(1)).status, Status::Fail);
        assert_eq!(
            replication_factor(Some("2"), Some("3"), None).status,
            Status::Pass
        );
        assert_eq!(
            replication_factor(Some("x"), Some("3"), None).status,
            Status::Error
        );
    }

    #[test]
    fn message_size_order() {
        // Fabric's samples pair 98 MB blocks with 99 MiB broker limits: the record overhead needs room.
        let ok = message_sizes(
            Some(98 * 1024 * 1024),
            Some("103809024"),
            Some("103809024"),
            None,
        );
        assert_eq!(ok.status, Status::Pass, "{}", ok.message);
        let equal = message_sizes(
            Some(99 * 1024 * 1024),
            Some("103809024"),
            Some("103809024"),
            None,
        );
        assert_eq!(
            equal.status,
            Status::Fail,
            "AbsoluteMaxBytes must be strictly below"
        );
        let small = message_sizes(Some(99 * 1024 * 1024), None, Some("1048576"), None);
        assert_eq!(small.status, Status::Fail);
        assert!(
            small
                .message
                .contains("AbsoluteMaxBytes=103809024 is not below message.max.bytes=1048576"),
            "{}",
            small.message
        );
        let commented = message_sizes(
            None,
            Some("103809024 # 99 * 1024 * 1024 B"),
            Some("103809024"),
            None,
        );
        assert_eq!(commented.status, Status::Error);
        assert_eq!(
            message_sizes(None, Some("2"), Some("1"), None).status,
            Status::Fail
        );
        assert_eq!(
            message_sizes(None, None, Some("104857600"), None).status,
            Status::Fail
        );
    }

    #[test]
    fn retention() {
        assert_eq!(log_retention(Some("-1")).status, Status::Pass);
        assert_eq!(log_retention(None).status, Status::Warn);
        assert_eq!(log_retention(Some("604800000")).status, Status::Fail);
        assert_eq!(log_retention(Some("forever")).status, Status::Error);
    }
}
