//! The terminal report's text, exactly: counts with thousands separators and singular forms.

use std::sync::OnceLock;

use zhuti::ingest::{load_with, ReadOptions};
use zhuti::{Analysis, NoProgress, Settings};

/// The analysis of the bundled seed articles with the default settings (computed once).
fn seeds() -> &'static Analysis {
    static SEEDS: OnceLock<Analysis> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let corpus = load_with(&zhuti::seeds::bundled(), &ReadOptions::default()).unwrap();
        zhuti::analyze(&corpus, &Settings::default(), &NoProgress).unwrap()
    })
}

#[test]
fn counts_have_thousands_separators_and_one_is_singular() {
    let text = zhuti::report::text::render(seeds());
    assert!(
        text.starts_with(
            "zhuti · 5 articles · 104 paragraphs in 8 themes · 69 left out \
             (64 boilerplate, 2 duplicate, 3 short)\n"
        ),
        "{text}"
    );
    assert!(text.contains(" · 491 terms · seed 42\n"), "{text}");
    assert!(text.contains(", measured on 104 units\n"), "{text}");

    // The same report of a corpus as large as THUCNews, and of one article.
    let mut big = seeds().clone();
    big.corpus.documents = 65_536;
    big.corpus.units = 574_044;
    big.corpus.dropped = 12_345;
    big.corpus.terms = 1_000_001;
    big.themes[0].size = 123_456;
    big.themes[1].size = 1;
    let text = zhuti::report::text::render(&big);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "zhuti · 65,536 articles · 574,044 paragraphs in 8 themes · 12,345 left out \
         (64 boilerplate, 2 duplicate, 3 short)"
    );
    assert!(text.contains(" · 1,000,001 terms · seed 42\n"), "{text}");
    assert!(text.contains(" 123,456 paragraphs · 14.4%\n"), "{text}");
    assert!(text.contains(" 1 paragraph · 14.4%\n"), "{text}");

    let mut one = seeds().clone();
    one.corpus.documents = 1;
    one.corpus.units = 1;
    one.corpus.dropped = 1;
    one.corpus.terms = 1;
    let text = zhuti::report::text::render(&one);
    assert!(
        text.starts_with(
            "zhuti · 1 article · 1 paragraph in 8 themes · 1 left out \
             (64 boilerplate, 2 duplicate, 3 short)\n"
        ),
        "{text}"
    );
    assert!(text.contains(" · 1 term · seed 42\n"), "{text}");
}
