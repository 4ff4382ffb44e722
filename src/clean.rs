//! Stage 2, clean: normalise every line of every article and decide what it is — a paragraph
//! to keep, a heading to attach to the next paragraph, or something to drop (with a reason).
//!
//! Normalisation is a chain of small steps ([`normalize_line`]): strip pinyin glosses, convert
//! traditional to simplified, fold full-width letters and digits. Classification then drops
//! short lines and duplicates. Nothing here knows about the seed articles: the rules are
//! general, and each is unit-tested alone.

use std::collections::HashMap;

use serde::Serialize;

use crate::ingest::{Article, Origin};

/// Why a line or unit was left out of clustering. Serialised in snake_case for JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Too little text to say anything (fewer than `min_chars` letters).
    Short,
    /// Page furniture: copyright lines, tickers, bylines, navigation.
    Boilerplate,
    /// The same (or nearly the same) text was kept elsewhere.
    Duplicate,
    /// Nothing left after segmentation and stop-word filtering.
    NoTerms,
}

impl DropReason {
    /// The snake_case name used in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Short => "short",
            DropReason::Boilerplate => "boilerplate",
            DropReason::Duplicate => "duplicate",
            DropReason::NoTerms => "no_terms",
        }
    }
}

/// Cleaning switches, all on by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CleanOptions {
    /// Convert traditional characters to simplified (OpenCC t2s, phrase-aware).
    pub t2s: bool,
    /// Lines with fewer letters (Han characters, Latin letters, digits) than this are dropped
    /// as `short` (or become headings when a paragraph follows).
    pub min_chars: usize,
    /// Drop repeated paragraphs, keeping the first.
    pub dedupe: bool,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            t2s: true,
            min_chars: 15,
            dedupe: true,
        }
    }
}

/// What cleaning decided about one source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A paragraph to cluster.
    Keep,
    /// A short title-like line that introduces the next kept paragraph.
    Heading,
    /// Left out, with the reason; for duplicates, the (article index, line) of the kept twin.
    Drop(DropReason, Option<(usize, usize)>),
}

/// One non-empty source line after normalisation, with its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanLine {
    /// 1-based line in the source file (for JSONL: the record's line).
    pub line: usize,
    /// The normalised text (glosses stripped, simplified, width-folded, trimmed).
    pub text: String,
    /// Keep, heading, or drop.
    pub verdict: Verdict,
}

/// One article's lines after cleaning, in source order. Empty lines are omitted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CleanArticle {
    /// The article's non-empty lines.
    pub lines: Vec<CleanLine>,
}

/// The traditional→simplified converter, built once per run.
pub struct Converter {
    opencc: Option<ferrous_opencc::OpenCC>,
}

impl Converter {
    /// Builds the converter; `enabled = false` makes [`Converter::convert`] the identity.
    pub fn new(enabled: bool) -> Self {
        let opencc = if enabled {
            ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s).ok()
        } else {
            None
        };
        Converter { opencc }
    }

    /// Converts traditional characters to simplified; text without any non-ASCII character
    /// is returned as is.
    pub fn convert(&self, text: &str) -> String {
        match &self.opencc {
            Some(opencc) if !text.is_ascii() => opencc.convert(text),
            _ => text.to_string(),
        }
    }
}

/// Cleans every article: normalises lines, then classifies them corpus-wide (duplicates are
/// found across articles). The result has one [`CleanArticle`] per input article.
pub fn clean_corpus(articles: &[Article], options: &CleanOptions) -> Vec<CleanArticle> {
    use rayon::prelude::*;
    let converter = Converter::new(options.t2s);
    let mut cleaned: Vec<CleanArticle> = articles
        .par_iter()
        .map(|article| normalize_article(article, &converter, options))
        .collect();
    if options.dedupe {
        mark_duplicates(&mut cleaned);
    }
    cleaned
}

fn normalize_article(
    article: &Article,
    converter: &Converter,
    options: &CleanOptions,
) -> CleanArticle {
    let mut lines = Vec::new();
    for (index, raw) in article.text.lines().enumerate() {
        let line = match article.origin {
            Origin::TextFile => index + 1,
            Origin::JsonlRecord { line } => line,
        };
        let text = normalize_line(raw, converter);
        if text.is_empty() {
            continue;
        }
        let verdict = if letter_count(&text) < options.min_chars {
            Verdict::Drop(DropReason::Short, None)
        } else {
            Verdict::Keep
        };
        lines.push(CleanLine {
            line,
            text,
            verdict,
        });
    }
    attach_headings(&mut lines);
    CleanArticle { lines }
}

/// A short line directly followed by a kept paragraph is that paragraph's heading.
fn attach_headings(lines: &mut [CleanLine]) {
    for i in 0..lines.len().saturating_sub(1) {
        let next_kept = lines[i + 1].verdict == Verdict::Keep;
        let short = lines[i].verdict == Verdict::Drop(DropReason::Short, None);
        if short && next_kept && letter_count(&lines[i].text) >= 4 {
            lines[i].verdict = Verdict::Heading;
        }
    }
}

