//! Name resolution as a chaincode container sees it: the resolver configuration that applies
//! (from resolv.conf, the Docker daemon's options or the peer's HostConfig), and the exact
//! sequence of names glibc's stub resolver tries for a lookup.
//!
//! This is the pure core the chaincode-DNS checks build on; gathering (daemon files, pod specs,
//! live containers) feeds it.

pub mod candidates;
pub mod lookup;
pub mod resolver;

pub use candidates::candidates;
pub use lookup::{CandidateAnswer, CandidateOutcome, DnsObservation, NameResolution, Vantage};
pub use resolver::{Nameserver, ResolverConfig};
