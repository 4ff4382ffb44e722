//! The saved theme model: one file holding what [`ThemeModel::assign`] needs, and nothing else
//! (no training texts, no report).
//!
//! Layout: an 8-byte magic `ZHUTIMDL`, the format version (`u32`, little-endian), the payload
//! length (`u64`), the payload's CRC-32 (`u32`), then the payload: [`postcard`] encoding of
//! [`Saved`]. postcard is serde's compact binary format with a documented, frozen wire format
//! (1.0): varint integers, no field names, so a model is about as small as its numbers and
//! loads at memory speed; bincode was the other candidate, but its 1.x/2.x formats differ and
//! its maintenance has stalled. The header is read first, so a report, a foreign file, a
//! truncated copy, a flipped bit or a newer format each get their own clear error
//! ([`ModelProblem`]) before anything is decoded. Writing goes through a temporary file and a
//! rename, so a model is never half-written.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ModelProblem, Result};
use crate::model::{ThemeInfo, ThemeModel};
use crate::stages::clean::Cleaner;
use crate::stages::kmeans::KMeans;
use crate::stages::lsa::Lsa;
use crate::stages::refine::TermCentroids;
use crate::stages::tfidf::TermSpace;
use crate::stages::units::UnitKind;

/// The first bytes of every model file.
pub const MAGIC: &[u8; 8] = b"ZHUTIMDL";
/// The model format this zhuti writes and reads. Bumped for any change of [`Saved`]: 3 added
/// the user's dictionary and stop words ([`Saved::user`]); 4 keeps the corpus's phrases apart
/// from the dictionary words, counted beside their parts ([`Saved::phrases`]); 5 remembers
/// the text field and encoding the corpus was read with ([`Saved::reading`]).
pub const FORMAT_VERSION: u32 = 5;
/// Magic, version, length, checksum.
const HEADER_LEN: usize = 8 + 4 + 8 + 4;

/// Everything a model file holds.
#[derive(Serialize, Deserialize)]
pub(crate) struct Saved {
    /// The zhuti version that wrote it.
    pub zhuti_version: String,
    /// When it was written (seconds since the Unix epoch).
    pub created_at: u64,
    /// The settings it was fitted with, as the report's `params` shows them (JSON).
    pub settings_json: String,
    /// What one unit is.
    pub unit: UnitKind,
    /// Articles, units and terms of the training corpus.
    pub documents: usize,
    /// Units clustered in training.
    pub units: usize,
    /// Themes: ids, labels, sizes, top terms, novelty thresholds.
    pub themes: Vec<ThemeInfo>,
    /// The id the next new theme gets.
    pub next_id: usize,
    /// Descent from the previous model's themes.
    pub lineage: Option<crate::lineage::Lineage>,
    /// Words added to jieba's dictionary.
    pub words: Vec<String>,
    /// The corpus's phrases, counted beside their parts.
    pub phrases: Vec<String>,
    /// The user's dictionary (`--user-dict`) and stop words (`--stop-words`): new articles
    /// are cut with them.
    pub user: crate::stages::segment::user::UserWords,
    /// The fitted stages.
    pub cleaner: Cleaner,
    /// TF-IDF space.
    pub space: TermSpace,
    /// LSA basis.
    pub lsa: Lsa,
    /// LSA theme centres.
    pub kmeans: KMeans,
    /// Theme term centroids (placement of refined themes, novelty of all).
    pub centroids: TermCentroids,
    /// The themes were refined on TF-IDF (the term centroids place units).
    pub refined: bool,
    /// How the training corpus was read (`--text-field`, `--encoding`): new articles are read
    /// alike unless a flag says otherwise.
    pub reading: crate::model::Reading,
}

/// Writes `model` to `path` atomically.
pub fn save(model: &ThemeModel, path: &Path) -> Result<()> {
    let payload = postcard::to_stdvec(&model.to_saved()).map_err(|e| Error::Numeric {
        stage: "model file",
        reason: e.to_string(),
    })?;
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    header.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    header.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    crate::report::write_atomic_with(path, |out| {
        out.write_all(&header)?;
        out.write_all(&payload)
    })
}

/// Reads a model written by [`save`].
pub fn load(path: &Path) -> Result<ThemeModel> {
    let read_error = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    // Mapped where it can be (read in place from the page cache, not copied first), else read.
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    let mapped = crate::linalg::map_file(&file);
    let read;
    let bytes: &[u8] = match &mapped {
        Some(map) => map,
        None => {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut buf).map_err(read_error)?;
            read = buf;
            &read
        }
    };
    let fail = |problem| Error::Model {
        path: path.to_path_buf(),
        problem,
    };
    let saved = decode(bytes).map_err(fail)?;
    Ok(ThemeModel::from_saved(saved))
}

