//! Docker-launched chaincode for the Fabric stand-in (examples/standin-node): the peer's side,
//! which starts a chaincode container on the peer's Docker daemon the way Fabric 1.4's
//! dockercontroller does, and the chaincode's side, the program that container runs. Not
//! Fabric: no chaincode is built and no gRPC is spoken. What it keeps is what fabcheck's live
//! checks look at — the container's name, HostConfig and image, its own name lookup of the
//! peer's chaincode address, and its outcome:
//!
//! - **the peer** ([`Launcher`], from the peer container's environment): on the first
//!   endorsement for a chaincode (instantiate, invoke, query) it removes any old container of
//!   that name and starts `{networkId}-{peerId}-{name}-{version}` (core/container/
//!   dockercontroller/dockercontroller.go `GetVMName`, `Start`) on `CORE_VM_ENDPOINT`, with the
//!   HostConfig core.yaml's `vm.docker.hostConfig` gives it (`CORE_VM_DOCKER_HOSTCONFIG_
//!   NETWORKMODE`, `…_DNS`, `…_DNSSEARCH`), the command `chaincode -peer.address=<chaincode
//!   address>` and `CORE_CHAINCODE_ID_NAME=name:version` (core/chaincode/container_runtime.go
//!   `LaunchConfig`). The image is the chaincode runtime image itself
//!   (`CORE_CHAINCODE_GOLANG_RUNTIME`, else Fabric 1.4's `fabric-baseos:0.4.22`), where Fabric
//!   would build one on top of it; the stand-in runtime image holds this program as
//!   `/usr/local/bin/chaincode`. The chaincode registers on the peer's chaincode listener
//!   (`CORE_PEER_CHAINCODELISTENADDRESS`); without a registration within
//!   `CORE_CHAINCODE_STARTUPTIMEOUT` (capped at [`MAX_STARTUP_WAIT`] here) the endorsement
//!   fails with Fabric's "timeout expired while starting chaincode" (core/chaincode/
//!   runtime_launcher.go).
//! - **the chaincode** ([`shim`]): looks the peer's address up with the runtime image's libc
//!   (glibc's getaddrinfo in the Debian-based stand-in, as in Fabric 1.4's Ubuntu-based baseos;
//!   Go chaincode would use Go's resolver), connects, registers, and stays connected while the
//!   peer lives. When it cannot, it prints what Fabric's Go shim and the sample chaincode print
//!   (core/chaincode/shim/chaincode.go `Start`: "error trying to connect to local peer") with
//!   the lookup's or dial's own error, and exits 0 as the samples' `main` returns.
//!
//! A peer without `CORE_VM_ENDPOINT` launches nothing (the loopback tests' stand-ins).

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream, ToSocketAddrs as _};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest the stand-in peer waits for a chaincode to register (Fabric's default
/// chaincode.startuptimeout is 300 s; a test should not wait that long for a failure).
pub const MAX_STARTUP_WAIT: Duration = Duration::from_secs(15);

/// Bound on each Docker API call the peer makes.
const DOCKER_WITHIN: Duration = Duration::from_secs(30);

/// How long the chaincode waits to connect to the peer (the Go shim's dial timeout is 3 s).
const DIAL_WITHIN: Duration = Duration::from_secs(3);

/// Where one chaincode's launch stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Launch {
    Starting,
    Failed(String),
}

