//! The configuration keys each Fabric release reads, so that every `CORE_*` and `ORDERER_*`
//! variable fabcheck's manifests set is one the node acts on: a misspelt or dead name fails the
//! build instead of silently leaving a default in place.
//!
//! Fabric reads its configuration with viper: `CORE_PEER_TLS_CERT_FILE` overrides the key
//! `peer.tls.cert.file` of the peer's core.yaml, `ORDERER_GENERAL_LISTENPORT` the key
//! `General.ListenPort` of orderer.yaml (prefix, then the key upper-cased with `.` → `_`). A
//! variable only takes effect for a key that something reads:
//!
//! - The peer looks a variable up when code asks viper for that exact key (`viper.GetString
//!   ("peer.tls.cert.file")`), whether or not core.yaml has it. A key read as a whole map
//!   (`viper.UnmarshalKey`, `GetStringMapString`) is looked up as one variable: variables for
//!   the keys inside it are never consulted (viper's `find` checks the environment for the exact
//!   key asked, then walks the file's maps). `peer.BCCSP` is walked key by key over what
//!   core.yaml has (1.4: `viperutil.EnhancedExactUnmarshalKey`; 2.5: `viper.Sub` + `Unmarshal`).
//! - The orderer unmarshals orderer.yaml into `localconfig.TopLevel`
//!   (`orderer/common/localconfig/config.go`), and `common/viperutil/config_util.go`
//!   (`getKeysRecursively`) looks a variable up for every field of that struct and for every key
//!   the file has under its untyped parts (`Consensus`, the `*FactoryOpts` of `General.BCCSP`).
//!
//! The tables below are fabcheck's own list of those key paths, read from Fabric's sources at
//! the tags named beside each; they are complete for the sections env vars are set for (the
//! peer's `peer`, `vm`, `chaincode`, `ledger`, `operations`, `metrics`; every orderer section).
//! Keys are matched case-insensitively, as viper does; variable names must be upper case,
//! since viper upper-cases the key before `os.Getenv`.

use crate::network::FabricVersion;

/// Which node's configuration a variable belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// core.yaml, variables `CORE_*`.
    Peer,
    /// orderer.yaml, variables `ORDERER_*`.
    Orderer,
}

impl Component {
    /// The variable prefix viper is given (`SetEnvPrefix`): `CORE`, `ORDERER`.
    pub fn env_prefix(self) -> &'static str {
        match self {
            Component::Peer => "CORE",
            Component::Orderer => "ORDERER",
        }
    }

    /// The configuration file whose keys the variables override.
    pub fn config_file(self) -> &'static str {
        match self {
            Component::Peer => "core.yaml",
            Component::Orderer => "orderer.yaml",
        }
    }

    /// The top-level sections [`keys`] covers completely.
    pub fn sections(self, version: FabricVersion) -> &'static [&'static str] {
        match (self, version) {
            (Component::Peer, _) => &["peer", "vm", "chaincode", "ledger", "operations", "metrics"],
            (Component::Orderer, FabricVersion::V1_4) => &[
                "General",
                "FileLedger",
                "RAMLedger",
                "Kafka",
                "Debug",
                "Consensus",
                "Operations",
                "Metrics",
            ],
            (Component::Orderer, FabricVersion::V2_5) => &[
                "General",
                "FileLedger",
                "Kafka",
                "Debug",
                "Consensus",
                "Operations",
                "Metrics",
                "ChannelParticipation",
                "Admin",
            ],
        }
    }
}

/// The key paths `component` of `version` reads, in the sections [`Component::sections`] names.
pub fn keys(version: FabricVersion, component: Component) -> &'static [&'static str] {
    match (version, component) {
        (FabricVersion::V1_4, Component::Peer) => PEER_1_4,
        (FabricVersion::V2_5, Component::Peer) => PEER_2_5,
        (FabricVersion::V1_4, Component::Orderer) => ORDERER_1_4,
        (FabricVersion::V2_5, Component::Orderer) => ORDERER_2_5,
    }
}

/// `peer.tls.cert.file` → `PEER_TLS_CERT_FILE`: the variable name after the prefix.
fn env_form(key: &str) -> String {
    key.to_ascii_uppercase().replace('.', "_")
}

/// `Ok` when setting `env_name` changes what `component` of `version` does; otherwise why not,
/// with the closest name that would, if one is close.
pub fn env_key_known(
    version: FabricVersion,
    component: Component,
    env_name: &str,
) -> Result<(), String> {
    let prefix = format!("{}_", component.env_prefix());
    let Some(rest) = env_name.strip_prefix(&prefix).filter(|r| !r.is_empty()) else {
        return Err(format!(
            "{env_name} does not start with {prefix}: the {} reads {} overrides only from {prefix}* variables",
            noun(component),
            component.config_file()
        ));
    };
    if rest.chars().any(|c| c.is_ascii_lowercase()) {
        return Err(format!(
            "{env_name} has lower-case letters: viper looks up the upper-cased name ({prefix}{}) only",
            rest.to_ascii_uppercase()
        ));
    }
    let table = keys(version, component);
    if table.iter().any(|k| env_form(k) == rest) {
        return Ok(());
    }
    if let Some(dead) = DEAD.iter().find(|d| d.matches(version, component, rest)) {
        return Err(format!("{env_name}: {}", dead.reason));
    }
    let other =
        other_versions(version).find(|v| keys(*v, component).iter().any(|k| env_form(k) == rest));
    if let Some(other) = other {
        let mut why = format!(
            "{env_name}: Fabric {other}'s {} reads this key, Fabric {version}'s does not",
            noun(component)
        );
        if let Some(instead) = RENAMED
            .iter()
            .find(|r| r.version == version && r.component == component && env_form(r.from) == rest)
        {
            why.push_str(&format!(
                "; Fabric {version} reads {} instead ({prefix}{})",
                instead.to,
                env_form(instead.to)
            ));
        }
        return Err(why);
    }
    let sections = component.sections(version);
    if !sections
        .iter()
        .any(|s| rest.starts_with(&format!("{}_", env_form(s))))
    {
        return Err(format!(
            "{env_name}: its section is none of the {} sections fabcheck knows the keys of ({})",
            component.config_file(),
            sections.join(", ")
        ));
    }
    let mut why = format!(
        "{env_name}: no key of Fabric {version}'s {} maps to it, so the {} never reads it",
        component.config_file(),
        noun(component)
    );
    if let Some(close) = closest(table, rest) {
        why.push_str(&format!(
            "; did you mean {prefix}{} ({close})?",
            env_form(close)
        ));
    }
    Err(why)
}

fn noun(component: Component) -> &'static str {
    match component {
        Component::Peer => "peer",
        Component::Orderer => "orderer",
    }
}

/// Every release line. The match is exhaustive, so a new [`FabricVersion`] cannot be added
/// without its tables here (and the manifests test then renders it too).
fn all_versions() -> [FabricVersion; 2] {
    let all = [FabricVersion::V1_4, FabricVersion::V2_5];
    for v in all {
        match v {
            FabricVersion::V1_4 | FabricVersion::V2_5 => {}
        }
    }
    all
}

fn other_versions(version: FabricVersion) -> impl Iterator<Item = FabricVersion> {
    all_versions().into_iter().filter(move |v| *v != version)
}

