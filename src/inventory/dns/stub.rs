//! The stub resolver inside the chaincode process, and where the three that Fabric chaincode
//! meets — glibc's, musl's and Go's built-in one — part ways.
//!
//! Which one resolves is decided by the chaincode runtime, not by Docker or Kubernetes:
//! - **Go chaincode** resolves with Go's own resolver. Fabric's ccenv builds it with cgo and
//!   `-linkmode external -extldflags '-static'` (core/chaincode/platforms/golang/platform.go),
//!   but on Linux the net package prefers its pure-Go resolver whenever resolv.conf and
//!   nsswitch.conf hold nothing it cannot handle (net/conf.go `hostLookupOrder`); an option it
//!   does not know (`conf.unknownOpt`, e.g. `ndots:x` typos or `no-tld-query`) sends it to the
//!   libc compiled in instead.
//! - **Node.js (and Java) chaincode on Fabric 2.x** runs on Alpine-based images
//!   (hyperledger/fabric-nodeenv from `node:*-alpine`): musl's getaddrinfo.
//! - **Fabric 1.4** images (fabric-baseimage/baseos, Ubuntu) give Node.js, Java and cgo
//!   chaincode glibc's getaddrinfo.
//!
//! The models (each cited where it lives in the source):
//! - *glibc* (resolv/res_query.c `__res_context_search`, res_send.c): candidates as in
//!   [`super::candidates`]; servers one after another, each `timeout` (doubling per server
//!   index), `attempts` rounds. A name asked as written *first* (at least ndots dots) goes on
//!   to the search list whatever its answer; among the search domains NXDOMAIN, NODATA and
//!   SERVFAIL go on to the next, REFUSED and a timeout end the search-list loop — and the name
//!   as written, when not yet asked, is still asked last. (Seen live in
//!   tests/dns_resolvers.rs: a REFUSED answer to `peer0.org2` as written did not stop
//!   Debian's glibc 2.36.) `options rotate` starts at a different server each lookup.
//! - *musl* (src/network/lookup_name.c `name_from_dns_search`, res_msend.c
//!   `__res_msend_rc`, resolvconf.c): a name with `ndots` or more dots is asked **only as
//!   written** — the search list is not tried at all; otherwise the search domains first and
//!   the name last. Every query goes to **all nameservers at once** and the first NOERROR or
//!   NXDOMAIN reply wins (REFUSED is ignored, SERVFAIL retried once), so an NXDOMAIN from a
//!   public server listed beside the cluster DNS can beat the cluster's answer. Only NXDOMAIN
//!   goes on to the next candidate; NODATA, SERVFAIL and a timeout end the search. `timeout`
//!   is the total wait (retried every timeout/attempts), at most 3 servers (MAXNS), no
//!   `rotate`.
//! - *Go* (net/dnsclient_unix.go `nameList`, `tryOneName`, `goLookupIPCNAMEOrder`;
//!   net/dnsconfig_unix.go): candidates in glibc's order; servers one after another per
//!   attempt, and a failing server (SERVFAIL, REFUSED, timeout) is followed by the next, but
//!   NXDOMAIN from any server is final for that candidate; **every** failure of a candidate
//!   goes on to the next candidate (unless StrictErrors); at most 3 servers; `rotate`
//!   honoured.

use std::fmt;

use super::{CandidateAnswer, ResolverConfig};

/// A stub resolver implementation.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum StubResolver {
    #[default]
    Glibc,
    Musl,
    Go,
}

impl StubResolver {
    pub const ALL: [StubResolver; 3] = [StubResolver::Go, StubResolver::Musl, StubResolver::Glibc];

