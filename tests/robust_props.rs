//! Property tests over the input-handling stages, through their public interface only:
//! decoding, JSON Lines parsing, cleaning and paragraph splitting never panic on arbitrary
//! bytes or Unicode, and their invariants hold.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;

use zhuti::internals::clean::dedupe::DedupeScope;
use zhuti::internals::clean::{self, CleanOptions, Converter, Verdict, MAX_UNIT_CHARS};
use zhuti::internals::ingest::{self, Article, FileKind, Origin};
use zhuti::internals::units::{self, UnitKind};

fn converter() -> &'static Converter {
    static CONVERTER: OnceLock<Converter> = OnceLock::new();
    CONVERTER.get_or_init(|| Converter::new(true))
}

fn article(text: String, origin: Origin) -> Article {
    Article {
        origin,
        ..Article::text("a", text)
    }
}

/// Text that looks like messy news: Han (traditional and simplified), full-width forms,
/// pinyin glosses, punctuation, spaces and line breaks, plus any Unicode now and then.
fn newsy_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[大模型训练需要算力芯片發展經濟們這來說與為]{1,12}",
        2 => "[。，！？；：、 \u{3000}]",
        1 => "[ＡＢＣａｂｃ０１２]{1,4}",
        1 => "[(（][a-zāáǎàüǖ]{1,4}[)）]",
        1 => "[(（)）a-zāùｗａ]{1,6}",
        1 => "[a-zA-Z0-9 ,.!?;:]{1,10}",
        1 => "\r?\n",
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|pieces| pieces.concat())
}

/// Text made of few distinct characters, so long runs and sentence ends both occur.
fn long_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[算力。，！ a\u{3000}]{0,4000}",
        "[x]{1190,1300}",
        any::<String>(),
        "\\PC{1000,3000}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        if let Ok(text) = ingest::decode(&bytes, Path::new("x.txt")) {
            // Plain UTF-8 (no BOM) comes back unchanged.
            if let Ok(utf8) = std::str::from_utf8(&bytes) {
                if encoding_rs::Encoding::for_bom(&bytes).is_none() {
                    prop_assert_eq!(text, utf8);
                }
            }
        }
    }

    #[test]
    fn decode_round_trips_utf8_bom_and_utf16(text in any::<String>()) {
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        prop_assert_eq!(&ingest::decode(&bom, Path::new("x")).unwrap(), &text);
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        prop_assert_eq!(&ingest::decode(&le, Path::new("x")).unwrap(), &text);
        prop_assert_eq!(&ingest::decode(&be, Path::new("x")).unwrap(), &text);
    }

    #[test]
    fn decode_round_trips_printable_utf8(text in "\\PC*") {
        prop_assume!(encoding_rs::Encoding::for_bom(text.as_bytes()).is_none());
        prop_assert_eq!(&ingest::decode(text.as_bytes(), Path::new("x")).unwrap(), &text);
    }

    /// GBK/GB18030 bytes are told from Big5 by guessing, so the round trip holds for text that
    /// reads as Chinese: a few dozen characters, mostly common hanzi (any printable text may
    /// be mixed in). A lone "ù" (A8 B9) is as much Big5 "迄" as GB18030 "ù": no rule can know.
    #[test]
    fn decode_round_trips_chinese_gb18030(
        hanzi in "[的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反，。、]{40,200}",
        other in "\\PC{0,8}",
    ) {
        let text = format!("{hanzi}{other}");
        let (gb, _, lossy) = encoding_rs::GB18030.encode(&text);
        prop_assert!(!lossy);
        // GB18030 bytes that happen to be valid UTF-8 are read as UTF-8: that is the rule.
        if std::str::from_utf8(&gb).is_err() && encoding_rs::Encoding::for_bom(&gb).is_none() {
            prop_assert_eq!(&ingest::decode(&gb, Path::new("x")).unwrap(), &text);
        }
    }

    #[test]
    fn read_bytes_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..2000),
        which in 0..4u8,
    ) {
        let (path, kind) = match which {
            0 => ("a.txt", Some(FileKind::Text)),
            1 => ("a.jsonl", Some(FileKind::Jsonl)),
            2 => ("a.txt.gz", Some(FileKind::Text)),
            _ => ("<stdin>", None),
        };
        if let Ok(articles) = ingest::read_bytes(bytes, Path::new(path), kind) {
            if kind == Some(FileKind::Text) {
                prop_assert_eq!(articles.len(), 1);
            }
        }
    }

    #[test]
    fn parse_jsonl_never_panics_and_lines_are_real(text in "(\\{[\"a-z:, 0-9\\[\\]{}]{0,30}\\}?\n?){0,8}|\\PC*") {
        let lines: Vec<&str> = text.lines().collect();
        if let Ok(articles) = ingest::parse_jsonl(&text, Path::new("f.jsonl")) {
            for a in &articles {
                let Origin::JsonlRecord { line } = a.origin else {
                    return Err(TestCaseError::fail("JSONL article without a record line"));
                };
                prop_assert!(line >= 1 && line <= lines.len());
                let value: serde_json::Value = serde_json::from_str(lines[line - 1].trim()).unwrap();
                prop_assert_eq!(value["text"].as_str(), Some(a.text.as_str()));
            }
        }
    }

    #[test]
    fn parse_jsonl_reads_what_was_written(
        records in prop::collection::vec((any::<String>(), any::<String>(), any::<bool>()), 0..8),
    ) {
        let mut text = String::new();
        let mut expected = Vec::new();
        for (id, body, blank_before) in &records {
            if *blank_before {
                text.push_str(" \n");
            }
            text.push_str(&serde_json::json!({"id": id, "text": body}).to_string());
            text.push('\n');
            expected.push((id.clone(), body.clone(), text.lines().count()));
        }
        let articles = ingest::parse_jsonl(&text, Path::new("f.jsonl")).unwrap();
        let got: Vec<(String, String, usize)> = articles
            .into_iter()
            .map(|a| match a.origin {
                Origin::JsonlRecord { line } => (a.id, a.text, line),
                Origin::TextFile => (a.id, a.text, 0),
            })
            .collect();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn normalize_line_is_idempotent(raw in prop_oneof![
        any::<String>(),
        newsy_text(30),
        // Brackets, pinyin and full-width letters packed together: nested and hidden glosses.
        "[(（)）a-züāáǎàùｗｕａ服務 ]{0,16}",
        "[\u{feff}\u{a0}\r è薴經(jīng)]{0,12}",
    ]) {
        let once = clean::normalize_line(&raw, converter());
        let twice = clean::normalize_line(&once, converter());
        prop_assert_eq!(&once, &twice, "raw: {:?}", raw);
        prop_assert_eq!(once.trim(), once.as_str());
    }

    #[test]
    fn split_long_pieces_concatenate_back(text in long_text()) {
        let parts: Vec<&str> = clean::split_long(&text).collect();
        prop_assert_eq!(parts.concat(), text.clone());
        if text.chars().count() <= MAX_UNIT_CHARS {
            prop_assert_eq!(parts.len(), 1);
        } else {
            for part in &parts {
                prop_assert!(!part.is_empty());
                prop_assert!(part.chars().count() <= MAX_UNIT_CHARS);
            }
        }
    }
}

