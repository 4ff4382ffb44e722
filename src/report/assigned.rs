//! What `zhuti assign` prints: one JSON line per article ([`ArticleOut`]), and for
//! `--format json|text` a batch summary ([`BatchSummary`]) beside the model's own shares.
//! Shapes: `schema/assign-line.schema.json` and `schema/assign.schema.json`.

use serde::Serialize;

use crate::analysis::{round4, MixOut};
use crate::model::{AssignedArticle, ThemeModel};

/// One assigned article (a JSON line).
#[derive(Debug, Clone, Serialize)]
pub struct ArticleOut {
    /// The article's id (file path, or the JSONL record's id).
    pub id: String,
    /// Its title.
    pub title: Option<String>,
    /// Share of its units in each theme (the model's stable theme ids), largest first.
    pub theme_mix: Vec<MixOut>,
    /// Every placed unit, in source order.
    pub units: Vec<UnitOut>,
    /// Units left out, with why.
    pub dropped: Vec<DroppedOut>,
}

/// One placed unit.
#[derive(Debug, Clone, Serialize)]
pub struct UnitOut {
    /// 1-based source line.
    pub line: usize,
    /// Piece of a long line (absent for a whole line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<usize>,
    /// The model's stable theme id ([`crate::model::ThemeInfo::id`]).
    pub theme: usize,
    /// Cosine to the theme centre.
    pub score: f64,
    /// Below the theme's novelty threshold.
    pub novel: bool,
}

/// One unit left out.
#[derive(Debug, Clone, Serialize)]
pub struct DroppedOut {
    /// 1-based source line.
    pub line: usize,
    /// `short`, `boilerplate`, `duplicate` or `no_terms`.
    pub reason: &'static str,
}

impl ArticleOut {
    /// The line for article `id`, assigned with `model`.
    pub fn new(model: &ThemeModel, id: &str, assigned: &AssignedArticle) -> ArticleOut {
        let theme_id = |theme: usize| model.themes().get(theme).map_or(theme + 1, |t| t.id);
        ArticleOut {
            id: id.to_string(),
            title: assigned.title.clone(),
            theme_mix: assigned
                .theme_mix()
                .into_iter()
                .map(|(theme, share)| MixOut {
                    theme: theme_id(theme),
                    share: round4(share),
                })
                .collect(),
            units: assigned
                .units
                .iter()
                .map(|u| UnitOut {
                    line: u.line,
                    part: u.part,
                    theme: theme_id(u.theme),
                    score: round4(u.score),
                    novel: u.novel,
                })
                .collect(),
            dropped: assigned
                .dropped
                .iter()
                .map(|&(line, _, reason)| DroppedOut {
                    line,
                    reason: reason.as_str(),
                })
                .collect(),
        }
    }
}

/// One theme in a batch summary.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeShare {
    /// 1-based id.
    pub id: usize,
    /// The model's label.
    pub label: String,
    /// Units of this batch placed in the theme.
    pub units: usize,
    /// Their share of the batch's placed units.
    pub share: f64,
    /// The theme's share of the model's training units.
    pub model_share: f64,
    /// Of them, how many are novel.
    pub novel: usize,
}

/// The whole batch, for `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    /// Articles read.
    pub articles: usize,
    /// Units placed.
    pub units: usize,
    /// Units left out.
    pub dropped: usize,
    /// Units scoring below their theme's novelty threshold.
    pub novel: usize,
    /// `novel / units`.
    pub novel_share: f64,
    /// Every theme of the model, in id order.
    pub themes: Vec<ThemeShare>,
}

impl BatchSummary {
    /// The summary of `articles` assigned with `model`.
    pub fn new(model: &ThemeModel, articles: &[ArticleOut]) -> BatchSummary {
        let k = model.themes().len();
        let mut units = vec![0usize; k];
        let mut novel = vec![0usize; k];
        let index: std::collections::HashMap<usize, usize> = model
            .themes()
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i))
            .collect();
        let mut dropped = 0;
        for article in articles {
            dropped += article.dropped.len();
            for unit in &article.units {
                if let Some(&i) = index.get(&unit.theme) {
                    units[i] += 1;
                    novel[i] += usize::from(unit.novel);
                }
            }
        }
        let total: usize = units.iter().sum();
        let all_novel: usize = novel.iter().sum();
        let share = |n: usize| {
            if total == 0 {
                0.0
            } else {
                round4(n as f64 / total as f64)
            }
        };
        BatchSummary {
            articles: articles.len(),
            units: total,
            dropped,
            novel: all_novel,
            novel_share: share(all_novel),
            themes: model
                .themes()
                .iter()
                .zip(units.iter().zip(&novel))
                .map(|(theme, (&n, &nv))| ThemeShare {
                    id: theme.id,
                    label: theme.label.clone(),
                    units: n,
                    share: share(n),
                    model_share: theme.share,
                    novel: nv,
                })
                .collect(),
        }
    }

    /// The summary for people.
    pub fn render_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} articles, {} units placed ({} left out), {} novel ({:.1}%)\n",
            self.articles,
            self.units,
            self.dropped,
            self.novel,
            self.novel_share * 100.0
        );
        let _ = writeln!(
            out,
            "{:>3}  {:>7}  {:>7}  {:>6}  label",
            "id", "batch", "model", "novel"
        );
        for t in &self.themes {
            let _ = writeln!(
                out,
                "{:>3}  {:>6.1}%  {:>6.1}%  {:>6}  {}",
                t.id,
                t.share * 100.0,
                t.model_share * 100.0,
                t.novel,
                t.label
            );
        }
        out
    }
}

/// The `--format json` document.
#[derive(Debug, Clone, Serialize)]
pub struct AssignReport<'a> {
    /// The batch summary.
    pub summary: BatchSummary,
    /// Every article, in input order.
    pub articles: &'a [ArticleOut],
}
