//! Progress on stderr with indicatif: a spinner or bar per stage, only when stderr is a
//! terminal and `-q` is not given.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use zhuti::{Progress, Stage};

/// Draws one bar per pipeline stage on stderr, or nothing when disabled.
pub struct StderrProgress {
    enabled: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl StderrProgress {
    /// A progress reporter; `enabled = false` draws nothing.
    pub fn new(enabled: bool) -> Self {
        StderrProgress {
            enabled,
            bar: Mutex::new(None),
        }
    }

    /// Removes any bar still on screen.
    pub fn clear(&self) {
        if let Ok(mut bar) = self.bar.lock() {
            if let Some(bar) = bar.take() {
                bar.finish_and_clear();
            }
        }
    }
}

impl Progress for StderrProgress {
    fn start(&self, stage: Stage, total: Option<u64>) {
        if !self.enabled {
            return;
        }
        self.clear();
        let bar = match total {
            Some(total) => ProgressBar::new(total).with_style(
                ProgressStyle::with_template("{prefix:>20} [{bar:30}] {pos}/{len} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{prefix:>20} {spinner} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_prefix(stage.name());
        // Only show stages that take a moment: indicatif draws after the first tick.
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.inc(n);
            }
        }
    }

    fn finish(&self, _stage: Stage) {
        self.clear();
    }
}
