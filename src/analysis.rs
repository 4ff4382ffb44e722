//! The result of an analysis, shaped exactly as the versioned JSON contract (schema version
//! [`crate::SCHEMA_VERSION`], `schema/zhuti.schema.json`). Fields may be added, never renamed.
//!
//! Theme ids are 1-based everywhere (`themes[].id`, `units[].theme`, `theme_mix[].theme`), as
//! readers count them; a unit that fits no theme well has `theme: null` ([`Unassigned`]). Floats are rounded to 4 decimals (term weights to 6), so the JSON is
//! stable and readable.

use serde::Serialize;

use crate::eval::coherence::Coherence;
use crate::settings::Settings;
use crate::stages::dmm::Method;
use crate::stages::kmeans::{KChoice, KSelection};
use crate::stages::lsa::DimsChoice;
use crate::stages::tfidf::IdfWeighting;
use crate::stages::units::UnitKind;

/// The whole analysis: what `--format json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Version of this document's shape.
    pub schema_version: u32,
    /// Every setting used, with the k asked for and the k chosen.
    pub params: Params,
    /// Counts of what was read and clustered.
    pub corpus: CorpusCounts,
    /// The themes, largest first.
    pub themes: Vec<Theme>,
    /// How well each theme's top terms hang together (NPMI) and how distinct the themes' terms
    /// are (topic diversity); see [`crate::eval::coherence`].
    pub coherence: Coherence,
    /// The corpus's own phrases, counted as terms beside their parts
    /// ([`crate::stages::phrases`]), most frequent first; empty with `--no-phrases`.
    pub phrases: Vec<crate::stages::phrases::Phrase>,
    /// Every article, in input order.
    pub documents: Vec<Document>,
    /// Every clustered unit, in corpus order.
    pub units: Vec<UnitOut>,
    /// The units that fit no theme well, left out of the themes (`theme: null`); absent with
    /// `--no-outliers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unassigned: Option<Unassigned>,
    /// Every unit left out of clustering, in corpus order.
    pub dropped: Vec<DroppedOut>,
    /// Themes over time; absent when no article is dated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<crate::timeline::Timeline>,
    /// Themes by source; absent when no article has a source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<crate::timeline::Sources>,
    /// 2-D coordinates of every unit (same order as `units`) for maps; not part of the JSON.
    #[serde(skip)]
    pub map: Vec<[f64; 2]>,
    /// How the themes descend from a previous model's (`zhuti fit --previous`); absent
    /// otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lineage: Option<crate::lineage::Lineage>,
    /// Warnings for the user (skipped files, unknown seed words); not part of the JSON.
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// What was read ([`crate::ingest::Corpus::inputs`]), for the text and HTML reports to
    /// name; not part of the JSON, which stays the same wherever the same articles came from.
    #[serde(skip)]
    pub inputs: Vec<String>,
}

/// The settings of the run (all of them) plus what the corpus decided.
#[derive(Debug, Clone, Serialize)]
pub struct Params {
    /// The k asked for: a number or `"auto"`.
    pub k_requested: KChoice,
    /// The number of themes found.
    pub k: usize,
    /// The random seed.
    pub seed: u64,
    /// `paragraph` or `document`.
    pub unit: UnitKind,
    /// LSA dimensions asked for: a number or `"auto"`.
    pub dims: DimsChoice,
    /// LSA dimensions used (capped by the corpus).
    pub dims_used: usize,
    /// Share of TF-IDF variance the LSA dimensions keep.
    pub explained_variance: f64,
    /// How themes were to be found: `lsa`, `dmm`, `graph` or `auto` (`--method`).
    pub method: Method,
    /// How they were found: `lsa` (LSA + k-means, refined unless `--no-refine`), `dmm` (the
    /// Dirichlet-multinomial mixture; no LSA k-means, no refinement) or `graph` (k-means on the
    /// spectral embedding of the units' nearest-neighbour graph; no refinement).
    pub method_used: Method,
    /// Why `auto` chose `method_used` (the median unit length against the rule); absent when the
    /// method was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_reason: Option<String>,
    /// Themes refined by spherical k-means on the TF-IDF vectors (off with `--no-refine`; the
    /// DMM's themes are never refined).
    pub refine: bool,
    /// Units that fit no theme well were left unassigned (`theme: null`; off with
    /// `--no-outliers`): see [`Unassigned`].
    pub outliers: bool,
    /// Top terms per theme.
    pub top_terms: usize,
    /// k-means++ restarts.
    pub n_runs: usize,
    /// Largest k tried by `auto`.
    pub k_max: usize,
    /// Traditional→simplified conversion on.
    pub t2s: bool,
    /// Minimum letters of a paragraph.
    pub min_chars: usize,
    /// Duplicate removal on.
    pub dedupe: bool,
    /// Furniture removal on (off with `--keep-boilerplate`).
    pub boilerplate: bool,
    /// Heading detection on (off with `--no-headings`).
    pub headings: bool,
    /// Minimum units a term must occur in.
    pub min_df: usize,
    /// Maximum share of units a term may occur in.
    pub max_df: f64,
    /// Where term idf came from: `blend` (corpus × background) or `corpus` (`--idf`).
    pub idf: IdfWeighting,
    /// The corpus's phrases were looked for and counted as terms (not `--no-phrases`, paragraph
    /// units of at least [`crate::stages::phrases::MIN_MEDIAN_CHARS`] at the median, unguided).
    pub phrases: bool,
    /// How k was chosen (present for `--k auto`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k_selection: Option<KSelection>,
    /// The themes file of a guided run (`--themes`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub themes_file: Option<String>,
    /// The user dictionary (`--user-dict`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_dict: Option<String>,
    /// The extra stop-word list (`--stop-words`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_words_file: Option<String>,
}

