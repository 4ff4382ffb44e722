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

pub mod background;
mod choice;
pub mod clean;
pub mod cluster;
mod dictionary;
pub mod error;
pub mod eval;
pub mod guided;
pub mod ingest;
pub mod label;
pub mod model;
pub mod pipeline;
pub mod progress;
pub mod reduce;
pub mod refine;
pub mod report;
pub mod seeds;
pub mod segment;
pub mod settings;
pub mod units;
pub mod vectorize;

pub use error::{Error, Result};
pub use model::Analysis;
pub use pipeline::{analyze, analyze_guided};
pub use progress::{NoProgress, Progress, Stage};
pub use settings::Settings;

/// Version of the JSON document ([`Analysis`]); bumped only for incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;
