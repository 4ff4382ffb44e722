//! The cleaning targets of issue 3, measured on the bundled seeds against hand labels
//! (tests/fixtures/seed_line_labels.tsv): at least 98% of furniture lines dropped, at least 98%
//! of article paragraphs of 80+ characters kept (or dropped only as a duplicate of a kept
//! one), and no pinyin gloss or traditional-only character in kept text.

use std::collections::{BTreeMap, HashMap};

use zhuti::ingest;
use zhuti::internals::clean::{self, CleanOptions, Converter, Rule, Verdict};

mod common;

/// `(file name, line) → label` from the hand-labelled table.
fn labels() -> HashMap<(String, usize), String> {
    let text = std::fs::read_to_string(common::fixture("seed_line_labels.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (
                (cols[0].to_string(), cols[1].parse().unwrap()),
                cols[2].to_string(),
            )
        })
        .collect()
}

struct Measured {
    furniture: (usize, usize),
    paragraphs: (usize, usize),
    per_rule: BTreeMap<String, usize>,
    kept_texts: Vec<String>,
    unlabelled: Vec<(String, usize)>,
}

fn measure() -> Measured {
    let corpus = ingest::load(&zhuti::seeds::bundled()).unwrap();
    let cleaned = clean::clean_corpus_explained(&corpus.articles, &CleanOptions::default());
    let labels = labels();
    // Verdict of every (doc, line), to check that duplicates point at kept lines.
    let mut verdicts: HashMap<(usize, usize), Verdict> = HashMap::new();
    for (doc, (article, _)) in cleaned.iter().enumerate() {
        for l in &article.lines {
            verdicts.insert((doc, l.line), l.verdict.clone());
        }
    }
    let mut m = Measured {
        furniture: (0, 0),
        paragraphs: (0, 0),
        per_rule: BTreeMap::new(),
        kept_texts: Vec::new(),
        unlabelled: Vec::new(),
    };
    for (article, (cleaned, rules)) in corpus.articles.iter().zip(&cleaned) {
        let file = article.id.trim_start_matches("seeds/").to_string();
        let raw: Vec<&str> = article.text.lines().collect();
        for (l, rule) in cleaned.lines.iter().zip(rules) {
            let name = match rule {
                Rule::Furniture(s) => format!("boilerplate/{}", s.as_str()),
                Rule::Duplicate(..) => "duplicate".into(),
                other => format!("{other:?}").to_lowercase(),
            };
            *m.per_rule.entry(name).or_default() += 1;
            if matches!(l.verdict, Verdict::Keep | Verdict::Heading) {
                m.kept_texts.push(l.text.clone());
            }
            let Some(label) = labels.get(&(file.clone(), l.line)) else {
                m.unlabelled.push((file.clone(), l.line));
                continue;
            };
            match label.as_str() {
                "furniture" => {
                    m.furniture.1 += 1;
                    if matches!(l.verdict, Verdict::Drop(..)) {
                        m.furniture.0 += 1;
                    }
                }
                "paragraph" if raw[l.line - 1].trim().chars().count() >= 80 => {
                    m.paragraphs.1 += 1;
                    let ok = match &l.verdict {
                        Verdict::Keep => true,
                        Verdict::Drop(_, Some(twin)) => verdicts.get(twin) == Some(&Verdict::Keep),
                        _ => false,
                    };
                    if ok {
                        m.paragraphs.0 += 1;
                    } else {
                        eprintln!("paragraph not kept: {file}:{} {:?}", l.line, l.verdict);
                    }
                }
                _ => {}
            }
        }
    }
    m
}

#[test]
fn seed_targets_are_met() {
    let m = measure();
    assert!(
        m.unlabelled.is_empty(),
        "unlabelled lines: {:?}",
        m.unlabelled
    );
    let furniture = m.furniture.0 as f64 / m.furniture.1 as f64;
    let paragraphs = m.paragraphs.0 as f64 / m.paragraphs.1 as f64;
    eprintln!(
        "furniture dropped: {}/{} = {:.1}%",
        m.furniture.0,
        m.furniture.1,
        100.0 * furniture
    );
    eprintln!(
        "80+-char paragraphs kept (or duplicate of kept): {}/{} = {:.1}%",
        m.paragraphs.0,
        m.paragraphs.1,
        100.0 * paragraphs
    );
    eprintln!("lines per rule: {:#?}", m.per_rule);
    assert_eq!(m.furniture.1, 66, "the label table changed");
    assert!(furniture >= 0.98, "furniture dropped {furniture:.3}");
    assert!(paragraphs >= 0.98, "paragraphs kept {paragraphs:.3}");
}

#[test]
fn kept_seed_text_has_no_gloss_and_no_traditional_character() {
    let m = measure();
    let t2s = Converter::new(true);
    for text in &m.kept_texts {
        assert!(
            !text
                .chars()
                .any(zhuti::internals::clean::normalize::is_tone_marked),
            "pinyin left in: {text}"
        );
        for c in text.chars().filter(|c| !c.is_ascii()) {
            let single = c.to_string();
            assert_eq!(
                t2s.convert(&single),
                single,
                "traditional `{c}` left in: {text}"
            );
        }
    }
}

#[test]
fn switching_parts_off_keeps_what_they_drop() {
    let corpus = ingest::load(&zhuti::seeds::bundled()).unwrap();
    let count = |options: &CleanOptions, want: fn(&Verdict) -> bool| -> usize {
        clean::clean_corpus(&corpus.articles, options)
            .iter()
            .flat_map(|a| &a.lines)
            .filter(|l| want(&l.verdict))
            .count()
    };
    let boilerplate = |v: &Verdict| matches!(v, Verdict::Drop(clean::DropReason::Boilerplate, _));
    let duplicate = |v: &Verdict| matches!(v, Verdict::Drop(clean::DropReason::Duplicate, _));
    let heading = |v: &Verdict| *v == Verdict::Heading;
    let on = CleanOptions::default();
    assert!(count(&on, boilerplate) > 0 && count(&on, duplicate) > 0 && count(&on, heading) > 0);
    let off = CleanOptions {
        boilerplate: false,
        dedupe: false,
        headings: false,
        ..CleanOptions::default()
    };
    assert_eq!(count(&off, boilerplate), 0);
    assert_eq!(count(&off, duplicate), 0);
    assert_eq!(count(&off, heading), 0);
}
