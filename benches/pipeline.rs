//! Criterion benchmarks: one per pipeline stage and end to end, on the bundled seeds and on
//! ../shared/data/thucnews-dev.jsonl (skipped with a message when ../shared is absent).
//!
//! `cargo bench` runs them all in a few minutes (small sample sizes); `cargo bench -- seeds`
//! or `cargo bench -- lsa` picks some.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use zhuti::ingest::{self, Corpus, Input};
use zhuti::internals::kmeans;
use zhuti::internals::segment::Segmenter;
use zhuti::internals::units::UnitKind;
use zhuti::internals::{clean, label, lsa, tfidf, units};
use zhuti::model;
use zhuti::{NoProgress, Settings};

/// The corpora to measure: always the seeds, thucnews-dev when it is there.
fn corpora() -> Vec<(&'static str, Vec<Input>, Settings)> {
    let mut out = vec![("seeds", zhuti::seeds::bundled(), Settings::default())];
    let thucnews =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/thucnews-dev.jsonl");
    if thucnews.exists() {
        let settings = Settings {
            unit: UnitKind::Document,
            k: kmeans::KChoice::Fixed(10),
            ..Settings::default()
        };
        out.push(("thucnews-dev", vec![Input::Path(thucnews)], settings));
    } else {
        eprintln!(
            "bench: skipping thucnews-dev: {} not found (the shared data folder is absent)",
            thucnews.display()
        );
    }
    out
}

fn text_bytes(corpus: &Corpus) -> u64 {
    corpus.articles.iter().map(|a| a.text.len() as u64).sum()
}

fn stages(c: &mut Criterion) {
    let segmenter = Segmenter::new();
    for (name, inputs, settings) in corpora() {
        let settings = settings.check().expect("the bench settings are valid");
        let Ok(corpus) = ingest::load(&inputs) else {
            eprintln!("bench: skipping {name}: cannot read it");
            continue;
        };
        let bytes = text_bytes(&corpus);
        let mut group = c.benchmark_group(name);
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3))
            .throughput(Throughput::Bytes(bytes));

        group.bench_function("ingest+clean", |b| {
            b.iter(|| {
                let corpus = ingest::load(&inputs).unwrap();
                let cleaned = clean::clean_corpus(&corpus.articles, &settings.clean_options());
                units::build(&cleaned, settings.unit)
            })
        });

        let cleaned = clean::clean_corpus(&corpus.articles, &settings.clean_options());
        let unit_list = units::build(&cleaned, settings.unit);
        let texts: Vec<&str> = unit_list.kept.iter().map(|u| u.text.as_str()).collect();
        // What `analyze` builds for a corpus this size, against the whole dictionary.
        group.bench_function("dictionary (scoped to the units)", |b| {
            b.iter(|| Segmenter::for_texts(texts.iter().copied()))
        });
        group.bench_function("dictionary (whole)", |b| b.iter(Segmenter::new));
        group.bench_function("segment", |b| {
            b.iter(|| tfidf::segment_units(&texts, &segmenter, &NoProgress))
        });
        group.bench_function("segment (raw jieba)", |b| {
            b.iter(|| {
                use rayon::prelude::*;
                texts
                    .par_iter()
                    .map(|t| segmenter.raw_words(t).len())
                    .sum::<usize>()
            })
        });
        group.bench_function("tfidf", |b| {
            b.iter_batched(
                || tfidf::segment_units(&texts, &segmenter, &NoProgress),
                |segmented| tfidf::tfidf(segmented, &settings.tfidf),
                BatchSize::LargeInput,
            )
        });

        let Ok(prepared) = model::prepare(&corpus, &settings, &segmenter, &NoProgress) else {
            eprintln!("bench: skipping the later stages of {name}: nothing to cluster");
            group.finish();
            continue;
        };
        group.bench_function("lsa", |b| {
            b.iter(|| {
                lsa::lsa(
                    &prepared.vectors.tfidf,
                    settings.dims.resolve(prepared.vectors.tfidf.n_rows),
                    settings.seed,
                )
                .unwrap()
            })
        });
        let options = settings.cluster_options();
        group.bench_function("k-means", |b| {
            b.iter(|| kmeans::cluster(&prepared.embedding.vectors, &options).unwrap())
        });
        let clustering = kmeans::cluster(&prepared.embedding.vectors, &options).unwrap();
        let texts: Vec<&str> = prepared
            .units
            .kept
            .iter()
            .map(|u| u.text.as_str())
            .collect();
        let hints = label::LabelHints {
            tags: &prepared.tags,
            phrases: &prepared.phrases,
            texts: &texts,
            left_out: None,
        };
        group.bench_function("labelling", |b| {
            b.iter(|| {
                label::label_themes(&prepared.vectors, &clustering, settings.top_terms, &hints)
            })
        });
        group.bench_function("end to end", |b| {
            b.iter(|| {
                let corpus = ingest::load(&inputs).unwrap();
                zhuti::analyze(&corpus, &settings, &NoProgress).unwrap()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