proptest! {
    // Each case builds a converter (OpenCC dictionaries): fewer cases.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn clean_and_units_keep_their_invariants(
        texts in prop::collection::vec((newsy_text(60), any::<bool>()), 1..5),
        min_chars in 0..20usize,
        t2s in any::<bool>(),
        dedupe in any::<bool>(),
        long in any::<bool>(),
        boilerplate in any::<bool>(),
        headings in any::<bool>(),
        by_article in any::<bool>(),
    ) {
        let articles: Vec<Article> = texts
            .into_iter()
            .enumerate()
            .map(|(i, (mut text, jsonl))| {
                if long && i == 0 {
                    // One paragraph long enough to be split.
                    text = format!("{}\n{text}", "芯片短缺让大模型训练变慢，企业开始自研算力。".repeat(150));
                }
                let origin = if jsonl { Origin::JsonlRecord { line: 7 } } else { Origin::TextFile };
                article(text, origin)
            })
            .collect();
        let dedupe_scope = if by_article { DedupeScope::Articles } else { DedupeScope::Corpus };
        let options = CleanOptions { t2s, min_chars, dedupe, dedupe_scope, boilerplate, headings };
        let cleaned = clean::clean_corpus(&articles, &options);
        prop_assert_eq!(cleaned.len(), articles.len());
        let converter = Converter::new(t2s);
        for (article, clean) in articles.iter().zip(&cleaned) {
            let raw: Vec<&str> = article.text.lines().collect();
            for line in &clean.lines {
                prop_assert!(!line.text.is_empty());
                match article.origin {
                    Origin::TextFile => {
                        // Every line points at a real source line and is its cleaned text.
                        prop_assert!(line.line >= 1 && line.line <= raw.len());
                        // (A long line is cleaned in pieces: each is part of it.)
                        let whole = clean::normalize_line(raw[line.line - 1], &converter);
                        prop_assert!(whole.contains(&line.text), "{:?} not in {:?}", line.text, whole);
                    }
                    Origin::JsonlRecord { line: record } => prop_assert_eq!(line.line, record),
                }
                if let Verdict::Drop(_, Some((doc, at))) = line.verdict {
                    let twin = cleaned[doc].lines.iter().any(|l| l.line == at && l.verdict == Verdict::Keep);
                    prop_assert!(twin);
                }
            }
        }

        // Paragraph units: each points at a kept line whose text contains it, (doc, line,
        // part) is unique, and each kept line appears once, whole, across its pieces.
        let built = units::build(&cleaned, UnitKind::Paragraph);
        let mut seen = HashSet::new();
        for unit in &built.kept {
            prop_assert!(seen.insert((unit.doc, unit.line, unit.part)));
            prop_assert!(!unit.text.trim().is_empty());
            let lines = &cleaned[unit.doc].lines;
            prop_assert!(lines
                .iter()
                .any(|l| l.line == unit.line && l.verdict == Verdict::Keep && l.text.contains(&unit.text)));
        }
        // Per source line: the pieces (kept and dropped) are numbered 1..=n in order, or carry
        // no number when there is one; the kept pieces are exactly the line's kept text.
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        for (doc, clean) in cleaned.iter().enumerate() {
            let mut line_numbers: Vec<usize> = clean.lines.iter().map(|l| l.line).collect();
            line_numbers.dedup();
            for number in line_numbers {
                let kept: Vec<&units::Unit> = built
                    .kept
                    .iter()
                    .filter(|u| u.doc == doc && u.line == number)
                    .collect();
                let mut parts: Vec<Option<usize>> = kept.iter().map(|u| u.part).collect();
                parts.extend(
                    built
                        .dropped
                        .iter()
                        .filter(|d| d.doc == doc && d.line == number)
                        .map(|d| d.part),
                );
                parts.sort();
                if parts.len() == 1 {
                    prop_assert_eq!(parts, vec![None]);
                } else {
                    let numbered: Vec<Option<usize>> = (1..=parts.len()).map(Some).collect();
                    prop_assert_eq!(parts, numbered);
                }
                let joined: String = kept.iter().map(|u| u.text.as_str()).collect();
                let source: String = clean
                    .lines
                    .iter()
                    .filter(|l| l.line == number && l.verdict == Verdict::Keep)
                    .map(|l| l.text.as_str())
                    .collect();
                prop_assert_eq!(strip(&joined), strip(&source));
            }
        }
        if long {
            // (Its pieces repeat each other, so with dedupe on only the first is kept.)
            prop_assert!(built.kept.iter().any(|u| u.part == Some(1)));
            let mut parts = built.kept.iter().map(|u| u.part);
            let has_second = parts.any(|p| p == Some(2))
                || built.dropped.iter().any(|d| d.part == Some(2));
            prop_assert!(has_second);
        }

        // Document units: one per article with a kept line.
        let docs = units::build(&cleaned, UnitKind::Document);
        let with_kept = cleaned
            .iter()
            .filter(|c| c.lines.iter().any(|l| l.verdict == Verdict::Keep))
            .count();
        prop_assert_eq!(docs.kept.len(), with_kept);
    }
}

