//! The pipeline in one visible place: clean → units → segment + TF-IDF → LSA → k-means →
//! labels, assembled into an [`Analysis`].

use std::sync::{Once, OnceLock};

use rayon::prelude::*;

use crate::analysis::{
    round4, round6, Analysis, CorpusCounts, Document, DroppedOut, Location, MixOut, Params,
    Representative, TermOut, Theme, UnitOut,
};
use crate::error::{Error, Result};
use crate::guided::{self, Guide};
use crate::progress::{Progress, Stage};
use crate::settings::Settings;
use crate::stages::clean::{self, CleanArticle, DropReason, Verdict};
use crate::stages::ingest::Corpus;
use crate::stages::kmeans::{self, ClusterOptions, Clustering};
use crate::stages::label;
use crate::stages::lsa::{self, DimsChoice};
use crate::stages::refine;
use crate::stages::segment::Segmenter;
use crate::stages::tfidf::{self, Vectors};
use crate::stages::units::{self, DroppedUnit, Units};

/// jieba's whole dictionary, loaded once per process and shared by every analysis of a large
/// corpus: loading it costs more than cleaning a thousand articles, and it never changes
/// (guided runs, which add words, build their own).
static SEGMENTER: OnceLock<Segmenter> = OnceLock::new();
static PRELOAD: Once = Once::new();

/// Corpora with more article text than this (bytes) are cut with the whole dictionary, loaded
/// on a side thread while cleaning runs; smaller ones with a dictionary scoped to their units
/// ([`Segmenter::for_texts`]), which builds faster than the whole one loads. Both cut the same.
const SCOPED_DICTIONARY_MAX_BYTES: usize = 16 << 20;

/// The shared segmenter, loaded on first use (waiting for a load already under way).
pub fn shared_segmenter() -> &'static Segmenter {
    SEGMENTER.get_or_init(Segmenter::new)
}

/// Starts loading the [`shared_segmenter`] on a background thread and returns at once, so the
/// load overlaps with other work. [`analyze`] calls it for large corpora. Only the first call
/// does anything.
pub fn preload_segmenter() {
    PRELOAD.call_once(|| {
        // If no thread can be started, the first use loads it instead.
        let _ = std::thread::Builder::new()
            .name("zhuti-jieba".into())
            .spawn(|| {
                shared_segmenter();
            });
    });
}

/// Is `corpus` large enough that the whole dictionary is cheaper than a scoped one?
fn wants_whole_dictionary(corpus: &Corpus) -> bool {
    corpus.articles.iter().map(|a| a.text.len()).sum::<usize>() > SCOPED_DICTIONARY_MAX_BYTES
}

/// The texts the segmenter will cut: the kept units' cleaned text.
fn unit_texts(units: &Units) -> impl Iterator<Item = &str> {
    units.kept.iter().map(|u| u.text.as_str())
}

/// Runs the whole pipeline on `corpus`. Deterministic: the same corpus and settings give the
/// same [`Analysis`] at any thread count.
pub fn analyze(corpus: &Corpus, settings: &Settings, progress: &dyn Progress) -> Result<Analysis> {
    settings.validate()?;
    let whole = wants_whole_dictionary(corpus);
    if whole {
        // Loading the whole dictionary takes a while: it runs on a side thread during cleaning.
        preload_segmenter();
    }
    let cleaned = clean_units(corpus, settings, progress)?;
    let scoped;
    let segmenter = if whole {
        shared_segmenter()
    } else {
        scoped = Segmenter::for_texts(unit_texts(&cleaned.1));
        &scoped
    };
    let prepared = vectorize_units(corpus, settings, cleaned, segmenter, progress)?;

    progress.start(Stage::Cluster, None);
    let options = cluster_options(settings);
    let clustering = if settings.refine {
        // `auto` judges each k by the themes it would report: refined on TF-IDF.
        let judge = refine::RefinedSilhouette {
            tfidf: &prepared.vectors.tfidf,
        };
        let fitted = kmeans::cluster_judged(&prepared.embedding.vectors, &options, &judge)?;
        refine_themes(&prepared, fitted)
    } else {
        kmeans::cluster(&prepared.embedding.vectors, &options)?
    };
    progress.finish(Stage::Cluster);

    Ok(assemble(corpus, settings, prepared, clustering, progress))
}