/// The table key whose variable name is within two edits of `rest`, or one a plain typo away
/// in a longer name (a tenth of its length).
fn closest(table: &[&'static str], rest: &str) -> Option<&'static str> {
    let (distance, key) = table
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&env_form(k), rest), *k))
        .min()?;
    (distance <= 2.max(rest.len() / 10)).then_some(key)
}

/// A key (or, with `subtree`, every key under it) that looks settable but is not, and why.
struct Dead {
    versions: &'static [FabricVersion],
    component: Component,
    key: &'static str,
    /// Keys under `key` are dead too (those in the table are matched before this).
    subtree: bool,
    /// `key` itself is dead (not only the keys under it).
    itself: bool,
    reason: &'static str,
}

impl Dead {
    fn matches(&self, version: FabricVersion, component: Component, rest: &str) -> bool {
        if self.component != component || !self.versions.contains(&version) {
            return false;
        }
        let key = env_form(self.key);
        (self.itself && rest == key)
            || (self.subtree && rest.strip_prefix(&key).is_some_and(|r| r.starts_with('_')))
    }
}

const BOTH: &[FabricVersion] = &[FabricVersion::V1_4, FabricVersion::V2_5];

const DEAD: &[Dead] = &[
    // 1.4 core/container/dockercontroller/dockercontroller.go and 2.5 internal/peer/node/start.go,
    // getDockerHostConfig: the HostConfig has DNS and DNSSearch, never DNSOptions (verified with
    // real 1.4.12 binaries, DESIGN.md).
    Dead {
        versions: BOTH,
        component: Component::Peer,
        key: "vm.docker.hostConfig.DnsOptions",
        subtree: false,
        itself: true,
        reason: "Fabric never reads DnsOptions: getDockerHostConfig builds the chaincode \
                 container's HostConfig from Dns, DnsSearch, NetworkMode and the other keys it \
                 names, and has no resolver options; set them on the Docker daemon (dockerd \
                 --dns-opt) instead",
    },
    // getDockerHostConfig: viper.UnmarshalKey("vm.docker.hostConfig.LogConfig") decodes the
    // file's map into docker's LogConfig struct; a variable holds a string, which does not
    // decode (1.4 logs a warning, 2.5 panics).
    Dead {
        versions: BOTH,
        component: Component::Peer,
        key: "vm.docker.hostConfig.LogConfig",
        subtree: true,
        itself: true,
        reason: "vm.docker.hostConfig.LogConfig is read as one map (viper.UnmarshalKey): a \
                 variable for one of its keys is never consulted, and one for the whole map \
                 does not decode; set it in core.yaml",
    },
    // 1.4 core/scc/sysccapi.go and 2.5 core/chaincode/config.go:
    // viper.GetStringMapString("chaincode.system"), which also parses a JSON object from a
    // CORE_CHAINCODE_SYSTEM variable.
    Dead {
        versions: BOTH,
        component: Component::Peer,
        key: "chaincode.system",
        subtree: true,
        itself: false,
        reason: "chaincode.system is read as one map (viper.GetStringMapString): a variable for \
                 one of its keys is never consulted; set CORE_CHAINCODE_SYSTEM to a JSON object \
                 of every system chaincode instead",
    },
    Dead {
        versions: BOTH,
        component: Component::Peer,
        key: "peer.BCCSP",
        subtree: true,
        itself: false,
        reason: "the peer reads peer.BCCSP key by key over what core.yaml has: a key the file \
                 lacks is never looked up; add it to core.yaml",
    },
    Dead {
        versions: BOTH,
        component: Component::Orderer,
        key: "General.BCCSP",
        subtree: true,
        itself: false,
        reason: "General.BCCSP is a pointer the orderer's loader does not walk: only keys \
                 orderer.yaml already has are looked up; add it to orderer.yaml",
    },
    // Consensus is `interface{}` in TopLevel: getKeysRecursively knows only the file's keys
    // (WALDir, SnapDir), though etcdraft's Config also has EvictionSuspicion and
    // TickIntervalOverride (orderer/consensus/etcdraft/consenter.go).
    Dead {
        versions: BOTH,
        component: Component::Orderer,
        key: "Consensus",
        subtree: true,
        itself: false,
        reason: "Consensus is an untyped map: the orderer looks up a variable only for the keys \
                 orderer.yaml already has under it (WALDir, SnapDir); add this one to orderer.yaml",
    },
    // 2.5 orderer/common/localconfig/config.go, completeInitialization: GenesisMethod and
    // GenesisFile are read only while BootstrapMethod / BootstrapFile are empty, with a
    // deprecation warning; the image's orderer.yaml sets BootstrapMethod: file.
    Dead {
        versions: &[FabricVersion::V2_5],
        component: Component::Orderer,
        key: "General.GenesisMethod",
        subtree: false,
        itself: true,
        reason: "deprecated since Fabric 2.0 and ignored while General.BootstrapMethod is set, \
                 which the image's orderer.yaml does (file); set ORDERER_GENERAL_BOOTSTRAPMETHOD",
    },
    Dead {
        versions: &[FabricVersion::V2_5],
        component: Component::Orderer,
        key: "General.GenesisFile",
        subtree: false,
        itself: true,
        reason: "deprecated since Fabric 2.0: read only while General.BootstrapFile is empty, \
                 with a warning; set ORDERER_GENERAL_BOOTSTRAPFILE",
    },
    Dead {
        versions: &[FabricVersion::V2_5],
        component: Component::Orderer,
        key: "FileLedger.Prefix",
        subtree: false,
        itself: true,
        reason: "FileLedger.Prefix is kept in Fabric 2.x for compatibility only and no longer \
                 used (localconfig.FileLedger)",
    },
];

/// A key one release line reads under another name.
struct Renamed {
    version: FabricVersion,
    component: Component,
    from: &'static str,
    to: &'static str,
}

/// Fabric 2.0 renamed the orderer's genesis settings (1.4 orderer.yaml has GenesisMethod and
/// GenesisFile; 2.5 has BootstrapMethod and BootstrapFile).
const RENAMED: &[Renamed] = &[
    Renamed {
        version: FabricVersion::V1_4,
        component: Component::Orderer,
        from: "General.BootstrapMethod",
        to: "General.GenesisMethod",
    },
    Renamed {
        version: FabricVersion::V1_4,
        component: Component::Orderer,
        from: "General.BootstrapFile",
        to: "General.GenesisFile",
    },
];

// The tables. Each is the union of the keys the release's sampleconfig file has in the covered
// sections and the keys its code asks viper for by name (`viper.Get*`, `UnmarshalKey`, the
// `dockerKey(…)` list of getDockerHostConfig), less what a `DEAD` entry explains. Empty
// placeholders (`ledger.blockchain`, 1.4's `peer.adminService`) are not keys.

