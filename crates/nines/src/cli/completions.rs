//! `nines completions SHELL` and `nines man`: shell completions and man
//! pages, generated from the same clap definitions as `--help`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::Cli;

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "nines", &mut buf);
    print_all(&buf)
}

/// Writes `bytes` to stdout; a reader that stops early (`| head`) is fine.
fn print_all(bytes: &[u8]) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("cannot write to stdout: {e}"))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Prints nines(1) on stdout, or with `out` writes one page per command
/// (`nines.1`, `nines-silence-add.1`, …) into that directory.
pub fn man(out: Option<&Path>) -> anyhow::Result<ExitCode> {
    match out {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .context("cannot render the man page")?;
            return print_all(&buf);
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(Cli::command(), dir)
                .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
            eprintln!("wrote man pages into {}", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_and_the_man_page_name_the_new_commands() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
        ] {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "nines", &mut buf);
            let text = String::from_utf8(buf).unwrap();
            assert!(text.contains("silence"), "{shell}: {text}");
            assert!(text.contains("mitigate"), "{shell}");
        }
        let mut buf = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut buf)
            .unwrap();
        let page = String::from_utf8(buf).unwrap();
        assert!(page.starts_with(".ie"), "{page}");
        assert!(page.contains("nines\\-silence"), "{page}");
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
