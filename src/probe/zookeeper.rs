//! ZooKeeper four-letter words over TCP: `ruok`, `srvr`, `mntr` and `conf`.
//!
//! A four-letter word is a plain TCP exchange: the client writes the word, the server writes a
//! text answer and closes the connection, so each word needs its own connection and the answer
//! ends at EOF. The four words are asked concurrently (one connection each), so a probe costs
//! one round trip, not four.
//!
//! Two answers are not failures and are recorded, not raised:
//! - `<word> is not executed because it is not in the whitelist.` — the server's
//!   `4lw.commands.whitelist` leaves that word out (the checks turn this into an `error` with the
//!   remediation instead of guessing);
//! - `This ZooKeeper instance is not currently serving requests` — the server is outside any
//!   quorum (`srvr`, `mntr`, `conf` and `stat` all answer this; `ruok` still says `imok`).
//!
//! Parsing is split into pure functions over the answer text so that it is unit-tested against
//! real ZooKeeper 3.8 answers without a server.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{ProbeError, Timeouts, connect, io_reason, resolve, timeout};
use crate::inventory::live::{ZkMode, ZkNodeState, ZkObservation};

/// The words asked, in the order their errors are reported when none of them got an answer.
pub const WORDS: [&str; 4] = ["ruok", "srvr", "mntr", "conf"];

/// Largest answer read. An idle 3.8 leader's `mntr` is about 16 KiB and grows with
/// per-namespace metrics, so the cap leaves room; it exists so that an endpoint that streams
/// forever cannot exhaust memory.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// What ZooKeeper answers to every word but `ruok` when it is outside a quorum.
const NOT_SERVING: &str = "not currently serving requests";

/// The tail of ZooKeeper's refusal of a word left out of `4lw.commands.whitelist`.
const NOT_WHITELISTED: &str = "is not executed because it is not in the whitelist";

/// Asks one ZooKeeper server `ruok`, `srvr`, `mntr` and `conf`, each on its own connection.
///
/// Never fails outright: when no word got an answer the observation holds the first word's
/// error (resolve, connect, timeout, closed); when only some did, the others are listed in
/// [`ZkNodeState::unanswered`].
pub async fn observe(endpoint: &str, timeouts: Timeouts) -> ZkObservation {
    let result = match resolve(endpoint, timeouts.connect).await {
        Ok(addrs) => {
            let ask = |word| ask(endpoint, &addrs, word, timeouts);
            let (ruok, srvr, mntr, conf) =
                tokio::join!(ask(WORDS[0]), ask(WORDS[1]), ask(WORDS[2]), ask(WORDS[3]));
            assemble([ruok, srvr, mntr, conf])
        }
        Err(e) => Err(e),
    };
    ZkObservation {
        endpoint: endpoint.to_owned(),
        result,
    }
}

/// One word on one connection: connect, write the word, read the answer to EOF.
async fn ask(
    endpoint: &str,
    addrs: &[SocketAddr],
    word: &str,
    timeouts: Timeouts,
) -> Result<String, ProbeError> {
    let mut stream = connect(endpoint, addrs, timeouts.connect).await?;
    let exchange = async {
        stream.write_all(word.as_bytes()).await?;
        let mut answer = Vec::new();
        // One byte past the cap tells "exactly the cap" from "more than the cap".
        (&mut stream)
            .take(MAX_ANSWER_BYTES as u64 + 1)
            .read_to_end(&mut answer)
            .await?;
        Ok::<_, std::io::Error>(answer)
    };
    let answer = match tokio::time::timeout(timeouts.read, exchange).await {
        Err(_) => {
            return Err(timeout(
                endpoint,
                &format!("waiting for the answer to {word}"),
                timeouts.read,
            ));
        }
        Ok(Err(e)) => {
            return Err(ProbeError::Closed {
                endpoint: endpoint.to_owned(),
                during: format!("before answering {word} ({})", io_reason(&e)),
            });
        }
        Ok(Ok(answer)) => answer,
    };
    answer_text(endpoint, word, &answer)
}

/// The text of the bytes a server sent back for `word` (read to EOF, at most one byte past
/// [`MAX_ANSWER_BYTES`]), or why they are not an answer.
pub(crate) fn answer_text(endpoint: &str, word: &str, answer: &[u8]) -> Result<String, ProbeError> {
    if answer.is_empty() {
        // ZooKeeper always answers a word it knows; an empty answer is a server that hung up
        // (a non-ZooKeeper service, or one that dropped the connection).
        return Err(ProbeError::Closed {
            endpoint: endpoint.to_owned(),
            during: format!("before answering {word}"),
        });
    }
    if answer.len() > MAX_ANSWER_BYTES {
        return Err(ProbeError::Protocol {
            endpoint: endpoint.to_owned(),
            reason: format!("the answer to {word} is larger than {MAX_ANSWER_BYTES} bytes"),
        });
    }
    Ok(String::from_utf8_lossy(answer).into_owned())
}

