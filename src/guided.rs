//! Guided themes: the user names the themes they care about (`--themes FILE.toml`) and the
//! rest are discovered.
//!
//! ```toml
//! [[theme]]
//! name = "算力与芯片"
//! words = ["算力", "芯片", "GPU", "禁运", "卡脖子"]
//! ```
//!
//! Each named theme becomes a k-means starting centre: its seed words form a pseudo-document
//! (each word once), weighted with the corpus idf like any unit, L2-normalised, projected into
//! the LSA space with [`Embedding::components`] and L2-normalised again. Seed words are also
//! added to jieba's dictionary so they segment whole (`行业大模型`, `卡脖子`).
//!
//! After k-means a theme grown from a seed keeps the seed's name when its centre stays close to
//! the seed: cosine(final centre, seed vector) ≥ [`KEEP_NAME_COSINE`]. A theme that drifted
//! further is reported as discovered (term label only, `name: null`, `guided: true`) with a
//! warning, so a name is never put on paragraphs its words do not describe.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::stages::kmeans::{KChoice, SeededClustering};
use crate::stages::lsa::Embedding;
use crate::stages::segment::normalize_term;
use crate::stages::tfidf::Vocabulary;

/// The bundled themes for the bundled seed articles (`seeds/themes.toml`), used by a bare
/// `--themes` so it works from any folder.
pub const BUNDLED_THEMES: &str = include_str!("../seeds/themes.toml");
/// The name the bundled themes file goes by in messages.
pub const BUNDLED_THEMES_PATH: &str = "seeds/themes.toml";

/// A theme keeps its name when the cosine between its final centre and its seed vector is at
/// least this. Seed vectors are sharp (a handful of words) and centres are averages of whole
/// paragraphs, so a theme that is really about its words sits around 0.4–0.8; one that was
/// pulled onto other material falls well below 0.3.
pub const KEEP_NAME_COSINE: f64 = 0.3;

/// One named theme as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedTheme {
    /// The name shown in reports (`算力与芯片`).
    pub name: String,
    /// Seed words, as written, in order, without duplicates.
    pub words: Vec<String>,
}

/// A checked themes file: at least one theme, unique non-empty names, non-empty word lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guide {
    /// Where the themes came from (for messages and `params.themes_file`).
    pub path: PathBuf,
    /// The named themes, in file order.
    pub themes: Vec<NamedTheme>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemesFile {
    #[serde(default)]
    theme: Vec<RawTheme>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: String,
    words: Vec<String>,
}

/// The largest themes file read (16 MiB): a list of themes and seed words is a few KB.
pub const MAX_THEMES_FILE_BYTES: u64 = 16 << 20;

const EXAMPLE: &str = "[[theme]] name = \"算力与芯片\" words = [\"算力\", \"芯片\"]";

impl Guide {
    /// Reads and checks a themes file (UTF-8 TOML).
    pub fn load(path: &Path) -> Result<Guide> {
        let bytes = crate::stages::ingest::read_file_bounded(path, MAX_THEMES_FILE_BYTES).map_err(
            |err| match err {
                Error::Binary { path } => Error::Themes {
                    path,
                    reason: "looks like a binary file, not a TOML themes file".into(),
                },
                Error::TooLarge { path, .. } => Error::Themes {
                    path,
                    reason: format!(
                        "more than {} ({MAX_THEMES_FILE_BYTES} bytes), more than any list of \
                         themes and seed words needs; check that this is the themes file",
                        crate::stages::ingest::ByteSize(MAX_THEMES_FILE_BYTES)
                    ),
                },
                other => other,
            },
        )?;
        let text = String::from_utf8(bytes).map_err(|_| Error::Themes {
            path: path.to_path_buf(),
            reason: "not UTF-8 text; save the themes file as UTF-8".into(),
        })?;
        Guide::parse(&text, path)
    }

    /// The bundled themes for the bundled seed articles.
    pub fn bundled() -> Result<Guide> {
        Guide::parse(BUNDLED_THEMES, Path::new(BUNDLED_THEMES_PATH))
    }

