//! Themes over time and by source, computed from a finished [`Analysis`]: the `timeline` and
//! `sources` sections of the JSON. Only dated articles' units enter the timeline (the rest are
//! counted as undated); only articles with a source enter the source mix.
//!
//! Bucket rule (`--period auto`): the finest of day, ISO week, month and quarter that spans the
//! first to the last date in at most [`MAX_BUCKETS`] buckets (roughly 12–60 for spans over a
//! year); every bucket between the first and last is listed, empty ones as zeros.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::analysis::{round4, Analysis};
use crate::stages::read::dates;

/// The most buckets `--period auto` makes.
pub const MAX_BUCKETS: usize = 60;
/// Sources listed by name in the `sources` section; the rest are grouped as `other`.
pub const TOP_SOURCES: usize = 10;

/// The time bucket of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// The finest bucket giving at most [`MAX_BUCKETS`].
    #[default]
    Auto,
    /// Calendar days (`2024-03-15`).
    Day,
    /// ISO weeks (`2024-W11`).
    Week,
    /// Months (`2024-03`).
    Month,
    /// Quarters (`2024-Q1`).
    Quarter,
}

impl std::str::FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Period::Auto),
            "day" => Ok(Period::Day),
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            "quarter" => Ok(Period::Quarter),
            _ => Err(format!(
                "expected auto, day, week, month or quarter, got `{s}`"
            )),
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Period::Auto => "auto",
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
        })
    }
}

impl Period {
    /// The first day of the bucket holding `date`.
    fn start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Period::Auto | Period::Day => date,
            Period::Week => dates::week_start(date),
            Period::Month => date.with_day(1).unwrap_or(date),
            Period::Quarter => {
                NaiveDate::from_ymd_opt(date.year(), (date.month0() / 3) * 3 + 1, 1).unwrap_or(date)
            }
        }
    }

    /// The first day of the bucket after the one starting at `start`.
    fn next(self, start: NaiveDate) -> NaiveDate {
        let months = |n: u32| {
            start
                .checked_add_months(chrono::Months::new(n))
                .unwrap_or(start)
        };
        match self {
            Period::Auto | Period::Day => start.succ_opt().unwrap_or(start),
            Period::Week => start + chrono::Duration::days(7),
            Period::Month => months(1),
            Period::Quarter => months(3),
        }
    }

    /// How the bucket starting at `start` is written.
    fn label(self, start: NaiveDate) -> String {
        match self {
            Period::Auto | Period::Day => start.to_string(),
            Period::Week => {
                let w = start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Period::Month => format!("{}-{:02}", start.year(), start.month()),
            Period::Quarter => format!("{}-Q{}", start.year(), start.month0() / 3 + 1),
        }
    }

    /// The buckets from the one holding `first` to the one holding `last`.
    fn buckets(self, first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
        let mut out = vec![self.start(first)];
        let end = self.start(last);
        while let Some(&b) = out.last() {
            if b >= end || out.len() > 100_000 {
                break;
            }
            out.push(self.next(b));
        }
        out
    }

    /// `self`, or for `Auto` the finest period that gives at most [`MAX_BUCKETS`] buckets.
    pub fn resolve(self, first: NaiveDate, last: NaiveDate) -> Period {
        if self != Period::Auto {
            return self;
        }
        [Period::Day, Period::Week, Period::Month]
            .into_iter()
            .find(|p| p.buckets(first, last).len() <= MAX_BUCKETS)
            .unwrap_or(Period::Quarter)
    }
}

/// The `timeline` section: each theme's units per time bucket.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// The bucket size used (`day`, `week`, `month`, `quarter`).
    pub period: Period,
    /// Bucket labels in time order (`2024-03`, `2024-W11`, `2024-Q1`, `2024-03-15`).
    pub buckets: Vec<String>,
    /// Clustered units of dated articles, per bucket.
    pub units: Vec<usize>,
    /// Clustered units whose article has no date (not in any bucket).
    pub undated_units: usize,
    /// Per theme (in theme order): units and share of the bucket's units, per bucket.
    pub themes: Vec<ThemeSeries>,
}

