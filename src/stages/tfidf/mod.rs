//! The tfidf stage: segment every unit in parallel (Rayon) and build a sparse TF-IDF matrix.
//!
//! Sublinear tf (`1 + ln tf`), smoothed idf (`ln((1 + n) / (1 + df)) + 1`) times the term's
//! background idf ([`crate::stages::tfidf::background`], `--idf blend`), rows L2-normalised, vocabulary pruned
//! by document frequency. Terms are interned to `u32` ids; the matrix is CSR
//! with `f32` values, so memory grows with the number of non-zeros, never with units × terms.

pub mod background;
mod fitted;
mod term_index;

pub use fitted::TermSpace;

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::progress::{NoProgress, Progress};
use crate::stages::segment::Segmenter;

/// Vocabulary pruning and weighting options (`TfidfOptions::default()` takes the defaults
/// from [`crate::settings::defs`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TfidfOptions {
    /// Drop terms found in fewer units than this.
    pub min_df: usize,
    /// Drop terms found in more than this share of units (they name no theme).
    pub max_df: f64,
    /// How specific a term is taken to be.
    pub idf: IdfWeighting,
}

// `Default` is with the settings (`src/settings/mod.rs`), from their registry.

/// Where a term's idf comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdfWeighting {
    /// The corpus idf times the background idf of jieba's table ([`crate::stages::tfidf::background`]): a
    /// term weighs much when it is rare both here and in Chinese at large.
    Blend,
    /// The corpus idf alone (the classic TF-IDF).
    Corpus,
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

    /// The given rows, in that order, over only the columns they use (renumbered in column
    /// order): a sample's matrix as wide as its own vocabulary, so per-column work on it costs
    /// what the sample needs. Dot products between rows are unchanged.
    pub fn sample(&self, rows: &[usize]) -> CsrMatrix {
        let entries = |r: usize| self.indptr[r]..self.indptr[r + 1];
        let mut column = vec![u32::MAX; self.n_cols];
        for &r in rows {
            for &c in &self.indices[entries(r)] {
                column[c as usize] = 0;
            }
        }
        let mut n_cols = 0u32;
        for slot in column.iter_mut().filter(|slot| **slot == 0) {
            *slot = n_cols;
            n_cols += 1;
        }
        let mut out = CsrMatrix {
            n_rows: rows.len(),
            n_cols: n_cols as usize,
            indptr: Vec::with_capacity(rows.len() + 1),
            ..CsrMatrix::default()
        };
        out.indptr.push(0);
        for &r in rows {
            out.indices
                .extend(self.indices[entries(r)].iter().map(|&c| column[c as usize]));
            out.values.extend_from_slice(&self.values[entries(r)]);
            out.indptr.push(out.indices.len());
        }
        out
    }

    /// A matrix of `n_cols` columns from rows of `(column, value)` entries, columns ascending
    /// within each row (small inputs and tests).
    pub fn from_rows(rows: &[&[(u32, f32)]], n_cols: usize) -> Self {
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
    /// Raw term counts with the same sparsity pattern as `tfidf` (for the label stage's term weights).
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
/// Held compactly, in a few parts of consecutive units (one per parallel task): each part has
/// its own vocabulary (terms borrow the unit text where they can) and each unit is a run of
/// `(part-local id, count)` pairs, so no token string is ever copied. [`tfidf`] merges the
/// part vocabularies in unit order.
pub struct Segmented<'a> {
    parts: Vec<SegmentedPart<'a>>,
}

impl Segmented<'_> {
    /// Number of units segmented.
    pub fn len(&self) -> usize {
        self.parts.iter().map(|p| p.ends.len()).sum()
    }

    /// True when there are no units.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Consecutive units, segmented.
#[derive(Default)]
struct SegmentedPart<'a> {
    /// The part's vocabulary: term (normal form) by local id, in order of first appearance.
    terms: Vec<Cow<'a, str>>,
    /// Number of the part's units containing each local term.
    df: Vec<u32>,
    /// Every unit's distinct terms in first-appearance order: `(local id, count)`.
    entries: Vec<(u32, u32)>,
    /// Unit `i` of the part owns `entries[ends[i - 1]..ends[i]]`.
    ends: Vec<usize>,
    /// `(local id, surface, count)` for each unit whose first surface form of a term differs
    /// from the term (`ChatGPT` for `chatgpt`): the unit's count of the term goes to that form.
    surfaces: Vec<(u32, &'a str, u32)>,
}

/// The cached verdict on a jieba word: a word that is not a term.
const NOT_A_TERM: u32 = u32::MAX;
/// The cached verdict on a jieba word: flag set when the word is written unlike its term.
const OTHER_SURFACE: u32 = 1 << 31;

/// A term's state while its part is segmented: 1 + the part-local index of the last unit that
/// had the term, the term's entry in that unit, and the number of the part's units that had it.
type TermState = [u32; 3];

