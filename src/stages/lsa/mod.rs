//! The lsa stage: latent semantic analysis by randomised truncated SVD (Halko, Martinsson &
//! Tropp 2011) of the sparse TF-IDF matrix, in pure Rust.
//!
//! The power iterations run in the smaller of the two spaces (terms for paragraph corpora,
//! units for small document corpora): with `M` the TF-IDF matrix or its transpose, whichever
//! has fewer columns, every step computes `Mᵀ(M Z)` in one fused sparse pass that never
//! materialises the large `rows × width` block. Big blocks and sparse products are `f32`; the
//! small Gram and eigen problems are `f64`. A Rayleigh–Ritz step on `Q = M Z` (as in the
//! textbook `B = Qᵀ M`) gives the singular triplets, and only the final `units × dims` block is
//! built. Every parallel loop splits its work into pieces fixed by the matrix shape and sums
//! partial results in a fixed order, so the output is byte-identical at any thread count.
//! Output rows are L2-normalised, so Euclidean k-means on them behaves like cosine (spherical)
//! k-means.

mod fitted;

pub use fitted::Lsa;

use std::ops::Range;

use linfa_linalg::eigh::Eigh;
use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array1, Array2, ArrayView2, Axis, ShapeBuilder};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::linalg;
use crate::progress::{NoProgress, Progress};
use crate::stages::tfidf::CsrMatrix;

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
    /// The map the unit vectors were computed with (`terms × dims`, before row normalisation):
    /// `vectors = normalise(tfidf · projection)`. Kept only when asked ([`lsa_keeping`]),
    /// for the fitted stage ([`Lsa`]) that projects new rows as the training rows were.
    pub projection: Option<Array2<f64>>,
}

crate::settings::choice::number_or_auto! {
    /// How many LSA dimensions to keep (fewer than 2 are refused by settings validation, with
    /// a hint).
    pub enum DimsChoice {
        fixed: "Exactly this many (capped by the corpus shape).",
        auto: "Grow with the corpus: see [`auto_dims`].",
    }
}

impl DimsChoice {
    /// The number of dimensions for a corpus of `n_units` units.
    pub fn resolve(self, n_units: usize) -> usize {
        match self {
            DimsChoice::Fixed(d) => d,
            DimsChoice::Auto => auto_dims(n_units),
        }
    }
}

/// Units per LSA dimension under `auto`, and the bounds of the automatic choice.
pub const UNITS_PER_DIM: usize = 32;
/// Fewest dimensions `auto` keeps (enough for a couple of dozen themes to separate).
pub const MIN_AUTO_DIMS: usize = 16;
/// Most dimensions `auto` keeps (beyond this, text corpora gain nothing and cost time).
pub const MAX_AUTO_DIMS: usize = 100;

/// The automatic number of LSA dimensions: one per [`UNITS_PER_DIM`] units, between
/// [`MIN_AUTO_DIMS`] and [`MAX_AUTO_DIMS`]. A small corpus cannot support many directions:
/// beyond its first few dozen, the singular vectors of a few hundred documents describe
/// individual documents rather than themes, and k-means on them splits themes along noise
/// (on 500 news articles, 16 dimensions score NMI ≈ 0.90 where 100 score ≈ 0.83). Large
/// corpora keep the usual 100.
pub fn auto_dims(n_units: usize) -> usize {
    (n_units / UNITS_PER_DIM).clamp(MIN_AUTO_DIMS, MAX_AUTO_DIMS)
}

/// Extra random directions beyond the target rank (rounded up to whole cache lines), and power
/// iterations: the usual choices that make randomised SVD accurate on slowly decaying text
/// spectra.
const OVERSAMPLE: usize = 10;
const POWER_ITERATIONS: usize = 4;

/// The passes over the TF-IDF matrix one LSA makes (the power iterations, the final range
/// product and the coordinates): what [`lsa_keeping`] counts on its progress bar.
pub const PASSES: u64 = POWER_ITERATIONS as u64 + 2;

/// Columns the fused sparse product handles together: 16 `f32`, one 64-byte cache line.
const LANES: usize = 16;
/// Row ranges per column block in the fused sparse product, summed in order. Fixed (never the
/// thread count), it gives two cores equal work when the block count is odd.
const ROW_SPLITS: usize = 2;
/// Rows per task in the dense products and Gram sums (fixed, for reproducible sums).
const CHUNK: usize = 2048;
/// Eigenvalues of a Gram matrix below this share of the largest count as zero (the `f32`
/// blocks carry about seven significant digits, so their squares about fourteen).
const NULL_RATIO: f64 = 1e-10;
/// Cholesky pivots below this share of the largest diagonal entry send the orthonormalisation
/// to the (slower, rank-revealing) eigen-decomposition.
const CHOLESKY_RATIO: f64 = 1e-8;
/// The same for the power iterations' Gram matrices, whose `f32` products are good to about
/// seven digits.
const QUICK_RATIO: f64 = 1e-5;

/// Reduces `matrix` (units × terms) to `dims` dimensions. `dims` is capped by the matrix
/// shape; the seed fixes the random projection.
pub fn lsa(matrix: &CsrMatrix, dims: usize, seed: u64) -> Result<Embedding> {
    lsa_keeping(matrix, dims, seed, false, &NoProgress)
}

