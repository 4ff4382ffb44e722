//! Stage 5, vectorize: segment every unit in parallel (Rayon) and build a sparse TF-IDF matrix.
//!
//! Sublinear tf (`1 + ln tf`), smoothed idf (`ln((1 + n) / (1 + df)) + 1`), rows L2-normalised,
//! vocabulary pruned by document frequency. Terms are interned to `u32` ids; the matrix is CSR
//! with `f32` values, so memory grows with the number of non-zeros, never with units × terms.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::progress::{NoProgress, Progress};
use crate::segment::Segmenter;

/// Vocabulary pruning and weighting options.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TfidfOptions {
    /// Drop terms found in fewer units than this.
    pub min_df: usize,
    /// Drop terms found in more than this share of units (they name no theme).
    pub max_df: f64,
}

impl Default for TfidfOptions {
    fn default() -> Self {
        TfidfOptions {
            min_df: 2,
            max_df: 0.5,
        }
    }
}

/// A compressed-sparse-row matrix of `f32`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsrMatrix {
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_cols: usize,
    /// Row `i` holds entries `indptr[i]..indptr[i + 1]`.
    pub indptr: Vec<usize>,
    /// Column of each entry, ascending within a row.
    pub indices: Vec<u32>,
    /// Value of each entry.
    pub values: Vec<f32>,
}

impl CsrMatrix {
    /// The `(column, value)` entries of row `i`.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let range = self.indptr[i]..self.indptr[i + 1];
        self.indices[range.clone()]
            .iter()
            .zip(&self.values[range])
            .map(|(&c, &v)| (c as usize, v))
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// The transpose, also CSR (i.e. this matrix in CSC form). Deterministic.
    pub fn transpose(&self) -> CsrMatrix {
        let mut counts = vec![0usize; self.n_cols + 1];
        for &c in &self.indices {
            counts[c as usize + 1] += 1;
        }
        for i in 0..self.n_cols {
            counts[i + 1] += counts[i];
        }
        let indptr = counts.clone();
        let mut next = counts;
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0f32; self.nnz()];
        for row in 0..self.n_rows {
            for (col, value) in self.row(row) {
                let slot = next[col];
                indices[slot] = row as u32;
                values[slot] = value;
                next[col] += 1;
            }
        }
        CsrMatrix {
            n_rows: self.n_cols,
            n_cols: self.n_rows,
            indptr,
            indices,
            values,
        }
    }
}

/// The terms kept after pruning, with their statistics.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vocabulary {
    /// Term text (normal form: Latin lower-cased) by id.
    pub terms: Vec<String>,
    /// How readers write each term (`ChatGPT` for `chatgpt`): the most common surface form.
    pub display: Vec<String>,
    /// Number of units containing each term.
    pub df: Vec<u32>,
    /// Smoothed inverse document frequency of each term.
    pub idf: Vec<f32>,
}

impl Vocabulary {
    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when no term survived pruning.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The id of a term (normal form), if it is in the vocabulary. Linear in the vocabulary
    /// size; build a map if you need many look-ups.
    pub fn id(&self, term: &str) -> Option<usize> {
        self.terms.iter().position(|t| t == term)
    }
}

/// The vectorised corpus.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vectors {
    /// L2-normalised TF-IDF rows, one per unit that kept at least one term.
    pub tfidf: CsrMatrix,
    /// Raw term counts with the same sparsity pattern as `tfidf` (for class-based TF-IDF).
    pub counts: CsrMatrix,
    /// The vocabulary.
    pub vocab: Vocabulary,
    /// For each matrix row, the index of its unit in the input slice.
    pub row_units: Vec<usize>,
    /// Units that kept no term after segmentation, stop words and pruning.
    pub empty_units: Vec<usize>,
}

/// Segments `texts` in parallel and builds the TF-IDF matrix. Deterministic: ids are assigned
/// in order of first appearance, whatever the thread count.
pub fn vectorize(texts: &[&str], segmenter: &Segmenter, options: &TfidfOptions) -> Vectors {
    tfidf(segment_units(texts, segmenter, &NoProgress), options)
}

