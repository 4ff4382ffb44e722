//! CSV and TSV tables (`.csv`, `.tsv`): one article per row, read with the `csv` crate
//! (RFC 4180 quoting, quoted line breaks). The first row is the header. The text is the
//! column `--text-field` names, else the first of [`TEXT_FIELDS`] (any case); `id`, `title`,
//! `label`, `date` and `source` columns (or their usual Chinese names) fill the article's
//! fields. A row without text is a bad record (reported with its line, as for JSON Lines).
// Input handling: no indexing that could panic on what users feed in.
#![deny(clippy::indexing_slicing)]

use std::path::Path;

use crate::error::{Error, Result};
use crate::stages::ingest::{Article, BadRecord, Origin, BAD_RECORD_TEXT_CHARS, TEXT_FIELDS};

/// The header names each article field is read from, first match wins (compared without case).
const ID: [&str; 3] = ["id", "编号", "序号"];
const TITLE: [&str; 3] = ["title", "标题", "headline"];
const LABEL: [&str; 4] = ["label", "category", "类别", "分类"];
const DATE: [&str; 5] = ["date", "日期", "time", "时间", "发布时间"];
const SOURCE: [&str; 4] = ["source", "来源", "媒体", "site"];

/// The articles of a table's `text`, and its bad rows.
pub fn read(
    text: &str,
    path: &Path,
    delimiter: u8,
    text_field: Option<&str>,
) -> Result<(Vec<Article>, Vec<BadRecord>)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| table_error(path, 1, &e.to_string()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let column = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
    };
    let text_column = match text_field {
        Some(name) => column(&[name]),
        None => column(&TEXT_FIELDS),
    }
    .ok_or_else(|| {
        let wanted = match text_field {
            Some(name) => format!("no column \"{name}\" (--text-field)"),
            None => format!(
                "no text column ({}); name it with --text-field",
                TEXT_FIELDS.join(", ")
            ),
        };
        table_error(
            path,
            1,
            &format!("{wanted}; the header has: {}", headers.join(", ")),
        )
    })?;
    let (id, title, label, date, source) = (
        column(&ID),
        column(&TITLE),
        column(&LABEL),
        column(&DATE),
        column(&SOURCE),
    );
    let mut articles = Vec::new();
    let mut bad = Vec::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                bad.push(BadRecord {
                    path: path.to_path_buf(),
                    line,
                    reason: format!("unreadable row ({e})"),
                    text: String::new(),
                });
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line() as usize);
        let cell = |i: Option<usize>| {
            i.and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let Some(body) = cell(Some(text_column)) else {
            if row.iter().all(|c| c.trim().is_empty()) {
                continue; // a blank row
            }
            bad.push(BadRecord {
                path: path.to_path_buf(),
                line,
                reason: format!(
                    "the row has no text in column \"{}\"",
                    headers.get(text_column).map_or("", String::as_str)
                ),
                text: row
                    .iter()
                    .collect::<Vec<_>>()
                    .join(",")
                    .chars()
                    .take(BAD_RECORD_TEXT_CHARS)
                    .collect(),
            });
            continue;
        };
        articles.push(Article {
            id: cell(id).unwrap_or_else(|| format!("{}:{line}", path.display())),
            title: cell(title),
            label: cell(label),
            date: cell(date),
            date_from: None,
            source: cell(source),
            source_from: None,
            text: body.replace("\r\n", "\n"),
            origin: Origin::JsonlRecord { line },
        });
    }
    Ok((articles, bad))
}

fn table_error(path: &Path, line: usize, reason: &str) -> Error {
    Error::Table {
        path: path.to_path_buf(),
        line,
        reason: reason.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_articles_with_their_fields() {
        let text = "编号,标题,正文,日期\n\
                    a1,芯片,\"算力紧缺,\n芯片受限\",2024-03-01\n\
                    a2,,垂直大模型落地,\n\
                    a3,空,,\n";
        let (articles, bad) = read(text, Path::new("t.csv"), b',', None).unwrap();
        assert_eq!(articles.len(), 2);
        let a = &articles[0];
        assert_eq!(
            (a.id.as_str(), a.title.as_deref(), a.date.as_deref()),
            ("a1", Some("芯片"), Some("2024-03-01"))
        );
        assert_eq!(a.text, "算力紧缺,\n芯片受限");
        assert_eq!(a.origin, Origin::JsonlRecord { line: 2 });
        assert_eq!(articles[1].origin, Origin::JsonlRecord { line: 4 });
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 5);
        assert!(bad[0].reason.contains("no text in column \"正文\""));
    }

    #[test]
    fn a_named_column_and_tabs() {
        let text = "id\tbody_cn\nx\t大模型\n";
        let (articles, _) = read(text, Path::new("t.tsv"), b'\t', Some("body_cn")).unwrap();
        assert_eq!(articles[0].text, "大模型");
        let err = read(text, Path::new("t.tsv"), b'\t', None).unwrap_err();
        assert!(
            err.to_string().contains("name it with --text-field")
                && err.to_string().contains("the header has: id, body_cn"),
            "{err}"
        );
    }
}
