//! Looking a word up in a table of lines sorted by their first field (`word rest…`), as the
//! bundled jieba dictionary and idf table are: a binary search over the text itself, so a
//! lookup needs no index built at start-up. Used by [`crate::stages::segment`] (part-of-speech
//! tags) and [`crate::stages::tfidf`] (background idf).

/// The rest of the line of `table` whose first space-separated field is `key` (what follows
/// the space; empty when the line holds only the key), or `None` when no line has it.
/// `table`'s lines must be sorted by that field in byte order.
pub(crate) fn find<'t>(table: &'t str, key: &str) -> Option<&'t str> {
    let bytes = table.as_bytes();
    let (mut lo, mut hi) = (0usize, bytes.len());
    // Invariant: `lo` and `hi` are line starts; every line starting before `lo` sorts below
    // `key`, every line starting at or after `hi` above it. The line holding `mid` starts at
    // or after `lo`, found by scanning back to the previous '\n'.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = bytes
            .get(..mid)?
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let end = bytes
            .get(start..)?
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| start + i);
        let line = table.get(start..end)?;
        let (entry, rest) = line.split_once(' ').unwrap_or((line, ""));
        match entry.as_bytes().cmp(key.as_bytes()) {
            std::cmp::Ordering::Equal => return Some(rest),
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_first_middle_last_and_missing_keys() {
        let table = "a 1\nbb 2 x\nc\nd 4";
        assert_eq!(find(table, "a"), Some("1"));
        assert_eq!(find(table, "bb"), Some("2 x"));
        assert_eq!(find(table, "c"), Some(""));
        assert_eq!(find(table, "d"), Some("4"));
        assert_eq!(find(table, "b"), None);
        assert_eq!(find(table, "e"), None);
        assert_eq!(find("", "a"), None);
    }
}
