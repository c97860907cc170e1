//! Runs a command against a local Kubernetes control plane: etcd, kube-apiserver and
//! kube-controller-manager on loopback (the test harness's, `tests/support/control_plane.rs`),
//! with `KUBECONFIG` pointing at it, then stops everything and exits with the command's code.
//!
//! No kubelet can run here, so pods would never start: unless `--no-kubelet` is given, the
//! tests' stand-in kubelet reports every pod as running (no container actually runs; the
//! genesis Job's ConfigMap is a placeholder). That is enough for fabcheck's deploy, wait,
//! read-back, static checks and teardown to run end to end. When the command is fabcheck, the
//! pods of its in-cluster probe (`deploy-and-verify`'s default from a runner that cannot reach
//! the Services, `check --probe in-cluster`) run as that same binary, as the tests run them;
//! nothing resolves the Services' names for them, so their live verdicts are errors.
//!
//! Usage: local-cluster [--no-kubelet] [--context admin|deployer|reader] COMMAND [ARGS...]
//! (`scripts/local-cluster` builds the control plane and fabcheck first.)

#[path = "../tests/support/control_plane.rs"]
mod control_plane;
#[path = "../tests/support/kubelet.rs"]
mod kubelet;

use std::process::Command;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut stand_in = true;
    let mut context = control_plane::ADMIN.to_owned();
    loop {
        match args.first().map(String::as_str) {
            Some("--no-kubelet") => {
                stand_in = false;
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
        eprintln!("usage: local-cluster [--no-kubelet] [--context NAME] COMMAND [ARGS...]");
        std::process::exit(2);
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
    let kubeconfig = plane.dir.join("kubeconfig-selected");
    let text = std::fs::read_to_string(&plane.kubeconfig).expect("kubeconfig");
    let text = text.replace(
        &format!("current-context: {}", control_plane::ADMIN),
        &format!("current-context: {context}"),
    );
    std::fs::write(&kubeconfig, text).expect("kubeconfig");
    eprintln!(
        "local-cluster: API server https://127.0.0.1:{}, KUBECONFIG={} (context {context})",
        plane.api_port,
        kubeconfig.display()
    );
    let status = Command::new(&args[0])
        .args(&args[1..])
        .env("KUBECONFIG", &kubeconfig)
        .status();
    let code = match status {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => {
            eprintln!("local-cluster: failed to run {}: {e}", args[0]);
            127
        }
    };
    drop(_kubelet);
    drop(plane);
    std::process::exit(code);
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
