//! The segment stage: cut cleaned text into words with jieba-rs and keep the words that can
//! name a theme.
//!
//! The chain: jieba `cut` (HMM on) → keep words with Han characters (two or more, no digits)
//! and Latin/alphanumeric terms (`ChatGPT`, `GPT-4`, `5G`) → lower-case Latin → drop stop words
//! (the stopwords-iso Chinese list plus a bundled list of news filler).
//!
//! A segmenter may also know some phrases ([`Segmenter::add_phrases`]: the corpus's own
//! multi-word terms, found by [`crate::stages::phrases`]). A run of two or three consecutive
//! jieba words that spells one is counted as a word of its own *beside* its parts, as n-gram
//! features are: 国内算力 still counts 算力 and the phrase 国产大模型 as well. jieba's cuts
//! never change for them.

use rustc_hash::FxHashSet;
use std::borrow::Cow;
use std::sync::Arc;

use jieba_rs::Jieba;

pub(crate) mod dictionary;
pub mod user;

/// Extra Chinese stop words bundled with zhuti (news filler such as 记者, 表示, 目前).
const EXTRA_STOP_WORDS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/stopwords_zh_extra.txt"
));

/// A jieba segmenter with zhuti's token filters. Build once, share across threads (it is
/// `Sync`). [`Segmenter::new`] loads the whole dictionary (a fraction of a second) and cuts any
/// text; [`Segmenter::for_texts`] is quick to build for a small corpus but is only for the texts
/// it was built for.
#[derive(Clone)]
pub struct Segmenter {
    /// Shared between clones until one adds words (copy on write): a segmenter that only adds
    /// phrases or stop words to a shared one does not copy jieba's dictionary.
    jieba: Arc<Jieba>,
    /// Phrases counted beside their parts ([`Segmenter::add_phrases`]).
    phrases: FxHashSet<String>,
    /// The phrases' first characters, a bit per code point below U+10000 (characters above
    /// are always looked up): most words start no phrase, and this says so without hashing.
    phrase_starts: Vec<u64>,
    /// The phrases' (first, last) character pairs, a bit per [`pair_bit`] (empty without
    /// phrases): most runs whose first word may start a phrase end in no phrase's last
    /// character, and this says so from a table in cache, before the phrase set is probed.
    phrase_pairs: Vec<u64>,
    stop_words: FxHashSet<String>,
    /// Part-of-speech tags of words added with a tag (user dictionaries), which win over the
    /// bundled dictionary's.
    added_tags: rustc_hash::FxHashMap<String, String>,
}

impl Default for Segmenter {
    fn default() -> Self {
        Self::new()
    }
}

impl Segmenter {
    /// Loads jieba's whole dictionary and the stop-word lists: cuts any text.
    pub fn new() -> Self {
        Self::with_jieba(dictionary::full())
    }

