//! Command-line flags and the glue that turns them into library calls. Every flag that sets a
//! setting takes its name, default, check and help from the library's registry
//! ([`zhuti::settings::defs`]); only the flags of the command itself (paths, `-o`, `-q`,
//! `--themes`, `--seeds`) are documented here.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use std::str::FromStr;

use zhuti::guided::Guide;
use zhuti::ingest::{self, ByteSize, Input, ReadOptions};
use zhuti::report::text::{Colour, TextOptions, Width};
use zhuti::report::{self, Format};
use zhuti::settings::defs::{self, Setting};
use zhuti::settings::Threads;
use zhuti::settings::{
    CleanOptions, DimsChoice, IdfWeighting, KChoice, Method, TfidfOptions, UnitKind,
};
use zhuti::timeline::Period;
use zhuti::{Error, Settings};

use crate::progress_bar::StderrProgress;

const EXAMPLES: &str = "\
Examples:
  zhuti                                  analyse the five bundled seed articles
  zhuti news/                            every .txt/.md/.jsonl file under news/ (recursive)
  zhuti a.txt b.txt --k 4                exactly four themes
  zhuti corpus.jsonl.gz --format json -o themes.json
  zhuti news/ --format html -o report.html   a page with charts to open in a browser
  zhuti --unit document --k 10 news.jsonl
  zhuti news/ --keep-boilerplate --no-dedupe   cluster every line, furniture and repeats too
  cat article.txt | zhuti -              read one article (or JSON Lines) from stdin
  zhuti news/ --themes my-themes.toml    track named themes, discover the rest
  zhuti --bundled-themes                 the seed articles with the bundled seeds/themes.toml
  zhuti eval labelled.jsonl --k 10 --seeds 0,1,2,3,4
                                         score the themes against gold labels (see `zhuti eval -h`)

Exit status: 0 on success, 1 when the analysis fails (the message says why), 2 for bad flags
(usage), 101 for an internal error (a bug: please report it).";

/// zhuti (主题): find the themes in a pile of Chinese articles.
///
/// Reads articles (simplified or traditional Chinese, UTF-8 or GBK), cleans and splits them into
/// paragraphs, segments them with jieba, and groups the paragraphs into themes with TF-IDF, LSA
/// and k-means. Prints each theme with its top terms, the paragraphs that say it best, and how
/// much of each article goes to each theme.
#[derive(Debug, Parser)]
#[command(
    name = "zhuti",
    version = env!("ZHUTI_LONG_VERSION"),
    after_help = EXAMPLES,
    max_term_width = 100,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// A subcommand; without one, zhuti analyses PATHS.
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cluster articles exactly as `zhuti` does and score the themes: coherence (NPMI) and
    /// topic diversity always, and against gold labels when the records have them (NMI, ARI,
    /// homogeneity, completeness, V-measure, purity).
    #[command(after_help = EVAL_EXAMPLES)]
    Eval(EvalArgs),
    /// Fit a theme model as `zhuti` analyses, and save it (`-o MODEL`) to assign new articles.
    #[command(after_help = crate::cli_model::FIT_EXAMPLES)]
    Fit(crate::cli_model::FitArgs),
    /// Place the units of new articles into a saved model's themes (JSON Lines by default).
    #[command(after_help = crate::cli_model::FIT_EXAMPLES)]
    Assign(crate::cli_model::AssignArgs),
    /// Show what a saved model holds: format, version, settings, themes, vocabulary.
    Inspect(crate::cli_model::InspectArgs),
}

const EVAL_EXAMPLES: &str = "\
Examples:
  zhuti eval news.jsonl --k 10                   one run (seed 42), scores and theme × label table
  zhuti eval news.jsonl --k 10 --seeds 0,1,2,3,4 five seeds: mean, min, max, stability
  zhuti eval news.jsonl --k auto --format json   how k was chosen, and how good it is

Input: any articles; JSON Lines records with a gold `label`, e.g. {\"id\": \"a1\", \"label\": \"体育\", \"text\": \"...\"},
are also scored against it. Coherence: NPMI of each theme's top 10 terms, units as co-occurrence windows.
With --unit paragraph each article is scored by its largest theme.";

/// Flags of `zhuti eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labelled JSON Lines files (.jsonl or .jsonl.gz) or folders of them; `-` for stdin.
    #[arg(value_name = "FILES", required = true)]
    pub files: Vec<String>,

    #[arg(long = defs::K.name, help = defs::K.help, default_value_t = defs::K.default,
          value_parser = checked(defs::K))]
    pub k: KChoice,

    #[arg(long = defs::SEED.name, help = defs::SEED.help, default_value_t = defs::SEED.default,
          conflicts_with = "seeds")]
    pub seed: u64,

    /// Several seeds, comma-separated (e.g. 0,1,2,3,4): reports mean, min, max and stability.
    #[arg(long, value_delimiter = ',', value_name = "SEEDS")]
    pub seeds: Vec<u64>,

    // The one default that differs from `zhuti`'s: see `defs::EVAL_UNIT`.
    #[arg(long = defs::UNIT.name, help = defs::EVAL_UNIT_HELP, value_enum,
          default_value_t = UnitArg::from(defs::EVAL_UNIT))]
    pub unit: UnitArg,

    #[arg(long = defs::FORMAT.name, help = defs::FORMAT.help, value_enum,
          default_value_t = EvalFormat::from(defs::FORMAT.default))]
    pub format: EvalFormat,

    /// Write the scores to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub layout: LayoutArgs,

    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// Output formats of `zhuti eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    /// A scores table and the theme × label counts.
    Text,
    /// The scores as JSON (keys nmi, ari, homogeneity, completeness, v_measure, purity, k, n).
    Json,
}