/// Refines the k-means themes on the TF-IDF rows ([`refine`]): every restart of the final fit
/// is refined and the tightest wins (on corpora above [`kmeans::FIT_SAMPLE`] units, whose
/// restarts run on a sample, the chosen fit alone is refined).
fn refine_themes(prepared: &Prepared, clustering: Clustering) -> Clustering {
    let candidates = if clustering.restarts.is_empty() {
        std::slice::from_ref(&clustering.labels)
    } else {
        clustering.restarts.as_slice()
    };
    // Restarts number their themes up to the fitted k, which may exceed the non-empty ones.
    let k = candidates.iter().flatten().max().map_or(0, |&m| m + 1);
    match refine::best_refined(&prepared.vectors.tfidf, candidates, k, refine::MAX_PASSES) {
        Some(best) => kmeans::from_labels(
            &prepared.embedding.vectors,
            &best.labels,
            clustering.selection,
        ),
        None => clustering,
    }
}

/// Runs the pipeline guided by named themes (`--themes`): seed words join jieba's dictionary,
/// each named theme seeds a k-means centre, and themes that stay close to their seed carry
/// its name (see [`crate::guided`]). `settings.k` is the total, named plus discovered.
/// Warnings about seed words and drifted themes go to [`Analysis::warnings`].
pub fn analyze_guided(
    corpus: &Corpus,
    settings: &Settings,
    guide: &Guide,
    progress: &dyn Progress,
) -> Result<Analysis> {
    settings.validate()?;
    guide.check_k(settings.k)?;
    // Seed words are specific terms: a low-rank space blurs them into the corpus's broad
    // directions (on the seeds, the regulation paragraphs then join the chips theme), so guided
    // runs resolve `--dims auto` to the full 100 dimensions. The report keeps what was asked
    // (`params.dims`) beside what was used (`params.dims_used`).
    let asked = settings;
    let guided_settings;
    let settings = if settings.dims == DimsChoice::Auto {
        guided_settings = Settings {
            dims: DimsChoice::Fixed(lsa::MAX_AUTO_DIMS),
            ..settings.clone()
        };
        &guided_settings
    } else {
        settings
    };
    let cleaned = clean_units(corpus, settings, progress)?;
    let mut segmenter = if wants_whole_dictionary(corpus) {
        Segmenter::new()
    } else {
        Segmenter::for_texts(unit_texts(&cleaned.1).chain(guide.words()))
    };
    segmenter.add_words(guide.words());
    let prepared = vectorize_units(corpus, settings, cleaned, &segmenter, progress)?;
    let seeds = guided::seed_centres(guide, &prepared.vectors.vocab, &prepared.embedding)?;

    progress.start(Stage::Cluster, None);
    let options = cluster_options(settings);
    let seeded = kmeans::cluster_seeded(&prepared.embedding.vectors, &seeds.centres, &options)?;
    progress.finish(Stage::Cluster);

    let (names, drift_warnings) = guided::name_themes(guide, &seeds, &seeded);
    let mut analysis = assemble(corpus, asked, prepared, seeded.clustering, progress);
    for (theme, named) in analysis.themes.iter_mut().zip(names) {
        theme.name = named.name;
        theme.guided = named.guided;
    }
    analysis.params.themes_file = Some(guide.path.display().to_string());
    analysis.warnings.extend(seeds.warnings);
    analysis.warnings.extend(drift_warnings);
    Ok(analysis)
}

/// Everything before clustering: the units and their vectors.
pub struct Prepared {
    /// Cleaned articles (line verdicts), one per corpus article.
    pub cleaned: Vec<CleanArticle>,
    /// Units kept for clustering (only those with terms) and dropped.
    pub units: Units,
    /// TF-IDF of the kept units (row `i` is `units.kept[i]`).
    pub vectors: Vectors,
    /// LSA vectors of the kept units.
    pub embedding: lsa::Embedding,
}