/// One theme over time.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeSeries {
    /// Theme id.
    pub theme: usize,
    /// The theme's units per bucket.
    pub counts: Vec<usize>,
    /// The theme's share of each bucket's units (0 for an empty bucket).
    pub shares: Vec<f64>,
    /// The bucket where the share is highest (first of ties); absent if the theme has no
    /// dated unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak: Option<String>,
}

/// The `sources` section: the theme mix of each source.
#[derive(Debug, Clone, Serialize)]
pub struct Sources {
    /// The sources with the most units (at most [`TOP_SOURCES`]), most first, then `other`
    /// for the rest grouped (when there is a rest).
    pub top: Vec<SourceMix>,
    /// Clustered units whose article has no source.
    pub unknown_units: usize,
}

/// One source's themes.
#[derive(Debug, Clone, Serialize)]
pub struct SourceMix {
    /// The source name, or `other` for the grouped rest.
    pub source: String,
    /// Articles from it.
    pub documents: usize,
    /// Clustered units from it.
    pub units: usize,
    /// Share of its units in each theme, largest first.
    pub theme_mix: Vec<crate::analysis::MixOut>,
    /// True for the grouped rest.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub grouped: bool,
}

/// The article (document index) of each unit, by id.
fn unit_documents(analysis: &Analysis) -> Vec<Option<usize>> {
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, d) in analysis.documents.iter().enumerate() {
        by_id.entry(d.id.as_str()).or_insert(i);
    }
    analysis
        .units
        .iter()
        .map(|u| by_id.get(u.doc.as_str()).copied())
        .collect()
}

/// The timeline of `analysis` with `period`; `None` when no article is dated.
pub fn timeline(analysis: &Analysis, period: Period) -> Option<Timeline> {
    let doc_dates: Vec<Option<NaiveDate>> = analysis
        .documents
        .iter()
        .map(|d| d.date.as_deref().and_then(|s| dates::parse(s).ok()))
        .collect();
    let first = doc_dates.iter().flatten().min().copied()?;
    let last = doc_dates.iter().flatten().max().copied()?;
    let period = period.resolve(first, last);
    let starts = period.buckets(first, last);
    let index: BTreeMap<NaiveDate, usize> =
        starts.iter().enumerate().map(|(i, &s)| (s, i)).collect();
    let k = analysis.themes.len();
    let mut counts = vec![vec![0usize; starts.len()]; k];
    let mut totals = vec![0usize; starts.len()];
    let mut undated = 0;
    for (unit, doc) in analysis.units.iter().zip(unit_documents(analysis)) {
        let date = doc.and_then(|d| doc_dates.get(d).copied().flatten());
        let bucket = date.and_then(|d| index.get(&period.start(d)).copied());
        match bucket {
            Some(b) => {
                // Unassigned units count in the bucket's total, in no theme.
                let theme = unit.theme.map_or(usize::MAX, |t| t - 1);
                if let Some(c) = counts.get_mut(theme).and_then(|c| c.get_mut(b)) {
                    *c += 1;
                }
                if let Some(t) = totals.get_mut(b) {
                    *t += 1;
                }
            }
            None => undated += 1,
        }
    }
    let labels: Vec<String> = starts.iter().map(|&s| period.label(s)).collect();
    let themes = counts
        .into_iter()
        .enumerate()
        .map(|(t, counts)| {
            let shares: Vec<f64> = counts
                .iter()
                .zip(&totals)
                .map(|(&c, &n)| {
                    if n == 0 {
                        0.0
                    } else {
                        round4(c as f64 / n as f64)
                    }
                })
                .collect();
            let mut peak: Option<(usize, f64)> = None;
            for (b, &s) in shares.iter().enumerate() {
                if s > 0.0 && peak.is_none_or(|(_, best)| s > best) {
                    peak = Some((b, s));
                }
            }
            ThemeSeries {
                theme: t + 1,
                counts,
                shares,
                peak: peak.and_then(|(b, _)| labels.get(b).cloned()),
            }
        })
        .collect();
    Some(Timeline {
        period,
        buckets: labels,
        units: totals,
        undated_units: undated,
        themes,
    })
}

