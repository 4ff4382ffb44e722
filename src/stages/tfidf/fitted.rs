//! The fitted TF-IDF stage: the vocabulary and idf learnt from a corpus ([`TermSpace::fit`]),
//! which maps any new text into rows of the same space ([`TermSpace::transform`]).
//!
//! A new text is weighed exactly as a training unit is (sublinear tf times the fitted idf, terms
//! by ascending id, L2-normalised in `f32` in the same order), so transforming a training text
//! gives its training row bit for bit; terms the corpus did not keep are ignored.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::term_index::{pack, Packed, TermIndex};
use super::{
    normalize_l2_entries, sublinear_tf, tfidf, CsrMatrix, Segmented, TfidfOptions, Vectors,
};
use crate::stages::segment::{normalize_term, Segmenter};

/// The fitted TF-IDF space: kept terms (normal form) with their idf, by term id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermSpace {
    /// Term text (normal form) by id.
    terms: Vec<String>,
    /// The idf of each term, as fitted (corpus idf, blended with the background idf when asked).
    idf: Vec<f32>,
    /// Term → id, rebuilt from `terms` (not stored).
    #[serde(skip)]
    index: TermIndex,
}

impl TermSpace {
    /// Fits the space on segmented units and returns it with the units' rows (the training
    /// matrix, exactly as [`tfidf`] builds it).
    pub fn fit(segmented: Segmented<'_>, options: &TfidfOptions) -> (TermSpace, Vectors) {
        let vectors = tfidf(segmented, options);
        let space = TermSpace::new(vectors.vocab.terms.clone(), vectors.vocab.idf.clone());
        (space, vectors)
    }

    /// A space of `terms` with their `idf` (same length).
    pub(crate) fn new(terms: Vec<String>, idf: Vec<f32>) -> TermSpace {
        let mut space = TermSpace {
            terms,
            idf,
            index: TermIndex::default(),
        };
        space.rebuild_index();
        space
    }

    /// Rebuilds the term index (after deserialising).
    pub(crate) fn rebuild_index(&mut self) {
        self.index = TermIndex::new(&self.terms);
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when the space has no term.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The terms by id.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// The idf of each term, by id.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// The row of one text: `(term id, weight)` by ascending id, L2-normalised; empty when no
    /// term of the text is in the space.
    pub fn row(&self, text: &str, segmenter: &Segmenter) -> Vec<(u32, f32)> {
        // The ids of the text's terms, sorted and counted by runs: the same (id, count) pairs a
        // hash map of counts would give, by ascending id, without one (this runs for every
        // unit `assign` places). The terms are packed (and their slots prefetched) in
        // a first pass, and looked up in a second, so each lookup finds its slot in cache. The
        // buffers are the thread's own, reused from row to row.
        /// The packed terms of a text (with their home slots), its term ids, and its (id,
        /// count) runs.
        type Scratch = (Vec<(Packed, usize)>, Vec<u32>, Vec<(u32, u32)>);
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> =
                const { std::cell::RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
        }
        SCRATCH.with(|scratch| {
            let (keys, ids, counts) = &mut *scratch.borrow_mut();
            keys.clear();
            ids.clear();
            for word in segmenter.words(text) {
                // One character is never a term (as in training).
                let mut chars = word.chars();
                if chars.next().is_none() || chars.next().is_none() {
                    continue;
                }
                // The normal form alone: the space holds no stop word (it was fitted on the
                // segmenter's terms), so looking one up finds nothing, as the filter would.
                if let Some(term) = normalize_term(word) {
                    match pack(&term) {
                        Some(key) => keys.push((key, self.index.prefetch(key))),
                        None => ids.extend(self.index.get(&term)),
                    }
                }
            }
            ids.extend(
                keys.iter()
                    .filter_map(|&(key, home)| self.index.get_from(key, home)),
            );
            ids.sort_unstable();
            counts.clear();
            for &id in ids.iter() {
                match counts.last_mut() {
                    Some((last, count)) if *last == id => *count += 1,
                    _ => counts.push((id, 1)),
                }
            }
            let mut row: Vec<(u32, f32)> = counts
                .iter()
                .map(|&(id, c)| (id, sublinear_tf(c) * self.idf[id as usize]))
                .collect();
            normalize_l2_entries(&mut row);
            // A huge text's buffers are not kept for the rows after it.
            if keys.capacity() > 1 << 16 || ids.capacity() > 1 << 16 {
                *keys = Vec::new();
                *ids = Vec::new();
                *counts = Vec::new();
            }
            row
        })
    }

    /// The rows of `texts` (in parallel; one row per text, empty rows included).
    pub fn transform(&self, texts: &[&str], segmenter: &Segmenter) -> CsrMatrix {
        let rows: Vec<Vec<(u32, f32)>> = texts
            .par_iter()
            .map(|text| self.row(text, segmenter))
            .collect();
        let refs: Vec<&[(u32, f32)]> = rows.iter().map(Vec::as_slice).collect();
        CsrMatrix::from_rows(&refs, self.terms.len())
    }
}