impl From<Format> for EvalFormat {
    /// The scores have no HTML page: the text table stands in for it.
    fn from(format: Format) -> Self {
        match format {
            Format::Json => EvalFormat::Json,
            Format::Text | Format::Html | Format::Csv => EvalFormat::Text,
        }
    }
}

/// Output formats as the CLI spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// A readable report for the terminal.
    Text,
    /// The versioned JSON document (schema/zhuti.schema.json).
    Json,
    /// One self-contained HTML page with charts; open it in any browser.
    Html,
    /// The article × theme mix for spreadsheets: one row per article (id, title, date,
    /// source, units, each theme's share).
    Csv,
}

impl From<Format> for FormatArg {
    fn from(format: Format) -> Self {
        match format {
            Format::Text => FormatArg::Text,
            Format::Json => FormatArg::Json,
            Format::Html => FormatArg::Html,
            Format::Csv => FormatArg::Csv,
        }
    }
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Html => Format::Html,
            FormatArg::Csv => Format::Csv,
        }
    }
}

/// Unit kinds as the CLI spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnitArg {
    /// Each paragraph is clustered on its own.
    Paragraph,
    /// Each article is clustered as a whole.
    Document,
}

impl From<UnitKind> for UnitArg {
    fn from(unit: UnitKind) -> Self {
        match unit {
            UnitKind::Paragraph => UnitArg::Paragraph,
            UnitKind::Document => UnitArg::Document,
        }
    }
}

impl From<UnitArg> for UnitKind {
    fn from(unit: UnitArg) -> Self {
        match unit {
            UnitArg::Paragraph => UnitKind::Paragraph,
            UnitArg::Document => UnitKind::Document,
        }
    }
}

/// Flags of an analysis run.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Files or folders to analyse (.txt/.md: one article each; .jsonl: one per line; .gz
    /// read transparently), or `-` for stdin. Default: the bundled seed articles.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<String>,

    #[arg(long = defs::K.name, help = defs::K.help, default_value_t = defs::K.default,
          value_parser = checked(defs::K))]
    pub k: KChoice,

    #[arg(long = defs::SEED.name, help = defs::SEED.help, default_value_t = defs::SEED.default)]
    pub seed: u64,

    #[arg(long = defs::FORMAT.name, help = defs::FORMAT.help, value_enum,
          default_value_t = FormatArg::from(defs::FORMAT.default))]
    pub format: FormatArg,

    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub layout: LayoutArgs,

    #[arg(long = defs::FULL.name, help = defs::FULL.help)]
    pub full: bool,

    #[arg(long = defs::UNIT.name, help = defs::UNIT.help, value_enum,
          default_value_t = UnitArg::from(defs::UNIT.default))]
    pub unit: UnitArg,

    #[arg(long = defs::TOP_TERMS.name, help = defs::TOP_TERMS.help, value_name = "N",
          default_value_t = defs::TOP_TERMS.default, value_parser = checked(defs::TOP_TERMS))]
    pub top_terms: usize,

    /// Named themes to track (TOML: `[[theme]]` tables with `name` and `words`); each seeds
    /// one theme, the rest are discovered, and --k counts both. FILE is required: for the
    /// bundled seeds/themes.toml use --bundled-themes
    #[arg(long, value_name = "FILE", conflicts_with = "bundled_themes")]
    pub themes: Option<PathBuf>,

    /// Track the named themes of the bundled seeds/themes.toml (made for the seed articles)
    #[arg(long)]
    pub bundled_themes: bool,

    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// How a text report is laid out: flags shared by `zhuti`, `zhuti assign --format text` and
/// `zhuti eval`.
#[derive(Debug, Args)]
pub struct LayoutArgs {
    #[arg(long = defs::WIDTH.name, help = defs::WIDTH.help, value_name = "N|auto",
          default_value_t = defs::WIDTH.default, value_parser = checked(defs::WIDTH))]
    pub width: Width,

    #[arg(long = defs::COLOR.name, help = defs::COLOR.help, value_name = "auto|always|never",
          default_value_t = defs::COLOR.default, value_parser = checked(defs::COLOR))]
    pub color: Colour,
}

impl LayoutArgs {
    /// The layout these flags ask for, with whole paragraphs when `full`: `--width auto` and
    /// `--color auto` look at stdout when the report goes there (not with `-o FILE`, given as
    /// `output`).
    pub fn text_options(&self, full: bool, output: Option<&std::path::Path>) -> TextOptions {
        let terminal = output.is_none() && std::io::stdout().is_terminal();
        let columns = terminal
            .then(|| terminal_size::terminal_size_of(std::io::stdout()))
            .flatten()
            .map(|(terminal_size::Width(w), _)| usize::from(w));
        TextOptions {
            width: self.width.columns(columns),
            full,
            colour: self
                .color
                .enabled(terminal, std::env::var_os("NO_COLOR").as_deref()),
        }
    }
}

/// How input files are read: flags shared by `zhuti`, `zhuti eval`, `zhuti fit` and
/// `zhuti assign`.
#[derive(Debug, Args)]
pub struct ReadArgs {
    #[arg(long = defs::MAX_INPUT.name, help = defs::MAX_INPUT.help, value_name = "SIZE",
          default_value_t = defs::MAX_INPUT.default, value_parser = checked(defs::MAX_INPUT))]
    pub max_input: ByteSize,

    #[arg(long = defs::STRICT.name, help = defs::STRICT.help)]
    pub strict: bool,

    /// The JSON Lines field or CSV/TSV column that holds the text (default: the first of
    /// text, content, 正文, body that a record has)
    #[arg(long, value_name = "NAME")]
    pub text_field: Option<String>,

    /// The encoding of inputs without a byte-order mark: utf-8, gbk (read as its superset
    /// gb18030), big5, utf-16le, utf-16be, or any WHATWG label (default: UTF-8 if valid, else
    /// GB18030 or Big5 as detected)
    #[arg(long, value_name = "NAME", value_parser = parse_encoding)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

