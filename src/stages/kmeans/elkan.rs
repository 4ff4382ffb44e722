//! The assignment passes of Lloyd's iterations: the first measures every (row, centre)
//! distance, one matrix product per block of rows; the later ones keep Elkan's bounds (an
//! upper bound on each row's distance to its centre, a lower bound to every other centre) and
//! measure only the pairs whose bounds overlap. Blocks are fixed, so sums do not depend on the
//! number of threads.

use ndarray::{s, Array2, ArrayView2};

use crate::linalg::{self, dot};

/// Rows per block of an assignment pass. Fixed, so sums and their rounding do not depend on
/// the number of threads.
const BLOCK: usize = 1024;
/// Passes over at least this many rows split their blocks across threads.
pub(super) const PARALLEL_ROWS: usize = 4 * BLOCK;

/// Elkan's state of every row: its centre, an upper bound on the distance to it, and a lower
/// bound on the distance to each centre (`k` per row, as `f32` rounded down to halve the
/// memory).
pub(super) struct Bounds {
    k: usize,
    pub(super) labels: Vec<usize>,
    upper: Vec<f64>,
    lower: Vec<f32>,
}

/// One block of [`Bounds`]: rows `first..first + labels.len()`.
struct BoundsBlock<'a> {
    first: usize,
    labels: &'a mut [usize],
    upper: &'a mut [f64],
    lower: &'a mut [f32],
}

