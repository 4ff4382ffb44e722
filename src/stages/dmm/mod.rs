//! Short-text themes: a Dirichlet-multinomial mixture fitted by collapsed Gibbs sampling
//! (GSDMM, Yin & Wang 2014, "A Dirichlet Multinomial Mixture Model-based Approach for Short
//! Text Clustering"), the alternative to LSA + k-means that `--method dmm` selects.
//!
//! A headline has five to ten terms: its TF-IDF row shares a term with few others, so the
//! cosines LSA and k-means work on are mostly zero and noise decides. The mixture instead gives
//! each unit *one* theme, and each theme one distribution over the vocabulary; the sampler moves
//! each unit to a theme with probability proportional to how many units the theme holds and how
//! likely the theme's words make the unit's words — which pools the evidence of every unit of
//! a theme, not of one nearest centre.
//!
//! Hand-written because no well-kept Rust crate does it: crates.io has no GSDMM or DMM crate
//! (only unpublished GitHub experiments), and the general topic-model crates are LDA (a mix of
//! topics per unit, the wrong model for one-theme headlines). The sampler is short and its
//! determinism is ours to guarantee: each chain is sequential and seeded by its own number,
//! chains run in parallel and the best collapsed likelihood wins (ties to the lower chain), so
//! the result does not depend on the thread count.
//!
//! Inputs are the same term counts the TF-IDF stage built (`Vectors::counts`: jieba's tokens,
//! stop words removed, pruned by `--min-df`/`--max-df`). The first chain starts from the
//! k-means themes when given them; the others from seeded random themes. Themes may end up
//! empty: [`DmmFit::labels`] numbers only what the sampler used, and the pipeline reports the
//! non-empty count as k.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;
use rayon::prelude::*;

use crate::stages::tfidf::CsrMatrix;

/// How the clustering stage finds themes (`--method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// LSA + k-means (+ the TF-IDF refinement).
    Lsa,
    /// The Dirichlet-multinomial mixture of this module.
    Dmm,
    /// Spectral clustering on the units' nearest-neighbour graph ([`crate::stages::graph`]).
    Graph,
    /// `dmm` when the median unit is short ([`SHORT_UNIT_TERMS`]), `graph` for many
    /// article-length units ([`crate::stages::graph::unsuited`]), else `lsa`.
    Auto,
}

impl std::str::FromStr for Method {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "lsa" => Ok(Method::Lsa),
            "dmm" => Ok(Method::Dmm),
            "graph" => Ok(Method::Graph),
            "auto" => Ok(Method::Auto),
            _ => Err(format!(
                "expected `lsa`, `dmm`, `graph` or `auto`, got `{s}`"
            )),
        }
    }
}

impl Method {
    /// How the themes were found, as the reports say it (`Auto` is never the method used).
    pub fn description(self) -> &'static str {
        match self {
            Method::Lsa | Method::Auto => "themes by k-means on the units' LSA vectors",
            Method::Dmm => "themes by the Dirichlet-multinomial mixture (one theme per unit)",
            Method::Graph => "themes by spectral clustering on the units' nearest-neighbour graph",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Method::Lsa => "lsa",
            Method::Dmm => "dmm",
            Method::Graph => "graph",
            Method::Auto => "auto",
        })
    }
}

/// `--method auto` picks `dmm` when the median unit keeps at most this many term occurrences
/// (after stop words and df pruning). Measured (docs/quality.md): THUCNews headlines have a
/// median of 4, THUCNews articles 180, news paragraphs (the seeds, fudan20) 12 and more.
pub const SHORT_UNIT_TERMS: usize = 8;

/// `--method auto` picks `dmm` only for at least this many units: a handful of units gives the
/// mixture too few words per theme to pool (3 short paragraphs collapse into one theme), and
/// LSA's `--k auto` explains its choice there.
pub const MIN_UNITS: usize = 50;

/// The median number of term occurrences of the rows of `counts` (0 for no rows): what
/// [`SHORT_UNIT_TERMS`] is compared with.
pub fn median_terms(counts: &CsrMatrix) -> usize {
    let mut lengths: Vec<usize> = (0..counts.n_rows).map(|i| row_length(counts, i)).collect();
    if lengths.is_empty() {
        return 0;
    }
    let mid = lengths.len() / 2;
    *lengths.select_nth_unstable(mid).1
}

fn row_length(counts: &CsrMatrix, i: usize) -> usize {
    counts.values[counts.indptr[i]..counts.indptr[i + 1]]
        .iter()
        .map(|&v| v.round().max(0.0) as usize)
        .sum()
}