/// Fabric v1.4.12: `sampleconfig/core.yaml`; the reads in `peer/node/start.go`,
/// `core/peer/config.go`, `core/chaincode/config.go`, `core/deliverservice/deliveryclient.go`,
/// `core/ledger/ledgerconfig/ledger_config.go`, `core/ledger/util/couchdb/config.go`,
/// `gossip/service/gossip_service.go`, `gossip/integration/integration.go`,
/// `gossip/privdata/util.go`, `core/container/util/dockerutil.go`, and
/// `core/container/dockercontroller/dockercontroller.go` (`getDockerHostConfig`, which 1.4 alone
/// has read `Cpuset`). `CORE_CHAINCODE_SYSTEM` takes a JSON object (`GetStringMapString`).
const PEER_1_4: &[&str] = &[
    "chaincode.builder",
    "chaincode.car.runtime",
    "chaincode.executetimeout",
    "chaincode.golang.dynamicLink",
    "chaincode.golang.runtime",
    "chaincode.id.name",
    "chaincode.id.path",
    "chaincode.java.runtime",
    "chaincode.keepalive",
    "chaincode.logging.format",
    "chaincode.logging.level",
    "chaincode.logging.shim",
    "chaincode.mode",
    "chaincode.node.runtime",
    "chaincode.pull",
    "chaincode.startuptimeout",
    "chaincode.system",
    "chaincode.systemPlugins",
    "ledger.history.enableHistoryDatabase",
    "ledger.pvtdataStore.collElgProcDbBatchesInterval",
    "ledger.pvtdataStore.collElgProcMaxDbBatchSize",
    "ledger.pvtdataStore.purgeInterval",
    "ledger.state.couchDBConfig.autoWarmIndexes",
    "ledger.state.couchDBConfig.couchDBAddress",
    "ledger.state.couchDBConfig.createGlobalChangesDB",
    "ledger.state.couchDBConfig.internalQueryLimit",
    "ledger.state.couchDBConfig.maxBatchUpdateSize",
    "ledger.state.couchDBConfig.maxRetries",
    "ledger.state.couchDBConfig.maxRetriesOnStartup",
    "ledger.state.couchDBConfig.password",
    "ledger.state.couchDBConfig.requestTimeout",
    "ledger.state.couchDBConfig.username",
    "ledger.state.couchDBConfig.warmIndexesAfterNBlocks",
    "ledger.state.stateDatabase",
    "ledger.state.totalQueryLimit",
    "metrics.provider",
    "metrics.statsd.address",
    "metrics.statsd.network",
    "metrics.statsd.prefix",
    "metrics.statsd.writeInterval",
    "operations.listenAddress",
    "operations.tls.cert.file",
    "operations.tls.clientAuthRequired",
    "operations.tls.clientRootCAs.files",
    "operations.tls.enabled",
    "operations.tls.key.file",
    "peer.address",
    "peer.addressAutoDetect",
    "peer.adminService.listenAddress",
    "peer.authentication.timewindow",
    "peer.BCCSP.Default",
    "peer.BCCSP.PKCS11.FileKeyStore.KeyStore",
    "peer.BCCSP.PKCS11.Hash",
    "peer.BCCSP.PKCS11.Label",
    "peer.BCCSP.PKCS11.Library",
    "peer.BCCSP.PKCS11.Pin",
    "peer.BCCSP.PKCS11.Security",
    "peer.BCCSP.SW.FileKeyStore.KeyStore",
    "peer.BCCSP.SW.Hash",
    "peer.BCCSP.SW.Security",
    "peer.chaincodeAddress",
    "peer.chaincodeListenAddress",
    "peer.client.connTimeout",
    "peer.connectiontimeout",
    "peer.deliveryclient.addressOverrides",
    "peer.deliveryclient.connTimeout",
    "peer.deliveryclient.reConnectBackoffThreshold",
    "peer.deliveryclient.reconnectTotalTimeThreshold",
    "peer.deliveryclient.staticRootsEnabled",
    "peer.discovery.authCacheEnabled",
    "peer.discovery.authCacheMaxSize",
    "peer.discovery.authCachePurgeRetentionRatio",
    "peer.discovery.enabled",
    "peer.discovery.orgMembersAllowedAccess",
    "peer.fileSystemPath",
    "peer.gomaxprocs",
    "peer.gossip.aliveExpirationTimeout",
    "peer.gossip.aliveTimeInterval",
    "peer.gossip.bootstrap",
    "peer.gossip.connTimeout",
    "peer.gossip.dialTimeout",
    "peer.gossip.digestWaitTime",
    "peer.gossip.election.leaderAliveThreshold",
    "peer.gossip.election.leaderElectionDuration",
    "peer.gossip.election.membershipSampleInterval",
    "peer.gossip.election.startupGracePeriod",
    "peer.gossip.endpoint",
    "peer.gossip.externalEndpoint",
    "peer.gossip.maxBlockCountToStore",
    "peer.gossip.maxConnectionAttempts",
    "peer.gossip.maxPropagationBurstLatency",
    "peer.gossip.maxPropagationBurstSize",
    "peer.gossip.membershipTrackerInterval",
    "peer.gossip.msgExpirationFactor",
    "peer.gossip.nonBlockingCommitMode",
    "peer.gossip.orgLeader",
    "peer.gossip.propagateIterations",
    "peer.gossip.propagatePeerNum",
    "peer.gossip.publishCertPeriod",
    "peer.gossip.publishStateInfoInterval",
    "peer.gossip.pullInterval",
    "peer.gossip.pullPeerNum",
    "peer.gossip.pvtData.btlPullMargin",
    "peer.gossip.pvtData.pullRetryThreshold",
    "peer.gossip.pvtData.pushAckTimeout",
    "peer.gossip.pvtData.reconcileBatchSize",
    "peer.gossip.pvtData.reconcileSleepInterval",
    "peer.gossip.pvtData.reconciliationEnabled",
    "peer.gossip.pvtData.skipPullingInvalidTransactionsDuringCommit",
    "peer.gossip.pvtData.transientstoreMaxBlockRetention",
    "peer.gossip.reconnectInterval",
    "peer.gossip.recvBuffSize",
    "peer.gossip.requestStateInfoInterval",
    "peer.gossip.requestWaitTime",
    "peer.gossip.responseWaitTime",
    "peer.gossip.sendBuffSize",
    "peer.gossip.skipBlockVerification",
    "peer.gossip.state.batchSize",
    "peer.gossip.state.blockBufferSize",
    "peer.gossip.state.channelSize",
    "peer.gossip.state.checkInterval",
    "peer.gossip.state.enabled",
    "peer.gossip.state.maxRetries",
    "peer.gossip.state.responseTimeout",
    "peer.gossip.stateInfoRetentionInterval",
    "peer.gossip.useLeaderElection",
    "peer.handlers.authFilters",
    "peer.handlers.decorators",
    "peer.handlers.endorsers.escc.library",
    "peer.handlers.endorsers.escc.name",
    "peer.handlers.validators.vscc.library",
    "peer.handlers.validators.vscc.name",
    "peer.id",
    "peer.keepalive.client.interval",
    "peer.keepalive.client.timeout",
    "peer.keepalive.deliveryClient.interval",
    "peer.keepalive.deliveryClient.timeout",
    "peer.keepalive.minInterval",
    "peer.listenAddress",
    "peer.localMspId",
    "peer.localMspType",
    "peer.mspConfigPath",
    "peer.networkId",
    "peer.profile.enabled",
    "peer.profile.listenAddress",
    "peer.tls.cert.file",
    "peer.tls.clientAuthRequired",
    "peer.tls.clientCert.file",
    "peer.tls.clientKey.file",
    "peer.tls.clientRootCAs.files",
    "peer.tls.enabled",
    "peer.tls.key.file",
    "peer.tls.rootcert.file",
    "peer.tls.serverhostoverride",
    "peer.tls.serverRootCAs.files",
    "peer.validatorPoolSize",
    "vm.docker.attachStdout",
    "vm.docker.hostConfig.BlkioWeight",
    "vm.docker.hostConfig.CapAdd",
    "vm.docker.hostConfig.CapDrop",
    "vm.docker.hostConfig.CgroupParent",
    "vm.docker.hostConfig.CpuPeriod",
    "vm.docker.hostConfig.CpuQuota",
    "vm.docker.hostConfig.Cpuset",
    "vm.docker.hostConfig.CpusetCPUs",
    "vm.docker.hostConfig.CpusetMEMs",
    "vm.docker.hostConfig.CpuShares",
    "vm.docker.hostConfig.Dns",
    "vm.docker.hostConfig.DnsSearch",
    "vm.docker.hostConfig.ExtraHosts",
    "vm.docker.hostConfig.IpcMode",
    "vm.docker.hostConfig.Memory",
    "vm.docker.hostConfig.MemorySwap",
    "vm.docker.hostConfig.MemorySwappiness",
    "vm.docker.hostConfig.NetworkMode",
    "vm.docker.hostConfig.OomKillDisable",
    "vm.docker.hostConfig.PidMode",
    "vm.docker.hostConfig.ReadonlyRootfs",
    "vm.docker.hostConfig.SecurityOpt",
    "vm.docker.hostConfig.UTSMode",
    "vm.docker.tls.ca.file",
    "vm.docker.tls.cert.file",
    "vm.docker.tls.enabled",
    "vm.docker.tls.key.file",
    "vm.endpoint",
];

