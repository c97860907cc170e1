//! The Pod Security Standards' rules, as Pod Security admission (Kubernetes 1.23+) applies them
//! to a pod spec, for the tests that keep every probe pod admissible: a namespace enforcing
//! "restricted" must still run `check --probe in-cluster`.
//!
//! Written from the standard's published rule list
//! (https://kubernetes.io/docs/concepts/security/pod-security-standards/, policy version
//! v1.33) and the admission plugin's checks (k8s.io/pod-security-admission/policy). Only the
//! rules that a probe pod's spec could break are here; AppArmor and Windows fields are not.

use serde_json::Value;

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Baseline,
    Restricted,
}

/// Capabilities "baseline" lets a container add.
const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Volume types "restricted" allows.
const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Sysctls "baseline" allows.
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// What in the pod spec (`spec` of a Pod, or a template's `spec`) breaks `level`; empty when
/// admission would let it in.
pub fn violations(pod: &Value, level: Level) -> Vec<String> {
    let mut out = Vec::new();
    let containers: Vec<&Value> = ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .filter_map(|k| pod[*k].as_array())
        .flatten()
        .collect();
    let name = |c: &Value| c["name"].as_str().unwrap_or("?").to_owned();
    let pod_sc = &pod["securityContext"];

    // Baseline.
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod[host] == true {
            out.push(format!("{host}: true"));
        }
    }
    for v in pod["volumes"].as_array().into_iter().flatten() {
        if v.get("hostPath").is_some() {
            out.push(format!("volume {}: hostPath", name(v)));
        }
    }
    if let Some(t) = pod_sc.pointer("/seccompProfile/type")
        && t == "Unconfined"
    {
        out.push("pod seccompProfile: Unconfined".into());
    }
    for s in pod_sc["sysctls"].as_array().into_iter().flatten() {
        let n = s["name"].as_str().unwrap_or("");
        if !SAFE_SYSCTLS.contains(&n) {
            out.push(format!("sysctl {n}"));
        }
    }
    let se_linux = |sc: &Value, whose: &str, out: &mut Vec<String>| {
        let o = &sc["seLinuxOptions"];
        if let Some(t) = o["type"].as_str()
            && !["", "container_t", "container_init_t", "container_kvm_t"].contains(&t)
        {
            out.push(format!("{whose} seLinuxOptions.type {t}"));
        }
        if o.get("user").is_some() || o.get("role").is_some() {
            out.push(format!("{whose} seLinuxOptions user/role set"));
        }
    };
    se_linux(pod_sc, "pod", &mut out);
    for c in &containers {
        let n = name(c);
        let sc = &c["securityContext"];
        if sc["privileged"] == true {
            out.push(format!("container {n}: privileged"));
        }
        for cap in sc
            .pointer("/capabilities/add")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let cap = cap.as_str().unwrap_or("");
            if !BASELINE_CAPABILITIES.contains(&cap) {
                out.push(format!("container {n}: adds capability {cap}"));
            }
        }
        for p in c["ports"].as_array().into_iter().flatten() {
            if p["hostPort"].as_i64().unwrap_or(0) != 0 {
                out.push(format!("container {n}: hostPort {}", p["hostPort"]));
            }
        }
        if let Some(m) = sc["procMount"].as_str()
            && m != "Default"
        {
            out.push(format!("container {n}: procMount {m}"));
        }
        if sc.pointer("/seccompProfile/type") == Some(&Value::from("Unconfined")) {
            out.push(format!("container {n}: seccompProfile Unconfined"));
        }
        se_linux(sc, &format!("container {n}"), &mut out);
    }
    if level == Level::Baseline {
        return out;
    }

    // Restricted.
    for v in pod["volumes"].as_array().into_iter().flatten() {
        let kind = v
            .as_object()
            .and_then(|m| m.keys().find(|k| k.as_str() != "name"))
            .map(String::as_str)
            .unwrap_or("?");
        if !RESTRICTED_VOLUMES.contains(&kind) {
            out.push(format!("volume {}: type {kind}", name(v)));
        }
    }
    let pod_non_root = pod_sc["runAsNonRoot"] == true;
    let pod_seccomp = pod_sc
        .pointer("/seccompProfile/type")
        .and_then(Value::as_str);
    if pod_sc["runAsUser"] == 0 {
        out.push("pod runAsUser: 0".into());
    }
    for c in &containers {
        let n = name(c);
        let sc = &c["securityContext"];
        if sc["allowPrivilegeEscalation"] != false {
            out.push(format!("container {n}: allowPrivilegeEscalation not false"));
        }
        match sc.get("runAsNonRoot") {
            Some(Value::Bool(false)) => out.push(format!("container {n}: runAsNonRoot false")),
            Some(Value::Bool(true)) => {}
            _ if pod_non_root => {}
            _ => out.push(format!(
                "container {n}: runAsNonRoot not set (pod or container)"
            )),
        }
        if sc["runAsUser"] == 0 {
            out.push(format!("container {n}: runAsUser 0"));
        }
        let seccomp = sc
            .pointer("/seccompProfile/type")
            .and_then(Value::as_str)
            .or(pod_seccomp);
        if !matches!(seccomp, Some("RuntimeDefault" | "Localhost")) {
            out.push(format!(
                "container {n}: seccompProfile {} (RuntimeDefault or Localhost required)",
                seccomp.unwrap_or("unset")
            ));
        }
        let drops = sc
            .pointer("/capabilities/drop")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|c| c == "ALL"));
        if !drops {
            out.push(format!("container {n}: capabilities do not drop ALL"));
        }
        for cap in sc
            .pointer("/capabilities/add")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if cap != "NET_BIND_SERVICE" {
                out.push(format!("container {n}: adds capability {cap}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn admissible() -> Value {
        json!({
            "securityContext": {"runAsNonRoot": true},
            "containers": [{"name": "c", "securityContext": {
                "allowPrivilegeEscalation": false,
                "capabilities": {"drop": ["ALL"]},
                "seccompProfile": {"type": "RuntimeDefault"}}}],
            "volumes": [{"name": "tmp", "emptyDir": {}}]
        })
    }

    #[test]
    fn an_admissible_spec_passes_both_levels() {
        assert_eq!(
            violations(&admissible(), Level::Restricted),
            Vec::<String>::new()
        );
        assert_eq!(
            violations(&admissible(), Level::Baseline),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_rule_can_fail() {
        let broken = |edit: &dyn Fn(&mut Value), level: Level, want: &str| {
            let mut pod = admissible();
            edit(&mut pod);
            let found = violations(&pod, level);
            assert!(found.iter().any(|v| v.contains(want)), "{want}: {found:?}");
        };
        use Level::{Baseline, Restricted};
        broken(&|p| p["hostNetwork"] = json!(true), Baseline, "hostNetwork");
        broken(
            &|p| {
                p["volumes"][0] =
                    json!({"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}})
            },
            Baseline,
            "hostPath",
        );
        broken(
            &|p| p["containers"][0]["securityContext"]["privileged"] = json!(true),
            Baseline,
            "privileged",
        );
        broken(
            &|p| {
                p["containers"][0]["securityContext"]["capabilities"]["add"] = json!(["SYS_ADMIN"])
            },
            Baseline,
            "SYS_ADMIN",
        );
        broken(
            &|p| p["containers"][0]["ports"] = json!([{"hostPort": 53}]),
            Baseline,
            "hostPort",
        );
        broken(
            &|p| {
                p["containers"][0]["securityContext"]["seccompProfile"]["type"] =
                    json!("Unconfined")
            },
            Baseline,
            "Unconfined",
        );
        broken(
            &|p| {
                p["containers"][0]["securityContext"]
                    .as_object_mut()
                    .unwrap()
                    .remove("seccompProfile")
                    .map(drop)
                    .unwrap()
            },
            Restricted,
            "seccompProfile unset",
        );
        broken(
            &|p| p["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = json!(true),
            Restricted,
            "allowPrivilegeEscalation",
        );
        broken(
            &|p| p["securityContext"]["runAsNonRoot"] = json!(false),
            Restricted,
            "runAsNonRoot not set",
        );
        broken(
            &|p| p["containers"][0]["securityContext"]["capabilities"]["drop"] = json!([]),
            Restricted,
            "drop ALL",
        );
        broken(
            &|p| p["volumes"][0] = json!({"name": "n", "nfs": {"server": "x"}}),
            Restricted,
            "type nfs",
        );
        // A pod-level profile covers every container.
        let mut pod = admissible();
        pod["containers"][0]["securityContext"]
            .as_object_mut()
            .unwrap()
            .remove("seccompProfile");
        pod["securityContext"]["seccompProfile"] =
            json!({"type": "Localhost", "localhostProfile": "p.json"});
        assert_eq!(violations(&pod, Restricted), Vec::<String>::new());
    }
}
