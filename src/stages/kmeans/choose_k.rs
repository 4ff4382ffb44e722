//! `--k auto`: the candidate range, the judge of a candidate ([`KJudge`]), what the choice
//! reports ([`KSelection`]) and the choice itself: the smallest k within one standard error of
//! the best score, or, when no k stands out, the one whose k-means restarts agree most; and
//! when the data cannot tell k ([`Verdict`]).

use std::ops::RangeInclusive;

use ndarray::{Array2, ArrayView2, Axis};
use serde::Serialize;

use super::init::{all_runs, best_of, lowest_inertia, run_count, RowDots};
use super::lloyd::Fit;
use super::{even_sample, ClusterOptions, SILHOUETTE_SAMPLE};
use crate::numbers::{count, thousands};

/// The silhouette of one candidate k.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KScore {
    /// The candidate number of themes.
    pub k: usize,
    /// Mean cosine silhouette on the sample (−1 … 1, higher is better separated).
    pub silhouette: f64,
    /// Standard error of that mean (the units' silhouettes' standard deviation / √units):
    /// how much of a difference between candidates is only sampling noise.
    pub std_error: f64,
    /// How alike the k-means restarts' partitions of the sample are: the mean adjusted Rand
    /// index over pairs of the scoring restarts (before refinement). Near 1 when every start
    /// finds the same themes, near 0 when each finds its own. Absent with a single restart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<f64>,
}

/// How `auto` chose k.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KSelection {
    /// The k chosen. The report's `params.k` is how many themes it gave: fewer when some
    /// came out empty (the DMM starts from the chosen k's themes and may empty some).
    pub chosen: usize,
    /// The criterion, e.g. `mean cosine silhouette`.
    pub method: String,
    /// How many units the silhouette was measured on.
    pub sample_size: usize,
    /// The score of every candidate, in increasing k.
    pub candidates: Vec<KScore>,
    /// One sentence saying why the chosen k won, and when the data cannot tell, saying so.
    pub reason: String,
    /// False when the data cannot tell k, and the reason says which ks it cannot tell apart:
    /// at least three candidates, and a quarter of them, score within two standard errors of
    /// the highest, so noise picks among them; or the highest is at k = 2, the smallest tried,
    /// which the silhouette cannot weigh against one theme; or the chosen k's restarts agree
    /// less than [`AGREEMENT_FLOOR`], so its themes are not reproducible.
    pub stands_out: bool,
    /// The highest score is at the largest k tried and that k is `--k-max`: the corpus may
    /// hold more themes than were tried.
    pub still_rising: bool,
}

/// Judges a candidate partition when `auto` chooses k: the mean of a per-unit score and its
/// standard error (see [`KScore`]). [`LsaSilhouette`](super::LsaSilhouette) judges in the LSA space; the pipeline
/// judges the themes as refined on TF-IDF ([`crate::stages::refine::RefinedSilhouette`]).
pub trait KJudge: Sync {
    /// The criterion, as reports name it.
    fn method(&self) -> String;
    /// Scores `labels` (themes `0..k`) of the sampled units: `rows` are their indices among
    /// all units and `sample` their LSA vectors.
    fn score(
        &self,
        rows: &[usize],
        sample: ArrayView2<'_, f64>,
        labels: &[usize],
        k: usize,
    ) -> (f64, f64);
}

/// What `auto` found: the chosen k, why, and the chosen k's centres as fitted on the silhouette
/// sample (with how many rows that sample has), so [`super::fit`] need not fit them again.
pub(super) struct AutoK {
    pub(super) k: usize,
    pub(super) selection: KSelection,
    pub(super) fitted: Option<(usize, Fit)>,
}

/// The candidates `auto` tries for `n` units, `seeds` of them named: from max(2, seeds) to
/// k_max, bounded by ⌈√(n/2)⌉ (silhouette on sparse text rises slowly with k, so an unbounded
/// search drifts to the largest k tried) and by the silhouette sample, but never below the
/// number of seeds. Empty when there is no choice to make.
pub fn candidate_range(n: usize, seeds: usize, k_max: usize) -> RangeInclusive<usize> {
    let sample = n.min(SILHOUETTE_SAMPLE);
    let hi = k_max
        .min(rule_of_thumb_k_max(n))
        .max(seeds)
        .min(sample.saturating_sub(1));
    seeds.max(2)..=hi
}

