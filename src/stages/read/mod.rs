//! Stage 1b, read: what a file *says* besides its text. Ingest ([`super::ingest`]) hands each
//! file here by kind — Markdown ([`markdown`]) and HTML pages ([`html`]) become plain text
//! with one paragraph a line, plus the title, date and source a page declares — and, once every
//! input is read, [`resolve`] gives each article its date and source from the first place that
//! has one: the JSONL field, the HTML metadata, the file name, the text's own metadata lines
//! ([`dates`], [`source`]).
// Input handling: no indexing that could panic on what users feed in.
#![deny(clippy::indexing_slicing)]

pub mod dates;
pub mod html;
pub mod markdown;
pub mod source;
pub mod table;

use serde::Serialize;

use crate::stages::ingest::{Article, Corpus};

/// Where an article's date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DateFrom {
    /// The JSONL record's `date` field.
    Field,
    /// The HTML page's metadata (`article:published_time`, JSON-LD, `<time>`) or its
    /// visible 发布时间 line.
    Html,
    /// The file name (`20250315.md`, `2024-09-20-xxx.txt`).
    Filename,
    /// A metadata line near the top of the text (`发布日期:2023-07-27`).
    Text,
}

/// Where an article's source (outlet, site) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFrom {
    /// The JSONL record's `source` field.
    Field,
    /// The HTML page (`og:site_name`, the title's site suffix, `来源：`, meta author).
    Html,
    /// A metadata line near the top of the text (`来源:互联网`, `国际金融报 2023-11-17`).
    Text,
}

/// What a Markdown or HTML reader found in one file: the text, one paragraph a line, and what
/// the page declares about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// Plain text, paragraphs separated by `\n`.
    pub text: String,
    /// The page's own title (HTML only).
    pub title: Option<String>,
    /// The page's date, ISO `YYYY-MM-DD` (HTML only).
    pub date: Option<String>,
    /// The page's source (HTML only).
    pub source: Option<String>,
    /// Problems worth telling the user (a lying charset, no readable body).
    pub warnings: Vec<String>,
}

/// Gives every article of `corpus` its date and source, in this order of trust: the JSONL
/// field (already in [`Article::date`] / [`Article::source`]), the HTML metadata (set by the
/// reader with `date_from: html`), the file name, the text's metadata lines. A JSONL date that
/// is no date (`2023-02-30`, `yesterday`) is reported and the later places are tried.
pub fn resolve(corpus: &mut Corpus) {
    let mut warnings = Vec::new();
    for article in &mut corpus.articles {
        resolve_article(article, &corpus.warnings, &mut warnings);
    }
    corpus.warnings.extend(warnings);
}

/// `told`: the warnings given while reading (a page's impossible date is told once).
fn resolve_article(article: &mut Article, told: &[String], warnings: &mut Vec<String>) {
    if article.date_from.is_none() {
        if let Some(raw) = article.date.take() {
            match dates::parse(&raw) {
                Ok(date) => {
                    article.date = Some(date.to_string());
                    article.date_from = Some(DateFrom::Field);
                }
                Err(why) => warnings.push(format!(
                    "{}: the \"date\" field {raw:?} {why}; write dates as 2023-07-27 \
                     (the file name and the text's metadata lines are tried instead)",
                    article.id
                )),
            }
        }
    }
    if article.date_from.is_none() {
        if let Some(date) = dates::from_file_name(&article.id) {
            article.date = Some(date.to_string());
            article.date_from = Some(DateFrom::Filename);
        }
    }
    let meta = (article.date_from.is_none() || article.source.is_none())
        .then(|| source::metadata_lines(&article.text));
    if let Some(meta) = meta {
        if article.date_from.is_none() {
            let page_told = format!("{}: the page's date ", article.id);
            let told = told.iter().any(|w| w.starts_with(&page_told));
            if let Some(no_day) = meta.impossible.as_ref().filter(|_| !told) {
                warnings.push(format!(
                    "{}: the date {:?} on its metadata line {}; not used",
                    article.id, no_day.written, no_day.why
                ));
            }
            if let Some(date) = meta.date {
                article.date = Some(date.to_string());
                article.date_from = Some(DateFrom::Text);
            }
        }
        if article.source.is_none() {
            if let Some(name) = meta.source {
                article.source = Some(name);
                article.source_from = Some(SourceFrom::Text);
            }
        }
    }
    if article.source.is_some() && article.source_from.is_none() {
        article.source_from = Some(SourceFrom::Field);
    }
    // Full-width forms and padding are not part of a name.
    if let Some(name) = article.source.take() {
        article.source = Some(crate::stages::clean::fold_width(&name).trim().to_string());
    }
    if article
        .source
        .as_deref()
        .is_some_and(|s| s.trim().is_empty())
    {
        article.source = None;
        article.source_from = None;
    }
}
