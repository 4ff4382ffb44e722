//! Stage 7, cluster: k-means (linfa-clustering, k-means++, seeded, several restarts) on the
//! LSA vectors, and an honest choice of k when the user asks for `--k auto`.
//!
//! `auto` tries every k in a range and keeps the one with the best mean cosine silhouette,
//! measured on a fixed, evenly spread sample of at most [`SILHOUETTE_SAMPLE`] units so the cost
//! stays linear in the corpus. Large corpora are first clustered on a sample and then refined
//! on every unit from those centres, which keeps k-means linear too.

use linfa::prelude::*;
use linfa_clustering::{KMeans, KMeansInit};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::Serialize;

use crate::error::{Error, Result};

/// How many themes to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KChoice {
    /// Exactly this many.
    Fixed(usize),
    /// Choose by silhouette over a range of candidates.
    Auto,
}

impl std::str::FromStr for KChoice {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(KChoice::Auto);
        }
        match s.parse::<usize>() {
            Ok(0) => Err("k must be at least 1 (or `auto`)".into()),
            Ok(k) => Ok(KChoice::Fixed(k)),
            Err(_) => Err(format!("expected a whole number or `auto`, got `{s}`")),
        }
    }
}

impl std::fmt::Display for KChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KChoice::Fixed(k) => write!(f, "{k}"),
            KChoice::Auto => f.write_str("auto"),
        }
    }
}

impl Serialize for KChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            KChoice::Fixed(k) => s.serialize_u64(*k as u64),
            KChoice::Auto => s.serialize_str("auto"),
        }
    }
}

/// k-means settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterOptions {
    /// How many themes.
    pub k: KChoice,
    /// Seed of every random choice (initialisation, samples).
    pub seed: u64,
    /// k-means++ restarts; the run with the lowest inertia wins.
    pub n_runs: usize,
    /// Iteration cap per run.
    pub max_iterations: u64,
    /// Largest k that `auto` tries.
    pub k_max: usize,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            k: KChoice::Auto,
            seed: 42,
            n_runs: 10,
            max_iterations: 300,
            k_max: 20,
        }
    }
}

/// Silhouette is measured on at most this many units.
pub const SILHOUETTE_SAMPLE: usize = 2000;
/// Corpora with more units are clustered on an evenly spread sample of this size first.
pub const FIT_SAMPLE: usize = 20_000;

/// The silhouette of one candidate k.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KScore {
    /// The candidate number of themes.
    pub k: usize,
    /// Mean cosine silhouette on the sample (−1 … 1, higher is better separated).
    pub silhouette: f64,
}

/// How `auto` chose k.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KSelection {
    /// The criterion, e.g. `mean cosine silhouette`.
    pub method: String,
    /// How many units the silhouette was measured on.
    pub sample_size: usize,
    /// The score of every candidate, in increasing k.
    pub candidates: Vec<KScore>,
    /// One sentence saying why the chosen k won.
    pub reason: String,
}

/// The clustering of all units.
#[derive(Debug, Clone)]
pub struct Clustering {
    /// Number of non-empty themes.
    pub k: usize,
    /// Theme of each unit; themes are numbered by size, largest first.
    pub labels: Vec<usize>,
    /// Theme centres in the LSA space (`k × dims`), in theme order.
    pub centroids: Array2<f64>,
    /// Cosine between each unit and its theme centre.
    pub scores: Vec<f64>,
    /// Present when k was chosen automatically.
    pub selection: Option<KSelection>,
}

/// Clusters the rows of `vectors` (L2-normalised) as `options` says.
pub fn cluster(vectors: &Array2<f64>, options: &ClusterOptions) -> Result<Clustering> {
    let n = vectors.nrows();
    match options.k {
        KChoice::Fixed(k) => {
            if k > n {
                return Err(Error::Settings(format!(
                    "--k {k} asks for more themes than there are units to cluster ({n}); \
                     use --k {n} or less, or --k auto"
                )));
            }
            let centroids = fit(vectors, k, options, None)?;
            Ok(finish(vectors, &centroids, None))
        }
        KChoice::Auto => {
            let (k, selection) = choose_k(vectors, options)?;
            let centroids = fit(vectors, k, options, None)?;
            Ok(finish(vectors, &centroids, Some(selection)))
        }
    }
}

