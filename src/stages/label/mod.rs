//! The label stage: describe each theme — top terms by their lift in the theme, a short label
//! from them, the paragraphs nearest its centre — and each article's theme mix.
//!
//! A term's weight in a theme ([`lift_weight`]) is the share of the theme's units that hold it,
//! `p`, times the log of its lift there, `ln(p / q)`, where `q` is the share of all units
//! that hold it (the term's part in the Kullback–Leibler divergence of the theme's term
//! presence from the corpus's), times the square root of its occurrences per unit holding it.
//! Terms common everywhere sink (lift near 1), rare terms a few units hold sink (small `p`),
//! and terms most of a theme's units share and few others do rise; the last factor puts the
//! words an article keeps coming back to (比赛, 篮板) before the once-per-article datelines
//! (新浪体育讯, 新华网). This is class-based like BERTopic's c-TF-IDF (`tf · ln(1 + A / f)` by
//! occurrences), which it replaced: counted by the units that hold a term, the top 10 terms are
//! ones a theme's units use together, which is what a reader checks and what NPMI measures
//! (thucnews-dev documents 0.41 → 0.53, beside scikit-learn NMF's 0.52; topic diversity up too:
//! docs/labels.md).
//!
//! `p` and the occurrences are counted over the theme's core ([`core`]: the half of its units
//! that fit it best), `q` over every theme's units: a theme that took in a few units of another
//! story is described by its typical units (xwlb NPMI 0.308 → 0.356, ahead of NMF's 0.339).
//!
//! The full ranked list is the theme's `terms`; the label picks 2–3 of them a reader would
//! write ([`choose`]): no person's name ([`names`]), no generic word in the lead, no two terms
//! saying the same thing (MMR), no term in two themes' labels.

use rayon::prelude::*;

pub mod choose;
pub mod names;

use crate::eval::coherence::{Occurrences, DIVERSITY_N};
use crate::stages::clean::furniture;
use crate::stages::kmeans::Clustering;
use crate::stages::tfidf::Vectors;

/// How many representative paragraphs each theme shows.
pub const REPRESENTATIVES: usize = 3;
/// How many top terms make the label (`算力·芯片·禁运`).
pub const LABEL_TERMS: usize = 3;
/// How a theme's units hold one term ([`lift_weight`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Held {
    /// The theme's units holding the term.
    pub units: u32,
    /// The term's occurrences in them.
    pub occurrences: f64,
    /// All units holding the term, in every theme.
    pub corpus_units: u32,
}

/// The weight of a term `held` by a theme of `size` units among all `units`:
/// `p · ln(p / q) · √o`, with `p` the share of the theme's units holding it, `q` the share
/// of all units holding it, and `o` its occurrences per theme unit holding it (module docs).
/// Positive when the theme holds the term more often than the corpus does, else zero or less.
///
/// ```
/// use zhuti::internals::label::{lift_weight, Held};
/// // Half the theme's 10 units hold it, once each; a tenth of all 100 units: 0.5 · ln 5.
/// let held = Held { units: 5, occurrences: 5.0, corpus_units: 10 };
/// assert!((lift_weight(held, 10, 100) - 0.5 * 5f64.ln()).abs() < 1e-12);
/// // Four times in each unit holding it: twice the weight.
/// let often = Held { occurrences: 20.0, ..held };
/// assert!((lift_weight(often, 10, 100) - 2.0 * 0.5 * 5f64.ln()).abs() < 1e-12);
/// // Held as often everywhere: no weight.
/// let flat = Held { units: 2, occurrences: 2.0, corpus_units: 20 };
/// assert_eq!(lift_weight(flat, 10, 100), 0.0);
/// ```
pub fn lift_weight(held: Held, size: usize, units: usize) -> f64 {
    if held.units == 0 || size == 0 || held.corpus_units == 0 {
        return 0.0;
    }
    let p = f64::from(held.units) / size as f64;
    let q = f64::from(held.corpus_units) / units.max(1) as f64;
    let per_unit = held.occurrences / f64::from(held.units);
    p * (p / q).ln() * per_unit.sqrt()
}