/// What a part's worker knows about one jieba word of up to 15 bytes (packed by [`pack`]):
/// its verdict and, when the word is a term written as itself, that term's state. A slot is
/// half a cache line, so a token costs one memory access rather than one per table.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    /// The packed word; 0 marks an empty slot (a packed word holds its length, so is never 0).
    key: u128,
    /// The term's local id (`| OTHER_SURFACE`), or `NOT_A_TERM`.
    verdict: u32,
    /// The term's state, for a word written as its term (unused otherwise).
    state: TermState,
}

/// An open-addressing table of [`Slot`]s keyed by packed words (linear probing, at most half
/// full): a look-up touches one or two neighbouring slots and chases no pointer.
struct SlotTable {
    slots: Vec<Slot>,
    /// `slots.len() - 1` (the length is a power of two).
    mask: usize,
    /// `64 - log2(slots.len())`: a key's home slot is the top bits of its hash, which every
    /// byte of the key reaches (the low bits of a product miss the high bytes of its input,
    /// and codes such as `sh600000`…`sh600999` would pile up).
    shift: u32,
    /// Occupied slots.
    len: usize,
}

impl Default for SlotTable {
    fn default() -> Self {
        SlotTable::with_len(1 << 12)
    }
}

impl SlotTable {
    /// An empty table of `len` slots (a power of two).
    fn with_len(len: usize) -> Self {
        SlotTable {
            slots: vec![Slot::default(); len],
            mask: len - 1,
            shift: 64 - len.trailing_zeros(),
            len: 0,
        }
    }

    /// The index of `key`'s slot, or of the empty slot where it would go.
    #[inline]
    fn probe(&self, key: u128) -> usize {
        let (lo, hi) = (key as u64, (key >> 64) as u64);
        let hash =
            (lo ^ hi.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
        let mut at = (hash >> self.shift) as usize;
        loop {
            let slot = &self.slots[at];
            if slot.key == key || slot.key == 0 {
                return at;
            }
            at = (at + 1) & self.mask;
        }
    }

    /// Fills the empty slot `at` (found by [`SlotTable::probe`] for `key`) and returns the
    /// slot's index, which changes when the table grows.
    fn fill(&mut self, at: usize, key: u128, verdict: u32) -> usize {
        self.slots[at] = Slot {
            key,
            verdict,
            state: [0; 3],
        };
        self.len += 1;
        if 2 * self.len <= self.slots.len() {
            return at;
        }
        let old = std::mem::replace(self, SlotTable::with_len(2 * self.slots.len()));
        self.len = old.len;
        for slot in old.slots.into_iter().filter(|s| s.key != 0) {
            let to = self.probe(slot.key);
            self.slots[to] = slot;
        }
        self.probe(key)
    }
}

/// Where a term's [`TermState`] is kept.
enum StateAt {
    /// In the slot of the term's own word (terms of up to 15 bytes).
    Slot(usize),
    /// In `PartBuilder::long_state` (longer terms).
    Long(usize),
}

/// A part being segmented, with what its worker has learnt about jieba words: each distinct
/// word is filtered and hashed into a term once per part, not once per occurrence.
#[derive(Default)]
struct PartBuilder<'a> {
    part: SegmentedPart<'a>,
    /// Words of up to 15 bytes (nearly all): verdicts, and the state of terms of that size.
    table: SlotTable,
    /// Longer words → verdict.
    long_verdicts: FxHashMap<&'a str, u32>,
    /// Terms of more than 15 bytes → local id.
    long_ids: FxHashMap<Cow<'a, str>, u32>,
    /// Per local id: the state of a term of more than 15 bytes (unused for shorter ones).
    long_state: Vec<TermState>,
    /// The current unit's entries whose first surface differs from the term.
    first_surfaces: Vec<(usize, &'a str)>,
}

impl<'a> PartBuilder<'a> {
    /// A new local id for `term`.
    fn new_id(&mut self, term: Cow<'a, str>) -> u32 {
        let id = self.part.terms.len() as u32;
        self.part.terms.push(term);
        self.long_state.push([0; 3]);
        id
    }

    /// The slot of `word` (packed: `key`), deciding the word's verdict on first sight.
    fn word_slot(&mut self, key: u128, word: &'a str, segmenter: &Segmenter) -> usize {
        let at = self.table.probe(key);
        if self.table.slots[at].key == key {
            return at;
        }
        let verdict = match segmenter.term(word) {
            None => NOT_A_TERM,
            Some(term) if term.as_ref() == word => self.new_id(term),
            Some(term) => self.verdict_of_term(term) | OTHER_SURFACE,
        };
        // Deciding may have filled a slot for the term: probe again.
        let at = self.table.probe(key);
        self.table.fill(at, key, verdict)
    }

