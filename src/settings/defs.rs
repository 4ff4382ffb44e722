//! The registry: every setting defined once, with its name (the command-line flag), its
//! default, its check and its documentation (the flag's `--help`). [`super::Settings`] holds
//! the values; `Settings::default()`, [`super::Settings::check`], the CLI's flags and defaults
//! and the error messages all read them from here, so the library and the CLI cannot disagree.
//!
//! To add a setting, see `docs/architecture-settings.md`.

use std::fmt::Display;
use std::str::FromStr;

use crate::error::{Error, Result, SettingProblem};
use crate::report::text::{Colour, Width, MAX_WIDTH, MIN_WIDTH};
use crate::report::Format;
use crate::settings::Threads;
use crate::stages::dmm::Method;
use crate::stages::ingest::{ByteSize, DEFAULT_MAX_INPUT};
use crate::stages::kmeans::KChoice;
use crate::stages::lsa::DimsChoice;
use crate::stages::tfidf::IdfWeighting;
use crate::stages::units::UnitKind;

/// One setting: name, default, check and documentation.
#[derive(Debug, Clone, Copy)]
pub struct Setting<T: 'static> {
    /// The command-line flag without its dashes (`min-df` is `--min-df`); errors name it.
    pub name: &'static str,
    /// The key of the value in the JSON `params` (`None` for options of the run that do not
    /// change the result, such as `threads`).
    pub param: Option<&'static str>,
    /// The value without the flag. For an on/off switch (a `bool` whose flag takes no value),
    /// giving the flag turns the default around: see [`Setting::switched`].
    pub default: T,
    /// What the setting does, as `--help` shows it.
    pub help: &'static str,
    /// Which values can work: `Some(problem)` for one that cannot.
    problem: fn(T) -> Option<SettingProblem>,
}

/// A setting's name, JSON key and documentation, without its type (see [`ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info {
    /// As [`Setting::name`].
    pub name: &'static str,
    /// As [`Setting::param`].
    pub param: Option<&'static str>,
    /// As [`Setting::help`].
    pub help: &'static str,
}

impl<T: Copy> Setting<T> {
    /// The name, JSON key and documentation.
    pub const fn info(&self) -> Info {
        Info {
            name: self.name,
            param: self.param,
            help: self.help,
        }
    }

    /// What is wrong with `value`, if anything.
    pub fn problem(&self, value: T) -> Option<SettingProblem> {
        (self.problem)(value)
    }
}

impl<T: Copy + Display> Setting<T> {
    /// `value`, or the [`Error::Setting`] saying why it cannot work.
    pub fn check(&self, value: T) -> Result<T> {
        match self.problem(value) {
            None => Ok(value),
            Some(problem) => Err(Error::Setting {
                setting: self.name,
                value: value.to_string(),
                problem,
            }),
        }
    }
}

impl<T: Copy + FromStr> Setting<T>
where
    T::Err: Display,
{
    /// Parses `text` as a value of this setting and checks it: what a command-line parser
    /// calls, so a bad value is refused while the flags are read. The error is the reason
    /// alone (the caller names the flag).
    pub fn parse(&self, text: &str) -> std::result::Result<T, String> {
        let value = text.parse::<T>().map_err(|e| e.to_string())?;
        match self.problem(value) {
            None => Ok(value),
            Some(problem) => Err(problem.to_string()),
        }
    }
}

impl Setting<bool> {
    /// The value of an on/off switch whose flag was `given` or not.
    pub fn switched(&self, given: bool) -> bool {
        self.default != given
    }
}

fn any<T>(_: T) -> Option<SettingProblem> {
    None
}

/// Number of themes, or `auto`.
pub const K: Setting<KChoice> = Setting {
    name: "k",
    param: Some("k_requested"),
    default: KChoice::Auto,
    help: "Number of themes, or `auto` to choose by silhouette",
    problem: |k| (k == KChoice::Fixed(0)).then_some(SettingProblem::NoThemes),
};

