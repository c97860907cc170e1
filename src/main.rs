//! The `fabcheck` binary: parse, run, map the outcome to an exit code.

use std::io::Write;

use clap::Parser;

// Reading a large crypto tree is millions of small allocations across threads; mimalloc does
// that markedly faster than glibc's allocator (as ruff found for the same reason).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
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
