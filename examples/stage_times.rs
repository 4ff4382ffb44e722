//! Prints how long each pipeline stage takes on the given inputs (wall clock, this machine):
//! `cargo run --release --example stage_times -- FILE [--unit document] [--k N] [--threads N]`.
//! The README's per-stage split comes from here.

use std::sync::Mutex;
use std::time::Instant;

use zhuti::ingest;
use zhuti::{Progress, Stage};

mod common;

/// Records when each stage starts and finishes.
struct Timer {
    started: Mutex<Vec<(Stage, Instant)>>,
    lines: Mutex<Vec<(String, f64)>>,
}

impl Progress for Timer {
    fn start(&self, stage: Stage, _total: Option<u64>) {
        if let Ok(mut s) = self.started.lock() {
            s.push((stage, Instant::now()));
        }
    }
    fn finish(&self, stage: Stage) {
        let start = self
            .started
            .lock()
            .ok()
            .and_then(|s| s.iter().rev().find(|(st, _)| *st == stage).map(|p| p.1));
        if let (Some(start), Ok(mut lines)) = (start, self.lines.lock()) {
            lines.push((stage.name().to_string(), start.elapsed().as_secs_f64()));
        }
    }
}

fn main() {
    let common::Args {
        settings,
        paths,
        threads,
        ..
    } = common::parse();
    let pool = common::pool(threads);
    let timer = Timer {
        started: Mutex::new(Vec::new()),
        lines: Mutex::new(Vec::new()),
    };
    let total = Instant::now();
    let result = pool.install(|| {
        let t = Instant::now();
        let corpus = ingest::load(&paths)?;
        let read = t.elapsed().as_secs_f64();
        let bytes: usize = corpus.articles.iter().map(|a| a.text.len()).sum();
        let analysis = zhuti::analyze(&corpus, &settings, &timer)?;
        Ok::<_, zhuti::Error>((read, bytes, analysis))
    });
    let (read, bytes, analysis) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let all = total.elapsed().as_secs_f64();
    println!(
        "{} articles, {:.1} MB text, {} units, k = {}",
        analysis.corpus.documents,
        bytes as f64 / 1e6,
        analysis.corpus.units,
        analysis.themes.len()
    );
    println!("{:>22} {:>8.3} s", "reading", read);
    if let Ok(lines) = timer.lines.lock() {
        for (name, secs) in lines.iter() {
            println!("{name:>22} {secs:>8.3} s");
        }
    }
    println!("{:>22} {:>8.3} s", "total (library)", all);
}
