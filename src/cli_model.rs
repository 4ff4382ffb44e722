//! The model subcommands: `zhuti fit`, `zhuti assign`, `zhuti inspect`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use zhuti::ingest::{self, Input};
use zhuti::report::assigned::{ArticleOut, AssignReport, BatchSummary};
use zhuti::{Error, ThemeModel};

use zhuti::settings::defs;
use zhuti::settings::Threads;

use crate::cli::{checked, Failure, RunArgs};
use crate::progress_bar::StderrProgress;

pub const FIT_EXAMPLES: &str = "\
Examples:
  zhuti fit news/ -o news.zhuti                     fit on a folder, save the model
  zhuti fit news/ -o news.zhuti --report themes.json --format json
  zhuti fit big.jsonl -o big.zhuti --sample 20000   fit on a seeded sample of 20,000 articles
  zhuti assign --model news.zhuti today/            place today's articles into its themes
  zhuti inspect news.zhuti                          what the model holds";

/// Flags of `zhuti fit`: the analysis flags of `zhuti`, with `-o` naming the model file.
#[derive(Debug, Args)]
#[command(mut_arg("output", |a| a
    .required(true)
    .value_name("MODEL")
    .help("Write the model to MODEL (atomically)")))]
pub struct FitArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Also write the usual report (in --format) to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// The model this one replaces: themes that match one of its themes keep its id and name,
    /// new themes get fresh ids, and the model and report carry the lineage (matched, new,
    /// ended, split, merged themes).
    #[arg(long, value_name = "OLD_MODEL")]
    pub previous: Option<PathBuf>,

    /// Fit on a seeded sample of N articles (not units: an article's paragraphs stay together,
    /// so cleaning still sees each article whole; the unit count varies with article length).
    /// The same N and --seed give the same sample. All articles when N is at least their count.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub sample: Option<u64>,
}

/// Output formats of `zhuti assign`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssignFormat {
    /// One JSON object per article and line, streamed in input order.
    Jsonl,
    /// One JSON document: the batch summary and every article.
    Json,
    /// The batch summary for people.
    Text,
}

/// Flags of `zhuti assign`.
#[derive(Debug, Args)]
pub struct AssignArgs {
    /// The model file (`zhuti fit ... -o MODEL`).
    #[arg(long, value_name = "MODEL", required = true)]
    pub model: PathBuf,

    /// Files or folders of new articles, or `-` for stdin.
    #[arg(value_name = "PATHS", required = true)]
    pub paths: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = AssignFormat::Jsonl)]
    pub format: AssignFormat,

    /// Write to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[arg(long = defs::THREADS.name, help = defs::THREADS.help, value_name = "N|auto",
          default_value_t = defs::THREADS.default, value_parser = checked(defs::THREADS))]
    pub threads: Threads,

    /// Print nothing on stderr but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Flags of `zhuti inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model file.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,

    /// Print it as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run_fit(args: FitArgs) -> Result<(), Failure> {
    let FitArgs {
        run,
        report,
        previous,
        sample,
    } = args;
    // A bad previous model is refused before any work.
    let previous = previous.map(|p| ThemeModel::load(&p)).transpose()?;
    let model_path = run.output.clone().unwrap_or_default();
    // The report goes to --report; the model to -o.
    let run = RunArgs {
        output: report,
        ..run
    };
    zhuti::report::check_output(&model_path)?;
    let sample = sample.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    crate::cli::run_analysis_with(run, sample, |model: &mut ThemeModel| {
        if let Some(previous) = &previous {
            model.link_to(previous);
        }
        model.save(&model_path)
    })
}

/// Keeps a seeded sample of `n` of `corpus`'s articles, in input order: the `n` whose
/// (seed, id, position) hash is lowest. Deterministic, and independent of the thread count.
pub(crate) fn sample_articles(corpus: &mut ingest::Corpus, n: usize, seed: u64) {
    if n >= corpus.articles.len() {
        return;
    }
    // FNV-1a over the seed, the article's position and its id: stable across runs and builds.
    let key = |i: usize, id: &str| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let bytes = seed
            .to_le_bytes()
            .into_iter()
            .chain((i as u64).to_le_bytes());
        for b in bytes.chain(id.bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h
    };
    let mut order: Vec<(u64, usize)> = corpus
        .articles
        .iter()
        .enumerate()
        .map(|(i, a)| (key(i, &a.id), i))
        .collect();
    order.sort_unstable();
    let mut keep = vec![false; corpus.articles.len()];
    for &(_, i) in &order[..n] {
        keep[i] = true;
    }
    let mut flags = keep.into_iter();
    corpus.articles.retain(|_| flags.next().unwrap_or(false));
}