    /// The local id of `term`, new or known. A term is a term of itself, so a term of up to
    /// 15 bytes gets (or has) the slot of the word written as it, which keeps its state.
    fn verdict_of_term(&mut self, term: Cow<'a, str>) -> u32 {
        match pack(&term) {
            Some(key) => {
                let at = self.table.probe(key);
                if self.table.slots[at].key == key {
                    return self.table.slots[at].verdict;
                }
                let id = self.new_id(term);
                self.table.fill(at, key, id);
                id
            }
            None => match self.long_ids.get(term.as_ref()) {
                Some(&id) => id,
                None => {
                    let id = self.new_id(term.clone());
                    self.long_ids.insert(term, id);
                    id
                }
            },
        }
    }

    /// The verdict on `word` of more than 15 bytes, deciding it on first sight.
    fn long_verdict(&mut self, word: &'a str, segmenter: &Segmenter) -> u32 {
        if let Some(&verdict) = self.long_verdicts.get(word) {
            return verdict;
        }
        let verdict = match segmenter.term(word) {
            None => NOT_A_TERM,
            Some(term) => {
                let other = if term.as_ref() != word {
                    OTHER_SURFACE
                } else {
                    0
                };
                self.verdict_of_term(term) | other
            }
        };
        self.long_verdicts.insert(word, verdict);
        verdict
    }

    /// Where the state of term `id` is kept (the slow path: long words, other surfaces).
    fn state_of(&self, id: u32) -> StateAt {
        match pack(&self.part.terms[id as usize]) {
            Some(key) => StateAt::Slot(self.table.probe(key)),
            None => StateAt::Long(id as usize),
        }
    }

    /// The part, once all its units are in.
    fn finish(mut self) -> SegmentedPart<'a> {
        let mut df: Vec<u32> = self.long_state.iter().map(|state| state[2]).collect();
        for slot in &self.table.slots {
            // NOT_A_TERM (u32::MAX) has the OTHER_SURFACE bit set, so it is skipped here too.
            if slot.key != 0 && slot.verdict & OTHER_SURFACE == 0 {
                df[slot.verdict as usize] = slot.state[2];
            }
        }
        self.part.df = df;
        self.part
    }

    /// Segments one unit and appends its distinct terms.
    fn push_unit(&mut self, text: &'a str, segmenter: &Segmenter) {
        let stamp = self.part.ends.len() as u32 + 1;
        for word in segmenter.words(text) {
            // One character is never a term: skip the look-up for punctuation, 的, 了, ...
            let mut chars = word.chars();
            if chars.next().is_none() || chars.next().is_none() {
                continue;
            }
            let (verdict, at) = match pack(word) {
                Some(key) => {
                    let at = self.word_slot(key, word, segmenter);
                    let verdict = self.table.slots[at].verdict;
                    if verdict == NOT_A_TERM {
                        continue;
                    }
                    if verdict & OTHER_SURFACE == 0 {
                        (verdict, StateAt::Slot(at))
                    } else {
                        (verdict, self.state_of(verdict & !OTHER_SURFACE))
                    }
                }
                None => {
                    let verdict = self.long_verdict(word, segmenter);
                    if verdict == NOT_A_TERM {
                        continue;
                    }
                    (verdict, self.state_of(verdict & !OTHER_SURFACE))
                }
            };
            let id = verdict & !OTHER_SURFACE;
            let state = match at {
                StateAt::Slot(at) => &mut self.table.slots[at].state,
                StateAt::Long(id) => &mut self.long_state[id],
            };
            let entries = &mut self.part.entries;
            if state[0] == stamp {
                entries[state[1] as usize].1 += 1;
                continue;
            }
            *state = [stamp, entries.len() as u32, state[2] + 1];
            if verdict & OTHER_SURFACE != 0 {
                self.first_surfaces.push((entries.len(), word));
            }
            entries.push((id, 1));
        }
        for (entry, surface) in self.first_surfaces.drain(..) {
            let (id, count) = self.part.entries[entry];
            self.part.surfaces.push((id, surface, count));
        }
        self.part.ends.push(self.part.entries.len());
    }
}

/// A word of up to 15 bytes as one number: its bytes, zero-padded, and its length in the last
/// byte (so `"a\0"` and `"a"` differ). Read with a few overlapping loads, not byte by byte.
#[inline]
fn pack(word: &str) -> Option<u128> {
    let bytes = word.as_bytes();
    let len = bytes.len();
    let le64 = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(b)
    };
    let le32 = |at: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&bytes[at..at + 4]);
        u64::from(u32::from_le_bytes(b))
    };
    let (lo, hi) = match len {
        // Bytes 8.. come from the last eight, shifted past the ones the first eight hold.
        8..=15 => (le64(0), (le64(len - 8) >> 8) >> (8 * (15 - len))),
        4..=7 => (le32(0) | (le32(len - 4) >> (8 * (8 - len))) << 32, 0),
        0..=3 => (
            bytes
                .iter()
                .rev()
                .fold(0u64, |acc, &b| acc << 8 | u64::from(b)),
            0,
        ),
        _ => return None,
    };
    Some(u128::from(lo) | u128::from(hi | (len as u64) << 56) << 64)
}

