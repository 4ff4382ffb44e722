//! The HTML report: one self-contained page (inline CSS, inline SVG, a few lines of inline JS;
//! no network, no fonts, no images) that analysts can open in any browser or mail to a colleague.
//!
//! Sections, in reading order: a header (corpus counts, settings, how k was chosen), the theme
//! sizes, a 2-D map of every paragraph, the article × theme heat map, one card per theme (top
//! terms, representative paragraphs, its articles), and the paragraphs left out, collapsed.
//!
//! Every theme has one colour ([`theme_colour`]), set once as the CSS variable `--c` of the
//! class `t{id}` and used by every chart. All text from the corpus goes through [`escape`], in
//! element content and in attributes alike. The output is deterministic: no clock, no
//! randomness, fixed float formatting.

use std::collections::BTreeMap;
use std::fmt::{self, Write};

use crate::analysis::{Analysis, Theme};
use crate::numbers::{count, thousands};
use crate::stages::tfidf::IdfWeighting;
use crate::stages::units::UnitKind;

/// At most this many paragraphs are drawn on the map; past it, a stratified sample of this
/// many ([`map_sample`]): beyond that even small dots merge into one blob.
const MAP_MAX_POINTS: usize = 1500;
/// Every theme keeps at least this many dots in a sampled map (or all it has).
const MAP_MIN_PER_THEME: usize = 12;
/// Past this many dots the map draws smaller, fainter dots so that crowds read as density.
const MAP_DENSE: usize = 400;
/// Theme-number boxes on the map (SVG units; 13 px bold digits in a white halo).
const LABEL_DIGIT_W: f64 = 8.5;
const LABEL_PAD_W: f64 = 6.0;
const LABEL_H: f64 = 16.0;
/// Space kept between two theme-number boxes.
const LABEL_GAP: f64 = 1.0;
/// Rounds of pushing overlapping theme numbers apart before the spiral fallback.
const LABEL_ITERATIONS: usize = 200;
/// Hover text on the map is trimmed to this many characters.
const HOVER_CHARS: usize = 300;
/// At most this many articles are shown in the heat map.
const HEATMAP_MAX_ROWS: usize = 300;
/// At most this many left-out paragraphs are listed.
const DROPPED_MAX_ROWS: usize = 1000;
/// Articles listed per theme.
const THEME_ARTICLES: usize = 12;
/// Theme labels in the size chart and heat-map headers are trimmed to this display width.
const SHORT_LABEL_WIDTH: usize = 28;

/// Map canvas (SVG user units).
const MAP_W: f64 = 640.0;
const MAP_H: f64 = 420.0;
const MAP_PAD: f64 = 14.0;

pub use super::colour::theme_colour;

/// Escapes text for HTML element content and quoted attribute values alike: `&`, `<`, `>`,
/// `"` and `'` become entities, and control characters (other than tab and line breaks), which
/// HTML forbids, become spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Renders the analysis as one self-contained HTML page.
pub fn render(a: &Analysis) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let short: std::collections::HashMap<String, String> =
        super::short_ids(a.documents.iter().map(|d| d.id.as_str()))
            .into_iter()
            .map(|(id, short)| (id.to_string(), short.to_string()))
            .collect();
    SHORT_IDS.with(|ids| *ids.borrow_mut() = short);
    let records = super::record_ids(a)
        .into_iter()
        .map(str::to_string)
        .collect();
    RECORDS.with(|r| *r.borrow_mut() = records);
    // `write!` to a String cannot fail.
    let _ = write_page(a, &mut out);
    SHORT_IDS.with(|ids| ids.borrow_mut().clear());
    RECORDS.with(|r| r.borrow_mut().clear());
    out
}

/// Words for what one unit is.
struct Words {
    one: &'static str,
    many: &'static str,
}

fn words(a: &Analysis) -> Words {
    match a.params.unit {
        UnitKind::Paragraph => Words {
            one: "paragraph",
            many: "paragraphs",
        },
        UnitKind::Document => Words {
            one: "article",
            many: "articles",
        },
    }
}

fn plural(n: usize, w: &Words) -> String {
    count(n, w.one, w.many)
}

fn write_page(a: &Analysis, out: &mut String) -> fmt::Result {
    let title = format!(
        "zhuti · {} in {}",
        count(a.params.k, "theme", "themes"),
        count(a.corpus.documents, "article", "articles")
    );
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-Hans\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"zhuti ");
    out.push_str(env!("CARGO_PKG_VERSION"));
    out.push_str("\">\n");
    writeln!(out, "<title>{}</title>", escape(&title))?;
    out.push_str("<style>\n");
    out.push_str(CSS);
    for theme in &a.themes {
        writeln!(out, ".t{}{{--c:{}}}", theme.id, theme_colour(theme.id))?;
    }
    if a.unassigned.is_some() {
        writeln!(out, ".t0{{--c:{UNASSIGNED_COLOUR}}}")?;
    }
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str(
        "<nav class=\"top\"><b>zhuti 主题</b><a href=\"#overview\">Themes</a>\
         <a href=\"#map\">Map</a><a href=\"#articles\">Articles</a>\
         <a href=\"#themes\">Details</a><a href=\"#dropped\">Left out</a></nav>\n<main>\n",
    );
    write_header(a, out)?;
    // Sizes and map side by side on wide screens, stacked on narrow ones.
    out.push_str("<div class=\"ov\">\n");
    write_overview(a, out)?;
    write_map(a, out)?;
    out.push_str("</div>\n");
    super::timeline_html::write(a, out)?;
    let (rows, pick) = heatmap_rows(&a.documents, HEATMAP_MAX_ROWS);
    write_heatmap(a, &rows, pick, out)?;
    write_themes(a, &rows, out)?;
    write_dropped(a, out)?;
    writeln!(
        out,
        "</main>\n<footer>Made by zhuti {} · schema {} · seed {} · same input and seed give \
         the same page.</footer>",
        env!("CARGO_PKG_VERSION"),
        a.schema_version,
        a.params.seed
    )?;
    out.push_str("<script>\n");
    out.push_str(JS);
    out.push_str("</script>\n</body>\n</html>\n");
    Ok(())
}

/// The colour of the unassigned units (theme 0 in the page's classes): a neutral grey no
/// theme has.
const UNASSIGNED_COLOUR: &str = "#8a9099";

fn write_header(a: &Analysis, out: &mut String) -> fmt::Result {
    let w = words(a);
    let p = &a.params;
    writeln!(out, "<header class=\"head\">")?;
    writeln!(
        out,
        "<h1>{} in {}</h1>",
        count(p.k, "theme", "themes"),
        count(a.corpus.documents, "article", "articles")
    )?;
    writeln!(
        out,
        "<p class=\"lead\">zhuti grouped {} into themes by the words they share \
         (TF-IDF → LSA → k-means). Each theme has one colour throughout this page.</p>",
        plural(a.corpus.units, &w)
    )?;
    if !a.inputs.is_empty() {
        writeln!(
            out,
            "<p class=\"lead\">Read: {} · zhuti {}</p>",
            escape(&super::input_names(&a.inputs).join(" · ")),
            escape(env!("ZHUTI_LONG_VERSION"))
        )?;
    }
    writeln!(out, "<div class=\"stats\">")?;
    let stat = |out: &mut String, n: String, what: &str| {
        writeln!(out, "<div><b>{}</b><span>{}</span></div>", n, escape(what))
    };
    stat(out, thousands(a.corpus.documents), "articles")?;
    stat(
        out,
        thousands(a.corpus.units),
        &format!("{} clustered", w.many),
    )?;
    stat(
        out,
        thousands(a.corpus.dropped),
        &format!("{} left out", w.many),
    )?;
    if let Some(u) = a.unassigned.as_ref().filter(|u| u.size > 0) {
        stat(
            out,
            format!("{:.1}%", u.share * 100.0),
            &format!("unassigned ({})", thousands(u.size)),
        )?;
    }
    stat(out, thousands(p.k), "themes")?;
    stat(out, thousands(a.corpus.terms), "terms")?;
    writeln!(out, "</div>")?;

    writeln!(out, "<div class=\"two\">")?;
    writeln!(
        out,
        "<section id=\"k-why\" class=\"card\"><h2>k and why</h2>"
    )?;
    match &p.k_selection {
        Some(sel) => {
            let fewer = if sel.chosen != p.k {
                format!(
                    " (k = {} was chosen; {} of its themes came out empty)",
                    sel.chosen,
                    sel.chosen.saturating_sub(p.k)
                )
            } else {
                String::new()
            };
            writeln!(
                out,
                "<p><b>k = {}</b>, chosen automatically{fewer}.<br>Why: {}.</p>",
                p.k,
                escape(sel.reason.trim_end_matches('.'))
            )?;
            write_silhouette(a, out)?;
            if sel.candidates.last().is_some_and(|c| c.k == p.k) && sel.candidates.len() > 1 {
                writeln!(
                    out,
                    "<p class=\"note warn\">The best k is the largest one tried ({}): the \
                     silhouette was still rising, so this corpus may split further. Try a \
                     fixed <code>--k</code> to compare.</p>",
                    p.k
                )?;
            }
        }
        None => writeln!(out, "<p><b>k = {}</b>, as asked.</p>", p.k)?,
    }
    if let Some(file) = &p.themes_file {
        let named: Vec<&str> = a.themes.iter().filter_map(|t| t.name.as_deref()).collect();
        writeln!(
            out,
            "<p>Guided by <code>{}</code>: {} kept {}{}; {} discovered.</p>",
            escape(file),
            count(named.len(), "named theme", "named themes"),
            if named.len() == 1 {
                "its name"
            } else {
                "their names"
            },
            if named.is_empty() {
                String::new()
            } else {
                escape(&format!(" ({})", named.join(" · ")))
            },
            a.themes.iter().filter(|t| t.name.is_none()).count()
        )?;
    }
    writeln!(out, "</section>")?;
    writeln!(
        out,
        "<section id=\"settings\" class=\"card\"><h2>Settings</h2><dl>"
    )?;
    let unit = match p.unit {
        UnitKind::Paragraph => "paragraph",
        UnitKind::Document => "document",
    };
    let k_requested = match &p.k_selection {
        Some(_) => "auto".to_string(),
        None => p.k.to_string(),
    };
    let c = &a.coherence;
    let method = std::iter::once(p.method_used.description().to_string())
        .chain(p.method_reason.clone())
        .collect::<Vec<_>>()
        .join(" · ");
    let rows: [(&str, String); 12] = [
        ("unit", unit.to_string()),
        ("method", method),
        ("k asked", k_requested),
        ("seed", p.seed.to_string()),
        (
            "LSA dims",
            format!(
                "{} of {} asked · keep {:.0}% of the variance",
                p.dims_used,
                p.dims,
                p.explained_variance * 100.0
            ),
        ),
        ("top terms", p.top_terms.to_string()),
        (
            "cleaning",
            format!(
                "min {} letters · traditional→simplified {} · duplicates {} · furniture {} \
                 · headings {}",
                p.min_chars,
                on_off(p.t2s),
                if p.dedupe { "removed" } else { "kept" },
                if p.boilerplate { "removed" } else { "kept" },
                on_off(p.headings)
            ),
        ),
        (
            "terms",
            format!(
                "in ≥ {} {} and ≤ {:.0}% of them · idf {}",
                p.min_df,
                w.many,
                p.max_df * 100.0,
                match p.idf {
                    IdfWeighting::Blend => "of the corpus × of Chinese news (jieba)",
                    IdfWeighting::Corpus => "of the corpus",
                }
            ),
        ),
        (
            "phrases",
            match a.phrases.len() {
                0 if p.phrases => "looked for, none found".to_string(),
                0 => format!(
                    "not looked for (--no-phrases, whole articles, units under {} characters \
                     at the median, or named themes)",
                    crate::stages::phrases::MIN_MEDIAN_CHARS
                ),
                n => format!(
                    "{} counted as terms beside their parts: {}",
                    thousands(n),
                    a.phrases
                        .iter()
                        .take(8)
                        .map(|p| p.phrase.as_str())
                        .collect::<Vec<_>>()
                        .join(" · ")
                ),
            },
        ),
        (
            "k-means",
            format!(
                "{} restarts · auto tries k ≤ {}{}",
                p.n_runs,
                p.k_max,
                if p.refine {
                    " · refined on TF-IDF"
                } else {
                    ""
                }
            ),
        ),
        (
            "coherence",
            format!(
                "mean NPMI {:.3} of each theme's top {} terms ({}s as windows) · topic \
                 diversity {:.2} of the top 10, {:.2} of the top 25",
                finite(c.mean_npmi),
                c.top_n,
                c.window,
                finite(c.diversity_top10),
                finite(c.diversity_top25)
            ),
        ),
        ("schema", a.schema_version.to_string()),
    ];
    for (k, v) in rows {
        writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(&v))?;
    }
    writeln!(out, "</dl></section>\n</div>\n</header>")
}

