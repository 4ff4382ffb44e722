//! Stage 5, vectorize: segment every unit in parallel (Rayon) and build a sparse TF-IDF matrix.
//!
//! Sublinear tf (`1 + ln tf`), smoothed idf (`ln((1 + n) / (1 + df)) + 1`), rows L2-normalised,
//! vocabulary pruned by document frequency. Terms are interned to `u32` ids; the matrix is CSR
//! with `f32` values, so memory grows with the number of non-zeros, never with units × terms.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

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
///
/// Held compactly, chunk by chunk: each chunk of units has its own small vocabulary (terms
/// borrow the unit text where they can) and each unit is a run of `(local id, count)` pairs,
/// so no token string is ever copied. [`tfidf`] merges the chunk vocabularies in chunk order.
pub struct Segmented<'a> {
    chunks: Vec<ChunkTerms<'a>>,
}

impl Segmented<'_> {
    /// Number of units segmented.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.ends.len()).sum()
    }

    /// True when there are no units.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One chunk of consecutive units, segmented.
struct ChunkTerms<'a> {
    /// Local vocabulary: term (normal form) by local id, in order of first appearance.
    terms: Vec<Cow<'a, str>>,
    /// Number of the chunk's units containing each local term.
    df: Vec<u32>,
    /// Every unit's distinct terms in first-appearance order: `(local id, count)`.
    entries: Vec<(u32, u32)>,
    /// Unit `i` of the chunk owns `entries[ends[i - 1]..ends[i]]`.
    ends: Vec<usize>,
    /// `(local id, surface, count)` for each unit whose first surface form of a term differs
    /// from the term (`ChatGPT` for `chatgpt`): the unit's count of the term goes to that form.
    surfaces: Vec<(u32, &'a str, u32)>,
}

/// The cached verdict on a jieba word: a word that is not a term.
const NOT_A_TERM: u32 = u32::MAX;
/// The cached verdict on a jieba word: flag set when the word is written unlike its term.
const OTHER_SURFACE: u32 = 1 << 31;

/// What one worker has learnt about jieba words, kept from chunk to chunk so that each
/// distinct word is filtered and hashed into a term once per worker, not once per chunk.
#[derive(Default)]
struct WordCache<'a> {
    /// Word as cut → its term's slot (`| OTHER_SURFACE`), or `NOT_A_TERM`.
    verdicts: FxHashMap<&'a str, u32>,
    /// Term → slot (two words can share a term: `GPU`, `gpu`).
    slots: FxHashMap<Cow<'a, str>, u32>,
    /// Per slot: the term and where it was last seen.
    terms: Vec<SlotState<'a>>,
}

/// A term known to a [`WordCache`], and where the worker last met it.
struct SlotState<'a> {
    term: Cow<'a, str>,
    /// 1 + index of the last chunk that used the term, and its local id there.
    chunk: (u32, u32),
    /// 1 + index of the last unit that used the term, and its entry in that unit.
    unit: (u32, u32),
}

impl<'a> WordCache<'a> {
    /// The verdict on `word`, deciding (and remembering) it on first sight.
    fn verdict(&mut self, word: &'a str, segmenter: &Segmenter) -> u32 {
        if let Some(&verdict) = self.verdicts.get(word) {
            return verdict;
        }
        let verdict = match segmenter.term(word) {
            None => NOT_A_TERM,
            Some(term) => {
                let other = if term.as_ref() != word { OTHER_SURFACE } else { 0 };
                let next = self.terms.len() as u32;
                let slot = *self.slots.entry(term).or_insert_with_key(|term| {
                    self.terms.push(SlotState {
                        term: term.clone(),
                        chunk: (0, 0),
                        unit: (0, 0),
                    });
                    next
                });
                slot | other
            }
        };
        self.verdicts.insert(word, verdict);
        verdict
    }
}