impl ReadArgs {
    /// The library's read options these flags ask for.
    pub fn options(&self) -> ReadOptions {
        ReadOptions {
            max_input: self.max_input.0,
            strict: self.strict,
            text_field: self.text_field.clone(),
            encoding: self.encoding,
        }
    }
}

/// Flags shared by `zhuti` and `zhuti eval`: how the corpus is cleaned, vectorised and run.
/// Names, defaults, checks and help come from the library's registry ([`defs`]).
#[derive(Debug, Args)]
pub struct TuningArgs {
    #[arg(long = defs::DIMS.name, help = defs::DIMS.help, value_name = "N|auto",
          default_value_t = defs::DIMS.default, value_parser = checked(defs::DIMS))]
    pub dims: DimsChoice,

    #[arg(long = defs::METHOD.name, help = defs::METHOD.help, value_name = "lsa|dmm|auto",
          default_value_t = defs::METHOD.default, value_parser = checked(defs::METHOD))]
    pub method: Method,

    #[arg(long = defs::REFINE.name, help = defs::REFINE.help)]
    pub no_refine: bool,

    #[arg(long = defs::OUTLIERS.name, help = defs::OUTLIERS.help)]
    pub no_outliers: bool,

    #[arg(long = defs::N_RUNS.name, help = defs::N_RUNS.help, value_name = "N",
          default_value_t = defs::N_RUNS.default, value_parser = checked(defs::N_RUNS))]
    pub n_runs: usize,

    #[arg(long = defs::K_MAX.name, help = defs::K_MAX.help, value_name = "N",
          default_value_t = defs::K_MAX.default, value_parser = checked(defs::K_MAX))]
    pub k_max: usize,

    #[arg(long = defs::THREADS.name, help = defs::THREADS.help, value_name = "N|auto",
          default_value_t = defs::THREADS.default, value_parser = checked(defs::THREADS))]
    pub threads: Threads,

    #[command(flatten)]
    pub read: ReadArgs,

    /// Print nothing on stderr but errors (no progress, no warnings).
    #[arg(short, long)]
    pub quiet: bool,

    #[arg(long = defs::T2S.name, help = defs::T2S.help)]
    pub no_t2s: bool,

    #[arg(long = defs::BOILERPLATE.name, help = defs::BOILERPLATE.help)]
    pub keep_boilerplate: bool,

    #[arg(long = defs::DEDUPE.name, help = defs::DEDUPE.help)]
    pub no_dedupe: bool,

    #[arg(long = defs::HEADINGS.name, help = defs::HEADINGS.help)]
    pub no_headings: bool,

    #[arg(long = defs::MIN_CHARS.name, help = defs::MIN_CHARS.help, value_name = "N",
          default_value_t = defs::MIN_CHARS.default, value_parser = checked(defs::MIN_CHARS))]
    pub min_chars: usize,

    #[arg(long = defs::MIN_DF.name, help = defs::MIN_DF.help, value_name = "N",
          default_value_t = defs::MIN_DF.default, value_parser = checked(defs::MIN_DF))]
    pub min_df: usize,

    #[arg(long = defs::MAX_DF.name, help = defs::MAX_DF.help, value_name = "SHARE",
          default_value_t = defs::MAX_DF.default, value_parser = checked(defs::MAX_DF))]
    pub max_df: f64,

    #[arg(long = defs::IDF.name, help = defs::IDF.help, value_enum,
          default_value_t = IdfArg::from(defs::IDF.default))]
    pub idf: IdfArg,

    /// Time bucket of the timeline: day, week, month, quarter, or auto (12–60 buckets).
    #[arg(long, default_value_t = Settings::default().period, value_parser = parse_period)]
    pub period: Period,

    #[arg(long = defs::PHRASES.name, help = defs::PHRASES.help)]
    pub no_phrases: bool,

    #[arg(long = defs::USER_DICT.name, help = defs::USER_DICT.help, value_name = "FILE")]
    pub user_dict: Option<PathBuf>,

    #[arg(long = defs::STOP_WORDS.name, help = defs::STOP_WORDS.help, value_name = "FILE")]
    pub stop_words: Option<PathBuf>,
}

/// idf sources as the CLI spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IdfArg {
    /// The corpus idf times jieba's background idf of Chinese news: a term weighs much when it
    /// is rare both in this corpus and in the language (steadier on small corpora).
    Blend,
    /// The corpus idf alone (classic TF-IDF).
    Corpus,
}

impl From<IdfWeighting> for IdfArg {
    fn from(idf: IdfWeighting) -> Self {
        match idf {
            IdfWeighting::Blend => IdfArg::Blend,
            IdfWeighting::Corpus => IdfArg::Corpus,
        }
    }
}

impl From<IdfArg> for IdfWeighting {
    fn from(idf: IdfArg) -> Self {
        match idf {
            IdfArg::Blend => IdfWeighting::Blend,
            IdfArg::Corpus => IdfWeighting::Corpus,
        }
    }
}

