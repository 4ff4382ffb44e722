//! The one error type of the library: every failure a user can cause, worded so the message
//! says what went wrong, where, and how to fix it.

use std::path::PathBuf;

use crate::numbers::count;
use crate::settings::defs;

/// Everything that can stop an analysis. Each variant's message is complete on its own: the
/// CLI prints it as `zhuti: error: {message}` and exits with status 1. New variants may be
/// added, so a `match` needs a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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

    /// A web page that cannot be read as an article (no readable body, too large).
    #[error("{path}: {reason}")]
    Html {
        /// The page.
        path: PathBuf,
        /// What is wrong with it and what to do.
        reason: String,
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

    /// A CSV/TSV table that cannot be read (its header, or a row with `--strict`).
    #[error("{}:{line}: {reason}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
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
        "nothing left to cluster in {what}: {} gave {}, all dropped ({reasons}); {hint}",
        count(*documents, "article", "articles"),
        count(*dropped, "paragraph", "paragraphs")
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

    /// A setting whose value cannot work, on its own (`--k 0`, `--max-df 1.5`) or for this
    /// input (more themes than units). `setting` is the setting's name in
    /// [`crate::settings::defs`], which is also its command-line flag: the message names the
    /// flag as the CLI spells it.
    #[error("{}", setting_message(setting, value, problem))]
    Setting {
        /// The setting's name (its flag without the dashes), e.g. `"k"` or `"max-df"`.
        setting: &'static str,
        /// The value given, as written on the command line.
        value: String,
        /// What is wrong with it.
        problem: SettingProblem,
    },

    /// More named themes (`--themes`) than units to cluster.
    #[error(
        "{} but only {} to cluster; name at most {}",
        count(*named, "named theme", "named themes"),
        count(*units, "unit", "units"),
        count(*units, "theme", "themes")
    )]
    TooManyNamedThemes {
        /// Themes in the themes file.
        named: usize,
        /// Units the corpus gave.
        units: usize,
    },

    /// `-` (stdin) among the inputs more than once.
    #[error("`-` is given more than once, but stdin can be read only once; give it once")]
    StdinTwice,

    /// `zhuti eval` on articles none of which has a gold label.
    #[error(
        "{}; `zhuti eval` needs JSON Lines records such as \
         {{\"id\": \"a1\", \"label\": \"体育\", \"text\": \"...\"}}",
        no_gold_labels(*articles)
    )]
    NoGoldLabels {
        /// Articles read.
        articles: usize,
    },

    /// Label slices of different lengths given to a metric ([`crate::eval`]).
    #[error(
        "cannot compare {truth} true labels with {predicted} predicted ones; give one of each \
         per item"
    )]
    LabelCounts {
        /// Number of true labels.
        truth: usize,
        /// Number of predicted labels.
        predicted: usize,
    },

    /// A saved theme model that cannot be used.
    #[error("{path}: {problem}", path = path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        problem: ModelProblem,
    },

    /// A themes file (`--themes`) that cannot be used.
    #[error("{path}: {reason}")]
    Themes {
        /// The themes file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A line of a user dictionary (`--user-dict`) or stop-word list (`--stop-words`) that
    /// cannot be used.
    #[error("{path}:{line}: {reason}")]
    WordList {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong and how to fix it.
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

/// What is wrong with a setting's value ([`Error::Setting`]). Displayed, it is the part of the
/// message after the flag and value: what cannot work and what to give instead. The
/// command line shows it as clap's reason for an invalid value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingProblem {
    /// `k` is 0: no theme to find.
    NoThemes,
    /// Fewer than 2 LSA dimensions.
    TooFewDims,
    /// `top-terms` is 0.
    NoTopTerms,
    /// `n-runs` is 0: k-means needs a run.
    NoRuns,
    /// `k-max` below 2: `auto` has nothing to compare.
    TooFewCandidates,
    /// `max-df` not a share in (0, 1].
    NotAShare,
    /// `min-df` is 0.
    NoMinDf,
    /// `threads` is 0.
    NoThreads,
    /// `max-input` is 0: a run must read something.
    NoInputAllowed,
    /// `--method dmm` or `graph` where it cannot run yet: `what` is `zhuti fit` (a saved
    /// model places new units with the LSA stages: the DMM) or `--themes` (named themes seed
    /// k-means: both).
    MethodNotSupported {
        /// The method, as a sentence names it ("the DMM").
        method: &'static str,
        /// What asked for it.
        what: &'static str,
    },
    /// `--method graph` on more units than its neighbour search links.
    TooManyUnitsForGraph {
        /// Units to cluster.
        units: usize,
        /// The most the graph links.
        most: usize,
        /// The units are paragraphs (`--unit document` would give fewer).
        paragraphs: bool,
    },
    /// `width` outside the columns a report can be laid out in.
    Width,
    /// A fixed k above the number of units the corpus gave.
    MoreThemesThanUnits {
        /// Units to cluster.
        units: usize,
    },
    /// A fixed k below the number of named themes (`--themes`).
    FewerThanNamedThemes {
        /// Named themes.
        named: usize,
        /// The themes file, when known.
        file: Option<PathBuf>,
    },
}

impl std::fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let k = defs::K.name;
        match self {
            SettingProblem::NoThemes => write!(
                f,
                "there must be at least one theme; use --{k} 1 or more, or --{k} auto"
            ),
            SettingProblem::TooFewDims => write!(
                f,
                "LSA needs at least 2 dimensions; try --{name} {most} or --{name} auto",
                name = defs::DIMS.name,
                most = crate::stages::lsa::MAX_AUTO_DIMS
            ),
            SettingProblem::NoTopTerms => write!(
                f,
                "each theme needs at least one term; try --{} {}",
                defs::TOP_TERMS.name,
                defs::TOP_TERMS.default
            ),
            SettingProblem::NoRuns => write!(
                f,
                "k-means needs at least one run; try --{} {}",
                defs::N_RUNS.name,
                defs::N_RUNS.default
            ),
            SettingProblem::TooFewCandidates => write!(
                f,
                "`auto` needs at least k = 2 to compare; try --{} {}",
                defs::K_MAX.name,
                defs::K_MAX.default
            ),
            SettingProblem::NotAShare => write!(
                f,
                "must be a share of units above 0 and at most 1, e.g. --{} {}",
                defs::MAX_DF.name,
                defs::MAX_DF.default
            ),
            SettingProblem::NoMinDf => write!(
                f,
                "a term must occur in at least one unit; try --{} {}",
                defs::MIN_DF.name,
                defs::MIN_DF.default
            ),
            SettingProblem::NoThreads => {
                write!(f, "need at least one thread; leave it out to use all cores")
            }
            SettingProblem::NoInputAllowed => {
                write!(f, "a run must read something; try 8G (the default)")
            }
            SettingProblem::MethodNotSupported { method, what } => write!(
                f,
                "{what} with {method} is not supported yet; use --{m} lsa, or --{m} auto (which \
                 picks lsa there)",
                m = defs::METHOD.name
            ),
            SettingProblem::TooManyUnitsForGraph {
                units,
                most,
                paragraphs,
            } => {
                write!(
                    f,
                    "the graph links at most {most} units and the corpus gave {units}; use "
                )?;
                if *paragraphs {
                    write!(
                        f,
                        "--{} document (an article per unit), or ",
                        defs::UNIT.name
                    )?;
                }
                write!(
                    f,
                    "--{m} lsa (or --{m} auto, which picks lsa there)",
                    m = defs::METHOD.name
                )
            }
            SettingProblem::Width => write!(
                f,
                "the text report needs {} to {} columns; try --{} {} or --{} auto",
                crate::report::text::MIN_WIDTH,
                crate::report::text::MAX_WIDTH,
                defs::WIDTH.name,
                crate::report::text::DEFAULT_WIDTH,
                defs::WIDTH.name
            ),
            SettingProblem::MoreThemesThanUnits { units } => write!(
                f,
                "asks for more themes than there are units to cluster ({units}); use --{k} \
                 {units} or less, or --{k} auto"
            ),
            SettingProblem::FewerThanNamedThemes { named, file } => {
                write!(f, "is fewer than the {named} named themes")?;
                if let Some(file) = file {
                    write!(f, " in {}", file.display())?;
                }
                write!(
                    f,
                    "; use --{k} {named} or more (themes beyond the named ones are discovered), \
                     or --{k} auto"
                )
            }
        }
    }
}

