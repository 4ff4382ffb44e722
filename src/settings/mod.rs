//! Every setting of an analysis in one struct, checked once before any work starts (as linfa
//! checks its hyper-parameters), so stages receive only valid settings.

pub(crate) mod choice;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::stages::clean::dedupe::DedupeScope;
use crate::stages::clean::CleanOptions;
use crate::stages::ingest::ReadOptions;
use crate::stages::kmeans::KChoice;
use crate::stages::lsa::DimsChoice;
use crate::stages::tfidf::TfidfOptions;
use crate::stages::units::UnitKind;

/// All settings of an analysis. `Settings::default()` is what `zhuti` runs with no flags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// Number of themes, or `auto`.
    pub k: KChoice,
    /// Seed of every random choice: same input and seed, same output.
    pub seed: u64,
    /// What one clustered unit is.
    pub unit: UnitKind,
    /// LSA dimensions asked for (capped by the corpus), or `auto` (grow with the corpus).
    pub dims: DimsChoice,
    /// Refine the LSA k-means themes by spherical k-means on the TF-IDF rows ([`crate::stages::refine`]).
    pub refine: bool,
    /// Top terms listed per theme.
    pub top_terms: usize,
    /// k-means++ restarts.
    pub n_runs: usize,
    /// Largest k tried by `auto`.
    pub k_max: usize,
    /// Cleaning switches.
    #[serde(flatten)]
    pub clean: CleanOptions,
    /// Vocabulary pruning.
    #[serde(flatten)]
    pub tfidf: TfidfOptions,
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
            k: KChoice::Auto,
            seed: 42,
            unit: UnitKind::Paragraph,
            dims: DimsChoice::Auto,
            refine: true,
            top_terms: 10,
            n_runs: 30,
            k_max: 20,
            clean: CleanOptions::default(),
            tfidf: TfidfOptions::default(),
            read: ReadOptions::default(),
        }
    }
}

impl Settings {
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

    /// Checks the settings that can be judged without the corpus; errors say how to fix them.
    pub fn validate(&self) -> Result<()> {
        let fail = |msg: String| Err(Error::Settings(msg));
        if self.k == KChoice::Fixed(0) {
            return fail(
                "--k 0: there must be at least one theme; use --k 1 or more, or --k auto".into(),
            );
        }
        if let DimsChoice::Fixed(dims @ 0..=1) = self.dims {
            return fail(format!(
                "--dims {dims}: LSA needs at least 2 dimensions; try --dims 100 or --dims auto"
            ));
        }
        if self.top_terms == 0 {
            return fail(
                "--top-terms 0: each theme needs at least one term; try --top-terms 10".into(),
            );
        }
        if self.n_runs == 0 {
            return fail("k-means needs at least one run".into());
        }
        if self.k_max < 2 {
            return fail(format!(
                "--k-max {}: `auto` needs at least k = 2 to compare; try --k-max 20",
                self.k_max
            ));
        }
        if !(self.tfidf.max_df > 0.0 && self.tfidf.max_df <= 1.0) {
            return fail(format!(
                "--max-df {}: must be a share of units above 0 and at most 1, e.g. --max-df 0.5",
                self.tfidf.max_df
            ));
        }
        if self.read.max_input == 0 {
            return fail("--max-input 0: a run must read something; try --max-input 8G".into());
        }
        if self.tfidf.min_df == 0 {
            return fail(
                "--min-df 0: a term must occur in at least one unit; try --min-df 2".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(Settings::default().validate().is_ok());
        let bad = Settings {
            k: KChoice::Fixed(0),
            ..Settings::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("--k 1"));
        let bad = Settings {
            dims: DimsChoice::Fixed(1),
            ..Settings::default()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--dims 100"));
    }
}
