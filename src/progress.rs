//! Progress reporting hooks. The library calls them; the CLI draws bars (on a terminal only),
//! tests and embedders pass [`NoProgress`].

/// The pipeline stages, in order, as progress reports name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and decoding input files.
    Ingest,
    /// Normalising and classifying lines.
    Clean,
    /// jieba segmentation and TF-IDF.
    Vectorize,
    /// Randomised SVD.
    Reduce,
    /// k-means, including the choice of k.
    Cluster,
    /// Theme terms, representatives, mixes.
    Label,
}

impl Stage {
    /// A short human name for progress lines.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Ingest => "reading",
            Stage::Clean => "cleaning",
            Stage::Vectorize => "segmenting + TF-IDF",
            Stage::Reduce => "LSA",
            Stage::Cluster => "k-means",
            Stage::Label => "labelling",
        }
    }

    /// What the stage counts when it knows its total ([`Progress::start`]): the word after
    /// `3/6` on its bar.
    pub fn counts(self) -> &'static str {
        match self {
            Stage::Ingest => "files",
            Stage::Clean => "articles",
            Stage::Vectorize => "units",
            Stage::Reduce => "passes",
            Stage::Cluster => "candidate k's",
            Stage::Label => "steps",
        }
    }
}

/// Receives progress from the pipeline. All methods default to doing nothing.
pub trait Progress: Sync {
    /// A stage begins; `total` is its amount of work in units of [`Progress::advance`], if known.
    fn start(&self, _stage: Stage, _total: Option<u64>) {}
    /// `n` more units of work are done in the current stage.
    fn advance(&self, _n: u64) {}
    /// The current stage goes on with work its count does not measure (`what`, e.g. after
    /// every article is normalised, "near-duplicates"): shown beside the bar, so a full bar
    /// does not sit there unexplained.
    fn step(&self, _what: &'static str) {}
    /// The current stage is done.
    fn finish(&self, _stage: Stage) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
