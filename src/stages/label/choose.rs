//! Choosing each theme's label terms from its ranked terms (people's names already removed).
//!
//! 1. **Generic words do not label.** A term is generic when it is common in Chinese at large
//!    *and* spread over the themes here: its background idf ([`background::idf`], jieba's table
//!    of Chinese news) is below [`GENERIC_IDF`] *and* its [`spread`] over the themes is above
//!    [`GENERIC_SPREAD`]. Both are measured, not listed: 发展 (idf 3.58), 我国 (4.94) and 行业
//!    (4.64) are common and turn up in every theme (spread 0.8–0.9 on the seeds and xwlb);
//!    数据 (4.78) and 美国 (4.2) are common too but concentrated in the themes about them
//!    (spread about 0.6), so they may label those; 算力 or 备案 are rare in Chinese at
//!    large and always may. `docs/labels.md` shows the numbers on the seeds and xwlb. Generic
//!    terms are only used when a theme has nothing else.
//!    **Words that name no thing lead last**: a term jieba's dictionary lists as a verb, adverb,
//!    pronoun or distinguishing word (`v`, `d`, `r`, `b`, ...: 提到, 纷纷, 整个, 迭代) labels a
//!    theme only after its nouns, verbal nouns (服务, 备案), abbreviations and unlisted words (new
//!    words, phrases, Latin terms) ([`super::names::DictTag::Nominal`]): readers name a theme with
//!    nouns. On the seeds that replaced `能力·解决·整个` and `AIGC·创始人·纷纷`.
//! 2. **A term labels one theme at most**, its home: the theme where its weight
//!    ([`super::lift_weight`]) is highest. Themes are labelled largest first; a term another theme owns is taken only when
//!    a theme has too few of its own, and never one already in a label.
//! 3. **No two terms saying the same thing** (maximal marginal relevance, as BERTopic's
//!    `MaximalMarginalRelevance`): each next term maximises `λ · weight / top weight −
//!    (1 − λ) · similarity` to the terms already chosen, where similarity is 1 when one term
//!    holds the other (模型 / 大模型) and otherwise the cosine of the sets of units holding them
//!    (昆仑 / 万维, two halves of one name, always come together).

use crate::stages::tfidf::background;

/// Background idf below which a term is common in Chinese at large (about one news document
/// in 250 holds it: `e^−5.5`).
pub const GENERIC_IDF: f32 = 5.5;
/// Spread over the themes above which a term belongs to none of them.
pub const GENERIC_SPREAD: f64 = 0.7;
/// MMR's balance between weight and novelty.
pub const MMR_LAMBDA: f64 = 0.7;
/// Terms in a label.
pub const LABEL_TERMS: usize = super::LABEL_TERMS;

/// How evenly a term is spread over the themes: the entropy of its share in each theme (its
/// frequency there over the theme's size, so large themes do not count for more), over the
/// largest possible entropy `ln k`. 0 when one theme holds it all, 1 when all hold it alike.
///
/// ```
/// use zhuti::internals::label::choose::spread;
/// assert_eq!(spread([0.2, 0.0, 0.0]), 0.0);
/// assert!((spread([0.1, 0.1, 0.1]) - 1.0).abs() < 1e-12);
/// ```
pub fn spread(shares: impl IntoIterator<Item = f64>) -> f64 {
    let shares: Vec<f64> = shares.into_iter().collect();
    let total: f64 = shares.iter().sum();
    if shares.len() < 2 || total <= 0.0 {
        return 0.0;
    }
    let h: f64 = shares
        .iter()
        .filter(|&&s| s > 0.0)
        .map(|&s| {
            let p = s / total;
            -p * p.ln()
        })
        .sum();
    (h / (shares.len() as f64).ln()).clamp(0.0, 1.0)
}

/// Is `term` generic (rule 1 of the module docs), given its [`spread`]? Terms jieba's table
/// does not list (new words, Latin terms) are specific.
pub fn is_generic(term: &str, spread: f64) -> bool {
    background::idf(term).is_some_and(|idf| idf < GENERIC_IDF) && spread > GENERIC_SPREAD
}

/// One ranked term of a theme that may label it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'a> {
    /// Vocabulary id.
    pub term: usize,
    /// The term's text (normal form).
    pub text: &'a str,
    /// Class-based TF-IDF weight in the theme.
    pub weight: f64,
    /// Generic (rule 1).
    pub generic: bool,
    /// Names a thing: nominal or unlisted in jieba's dictionary (rule 1).
    pub nominal: bool,
}

/// One theme's candidates, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidates<'a> {
    /// The theme's ranked terms that are not names.
    pub terms: Vec<Candidate<'a>>,
}

