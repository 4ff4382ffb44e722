//! The theme model: the stages composed in one visible place.
//!
//! [`ThemeModel::fit`] runs clean → units → segment → TF-IDF → LSA → k-means → refine → label
//! on a corpus, keeps every fitted stage ([`Cleaner`], [`TermSpace`], [`Lsa`], [`KMeans`],
//! [`TermCentroids`]) and the training report ([`ThemeModel::analysis`]); the fitted stages
//! place the units of new articles into the same themes ([`ThemeModel::assign`]).
//! [`analyze`] is the one-shot run: the report alone, without keeping the model.

use std::sync::{Once, OnceLock};

use rayon::prelude::*;

use crate::analysis::{
    round4, round6, Analysis, CorpusCounts, Document, DroppedOut, Location, MixOut, Params,
    Representative, TermOut, Theme, Unassigned, UnitOut,
};
use crate::error::{Error, Result};
use crate::eval::coherence::Coherence;
use crate::guided::{self, Guide};
use crate::progress::{Progress, Stage};
use crate::settings::{Settings, ValidSettings};
use crate::stages::clean::{self, CleanArticle, Cleaner, DropReason, Verdict};
use crate::stages::dmm::{self, Dmm, DmmOptions, Method};
use crate::stages::graph;
use crate::stages::ingest::{Article, ChunkLimit, Corpus, ReadOptions};
use crate::stages::kmeans::{self, Clustering, KChoice, KMeans};
use crate::stages::label;
use crate::stages::lsa::{self, DimsChoice, Lsa};
use crate::stages::phrases::Phrases;
use crate::stages::refine::{self, TermCentroids};
use crate::stages::segment::user::UserWords;
use crate::stages::segment::Segmenter;
use crate::stages::tfidf::{self, TermSpace, TfidfOptions, Vectors};
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

/// Runs the whole pipeline on `corpus` and returns the report. Deterministic: the same corpus
/// and settings give the same [`Analysis`] at any thread count. The same as
/// [`ThemeModel::fit`] followed by [`ThemeModel::into_analysis`], without the cost of keeping
/// the fitted stages.
pub fn analyze(corpus: &Corpus, settings: &Settings, progress: &dyn Progress) -> Result<Analysis> {
    fit(corpus, settings, progress, Keep::ReportOnly).map(|(analysis, _)| analysis)
}

/// Runs the pipeline guided by named themes (`--themes`); see [`ThemeModel::fit_guided`].
pub fn analyze_guided(
    corpus: &Corpus,
    settings: &Settings,
    guide: &Guide,
    progress: &dyn Progress,
) -> Result<Analysis> {
    fit_guided(corpus, settings, guide, progress, Keep::ReportOnly).map(|(analysis, _)| analysis)
}

/// Whether a fit keeps its fitted stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    ReportOnly,
    Model,
}

/// A fitted theme model: every stage that learnt from the training corpus, plus what the
/// themes are. Built by [`ThemeModel::fit`]; places new articles with [`ThemeModel::assign`].
#[derive(Debug)]
pub struct ThemeModel {
    /// The settings it was fitted with.
    pub(crate) settings: Settings,
    /// Cleaning's corpus-level state.
    pub(crate) cleaner: Cleaner,
    /// Words added to jieba's dictionary (guided-theme seed words).
    pub(crate) words: Vec<String>,
    /// The corpus's phrases, counted beside their parts ([`Segmenter::add_phrases`]).
    pub(crate) phrases: Vec<String>,
    /// The user's dictionary and stop words (`--user-dict`, `--stop-words`).
    pub(crate) user: UserWords,
    /// The TF-IDF space.
    pub(crate) space: TermSpace,
    /// The LSA basis.
    pub(crate) lsa: Lsa,
    /// Theme centres in the LSA space.
    pub(crate) kmeans: KMeans,
    /// Theme term centroids in the TF-IDF space: they place units when the themes were refined
    /// on TF-IDF (`refined`), and they score novelty ([`AssignedUnit::similarity`]) always.
    pub(crate) centroids: TermCentroids,
    /// The themes were refined on TF-IDF: [`ThemeModel::centroids`] place units, not k-means.
    pub(crate) refined: bool,
    /// What the themes are (ids, labels, sizes, novelty thresholds), in theme order.
    pub(crate) themes: Vec<ThemeInfo>,
    /// The id the next new theme gets (ids are never reused across refits).
    pub(crate) next_id: usize,
    /// How the themes descend from a previous model's (`--previous`).
    pub(crate) lineage: Option<crate::lineage::Lineage>,
    /// Articles and units of the training corpus.
    pub(crate) trained_on: (usize, usize),
    /// The zhuti version that fitted it, and when (seconds since the Unix epoch).
    pub(crate) made_by: (String, u64),
    /// The settings as the report's `params` shows them (JSON), for `zhuti inspect`.
    pub(crate) settings_json: String,
    /// How the training corpus was read ([`ThemeModel::remember_reading`]).
    pub(crate) reading: Reading,
    /// The training report (absent on a model read back from a file).
    pub(crate) analysis: Option<Analysis>,
}

/// How a model's training corpus was read, so that new articles are read alike: the JSON Lines
/// field or CSV column of the text (`--text-field`) and the encoding (`--encoding`, by its
/// WHATWG name) it was fitted with; `None` where detection chose.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reading {
    /// The text field or column named at fit.
    pub text_field: Option<String>,
    /// The encoding named at fit.
    pub encoding: Option<String>,
}

/// Share of a theme's training units below each of its two novelty thresholds: a new unit whose
/// LSA score is lower than all but this share of the theme's training units' scores, or whose
/// TF-IDF similarity to the theme's term centroid is lower than all but this share of their
/// leave-one-out similarities ([`novelty_scores`]), is `novel`. Measured in docs/models.md.
pub const NOVELTY_QUANTILE: f64 = 0.025;

/// Each training unit's novelty similarity, calibrated as a new unit's would be: the TF-IDF
/// cosine of row `i` to its theme's term centroid *without the row itself* (leave-one-out), so
/// a training unit does not look closer to its theme than an unseen unit of the same kind.
/// With `s` the in-sample cosine to the normalised centroid `c` and `N = |S|` the norm of the
/// theme's row sum `S` (which equals the sum of its rows' `s`, since `S·c = |S|`), the cosine
/// to `S − x` is `(N s − 1) / √(N² − 2 N s + 1)` for unit-length rows. Rows are in training
/// order; 0 for a theme's only row.
fn novelty_scores(
    tfidf: &tfidf::CsrMatrix,
    labels: &[usize],
    centroids: &TermCentroids,
) -> Vec<f64> {
    let in_sample: Vec<f64> = (0..tfidf.n_rows)
        .into_par_iter()
        .map(|i| {
            let sims = centroids.similarities(tfidf.row(i));
            f64::from(sims.get(labels[i]).copied().unwrap_or(0.0))
        })
        .collect();
    let mut norms = vec![0f64; centroids.k()];
    for (&theme, &s) in labels.iter().zip(&in_sample) {
        if let Some(n) = norms.get_mut(theme) {
            *n += s;
        }
    }
    labels
        .iter()
        .zip(&in_sample)
        .map(|(&theme, &s)| {
            let n = norms.get(theme).copied().unwrap_or(0.0);
            let rest = (n * n - 2.0 * n * s + 1.0).max(0.0).sqrt();
            if rest < 1e-9 {
                0.0
            } else {
                ((n * s - 1.0) / rest).clamp(-1.0, 1.0)
            }
        })
        .collect()
}

/// The [`NOVELTY_QUANTILE`] of `scores` (sorted in place); 0 when empty.
fn quantile(scores: &mut [f64]) -> f64 {
    scores.sort_by(f64::total_cmp);
    let at = ((scores.len() as f64) * NOVELTY_QUANTILE).floor() as usize;
    scores.get(at).copied().unwrap_or(0.0)
}

/// A theme's two novelty thresholds ([`ThemeInfo::novelty_threshold`],
/// [`ThemeInfo::similarity_threshold`]) and the one rule that reads them: a unit is `novel`
/// to its theme (assign), or an outlier of it (the fit's unassigned group), when either
/// signal falls below its threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Thresholds {
    /// Of the cosine to the theme's LSA centre.
    pub(crate) score: f64,
    /// Of the TF-IDF cosine to the theme's term centroid.
    pub(crate) similarity: f64,
}

impl Thresholds {
    /// Does a unit with this LSA `score` and TF-IDF `similarity` fit the theme too poorly?
    /// Either signal: the LSA score misses what the subspace cannot see, the TF-IDF
    /// similarity what the vocabulary shares (docs/models.md).
    pub(crate) fn novel(&self, score: f64, similarity: f64) -> bool {
        score < self.score || similarity < self.similarity
    }
}

/// Each theme's [`Thresholds`], calibrated on its training units: the [`NOVELTY_QUANTILE`] of
/// their LSA scores (rounded as the report shows them) and of their leave-one-out
/// similarities (`novelty`, [`novelty_scores`]). `labels`, `scores` and `novelty` are in
/// training order; themes without a unit get zeros.
fn theme_thresholds(
    labels: &[usize],
    scores: &[f64],
    novelty: &[f64],
    k: usize,
) -> Vec<Thresholds> {
    let mut similarities: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut lsa: Vec<Vec<f64>> = vec![Vec::new(); k];
    for ((&t, &score), &s) in labels.iter().zip(scores).zip(novelty) {
        if t < k {
            similarities[t].push(s);
            lsa[t].push(round4(score));
        }
    }
    lsa.iter_mut()
        .zip(&mut similarities)
        .map(|(scores, similarities)| Thresholds {
            score: quantile(scores),
            similarity: quantile(similarities),
        })
        .collect()
}

