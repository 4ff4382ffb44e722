//! The clean stage: normalise every line of every article and decide what it is — a paragraph
//! to keep, a heading to attach to the next paragraph, or something to drop (with a reason).
//!
//! Cleaning is a chain of small named steps, composed in one place ([`clean_corpus_explained`]):
//!
//! 1. [`normalize`]: strip pinyin glosses, traditional → simplified ([`Converter`]), fold
//!    full-width letters and digits ([`normalize_line`]); a line too long to be one unit is
//!    cut into paragraph-sized pieces ([`split`]), each judged on its own from here on.
//! 2. [`furniture`]: drop page furniture (copyright, licences, contacts, bylines, datelines,
//!    tickers, navigation, related-reading lists, lines repeated across articles) as
//!    `boilerplate`.
//! 3. Short lines: lines with too few letters become `short`. An article of one line (a
//!    headline, a post) is exempt from steps 2 and 3: that line is the whole article.
//! 4. [`headings`]: short title-like lines followed by a paragraph become that paragraph's
//!    heading.
//! 5. [`dedupe`]: near-duplicate paragraphs are kept once; the others become `duplicate`. For
//!    document units the comparison is within each article, then between whole articles
//!    ([`dedupe::DedupeScope`]).
//!
//! [`DropReason::NoTerms`] is not decided here: the pipeline gives it after the tfidf stage, to
//! units left without a kept term.
//!
//! Nothing here knows about the seed articles: the rules are general, and each step is
//! unit-tested alone.

pub mod dedupe;
pub mod furniture;
pub mod headings;
pub mod markup;
pub mod mojibake;
pub mod normalize;
pub mod split;

pub use furniture::Signal;
pub use normalize::{fold_width, letter_count, strip_pinyin_glosses};
pub use split::{split_long, MAX_UNIT_CHARS};

use std::borrow::Cow;

use serde::Serialize;

use crate::stages::ingest::{Article, Origin};

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
    /// A JSON Lines record that could not be read (left out by ingest with a warning; an
    /// error with `--strict`).
    BadRecord,
}

impl DropReason {
    /// The snake_case name used in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Short => "short",
            DropReason::Boilerplate => "boilerplate",
            DropReason::Duplicate => "duplicate",
            DropReason::NoTerms => "no_terms",
            DropReason::BadRecord => "bad_record",
        }
    }
}

/// Cleaning switches, all on by default (`CleanOptions::default()` takes the defaults from
/// [`crate::settings::defs`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CleanOptions {
    /// Convert traditional characters to simplified (OpenCC t2s, phrase-aware).
    pub t2s: bool,
    /// Lines with fewer letters (Han characters, Latin letters, digits) than this are dropped
    /// as `short` (or become headings when a paragraph follows).
    pub min_chars: usize,
    /// Drop near-duplicate paragraphs, keeping the fullest copy (`--no-dedupe` turns it off).
    pub dedupe: bool,
    /// What `dedupe` compares a paragraph with; the pipeline sets it from the unit kind
    /// (whole articles for document units, see [`dedupe::DedupeScope`]).
    #[serde(skip)]
    pub dedupe_scope: dedupe::DedupeScope,
    /// Drop page furniture as `boilerplate` (`--keep-boilerplate` turns it off).
    pub boilerplate: bool,
    /// Attach short title-like lines to the next paragraph as its heading (`--no-headings`).
    pub headings: bool,
}

// `Default` is with the settings (`src/settings/mod.rs`), from their registry.

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
    /// The identity converter (no t2s), built at no cost.
    pub(crate) fn disabled() -> Self {
        Converter::new(false)
    }

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
    /// One character of each phrase, as bits like `chars`: a phrase can only occur in text
    /// that has its character, so text with none of them needs no substring search. (The
    /// character shared by most phrases is chosen — 覆, 藉, 瞭 — which common text lacks.)
    phrase_keys: Vec<u64>,
    /// Both sets again for the common Han block U+4E00..=U+9FFF, one byte per character
    /// ([`HAN_CHAR`], [`HAN_PHRASE_KEY`]): one small table read per character of most text.
    han: Vec<u8>,
}