/// Tries every k of [`candidate_range`] (each the best of [`SCORING_RUNS`] k-means++ starts,
/// completing `seeds`, on an evenly spread sample of at most [`SILHOUETTE_SAMPLE`] units) and
/// keeps the best mean cosine silhouette on that sample (ties to the smaller k); the chosen k
/// then makes the rest of its `n_runs` restarts. Candidates are fitted in parallel; the cost
/// does not grow with the corpus.
pub(super) fn choose_k(
    vectors: &Array2<f64>,
    seeds: ArrayView2<'_, f64>,
    options: &ClusterOptions,
    judge: &dyn KJudge,
) -> AutoK {
    use rayon::prelude::*;
    let n = vectors.nrows();
    let s = seeds.nrows();
    let range = candidate_range(n, s, options.k_max);
    let method = judge.method();
    if range.is_empty() {
        let (k, reason) = if s == 0 {
            (
                n.max(1),
                format!("only {}: one theme per unit", count(n, "unit", "units")),
            )
        } else {
            (
                s,
                format!(
                    "{} and {}: no room for discovered themes",
                    count(s, "named theme", "named themes"),
                    count(n, "unit", "units")
                ),
            )
        };
        let selection = KSelection {
            chosen: k,
            method,
            sample_size: n,
            candidates: Vec::new(),
            reason,
            stands_out: true,
            still_rising: false,
        };
        return AutoK {
            k,
            selection,
            fitted: None,
        };
    }
    let sample_rows = even_sample(n, SILHOUETTE_SAMPLE);
    let sample = vectors.select(Axis(0), &sample_rows);
    let dots = RowDots::new(sample.view());
    let scoring = scoring_runs(options.n_runs);
    let fits: Vec<(KScore, Vec<Fit>)> = range
        .clone()
        .into_par_iter()
        .map(|k| {
            let runs = run_count(seeds, k, scoring);
            let runs = all_runs(&dots, seeds, k, options, runs, Vec::new());
            let (silhouette, std_error) = lowest_inertia(&runs).map_or((0.0, 0.0), |b| {
                judge.score(&sample_rows, sample.view(), &runs[b].labels, k)
            });
            let score = KScore {
                k,
                silhouette,
                std_error,
                agreement: agreement(&runs),
            };
            (score, runs)
        })
        .collect();
    let (candidates, mut runs_by_k): (Vec<KScore>, Vec<Vec<Fit>>) = fits.into_iter().unzip();
    let (lo, hi) = (*range.start(), *range.end());
    let verdict = Verdict::of(&candidates, s == 0);
    let (best, top) = (verdict.chosen, verdict.top);
    // The chosen k's fit makes all its restarts, continuing the scoring ones.
    let fitted = candidates.get(best).map(|chosen| {
        let scoring = std::mem::take(&mut runs_by_k[best]);
        let all = run_count(seeds, chosen.k, options.n_runs);
        let runs = all_runs(&dots, seeds, chosen.k, options, all, scoring);
        (sample_rows.len(), best_of(sample.view(), seeds, runs))
    });
    let (k, score) = candidates
        .get(best)
        .map_or((lo, 0.0), |c| (c.k, c.silhouette));
    let named = if s == 0 {
        String::new()
    } else {
        format!(" ({s} named + {} discovered)", k - s)
    };
    let why = match candidates.get(top) {
        Some(t) if verdict.by_agreement => format!(
            "is, of the ks within two standard errors of the highest {method} ({:.3} at k = {}), \
             the smallest whose k-means restarts agree about as well as any's (mean pairwise ARI \
             {:.2}, within {AGREEMENT_TOLERANCE} of the most)",
            t.silhouette,
            t.k,
            candidates[best].agreement.unwrap_or(0.0)
        ),
        Some(t) if top != best => format!(
            "is the smallest k whose {method} ({score:.3}) is within one standard error ({:.3}) \
             of the highest ({:.3} at k = {})",
            t.std_error, t.silhouette, t.k
        ),
        _ => format!("has the highest {method} ({score:.3})"),
    };
    let mut reason = format!(
        "k = {k}{named} {why} of k = {lo}…{hi} (k ≤ ⌈√(n/2)⌉ for n = {} units), measured on {}",
        thousands(n),
        count(sample_rows.len(), "unit", "units")
    );
    let close = || {
        let ks: Vec<String> = verdict.close.iter().map(usize::to_string).collect();
        ks.join(", ")
    };
    if verdict.plateau {
        reason.push_str(&format!(
            "; no k stands out: k = {} all score within two standard errors of the highest, \
             so noise decides among them (pass --k if you know the number)",
            close()
        ));
    }
    if verdict.at_floor {
        let next = candidates[1..].iter().fold(&candidates[1], |a, c| {
            if c.silhouette > a.silhouette {
                c
            } else {
                a
            }
        });
        reason.push_str(&format!(
            "; no k stands out above 2: the highest score is at the smallest k tried, where the \
             silhouette cannot weigh two themes against one; of k = 3…{hi} the highest is \
             k = {} ({:.3}) (pass --k if you know the number)",
            next.k, next.silhouette
        ));
    }
    if let Some(a) = verdict.unreproducible {
        // A plateau has named the close ks and said no k stands out; otherwise say both.
        let (lead, named) = if verdict.plateau {
            ("and", String::new())
        } else {
            (
                "the data cannot tell k:",
                format!(
                    " (k = {} score within two standard errors of the highest)",
                    close()
                ),
            )
        };
        reason.push_str(&format!(
            "; {lead} the k-means restarts at k = {k} agree only {a:.2} (mean pairwise ARI on \
             the sample, below {AGREEMENT_FLOOR}), so its themes are not reproducible{named}"
        ));
    }
    let still_rising = top + 1 == candidates.len() && hi == options.k_max && candidates.len() > 1;
    if still_rising {
        reason.push_str(&format!(
            "; the score is highest at k = {hi}, the largest tried: there may be more themes \
             (raise --k-max)"
        ));
    }
    AutoK {
        k,
        selection: KSelection {
            chosen: k,
            method,
            sample_size: sample_rows.len(),
            candidates,
            reason,
            stands_out: verdict.stands_out(),
            still_rising,
        },
        fitted,
    }
}

