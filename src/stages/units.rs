//! The units stage: turn cleaned articles into the units that are clustered — paragraphs (one
//! per kept line, with its heading) or whole articles (`--unit document`) — and collect
//! everything left out into [`DroppedUnit`]s.
// Input handling: no indexing that could panic on what users feed in.
#![deny(clippy::indexing_slicing)]

use rustc_hash::FxHashMap;

use serde::Serialize;

use crate::stages::clean::{split_long, CleanArticle, DropReason, Verdict};

/// What one clustered unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Each kept paragraph is a unit (the default: [`crate::settings::defs::UNIT`]).
    Paragraph,
    /// Each article is a unit: its kept paragraphs joined (short articles, evaluation).
    Document,
}

/// One unit to cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Index of the article in the corpus.
    pub doc: usize,
    /// 1-based source line where the unit starts.
    pub line: usize,
    /// When one source line gives several units — a paragraph longer than
    /// [`MAX_UNIT_CHARS`](crate::clean::MAX_UNIT_CHARS) split at sentence ends, or a JSON
    /// Lines record (one line) holding several paragraphs — which of them this is, 1-based and
    /// counted over kept and dropped units alike, so `(doc, line, part)` names every unit
    /// exactly once. `None` when the line gave one unit.
    pub part: Option<usize>,
    /// 1-based number of the paragraph within its article: every non-empty line of the
    /// cleaned text counts, kept or dropped. A JSON Lines or CSV record's paragraphs all report
    /// the record's `line`; this tells them apart for a reader (`id ¶3`).
    pub paragraph: usize,
    /// The cleaned text.
    pub text: String,
    /// The heading that introduces this paragraph, if any.
    pub heading: Option<String>,
    /// The heading's own 1-based source line.
    pub heading_line: Option<usize>,
    /// The heading's own paragraph number (see [`Unit::paragraph`]).
    pub heading_paragraph: Option<usize>,
}

/// One unit left out of clustering, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedUnit {
    /// Index of the article in the corpus.
    pub doc: usize,
    /// 1-based source line.
    pub line: usize,
    /// The piece of its source line (see [`Unit::part`]); `None` when the line gave one unit.
    pub part: Option<usize>,
    /// 1-based paragraph number within the article (see [`Unit::paragraph`]).
    pub paragraph: usize,
    /// Why it was left out.
    pub reason: DropReason,
    /// For duplicates: the (article index, line) of the unit that was kept instead.
    pub duplicate_of: Option<(usize, usize)>,
    /// The cleaned text.
    pub text: String,
}

/// The units of a corpus: what will be clustered and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Units {
    /// Units to cluster, in corpus order.
    pub kept: Vec<Unit>,
    /// Units left out, in corpus order.
    pub dropped: Vec<DroppedUnit>,
}

/// Builds units from cleaned articles (each article on its own, in parallel; the units come
/// out in corpus order).
pub fn build(articles: &[CleanArticle], kind: UnitKind) -> Units {
    use rayon::prelude::*;
    let per_article: Vec<Units> = articles
        .par_iter()
        .enumerate()
        .map(|(doc, article)| build_article(doc, article, kind))
        .collect();
    let mut units = Units {
        kept: Vec::with_capacity(per_article.iter().map(|u| u.kept.len()).sum()),
        dropped: Vec::with_capacity(per_article.iter().map(|u| u.dropped.len()).sum()),
    };
    for article in per_article {
        units.kept.extend(article.kept);
        units.dropped.extend(article.dropped);
    }
    units
}