/// Dirichlet prior of the theme sizes (Yin & Wang's α).
pub const ALPHA: f64 = 0.1;
/// Dirichlet prior of each theme's words (Yin & Wang's β is 0.1; 0.2 is better on headlines:
/// mean NMI 0.557 against 0.546 on thucnews-titles-dev, docs/quality.md).
pub const BETA: f64 = 0.2;
/// Gibbs sweeps per chain. Yin & Wang report convergence within about ten on English tweets;
/// on thucnews-titles-dev 30 sweeps give mean NMI 0.520, 100 give 0.546 (with [`GREEDY`]).
pub const ITERATIONS: usize = 100;
/// Greedy sweeps after the sampling ones, each unit moving to its most probable theme, until
/// none moves or this many: the sampler's last state is one draw, this its nearest mode
/// (0.524 → 0.546 on thucnews-titles-dev at 100 sweeps).
pub const GREEDY: usize = 20;
/// Chains per fit; the best collapsed likelihood wins (2 chains: 0.541; 8: no better than 4).
pub const CHAINS: usize = 4;

/// Options of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct DmmOptions {
    /// Themes (some may end up empty).
    pub k: usize,
    /// Seed of every chain.
    pub seed: u64,
    /// See [`ALPHA`].
    pub alpha: f64,
    /// See [`BETA`].
    pub beta: f64,
    /// See [`ITERATIONS`].
    pub iterations: usize,
    /// See [`CHAINS`].
    pub chains: usize,
    /// See [`GREEDY`].
    pub greedy: usize,
}

impl DmmOptions {
    /// The defaults for `k` themes and `seed`.
    pub fn new(k: usize, seed: u64) -> Self {
        DmmOptions {
            k,
            seed,
            alpha: ALPHA,
            beta: BETA,
            iterations: ITERATIONS,
            chains: CHAINS,
            greedy: GREEDY,
        }
    }
}

/// A unit as the sampler sees it: `(term, count)` pairs and the total count.
#[derive(Debug, Clone)]
struct Doc {
    terms: Vec<(u32, u32)>,
    len: u32,
}

fn docs_of(counts: &CsrMatrix) -> Vec<Doc> {
    (0..counts.n_rows)
        .map(|i| {
            let terms: Vec<(u32, u32)> = counts
                .row(i)
                .map(|(c, v)| (c as u32, v.round().max(0.0) as u32))
                .filter(|&(_, n)| n > 0)
                .collect();
            let len = terms.iter().map(|&(_, n)| n).sum();
            Doc { terms, len }
        })
        .collect()
}

/// The fitted mixture: each theme's unit and word counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Dmm {
    k: usize,
    vocabulary: usize,
    alpha: f64,
    beta: f64,
    /// Units per theme (`m_k`).
    units: Vec<u32>,
    /// Term occurrences per theme (`n_k`).
    words: Vec<u64>,
    /// Occurrences of each term in each theme, `k × vocabulary` (`n_k^w`).
    word_counts: Vec<u32>,
}

/// What [`Dmm::fit`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct DmmFit {
    /// The theme of each row, numbered `0..non_empty` in order of first use (rows in order).
    pub labels: Vec<usize>,
    /// Themes holding at least one unit.
    pub non_empty: usize,
    /// The collapsed log-likelihood `ln p(words, themes)` of the winning chain.
    pub log_likelihood: f64,
    /// Which chain won (0: the one started from the given themes, if any).
    pub chain: usize,
}

impl Dmm {
    fn empty(k: usize, vocabulary: usize, options: &DmmOptions) -> Self {
        Dmm {
            k,
            vocabulary,
            alpha: options.alpha,
            beta: options.beta,
            units: vec![0; k],
            words: vec![0; k],
            word_counts: vec![0; k * vocabulary],
        }
    }

    fn add(&mut self, doc: &Doc, theme: usize) {
        self.units[theme] += 1;
        self.words[theme] += u64::from(doc.len);
        let row = theme * self.vocabulary;
        for &(t, n) in &doc.terms {
            self.word_counts[row + t as usize] += n;
        }
    }

    fn remove(&mut self, doc: &Doc, theme: usize) {
        self.units[theme] -= 1;
        self.words[theme] -= u64::from(doc.len);
        let row = theme * self.vocabulary;
        for &(t, n) in &doc.terms {
            self.word_counts[row + t as usize] -= n;
        }
    }

