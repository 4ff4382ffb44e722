//! Step 1 (its end), split: cut a line too long to be one unit (say, a file without line
//! breaks) into paragraph-sized pieces, so each piece is judged on its own. [`crate::clean`]
//! splits every normalised line with it; [`crate::units`] guards the units it builds with it.
// Input handling: no indexing that could panic on what users feed in.
#![deny(clippy::indexing_slicing)]

/// Paragraphs longer than this many characters are split at sentence ends, so a file with no
/// line breaks still gives paragraph-sized units.
pub const MAX_UNIT_CHARS: usize = 1200;

/// Splits text longer than [`MAX_UNIT_CHARS`] into pieces of at most that many characters,
/// cutting after the last sentence end (。！？!?；;) of each piece, or failing that after the
/// last clause break (，、：,: or a space), or failing that at the limit. A break in the first
/// quarter of a piece is not used, so pieces stay paragraph-sized. Short text comes back
/// whole. The pieces concatenate back to `text` exactly, none is empty, and the work is linear
/// in the length of `text`. Pieces come one at a time, so short text costs no allocation and
/// callers need no length check of their own.
pub fn split_long(text: &str) -> impl Iterator<Item = &str> {
    let whole = text.len() <= MAX_UNIT_CHARS || text.chars().count() <= MAX_UNIT_CHARS;
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest.take()?;
        if whole {
            return Some(current);
        }
        let (piece, tail) = first_piece(current);
        if !tail.is_empty() {
            rest = Some(tail);
        }
        Some(piece)
    })
}

/// The first piece [`split_long`] cuts from `rest`, and what follows it (empty when `rest`
/// fits in one piece).
fn first_piece(rest: &str) -> (&str, &str) {
    const MIN_PIECE: usize = MAX_UNIT_CHARS / 4;
    // Byte offsets just after the last sentence end and clause break in `rest`'s first
    // MAX_UNIT_CHARS characters (once at least MIN_PIECE characters in), and the limit.
    let mut sentence = None;
    let mut clause = None;
    let mut limit = rest.len();
    for (n, (offset, c)) in rest.char_indices().enumerate() {
        if n == MAX_UNIT_CHARS {
            limit = offset;
            break;
        }
        if n + 1 < MIN_PIECE {
            continue;
        }
        let after = offset + c.len_utf8();
        if matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';') {
            sentence = Some(after);
        } else if matches!(c, '，' | '、' | '：' | ',' | ':') || c.is_whitespace() {
            clause = Some(after);
        }
    }
    if limit == rest.len() {
        return (rest, "");
    }
    let cut = sentence.or(clause).unwrap_or(limit);
    // Every candidate is a char boundary; were it not, the rest would stay whole.
    rest.split_at_checked(cut).unwrap_or((rest, ""))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn long_text_splits_at_sentence_ends() {
        let pieces = |text| split_long(text).collect::<Vec<&str>>();
        let sentence = "大模型需要算力。".repeat(400); // 3200 chars
        let parts = pieces(&sentence);
        assert!(parts.len() >= 3);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_UNIT_CHARS));
        assert!(parts.iter().all(|p| p.ends_with('。')));
        assert_eq!(parts.concat(), sentence);
        // No sentence end: cut after the last clause break; none at all: cut at the limit.
        let clauses = "大模型需要算力，".repeat(400);
        let parts = pieces(&clauses);
        assert!(parts.iter().all(|p| p.ends_with('，')), "{parts:?}");
        assert_eq!(parts.concat(), clauses);
        // A sentence end in the first quarter is not used: the piece would be tiny.
        let early = format!("短句。{}", "算".repeat(2000));
        let parts = pieces(&early);
        assert_eq!(parts[0].chars().count(), MAX_UNIT_CHARS);
        let no_breaks = "算".repeat(2500);
        assert_eq!(pieces(&no_breaks).concat(), no_breaks);
        assert_eq!(pieces(&no_breaks).len(), 3);
    }
}