/// First code point of [`T2sChanges::han`].
const HAN_FIRST: u32 = 0x4E00;
/// One past the last code point of [`T2sChanges::han`].
const HAN_END: u32 = 0xA000;
/// [`T2sChanges::han`] bit: t2s changes the character.
const HAN_CHAR: u8 = 1;
/// [`T2sChanges::han`] bit: the character is a phrase key.
const HAN_PHRASE_KEY: u8 = 2;

/// The t2s lists, bundled.
const T2S_CHANGES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/t2s_changes.txt"
));
/// Code points covered by the character bit sets (all Unicode planes).
const T2S_BITS: usize = 0x11_0000;

impl T2sChanges {
    fn bundled() -> Self {
        let mut changes = T2sChanges {
            chars: vec![0u64; T2S_BITS / 64],
            phrase_keys: vec![0u64; T2S_BITS / 64],
            ..T2sChanges::default()
        };
        let mut section = "";
        for line in T2S_CHANGES.lines().filter(|l| !l.starts_with('#')) {
            match line {
                "[chars]" | "[phrases]" => section = line,
                _ if section == "[chars]" => {
                    line.chars().for_each(|c| set_bit(&mut changes.chars, c))
                }
                _ if section == "[phrases]" && !line.is_empty() => changes.phrases.push(line),
                _ => {}
            }
        }
        let mut shared: std::collections::BTreeMap<char, usize> = Default::default();
        for c in changes.phrases.iter().flat_map(|p| p.chars()) {
            *shared.entry(c).or_default() += 1;
        }
        for phrase in &changes.phrases {
            let key = phrase
                .chars()
                .max_by_key(|c| (shared.get(c).copied().unwrap_or(0), *c));
            if let Some(key) = key {
                set_bit(&mut changes.phrase_keys, key);
            }
        }
        changes.han = (HAN_FIRST..HAN_END)
            .map(|c| {
                let c = char::from_u32(c).unwrap_or_default();
                let mut flags = 0;
                if has_bit(&changes.chars, c) {
                    flags |= HAN_CHAR;
                }
                if has_bit(&changes.phrase_keys, c) {
                    flags |= HAN_PHRASE_KEY;
                }
                flags
            })
            .collect();
        changes
    }

    #[cfg(test)]
    fn has(&self, c: char) -> bool {
        has_bit(&self.chars, c)
    }

    /// Could t2s change `text`? False means t2s returns it unchanged.
    fn may_change(&self, text: &str) -> bool {
        if text.is_ascii() {
            return false;
        }
        let mut phrase_key = false;
        for c in text.chars() {
            if has_bit(&self.chars, c) {
                return true;
            }
            phrase_key |= has_bit(&self.phrase_keys, c);
        }
        phrase_key && self.phrases.iter().any(|p| text.contains(p))
    }
}

fn set_bit(bits: &mut [u64], c: char) {
    let c = c as usize;
    if let Some(word) = bits.get_mut(c / 64) {
        *word |= 1 << (c % 64);
    }
}

fn has_bit(bits: &[u64], c: char) -> bool {
    let c = c as usize;
    bits.get(c / 64)
        .is_some_and(|word| word & (1 << (c % 64)) != 0)
}

/// Why cleaning decided what it did about one line: the verdict plus, for furniture, the
/// signal that fired. [`clean_corpus_explained`] returns these for diagnostics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A paragraph to cluster.
    Keep,
    /// A heading of the next kept paragraph.
    Heading,
    /// Fewer letters than `min_chars`.
    Short,
    /// Page furniture, and which signal said so.
    Furniture(Signal),
    /// A near-duplicate of the paragraph kept at (article index, line).
    Duplicate(usize, usize),
}