    /// Parses and checks themes-file text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Guide> {
        let fail = |reason: String| Error::Themes {
            path: path.to_path_buf(),
            reason,
        };
        let file: ThemesFile = toml::from_str(text).map_err(|e| {
            fail(format!(
                "not a valid themes file: {}; each theme is a table like {EXAMPLE}",
                e.to_string().trim_end()
            ))
        })?;
        if file.theme.is_empty() {
            return Err(fail(format!(
                "no [[theme]] tables; add at least one, e.g. {EXAMPLE}"
            )));
        }
        let mut themes: Vec<NamedTheme> = Vec::with_capacity(file.theme.len());
        for (i, raw) in file.theme.into_iter().enumerate() {
            let name = raw.name.trim().to_string();
            if name.is_empty() {
                return Err(fail(format!(
                    "theme {} has an empty name; give every [[theme]] a name",
                    i + 1
                )));
            }
            if let Some(j) = themes.iter().position(|t| t.name == name) {
                return Err(fail(format!(
                    "theme name “{name}” is used twice (themes {} and {}); names must be unique",
                    j + 1,
                    i + 1
                )));
            }
            let mut words: Vec<String> = Vec::with_capacity(raw.words.len());
            let mut seen: std::collections::HashSet<String> = Default::default();
            for word in raw.words {
                let word = word.trim().to_string();
                if word.is_empty() {
                    return Err(fail(format!(
                        "theme “{name}” has an empty seed word; remove the \"\" from its words"
                    )));
                }
                if seen.insert(word.clone()) {
                    words.push(word);
                }
            }
            if words.is_empty() {
                return Err(fail(format!(
                    "theme “{name}” has no seed words; list some, e.g. words = [\"算力\", \"芯片\"]"
                )));
            }
            themes.push(NamedTheme { name, words });
        }
        Ok(Guide {
            path: path.to_path_buf(),
            themes,
        })
    }

    /// Every seed word of every theme (for jieba's dictionary).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.themes
            .iter()
            .flat_map(|t| t.words.iter().map(String::as_str))
    }

    /// Checks `k` against the number of named themes before any work is done.
    pub fn check_k(&self, k: KChoice) -> Result<()> {
        let s = self.themes.len();
        match k {
            KChoice::Fixed(k) if k < s => Err(Error::Setting {
                setting: crate::settings::defs::K.name,
                value: k.to_string(),
                problem: crate::error::SettingProblem::FewerThanNamedThemes {
                    named: s,
                    file: Some(self.path.clone()),
                },
            }),
            _ => Ok(()),
        }
    }
}

/// The named themes placed in the LSA space.
#[derive(Debug, Clone)]
pub struct Seeds {
    /// One L2-normalised starting centre per named theme (`themes × dims`).
    pub centres: Array2<f64>,
    /// Warnings about seed words the corpus vocabulary lacks.
    pub warnings: Vec<String>,
    /// The named themes (indices into the guide's themes) none of whose seed words is in the
    /// corpus vocabulary: they have no row in `centres` and are reported as empty themes.
    pub absent: Vec<usize>,
}

/// Turns each named theme's seed words into a starting centre in the LSA space.
///
/// A seed word counts when its normal form (Latin lower-cased, as [`normalize_term`] does) is
/// in the corpus vocabulary. Missing words give a warning naming them; a theme with no word
/// present gets no centre ([`Seeds::absent`]) and a warning: it is reported empty. When no
/// named theme has a word present, there is nothing to guide by: an error.
pub fn seed_centres(guide: &Guide, vocab: &Vocabulary, embedding: &Embedding) -> Result<Seeds> {
    let ids: HashMap<&str, usize> = vocab
        .terms
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let dims = embedding.components.nrows();
    let mut rows: Vec<Array1<f64>> = Vec::with_capacity(guide.themes.len());
    let mut warnings = Vec::new();
    let mut absent = Vec::new();
    for (index, theme) in guide.themes.iter().enumerate() {
        let mut present: Vec<usize> = Vec::new();
        let mut missing: Vec<&str> = Vec::new();
        for word in &theme.words {
            match normalize_term(word).and_then(|t| ids.get(t.as_ref()).copied()) {
                Some(id) if !present.contains(&id) => present.push(id),
                Some(_) => {}
                None => missing.push(word),
            }
        }
        if present.is_empty() {
            warnings.push(format!(
                "{}: theme “{}”: none of its seed words ({}) is in the corpus vocabulary, so \
                 it is reported empty; use words the articles use (a word must occur in at \
                 least --min-df paragraphs and at most --max-df of them), or remove the theme",
                guide.path.display(),
                theme.name,
                theme.words.join(", ")
            ));
            absent.push(index);
            continue;
        }
        if !missing.is_empty() {
            warnings.push(format!(
                "{}: theme “{}”: {} not in the corpus vocabulary, ignored: {} \
                 (too rare, too common or stop words)",
                guide.path.display(),
                theme.name,
                if missing.len() == 1 {
                    "seed word"
                } else {
                    "seed words"
                },
                missing.join(", ")
            ));
        }
        // The pseudo-document: each present word once (tf 1), weighted by idf, L2-normalised,
        // then projected: LSA coordinates = tfidf_row · componentsᵀ.
        let weights: Vec<f64> = present.iter().map(|&id| vocab.idf[id] as f64).collect();
        let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
        let mut centre = Array1::<f64>::zeros(dims);
        for (&id, &w) in present.iter().zip(&weights) {
            centre.scaled_add(w / norm, &embedding.components.column(id));
        }
        let length = centre.dot(&centre).sqrt();
        if length < 1e-9 {
            return Err(Error::Themes {
                path: guide.path.clone(),
                reason: format!(
                    "theme “{}”: its seed words carry no weight in the LSA space; try more or \
                     other words, or a larger --dims",
                    theme.name
                ),
            });
        }
        rows.push(centre / length);
    }
    if rows.is_empty() {
        return Err(Error::Themes {
            path: guide.path.clone(),
            reason: "no named theme has a seed word in the corpus vocabulary; use words the \
                     articles use (a word must occur in at least --min-df paragraphs and at \
                     most --max-df of them)"
                .to_string(),
        });
    }
    let mut centres = Array2::<f64>::zeros((rows.len(), dims));
    for (mut row, centre) in centres.rows_mut().into_iter().zip(rows) {
        row.assign(&centre);
    }
    Ok(Seeds {
        centres,
        warnings,
        absent,
    })
}

