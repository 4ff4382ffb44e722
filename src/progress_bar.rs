//! Progress on stderr with indicatif: a bar (or spinner) per stage, only when stderr is a
//! terminal and `-q` is not given, and only for stages that take longer than [`SHOW_AFTER`]:
//! quick runs print nothing at all.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zhuti::{Progress, Stage};

/// A stage's bar appears once the stage has run this long.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// The bar of the current stage; `generation` tells a late reveal timer that its stage is over.
#[derive(Default)]
struct Current {
    bar: Option<ProgressBar>,
    generation: u64,
}

/// Draws one bar per pipeline stage on stderr, or nothing when disabled.
pub struct StderrProgress {
    enabled: bool,
    current: Arc<Mutex<Current>>,
}

impl StderrProgress {
    /// A progress reporter; `enabled = false` draws nothing.
    pub fn new(enabled: bool) -> Self {
        StderrProgress {
            enabled,
            current: Arc::new(Mutex::new(Current::default())),
        }
    }

    /// Removes any bar still on screen.
    pub fn clear(&self) {
        if let Ok(mut current) = self.current.lock() {
            current.generation += 1;
            if let Some(bar) = current.bar.take() {
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
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
                .with_style(
                    ProgressStyle::with_template(
                        "{prefix:>19} [{wide_bar}] {human_pos}/{human_len} {msg} {elapsed} (eta {eta})",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()).with_style(
                ProgressStyle::with_template("{prefix:>19} {spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_prefix(stage.name());
        if total.is_some() {
            bar.set_message(stage.counts());
        }
        let generation = match self.current.lock() {
            Ok(mut current) => {
                current.bar = Some(bar);
                current.generation
            }
            Err(_) => return,
        };
        // Reveal the bar only if the stage is still running after SHOW_AFTER.
        let current = Arc::clone(&self.current);
        std::thread::spawn(move || {
            std::thread::sleep(SHOW_AFTER);
            if let Ok(current) = current.lock() {
                if let (Some(bar), true) = (&current.bar, current.generation == generation) {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
            }
        });
    }

    fn advance(&self, n: u64) {
        if !self.enabled {
            return;
        }
        if let Ok(current) = self.current.lock() {
            if let Some(bar) = current.bar.as_ref() {
                bar.inc(n);
            }
        }
    }

    fn step(&self, what: &'static str) {
        if !self.enabled {
            return;
        }
        if let Ok(current) = self.current.lock() {
            if let Some(bar) = current.bar.as_ref() {
                // `[====] 8,192/8,192 · near-duplicates`: the step takes the place of what
                // the full bar counted; a spinner (no length) shows the step alone.
                let mark = if bar.length().is_some() { "· " } else { "" };
                bar.set_message(format!("{mark}{what}"));
            }
        }
    }

    fn finish(&self, _stage: Stage) {
        self.clear();
    }
}