/// One quoted paragraph of a list (`<ol class="reps">`): its text, where it is, `note` (a
/// leading ` · …`, or empty) and its similarity.
fn write_quoted(out: &mut String, r: &crate::analysis::Representative, note: &str) -> fmt::Result {
    writeln!(
        out,
        "<li><blockquote>{}</blockquote><cite>{}{note} · similarity {:.2}</cite></li>",
        escape(&r.text),
        escape(&place(&r.doc, r.line, r.part, Some(r.paragraph))),
        r.score
    )
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// Silhouette by candidate k, the chosen k highlighted.
/// `text` with its first letter upper-cased.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn write_silhouette(a: &Analysis, out: &mut String) -> fmt::Result {
    let Some(sel) = &a.params.k_selection else {
        return Ok(());
    };
    if sel.candidates.is_empty() {
        return Ok(());
    }
    let (w, h) = (360.0, 150.0);
    let (left, right, top, bottom) = (6.0, 6.0, 18.0, 20.0);
    let vals: Vec<f64> = sel
        .candidates
        .iter()
        .map(|c| finite(c.silhouette))
        .collect();
    let hi = vals.iter().copied().fold(0.0f64, f64::max);
    let lo = vals.iter().copied().fold(0.0f64, f64::min);
    let span = (hi - lo).max(1e-9);
    let y_of = |v: f64| top + (hi - v) / span * (h - top - bottom);
    let n = sel.candidates.len() as f64;
    let slot = (w - left - right) / n;
    let bar = (slot * 0.72).max(1.0);
    writeln!(
        out,
        "<svg id=\"k-silhouette\" class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-label=\"Silhouette by k\">"
    )?;
    writeln!(
        out,
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"axis\"/>",
        w - right,
        y_of(0.0),
        y_of(0.0)
    )?;
    for (i, (c, &v)) in sel.candidates.iter().zip(&vals).enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let (y0, y1) = (y_of(v.max(0.0)), y_of(v.min(0.0)));
        let chosen = c.k == a.params.k;
        writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y0:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" class=\"{}\">\
             <title>k = {}: silhouette {:.3}</title></rect>",
            (y1 - y0).max(0.5),
            if chosen { "best" } else { "cand" },
            c.k,
            v
        )?;
        let cx = x + bar / 2.0;
        // Label every k when there is room, otherwise every other one and the chosen one.
        if chosen || n <= 20.0 || i % 2 == 0 {
            writeln!(
                out,
                "<text x=\"{cx:.1}\" y=\"{}\" class=\"tick{}\">{}</text>",
                h - 6.0,
                if chosen { " on" } else { "" },
                c.k
            )?;
        }
        if chosen {
            writeln!(
                out,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" class=\"tick on\">{:.3}</text>",
                (y0 - 5.0).max(10.0),
                v
            )?;
        }
    }
    writeln!(out, "</svg>")?;
    writeln!(
        out,
        "<p class=\"note\">{} of each k tried, on {} {}: higher means themes that are \
         tighter and further apart.</p>",
        escape(&capitalized(&sel.method)),
        sel.sample_size,
        words(a).many
    )
}

