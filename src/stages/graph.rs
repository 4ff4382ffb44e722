//! Long-article themes: spectral clustering on the units' nearest-neighbour graph (Ng, Jordan &
//! Weiss 2001 on a k-NN graph, as scikit-learn's `SpectralClustering(affinity =
//! "nearest_neighbors")` builds it), the alternative to k-means on the LSA vectors that
//! `--method graph` selects.
//!
//! k-means on LSA vectors draws straight borders between centres: a big class of long articles
//! that spreads along several directions (a journal's economics papers: trade, finance, farm
//! prices) is cut into pieces of equal spread, while a thin class lying between two big ones is
//! shared out among them. The graph keeps only what each unit is *near*: two units are linked
//! when either is among the other's [`NEIGHBOURS`] most similar (cosine of their LSA vectors),
//! with a weight that falls with their distance on the scale of each one's own neighbourhood
//! (`exp(-d² / σᵢσⱼ)`, σ the distance to the farthest of its neighbours: the "self-tuning"
//! weights of Zelnik-Manor & Perona 2004, so dense and sparse regions link alike), and the
//! leading eigenvectors of the normalised graph place every unit by the community its
//! neighbourhood belongs to. k-means on those eigenvectors (rows L2-normalised) gives the themes.
//!
//! When it helps (measured, docs/quality.md): on many article-length units. fudan20's 8,133
//! journal articles at k = 20 score NMI 0.623 against LSA + k-means's 0.581 (seeds 0–4), and
//! random samples of 1,000–4,000 of them, or the articles cut to their first 480 characters
//! (median 83 terms), gain 0.013–0.024; 500 articles (thucnews-dev, fudan20 samples) tie or
//! lose up to 0.05, and so do units of 16–46 terms (paragraphs, the articles cut to 220 or 300
//! characters) and headlines. [`unsuited`] is that rule.
//!
//! Hand-written because no well-kept Rust crate does it on our data: linfa has no spectral
//! clustering, the sparse eigensolvers on crates.io either bind LAPACK/ARPACK (system libraries)
//! or are unmaintained, and what is needed is short: an exact k-NN search (dense products in
//! blocks), a symmetric sparse matrix, and subspace iteration with a Rayleigh–Ritz step whose
//! small eigenproblems linfa-linalg solves. Every parallel loop computes rows independently and
//! every sum runs in a fixed order, so the result does not depend on the thread count.
//!
//! The k-NN search is exact and quadratic in the units, so the pipeline uses the graph only up to
//! [`MAX_UNITS`] units.

use linfa_linalg::eigh::Eigh;
use ndarray::{s, Array2, Axis};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::error::{Error, Result};

/// Neighbours each unit links to (before the links are made symmetric). 7 and 15 score a
/// little lower on fudan20, 12 the same.
pub const NEIGHBOURS: usize = 10;
/// Most units the graph is built for: the exact neighbour search costs `units² × dims`
/// (30,000 units of 100 dims: 90 G multiply-adds; 29,984 short articles took 5 s more than
/// LSA + k-means on two cores, 250 MB peak).
pub const MAX_UNITS: usize = 30_000;
/// `--method auto` picks the graph only for at least this many units: on 500 units (25–50 per
/// theme) the neighbourhoods cross themes and LSA + k-means does as well or better
/// (thucnews-dev −0.047; two 500-article draws of fudan20 −0.017 and +0.004).
pub const MIN_UNITS: usize = 1_000;
/// `--method auto` picks the graph only when the median unit keeps at least this many term
/// occurrences: fudan20's articles cut to a median of 28 or 46 terms lose 0.02 with it, at 63
/// it ties, at 83 it gains 0.02, at 108 0.03.
pub const LONG_UNIT_TERMS: usize = 64;
/// Extra vectors the subspace iteration carries beyond the k it returns (faster convergence).
const OVERSAMPLE: usize = 16;
/// Subspace iterations (each one sparse product, then an orthonormalisation): 150 leave the
/// eigenvectors unsettled (fudan20's NMI varies by 0.02 with the seed), 300 to 1,000 agree.
const ITERATIONS: usize = 300;
/// Rows per block of the neighbour search's dense products.
const BLOCK: usize = 256;

/// A symmetric sparse matrix in compressed rows (`cols` sorted within each row).
struct Graph {
    offsets: Vec<usize>,
    cols: Vec<u32>,
    weights: Vec<f64>,
}

impl Graph {
    fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.cols[r.clone()], &self.weights[r])
    }
}

/// Why `--method auto` does not pick the graph for `units` units whose median keeps
/// `median_terms` term occurrences (see the module notes), as a clause that follows "the median
/// unit keeps N terms" ("fewer than the 64 for graph"); `None` when it picks it.
pub fn unsuited(units: usize, median_terms: usize) -> Option<String> {
    if median_terms < LONG_UNIT_TERMS {
        Some(format!("fewer than the {LONG_UNIT_TERMS} for graph"))
    } else if units < MIN_UNITS {
        Some(format!(
            "and {units} units are fewer than the {MIN_UNITS} graph needs"
        ))
    } else if units > MAX_UNITS {
        Some(format!(
            "and {units} units are more than the {MAX_UNITS} graph links"
        ))
    } else {
        None
    }
}