    /// A segmenter for cutting `texts` and nothing else: its dictionary keeps only the entries
    /// that can occur in them, so it builds in a few milliseconds where [`Segmenter::new`] takes
    /// tens, and cuts each of `texts` word for word as [`Segmenter::new`] does (other texts may
    /// be cut differently). Words for [`Segmenter::add_words`] must be among `texts`.
    pub fn for_texts<'t>(texts: impl IntoIterator<Item = &'t str>) -> Self {
        Self::with_jieba(dictionary::scoped(texts))
    }

    fn with_jieba(jieba: Jieba) -> Self {
        let mut stop_words: FxHashSet<String> = stop_words::get("zh")
            .iter()
            .chain(stop_words::get("en").iter())
            .map(|w| w.to_lowercase())
            .collect();
        stop_words.extend(
            EXTRA_STOP_WORDS
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string),
        );
        Segmenter {
            jieba: Arc::new(jieba),
            phrases: FxHashSet::default(),
            phrase_starts: Vec::new(),
            phrase_pairs: Vec::new(),
            stop_words,
            added_tags: Default::default(),
        }
    }

    /// Adds words to the dictionary so jieba keeps them whole (e.g. guided-theme seed words).
    pub fn add_words<'w>(&mut self, words: impl IntoIterator<Item = &'w str>) {
        for word in words {
            if !word.trim().is_empty() && word.chars().count() > 1 {
                Arc::make_mut(&mut self.jieba).add_word(word.trim(), None, None);
            }
        }
    }

    /// Adds a user dictionary ([`user::UserWord`]s): each word is kept whole, and its tag, if
    /// any, is the one [`Segmenter::tag`] gives.
    pub fn add_user_words(&mut self, words: &[user::UserWord]) {
        for w in words {
            Arc::make_mut(&mut self.jieba).add_word(&w.word, w.freq, w.tag.as_deref());
            if let Some(tag) = &w.tag {
                self.added_tags.insert(w.word.clone(), tag.clone());
            }
        }
    }

    /// Adds phrases: where a run of two or three consecutive words spells one, the phrase is
    /// one more word of the text, after its words ([`Segmenter::words`]); its parts stay.
    /// A phrase of fewer than two characters is ignored.
    pub fn add_phrases<'w>(&mut self, phrases: impl IntoIterator<Item = &'w str>) {
        for phrase in phrases {
            let mut chars = phrase.chars();
            let (Some(first), Some(second)) = (chars.next(), chars.next()) else {
                continue;
            };
            let last = chars.next_back().unwrap_or(second);
            if self.phrase_pairs.is_empty() {
                self.phrase_pairs = vec![0; PAIR_WORDS];
            }
            let bit = pair_bit(first, last);
            self.phrase_pairs[bit / 64] |= 1 << (bit % 64);
            if let Ok(code) = u16::try_from(u32::from(first)) {
                if self.phrase_starts.is_empty() {
                    self.phrase_starts = vec![0; 1 << 10];
                }
                self.phrase_starts[usize::from(code >> 6)] |= 1 << (code & 63);
            }
            self.phrases.insert(phrase.to_string());
        }
    }

    /// May a phrase start with `word`: is its first character a phrase's first character?
    fn may_start_phrase(&self, word: &str) -> bool {
        word.chars()
            .next()
            .is_some_and(|c| match u16::try_from(u32::from(c)) {
                // No bitmap yet: every phrase starts above U+FFFF.
                Ok(code) => self
                    .phrase_starts
                    .get(usize::from(code >> 6))
                    .is_some_and(|bits| bits & (1 << (code & 63)) != 0),
                Err(_) => true,
            })
    }

    /// May a phrase start with `first` and end with `last` ([`Segmenter::phrase_pairs`])?
    fn may_be_phrase(&self, first: char, last: char) -> bool {
        let bit = pair_bit(first, last);
        self.phrase_pairs
            .get(bit / 64)
            .is_some_and(|bits| bits & (1 << (bit % 64)) != 0)
    }

    /// Is `term` one of the phrases given to [`Segmenter::add_phrases`]?
    pub fn is_phrase(&self, term: &str) -> bool {
        self.phrases.contains(term)
    }

    /// Adds stop words (lower-cased) to the bundled lists.
    pub fn add_stop_words(&mut self, words: &[String]) {
        self.stop_words
            .extend(words.iter().map(|w| w.to_lowercase()));
    }

    /// The part-of-speech tag of `word` (jieba's: `nr` a person's name, `n` a noun, ...): the
    /// tag it was added with, else the bundled dictionary's; `None` for a word neither lists.
    pub fn tag(&self, word: &str) -> Option<&str> {
        match self.added_tags.get(word) {
            Some(tag) => Some(tag.as_str()),
            None => dictionary::tag(word),
        }
    }

    /// Is `word` (already lower-cased) a stop word?
    pub fn is_stop_word(&self, word: &str) -> bool {
        self.stop_words.contains(word)
    }

    /// The term a jieba word stands for ([`normalize_term`], then the stop-word filter), or
    /// `None` when it names no theme. The same word always gives the same answer, so callers
    /// may decide once per distinct word and remember it; and a term is its own term
    /// (`term(t) == Some(t)` for every `t` it returns), which [`crate::stages::tfidf`]'s per-word
    /// table relies on to keep a term's counts in the slot of the word written as the term.
    pub fn term<'a>(&self, word: &'a str) -> Option<Cow<'a, str>> {
        normalize_term(word).filter(|term| !self.stop_words.contains(term.as_ref()))
    }

    /// The raw jieba words of `text` in order (HMM on), then the phrases
    /// ([`Segmenter::add_phrases`]) their runs spell, in the order they start.
    pub fn words<'a>(&self, text: &'a str) -> impl Iterator<Item = &'a str> {
        let tokens = self.jieba.cut(text, true);
        let phrases = self.phrase_runs(text, &tokens);
        tokens.into_iter().map(|t| t.word).chain(phrases)
    }

    /// The runs of two or three consecutive `tokens` (jieba's cut of `text`, which tiles it)
    /// that spell a phrase, as slices of `text`, in the order they start; none (and no
    /// allocation) without phrases.
    fn phrase_runs<'a>(&self, text: &'a str, tokens: &[jieba_rs::Token<'a>]) -> Vec<&'a str> {
        let mut runs = Vec::new();
        if self.phrases.is_empty() {
            return runs;
        }
        for (start, first) in tokens.iter().enumerate() {
            if !self.may_start_phrase(first.word) {
                continue;
            }
            let Some(first_char) = first.word.chars().next() else {
                continue;
            };
            for last in tokens.iter().skip(start + 1).take(MAX_PHRASE_WORDS - 1) {
                let Some(run) = text.get(first.byte_start..last.byte_end) else {
                    break;
                };
                if run.len() > MAX_PHRASE_BYTES {
                    break;
                }
                let ends = last
                    .word
                    .chars()
                    .next_back()
                    .is_some_and(|c| self.may_be_phrase(first_char, c));
                if ends && self.phrases.contains(run) {
                    runs.push(run);
                }
            }
        }
        runs
    }

    /// Cuts `text` and returns its terms in order: filtered, Latin lower-cased, no stop words.
    pub fn terms<'a>(&self, text: &'a str) -> Vec<Cow<'a, str>> {
        self.terms_with_surface(text)
            .into_iter()
            .map(|(term, _)| term)
            .collect()
    }

    /// Like [`Segmenter::terms`], but each term comes with the word as written (`ChatGPT` for
    /// the term `chatgpt`), so reports can show the form readers know.
    pub fn terms_with_surface<'a>(&self, text: &'a str) -> Vec<(Cow<'a, str>, &'a str)> {
        self.words(text)
            .filter_map(|word| self.term(word).map(|term| (term, word)))
            .collect()
    }

    /// [`Segmenter::words`], collected (for benchmarks, tests and debugging).
    pub fn raw_words<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.words(text).collect()
    }
}

