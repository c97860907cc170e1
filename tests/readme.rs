//! The README's check table is generated from the catalogue, and `.ci/run` runs exactly the
//! README's test command.

use fabcheck::catalogue::Catalogue;

const README: &str = include_str!("../README.md");

#[test]
fn readme_check_table_matches_the_catalogue() {
    let start = README
        .find("<!-- checks:start -->\n")
        .expect("start marker")
        + "<!-- checks:start -->\n".len();
    let end = README.find("<!-- checks:end -->").expect("end marker");
    let expected = Catalogue::embedded().markdown_table();
    assert_eq!(
        &README[start..end],
        expected,
        "README check table is stale: replace it with `fabcheck checks list --format markdown`"
    );
}

#[test]
fn ci_runs_the_readme_test_command() {
    let ci = include_str!("../.ci/run");
    let command = ci
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap();
    assert!(
        README.contains(&format!("```sh\n{command}\n```")),
        "README does not show `{command}` as the test command"
    );
}

/// The lines of the README's usage block that document `fabcheck <command> …` (a command's
/// synopsis runs until the next `fabcheck` line).
fn usage_of(command: &str) -> String {
    let start =
        README.find("## Usage\n\n```sh\n").expect("usage section") + "## Usage\n\n```sh\n".len();
    let block = &README[start..start + README[start..].find("```").expect("usage block end")];
    let mut out = String::new();
    let mut inside = false;
    for line in block.lines() {
        if let Some(rest) = line.strip_prefix("fabcheck ") {
            inside = rest.starts_with(&format!("{command} ")) || rest == command;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The flags `fabcheck <command> --help` lists, each with the spellings the README may use
/// (`-o` or `--output`).
fn flags_of(command: &str) -> Vec<Vec<String>> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fabcheck"))
        .args([command, "--help"])
        .output()
        .expect("fabcheck runs");
    let help = String::from_utf8(out.stdout).expect("utf-8 help");
    // clap indents a flag's own line by at most six spaces (`  -o, --output`, `      --at`),
    // its wrapped description further.
    help.lines()
        .filter(|l| {
            let body = l.trim_start();
            body.starts_with('-') && l.len() - body.len() <= 6
        })
        .map(|l| {
            l.split_whitespace()
                .take_while(|w| w.starts_with('-'))
                .map(|w| w.trim_end_matches(',').to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|names| !names.iter().any(|n| n == "--help" || n == "--version"))
        .collect()
}

#[test]
fn readme_usage_names_every_flag_of_the_checking_commands() {
    for (command, documented_in) in [
        ("check", vec!["check"]),
        // `[deploy flags]` stands for the `deploy` synopsis.
        ("deploy-and-verify", vec!["deploy-and-verify", "deploy"]),
    ] {
        let usage: String = documented_in.iter().map(|c| usage_of(c)).collect();
        let flags = flags_of(command);
        assert!(flags.iter().any(|f| f == &["--require"]), "{flags:?}");
        let named =
            |n: &String| usage.contains(&format!("{n} ")) || usage.contains(&format!("{n}]"));
        let missing: Vec<&Vec<String>> = flags
            .iter()
            .filter(|names| !names.iter().any(named))
            .collect();
        assert!(
            missing.is_empty(),
            "README usage of `{command}` lacks {missing:?}:\n{usage}"
        );
    }
}
