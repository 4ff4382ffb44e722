//! The phrases stage (新词发现): find the corpus's own multi-word terms, such as 垂直大模型,
//! 卡脖子 or 百模大战, which jieba cuts into pieces (垂直 / 大模型, 卡 / 脖子), and give them
//! to the segmenter, which counts each as a term *beside* its parts for the rest of the run
//! (and, in a saved model, for every article assigned later): 国内算力 still counts 算力, so
//! a phrase adds a feature without taking one away.
//!
//! A phrase is a run of two or three consecutive jieba words, none of them glue (a stop word
//! other than a noun or adjective: 的, 了, 在, 是), of 3 to 8 Han characters in all, that is
//! - **frequent**: found at least [`min_count`] times (3, plus one for every
//!   [`COUNT_PER_TOKENS`] words of the sample, so big corpora need more evidence);
//! - **cohesive**: its parts occur together far more often than chance, pointwise mutual
//!   information `ln(c(xy)·N / (c(x)·c(y)))` ≥ [`MIN_PMI`], for a three-word run at the weaker
//!   of its two splits (`x|yz` and `xy|z`);
//! - **free**: it is used in varied contexts, the entropy of the words to its left and to its
//!   right each ≥ [`MIN_ENTROPY`] nats (a sentence edge counts as a new neighbour each time).
//!   A fragment of a longer phrase fails here: 垂直大 is nearly always followed by 模型.
//!
//! These are the classic cohesion-and-freedom criteria of Chinese new-word discovery (Matrix67's
//! 互联网时代的社会语言学, as in jieba's and HanLP's tools), on jieba words rather than
//! characters: the words already carry jieba's dictionary, so the counts are few and the
//! phrases end where words end. The counts run over at most [`SAMPLE_BYTES`] of text (evenly
//! spaced units when the corpus is larger), so the stage's time and memory are bounded
//! whatever the corpus size (measured in docs/labels.md). A run holding a listed person's name
//! (国家主席习近平) is no phrase: the name stays a term of its own, kept out of labels by
//! [`crate::stages::label::names`], whose name-shape rule this stage borrows.
//!
//! Hand-written: no maintained Rust crate finds new words over a given segmentation (the
//! crates.io candidates are character-level demos without neighbour entropy or tests).

use rustc_hash::FxHashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::stages::label::names;
use crate::stages::segment::{is_han, Segmenter};

/// Text the counts run over, at most (bytes): about 1.3 million jieba words.
pub const SAMPLE_BYTES: usize = 4 << 20;
/// Fewest occurrences of any phrase.
pub const MIN_COUNT: u32 = 3;
/// One more occurrence needed for every this many words in the sample.
pub const COUNT_PER_TOKENS: usize = 200_000;
/// Least pointwise mutual information of a phrase's parts (nats): e^2 ≈ 7 times chance.
pub const MIN_PMI: f64 = 2.0;
/// Least entropy of a phrase's left and of its right neighbours (nats).
pub const MIN_ENTROPY: f64 = 1.0;
/// Most phrases kept (the most frequent).
pub const MAX_PHRASES: usize = 500;
/// Fewest characters of the median unit for phrases to be looked for. Short texts share few
/// words, and a phrase splits them further (基金经理 no longer meets 基金): on
/// thucnews-titles-dev (median 18 characters) phrases cost 0.037 NMI at k = 10, while on
/// articles and paragraphs they gain (docs/labels.md).
pub const MIN_MEDIAN_CHARS: usize = 40;
/// Han characters of a phrase, fewest and most.
const PHRASE_CHARS: std::ops::RangeInclusive<usize> = 3..=8;

/// One phrase found, as the report's `phrases` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Phrase {
    /// The phrase as written.
    pub phrase: String,
    /// Occurrences in the counted text.
    pub count: u32,
    /// Pointwise mutual information of its parts (nats; the weaker split of three words).
    pub pmi: f64,
    /// The smaller of its left and right neighbour entropies (nats).
    pub entropy: f64,
}

/// The phrases of a corpus: fitted by [`Phrases::fit`], applied to a segmenter by
/// [`Phrases::apply`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Phrases {
    list: Vec<Phrase>,
}

