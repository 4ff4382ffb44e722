//! Sources and dates in an article's own metadata lines, the few short lines near its top
//! that papers and sites print above or below the title: `来源:互联网   发布日期:2023-07-27
//! 09:42:21`, `国际金融报 2023-11-17 11:11`, `每日经济新闻 2024-09-20 16:43:20`. Also the site
//! suffix of a page title (`正文标题_新浪新闻`). Hand-written: these are conventions of Chinese
//! news pages, not a format any crate reads.
#![deny(clippy::indexing_slicing)]

use chrono::NaiveDate;

use super::dates;

/// Lines from the top of an article searched for metadata.
pub const METADATA_LINES: usize = 12;
/// A metadata line is short: at most this many characters.
const MAX_LINE_CHARS: usize = 80;
/// A source name is at most this many characters.
const MAX_SOURCE_CHARS: usize = 20;

/// Labels that introduce a date on a metadata line (simplified and traditional).
const DATE_LABELS: [&str; 10] = [
    "发布", "發布", "發佈", "日期", "时间", "時間", "发表", "發表", "更新", "来源",
];
/// Labels that introduce a source.
const SOURCE_LABELS: [&str; 4] = ["来源", "來源", "出处", "出處"];

/// What an article's metadata lines say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// The first full date on a metadata line.
    pub date: Option<NaiveDate>,
    /// The source named on a metadata line.
    pub source: Option<String>,
    /// A date on a metadata line before any real one that is no day of the calendar
    /// (`发布日期：2023-02-30`): not used, to be reported.
    pub impossible: Option<dates::Impossible>,
}

/// Reads the date and source from the first [`METADATA_LINES`] non-blank lines of `text`.
/// A line counts when it is short and either labelled (`发布日期:`, `来源：`) or holds little
/// besides a date and a name; a sentence that mentions a date (`2023年7月27日，国家……。`) does
/// not.
pub fn metadata_lines(text: &str) -> Meta {
    let mut meta = Meta::default();
    let lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(METADATA_LINES);
    for line in lines {
        // Seed-style pinyin glosses (`互聯(lián)網(wǎng)`) are no part of a name.
        let line = crate::stages::clean::strip_pinyin_glosses(line);
        let line = line.as_str();
        if line.chars().count() > MAX_LINE_CHARS {
            continue;
        }
        if meta.source.is_none() {
            meta.source = labelled_source(line);
        }
        if meta.date.is_some() {
            if meta.source.is_some() {
                break;
            }
            continue;
        }
        let Some((start, end, day)) = dates::span_in_line(line) else {
            continue;
        };
        let labelled = DATE_LABELS.iter().any(|l| line.contains(l));
        let before = line.get(..start).unwrap_or_default();
        let after = line.get(end..).unwrap_or_default();
        let rest = format!("{before}{}", strip_time(after));
        let bare = rest.chars().count() <= 24 && !rest.contains(SENTENCE_MARKS);
        if !(labelled || bare) {
            continue;
        }
        let Some(day) = day else {
            if meta.impossible.is_none() {
                if let Some(Err(no_day)) = dates::stated(line.get(start..end).unwrap_or_default()) {
                    meta.impossible = Some(no_day);
                }
            }
            continue;
        };
        meta.date = Some(day);
        if meta.source.is_none() && !labelled {
            meta.source = source_name(before);
        }
    }
    meta
}

const SENTENCE_MARKS: [char; 7] = ['。', '！', '？', '；', '，', ',', '!'];

/// `来源:互联网   发布日期:…` → `互联网`.
fn labelled_source(line: &str) -> Option<String> {
    // `来源：` with its colon: `灵感来源日本` is a sentence, not a label.
    let rest = SOURCE_LABELS.iter().find_map(|l| {
        line.match_indices(l).find_map(|(at, _)| {
            let after = line.get(at + l.len()..)?.trim_start();
            after.strip_prefix([':', '：'])
        })
    })?;
    let rest = rest.trim_start();
    let name: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '|' | '丨' | '｜' | '/' | '，' | ','))
        .collect();
    source_name(&name)
}