/// A value parser for `setting`: parses and checks with the library's own check, so a value
/// that cannot work is a usage error (exit 2) naming the flag, as clap reports it.
pub(crate) fn checked<T>(
    setting: Setting<T>,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: Copy + FromStr + Send + Sync + 'static,
    T::Err: std::fmt::Display,
{
    move |text: &str| setting.parse(text)
}

impl TuningArgs {
    /// The library settings these flags ask for, with the given k, seed and unit.
    pub fn settings(&self, k: KChoice, seed: u64, unit: UnitArg) -> Settings {
        Settings {
            k,
            seed,
            unit: unit.into(),
            dims: self.dims,
            method: self.method,
            refine: defs::REFINE.switched(self.no_refine),
            outliers: defs::OUTLIERS.switched(self.no_outliers),
            n_runs: self.n_runs,
            k_max: self.k_max,
            clean: CleanOptions {
                t2s: defs::T2S.switched(self.no_t2s),
                min_chars: self.min_chars,
                dedupe: defs::DEDUPE.switched(self.no_dedupe),
                boilerplate: defs::BOILERPLATE.switched(self.keep_boilerplate),
                headings: defs::HEADINGS.switched(self.no_headings),
                ..CleanOptions::default()
            },
            tfidf: TfidfOptions {
                min_df: self.min_df,
                max_df: self.max_df,
                idf: self.idf.into(),
            },
            period: self.period,
            read: self.read.options(),
            phrases: defs::PHRASES.switched(self.no_phrases),
            user_dict: self.user_dict.clone(),
            stop_words: self.stop_words.clone(),
            ..Settings::default()
        }
    }

    /// A thread pool of the requested size (all cores by default).
    fn pool(&self) -> Result<rayon::ThreadPool, Failure> {
        thread_pool(self.threads, self.quiet)
    }
}

impl RunArgs {
    /// The library settings these flags ask for.
    pub fn settings(&self) -> Settings {
        Settings {
            top_terms: self.top_terms,
            ..self.tuning.settings(self.k, self.seed, self.unit)
        }
    }

    /// How the text report is laid out: `--width auto` and `--color auto` look at stdout
    /// when the report goes there (not with `-o`).
    pub fn text_options(&self) -> TextOptions {
        self.layout
            .text_options(defs::FULL.switched(self.full), self.output.as_deref())
    }

    /// The inputs the paths name. Without paths: stdin when it is a pipe or a file (as
    /// ripgrep does: `cat news.jsonl | zhuti`), else (a terminal, /dev/null) the bundled
    /// seed articles; stderr says which unless `-q`.
    fn inputs(&self) -> Vec<Input> {
        if !self.paths.is_empty() {
            return self.paths.iter().map(|p| Input::parse(p)).collect();
        }
        let piped = stdin_is_readable();
        if !self.tuning.quiet {
            eprintln!(
                "zhuti: {}",
                if piped {
                    "no paths given: reading stdin"
                } else {
                    "no paths given: analysing the five bundled seed articles (give files, \
                     folders or `-` for stdin)"
                }
            );
        }
        if piped {
            vec![Input::Stdin]
        } else {
            zhuti::seeds::bundled()
        }
    }
}

impl EvalArgs {
    /// The library settings these flags ask for.
    pub fn settings(&self) -> Settings {
        self.tuning.settings(self.k, self.seed, self.unit)
    }
}

/// Is stdin something to read: a pipe, a regular file or a socket (not a terminal, and not a
/// character device such as /dev/null, which is what test harnesses and cron give)?
fn stdin_is_readable() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::FileTypeExt;
        let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
            return false;
        };
        match std::fs::File::from(fd).metadata() {
            Ok(meta) => {
                let t = meta.file_type();
                t.is_fifo() || t.is_file() || t.is_socket()
            }
            Err(_) => false,
        }
    }
    #[cfg(not(unix))]
    {
        !std::io::stdin().is_terminal()
    }
}

/// Why a run of the command line failed: the library's error, or the system's refusal of
/// threads.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The library's error, whose message is complete.
    #[error(transparent)]
    Zhuti(#[from] Error),
    /// The thread pool could not start.
    #[error("cannot start threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

/// Runs the command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Some(Command::Eval(args)) => run_eval(args),
        Some(Command::Fit(args)) => crate::cli_model::run_fit(args),
        Some(Command::Assign(args)) => crate::cli_model::run_assign(args),
        Some(Command::Inspect(args)) => Ok(crate::cli_model::run_inspect(args)?),
        None => run_analysis(cli.run),
    }
}

/// What an analysis run needs before reading: checked settings, the guide, threads, progress.
struct Start {
    settings: Settings,
    /// What to read (the paths, stdin or the bundled seeds).
    inputs: Vec<Input>,
    guide: Option<Guide>,
    pool: rayon::ThreadPool,
    progress: StderrProgress,
}

/// Checks everything a run can check before reading its input (so bad flags or an unusable
/// `-o` cost no work).
fn start(args: &RunArgs) -> Result<Start, Failure> {
    let settings = args.settings();
    settings.check()?;
    let guide = match (&args.themes, args.bundled_themes) {
        (Some(path), _) => Some(Guide::load(path)?),
        (None, true) => Some(Guide::bundled()?),
        (None, false) => None,
    };
    if let Some(guide) = &guide {
        guide.check_k(settings.k)?;
    }
    let pool = args.tuning.pool()?;
    let inputs = args.inputs();
    if let Some(path) = &args.output {
        report::check_output(path)?;
        let themes = args.themes.iter().map(|p| Input::Path(p.clone()));
        check_not_input(
            path,
            &inputs.iter().cloned().chain(themes).collect::<Vec<_>>(),
        )?;
    }
    let progress = StderrProgress::new(!args.tuning.quiet && std::io::stderr().is_terminal());
    Ok(Start {
        settings,
        inputs,
        guide,
        pool,
        progress,
    })
}

