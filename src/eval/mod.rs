//! Evaluation: score a clustering against gold labels, as scikit-learn's
//! `sklearn.metrics` does, with plain functions over label slices.
//!
//! Every metric is computed from the [`Contingency`] table of true class × predicted cluster:
//! normalised mutual information ([`nmi`], arithmetic normalisation, equal to [`v_measure`]),
//! the adjusted Rand index ([`ari`]), [`homogeneity`] (each cluster holds one class),
//! [`completeness`] (each class sits in one cluster) and [`purity`]. Natural logarithms; the
//! conventions for degenerate inputs (one class, one cluster, empty input) follow
//! scikit-learn, so the numbers can be compared with it directly.
//!
//! ```
//! use zhuti::eval;
//! let truth = ["体育", "体育", "财经", "财经"];
//! let pred = [1, 1, 2, 2];
//! assert_eq!(eval::nmi(&truth, &pred)?, 1.0);
//! assert_eq!(eval::ari(&truth, &pred)?, 1.0);
//! // One article of 财经 lands with 体育: scikit-learn gives the same numbers.
//! let pred = [1, 1, 1, 2];
//! assert!((eval::nmi(&truth, &pred)? - 0.343_711_018).abs() < 1e-9);
//! assert_eq!(eval::ari(&truth, &pred)?, 0.0);
//! assert!((eval::purity(&truth, &pred)? - 0.75).abs() < 1e-12);
//! # Ok::<(), zhuti::Error>(())
//! ```

pub mod coherence;

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

use crate::analysis::Analysis;
use crate::error::{Error, Result};
use crate::numbers::thousands;
use crate::report::terminal_safe as safe;
use crate::report::text::{pad, put, trim_to, wrap, wrap_items, Layout, TextOptions};

/// Counts of (true class, predicted cluster) pairs. Classes and clusters are numbered in order
/// of first appearance, so the table does not depend on how labels are spelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contingency {
    /// `counts[class][cluster]`: items of that class put in that cluster.
    pub counts: Vec<Vec<usize>>,
    /// Items per class (row sums).
    pub class_sizes: Vec<usize>,
    /// Items per cluster (column sums).
    pub cluster_sizes: Vec<usize>,
    /// Number of items.
    pub n: usize,
}

impl Contingency {
    /// Builds the table of `truth` × `pred`. The slices must have the same length.
    pub fn new<A: Hash + Eq, B: Hash + Eq>(truth: &[A], pred: &[B]) -> Result<Self> {
        if truth.len() != pred.len() {
            return Err(Error::LabelCounts {
                truth: truth.len(),
                predicted: pred.len(),
            });
        }
        let class_ids = first_appearance_ids(truth);
        let cluster_ids = first_appearance_ids(pred);
        let n_classes = class_ids.iter().max().map_or(0, |m| m + 1);
        let n_clusters = cluster_ids.iter().max().map_or(0, |m| m + 1);
        let mut counts = vec![vec![0usize; n_clusters]; n_classes];
        let mut class_sizes = vec![0usize; n_classes];
        let mut cluster_sizes = vec![0usize; n_clusters];
        for (&a, &b) in class_ids.iter().zip(&cluster_ids) {
            counts[a][b] += 1;
            class_sizes[a] += 1;
            cluster_sizes[b] += 1;
        }
        Ok(Contingency {
            counts,
            class_sizes,
            cluster_sizes,
            n: truth.len(),
        })
    }

    /// Mutual information between classes and clusters (nats).
    pub fn mutual_information(&self) -> f64 {
        let n = self.n as f64;
        let mut mi = 0.0;
        for (row, &a) in self.counts.iter().zip(&self.class_sizes) {
            for (&nij, &b) in row.iter().zip(&self.cluster_sizes) {
                if nij > 0 {
                    let nij = nij as f64;
                    mi += nij / n * (n * nij / (a as f64 * b as f64)).ln();
                }
            }
        }
        mi.max(0.0)
    }

    /// Entropy of the true classes (nats).
    pub fn class_entropy(&self) -> f64 {
        entropy(&self.class_sizes, self.n)
    }

    /// Entropy of the predicted clusters (nats).
    pub fn cluster_entropy(&self) -> f64 {
        entropy(&self.cluster_sizes, self.n)
    }
}

fn first_appearance_ids<T: Hash + Eq>(labels: &[T]) -> Vec<usize> {
    let mut ids: HashMap<&T, usize> = HashMap::new();
    labels
        .iter()
        .map(|l| {
            let next = ids.len();
            *ids.entry(l).or_insert(next)
        })
        .collect()
}

fn entropy(sizes: &[usize], n: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    let h: f64 = sizes
        .iter()
        .filter(|&&s| s > 0)
        .map(|&s| {
            let p = s as f64 / n;
            -p * p.ln()
        })
        .sum();
    h.max(0.0)
}

fn pairs(x: usize) -> f64 {
    let x = x as f64;
    x * (x - 1.0) / 2.0
}

