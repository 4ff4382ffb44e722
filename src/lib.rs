//! # zhuti (主题): find the themes in a pile of Chinese articles
//!
//! The library behind the `zhuti` command. The pipeline is one module per stage, data flowing
//! one way:
//!
//! [`ingest`] → [`clean`] → [`units`] → [`segment`] + [`vectorize`] → [`reduce`] →
//! [`cluster`] → [`label`] → [`report`]; [`eval`] scores themes against gold labels.
//!
//! [`analyze`] runs the whole pipeline on a [`ingest::Corpus`] with checked [`Settings`] and
//! returns an [`Analysis`], which is also the versioned JSON document dashboards read.
//!
//! ```no_run
//! use zhuti::{analyze, ingest, Settings};
//! let corpus = ingest::load(&zhuti::seeds::bundled()).unwrap();
//! let analysis = analyze(&corpus, &Settings::default(), &zhuti::NoProgress).unwrap();
//! for theme in &analysis.themes {
//!     println!("{} {} ({} paragraphs)", theme.id, theme.label, theme.size);
//! }
//! ```
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![warn(missing_docs)]

pub mod analysis;
pub mod error;
pub mod eval;
pub mod guided;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod seeds;
pub mod settings;
pub mod stages;
pub mod timeline;

pub use analysis::Analysis;
pub use error::{Error, Result};
pub use pipeline::{analyze, analyze_guided};
pub use progress::{NoProgress, Progress, Stage};
pub use settings::Settings;
pub use stages::{clean, ingest, kmeans, label, lsa, refine, segment, tfidf, units};

/// Version of the JSON document ([`Analysis`]); bumped only for incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;
