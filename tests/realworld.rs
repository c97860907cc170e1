//! Verdicts on the real-world Fabric material in `../shared/realworld` (copied from public
//! Fabric repositories; see its SOURCES.md). Evaluated as of the reference date the material
//! was classified against, so the verdicts do not drift with the calendar.

use std::path::Path;

use clap::Parser;
use fabcheck::cli::Cli;
use fabcheck::commands::Config;
use fabcheck::finding::{Finding, Report, Status};

#[path = "support/findings.rs"]
mod findings;
use findings::realworld;

fn check(dir: &Path) -> Report {
    let args = [
        "fabcheck",
        "check",
        "--artifacts",
        dir.to_str().unwrap(),
        "--at",
        "2026-11-21T00:00:00Z",
    ];
    let Config::Check(config) = Cli::parse_from(args).into_config().unwrap() else {
        unreachable!()
    };
    fabcheck::commands::check::report(&config).expect("gathering succeeds")
}

/// Findings of check `id` about the file ending in `path_end`, whether it is the finding's
/// target or one of the identical copies listed in its evidence.
fn find<'a>(report: &'a Report, id: &str, path_end: &str) -> Vec<&'a Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.check_id == id)
        .filter(|f| {
            f.target.name.ends_with(path_end)
                || f.evidence
                    .get("also_at")
                    .and_then(|v| v.as_array())
                    .is_some_and(|copies| {
                        copies
                            .iter()
                            .any(|c| c.as_str().is_some_and(|c| c.ends_with(path_end)))
                    })
        })
        .collect()
}

fn status(report: &Report, id: &str, path_end: &str) -> Status {
    let found = find(report, id, path_end);
    assert_eq!(
        found.len(),
        1,
        "expected one {id} finding for *{path_end}, got {found:#?}"
    );
    found[0].status
}

const SDK_V1: &str = "fabric/v1/crypto-config";

#[test]
fn fabric_sdk_go_expired_tls_ca_zero_window_and_revoked_peer() {
    let r = check(&realworld("hyperledger__fabric-sdk-go"));
    // The expired TLS CA (1-day window, long past).
    let f = find(
        &r,
        "X509-002",
        &format!("{SDK_V1}/ordererOrganizations/example.com/expiredtlsca/expired.pem"),
    );
    assert_eq!(f[0].status, Status::Fail);
    assert!(
        f[0].message.starts_with("expired at 2018-04-03T17:16:25Z"),
        "{}",
        f[0].message
    );
    // NotAfter before NotBefore.
    let zero = format!("{SDK_V1}/peerOrganizations/org1.example.com/expiredtlsca/expired.pem");
    assert_eq!(status(&r, "X509-006", &zero), Status::Fail);
    assert_eq!(status(&r, "X509-002", &zero), Status::Fail);
    // The fabric-ca issued, expired "peer-revoked" certificate placed as peer1.org2's signcert.
    let revoked = format!(
        "{SDK_V1}/peerOrganizations/org2.example.com/peers/peer1.org2.example.com/msp/signcerts/peer1.org2.example.com-cert.pem"
    );
    let f = find(&r, "X509-002", &revoked);
    assert_eq!(f[0].status, Status::Fail);
    assert!(
        f[0].evidence["subject"]
            .as_str()
            .unwrap()
            .contains("peer-revoked.org2.example.com")
    );
    assert!(
        f[0].message.starts_with("expired at 2019-03-14T16:24:00Z"),
        "{}",
        f[0].message
    );
    // The healthy cryptogen tree around them passes the chain and key checks.
    let peer0 = format!(
        "{SDK_V1}/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls/server.crt"
    );
    assert_eq!(status(&r, "X509-004", &peer0), Status::Pass);
    assert_eq!(status(&r, "X509-007", &peer0), Status::Pass);
    assert_eq!(status(&r, "X509-002", &peer0), Status::Pass);
    // P-521 / ECDSA-SHA512 chains verify (ring does not do P-521; Go does).
    let p521 = "4a56d4a0f4279bbdb833c6e0a5a3e3278943ab9f/test/fixtures/tls/fabricca/certs/client/client_client1.pem";
    assert_eq!(status(&r, "X509-004", p521), Status::Pass);
    // The CRLs (X509-018/019): org2's CA revoked peer-revoked, which is still peer1.org2's
    // signcert; org2's CRL is long stale; org1's msp/crls/ holds org2's CRL, whose issuer is no
    // CA of org1 (cannot be verified: the one error in the tree); peer0.org2's copy has a
    // BEGIN line indented by a space, which Go's pem.Decode does not read, so Fabric skips it
    // (verified with Fabric 1.4.12's MSP: "Failed reading file … no pem content").
    let f = find(&r, "X509-019", &revoked);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].status, Status::Fail, "{}", f[0].message);
    let crl = |org: &str| format!("{SDK_V1}/peerOrganizations/{org}/msp/crls/crl.pem");
    assert_eq!(
        status(&r, "X509-018", &crl("org2.example.com")),
        Status::Warn
    );
    assert_eq!(
        status(&r, "X509-018", &crl("org1.example.com")),
        Status::Error
    );
    let f = find(
        &r,
        "X509-018",
        &crl("org2.example.com/peers/peer0.org2.example.com"),
    );
    assert_eq!(f[0].status, Status::Fail, "{}", f[0].message);
    assert!(
        f[0].message.contains("Fabric skips the file"),
        "{}",
        f[0].message
    );
    let errors: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .collect();
    assert_eq!(errors.len(), 1, "only org1's foreign CRL: {errors:#?}");
}

