//! Name lookups made the way glibc's stub resolver makes them, against given DNS servers, so that
//! what a chaincode container would resolve can be observed from here (`--dns-server`); and the
//! way musl's and Go's make them ([`resolve_names_as`], for the in-cluster node probe), whose
//! candidate order and server strategy are [`crate::inventory::dns::stub`]'s models.
//!
//! The candidate order is [`candidates`] (res_query.c `__res_context_search`); each candidate is
//! asked as an absolute name, for A records, and the search stops by glibc's rules
//! ([`CandidateAnswer::continues_search`]). How one candidate is asked follows res_send.c
//! `__res_context_send`, not hickory's resolver:
//!
//! - `attempts` rounds, each asking every server in the given order (no rotation). An answer ends
//!   the round; a timeout, a refused connection, SERVFAIL, NOTIMP or REFUSED moves on to the next
//!   server. When every try failed, an rcode answer (SERVFAIL, REFUSED) stands over a timeout,
//!   and a timeout over "connection refused" (glibc's `gotsomewhere`).
//! - Server `i` of `n` gets glibc's time per try: the configured timeout for the first,
//!   `(timeout << i) / n` for the others, never under a second (send_dg).
//! - UDP sockets are connected to the server, as glibc's are, so a port that nobody listens on
//!   answers "connection refused" at once instead of costing a timeout.
//! - No EDNS0 (glibc's default), so an answer larger than 512 bytes comes back truncated and is
//!   asked again over TCP, as glibc does.
//!
//! Hickory is used below its `Resolver`: one `NameServerPool` per server, so hickory's own server
//! ordering, failover and retries never run, and its cache, hosts file and system configuration
//! are not in the path at all — every query reaches the server. Identical queries in flight at
//! the same moment share one packet (the pool's de-duplication); their answers are the same.
//!
//! Not modelled: AAAA (getaddrinfo's parallel A+AAAA pair has its own rules for combining two
//! rcodes per candidate; the reference network's services are IPv4), `options rotate`, and
//! glibc's treatment of an empty non-authoritative answer without RA as a lame server.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::StreamExt;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverOpts, ServerOrderingStrategy,
};
use hickory_resolver::net::runtime::iocompat::AsyncIoTokioAsStd;
use hickory_resolver::net::runtime::{
    DnsUdpSocket, RuntimeProvider, TokioHandle, TokioRuntimeProvider, TokioTime,
};
use hickory_resolver::net::xfer::DnsHandle;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::{DnsRequestOptions, Message, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::{NameServerPool, PoolContext, TlsConfig};
use tokio::io::Interest;

use super::io_reason;
use crate::inventory::dns::{
    CandidateAnswer, CandidateOutcome, NameResolution, ResolverConfig, StubResolver, candidates,
};

/// The port `--dns-server` uses when none is given.
pub const DEFAULT_PORT: u16 = 53;

/// Parses `--dns-server IP[:PORT]`: `10.96.0.10`, `10.96.0.10:5353`, `::1`, `[::1]` or
/// `[::1]:5353`. The port defaults to 53. A host name is refused: resolving the DNS server
/// would need DNS.
pub fn parse_server(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty DNS server address".into());
    }
    let addr = if let Ok(addr) = text.parse::<SocketAddr>() {
        addr
    } else if let Ok(ip) = text.parse::<IpAddr>() {
        SocketAddr::new(ip, DEFAULT_PORT)
    } else if let Some(ip) = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .and_then(|t| t.parse::<IpAddr>().ok())
    {
        SocketAddr::new(ip, DEFAULT_PORT)
    } else {
        return Err(format!(
            "'{text}' is not an IP address with an optional port (IP, IP:PORT, [IPv6]:PORT)"
        ));
    };
    if addr.port() == 0 {
        return Err(format!("'{text}': port 0 is not a DNS server port"));
    }
    Ok(addr)
}

