//! Server-side apply of a phase's objects, several at a time, with field manager `fabcheck`.
//!
//! Server-side apply makes a re-run a no-op: the API server merges the same fields from the
//! same manager and, finding nothing changed, writes nothing (the resourceVersion stays).
//! `force` takes over fields another manager set, so fabcheck's spec wins over hand edits.

use futures_util::StreamExt;
use kube::Client;
use kube::api::{DynamicObject, Patch, PatchParams};

use super::Object;
use super::client::{describe, is_forbidden};
use super::wait::dynamic_api;
use crate::network::FIELD_MANAGER;

/// One object the API server would not take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyFailure {
    pub object: String,
    pub message: String,
    pub forbidden: bool,
}

/// Applies `objects` with up to `concurrency` requests in flight. Every object is tried; the
/// failures come back sorted (empty when all applied).
///
/// RoleBindings go after everything else: to let a user bind a Role, the API server checks
/// that the user holds the Role's rights, which it can only do once the Role exists.
pub async fn apply_objects(
    client: &Client,
    objects: &[Object],
    concurrency: usize,
) -> Vec<ApplyFailure> {
    let binding = |o: &&Object| matches!(o.kind.as_str(), "RoleBinding" | "ClusterRoleBinding");
    let (later, first): (Vec<&Object>, Vec<&Object>) = objects.iter().partition(binding);
    let mut failures = Vec::new();
    for tier in [first, later] {
        let failed: Vec<ApplyFailure> = futures_util::stream::iter(tier)
            .map(|o| apply_one(client, o))
            .buffer_unordered(concurrency.max(1))
            .filter_map(|r| async move { r.err() })
            .collect()
            .await;
        failures.extend(failed);
    }
    failures.sort_by(|a, b| a.object.cmp(&b.object));
    failures
}

async fn apply_one(client: &Client, object: &Object) -> Result<(), ApplyFailure> {
    apply(client, object)
        .await
        .map(drop)
        .map_err(|e| ApplyFailure {
            object: object.key(),
            message: describe(&e),
            forbidden: is_forbidden(&e),
        })
}

/// Applies one object server-side as fabcheck's field manager; returns what the API server
/// stored (its uid, for owner references).
pub async fn apply(client: &Client, object: &Object) -> Result<DynamicObject, kube::Error> {
    let params = PatchParams::apply(FIELD_MANAGER).force();
    dynamic_api(client, object)
        .patch(&object.name, &params, &Patch::Apply(&object.body))
        .await
}
