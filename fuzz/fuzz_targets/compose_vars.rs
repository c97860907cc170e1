//! Compose variable substitution (`$VAR`, `${VAR:-default}`, `${VAR:?err}`, `$$`) with values
//! from a `.env` file. Input: the `.env` text, a NUL, the value to substitute.
//! Invariants: no panic; text without `$` comes back unchanged with nothing unresolved.
#![no_main]

use fabcheck::inventory::ordering::vars::{parse_env, substitute};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (env, value) = text.split_once('\0').unwrap_or(("", &text));
    let vars = parse_env(env);
    let out = substitute(value, &vars);
    if !value.contains('$') {
        assert_eq!(out.value, value);
        assert!(out.unresolved.is_empty());
    }
});
