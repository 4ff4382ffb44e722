//! The terminal report: corpus counts, how k was chosen, each theme (label, size, share, top
//! terms, representative paragraphs, the articles it draws on), then the article × theme mix.
//! Columns are aligned by display width, so Chinese (two columns a character) lines up.

use std::collections::BTreeMap;
use std::fmt::Write;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::analysis::Analysis;
use crate::numbers::{count, thousands};
use crate::report::terminal_safe as safe;

/// Representative paragraphs are trimmed to this many display columns.
const QUOTE_WIDTH: usize = 100;
/// Article titles in the mix table are trimmed to this many display columns.
const TITLE_WIDTH: usize = 30;

/// Phrases the header names (the most frequent).
const PHRASES_SHOWN: usize = 12;

/// Renders the analysis as a plain-text report (no colour codes; safe to pipe).
pub fn render(a: &Analysis) -> String {
    let mut out = String::new();
    // `write!` to a String cannot fail.
    let _ = write_report(a, &mut out);
    out
}

/// Article ids as the report shows them: shortened while they stay distinct, and safe for
/// the terminal.
struct Ids<'a>(std::collections::HashMap<&'a str, &'a str>);

impl Ids<'_> {
    fn short(&self, id: &str) -> String {
        match self.0.get(id) {
            Some(short) => safe(short).into_owned(),
            None => safe(&short_id(id)).into_owned(),
        }
    }
}