/// Segments a chunk of units (`first_unit` is the index of its first unit, `index` its own).
fn segment_chunk<'a>(
    cache: &mut WordCache<'a>,
    index: usize,
    first_unit: usize,
    texts: &[&'a str],
    segmenter: &Segmenter,
) -> ChunkTerms<'a> {
    let mut chunk = ChunkTerms {
        terms: Vec::new(),
        df: Vec::new(),
        entries: Vec::new(),
        ends: Vec::with_capacity(texts.len()),
        surfaces: Vec::new(),
    };
    let chunk_stamp = index as u32 + 1;
    // This unit's entries whose first surface differs from the term: (entry, surface).
    let mut first_surfaces: Vec<(usize, &'a str)> = Vec::new();
    for (unit, text) in texts.iter().enumerate() {
        let unit_stamp = (first_unit + unit) as u32 + 1;
        for word in segmenter.words(text) {
            // One character is never a term: skip the look-up for punctuation, 的, 了, ...
            let mut chars = word.chars();
            if chars.next().is_none() || chars.next().is_none() {
                continue;
            }
            let verdict = cache.verdict(word, segmenter);
            if verdict == NOT_A_TERM {
                continue;
            }
            let state = &mut cache.terms[(verdict & !OTHER_SURFACE) as usize];
            if state.unit.0 == unit_stamp {
                chunk.entries[state.unit.1 as usize].1 += 1;
                continue;
            }
            if state.chunk.0 != chunk_stamp {
                state.chunk = (chunk_stamp, chunk.terms.len() as u32);
                chunk.terms.push(state.term.clone());
                chunk.df.push(0);
            }
            let local = state.chunk.1;
            state.unit = (unit_stamp, chunk.entries.len() as u32);
            if verdict & OTHER_SURFACE != 0 {
                first_surfaces.push((chunk.entries.len(), word));
            }
            chunk.entries.push((local, 1));
            chunk.df[local as usize] += 1;
        }
        for (entry, surface) in first_surfaces.drain(..) {
            let (id, count) = chunk.entries[entry];
            chunk.surfaces.push((id, surface, count));
        }
        chunk.ends.push(chunk.entries.len());
    }
    chunk
}

/// Units per parallel task (and per progress report) in [`segment_units`]: about 64 tasks,
/// between 8 and 2,048 units each. The result does not depend on it.
fn chunk_len(n_units: usize) -> usize {
    n_units.div_ceil(64).clamp(8, 2048)
}

/// Stage 4: segments `texts` in parallel (Rayon), reporting [`Progress::advance`] with the
/// number of units done after every chunk of them.
pub fn segment_units<'a>(
    texts: &[&'a str],
    segmenter: &Segmenter,
    progress: &dyn Progress,
) -> Segmented<'a> {
    segment_in_chunks(texts, segmenter, progress, chunk_len(texts.len()))
}

/// [`segment_units`] with a given chunk length (tests vary it: the result must not change).
fn segment_in_chunks<'a>(
    texts: &[&'a str],
    segmenter: &Segmenter,
    progress: &dyn Progress,
    chunk_len: usize,
) -> Segmented<'a> {
    let chunk_len = chunk_len.max(1);
    let chunks = texts
        .par_chunks(chunk_len)
        .enumerate()
        .map_init(WordCache::default, |cache, (index, chunk)| {
            let terms = segment_chunk(cache, index, index * chunk_len, chunk, segmenter);
            progress.advance(chunk.len() as u64);
            terms
        })
        .collect();
    Segmented { chunks }
}

