//! `waivers init REPORT.json`: a waivers file with one entry per finding of the report that
//! could gate, for a release manager to fill in. The entries are unusable until they are: the
//! reason and the expiry are placeholders `--waivers` refuses, so nothing is waived by accident.

use std::io::Write;
use std::path::Path;

use super::RunError;

/// Writes the waivers template for the report at `report` to `out`, or to `stdout`.
pub fn init(report: &Path, out: Option<&Path>, stdout: &mut dyn Write) -> Result<i32, RunError> {
    let parsed = super::check::read_report(report).map_err(|reason| RunError::Report {
        path: report.display().to_string(),
        reason,
    })?;
    let text = crate::waiver::template(&parsed, &report.display().to_string());
    match out {
        Some(path) => {
            let fail = |source| RunError::Output {
                path: path.display().to_string(),
                source,
            };
            // A waivers file holds people's sign-offs: never overwrite one.
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(fail)?;
            file.write_all(text.as_bytes()).map_err(fail)?;
        }
        None => stdout
            .write_all(text.as_bytes())
            .map_err(|source| RunError::Output {
                path: "stdout".into(),
                source,
            })?,
    }
    Ok(crate::exit::SUCCESS)
}