/// Resolves every name as glibc would with `config`'s search list, ndots, timeout and attempts,
/// asking `servers` (in order) instead of `config`'s nameservers. One result per name, in the
/// order given; up to `concurrency` names are resolved at once. Against one local dnsmasq on 2
/// cores, 64 at once resolve 10,000 names in about 0.4 s; a few hundred at once gain nothing
/// and send bursts that can overflow the server's socket buffer, each lost query costing a
/// retransmission 333 ms later.
///
/// Every try is bounded: one candidate costs at most `attempts` rounds of [`try_timeout`] per
/// server (twice that when a truncated answer is asked again over TCP), so a name costs at most
/// that times its number of candidates.
///
/// Never fails outright: a name that could not be looked up carries the reason in its first
/// candidate ([`CandidateAnswer::Error`]).
pub async fn resolve_names(
    servers: &[SocketAddr],
    config: &ResolverConfig,
    names: &[String],
    concurrency: usize,
) -> Vec<NameResolution> {
    resolve_names_as(StubResolver::Glibc, servers, config, names, concurrency).await
}

/// [`resolve_names`] the way `resolver` makes its lookups (see
/// [`crate::inventory::dns::stub`]): musl asks a name with ndots or more dots only as
/// written, goes on only after NXDOMAIN, and asks every server at once within `timeout` in
/// total, the first NOERROR or NXDOMAIN winning; Go goes on after any failure of a candidate
/// and gives each server the configured timeout per try (no doubling).
pub async fn resolve_names_as(
    resolver: StubResolver,
    servers: &[SocketAddr],
    config: &ResolverConfig,
    names: &[String],
    concurrency: usize,
) -> Vec<NameResolution> {
    if names.is_empty() {
        return Vec::new();
    }
    let asker = match Asker::new(resolver, servers, config, concurrency) {
        Ok(asker) => Arc::new(asker),
        Err(reason) => return names.iter().map(|n| failed(n, config, &reason)).collect(),
    };
    let names: Arc<[String]> = names.into();
    let config = Arc::new(config.clone());
    // A fixed set of workers taking the next name, rather than a task per name: ten thousand
    // names cost `concurrency` tasks, and the workers spread over the runtime's threads.
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.clamp(1, names.len()) {
        let (asker, names, config, next) =
            (asker.clone(), names.clone(), config.clone(), next.clone());
        workers.spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(name) = names.get(i) else {
                    break;
                };
                done.push((i, asker.resolve(name, &config).await));
            }
            done
        });
    }
    let mut slots: Vec<Option<NameResolution>> = vec![None; names.len()];
    let mut lost = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(done) => {
                for (i, resolution) in done {
                    slots[i] = Some(resolution);
                }
            }
            // A worker that panicked loses every name it resolved; they are reported, not dropped.
            Err(e) => lost = Some(format!("lookup task failed: {e}")),
        }
    }
    let lost = lost.unwrap_or_else(|| "lookup task failed".into());
    slots
        .into_iter()
        .zip(names.iter())
        .map(|(slot, name)| slot.unwrap_or_else(|| failed(name, &config, &lost)))
        .collect()
}

/// A name whose lookup could not be made: the reason on the first candidate, the rest not asked.
fn failed(name: &str, config: &ResolverConfig, reason: &str) -> NameResolution {
    let candidates = candidates(name, config)
        .into_iter()
        .enumerate()
        .map(|(i, query)| CandidateOutcome {
            query,
            answer: if i == 0 {
                CandidateAnswer::Error(reason.to_owned())
            } else {
                CandidateAnswer::NotAsked
            },
        })
        .collect();
    NameResolution {
        name: name.to_owned(),
        candidates,
    }
}

/// glibc's time for one try of server `index` of `count` (res_send.c send_dg): the configured
/// timeout for the first server, `(timeout << index) / count` for the others, at least 1 s.
pub fn try_timeout(timeout: u8, index: usize, count: usize) -> Duration {
    let base = u64::from(timeout.max(1));
    let seconds = if index == 0 {
        base
    } else {
        (base << index.min(16)) / count.max(1) as u64
    };
    Duration::from_secs(seconds.max(1))
}

