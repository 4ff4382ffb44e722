//! Writes the tokens zhuti clusters, one unit per line (terms repeated by their count, space
//! separated), so peer topic models (`scripts/peers_coherence.py`: tomotopy LDA, scikit-learn
//! NMF) fit and are scored on exactly the same tokens:
//! `cargo run --release --example export_tokens -- FILE [--unit document] [--labels FILE] >
//! tokens.txt`; `--labels` writes each unit's gold label (its article's JSONL `label`), one a
//! line beside the tokens (`scripts/tomotopy-headlines.py` scores NMI with them).

use std::io::Write;

use zhuti::internals::segment::Segmenter;
use zhuti::{ingest, NoProgress};

mod common;

fn main() {
    let common::Args {
        settings,
        paths,
        labels,
        ..
    } = common::parse();
    let corpus = ingest::load(&paths).unwrap_or_else(|e| {
        eprintln!("export_tokens: {e}");
        std::process::exit(1)
    });
    let fail = |e: zhuti::Error| -> ! {
        eprintln!("export_tokens: {e}");
        std::process::exit(1)
    };
    let settings = settings.check().unwrap_or_else(|e| fail(e));
    let prepared = zhuti::model::prepare(&corpus, &settings, &Segmenter::new(), &NoProgress)
        .unwrap_or_else(|e| fail(e));
    let v = &prepared.vectors;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for row in 0..v.counts.n_rows {
        let line: Vec<&str> = v
            .counts
            .row(row)
            .flat_map(|(t, c)| std::iter::repeat_n(v.vocab.terms[t].as_str(), c as usize))
            .collect();
        let _ = writeln!(out, "{}", line.join(" "));
    }
    if let Some(path) = labels {
        let file = std::fs::File::create(&path).unwrap_or_else(|e| {
            eprintln!("export_tokens: {path}: {e}");
            std::process::exit(1)
        });
        let mut file = std::io::BufWriter::new(file);
        for unit in &prepared.units.kept {
            let label = corpus.articles[unit.doc].label.as_deref().unwrap_or("");
            let _ = writeln!(file, "{label}");
        }
    }
}