/// [`lsa`], also keeping [`Embedding::projection`] when `keep_projection` is set (it costs a
/// `terms × dims` matrix). `progress` advances once per pass over the matrix ([`PASSES`] in
/// all); the caller starts and finishes the stage.
pub fn lsa_keeping(
    matrix: &CsrMatrix,
    dims: usize,
    seed: u64,
    keep_projection: bool,
    progress: &dyn Progress,
) -> Result<Embedding> {
    let max_rank = matrix.n_rows.min(matrix.n_cols);
    if max_rank == 0 {
        return Err(Error::Numeric {
            stage: "LSA",
            reason: "the TF-IDF matrix is empty".into(),
        });
    }
    let dims = dims.clamp(1, max_rank);
    let width = (dims + OVERSAMPLE).next_multiple_of(LANES).min(max_rank);

    // Work in the smaller space: `m` is the matrix or its transpose, whichever has fewer
    // columns, and every dense block below has one row per column of `m`.
    let by_units = matrix.n_rows < matrix.n_cols;
    let transpose;
    let m = Ordered::new(if by_units {
        transpose = matrix.transpose();
        &transpose
    } else {
        matrix
    });
    let m = &m;

    // Range finder with power iterations: Z ← orth(Mᵀ M Z), one cheap Gram-based
    // orthonormalisation per step (the Rayleigh–Ritz step below makes the final basis exact).
    // The buffers are reused from step to step (fresh pages cost page faults).
    let mut z = Panel::gaussian(m.n_cols, width, seed);
    let mut y = Panel::zeros(m.n_cols, width);
    let mut partials = Vec::new();
    for _ in 0..POWER_ITERATIONS {
        gram_product(m, &z, &mut y, &mut partials);
        let basis = match inverse_cholesky(&quick_gram(&y)?, QUICK_RATIO) {
            Some(t) => t,
            None => whitener(&gram(&y, &y))?,
        };
        y.times_into(&basis, &mut z)?;
        progress.advance(1);
    }
    gram_product(m, &z, &mut y, &mut partials);
    drop(partials);
    progress.advance(1);

    // Rayleigh–Ritz on Q = M Z T, where T whitens H = (M Z)ᵀ(M Z) = Zᵀ Y, so that QᵀQ = I.
    // The SVD of B = Qᵀ M follows from B Bᵀ = Tᵀ (Yᵀ Y) T = U_B Σ² U_Bᵀ, with Bᵀ U_B = Y T U_B
    // = V Σ (the right singular vectors of M) and Q U_B = M (Z T U_B) (the left ones).
    let (h, y_gram) = gram_pair(&z, &y);
    let t = whitener(&h)?;
    let b_bt = t.t().dot(&y_gram).dot(&t);
    let (eigvals, eigvecs) = sorted_eigh(&b_bt)?;
    let rank = dims.min(eigvals.len());
    let singular_values: Vec<f64> = eigvals
        .iter()
        .take(rank)
        .map(|&l| l.max(0.0).sqrt())
        .collect();
    let coefficients = t.dot(&eigvecs.slice(s![.., ..rank]));
    let v_sigma = y.times(&coefficients)?;
    drop(y);
    let mut left = z.times(&coefficients)?;
    drop(z);

    let mut projection = None;
    let (mut vectors, components) = if by_units {
        // M = Aᵀ: the units' coordinates U Σ are M's V Σ; the components are M's Q U_B.
        let vectors = v_sigma.to_f64(&m.rank);
        drop(v_sigma);
        let components = sparse_times(m, &left);
        if keep_projection {
            // V Σ = Y T U_B = A (Aᵀ Z T U_B): the units' coordinates are A times the components.
            projection = Some(components.clone());
        }
        (vectors, components.reversed_axes())
    } else {
        // M = A: the units' coordinates are Q U_B Σ = A (Z T U_B Σ); the components are V.
        let inverse: Vec<f64> = singular_values
            .iter()
            .map(|&s| if s > 0.0 { 1.0 / s } else { 0.0 })
            .collect();
        let mut components = v_sigma.to_f64(&m.rank);
        drop(v_sigma);
        for mut row in components.axis_iter_mut(Axis(0)) {
            for (x, &inv) in row.iter_mut().zip(&inverse) {
                *x *= inv;
            }
        }
        left.scale_columns(&singular_values);
        if keep_projection {
            // The units' coordinates are A (Z T U_B Σ): the projection is that panel.
            projection = Some(left.to_f64(&m.rank));
        }
        (sparse_times(m, &left), components.reversed_axes())
    };
    progress.advance(1);
    normalize_rows(&mut vectors);

    let total: f64 = matrix.values.iter().map(|&v| (v as f64) * (v as f64)).sum();
    let kept: f64 = singular_values.iter().map(|s| s * s).sum();
    Ok(Embedding {
        vectors,
        singular_values,
        explained: if total > 0.0 { kept / total } else { 0.0 },
        components,
        projection,
    })
}

/// The sparse matrix the iterations run on: a CSR matrix with its columns renumbered by
/// descending number of entries (ties by index), so that the dense rows the products touch
/// most often sit together in cache.
struct Ordered<'a> {
    n_rows: usize,
    n_cols: usize,
    indptr: &'a [usize],
    values: &'a [f32],
    /// The renumbered column of each entry.
    indices: Vec<u32>,
    /// `rank[old column] = new column`.
    rank: Vec<u32>,
}

impl<'a> Ordered<'a> {
    fn new(m: &'a CsrMatrix) -> Ordered<'a> {
        let mut counts = vec![0u32; m.n_cols];
        for &c in &m.indices {
            counts[c as usize] += 1;
        }
        let mut order: Vec<u32> = (0..m.n_cols as u32).collect();
        order.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
        let mut rank = vec![0u32; m.n_cols];
        for (new, &old) in order.iter().enumerate() {
            rank[old as usize] = new as u32;
        }
        let indices = m.indices.par_iter().map(|&c| rank[c as usize]).collect();
        Ordered {
            n_rows: m.n_rows,
            n_cols: m.n_cols,
            indptr: &m.indptr,
            values: &m.values,
            indices,
            rank,
        }
    }
}

/// A zeroed `f32` buffer whose first value sits on a 64-byte boundary (when the allocator
/// allows), so that rows of [`LANES`] values each fill exactly one cache line.
struct Aligned {
    data: Vec<f32>,
    start: usize,
    len: usize,
}

impl Aligned {
    fn zeros(len: usize) -> Aligned {
        let data = vec![0f32; len + LANES - 1];
        let start = data.as_ptr().align_offset(64).min(LANES - 1);
        Aligned { data, start, len }
    }

