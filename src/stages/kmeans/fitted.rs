//! The fitted k-means stage: the theme centres in the LSA space ([`KMeans::predict`] places
//! new vectors), kept from the final [`Clustering`].

use ndarray::{Array2, ArrayView1, Axis};
use serde::{Deserialize, Serialize};

use super::{assign, Clustering};

/// Theme centres in the LSA space (`k × dims`, in theme order: largest theme first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeans {
    k: usize,
    dims: usize,
    /// Row-major `k × dims`.
    centres: Vec<f64>,
}

impl KMeans {
    /// The centres of a finished clustering.
    pub fn from_clustering(clustering: &Clustering) -> KMeans {
        let (k, dims) = clustering.centroids.dim();
        KMeans {
            k,
            dims,
            centres: clustering.centroids.iter().copied().collect(),
        }
    }

    /// Number of themes.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The centres as a matrix.
    pub fn centres(&self) -> Array2<f64> {
        Array2::from_shape_vec((self.k, self.dims), self.centres.clone())
            .unwrap_or_else(|_| Array2::zeros((self.k, self.dims)))
    }

    /// The nearest centre (Euclidean; ties to the lower theme) of every row of `vectors`
    /// (L2-normalised, `rows × dims`), as k-means assigns them.
    pub fn predict(&self, vectors: &Array2<f64>) -> Vec<usize> {
        if vectors.nrows() == 0 || self.k == 0 {
            return vec![0; vectors.nrows()];
        }
        assign(vectors, &self.centres())
    }

    /// The cosine between `vector` and the centre of `theme` (the unit's score in reports).
    pub fn score(&self, vector: ArrayView1<'_, f64>, theme: usize) -> f64 {
        let Some(centre) = self.centres.get(theme * self.dims..(theme + 1) * self.dims) else {
            return 0.0;
        };
        let centre = ArrayView1::from(centre);
        let norm = centre.dot(&centre).sqrt().max(f64::MIN_POSITIVE);
        vector.dot(&centre) / norm
    }

    /// Scores of every row of `vectors` against the given themes.
    pub fn scores(&self, vectors: &Array2<f64>, themes: &[usize]) -> Vec<f64> {
        vectors
            .axis_iter(Axis(0))
            .zip(themes)
            .map(|(row, &theme)| self.score(row, theme))
            .collect()
    }
}
