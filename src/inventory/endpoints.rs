//! Peer and orderer endpoints to dial over TLS: from an endpoints file (`--endpoints`) or
//! `--endpoint` flags, each with the name clients use, the org's TLS roots and an optional
//! client identity for mutual TLS.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroizing;

use super::live::{ClientIdentity, ExpectedCertificate, NodeRole, OperationsEndpoint, TlsEndpoint};
use super::pem::blocks;

#[derive(Debug, thiserror::Error)]
pub enum EndpointsError {
    #[error("failed to read endpoints file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("failed to parse endpoints file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("failed to use --endpoint '{spec}': {reason}")]
    Spec { spec: String, reason: String },
    #[error("failed to load TLS material for endpoint {endpoint} from {path}: {reason}")]
    Material {
        endpoint: String,
        path: String,
        reason: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    endpoints: Vec<Entry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    address: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    server_name: Option<String>,
    #[serde(default)]
    tls_ca: Option<PathBuf>,
    #[serde(default)]
    client_cert: Option<PathBuf>,
    #[serde(default)]
    client_key: Option<PathBuf>,
    #[serde(default)]
    client_auth_required: Option<bool>,
    /// The operations endpoint: `host:port` (plain HTTP, Fabric's default), `http://host:port`
    /// or `https://host:port`.
    #[serde(default)]
    operations: Option<String>,
    /// `operations.tls.clientAuthRequired` on that endpoint.
    #[serde(default)]
    operations_client_auth_required: Option<bool>,
    /// An orderer's admin endpoint (`host:port`, Fabric 2.3+ `Admin.ListenAddress`), where
    /// the channel participation API lists its channels.
    #[serde(default)]
    admin: Option<String>,
    /// The node's own TLS certificate as deployed, to compare with the one it serves.
    #[serde(default)]
    tls_cert: Option<PathBuf>,
}

/// Loads the endpoints file (if any) and the `--endpoint` specs, in that order.
pub fn load(file: Option<&Path>, flags: &[String]) -> Result<Vec<TlsEndpoint>, EndpointsError> {
    let mut out = Vec::new();
    if let Some(path) = file {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| EndpointsError::Read {
            path: shown.clone(),
            source,
        })?;
        let parsed: File = crate::yaml::from_str(&text).map_err(|e| EndpointsError::Parse {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        for (i, entry) in parsed.endpoints.into_iter().enumerate() {
            out.push(resolve(
                entry,
                base,
                format!("{shown}, endpoint {}", i + 1),
            )?);
        }
    }
    for spec in flags {
        let entry = parse_spec(spec)?;
        out.push(resolve(entry, Path::new(""), format!("--endpoint {spec}"))?);
    }
    Ok(out)
}

/// `NAME=HOST:PORT[,ca=FILE][,sni=NAME][,role=peer|orderer][,cert=FILE,key=FILE][,clientauth=BOOL][,ops=[http[s]://]HOST:PORT][,opsclientauth=BOOL][,admin=HOST:PORT]`
fn parse_spec(spec: &str) -> Result<Entry, EndpointsError> {
    let bad = |reason: &str| EndpointsError::Spec {
        spec: spec.to_owned(),
        reason: reason.to_owned(),
    };
    let mut parts = spec.split(',');
    let (name, address) = parts
        .next()
        .and_then(|p| p.split_once('='))
        .ok_or_else(|| bad("expected NAME=HOST:PORT"))?;
    let mut entry = Entry {
        name: name.to_owned(),
        address: address.to_owned(),
        ..Entry::default()
    };
    for part in parts {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| bad(&format!("'{part}' is not key=value")))?;
        match k {
            "ca" => entry.tls_ca = Some(v.into()),
            "sni" => entry.server_name = Some(v.to_owned()),
            "role" => entry.role = Some(v.to_owned()),
            "cert" => entry.client_cert = Some(v.into()),
            "key" => entry.client_key = Some(v.into()),
            "clientauth" => {
                entry.client_auth_required = Some(
                    v.parse()
                        .map_err(|_| bad("clientauth must be true or false"))?,
                )
            }
            "ops" => entry.operations = Some(v.to_owned()),
            "admin" => entry.admin = Some(v.to_owned()),
            "servercert" => entry.tls_cert = Some(v.into()),
            "opsclientauth" => {
                entry.operations_client_auth_required = Some(
                    v.parse()
                        .map_err(|_| bad("opsclientauth must be true or false"))?,
                )
            }
            other => {
                return Err(bad(&format!(
                    "unknown key '{other}' (ca, sni, role, cert, key, clientauth, ops, opsclientauth, admin, servercert)"
                )));
            }
        }
    }
    Ok(entry)
}

fn resolve(entry: Entry, base: &Path, declared_at: String) -> Result<TlsEndpoint, EndpointsError> {
    let material = |path: &Path, reason: String| EndpointsError::Material {
        endpoint: entry.name.clone(),
        path: path.display().to_string(),
        reason,
    };
    let (host, port) = entry
        .address
        .rsplit_once(':')
        .ok_or_else(|| EndpointsError::Spec {
            spec: declared_at.clone(),
            reason: format!("address '{}' is not host:port", entry.address),
        })?;
    if host.is_empty() || port.parse::<u16>().is_err() {
        return Err(EndpointsError::Spec {
            spec: declared_at.clone(),
            reason: format!("address '{}' is not host:port", entry.address),
        });
    }
    let role = match entry.role.as_deref() {
        None | Some("peer") => NodeRole::Peer,
        Some("orderer") => NodeRole::Orderer,
        Some(other) => {
            return Err(EndpointsError::Spec {
                spec: declared_at,
                reason: format!("role '{other}' is not peer or orderer"),
            });
        }
    };
    let (tls_roots, tls_roots_origin) = match &entry.tls_ca {
        Some(p) => {
            let p = base.join(p);
            (
                roots(&p).map_err(|e| material(&p, e))?,
                Some(p.display().to_string()),
            )
        }
        None => (Vec::new(), None),
    };
    let client_identity = match (&entry.client_cert, &entry.client_key) {
        (Some(c), Some(k)) => {
            let (c, k) = (base.join(c), base.join(k));
            let chain = certificates(&std::fs::read(&c).map_err(|e| material(&c, e.to_string()))?)
                .map_err(|e| material(&c, e))?;
            let key_pem =
                Zeroizing::new(std::fs::read(&k).map_err(|e| material(&k, e.to_string()))?);
            Some(ClientIdentity {
                chain,
                key_pem,
                cert_origin: c.display().to_string(),
            })
        }
        (None, None) => None,
        _ => {
            return Err(EndpointsError::Spec {
                spec: declared_at,
                reason: "client_cert and client_key go together".into(),
            });
        }
    };
    let operations = match &entry.operations {
        None => None,
        Some(spec) => Some(OperationsEndpoint {
            client_auth_required: entry.operations_client_auth_required,
            ..operations_address(spec).map_err(|reason| EndpointsError::Spec {
                spec: declared_at.clone(),
                reason,
            })?
        }),
    }
    .map(|o| OperationsEndpoint {
        declared_at: declared_at.clone(),
        ..o
    });
    let expected_certificate = entry.tls_cert.as_ref().map(|p| {
        let p = base.join(p);
        expected(&p)
    });
    Ok(TlsEndpoint {
        expected_certificate,
        name: entry.name,
        address: entry.address,
        server_name: entry.server_name,
        role,
        tls_roots,
        tls_roots_origin,
        client_identity,
        client_auth_required: entry.client_auth_required,
        declared_at,
        operations,
        admin: entry.admin,
    })
}

/// An operations address as the endpoints file writes it: `host:port` (plain HTTP, the
/// default of Fabric's `operations.tls.enabled: false`), `http://host:port`, `https://host:port`.
fn operations_address(spec: &str) -> Result<OperationsEndpoint, String> {
    let (tls, rest) = if let Some(rest) = spec.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = spec.strip_prefix("http://") {
        (false, rest)
    } else {
        (false, spec)
    };
    let rest = rest.trim_end_matches('/');
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            Ok(OperationsEndpoint {
                address: rest.to_owned(),
                tls,
                ..OperationsEndpoint::default()
            })
        }
        _ => Err(format!(
            "operations address '{spec}' is not [http[s]://]host:port"
        )),
    }
}