/// A phrase's part (一带 of 一带一路) leaves a theme's list when at least this share of its
/// occurrences in the theme are inside the phrase ([`absorb_parts`]).
pub const ABSORBED_SHARE: f64 = 0.5;
/// A theme's terms are ranked over its core ([`core`]): this share of its units, those that
/// fit it best (highest score) first...
pub const CORE_SHARE: f64 = 0.5;
/// ... but at least this many (all the units of a smaller theme).
pub const CORE_MIN: usize = 10;
/// The most themes whose top lists hold one term ([`spread_terms`]).
pub const MAX_THEMES_PER_TERM: usize = 2;
/// A term below this share of its theme's top weight does not replace a term the theme gives
/// up to [`spread_terms`]: the list keeps the shared term rather than fill up with noise.
pub const MIN_REPLACEMENT_SHARE: f64 = 0.1;

/// A term and its weight in one theme ([`lift_weight`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TermWeight {
    /// The term as readers write it.
    pub term: String,
    /// Its weight (higher is more characteristic of the theme).
    pub weight: f64,
    /// A person's name ([`names`]): listed, never in a label.
    pub person: bool,
    /// A newspaper's or magazine's name ([`names::periodicals`]): listed, never in a label.
    pub periodical: bool,
    /// A word of the page rather than of the article (`我要评论`, `导语`,
    /// [`crate::stages::clean::furniture::is_page_word`]): listed, never in a label.
    pub furniture: bool,
}

/// What the label stage knows of the terms and units besides their counts.
#[derive(Debug, Clone, Copy)]
pub struct LabelHints<'a> {
    /// The dictionary tag of each vocabulary term (by id).
    pub tags: &'a [names::DictTag],
    /// Is each vocabulary term (by id) a phrase counted beside its parts
    /// ([`crate::stages::phrases`])? Its parts may then be absorbed ([`absorb_parts`]).
    pub phrases: &'a [bool],
    /// The text of each matrix row's unit.
    pub texts: &'a [&'a str],
    /// The units left unassigned (by row; `None`: none): they count in no theme's terms, so
    /// a theme is described by the units that fit it.
    pub left_out: Option<&'a [bool]>,
}

/// One theme's description, before it is tied to article ids and texts.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeLabel {
    /// Top terms, best first.
    pub terms: Vec<TermWeight>,
    /// Vocabulary ids of the top terms by [`lift_weight`], best first: at least
    /// [`crate::eval::coherence::DIVERSITY_N`] where the theme has them (for coherence and
    /// diversity, which count more terms than a report may list).
    pub ranked: Vec<usize>,
    /// Up to [`LABEL_TERMS`] terms chosen from the top ones ([`choose`]), joined by `·`.
    pub label: String,
    /// Matrix rows nearest the theme centre, best first.
    pub representatives: Vec<usize>,
    /// Number of units in the theme.
    pub size: usize,
}

