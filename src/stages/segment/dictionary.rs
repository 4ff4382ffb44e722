//! jieba's dictionary, embedded, and corpus-scoped subsets of it that cut given texts exactly as
//! the whole dictionary does.
//!
//! Loading all 349,045 entries costs more than cleaning and segmenting a few hundred articles,
//! yet a small corpus meets only a few percent of them. jieba's best route through a text only
//! ever weighs dictionary words that occur in that text (its DAG holds the entries starting at
//! each position; the HMM step asks only about runs of the text), scoring each by
//! `ln(freq) − ln(total)`. So a dictionary holding every entry that can occur in the texts, with
//! the same frequencies, plus one balancing entry that cannot occur (a Unicode noncharacter
//! absent from the texts) carrying the frequency of everything left out, has the same `total`
//! and cuts those texts word for word as the whole one does.
//!
//! "Can occur" is decided by a cheap superset test: every character bigram and trigram of the
//! entry is present in the texts (a Bloom filter, whose false positives only keep an
//! entry that was not needed). The test walks `build.rs`'s index of the sorted dictionary, so
//! the entries sharing an absent first character, or an absent first bigram, are passed over
//! after one test. Every step is checked against jieba-rs's own dictionary in
//! `tests/scoped_dictionary.rs`.
//!
//! The dictionary file is jieba-rs's `dict.txt` (MIT; see `assets/README.md`), embedded here
//! because jieba-rs keeps its own copy private; jieba-rs is built without it.

use jieba_rs::Jieba;
use rayon::prelude::*;

/// jieba-rs's dictionary (`word freq tag` lines, no duplicate words).
const DICT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/jieba_dict.txt"
));

/// The sum of all frequencies in [`DICT`] (a test checks it).
const DICT_TOTAL: usize = 60_101_964;

/// Noncharacters (U+FDD0..=U+FDEF): never assigned, so real text hardly ever holds one; the
/// balancing entry is the first one absent from the texts.
const BALANCE_CANDIDATES: std::ops::RangeInclusive<u32> = 0xFDD0..=0xFDEF;

/// The whole dictionary: cuts any text.
pub(crate) fn full() -> Jieba {
    let mut jieba = Jieba::empty();
    for (word, rest) in lines() {
        let (freq, tag) = freq_and_tag(rest);
        jieba.add_word(word, Some(freq), Some(tag));
    }
    jieba
}

/// A dictionary that cuts each of `texts` exactly as [`full`] does, holding only the entries that
/// can occur in them plus one balancing entry (see the module docs). Other texts may be cut
/// differently.
pub(crate) fn scoped<'t>(texts: impl IntoIterator<Item = &'t str>) -> Jieba {
    let grams = Grams::of(texts);
    let Some(balance) = BALANCE_CANDIDATES
        .filter_map(char::from_u32)
        .find(|&c| !grams.has_char(c))
    else {
        // Every candidate occurs in the texts: only the whole dictionary is safe.
        return full();
    };
    let mut jieba = Jieba::empty();
    let mut kept_total = 0;
    for (word, rest) in kept_lines(&grams) {
        let (freq, tag) = freq_and_tag(rest);
        jieba.add_word(word, Some(freq), Some(tag));
        kept_total += freq;
    }
    if kept_total < DICT_TOTAL {
        let mut buf = [0; 4];
        jieba.add_word(
            balance.encode_utf8(&mut buf),
            Some(DICT_TOTAL - kept_total),
            None,
        );
    }
    jieba
}

/// The lines of [`DICT`], split into the word and the rest (`freq tag`), which is parsed only
/// for the entries kept.
fn lines() -> Lines {
    Lines { part: DICT, pos: 0 }
}

/// Runs of consecutive [`DICT`] lines whose words share their first two characters, made by
/// `build.rs`: first character, second character (0 for a one-character word) and byte offset
/// of the run's first line, as little-endian `u32`s.
const RUNS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/jieba_dict_runs.bin"));

/// The runs of [`RUNS`] grouped by first character, made by `build.rs`: the character and the
/// index of its first run, as little-endian `u32`s.
const GROUPS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/jieba_dict_groups.bin"));

/// One run of [`RUNS`], within its group: its second character (0 for none) and its first
/// line's offset.
#[derive(Clone, Copy)]
struct Run {
    second: u32,
    start: usize,
}

