//! Stage 6, reduce: latent semantic analysis by randomised truncated SVD (Halko, Martinsson &
//! Tropp 2011) of the sparse TF-IDF matrix, in pure Rust.
//!
//! Sparse × dense products run on Rayon, one output row per task, so results do not depend on
//! the thread count. The small dense problems (a few hundred squared) are solved with
//! linfa-linalg's symmetric eigen-decomposition. Output rows are L2-normalised, so Euclidean
//! k-means on them behaves like cosine (spherical) k-means.

use linfa_linalg::eigh::Eigh;
use ndarray::{s, Array1, Array2, Axis};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::vectorize::CsrMatrix;

/// The reduced corpus.
#[derive(Debug, Clone)]
pub struct Embedding {
    /// One L2-normalised row per unit: `units × dims`.
    pub vectors: Array2<f64>,
    /// Singular values of the TF-IDF matrix, largest first (one per dimension).
    pub singular_values: Vec<f64>,
    /// Share of the TF-IDF matrix's total variance (squared Frobenius norm) the dims keep.
    pub explained: f64,
    /// Right singular vectors as rows (`dims × terms`): maps a TF-IDF row into this space.
    pub components: Array2<f64>,
}

/// Extra random directions beyond the target rank, and power iterations: the usual choices
/// that make randomised SVD accurate on slowly decaying text spectra.
const OVERSAMPLE: usize = 10;
const POWER_ITERATIONS: usize = 4;

/// Reduces `matrix` (units × terms) to `dims` dimensions. `dims` is capped by the matrix
/// shape; the seed fixes the random projection.
pub fn lsa(matrix: &CsrMatrix, dims: usize, seed: u64) -> Result<Embedding> {
    let max_rank = matrix.n_rows.min(matrix.n_cols);
    if max_rank == 0 {
        return Err(Error::Numeric {
            stage: "LSA",
            reason: "the TF-IDF matrix is empty".into(),
        });
    }
    let dims = dims.clamp(1, max_rank);
    let width = (dims + OVERSAMPLE).min(max_rank);
    let transpose = matrix.transpose();

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let omega =
        Array2::from_shape_simple_fn((matrix.n_cols, width), || StandardNormal.sample(&mut rng));

    // Range finder with power iterations, re-orthonormalising after every product. Each
    // intermediate (units × width) is dropped as soon as it is used: on large corpora these
    // dense blocks are the bulk of the memory.
    let mut q = orthonormalize(spmm(matrix, &omega))?;
    drop(omega);
    for _ in 0..POWER_ITERATIONS {
        let z = orthonormalize(spmm(&transpose, &q))?;
        drop(std::mem::take(&mut q));
        q = orthonormalize(spmm(matrix, &z))?;
    }

    // B = Qᵀ A; its SVD via the eigen-decomposition of B Bᵀ = (Aᵀ Q)ᵀ (Aᵀ Q).
    let at_q = spmm(&transpose, &q); // terms × width
    let gram = par_gram(&at_q);
    let (eigvals, eigvecs) = sorted_eigh(&gram)?;
    let rank = dims.min(eigvals.len());
    let singular_values: Vec<f64> = eigvals
        .iter()
        .take(rank)
        .map(|&l| l.max(0.0).sqrt())
        .collect();

    // U Σ = Q W Σ : the documents' coordinates.
    let w = eigvecs.slice(s![.., ..rank]).to_owned();
    let mut vectors = par_dot(&q, &w);
    drop(q);
    for (mut column, &sigma) in vectors.axis_iter_mut(Axis(1)).zip(&singular_values) {
        column *= sigma;
    }
    // Right singular vectors: V = Aᵀ Q W Σ⁻¹, stored as rows.
    let mut components = par_dot(&at_q, &w).reversed_axes();
    for (mut row, &sigma) in components.axis_iter_mut(Axis(0)).zip(&singular_values) {
        if sigma > 0.0 {
            row /= sigma;
        }
    }
    normalize_rows(&mut vectors);

    let total: f64 = matrix.values.iter().map(|&v| (v as f64) * (v as f64)).sum();
    let kept: f64 = singular_values.iter().map(|s| s * s).sum();
    Ok(Embedding {
        vectors,
        singular_values,
        explained: if total > 0.0 { kept / total } else { 0.0 },
        components,
    })
}