fn write_report(a: &Analysis, out: &mut String) -> std::fmt::Result {
    let (unit_one, unit_word) = match a.params.unit {
        crate::stages::units::UnitKind::Paragraph => ("paragraph", "paragraphs"),
        crate::stages::units::UnitKind::Document => ("article", "articles"),
    };
    let units = |n: usize| count(n, unit_one, unit_word);
    let ids = Ids(super::short_ids(a.documents.iter().map(|d| d.id.as_str())));
    writeln!(
        out,
        "zhuti · {} · {} in {} · {} left out{}",
        count(a.corpus.documents, "article", "articles"),
        units(a.corpus.units),
        count(a.params.k, "theme", "themes"),
        thousands(a.corpus.dropped),
        dropped_summary(a)
    )?;
    let k = a.params.k;
    let themes_word = if k == 1 { "theme" } else { "themes" };
    match &a.params.k_selection {
        Some(selection) => {
            let best = crate::stages::kmeans::chosen_k(&selection.candidates);
            match (selection.candidates.as_slice(), best) {
                // The k that won came out with fewer non-empty themes.
                (_, Some(best)) if best != k => writeln!(
                    out,
                    "k = {k}, chosen automatically: k = {best} was chosen, but the {unit_word} \
                     gave only {k} distinct {themes_word} ({})",
                    selection.reason
                )?,
                ([only], _) => writeln!(
                    out,
                    "k = {k}, chosen automatically: the only k that {} allow \
                     (auto tries k = {} up to ⌈√(n/2)⌉)",
                    units(a.corpus.units),
                    only.k
                )?,
                _ => writeln!(out, "k = {k}, chosen automatically: {}", selection.reason)?,
            }
            if !selection.candidates.is_empty() {
                let scores: Vec<String> = selection
                    .candidates
                    .iter()
                    .map(|c| {
                        let mark = if c.k == a.params.k { "*" } else { "" };
                        format!("{}{mark} {:.3}", c.k, c.silhouette)
                    })
                    .collect();
                writeln!(out, "  silhouette by k: {}", scores.join(" · "))?;
            }
        }
        None => match a.params.k_requested {
            crate::stages::kmeans::KChoice::Fixed(asked) if asked != k => writeln!(
                out,
                "k = {k} (asked for {asked}; the {unit_word} gave only {k} distinct \
                 {themes_word}, the other {} came out empty)",
                asked.saturating_sub(k)
            )?,
            _ => writeln!(out, "k = {k} (as asked)")?,
        },
    }
    writeln!(
        out,
        "LSA: {} dims keep {:.0}% of the TF-IDF variance · {} · seed {}",
        thousands(a.params.dims_used),
        a.params.explained_variance * 100.0,
        count(a.corpus.terms, "term", "terms"),
        a.params.seed
    )?;
    let c = &a.coherence;
    writeln!(
        out,
        "coherence: mean NPMI {:.3} of each theme's top {} terms ({}s as windows) · topic \
         diversity {:.2} of the top 10 terms, {:.2} of the top 25",
        c.mean_npmi, c.top_n, c.window, c.diversity_top10, c.diversity_top25
    )?;
    if !a.phrases.is_empty() {
        let shown: Vec<&str> = a
            .phrases
            .iter()
            .take(PHRASES_SHOWN)
            .map(|p| p.phrase.as_str())
            .collect();
        let line = format!(
            "phrases: {} kept whole as terms: {}",
            thousands(a.phrases.len()),
            safe(&shown.join(" · ")),
        );
        writeln!(out, "{}", trim_to(&line, 78))?;
    }
    if let Some(file) = &a.params.themes_file {
        let named: Vec<&str> = a.themes.iter().filter_map(|t| t.name.as_deref()).collect();
        writeln!(
            out,
            "guided by {}: {} kept {} ({}), {} discovered",
            safe(file),
            count(named.len(), "named theme", "named themes"),
            if named.len() == 1 {
                "its name"
            } else {
                "their names"
            },
            safe(&named.join(" · ")),
            a.themes.iter().filter(|t| t.name.is_none()).count()
        )?;
    }

    for theme in &a.themes {
        writeln!(out)?;
        let label = safe(&theme.label);
        if let (0, Some(name)) = (theme.size, &theme.name) {
            // A named theme none of whose seed words the corpus has (see the warning).
            writeln!(
                out,
                "━━ Theme {} · {} ━━ empty: none of its seed words is in these articles",
                theme.id,
                safe(name)
            )?;
            continue;
        }
        let head = match (&theme.name, theme.guided) {
            (Some(name), _) => format!("━━ Theme {} · {} · {label} ", theme.id, safe(name)),
            (None, true) => format!("━━ Theme {} · {label} (drifted from its seed) ", theme.id),
            (None, false) => format!("━━ Theme {} · {label} ", theme.id),
        };
        let tail = format!(
            " {} · {:.1}% · NPMI {:.2}",
            units(theme.size),
            theme.share * 100.0,
            theme.npmi
        );
        let rule = 78usize.saturating_sub(head.width() + tail.width()).max(2);
        writeln!(out, "{head}{}{tail}", "━".repeat(rule))?;
        let terms: Vec<&str> = theme.terms.iter().map(|t| t.term.as_str()).collect();
        writeln!(out, "   terms     {}", safe(&terms.join(" · ")))?;
        for r in &theme.representatives {
            writeln!(
                out,
                "   ▸ {}  [{}:{} · {:.2}]",
                trim_to(&safe(&one_line(&r.text)), QUOTE_WIDTH),
                ids.short(&r.doc),
                r.line,
                r.score
            )?;
        }
        let mut per_doc: BTreeMap<&str, usize> = BTreeMap::new();
        for unit in a.units.iter().filter(|u| u.theme == theme.id) {
            *per_doc.entry(unit.doc.as_str()).or_default() += 1;
        }
        let mut docs: Vec<(&str, usize)> = per_doc.into_iter().collect();
        docs.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        let shown: Vec<String> = docs
            .iter()
            .take(6)
            .map(|(doc, n)| format!("{} ({})", ids.short(doc), thousands(*n)))
            .collect();
        let more = docs.len().saturating_sub(6);
        let more = if more > 0 {
            format!(" and {} more", thousands(more))
        } else {
            String::new()
        };
        writeln!(out, "   articles  {}{more}", shown.join(" · "))?;
        write_time_and_sources(a, theme.id, out)?;
    }

    write_mix(a, &ids, out)
}

/// Sparkline levels, lowest to highest.
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A theme's share over time as one line (`▁▂▅█▃`, scaled to its own peak; a blank for a
/// bucket with no dated unit at all).
pub fn sparkline(shares: &[f64], totals: &[usize]) -> String {
    let max = shares.iter().copied().fold(0.0, f64::max);
    shares
        .iter()
        .zip(totals)
        .map(|(&s, &n)| {
            if n == 0 {
                ' '
            } else if max <= 0.0 {
                SPARKS[0]
            } else {
                let level = ((s / max) * (SPARKS.len() - 1) as f64).round() as usize;
                SPARKS[level.min(SPARKS.len() - 1)]
            }
        })
        .collect()
}