/// The `u32` at `at` in `bytes` (0 past the end, which the tests rule out).
fn u32_at(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// Run `i` of [`RUNS`].
fn run(i: usize) -> Run {
    Run {
        second: u32_at(RUNS, i * 12 + 4),
        start: u32_at(RUNS, i * 12 + 8) as usize,
    }
}

/// The number of runs in [`RUNS`].
fn run_count() -> usize {
    RUNS.len() / 12
}

/// The groups of [`GROUPS`]: first character and index of the first run.
fn groups() -> Vec<(u32, usize)> {
    (0..GROUPS.len() / 8)
        .map(|g| (u32_at(GROUPS, g * 8), u32_at(GROUPS, g * 8 + 4) as usize))
        .collect()
}

/// The lines whose words `grams`' texts may contain, in dictionary order. A group whose first
/// character is absent, or a run whose first bigram is, is passed over whole; the lines of the
/// others are tested one by one, in parallel parts.
fn kept_lines(grams: &Grams) -> Vec<(&'static str, &'static str)> {
    let groups = groups();
    let part_len = groups.len().div_ceil(8).max(1);
    let kept: Vec<Vec<_>> = groups
        .par_chunks(part_len)
        .enumerate()
        .map(|(part, chunk)| {
            let mut kept = Vec::new();
            for (j, &(first, first_run)) in chunk.iter().enumerate() {
                let Some(a) = char::from_u32(first) else {
                    continue;
                };
                if !grams.has_char(a) {
                    continue;
                }
                let end_run = groups
                    .get(part * part_len + j + 1)
                    .map_or(run_count(), |g| g.1);
                for r in first_run..end_run {
                    let Run { second, start } = run(r);
                    if !grams.may_follow(a, second) {
                        continue;
                    }
                    let end = if r + 1 < run_count() {
                        run(r + 1).start
                    } else {
                        DICT.len()
                    };
                    keep_lines(grams, DICT.get(start..end).unwrap_or_default(), &mut kept);
                }
            }
            kept
        })
        .collect();
    kept.concat()
}

/// Pushes the lines of `part` whose words `grams`' texts may contain onto `kept`.
fn keep_lines(grams: &Grams, part: &'static str, kept: &mut Vec<(&'static str, &'static str)>) {
    // A prefix shown absent from the texts: the lines are sorted, so the words that follow
    // often start with it too and are dropped without a filter test.
    let mut absent = "\n";
    for (word, rest) in (Lines { part, pos: 0 }) {
        if starts_with(word, absent) {
            continue;
        }
        match grams.absent_prefix(word) {
            Some(prefix) => absent = prefix,
            None => kept.push((word, rest)),
        }
    }
}

/// `word.starts_with(prefix)` for the short strings of the dictionary, without a call.
#[inline]
fn starts_with(word: &str, prefix: &str) -> bool {
    word.len() >= prefix.len() && word.bytes().zip(prefix.bytes()).all(|(a, b)| a == b)
}

/// An iterator over `word rest` lines: the word and the rest of each line (`freq tag`).
struct Lines {
    part: &'static str,
    pos: usize,
}

impl Iterator for Lines {
    type Item = (&'static str, &'static str);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.part.as_bytes();
        let start = self.pos;
        if start >= bytes.len() {
            return None;
        }
        // Words and the rest are short: a plain loop beats a vectorised search.
        let mut space = start;
        while space < bytes.len() && bytes[space] != b' ' && bytes[space] != b'\n' {
            space += 1;
        }
        let mut end = space;
        while end < bytes.len() && bytes[end] != b'\n' {
            end += 1;
        }
        self.pos = end + 1;
        // Both ends are ASCII bytes, so on character boundaries.
        let word = self.part.get(start..space).unwrap_or_default();
        let rest = self.part.get((space + 1).min(end)..end).unwrap_or_default();
        Some((word, rest))
    }
}

/// The part-of-speech tag of `word` in [`DICT`] (`nr` for a person's name, `n` for a noun, ...),
/// or `None` when the dictionary does not list it. A binary search over the sorted lines, as
/// jieba-rs's `tag` would give for the word cut alone, without its HMM guess for unknown words
/// (which needs jieba-rs's own dictionary, not built in).
pub(crate) fn tag(word: &str) -> Option<&'static str> {
    crate::sorted_lines::find(DICT, word).map(|rest| freq_and_tag(rest).1)
}

/// The frequency and tag of an entry from the rest of its line (a missing or malformed
/// frequency reads as 0, as jieba reads it).
fn freq_and_tag(rest: &str) -> (usize, &str) {
    let (freq, tag) = rest.split_once(' ').unwrap_or((rest, ""));
    (freq.parse().unwrap_or(0), tag)
}

/// The golden-ratio multiplier that spreads a gram's key over the filter's bits.
const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;

