//! The terminal report: corpus counts, how k was chosen, each theme (label, size, share, top
//! terms, representative paragraphs, the articles it draws on), then the article × theme mix.
//!
//! Every line fits [`TextOptions::width`] display columns (Chinese takes two a character; the
//! widths come from unicode-width): prose wraps at spaces or between Chinese characters (never
//! before closing punctuation), lists wrap between their items, previews take the columns
//! left, and the mix table pages its theme columns into blocks. The layout is written by hand
//! rather than with a wrapping crate because the lists (terms, articles) must break between
//! items, not inside them. Colour, when asked for, is added to finished pieces of known width,
//! so the escapes never count as columns.

use std::collections::BTreeMap;
use std::fmt::Write;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::analysis::Analysis;
use crate::numbers::{count, thousands};
use crate::report::colour::ansi;
use crate::report::terminal_safe as safe;
use crate::settings::choice::number_or_auto;
use crate::stages::dmm::Method;

/// The width without `--width` when the report does not go to a terminal.
pub const DEFAULT_WIDTH: usize = 80;
/// The narrowest report: a theme heading and a preview still fit.
pub const MIN_WIDTH: usize = 40;
/// The widest report (a bound against absurd values, not a layout choice).
pub const MAX_WIDTH: usize = 1000;

/// Article titles in the mix table take at most this many display columns.
const TITLE_WIDTH: usize = 30;
/// … and at least this many, before the theme columns page into blocks.
const MIN_TITLE_WIDTH: usize = 12;
/// A preview shorter than this goes on its own line, its location below it.
const MIN_PREVIEW: usize = 20;

/// Phrases the header names (the most frequent).
const PHRASES_SHOWN: usize = 12;

number_or_auto! {
    /// How many columns the text report fits in (`--width`).
    pub enum Width {
        fixed: "Exactly this many display columns.",
        auto: "The terminal's width when the report goes to one, else 80.",
    }
}

impl Width {
    /// The columns to lay the report out in, given the terminal's width when the report goes
    /// to a terminal (`None` otherwise, or when the terminal does not say).
    pub fn columns(self, terminal: Option<usize>) -> usize {
        match self {
            Width::Fixed(n) => n,
            Width::Auto => terminal.map_or(DEFAULT_WIDTH, |n| n.clamp(MIN_WIDTH, MAX_WIDTH)),
        }
    }
}

/// Whether the text report is coloured (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// Only when the report goes to a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always, also into a pipe or a file.
    Always,
    /// Never.
    Never,
}

impl Colour {
    /// Whether to colour a report that goes to a terminal (`terminal`) or not, with the
    /// `NO_COLOR` environment variable set to `no_color` (<https://no-color.org>: any
    /// non-empty value turns colour off).
    pub fn enabled(self, terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
        match self {
            Colour::Always => true,
            Colour::Never => false,
            Colour::Auto => terminal && no_color.is_none_or(|v| v.is_empty()),
        }
    }
}

impl std::str::FromStr for Colour {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Colour::Auto),
            "always" => Ok(Colour::Always),
            "never" => Ok(Colour::Never),
            _ => Err(format!("expected auto, always or never, got `{s}`")),
        }
    }
}

impl std::fmt::Display for Colour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Colour::Auto => "auto",
            Colour::Always => "always",
            Colour::Never => "never",
        })
    }
}

/// How the text report is laid out: presentation only, never part of the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOptions {
    /// Display columns every line fits in (at least [`MIN_WIDTH`]; narrower is laid out as
    /// [`MIN_WIDTH`]).
    pub width: usize,
    /// Whole representative paragraphs, wrapped, instead of one-line previews (`--full`).
    pub full: bool,
    /// Theme names and numbers in their colours (24-bit ANSI escapes).
    pub colour: bool,
}

impl Default for TextOptions {
    /// 80 columns, previews, no colour: the report as a pipe or file gets it.
    fn default() -> Self {
        TextOptions {
            width: DEFAULT_WIDTH,
            full: crate::settings::defs::FULL.default,
            colour: false,
        }
    }
}

/// Renders the analysis as a plain-text report of 80 columns without colour codes (safe to
/// pipe); [`render_with`] for other widths, whole paragraphs or colour.
pub fn render(a: &Analysis) -> String {
    render_with(a, &TextOptions::default())
}

