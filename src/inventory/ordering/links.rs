//! Which configtx.yaml a deployment's orderers run, found the way the deployment itself finds
//! it, not by folder nearness: configtx.yaml and the compose files often sit in sibling
//! folders (`config/` beside `docker-compose/`, one folder per topology).
//!
//! The links followed, each as Fabric reads it:
//! - the orderer's `FABRIC_CFG_PATH` (the images set `/etc/hyperledger/fabric`,
//!   `images/orderer/Dockerfile.in`), through its bind mounts, to a folder holding
//!   configtx.yaml; with `ORDERER_GENERAL_GENESISMETHOD=provisional` (Fabric 1.4,
//!   `orderer/common/server/main.go`) the orderer builds its genesis block from that file's
//!   `ORDERER_GENERAL_GENESISPROFILE`;
//! - a mount of configtx.yaml itself, or of a folder holding it;
//! - the genesis block the orderer boots from (`ORDERER_GENERAL_GENESISFILE`, 2.x
//!   `ORDERER_GENERAL_BOOTSTRAPFILE`, or a mounted `*.block`), traced to the script line that
//!   wrote it: `configtxgen -profile P -outputBlock B [-configPath D]`, where configtx.yaml is
//!   read from `-configPath`, else `FABRIC_CFG_PATH` (`common/tools/configtxgen/main.go`,
//!   `localconfig.Load`). The block is then known to be made from profile `P` of that file.
//!
//! Decoding a committed genesis block itself belongs to the channel-configuration reader; until
//! then the configtx a block was generated from stands for it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::vars;
use super::{Component, Workload};

/// The folder the Fabric images read their configuration from unless `FABRIC_CFG_PATH` says
/// otherwise (`ENV FABRIC_CFG_PATH /etc/hyperledger/fabric` in every Fabric image).
pub const IMAGE_FABRIC_CFG_PATH: &str = "/etc/hyperledger/fabric";

/// Largest script read for `configtxgen` lines; a bigger file is not a hand-written script.
pub const MAX_SCRIPT_BYTES: u64 = 1024 * 1024;

/// A deployment's link to the configtx.yaml its orderers run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigTxLink {
    /// The deployment's folder (a workload scope).
    pub scope: String,
    /// The configtx.yaml file.
    pub configtx: PathBuf,
    /// The profile the orderers' genesis block is made from, when the link says.
    pub profile: Option<String>,
    /// How the link was found: the orderer setting, mount and script line.
    pub via: String,
}

/// One `configtxgen … -outputBlock` invocation in a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRecipe {
    pub block: PathBuf,
    pub configtx: PathBuf,
    pub profile: Option<String>,
    /// `scripts/generate.sh line 12`.
    pub at: String,
}

/// Finds every link from the orderers among `workloads` to a configtx.yaml, through their
/// mounts and the `configtxgen` lines of `scripts`.
pub fn gather(workloads: &[Workload], scripts: &[PathBuf]) -> Vec<ConfigTxLink> {
    let recipes: Vec<BlockRecipe> = scripts
        .iter()
        .filter(|s| std::fs::metadata(s).is_ok_and(|m| m.len() <= MAX_SCRIPT_BYTES))
        .filter_map(|s| Some((s, super::yaml::read_text(s).ok()?)))
        .flat_map(|(path, text)| block_recipes(path, &text))
        .collect();
    let mut links = Vec::new();
    for w in workloads
        .iter()
        .filter(|w| w.component == Component::Orderer)
    {
        links.extend(orderer_links(w, &recipes));
    }
    links.sort_by(|a, b| {
        (&a.scope, &a.configtx, &a.profile).cmp(&(&b.scope, &b.configtx, &b.profile))
    });
    links.dedup_by(|a, b| a.scope == b.scope && a.configtx == b.configtx && a.profile == b.profile);
    links
}

/// An evaluated environment value of a workload.
fn env<'a>(w: &'a Workload, key: &str) -> Option<&'a str> {
    w.env
        .get(key)
        .filter(|s| s.evaluated())
        .map(|s| s.value.as_str())
}