/// Fewest occurrences of a phrase in a sample of `tokens` words.
pub fn min_count(tokens: usize) -> u32 {
    MIN_COUNT + (tokens / COUNT_PER_TOKENS) as u32
}

/// A run of two or three words.
type Gram<'a> = (&'a str, &'a str, Option<&'a str>);

/// Neighbour counts of a candidate: words to the left and right, and sentence edges.
#[derive(Default)]
struct Neighbours<'a> {
    left: FxHashMap<&'a str, u32>,
    right: FxHashMap<&'a str, u32>,
    left_edges: u32,
    right_edges: u32,
}

/// Entropy (nats) of neighbour counts, each edge a neighbour of its own.
fn entropy(counts: &FxHashMap<&str, u32>, edges: u32) -> f64 {
    let n = f64::from(counts.values().sum::<u32>() + edges);
    if n == 0.0 {
        return 0.0;
    }
    let term = |c: f64| -(c / n) * (c / n).ln();
    counts.values().map(|&c| term(f64::from(c))).sum::<f64>() + f64::from(edges) * term(1.0)
}

impl Phrases {
    /// No phrases (`--no-phrases`).
    pub fn none() -> Self {
        Phrases::default()
    }

    /// Are `texts` (the units) long enough for phrases: is the median at least
    /// [`MIN_MEDIAN_CHARS`] characters?
    pub fn suit(texts: &[&str]) -> bool {
        let mut lengths: Vec<usize> = texts.iter().map(|t| t.chars().count()).collect();
        if lengths.is_empty() {
            return false;
        }
        let mid = lengths.len() / 2;
        *lengths.select_nth_unstable(mid).1 >= MIN_MEDIAN_CHARS
    }

