//! Topic coherence (NPMI) and topic diversity: how well each theme's top terms hang together in
//! the corpus, and how little the themes repeat each other's terms. Both need no gold labels.
//!
//! **NPMI** (normalised pointwise mutual information, Bouma 2009; the `C_NPMI` of Röder et al.
//! 2015, gensim's `CoherenceModel(coherence="c_npmi")`): for two terms `a`, `b`,
//!
//! `npmi(a, b) = ln((P(a,b) + ε) / (P(a) P(b))) / −ln(P(a,b) + ε)`,
//!
//! with probabilities over **documents as the window** (boolean document co-occurrence: a unit,
//! paragraph or article as clustered, counts once however often it holds a term) and **smoothing
//! ε = 1e-12**, gensim's, so a pair that never meets scores about −1. A theme's coherence is the
//! mean over all pairs of its top terms ([`TOP_N`]); gensim's `s_one_one` segmentation takes
//! both orders of each pair, which gives the same mean. It ranges from −1 (never together) over
//! 0 (independent) to 1 (always together). gensim's default window is a sliding one of 10
//! tokens; with a window as long as the longest document it counts documents, as here (the test
//! numbers come from that setting).
//!
//! **Topic diversity** (Dieng et al. 2020, OCTIS): the share of distinct terms among all
//! themes' top `n` terms (1 = no theme repeats another's terms).
//!
//! Written by hand: the formula is a few lines, and no Rust crate offers it.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

/// Terms per theme whose pairs the coherence averages (the usual 10).
pub const TOP_N: usize = 10;
/// Smoothing added to the joint probability (gensim's `EPSILON`).
pub const EPSILON: f64 = 1e-12;
/// Terms per theme the main topic diversity counts (OCTIS's 25).
pub const DIVERSITY_N: usize = 25;

/// NPMI of a pair seen in `n_ab` of `n` documents, the terms alone in `n_a` and `n_b`.
/// 0 when either term occurs nowhere (no evidence either way), as gensim gives.
///
/// ```
/// use zhuti::eval::coherence::npmi;
/// // Always together: 1. Independent (each in half, together in a quarter): 0.
/// assert!((npmi(4, 2, 2, 2) - 1.0).abs() < 1e-9);
/// assert!(npmi(4, 2, 2, 1).abs() < 1e-9);
/// ```
pub fn npmi(n: usize, n_a: usize, n_b: usize, n_ab: usize) -> f64 {
    if n == 0 || n_a == 0 || n_b == 0 {
        return 0.0;
    }
    let n = n as f64;
    let p_ab = n_ab as f64 / n;
    let (p_a, p_b) = (n_a as f64 / n, n_b as f64 / n);
    let pmi = ((p_ab + EPSILON) / (p_a * p_b)).ln();
    let norm = -(p_ab + EPSILON).ln();
    if norm <= 0.0 {
        // Both terms in every document: perfectly together.
        return 1.0;
    }
    pmi / norm
}

/// Which documents hold each of a set of terms: the counts coherence needs, gathered in one
/// pass over the documents (only the wanted terms are kept, so memory grows with them, not with
/// the vocabulary).
#[derive(Debug, Clone)]
pub struct Occurrences<T> {
    /// Documents seen.
    pub n_docs: usize,
    /// Ascending document numbers holding each wanted term.
    postings: HashMap<T, Vec<u32>>,
}

impl<T: Hash + Eq + Clone> Occurrences<T> {
    /// Counts, over `documents` (each a bag of terms; repeats count once), the documents that
    /// hold each term of `topics`.
    pub fn new<D, I>(topics: &[Vec<T>], documents: D) -> Self
    where
        D: IntoIterator<Item = I>,
        I: IntoIterator<Item = T>,
    {
        let mut postings: HashMap<T, Vec<u32>> = topics
            .iter()
            .flatten()
            .map(|t| (t.clone(), Vec::new()))
            .collect();
        let mut n_docs = 0usize;
        for doc in documents {
            let id = n_docs as u32;
            for term in doc {
                if let Some(list) = postings.get_mut(&term) {
                    if list.last() != Some(&id) {
                        list.push(id);
                    }
                }
            }
            n_docs += 1;
        }
        Occurrences { n_docs, postings }
    }

