//! Times `zhuti assign`'s per-article stages one after another on one thread, best of
//! `--runs`: cleaning and splitting ([`ThemeModel::split`]), building each chunk's scoped
//! dictionary ([`ThemeModel::scoped_segmenter`], in chunks of [`ThemeModel::ASSIGN_CHUNK`] as
//! `zhuti assign` reads them), cutting and weighing ([`ThemeModel::unit_row`]), placing
//! ([`ThemeModel::assign_rows`]); prints a checksum of what was assigned (to compare builds).
//! With `--split-only` it times the first alone.
//! `cargo run --release --example assign_times -- MODEL FILE [--runs N] [--split-only]`.

use std::hash::{Hash, Hasher};
use std::time::Instant;

use zhuti::ingest::Input;
use zhuti::ThemeModel;

mod common;

// As the `zhuti` binary allocates (the stages' times depend on it).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let split_only = std::env::args().any(|a| a == "--split-only");
    let common::Args { paths, runs, .. } = common::parse();
    let paths: Vec<Input> = paths
        .into_iter()
        .filter(|p| !matches!(p, Input::Path(p) if p.as_os_str() == "--split-only"))
        .collect();
    let Some((Input::Path(model), inputs)) = paths.split_first() else {
        eprintln!("usage: assign_times MODEL FILE [--runs N] [--split-only]");
        std::process::exit(2);
    };
    let model = &ThemeModel::load(model).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1);
    });
    let corpus = common::load(inputs);
    // As `zhuti assign` reads its input.
    let chunks = ThemeModel::ASSIGN_CHUNK.ranges(&corpus.articles);
    let mut best = [f64::INFINITY; 4];
    let mut checksum = 0u64;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let split: Vec<_> = corpus.articles.iter().map(|a| model.split(a)).collect();
        best[0] = best[0].min(t.elapsed().as_secs_f64());
        if split_only {
            continue;
        }
        let t = Instant::now();
        let segmenters: Vec<_> = chunks
            .iter()
            .map(|chunk| model.scoped_segmenter(&split[chunk.clone()]))
            .collect();
        best[1] = best[1].min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let rows: Vec<Vec<Vec<(u32, f32)>>> = chunks
            .iter()
            .zip(&segmenters)
            .flat_map(|(chunk, segmenter)| {
                split[chunk.clone()].iter().map(move |s| {
                    s.texts()
                        .map(|text| model.unit_row(text, segmenter))
                        .collect()
                })
            })
            .collect();
        best[2] = best[2].min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let assigned: Vec<_> = corpus
            .articles
            .iter()
            .zip(split)
            .zip(&rows)
            .map(|((a, s), r)| model.assign_rows(a, s, r))
            .collect();
        best[3] = best[3].min(t.elapsed().as_secs_f64());
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        format!("{assigned:?}").hash(&mut hasher);
        checksum = hasher.finish();
    }
    let [split, scope, cut, place] = best;
    if split_only {
        println!("split {split:.3} s (best of {runs})");
    } else {
        println!(
            "split {split:.3} s, scope {scope:.3} s, cut+weigh {cut:.3} s, place {place:.3} s \
             (best of {runs}); \
             checksum {checksum:016x}"
        );
    }
}