fn orderer_links(w: &Workload, recipes: &[BlockRecipe]) -> Vec<ConfigTxLink> {
    let mut out = Vec::new();
    let link = |configtx: PathBuf, profile: Option<String>, via: String| ConfigTxLink {
        scope: w.scope.clone(),
        configtx: shown(&configtx),
        profile,
        via,
    };
    // The configuration folder, and configtx.yaml mounted anywhere.
    let cfg_path = env(w, "FABRIC_CFG_PATH").unwrap_or(IMAGE_FABRIC_CFG_PATH);
    let provisional = env(w, "ORDERER_GENERAL_GENESISMETHOD")
        .is_some_and(|m| m.eq_ignore_ascii_case("provisional"));
    let genesis_profile = provisional
        .then(|| env(w, "ORDERER_GENERAL_GENESISPROFILE").unwrap_or("SampleInsecureSolo"))
        .map(str::to_owned);
    if let Some(dir) = w.host_path(cfg_path)
        && dir.join("configtx.yaml").is_file()
    {
        out.push(link(
            dir.join("configtx.yaml"),
            genesis_profile.clone(),
            format!(
                "orderer {}: FABRIC_CFG_PATH {cfg_path} is mounted from {}",
                w.name,
                dir.display()
            ),
        ));
    }
    for (host, target) in &w.mounts {
        let file = if host.file_name().is_some_and(|n| n == "configtx.yaml") {
            host.clone()
        } else {
            host.join("configtx.yaml")
        };
        if file.is_file() && !out.iter().any(|l| same_file(&l.configtx, &file)) {
            out.push(link(
                file,
                None,
                format!(
                    "orderer {}: {} is mounted at {target}",
                    w.name,
                    host.display()
                ),
            ));
        }
    }
    // The genesis block it boots from, and the script line that made it.
    let block_setting = [
        "ORDERER_GENERAL_GENESISFILE",
        "ORDERER_GENERAL_BOOTSTRAPFILE",
    ]
    .into_iter()
    .find_map(|k| env(w, k));
    let mut blocks: Vec<(PathBuf, String)> = Vec::new();
    if let Some(file) = block_setting
        && let Some(host) = w.host_path(file)
    {
        blocks.push((host, file.to_owned()));
    }
    for (host, target) in &w.mounts {
        if host.extension().is_some_and(|e| e == "block") {
            blocks.push((host.clone(), target.clone()));
        }
    }
    for (host, target) in blocks {
        for r in recipes.iter().filter(|r| same_file(&r.block, &host)) {
            out.push(link(
                r.configtx.clone(),
                r.profile.clone(),
                format!(
                    "orderer {}: its genesis block {target} is {}, written by {} from {}",
                    w.name,
                    host.display(),
                    r.at,
                    r.profile
                        .as_deref()
                        .map_or("configtx.yaml".to_owned(), |p| format!("profile {p}"))
                ),
            ));
        }
    }
    out
}

/// Every `configtxgen … -outputBlock` line of a shell script, with where configtx.yaml is read
/// from. Paths are resolved as the script would resolve them when run from its own folder, or
/// from the folder above it (a `scripts/` folder run from the project root), whichever holds
/// the configtx.yaml it names.
pub fn block_recipes(path: &Path, text: &str) -> Vec<BlockRecipe> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for (line_no, line) in logical_lines(text) {
        let words = shell_words(&line);
        // `FABRIC_CFG_PATH=… configtxgen …` sets a variable for one command only.
        let mut scoped = vars.clone();
        let mut i = 0;
        while let Some((k, v)) = words.get(i).and_then(|w| assignment(w)) {
            scoped.insert(k.to_owned(), v.to_owned());
            i += 1;
        }
        let command = &words[i.min(words.len())..];
        match command.first().map(String::as_str) {
            None if i > 0 => vars = scoped, // plain assignments
            Some("export") => {
                for w in &command[1..] {
                    if let Some((k, v)) = assignment(w) {
                        vars.insert(k.to_owned(), v.to_owned());
                    }
                }
            }
            Some(cmd) if cmd == "configtxgen" || cmd.ends_with("/configtxgen") => {
                if let Some(r) = recipe(dir, &command[1..], &scoped, path, line_no) {
                    out.push(r);
                }
            }
            _ => {}
        }
    }
    out
}