/// The sources of `analysis`; `None` when no article has a source.
pub fn sources(analysis: &Analysis) -> Option<Sources> {
    if analysis.documents.iter().all(|d| d.source.is_none()) {
        return None;
    }
    let k = analysis.themes.len();
    // source -> (documents, theme counts)
    let mut by_source: BTreeMap<&str, (usize, Vec<usize>)> = BTreeMap::new();
    for d in &analysis.documents {
        if let Some(s) = d.source.as_deref() {
            by_source.entry(s).or_insert_with(|| (0, vec![0; k])).0 += 1;
        }
    }
    let mut unknown = 0;
    for (unit, doc) in analysis.units.iter().zip(unit_documents(analysis)) {
        let source = doc
            .and_then(|d| analysis.documents.get(d))
            .and_then(|d| d.source.as_deref());
        match source.and_then(|s| by_source.get_mut(s)) {
            Some((_, counts)) => {
                let theme = unit.theme.map_or(usize::MAX, |t| t - 1);
                if let Some(c) = counts.get_mut(theme) {
                    *c += 1;
                }
            }
            None => unknown += 1,
        }
    }
    let mut ranked: Vec<(&str, usize, Vec<usize>)> = by_source
        .into_iter()
        .map(|(s, (docs, counts))| (s, docs, counts))
        .collect();
    // Most units first, then most documents, then by name: deterministic.
    ranked.sort_by(|a, b| {
        let units = |x: &(&str, usize, Vec<usize>)| x.2.iter().sum::<usize>();
        units(b)
            .cmp(&units(a))
            .then(b.1.cmp(&a.1))
            .then(a.0.cmp(b.0))
    });
    let rest = ranked.split_off(TOP_SOURCES.min(ranked.len()));
    let mut top: Vec<SourceMix> = ranked
        .into_iter()
        .map(|(s, docs, counts)| mix(s.to_string(), docs, &counts, false))
        .collect();
    if !rest.is_empty() {
        let docs = rest.iter().map(|r| r.1).sum();
        let mut counts = vec![0; k];
        for r in &rest {
            for (c, x) in counts.iter_mut().zip(&r.2) {
                *c += x;
            }
        }
        top.push(mix("other".to_string(), docs, &counts, true));
    }
    Some(Sources {
        top,
        unknown_units: unknown,
    })
}

fn mix(source: String, documents: usize, counts: &[usize], grouped: bool) -> SourceMix {
    let units: usize = counts.iter().sum();
    let mut theme_mix: Vec<crate::analysis::MixOut> = counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(t, &c)| crate::analysis::MixOut {
            theme: t + 1,
            share: round4(c as f64 / units.max(1) as f64),
        })
        .collect();
    theme_mix.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.theme.cmp(&b.theme)));
    SourceMix {
        source,
        documents,
        units,
        theme_mix,
        grouped,
    }
}

/// Adds the `timeline` and `sources` sections to `analysis`.
pub fn add_sections(analysis: &mut Analysis, period: Period) {
    analysis.timeline = timeline(analysis, period);
    analysis.sources = sources(analysis);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn auto_period_gives_at_most_sixty_buckets() {
        assert_eq!(
            Period::Auto.resolve(d(2024, 3, 1), d(2024, 3, 31)),
            Period::Day
        );
        assert_eq!(
            Period::Auto.resolve(d(2024, 1, 1), d(2024, 9, 30)),
            Period::Week
        );
        assert_eq!(
            Period::Auto.resolve(d(2022, 9, 24), d(2024, 12, 31)),
            Period::Month
        );
        assert_eq!(
            Period::Auto.resolve(d(2000, 1, 1), d(2024, 12, 31)),
            Period::Quarter
        );
        assert_eq!(
            Period::Month.resolve(d(2024, 3, 1), d(2024, 3, 2)),
            Period::Month
        );
    }

    #[test]
    fn bucket_labels() {
        let months = Period::Month.buckets(d(2023, 11, 17), d(2024, 2, 1));
        let labels: Vec<String> = months.iter().map(|&m| Period::Month.label(m)).collect();
        assert_eq!(labels, ["2023-11", "2023-12", "2024-01", "2024-02"]);
        assert_eq!(
            Period::Week.label(Period::Week.start(d(2024, 3, 17))),
            "2024-W11"
        );
        assert_eq!(
            Period::Quarter.label(Period::Quarter.start(d(2024, 8, 1))),
            "2024-Q3"
        );
        assert_eq!(
            Period::Week.label(Period::Week.start(d(2021, 1, 2))),
            "2020-W53"
        );
    }
}
