//! # zhuti (主题): find the themes in a pile of Chinese articles
//!
//! The library behind the `zhuti` command. Articles are read ([`ingest`]), cleaned, split into
//! paragraphs, segmented with jieba, weighed by TF-IDF, reduced by LSA and grouped into themes by
//! k-means refined on TF-IDF; each theme gets a label, top terms and representative paragraphs.
//! The stages live in `src/stages/` (see docs/architecture.md); this crate's public API is small:
//!
//! - [`ingest::load`] reads files, folders or stdin into a [`ingest::Corpus`];
//! - [`Settings`] holds every setting ([`Settings::check`]s them once);
//! - [`ThemeModel::fit`] fits every stage and keeps them: [`ThemeModel::analysis`] is the report,
//!   [`ThemeModel::assign`] places new articles into the same themes, [`ThemeModel::save`] /
//!   [`ThemeModel::load`] keep it in a file; [`analyze`] is the one-shot report alone;
//! - [`Analysis`] is the versioned JSON document dashboards read; [`report`] renders it as text,
//!   JSON or HTML;
//! - [`eval`] scores themes against gold labels; [`Error`] says what failed.
//!
//! ```
//! use zhuti::{ingest, NoProgress, Settings, ThemeModel};
//!
//! let corpus = ingest::load(&zhuti::seeds::bundled())?;
//! let model = ThemeModel::fit(&corpus, &Settings::default(), &NoProgress)?;
//! let analysis = model.analysis().expect("a model just fitted has its report");
//! for theme in &analysis.themes {
//!     println!("{} {} ({} paragraphs)", theme.id, theme.label, theme.size);
//! }
//! // The same themes for an article the model has not seen.
//! let segmenter = model.segmenter();
//! let article = ingest::Article::text("new", "国产芯片与算力:大模型训练需要更多GPU,算力紧缺成为行业共识。");
//! let assigned = model.assign(&article, &segmenter);
//! assert_eq!(assigned.units.len(), 1);
//! # Ok::<(), zhuti::Error>(())
//! ```
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// All `unsafe` lives in `linalg` (which allows it), each block with a `SAFETY:` comment.
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

pub mod analysis;
pub mod emerging;
pub mod error;
pub mod eval;
pub mod guided;
mod linalg;
/// For the `zhuti` binary's `assign` (see the function).
#[doc(hidden)]
pub use linalg::tune_memory_for_streaming;
pub mod lineage;
pub mod model;
pub mod model_file;
pub mod numbers;
pub mod progress;
pub mod report;
pub mod seeds;
pub mod settings;
mod sorted_lines;
// Some stage items serve only this crate's tests, benches and examples (through `internals`):
// without that feature they are unused, which is not worth a warning to users building zhuti.
#[cfg_attr(not(feature = "internals"), allow(dead_code, unused_imports))]
mod stages;
pub mod timeline;

pub use analysis::Analysis;
pub use error::{Error, ModelProblem, Result, SettingProblem};
pub use model::{analyze, analyze_guided, ThemeModel};
pub use progress::{NoProgress, Progress, Stage};
pub use settings::{Settings, ValidSettings};

/// Reading articles: files, folders (recursive), JSON Lines, `.gz`, stdin.
pub mod ingest {
    pub use crate::stages::ingest::{
        input_holding, load, load_with, stream, Article, BadRecord, ByteSize, ChunkLimit, Corpus,
        Input, Origin, ReadOptions, DEFAULT_MAX_INPUT,
    };
}

/// The stages themselves, for this crate's benches, examples, tests and fuzz target. Not part of
/// the public API: anything here may change in any release.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::stages::{
        clean, dmm, ingest, kmeans, label, lsa, phrases, read, refine, segment, tfidf, units,
    };
}

/// Version of the JSON document ([`Analysis`]); bumped only for incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;