/// Checks the header and decodes the payload.
fn decode(bytes: &[u8]) -> std::result::Result<Saved, ModelProblem> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(if MAGIC.starts_with(bytes) && !bytes.is_empty() {
            ModelProblem::Truncated
        } else {
            ModelProblem::NotAModel
        });
    }
    if bytes.len() < HEADER_LEN {
        return Err(ModelProblem::Truncated);
    }
    let word =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let version = word(8);
    match version.cmp(&FORMAT_VERSION) {
        std::cmp::Ordering::Greater => {
            return Err(ModelProblem::NewerVersion {
                found: version,
                supported: FORMAT_VERSION,
            })
        }
        std::cmp::Ordering::Less => {
            return Err(ModelProblem::OlderVersion {
                found: version,
                supported: FORMAT_VERSION,
            })
        }
        std::cmp::Ordering::Equal => {}
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[12..20]);
    let len = u64::from_le_bytes(len);
    let payload = &bytes[HEADER_LEN..];
    if (payload.len() as u64) < len {
        return Err(ModelProblem::Truncated);
    }
    if payload.len() as u64 > len || crc32fast::hash(payload) != word(20) {
        return Err(ModelProblem::Corrupt);
    }
    postcard::from_bytes(payload).map_err(|_| ModelProblem::Corrupt)
}

/// `#[serde(deserialize_with = "crate::model_file::f32s")]` for a model's large `Vec<f32>`s (the
/// LSA basis, the term centroids): serde's own `Vec` reserves at most 1 MiB up front whatever
/// length the format announces, so a 34 MB basis grew by doubling (five copies, and fresh pages
/// faulted in for each) and was most of a model's load time. This reserves the announced
/// length, up to [`MAX_RESERVED_F32S`] (a crafted length costs at most that much address space,
/// which is only touched as values arrive).
pub(crate) fn f32s<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Vec<f32>, D::Error> {
    struct Floats;
    impl<'de> serde::de::Visitor<'de> for Floats {
        type Value = Vec<f32>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sequence of f32")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Vec<f32>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_RESERVED_F32S));
            while let Some(x) = seq.next_element()? {
                out.push(x);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_seq(Floats)
}

/// Most `f32`s [`f32s`] reserves before reading them: 1 GiB.
const MAX_RESERVED_F32S: usize = 1 << 28;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;
    use crate::settings::Settings;
    use crate::stages::ingest;

    fn seed_model() -> ThemeModel {
        let corpus = ingest::load(&crate::seeds::bundled()).expect("seeds load");
        ThemeModel::fit(&corpus, &Settings::default(), &NoProgress).expect("fits")
    }

    #[test]
    fn a_saved_model_assigns_as_the_fitted_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("seeds.zhuti");
        let model = seed_model();
        save(&model, &path).expect("saves");
        let loaded = load(&path).expect("loads");
        assert!(loaded.analysis().is_none());
        assert_eq!(loaded.themes(), model.themes());
        let corpus = ingest::load(&crate::seeds::bundled()).expect("seeds load");
        let (a, b) = (model.segmenter(), loaded.segmenter());
        for article in &corpus.articles {
            assert_eq!(model.assign(article, &a), loaded.assign(article, &b));
        }
        // Saving the loaded model gives the same bytes but for the time stamp.
        let again = dir.path().join("again.zhuti");
        save(&loaded, &again).expect("saves again");
        let (x, y) = (
            std::fs::read(&path).unwrap(),
            std::fs::read(&again).unwrap(),
        );
        assert_eq!(x.len(), y.len());
    }

    #[test]
    fn bad_model_files_say_what_is_wrong() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("m.zhuti");
        save(&seed_model(), &path).expect("saves");
        let good = std::fs::read(&path).expect("reads");
        let check = |bytes: &[u8], want: ModelProblem, words: &str| {
            let bad = dir.path().join("bad.zhuti");
            std::fs::write(&bad, bytes).expect("writes");
            match load(&bad) {
                Err(Error::Model { problem, path }) => {
                    assert_eq!(problem, want);
                    assert_eq!(path, bad);
                    let message = Error::Model { path, problem }.to_string();
                    assert!(message.contains(words), "{message}");
                }
                other => panic!("expected a model error, got {other:?}"),
            }
        };
        check(
            &good[..good.len() / 2],
            ModelProblem::Truncated,
            "truncated",
        );
        check(&good[..5], ModelProblem::Truncated, "truncated");
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        check(&flipped, ModelProblem::Corrupt, "checksum");
        check(
            b"{\"schema_version\": 1}",
            ModelProblem::NotAModel,
            "zhuti fit",
        );
        let mut newer = good.clone();
        newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        check(
            &newer,
            ModelProblem::NewerVersion {
                found: FORMAT_VERSION + 1,
                supported: FORMAT_VERSION,
            },
            "upgrade zhuti",
        );
        let mut older = good;
        older[8..12].copy_from_slice(&0u32.to_le_bytes());
        check(
            &older,
            ModelProblem::OlderVersion {
                found: 0,
                supported: FORMAT_VERSION,
            },
            "fit the model again",
        );
    }
}