/// Articles assigned per parallel batch: lines are written in input order after each batch,
/// so memory holds one batch of results at a time.
const BATCH: usize = 256;

pub fn run_assign(args: AssignArgs) -> Result<(), Failure> {
    let model = ThemeModel::load(&args.model)?;
    if let Some(path) = &args.output {
        zhuti::report::check_output(path)?;
    }
    let pool = crate::cli::thread_pool(args.threads, args.quiet)?;
    let progress = StderrProgress::new(!args.quiet && std::io::stderr().is_terminal());
    let inputs: Vec<Input> = args.paths.iter().map(|p| Input::parse(p)).collect();
    let corpus = pool.install(|| ingest::load(&inputs))?;
    progress.clear();
    if !args.quiet {
        for warning in &corpus.warnings {
            eprintln!("zhuti: warning: {warning}");
        }
    }
    let segmenter = model.segmenter();
    let assign_batch = |articles: &[ingest::Article]| -> Vec<ArticleOut> {
        pool.install(|| {
            articles
                .par_iter()
                .map(|a| ArticleOut::new(&model, &a.id, &model.assign(a, &segmenter)))
                .collect()
        })
    };
    let json_err = |e: serde_json::Error| std::io::Error::other(e.to_string());
    match args.format {
        AssignFormat::Jsonl => Ok(crate::cli::emit_with(args.output.as_deref(), |out| {
            for chunk in corpus.articles.chunks(BATCH) {
                for line in assign_batch(chunk) {
                    serde_json::to_writer(&mut *out, &line).map_err(json_err)?;
                    out.write_all(b"\n")?;
                }
            }
            Ok(())
        })?),
        AssignFormat::Json | AssignFormat::Text => {
            let articles: Vec<ArticleOut> = corpus
                .articles
                .chunks(BATCH)
                .flat_map(assign_batch)
                .collect();
            let summary = BatchSummary::new(&model, &articles);
            let rendered = if args.format == AssignFormat::Text {
                summary.render_text()
            } else {
                let report = AssignReport {
                    summary,
                    articles: &articles,
                };
                let mut json =
                    serde_json::to_string_pretty(&report).map_err(|e| Error::Numeric {
                        stage: "JSON output",
                        reason: e.to_string(),
                    })?;
                json.push('\n');
                json
            };
            Ok(crate::cli::emit(&rendered, args.output.as_deref())?)
        }
    }
}

pub fn run_inspect(args: InspectArgs) -> Result<(), Error> {
    let model = ThemeModel::load(&args.model)?;
    let (version, created) = model.made_by();
    let (documents, units) = model.trained_on();
    let size = std::fs::metadata(&args.model).map_or(0, |m| m.len());
    let info = serde_json::json!({
        "format_version": zhuti::model_file::FORMAT_VERSION,
        "zhuti_version": version,
        "created_at": created,
        "file_bytes": size,
        "settings": model.settings_json(),
        "training": {"documents": documents, "units": units},
        "vocabulary": model.vocabulary_size(),
        "added_words": model.added_words(),
        "themes": model.themes().iter().map(|t| serde_json::json!({
            "id": t.id, "label": t.label, "name": t.name, "size": t.size, "share": t.share,
            "terms": t.terms, "novelty_threshold": t.novelty_threshold,
        })).collect::<Vec<_>>(),
        "lineage": model.lineage(),
    });
    let rendered = if args.json {
        let mut s = serde_json::to_string_pretty(&info).unwrap_or_default();
        s.push('\n');
        s
    } else {
        let mut s = format!(
            "{}: zhuti theme model, format {}, written by zhuti {version} at {created} (Unix time)\n\
             trained on {documents} articles, {units} units; {} terms; {} added words; {} bytes\n\n",
            args.model.display(),
            zhuti::model_file::FORMAT_VERSION,
            model.vocabulary_size(),
            model.added_words().len(),
            size,
        );
        for t in model.themes() {
            s.push_str(&format!(
                "{:>3}  {:>5.1}%  {:>6} units  novel below {:.3}  {}{}\n",
                t.id,
                t.share * 100.0,
                t.size,
                t.novelty_threshold,
                t.label,
                t.name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ));
        }
        s
    };
    crate::cli::emit(&rendered, None)
}
