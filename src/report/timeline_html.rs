//! The HTML report's time and source sections, drawn from the `timeline` and `sources`
//! sections of the analysis: a stacked area of theme shares over time (hover a bucket for its
//! values), small multiples (one small chart per theme on the same time axis), and a source ×
//! theme heat map. Inline SVG and native `<title>` tooltips: works offline, without script.

use std::fmt::{self, Write};

use super::html::{escape, theme_colour};
use crate::analysis::Analysis;
use crate::timeline::{Sources, Timeline};

const W: f64 = 900.0;
const H: f64 = 260.0;
const PAD: f64 = 30.0;

/// Writes the time and source sections, when the analysis has them.
pub(crate) fn write(a: &Analysis, out: &mut String) -> fmt::Result {
    if let Some(t) = &a.timeline {
        write_stacked(a, t, out)?;
        write_multiples(a, t, out)?;
    }
    if let Some(s) = &a.sources {
        write_sources(a, s, out)?;
    }
    Ok(())
}

fn x_of(i: usize, n: usize) -> f64 {
    if n <= 1 {
        PAD
    } else {
        PAD + (W - 2.0 * PAD) * i as f64 / (n - 1) as f64
    }
}

fn label_of(a: &Analysis, id: usize) -> String {
    a.themes
        .iter()
        .find(|t| t.id == id)
        .map(|t| t.name.clone().unwrap_or_else(|| t.label.clone()))
        .unwrap_or_default()
}

fn write_stacked(a: &Analysis, t: &Timeline, out: &mut String) -> fmt::Result {
    let n = t.buckets.len();
    writeln!(
        out,
        "<section id=\"timeline\" class=\"card\"><h2>Themes over time</h2>\
         <p class=\"note\">Each theme's share of the dated units, per {} ({} undated units not \
         shown). Hover a {} for its values.</p>",
        t.period, t.undated_units, t.period
    )?;
    writeln!(
        out,
        "<svg id=\"timeline-stacked\" class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         aria-label=\"theme shares over time\">"
    )?;
    let y_of = |share: f64| H - PAD - (H - 2.0 * PAD) * share.clamp(0.0, 1.0);
    let mut below = vec![0.0f64; n];
    for series in &t.themes {
        let above: Vec<f64> = below
            .iter()
            .zip(&series.shares)
            .map(|(b, s)| b + s)
            .collect();
        let mut points = String::new();
        for (i, v) in above.iter().enumerate() {
            let _ = write!(points, "{:.1},{:.1} ", x_of(i, n), y_of(*v));
        }
        for (i, v) in below.iter().enumerate().rev() {
            let _ = write!(points, "{:.1},{:.1} ", x_of(i, n), y_of(*v));
        }
        writeln!(
            out,
            "<polygon class=\"area\" points=\"{}\" fill=\"{}\" fill-opacity=\"0.85\">\
             <title>T{} {}</title></polygon>",
            points.trim_end(),
            theme_colour(series.theme),
            series.theme,
            escape(&label_of(a, series.theme))
        )?;
        below = above;
    }
    // One hover strip per bucket with its values.
    let step = if n > 1 {
        (W - 2.0 * PAD) / (n - 1) as f64
    } else {
        20.0
    };
    for (i, bucket) in t.buckets.iter().enumerate() {
        let mut tip = format!("{bucket} · {} units", t.units.get(i).copied().unwrap_or(0));
        for s in &t.themes {
            let share = s.shares.get(i).copied().unwrap_or(0.0);
            if share > 0.0 {
                let _ = write!(tip, "\nT{} {:.0}%", s.theme, share * 100.0);
            }
        }
        writeln!(
            out,
            "<rect class=\"hover\" x=\"{:.1}\" y=\"{PAD}\" width=\"{step:.1}\" height=\"{:.1}\" \
             fill=\"transparent\"><title>{}</title></rect>",
            x_of(i, n) - step / 2.0,
            H - 2.0 * PAD,
            escape(&tip)
        )?;
    }
    // Axis labels: first, last and about eight between.
    let every = n.div_ceil(8).max(1);
    for (i, bucket) in t.buckets.iter().enumerate() {
        if i % every == 0 || i + 1 == n {
            writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                x_of(i, n),
                H - 8.0,
                escape(bucket)
            )?;
        }
    }
    writeln!(out, "</svg></section>")
}

