//! The kmeans stage: k-means (k-means++, seeded, several restarts; checked against
//! linfa-clustering) on the LSA vectors, and an honest choice of k when the user asks for
//! `--k auto`.
//!
//! `auto` tries every k in a range and keeps the one with the best mean cosine silhouette,
//! measured on a fixed, evenly spread sample of at most [`SILHOUETTE_SAMPLE`] units so the cost
//! stays linear in the corpus. Corpora above [`FIT_SAMPLE`] units are first clustered on a
//! sample and then refined on every unit from those centres, which keeps k-means linear too.
//!
//! This file holds the options, the result types and the entry points, and composes the parts:
//! - `init`: k-means++ seeding and the restarts (the best of `n_runs`);
//! - `lloyd`: Lloyd's iterations (linfa's update for the restarts, plain means after);
//! - `elkan`: the assignment passes, the first exhaustive, then pruned by Elkan's bounds;
//! - `choose_k`: `--k auto`: the candidate range, the judge and the one-standard-error rule;
//! - `silhouette`: the silhouettes that judge a candidate k.
//!
//! # Why the loops are written here
//!
//! linfa-clustering's `KMeans` was the first implementation. The restarts still move centres
//! as it does (its m_k-means update and stopping rule; `lloyd_matches_linfa_on_separated_groups`
//! checks the centres agree from the same start) and seed them by greedy k-means++ (better
//! than linfa's plain draw), but the loops are written by hand because linfa cannot make them
//! fast on these inputs:
//! - it measures every (row, centre) distance one pair at a time, every iteration, where one
//!   matrix product per block of rows (with precomputed norms) and then Elkan's bounds do the
//!   same work many times faster; its 10 restarts on a 20,000-unit fudan20 sample took 32 s;
//! - its restarts run one after another, each parallel over rows: on a 2,000-row sample the
//!   threads mostly wait. Here the restarts (and `auto`'s candidates) run in parallel, and only
//!   passes over many rows split the rows.
//!
//! After the restarts, centres move to plain means (the polish and refine passes). Every sum
//! runs in a fixed order over fixed blocks, so results do not depend on the number of threads.

mod choose_k;
mod elkan;
mod fitted;
mod init;
mod lloyd;
mod silhouette;

pub use fitted::KMeans;

use ndarray::{Array2, ArrayView2, Axis};
use serde::Serialize;

pub use self::choose_k::{candidate_range, rule_of_thumb_k_max, KJudge, KScore, KSelection};
pub(crate) use self::silhouette::{cosine_unit_silhouette, mean_and_std_error};
pub use self::silhouette::{silhouette, LsaSilhouette};

use self::choose_k::choose_k;
use self::init::{best_of_runs, RowDots};
use self::lloyd::{lloyd, Fit, Update};
use crate::error::{Error, Result, SettingProblem};

crate::settings::choice::number_or_auto! {
    /// How many themes to find.
    pub enum KChoice {
        fixed: "Exactly this many.",
        auto: "Choose by silhouette over a range of candidates.",
    }
}

/// k-means settings, made from checked settings only
/// ([`crate::settings::ValidSettings::cluster_options`]), so k-means never sees a k of 0 or
/// no restart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterOptions {
    /// How many themes.
    pub(crate) k: KChoice,
    /// Seed of every random choice (initialisation, samples).
    pub(crate) seed: u64,
    /// k-means++ restarts; the run with the lowest inertia wins.
    pub(crate) n_runs: usize,
    /// Iteration cap per run.
    pub(crate) max_iterations: u64,
    /// Largest k that `auto` tries.
    pub(crate) k_max: usize,
}

/// Iteration cap of one k-means run.
pub const MAX_ITERATIONS: u64 = 300;

impl ClusterOptions {
    /// Options from checked values (see [`crate::settings::ValidSettings::cluster_options`]).
    pub(crate) fn new(k: KChoice, seed: u64, n_runs: usize, k_max: usize) -> Self {
        ClusterOptions {
            k,
            seed,
            n_runs,
            max_iterations: MAX_ITERATIONS,
            k_max,
        }
    }
}

