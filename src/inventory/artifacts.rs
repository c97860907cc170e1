//! Gathering from a folder of artifacts (`fabcheck check --artifacts DIR`).
//!
//! Walks the tree once, then reads and parses files in parallel. Every certificate is found
//! wherever it is: PEM files of any name (one or many blocks), DER files, MSP trees, cryptogen
//! `crypto-config/` layouts and base64 data in Kubernetes Secret/ConfigMap YAML. Where manifests
//! mount Secrets and ConfigMaps into pods, the files each pod sees are laid out again
//! ([`super::mounts`]) and read like files on disk, so a node's MSP folder exists here as it
//! does in the node. Anything that cannot be read becomes a [`Problem`] naming the file and the
//! reason; the walk goes on. Binary data (Fabric blocks, binary Secret values) is not PEM and
//! is listed as [`Inventory::binary`], not scanned for armour it merely embeds.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::cert::{CertRecord, ParseCache};
use super::idemix::{self, IdemixKind, IdemixRecord};
use super::key::{KeyEncoding, KeyRecord, public_key_of};
use super::layout::{Layout, MSP_SUBDIRS};
use super::mounts::{self, MountedFile, PodMounts};
use super::msp::{MspDir, parse_config};
use super::pem::{blocks, is_text, looks_like_der, looks_like_pem};
use super::secrets::{self, EmbeddedValue};
use super::{Inventory, Origin, Problem};

/// Files larger than this cannot be certificate or key material and are not read.
pub const MAX_MATERIAL_BYTES: u64 = 10 * 1024 * 1024;

/// Extensions of files that hold certificates or keys wherever they are.
const MATERIAL_EXTENSIONS: &[&str] = &["pem", "crt", "cer", "der", "key", "cert"];

/// Extensions of Fabric's binary artifacts: blocks (`genesis.block`, `config_block.pb`) and
/// transactions (`channel.tx`). They embed the MSPs' PEM certificates inside protobuf, which
/// makes them look like broken PEM to a text scanner; they are not certificate files.
const BINARY_ARTIFACT_EXTENSIONS: &[&str] = &["block", "tx", "pb"];

#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error("failed to read artifacts at {path}: {source}")]
    Root {
        path: String,
        source: std::io::Error,
    },
}

/// What the walk met: an MSP subfolder, a file (already read), or a problem.
enum Walked {
    MspSubdir {
        parent: PathBuf,
        name: String,
    },
    /// Boxed: a file's yield is large beside the other variants, and the walk holds many.
    File(Box<FileYield>),
    Problem(Problem),
    /// Not a regular file (after following links): skipped, never opened.
    NotRegular(String),
}

/// What a file that is neither a regular file nor a folder is.
pub fn special_kind(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_char_device() {
        "a character device"
    } else {
        "a special file"
    }
}

/// What one file contributed.
#[derive(Default)]
struct FileYield {
    path: PathBuf,
    certs: Vec<CertRecord>,
    keys: Vec<KeyRecord>,
    problems: Vec<Problem>,
    msp_config: Option<(String, super::msp::MspConfig)>,
    /// Secret and ConfigMap values, and the pods that mount them, for laying out pods' files.
    values: Vec<EmbeddedValue>,
    pods: Vec<PodMounts>,
    binary: Vec<Origin>,
    channels: Vec<super::channel::ChannelConfig>,
    channel_problems: Vec<Problem>,
    /// configtx.yaml files stored in ConfigMap or Secret values.
    embedded_configtx: Vec<super::ordering::yaml::YamlFile>,
    idemix: Vec<IdemixRecord>,
    templated: Vec<Origin>,
    crls: Vec<super::crl::CrlRecord>,
}