/// `u64` words of [`Segmenter::phrase_pairs`]: 2^16 bits, 8 KB.
const PAIR_WORDS: usize = 1 << 10;

/// The bit of a (first, last) character pair in [`Segmenter::phrase_pairs`].
fn pair_bit(first: char, last: char) -> usize {
    let key = u64::from(u32::from(first)) << 32 | u64::from(u32::from(last));
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
}

/// Most words in a phrase's run ([`Segmenter::add_phrases`]).
const MAX_PHRASE_WORDS: usize = 3;
/// Longest phrase matched (bytes): eight Han characters of four bytes.
const MAX_PHRASE_BYTES: usize = 32;

/// Is `c` a Han (CJK ideograph) character?
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2EBEF | 0xF900..=0xFAFF)
}

/// Decides whether a jieba word is a term, and returns its normal form.
///
/// Kept: words with Han characters (at least two characters, no ASCII digits — `2023年` is a
/// date, not a theme) and Latin/alphanumeric words with at least one letter and two
/// characters (`GPT-4`, `5G`, `B端`). Dropped: punctuation, whitespace, numbers, single
/// characters. Latin letters are lower-cased so `GPU` and `gpu` are one term.
pub fn normalize_term(word: &str) -> Option<Cow<'_, str>> {
    // Most words are two or more Han characters of U+5000..=U+9FFF (UTF-8 lead bytes
    // 0xE5..=0xE9, three bytes each): a term as they are, told from their lead bytes alone.
    if word.len() >= 6
        && word.len().is_multiple_of(3)
        && word
            .as_bytes()
            .iter()
            .step_by(3)
            .all(|b| (0xE5..=0xE9).contains(b))
    {
        return Some(Cow::Borrowed(word));
    }
    normalize_any_term(word)
}