/// What calibrates novelty on a fit: the theme term centroids, each training unit's
/// leave-one-out similarity to its own ([`novelty_scores`]), and each theme's
/// [`Thresholds`].
struct Calibration {
    centroids: TermCentroids,
    novelty: Vec<f64>,
    thresholds: Vec<Thresholds>,
}

impl Calibration {
    fn of(tfidf: &tfidf::CsrMatrix, clustering: &Clustering) -> Self {
        let centroids = TermCentroids::fit(tfidf, &clustering.labels, clustering.k);
        let novelty = novelty_scores(tfidf, &clustering.labels, &centroids);
        let thresholds = theme_thresholds(
            &clustering.labels,
            &clustering.scores,
            &novelty,
            clustering.k,
        );
        Calibration {
            centroids,
            novelty,
            thresholds,
        }
    }

    /// The training units that fit their theme too poorly ([`Thresholds::novel`], as assign
    /// judges a new unit): the report's unassigned group. One flag per unit, training order.
    /// Scores are compared as they were calibrated, rounded as the report shows them, so a
    /// theme's lowest unit is never below its own quantile (themes under 40 units lose none
    /// by the LSA score).
    fn outliers(&self, clustering: &Clustering) -> Vec<bool> {
        outliers(
            &clustering.labels,
            &clustering.scores,
            &self.novelty,
            &self.thresholds,
        )
    }
}

/// [`Calibration::outliers`] on plain slices (training order).
fn outliers(
    labels: &[usize],
    scores: &[f64],
    novelty: &[f64],
    thresholds: &[Thresholds],
) -> Vec<bool> {
    labels
        .iter()
        .zip(scores)
        .zip(novelty)
        .map(|((&theme, &score), &similarity)| {
            thresholds
                .get(theme)
                .is_some_and(|t| t.novel(round4(score), similarity))
        })
        .collect()
}

/// One theme of a [`ThemeModel`], as assign reports it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThemeInfo {
    /// 1-based id (the report's `themes[].id`).
    pub id: usize,
    /// The label (top terms joined by `·`).
    pub label: String,
    /// The user's name of a guided theme.
    pub name: Option<String>,
    /// Training units in the theme.
    pub size: usize,
    /// Share of the training units.
    pub share: f64,
    /// Top terms, best first.
    pub terms: Vec<String>,
    /// Units whose LSA score is below this are `novel` (the [`NOVELTY_QUANTILE`] of the
    /// theme's training units' scores).
    pub novelty_threshold: f64,
    /// Units whose TF-IDF similarity to the theme's term centroid is below this are `novel`
    /// too (the [`NOVELTY_QUANTILE`] of the theme's training units' leave-one-out similarities,
    /// [`novelty_scores`]).
    pub similarity_threshold: f64,
    /// The heaviest terms of the theme's TF-IDF centroid (up to [`PROFILE_TERMS`]), for matching
    /// themes between fits ([`crate::lineage`]).
    #[serde(default)]
    pub profile: Vec<(String, f32)>,
}

impl ThemeInfo {
    /// Its two thresholds, as [`Thresholds::novel`] reads them.
    pub(crate) fn thresholds(&self) -> Thresholds {
        Thresholds {
            score: self.novelty_threshold,
            similarity: self.similarity_threshold,
        }
    }
}

/// Terms kept in a theme's [`ThemeInfo::profile`].
pub const PROFILE_TERMS: usize = 200;

/// The themes of a training report, with the novelty thresholds calibrated on their units
/// (`thresholds`, in theme order).
fn theme_infos(analysis: &Analysis, thresholds: &[Thresholds]) -> Vec<ThemeInfo> {
    analysis
        .themes
        .iter()
        // Named themes reported empty (no seed word in the corpus) are not in the model.
        .filter(|theme| theme.size > 0 || !theme.terms.is_empty())
        .zip(
            thresholds
                .iter()
                .copied()
                .chain(std::iter::repeat(Thresholds {
                    score: 0.0,
                    similarity: 0.0,
                })),
        )
        .map(|(theme, thresholds)| ThemeInfo {
            id: theme.id,
            label: theme.label.clone(),
            name: theme.name.clone(),
            size: theme.size,
            share: theme.share,
            terms: theme.terms.iter().map(|t| t.term.clone()).collect(),
            novelty_threshold: thresholds.score,
            similarity_threshold: thresholds.similarity,
            profile: Vec::new(),
        })
        .collect()
}

/// The fitted parts a fit hands to [`ThemeModel`].
struct Parts {
    /// Each theme's heaviest centroid terms.
    profiles: Vec<Vec<(String, f32)>>,
    /// The user's dictionary and stop words the training corpus was cut with.
    user: UserWords,
    cleaner: Cleaner,
    space: TermSpace,
    lsa: Lsa,
    kmeans: KMeans,
    centroids: TermCentroids,
    refined: bool,
    /// Each theme's novelty thresholds ([`Calibration`]).
    thresholds: Vec<Thresholds>,
    /// The corpus's phrases, counted beside their parts.
    phrases: Vec<String>,
}

/// One unit of a new article, placed by [`ThemeModel::assign`].
#[derive(Debug, Clone, PartialEq)]
pub struct AssignedUnit {
    /// 1-based line of the unit in its source.
    pub line: usize,
    /// Piece of a long line (`None` for a whole line).
    pub part: Option<usize>,
    /// 1-based paragraph number within the article, every non-empty line of its cleaned text
    /// counted (a JSON Lines or CSV record's paragraphs share the record's `line`).
    pub paragraph: usize,
    /// The unit's cleaned text.
    pub text: String,
    /// Its theme, 0-based in the model's theme order.
    pub theme: usize,
    /// Cosine between the unit and its theme's centre in the LSA space.
    pub score: f64,
    /// Cosine between the unit's TF-IDF row and its theme's term centroid.
    pub similarity: f64,
    /// The score or the similarity is below the theme's threshold for it
    /// ([`ThemeInfo::novelty_threshold`], [`ThemeInfo::similarity_threshold`]): the unit fits
    /// no theme well.
    pub novel: bool,
}

/// An article cleaned and split into units by [`ThemeModel::split`], not yet placed.
#[derive(Debug, Clone)]
pub struct SplitArticle {
    cleaned: CleanArticle,
    units: Units,
}

impl SplitArticle {
    /// The texts of its kept units (what the segmenter cuts).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        unit_texts(&self.units)
    }
}

/// What [`ThemeModel::assign`] makes of one article.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssignedArticle {
    /// The article's title: its own, else its first kept paragraph or heading, else `None`.
    pub title: Option<String>,
    /// The units placed into themes, in source order.
    pub units: Vec<AssignedUnit>,
    /// The units left out: (line, part, reason).
    pub dropped: Vec<(usize, Option<usize>, DropReason)>,
}

impl ThemeModel {
    /// Fits every stage on `corpus` and keeps them (see the module comment). The report is the
    /// same as [`analyze`]'s.
    pub fn fit(corpus: &Corpus, settings: &Settings, progress: &dyn Progress) -> Result<Self> {
        let (analysis, parts) = fit(corpus, settings, progress, Keep::Model)?;
        ThemeModel::new(settings.clone(), Vec::new(), analysis, parts)
    }

    /// [`ThemeModel::fit`] guided by named themes: seed words join jieba's dictionary, each named
    /// theme seeds a k-means centre, and themes that stay close to their seed carry its name
    /// (see [`crate::guided`]).
    pub fn fit_guided(
        corpus: &Corpus,
        settings: &Settings,
        guide: &Guide,
        progress: &dyn Progress,
    ) -> Result<Self> {
        let (analysis, parts) = fit_guided(corpus, settings, guide, progress, Keep::Model)?;
        let words = guide.words().map(str::to_string).collect();
        ThemeModel::new(settings.clone(), words, analysis, parts)
    }