/// Fabric v2.5.16 (the newest 2.5 tag): `sampleconfig/core.yaml`; the reads in
/// `internal/peer/node/start.go` (`getDockerHostConfig`), `internal/peer/node/config.go`,
/// `core/peer/config.go`, `core/chaincode/config.go`, `core/deliverservice/config.go`,
/// `gossip/{gossip,service,state,privdata}/config.go`, `internal/pkg/gateway/config/options.go`,
/// `core/handlers/library/config.go`. `chaincode.externalBuilders` takes
/// a YAML list in its variable (`viperutil.YamlStringToStructHook`).
const PEER_2_5: &[&str] = &[
    "chaincode.builder",
    "chaincode.executetimeout",
    "chaincode.externalBuilders",
    "chaincode.golang.dynamicLink",
    "chaincode.golang.runtime",
    "chaincode.id.name",
    "chaincode.id.path",
    "chaincode.installTimeout",
    "chaincode.java.runtime",
    "chaincode.keepalive",
    "chaincode.logging.format",
    "chaincode.logging.level",
    "chaincode.logging.shim",
    "chaincode.mode",
    "chaincode.node.runtime",
    "chaincode.pull",
    "chaincode.startuptimeout",
    "chaincode.system",
    "ledger.history.enableHistoryDatabase",
    "ledger.pvtdataStore.collElgProcDbBatchesInterval",
    "ledger.pvtdataStore.collElgProcMaxDbBatchSize",
    "ledger.pvtdataStore.deprioritizedDataReconcilerInterval",
    "ledger.pvtdataStore.purgedKeyAuditLogging",
    "ledger.pvtdataStore.purgeInterval",
    "ledger.snapshots.rootDir",
    "ledger.state.couchDBConfig.cacheSize",
    "ledger.state.couchDBConfig.couchDBAddress",
    "ledger.state.couchDBConfig.createGlobalChangesDB",
    "ledger.state.couchDBConfig.internalQueryLimit",
    "ledger.state.couchDBConfig.maxBatchUpdateSize",
    "ledger.state.couchDBConfig.maxRetries",
    "ledger.state.couchDBConfig.maxRetriesOnStartup",
    "ledger.state.couchDBConfig.password",
    "ledger.state.couchDBConfig.requestTimeout",
    "ledger.state.couchDBConfig.username",
    "ledger.state.stateDatabase",
    "ledger.state.totalQueryLimit",
    "metrics.provider",
    "metrics.statsd.address",
    "metrics.statsd.network",
    "metrics.statsd.prefix",
    "metrics.statsd.writeInterval",
    "operations.listenAddress",
    "operations.tls.cert.file",
    "operations.tls.clientAuthRequired",
    "operations.tls.clientRootCAs.files",
    "operations.tls.enabled",
    "operations.tls.key.file",
    "peer.address",
    "peer.addressAutoDetect",
    "peer.authentication.timewindow",
    "peer.BCCSP.Default",
    "peer.BCCSP.PKCS11.AltID",
    "peer.BCCSP.PKCS11.Hash",
    "peer.BCCSP.PKCS11.Immutable",
    "peer.BCCSP.PKCS11.KeyIds",
    "peer.BCCSP.PKCS11.Label",
    "peer.BCCSP.PKCS11.Library",
    "peer.BCCSP.PKCS11.Pin",
    "peer.BCCSP.PKCS11.Security",
    "peer.BCCSP.PKCS11.SoftwareVerify",
    "peer.BCCSP.SW.FileKeyStore.KeyStore",
    "peer.BCCSP.SW.Hash",
    "peer.BCCSP.SW.Security",
    "peer.chaincodeAddress",
    "peer.chaincodeListenAddress",
    "peer.client.connTimeout",
    "peer.connectiontimeout",
    "peer.deliveryclient.addressOverrides",
    "peer.deliveryclient.blockGossipEnabled",
    "peer.deliveryclient.connTimeout",
    "peer.deliveryclient.reConnectBackoffThreshold",
    "peer.deliveryclient.reconnectTotalTimeThreshold",
    "peer.discovery.authCacheEnabled",
    "peer.discovery.authCacheMaxSize",
    "peer.discovery.authCachePurgeRetentionRatio",
    "peer.discovery.enabled",
    "peer.discovery.orgMembersAllowedAccess",
    "peer.fileSystemPath",
    "peer.gateway.broadcastTimeout",
    "peer.gateway.dialTimeout",
    "peer.gateway.enabled",
    "peer.gateway.endorsementTimeout",
    "peer.gossip.aliveExpirationTimeout",
    "peer.gossip.aliveTimeInterval",
    "peer.gossip.bootstrap",
    "peer.gossip.connTimeout",
    "peer.gossip.dialTimeout",
    "peer.gossip.digestWaitTime",
    "peer.gossip.election.leaderAliveThreshold",
    "peer.gossip.election.leaderElectionDuration",
    "peer.gossip.election.membershipSampleInterval",
    "peer.gossip.election.startupGracePeriod",
    "peer.gossip.endpoint",
    "peer.gossip.externalEndpoint",
    "peer.gossip.maxBlockCountToStore",
    "peer.gossip.maxConnectionAttempts",
    "peer.gossip.maxPropagationBurstLatency",
    "peer.gossip.maxPropagationBurstSize",
    "peer.gossip.membershipTrackerInterval",
    "peer.gossip.msgExpirationFactor",
    "peer.gossip.nonBlockingCommitMode",
    "peer.gossip.orgLeader",
    "peer.gossip.propagateIterations",
    "peer.gossip.propagatePeerNum",
    "peer.gossip.publishCertPeriod",
    "peer.gossip.publishStateInfoInterval",
    "peer.gossip.pullInterval",
    "peer.gossip.pullPeerNum",
    "peer.gossip.pvtData.btlPullMargin",
    "peer.gossip.pvtData.implicitCollectionDisseminationPolicy.maxPeerCount",
    "peer.gossip.pvtData.implicitCollectionDisseminationPolicy.requiredPeerCount",
    "peer.gossip.pvtData.pullRetryThreshold",
    "peer.gossip.pvtData.pushAckTimeout",
    "peer.gossip.pvtData.reconcileBatchSize",
    "peer.gossip.pvtData.reconcileSleepInterval",
    "peer.gossip.pvtData.reconciliationEnabled",
    "peer.gossip.pvtData.skipPullingInvalidTransactionsDuringCommit",
    "peer.gossip.pvtData.transientstoreMaxBlockRetention",
    "peer.gossip.reconnectInterval",
    "peer.gossip.recvBuffSize",
    "peer.gossip.requestStateInfoInterval",
    "peer.gossip.requestWaitTime",
    "peer.gossip.responseWaitTime",
    "peer.gossip.sendBuffSize",
    "peer.gossip.skipBlockVerification",
    "peer.gossip.state.batchSize",
    "peer.gossip.state.blockBufferSize",
    "peer.gossip.state.channelSize",
    "peer.gossip.state.checkInterval",
    "peer.gossip.state.enabled",
    "peer.gossip.state.maxRetries",
    "peer.gossip.state.responseTimeout",
    "peer.gossip.stateInfoRetentionInterval",
    "peer.gossip.useLeaderElection",
    "peer.handlers.authFilters",
    "peer.handlers.decorators",
    "peer.handlers.endorsers.escc.library",
    "peer.handlers.endorsers.escc.name",
    "peer.handlers.validators.vscc.library",
    "peer.handlers.validators.vscc.name",
    "peer.id",
    "peer.keepalive.client.interval",
    "peer.keepalive.client.timeout",
    "peer.keepalive.deliveryClient.interval",
    "peer.keepalive.deliveryClient.timeout",
    "peer.keepalive.interval",
    "peer.keepalive.minInterval",
    "peer.keepalive.timeout",
    "peer.limits.concurrency.deliverService",
    "peer.limits.concurrency.endorserService",
    "peer.limits.concurrency.gatewayService",
    "peer.listenAddress",
    "peer.localMspId",
    "peer.localMspType",
    "peer.maxRecvMsgSize",
    "peer.maxSendMsgSize",
    "peer.mspConfigPath",
    "peer.networkId",
    "peer.profile.enabled",
    "peer.profile.listenAddress",
    "peer.tls.cert.file",
    "peer.tls.clientAuthRequired",
    "peer.tls.clientCert.file",
    "peer.tls.clientKey.file",
    "peer.tls.clientRootCAs.files",
    "peer.tls.enabled",
    "peer.tls.key.file",
    "peer.tls.rootcert.file",
    "peer.tls.serverhostoverride",
    "peer.validatorPoolSize",
    "vm.docker.attachStdout",
    "vm.docker.hostConfig.BlkioWeight",
    "vm.docker.hostConfig.CapAdd",
    "vm.docker.hostConfig.CapDrop",
    "vm.docker.hostConfig.CgroupParent",
    "vm.docker.hostConfig.CpuPeriod",
    "vm.docker.hostConfig.CpuQuota",
    "vm.docker.hostConfig.CpusetCPUs",
    "vm.docker.hostConfig.CpusetMEMs",
    "vm.docker.hostConfig.CpuShares",
    "vm.docker.hostConfig.Dns",
    "vm.docker.hostConfig.DnsSearch",
    "vm.docker.hostConfig.ExtraHosts",
    "vm.docker.hostConfig.IpcMode",
    "vm.docker.hostConfig.Memory",
    "vm.docker.hostConfig.MemorySwap",
    "vm.docker.hostConfig.MemorySwappiness",
    "vm.docker.hostConfig.NetworkMode",
    "vm.docker.hostConfig.OomKillDisable",
    "vm.docker.hostConfig.PidMode",
    "vm.docker.hostConfig.ReadonlyRootfs",
    "vm.docker.hostConfig.SecurityOpt",
    "vm.docker.hostConfig.UTSMode",
    "vm.docker.tls.ca.file",
    "vm.docker.tls.cert.file",
    "vm.docker.tls.enabled",
    "vm.docker.tls.key.file",
    "vm.endpoint",
];