/// Renders the analysis as a text report laid out as `options` say.
pub fn render_with(a: &Analysis, options: &TextOptions) -> String {
    let mut out = String::new();
    // `write!` to a String cannot fail.
    let _ = write_report(a, &Layout::new(options), &mut out);
    out
}

/// [`TextOptions`] with the width bounded: how every text report (this one, `zhuti assign
/// --format text`, `zhuti eval`) is laid out.
pub(crate) struct Layout {
    pub(crate) width: usize,
    pub(crate) full: bool,
    colour: bool,
}

impl Layout {
    /// `options`, the width bounded to [`MIN_WIDTH`]..=[`MAX_WIDTH`].
    pub(crate) fn new(options: &TextOptions) -> Layout {
        Layout {
            width: options.width.clamp(MIN_WIDTH, MAX_WIDTH),
            full: options.full,
            colour: options.colour,
        }
    }

    /// `text` in theme `id`'s colour, when colouring.
    pub(crate) fn paint(&self, text: &str, id: usize, bold: bool) -> String {
        if self.colour && !text.is_empty() {
            ansi(text, id, bold)
        } else {
            text.to_string()
        }
    }
}

/// Writes `lines`, one per line.
pub(crate) fn put(out: &mut String, lines: Vec<String>) -> std::fmt::Result {
    for line in lines {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Article ids as the report shows them: shortened while they stay distinct, and safe for
/// the terminal.
struct Ids<'a> {
    short: std::collections::HashMap<&'a str, &'a str>,
    /// The ids of records, located by paragraph (`id ¶3`) rather than line.
    records: std::collections::HashSet<&'a str>,
}

impl<'a> Ids<'a> {
    fn new(a: &'a Analysis) -> Self {
        Ids {
            short: super::short_ids(a.documents.iter().map(|d| d.id.as_str())),
            records: super::record_ids(a),
        }
    }

    fn short(&self, id: &str) -> String {
        match self.short.get(id) {
            Some(short) => safe(short).into_owned(),
            None => safe(&short_id(id)).into_owned(),
        }
    }

    /// A representative's location, `[id:line · score]`, its id shortened if the whole would
    /// not fit a line of `width`.
    fn tag(&self, r: &crate::analysis::Representative, width: usize) -> String {
        let place = format!(
            "{} · {:.2}]",
            self.suffix(&r.doc, r.line, r.paragraph),
            r.score
        );
        let id = trim_to(&self.short(&r.doc), width - 6 - place.width());
        format!("[{id}{place}")
    }

    /// What follows the id in a paragraph's location: ` ¶3` in a record, `:12` in a file.
    fn suffix(&self, id: &str, line: usize, paragraph: usize) -> String {
        super::location_suffix(self.records.contains(id), line, None, Some(paragraph))
    }
}

fn write_report(a: &Analysis, l: &Layout, out: &mut String) -> std::fmt::Result {
    let width = l.width;
    let (unit_one, unit_word) = match a.params.unit {
        crate::stages::units::UnitKind::Paragraph => ("paragraph", "paragraphs"),
        crate::stages::units::UnitKind::Document => ("article", "articles"),
    };
    let units = |n: usize| count(n, unit_one, unit_word);
    let ids = Ids::new(a);
    let mut header = vec![format!("zhuti {}", env!("ZHUTI_LONG_VERSION"))];
    header.extend(super::input_names(&a.inputs));
    header.extend([
        count(a.corpus.documents, "article", "articles"),
        format!(
            "{} in {}",
            units(a.corpus.units),
            count(a.params.k, "theme", "themes")
        ),
        format!(
            "{} left out{}",
            thousands(a.corpus.dropped),
            dropped_summary(a)
        ),
    ]);
    if let Some(u) = a.unassigned.as_ref().filter(|u| u.size > 0) {
        header.push(format!(
            "{} unassigned ({:.1}%)",
            thousands(u.size),
            u.share * 100.0
        ));
    }
    put(out, wrap_items(&header, " · ", "", "  ", width))?;
    let k = a.params.k;
    let themes_word = if k == 1 { "theme" } else { "themes" };
    let k_line = match &a.params.k_selection {
        Some(selection) => {
            let best = selection.chosen;
            match selection.candidates.as_slice() {
                // The k that won came out with fewer non-empty themes.
                _ if best != k => format!(
                    "k = {k}, chosen automatically: k = {best} was chosen, but the {unit_word} \
                     gave only {k} distinct {themes_word} ({})",
                    selection.reason
                ),
                [only] => format!(
                    "k = {k}, chosen automatically: the only k that {} allow \
                     (auto tries k = {} up to ⌈√(n/2)⌉)",
                    units(a.corpus.units),
                    only.k
                ),
                _ => format!("k = {k}, chosen automatically: {}", selection.reason),
            }
        }
        None => match a.params.k_requested {
            crate::stages::kmeans::KChoice::Fixed(asked) if asked != k => format!(
                "k = {k} (asked for {}; the {unit_word} gave only {k} distinct \
                 {themes_word}, the other {} came out empty)",
                thousands(asked),
                thousands(asked.saturating_sub(k))
            ),
            _ => format!("k = {k} (as asked)"),
        },
    };
    put(out, wrap(&k_line, width, "", "  "))?;
    if let Some(selection) = &a.params.k_selection {
        if !selection.candidates.is_empty() {
            let scores: Vec<String> = selection
                .candidates
                .iter()
                .map(|c| {
                    let mark = if c.k == a.params.k { "*" } else { "" };
                    format!("{}{mark} {:.3}", thousands(c.k), c.silhouette)
                })
                .collect();
            put(
                out,
                wrap_items(&scores, " · ", "  silhouette by k: ", "    ", width),
            )?;
        }
    }
    let lsa = [
        format!(
            "LSA: {} dims keep {:.0}% of the TF-IDF variance",
            thousands(a.params.dims_used),
            a.params.explained_variance * 100.0
        ),
        count(a.corpus.terms, "term", "terms"),
        format!("seed {}", a.params.seed),
    ];
    put(out, wrap_items(&lsa, " · ", "", "  ", width))?;
    // LSA + k-means is the default and needs no line; another method says what it is and, when
    // `auto` chose it, why.
    if a.params.method_used != Method::Lsa {
        let mut items = vec![a.params.method_used.description().to_string()];
        items.extend(a.params.method_reason.clone());
        put(out, wrap_items(&items, " · ", "", "  ", width))?;
    }
    let c = &a.coherence;
    let coherence = [
        format!(
            "coherence: mean NPMI {:.3} of each theme's top {} terms ({}s as windows)",
            c.mean_npmi, c.top_n, c.window
        ),
        format!(
            "topic diversity {:.2} of the top 10 terms, {:.2} of the top 25",
            c.diversity_top10, c.diversity_top25
        ),
    ];
    put(out, wrap_items(&coherence, " · ", "", "  ", width))?;
    if !a.phrases.is_empty() {
        let shown: Vec<&str> = a
            .phrases
            .iter()
            .take(PHRASES_SHOWN)
            .map(|p| p.phrase.as_str())
            .collect();
        let line = format!(
            "phrases: {} counted as terms beside their parts: {}",
            thousands(a.phrases.len()),
            safe(&shown.join(" · ")),
        );
        writeln!(out, "{}", trim_to(&line, width))?;
    }
    if let Some(file) = &a.params.themes_file {
        let named: Vec<&str> = a.themes.iter().filter_map(|t| t.name.as_deref()).collect();
        let line = format!(
            "guided by {}: {} kept {} ({}), {} discovered",
            safe(file),
            count(named.len(), "named theme", "named themes"),
            if named.len() == 1 {
                "its name"
            } else {
                "their names"
            },
            safe(&named.join(" · ")),
            thousands(a.themes.iter().filter(|t| t.name.is_none()).count())
        );
        put(out, wrap(&line, width, "", "  "))?;
    }

    for theme in &a.themes {
        writeln!(out)?;
        write_theme(a, theme, &ids, l, &units, out)?;
    }
    if let Some(u) = a.unassigned.as_ref().filter(|u| u.size > 0) {
        writeln!(out)?;
        write_unassigned(u, &ids, l, &units, out)?;
    }

    write_mix(a, &ids, l, out)
}

/// One theme: heading, terms, representatives, articles, time and sources.
fn write_theme(
    a: &Analysis,
    theme: &crate::analysis::Theme,
    ids: &Ids<'_>,
    l: &Layout,
    units: &dyn Fn(usize) -> String,
    out: &mut String,
) -> std::fmt::Result {
    let width = l.width;
    // The heading's rule ends two columns short of the width.
    let line_end = width - 2;
    let label = safe(&theme.label);
    if let (0, Some(name)) = (theme.size, &theme.name) {
        // A named theme none of whose seed words the corpus has (see the warning).
        let title = trim_to(
            &format!("Theme {} · {}", theme.id, safe(name)),
            line_end - 6,
        );
        let note = "empty: none of its seed words is in these articles";
        let one = 3 + title.width() + 4 + note.width();
        let painted = l.paint(&title, theme.id, true);
        if one <= width {
            writeln!(out, "━━ {painted} ━━ {note}")?;
        } else {
            writeln!(out, "━━ {painted} ━━")?;
            put(out, wrap(note, width, "   ", "   "))?;
        }
        return Ok(());
    }
    let title = match (&theme.name, theme.guided) {
        (Some(name), _) => format!("Theme {} · {} · {label}", theme.id, safe(name)),
        (None, true) => format!("Theme {} · {label} (drifted from its seed)", theme.id),
        (None, false) => format!("Theme {} · {label}", theme.id),
    };
    let tail = [
        units(theme.size),
        format!("{:.1}%", theme.share * 100.0),
        format!("NPMI {:.2}", theme.npmi),
    ];
    write_heading(&title, Some(theme.id), &tail, l, out)?;
    let terms: Vec<String> = theme.terms.iter().map(|t| safe(&t.term).into()).collect();
    put(
        out,
        wrap_items(&terms, " · ", "   terms     ", &" ".repeat(13), width),
    )?;
    let marker = format!("   {} ", l.paint("▸", theme.id, false));
    for r in &theme.representatives {
        write_representative(&r.text, &ids.tag(r, width), &marker, l, out)?;
    }
    let mut per_doc: BTreeMap<&str, usize> = BTreeMap::new();
    for unit in a.units.iter().filter(|u| u.theme == Some(theme.id)) {
        *per_doc.entry(unit.doc.as_str()).or_default() += 1;
    }
    let mut docs: Vec<(&str, usize)> = per_doc.into_iter().collect();
    docs.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    let mut shown: Vec<String> = docs
        .iter()
        .take(6)
        .map(|(doc, n)| format!("{} ({})", ids.short(doc), thousands(*n)))
        .collect();
    let more = docs.len().saturating_sub(6);
    if let (true, Some(last)) = (more > 0, shown.last_mut()) {
        let _ = write!(last, " and {} more", thousands(more));
    }
    put(
        out,
        wrap_items(&shown, " · ", "   articles  ", &" ".repeat(13), width),
    )?;
    write_time_and_sources(a, theme.id, width, out)
}

/// A group's heading, `━━ title ━━…━━ tail` across the width (the title in theme `colour`'s
/// colour when colouring), or the title alone, shortened, and the tail wrapped below it when
/// both do not fit on one line.
fn write_heading(
    title: &str,
    colour: Option<usize>,
    tail: &[String],
    l: &Layout,
    out: &mut String,
) -> std::fmt::Result {
    // The heading's rule ends two columns short of the width.
    let line_end = l.width - 2;
    let paint = |t: &str| match colour {
        Some(id) => l.paint(t, id, true),
        None => t.to_string(),
    };
    let tail_one = tail.join(" · ");
    let fixed = 3 + 1 + 2 + 1;
    if fixed + title.width() + tail_one.width() <= line_end {
        let rule = line_end - (3 + title.width() + 2 + tail_one.width());
        writeln!(out, "━━ {} {} {tail_one}", paint(title), "━".repeat(rule))
    } else {
        let title = trim_to(title, line_end - 6);
        let rule = line_end - (3 + title.width() + 1);
        writeln!(out, "━━ {} {}", paint(&title), "━".repeat(rule))?;
        put(out, wrap_items(tail, " · ", "   ", "   ", l.width))
    }
}

/// The unassigned group, after the themes: its size and share, the rule, and the units
/// furthest from every theme.
fn write_unassigned(
    u: &crate::analysis::Unassigned,
    ids: &Ids<'_>,
    l: &Layout,
    units: &dyn Fn(usize) -> String,
    out: &mut String,
) -> std::fmt::Result {
    let width = l.width;
    let tail = [units(u.size), format!("{:.1}%", u.share * 100.0)];
    write_heading("Unassigned", None, &tail, l, out)?;
    put(
        out,
        wrap(
            &format!(
                "fit even their nearest theme worse than all but {}% of its units do (LSA \
                 score or TF-IDF similarity); in no theme's size (--no-outliers puts them back)",
                crate::model::NOVELTY_QUANTILE * 100.0
            ),
            width,
            "   rule      ",
            &" ".repeat(13),
        ),
    )?;
    let marker = "   ▸ ";
    for r in &u.examples {
        write_representative(&r.text, &ids.tag(r, width), marker, l, out)?;
    }
    Ok(())
}

/// One representative paragraph with its location `tag`: a preview trimmed to the columns the
/// line leaves, or (`--full`) the whole paragraph wrapped.
fn write_representative(
    text: &str,
    tag: &str,
    marker: &str,
    l: &Layout,
    out: &mut String,
) -> std::fmt::Result {
    let width = l.width;
    // The marker (`   ▸ `) takes 5 columns, coloured or not.
    let indent = " ".repeat(5);
    if l.full {
        let mut lines = Vec::new();
        // Made terminal-safe line by line, after the line breaks are read (escaped first, a
        // document unit's joined paragraphs would show `\x0a` and never break).
        for (i, part) in text
            .lines()
            .map(|l| safe(&one_line(l)).into_owned())
            .enumerate()
        {
            let first = if i == 0 { "     " } else { &indent };
            lines.extend(wrap(&part, width, first, &indent));
        }
        if lines.is_empty() {
            lines.push(indent.clone());
        }
        let last = lines.len() - 1;
        if lines[last].trim_end().width() + 2 + tag.width() <= width {
            let line = format!("{}  {tag}", lines[last].trim_end());
            lines[last] = line;
        } else {
            lines.push(format!("{indent}{tag}"));
        }
        // The marker over the first line's indent.
        lines[0] = format!("{marker}{}", &lines[0][5..]);
        return put(out, lines);
    }
    let preview = safe(&one_line(text)).into_owned();
    let room = width.saturating_sub(5 + 2 + tag.width());
    if room >= MIN_PREVIEW || preview.width() <= room {
        writeln!(out, "{marker}{}  {tag}", trim_to(&preview, room))
    } else {
        writeln!(out, "{marker}{}", trim_to(&preview, width - 5))?;
        writeln!(out, "{indent}{tag}")
    }
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

/// The shares and unit counts of `shares`/`totals` merged into at most `most` buckets of
/// consecutive ones (each merged share weighted by its bucket's units), for a sparkline that
/// must fit fewer columns than there are buckets.
fn merge_buckets(shares: &[f64], totals: &[usize], most: usize) -> (Vec<f64>, Vec<usize>) {
    let n = shares.len().min(totals.len());
    if n <= most || most == 0 {
        return (shares[..n].to_vec(), totals[..n].to_vec());
    }
    let per = n.div_ceil(most);
    let mut merged = (Vec::new(), Vec::new());
    for start in (0..n).step_by(per) {
        let end = (start + per).min(n);
        let units: usize = totals[start..end].iter().sum();
        let theme: f64 = (start..end).map(|i| shares[i] * totals[i] as f64).sum();
        merged.0.push(if units == 0 {
            0.0
        } else {
            theme / units as f64
        });
        merged.1.push(units);
    }
    merged
}

/// `over time` and `sources` lines of theme `id`, when the corpus has dates / sources.
fn write_time_and_sources(
    a: &Analysis,
    id: usize,
    width: usize,
    out: &mut String,
) -> std::fmt::Result {
    let indent = " ".repeat(13);
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
            let fixed = 13 + first.width() + 1 + 1 + last.width() + peak.width();
            let buckets = series.shares.len();
            if fixed + buckets.min(12) <= width {
                let (shares, totals) = merge_buckets(&series.shares, &t.units, width - fixed);
                writeln!(
                    out,
                    "   over time {first} {} {last}{peak}",
                    sparkline(&shares, &totals)
                )?;
            } else {
                let (shares, totals) = merge_buckets(&series.shares, &t.units, width - 13);
                let span = format!("{first} – {last}{peak}");
                put(out, wrap(&span, width, "   over time ", &indent))?;
                writeln!(out, "{indent}{}", sparkline(&shares, &totals))?;
            }
        }
    }
    if a.sources.is_some() {
        let source_of: BTreeMap<&str, &str> = a
            .documents
            .iter()
            .filter_map(|d| Some((d.id.as_str(), d.source.as_deref()?)))
            .collect();
        let mut per_source: BTreeMap<&str, usize> = BTreeMap::new();
        for unit in a.units.iter().filter(|u| u.theme == Some(id)) {
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
                .map(|(s, n)| format!("{} ({})", safe(s), thousands(*n)))
                .collect();
            put(
                out,
                wrap_items(&shown, " · ", "   sources   ", &indent, width),
            )?;
        }
    }
    Ok(())
}

