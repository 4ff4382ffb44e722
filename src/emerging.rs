//! Emerging themes: the novel units of one `zhuti assign` batch, clustered on their own with
//! the library's stages (segment → TF-IDF → LSA → k-means with `auto` k → refine on TF-IDF),
//! seeded with the model's seed, so the same batch gives the same emerging themes at any
//! thread count. Clusters whose term centroids are at least [`MERGE_SIMILARITY`] alike are one
//! theme (k-means `auto` splits one new subject into its sub-topics, e.g. basketball teams);
//! each theme gets a label (its centroid's top terms) and representatives (its units most
//! similar to that centroid). Nothing forms below [`MIN_UNITS`] novel units or
//! [`MIN_ARTICLES`] articles: a few stray novel units are noise, not a theme.

use crate::progress::NoProgress;
use crate::settings::Settings;
use crate::stages::kmeans::{self, KChoice};
use crate::stages::lsa;
use crate::stages::refine::{self, TermCentroids};
use crate::stages::segment::Segmenter;
use crate::stages::tfidf::{self, TermSpace};

/// Fewest novel units a batch needs before emerging themes are looked for.
pub const MIN_UNITS: usize = 20;
/// Fewest distinct articles those units must come from.
pub const MIN_ARTICLES: usize = 3;
/// Fewest units an emerging theme holds (smaller clusters are left as scattered novelty).
pub const MIN_THEME_UNITS: usize = 5;
/// Clusters whose TF-IDF term centroids have at least this cosine are one emerging theme.
pub const MERGE_SIMILARITY: f64 = 0.2;
/// Novel units kept for clustering (the first ones in input order); a batch with more is
/// clustered on these.
pub const MAX_UNITS: usize = 5_000;
/// Label terms of an emerging theme.
const LABEL_TERMS: usize = 3;
/// Representatives of an emerging theme.
const REPRESENTATIVES: usize = 3;

/// One novel unit of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct NovelUnit {
    /// Its article's id.
    pub doc: String,
    /// 1-based source line.
    pub line: usize,
    /// Piece of a long line.
    pub part: Option<usize>,
    /// 1-based paragraph number within the article, every non-empty line of its cleaned text
    /// counted (a JSON Lines or CSV record's paragraphs share the record's `line`).
    pub paragraph: usize,
    /// Its article is a JSON Lines or CSV record (located by `paragraph`, not `line`).
    pub record: bool,
    /// The cleaned text.
    pub text: String,
}

/// One representative unit of an emerging theme.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EmergingUnit {
    /// Its article's id.
    pub doc: String,
    /// 1-based source line.
    pub line: usize,
    /// Piece of a long line (absent for a whole line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<usize>,
    /// 1-based paragraph number within the article, every non-empty line of its cleaned text
    /// counted (a JSON Lines or CSV record's paragraphs share the record's `line`).
    pub paragraph: usize,
    /// Its article is a JSON Lines or CSV record (located by `paragraph`, not `line`); not in
    /// the JSON, which has both.
    #[serde(skip)]
    pub record: bool,
    /// The unit's text.
    pub text: String,
}

/// One emerging theme.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EmergingTheme {
    /// Its top terms joined by `·`.
    pub label: String,
    /// Its top terms, best first.
    pub terms: Vec<String>,
    /// Novel units in it.
    pub units: usize,
    /// Distinct articles they come from.
    pub articles: usize,
    /// Its units closest to its centroid, best first.
    pub representatives: Vec<EmergingUnit>,
}