/// Runs k-means from the given initial centres (guided themes): the centres are the start,
/// and k-means moves them like any other.
pub fn cluster_from(
    vectors: &Array2<f64>,
    initial: Array2<f64>,
    options: &ClusterOptions,
) -> Result<Clustering> {
    let centroids = fit(vectors, initial.nrows(), options, Some(initial))?;
    Ok(finish(vectors, &centroids, None))
}

/// A clustering grown from seed centres (guided themes) plus discovered extras.
#[derive(Debug, Clone)]
pub struct SeededClustering {
    /// The clustering; themes are numbered by size as usual.
    pub clustering: Clustering,
    /// For each theme (in theme order), the row of `seeds` it grew from; `None` for themes
    /// grown from a discovered (k-means++) centre.
    pub seed_of: Vec<Option<usize>>,
}

/// Clusters from one starting centre per row of `seeds` (guided themes) plus extra centres
/// picked by k-means++ among the units, then lets k-means move every centre, seeds included.
///
/// `options.k` is the total number of themes: a fixed k must be at least `seeds.nrows()`;
/// `auto` chooses the number of extras by mean cosine silhouette, trying totals from
/// `max(2, seeds)` to `max(k_max, seeds)`. With extras, each fit is the best (lowest inertia)
/// of `n_runs` k-means++ completions, all drawn from one generator seeded with
/// `options.seed`, so the result is deterministic. Follows every seed through the renumbering
/// by size (see [`SeededClustering::seed_of`]).
pub fn cluster_seeded(
    vectors: &Array2<f64>,
    seeds: &Array2<f64>,
    options: &ClusterOptions,
) -> Result<SeededClustering> {
    let n = vectors.nrows();
    let s = seeds.nrows();
    if s == 0 || seeds.ncols() != vectors.ncols() {
        return Err(Error::Numeric {
            stage: "guided k-means",
            reason: format!(
                "{s} seed centre(s) of width {} for vectors of width {}",
                seeds.ncols(),
                vectors.ncols()
            ),
        });
    }
    if s > n {
        return Err(Error::Settings(format!(
            "{s} named themes but only {n} unit(s) to cluster; name at most {n} themes"
        )));
    }
    let (k, selection) = match options.k {
        KChoice::Fixed(k) if k < s => {
            return Err(Error::Settings(format!(
                "--k {k} is fewer than the {s} named themes; use --k {s} or more (themes beyond \
                 the named ones are discovered), or --k auto"
            )))
        }
        KChoice::Fixed(k) if k > n => {
            return Err(Error::Settings(format!(
                "--k {k} asks for more themes than there are units to cluster ({n}); \
                 use --k {n} or less, or --k auto"
            )))
        }
        KChoice::Fixed(k) => (k, None),
        KChoice::Auto => {
            let (k, selection) = choose_k_seeded(vectors, seeds, options)?;
            (k, Some(selection))
        }
    };
    let centroids = fit_seeded(vectors, seeds, k, options)?;
    let (clustering, order) = finish_ordered(vectors, &centroids, selection);
    let seed_of = order.iter().map(|&c| (c < s).then_some(c)).collect();
    Ok(SeededClustering {
        clustering,
        seed_of,
    })
}

/// [`fit`] for seeded starts: large inputs are fitted on a sample, then refined on all rows.
fn fit_seeded(
    vectors: &Array2<f64>,
    seeds: &Array2<f64>,
    k: usize,
    options: &ClusterOptions,
) -> Result<Array2<f64>> {
    let n = vectors.nrows();
    if n > FIT_SAMPLE {
        let sample = vectors.select(Axis(0), &even_sample(n, FIT_SAMPLE));
        let start = best_seeded_run(&sample, seeds, k, options)?;
        return run_kmeans(vectors.view(), k, options, Some(start), 1);
    }
    best_seeded_run(vectors, seeds, k, options)
}