/// Seed of every random choice.
pub const SEED: Setting<u64> = Setting {
    name: "seed",
    param: Some("seed"),
    default: 42,
    help: "Random seed: the same input and seed give the same result",
    problem: any,
};

/// What one clustered unit is. `zhuti eval` defaults to [`EVAL_UNIT`] instead.
pub const UNIT: Setting<UnitKind> = Setting {
    name: "unit",
    param: Some("unit"),
    default: UnitKind::Paragraph,
    help: "What one clustered unit is",
    problem: any,
};

/// The one exception to "one default per setting": `zhuti eval` scores whole articles
/// against their gold labels, so it clusters whole articles unless told otherwise
/// ([`super::Settings::eval_default`]).
pub const EVAL_UNIT: UnitKind = UnitKind::Document;

/// The `--help` of `zhuti eval --unit`, which says why its default differs.
pub const EVAL_UNIT_HELP: &str =
    "What one clustered unit is (whole articles unless told otherwise: they carry the gold labels)";

/// LSA dimensions, or `auto`.
pub const DIMS: Setting<DimsChoice> = Setting {
    name: "dims",
    param: Some("dims"),
    default: DimsChoice::Auto,
    help: "LSA dimensions, or `auto`: one per 32 units, between 16 and 100 (small corpora \
           cannot support many directions); 100 for guided runs (`--themes`). Capped by the \
           corpus size",
    problem: |dims| matches!(dims, DimsChoice::Fixed(0..=1)).then_some(SettingProblem::TooFewDims),
};

/// How themes are found.
pub const METHOD: Setting<Method> = Setting {
    name: "method",
    param: Some("method"),
    default: Method::Auto,
    help: "How themes are found: `lsa` (LSA + k-means, refined on TF-IDF), `dmm` (a \
           Dirichlet-multinomial mixture, one theme per unit, made for headlines and posts), \
           `graph` (spectral clustering on the units' nearest-neighbour graph, for many long \
           articles; at most 30000 units), or `auto`: `dmm` when the median unit keeps at most 8 \
           terms (and there are 50 units or more), `graph` when it keeps at least 64 and there \
           are 1000 to 30000 units, else `lsa`",
    problem: any,
};

/// Refinement of the themes on TF-IDF (a switch: `--no-refine` turns it off).
pub const REFINE: Setting<bool> = Setting {
    name: "no-refine",
    param: Some("refine"),
    default: true,
    help: "Keep the themes k-means finds in the LSA space as they are, without the refinement \
           by spherical k-means on the full TF-IDF vectors",
    problem: any,
};

/// The outlier bucket (a switch: `--no-outliers` turns it off): units below their theme's
/// calibrated novelty thresholds (the rule of `zhuti assign`'s `novel`,
/// [`crate::model::ThemeInfo::novelty_threshold`]) are left unassigned (`theme: null`) instead
/// of counting in the theme they fit worst.
pub const OUTLIERS: Setting<bool> = Setting {
    name: "no-outliers",
    param: Some("outliers"),
    default: true,
    help: "Put every unit in its nearest theme, however poorly it fits. By default a unit that \
           fits even its nearest theme worse than all but 2.5% of that theme's units do (by LSA \
           score or by TF-IDF similarity: the rule `zhuti assign` marks `novel` with) is left \
           unassigned (`theme: null`), shown after the themes and counted in no theme's size",
    problem: any,
};

/// Phrase discovery (a switch: `--no-phrases` turns it off).
pub const PHRASES: Setting<bool> = Setting {
    name: "no-phrases",
    param: Some("phrases"),
    default: true,
    help: "Do not look for the corpus's own phrases. By default runs of words found together \
           far more often than chance, in varied contexts (垂直大模型, 百模大战, 一带一路), \
           are terms too, counted beside their parts, and a label names the phrase instead of \
           its parts; paragraph units only, when the median one has 40 characters or more \
           (docs/labels.md)",
    problem: any,
};