/// Marks later copies of a kept paragraph as duplicates of the first (compared after
/// removing everything but letters and digits).
fn mark_duplicates(articles: &mut [CleanArticle]) {
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    for (doc, article) in articles.iter_mut().enumerate() {
        for line in &mut article.lines {
            if line.verdict != Verdict::Keep {
                continue;
            }
            let key: String = line.text.chars().filter(|c| c.is_alphanumeric()).collect();
            match seen.get(&key) {
                Some(&first) => line.verdict = Verdict::Drop(DropReason::Duplicate, Some(first)),
                None => {
                    seen.insert(key, (doc, line.line));
                }
            }
        }
    }
}

/// Normalises one raw line: strip pinyin glosses, traditional→simplified, fold full-width
/// letters and digits to ASCII, trim whitespace.
pub fn normalize_line(raw: &str, converter: &Converter) -> String {
    let stripped = strip_pinyin_glosses(raw);
    let simplified = converter.convert(&stripped);
    fold_width(&simplified).trim().to_string()
}

/// Counts the characters that carry meaning: letters (Han included) and digits.
pub fn letter_count(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphanumeric()).count()
}

/// Is `c` a Latin vowel carrying a pinyin tone mark (ā á ǎ à …, ü forms, ń ň ǹ ḿ)?
fn is_tone_marked(c: char) -> bool {
    matches!(
        c,
        'ā' | 'á'
            | 'ǎ'
            | 'à'
            | 'ē'
            | 'é'
            | 'ě'
            | 'è'
            | 'ī'
            | 'í'
            | 'ǐ'
            | 'ì'
            | 'ō'
            | 'ó'
            | 'ǒ'
            | 'ò'
            | 'ū'
            | 'ú'
            | 'ǔ'
            | 'ù'
            | 'ǖ'
            | 'ǘ'
            | 'ǚ'
            | 'ǜ'
            | 'ń'
            | 'ň'
            | 'ǹ'
            | 'ḿ'
    )
}

/// Removes parenthesised pinyin syllables such as `(wù)` or `（jìn）` — a short run of Latin
/// letters with at least one tone mark — and keeps every other parenthetical (`(B2C)`).
pub fn strip_pinyin_glosses(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '(' || c == '（' {
            if let Some(len) = gloss_len(&chars[i..]) {
                i += len;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Length of a gloss starting at `chars[0]` (an opening parenthesis), if it is one.
fn gloss_len(chars: &[char]) -> Option<usize> {
    let mut tone = false;
    for (offset, &c) in chars.iter().enumerate().skip(1).take(8) {
        match c {
            ')' | '）' if offset > 1 && tone => return Some(offset + 1),
            c if is_tone_marked(c) => tone = true,
            c if c.is_ascii_lowercase() || c == 'ü' => {}
            _ => return None,
        }
    }
    None
}

/// Folds full-width ASCII letters and digits (`ＧＰＵ４`) and the ideographic space to their
/// ASCII forms; CJK punctuation is left alone.
pub fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glosses_go_real_parentheticals_stay() {
        assert_eq!(strip_pinyin_glosses("服務(wù)平臺"), "服務平臺");
        assert_eq!(strip_pinyin_glosses("進(jìn)行"), "進行");
        assert_eq!(
            strip_pinyin_glosses("合肥工业大学(HFU)"),
            "合肥工业大学(HFU)"
        );
        assert_eq!(strip_pinyin_glosses("消费者应用(B2C)"), "消费者应用(B2C)");
        assert_eq!(
            strip_pinyin_glosses("(美国人工智能研究公司)"),
            "(美国人工智能研究公司)"
        );
        assert_eq!(strip_pinyin_glosses("(abc)"), "(abc)");
    }

    #[test]
    fn width_folding_keeps_cjk_punctuation() {
        assert_eq!(fold_width("ＧＰＵ４，好"), "GPU4，好");
    }

    #[test]
    fn traditional_becomes_simplified() {
        let converter = Converter::new(true);
        assert_eq!(
            normalize_line(" 服務(wù)管理暫行辦法 ", &converter),
            "服务管理暂行办法"
        );
        let off = Converter::new(false);
        assert_eq!(normalize_line("服務", &off), "服務");
    }

    #[test]
    fn duplicates_point_at_the_kept_twin() {
        let article = |text: &str| Article {
            id: "a".into(),
            title: None,
            label: None,
            date: None,
            source: None,
            text: text.into(),
            origin: Origin::TextFile,
        };
        let para = "大模型正越来越多地针对特定垂直行业进行优化和应用。";
        let docs = [article(para), article(&format!("标题行在这里\n{para}"))];
        let cleaned = clean_corpus(&docs, &CleanOptions::default());
        assert_eq!(cleaned[0].lines[0].verdict, Verdict::Keep);
        assert_eq!(
            cleaned[1].lines[1].verdict,
            Verdict::Drop(DropReason::Duplicate, Some((0, 1)))
        );
    }
}
