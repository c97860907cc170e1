//! Builders for the channel and Raft checks' unit tests: certificates from the shared test PKI
//! and configurations assembled in code.

use std::sync::Arc;

use crate::context::Context;
use crate::inventory::cert::CertFacts;
use crate::inventory::channel::*;
use crate::inventory::{Inventory, Origin};

pub fn ctx() -> Context {
    Context::at(time::macros::datetime!(2026-06-01 00:00 UTC))
}

/// A CA: its parameters and key (to issue with) and its parsed facts.
pub type TestCa = (rcgen::CertificateParams, rcgen::KeyPair, Arc<CertFacts>);

/// A self-signed CA certificate valid between the two RFC 3339 instants.
pub fn ca(cn: &str, from: &str, until: &str) -> TestCa {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.not_before = instant(from);
    params.not_after = instant(until);
    let cert = params.self_signed(&key).expect("self-signed");
    let facts = Arc::new(CertFacts::parse(cert.der()).expect("parses"));
    (params, key, facts)
}

/// A leaf issued by `issuer`, with `names` as SANs.
pub fn leaf(cn: &str, names: &[&str], issuer: &TestCa, from: &str, until: &str) -> Arc<CertFacts> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.not_before = instant(from);
    params.not_after = instant(until);
    let signer = rcgen::Issuer::from_params(&issuer.0, &issuer.1);
    let cert = params.signed_by(&key, &signer).expect("signed");
    Arc::new(CertFacts::parse(cert.der()).expect("parses"))
}

fn instant(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).expect("date")
}

pub fn cert(locator: &str, facts: &Arc<CertFacts>) -> ConfigCert {
    ConfigCert {
        locator: locator.into(),
        facts: Ok(facts.clone()),
    }
}

/// An empty genesis-block configuration in folder `net/`.
pub fn block(channel: &str) -> ChannelConfig {
    let mut c = ChannelConfig::new(
        Origin::file(format!("net/{channel}.block")),
        "net",
        ConfigSource::GenesisBlock,
        channel,
    );
    c.sequence = Some(0);
    c.hashing_algorithm = Some("SHA256".into());
    c
}

/// An org with the given roots and TLS roots.
pub fn org(section: &str, msp_id: &str, roots: &[ConfigCert], tls: &[ConfigCert]) -> OrgConfig {
    OrgConfig {
        name: msp_id.into(),
        path: format!("Channel/{section}/{msp_id}"),
        msp: Some(OrgMsp {
            msp_id: msp_id.into(),
            kind: "FABRIC".into(),
            root_certs: roots.to_vec(),
            tls_root_certs: tls.to_vec(),
            ..OrgMsp::default()
        }),
        anchor_peers: Vec::new(),
        orderer_endpoints: Vec::new(),
    }
}

/// A workload in folder `net/` answering to its name.
pub fn workload(
    name: &str,
    component: crate::inventory::ordering::Component,
    image: Option<&str>,
) -> crate::inventory::ordering::Workload {
    crate::inventory::ordering::Workload {
        name: name.into(),
        origin: Origin::file("net/compose.yaml"),
        scope: "net".into(),
        component,
        image: image.map(str::to_owned),
        replicas: crate::inventory::ordering::Replicas::Count(1),
        env: Default::default(),
        properties: Default::default(),
        hostnames: vec![name.into()],
        computed_at_start: Vec::new(),
        ports: Vec::new(),
        mounts: Vec::new(),
        pod: None,
    }
}

pub fn inventory(configs: Vec<ChannelConfig>) -> Inventory {
    Inventory {
        source: "artifacts:net".into(),
        channels: configs,
        ..Inventory::default()
    }
}