/// Builds the node state from the answers to [`WORDS`], in that order.
pub(crate) fn assemble(
    answers: [Result<String, ProbeError>; 4],
) -> Result<ZkNodeState, ProbeError> {
    if answers.iter().all(Result::is_err) {
        // Nothing answered: report the most telling error. A refused or unresolvable
        // connection explains the others; otherwise the first word's error stands.
        let mut errors: Vec<ProbeError> = answers.into_iter().filter_map(Result::err).collect();
        let pick = errors
            .iter()
            .position(|e| matches!(e, ProbeError::Connect { .. } | ProbeError::Resolve { .. }))
            .unwrap_or(0);
        return Err(errors.swap_remove(pick));
    }
    let mut state = ZkNodeState {
        serving: true,
        ..ZkNodeState::default()
    };
    for (word, answer) in WORDS.iter().zip(answers) {
        let text = match answer {
            Ok(text) => text,
            Err(e) => {
                state.unanswered.insert((*word).to_owned(), e.to_string());
                continue;
            }
        };
        match classify(&text) {
            Answer::NotWhitelisted => state.not_whitelisted.push((*word).to_owned()),
            // `ruok` never answers this; for the others it is the whole answer.
            Answer::NotServing => state.serving = false,
            Answer::Text => match *word {
                "ruok" => state.ruok = Some(text.trim().to_owned()),
                "srvr" => {
                    let srvr = parse_srvr(&text);
                    state.mode_text = srvr.mode_text;
                    state.mode = srvr.mode;
                    state.version = srvr.version;
                }
                "mntr" => state.mntr = parse_mntr(&text),
                _ => {
                    let conf = parse_conf(&text);
                    state.server_id = conf.server_id;
                    state.servers = conf.servers;
                }
            },
        }
    }
    // With srvr refused (or lost), mntr's zk_server_state still names the role.
    if state.mode_text.is_none()
        && let Some(s) = state.mntr.get("zk_server_state")
    {
        state.mode_text = Some(s.clone());
        state.mode = parse_mode(s);
    }
    if state.version.is_none() {
        state.version = state.mntr.get("zk_version").cloned();
    }
    Ok(state)
}

/// What kind of answer a word got.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// Refused: the word is not in `4lw.commands.whitelist`.
    NotWhitelisted,
    /// The server is not in a quorum.
    NotServing,
    /// An answer to parse.
    Text,
}

fn classify(text: &str) -> Answer {
    // Both refusals are one short line; matching only short answers keeps a `conf` whose
    // path happens to contain the phrase from being misread.
    let line = text.trim();
    if line.lines().count() <= 1 && line.contains(NOT_WHITELISTED) {
        Answer::NotWhitelisted
    } else if line.lines().count() <= 1 && line.contains(NOT_SERVING) {
        Answer::NotServing
    } else {
        Answer::Text
    }
}

/// The parts of `srvr` the checks use.
#[derive(Debug, Default, PartialEq)]
struct Srvr {
    mode: Option<ZkMode>,
    mode_text: Option<String>,
    version: Option<String>,
}

/// Parses `srvr`: `Key: value` lines (`Zookeeper version: 3.8.0-…, built on …`, `Mode: leader`).
fn parse_srvr(text: &str) -> Srvr {
    let mut srvr = Srvr::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "Mode" => {
                srvr.mode = parse_mode(value);
                srvr.mode_text = Some(value.to_owned());
            }
            "Zookeeper version" => srvr.version = Some(value.to_owned()),
            _ => {}
        }
    }
    srvr
}

/// The role names `srvr` (`Mode:`) and `mntr` (`zk_server_state`) use. Others (`read-only`)
/// are kept only as text.
fn parse_mode(text: &str) -> Option<ZkMode> {
    match text.trim().to_ascii_lowercase().as_str() {
        "leader" => Some(ZkMode::Leader),
        "follower" => Some(ZkMode::Follower),
        "observer" => Some(ZkMode::Observer),
        "standalone" => Some(ZkMode::Standalone),
        _ => None,
    }
}

/// Parses `mntr`: one `key<TAB>value` pair per line.
fn parse_mntr(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// The parts of `conf` the checks use.
#[derive(Debug, Default, PartialEq)]
struct Conf {
    server_id: Option<u32>,
    servers: BTreeMap<u32, String>,
}

/// Parses `conf`: `key=value` lines; `serverId=N` and the ensemble as
/// `server.N=host:quorumPort:electionPort:role[;clientAddress]`.
fn parse_conf(text: &str) -> Conf {
    let mut conf = Conf::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key == "serverId" {
            conf.server_id = value.trim().parse().ok();
        } else if let Some(id) = key.strip_prefix("server.").and_then(|n| n.parse().ok()) {
            conf.servers.insert(id, value.trim().to_owned());
        }
    }
    conf
}

