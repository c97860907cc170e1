//! A real Docker daemon for tests: Debian's `dockerd` (package docker.io, 20.10) with its own
//! socket, data root, exec root and config file in a short temp directory, so it never touches
//! the host's daemon or `/var/lib/docker`.
//!
//! What a started daemon provides:
//! - the probe image [`IMAGE`], built offline with `docker import` from the host's own
//!   `/usr/bin/getent`, the libraries it loads, glibc's NSS modules and an `nsswitch.conf` with
//!   `hosts: files dns` — no registry is reachable;
//! - an `--internal` user-defined network on `10.213.N.0/24` (N is the first subnet no other
//!   daemon of these tests holds, claimed with a lock file, normally 0) whose gateway
//!   `10.213.N.1` sits on a host bridge, so a DNS server bound there serves containers;
//! - a second host address on that bridge, `10.213.N.253`, outside the range containers get,
//!   for a server standing in for the host's resolver: the daemon's `--dns` points at it, as a
//!   real daemon uses the host's resolv.conf when a container names no servers.
//!
//! The daemon runs without iptables, masquerading, IP forwarding or a default bridge: it
//! changes nothing on the host but its own bridge. It runs under a bash watchdog in its own
//! process group. Stopping it (`Drop`) removes the network, then the watchdog stops dockerd
//! (which stops containerd), kills any containerd-shim left under its exec root, deletes the
//! bridge, unmounts what is still mounted under the temp directory and removes it; the
//! watchdog does the same when the test process dies without running destructors.

#![allow(dead_code)]

use std::fs;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How long dockerd (and the containerd it starts) may take to answer. About two seconds here;
/// a loaded CI machine is several times slower.
pub const READY_WITHIN: Duration = Duration::from_secs(60);

/// Bound on one `docker` CLI command of the harness.
const CLI_WITHIN: Duration = Duration::from_secs(60);

/// The probe image built into every daemon.
pub const IMAGE: &str = "fabcheck/getent-probe:test";

/// The static musl probe image (tests/support/probes/lookup.c), see
/// [`Dockerd::import_resolver_probes`].
pub const MUSL_IMAGE: &str = "fabcheck/musl-probe:test";
/// The pure-Go probe image (tests/support/probes/lookup-go).
pub const GO_IMAGE: &str = "fabcheck/go-probe:test";

/// An unlabelled image whose `getent` is musl's and which carries musl's loader, as an
/// Alpine-based image does.
pub const ALPINE_LIKE_IMAGE: &str = "fabcheck/alpine-like:test";

/// The user-defined network every daemon gets.
pub const NETWORK: &str = "fabcheck-dns";

const DOCKERD: &str = "/usr/sbin/dockerd";
const CLIS: &[&str] = &["/usr/bin/docker", "/usr/local/bin/docker"];

/// Runs `$@` (dockerd) and tears everything down when told to (TERM) or when the test process
/// (`$1`) goes away. `$2` is the temp directory, `$3` the bridge.
const WATCHDOG: &str = r#"parent=$1; dir=$2; bridge=$3; shift 3
"$@" &
child=$!
cleanup() {
  kill -TERM "$child" 2>/dev/null
  for _ in $(seq 1 150); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$child" 2>/dev/null
  wait "$child" 2>/dev/null
  # containerd-shims outlive dockerd by design; ours name the exec root on their command line.
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" = "$$" ] && continue
    if tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -qF -- "$dir/"; then
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  ip link delete "$bridge" 2>/dev/null
  ip link delete "${bridge}b" 2>/dev/null
  awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$dir"
}
trap 'cleanup; exit 0' TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
cleanup"#;

/// A running daemon with the probe image and the network; dropping it stops everything.
pub struct Dockerd {
    dir: tempfile::TempDir,
    socket: PathBuf,
    log: PathBuf,
    cli: PathBuf,
    subnet: u8,
    bridge: String,
    watchdog: Option<Child>,
    /// Held while the daemon runs: claims the subnet and bridge name.
    _subnet_lock: fs::File,
}

impl Dockerd {
    /// The daemon shared by the tests of one test binary that run at the same time; a new one
    /// starts when the last user dropped the previous one.
    pub fn shared() -> Arc<Dockerd> {
        static SHARED: Mutex<Weak<Dockerd>> = Mutex::new(Weak::new());
        let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(daemon) = slot.upgrade() {
            return daemon;
        }
        let daemon = Arc::new(Dockerd::start());
        *slot = Arc::downgrade(&daemon);
        daemon
    }