/// Gathers every certificate, key and MSP folder under `root` (a folder or a single file).
pub fn gather(root: &Path) -> Result<Inventory, GatherError> {
    let meta = std::fs::metadata(root).map_err(|source| GatherError::Root {
        path: root.display().to_string(),
        source,
    })?;
    let mut inventory = Inventory {
        source: format!("artifacts:{}", root.display()),
        ..Inventory::default()
    };
    let mut msp_dirs: BTreeMap<String, MspDir> = BTreeMap::new();
    let base = if meta.is_file() {
        root.parent().unwrap_or(Path::new(""))
    } else {
        root
    };
    // Walking and reading overlap: the walk feeds files to the thread pool as it finds them,
    // so a tree of 10,000 one-file folders is read while it is still being listed.
    let cache = ParseCache::default();
    // Each file is numbered in walk order, and the walk visits folders sorted by name: that
    // order is the paths' order, so putting the files back in it needs no path comparisons.
    let walked: Vec<(usize, Walked)> = if meta.is_file() {
        vec![(
            0,
            Walked::File(Box::new(read_file(root, base, root, &cache))),
        )]
    } else {
        let found = std::sync::Mutex::new(Vec::new());
        let push = |seq: usize, w: Walked| {
            found
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((seq, w))
        };
        let cache = &cache;
        rayon::scope(|scope| {
            // Symlinks are followed because MSP trees are often assembled from links; walkdir
            // detects loops and reports them as errors instead of recursing forever.
            let walk = walkdir::WalkDir::new(root)
                .follow_links(true)
                .sort_by_file_name();
            for (seq, entry) in walk.into_iter().enumerate() {
                match entry {
                    Ok(e) if e.file_type().is_dir() => {
                        let name = e.file_name().to_string_lossy();
                        if MSP_SUBDIRS.iter().any(|(n, _)| *n == name)
                            && let Some(parent) = e.path().parent()
                        {
                            push(
                                seq,
                                Walked::MspSubdir {
                                    parent: parent.to_path_buf(),
                                    name: name.into_owned(),
                                },
                            );
                        }
                    }
                    Ok(e) if e.file_type().is_file() => {
                        let push = &push;
                        scope.spawn(move |_| {
                            push(
                                seq,
                                Walked::File(Box::new(read_file(root, base, e.path(), cache))),
                            )
                        });
                    }
                    Ok(e) => push(
                        seq,
                        Walked::NotRegular(format!(
                            "{}: {}, not a regular file; skipped without reading",
                            display(e.path()),
                            special_kind(e.file_type())
                        )),
                    ),
                    Err(e) => push(seq, Walked::Problem(walk_problem(&e))),
                }
            }
        });
        let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
        found.sort_unstable_by_key(|(seq, _)| *seq);
        found
    };
    // Signatures are verified while the rest of the inventory is put together.
    let signatures = {
        let certificates = cache.certificates();
        std::thread::spawn(move || super::chain::SignatureMemo::build(&certificates))
    };
    let mut yields: Vec<Box<FileYield>> = Vec::new();
    for (_, item) in walked {
        match item {
            Walked::MspSubdir { parent, name } => {
                let rel = parent.strip_prefix(root).unwrap_or(&parent);
                let node = Layout::of(&rel.join("x")).node_kind;
                msp_dirs
                    .entry(display(&parent))
                    .or_insert_with(|| MspDir {
                        path: display(&parent),
                        // Whether this is a node's MSP is read from the path below the scanned
                        // root: where the tree sits on disk says nothing.
                        node,
                        ..MspDir::default()
                    })
                    .subdirs
                    .insert(name, 0);
            }
            Walked::File(y) => yields.push(y),
            Walked::Problem(p) => inventory.problems.push(p),
            Walked::NotRegular(what) => inventory.not_read.push(what),
        }
    }
    // A folder counts as an MSP when it has cacerts/ or at least two of Fabric's MSP folders;
    // a lone keystore/ or signcerts/ elsewhere is not an MSP.
    msp_dirs.retain(|_, m| m.has("cacerts") || m.subdirs.len() >= 2);

    inventory.problems.sort_by(|a, b| a.origin.cmp(&b.origin));
    inventory.files_scanned = yields.len();
    // Configuration files (compose, manifests, charts, configtx) for the ordering service.
    let config_files: Vec<PathBuf> = yields
        .iter()
        .filter(|y| {
            let ext = y.path.extension().and_then(|e| e.to_str()).unwrap_or("");
            matches!(ext, "yaml" | "yml" | "tpl" | "j2" | "tmpl" | "json")
        })
        .map(|y| y.path.clone())
        .collect();
    // Scripts and env files say how the channel artifacts (the orderers' genesis block) were
    // generated, and which per-host values a compose file is brought up with.
    let scripts: Vec<PathBuf> = yields
        .iter()
        .filter(|y| {
            let ext = y.path.extension().and_then(|e| e.to_str()).unwrap_or("");
            matches!(ext, "sh" | "bash" | "env")
        })
        .map(|y| y.path.clone())
        .collect();
    let (ordering, docs) = super::ordering::gather_with_docs(&config_files, &scripts);
    let all_paths: Vec<PathBuf> = yields.iter().map(|y| y.path.clone()).collect();
    inventory.dns =
        super::dns::DnsInventory::gather(&docs, &all_paths, &ordering.workloads, display);
    inventory.root = display(root);
    inventory.channels = super::channel::profile::gather(&docs);
    let embedded: Vec<super::ordering::yaml::YamlFile> = yields
        .iter_mut()
        .flat_map(|y| std::mem::take(&mut y.embedded_configtx))
        .collect();
    inventory
        .channels
        .extend(super::channel::profile::gather_embedded(&embedded));
    drop(docs);
    inventory.ordering = ordering;
    inventory.config_files = config_files;
    let mut values: Vec<EmbeddedValue> = Vec::new();
    let mut pods: Vec<PodMounts> = Vec::new();
    for y in yields {
        let y = *y;
        inventory.certs.extend(y.certs);
        inventory.keys.extend(y.keys);
        inventory.problems.extend(y.problems);
        inventory.binary.extend(y.binary);
        inventory.channels.extend(y.channels);

        inventory.channel_problems.extend(y.channel_problems);
        inventory.idemix.extend(y.idemix);
        inventory.crls.extend(y.crls);
        inventory.templated_values.extend(y.templated);
        values.extend(y.values);
        pods.extend(y.pods);
        if let Some((dir, config)) = y.msp_config
            && let Some(msp) = msp_dirs.get_mut(&dir)
        {
            msp.config = Some(config);
        }
    }
    // Count files, not blocks, per MSP subfolder. An unreadable file still occupies its
    // folder, so "signcerts/ is empty" is not reported on top of "signcerts/x.pem does not parse".
    let mut counted: HashSet<&str> = HashSet::new();
    let problem_layouts: Vec<Layout> = inventory
        .problems
        .iter()
        .map(|p| absolute_layout(root, base, &p.origin.path))
        .collect();
    let placed = (inventory.certs.iter().map(|c| (&c.origin, &c.layout)))
        .chain(inventory.keys.iter().map(|k| (&k.origin, &k.layout)))
        .chain(
            inventory
                .problems
                .iter()
                .map(|p| &p.origin)
                .zip(&problem_layouts),
        );
    for (origin, layout) in placed {
        let embedded = origin
            .locator
            .as_deref()
            .is_some_and(|l| l.starts_with("document"));
        if embedded || !counted.insert(&origin.path) {
            continue;
        }
        if let (Some(dir), Some(role)) = (&layout.msp_dir, layout.role)
            && let Some(msp) = msp_dirs.get_mut(dir)
            && let Some((name, _)) = MSP_SUBDIRS.iter().find(|(_, r)| *r == role)
        {
            *msp.subdirs.entry((*name).to_owned()).or_default() += 1;
        }
    }
    if !pods.is_empty() {
        add_pod_files(&mut inventory, &mut msp_dirs, &pods, &values, &cache);
    }
    drop(values);
    for msp in msp_dirs.values_mut() {
        msp.ca_server_home = ca_server_home(msp, &inventory.idemix);
    }
    inventory.msps = msp_dirs.into_values().collect();
    // A memo lost to a panic only means the signatures are verified in link_with.
    inventory.link_with(&signatures.join().unwrap_or_default());
    super::channel::feed_kafka_rules(&mut inventory);
    Ok(inventory)
}

