//! The ingest stage: turn paths (files, folders, `-` for stdin) into [`Article`]s.
//!
//! `.txt`, `.md`, `.html` and `.htm` files are one article each (Markdown and HTML are read
//! to plain text by [`super::read`]); `.jsonl` files hold one article per line (`{"id",
//! "text"}` or `{"id", "html"}`, plus optional `title`, `label`, `date`, `source`). Any of them
//! may be gzip-compressed (`.gz`). Every article then gets its date and source
//! ([`super::read::resolve`]). Text is decoded from UTF-8, UTF-8 with BOM, UTF-16 with BOM or
//! GB18030/GBK, so a GBK file gives exactly the same articles as its UTF-8 twin.
// Input handling: no indexing that could panic on what users feed in.
#![deny(clippy::indexing_slicing)]

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::stages::read::{self, DateFrom, SourceFrom};

/// One article as read from the input, before any cleaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// Stable identifier: the path as given, or the JSONL record's `id`.
    pub id: String,
    /// The JSONL `title`, when the record has one.
    pub title: Option<String>,
    /// The JSONL `label` (gold category), used by evaluation.
    pub label: Option<String>,
    /// The article's day, ISO `YYYY-MM-DD` once [`load`] resolved it (before: the raw JSONL
    /// `date`).
    pub date: Option<String>,
    /// Where [`Article::date`] came from; `None` while undated.
    pub date_from: Option<DateFrom>,
    /// The outlet or site (JSONL `source`, HTML page, metadata line).
    pub source: Option<String>,
    /// Where [`Article::source`] came from.
    pub source_from: Option<SourceFrom>,
    /// The decoded text; paragraphs are separated by line breaks.
    pub text: String,
    /// Where the text came from, which decides how source lines are numbered.
    pub origin: Origin,
}

impl Article {
    /// An article of plain text (as a `.txt` file holds it), named `id`.
    pub fn text(id: impl Into<String>, text: impl Into<String>) -> Article {
        Article {
            id: id.into(),
            title: None,
            label: None,
            date: None,
            date_from: None,
            source: None,
            source_from: None,
            text: text.into(),
            origin: Origin::TextFile,
        }
    }
}

/// Where an article's text came from, and so what "line" means for its paragraphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A whole text file: paragraph lines are lines of that file.
    TextFile,
    /// One record of a JSON Lines file: every paragraph reports the record's line.
    JsonlRecord {
        /// 1-based line of the record in its file.
        line: usize,
    },
}

/// The articles read from all inputs, in input order, plus warnings about skipped files.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The articles, in the order the inputs were given (folders walked in name order).
    pub articles: Vec<Article>,
    /// Files that were skipped (binary, undecodable, unreadable inside a folder) and why.
    pub warnings: Vec<String>,
}

/// One input as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file or a folder.
    Path(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// Text already in memory (the bundled seed articles, tests): `(id, text)`.
    Memory {
        /// The article id to report.
        id: String,
        /// The article text.
        text: String,
    },
}