impl Rule {
    /// The verdict this rule gives.
    pub fn verdict(self) -> Verdict {
        match self {
            Rule::Keep => Verdict::Keep,
            Rule::Heading => Verdict::Heading,
            Rule::Short => Verdict::Drop(DropReason::Short, None),
            Rule::Furniture(_) => Verdict::Drop(DropReason::Boilerplate, None),
            Rule::Duplicate(doc, line) => Verdict::Drop(DropReason::Duplicate, Some((doc, line))),
        }
    }
}

/// One line while cleaning is under way: `rule` is `None` until a step decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// 1-based source line.
    pub line: usize,
    /// The normalised text.
    pub text: String,
    /// The decision so far (`None`: nothing has claimed it yet, so it is kept).
    pub rule: Option<Rule>,
    /// [`letter_count`] of `text`, and whether it has a sentence end: counted once, asked
    /// by nearly every step.
    letters: usize,
    sentence: bool,
}

impl Draft {
    /// A line no step has judged yet.
    pub fn new(line: usize, text: String) -> Draft {
        Draft {
            line,
            letters: letter_count(&text),
            sentence: furniture::has_sentence_end(&text),
            text,
            rule: None,
        }
    }

    /// [`letter_count`] of the text.
    pub fn letters(&self) -> usize {
        self.letters
    }

    /// Does the text have sentence punctuation ([`furniture::has_sentence_end`])?
    pub fn has_sentence_end(&self) -> bool {
        self.sentence
    }
}

/// Cleans every article: normalises lines, then classifies them corpus-wide (repeated lines
/// and duplicates are found across articles). One [`CleanArticle`] per input article.
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
    explain(articles, options, progress)
        .into_iter()
        .map(|(article, _)| article)
        .collect()
}

/// [`clean_corpus`], also returning the [`Rule`] behind every line's verdict (same order as
/// `lines`). The steps run here, in this order, each switchable by [`CleanOptions`].
pub fn clean_corpus_explained(
    articles: &[Article],
    options: &CleanOptions,
) -> Vec<(CleanArticle, Vec<Rule>)> {
    explain(articles, options, &crate::progress::NoProgress)
}

fn explain(
    articles: &[Article],
    options: &CleanOptions,
    progress: &dyn crate::Progress,
) -> Vec<(CleanArticle, Vec<Rule>)> {
    let converter = Converter::new(options.t2s);
    explain_with(articles, options, &converter, None, progress).0
}

/// The cleaning steps of [`clean_corpus_explained`] with a given converter. Lines repeated
/// across `articles` are furniture, and so are those in `known` (the repeated keys of a
/// training corpus, [`Cleaner`]). Also returns the keys found repeated, sorted.
fn explain_with(
    articles: &[Article],
    options: &CleanOptions,
    converter: &Converter,
    known: Option<&rustc_hash::FxHashSet<String>>,
    progress: &dyn crate::Progress,
) -> (Vec<(CleanArticle, Vec<Rule>)>, Vec<String>) {
    use rayon::prelude::*;
    // 1. Normalise (per article, in parallel).
    // 2a. Furniture signals of each line alone, and the keys of short lines (to find those
    // repeated across the corpus), while each article's text is at hand.
    let (mut docs, keys): (Vec<Vec<Draft>>, Vec<Option<furniture::RepeatKeys>>) = articles
        .par_iter()
        .map(|article| {
            let mut draft = normalize_article(article, converter);
            let mut keys = None;
            if options.boilerplate {
                for d in draft.iter_mut() {
                    d.rule = furniture::draft_signal(d).map(Rule::Furniture);
                }
                keys = Some(furniture::repeat_keys(&draft));
            }
            progress.advance(1);
            (draft, keys)
        })
        .unzip();
    progress.step("repeats, near-duplicates");
    // 2b. Furniture: repeats across the corpus, then runs of short lines.
    let mut repeated = Vec::new();
    if options.boilerplate {
        let keys: Vec<furniture::RepeatKeys> = keys.into_iter().flatten().collect();
        repeated = furniture::mark_repeated_keyed(&mut docs, &keys, options.min_chars, known);
        drop(keys);
        docs.par_iter_mut()
            .for_each(|doc| furniture::mark_listings(doc, options.min_chars));
    }
    // 3. Short lines, and 4. headings (each article on its own).
    docs.par_iter_mut().for_each(|doc| {
        for d in doc.iter_mut() {
            if d.rule.is_none() && d.letters() < options.min_chars {
                d.rule = Some(Rule::Short);
            }
        }
        if options.headings {
            headings::mark(doc, options.min_chars);
        }
    });
    // A one-line article (a headline, a post) is all there is of it: the furniture and length
    // rules judge a line against the page around it, and this line has none. Only duplicates
    // can drop it.
    docs.par_iter_mut()
        .filter(|doc| doc.len() == 1)
        .for_each(|doc| doc[0].rule = None);
    // 5. Near-duplicates, corpus-wide or article by article.
    if options.dedupe {
        dedupe::mark_in(&mut docs, options.dedupe_scope);
    }
    let explained = docs
        .into_iter()
        .map(|doc| {
            let rules: Vec<Rule> = doc.iter().map(|d| d.rule.unwrap_or(Rule::Keep)).collect();
            let lines = doc
                .into_iter()
                .zip(&rules)
                .map(|(d, rule)| CleanLine {
                    line: d.line,
                    text: d.text,
                    verdict: rule.verdict(),
                })
                .collect();
            (CleanArticle { lines }, rules)
        })
        .collect();
    (explained, repeated)
}

