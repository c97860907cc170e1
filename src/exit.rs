//! Process exit codes, documented in the README and `--help`.

/// Every check passed at the chosen threshold.
pub const SUCCESS: i32 = 0;
/// A check failed, or could not evaluate, at the chosen threshold.
pub const CHECK_FAILED: i32 = 1;
/// Usage or configuration error.
pub const USAGE: i32 = 2;
/// fabcheck could not reach what it was told to check.
pub const UNREACHABLE: i32 = 3;
/// Deploying the network failed.
pub const DEPLOY_FAILED: i32 = 4;
