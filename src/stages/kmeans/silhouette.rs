//! Silhouettes: the definition on a distance matrix ([`silhouette`]), and the cosine
//! silhouette of L2-normalised rows from each theme's row sum, linear in the rows, that judges
//! a candidate k ([`LsaSilhouette`]; refine's TF-IDF judge shares its per-unit formula).

use ndarray::{Array1, Array2, ArrayView2};

use super::KJudge;

/// Mean cosine silhouette of the partition in the LSA space.
pub struct LsaSilhouette;

impl KJudge for LsaSilhouette {
    fn method(&self) -> String {
        "mean cosine silhouette".into()
    }

    fn score(
        &self,
        _rows: &[usize],
        sample: ArrayView2<'_, f64>,
        labels: &[usize],
        k: usize,
    ) -> (f64, f64) {
        cosine_silhouette(sample, labels, k)
    }
}

/// Mean cosine silhouette of L2-normalised `rows` labelled `labels` (the same number as
/// [`silhouette`] on the cosine distances 1 − x·y, up to rounding). Uses Σ_{j∈c} (1 − x·y_j)
/// = |c| − x·S_c with S_c the sum of cluster c's rows, so the cost is rows × k × dims rather
/// than rows². Also returns the standard error of the mean (see [`KScore::std_error`](super::KScore::std_error)).
fn cosine_silhouette(rows: ArrayView2<'_, f64>, labels: &[usize], k: usize) -> (f64, f64) {
    let n = labels.len();
    if n < 2 || rows.nrows() != n {
        return (0.0, 0.0);
    }
    let mut sizes = vec![0usize; k];
    let mut sums = Array2::<f64>::zeros((k, rows.ncols()));
    for (row, &l) in rows.rows().into_iter().zip(labels) {
        sizes[l] += 1;
        sums.row_mut(l).scaled_add(1.0, &row);
    }
    let dots = rows.dot(&sums.t());
    let (mut total, mut squares) = (0.0, 0.0);
    for ((row, dots), &own) in rows.rows().into_iter().zip(dots.rows()).zip(labels) {
        if let Some(s) = cosine_unit_silhouette(own, &sizes, |c| dots[c], row.dot(&row)) {
            total += s;
            squares += s * s;
        }
    }
    mean_and_std_error(total, squares, n)
}

/// One unit's cosine silhouette from its dot product with each theme's row sum (`dot_with`)
/// and with itself: Σ_{j∈c} (1 − x·y_j) = |c| − x·S_c, leaving the unit itself out of its own
/// theme (its distance to itself, 1 − x·x, is 0 up to rounding). `None` when its theme has no
/// other unit. Shared by the LSA and the sparse TF-IDF silhouettes.
pub(crate) fn cosine_unit_silhouette(
    own: usize,
    sizes: &[usize],
    dot_with: impl Fn(usize) -> f64,
    self_dot: f64,
) -> Option<f64> {
    if sizes[own] <= 1 {
        return None;
    }
    let a = (sizes[own] as f64 - dot_with(own) - (1.0 - self_dot)) / (sizes[own] - 1) as f64;
    Some(unit_silhouette(a, own, sizes, |c| {
        (sizes[c] as f64 - dot_with(c)) / sizes[c] as f64
    }))
}

/// The mean of `n` values and its standard error, from their sum and sum of squares.
pub(crate) fn mean_and_std_error(total: f64, squares: f64, n: usize) -> (f64, f64) {
    if n < 2 {
        return (total, 0.0);
    }
    let mean = total / n as f64;
    let variance = (squares / n as f64 - mean * mean).max(0.0) * n as f64 / (n - 1) as f64;
    (mean, (variance / n as f64).sqrt())
}

/// One unit's silhouette `(b − a) / max(a, b)` from its mean distance `a` to its own cluster
/// and `mean_distance_to(c)` for the others (`b` is the nearest of them); 0 when undefined.
fn unit_silhouette(
    a: f64,
    own: usize,
    sizes: &[usize],
    mean_distance_to: impl Fn(usize) -> f64,
) -> f64 {
    let b = (0..sizes.len())
        .filter(|&c| c != own && sizes[c] > 0)
        .map(mean_distance_to)
        .fold(f64::INFINITY, f64::min);
    let denom = a.max(b);
    if b.is_finite() && denom > 0.0 {
        (b - a) / denom
    } else {
        0.0
    }
}

/// Mean silhouette for precomputed distances (the definition; `auto` computes the cosine case
/// without the distance matrix). Units alone in their cluster score 0, as in scikit-learn.
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
        total += unit_silhouette(a, own, &sizes, |c| sums[c] / sizes[c] as f64);
    }
    total / n as f64
}

#[cfg(test)]
mod tests {
    use ndarray::Axis;

    use super::super::lloyd::{lloyd, Update};
    use super::super::tests::blobs;
    use super::*;

    #[test]
    fn cosine_silhouette_matches_the_definition() {
        let v = blobs(3, 20, 6, 1.5);
        let fit = lloyd(v.view(), v.select(Axis(0), &[0, 1, 2]), 300, Update::Mean);
        let mut d = v.dot(&v.t());
        d.mapv_inplace(|x| (1.0 - x).max(0.0));
        let (fast, std_error) = cosine_silhouette(v.view(), &fit.labels, 3);
        let slow = silhouette(&d, &fit.labels, 3);
        assert!((fast - slow).abs() < 1e-12, "{fast} vs {slow}");
        // The standard error of the mean of the 60 units' silhouettes, from the definition.
        let units: Vec<f64> = (0..60)
            .map(|i| {
                let own = fit.labels[i];
                let mean_to = |c: usize| {
                    let (sum, count) = (0..60)
                        .filter(|&j| j != i && fit.labels[j] == c)
                        .fold((0.0, 0), |(s, n), j| (s + d[[i, j]], n + 1));
                    sum / count as f64
                };
                let a = mean_to(own);
                let b = (0..3)
                    .filter(|&c| c != own)
                    .map(mean_to)
                    .fold(f64::MAX, f64::min);
                (b - a) / a.max(b)
            })
            .collect();
        let mean = units.iter().sum::<f64>() / 60.0;
        let var = units.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / 59.0;
        assert!(
            (std_error - (var / 60.0).sqrt()).abs() < 1e-9,
            "{std_error}"
        );
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
}
