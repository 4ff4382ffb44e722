//! Every setting of an analysis in one struct, checked once before any work starts (as linfa
//! checks its hyper-parameters): [`Settings::check`] turns [`Settings`] into
//! [`ValidSettings`], the only form the pipeline's stages take. Each setting's name (its
//! flag), default, check and documentation are defined once, in [`defs`].

pub(crate) mod choice;
pub mod defs;

use std::ops::Deref;

pub use crate::stages::clean::CleanOptions;
pub use crate::stages::dmm::Method;
pub use crate::stages::kmeans::KChoice;
pub use crate::stages::lsa::DimsChoice;
pub use crate::stages::tfidf::{IdfWeighting, TfidfOptions};
pub use crate::stages::units::UnitKind;

use serde::Serialize;

use crate::timeline::Period;
pub use choice::Threads;

use crate::error::Result;
use crate::stages::clean::dedupe::DedupeScope;
use crate::stages::ingest::{ByteSize, ReadOptions};
use crate::stages::kmeans::ClusterOptions;

/// All settings of an analysis. `Settings::default()` is what `zhuti` runs with no flags; the
/// defaults, and what each setting means, are in [`defs`]. Any value can be written here:
/// [`Settings::check`] says which cannot work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// Number of themes, or `auto` ([`defs::K`]).
    pub k: KChoice,
    /// Seed of every random choice: same input and seed, same output ([`defs::SEED`]).
    pub seed: u64,
    /// What one clustered unit is ([`defs::UNIT`]).
    pub unit: UnitKind,
    /// LSA dimensions asked for (capped by the corpus), or `auto` ([`defs::DIMS`]).
    pub dims: DimsChoice,
    /// How themes are found: LSA + k-means, the DMM, or chosen by unit length
    /// ([`defs::METHOD`]).
    pub method: Method,
    /// Refine the LSA k-means themes by spherical k-means on the TF-IDF rows
    /// ([`crate::stages::refine`], [`defs::REFINE`]).
    pub refine: bool,
    /// Leave the units that fit no theme well unassigned ([`defs::OUTLIERS`]).
    pub outliers: bool,
    /// Top terms listed per theme ([`defs::TOP_TERMS`]).
    pub top_terms: usize,
    /// k-means++ restarts ([`defs::N_RUNS`]).
    pub n_runs: usize,
    /// Largest k tried by `auto` ([`defs::K_MAX`]).
    pub k_max: usize,
    /// Cleaning switches.
    #[serde(flatten)]
    pub clean: CleanOptions,
    /// Vocabulary pruning.
    #[serde(flatten)]
    pub tfidf: TfidfOptions,
    /// Find the corpus's phrases and count them as terms beside their parts ([`crate::stages::phrases`],
    /// [`defs::PHRASES`]).
    pub phrases: bool,
    /// A user dictionary in jieba's format (`word [freq] [tag]` per line), read by
    /// [`crate::segment::user::load_user_dict`] ([`defs::USER_DICT`]); `None`: none.
    pub user_dict: Option<std::path::PathBuf>,
    /// Extra stop words, one per line, added to the bundled lists
    /// ([`crate::segment::user::load_stop_words`], [`defs::STOP_WORDS`]); `None`: none.
    pub stop_words: Option<std::path::PathBuf>,
    /// Time bucket of the timeline (`--period`): `auto` picks day, week, month or quarter.
    pub period: Period,
    /// How inputs are read: the byte limit of a run (`--max-input`) and what a bad JSON Lines
    /// record does (`--strict`). Read by [`crate::ingest::load_with`], not by the analysis.
    #[serde(skip)]
    pub read: ReadOptions,
}

/// The most worker threads a run starts (`--threads` above it uses this many): more than
/// any machine's cores, and few enough that a typo such as `--threads 100000` cannot exhaust
/// the system's threads. Output does not depend on the thread count.
pub const MAX_THREADS: usize = 256;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            k: defs::K.default,
            seed: defs::SEED.default,
            unit: defs::UNIT.default,
            dims: defs::DIMS.default,
            method: defs::METHOD.default,
            refine: defs::REFINE.default,
            outliers: defs::OUTLIERS.default,
            top_terms: defs::TOP_TERMS.default,
            n_runs: defs::N_RUNS.default,
            k_max: defs::K_MAX.default,
            clean: CleanOptions::default(),
            tfidf: TfidfOptions::default(),
            phrases: defs::PHRASES.default,
            user_dict: defs::USER_DICT.default.map(Into::into),
            stop_words: defs::STOP_WORDS.default.map(Into::into),
            period: Period::Auto,
            read: ReadOptions::default(),
        }
    }
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            t2s: defs::T2S.default,
            min_chars: defs::MIN_CHARS.default,
            dedupe: defs::DEDUPE.default,
            dedupe_scope: DedupeScope::Corpus,
            boilerplate: defs::BOILERPLATE.default,
            headings: defs::HEADINGS.default,
        }
    }
}