/// The lowest-inertia k-means fit over `n_runs` k-means++ completions of the seeds (one run
/// when there is nothing to complete).
fn best_seeded_run(
    vectors: &Array2<f64>,
    seeds: &Array2<f64>,
    k: usize,
    options: &ClusterOptions,
) -> Result<Array2<f64>> {
    let extras = k.saturating_sub(seeds.nrows());
    let runs = if extras == 0 {
        1
    } else {
        options.n_runs.max(1)
    };
    let mut rng = Xoshiro256Plus::seed_from_u64(options.seed);
    let mut best: Option<(f64, Array2<f64>)> = None;
    for _ in 0..runs {
        let start = plus_plus_extend(vectors, seeds, extras, &mut rng);
        let centroids = run_kmeans(vectors.view(), k, options, Some(start), 1)?;
        let cost = inertia(vectors, &centroids);
        if best.as_ref().is_none_or(|(b, _)| cost < *b) {
            best = Some((cost, centroids));
        }
    }
    best.map(|(_, c)| c).ok_or_else(|| Error::Numeric {
        stage: "guided k-means",
        reason: "no run".into(),
    })
}

/// `seeds` followed by `extras` rows of `vectors` picked by k-means++ (D² sampling: a unit is
/// picked with probability proportional to its squared distance to the nearest centre so far).
fn plus_plus_extend(
    vectors: &Array2<f64>,
    seeds: &Array2<f64>,
    extras: usize,
    rng: &mut Xoshiro256Plus,
) -> Array2<f64> {
    use rand::Rng;
    let n = vectors.nrows();
    let mut centres = seeds.clone();
    let sq = |i: usize, c: ndarray::ArrayView1<'_, f64>| {
        vectors
            .row(i)
            .iter()
            .zip(c)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
    };
    let mut d2: Vec<f64> = (0..n)
        .map(|i| {
            seeds
                .axis_iter(Axis(0))
                .map(|c| sq(i, c))
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    for _ in 0..extras {
        let total: f64 = d2.iter().sum();
        let pick = if total > 0.0 && total.is_finite() {
            let mut r = rng.gen::<f64>() * total;
            d2.iter()
                .position(|&d| {
                    r -= d;
                    r < 0.0
                })
                .unwrap_or(n - 1)
        } else {
            rng.gen_range(0..n)
        };
        let row = vectors.row(pick).to_owned();
        for (i, d) in d2.iter_mut().enumerate() {
            *d = d.min(sq(i, row.view()));
        }
        // Shapes match by construction, so this push cannot fail.
        if centres.push_row(row.view()).is_err() {
            break;
        }
    }
    centres
}

/// Sum of squared distances of the rows to their nearest centre.
fn inertia(vectors: &Array2<f64>, centroids: &Array2<f64>) -> f64 {
    assign(vectors, centroids)
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let diff = &vectors.row(i) - &centroids.row(c);
            diff.dot(&diff)
        })
        .sum()
}