/// Units per progress report in [`segment_units`]: about 64 reports, between 8 and 2,048 units
/// each. The result does not depend on it.
fn chunk_len(n_units: usize) -> usize {
    n_units.div_ceil(64).clamp(8, 2048)
}

/// Segments `texts` in parallel (Rayon), reporting [`Progress::advance`] with the
/// number of units done after every chunk of them.
pub fn segment_units<'a>(
    texts: &[&'a str],
    segmenter: &Segmenter,
    progress: &dyn Progress,
) -> Segmented<'a> {
    segment_in_chunks(texts, segmenter, progress, chunk_len(texts.len()))
}

/// [`segment_units`] with a given chunk length (tests vary it: the result must not change).
/// Rayon folds runs of consecutive chunks into parts, as many as its scheduling makes.
fn segment_in_chunks<'a>(
    texts: &[&'a str],
    segmenter: &Segmenter,
    progress: &dyn Progress,
    chunk_len: usize,
) -> Segmented<'a> {
    let parts = texts
        .par_chunks(chunk_len.max(1))
        .fold(PartBuilder::default, |mut builder, chunk| {
            for text in chunk {
                builder.push_unit(text, segmenter);
            }
            progress.advance(chunk.len() as u64);
            builder
        })
        .map(PartBuilder::finish)
        .filter(|part| !part.ends.is_empty())
        .collect();
    Segmented { parts }
}

/// Units per parallel task when weighing rows in [`tfidf`].
const WEIGH_TASK: usize = 4096;

