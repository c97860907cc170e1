//! Container images for the real-node tests, made without a registry (none is reachable here):
//! each is a root filesystem `docker import`ed into a private Docker daemon, or built by that
//! daemon from the project's own Dockerfile on top of one.
//!
//! - [`PAUSE`]: the pod sandbox, the Kubernetes source tree's `build/pause/linux/pause.c`
//!   compiled with `gcc -static` by `scripts/kube-control-plane` (it handles SIGTERM, as a
//!   sandbox's PID 1 must; busybox `sleep` does not);
//! - [`DEBIAN`]: Debian bookworm from `debootstrap --variant=minbase` with ca-certificates,
//!   cached as a tar by `scripts/node-rootfs` (run here when the tar is missing);
//! - [`BUSYBOX`]: Debian's `busybox-static` and its applet links;
//! - [`DNSMASQ`]: the host's dnsmasq, the libraries `ldd` lists and a passwd file;
//! - [`ZOOKEEPER`]: Debian's `zookeeper` package (3.8, with its JRE) in a debootstrap root
//!   filesystem (`scripts/node-rootfs zookeeper`), started the way `hyperledger/fabric-zookeeper`
//!   starts: `ZOO_MY_ID` and the space-separated `ZOO_SERVERS` make `myid` and `zoo.cfg`
//!   (fabric-baseimage's images/zookeeper/docker-entrypoint.sh), client port 2181, data in
//!   `/data` and `/datalog`, every four-letter word allowed — it stands in for the reference
//!   network's ZooKeeper image through the network spec's `images.zookeeper`;
//! - [`KAFKA`]: [`DEBIAN`] with `examples/kafka-standin` (built by `cargo test`, or
//!   `cargo build --examples`), a Kafka wire-protocol broker configured from the
//!   `hyperledger/fabric-kafka` environment the reference network's Kafka StatefulSets set, and
//!   told the cluster's four brokers and its channels by the image's environment;
//! - [`FABRIC_NODE`]: [`DEBIAN`] with `examples/standin-node` — a stand-in for Fabric's peer,
//!   orderer, CA and tools images (and the peer's dind sidecar), not Fabric: its entrypoint
//!   maps the Fabric environment the manifests give the pod (`CORE_PEER_TLS_CERT_FILE`/
//!   `KEY_FILE`, `CORE_PEER_LISTENADDRESS`, `CORE_OPERATIONS_LISTENADDRESS`,
//!   `ORDERER_GENERAL_TLS_*`, `ORDERER_GENERAL_LISTEN*`, `ORDERER_OPERATIONS_LISTENADDRESS`, the
//!   client-auth variables) to standin-node's flags, so each pod serves its own node's TLS
//!   certificate, gRPC with the health service, the operations endpoint and a stand-in ledger;
//!   `fabric-ca-server start` serves `/cainfo` on the CA's TLS port; `configtxgen` and `peer`
//!   are the stand-in tools the genesis and channel Jobs run (tests/support/standin_fabric.rs);
//!   started as `dockerd …` (the dind sidecar) it only waits for SIGTERM;
//! - [`DIND`]: [`DEBIAN`] with the host's Docker daemon (Debian's `docker.io`: dockerd,
//!   containerd, runc, the docker CLI), iptables and their libraries — a real Docker daemon in
//!   the peer pod's privileged sidecar, where the peer's chaincode (and fabcheck's probe
//!   container) runs — preloaded with [`BASEOS_1_4`], a glibc root filesystem holding `getent`
//!   and the stand-in chaincode (`examples/standin-node` as `/usr/local/bin/chaincode`, see
//!   tests/support/standin_chaincode.rs); Fabric 1.4's baseos is Ubuntu-based, so the
//!   chaincode's resolver is glibc's there too;
//! - [`PROBE`]: fabcheck's image from the repository's `Dockerfile`, target `prebuilt` on
//!   [`DEBIAN`], fed the fabcheck binary cargo built — the image `--probe-image` names.
//!
//! Every image is used with `imagePullPolicy: Never` or `IfNotPresent`.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