    /// Starts a daemon of its own and waits until it answers, with the image and the network
    /// in place; panics with the daemon's log when it cannot.
    pub fn start() -> Dockerd {
        Dockerd::start_with(false)
    }

    /// A daemon of its own whose default `bridge` network sits on a host bridge
    /// (`10.214.N.0/24`, see [`Dockerd::bridge_gateway`]): on it Docker writes a container's Dns
    /// servers into its resolv.conf as they are, where a user-defined network puts its own
    /// embedded server 127.0.0.11 in front of them.
    pub fn start_with_default_bridge() -> Dockerd {
        Dockerd::start_with(true)
    }

    fn start_with(default_bridge: bool) -> Dockerd {
        assert!(
            Path::new(DOCKERD).exists(),
            "dockerd is not installed ({DOCKERD}): apt-get install -y docker.io"
        );
        let cli = CLIS
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .unwrap_or_else(|| {
                panic!("no docker CLI (none of {CLIS:?}): apt-get install -y docker.io")
            });
        let (subnet, lock) = claim_subnet();
        // Short: the socket path is limited to 108 bytes, and containerd's lives further down.
        let dir = tempfile::Builder::new()
            .prefix("fcd-")
            .tempdir_in("/tmp")
            .expect("temp dir for dockerd");
        let root = dir.path().to_path_buf();
        let socket = root.join("docker.sock");
        let log = root.join("dockerd.log");
        let config = root.join("daemon.json");
        // Not /etc/docker/daemon.json: only what the test says.
        fs::write(&config, "{}\n").expect("daemon.json");
        let bridge = format!("fcdns{subnet}");
        let mut daemon = Dockerd {
            socket: socket.clone(),
            log: log.clone(),
            cli,
            subnet,
            bridge: bridge.clone(),
            watchdog: None,
            _subnet_lock: lock,
            dir,
        };
        let bridge_arg = if default_bridge {
            daemon.create_default_bridge();
            format!("--bridge={bridge}b")
        } else {
            "--bridge=none".to_owned()
        };
        let out = fs::File::create(&log).expect("dockerd log");
        let err = out.try_clone().expect("dockerd log");
        let child = Command::new("bash")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("dockerd-watchdog")
            .arg(std::process::id().to_string())
            .arg(&root)
            .arg(&bridge)
            .arg(DOCKERD)
            .arg(format!("--host=unix://{}", socket.display()))
            .arg(format!("--data-root={}", root.join("data").display()))
            .arg(format!("--exec-root={}", root.join("exec").display()))
            .arg(format!("--pidfile={}", root.join("docker.pid").display()))
            .arg(format!("--config-file={}", config.display()))
            .args(["--iptables=false", "--ip-masq=false", "--ip-forward=false"])
            .arg(&bridge_arg)
            .args(
                default_bridge
                    .then(|| format!("--fixed-cidr=10.214.{subnet}.0/25"))
                    .as_slice(),
            )
            .arg(format!("--dns={}", daemon.host_resolver()))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Its own process group, so one signal reaches the watchdog and dockerd together.
            .process_group(0)
            .spawn()
            .expect("bash and dockerd run");
        daemon.watchdog = Some(child);
        daemon.wait_ready(READY_WITHIN);
        daemon.create_network();
        daemon.build_image();
        daemon
    }