    fn new(
        settings: Settings,
        words: Vec<String>,
        analysis: Analysis,
        parts: Option<Parts>,
    ) -> Result<Self> {
        let Some(Parts {
            profiles,
            user,
            cleaner,
            space,
            lsa,
            kmeans,
            centroids,
            refined,
            thresholds,
            phrases,
        }) = parts
        else {
            return Err(Error::Numeric {
                stage: "model",
                reason: "the fit kept no fitted stages (a bug)".into(),
            });
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(ThemeModel {
            settings,
            cleaner,
            words,
            phrases,
            user,
            space,
            lsa,
            kmeans,
            centroids,
            refined,
            themes: theme_infos(&analysis, &thresholds)
                .into_iter()
                .zip(profiles)
                .map(|(theme, profile)| ThemeInfo { profile, ..theme })
                .collect(),
            next_id: analysis.themes.len() + 1,
            lineage: None,
            trained_on: (analysis.corpus.documents, analysis.corpus.units),
            made_by: (env!("CARGO_PKG_VERSION").to_string(), now),
            settings_json: serde_json::to_string(&analysis.params).unwrap_or_default(),
            reading: Reading::default(),
            analysis: Some(analysis),
        })
    }

    /// The model as its file holds it.
    pub(crate) fn to_saved(&self) -> crate::model_file::Saved {
        crate::model_file::Saved {
            zhuti_version: self.made_by.0.clone(),
            created_at: self.made_by.1,
            settings_json: self.settings_json.clone(),
            reading: self.reading.clone(),
            unit: self.settings.unit,
            documents: self.trained_on.0,
            units: self.trained_on.1,
            themes: self.themes.clone(),
            next_id: self.next_id,
            lineage: self.lineage.clone(),
            words: self.words.clone(),
            phrases: self.phrases.clone(),
            user: self.user.clone(),
            cleaner: self.cleaner.clone(),
            space: self.space.clone(),
            lsa: self.lsa.clone(),
            kmeans: self.kmeans.clone(),
            centroids: self.centroids.clone(),
            refined: self.refined,
        }
    }

    /// The model a file held.
    pub(crate) fn from_saved(saved: crate::model_file::Saved) -> ThemeModel {
        let mut cleaner = saved.cleaner;
        cleaner.rebuild();
        let mut space = saved.space;
        space.rebuild_index();
        let settings = Settings {
            unit: saved.unit,
            clean: cleaner.options().clone(),
            ..Settings::default()
        };
        ThemeModel {
            settings,
            cleaner,
            words: saved.words,
            phrases: saved.phrases,
            user: saved.user,
            space,
            lsa: saved.lsa,
            kmeans: saved.kmeans,
            centroids: saved.centroids,
            refined: saved.refined,
            themes: saved.themes,
            next_id: saved.next_id,
            lineage: saved.lineage,
            trained_on: (saved.documents, saved.units),
            made_by: (saved.zhuti_version, saved.created_at),
            settings_json: saved.settings_json,
            reading: saved.reading,
            analysis: None,
        }
    }

    /// Remembers how the training corpus was read: the text field and encoding it was named
    /// (`--text-field`, `--encoding`), so that new articles are read the same way
    /// ([`ThemeModel::reading_for`]). Options left to detection are not remembered.
    pub fn remember_reading(&mut self, options: &ReadOptions) {
        self.reading = Reading {
            text_field: options.text_field.clone(),
            encoding: options.encoding.map(|e| e.name().to_string()),
        };
    }

    /// How the training corpus was read ([`ThemeModel::remember_reading`]).
    pub fn reading(&self) -> &Reading {
        &self.reading
    }

    /// `given` with the text field and encoding the model remembers where `given` names none:
    /// what a flag names wins, the model fills in the rest.
    pub fn reading_for(&self, given: ReadOptions) -> ReadOptions {
        ReadOptions {
            text_field: given.text_field.or_else(|| self.reading.text_field.clone()),
            encoding: given.encoding.or_else(|| {
                self.reading
                    .encoding
                    .as_deref()
                    .and_then(|name| encoding_rs::Encoding::for_label(name.as_bytes()))
            }),
            ..given
        }
    }

    /// The themes, in theme order (index = id − 1).
    pub fn themes(&self) -> &[ThemeInfo] {
        &self.themes
    }

    /// Articles and units of the training corpus.
    pub fn trained_on(&self) -> (usize, usize) {
        self.trained_on
    }

    /// The settings it was fitted with, as the report's `params` shows them.
    pub fn settings_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.settings_json).unwrap_or_default()
    }

    /// The seed it was fitted with (emerging themes of a batch are clustered with it).
    pub fn seed(&self) -> u64 {
        self.settings_json()["seed"]
            .as_u64()
            .unwrap_or(Settings::default().seed)
    }

    /// Number of terms in the TF-IDF space.
    pub fn vocabulary_size(&self) -> usize {
        self.space.len()
    }

    /// Words added to jieba's dictionary.
    pub fn added_words(&self) -> &[String] {
        &self.words
    }

    /// The training corpus's phrases, counted beside their parts in new articles.
    pub fn phrases(&self) -> &[String] {
        &self.phrases
    }

    /// The user's dictionary and stop words the model was fitted with (`--user-dict`,
    /// `--stop-words`): new articles are cut with them.
    pub fn user_words(&self) -> &UserWords {
        &self.user
    }

    /// The zhuti version that fitted the model, and when (seconds since the Unix epoch).
    pub fn made_by(&self) -> (&str, u64) {
        (&self.made_by.0, self.made_by.1)
    }

    /// Matches this model's themes with `previous`'s ([`crate::lineage`]): matched themes take
    /// their old ids and names, new ones fresh ids (never one `previous` or its ancestors
    /// used); the lineage goes into the model and its report.
    pub fn link_to(&mut self, previous: &ThemeModel) {
        let mut next_id = previous.next_id;
        let lineage = crate::lineage::link(&previous.themes, &mut self.themes, &mut next_id);
        self.next_id = next_id;
        if let Some(analysis) = &mut self.analysis {
            for (theme, info) in analysis.themes.iter_mut().zip(&self.themes) {
                if theme.name.is_none() {
                    theme.name.clone_from(&info.name);
                }
            }
            analysis.lineage = Some(lineage.clone());
        }
        self.lineage = Some(lineage);
    }

    /// How the themes descend from the previous model's, when fitted with one.
    pub fn lineage(&self) -> Option<&crate::lineage::Lineage> {
        self.lineage.as_ref()
    }

    /// Writes the model to `path` atomically ([`crate::model_file`]).
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        crate::model_file::save(self, path)
    }

    /// Reads a model written by [`ThemeModel::save`].
    pub fn load(path: &std::path::Path) -> Result<ThemeModel> {
        crate::model_file::load(path)
    }

    /// The training report, as [`analyze`] gives it (`None` on a model read from a file).
    pub fn analysis(&self) -> Option<&Analysis> {
        self.analysis.as_ref()
    }

    /// The training report, taken out of the model.
    pub fn into_analysis(self) -> Option<Analysis> {
        self.analysis
    }

    /// The settings the model was fitted with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Number of themes.
    pub fn k(&self) -> usize {
        self.kmeans.k()
    }

    /// The segmenter new articles are cut with: jieba's dictionary plus the model's words.
    pub fn segmenter(&self) -> Segmenter {
        let mut segmenter = Segmenter::new();
        self.add_words_to(&mut segmenter);
        segmenter
    }

    /// Adds the model's words (and user dictionary) to `segmenter`, jieba's dictionary (whole,
    /// or scoped to some texts): what makes it cut as [`ThemeModel::segmenter`] does.
    fn add_words_to(&self, segmenter: &mut Segmenter) {
        segmenter.add_words(self.words.iter().map(String::as_str));
        segmenter.add_phrases(self.phrases.iter().map(String::as_str));
        self.user.apply(segmenter);
    }

    /// Places the units of one new article into the model's themes. The article is cleaned,
    /// split and weighed alone, with the fitted stages, so the result does not depend on any
    /// other article (nor on the thread count). `segmenter` is [`ThemeModel::segmenter`]'s.
    pub fn assign(&self, article: &Article, segmenter: &Segmenter) -> AssignedArticle {
        self.assign_split(article, self.split(article), segmenter)
    }

    /// The first half of [`ThemeModel::assign`]: `article` cleaned and split into units, before
    /// any segmentation ([`SplitArticle::texts`] say what a segmenter must cut).
    pub fn split(&self, article: &Article) -> SplitArticle {
        let cleaned = self.cleaner.transform(article);
        let units = units::build(std::slice::from_ref(&cleaned), self.settings.unit);
        SplitArticle { cleaned, units }
    }

    /// How much of a stream of articles to place at a time, one
    /// [`ThemeModel::scoped_segmenter`] for all of it (as `zhuti assign` reads its input): 8 MiB
    /// of text, or 4,096 articles when they are short. Each scoped dictionary costs a walk of
    /// jieba's whole dictionary and a trie of its own, which a chunk of a few hundred long
    /// articles or of a few thousand titles pays too often: on fudan20 (one thread), building
    /// the dictionaries took 0.72 s in chunks of 250 articles (3.6 MB) and 0.48–0.54 s in these,
    /// with cutting no slower, about 3% of the run; 10,000 thucnews titles took 0.16 s against
    /// 0.10 s in one chunk. 12 and 16 MB were no faster, and the dictionary's filter is full
    /// at 8 MiB already. docs/models.md, "2026-12-07 (VII)".
    pub const ASSIGN_CHUNK: ChunkLimit = ChunkLimit {
        articles: 4096,
        bytes: 8 << 20,
    };

    /// A segmenter that cuts the units of `split` (and the model's words) exactly as
    /// [`ThemeModel::segmenter`] does, with a dictionary scoped to them
    /// ([`Segmenter::for_texts`]): it builds in milliseconds where the whole dictionary takes
    /// tens, which is most of the time of assigning a few short articles.
    pub fn scoped_segmenter<'a>(
        &'a self,
        split: impl IntoIterator<Item = &'a SplitArticle>,
    ) -> Segmenter {
        self.scoped_segmenter_for(split.into_iter().flat_map(SplitArticle::texts))
    }

    /// [`ThemeModel::scoped_segmenter`] for any `texts` (already cleaned).
    pub fn scoped_segmenter_for<'a>(
        &'a self,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Segmenter {
        let mut segmenter = Segmenter::for_texts(
            texts
                .into_iter()
                .chain(self.words.iter().map(String::as_str))
                .chain(self.user.words()),
        );
        self.add_words_to(&mut segmenter);
        segmenter
    }

    /// The second half of [`ThemeModel::assign`], on what [`ThemeModel::split`] made of
    /// `article`.
    pub fn assign_split(
        &self,
        article: &Article,
        split: SplitArticle,
        segmenter: &Segmenter,
    ) -> AssignedArticle {
        let rows = self
            .space
            .transform(&split.texts().collect::<Vec<_>>(), segmenter);
        self.assign_weighed(article, split, rows)
    }

    /// The TF-IDF row of one kept unit's text ([`SplitArticle::texts`]), as
    /// [`ThemeModel::assign_split`] weighs it: for a caller that cuts the units of many articles
    /// in one pass (jieba's dictionary then stays in cache from one cut to the next) before
    /// [`ThemeModel::assign_rows`] places them.
    pub fn unit_row(&self, text: &str, segmenter: &Segmenter) -> Vec<(u32, f32)> {
        self.space.row(text, segmenter)
    }

    /// [`ThemeModel::assign_split`] with the rows of `split`'s texts already weighed
    /// ([`ThemeModel::unit_row`], one per text, in order).
    pub fn assign_rows(
        &self,
        article: &Article,
        split: SplitArticle,
        rows: &[Vec<(u32, f32)>],
    ) -> AssignedArticle {
        let refs: Vec<&[(u32, f32)]> = rows.iter().map(Vec::as_slice).collect();
        let rows = tfidf::CsrMatrix::from_rows(&refs, self.space.len());
        self.assign_weighed(article, split, rows)
    }

    /// The end of [`ThemeModel::assign_split`]: `split`'s kept units placed by their `rows`.
    fn assign_weighed(
        &self,
        article: &Article,
        split: SplitArticle,
        rows: tfidf::CsrMatrix,
    ) -> AssignedArticle {
        let SplitArticle {
            cleaned,
            units: built,
        } = split;
        let mut out = AssignedArticle {
            title: article.title.clone().or_else(|| title_of(&cleaned)),
            units: Vec::new(),
            dropped: built
                .dropped
                .iter()
                .map(|d| (d.line, d.part, d.reason))
                .collect(),
        };
        drop(cleaned);
        let placed = self.place(&rows);
        for (i, unit) in built.kept.into_iter().enumerate() {
            match placed[i] {
                Some((theme, score, similarity)) => {
                    let novel = self
                        .themes
                        .get(theme)
                        .is_some_and(|t| t.thresholds().novel(score, similarity));
                    out.units.push(AssignedUnit {
                        line: unit.line,
                        part: unit.part,
                        paragraph: unit.paragraph,
                        text: unit.text,
                        theme,
                        score,
                        similarity,
                        novel,
                    })
                }
                None => out
                    .dropped
                    .push((unit.line, unit.part, DropReason::NoTerms)),
            }
        }
        out.dropped.sort_by_key(|&(line, part, _)| (line, part));
        out
    }

    /// The theme, score and similarity (TF-IDF cosine to the theme's term centroid) of every
    /// row of `rows` (a TF-IDF matrix of this model's space); `None` for an empty row.
    pub(crate) fn place(&self, rows: &tfidf::CsrMatrix) -> Vec<Option<(usize, f64, f64)>> {
        let vectors = self.lsa.transform(rows);
        // A refined model places by those similarities, and keeps the winner's.
        let (themes, similarities) = if self.refined {
            self.centroids.assign_scored(rows)
        } else {
            (self.kmeans.predict(&vectors), Vec::new())
        };
        (0..rows.n_rows)
            .map(|i| {
                (rows.indptr[i + 1] > rows.indptr[i]).then(|| {
                    let theme = themes[i];
                    let similarity = similarities.get(i).copied().unwrap_or_else(|| {
                        let all = self.centroids.similarities(rows.row(i));
                        all.get(theme).copied().unwrap_or(0.0)
                    });
                    let score = self.kmeans.score(vectors.row(i), theme);
                    (theme, score, f64::from(similarity))
                })
            })
            .collect()
    }
}

