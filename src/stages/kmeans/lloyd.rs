//! Lloyd's iterations: assign every row to its nearest centre (see `elkan`), move the centres,
//! repeat. The restarts move centres as linfa-clustering does (its update and stopping rule),
//! the later passes to plain means.

use ndarray::{Array2, ArrayView2, Axis};

use super::elkan::{assign_all, assign_bounded, PARALLEL_ROWS};

/// Centres, the nearest of them (Euclidean; ties to the lower index) for every row, and the
/// inertia (sum of squared distances of the rows to their centre). A fit picked from restarts
/// also keeps every restart's labels on the same rows (in draw order).
pub(super) struct Fit {
    pub(super) centroids: Array2<f64>,
    pub(super) labels: Vec<usize>,
    pub(super) inertia: f64,
    pub(super) restarts: Vec<Vec<usize>>,
}

/// How [`lloyd`] moves the centres after each assignment, and when it stops.
#[derive(Debug, Clone, Copy)]
pub(super) enum Update {
    /// To the mean of their rows; stop when no row changes theme.
    Mean,
    /// linfa-clustering's update (m_k-means: the old centre counts as one more row); stop when
    /// the centres moved less than `tolerance` in all (Frobenius norm). The restarts use it, so
    /// they find what linfa found before and `auto` keeps choosing the same k.
    Linfa { tolerance: f64 },
}

/// The tolerance the linfa fits used before the loops were written here.
pub(super) const LINFA_TOLERANCE: f64 = 1e-6;

/// Lloyd's k-means from `centroids`: assign every row to its nearest centre, move the centres
/// as `update` says, and repeat until it says stop or after `max_moves` moves; the labels
/// returned are those of the centres returned. A centre left without rows stays where it was.
///
/// The first assignment measures every distance (a matrix product per block); after it, Elkan's
/// bounds skip most of them: each row keeps an upper bound on the distance to its centre and a
/// lower bound on the distance to every other centre, moved by how far the centres moved, and
/// only pairs whose bounds overlap are measured again. Centre sums are then updated by the rows
/// that changed theme, in row order.
pub(super) fn lloyd(
    rows: ArrayView2<'_, f64>,
    mut centroids: Array2<f64>,
    max_moves: usize,
    update: Update,
) -> Fit {
    let row_norms: Vec<f64> = if rows.nrows() >= PARALLEL_ROWS {
        use rayon::prelude::*;
        rows.axis_iter(Axis(0))
            .into_par_iter()
            .map(|r| r.dot(&r))
            .collect()
    } else {
        rows.rows().into_iter().map(|r| r.dot(&r)).collect()
    };
    let norms_total: f64 = row_norms.iter().sum();
    // Σ |x − c|² over the rows of c is Σ |x|² − 2 c·S + n |c|², with S the sum of those rows.
    let inertia_of = |centroids: &Array2<f64>, sums: &Array2<f64>, counts: &[usize]| {
        let mut total = norms_total;
        for ((centre, sum), &count) in centroids.rows().into_iter().zip(sums.rows()).zip(counts) {
            total += count as f64 * centre.dot(&centre) - 2.0 * centre.dot(&sum);
        }
        total.max(0.0)
    };
    let (mut bounds, mut sums, mut counts) = assign_all(rows, &row_norms, &centroids);
    let mut inertia = inertia_of(&centroids, &sums, &counts);
    for _ in 0..max_moves {
        let mut shifts = vec![0.0; centroids.nrows()];
        for (c, &count) in counts.iter().enumerate() {
            let next = match update {
                Update::Mean if count == 0 => continue,
                Update::Mean => &sums.row(c) / count as f64,
                Update::Linfa { .. } => (&sums.row(c) + &centroids.row(c)) / (count + 1) as f64,
            };
            let step = &next - &centroids.row(c);
            shifts[c] = step.dot(&step).sqrt();
            centroids.row_mut(c).assign(&next);
        }
        let moves = assign_bounded(rows, &row_norms, &centroids, &shifts, &mut bounds);
        for &(i, from, to) in &moves {
            let row = rows.row(i);
            sums.row_mut(from).scaled_add(-1.0, &row);
            sums.row_mut(to).scaled_add(1.0, &row);
            counts[from] -= 1;
            counts[to] += 1;
        }
        match update {
            Update::Mean if moves.is_empty() => break,
            Update::Mean => {}
            // linfa reports the inertia of the assignment before its last move.
            Update::Linfa { tolerance } => {
                if shifts.iter().map(|s| s * s).sum::<f64>().sqrt() < tolerance {
                    break;
                }
                inertia = inertia_of(&centroids, &sums, &counts);
            }
        }
    }
    if let Update::Mean = update {
        inertia = inertia_of(&centroids, &sums, &counts);
    }
    Fit {
        centroids,
        labels: bounds.labels,
        inertia,
        restarts: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256Plus;

    use super::super::tests::blobs;
    use super::*;

    #[test]
    fn lloyd_matches_linfa_on_separated_groups() {
        use linfa::prelude::*;
        use linfa_clustering::{KMeans, KMeansInit};
        let v = blobs(4, 50, 8, 0.6);
        let update = Update::Linfa {
            tolerance: LINFA_TOLERANCE,
        };
        let ours = lloyd(v.view(), v.select(Axis(0), &[0, 1, 2, 3]), 300, update);
        let linfa = KMeans::params_with_rng(4, Xoshiro256Plus::seed_from_u64(1))
            .init_method(KMeansInit::Precomputed(v.select(Axis(0), &[0, 1, 2, 3])))
            .n_runs(1)
            .tolerance(LINFA_TOLERANCE)
            .fit(&DatasetBase::from(v.clone()))
            .unwrap();
        let theirs = linfa.predict(&v);
        assert_eq!(ours.labels, theirs.to_vec());
        for i in 0..v.nrows() {
            assert_eq!(ours.labels[i], i % 4, "row {i}");
        }
        // The same update rule and stopping rule give the same centres.
        let diff = &ours.centroids - linfa.centroids();
        assert!(diff.iter().all(|d| d.abs() < 1e-12), "{diff}");
    }
}
