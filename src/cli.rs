//! Command-line flags (each defined once, here, with its help) and the glue that turns them
//! into library calls.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use zhuti::guided::Guide;
use zhuti::ingest::{self, ByteSize, Input};
use zhuti::kmeans::KChoice;
use zhuti::lsa::DimsChoice;
use zhuti::report::{self, Format};
use zhuti::tfidf::IdfWeighting;
use zhuti::units::UnitKind;
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
  zhuti --themes                         the seed articles with the bundled seeds/themes.toml
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
    version,
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
    /// Cluster labelled articles exactly as `zhuti` does and score the themes against the gold
    /// labels (NMI, ARI, homogeneity, completeness, V-measure, purity).
    #[command(after_help = EVAL_EXAMPLES)]
    Eval(EvalArgs),
}

const EVAL_EXAMPLES: &str = "\
Examples:
  zhuti eval news.jsonl --k 10                   one run (seed 42), scores and theme × label table
  zhuti eval news.jsonl --k 10 --seeds 0,1,2,3,4 five seeds: mean, min, max, stability
  zhuti eval news.jsonl --k auto --format json   how k was chosen, and how good it is

Input: JSON Lines records with a gold `label`, e.g. {\"id\": \"a1\", \"label\": \"体育\", \"text\": \"...\"}.
With --unit paragraph each article is scored by its largest theme.";

/// Flags of `zhuti eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labelled JSON Lines files (.jsonl or .jsonl.gz) or folders of them; `-` for stdin.
    #[arg(value_name = "FILES", required = true)]
    pub files: Vec<String>,

    /// Number of themes, or `auto` to choose by silhouette.
    #[arg(long, default_value = "auto", value_parser = parse_k)]
    pub k: KChoice,

    /// Random seed of a single run.
    #[arg(long, default_value_t = 42, conflicts_with = "seeds")]
    pub seed: u64,

    /// Several seeds, comma-separated (e.g. 0,1,2,3,4): reports mean, min, max and stability.
    #[arg(long, value_delimiter = ',', value_name = "SEEDS")]
    pub seeds: Vec<u64>,

    /// What one clustered unit is.
    #[arg(long, value_enum, default_value_t = UnitArg::Document)]
    pub unit: UnitArg,

    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Text)]
    pub format: EvalFormat,

    /// Write the scores to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

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

/// Output formats as the CLI spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// A readable report for the terminal.
    Text,
    /// The versioned JSON document (schema/zhuti.schema.json).
    Json,
    /// One self-contained HTML page with charts; open it in any browser.
    Html,
}

/// Unit kinds as the CLI spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnitArg {
    /// Each paragraph is clustered on its own.
    Paragraph,
    /// Each article is clustered as a whole.
    Document,
}

/// Flags of an analysis run.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Files or folders to analyse (.txt/.md: one article each; .jsonl: one per line; .gz
    /// read transparently), or `-` for stdin. Default: the bundled seed articles.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<String>,

    /// Number of themes, or `auto` to choose by silhouette.
    #[arg(long, default_value = "auto", value_parser = parse_k)]
    pub k: KChoice,

    /// Random seed: the same input and seed give the same result.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,

    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// What one clustered unit is.
    #[arg(long, value_enum, default_value_t = UnitArg::Paragraph)]
    pub unit: UnitArg,

    /// Top terms listed per theme.
    #[arg(long, default_value_t = 10)]
    pub top_terms: usize,

    /// Named themes to track (TOML: `[[theme]]` tables with `name` and `words`); each seeds
    /// one theme, the rest are discovered, and --k counts both. Without FILE: the bundled
    /// seeds/themes.toml (for the seed articles).
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    pub themes: Option<Option<PathBuf>>,

    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// Flags shared by `zhuti` and `zhuti eval`: how the corpus is cleaned, vectorised and run.
#[derive(Debug, Args)]
pub struct TuningArgs {
    /// LSA dimensions, or `auto`: one per 32 units, between 16 and 100 (small corpora
    /// cannot support many directions); 100 for guided runs (`--themes`). Capped by the
    /// corpus size.
    #[arg(long, default_value = "auto", value_name = "N|auto", value_parser = parse_dims)]
    pub dims: DimsChoice,

    /// Keep the themes k-means finds in the LSA space as they are, without the refinement by
    /// spherical k-means on the full TF-IDF vectors.
    #[arg(long)]
    pub no_refine: bool,

    /// Worker threads (default: all cores, at most 256). Output does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// The most bytes one run reads (all inputs, after decompression): K, M, G or T (powers of
    /// 1024) or bytes. Past it zhuti stops with an error and writes nothing.
    #[arg(long, value_name = "SIZE", default_value_t = ByteSize(ingest::DEFAULT_MAX_INPUT))]
    pub max_input: ByteSize,

    /// Stop at a JSON Lines record that cannot be read, instead of leaving it out with a
    /// warning (and a `bad_record` entry among the dropped units).
    #[arg(long)]
    pub strict: bool,

    /// Print nothing on stderr but errors (no progress, no warnings).
    #[arg(short, long)]
    pub quiet: bool,

    /// Keep traditional characters (no traditional→simplified conversion).
    #[arg(long)]
    pub no_t2s: bool,

    /// Keep page furniture (copyright, licence and contact lines, bylines, datelines, tickers,
    /// navigation, related-reading lists, lines repeated across articles) instead of dropping
    /// it as `boilerplate`.
    #[arg(long)]
    pub keep_boilerplate: bool,

    /// Keep near-duplicate paragraphs (pull-quotes, summaries repeating a paragraph) instead of
    /// dropping all but the fullest copy as `duplicate`.
    #[arg(long)]
    pub no_dedupe: bool,