fn finite(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

/// One row of an HTML bar chart (label, bar, value), coloured by `class`.
fn bar_row(
    out: &mut String,
    href: Option<&str>,
    class: &str,
    label: &str,
    hover: &str,
    fraction: f64,
    value: &str,
) -> fmt::Result {
    let (open, close) = match href {
        Some(h) => (
            format!("<a class=\"row {class}\" href=\"{}\"", escape(h)),
            "</a>",
        ),
        None => (format!("<div class=\"row {class}\""), "</div>"),
    };
    writeln!(
        out,
        "{open} title=\"{}\"><span class=\"lbl\">{}</span><span class=\"track\">\
         <span class=\"fill\" style=\"width:{:.1}%\"></span></span><span class=\"val\">{}</span>{close}",
        escape(hover),
        escape(label),
        (finite(fraction) * 100.0).clamp(0.0, 100.0),
        escape(value)
    )
}

fn write_overview(a: &Analysis, out: &mut String) -> fmt::Result {
    let w = words(a);
    writeln!(
        out,
        "<section id=\"overview\" class=\"card\"><h2>Themes by size</h2>\
         <p class=\"note\">{} per theme; click a theme to read it.</p>",
        capitalise(w.many)
    )?;
    writeln!(
        out,
        "<div id=\"theme-sizes\" class=\"bars sizes\" role=\"img\" aria-label=\"Theme sizes\">"
    )?;
    let max = a.themes.iter().map(|t| t.size).max().unwrap_or(1).max(1) as f64;
    for t in &a.themes {
        bar_row(
            out,
            Some(&format!("#theme-{}", t.id)),
            &format!("t{}", t.id),
            &format!("T{} {}", t.id, short_label(t)),
            &hover_label(t),
            t.size as f64 / max,
            &format!("{} · {:.1}%", thousands(t.size), t.share * 100.0),
        )?;
    }
    if let Some(u) = a.unassigned.as_ref().filter(|u| u.size > 0) {
        bar_row(
            out,
            Some("#unassigned"),
            "t0",
            "unassigned",
            "Units that fit no theme well, in no theme's size",
            u.size as f64 / max,
            &format!("{} · {:.1}%", thousands(u.size), u.share * 100.0),
        )?;
    }
    writeln!(out, "</div></section>")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// What a theme is called: its guided name (`--themes`) when it kept one, else its top terms.
fn display_name(t: &Theme) -> &str {
    t.name.as_deref().unwrap_or(&t.label)
}

/// The full description for tooltips: `Theme 3: name · label`.
fn hover_label(t: &Theme) -> String {
    match &t.name {
        Some(name) => format!("Theme {}: {name} · {}", t.id, t.label),
        None => format!("Theme {}: {}", t.id, t.label),
    }
}

fn short_label(t: &Theme) -> String {
    crate::report::text::trim_to(display_name(t), SHORT_LABEL_WIDTH)
}

fn write_map(a: &Analysis, out: &mut String) -> fmt::Result {
    let w = words(a);
    writeln!(
        out,
        "<section id=\"map\" class=\"card\"><h2>Map of the {}</h2>",
        w.many
    )?;
    let n = a.units.len().min(a.map.len());
    // The unassigned units (theme 0 here) are sampled as a group of their own.
    let themes_of: Vec<usize> = a.units[..n].iter().map(|u| u.theme.unwrap_or(0)).collect();
    let shown = map_sample(&themes_of, MAP_MAX_POINTS, MAP_MIN_PER_THEME, a.params.seed);
    let m = shown.len();
    writeln!(
        out,
        "<p class=\"note\">Each dot is one {}, placed by the first two principal directions \
         of its LSA vector: dots close together use similar words. Hover over or tap a dot to \
         read it; hover over or tap a theme below to pick it out. The axes are compressed away \
         from the middle so the crowd stays readable.{}</p>",
        w.one,
        if m < n {
            format!(
                " <span id=\"map-sample\">Showing {} of {} {}: a sample of each theme in \
                 proportion to its size (at least {} each), the same on every run; each theme's \
                 number sits at the middle of all its {}.</span>",
                thousands(m),
                thousands(n),
                w.many,
                MAP_MIN_PER_THEME,
                w.many
            )
        } else {
            String::new()
        }
    )?;
    // Placed from every unit, drawn or not, so a sample sits exactly where the whole would.
    let xs = compress(&a.map[..n].iter().map(|p| p[0]).collect::<Vec<_>>());
    let ys = compress(&a.map[..n].iter().map(|p| p[1]).collect::<Vec<_>>());
    let sx = fit_to(&xs, MAP_PAD, MAP_W - MAP_PAD, false);
    let sy = fit_to(&ys, MAP_PAD, MAP_H - MAP_PAD, true);
    // Past a few hundred dots they get smaller and fainter, so crowds read as density.
    let dense = m > MAP_DENSE;
    let r = if dense {
        (5.0 * (MAP_DENSE as f64 / m as f64).sqrt()).max(2.5)
    } else {
        5.0
    };
    writeln!(
        out,
        "<svg id=\"paragraph-map\" class=\"chart map{}\" viewBox=\"0 0 {MAP_W} {MAP_H}\" \
         role=\"img\" aria-label=\"Map of the {} coloured by theme\">",
        if dense { " dense" } else { "" },
        w.many
    )?;
    writeln!(
        out,
        "<rect class=\"frame\" x=\"0.5\" y=\"0.5\" width=\"{}\" height=\"{}\"/>",
        MAP_W - 1.0,
        MAP_H - 1.0
    )?;
    for &i in &shown {
        let u = &a.units[i];
        let (cx, cy) = (sx(xs[i]), sy(ys[i]));
        // Unassigned units are theme 0: grey (UNASSIGNED_COLOUR), with a legend chip.
        let (class, name) = match u.theme {
            Some(t) => (format!("t{t}"), format!("T{t}")),
            None => ("t0".to_string(), "unassigned".to_string()),
        };
        writeln!(
            out,
            "<circle class=\"{class}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{r:.1}\"><title>{name} · {}\n{}</title></circle>",
            escape(&place(&u.doc, u.line, u.part, Some(u.paragraph))),
            escape(&trim_chars(&u.text, HOVER_CHARS))
        )?;
    }
    // Each theme's number at the middle (coordinate-wise median) of all its units, then
    // pushed apart from the others so none hides another.
    let mut points: BTreeMap<usize, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for i in 0..n {
        let Some(theme) = a.units[i].theme else {
            continue;
        };
        let p = points.entry(theme).or_default();
        p.0.push(sx(xs[i]));
        p.1.push(sy(ys[i]));
    }
    let anchors: Vec<(usize, f64, f64)> = points
        .into_iter()
        .map(|(theme, (mut px, mut py))| (theme, median_of(&mut px), median_of(&mut py)))
        .collect();
    let boxes: Vec<(f64, f64)> = anchors.iter().map(|&(t, _, _)| label_size(t)).collect();
    let centres: Vec<(f64, f64)> = anchors.iter().map(|&(_, x, y)| (x, y)).collect();
    let placed = place_labels(&centres, &boxes, (0.0, 0.0, MAP_W, MAP_H));
    for (&(theme, ax, ay), &(x, y)) in anchors.iter().zip(&placed) {
        if (x - ax).hypot(y - ay) > LABEL_H {
            writeln!(
                out,
                "<line class=\"lead\" x1=\"{ax:.1}\" y1=\"{ay:.1}\" x2=\"{x:.1}\" y2=\"{y:.1}\"/>"
            )?;
        }
        writeln!(
            out,
            "<text class=\"centre t{theme}\" x=\"{x:.1}\" y=\"{:.1}\">{theme}</text>",
            y + 4.5
        )?;
    }
    writeln!(out, "</svg>")?;
    writeln!(
        out,
        "<p id=\"map-detail\" class=\"detail\" aria-live=\"polite\">Hover over or tap a dot.</p>"
    )?;
    writeln!(out, "<div id=\"map-legend\" class=\"legend\">")?;
    for t in &a.themes {
        writeln!(
            out,
            "<button type=\"button\" class=\"chip t{}\" data-t=\"{}\" title=\"{}\"><i></i>T{} {}</button>",
            t.id,
            t.id,
            escape(&hover_label(t)),
            t.id,
            escape(&short_label(t))
        )?;
    }
    if a.units[..n].iter().any(|u| u.theme.is_none()) {
        writeln!(
            out,
            "<button type=\"button\" class=\"chip t0\" data-t=\"0\" title=\"Units that fit no \
             theme well\"><i></i>unassigned</button>"
        )?;
    }
    writeln!(out, "</div></section>")
}

/// Which units the map draws (indices, in corpus order), given each unit's theme: all of them
/// up to `max`; past that a stratified sample of exactly `max` — each theme keeps a share in
/// proportion to its size (largest remainders, ties to the lower theme id) after a floor of
/// `min_each` (or all it has) — and within a theme the units with the smallest seeded hash of
/// their position. No RNG state and no threads: the same input and seed draw the same dots.
fn map_sample(themes: &[usize], max: usize, min_each: usize, seed: u64) -> Vec<usize> {
    let n = themes.len();
    if n <= max {
        return (0..n).collect();
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &t) in themes.iter().enumerate() {
        groups.entry(t).or_default().push(i);
    }
    // The floor, lowered when the themes are too many for it.
    let floor = min_each.min(max / groups.len().max(1));
    let base: Vec<usize> = groups.values().map(|g| g.len().min(floor)).collect();
    let budget = max - base.iter().sum::<usize>();
    let extra: Vec<usize> = groups
        .values()
        .zip(&base)
        .map(|(g, b)| g.len() - b)
        .collect();
    let pool: usize = extra.iter().sum();
    let mut quota: Vec<usize> = base.clone();
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(extra.len());
    let mut given = 0;
    for (j, &e) in extra.iter().enumerate() {
        let exact = budget as u128 * e as u128;
        let whole = (exact / pool.max(1) as u128) as usize;
        quota[j] += whole;
        given += whole;
        remainders.push((exact % pool.max(1) as u128, j));
    }
    remainders.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    for &(_, j) in remainders.iter().take(budget - given) {
        quota[j] += 1;
    }
    let mut shown: Vec<usize> = Vec::with_capacity(max);
    for (g, &q) in groups.values().zip(&quota) {
        let mut ranked: Vec<(u64, usize)> = g
            .iter()
            .map(|&i| (mix64(seed ^ mix64(i as u64)), i))
            .collect();
        ranked.sort_unstable();
        shown.extend(ranked.iter().take(q).map(|&(_, i)| i));
    }
    shown.sort_unstable();
    shown
}

/// SplitMix64's finaliser: a well-spread 64-bit hash of `x`.
fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The median of `v` (reordered), 0 when empty.
fn median_of(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    }
}

/// The box a theme number takes on the map (width, height in SVG units), its white halo
/// included.
fn label_size(theme: usize) -> (f64, f64) {
    let digits = theme.to_string().len() as f64;
    (LABEL_DIGIT_W * digits + LABEL_PAD_W, LABEL_H)
}

/// Centres for label boxes of `sizes` that start at `anchors`, with no two boxes overlapping
/// and every box inside `bounds` (x0, y0, x1, y1). Hand-written because it is small and must be
/// deterministic: up to [`LABEL_ITERATIONS`] rounds in which each overlapping pair is pushed
/// apart, half each, along the axis where they overlap least (exact ties: the earlier label
/// goes left or up); then any label still overlapping an earlier one moves to the nearest free
/// spot on a spiral round its anchor. Only when the plot has no room left can two overlap.
fn place_labels(
    anchors: &[(f64, f64)],
    sizes: &[(f64, f64)],
    bounds: (f64, f64, f64, f64),
) -> Vec<(f64, f64)> {
    let (x0, y0, x1, y1) = bounds;
    let clamp = |(x, y): (f64, f64), (w, h): (f64, f64)| -> (f64, f64) {
        let (lx, hx) = (x0 + w / 2.0 + 1.0, x1 - w / 2.0 - 1.0);
        let (ly, hy) = (y0 + h / 2.0 + 1.0, y1 - h / 2.0 - 1.0);
        let x = if x.is_finite() { x } else { (x0 + x1) / 2.0 };
        let y = if y.is_finite() { y } else { (y0 + y1) / 2.0 };
        (x.clamp(lx, hx.max(lx)), y.clamp(ly, hy.max(ly)))
    };
    let overlap = |a: (f64, f64), sa: (f64, f64), b: (f64, f64), sb: (f64, f64)| {
        (
            (sa.0 + sb.0) / 2.0 + LABEL_GAP - (a.0 - b.0).abs(),
            (sa.1 + sb.1) / 2.0 + LABEL_GAP - (a.1 - b.1).abs(),
        )
    };
    let mut at: Vec<(f64, f64)> = anchors
        .iter()
        .zip(sizes)
        .map(|(&p, &s)| clamp(p, s))
        .collect();
    for _ in 0..LABEL_ITERATIONS {
        let mut moved = false;
        for i in 0..at.len() {
            for j in i + 1..at.len() {
                let (ox, oy) = overlap(at[i], sizes[i], at[j], sizes[j]);
                if ox <= 0.0 || oy <= 0.0 {
                    continue;
                }
                moved = true;
                if ox < oy {
                    let s = if at[i].0 > at[j].0 { 1.0 } else { -1.0 };
                    at[i].0 += s * ox / 2.0;
                    at[j].0 -= s * ox / 2.0;
                } else {
                    let s = if at[i].1 > at[j].1 { 1.0 } else { -1.0 };
                    at[i].1 += s * oy / 2.0;
                    at[j].1 -= s * oy / 2.0;
                }
            }
        }
        for (p, &s) in at.iter_mut().zip(sizes) {
            *p = clamp(*p, s);
        }
        if !moved {
            break;
        }
    }
    let clashes = |at: &[(f64, f64)], i: usize, p: (f64, f64)| {
        (0..i).any(|j| {
            let (ox, oy) = overlap(p, sizes[i], at[j], sizes[j]);
            ox > 0.0 && oy > 0.0
        })
    };
    let reach = (x1 - x0).hypot(y1 - y0);
    for i in 0..at.len() {
        if !clashes(&at, i, at[i]) {
            continue;
        }
        let start = at[i];
        let mut radius = 4.0;
        'search: while radius < reach {
            for step in 0..24 {
                let angle = step as f64 * std::f64::consts::TAU / 24.0;
                let p = clamp(
                    (
                        start.0 + radius * angle.cos(),
                        start.1 + radius * angle.sin(),
                    ),
                    sizes[i],
                );
                if !clashes(&at, i, p) {
                    at[i] = p;
                    break 'search;
                }
            }
            radius += 4.0;
        }
    }
    at
}

/// Which articles the heat map lists when it cannot list them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HeatPick {
    /// Chosen for having the most units.
    largest: usize,
    /// Chosen for the most mixed theme mix (highest entropy), among the rest.
    mixed: usize,
    /// The next largest, when too few of the rest mix themes at all.
    fill: usize,
}

/// The entropy (nats) of an article's theme mix: 0 for one theme, ln k for k even ones.
fn mix_entropy(d: &crate::analysis::Document) -> f64 {
    -d.theme_mix
        .iter()
        .map(|m| finite(m.share))
        .filter(|&s| s > 0.0)
        .map(|s| s * s.ln())
        .sum::<f64>()
}