/// [`choose_k`] with the seeds fixed: tries totals `max(2, s)…max(k_max, s)`.
fn choose_k_seeded(
    vectors: &Array2<f64>,
    seeds: &Array2<f64>,
    options: &ClusterOptions,
) -> Result<(usize, KSelection)> {
    let n = vectors.nrows();
    let s = seeds.nrows();
    let lo = s.max(2);
    let hi = options.k_max.max(s).min(n.saturating_sub(1));
    if n < 3 || lo > hi {
        return Ok((
            s,
            KSelection {
                method: "mean cosine silhouette".into(),
                sample_size: n,
                candidates: Vec::new(),
                reason: format!(
                    "{s} named theme(s) and {n} unit(s): no room for discovered themes"
                ),
            },
        ));
    }
    let sample_rows = even_sample(n, SILHOUETTE_SAMPLE);
    let sample = vectors.select(Axis(0), &sample_rows);
    let distances = cosine_distances(&sample);
    let fit_vectors = vectors.select(Axis(0), &even_sample(n, FIT_SAMPLE));
    let mut candidates = Vec::new();
    for k in lo..=hi {
        let centroids = best_seeded_run(&fit_vectors, seeds, k, options)?;
        let labels = assign(&sample, &centroids);
        candidates.push(KScore {
            k,
            silhouette: silhouette(&distances, &labels, k),
        });
    }
    let (best, best_score) = candidates
        .iter()
        .fold(None::<&KScore>, |best, c| match best {
            Some(b) if b.silhouette >= c.silhouette => Some(b),
            _ => Some(c),
        })
        .map_or((s, 0.0), |c| (c.k, c.silhouette));
    let reason = format!(
        "k = {best} ({s} named + {} discovered) has the highest mean cosine silhouette \
         ({best_score:.3}) of k = {lo}…{hi}, measured on {} unit(s)",
        best - s,
        sample_rows.len()
    );
    Ok((
        best,
        KSelection {
            method: "mean cosine silhouette".into(),
            sample_size: sample_rows.len(),
            candidates,
            reason,
        },
    ))
}

/// Fits k-means and returns its centres. Large inputs are fitted on a sample first and then
/// refined on all rows from the sample's centres.
fn fit(
    vectors: &Array2<f64>,
    k: usize,
    options: &ClusterOptions,
    initial: Option<Array2<f64>>,
) -> Result<Array2<f64>> {
    let n = vectors.nrows();
    if n > FIT_SAMPLE && initial.is_none() {
        let sample = vectors.select(Axis(0), &even_sample(n, FIT_SAMPLE));
        let start = run_kmeans(sample.view(), k, options, None, options.n_runs)?;
        return Ok(refine(vectors, start, REFINE_ITERATIONS));
    }
    let runs = if initial.is_some() { 1 } else { options.n_runs };
    run_kmeans(vectors.view(), k, options, initial, runs)
}

fn run_kmeans(
    records: ArrayView2<'_, f64>,
    k: usize,
    options: &ClusterOptions,
    initial: Option<Array2<f64>>,
    n_runs: usize,
) -> Result<Array2<f64>> {
    let dataset = DatasetBase::from(records.to_owned());
    let rng = Xoshiro256Plus::seed_from_u64(options.seed);
    let init = match initial {
        Some(centres) => KMeansInit::Precomputed(centres),
        None => KMeansInit::KMeansPlusPlus,
    };
    let model = KMeans::params_with_rng(k, rng)
        .n_runs(n_runs.max(1))
        .max_n_iterations(options.max_iterations.max(1))
        .tolerance(1e-6)
        .init_method(init)
        .fit(&dataset)
        .map_err(|e| Error::Numeric {
            stage: "k-means",
            reason: e.to_string(),
        })?;
    Ok(model.centroids().clone())
}

/// Assigns every row to its nearest centre, drops empty themes, numbers themes by size
/// (largest first, ties by first unit) and scores every unit by cosine to its centre.
fn finish(
    vectors: &Array2<f64>,
    centroids: &Array2<f64>,
    selection: Option<KSelection>,
) -> Clustering {
    finish_ordered(vectors, centroids, selection).0
}

/// [`finish`], also returning, for each final theme, the index of the fitted centre it came
/// from (so guided themes can follow their seed through the renumbering by size).
fn finish_ordered(
    vectors: &Array2<f64>,
    centroids: &Array2<f64>,
    selection: Option<KSelection>,
) -> (Clustering, Vec<usize>) {
    let raw = assign(vectors, centroids);
    let k_raw = centroids.nrows();
    let mut sizes = vec![0usize; k_raw];
    let mut first = vec![usize::MAX; k_raw];
    for (i, &c) in raw.iter().enumerate() {
        sizes[c] += 1;
        first[c] = first[c].min(i);
    }
    let mut order: Vec<usize> = (0..k_raw).filter(|&c| sizes[c] > 0).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(first[a].cmp(&first[b])));
    let mut rename = vec![usize::MAX; k_raw];
    for (new, &old) in order.iter().enumerate() {
        rename[old] = new;
    }
    let labels: Vec<usize> = raw.iter().map(|&c| rename[c]).collect();
    let centroids = centroids.select(Axis(0), &order);
    let norms: Vec<f64> = centroids
        .axis_iter(Axis(0))
        .map(|c| c.dot(&c).sqrt().max(f64::MIN_POSITIVE))
        .collect();
    let scores = labels
        .iter()
        .enumerate()
        .map(|(i, &c)| vectors.row(i).dot(&centroids.row(c)) / norms[c])
        .collect();
    let clustering = Clustering {
        k: order.len(),
        labels,
        centroids,
        scores,
        selection,
    };
    (clustering, order)
}

