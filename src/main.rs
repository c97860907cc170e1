//! The `fabcheck` binary: parse, run, map the outcome to an exit code.

use std::io::Write;

use clap::Parser;

// Reading a large crypto tree is millions of small allocations across threads; mimalloc does
// that markedly faster than glibc's allocator (as ruff found for the same reason).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use fabcheck::commands::{self, RunError};
use fabcheck::{cli::Cli, exit};

fn main() {
    let config = match Cli::parse().into_config() {
        Ok(config) => config,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "fabcheck: {e}");
            std::process::exit(exit::USAGE);
        }
    };
    let stdout = std::io::stdout();
    let code = match commands::run(config, &mut stdout.lock()) {
        Ok(code) => code,
        Err(RunError::Output { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            exit::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "fabcheck: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