impl AssignedArticle {
    /// The article's theme mix: `(theme, share of its units)`, largest first (ties by theme).
    pub fn theme_mix(&self) -> Vec<(usize, f64)> {
        let themes: Vec<usize> = self.units.iter().map(|u| u.theme).collect();
        let docs = vec![0; themes.len()];
        label::theme_mix(&docs, &themes, 1)
            .pop()
            .unwrap_or_default()
    }
}

/// The pipeline behind [`analyze`] and [`ThemeModel::fit`]: the report, and the fitted stages
/// when asked to keep them.
fn fit(
    corpus: &Corpus,
    settings: &Settings,
    progress: &dyn Progress,
    keep: Keep,
) -> Result<(Analysis, Option<Parts>)> {
    let settings = &settings.check()?;
    let user = load_user_words(settings)?;
    let whole = wants_whole_dictionary(corpus);
    if whole && user.is_empty() {
        // Loading the whole dictionary takes a while: it runs on a side thread during cleaning.
        preload_segmenter();
    }
    let (cleaner, cleaned) = clean_units(corpus, settings, progress)?;
    let own;
    let segmenter = if whole && user.is_empty() {
        shared_segmenter()
    } else {
        own = segmenter_with(&user, whole, std::iter::empty(), unit_texts(&cleaned.1));
        &own
    };
    let (phrases, looked) = find_phrases(settings, &cleaned.1, segmenter);
    let with_phrases;
    let segmenter = if phrases.is_empty() {
        segmenter
    } else {
        // jieba's dictionary is shared, not copied: phrases leave its cuts alone.
        let mut cutter = segmenter.clone();
        phrases.apply(&mut cutter);
        with_phrases = cutter;
        &with_phrases
    };
    let (space, mut prepared) =
        vectorize_units(corpus, settings, cleaned, segmenter, progress, keep)?;

    let method = choose_method(settings, &prepared.vectors, keep)?;
    // `auto` counts the candidate k's it has scored; a fixed k is one fit (a spinner).
    let candidates = match settings.k {
        KChoice::Auto => {
            let n = prepared.embedding.vectors.nrows();
            Some(candidate_count(n, settings) as u64)
        }
        KChoice::Fixed(_) => None,
    };
    progress.start(Stage::Cluster, candidates);
    let clustering = match method.used {
        Method::Dmm => dmm_themes(&prepared, settings, progress)?,
        Method::Graph => graph_themes(&prepared, settings, progress)?,
        _ => lsa_themes(&prepared, settings, progress)?,
    };
    progress.finish(Stage::Cluster);

    let (calibration, outliers) = calibrate(&prepared, &clustering, settings, keep);
    let parts = calibration.map(|calibration| Parts {
        phrases: phrases.words().map(str::to_string).collect(),
        ..model_parts(
            &prepared,
            &clustering,
            calibration,
            cleaner,
            space,
            settings.refine,
            user,
        )
    });
    prepared.embedding.projection = None;
    let mut analysis = assemble(corpus, settings, prepared, clustering, outliers, progress);
    analysis.phrases = phrases.list().to_vec();
    analysis.params.phrases = looked;
    analysis.params.method_used = method.used;
    analysis.params.method_reason = method.reason;
    Ok((analysis, parts))
}

/// The method a fit runs (`--method`), and why when `auto` chose it.
struct MethodChoice {
    used: Method,
    reason: Option<String>,
}

/// Resolves `--method`: `auto` is `dmm` when the median unit keeps at most
/// [`dmm::SHORT_UNIT_TERMS`] term occurrences and there are [`dmm::MIN_UNITS`] units, `graph`
/// when the units are many and article-length ([`graph::unsuited`] is `None`), else `lsa`. A
/// kept model places new units with the LSA stages, so `zhuti fit` refuses `dmm` and, where
/// `auto` would pick `dmm`, takes `lsa`. The graph's themes have LSA centres and can be kept when asked for, but the
/// nearest centre re-assigns fewer of them (98.0% of a 2,000-article fudan20 slice, against
/// ≥ 99% for LSA themes), so where `auto` would pick the graph, `zhuti fit` takes `lsa` too.
/// The graph links at most [`graph::MAX_UNITS`] units: asked for on more, it is an error.
fn choose_method(settings: &ValidSettings, vectors: &Vectors, keep: Keep) -> Result<MethodChoice> {
    let saved = keep == Keep::Model;
    let units = vectors.counts.n_rows;
    match settings.method {
        Method::Dmm if saved => Err(method_not_supported(Method::Dmm, "zhuti fit")),
        Method::Graph if units > graph::MAX_UNITS => Err(method_error(
            Method::Graph,
            crate::error::SettingProblem::TooManyUnitsForGraph {
                units,
                most: graph::MAX_UNITS,
                paragraphs: settings.unit == crate::stages::units::UnitKind::Paragraph,
            },
        )),
        Method::Auto => {
            if units < dmm::MIN_UNITS {
                return Ok(MethodChoice {
                    used: Method::Lsa,
                    reason: Some(format!(
                        "auto: lsa, since {units} units are fewer than the {} dmm needs",
                        dmm::MIN_UNITS
                    )),
                });
            }
            let median = dmm::median_terms(&vectors.counts);
            let short = median <= dmm::SHORT_UNIT_TERMS;
            if short && saved {
                return Ok(MethodChoice {
                    used: Method::Lsa,
                    reason: Some(format!(
                        "auto: lsa, since a saved model places new units with the LSA stages \
                         (the DMM, which the median unit of {median} terms would get, cannot be \
                         saved yet)"
                    )),
                });
            }
            let (used, reason) = if short {
                (
                    Method::Dmm,
                    format!(
                        "auto: dmm, since the median unit keeps {median} terms (at most {} for \
                         dmm)",
                        dmm::SHORT_UNIT_TERMS
                    ),
                )
            } else if let Some(not_graph) = graph::unsuited(units, median) {
                (
                    Method::Lsa,
                    format!(
                        "auto: lsa, since the median unit keeps {median} terms (more than the {} \
                         for dmm), {not_graph}",
                        dmm::SHORT_UNIT_TERMS
                    ),
                )
            } else if saved {
                (
                    Method::Lsa,
                    format!(
                        "auto: lsa, since a saved model places new units by the nearest LSA \
                         centre, which keeps LSA themes (the graph, which {units} units of median \
                         {median} terms would get, is saved only when --method graph asks)"
                    ),
                )
            } else {
                (
                    Method::Graph,
                    format!(
                        "auto: graph, since the median unit keeps {median} terms (at least {} \
                         for graph) and there are {units} units ({} to {} for graph)",
                        graph::LONG_UNIT_TERMS,
                        graph::MIN_UNITS,
                        graph::MAX_UNITS
                    ),
                )
            };
            Ok(MethodChoice {
                used,
                reason: Some(reason),
            })
        }
        given => Ok(MethodChoice {
            used: given,
            reason: None,
        }),
    }
}

