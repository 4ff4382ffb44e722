//! The model subcommands: `zhuti fit`, `zhuti assign`, `zhuti inspect`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use zhuti::emerging::NovelUnit;
use zhuti::ingest::{self, Input};
use zhuti::model::{AssignedArticle, SplitArticle};
use zhuti::report::assigned::{ArticleOut, BatchCounts};
use zhuti::{Error, ThemeModel};

use zhuti::settings::defs;
use zhuti::settings::Threads;

use crate::cli::{checked, Failure, LayoutArgs, ReadArgs, RunArgs};
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

    #[command(flatten)]
    pub layout: LayoutArgs,

    #[arg(long = defs::FULL.name, help = defs::FULL.help)]
    pub full: bool,

    #[arg(long = defs::THREADS.name, help = defs::THREADS.help, value_name = "N|auto",
          default_value_t = defs::THREADS.default, value_parser = checked(defs::THREADS))]
    pub threads: Threads,

    #[command(flatten)]
    pub read: ReadArgs,

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
    let reading = run.tuning.read.options();
    crate::cli::run_analysis_with(run, sample, |model: &mut ThemeModel| {
        if let Some(previous) = &previous {
            model.link_to(previous);
        }
        model.remember_reading(&reading);
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

pub fn run_assign(args: AssignArgs) -> Result<(), Failure> {
    let inputs: Vec<Input> = args.paths.iter().map(|p| Input::parse(p)).collect();
    let model = ThemeModel::load(&args.model)?;
    if let Some(path) = &args.output {
        zhuti::report::check_output(path)?;
    }
    let pool = crate::cli::thread_pool(args.threads, args.quiet)?;
    let progress = StderrProgress::new(!args.quiet && std::io::stderr().is_terminal());
    let quiet = args.quiet;
    let format = args.format;
    // A chunk's articles cleaned and split (on the pool).
    let split_chunk = |articles: &[ingest::Article]| -> Vec<SplitArticle> {
        articles.par_iter().map(|a| model.split(a)).collect()
    };
    // The rest, on the pool: cut, weigh, place, serialize.
    let finish_chunk = |articles: &[ingest::Article], split: Vec<SplitArticle>| -> Vec<Assigned> {
        // Each article's line, its novel units (for emerging themes), and the line serialized
        // for the output (on the pool, beside the placing, rather than on the writing thread
        // while the pool waits).
        let finish = |a: &ingest::Article, assigned: AssignedArticle| {
            let novel = assigned
                .units
                .iter()
                .filter(|u| u.novel)
                .map(|u| NovelUnit {
                    doc: a.id.clone(),
                    line: u.line,
                    part: u.part,
                    paragraph: u.paragraph,
                    record: a.origin.is_record(),
                    text: u.text.clone(),
                })
                .collect();
            let line = ArticleOut::new(&model, a, &assigned);
            let json = serialize_line(format, &line);
            Assigned { line, novel, json }
        };
        // Every chunk is cut with a dictionary scoped to its units, which cuts them as the
        // whole dictionary does ([`ThemeModel::scoped_segmenter`]). A chunk's scoped trie holds
        // a tenth of jieba's entries and stays in cache, so jieba's walk through it takes 40%
        // fewer samples than through the whole trie; that pays for building it (0.6 s of
        // 6 s of CPU on fudan20) and more, and a one-article batch builds in milliseconds
        // where the whole dictionary takes a tenth of a second.
        let segmenter = &model.scoped_segmenter(&split);
        // Every unit of the chunk cut and weighed in one pass, apart from the cleaning and
        // placing around it, so jieba's dictionary stays in cache from one cut to the next
        // (cut article by article, between the cleaning's tables and the LSA basis, jieba
        // took a seventh longer than cutting the same text alone).
        let rows: Vec<Vec<(u32, f32)>> = {
            let texts: Vec<&str> = split.iter().flat_map(|s| s.texts()).collect();
            texts
                .par_iter()
                .map(|text| model.unit_row(text, segmenter))
                .collect()
        };
        // Each article's rows, in order: as many as its texts.
        let mut rest = &rows[..];
        let per_article: Vec<&[Vec<(u32, f32)>]> = split
            .iter()
            .map(|s| {
                let (mine, after) = rest.split_at(s.texts().count());
                rest = after;
                mine
            })
            .collect();
        articles
            .par_iter()
            .zip(split)
            .zip(per_article)
            .map(|((a, split), rows)| finish(a, model.assign_rows(a, split, rows)))
            .collect()
    };
    let mut counts = BatchCounts::new(&model);
    let mut novel: Vec<NovelUnit> = Vec::new();
    // A reading error stops the writing; it is reported instead of the write error.
    let mut failed: Option<Error> = None;
    let written = crate::cli::emit_with(args.output.as_deref(), |out| {
        // Buffered, and flushed after every chunk: lines still come out as they are done.
        let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
        let out = &mut buffered;
        // serde_json keeps a write's own error (a closed pipe stays `BrokenPipe`, which
        // `emit_with` takes for `zhuti assign | head` and does not report).
        let json_err = std::io::Error::from;
        let mut first = true;
        let mut write_error: Option<std::io::Error> = None;
        let warn = |corpus: &ingest::Corpus| {
            progress.clear();
            if !quiet {
                for warning in &corpus.warnings {
                    eprintln!("zhuti: warning: {warning}");
                }
            }
        };
        let mut each = |lines: Vec<Assigned>| -> Result<(), Error> {
            let write = || -> std::io::Result<()> {
                if format == AssignFormat::Json && first && !lines.is_empty() {
                    // Written once there is an article, so a failed read leaves stdout empty.
                    out.write_all(b"{\n  \"articles\": [")?;
                }
                for Assigned {
                    line,
                    novel: units,
                    json,
                } in lines
                {
                    counts.add(&line);
                    if format != AssignFormat::Jsonl {
                        let room = zhuti::emerging::MAX_UNITS.saturating_sub(novel.len());
                        novel.extend(units.into_iter().take(room));
                    }
                    match format {
                        AssignFormat::Jsonl => {
                            out.write_all(&json?)?;
                            out.write_all(b"\n")?;
                        }
                        AssignFormat::Json => {
                            let sep: &[u8] = if first { b"\n    " } else { b",\n    " };
                            first = false;
                            out.write_all(sep)?;
                            out.write_all(&json?)?;
                        }
                        AssignFormat::Text => {}
                    }
                }
                out.flush()
            };
            write().map_err(|err| {
                write_error = Some(err);
                write_failed()
            })
        };
        // Articles are read and assigned in chunks of `ThemeModel::ASSIGN_CHUNK` (in parallel
        // inside a chunk), and lines are written in input order after each chunk. The next
        // chunk is read (decompressed, parsed) on a thread of its own while this one is
        // assigned: reading is one thread's work, which would otherwise leave the pool idle
        // between chunks. The rendezvous channel holds no chunk, so memory holds three chunks of
        // articles at a time (the one being placed, the next being split beside it, the one
        // after, read ahead) and one chunk's results; chunks arrive in input order, and a
        // reading error comes after every chunk read before it, as when reading and assigning
        // take turns.
        let read = model.reading_for(args.read.options());
        let streamed = std::thread::scope(|scope| {
            let (chunks, received) = std::sync::mpsc::sync_channel::<ingest::Corpus>(0);
            let reader = scope.spawn(|| {
                let chunks = chunks;
                ingest::stream(&inputs, &read, ThemeModel::ASSIGN_CHUNK, &mut |corpus| {
                    // Refused only once the writing has stopped (its error is the one reported).
                    chunks.send(corpus).map_err(|_| write_failed())
                })
            });
            // Each chunk is split while the one before it is cut, weighed and placed (one
            // join on the pool), so neither waits at the other's end for its slowest article.
            let mut assigned = Ok(());
            let mut pending: Option<(ingest::Corpus, Vec<SplitArticle>)> = None;
            for corpus in &received {
                warn(&corpus);
                let (done, split) = pool.install(|| {
                    rayon::join(
                        || {
                            pending
                                .take()
                                .map(|(c, split)| finish_chunk(&c.articles, split))
                        },
                        || split_chunk(&corpus.articles),
                    )
                });
                pending = Some((corpus, split));
                if let Some(lines) = done {
                    assigned = each(lines);
                    if assigned.is_err() {
                        break;
                    }
                }
            }
            drop(received);
            if let (Ok(()), Some((c, split))) = (&assigned, pending.take()) {
                assigned = each(pool.install(|| finish_chunk(&c.articles, split)));
            }
            let read = reader
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            assigned.and(read)
        });
        if let Err(err) = streamed {
            if let Some(err) = write_error {
                return Err(err);
            }
            failed = Some(err);
            return Err(std::io::Error::other("input failed"));
        }
        let emerging = pool.install(|| {
            if format == AssignFormat::Jsonl || novel.len() < zhuti::emerging::MIN_UNITS {
                Vec::new()
            } else {
                let segmenter = model.scoped_segmenter_for(novel.iter().map(|u| u.text.as_str()));
                zhuti::emerging::find(&novel, &segmenter, model.seed())
            }
        });
        let summary = counts.finish(&model, emerging);
        match format {
            AssignFormat::Jsonl => Ok(()),
            AssignFormat::Text => out.write_all(
                summary
                    .render_text_with(
                        &args
                            .layout
                            .text_options(defs::FULL.switched(args.full), args.output.as_deref()),
                    )
                    .as_bytes(),
            ),
            AssignFormat::Json => {
                out.write_all(b"\n  ],\n  \"summary\": ")?;
                let mut ser = serde_json::Serializer::with_formatter(
                    &mut *out,
                    serde_json::ser::PrettyFormatter::with_indent(b"  "),
                );
                serde::Serialize::serialize(&summary, &mut ser).map_err(json_err)?;
                out.write_all(b"\n}\n")
            }
        }?;
        out.flush()
    });
    if let Some(err) = failed {
        return Err(err.into());
    }
    Ok(written?)
}

/// One article as assign's chunk loop hands it to the writing.
struct Assigned {
    line: ArticleOut,
    /// The article's novel units, for the batch's emerging themes.
    novel: Vec<NovelUnit>,
    /// `line` as the output format writes it (empty for text, which writes no lines).
    json: std::io::Result<Vec<u8>>,
}

/// `line` as `format` writes it: one compact JSON line, or the article's element in the JSON
/// document's `articles` array (pretty, two-space indent, placed by the caller); nothing for text.
fn serialize_line(format: AssignFormat, line: &ArticleOut) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match format {
        AssignFormat::Jsonl => serde_json::to_writer(&mut bytes, line)?,
        AssignFormat::Json => {
            let mut ser = serde_json::Serializer::with_formatter(
                &mut bytes,
                serde_json::ser::PrettyFormatter::with_indent(b"  "),
            );
            serde::Serialize::serialize(line, &mut ser)?;
        }
        AssignFormat::Text => {}
    }
    Ok(bytes)
}

/// What assign's chunk loop returns when the output could not be written: a marker that
/// stops the reading (the reader's send fails, the loop breaks); the write's own `io::Error`
/// is kept beside it and is the one reported.
fn write_failed() -> Error {
    Error::Numeric {
        stage: "output",
        reason: "write failed".into(),
    }
}

pub fn run_inspect(args: InspectArgs) -> Result<(), Error> {
    use zhuti::numbers::{count, thousands};
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
        "phrases": model.phrases(),
        "user_words": model.user_words(),
        "reading": model.reading(),
        "themes": model.themes().iter().map(|t| serde_json::json!({
            "id": t.id, "label": t.label, "name": t.name, "size": t.size, "share": t.share,
            "terms": t.terms, "novelty_threshold": t.novelty_threshold,
            "similarity_threshold": t.similarity_threshold,
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
             trained on {}, {}; {}; {}; {}; {}, {}; {}\n\n",
            args.model.display(),
            zhuti::model_file::FORMAT_VERSION,
            count(documents, "article", "articles"),
            count(units, "unit", "units"),
            count(model.vocabulary_size(), "term", "terms"),
            count(model.added_words().len(), "added word", "added words"),
            count(model.phrases().len(), "phrase", "phrases"),
            count(
                model.user_words().dictionary.len(),
                "user dictionary word",
                "user dictionary words"
            ),
            count(
                model.user_words().stop_words.len(),
                "user stop word",
                "user stop words"
            ),
            count(size as usize, "byte", "bytes"),
        );
        let reading = model.reading();
        let named: Vec<String> = [
            reading
                .text_field
                .as_ref()
                .map(|f| format!("--text-field {f}")),
            reading.encoding.as_ref().map(|e| format!("--encoding {e}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !named.is_empty() {
            // Before the blank line that ends the header.
            s.pop();
            s.push_str(&format!(
                "read with {} (assign reads new articles alike unless told otherwise)\n\n",
                named.join(" ")
            ));
        }
        for t in model.themes() {
            s.push_str(&format!(
                "{:>3}  {:>5.1}%  {:>7} units  novel below {:.3} (LSA) or {:.3} (TF-IDF)  {}{}\n",
                t.id,
                t.share * 100.0,
                thousands(t.size),
                t.novelty_threshold,
                t.similarity_threshold,
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