    fn as_slice(&self) -> &[f32] {
        &self.data[self.start..self.start + self.len]
    }

    fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data[self.start..self.start + self.len]
    }
}

/// A dense `f32` matrix, row-major, each row padded with zeros to a whole number of cache
/// lines (`stride`, a multiple of [`LANES`]).
struct Panel {
    rows: usize,
    cols: usize,
    stride: usize,
    buf: Aligned,
}

impl Panel {
    fn zeros(rows: usize, cols: usize) -> Panel {
        let stride = cols.next_multiple_of(LANES).max(LANES);
        Panel {
            rows,
            cols,
            stride,
            buf: Aligned::zeros(rows * stride),
        }
    }

    /// Standard normal entries. Each block of [`CHUNK`] rows draws from its own stream (the
    /// seed's generator advanced by one `jump` per block), so the fill runs in parallel and
    /// gives the same matrix at any thread count.
    fn gaussian(rows: usize, cols: usize, seed: u64) -> Panel {
        let mut panel = Panel::zeros(rows, cols);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut streams = Vec::with_capacity(rows.div_ceil(CHUNK));
        for _ in 0..rows.div_ceil(CHUNK) {
            streams.push(rng.clone());
            rng.jump();
        }
        let stride = panel.stride;
        panel
            .buf
            .as_mut_slice()
            .par_chunks_mut(CHUNK * stride)
            .zip(streams)
            .for_each(|(block, mut rng)| {
                for row in block.chunks_mut(stride) {
                    for x in &mut row[..cols] {
                        *x = StandardNormal.sample(&mut rng);
                    }
                }
            });
        panel
    }

    /// Row `i` without its padding.
    fn row(&self, i: usize) -> &[f32] {
        &self.buf.as_slice()[i * self.stride..i * self.stride + self.cols]
    }

    /// Rows `range` as a matrix view (without the padding).
    fn rows_view(
        &self,
        range: Range<usize>,
    ) -> std::result::Result<ArrayView2<'_, f32>, ndarray::ShapeError> {
        let data = &self.buf.as_slice()[range.start * self.stride..range.end * self.stride];
        ArrayView2::from_shape((range.len(), self.cols).strides((self.stride, 1)), data)
    }

    /// Rows `range` as an `f64` matrix.
    fn rows_f64(&self, range: Range<usize>) -> Array2<f64> {
        let mut out = Array2::<f64>::zeros((range.len(), self.cols));
        for (mut dst, i) in out.axis_iter_mut(Axis(0)).zip(range) {
            for (d, &x) in dst.iter_mut().zip(self.row(i)) {
                *d = x as f64;
            }
        }
        out
    }

    /// The whole matrix in `f64`, output row `i` taken from row `rank[i]`.
    fn to_f64(&self, rank: &[u32]) -> Array2<f64> {
        let mut out = Array2::<f64>::zeros((self.rows, self.cols));
        if let Some(slice) = out.as_slice_mut() {
            slice
                .par_chunks_mut(self.cols.max(1))
                .zip(rank)
                .for_each(|(dst, &i)| {
                    for (d, &x) in dst.iter_mut().zip(self.row(i as usize)) {
                        *d = x as f64;
                    }
                });
        }
        out
    }

    /// Multiplies column `j` by `factors[j]`.
    fn scale_columns(&mut self, factors: &[f64]) {
        let factors: Vec<f32> = factors.iter().map(|&f| f as f32).collect();
        let stride = self.stride;
        self.buf
            .as_mut_slice()
            .par_chunks_mut(CHUNK * stride)
            .for_each(|block| {
                for row in block.chunks_mut(stride) {
                    for (x, &f) in row.iter_mut().zip(&factors) {
                        *x *= f;
                    }
                }
            });
    }

    /// `self · t` for a small dense `t` (`cols × k`), in row blocks of [`CHUNK`] on Rayon.
    /// Each output row depends only on its input row, so the result is thread-independent.
    fn times(&self, t: &Array2<f64>) -> Result<Panel> {
        let mut out = Panel::zeros(self.rows, t.ncols());
        self.times_into(t, &mut out)?;
        Ok(out)
    }

    /// [`Panel::times`] into `out`, which is reshaped if needed.
    fn times_into(&self, t: &Array2<f64>, out: &mut Panel) -> Result<()> {
        let t = t.mapv(|x| x as f32);
        if (out.rows, out.cols) != (self.rows, t.ncols()) {
            *out = Panel::zeros(self.rows, t.ncols());
        }
        let (stride, cols) = (out.stride, out.cols);
        let source = self.buf.as_slice();
        out.buf
            .as_mut_slice()
            .par_chunks_mut(CHUNK * stride)
            .enumerate()
            .try_for_each(|(k, dst)| {
                let rows = dst.len() / stride;
                let first = k * CHUNK * self.stride;
                let src = ArrayView2::from_shape(
                    (rows, self.cols).strides((self.stride, 1)),
                    &source[first..first + rows * self.stride],
                )?;
                let mut dst =
                    ndarray::ArrayViewMut2::from_shape((rows, cols).strides((stride, 1)), dst)?;
                general_mat_mul(1.0, &src, &t, 0.0, &mut dst);
                Ok::<(), ndarray::ShapeError>(())
            })
            .map_err(shape_error)
    }
}

fn shape_error(e: ndarray::ShapeError) -> Error {
    Error::Numeric {
        stage: "LSA",
        reason: format!("internal shape error: {e}"),
    }
}

