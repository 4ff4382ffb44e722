//! The yardstick of issue 5's throughput target: raw jieba-rs as a whole process on the same
//! input and threads as `zhuti`. It reads the input as zhuti does (gzip, JSON Lines,
//! decoding), builds jieba-rs's own default dictionary, and cuts every article's text (HMM on,
//! as zhuti cuts) in parallel; nothing is cleaned, counted or kept.
//! `cargo run --release --example raw_jieba -- FILE [--threads N]`
//!
//! It prints the time of each part on stderr and one line on stdout,
//! `<MB of text> <whole process s> <cut s>`, which `scripts/jieba-ratio.sh` reads.

use std::time::Instant;

use jieba_rs::Jieba;
use rayon::prelude::*;

mod common;

fn main() {
    let start = Instant::now();
    let common::Args { paths, threads, .. } = common::parse();
    let pool = common::pool(threads);
    pool.install(|| {
        let corpus = common::load(&paths);
        let read = start.elapsed().as_secs_f64();
        let t = Instant::now();
        let jieba = Jieba::new();
        let dictionary = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let words: usize = corpus
            .articles
            .par_iter()
            .map(|a| jieba.cut(&a.text, true).len())
            .sum();
        let cut = t.elapsed().as_secs_f64();
        let bytes: usize = corpus.articles.iter().map(|a| a.text.len()).sum();
        let mb = bytes as f64 / 1e6;
        let whole = start.elapsed().as_secs_f64();
        eprintln!(
            "{} articles, {mb:.1} MB of text, {} threads: reading {read:.3} s, dictionary \
             {dictionary:.3} s, cutting {cut:.3} s ({words} words, {:.1} MB/s), whole process \
             {whole:.3} s",
            corpus.articles.len(),
            rayon::current_num_threads(),
            mb / cut,
        );
        println!("{mb:.3} {whole:.3} {cut:.3}");
    });
}