/// Cleans, splits, vectorises and reduces the corpus.
pub fn prepare(
    corpus: &Corpus,
    settings: &Settings,
    segmenter: &Segmenter,
    progress: &dyn Progress,
) -> Result<Prepared> {
    let cleaned = clean_units(corpus, settings, progress)?;
    vectorize_units(corpus, settings, cleaned, segmenter, progress)
}

/// The first half of [`prepare`]: cleaned articles and their units.
fn clean_units(
    corpus: &Corpus,
    settings: &Settings,
    progress: &dyn Progress,
) -> Result<(Vec<CleanArticle>, Units)> {
    progress.start(Stage::Clean, Some(corpus.articles.len() as u64));
    let cleaned =
        clean::clean_corpus_with_progress(&corpus.articles, &settings.clean_options(), progress);
    let units = units::build(&cleaned, settings.unit);
    progress.finish(Stage::Clean);
    if units.kept.is_empty() {
        return Err(nothing_to_cluster(corpus, &units));
    }
    Ok((cleaned, units))
}

/// The second half of [`prepare`]: segmentation, TF-IDF and LSA of the units.
fn vectorize_units(
    corpus: &Corpus,
    settings: &Settings,
    (cleaned, mut units): (Vec<CleanArticle>, Units),
    segmenter: &Segmenter,
    progress: &dyn Progress,
) -> Result<Prepared> {
    progress.start(Stage::Vectorize, Some(units.kept.len() as u64));
    let texts: Vec<&str> = units.kept.iter().map(|u| u.text.as_str()).collect();
    let segmented = tfidf::segment_units(&texts, segmenter, progress);
    let vectors = tfidf::tfidf(segmented, &settings.tfidf);
    progress.finish(Stage::Vectorize);

    // Units without any kept term cannot be placed: they join the dropped list.
    if !vectors.empty_units.is_empty() {
        let mut kept = Vec::with_capacity(vectors.row_units.len());
        let mut empty = vectors.empty_units.iter().peekable();
        for (i, unit) in std::mem::take(&mut units.kept).into_iter().enumerate() {
            if empty.peek() == Some(&&i) {
                empty.next();
                if let (Some(text), Some(line)) = (unit.heading, unit.heading_line) {
                    units.dropped.push(DroppedUnit {
                        doc: unit.doc,
                        line,
                        part: None,
                        reason: DropReason::Short,
                        duplicate_of: None,
                        text,
                    });
                }
                units.dropped.push(DroppedUnit {
                    doc: unit.doc,
                    line: unit.line,
                    part: unit.part,
                    reason: DropReason::NoTerms,
                    duplicate_of: None,
                    text: unit.text,
                });
            } else {
                kept.push(unit);
            }
        }
        units.kept = kept;
        units.dropped.sort_by_key(|d| (d.doc, d.line, d.part));
    }
    if units.kept.is_empty() {
        let mut error = nothing_to_cluster(corpus, &units);
        if let Error::NothingToCluster { hint, .. } = &mut error {
            if too_common_everywhere(&units, settings, segmenter) {
                *hint = "every term is in more than the --max-df share of units: try \
                         `--max-df 1`, or give more varied articles";
            }
        }
        return Err(error);
    }

    progress.start(Stage::Reduce, None);
    let embedding = lsa::lsa(
        &vectors.tfidf,
        settings.dims.resolve(vectors.tfidf.n_rows),
        settings.seed,
    )?;
    progress.finish(Stage::Reduce);
    Ok(Prepared {
        cleaned,
        units,
        vectors,
        embedding,
    })
}