/// Sparse (rows × k) times dense (k × width), one output row per Rayon task.
pub fn spmm(sparse: &CsrMatrix, dense: &Array2<f64>) -> Array2<f64> {
    let width = dense.ncols();
    let mut out = Array2::<f64>::zeros((sparse.n_rows, width));
    let Some(dense) = dense.as_slice() else {
        // Not in standard layout: the general (slower) path.
        out.axis_iter_mut(Axis(0))
            .into_par_iter()
            .enumerate()
            .for_each(|(i, mut row)| {
                for (col, value) in sparse.row(i) {
                    row.scaled_add(value as f64, &dense.row(col));
                }
            });
        return out;
    };
    if width == 0 {
        return out;
    }
    // The same sums as `scaled_add`, in the same order, on plain slices.
    if let Some(out_slice) = out.as_slice_mut() {
        out_slice
            .par_chunks_mut(width)
            .with_min_len(16)
            .enumerate()
            .for_each(|(i, row)| {
                for (col, value) in sparse.row(i) {
                    let value = value as f64;
                    let source = &dense[col * width..(col + 1) * width];
                    for (o, &d) in row.iter_mut().zip(source) {
                        *o += value * d;
                    }
                }
            });
    }
    out
}

/// Rows per task in the parallel dense products.
const DENSE_CHUNK: usize = 2048;

/// `a · b` with the rows of `a` split over Rayon tasks. Each output entry is computed by the
/// same kernel over the same inner dimension as `a.dot(b)`, so the result is identical to it
/// at any thread count.
fn par_dot(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros((a.nrows(), b.ncols()));
    out.axis_chunks_iter_mut(Axis(0), DENSE_CHUNK)
        .into_par_iter()
        .zip(a.axis_chunks_iter(Axis(0), DENSE_CHUNK))
        .for_each(|(mut out, a)| out.assign(&a.dot(b)));
    out
}

/// `yᵀ · y` with the output columns split over Rayon tasks; identical to `y.t().dot(y)`.
fn par_gram(y: &Array2<f64>) -> Array2<f64> {
    let n = y.ncols();
    let step = n.div_ceil(rayon::current_num_threads().max(1) * 2).max(8);
    let mut out = Array2::<f64>::zeros((n, n));
    out.axis_chunks_iter_mut(Axis(1), step)
        .into_par_iter()
        .zip(y.axis_chunks_iter(Axis(1), step))
        .for_each(|(mut out, y_cols)| out.assign(&y.t().dot(&y_cols)));
    out
}

/// An orthonormal basis of the column space of `y` (through the eigen-decomposition of its
/// Gram matrix, dropping numerically null directions), done twice for full orthogonality.
fn orthonormalize(y: Array2<f64>) -> Result<Array2<f64>> {
    let once = orthonormalize_once(&y)?;
    drop(y);
    orthonormalize_once(&once)
}

fn orthonormalize_once(y: &Array2<f64>) -> Result<Array2<f64>> {
    let gram = par_gram(y);
    let (vals, vecs) = sorted_eigh(&gram)?;
    let top = vals.first().copied().unwrap_or(0.0);
    let keep: Vec<usize> = (0..vals.len())
        .filter(|&i| vals[i] > top * 1e-12 && vals[i] > 0.0)
        .collect();
    if keep.is_empty() {
        return Err(Error::Numeric {
            stage: "LSA",
            reason: "the TF-IDF matrix has no variance".into(),
        });
    }
    let mut basis = Array2::<f64>::zeros((vecs.nrows(), keep.len()));
    for (j, &i) in keep.iter().enumerate() {
        let scale = 1.0 / vals[i].sqrt();
        basis.column_mut(j).assign(&(&vecs.column(i) * scale));
    }
    Ok(par_dot(y, &basis))
}