/// The fitted cleaning stage. The per-line rules are pure; what cleaning learns from a corpus
/// is which short lines repeat across its articles (site names, share prompts, widget labels):
/// [`Cleaner::fit`] keeps their keys, and [`Cleaner::transform`] cleans a new article alone,
/// judging its lines by the same rules, with the training corpus's repeated lines (and lines
/// repeated within the article) as furniture and duplicates looked for within the article
/// only, so an article's verdicts never depend on the other articles cleaned beside it.
#[derive(Serialize, serde::Deserialize)]
pub struct Cleaner {
    options: CleanOptions,
    /// Keys ([`furniture::line_key`]) of the short lines found repeated in training, sorted.
    repeated: Vec<String>,
    #[serde(skip)]
    known: rustc_hash::FxHashSet<String>,
    #[serde(skip, default = "Converter::disabled")]
    converter: Converter,
}

impl Clone for Cleaner {
    fn clone(&self) -> Self {
        let mut cleaner = Cleaner {
            options: self.options.clone(),
            repeated: self.repeated.clone(),
            known: Default::default(),
            converter: Converter::disabled(),
        };
        cleaner.rebuild();
        cleaner
    }
}

impl std::fmt::Debug for Cleaner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cleaner")
            .field("options", &self.options)
            .field("repeated", &self.repeated.len())
            .finish()
    }
}

impl Cleaner {
    /// Cleans the training corpus (exactly as [`clean_corpus_with_progress`]) and keeps what
    /// it learnt.
    pub fn fit(
        articles: &[Article],
        options: &CleanOptions,
        progress: &dyn crate::Progress,
    ) -> (Cleaner, Vec<CleanArticle>) {
        let converter = Converter::new(options.t2s);
        let (explained, repeated) = explain_with(articles, options, &converter, None, progress);
        let cleaned = explained.into_iter().map(|(article, _)| article).collect();
        let mut cleaner = Cleaner {
            options: options.clone(),
            repeated,
            known: Default::default(),
            converter,
        };
        cleaner.rebuild();
        (cleaner, cleaned)
    }

    /// Rebuilds what is not stored (the key set, the converter) after deserialising.
    pub(crate) fn rebuild(&mut self) {
        self.known = self.repeated.iter().cloned().collect();
        if self.converter.opencc.is_none() && self.options.t2s {
            self.converter = Converter::new(true);
        }
    }

    /// The options it cleans with.
    pub fn options(&self) -> &CleanOptions {
        &self.options
    }