/// Would the units dropped for lack of terms have kept some without `--max-df`? Then the
/// share cap, not rarity, emptied the vocabulary. Asked only when nothing is left to cluster.
fn too_common_everywhere(units: &Units, settings: &Settings, segmenter: &Segmenter) -> bool {
    if settings.tfidf.max_df >= 1.0 {
        return false;
    }
    let texts: Vec<&str> = units
        .dropped
        .iter()
        .filter(|d| d.reason == DropReason::NoTerms)
        .map(|d| d.text.as_str())
        .collect();
    let segmented = tfidf::segment_units(&texts, segmenter, &crate::progress::NoProgress);
    let uncapped = tfidf::TfidfOptions {
        max_df: 1.0,
        ..settings.tfidf.clone()
    };
    !tfidf::tfidf(segmented, &uncapped).row_units.is_empty()
}

/// The k-means options that `settings` imply.
pub fn cluster_options(settings: &Settings) -> ClusterOptions {
    ClusterOptions {
        k: settings.k,
        seed: settings.seed,
        n_runs: settings.n_runs,
        k_max: settings.k_max,
        ..ClusterOptions::default()
    }
}

fn nothing_to_cluster(corpus: &Corpus, units: &Units) -> Error {
    let mut counts = std::collections::BTreeMap::new();
    for d in &units.dropped {
        *counts.entry(d.reason).or_insert(0usize) += 1;
    }
    let reasons = if counts.is_empty() {
        "every article is empty".to_string()
    } else {
        counts
            .iter()
            .map(|(r, c)| format!("{c} {}", r.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let main = counts.iter().max_by_key(|(_, &c)| c).map(|(&r, _)| r);
    let hint = match main {
        None => "give zhuti files that contain text",
        Some(DropReason::Short) => {
            "the paragraphs are too short: try `--min-chars 5`, or `--unit document`"
        }
        Some(DropReason::NoTerms) => {
            "no term occurs in enough paragraphs: try `--min-df 1`, or give more articles"
        }
        Some(DropReason::Duplicate) => "every paragraph repeats another: give different articles",
        Some(DropReason::Boilerplate) => "only page furniture was found: check the input",
        Some(DropReason::BadRecord) => "no JSON Lines record could be read: check the input",
    };
    let mut names: Vec<&str> = corpus
        .articles
        .iter()
        .take(3)
        .map(|a| a.id.as_str())
        .collect();
    if corpus.articles.len() > 3 {
        names.push("…");
    }
    Error::NothingToCluster {
        what: names.join(", "),
        documents: corpus.articles.len(),
        dropped: units.dropped.len(),
        reasons,
        hint,
    }
}

/// Labels the themes and builds the JSON-shaped result. The 2-D map, the slowest part, is
/// computed beside the rest (Rayon); the result does not depend on the thread count.
pub fn assemble(
    corpus: &Corpus,
    settings: &Settings,
    prepared: Prepared,
    clustering: Clustering,
    progress: &dyn Progress,
) -> Analysis {
    progress.start(Stage::Label, None);
    let Prepared {
        cleaned,
        units,
        vectors,
        embedding,
    } = prepared;
    let n_units = units.kept.len();
    let n_terms = vectors.vocab.len();
    let (map, described) = rayon::join(
        || lsa::project_2d(&embedding.vectors),
        || describe(corpus, settings, cleaned, units, vectors, &clustering),
    );
    let analysis = Analysis {
        schema_version: crate::SCHEMA_VERSION,
        params: Params::new(
            settings,
            clustering.k,
            embedding.singular_values.len(),
            embedding.explained,
            clustering.selection.clone(),
        ),
        corpus: CorpusCounts {
            documents: corpus.articles.len(),
            units: n_units,
            dropped: described.dropped.len(),
            terms: n_terms,
        },
        themes: described.themes,
        documents: described.documents,
        units: described.units,
        dropped: described.dropped,
        map,
        warnings: corpus.warnings.clone(),
    };
    progress.finish(Stage::Label);
    analysis
}

/// The parts of an [`Analysis`] that [`describe`] builds.
struct Described {
    themes: Vec<Theme>,
    documents: Vec<Document>,
    units: Vec<UnitOut>,
    dropped: Vec<DroppedOut>,
}

/// Themes (labels, terms, representatives), documents (titles, theme mixes), units and
/// dropped units for the report. Takes the units so their text moves into the report instead
/// of being copied.
fn describe(
    corpus: &Corpus,
    settings: &Settings,
    cleaned: Vec<CleanArticle>,
    units: Units,
    vectors: Vectors,
    clustering: &Clustering,
) -> Described {
    let doc_id = |doc: usize| corpus.articles[doc].id.clone();
    let n_units = units.kept.len();
    let labels = label::label_themes(&vectors, clustering, settings.top_terms);
    drop(vectors);
    let themes: Vec<Theme> = labels
        .iter()
        .enumerate()
        .map(|(theme, l)| Theme {
            id: theme + 1,
            name: None,
            guided: false,
            label: l.label.clone(),
            size: l.size,
            share: round4(l.size as f64 / n_units as f64),
            terms: l
                .terms
                .iter()
                .map(|t| TermOut {
                    term: t.term.clone(),
                    weight: round6(t.weight),
                })
                .collect(),
            representatives: l
                .representatives
                .iter()
                .map(|&row| {
                    let unit = &units.kept[row];
                    Representative {
                        doc: doc_id(unit.doc),
                        line: unit.line,
                        part: unit.part,
                        text: unit.text.clone(),
                        score: round4(clustering.scores[row]),
                    }
                })
                .collect(),
        })
        .collect();

    let unit_docs: Vec<usize> = units.kept.iter().map(|u| u.doc).collect();
    let mixes = label::theme_mix(&unit_docs, &clustering.labels, corpus.articles.len());
    let mut units_per_doc = vec![0usize; corpus.articles.len()];
    for &doc in &unit_docs {
        units_per_doc[doc] += 1;
    }
    let documents = corpus
        .articles
        .iter()
        .zip(&cleaned)
        .zip(mixes)
        .zip(units_per_doc)
        .map(|(((article, clean), mix), units)| Document {
            id: article.id.clone(),
            title: article
                .title
                .clone()
                .unwrap_or_else(|| title_of(clean).unwrap_or_else(|| article.id.clone())),
            units,
            theme_mix: mix
                .into_iter()
                .map(|(theme, share)| MixOut {
                    theme: theme + 1,
                    share: round4(share),
                })
                .collect(),
            label: article.label.clone(),
        })
        .collect();
    drop(cleaned);

    let units_out = units
        .kept
        .into_par_iter()
        .zip(&clustering.labels)
        .zip(&clustering.scores)
        .map(|((unit, &theme), &score)| UnitOut {
            doc: doc_id(unit.doc),
            line: unit.line,
            part: unit.part,
            theme: theme + 1,
            score: round4(score),
            text: unit.text,
            heading: unit.heading,
            heading_line: unit.heading_line,
        })
        .collect();
    let mut dropped: Vec<DroppedOut> = units
        .dropped
        .into_par_iter()
        .map(|d| DroppedOut {
            doc: doc_id(d.doc),
            line: d.line,
            part: d.part,
            reason: d.reason.as_str().to_string(),
            text: d.text,
            duplicate_of: d.duplicate_of.map(|(doc, line)| Location {
                doc: doc_id(doc),
                line,
            }),
        })
        .collect();
    // Records ingest could not read, after the units, in input order; named as a record
    // without an id would be.
    dropped.extend(corpus.bad_records.iter().map(|b| DroppedOut {
        doc: format!("{}:{}", b.path.display(), b.line),
        line: b.line,
        part: None,
        reason: DropReason::BadRecord.as_str().to_string(),
        text: b.text.clone(),
        duplicate_of: None,
    }));
    Described {
        themes,
        documents,
        units: units_out,
        dropped,
    }
}

/// An article's title: its first kept paragraph or heading, shortened to 40 characters.
fn title_of(article: &CleanArticle) -> Option<String> {
    let line = article.lines.iter().find(|l| {
        !matches!(l.verdict, Verdict::Drop(DropReason::Boilerplate, _))
            && clean::letter_count(&l.text) >= 6
    })?;
    let mut title: String = line.text.chars().take(40).collect();
    if line.text.chars().count() > 40 {
        title.push('…');
    }
    Some(title)
}