/// Fabric v1.4.12: the fields of `localconfig.TopLevel` (`orderer/common/localconfig/config.go`),
/// and the keys `sampleconfig/orderer.yaml` has under `Consensus` and `General.BCCSP`.
const ORDERER_1_4: &[&str] = &[
    "General.LedgerType",
    "General.ListenAddress",
    "General.ListenPort",
    "General.TLS.Enabled",
    "General.TLS.PrivateKey",
    "General.TLS.Certificate",
    "General.TLS.RootCAs",
    "General.TLS.ClientAuthRequired",
    "General.TLS.ClientRootCAs",
    "General.TLS.TLSHandshakeTimeShift",
    "General.Cluster.ListenAddress",
    "General.Cluster.ListenPort",
    "General.Cluster.ServerCertificate",
    "General.Cluster.ServerPrivateKey",
    "General.Cluster.ClientCertificate",
    "General.Cluster.ClientPrivateKey",
    "General.Cluster.RootCAs",
    "General.Cluster.DialTimeout",
    "General.Cluster.RPCTimeout",
    "General.Cluster.ReplicationBufferSize",
    "General.Cluster.ReplicationPullTimeout",
    "General.Cluster.ReplicationRetryTimeout",
    "General.Cluster.ReplicationBackgroundRefreshInterval",
    "General.Cluster.ReplicationMaxRetries",
    "General.Cluster.SendBufferSize",
    "General.Cluster.CertExpirationWarningThreshold",
    "General.Cluster.TLSHandshakeTimeShift",
    "General.Keepalive.ServerMinInterval",
    "General.Keepalive.ServerInterval",
    "General.Keepalive.ServerTimeout",
    "General.ConnectionTimeout",
    "General.GenesisMethod",
    "General.GenesisProfile",
    "General.SystemChannel",
    "General.GenesisFile",
    "General.Profile.Enabled",
    "General.Profile.Address",
    "General.LocalMSPDir",
    "General.LocalMSPID",
    "General.BCCSP.Default",
    "General.BCCSP.SW.Hash",
    "General.BCCSP.SW.Security",
    "General.BCCSP.SW.FileKeyStore.KeyStore",
    "General.BCCSP.PKCS11.Library",
    "General.BCCSP.PKCS11.Label",
    "General.BCCSP.PKCS11.Pin",
    "General.BCCSP.PKCS11.Hash",
    "General.BCCSP.PKCS11.Security",
    "General.BCCSP.PKCS11.FileKeyStore.KeyStore",
    "General.Authentication.TimeWindow",
    "General.Authentication.NoExpirationChecks",
    "FileLedger.Location",
    "FileLedger.Prefix",
    "RAMLedger.HistorySize",
    "Kafka.Retry.ShortInterval",
    "Kafka.Retry.ShortTotal",
    "Kafka.Retry.LongInterval",
    "Kafka.Retry.LongTotal",
    "Kafka.Retry.NetworkTimeouts.DialTimeout",
    "Kafka.Retry.NetworkTimeouts.ReadTimeout",
    "Kafka.Retry.NetworkTimeouts.WriteTimeout",
    "Kafka.Retry.Metadata.RetryMax",
    "Kafka.Retry.Metadata.RetryBackoff",
    "Kafka.Retry.Producer.RetryMax",
    "Kafka.Retry.Producer.RetryBackoff",
    "Kafka.Retry.Consumer.RetryBackoff",
    "Kafka.Verbose",
    "Kafka.Version",
    "Kafka.TLS.Enabled",
    "Kafka.TLS.PrivateKey",
    "Kafka.TLS.Certificate",
    "Kafka.TLS.RootCAs",
    "Kafka.TLS.ClientAuthRequired",
    "Kafka.TLS.ClientRootCAs",
    "Kafka.TLS.TLSHandshakeTimeShift",
    "Kafka.SASLPlain.Enabled",
    "Kafka.SASLPlain.User",
    "Kafka.SASLPlain.Password",
    "Kafka.Topic.ReplicationFactor",
    "Debug.BroadcastTraceDir",
    "Debug.DeliverTraceDir",
    "Consensus.WALDir",
    "Consensus.SnapDir",
    "Operations.ListenAddress",
    "Operations.TLS.Enabled",
    "Operations.TLS.PrivateKey",
    "Operations.TLS.Certificate",
    "Operations.TLS.RootCAs",
    "Operations.TLS.ClientAuthRequired",
    "Operations.TLS.ClientRootCAs",
    "Operations.TLS.TLSHandshakeTimeShift",
    "Metrics.Provider",
    "Metrics.Statsd.Network",
    "Metrics.Statsd.Address",
    "Metrics.Statsd.WriteInterval",
    "Metrics.Statsd.Prefix",
    // 1.4's getKeysRecursively parses a JSON object from the variable of a map
    // (`unmarshalJSON`), so the whole etcdraft section can be set at once.
    "Consensus",
];