impl Default for TfidfOptions {
    fn default() -> Self {
        TfidfOptions {
            min_df: defs::MIN_DF.default,
            max_df: defs::MAX_DF.default,
            idf: defs::IDF.default,
        }
    }
}

impl Settings {
    /// What `zhuti eval` runs with no flags: the defaults, but whole articles as units
    /// ([`defs::EVAL_UNIT`]), since whole articles carry the gold labels.
    pub fn eval_default() -> Self {
        Settings {
            unit: defs::EVAL_UNIT,
            ..Settings::default()
        }
    }

    /// The cleaning switches as the pipeline applies them: duplicates are judged within
    /// articles and between whole articles when whole articles are the units.
    pub fn clean_options(&self) -> CleanOptions {
        let dedupe_scope = match self.unit {
            UnitKind::Paragraph => DedupeScope::Corpus,
            UnitKind::Document => DedupeScope::Articles,
        };
        CleanOptions {
            dedupe_scope,
            ..self.clean.clone()
        }
    }

    /// Checks every setting that can be judged without the corpus, in the order of the JSON
    /// `params`; the error ([`crate::Error::Setting`]) names the first that cannot work and
    /// says how to fix it.
    pub fn check(&self) -> Result<ValidSettings> {
        defs::K.check(self.k)?;
        defs::DIMS.check(self.dims)?;
        defs::TOP_TERMS.check(self.top_terms)?;
        defs::N_RUNS.check(self.n_runs)?;
        defs::K_MAX.check(self.k_max)?;
        defs::MIN_CHARS.check(self.clean.min_chars)?;
        defs::MAX_DF.check(self.tfidf.max_df)?;
        defs::MIN_DF.check(self.tfidf.min_df)?;
        defs::MAX_INPUT.check(ByteSize(self.read.max_input))?;
        Ok(ValidSettings(self.clone()))
    }
}

/// [`Settings`] that passed [`Settings::check`]: the only way to make one, so the stages,
/// which take it (or the options it gives, such as [`ValidSettings::cluster_options`]), never
/// see a setting that cannot work. Reads as the settings it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSettings(Settings);

impl Default for ValidSettings {
    /// The defaults, which are valid (a test checks that they pass [`Settings::check`]).
    fn default() -> Self {
        ValidSettings(Settings::default())
    }
}

impl Deref for ValidSettings {
    type Target = Settings;

    fn deref(&self) -> &Settings {
        &self.0
    }
}

impl ValidSettings {
    /// The settings checked.
    pub fn settings(&self) -> &Settings {
        &self.0
    }

    /// The same settings with LSA dimensions `dims`, checked.
    pub fn with_dims(&self, dims: DimsChoice) -> Result<ValidSettings> {
        Settings {
            dims,
            ..self.0.clone()
        }
        .check()
    }