/// The layout of a file a pod sees: what its folders in the pod say, with the MSP and TLS
/// folders named where the file is shown ([`mounts::virtual_path`]).
fn pod_layout(file: &MountedFile) -> Layout {
    let mut layout = Layout::of(Path::new(&file.path));
    // Layout drops the leading `/`; the pod's folders are absolute.
    let at = |dir: String| mounts::virtual_path(&file.file, &file.workload, &format!("/{dir}"));
    layout.msp_dir = layout.msp_dir.map(at);
    layout.tls_dir = layout.tls_dir.map(at);
    layout
}

/// Whether `origin` is `source` or a part of it (a PEM block of the value).
fn within(origin: &Origin, source: &Origin) -> bool {
    origin.path == source.path
        && match (&origin.locator, &source.locator) {
            (Some(o), Some(s)) => o
                .strip_prefix(s.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(',')),
            (o, s) => o == s,
        }
}

/// Reads the files pods see from their Secret and ConfigMap volumes as files at their place in
/// the pod: certificates and keys with the roles the pod's folders give them, the MSP folders
/// they make, and those folders' `config.yaml`. A value that is unreadable is reported once,
/// where it is stored, however many pods mount it.
fn add_pod_files(
    inventory: &mut Inventory,
    msp_dirs: &mut BTreeMap<String, MspDir>,
    pods: &[PodMounts],
    values: &[EmbeddedValue],
    cache: &ParseCache,
) {
    let files = mounts::lay_out(pods, values);
    let layouts: Vec<Layout> = files.iter().map(pod_layout).collect();
    // Every file of an MSP subfolder counts, readable or not, as on disk.
    let mut pod_msps: BTreeMap<String, MspDir> = BTreeMap::new();
    for layout in &layouts {
        if let (Some(dir), Some(role)) = (&layout.msp_dir, layout.role)
            && let Some((name, _)) = MSP_SUBDIRS.iter().find(|(_, r)| *r == role)
        {
            *pod_msps
                .entry(dir.clone())
                .or_insert_with(|| MspDir {
                    path: dir.clone(),
                    node: layout.node_kind,
                    ..MspDir::default()
                })
                .subdirs
                .entry((*name).to_owned())
                .or_default() += 1;
        }
    }
    pod_msps.retain(|_, m| m.has("cacerts") || m.subdirs.len() >= 2);
    // The MSP a node's environment points it at is its own, signing, MSP whatever it holds.
    for pod in pods {
        for (path, kind) in &pod.local_msps {
            let dir = mounts::virtual_path(&pod.file, &pod.workload, path);
            if let Some(msp) = pod_msps.get_mut(&dir) {
                msp.node = Some(*kind);
            }
        }
        for (path, setting) in &pod.tls_dirs {
            if pod.local_msps.iter().any(|(local, _)| local == path) {
                continue;
            }
            let dir = mounts::virtual_path(&pod.file, &pod.workload, path);
            if let Some(msp) = pod_msps.get_mut(&dir) {
                msp.tls_reference = Some((*setting).to_owned());
            }
        }
    }
    for (file, layout) in files.iter().zip(layouts) {
        let value = &values[file.value];
        let shown = mounts::virtual_path(&file.file, &file.workload, &file.path);
        let origin = Origin::at(shown, format!("mounted from {}", value.origin));
        let (folder, name) = file.path.rsplit_once('/').unwrap_or(("", &file.path));
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if name == "config.yaml" {
            let dir = mounts::virtual_path(&file.file, &file.workload, folder);
            if let Some(msp) = pod_msps.get_mut(&dir) {
                msp.config = Some(parse_config(&String::from_utf8_lossy(&value.bytes), origin));
            }
            continue;
        }
        // Blocks and transactions are listed where they are stored.
        if BINARY_ARTIFACT_EXTENSIONS.contains(&ext.as_str()) {
            continue;
        }
        let parent = folder.rsplit('/').next();
        if let Some(kind) = IdemixKind::of(name, parent) {
            let mut found = FileYield::default();
            let bytes = Zeroizing::new(value.bytes.to_vec());
            recognise_idemix(kind, bytes, origin, &layout, &mut found);
            let reported = inventory
                .problems
                .iter()
                .any(|p| within(&p.origin, &value.origin));
            if !reported {
                inventory.problems.extend(found.problems);
            }
            inventory.idemix.extend(found.idemix);
            continue;
        }
        let named = MATERIAL_EXTENSIONS.contains(&ext.as_str()) || name.ends_with("_sk");
        if !named && !layout.role().is_loaded_by_fabric() {
            continue;
        }
        let mut found = FileYield::default();
        if value.bytes.is_empty() {
            found.problems.push(Problem {
                origin,
                expected: "certificate or key",
                reason: "file is empty".into(),
            });
        } else {
            classify_material(cache, &value.bytes, origin, layout, named, &mut found);
        }
        let reported = inventory
            .problems
            .iter()
            .any(|p| within(&p.origin, &value.origin))
            || inventory
                .keys
                .iter()
                .any(|k| k.public_key.is_err() && within(&k.origin, &value.origin));
        if reported {
            inventory.reported_at_source.extend(
                found
                    .keys
                    .iter()
                    .filter(|k| k.public_key.is_err())
                    .map(|k| k.origin.clone()),
            );
        } else {
            inventory.problems.extend(found.problems);
        }
        inventory.certs.extend(found.certs);
        inventory.keys.extend(found.keys);
    }
    msp_dirs.extend(pod_msps);
}