/// All scores of one clustering against the gold labels (the JSON keys of `zhuti eval`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// Normalised mutual information, arithmetic mean of the entropies (= `v_measure`).
    pub nmi: f64,
    /// Adjusted Rand index (0 for chance, 1 for identical partitions).
    pub ari: f64,
    /// 1 when every cluster holds a single class.
    pub homogeneity: f64,
    /// 1 when every class sits in a single cluster.
    pub completeness: f64,
    /// Harmonic mean of homogeneity and completeness.
    pub v_measure: f64,
    /// Share of items in their cluster's majority class.
    pub purity: f64,
    /// Number of non-empty clusters.
    pub k: usize,
    /// Number of items scored.
    pub n: usize,
    /// Share of the items left unassigned (fitting no theme well, `theme: null` in the
    /// report): they are not among the `n` scored, so the other scores are on assigned items
    /// only. 0 from [`Scores::new`]; see [`Scores::with_unassigned`].
    pub unassigned: f64,
}

impl Scores {
    /// Every score of `table`.
    pub fn from_table(table: &Contingency) -> Self {
        let (h, c, v) = homogeneity_completeness_v(table);
        Scores {
            nmi: nmi_of(table),
            ari: ari_of(table),
            homogeneity: h,
            completeness: c,
            v_measure: v,
            purity: purity_of(table),
            k: table.cluster_sizes.iter().filter(|&&s| s > 0).count(),
            n: table.n,
            unassigned: 0.0,
        }
    }

    /// The same scores, with `unassigned` items left out beside the `n` scored.
    pub fn with_unassigned(self, unassigned: usize) -> Self {
        let all = self.n + unassigned;
        Scores {
            unassigned: if all == 0 {
                0.0
            } else {
                unassigned as f64 / all as f64
            },
            ..self
        }
    }

    /// Every score of `pred` against `truth`.
    pub fn new<A: Hash + Eq, B: Hash + Eq>(truth: &[A], pred: &[B]) -> Result<Self> {
        Ok(Self::from_table(&Contingency::new(truth, pred)?))
    }
}

fn nmi_of(t: &Contingency) -> f64 {
    let (classes, clusters) = (t.class_sizes.len(), t.cluster_sizes.len());
    // scikit-learn: identical trivial partitions are a perfect match.
    if (classes == 1 && clusters == 1) || (classes == 0 && clusters == 0) {
        return 1.0;
    }
    let mi = t.mutual_information();
    if mi <= 0.0 {
        return 0.0;
    }
    let normaliser = (t.class_entropy() + t.cluster_entropy()) / 2.0;
    (mi / normaliser.max(f64::EPSILON)).min(1.0)
}

fn homogeneity_completeness_v(t: &Contingency) -> (f64, f64, f64) {
    if t.n == 0 {
        return (1.0, 1.0, 1.0);
    }
    let mi = t.mutual_information();
    let (hc, hk) = (t.class_entropy(), t.cluster_entropy());
    let h = if hc > 0.0 { (mi / hc).min(1.0) } else { 1.0 };
    let c = if hk > 0.0 { (mi / hk).min(1.0) } else { 1.0 };
    let v = if h + c > 0.0 {
        2.0 * h * c / (h + c)
    } else {
        0.0
    };
    (h, c, v)
}