#[cfg(test)]
mod tests {
    use super::*;

    // Answers captured from Debian's zookeeper 3.8.0 in a 3-node ensemble on 127.0.0.1.
    const LEADER_SRVR: &str = "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n\
        Latency min/avg/max: 0/0.0/0\nReceived: 1\nSent: 0\nConnections: 1\nOutstanding: 0\n\
        Zxid: 0x100000000\nMode: leader\nNode count: 5\nProposal sizes last/min/max: -1/-1/-1\n";
    const FOLLOWER_SRVR: &str = "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n\
        Latency min/avg/max: 0/0.0/0\nReceived: 1\nSent: 0\nConnections: 1\nOutstanding: 0\n\
        Zxid: 0x0\nMode: follower\nNode count: 5\n";
    const LEADER_MNTR: &str = "zk_version\t3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n\
        zk_server_state\tleader\nzk_peer_state\tleading - broadcast\nzk_ephemerals_count\t0\n\
        zk_num_alive_connections\t1\nzk_avg_latency\t0.0\nzk_synced_followers\t2\n\
        zk_synced_non_voting_followers\t0\nzk_synced_observers\t0\nzk_pending_syncs\t0\n\
        zk_learners\t2\nzk_quorum_size\t3\nzk_max_file_descriptor_count\t20000\n";
    const CONF: &str = "clientPort=21181\nsecureClientPort=-1\ndataDir=/tmp/zkman/d1/version-2\n\
        dataDirSize=597\ndataLogDir=/tmp/zkman/d1/version-2\ndataLogSize=597\ntickTime=200\n\
        maxClientCnxns=60\nminSessionTimeout=400\nmaxSessionTimeout=4000\n\
        clientPortListenBacklog=-1\nserverId=1\ninitLimit=10\nsyncLimit=5\nelectionAlg=3\n\
        electionPort=31288\nquorumPort=21288\npeerType=0\nmembership: \n\
        server.1=127.0.0.1:21288:31288:participant\nserver.2=127.0.0.1:22288:32288:participant\n\
        server.3=127.0.0.1:23288:33288:participant\nversion=0";
    const NOT_SERVING_ANSWER: &str = "This ZooKeeper instance is not currently serving requests\n";

    fn refused(word: &str) -> String {
        format!("{word} is not executed because it is not in the whitelist.\n")
    }

    #[test]
    fn srvr_gives_mode_and_version() {
        let s = parse_srvr(LEADER_SRVR);
        assert_eq!(s.mode, Some(ZkMode::Leader));
        assert_eq!(s.mode_text.as_deref(), Some("leader"));
        assert_eq!(
            s.version.as_deref(),
            Some("3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC")
        );
        assert_eq!(parse_srvr(FOLLOWER_SRVR).mode, Some(ZkMode::Follower));
        let standalone = parse_srvr("Zookeeper version: 3.8.0\nMode: standalone\n");
        assert_eq!(standalone.mode, Some(ZkMode::Standalone));
        let ro = parse_srvr("Mode: read-only\n");
        assert_eq!(
            (ro.mode, ro.mode_text.as_deref()),
            (None, Some("read-only"))
        );
    }

    #[test]
    fn mntr_is_tab_separated_pairs() {
        let m = parse_mntr(LEADER_MNTR);
        assert_eq!(m["zk_server_state"], "leader");
        assert_eq!(m["zk_synced_followers"], "2");
        assert_eq!(m["zk_quorum_size"], "3");
        assert_eq!(m["zk_peer_state"], "leading - broadcast");
        assert!(parse_mntr("no tabs here\n\n\tvalue-without-key\n").is_empty());
    }

    #[test]
    fn conf_gives_server_id_and_the_ensemble() {
        let c = parse_conf(CONF);
        assert_eq!(c.server_id, Some(1));
        assert_eq!(c.servers.len(), 3);
        assert_eq!(c.servers[&2], "127.0.0.1:22288:32288:participant");
        // 3.5+ with a client address in the server line, and junk entries that are not servers.
        let c =
            parse_conf("server.7=zk7:2888:3888:observer;0.0.0.0:2181\nserver.x=1\nserverId=oops\n");
        assert_eq!(c.servers[&7], "zk7:2888:3888:observer;0.0.0.0:2181");
        assert_eq!((c.servers.len(), c.server_id), (1, None));
    }

    #[test]
    fn refusals_are_recognised() {
        assert_eq!(classify(&refused("mntr")), Answer::NotWhitelisted);
        assert_eq!(classify(NOT_SERVING_ANSWER), Answer::NotServing);
        assert_eq!(classify(LEADER_SRVR), Answer::Text);
        assert_eq!(classify(CONF), Answer::Text);
    }

