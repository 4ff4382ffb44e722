//! Times the reading of Markdown and HTML files (bytes → plain text, title, date, source) beside
//! the cleaning stage on what they give, per MB, best of `--runs`:
//! `cargo run --release --example read_times -- FOLDER [--threads N] [--runs N]`.
//! Reading parses the files on the pool, as ingest parses a folder's files; cleaning too.

use std::path::Path;
use std::time::Instant;

use zhuti::internals::read;
use zhuti::internals::{clean, units};

mod common;

fn main() {
    let common::Args {
        settings,
        paths,
        threads,
        runs,
        ..
    } = common::parse();
    let pool = common::pool(threads);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for input in &paths {
        let zhuti::ingest::Input::Path(root) = input else {
            continue;
        };
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            let name = entry.path().display().to_string();
            if name.ends_with(".md") || name.ends_with(".html") || name.ends_with(".htm") {
                files.push((name, std::fs::read(entry.path()).unwrap_or_default()));
            }
        }
    }
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let mb = bytes as f64 / 1e6;
    let mut best_read = f64::INFINITY;
    let mut texts = 0usize;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        texts = pool.install(|| {
            use rayon::prelude::*;
            files
                .par_iter()
                .map(|(name, raw)| {
                    if name.ends_with(".md") {
                        let text = String::from_utf8_lossy(raw);
                        read::markdown::to_text(&text).len()
                    } else {
                        read::html::read(raw, Path::new(name)).map_or(0, |page| page.text.len())
                    }
                })
                .sum()
        });
        best_read = best_read.min(t.elapsed().as_secs_f64());
    }
    let corpus = common::load(&paths);
    let text_mb = corpus.articles.iter().map(|a| a.text.len()).sum::<usize>() as f64 / 1e6;
    let options = settings.clean_options();
    let mut best_clean = f64::INFINITY;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        pool.install(|| {
            let cleaned = clean::clean_corpus(&corpus.articles, &options);
            units::build(&cleaned, settings.unit)
        });
        best_clean = best_clean.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{} files, {mb:.1} MB read to {:.1} MB of text",
        files.len(),
        texts as f64 / 1e6
    );
    println!(
        "reading  {best_read:.3} s = {:.1} ms/MB of input ({} threads)",
        best_read * 1e3 / mb,
        pool.current_num_threads()
    );
    println!(
        "cleaning {best_clean:.3} s = {:.1} ms/MB of its input ({} threads)",
        best_clean * 1e3 / text_mb,
        pool.current_num_threads()
    );
}