fn ari_of(t: &Contingency) -> f64 {
    let index: f64 = t.counts.iter().flatten().map(|&x| pairs(x)).sum();
    let sum_a: f64 = t.class_sizes.iter().map(|&x| pairs(x)).sum();
    let sum_b: f64 = t.cluster_sizes.iter().map(|&x| pairs(x)).sum();
    let total = pairs(t.n);
    if total == 0.0 {
        return 1.0;
    }
    let expected = sum_a * sum_b / total;
    let max = (sum_a + sum_b) / 2.0;
    // scikit-learn: identical partitions (no pair disagrees) score 1, even trivial ones.
    if (max - expected).abs() <= f64::EPSILON * total.max(1.0) {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

fn purity_of(t: &Contingency) -> f64 {
    if t.n == 0 {
        return 1.0;
    }
    let majority: usize = (0..t.cluster_sizes.len())
        .map(|j| t.counts.iter().map(|row| row[j]).max().unwrap_or(0))
        .sum();
    majority as f64 / t.n as f64
}

/// Normalised mutual information with arithmetic normalisation:
/// `MI / ((H(truth) + H(pred)) / 2)`, as `sklearn.metrics.normalized_mutual_info_score`.
///
/// ```
/// let nmi = zhuti::eval::nmi(&[0, 0, 1, 1], &[0, 0, 1, 2])?;
/// assert!((nmi - 0.8).abs() < 1e-12); // 2 ln 2 / 2 ÷ ((ln 2 + 1.5 ln 2) / 2)
/// # Ok::<(), zhuti::Error>(())
/// ```
pub fn nmi<A: Hash + Eq, B: Hash + Eq>(truth: &[A], pred: &[B]) -> Result<f64> {
    Ok(nmi_of(&Contingency::new(truth, pred)?))
}

/// Adjusted Rand index, as `sklearn.metrics.adjusted_rand_score`.
///
/// ```
/// let ari = zhuti::eval::ari(&[0, 0, 1, 1], &[0, 0, 1, 2])?;
/// assert!((ari - 4.0 / 7.0).abs() < 1e-12);
/// # Ok::<(), zhuti::Error>(())
/// ```
pub fn ari<A: Hash + Eq, B: Hash + Eq>(truth: &[A], pred: &[B]) -> Result<f64> {
    Ok(ari_of(&Contingency::new(truth, pred)?))
}

/// Homogeneity: `MI / H(truth)`, 1 when each cluster holds one class.
///
/// ```
/// assert_eq!(zhuti::eval::homogeneity(&[0, 0, 1, 1], &[0, 0, 1, 2])?, 1.0);
/// # Ok::<(), zhuti::Error>(())
/// ```
pub fn homogeneity<A: Hash + Eq, B: Hash + Eq>(truth: &[A], pred: &[B]) -> Result<f64> {
    Ok(homogeneity_completeness_v(&Contingency::new(truth, pred)?).0)
}

/// Completeness: `MI / H(pred)`, 1 when each class sits in one cluster.
///
/// ```
/// let c = zhuti::eval::completeness(&[0, 0, 1, 1], &[0, 0, 1, 2])?;
/// assert!((c - 2.0 / 3.0).abs() < 1e-12);
/// # Ok::<(), zhuti::Error>(())
/// ```
pub fn completeness<A: Hash + Eq, B: Hash + Eq>(truth: &[A], pred: &[B]) -> Result<f64> {
    Ok(homogeneity_completeness_v(&Contingency::new(truth, pred)?).1)
}

/// V-measure: the harmonic mean of homogeneity and completeness (equal to [`nmi`]).
///
/// ```
/// let v = zhuti::eval::v_measure(&[0, 0, 1, 1], &[0, 0, 1, 2])?;
/// assert!((v - 0.8).abs() < 1e-12);
/// # Ok::<(), zhuti::Error>(())
/// ```
pub fn v_measure<A: Hash + Eq, B: Hash + Eq>(truth: &[A], pred: &[B]) -> Result<f64> {
    Ok(homogeneity_completeness_v(&Contingency::new(truth, pred)?).2)
}

/// Purity: the share of items that belong to their cluster's majority class.
///
/// ```
/// let p = zhuti::eval::purity(&["a", "a", "b", "b"], &[0, 0, 0, 1])?;
/// assert_eq!(p, 0.75);
/// # Ok::<(), zhuti::Error>(())
/// ```
pub fn purity<A: Hash + Eq, B: Hash + Eq>(truth: &[A], pred: &[B]) -> Result<f64> {
    Ok(purity_of(&Contingency::new(truth, pred)?))
}

/// The labelled articles of an analysis: gold label and predicted theme of every article that
/// has a label and at least one unit in a theme. An article's theme is its largest theme
/// (with `--unit document`, its only one); an article whose units are all unassigned
/// (`theme: null`) is not scored but counted in `unassigned`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    /// Gold label per scored article.
    pub truth: Vec<String>,
    /// Theme id (1-based) per scored article.
    pub pred: Vec<usize>,
    /// Article ids, same order.
    pub ids: Vec<String>,
    /// Articles without a `label` field.
    pub unlabelled: usize,
    /// Labelled articles with no clustered unit (all dropped by cleaning).
    pub unclustered: usize,
    /// Labelled articles whose every clustered unit is unassigned.
    pub unassigned: usize,
    /// Theme id of every labelled article with a clustered unit, scored or unassigned (0),
    /// in corpus order: the same articles in every run, for the stability between seeds.
    pub placed: Vec<usize>,
}

impl Labelled {
    /// Collects the gold and predicted labels from `analysis`.
    pub fn from_analysis(analysis: &Analysis) -> Self {
        let mut out = Labelled {
            truth: Vec::new(),
            pred: Vec::new(),
            ids: Vec::new(),
            unlabelled: 0,
            unclustered: 0,
            unassigned: 0,
            placed: Vec::new(),
        };
        for doc in &analysis.documents {
            let Some(label) = &doc.label else {
                out.unlabelled += 1;
                continue;
            };
            match doc.theme_mix.first() {
                Some(main) => {
                    out.truth.push(label.clone());
                    out.pred.push(main.theme);
                    out.ids.push(doc.id.clone());
                    out.placed.push(main.theme);
                }
                None if doc.units > 0 => {
                    out.unassigned += 1;
                    out.placed.push(0);
                }
                None => out.unclustered += 1,
            }
        }
        out
    }
}

/// One scored run of `zhuti eval` (one seed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// The seed of this run.
    pub seed: u64,
    /// Its scores.
    #[serde(flatten)]
    pub scores: Scores,
}