    /// Finds the phrases of `texts` (the units' cleaned text) as `segmenter` cuts them.
    /// Deterministic: the counts do not depend on the thread count, and ties are broken by
    /// the phrase's text.
    pub fn fit(texts: &[&str], segmenter: &Segmenter) -> Self {
        let sample = sample(texts);
        // Each unit as runs of words: `None` is an edge (punctuation, digits, Latin, spaces).
        let cut: Vec<Vec<Option<&str>>> = sample
            .par_iter()
            .map(|text| {
                segmenter
                    .words(text)
                    .map(|w| (w.chars().all(is_han) && !glue(w, segmenter)).then_some(w))
                    .collect()
            })
            .collect();
        let mut unigrams: FxHashMap<&str, u32> = FxHashMap::default();
        let mut bigrams: FxHashMap<(&str, &str), u32> = FxHashMap::default();
        let mut trigrams: FxHashMap<(&str, &str, &str), u32> = FxHashMap::default();
        let mut tokens = 0usize;
        for unit in &cut {
            for (i, w) in unit.iter().enumerate() {
                let Some(a) = *w else { continue };
                tokens += 1;
                *unigrams.entry(a).or_default() += 1;
                let Some(Some(b)) = unit.get(i + 1) else {
                    continue;
                };
                *bigrams.entry((a, b)).or_default() += 1;
                if let Some(Some(c)) = unit.get(i + 2) {
                    *trigrams.entry((a, b, c)).or_default() += 1;
                }
            }
        }
        let least = min_count(tokens);
        let n = tokens as f64;
        let c1 = |w: &str| f64::from(unigrams.get(w).copied().unwrap_or(1));
        let c2 = |a: &str, b: &str| f64::from(bigrams.get(&(a, b)).copied().unwrap_or(1));
        let chars = |g: &Gram| {
            g.0.chars().count() + g.1.chars().count() + g.2.map_or(0, |c| c.chars().count())
        };
        // Frequent and cohesive candidates, with their PMI.
        let mut candidates: FxHashMap<Gram, (u32, f64)> = FxHashMap::default();
        for (&(a, b), &count) in &bigrams {
            let gram = (a, b, None);
            if count >= least && PHRASE_CHARS.contains(&chars(&gram)) {
                let pmi = (f64::from(count) * n / (c1(a) * c1(b))).ln();
                if pmi >= MIN_PMI {
                    candidates.insert(gram, (count, pmi));
                }
            }
        }
        for (&(a, b, c), &count) in &trigrams {
            let gram = (a, b, Some(c));
            if count >= least && PHRASE_CHARS.contains(&chars(&gram)) {
                let k = f64::from(count) * n;
                let pmi = (k / (c1(a) * c2(b, c)))
                    .ln()
                    .min((k / (c2(a, b) * c1(c))).ln());
                if pmi >= MIN_PMI {
                    candidates.insert(gram, (count, pmi));
                }
            }
        }
        // Their neighbours.
        let mut neighbours: FxHashMap<Gram, Neighbours> = candidates
            .keys()
            .map(|&g| (g, Neighbours::default()))
            .collect();
        for unit in &cut {
            for i in 0..unit.len() {
                for len in [2, 3] {
                    let Some(words) = unit.get(i..i + len) else {
                        continue;
                    };
                    let (Some(a), Some(b)) = (words[0], words[1]) else {
                        continue;
                    };
                    let gram = (a, b, if len == 3 { words[2] } else { None });
                    if len == 3 && gram.2.is_none() {
                        continue;
                    }
                    let Some(seen) = neighbours.get_mut(&gram) else {
                        continue;
                    };
                    match i.checked_sub(1).and_then(|j| unit[j]) {
                        Some(w) => *seen.left.entry(w).or_default() += 1,
                        None => seen.left_edges += 1,
                    }
                    match unit.get(i + len).copied().flatten() {
                        Some(w) => *seen.right.entry(w).or_default() += 1,
                        None => seen.right_edges += 1,
                    }
                }
            }
        }
        let mut list: Vec<Phrase> = candidates
            .into_iter()
            .filter_map(|(gram, (count, pmi))| {
                let seen = &neighbours[&gram];
                let free = entropy(&seen.left, seen.left_edges)
                    .min(entropy(&seen.right, seen.right_edges));
                let keep = free >= MIN_ENTROPY
                    && !loose_edge(&gram, segmenter)
                    && !holds_name(&gram, segmenter);
                keep.then(|| {
                    let parts = [Some(gram.0), Some(gram.1), gram.2];
                    Phrase {
                        phrase: parts.iter().flatten().copied().collect(),
                        count,
                        pmi: round4(pmi),
                        entropy: round4(free),
                    }
                })
            })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.phrase.cmp(&b.phrase)));
        // A phrase of two words and of three can spell the same text (大模型 as 大 + 模型 or
        // 大模 + 型): keep the first, the most frequent.
        let mut seen = rustc_hash::FxHashSet::default();
        list.retain(|p| seen.insert(p.phrase.clone()));
        list.truncate(MAX_PHRASES);
        Phrases { list }
    }

    /// The phrases, most frequent first.
    pub fn list(&self) -> &[Phrase] {
        &self.list
    }

    /// No phrases found (or none asked for).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The phrases' texts, most frequent first, for a dictionary scoped to some texts
    /// ([`Segmenter::for_texts`]).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|p| p.phrase.as_str())
    }

    /// Gives the phrases to `segmenter`, which then counts each beside its parts
    /// ([`Segmenter::add_phrases`]), untagged: whether a phrase is a person's name (黄乐平)
    /// is the label stage's call, from its shape and its contexts
    /// ([`crate::stages::label::names`]), since jieba's tags of the parts mislead (it tags
    /// 阳光 and 谢谢 as names).
    pub fn apply(&self, segmenter: &mut Segmenter) {
        segmenter.add_phrases(self.words());
    }
}

/// Is `word` a word no phrase holds: empty, or a stop word that is not a noun, an adjective
/// or a distinguishing word (的, 了, 在, 是, 我们, ...). Stop words such as 大 and 新 can start
/// a phrase (大模型, 新能源); a stop word's tag is jieba's.
fn glue(word: &str, segmenter: &Segmenter) -> bool {
    word.is_empty()
        || (segmenter.is_stop_word(word)
            && !segmenter
                .tag(word)
                .is_some_and(|t| t.starts_with('n') || t.starts_with('a') || t == "b"))
}