/// Top terms listed per theme.
pub const TOP_TERMS: Setting<usize> = Setting {
    name: "top-terms",
    param: Some("top_terms"),
    default: 10,
    help: "Top terms listed per theme",
    problem: |n| (n == 0).then_some(SettingProblem::NoTopTerms),
};

/// k-means++ restarts.
pub const N_RUNS: Setting<usize> = Setting {
    name: "n-runs",
    param: Some("n_runs"),
    default: 30,
    help: "k-means++ restarts per k; the tightest wins (more: steadier themes, slower)",
    problem: |n| (n == 0).then_some(SettingProblem::NoRuns),
};

/// Largest k that `auto` tries.
pub const K_MAX: Setting<usize> = Setting {
    name: "k-max",
    param: Some("k_max"),
    default: 20,
    help: "Largest k that `--k auto` tries (small corpora try fewer: k ≤ ⌈√(units/2)⌉)",
    problem: |k| (k < 2).then_some(SettingProblem::TooFewCandidates),
};

/// Traditional→simplified conversion (a switch: `--no-t2s` turns it off).
pub const T2S: Setting<bool> = Setting {
    name: "no-t2s",
    param: Some("t2s"),
    default: true,
    help: "Keep traditional characters (no traditional→simplified conversion)",
    problem: any,
};

/// Fewest letters of a paragraph.
pub const MIN_CHARS: Setting<usize> = Setting {
    name: "min-chars",
    param: Some("min_chars"),
    default: 15,
    help: "Paragraphs with fewer letters than this are dropped as `short`",
    problem: any,
};

/// Furniture removal (a switch: `--keep-boilerplate` turns it off).
pub const BOILERPLATE: Setting<bool> = Setting {
    name: "keep-boilerplate",
    param: Some("boilerplate"),
    default: true,
    help: "Keep page furniture (copyright, licence and contact lines, bylines, datelines, \
           tickers, navigation, related-reading lists, lines repeated across articles) instead \
           of dropping it as `boilerplate`",
    problem: any,
};

/// Duplicate removal (a switch: `--no-dedupe` turns it off).
pub const DEDUPE: Setting<bool> = Setting {
    name: "no-dedupe",
    param: Some("dedupe"),
    default: true,
    help: "Keep near-duplicate paragraphs (pull-quotes, summaries repeating a paragraph) \
           instead of dropping all but the fullest copy as `duplicate`",
    problem: any,
};

/// Heading detection (a switch: `--no-headings` turns it off).
pub const HEADINGS: Setting<bool> = Setting {
    name: "no-headings",
    param: Some("headings"),
    default: true,
    help: "Treat short title-like lines as ordinary lines instead of headings of the next \
           paragraph",
    problem: any,
};

/// Fewest units a term must occur in.
pub const MIN_DF: Setting<usize> = Setting {
    name: "min-df",
    param: Some("min_df"),
    default: 2,
    help: "Terms in fewer units than this are ignored",
    problem: |n| (n == 0).then_some(SettingProblem::NoMinDf),
};

/// Largest share of units a term may occur in.
pub const MAX_DF: Setting<f64> = Setting {
    name: "max-df",
    param: Some("max_df"),
    default: 0.5,
    help: "Terms in more than this share of units are ignored",
    problem: |share| (!(share > 0.0 && share <= 1.0)).then_some(SettingProblem::NotAShare),
};

/// Where a term's idf comes from.
pub const IDF: Setting<IdfWeighting> = Setting {
    name: "idf",
    param: Some("idf"),
    default: IdfWeighting::Blend,
    help: "Where a term's idf (how specific it is) comes from",
    problem: any,
};

/// A user dictionary in jieba's format.
pub const USER_DICT: Setting<Option<&'static std::path::Path>> = Setting {
    name: "user-dict",
    param: Some("user_dict"),
    default: None,
    help: "A user dictionary in jieba's format, one `word [freq] [tag]` per line (e.g. \
           `垂直大模型 10 n`): each word is kept whole; tag `nr` marks a person's name, which \
           never labels a theme. Saved in a fitted model",
    problem: any,
};

