//! CHANNEL-008 `capability-too-new`: a capability in the channel configuration newer than the
//! Fabric release of the nodes deployed. A peer or orderer that meets a capability it does not
//! know stops processing the channel (Fabric `common/channelconfig` `Supported()`: "requires
//! capability … but the binary does not support it"), so a V2_0 application capability with
//! 1.4 peers halts them at that block.

use super::{complete, deployment, target};
use crate::checks::{Check, nothing_to_check};
use crate::context::Context;
use crate::finding::{Outcome, Status};
use crate::inventory::Inventory;
use crate::inventory::ordering::Component;

pub struct CapabilityTooNew;

/// The release that introduced a capability (`V1_4_3` → 1.4.3), from its name.
pub fn capability_release(name: &str) -> Option<(u32, u32, u32)> {
    let rest = name.strip_prefix('V')?;
    let mut parts = rest.split('_').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// The Fabric release an image tag names (`hyperledger/fabric-peer:1.4.12`,
/// `…:amd64-1.4.0`, `…:2.5`), `None` for `latest`, digests and templates.
pub fn image_release(image: &str) -> Option<(u32, u32, u32)> {
    let tag = image.rsplit_once(':')?.1;
    if tag.contains('/') {
        return None; // a registry port, not a tag
    }
    let version = tag
        .rsplit('-')
        .find(|p| p.chars().next().is_some_and(|c| c.is_ascii_digit()))?;
    let mut parts = version.split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
            .ok()
    });
    let major = parts.next()??;
    let minor = parts.next().flatten()?;
    let patch = parts.next().flatten().unwrap_or(u32::MAX); // `2.5` is the newest 2.5.x
    Some((major, minor, patch))
}

fn show((a, b, c): (u32, u32, u32)) -> String {
    if c == u32::MAX {
        format!("{a}.{b}")
    } else {
        format!("{a}.{b}.{c}")
    }
}

impl Check for CapabilityTooNew {
    fn id(&self) -> &'static str {
        "CHANNEL-008"
    }

    fn evaluate(&self, _ctx: &Context, inv: &Inventory) -> Vec<Outcome> {
        let mut out = Vec::new();
        for c in complete(inv) {
            let levels: Vec<(&str, &Vec<String>, &[Component])> = [
                (
                    "channel",
                    Some(&c.capabilities.channel),
                    &[Component::Peer, Component::Orderer][..],
                ),
                (
                    "orderer",
                    c.capabilities.orderer.as_ref(),
                    &[Component::Orderer][..],
                ),
                (
                    "application",
                    c.capabilities.application.as_ref(),
                    &[Component::Peer][..],
                ),
            ]
            .into_iter()
            .filter_map(|(l, caps, who)| caps.filter(|c| !c.is_empty()).map(|caps| (l, caps, who)))
            .collect();
            if levels.is_empty() {
                continue;
            }
            let t = target(c, Some("Capabilities"));
            let deployed = deployment(inv, c);
            let nodes: Vec<_> = deployed
                .iter()
                .filter(|w| matches!(w.component, Component::Peer | Component::Orderer))
                .collect();
            let known: Vec<(&str, Component, (u32, u32, u32))> = nodes
                .iter()
                .filter_map(|w| {
                    image_release(w.image.as_deref()?).map(|r| (w.name.as_str(), w.component, r))
                })
                .collect();
            if known.is_empty() {
                out.push(Outcome::new(
                    Status::Skip,
                    t,
                    format!(
                        "{}: no peer or orderer with a Fabric release in its image tag is deployed beside it",
                        c.describe()
                    ),
                ));
                continue;
            }
            let mut too_new = Vec::new();
            for (level, caps, who) in &levels {
                for cap in *caps {
                    let Some(needed) = capability_release(cap) else {
                        continue;
                    };
                    for (name, component, release) in &known {
                        if who.contains(component) && *release < needed {
                            too_new.push(format!(
                                "{level} capability {cap} needs Fabric {} but {name} runs {}",
                                show(needed),
                                show(*release)
                            ));
                        }
                    }
                }
            }
            out.push(if too_new.is_empty() {
                Outcome::new(
                    Status::Pass,
                    t,
                    format!(
                        "{}: every capability is supported by the {} node(s) whose release is known",
                        c.describe(),
                        known.len()
                    ),
                )
            } else {
                Outcome::new(
                    Status::Fail,
                    t,
                    format!("{}: {}", c.describe(), too_new.join("; ")),
                )
                .with("unsupported", too_new)
            });
        }
        if out.is_empty() {
            return nothing_to_check(inv, "capabilities in channel configurations");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn releases_from_names_and_tags() {
        assert_eq!(capability_release("V1_4_3"), Some((1, 4, 3)));
        assert_eq!(capability_release("V2_0"), Some((2, 0, 0)));
        assert_eq!(
            image_release("hyperledger/fabric-peer:1.4.12"),
            Some((1, 4, 12))
        );
        assert_eq!(
            image_release("hyperledger/fabric-peer:amd64-1.4.0"),
            Some((1, 4, 0))
        );
        assert_eq!(image_release("fabric-peer:2.5").map(|r| r.0), Some(2));
        assert_eq!(image_release("hyperledger/fabric-peer:latest"), None);
        assert_eq!(image_release("registry:5000/fabric-peer"), None);
    }

    #[test]
    fn a_v2_application_capability_with_1_4_peers_fails() {
        let mut c = block("mychannel");
        c.capabilities.channel = vec!["V1_4_3".into()];
        c.capabilities.application = Some(vec!["V2_0".into()]);
        let mut inv = inventory(vec![c]);
        inv.ordering.workloads.push(workload(
            "peer0",
            Component::Peer,
            Some("hyperledger/fabric-peer:1.4.12"),
        ));
        let out = CapabilityTooNew.evaluate(&ctx(), &inv);
        assert_eq!(out[0].status, Status::Fail);
        assert!(
            out[0]
                .message
                .contains("V2_0 needs Fabric 2.0.0 but peer0 runs 1.4.12")
        );
        inv.channels[0].capabilities.application = Some(vec!["V1_4_2".into()]);
        assert_eq!(
            CapabilityTooNew.evaluate(&ctx(), &inv)[0].status,
            Status::Pass
        );
    }
}