/// Below this agreement between its k-means restarts (mean pairwise ARI), a k's themes are
/// not reproducible and `auto` says the data cannot tell k. Measured on the labelled corpora
/// (2026-12-04, docs/quality.md): 0.80–0.90 at the picks on thucnews-dev (seeds 0–4, 42),
/// 0.66–0.86 on its and fudan20's class subsamples, 0.21–0.33 at every k on the headlines and
/// their samples, 0.06–0.29 on the 104 seed paragraphs.
pub const AGREEMENT_FLOOR: f64 = 0.5;

/// On a plateau, `auto` takes the smallest close k whose agreement is within this of the most
/// reproducible close k's: agreement creeps up with k past the true k (thucnews-dev by
/// paragraph: 0.78 at k = 10–12, 0.84 at 17), as the silhouette does.
pub const AGREEMENT_TOLERANCE: f64 = 0.1;

/// What the scored candidates (in increasing k) say: the k chosen, and whether the data can
/// tell k at all.
#[derive(Debug, Clone, PartialEq)]
struct Verdict {
    /// Position of the chosen k: the one-standard-error choice, or, on a plateau whose most
    /// reproducible k reaches [`AGREEMENT_FLOOR`], the smallest close k within
    /// [`AGREEMENT_TOLERANCE`] of that agreement.
    chosen: usize,
    /// Position of the highest score.
    top: usize,
    /// The ks within two standard errors of the highest.
    close: Vec<usize>,
    /// No k stands out: at least three candidates, and a quarter of them, are close.
    plateau: bool,
    /// The plateau's k was chosen by its restarts' agreement, not by the smallest k rule.
    by_agreement: bool,
    /// The highest score is at k = 2, the smallest tried (unguided runs only).
    at_floor: bool,
    /// The chosen k's agreement, when it is below [`AGREEMENT_FLOOR`].
    unreproducible: Option<f64>,
}

impl Verdict {
    /// Judges `scores`; `unguided` when the smallest candidate is 2 and one theme is the
    /// alternative below it (named themes set the smallest k otherwise).
    fn of(scores: &[KScore], unguided: bool) -> Verdict {
        let (mut chosen, top) = one_standard_error_choice(scores);
        let close: Vec<usize> = within_two_errors(scores).iter().map(|s| s.k).collect();
        let plateau = close.len() >= 3 && close.len() * 4 >= scores.len();
        let mut by_agreement = false;
        if plateau {
            // The most reproducible of the close ks (ties to the smaller k).
            let mut most: Option<(usize, f64)> = None;
            for (i, score) in scores.iter().enumerate() {
                if let (true, Some(a)) = (close.contains(&score.k), score.agreement) {
                    if most.is_none_or(|(_, m)| a > m) {
                        most = Some((i, a));
                    }
                }
            }
            if let Some((_, most)) = most.filter(|&(_, a)| a >= AGREEMENT_FLOOR) {
                // The smallest close k about as reproducible as the most (parsimony, as the
                // one-standard-error rule).
                let first = scores.iter().position(|s| {
                    close.contains(&s.k)
                        && s.agreement.is_some_and(|a| a >= most - AGREEMENT_TOLERANCE)
                });
                if let Some(i) = first.filter(|&i| i != chosen) {
                    chosen = i;
                    by_agreement = true;
                }
            }
        }
        let at_floor = unguided && top == 0 && scores.len() > 1;
        let unreproducible = scores
            .get(chosen)
            .and_then(|s| s.agreement)
            .filter(|&a| a < AGREEMENT_FLOOR);
        Verdict {
            chosen,
            top,
            close,
            plateau,
            by_agreement,
            at_floor,
            unreproducible,
        }
    }