/// Extra stop words.
pub const STOP_WORDS: Setting<Option<&'static std::path::Path>> = Setting {
    name: "stop-words",
    param: Some("stop_words_file"),
    default: None,
    help: "Extra stop words, one per line, added to the bundled lists. Saved in a fitted model",
    problem: any,
};

/// The most bytes one run reads (an option of the run), counted after decompression.
pub const MAX_INPUT: Setting<ByteSize> = Setting {
    name: "max-input",
    param: None,
    default: ByteSize(DEFAULT_MAX_INPUT),
    help: "The most bytes one run reads over all inputs, after decompression (K, M, G, T \
           suffixes); past it the run stops with an error and writes nothing",
    problem: |size| (size.0 == 0).then_some(SettingProblem::NoInputAllowed),
};

/// A bad JSON Lines record is an error instead of a warning (an option of the run).
pub const STRICT: Setting<bool> = Setting {
    name: "strict",
    param: None,
    default: false,
    help: "Stop at a JSON Lines record that cannot be read, instead of leaving it out with a \
           warning and a `bad_record` entry among the dropped units",
    problem: any,
};

/// Worker threads (an option of the run: the output does not depend on it).
pub const THREADS: Setting<Threads> = Setting {
    name: "threads",
    param: None,
    default: Threads::Auto,
    help: "Worker threads, or `auto` for all cores (at most 256). The output does not depend \
           on it",
    problem: |t| (t == Threads::Fixed(0)).then_some(SettingProblem::NoThreads),
};

/// Report format (an option of the run).
pub const FORMAT: Setting<Format> = Setting {
    name: "format",
    param: None,
    default: Format::Text,
    help: "Output format",
    problem: any,
};

/// Columns the text report fits in (presentation only, like `format`).
pub const WIDTH: Setting<Width> = Setting {
    name: "width",
    param: None,
    default: Width::Auto,
    help: "Display columns the text report fits in (40 to 1000), or `auto`: the terminal's \
           width when the report goes to a terminal, else 80",
    problem: |w| {
        matches!(w, Width::Fixed(n) if !(MIN_WIDTH..=MAX_WIDTH).contains(&n))
            .then_some(SettingProblem::Width)
    },
};

/// Whole paragraphs in the text report (presentation only).
pub const FULL: Setting<bool> = Setting {
    name: "full",
    param: None,
    default: false,
    help: "Print each theme's typical paragraphs whole in the text report, wrapped to \
           `--width`, instead of one-line previews",
    problem: any,
};

/// Colour in the text report (presentation only).
pub const COLOR: Setting<Colour> = Setting {
    name: "color",
    param: None,
    default: Colour::Auto,
    help: "Colour theme names and numbers in the text report with their HTML report colours: \
           `auto` (only when the report goes to a terminal and NO_COLOR is unset or empty), \
           `always` or `never`",
    problem: any,
};

/// Every setting above, in the order of the JSON `params` (then the options of the run).
pub const ALL: [Info; 28] = [
    K.info(),
    SEED.info(),
    UNIT.info(),
    DIMS.info(),
    METHOD.info(),
    REFINE.info(),
    OUTLIERS.info(),
    TOP_TERMS.info(),
    N_RUNS.info(),
    K_MAX.info(),
    T2S.info(),
    MIN_CHARS.info(),
    DEDUPE.info(),
    BOILERPLATE.info(),
    HEADINGS.info(),
    MIN_DF.info(),
    MAX_DF.info(),
    IDF.info(),
    PHRASES.info(),
    USER_DICT.info(),
    STOP_WORDS.info(),
    MAX_INPUT.info(),
    STRICT.info(),
    THREADS.info(),
    FORMAT.info(),
    WIDTH.info(),
    FULL.info(),
    COLOR.info(),
];
