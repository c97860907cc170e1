//! How ordering-service workloads name their fellow members: a ZooKeeper server's
//! `ZOO_SERVERS` entries and the Kafka broker lists orderers are given. Shared by the gatherers
//! (a compose file run once per host is as many members as its list names) and the checks.

/// One `server.N=host:2888:3888[:role][;client]` entry of `ZOO_SERVERS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEntry {
    pub id: String,
    pub host: String,
}

/// Parses `ZOO_SERVERS` (space- or comma-separated `server.N=host:port:port` entries; the
/// 3.5+ images also accept `;clientPort`).
pub fn parse_servers(value: &str) -> Result<Vec<ServerEntry>, String> {
    value
        .split([' ', ',', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let (key, addr) = e
                .split_once('=')
                .ok_or_else(|| format!("'{e}' is not server.N=host:port:port"))?;
            let id = key
                .strip_prefix("server.")
                .ok_or_else(|| format!("'{e}' does not start with server.N="))?;
            let host = addr.split([':', ';']).next().unwrap_or("").to_owned();
            if host.is_empty() {
                return Err(format!("'{e}' names no host"));
            }
            Ok(ServerEntry {
                id: id.to_owned(),
                host,
            })
        })
        .collect()
}

/// A broker list as Fabric's env override writes it (`[a:9092, b:9092]` or `a:9092,b:9092`).
pub fn parse_broker_list(value: &str) -> Vec<String> {
    value
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The host of a `host:port` broker address (`kafka1.example.com:9092`, `[::1]:9092`).
pub fn broker_host(address: &str) -> &str {
    let address = address.trim();
    if let Some(v6) = address.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    address.rsplit_once(':').map_or(address, |(host, _)| host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_lists() {
        let s = parse_servers("server.1=zookeeper0:2888:3888 server.2=zookeeper1:2888:3888;2181")
            .unwrap();
        assert_eq!(
            s[1],
            ServerEntry {
                id: "2".into(),
                host: "zookeeper1".into()
            }
        );
        assert!(parse_servers("zookeeper0:2888").is_err());
    }

    #[test]
    fn broker_lists() {
        assert_eq!(
            parse_broker_list("[k0:9092, \"k1:9092\"]"),
            ["k0:9092", "k1:9092"]
        );
        assert!(parse_broker_list("[]").is_empty());
    }

    #[test]
    fn broker_hosts() {
        assert_eq!(broker_host("kafka1.example.com:9092"), "kafka1.example.com");
        assert_eq!(broker_host(" kafka0 "), "kafka0");
        assert_eq!(broker_host("[fd00::1]:9092"), "fd00::1");
    }
}
