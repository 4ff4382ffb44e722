//! Background idf: how rare each word is in Chinese text at large, from jieba's idf table
//! (computed by the jieba project on a large news corpus; MIT licence, like jieba-rs).
//!
//! A corpus of a few hundred articles sees most words once or twice, so its own document
//! frequencies say little about which words are specific: 新浪 and 拜纳姆 can have the same df.
//! [`crate::stages::tfidf`] multiplies the corpus idf by this one (`--idf blend`), so a term must be
//! rare both in the corpus and in the language to weigh much.
//!
//! The table is embedded as text sorted by the terms' UTF-8 bytes (`term idf` per line) and
//! searched in place: nothing is parsed up front, and a lookup costs about 18 line
//! comparisons.

use rayon::prelude::*;

/// jieba's idf table, one `term idf` line per word, sorted by the terms' bytes.
const TABLE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/jieba_idf.txt"));

/// Vocabularies of at least this many terms are looked up by one pass over the table: about
/// where a search per term (some 18 line comparisons each) starts to cost more.
const MERGE_MIN_TERMS: usize = 4096;

/// The median idf of the table: jieba's own weight for a word it does not list (Latin terms,
/// names it never saw), used the same way here.
pub const MEDIAN_IDF: f32 = 11.9548;

/// The background idf of `term` (lower-cased as [`crate::stages::segment`] emits it), or `None` when
/// jieba's table does not list it.
pub fn idf(term: &str) -> Option<f32> {
    crate::sorted_lines::find(TABLE, term)?.parse().ok()
}

/// The background idf of every one of `terms`, as [`idf`] gives it. A large vocabulary is
/// found in one pass over the table (the terms in byte order), many times quicker than a
/// search per term; a small one (under [`MERGE_MIN_TERMS`]) by a search per term, since the
/// pass alone reads all 4.5 MB of the table.
pub fn idf_all<S: AsRef<str> + Sync>(terms: &[S]) -> Vec<Option<f32>> {
    if terms.len() < MERGE_MIN_TERMS {
        return terms.iter().map(|t| idf(t.as_ref())).collect();
    }
    let bytes = |i: usize| terms[i].as_ref().as_bytes();
    let mut order: Vec<usize> = (0..terms.len()).collect();
    order.par_sort_unstable_by(|&a, &b| bytes(a).cmp(bytes(b)));
    let mut out = vec![None; terms.len()];
    let mut lines = TABLE
        .split('\n')
        .filter_map(|line| line.split_once(' '))
        .peekable();
    for i in order {
        let term = bytes(i);
        while lines.next_if(|(word, _)| word.as_bytes() < term).is_some() {}
        if let Some((word, value)) = lines.peek() {
            if word.as_bytes() == term {
                out[i] = value.parse().ok();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_words_from_jieba_table() {
        assert_eq!(idf("一"), Some(3.6954));
        assert_eq!(idf("一一"), Some(7.2440));
        // Common words weigh little, specific ones much.
        let common = idf("发展").unwrap();
        let specific = idf("芯片").unwrap();
        assert!(common < 5.0 && specific > 7.0, "{common} {specific}");
        assert_eq!(idf("chatgpt"), None);
        assert_eq!(idf(""), None);
        assert_eq!(idf("\u{10FFFF}"), None);
    }

    #[test]
    fn every_line_is_found_and_the_table_is_sorted() {
        let lines: Vec<(&str, f32)> = TABLE
            .lines()
            .map(|l| {
                let (w, v) = l.split_once(' ').unwrap();
                (w, v.parse().unwrap())
            })
            .collect();
        assert!(lines
            .windows(2)
            .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes()));
        for &(word, value) in lines.iter().step_by(97).chain(lines.last()) {
            assert_eq!(idf(word), Some(value), "{word}");
        }
        let words: Vec<&str> = lines.iter().map(|l| l.0).rev().collect();
        let all = idf_all(&words);
        assert!(all.iter().rev().zip(&lines).all(|(&v, l)| v == Some(l.1)));
        let probes = [
            "芯片",
            "chatgpt",
            "",
            "一",
            "一一",
            "\u{10FFFF}",
            "发展",
            "芯片",
        ];
        let expected: Vec<Option<f32>> = probes.iter().map(|p| idf(p)).collect();
        assert_eq!(idf_all(&probes), expected);
        // The same probes among enough terms to take the one-pass merge.
        let many: Vec<&str> = probes
            .iter()
            .copied()
            .chain(words.iter().copied().take(MERGE_MIN_TERMS))
            .collect();
        assert!(many.len() >= MERGE_MIN_TERMS);
        assert_eq!(idf_all(&many)[..probes.len()], expected[..]);
        let mut values: Vec<f32> = lines.iter().map(|l| l.1).collect();
        values.sort_by(f32::total_cmp);
        assert_eq!(values[values.len() / 2], MEDIAN_IDF);
    }
}
