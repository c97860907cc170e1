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