#[test]
fn fabric_msp_testdata_expired_and_intermediate_chains() {
    let r = check(&realworld("hyperledger__fabric/main/msp/testdata"));
    for cert in [
        "expired/cacerts/cacert.pem",
        "expired/signcerts/peer-expired.pem",
        "expired/admincerts/admincert-expired.pem",
    ] {
        assert_eq!(status(&r, "X509-002", cert), Status::Fail, "{cert}");
    }
    // intermediate/: the signing certificate chains through intermediatecerts to the root.
    let f = find(&r, "X509-004", "intermediate/signcerts/signcert.pem");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].status, Status::Pass, "{}", f[0].message);
    assert_eq!(f[0].evidence["chain"].as_array().unwrap().len(), 3);
    assert_eq!(
        status(&r, "X509-004", "revokedica/signcerts/signcert.pem"),
        Status::Pass
    );
    assert_eq!(
        status(&r, "X509-008", "intermediate"),
        Status::Warn,
        "complete but for tlscacerts/"
    );
    // OU identifiers in config.yaml exclude the admin (badadmin) and the signer (badconfigou).
    let f = find(&r, "X509-008", "badadmin");
    assert_eq!(f[0].status, Status::Fail);
    assert!(
        f[0].message
            .contains("admincerts/ certificate COP2 has OUs [COP, COP2]"),
        "{}",
        f[0].message
    );
    let f = find(&r, "X509-008", "badconfigou");
    assert!(
        f[0].message.contains("signcerts/ certificate COP2"),
        "{}",
        f[0].message
    );
    assert_eq!(status(&r, "X509-008", "nodeous1"), Status::Pass);
    // The one error: revocation2's CRL, whose issuer is no CA of its MSP
    // (fabric_msp_testdata_crl_verdicts).
    assert_eq!(r.summary.errors, 1);
}