/// Records an Idemix file as recognised (kind and shape only), or as a problem when it does
/// not have the shape fabric-ca writes and reads back. `data` is zeroed when this returns.
fn recognise_idemix(
    kind: IdemixKind,
    data: Zeroizing<Vec<u8>>,
    origin: Origin,
    layout: &Layout,
    out: &mut FileYield,
) {
    match idemix::check(kind, data) {
        Ok(summary) => out.idemix.push(IdemixRecord {
            origin,
            kind,
            summary,
            msp_dir: layout.msp_dir.clone(),
        }),
        Err(reason) => out.problems.push(Problem {
            origin,
            expected: kind.describe(),
            reason,
        }),
    }
}

/// The files a fabric-ca server keeps in its home folder beside its `msp/` (fabric-ca
/// `lib/server.go`: the server's configuration file and its default SQLite database).
const CA_SERVER_FILES: &[&str] = &["fabric-ca-server-config.yaml", "fabric-ca-server.db"];

/// Why `msp` is a fabric-ca server's own `msp/` folder, when it is: it sits beside the server's
/// configuration or database, or its `keystore/` holds the CA's Idemix issuer keys, which only a
/// server has (fabric-ca `lib/server/idemix/config.go`: `msp/keystore/IssuerSecretKey`,
/// `IssuerRevocationPrivateKey`). The server keeps its CA and TLS keys there for its BCCSP; no
/// Fabric node loads the folder as an MSP.
fn ca_server_home(msp: &MspDir, idemix: &[IdemixRecord]) -> Option<String> {
    let dir = Path::new(&msp.path);
    if dir.file_name().is_some_and(|n| n == "msp")
        && let Some(home) = dir.parent()
        && let Some(file) = CA_SERVER_FILES.iter().find(|f| home.join(f).is_file())
    {
        return Some(format!("beside the fabric-ca server's {file}"));
    }
    idemix
        .iter()
        .find(|r| r.kind.is_issuer_secret() && r.msp_dir.as_deref() == Some(msp.path.as_str()))
        .map(|r| {
            let file = r.origin.path.rsplit('/').next().unwrap_or(&r.origin.path);
            format!("its keystore/ holds the CA's Idemix issuer key {file}")
        })
}