/// `yᵀ y` from `f32` products (about seven significant digits, twice as fast as [`gram`]):
/// one partial product per block of [`CHUNK`] rows, summed in `f64` in block order.
fn quick_gram(y: &Panel) -> Result<Array2<f64>> {
    let partials: Vec<Array2<f32>> = (0..y.rows.div_ceil(CHUNK))
        .into_par_iter()
        .map(|k| {
            let rows = y.rows_view(k * CHUNK..((k + 1) * CHUNK).min(y.rows))?;
            Ok(rows.t().dot(&rows))
        })
        .collect::<std::result::Result<_, ndarray::ShapeError>>()
        .map_err(shape_error)?;
    let mut total = Array2::<f64>::zeros((y.cols, y.cols));
    for partial in &partials {
        total.zip_mut_with(partial, |t, &p| *t += p as f64);
    }
    let transposed = total.t().to_owned();
    Ok((&total + &transposed) * 0.5)
}

/// `aᵀ b` in `f64` for two panels with the same rows: one partial product per block of
/// [`CHUNK`] rows (on Rayon), summed in block order, then symmetrised when square.
fn gram(a: &Panel, b: &Panel) -> Array2<f64> {
    let blocks: Vec<Range<usize>> = (0..a.rows.div_ceil(CHUNK))
        .map(|k| k * CHUNK..((k + 1) * CHUNK).min(a.rows))
        .collect();
    let partials: Vec<Array2<f64>> = blocks
        .into_par_iter()
        .map(|rows| {
            let left = a.rows_f64(rows.clone());
            if std::ptr::eq(a, b) {
                left.t().dot(&left)
            } else {
                left.t().dot(&b.rows_f64(rows))
            }
        })
        .collect();
    let mut total = Array2::<f64>::zeros((a.cols, b.cols));
    for partial in &partials {
        total += partial;
    }
    if a.cols == b.cols {
        let transposed = total.t().to_owned();
        total = (&total + &transposed) * 0.5;
    }
    total
}

/// `(zᵀ y, yᵀ y)`, each exactly as [`gram`] computes it, from one pass over the blocks that
/// converts each block of `y` to `f64` once.
fn gram_pair(z: &Panel, y: &Panel) -> (Array2<f64>, Array2<f64>) {
    let blocks: Vec<Range<usize>> = (0..y.rows.div_ceil(CHUNK))
        .map(|k| k * CHUNK..((k + 1) * CHUNK).min(y.rows))
        .collect();
    let partials: Vec<(Array2<f64>, Array2<f64>)> = blocks
        .into_par_iter()
        .map(|rows| {
            let right = y.rows_f64(rows.clone());
            let left = z.rows_f64(rows);
            (left.t().dot(&right), right.t().dot(&right))
        })
        .collect();
    let mut zy = Array2::<f64>::zeros((z.cols, y.cols));
    let mut yy = Array2::<f64>::zeros((y.cols, y.cols));
    for (p, q) in &partials {
        zy += p;
        yy += q;
    }
    let symmetric = |total: Array2<f64>| {
        let transposed = total.t().to_owned();
        (&total + &transposed) * 0.5
    };
    let zy = if z.cols == y.cols { symmetric(zy) } else { zy };
    (zy, symmetric(yy))
}

/// `T` with `Tᵀ G T = I` for a Gram matrix `G = Yᵀ Y`, so that `Y T` is an orthonormal basis
/// of `Y`'s column space. Usually the inverse of `G`'s Cholesky factor (cheap); when `G` is
/// close to singular, eigenvectors scaled by `1/√λ` without the numerically null directions.
fn whitener(gram: &Array2<f64>) -> Result<Array2<f64>> {
    if let Some(t) = inverse_cholesky(gram, CHOLESKY_RATIO) {
        return Ok(t);
    }
    let (vals, vecs) = sorted_eigh(gram)?;
    let top = vals.first().copied().unwrap_or(0.0);
    let keep: Vec<usize> = (0..vals.len())
        .filter(|&i| vals[i] > top * NULL_RATIO && vals[i] > 0.0)
        .collect();
    if keep.is_empty() {
        return Err(Error::Numeric {
            stage: "LSA",
            reason: "the TF-IDF matrix has no variance".into(),
        });
    }
    let mut t = Array2::<f64>::zeros((vecs.nrows(), keep.len()));
    for (j, &i) in keep.iter().enumerate() {
        let scale = 1.0 / vals[i].sqrt();
        t.column_mut(j).assign(&(&vecs.column(i) * scale));
    }
    Ok(t)
}

/// `L⁻ᵀ` for the lower-triangular `L` with `L Lᵀ = G` (so `Tᵀ G T = I`), or `None` when a
/// pivot falls below `ratio` of the largest diagonal entry (nearly dependent columns).
fn inverse_cholesky(gram: &Array2<f64>, ratio: f64) -> Option<Array2<f64>> {
    let n = gram.nrows();
    let g: Vec<f64> = gram.iter().copied().collect();
    let top = (0..n).map(|i| g[i * n + i]).fold(0.0f64, f64::max);
    if top.is_nan() || top <= 0.0 {
        return None;
    }
    // Row-major L, row by row: L[j][k] = (G[j][k] - L[j][..k]·L[k][..k]) / L[k][k].
    let mut l = vec![0.0f64; n * n];
    for j in 0..n {
        let (done, rest) = l.split_at_mut(j * n);
        let row = &mut rest[..n];
        for k in 0..j {
            let dot: f64 = row[..k]
                .iter()
                .zip(&done[k * n..k * n + k])
                .map(|(a, b)| a * b)
                .sum();
            row[k] = (g[j * n + k] - dot) / done[k * n + k];
        }
        let pivot = g[j * n + j] - row[..j].iter().map(|x| x * x).sum::<f64>();
        if pivot.is_nan() || pivot <= top * ratio {
            return None;
        }
        row[j] = pivot.sqrt();
    }
    // X = L⁻¹ by forward substitution; the answer is Xᵀ.
    let mut x = vec![0.0f64; n * n];
    for i in 0..n {
        let diagonal = l[i * n + i];
        x[i * n + i] = 1.0 / diagonal;
        for j in 0..i {
            let sum: f64 = (j..i).map(|k| l[i * n + k] * x[k * n + j]).sum();
            x[i * n + j] = -sum / diagonal;
        }
    }
    Some(Array2::from_shape_fn((n, n), |(r, c)| x[c * n + r]))
}

