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

use std::collections::HashSet;
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
    /// Bytes of text: the title's and the body's.
    pub fn text_bytes(&self) -> usize {
        self.title.as_ref().map_or(0, String::len) + self.text.len()
    }

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

impl Origin {
    /// A JSON Lines or CSV record, whose paragraphs all report the record's line: reports
    /// locate them by paragraph number instead (`id ¶3`).
    pub fn is_record(self) -> bool {
        matches!(self, Origin::JsonlRecord { .. })
    }
}

/// The articles read from all inputs, in input order, plus warnings about skipped files.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The articles, in the order the inputs were given (folders walked in name order).
    pub articles: Vec<Article>,
    /// Files that were skipped (binary, undecodable, unreadable inside a folder, given twice)
    /// and JSON Lines records that could not be read, and why.
    pub warnings: Vec<String>,
    /// JSON Lines records left out because they could not be read (see [`ReadOptions::strict`]).
    pub bad_records: Vec<BadRecord>,
    /// What was read, as the inputs name it (each path as given, `stdin`, `5 texts in
    /// memory`), for reports to say.
    pub inputs: Vec<String>,
}

/// A JSON Lines record that could not be read: it is left out of the corpus and reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRecord {
    /// The file holding it.
    pub path: PathBuf,
    /// Its 1-based line.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
    /// The start of the line as written (at most [`BAD_RECORD_TEXT_CHARS`] characters).
    pub text: String,
}

/// How much of a bad record's line [`BadRecord::text`] keeps.
pub const BAD_RECORD_TEXT_CHARS: usize = 200;

/// The default of [`ReadOptions::max_input`]: 8 GiB.
pub const DEFAULT_MAX_INPUT: u64 = 8 << 30;

/// How inputs are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The most bytes one run reads, counted after decompression over all inputs
    /// (`--max-input`, default [`DEFAULT_MAX_INPUT`]); past it, reading stops with
    /// [`Error::TooLarge`]. It bounds the memory a gzip bomb or an endless stream can take.
    pub max_input: u64,
    /// A JSON Lines record that cannot be read is an error (`--strict`) instead of being left
    /// out with a warning and a `bad_record` entry among the dropped units (the default).
    pub strict: bool,
    /// The JSON Lines field or CSV/TSV column holding the text (`--text-field`); `None`: the
    /// first of [`TEXT_FIELDS`] a record has.
    pub text_field: Option<String>,
    /// The encoding of every input without a byte-order mark (`--encoding`); `None`: UTF-8
    /// when the bytes are valid UTF-8, else GB18030 or Big5 as detected ([`decode`]).
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_input: DEFAULT_MAX_INPUT,
            strict: false,
            text_field: None,
            encoding: None,
        }
    }
}

/// Where the text of a JSON Lines record or a CSV/TSV row is looked for, in this order, unless
/// `--text-field` names the field.
pub const TEXT_FIELDS: [&str; 4] = ["text", "content", "正文", "body"];

/// A size in bytes as users write it: a whole number, optionally followed by `K`, `M`, `G` or
/// `T` (powers of 1024, either case, an optional `B` or `iB` after it): `8G`, `512M`, `100000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl std::str::FromStr for ByteSize {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let bad = || {
            format!(
                "`{text}` is not a size; write a whole number of bytes with K, M, G or T \
                 after it, e.g. 512M or 8G"
            )
        };
        let lower = text.trim().to_ascii_lowercase();
        let lower = lower
            .strip_suffix("ib")
            .or(lower.strip_suffix('b'))
            .unwrap_or(&lower);
        let (digits, shift) = match lower.char_indices().last() {
            Some((i, 'k')) => (&lower[..i], 10),
            Some((i, 'm')) => (&lower[..i], 20),
            Some((i, 'g')) => (&lower[..i], 30),
            Some((i, 't')) => (&lower[..i], 40),
            _ => (lower, 0),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        let bytes = n.checked_mul(1u64 << shift).ok_or_else(bad)?;
        if bytes == 0 {
            return Err(format!("`{text}`: the size must be above 0"));
        }
        Ok(ByteSize(bytes))
    }
}

impl std::fmt::Display for ByteSize {
    /// The shortest exact spelling: `8G`, `1536M`, `100000`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0;
        for (shift, unit) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] {
            if n != 0 && n.is_multiple_of(1u64 << shift) {
                return write!(f, "{}{unit}", n >> shift);
            }
        }
        write!(f, "{n}")
    }
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
const ARTICLE_EXTENSIONS: [&str; 7] = ["txt", "md", "html", "htm", "jsonl", "csv", "tsv"];

/// Reads every input into one corpus.
///
/// Errors on an input that cannot be read at all (a missing path, an explicitly named binary or
/// undecodable file, a bad JSONL record); files inside folders that are binary or undecodable
/// are skipped with a warning instead, so one stray file does not spoil a folder.
pub fn load(inputs: &[Input]) -> Result<Corpus> {
    load_with(inputs, &ReadOptions::default())
}

/// [`load`] with the given limits: at most `options.max_input` bytes over all inputs, and bad
/// JSON Lines records left out (reported in [`Corpus::bad_records`] and the warnings) unless
/// `options.strict`. A file reached twice (named twice, or through a folder and by name, or a
/// link) is read once, with a warning.
pub fn load_with(inputs: &[Input], options: &ReadOptions) -> Result<Corpus> {
    let mut reader = Reader {
        corpus: Corpus::default(),
        options: options.clone(),
        budget: options.max_input,
        seen: HashSet::new(),
        twice: 0,
    };
    reader.load(inputs)?;
    Ok(reader.corpus)
}

/// Reads the inputs as [`load_with`] does (with `options`), but hands the articles on in
/// chunks of at most `chunk` (in input order, dates and sources resolved, each chunk with the
/// warnings met while reading it), so memory holds one chunk and one input line at a time,
/// never the whole input. JSON Lines files (plain or gzip) and JSON Lines on stdin are read
/// record by record; any other file is read whole, one at a time. Errors as [`load`]: a missing
/// input, a bad record (with `--strict`), no article at all ([`Error::NoArticles`], after the
/// inputs are read); an error from `each` stops the reading and is returned.
pub fn stream(
    inputs: &[Input],
    options: &ReadOptions,
    chunk: ChunkLimit,
    each: &mut dyn FnMut(Corpus) -> Result<()>,
) -> Result<usize> {
    if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
        return Err(Error::StdinTwice);
    }
    let options = options.clone();
    let mut out = Chunker {
        chunk,
        pending_bytes: 0,
        budget: options.max_input,
        options,
        pending: Corpus::default(),
        total: 0,
        each,
    };
    for input in inputs {
        match input {
            Input::Stdin => {
                let stdin = std::io::stdin();
                stream_reader(
                    &mut out,
                    stdin.lock(),
                    Path::new("-"),
                    Path::new("<stdin>"),
                    None,
                )?;
            }
            Input::Memory { id, text } => {
                out.push(Article::text(id.clone(), text.clone()))?;
            }
            Input::Path(path) => stream_path(&mut out, path)?,
        }
    }
    out.flush()?;
    if out.total == 0 {
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
    Ok(out.total)
}

