//! Lists the phrases the phrases stage finds in a corpus, with the stage's time:
//! `cargo run --release --example phrase_list -- FILE [--unit document] [--threads N]`.

use std::time::Instant;

use zhuti::internals::phrases::Phrases;
use zhuti::internals::segment::Segmenter;
use zhuti::internals::{clean, units};

mod common;

fn main() {
    let args = common::parse();
    let pool = common::pool(args.threads);
    pool.install(|| {
        let corpus = common::load(&args.paths);
        let cleaned = clean::clean_corpus(&corpus.articles, &args.settings.clean_options());
        let unit_list = units::build(&cleaned, args.settings.unit);
        let texts: Vec<&str> = unit_list.kept.iter().map(|u| u.text.as_str()).collect();
        let segmenter = Segmenter::new();
        let t = Instant::now();
        let phrases = Phrases::fit(&texts, &segmenter);
        let took = t.elapsed().as_secs_f64();
        for p in phrases.list() {
            println!("{}\t{}\t{:.2}\t{:.2}", p.phrase, p.count, p.pmi, p.entropy);
        }
        eprintln!("{} phrases in {took:.2} s", phrases.list().len());
    });
}