/// The default settings' options, for tests.
#[cfg(test)]
impl Default for ClusterOptions {
    fn default() -> Self {
        crate::settings::ValidSettings::default().cluster_options()
    }
}

/// Silhouette is measured on at most this many units.
pub const SILHOUETTE_SAMPLE: usize = 2000;
/// Corpora with more units are clustered on an evenly spread sample of this size first.
pub const FIT_SAMPLE: usize = 20_000;
/// Lloyd iterations on every row of a large corpus after the sample fit (capped: the sample's
/// centres are already close, and each pass is linear in the corpus).
pub const REFINE_ITERATIONS: usize = 5;

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
    /// The raw theme of every unit in each k-means restart of the final fit, in the order the
    /// restarts were drawn, when the restarts ran on every unit (corpora up to
    /// [`FIT_SAMPLE`] units); empty otherwise. The refinement on TF-IDF
    /// ([`crate::stages::refine::best_refined`]) picks among them.
    pub restarts: Vec<Vec<usize>>,
}

/// Clusters the rows of `vectors` (L2-normalised) as `options` says; `auto` judges k by
/// [`LsaSilhouette`].
pub fn cluster(vectors: &Array2<f64>, options: &ClusterOptions) -> Result<Clustering> {
    cluster_judged(vectors, options, &LsaSilhouette)
}

/// [`cluster`], with `auto` judging the candidate k by `judge`.
pub fn cluster_judged(
    vectors: &Array2<f64>,
    options: &ClusterOptions,
    judge: &dyn KJudge,
) -> Result<Clustering> {
    let no_seeds = Array2::<f64>::zeros((0, vectors.ncols()));
    match options.k {
        KChoice::Fixed(k) => {
            check_not_above_units(k, vectors.nrows())?;
            let fitted = fit(vectors, no_seeds.view(), k, options, None);
            Ok(finish(vectors, fitted, None))
        }
        KChoice::Auto => {
            let auto = choose_k(vectors, no_seeds.view(), options, judge);
            let fitted = fit(vectors, no_seeds.view(), auto.k, options, auto.fitted);
            Ok(finish(vectors, fitted, Some(auto.selection)))
        }
    }
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
/// `auto` chooses the number of extras by mean cosine silhouette over the same candidate range
/// as unguided `auto` (see [`candidate_range`]), never below the number of seeds. With extras,
/// each fit is the best (lowest inertia) of `n_runs` k-means++ completions, each drawn from its
/// own stream of a generator seeded with `options.seed`, so the result is deterministic.
/// Follows every seed through the renumbering by size (see [`SeededClustering::seed_of`]).
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
        return Err(Error::TooManyNamedThemes { named: s, units: n });
    }
    let (k, fitted, selection) = match options.k {
        KChoice::Fixed(k) if k < s => {
            return Err(Error::Setting {
                setting: crate::settings::defs::K.name,
                value: k.to_string(),
                problem: SettingProblem::FewerThanNamedThemes {
                    named: s,
                    file: None,
                },
            })
        }
        KChoice::Fixed(k) => {
            check_not_above_units(k, n)?;
            (k, None, None)
        }
        KChoice::Auto => {
            let auto = choose_k(vectors, seeds.view(), options, &LsaSilhouette);
            (auto.k, auto.fitted, Some(auto.selection))
        }
    };
    let fitted = fit(vectors, seeds.view(), k, options, fitted);
    let (clustering, order) = finish_ordered(vectors, fitted, selection);
    let seed_of = order.iter().map(|&c| (c < s).then_some(c)).collect();
    Ok(SeededClustering {
        clustering,
        seed_of,
    })
}