/// When [`stream`] hands a chunk on: once it holds `articles` articles or `bytes` bytes of text
/// (titles and bodies), whichever comes first. A chunk holds one article at least.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimit {
    /// Articles a chunk may hold.
    pub articles: usize,
    /// Bytes of text at which a chunk is full (the article that reaches them included).
    pub bytes: usize,
}

impl ChunkLimit {
    /// At most `articles` articles, of any size.
    pub const fn articles(articles: usize) -> ChunkLimit {
        ChunkLimit {
            articles,
            bytes: usize::MAX,
        }
    }

    /// Is a chunk of `articles` articles holding `bytes` bytes of text full?
    pub fn reached(&self, articles: usize, bytes: usize) -> bool {
        articles >= self.articles.max(1) || (articles > 0 && bytes >= self.bytes)
    }

    /// The chunks [`stream`] would hand on from `articles` read in this order, as index
    /// ranges (for a caller holding a corpus in memory that wants to work as `stream` does).
    pub fn ranges(&self, articles: &[Article]) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let (mut start, mut bytes) = (0, 0);
        for (i, article) in articles.iter().enumerate() {
            bytes += article.text_bytes();
            if self.reached(i + 1 - start, bytes) {
                out.push(start..i + 1);
                (start, bytes) = (i + 1, 0);
            }
        }
        if start < articles.len() {
            out.push(start..articles.len());
        }
        out
    }
}

/// Collects streamed articles into chunks for [`stream`].
struct Chunker<'a> {
    chunk: ChunkLimit,
    /// Text bytes (titles and bodies) of the pending articles.
    pending_bytes: usize,
    /// How inputs are read (the defaults), and what is left of the byte budget.
    options: ReadOptions,
    budget: u64,
    pending: Corpus,
    total: usize,
    each: &'a mut dyn FnMut(Corpus) -> Result<()>,
}

impl Chunker<'_> {
    fn push(&mut self, article: Article) -> Result<()> {
        self.pending_bytes += article.text_bytes();
        self.pending.articles.push(article);
        self.total += 1;
        if self
            .chunk
            .reached(self.pending.articles.len(), self.pending_bytes)
        {
            self.flush()?;
        }
        Ok(())
    }

    fn warn(&mut self, warning: String) {
        self.pending.warnings.push(warning);
    }

    /// Counts `n` more bytes read against `--max-input`.
    fn spend(&mut self, n: u64, path: &Path) -> Result<()> {
        match self.budget.checked_sub(n) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(Error::TooLarge {
                path: path.to_path_buf(),
                limit: self.options.max_input,
            }),
        }
    }

    /// A record left out, with the warning [`load`] gives; with `--strict`, the error it
    /// gives instead.
    fn bad(&mut self, record: BadRecord, kind: Option<FileKind>) -> Result<()> {
        if self.options.strict {
            return Err(strict_error(&record, kind));
        }
        self.warn(format!(
            "{}:{}: skipped a bad record: {} (--strict makes this an error)",
            record.path.display(),
            record.line,
            record.reason
        ));
        self.pending.bad_records.push(record);
        Ok(())
    }

    /// The articles of one whole input's bytes, as [`load`] reads them.
    fn add(&mut self, raw: Vec<u8>, path: &Path, kind: Option<FileKind>) -> Result<()> {
        let mut warnings = Vec::new();
        let (articles, bad) = read_records(raw, path, kind, &self.options, &mut warnings)?;
        if let (true, Some(first)) = (self.options.strict, bad.first()) {
            return Err(strict_error(first, kind));
        }
        for warning in warnings {
            self.warn(warning);
        }
        for article in articles {
            self.push(article)?;
        }
        for record in bad {
            self.bad(record, kind)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.articles.is_empty() && self.pending.warnings.is_empty() {
            return Ok(());
        }
        let mut corpus = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        read::resolve(&mut corpus);
        (self.each)(corpus)
    }
}

/// [`load_path`] for [`stream`]: a file, or every article file of a folder (skipping, with a
/// warning, what [`load_path`] skips).
fn stream_path(out: &mut Chunker<'_>, path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return stream_file(out, path, FileKind::of(path));
    }
    let before = out.total;
    let mut skipped: Vec<String> = Vec::new();
    for file in folder_files(path) {
        let warning = match file {
            Ok((entry, kind)) => match stream_file(out, entry.path(), Some(kind)) {
                Ok(()) => continue,
                Err(err) => skipped_file(err)?,
            },
            Err(err) => format!("skipped: {err}"),
        };
        skipped.push(warning.clone());
        out.warn(warning);
    }
    if out.total == before {
        return Err(empty_folder(path, &skipped));
    }
    Ok(())
}

/// The article files under the folder `path` (links followed, hidden names left out, in name
/// order), each with its kind; or what the walk met instead (a symlink loop, an unreadable
/// sub-folder), which the caller skips with a warning.
fn folder_files(
    path: &Path,
) -> impl Iterator<Item = std::result::Result<(walkdir::DirEntry, FileKind), walkdir::Error>> {
    walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()))
        .filter_map(|entry| match entry {
            Ok(entry) if entry.file_type().is_file() => {
                FileKind::of(entry.path()).map(|kind| Ok((entry, kind)))
            }
            Ok(_) => None,
            Err(err) => Some(Err(err)),
        })
}

/// The warning for a folder's file that cannot be read as articles (it is skipped: binary,
/// undecodable, a bad gzip or web page, unreadable), or `err` itself when it stops the run.
fn skipped_file(err: Error) -> Result<String> {
    match err {
        Error::Binary { .. }
        | Error::Undecodable { .. }
        | Error::Gzip { .. }
        | Error::Html { .. } => Ok(format!("skipped {err}")),
        Error::Read { path, source } => Ok(format!("skipped {}: {source}", path.display())),
        other => Err(other),
    }
}