/// Reads the inputs; the bundled seeds (the only in-memory inputs the CLI makes) are named
/// as such in the reports.
fn load(inputs: &[Input], settings: &Settings) -> Result<ingest::Corpus, Error> {
    let mut corpus = ingest::load_with(inputs, &settings.read)?;
    if inputs.iter().all(|i| matches!(i, Input::Memory { .. })) {
        corpus.inputs = vec!["the bundled seeds".to_string()];
    }
    Ok(corpus)
}

/// Prints the warnings and writes the report to `-o` (or stdout when `to_stdout`).
fn finish(
    args: &RunArgs,
    pool: &rayon::ThreadPool,
    analysis: &zhuti::Analysis,
    to_stdout: bool,
) -> Result<(), Failure> {
    if !args.tuning.quiet {
        for warning in &analysis.warnings {
            eprintln!("zhuti: warning: {}", report::terminal_safe(warning));
        }
    }
    if args.output.is_none() && !to_stdout {
        return Ok(());
    }
    let output = args.output.as_deref();
    let format = Format::from(args.format);
    // JSON is streamed (rendered in parallel in the --threads pool); the others are small.
    let written = match format {
        Format::Json => {
            pool.install(|| emit_with(output, |out| report::json::write(analysis, out)))
        }
        Format::Text => emit(
            &report::text::render_with(analysis, &args.text_options()),
            output,
        ),
        _ => emit(&report::render(analysis, format)?, output),
    };
    Ok(written?)
}

fn run_analysis(args: RunArgs) -> Result<(), Failure> {
    let Start {
        settings,
        inputs,
        guide,
        pool,
        progress,
    } = start(&args)?;
    let analysis = pool.install(|| {
        let corpus = load(&inputs, &settings)?;
        match &guide {
            Some(guide) => zhuti::analyze_guided(&corpus, &settings, guide, &progress),
            None => zhuti::analyze(&corpus, &settings, &progress),
        }
    })?;
    progress.clear();
    let written = finish(&args, &pool, &analysis, true);
    // The process ends next and the system takes its memory back at once: freeing a large
    // analysis (a string per unit) piece by piece would only make the user wait.
    std::mem::forget(analysis);
    written
}

/// An `--encoding` name: a WHATWG label (`gbk` names GBK, decoded as its superset GB18030).
fn parse_encoding(s: &str) -> Result<&'static encoding_rs::Encoding, String> {
    match encoding_rs::Encoding::for_label(s.trim().as_bytes()) {
        Some(e) if e == encoding_rs::GBK => Ok(encoding_rs::GB18030),
        Some(e) => Ok(e),
        None => Err(format!(
            "unknown encoding `{s}`; try utf-8, gbk, gb18030, big5, utf-16le or utf-16be"
        )),
    }
}

fn parse_period(s: &str) -> Result<Period, String> {
    s.parse()
}

/// A thread pool of the size `--threads` asks for.
///
/// More than [`zhuti::settings::MAX_THREADS`] are capped (with a warning unless `quiet`), so a
/// typo such as `--threads 100000` cannot exhaust the system's threads.
pub(crate) fn thread_pool(threads: Threads, quiet: bool) -> Result<rayon::ThreadPool, Failure> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = defs::THREADS.check(threads)?.count() {
        let max = zhuti::settings::MAX_THREADS;
        if n > max && !quiet {
            eprintln!(
                "zhuti: warning: --threads {n} is more than the {max} zhuti uses at most; \
                 using {max}"
            );
        }
        builder = builder.num_threads(n.min(max));
    }
    Ok(builder.build()?)
}

/// Fits a [`zhuti::ThemeModel`] as `zhuti` analyses, hands it to `keep` (which saves it), then
/// writes the report when `args.output` names a file.
pub(crate) fn run_analysis_with(
    args: RunArgs,
    sample: Option<usize>,
    keep: impl FnOnce(&mut zhuti::ThemeModel) -> Result<(), Error>,
) -> Result<(), Failure> {
    let Start {
        settings,
        inputs,
        guide,
        pool,
        progress,
    } = start(&args)?;
    let mut model = pool.install(|| {
        let mut corpus = load(&inputs, &settings)?;
        if let Some(n) = sample {
            crate::cli_model::sample_articles(&mut corpus, n, settings.seed);
        }
        match &guide {
            Some(guide) => zhuti::ThemeModel::fit_guided(&corpus, &settings, guide, &progress),
            None => zhuti::ThemeModel::fit(&corpus, &settings, &progress),
        }
    })?;
    progress.clear();
    keep(&mut model)?;
    match model.analysis() {
        // `fit` writes its report only when --report names a file.
        Some(analysis) => finish(&args, &pool, analysis, false),
        None => Ok(()),
    }
}