/// `--method dmm` or `graph` asked of what cannot use it yet (`zhuti fit`, `--themes`).
fn method_not_supported(method: Method, what: &'static str) -> Error {
    let method_named = match method {
        Method::Dmm => "the DMM",
        Method::Graph => "the graph",
        // Not refused today; named right should a stage ever refuse them.
        Method::Lsa => "LSA",
        Method::Auto => "auto",
    };
    method_error(
        method,
        crate::error::SettingProblem::MethodNotSupported {
            method: method_named,
            what,
        },
    )
}

/// The error of `--method METHOD` with `problem`.
fn method_error(method: Method, problem: crate::error::SettingProblem) -> Error {
    Error::Setting {
        setting: crate::settings::defs::METHOD.name,
        value: method.to_string(),
        problem,
    }
}

/// The LSA themes: k-means on the LSA vectors, refined on TF-IDF unless `--no-refine`; `auto`
/// advances `progress` by one for each candidate k it has scored.
fn lsa_themes(
    prepared: &Prepared,
    settings: &ValidSettings,
    progress: &dyn Progress,
) -> Result<Clustering> {
    let clustering = lsa_kmeans(prepared, settings, progress)?;
    Ok(if settings.refine {
        progress.step("refining on TF-IDF");
        refine_themes(prepared, clustering)
    } else {
        clustering
    })
}

/// k-means on the LSA vectors, before any refinement; `auto` judges each k by the themes that
/// would be reported: refined on TF-IDF unless `--no-refine`.
fn lsa_kmeans(
    prepared: &Prepared,
    settings: &ValidSettings,
    progress: &dyn Progress,
) -> Result<Clustering> {
    let options = settings.cluster_options();
    let vectors = &prepared.embedding.vectors;
    if settings.refine {
        let refined = refine::RefinedSilhouette {
            tfidf: &prepared.vectors.tfidf,
        };
        let judge = Counting::new(&refined, vectors.nrows(), settings, progress);
        kmeans::cluster_judged(vectors, &options, &judge)
    } else {
        let judge = Counting::new(&kmeans::LsaSilhouette, vectors.nrows(), settings, progress);
        kmeans::cluster_judged(vectors, &options, &judge)
    }
}

/// The graph's themes ([`graph`]): spectral clustering on the k-NN graph of the LSA vectors,
/// with k as asked; `--k auto` takes the k (and its evidence) LSA + k-means chooses, without
/// refining themes it would only throw away. A theme's
/// centre is the mean of its units' LSA vectors, as after the refinement, so a saved model
/// places new units as it does for LSA themes.
fn graph_themes(
    prepared: &Prepared,
    settings: &ValidSettings,
    progress: &dyn Progress,
) -> Result<Clustering> {
    let vectors = &prepared.embedding.vectors;
    let (k, selection) = match settings.k {
        KChoice::Fixed(k) => {
            kmeans::check_not_above_units(k, vectors.nrows())?;
            (k, None)
        }
        KChoice::Auto => {
            let lsa = lsa_kmeans(prepared, settings, progress)?;
            (lsa.k, lsa.selection)
        }
    };
    progress.step("linking every unit to its nearest neighbours");
    let embedded = graph::embed(vectors, k, settings.seed)?;
    let mut options = settings.cluster_options();
    options.k = KChoice::Fixed(k);
    let spectral = kmeans::cluster(&embedded, &options)?;
    Ok(kmeans::from_labels(vectors, &spectral.labels, selection))
}

/// How many k's `auto` scores on `units` units: the length of the k-means bar.
fn candidate_count(units: usize, settings: &ValidSettings) -> usize {
    kmeans::candidate_range(units, 0, settings.k_max).count()
}

/// A k judge that counts the candidates it has scored on the progress bar: `auto` scores
/// each candidate k once, then fits the chosen k on every unit (named as a step).
struct Counting<'a> {
    judge: &'a dyn kmeans::KJudge,
    progress: &'a dyn Progress,
    /// Candidates still to score.
    left: std::sync::atomic::AtomicUsize,
}

impl<'a> Counting<'a> {
    fn new(
        judge: &'a dyn kmeans::KJudge,
        units: usize,
        settings: &ValidSettings,
        progress: &'a dyn Progress,
    ) -> Self {
        Counting {
            judge,
            progress,
            left: candidate_count(units, settings).into(),
        }
    }
}

impl kmeans::KJudge for Counting<'_> {
    fn method(&self) -> String {
        self.judge.method()
    }

    fn score(
        &self,
        rows: &[usize],
        sample: ndarray::ArrayView2<'_, f64>,
        labels: &[usize],
        k: usize,
    ) -> (f64, f64) {
        let score = self.judge.score(rows, sample, labels, k);
        self.progress.advance(1);
        use std::sync::atomic::Ordering::Relaxed;
        if self
            .left
            .fetch_update(Relaxed, Relaxed, |n| n.checked_sub(1))
            == Ok(1)
        {
            self.progress.step("the chosen k on every unit");
        }
        score
    }
}

/// The DMM's themes ([`dmm`]) on the units' term counts, with k as asked; `--k auto` takes
/// the k (and its evidence) the LSA themes choose, and starts the first chain from them.
/// Empty themes are dropped, so k is the number the mixture used.
fn dmm_themes(
    prepared: &Prepared,
    settings: &ValidSettings,
    progress: &dyn Progress,
) -> Result<Clustering> {
    let n = prepared.vectors.counts.n_rows;
    let (k, start, selection) = match settings.k {
        KChoice::Fixed(k) => {
            kmeans::check_not_above_units(k, n)?;
            (k, None, None)
        }
        KChoice::Auto => {
            let lsa = lsa_themes(prepared, settings, progress)?;
            (lsa.k, Some(lsa.labels), lsa.selection)
        }
    };
    let (_, fit) = Dmm::fit(
        &prepared.vectors.counts,
        &DmmOptions::new(k, settings.seed),
        start.as_deref(),
    );
    Ok(kmeans::from_labels(
        &prepared.embedding.vectors,
        &fit.labels,
        selection,
    ))
}

/// The novelty calibration of a fit, when it keeps a model (the calibration is `Some` only
/// then), and the units the report leaves unassigned (`--no-outliers`: `None`). A one-shot
/// report with outliers calibrates as a model would, so its unassigned units are exactly
/// those a model fitted on the same corpus would call novel.
fn calibrate(
    prepared: &Prepared,
    clustering: &Clustering,
    settings: &ValidSettings,
    keep: Keep,
) -> (Option<Calibration>, Option<Vec<bool>>) {
    if keep == Keep::ReportOnly && !settings.outliers {
        return (None, None);
    }
    let calibration = Calibration::of(&prepared.vectors.tfidf, clustering);
    let outliers = settings.outliers.then(|| calibration.outliers(clustering));
    ((keep == Keep::Model).then_some(calibration), outliers)
}

/// The fitted stages a model keeps, with its themes' novelty thresholds.
fn model_parts(
    prepared: &Prepared,
    clustering: &Clustering,
    calibration: Calibration,
    cleaner: Cleaner,
    space: TermSpace,
    refined: bool,
    user: UserWords,
) -> Parts {
    let Calibration {
        centroids,
        thresholds,
        ..
    } = calibration;
    Parts {
        profiles: profiles(&centroids, &space),
        cleaner,
        space,
        lsa: Lsa::from_embedding(&prepared.embedding),
        kmeans: KMeans::from_clustering(clustering),
        centroids,
        refined,
        thresholds,
        user,
        phrases: Vec::new(),
    }
}

/// The user's dictionary and stop words the settings name (none: empty).
fn load_user_words(settings: &Settings) -> Result<UserWords> {
    UserWords::load(
        settings.user_dict.as_deref(),
        settings.stop_words.as_deref(),
    )
}

/// The phrases of the kept units as `segmenter` cuts them ([`Phrases::fit`]); none without
/// `--no-phrases`, with `--unit document`, or when the units are too short ([`Phrases::suit`]).
/// The second value says whether they were looked for (the report's `params.phrases`).
fn find_phrases(settings: &ValidSettings, units: &Units, segmenter: &Segmenter) -> (Phrases, bool) {
    let texts: Vec<&str> = unit_texts(units).collect();
    // Whole articles keep jieba's words: there phrases moved NMI by ≤ 0.01 but made unseen
    // categories look familiar to a saved model (novel 体育 units 74% → 44%, docs/labels.md).
    let paragraphs = settings.unit == crate::stages::units::UnitKind::Paragraph;
    if !settings.phrases || !paragraphs || !Phrases::suit(&texts) {
        return (Phrases::none(), false);
    }
    (Phrases::fit(&texts, segmenter), true)
}

/// The segmenter a model cuts new articles with ([`ThemeModel::segmenter`]), built the same
/// way for the training corpus: jieba's dictionary (whole, or scoped to `texts`), then
/// `words` (seed words, phrases) in order, then the user's dictionary and stop words, so that
/// fit and assign cut alike.
fn segmenter_with<'t>(
    user: &'t UserWords,
    whole: bool,
    words: impl Iterator<Item = &'t str>,
    texts: impl Iterator<Item = &'t str>,
) -> Segmenter {
    let words: Vec<&str> = words.collect();
    let mut segmenter = if whole {
        shared_segmenter().clone()
    } else {
        Segmenter::for_texts(texts.chain(words.iter().copied()).chain(user.words()))
    };
    segmenter.add_words(words.iter().copied());
    user.apply(&mut segmenter);
    segmenter
}