/// The servers and settings shared by every lookup of one call.
struct Asker {
    resolver: StubResolver,
    /// musl: the whole exchange of one candidate with every server (resolv.conf `timeout`).
    total: Duration,
    servers: Vec<Server>,
    attempts: u8,
    request: DnsRequestOptions,
}

/// One server, alone in its hickory pool, so that failover between servers is glibc's.
struct Server {
    pool: NameServerPool<ConnectedUdp>,
    last_error: LastError,
    /// Time for one try (UDP, then TCP when the answer was truncated).
    timeout: Duration,
}

impl Asker {
    fn new(
        resolver: StubResolver,
        servers: &[SocketAddr],
        config: &ResolverConfig,
        concurrency: usize,
    ) -> Result<Asker, String> {
        if servers.is_empty() {
            return Err("no DNS server to ask".into());
        }
        let servers = servers
            .iter()
            .enumerate()
            .map(|(i, addr)| {
                let timeout = match resolver {
                    StubResolver::Glibc => try_timeout(config.timeout, i, servers.len()),
                    // dnsclient_unix.go exchange: the configured timeout for every try.
                    StubResolver::Go => Duration::from_secs(u64::from(config.timeout.max(1))),
                    // res_msend.c retries every timeout/attempts within the total.
                    StubResolver::Musl => Duration::from_secs(
                        (u64::from(config.timeout.max(1)) / u64::from(config.attempts.max(1)))
                            .max(1),
                    ),
                };
                let mut options = ResolverOpts::default();
                options.timeout = timeout;
                // The pool alone asks, once; retries are `Asker::ask`'s.
                options.attempts = 0;
                options.num_concurrent_reqs = 1;
                options.server_ordering_strategy = ServerOrderingStrategy::UserProvidedOrder;
                options.edns0 = false;
                options.case_randomization = false;
                options.cache_size = 0;
                options.use_hosts_file = ResolveHosts::Never;
                // Queries pending on one TCP connection; beyond it hickory answers "busy".
                options.max_active_requests = concurrency.max(32);
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                // UDP first, TCP only when an answer comes back truncated.
                let config = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                // Without a TLS feature this holds nothing and cannot fail.
                let tls =
                    TlsConfig::new().map_err(|e| format!("cannot set up the DNS client: {e}"))?;
                let cx = Arc::new(PoolContext::new(options, tls));
                let provider = ConnectedUdp::default();
                Ok(Server {
                    last_error: provider.last_error.clone(),
                    pool: NameServerPool::from_config([config], cx, provider),
                    timeout,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut request = DnsRequestOptions::default();
        request.use_edns = false;
        request.recursion_desired = true;
        request.case_randomization = false;
        Ok(Asker {
            resolver,
            total: Duration::from_secs(u64::from(config.timeout.max(1))),
            servers,
            attempts: config.attempts.max(1),
            request,
        })
    }

    /// Every candidate of `name` in glibc's order, as `__res_context_search` (res_query.c) goes
    /// through them: the name as written first (at least ndots dots) goes on to the search list
    /// whatever its answer; in the search list an answer that does not continue the search
    /// (REFUSED, a timeout) ends the list; the name as written, if not asked first, is asked
    /// last even then — unless no server could be reached at all (ECONNREFUSED), which returns
    /// at once. tests/dns_resolvers.rs shows Debian's glibc doing this.
    async fn resolve(&self, name: &str, config: &ResolverConfig) -> NameResolution {
        if self.resolver != StubResolver::Glibc {
            return self.resolve_in_order(name, config).await;
        }
        let list = candidates(name, config);
        let mut outcomes: Vec<CandidateOutcome> = list
            .iter()
            .map(|query| CandidateOutcome {
                query: query.clone(),
                answer: CandidateAnswer::NotAsked,
            })
            .collect();
        let found = |a: &CandidateAnswer| matches!(a, CandidateAnswer::Addresses(_));
        let bare = name.trim_end_matches('.');
        let as_is_first = list.len() == 1 || list[0] == bare;
        let mut i = 0;
        let mut done = false;
        if as_is_first {
            outcomes[0].answer = self.ask(&list[0]).await;
            done = found(&outcomes[0].answer) || list.len() == 1;
            i = 1;
        }
        let domains_end = if as_is_first {
            list.len()
        } else {
            list.len() - 1
        };
        while !done && i < domains_end {
            outcomes[i].answer = self.ask(&list[i]).await;
            if found(&outcomes[i].answer) {
                done = true;
            } else if matches!(outcomes[i].answer, CandidateAnswer::Error(_)) {
                // No server reachable (ECONNREFUSED): the search returns at once.
                done = true;
            } else if !outcomes[i].answer.continues_search() {
                break;
            }
            i += 1;
        }
        if !done && !as_is_first {
            let last = list.len() - 1;
            outcomes[last].answer = self.ask(&list[last]).await;
        }
        NameResolution {
            name: name.to_owned(),
            candidates: outcomes,
        }
    }

    /// musl's and Go's search: the resolver's candidates in order, on to the next one only
    /// after an answer that continues its search (musl: NXDOMAIN; Go: any failure).
    async fn resolve_in_order(&self, name: &str, config: &ResolverConfig) -> NameResolution {
        let mut candidates: Vec<CandidateOutcome> = self
            .resolver
            .candidates(name, config)
            .into_iter()
            .map(|query| CandidateOutcome {
                query,
                answer: CandidateAnswer::NotAsked,
            })
            .collect();
        for c in candidates.iter_mut() {
            c.answer = if self.resolver == StubResolver::Musl {
                self.ask_all_at_once(&c.query).await
            } else {
                self.ask(&c.query).await
            };
            if matches!(c.answer, CandidateAnswer::Addresses(_))
                || !self.resolver.continues_search(&c.answer)
            {
                break;
            }
        }
        NameResolution {
            name: name.to_owned(),
            candidates,
        }
    }

    /// One candidate as musl's res_msend asks it: every server at once, the first NOERROR or
    /// NXDOMAIN reply wins (REFUSED and SERVFAIL are not answers), re-sent every
    /// timeout/attempts within `timeout` in total.
    async fn ask_all_at_once(&self, candidate: &str) -> CandidateAnswer {
        let name = match Name::from_ascii(candidate) {
            Ok(mut name) => {
                name.set_fqdn(true);
                name
            }
            Err(e) => return CandidateAnswer::Error(format!("not a valid DNS name: {e}")),
        };
        let deadline = tokio::time::Instant::now() + self.total;
        let mut last = CandidateAnswer::TimedOut;
        while tokio::time::Instant::now() < deadline {
            let mut replies: futures_util::stream::FuturesUnordered<_> = self
                .servers
                .iter()
                .map(|server| self.ask_server(server, &name))
                .collect();
            let round = async {
                while let Some(answer) = replies.next().await {
                    match answer {
                        CandidateAnswer::ServFail
                        | CandidateAnswer::Refused(_)
                        | CandidateAnswer::TimedOut
                        | CandidateAnswer::Error(_) => last = answer,
                        decided => return Some(decided),
                    }
                }
                None
            };
            match tokio::time::timeout_at(deadline, round).await {
                Ok(Some(decided)) => return decided,
                Ok(None) if matches!(last, CandidateAnswer::Error(_)) => return last,
                Ok(None) => {}
                Err(_) => return CandidateAnswer::TimedOut,
            }
        }
        last
    }

    /// One candidate, as res_send asks it: `attempts` rounds over every server.
    async fn ask(&self, candidate: &str) -> CandidateAnswer {
        let name = match Name::from_ascii(candidate) {
            Ok(mut name) => {
                name.set_fqdn(true);
                name
            }
            // glibc cannot build the query either, and gives up (NO_RECOVERY).
            Err(e) => return CandidateAnswer::Error(format!("not a valid DNS name: {e}")),
        };
        let mut rcode = None;
        let mut timed_out = false;
        let mut error = None;
        for _ in 0..self.attempts {
            for server in &self.servers {
                match self.ask_server(server, &name).await {
                    answer @ (CandidateAnswer::ServFail | CandidateAnswer::Refused(_))
                        if next_server_after(&answer) =>
                    {
                        rcode = Some(answer)
                    }
                    CandidateAnswer::TimedOut => timed_out = true,
                    CandidateAnswer::Error(e) => error = Some(e),
                    answer => return answer,
                }
            }
        }
        rcode
            .or(timed_out.then_some(CandidateAnswer::TimedOut))
            .unwrap_or_else(|| CandidateAnswer::Error(error.unwrap_or_else(|| "no answer".into())))
    }

    /// One try of one server.
    async fn ask_server(&self, server: &Server, name: &Name) -> CandidateAnswer {
        let query = Query::query(name.clone(), RecordType::A);
        let mut responses = server.pool.lookup(query, self.request);
        // hickory bounds the UDP try and the TCP retry each by the timeout; this bound only
        // guards against a try that never ends.
        let bound = server.timeout * 2 + Duration::from_secs(1);
        match tokio::time::timeout(bound, responses.next()).await {
            Err(_) => CandidateAnswer::TimedOut,
            Ok(None) => CandidateAnswer::Error("no response".into()),
            Ok(Some(Ok(response))) => classify_response(name, &response),
            // Every connection failed with an I/O error, which the pool does not pass on.
            Ok(Some(Err(NetError::NoConnections))) => CandidateAnswer::Error(
                server
                    .last_error
                    .get()
                    .unwrap_or_else(|| "no connection to the server".into()),
            ),
            Ok(Some(Err(e))) => classify_error(&e),
        }
    }
}

/// Whether res_send tries the next server after this answer (SERVFAIL, NOTIMP, REFUSED).
fn next_server_after(answer: &CandidateAnswer) -> bool {
    match answer {
        CandidateAnswer::ServFail => true,
        CandidateAnswer::Refused(code) => code == "REFUSED" || code == "NOTIMP",
        _ => false,
    }
}

/// A response hickory passed as an answer: NOERROR or NXDOMAIN with records, or an unknown rcode.
pub(crate) fn classify_response(name: &Name, response: &Message) -> CandidateAnswer {
    let addresses = addresses(name, response);
    if !addresses.is_empty() {
        return CandidateAnswer::Addresses(addresses);
    }
    match response.metadata.response_code {
        ResponseCode::NXDomain => CandidateAnswer::NoSuchName,
        ResponseCode::NoError => CandidateAnswer::NoData,
        ResponseCode::ServFail => CandidateAnswer::ServFail,
        code => CandidateAnswer::Refused(rcode_name(code)),
    }
}

/// The A records that answer `name`, following CNAMEs in the answer section as glibc's
/// getanswer does; records for other owners are ignored.
fn addresses(name: &Name, response: &Message) -> Vec<IpAddr> {
    let mut owners = vec![name.clone()];
    let mut found = Vec::new();
    for record in &response.answers {
        if !owners.contains(&record.name) {
            continue;
        }
        match &record.data {
            RData::CNAME(target) => owners.push(target.0.clone()),
            RData::A(a) => found.push(IpAddr::V4(a.0)),
            _ => {}
        }
    }
    found
}

/// hickory's error for one try, as the answer it stands for.
fn classify_error(error: &NetError) -> CandidateAnswer {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(none)) => match none.response_code {
            ResponseCode::NXDomain => CandidateAnswer::NoSuchName,
            ResponseCode::NoError => CandidateAnswer::NoData,
            ResponseCode::ServFail => CandidateAnswer::ServFail,
            code => CandidateAnswer::Refused(rcode_name(code)),
        },
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => CandidateAnswer::ServFail,
        NetError::Dns(DnsError::ResponseCode(code)) => CandidateAnswer::Refused(rcode_name(*code)),
        NetError::Timeout => CandidateAnswer::TimedOut,
        NetError::Io(e) if e.kind() == io::ErrorKind::TimedOut => CandidateAnswer::TimedOut,
        NetError::Io(e) => CandidateAnswer::Error(io_reason(e)),
        other => CandidateAnswer::Error(other.to_string()),
    }
}

/// The mnemonic of an rcode, as dig prints it.
fn rcode_name(code: ResponseCode) -> String {
    match code {
        ResponseCode::NoError => "NOERROR".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::YXDomain => "YXDOMAIN".into(),
        ResponseCode::YXRRSet => "YXRRSET".into(),
        ResponseCode::NXRRSet => "NXRRSET".into(),
        ResponseCode::NotAuth => "NOTAUTH".into(),
        ResponseCode::NotZone => "NOTZONE".into(),
        other => format!("RCODE{}", u16::from(other)),
    }
}

/// hickory's tokio runtime with UDP sockets connected to the server. glibc connects its UDP
/// socket (res_send.c `reopen`), so the ICMP port-unreachable of a server that is not listening
/// arrives as ECONNREFUSED; hickory's unconnected sockets would wait for the timeout instead.
///
/// It also keeps the server's last I/O error: a one-server pool reports every I/O failure as
/// "no connections available" (`most_specific` prefers that over `Io`), which would hide
/// "connection refused" from the report.
#[derive(Clone, Default)]
struct ConnectedUdp {
    tokio: TokioRuntimeProvider,
    last_error: LastError,
}

/// The last I/O error seen talking to one server, as a lowercase fragment.
#[derive(Clone, Default)]
struct LastError(Arc<Mutex<Option<String>>>);

impl LastError {
    fn record(&self, e: &io::Error) {
        if let Ok(mut last) = self.0.lock() {
            *last = Some(io_reason(e));
        }
    }

    fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|last| last.clone())
    }
}