/// Describes every theme of `clustering` (rows of `vectors.counts` are the clustered units).
/// The themes are described in parallel (Rayon), each by one task, so the result does not
/// depend on the thread count.
pub fn label_themes(
    vectors: &Vectors,
    clustering: &Clustering,
    top_terms: usize,
    hints: &LabelHints,
) -> Vec<ThemeLabel> {
    let k = clustering.k;
    let n_terms = vectors.vocab.len();
    let wanted = top_terms.max(LABEL_TERMS).max(DIVERSITY_N);
    // Each theme's rows, in row order.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    let left_out = |row: usize| hints.left_out.and_then(|o| o.get(row).copied()) == Some(true);
    for (row, &theme) in clustering.labels.iter().enumerate() {
        if !left_out(row) {
            members[theme].push(row);
        }
    }
    // A theme all of whose units were left out is still described, by them.
    for (theme, rows) in members.iter_mut().enumerate() {
        if rows.is_empty() {
            rows.extend(
                (0..clustering.labels.len()).filter(|&row| clustering.labels[row] == theme),
            );
        }
    }
    let scores = &clustering.scores;
    // Per theme: each term's occurrences and the units holding it, in one pass over the rows
    // of its core.
    let cores: Vec<Vec<usize>> = members.iter().map(|rows| core(rows, scores)).collect();
    let (class_tf, class_df): (Vec<Vec<f64>>, Vec<Vec<u32>>) = cores
        .par_iter()
        .map(|rows| {
            let mut tf = vec![0f64; n_terms];
            let mut df = vec![0u32; n_terms];
            for &row in rows {
                for (term, count) in vectors.counts.row(row) {
                    tf[term] += count as f64;
                    df[term] += 1;
                }
            }
            (tf, df)
        })
        .unzip();
    let class_totals: Vec<f64> = class_tf.iter().map(|tf| tf.iter().sum()).collect();
    // The units holding each term among all the themes' units (the background of the lift).
    let mut corpus_df = vec![0u32; n_terms];
    for &row in members.iter().flatten() {
        for (term, _) in vectors.counts.row(row) {
            corpus_df[term] += 1;
        }
    }
    let n_units: usize = members.iter().map(Vec::len).sum();

    let ranked: Vec<Vec<(usize, f64)>> = (0..k)
        .into_par_iter()
        .map(|theme| {
            let size = cores[theme].len();
            let weights: Vec<(usize, f64)> = class_df[theme]
                .iter()
                .enumerate()
                .filter(|(_, &d)| d > 0)
                .map(|(term, &d)| {
                    let held = Held {
                        units: d,
                        occurrences: class_tf[theme][term],
                        corpus_units: corpus_df[term],
                    };
                    (term, lift_weight(held, size, n_units))
                })
                .filter(|&(_, w)| w > 0.0)
                .collect();
            // Best first; ties (never between two terms) by term id. More than are listed, so
            // a theme that gives up a shared term has the next ones to list instead.
            best(weights, 3 * wanted, |a, b| {
                b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
            })
        })
        .collect();
    let ranked: Vec<Vec<(usize, f64)>> = ranked
        .into_iter()
        .zip(&class_tf)
        .map(|(r, tf)| absorb_parts(r, tf, &vectors.vocab.terms, hints.phrases))
        .collect();
    let ranked = spread_terms(ranked, wanted);

    // The units holding each ranked term (for names, and for MMR's similarity).
    let ids: Vec<Vec<usize>> = ranked
        .iter()
        .map(|r| r.iter().map(|&(t, _)| t).collect())
        .collect();
    let counts = &vectors.counts;
    let occurrences = Occurrences::new(
        &ids,
        (0..counts.n_rows).map(|row| counts.row(row).map(|(term, _)| term)),
    );
    let mut candidates: Vec<usize> = ids.iter().flatten().copied().collect();
    candidates.sort_unstable();
    candidates.dedup();
    // The unit texts holding a term (the names' and furniture's contexts are read there).
    let texts_of = |t: usize| {
        occurrences
            .postings(&t)
            .iter()
            .filter_map(|&row| hints.texts.get(row as usize).copied())
    };
    let persons = names::persons(candidates.iter().map(|&t| {
        let tag = hints
            .tags
            .get(t)
            .copied()
            .unwrap_or(names::DictTag::Unlisted);
        (t, vectors.vocab.terms[t].as_str(), tag, texts_of(t))
    }));
    let is_person = |t: usize| persons.binary_search(&t).is_ok();
    let periodicals = names::periodicals(
        candidates
            .iter()
            .map(|&t| (t, vectors.vocab.terms[t].as_str(), texts_of(t))),
    );
    let is_periodical = |t: usize| periodicals.binary_search(&t).is_ok();
    let datelines = names::datelines(
        candidates
            .iter()
            .map(|&t| (t, vectors.vocab.terms[t].as_str(), texts_of(t))),
    );
    let is_furniture = |t: usize| {
        furniture::is_page_word(&vectors.vocab.terms[t]) || datelines.binary_search(&t).is_ok()
    };

    let spread = |t: usize| {
        choose::spread(
            class_tf
                .iter()
                .zip(&class_totals)
                .map(|(tf, &total)| tf[t] / total.max(1.0)),
        )
    };
    let themes: Vec<choose::Candidates> = ranked
        .iter()
        .map(|r| choose::Candidates {
            terms: r
                .iter()
                .filter(|&&(t, _)| !is_person(t) && !is_periodical(t) && !is_furniture(t))
                .map(|&(t, w)| choose::Candidate {
                    term: t,
                    text: vectors.vocab.terms[t].as_str(),
                    weight: w,
                    generic: choose::is_generic(&vectors.vocab.terms[t], spread(t)),
                    nominal: hints
                        .tags
                        .get(t)
                        .is_none_or(|&tag| tag != names::DictTag::Other),
                })
                .collect(),
        })
        .collect();
    let chosen = choose::choose_labels(&themes, &|a, b| occurrences.cosine(&a, &b));

    ranked
        .into_iter()
        .zip(chosen)
        .enumerate()
        .map(|(theme, (weights, label_ids))| {
            let ranked: Vec<usize> = weights.iter().map(|&(term, _)| term).collect();
            let mut terms: Vec<TermWeight> = weights
                .iter()
                .map(|&(term, weight)| TermWeight {
                    term: vectors.vocab.display[term].clone(),
                    weight,
                    person: is_person(term),
                    periodical: is_periodical(term),
                    furniture: is_furniture(term),
                })
                .collect();
            let label = label_ids
                .iter()
                .map(|&t| vectors.vocab.display[t].as_str())
                .collect::<Vec<_>>()
                .join("·");
            let representatives = best(members[theme].clone(), REPRESENTATIVES, |&a, &b| {
                scores[b].total_cmp(&scores[a]).then(a.cmp(&b))
            });
            terms.truncate(top_terms);
            ThemeLabel {
                terms,
                ranked,
                label,
                representatives,
                size: members[theme].len(),
            }
        })
        .collect()
}