/// The error for a folder that gave no article, saying why (the files it `skipped`).
fn empty_folder(path: &Path, skipped: &[String]) -> Error {
    let what = match skipped {
        [] => format!("folder {}", path.display()),
        [only] => format!("folder {} ({only})", path.display()),
        [first, rest @ ..] => format!(
            "folder {} ({first}; and {} more skipped)",
            path.display(),
            rest.len()
        ),
    };
    Error::NoArticles { what }
}

fn stream_file(out: &mut Chunker<'_>, path: &Path, kind: Option<FileKind>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    stream_reader(out, file, path, path, kind)
}

/// One input for [`stream`]: JSON Lines (by `kind`, or sniffed by a leading `{` when `kind`
/// is `None`) record by record, anything else whole through [`read_bytes_into`].
fn stream_reader(
    out: &mut Chunker<'_>,
    reader: impl Read,
    read_as: &Path,
    path: &Path,
    kind: Option<FileKind>,
) -> Result<()> {
    use std::io::BufRead;
    let failed = |source| Error::Read {
        path: read_as.to_path_buf(),
        source,
    };
    if kind.is_some_and(|k| k != FileKind::Jsonl) {
        // One article per file: read whole, as `load` does.
        let max = out.options.max_input;
        let raw = read_all(reader, read_as, path, &mut out.budget, max)?;
        return out.add(raw, path, kind);
    }
    let mut raw = std::io::BufReader::with_capacity(1 << 16, reader);
    let head = raw.fill_buf().map_err(failed)?;
    let gzip = is_gzip(path, head);
    let gzip_failed = |err: std::io::Error| Error::Gzip {
        path: path.to_path_buf(),
        reason: err.to_string(),
    };
    let mut text: Box<dyn BufRead> = if gzip {
        Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(raw)
    };
    let fail = |err| if gzip { gzip_failed(err) } else { failed(err) };
    let head = text.fill_buf().map_err(fail)?;
    if encoding_rs::Encoding::for_bom(head).is_none() && looks_binary(head) {
        return Err(Error::Binary {
            path: path.to_path_buf(),
        });
    }
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    let jsonl = kind == Some(FileKind::Jsonl) || {
        let start = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
        start.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
    };
    if !jsonl || utf16 {
        // Stdin that is not JSON Lines, and UTF-16 JSON Lines: read whole (already gunzipped).
        let mut bytes = Vec::new();
        text.read_to_end(&mut bytes).map_err(fail)?;
        out.spend(bytes.len() as u64, path)?;
        return out.add(
            bytes,
            path,
            if jsonl { Some(FileKind::Jsonl) } else { None },
        );
    }
    let mut line = Vec::new();
    let mut line_no = 0usize;
    loop {
        line.clear();
        let n = text.read_until(b'\n', &mut line).map_err(fail)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        out.spend(n as u64, path)?;
        let bytes = if line_no == 1 {
            line.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&line)
        } else {
            &line
        };
        let record = decode(bytes, path)?;
        let record = record.trim();
        if record.is_empty() {
            continue;
        }
        match parse_record(record, line_no, path, out.options.text_field.as_deref()) {
            Ok(article) => out.push(article)?,
            Err(reason) => out.bad(
                BadRecord {
                    path: path.to_path_buf(),
                    line: line_no,
                    reason,
                    text: record.chars().take(BAD_RECORD_TEXT_CHARS).collect(),
                },
                None,
            )?,
        }
    }
    Ok(())
}

/// The state of one [`load_with`]: what was read, what is left of the byte budget, and the
/// files already read.
struct Reader {
    corpus: Corpus,
    options: ReadOptions,
    budget: u64,
    seen: HashSet<FileId>,
    /// Files skipped because they were read before.
    twice: usize,
}