fn walk_problem(e: &walkdir::Error) -> Problem {
    let path = e.path().map(display).unwrap_or_default();
    let reason = match e.loop_ancestor() {
        Some(ancestor) => format!("symlink loop: {path} leads back to {}", ancestor.display()),
        None => format!(
            "failed to read: {}",
            e.io_error()
                .map(|io| io.to_string())
                .unwrap_or_else(|| e.to_string())
        ),
    };
    Problem {
        origin: Origin::file(path),
        expected: "file",
        reason,
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

/// Layout of a displayed path, with its folders in display form. `base` is the folder the
/// root's files live in (the root itself, or a single file's parent).
fn absolute_layout(root: &Path, base: &Path, path: &str) -> Layout {
    let p = Path::new(path);
    let rel = p.strip_prefix(root).unwrap_or(p);
    let mut layout = Layout::of(rel);
    // An empty relative folder is the root itself; joining "" would add a trailing slash and
    // the folder would no longer match the MSP it is.
    let under_base = |d: String| {
        if d.is_empty() {
            display(base)
        } else {
            display(&base.join(d))
        }
    };
    layout.msp_dir = layout.msp_dir.map(under_base);
    layout.tls_dir = layout.tls_dir.map(under_base);
    layout
}

fn read_file(root: &Path, base: &Path, path: &Path, cache: &ParseCache) -> FileYield {
    let shown = display(path);
    let layout = absolute_layout(root, base, &shown);
    let mut out = FileYield {
        path: path.to_path_buf(),
        ..FileYield::default()
    };
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if BINARY_ARTIFACT_EXTENSIONS.contains(&ext.as_str()) {
        let origin = Origin::file(shown.clone());
        match std::fs::metadata(path) {
            Ok(m) if m.len() > super::channel::MAX_ARTIFACT_BYTES => {
                out.channel_problems.push(Problem {
                    origin: origin.clone(),
                    expected: "Fabric block or transaction",
                    reason: format!("{} bytes is larger than any block fabcheck reads", m.len()),
                })
            }
            Ok(_) => match std::fs::read(path) {
                Ok(data) => decode_channel(
                    &data,
                    origin.clone(),
                    &scope_of(&shown),
                    true,
                    cache,
                    &mut out,
                ),
                Err(e) => out.channel_problems.push(Problem {
                    origin: origin.clone(),
                    expected: "Fabric block or transaction",
                    reason: format!("failed to read: {e}"),
                }),
            },
            Err(e) => out.channel_problems.push(Problem {
                origin: origin.clone(),
                expected: "Fabric block or transaction",
                reason: format!("failed to read: {e}"),
            }),
        }
        out.binary.push(origin);
        return out;
    }
    let parent_name = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    if let Some(kind) = IdemixKind::of(&file_name, parent_name.as_deref()) {
        let origin = Origin::file(shown);
        match std::fs::metadata(path) {
            Ok(m) if m.len() > MAX_MATERIAL_BYTES => out.problems.push(Problem {
                origin,
                expected: kind.describe(),
                reason: format!(
                    "file is {} bytes, larger than any Idemix key file could be ({} byte limit); not read",
                    m.len(),
                    MAX_MATERIAL_BYTES
                ),
            }),
            _ => match std::fs::read(path) {
                Ok(data) => recognise_idemix(kind, Zeroizing::new(data), origin, &layout, &mut out),
                Err(e) => out.problems.push(Problem {
                    origin,
                    expected: kind.describe(),
                    reason: format!("failed to read: {e}"),
                }),
            },
        }
        return out;
    }
    if parent_name.as_deref() == Some("crls") {
        read_crls(path, Origin::file(shown), &mut out);
        return out;
    }
    let role = layout.role();
    let material_by_name =
        MATERIAL_EXTENSIONS.contains(&ext.as_str()) || file_name.ends_with("_sk");
    let material = material_by_name || role.is_loaded_by_fabric();
    let is_yaml = ext == "yaml" || ext == "yml";
    let msp_config_dir = (file_name == "config.yaml")
        .then(|| path.parent().map(display))
        .flatten()
        // Read only beside an MSP folder; whether it is an MSP is settled once the walk ends.
        .filter(|_| {
            path.parent()
                .is_some_and(|p| MSP_SUBDIRS.iter().any(|(n, _)| p.join(n).is_dir()))
        });
    if !material && !is_yaml {
        return out;
    }
    let problem = |reason: String| Problem {
        origin: Origin::file(shown.clone()),
        expected: "certificate or key",
        reason,
    };
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_MATERIAL_BYTES => {
            if material {
                out.problems.push(problem(format!(
                    "file is {} bytes, larger than any certificate or key file could be ({} byte limit); not read",
                    m.len(),
                    MAX_MATERIAL_BYTES
                )));
            }
            return out;
        }
        Ok(m) if m.len() == 0 => {
            if material {
                out.problems.push(problem("file is empty".into()));
            }
            return out;
        }
        Ok(_) => {}
        Err(e) => {
            out.problems.push(problem(format!("failed to read: {e}")));
            return out;
        }
    }
    let data = match std::fs::read(path) {
        Ok(d) => Zeroizing::new(d),
        Err(e) => {
            out.problems.push(problem(format!("failed to read: {e}")));
            return out;
        }
    };
    if let Some(dir) = msp_config_dir {
        let config = parse_config(&String::from_utf8_lossy(&data), Origin::file(shown.clone()));
        out.msp_config = Some((dir, config));
        return out;
    }
    if material {
        classify_material(
            cache,
            &data,
            Origin::file(shown),
            layout,
            material_by_name,
            &mut out,
        );
    } else if let Ok(text) = std::str::from_utf8(&data)
        && secrets::may_hold_objects(text)
    {
        let objects = secrets::read_objects(&shown, text);
        out.problems.extend(objects.problems);
        for v in &objects.values {
            // A Secret key named as fabric-ca names its Idemix files holds one of them.
            if let Some(kind) = IdemixKind::of(&v.key, None) {
                let bytes = Zeroizing::new(v.bytes.to_vec());
                recognise_idemix(kind, bytes, v.origin.clone(), &v.layout, &mut out);
                continue;
            }
            // Text is read for PEM blocks; binary only when it is one DER structure. Anything
            // else binary (a genesis block in binaryData) is not certificate material, and
            // other text (settings, scripts) is not looked at.
            if is_text(&v.bytes) {
                if let Some(doc) = embedded_configtx(v) {
                    out.embedded_configtx.push(doc);
                }
                if looks_like_pem(&v.bytes) {
                    let (origin, layout) = (v.origin.clone(), v.layout.clone());
                    classify_material(cache, &v.bytes, origin, layout, true, &mut out);
                }
            } else if looks_like_der(&v.bytes) {
                let (origin, layout) = (v.origin.clone(), v.layout.clone());
                classify_material(cache, &v.bytes, origin, layout, true, &mut out);
            } else {
                // A block or transaction stored in a ConfigMap or Secret (`kubectl create
                // configmap --from-file genesis.block`): decoded like the file it was.
                let named = Path::new(&v.key)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| {
                        BINARY_ARTIFACT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                    });
                decode_channel(
                    &v.bytes,
                    v.origin.clone(),
                    &scope_of(&shown),
                    named,
                    cache,
                    &mut out,
                );
                out.binary.push(v.origin.clone());
            }
        }
        out.values = objects.values;
        out.pods = objects.pods;
        out.templated = objects.templated;
    }
    out
}