/// `none of the 12 articles has a gold label`, or `the one article has no gold label`.
fn no_gold_labels(articles: usize) -> String {
    if articles == 1 {
        "the one article has no gold label".to_string()
    } else {
        format!(
            "none of the {} has a gold label",
            count(articles, "article", "articles")
        )
    }
}

/// The whole message of [`Error::Setting`]: `--flag value: problem`, or `--flag value problem`
/// for the problems that read as the rest of a sentence about the value.
fn setting_message(setting: &str, value: &str, problem: &SettingProblem) -> String {
    let glue = match problem {
        SettingProblem::MoreThemesThanUnits { .. }
        | SettingProblem::FewerThanNamedThemes { .. } => " ",
        _ => ": ",
    };
    format!("--{setting} {value}{glue}{problem}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_messages_are_singular_for_one_and_grouped_in_thousands() {
        let nothing = |documents, dropped| {
            Error::NothingToCluster {
                what: "a.txt".into(),
                documents,
                dropped,
                reasons: "1 short".into(),
                hint: "try --min-chars 5",
            }
            .to_string()
        };
        assert!(nothing(1, 1).contains(": 1 article gave 1 paragraph, all dropped"));
        assert!(nothing(1_200, 35_000).contains(": 1,200 articles gave 35,000 paragraphs,"));
        let named = Error::TooManyNamedThemes { named: 3, units: 1 }.to_string();
        assert_eq!(
            named,
            "3 named themes but only 1 unit to cluster; name at most 1 theme"
        );
        let one = Error::NoGoldLabels { articles: 1 }.to_string();
        assert!(
            one.starts_with("the one article has no gold label;"),
            "{one}"
        );
        let many = Error::NoGoldLabels { articles: 2_000 }.to_string();
        assert!(
            many.starts_with("none of the 2,000 articles has a gold label;"),
            "{many}"
        );
    }
}
