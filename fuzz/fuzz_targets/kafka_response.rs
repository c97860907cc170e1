//! Kafka wire responses as the probe reads them: a length-prefixed frame, the response header,
//! the schema walk that vouches for every length, the `kafka-protocol` decode, and what the
//! probe keeps (advertised versions, brokers and topics, topic and broker configs). Input: API
//! (ApiVersions, Metadata, DescribeConfigs), version, then the bytes the broker sent.
//! Invariants: no panic, no abort on a huge allocation (`-rss_limit_mb`), no hang.
#![no_main]

use fabcheck::fuzzing::{KAFKA_APIS, kafka_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let [api, version, stream @ ..] = input else {
        return;
    };
    let api = KAFKA_APIS[usize::from(*api) % KAFKA_APIS.len()];
    let _ = kafka_response(api, i16::from(*version), stream);
});