/// Mean, minimum and maximum of each score over several runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// One entry per seed, in the order given.
    pub runs: Vec<Run>,
    /// Mean of every score over the runs.
    pub mean: Aggregate,
    /// Minimum of every score over the runs.
    pub min: Aggregate,
    /// Maximum of every score over the runs.
    pub max: Aggregate,
    /// Mean pairwise ARI between the runs' clusterings (1 = every seed finds the same themes).
    pub stability_ari: f64,
}

/// One statistic of every score over runs (`k` as a float, since a mean of k need not be whole).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Aggregate {
    /// NMI (arithmetic).
    pub nmi: f64,
    /// Adjusted Rand index.
    pub ari: f64,
    /// Homogeneity.
    pub homogeneity: f64,
    /// Completeness.
    pub completeness: f64,
    /// V-measure.
    pub v_measure: f64,
    /// Purity.
    pub purity: f64,
    /// Number of themes.
    pub k: f64,
    /// Items scored.
    pub n: f64,
    /// Share of the items left unassigned (not scored).
    pub unassigned: f64,
}

impl From<&Scores> for Aggregate {
    fn from(s: &Scores) -> Self {
        Aggregate {
            nmi: s.nmi,
            ari: s.ari,
            homogeneity: s.homogeneity,
            completeness: s.completeness,
            v_measure: s.v_measure,
            purity: s.purity,
            k: s.k as f64,
            n: s.n as f64,
            unassigned: s.unassigned,
        }
    }
}

impl Aggregate {
    fn of(runs: &[Run], pick: impl Fn(&[f64]) -> f64) -> Self {
        let get = |f: fn(&Scores) -> f64| {
            let xs: Vec<f64> = runs.iter().map(|r| f(&r.scores)).collect();
            pick(&xs)
        };
        Aggregate {
            nmi: get(|s| s.nmi),
            ari: get(|s| s.ari),
            homogeneity: get(|s| s.homogeneity),
            completeness: get(|s| s.completeness),
            v_measure: get(|s| s.v_measure),
            purity: get(|s| s.purity),
            k: get(|s| s.k as f64),
            n: get(|s| s.n as f64),
            unassigned: get(|s| s.unassigned),
        }
    }
}

/// Summarises several runs; `predictions[i]` is run `i`'s predicted labels (same items in the
/// same order in every run; `zhuti eval` gives unassigned items the label 0), used for the
/// pairwise stability ARI.
pub fn summarize(runs: Vec<Run>, predictions: &[Vec<usize>]) -> Result<Summary> {
    let mean = Aggregate::of(&runs, |xs| {
        xs.iter().sum::<f64>() / (xs.len().max(1) as f64)
    });
    let min = Aggregate::of(&runs, |xs| xs.iter().copied().fold(f64::INFINITY, f64::min));
    let max = Aggregate::of(&runs, |xs| {
        xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    });
    let mut total = 0.0;
    let mut count = 0usize;
    for i in 0..predictions.len() {
        for j in i + 1..predictions.len() {
            total += ari(&predictions[i], &predictions[j])?;
            count += 1;
        }
    }
    Ok(Summary {
        runs,
        mean,
        min,
        max,
        stability_ari: if count > 0 { total / count as f64 } else { 1.0 },
    })
}

/// Runs the analysis of `corpus` once per seed — exactly as [`crate::analyze`] does with
/// `settings` and that seed — and scores each run against the articles' gold labels. One seed
/// gives a single run; several give a [`Summary`] with the stability between seeds. Every
/// run's coherence and diversity are reported too; a corpus without gold labels gets only
/// those.
pub fn evaluate(
    corpus: &crate::stages::ingest::Corpus,
    settings: &crate::Settings,
    seeds: &[u64],
    progress: &dyn crate::Progress,
) -> Result<Report> {
    let labelled_articles = corpus.articles.iter().filter(|a| a.label.is_some()).count();
    let seeds: Vec<u64> = if seeds.is_empty() {
        vec![settings.seed]
    } else {
        seeds.to_vec()
    };
    type Dated = (Option<crate::timeline::Timeline>, Vec<DatedArticle>);
    let mut runs = Vec::with_capacity(seeds.len());
    let mut predictions = Vec::with_capacity(seeds.len());
    let mut coherence_runs = Vec::with_capacity(seeds.len());
    let mut first: Option<(
        crate::analysis::Params,
        Labelled,
        Vec<ThemeCoherence>,
        Dated,
    )> = None;
    for &seed in &seeds {
        let settings = crate::Settings {
            seed,
            ..settings.clone()
        };
        let analysis = crate::analyze(corpus, &settings, progress)?;
        let labelled = Labelled::from_analysis(&analysis);
        if labelled_articles > 0 {
            runs.push(Run {
                seed,
                scores: Scores::new(&labelled.truth, &labelled.pred)?
                    .with_unassigned(labelled.unassigned),
            });
            predictions.push(labelled.placed.clone());
        }
        let c = &analysis.coherence;
        coherence_runs.push(CoherenceRun {
            seed,
            mean_npmi: c.mean_npmi,
            diversity_top10: c.diversity_top10,
            diversity_top25: c.diversity_top25,
        });
        if first.is_none() {
            let themes = analysis
                .themes
                .iter()
                .map(|t| ThemeCoherence {
                    theme: t.id,
                    label: t.label.clone(),
                    npmi: t.npmi,
                })
                .collect();
            let dated: Vec<DatedArticle> = analysis
                .documents
                .iter()
                .filter_map(|d| {
                    Some(DatedArticle {
                        id: d.id.clone(),
                        date: d.date.clone()?,
                        label: d.label.clone(),
                        theme: d.theme_mix.first().map(|m| m.theme),
                    })
                })
                .collect();
            first = Some((
                analysis.params,
                labelled,
                themes,
                (analysis.timeline, dated),
            ));
        }
    }
    let Some((params, labelled, themes, dated_run)) = first else {
        return Err(Error::Numeric {
            stage: "eval",
            reason: "no seed to evaluate (a bug)".into(),
        });
    };
    let (single, summary) = match runs.len() {
        0 => (None, None),
        1 => (runs.pop(), None),
        _ => (None, Some(summarize(runs, &predictions)?)),
    };
    Ok(Report {
        single,
        summary,
        unlabelled: labelled.unlabelled,
        unclustered: labelled.unclustered,
        unassigned_articles: labelled.unassigned,
        params,
        contingency: theme_labels(&labelled),
        timeline: dated_run.0,
        dated: dated_run.1,
        coherence: EvalCoherence::of(coherence_runs, themes),
    })
}

