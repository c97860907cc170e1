//! Resolver configuration from where chaincode containers get it: a `resolv.conf`, the Docker
//! daemon's `DOCKER_OPTS` / `dockerd` flags, or `daemon.json` — with glibc's defaults and
//! limits, and every line that glibc would ignore or cut reported rather than dropped.

use std::net::IpAddr;

/// glibc reads at most this many nameservers (MAXNS); the rest are ignored. musl has the same
/// MAXNS (src/network/resolvconf.c) and Go stops at three too (net/dnsconfig_unix.go).
pub const MAX_NAMESERVERS: usize = 3;
/// glibc caps ndots at 15.
pub const MAX_NDOTS: u8 = 15;

/// One nameserver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nameserver {
    pub ip: IpAddr,
    /// An IPv6 zone (`fe80::1%eth0`), kept as written.
    pub zone: Option<String>,
}

/// The settings that decide how a name is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverConfig {
    pub nameservers: Vec<Nameserver>,
    pub search: Vec<String>,
    pub ndots: u8,
    /// Seconds per try.
    pub timeout: u8,
    pub attempts: u8,
    /// `options rotate`: glibc and Go start each lookup at the next server (musl ignores it).
    pub rotate: bool,
    /// Lines or values that could not be used, with the reason (reported, not dropped).
    pub problems: Vec<String>,
}

impl Default for ResolverConfig {
    /// glibc's defaults (resolv/resolv.h: RES_TIMEOUT 5, RES_DFLRETRY 2, ndots 1).
    fn default() -> Self {
        ResolverConfig {
            nameservers: Vec::new(),
            search: Vec::new(),
            ndots: 1,
            timeout: 5,
            attempts: 2,
            rotate: false,
            problems: Vec::new(),
        }
    }
}

impl ResolverConfig {
    /// Worst-case time a failing lookup of one candidate takes: every try of every server.
    pub fn worst_case_seconds(&self) -> u32 {
        u32::from(self.timeout) * u32::from(self.attempts) * self.nameservers.len().max(1) as u32
    }

    fn add_nameserver(&mut self, text: &str) {
        let (addr, zone) = match text.split_once('%') {
            Some((a, z)) => (a, Some(z.to_owned())),
            None => (text, None),
        };
        match addr.parse::<IpAddr>() {
            Ok(ip) if self.nameservers.len() < MAX_NAMESERVERS => {
                self.nameservers.push(Nameserver { ip, zone })
            }
            Ok(_) => self.problems.push(format!(
                "nameserver {text} ignored: glibc uses only the first {MAX_NAMESERVERS} (as do musl and Go's resolver)"
            )),
            Err(_) => self
                .problems
                .push(format!("nameserver '{text}' is not an IP address")),
        }
    }

    fn add_option(&mut self, opt: &str) {
        let (name, value) = opt.split_once(':').unwrap_or((opt, ""));
        let number = || {
            value
                .parse::<u8>()
                .map_err(|_| format!("option {opt}: '{value}' is not a number"))
        };
        match name {
            "ndots" => match number() {
                Ok(n) => self.ndots = n.min(MAX_NDOTS),
                Err(e) => self.problems.push(e),
            },
            "timeout" => match number() {
                Ok(n) => self.timeout = n.clamp(1, 30),
                Err(e) => self.problems.push(e),
            },
            "attempts" => match number() {
                Ok(n) => self.attempts = n.clamp(1, 5),
                Err(e) => self.problems.push(e),
            },
            "rotate" => self.rotate = true,
            // Other options (edns0, single-request, …) do not change which names are asked.
            _ => {}
        }
    }

    fn set_search(&mut self, domains: impl IntoIterator<Item = String>) {
        self.search.clear();
        for d in domains {
            if d.len() > 253 {
                self.problems.push(format!(
                    "search domain of {} characters is longer than a DNS name can be (253)",
                    d.len()
                ));
            } else {
                self.search.push(d);
            }
        }
    }

    /// Builds a configuration from lists as Docker and Kubernetes take them (`Dns`,
    /// `DnsSearch`, `DnsOptions`; `dnsConfig`), with the same limits as a resolv.conf.
    pub fn from_parts(nameservers: &[String], search: &[String], options: &[String]) -> Self {
        let mut c = ResolverConfig::default();
        for ns in nameservers {
            c.add_nameserver(ns);
        }
        c.set_search(search.iter().cloned());
        for o in options {
            c.add_option(o);
        }
        c
    }