/// Stage 5: the TF-IDF matrix of segmented units.
pub fn tfidf(segmented: Segmented<'_>, options: &TfidfOptions) -> Vectors {
    let mut chunks = segmented.chunks;
    let n_units: usize = chunks.iter().map(|c| c.ends.len()).sum();

    // 1. Merge the chunk vocabularies in chunk order: global ids follow first appearance.
    let mut index: FxHashMap<Cow<'_, str>, u32> = FxHashMap::default();
    let mut terms: Vec<Cow<'_, str>> = Vec::new();
    let mut df: Vec<u32> = Vec::new();
    let mut surfaces: FxHashMap<u32, FxHashMap<&str, u32>> = FxHashMap::default();
    let mut to_global: Vec<Vec<u32>> = Vec::with_capacity(chunks.len());
    for chunk in &mut chunks {
        let mut global = Vec::with_capacity(chunk.terms.len());
        for (term, &d) in std::mem::take(&mut chunk.terms).into_iter().zip(&chunk.df) {
            let id = match index.get(term.as_ref()) {
                Some(&id) => id,
                None => {
                    let id = terms.len() as u32;
                    index.insert(term.clone(), id);
                    terms.push(term);
                    df.push(0);
                    id
                }
            };
            df[id as usize] += d;
            global.push(id);
        }
        for &(local, surface, count) in &chunk.surfaces {
            *surfaces
                .entry(global[local as usize])
                .or_default()
                .entry(surface)
                .or_default() += count;
        }
        to_global.push(global);
    }
    drop(index);

    // 2. Prune by document frequency and renumber the kept terms densely.
    let max_df = (options.max_df * n_units as f64).floor() as u32;
    let min_df = options.min_df.max(1) as u32;
    let mut remap = vec![u32::MAX; terms.len()];
    let mut vocab = Vocabulary::default();
    for (old, term) in terms.iter().enumerate() {
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
    drop((terms, df, surfaces));
    let n = n_units as f32;
    vocab.idf = vocab
        .df
        .iter()
        .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
        .collect();

    // 3. Weight and normalise, chunk by chunk in parallel, straight into the final arrays.
    for (chunk, global) in chunks.iter().zip(&mut to_global) {
        for id in global.iter_mut() {
            *id = remap[*id as usize];
        }
        debug_assert_eq!(chunk.df.len(), global.len());
    }
    drop(remap);
    let kept_per_chunk: Vec<usize> = chunks
        .par_iter()
        .zip(&to_global)
        .map(|(chunk, new)| {
            chunk
                .entries
                .iter()
                .filter(|&&(id, _)| new[id as usize] != u32::MAX)
                .count()
        })
        .collect();
    let nnz: usize = kept_per_chunk.iter().sum();
    let mut indices = vec![0u32; nnz];
    let mut values = vec![0f32; nnz];
    let mut count_values = vec![0f32; nnz];
    let mut parts = Vec::with_capacity(chunks.len());
    {
        let (mut idx, mut val, mut cnt) = (&mut indices[..], &mut values[..], &mut count_values[..]);
        for &kept in &kept_per_chunk {
            let (i, rest_i) = std::mem::take(&mut idx).split_at_mut(kept);
            let (v, rest_v) = std::mem::take(&mut val).split_at_mut(kept);
            let (c, rest_c) = std::mem::take(&mut cnt).split_at_mut(kept);
            parts.push((i, v, c));
            (idx, val, cnt) = (rest_i, rest_v, rest_c);
        }
    }
    let idf = &vocab.idf;
    let rows: Vec<(Vec<usize>, Vec<usize>)> = chunks
        .par_iter()
        .zip(&to_global)
        .zip(parts)
        .map(|((chunk, new), (indices, values, counts))| {
            weigh_chunk(chunk, new, idf, indices, values, counts)
        })
        .collect();
    drop(chunks);

    let mut vectors = Vectors {
        vocab,
        ..Vectors::default()
    };
    let mut indptr = Vec::with_capacity(n_units + 1);
    indptr.push(0);
    let mut first_unit = 0;
    let mut offset = 0;
    for ((lens, empty), kept) in rows.into_iter().zip(&kept_per_chunk) {
        let n_chunk_units = lens.len() + empty.len();
        let mut empty = empty.into_iter().peekable();
        let mut lens = lens.into_iter();
        for unit in 0..n_chunk_units {
            if empty.peek() == Some(&unit) {
                empty.next();
                vectors.empty_units.push(first_unit + unit);
            } else if let Some(len) = lens.next() {
                offset += len;
                indptr.push(offset);
                vectors.row_units.push(first_unit + unit);
            }
        }
        first_unit += n_chunk_units;
        debug_assert_eq!(offset, indptr.last().copied().unwrap_or(0));
        let _ = kept;
    }
    let n_rows = vectors.row_units.len();
    let n_cols = vectors.vocab.len();
    vectors.counts = CsrMatrix {
        n_rows,
        n_cols,
        indptr: indptr.clone(),
        indices: indices.clone(),
        values: count_values,
    };
    vectors.tfidf = CsrMatrix {
        n_rows,
        n_cols,
        indptr,
        indices,
        values,
    };
    vectors
}

/// Writes the TF-IDF rows of one chunk into its slices of the final arrays (kept terms by
/// ascending id, `(1 + ln tf) · idf`, L2-normalised). Returns the length of each non-empty
/// row and the chunk-local indices of the empty units.
fn weigh_chunk(
    chunk: &ChunkTerms<'_>,
    new_ids: &[u32],
    idf: &[f32],
    indices: &mut [u32],
    values: &mut [f32],
    counts: &mut [f32],
) -> (Vec<usize>, Vec<usize>) {
    let mut lens = Vec::with_capacity(chunk.ends.len());
    let mut empty = Vec::new();
    let mut kept: Vec<(u32, u32)> = Vec::new();
    let mut start = 0;
    let mut at = 0;
    for (unit, &end) in chunk.ends.iter().enumerate() {
        kept.clear();
        kept.extend(chunk.entries[start..end].iter().filter_map(|&(id, c)| {
            let new = new_ids[id as usize];
            (new != u32::MAX).then_some((new, c))
        }));
        start = end;
        if kept.is_empty() {
            empty.push(unit);
            continue;
        }
        kept.sort_unstable_by_key(|&(id, _)| id);
        let row = at..at + kept.len();
        for (slot, &(id, c)) in row.clone().zip(&kept) {
            indices[slot] = id;
            values[slot] = (1.0 + (c as f32).ln()) * idf[id as usize];
            counts[slot] = c as f32;
        }
        let norm = values[row.clone()].iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            values[row].iter_mut().for_each(|v| *v /= norm);
        }
        at += kept.len();
        lens.push(kept.len());
    }
    (lens, empty)
}

/// The most common surface form of a term (ties: the first in code-point order), or the term.
fn display_form(term: &str, surfaces: Option<&FxHashMap<&str, u32>>) -> String {
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