/// Each theme's top `n` terms (from its ranked `pool`, best first) with no term in more than
/// One theme's ranked terms without the parts its phrases absorb. A phrase is counted beside
/// its parts, so 一带一路 also counts 一带 and 一路; where at least [`ABSORBED_SHARE`] of a
/// part's occurrences in the theme (`tf`, by term id) are the phrase's (the phrase's count is
/// that high), the part says nothing the phrase does not and leaves the list, which then
/// names 一带一路 once instead of three times. A part used on its own (算力 beside 国内算力)
/// stays. `terms` are the vocabulary's normal forms, `phrases` says which are phrases.
pub fn absorb_parts(
    ranked: Vec<(usize, f64)>,
    tf: &[f64],
    terms: &[String],
    phrases: &[bool],
) -> Vec<(usize, f64)> {
    let is_phrase = |t: usize| phrases.get(t).copied().unwrap_or(false);
    let wholes: Vec<usize> = ranked
        .iter()
        .map(|&(t, _)| t)
        .filter(|&t| is_phrase(t))
        .collect();
    if wholes.is_empty() {
        return ranked;
    }
    ranked
        .into_iter()
        .filter(|&(part, _)| {
            !wholes.iter().any(|&whole| {
                whole != part
                    && terms[whole].contains(terms[part].as_str())
                    && tf[whole] >= ABSORBED_SHARE * tf[part]
            })
        })
        .collect()
}

/// [`MAX_THEMES_PER_TERM`] themes' lists: a term is kept by the themes where it weighs most,
/// and the others list their next terms instead. Terms are taken in order of weight over all
/// themes, so each list stays best first. Where keeping to the rule would leave a list short,
/// or fill it with terms below [`MIN_REPLACEMENT_SHARE`] of the theme's top weight, the list
/// keeps its shared terms (in rank order) instead: the rule is for lists that stay meaningful.
pub fn spread_terms(pools: Vec<Vec<(usize, f64)>>, n: usize) -> Vec<Vec<(usize, f64)>> {
    let floor: Vec<f64> = pools
        .iter()
        .map(|p| p.first().map_or(0.0, |&(_, w)| w * MIN_REPLACEMENT_SHARE))
        .collect();
    // Every (weight, theme, rank) of the pools, heaviest first (ties: theme, then rank).
    let mut all: Vec<(f64, usize, usize)> = pools
        .iter()
        .enumerate()
        .flat_map(|(theme, p)| p.iter().enumerate().map(move |(r, &(_, w))| (w, theme, r)))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut taken: Vec<Vec<usize>> = vec![Vec::new(); pools.len()];
    let mut themes_of: rustc_hash::FxHashMap<usize, usize> = Default::default();
    for &(w, theme, r) in &all {
        let term = pools[theme][r].0;
        let count = themes_of.entry(term).or_insert(0);
        if taken[theme].len() < n && *count < MAX_THEMES_PER_TERM && w >= floor[theme] {
            *count += 1;
            taken[theme].push(r);
        }
    }
    pools
        .into_iter()
        .zip(taken)
        .map(|(pool, mut ranks)| {
            // A short list takes back its best skipped terms.
            let short = n.min(pool.len()).saturating_sub(ranks.len());
            if short > 0 {
                let skipped: Vec<usize> = (0..pool.len())
                    .filter(|r| !ranks.contains(r))
                    .take(short)
                    .collect();
                ranks.extend(skipped);
            }
            ranks.sort_unstable();
            ranks.into_iter().map(|r| pool[r]).collect()
        })
        .collect()
}