fn recipe(
    dir: &Path,
    args: &[String],
    vars: &BTreeMap<String, String>,
    script: &Path,
    line_no: usize,
) -> Option<BlockRecipe> {
    let flag = |name: &str| {
        args.iter()
            .position(|a| a.trim_start_matches('-') == name && a.starts_with('-'))
            .and_then(|i| args.get(i + 1))
    };
    // Run from its own folder, or from the folder above (`./scripts/generate.sh` from the
    // project root): `$PWD` and relative paths mean that folder.
    let bases = [absolute(dir), absolute(dir.parent().unwrap_or(dir))];
    bases.iter().find_map(|base| {
        let expand = |raw: &str| -> Option<String> {
            let mut known = vars.clone();
            known.insert("PWD".to_owned(), base.display().to_string());
            let raw = raw.replace("$(pwd)", "$PWD").replace("`pwd`", "$PWD");
            let s = vars::substitute(&raw, &known);
            s.unresolved.is_empty().then_some(s.value)
        };
        let block = expand(flag("outputBlock")?)?;
        let config_dir = match (flag("configPath"), vars.get("FABRIC_CFG_PATH")) {
            (Some(p), _) | (None, Some(p)) => expand(p)?,
            (None, None) => ".".to_owned(),
        };
        let configtx = base.join(&config_dir).join("configtx.yaml");
        configtx.is_file().then(|| BlockRecipe {
            block: shown(&base.join(&block)),
            configtx: shown(&configtx),
            profile: flag("profile").and_then(|p| expand(p)),
            at: format!("{} line {line_no}", script.display()),
        })
    })
}

/// `p` made absolute against the working directory, with `.` and `..` folded away.
fn absolute(p: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    super::compose::normalize(&cwd.join(p))
}

/// `p` as findings show paths: relative to the working directory when it is below it.
fn shown(p: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let p = absolute(p);
    p.strip_prefix(&cwd).map(Path::to_path_buf).unwrap_or(p)
}

/// Whether two paths, each relative to the working directory or absolute, name one file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    absolute(a) == absolute(b)
}

/// Lines with `\` continuations joined and comments dropped, each with its first line number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, line) in text.lines().enumerate() {
        if current.is_empty() {
            start = i + 1;
        }
        let code = match line.trim_start().starts_with('#') {
            true => "",
            false => line,
        };
        match code.strip_suffix('\\') {
            Some(cont) => {
                current.push_str(cont);
                current.push(' ');
            }
            None => {
                current.push_str(code);
                out.push((start, std::mem::take(&mut current)));
            }
        }
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out
}

/// Splits a command line into words as the shell would for the simple commands that matter
/// here: white space separates, quotes group and are removed, `;`, `&&` and `|` end the
/// command (the rest is not read).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ';' | '&' | '|') => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// `NAME=value` as a shell assignment.
fn assignment(word: &str) -> Option<(&str, &str)> {
    let (k, v) = word.split_once('=')?;
    let valid = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some((k, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configtxgen_lines_name_their_block_profile_and_config_folder() {
        let tmp = std::env::temp_dir().join(format!("fabcheck-links-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(tmp.join("network/config")).unwrap();
        std::fs::create_dir_all(tmp.join("network/scripts")).unwrap();
        std::fs::write(tmp.join("network/config/configtx.yaml"), "Profiles: {}\n").unwrap();
        let script = tmp.join("network/scripts/generate.sh");
        let text = "#!/bin/bash\n# configtxgen -profile Old -outputBlock x.block\n\
                    export FABRIC_CFG_PATH=${PWD}/config\n\
                    CHANNEL_NAME=mychannel\n\
                    ../bin/configtxgen -profile SampleMultiNodeEtcdRaft \\\n  -channelID system-channel -outputBlock ./channel-artifacts/genesis.block\n\
                    configtxgen -profile \"TwoOrgsChannel\" -outputCreateChannelTx ./channel-artifacts/$CHANNEL_NAME.tx\n\
                    FABRIC_CFG_PATH=$UNSET configtxgen -profile X -outputBlock y.block\n";
        std::fs::write(&script, text).unwrap();
        let recipes = block_recipes(&script, text);
        // Only the live, fully resolvable -outputBlock line: the commented one is not run, the
        // channel transaction is not a block, and $UNSET has no value.
        assert_eq!(recipes.len(), 1, "{recipes:?}");
        let r = &recipes[0];
        // $PWD is the folder the script is run from: the project root above scripts/.
        assert!(same_file(
            &r.configtx,
            &tmp.join("network/config/configtx.yaml")
        ));
        assert!(same_file(
            &r.block,
            &tmp.join("network/channel-artifacts/genesis.block")
        ));
        assert_eq!(r.profile.as_deref(), Some("SampleMultiNodeEtcdRaft"));
        assert!(r.at.ends_with("generate.sh line 5"), "{}", r.at);
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn shell_words_and_assignments() {
        assert_eq!(
            shell_words("FOO='a b' configtxgen -profile \"P 1\" && echo x"),
            ["FOO=a b", "configtxgen", "-profile", "P 1"]
        );
        assert_eq!(
            assignment("FABRIC_CFG_PATH=$PWD"),
            Some(("FABRIC_CFG_PATH", "$PWD"))
        );
        assert_eq!(assignment("-profile=x"), None);
    }
}