/// Fabric v2.5.16: the fields of `localconfig.TopLevel` and the keys `sampleconfig/orderer.yaml`
/// has under `Consensus` and `General.BCCSP`; the deprecated `General.GenesisMethod`,
/// `General.GenesisFile` and the unused `FileLedger.Prefix` are in `DEAD`.
const ORDERER_2_5: &[&str] = &[
    "General.ListenAddress",
    "General.ListenPort",
    "General.TLS.Enabled",
    "General.TLS.PrivateKey",
    "General.TLS.Certificate",
    "General.TLS.RootCAs",
    "General.TLS.ClientAuthRequired",
    "General.TLS.ClientRootCAs",
    "General.TLS.TLSHandshakeTimeShift",
    "General.Cluster.ListenAddress",
    "General.Cluster.ListenPort",
    "General.Cluster.ServerCertificate",
    "General.Cluster.ServerPrivateKey",
    "General.Cluster.ClientCertificate",
    "General.Cluster.ClientPrivateKey",
    "General.Cluster.RootCAs",
    "General.Cluster.DialTimeout",
    "General.Cluster.RPCTimeout",
    "General.Cluster.ReplicationBufferSize",
    "General.Cluster.ReplicationPullTimeout",
    "General.Cluster.ReplicationRetryTimeout",
    "General.Cluster.ReplicationBackgroundRefreshInterval",
    "General.Cluster.ReplicationMaxRetries",
    "General.Cluster.SendBufferSize",
    "General.Cluster.CertExpirationWarningThreshold",
    "General.Cluster.TLSHandshakeTimeShift",
    "General.Keepalive.ServerMinInterval",
    "General.Keepalive.ServerInterval",
    "General.Keepalive.ServerTimeout",
    "General.ConnectionTimeout",
    "General.BootstrapMethod",
    "General.BootstrapFile",
    "General.Profile.Enabled",
    "General.Profile.Address",
    "General.LocalMSPDir",
    "General.LocalMSPID",
    "General.BCCSP.Default",
    "General.BCCSP.SW.Hash",
    "General.BCCSP.SW.Security",
    "General.BCCSP.SW.FileKeyStore.KeyStore",
    "General.BCCSP.PKCS11.Library",
    "General.BCCSP.PKCS11.Label",
    "General.BCCSP.PKCS11.Pin",
    "General.BCCSP.PKCS11.Hash",
    "General.BCCSP.PKCS11.Security",
    "General.BCCSP.PKCS11.FileKeyStore.KeyStore",
    "General.Authentication.TimeWindow",
    "General.Authentication.NoExpirationChecks",
    "General.MaxRecvMsgSize",
    "General.MaxSendMsgSize",
    "FileLedger.Location",
    "Kafka.Retry.ShortInterval",
    "Kafka.Retry.ShortTotal",
    "Kafka.Retry.LongInterval",
    "Kafka.Retry.LongTotal",
    "Kafka.Retry.NetworkTimeouts.DialTimeout",
    "Kafka.Retry.NetworkTimeouts.ReadTimeout",
    "Kafka.Retry.NetworkTimeouts.WriteTimeout",
    "Kafka.Retry.Metadata.RetryMax",
    "Kafka.Retry.Metadata.RetryBackoff",
    "Kafka.Retry.Producer.RetryMax",
    "Kafka.Retry.Producer.RetryBackoff",
    "Kafka.Retry.Consumer.RetryBackoff",
    "Kafka.Verbose",
    "Kafka.Version",
    "Kafka.TLS.Enabled",
    "Kafka.TLS.PrivateKey",
    "Kafka.TLS.Certificate",
    "Kafka.TLS.RootCAs",
    "Kafka.TLS.ClientAuthRequired",
    "Kafka.TLS.ClientRootCAs",
    "Kafka.TLS.TLSHandshakeTimeShift",
    "Kafka.SASLPlain.Enabled",
    "Kafka.SASLPlain.User",
    "Kafka.SASLPlain.Password",
    "Kafka.Topic.ReplicationFactor",
    "Debug.BroadcastTraceDir",
    "Debug.DeliverTraceDir",
    "Consensus.WALDir",
    "Consensus.SnapDir",
    "Operations.ListenAddress",
    "Operations.TLS.Enabled",
    "Operations.TLS.PrivateKey",
    "Operations.TLS.Certificate",
    "Operations.TLS.RootCAs",
    "Operations.TLS.ClientAuthRequired",
    "Operations.TLS.ClientRootCAs",
    "Operations.TLS.TLSHandshakeTimeShift",
    "Metrics.Provider",
    "Metrics.Statsd.Network",
    "Metrics.Statsd.Address",
    "Metrics.Statsd.WriteInterval",
    "Metrics.Statsd.Prefix",
    "ChannelParticipation.Enabled",
    "ChannelParticipation.MaxRequestBodySize",
    "Admin.ListenAddress",
    "Admin.TLS.Enabled",
    "Admin.TLS.PrivateKey",
    "Admin.TLS.Certificate",
    "Admin.TLS.RootCAs",
    "Admin.TLS.ClientAuthRequired",
    "Admin.TLS.ClientRootCAs",
    "Admin.TLS.TLSHandshakeTimeShift",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{COMPONENT_LABEL, NetworkSpec};
    use FabricVersion::{V1_4, V2_5};

    fn err(version: FabricVersion, component: Component, name: &str) -> String {
        env_key_known(version, component, name)
            .expect_err(&format!("{name} must be rejected for Fabric {version}"))
    }

    fn ok(version: FabricVersion, component: Component, name: &str) {
        if let Err(why) = env_key_known(version, component, name) {
            panic!("{name} must be accepted for Fabric {version}: {why}");
        }
    }

    #[test]
    fn every_key_has_its_own_variable_and_lies_in_a_covered_section() {
        for version in all_versions() {
            for component in [Component::Peer, Component::Orderer] {
                let table = keys(version, component);
                assert!(table.len() > 90, "{version} {component:?}: {}", table.len());
                let mut seen = std::collections::BTreeMap::new();
                for key in table {
                    if let Some(other) = seen.insert(env_form(key), key) {
                        panic!("{version} {component:?}: {key} and {other} share a variable");
                    }
                    let section = key.split('.').next().unwrap();
                    assert!(
                        component.sections(version).contains(&section),
                        "{version} {component:?}: {key}"
                    );
                    // No key is both read and declared dead.
                    assert!(
                        !DEAD.iter().any(|d| d.itself
                            && d.component == component
                            && d.versions.contains(&version)
                            && env_form(d.key) == env_form(key)),
                        "{version} {component:?}: {key} is both read and dead"
                    );
                }
            }
        }
    }

    #[test]
    fn the_settings_the_manifests_rely_on_are_read_by_both_releases() {
        for version in all_versions() {
            for name in [
                "CORE_PEER_ID",
                "CORE_PEER_ADDRESS",
                "CORE_PEER_LISTENADDRESS",
                "CORE_PEER_CHAINCODEADDRESS",
                "CORE_PEER_CHAINCODELISTENADDRESS",
                "CORE_PEER_GOSSIP_BOOTSTRAP",
                "CORE_PEER_GOSSIP_EXTERNALENDPOINT",
                "CORE_PEER_LOCALMSPID",
                "CORE_PEER_MSPCONFIGPATH",
                "CORE_PEER_TLS_ENABLED",
                "CORE_PEER_TLS_CERT_FILE",
                "CORE_PEER_TLS_KEY_FILE",
                "CORE_PEER_TLS_ROOTCERT_FILE",
                "CORE_PEER_FILESYSTEMPATH",
                "CORE_OPERATIONS_LISTENADDRESS",
                "CORE_METRICS_PROVIDER",
                "CORE_VM_ENDPOINT",
                "CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE",
                "CORE_VM_DOCKER_HOSTCONFIG_DNS",
                "CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH",
                "CORE_CHAINCODE_SYSTEM",
                "CORE_LEDGER_STATE_STATEDATABASE",
                "CORE_PEER_BCCSP_SW_HASH",
            ] {
                ok(version, Component::Peer, name);
            }
            for name in [
                "ORDERER_GENERAL_LISTENADDRESS",
                "ORDERER_GENERAL_LISTENPORT",
                "ORDERER_GENERAL_LOCALMSPID",
                "ORDERER_GENERAL_LOCALMSPDIR",
                "ORDERER_GENERAL_TLS_ENABLED",
                "ORDERER_GENERAL_TLS_CERTIFICATE",
                "ORDERER_GENERAL_TLS_PRIVATEKEY",
                "ORDERER_GENERAL_TLS_ROOTCAS",
                "ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE",
                "ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY",
                "ORDERER_GENERAL_CLUSTER_ROOTCAS",
                "ORDERER_GENERAL_CLUSTER_SENDBUFFERSIZE",
                "ORDERER_FILELEDGER_LOCATION",
                "ORDERER_OPERATIONS_LISTENADDRESS",
                "ORDERER_METRICS_PROVIDER",
                "ORDERER_KAFKA_RETRY_SHORTINTERVAL",
                "ORDERER_KAFKA_RETRY_SHORTTOTAL",
                "ORDERER_KAFKA_TOPIC_REPLICATIONFACTOR",
                "ORDERER_KAFKA_VERBOSE",
                "ORDERER_CONSENSUS_WALDIR",
                "ORDERER_CONSENSUS_SNAPDIR",
                "ORDERER_GENERAL_BCCSP_SW_SECURITY",
            ] {
                ok(version, Component::Orderer, name);
            }
        }
    }

    #[test]
    fn the_genesis_settings_were_renamed_bootstrap_in_2_x() {
        ok(V2_5, Component::Orderer, "ORDERER_GENERAL_BOOTSTRAPFILE");
        ok(V2_5, Component::Orderer, "ORDERER_GENERAL_BOOTSTRAPMETHOD");
        ok(V1_4, Component::Orderer, "ORDERER_GENERAL_GENESISFILE");
        ok(V1_4, Component::Orderer, "ORDERER_GENERAL_GENESISMETHOD");
        let why = err(V1_4, Component::Orderer, "ORDERER_GENERAL_BOOTSTRAPFILE");
        assert!(why.contains("Fabric 2.5's orderer reads this key"), "{why}");
        assert!(
            why.contains("reads General.GenesisFile instead (ORDERER_GENERAL_GENESISFILE)"),
            "{why}"
        );
        let why = err(V1_4, Component::Orderer, "ORDERER_GENERAL_BOOTSTRAPMETHOD");
        assert!(why.contains("ORDERER_GENERAL_GENESISMETHOD"), "{why}");
        let why = err(V2_5, Component::Orderer, "ORDERER_GENERAL_GENESISFILE");
        assert!(
            why.contains("deprecated") && why.contains("ORDERER_GENERAL_BOOTSTRAPFILE"),
            "{why}"
        );
        let why = err(V2_5, Component::Orderer, "ORDERER_GENERAL_GENESISMETHOD");
        assert!(why.contains("ORDERER_GENERAL_BOOTSTRAPMETHOD"), "{why}");
        // 1.4-only settings of the system-channel era.
        ok(V1_4, Component::Orderer, "ORDERER_GENERAL_SYSTEMCHANNEL");
        let why = err(V2_5, Component::Orderer, "ORDERER_GENERAL_SYSTEMCHANNEL");
        assert!(why.contains("Fabric 1.4's orderer reads this key"), "{why}");
        let why = err(V2_5, Component::Orderer, "ORDERER_FILELEDGER_PREFIX");
        assert!(why.contains("no longer used"), "{why}");
    }

    #[test]
    fn dns_options_are_never_read() {
        for version in all_versions() {
            let why = err(
                version,
                Component::Peer,
                "CORE_VM_DOCKER_HOSTCONFIG_DNSOPTIONS",
            );
            assert!(why.contains("Fabric never reads DnsOptions"), "{why}");
            assert!(
                why.starts_with("CORE_VM_DOCKER_HOSTCONFIG_DNSOPTIONS: "),
                "{why}"
            );
        }
    }

    #[test]
    fn keys_inside_maps_read_whole_are_dead() {
        for version in all_versions() {
            for name in [
                "CORE_VM_DOCKER_HOSTCONFIG_LOGCONFIG",
                "CORE_VM_DOCKER_HOSTCONFIG_LOGCONFIG_TYPE",
                "CORE_VM_DOCKER_HOSTCONFIG_LOGCONFIG_CONFIG_MAX-SIZE",
            ] {
                let why = err(version, Component::Peer, name);
                assert!(
                    why.contains("read as one map (viper.UnmarshalKey)"),
                    "{why}"
                );
            }
            let why = err(version, Component::Peer, "CORE_CHAINCODE_SYSTEM_CSCC");
            assert!(
                why.contains("set CORE_CHAINCODE_SYSTEM to a JSON object"),
                "{why}"
            );
            let why = err(version, Component::Peer, "CORE_PEER_BCCSP_PKCS11_ALTIDX");
            assert!(why.contains("add it to core.yaml"), "{why}");
            let why = err(
                version,
                Component::Orderer,
                "ORDERER_CONSENSUS_EVICTIONSUSPICION",
            );
            assert!(why.contains("(WALDir, SnapDir)"), "{why}");
            let why = err(
                version,
                Component::Orderer,
                "ORDERER_GENERAL_BCCSP_PKCS11_IMMUTABLE",
            );
            assert!(why.contains("add it to orderer.yaml"), "{why}");
        }
        // 1.4 parses a JSON object from the variable of a whole map; 2.5 does not.
        ok(V1_4, Component::Orderer, "ORDERER_CONSENSUS");
        let why = err(V2_5, Component::Orderer, "ORDERER_CONSENSUS");
        assert!(why.contains("Fabric 1.4's orderer reads this key"), "{why}");
    }

    #[test]
    fn misspellings_are_rejected_with_the_name_meant() {
        for (version, component, wrong, meant) in [
            (
                V1_4,
                Component::Peer,
                "CORE_PEER_TLS_CERTFILE",
                "CORE_PEER_TLS_CERT_FILE",
            ),
            (
                V2_5,
                Component::Peer,
                "CORE_PEER_TLS_ROOTCERTFILE",
                "CORE_PEER_TLS_ROOTCERT_FILE",
            ),
            (
                V1_4,
                Component::Peer,
                "CORE_VM_DOCKER_HOSTCONFIG_DNS_SEARCH",
                "CORE_VM_DOCKER_HOSTCONFIG_DNSSEARCH",
            ),
            (
                V2_5,
                Component::Peer,
                "CORE_PEER_GOSIP_BOOTSTRAP",
                "CORE_PEER_GOSSIP_BOOTSTRAP",
            ),
            (
                V1_4,
                Component::Orderer,
                "ORDERER_GENERAL_LISTENADRESS",
                "ORDERER_GENERAL_LISTENADDRESS",
            ),
            (
                V2_5,
                Component::Orderer,
                "ORDERER_GENERAL_TLS_ROOTCA",
                "ORDERER_GENERAL_TLS_ROOTCAS",
            ),
            (
                V1_4,
                Component::Orderer,
                "ORDERER_KAFKA_TOPIC_REPLICATION_FACTOR",
                "ORDERER_KAFKA_TOPIC_REPLICATIONFACTOR",
            ),
        ] {
            let why = err(version, component, wrong);
            assert!(
                why.contains(&format!("did you mean {meant} (")),
                "{wrong}: {why}"
            );
            assert!(why.contains("never reads it"), "{wrong}: {why}");
        }
        let why = err(V1_4, Component::Peer, "CORE_PEER_SOMETHINGELSEENTIRELY");
        assert!(!why.contains("did you mean"), "{why}");
    }

    #[test]
    fn names_outside_the_tables_reach_say_so() {
        let why = err(V1_4, Component::Peer, "CORE_LOGGING_LEVEL");
        assert!(why.contains("none of the core.yaml sections"), "{why}");
        let why = err(V1_4, Component::Peer, "ORDERER_GENERAL_LISTENPORT");
        assert!(why.contains("does not start with CORE_"), "{why}");
        let why = err(V2_5, Component::Orderer, "CORE_PEER_ID");
        assert!(why.contains("does not start with ORDERER_"), "{why}");
        let why = err(V2_5, Component::Orderer, "ORDERER_");
        assert!(why.contains("does not start with ORDERER_"), "{why}");
        let why = err(V2_5, Component::Peer, "CORE_peer_id");
        assert!(why.contains("upper-cased name (CORE_PEER_ID)"), "{why}");
        let why = err(V1_4, Component::Orderer, "ORDERER_NOSUCHSECTION_KEY");
        assert!(why.contains("none of the orderer.yaml sections"), "{why}");
    }

    #[test]
    fn keys_of_one_release_only() {
        ok(V2_5, Component::Peer, "CORE_PEER_GATEWAY_ENABLED");
        let why = err(V1_4, Component::Peer, "CORE_PEER_GATEWAY_ENABLED");
        assert!(
            why.contains("Fabric 2.5's peer reads this key, Fabric 1.4's does not"),
            "{why}"
        );
        ok(V2_5, Component::Peer, "CORE_CHAINCODE_EXTERNALBUILDERS");
        assert!(env_key_known(V1_4, Component::Peer, "CORE_CHAINCODE_EXTERNALBUILDERS").is_err());
        ok(V1_4, Component::Peer, "CORE_VM_DOCKER_HOSTCONFIG_CPUSET");
        assert!(env_key_known(V2_5, Component::Peer, "CORE_VM_DOCKER_HOSTCONFIG_CPUSET").is_err());
        ok(V2_5, Component::Orderer, "ORDERER_ADMIN_LISTENADDRESS");
        ok(
            V2_5,
            Component::Orderer,
            "ORDERER_CHANNELPARTICIPATION_ENABLED",
        );
        assert!(env_key_known(V1_4, Component::Orderer, "ORDERER_ADMIN_LISTENADDRESS").is_err());
    }

    /// The env names every peer and orderer workload of `network`'s render sets, with the
    /// component each belongs to.
    fn rendered_env(network: &crate::network::Network) -> Vec<(Component, String)> {
        let now = time::OffsetDateTime::now_utc();
        let (_, manifests) =
            crate::deploy::render(network, now, &crate::commands::deploy::check_pki)
                .expect("the network renders");
        let mut out = Vec::new();
        for object in manifests.objects() {
            let component = match object.body["metadata"]["labels"][COMPONENT_LABEL].as_str() {
                Some("peer") => Component::Peer,
                Some("orderer") => Component::Orderer,
                _ => continue,
            };
            let pod = &object.body["spec"]["template"]["spec"];
            for list in ["initContainers", "containers"] {
                for container in pod[list].as_array().into_iter().flatten() {
                    for var in container["env"].as_array().into_iter().flatten() {
                        if let Some(name) = var["name"].as_str() {
                            out.push((component, name.to_owned()));
                        }
                    }
                }
            }
        }
        out
    }

    /// Every `CORE_*`/`ORDERER_*` name the manifests set is one that release reads.
    #[test]
    fn rendered_manifests_set_only_keys_fabric_reads() {
        for version in all_versions() {
            let spec = NetworkSpec {
                fabric: version,
                ..NetworkSpec::default()
            };
            let mut network = spec
                .resolve()
                .unwrap_or_else(|why| panic!("Fabric {version}'s reference spec: {why}"));
            network.cluster_dns = Some(crate::deploy::offline_cluster_dns(&network));
            let env = rendered_env(&network);
            let fabric: Vec<&(Component, String)> = env
                .iter()
                .filter(|(_, n)| n.starts_with("CORE_") || n.starts_with("ORDERER_"))
                .collect();
            // The walk found both kinds of workload, so an empty violation list means something.
            for component in [Component::Peer, Component::Orderer] {
                let prefix = format!("{}_", component.env_prefix());
                let count = fabric
                    .iter()
                    .filter(|(c, n)| *c == component && n.starts_with(&prefix))
                    .count();
                assert!(
                    count >= 10,
                    "Fabric {version}: {count} {prefix}* variables rendered"
                );
            }
            let mut violations: Vec<String> = Vec::new();
            let mut reasons: Vec<String> = Vec::new();
            for (component, name) in fabric {
                if let Err(why) = env_key_known(network.fabric, *component, name)
                    && !violations.contains(name)
                {
                    violations.push(name.clone());
                    reasons.push(why);
                }
            }
            violations.sort();
            assert_eq!(
                violations,
                Vec::<&str>::new(),
                "Fabric {version}:\n  {}",
                reasons.join("\n  ")
            );
        }
    }
}