/// The label terms of every theme (vocabulary ids, in label order), themes in the given order
/// (largest first): see the module docs. `similarity` is the units' cosine of two terms.
pub fn choose_labels(
    themes: &[Candidates],
    similarity: &dyn Fn(usize, usize) -> f64,
) -> Vec<Vec<usize>> {
    // Each term's home: the theme where it weighs most (ties: the larger theme).
    let mut home: rustc_hash::FxHashMap<usize, (f64, usize)> = Default::default();
    for (theme, c) in themes.iter().enumerate() {
        for cand in &c.terms {
            let entry = home.entry(cand.term).or_insert((cand.weight, theme));
            if cand.weight > entry.0 {
                *entry = (cand.weight, theme);
            }
        }
    }
    let mut used: rustc_hash::FxHashSet<usize> = Default::default();
    let mut labels = Vec::with_capacity(themes.len());
    for (theme, c) in themes.iter().enumerate() {
        let top = c
            .terms
            .first()
            .map_or(1.0, |t| t.weight.max(f64::MIN_POSITIVE));
        // Tiers: own specific nominal terms, others' specific nominal terms, other specific
        // terms, generic terms.
        let tier = |cand: &Candidate| match (cand.generic, cand.nominal, home.get(&cand.term)) {
            (false, true, Some(&(_, h))) if h == theme => 0,
            (false, true, _) => 1,
            (false, false, _) => 2,
            (true, _, _) => 3,
        };
        let pool: Vec<&Candidate> = c.terms.iter().filter(|t| !used.contains(&t.term)).collect();
        let mut chosen: Vec<&Candidate> = Vec::new();
        for wanted_tier in 0..4 {
            while chosen.len() < LABEL_TERMS {
                let next = pool
                    .iter()
                    .filter(|t| tier(t) == wanted_tier && !chosen.iter().any(|c| c.term == t.term))
                    .map(|t| {
                        let redundancy = chosen
                            .iter()
                            .map(|c| {
                                if c.text.contains(t.text) || t.text.contains(c.text) {
                                    1.0
                                } else {
                                    similarity(c.term, t.term)
                                }
                            })
                            .fold(0.0, f64::max);
                        let score = MMR_LAMBDA * t.weight / top - (1.0 - MMR_LAMBDA) * redundancy;
                        (score, redundancy, *t)
                    })
                    // Best score; ties by rank (the pool is in rank order: keep the first).
                    .fold(None::<(f64, f64, &Candidate)>, |best, cur| match best {
                        Some(b) if b.0 >= cur.0 => Some(b),
                        _ => Some(cur),
                    });
                match next {
                    // A term that says what a chosen one says is no label term at all.
                    Some((_, redundancy, t)) if redundancy < 1.0 || chosen.is_empty() => {
                        chosen.push(t)
                    }
                    _ => break,
                }
            }
        }
        // A theme whose every term is taken keeps its best one.
        if chosen.is_empty() {
            if let Some(first) = c.terms.first() {
                chosen.push(first);
            }
        }
        used.extend(chosen.iter().map(|t| t.term));
        labels.push(chosen.iter().map(|t| t.term).collect());
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(term: usize, text: &'static str, weight: f64, generic: bool) -> Candidate<'static> {
        Candidate {
            term,
            text,
            weight,
            generic,
            nominal: true,
        }
    }

    #[test]
    fn generic_words_are_common_and_spread() {
        assert!(is_generic("发展", 0.9));
        // Common but owned by one theme: may label it.
        assert!(!is_generic("数据", 0.2));
        // Rare in Chinese at large, or unknown to jieba's table: never generic.
        assert!(!is_generic("算力", 0.9));
        assert!(!is_generic("芯片", 0.9));
        assert!(!is_generic("chatgpt", 0.9));
    }

    #[test]
    fn labels_skip_generic_words_repeats_and_redundant_terms() {
        let themes = [
            Candidates {
                terms: vec![
                    cand(0, "发展", 1.0, true),
                    cand(1, "备案", 0.9, false),
                    cand(2, "模型", 0.8, false),
                    cand(3, "大模型", 0.7, false),
                    cand(4, "监管", 0.6, false),
                ],
            },
            Candidates {
                terms: vec![
                    cand(1, "备案", 0.5, false),
                    cand(5, "芯片", 0.45, false),
                    cand(6, "算力", 0.4, false),
                    cand(7, "英伟达", 0.3, false),
                ],
            },
        ];
        // 芯片 and 算力 always come together here: MMR prefers 英伟达 after 芯片.
        let sim = |a: usize, b: usize| {
            if a.min(b) == 5 && a.max(b) == 6 {
                0.9
            } else {
                0.0
            }
        };
        let labels = choose_labels(&themes, &sim);
        // 发展 is generic; 大模型 holds 模型 (said already).
        assert_eq!(labels[0], vec![1, 2, 4]);
        // 备案 is taken (and its home is theme 0).
        assert_eq!(labels[1], vec![5, 7, 6]);
        let generic_only = [Candidates {
            terms: vec![cand(0, "发展", 1.0, true), cand(8, "工作", 0.5, true)],
        }];
        assert_eq!(choose_labels(&generic_only, &sim)[0], vec![0, 8]);
    }

    #[test]
    fn words_that_name_no_thing_label_after_the_nouns() {
        let verb = |term, text, weight| Candidate {
            nominal: false,
            ..cand(term, text, weight, false)
        };
        let themes = [Candidates {
            terms: vec![
                verb(0, "提到", 1.0),
                cand(1, "能力", 0.9, false),
                verb(2, "整个", 0.8),
                cand(3, "门槛", 0.5, false),
                cand(4, "发展", 0.4, true),
            ],
        }];
        let none = |_: usize, _: usize| 0.0;
        // The nouns first, then the best verb; the generic word only if nothing else is left.
        assert_eq!(choose_labels(&themes, &none)[0], vec![1, 3, 0]);
    }
}