impl Reader {
    fn load(&mut self, inputs: &[Input]) -> Result<()> {
        if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
            return Err(Error::StdinTwice);
        }
        for input in inputs {
            match input {
                Input::Stdin => {
                    let bytes = read_all(
                        std::io::stdin(),
                        Path::new("-"),
                        Path::new("<stdin>"),
                        &mut self.budget,
                        self.options.max_input,
                    )?;
                    self.add(bytes, Path::new("<stdin>"), None)?;
                }
                Input::Memory { id, text } => self
                    .corpus
                    .articles
                    .push(Article::text(id.clone(), text.clone())),
                Input::Path(path) => self.load_path(path)?,
            }
        }
        let corpus = &mut self.corpus;
        read::resolve(corpus);
        corpus.inputs = input_names(inputs);
        if corpus.articles.is_empty() {
            let what = corpus.inputs.join(", ");
            let what = match corpus.bad_records.as_slice() {
                [] => what,
                [first, ..] => format!(
                    "{what} ({} left out; the first, {}:{}: {})",
                    crate::numbers::count(corpus.bad_records.len(), "bad record", "bad records"),
                    first.path.display(),
                    first.line,
                    first.reason
                ),
            };
            return Err(Error::NoArticles { what });
        }
        Ok(())
    }

    fn load_path(&mut self, path: &Path) -> Result<()> {
        let meta = std::fs::metadata(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if !meta.is_dir() {
            // A file named explicitly is read whatever its name; an unknown extension is sniffed.
            return self.load_file(path, &meta, FileKind::of(path));
        }
        let before = self.corpus.articles.len();
        let warnings_before = self.corpus.warnings.len();
        let twice_before = self.twice;
        // Files are read one by one (the byte budget and the read-once rule are sequential),
        // then parsed in parallel a batch at a time: extracting a web page's text costs more
        // than reading it. Results are taken in walk order, so output and warnings do not
        // depend on the thread count.
        let mut batch: Vec<Fetched> = Vec::new();
        let mut batch_bytes = 0usize;
        for file in folder_files(path) {
            let (entry, kind) = match file {
                Ok(file) => file,
                Err(err) => {
                    // Symlink loops and unreadable sub-folders: skip, do not hang or abort.
                    self.parse_batch(&mut batch)?;
                    batch_bytes = 0;
                    self.corpus.warnings.push(format!("skipped: {err}"));
                    continue;
                }
            };
            let fetched = entry
                .metadata()
                .map_err(|err| Error::Read {
                    path: entry.path().to_path_buf(),
                    source: err.into(),
                })
                .and_then(|meta| self.fetch(entry.path(), &meta));
            batch_bytes += fetched
                .as_ref()
                .map_or(0, |b| b.as_ref().map_or(0, Vec::len));
            batch.push((entry.path().to_path_buf(), kind, fetched));
            if batch.len() >= FOLDER_BATCH_FILES || batch_bytes >= FOLDER_BATCH_BYTES {
                self.parse_batch(&mut batch)?;
                batch_bytes = 0;
            }
        }
        self.parse_batch(&mut batch)?;
        let corpus = &self.corpus;
        if corpus.articles.len() == before && self.twice == twice_before {
            // Say why: the warnings would otherwise be lost with the run.
            let skipped = corpus.warnings.get(warnings_before..).unwrap_or_default();
            return Err(empty_folder(path, skipped));
        }
        Ok(())
    }

    /// Reads one file as `kind` (`None`: sniffed as stdin is), unless it was read before.
    fn load_file(
        &mut self,
        path: &Path,
        meta: &std::fs::Metadata,
        kind: Option<FileKind>,
    ) -> Result<()> {
        match self.fetch(path, meta)? {
            Some(raw) => self.add(raw, path, kind),
            None => self.read_twice(path),
        }
    }

    /// The bytes of one file, counted against the budget; `None` when it was read before.
    fn fetch(&mut self, path: &Path, meta: &std::fs::Metadata) -> Result<Option<Vec<u8>>> {
        if let Some(id) = FileId::of(meta) {
            if !self.seen.insert(id) {
                return Ok(None);
            }
        }
        let file = std::fs::File::open(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        read_all(file, path, path, &mut self.budget, self.options.max_input).map(Some)
    }

    /// Notes a file reached a second time.
    fn read_twice(&mut self, path: &Path) -> Result<()> {
        self.twice += 1;
        self.corpus.warnings.push(format!(
            "skipped {}: already read (given twice)",
            path.display()
        ));
        Ok(())
    }

    /// Parses a batch of a folder's files on the pool and takes them in order: a file that
    /// cannot be read or parsed is skipped with a warning; other errors stop the run.
    fn parse_batch(&mut self, batch: &mut Vec<Fetched>) -> Result<()> {
        use rayon::prelude::*;
        let options = &self.options;
        let parsed: Vec<(PathBuf, Option<FileKind>, Result<Option<Parsed>>)> =
            std::mem::take(batch)
                .into_par_iter()
                .map(|(path, kind, fetched)| {
                    let parsed = fetched.and_then(|raw| {
                        raw.map(|raw| {
                            let mut warnings = Vec::new();
                            read_records(raw, &path, Some(kind), options, &mut warnings)
                                .map(|records| (records, warnings))
                        })
                        .transpose()
                    });
                    (path, Some(kind), parsed)
                })
                .collect();
        for (path, kind, parsed) in parsed {
            let loaded = match parsed {
                Ok(Some((records, warnings))) => {
                    self.corpus.warnings.extend(warnings);
                    self.accept(records, kind)
                }
                Ok(None) => self.read_twice(&path),
                Err(err) => Err(err),
            };
            if let Err(err) = loaded {
                let warning = skipped_file(err)?;
                self.corpus.warnings.push(warning);
            }
        }
        Ok(())
    }

    /// Adds the articles of one input's bytes; bad JSON Lines records are left out and reported
    /// (or, with [`ReadOptions::strict`], the first is the error).
    fn add(&mut self, raw: Vec<u8>, path: &Path, kind: Option<FileKind>) -> Result<()> {
        let records = read_records(raw, path, kind, &self.options, &mut self.corpus.warnings)?;
        self.accept(records, kind)
    }

    /// Takes one file's parsed records (see [`Reader::add`]).
    fn accept(
        &mut self,
        (articles, bad): (Vec<Article>, Vec<BadRecord>),
        kind: Option<FileKind>,
    ) -> Result<()> {
        if let (true, Some(first)) = (self.options.strict, bad.first()) {
            return Err(strict_error(first, kind));
        }
        self.corpus.articles.extend(articles);
        for record in &bad {
            self.corpus.warnings.push(format!(
                "{}:{}: skipped a bad record: {} (--strict makes this an error)",
                record.path.display(),
                record.line,
                record.reason
            ));
        }
        self.corpus.bad_records.extend(bad);
        Ok(())
    }
}

/// The inputs as a report names them: each path as given, `stdin`, and a run of texts in
/// memory as one `5 texts in memory`.
pub(crate) fn input_names(inputs: &[Input]) -> Vec<String> {
    let mut names = Vec::new();
    let mut memory = 0;
    let flush = |names: &mut Vec<String>, memory: &mut usize| {
        if *memory > 0 {
            names.push(crate::numbers::count(
                *memory,
                "text in memory",
                "texts in memory",
            ));
            *memory = 0;
        }
    };
    for input in inputs {
        match input {
            Input::Memory { .. } => memory += 1,
            Input::Path(p) => {
                flush(&mut names, &mut memory);
                names.push(p.display().to_string());
            }
            Input::Stdin => {
                flush(&mut names, &mut memory);
                names.push("stdin".to_string());
            }
        }
    }
    flush(&mut names, &mut memory);
    names
}

/// The error `--strict` makes of a bad record or row (of a file of `kind`).
fn strict_error(record: &BadRecord, kind: Option<FileKind>) -> Error {
    let (path, line, reason) = (record.path.clone(), record.line, record.reason.clone());
    match kind {
        Some(FileKind::Csv { .. }) => Error::Table { path, line, reason },
        _ => Error::Jsonl { path, line, reason },
    }
}

/// One file of a folder walk, read (`None`: read before) but not yet parsed.
type Fetched = (PathBuf, FileKind, Result<Option<Vec<u8>>>);

/// One file's parse: its articles and bad records, and the warnings met.
type Parsed = ((Vec<Article>, Vec<BadRecord>), Vec<String>);

/// A folder's files are parsed in parallel in batches of at most this many files…
const FOLDER_BATCH_FILES: usize = 256;
/// …or this many bytes read, whichever comes first (memory holds one batch).
const FOLDER_BATCH_BYTES: usize = 64 << 20;

/// A file's identity (device and inode), to read a file reached twice only once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FileId(u64, u64);

impl FileId {
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId(meta.dev(), meta.ino()))
    }

    #[cfg(not(unix))]
    fn of(_: &std::fs::Metadata) -> Option<FileId> {
        None
    }
}

/// The bytes of the file at `path` (gunzipped if it is gzip), read as inputs are: refused as
/// [`Error::Binary`] once they look binary and as [`Error::TooLarge`] past `limit` bytes, so
/// `/dev/zero` or a huge file cannot exhaust memory. For side files such as `--themes`.
pub fn read_file_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut budget = limit;
    read_all(file, path, path, &mut budget, limit)
}

/// Does a folder walk skip this name? (Names that are not UTF-8 are judged by their bytes
/// as far as they go.)
fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
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
    /// One article per row of a table with a header row (`.csv`: `,`; `.tsv`: tab).
    Csv {
        /// The field separator.
        delimiter: u8,
    },
}