    /// Parses a resolv.conf. The last `search` or `domain` line wins, as in glibc.
    pub fn from_resolv_conf(text: &str) -> ResolverConfig {
        let mut c = ResolverConfig::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split(['#', ';']).next().unwrap_or("").trim();
            let mut words = line.split_whitespace();
            match words.next() {
                Some("nameserver") => match words.next() {
                    Some(ns) => c.add_nameserver(ns),
                    None => c
                        .problems
                        .push(format!("line {}: nameserver without an address", i + 1)),
                },
                Some("search") | Some("domain") => c.set_search(words.map(str::to_owned)),
                Some("options") => words.for_each(|o| c.add_option(o)),
                Some(other) => c
                    .problems
                    .push(format!("line {}: unknown keyword '{other}'", i + 1)),
                None => {}
            }
        }
        c
    }

    /// Parses the Docker daemon's DNS flags (`--dns`, `--dns-search`, `--dns-opt`, with `=` or
    /// a separate value) from a DOCKER_OPTS string or a dockerd command line, quoting as the
    /// shell would. `Err` when the quoting itself is broken.
    pub fn from_docker_flags(flags: &str) -> Result<ResolverConfig, String> {
        super::sources::daemon_flags(flags).map(|d| d.resolver())
    }

    /// Parses the DNS keys of a daemon.json (`dns`, `dns-search`, `dns-opts`).
    pub fn from_daemon_json(text: &str) -> Result<ResolverConfig, String> {
        super::sources::daemon_json(text).map(|d| d.resolver())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolv_conf_as_glibc_reads_it() {
        let c = ResolverConfig::from_resolv_conf(
            "# kube\nnameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:2 attempts:2 rotate\n",
        );
        assert_eq!(c.nameservers.len(), 1);
        assert_eq!(c.search.len(), 3);
        assert_eq!((c.ndots, c.timeout, c.attempts), (5, 2, 2));
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.worst_case_seconds(), 4);
    }

    #[test]
    fn too_many_nameservers_ipv6_zones_and_long_domains_are_reported() {
        let mut text: String = (1..=100)
            .map(|i| format!("nameserver 10.0.0.{}\n", i % 250))
            .collect();
        text.push_str("nameserver fe80::1%eth0\n");
        text.push_str(&format!("search {}\n", "a".repeat(300)));
        let c = ResolverConfig::from_resolv_conf(&text);
        assert_eq!(c.nameservers.len(), 3);
        assert!(
            c.problems
                .iter()
                .any(|p| p.contains("glibc uses only the first 3"))
        );
        assert!(
            c.problems
                .iter()
                .any(|p| p.contains("longer than a DNS name can be"))
        );
        let v6 = ResolverConfig::from_resolv_conf("nameserver fe80::1%eth0\n");
        assert_eq!(v6.nameservers[0].zone.as_deref(), Some("eth0"));
    }

    #[test]
    fn docker_opts_from_the_seed_article() {
        let c = ResolverConfig::from_docker_flags(
            "--dns=10.68.0.2 --dns=192.168.1.1 --dns-search default.svc.cluster.local --dns-search svc.cluster.local --dns-opt ndots:2 --dns-opt timeout:2 --dns-opt attempts:2",
        )
        .unwrap();
        assert_eq!(c.nameservers.len(), 2);
        assert_eq!(
            c.search,
            vec!["default.svc.cluster.local", "svc.cluster.local"]
        );
        assert_eq!((c.ndots, c.timeout, c.attempts), (2, 2, 2));
        assert!(
            ResolverConfig::from_docker_flags("--dns='10.0.0.1")
                .unwrap_err()
                .contains("unbalanced quotes")
        );
    }

    #[test]
    fn daemon_json() {
        let c = ResolverConfig::from_daemon_json(r#"{"dns": ["10.96.0.10"], "dns-search": ["svc.cluster.local"], "dns-opts": ["ndots:2"]}"#).unwrap();
        assert_eq!((c.nameservers.len(), c.ndots), (1, 2));
        assert!(
            ResolverConfig::from_daemon_json("{dns: [")
                .unwrap_err()
                .starts_with("daemon.json is not JSON")
        );
    }
}