/// The article × theme mix: one row per article (the first 40), one column per theme; when
/// the columns do not fit the width, titles shrink, then the columns page into blocks that
/// each repeat the article ids.
fn write_mix(a: &Analysis, ids: &Ids<'_>, l: &Layout, out: &mut String) -> std::fmt::Result {
    const MAX_ROWS: usize = 40;
    let width = l.width;
    writeln!(out)?;
    put(
        out,
        wrap(
            "Article × theme mix (share of each article's units)",
            width,
            "",
            "  ",
        ),
    )?;
    let rows: Vec<_> = a.documents.iter().take(MAX_ROWS).collect();
    let cell = a
        .themes
        .iter()
        .map(|t| format!("T{}", t.id).width())
        .max()
        .unwrap_or(0)
        .max(4)
        + 1;
    // Ids take at most a third of the width, and leave room for a title and a column.
    let id_width = rows
        .iter()
        .map(|d| ids.short(&d.id).width())
        .max()
        .unwrap_or(2)
        .clamp(2, 24)
        .min((width - 4) / 3);
    let before_titles = 2 + id_width + 2;
    let columns = a.themes.len();
    let title_width = (width.saturating_sub(before_titles + cell * columns))
        .clamp(MIN_TITLE_WIDTH, TITLE_WIDTH)
        .min(width.saturating_sub(before_titles + cell));
    let per_block = ((width - before_titles - title_width) / cell).max(1);
    let blocks = columns.div_ceil(per_block).max(1);
    // Blocks as even as they can be (8 + 7 + 7 rather than 8 + 8 + 6).
    let per_block = columns.div_ceil(blocks);
    for (b, themes) in a.themes.chunks(per_block.max(1)).enumerate() {
        if blocks > 1 {
            if b > 0 {
                writeln!(out)?;
            }
            let (first, last) = (themes[0].id, themes[themes.len() - 1].id);
            let which = if first == last {
                format!("theme {first}")
            } else {
                format!("themes {first}–{last}")
            };
            writeln!(out, "  {which} ({} of {})", b + 1, thousands(blocks))?;
        }
        let mut header = format!("  {}  {}", pad("", id_width), pad("", title_width));
        for theme in themes {
            let name = format!("T{}", theme.id);
            let _ = write!(
                header,
                "{}{}",
                " ".repeat(cell - name.width()),
                l.paint(&name, theme.id, true)
            );
        }
        writeln!(out, "{}", header.trim_end())?;
        for doc in &rows {
            let mut row = format!(
                "  {}  {}",
                pad(&trim_to(&ids.short(&doc.id), id_width), id_width),
                pad(&trim_to(&safe(&doc.title), title_width), title_width)
            );
            for theme in themes {
                let share = doc
                    .theme_mix
                    .iter()
                    .find(|m| m.theme == theme.id)
                    .map_or(0.0, |m| m.share);
                let value = if share > 0.0 {
                    format!("{:.0}%", share * 100.0)
                } else {
                    "·".to_string()
                };
                let _ = write!(row, "{value:>cell$}");
            }
            writeln!(out, "{}", row.trim_end())?;
        }
    }
    if a.documents.len() > MAX_ROWS {
        let n = a.documents.len() - MAX_ROWS;
        let more = format!(
            "… and {} more {} (see --format json for all)",
            thousands(n),
            if n == 1 { "article" } else { "articles" }
        );
        put(out, wrap(&more, width, "  ", "    "))?;
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

/// Punctuation that never starts a line (it stays with what it closes).
fn closes(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | ';'
            | ':'
            | '?'
            | '!'
            | ')'
            | ']'
            | '}'
            | '%'
            | '，'
            | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '》'
            | '〉'
            | '】'
            | '〕'
            | '”'
            | '’'
            | '…'
            | '·'
    )
}

/// Punctuation that never ends a line (it stays with what it opens).
fn opens(c: char) -> bool {
    matches!(
        c,
        '(' | '[' | '{' | '（' | '「' | '『' | '《' | '〈' | '【' | '〔' | '“' | '‘'
    )
}

/// The pieces of `text` that a line may not break inside: runs of narrow letters (a Latin
/// word, a number), single wide characters, and spaces (`None`); punctuation is kept with what
/// it opens or closes.
fn atoms(text: &str) -> Vec<Option<String>> {
    let mut atoms: Vec<Option<String>> = Vec::new();
    let mut current = String::new();
    // Whether `current` is complete: a wide character, which the next letter does not join.
    let mut wide = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !current.is_empty() {
                atoms.push(Some(std::mem::take(&mut current)));
            }
            if atoms.last().is_some_and(Option::is_some) {
                atoms.push(None);
            }
            wide = false;
        } else if closes(c) {
            match (current.is_empty(), atoms.last_mut()) {
                (true, Some(Some(last))) => last.push(c),
                _ => current.push(c),
            }
        } else if opens(c) {
            if !current.is_empty() && !current.chars().all(opens) {
                atoms.push(Some(std::mem::take(&mut current)));
            }
            current.push(c);
            wide = false;
        } else if c.width().unwrap_or(0) >= 2 {
            if !current.is_empty() && !current.chars().all(opens) {
                atoms.push(Some(std::mem::take(&mut current)));
            }
            current.push(c);
            wide = true;
        } else {
            if wide {
                atoms.push(Some(std::mem::take(&mut current)));
                wide = false;
            }
            current.push(c);
        }
    }
    if !current.is_empty() {
        atoms.push(Some(current));
    }
    while atoms.last().is_some_and(Option::is_none) {
        atoms.pop();
    }
    // `k = 6`, `n = 104` stay on one line: no break on either side of a lone `=`.
    let mut joined: Vec<Option<String>> = Vec::with_capacity(atoms.len());
    let mut atoms = atoms.into_iter().peekable();
    while let Some(atom) = atoms.next() {
        let glue = |a: &Option<String>| a.as_deref() == Some("=");
        match (joined.len(), &atom) {
            // `X` `␠` `=`: the space before `=` and the `=` join X.
            (n, None) if n > 0 && atoms.peek().is_some_and(glue) => {
                let eq = atoms.next().flatten().unwrap_or_default();
                if let Some(Some(last)) = joined.last_mut() {
                    last.push(' ');
                    last.push_str(&eq);
                }
            }
            // `…=` `␠` `Y`: Y joins.
            (_, None)
                if joined
                    .last()
                    .is_some_and(|l| l.as_deref().is_some_and(|l| l.ends_with('='))) =>
            {
                match atoms.next() {
                    Some(Some(next)) => {
                        if let Some(Some(last)) = joined.last_mut() {
                            last.push(' ');
                            last.push_str(&next);
                        }
                    }
                    other => {
                        joined.push(None);
                        joined.extend(other);
                    }
                }
            }
            _ => joined.push(atom),
        }
    }
    joined
}

