//! Writes a Kubernetes Fabric network whose chaincode resolver contexts make a known number of
//! DNS queries, the zone that answers them, and what a glibc loop needs to make the same
//! queries: the input of `bench/dns.sh`.
//!
//! Usage: `cargo run --release --example gen-dns-bench -- DIR [ORGS] [PEERS] [ORGS_PER_FILE]`
//! (defaults: 100 orgs × 10 peers = 1,000 peers, 10 orgs per manifest file).
//!
//! ```text
//! DIR/artifacts/kube-dns.yaml                the cluster DNS Service (10.96.0.10)
//! DIR/artifacts/orgs-<k>.yaml                ORGS_PER_FILE orgs: per peer a Deployment and a Service
//! DIR/artifacts/node/etc/default/docker      the Docker daemon's DNS options (DOCKER_OPTS)
//! DIR/zone.hosts                             `IP NAME` per Service, for dnsmasq --addn-hosts
//! DIR/resolv.conf                            the same settings as DOCKER_OPTS, for glibc
//! DIR/names.txt                              every name a chaincode container looks up, one a line
//! DIR/expected.txt                           names, queries, resolved, unresolved (key value lines)
//! ```
//!
//! Peer `m` of org `n` is the Deployment and Service `org<n>-peer<m>` in namespace `org<n>`,
//! with `CORE_PEER_ADDRESS=org<n>-peer<m>.org<n>:7051` and
//! `CORE_PEER_CHAINCODEADDRESS=org<n>-peer<m>:7052`, and `docker.sock` mounted, so chaincode is
//! a Docker container resolving with the daemon's options. fabcheck gives each peer two names:
//! the chaincode address `org<n>-peer<m>` and, because that is a Service of the peer's
//! namespace, `org<n>-peer<m>.org<n>`. Names are unique across the network, so no two lookups
//! share a query.
//!
//! The daemon's options: nameserver 10.96.0.10, search list
//! `eu-west-1.compute.internal corp.example.com default.svc.cluster.local svc.cluster.local
//! cluster.local`, `ndots:2 timeout:2 attempts:2`. The zone holds only
//! `org<n>-peer<m>.org<n>.svc.cluster.local` (and kube-dns); the server answers every other
//! name NXDOMAIN. glibc's candidate order then gives, per peer:
//!
//! - `org<n>-peer<m>.org<n>` (one dot, under ndots): the first three search domains NXDOMAIN,
//!   the fourth (`svc.cluster.local`) answers: **4 queries, resolved**;
//! - `org<n>-peer<m>` (no dot): all five search domains and the name itself NXDOMAIN:
//!   **6 queries, not resolved** (the short name a Docker-launched chaincode cannot resolve).
//!
//! So 10 A queries per peer: 1,000 peers make 10,000 queries for 2,000 names, 1,000 of which
//! resolve.

#[path = "support/args.rs"]
mod args;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

const DEFAULT_ORGS: usize = 100;
const DEFAULT_PEERS: usize = 10;
const DEFAULT_ORGS_PER_FILE: usize = 10;