/// Each row's `m` most similar other rows of `vectors` (L2-normalised), most similar first, ties
/// to the lower row; a negative similarity is kept as 0.
fn neighbours(vectors: &Array2<f64>, m: usize) -> Vec<Vec<(u32, f64)>> {
    let n = vectors.nrows();
    let m = m.min(n.saturating_sub(1));
    let starts: Vec<usize> = (0..n).step_by(BLOCK).collect();
    starts
        .into_par_iter()
        .flat_map_iter(|start| {
            let end = (start + BLOCK).min(n);
            let block = vectors.slice(s![start..end, ..]);
            let sims = block.dot(&vectors.t());
            (start..end)
                .map(|i| {
                    let row = sims.row(i - start);
                    let mut best: Vec<(u32, f64)> = Vec::with_capacity(m + 1);
                    for (j, &sim) in row.iter().enumerate() {
                        if j == i {
                            continue;
                        }
                        if best.len() == m && sim <= best[m - 1].1 {
                            continue;
                        }
                        let at = best.partition_point(|&(_, s)| s >= sim);
                        best.insert(at, (j as u32, sim));
                        best.truncate(m);
                    }
                    best.into_iter().map(|(j, s)| (j, s.max(0.0))).collect()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The symmetric k-NN graph: `i` and `j` linked when either is among the other's neighbours,
/// weighted `exp(-d² / σᵢσⱼ)` (`d² = 2 − 2 cos` between unit vectors, σ a unit's distance to
/// its farthest neighbour), normalised as `D^-1/2 W D^-1/2`.
fn normalised_graph(near: &[Vec<(u32, f64)>]) -> Graph {
    let n = near.len();
    let squared = |cos: f64| (2.0 - 2.0 * cos).max(0.0);
    // A unit whose neighbours are all exact copies has σ = 0: a tiny floor keeps it linked.
    let sigma: Vec<f64> = near
        .iter()
        .map(|row| {
            row.last()
                .map_or(1.0, |&(_, cos)| squared(cos).sqrt().max(1e-6))
        })
        .collect();
    let mut links: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
    for (i, row) in near.iter().enumerate() {
        for &(j, cos) in row {
            let w = (-squared(cos) / (sigma[i] * sigma[j as usize])).exp();
            links[i].push((j, w));
            links[j as usize].push((i as u32, w));
        }
    }
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0);
    let mut cols = Vec::new();
    let mut weights = Vec::new();
    for row in &mut links {
        // A link both ways appears twice with the same weight: keep one.
        row.sort_by_key(|a| a.0);
        row.dedup_by_key(|e| e.0);
        for &(j, w) in row.iter() {
            cols.push(j);
            weights.push(w);
        }
        offsets.push(cols.len());
    }
    let mut graph = Graph {
        offsets,
        cols,
        weights,
    };
    let degree: Vec<f64> = (0..n)
        .map(|i| graph.row(i).1.iter().sum::<f64>())
        .map(|d: f64| if d > 0.0 { d.sqrt().recip() } else { 0.0 })
        .collect();
    for i in 0..n {
        let r = graph.offsets[i]..graph.offsets[i + 1];
        for e in r {
            let j = graph.cols[e] as usize;
            graph.weights[e] *= degree[i] * degree[j];
        }
    }
    graph
}

/// `(I + G) / 2 · y`, row by row: the shift keeps every eigenvalue in [0, 1], so the largest in
/// magnitude are the largest of `G`.
fn shifted_times(graph: &Graph, y: &Array2<f64>) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros(y.raw_dim());
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut row)| {
            let (cols, weights) = graph.row(i);
            row.assign(&y.row(i));
            for (&j, &w) in cols.iter().zip(weights) {
                row.scaled_add(w, &y.row(j as usize));
            }
            row *= 0.5;
        });
    out
}

/// An orthonormal basis of `y`'s columns (`y · U Λ^-1/2` from the Gram matrix's eigenvectors).
fn orthonormal(y: &Array2<f64>) -> Result<Array2<f64>> {
    let gram = y.t().dot(y);
    let (vals, vecs) = gram.eigh().map_err(numeric)?;
    let top = vals.iter().copied().fold(0.0f64, f64::max);
    let mut scale = vecs;
    for (mut column, &v) in scale.axis_iter_mut(Axis(1)).zip(vals.iter()) {
        let v = if v > top * 1e-12 { v } else { f64::INFINITY };
        column /= v.sqrt();
    }
    Ok(y.dot(&scale))
}

fn numeric(e: impl std::fmt::Display) -> Error {
    Error::Numeric {
        stage: "graph",
        reason: format!("eigen-decomposition failed: {e}"),
    }
}

/// The spectral embedding of `vectors`' rows (L2-normalised LSA vectors): the `dims` leading
/// eigenvectors of the normalised k-NN graph, one row per unit, rows L2-normalised for k-means.
pub fn embed(vectors: &Array2<f64>, dims: usize, seed: u64) -> Result<Array2<f64>> {
    let n = vectors.nrows();
    let width = (dims + OVERSAMPLE).min(n);
    let graph = normalised_graph(&neighbours(vectors, NEIGHBOURS));
    debug_assert_eq!(graph.rows(), n);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x6772_6170_6821);
    let mut y = Array2::from_shape_simple_fn((n, width), || StandardNormal.sample(&mut rng));
    y = orthonormal(&y)?;
    for _ in 0..ITERATIONS {
        y = orthonormal(&shifted_times(&graph, &y))?;
    }
    // Rayleigh–Ritz: the small projected problem orders the basis into eigenvectors (largest
    // first; a column's sign does not move k-means, which sees only distances).
    let projected = y.t().dot(&shifted_times(&graph, &y));
    let (_, vecs) = crate::stages::lsa::sorted_eigh_in(&projected, "graph")?;
    let mut embedded = y.dot(&vecs.slice(s![.., ..dims.min(width)]));
    crate::stages::lsa::normalize_rows(&mut embedded);
    Ok(embedded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn unit_rows(mut a: Array2<f64>) -> Array2<f64> {
        crate::stages::lsa::normalize_rows(&mut a);
        a
    }

    #[test]
    fn neighbours_are_the_most_similar_other_rows_ties_to_the_lower() {
        let v = unit_rows(array![
            [1.0, 0.0],
            [1.0, 0.1],
            [1.0, 0.1],
            [0.0, 1.0],
            [-1.0, 0.0],
        ]);
        let near = neighbours(&v, 2);
        let ids = |i: usize| near[i].iter().map(|&(j, _)| j).collect::<Vec<_>>();
        assert_eq!(ids(0), vec![1, 2], "rows 1 and 2 tie: the lower first");
        assert_eq!(ids(1), vec![2, 0]);
        assert_eq!(ids(3), vec![1, 2]);
        // Row 4 points away from everything: its similarities are negative and kept as 0.
        assert!(near[4].iter().all(|&(_, s)| s == 0.0), "{:?}", near[4]);
        // Never more neighbours than other rows.
        assert_eq!(neighbours(&v, 9)[0].len(), 4);
    }

    #[test]
    fn the_graph_is_symmetric_and_normalised() {
        let v = unit_rows(array![
            [1.0, 0.0],
            [0.9, 0.1],
            [0.1, 0.9],
            [0.0, 1.0],
            [0.5, 0.5]
        ]);
        let g = normalised_graph(&neighbours(&v, 2));
        let weight = |i: usize, j: usize| {
            let (cols, ws) = g.row(i);
            cols.iter().position(|&c| c as usize == j).map(|p| ws[p])
        };
        for i in 0..g.rows() {
            let (cols, ws) = g.row(i);
            assert!(
                cols.windows(2).all(|w| w[0] < w[1]),
                "sorted, no duplicates"
            );
            assert!(!cols.contains(&(i as u32)), "no self-links");
            for (&j, &w) in cols.iter().zip(ws) {
                assert!(w > 0.0 && w <= 1.0);
                assert_eq!(weight(j as usize, i), Some(w), "{i}–{j} both ways");
            }
        }
    }

    /// Two groups of points around two directions, and a third between them that k-means on
    /// the raw vectors would split: the embedding puts each group on one point.
    #[test]
    fn the_embedding_gives_each_connected_group_one_direction() {
        let mut rows = Vec::new();
        for g in 0..3 {
            for i in 0..30 {
                let t = (i as f64) * 0.002;
                let mut r = [0.01; 6];
                r[2 * g] = 1.0 - t;
                r[2 * g + 1] = t;
                rows.extend_from_slice(&r);
            }
        }
        let v = unit_rows(Array2::from_shape_vec((90, 6), rows).unwrap());
        let e = embed(&v, 3, 7).unwrap();
        assert_eq!(e.dim(), (90, 3));
        let cos = |a: usize, b: usize| e.row(a).dot(&e.row(b));
        for g in 0..3 {
            for i in 0..30 {
                let (a, b) = (30 * g, 30 * g + i);
                assert!(cos(a, b) > 0.99, "group {g}: unit {b} {}", cos(a, b));
            }
            let other = 30 * ((g + 1) % 3);
            assert!(
                cos(30 * g, other) < 0.5,
                "groups {g} apart: {}",
                cos(30 * g, other)
            );
        }
        // Seeded: the same seed gives the same embedding.
        assert_eq!(e, embed(&v, 3, 7).unwrap());
    }

    #[test]
    fn auto_suits_many_long_units_only() {
        let suits = |units, median| unsuited(units, median).is_none();
        assert!(suits(8_133, 1_012), "fudan20's articles");
        assert!(suits(MIN_UNITS, LONG_UNIT_TERMS));
        assert!(!suits(495, 158), "thucnews-dev: too few units");
        assert!(!suits(10_000, 3), "headlines: too short");
        assert!(!suits(MAX_UNITS + 1, 500), "too many to link");
        assert!(!suits(5_000, LONG_UNIT_TERMS - 1));
    }
}
