//! Dates as Chinese news writes them: `2023-07-27`, `2023/7/27`, `2023.7.27`, `2023年7月27日`,
//! `20230727` (file names and fields only), each with or without a time after it
//! (`09:42:21`, `T13:43:45+08:00`). A date needs its year: a bare month-day (`7月27日`) is
//! never taken, since nothing says which year it is. Days are checked against the calendar, so
//! `2023-02-30` is refused rather than rolled over. Hand-written because the formats are few
//! and fixed, and a date-parsing crate parses one format at a time (chrono's `parse_from_str`)
//! instead of finding dates inside a line; chrono checks the calendar.
#![deny(clippy::indexing_slicing)]

use chrono::{Datelike, NaiveDate};

/// Years taken as dates; other four-digit numbers (`1375亿元`, `6000`) are not years.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Why a string is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Shaped like a date, but no such day (`2023-02-30`, `2024-13-01`).
    #[error("is not a day of the calendar ({year}-{month:02} has no day {day})")]
    NoSuchDay {
        /// The year written.
        year: i32,
        /// The month written.
        month: u32,
        /// The day written.
        day: u32,
    },
    /// Not one of the accepted date formats.
    #[error("is not a date zhuti reads (2023-07-27, 2023/7/27, 2023年7月27日, 20230727)")]
    NotADate,
}

/// A date found inside a string: its byte span and the day (or why it is none).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    start: usize,
    end: usize,
    day: Result<NaiveDate, DateError>,
}

/// Parses a whole field (`"2023-07-27"`, `"2023-07-27T09:42:21+08:00"`, `"2023年7月27日 09:42"`,
/// `"20230727"`): a date at the start, then nothing but a time.
pub fn parse(raw: &str) -> Result<NaiveDate, DateError> {
    let raw = raw.trim();
    let found = scan(raw, true)
        .into_iter()
        .next()
        .ok_or(DateError::NotADate)?;
    if found.start != 0 || !is_time(raw.get(found.end..).unwrap_or_default()) {
        return Err(DateError::NotADate);
    }
    found.day
}

/// The date in a file name (`20250315.md`, `2024-09-20-xxx.txt`, `news_2023年7月27日.html`):
/// the first real day in the last path component, if any.
pub fn from_file_name(id: &str) -> Option<NaiveDate> {
    let name = id.rsplit(['/', '\\']).next().unwrap_or(id);
    scan(name, true).into_iter().find_map(|f| f.day.ok())
}

/// The first real day written with separators or 年月日 in `line` (compact `20230727` is too
/// easily a number inside running text).
pub fn find_in_line(line: &str) -> Option<NaiveDate> {
    scan(line, false).into_iter().find_map(|f| f.day.ok())
}

/// A date written that is no day of the calendar, kept to tell the user (`2023-02-30`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impossible {
    /// The text as written (`2023-02-30T10:00:00+08:00`, `2023年2月30日`).
    pub written: String,
    /// Why it is no day.
    pub why: DateError,
}

/// The day a field or line states: a whole field ([`parse`]) else the first date written in
/// it; `Err` when that date is no day of the calendar, `None` when there is no date at all.
pub fn stated(raw: &str) -> Option<std::result::Result<NaiveDate, Impossible>> {
    let impossible = |written: &str, why| Impossible {
        written: written.trim().to_string(),
        why,
    };
    match parse(raw) {
        Ok(day) => return Some(Ok(day)),
        Err(why @ DateError::NoSuchDay { .. }) => return Some(Err(impossible(raw, why))),
        Err(DateError::NotADate) => {}
    }
    let found = scan(raw, false).into_iter().next()?;
    Some(
        found
            .day
            .map_err(|why| impossible(raw.get(found.start..found.end).unwrap_or_default(), why)),
    )
}

/// The byte span of the first date (real or not) in `line`, for callers that cut it out.
pub(crate) fn span_in_line(line: &str) -> Option<(usize, usize, Option<NaiveDate>)> {
    scan(line, false)
        .into_iter()
        .next()
        .map(|f| (f.start, f.end, f.day.ok()))
}

/// Is `rest` empty or a time of day (`09:42`, `T13:43:45.123+08:00`, ` 16:43:20`)?
fn is_time(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', 'T', 't', '\u{3000}']);
    rest.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | '+' | '-' | 'Z' | 'z' | ' '))
}