/// `Mᵀ (M Z)` for sparse `M` (`rows × cols`) and dense `Z` (`cols × width`), in one pass over
/// `M` that never builds the `rows × width` product. Work is split into column groups of up to
/// [`GROUP_LINES`] cache lines of [`LANES`] values (see [`line_groups`]) times [`ROW_SPLITS`]
/// row ranges; the row ranges' partial sums are added in order. Every output value is summed
/// in the same order whatever the grouping, so the grouping only changes the speed.
fn gram_product(m: &Ordered, z: &Panel, out: &mut Panel, partials: &mut Vec<Aligned>) {
    let groups = line_groups(z.stride / LANES);
    let split = m.n_rows.div_ceil(ROW_SPLITS).max(1);
    let tasks: Vec<(Range<usize>, Range<usize>)> = groups
        .iter()
        .flat_map(|group| {
            (0..ROW_SPLITS).map(move |s| {
                (
                    group.clone(),
                    (s * split).min(m.n_rows)..((s + 1) * split).min(m.n_rows),
                )
            })
        })
        .collect();
    partials.truncate(tasks.len());
    for (partial, (group, _)) in partials.iter_mut().zip(&tasks) {
        if partial.len != z.rows * group.len() * LANES {
            *partial = Aligned::zeros(z.rows * group.len() * LANES);
        }
    }
    for (group, _) in &tasks[partials.len()..] {
        partials.push(Aligned::zeros(z.rows * group.len() * LANES));
    }
    partials
        .par_iter_mut()
        .zip(tasks)
        .for_each(|(partial, (group, rows))| fused_block(m, rows, z, group, partial));
    if (out.rows, out.cols) != (z.rows, z.cols) {
        *out = Panel::zeros(z.rows, z.cols);
    }
    let stride = out.stride;
    let partials = &partials[..];
    let groups = &groups[..];
    out.buf
        .as_mut_slice()
        .par_chunks_mut(CHUNK * stride)
        .enumerate()
        .for_each(|(k, block)| {
            for (r, row) in block.chunks_mut(stride).enumerate() {
                let j = k * CHUNK + r;
                for (g, group) in groups.iter().enumerate() {
                    let width = group.len() * LANES;
                    let dst = &mut row[group.start * LANES..group.end * LANES];
                    dst.fill(0.0);
                    for partial in &partials[g * ROW_SPLITS..(g + 1) * ROW_SPLITS] {
                        let src = &partial.as_slice()[j * width..(j + 1) * width];
                        for (d, &x) in dst.iter_mut().zip(src) {
                            *d += x;
                        }
                    }
                }
            }
        });
}

/// Most cache lines of `Z` (and of the output) one fused task handles per non-zero. One
/// non-zero then fetches a whole row of `Z` from one place and the sparse matrix is read once
/// per group rather than once per line; seven lines (a hundred dimensions plus oversampling)
/// still fit the sixteen AVX2 registers.
const GROUP_LINES: usize = 7;
// The kernels are dispatched for groups of 1 to 7 lines; a larger group would be skipped.
const _: () = assert!(GROUP_LINES <= 7);

/// `lines` cache lines cut into as few groups of at most [`GROUP_LINES`] as possible, of
/// nearly equal size.
fn line_groups(lines: usize) -> Vec<Range<usize>> {
    let count = lines.div_ceil(GROUP_LINES).max(1);
    (0..count)
        .map(|g| g * lines / count..(g + 1) * lines / count)
        .collect()
}

/// Rows `rows` of `M`'s contribution to the columns of line group `group` of `Mᵀ (M Z)`: for
/// each row, `y = m_i Z` on those columns, then `out[c] += m_ic · y` for its non-zeros.
fn fused_block(m: &Ordered, rows: Range<usize>, z: &Panel, group: Range<usize>, out: &mut Aligned) {
    out.as_mut_slice().fill(0.0);
    let task = Task {
        m,
        rows,
        src: z.buf.as_slice(),
        stride: z.stride,
        offset: group.start * LANES,
    };
    let acc = out.as_mut_slice();
    macro_rules! dispatch {
        ($($g:literal)*) => {
            match group.len() {
                $($g => run_best::<$g>(Kernel::Fused(acc), &task),)*
                _ => {}
            }
        };
    }
    dispatch!(1 2 3 4 5 6 7);
}

/// What one sparse-times-dense task reads: rows of `m`, and the dense panel (`src`, rows of
/// `stride` values) from column `offset` on.
struct Task<'a> {
    m: &'a Ordered<'a>,
    rows: Range<usize>,
    src: &'a [f32],
    stride: usize,
    offset: usize,
}

/// What a task computes with each row's `y = m_i P` (on the task's columns).
enum Kernel<'a> {
    /// `acc[c] += m_ic · y` for the row's non-zeros `c` (rows of the group's width): the fused
    /// `Mᵀ (M Z)`.
    Fused(&'a mut [f32]),
    /// `y` itself, in `f64`, into the task's rows of `M P` (rows of `cols` values, written
    /// from column `offset` on, at most `width` of them).
    Rows {
        out: &'a mut [f64],
        cols: usize,
        width: usize,
    },
}