/// The error for a fixed k above the number of units.
pub(crate) fn check_not_above_units(k: usize, n: usize) -> Result<()> {
    if k > n {
        return Err(Error::Setting {
            setting: crate::settings::defs::K.name,
            value: k.to_string(),
            problem: SettingProblem::MoreThemesThanUnits { units: n },
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Fitting: restarts on a sample, then polish on more rows. Every sum runs in a fixed order over
// fixed blocks, so results do not depend on the number of threads.
// ---------------------------------------------------------------------------------------------

/// Restarts on corpora above [`FIT_SAMPLE`] units use at least this many units per theme.
const RESTART_UNITS_PER_THEME: usize = 50;

/// Fits `k` centres (starting with `seeds`) to all rows: the best of `n_runs` k-means++ starts
/// on [`restart_rows`] evenly spread rows, then [`polish`]ed on the rest. `fitted` is that best
/// fit, with its number of rows, when the caller already has it (`auto` fits every candidate k
/// on its sample the same way).
fn fit(
    vectors: &Array2<f64>,
    seeds: ArrayView2<'_, f64>,
    k: usize,
    options: &ClusterOptions,
    fitted: Option<(usize, Fit)>,
) -> Fit {
    let n = vectors.nrows();
    let m = restart_rows(n, k);
    let start = match fitted {
        Some((rows, fit)) if rows == m && fit.centroids.nrows() == k => fit,
        _ => with_sample(vectors, m, |rows| {
            best_of_runs(&RowDots::new(rows), seeds, k, options)
        }),
    };
    if m >= n {
        return start;
    }
    polish(vectors, start.centroids, m, options)
}

/// How many evenly spread rows the restarts of a fit run on: every row up to [`FIT_SAMPLE`];
/// above it the silhouette sample (so `auto` reuses its candidate fits), grown to at least
/// [`RESTART_UNITS_PER_THEME`] rows per theme.
fn restart_rows(n: usize, k: usize) -> usize {
    if n <= FIT_SAMPLE {
        n
    } else {
        SILHOUETTE_SAMPLE
            .max(k.saturating_mul(RESTART_UNITS_PER_THEME))
            .min(n)
    }
}

/// Continues from centres fitted on `fitted` evenly spread rows: Lloyd iterations until no row
/// changes theme on up to [`FIT_SAMPLE`] rows, then, on larger corpora, at most
/// [`REFINE_ITERATIONS`] over every row (each is linear in the corpus, and the sample's centres
/// are already close).
fn polish(
    vectors: &Array2<f64>,
    mut centroids: Array2<f64>,
    fitted: usize,
    options: &ClusterOptions,
) -> Fit {
    let n = vectors.nrows();
    let sample = n.min(FIT_SAMPLE);
    if sample < n && fitted < sample {
        centroids = with_sample(vectors, sample, |rows| {
            lloyd(rows, centroids, max_iterations(options), Update::Mean).centroids
        });
    }
    let iterations = if sample < n {
        REFINE_ITERATIONS
    } else {
        max_iterations(options)
    };
    lloyd(vectors.view(), centroids, iterations, Update::Mean)
}

/// Calls `f` on `m` evenly spread rows of `vectors` (a view of all of them when `m >= n`).
fn with_sample<T>(vectors: &Array2<f64>, m: usize, f: impl FnOnce(ArrayView2<'_, f64>) -> T) -> T {
    let n = vectors.nrows();
    if m >= n {
        f(vectors.view())
    } else {
        f(vectors.select(Axis(0), &even_sample(n, m)).view())
    }
}

/// `limit` row indices spread evenly over `0..n` (all of them when `n <= limit`).
pub fn even_sample(n: usize, limit: usize) -> Vec<usize> {
    if n <= limit {
        return (0..n).collect();
    }
    (0..limit).map(|i| i * n / limit).collect()
}

/// The iteration cap of `options` as a count.
fn max_iterations(options: &ClusterOptions) -> usize {
    usize::try_from(options.max_iterations).unwrap_or(usize::MAX)
}

/// Nearest centre (Euclidean; ties to the lower index) of every row.
pub fn assign(vectors: &Array2<f64>, centroids: &Array2<f64>) -> Vec<usize> {
    lloyd(vectors.view(), centroids.clone(), 0, Update::Mean).labels
}

/// Numbers the themes of `fit` by size (largest first, ties by first unit), dropping empty ones,
/// and scores every unit by cosine to its centre.
fn finish(vectors: &Array2<f64>, fit: Fit, selection: Option<KSelection>) -> Clustering {
    finish_ordered(vectors, fit, selection).0
}

/// [`finish`], also returning, for each final theme, the index of the fitted centre it came
/// from (so guided themes can follow their seed through the renumbering by size).
fn finish_ordered(
    vectors: &Array2<f64>,
    fit: Fit,
    selection: Option<KSelection>,
) -> (Clustering, Vec<usize>) {
    let Fit {
        centroids,
        labels: raw,
        restarts,
        ..
    } = fit;
    let (mut clustering, order) = number_by_size(vectors, &raw, centroids, selection);
    clustering.restarts = restarts;
    (clustering, order)
}

/// The clustering given by `labels` (any theme numbers): themes are renumbered by size and
/// each centre is the mean of its units' vectors. Used after the TF-IDF refinement
/// ([`crate::stages::refine`]), which moves units without moving LSA centres.
pub fn from_labels(
    vectors: &Array2<f64>,
    labels: &[usize],
    selection: Option<KSelection>,
) -> Clustering {
    use rayon::prelude::*;
    let k_raw = labels.iter().max().map_or(0, |&m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k_raw];
    for (row, &theme) in labels.iter().enumerate() {
        members[theme].push(row);
    }
    let mut centroids = Array2::<f64>::zeros((k_raw, vectors.ncols()));
    // Themes in parallel, each summing its own rows in row order (as one pass over the rows
    // would), so the centres do not depend on the number of threads.
    centroids
        .axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(&members)
        .for_each(|(mut centre, rows)| {
            for &row in rows {
                centre += &vectors.row(row);
            }
            if !rows.is_empty() {
                centre /= rows.len() as f64;
            }
        });
    number_by_size(vectors, labels, centroids, selection).0
}

/// Renumbers the themes of `raw` by size (largest first, ties by first unit), drops empty
/// ones and scores every unit by its cosine to its theme's centre. Also returns, for each
/// final theme, the index of the centre it came from.
fn number_by_size(
    vectors: &Array2<f64>,
    raw: &[usize],
    centroids: Array2<f64>,
    selection: Option<KSelection>,
) -> (Clustering, Vec<usize>) {
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
    let scores = {
        use rayon::prelude::*;
        labels
            .par_iter()
            .enumerate()
            .with_min_len(1024)
            .map(|(i, &c)| vectors.row(i).dot(&centroids.row(c)) / norms[c])
            .collect()
    };
    let clustering = Clustering {
        k: order.len(),
        labels,
        centroids,
        scores,
        selection,
        restarts: Vec::new(),
    };
    (clustering, order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Points around `groups` directions in `dims` dimensions, L2-normalised, with
    /// pseudo-random spread.
    pub(super) fn blobs(groups: usize, per_group: usize, dims: usize, spread: f64) -> Array2<f64> {
        let mut state = 987654321u64;
        let mut noise = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * spread
        };
        let mut v = Array2::from_shape_fn((groups * per_group, dims), |_| noise());
        for (i, mut row) in v.rows_mut().into_iter().enumerate() {
            row[i % groups] += 1.0;
        }
        crate::stages::lsa::normalize_rows(&mut v);
        v
    }

    #[test]
    fn large_inputs_are_the_same_at_any_thread_count() {
        // Above FIT_SAMPLE, so the sample fit, the parallel passes and refine all run.
        let v = blobs(5, FIT_SAMPLE / 5 + 300, 10, 2.0);
        let options = ClusterOptions {
            k: KChoice::Fixed(5),
            n_runs: 3,
            ..ClusterOptions::default()
        };
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| cluster(&v, &options).unwrap())
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one.labels, two.labels);
        assert_eq!(one.centroids, two.centroids);
        assert_eq!(one.k, 5);
    }

    #[test]
    fn k_choice_parses_numbers_and_auto() {
        assert_eq!("auto".parse::<KChoice>(), Ok(KChoice::Auto));
        assert_eq!("7".parse::<KChoice>(), Ok(KChoice::Fixed(7)));
        // Parsing reads the number; the check that 0 cannot work is the setting's
        // (`settings::defs::K`).
        assert_eq!("0".parse::<KChoice>(), Ok(KChoice::Fixed(0)));
        assert!(crate::settings::defs::K
            .parse("0")
            .unwrap_err()
            .contains("at least one theme"));
        assert!("x".parse::<KChoice>().is_err());
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
        crate::stages::lsa::normalize_rows(&mut vectors);
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
        crate::stages::lsa::normalize_rows(&mut vectors);
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