/// Does `gram` start or end with a one-character word that is not a noun, adjective,
/// numeral or suffix (大模型正, 董事长兼): a fragment of a sentence, not a term.
fn loose_edge(gram: &Gram, segmenter: &Segmenter) -> bool {
    let last = gram.2.unwrap_or(gram.1);
    [gram.0, last].into_iter().any(|w| {
        w.chars().count() == 1
            && !segmenter
                .tag(w)
                .is_some_and(|t| t.starts_with('n') || matches!(t, "a" | "b" | "k" | "m" | "q"))
    })
}

/// Does `gram` hold a word of two to four characters the dictionary lists as a person's
/// name: 国家主席习近平, 国务院总理李强. Such runs stay apart, so the
/// name is a term of its own, which the label stage keeps out of labels; a phrase that is a
/// whole name (黄乐平 = 黄 + 乐平) is that stage's to judge.
fn holds_name(gram: &Gram, segmenter: &Segmenter) -> bool {
    [Some(gram.0), Some(gram.1), gram.2]
        .into_iter()
        .flatten()
        .any(|w| {
            let tag = names::DictTag::of(segmenter.tag(w));
            // Any dictionary person word of two to four characters: the surname list
            // that guards labels misses 习 and the like, and a phrase loses nothing by
            // being stricter.
            tag == names::DictTag::Person && (2..=4).contains(&w.chars().count())
        })
}

/// The texts counted: all of them, or evenly spaced ones adding up to about
/// [`SAMPLE_BYTES`].
fn sample<'a>(texts: &[&'a str]) -> Vec<&'a str> {
    let total: usize = texts.iter().map(|t| t.len()).sum();
    if total <= SAMPLE_BYTES {
        return texts.to_vec();
    }
    let step = total.div_ceil(SAMPLE_BYTES);
    texts.iter().step_by(step).copied().collect()
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_counts_each_edge_as_a_new_neighbour() {
        let mut counts = FxHashMap::default();
        counts.insert("甲", 2);
        // Two 甲 and two edges: p = 1/2, 1/4, 1/4.
        let h = entropy(&counts, 2);
        let want = -(0.5f64 * 0.5f64.ln() + 2.0 * 0.25 * 0.25f64.ln());
        assert!((h - want).abs() < 1e-12, "{h} vs {want}");
        assert_eq!(entropy(&FxHashMap::default(), 0), 0.0);
    }

    #[test]
    fn min_count_grows_with_the_sample() {
        assert_eq!(min_count(10_000), 3);
        assert_eq!(min_count(1_300_000), 9);
    }

    #[test]
    fn a_phrase_in_varied_contexts_is_found_and_its_fragment_is_not() {
        // 垂直大模型 in varied sentences; its parts also appear apart.
        let lefts = [
            "企业", "医疗", "金融", "教育", "工业", "政务", "法律", "零售",
        ];
        let rights = [
            "落地", "发展", "竞争", "部署", "训练", "应用", "迭代", "服务",
        ];
        let mut texts = Vec::new();
        for (l, r) in lefts.iter().zip(rights.iter().rev()) {
            texts.push(format!("{l}垂直大模型{r}，效果明显。"));
        }
        for filler in [
            "天气晴朗适合出游。",
            "城市交通拥堵严重。",
            "球队赢得比赛胜利。",
        ] {
            for _ in 0..20 {
                texts.push(filler.to_string());
            }
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let segmenter = Segmenter::for_texts(refs.iter().copied());
        let phrases = Phrases::fit(&refs, &segmenter);
        let found: Vec<&str> = phrases.words().collect();
        assert!(found.contains(&"垂直大模型"), "{found:?}");
        assert!(
            !found
                .iter()
                .any(|p| *p != "垂直大模型" && "垂直大模型".contains(p)),
            "{found:?}"
        );
        let mut cutter = Segmenter::for_texts(refs.iter().copied());
        phrases.apply(&mut cutter);
        // The phrase is a term beside its parts, and jieba's words are unchanged.
        let terms = cutter.terms("医疗行业的垂直大模型");
        assert_eq!(terms, ["医疗", "行业", "垂直", "模型", "垂直大模型"]);
    }
}