impl FileKind {
    /// The kind a folder walk assigns by extension (`.gz` looks through to the inner name);
    /// `None` for files that are not articles. A name that is not UTF-8 is judged by its
    /// readable part, so `b\xff.txt` is a text file.
    pub fn of(path: &Path) -> Option<FileKind> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = name.rsplit_once('.')?.1;
        if !ARTICLE_EXTENSIONS.contains(&ext) {
            return None;
        }
        Some(match ext {
            "jsonl" => FileKind::Jsonl,
            "csv" => FileKind::Csv { delimiter: b',' },
            "tsv" => FileKind::Csv { delimiter: b'\t' },
            "md" => FileKind::Markdown,
            "html" | "htm" => FileKind::Html,
            _ => FileKind::Text,
        })
    }
}

/// Which input (if any) is the file `output` names or holds it: a report written there would
/// replace an article it was made from. Compares files by device and inode, so links count;
/// a folder input holds `output` when a walk of it would read it. Call it before the run;
/// `output` that does not exist yet is no input.
pub fn input_holding(inputs: &[Input], output: &Path) -> Option<PathBuf> {
    let out_meta = std::fs::metadata(output).ok().filter(|m| m.is_file())?;
    let out_id = FileId::of(&out_meta);
    let out_real = std::fs::canonicalize(output).ok()?;
    for input in inputs {
        let Input::Path(path) = input else { continue };
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        if !meta.is_dir() {
            let same = match (out_id, FileId::of(&meta)) {
                (Some(a), Some(b)) => a == b,
                _ => std::fs::canonicalize(path).is_ok_and(|p| p == out_real),
            };
            if same {
                return Some(path.clone());
            }
            continue;
        }
        if FileKind::of(&out_real).is_none() {
            continue;
        }
        let Ok(root) = std::fs::canonicalize(path) else {
            continue;
        };
        let inside = out_real
            .strip_prefix(&root)
            .is_ok_and(|rest| !rest.components().any(|c| is_hidden(c.as_os_str())));
        // A hard link elsewhere to a file of the folder: only a walk finds it.
        let linked = !inside && nlink(&out_meta) > 1 && {
            walkdir::WalkDir::new(path)
                .follow_links(true)
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()))
                .flatten()
                .filter(|e| e.file_type().is_file() && FileKind::of(e.path()).is_some())
                .any(|e| e.metadata().ok().and_then(|m| FileId::of(&m)) == out_id)
        };
        if inside || linked {
            return Some(path.clone());
        }
    }
    None
}

#[cfg(unix)]
fn nlink(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn nlink(_: &std::fs::Metadata) -> u64 {
    1
}

/// Turns the raw bytes of one input into articles: gunzips them (by `.gz` name or gzip magic),
/// decodes them ([`decode`]) and splits them by `kind` — one article for text, one per record
/// for JSON Lines. `kind: None` sniffs: text starting with `{` is JSON Lines (used for stdin
/// and for files of unknown extension). `path` names the input in ids and error messages.
/// A bad JSON Lines record is an error here (see [`load_with`] for leaving it out).
pub fn read_bytes(raw: Vec<u8>, path: &Path, kind: Option<FileKind>) -> Result<Vec<Article>> {
    let raw = if is_gzip(path, &raw) {
        let mut budget = DEFAULT_MAX_INPUT;
        read_all(raw.as_slice(), path, path, &mut budget, DEFAULT_MAX_INPUT)?
    } else {
        raw
    };
    let (articles, bad) = read_records(raw, path, kind, &ReadOptions::default(), &mut Vec::new())?;
    match bad.into_iter().next() {
        Some(first) => Err(Error::Jsonl {
            path: first.path,
            line: first.line,
            reason: first.reason,
        }),
        None => Ok(articles),
    }
}

/// Decoded, line-end-fixed text of already decompressed `bytes`, split by `kind` into articles
/// and bad records; what the readers warn about (a page whose charset lies) goes to `warnings`.
fn read_records(
    bytes: Vec<u8>,
    path: &Path,
    kind: Option<FileKind>,
    options: &ReadOptions,
    warnings: &mut Vec<String>,
) -> Result<(Vec<Article>, Vec<BadRecord>)> {
    let text_field = options.text_field.as_deref();
    if kind == Some(FileKind::Html) || (kind.is_none() && read::html::sniff(&bytes)) {
        let page = read::html::read(&bytes, path)?;
        warnings.extend(page.warnings.iter().cloned());
        let article = page_article(path.display().to_string(), page);
        return Ok((vec![article], Vec::new()));
    }
    let text = fix_line_ends(decode_owned(bytes, path, options.encoding, warnings)?);
    let kind = kind.unwrap_or_else(|| {
        if text.trim_start().starts_with('{') {
            FileKind::Jsonl
        } else {
            FileKind::Text
        }
    });
    match kind {
        FileKind::Text => Ok((
            vec![Article::text(path.display().to_string(), text)],
            Vec::new(),
        )),
        FileKind::Markdown => Ok((
            vec![Article::text(
                path.display().to_string(),
                read::markdown::to_text(&text),
            )],
            Vec::new(),
        )),
        FileKind::Html => {
            let page = read::html::read_str(&text, path)?;
            warnings.extend(page.warnings.iter().cloned());
            Ok((
                vec![page_article(path.display().to_string(), page)],
                Vec::new(),
            ))
        }
        FileKind::Jsonl => Ok(parse_jsonl_lenient(&text, path, text_field)),
        FileKind::Csv { delimiter } => read::table::read(&text, path, delimiter, text_field),
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

/// `text` with every lone CR (old Mac line ends) made a LF, so that lines split as in an
/// editor; CRLF stays (line splitting drops its CR).
fn fix_line_ends(text: String) -> String {
    let bytes = text.as_bytes();
    let lone = |i: usize| bytes.get(i + 1) != Some(&b'\n');
    let has_lone = memchr::memchr_iter(b'\r', bytes).any(lone);
    if !has_lone {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

/// How much of an input is read before judging whether it is binary.
const SNIFF_BYTES: usize = 8192;

/// After the first [`SNIFF_BYTES`], input is judged in windows of this many bytes: a window
/// more than a quarter control bytes is binary data (a text with a binary tail).
const WINDOW_BYTES: usize = 64 << 10;

/// Reads all of `reader` — gunzipping it (by name or magic bytes) as it streams — into memory,
/// refusing binary data as soon as it shows (the first [`SNIFF_BYTES`] after decompression,
/// unless they start with a byte-order mark, then every [`WINDOW_BYTES`] window) and stopping
/// with [`Error::TooLarge`] once more than `budget` bytes were read (`limit` is the run's
/// whole limit, for the message). Memory is reserved before it is filled, so running out of
/// it is [`Error::OutOfMemory`], never an abort. `read_as` names the input in read errors,
/// `path` everywhere else.
fn read_all(
    mut reader: impl Read,
    read_as: &Path,
    path: &Path,
    budget: &mut u64,
    limit: u64,
) -> Result<Vec<u8>> {
    let read_failed = |source| Error::Read {
        path: read_as.to_path_buf(),
        source,
    };
    let mut magic = Vec::with_capacity(2);
    (&mut reader)
        .take(2)
        .read_to_end(&mut magic)
        .map_err(read_failed)?;
    let gzip = is_gzip(path, &magic);
    let source = std::io::Cursor::new(magic).chain(reader);
    let mut stream: Box<dyn Read> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(source))
    } else {
        Box::new(source)
    };
    let failed = |source: std::io::Error| {
        if gzip {
            Error::Gzip {
                path: path.to_path_buf(),
                reason: source.to_string(),
            }
        } else {
            read_failed(source)
        }
    };
    let mut bytes: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; WINDOW_BYTES];
    let mut judged = false;
    let mut text_only = false;
    let (mut window, mut window_controls) = (0usize, 0usize);
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(failed(err)),
        };
        let got = chunk.get(..n).unwrap_or_default();
        if n as u64 > *budget {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                limit,
            });
        }
        *budget -= n as u64;
        bytes.try_reserve(n).map_err(|_| Error::OutOfMemory {
            path: path.to_path_buf(),
            bytes: bytes.len() as u64 + n as u64,
        })?;
        bytes.extend_from_slice(got);
        if !judged {
            if bytes.len() < SNIFF_BYTES {
                continue;
            }
            judged = true;
            text_only = judge_head(&bytes, path)?;
            continue;
        }
        if text_only {
            continue;
        }
        window += n;
        window_controls += got.iter().filter(|&&b| is_control_byte(b)).count();
        if window >= WINDOW_BYTES {
            if window_controls * 4 > window {
                return Err(Error::Binary {
                    path: path.to_path_buf(),
                });
            }
            (window, window_controls) = (0, 0);
        }
    }
    if !judged {
        judge_head(&bytes, path)?;
    }
    Ok(bytes)
}

