//! Fuzz the ingest + clean + units path: arbitrary bytes as a file (text, JSON Lines, gzip,
//! any encoding) must never panic, and what comes out must be consistent.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhuti::internals::clean::{self, CleanOptions, Converter, Verdict};
use zhuti::internals::ingest::{self, FileKind};
use zhuti::internals::segment::Segmenter;
use zhuti::internals::units::{self, UnitKind};

fn converter() -> &'static Converter {
    static CONVERTER: OnceLock<Converter> = OnceLock::new();
    CONVERTER.get_or_init(|| Converter::new(true))
}

fn segmenter() -> &'static Segmenter {
    static SEGMENTER: OnceLock<Segmenter> = OnceLock::new();
    SEGMENTER.get_or_init(Segmenter::new)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let (path, kind) = match selector % 6 {
        0 => ("input.txt", Some(FileKind::Text)),
        1 => ("input.jsonl", Some(FileKind::Jsonl)),
        2 => ("input.txt.gz", Some(FileKind::Text)),
        3 => ("input.md", Some(FileKind::Markdown)),
        4 => ("input.html", Some(FileKind::Html)),
        _ => ("<stdin>", None),
    };
    let Ok(articles) = ingest::read_bytes(bytes.to_vec(), Path::new(path), kind) else {
        return;
    };
    // Cleaning is idempotent line by line and leaves no control character; the raw bytes as
    // one line (any control character, any position) too.
    let whole = String::from_utf8_lossy(bytes);
    let raw_lines = articles
        .iter()
        .flat_map(|a| a.text.lines().take(64))
        .chain(whole.lines().take(8));
    for raw in raw_lines {
        let once = clean::normalize_line(raw, converter());
        let twice = clean::normalize_line(&once, converter());
        assert_eq!(once, twice, "normalize_line is not idempotent on {raw:?}");
        assert!(
            !once.chars().any(clean::normalize::is_removed_control),
            "a control character survived normalize_line on {raw:?}"
        );
    }
    // Lines split at every line end: no CR is left inside an article's line.
    for article in &articles {
        assert!(
            article.text.lines().all(|l| !l.contains('\r')),
            "a lone CR in {:?}",
            article.id
        );
    }
    let options = CleanOptions {
        t2s: false,
        min_chars: usize::from(selector >> 4),
        dedupe: selector & 8 != 0,
        boilerplate: selector & 4 != 0,
        headings: selector & 2 != 0,
        ..CleanOptions::default()
    };
    let cleaned = clean::clean_corpus(&articles, &options);
    assert_eq!(cleaned.len(), articles.len());
    // Cleaned lines (the one-pass fast path included) hold no control character.
    for line in cleaned.iter().flat_map(|a| &a.lines) {
        assert!(
            !line.text.chars().any(clean::normalize::is_removed_control),
            "a control character survived cleaning: {:?}",
            line.text
        );
    }
    for kind in [UnitKind::Paragraph, UnitKind::Document] {
        let built = units::build(&cleaned, kind);
        for unit in &built.kept {
            // Every kept unit points at a kept line with its number whose text holds it (a
            // long line is cleaned in pieces and a JSONL record has many lines: several lines
            // may share the number).
            let lines = &cleaned[unit.doc].lines;
            let home = lines.iter().find(|l| {
                l.line == unit.line
                    && l.verdict == Verdict::Keep
                    && (kind == UnitKind::Document || l.text.contains(unit.text.as_str()))
            });
            assert!(home.is_some(), "unit without its source line: {unit:?}");
            if kind == UnitKind::Paragraph {
                // Segmentation (jieba + term filter) must cope with whatever cleaning kept.
                let _ = segmenter().terms(&unit.text);
            }
        }
    }
});