pub const PAUSE: &str = "fabcheck-test/pause:3.4.1";
pub const DEBIAN: &str = "fabcheck-test/debian:bookworm";
pub const BUSYBOX: &str = "fabcheck-test/busybox:1.35";
pub const DNSMASQ: &str = "fabcheck-test/dnsmasq:2.89";
pub const PROBE: &str = "fabcheck-test/fabcheck:dev";
pub const ZOOKEEPER: &str = "fabcheck-test/zookeeper:3.8";
pub const KAFKA: &str = "fabcheck-test/kafka-standin:1.0";
pub const FABRIC_NODE: &str = "fabcheck-test/fabric-node-standin:1.0";
pub const DIND: &str = "fabcheck-test/dind:20.10";

/// The chaincode runtime image [`DIND`] holds: Fabric 1.4's default Go chaincode runtime,
/// `chaincode.golang.runtime` = `$(BASE_DOCKER_NS)/fabric-baseos:$(ARCH)-$(BASE_VERSION)`,
/// 0.4.22 for 1.4.12 (core.yaml; src/inventory/dns/stub.rs), which the peer's daemon has once
/// the peer has built and started chaincode.
pub const BASEOS_1_4: &str = "hyperledger/fabric-baseos:0.4.22";

/// [`DIND`]'s entrypoint: the Docker daemon the peer's sidecar runs, with the arguments the
/// manifest gives it, started the way the `docker:dind` image's dockerd-entrypoint.sh starts it
/// (`dockerd` first, exec'd). A second listener on a private socket lets the entrypoint import
/// the preloaded runtime image once the daemon answers; nothing else differs from the
/// manifest's command.
const DIND_ENTRYPOINT: &str = r#"#!/bin/sh
# Stand-in for docker:dind (fabcheck tests): Debian's dockerd, NOT Docker's image.
set -eu
if [ "${1:-}" != dockerd ]; then exec "$@"; fi
shift
sock=/run/fabcheck-standin-docker.sock
(
  i=0
  while [ ! -S "$sock" ] && [ "$i" -lt 300 ]; do sleep 0.2; i=$((i+1)); done
  for tar in /images/*.tar; do
    name=$(cat "${tar%.tar}.name")
    docker -H "unix://$sock" import --message "fabcheck stand-in" "$tar" "$name" >/dev/null       && echo "fabcheck dind stand-in: imported $name" || echo "fabcheck dind stand-in: failed to import $name" >&2
  done
) &
exec /usr/sbin/dockerd --host="unix://$sock" "$@"
"#;

/// [`FABRIC_NODE`]'s entrypoint: Fabric's environment → standin-node's flags. Fabric reads the
/// same variables (core.yaml / orderer.yaml through viper's env binding, `CORE_`/`ORDERER_`
/// prefixes); the TLS client-root lists are Fabric's `[a,b]` / space-separated forms, of which
/// the stand-in takes the first.
const FABRIC_NODE_ENTRYPOINT: &str = r#"#!/bin/sh
# Stand-in for a Fabric peer/orderer image (fabcheck tests), NOT Fabric.
set -eu
if [ "${1:-}" = dockerd ]; then
  # The peer pod's dind sidecar: nothing to run chaincode with here; stop on SIGTERM.
  trap 'exit 0' TERM INT
  sleep infinity & wait
  exit 0
fi
first() { printf '%s' "$1" | tr -d '[]' | tr ', ' '

' | sed -n '/./{p;q}'; }
if [ -n "${ORDERER_GENERAL_TLS_CERTIFICATE:-}" ]; then
  # orderer.yaml General.GenesisMethod file: the orderer panics without its genesis block.
  if [ "${ORDERER_GENERAL_GENESISMETHOD:-provisional}" = file ] && [ ! -f "${ORDERER_GENERAL_GENESISFILE:-}" ]; then
    echo "panic: Unable to bootstrap orderer. Error reading genesis block file: open ${ORDERER_GENERAL_GENESISFILE:-}: no such file or directory" >&2
    exit 1
  fi
  set -- --ledger orderer --ledger-dir "${ORDERER_FILELEDGER_LOCATION:-/var/hyperledger/production/orderer}" \
    --cert "$ORDERER_GENERAL_TLS_CERTIFICATE" --key "$ORDERER_GENERAL_TLS_PRIVATEKEY"     --grpc "${ORDERER_GENERAL_LISTENADDRESS:-0.0.0.0}:${ORDERER_GENERAL_LISTENPORT:-7050}"     --operations "${ORDERER_OPERATIONS_LISTENADDRESS:-0.0.0.0:8443}"
  if [ "${ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED:-false}" = true ]; then
    set -- "$@" --client-auth-required --client-ca "$(first "${ORDERER_GENERAL_TLS_CLIENTROOTCAS:-}")"
  fi
else
  msp=${CORE_PEER_MSPCONFIGPATH:-/etc/hyperledger/fabric/msp}
  if [ ! -d "$msp/signcerts" ]; then
    echo "Fatal error when initializing core config : error when setting up MSP of type bccsp from directory $msp: could not load a valid signer certificate from directory $msp/signcerts" >&2
    exit 1
  fi
  set -- --ledger peer --ledger-dir "${CORE_PEER_FILESYSTEMPATH:-/var/hyperledger/production}" \
    --cert "$CORE_PEER_TLS_CERT_FILE" --key "$CORE_PEER_TLS_KEY_FILE"     --grpc "${CORE_PEER_LISTENADDRESS:-0.0.0.0:7051}"     --operations "${CORE_OPERATIONS_LISTENADDRESS:-0.0.0.0:9443}"
  if [ "${CORE_PEER_TLS_CLIENTAUTHREQUIRED:-false}" = true ]; then
    set -- "$@" --client-auth-required --client-ca "$(first "${CORE_PEER_TLS_CLIENTROOTCAS_FILES:-}")"
  fi
fi
exec /usr/local/bin/standin-node "$@"
"#;

/// `fabric-ca-server start -b USER:PASS` in [`FABRIC_NODE`]: fabric-ca's environment
/// (`FABRIC_CA_SERVER_*`, the same names fabric-ca's viper binding reads) → a standin-node
/// serving `/cainfo` over the CA's TLS certificate on the CA's port.
const FABRIC_CA_SERVER: &str = r#"#!/bin/sh
# Stand-in for fabric-ca-server (fabcheck tests), NOT fabric-ca.
set -eu
[ "${1:-}" = start ] || { echo "Error: the stand-in fabric-ca-server only starts" >&2; exit 1; }
shift
boot=
while [ $# -gt 0 ]; do case "$1" in -b) boot=${2:-}; shift 2 ;; *) shift ;; esac; done
case "$boot" in
  ?*:?*) ;;
  *) echo "Error: The '-b user:pass' option is required" >&2; exit 1 ;;
esac
set -- --grpc off --no-metrics --operations "0.0.0.0:${FABRIC_CA_SERVER_PORT:-7054}"   --cainfo "${FABRIC_CA_SERVER_CA_NAME:-ca}=${FABRIC_CA_SERVER_CA_CERTFILE:?}"
if [ "${FABRIC_CA_SERVER_TLS_ENABLED:-false}" = true ]; then
  set -- "$@" --operations-tls --cert "${FABRIC_CA_SERVER_TLS_CERTFILE:?}" --key "${FABRIC_CA_SERVER_TLS_KEYFILE:?}"
else
  set -- "$@" --cert "${FABRIC_CA_SERVER_CA_CERTFILE}" --key "${FABRIC_CA_SERVER_CA_KEYFILE:?}"
fi
exec /usr/local/bin/standin-node "$@"
"#;

/// The ZooKeeper image's entrypoint (see [`ZOOKEEPER`]).
const ZOOKEEPER_ENTRYPOINT: &str = r#"#!/bin/bash
# ZOO_MY_ID and ZOO_SERVERS as hyperledger/fabric-zookeeper reads them.
set -e
mkdir -p /data /datalog /conf
echo "${ZOO_MY_ID:-1}" > /data/myid
{
  echo "tickTime=${ZOO_TICK_TIME:-2000}"
  echo "initLimit=${ZOO_INIT_LIMIT:-10}"
  echo "syncLimit=${ZOO_SYNC_LIMIT:-5}"
  echo "dataDir=/data"
  echo "dataLogDir=/datalog"
  echo "clientPort=${ZOO_PORT:-2181}"
  echo "4lw.commands.whitelist=*"
  echo "admin.enableServer=false"
  echo "quorumListenOnAllIPs=true"
  for server in $ZOO_SERVERS; do echo "$server"; done
} > /conf/zoo.cfg
cp=/usr/share/java/zookeeper.jar
[ -f /usr/share/java/slf4j-simple.jar ] && cp=$cp:/usr/share/java/slf4j-simple.jar
exec java -Xms32m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
  -Djava.net.preferIPv4Stack=true -cp "$cp" \
  org.apache.zookeeper.server.quorum.QuorumPeerMain /conf/zoo.cfg
"#;

const CLIS: &[&str] = &["/usr/bin/docker", "/usr/local/bin/docker"];

/// Bound on one docker command (an import of the Debian tar takes a few seconds).
const DOCKER_WITHIN: Duration = Duration::from_secs(300);

/// The docker CLI against one daemon, with no user configuration from the host.
pub struct Cli {
    program: PathBuf,
    endpoint: String,
    scratch: PathBuf,
}

impl Cli {
    /// The CLI for the daemon at `endpoint` (`unix:///…`); `scratch` holds its config and
    /// the images' build folders.
    pub fn new(endpoint: &str, scratch: &Path) -> Cli {
        let program = CLIS
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .unwrap_or_else(|| {
                panic!("no docker CLI (none of {CLIS:?}): apt-get install -y docker.io")
            });
        fs::create_dir_all(scratch).expect("scratch folder");
        Cli {
            program,
            endpoint: endpoint.to_owned(),
            scratch: scratch.to_path_buf(),
        }
    }

    /// Runs `docker ARGS`, panicking with its output when it fails or outlives its bound.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "docker {args:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `docker ARGS` to the end (bounded), whatever its exit status.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(&self.program);
        cmd.env("DOCKER_HOST", &self.endpoint)
            .env("DOCKER_CONFIG", self.scratch.join("cli"))
            // The classic builder: the daemon's BuildKit would want to resolve images remotely.
            .env("DOCKER_BUILDKIT", "0")
            .args(args);
        crate::bounded::try_run_bounded(cmd, DOCKER_WITHIN)
            .unwrap_or_else(|e| panic!("docker {args:?}: {e}"))
    }

    fn has_image(&self, name: &str) -> bool {
        self.run(&["image", "inspect", name]).status.success()
    }

    /// Tars `root` and imports it as `name`, with Dockerfile-style `changes`.
    pub fn import_dir(&self, root: &Path, name: &str, changes: &[&str]) {
        let tarball = root.with_extension("tar");
        let tar = Command::new("tar")
            .arg("-C")
            .arg(root)
            .args(["--numeric-owner", "-cf"])
            .arg(&tarball)
            .arg(".")
            .output()
            .expect("tar runs");
        assert!(
            tar.status.success(),
            "tar: {}",
            String::from_utf8_lossy(&tar.stderr)
        );
        self.import_tar(&tarball, name, changes);
        let _ = fs::remove_file(&tarball);
    }

    fn import_tar(&self, tarball: &Path, name: &str, changes: &[&str]) {
        let mut args: Vec<String> = vec!["import".into()];
        for c in changes {
            args.push("--change".into());
            args.push((*c).to_owned());
        }
        args.push(tarball.display().to_string());
        args.push(name.to_owned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.ok(&args);
    }

    fn fresh_dir(&self, name: &str) -> PathBuf {
        let dir = self.scratch.join(name);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("image folder");
        dir
    }

    /// [`PAUSE`], from the binary `scripts/kube-control-plane` built into `kube_bin`.
    pub fn pause(&self, kube_bin: &Path) {
        if self.has_image(PAUSE) {
            return;
        }
        let pause = kube_bin.join("pause");
        assert!(
            pause.is_file(),
            "{} missing: run scripts/kube-control-plane (scripts/test does)",
            pause.display()
        );
        let root = self.fresh_dir("pause");
        fs::copy(&pause, root.join("pause")).expect("copy pause");
        self.import_dir(&root, PAUSE, &["ENTRYPOINT [\"/pause\"]"]);
    }

    /// [`DEBIAN`], from the cached debootstrap tar.
    pub fn debian(&self) {
        if self.has_image(DEBIAN) {
            return;
        }
        let tar = debian_rootfs_tar();
        self.import_tar(
            &tar,
            DEBIAN,
            &[
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "CMD [\"bash\"]",
            ],
        );
    }

    /// [`BUSYBOX`]: the static busybox and a link per applet.
    pub fn busybox(&self) {
        if self.has_image(BUSYBOX) {
            return;
        }
        let busybox = Path::new("/bin/busybox");
        assert!(
            busybox.is_file(),
            "/bin/busybox missing: apt-get install -y busybox-static"
        );
        let root = self.fresh_dir("busybox");
        fs::create_dir_all(root.join("bin")).expect("bin");
        fs::copy(busybox, root.join("bin/busybox")).expect("copy busybox");
        let list = Command::new(busybox)
            .arg("--list")
            .output()
            .expect("busybox runs");
        for applet in String::from_utf8_lossy(&list.stdout).split_whitespace() {
            if applet != "busybox" {
                let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(applet));
            }
        }
        for d in ["tmp", "etc"] {
            fs::create_dir_all(root.join(d)).expect("dir");
        }
        fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").expect("passwd");
        fs::write(root.join("etc/group"), "root:x:0:\n").expect("group");
        self.import_dir(&root, BUSYBOX, &["ENV PATH=/bin", "CMD [\"sh\"]"]);
    }

    /// [`DNSMASQ`]: `/usr/sbin/dnsmasq`, its libraries, and root in passwd/group (dnsmasq
    /// looks its `--user` up).
    pub fn dnsmasq(&self) {
        if self.has_image(DNSMASQ) {
            return;
        }
        let dnsmasq = Path::new("/usr/sbin/dnsmasq");
        assert!(
            dnsmasq.is_file(),
            "/usr/sbin/dnsmasq missing: apt-get install -y dnsmasq-base"
        );
        let root = self.fresh_dir("dnsmasq");
        copy_with_libraries(dnsmasq, &root);
        fs::create_dir_all(root.join("etc")).expect("etc");
        fs::write(
            root.join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/false\n",
        )
        .expect("passwd");
        fs::write(root.join("etc/group"), "root:x:0:\n").expect("group");
        self.import_dir(&root, DNSMASQ, &["ENTRYPOINT [\"/usr/sbin/dnsmasq\"]"]);
    }

    /// [`ZOOKEEPER`]: the root filesystem imported, then the entrypoint added by a build.
    pub fn zookeeper(&self) {
        if self.has_image(ZOOKEEPER) {
            return;
        }
        let rootfs = "fabcheck-test/zookeeper-rootfs:3.8";
        if !self.has_image(rootfs) {
            self.import_tar(&rootfs_tar("zookeeper"), rootfs, &[]);
        }
        let context = self.fresh_dir("zookeeper-context");
        fs::write(context.join("entrypoint"), ZOOKEEPER_ENTRYPOINT).expect("entrypoint");
        fs::write(
            context.join("Dockerfile"),
            format!(
                "FROM {rootfs}\n\
                 ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n\
                 COPY entrypoint /usr/local/bin/zookeeper-entrypoint\n\
                 RUN chmod 0755 /usr/local/bin/zookeeper-entrypoint\n\
                 EXPOSE 2181 2888 3888\n\
                 ENTRYPOINT [\"/usr/local/bin/zookeeper-entrypoint\"]\n"
            ),
        )
        .expect("Dockerfile");
        self.ok(&[
            "build",
            "--quiet",
            "--tag",
            ZOOKEEPER,
            context.to_str().expect("utf-8 path"),
        ]);
        let _ = fs::remove_dir_all(&context);
    }

    /// [`KAFKA`], from the example binary next to `fabcheck` (`target/…/examples/`).
    pub fn kafka(&self, fabcheck: &Path) {
        if self.has_image(KAFKA) {
            return;
        }
        self.debian();
        let binary = fabcheck
            .parent()
            .expect("target folder")
            .join("examples/kafka-standin");
        assert!(
            binary.is_file(),
            "{} missing: `cargo test` builds the examples (or `cargo build --examples`)",
            binary.display()
        );
        let context = self.fresh_dir("kafka-context");
        fs::copy(&binary, context.join("kafka-standin")).expect("copy kafka-standin");
        let brokers: Vec<String> = (0..4).map(|i| format!("{i}=kafka{i}.kafka:9092")).collect();
        fs::write(
            context.join("Dockerfile"),
            format!(
                "FROM {DEBIAN}\n\
                 COPY kafka-standin /usr/local/bin/kafka-standin\n\
                 ENV FABCHECK_KAFKA_BROKERS={brokers}\n\
                 ENV FABCHECK_KAFKA_CHANNELS=testchainid,mychannel\n\
                 EXPOSE 9092\n\
                 ENTRYPOINT [\"/usr/local/bin/kafka-standin\"]\n",
                brokers = brokers.join(",")
            ),
        )
        .expect("Dockerfile");
        self.ok(&[
            "build",
            "--quiet",
            "--tag",
            KAFKA,
            context.to_str().expect("utf-8 path"),
        ]);
        let _ = fs::remove_dir_all(&context);
    }

    /// [`FABRIC_NODE`], from the example binary next to `fabcheck` (`target/…/examples/`).
    pub fn fabric_node(&self, fabcheck: &Path) {
        if self.has_image(FABRIC_NODE) {
            return;
        }
        self.debian();
        let binary = fabcheck
            .parent()
            .expect("target folder")
            .join("examples/standin-node");
        assert!(
            binary.is_file(),
            "{} missing: `cargo build --examples` builds it",
            binary.display()
        );
        let context = self.fresh_dir("fabric-node-context");
        fs::copy(&binary, context.join("standin-node")).expect("copy standin-node");
        fs::write(context.join("entrypoint"), FABRIC_NODE_ENTRYPOINT).expect("entrypoint");
        fs::write(context.join("fabric-ca-server"), FABRIC_CA_SERVER).expect("CA script");
        fs::write(
            context.join("Dockerfile"),
            format!(
                "FROM {DEBIAN}\n\
                 COPY standin-node /usr/local/bin/standin-node\n\
                 COPY entrypoint /usr/local/bin/fabric-node-standin\n\
                 COPY fabric-ca-server /usr/local/bin/fabric-ca-server\n\
                 RUN chmod 0755 /usr/local/bin/fabric-node-standin /usr/local/bin/fabric-ca-server \
                 && ln -s standin-node /usr/local/bin/peer \
                 && ln -s standin-node /usr/local/bin/configtxgen\n\
                 LABEL io.fabcheck.standin=\"Fabric peer/orderer stand-in for tests, not Fabric\"\n\
                 ENTRYPOINT [\"/usr/local/bin/fabric-node-standin\"]\n"
            ),
        )
        .expect("Dockerfile");
        self.ok(&[
            "build",
            "--quiet",
            "--tag",
            FABRIC_NODE,
            context.to_str().expect("utf-8 path"),
        ]);
        let _ = fs::remove_dir_all(&context);
    }

    /// [`DIND`], from the host's Docker packages and the example binary next to `fabcheck`.
    pub fn dind(&self, fabcheck: &Path) {
        if self.has_image(DIND) {
            return;
        }
        self.debian();
        let standin = fabcheck
            .parent()
            .expect("target folder")
            .join("examples/standin-node");
        assert!(
            standin.is_file(),
            "{} missing: `cargo build --examples` builds it",
            standin.display()
        );
        let context = self.fresh_dir("dind-context");
        let root = context.join("root");
        for program in [
            "/usr/sbin/dockerd",
            "/usr/bin/containerd",
            "/usr/bin/containerd-shim-runc-v2",
            "/usr/sbin/runc",
            "/usr/bin/docker",
            "/usr/sbin/docker-proxy",
            "/usr/sbin/xtables-nft-multi",
        ] {
            copy_with_libraries(Path::new(program), &root);
        }
        // iptables' extensions are loaded at run time, not linked.
        let xtables = Path::new("/usr/lib/x86_64-linux-gnu/xtables");
        for entry in fs::read_dir(xtables).expect("iptables' extensions") {
            let path = entry.expect("entry").path();
            copy_with_libraries(&path, &root);
        }
        // The preloaded runtime image: getent, the stand-in chaincode (standin-node called as
        // `chaincode`, where Fabric's built image has the chaincode binary), the libraries they
        // load and the files glibc's resolver reads.
        let baseos = context.join("baseos");
        copy_with_libraries(Path::new("/usr/bin/getent"), &baseos);
        copy_with_libraries(&standin, &baseos);
        let shim = baseos.join("usr/local/bin/chaincode");
        fs::create_dir_all(shim.parent().expect("bin")).expect("bin");
        fs::rename(
            baseos.join(standin.strip_prefix("/").expect("absolute")),
            &shim,
        )
        .expect("chaincode binary");
        fs::create_dir_all(baseos.join("etc")).expect("etc");
        fs::write(baseos.join("etc/nsswitch.conf"), "hosts: files dns\n").expect("nsswitch");
        fs::write(baseos.join("etc/hosts"), "127.0.0.1 localhost\n").expect("hosts");
        fs::create_dir_all(root.join("images")).expect("images");
        let tar = Command::new("tar")
            .arg("-C")
            .arg(&baseos)
            .arg("-cf")
            .arg(root.join("images/baseos.tar"))
            .arg(".")
            .status()
            .expect("tar runs");
        assert!(tar.success(), "tar of the baseos stand-in: {tar}");
        fs::write(root.join("images/baseos.name"), BASEOS_1_4).expect("image name");
        fs::write(context.join("entrypoint"), DIND_ENTRYPOINT).expect("entrypoint");
        fs::write(
            context.join("Dockerfile"),
            format!(
                "FROM {DEBIAN}\n\
                 COPY root/ /\n\
                 COPY entrypoint /usr/local/bin/dockerd-entrypoint.sh\n\
                 RUN chmod 0755 /usr/local/bin/dockerd-entrypoint.sh \\\n\
                 && ln -sf xtables-nft-multi /usr/sbin/iptables \\\n\
                 && ln -sf xtables-nft-multi /usr/sbin/iptables-save \\\n\
                 && ln -sf xtables-nft-multi /usr/sbin/iptables-restore \\\n\
                 && ln -sf xtables-nft-multi /usr/sbin/ip6tables \\\n\
                 && ln -sf runc /usr/sbin/docker-runc\n\
                 LABEL io.fabcheck.standin=\"docker:dind stand-in for tests: Debian's dockerd\"\n\
                 ENTRYPOINT [\"/usr/local/bin/dockerd-entrypoint.sh\"]\n"
            ),
        )
        .expect("Dockerfile");
        self.ok(&[
            "build",
            "--quiet",
            "--tag",
            DIND,
            context.to_str().expect("utf-8 path"),
        ]);
        let _ = fs::remove_dir_all(&context);
    }

    /// [`PROBE`] (or `tag`): the repository's Dockerfile, target `prebuilt`, on [`DEBIAN`] with
    /// nothing to install, the build context a folder holding only `binary` as `fabcheck`.
    pub fn probe_from_dockerfile(&self, binary: &Path, tag: &str) {
        self.debian();
        let context = self.fresh_dir("probe-context");
        fs::copy(binary, context.join("fabcheck")).expect("copy the fabcheck binary");
        let dockerfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile");
        self.ok(&[
            "build",
            "--quiet",
            "--file",
            dockerfile.to_str().expect("utf-8 path"),
            "--target",
            "prebuilt",
            "--build-arg",
            &format!("BASE_IMAGE={DEBIAN}"),
            "--build-arg",
            "APT_PACKAGES=",
            "--tag",
            tag,
            context.to_str().expect("utf-8 path"),
        ]);
        let _ = fs::remove_dir_all(&context);
    }
}

/// The cached Debian root filesystem tar, made by `scripts/node-rootfs` when missing.
pub fn debian_rootfs_tar() -> PathBuf {
    rootfs_tar("base")
}

/// The cached root filesystem tar of `variant` (`base`, `zookeeper`), made by
/// `scripts/node-rootfs` when missing.
pub fn rootfs_tar(variant: &str) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/node-rootfs");
    let mut cmd = Command::new(&script);
    cmd.arg(variant);
    let out = crate::bounded::try_run_bounded(cmd, Duration::from_secs(900))
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed ({}): debootstrap needs a Debian mirror the first time",
        script.display(),
        out.status
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let path = PathBuf::from(text.lines().last().unwrap_or("").trim());
    assert!(path.is_file(), "scripts/node-rootfs printed {text:?}");
    path
}

/// Copies `program` and every library `ldd` lists for it into `root` at the same paths.
pub fn copy_with_libraries(program: &Path, root: &Path) {
    let ldd = Command::new("ldd").arg(program).output().expect("ldd runs");
    let mut files = vec![program.to_path_buf()];
    for line in String::from_utf8_lossy(&ldd.stdout).lines() {
        // `libc.so.6 => /lib/…/libc.so.6 (0x…)` or `/lib64/ld-linux-x86-64.so.2 (0x…)`.
        let path = line
            .split_once("=>")
            .map_or(line, |(_, p)| p)
            .split_whitespace()
            .next()
            .unwrap_or("");
        if path.starts_with('/') {
            files.push(PathBuf::from(path));
        }
    }
    for file in &files {
        let target = root.join(file.strip_prefix("/").expect("absolute"));
        fs::create_dir_all(target.parent().expect("parent")).expect("image dir");
        // fs::copy follows symlinks: the image gets the files themselves.
        fs::copy(file, &target).unwrap_or_else(|e| panic!("copying {}: {e}", file.display()));
    }
}