/// Judges the first bytes of an input: an error if they look binary; `Ok(true)` when they
/// start with a byte-order mark (UTF-16 is full of NUL bytes: no more checks), else `Ok(false)`.
fn judge_head(bytes: &[u8], path: &Path) -> Result<bool> {
    if encoding_rs::Encoding::for_bom(bytes).is_some() {
        return Ok(true);
    }
    if looks_binary(bytes) {
        return Err(Error::Binary {
            path: path.to_path_buf(),
        });
    }
    Ok(false)
}

fn is_gzip(path: &Path, bytes: &[u8]) -> bool {
    let named = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    named || bytes.starts_with(&[0x1f, 0x8b])
}

/// One JSON Lines record as users write it. Unknown fields are ignored; every field may be a
/// string, a number or a boolean (read as its JSON text).
#[derive(Debug, Deserialize)]
struct JsonlRecord {
    id: Option<serde_json::Value>,
    text: Option<serde_json::Value>,
    /// Other names scrapers give the text ([`TEXT_FIELDS`]).
    content: Option<serde_json::Value>,
    #[serde(rename = "正文")]
    zhengwen: Option<serde_json::Value>,
    body: Option<serde_json::Value>,
    /// A saved web page in place of `text`.
    html: Option<serde_json::Value>,
    title: Option<serde_json::Value>,
    label: Option<serde_json::Value>,
    date: Option<serde_json::Value>,
    source: Option<serde_json::Value>,
}

/// Parses JSON Lines text into articles; blank lines are skipped. A record without `id` gets
/// `{file}:{line}` as its id. Records are parsed in parallel and kept in file order; the error
/// reported is that of the first bad line, as if they were read one by one.
pub fn parse_jsonl(text: &str, path: &Path) -> Result<Vec<Article>> {
    let (articles, bad) = parse_jsonl_lenient(text, path, None);
    match bad.into_iter().next() {
        Some(first) => Err(Error::Jsonl {
            path: first.path,
            line: first.line,
            reason: first.reason,
        }),
        None => Ok(articles),
    }
}

/// [`parse_jsonl`], keeping the good records and returning the bad ones beside them.
fn parse_jsonl_lenient(
    text: &str,
    path: &Path,
    text_field: Option<&str>,
) -> (Vec<Article>, Vec<BadRecord>) {
    use rayon::prelude::*;
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .collect();
    let parsed: Vec<std::result::Result<Article, String>> = lines
        .par_iter()
        .map(|&(line_no, line)| parse_record(line, line_no, path, text_field))
        .collect();
    let mut articles = Vec::with_capacity(parsed.len());
    let mut bad = Vec::new();
    for (result, &(line, raw)) in parsed.into_iter().zip(&lines) {
        match result {
            Ok(article) => articles.push(article),
            Err(reason) => bad.push(BadRecord {
                path: path.to_path_buf(),
                line,
                reason,
                text: raw.chars().take(BAD_RECORD_TEXT_CHARS).collect(),
            }),
        }
    }
    (articles, bad)
}

