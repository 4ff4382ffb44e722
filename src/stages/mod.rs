//! The pipeline's stages, one module or folder each, in the order data flows through them:
//!
//! [`ingest`] (with [`read`] for Markdown, web pages, dates and sources) → [`clean`] → [`units`] → [`segment`] → [`phrases`] → [`tfidf`] → [`lsa`] → [`kmeans`] →
//! [`refine`] → [`label`]; [`dmm`] replaces LSA + k-means + refine for short units, and
//! [`graph`] embeds the LSA vectors for k-means in place of refine for many long units
//! (`--method`).
//!
//! A stage reads only the output of the stages before it. [`crate::pipeline`] composes them
//! (docs/architecture.md).

pub mod clean;
pub mod dmm;
pub mod graph;
pub mod ingest;
pub mod kmeans;
pub mod label;
pub mod lsa;
pub mod phrases;
pub mod read;
pub mod refine;
pub mod segment;
pub mod tfidf;
pub mod units;
