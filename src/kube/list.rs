//! Listing every object a request matches, page by page (`limit` + `continue`), so that a
//! cluster with thousands of Secrets is read in bounded pieces and a server that stops
//! answering mid-list is noticed per page.

use std::fmt::Debug;
use std::time::Duration;

use kube::Api;
use kube::api::ListParams;
use serde::de::DeserializeOwned;

/// Objects asked for per page.
pub const PAGE: u32 = 500;

/// Why a list stopped.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("failed to list: {}", super::describe(.0))]
    Api(#[source] kube::Error),
    #[error("failed to list: no answer within {0:?}")]
    TimedOut(Duration),
}

impl ListError {
    /// Whether the API server refused the credentials (RBAC), rather than failed.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, ListError::Api(e) if super::is_forbidden(e))
    }

    /// Whether the API server answered with a status (a refusal or a bad request), as opposed
    /// to not answering at all.
    pub fn is_api_status(&self) -> bool {
        matches!(self, ListError::Api(kube::Error::Api(_)))
    }
}

/// Every object `params` matches, each page bounded by `page_timeout`; `requests` counts the
/// requests made.
pub async fn all<K>(
    api: &Api<K>,
    params: &ListParams,
    page_timeout: Duration,
    requests: &mut usize,
) -> Result<Vec<K>, ListError>
where
    K: Clone + DeserializeOwned + Debug,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut page = params.clone().limit(PAGE);
        if let Some(t) = &token {
            page = page.continue_token(t);
        }
        *requests += 1;
        let list = tokio::time::timeout(page_timeout, api.list(&page))
            .await
            .map_err(|_| ListError::TimedOut(page_timeout))?
            .map_err(ListError::Api)?;
        items.extend(list.items);
        token = list.metadata.continue_.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(items);
        }
    }
}