/// The operations endpoint a node's environment describes (compose `environment:`, a pod's
/// `env`): the port of `CORE_OPERATIONS_LISTENADDRESS` / `ORDERER_OPERATIONS_LISTENADDRESS`
/// (Fabric's defaults: peer 127.0.0.1:9443, orderer 127.0.0.1:8443 — core.yaml / orderer.yaml
/// `operations.listenAddress`), whether it is HTTPS (`…_OPERATIONS_TLS_ENABLED`, default false)
/// and whether it requires client certificates (`…_OPERATIONS_TLS_CLIENTAUTHREQUIRED`).
/// `host` is where the probe reaches the node; `None` when the listener binds loopback only,
/// which nothing outside the container can reach.
pub fn operations_from_env(
    role: NodeRole,
    env: &dyn Fn(&str) -> Option<String>,
    host: &str,
) -> Option<(OperationsEndpoint, u16)> {
    let prefix = match role {
        NodeRole::Peer => "CORE_OPERATIONS",
        NodeRole::Orderer => "ORDERER_OPERATIONS",
    };
    let listen = env(&format!("{prefix}_LISTENADDRESS"))?;
    let (bind, port) = listen.trim().rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    if bind == "127.0.0.1" || bind == "localhost" || bind == "::1" || bind == "[::1]" {
        return None;
    }
    let flag = |key: &str| {
        env(&format!("{prefix}_TLS_{key}")).and_then(|v| v.trim().to_ascii_lowercase().parse().ok())
    };
    Some((
        OperationsEndpoint {
            address: format!("{host}:{port}"),
            tls: flag("ENABLED").unwrap_or(false),
            client_auth_required: flag("CLIENTAUTHREQUIRED"),
            declared_at: format!("{prefix}_LISTENADDRESS={listen}"),
        },
        port,
    ))
}

