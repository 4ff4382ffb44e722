//! The user's own words: a dictionary in jieba's format (`--user-dict FILE`: `word [freq]
//! [tag]` per line) and extra stop words (`--stop-words FILE`: one word per line, added to the
//! bundled lists). Both are read into plain data ([`UserWord`], `Vec<String>`) by the functions
//! here, so a saved model can store them and rebuild the same segmenter. Blank lines and lines
//! starting with `#` are skipped; a bad line is an error naming the file and line.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One entry of a user dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserWord {
    /// The word, kept whole by the segmenter.
    pub word: String,
    /// jieba frequency (`None`: jieba's suggestion, high enough to keep the word whole).
    pub freq: Option<usize>,
    /// Part-of-speech tag (`nr` marks a person's name, which never labels a theme).
    pub tag: Option<String>,
}

fn read(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| Error::WordList {
        path: path.to_path_buf(),
        line: 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        reason: "not UTF-8 text; save the file as UTF-8".into(),
    })
}

/// The lines worth reading: 1-based number and trimmed text, skipping blanks and `#` comments.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().trim_start_matches('\u{feff}')))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// Parses a user dictionary in jieba's format: `word`, `word freq`, `word tag` or
/// `word freq tag`, separated by spaces or tabs.
pub fn parse_user_dict(path: &Path, text: &str) -> Result<Vec<UserWord>> {
    let bad = |line: usize, reason: String| Error::WordList {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut words = Vec::new();
    for (n, line) in lines(text) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (freq, tag) = match fields[1..] {
            [] => (None, None),
            [one] => match one.parse::<usize>() {
                Ok(f) => (Some(f), None),
                Err(_) if one.chars().all(|c| c.is_ascii_alphabetic()) => (None, Some(one)),
                Err(_) => {
                    return Err(bad(
                        n,
                        format!("`{one}` is neither a frequency nor a tag; write `word [freq] [tag]`, e.g. `垂直大模型 10 n`"),
                    ))
                }
            },
            [f, t] => match f.parse::<usize>() {
                Ok(f) if t.chars().all(|c| c.is_ascii_alphabetic()) => (Some(f), Some(t)),
                _ => {
                    return Err(bad(
                        n,
                        format!("`{f} {t}` should be a frequency (a whole number) and a tag (letters); write `word [freq] [tag]`, e.g. `垂直大模型 10 n`"),
                    ))
                }
            },
            _ => {
                return Err(bad(
                    n,
                    format!("{} fields; write `word [freq] [tag]` (a word has no spaces), e.g. `垂直大模型 10 n`", fields.len()),
                ))
            }
        };
        words.push(UserWord {
            word: fields[0].to_string(),
            freq,
            tag: tag.map(str::to_string),
        });
    }
    Ok(words)
}

/// Reads a user dictionary file ([`parse_user_dict`]).
pub fn load_user_dict(path: &Path) -> Result<Vec<UserWord>> {
    parse_user_dict(path, &read(path)?)
}

/// Parses a stop-word list: one word per line.
pub fn parse_stop_words(path: &Path, text: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    for (n, line) in lines(text) {
        if line.split_whitespace().count() > 1 {
            return Err(Error::WordList {
                path: path.to_path_buf(),
                line: n,
                reason: format!("`{line}` holds a space; write one stop word per line"),
            });
        }
        words.push(line.to_lowercase());
    }
    Ok(words)
}

/// Reads a stop-word file ([`parse_stop_words`]).
pub fn load_stop_words(path: &Path) -> Result<Vec<String>> {
    parse_stop_words(path, &read(path)?)
}

/// The user's dictionary and stop words (`--user-dict`, `--stop-words`), read once per run as
/// plain data; a fitted model keeps them, so `zhuti assign` cuts new articles as the training
/// corpus was cut.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserWords {
    /// Entries of the user dictionary.
    pub dictionary: Vec<UserWord>,
    /// Extra stop words (lower-cased).
    pub stop_words: Vec<String>,
}

impl UserWords {
    /// Reads the files named (none: empty).
    pub fn load(user_dict: Option<&Path>, stop_words: Option<&Path>) -> Result<Self> {
        Ok(UserWords {
            dictionary: match user_dict {
                Some(path) => load_user_dict(path)?,
                None => Vec::new(),
            },
            stop_words: match stop_words {
                Some(path) => load_stop_words(path)?,
                None => Vec::new(),
            },
        })
    }

    /// True when there are no user words.
    pub fn is_empty(&self) -> bool {
        self.dictionary.is_empty() && self.stop_words.is_empty()
    }

    /// The dictionary's words, for a dictionary scoped to some texts
    /// ([`super::Segmenter::for_texts`]).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.dictionary.iter().map(|w| w.word.as_str())
    }

    /// Adds these words to `segmenter`: the dictionary's entries kept whole (with their tags),
    /// the stop words beside the bundled ones.
    pub fn apply(&self, segmenter: &mut super::Segmenter) {
        segmenter.add_user_words(&self.dictionary);
        segmenter.add_stop_words(&self.stop_words);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dicts_read_jieba_lines_and_name_bad_ones() {
        let path = Path::new("my.dict");
        let words = parse_user_dict(
            path,
            "# mine\n垂直大模型\n百模大战 20\n侯方 nr\n\n卡脖子 5 v\n",
        )
        .unwrap();
        assert_eq!(words.len(), 4);
        assert_eq!(words[1].freq, Some(20));
        assert_eq!(words[2].tag.as_deref(), Some("nr"));
        assert_eq!(
            (words[3].freq, words[3].tag.as_deref()),
            (Some(5), Some("v"))
        );
        let err = parse_user_dict(path, "算力\n芯片 很多\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("my.dict:2: `很多`"), "{err}");
        let err = parse_user_dict(path, "a 1 n x\n").unwrap_err().to_string();
        assert!(err.starts_with("my.dict:1: 4 fields"), "{err}");
        let err = parse_stop_words(Path::new("s.txt"), "的\n两 个\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.txt:2:"), "{err}");
        assert_eq!(
            parse_stop_words(path, "Apple\n应用\n").unwrap(),
            ["apple", "应用"]
        );
    }
}