/// The peer's chaincode launcher (see the module docs).
pub struct Launcher {
    endpoint: String,
    network_id: String,
    peer_id: String,
    chaincode_address: String,
    image: String,
    network_mode: Option<String>,
    dns: Vec<String>,
    dns_search: Vec<String>,
    startup_wait: Duration,
    /// `name:version` → the launch under way or how it failed.
    launches: Mutex<BTreeMap<String, Launch>>,
    /// `name:version` → the registered chaincode's connection, held open while the peer runs.
    registered: Mutex<BTreeMap<String, TcpStream>>,
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

fn list(key: &str) -> Vec<String> {
    env(key)
        .map(|v| {
            v.split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

impl Launcher {
    /// The launcher this peer's environment describes, its chaincode listener started; `None`
    /// without `CORE_VM_ENDPOINT`.
    pub fn from_env() -> Option<Arc<Launcher>> {
        let endpoint = env("CORE_VM_ENDPOINT")?;
        let peer_address = env("CORE_PEER_ADDRESS").unwrap_or_else(|| "0.0.0.0:7051".into());
        let chaincode_address = env("CORE_PEER_CHAINCODEADDRESS").unwrap_or_else(|| {
            let host = peer_address.rsplit_once(':').map_or("", |(h, _)| h);
            format!("{host}:7052")
        });
        let startup = env("CORE_CHAINCODE_STARTUPTIMEOUT")
            .and_then(|t| t.trim_end_matches('s').parse::<u64>().ok())
            .map_or(MAX_STARTUP_WAIT, Duration::from_secs);
        let launcher = Arc::new(Launcher {
            endpoint,
            network_id: env("CORE_PEER_NETWORKID").unwrap_or_else(|| "dev".into()),
            peer_id: env("CORE_PEER_ID").unwrap_or_else(|| "jdoe".into()),
            chaincode_address,
            image: env("CORE_CHAINCODE_GOLANG_RUNTIME")
                .unwrap_or_else(|| "hyperledger/fabric-baseos:0.4.22".into()),
            network_mode: env("CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE"),
            dns: list("CORE_VM_DOCKER_HOSTCONFIG_DNS"),
            dns_search: list("CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH"),
            startup_wait: startup.min(MAX_STARTUP_WAIT),
            launches: Mutex::new(BTreeMap::new()),
            registered: Mutex::new(BTreeMap::new()),
        });
        let listen =
            env("CORE_PEER_CHAINCODELISTENADDRESS").unwrap_or_else(|| "0.0.0.0:7052".into());
        match TcpListener::bind(&listen) {
            Ok(listener) => {
                let registrar = Arc::clone(&launcher);
                std::thread::spawn(move || registrar.accept(listener));
            }
            Err(e) => eprintln!("standin-node: failed to listen for chaincode on {listen}: {e}"),
        }
        Some(launcher)
    }

    /// Takes registrations: one line `REGISTER name:version` per chaincode connection.
    fn accept(&self, listener: TcpListener) {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(DIAL_WITHIN));
            let mut line = String::new();
            let Ok(reader) = stream.try_clone() else {
                continue;
            };
            if BufReader::new(reader.take(256))
                .read_line(&mut line)
                .is_err()
            {
                continue;
            }
            if let Some(id) = line.trim().strip_prefix("REGISTER ") {
                let _ = stream.set_read_timeout(None);
                eprintln!("standin-node: chaincode {id} registered");
                self.registered
                    .lock()
                    .expect("registrations")
                    .insert(id.to_owned(), stream);
            }
        }
    }

    /// The container name Fabric gives chaincode `id` (`name:version`) on this peer.
    fn container_name(&self, id: &str) -> String {
        format!(
            "{}-{}-{}",
            self.network_id,
            self.peer_id,
            id.replacen(':', "-", 1)
        )
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect()
    }

    /// `POST /standin/chaincodes/launch?name=&version=` starts (or finds registered) the
    /// chaincode; `GET` the same says where it stands: 200 registered, 202 starting, 500 failed.
    pub fn answer(self: &Arc<Self>, method: &str, name: &str, version: &str) -> (u16, String) {
        let id = format!("{name}:{version}");
        if self
            .registered
            .lock()
            .expect("registrations")
            .contains_key(&id)
        {
            return (200, "registered".into());
        }
        let mut launches = self.launches.lock().expect("launches");
        match (method, launches.get(&id)) {
            (_, Some(Launch::Starting)) => (202, "starting".into()),
            ("GET", Some(Launch::Failed(why))) => (500, why.clone()),
            ("GET", None) => (404, format!("chaincode {id} was never launched")),
            ("POST", _) => {
                launches.insert(id.clone(), Launch::Starting);
                let launcher = Arc::clone(self);
                std::thread::spawn(move || launcher.launch(&id));
                (202, "starting".into())
            }
            _ => (405, "method not allowed".into()),
        }
    }

    /// Starts the container and waits for its registration; records the outcome.
    fn launch(&self, id: &str) {
        let outcome = self.start_container(id).and_then(|()| {
            let deadline = Instant::now() + self.startup_wait;
            while Instant::now() < deadline {
                if self.registered.lock().expect("registrations").contains_key(id) {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(format!(
                "could not launch chaincode {id}: timeout expired while starting chaincode {id} for transaction"
            ))
        });
        let mut launches = self.launches.lock().expect("launches");
        match outcome {
            Ok(()) => {
                launches.remove(id);
            }
            Err(why) => {
                eprintln!("standin-node: {why}");
                launches.insert(id.to_owned(), Launch::Failed(why));
            }
        }
    }

    /// Removes any old container of the chaincode's name, creates it and starts it.
    fn start_container(&self, id: &str) -> Result<(), String> {
        use bollard::models::{ContainerCreateBody, HostConfig};
        use bollard::query_parameters::{
            CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder, StartContainerOptions,
        };
        let name = self.container_name(id);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("failed to start a runtime: {e}"))?;
        let docker = match self.endpoint.strip_prefix("unix://") {
            Some(path) => {
                bollard::Docker::connect_with_unix(path, 30, bollard::API_DEFAULT_VERSION)
            }
            None => {
                bollard::Docker::connect_with_http(&self.endpoint, 30, bollard::API_DEFAULT_VERSION)
            }
        }
        .map_err(|e| format!("error starting container: {e}"))?;
        let list = |v: &[String]| (!v.is_empty()).then(|| v.to_vec());
        let body = ContainerCreateBody {
            image: Some(self.image.clone()),
            cmd: Some(vec![
                "chaincode".into(),
                format!("-peer.address={}", self.chaincode_address),
            ]),
            env: Some(vec![
                format!("CORE_CHAINCODE_ID_NAME={id}"),
                "CORE_PEER_TLS_ENABLED=false".into(),
            ]),
            host_config: Some(HostConfig {
                network_mode: self.network_mode.clone(),
                dns: list(&self.dns),
                dns_search: list(&self.dns_search),
                ..HostConfig::default()
            }),
            ..ContainerCreateBody::default()
        };
        runtime.block_on(async {
            let within = |what: &str| {
                format!(
                    "error starting container: {what} took over {}s",
                    DOCKER_WITHIN.as_secs()
                )
            };
            let remove = RemoveContainerOptionsBuilder::new().force(true).build();
            let _ =
                tokio::time::timeout(DOCKER_WITHIN, docker.remove_container(&name, Some(remove)))
                    .await;
            let create = CreateContainerOptionsBuilder::new().name(&name).build();
            tokio::time::timeout(DOCKER_WITHIN, docker.create_container(Some(create), body))
                .await
                .map_err(|_| within("create"))?
                .map_err(|e| format!("error starting container: {e}"))?;
            tokio::time::timeout(
                DOCKER_WITHIN,
                docker.start_container(&name, None::<StartContainerOptions>),
            )
            .await
            .map_err(|_| within("start"))?
            .map_err(|e| format!("error starting container: {e}"))
        })
    }
}

/// The chaincode program (`chaincode -peer.address=HOST:PORT`); returns the exit code.
pub fn shim(args: &[String]) -> i32 {
    let address = args
        .iter()
        .find_map(|a| a.strip_prefix("-peer.address="))
        .map(str::to_owned)
        .or_else(|| env("CORE_PEER_ADDRESS"))
        .unwrap_or_default();
    let id = env("CORE_CHAINCODE_ID_NAME").unwrap_or_default();
    let fail = |cause: String| {
        // Fabric 1.4's shim logs the wrapped error, and the sample chaincode's main prints it
        // and returns.
        eprintln!("[shim] ERRO error trying to connect to local peer: {cause}");
        println!("Error starting chaincode: error trying to connect to local peer: {cause}");
        0
    };
    let target = match address.to_socket_addrs() {
        Ok(mut addrs) => match addrs.next() {
            Some(a) => a,
            None => return fail(format!("dial tcp: lookup {address}: no address")),
        },
        Err(e) => {
            let host = address
                .rsplit_once(':')
                .map_or(address.as_str(), |(h, _)| h);
            return fail(format!("dial tcp: lookup {host}: {e}"));
        }
    };
    let mut stream = match TcpStream::connect_timeout(&target, DIAL_WITHIN) {
        Ok(s) => s,
        Err(e) => return fail(format!("dial tcp {target}: {e}")),
    };
    if let Err(e) = writeln!(stream, "REGISTER {id}") {
        return fail(format!("write to {target}: {e}"));
    }
    println!("[shim] INFO registered {id} with the peer at {address} ({target})");
    // Connected for as long as the peer is.
    let mut sink = [0u8; 64];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
    println!("Error starting chaincode: received EOF, ending chaincode stream");
    0
}