/// TLS roots from a PEM file, or from an MSP folder (`tlscacerts/`) or a `tls/` folder (`ca.crt`).
fn roots(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    if path.is_dir() {
        let mut out = Vec::new();
        for candidate in [path.join("tlscacerts"), path.join("msp/tlscacerts")] {
            if let Ok(dir) = std::fs::read_dir(&candidate) {
                for f in dir.flatten() {
                    out.extend(certificates(&read_material(&f.path())?)?);
                }
            }
        }
        if let Ok(bytes) = read_material(&path.join("ca.crt")) {
            out.extend(certificates(&bytes)?);
        }
        if out.is_empty() {
            return Err("no tlscacerts/ or ca.crt in this folder".into());
        }
        return Ok(out);
    }
    certificates(&read_material(path)?)
}

/// A certificate file a profile or endpoints file names: a regular file of at most
/// [`MAX_MATERIAL_BYTES`](super::artifacts::MAX_MATERIAL_BYTES). A name that is a FIFO or a
/// device (`/dev/zero`) would block or never end; it is refused without opening.
/// The first certificate of the file at `path`, as the node's expected TLS certificate.
fn expected(path: &Path) -> ExpectedCertificate {
    ExpectedCertificate {
        der: read_material(path).and_then(|b| {
            certificates(&b)?
                .into_iter()
                .next()
                .ok_or_else(|| "no certificate in the file".to_string())
        }),
        origin: path.display().to_string(),
    }
}

fn read_material(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let limit = super::artifacts::MAX_MATERIAL_BYTES;
    if !std::fs::metadata(path)
        .map_err(|e| e.to_string())?
        .is_file()
    {
        return Err("not a regular file".into());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!("larger than {limit} bytes"));
    }
    Ok(bytes)
}

