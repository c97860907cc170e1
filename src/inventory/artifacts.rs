//! Gathering from a folder of artifacts (`fabcheck check --artifacts DIR`).
//!
//! Walks the tree once, then reads and parses files in parallel. Every certificate is found
//! wherever it is: PEM files of any name (one or many blocks), DER files, MSP trees, cryptogen
//! `crypto-config/` layouts and base64 data in Kubernetes Secret/ConfigMap YAML. Anything that
//! cannot be read becomes a [`Problem`] naming the file and the reason; the walk goes on.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use zeroize::Zeroizing;

use super::cert::CertRecord;
use super::key::{KeyEncoding, KeyRecord, public_key_of};
use super::layout::{Layout, MSP_SUBDIRS};
use super::msp::{MspDir, parse_config};
use super::pem::{blocks, looks_like_pem};
use super::secrets;
use super::{Inventory, Origin, Problem};

/// Files larger than this cannot be certificate or key material and are not read.
pub const MAX_MATERIAL_BYTES: u64 = 10 * 1024 * 1024;

/// Extensions of files that hold certificates or keys wherever they are.
const MATERIAL_EXTENSIONS: &[&str] = &["pem", "crt", "cer", "der", "key", "cert"];

#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error("failed to read artifacts at {path}: {source}")]
    Root {
        path: String,
        source: std::io::Error,
    },
}

/// What one file contributed.
#[derive(Default)]
struct FileYield {
    certs: Vec<CertRecord>,
    keys: Vec<KeyRecord>,
    problems: Vec<Problem>,
    msp_config: Option<(String, super::msp::MspConfig)>,
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
    let mut files: Vec<PathBuf> = Vec::new();
    let mut msp_dirs: BTreeMap<String, MspDir> = BTreeMap::new();
    if meta.is_file() {
        files.push(root.to_path_buf());
    } else {
        // Symlinks are followed because MSP trees are often assembled from links; walkdir
        // detects loops and reports them as errors instead of recursing forever.
        for entry in walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
        {
            match entry {
                Ok(e) if e.file_type().is_dir() => {
                    let name = e.file_name().to_string_lossy();
                    if MSP_SUBDIRS.iter().any(|(n, _)| *n == name)
                        && let Some(parent) = e.path().parent()
                    {
                        msp_dirs
                            .entry(display(parent))
                            .or_insert_with(|| MspDir {
                                path: display(parent),
                                ..MspDir::default()
                            })
                            .subdirs
                            .insert(name.into_owned(), 0);
                    }
                }
                Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
                Ok(_) => {}
                Err(e) => inventory.problems.push(walk_problem(&e)),
            }
        }
    }
    // A folder counts as an MSP when it has cacerts/ or at least two of Fabric's MSP folders;
    // a lone keystore/ or signcerts/ elsewhere is not an MSP.
    msp_dirs.retain(|_, m| m.has("cacerts") || m.subdirs.len() >= 2);

    let yields: Vec<FileYield> = files
        .par_iter()
        .map(|f| read_file(root, f, &msp_dirs))
        .collect();
    inventory.files_scanned = files.len();
    for y in yields {
        inventory.certs.extend(y.certs);
        inventory.keys.extend(y.keys);
        inventory.problems.extend(y.problems);
        if let Some((dir, config)) = y.msp_config
            && let Some(msp) = msp_dirs.get_mut(&dir)
        {
            msp.config = Some(config);
        }
    }
    // Count files, not blocks, per MSP subfolder. An unreadable file still occupies its
    // folder, so "signcerts/ is empty" is not reported on top of "signcerts/x.pem does not parse".
    let mut counted: HashSet<&str> = HashSet::new();
    let origins = (inventory.certs.iter().map(|c| &c.origin))
        .chain(inventory.keys.iter().map(|k| &k.origin))
        .chain(inventory.problems.iter().map(|p| &p.origin));
    for origin in origins {
        if origin
            .locator
            .as_deref()
            .is_some_and(|l| l.starts_with("document"))
            || !counted.insert(&origin.path)
        {
            continue;
        }
        let layout = absolute_layout(root, &origin.path);
        if let (Some(dir), Some(role)) = (&layout.msp_dir, layout.role)
            && let Some(msp) = msp_dirs.get_mut(dir)
            && let Some((name, _)) = MSP_SUBDIRS.iter().find(|(_, r)| *r == role)
        {
            *msp.subdirs.entry((*name).to_owned()).or_default() += 1;
        }
    }
    inventory.msps = msp_dirs.into_values().collect();
    inventory.link();
    Ok(inventory)
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

/// Layout of a displayed path, with folders made absolute in display form.
fn absolute_layout(root: &Path, path: &str) -> Layout {
    let p = Path::new(path);
    let rel = p.strip_prefix(root).unwrap_or(p);
    let mut layout = Layout::of(rel);
    let base = if root.is_file() {
        root.parent().unwrap_or(Path::new(""))
    } else {
        root
    };
    layout.msp_dir = layout.msp_dir.map(|d| display(&base.join(d)));
    layout.tls_dir = layout.tls_dir.map(|d| display(&base.join(d)));
    layout
}

fn read_file(root: &Path, path: &Path, msps: &BTreeMap<String, MspDir>) -> FileYield {
    let shown = display(path);
    let layout = absolute_layout(root, &shown);
    let mut out = FileYield::default();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let role = layout.role();
    let material_by_name =
        MATERIAL_EXTENSIONS.contains(&ext.as_str()) || file_name.ends_with("_sk");
    let material = material_by_name || role.is_loaded_by_fabric();
    let is_yaml = ext == "yaml" || ext == "yml";
    let msp_config_dir = (file_name == "config.yaml")
        .then(|| path.parent().map(display))
        .flatten()
        .filter(|d| msps.contains_key(d));
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
            &data,
            Origin::file(shown),
            layout,
            material_by_name,
            &mut out,
        );
    } else if let Ok(text) = std::str::from_utf8(&data)
        && secrets::may_hold_objects(text)
    {
        let (values, problems) = secrets::extract(&shown, text);
        out.problems.extend(problems);
        for v in values {
            if looks_like_pem(&v.bytes) || v.bytes.first() == Some(&0x30) {
                classify_material(&v.bytes, v.origin, v.layout, true, &mut out);
            }
        }
    }
    out
}

/// Reads certificates and keys out of one blob (a file, or a value from a Secret).
fn classify_material(
    data: &[u8],
    origin: Origin,
    layout: Layout,
    named_as_material: bool,
    out: &mut FileYield,
) {
    let role = layout.role();
    if looks_like_pem(data) {
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
                    push_cert(&contents, origin, layout.clone(), out)
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
        push_cert(data, origin, layout, out);
    } else if named_as_material || role.is_loaded_by_fabric() {
        out.problems.push(Problem {
            origin,
            expected: "certificate or key",
            reason: "neither PEM nor DER: no BEGIN line and no ASN.1 SEQUENCE at the start".into(),
        });
    }
}

fn push_cert(der: &[u8], origin: Origin, layout: Layout, out: &mut FileYield) {
    match CertRecord::parse(der, origin.clone(), layout) {
        Ok(c) => out.certs.push(c),
        Err(reason) => out.problems.push(Problem {
            origin,
            expected: "certificate",
            reason,
        }),
    }
}
