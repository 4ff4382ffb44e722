//! Times the numeric stages alone (LSA, then k-means with auto k and the TF-IDF refinement),
//! repeated on one prepared corpus: `cargo run --release --example num_times -- FILE
//! [--unit document] [--k N] [--threads N] [--runs N]`. With `ZHUTI_CSR_CACHE=PATH` the TF-IDF
//! matrix is saved there on the first run and read back on later ones, so the (slower) cleaning
//! and segmentation run once. Each run prints a checksum of its output, so two builds can be
//! compared quickly (the JSON reports remain the real check).

use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::time::Instant;

use zhuti::internals::kmeans;
use zhuti::internals::tfidf::CsrMatrix;
use zhuti::internals::{lsa, refine};
use zhuti::model;

mod common;

fn save(m: &CsrMatrix, path: &str) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for x in [m.n_rows, m.n_cols, m.indices.len()] {
        out.write_all(&(x as u64).to_le_bytes())?;
    }
    for &x in &m.indptr {
        out.write_all(&(x as u64).to_le_bytes())?;
    }
    for &x in &m.indices {
        out.write_all(&x.to_le_bytes())?;
    }
    for &x in &m.values {
        out.write_all(&x.to_le_bytes())?;
    }
    out.flush()
}

fn load(path: &str) -> std::io::Result<CsrMatrix> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut bytes)?;
    let mut at = 0;
    let mut take = |n: usize| {
        let s = &bytes[at..at + n];
        at += n;
        s.to_vec()
    };
    let mut u64s = |n: usize| -> Vec<usize> {
        take(8 * n)
            .chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()) as usize)
            .collect()
    };
    let head = u64s(3);
    let (n_rows, n_cols, nnz) = (head[0], head[1], head[2]);
    let indptr = u64s(n_rows + 1);
    let indices = take(4 * nnz)
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let values = take(4 * nnz)
        .chunks(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    Ok(CsrMatrix {
        n_rows,
        n_cols,
        indptr,
        indices,
        values,
    })
}

/// User + system CPU seconds of this process so far (from /proc; 0 where unavailable).
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

fn checksum<T: Hash>(x: &T) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    x.hash(&mut h);
    h.finish()
}

fn main() {
    let common::Args {
        settings,
        paths,
        threads,
        runs,
        ..
    } = common::parse();
    let settings = settings.check().expect("valid settings");
    let pool = common::pool(threads);
    let cache = std::env::var("ZHUTI_CSR_CACHE").ok();
    pool.install(|| {
        let cached = cache.as_deref().and_then(|p| load(p).ok());
        let tfidf = match cached {
            Some(m) => m,
            None => {
                let corpus = common::load(&paths);
                let segmenter = model::shared_segmenter();
                let prepared =
                    model::prepare(&corpus, &settings, segmenter, &zhuti::NoProgress).unwrap();
                let m = prepared.vectors.tfidf;
                if let Some(p) = cache.as_deref() {
                    save(&m, p).unwrap();
                }
                m
            }
        };
        println!(
            "{} rows, {} terms, {} non-zeros",
            tfidf.n_rows,
            tfidf.n_cols,
            tfidf.values.len()
        );
        let options = settings.cluster_options();
        for _ in 0..runs {
            let (t, c) = (Instant::now(), cpu());
            let dims = settings.dims.resolve(tfidf.n_rows);
            let embedding = lsa::lsa(&tfidf, dims, settings.seed).unwrap();
            let lsa = t.elapsed().as_secs_f64();
            let lsa_cpu = cpu() - c;
            let bits: Vec<u64> = embedding
                .vectors
                .iter()
                .chain(embedding.components.iter())
                .map(|x| x.to_bits())
                .collect();
            if std::env::var_os("ONLY_LSA").is_some() {
                println!("LSA {lsa:.2} s ({lsa_cpu:.2} cpu) [{:016x}]", checksum(&bits));
                continue;
            }
            let (t, c) = (Instant::now(), cpu());
            let judge = refine::RefinedSilhouette { tfidf: &tfidf };
            let fitted =
                kmeans::cluster_judged(&embedding.vectors, &options, &judge).unwrap();
            let fit = t.elapsed().as_secs_f64();
            let fit_cpu = cpu() - c;
            let candidates = if fitted.restarts.is_empty() {
                vec![fitted.labels.clone()]
            } else {
                fitted.restarts.clone()
            };
            let k = candidates.iter().flatten().max().map_or(0, |&m| m + 1);
            let best = refine::best_refined(&tfidf, &candidates, k, refine::MAX_PASSES).unwrap();
            let refined = kmeans::from_labels(&embedding.vectors, &best.labels, None);
            let all = t.elapsed().as_secs_f64();
            let all_cpu = cpu() - c;
            let scores: Vec<u64> = refined.scores.iter().map(|x| x.to_bits()).collect();
            println!(
                "LSA {lsa:.2} s ({lsa_cpu:.2} cpu) [{:016x}]  k-means {all:.2} s ({all_cpu:.2} cpu; fit {fit:.2}/{fit_cpu:.2}, refine {:.2}/{:.2}) k = {} [{:016x}]",
                checksum(&bits),
                all - fit,
                all_cpu - fit_cpu,
                refined.k,
                checksum(&(&refined.labels, &scores, &fitted.selection.as_ref().map(|s| format!("{s:?}"))))
            );
        }
    });
}