/// One non-blank JSON Lines record (trimmed), from line `line_no` of `path`; the error says
/// what is wrong with it.
fn parse_record(
    line: &str,
    line_no: usize,
    path: &Path,
    text_field: Option<&str>,
) -> std::result::Result<Article, String> {
    fn parse<T: serde::de::DeserializeOwned>(line: &str) -> std::result::Result<T, String> {
        match serde_json::from_str(line) {
            Ok(record) => Ok(record),
            // A lone UTF-16 surrogate (`"\ud800"`, cut from a pair) stands for no character:
            // it becomes U+FFFD, as a decoder shows what it cannot read, and the record is kept.
            Err(e) => {
                let repaired = replace_lone_surrogates(line);
                if repaired == line {
                    return Err(format!("invalid JSON ({e})"));
                }
                serde_json::from_str(&repaired).map_err(|e| format!("invalid JSON ({e})"))
            }
        }
    }
    let (record, text) = match text_field {
        // The usual fields: one typed parse.
        None => {
            let mut record: JsonlRecord = parse(line)?;
            let text = [
                ("text", record.text.take()),
                ("content", record.content.take()),
                ("正文", record.zhengwen.take()),
                ("body", record.body.take()),
            ]
            .into_iter()
            .map(|(name, value)| scalar(name, value))
            .find_map(|found| found.transpose())
            .transpose()?;
            (record, text)
        }
        Some(name) => {
            let mut value: serde_json::Value = parse(line)?;
            let text = value.as_object_mut().and_then(|o| o.remove(name));
            let record: JsonlRecord =
                serde_json::from_value(value).map_err(|e| format!("invalid record ({e})"))?;
            (record, scalar(name, text)?)
        }
    };
    let id = scalar("id", record.id)?.unwrap_or_else(|| format!("{}:{line_no}", path.display()));
    let no_text = || match text_field {
        Some(name) => format!("the record has no \"{name}\" field (--text-field)"),
        None => "the record has no \"text\" field (nor \"content\", \"正文\", \"body\" or an \
                 \"html\" page); name the field with --text-field"
            .to_string(),
    };
    let (text, page) = match (text, scalar("html", record.html)?) {
        (Some(text), _) => (text, None),
        (None, Some(html)) => {
            let page = read::html::read_str(&html, Path::new(&id)).map_err(|e| match e {
                Error::Html { reason, .. } => format!("its \"html\" has {reason}"),
                other => other.to_string(),
            })?;
            (page.text.clone(), Some(page))
        }
        (None, None) => return Err(no_text()),
    };
    let mut article = Article {
        id,
        title: scalar("title", record.title)?,
        label: scalar("label", record.label)?,
        date: scalar("date", record.date)?,
        date_from: None,
        source: scalar("source", record.source)?,
        source_from: None,
        text: fix_line_ends(text),
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

/// A record field as text: a string as it is, a number or boolean as its JSON text, null as
/// absent; arrays and objects are errors naming the field.
fn scalar(
    field: &str,
    value: Option<serde_json::Value>,
) -> std::result::Result<Option<String>, String> {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
        Some(Value::Array(_)) => Err(format!(
            "\"{field}\" must be a string, number or boolean, not an array"
        )),
        Some(Value::Object(_)) => Err(format!(
            "\"{field}\" must be a string, number or boolean, not an object"
        )),
    }
}

/// `line` with every `\uXXXX` escape of a lone UTF-16 surrogate written `\ufffd`. Escapes are
/// found as JSON defines them (a backslash escapes the next character), so `\\ud800` is left.
fn replace_lone_surrogates(line: &str) -> String {
    let bytes = line.as_bytes();
    let unit = |i: usize| -> Option<u16> {
        let hex = line.get(i + 2..i + 6)?;
        (bytes.get(i + 1) == Some(&b'u')).then_some(())?;
        u16::from_str_radix(hex, 16).ok()
    };
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if bytes.get(i) != Some(&b'\\') {
            i += 1;
            continue;
        }
        match unit(i) {
            Some(0xD800..=0xDBFF) => {
                let paired = bytes.get(i + 6) == Some(&b'\\')
                    && unit(i + 6).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low));
                if paired {
                    i += 12;
                } else {
                    out.push_str(line.get(copied..i).unwrap_or_default());
                    out.push_str("\\ufffd");
                    i += 6;
                    copied = i;
                }
            }
            Some(0xDC00..=0xDFFF) => {
                out.push_str(line.get(copied..i).unwrap_or_default());
                out.push_str("\\ufffd");
                i += 6;
                copied = i;
            }
            Some(_) => i += 6,
            None => i += 2,
        }
    }
    out.push_str(line.get(copied..).unwrap_or_default());
    out
}

/// Decodes file bytes to text: BOM-marked UTF-8/UTF-16 first, then strict UTF-8, then
/// GB18030 (a superset of GBK and GB2312). Binary data is refused rather than guessed at.
pub fn decode(bytes: &[u8], path: &Path) -> Result<String> {
    decode_owned(bytes.to_vec(), path, None, &mut Vec::new())
}

/// [`decode`], taking the bytes: UTF-8 input (the usual case) becomes the text without a copy.
///
/// `encoding` (`--encoding`) replaces the guess; a byte-order mark still wins. When the
/// detector cannot tell GBK from Big5 well, `warnings` says so and names `--encoding`.
fn decode_owned(
    bytes: Vec<u8>,
    path: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
    warnings: &mut Vec<String>,
) -> Result<String> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(&bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        return decode_with(encoding, body, path);
    }
    if looks_binary(&bytes) {
        return Err(Error::Binary {
            path: path.to_path_buf(),
        });
    }
    if let Some(encoding) = encoding.filter(|e| *e != encoding_rs::UTF_8) {
        return decode_with(encoding, &bytes, path);
    }
    let bytes = match crate::linalg::string_from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(not_utf8) if encoding.is_some() => {
            // --encoding utf-8 was asked, and the bytes are not.
            let _ = not_utf8;
            return Err(Error::Undecodable {
                path: path.to_path_buf(),
            });
        }
        Err(not_utf8) => not_utf8,
    };
    let (guess, sure) = guess_chinese(&bytes);
    if !sure {
        warnings.push(format!(
            "{}: read as {} (the encoding detector could not tell GBK from Big5 with \
             confidence); if the text looks garbled, give --encoding big5 or --encoding gbk",
            path.display(),
            guess.name()
        ));
    }
    decode_with(guess, &bytes, path)
}

/// Bytes the encoding detector looks at: enough for a confident guess, bounded for big files.
const DETECT_BYTES: usize = 1 << 20;

/// The Chinese legacy encoding `bytes` (not UTF-8) are in: GB18030 (a superset of GBK and
/// GB2312) or Big5, as chardetng (by encoding_rs's author) guesses; anything else it guesses
/// is read as GB18030, the common case here. The guess is *sure* when the byte pairs agree:
/// read the chosen way, few characters fall outside the common set (GB2312 or Big5's
/// frequently-used level 1) and clearly fewer than read the other way, or the other way is
/// not even well-formed.
fn guess_chinese(bytes: &[u8]) -> (&'static encoding_rs::Encoding, bool) {
    let sample = bytes.get(..DETECT_BYTES).unwrap_or(bytes);
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, sample.len() == bytes.len());
    let big5 = detector.guess(None, chardetng::Utf8Detection::Deny) == encoding_rs::BIG5;
    let (gb_rare, big5_rare) = (rare_share(sample, false), rare_share(sample, true));
    let (chosen, other) = if big5 {
        (big5_rare, gb_rare)
    } else {
        (gb_rare, big5_rare)
    };
    let sure = match (chosen, other) {
        (Some(_), None) => true,
        (Some(c), Some(o)) => o - c >= 0.2 || (o >= 0.1 && c <= 0.5 * o),
        (None, _) => false,
    };
    let encoding = if big5 {
        encoding_rs::BIG5
    } else {
        encoding_rs::GB18030
    };
    (encoding, sure)
}