/// `over time` and `sources` lines of theme `id`, when the corpus has dates / sources.
fn write_time_and_sources(a: &Analysis, id: usize, out: &mut String) -> std::fmt::Result {
    if let Some(t) = &a.timeline {
        if let Some(series) = t.themes.iter().find(|s| s.theme == id) {
            let (first, last) = (
                t.buckets.first().map_or("", String::as_str),
                t.buckets.last().map_or("", String::as_str),
            );
            let peak = series
                .peak
                .as_deref()
                .map_or(String::new(), |p| format!(" peak {p}"));
            writeln!(
                out,
                "   over time {first} {} {last}{peak}",
                sparkline(&series.shares, &t.units)
            )?;
        }
    }
    if a.sources.is_some() {
        let source_of: BTreeMap<&str, &str> = a
            .documents
            .iter()
            .filter_map(|d| Some((d.id.as_str(), d.source.as_deref()?)))
            .collect();
        let mut per_source: BTreeMap<&str, usize> = BTreeMap::new();
        for unit in a.units.iter().filter(|u| u.theme == id) {
            if let Some(s) = source_of.get(unit.doc.as_str()) {
                *per_source.entry(s).or_default() += 1;
            }
        }
        let mut ranked: Vec<(&str, usize)> = per_source.into_iter().collect();
        ranked.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        if !ranked.is_empty() {
            let shown: Vec<String> = ranked
                .iter()
                .take(4)
                .map(|(s, n)| format!("{s} ({})", thousands(*n)))
                .collect();
            writeln!(out, "   sources   {}", shown.join(" · "))?;
        }
    }
    Ok(())
}

fn write_mix(a: &Analysis, ids: &Ids<'_>, out: &mut String) -> std::fmt::Result {
    const MAX_ROWS: usize = 40;
    writeln!(out)?;
    writeln!(out, "Article × theme mix (share of each article's units)")?;
    let id_width = a
        .documents
        .iter()
        .take(MAX_ROWS)
        .map(|d| ids.short(&d.id).width())
        .max()
        .unwrap_or(2)
        .clamp(2, 24);
    let mut header = format!("  {}  {}", pad("", id_width), pad("", TITLE_WIDTH));
    for theme in &a.themes {
        let _ = write!(header, " {:>4}", format!("T{}", theme.id));
    }
    writeln!(out, "{}", header.trim_end())?;
    for doc in a.documents.iter().take(MAX_ROWS) {
        let mut row = format!(
            "  {}  {}",
            pad(&trim_to(&ids.short(&doc.id), id_width), id_width),
            pad(&trim_to(&safe(&doc.title), TITLE_WIDTH), TITLE_WIDTH)
        );
        for theme in &a.themes {
            let share = doc
                .theme_mix
                .iter()
                .find(|m| m.theme == theme.id)
                .map_or(0.0, |m| m.share);
            let cell = if share > 0.0 {
                format!("{:.0}%", share * 100.0)
            } else {
                "·".to_string()
            };
            let _ = write!(row, " {cell:>4}");
        }
        writeln!(out, "{}", row.trim_end())?;
    }
    if a.documents.len() > MAX_ROWS {
        writeln!(
            out,
            "  … and {} more (see --format json for all)",
            count(a.documents.len() - MAX_ROWS, "article", "articles")
        )?;
    }
    Ok(())
}

fn dropped_summary(a: &Analysis) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &a.dropped {
        *counts.entry(d.reason.as_str()).or_default() += 1;
    }
    if counts.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(r, c)| format!("{} {r}", thousands(*c)))
        .collect();
    format!(" ({})", parts.join(", "))
}

/// The last path component of an article id (`seeds/000_x.txt` → `000_x.txt`).
fn short_id(id: &str) -> String {
    id.rsplit(['/', '\\']).next().unwrap_or(id).to_string()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trims `text` to at most `width` display columns, ending in `…` when cut.
pub fn trim_to(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Pads `text` with spaces to `width` display columns.
pub fn pad(text: &str, width: usize) -> String {
    let w = text.width();
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_and_padding_count_display_columns() {
        assert_eq!(trim_to("算力芯片禁运", 7), "算力芯…");
        assert_eq!(trim_to("abc", 7), "abc");
        assert_eq!(pad("算力", 6), "算力  ");
        assert_eq!(pad("ab", 1), "ab");
        assert_eq!(short_id("seeds/000_a.txt"), "000_a.txt");
    }
}