    /// `ln p(theme | doc, the rest)` up to a constant, for every theme, into `out`.
    fn log_weights(&self, doc: &Doc, out: &mut [f64]) {
        let v_beta = self.vocabulary as f64 * self.beta;
        for (theme, slot) in out.iter_mut().enumerate() {
            let row = theme * self.vocabulary;
            let total = self.words[theme] as f64 + v_beta;
            let mut log = (f64::from(self.units[theme]) + self.alpha).ln();
            // Products of up to 16 ratios, each above β / (n + Vβ + len), stay far from
            // underflow; one logarithm per chunk keeps long units exact and short ones fast.
            let mut product = 1.0f64;
            let mut in_product = 0;
            let mut i = 0u32;
            for &(t, n) in &doc.terms {
                let base = f64::from(self.word_counts[row + t as usize]) + self.beta;
                for j in 0..n {
                    product *= (base + f64::from(j)) / (total + f64::from(i));
                    i += 1;
                    in_product += 1;
                    if in_product == 16 {
                        log += product.ln();
                        product = 1.0;
                        in_product = 0;
                    }
                }
            }
            *slot = log + product.ln();
        }
    }

    /// The collapsed log-likelihood `ln p(words, themes)` of the current themes (up to terms
    /// that do not depend on them).
    fn log_likelihood(&self) -> f64 {
        let v_beta = self.vocabulary as f64 * self.beta;
        let rising = |start: f64, n: u64| (0..n).map(|j| (start + j as f64).ln()).sum::<f64>();
        let mut log = 0.0;
        for theme in 0..self.k {
            log += rising(self.alpha, u64::from(self.units[theme]));
            log -= rising(v_beta, self.words[theme]);
            let row = &self.word_counts[theme * self.vocabulary..(theme + 1) * self.vocabulary];
            log += row
                .iter()
                .filter(|&&n| n > 0)
                .map(|&n| rising(self.beta, u64::from(n)))
                .sum::<f64>();
        }
        log
    }