impl RuntimeProvider for ConnectedUdp {
    type Handle = TokioHandle;
    type Timer = TokioTime;
    type Udp = ConnectedSocket;
    type Tcp = AsyncIoTokioAsStd<tokio::net::TcpStream>;

    fn create_handle(&self) -> Self::Handle {
        self.tokio.create_handle()
    }

    fn connect_tcp(
        &self,
        server_addr: SocketAddr,
        bind_addr: Option<SocketAddr>,
        timeout: Option<Duration>,
    ) -> Pin<Box<dyn Send + Future<Output = Result<Self::Tcp, io::Error>>>> {
        let connecting = self.tokio.connect_tcp(server_addr, bind_addr, timeout);
        let last_error = self.last_error.clone();
        Box::pin(async move { connecting.await.inspect_err(|e| last_error.record(e)) })
    }

    fn bind_udp(
        &self,
        local_addr: SocketAddr,
        server_addr: SocketAddr,
    ) -> Pin<Box<dyn Send + Future<Output = Result<Self::Udp, io::Error>>>> {
        let last_error = self.last_error.clone();
        Box::pin(async move {
            let connected = async {
                let socket = tokio::net::UdpSocket::bind(local_addr).await?;
                socket.connect(server_addr).await?;
                Ok(socket)
            };
            match connected.await {
                Ok(socket) => Ok(ConnectedSocket { socket, last_error }),
                Err(e) => {
                    last_error.record(&e);
                    Err(e)
                }
            }
        })
    }
}

