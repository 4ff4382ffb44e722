//! The fitted LSA stage: the basis learnt from the training TF-IDF matrix ([`Lsa::fit`]),
//! which projects any row of the same TF-IDF space into the reduced space
//! ([`Lsa::transform`]).
//!
//! A row `x` maps to `x W`, L2-normalised, where `W` ([`Embedding::projection`]) is the map
//! the training rows were computed with (the right singular vectors times Σ on corpora with
//! more units than terms; the components on the others), so a training text transformed again
//! gives its training row up to rounding (`W` is kept in `f32`; a test checks `1e-5`).

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{lsa_keeping, Embedding};
use crate::error::Result;
use crate::stages::tfidf::CsrMatrix;

/// The fitted LSA basis: `terms × dims`, term-major, so projecting a sparse row reads one
/// contiguous `dims`-long slice per term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lsa {
    dims: usize,
    terms: usize,
    /// `basis[term * dims + d]` = component `d` of `term`.
    #[serde(deserialize_with = "crate::model_file::f32s")]
    basis: Vec<f32>,
    /// Singular values, largest first.
    singular_values: Vec<f64>,
}

impl Lsa {
    /// Fits the basis on `matrix` (units × terms) with `dims` dimensions (capped by its
    /// shape) and returns it with the training embedding, exactly as [`super::lsa`] computes it.
    pub fn fit(matrix: &CsrMatrix, dims: usize, seed: u64) -> Result<(Lsa, Embedding)> {
        let mut embedding = lsa_keeping(matrix, dims, seed, true, &crate::progress::NoProgress)?;
        let fitted = Lsa::from_embedding(&embedding);
        embedding.projection = None;
        Ok((fitted, embedding))
    }

    /// The basis of a training embedding computed with its projection kept
    /// ([`lsa_keeping`]); without one, the components (the folding-in map `x Vᵀ`).
    pub(crate) fn from_embedding(embedding: &Embedding) -> Lsa {
        let (dims, terms) = embedding.components.dim();
        let mut basis = vec![0f32; dims * terms];
        match &embedding.projection {
            Some(projection) => {
                // terms × dims, row-major: the layout of `basis`.
                for ((t, d), &x) in projection.indexed_iter() {
                    basis[t * dims + d] = x as f32;
                }
            }
            None => {
                for ((d, t), &x) in embedding.components.indexed_iter() {
                    basis[t * dims + d] = x as f32;
                }
            }
        }
        Lsa {
            dims,
            terms,
            basis,
            singular_values: embedding.singular_values.clone(),
        }
    }

    /// Number of dimensions.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Number of terms of the TF-IDF space it projects from.
    pub fn terms(&self) -> usize {
        self.terms
    }

    /// Singular values of the training matrix, largest first.
    pub fn singular_values(&self) -> &[f64] {
        &self.singular_values
    }

    /// The reduced, L2-normalised vector of one TF-IDF row (`(term, weight)` entries); all
    /// zeros for an empty row.
    pub fn project(&self, row: impl IntoIterator<Item = (usize, f32)>) -> Vec<f64> {
        // A term past `u32` has no basis row, as one past the basis has none.
        let (terms, values): (Vec<u32>, Vec<f32>) = row
            .into_iter()
            .filter_map(|(term, value)| Some((u32::try_from(term).ok()?, value)))
            .unzip();
        let mut out = vec![0f64; self.dims];
        self.project_into(&terms, &values, &mut out);
        out
    }

    /// [`Lsa::project`] of the entries `terms` and `values` into `out` (`dims` zeros), summed
    /// by [`Project`].
    fn project_into(&self, terms: &[u32], values: &[f32], out: &mut [f64]) {
        crate::linalg::run_avx2(Project {
            basis: &self.basis,
            dims: self.dims,
            terms,
            values,
            out,
        });
        normalize(out);
    }

    /// The reduced vectors of every row of `matrix` (`rows × dims`), in parallel, each
    /// projected straight into its row of the result.
    pub fn transform(&self, matrix: &CsrMatrix) -> Array2<f64> {
        let mut out = Array2::<f64>::zeros((matrix.n_rows, self.dims));
        out.axis_iter_mut(ndarray::Axis(0))
            .into_par_iter()
            .enumerate()
            .for_each(|(i, mut dst)| match dst.as_slice_mut() {
                Some(dst) => {
                    let range = matrix.indptr[i]..matrix.indptr[i + 1];
                    self.project_into(&matrix.indices[range.clone()], &matrix.values[range], dst);
                }
                None => dst.assign(&ndarray::ArrayView1::from(&self.project(matrix.row(i))[..])),
            });
        out
    }
}

/// Scales `out` to unit length (left as it is when all zeros).
fn normalize(out: &mut [f64]) {
    let norm = out.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        out.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Terms ahead of the one being added whose basis rows are prefetched.
const PREFETCH_AHEAD: usize = 4;

/// The sum of `values[j]` times the basis row of `terms[j]` into `out`, the terms' rows loaded
/// [`PREFETCH_AHEAD`] terms early: a row is `dims` floats (400 bytes at 100 dims) at a place
/// no earlier row predicts, so without the hint each one waits for memory (the projection was
/// 8% of `assign`'s time on fudan20, most of it on those loads). Run through
/// [`crate::linalg::run_avx2`]; each component is a multiplication then an addition, in term
/// order, in either copy.
struct Project<'a> {
    basis: &'a [f32],
    dims: usize,
    terms: &'a [u32],
    values: &'a [f32],
    out: &'a mut [f64],
}

impl crate::linalg::Avx2Kernel for Project<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let Project {
            basis,
            dims,
            terms,
            values,
            out,
        } = self;
        // Floats per 64-byte cache line.
        const LINE: usize = 16;
        for (j, (&term, &value)) in terms.iter().zip(values).enumerate() {
            if let Some(&ahead) = terms.get(j + PREFETCH_AHEAD) {
                let start = ahead as usize * dims;
                for at in (start..start + dims).step_by(LINE) {
                    crate::linalg::prefetch_read(basis.as_ptr().wrapping_add(at));
                }
            }
            let term = term as usize;
            let Some(slice) = basis.get(term * dims..(term + 1) * dims) else {
                continue;
            };
            let value = f64::from(value);
            for (o, &b) in out.iter_mut().zip(slice) {
                *o += value * f64::from(b);
            }
        }
    }
}