impl Params {
    /// The parameters of a run with `settings` in which the corpus decided the rest.
    pub fn new(
        settings: &Settings,
        k: usize,
        dims_used: usize,
        explained_variance: f64,
        k_selection: Option<KSelection>,
    ) -> Self {
        Params {
            k_requested: settings.k,
            k,
            seed: settings.seed,
            unit: settings.unit,
            dims: settings.dims,
            dims_used,
            explained_variance: round4(explained_variance),
            method: settings.method,
            method_used: match settings.method {
                Method::Auto => Method::Lsa,
                given => given,
            },
            method_reason: None,
            refine: settings.refine,
            outliers: settings.outliers,
            top_terms: settings.top_terms,
            n_runs: settings.n_runs,
            k_max: settings.k_max,
            t2s: settings.clean.t2s,
            min_chars: settings.clean.min_chars,
            dedupe: settings.clean.dedupe,
            boilerplate: settings.clean.boilerplate,
            headings: settings.clean.headings,
            min_df: settings.tfidf.min_df,
            max_df: settings.tfidf.max_df,
            idf: settings.tfidf.idf,
            phrases: settings.phrases,
            k_selection,
            themes_file: None,
            user_dict: settings.user_dict.as_ref().map(|p| p.display().to_string()),
            stop_words_file: settings
                .stop_words
                .as_ref()
                .map(|p| p.display().to_string()),
        }
    }
}

/// Corpus counts.
#[derive(Debug, Clone, Serialize)]
pub struct CorpusCounts {
    /// Articles read.
    pub documents: usize,
    /// Units clustered.
    pub units: usize,
    /// Units left out.
    pub dropped: usize,
    /// Terms in the vocabulary after pruning.
    pub terms: usize,
}

/// One theme.
#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    /// 1-based theme number; themes are numbered by size, largest first.
    pub id: usize,
    /// The user's name for a guided theme (`--themes`) that stayed close to its seed words;
    /// `null` for discovered themes.
    pub name: Option<String>,
    /// True when the theme grew from a named seed (`--themes`), even if it drifted from its
    /// seed words and lost the name; false for discovered themes.
    pub guided: bool,
    /// The top terms joined by `·`.
    pub label: String,
    /// Units in the theme.
    pub size: usize,
    /// `size` over all clustered units.
    pub share: f64,
    /// Top terms by their weight in the theme ([`crate::stages::label::lift_weight`]), best first.
    pub terms: Vec<TermOut>,
    /// NPMI coherence of the theme's top 10 terms over unit co-occurrence (−1…1).
    pub npmi: f64,
    /// The units nearest the theme centre, best first.
    pub representatives: Vec<Representative>,
}