/// The first `n` of `items` in the order of `cmp` (a total order), sorted: what sorting all of
/// them and keeping `n` gives, without sorting the rest.
fn best<T>(mut items: Vec<T>, n: usize, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
    if items.len() > n {
        items.select_nth_unstable_by(n, &cmp);
        items.truncate(n);
    }
    items.sort_by(cmp);
    items
}

/// The core of a theme whose units are `rows`: the [`CORE_SHARE`] of them (at least
/// [`CORE_MIN`]) that fit it best by `scores` (ties by row), in row order. Its terms are ranked
/// over these units, so a theme that also took in a few units of another story (a broadcast
/// notice among the 航天员 paragraphs) is described by what its typical units say rather than
/// by a mix of both; the lift's background stays every theme's units.
fn core(rows: &[usize], scores: &[f64]) -> Vec<usize> {
    let keep = ((rows.len() as f64 * CORE_SHARE) as usize)
        .max(CORE_MIN)
        .min(rows.len());
    let score = |row: usize| scores.get(row).copied().unwrap_or(0.0);
    let mut core = best(rows.to_vec(), keep, |&a, &b| {
        score(b).total_cmp(&score(a)).then(a.cmp(&b))
    });
    core.sort_unstable();
    core
}

/// Each article's share of units per theme: `mix[doc]` lists `(theme, share)`, largest share
/// first (ties by theme), and is empty for articles with no clustered unit.
pub fn theme_mix(unit_docs: &[usize], labels: &[usize], n_docs: usize) -> Vec<Vec<(usize, f64)>> {
    theme_mix_placed(unit_docs, labels.iter().map(|&t| Some(t)), n_docs)
        .into_iter()
        .map(|(mix, _)| mix)
        .collect()
}

