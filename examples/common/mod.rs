//! Command-line handling shared by the measurement examples (`stage_times`, `segment_times`):
//! input paths plus `--unit document`, `--k N|auto`, `--threads N`, `--runs N`, `--no-raw`;
//! each example reads the options it uses.
#![allow(dead_code)]

use zhuti::ingest::Input;
use zhuti::internals::kmeans::KChoice;
use zhuti::internals::units::UnitKind;
use zhuti::Settings;

/// What the command line asked for.
pub struct Args {
    /// Library settings (`--unit`, `--k`).
    pub settings: Settings,
    /// The inputs.
    pub paths: Vec<Input>,
    /// Worker threads (`--threads`; all cores when absent).
    pub threads: Option<usize>,
    /// Repetitions (`--runs`, default 3).
    pub runs: usize,
    /// Skip the raw jieba timing (`--no-raw`).
    pub skip_raw: bool,
    /// Where `export_tokens` writes each unit's gold label (`--labels FILE`).
    pub labels: Option<String>,
}

/// Parses the process arguments.
pub fn parse() -> Args {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut parsed = Args {
        settings: Settings::default(),
        paths: Vec::new(),
        threads: None,
        runs: 3,
        skip_raw: false,
        labels: None,
    };
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| args.get(i + 1).map(String::as_str).unwrap_or_default();
        match args[i].as_str() {
            "--unit" => {
                if value(i) == "document" {
                    parsed.settings.unit = UnitKind::Document;
                }
                i += 1;
            }
            "--k" => {
                parsed.settings.k = value(i).parse::<KChoice>().unwrap_or(KChoice::Auto);
                i += 1;
            }
            "--threads" => {
                parsed.threads = value(i).parse::<usize>().ok();
                i += 1;
            }
            "--runs" => {
                parsed.runs = value(i).parse::<usize>().unwrap_or(3);
                i += 1;
            }
            "--no-raw" => parsed.skip_raw = true,
            "--labels" => {
                parsed.labels = Some(value(i).to_string());
                i += 1;
            }
            other => parsed.paths.push(Input::parse(other)),
        }
        i += 1;
    }
    parsed
}

/// A thread pool of `threads` workers (all cores when `None`); exits with a message when no
/// thread can be started.
pub fn pool(threads: Option<usize>) -> rayon::ThreadPool {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    builder.build().unwrap_or_else(|e| {
        eprintln!("cannot start threads: {e}");
        std::process::exit(1);
    })
}

/// Reads `paths` as zhuti does; exits with the error message when they cannot be read.
pub fn load(paths: &[Input]) -> zhuti::ingest::Corpus {
    zhuti::ingest::load(paths).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1);
    })
}