/// fabcheck's own generator before it signed low-S, through real Fabric 1.4.12 configtxgen
/// (SOURCES.md, "fabric-1.4.12-configtxgen"): four self-signed MSP CAs are high-S, which Fabric
/// builds with Go 1.19+ and without fabric#3774 refuse. Every other certificate passes, among
/// them high-S leaves and high-S TLS CAs, which those builds accept.
#[test]
fn fabric_1_4_12_configtxgen_high_s_cas() {
    let r = check(&realworld("fabric-1.4.12-configtxgen"));
    let high_s_cas = [
        "kafka/crypto-config/ordererOrganizations/orgorderer1/msp/cacerts/ca.orgorderer1-cert.pem",
        "raft/crypto-config/peerOrganizations/org1/msp/cacerts/ca.org1-cert.pem",
        "raft/crypto-config/peerOrganizations/org2/msp/cacerts/ca.org2-cert.pem",
        "raft/crypto-config/peerOrganizations/org3/msp/cacerts/ca.org3-cert.pem",
    ];
    for ca in high_s_cas {
        let f = find(&r, "X509-010", ca);
        assert_eq!(f.len(), 1, "{ca}: {f:#?}");
        assert_eq!(f[0].status, Status::Fail, "{ca}: {}", f[0].message);
        assert_eq!(f[0].evidence["signature_form"], "high-S", "{ca}");
        assert!(f[0].message.contains("fabric#3774"), "{}", f[0].message);
    }
    let mine: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.check_id == "X509-010")
        .collect();
    let failed: Vec<&&Finding> = mine.iter().filter(|f| f.status != Status::Pass).collect();
    assert_eq!(
        failed.len(),
        high_s_cas.len(),
        "only the four CAs fail: {failed:#?}"
    );
    // The rest pass, high-S or not: the kafka orderer org's TLS CA and a peer's signcert are
    // high-S too.
    for (path, form) in [
        (
            "kafka/crypto-config/ordererOrganizations/orgorderer1/msp/tlscacerts/tlsca.orgorderer1-cert.pem",
            "high-S",
        ),
        (
            "kafka/crypto-config/peerOrganizations/org1/peers/peer0.org1/msp/signcerts/peer0.org1-cert.pem",
            "high-S",
        ),
        (
            "raft/crypto-config/ordererOrganizations/orgorderer1/msp/cacerts/ca.orgorderer1-cert.pem",
            "low-S",
        ),
    ] {
        let f = find(&r, "X509-010", path);
        assert_eq!(f.len(), 1, "{path}: {f:#?}");
        assert_eq!(f[0].status, Status::Pass, "{path}: {}", f[0].message);
        assert_eq!(f[0].evidence["signature_form"], form, "{path}");
    }
    assert!(
        mine.len() > 40,
        "every distinct MSP certificate is judged: {}",
        mine.len()
    );
}

#[test]
fn every_realworld_tree_is_audited_without_a_crash() {
    let root = realworld("");
    let mut refused = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if dir.is_dir() {
            let r = check(&dir);
            assert!(!r.findings.is_empty(), "{}", dir.display());
            // No valid YAML file is refused (templates are "not evaluated", never a parse
            // error): comment-heavy fabric-ca and core.yaml files, forward aliases.
            refused.extend(
                r.findings
                    .iter()
                    .filter(|f| f.message.contains("failed to parse YAML"))
                    .map(|f| format!("{} {}: {}", f.check_id, f.target, f.message)),
            );
        }
    }
    assert!(refused.is_empty(), "refused YAML:\n{}", refused.join("\n"));
}

/// Fabric blocks and transactions, wherever they are stored.
fn is_channel_artifact(name: &str) -> bool {
    [".block", ".tx", ".pb"].iter().any(|e| name.ends_with(e))
}

/// X509-009 errors, for assertion messages.
fn unreadable(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.check_id == "X509-009" && f.status == Status::Error)
        .map(|f| format!("{}: {}", f.target, f.message))
        .collect()
}

/// The binary items X509-009 lists as not read.
fn listed_binary(r: &Report) -> Vec<String> {
    let skip: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.check_id == "X509-009" && f.status == Status::Skip)
        .collect();
    assert_eq!(skip.len(), 1, "one skip finding lists the binary data");
    skip[0].evidence["binary"]
        .as_array()
        .expect("binary list")
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn real_configtxgen_blocks_and_transactions_are_not_broken_pem() {
    // Real Fabric 1.4.12 blocks embed the MSPs' PEM certificates inside protobuf, with length
    // bytes on the armour's lines: nothing about them is unreadable certificate material.
    let dir = realworld("fabric-1.4.12-configtxgen");
    let r = check(&dir);
    assert_eq!(unreadable(&r), Vec::<String>::new());
    let mut artifacts: Vec<String> = walk(&dir)
        .into_iter()
        .filter(|p| is_channel_artifact(p))
        .collect();
    artifacts.sort();
    assert_eq!(artifacts.len(), 12, "{artifacts:#?}");
    let mut listed = listed_binary(&r);
    listed.sort();
    assert_eq!(
        listed, artifacts,
        "every block and transaction listed, none dropped"
    );
    // The certificates beside them are still judged.
    let ca = "raft/crypto-config/peerOrganizations/org1/msp/cacerts/ca.org1-cert.pem";
    assert_eq!(find(&r, "X509-004", ca).len(), 1);
}

