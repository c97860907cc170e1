//! The one Kubernetes layer: a client from kubeconfig or the in-cluster service account
//! ([`client`]), paged lists ([`list`]), server-side apply ([`apply`]), waiting for readiness
//! ([`wait`]), a pod's port on a local address ([`forward`]), the objects they address
//! ([`object`]), and how API errors are described and RBAC refusals told apart. Deploying,
//! discovering a live network and the in-cluster probe all reach the cluster through it.

pub mod apply;
pub mod client;
pub mod forward;
pub mod list;
pub mod object;
pub mod wait;

pub use apply::{ApplyFailure, apply_objects};
pub use client::{
    ClusterError, ClusterOptions, ServiceAccount, cluster_dns, connect, describe, is_forbidden,
};
pub use object::Object;