    /// `unix:///…/docker.sock`, as `CORE_VM_ENDPOINT` names a daemon.
    pub fn endpoint(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// The gateway of [`NETWORK`] (`10.213.N.1`), on the host bridge.
    pub fn gateway(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 213, self.subnet, 1))
    }

    /// The address the daemon's `--dns` names (`10.213.N.253`), on the same bridge.
    pub fn host_resolver(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 213, self.subnet, 253))
    }

    /// The default bridge's host address (`10.214.N.1`), with [`Dockerd::start_with_default_bridge`].
    pub fn bridge_gateway(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 214, self.subnet, 1))
    }

    /// A second host address on the default bridge (`10.214.N.253`), outside the containers' range.
    pub fn bridge_second(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 214, self.subnet, 253))
    }

    /// Creates the host bridge `<bridge>b` the default network uses, with both addresses. The
    /// watchdog deletes it with the other.
    fn create_default_bridge(&self) {
        let name = format!("{}b", self.bridge);
        let _ = Command::new("ip").args(["link", "delete", &name]).output();
        for args in [
            vec!["link", "add", &name, "type", "bridge"],
            vec![
                "addr",
                "add",
                &format!("{}/24", self.bridge_gateway()),
                "dev",
                &name,
            ],
            vec![
                "addr",
                "add",
                &format!("{}/24", self.bridge_second()),
                "dev",
                &name,
            ],
            vec!["link", "set", &name, "up"],
        ] {
            let out = Command::new("ip")
                .args(&args)
                .output()
                .expect("ip (iproute2) runs");
            assert!(
                out.status.success(),
                "ip {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Builds the musl and Go probes (once per source version, into a cache under the build's
    /// temp dir) and imports each as an image of the binary alone, labelled with its program
    /// and resolver so the probe runs it instead of getent: [`MUSL_IMAGE`], [`GO_IMAGE`].
    pub fn import_resolver_probes(&self) {
        let probes = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/probes");
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("resolver-probes");
        fs::create_dir_all(&cache).expect("probe cache");
        let c_source = probes.join("lookup.c");
        let go_source = probes.join("lookup-go/main.go");
        let musl = cache.join(format!("lookup-musl-{:016x}", digest(&c_source)));
        if !musl.exists() {
            // Built under a name of this process's, then renamed: test binaries run at once.
            let partial = musl.with_extension(std::process::id().to_string());
            let mut cmd = Command::new("musl-gcc");
            cmd.args(["-static", "-O2", "-o"])
                .arg(&partial)
                .arg(&c_source);
            let out = crate::bounded::try_run_bounded(cmd, CLI_WITHIN)
                .unwrap_or_else(|e| panic!("musl-gcc (Debian musl-tools): {e}"));
            assert!(
                out.status.success(),
                "musl-gcc -static {}: {}",
                c_source.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            fs::rename(&partial, &musl).expect("musl probe in the cache");
        }
        let go = cache.join(format!("lookup-go-{:016x}", digest(&go_source)));
        if !go.exists() {
            let partial = go.with_extension(std::process::id().to_string());
            let mut cmd = Command::new("go");
            cmd.current_dir(go_source.parent().expect("dir"))
                .env("CGO_ENABLED", "0")
                .env("GO111MODULE", "off")
                .env("GOCACHE", cache.join("gocache"))
                .env("GOPATH", cache.join("gopath"))
                .args(["build", "-o"])
                .arg(&partial)
                .arg("main.go");
            let out = crate::bounded::try_run_bounded(cmd, Duration::from_secs(300))
                .unwrap_or_else(|e| panic!("go build: {e}"));
            assert!(
                out.status.success(),
                "CGO_ENABLED=0 go build {}: {}",
                go_source.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            fs::rename(&partial, &go).expect("Go probe in the cache");
        }
        // As an Alpine image is to the probe: a musl getent, musl's loader, no labels.
        {
            use std::os::unix::fs::PermissionsExt;
            let root = tempfile::Builder::new()
                .prefix("alpine-like-")
                .tempdir_in(self.dir.path())
                .expect("image dir");
            for dir in ["usr/bin", "lib", "etc"] {
                fs::create_dir_all(root.path().join(dir)).expect("image dir");
            }
            let getent = root.path().join("usr/bin/getent");
            fs::copy(&musl, &getent).expect("musl getent");
            fs::set_permissions(&getent, fs::Permissions::from_mode(0o755)).expect("chmod");
            // fs::copy follows the symlink: the loader itself.
            fs::copy(
                "/lib/ld-musl-x86_64.so.1",
                root.path().join("lib/ld-musl-x86_64.so.1"),
            )
            .expect("musl's loader (Debian musl)");
            fs::write(root.path().join("etc/nsswitch.conf"), "hosts: files dns\n")
                .expect("nsswitch.conf");
            self.import(root.path(), ALPINE_LIKE_IMAGE);
        }
        for (binary, image, resolver) in [(&musl, MUSL_IMAGE, "musl"), (&go, GO_IMAGE, "go")] {
            let root = tempfile::Builder::new()
                .prefix("probe-")
                .tempdir_in(self.dir.path())
                .expect("image dir");
            let target = root.path().join("fabcheck-lookup");
            fs::copy(binary, &target).expect("probe binary");
            fs::create_dir_all(root.path().join("etc")).expect("image /etc");
            fs::write(root.path().join("etc/nsswitch.conf"), "hosts: files dns\n")
                .expect("nsswitch.conf");
            self.import_with(
                root.path(),
                image,
                &[
                    "LABEL org.hyperledger.fabcheck.lookup=/fabcheck-lookup".to_owned(),
                    format!("LABEL org.hyperledger.fabcheck.resolver={resolver}"),
                ],
            );
        }
    }

    /// An address in the network's subnet where nothing answers (not handed to containers).
    pub fn dead_address(&self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 213, self.subnet, 200))
    }

    /// Runs the docker CLI against this daemon; panics when it does not finish in time.
    pub fn docker(&self, args: &[&str]) -> Output {
        self.try_docker(args)
            .unwrap_or_else(|e| panic!("docker {args:?}: {e}\n{}", self.logs()))
    }

    /// Runs the docker CLI against this daemon, `Err` when it cannot run or does not finish
    /// in time (never panics: `Drop` uses it).
    fn try_docker(&self, args: &[&str]) -> Result<Output, String> {
        let mut cmd = Command::new(&self.cli);
        cmd.env("DOCKER_HOST", self.endpoint())
            // No user config (contexts, credential helpers) from the host.
            .env("DOCKER_CONFIG", self.dir.path().join("cli"))
            .args(args);
        crate::bounded::try_run_bounded(cmd, CLI_WITHIN)
    }

    /// Like [`Dockerd::docker`], panicking with stderr when the command fails.
    pub fn docker_ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "docker {args:?} failed ({}): {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            self.logs()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Every container on the daemon, running or not, as `name image status`.
    pub fn containers(&self) -> Vec<String> {
        self.docker_ok(&[
            "ps",
            "--all",
            "--no-trunc",
            "--format",
            "{{.Names}} {{.Image}} {{.Status}}",
        ])
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
    }

    /// The last lines of the daemon's log, for failure messages.
    pub fn logs(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "--- dockerd log ---\n{}",
            lines[lines.len().saturating_sub(40)..].join("\n")
        )
    }

    /// Waits until the daemon answers `GET /_ping` on its socket.
    fn wait_ready(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(child) = &mut self.watchdog
                && let Ok(Some(status)) = child.try_wait()
            {
                self.watchdog = None;
                panic!("dockerd exited early ({status})\n{}", self.logs());
            }
            if ping(&self.socket) {
                return;
            }
            if Instant::now() > deadline {
                panic!("dockerd did not answer within {limit:?}\n{}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The internal network, its bridge named so the watchdog can delete it, and the second
    /// host address on the bridge. Containers get addresses from the lower half only.
    fn create_network(&self) {
        let n = self.subnet;
        self.docker_ok(&[
            "network",
            "create",
            "--internal",
            "--subnet",
            &format!("10.213.{n}.0/24"),
            "--ip-range",
            &format!("10.213.{n}.0/25"),
            "--gateway",
            &format!("10.213.{n}.1"),
            "--opt",
            &format!("com.docker.network.bridge.name={}", self.bridge),
            NETWORK,
        ]);
        let added = Command::new("ip")
            .args([
                "addr",
                "add",
                &format!("{}/24", self.host_resolver()),
                "dev",
                &self.bridge,
            ])
            .output()
            .expect("ip (iproute2) runs");
        assert!(
            added.status.success(),
            "adding {} to {}: {}",
            self.host_resolver(),
            self.bridge,
            String::from_utf8_lossy(&added.stderr)
        );
    }

    /// Imports an image named `name` holding just `files` (`(path, contents)`), such as one
    /// without getent.
    pub fn import_files(&self, name: &str, files: &[(&str, &[u8])]) {
        let root = tempfile::Builder::new()
            .prefix("image-")
            .tempdir_in(self.dir.path())
            .expect("image dir");
        for (path, contents) in files {
            let target = root.path().join(path.trim_start_matches('/'));
            fs::create_dir_all(target.parent().expect("parent")).expect("image dir");
            fs::write(&target, contents).expect("image file");
        }
        self.import(root.path(), name);
    }

    /// Tars `root` and imports it as `name`.
    fn import(&self, root: &Path, name: &str) {
        self.import_with(root, name, &[]);
    }

    /// [`Dockerd::import`] with Dockerfile instructions (`docker import --change`).
    fn import_with(&self, root: &Path, name: &str, changes: &[String]) {
        let tarball = root.with_extension("tar");
        let tar = Command::new("tar")
            .arg("-C")
            .arg(root)
            .arg("-cf")
            .arg(&tarball)
            .arg(".")
            .output()
            .expect("tar runs");
        assert!(
            tar.status.success(),
            "tar: {}",
            String::from_utf8_lossy(&tar.stderr)
        );
        let tarball = tarball.display().to_string();
        let mut args: Vec<&str> = vec!["import"];
        for change in changes {
            args.extend(["--change", change.as_str()]);
        }
        args.extend([tarball.as_str(), name]);
        self.docker_ok(&args);
    }

    /// Imports [`IMAGE`]: getent, the libraries `ldd` says it loads, the NSS modules for
    /// `files` and `dns`, libresolv, and an nsswitch.conf.
    fn build_image(&self) {
        let root = self.dir.path().join("image");
        let getent = Path::new("/usr/bin/getent");
        let ldd = Command::new("ldd").arg(getent).output().expect("ldd runs");
        let mut files: Vec<PathBuf> = vec![getent.to_path_buf()];
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
        let libc = files
            .iter()
            .find(|f| f.file_name().is_some_and(|n| n == "libc.so.6"))
            .cloned()
            .unwrap_or_else(|| panic!("ldd /usr/bin/getent names no libc: {ldd:?}"));
        let libdir = libc.parent().expect("libc has a directory");
        for lib in ["libnss_dns.so.2", "libnss_files.so.2", "libresolv.so.2"] {
            let path = libdir.join(lib);
            assert!(path.exists(), "{} is missing", path.display());
            files.push(path);
        }
        for file in &files {
            let target = root.join(file.strip_prefix("/").expect("absolute"));
            fs::create_dir_all(target.parent().expect("parent")).expect("image dir");
            // fs::copy follows symlinks: the image gets the files themselves.
            fs::copy(file, &target).unwrap_or_else(|e| panic!("copying {}: {e}", file.display()));
        }
        fs::create_dir_all(root.join("etc")).expect("image /etc");
        fs::write(root.join("etc/nsswitch.conf"), "hosts: files dns\n").expect("nsswitch.conf");
        self.import(&root, IMAGE);
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        let Some(mut child) = self.watchdog.take() else {
            return;
        };
        // Containers and the network first, while dockerd runs: that deletes the bridge the
        // clean way. Every step is bounded; the watchdog's cleanup covers what fails.
        if let Ok(ids) = self.try_docker(&["ps", "--all", "--quiet"]) {
            for id in String::from_utf8_lossy(&ids.stdout).split_whitespace() {
                let _ = self.try_docker(&["rm", "--force", "--volumes", id]);
            }
        }
        let _ = self.try_docker(&["network", "rm", NETWORK]);
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        // The watchdog's cleanup gives dockerd 15 s to stop.
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Claims the first `10.213.N.0/24` that no other daemon of these tests holds (a lock file)
/// and that no host interface uses. A bridge of ours left by a run that was killed before its
/// watchdog could clean up is deleted: whoever holds the lock owns the name.
/// A digest of a file's contents, naming its build in the cache.
fn digest(path: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    fs::read(path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        .hash(&mut h);
    h.finish()
}

fn claim_subnet() -> (u8, fs::File) {
    for n in 0..=u8::MAX {
        let path = std::env::temp_dir().join(format!("fabcheck-dockerd-10.213.{n}.lock"));
        let Ok(file) = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
        else {
            continue;
        };
        if file.try_lock().is_err() {
            continue;
        }
        let addrs = Command::new("ip")
            .args(["-4", "-o", "addr", "show"])
            .output()
            .expect("ip (iproute2) runs");
        let addrs = String::from_utf8_lossy(&addrs.stdout);
        let prefix = format!(" 10.213.{n}.");
        let users: Vec<&str> = addrs
            .lines()
            .filter(|l| l.contains(&prefix))
            .filter_map(|l| l.split_whitespace().nth(1))
            .collect();
        let ours = format!("fcdns{n}");
        if users.iter().all(|dev| *dev == ours) {
            if !users.is_empty() {
                let _ = Command::new("ip").args(["link", "delete", &ours]).status();
            }
            return (n, file);
        }
    }
    panic!("every 10.213.N.0/24 subnet is in use on this host");
}

/// Whether a Docker daemon answers `GET /_ping` on `socket`.
fn ping(socket: &Path) -> bool {
    let Ok(mut s) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}