    /// The k-means options these settings imply.
    pub fn cluster_options(&self) -> ClusterOptions {
        ClusterOptions::new(self.k, self.seed, self.n_runs, self.k_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outlier_help_names_the_novelty_quantile() {
        // The help is a constant string; the share it names is the model's constant.
        let share = format!("all but {}% of", crate::model::NOVELTY_QUANTILE * 100.0);
        assert!(
            defs::OUTLIERS.help.contains(&share),
            "{}",
            defs::OUTLIERS.help
        );
    }

    #[test]
    fn document_units_judge_duplicates_by_article() {
        let paragraphs = Settings::default();
        assert_eq!(paragraphs.clean_options().dedupe_scope, DedupeScope::Corpus);
        let documents = Settings {
            unit: UnitKind::Document,
            ..Settings::default()
        };
        let options = documents.clean_options();
        assert_eq!(options.dedupe_scope, DedupeScope::Articles);
        // Everything else is the user's.
        assert_eq!(
            CleanOptions {
                dedupe_scope: DedupeScope::Corpus,
                ..options
            },
            documents.clean
        );
    }

    #[test]
    fn defaults_are_valid_and_bad_values_say_how_to_fix() {
        assert_eq!(
            Settings::default().check().unwrap(),
            ValidSettings::default()
        );
        assert_eq!(
            Settings::eval_default().check().unwrap().unit,
            UnitKind::Document
        );
        let error = |settings: Settings| settings.check().unwrap_err().to_string();
        let cases = [
            (
                Settings {
                    k: KChoice::Fixed(0),
                    ..Settings::default()
                },
                "--k 0: there must be at least one theme; use --k 1 or more, or --k auto",
            ),
            (
                Settings {
                    dims: DimsChoice::Fixed(1),
                    ..Settings::default()
                },
                "--dims 1: LSA needs at least 2 dimensions; try --dims 100 or --dims auto",
            ),
            (
                Settings {
                    top_terms: 0,
                    ..Settings::default()
                },
                "--top-terms 0: each theme needs at least one term; try --top-terms 10",
            ),
            (
                Settings {
                    n_runs: 0,
                    ..Settings::default()
                },
                "--n-runs 0: k-means needs at least one run; try --n-runs 30",
            ),
            (
                Settings {
                    k_max: 1,
                    ..Settings::default()
                },
                "--k-max 1: `auto` needs at least k = 2 to compare; try --k-max 20",
            ),
            (
                Settings {
                    tfidf: TfidfOptions {
                        max_df: 1.5,
                        ..TfidfOptions::default()
                    },
                    ..Settings::default()
                },
                "--max-df 1.5: must be a share of units above 0 and at most 1, e.g. --max-df 0.5",
            ),
            (
                Settings {
                    tfidf: TfidfOptions {
                        min_df: 0,
                        ..TfidfOptions::default()
                    },
                    ..Settings::default()
                },
                "--min-df 0: a term must occur in at least one unit; try --min-df 2",
            ),
        ];
        for (settings, message) in cases {
            assert_eq!(error(settings), message);
        }
    }

    #[test]
    fn errors_are_typed_for_library_callers() {
        let bad = Settings {
            tfidf: TfidfOptions {
                max_df: f64::NAN,
                ..TfidfOptions::default()
            },
            ..Settings::default()
        };
        match bad.check() {
            Err(crate::Error::Setting {
                setting,
                value,
                problem,
            }) => {
                assert_eq!(setting, defs::MAX_DF.name);
                assert_eq!(value, "NaN");
                assert_eq!(problem, crate::error::SettingProblem::NotAShare);
            }
            other => panic!("expected a setting error, got {other:?}"),
        }
    }

    #[test]
    fn checked_settings_give_the_cluster_options() {
        let valid = Settings {
            k: KChoice::Fixed(4),
            seed: 7,
            n_runs: 3,
            k_max: 9,
            ..Settings::default()
        }
        .check()
        .unwrap();
        let options = valid.cluster_options();
        assert_eq!(
            (options.k, options.seed, options.n_runs, options.k_max),
            (KChoice::Fixed(4), 7, 3, 9)
        );
        assert_eq!(
            options.max_iterations,
            crate::stages::kmeans::MAX_ITERATIONS
        );
        assert!(valid.with_dims(DimsChoice::Fixed(1)).is_err());
        assert_eq!(
            valid.with_dims(DimsChoice::Fixed(50)).unwrap().dims,
            DimsChoice::Fixed(50)
        );
    }

    #[test]
    fn every_setting_is_in_the_json_params_in_registry_order() {
        let params = crate::analysis::Params::new(&Settings::default(), 3, 16, 0.5, None);
        let json = serde_json::to_value(&params).unwrap();
        let text = serde_json::to_string(&params).unwrap();
        let settings = serde_json::to_value(Settings::default()).unwrap();
        let mut last = 0;
        for info in defs::ALL {
            let Some(key) = info.param else { continue };
            // The value reported is the setting's (Settings serialises `k` as `k`).
            let field = match key {
                "k_requested" => "k",
                "stop_words_file" => "stop_words",
                key => key,
            };
            assert_eq!(
                json.get(key),
                settings.get(field).filter(|v| !v.is_null()),
                "params.{key}"
            );
            if json.get(key).is_none() {
                // A file setting left out is absent from `params`.
                continue;
            }
            let at = text
                .find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("params has no {key}"));
            assert!(at > last, "params.{key} is out of the registry's order");
            last = at;
        }
    }
}