fn run_eval(args: EvalArgs) -> Result<(), Failure> {
    let settings = args.settings();
    settings.check()?;
    let pool = args.tuning.pool()?;
    let inputs: Vec<Input> = args.files.iter().map(|p| Input::parse(p)).collect();
    if let Some(path) = &args.output {
        report::check_output(path)?;
        check_not_input(path, &inputs)?;
    }
    let progress = StderrProgress::new(!args.tuning.quiet && std::io::stderr().is_terminal());
    let (report, warnings) = pool.install(|| {
        let corpus = ingest::load_with(&inputs, &settings.read)?;
        zhuti::eval::evaluate(&corpus, &settings, &args.seeds, &progress)
            .map(|r| (r, corpus.warnings))
    })?;
    progress.clear();
    if !args.tuning.quiet {
        for warning in &warnings {
            eprintln!("zhuti: warning: {}", report::terminal_safe(warning));
        }
    }
    let rendered = match args.format {
        EvalFormat::Text => zhuti::eval::render_text_with(
            &report,
            &args.layout.text_options(false, args.output.as_deref()),
        ),
        EvalFormat::Json => {
            let mut json = serde_json::to_string_pretty(&report).map_err(|e| Error::Numeric {
                stage: "JSON output",
                reason: e.to_string(),
            })?;
            json.push('\n');
            json
        }
    };
    Ok(emit(&rendered, args.output.as_deref())?)
}

/// Refuses an `-o` file that is (or a folder walk would read as) one of `inputs`.
fn check_not_input(output: &std::path::Path, inputs: &[Input]) -> Result<(), Error> {
    match ingest::input_holding(inputs, output) {
        Some(input) => Err(Error::OutputIsInput {
            output: output.to_path_buf(),
            input,
        }),
        None => Ok(()),
    }
}

/// Writes `rendered` to `output` (atomically) or to stdout.
pub(crate) fn emit(rendered: &str, output: Option<&std::path::Path>) -> Result<(), Error> {
    emit_with(output, |out| out.write_all(rendered.as_bytes()))
}