    /// The spelling of `--chaincode-resolver`.
    pub fn key(self) -> &'static str {
        match self {
            StubResolver::Glibc => "glibc",
            StubResolver::Musl => "musl",
            StubResolver::Go => "go",
        }
    }

    pub fn parse(text: &str) -> Option<StubResolver> {
        match text.trim().to_ascii_lowercase().as_str() {
            "glibc" | "gnu" => Some(StubResolver::Glibc),
            "musl" => Some(StubResolver::Musl),
            "go" | "golang" | "netgo" => Some(StubResolver::Go),
            _ => None,
        }
    }

    /// The names asked for `name`, in order.
    pub fn candidates(self, name: &str, config: &ResolverConfig) -> Vec<String> {
        match self {
            StubResolver::Glibc | StubResolver::Go => super::candidates(name, config),
            StubResolver::Musl => {
                // lookup_name.c: "suppress search when >=ndots or name ends in a dot".
                let bare = name.strip_suffix('.').unwrap_or(name);
                if name.ends_with('.') || name.matches('.').count() >= usize::from(config.ndots) {
                    return vec![bare.to_owned()];
                }
                super::candidates(name, config)
            }
        }
    }

    /// Whether the resolver goes on to the next *search domain* after `answer` for one (see
    /// [`StubResolver::search`] for the whole sequence, which also depends on the position).
    pub fn continues_search(self, answer: &CandidateAnswer) -> bool {
        match self {
            StubResolver::Glibc => answer.continues_search(),
            // name_from_dns: rcode 3 returns 0 (try the next); no addresses with rcode 0 is
            // EAI_NODATA/EAI_NONAME, SERVFAIL or no reply EAI_AGAIN — all end the search.
            StubResolver::Musl => matches!(answer, CandidateAnswer::NoSuchName),
            // goLookupIPCNAMEOrder: any error of a candidate moves on (StrictErrors is off
            // unless the program asks for it).
            StubResolver::Go => !matches!(
                answer,
                CandidateAnswer::Addresses(_) | CandidateAnswer::NotAsked
            ),
        }
    }

    /// The lookup of `name` as this resolver makes it, with `answer_of` giving the answer to
    /// each candidate asked: every candidate in order, `NotAsked` after the one that decided.
    pub fn search(
        self,
        name: &str,
        config: &ResolverConfig,
        answer_of: impl Fn(&str) -> CandidateAnswer,
    ) -> Vec<super::CandidateOutcome> {
        let candidates = self.candidates(name, config);
        let mut out: Vec<super::CandidateOutcome> = candidates
            .iter()
            .map(|q| super::CandidateOutcome {
                query: q.clone(),
                answer: CandidateAnswer::NotAsked,
            })
            .collect();
        let found = |a: &CandidateAnswer| matches!(a, CandidateAnswer::Addresses(_));
        match self {
            StubResolver::Glibc => {
                // res_query.c __res_context_search: as written first (ndots), then the search
                // list until it finds or is `done`, then as written if not asked yet.
                let bare = name.trim_end_matches('.');
                let as_is_first =
                    out.first().is_some_and(|c| c.query == bare) && out.len() > 1 || out.len() == 1;
                let mut i = 0;
                if as_is_first {
                    out[0].answer = answer_of(&out[0].query);
                    if found(&out[0].answer) || out.len() == 1 {
                        return out;
                    }
                    i = 1;
                }
                let last_as_is = (!as_is_first).then(|| out.len() - 1);
                let domains_end = last_as_is.unwrap_or(out.len());
                while i < domains_end {
                    out[i].answer = answer_of(&out[i].query);
                    if found(&out[i].answer) || matches!(out[i].answer, CandidateAnswer::Error(_)) {
                        // ECONNREFUSED (no server reachable) returns at once.
                        return out;
                    }
                    if !self.continues_search(&out[i].answer) {
                        break;
                    }
                    i += 1;
                }
                if let Some(last) = last_as_is {
                    out[last].answer = answer_of(&out[last].query);
                }
                out
            }
            StubResolver::Musl | StubResolver::Go => {
                for c in out.iter_mut() {
                    c.answer = answer_of(&c.query);
                    if found(&c.answer) || !self.continues_search(&c.answer) {
                        break;
                    }
                }
                out
            }
        }
    }

    /// Worst-case seconds before one candidate query gives up when no server answers.
    pub fn worst_case_seconds(self, config: &ResolverConfig) -> u32 {
        let servers = config.nameservers.len().max(1) as u32;
        let timeout = u32::from(config.timeout);
        let attempts = u32::from(config.attempts);
        match self {
            StubResolver::Glibc => config.worst_case_seconds(),
            // res_msend.c: all servers at once; `timeout` bounds the whole exchange.
            StubResolver::Musl => timeout,
            // tryOneName: attempts × servers × timeout, per question type (in parallel).
            StubResolver::Go => timeout * attempts * servers,
        }
    }

    /// Whether every nameserver is asked at once (the fastest answer wins), rather than one
    /// after another with the first listed preferred.
    pub fn asks_servers_in_parallel(self) -> bool {
        self == StubResolver::Musl
    }

    /// Whether `options rotate` changes which server is asked first.
    pub fn honours_rotate(self) -> bool {
        self != StubResolver::Musl
    }
}