/// The coherence and diversity of one run's themes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CoherenceRun {
    /// The seed of this run.
    pub seed: u64,
    /// Mean NPMI of the themes' top terms.
    pub mean_npmi: f64,
    /// Topic diversity of the top 10 terms.
    pub diversity_top10: f64,
    /// Topic diversity of the top 25 terms.
    pub diversity_top25: f64,
}

/// One theme's coherence (first run).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeCoherence {
    /// Theme id (1-based).
    pub theme: usize,
    /// Its label.
    pub label: String,
    /// NPMI of its top terms.
    pub npmi: f64,
}

/// Coherence and diversity over the runs of `zhuti eval` (no gold labels needed): how they
/// are measured ([`coherence`]), each run, their means, and the first run's themes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalCoherence {
    /// The co-occurrence window: `unit` (each clustered unit counts once).
    pub window: &'static str,
    /// Smoothing of the joint probability.
    pub epsilon: f64,
    /// Top terms per theme whose pairs are scored.
    pub top_n: usize,
    /// Mean over the runs of the mean NPMI.
    pub mean_npmi: f64,
    /// Mean over the runs of the top-10 topic diversity.
    pub diversity_top10: f64,
    /// Mean over the runs of the top-25 topic diversity.
    pub diversity_top25: f64,
    /// One entry per seed, in the order given.
    pub runs: Vec<CoherenceRun>,
    /// Each theme's NPMI in the first run.
    pub themes: Vec<ThemeCoherence>,
}

impl EvalCoherence {
    fn of(runs: Vec<CoherenceRun>, themes: Vec<ThemeCoherence>) -> Self {
        let mean = |f: fn(&CoherenceRun) -> f64| {
            crate::analysis::round4(runs.iter().map(f).sum::<f64>() / runs.len().max(1) as f64)
        };
        EvalCoherence {
            window: "unit",
            epsilon: coherence::EPSILON,
            top_n: coherence::TOP_N,
            mean_npmi: mean(|r| r.mean_npmi),
            diversity_top10: mean(|r| r.diversity_top10),
            diversity_top25: mean(|r| r.diversity_top25),
            runs,
            themes,
        }
    }
}

/// Theme × label counts of one run, for reading what each theme holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeLabels {
    /// Theme id (1-based).
    pub theme: usize,
    /// Articles scored in this theme.
    pub size: usize,
    /// Gold labels in the theme with their counts, most frequent first (ties by label).
    pub labels: Vec<(String, usize)>,
}

/// The theme × label contingency of `labelled`, themes in id order.
pub fn theme_labels(labelled: &Labelled) -> Vec<ThemeLabels> {
    let mut by_theme: std::collections::BTreeMap<usize, HashMap<&str, usize>> =
        std::collections::BTreeMap::new();
    for (label, &theme) in labelled.truth.iter().zip(&labelled.pred) {
        *by_theme
            .entry(theme)
            .or_default()
            .entry(label.as_str())
            .or_default() += 1;
    }
    by_theme
        .into_iter()
        .map(|(theme, counts)| {
            let mut labels: Vec<(String, usize)> = counts
                .into_iter()
                .map(|(l, c)| (l.to_string(), c))
                .collect();
            labels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            ThemeLabels {
                theme,
                size: labels.iter().map(|(_, c)| c).sum(),
                labels,
            }
        })
        .collect()
}