/// Writes what `write` writes to `output` (atomically) or to stdout.
pub(crate) fn emit_with(
    output: Option<&std::path::Path>,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<(), Error> {
    match output {
        Some(path) => report::write_atomic_with(path, write)?,
        None => {
            let mut stdout = std::io::stdout();
            let written = write(&mut stdout).and_then(|()| stdout.flush());
            match written {
                // A closed pipe (`zhuti | head`) is not an error worth reporting.
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {}
                // A full disk behind `> file` is: the report is incomplete.
                Err(err) => return Err(Error::Stdout(err)),
                Ok(()) => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use clap::{CommandFactory, Parser};
    use zhuti::settings::defs;

    use super::*;

    fn parse(argv: &[&str]) -> Cli {
        let full: Vec<&str> = std::iter::once("zhuti")
            .chain(argv.iter().copied())
            .collect();
        Cli::try_parse_from(full).unwrap_or_else(|e| panic!("{argv:?}: {e}"))
    }

    fn run_settings(argv: &[&str]) -> Settings {
        let cli = parse(argv);
        assert!(cli.command.is_none());
        cli.run.settings()
    }

    fn eval_args(argv: &[&str]) -> EvalArgs {
        let full: Vec<&str> = ["eval", "x.jsonl"].iter().chain(argv).copied().collect();
        match parse(&full).command {
            Some(Command::Eval(args)) => args,
            _ => panic!("no eval subcommand"),
        }
    }

    /// Every long flag of `zhuti` and of `zhuti eval`, with clap's own `help` and `version`.
    fn long_flags() -> BTreeSet<String> {
        let command = Cli::command();
        let subcommands: Vec<_> = command.get_subcommands().cloned().collect();
        let mut flags: BTreeSet<String> = [command]
            .into_iter()
            .chain(subcommands)
            .flat_map(|c| {
                c.get_arguments()
                    .filter_map(|a| a.get_long().map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect();
        flags.extend(["help".to_string(), "version".to_string()]);
        flags
    }

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_flags_give_the_library_defaults() {
        let cli = parse(&[]);
        assert_eq!(cli.run.settings(), Settings::default());
        assert_eq!(cli.run.tuning.threads, defs::THREADS.default);
        assert_eq!(Format::from(cli.run.format), defs::FORMAT.default);
        assert_eq!(cli.run.layout.width, defs::WIDTH.default);
        assert_eq!(cli.run.full, defs::FULL.default);
        assert_eq!(cli.run.layout.color, defs::COLOR.default);
        assert!(cli.run.paths.is_empty() && cli.run.output.is_none() && !cli.run.tuning.quiet);
        assert_eq!(cli.run.themes, None);

        // `zhuti eval` too, except its unit (whole articles carry the gold labels).
        let eval = eval_args(&[]);
        assert_eq!(eval.settings(), Settings::eval_default());
        assert_eq!(eval.settings().unit, defs::EVAL_UNIT);
        assert_eq!(
            Settings {
                unit: defs::UNIT.default,
                ..eval.settings()
            },
            Settings::default()
        );
        assert_eq!(eval.tuning.threads, defs::THREADS.default);
        assert_eq!(eval.format, EvalFormat::Text);
        assert!(eval.seeds.is_empty());
    }

    /// Every setting's flag, given real argv, and what it must change in the defaults.
    type Case = (&'static [&'static str], fn(&mut Settings));

    const CASES: &[Case] = &[
        (&["--k", "4"], |s| s.k = KChoice::Fixed(4)),
        (&["--k", "AUTO"], |s| s.k = KChoice::Auto),
        (&["--seed", "7"], |s| s.seed = 7),
        (&["--unit", "document"], |s| s.unit = UnitKind::Document),
        (&["--unit", "paragraph"], |s| s.unit = UnitKind::Paragraph),
        (&["--dims", "50"], |s| s.dims = DimsChoice::Fixed(50)),
        (&["--dims", "auto"], |s| s.dims = DimsChoice::Auto),
        (&["--method", "dmm"], |s| s.method = Method::Dmm),
        (&["--method", "LSA"], |s| s.method = Method::Lsa),
        (&["--no-refine"], |s| s.refine = false),
        (&["--no-outliers"], |s| s.outliers = false),
        (&["--n-runs", "5"], |s| s.n_runs = 5),
        (&["--k-max", "12"], |s| s.k_max = 12),
        (&["--no-t2s"], |s| s.clean.t2s = false),
        (&["--min-chars", "5"], |s| s.clean.min_chars = 5),
        (&["--no-dedupe"], |s| s.clean.dedupe = false),
        (&["--keep-boilerplate"], |s| s.clean.boilerplate = false),
        (&["--no-headings"], |s| s.clean.headings = false),
        (&["--min-df", "1"], |s| s.tfidf.min_df = 1),
        (&["--max-df", "0.8"], |s| s.tfidf.max_df = 0.8),
        (&["--idf", "corpus"], |s| s.tfidf.idf = IdfWeighting::Corpus),
        (&["--top-terms", "3"], |s| s.top_terms = 3),
        (&["--max-input", "512M"], |s| s.read.max_input = 512 << 20),
        (&["--strict"], |s| s.read.strict = true),
        (&["--no-phrases"], |s| s.phrases = false),
        (&["--user-dict", "my.dict"], |s| {
            s.user_dict = Some(PathBuf::from("my.dict"))
        }),
        (&["--stop-words", "stop.txt"], |s| {
            s.stop_words = Some(PathBuf::from("stop.txt"))
        }),
    ];

    #[test]
    fn every_flag_sets_its_setting() {
        for (argv, change) in CASES {
            let mut want = Settings::default();
            change(&mut want);
            assert_eq!(run_settings(argv), want, "zhuti {argv:?}");
            // `zhuti eval` shares every flag but --top-terms.
            if argv[0] != "--top-terms" {
                let mut want = Settings::eval_default();
                change(&mut want);
                assert_eq!(eval_args(argv).settings(), want, "zhuti eval {argv:?}");
            }
        }
        let all = run_settings(&["--k", "3", "--no-refine", "--min-df=3", "--seed", "1"]);
        assert_eq!(
            (all.k, all.refine, all.tfidf.min_df, all.seed),
            (KChoice::Fixed(3), false, 3, 1)
        );
        // The options of the run.
        let cli = parse(&["--threads", "3", "--format", "json", "-o", "out.json", "-q"]);
        assert_eq!(cli.run.tuning.threads, Threads::Fixed(3));
        assert_eq!(cli.run.format, FormatArg::Json);
        assert_eq!(cli.run.output, Some(PathBuf::from("out.json")));
        assert!(cli.run.tuning.quiet);
        assert_eq!(parse(&["--format", "csv"]).run.format, FormatArg::Csv);
        assert_eq!(Format::from(FormatArg::Csv), Format::Csv);
        assert!(parse(&["--bundled-themes"]).run.bundled_themes);
        // A bare --themes takes no corpus path as its file: it needs a value.
        assert!(Cli::try_parse_from(["zhuti", "--themes"]).is_err());
        // The text report's layout (presentation only: not in `Settings` nor the JSON).
        let cli = parse(&[
            "--width", "60", "--full", "--color", "always", "-o", "r.txt",
        ]);
        assert_eq!(cli.run.settings(), Settings::default());
        let options = cli.run.text_options();
        assert_eq!(
            (options.width, options.full, options.colour),
            (60, true, true)
        );
        let cli = parse(&["--color", "never", "-o", "r.txt"]);
        assert_eq!(cli.run.layout.color, Colour::Never);
        // Into a file, `auto` is 80 columns without colour.
        let cli = parse(&["-o", "r.txt"]);
        assert_eq!(
            (cli.run.layout.width, cli.run.layout.color),
            (Width::Auto, Colour::Auto)
        );
        assert_eq!(cli.run.text_options(), TextOptions::default());
        let eval = eval_args(&["--seeds", "0,1,2", "--format", "json"]);
        assert_eq!(eval.seeds, [0, 1, 2]);
        assert_eq!(eval.format, EvalFormat::Json);

        // Every setting of the registry has a case here.
        let tested: BTreeSet<&str> = CASES
            .iter()
            .map(|(argv, _)| argv[0].trim_start_matches("--"))
            .chain(["threads", "format", "width", "full", "color"])
            .collect();
        for info in defs::ALL {
            assert!(tested.contains(info.name), "no case for --{}", info.name);
        }
    }

    #[test]
    fn the_registry_names_and_documents_the_flags() {
        let command = Cli::command();
        let eval = command.find_subcommand("eval").unwrap();
        for info in defs::ALL {
            // Scores list no terms and no paragraphs: `zhuti eval` has no --top-terms and no
            // --full (its text takes --width and --color).
            let analysis_only = [defs::TOP_TERMS.name, defs::FULL.name];
            let commands = if analysis_only.contains(&info.name) {
                vec![&command]
            } else {
                vec![&command, eval]
            };
            for c in commands {
                let arg = c
                    .get_arguments()
                    .find(|a| a.get_long() == Some(info.name))
                    .unwrap_or_else(|| panic!("`{}` has no --{}", c.get_name(), info.name));
                // `zhuti eval --unit` says why its default differs.
                if !(c.get_name() == "eval" && info.name == defs::UNIT.name) {
                    let help = arg.get_help().map(|h| h.to_string());
                    assert_eq!(help.as_deref(), Some(info.help), "--{}", info.name);
                }
            }
        }
    }

    #[test]
    fn bad_values_are_usage_errors_naming_the_flag() {
        let cases: &[(&[&str], &str)] = &[
            (&["--k", "0"], "there must be at least one theme"),
            (&["--dims", "1"], "LSA needs at least 2 dimensions"),
            (&["--top-terms", "0"], "each theme needs at least one term"),
            (&["--n-runs", "0"], "k-means needs at least one run"),
            (&["--k-max", "1"], "`auto` needs at least k = 2"),
            (&["--min-df", "0"], "a term must occur in at least one unit"),
            (&["--max-df", "1.5"], "must be a share of units"),
            (&["--max-df", "0"], "must be a share of units"),
            (&["--threads", "0"], "need at least one thread"),
            (
                &["--k", "many"],
                "expected a whole number or `auto`, got `many`",
            ),
            (&["--min-chars", "x"], "invalid digit"),
            (
                &["--width", "20"],
                "the text report needs 40 to 1000 columns",
            ),
            (&["--color", "maybe"], "expected auto, always or never"),
        ];
        for (argv, reason) in cases {
            for eval in [false, true] {
                if eval && ["--top-terms", "--full"].contains(&argv[0]) {
                    continue;
                }
                let mut full = vec!["zhuti"];
                if eval {
                    full.extend(["eval", "x.jsonl"]);
                }
                full.extend(argv.iter());
                let err = Cli::try_parse_from(&full).unwrap_err();
                assert_eq!(
                    err.kind(),
                    clap::error::ErrorKind::ValueValidation,
                    "{full:?}"
                );
                assert_eq!(err.exit_code(), 2);
                let message = err.to_string();
                let flag = format!("invalid value '{}' for '{} <", argv[1], argv[0]);
                assert!(message.contains(&flag), "{flag:?} missing from {message}");
                assert!(
                    message.contains(reason),
                    "{reason:?} missing from {message}"
                );
            }
        }
    }

    /// The string literals of Rust source `code` (plain, raw and byte strings; not comments).
    fn string_literals(code: &str) -> Vec<String> {
        let chars: Vec<char> = code.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let rest = |n: usize| chars.get(i + n).copied();
            match chars[i] {
                '/' if rest(1) == Some('/') => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                }
                '/' if rest(1) == Some('*') => {
                    i += 2;
                    while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                        i += 1;
                    }
                    i += 2;
                }
                // A char literal ('"', '\'', 'x'); a lifetime ('a) has no closing quote.
                '\'' if rest(1) == Some('\\') => {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                }
                '\'' if rest(2) == Some('\'') => i += 3,
                'r' if (rest(1) == Some('#') || rest(1) == Some('"'))
                    && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')) =>
                {
                    let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
                    if rest(1 + hashes) != Some('"') {
                        i += 1;
                        continue;
                    }
                    let start = i + 2 + hashes;
                    let mut end = start;
                    while end < chars.len()
                        && !(chars[end] == '"'
                            && chars[end + 1..]
                                .iter()
                                .take(hashes)
                                .filter(|&&c| c == '#')
                                .count()
                                == hashes)
                    {
                        end += 1;
                    }
                    out.push(chars[start..end.min(chars.len())].iter().collect());
                    i = end + 1 + hashes;
                }
                '"' => {
                    let mut text = String::new();
                    i += 1;
                    while i < chars.len() && chars[i] != '"' {
                        if chars[i] == '\\' {
                            i += 1;
                        }
                        if let Some(&c) = chars.get(i) {
                            text.push(c);
                        }
                        i += 1;
                    }
                    out.push(text);
                    i += 1;
                }
                _ => i += 1,
            }
        }
        out
    }

    /// The `--flag`s a string names, leaving out CSS custom properties (`var(--ink)`,
    /// `{--c:…}`, `;--mut:`).
    fn flags_named(text: &str) -> Vec<String> {
        let mut flags = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find("--") {
            let before = rest[..at].chars().next_back();
            let after = &rest[at + 2..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                .collect();
            let css = matches!(before, Some('(' | '{' | ';' | '-'))
                || after[name.len()..].starts_with(':');
            let starts_with_letter = name.starts_with(|c: char| c.is_ascii_lowercase());
            if !css && starts_with_letter {
                flags.push(name.trim_end_matches('-').to_string());
            }
            rest = &after[name.len()..];
        }
        flags
    }

    #[test]
    fn the_string_scanner_finds_flags_in_strings_only() {
        // `§` stands for `-`, so that this sample names no flag itself.
        let code = r##"
            // not "§§in-comment"
            let a = "use §§k 1 or \"§§min-df 2\""; let c = '"'; let l: &'a str = "§§seed";
            let css = r#":root{§§ink:#1d;} a{color:var(§§mut)} b{§§c:red;§§line:1}"#;
            /* "§§in-block" */ let x = r"§§dims"; let e = "§§{k} auto, `§§k-max 20`";
        "##
        .replace('§', "-");
        let flags: Vec<String> = string_literals(&code)
            .iter()
            .flat_map(|s| flags_named(s))
            .collect();
        assert_eq!(flags, ["k", "min-df", "seed", "dims", "k-max"]);
    }

    #[test]
    fn no_message_names_a_flag_that_does_not_exist() {
        let known = long_flags();
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut checked = 0;
        for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.path().extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let code = std::fs::read_to_string(entry.path()).unwrap();
            for literal in string_literals(&code) {
                for flag in flags_named(&literal) {
                    checked += 1;
                    assert!(
                        known.contains(&flag),
                        "{}: \"{literal}\" names --{flag}, which is not a flag of zhuti or \
                         zhuti eval",
                        entry.path().display()
                    );
                }
            }
        }
        // The messages of src/ name dozens of flags: the scan did find them.
        assert!(
            checked > 30,
            "only {checked} flags found in {}",
            src.display()
        );
    }
}