/// A plausible outlet name: 2–20 characters, not a number, no sentence punctuation.
pub fn source_name(raw: &str) -> Option<String> {
    let name = raw
        .trim()
        .trim_matches(|c: char| c.is_whitespace() || "：:|丨｜-—·()（）【】[]".contains(c));
    // A Latin gloss after a Chinese name is no part of it: `澎湃新闻-The Paper`.
    let name = name
        .rsplit_once(['-', '—', '_', '|'])
        .filter(|(head, gloss)| {
            head.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
                && gloss.chars().any(|c| c.is_ascii_alphabetic())
                && gloss
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '.')
        })
        .map_or(name, |(head, _)| head.trim());
    let chars = name.chars().count();
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    let ok = (2..=MAX_SOURCE_CHARS).contains(&chars)
        && letters * 2 > chars
        && !name.contains(SENTENCE_MARKS)
        && !name.contains("http");
    ok.then(|| name.to_string())
}

/// Drops a leading time of day (` 09:42:21`) from the text after a date.
fn strip_time(after: &str) -> &str {
    let t = after.trim_start_matches(|c: char| c.is_whitespace() || c == 'T');
    let end = t
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == ':'))
        .map_or(t.len(), |(i, _)| i);
    t.get(end..).unwrap_or_default()
}

/// Separators between a page title and its site name (`标题_新浪新闻`, `标题 - 澎湃新闻`).
const TITLE_SEPARATORS: [&str; 7] = [" - ", " | ", "_", "｜", " — ", "--", "-"];

/// Splits a page `<title>` into the article title and the site suffix, if it has one.
pub fn split_title(title: &str) -> (String, Option<String>) {
    let title = title.trim();
    for sep in TITLE_SEPARATORS {
        if let Some((head, tail)) = title.split_once(sep) {
            let head = head.trim();
            // The site is the last part: `标题_滚动新闻_新浪网` names 新浪网.
            let site = tail.rsplit(sep).next().unwrap_or(tail).trim();
            if head.chars().count() >= 4 {
                return (head.to_string(), source_name(site));
            }
        }
    }
    (title.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn the_seeds_metadata_lines() {
        let meta = metadata_lines(
            "展會信息港展會大全\n\nAI大模型向“錢”進,誰能賺到第一桶金?\n來源:互聯網   發布日期:2023-07-27 09:42:21   瀏覽:21987次  \n\n導讀:",
        );
        assert_eq!(meta.date, d(2023, 7, 27));
        assert_eq!(meta.source.as_deref(), Some("互聯網"));
        let meta = metadata_lines("AI“百模大战”现状\n国际金融报 2023-11-17 11:11\n\n正文。");
        assert_eq!(meta.date, d(2023, 11, 17));
        assert_eq!(meta.source.as_deref(), Some("国际金融报"));
        let meta = metadata_lines("每日經濟新聞 2024-09-20 16:43:20\n“前期更多出現的是”");
        assert_eq!(meta.source.as_deref(), Some("每日經濟新聞"));
        // A 来源 inside a sentence is no label.
        assert_eq!(
            metadata_lines("唐朝混混杨树鹏：《唐朝》故事灵感来源日本").source,
            None
        );
    }

    #[test]
    fn sentences_with_dates_and_bare_month_days_are_not_metadata() {
        let meta =
            metadata_lines("2023年7月27日，国家网信办等七部门联合公布了办法，自8月15日起施行。");
        assert_eq!(meta, Meta::default());
        assert_eq!(metadata_lines("8月31日,首批11家"), Meta::default());
    }

    #[test]
    fn latin_glosses_leave_names() {
        assert_eq!(
            source_name("澎湃新闻-The Paper").as_deref(),
            Some("澎湃新闻")
        );
        assert_eq!(source_name("证券时报网").as_deref(), Some("证券时报网"));
        assert_eq!(
            source_name("人民网-文化频道").as_deref(),
            Some("人民网-文化频道")
        );
        assert_eq!(source_name("EETOP").as_deref(), Some("EETOP"));
    }

    #[test]
    fn page_titles_lose_their_site_suffix() {
        assert_eq!(
            split_title("女童眼睛被塞几十片纸_凤凰网"),
            (
                "女童眼睛被塞几十片纸".to_string(),
                Some("凤凰网".to_string())
            )
        );
        assert_eq!(
            split_title("标题正文在此_滚动新闻_新浪网"),
            ("标题正文在此".to_string(), Some("新浪网".to_string()))
        );
        assert_eq!(
            split_title("没有后缀的标题"),
            ("没有后缀的标题".to_string(), None)
        );
    }
}
