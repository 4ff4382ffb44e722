//! A segmenter scoped to its texts (`Segmenter::for_texts`) cuts them exactly as jieba with its
//! whole dictionary does: on the seeds, on a mixed fixture (traditional text converted by
//! cleaning, Latin terms, digits, names only the HMM finds), with guided seed words added, and
//! on generated text.

mod common;

use std::sync::LazyLock;

use jieba_rs::Jieba;
use proptest::prelude::*;
use zhuti::guided::Guide;
use zhuti::ingest::{self, Input};
use zhuti::internals::clean::{self, CleanOptions};
use zhuti::internals::segment::Segmenter;
use zhuti::internals::units::{self, UnitKind};

/// jieba-rs with its own embedded dictionary: the reference.
static REFERENCE: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// zhuti's whole-dictionary segmenter.
static WHOLE: LazyLock<Segmenter> = LazyLock::new(Segmenter::new);

fn reference_words(text: &str) -> Vec<&str> {
    REFERENCE
        .cut(text, true)
        .into_iter()
        .map(|t| t.word)
        .collect()
}

/// The cleaned unit texts of `inputs`, as the pipeline cuts them.
fn unit_texts(inputs: &[Input], kind: UnitKind) -> Vec<String> {
    let corpus = ingest::load(inputs).unwrap();
    let cleaned = clean::clean_corpus(&corpus.articles, &CleanOptions::default());
    units::build(&cleaned, kind)
        .kept
        .into_iter()
        .map(|u| u.text)
        .collect()
}

/// Asserts that a segmenter scoped to `texts` cuts each of them as the reference and the
/// whole-dictionary segmenter do.
fn assert_exact(texts: &[&str]) {
    let scoped = Segmenter::for_texts(texts.iter().copied());
    for text in texts {
        let expected = reference_words(text);
        assert_eq!(
            WHOLE.raw_words(text),
            expected,
            "whole dictionary on {text:?}"
        );
        assert_eq!(
            scoped.raw_words(text),
            expected,
            "scoped dictionary on {text:?}"
        );
    }
}

fn mixed_inputs() -> Vec<Input> {
    vec![Input::parse(
        common::fixture("segment/mixed.txt").to_str().unwrap(),
    )]
}

#[test]
fn seeds_cut_as_with_the_whole_dictionary() {
    for kind in [UnitKind::Paragraph, UnitKind::Document] {
        let texts = unit_texts(&zhuti::seeds::bundled(), kind);
        assert!(texts.len() >= 5, "{kind:?}: {}", texts.len());
        assert_exact(&texts.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

#[test]
fn mixed_text_cuts_as_with_the_whole_dictionary() {
    let raw = std::fs::read_to_string(common::fixture("segment/mixed.txt")).unwrap();
    let cleaned = unit_texts(&mixed_inputs(), UnitKind::Paragraph);
    // Cleaning converted the traditional lines: 輝達 became 辉达.
    assert!(cleaned.iter().any(|t| t.contains("辉达")), "{cleaned:?}");
    assert_exact(&cleaned.iter().map(String::as_str).collect::<Vec<_>>());
    // Raw lines too, traditional characters and all, one by one and together.
    let lines: Vec<&str> = raw.lines().collect();
    assert_exact(&lines);
    for line in &lines {
        assert_exact(&[line]);
    }
    // The fixture exercises what it claims: Latin terms, numbers, and words the dictionary
    // lacks that the HMM joins.
    let words: Vec<&str> = lines.iter().flat_map(|l| reference_words(l)).collect();
    for expected in ["NVIDIA", "GPT-4o", "2024", "5G", "350.8"] {
        assert!(words.contains(&expected), "{expected} in {words:?}");
    }
    let hmm_words = words
        .iter()
        .filter(|w| w.chars().count() > 1 && w.chars().all(zhuti::internals::segment::is_han))
        .filter(|w| !REFERENCE.has_word(w))
        .count();
    assert!(hmm_words >= 3, "{words:?}");
}

#[test]
fn guided_seed_words_cut_as_with_the_whole_dictionary() {
    let guide = Guide::bundled().unwrap();
    let texts = unit_texts(&zhuti::seeds::bundled(), UnitKind::Paragraph);
    let mut reference = Jieba::new();
    let mut whole = Segmenter::new();
    let mut scoped = Segmenter::for_texts(texts.iter().map(String::as_str).chain(guide.words()));
    for word in guide.words() {
        reference.add_word(word, None, None);
    }
    whole.add_words(guide.words());
    scoped.add_words(guide.words());
    for text in &texts {
        let expected: Vec<&str> = reference
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .collect();
        assert_eq!(whole.raw_words(text), expected);
        assert_eq!(scoped.raw_words(text), expected);
    }
}

#[test]
fn texts_holding_noncharacters_still_cut_exactly() {
    // The balancing entry is a noncharacter absent from the texts; when every candidate
    // occurs, the whole dictionary is used.
    let all: String = (0xFDD0..=0xFDEF_u32).filter_map(char::from_u32).collect();
    assert_exact(&["美国\u{FDD0}芯片出口管制", "中华人民共和国"]);
    assert_exact(&[&format!("美国{all}芯片出口管制"), "中华人民共和国"]);
}

/// Generated text: runs of common characters, Latin and digits, punctuation between.
fn generated_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "中国", "人民", "银行", "发展", "经济", "大学", "学生", "生活", "活动", "动力", "力量",
        "的", "了", "在", "和", "是", "国", "家", "人", "民", "大", "学", "生", "长", "江", "市",
        "场", "研究", "究竟", "AI", "GPU", "5G", "2024", "年", "，", "。", " ", "輝", "達", "黃",
        "仁", "勳", "晶片", "张", "伟", "杰",
    ]);
    prop::collection::vec(pieces, 1..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn generated_texts_cut_as_with_the_whole_dictionary(
        texts in prop::collection::vec(generated_text(), 1..4)
    ) {
        let scoped = Segmenter::for_texts(texts.iter().map(String::as_str));
        for text in &texts {
            prop_assert_eq!(scoped.raw_words(text), reference_words(text));
        }
    }
}
