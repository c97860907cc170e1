//! Tearing a network down: every namespace labelled with the network's name is deleted, which
//! takes everything in it (the network owns nothing outside its namespaces), and fabcheck
//! waits until the API server no longer lists them, so a following deploy starts clean.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, ListParams};
use kube::{Api, Client};

use super::DeployError;
use crate::kube::describe;
use crate::network::NETWORK_LABEL;

/// Deletes the network's namespaces and waits until they are gone or `deadline` passes.
/// Returns the names of the namespaces deleted.
pub async fn teardown(
    client: &Client,
    network: &str,
    deadline: Instant,
) -> Result<Vec<String>, DeployError> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let selector = ListParams::default().labels(&format!("{NETWORK_LABEL}={network}"));
    let list = |action: &'static str| {
        let namespaces = namespaces.clone();
        let selector = selector.clone();
        async move {
            namespaces
                .list(&selector)
                .await
                .map_err(|e| DeployError::Api {
                    action: action.into(),
                    message: describe(&e),
                })
        }
    };
    let owned: Vec<String> = list("list the network's namespaces")
        .await?
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    for name in &owned {
        match namespaces.delete(name, &DeleteParams::background()).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => {
                return Err(DeployError::Api {
                    action: format!("delete Namespace {name}"),
                    message: describe(&e),
                });
            }
        }
    }
    loop {
        let left = list("list the network's namespaces").await?.items;
        if left.is_empty() {
            return Ok(owned);
        }
        if Instant::now() >= deadline {
            let names: Vec<String> = left
                .iter()
                .map(|n| {
                    let phase = n
                        .status
                        .as_ref()
                        .and_then(|s| s.phase.clone())
                        .unwrap_or_default();
                    let why: Vec<String> = n
                        .status
                        .iter()
                        .flat_map(|s| s.conditions.iter().flatten())
                        .filter(|c| c.status == "True")
                        .map(|c| format!("{}: {}", c.type_, c.message.clone().unwrap_or_default()))
                        .collect();
                    format!(
                        "{} ({phase}{})",
                        n.metadata.name.clone().unwrap_or_default(),
                        if why.is_empty() {
                            String::new()
                        } else {
                            format!("; {}", why.join("; "))
                        }
                    )
                })
                .collect();
            return Err(DeployError::TeardownTimeout {
                left: names.join(", "),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
