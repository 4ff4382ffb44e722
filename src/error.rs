//! The one error type of the library: every failure a user can cause, worded so the message
//! says what went wrong, where, and how to fix it.

use std::path::PathBuf;

/// Everything that can stop an analysis. Each variant's message is complete on its own: the
/// CLI prints it as `zhuti: error: {message}` and exits with status 1.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path given on the command line (or found in a folder) could not be read.
    #[error("cannot read {path}: {source}; check that it exists and that you may read it")]
    Read {
        /// The path as the user gave it (or as found while walking a folder).
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// A file that is neither UTF-8, UTF-16 (with BOM) nor GB18030/GBK.
    #[error(
        "{path}: the text is not valid UTF-8, UTF-16 (with BOM) or GB18030/GBK; \
         convert it to UTF-8 (e.g. `iconv -f BIG5 -t UTF-8`) and try again"
    )]
    Undecodable {
        /// The offending file.
        path: PathBuf,
    },

    /// A file that looks like binary data (NUL bytes, control characters) was named explicitly.
    #[error(
        "{path}: looks like a binary file, not text; give zhuti .txt, .md or .jsonl files \
         (optionally .gz-compressed)"
    )]
    Binary {
        /// The offending file.
        path: PathBuf,
    },

    /// A `.gz` file that does not decompress.
    #[error("{path}: cannot decompress gzip data: {reason}; check that the file is complete")]
    Gzip {
        /// The offending file.
        path: PathBuf,
        /// The decompressor's reason.
        reason: String,
    },

    /// The inputs hold more than the run may read (`--max-input`).
    #[error(
        "{path}: the inputs hold more than --max-input {} ({} bytes, counted after \
         decompression); raise it, e.g. --max-input {}, if this much text is meant",
        crate::ingest::ByteSize(*limit), limit, crate::ingest::ByteSize(limit.saturating_mul(2))
    )]
    TooLarge {
        /// The input being read when the limit was passed.
        path: PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },

    /// The memory for an input could not be had.
    #[error(
        "{path}: not enough memory to hold the input ({bytes} bytes); free memory, split the \
         input, or lower --max-input to fail sooner"
    )]
    OutOfMemory {
        /// The input being read.
        path: PathBuf,
        /// How many bytes were asked for.
        bytes: u64,
    },

    /// `-o` names one of the inputs (or a file a folder input would read).
    #[error(
        "cannot write {output}: it is also an input ({input}), which the report would \
         replace; give -o another file"
    )]
    OutputIsInput {
        /// The output path as given.
        output: PathBuf,
        /// The input that is or holds it.
        input: PathBuf,
    },

    /// A JSON Lines record that does not parse or lacks a required field.
    #[error(
        "{path}:{line}: {reason}; each line of a .jsonl file must be a JSON object such as \
         {{\"id\": \"a1\", \"text\": \"...\"}}"
    )]
    Jsonl {
        /// The file holding the record.
        path: PathBuf,
        /// 1-based line of the record.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// The inputs held no article at all.
    #[error(
        "no articles found in {what}; zhuti reads .txt, .md and .jsonl files (and their .gz), \
         or `-` for stdin"
    )]
    NoArticles {
        /// A description of the inputs that were searched.
        what: String,
    },

    /// Every article was empty or became empty after cleaning.
    #[error(
        "nothing left to cluster in {what}: {documents} article(s) gave {dropped} paragraph(s), \
         all dropped ({reasons}); {hint}"
    )]
    NothingToCluster {
        /// The articles, named (the first few ids).
        what: String,
        /// Number of articles read.
        documents: usize,
        /// Number of units dropped.
        dropped: usize,
        /// A summary of why, e.g. `12 short, 3 boilerplate`.
        reasons: String,
        /// What to try, chosen by the main reason.
        hint: &'static str,
    },

    /// A setting that cannot work (e.g. `--k 0`, or more themes than paragraphs).
    #[error("{0}")]
    Settings(String),

    /// A themes file (`--themes`) that cannot be used.
    #[error("{path}: {reason}")]
    Themes {
        /// The themes file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The report could not be written.
    #[error("cannot write {path}: {source}; give a path in an existing folder you may write to")]
    Write {
        /// The output path.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// The report could not be written to standard output (a full disk behind `> file`).
    #[error("cannot write the report to stdout: {0}; check the file or pipe it goes to")]
    Stdout(std::io::Error),

    /// A numerical stage failed in a way the input explains (e.g. a degenerate matrix).
    #[error("{stage} failed: {reason}")]
    Numeric {
        /// The pipeline stage.
        stage: &'static str,
        /// What went wrong.
        reason: String,
    },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