/// [`theme_mix`] when some units are in no theme (`None`, the unassigned): per article, its
/// themes' shares of *all* its units, largest first, and the share left unassigned, so the
/// two sum to 1.
pub fn theme_mix_placed(
    unit_docs: &[usize],
    themes: impl IntoIterator<Item = Option<usize>>,
    n_docs: usize,
) -> Vec<(Vec<(usize, f64)>, f64)> {
    let mut counts: Vec<(std::collections::BTreeMap<usize, usize>, usize)> =
        vec![Default::default(); n_docs];
    for (&doc, theme) in unit_docs.iter().zip(themes) {
        match theme {
            Some(theme) => *counts[doc].0.entry(theme).or_default() += 1,
            None => counts[doc].1 += 1,
        }
    }
    counts
        .into_iter()
        .map(|(themes, unassigned)| {
            let total = (themes.values().sum::<usize>() + unassigned).max(1) as f64;
            let mut mix: Vec<(usize, f64)> = themes
                .into_iter()
                .map(|(theme, c)| (theme, c as f64 / total))
                .collect();
            mix.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            (mix, unassigned as f64 / total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_absorbs_the_parts_it_holds_most_of() {
        let terms: Vec<String> = ["一带一路", "一带", "一路", "国内算力", "算力", "合作"]
            .map(String::from)
            .to_vec();
        let phrases = [true, false, false, true, false, false];
        // Theme counts: 一带 and 一路 are nearly always 一带一路; 算力 mostly stands alone.
        let tf = [10.0, 11.0, 19.0, 3.0, 20.0, 8.0];
        let ranked: Vec<(usize, f64)> = (0..6).map(|t| (t, 1.0 - t as f64 / 10.0)).collect();
        let kept: Vec<usize> = absorb_parts(ranked.clone(), &tf, &terms, &phrases)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        // 一路: 10 of 19 inside the phrase, over half; 算力: 3 of 20.
        assert_eq!(kept, vec![0, 3, 4, 5]);
        // Without phrases nothing is absorbed, however the terms nest.
        assert_eq!(
            absorb_parts(ranked.clone(), &tf, &terms, &[false; 6]),
            ranked
        );
    }

    #[test]
    fn placed_mix_leaves_the_unassigned_share_beside_the_themes() {
        let mix = theme_mix_placed(
            &[0, 0, 0, 0, 1, 1],
            [Some(1), None, Some(1), Some(0), None, None],
            3,
        );
        assert_eq!(mix[0], (vec![(1, 0.5), (0, 0.25)], 0.25));
        assert_eq!(mix[1], (vec![], 1.0));
        assert_eq!(mix[2], (vec![], 0.0));
        // With every unit placed it is theme_mix.
        let plain = theme_mix(&[0, 0, 0, 1, 0], &[1, 0, 1, 0, 1], 3);
        let placed = theme_mix_placed(
            &[0, 0, 0, 1, 0],
            [Some(1), Some(0), Some(1), Some(0), Some(1)],
            3,
        );
        for (p, q) in plain.into_iter().zip(placed) {
            assert_eq!((p, 0.0), q);
        }
    }

    #[test]
    fn theme_mix_counts_shares_per_article() {
        let mix = theme_mix(&[0, 0, 0, 1, 0], &[1, 0, 1, 0, 1], 3);
        assert_eq!(mix[0], vec![(1, 0.75), (0, 0.25)]);
        assert_eq!(mix[1], vec![(0, 1.0)]);
        assert!(mix[2].is_empty());
    }

    #[test]
    fn a_term_is_listed_by_at_most_two_themes_where_the_lists_stay_meaningful() {
        let ids = |lists: &[Vec<(usize, f64)>]| -> Vec<Vec<usize>> {
            lists
                .iter()
                .map(|l| l.iter().map(|&(t, _)| t).collect())
                .collect()
        };
        // Term 0 (发展) is in all three pools: the two themes where it weighs most keep it;
        // theme 2, where it weighs least, lists its next term instead.
        let pools = vec![
            vec![(1, 1.0), (0, 0.8), (2, 0.5), (3, 0.3)],
            vec![(4, 1.0), (0, 0.9), (5, 0.4), (6, 0.3)],
            vec![(7, 1.0), (0, 0.6), (8, 0.5), (9, 0.4)],
        ];
        assert_eq!(
            ids(&spread_terms(pools.clone(), 3)),
            [vec![1, 0, 2], vec![4, 0, 5], vec![7, 8, 9]]
        );
        // The lists stay best first with their weights.
        assert_eq!(
            spread_terms(pools.clone(), 3)[2],
            [(7, 1.0), (8, 0.5), (9, 0.4)]
        );
        // A theme with nothing else to list keeps the shared term.
        let short = vec![pools[0].clone(), pools[1].clone(), vec![(7, 1.0), (0, 0.6)]];
        assert_eq!(ids(&spread_terms(short, 3))[2], [7, 0]);
        // Nor does noise (below a tenth of the top weight) replace it.
        let noisy = vec![
            pools[0].clone(),
            pools[1].clone(),
            vec![(7, 1.0), (0, 0.6), (8, 0.05)],
        ];
        assert_eq!(ids(&spread_terms(noisy, 2))[2], [7, 0]);
    }

    #[test]
    fn a_themes_core_is_its_best_fitting_half_but_never_under_ten_units() {
        // 30 units, scores rising with the row: the core is the 15 best, in row order.
        let scores: Vec<f64> = (0..30).map(|i| i as f64 / 30.0).collect();
        let rows: Vec<usize> = (0..30).collect();
        assert_eq!(core(&rows, &scores), (15..30).collect::<Vec<_>>());
        // 14 units: half would be 7, so the 10 best.
        let rows: Vec<usize> = (0..14).map(|i| i * 2).collect();
        assert_eq!(
            core(&rows, &scores),
            vec![8, 10, 12, 14, 16, 18, 20, 22, 24, 26]
        );
        // A small theme is all core; equal scores keep the earlier rows.
        assert_eq!(core(&[3, 1, 2], &scores), vec![1, 2, 3]);
        let flat = vec![0.5; 30];
        assert_eq!(core(&rows_of(24), &flat), (0..12).collect::<Vec<_>>());
    }

    fn rows_of(n: usize) -> Vec<usize> {
        (0..n).collect()
    }

    #[test]
    fn best_keeps_what_a_full_sort_keeps() {
        let items: Vec<(usize, f64)> = (0..200).map(|i| (i, ((i * 37) % 23) as f64)).collect();
        let cmp = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        for n in [0, 1, 3, 10, 199, 200, 500] {
            let mut sorted = items.clone();
            sorted.sort_by(cmp);
            sorted.truncate(n);
            assert_eq!(best(items.clone(), n, cmp), sorted, "n = {n}");
        }
    }
}
