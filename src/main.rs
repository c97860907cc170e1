//! The `fabcheck` binary: parse, run, map the outcome to an exit code.

use std::io::Write;

use clap::Parser;
use fabcheck::{cli::Cli, exit};

fn main() {
    let cli = Cli::parse();
    let code = match cli
        .into_config()
        .map_err(fabcheck::RunError::from)
        .and_then(|config| {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            fabcheck::run(config, &mut lock)
        }) {
        Ok(code) => code,
        Err(fabcheck::RunError::Output { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            exit::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "fabcheck: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