    /// Number of repeated-line keys learnt from the training corpus.
    pub fn repeated_lines(&self) -> usize {
        self.repeated.len()
    }

    /// Cleans one new article alone (see [`Cleaner`]).
    pub fn transform(&self, article: &Article) -> CleanArticle {
        let options = CleanOptions {
            dedupe_scope: dedupe::DedupeScope::Articles,
            ..self.options.clone()
        };
        let (mut explained, _) = explain_with(
            std::slice::from_ref(article),
            &options,
            &self.converter,
            Some(&self.known),
            &crate::progress::NoProgress,
        );
        explained.pop().map(|(a, _)| a).unwrap_or_default()
    }
}

fn normalize_article(article: &Article, converter: &Converter) -> Vec<Draft> {
    let mut lines = Vec::new();
    for (index, raw) in article.text.lines().enumerate() {
        let line = match article.origin {
            Origin::TextFile => index + 1,
            Origin::JsonlRecord { line } => line,
        };
        // Before anything changes a character: re-alignment works on the GBK bytes.
        let raw = mojibake::realign(raw);
        let (text, counts) = normalize_counted(&raw, converter);
        // Block tags in the line (`<p>…</p><p>…`) cut it into paragraphs sharing its line.
        if text.contains(markup::PARAGRAPH_BREAK) {
            for paragraph in text.split(markup::PARAGRAPH_BREAK) {
                lines.extend(
                    split_long(paragraph)
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(|p| Draft::new(line, p.to_string())),
                );
            }
            continue;
        }
        // A paragraph too long to be one unit (say, a file without line breaks) is judged piece
        // by piece, so one furniture signal cannot drop it all; the pieces share its line.
        let split: Option<Vec<String>> = {
            let mut pieces = split_long(&text);
            match (pieces.next(), pieces.next()) {
                (Some(first), Some(second)) => Some(
                    [first, second]
                        .into_iter()
                        .chain(pieces)
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                        .collect(),
                ),
                _ => None,
            }
        };
        if let Some(pieces) = split {
            lines.extend(pieces.into_iter().map(|text| Draft::new(line, text)));
        } else if !text.is_empty() {
            lines.push(match counts {
                Some((letters, sentence)) => Draft {
                    line,
                    text,
                    rule: None,
                    letters,
                    sentence,
                },
                None => Draft::new(line, text),
            });
        }
    }
    lines
}

/// What one pass over a raw line tells: its [`letter_count`] and sentence end, whether
/// folding or gloss stripping would change it, and whether t2s might.
struct LineScan {
    letters: usize,
    sentence: bool,
    /// A control character to remove, markup, or a tone-marked letter (a possible gloss).
    rewrite: bool,
    /// A character [`normalize::folds`].
    fold: bool,
    /// A character t2s converts.
    t2s_char: bool,
    /// A character of some phrase t2s converts.
    phrase_key: bool,
}