/// Runs `kernel` with the fastest copy of [`fused_rows`] or [`product_rows`] the running CPU
/// can execute (see [`linalg::run_avx2_fma`]).
fn run_best<const G: usize>(kernel: Kernel, task: &Task) {
    linalg::run_avx2_fma(Lines::<G> { kernel, task });
}

/// A task's kernel on `G` cache lines, as [`linalg::run_avx2_fma`] runs it.
struct Lines<'k, 't, const G: usize> {
    kernel: Kernel<'k>,
    task: &'t Task<'t>,
}

impl<const G: usize> linalg::FmaKernel for Lines<'_, '_, G> {
    type Output = ();

    #[inline(always)]
    fn run<const FMA: bool>(self) {
        match self.kernel {
            Kernel::Fused(acc) => fused_rows::<G, FMA>(self.task, acc),
            Kernel::Rows { out, cols, width } => {
                product_rows::<G, FMA>(self.task, out, cols, width)
            }
        }
    }
}

/// Non-zeros ahead whose rows of the dense panel (and of the fused product's output) are
/// prefetched: the products wait on memory, not on arithmetic, and the renumbered columns
/// of the next non-zeros are known long before they are needed.
const PREFETCH_AHEAD: usize = 16;

/// `y = m_i P` on the task's `G` cache lines, summed in non-zero order; prefetches the rows
/// of `P` (and of `acc`, when given, rows of `G` lines) [`PREFETCH_AHEAD`] non-zeros on.
#[inline(always)]
fn gather<const G: usize, const FMA: bool>(
    task: &Task,
    i: usize,
    acc: Option<&[f32]>,
) -> [[f32; LANES]; G] {
    let m = task.m;
    let width = G * LANES;
    let range = m.indptr[i]..m.indptr[i + 1];
    let mut y = [[0f32; LANES]; G];
    for ((&c, &v), p) in m.indices[range.clone()]
        .iter()
        .zip(&m.values[range.clone()])
        .zip(range)
    {
        if let Some(&ahead) = m.indices.get(p + PREFETCH_AHEAD) {
            let at = ahead as usize * task.stride + task.offset;
            prefetch_lines::<G>(task.src.as_ptr().wrapping_add(at));
            if let Some(acc) = acc {
                prefetch_lines::<G>(acc.as_ptr().wrapping_add(ahead as usize * width));
            }
        }
        let at = c as usize * task.stride + task.offset;
        let src = &task.src[at..at + width];
        for (y, x) in y.iter_mut().zip(src.chunks_exact(LANES)) {
            axpy::<FMA>(y, v, x);
        }
    }
    y
}

/// The fused product's inner loops on `G` cache lines; `FMA` picks fused multiply-adds (for
/// CPUs that have them). Each value of `y` and of `acc` is summed in non-zero order, whatever
/// `G`, so the grouping of lines never changes a result.
#[inline(always)]
fn fused_rows<const G: usize, const FMA: bool>(task: &Task, acc: &mut [f32]) {
    let width = G * LANES;
    let m = task.m;
    for i in task.rows.clone() {
        let y = gather::<G, FMA>(task, i, Some(acc));
        let range = m.indptr[i]..m.indptr[i + 1];
        for (&c, &v) in m.indices[range.clone()].iter().zip(&m.values[range]) {
            let at = c as usize * width;
            let dst = &mut acc[at..at + width];
            for (d, y) in dst.chunks_exact_mut(LANES).zip(&y) {
                axpy::<FMA>(d, v, y);
            }
        }
    }
}

/// Rows of `M P` on `G` cache lines, into `out` (rows of `cols` values, the task's first row
/// first; `width` values from column `task.offset` on).
#[inline(always)]
fn product_rows<const G: usize, const FMA: bool>(
    task: &Task,
    out: &mut [f64],
    cols: usize,
    width: usize,
) {
    for (r, i) in task.rows.clone().enumerate() {
        let y = gather::<G, FMA>(task, i, None);
        let at = r * cols + task.offset;
        for (d, &x) in out[at..at + width].iter_mut().zip(y.iter().flatten()) {
            *d = f64::from(x);
        }
    }
}

/// Asks the CPU to start loading the `G` cache lines from `at` on (a hint: any address is
/// harmless).
#[inline(always)]
fn prefetch_lines<const G: usize>(at: *const f32) {
    for line in 0..G {
        linalg::prefetch_read(at.wrapping_add(line * LANES));
    }
}

/// `y += a · x`.
#[inline(always)]
fn axpy<const FMA: bool>(y: &mut [f32], a: f32, x: &[f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if FMA { a.mul_add(x, *y) } else { *y + a * x };
    }
}

/// Rows per task of [`sparse_times`] (fixed; each output row depends only on its own row).
const SPARSE_ROWS: usize = 512;

/// `M P` for sparse `M` and dense `P`, each row summed in `f32` in non-zero order and returned
/// in `f64`. Each output row depends only on its own sparse row, so the result does not depend
/// on the thread count.
fn sparse_times(m: &Ordered, p: &Panel) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros((m.n_rows, p.cols));
    let cols = p.cols;
    let groups = line_groups(p.stride / LANES);
    if let (Some(slice), true) = (out.as_slice_mut(), cols > 0) {
        slice
            .par_chunks_mut(SPARSE_ROWS * cols)
            .enumerate()
            .for_each(|(k, out)| {
                let first = k * SPARSE_ROWS;
                for group in &groups {
                    let task = Task {
                        m,
                        rows: first..first + out.len() / cols,
                        src: p.buf.as_slice(),
                        stride: p.stride,
                        offset: group.start * LANES,
                    };
                    let width = (group.len() * LANES).min(cols - task.offset);
                    let kernel = Kernel::Rows {
                        out: &mut *out,
                        cols,
                        width,
                    };
                    macro_rules! dispatch {
                        ($($g:literal)*) => {
                            match group.len() {
                                $($g => run_best::<$g>(kernel, &task),)*
                                _ => {}
                            }
                        };
                    }
                    dispatch!(1 2 3 4 5 6 7);
                }
            });
    }
    out
}