/// Lloyd iterations on every row of a large corpus after the sample fit (capped: the sample's
/// centres are already close, and each pass is linear in the corpus).
pub const REFINE_ITERATIONS: usize = 5;

/// Moves `centroids` by at most `iterations` Lloyd steps over all rows (stopping early when no
/// row changes theme). Deterministic at any thread count: sums run in row order per chunk and
/// chunks are combined in order. A centre left without rows stays where it was.
fn refine(vectors: &Array2<f64>, mut centroids: Array2<f64>, iterations: usize) -> Array2<f64> {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    let (k, dims) = centroids.dim();
    let mut labels: Vec<usize> = Vec::new();
    for _ in 0..iterations {
        let next = assign(vectors, &centroids);
        if next == labels {
            break;
        }
        labels = next;
        let partial: Vec<(Array2<f64>, Vec<usize>)> = labels
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(chunk, part)| {
                let mut sums = Array2::<f64>::zeros((k, dims));
                let mut counts = vec![0usize; k];
                for (offset, &c) in part.iter().enumerate() {
                    let mut row = sums.row_mut(c);
                    row += &vectors.row(chunk * CHUNK + offset);
                    counts[c] += 1;
                }
                (sums, counts)
            })
            .collect();
        let mut sums = Array2::<f64>::zeros((k, dims));
        let mut counts = vec![0usize; k];
        for (s, c) in partial {
            sums += &s;
            counts.iter_mut().zip(c).for_each(|(total, c)| *total += c);
        }
        for (c, &count) in counts.iter().enumerate() {
            if count > 0 {
                let mean = &sums.row(c) / count as f64;
                centroids.row_mut(c).assign(&mean);
            }
        }
    }
    centroids
}

/// Nearest centre (Euclidean; ties to the lower index) of every row.
pub fn assign(vectors: &Array2<f64>, centroids: &Array2<f64>) -> Vec<usize> {
    use rayon::prelude::*;
    let centre_norms: Vec<f64> = centroids.axis_iter(Axis(0)).map(|c| c.dot(&c)).collect();
    (0..vectors.nrows())
        .into_par_iter()
        .map(|i| {
            let row = vectors.row(i);
            let mut best = (f64::INFINITY, 0);
            for (c, centre) in centroids.axis_iter(Axis(0)).enumerate() {
                // |x - c|² = |x|² - 2 x·c + |c|²; |x|² is the same for every c.
                let d = centre_norms[c] - 2.0 * row.dot(&centre);
                if d < best.0 {
                    best = (d, c);
                }
            }
            best.1
        })
        .collect()
}