/// A configtx.yaml stored in a ConfigMap or Secret value (`fabcheck-channel-config`, a chart's
/// genesis ConfigMap), parsed as the file would be; its origin names the object and key.
fn embedded_configtx(v: &EmbeddedValue) -> Option<super::ordering::yaml::YamlFile> {
    let text = std::str::from_utf8(&v.bytes).ok()?;
    if !(v.key.ends_with(".yaml") || v.key.ends_with(".yml")) || !text.contains("Profiles:") {
        return None;
    }
    let (doc, _) = super::ordering::yaml::parse_text(Path::new(&v.origin.path), text.to_owned());
    let mut doc = doc?;
    doc.shown = v.origin.to_string();
    Some(doc)
}

/// The folder a file is in, as shown: the scope its network is judged in.
fn scope_of(shown: &str) -> String {
    Path::new(shown).parent().map(display).unwrap_or_default()
}

/// Decodes a block or transaction into the file's yield. Bytes that are not Fabric's at all
/// are a problem only when their name says they should be (`genesis.block`); an unnamed binary
/// value that is not a block stays just binary.
fn decode_channel(
    data: &[u8],
    origin: Origin,
    scope: &str,
    named: bool,
    cache: &ParseCache,
    out: &mut FileYield,
) {
    use super::channel::DecodeError;
    // The same CAs sit in every config block of a channel: each is parsed once per run.
    match super::channel::decode::decode_cached(data, origin.clone(), scope, cache) {
        Ok(config) => out.channels.push(config),
        Err(DecodeError::NotFabric(_)) if !named => {}
        Err(e) => out.channel_problems.push(Problem {
            origin,
            expected: "Fabric block or transaction",
            reason: e.to_string(),
        }),
    }
}

/// [`classify_material`] of one blob with a fresh cache: the certificates, keys and problems
/// it yields (for the fuzz targets, `crate::fuzzing`).
pub(crate) fn read_material(
    data: &[u8],
    origin: Origin,
    layout: Layout,
) -> (Vec<CertRecord>, Vec<KeyRecord>, Vec<Problem>) {
    let mut out = FileYield::default();
    classify_material(&ParseCache::default(), data, origin, layout, true, &mut out);
    (out.certs, out.keys, out.problems)
}

/// Reads certificates and keys out of one blob (a file, or a value from a Secret).
fn classify_material(
    cache: &ParseCache,
    data: &[u8],
    origin: Origin,
    layout: Layout,
    named_as_material: bool,
    out: &mut FileYield,
) {
    let role = layout.role();
    let text = is_text(data);
    if text && looks_like_pem(data) {
        let found = blocks(data);
        let many = found.len() > 1;
        for (i, block) in found.into_iter().enumerate() {
            let origin = if many || origin.locator.is_some() {
                let here = format!("PEM block {} at line {}", i + 1, block.line);
                Origin::at(
                    origin.path.clone(),
                    match &origin.locator {
                        Some(l) => format!("{l}, {here}"),
                        None => here,
                    },
                )
            } else {
                origin.clone()
            };
            let contents = match block.contents {
                Ok(c) => Zeroizing::new(c),
                Err(reason) => {
                    out.problems.push(Problem {
                        origin,
                        expected: "PEM block",
                        reason,
                    });
                    continue;
                }
            };
            match block.label.as_str() {
                "CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                    push_cert(cache, &contents, origin, layout.clone(), out)
                }
                label => {
                    if let Some(encoding) = KeyEncoding::from_pem_label(label) {
                        let public_key = public_key_of(contents, encoding);
                        out.keys.push(KeyRecord {
                            origin,
                            layout: layout.clone(),
                            public_key,
                        });
                    } else if role.expects_certificate() {
                        out.problems.push(Problem {
                            origin,
                            expected: "certificate",
                            reason: format!(
                                "PEM block of type '{label}' where a certificate is expected"
                            ),
                        });
                    }
                    // CRLs, CSRs and public keys elsewhere are legitimate and not checked here.
                }
            }
        }
    } else if data.first() == Some(&0x30) && role.holds_keys() {
        let public_key = public_key_of(Zeroizing::new(data.to_vec()), KeyEncoding::Pkcs8);
        out.keys.push(KeyRecord {
            origin,
            layout,
            public_key,
        });
    } else if data.first() == Some(&0x30) && (named_as_material || role.expects_certificate()) {
        push_cert(cache, data, origin, layout, out);
    } else if named_as_material || role.is_loaded_by_fabric() {
        let reason = if !text && looks_like_pem(data) {
            // PEM armour inside binary data (a Fabric block, a protobuf) is not a PEM file.
            "neither PEM nor DER: binary data with PEM armour inside it (PEM files are text), and no ASN.1 SEQUENCE at the start"
        } else {
            "neither PEM nor DER: no BEGIN line and no ASN.1 SEQUENCE at the start"
        };
        out.problems.push(Problem {
            origin,
            expected: "certificate or key",
            reason: reason.into(),
        });
    }
}