    /// Whether a k stands out: none of the reasons the data cannot tell k holds.
    fn stands_out(&self) -> bool {
        !self.plateau && !self.at_floor && self.unreproducible.is_none()
    }
}

/// The mean adjusted Rand index over pairs of `runs`' partitions (see [`KScore::agreement`]);
/// `None` for fewer than two runs.
fn agreement(runs: &[Fit]) -> Option<f64> {
    let mut sum = 0.0;
    let mut pairs = 0usize;
    for (i, a) in runs.iter().enumerate() {
        for b in &runs[i + 1..] {
            sum += crate::eval::ari(&a.labels, &b.labels).unwrap_or(0.0);
            pairs += 1;
        }
    }
    (pairs > 0).then(|| sum / pairs as f64)
}

/// Picks among scored candidates (in increasing k): the smallest k whose silhouette is within
/// one standard error of the highest, the usual guard against choosing a larger model on noise
/// (past the true k, silhouette curves flatten into a plateau whose peak moves with the seed).
/// Returns (chosen, highest) positions.
fn one_standard_error_choice(scores: &[KScore]) -> (usize, usize) {
    let mut top = 0;
    for (i, score) in scores.iter().enumerate() {
        if score.silhouette > scores[top].silhouette {
            top = i;
        }
    }
    let Some(best) = scores.get(top) else {
        return (0, 0);
    };
    let floor = best.silhouette - best.std_error;
    let chosen = scores
        .iter()
        .position(|score| score.silhouette >= floor)
        .unwrap_or(top);
    (chosen, top)
}

/// The candidates scoring within two standard errors of the highest (in increasing k).
fn within_two_errors(scores: &[KScore]) -> Vec<&KScore> {
    let (_, top) = one_standard_error_choice(scores);
    let Some(best) = scores.get(top) else {
        return Vec::new();
    };
    let floor = best.silhouette - 2.0 * best.std_error;
    scores.iter().filter(|s| s.silhouette >= floor).collect()
}

/// The ks among which no k stands out, or `None` when one does: at least three candidates,
/// and at least a quarter of them, score within two standard errors of the highest, so the
/// ranking among them is sampling noise (the seeds' curve from k = 5 to 8, 0.035–0.052 each
/// ± 0.009), and the report says so instead of presenting a winner.
#[cfg(test)]
fn plateau(scores: &[KScore]) -> Option<Vec<usize>> {
    let v = Verdict::of(scores, false);
    v.plateau.then_some(v.close)
}

/// Restarts per candidate k when `auto` scores the candidates (at most `n_runs`). The chosen
/// k's fit then makes all `n_runs`, continuing from these, so the themes reported are the best
/// of `n_runs` as with a fixed k.
fn scoring_runs(n_runs: usize) -> usize {
    n_runs.min(SCORING_RUNS)
}

/// Restarts per candidate k while `auto` scores them. Ten keep the choice of k where thirty
/// put it on the labelled corpora (thucnews-dev by article at seeds 0–4 and 42, the headlines
/// at seeds 0–2; on fudan20 by paragraph the best-of-ten curve peaks at 20 rather than 19, NMI
/// 0.400 against 0.397) and cut `auto`'s k-means work by nearly two thirds.
const SCORING_RUNS: usize = 10;

