//! Times the cleaning stage alone (clean + units, as the pipeline's `cleaning` stage does),
//! best of `--runs`, and prints a checksum of every cleaned line and verdict (to compare
//! builds): `cargo run --release --example clean_times -- FILE [--unit document] [--threads N]
//! [--runs N]`.

use std::hash::{Hash, Hasher};
use std::time::Instant;

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
    let corpus = common::load(&paths);
    let options = settings.clean_options();
    let mut best = f64::INFINITY;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let (cleaned, units) = pool.install(|| {
            let cleaned = clean::clean_corpus(&corpus.articles, &options);
            let units = units::build(&cleaned, settings.unit);
            (cleaned, units)
        });
        let secs = t.elapsed().as_secs_f64();
        best = best.min(secs);
        // Not stable across Rust versions: for comparing builds made with the same toolchain.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for line in cleaned.iter().flat_map(|a| &a.lines) {
            line.line.hash(&mut h);
            line.text.hash(&mut h);
            format!("{:?}", line.verdict).hash(&mut h);
        }
        println!(
            "clean+units {secs:.3} s ({} kept, {} dropped), checksum {:016x}",
            units.kept.len(),
            units.dropped.len(),
            h.finish()
        );
    }
    println!("best {best:.3} s");
}
