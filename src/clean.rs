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
    changes: T2sChanges,
}

impl Converter {
    /// Builds the converter; `enabled = false` makes [`Converter::convert`] the identity.
    pub fn new(enabled: bool) -> Self {
        let opencc = if enabled {
            ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s).ok()
        } else {
            None
        };
        let changes = if opencc.is_some() {
            T2sChanges::bundled()
        } else {
            T2sChanges::default()
        };
        Converter { opencc, changes }
    }

    /// Converts traditional characters to simplified. Text that t2s would leave unchanged
    /// (ASCII, or no character or phrase it converts: most simplified text) is returned as is
    /// without running the converter, which makes the step nearly free on simplified corpora.
    pub fn convert(&self, text: &str) -> String {
        match &self.opencc {
            Some(opencc) if self.changes.may_change(text) => opencc.convert(text),
            _ => text.to_string(),
        }
    }
}

/// What OpenCC t2s can change (assets/t2s_changes.txt, made by scripts/t2s-changes.py): the
/// characters whose own conversion differs, and the changing phrases made only of other
/// characters. Text with neither is left exactly as it is by t2s.
#[derive(Default)]
struct T2sChanges {
    /// One bit per code point below [`T2S_BITS`]: does t2s change this character?
    chars: Vec<u64>,
    /// Changing phrases without any character in `chars`.
    phrases: Vec<&'static str>,
    /// The characters of `phrases` (a cheap test before the substring search).
    phrase_chars: Vec<char>,
}

/// The t2s lists, bundled.
const T2S_CHANGES: &str = include_str!("../assets/t2s_changes.txt");
/// Code points covered by the character bit set (all Unicode planes).
const T2S_BITS: usize = 0x11_0000;

impl T2sChanges {
    fn bundled() -> Self {
        let mut changes = T2sChanges {
            chars: vec![0u64; T2S_BITS / 64],
            ..T2sChanges::default()
        };
        let mut section = "";
        for line in T2S_CHANGES.lines().filter(|l| !l.starts_with('#')) {
            match line {
                "[chars]" | "[phrases]" => section = line,
                _ if section == "[chars]" => line.chars().for_each(|c| changes.set(c)),
                _ if section == "[phrases]" && !line.is_empty() => {
                    changes.phrases.push(line);
                    changes.phrase_chars.extend(line.chars());
                }
                _ => {}
            }
        }
        changes.phrase_chars.sort_unstable();
        changes.phrase_chars.dedup();
        changes
    }

    fn set(&mut self, c: char) {
        let c = c as usize;
        self.chars[c / 64] |= 1 << (c % 64);
    }

    fn has(&self, c: char) -> bool {
        let c = c as usize;
        self.chars
            .get(c / 64)
            .is_some_and(|bits| bits & (1 << (c % 64)) != 0)
    }

    /// Could t2s change `text`? False means t2s returns it unchanged.
    fn may_change(&self, text: &str) -> bool {
        if text.is_ascii() {
            return false;
        }
        let mut phrase_char = false;
        for c in text.chars() {
            if self.has(c) {
                return true;
            }
            phrase_char |= self.phrase_chars.binary_search(&c).is_ok();
        }
        phrase_char && self.phrases.iter().any(|p| text.contains(p))
    }
}

/// Cleans every article: normalises lines, then classifies them corpus-wide (duplicates are
/// found across articles). The result has one [`CleanArticle`] per input article.
pub fn clean_corpus(articles: &[Article], options: &CleanOptions) -> Vec<CleanArticle> {
    clean_corpus_with_progress(articles, options, &crate::progress::NoProgress)
}

/// [`clean_corpus`], reporting [`Progress::advance`](crate::Progress::advance) with the number
/// of articles normalised.
pub fn clean_corpus_with_progress(
    articles: &[Article],
    options: &CleanOptions,
    progress: &dyn crate::Progress,
) -> Vec<CleanArticle> {
    use rayon::prelude::*;
    let converter = Converter::new(options.t2s);
    let mut cleaned: Vec<CleanArticle> = articles
        .par_iter()
        .map(|article| {
            let clean = normalize_article(article, &converter, options);
            progress.advance(1);
            clean
        })
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
    fn t2s_skips_only_text_it_would_not_change() {
        let converter = Converter::new(true);
        let opencc = converter.opencc.as_ref().unwrap();
        let changes = &converter.changes;
        // Every character the lists leave out converts to itself, alone and in a run.
        let ranges = [
            0x2E80..0x2FE0,
            0x3000..0x3400,
            0x3400..0x4DC0,
            0x4E00..0xA000,
            0xF900..0xFB00,
            0xFF00..0xFFF0,
            0x20000..0x2FA20,
        ];
        let mut run = String::new();
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            let text = c.to_string();
            if !changes.may_change(&text) {
                assert_eq!(opencc.convert(&text), text, "U+{:04X}", c as u32);
                run.push(c);
            } else {
                assert!(changes.has(c) || changes.phrase_chars.contains(&c));
            }
        }
        assert_eq!(opencc.convert(&run), run);
        // Every listed character and phrase really changes.
        for phrase in &changes.phrases {
            assert_ne!(&opencc.convert(phrase), phrase);
        }
        for c in T2S_CHANGES.lines().skip_while(|l| *l != "[chars]").skip(1) {
            if c == "[phrases]" {
                break;
            }
            for ch in c.chars() {
                assert_ne!(opencc.convert(&ch.to_string()), ch.to_string(), "{ch}");
            }
        }
        // Phrase-only changes are caught; simplified text is skipped.
        assert!(changes.may_change("我们已经回覆了"));
        assert_eq!(converter.convert("我们已经回覆了"), "我们已经回复了");
        assert!(!changes.may_change("覆盖全国的网络"));
        assert!(!changes.may_change("大模型正越来越多地针对特定垂直行业进行优化和应用。"));
        assert!(changes.may_change("服務"));
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