/// Tries k = 2 … k_max and keeps the best mean cosine silhouette.
fn choose_k(vectors: &Array2<f64>, options: &ClusterOptions) -> Result<(usize, KSelection)> {
    let n = vectors.nrows();
    if n < 3 {
        let k = n.max(1);
        return Ok((
            k,
            KSelection {
                method: "mean cosine silhouette".into(),
                sample_size: n,
                candidates: Vec::new(),
                reason: format!("only {n} unit(s): one theme per unit"),
            },
        ));
    }
    // Silhouette on sparse text rises slowly with k, so an unbounded search drifts to the
    // largest k tried; the classic rule of thumb k ≤ √(n/2) bounds it by the corpus size.
    let k_max = options.k_max.min(rule_of_thumb_k_max(n)).min(n - 1).max(2);
    let sample_rows = even_sample(n, SILHOUETTE_SAMPLE);
    let sample = vectors.select(Axis(0), &sample_rows);
    let distances = cosine_distances(&sample);
    // Candidates are fitted on the silhouette sample: the cost of `auto` does not grow with
    // the corpus (the chosen k is then fitted on up to FIT_SAMPLE units and refined on all).
    let fit_vectors = &sample;
    let mut candidates = Vec::new();
    for k in 2..=k_max {
        let centroids = run_kmeans(fit_vectors.view(), k, options, None, options.n_runs)?;
        let labels = assign(&sample, &centroids);
        candidates.push(KScore {
            k,
            silhouette: silhouette(&distances, &labels, k),
        });
    }
    let best = candidates
        .iter()
        .fold(None::<&KScore>, |best, c| match best {
            Some(b) if b.silhouette >= c.silhouette => Some(b),
            _ => Some(c),
        })
        .map(|c| c.k)
        .unwrap_or(2);
    let best_score = candidates
        .iter()
        .find(|c| c.k == best)
        .map_or(0.0, |c| c.silhouette);
    let reason = format!(
        "k = {best} has the highest mean cosine silhouette ({best_score:.3}) of k = 2…{k_max} \
         (k ≤ ⌈√(n/2)⌉ for n = {n} units), measured on {} unit(s)",
        sample_rows.len()
    );
    Ok((
        best,
        KSelection {
            method: "mean cosine silhouette".into(),
            sample_size: sample_rows.len(),
            candidates,
            reason,
        },
    ))
}

/// The largest k `auto` considers for `n` units: ⌈√(n/2)⌉ (at least 2), the usual rule of thumb
/// for the number of clusters.
pub fn rule_of_thumb_k_max(n: usize) -> usize {
    ((n as f64 / 2.0).sqrt().ceil() as usize).max(2)
}

/// `limit` row indices spread evenly over `0..n` (all of them when `n <= limit`).
pub fn even_sample(n: usize, limit: usize) -> Vec<usize> {
    if n <= limit {
        return (0..n).collect();
    }
    (0..limit).map(|i| i * n / limit).collect()
}

/// Pairwise cosine distances (1 − cosine) of L2-normalised rows.
fn cosine_distances(rows: &Array2<f64>) -> Array2<f64> {
    let mut d = rows.dot(&rows.t());
    d.mapv_inplace(|x| (1.0 - x).max(0.0));
    d
}