    /// Documents holding `term` (0 for a term not asked for).
    pub fn df(&self, term: &T) -> usize {
        self.postings.get(term).map_or(0, Vec::len)
    }

    /// The ascending numbers of the documents holding `term` (empty for a term not asked for).
    pub fn postings(&self, term: &T) -> &[u32] {
        self.postings.get(term).map_or(&[], Vec::as_slice)
    }

    /// Cosine of two terms' document sets: documents holding both over the geometric mean of
    /// those holding each (0 when either occurs nowhere).
    pub fn cosine(&self, a: &T, b: &T) -> f64 {
        let (da, db) = (self.df(a), self.df(b));
        if da == 0 || db == 0 {
            return 0.0;
        }
        self.co_df(a, b) as f64 / ((da * db) as f64).sqrt()
    }

    /// Documents holding both terms.
    pub fn co_df(&self, a: &T, b: &T) -> usize {
        let (Some(x), Some(y)) = (self.postings.get(a), self.postings.get(b)) else {
            return 0;
        };
        let (mut i, mut j, mut both) = (0, 0, 0);
        while i < x.len() && j < y.len() {
            match x[i].cmp(&y[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    both += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        both
    }

    /// NPMI coherence of one theme: the mean [`npmi`] over all pairs of its first `top_n`
    /// terms; 0 for a theme of fewer than two terms.
    pub fn topic_npmi(&self, terms: &[T], top_n: usize) -> f64 {
        let terms = &terms[..terms.len().min(top_n)];
        let (mut total, mut pairs) = (0.0, 0usize);
        for (i, a) in terms.iter().enumerate() {
            for b in &terms[i + 1..] {
                total += npmi(self.n_docs, self.df(a), self.df(b), self.co_df(a, b));
                pairs += 1;
            }
        }
        if pairs == 0 {
            0.0
        } else {
            total / pairs as f64
        }
    }
}

/// Topic diversity: distinct terms among the first `top_n` terms of every topic, over all
/// those terms (1 when no two topics share a term; 0 for no terms).
///
/// ```
/// use zhuti::eval::coherence::diversity;
/// let topics = [vec!["芯片", "算力"], vec!["芯片", "备案"]];
/// assert_eq!(diversity(&topics, 2), 0.75);
/// ```
pub fn diversity<T: Hash + Eq>(topics: &[Vec<T>], top_n: usize) -> f64 {
    let taken: Vec<&T> = topics.iter().flat_map(|t| t.iter().take(top_n)).collect();
    if taken.is_empty() {
        return 0.0;
    }
    let distinct: std::collections::HashSet<&&T> = taken.iter().collect();
    distinct.len() as f64 / taken.len() as f64
}

/// The coherence and diversity of a set of themes, as reports show them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coherence {
    /// The co-occurrence window: `unit` (a clustered paragraph or article counts once).
    pub window: &'static str,
    /// Smoothing of the joint probability (ε added before the logarithm).
    pub epsilon: f64,
    /// Top terms per theme whose pairs are scored.
    pub top_n: usize,
    /// NPMI of each theme, in theme order.
    pub npmi: Vec<f64>,
    /// Mean NPMI over the themes.
    pub mean_npmi: f64,
    /// Topic diversity of the themes' top 10 terms.
    pub diversity_top10: f64,
    /// Topic diversity of the themes' top 25 terms (OCTIS's usual measure).
    pub diversity_top25: f64,
}

impl Coherence {
    /// Scores `topics` (each theme's terms, best first, at least [`DIVERSITY_N`] where the
    /// corpus has them) over `documents`.
    pub fn of<T, D, I>(topics: &[Vec<T>], documents: D) -> Self
    where
        T: Hash + Eq + Clone,
        D: IntoIterator<Item = I>,
        I: IntoIterator<Item = T>,
    {
        let top: Vec<Vec<T>> = topics
            .iter()
            .map(|t| t.iter().take(TOP_N).cloned().collect())
            .collect();
        let occurrences = Occurrences::new(&top, documents);
        let npmi: Vec<f64> = top
            .iter()
            .map(|t| occurrences.topic_npmi(t, TOP_N))
            .collect();
        let mean_npmi = if npmi.is_empty() {
            0.0
        } else {
            npmi.iter().sum::<f64>() / npmi.len() as f64
        };
        Coherence {
            window: "unit",
            epsilon: EPSILON,
            top_n: TOP_N,
            npmi,
            mean_npmi,
            diversity_top10: diversity(topics, 10),
            diversity_top25: diversity(topics, DIVERSITY_N),
        }
    }

    /// The same numbers rounded to 4 decimals, for reports.
    pub fn rounded(mut self) -> Self {
        let r = crate::analysis::round4;
        self.npmi.iter_mut().for_each(|x| *x = r(*x));
        self.mean_npmi = r(self.mean_npmi);
        self.diversity_top10 = r(self.diversity_top10);
        self.diversity_top25 = r(self.diversity_top25);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    /// The fixed tiny corpus of `scripts/coherence_reference.py`.
    fn corpus() -> Vec<Vec<&'static str>> {
        [
            "芯片 算力 芯片 出口",
            "芯片 算力 禁令",
            "算力 数据 中心",
            "数据 隐私 备案",
            "备案 监管 数据",
            "监管 备案 隐私 芯片",
        ]
        .iter()
        .map(|d| d.split(' ').collect())
        .collect()
    }

    fn topics() -> Vec<Vec<&'static str>> {
        vec![
            vec!["芯片", "算力", "出口"],
            vec!["备案", "监管", "隐私"],
            vec!["数据", "芯片", "监管"],
        ]
    }

    #[test]
    fn hand_computed_npmi() {
        // 芯片 in docs 0,1,5 (3 of 6), 算力 in 0,1,2 (3), together in 0,1 (2):
        // ln((2/6) / (1/2 · 1/2)) / −ln(2/6) = ln(4/3) / ln 3.
        let occ = Occurrences::new(&topics(), corpus());
        assert_eq!(
            (occ.n_docs, occ.df(&"芯片"), occ.co_df(&"芯片", &"算力")),
            (6, 3, 2)
        );
        let expected = (4.0f64 / 3.0).ln() / 3.0f64.ln();
        close(npmi(6, 3, 3, 2), expected);
        // Never together (出口 in doc 0 only, 备案 in 3,4,5): ln(ε / (1/6 · 1/2)) / −ln ε.
        let never = (EPSILON / (1.0 / 12.0)).ln() / -(EPSILON.ln());
        close(npmi(6, 1, 3, 0), never);
        assert!(never < -0.9 && never > -1.0);
        // A term found nowhere gives no evidence.
        assert_eq!(npmi(6, 0, 3, 0), 0.0);
        // Topic 1: pairs (芯片,算力), (芯片,出口), (算力,出口).
        let t1 = (npmi(6, 3, 3, 2) + npmi(6, 3, 1, 1) + npmi(6, 3, 1, 1)) / 3.0;
        close(occ.topic_npmi(&topics()[0], TOP_N), t1);
        // Only the first `top_n` terms count.
        close(occ.topic_npmi(&topics()[0], 2), npmi(6, 3, 3, 2));
        assert_eq!(occ.topic_npmi(&["芯片"], TOP_N), 0.0);
    }

    #[test]
    fn hand_computed_diversity() {
        // 9 terms, 芯片 and 监管 twice: 7 distinct.
        close(diversity(&topics(), 3), 7.0 / 9.0);
        close(diversity(&topics(), 1), 1.0);
        close(diversity::<&str>(&[], 10), 0.0);
    }

    /// gensim 4 `CoherenceModel(topics, texts=corpus(), dictionary, coherence="c_npmi",
    /// window_size=4, topn=3).get_coherence_per_topic()`: a window as long as the longest
    /// document makes each document one window (`scripts/coherence_reference.py`).
    #[test]
    fn matches_gensim_c_npmi() {
        let c = Coherence::of(&topics(), corpus());
        for (ours, gensim) in c.npmi.iter().zip(GENSIM_PER_TOPIC) {
            assert!((ours - gensim).abs() < 1e-6, "{ours} vs {gensim}");
        }
        assert!((c.mean_npmi - GENSIM_MEAN).abs() < 1e-6);
        close(c.diversity_top10, 7.0 / 9.0);
    }

    const GENSIM_PER_TOPIC: [f64; 3] =
        [0.34518837387491064, 0.4960512975622818, -0.3166094446831019];
    const GENSIM_MEAN: f64 = 0.1748767422513635;
}