/// What a final theme is called.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeName {
    /// The user's name when the theme kept it, else `None` (a discovered theme).
    pub name: Option<String>,
    /// True when the theme grew from a named seed (even if it drifted and lost the name).
    pub guided: bool,
}

/// Names the themes of a guided clustering by the rule in the module docs, and returns warnings
/// for named themes that drifted away from their words or attracted no unit at all.
pub fn name_themes(
    guide: &Guide,
    seeds: &Seeds,
    seeded: &SeededClustering,
) -> (Vec<ThemeName>, Vec<String>) {
    let mut warnings = Vec::new();
    // Seed i of the clustering is the i-th named theme that has a centre.
    let present: Vec<usize> = (0..guide.themes.len())
        .filter(|i| !seeds.absent.contains(i))
        .collect();
    let mut found = vec![false; present.len()];
    let names = seeded
        .seed_of
        .iter()
        .enumerate()
        .map(|(theme, seed)| {
            let Some(seed) = *seed else {
                return ThemeName {
                    name: None,
                    guided: false,
                };
            };
            found[seed] = true;
            let centre = seeded.clustering.centroids.row(theme);
            let length = centre.dot(&centre).sqrt().max(f64::MIN_POSITIVE);
            let cosine = centre.dot(&seeds.centres.row(seed)) / length;
            let named = &guide.themes[present[seed]].name;
            if cosine >= KEEP_NAME_COSINE {
                ThemeName {
                    name: Some(named.clone()),
                    guided: true,
                }
            } else {
                warnings.push(format!(
                    "{}: theme “{named}” drifted away from its seed words (cosine {cosine:.2} < \
                     {KEEP_NAME_COSINE}) and is reported as theme {} without its name; its words \
                     may not describe a distinct theme in these articles",
                    guide.path.display(),
                    theme + 1
                ));
                ThemeName {
                    name: None,
                    guided: true,
                }
            }
        })
        .collect();
    for (seed, _) in found.iter().enumerate().filter(|(_, &f)| !f) {
        warnings.push(format!(
            "{}: theme “{}” attracted no paragraphs; other themes are closer to every one",
            guide.path.display(),
            guide.themes[present[seed]].name
        ));
    }
    (names, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Guide> {
        Guide::parse(text, Path::new("my.toml"))
    }

    #[test]
    fn parses_themes_and_dedupes_words() {
        let g = parse(
            "[[theme]]\nname = \" 算力与芯片 \"\nwords = [\"算力\", \"GPU\", \"算力\"]\n\
             [[theme]]\nname = \"监管\"\nwords = [\"备案\"]\n",
        )
        .unwrap();
        assert_eq!(g.themes.len(), 2);
        assert_eq!(g.themes[0].name, "算力与芯片");
        assert_eq!(g.themes[0].words, vec!["算力", "GPU"]);
        assert_eq!(g.words().collect::<Vec<_>>(), vec!["算力", "GPU", "备案"]);
    }

    #[test]
    fn bad_files_name_the_file_and_theme() {
        let err = |t: &str| parse(t).unwrap_err().to_string();
        let e = err("");
        assert!(e.starts_with("my.toml: no [[theme]]"), "{e}");
        let e = err("[[theme]]\nname = \"\"\nwords = [\"a\"]");
        assert!(e.contains("theme 1 has an empty name"), "{e}");
        let e = err("[[theme]]\nname = \"芯片\"\nwords = []");
        assert!(e.contains("“芯片” has no seed words"), "{e}");
        let e = err("[[theme]]\nname = \"芯片\"\nwords = [\" \"]");
        assert!(e.contains("“芯片” has an empty seed word"), "{e}");
        let e = err(
            "[[theme]]\nname = \"芯片\"\nwords = [\"a\"]\n[[theme]]\nname = \"芯片\"\nwords = [\"b\"]",
        );
        assert!(e.contains("“芯片” is used twice (themes 1 and 2)"), "{e}");
        let e = err("[[theme]]\nname = \"芯片\"\nword = [\"a\"]");
        assert!(e.starts_with("my.toml: not a valid themes file"), "{e}");
        assert!(e.contains("word"), "{e}");
    }

    #[test]
    fn k_below_named_themes_is_an_error() {
        let g = Guide::bundled().unwrap();
        let n = g.themes.len();
        assert!(g.check_k(KChoice::Auto).is_ok());
        assert!(g.check_k(KChoice::Fixed(n)).is_ok());
        let e = g.check_k(KChoice::Fixed(n - 1)).unwrap_err().to_string();
        assert!(e.contains(&format!("use --k {n} or more")), "{e}");
    }

    #[test]
    fn seed_centres_project_known_words_and_report_missing_ones() {
        // Three terms, two LSA dims: components map term 0 → dim 0, term 1 → dim 1.
        let vocab = Vocabulary {
            terms: vec!["算力".into(), "gpu".into(), "备案".into()],
            display: vec!["算力".into(), "GPU".into(), "备案".into()],
            df: vec![2, 2, 2],
            idf: vec![1.0, 1.0, 1.0],
        };
        let embedding = Embedding {
            vectors: Array2::zeros((0, 2)),
            singular_values: vec![1.0, 1.0],
            explained: 1.0,
            components: ndarray::array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
            projection: None,
        };
        let g = parse(
            "[[theme]]\nname = \"算力\"\nwords = [\"算力\", \"GPU\", \"禁运\"]\n\
             [[theme]]\nname = \"芯片\"\nwords = [\"GPU\"]",
        )
        .unwrap();
        let seeds = seed_centres(&g, &vocab, &embedding).unwrap();
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!((seeds.centres[[0, 0]] - h).abs() < 1e-12);
        assert!((seeds.centres[[0, 1]] - h).abs() < 1e-12);
        assert_eq!(seeds.centres.row(1).to_vec(), vec![0.0, 1.0]);
        assert_eq!(seeds.warnings.len(), 1);
        assert!(seeds.warnings[0].contains("“算力”") && seeds.warnings[0].contains("禁运"));

        // A theme none of whose words occur is kept as an empty theme with a
        // warning, as long as another theme has a word in the corpus.
        let g = parse(
            "[[theme]]\nname = \"外星\"\nwords = [\"外星人\"]\n\
             [[theme]]\nname = \"芯片\"\nwords = [\"GPU\"]",
        )
        .unwrap();
        let seeds = seed_centres(&g, &vocab, &embedding).unwrap();
        assert_eq!(seeds.absent.len(), 1);
        assert!(
            seeds
                .warnings
                .iter()
                .any(|w| w.contains("外星") && w.contains("外星人")),
            "{:?}",
            seeds.warnings
        );

        // When no theme has a word in the corpus, that is an error.
        let g = parse("[[theme]]\nname = \"外星\"\nwords = [\"外星人\"]").unwrap();
        let e = seed_centres(&g, &vocab, &embedding)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no named theme has a seed word in the corpus vocabulary"),
            "{e}"
        );
    }

    #[test]
    fn themes_keep_their_name_only_near_their_seed() {
        let g = parse(
            "[[theme]]\nname = \"近\"\nwords = [\"a\"]\n[[theme]]\nname = \"远\"\nwords = [\"b\"]\n\
             [[theme]]\nname = \"空\"\nwords = [\"c\"]",
        )
        .unwrap();
        let seeds = Seeds {
            centres: ndarray::array![[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]],
            warnings: Vec::new(),
            absent: Vec::new(),
        };
        // Theme 0: discovered; theme 1 from seed 0 (cosine 0.8); theme 2 from seed 1 (0.1).
        let clustering = crate::stages::kmeans::Clustering {
            k: 3,
            labels: vec![0, 1, 2],
            centroids: ndarray::array![[0.5, 0.5], [0.8, 0.6], [0.995, 0.0998]],
            scores: vec![1.0; 3],
            selection: None,
            restarts: Vec::new(),
        };
        let seeded = SeededClustering {
            clustering,
            seed_of: vec![None, Some(0), Some(1)],
        };
        let (names, warnings) = name_themes(&g, &seeds, &seeded);
        let plain = |name: Option<&str>, guided| ThemeName {
            name: name.map(str::to_string),
            guided,
        };
        assert_eq!(
            names,
            vec![
                plain(None, false),
                plain(Some("近"), true),
                plain(None, true)
            ]
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("“远” drifted") && warnings[0].contains("theme 3"));
        assert!(warnings[1].contains("“空” attracted no paragraphs"));
    }
}