fn certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let certs: Vec<Vec<u8>> = blocks(bytes)
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| b.contents)
        .collect::<Result<_, _>>()?;
    if certs.is_empty() {
        return Err("no PEM CERTIFICATE block".into());
    }
    Ok(certs)
}

/// Adds the certificates servers sent, and the roots they were checked against, to the
/// inventory so the certificate checks judge them too: an expired served certificate is
/// caught even when the files on disk were renewed.
pub fn add_served_certificates(inventory: &mut super::Inventory) {
    use super::layout::{Layout, Role};
    use super::{CertRecord, Origin, Problem};

    let mut added = false;
    for o in &inventory.live.tls {
        let ep = &o.endpoint;
        let attempts = std::iter::once(&o.primary).chain(o.without_client_cert.iter());
        let Some(chain) = attempts.map(|a| &a.served_chain).find(|c| !c.is_empty()) else {
            continue;
        };
        let layout = |role| Layout {
            role: Some(role),
            tls_dir: Some(format!("endpoint {}", ep.address)),
            ..Layout::default()
        };
        for (i, der) in chain.iter().enumerate() {
            let origin = Origin::at(
                ep.address.clone(),
                format!("served certificate {} (endpoint {})", i + 1, ep.name),
            );
            let role = if i == 0 {
                Role::TlsServerCert
            } else {
                Role::Other
            };
            match CertRecord::parse(der, origin.clone(), layout(role)) {
                Ok(c) => inventory.certs.push(c),
                Err(reason) => inventory.problems.push(Problem {
                    origin,
                    expected: "served certificate",
                    reason,
                }),
            }
        }
        for (i, der) in ep.tls_roots.iter().enumerate() {
            let origin = Origin::at(
                ep.tls_roots_origin
                    .clone()
                    .unwrap_or_else(|| ep.declared_at.clone()),
                format!("TLS root {} for endpoint {}", i + 1, ep.name),
            );
            if let Ok(c) = CertRecord::parse(der, origin, layout(Role::TlsCa)) {
                inventory.certs.push(c);
            }
        }
        added = true;
    }
    if added {
        inventory.link();
    }
}

/// Peers and orderers described by Fabric connection profiles (`peers:`/`orderers:` with a
/// `grpcs://` url, `tlsCACerts` as `pem` or `path`, `grpcOptions.ssl-target-name-override`),
/// YAML or JSON. A `path` is tried relative to the profile's folder and each folder above it up
/// to the scanned root, since SDK profiles name paths from the application's root.
pub fn from_connection_profiles(root: &Path, files: &[PathBuf]) -> Vec<TlsEndpoint> {
    let mut endpoints = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        if !text.contains("grpcs://") || !text.contains("tlsCACerts") {
            continue;
        }
        let doc: Option<serde_json::Value> = if file.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).ok()
        } else {
            crate::yaml::from_str(&text).ok()
        };
        let Some(doc) = doc else { continue };
        for (section, role) in [("peers", NodeRole::Peer), ("orderers", NodeRole::Orderer)] {
            let Some(nodes) = doc.get(section).and_then(|v| v.as_object()) else {
                continue;
            };
            for (name, node) in nodes {
                let Some(url) = node.get("url").and_then(|u| u.as_str()) else {
                    continue;
                };
                let Some(address) = url.strip_prefix("grpcs://") else {
                    continue;
                };
                let declared_at = format!("{}, {section}.{name}", file.display());
                let server_name = node
                    .get("grpcOptions")
                    .and_then(|g| g.get("ssl-target-name-override"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
                let ca = node.get("tlsCACerts");
                let (tls_roots, tls_roots_origin) = if let Some(pem) =
                    ca.and_then(|c| c.get("pem")).and_then(|p| p.as_str())
                {
                    match certificates(pem.replace("\\n", "\n").as_bytes()) {
                        Ok(r) => (r, Some(format!("{declared_at}.tlsCACerts.pem"))),
                        Err(e) => (
                            Vec::new(),
                            Some(format!("unusable: {declared_at}.tlsCACerts.pem: {e}")),
                        ),
                    }
                } else if let Some(rel) = ca.and_then(|c| c.get("path")).and_then(|p| p.as_str()) {
                    let found = file
                        .ancestors()
                        .skip(1)
                        .take_while(|d| d.starts_with(root) || *d == root)
                        .map(|d| d.join(rel))
                        .find(|p| p.exists());
                    match found.map(|p| roots(&p).map(|r| (r, p))) {
                        Some(Ok((r, p))) => (r, Some(p.display().to_string())),
                        Some(Err(e)) => (
                            Vec::new(),
                            Some(format!(
                                "unusable: {declared_at}.tlsCACerts.path {rel}: {e}"
                            )),
                        ),
                        None => (
                            Vec::new(),
                            Some(format!(
                                "unusable: {declared_at}.tlsCACerts.path {rel} not found beside the profile"
                            )),
                        ),
                    }
                } else {
                    (Vec::new(), None)
                };
                endpoints.push(TlsEndpoint {
                    name: name.clone(),
                    address: address.to_owned(),
                    server_name,
                    role,
                    tls_roots,
                    tls_roots_origin,
                    client_identity: None,
                    client_auth_required: None,
                    declared_at,
                    // Connection profiles say nothing about the operations service.
                    operations: None,
                    admin: None,
                    expected_certificate: None,
                });
            }
        }
    }
    endpoints
}

