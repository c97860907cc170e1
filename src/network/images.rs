//! The one table of container images fabcheck deploys, per Fabric release line.
//!
//! Every image a manifest names comes from here (a test renders both profiles and fails on any
//! image that is not in the table, or that a spec override did not ask for). Each entry says
//! where the image comes from, the tag, the digest when one was recorded, the day the entry was
//! checked and the architectures the publisher builds, so that the deploy's preflight can hold
//! node architectures against them and pods of amd64-only images are placed on amd64 nodes.
//!
//! Only publishers that keep their version tags are used: Hyperledger's own images on Docker
//! Hub (every release tag since 1.0 is still there) and Docker's official `docker` image. A
//! Bitnami kubectl image was used once; Bitnami removed versioned tags from that repository in
//! 2025, the genesis Job sat in ImagePullBackOff, and fabcheck no longer needs kubectl in the
//! cluster at all (it reads the genesis Job's output itself; see `deploy::genesis`).
//!
//! Digests: the registry cannot be reached from where this table is maintained, so no digest is
//! recorded (`digest: None`) rather than one that was not verified. Tags listed here were seen
//! in use in public repositories on the date given.

use super::FabricVersion;

/// What an image is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImageRole {
    Peer,
    Orderer,
    Ca,
    /// configtxgen and the `peer` CLI: the genesis, channel and chaincode Jobs.
    Tools,
    Kafka,
    ZooKeeper,
    /// The Docker-in-Docker sidecar that launches chaincode containers (1.4).
    Dind,
    /// The image the peer builds Go chaincode in (pulled by the chaincode's Docker daemon, or
    /// the chaincode-as-a-service pod's build step in 2.5).
    Ccenv,
    /// The image the chaincode-as-a-service test chaincode runs in (2.5).
    Baseos,
}

/// One image of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageEntry {
    pub role: ImageRole,
    pub fabric: FabricVersion,
    /// `hyperledger/fabric-peer`.
    pub repository: &'static str,
    pub tag: &'static str,
    /// `sha256:…` when it was recorded; see the module docs.
    pub digest: Option<&'static str>,
    /// The day the entry was last checked (ISO 8601).
    pub checked: &'static str,
    /// The architectures the publisher builds (`amd64`, `arm64`), as Kubernetes names them in
    /// the `kubernetes.io/arch` node label.
    pub architectures: &'static [&'static str],
}

impl ImageEntry {
    /// `repository:tag`, or `repository:tag@digest` when a digest is recorded.
    pub fn reference(&self) -> String {
        match self.digest {
            Some(d) => format!("{}:{}@{d}", self.repository, self.tag),
            None => format!("{}:{}", self.repository, self.tag),
        }
    }
}

const AMD64: &[&str] = &["amd64"];
const MULTI: &[&str] = &["amd64", "arm64"];
const CHECKED: &str = "2026-12-04";

const fn entry(
    role: ImageRole,
    fabric: FabricVersion,
    repository: &'static str,
    tag: &'static str,
    architectures: &'static [&'static str],
) -> ImageEntry {
    ImageEntry {
        role,
        fabric,
        repository,
        tag,
        digest: None,
        checked: CHECKED,
        architectures,
    }
}

use FabricVersion::{V1_4, V2_5};
use ImageRole::*;

/// Every image fabcheck may deploy. Fabric 1.4 and the fabric-kafka / fabric-zookeeper 0.4
/// images were only ever published for amd64. Docker-in-Docker is 24.0: 19.03 has no cgroup v2
/// support, so chaincode cannot start on current kind, GKE, EKS or AKS nodes (20.10.16 is the
/// first release that runs reliably on cgroup v2 hosts).
pub static TABLE: &[ImageEntry] = &[
    entry(Peer, V1_4, "hyperledger/fabric-peer", "1.4.12", AMD64),
    entry(Orderer, V1_4, "hyperledger/fabric-orderer", "1.4.12", AMD64),
    entry(Ca, V1_4, "hyperledger/fabric-ca", "1.4.9", AMD64),
    entry(Tools, V1_4, "hyperledger/fabric-tools", "1.4.12", AMD64),
    entry(Kafka, V1_4, "hyperledger/fabric-kafka", "0.4.22", AMD64),
    entry(
        ZooKeeper,
        V1_4,
        "hyperledger/fabric-zookeeper",
        "0.4.22",
        AMD64,
    ),
    entry(Dind, V1_4, "docker", "24.0.9-dind", MULTI),
    entry(Ccenv, V1_4, "hyperledger/fabric-ccenv", "1.4.12", AMD64),
    entry(Baseos, V1_4, "hyperledger/fabric-baseos", "0.4.22", AMD64),
    entry(Peer, V2_5, "hyperledger/fabric-peer", "2.5.14", MULTI),
    entry(Orderer, V2_5, "hyperledger/fabric-orderer", "2.5.14", MULTI),
    entry(Ca, V2_5, "hyperledger/fabric-ca", "1.5.15", MULTI),
    entry(Tools, V2_5, "hyperledger/fabric-tools", "2.5.14", MULTI),
    entry(Dind, V2_5, "docker", "24.0.9-dind", MULTI),
    entry(Ccenv, V2_5, "hyperledger/fabric-ccenv", "2.5.14", MULTI),
    entry(Baseos, V2_5, "hyperledger/fabric-baseos", "2.5.14", MULTI),
];

/// The table's image for `role` in `fabric`, if that release line uses one.
pub fn lookup(fabric: FabricVersion, role: ImageRole) -> Option<&'static ImageEntry> {
    TABLE.iter().find(|e| e.fabric == fabric && e.role == role)
}

/// The table entry whose reference is `image`, in any release line.
pub fn find(image: &str) -> Option<&'static ImageEntry> {
    TABLE.iter().find(|e| e.reference() == image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_image_per_role_and_release() {
        let mut seen = std::collections::BTreeSet::new();
        for e in TABLE {
            assert!(seen.insert((e.fabric, e.role)), "{e:?} is listed twice");
            assert!(!e.architectures.is_empty(), "{e:?}");
            assert!(!e.tag.is_empty() && !e.tag.contains("latest"), "{e:?}");
        }
        for role in [Peer, Orderer, Ca, Tools, Dind, Ccenv, Baseos] {
            for fabric in [V1_4, V2_5] {
                assert!(lookup(fabric, role).is_some(), "{fabric} {role:?}");
            }
        }
        assert!(lookup(V2_5, Kafka).is_none(), "2.5 deploys no Kafka");
    }

    #[test]
    fn dind_runs_on_cgroup_v2() {
        for fabric in [V1_4, V2_5] {
            let dind = lookup(fabric, Dind).unwrap();
            let version: Vec<u32> = dind
                .tag
                .split(['.', '-'])
                .take(3)
                .map(|p| p.parse().unwrap())
                .collect();
            assert!(version >= vec![20, 10, 16], "{}", dind.tag);
        }
    }

    #[test]
    fn fabric_14_is_amd64_only() {
        for e in TABLE.iter().filter(|e| e.fabric == V1_4 && e.role != Dind) {
            assert_eq!(e.architectures, AMD64, "{e:?}");
        }
        assert_eq!(find("hyperledger/fabric-peer:2.5.14").unwrap().fabric, V2_5);
    }
}