/// The share of double-byte characters of `bytes` outside the common set when read as Big5
/// (`big5`) or GBK: GB2312's hanzi (lead B0–F7, trail A1–FE) or Big5's level 1 (A440–C67E).
/// Punctuation rows are not counted. `None` when the pairs are not well-formed that way.
fn rare_share(bytes: &[u8], big5: bool) -> Option<f64> {
    let (mut chars, mut rare) = (0usize, 0usize);
    let mut iter = bytes.iter().copied();
    while let Some(b) = iter.next() {
        if b < 0x80 {
            continue;
        }
        if !(0x81..=0xfe).contains(&b) {
            return None;
        }
        let Some(t) = iter.next() else { break };
        let trail_ok = if big5 {
            (0x40..=0x7e).contains(&t) || (0xa1..=0xfe).contains(&t)
        } else {
            (0x40..=0xfe).contains(&t) && t != 0x7f || (0x30..=0x39).contains(&t)
        };
        if !trail_ok {
            return None;
        }
        if !big5 && (0x30..=0x39).contains(&t) {
            // A GB18030 four-byte form: rare by definition.
            iter.next();
            iter.next();
            chars += 1;
            rare += 1;
            continue;
        }
        let code = u16::from(b) << 8 | u16::from(t);
        let symbol = if big5 {
            (0xa140..=0xa3fe).contains(&code)
        } else {
            (0xa1..=0xa9).contains(&b)
        };
        if symbol {
            continue;
        }
        chars += 1;
        let common = if big5 {
            (0xa440..=0xc67e).contains(&code)
        } else {
            (0xb0..=0xf7).contains(&b) && t >= 0xa1
        };
        rare += usize::from(!common);
    }
    Some(if chars == 0 {
        0.0
    } else {
        rare as f64 / chars as f64
    })
}

/// `body` decoded from `encoding` without replacement, into a string whose memory is reserved
/// first (so a huge input that does not fit is [`Error::OutOfMemory`], not an abort).
fn decode_with(
    encoding: &'static encoding_rs::Encoding,
    body: &[u8],
    path: &Path,
) -> Result<String> {
    let undecodable = || Error::Undecodable {
        path: path.to_path_buf(),
    };
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(body.len())
        .ok_or_else(undecodable)?;
    let mut text = String::new();
    text.try_reserve_exact(capacity)
        .map_err(|_| Error::OutOfMemory {
            path: path.to_path_buf(),
            bytes: capacity as u64,
        })?;
    let (result, _) = decoder.decode_to_string_without_replacement(body, &mut text, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Ok(text),
        _ => Err(undecodable()),
    }
}

/// A byte that has no place in text: NUL and the other C0 controls but tab, line feed,
/// form feed and carriage return, and DEL.
fn is_control_byte(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c)) || b == 0x7f
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

    /// Everything [`stream`] hands on, chunk by chunk.
    fn streamed(inputs: &[Input], chunk: ChunkLimit) -> (Vec<Vec<Article>>, Vec<String>) {
        let mut chunks = Vec::new();
        let mut warnings = Vec::new();
        stream(
            inputs,
            &ReadOptions::default(),
            chunk,
            &mut |corpus: Corpus| {
                warnings.extend(corpus.warnings);
                chunks.push(corpus.articles);
                Ok(())
            },
        )
        .expect("streams");
        (chunks, warnings)
    }

    fn same(a: &[Article], b: &[Article]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert_eq!(
                (&x.id, &x.title, &x.date, &x.text, x.origin),
                (&y.id, &y.title, &y.date, &y.text, y.origin)
            );
        }
    }

    #[test]
    fn stream_reads_what_load_reads_in_bounded_chunks() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("a.jsonl");
        let mut records = String::from("\u{feff}");
        for i in 0..7 {
            records.push_str(&format!(
                "{{\"id\":\"r{i}\",\"date\":\"2024-03-0{}\",\"text\":\"第{i}篇\\n芯片\"}}\n\n",
                i + 1
            ));
        }
        std::fs::write(&jsonl, &records).unwrap();
        let gz = dir.path().join("b.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(records.trim_start_matches('\u{feff}').as_bytes())
            .unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let folder = dir.path().join("f");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("20230101.md"), "# 标题\n\n正文一段。").unwrap();
        std::fs::write(folder.join("x.txt"), [0u8, 1, 2, 3]).unwrap();
        let inputs = [
            Input::Path(jsonl),
            Input::Path(gz),
            Input::Path(folder),
            Input::Memory {
                id: "m".into(),
                text: "内存".into(),
            },
        ];
        let loaded = load(&inputs).unwrap();
        let (chunks, warnings) = streamed(&inputs, ChunkLimit::articles(3));
        assert!(chunks.iter().all(|c| c.len() <= 3));
        assert_eq!(chunks.len(), 6, "16 articles in chunks of 3");
        same(&chunks.concat(), &loaded.articles);
        // A byte limit: "第{i}篇\n芯片" is 14 bytes, so a chunk is full at its second record
        // (28 ≥ 20), and the article cap still holds for the short ones after them.
        let limit = ChunkLimit {
            articles: 3,
            bytes: 20,
        };
        let (by_bytes, _) = streamed(&inputs, limit);
        let sizes: Vec<usize> = by_bytes.iter().map(Vec::len).collect();
        assert_eq!(sizes[..7], [2, 2, 2, 2, 2, 2, 2]);
        same(&by_bytes.concat(), &loaded.articles);
        // `ranges` cuts a corpus in memory where `stream` cut it.
        let ranges: Vec<usize> = limit
            .ranges(&loaded.articles)
            .iter()
            .map(|r| r.len())
            .collect();
        assert_eq!(ranges, sizes);
        assert_eq!(loaded.articles[0].date.as_deref(), Some("2024-03-01"));
        assert_eq!(warnings, loaded.warnings);
        // Nothing at all is the same error as load's.
        let empty = dir.path().join("empty.jsonl");
        std::fs::write(&empty, "\n").unwrap();
        let err = stream(
            &[Input::Path(empty.clone())],
            &ReadOptions::default(),
            ChunkLimit::articles(3),
            &mut |_| Ok(()),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            load(&[Input::Path(empty)]).unwrap_err().to_string()
        );
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