/// What `zhuti eval` reports: one run, or a summary over seeds, plus the settings and the
/// theme × label table of the first run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The single run (one seed): its scores are flattened into the top level.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub single: Option<Run>,
    /// Several seeds: runs, mean, min, max, stability_ari at the top level.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    /// Articles without a label (not scored).
    pub unlabelled: usize,
    /// Labelled articles with no clustered unit (not scored).
    pub unclustered: usize,
    /// Labelled articles whose units were all left unassigned, in the first run (not scored;
    /// each run's share of them is its `unassigned`).
    pub unassigned_articles: usize,
    /// The analysis parameters of the first run (including how k was chosen for `auto`).
    pub params: crate::analysis::Params,
    /// Theme × label counts of the first run.
    pub contingency: Vec<ThemeLabels>,
    /// The first run's themes over time (as in the analysis JSON), when articles are dated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<crate::timeline::Timeline>,
    /// Each dated article of the first run: id, date and main theme, to plot scored batches
    /// on the same timeline as an analysis.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dated: Vec<DatedArticle>,
    /// Coherence and diversity of the themes (also for corpora without labels).
    pub coherence: EvalCoherence,
}

/// One dated article of an evaluation run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatedArticle {
    /// Article id.
    pub id: String,
    /// ISO day.
    pub date: String,
    /// Its gold label, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Its largest theme (1-based), absent if no unit was clustered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<usize>,
}

/// Renders `report` for the terminal in 80 columns without colour ([`render_text_with`]).
pub fn render_text(report: &Report) -> String {
    render_text_with(report, &TextOptions::default())
}

/// Renders `report` for the terminal: the scores table, then what each theme holds, every
/// line within `options.width` display columns (prose wraps, lists break between items,
/// labels are shortened; a narrow scores table keeps nmi, ari and purity, then nmi and ari),
/// theme numbers in their colours when `options.colour`.
pub fn render_text_with(report: &Report, options: &TextOptions) -> String {
    use std::fmt::Write;
    let l = Layout::new(options);
    let width = l.width;
    let mut out = String::new();
    let p = &report.params;
    let unit = match p.unit {
        crate::stages::units::UnitKind::Paragraph => {
            "paragraph units, each article scored by its main theme"
        }
        crate::stages::units::UnitKind::Document => "document units",
    };
    let n = match (&report.single, &report.summary) {
        (Some(run), _) => run.scores.n,
        (None, Some(s)) => s.runs.first().map_or(0, |r| r.scores.n),
        _ => 0,
    };
    let head = [
        format!(
            "zhuti eval · {}",
            crate::numbers::count(n, "labelled article", "labelled articles")
        ),
        unit.to_string(),
        format!("k {}", p.k_requested),
    ];
    let _ = put(&mut out, wrap_items(&head, " · ", "", "  ", width));
    let labelled = report.single.is_some() || report.summary.is_some();
    if report.unlabelled + report.unclustered + report.unassigned_articles > 0 {
        let unassigned = if p.outliers {
            format!(
                ", {} unassigned (fitting no theme well)",
                thousands(report.unassigned_articles)
            )
        } else {
            String::new()
        };
        let line = format!(
            "not scored: {} without a label, {} with nothing left to cluster{unassigned}",
            thousands(report.unlabelled),
            thousands(report.unclustered)
        );
        let _ = put(&mut out, wrap(&line, width, "  ", "    "));
    }
    if let Some(selection) = &p.k_selection {
        let line = format!("k = {} chosen automatically: {}", p.k, selection.reason);
        let _ = put(&mut out, wrap(&line, width, "", "  "));
        let scores: Vec<String> = selection
            .candidates
            .iter()
            .map(|c| {
                let mark = if c.k == p.k { "*" } else { "" };
                format!("{}{mark} {:.3}", c.k, c.silhouette)
            })
            .collect();
        if !scores.is_empty() {
            // The method is named in the reason above; the label stays short, as in the
            // analysis report.
            let _ = put(
                &mut out,
                wrap_items(&scores, " · ", "  silhouette by k: ", "    ", width),
            );
        }
    }
    let _ = writeln!(out);
    if labelled {
        write_scores(&mut out, report, &l);
    } else {
        let _ = put(
            &mut out,
            wrap(
                "no gold labels: coherence and diversity only (JSON Lines records with a \
                 \"label\" field are also scored against it)",
                width,
                "  ",
                "  ",
            ),
        );
    }
    write_coherence(&mut out, &report.coherence, &l);
    out
}

/// `T3`, four columns wide, in theme 3's colour when colouring.
fn theme_tag(l: &Layout, theme: usize) -> String {
    l.paint(&pad(&format!("T{theme}"), 4), theme, true)
}