/// Peers and orderers of docker-compose services that publish their gRPC port: dialled at the
/// published host port, by their service name, trusting the TLS root the node itself is given
/// (`CORE_PEER_TLS_ROOTCERT_FILE`, `ORDERER_GENERAL_TLS_ROOTCAS`) found on the host through the
/// service's bind mounts.
pub fn from_compose(ordering: &super::ordering::OrderingConfig) -> Vec<TlsEndpoint> {
    use super::ordering::Component;

    let mut out = Vec::new();
    for w in &ordering.workloads {
        let (role, default_port, roots_key, auth_key) = match w.component {
            Component::Peer => (
                NodeRole::Peer,
                7051,
                "CORE_PEER_TLS_ROOTCERT_FILE",
                "CORE_PEER_TLS_CLIENTAUTHREQUIRED",
            ),
            Component::Orderer => (
                NodeRole::Orderer,
                7050,
                "ORDERER_GENERAL_TLS_ROOTCAS",
                "ORDERER_GENERAL_TLS_CLIENTAUTHREQUIRED",
            ),
            _ => continue,
        };
        let env = |k: &str| {
            w.env
                .get(k)
                .filter(|s| s.evaluated())
                .map(|s| s.value.trim().to_owned())
        };
        let port: u16 = match role {
            NodeRole::Peer => {
                env("CORE_PEER_LISTENADDRESS").and_then(|a| a.rsplit_once(':')?.1.parse().ok())
            }
            NodeRole::Orderer => env("ORDERER_GENERAL_LISTENPORT").and_then(|p| p.parse().ok()),
        }
        .unwrap_or(default_port);
        let Some(mapping) = w.ports.iter().find(|p| p.target == port) else {
            continue;
        };
        let host = match mapping.host_ip.as_deref() {
            None | Some("0.0.0.0") | Some("") => "127.0.0.1",
            Some(ip) => ip,
        };
        let mut roots = Vec::new();
        let mut origin = None;
        for container_path in env(roots_key).iter().flat_map(|v| {
            v.trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect::<Vec<_>>()
        }) {
            match w.host_path(&container_path) {
                Some(p) => match read_material(&p).and_then(|b| certificates(&b)) {
                    Ok(r) => {
                        roots.extend(r);
                        origin = Some(p.display().to_string());
                    }
                    Err(e) => {
                        origin = Some(format!(
                            "unusable: {} ({container_path} in the container): {e}",
                            p.display()
                        ))
                    }
                },
                None => {
                    origin = Some(format!(
                        "unusable: {container_path} is not under any bind mount of {}",
                        w.name
                    ))
                }
            }
        }
        // The operations port, when the service publishes it, at its published host port.
        let operations = operations_from_env(role, &env, host).and_then(|(ops, port)| {
            let published = w.ports.iter().find(|p| p.target == port)?;
            let ops_host = match published.host_ip.as_deref() {
                None | Some("0.0.0.0") | Some("") => "127.0.0.1",
                Some(ip) => ip,
            };
            Some(OperationsEndpoint {
                address: format!("{ops_host}:{}", published.published),
                declared_at: format!("{} ({})", w.origin, ops.declared_at),
                ..ops
            })
        });
        // The certificate the node serves, as its compose file gives it.
        let cert_key = match role {
            NodeRole::Peer => "CORE_PEER_TLS_CERT_FILE",
            NodeRole::Orderer => "ORDERER_GENERAL_TLS_CERTIFICATE",
        };
        let expected_certificate =
            env(cert_key).map(|container_path| match w.host_path(&container_path) {
                Some(p) => ExpectedCertificate {
                    origin: format!("{} ({cert_key}={container_path})", p.display()),
                    ..expected(&p)
                },
                None => ExpectedCertificate {
                    der: Err(format!(
                        "{container_path} is not under any bind mount of {}",
                        w.name
                    )),
                    origin: format!("{} {cert_key}", w.origin),
                },
            });
        out.push(TlsEndpoint {
            operations,
            name: w.name.clone(),
            address: format!("{host}:{}", mapping.published),
            server_name: Some(
                w.hostnames
                    .iter()
                    .find(|h| h.contains('.'))
                    .cloned()
                    .unwrap_or_else(|| w.name.clone()),
            ),
            role,
            tls_roots: roots,
            tls_roots_origin: origin,
            client_identity: None,
            client_auth_required: env(auth_key).and_then(|v| v.to_ascii_lowercase().parse().ok()),
            declared_at: w.origin.to_string(),
            admin: None,
            expected_certificate,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let e = parse_spec(
            "peer0.org1=127.0.0.1:7051,sni=peer0.org1.example.com,role=peer,clientauth=true",
        )
        .unwrap();
        assert_eq!(e.name, "peer0.org1");
        assert_eq!(e.address, "127.0.0.1:7051");
        assert_eq!(e.server_name.as_deref(), Some("peer0.org1.example.com"));
        assert_eq!(e.client_auth_required, Some(true));
        assert!(parse_spec("nohost").is_err());
        assert!(
            parse_spec("a=h:1,colour=red")
                .unwrap_err()
                .to_string()
                .contains("unknown key 'colour'")
        );
    }

    #[test]
    fn the_expected_server_certificate_comes_from_tls_cert_or_servercert() {
        let dir = tempfile::tempdir().unwrap();
        let cert = crate::checks::x509::testing::root("org1");
        std::fs::write(dir.path().join("server.crt"), cert.pem()).unwrap();
        let file = dir.path().join("endpoints.yaml");
        std::fs::write(
            &file,
            "endpoints:\n  - name: peer0\n    address: 127.0.0.1:7051\n    tls_cert: server.crt\n  - name: peer1\n    address: 127.0.0.1:7052\n    tls_cert: missing.crt\n",
        )
        .unwrap();
        let spec = format!(
            "peer2=127.0.0.1:7053,servercert={}",
            dir.path().join("server.crt").display()
        );
        let eps = load(Some(&file), &[spec]).unwrap();
        let expected = |i: usize| eps[i].expected_certificate.as_ref().unwrap();
        assert_eq!(expected(0).der.as_deref().unwrap(), cert.der.as_slice());
        assert!(expected(0).origin.ends_with("server.crt"));
        assert!(expected(1).der.is_err(), "{:?}", expected(1));
        assert_eq!(expected(2).der.as_deref().unwrap(), cert.der.as_slice());
    }

    #[test]
    fn profile_ca_paths_that_are_not_regular_files_are_refused_not_read() {
        // `tlsCACerts.path: /dev/zero` read forever and a FIFO blocked forever: nothing had
        // checked what the path is. (A FIFO here: a test that fails must not fill memory.)
        let dir = tempfile::tempdir().unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join("ca.crt"))
            .status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let profile = dir.path().join("connection-org1.yaml");
        std::fs::write(
            &profile,
            "peers:\n  peer0.org1:\n    url: grpcs://peer0.org1:7051\n    tlsCACerts:\n      path: ca.crt\n",
        )
        .unwrap();
        let (done, finished) = std::sync::mpsc::channel();
        let root = dir.path().to_path_buf();
        std::thread::spawn(move || {
            let _ = done.send(from_connection_profiles(&root, &[profile]));
        });
        let endpoints = finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("reading the profile ends");
        let origin = endpoints[0].tls_roots_origin.as_deref().unwrap_or("");
        assert!(origin.contains("not a regular file"), "{origin}");
    }

    #[test]
    fn bad_addresses_roles_and_half_identities_are_errors() {
        let r = |spec: &str| load(None, &[spec.to_owned()]);
        assert!(
            r("a=host")
                .unwrap_err()
                .to_string()
                .contains("not host:port")
        );
        assert!(r("a=host:99999").is_err());
        assert!(
            r("a=h:1,role=client")
                .unwrap_err()
                .to_string()
                .contains("not peer or orderer")
        );
        assert!(
            r("a=h:1,cert=x.pem")
                .unwrap_err()
                .to_string()
                .contains("go together")
        );
        assert!(
            r("a=h:1,ca=/nonexistent/ca.pem")
                .unwrap_err()
                .to_string()
                .contains("/nonexistent/ca.pem")
        );
        let ok = r("a=h:1,role=orderer").unwrap();
        assert_eq!(ok[0].role, NodeRole::Orderer);
    }

    #[test]
    fn operations_addresses_take_a_scheme_or_default_to_plain_http() {
        let e = load(
            None,
            &["p=h:7051,ops=https://peer0:9443/,opsclientauth=true".to_owned()],
        )
        .unwrap();
        let ops = e[0].operations.as_ref().unwrap();
        assert_eq!(ops.address, "peer0:9443");
        assert!(ops.tls);
        assert_eq!(ops.client_auth_required, Some(true));
        let plain = load(None, &["p=h:7051,ops=peer0:9443".to_owned()]).unwrap();
        assert!(!plain[0].operations.as_ref().unwrap().tls);
        assert!(
            load(None, &["p=h:7051,ops=https://peer0".to_owned()])
                .unwrap_err()
                .to_string()
                .contains("not [http[s]://]host:port")
        );
        assert!(
            load(None, &["p=h:7051".to_owned()]).unwrap()[0]
                .operations
                .is_none()
        );
    }

    #[test]
    fn operations_from_the_environment_follow_fabric_defaults() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        // Unset: Fabric listens on 127.0.0.1:9443, which nothing outside the container reaches.
        assert!(operations_from_env(NodeRole::Peer, &env(&[]), "h").is_none());
        assert!(
            operations_from_env(
                NodeRole::Peer,
                &env(&[("CORE_OPERATIONS_LISTENADDRESS", "127.0.0.1:9443")]),
                "h"
            )
            .is_none()
        );
        let (ops, port) = operations_from_env(
            NodeRole::Orderer,
            &env(&[
                ("ORDERER_OPERATIONS_LISTENADDRESS", "0.0.0.0:8443"),
                ("ORDERER_OPERATIONS_TLS_ENABLED", "True"),
                ("ORDERER_OPERATIONS_TLS_CLIENTAUTHREQUIRED", "false"),
            ]),
            "orderer0",
        )
        .unwrap();
        assert_eq!((ops.address.as_str(), port), ("orderer0:8443", 8443));
        assert!(ops.tls);
        assert_eq!(ops.client_auth_required, Some(false));
        let (ops, _) = operations_from_env(
            NodeRole::Peer,
            &env(&[(
                "CORE_OPERATIONS_LISTENADDRESS",
                "peer0.org1.example.com:9444",
            )]),
            "127.0.0.1",
        )
        .unwrap();
        assert!(
            !ops.tls,
            "core.yaml's operations.tls.enabled defaults to false"
        );
    }
}