/// Every date-shaped span in `s`, left to right. `compact` also takes `YYYYMMDD`.
fn scan(s: &str, compact: bool) -> Vec<Found> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_start = i == 0 || !bytes.get(i - 1).is_some_and(u8::is_ascii_digit);
        if at_start && bytes.get(i).is_some_and(u8::is_ascii_digit) {
            if let Some(found) = date_at(s, i, compact) {
                i = found.end;
                out.push(found);
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Reads up to `max` ASCII digits at byte `at`: (value, digits read).
fn digits(s: &str, at: usize, max: usize) -> (u32, usize) {
    let mut value = 0u32;
    let mut n = 0;
    for b in s.as_bytes().iter().skip(at).take(max) {
        if !b.is_ascii_digit() {
            break;
        }
        value = value * 10 + u32::from(b - b'0');
        n += 1;
    }
    (value, n)
}

fn date_at(s: &str, start: usize, compact: bool) -> Option<Found> {
    let (year, run) = digits(s, start, 9);
    if run == 8 && compact {
        return compact_at(s, start);
    }
    if run != 4 {
        return None;
    }
    let year = i32::try_from(year).ok()?;
    if !YEARS.contains(&year) {
        return None;
    }
    let mut at = start + 4;
    let rest = s.get(at..)?;
    let sep = rest.chars().next()?;
    let (day_sep, day_end): (char, Option<char>) = match sep {
        '-' | '/' | '.' => (sep, None),
        '年' => ('月', Some('日')),
        _ => return None,
    };
    at += sep.len_utf8();
    let (month, mn) = digits(s, at, 3);
    if !(1..=2).contains(&mn) {
        return None;
    }
    at += mn;
    if !s.get(at..)?.starts_with(day_sep) {
        return None;
    }
    at += day_sep.len_utf8();
    let (day, dn) = digits(s, at, 3);
    if !(1..=2).contains(&dn) {
        return None;
    }
    at += dn;
    if let Some(end) = day_end {
        let rest = s.get(at..).unwrap_or_default();
        if rest.starts_with(end) {
            at += end.len_utf8();
        } else if rest.starts_with('号') {
            at += '号'.len_utf8();
        }
    }
    Some(Found {
        start,
        end: at,
        day: day_of(year, month, day),
    })
}

/// `YYYYMMDD` as a number of exactly eight digits.
fn compact_at(s: &str, start: usize) -> Option<Found> {
    let (year, _) = digits(s, start, 4);
    let (month, _) = digits(s, start + 4, 2);
    let (day, _) = digits(s, start + 6, 2);
    let year = i32::try_from(year).ok()?;
    if !YEARS.contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    Some(Found {
        start,
        end: start + 8,
        day: day_of(year, month, day),
    })
}

fn day_of(year: i32, month: u32, day: u32) -> Result<NaiveDate, DateError> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::NoSuchDay { year, month, day })
}

/// Monday of the ISO week holding `date`.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fields_in_every_accepted_format() {
        for raw in [
            "2023-07-27",
            "2023/7/27",
            "2023.07.27",
            "2023年7月27日",
            "20230727",
            "2023-07-27 09:42:21",
            "2023-07-27T09:42:21+08:00",
            " 2023年7月27日 09:42 ",
        ] {
            assert_eq!(parse(raw), Ok(d(2023, 7, 27)), "{raw}");
        }
    }

    #[test]
    fn impossible_days_and_non_dates_are_refused() {
        assert_eq!(
            parse("2023-02-30"),
            Err(DateError::NoSuchDay {
                year: 2023,
                month: 2,
                day: 30
            })
        );
        assert!(parse("2023-02-30")
            .unwrap_err()
            .to_string()
            .contains("2023-02 has no day 30"));
        assert_eq!(parse("2024-02-29"), Ok(d(2024, 2, 29)));
        for raw in [
            "7月27日",
            "yesterday",
            "2023-07",
            "27/07/2023",
            "2023-07-27 昨天",
            "",
        ] {
            assert_eq!(parse(raw), Err(DateError::NotADate), "{raw}");
        }
    }

    #[test]
    fn stated_days_and_impossible_ones() {
        assert_eq!(stated("2019-09-06T17:05:00+08:00"), Some(Ok(d(2019, 9, 6))));
        assert_eq!(
            stated("发布时间：2019年9月6日 17:05"),
            Some(Ok(d(2019, 9, 6)))
        );
        assert_eq!(stated("无日期"), None);
        let no_day = DateError::NoSuchDay {
            year: 2023,
            month: 2,
            day: 30,
        };
        assert_eq!(
            stated("2023-02-30T10:00:00+08:00"),
            Some(Err(Impossible {
                written: "2023-02-30T10:00:00+08:00".into(),
                why: no_day.clone()
            }))
        );
        assert_eq!(
            stated("发布时间：2023-02-30 10:00"),
            Some(Err(Impossible {
                written: "2023-02-30".into(),
                why: no_day
            }))
        );
    }

    #[test]
    fn file_names() {
        assert_eq!(from_file_name("xwlb/20250315.md"), Some(d(2025, 3, 15)));
        assert_eq!(from_file_name("a/2024-09-20-xxx.txt"), Some(d(2024, 9, 20)));
        assert_eq!(from_file_name("2024-09/1.txt"), None);
        assert_eq!(from_file_name("seeds/000_3ef24099cf65efde.txt"), None);
        assert_eq!(from_file_name("163/1.html"), None);
        assert_eq!(from_file_name("x/20230230.md"), None);
    }

    #[test]
    fn lines_never_take_a_bare_month_day() {
        assert_eq!(find_in_line("8月31日,首批11家"), None);
        assert_eq!(
            find_in_line("国际金融报 2023-11-17 11:11"),
            Some(d(2023, 11, 17))
        );
        assert_eq!(
            find_in_line("發布日期:2023-07-27 09:42:21"),
            Some(d(2023, 7, 27))
        );
        assert_eq!(find_in_line("2019年09月07日 13:43"), Some(d(2019, 9, 7)));
        assert_eq!(find_in_line("减免服务费用13750612元"), None);
        assert_eq!(find_in_line("第6000-12-01号"), None);
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_start(d(2024, 3, 17)), d(2024, 3, 11));
        assert_eq!(week_start(d(2024, 3, 11)), d(2024, 3, 11));
    }
}
