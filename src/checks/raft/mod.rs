//! Consensus checks (`RAFT-…`) for etcdraft (Fabric 2.x) and BFT (3.x) ordering: the consenter
//! set in the channel configuration — its size, each consenter's certificates against the
//! certificate that orderer actually has and serves, its address against the orderers
//! deployed — and the Raft options Fabric accepts.

pub mod consenter_certificate;
pub mod consenter_count;
pub mod consenter_not_deployed;
pub mod consenter_tls_mismatch;
pub mod options_invalid;