impl Input {
    /// Reads `-` as stdin and anything else as a path.
    pub fn parse(arg: &str) -> Self {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// Which files inside a folder are articles.
const ARTICLE_EXTENSIONS: [&str; 5] = ["txt", "md", "html", "htm", "jsonl"];

/// Reads every input into one corpus.
///
/// Errors on an input that cannot be read at all (a missing path, an explicitly named binary or
/// undecodable file, a bad JSONL record); files inside folders that are binary or undecodable
/// are skipped with a warning instead, so one stray file does not spoil a folder.
pub fn load(inputs: &[Input]) -> Result<Corpus> {
    let mut corpus = Corpus::default();
    if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
        return Err(Error::StdinTwice);
    }
    for input in inputs {
        match input {
            Input::Stdin => {
                let bytes = read_all(std::io::stdin(), Path::new("-"), Path::new("<stdin>"))?;
                let articles =
                    read_bytes_into(bytes, Path::new("<stdin>"), None, &mut corpus.warnings)?;
                corpus.articles.extend(articles);
            }
            Input::Memory { id, text } => corpus
                .articles
                .push(Article::text(id.clone(), text.clone())),
            Input::Path(path) => load_path(&mut corpus, path)?,
        }
    }
    read::resolve(&mut corpus);
    if corpus.articles.is_empty() {
        let what = inputs
            .iter()
            .map(|input| match input {
                Input::Path(p) => p.display().to_string(),
                Input::Stdin => "stdin".to_string(),
                Input::Memory { id, .. } => id.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::NoArticles { what });
    }
    Ok(corpus)
}

fn load_path(corpus: &mut Corpus, path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        let kind = FileKind::of(path).unwrap_or(FileKind::Text);
        return load_file(corpus, path, kind);
    }
    let before = corpus.articles.len();
    let warnings_before = corpus.warnings.len();
    let walker = walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                // Symlink loops and unreadable sub-folders: skip, do not hang or abort.
                corpus.warnings.push(format!("skipped: {err}"));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(kind) = FileKind::of(entry.path()) else {
            continue;
        };
        match load_file(corpus, entry.path(), kind) {
            Ok(()) => {}
            Err(
                err @ (Error::Binary { .. }
                | Error::Undecodable { .. }
                | Error::Gzip { .. }
                | Error::Html { .. }),
            ) => {
                corpus.warnings.push(format!("skipped {err}"));
            }
            Err(Error::Read { path, source }) => {
                corpus
                    .warnings
                    .push(format!("skipped {}: {source}", path.display()));
            }
            Err(other) => return Err(other),
        }
    }
    if corpus.articles.len() == before {
        // Say why: the warnings would otherwise be lost with the run.
        let skipped = corpus.warnings.get(warnings_before..).unwrap_or_default();
        let what = match skipped {
            [] => format!("folder {}", path.display()),
            [only] => format!("folder {} ({only})", path.display()),
            [first, rest @ ..] => format!(
                "folder {} ({first}; and {} more skipped)",
                path.display(),
                rest.len()
            ),
        };
        return Err(Error::NoArticles { what });
    }
    Ok(())
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

/// How a file's content is split into articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The whole file is one article (`.txt`, anything named explicitly).
    Text,
    /// One Markdown article (`.md`), read to plain text.
    Markdown,
    /// One saved web page (`.html`, `.htm`): its main text, title, date and source.
    Html,
    /// One article per line (`.jsonl`).
    Jsonl,
}

impl FileKind {
    /// The kind a folder walk assigns by extension (`.gz` looks through to the inner name);
    /// `None` for files that are not articles.
    pub fn of(path: &Path) -> Option<FileKind> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = name.rsplit_once('.')?.1;
        if !ARTICLE_EXTENSIONS.contains(&ext) {
            return None;
        }
        Some(match ext {
            "jsonl" => FileKind::Jsonl,
            "md" => FileKind::Markdown,
            "html" | "htm" => FileKind::Html,
            _ => FileKind::Text,
        })
    }
}

fn load_file(corpus: &mut Corpus, path: &Path, kind: FileKind) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let raw = read_all(file, path, path)?;
    let articles = read_bytes_into(raw, path, Some(kind), &mut corpus.warnings)?;
    corpus.articles.extend(articles);
    Ok(())
}

/// Turns the raw bytes of one input into articles: gunzips them (by `.gz` name or gzip magic),
/// decodes them ([`decode`]) and splits them by `kind` — one article for text, one per record
/// for JSON Lines. `kind: None` sniffs: text starting with `{` is JSON Lines (used for stdin).
/// `path` names the input in ids and error messages.
pub fn read_bytes(raw: Vec<u8>, path: &Path, kind: Option<FileKind>) -> Result<Vec<Article>> {
    read_bytes_into(raw, path, kind, &mut Vec::new())
}

/// [`read_bytes`], adding what the readers warn about (a page whose charset lies) to
/// `warnings`.
fn read_bytes_into(
    raw: Vec<u8>,
    path: &Path,
    kind: Option<FileKind>,
    warnings: &mut Vec<String>,
) -> Result<Vec<Article>> {
    let bytes = if is_gzip(path, &raw) {
        gunzip(&raw, path)?
    } else {
        raw
    };
    if kind == Some(FileKind::Html) || (kind.is_none() && read::html::sniff(&bytes)) {
        let page = read::html::read(&bytes, path)?;
        warnings.extend(page.warnings.iter().cloned());
        return Ok(vec![page_article(path.display().to_string(), page)]);
    }
    let text = decode_owned(bytes, path)?;
    let kind = kind.unwrap_or_else(|| {
        if text.trim_start().starts_with('{') {
            FileKind::Jsonl
        } else {
            FileKind::Text
        }
    });
    match kind {
        FileKind::Text => Ok(vec![Article::text(path.display().to_string(), text)]),
        FileKind::Markdown => Ok(vec![Article::text(
            path.display().to_string(),
            read::markdown::to_text(&text),
        )]),
        FileKind::Html => {
            let page = read::html::read_str(&text, path)?;
            warnings.extend(page.warnings.iter().cloned());
            Ok(vec![page_article(path.display().to_string(), page)])
        }
        FileKind::Jsonl => parse_jsonl(&text, path),
    }
}

