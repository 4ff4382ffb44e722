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

    /// A saved theme model that cannot be used.
    #[error("{path}: {problem}")]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        problem: ModelProblem,
    },

    /// A numerical stage failed in a way the input explains (e.g. a degenerate matrix).
    #[error("{stage} failed: {reason}")]
    Numeric {
        /// The pipeline stage.
        stage: &'static str,
        /// What went wrong.
        reason: String,
    },
}

/// What is wrong with a saved theme model file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelProblem {
    /// Shorter than its header says: cut off while copying or writing.
    Truncated,
    /// The checksum does not match, or the content does not decode.
    Corrupt,
    /// Not a zhuti model at all (e.g. a JSON report, or another file).
    NotAModel,
    /// Written by a newer zhuti, in a model format this one cannot read.
    NewerVersion {
        /// The file's format version.
        found: u32,
        /// The newest version this zhuti reads.
        supported: u32,
    },
    /// Written in an older model format this zhuti no longer reads.
    OlderVersion {
        /// The file's format version.
        found: u32,
        /// The version this zhuti reads.
        supported: u32,
    },
}

impl std::fmt::Display for ModelProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelProblem::Truncated => write!(
                f,
                "the file is truncated (cut off while being copied or written); fit the model again \
                 with `zhuti fit` or copy it again"
            ),
            ModelProblem::Corrupt => write!(
                f,
                "the file is corrupted (its checksum does not match); fit the model again with \
                 `zhuti fit` or copy it again"
            ),
            ModelProblem::NotAModel => write!(
                f,
                "not a zhuti theme model (a report or another file?); make one with \
                 `zhuti fit PATHS -o MODEL`"
            ),
            ModelProblem::NewerVersion { found, supported } => write!(
                f,
                "model format {found} is newer than this zhuti reads (up to {supported}); \
                 upgrade zhuti, or fit the model again with this one"
            ),
            ModelProblem::OlderVersion { found, supported } => write!(
                f,
                "model format {found} is older than this zhuti reads ({supported}); fit the \
                 model again with `zhuti fit`"
            ),
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