impl Bounds {
    /// Runs `f` on every block of rows, in parallel when there are many rows, and returns the
    /// results in block order.
    fn per_block<T: Send>(&mut self, f: impl Fn(BoundsBlock<'_>) -> T + Sync) -> Vec<T> {
        use rayon::prelude::*;
        let k = self.k.max(1);
        let parallel = self.labels.len() >= PARALLEL_ROWS;
        let blocks = self
            .labels
            .chunks_mut(BLOCK)
            .zip(self.upper.chunks_mut(BLOCK))
            .zip(self.lower.chunks_mut(BLOCK * k))
            .enumerate()
            .map(|(b, ((labels, upper), lower))| BoundsBlock {
                first: b * BLOCK,
                labels,
                upper,
                lower,
            });
        if parallel {
            blocks.collect::<Vec<_>>().into_par_iter().map(&f).collect()
        } else {
            blocks.map(f).collect()
        }
    }
}

/// A distance stored as a lower bound: rounded down to `f32`.
fn lower_f32(d: f64) -> f32 {
    let f = d as f32;
    if f64::from(f) > d {
        f.next_down()
    } else {
        f
    }
}

/// Assigns every row from scratch (one matrix product per block) and returns the rows' bounds
/// with the per-centre sums and counts.
pub(super) fn assign_all(
    rows: ArrayView2<'_, f64>,
    row_norms: &[f64],
    centroids: &Array2<f64>,
) -> (Bounds, Array2<f64>, Vec<usize>) {
    let (n, (k, dims)) = (rows.nrows(), centroids.dim());
    let centre_norms: Vec<f64> = centroids.rows().into_iter().map(|c| c.dot(&c)).collect();
    let transposed = centroids.t();
    let mut bounds = Bounds {
        k,
        labels: vec![0; n],
        upper: vec![f64::INFINITY; n],
        lower: vec![0.0; n * k],
    };
    let parts = bounds.per_block(|block| {
        let first = block.first;
        let part = rows.slice(s![first..first + block.labels.len(), ..]);
        let dots = part.dot(&transposed);
        let mut sums = Array2::<f64>::zeros((k, dims));
        let mut counts = vec![0usize; k];
        for (j, dots) in dots.rows().into_iter().enumerate() {
            let xx = row_norms[first + j];
            let lower = &mut block.lower[j * k..(j + 1) * k];
            let (mut best, mut nearest) = (0, f64::INFINITY);
            for (c, ((&dot, &cc), l)) in dots.iter().zip(&centre_norms).zip(lower).enumerate() {
                let d2 = xx + cc - 2.0 * dot;
                *l = lower_f32(d2.max(0.0).sqrt());
                if d2 < nearest {
                    (best, nearest) = (c, d2);
                }
            }
            block.labels[j] = best;
            block.upper[j] = nearest.max(0.0).sqrt();
            if let Some(count) = counts.get_mut(best) {
                *count += 1;
                sums.row_mut(best).scaled_add(1.0, &part.row(j));
            }
        }
        (sums, counts)
    });
    let mut sums = Array2::<f64>::zeros((k, dims));
    let mut counts = vec![0usize; k];
    for (s, c) in parts {
        sums += &s;
        counts.iter_mut().zip(c).for_each(|(total, c)| *total += c);
    }
    (bounds, sums, counts)
}

/// Reassigns the rows after the centres moved by `shifts`, measuring only the (row, centre)
/// pairs whose bounds no longer prove the row's centre nearest. Returns the rows that changed
/// theme as (row, from, to), in row order.
pub(super) fn assign_bounded(
    rows: ArrayView2<'_, f64>,
    row_norms: &[f64],
    centroids: &Array2<f64>,
    shifts: &[f64],
    bounds: &mut Bounds,
) -> Vec<(usize, usize, usize)> {
    let k = centroids.nrows();
    let centre_norms: Vec<f64> = centroids.rows().into_iter().map(|c| c.dot(&c)).collect();
    // Half the distance between every two centres: a row closer than that to its centre is
    // closer to it than to the other one.
    let gram = centroids.dot(&centroids.t());
    let half_gap: Vec<f64> = (0..k * k)
        .map(|ab| {
            let (a, b) = (ab / k, ab % k);
            (centre_norms[a] + centre_norms[b] - 2.0 * gram[[a, b]])
                .max(0.0)
                .sqrt()
                / 2.0
        })
        .collect();
    let nearest_gap: Vec<f64> = (0..k)
        .map(|a| {
            (0..k)
                .filter(|&b| b != a)
                .map(|b| half_gap[a * k + b])
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    // Shifts rounded up, so lower bounds stay below the distances (up to the rounding of one
    // f32 subtraction, far below any gap that matters).
    let shifts_up: Vec<f32> = shifts.iter().map(|&d| lower_f32(d).next_up()).collect();
    let elkan = Elkan {
        k,
        rows,
        row_norms,
        centroids,
        centre_norms: &centre_norms,
        half_gap: &half_gap,
        nearest_gap: &nearest_gap,
        shifts,
        shifts_up: &shifts_up,
    };
    let parts = bounds.per_block(|block| elkan.block_best(block));
    parts.into_iter().flatten().collect()
}

/// What one pass of [`assign_bounded`] reads: the rows, the centres and their gaps and shifts
/// (`half_gap` is `k × k`, row-major).
struct Elkan<'a, 'r> {
    k: usize,
    rows: ArrayView2<'r, f64>,
    row_norms: &'a [f64],
    centroids: &'a Array2<f64>,
    centre_norms: &'a [f64],
    half_gap: &'a [f64],
    nearest_gap: &'a [f64],
    shifts: &'a [f64],
    shifts_up: &'a [f32],
}

impl Elkan<'_, '_> {
    /// [`Elkan::block`] in the fastest copy the running CPU can execute.
    fn block_best(&self, block: BoundsBlock<'_>) -> Vec<(usize, usize, usize)> {
        linalg::run_avx2(ElkanBlock { elkan: self, block })
    }

    /// Distance between row `i` and centre `c`, from the squared norms and the dot product.
    #[inline(always)]
    fn distance(&self, i: usize, c: usize) -> f64 {
        let dot = dot(self.rows.row(i), self.centroids.row(c));
        let d2 = self.row_norms[i] + self.centre_norms[c] - 2.0 * dot;
        d2.max(0.0).sqrt()
    }

    /// Reassigns one block of rows; returns its moves in row order.
    #[inline(always)]
    fn block(&self, block: BoundsBlock<'_>) -> Vec<(usize, usize, usize)> {
        let k = self.k;
        let mut moves = Vec::new();
        for (j, (label, upper)) in block
            .labels
            .iter_mut()
            .zip(block.upper.iter_mut())
            .enumerate()
        {
            let i = block.first + j;
            let lower = &mut block.lower[j * k..(j + 1) * k];
            for (l, &shift) in lower.iter_mut().zip(self.shifts_up) {
                *l = (*l - shift).max(0.0);
            }
            let from = *label;
            let mut a = from;
            let mut u = *upper + self.shifts[a];
            if u <= self.nearest_gap[a] {
                *upper = u;
                continue;
            }
            let mut tight = false;
            for c in 0..k {
                if c == a || u <= f64::from(lower[c]) || u <= self.half_gap[a * k + c] {
                    continue;
                }
                if !tight {
                    u = self.distance(i, a);
                    lower[a] = lower_f32(u);
                    tight = true;
                    if u <= f64::from(lower[c]) || u <= self.half_gap[a * k + c] {
                        continue;
                    }
                }
                let d = self.distance(i, c);
                lower[c] = lower_f32(d);
                if d < u || (d == u && c < a) {
                    (a, u) = (c, d);
                }
            }
            *upper = u;
            if a != from {
                *label = a;
                moves.push((i, from, a));
            }
        }
        moves
    }
}

/// One block of an Elkan pass, as a kernel that [`linalg::run_avx2`] runs in its AVX2 copy.
struct ElkanBlock<'e, 'a, 'r, 'b> {
    elkan: &'e Elkan<'a, 'r>,
    block: BoundsBlock<'b>,
}

impl linalg::Avx2Kernel for ElkanBlock<'_, '_, '_, '_> {
    type Output = Vec<(usize, usize, usize)>;

    #[inline(always)]
    fn run(self) -> Self::Output {
        self.elkan.block(self.block)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Axis;

    use super::super::assign;
    use super::super::lloyd::{lloyd, Update, LINFA_TOLERANCE};
    use super::super::tests::blobs;

    #[test]
    fn bounded_passes_agree_with_assigning_from_scratch() {
        // Overlapping groups, so many rows change theme on the way.
        let v = blobs(6, 120, 12, 2.5);
        let start = v.select(Axis(0), &[0, 7, 14, 21, 28, 35]);
        let linfa = Update::Linfa {
            tolerance: LINFA_TOLERANCE,
        };
        for (moves, update) in [
            (1, Update::Mean),
            (2, Update::Mean),
            (5, linfa),
            (300, linfa),
        ] {
            let fit = lloyd(v.view(), start.clone(), moves, update);
            assert_eq!(
                fit.labels,
                assign(&v, &fit.centroids),
                "after {moves} move(s)"
            );
            let direct: f64 = (0..v.nrows())
                .map(|i| {
                    let d = &v.row(i) - &fit.centroids.row(fit.labels[i]);
                    d.dot(&d)
                })
                .sum();
            if let Update::Mean = update {
                assert!((fit.inertia - direct).abs() < 1e-9 * direct.max(1.0));
            }
        }
    }
}