/// The article a web page gives: its title, and its date and source marked as from the page.
fn page_article(id: String, page: read::Page) -> Article {
    let date_from = page.date.is_some().then_some(DateFrom::Html);
    let source_from = page.source.is_some().then_some(SourceFrom::Html);
    Article {
        id,
        title: page.title,
        label: None,
        date: page.date,
        date_from,
        source: page.source,
        source_from,
        text: page.text,
        origin: Origin::TextFile,
    }
}

/// How much of an input is read before judging whether it is binary.
const SNIFF_BYTES: usize = 8192;

/// Reads all of `reader`, refusing binary data after its first [`SNIFF_BYTES`] (unless they
/// are gzip or start with a byte-order mark) instead of after the whole input, so an endless
/// binary stream such as `/dev/zero` is an error rather than a run out of memory. `read_as`
/// names the input in read errors, `path` everywhere else.
fn read_all(mut reader: impl Read, read_as: &Path, path: &Path) -> Result<Vec<u8>> {
    let failed = |source| Error::Read {
        path: read_as.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    let decodable = is_gzip(path, &bytes) || encoding_rs::Encoding::for_bom(&bytes).is_some();
    if !decodable && looks_binary(&bytes) {
        return Err(Error::Binary {
            path: path.to_path_buf(),
        });
    }
    reader.read_to_end(&mut bytes).map_err(failed)?;
    Ok(bytes)
}

fn is_gzip(path: &Path, bytes: &[u8]) -> bool {
    let named = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    named || bytes.starts_with(&[0x1f, 0x8b])
}

fn gunzip(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(3));
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|err| Error::Gzip {
            path: path.to_path_buf(),
            reason: err.to_string(),
        })?;
    Ok(out)
}

/// One JSON Lines record as users write it. Unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct JsonlRecord {
    id: Option<serde_json::Value>,
    text: Option<String>,
    /// A saved web page in place of `text`.
    html: Option<String>,
    title: Option<String>,
    label: Option<serde_json::Value>,
    date: Option<String>,
    source: Option<String>,
}

/// Parses JSON Lines text into articles; blank lines are skipped. A record without `id` gets
/// `{file}:{line}` as its id. Records are parsed in parallel and kept in file order; the error
/// reported is that of the first bad line, as if they were read one by one.
pub fn parse_jsonl(text: &str, path: &Path) -> Result<Vec<Article>> {
    use rayon::prelude::*;
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .collect();
    let parsed: Vec<Result<Article>> = lines
        .par_iter()
        .map(|&(line_no, line)| parse_record(line, line_no, path))
        .collect();
    parsed.into_iter().collect()
}

/// One non-blank JSON Lines record (trimmed), from line `line_no` of `path`.
fn parse_record(line: &str, line_no: usize, path: &Path) -> Result<Article> {
    let err = |reason: String| Error::Jsonl {
        path: path.to_path_buf(),
        line: line_no,
        reason,
    };
    let record: JsonlRecord =
        serde_json::from_str(line).map_err(|e| err(format!("invalid JSON ({e})")))?;
    let id = match record.id {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Null) | None => format!("{}:{line_no}", path.display()),
        Some(other) => other.to_string(),
    };
    let (text, page) = match (record.text, record.html) {
        (Some(text), _) => (text, None),
        (None, Some(html)) => {
            let page = read::html::read_str(&html, Path::new(&id)).map_err(|e| match e {
                Error::Html { reason, .. } => err(format!("its \"html\" has {reason}")),
                other => other,
            })?;
            (page.text.clone(), Some(page))
        }
        (None, None) => {
            return Err(err(
                "the record has no \"text\" field (nor an \"html\" page)".to_string(),
            ))
        }
    };
    let label = match record.label {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let mut article = Article {
        id,
        title: record.title,
        label,
        date: record.date,
        date_from: None,
        source: record.source,
        source_from: None,
        text,
        origin: Origin::JsonlRecord { line: line_no },
    };
    if let Some(page) = page {
        // The record's own fields first; the page fills the gaps.
        article.title = article.title.or(page.title);
        if article.date.is_none() && page.date.is_some() {
            article.date = page.date;
            article.date_from = Some(DateFrom::Html);
        }
        if article.source.is_none() && page.source.is_some() {
            article.source = page.source;
            article.source_from = Some(SourceFrom::Html);
        }
    }
    Ok(article)
}

