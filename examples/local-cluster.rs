//! Runs a command against a local Kubernetes: with `--real-node`, the tests' real single-node
//! Kubernetes (`tests/support/real_node.rs`: kubelet, kube-proxy, kube-scheduler, pod network,
//! cluster DNS, containers on a private Docker daemon), with Fabric-shaped stand-ins loaded
//! under the names of the images the reference network pulls and fabcheck's own image built
//! from the Dockerfile as its default `--probe-image` — so `fabcheck deploy-and-verify` runs as
//! on a kind cluster after `kind load docker-image`. Needs root and what `scripts/test`
//! installs.
//!
//! Without `--real-node`: etcd, kube-apiserver and kube-controller-manager on loopback (the
//! test harness's, `tests/support/control_plane.rs`), and unless `--no-kubelet` is given the
//! tests' stand-in kubelet, which reports every pod as running (no container actually runs;
//! the genesis Job's ConfigMap is a placeholder). That is enough for fabcheck's deploy, wait,
//! read-back, static checks and teardown to run end to end. When the command is fabcheck, the
//! pods of its in-cluster probe run as that same binary; nothing resolves the Services' names
//! for them, so their live verdicts are errors.
//!
//! Either way `KUBECONFIG` points at the cluster for the command; everything is stopped when it
//! ends, and local-cluster exits with the command's code.
//!
//! Usage: local-cluster [--real-node | --no-kubelet] [--context admin|deployer|reader] COMMAND
//! [ARGS...] (`scripts/local-cluster` builds the control plane and fabcheck first.)

#[path = "../tests/support/bounded.rs"]
mod bounded;
#[path = "../tests/support/control_plane.rs"]
mod control_plane;
#[path = "../tests/support/kubelet.rs"]
mod kubelet;
#[path = "../tests/support/real_node.rs"]
mod real_node;

use std::process::Command;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut stand_in = true;
    let mut real = false;
    let mut context = control_plane::ADMIN.to_owned();
    loop {
        match args.first().map(String::as_str) {
            Some("--no-kubelet") => {
                stand_in = false;
                args.remove(0);
            }
            Some("--real-node") => {
                real = true;
                args.remove(0);
            }
            Some("--context") if args.len() > 1 => {
                context = args[1].clone();
                args.drain(..2);
            }
            Some("--") => {
                args.remove(0);
                break;
            }
            _ => break,
        }
    }
    if args.is_empty() {
        eprintln!(
            "usage: local-cluster [--real-node | --no-kubelet] [--context NAME] COMMAND [ARGS...]"
        );
        std::process::exit(2);
    }
    if real {
        std::process::exit(on_real_node(&args, &context));
    }
    let plane = control_plane::ControlPlane::start();
    plane.bind_repository_rbac();
    let _kubelet = stand_in.then(|| {
        eprintln!(
            "local-cluster: no kubelet runs here; a stand-in reports pods as running (no container starts)"
        );
        match fabcheck_binary(&args[0]) {
            Some(binary) => kubelet::Kubelet::start_with_probe_binary(
                &plane.kubeconfig,
                &[],
                &binary,
                plane.api_port,
            ),
            None => kubelet::Kubelet::start(&plane.kubeconfig, &[]),
        }
    });
    // Point kubectl-like tools at the chosen context without touching the shared file.
    let kubeconfig = select_context(&plane.kubeconfig, &plane.dir, &context);
    eprintln!(
        "local-cluster: API server https://127.0.0.1:{}, KUBECONFIG={} (context {context})",
        plane.api_port,
        kubeconfig.display()
    );
    let code = run(&args, &kubeconfig);
    drop(_kubelet);
    drop(plane);
    std::process::exit(code);
}

/// Runs `args` against the real node with the reference network's images stood in; its exit
/// code. The node is torn down when this process exits.
fn on_real_node(args: &[String], context: &str) -> i32 {
    let node = real_node::RealNode::shared();
    node.load_reference_images();
    node.apply_probe_rbac();
    let kubeconfig = select_context(&node.plane.kubeconfig, &node.plane.dir, context);
    eprintln!(
        "local-cluster: real node ready, KUBECONFIG={} (context {context}); stand-ins run as Fabric's images",
        kubeconfig.display()
    );
    run(args, &kubeconfig)
}

/// A copy of `kubeconfig` in `dir` whose current context is `context`.
fn select_context(
    kubeconfig: &std::path::Path,
    dir: &std::path::Path,
    context: &str,
) -> std::path::PathBuf {
    let selected = dir.join("kubeconfig-selected");
    let text = std::fs::read_to_string(kubeconfig).expect("kubeconfig");
    let text = text.replace(
        &format!("current-context: {}", control_plane::ADMIN),
        &format!("current-context: {context}"),
    );
    std::fs::write(&selected, text).expect("kubeconfig");
    selected
}

/// Runs `args` with `KUBECONFIG`; its exit code (127 when it cannot start).
fn run(args: &[String], kubeconfig: &std::path::Path) -> i32 {
    match Command::new(&args[0])
        .args(&args[1..])
        .env("KUBECONFIG", kubeconfig)
        .status()
    {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => {
            eprintln!("local-cluster: failed to run {}: {e}", args[0]);
            127
        }
    }
}

/// The fabcheck binary `program` names (a path, or a name on PATH), if it is one.
fn fabcheck_binary(program: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(program);
    let found = if program.contains('/') {
        Some(path.to_path_buf())
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(program))
                .find(|p| p.is_file())
        })
    }?;
    (found.file_name()? == "fabcheck").then(|| found.canonicalize().unwrap_or(found))
}