/// Symmetric eigen-decomposition with eigenvalues in descending order and a fixed sign per
/// eigenvector (largest-magnitude entry positive), so output is reproducible.
fn sorted_eigh(matrix: &Array2<f64>) -> Result<(Array1<f64>, Array2<f64>)> {
    let (vals, vecs) = matrix.eigh().map_err(|e| Error::Numeric {
        stage: "LSA",
        reason: format!("eigen-decomposition failed: {e}"),
    })?;
    let mut order: Vec<usize> = (0..vals.len()).collect();
    order.sort_by(|&a, &b| vals[b].total_cmp(&vals[a]).then(a.cmp(&b)));
    let sorted_vals = Array1::from_iter(order.iter().map(|&i| vals[i]));
    let mut sorted_vecs = Array2::<f64>::zeros(vecs.raw_dim());
    for (j, &i) in order.iter().enumerate() {
        let column = vecs.column(i);
        let pivot =
            column.iter().copied().fold(
                0.0f64,
                |best, x| if x.abs() > best.abs() { x } else { best },
            );
        let sign = if pivot < 0.0 { -1.0 } else { 1.0 };
        sorted_vecs.column_mut(j).assign(&(&column * sign));
    }
    Ok((sorted_vals, sorted_vecs))
}

/// Projects rows onto their first two principal directions (for a 2-D map of the units).
/// Deterministic; rows of a one-dimensional input get `y = 0`.
pub fn project_2d(vectors: &Array2<f64>) -> Vec<[f64; 2]> {
    let n = vectors.nrows();
    if n == 0 || vectors.ncols() == 0 {
        return vec![[0.0, 0.0]; n];
    }
    let mean = vectors
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(vectors.ncols()));
    let centred = vectors - &mean;
    let covariance = centred.t().dot(&centred);
    let Ok((_, directions)) = sorted_eigh(&covariance) else {
        return vec![[0.0, 0.0]; n];
    };
    let take = directions.ncols().min(2);
    let projected = centred.dot(&directions.slice(s![.., ..take]));
    projected
        .axis_iter(Axis(0))
        .map(|row| [row[0], if take > 1 { row[1] } else { 0.0 }])
        .collect()
}

/// Scales every row to unit length (zero rows stay zero).
pub fn normalize_rows(matrix: &mut Array2<f64>) {
    matrix
        .axis_iter_mut(Axis(0))
        .into_par_iter()
        .for_each(|mut row| {
            let norm = row.dot(&row).sqrt();
            if norm > 0.0 {
                row /= norm;
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr(rows: &[&[(u32, f32)]], n_cols: usize) -> CsrMatrix {
        let mut m = CsrMatrix {
            n_rows: rows.len(),
            n_cols,
            indptr: vec![0],
            ..CsrMatrix::default()
        };
        for row in rows {
            for &(c, v) in *row {
                m.indices.push(c);
                m.values.push(v);
            }
            m.indptr.push(m.values.len());
        }
        m
    }

    #[test]
    fn recovers_the_singular_values_of_a_block_matrix() {
        // Two blocks of identical rows: rank 2, singular values sqrt(3)*1 and sqrt(2)*2.
        let a: &[(u32, f32)] = &[(0, 1.0)];
        let b: &[(u32, f32)] = &[(1, 2.0), (2, 0.0)];
        let m = csr(&[a, a, a, b, b], 3);
        let e = lsa(&m, 2, 7).unwrap();
        assert!(
            (e.singular_values[0] - 8f64.sqrt()).abs() < 1e-9,
            "{:?}",
            e.singular_values
        );
        assert!(
            (e.singular_values[1] - 3f64.sqrt()).abs() < 1e-9,
            "{:?}",
            e.singular_values
        );
        // Rows of one block map to the same unit vector; the blocks are orthogonal.
        let v = &e.vectors;
        assert!((v.row(0).dot(&v.row(1)) - 1.0).abs() < 1e-9);
        assert!(v.row(0).dot(&v.row(3)).abs() < 1e-9);
        assert!((e.explained - 1.0).abs() < 1e-9);
    }

    #[test]
    fn same_seed_same_embedding() {
        let rows: Vec<Vec<(u32, f32)>> = (0..40u32)
            .map(|i| vec![(i % 7, 1.0), ((i * 3) % 11, 0.5), (i % 5 + 11, 0.25)])
            .collect();
        let refs: Vec<&[(u32, f32)]> = rows.iter().map(Vec::as_slice).collect();
        let m = csr(&refs, 16);
        let a = lsa(&m, 5, 1).unwrap();
        let b = lsa(&m, 5, 1).unwrap();
        assert_eq!(a.vectors, b.vectors);
    }
}