/// A connected UDP socket whose receive also ends on a socket error. The kernel reports the
/// ICMP error as EPOLLERR without EPOLLIN, which tokio does not count as readable, so a plain
/// receive would sleep through it until the timeout.
struct ConnectedSocket {
    socket: tokio::net::UdpSocket,
    last_error: LastError,
}

impl DnsUdpSocket for ConnectedSocket {
    type Time = TokioTime;

    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        DnsUdpSocket::poll_recv_from(&self.socket, cx, buf)
    }

    // hickory receives through this method, not `poll_recv_from` (`UdpRequest::send`). The
    // signature is what `#[async_trait]` makes of the trait's `async fn`.
    fn recv_from<'life0, 'life1, 'async_trait>(
        &'life0 self,
        buf: &'life1 mut [u8],
    ) -> Pin<Box<dyn Future<Output = io::Result<(usize, SocketAddr)>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let received = async {
                loop {
                    let ready = self
                        .socket
                        .ready(Interest::READABLE | Interest::ERROR)
                        .await?;
                    // recvfrom returns a pending socket error (ECONNREFUSED) before any datagram.
                    match self.socket.try_recv_from(buf) {
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                        received => return received,
                    }
                    if ready.is_error() {
                        if let Some(e) = self.socket.take_error()? {
                            return Err(e);
                        }
                        // An error event whose error is already gone: clear it, wait again.
                        let _ = self.socket.try_io(Interest::ERROR, || {
                            Err::<(), _>(io::Error::from(io::ErrorKind::WouldBlock))
                        });
                    }
                }
            };
            received.await.inspect_err(|e| self.last_error.record(e))
        })
    }

    fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        DnsUdpSocket::poll_send_to(&self.socket, cx, buf, target)
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};
    use std::sync::Arc;

    use hickory_resolver::net::NoRecords;
    use hickory_resolver::proto::op::{MessageType, OpCode};
    use hickory_resolver::proto::rr::Record;
    use hickory_resolver::proto::rr::rdata::{A, AAAA, CNAME};

    use super::*;

    #[test]
    fn server_addresses_with_and_without_ports() {
        let v4 = |a, b, c, d, port| SocketAddr::new(IpAddr::V4(Ipv4Addr::new(a, b, c, d)), port);
        assert_eq!(parse_server("10.96.0.10"), Ok(v4(10, 96, 0, 10, 53)));
        assert_eq!(
            parse_server(" 10.96.0.10:5353 "),
            Ok(v4(10, 96, 0, 10, 5353))
        );
        let one = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 53);
        assert_eq!(parse_server("::1"), Ok(one));
        assert_eq!(parse_server("[::1]"), Ok(one));
        assert_eq!(
            parse_server("[::1]:5353"),
            Ok(SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 5353))
        );
    }

    #[test]
    fn host_names_bad_ports_and_empty_text_are_refused() {
        for bad in [
            "kube-dns",
            "kube-dns:53",
            "10.0.0.1:99999",
            "10.0.0.1:",
            "",
            "[::1",
        ] {
            let e = parse_server(bad).unwrap_err();
            assert!(
                e.contains("not an IP address") || e.contains("empty"),
                "{bad}: {e}"
            );
        }
        assert!(parse_server("10.0.0.1:0").unwrap_err().contains("port 0"));
    }

    #[test]
    fn try_timeouts_follow_glibc_send_dg() {
        // One server: the timeout as configured.
        assert_eq!(try_timeout(2, 0, 1), Duration::from_secs(2));
        // Two servers: 5 s, then (5 << 1) / 2 = 5 s.
        assert_eq!(try_timeout(5, 0, 2), Duration::from_secs(5));
        assert_eq!(try_timeout(5, 1, 2), Duration::from_secs(5));
        // Three servers: 5 s, 10/3 = 3 s, 20/3 = 6 s.
        assert_eq!(try_timeout(5, 1, 3), Duration::from_secs(3));
        assert_eq!(try_timeout(5, 2, 3), Duration::from_secs(6));
        // Never under a second, even for timeout:1 with three servers.
        assert_eq!(try_timeout(1, 1, 3), Duration::from_secs(1));
        assert_eq!(try_timeout(0, 0, 1), Duration::from_secs(1));
    }

    fn name(text: &str) -> Name {
        Name::from_ascii(text).unwrap()
    }

    fn response(code: ResponseCode, answers: Vec<Record>) -> Message {
        let mut m = Message::new(1, MessageType::Response, OpCode::Query);
        m.metadata.response_code = code;
        m.answers = answers;
        m
    }

    #[test]
    fn addresses_follow_cnames_and_ignore_other_owners() {
        let q = name("peer0.org1.svc.cluster.local.");
        let target = name("peer0-org1.default.svc.cluster.local.");
        let m = response(
            ResponseCode::NoError,
            vec![
                Record::from_rdata(q.clone(), 5, RData::CNAME(CNAME(target.clone()))),
                Record::from_rdata(target, 5, RData::A(A(Ipv4Addr::new(10, 0, 0, 1)))),
                Record::from_rdata(name("other."), 5, RData::A(A(Ipv4Addr::new(10, 0, 0, 9)))),
                Record::from_rdata(q.clone(), 5, RData::AAAA(AAAA(Ipv6Addr::LOCALHOST))),
            ],
        );
        assert_eq!(
            classify_response(&q, &m),
            CandidateAnswer::Addresses(vec![IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))])
        );
        let dangling = response(
            ResponseCode::NXDomain,
            vec![Record::from_rdata(
                q.clone(),
                5,
                RData::CNAME(CNAME(name("gone."))),
            )],
        );
        assert_eq!(
            classify_response(&q, &dangling),
            CandidateAnswer::NoSuchName
        );
        assert_eq!(
            classify_response(&q, &response(ResponseCode::NoError, vec![])),
            CandidateAnswer::NoData
        );
    }

    #[test]
    fn errors_map_to_the_answers_glibc_acts_on() {
        let query = Query::query(name("a."), RecordType::A);
        let none = |code| {
            NetError::Dns(DnsError::NoRecordsFound(NoRecords::new(
                query.clone(),
                code,
            )))
        };
        assert_eq!(
            classify_error(&none(ResponseCode::NXDomain)),
            CandidateAnswer::NoSuchName
        );
        assert_eq!(
            classify_error(&none(ResponseCode::NoError)),
            CandidateAnswer::NoData
        );
        let rcode = |code| NetError::Dns(DnsError::ResponseCode(code));
        assert_eq!(
            classify_error(&rcode(ResponseCode::ServFail)),
            CandidateAnswer::ServFail
        );
        assert_eq!(
            classify_error(&rcode(ResponseCode::Refused)),
            CandidateAnswer::Refused("REFUSED".into())
        );
        assert_eq!(
            classify_error(&rcode(ResponseCode::FormErr)),
            CandidateAnswer::Refused("FORMERR".into())
        );
        assert_eq!(
            classify_error(&NetError::Timeout),
            CandidateAnswer::TimedOut
        );
        let refused = NetError::Io(Arc::new(io::Error::from(io::ErrorKind::ConnectionRefused)));
        assert_eq!(
            classify_error(&refused),
            CandidateAnswer::Error("connection refused".into())
        );
        assert_eq!(
            classify_error(&NetError::Busy),
            CandidateAnswer::Error("resource too busy".into())
        );
    }

    #[test]
    fn servfail_notimp_and_refused_move_to_the_next_server_others_do_not() {
        assert!(next_server_after(&CandidateAnswer::ServFail));
        assert!(next_server_after(&CandidateAnswer::Refused(
            "REFUSED".into()
        )));
        assert!(next_server_after(&CandidateAnswer::Refused(
            "NOTIMP".into()
        )));
        assert!(!next_server_after(&CandidateAnswer::Refused(
            "FORMERR".into()
        )));
        assert!(!next_server_after(&CandidateAnswer::NoSuchName));
        assert_eq!(rcode_name(ResponseCode::Unknown(3841)), "RCODE3841");
    }

    #[test]
    fn without_servers_every_name_says_why_on_its_first_candidate() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let config = ResolverConfig {
            search: vec!["default.svc.cluster.local".into()],
            ..ResolverConfig::default()
        };
        let r = runtime.block_on(resolve_names(&[], &config, &["peer0".into()], 4));
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].candidates[0].answer,
            CandidateAnswer::Error("no DNS server to ask".into())
        );
        assert_eq!(r[0].candidates[1].answer, CandidateAnswer::NotAsked);
        assert!(
            runtime
                .block_on(resolve_names(&[], &config, &[], 4))
                .is_empty()
        );
    }
}