/// Decodes file bytes to text: BOM-marked UTF-8/UTF-16 first, then strict UTF-8, then
/// GB18030 (a superset of GBK and GB2312). Binary data is refused rather than guessed at.
pub fn decode(bytes: &[u8], path: &Path) -> Result<String> {
    decode_owned(bytes.to_vec(), path)
}

/// [`decode`], taking the bytes: UTF-8 input (the usual case) becomes the text without a copy.
fn decode_owned(bytes: Vec<u8>, path: &Path) -> Result<String> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(&bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        return encoding
            .decode_without_bom_handling_and_without_replacement(body)
            .map(|text| text.into_owned())
            .ok_or_else(|| Error::Undecodable {
                path: path.to_path_buf(),
            });
    }
    if looks_binary(&bytes) {
        return Err(Error::Binary {
            path: path.to_path_buf(),
        });
    }
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(not_utf8) => not_utf8.into_bytes(),
    };
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .map(|text| text.into_owned())
        .ok_or_else(|| Error::Undecodable {
            path: path.to_path_buf(),
        })
}

/// A NUL byte, or many control characters, in the first 8 KiB means binary data.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
    if head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    controls * 10 > head.len().max(1)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn gbk_decodes_like_utf8() {
        let text = "算力仍是主要制约因素\n大模型";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk, Path::new("a.txt")).unwrap(), text);
    }

    #[test]
    fn utf8_bom_and_utf16_bom_are_stripped() {
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("芯片".as_bytes());
        assert_eq!(decode(&bom, Path::new("a")).unwrap(), "芯片");
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "芯片".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&utf16, Path::new("a")).unwrap(), "芯片");
    }

    #[test]
    fn binary_is_refused() {
        let err = decode(&[0x7f, b'E', b'L', b'F', 0, 0, 1], Path::new("x.bin")).unwrap_err();
        assert!(err.to_string().contains("binary"), "{err}");
    }

    #[test]
    fn jsonl_errors_name_file_and_line() {
        let err = parse_jsonl("{\"id\":\"a\",\"text\":\"x\"}\n{oops", Path::new("c.jsonl"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.jsonl:2: invalid JSON"), "{err}");
        let err = parse_jsonl("\n{\"id\":\"a\"}", Path::new("c.jsonl"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.jsonl:2: the record has no \"text\""),
            "{err}"
        );
    }

    #[test]
    fn jsonl_parsed_in_parallel_reads_like_one_by_one() {
        let mut lines: Vec<String> = (0..2000)
            .map(|i| format!("{{\"id\":\"a{i}\",\"text\":\"正文{i}\"}}"))
            .collect();
        lines[700] = String::new();
        let text = lines.join("\n");
        let run = |threads: usize, text: &str| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| parse_jsonl(text, Path::new("c.jsonl")))
        };
        let one = run(1, &text).unwrap();
        assert_eq!(one, run(2, &text).unwrap());
        assert_eq!(one.len(), 1999);
        assert_eq!(one[700].id, "a701");
        assert_eq!(one[700].origin, Origin::JsonlRecord { line: 702 });
        // Several bad lines: the first one is reported, whatever the threads.
        lines[1500] = "{oops".into();
        lines[900] = "{\"id\":\"x\"}".into();
        let text = lines.join("\n");
        for threads in [1, 2] {
            let err = run(threads, &text).unwrap_err().to_string();
            assert!(err.starts_with("c.jsonl:901: the record has no"), "{err}");
        }
    }

    #[test]
    fn jsonl_keeps_fields_and_record_lines() {
        let text = "{\"id\":7,\"text\":\"正文\",\"title\":\"标题\",\"label\":\"体育\"}\n\n{\"text\":\"二\"}";
        let articles = parse_jsonl(text, Path::new("d.jsonl")).unwrap();
        assert_eq!(articles.len(), 2);
        assert_eq!(articles[0].id, "7");
        assert_eq!(articles[0].title.as_deref(), Some("标题"));
        assert_eq!(articles[0].label.as_deref(), Some("体育"));
        assert_eq!(articles[0].origin, Origin::JsonlRecord { line: 1 });
        assert_eq!(articles[1].id, "d.jsonl:3");
    }

    #[test]
    fn folder_walk_picks_article_extensions_only() {
        assert_eq!(FileKind::of(Path::new("a/b.TXT")), Some(FileKind::Text));
        assert_eq!(FileKind::of(Path::new("b.jsonl.gz")), Some(FileKind::Jsonl));
        assert_eq!(FileKind::of(Path::new("b.png")), None);
        assert_eq!(FileKind::of(Path::new("README")), None);
    }
}
