//! Deploy checks (`DEPLOY-…`): whether the network `deploy-and-verify` stood up deployed at all.

pub mod network_not_deployed;
