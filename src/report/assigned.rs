//! What `zhuti assign` prints: one JSON line per article ([`ArticleOut`]), and for
//! `--format json|text` a batch summary ([`BatchSummary`]) beside the model's own shares.
//! `--format json` is `{"articles": [...], "summary": {...}}`, written as the articles are
//! assigned (the summary, which needs them all, comes last).
//! Shapes: `schema/assign-line.schema.json` and `schema/assign.schema.json`.

use serde::Serialize;

use crate::analysis::{round4, MixOut};
use crate::model::{AssignedArticle, ThemeModel};
use crate::report::text::TextOptions;

/// One assigned article (a JSON line).
#[derive(Debug, Clone, Serialize)]
pub struct ArticleOut {
    /// The article's id (file path, or the JSONL record's id).
    pub id: String,
    /// Its title.
    pub title: Option<String>,
    /// Its day, ISO 8601 `YYYY-MM-DD`, as the analysis report's `documents[].date` (absent
    /// when the input gives none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
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
    /// 1-based paragraph number within the article, every non-empty line of its cleaned text
    /// counted (a JSON Lines or CSV record's paragraphs share the record's `line`).
    pub paragraph: usize,
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
    /// The line for `article`, assigned with `model`.
    pub fn new(
        model: &ThemeModel,
        article: &crate::stages::ingest::Article,
        assigned: &AssignedArticle,
    ) -> ArticleOut {
        let theme_id = |theme: usize| model.themes().get(theme).map_or(theme + 1, |t| t.id);
        ArticleOut {
            id: article.id.clone(),
            title: assigned.title.clone(),
            date: article.date.clone(),
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
                    paragraph: u.paragraph,
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
    /// The batch's novel units clustered on their own ([`crate::emerging`]), largest first;
    /// empty when the batch holds too few novel units.
    pub emerging: Vec<crate::emerging::EmergingTheme>,
}

/// The running counts of a batch, article by article, for its [`BatchSummary`] (so a batch is
/// summarised without keeping its articles).
#[derive(Debug, Clone)]
pub struct BatchCounts {
    index: std::collections::HashMap<usize, usize>,
    articles: usize,
    dropped: usize,
    units: Vec<usize>,
    novel: Vec<usize>,
}

impl BatchCounts {
    /// No article yet, for `model`'s themes.
    pub fn new(model: &ThemeModel) -> BatchCounts {
        let k = model.themes().len();
        BatchCounts {
            index: model
                .themes()
                .iter()
                .enumerate()
                .map(|(i, t)| (t.id, i))
                .collect(),
            articles: 0,
            dropped: 0,
            units: vec![0; k],
            novel: vec![0; k],
        }
    }

    /// Counts one assigned article.
    pub fn add(&mut self, article: &ArticleOut) {
        self.articles += 1;
        self.dropped += article.dropped.len();
        for unit in &article.units {
            if let Some(&i) = self.index.get(&unit.theme) {
                self.units[i] += 1;
                self.novel[i] += usize::from(unit.novel);
            }
        }
    }

    /// The summary, with the batch's emerging themes.
    pub fn finish(
        self,
        model: &ThemeModel,
        emerging: Vec<crate::emerging::EmergingTheme>,
    ) -> BatchSummary {
        let total: usize = self.units.iter().sum();
        let all_novel: usize = self.novel.iter().sum();
        let share = |n: usize| {
            if total == 0 {
                0.0
            } else {
                round4(n as f64 / total as f64)
            }
        };
        BatchSummary {
            articles: self.articles,
            units: total,
            dropped: self.dropped,
            novel: all_novel,
            novel_share: share(all_novel),
            themes: model
                .themes()
                .iter()
                .zip(self.units.iter().zip(&self.novel))
                .map(|(theme, (&n, &nv))| ThemeShare {
                    id: theme.id,
                    label: theme.label.clone(),
                    units: n,
                    share: share(n),
                    model_share: theme.share,
                    novel: nv,
                })
                .collect(),
            emerging,
        }
    }
}

impl BatchSummary {
    /// The summary of `articles` assigned with `model`.
    pub fn new(
        model: &ThemeModel,
        articles: &[ArticleOut],
        emerging: Vec<crate::emerging::EmergingTheme>,
    ) -> BatchSummary {
        let mut counts = BatchCounts::new(model);
        for article in articles {
            counts.add(article);
        }
        counts.finish(model, emerging)
    }

    /// The summary for people, in 80 columns without colour ([`BatchSummary::render_text_with`]).
    pub fn render_text(&self) -> String {
        self.render_text_with(&TextOptions::default())
    }

    /// The summary for people, laid out as `options` say: every line fits `options.width`
    /// display columns (labels and previews are shortened, prose wraps), theme ids and
    /// emerging-theme numbers in their colours when `options.colour`, and whole
    /// representative paragraphs with `options.full`.
    pub fn render_text_with(&self, options: &TextOptions) -> String {
        use crate::numbers::{count, thousands};
        use crate::report::terminal_safe as safe;
        use crate::report::text::{put, trim_to, wrap, Layout};
        use std::fmt::Write as _;
        use unicode_width::UnicodeWidthStr;
        let l = Layout::new(options);
        let width = l.width;
        let mut out = String::new();
        let head = format!(
            "{}, {} placed ({} left out), {} novel ({:.1}%)",
            count(self.articles, "article", "articles"),
            count(self.units, "unit", "units"),
            thousands(self.dropped),
            thousands(self.novel),
            self.novel_share * 100.0
        );
        let _ = put(&mut out, wrap(&head, width, "", "  "));
        let _ = writeln!(out);
        // id, batch, model, novel: 3 + 2 + 7 + 2 + 7 + 2 + 6 + 2 columns before the label.
        const LEFT: usize = 31;
        let _ = writeln!(
            out,
            "{:>3}  {:>7}  {:>7}  {:>6}  label",
            "id", "batch", "model", "novel"
        );
        for t in &self.themes {
            let label = trim_to(&safe(&t.label), width - LEFT);
            let _ = writeln!(
                out,
                "{}  {:>6.1}%  {:>6.1}%  {:>6}  {}",
                l.paint(&format!("{:>3}", t.id), t.id, true),
                t.share * 100.0,
                t.model_share * 100.0,
                thousands(t.novel),
                label
            );
        }
        let _ = writeln!(out);
        if self.emerging.is_empty() {
            let none = format!(
                "no emerging theme (one needs at least {} from {})",
                count(crate::emerging::MIN_UNITS, "novel unit", "novel units"),
                count(crate::emerging::MIN_ARTICLES, "article", "articles")
            );
            let _ = put(&mut out, wrap(&none, width, "", "  "));
        } else {
            let _ = put(
                &mut out,
                wrap(
                    "emerging themes (novel units clustered on their own):",
                    width,
                    "",
                    "  ",
                ),
            );
        }
        for (i, t) in self.emerging.iter().enumerate() {
            let number = format!("E{}", i + 1);
            let head = format!(
                "{} from {}",
                count(t.units, "unit", "units"),
                count(t.articles, "article", "articles"),
            );
            // `  E1  12 units from 5 articles  label`, the label shortened to the line; E1's
            // colour is the one after the model's themes', so it is none of theirs.
            let used = 2 + number.width() + 2 + head.width() + 2;
            let label = trim_to(&safe(&t.label), width.saturating_sub(used).max(8));
            let _ = writeln!(
                out,
                "  {}  {head}  {label}",
                l.paint(&number, self.themes.len() + 1 + i, true)
            );
            for r in &t.representatives {
                let place = super::location_suffix(r.record, r.line, r.part, Some(r.paragraph));
                let place = format!("{}{place}", safe(&r.doc));
                let text = safe(&r.text)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                if l.full {
                    let _ = writeln!(out, "        {}", trim_to(&place, width - 8));
                    let _ = put(&mut out, wrap(&text, width, "          ", "          "));
                } else {
                    // `        doc ¶3  preview…`, the preview taking the columns left.
                    let place = trim_to(&place, (width - 8) / 2);
                    let left = width - 8 - place.width() - 2;
                    let _ = writeln!(out, "        {place}  {}", trim_to(&text, left));
                }
            }
        }
        out
    }
}