/// The TF-IDF matrix of segmented units.
pub fn tfidf(segmented: Segmented<'_>, options: &TfidfOptions) -> Vectors {
    let mut parts = segmented.parts;
    let n_units: usize = parts.iter().map(|p| p.ends.len()).sum();

    // 1. Merge the part vocabularies in unit order: global ids follow first appearance.
    // `index` reuses the parts' slot table as a term → global id map (the id in `verdict`;
    // `state` unused).
    let most = parts.iter().map(|p| p.terms.len()).max().unwrap_or(0);
    let mut index = SlotTable::with_len((4 * most).next_power_of_two().max(1 << 12));
    let mut long_index: FxHashMap<String, u32> = FxHashMap::default();
    let mut terms: Vec<Cow<'_, str>> = Vec::with_capacity(2 * most);
    let mut df: Vec<u32> = Vec::new();
    let mut surfaces: FxHashMap<(u32, &str), u32> = FxHashMap::default();
    let mut to_global: Vec<Vec<u32>> = Vec::with_capacity(parts.len());
    for part in &mut parts {
        let mut global = Vec::with_capacity(part.terms.len());
        for (term, &d) in std::mem::take(&mut part.terms).into_iter().zip(&part.df) {
            let next = terms.len() as u32;
            let id = match pack(&term) {
                Some(key) => {
                    let at = index.probe(key);
                    if index.slots[at].key == key {
                        index.slots[at].verdict
                    } else {
                        index.fill(at, key, next);
                        next
                    }
                }
                None => match long_index.get(term.as_ref()) {
                    Some(&id) => id,
                    None => *long_index.entry(term.to_string()).or_insert(next),
                },
            };
            if id == next {
                terms.push(term);
                df.push(0);
            }
            df[id as usize] += d;
            global.push(id);
        }
        for &(local, surface, count) in &part.surfaces {
            *surfaces
                .entry((global[local as usize], surface))
                .or_default() += count;
        }
        to_global.push(global);
    }
    drop((index, long_index));
    let display = display_forms(surfaces);

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
            let shown = display.get(&(old as u32)).copied().unwrap_or(term);
            vocab.display.push(shown.to_string());
            vocab.df.push(d);
        }
    }
    drop((terms, df, display));
    let background = match options.idf {
        IdfWeighting::Blend => background::idf_all(&vocab.terms),
        IdfWeighting::Corpus => vec![None; vocab.len()],
    };
    vocab.idf = vocab
        .df
        .iter()
        .zip(background)
        .map(|(&d, background)| blend(corpus_idf(d, n_units), options.idf, background))
        .collect();

    // 3. Weight and normalise in parallel tasks of consecutive units, each writing straight
    //    into its own slice of the final arrays.
    for global in &mut to_global {
        for id in global.iter_mut() {
            *id = remap[*id as usize];
        }
    }
    drop(remap);
    let tasks: Vec<WeighTask<'_, '_>> = parts
        .iter()
        .zip(&to_global)
        .flat_map(|(part, new_ids)| {
            (0..part.ends.len())
                .step_by(WEIGH_TASK)
                .map(move |first| WeighTask {
                    part,
                    new_ids,
                    units: first..(first + WEIGH_TASK).min(part.ends.len()),
                })
        })
        .collect();
    let kept_per_task: Vec<usize> = tasks.par_iter().map(WeighTask::kept).collect();
    let nnz: usize = kept_per_task.iter().sum();
    let mut indices = vec![0u32; nnz];
    let mut values = vec![0f32; nnz];
    let mut count_values = vec![0f32; nnz];
    let mut slices = Vec::with_capacity(tasks.len());
    {
        let (mut idx, mut val, mut cnt) =
            (&mut indices[..], &mut values[..], &mut count_values[..]);
        for &kept in &kept_per_task {
            let (i, rest_i) = std::mem::take(&mut idx).split_at_mut(kept);
            let (v, rest_v) = std::mem::take(&mut val).split_at_mut(kept);
            let (c, rest_c) = std::mem::take(&mut cnt).split_at_mut(kept);
            slices.push((i, v, c));
            (idx, val, cnt) = (rest_i, rest_v, rest_c);
        }
    }
    let idf = &vocab.idf;
    let row_lens: Vec<Vec<u32>> = tasks
        .par_iter()
        .zip(slices)
        .map(|(task, (indices, values, counts))| task.weigh(idf, indices, values, counts))
        .collect();
    drop(tasks);
    drop(parts);

    // 4. Row pointers; units left without a kept term have length 0 and get no row.
    let mut vectors = Vectors {
        vocab,
        ..Vectors::default()
    };
    let mut indptr = Vec::with_capacity(n_units + 1);
    indptr.push(0);
    let mut offset = 0;
    for (unit, &len) in row_lens.iter().flatten().enumerate() {
        if len == 0 {
            vectors.empty_units.push(unit);
        } else {
            offset += len as usize;
            indptr.push(offset);
            vectors.row_units.push(unit);
        }
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

/// The idf of `term`, found in `df` of `n_units` units: smoothed corpus idf
/// (`ln((1 + n) / (1 + df)) + 1`), times the background idf for [`IdfWeighting::Blend`].
pub fn term_idf(term: &str, df: u32, n_units: usize, weighting: IdfWeighting) -> f32 {
    let background = match weighting {
        IdfWeighting::Blend => background::idf(term),
        IdfWeighting::Corpus => None,
    };
    blend(corpus_idf(df, n_units), weighting, background)
}

/// The smoothed corpus idf of a term found in `df` of `n_units` units.
fn corpus_idf(df: u32, n_units: usize) -> f32 {
    ((1.0 + n_units as f32) / (1.0 + df as f32)).ln() + 1.0
}

/// The idf from the corpus idf and the term's background idf (`None`: not in the table).
fn blend(corpus: f32, weighting: IdfWeighting, background: Option<f32>) -> f32 {
    match weighting {
        IdfWeighting::Corpus => corpus,
        IdfWeighting::Blend => corpus * background.unwrap_or(background::MEDIAN_IDF),
    }
}

/// Consecutive units of one part, weighed by one parallel task of [`tfidf`].
struct WeighTask<'p, 'a> {
    part: &'p SegmentedPart<'a>,
    /// Vocabulary id of each local id of the part (`u32::MAX`: pruned).
    new_ids: &'p [u32],
    units: std::ops::Range<usize>,
}

impl WeighTask<'_, '_> {
    /// The entries of unit `i` of the part.
    fn unit(&self, i: usize) -> &[(u32, u32)] {
        let start = if i == 0 { 0 } else { self.part.ends[i - 1] };
        &self.part.entries[start..self.part.ends[i]]
    }

    /// Number of entries that survive pruning.
    fn kept(&self) -> usize {
        self.units
            .clone()
            .map(|i| {
                self.unit(i)
                    .iter()
                    .filter(|&&(id, _)| self.new_ids[id as usize] != u32::MAX)
                    .count()
            })
            .sum()
    }

    /// Writes the task's TF-IDF rows into its slices of the final arrays (kept terms by
    /// ascending id, `(1 + ln tf) · idf`, L2-normalised) and returns each unit's row length.
    fn weigh(
        &self,
        idf: &[f32],
        indices: &mut [u32],
        values: &mut [f32],
        counts: &mut [f32],
    ) -> Vec<u32> {
        // Sublinear tf, `1 + ln tf`, looked up for the common small counts.
        let tf: [f32; 32] = std::array::from_fn(|c| sublinear_tf(c as u32));
        let tf = |c: u32| match tf.get(c as usize) {
            Some(&w) => w,
            None => sublinear_tf(c),
        };
        let mut lens = Vec::with_capacity(self.units.len());
        // Kept entries as `id << 32 | count`: sorting the numbers sorts by id.
        let mut kept: Vec<u64> = Vec::new();
        let mut at = 0;
        for i in self.units.clone() {
            kept.clear();
            kept.extend(self.unit(i).iter().filter_map(|&(id, c)| {
                let new = self.new_ids[id as usize];
                (new != u32::MAX).then_some(u64::from(new) << 32 | u64::from(c))
            }));
            kept.sort_unstable();
            let row = at..at + kept.len();
            for (slot, &entry) in row.clone().zip(&kept) {
                let (id, c) = ((entry >> 32) as u32, entry as u32);
                indices[slot] = id;
                values[slot] = tf(c) * idf[id as usize];
                counts[slot] = c as f32;
            }
            normalize_l2(&mut values[row]);
            at += kept.len();
            lens.push(kept.len() as u32);
        }
        lens
    }
}

/// The sublinear term frequency `1 + ln tf` of a term counted `count` times in a unit.
pub(crate) fn sublinear_tf(count: u32) -> f32 {
    1.0 + (count as f32).ln()
}

/// Scales `values` to unit length (squares summed in order, in `f32`); all-zero rows stay.
pub(crate) fn normalize_l2(values: &mut [f32]) {
    normalize_l2_by(values, |v| v);
}

/// [`normalize_l2`] of the weights of `(term, weight)` entries: the same sums in the same order,
/// so the same bits.
pub(crate) fn normalize_l2_entries(entries: &mut [(u32, f32)]) {
    normalize_l2_by(entries, |(_, v)| v);
}

/// Scales the weights `weight` picks out of `items` to unit L2 norm (left as they are when all
/// are zero).
fn normalize_l2_by<T>(items: &mut [T], weight: impl Fn(&mut T) -> &mut f32) {
    let norm = items
        .iter_mut()
        .map(|item| {
            let v = *weight(item);
            v * v
        })
        .sum::<f32>()
        .sqrt();
    if norm > 0.0 {
        items.iter_mut().for_each(|item| *weight(item) /= norm);
    }
}

/// Each term's most common surface form (ties: the first in code-point order), from the counts
/// of `(term id, surface)`; terms only ever written as themselves are absent.
fn display_forms(counts: FxHashMap<(u32, &str), u32>) -> FxHashMap<u32, &str> {
    let mut best: FxHashMap<u32, (&str, u32)> = FxHashMap::default();
    for ((id, surface), count) in counts {
        let entry = best.entry(id).or_insert((surface, count));
        if count > entry.1 || (count == entry.1 && surface < entry.0) {
            *entry = (surface, count);
        }
    }
    best.into_iter()
        .map(|(id, (surface, _))| (id, surface))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn codes_that_differ_in_their_last_bytes_do_not_pile_up_in_the_slot_table() {
        // Stock codes (sz000000…) differ only in their last bytes; every byte must reach the
        // home slot, or linear probing walks runs of hundreds of slots.
        let mut table = SlotTable::default();
        let codes: Vec<String> = (0..30_000).map(|i| format!("sz{i:06}")).collect();
        for code in &codes {
            let key = pack(code).unwrap();
            let at = table.probe(key);
            table.fill(at, key, 1);
        }
        let mut longest = 0;
        let mut run = 0;
        for slot in table.slots.iter().chain(&table.slots) {
            run = if slot.key == 0 { 0 } else { run + 1 };
            longest = longest.max(run);
        }
        assert!(longest < 64, "a run of {longest} occupied slots");
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

    /// The straightforward TF-IDF the chunked, per-part version must reproduce exactly: every
    /// unit's terms as strings, interned one by one in unit order.
    fn reference(texts: &[&str], segmenter: &Segmenter, options: &TfidfOptions) -> Vectors {
        let per_unit: Vec<Vec<(String, String, u32)>> = texts
            .iter()
            .map(|text| {
                let mut out: Vec<(String, String, u32)> = Vec::new();
                for (term, surface) in segmenter.terms_with_surface(text) {
                    match out.iter_mut().find(|(t, _, _)| *t == term) {
                        Some(entry) => entry.2 += 1,
                        None => out.push((term.into_owned(), surface.to_string(), 1)),
                    }
                }
                out
            })
            .collect();
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut terms: Vec<String> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let mut surfaces: HashMap<usize, FxHashMap<&str, u32>> = HashMap::new();
        for unit in &per_unit {
            for (term, surface, count) in unit {
                let id = *ids.entry(term.clone()).or_insert_with(|| {
                    terms.push(term.clone());
                    df.push(0);
                    terms.len() - 1
                });
                df[id] += 1;
                if term != surface {
                    *surfaces.entry(id).or_default().entry(surface).or_default() += count;
                }
            }
        }
        let n_units = texts.len();
        let max_df = ((options.max_df * n_units as f64).floor() as u32).max(1);
        let mut vocab = Vocabulary::default();
        let mut remap = vec![None; terms.len()];
        for (old, term) in terms.iter().enumerate() {
            if df[old] >= options.min_df.max(1) as u32 && (n_units < 4 || df[old] <= max_df) {
                remap[old] = Some(vocab.terms.len() as u32);
                vocab.terms.push(term.clone());
                vocab.display.push(display_form(term, surfaces.get(&old)));
                vocab.df.push(df[old]);
            }
        }
        vocab.idf = vocab
            .df
            .iter()
            .zip(&vocab.terms)
            .map(|(&d, term)| term_idf(term, d, n_units, options.idf))
            .collect();
        let mut v = Vectors {
            tfidf: CsrMatrix {
                n_cols: vocab.len(),
                indptr: vec![0],
                ..CsrMatrix::default()
            },
            vocab,
            ..Vectors::default()
        };
        v.counts = v.tfidf.clone();
        for (unit, row) in per_unit.iter().enumerate() {
            let mut kept: Vec<(u32, u32)> = row
                .iter()
                .filter_map(|(term, _, c)| remap[ids[term]].map(|id| (id, *c)))
                .collect();
            if kept.is_empty() {
                v.empty_units.push(unit);
                continue;
            }
            kept.sort_unstable();
            let weights: Vec<f32> = kept
                .iter()
                .map(|&(id, c)| (1.0 + (c as f32).ln()) * v.vocab.idf[id as usize])
                .collect();
            let norm = weights.iter().map(|w| w * w).sum::<f32>().sqrt();
            for (&(id, c), w) in kept.iter().zip(weights) {
                v.tfidf.indices.push(id);
                v.tfidf.values.push(w / norm);
                v.counts.indices.push(id);
                v.counts.values.push(c as f32);
            }
            v.tfidf.indptr.push(v.tfidf.indices.len());
            v.counts.indptr.push(v.counts.indices.len());
            v.row_units.push(unit);
        }
        v.tfidf.n_rows = v.row_units.len();
        v.counts.n_rows = v.row_units.len();
        v
    }

    /// Every line of the bundled seed articles, plus lines that mix the case of Latin terms.
    fn corpus() -> Vec<&'static str> {
        let mut texts: Vec<&str> = crate::seeds::SEED_ARTICLES
            .iter()
            .flat_map(|(_, text)| text.lines())
            .collect();
        texts.extend([
            "ChatGPT 与 chatgpt 以及 CHATGPT：GPU 算力紧张",
            "chatgpt 很火，ChatGPT 也很火",
            "GPU 供应，gpu 价格，Gpu 涨价",
            "",
            "。。。",
            "GPT-4 与 gpt-4 发布",
        ]);
        texts
    }

    fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    #[test]
    fn parts_and_chunks_reproduce_the_reference_exactly() {
        let segmenter = Segmenter::new();
        let texts = corpus();
        for options in [
            TfidfOptions::default(),
            TfidfOptions {
                min_df: 1,
                max_df: 1.0,
                idf: IdfWeighting::Corpus,
            },
        ] {
            let expected = reference(&texts, &segmenter, &options);
            assert!(expected.vocab.len() > 100, "{}", expected.vocab.len());
            assert!(expected.vocab.display.iter().any(|d| d == "ChatGPT"));
            for threads in [1, 2] {
                for chunk in [1, 3, 64, 100_000] {
                    let got = in_pool(threads, || {
                        let segmented = segment_in_chunks(&texts, &segmenter, &NoProgress, chunk);
                        tfidf(segmented, &options)
                    });
                    assert!(
                        got == expected,
                        "threads {threads}, chunk {chunk}: differs from the reference"
                    );
                }
            }
        }
    }

    #[test]
    fn blend_weighs_words_rare_in_chinese_above_common_ones() {
        // 发展 and 芯片 are in the same units, so the corpus alone cannot tell them apart;
        // in Chinese at large 发展 is everywhere and 芯片 is specific.
        let texts = ["发展芯片", "芯片发展", "球队冠军", "冠军球队", "天气晴朗"];
        let segmenter = Segmenter::new();
        let weigh = |idf| {
            let v = vectorize(
                &texts,
                &segmenter,
                &TfidfOptions {
                    min_df: 1,
                    max_df: 1.0,
                    idf,
                },
            );
            let of = |t: &str| v.vocab.idf[v.vocab.id(t).unwrap()];
            (of("发展"), of("芯片"))
        };
        let (common, specific) = weigh(IdfWeighting::Corpus);
        assert_eq!(common, specific);
        let (common, specific) = weigh(IdfWeighting::Blend);
        assert!(specific > 1.5 * common, "芯片 {specific} vs 发展 {common}");
        // A term jieba's table lacks gets its median, like jieba's own keyword extraction.
        assert_eq!(
            term_idf("chatgpt", 1, 5, IdfWeighting::Blend),
            term_idf("chatgpt", 1, 5, IdfWeighting::Corpus) * background::MEDIAN_IDF
        );
    }

    #[test]
    fn pack_is_the_zero_padded_bytes_and_the_length() {
        let reference = |word: &str| {
            let mut bytes = [0u8; 16];
            bytes[..word.len()].copy_from_slice(word.as_bytes());
            bytes[15] = word.len() as u8;
            u128::from_le_bytes(bytes)
        };
        let text = "ab芯片GPT-4 与 chatgpt，算力紧张的Z";
        for start in 0..text.len() {
            for end in start..=text.len() {
                if let Some(word) = text.get(start..end) {
                    let expected = (word.len() < 16).then(|| reference(word));
                    assert_eq!(pack(word), expected, "{word:?}");
                }
            }
        }
    }

    #[test]
    fn slot_table_finds_what_it_filled_as_it_grows() {
        let mut table = SlotTable::default();
        let keys: Vec<u128> = (1..20_000u128).map(|k| k * 0x1_0000_0001).collect();
        for (i, &key) in keys.iter().enumerate() {
            let at = table.probe(key);
            assert_eq!(table.slots[at].key, 0);
            let at = table.fill(at, key, i as u32);
            assert_eq!(table.slots[at].key, key);
        }
        assert_eq!(table.len, keys.len());
        assert!(2 * table.len <= table.slots.len());
        for (i, &key) in keys.iter().enumerate() {
            assert_eq!(table.slots[table.probe(key)].verdict, i as u32);
        }
    }

    #[test]
    fn long_words_and_long_terms_reproduce_the_reference() {
        // Words of more than 15 bytes, some whose term is short (`GPU` trimmed of `-`), some
        // written in capitals, beside the same terms in short words.
        let texts = [
            "INTERNATIONALIZATION 和 internationalization 以及 GPU",
            "--------GPU-------- 与 gpu 与 Internationalization",
            "internationalization 很长，GPU 很快",
            "人工智能技术发展规划纲要 人工智能技术发展规划纲要",
        ];
        let segmenter = Segmenter::new();
        let options = TfidfOptions {
            min_df: 1,
            max_df: 1.0,
            ..TfidfOptions::default()
        };
        let expected = reference(&texts, &segmenter, &options);
        assert!(expected.vocab.terms.iter().any(|t| t.len() > 15));
        for chunk in [1, 2, 4] {
            let got = in_pool(2, || {
                tfidf(
                    segment_in_chunks(&texts, &segmenter, &NoProgress, chunk),
                    &options,
                )
            });
            assert!(got == expected, "chunk {chunk}: differs from the reference");
        }
    }

    #[test]
    fn one_and_two_threads_give_identical_vectors() {
        let segmenter = Segmenter::new();
        let texts = corpus();
        let options = TfidfOptions::default();
        let one = in_pool(1, || vectorize(&texts, &segmenter, &options));
        let two = in_pool(2, || vectorize(&texts, &segmenter, &options));
        assert_eq!(one, two);
        assert_eq!(one.row_units.len() + one.empty_units.len(), texts.len());
    }

    #[test]
    fn a_units_count_goes_to_its_first_surface_form() {
        let segmenter = Segmenter::new();
        // chatgpt: unit 0 counts 2 for "ChatGPT"; unit 1 first writes "chatgpt" (the term
        // itself), so nothing; unit 2 counts 1 for "CHATGPT". GPU: "gpu" first everywhere.
        let texts = [
            "ChatGPT 和 chatgpt",
            "chatgpt 与 ChatGPT",
            "CHATGPT",
            "gpu GPU",
            "gpu",
        ];
        let options = TfidfOptions {
            min_df: 1,
            max_df: 1.0,
            ..TfidfOptions::default()
        };
        let v = in_pool(2, || {
            tfidf(
                segment_in_chunks(&texts, &segmenter, &NoProgress, 1),
                &options,
            )
        });
        assert_eq!(v.vocab.terms, ["chatgpt", "gpu"]);
        assert_eq!(v.vocab.display, ["ChatGPT", "gpu"]);
        assert_eq!(v.vocab.df, [3, 2]);
        assert_eq!(v.counts.values, [2.0, 2.0, 1.0, 2.0, 1.0]);
        assert_eq!(v, reference(&texts, &segmenter, &options));
    }

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
            ..TfidfOptions::default()
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
            ..TfidfOptions::default()
        };
        let v = vectorize(&texts, &segmenter, &options);
        let id = v.vocab.id("chatgpt").unwrap();
        assert_eq!(v.vocab.display[id], "ChatGPT");
    }
}
