//! configtx.yaml: the Orderer section of each profile (and the top-level defaults), with
//! anchors and merge keys resolved and byte sizes parsed exactly as Fabric parses them.

use serde_json::Value;

use super::yaml::{YamlFile, scalar};
use super::{ConfigTxProfile, OrderingConfig, Setting};
use crate::inventory::Origin;

pub fn gather(docs: &[YamlFile], config: &mut OrderingConfig) {
    for f in docs {
        let Some(doc) = f.docs.first() else { continue };
        let profiles = doc.get("Profiles").and_then(Value::as_object);
        let has_orderer_profiles =
            profiles.is_some_and(|p| p.values().any(|v| v.get("Orderer").is_some()));
        if doc.get("Orderer").is_none() && !has_orderer_profiles {
            continue;
        }
        if let Some(orderer) = doc.get("Orderer") {
            config.profiles.push(profile(
                f,
                "Orderer defaults",
                orderer,
                f.line_of("Orderer:", 1).unwrap_or(1),
            ));
        }
        for (name, p) in profiles.into_iter().flatten() {
            if let Some(orderer) = p.get("Orderer") {
                let line = f.line_of(&format!("{name}:"), 1).unwrap_or(1);
                config
                    .profiles
                    .push(profile(f, &format!("profile {name}"), orderer, line));
            }
        }
    }
}

fn profile(f: &YamlFile, name: &str, orderer: &Value, line: usize) -> ConfigTxProfile {
    let origin = Origin::at(f.shown.clone(), format!("{name}, line {line}"));
    let at = |key: &str| f.origin_at(format!("{name}, {key}"), key, line);
    let bytes = |key: &str| {
        orderer
            .get("BatchSize")
            .and_then(|b| b.get(key))
            .map(|v| match v {
                Value::Number(n) => n
                    .as_u64()
                    .filter(|&n| n <= u64::from(u32::MAX))
                    .ok_or_else(|| format!("{key}: {n} is not a size Fabric accepts (uint32)")),
                other => match scalar(other) {
                    Some(s) => parse_byte_size(&s).map_err(|e| format!("{key}: {e}")),
                    None => Err(format!("{key} is not a scalar")),
                },
            })
    };
    ConfigTxProfile {
        origin: origin.clone(),
        scope: f.dir.clone(),
        name: name.trim_start_matches("profile ").to_owned(),
        orderer_type: orderer
            .get("OrdererType")
            .and_then(scalar)
            .map(|t| Setting::literal(t, at("OrdererType"))),
        kafka_brokers: orderer
            .get("Kafka")
            .and_then(|k| k.get("Brokers"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(scalar).collect()),
        absolute_max_bytes: bytes("AbsoluteMaxBytes"),
        preferred_max_bytes: bytes("PreferredMaxBytes"),
        from_block: false,
    }
}

/// Parses a byte size as Fabric's configtxgen does (viperutil's byteSizeDecodeHook): an
/// integer followed by an optional K, M or G (case-insensitive, optional B), in powers of
/// 1024; a bare integer is bytes. The result must fit in a uint32.
pub fn parse_byte_size(raw: &str) -> Result<u64, String> {
    let s = raw.trim();
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, rest) = s.split_at(digits_end);
    let rest = rest.trim_start();
    let shift = match rest.to_ascii_lowercase().as_str() {
        "" => 0,
        "k" | "kb" => 10,
        "m" | "mb" => 20,
        "g" | "gb" => 30,
        _ => {
            return Err(format!(
                "'{raw}' is not a size Fabric understands (e.g. 99 MB, 512 KB, 10485760)"
            ));
        }
    };
    if digits.is_empty() {
        return Err(format!(
            "'{raw}' is not a size Fabric understands (e.g. 99 MB, 512 KB, 10485760)"
        ));
    }
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{raw}' overflows uint32"))?;
    let bytes = n
        .checked_shl(shift)
        .filter(|b| b >> shift == n)
        .ok_or_else(|| format!("'{raw}' overflows uint32"))?;
    if bytes > u64::from(u32::MAX) {
        return Err(format!("value '{raw}' overflows uint32"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_fabric_parses_them() {
        assert_eq!(parse_byte_size("99 MB"), Ok(99 * 1024 * 1024));
        assert_eq!(parse_byte_size("98 MB"), Ok(102_760_448));
        assert_eq!(parse_byte_size("512 KB"), Ok(512 * 1024));
        assert_eq!(parse_byte_size("10mb"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_byte_size("2g"), Ok(2 << 30));
        assert_eq!(parse_byte_size("10485760"), Ok(10_485_760));
        assert!(
            parse_byte_size("4 GB")
                .unwrap_err()
                .contains("overflows uint32")
        );
        assert!(parse_byte_size("10 MiB").is_err());
        assert!(parse_byte_size("MB").is_err());
        assert!(parse_byte_size("99.5 MB").is_err());
    }
}