/// The coherence table of `zhuti eval`: one row per seed, then each theme of the first run.
fn write_coherence(out: &mut String, c: &EvalCoherence, l: &Layout) {
    use std::fmt::Write;
    let _ = writeln!(out);
    let head = format!(
        "Coherence: NPMI of each theme's top {} terms over unit co-occurrence (ε = {:e}); \
         topic diversity of the top 10 and 25 terms",
        c.top_n, c.epsilon
    );
    let _ = put(out, wrap(&head, l.width, "", "  "));
    let _ = writeln!(
        out,
        "  {:<8} {:>8} {:>8} {:>8}",
        "seed", "npmi", "div@10", "div@25"
    );
    for r in &c.runs {
        let _ = writeln!(
            out,
            "  {:<8} {:>8.4} {:>8.4} {:>8.4}",
            r.seed, r.mean_npmi, r.diversity_top10, r.diversity_top25
        );
    }
    if c.runs.len() > 1 {
        let _ = writeln!(
            out,
            "  {:<8} {:>8.4} {:>8.4} {:>8.4}",
            "mean", c.mean_npmi, c.diversity_top10, c.diversity_top25
        );
    }
    let first = c.runs.first().map_or(0, |r| r.seed);
    let _ = writeln!(out, "  NPMI by theme (seed {first}):");
    // `  T3   0.1234  label`: 16 columns before the label.
    for t in &c.themes {
        let label = trim_to(&safe(&t.label), l.width - 16);
        let _ = writeln!(out, "  {} {:>7.4}  {label}", theme_tag(l, t.theme), t.npmi);
    }
}

