//! The `zhuti` command: parses flags, runs the library, prints or writes the report.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

mod cli;
mod cli_model;
mod interrupt;
mod progress_bar;

/// mimalloc as the binary's allocator. Assigning and cleaning make many short-lived buffers per
/// paragraph (jieba's token list, term ids, shingles) on every thread, where glibc's malloc
/// spent about a tenth of the time (docs/models.md, throughput). Set here only, so the library
/// leaves the choice of allocator to its users; `--no-default-features` builds without it.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A panic is a bug, never the user's fault: say so in one line (exit status 101).
    std::panic::set_hook(Box::new(|info| {
        eprintln!("zhuti: internal error (a bug; please report it with the command): {info}");
    }));
    let args = cli::Cli::parse();
    // `assign` streams in chunks, so its memory is bounded and reused chunk after chunk: in
    // small pages, which cost less to zero than huge ones. Set before any thread starts.
    if matches!(args.command, Some(cli::Command::Assign(_))) {
        zhuti::tune_memory_for_streaming();
    }
    interrupt::install();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = std::io::stdout().flush();
            let mut stderr = std::io::stderr();
            let prefix = if stderr.is_terminal() {
                "\x1b[1;31merror:\x1b[0m"
            } else {
                "error:"
            };
            let message = err.to_string();
            let _ = writeln!(
                stderr,
                "zhuti: {prefix} {}",
                zhuti::report::terminal_safe(&message)
            );
            ExitCode::from(1)
        }
    }
}