#[test]
fn a_configmap_or_secret_holding_a_real_block_is_not_broken_pem() {
    // The genesis block as the orderers get it: in a ConfigMap's binaryData (what
    // `kubectl create configmap --from-file` makes of a binary file), and a channel block kept
    // in a Secret's data.
    use base64::Engine;
    let b64 = |p: &str| {
        let bytes = std::fs::read(realworld("fabric-1.4.12-configtxgen").join(p)).unwrap();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fabcheck-genesis\n  namespace: orgorderer1\nbinaryData:\n  genesis.block: {}\n  channel.tx: {}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: channel-blocks\n  namespace: org1\ntype: Opaque\ndata:\n  mychannel: {}\n",
        b64("raft/genesis.block"),
        b64("raft/channel.tx"),
        b64("raft/mychannel.block"),
    );
    std::fs::write(dir.path().join("configmap-fabcheck-genesis.yaml"), yaml).unwrap();
    let r = check(dir.path());
    assert_eq!(unreadable(&r), Vec::<String>::new());
    let listed = listed_binary(&r);
    for want in [
        "ConfigMap orgorderer1/fabcheck-genesis, binaryData[genesis.block]",
        "ConfigMap orgorderer1/fabcheck-genesis, binaryData[channel.tx]",
        "Secret org1/channel-blocks, data[mychannel]",
    ] {
        assert!(
            listed.iter().any(|l| l.contains(want)),
            "{want}: {listed:#?}"
        );
    }
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

/// Fabric's own `msp/testdata` against Fabric's certificate profile (X509-011 … X509-017).
/// The NodeOU folders are deliberately broken for Fabric's tests (msp/nodeous_test.go, cited
/// per folder); fabcheck judges them as a 1.4.3+ local MSP, the version every node sets its
/// local MSP up at. Every other profile check passes the whole tree: its keys are ECDSA P-256,
/// signed with SHA-256, its CAs carry CA:TRUE, SKI and keyCertSign, its serials are positive.
#[test]
fn fabric_msp_testdata_certificate_profile_verdicts() {
    let r = check(&realworld("hyperledger__fabric/main/msp/testdata"));
    for id in [
        "X509-011", "X509-012", "X509-013", "X509-014", "X509-016", "X509-017",
    ] {
        let mine: Vec<&Finding> = r.findings.iter().filter(|f| f.check_id == id).collect();
        assert!(!mine.is_empty(), "{id} judged nothing");
        for f in mine {
            assert!(
                f.status == Status::Pass || f.status == Status::Skip,
                "{id} {:?} {}: {}",
                f.status,
                f.target.name,
                f.message
            );
        }
    }
    let node_ous = |folder: &str| {
        let found: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.check_id == "X509-015" && f.target.name.ends_with(&format!("/{folder}")))
            .collect();
        assert_eq!(found.len(), 1, "{folder}: {found:#?}");
        found[0]
    };
    // (folder, verdict, phrase, what Fabric's own test says)
    let expected = [
        // TestNodeOUs / nodeous1: "assert.Error" at MSPv1_1: the admin carries OU COP, no role.
        (
            "nodeous1",
            Status::Fail,
            "admincerts/ peer0.org1.example.com carries neither the client nor the admin role",
        ),
        // nodeous2, nodeous5: the MSP sets up, but the signer carries no role: its Validate fails.
        (
            "nodeous2",
            Status::Fail,
            "signcerts/ peer0 carries none of the NodeOU roles",
        ),
        (
            "nodeous5",
            Status::Fail,
            "signcerts/ peer0 carries none of the NodeOU roles",
        ),
        // nodeous3 and nodeous6: NoError.
        (
            "nodeous3",
            Status::Pass,
            "signcerts/ peer0 carries the peer role",
        ),
        (
            "nodeous6",
            Status::Pass,
            "signcerts/ peer0 carries the peer role",
        ),
        // nodeous4: "admin 0 is invalid … certifiersIdentifier does not match": the client role
        // names cacerts/external_ca.pem, which the admin does not chain to.
        (
            "nodeous4",
            Status::Fail,
            "\"certifiersIdentifier does not match\"",
        ),
        // nodeous8: "The identity does not contain OU [CLIENT]": the admin is a peer.
        (
            "nodeous8",
            Status::Fail,
            "admincerts/ peer0 carries neither the client nor the admin role",
        ),
        // nodeousbadconf1 at MSPv1_4_3: "admin 0 is invalid [cannot test for classification,
        // node ou for type [CLIENT], not defined …]": config.yaml maps no client role.
        (
            "nodeousbadconf1",
            Status::Fail,
            "config.yaml maps peer=peer, admin=admin, orderer=orderer",
        ),
        // nodeousbadconf2 at MSPv1_4_3: NoError.
        ("nodeousbadconf2", Status::Pass, "carries the orderer role"),
        // nodeouadmin, nodeouorderer: NoError at MSPv1_4_3.
        (
            "nodeouadmin",
            Status::Pass,
            "signcerts/ peer0.org1.example.com carries the peer role",
        ),
        (
            "nodeouorderer",
            Status::Pass,
            "signcerts/ orderer.example.com carries the orderer role",
        ),
        // nodeouadminclient2: the MSP sets up (Fabric's test checks only its admins), but
        // config.yaml maps only the client and peer roles and the signer is an orderer: as an
        // identity it carries none, and Fabric's validateIdentityOUsV143 refuses it.
        (
            "nodeouadminclient2",
            Status::Fail,
            "signcerts/ orderer.example.com carries none of the NodeOU roles config.yaml maps (client=client, peer=peer)",
        ),
    ];
    for (folder, status, phrase) in expected {
        let f = node_ous(folder);
        assert_eq!(f.status, status, "{folder}: {}", f.message);
        assert!(f.message.contains(phrase), "{folder}: {}", f.message);
    }
}