/// Symmetric eigen-decomposition with eigenvalues in descending order and a fixed sign per
/// eigenvector (largest-magnitude entry positive), so output is reproducible.
fn sorted_eigh(matrix: &Array2<f64>) -> Result<(Array1<f64>, Array2<f64>)> {
    sorted_eigh_in(matrix, "LSA")
}

/// [`sorted_eigh`] for another `stage`, which a failure names.
pub(crate) fn sorted_eigh_in(
    matrix: &Array2<f64>,
    stage: &'static str,
) -> Result<(Array1<f64>, Array2<f64>)> {
    let (vals, vecs) = matrix.eigh().map_err(|e| Error::Numeric {
        stage,
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

/// Rows per block of [`project_2d`]'s Gram matrix: blocks are multiplied in parallel.
const GRAM_BLOCK_ROWS: usize = 32_768;

/// Projects rows onto their first two principal directions (for a 2-D map of the units).
/// Deterministic; rows of a one-dimensional input get `y = 0`. The covariance comes from the
/// Gram matrix minus the mean's outer product, and each row is centred as it is projected, so
/// no centred copy of the (possibly half-gigabyte) vectors is made.
pub fn project_2d(vectors: &Array2<f64>) -> Vec<[f64; 2]> {
    let n = vectors.nrows();
    if n == 0 || vectors.ncols() == 0 {
        return vec![[0.0, 0.0]; n];
    }
    let mean = vectors
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(vectors.ncols()));
    // The Gram matrix summed over fixed blocks of rows, in parallel and in block order, so it
    // is the same at any thread count (and a single product for up to one block).
    let mut covariance = vectors
        .axis_chunks_iter(Axis(0), GRAM_BLOCK_ROWS)
        .into_par_iter()
        .map(|block| block.t().dot(&block))
        .collect::<Vec<_>>()
        .into_iter()
        .reduce(|sum, block| sum + block)
        .unwrap_or_else(|| Array2::zeros((vectors.ncols(), vectors.ncols())));
    let outer = mean
        .view()
        .insert_axis(Axis(1))
        .dot(&mean.view().insert_axis(Axis(0)));
    covariance.scaled_add(-(n as f64), &outer);
    let Ok((_, directions)) = sorted_eigh(&covariance) else {
        return vec![[0.0, 0.0]; n];
    };
    let take = directions.ncols().min(2);
    let directions = directions.slice(s![.., ..take]);
    let offset = mean.dot(&directions);
    vectors
        .axis_iter(Axis(0))
        .into_par_iter()
        .map(|row| {
            let p = row.dot(&directions);
            let x = p[0] - offset[0];
            let y = if take > 1 { p[1] - offset[1] } else { 0.0 };
            [x, y]
        })
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
        CsrMatrix::from_rows(rows, n_cols)
    }

    #[test]
    fn recovers_the_singular_values_of_a_block_matrix() {
        // Two blocks of identical rows: rank 2, singular values sqrt(3)*1 and sqrt(2)*2.
        let a: &[(u32, f32)] = &[(0, 1.0)];
        let b: &[(u32, f32)] = &[(1, 2.0), (2, 0.0)];
        let m = csr(&[a, a, a, b, b], 3);
        let e = lsa(&m, 2, 7).unwrap();
        // The dense blocks are `f32`: about seven significant digits.
        assert!(
            (e.singular_values[0] - 8f64.sqrt()).abs() < 1e-5,
            "{:?}",
            e.singular_values
        );
        assert!(
            (e.singular_values[1] - 3f64.sqrt()).abs() < 1e-5,
            "{:?}",
            e.singular_values
        );
        // Rows of one block map to the same unit vector; the blocks are orthogonal.
        let v = &e.vectors;
        assert!((v.row(0).dot(&v.row(1)) - 1.0).abs() < 1e-6);
        assert!(v.row(0).dot(&v.row(3)).abs() < 1e-6);
        assert!((e.explained - 1.0).abs() < 1e-5);
    }

    #[test]
    fn rank_deficient_input_gets_no_spurious_directions() {
        // Rank 2 with room for 4 dimensions: the extra ones must be (numerically) zero.
        let a: &[(u32, f32)] = &[(0, 1.0), (3, 1.0)];
        let b: &[(u32, f32)] = &[(1, 2.0)];
        let m = csr(&[a, b, a, b, a, a], 4);
        let e = lsa(&m, 4, 3).unwrap();
        assert!(
            (e.singular_values[0] - 8f64.sqrt()).abs() < 1e-5,
            "{:?}",
            e.singular_values
        );
        assert!(
            (e.singular_values[1] - 8f64.sqrt()).abs() < 1e-5,
            "{:?}",
            e.singular_values
        );
        assert!(
            e.singular_values[2..].iter().all(|&s| s < 1e-3),
            "{:?}",
            e.singular_values
        );
        assert!((e.explained - 1.0).abs() < 1e-5);
    }

    /// A sparse pseudo-random matrix whose rows are scaled copies of `rank` random base rows
    /// (`rank = 0`: every row independent), with column weights decaying like a text spectrum.
    fn random_csr(
        n_rows: usize,
        n_cols: usize,
        per_row: usize,
        rank: usize,
        seed: u64,
    ) -> CsrMatrix {
        use rand::Rng;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let draw_row = |rng: &mut Xoshiro256PlusPlus| {
            let mut row: Vec<(u32, f32)> = (0..per_row)
                .map(|_| {
                    let c = rng.gen_range(0..n_cols);
                    (
                        c as u32,
                        rng.gen_range(0.1f32..1.0) / (1.0 + c as f32 / 8.0),
                    )
                })
                .collect();
            row.sort_by_key(|&(c, _)| c);
            row.dedup_by_key(|&mut (c, _)| c);
            row
        };
        let bases: Vec<Vec<(u32, f32)>> = (0..rank).map(|_| draw_row(&mut rng)).collect();
        let rows: Vec<Vec<(u32, f32)>> = (0..n_rows)
            .map(|i| {
                if rank == 0 {
                    draw_row(&mut rng)
                } else {
                    let scale = rng.gen_range(0.5f32..2.0);
                    bases[i % rank]
                        .iter()
                        .map(|&(c, v)| (c, v * scale))
                        .collect()
                }
            })
            .collect();
        let refs: Vec<&[(u32, f32)]> = rows.iter().map(Vec::as_slice).collect();
        csr(&refs, n_cols)
    }

    /// `f` run in a pool of `threads` workers.
    fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    fn dense(m: &CsrMatrix) -> Array2<f64> {
        let mut d = Array2::<f64>::zeros((m.n_rows, m.n_cols));
        for i in 0..m.n_rows {
            for (c, v) in m.row(i) {
                d[[i, c]] = v as f64;
            }
        }
        d
    }

    /// Checks an embedding against the exact SVD of a matrix of rank at most the LSA width.
    fn check_exact(m: &CsrMatrix, dims: usize) {
        let a = dense(m);
        let (exact, _) = sorted_eigh(&a.t().dot(&a)).unwrap();
        let e = lsa(m, dims, 11).unwrap();
        assert_eq!(e.singular_values.len(), dims);
        for (got, want) in e
            .singular_values
            .iter()
            .zip(exact.iter().map(|l| l.max(0.0).sqrt()))
        {
            assert!((got - want).abs() < 1e-4 * want.max(1.0), "{got} vs {want}");
        }
        // Components are orthonormal rows.
        let c = &e.components;
        assert_eq!(c.dim(), (dims, m.n_cols));
        let identity = c.dot(&c.t());
        for ((i, j), &x) in identity.indexed_iter() {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!(
                (x - want).abs() < 1e-4,
                "components not orthonormal: ({i},{j}) = {x}"
            );
        }
        // Each unit's vector is its TF-IDF row projected onto the components, normalised.
        let mut projected = a.dot(&c.t());
        normalize_rows(&mut projected);
        for (p, v) in projected.outer_iter().zip(e.vectors.outer_iter()) {
            for (x, y) in p.iter().zip(v) {
                assert!((x - y).abs() < 1e-3, "{p} vs {v}");
            }
        }
    }

    #[test]
    fn wide_embeddings_run_in_several_line_groups_and_stay_exact() {
        // 150 dims: the block is wider than GROUP_LINES cache lines, so the fused product is
        // cut into two groups of lines (no default run is this wide).
        let m = random_csr(400, 300, 30, 150, 12);
        check_exact(&m, 150);
        let run = |threads: usize| with_threads(threads, || lsa(&m, 150, 4).unwrap());
        assert_eq!(run(1).vectors, run(2).vectors);
    }

    #[test]
    fn matches_the_exact_svd_with_more_units_than_terms() {
        check_exact(&random_csr(300, 120, 12, 8, 1), 5);
    }

    #[test]
    fn matches_the_exact_svd_with_more_terms_than_units() {
        check_exact(&random_csr(120, 300, 40, 8, 2), 5);
    }

    #[test]
    fn top_singular_values_of_a_full_rank_matrix_are_accurate() {
        // Full rank, so the randomised SVD is an approximation: the leading values converge.
        for m in [
            random_csr(900, 400, 15, 0, 5),
            random_csr(400, 900, 30, 0, 6),
        ] {
            let a = dense(&m);
            let (exact, _) = sorted_eigh(&a.t().dot(&a)).unwrap();
            let e = lsa(&m, 10, 3).unwrap();
            for (got, want) in e.singular_values.iter().take(5).zip(exact.iter()) {
                let want = want.sqrt();
                assert!((got - want).abs() < 1e-3 * want, "{got} vs {want}");
            }
        }
    }

    #[test]
    fn thread_count_does_not_change_the_embedding() {
        // Large enough for several row chunks, both orientations.
        for m in [
            random_csr(6000, 2600, 10, 0, 8),
            random_csr(2600, 6000, 25, 0, 9),
        ] {
            let run = |threads: usize| with_threads(threads, || lsa(&m, 20, 4).unwrap());
            let (one, two) = (run(1), run(2));
            assert_eq!(one.vectors, two.vectors);
            assert_eq!(one.components, two.components);
            assert_eq!(one.singular_values, two.singular_values);
        }
    }

    #[test]
    fn map_of_many_rows_is_the_same_at_any_thread_count() {
        // More rows than one Gram block, so the blocks are summed.
        let n = 2 * GRAM_BLOCK_ROWS + 123;
        let vectors = Array2::from_shape_fn((n, 3), |(i, j)| {
            let x = ((i * 7919 + j * 104_729) % 1000) as f64 / 1000.0;
            x + if j == 0 { (i % 3) as f64 } else { 0.0 }
        });
        let run = |threads: usize| with_threads(threads, || project_2d(&vectors));
        let (one, two) = (run(1), run(2));
        assert_eq!(one, two);
        // The spread along the first direction is the largest variance: column 0 (three levels).
        let mean = one.iter().map(|p| p[0]).sum::<f64>() / n as f64;
        assert!(mean.abs() < 1e-9, "centred: {mean}");
        let var0 = one.iter().map(|p| p[0] * p[0]).sum::<f64>() / n as f64;
        let var1 = one.iter().map(|p| p[1] * p[1]).sum::<f64>() / n as f64;
        assert!(var0 > 0.6 && var0 > 5.0 * var1, "{var0} vs {var1}");
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
