//! ZooKeeper ensemble checks (`ZK-…`): static server lists and ids, and the live quorum.

pub mod client_port_mismatch;
pub mod ensemble;
pub mod ensemble_size;
pub mod followers_not_synced;
pub mod myid_mismatch;
pub mod no_quorum;
pub mod server_list_mismatch;