#[test]
fn normalize_line_idempotence_regressions() {
    // Found by the property above: folding revealed a gloss, stripping completed another.
    // Found by cargo-fuzz: OpenCC t2s maps 薴 → 苧 and 苧 → 苎, so one pass is not enough.
    for raw in [
        "(ā(wù))",
        "(ｗù)",
        "（ｍǎ）",
        "(ā(ā(ā(wù))))",
        "進(ｊìn)行",
        "鯦薴",
        "薴",
        // Also cargo-fuzz: a BOM behind whitespace, or behind a stripped syllable.
        "\u{a0}\u{feff}每日經(jīng)濟(jì)新聞",
        "è\u{feff}■謝若琳",
        "\r\u{feff}\r\u{c}Ｕ４",
    ] {
        let once = clean::normalize_line(raw, converter());
        assert_eq!(clean::normalize_line(&once, converter()), once, "{raw:?}");
    }
    assert_eq!(clean::normalize_line("進(ｊìn)行", converter()), "进行");
    assert_eq!(clean::normalize_line("薴", converter()), "苎");
}

/// Every input cargo-fuzz ever crashed on (tests/fixtures/robust/fuzz/) now goes through the
/// fuzz target's checks cleanly.
#[test]
fn fuzz_crashes_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/robust/fuzz");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let Some((&selector, bytes)) = data.split_first() else {
            continue;
        };
        let (path, kind) = match selector % 4 {
            0 => ("input.txt", Some(FileKind::Text)),
            1 => ("input.jsonl", Some(FileKind::Jsonl)),
            2 => ("input.txt.gz", Some(FileKind::Text)),
            _ => ("<stdin>", None),
        };
        if let Ok(articles) = ingest::read_bytes(bytes.to_vec(), Path::new(path), kind) {
            for article in &articles {
                for raw in article.text.lines() {
                    let once = clean::normalize_line(raw, converter());
                    assert_eq!(clean::normalize_line(&once, converter()), once);
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 1);
}