    /// Fits a mixture of `options.k` themes to the rows of `counts` (term counts). `start`,
    /// when given (one theme below `k` per row), starts the first chain; the others start
    /// from seeded random themes. Deterministic at any thread count.
    pub fn fit(counts: &CsrMatrix, options: &DmmOptions, start: Option<&[usize]>) -> (Dmm, DmmFit) {
        let k = options.k.max(1);
        let docs = docs_of(counts);
        let chains = options.chains.max(1);
        let results: Vec<(Dmm, Vec<usize>, f64)> = (0..chains)
            .into_par_iter()
            .map(|chain| {
                let mut rng = Xoshiro256Plus::seed_from_u64(
                    options.seed ^ (chain as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                );
                let initial: Vec<usize> = match start {
                    Some(labels) if chain == 0 && labels.len() == docs.len() => {
                        labels.iter().map(|&l| l.min(k - 1)).collect()
                    }
                    _ => (0..docs.len()).map(|_| rng.gen_range(0..k)).collect(),
                };
                let (model, labels) = run_chain(&docs, counts.n_cols, k, options, initial, rng);
                let log = model.log_likelihood();
                (model, labels, log)
            })
            .collect();
        let mut best = 0;
        for (i, r) in results.iter().enumerate() {
            if r.2 > results[best].2 {
                best = i;
            }
        }
        let (model, raw, log_likelihood) = results.into_iter().nth(best).unwrap_or_else(|| {
            (
                Dmm::empty(k, counts.n_cols, options),
                vec![0; docs.len()],
                0.0,
            )
        });
        let (labels, non_empty) = first_use_order(&raw, k);
        (
            model,
            DmmFit {
                labels,
                non_empty,
                log_likelihood,
                chain: best,
            },
        )
    }

    /// The most probable theme of each row of `counts` (a count matrix over the same
    /// vocabulary) given the fitted themes, in the fitted themes' own numbering (see
    /// [`Dmm::theme_order`]); `None` for a row without terms.
    pub fn predict(&self, counts: &CsrMatrix) -> Vec<Option<usize>> {
        let docs = docs_of(counts);
        docs.par_iter()
            .map(|doc| {
                if doc.len == 0
                    || doc
                        .terms
                        .iter()
                        .any(|&(t, _)| t as usize >= self.vocabulary)
                {
                    return None;
                }
                let mut weights = vec![0.0; self.k];
                self.log_weights(doc, &mut weights);
                let mut best = None::<usize>;
                for (theme, &w) in weights.iter().enumerate() {
                    if self.units[theme] > 0 && best.is_none_or(|b| w > weights[b]) {
                        best = Some(theme);
                    }
                }
                best
            })
            .collect()
    }

    /// Number of themes asked for (including empty ones).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Units in each theme (empty ones included).
    pub fn sizes(&self) -> &[u32] {
        &self.units
    }
}

/// One chain: `iterations` sweeps over the rows in order.
fn run_chain(
    docs: &[Doc],
    vocabulary: usize,
    k: usize,
    options: &DmmOptions,
    mut labels: Vec<usize>,
    mut rng: Xoshiro256Plus,
) -> (Dmm, Vec<usize>) {
    let mut model = Dmm::empty(k, vocabulary, options);
    for (doc, &theme) in docs.iter().zip(&labels) {
        model.add(doc, theme);
    }
    let mut weights = vec![0.0; k];
    let sweeps = options.iterations + options.greedy;
    for sweep in 0..sweeps {
        let greedy = sweep >= options.iterations;
        let mut moved = 0usize;
        for (doc, label) in docs.iter().zip(labels.iter_mut()) {
            if doc.len == 0 {
                continue;
            }
            model.remove(doc, *label);
            model.log_weights(doc, &mut weights);
            let theme = if greedy {
                most_probable(&weights)
            } else {
                draw(&mut weights, &mut rng)
            };
            if theme != *label {
                moved += 1;
            }
            *label = theme;
            model.add(doc, theme);
        }
        if moved == 0 && (greedy || options.greedy == 0) {
            break;
        }
    }
    (model, labels)
}

/// The first theme of the highest weight (log weights).
fn most_probable(weights: &[f64]) -> usize {
    let mut best = 0;
    for (t, &w) in weights.iter().enumerate() {
        if w > weights[best] {
            best = t;
        }
    }
    best
}

/// A theme drawn with probability proportional to `exp(weights)` (overwritten).
fn draw(weights: &mut [f64], rng: &mut Xoshiro256Plus) -> usize {
    let top = weights.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for w in weights.iter_mut() {
        *w = (*w - top).exp();
        total += *w;
    }
    let mut at = rng.gen::<f64>() * total;
    for (t, &w) in weights.iter().enumerate() {
        if at < w {
            return t;
        }
        at -= w;
    }
    weights.len() - 1
}

/// `raw` renumbered `0..n` in order of first use, with `n`.
fn first_use_order(raw: &[usize], k: usize) -> (Vec<usize>, usize) {
    let mut rename = vec![usize::MAX; k];
    let mut next = 0;
    let labels = raw
        .iter()
        .map(|&t| {
            if rename[t] == usize::MAX {
                rename[t] = next;
                next += 1;
            }
            rename[t]
        })
        .collect();
    (labels, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> CsrMatrix {
        // Terms 0–2 are one group's, 3–5 the other's.
        let a: &[&[(u32, f32)]] = &[
            &[(0, 1.0), (1, 1.0)],
            &[(1, 1.0), (2, 1.0)],
            &[(0, 1.0), (2, 2.0)],
            &[(3, 1.0), (4, 1.0)],
            &[(4, 1.0), (5, 1.0)],
            &[(3, 2.0), (5, 1.0)],
            &[(0, 1.0), (1, 1.0), (2, 1.0)],
            &[(3, 1.0), (4, 1.0), (5, 1.0)],
        ];
        CsrMatrix::from_rows(a, 6)
    }

    #[test]
    fn two_obvious_groups() {
        for seed in 0..5 {
            let (model, fit) = Dmm::fit(&corpus(), &DmmOptions::new(2, seed), None);
            assert_eq!(fit.labels, [0, 0, 0, 1, 1, 1, 0, 1], "seed {seed}");
            assert_eq!(fit.non_empty, 2);
            let new = CsrMatrix::from_rows(&[&[(5, 1.0)], &[], &[(0, 1.0), (1, 1.0)]], 6);
            let predicted = model.predict(&new);
            assert_eq!(predicted[1], None);
            assert_ne!(predicted[0], predicted[2]);
        }
    }

    #[test]
    fn likelihood_prefers_the_true_groups() {
        let docs = docs_of(&corpus());
        let options = DmmOptions::new(2, 0);
        let score = |labels: &[usize]| {
            let mut m = Dmm::empty(2, 6, &options);
            for (d, &t) in docs.iter().zip(labels) {
                m.add(d, t);
            }
            m.log_likelihood()
        };
        assert!(score(&[0, 0, 0, 1, 1, 1, 0, 1]) > score(&[0, 1, 0, 1, 0, 1, 0, 1]));
    }

    #[test]
    fn median_and_methods() {
        assert_eq!(median_terms(&corpus()), 3);
        assert_eq!(median_terms(&CsrMatrix::default()), 0);
        assert_eq!("DMM".parse::<Method>(), Ok(Method::Dmm));
        assert!("lda".parse::<Method>().is_err());
        assert_eq!(Method::Auto.to_string(), "auto");
    }
}