/// The articles the heat map lists (indices into `docs`, in corpus order): all of them up to
/// `max`; past that the most informative ones — half the rows for the articles with the most
/// units (none when all have the same number), the others for the most mixed of the rest
/// (highest entropy of their theme mix, then more units), any rows still free for the next
/// largest — or, when sizes are all the same, for each main theme's articles in turn. Ties go to the smaller id, then the earlier article, so the choice is the same on
/// every run.
fn heatmap_rows(docs: &[crate::analysis::Document], max: usize) -> (Vec<usize>, Option<HeatPick>) {
    if docs.len() <= max {
        return ((0..docs.len()).collect(), None);
    }
    let by_size = |x: &usize, y: &usize| {
        docs[*y]
            .units
            .cmp(&docs[*x].units)
            .then_with(|| docs[*x].id.cmp(&docs[*y].id))
            .then(x.cmp(y))
    };
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by(by_size);
    let same = same_size(docs);
    let largest = if same { 0 } else { max / 2 };
    let mut chosen = vec![false; docs.len()];
    for &i in &order[..largest] {
        chosen[i] = true;
    }
    let entropy: Vec<f64> = docs.iter().map(mix_entropy).collect();
    let mut mixed: Vec<usize> = (0..docs.len())
        .filter(|&i| !chosen[i] && entropy[i] > 1e-9)
        .collect();
    mixed.sort_by(|x, y| {
        entropy[*y]
            .total_cmp(&entropy[*x])
            .then_with(|| by_size(x, y))
    });
    mixed.truncate(max - largest);
    for &i in &mixed {
        chosen[i] = true;
    }
    let fill = max - largest - mixed.len();
    let rest: Vec<usize> = if same {
        // Sizes tell nothing: take the rest from each main theme in turn, so every theme
        // keeps rows.
        let mut by_theme: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut empty = Vec::new();
        for &i in order.iter().filter(|&&i| !chosen[i]) {
            match docs[i].theme_mix.first() {
                Some(m) if docs[i].units > 0 => by_theme.entry(m.theme).or_default().push(i),
                _ => empty.push(i),
            }
        }
        let longest = by_theme.values().map(Vec::len).max().unwrap_or(0);
        (0..longest)
            .flat_map(|round| by_theme.values().filter_map(move |g| g.get(round).copied()))
            .chain(empty)
            .take(fill)
            .collect()
    } else {
        order
            .iter()
            .copied()
            .filter(|&i| !chosen[i])
            .take(fill)
            .collect()
    };
    for i in rest {
        chosen[i] = true;
    }
    let rows = (0..docs.len()).filter(|&i| chosen[i]).collect();
    (
        rows,
        Some(HeatPick {
            largest,
            mixed: mixed.len(),
            fill,
        }),
    )
}

/// Whether every article that kept a unit has the same number of them (then size tells
/// none apart).
fn same_size(docs: &[crate::analysis::Document]) -> bool {
    let mut sizes = docs.iter().map(|d| d.units).filter(|&n| n > 0);
    let first = sizes.next();
    sizes.all(|n| Some(n) == first)
}

/// The heat map's caption for a [`HeatPick`] out of `docs`.
fn heat_caption(docs: &[crate::analysis::Document], pick: HeatPick, w: &Words) -> String {
    let shown = thousands(pick.largest + pick.mixed + pick.fill);
    let all = count(docs.len(), "article", "articles");
    let same = same_size(docs);
    let most = docs.iter().map(|d| d.units).max().unwrap_or(0);
    if pick.mixed == 0 && same {
        // Nothing to choose by: say so rather than claim an order.
        return format!(
            " <span id=\"heat-pick\">No article has more than {} or more than one theme, so \
             none stands out: showing {shown} of {all}, taking the smallest ids of each theme \
             in turn.</span>",
            plural(most, w)
        );
    }
    if pick.mixed == 0 {
        return format!(
            " <span id=\"heat-pick\">Showing {shown} of {all}: those with the most {} (none of the \
             others mixes themes), listed in corpus order; ties go to the smaller id.</span>",
            w.many
        );
    }
    let mut parts = Vec::new();
    if pick.largest > 0 {
        parts.push(format!(
            "the {} with the most {}",
            thousands(pick.largest),
            w.many
        ));
    }
    if pick.mixed > 0 {
        parts.push(format!(
            "the {} with the most mixed themes (by the entropy of their theme mix)",
            thousands(pick.mixed)
        ));
    }
    if pick.fill > 0 {
        parts.push(if same {
            format!(
                "the {} with the smallest ids of each theme in turn",
                thousands(pick.fill)
            )
        } else {
            format!("the {} next largest", thousands(pick.fill))
        });
    }
    let last = parts.pop().unwrap_or_default();
    let criteria = if parts.is_empty() {
        last
    } else {
        format!("{} and {last}", parts.join(", "))
    };
    format!(
        " <span id=\"heat-pick\">Showing {shown} of {all}: {criteria}, listed in corpus \
         order; ties go to the smaller id.</span>"
    )
}