/// The units of article `doc`, its dropped ones sorted by (line, part).
fn build_article(doc: usize, article: &CleanArticle, kind: UnitKind) -> Units {
    let mut units = Units::default();
    // Units given so far by each source line, to number the pieces of a line.
    let mut pieces: FxHashMap<usize, usize> = FxHashMap::default();
    let mut next_piece = |line: usize| {
        let n = pieces.entry(line).or_insert(0);
        *n += 1;
        Some(*n)
    };
    // A heading waits for the next kept paragraph, looking past dropped page furniture (a
    // title followed by a dateline still heads the first paragraph); anything else in
    // between orphans it, and it is reported as dropped (`short`) so every line stays
    // accounted for.
    let mut heading: Option<(usize, usize, &str)> = None;
    let mut document_parts: Vec<&str> = Vec::new();
    // The (line, paragraph) where a whole-document unit starts: its first kept line.
    let mut document_start = None;
    let numbered = article
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| Some((i + 1, l)));
    // `None` marks the article's end, which orphans a waiting heading too.
    for line in numbered.chain(std::iter::once(None)) {
        let orphans = line.is_none_or(|(_, l)| {
            l.verdict != Verdict::Keep
                && !matches!(l.verdict, Verdict::Drop(DropReason::Boilerplate, _))
        });
        if orphans {
            if let Some((orphan_line, paragraph, text)) = heading.take() {
                units.dropped.push(DroppedUnit {
                    doc,
                    line: orphan_line,
                    part: next_piece(orphan_line),
                    paragraph,
                    reason: DropReason::Short,
                    duplicate_of: None,
                    text: text.to_string(),
                });
            }
        }
        let Some((paragraph, line)) = line else { break };
        match &line.verdict {
            Verdict::Heading => heading = Some((line.line, paragraph, &line.text)),
            Verdict::Keep => match kind {
                UnitKind::Paragraph => {
                    // Pieces of a split paragraph are trimmed; blank ones are skipped.
                    let parts = split_long(&line.text)
                        .map(str::trim)
                        .filter(|p| !p.is_empty());
                    for part in parts {
                        let head = heading.take();
                        units.kept.push(Unit {
                            doc,
                            line: line.line,
                            part: next_piece(line.line),
                            paragraph,
                            text: part.to_string(),
                            heading: head.map(|(_, _, h)| h.to_string()),
                            heading_line: head.map(|(l, _, _)| l),
                            heading_paragraph: head.map(|(_, p, _)| p),
                        });
                    }
                }
                UnitKind::Document => {
                    if let Some((_, _, h)) = heading.take() {
                        document_parts.push(h);
                    }
                    document_start.get_or_insert((line.line, paragraph));
                    document_parts.push(&line.text);
                }
            },
            Verdict::Drop(reason, duplicate_of) => {
                units.dropped.push(DroppedUnit {
                    doc,
                    line: line.line,
                    part: next_piece(line.line),
                    paragraph,
                    reason: *reason,
                    duplicate_of: *duplicate_of,
                    text: line.text.clone(),
                });
            }
        }
    }
    // A line that gave a single unit needs no part number.
    let single = |line: usize| pieces.get(&line).is_some_and(|&n| n == 1);
    for unit in &mut units.kept {
        if single(unit.line) {
            unit.part = None;
        }
    }
    for unit in &mut units.dropped {
        if single(unit.line) {
            unit.part = None;
        }
    }
    if let Some((line, paragraph)) = document_start {
        units.kept.push(Unit {
            doc,
            line,
            part: None,
            paragraph,
            text: document_parts.join("\n"),
            heading: None,
            heading_line: None,
            heading_paragraph: None,
        });
    }
    units.dropped.sort_by_key(|d| (d.line, d.part));
    units
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::stages::clean::CleanLine;

    fn line(line: usize, text: &str, verdict: Verdict) -> CleanLine {
        CleanLine {
            line,
            text: text.to_string(),
            verdict,
        }
    }

    #[test]
    fn headings_attach_to_the_next_paragraph() {
        let article = CleanArticle {
            lines: vec![
                line(1, "通用还是垂直", Verdict::Heading),
                line(3, "正文一", Verdict::Keep),
                line(4, "正文二", Verdict::Keep),
                line(5, "责编", Verdict::Drop(DropReason::Short, None)),
            ],
        };
        let units = build(std::slice::from_ref(&article), UnitKind::Paragraph);
        assert_eq!(units.kept.len(), 2);
        assert_eq!(units.kept[0].heading.as_deref(), Some("通用还是垂直"));
        assert_eq!(units.kept[0].line, 3);
        assert_eq!(units.kept[1].heading, None);
        assert_eq!(units.dropped[0].line, 5);

        let docs = build(&[article], UnitKind::Document);
        assert_eq!(docs.kept.len(), 1);
        assert_eq!(docs.kept[0].text, "通用还是垂直\n正文一\n正文二");
        assert_eq!(docs.kept[0].line, 3);
    }

    #[test]
    fn a_heading_without_its_paragraph_is_dropped_not_lost() {
        let article = CleanArticle {
            lines: vec![
                line(1, "通用还是垂直", Verdict::Heading),
                line(
                    2,
                    "重复段落",
                    Verdict::Drop(DropReason::Duplicate, Some((0, 9))),
                ),
                line(3, "结尾标题", Verdict::Heading),
            ],
        };
        let units = build(&[article], UnitKind::Paragraph);
        assert!(units.kept.is_empty());
        let lines: Vec<(usize, DropReason)> =
            units.dropped.iter().map(|d| (d.line, d.reason)).collect();
        assert_eq!(
            lines,
            vec![
                (1, DropReason::Short),
                (2, DropReason::Duplicate),
                (3, DropReason::Short)
            ]
        );
    }

    #[test]
    fn a_heading_looks_past_furniture_to_its_paragraph() {
        let article = CleanArticle {
            lines: vec![
                line(1, "大模型向钱进", Verdict::Heading),
                line(
                    2,
                    "来源:互联网 发布日期:2023-07-27",
                    Verdict::Drop(DropReason::Boilerplate, None),
                ),
                line(4, "正文一", Verdict::Keep),
            ],
        };
        let units = build(&[article], UnitKind::Paragraph);
        assert_eq!(units.kept[0].heading.as_deref(), Some("大模型向钱进"));
        assert_eq!(units.kept[0].heading_line, Some(1));
        assert_eq!(units.dropped.len(), 1);
    }
}