/// Each theme's [`PROFILE_TERMS`] heaviest centroid terms, by term text.
fn profiles(centroids: &TermCentroids, space: &TermSpace) -> Vec<Vec<(String, f32)>> {
    (0..centroids.k())
        .map(|theme| {
            centroids
                .top_terms(theme, PROFILE_TERMS)
                .into_iter()
                .map(|(t, w)| (space.terms()[t].clone(), w))
                .collect()
        })
        .collect()
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

/// The guided pipeline behind [`analyze_guided`] and [`ThemeModel::fit_guided`]: seed words
/// join jieba's dictionary, each named theme seeds a k-means centre, and themes that stay close
/// to their seed carry its name (see [`crate::guided`]). `settings.k` is the total, named plus
/// discovered. Warnings about seed words and drifted themes go to [`Analysis::warnings`].
fn fit_guided(
    corpus: &Corpus,
    settings: &Settings,
    guide: &Guide,
    progress: &dyn Progress,
    keep: Keep,
) -> Result<(Analysis, Option<Parts>)> {
    let settings = &settings.check()?;
    guide.check_k(settings.k)?;
    if matches!(settings.method, Method::Dmm | Method::Graph) {
        return Err(method_not_supported(settings.method, "--themes"));
    }
    // Seed words are specific terms: a low-rank space blurs them into the corpus's broad
    // directions (on the seeds, the regulation paragraphs then join the chips theme), so guided
    // runs resolve `--dims auto` to the full 100 dimensions. The report keeps what was asked
    // (`params.dims`) beside what was used (`params.dims_used`).
    let asked = settings;
    let guided_settings;
    let settings = if settings.dims == DimsChoice::Auto {
        guided_settings = settings.with_dims(DimsChoice::Fixed(lsa::MAX_AUTO_DIMS))?;
        &guided_settings
    } else {
        settings
    };
    let user = load_user_words(settings)?;
    let (cleaner, cleaned) = clean_units(corpus, settings, progress)?;
    // Named themes bring their own vocabulary, and phrases are not looked for: found beside
    // it they took seed words from their themes (芯片出口 took 芯片 and 出口 from 算力与芯片)
    // and moved paragraphs a reader puts in a named theme.
    let mut segmenter = segmenter_with(
        &user,
        wants_whole_dictionary(corpus),
        std::iter::empty(),
        unit_texts(&cleaned.1).chain(guide.words()),
    );
    segmenter.add_words(guide.words());
    let (space, mut prepared) =
        vectorize_units(corpus, settings, cleaned, &segmenter, progress, keep)?;
    let seeds = guided::seed_centres(guide, &prepared.vectors.vocab, &prepared.embedding)?;

    progress.start(Stage::Cluster, None);
    let mut options = settings.cluster_options();
    // A named theme without any seed word in the corpus is reported empty; it still counts
    // in --k, so the clustering finds that many fewer.
    if let KChoice::Fixed(k) = options.k {
        options.k = KChoice::Fixed(k.saturating_sub(seeds.absent.len()).max(1));
    }
    let seeded = kmeans::cluster_seeded(&prepared.embedding.vectors, &seeds.centres, &options)?;
    progress.finish(Stage::Cluster);

    let (calibration, outliers) = calibrate(&prepared, &seeded.clustering, settings, keep);
    let parts = calibration.map(|calibration| {
        model_parts(
            &prepared,
            &seeded.clustering,
            calibration,
            cleaner,
            space,
            false,
            user,
        )
    });
    prepared.embedding.projection = None;
    let (names, drift_warnings) = guided::name_themes(guide, &seeds, &seeded);
    let mut analysis = assemble(
        corpus,
        asked,
        prepared,
        seeded.clustering,
        outliers,
        progress,
    );
    for (theme, named) in analysis.themes.iter_mut().zip(names) {
        theme.name = named.name;
        theme.guided = named.guided;
    }
    // The empty named themes count in k, as --k counted them.
    analysis.params.k += seeds.absent.len();
    for &index in &seeds.absent {
        analysis.themes.push(crate::analysis::Theme {
            id: analysis.themes.len() + 1,
            name: Some(guide.themes[index].name.clone()),
            guided: true,
            label: String::new(),
            size: 0,
            share: 0.0,
            npmi: 0.0,
            terms: Vec::new(),
            representatives: Vec::new(),
        });
    }
    analysis.params.themes_file = Some(guide.path.display().to_string());
    analysis.params.phrases = false;
    if settings.method == Method::Auto {
        analysis.params.method_reason =
            Some("auto: lsa, since named themes (--themes) seed k-means centres".into());
    }
    analysis.warnings.extend(seeds.warnings);
    analysis.warnings.extend(drift_warnings);
    Ok((analysis, parts))
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
    /// The dictionary tag of each vocabulary term (for label choice).
    pub tags: Vec<label::names::DictTag>,
    /// Is each vocabulary term one of the corpus's phrases, counted beside its parts (for
    /// label choice: [`label::LabelHints::phrases`])?
    pub phrases: Vec<bool>,
}

/// Cleans, splits, vectorises and reduces the corpus.
pub fn prepare(
    corpus: &Corpus,
    settings: &ValidSettings,
    segmenter: &Segmenter,
    progress: &dyn Progress,
) -> Result<Prepared> {
    let (_, cleaned) = clean_units(corpus, settings, progress)?;
    vectorize_units(
        corpus,
        settings,
        cleaned,
        segmenter,
        progress,
        Keep::ReportOnly,
    )
    .map(|(_, prepared)| prepared)
}

/// The first half of [`prepare`]: the fitted cleaner, cleaned articles and their units.
fn clean_units(
    corpus: &Corpus,
    settings: &ValidSettings,
    progress: &dyn Progress,
) -> Result<(Cleaner, (Vec<CleanArticle>, Units))> {
    progress.start(Stage::Clean, Some(corpus.articles.len() as u64));
    let (cleaner, cleaned) = Cleaner::fit(&corpus.articles, &settings.clean_options(), progress);
    let units = units::build(&cleaned, settings.unit);
    progress.finish(Stage::Clean);
    if units.kept.is_empty() {
        return Err(nothing_to_cluster(corpus, &units));
    }
    Ok((cleaner, (cleaned, units)))
}

/// The second half of [`prepare`]: segmentation, TF-IDF and LSA of the units, with the fitted
/// TF-IDF space.
fn vectorize_units(
    corpus: &Corpus,
    settings: &ValidSettings,
    (cleaned, mut units): (Vec<CleanArticle>, Units),
    segmenter: &Segmenter,
    progress: &dyn Progress,
    keep: Keep,
) -> Result<(TermSpace, Prepared)> {
    progress.start(Stage::Vectorize, Some(units.kept.len() as u64));
    let texts: Vec<&str> = units.kept.iter().map(|u| u.text.as_str()).collect();
    let segmented = tfidf::segment_units(&texts, segmenter, progress);
    progress.step("vocabulary, TF-IDF");
    let (space, vectors) = TermSpace::fit(segmented, &settings.tfidf);
    progress.finish(Stage::Vectorize);

    // Units without any kept term cannot be placed: they join the dropped list.
    if !vectors.empty_units.is_empty() {
        let mut kept = Vec::with_capacity(vectors.row_units.len());
        let mut empty = vectors.empty_units.iter().peekable();
        for (i, unit) in std::mem::take(&mut units.kept).into_iter().enumerate() {
            if empty.peek() == Some(&&i) {
                empty.next();
                if let (Some(text), Some(line), Some(paragraph)) =
                    (unit.heading, unit.heading_line, unit.heading_paragraph)
                {
                    units.dropped.push(DroppedUnit {
                        doc: unit.doc,
                        line,
                        part: None,
                        paragraph,
                        reason: DropReason::Short,
                        duplicate_of: None,
                        text,
                    });
                }
                units.dropped.push(DroppedUnit {
                    doc: unit.doc,
                    line: unit.line,
                    part: unit.part,
                    paragraph: unit.paragraph,
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

    progress.start(Stage::Reduce, Some(lsa::PASSES));
    let embedding = lsa::lsa_keeping(
        &vectors.tfidf,
        settings.dims.resolve(vectors.tfidf.n_rows),
        settings.seed,
        keep == Keep::Model,
        progress,
    )?;
    progress.finish(Stage::Reduce);
    let tags = vectors
        .vocab
        .terms
        .par_iter()
        .map(|t| label::names::DictTag::of(segmenter.tag(t)))
        .collect();
    let phrases = vectors
        .vocab
        .terms
        .iter()
        .map(|t| segmenter.is_phrase(t))
        .collect();
    Ok((
        space,
        Prepared {
            cleaned,
            units,
            vectors,
            embedding,
            tags,
            phrases,
        },
    ))
}

/// Would the units dropped for lack of terms have kept some without `--max-df`? Then the
/// share cap, not rarity, emptied the vocabulary. Asked only when nothing is left to cluster.
fn too_common_everywhere(units: &Units, settings: &ValidSettings, segmenter: &Segmenter) -> bool {
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
    let uncapped = TfidfOptions {
        max_df: 1.0,
        ..settings.tfidf.clone()
    };
    !TermSpace::fit(segmented, &uncapped).1.row_units.is_empty()
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
/// `outliers` flags the units left unassigned (one per unit; `None`: every unit is in its
/// theme, `--no-outliers`).
pub fn assemble(
    corpus: &Corpus,
    settings: &ValidSettings,
    prepared: Prepared,
    clustering: Clustering,
    outliers: Option<Vec<bool>>,
    progress: &dyn Progress,
) -> Analysis {
    progress.start(Stage::Label, Some(LABEL_STEPS));
    let Prepared {
        cleaned,
        units,
        vectors,
        embedding,
        tags,
        phrases,
    } = prepared;
    let n_units = units.kept.len();
    let n_terms = vectors.vocab.len();
    let (map, described) = rayon::join(
        || {
            let map = lsa::project_2d(&embedding.vectors);
            progress.advance(1);
            map
        },
        || {
            describe(
                corpus,
                settings,
                Material {
                    cleaned,
                    units,
                    vectors,
                    tags: &tags,
                    phrases: &phrases,
                },
                Placement {
                    clustering: &clustering,
                    outliers: outliers.as_deref(),
                },
                progress,
            )
        },
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
        coherence: described.coherence,
        phrases: Vec::new(),
        documents: described.documents,
        units: described.units,
        unassigned: described.unassigned,
        dropped: described.dropped,
        map,
        timeline: None,
        sources: None,
        lineage: None,
        warnings: corpus.warnings.clone(),
        inputs: corpus.inputs.clone(),
    };
    let mut analysis = analysis;
    crate::timeline::add_sections(&mut analysis, settings.period);
    progress.finish(Stage::Label);
    analysis
}

/// The steps the labelling stage counts on its progress bar: the themes' terms, names and
/// representatives; their coherence; the articles' mixes and the units; the 2-D map (beside
/// the other three).
const LABEL_STEPS: u64 = 4;

/// What [`describe`] turns into the report: the prepared texts and vectors (everything of
/// [`Prepared`] but the embedding, which the map uses beside it).
struct Material<'a> {
    cleaned: Vec<CleanArticle>,
    units: Units,
    vectors: Vectors,
    tags: &'a [label::names::DictTag],
    phrases: &'a [bool],
}

/// Where the units went: the clustering, and which of its units are left unassigned (`None`:
/// none, `--no-outliers`).
struct Placement<'a> {
    clustering: &'a Clustering,
    outliers: Option<&'a [bool]>,
}

/// The parts of an [`Analysis`] that [`describe`] builds.
struct Described {
    themes: Vec<Theme>,
    coherence: Coherence,
    documents: Vec<Document>,
    units: Vec<UnitOut>,
    unassigned: Option<Unassigned>,
    dropped: Vec<DroppedOut>,
}

/// Themes (labels, terms, representatives), documents (titles, theme mixes), units and
/// dropped units for the report. Takes the units so their text moves into the report instead
/// of being copied.
fn describe(
    corpus: &Corpus,
    settings: &ValidSettings,
    material: Material<'_>,
    placement: Placement<'_>,
    progress: &dyn Progress,
) -> Described {
    let Material {
        cleaned,
        units,
        vectors,
        tags,
        phrases,
    } = material;
    let Placement {
        clustering,
        outliers,
    } = placement;
    let doc_id = |doc: usize| corpus.articles[doc].id.clone();
    let n_units = units.kept.len();
    // Labels and term statistics are the clustering's (outliers included); sizes, shares,
    // representatives and mixes count the assigned units only.
    let is_outlier = |row: usize| outliers.and_then(|o| o.get(row).copied()) == Some(true);
    let mut sizes = vec![0usize; clustering.k];
    for (row, &theme) in clustering.labels.iter().enumerate() {
        if !is_outlier(row) {
            if let Some(size) = sizes.get_mut(theme) {
                *size += 1;
            }
        }
    }
    let texts: Vec<&str> = units.kept.iter().map(|u| u.text.as_str()).collect();
    let hints = label::LabelHints {
        tags,
        phrases,
        texts: &texts,
        left_out: outliers,
    };
    let labels = label::label_themes(&vectors, clustering, settings.top_terms, &hints);
    drop(texts);
    progress.advance(1);
    let coherence = theme_coherence(&labels, &vectors);
    drop(vectors);
    progress.advance(1);
    let representative = |row: usize| {
        let unit = &units.kept[row];
        Representative {
            doc: doc_id(unit.doc),
            line: unit.line,
            part: unit.part,
            paragraph: unit.paragraph,
            text: unit.text.clone(),
            score: round4(clustering.scores[row]),
        }
    };
    let themes: Vec<Theme> = labels
        .iter()
        .enumerate()
        .map(|(theme, l)| {
            let size = sizes.get(theme).copied().unwrap_or(l.size);
            Theme {
                id: theme + 1,
                name: None,
                guided: false,
                label: l.label.clone(),
                size,
                share: round4(size as f64 / n_units as f64),
                npmi: coherence.npmi[theme],
                terms: l
                    .terms
                    .iter()
                    .map(|t| TermOut {
                        term: t.term.clone(),
                        weight: round6(t.weight),
                        kind: if t.person {
                            Some("person")
                        } else if t.periodical {
                            Some("periodical")
                        } else if t.furniture {
                            Some("furniture")
                        } else {
                            None
                        },
                    })
                    .collect(),
                representatives: l
                    .representatives
                    .iter()
                    .filter(|&&row| !is_outlier(row))
                    .map(|&row| representative(row))
                    .collect(),
            }
        })
        .collect();
    let unassigned = outliers.map(|flags| {
        let mut rows: Vec<usize> = (0..n_units).filter(|&row| flags[row]).collect();
        let size = rows.len();
        // Furthest from every theme first; ties in corpus order.
        rows.sort_by(|&a, &b| {
            clustering.scores[a]
                .total_cmp(&clustering.scores[b])
                .then(a.cmp(&b))
        });
        Unassigned {
            size,
            share: round4(size as f64 / n_units as f64),
            examples: rows
                .into_iter()
                .take(label::REPRESENTATIVES)
                .map(representative)
                .collect(),
        }
    });

    let unit_docs: Vec<usize> = units.kept.iter().map(|u| u.doc).collect();
    let placed: Vec<Option<usize>> = clustering
        .labels
        .iter()
        .enumerate()
        .map(|(row, &theme)| (!is_outlier(row)).then_some(theme))
        .collect();
    let mixes = label::theme_mix_placed(&unit_docs, placed.iter().copied(), corpus.articles.len());
    let mut units_per_doc = vec![0usize; corpus.articles.len()];
    for &doc in &unit_docs {
        units_per_doc[doc] += 1;
    }
    // Sources are names readers compare: written as the cleaned text is (t2s on by default).
    let converter = corpus
        .articles
        .iter()
        .any(|a| a.source.is_some())
        .then(|| clean::Converter::new(settings.clean.t2s));
    let source_of = |a: &crate::stages::ingest::Article| {
        a.source.as_deref().map(|s| {
            converter
                .as_ref()
                .map_or_else(|| s.to_string(), |c| c.convert(s))
        })
    };
    let documents = corpus
        .articles
        .iter()
        .zip(&cleaned)
        .zip(mixes)
        .zip(units_per_doc)
        .map(|(((article, clean), (mix, unassigned)), units)| Document {
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
            unassigned: round4(unassigned),
            label: article.label.clone(),
            date: article.date.clone(),
            date_from: article.date_from,
            source: source_of(article),
            source_from: article.source_from,
            record: article.origin.is_record(),
        })
        .collect();
    drop(cleaned);

    let units_out = units
        .kept
        .into_par_iter()
        .zip(&clustering.labels)
        .zip(&clustering.scores)
        .zip(&placed)
        .map(|(((unit, &theme), &score), placed)| UnitOut {
            doc: doc_id(unit.doc),
            line: unit.line,
            part: unit.part,
            paragraph: unit.paragraph,
            theme: placed.map(|t| t + 1),
            nearest: placed.is_none().then_some(theme + 1),
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
            paragraph: Some(d.paragraph),
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
        paragraph: None,
        reason: DropReason::BadRecord.as_str().to_string(),
        text: b.text.clone(),
        duplicate_of: None,
    }));
    progress.advance(1);
    Described {
        themes,
        coherence,
        documents,
        units: units_out,
        unassigned,
        dropped,
    }
}

/// Coherence and diversity of the themes' ranked terms, with the clustered units as the
/// co-occurrence window (rounded for the report).
fn theme_coherence(labels: &[label::ThemeLabel], vectors: &Vectors) -> Coherence {
    let topics: Vec<Vec<usize>> = labels.iter().map(|l| l.ranked.clone()).collect();
    let counts = &vectors.counts;
    let documents = (0..counts.n_rows).map(|row| counts.row(row).map(|(term, _)| term));
    Coherence::of(&topics, documents).rounded()
}

/// An article's title: its first kept paragraph or heading, shortened to 40 characters.
///
/// Page furniture, bylines (`本报记者…发自上海`) and site names (`展会信息港展会大全`) are not
/// titles: the title is the first line that is none of them.
fn title_of(article: &CleanArticle) -> Option<String> {
    let line = article.lines.iter().find(|l| {
        !matches!(l.verdict, Verdict::Drop(DropReason::Boilerplate, _))
            && clean::letter_count(&l.text) >= 6
            && !is_byline(&l.text)
            && !is_site_name(&l.text)
    })?;
    let mut title: String = line.text.chars().take(40).collect();
    if line.text.chars().count() > 40 {
        title.push('…');
    }
    Some(title)
}

/// A reporter's byline: `本报记者陈雪频实习记者唐翔发自上海`, `记者 孙冰 | 北京报道`, `编辑:…`.
fn is_byline(text: &str) -> bool {
    const STARTS: [&str; 12] = [
        "本报记者",
        "记者",
        "实习记者",
        "特约记者",
        "通讯员",
        "本报讯",
        "编辑",
        "责任编辑",
        "作者",
        "撰文",
        "文/",
        "图/",
    ];
    // A byline is short and no sentence.
    let short = text.chars().count() <= 40 && !text.contains(['。', '!', '?', '！', '？']);
    short
        && (STARTS.iter().any(|s| text.starts_with(s))
            || text.contains("发自")
            || text.ends_with("报道"))
}

/// A site's name standing where a title would: a short line without punctuation ending in
/// what site names end in (`展会信息港展会大全`, `新浪财经首页`).
fn is_site_name(text: &str) -> bool {
    const ENDS: [&str; 9] = [
        "大全",
        "首页",
        "频道",
        "门户",
        "官网",
        "信息港",
        "新闻网",
        "资讯网",
        "在线",
    ];
    text.chars().count() <= 16
        && !text
            .chars()
            .any(|c| c.is_ascii_punctuation() || "，。！？：；、“”《》（）".contains(c))
        && ENDS.iter().any(|e| text.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    #[test]
    fn a_themes_outliers_are_its_units_below_its_own_quantiles() {
        // Theme 0: 200 units, distinct scores and similarities in different orders; theme 1:
        // 20 units, where the 2.5% quantile is the lowest value and nothing is below it.
        let mut labels = vec![0usize; 200];
        labels.extend([1; 20]);
        let scores: Vec<f64> = (0..220).map(|i| 0.3 + i as f64 * 1e-3 + 4e-5).collect();
        let novelty: Vec<f64> = (0..220)
            .map(|i| 0.9 - ((i * 7) % 220) as f64 * 1e-3)
            .collect();
        let thresholds = theme_thresholds(&labels, &scores, &novelty, 2);
        // floor(200 × 0.025) = 5 below each threshold of theme 0.
        assert_eq!(thresholds[0].score, round4(scores[5]));
        let flags = outliers(&labels, &scores, &novelty, &thresholds);
        let by_score = (0..200).filter(|&i| round4(scores[i]) < thresholds[0].score);
        let by_similarity = (0..200).filter(|&i| novelty[i] < thresholds[0].similarity);
        assert_eq!((by_score.count(), by_similarity.count()), (5, 5));
        let flagged: Vec<usize> = (0..220).filter(|&i| flags[i]).collect();
        assert!((5..=10).contains(&flagged.len()), "{flagged:?}");
        assert!(
            flagged.iter().all(|&i| i < 200),
            "theme 1 is too small to lose any"
        );
        // The same rule as assign's novel.
        for (i, &flag) in flags.iter().enumerate() {
            let t = thresholds[labels[i]];
            assert_eq!(flag, t.novel(round4(scores[i]), novelty[i]));
        }
    }

    #[test]
    fn bylines_and_site_names_are_not_titles() {
        for byline in [
            "本报记者陈雪频实习记者唐翔发自上海",
            "记者 孙冰 | 北京报道",
            "责任编辑:王小明",
        ] {
            assert!(is_byline(byline), "{byline}");
        }
        assert!(is_site_name("展会信息港展会大全"));
        for title in [
            "AI大模型向“钱”进,谁能赚到第一桶金?",
            "国产大模型的下半场在垂直领域",
            "记者节特别报道:一线记者的一天,他们这样工作。",
        ] {
            assert!(!is_byline(title) && !is_site_name(title), "{title}");
        }
    }
    use crate::stages::ingest::{self, Input};
    use crate::stages::kmeans::KChoice;

    /// A corpus file in ../shared/data; under CI a missing file fails the test.
    fn shared(name: &str) -> Option<Corpus> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data")
            .join(name);
        if !path.exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{} is missing (CI has ../shared)",
                path.display()
            );
            eprintln!("skipping: {} not found", path.display());
            return None;
        }
        Some(ingest::load(&[Input::Path(path)]).expect("corpus loads"))
    }

    /// The training rows a fit computes (the same steps as [`fit`], deterministic).
    fn training_rows(corpus: &Corpus, settings: &Settings) -> Prepared {
        let settings = &settings.check().expect("valid settings");
        let (_, cleaned) = clean_units(corpus, settings, &NoProgress).expect("cleans");
        let plain = Segmenter::for_texts(unit_texts(&cleaned.1));
        let (phrases, _) = find_phrases(settings, &cleaned.1, &plain);
        let user = UserWords::default();
        let mut segmenter =
            segmenter_with(&user, false, std::iter::empty(), unit_texts(&cleaned.1));
        phrases.apply(&mut segmenter);
        vectorize_units(
            corpus,
            settings,
            cleaned,
            &segmenter,
            &NoProgress,
            Keep::ReportOnly,
        )
        .expect("vectorises")
        .1
    }

    /// Fits `corpus`, transforms its training units again with the fitted stages and checks:
    /// TF-IDF rows bit for bit, LSA rows to `1e-5`, and every unit in the theme fit gave it.
    fn check_transform_reproduces_fit(
        corpus: &Corpus,
        settings: &Settings,
        max_moved_per_mille: usize,
    ) {
        let model = ThemeModel::fit(corpus, settings, &NoProgress).expect("fits");
        let prepared = training_rows(corpus, settings);
        let texts: Vec<&str> = prepared
            .units
            .kept
            .iter()
            .map(|u| u.text.as_str())
            .collect();
        let rows = model.space.transform(&texts, &model.segmenter());
        assert_eq!(
            rows, prepared.vectors.tfidf,
            "TF-IDF rows differ from training"
        );

        let vectors = model.lsa.transform(&rows);
        let worst = vectors
            .iter()
            .zip(prepared.embedding.vectors.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0f64, f64::max);
        assert!(worst < 1e-5, "LSA rows differ from training by {worst}");

        let analysis = model.analysis().expect("a fitted model has its report");
        let placed = model.place(&rows);
        let mut moved = 0;
        for (unit, placed) in analysis.units.iter().zip(&placed) {
            let (theme, score, _) = placed.expect("training rows are not empty");
            if Some(theme + 1) != unit.theme.or(unit.nearest) {
                moved += 1;
                continue;
            }
            assert!(
                (round4(score) - unit.score).abs() <= 2e-4,
                "score {score} vs {}",
                unit.score
            );
        }
        // A refinement that stops at its pass cap before converging leaves a few units beside
        // a closer centroid; the fitted stage places them by the final centroids.
        let n = analysis.units.len();
        assert!(
            moved * 1000 <= n * max_moved_per_mille,
            "{moved} of {n} units changed theme"
        );
        eprintln!("{moved} of {n} units changed theme");
    }

    #[test]
    fn fitted_stages_reproduce_the_seed_fit() {
        let corpus = ingest::load(&crate::seeds::bundled()).expect("seeds load");
        check_transform_reproduces_fit(&corpus, &Settings::default(), 0);
        let unrefined = Settings {
            refine: false,
            ..Settings::default()
        };
        check_transform_reproduces_fit(&corpus, &unrefined, 0);
    }

    #[test]
    fn fitted_stages_reproduce_document_units_with_fewer_units_than_terms() {
        let Some(corpus) = shared("thucnews-dev.jsonl") else {
            return;
        };
        let settings = Settings {
            unit: crate::stages::units::UnitKind::Document,
            k: KChoice::Fixed(10),
            ..Settings::default()
        };
        check_transform_reproduces_fit(&corpus, &settings, 0);
    }

    #[test]
    fn fitted_stages_reproduce_headlines_with_more_units_than_terms() {
        let Some(corpus) = shared("thucnews-titles-dev.jsonl") else {
            return;
        };
        let settings = Settings {
            k: KChoice::Fixed(10),
            ..Settings::default()
        };
        check_transform_reproduces_fit(&corpus, &settings, 10);
    }

    #[test]
    fn analyze_gives_the_fitted_models_report() {
        let corpus = ingest::load(&crate::seeds::bundled()).expect("seeds load");
        let settings = Settings::default();
        let report = analyze(&corpus, &settings, &NoProgress).expect("analyses");
        let model = ThemeModel::fit(&corpus, &settings, &NoProgress).expect("fits");
        let fitted = model.into_analysis().expect("report kept");
        assert_eq!(
            serde_json::to_string(&report).expect("json"),
            serde_json::to_string(&fitted).expect("json")
        );
    }

    #[test]
    fn an_article_is_assigned_alone_with_training_furniture() {
        let corpus = ingest::load(&crate::seeds::bundled()).expect("seeds load");
        let model = ThemeModel::fit(&corpus, &Settings::default(), &NoProgress).expect("fits");
        let segmenter = model.segmenter();
        let analysis = model.analysis().expect("report");
        // Each training article assigned alone: its units land where the fit put them.
        for (doc, article) in corpus.articles.iter().enumerate() {
            let assigned = model.assign(article, &segmenter);
            let fitted: Vec<&UnitOut> = analysis
                .units
                .iter()
                .filter(|u| u.doc == analysis.documents[doc].id)
                .collect();
            for unit in &fitted {
                let found = assigned
                    .units
                    .iter()
                    .find(|a| a.line == unit.line && a.part == unit.part)
                    .unwrap_or_else(|| panic!("{}:{} not assigned", unit.doc, unit.line));
                assert_eq!(
                    Some(found.theme + 1),
                    unit.theme.or(unit.nearest),
                    "{}:{}",
                    unit.doc,
                    unit.line
                );
            }
        }
        // Assigning the same article twice, or beside others, gives the same answer.
        let one = model.assign(&corpus.articles[0], &segmenter);
        assert_eq!(one, model.assign(&corpus.articles[0], &segmenter));
    }
}