    /// Treat short title-like lines as ordinary lines instead of headings of the next
    /// paragraph.
    #[arg(long)]
    pub no_headings: bool,

    /// Paragraphs with fewer letters than this are dropped as `short`.
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub min_chars: usize,

    /// Terms in fewer units than this are ignored.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub min_df: usize,

    /// Terms in more than this share of units are ignored.
    #[arg(long, default_value_t = 0.5, value_name = "SHARE")]
    pub max_df: f64,

    /// Where a term's idf (how specific it is) comes from.
    #[arg(long, value_enum, default_value_t = IdfArg::Blend)]
    pub idf: IdfArg,
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

fn parse_k(s: &str) -> Result<KChoice, String> {
    s.parse()
}

fn parse_dims(s: &str) -> Result<DimsChoice, String> {
    s.parse()
}

impl UnitArg {
    fn kind(self) -> UnitKind {
        match self {
            UnitArg::Paragraph => UnitKind::Paragraph,
            UnitArg::Document => UnitKind::Document,
        }
    }
}

impl TuningArgs {
    /// The library settings these flags ask for, with the given k, seed and unit.
    pub fn settings(&self, k: KChoice, seed: u64, unit: UnitArg) -> Settings {
        let mut settings = Settings {
            k,
            seed,
            unit: unit.kind(),
            dims: self.dims,
            refine: !self.no_refine,
            ..Settings::default()
        };
        settings.clean.t2s = !self.no_t2s;
        settings.clean.min_chars = self.min_chars;
        settings.clean.boilerplate = !self.keep_boilerplate;
        settings.clean.dedupe = !self.no_dedupe;
        settings.clean.headings = !self.no_headings;
        settings.read.max_input = self.max_input.0;
        settings.read.strict = self.strict;
        settings.tfidf.min_df = self.min_df;
        settings.tfidf.max_df = self.max_df;
        settings.tfidf.idf = match self.idf {
            IdfArg::Blend => IdfWeighting::Blend,
            IdfArg::Corpus => IdfWeighting::Corpus,
        };
        settings
    }

    /// A thread pool of the requested size (all cores by default).
    fn pool(&self) -> Result<rayon::ThreadPool, Error> {
        if self.threads == Some(0) {
            return Err(Error::Settings(
                "--threads 0: need at least one thread; leave it out to use all cores".into(),
            ));
        }
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(n) = self.threads {
            let max = zhuti::settings::MAX_THREADS;
            if n > max && !self.quiet {
                eprintln!(
                    "zhuti: warning: --threads {n} is more than the {max} zhuti uses at most; \
                     using {max}"
                );
            }
            builder = builder.num_threads(n.min(max));
        }
        builder
            .build()
            .map_err(|e| Error::Settings(format!("cannot start threads: {e}")))
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

    fn inputs(&self) -> Vec<Input> {
        if self.paths.is_empty() {
            zhuti::seeds::bundled()
        } else {
            self.paths.iter().map(|p| Input::parse(p)).collect()
        }
    }
}

/// Runs the command line.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Some(Command::Eval(args)) => run_eval(args),
        None => run_analysis(cli.run),
    }
}

fn run_analysis(args: RunArgs) -> Result<(), Error> {
    let settings = args.settings();
    settings.validate()?;
    let guide = match &args.themes {
        None => None,
        Some(None) => Some(Guide::bundled()?),
        Some(Some(path)) => Some(Guide::load(path)?),
    };
    if let Some(guide) = &guide {
        guide.check_k(settings.k)?;
    }
    let pool = args.tuning.pool()?;
    let inputs = args.inputs();
    if let Some(path) = &args.output {
        report::check_output(path)?;
        let themes = args.themes.iter().flatten().map(|p| Input::Path(p.clone()));
        check_not_input(
            path,
            &inputs.iter().cloned().chain(themes).collect::<Vec<_>>(),
        )?;
    }
    let progress = StderrProgress::new(!args.tuning.quiet && std::io::stderr().is_terminal());
    let analysis = pool.install(|| {
        let corpus = ingest::load_with(&inputs, &settings.read)?;
        match &guide {
            Some(guide) => zhuti::analyze_guided(&corpus, &settings, guide, &progress),
            None => zhuti::analyze(&corpus, &settings, &progress),
        }
    })?;
    progress.clear();
    if !args.tuning.quiet {
        for warning in &analysis.warnings {
            eprintln!("zhuti: warning: {}", report::terminal_safe(warning));
        }
    }
    let format = match args.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Html => Format::Html,
    };
    // JSON is streamed (rendered in parallel in the --threads pool); the others are small.
    let written = match format {
        Format::Json => pool.install(|| {
            emit_with(args.output.as_deref(), |out| {
                report::json::write(&analysis, out)
            })
        }),
        _ => emit(&report::render(&analysis, format)?, args.output.as_deref()),
    };
    // The process ends next and the system takes its memory back at once: freeing a large
    // analysis (a string per unit) piece by piece would only make the user wait.
    std::mem::forget(analysis);
    written
}

fn run_eval(args: EvalArgs) -> Result<(), Error> {
    let settings = args.tuning.settings(args.k, args.seed, args.unit);
    settings.validate()?;
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
        EvalFormat::Text => zhuti::eval::render_text(&report),
        EvalFormat::Json => {
            let mut json = serde_json::to_string_pretty(&report).map_err(|e| Error::Numeric {
                stage: "JSON output",
                reason: e.to_string(),
            })?;
            json.push('\n');
            json
        }
    };
    emit(&rendered, args.output.as_deref())
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
fn emit(rendered: &str, output: Option<&std::path::Path>) -> Result<(), Error> {
    emit_with(output, |out| out.write_all(rendered.as_bytes()))
}

/// Writes what `write` writes to `output` (atomically) or to stdout.
fn emit_with(
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
