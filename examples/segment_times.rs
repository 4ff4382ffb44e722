//! Times segmentation + TF-IDF against raw jieba-rs on the same units, and prints a
//! fingerprint of the result (to check that a change keeps the output identical):
//! `cargo run --release --example segment_times -- FILE [--unit document] [--threads N] [--runs N]
//! [--no-raw]` (`--no-raw` skips raw jieba, for profiling).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Instant;

use rayon::prelude::*;
use zhuti::internals::segment::Segmenter;
use zhuti::internals::tfidf::{self, Vectors};
use zhuti::internals::{clean, units};
use zhuti::NoProgress;

mod common;

/// Peak resident memory of this process so far, in MB (Linux; 0 elsewhere).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the peak-RSS counter (Linux), so the next reading covers what follows.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn fingerprint(v: &Vectors) -> u64 {
    let mut h = DefaultHasher::new();
    v.vocab.terms.hash(&mut h);
    v.vocab.display.hash(&mut h);
    v.vocab.df.hash(&mut h);
    for x in &v.vocab.idf {
        x.to_bits().hash(&mut h);
    }
    for m in [&v.tfidf, &v.counts] {
        (m.n_rows, m.n_cols).hash(&mut h);
        m.indptr.hash(&mut h);
        m.indices.hash(&mut h);
        for x in &m.values {
            x.to_bits().hash(&mut h);
        }
    }
    v.row_units.hash(&mut h);
    v.empty_units.hash(&mut h);
    h.finish()
}

fn main() {
    let common::Args {
        settings,
        paths,
        threads,
        runs,
        skip_raw,
        ..
    } = common::parse();
    let pool = common::pool(threads);
    pool.install(|| {
        let corpus = common::load(&paths);
        let cleaned = clean::clean_corpus(&corpus.articles, &settings.clean_options());
        drop(corpus);
        let unit_list = units::build(&cleaned, settings.unit);
        drop(cleaned);
        let texts: Vec<&str> = unit_list.kept.iter().map(|u| u.text.as_str()).collect();
        let bytes: usize = texts.iter().map(|t| t.len()).sum();
        let segmenter = Segmenter::new();
        println!(
            "{} units, {:.1} MB unit text, {} threads",
            texts.len(),
            bytes as f64 / 1e6,
            rayon::current_num_threads()
        );
        for run in 0..runs {
            let t = Instant::now();
            let words: usize = if skip_raw {
                0
            } else {
                texts.par_iter().map(|t| segmenter.raw_words(t).len()).sum()
            };
            let raw = t.elapsed().as_secs_f64();

            let before = peak_rss_mb();
            reset_peak_rss();
            let base = peak_rss_mb();
            let t = Instant::now();
            let segmented = tfidf::segment_units(&texts, &segmenter, &NoProgress);
            let seg = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let vectors = tfidf::tfidf(segmented, &settings.tfidf);
            let tf = t.elapsed().as_secs_f64();
            let peak = peak_rss_mb();
            println!(
                "run {run}: raw jieba {raw:.3} s ({words} words) | segment {seg:.3} s + tfidf {tf:.3} s \
                 = {:.3} s, {:.2}x raw | peak RSS +{:.0} MB (base {base:.0}, before {before:.0}) | \
                 {} terms, nnz {}, fingerprint {:016x}",
                seg + tf,
                (seg + tf) / raw,
                peak - base,
                vectors.vocab.len(),
                vectors.tfidf.nnz(),
                fingerprint(&vectors)
            );
        }
    });
}