/// Every unit's distinct terms, segmented: the input of [`tfidf`].
pub struct Segmented<'a> {
    /// Per unit: distinct terms in first-appearance order, first surface form, count.
    per_unit: Vec<Vec<(Cow<'a, str>, &'a str, u32)>>,
}

/// Units per parallel task (and per progress report) in [`segment_units`].
const PROGRESS_CHUNK: usize = 64;

/// Stage 4: segments `texts` in parallel (Rayon), reporting [`Progress::advance`] with the
/// number of units done after every chunk of them.
pub fn segment_units<'a>(
    texts: &[&'a str],
    segmenter: &Segmenter,
    progress: &dyn Progress,
) -> Segmented<'a> {
    let chunks: Vec<Vec<_>> = texts
        .par_chunks(PROGRESS_CHUNK)
        .map(|chunk| {
            let terms = chunk
                .iter()
                .map(|text| count_terms(segmenter.terms_with_surface(text)))
                .collect();
            progress.advance(chunk.len() as u64);
            terms
        })
        .collect();
    Segmented {
        per_unit: chunks.into_iter().flatten().collect(),
    }
}

/// Stage 5: the TF-IDF matrix of segmented units.
pub fn tfidf(segmented: Segmented<'_>, options: &TfidfOptions) -> Vectors {
    let per_unit = segmented.per_unit;
    // 2. Intern sequentially (cheap: distinct terms per unit only) in first-appearance order.
    let mut index: HashMap<Cow<'_, str>, u32> = HashMap::new();
    let mut owned_terms: Vec<Cow<'_, str>> = Vec::new();
    let mut surfaces: HashMap<u32, HashMap<&str, u32>> = HashMap::new();
    let mut df: Vec<u32> = Vec::new();
    let mut rows: Vec<Vec<(u32, u32)>> = Vec::with_capacity(per_unit.len());
    for unit in &per_unit {
        for (term, _, _) in unit {
            if !index.contains_key(term.as_ref()) {
                index.insert(term.clone(), owned_terms.len() as u32);
                owned_terms.push(term.clone());
                df.push(0);
            }
        }
    }
    for unit in &per_unit {
        let mut row = Vec::with_capacity(unit.len());
        for (term, surface, count) in unit {
            let id = index[term.as_ref()];
            df[id as usize] += 1;
            if term.as_ref() != *surface {
                *surfaces.entry(id).or_default().entry(surface).or_default() += count;
            }
            row.push((id, *count));
        }
        rows.push(row);
    }

    // 3. Prune by document frequency and renumber the kept terms densely.
    let n_units = per_unit.len();
    let max_df = (options.max_df * n_units as f64).floor() as u32;
    let min_df = options.min_df.max(1) as u32;
    let mut remap = vec![u32::MAX; owned_terms.len()];
    let mut vocab = Vocabulary::default();
    for (old, term) in owned_terms.iter().enumerate() {
        let d = df[old];
        let within_max = n_units < 4 || d <= max_df.max(1);
        if d >= min_df && within_max {
            remap[old] = vocab.terms.len() as u32;
            vocab.terms.push(term.to_string());
            vocab
                .display
                .push(display_form(term, surfaces.get(&(old as u32))));
            vocab.df.push(d);
        }
    }
    let n = n_units as f32;
    vocab.idf = vocab
        .df
        .iter()
        .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
        .collect();

    // 4. Weight and normalise.
    let mut vectors = Vectors {
        vocab,
        ..Vectors::default()
    };
    let mut tfidf = CsrMatrix {
        n_cols: vectors.vocab.len(),
        indptr: vec![0],
        ..CsrMatrix::default()
    };
    let mut counts = tfidf.clone();
    for (unit, row) in rows.iter().enumerate() {
        let mut kept: Vec<(u32, u32)> = row
            .iter()
            .filter_map(|&(id, c)| {
                let new = remap[id as usize];
                (new != u32::MAX).then_some((new, c))
            })
            .collect();
        if kept.is_empty() {
            vectors.empty_units.push(unit);
            continue;
        }
        kept.sort_unstable_by_key(|&(id, _)| id);
        let start = tfidf.values.len();
        for &(id, c) in &kept {
            let weight = (1.0 + (c as f32).ln()) * vectors.vocab.idf[id as usize];
            tfidf.indices.push(id);
            tfidf.values.push(weight);
            counts.indices.push(id);
            counts.values.push(c as f32);
        }
        let norm = tfidf.values[start..]
            .iter()
            .map(|v| v * v)
            .sum::<f32>()
            .sqrt();
        if norm > 0.0 {
            tfidf.values[start..].iter_mut().for_each(|v| *v /= norm);
        }
        tfidf.indptr.push(tfidf.values.len());
        counts.indptr.push(counts.values.len());
        vectors.row_units.push(unit);
    }
    tfidf.n_rows = vectors.row_units.len();
    counts.n_rows = tfidf.n_rows;
    vectors.tfidf = tfidf;
    vectors.counts = counts;
    vectors
}