impl fmt::Display for StubResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StubResolver::Glibc => "glibc",
            StubResolver::Musl => "musl",
            StubResolver::Go => "Go's resolver",
        })
    }
}

/// The chaincode language, where the artifacts or the user say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChaincodeLanguage {
    Go,
    Node,
    Java,
}

impl ChaincodeLanguage {
    fn describe(self) -> &'static str {
        match self {
            ChaincodeLanguage::Go => "Go",
            ChaincodeLanguage::Node => "Node.js",
            ChaincodeLanguage::Java => "Java",
        }
    }
}

/// The resolver a context is judged with, and why that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverAssumption {
    pub resolver: StubResolver,
    pub why: String,
}

impl ResolverAssumption {
    /// `assuming musl (Node.js chaincode on Fabric 2.x's Alpine image)`.
    pub fn describe(&self) -> String {
        format!("assuming {} ({})", self.resolver, self.why)
    }

    pub fn overridden(resolver: StubResolver) -> ResolverAssumption {
        ResolverAssumption {
            resolver,
            why: format!("--chaincode-resolver {}", resolver.key()),
        }
    }
}

impl Default for ResolverAssumption {
    fn default() -> Self {
        implied(None, None)
    }
}

/// `(major, minor)` of a Fabric image tag (`hyperledger/fabric-peer:2.2.0`, `…:amd64-1.4.12`).
pub fn fabric_version(image: &str) -> Option<(u32, u32)> {
    let tag = image.rsplit_once(':')?.1;
    let tag = tag.rsplit('-').next().unwrap_or(tag);
    let mut parts = tag.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// The image Fabric's peer runs Go chaincode in, by default, for a Fabric version: core.yaml's
/// `chaincode.golang.runtime`, which is `$(BASE_DOCKER_NS)/fabric-baseos:$(ARCH)-$(BASE_VERSION)`
/// in 1.4 (the release's baseos, 0.4.22 for 1.4.12, published as `hyperledger/fabric-baseos:0.4.22`;
/// Ubuntu-based) and `$(DOCKER_NS)/fabric-baseos:$(TWO_DIGIT_VERSION)` from 2.0 (Alpine-based)
/// — fabric sampleconfig/core.yaml and the Makefile's `BASE_VERSION` / `TWO_DIGIT_VERSION`.
/// `None` when the version is unknown.
pub fn default_chaincode_image(version: Option<(u32, u32)>) -> Option<String> {
    match version? {
        (1, _) => Some("hyperledger/fabric-baseos:0.4.22".to_owned()),
        (major, minor) => Some(format!("hyperledger/fabric-baseos:{major}.{minor}")),
    }
}

/// The resolver the chaincode runtime implies.
pub fn implied(
    version: Option<(u32, u32)>,
    language: Option<ChaincodeLanguage>,
) -> ResolverAssumption {
    let lang = language.unwrap_or(ChaincodeLanguage::Go);
    let lang_why = match language {
        Some(l) => format!("{} chaincode", l.describe()),
        None => {
            "Go chaincode, Fabric's common case: the language is not in the artifacts".to_owned()
        }
    };
    let fabric = match version {
        Some((major, minor)) => format!("Fabric {major}.{minor}"),
        None => "Fabric version unknown".to_owned(),
    };
    let (resolver, why) = match (lang, version) {
        (ChaincodeLanguage::Go, _) => (
            StubResolver::Go,
            format!("{lang_why}; Go's net package resolves by itself, {fabric}"),
        ),
        (_, Some((major, _))) if major < 2 => (
            StubResolver::Glibc,
            format!("{lang_why} on {fabric}'s Ubuntu-based fabric-baseimage"),
        ),
        (_, Some(_)) => (
            StubResolver::Musl,
            format!("{lang_why} on {fabric}'s Alpine image"),
        ),
        (_, None) => (
            StubResolver::Musl,
            format!("{lang_why}; {fabric}, taken as 2.x with its Alpine images"),
        ),
    };
    ResolverAssumption { resolver, why }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(ndots: u8, search: &[&str]) -> ResolverConfig {
        ResolverConfig {
            ndots,
            search: search.iter().map(|s| s.to_string()).collect(),
            ..ResolverConfig::default()
        }
    }

    const SEARCH: [&str; 2] = ["default.svc.cluster.local", "svc.cluster.local"];

    #[test]
    fn the_default_chaincode_image_follows_the_fabric_version() {
        let image = |tag: &str| default_chaincode_image(fabric_version(tag));
        assert_eq!(
            image("hyperledger/fabric-peer:1.4.12").as_deref(),
            Some("hyperledger/fabric-baseos:0.4.22")
        );
        assert_eq!(
            image("hyperledger/fabric-peer:amd64-2.2.0").as_deref(),
            Some("hyperledger/fabric-baseos:2.2")
        );
        assert_eq!(image("hyperledger/fabric-peer:latest"), None);
    }

    #[test]
    fn musl_never_searches_a_name_with_ndots_dots() {
        let c = config(1, &SEARCH);
        assert_eq!(
            StubResolver::Musl.candidates("peer0.org1", &c),
            vec!["peer0.org1"]
        );
        assert_eq!(StubResolver::Glibc.candidates("peer0.org1", &c).len(), 3);
        assert_eq!(StubResolver::Go.candidates("peer0.org1", &c).len(), 3);
        // Below ndots all three search first and ask the name last.
        let c = config(2, &SEARCH);
        for r in StubResolver::ALL {
            assert_eq!(
                r.candidates("peer0.org1", &c),
                vec![
                    "peer0.org1.default.svc.cluster.local",
                    "peer0.org1.svc.cluster.local",
                    "peer0.org1"
                ],
                "{r}"
            );
        }
        assert_eq!(StubResolver::Musl.candidates("a.b.", &c), vec!["a.b"]);
    }

    #[test]
    fn which_answers_go_on_to_the_next_candidate() {
        use CandidateAnswer::*;
        let table = [
            (NoSuchName, [true, true, true]),
            (NoData, [true, false, true]),
            (ServFail, [true, false, true]),
            (TimedOut, [false, false, true]),
            (Refused("REFUSED".into()), [false, false, true]),
        ];
        for (answer, [glibc, musl, go]) in table {
            assert_eq!(
                StubResolver::Glibc.continues_search(&answer),
                glibc,
                "{answer:?}"
            );
            assert_eq!(
                StubResolver::Musl.continues_search(&answer),
                musl,
                "{answer:?}"
            );
            assert_eq!(StubResolver::Go.continues_search(&answer), go, "{answer:?}");
        }
    }

    #[test]
    fn a_refused_answer_ends_glibcs_search_list_but_not_its_first_or_last_query() {
        use CandidateAnswer::*;
        let answers = |refused: &'static str| {
            move |q: &str| {
                if q == refused {
                    Refused("REFUSED".into())
                } else if q == "peer0.org2.svc.cluster.local" {
                    Addresses(vec!["10.96.12.10".parse().unwrap()])
                } else {
                    NoSuchName
                }
            }
        };
        let asked = |o: &[crate::inventory::dns::CandidateOutcome]| {
            o.iter()
                .map(|c| (c.query.clone(), c.answer.describe()))
                .collect::<Vec<_>>()
        };
        // ndots:1 — as written first: REFUSED there goes on (seen live with glibc 2.36).
        let c = config(1, &SEARCH);
        let o = StubResolver::Glibc.search("peer0.org2", &c, answers("peer0.org2"));
        assert!(matches!(o[2].answer, Addresses(_)), "{:?}", asked(&o));
        // A search domain that refuses ends the search-list loop; the name as written is
        // still asked last. Go goes on; musl ignores REFUSED and times out (ends).
        let c = config(
            5,
            &[
                "corp.example",
                "default.svc.cluster.local",
                "svc.cluster.local",
            ],
        );
        let o = StubResolver::Glibc.search("peer0.org2", &c, answers("peer0.org2.corp.example"));
        assert_eq!(
            asked(&o),
            vec![
                ("peer0.org2.corp.example".into(), "REFUSED".into()),
                (
                    "peer0.org2.default.svc.cluster.local".into(),
                    "not asked".into()
                ),
                ("peer0.org2.svc.cluster.local".into(), "not asked".into()),
                ("peer0.org2".into(), "NXDOMAIN".into()),
            ]
        );
        let o = StubResolver::Go.search("peer0.org2", &c, answers("peer0.org2.corp.example"));
        assert!(matches!(o[2].answer, Addresses(_)), "{:?}", asked(&o));
        let o = StubResolver::Musl.search("peer0.org2", &c, |q| {
            if q.ends_with("corp.example") {
                TimedOut
            } else {
                NoSuchName
            }
        });
        assert_eq!(o.iter().filter(|c| c.answer != NotAsked).count(), 1);
    }

    #[test]
    fn musl_waits_timeout_in_total() {
        let c = ResolverConfig::from_parts(
            &["10.96.0.10".into(), "8.8.8.8".into(), "1.1.1.1".into()],
            &[],
            &["timeout:2".into(), "attempts:3".into()],
        );
        assert_eq!(StubResolver::Musl.worst_case_seconds(&c), 2);
        assert_eq!(StubResolver::Go.worst_case_seconds(&c), 18);
        assert_eq!(StubResolver::Glibc.worst_case_seconds(&c), 18);
        assert!(StubResolver::Musl.asks_servers_in_parallel());
        assert!(!StubResolver::Musl.honours_rotate() && StubResolver::Go.honours_rotate());
    }

    #[test]
    fn the_runtime_implies_the_resolver() {
        let a = implied(Some((2, 2)), Some(ChaincodeLanguage::Node));
        assert_eq!(a.resolver, StubResolver::Musl);
        assert_eq!(
            a.describe(),
            "assuming musl (Node.js chaincode on Fabric 2.2's Alpine image)"
        );
        assert_eq!(
            implied(Some((1, 4)), Some(ChaincodeLanguage::Java)).resolver,
            StubResolver::Glibc
        );
        assert_eq!(implied(Some((1, 4)), None).resolver, StubResolver::Go);
        assert!(
            implied(None, None)
                .describe()
                .starts_with("assuming Go's resolver (Go chaincode")
        );
        assert_eq!(
            fabric_version("hyperledger/fabric-peer:1.4.12"),
            Some((1, 4))
        );
        assert_eq!(
            fabric_version("hyperledger/fabric-peer:amd64-2.5"),
            Some((2, 5))
        );
        assert_eq!(fabric_version("hyperledger/fabric-peer"), None);
        assert_eq!(fabric_version("registry:5000/fabric-peer:latest"), None);
        assert_eq!(StubResolver::parse("Go"), Some(StubResolver::Go));
        assert_eq!(
            ResolverAssumption::overridden(StubResolver::Musl).describe(),
            "assuming musl (--chaincode-resolver musl)"
        );
    }
}