/// Which characters, bigrams and trigrams occur in some texts: characters exactly (folded to the
/// Basic Multilingual Plane, so a character outside it may be a false positive), bigrams and
/// trigrams in one Bloom filter, a bigram under two hashes and a trigram under one.
///
/// Most entries are two characters, whose one test is their bigram, so the bigrams get the
/// second hash: on the first 250 articles of fudan20 it keeps 20,802 entries where 19,636
/// occur, against 25,460 with one hash. jieba's trie is then a fifth smaller, which its walk
/// through every text repays (it costs one more bit per character here). On small batches
/// the filter is sized at 8 bits a byte or more, so it is never crowded (the seeds: 144 kept
/// that do not occur, against 8,059 with one hash at 3 bits a byte).
struct Grams {
    chars: Vec<u64>,
    grams: Vec<u64>,
    /// `64 − log2(bits in grams)`.
    shift: u32,
}

impl Grams {
    fn of<'t>(texts: impl IntoIterator<Item = &'t str>) -> Self {
        let texts: Vec<&str> = texts.into_iter().collect();
        let len: usize = texts.iter().map(|t| t.len()).sum();
        // 8 to 16 bits per byte of text, within 2^16..2^23 bits (1 MiB), so the table stays in
        // cache (assign's chunks of 8 MiB reach the cap; so did 250 articles of fudan20).
        let bits = (len * 8).next_power_of_two().clamp(1 << 16, 1 << 23);
        // A few parts in parallel, united after: a union does not depend on the order.
        let part_len = texts.len().div_ceil(4).max(1);
        texts
            .par_chunks(part_len)
            .map(|part| {
                let mut grams = Grams::empty(bits);
                for text in part {
                    grams.add(text);
                }
                grams
            })
            .reduce_with(|mut all, part| {
                all.unite(&part);
                all
            })
            .unwrap_or_else(|| Grams::empty(bits))
    }

    /// No text yet, with a filter of `bits` bits (a power of two).
    fn empty(bits: usize) -> Self {
        Grams {
            chars: vec![0; 1 << 10],
            grams: vec![0; bits / 64],
            shift: 64 - bits.trailing_zeros(),
        }
    }

    /// Records the characters, bigrams and trigrams of `text`.
    fn add(&mut self, text: &str) {
        let (mut a, mut b) = (None, None);
        for c in text.chars() {
            set(&mut self.chars, c as usize & 0xFFFF);
            if let Some(b) = b {
                let [i, j] = self.bigram_slots(bigram(b, c));
                set(&mut self.grams, i);
                set(&mut self.grams, j);
                if let Some(a) = a {
                    let i = self.slot(trigram(a, b, c));
                    set(&mut self.grams, i);
                }
            }
            (a, b) = (b, Some(c));
        }
    }

    /// Adds what `other` (of the same size) records.
    fn unite(&mut self, other: &Grams) {
        for (mine, theirs) in self.chars.iter_mut().zip(&other.chars) {
            *mine |= theirs;
        }
        for (mine, theirs) in self.grams.iter_mut().zip(&other.grams) {
            *mine |= theirs;
        }
    }

    fn has_char(&self, c: char) -> bool {
        get(&self.chars, c as usize & 0xFFFF)
    }

    /// The two bits of a bigram: its [`Grams::slot`] and a second one from the same product
    /// mixed again.
    fn bigram_slots(&self, key: u64) -> [usize; 2] {
        let h = key.wrapping_mul(SPREAD);
        let second =
            (h.rotate_left(32) ^ 0x5851_F42D_4C95_7F2D).wrapping_mul(0xD6E8_FEB8_6659_FD93);
        [(h >> self.shift) as usize, (second >> self.shift) as usize]
    }

    /// May the bigram `key` occur (both its bits set)?
    fn has_bigram(&self, key: u64) -> bool {
        self.bigram_slots(key).iter().all(|&i| get(&self.grams, i))
    }

    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(SPREAD) >> self.shift) as usize
    }

    /// May `a` followed by the character `second` occur (true for 0, no character)?
    fn may_follow(&self, a: char, second: u32) -> bool {
        match char::from_u32(second) {
            Some(b) if second != 0 => self.has_bigram(bigram(a, b)),
            _ => true,
        }
    }

    /// A prefix of `word` that cannot occur in the texts, or `None` when `word` may occur.
    fn absent_prefix<'w>(&self, word: &'w str) -> Option<&'w str> {
        let mut chars = word.char_indices();
        let Some((_, mut b)) = chars.next() else {
            return Some(word);
        };
        if !self.has_char(b) {
            return Some(&word[..b.len_utf8()]);
        }
        let mut a: Option<char> = None;
        for (i, c) in chars {
            let absent = !self.has_bigram(bigram(b, c))
                || a.is_some_and(|a| !get(&self.grams, self.slot(trigram(a, b, c))));
            if absent {
                return word.get(..i + c.len_utf8());
            }
            (a, b) = (Some(b), c);
        }
        None
    }

    /// Can `word` occur in the texts? `false` only when it cannot.
    #[cfg(test)]
    fn may_contain(&self, word: &str) -> bool {
        self.absent_prefix(word).is_none()
    }
}