    #[test]
    fn a_healthy_leader_fills_every_field() {
        let s = assemble([
            Ok("imok".into()),
            Ok(LEADER_SRVR.into()),
            Ok(LEADER_MNTR.into()),
            Ok(CONF.into()),
        ])
        .unwrap();
        assert_eq!(s.ruok.as_deref(), Some("imok"));
        assert_eq!(s.mode, Some(ZkMode::Leader));
        assert!(s.serving);
        assert!(s.not_whitelisted.is_empty() && s.unanswered.is_empty());
        assert_eq!(s.mntr["zk_synced_followers"], "2");
        assert_eq!((s.server_id, s.servers.len()), (Some(1), 3));
        assert!(s.version.unwrap().starts_with("3.8.0"));
    }

    #[test]
    fn out_of_quorum_still_says_imok() {
        let s = assemble([
            Ok("imok".into()),
            Ok(NOT_SERVING_ANSWER.into()),
            Ok(NOT_SERVING_ANSWER.into()),
            Ok(NOT_SERVING_ANSWER.into()),
        ])
        .unwrap();
        assert_eq!(s.ruok.as_deref(), Some("imok"));
        assert!(!s.serving);
        assert_eq!(s.mode, None);
        assert!(s.servers.is_empty() && s.mntr.is_empty());
    }

    #[test]
    fn whitelisted_ruok_only_records_the_refused_words() {
        // ZooKeeper 3.8 always allows srvr (zkServer.sh status needs it), whatever the list says.
        let standalone =
            "Zookeeper version: 3.8.0-x, built on 2024-12-29 17:54 UTC\nMode: standalone\n";
        let s = assemble([
            Ok("imok".into()),
            Ok(standalone.into()),
            Ok(refused("mntr")),
            Ok(refused("conf")),
        ])
        .unwrap();
        assert_eq!(s.not_whitelisted, vec!["mntr", "conf"]);
        assert_eq!(s.mode, Some(ZkMode::Standalone));
        assert!(s.serving);
    }

    #[test]
    fn mntr_names_the_role_when_srvr_is_refused() {
        let s = assemble([
            Ok(refused("ruok")),
            Ok(refused("srvr")),
            Ok(LEADER_MNTR.into()),
            Ok(refused("conf")),
        ])
        .unwrap();
        assert_eq!(s.mode, Some(ZkMode::Leader));
        assert_eq!(s.ruok, None);
        assert_eq!(s.not_whitelisted, vec!["ruok", "srvr", "conf"]);
        assert!(s.version.unwrap().starts_with("3.8.0"));
    }

    #[test]
    fn no_answer_at_all_reports_the_connect_error() {
        let closed = |w: &str| ProbeError::Closed {
            endpoint: "zk:2181".into(),
            during: format!("before answering {w}"),
        };
        let refused = ProbeError::Connect {
            endpoint: "zk:2181".into(),
            reason: "connection refused".into(),
        };
        let e = assemble([
            Err(closed("ruok")),
            Err(refused.clone()),
            Err(closed("mntr")),
            Err(closed("conf")),
        ])
        .unwrap_err();
        assert_eq!(e, refused);
        let e = assemble([
            Err(closed("ruok")),
            Err(closed("srvr")),
            Err(closed("mntr")),
            Err(closed("conf")),
        ])
        .unwrap_err();
        assert_eq!(e, closed("ruok"));
    }

    #[test]
    fn partial_answers_list_the_words_that_got_none() {
        let s = assemble([
            Ok("imok".into()),
            Ok(FOLLOWER_SRVR.into()),
            Err(ProbeError::Timeout {
                endpoint: "zk:2181".into(),
                during: "waiting for the answer to mntr".into(),
                after_ms: 5000,
            }),
            Ok(CONF.into()),
        ])
        .unwrap();
        assert_eq!(s.mode, Some(ZkMode::Follower));
        assert!(s.unanswered["mntr"].contains("no response within 5000 ms"));
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "\0\0\0",
            "Mode:",
            ":::",
            "=\n=\n",
            "server.99999999999=x",
            "\u{fffd}\t\t",
        ] {
            let _ = parse_srvr(text);
            let _ = parse_mntr(text);
            let _ = parse_conf(text);
            let _ = classify(text);
            let _ = assemble([
                Ok(text.into()),
                Ok(text.into()),
                Ok(text.into()),
                Ok(text.into()),
            ]);
        }
    }

    #[test]
    fn io_errors_read_as_lowercase_fragments() {
        let e = std::io::Error::from_raw_os_error(111);
        assert_eq!(io_reason(&e), "connection refused");
    }
}