/// Reads a file of an MSP's `crls/` folder as Fabric does (msp/configbuilder.go
/// `getPemMaterialFromDir`, then `x509.ParseCRL` in msp/mspimplsetup.go `setupCRLs`):
/// - a file in which Go's `pem.Decode` finds no block (DER, or a BEGIN line that does not start
///   a line) is skipped with a warning, "no pem content": it revokes nothing;
/// - otherwise the whole file goes to `x509.ParseCRL`, which reads PEM only when the file
///   starts with `-----BEGIN X509 CRL`, and its first block only; anything else is read as
///   DER, and a parse failure stops the MSP.
fn read_crls(path: &Path, origin: Origin, out: &mut FileYield) {
    use super::crl::CrlRecord;
    let data = match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_MATERIAL_BYTES => Err(format!(
            "file is {} bytes, larger than fabcheck reads as a CRL ({MAX_MATERIAL_BYTES} byte limit)",
            m.len()
        )),
        _ => std::fs::read(path).map_err(|e| format!("failed to read: {e}")),
    };
    let record = match data {
        Err(reason) => CrlRecord::unreadable(origin, reason, false),
        Ok(data) => {
            let go_reads_pem = is_text(&data)
                && (data.starts_with(b"-----BEGIN ") || memchr_begin(&data))
                && blocks(&data).iter().any(|b| b.contents.is_ok());
            if !go_reads_pem {
                CrlRecord::unreadable(
                    origin,
                    "no PEM block Go's pem.Decode reads (a BEGIN line must start a line; DER is \
                     not read)"
                        .into(),
                    true,
                )
            } else if !data.starts_with(b"-----BEGIN X509 CRL-----") {
                CrlRecord::unreadable(
                    origin,
                    "the file does not start with '-----BEGIN X509 CRL-----', so Go's \
                     x509.ParseCRL reads it as DER"
                        .into(),
                    false,
                )
            } else {
                match blocks(&data).into_iter().next().map(|b| b.contents) {
                    Some(Ok(der)) => CrlRecord::parse(&der, origin),
                    Some(Err(reason)) => CrlRecord::unreadable(origin, reason, false),
                    None => CrlRecord::unreadable(origin, "no PEM block".into(), false),
                }
            }
        }
    };
    out.crls.push(record);
}

/// Whether a PEM BEGIN line starts a line after the first, as Go's `pem.Decode` requires.
fn memchr_begin(data: &[u8]) -> bool {
    data.windows(12).any(|w| w == b"\n-----BEGIN ")
}

