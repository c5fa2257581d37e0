use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    nines::run(nines::cli::Cli::parse())
}
