//! The names glibc tries for one lookup, in order (resolv/res_query.c `__res_context_search`).
//!
//! A name ending in `.` is absolute and tried alone. Otherwise, when it has at least `ndots`
//! dots it is tried as given first and then with each search domain; with fewer dots the
//! search domains come first and the name as given last. `peer0.org1` has one dot: with the
//! Kubernetes default `ndots:5` the search list comes first, with `ndots:1` the raw name is
//! asked first — of an upstream server that may answer for it wrongly.

use super::ResolverConfig;

/// The candidate names for `name`, in the order glibc asks for them.
pub fn candidates(name: &str, config: &ResolverConfig) -> Vec<String> {
    if let Some(absolute) = name.strip_suffix('.') {
        return vec![absolute.to_owned()];
    }
    let dots = name.matches('.').count();
    let searched = config
        .search
        .iter()
        .map(|d| format!("{name}.{}", d.trim_end_matches('.')));
    if dots >= usize::from(config.ndots) {
        std::iter::once(name.to_owned()).chain(searched).collect()
    } else {
        searched.chain(std::iter::once(name.to_owned())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(ndots: u8, search: &[&str]) -> ResolverConfig {
        ResolverConfig {
            ndots,
            search: search.iter().map(|s| s.to_string()).collect(),
            ..ResolverConfig::default()
        }
    }

    const SEED: [&str; 2] = ["default.svc.cluster.local", "svc.cluster.local"];

    #[test]
    fn the_seed_fix_resolves_service_names_through_the_second_search_domain() {
        // ndots:2 with peer0.org1 (one dot): search list first, raw name last.
        assert_eq!(
            candidates("peer0.org1", &config(2, &SEED)),
            vec![
                "peer0.org1.default.svc.cluster.local",
                "peer0.org1.svc.cluster.local",
                "peer0.org1"
            ]
        );
    }

    #[test]
    fn ndots_one_asks_the_raw_name_first() {
        assert_eq!(candidates("peer0.org1", &config(1, &SEED))[0], "peer0.org1");
        assert_eq!(candidates("peer0.org1", &config(1, &SEED)).len(), 3);
    }

    #[test]
    fn absolute_names_and_empty_search_lists() {
        assert_eq!(
            candidates("peer0.org1.svc.cluster.local.", &config(5, &SEED)),
            vec!["peer0.org1.svc.cluster.local"]
        );
        assert_eq!(candidates("peer0", &config(1, &[])), vec!["peer0"]);
        assert_eq!(
            candidates("peer0", &config(0, &["a"])),
            vec!["peer0", "peer0.a"],
            "ndots:0 tries the name first"
        );
    }
}