fn write_heatmap(
    a: &Analysis,
    rows: &[usize],
    pick: Option<HeatPick>,
    out: &mut String,
) -> fmt::Result {
    let w = words(a);
    writeln!(
        out,
        "<section id=\"articles\" class=\"card\"><h2>Articles × themes</h2>\
         <p class=\"note\">The share of each article's {} that falls in each theme.{}</p>",
        w.many,
        match pick {
            Some(pick) => format!(
                "{} The JSON report (<code>--format json</code>) has them all.",
                heat_caption(&a.documents, pick, &w)
            ),
            None => String::new(),
        }
    )?;
    writeln!(
        out,
        "<div class=\"scroll\"><table id=\"article-theme-heatmap\" class=\"heat\">"
    )?;
    write!(out, "<thead><tr><th class=\"doc\">Article</th>")?;
    for t in &a.themes {
        write!(
            out,
            "<th class=\"th t{}\" title=\"{}\"><a href=\"#theme-{}\"><i></i><span>T{}</span>\
             <span class=\"vl\">{}</span></a></th>",
            t.id,
            escape(&hover_label(t)),
            t.id,
            t.id,
            escape(&crate::report::text::trim_to(display_name(t), 14))
        )?;
    }
    writeln!(out, "</tr></thead><tbody>")?;
    for &i in rows {
        let d = &a.documents[i];
        write!(
            out,
            "<tr id=\"doc-{}\"><th class=\"doc\" title=\"{}\"><span class=\"title\">{}</span>\
             <span class=\"id\">{} · {}</span></th>",
            i + 1,
            escape(&format!("{}\n{}", d.title, d.id)),
            escape(&d.title),
            escape(&short_id(&d.id)),
            plural(d.units, &w)
        )?;
        for t in &a.themes {
            let share = d
                .theme_mix
                .iter()
                .find(|m| m.theme == t.id)
                .map_or(0.0, |m| finite(m.share));
            if share > 0.0 {
                // Opacity from 12% (a trace) to 100% (the whole article).
                let alpha = (0.12 + 0.88 * share.clamp(0.0, 1.0)) * 255.0;
                write!(
                    out,
                    "<td style=\"background:{}{:02x}\"{} title=\"T{}: {:.0}%\">{:.0}</td>",
                    theme_colour(t.id),
                    alpha.round() as u8,
                    if share >= 0.45 { " class=\"dark\"" } else { "" },
                    t.id,
                    share * 100.0,
                    share * 100.0
                )?;
            } else {
                write!(out, "<td class=\"z\"></td>")?;
            }
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</tbody></table></div></section>")
}

/// The theme cards; `listed` (sorted) are the articles the heat map shows, which they link to.
fn write_themes(a: &Analysis, listed: &[usize], out: &mut String) -> fmt::Result {
    let w = words(a);
    let doc_index: BTreeMap<&str, usize> = a
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    writeln!(
        out,
        "<section id=\"themes\"><h2 class=\"out\">Themes in detail</h2>"
    )?;
    for t in &a.themes {
        writeln!(
            out,
            "<article id=\"theme-{}\" class=\"card theme t{}\">\n<header><span class=\"num\">T{}</span>\
             <h3>{}</h3>{}<span class=\"meta\">{} · {:.1}% · NPMI {:.2}</span></header>",
            t.id,
            t.id,
            t.id,
            escape(display_name(t)),
            match (&t.name, t.guided) {
                (Some(_), _) => format!(
                    "<span class=\"sub\">guided · {}</span>",
                    escape(&t.label)
                ),
                (None, true) => "<span class=\"sub\">guided, drifted from its seed</span>".into(),
                (None, false) => String::new(),
            },
            plural(t.size, &w),
            t.share * 100.0,
            finite(t.npmi)
        )?;
        writeln!(out, "<div class=\"cols\"><div><h4>Top terms</h4>")?;
        writeln!(
            out,
            "<div id=\"theme-{}-terms\" class=\"bars terms\" role=\"img\" aria-label=\"Top terms of theme {}\">",
            t.id, t.id
        )?;
        let max = t
            .terms
            .iter()
            .map(|x| finite(x.weight))
            .fold(0.0f64, f64::max);
        for term in &t.terms {
            let weight = finite(term.weight);
            bar_row(
                out,
                None,
                "",
                &term.term,
                &format!("{}: weight {:.4}", term.term, weight),
                if max > 0.0 { weight / max } else { 0.0 },
                &format!("{weight:.3}"),
            )?;
        }
        writeln!(out, "</div></div>")?;
        writeln!(
            out,
            "<div><h4>Representative {}</h4><ol class=\"reps\">",
            w.many
        )?;
        for r in &t.representatives {
            write_quoted(out, r, "")?;
        }
        writeln!(out, "</ol></div></div>")?;
        let mut per_doc: BTreeMap<&str, usize> = BTreeMap::new();
        for unit in a.units.iter().filter(|u| u.theme == Some(t.id)) {
            *per_doc.entry(unit.doc.as_str()).or_default() += 1;
        }
        let mut docs: Vec<(&str, usize)> = per_doc.into_iter().collect();
        docs.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        writeln!(
            out,
            "<h4>In {} {}</h4><ul class=\"docs\">",
            docs.len(),
            if docs.len() == 1 {
                "article"
            } else {
                "articles"
            }
        )?;
        for (doc, count) in docs.iter().take(THEME_ARTICLES) {
            let title = doc_index
                .get(doc)
                .and_then(|&i| a.documents.get(i))
                .map_or(*doc, |d| d.title.as_str());
            let href = match doc_index.get(doc) {
                Some(&i) if listed.binary_search(&i).is_ok() => {
                    format!(" href=\"#doc-{}\"", i + 1)
                }
                _ => String::new(),
            };
            writeln!(
                out,
                "<li><a{href} title=\"{}\">{}</a><span>{count}</span></li>",
                escape(doc),
                escape(&crate::report::text::trim_to(title, 40))
            )?;
        }
        if docs.len() > THEME_ARTICLES {
            writeln!(
                out,
                "<li class=\"more\">and {} more</li>",
                docs.len() - THEME_ARTICLES
            )?;
        }
        writeln!(
            out,
            "</ul>\n<a class=\"up\" href=\"#overview\">↑ all themes</a>\n</article>"
        )?;
    }
    if let Some(u) = a.unassigned.as_ref().filter(|u| u.size > 0) {
        write_unassigned(a, u, out)?;
    }
    writeln!(out, "</section>")
}

/// The unassigned group's card, after the themes: size, share, the rule and the units
/// furthest from every theme, each with the theme it is nearest.
fn write_unassigned(
    a: &Analysis,
    u: &crate::analysis::Unassigned,
    out: &mut String,
) -> fmt::Result {
    let w = words(a);
    writeln!(
        out,
        "<article id=\"unassigned\" class=\"card theme t0\">\n<header><span class=\"num\">–</span>\
         <h3>Unassigned</h3><span class=\"meta\">{} · {:.1}%</span></header>",
        plural(u.size, &w),
        u.share * 100.0
    )?;
    writeln!(
        out,
        "<p class=\"note\">These {} fit even their nearest theme worse than all but {}% of \
         its {} do (by LSA score or by TF-IDF similarity, the rule <code>zhuti assign</code> \
         marks new ones <code>novel</code> with), so they count in no theme's size. \
         <code>--no-outliers</code> puts each in its nearest theme.</p>",
        w.many,
        crate::model::NOVELTY_QUANTILE * 100.0,
        w.many
    )?;
    writeln!(out, "<h4>Furthest from every theme</h4><ol class=\"reps\">")?;
    for r in &u.examples {
        let nearest = a
            .units
            .iter()
            .find(|x| x.doc == r.doc && x.line == r.line && x.part == r.part)
            .and_then(|x| x.nearest)
            .map_or(String::new(), |t| format!(" · nearest T{t}"));
        write_quoted(out, r, &nearest)?;
    }
    writeln!(
        out,
        "</ol>\n<a class=\"up\" href=\"#overview\">↑ all themes</a>\n</article>"
    )
}

/// What each drop reason means, for readers checking the cleaning.
fn reason_note(reason: &str, a: &Analysis) -> String {
    match reason {
        "short" => format!("fewer than {} letters", a.params.min_chars),
        "boilerplate" => "page furniture: copyright lines, tickers, bylines, navigation".into(),
        "duplicate" => "the same text was kept elsewhere".into(),
        "no_terms" => "no word left after stop words and the vocabulary limits".into(),
        _ => String::new(),
    }
}

fn write_dropped(a: &Analysis, out: &mut String) -> fmt::Result {
    let w = words(a);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &a.dropped {
        *counts.entry(d.reason.as_str()).or_default() += 1;
    }
    let summary: Vec<String> = counts.iter().map(|(r, c)| format!("{c} {r}")).collect();
    writeln!(
        out,
        "<section id=\"dropped\" class=\"card\"><h2>Left out</h2><details><summary>{} left out \
         of clustering{}</summary>",
        plural(a.dropped.len(), &w),
        if summary.is_empty() {
            String::new()
        } else {
            escape(&format!(": {}", summary.join(", ")))
        }
    )?;
    if !counts.is_empty() {
        writeln!(out, "<dl class=\"reasons\">")?;
        for reason in counts.keys() {
            writeln!(
                out,
                "<dt>{}</dt><dd>{}</dd>",
                escape(reason),
                escape(&reason_note(reason, a))
            )?;
        }
        writeln!(out, "</dl>")?;
    }
    writeln!(
        out,
        "<div class=\"scroll\"><table class=\"dropped\"><thead><tr><th>Where</th><th>Reason</th>\
         <th>Text</th></tr></thead><tbody>"
    )?;
    for d in a.dropped.iter().take(DROPPED_MAX_ROWS) {
        let twin = match &d.duplicate_of {
            Some(loc) => format!(
                "<br><small>same as {}:{}</small>",
                escape(&short_id(&loc.doc)),
                loc.line
            ),
            None => String::new(),
        };
        writeln!(
            out,
            "<tr><td class=\"where\" title=\"{}\">{}</td><td><span class=\"reason\">{}</span>{twin}</td><td>{}</td></tr>",
            escape(&d.doc),
            escape(&place(&d.doc, d.line, d.part, d.paragraph)),
            escape(&d.reason),
            escape(&d.text)
        )?;
    }
    writeln!(out, "</tbody></table></div>")?;
    if a.dropped.len() > DROPPED_MAX_ROWS {
        writeln!(
            out,
            "<p class=\"note\">… and {} more; the JSON report lists them all.</p>",
            thousands(a.dropped.len() - DROPPED_MAX_ROWS)
        )?;
    }
    writeln!(out, "</details></section>")
}

/// Spreads a crowded axis: centres values on their median and applies `asinh` in units of the
/// median absolute deviation, so the dense middle keeps its detail while outliers are pulled
/// in (order and neighbourhoods are kept). Non-finite values count as the median.
fn compress(values: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let med = median_of(&mut sorted);
    let mut dev: Vec<f64> = sorted.iter().map(|x| (x - med).abs()).collect();
    let mad = median_of(&mut dev);
    let scale = if mad > 1e-12 {
        mad * 2.0
    } else {
        dev.iter().copied().fold(0.0, f64::max).max(1e-12)
    };
    values
        .iter()
        .map(|&x| {
            if x.is_finite() {
                ((x - med) / scale).asinh()
            } else {
                0.0
            }
        })
        .collect()
}

/// A function mapping `values`' range onto `lo..hi` (reversed for screen y); a flat range maps
/// to the middle.
fn fit_to(values: &[f64], lo: f64, hi: f64, flip: bool) -> impl Fn(f64) -> f64 {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = max - min;
    // Also true for an empty or non-finite range (NaN span).
    let flat = span.is_nan() || span <= 1e-12;
    move |v: f64| {
        if flat {
            return (lo + hi) / 2.0;
        }
        let t = (v - min) / span;
        if flip {
            hi - t * (hi - lo)
        } else {
            lo + t * (hi - lo)
        }
    }
}

/// Where a paragraph comes from: `file.txt:12`, or `file.txt:12 (part 2)` for a piece of a
/// long paragraph split at sentence ends, and `id ¶3` for a record's third paragraph.
fn place(doc: &str, line: usize, part: Option<usize>, paragraph: Option<usize>) -> String {
    let record = RECORDS.with(|r| r.borrow().contains(doc));
    format!(
        "{}{}",
        short_id(doc),
        super::location_suffix(record, line, part, paragraph)
    )
}

thread_local! {
    /// The short ids of the page being rendered ([`super::short_ids`]), set by [`render`].
    static SHORT_IDS: std::cell::RefCell<std::collections::HashMap<String, String>> =
        Default::default();
    /// The ids of the page's records ([`super::record_ids`]), set by [`render`].
    static RECORDS: std::cell::RefCell<std::collections::HashSet<String>> = Default::default();
}

/// An article id as the page shows it: its last path components, as many as keep it apart
/// from the other ids (`seeds/000_x.txt` → `000_x.txt`, but `finance/008` and `sports/008`).
fn short_id(id: &str) -> String {
    SHORT_IDS
        .with(|ids| ids.borrow().get(id).cloned())
        .unwrap_or_else(|| id.rsplit(['/', '\\']).next().unwrap_or(id).to_string())
}

/// At most `max` characters of `text`, ending in `…` when cut.
fn trim_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

const CSS: &str = r#":root{--ink:#1d232b;--mut:#5f6b78;--line:#e3e7ec;--bg:#f5f7f9;--card:#fff;--acc:#c2410c;
font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","Noto Sans SC","WenQuanYi Micro Hei",sans-serif;
color:var(--ink);background:var(--bg);line-height:1.55;-webkit-text-size-adjust:100%}
*{box-sizing:border-box}
body{margin:0;overflow-wrap:anywhere}
a{color:inherit}
code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.9em}
nav.top{position:sticky;top:0;z-index:5;display:flex;gap:1.1em;align-items:center;overflow-x:auto;white-space:nowrap;
padding:.55em 1.2em;background:#1d232bf2;color:#fff;font-size:.92em}
nav.top a{color:#d6dde5;text-decoration:none}
nav.top a:hover{color:#fff}
main{max-width:1120px;margin:0 auto;padding:1.2em}
h1{font-size:1.75em;margin:.2em 0 .1em;line-height:1.25}
h2{font-size:1.15em;margin:0 0 .5em}
h2.out{margin:1.6em 0 .6em}
h3{font-size:1.2em;margin:0}
h4{font-size:.82em;text-transform:uppercase;letter-spacing:.05em;color:var(--mut);margin:.9em 0 .45em}
.lead{color:var(--mut);margin:.2em 0 1em}
.note{color:var(--mut);font-size:.88em;margin:.3em 0 .7em}
.note.warn{color:#8a4b00;background:#fff7e6;border-radius:6px;padding:.4em .7em}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1em 1.2em;margin:0 0 1.1em}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:.7em;margin:0 0 1.1em}
.stats div{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.6em .9em}
.stats b{display:block;font-size:1.6em;line-height:1.2}
.stats span{color:var(--mut);font-size:.85em}
.two{display:grid;grid-template-columns:1.1fr 1fr;gap:1.1em;margin:0 0 1.1em}
.two .card{margin:0}
.ov{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:1.1em;align-items:start;margin:0 0 1.1em}
.ov>.card{margin:0}
@media (max-width:1000px){.ov{grid-template-columns:1fr}}
#k-why p{margin:.2em 0 .6em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25em .9em;margin:0;font-size:.92em}
dt{color:var(--mut)}
dd{margin:0}
svg.chart{display:block;width:100%;height:auto}
#k-silhouette{max-width:520px}
#k-silhouette .cand{fill:#b8c2cc}
#k-silhouette .best{fill:var(--acc)}
#k-silhouette .axis{stroke:#9aa5b1;stroke-width:1}
#k-silhouette .tick{font-size:10px;fill:var(--mut);text-anchor:middle}
#k-silhouette .tick.on{fill:var(--acc);font-weight:700}
.bars{display:grid;gap:3px}
.bars .row{display:grid;grid-template-columns:minmax(6em,11em) 1fr 5em;gap:.6em;align-items:center;text-decoration:none;
padding:1px 4px;border-radius:5px;font-size:.9em;line-height:1.45}
.bars.terms .row{grid-template-columns:minmax(4em,7em) 1fr 3.2em}
.bars a.row:hover{background:#eef2f6}
.bars .lbl{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bars .track{height:12px;background:#eef1f4;border-radius:3px;overflow:hidden}
.bars .fill{display:block;height:100%;background:var(--c,#7b8794);border-radius:3px}
.bars.terms .fill{background:var(--tc)}
.bars .val{color:var(--mut);font-size:.85em;text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.sizes .lbl::before{content:"";display:inline-block;width:.7em;height:.7em;border-radius:2px;background:var(--c);margin-right:.4em}
.map circle{fill:var(--c);fill-opacity:.82;stroke:#fff;stroke-width:1;cursor:pointer;transition:opacity .15s}
.map circle:hover{stroke:#1d232b;stroke-width:2}
.map.focus circle{opacity:.12}
.map.focus circle.on{opacity:1}
.map .frame{fill:#fbfcfd;stroke:var(--line)}
.map .centre{font-size:13px;font-weight:700;text-anchor:middle;fill:#1d232b;stroke:#fff;stroke-width:3.5px;paint-order:stroke;pointer-events:none}
.map.focus .centre{opacity:.15}
.map.dense circle{fill-opacity:.6;stroke-width:.5}
.map .lead{stroke:#1d232b;stroke-opacity:.45;stroke-width:1;pointer-events:none}
.map.focus .lead{opacity:.15}
.detail{min-height:3.2em;margin:.5em 0;padding:.5em .8em;border-left:4px solid var(--c,var(--line));background:#f7f9fb;font-size:.92em;white-space:pre-line}
.legend{display:flex;flex-wrap:wrap;gap:.35em}
.chip{font:inherit;font-size:.82em;display:inline-flex;align-items:center;gap:.35em;padding:.2em .6em;border:1px solid var(--line);
border-radius:99px;background:#fff;color:inherit;cursor:pointer}
.chip i,.heat th i{display:inline-block;width:.75em;height:.75em;border-radius:50%;background:var(--c)}
.chip.sel{border-color:var(--c);box-shadow:inset 0 0 0 1px var(--c)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse}
.heat{font-size:.85em}
.heat th,.heat td{border:1px solid #fff}
.heat thead th{vertical-align:top;font-weight:600;padding:.3em .2em}
.heat thead th.doc{vertical-align:bottom}
.heat th.th a{display:flex;flex-direction:column;align-items:center;gap:.2em;text-decoration:none}
.heat .vl{writing-mode:vertical-rl;font-weight:400;color:var(--mut);height:8.5em;overflow:hidden;font-size:.92em}
.heat th.doc{text-align:left;min-width:12em;max-width:22em;padding:.35em .6em .35em 0;font-weight:400;position:sticky;left:0;background:var(--card);z-index:1}
.heat tbody th.doc .title{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.heat .id{display:block;color:var(--mut);font-size:.85em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.heat td{width:2.4em;min-width:2.4em;height:2.4em;text-align:center;font-variant-numeric:tabular-nums;color:#1d232b}
.heat td.dark{color:#fff;font-weight:600}
.heat td.z{background:#f3f5f7}
.theme{border-top:5px solid var(--c)}
.theme>header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.3em .7em}
.theme .num{background:var(--c);color:#fff;font-weight:700;border-radius:6px;padding:.05em .5em;font-size:.9em}
.theme .meta,.theme .sub{color:var(--mut);font-size:.9em}
.theme .sub{font-style:italic}
.theme{--tc:var(--c)}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.5fr);gap:1.4em}
.reps{margin:0;padding-left:1.3em}
.reps li{margin:0 0 .7em}
.reps blockquote{margin:0;padding:.1em 0 .1em .7em;border-left:3px solid var(--c)}
.reps cite{display:block;font-style:normal;color:var(--mut);font-size:.8em;margin:.15em 0 0 .8em}
.docs{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.35em}
.docs li{display:inline-flex;gap:.4em;align-items:center;border:1px solid var(--line);border-radius:6px;padding:.15em .55em;font-size:.88em}
.docs li span{color:#fff;background:var(--c);border-radius:99px;padding:0 .45em;font-size:.85em}
.docs a{text-decoration:none}
.docs a[href]:hover{text-decoration:underline}
.docs .more{color:var(--mut)}
.up{display:inline-block;margin-top:.8em;font-size:.85em;color:var(--mut);text-decoration:none}
summary{cursor:pointer;font-weight:600}
.reasons{margin:.7em 0}
.dropped{font-size:.88em;margin-top:.5em}
.dropped th,.dropped td{text-align:left;vertical-align:top;padding:.35em .6em;border-bottom:1px solid var(--line)}
.dropped .where{min-width:7em;max-width:16em;color:var(--mut)}
.reason{background:#eef1f4;border-radius:4px;padding:0 .4em;white-space:nowrap}
footer{text-align:center;color:var(--mut);font-size:.8em;padding:1em 1em 2em}
@media (max-width:760px){
main{padding:.7em}
nav.top{flex-wrap:wrap;row-gap:.3em;padding:.45em .8em}
.two,.cols{grid-template-columns:1fr}
h1{font-size:1.4em}
.card{padding:.8em .85em}
.stats{grid-template-columns:repeat(3,1fr);gap:.5em}
.stats div{padding:.45em .6em}
.stats b{font-size:1.3em}
.bars.sizes .row{grid-template-columns:1fr auto;grid-template-areas:"l v" "t t";gap:.1em .5em;padding:2px 4px 5px}
.bars.sizes .lbl{grid-area:l}
.bars.sizes .val{grid-area:v}
.bars.sizes .track{grid-area:t}
.map circle{r:8px}
.map.dense circle{r:5px}
.heat th.doc{min-width:9em;max-width:11em}
}
"#;

const JS: &str = r#"(function(){
var map=document.getElementById('paragraph-map');
var box=document.getElementById('map-detail');
var legend=document.getElementById('map-legend');
if(!map||!box||!legend)return;
function show(e){var c=e.target.closest('circle');if(!c)return;var t=c.querySelector('title');
box.textContent=t?t.textContent:'';box.className='detail '+c.getAttribute('class');}
map.addEventListener('mouseover',show);map.addEventListener('click',show);
var pinned=null;
function focus(t){map.classList.toggle('focus',!!t);
map.querySelectorAll('circle').forEach(function(c){c.classList.toggle('on',!!t&&c.classList.contains('t'+t));});
legend.querySelectorAll('.chip').forEach(function(b){b.classList.toggle('sel',!!t&&b.getAttribute('data-t')===t);});}
legend.addEventListener('mouseover',function(e){var b=e.target.closest('.chip');if(b)focus(b.getAttribute('data-t'));});
legend.addEventListener('mouseleave',function(){focus(pinned);});
legend.addEventListener('click',function(e){var b=e.target.closest('.chip');if(!b)return;var t=b.getAttribute('data-t');
pinned=pinned===t?null:t;focus(pinned);});
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_handles_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>alert('x & \"y\"')</script>"),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("大模型\u{0}备案"), "大模型 备案");
        assert_eq!(escape("a\nb"), "a\nb");
    }

    #[test]
    fn theme_colours_are_stable_and_distinct() {
        assert_eq!(theme_colour(1), "#4e79a7");
        assert_eq!(theme_colour(1), theme_colour(1));
        let colours: std::collections::BTreeSet<String> = (1..=40).map(theme_colour).collect();
        assert_eq!(colours.len(), 40);
        for c in &colours {
            assert_eq!(c.len(), 7, "{c}");
            assert!(c.starts_with('#'));
        }
    }

    use crate::analysis::{
        CorpusCounts, Document, DroppedOut, MixOut, Params, Representative, TermOut, UnitOut,
    };
    use crate::stages::kmeans::{KScore, KSelection};
    use crate::Settings;

    /// A small analysis whose every text field carries markup, quotes and ampersands.
    fn hostile(units: usize, text_len: usize, docs: usize, dropped: usize) -> Analysis {
        let evil = "<script>alert('x')</script> \"q\" & <img src=x onerror=alert(1)>";
        let long: String = "大模型".chars().cycle().take(text_len).collect();
        let selection = KSelection {
            chosen: 2,
            method: "mean cosine silhouette".into(),
            sample_size: units,
            candidates: vec![
                KScore {
                    k: 2,
                    silhouette: 0.2,
                    std_error: 0.01,
                    agreement: None,
                },
                KScore {
                    k: 3,
                    silhouette: -0.1,
                    std_error: 0.01,
                    agreement: None,
                },
            ],
            reason: "k = 2 has the highest <b>silhouette</b>".into(),
            stands_out: true,
            still_rising: false,
        };
        let theme = |id: usize| Theme {
            id,
            name: (id == 1).then(|| "<名>\"n\"".to_string()),
            guided: id == 1,
            label: format!("标签{id}·<i>term</i>·\"q\""),
            size: units / 2,
            share: 0.5,
            npmi: 0.25,
            terms: vec![
                TermOut {
                    term: "<b>词</b>".into(),
                    weight: 0.5,
                    kind: None,
                },
                TermOut {
                    term: "'算力'".into(),
                    weight: 0.25,
                    kind: Some("person"),
                },
            ],
            representatives: vec![Representative {
                doc: "d\"0'.txt".into(),
                line: 3,
                part: Some(2),
                paragraph: 5,
                text: evil.into(),
                score: 0.9,
            }],
        };
        Analysis {
            schema_version: 1,
            params: Params::new(&Settings::default(), 2, 2, 0.5, Some(selection)),
            corpus: CorpusCounts {
                documents: docs,
                units,
                dropped,
                terms: 2,
            },
            themes: vec![theme(1), theme(2)],
            coherence: crate::eval::coherence::Coherence::of(
                &[vec!["词", "算力"], vec!["词"]],
                [vec!["词", "算力"], vec!["算力"]],
            ),
            phrases: Vec::new(),
            documents: (0..docs)
                .map(|i| Document {
                    id: format!("d\"{i}'.txt"),
                    title: format!("<title>{i} & \"t\"</title>"),
                    units: 2,
                    theme_mix: vec![
                        MixOut {
                            theme: 1,
                            share: 0.75,
                        },
                        MixOut {
                            theme: 2,
                            share: 0.25,
                        },
                    ],
                    unassigned: 0.0,
                    label: None,
                    date: None,
                    date_from: None,
                    source: None,
                    source_from: None,
                    record: false,
                })
                .collect(),
            units: (0..units)
                .map(|i| UnitOut {
                    doc: format!("d\"{}'.txt", i % docs.max(1)),
                    line: i + 1,
                    part: None,
                    paragraph: 1,
                    theme: Some(1 + i % 2),
                    nearest: None,
                    score: 0.5,
                    text: if i == 0 {
                        format!("{evil}</title></circle>")
                    } else {
                        long.clone()
                    },
                    heading: None,
                    heading_line: None,
                })
                .collect(),
            dropped: (0..dropped)
                .map(|i| DroppedOut {
                    doc: "d\"0'.txt".into(),
                    line: i + 1,
                    part: None,
                    paragraph: Some(1),
                    reason: "short".into(),
                    text: evil.into(),
                    duplicate_of: None,
                })
                .collect(),
            unassigned: None,
            timeline: None,
            sources: None,
            map: (0..units).map(|i| [i as f64, (i % 7) as f64]).collect(),
            lineage: None,
            warnings: vec![],
            inputs: vec![],
        }
    }

    #[test]
    fn corpus_text_is_escaped_in_content_and_attributes() {
        let html = render(&hostile(6, 20, 2, 2));
        // The page's own script is the only one; injected markup shows as text.
        assert_eq!(html.matches("<script").count(), 1, "one <script> element");
        assert!(!html.contains("<img"));
        assert!(!html.contains("<i>term"));
        assert!(!html.contains("<b>词") && !html.contains("<b>silhouette"));
        assert!(html.contains(
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;q&quot; &amp; &lt;img src=x"
        ));
        // A paragraph cannot close the map's <title> or <circle>.
        assert!(html.contains("&lt;/title&gt;&lt;/circle&gt;"));
        // Quotes in attribute values (article ids and titles in title="...").
        assert!(html.contains("title=\"d&quot;0&#39;.txt\""));
        assert!(html.contains(
            "title=\"Theme 1: &lt;名&gt;&quot;n&quot; · 标签1·&lt;i&gt;term&lt;/i&gt;·&quot;q&quot;\""
        ));
        assert!(html.contains("title=\"Theme 2: 标签2·&lt;i&gt;term&lt;/i&gt;·&quot;q&quot;\""));
        assert!(html.contains("<h3>&lt;名&gt;&quot;n&quot;</h3>"));
        assert!(html.contains("<cite>d&quot;0&#39;.txt:3 (part 2) · similarity 0.90</cite>"));
        assert!(html.contains("&lt;title&gt;0 &amp; &quot;t&quot;&lt;/title&gt;"));
        assert!(html.contains("highest &lt;b&gt;silhouette&lt;/b&gt;"));
        // Every attribute value is double-quoted and no corpus text brings a raw quote.
        for line in html.lines().filter(|l| l.contains("d&quot;")) {
            assert!(!line.contains("d\"0"), "raw quote in {line}");
        }
    }

    #[test]
    fn page_is_self_contained_and_deterministic() {
        let a = hostile(6, 20, 2, 2);
        let html = render(&a);
        assert!(html.starts_with(
            "<!DOCTYPE html>\n<html lang=\"zh-Hans\">\n<head>\n<meta charset=\"utf-8\">"
        ));
        for needle in [
            "http://", "https://", "<link", "@import", "url(", "<img", "<iframe",
        ] {
            assert!(
                !html.contains(needle),
                "page refers outside itself: {needle}"
            );
        }
        assert_eq!(html, render(&a));
        // One colour per theme, declared once.
        assert_eq!(html.matches(".t1{--c:#4e79a7}").count(), 1);
        assert_eq!(html.matches(".t2{--c:#f28e2b}").count(), 1);
        // Every unit is a dot; both themes' term charts exist.
        assert_eq!(html.matches("<circle ").count(), 6);
        assert!(html.contains("id=\"theme-1-terms\"") && html.contains("id=\"theme-2-terms\""));
    }

    #[test]
    fn large_corpora_stay_a_reasonable_size() {
        // 50,000 paragraphs of 400 characters, 3,000 articles, 5,000 left out: the map,
        // heat map and left-out list are capped, so the page stays a few megabytes.
        let a = hostile(50_000, 400, 3_000, 5_000);
        let html = render(&a);
        assert_eq!(html.matches("<circle ").count(), MAP_MAX_POINTS);
        // Two themes of 25,000 each keep 750 dots each.
        assert_eq!(html.matches("<circle class=\"t1\"").count(), 750);
        assert_eq!(html.matches("<circle class=\"t2\"").count(), 750);
        assert_eq!(html.matches("<tr id=\"doc-").count(), HEATMAP_MAX_ROWS);
        assert!(html.contains(
            "Showing 1,500 of 50,000 paragraphs: a sample of each theme in proportion to its \
             size (at least 12 each)"
        ));
        assert!(html.contains("class=\"chart map dense\""));
        assert!(html.contains("… and 4,000 more; the JSON report lists them all."));
        // Sizes in the bar chart have thousands separators, and their cell does not wrap.
        assert!(html.contains("<span class=\"val\">25,000 · 50.0%</span>"));
        assert!(html.contains("tabular-nums;white-space:nowrap}"));
        assert!(html.len() < 6_000_000, "{} bytes", html.len());
    }

    #[test]
    fn map_compression_keeps_order_and_handles_flat_and_bad_values() {
        let xs = compress(&[0.0, 1.0, 2.0, 3.0, 100.0, f64::NAN]);
        assert!(xs.windows(2).take(4).all(|w| w[0] < w[1]), "{xs:?}");
        // The outlier is pulled in: its gap shrinks from 97× the others' to under 10×.
        assert!((xs[4] - xs[3]) < 10.0 * (xs[3] - xs[2]), "{xs:?}");
        assert_eq!(xs[5], compress(&[0.0, 1.0, 2.0, 3.0, 100.0, 2.0])[5]);
        let flat = compress(&[1.0, 1.0, 1.0]);
        let f = fit_to(&flat, 10.0, 20.0, false);
        assert_eq!(f(flat[0]), 15.0);
        let g = fit_to(&[0.0, 1.0], 10.0, 20.0, true);
        assert_eq!((g(0.0), g(1.0)), (20.0, 10.0));
    }

    /// `hostile` with `k` themes, unit `i` in theme `theme_of(i)`.
    fn with_themes(mut a: Analysis, k: usize, theme_of: impl Fn(usize) -> usize) -> Analysis {
        let template = a.themes[1].clone();
        a.themes = (1..=k)
            .map(|id| Theme {
                id,
                label: format!("标签{id}"),
                ..template.clone()
            })
            .collect();
        for (i, u) in a.units.iter_mut().enumerate() {
            u.theme = Some(theme_of(i));
        }
        a
    }

    /// The theme numbers on the map: (theme, box centre x, box centre y).
    fn map_labels(html: &str) -> Vec<(usize, f64, f64)> {
        html.split("<text class=\"centre t")
            .skip(1)
            .map(|rest| {
                let theme: usize = rest.split('"').next().unwrap().parse().unwrap();
                let num = |attr: &str| -> f64 {
                    let at = rest.find(attr).unwrap() + attr.len();
                    rest[at..].split('"').next().unwrap().parse().unwrap()
                };
                (theme, num(" x=\""), num(" y=\"") - 4.5)
            })
            .collect()
    }

    fn assert_apart_and_inside(labels: &[(usize, f64, f64)]) {
        for (i, &(ta, xa, ya)) in labels.iter().enumerate() {
            let (wa, ha) = label_size(ta);
            assert!(
                xa - wa / 2.0 >= 0.0 && xa + wa / 2.0 <= MAP_W,
                "T{ta} at x {xa} leaves the plot"
            );
            assert!(
                ya - ha / 2.0 >= 0.0 && ya + ha / 2.0 <= MAP_H,
                "T{ta} at y {ya} leaves the plot"
            );
            for &(tb, xb, yb) in &labels[i + 1..] {
                let (wb, hb) = label_size(tb);
                // Printed to one decimal: allow 0.1 of rounding.
                let apart = (xa - xb).abs() + 0.1 >= (wa + wb) / 2.0
                    || (ya - yb).abs() + 0.1 >= (ha + hb) / 2.0;
                assert!(apart, "T{ta} ({xa}, {ya}) overlaps T{tb} ({xb}, {yb})");
            }
        }
    }

    #[test]
    fn map_sample_keeps_every_theme_in_proportion_and_is_the_same_every_time() {
        // 10,000 units: theme 1 has 9,000, theme 2 900, theme 3 70, theme 4 25, theme 5 5.
        let themes: Vec<usize> = (0..10_000)
            .map(|i| match i % 400 {
                0..=359 => 1,
                360..=395 => 2,
                396 if i < 2_800 => 3,
                396 | 397 => 4,
                398 if i < 2_000 => 5,
                _ => 3,
            })
            .collect();
        let size = |t: usize| themes.iter().filter(|&&x| x == t).count();
        let sizes: Vec<usize> = (1..=5).map(size).collect();
        assert_eq!(sizes.iter().sum::<usize>(), 10_000);
        assert_eq!(sizes[4], 5);
        let shown = map_sample(&themes, 1_500, 12, 7);
        assert_eq!(shown.len(), 1_500);
        assert!(
            shown.windows(2).all(|w| w[0] < w[1]),
            "corpus order, no repeats"
        );
        let kept = |t: usize| shown.iter().filter(|&&i| themes[i] == t).count();
        // The smallest keeps all 5; every other theme at least 12, beyond that in proportion.
        assert_eq!(kept(5), 5);
        let base = 12 * 4 + 5;
        let pool: usize = sizes[..4].iter().map(|s| s - 12).sum();
        for t in 1..=4 {
            let exact = 12.0 + (1_500 - base) as f64 * (sizes[t - 1] - 12) as f64 / pool as f64;
            assert!(
                (kept(t) as f64 - exact).abs() < 1.0,
                "theme {t} keeps {} of {}, proportion says {exact:.1}",
                kept(t),
                sizes[t - 1]
            );
        }
        // Deterministic; another seed draws other dots in the same numbers.
        assert_eq!(shown, map_sample(&themes, 1_500, 12, 7));
        let other = map_sample(&themes, 1_500, 12, 8);
        assert_ne!(shown, other);
        assert_eq!(
            (1..=5).map(kept).collect::<Vec<_>>(),
            (1..=5)
                .map(|t| other.iter().filter(|&&i| themes[i] == t).count())
                .collect::<Vec<_>>()
        );
        // Small inputs are drawn whole; more themes than dots still give exactly `max`.
        assert_eq!(
            map_sample(&themes[..900], 1_500, 12, 7),
            (0..900).collect::<Vec<_>>()
        );
        let many: Vec<usize> = (0..5_000).map(|i| i % 2_000).collect();
        assert_eq!(map_sample(&many, 1_500, 12, 7).len(), 1_500);
    }

    #[test]
    fn big_map_says_how_many_it_shows_and_keeps_small_themes() {
        // 6,000 paragraphs, 9 themes: theme 1 has most, theme 9 only 3.
        let a = with_themes(hostile(6_000, 30, 40, 0), 9, |i| {
            if i % 2_000 == 7 {
                9
            } else {
                1 + (i % 16).min(7)
            }
        });
        let html = render(&a);
        assert_eq!(html.matches("<circle ").count(), 1_500);
        assert!(html.contains(
            "<span id=\"map-sample\">Showing 1,500 of 6,000 paragraphs: a sample of each \
             theme in proportion to its size (at least 12 each), the same on every run"
        ));
        assert_eq!(
            html.matches("<circle class=\"t9\"").count(),
            3,
            "all 3 of theme 9"
        );
        for t in 1..=8 {
            let dots = html.matches(&format!("<circle class=\"t{t}\"")).count();
            let size = a.units.iter().filter(|u| u.theme == Some(t)).count();
            let expected = size as f64 * 1_500.0 / 6_000.0;
            assert!(
                (dots as f64 - expected).abs() <= 0.05 * expected + 12.0,
                "theme {t}: {dots} dots of {size}"
            );
        }
        let labels = map_labels(&html);
        assert_eq!(labels.len(), 9, "one number per theme");
        assert_apart_and_inside(&labels);
        assert_eq!(html, render(&a), "the same sample every time");
    }

    #[test]
    fn theme_numbers_piled_on_one_spot_are_pushed_apart_inside_the_plot() {
        // 30 themes whose dots all sit on one point: every number starts at the same place.
        let mut a = with_themes(hostile(300, 20, 10, 0), 30, |i| 1 + i % 30);
        a.map = vec![[1.0, 1.0]; 300];
        let html = render(&a);
        let labels = map_labels(&html);
        assert_eq!(labels.len(), 30);
        assert_apart_and_inside(&labels);
        // Numbers moved well off their spot get a line back to it.
        assert!(html.contains("<line class=\"lead\""));

        // Piled in a corner: still inside and apart.
        let anchors = vec![(MAP_W, 0.0); 25];
        let sizes: Vec<(f64, f64)> = (1..=25).map(label_size).collect();
        let placed = place_labels(&anchors, &sizes, (0.0, 0.0, MAP_W, MAP_H));
        let labels: Vec<(usize, f64, f64)> = placed
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| (i + 1, x, y))
            .collect();
        assert_apart_and_inside(&labels);
        // Labels that do not overlap stay where they are.
        let apart = place_labels(
            &[(100.0, 100.0), (300.0, 200.0)],
            &[(15.0, 16.0), (15.0, 16.0)],
            (0.0, 0.0, MAP_W, MAP_H),
        );
        assert_eq!(apart, vec![(100.0, 100.0), (300.0, 200.0)]);
    }

    /// 1,000 articles `d0000`..`d0999`: every fifth (i % 5 == 3) is big (10 + i paragraphs,
    /// one theme); i % 10 == 1 mixes three themes evenly, i % 10 == 6 two; the rest have one
    /// paragraph.
    fn varied_articles() -> Analysis {
        let mut a = with_themes(hostile(2_000, 20, 1_000, 0), 3, |i| 1 + i % 3);
        let mix = |parts: &[(usize, f64)]| -> Vec<MixOut> {
            parts
                .iter()
                .map(|&(theme, share)| MixOut { theme, share })
                .collect()
        };
        for (i, d) in a.documents.iter_mut().enumerate() {
            d.id = format!("d{i:04}");
            (d.units, d.theme_mix) = match (i % 5, i % 10) {
                (3, _) => (10 + i, mix(&[(1, 1.0)])),
                (_, 1) => (3, mix(&[(1, 1.0 / 3.0), (2, 1.0 / 3.0), (3, 1.0 / 3.0)])),
                (_, 6) => (2, mix(&[(2, 0.5), (3, 0.5)])),
                _ => (1, mix(&[(2, 1.0)])),
            };
        }
        // Theme cards list articles by their units: give the units the new ids.
        for (i, u) in a.units.iter_mut().enumerate() {
            u.doc = format!("d{:04}", i % 1_000);
        }
        a
    }

    fn heat_rows(html: &str) -> Vec<usize> {
        html.split("<tr id=\"doc-")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().parse::<usize>().unwrap() - 1)
            .collect()
    }

    #[test]
    fn heat_map_of_a_big_corpus_lists_the_largest_and_most_mixed_articles() {
        let a = varied_articles();
        let html = render(&a);
        let rows = heat_rows(&html);
        // The 150 largest are the big ones from i = 253 on; the most mixed are the 100
        // three-way ones, then the 50 two-way ones with the smallest ids.
        let mut expected: Vec<usize> = (0..1_000)
            .filter(|i| (i % 5 == 3 && *i >= 253) || i % 10 == 1 || (i % 10 == 6 && *i < 500))
            .collect();
        expected.sort_unstable();
        assert_eq!(expected.len(), 300);
        assert_eq!(rows, expected, "which articles, in corpus order");
        assert!(
            !rows.contains(&0),
            "the first article is neither large nor mixed"
        );
        assert!(html.contains(
            "<span id=\"heat-pick\">Showing 300 of 1,000 articles: the 150 with the most \
             paragraphs and the 150 with the most mixed themes (by the entropy of their theme \
             mix), listed in corpus order; ties go to the smaller id.</span>"
        ));
        // With no article mixing themes, the largest take every row: the 200 big ones and
        // the 100 of three paragraphs.
        let mut single = a.clone();
        for d in &mut single.documents {
            d.theme_mix.truncate(1);
            d.theme_mix[0].share = 1.0;
        }
        let html_single = render(&single);
        assert_eq!(
            heat_rows(&html_single),
            (0..1_000)
                .filter(|i| i % 5 == 3 || i % 10 == 1)
                .collect::<Vec<_>>()
        );
        assert!(html_single.contains(
            "<span id=\"heat-pick\">Showing 300 of 1,000 articles: those with the most \
             paragraphs (none of the others mixes themes), listed in corpus order"
        ));
        // Theme cards link only to rows that exist.
        for link in html.split("href=\"#doc-").skip(1) {
            let n: usize = link.split('"').next().unwrap().parse().unwrap();
            assert!(
                rows.contains(&(n - 1)),
                "link to #doc-{n}, which is not listed"
            );
        }
    }

    #[test]
    fn heat_map_says_when_no_article_stands_out() {
        // 500 one-paragraph, one-theme articles: nothing to rank by but the id.
        let mut a = varied_articles();
        a.documents.truncate(500);
        for d in &mut a.documents {
            d.units = 1;
            d.theme_mix = vec![MixOut {
                theme: 1,
                share: 1.0,
            }];
        }
        a.documents.reverse();
        let html = render(&a);
        let rows = heat_rows(&html);
        // Reversed: d0000..d0299 are the last 300 positions.
        assert_eq!(rows, (200..500).collect::<Vec<_>>());
        assert!(html.contains(
            "<span id=\"heat-pick\">No article has more than 1 paragraph or more than one \
             theme, so none stands out: showing 300 of 500 articles, taking the smallest ids \
             of each theme in turn.</span>"
        ));
        // Each main theme in turn: theme 2 has only 100 articles (d0400..), so all of them
        // and the 200 smallest ids of theme 1. An article that kept no paragraph counts as
        // no size at all.
        let mut two = a.clone();
        for d in &mut two.documents {
            if d.id.as_str() >= "d0400" {
                d.theme_mix[0].theme = 2;
            }
        }
        two.documents[499].units = 0;
        two.documents[499].theme_mix.clear();
        let rows = heat_rows(&render(&two));
        let ids: Vec<&str> = rows.iter().map(|&i| two.documents[i].id.as_str()).collect();
        let mut expected: Vec<String> = (1..201)
            .chain(400..500)
            .map(|i| format!("d{i:04}"))
            .collect();
        expected.sort_unstable_by(|x, y| y.cmp(x));
        assert_eq!(
            ids, expected,
            "d0000 kept no paragraph, so d0001..d0200 and d0400..d0499"
        );
        // Same sizes but some mixed: the mixed first, then the smallest ids.
        for d in a.documents.iter_mut().step_by(10) {
            d.theme_mix = vec![
                MixOut {
                    theme: 1,
                    share: 0.5,
                },
                MixOut {
                    theme: 2,
                    share: 0.5,
                },
            ];
        }
        let html = render(&a);
        assert_eq!(heat_rows(&html).len(), 300);
        assert!(html.contains(
            "Showing 300 of 500 articles: the 50 with the most mixed themes (by the entropy \
             of their theme mix) and the 250 with the smallest ids of each theme in turn, \
             listed in corpus order"
        ));
    }

    #[test]
    fn text_may_break_anywhere_and_only_fixed_or_ellipsised_text_never_wraps() {
        assert!(CSS.contains("body{margin:0;overflow-wrap:anywhere}"));
        for bad in [
            "overflow-wrap:normal",
            "word-break:keep-all",
            "word-wrap:normal",
        ] {
            assert!(!CSS.contains(bad), "{bad} undoes the wrapping");
        }
        // Rules that forbid wrapping: the nav (fixed words), bar values (numbers), dropped
        // reasons (fixed words), and two that cut corpus text with an ellipsis instead.
        let nowrap: Vec<&str> = CSS
            .split('}')
            .filter(|rule| rule.contains("white-space:nowrap"))
            .map(|rule| {
                let head = rule.rsplit_once('{').map_or("", |(head, _)| head);
                head.rsplit('\n').next().unwrap_or("").trim()
            })
            .collect();
        assert_eq!(
            nowrap,
            [
                "nav.top",
                ".bars .lbl",
                ".bars .val",
                ".heat .id",
                ".reason"
            ]
        );
        for rule in CSS.split('}').filter(|r| r.contains("white-space:nowrap")) {
            if rule.contains(".lbl") || rule.contains(".id") {
                assert!(rule.contains("text-overflow:ellipsis"), "{rule}");
            }
        }
    }

    #[test]
    fn trim_chars_cuts_with_ellipsis() {
        assert_eq!(trim_chars("大模型备案", 3), "大模…");
        assert_eq!(trim_chars("大模", 3), "大模");
    }
}
