//! Interruption: on SIGINT, SIGTERM or SIGHUP, remove the temporary file of a report being
//! written (so `-o` is left as it was, and nothing is created), then die of the signal as
//! if zhuti had no handler (the shell sees "killed by SIGTERM", status 128 + n).

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// Starts the thread that waits for the signals. Without it (no thread could be started),
/// signals kill zhuti at once as before, leaving a temporary file behind.
pub fn install() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("zhuti-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                zhuti::report::abandon_temporary_files();
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
}