fn write_multiples(a: &Analysis, t: &Timeline, out: &mut String) -> fmt::Result {
    let n = t.buckets.len();
    const SW: f64 = 280.0;
    const SH: f64 = 70.0;
    writeln!(
        out,
        "<section id=\"timeline-themes\" class=\"card\"><h2>Each theme over time</h2>\
         <div class=\"multiples\" style=\"display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:12px\">"
    )?;
    for series in &t.themes {
        let max = series.shares.iter().copied().fold(0.0, f64::max).max(1e-9);
        let x = |i: usize| {
            if n <= 1 {
                4.0
            } else {
                4.0 + (SW - 8.0) * i as f64 / (n - 1) as f64
            }
        };
        let y = |s: f64| SH - 4.0 - (SH - 18.0) * (s / max);
        let mut points = format!("{:.1},{:.1} ", x(0), SH - 4.0);
        for (i, s) in series.shares.iter().enumerate() {
            let _ = write!(points, "{:.1},{:.1} ", x(i), y(*s));
        }
        let _ = write!(points, "{:.1},{:.1}", x(n.saturating_sub(1)), SH - 4.0);
        writeln!(
            out,
            "<figure class=\"small t{id}\" style=\"margin:0\"><svg viewBox=\"0 0 {SW} {SH}\" \
             role=\"img\" aria-label=\"theme {id} over time\"><text x=\"4\" y=\"11\" \
             font-size=\"11\">T{id} {label} · peak {peak} ({max:.0}%)</text><polygon points=\"{points}\" \
             fill=\"{c}\" fill-opacity=\"0.8\"/>",
            id = series.theme,
            label = escape(&crate::report::text::trim_to(&label_of(a, series.theme), 24)),
            peak = escape(series.peak.as_deref().unwrap_or("—")),
            max = max * 100.0,
            c = theme_colour(series.theme),
        )?;
        for (i, s) in series.shares.iter().enumerate() {
            writeln!(
                out,
                "<rect class=\"pt\" x=\"{:.1}\" y=\"{:.1}\" width=\"6\" height=\"6\" \
                 fill-opacity=\"0\" fill=\"#000\"><title>{}: {:.1}% ({} units)</title></rect>",
                x(i) - 3.0,
                y(*s) - 3.0,
                escape(t.buckets.get(i).map_or("", String::as_str)),
                s * 100.0,
                series.counts.get(i).copied().unwrap_or(0)
            )?;
        }
        writeln!(out, "</svg></figure>")?;
    }
    writeln!(out, "</div></section>")
}

fn write_sources(a: &Analysis, s: &Sources, out: &mut String) -> fmt::Result {
    writeln!(
        out,
        "<section id=\"sources\" class=\"card\"><h2>Sources × themes</h2>\
         <p class=\"note\">The share of each source's units in each theme ({} units without a \
         source not shown).</p><div class=\"scroll\"><table id=\"source-theme-heatmap\" \
         class=\"heat\"><thead><tr><th class=\"doc\">Source</th>",
        s.unknown_units
    )?;
    for t in &a.themes {
        write!(
            out,
            "<th class=\"th t{}\" title=\"{}\"><span>T{}</span></th>",
            t.id,
            escape(&label_of(a, t.id)),
            t.id
        )?;
    }
    writeln!(out, "</tr></thead><tbody>")?;
    for row in &s.top {
        write!(
            out,
            "<tr><th class=\"doc\"><span class=\"title\">{}</span><span class=\"id\">{} \
             articles · {} units</span></th>",
            escape(&row.source),
            row.documents,
            row.units
        )?;
        for t in &a.themes {
            let share = row
                .theme_mix
                .iter()
                .find(|m| m.theme == t.id)
                .map_or(0.0, |m| m.share);
            if share > 0.0 {
                let alpha = (0.12 + 0.88 * share.clamp(0.0, 1.0)) * 255.0;
                write!(
                    out,
                    "<td style=\"background:{}{:02x}\"{} title=\"{} · T{}: {:.0}%\">{:.0}</td>",
                    theme_colour(t.id),
                    alpha.round() as u8,
                    if share >= 0.45 { " class=\"dark\"" } else { "" },
                    escape(&row.source),
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