/// The largest k `auto` considers for `n` units: ⌈√(n/2)⌉ (at least 2), the usual rule of thumb
/// for the number of clusters.
pub fn rule_of_thumb_k_max(n: usize) -> usize {
    ((n as f64 / 2.0).sqrt().ceil() as usize).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_takes_the_smallest_k_within_one_standard_error_of_the_best() {
        let score = |k, silhouette, std_error| KScore {
            k,
            silhouette,
            std_error,
            agreement: None,
        };
        // The thucnews-dev curve at seed 1: a plateau from k = 12 whose peak (14) is noise.
        let plateau = [
            score(10, 0.634, 0.012),
            score(11, 0.639, 0.012),
            score(12, 0.655, 0.011),
            score(13, 0.646, 0.011),
            score(14, 0.662, 0.011),
        ];
        assert_eq!(one_standard_error_choice(&plateau), (2, 4));
        // A clear peak is kept; ties go to the smaller k.
        let peak = [
            score(2, 0.30, 0.01),
            score(3, 0.45, 0.01),
            score(4, 0.31, 0.01),
        ];
        assert_eq!(one_standard_error_choice(&peak), (1, 1));
        let tie = [score(2, 0.40, 0.0), score(3, 0.40, 0.0)];
        assert_eq!(one_standard_error_choice(&tie), (0, 0));
        assert_eq!(one_standard_error_choice(&[]), (0, 0));
    }

    #[test]
    fn a_plateau_within_two_standard_errors_stands_out_from_nothing() {
        let score = |k, silhouette, std_error| KScore {
            k,
            silhouette,
            std_error,
            agreement: None,
        };
        // A curve that flattens from k = 15, each ± 0.001 (6 of 19 within 2 SE).
        let flat: Vec<KScore> = (2..=20)
            .map(|k| {
                let s = if k < 15 {
                    0.004 + 0.0007 * (k - 2) as f64
                } else {
                    0.014
                };
                score(k, if k == 20 { 0.016 } else { s }, 0.001)
            })
            .collect();
        let close: Vec<usize> = within_two_errors(&flat).iter().map(|s| s.k).collect();
        assert_eq!(close, [15, 16, 17, 18, 19, 20]);
        assert_eq!(plateau(&flat), Some(close));
        // A clear peak: only k = 10 is within two standard errors of itself.
        let clear = [
            score(8, 0.50, 0.012),
            score(9, 0.58, 0.012),
            score(10, 0.66, 0.012),
            score(11, 0.60, 0.012),
            score(12, 0.55, 0.012),
        ];
        assert_eq!(plateau(&clear), None);
        // Two close candidates are a choice between two, not a plateau.
        assert_eq!(plateau(&[score(2, 0.30, 0.01), score(3, 0.31, 0.01)]), None);
        assert_eq!(plateau(&[]), None);
    }

    /// Scores from (k, silhouette, std_error, agreement) rows.
    fn curve(rows: &[(usize, f64, f64, f64)]) -> Vec<KScore> {
        rows.iter()
            .map(|&(k, silhouette, std_error, a)| KScore {
                k,
                silhouette,
                std_error,
                agreement: Some(a),
            })
            .collect()
    }

    #[test]
    fn on_a_plateau_auto_takes_the_smallest_k_about_as_reproducible_as_the_most() {
        // thucnews-dev by paragraph (default seed, 2026-12-04): the one-standard-error rule
        // took 13; agreement creeps from 0.77 at 11 to 0.84 at 17, so 11 is within 0.1.
        let paragraphs = curve(&[
            (9, 0.0375, 0.0012, 0.65),
            (10, 0.0396, 0.0012, 0.78),
            (11, 0.0405, 0.0012, 0.77),
            (12, 0.0410, 0.0012, 0.78),
            (13, 0.0415, 0.0015, 0.76),
            (14, 0.0364, 0.0011, 0.82),
            (15, 0.0427, 0.0013, 0.82),
            (16, 0.0387, 0.0012, 0.81),
            (17, 0.0404, 0.0015, 0.84),
        ]);
        assert_eq!(one_standard_error_choice(&paragraphs).0, 4);
        let v = Verdict::of(&paragraphs, true);
        assert_eq!((paragraphs[v.chosen].k, v.by_agreement), (11, true));
        assert_eq!(v.close, [11, 12, 13, 15, 17]);
        assert!(v.plateau && !v.stands_out());
        // A plateau whose restarts all disagree keeps the one-standard-error choice (the seed
        // paragraphs: k = 6 of 5…8, agreement 0.18–0.29).
        let seeds = curve(&[
            (4, 0.030, 0.005, 0.20),
            (5, 0.037, 0.005, 0.18),
            (6, 0.044, 0.005, 0.22),
            (7, 0.043, 0.005, 0.24),
            (8, 0.044, 0.005, 0.29),
        ]);
        let v = Verdict::of(&seeds, true);
        assert_eq!((seeds[v.chosen].k, v.by_agreement), (6, false));
        assert_eq!(v.unreproducible, Some(0.22));
        // Without agreement (guided runs with one restart) nothing changes.
        let mut none = paragraphs.clone();
        none.iter_mut().for_each(|s| s.agreement = None);
        let v = Verdict::of(&none, true);
        assert_eq!(
            (v.chosen, v.by_agreement, v.unreproducible),
            (4, false, None)
        );
    }

    #[test]
    fn a_best_at_two_or_unreproducible_themes_do_not_stand_out() {
        // fudan20, 5 classes × 60 articles: k = 2 is highest by far, alone within two errors.
        let fudan = curve(&[
            (2, 0.0323, 0.0013, 0.72),
            (3, 0.0227, 0.0012, 0.74),
            (4, 0.0241, 0.0012, 0.64),
            (5, 0.0202, 0.0008, 0.66),
            (13, 0.0258, 0.0019, 0.62),
        ]);
        let v = Verdict::of(&fudan, true);
        assert_eq!((v.chosen, v.at_floor, v.plateau), (0, true, false));
        assert!(!v.stands_out());
        // Guided, the smallest k is the named themes: no one-theme alternative below it.
        assert!(Verdict::of(&fudan, false).stands_out());
        // Headlines, 5 classes × 400: a rising curve, restarts agreeing 0.24–0.29.
        let headlines = curve(&[
            (16, 0.0247, 0.0012, 0.26),
            (17, 0.0252, 0.0012, 0.24),
            (18, 0.0267, 0.0013, 0.26),
            (19, 0.0261, 0.0012, 0.25),
            (20, 0.0278, 0.0013, 0.29),
        ]);
        let v = Verdict::of(&headlines, true);
        assert_eq!(v.unreproducible, Some(0.26));
        assert!(!v.stands_out());
        // A clear, reproducible peak stands out (thucnews-dev by article).
        let clear = curve(&[
            (8, 0.0430, 0.0016, 0.79),
            (9, 0.0442, 0.0015, 0.84),
            (10, 0.0466, 0.0015, 0.88),
            (11, 0.0479, 0.0015, 0.90),
            (12, 0.0435, 0.0015, 0.84),
        ]);
        let v = Verdict::of(&clear, true);
        assert_eq!(clear[v.chosen].k, 10);
        assert!(v.stands_out());
    }

    #[test]
    fn agreement_is_the_mean_pairwise_ari_of_the_restarts() {
        let fit = |labels: Vec<usize>| Fit {
            centroids: Array2::zeros((0, 0)),
            labels,
            inertia: 0.0,
            restarts: Vec::new(),
        };
        let same = [fit(vec![0, 0, 1, 1]), fit(vec![1, 1, 0, 0])];
        assert_eq!(agreement(&same), Some(1.0));
        // ARI([0,0,1,1], [0,0,1,2]) = 4/7; with a third copy of the first: (1 + 2 · 4/7) / 3.
        let three = [
            fit(vec![0, 0, 1, 1]),
            fit(vec![0, 0, 1, 2]),
            fit(vec![0, 0, 1, 1]),
        ];
        let expected = (1.0 + 2.0 * 4.0 / 7.0) / 3.0;
        assert!((agreement(&three).unwrap() - expected).abs() < 1e-12);
        assert_eq!(agreement(&same[..1]), None);
    }

    #[test]
    fn auto_bounds_k_by_the_square_root_rule() {
        assert_eq!(rule_of_thumb_k_max(104), 8);
        assert_eq!(rule_of_thumb_k_max(500), 16);
        assert_eq!(rule_of_thumb_k_max(3), 2);
    }

    #[test]
    fn candidate_range_is_shared_by_plain_and_guided_auto() {
        assert_eq!(candidate_range(497, 0, 20), 2..=16);
        assert_eq!(candidate_range(104, 0, 20), 2..=8);
        // Guided: the same bound, never below the named themes.
        assert_eq!(candidate_range(104, 3, 20), 3..=8);
        assert_eq!(candidate_range(104, 12, 20), 12..=12);
        // Large corpora: k_max and the silhouette sample bound it.
        assert_eq!(candidate_range(600_000, 0, 20), 2..=20);
        assert_eq!(candidate_range(600_000, 0, 5000), 2..=548);
        assert!(candidate_range(2, 0, 20).is_empty());
        assert!(candidate_range(2, 2, 20).is_empty());
    }
}