/// Mean silhouette for precomputed distances. Units alone in their cluster score 0, as in
/// scikit-learn.
pub fn silhouette(distances: &Array2<f64>, labels: &[usize], k: usize) -> f64 {
    let n = labels.len();
    if n < 2 {
        return 0.0;
    }
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    let mut total = 0.0;
    let mut sums = Array1::<f64>::zeros(k);
    for i in 0..n {
        sums.fill(0.0);
        for (j, &l) in labels.iter().enumerate() {
            sums[l] += distances[[i, j]];
        }
        let own = labels[i];
        if sizes[own] <= 1 {
            continue;
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != own && sizes[c] > 0)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            let denom = a.max(b);
            if denom > 0.0 {
                total += (b - a) / denom;
            }
        }
    }
    total / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn auto_bounds_k_by_the_square_root_rule() {
        assert_eq!(rule_of_thumb_k_max(104), 8);
        assert_eq!(rule_of_thumb_k_max(500), 16);
        assert_eq!(rule_of_thumb_k_max(3), 2);
    }

    #[test]
    fn k_choice_parses_numbers_and_auto() {
        assert_eq!("auto".parse::<KChoice>(), Ok(KChoice::Auto));
        assert_eq!("7".parse::<KChoice>(), Ok(KChoice::Fixed(7)));
        assert!("0".parse::<KChoice>().unwrap_err().contains("at least 1"));
        assert!("x".parse::<KChoice>().is_err());
    }

    #[test]
    fn silhouette_matches_hand_computation() {
        // Points on a line: {0, 1} and {10}: by hand (scikit-learn agrees) the mean is
        // ((1 - 1/10)... computed below.
        let points = [0.0f64, 1.0, 10.0];
        let d = Array2::from_shape_fn((3, 3), |(i, j)| (points[i] - points[j]).abs());
        let s = silhouette(&d, &[0, 0, 1], 2);
        // s0 = (10 - 1)/10 = 0.9, s1 = (9 - 1)/9 = 0.8889, s2 = 0 (singleton).
        assert!((s - (0.9 + 8.0 / 9.0) / 3.0).abs() < 1e-12, "{s}");
    }

    #[test]
    fn auto_finds_three_clear_groups_and_numbers_by_size() {
        // Three groups of 10 around the axes, with pseudo-random spread in every direction.
        let mut rows = Vec::new();
        let mut state = 12345u64;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.3
        };
        for i in 0..30 {
            let mut point = [noise(), noise(), noise()];
            point[i % 3] += 1.0;
            rows.extend_from_slice(&point);
        }
        rows.extend_from_slice(&[1.0, 0.02, 0.0]); // group 0 is the largest
        let mut vectors = Array2::from_shape_vec((31, 3), rows).unwrap();
        crate::reduce::normalize_rows(&mut vectors);
        let clustering = cluster(&vectors, &ClusterOptions::default()).unwrap();
        assert_eq!(clustering.k, 3);
        assert_eq!(clustering.selection.as_ref().unwrap().candidates[1].k, 3);
        assert_eq!(clustering.labels[0], 0, "largest theme is numbered 0");
        assert!(clustering
            .labels
            .chunks_exact(3)
            .all(|c| c[0] != c[1] && c[1] != c[2]));
        assert!(clustering.scores.iter().all(|&s| s > 0.8));
    }

    #[test]
    fn seeds_are_followed_through_the_renumbering_by_size() {
        // Group sizes 6 (x axis), 4 (y axis), 2 (z axis); one seed near the small z group.
        let mut rows = Vec::new();
        for (axis, count) in [(0usize, 6usize), (1, 4), (2, 2)] {
            for i in 0..count {
                let mut p = [0.05 * i as f64; 3];
                p[axis] = 1.0;
                rows.extend_from_slice(&p);
            }
        }
        let mut vectors = Array2::from_shape_vec((12, 3), rows).unwrap();
        crate::reduce::normalize_rows(&mut vectors);
        let seeds = array![[0.1, 0.0, 1.0]];
        let options = ClusterOptions {
            k: KChoice::Fixed(3),
            ..ClusterOptions::default()
        };
        let seeded = cluster_seeded(&vectors, &seeds, &options).unwrap();
        // The z group is the smallest, so theme 2 (0-based), and it grew from seed 0.
        assert_eq!(seeded.clustering.labels[10..], [2, 2]);
        assert_eq!(seeded.seed_of, vec![None, None, Some(0)]);
        let again = cluster_seeded(&vectors, &seeds, &options).unwrap();
        assert_eq!(again.clustering.labels, seeded.clustering.labels);

        let auto = ClusterOptions::default();
        let seeded = cluster_seeded(&vectors, &seeds, &auto).unwrap();
        assert_eq!(seeded.clustering.k, 3);
        assert_eq!(seeded.seed_of.iter().flatten().count(), 1);

        let too_few = ClusterOptions {
            k: KChoice::Fixed(1),
            ..ClusterOptions::default()
        };
        let two_seeds = array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
        let err = cluster_seeded(&vectors, &two_seeds, &too_few)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--k 1 is fewer than the 2 named themes"),
            "{err}"
        );
    }

    #[test]
    fn too_many_themes_is_a_clear_error() {
        let vectors = array![[1.0, 0.0], [0.0, 1.0]];
        let options = ClusterOptions {
            k: KChoice::Fixed(3),
            ..ClusterOptions::default()
        };
        let err = cluster(&vectors, &options).unwrap_err().to_string();
        assert!(err.contains("--k 3") && err.contains("(2)"), "{err}");
    }
}