/// The CRL folders of Fabric's own `msp/testdata`, with what Fabric's msp/revocation_test.go
/// expects of each (and what Fabric 1.4.12's MSP did with them, recorded in the issue note).
#[test]
fn fabric_msp_testdata_crl_verdicts() {
    let r = check(&realworld("hyperledger__fabric/main/msp/testdata"));
    let one = |id: &str, path_end: &str| {
        let found = find(&r, id, path_end);
        assert_eq!(found.len(), 1, "{id} {path_end}: {found:#?}");
        found[0]
    };
    // TestRevocation: revocation/'s CRL is signed by its CA and revokes the signer: "The
    // certificate has been revoked".
    let f = one("X509-018", "revocation/crls/crl.pem");
    assert_eq!(f.status, Status::Pass, "{}", f.message);
    let f = one("X509-019", "revocation/signcerts/signcert-revoked.pem");
    assert_eq!(f.status, Status::Fail, "{}", f.message);
    assert!(f.message.contains("signing identity"), "{}", f.message);
    // revocation2/: "Identity found revoked although the signature over the CRL is invalid"
    // must not happen. Its CRL's issuer is no CA of the MSP: it cannot be verified (error), and
    // it revokes nothing.
    let f = one("X509-018", "revocation2/crls/crl.pem");
    assert_eq!(f.status, Status::Error, "{}", f.message);
    assert!(
        f.message.contains("not among the CA certificates"),
        "{}",
        f.message
    );
    assert!(find(&r, "X509-019", "revocation2/signcerts/signcert.pem").is_empty());
    // TestRevokedIntermediateCA: "CA Certificate is not valid": the CRL revokes the
    // intermediate CA everything else chains through.
    let f = one("X509-018", "revokedica/crls/crl.pem");
    assert_eq!(f.status, Status::Pass, "{}", f.message);
    let f = one(
        "X509-019",
        "revokedica/intermediatecerts/intermidiatecert.pem",
    );
    assert_eq!(f.status, Status::Fail, "{}", f.message);
    assert!(f.message.contains("intermediate CA"), "{}", f.message);
    let fails: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.check_id == "X509-019" && f.status != Status::Pass)
        .collect();
    assert_eq!(fails.len(), 2, "{fails:#?}");
}