fn push_cert(cache: &ParseCache, der: &[u8], origin: Origin, layout: Layout, out: &mut FileYield) {
    match CertRecord::parse_cached(der, origin.clone(), layout, cache) {
        Ok(c) => out.certs.push(c),
        Err(reason) => out.problems.push(Problem {
            origin,
            expected: "certificate",
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use super::*;
    use crate::checks::Check;
    use crate::checks::x509::key_mismatch::KeyMismatch;
    use crate::checks::x509::msp_incomplete::MspIncomplete;
    use crate::checks::x509::testing::{Spec, ctx, root};
    use crate::finding::Status;
    use crate::inventory::layout::{NodeKind, Role};

    fn b64(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    #[test]
    fn binary_values_and_blocks_are_listed_not_scanned_for_pem() {
        let ca = root("org1");
        // A Fabric block's shape: protobuf length bytes on the line of the armour it embeds,
        // which a line scanner reads as "END CERTIFICATE with no BEGIN line".
        let mut block = vec![0x0a, 0x8e, 0x02, 0x12, 0x05, 0x0a];
        block.extend_from_slice(ca.pem().as_bytes());
        block.extend_from_slice(&[0x12, 0x04, 0x1a, 0x00]);
        let dir = tempfile::tempdir().unwrap();
        let yaml = format!(
            "kind: ConfigMap\nmetadata: {{name: fabcheck-genesis, namespace: ord}}\nbinaryData:\n  genesis.block: {}\n---\nkind: Secret\nmetadata: {{name: s, namespace: ord}}\ndata:\n  ratio: {}\n  ca.pem: {}\n  blob: {}\n",
            b64(&block),
            b64(b"0.5"),
            b64(ca.pem().as_bytes()),
            b64(&block),
        );
        std::fs::write(dir.path().join("genesis.yaml"), yaml).unwrap();
        std::fs::write(dir.path().join("channel.tx"), &block).unwrap();
        // Named like a certificate but binary: reported, and not as broken PEM.
        std::fs::write(dir.path().join("odd.pem"), &block).unwrap();
        let inv = gather(dir.path()).unwrap();
        let problems: Vec<(String, String)> = inv
            .problems
            .iter()
            .map(|p| (p.origin.to_string(), p.reason.clone()))
            .collect();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].0.ends_with("odd.pem"));
        assert!(
            problems[0]
                .1
                .contains("binary data with PEM armour inside it"),
            "{problems:#?}"
        );
        assert_eq!(inv.certs.len(), 1, "the Secret's PEM value is still read");
        let binary: Vec<String> = inv.binary.iter().map(ToString::to_string).collect();
        assert_eq!(binary.len(), 3, "{binary:#?}");
        assert!(binary[0].ends_with("channel.tx"));
        assert!(binary[1].contains("ConfigMap ord/fabcheck-genesis, binaryData[genesis.block]"));
        assert!(binary[2].contains("Secret ord/s, data[blob]"));
    }

    #[test]
    fn a_pods_secret_volumes_make_the_msp_folder_it_sees() {
        let ca = root("org1");
        let peer = ca.issue(Spec::new(
            "org1",
            "peer0",
            "2021-01-01T00:00:00Z",
            "2030-01-01T00:00:00Z",
        ));
        let truncated = "-----BEGIN CERTIFICATE-----\nMIIB\n";
        let config = "NodeOUs:\n  Enable: true\n  AdminOUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: admin\n";
        let secret = format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: peer0-crypto, namespace: org1}}\ndata:\n  msp_cacerts_ca.pem: {}\n  msp_signcerts_cert.pem: {}\n  msp_keystore_priv_sk: {}\n  msp_config.yaml: {}\n  msp_tlscacerts_bad.pem: {}\n",
            b64(ca.pem().as_bytes()),
            b64(peer.pem().as_bytes()),
            b64(peer.key.serialize_pem().as_bytes()),
            b64(config.as_bytes()),
            b64(truncated.as_bytes()),
        );
        let workload = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: peer0, namespace: org1}\nspec:\n  template:\n    spec:\n      containers:\n      - name: peer\n        image: hyperledger/fabric-peer:1.4\n        env: [{name: CORE_PEER_MSPCONFIGPATH, value: /var/hyperledger/peer/msp}]\n        volumeMounts: [{name: msp, mountPath: /var/hyperledger/peer/msp}]\n      volumes:\n      - name: msp\n        secret:\n          secretName: peer0-crypto\n          items:\n          - {key: msp_cacerts_ca.pem, path: cacerts/ca.pem}\n          - {key: msp_signcerts_cert.pem, path: signcerts/cert.pem}\n          - {key: msp_keystore_priv_sk, path: keystore/priv_sk}\n          - {key: msp_config.yaml, path: config.yaml}\n          - {key: msp_tlscacerts_bad.pem, path: tlscacerts/bad.pem}\n";
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("org1")).unwrap();
        std::fs::write(dir.path().join("org1/secret-peer0-crypto.yaml"), secret).unwrap();
        std::fs::write(dir.path().join("org1/statefulset-peer0.yaml"), workload).unwrap();
        let inv = gather(dir.path()).unwrap();

        let msp_path = format!(
            "{}/org1/statefulset-peer0.yaml#StatefulSet org1/peer0:/var/hyperledger/peer/msp",
            dir.path().display()
        );
        let msp = inv
            .msps
            .iter()
            .find(|m| m.path == msp_path)
            .unwrap_or_else(|| panic!("no MSP at {msp_path}: {:#?}", inv.msps));
        assert_eq!(msp.node, Some(NodeKind::Peer), "its environment names it");
        assert_eq!(
            msp.subdirs
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect::<Vec<_>>(),
            [
                ("cacerts", 1),
                ("keystore", 1),
                ("signcerts", 1),
                ("tlscacerts", 1)
            ]
        );
        assert!(msp.config.as_ref().is_some_and(|c| c.node_ous_enabled));
        let signcert = inv
            .certs
            .iter()
            .find(|c| c.layout.role == Some(Role::MspSignCert))
            .expect("the signcert as the pod sees it");
        assert_eq!(signcert.layout.msp_dir.as_deref(), Some(msp_path.as_str()));
        assert!(
            signcert.origin.to_string().contains("mounted from ")
                && signcert
                    .origin
                    .to_string()
                    .contains("Secret org1/peer0-crypto, data[msp_signcerts_cert.pem]"),
            "{}",
            signcert.origin
        );
        // The broken value is reported once, where it is stored.
        assert_eq!(inv.problems.len(), 1, "{:#?}", inv.problems);
        assert!(
            inv.problems[0]
                .origin
                .path
                .ends_with("secret-peer0-crypto.yaml")
        );

        let at = ctx("2026-01-01T00:00:00Z");
        let pairs = KeyMismatch.evaluate(&at, &inv);
        assert!(
            pairs
                .iter()
                .any(|o| o.status == Status::Pass && o.target.name.starts_with(&msp_path)),
            "{pairs:#?}"
        );
        let msps = MspIncomplete.evaluate(&at, &inv);
        let verdict = msps.iter().find(|o| o.target.name == msp_path).unwrap();
        assert_eq!(verdict.status, Status::Pass, "{}", verdict.message);
        // Private keys never leave the inventory's zeroed buffers for a finding.
        let shown = format!("{pairs:?}{msps:?}");
        let key_pem = peer.key.serialize_pem();
        assert!(!shown.contains(key_pem.lines().nth(1).unwrap()));
    }
}