/// Counts a unit's terms: distinct terms in first-appearance order, each with the first
/// surface form seen and its count.
fn count_terms<'a>(terms: Vec<(Cow<'a, str>, &'a str)>) -> Vec<(Cow<'a, str>, &'a str, u32)> {
    let mut position: HashMap<Cow<'a, str>, usize> = HashMap::with_capacity(terms.len());
    let mut out: Vec<(Cow<'a, str>, &'a str, u32)> = Vec::with_capacity(terms.len());
    for (term, surface) in terms {
        match position.get(&term) {
            Some(&i) => out[i].2 += 1,
            None => {
                position.insert(term.clone(), out.len());
                out.push((term, surface, 1));
            }
        }
    }
    out
}

/// The most common surface form of a term (ties: the first in code-point order), or the term.
fn display_form(term: &str, surfaces: Option<&HashMap<&str, u32>>) -> String {
    surfaces
        .and_then(|s| {
            s.iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(surface, _)| surface.to_string())
        })
        .unwrap_or_else(|| term.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tfidf_rows_are_unit_length_and_pruned() {
        let segmenter = Segmenter::new();
        let texts = [
            "芯片出口限制影响算力供应",
            "算力紧张，芯片短缺",
            "球队赢得足球冠军",
            "足球球队输了",
            "房价上涨",
        ];
        let options = TfidfOptions {
            min_df: 2,
            max_df: 0.9,
        };
        let v = vectorize(&texts, &segmenter, &options);
        let terms: Vec<&str> = v.vocab.terms.iter().map(String::as_str).collect();
        assert!(
            terms.contains(&"芯片") && terms.contains(&"足球"),
            "{terms:?}"
        );
        assert!(!terms.contains(&"房价"), "df=1 terms are pruned: {terms:?}");
        assert_eq!(v.empty_units, vec![4]);
        assert_eq!(v.row_units, vec![0, 1, 2, 3]);
        for row in 0..v.tfidf.n_rows {
            let norm: f32 = v.tfidf.row(row).map(|(_, x)| x * x).sum();
            assert!((norm - 1.0).abs() < 1e-5);
        }
        let t = v.tfidf.transpose();
        assert_eq!(t.n_rows, v.tfidf.n_cols);
        assert_eq!(t.nnz(), v.tfidf.nnz());
    }

    #[test]
    fn display_form_keeps_the_written_case() {
        let segmenter = Segmenter::new();
        let texts = ["ChatGPT 很火", "ChatGPT 与 GPU", "GPU 供应"];
        let options = TfidfOptions {
            min_df: 1,
            max_df: 1.0,
        };
        let v = vectorize(&texts, &segmenter, &options);
        let id = v.vocab.id("chatgpt").unwrap();
        assert_eq!(v.vocab.display[id], "ChatGPT");
    }
}