/// A term and its weight in a theme.
#[derive(Debug, Clone, Serialize)]
pub struct TermOut {
    /// The term as readers write it.
    pub term: String,
    /// Class-based TF-IDF weight.
    pub weight: f64,
    /// `person` for a person's name, `periodical` for a newspaper's or magazine's, `furniture`
    /// for a word of the page, not the article (我要评论, 导语; none is ever a label term); absent for
    /// other terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

/// A paragraph that shows what a theme is about.
#[derive(Debug, Clone, Serialize)]
pub struct Representative {
    /// Article id.
    pub doc: String,
    /// 1-based source line.
    pub line: usize,
    /// Which piece of a long paragraph split at sentence ends (1-based); absent when whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<usize>,
    /// 1-based paragraph number within the article, every non-empty line of its cleaned text
    /// counted (a JSON Lines or CSV record's paragraphs share the record's `line`).
    pub paragraph: usize,
    /// The paragraph.
    pub text: String,
    /// Cosine to the theme centre.
    pub score: f64,
}

/// One article.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Article id (path as given, or JSONL id).
    pub id: String,
    /// JSONL title, or the article's first substantial line.
    pub title: String,
    /// Units of this article that were clustered.
    pub units: usize,
    /// Share of the article's units in each theme, largest first.
    pub theme_mix: Vec<MixOut>,
    /// Share of the article's units left unassigned ([`Unassigned`]), so that it and the
    /// `theme_mix` shares sum to 1; absent when none is.
    #[serde(skip_serializing_if = "is_zero")]
    pub unassigned: f64,
    /// Gold label from JSONL, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The article's day, ISO `YYYY-MM-DD`; absent when undated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Where the date came from: `field`, `html`, `filename` or `text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_from: Option<crate::stages::read::DateFrom>,
    /// The outlet or site; absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Where the source came from: `field`, `html` or `text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_from: Option<crate::stages::read::SourceFrom>,
    /// A JSON Lines or CSV record, whose paragraphs all report the record's line: the reports
    /// locate them as `id ¶N` ([`UnitOut::paragraph`]) rather than `file:line`. Not in the
    /// JSON, which has both numbers.
    #[serde(skip)]
    pub record: bool,
}

/// One theme's share of an article.
#[derive(Debug, Clone, Serialize)]
pub struct MixOut {
    /// Theme id.
    pub theme: usize,
    /// Share of the article's units.
    pub share: f64,
}

/// One clustered unit.
#[derive(Debug, Clone, Serialize)]
pub struct UnitOut {
    /// Article id.
    pub doc: String,
    /// 1-based source line (JSONL: the record's line).
    pub line: usize,
    /// Which piece of a long paragraph split at sentence ends (1-based); absent when whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<usize>,
    /// 1-based paragraph number within the article, every non-empty line of its cleaned text
    /// counted (a JSON Lines or CSV record's paragraphs share the record's `line`).
    pub paragraph: usize,
    /// Theme id; `null` for a unit that fits no theme well ([`Unassigned`]).
    pub theme: Option<usize>,
    /// For an unassigned unit: the theme it is nearest, which it fits too poorly to join;
    /// absent for the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest: Option<usize>,
    /// Cosine to the centre of its theme (of its nearest theme, when unassigned).
    pub score: f64,
    /// The cleaned text.
    pub text: String,
    /// The heading introducing this paragraph, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// The heading's own source line (present with `heading`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading_line: Option<usize>,
}

/// The unassigned group: units below their nearest theme's calibrated novelty thresholds
/// (the rule `zhuti assign` marks a new unit `novel` with, applied to the training units
/// themselves: see [`crate::model::ThemeInfo::novelty_threshold`]). They count in
/// `corpus.units` and in their articles' units, not in any theme's `size`: the themes'
/// shares and `share` sum to 1.
#[derive(Debug, Clone, Serialize)]
pub struct Unassigned {
    /// Units left unassigned.
    pub size: usize,
    /// `size` over all clustered units.
    pub share: f64,
    /// A few of them, those furthest from every theme first (`score`: cosine to the centre
    /// of the nearest theme).
    pub examples: Vec<Representative>,
}

/// One unit left out.
#[derive(Debug, Clone, Serialize)]
pub struct DroppedOut {
    /// Article id.
    pub doc: String,
    /// 1-based source line.
    pub line: usize,
    /// Which piece of a long paragraph split at sentence ends (1-based); absent when whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<usize>,
    /// 1-based paragraph number within the article, every non-empty line of its cleaned text
    /// counted (a JSON Lines or CSV record's paragraphs share the record's `line`); absent for
    /// a record that could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paragraph: Option<usize>,
    /// `short`, `boilerplate`, `duplicate` or `no_terms`.
    pub reason: String,
    /// The cleaned text.
    pub text: String,
    /// For duplicates: where the kept twin is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<Location>,
}

/// A place in the corpus.
#[derive(Debug, Clone, Serialize)]
pub struct Location {
    /// Article id.
    pub doc: String,
    /// 1-based source line.
    pub line: usize,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// Rounds to 4 decimals (shares, scores).
pub fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Rounds to 6 decimals (term weights, which are small).
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