fn scan_line(text: &str, changes: &T2sChanges) -> LineScan {
    let mut scan = LineScan {
        letters: 0,
        sentence: false,
        rewrite: false,
        fold: false,
        t2s_char: false,
        phrase_key: false,
    };
    let bits = !changes.chars.is_empty();
    let mut han = 0u8;
    for c in text.chars() {
        if c.is_ascii() {
            scan.letters += usize::from(c.is_ascii_alphanumeric());
            scan.sentence |= c == '!';
            // A control character to remove (tab and line ends stay), or markup.
            scan.rewrite |= (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
                || c == '\x7f'
                || c == '<'
                || c == '&';
            continue;
        }
        if let Some(i) = (c as u32)
            .checked_sub(HAN_FIRST)
            .filter(|_| (c as u32) < HAN_END)
        {
            // A Han character: a letter, nothing to fold or strip; only t2s may care.
            scan.letters += 1;
            han |= changes.han.get(i as usize).copied().unwrap_or(0);
            continue;
        }
        scan.letters += usize::from(normalize::is_letter_or_digit(c));
        scan.sentence |= matches!(c, '。' | '！' | '；');
        scan.fold |= normalize::folds(c);
        scan.rewrite |= normalize::is_tone_marked(c) || normalize::is_removed_control(c);
        if bits {
            scan.t2s_char |= has_bit(&changes.chars, c);
            scan.phrase_key |= has_bit(&changes.phrase_keys, c);
        }
    }
    scan.t2s_char |= han & HAN_CHAR != 0;
    scan.phrase_key |= han & HAN_PHRASE_KEY != 0;
    scan
}

/// [`normalize_line`], plus the [`letter_count`] and sentence end of the result when one pass
/// over the line found that no step but folding changes it (the usual case: then the text is
/// only trimmed, or trimmed and folded).
///
/// The pass looks at the line trimmed, since the steps leave its edges as blank as they were:
/// whitespace folds or turns into spaces (`　`, U+3000, which opens most paragraphs of some
/// corpora, and the controls that separate text), and no gloss, markup or t2s phrase holds
/// whitespace, so a line whose trimmed text no step changes is that text. Folding alone (the
/// ideographic spaces inside lines of some corpora, full-width letters and digits) maps
/// characters one to one to ASCII that is no markup, no t2s character and no part of a t2s
/// phrase, and keeps every letter a letter and every sentence end: it is the only step then.
fn normalize_counted(raw: &str, converter: &Converter) -> (String, Option<(usize, bool)>) {
    let text = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let scan = scan_line(text, &converter.changes);
    // `T2sChanges::may_change` of `text` (its lists have no ASCII characters).
    let t2s = converter.opencc.is_some()
        && (scan.t2s_char
            || (scan.phrase_key && converter.changes.phrases.iter().any(|p| text.contains(p))));
    if scan.rewrite || t2s {
        return (normalize_line(raw, converter), None);
    }
    let text = if scan.fold {
        fold_width(text)
    } else {
        text.to_string()
    };
    (text, Some((scan.letters, scan.sentence)))
}

/// Normalises one raw line: remove control characters, fold full-width letters and digits to
/// ASCII, decode HTML entities and remove stray tags ([`markup`]; block tags become
/// [`markup::PARAGRAPH_BREAK`]), strip pinyin glosses, traditional→simplified, trim whitespace.
///
/// Idempotent (`normalize_line(normalize_line(x)) == normalize_line(x)`): folding comes first
/// because it can reveal a gloss (`（ｍǎ）`), and stripping repeats while it removes something
/// because removing one gloss can complete another (`(ā(wù))`); conversion repeats too.
pub fn normalize_line(raw: &str, converter: &Converter) -> String {
    /// Enough for any real text; bounds the work on adversarial nesting.
    const MAX_STRIP_ROUNDS: usize = 32;
    /// Longest variant chain seen in OpenCC's tables is 2; allow some margin.
    const MAX_CONVERT_ROUNDS: usize = 4;
    /// Markup inside markup is rare; bounds the work on adversarial nesting.
    const MAX_MARKUP_ROUNDS: usize = 4;
    // Each step is skipped (and nothing copied) when it would leave the text as it is.
    let raw = raw.trim_start_matches('\u{feff}');
    // Controls go first: removing one can join a gloss (`(\u{0}wù)`).
    let raw = if raw.chars().any(normalize::is_removed_control) {
        Cow::Owned(normalize::strip_controls(raw))
    } else {
        Cow::Borrowed(raw)
    };
    let raw = raw.trim_start_matches('\u{feff}');
    let mut text = if raw.chars().any(normalize::folds) {
        Cow::Owned(fold_width(raw))
    } else {
        Cow::Borrowed(raw)
    };
    // Entities and stray tags, then pinyin glosses. What an entity decodes to is cleaned as
    // the rest was (it may stand for a control, a full-width or a tone-marked character), and
    // removing a gloss can complete a tag (`<(wù)p>`): repeat both until nothing changes.
    for _ in 0..MAX_MARKUP_ROUNDS {
        let mut changed = false;
        if markup::may_have_markup(&text) {
            let stripped = markup::strip_markup(&text);
            if stripped != *text {
                let stripped = normalize::strip_controls(&stripped);
                text = Cow::Owned(if stripped.chars().any(normalize::folds) {
                    fold_width(&stripped)
                } else {
                    stripped
                });
                changed = true;
            }
        }
        if text.chars().any(normalize::is_tone_marked) {
            for _ in 0..MAX_STRIP_ROUNDS {
                let stripped = strip_pinyin_glosses(&text);
                let unchanged = stripped.len() == text.len(); // stripping only ever removes
                text = Cow::Owned(stripped);
                if unchanged {
                    break;
                }
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // OpenCC maps some variants in chains (薴 → 苧 → 苎): convert again while it changes.
    if let Some(opencc) = converter.opencc.as_ref() {
        if converter.changes.may_change(&text) {
            let mut converted = opencc.convert(&text);
            for _ in 0..MAX_CONVERT_ROUNDS {
                if converted == *text {
                    break;
                }
                text = Cow::Owned(converted);
                converted = converter.convert(&text);
            }
            text = Cow::Owned(converted);
        }
    }
    // A BOM (U+FEFF) is no whitespace to `trim`, but it is invisible padding all the same;
    // trimming both together keeps a second pass from finding a new edge to trim.
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

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
                assert!(changes.has(c) || has_bit(&changes.phrase_keys, c));
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
    fn the_one_pass_path_agrees_with_the_steps() {
        let made_up = [
            "  ＧＰＵ４ 服務(wù)。",
            "\u{feff} 大模型！ ",
            "覆盖全国的网络",
            "我们已经回覆了",
            "İstanbul 大模型; done!",
            "abc",
            "",
            " \u{3000} ",
            "国家（guó jiā）",
            // Control characters force the slow path, which removes them.
            "大模型\u{0}训练",
            "\u{1b}[31m芯片\u{1b}[0m！",
            "算力\u{7f}",
            "芯片\u{85}供应\u{9b}",
            "\u{b}\u{c}abc\t",
            "\u{feff}\u{1}\u{feff} 服務",
            "(\u{0}wù)",
            "ＧＰＵ\u{2}",
            // Blank edges (ideographic, no-break and control spaces) are only trimmed.
            "\u{3000}\u{3000}大模型正越来越多地针对特定垂直行业。\u{3000}",
            "\u{a0}\u{b}\u{85}\u{c}芯片\u{3000}供应\u{feff}\u{3000}",
            "\u{3000}\u{feff}\u{3000}服務\u{3000}",
            "\u{3000}国家（guó jiā）\u{3000}",
            "\u{3000}<p>芯片</p>\u{3000}",
            "\u{3000}ＧＰＵ\u{3000}",
            // Folding alone: ideographic spaces and full-width letters and digits inside.
            "图1\u{3000}B737－700垂尾后梁接头定位器",
            "１９９９年\u{3000}第４期\u{3000}Ｎｏ．４\u{3000}１９９９",
            "\u{3000}\u{3000}摘\u{3000}要\u{3000}本文在局域热平衡条件下！ｘ｜ｙ\u{a0}z",
            "ＧＰＵ４\u{3000}服務",
            "ＧＰＵ\u{3000}（ｍǎ）",
            "ａ\u{3000}＆ｌｔ;ｐ＆ｇｔ;",
        ];
        let seeds = crate::seeds::SEED_ARTICLES
            .iter()
            .flat_map(|(_, t)| t.lines());
        for enabled in [true, false] {
            let converter = Converter::new(enabled);
            for raw in made_up.into_iter().chain(seeds.clone()) {
                let (text, counts) = normalize_counted(raw, &converter);
                assert_eq!(text, normalize_line(raw, &converter), "{raw}");
                assert!(!text.chars().any(normalize::is_removed_control), "{raw:?}");
                assert_eq!(normalize_line(&text, &converter), text, "{raw:?}");
                if let Some((letters, sentence)) = counts {
                    assert_eq!(letters, letter_count(&text), "{raw}");
                    assert_eq!(sentence, furniture::has_sentence_end(&text), "{raw}");
                }
            }
        }
    }

    fn article(text: &str) -> Article {
        Article::text("a", text)
    }

    #[test]
    fn a_one_line_article_is_neither_furniture_nor_short() {
        // Headlines from THUCNews that the line rules dropped when each was a whole article.
        let lines = [
            "美股评论：SUN的苦涩曙光",
            "锌价难续去年辉煌",
            "期指收报23668 升114点",
        ];
        let alone: Vec<Article> = lines.iter().map(|l| article(l)).collect();
        for (clean, line) in clean_corpus(&alone, &CleanOptions::default())
            .iter()
            .zip(lines)
        {
            assert_eq!(clean.lines[0].verdict, Verdict::Keep, "{line}");
        }
        // The same lines on a page, next to a paragraph, are still judged as lines.
        let body = "大模型正越来越多地针对特定垂直行业进行优化和应用，商业化落地的节奏也在加快。";
        let page = article(&format!("{body}\n{}\n{}\n{}", lines[0], lines[1], lines[2]));
        let clean = clean_corpus(&[page], &CleanOptions::default());
        let verdicts: Vec<&Verdict> = clean[0].lines.iter().map(|l| &l.verdict).collect();
        assert_eq!(verdicts[0], &Verdict::Keep);
        assert!(
            verdicts[1..].iter().all(|v| matches!(v, Verdict::Drop(..))),
            "{verdicts:?}"
        );
        // Two copies of a one-line article are still duplicates.
        let twice = clean_corpus(
            &[article(lines[1]), article(lines[1])],
            &CleanOptions::default(),
        );
        assert_eq!(
            twice[1].lines[0].verdict,
            Verdict::Drop(DropReason::Duplicate, Some((0, 1)))
        );
    }

    #[test]
    fn document_scope_keeps_a_quoted_paragraph_in_every_article() {
        let shared = "佳能EOS-7D是一款拥有1800万像素成像能力的单反相机，每秒钟可以连拍8张，并具备高清摄像功能。";
        let beijing = "北京中关村的经销商本周继续下调报价，并表示备货充足，消费者可以放心选购。";
        let shanghai = "上海的摄影爱好者更关心镜头套装，徐家汇几家门店推出了以旧换新的活动。";
        let docs = [
            article(&format!("{beijing}\n{shared}")),
            article(&format!("{shanghai}\n{shared}\n{shared}")),
            article(&format!("{beijing}\n{shared}")),
        ];
        let options = CleanOptions {
            dedupe_scope: dedupe::DedupeScope::Articles,
            ..CleanOptions::default()
        };
        let cleaned = clean_corpus(&docs, &options);
        let verdicts = |i: usize| -> Vec<Verdict> {
            cleaned[i].lines.iter().map(|l| l.verdict.clone()).collect()
        };
        // The quoted paragraph stays in the first two articles; the second's repeat of it goes.
        assert_eq!(verdicts(0), [Verdict::Keep, Verdict::Keep]);
        assert_eq!(
            verdicts(1),
            [
                Verdict::Keep,
                Verdict::Keep,
                Verdict::Drop(DropReason::Duplicate, Some((1, 2)))
            ]
        );
        // The third article repeats the first whole: it points at the first's first paragraph.
        let twin = Verdict::Drop(DropReason::Duplicate, Some((0, 1)));
        assert_eq!(verdicts(2), [twin.clone(), twin]);
        // Corpus scope (paragraph units) drops the quoted paragraph wherever it repeats.
        let corpus_wide = clean_corpus(&docs, &CleanOptions::default());
        assert!(matches!(
            corpus_wide[1].lines[1].verdict,
            Verdict::Drop(DropReason::Duplicate, _)
        ));
    }

    #[test]
    fn duplicates_point_at_the_kept_twin() {
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