const CLUSTER_DNS: &str = "10.96.0.10";
const SEARCH: [&str; 5] = [
    "eu-west-1.compute.internal",
    "corp.example.com",
    "default.svc.cluster.local",
    "svc.cluster.local",
    "cluster.local",
];
const NDOTS: usize = 2;
const TIMEOUT: u8 = 2;
const ATTEMPTS: u8 = 2;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-dns-bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args =
        args::Positional::from_env("usage: gen-dns-bench DIR [ORGS] [PEERS] [ORGS_PER_FILE]");
    let dir = args.dir()?;
    let orgs = args.count(1, DEFAULT_ORGS, "ORGS")?;
    let peers = args.count(2, DEFAULT_PEERS, "PEERS")?;
    let per_file = args.count(3, DEFAULT_ORGS_PER_FILE, "ORGS_PER_FILE")?;
    if orgs * peers > 250 * 250 {
        return Err(format!(
            "{} peers is more than the 62,500 addresses the zone numbers",
            orgs * peers
        ));
    }

    let artifacts = dir.join("artifacts");
    write(&artifacts.join("kube-dns.yaml"), KUBE_DNS)?;
    let search_flags: String = SEARCH
        .iter()
        .map(|d| format!(" --dns-search {d}"))
        .collect();
    write(
        &artifacts.join("node/etc/default/docker"),
        &format!(
            "# Docker daemon options on every node: the cluster DNS, the node's and the cluster's\n\
             # search domains, and ndots/timeout/attempts tuned for chaincode.\n\
             DOCKER_OPTS=\"--dns={CLUSTER_DNS}{search_flags} --dns-opt ndots:{NDOTS} \
             --dns-opt timeout:{TIMEOUT} --dns-opt attempts:{ATTEMPTS}\"\n"
        ),
    )?;

    let mut zone = format!("{CLUSTER_DNS} kube-dns.kube-system.svc.cluster.local\n");
    let mut names = String::new();
    let (mut queries, mut resolved, mut unresolved) = (0usize, 0usize, 0usize);
    let mut index = 0usize;
    for first in (1..=orgs).step_by(per_file) {
        let last = (first + per_file - 1).min(orgs);
        let mut yaml = format!("# Orgs {first} to {last}: {peers} peers each.\n");
        for org in first..=last {
            let ns = format!("org{org}");
            for peer in 0..peers {
                let svc = format!("{ns}-peer{peer}");
                let ip = format!("10.100.{}.{}", index / 250, index % 250 + 1);
                index += 1;
                yaml.push_str(&peer_yaml(&svc, &ns));
                writeln!(zone, "{ip} {svc}.{ns}.svc.cluster.local").unwrap();
                // The order fabcheck gives them: the chaincode address, then `<svc>.<namespace>`.
                for name in [svc.clone(), format!("{svc}.{ns}")] {
                    let (asked, found) = glibc_queries(&name, &zone_has(&svc, &ns));
                    queries += asked;
                    if found {
                        resolved += 1;
                    } else {
                        unresolved += 1;
                    }
                    writeln!(names, "{name}").unwrap();
                }
            }
        }
        write(&artifacts.join(format!("orgs-{first:03}.yaml")), &yaml)?;
    }
    write(&dir.join("zone.hosts"), &zone)?;
    write(&dir.join("names.txt"), &names)?;
    write(
        &dir.join("resolv.conf"),
        &format!(
            "# The chaincode containers' resolver (node/etc/default/docker), served on 127.0.0.1:53.\n\
             nameserver 127.0.0.1\nsearch {}\noptions ndots:{NDOTS} timeout:{TIMEOUT} attempts:{ATTEMPTS}\n",
            SEARCH.join(" ")
        ),
    )?;
    write(
        &dir.join("expected.txt"),
        &format!(
            "peers {}\nnames {}\nqueries {queries}\nresolved {resolved}\nunresolved {unresolved}\n",
            orgs * peers,
            resolved + unresolved
        ),
    )?;
    println!(
        "{} peers ({orgs} orgs x {peers}): {} names, {queries} queries, {resolved} resolve, \
         {unresolved} do not; in {}",
        orgs * peers,
        resolved + unresolved,
        dir.display()
    );
    Ok(())
}

/// The one name of the zone a peer's lookups can find.
fn zone_has(svc: &str, ns: &str) -> String {
    format!("{svc}.{ns}.svc.cluster.local")
}

/// How many A queries glibc's res_search makes for `name` with [`SEARCH`] and [`NDOTS`] when
/// only `known` exists (every other name NXDOMAIN), and whether it resolves.
fn glibc_queries(name: &str, known: &str) -> (usize, bool) {
    let searched = SEARCH.iter().map(|d| format!("{name}.{d}"));
    let candidates: Vec<String> = if name.matches('.').count() >= NDOTS {
        std::iter::once(name.to_owned()).chain(searched).collect()
    } else {
        searched.chain(std::iter::once(name.to_owned())).collect()
    };
    match candidates.iter().position(|c| c == known) {
        Some(i) => (i + 1, true),
        None => (candidates.len(), false),
    }
}

fn peer_yaml(svc: &str, ns: &str) -> String {
    format!(
        r#"---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {svc}
  namespace: {ns}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {svc}
  template:
    metadata:
      labels:
        app: {svc}
    spec:
      containers:
        - name: peer
          image: hyperledger/fabric-peer:1.4.12
          command: ["peer", "node", "start"]
          env:
            - name: CORE_PEER_ID
              value: {svc}
            - name: CORE_PEER_ADDRESS
              value: {svc}.{ns}:7051
            - name: CORE_PEER_CHAINCODEADDRESS
              value: {svc}:7052
            - name: CORE_PEER_CHAINCODELISTENADDRESS
              value: 0.0.0.0:7052
            - name: CORE_VM_ENDPOINT
              value: unix:///host/var/run/docker.sock
            - name: CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE
              value: bridge
          volumeMounts:
            - name: docker-sock
              mountPath: /host/var/run/docker.sock
      volumes:
        - name: docker-sock
          hostPath:
            path: /var/run/docker.sock
---
apiVersion: v1
kind: Service
metadata:
  name: {svc}
  namespace: {ns}
spec:
  selector:
    app: {svc}
  ports:
    - name: grpc
      port: 7051
    - name: chaincode
      port: 7052
"#
    )
}

const KUBE_DNS: &str = r#"# The cluster DNS Service, as kubeadm creates it (CoreDNS behind the kube-dns name).
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
spec:
  clusterIP: 10.96.0.10
  selector:
    k8s-app: kube-dns
  ports:
    - name: dns
      port: 53
      protocol: UDP
    - name: dns-tcp
      port: 53
      protocol: TCP
"#;

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