/// [`normalize_term`] of any word, character by character.
fn normalize_any_term(word: &str) -> Option<Cow<'_, str>> {
    let joiner = |c: char| matches!(c, '-' | '.' | '_' | '+' | '·');
    // Most words have nothing to trim: two one-character checks instead of the trim's search.
    let word = if word.starts_with(joiner) || word.ends_with(joiner) {
        word.trim_matches(joiner)
    } else {
        word
    };
    let mut chars = 0;
    let mut han = false;
    let mut ascii_letter = false;
    let mut ascii_digit = false;
    let mut upper = false;
    for c in word.chars() {
        chars += 1;
        if is_han(c) {
            han = true;
        } else if c.is_ascii_alphabetic() {
            ascii_letter = true;
            upper |= c.is_ascii_uppercase();
        } else if c.is_ascii_digit() {
            ascii_digit = true;
        } else if !joiner(c) {
            return None;
        }
    }
    let keep = chars >= 2 && (ascii_letter || (han && !ascii_digit));
    if !keep {
        return None;
    }
    Some(if upper {
        Cow::Owned(word.to_ascii_lowercase())
    } else {
        Cow::Borrowed(word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_filter_keeps_words_and_drops_noise() {
        assert_eq!(normalize_term("算力").as_deref(), Some("算力"));
        assert_eq!(normalize_term("ChatGPT").as_deref(), Some("chatgpt"));
        assert_eq!(normalize_term("GPT-4").as_deref(), Some("gpt-4"));
        assert_eq!(normalize_term("B端").as_deref(), Some("b端"));
        assert_eq!(normalize_term("5G").as_deref(), Some("5g"));
        for noise in ["的", "，", "2023", "2023年", " ", "A", "——", "3.5"] {
            assert_eq!(normalize_term(noise), None, "{noise:?} should be dropped");
        }
    }

    #[test]
    fn han_words_are_terms_as_the_general_rule_says() {
        let segmenter = Segmenter::new();
        let made_up = [
            "一二",
            "中国",
            "五千",
            "国",
            "国家队",
            "鿿鿿",
            "㐀㐀",
            "𠀀𠀀",
            "中ａ",
            "中1",
            "中-国",
        ];
        let seeds = crate::seeds::SEED_ARTICLES
            .iter()
            .flat_map(|(_, t)| segmenter.raw_words(t));
        let mut han = 0;
        for word in made_up.into_iter().chain(seeds) {
            assert_eq!(normalize_term(word), normalize_any_term(word), "{word}");
            han += usize::from(word.chars().all(|c| ('\u{5000}'..='\u{9FFF}').contains(&c)));
        }
        assert!(han > 100, "{han}");
    }

    #[test]
    fn phrases_that_all_start_above_the_basic_plane_leave_other_words_alone() {
        // 𠀀 (U+20000) starts the only phrase: the first-character bitmap stays empty, and
        // words of the basic plane are skipped without looking into it.
        let text = "天气晴朗,球队赢得比赛。";
        let mut segmenter = Segmenter::for_texts([text]);
        let plain: Vec<&str> = segmenter.words(text).collect();
        segmenter.add_phrases(["𠀀甲乙"]);
        assert_eq!(segmenter.words(text).collect::<Vec<_>>(), plain);
    }

    #[test]
    fn terms_drop_stop_words_and_lowercase() {
        let segmenter = Segmenter::new();
        let terms = segmenter.terms("记者表示，美国收紧对华AI芯片出口的限制，GPU算力紧张。");
        let terms: Vec<&str> = terms.iter().map(|t| t.as_ref()).collect();
        assert!(terms.contains(&"芯片"), "{terms:?}");
        assert!(terms.contains(&"gpu"), "{terms:?}");
        assert!(terms.contains(&"算力"), "{terms:?}");
        assert!(!terms.contains(&"记者"), "{terms:?}");
        assert!(!terms.contains(&"表示"), "{terms:?}");
        assert!(!terms.iter().any(|t| t.chars().count() < 2), "{terms:?}");
    }
}