/// `text` broken into lines of at most `width` display columns: the first line starts with
/// `first`, the others with `indent` (both assumed narrower than `width`). Lines break at
/// spaces and between Chinese characters; a piece wider than a whole line is cut anywhere.
pub fn wrap(text: &str, width: usize, first: &str, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut used = first.width();
    // Columns of the line's own text (past its indent).
    let mut filled = 0;
    let mut space = false;
    for atom in atoms(text) {
        let Some(atom) = atom else {
            space = filled > 0;
            continue;
        };
        let gap = usize::from(space);
        let w = atom.width();
        if used + gap + w <= width {
            if space {
                line.push(' ');
            }
            line.push_str(&atom);
            used += gap + w;
            filled += gap + w;
        } else {
            if filled > 0 {
                lines.push(std::mem::replace(&mut line, indent.to_string()));
                used = indent.width();
                filled = 0;
            }
            // A piece longer than a line: cut it where the line ends.
            for c in atom.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width && filled > 0 {
                    lines.push(std::mem::replace(&mut line, indent.to_string()));
                    used = indent.width();
                    filled = 0;
                }
                line.push(c);
                used += cw;
                filled += cw;
            }
        }
        space = false;
    }
    lines.push(line);
    lines
}

/// `items` joined by `sep` in lines of at most `width` display columns (the first starting
/// with `first`, the others with `indent`), breaking only between items (the separator is left
/// out at a break); an item wider than a line is wrapped as prose.
pub fn wrap_items<S: AsRef<str>>(
    items: &[S],
    sep: &str,
    first: &str,
    indent: &str,
    width: usize,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for item in items {
        let item = item.as_ref();
        let joined = if empty {
            item.width()
        } else {
            sep.width() + item.width()
        };
        if line.width() + joined <= width {
            if !empty {
                line.push_str(sep);
            }
            line.push_str(item);
            empty = false;
            continue;
        }
        if !empty {
            lines.push(std::mem::replace(&mut line, indent.to_string()));
        }
        if line.width() + item.width() <= width {
            line.push_str(item);
        } else {
            let start = std::mem::take(&mut line);
            let mut wrapped = wrap(item, width, &start, indent);
            line = wrapped.pop().unwrap_or_default();
            lines.extend(wrapped);
        }
        empty = false;
    }
    lines.push(line);
    lines
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

    #[test]
    fn prose_breaks_at_spaces_and_between_chinese_characters_not_before_punctuation() {
        assert_eq!(
            wrap("the quick brown fox", 10, "", "  "),
            ["the quick", "  brown", "  fox"]
        );
        // 国产大模型 is ten columns; the comma stays with 型, the bracket with 专.
        assert_eq!(
            wrap("国产大模型,需要(专用)芯片", 12, "", ""),
            ["国产大模型,", "需要(专用)芯", "片"]
        );
        // A word longer than a line is cut where the line ends.
        assert_eq!(wrap("abcdefghij", 4, "", ""), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10, "> ", ""), ["> "]);
        // Never on either side of a lone `=`.
        assert_eq!(
            wrap("for n = 104 units, k = 6", 12, "", ""),
            ["for n = 104", "units, k = 6"]
        );
        assert_eq!(wrap("abc n = 1", 6, "", ""), ["abc", "n = 1"]);
    }

    #[test]
    fn lists_break_between_items_and_drop_the_separator_there() {
        let items = ["应用", "场景", "行业", "成本"];
        assert_eq!(
            wrap_items(&items, " · ", "terms ", "      ", 20),
            ["terms 应用 · 场景", "      行业 · 成本"]
        );
        // An item wider than a line wraps as prose.
        assert_eq!(
            wrap_items(&["a", "bbbbbbbbbbbbbbb"], " · ", "", "  ", 10),
            ["a", "  bbbbbbbb", "  bbbbbbb"]
        );
    }

    #[test]
    fn auto_width_and_colour_follow_the_terminal() {
        assert_eq!(Width::Auto.columns(None), 80);
        assert_eq!(Width::Auto.columns(Some(132)), 132);
        assert_eq!(Width::Auto.columns(Some(20)), MIN_WIDTH);
        assert_eq!(Width::Fixed(60).columns(Some(132)), 60);
        let set = Some(std::ffi::OsStr::new("1"));
        let empty = Some(std::ffi::OsStr::new(""));
        assert!(Colour::Auto.enabled(true, None));
        assert!(Colour::Auto.enabled(true, empty));
        assert!(!Colour::Auto.enabled(true, set));
        assert!(!Colour::Auto.enabled(false, None));
        assert!(Colour::Always.enabled(false, set));
        assert!(!Colour::Never.enabled(true, None));
        assert_eq!("ALWAYS".parse::<Colour>(), Ok(Colour::Always));
        assert!("sometimes".parse::<Colour>().is_err());
    }

    #[test]
    fn merged_buckets_keep_the_share_of_their_units() {
        let (shares, totals) = merge_buckets(&[1.0, 0.0, 0.5, 0.5, 0.2], &[1, 3, 2, 2, 5], 3);
        assert_eq!(totals, [4, 4, 5]);
        assert_eq!(shares, [0.25, 0.5, 0.2]);
        let (shares, _) = merge_buckets(&[0.1, 0.2], &[1, 1], 5);
        assert_eq!(shares, [0.1, 0.2]);
    }
}