/// The emerging themes of `novel` (a batch's novel units, in input order), cut with
/// `segmenter` and seeded with `seed`. Empty when there are too few units or articles
/// ([`MIN_UNITS`], [`MIN_ARTICLES`]) or they share too few terms to cluster.
pub fn find(novel: &[NovelUnit], segmenter: &Segmenter, seed: u64) -> Vec<EmergingTheme> {
    let articles = |units: &mut dyn Iterator<Item = &NovelUnit>| {
        let mut docs: Vec<&str> = units.map(|u| u.doc.as_str()).collect();
        docs.sort_unstable();
        docs.dedup();
        docs.len()
    };
    if novel.len() < MIN_UNITS || articles(&mut novel.iter()) < MIN_ARTICLES {
        return Vec::new();
    }
    let Ok(settings) = Settings {
        k: KChoice::Auto,
        seed,
        ..Settings::default()
    }
    .check() else {
        return Vec::new();
    };
    let texts: Vec<&str> = novel.iter().map(|u| u.text.as_str()).collect();
    let segmented = tfidf::segment_units(&texts, segmenter, &NoProgress);
    let (space, vectors) = TermSpace::fit(segmented, &settings.tfidf);
    let rows: Vec<usize> = vectors.row_units.clone();
    let tfidf = &vectors.tfidf;
    if tfidf.n_rows < MIN_UNITS {
        return Vec::new();
    }
    let Ok(embedding) = lsa::lsa(tfidf, settings.dims.resolve(tfidf.n_rows), seed) else {
        return Vec::new();
    };
    let judge = refine::RefinedSilhouette { tfidf };
    let Ok(clustering) =
        kmeans::cluster_judged(&embedding.vectors, &settings.cluster_options(), &judge)
    else {
        return Vec::new();
    };
    let candidates = if clustering.restarts.is_empty() {
        std::slice::from_ref(&clustering.labels)
    } else {
        clustering.restarts.as_slice()
    };
    let k = candidates.iter().flatten().max().map_or(0, |&m| m + 1);
    let labels = refine::best_refined(tfidf, candidates, k, refine::MAX_PASSES)
        .map_or_else(|| clustering.labels.clone(), |best| best.labels);
    let k = labels.iter().max().map_or(0, |&m| m + 1);

    // Merge clusters whose term centroids are alike (union-find, lower index wins).
    let centroids = TermCentroids::fit(tfidf, &labels, k);
    let mut group: Vec<usize> = (0..k).collect();
    fn root(group: &mut [usize], mut i: usize) -> usize {
        while group[i] != i {
            group[i] = group[group[i]];
            i = group[i];
        }
        i
    }
    for a in 0..k {
        for b in a + 1..k {
            let c = centroids.cosine(a, b);
            if c >= MERGE_SIMILARITY {
                let (ra, rb) = (root(&mut group, a), root(&mut group, b));
                group[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let roots: Vec<usize> = (0..k).map(|i| root(&mut group, i)).collect();
    let mut ids: Vec<usize> = roots.clone();
    ids.sort_unstable();
    ids.dedup();
    let merged: Vec<usize> = labels
        .iter()
        .map(|&l| ids.binary_search(&roots[l]).unwrap_or(0))
        .collect();
    let k = ids.len();
    let centroids = TermCentroids::fit(tfidf, &merged, k);

    let mut themes: Vec<EmergingTheme> = (0..k)
        .filter_map(|theme| {
            let members: Vec<usize> = (0..tfidf.n_rows).filter(|&r| merged[r] == theme).collect();
            let units: Vec<&NovelUnit> = members.iter().map(|&r| &novel[rows[r]]).collect();
            if units.len() < MIN_THEME_UNITS {
                return None;
            }
            let terms: Vec<String> = centroids
                .top_terms(theme, LABEL_TERMS)
                .into_iter()
                .map(|(t, _)| space.terms()[t].clone())
                .collect();
            let mut scored: Vec<(f32, usize)> = members
                .iter()
                .map(|&r| {
                    let s = centroids.similarities(tfidf.row(r));
                    (s.get(theme).copied().unwrap_or(0.0), r)
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            Some(EmergingTheme {
                label: terms.join("·"),
                terms,
                units: units.len(),
                articles: articles(&mut units.iter().copied()),
                representatives: scored
                    .iter()
                    .take(REPRESENTATIVES)
                    .map(|&(_, r)| {
                        let u = &novel[rows[r]];
                        EmergingUnit {
                            doc: u.doc.clone(),
                            line: u.line,
                            part: u.part,
                            paragraph: u.paragraph,
                            record: u.record,
                            text: u.text.clone(),
                        }
                    })
                    .collect(),
            })
        })
        .collect();
    themes.sort_by(|a, b| b.units.cmp(&a.units).then_with(|| a.label.cmp(&b.label)));
    themes
}