/// The gold-label part of the `zhuti eval` text: the scores table and the theme × label table.
fn write_scores(out: &mut String, report: &Report, l: &Layout) {
    use std::fmt::Write;
    let p = &report.params;
    // The unassigned share beside the scores, which are on the assigned articles only
    // (without the bucket, `--no-outliers`, there is none to show).
    let unassigned = p.outliers;
    let tail = 5 + if unassigned { 11 } else { 0 };
    // As many score columns as fit: all, else nmi, ari and purity, else nmi and ari.
    let fits = |n: usize| 2 + 8 + 7 * n + tail <= l.width;
    let columns: &[&str] = if fits(6) {
        &["nmi", "ari", "homog", "compl", "v", "purity"]
    } else if fits(3) {
        &["nmi", "ari", "purity"]
    } else {
        &["nmi", "ari"]
    };
    let mut header = format!("  {:<8}", "seed");
    for c in columns {
        let _ = write!(header, " {c:>6}");
    }
    let _ = write!(header, " {:>4}", "k");
    if unassigned {
        let _ = write!(header, " {:>10}", "unassigned");
    }
    let _ = writeln!(out, "{header}");
    let row = |out: &mut String, name: &str, s: &Aggregate| {
        let mut line = format!("  {name:<8}");
        for c in columns {
            let v = match *c {
                "nmi" => s.nmi,
                "ari" => s.ari,
                "homog" => s.homogeneity,
                "compl" => s.completeness,
                "v" => s.v_measure,
                _ => s.purity,
            };
            let _ = write!(line, " {v:>6.4}");
        }
        let k = if s.k.fract() == 0.0 {
            format!("{}", s.k)
        } else {
            format!("{:.1}", s.k)
        };
        let _ = write!(line, " {k:>4}");
        if unassigned {
            let _ = write!(line, " {:>9.1}%", s.unassigned * 100.0);
        }
        let _ = writeln!(out, "{line}");
    };
    let runs: Vec<&Run> = match (&report.single, &report.summary) {
        (Some(run), _) => vec![run],
        (None, Some(s)) => s.runs.iter().collect(),
        _ => Vec::new(),
    };
    for run in &runs {
        row(out, &run.seed.to_string(), &Aggregate::from(&run.scores));
    }
    if let Some(s) = &report.summary {
        row(out, "mean", &s.mean);
        row(out, "min", &s.min);
        row(out, "max", &s.max);
        let line = format!(
            "stability (mean pairwise ARI between seeds): {:.4}",
            s.stability_ari
        );
        let _ = put(out, wrap(&line, l.width, "  ", "    "));
    }
    let _ = writeln!(out);
    let first = runs.first().map_or(p.seed, |r| r.seed);
    let head = format!("Theme × label (seed {first}; largest labels per theme)");
    let _ = put(out, wrap(&head, l.width, "", "  "));
    // `  T3   1,234  体育 812 · 娱乐 3`: 14 columns before the labels, which wrap between
    // items under each other.
    let indent = " ".repeat(14);
    for t in &report.contingency {
        let mut shown: Vec<String> = t
            .labels
            .iter()
            .take(4)
            .map(|(label, c)| format!("{} {}", safe(label), thousands(*c)))
            .collect();
        let rest: usize = t.labels.iter().skip(4).map(|(_, c)| c).sum();
        if rest > 0 {
            shown.push(format!("others {}", thousands(rest)));
        }
        let first = format!("  {} {:>5}  ", " ".repeat(4), thousands(t.size));
        let mut lines = wrap_items(&shown, " · ", &first, &indent, l.width);
        if let Some(line) = lines.first_mut() {
            // The theme's tag goes where its blank stood in for it while wrapping.
            *line = format!("  {}{}", theme_tag(l, t.theme), &line[6..]);
        }
        let _ = put(out, lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    #[test]
    fn perfect_and_relabelled_partitions_score_one() {
        let s = Scores::new(&["x", "x", "y", "y", "z"], &[7, 7, 3, 3, 9]).unwrap();
        for v in [
            s.nmi,
            s.ari,
            s.homogeneity,
            s.completeness,
            s.v_measure,
            s.purity,
        ] {
            close(v, 1.0);
        }
        assert_eq!((s.k, s.n), (3, 5));
    }

    #[test]
    fn hand_computed_split_cluster() {
        // truth {0,0,1,1}, pred {0,0,1,2}: MI = ln 2, H(truth) = ln 2, H(pred) = 1.5 ln 2.
        // ARI: index 1, expected 2·1/6 = 1/3, max 3/2 → (1 − 1/3)/(3/2 − 1/3) = 4/7.
        let s = Scores::new(&[0, 0, 1, 1], &[0, 0, 1, 2]).unwrap();
        close(s.homogeneity, 1.0);
        close(s.completeness, 2.0 / 3.0);
        close(s.v_measure, 0.8);
        close(s.nmi, 0.8);
        close(s.ari, 4.0 / 7.0);
        close(s.purity, 1.0);
    }

    #[test]
    fn degenerate_inputs_follow_scikit_learn() {
        // One class, one cluster: a perfect (trivial) match.
        let s = Scores::new(&[1, 1, 1], &[5, 5, 5]).unwrap();
        close(s.nmi, 1.0);
        close(s.ari, 1.0);
        // Everything in one cluster: no information.
        let s = Scores::new(&[0, 0, 1, 1], &[0, 0, 0, 0]).unwrap();
        close(s.nmi, 0.0);
        close(s.ari, 0.0);
        close(s.homogeneity, 0.0);
        close(s.completeness, 1.0);
        close(s.v_measure, 0.0);
        close(s.purity, 0.5);
        // Empty input.
        let empty: [u8; 0] = [];
        close(nmi(&empty, &empty).unwrap(), 1.0);
        close(ari(&empty, &empty).unwrap(), 1.0);
        assert!(nmi(&[1, 2], &[1])
            .unwrap_err()
            .to_string()
            .contains("2 true"));
    }

    /// Values from scikit-learn 1.9.1 (`sklearn.metrics`) for fixed label vectors.
    #[test]
    fn matches_scikit_learn() {
        let truth = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3];
        let pred = [0, 0, 1, 1, 1, 1, 2, 2, 0, 2, 3, 2];
        let s = Scores::new(&truth, &pred).unwrap();
        close(s.nmi, SK_NMI);
        close(s.ari, SK_ARI);
        close(s.homogeneity, SK_H);
        close(s.completeness, SK_C);
        close(s.v_measure, SK_V);
        close(s.purity, 0.75);

        let truth = ["体育", "体育", "财经", "财经"];
        close(nmi(&truth, &[1, 1, 1, 2]).unwrap(), SK_NMI_SMALL);
        close(ari(&truth, &[1, 1, 1, 2]).unwrap(), SK_ARI_SMALL);
    }

    // scikit-learn 1.9.1: normalized_mutual_info_score, adjusted_rand_score,
    // homogeneity_completeness_v_measure on the vectors above.
    const SK_NMI: f64 = 0.6232588878069515;
    const SK_ARI: f64 = 0.3662551440329218;
    const SK_H: f64 = 0.6067545309925347;
    const SK_C: f64 = 0.6406862220494963;
    const SK_V: f64 = 0.6232588878069515;
    const SK_NMI_SMALL: f64 = 0.3437110184854508;
    const SK_ARI_SMALL: f64 = 0.0;

    #[test]
    fn unassigned_items_are_a_share_beside_the_scores_of_the_rest() {
        let s = Scores::new(&[0, 0, 1, 1], &[1, 1, 2, 2]).unwrap();
        assert_eq!(s.unassigned, 0.0);
        let s = s.with_unassigned(1);
        close(s.unassigned, 0.2);
        close(s.nmi, 1.0);
        assert_eq!(s.n, 4);
        assert_eq!(Aggregate::from(&s).unassigned, s.unassigned);
        let empty: [u8; 0] = [];
        assert_eq!(
            Scores::new(&empty, &empty)
                .unwrap()
                .with_unassigned(0)
                .unassigned,
            0.0
        );
    }

    #[test]
    fn summary_has_mean_min_max_and_stability() {
        let truth = [0, 0, 1, 1];
        let preds = vec![vec![0, 0, 1, 1], vec![0, 0, 1, 2]];
        let runs = preds
            .iter()
            .zip([1u64, 2])
            .map(|(p, seed)| Run {
                seed,
                scores: Scores::new(&truth, p).unwrap(),
            })
            .collect();
        let s = summarize(runs, &preds).unwrap();
        close(s.mean.nmi, 0.9);
        close(s.min.nmi, 0.8);
        close(s.max.nmi, 1.0);
        close(s.mean.k, 2.5);
        close(s.stability_ari, 4.0 / 7.0);
    }
}