fn bigram(a: char, b: char) -> u64 {
    (a as u64) << 21 | b as u64
}

/// Distinct from every [`bigram`] key: bit 63 is set.
fn trigram(a: char, b: char, c: char) -> u64 {
    1 << 63 | (a as u64) << 42 | (b as u64) << 21 | c as u64
}

fn set(bits: &mut [u64], i: usize) {
    if let Some(word) = bits.get_mut(i / 64) {
        *word |= 1 << (i % 64);
    }
}

fn get(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64)
        .is_some_and(|word| word & (1 << (i % 64)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_come_from_the_dictionary_lines() {
        assert_eq!(tag("汤志伟"), Some("nr"));
        assert_eq!(tag("腾讯"), Some("nz"));
        assert_eq!(tag("发展"), Some("vn"));
        assert_eq!(tag("侯方"), None);
        assert_eq!(tag(""), None);
        for (word, rest) in lines().step_by(4999) {
            assert_eq!(tag(word), Some(freq_and_tag(rest).1), "{word}");
        }
    }

    #[test]
    fn total_is_the_sum_and_words_are_distinct() {
        let mut words = rustc_hash::FxHashSet::default();
        let mut total = 0;
        let mut count = 0;
        for (word, rest) in lines() {
            let (freq, _) = freq_and_tag(rest);
            assert!(freq > 0, "{word}");
            assert!(words.insert(word), "{word} twice");
            total += freq;
            count += 1;
        }
        assert_eq!(count, DICT.lines().count(), "every line parses");
        assert_eq!(total, DICT_TOTAL);
    }

    #[test]
    fn runs_cover_the_dictionary_in_order() {
        let runs: Vec<Run> = (0..run_count()).map(run).collect();
        assert_eq!(runs.len(), 189_812);
        assert_eq!(runs[0].start, 0);
        for (i, run) in runs.iter().enumerate() {
            let end = runs.get(i + 1).map_or(DICT.len(), |r| r.start);
            assert!(run.start < end);
            for (word, _) in (Lines {
                part: &DICT[run.start..end],
                pos: 0,
            }) {
                let mut chars = word.chars().map(u32::from);
                assert_eq!(chars.next(), Some(u32_at(RUNS, i * 12)), "{word}");
                assert_eq!(chars.next().unwrap_or(0), run.second, "{word}");
            }
        }
    }

    #[test]
    fn groups_cover_the_runs_in_order() {
        let groups = groups();
        assert_eq!(groups.len(), 11_772);
        assert_eq!(groups[0].1, 0);
        for (g, &(first, first_run)) in groups.iter().enumerate() {
            let end_run = groups.get(g + 1).map_or(run_count(), |g| g.1);
            assert!(first_run < end_run);
            for r in first_run..end_run {
                assert_eq!(u32_at(RUNS, r * 12), first);
            }
        }
    }

    #[test]
    fn grams_never_miss_what_occurs() {
        let text = "美国收紧对华AI芯片出口，GPU算力紧张𠀀𠀁。";
        let grams = Grams::of([text, "另一段"]);
        let chars: Vec<char> = text.chars().collect();
        for i in 0..chars.len() {
            for j in i + 1..=chars.len() {
                let s: String = chars[i..j].iter().collect();
                assert!(grams.may_contain(&s), "{s}");
            }
        }
        assert!(grams.may_contain("另一段"));
        assert!(!grams.may_contain("段另"));
        assert!(!grams.may_contain("北京"));
        assert!(!grams.may_contain(""));
    }

    #[test]
    fn few_entries_are_kept_that_do_not_occur() {
        // The seeds' 2,643 entries that occur come with 144 that cannot; with one hash per
        // bigram and 3 to 6 bits per byte, with 8,059.
        let texts = crate::seeds::SEED_ARTICLES.map(|(_, text)| text);
        let grams = Grams::of(texts);
        let kept = kept_lines(&grams);
        let occurring = kept
            .iter()
            .filter(|(word, _)| texts.iter().any(|t| t.contains(word)))
            .count();
        assert!(occurring > 1_500, "{occurring}");
        let extra = kept.len() - occurring;
        assert!(
            extra * 10 < occurring,
            "{extra} kept that do not occur, {occurring} that do"
        );
    }
}
