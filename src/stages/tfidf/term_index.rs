//! Term → id for a fitted space's terms, made for [`super::TermSpace::row`], which looks up
//! every word of every text `assign` places.
//!
//! # Why by hand
//!
//! A `HashMap<String, u32>` (hashbrown, the standard one) costs three dependent cache misses
//! per lookup on a space of 100,000 terms: the control bytes, the bucket, then the key's own
//! heap bytes for the comparison. On fudan20 they were a tenth of `assign`'s time. Nearly
//! every term is at most 15 bytes (five Han characters), so here such a term *is* its key: its
//! bytes and length packed in a `u128`, stored in the slot beside its id, compared in one
//! instruction. A lookup is one slot (usually one cache line) found by open addressing, and a
//! caller can ask for that line early ([`TermIndex::prefetch`]) while it prepares the next
//! words. Longer terms go to an ordinary map. No crate offers inline short keys with a
//! prefetch hint; the table is 60 lines.

use rustc_hash::FxHashMap;

/// Longest term (bytes) kept inline: one byte of the `u128` holds the length.
const INLINE: usize = 15;

/// The golden-ratio multiplier that spreads packed keys over the slots.
const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;

/// One slot: a packed key (both halves 0 when empty: a packed key's length byte is never 0)
/// and its id.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Slot {
    key: [u64; 2],
    id: u32,
}

/// A term packed for the table: its bytes, then zeros, with the length in the last byte.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Packed([u64; 2]);

/// The index. `Default` is an empty one.
#[derive(Clone, PartialEq, Default)]
pub(crate) struct TermIndex {
    /// A power-of-two number of slots, at most half of them full.
    slots: Vec<Slot>,
    /// `64 - log2(slots.len())`: a spread key shifted right by it is its home slot.
    shift: u32,
    /// Terms longer than [`INLINE`] bytes.
    long: FxHashMap<String, u32>,
}

impl std::fmt::Debug for TermIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermIndex")
            .field("slots", &self.slots.len())
            .field("long", &self.long.len())
            .finish()
    }
}

impl TermIndex {
    /// The index of `terms` (distinct), term `i` with id `i`.
    pub(crate) fn new(terms: &[String]) -> TermIndex {
        let inline = terms.iter().filter(|t| pack(t).is_some()).count();
        let len = (inline * 2).next_power_of_two().max(16);
        let mut index = TermIndex {
            slots: vec![Slot::default(); len],
            shift: 64 - len.trailing_zeros(),
            long: FxHashMap::default(),
        };
        for (id, term) in (0u32..).zip(terms) {
            match pack(term) {
                Some(key) => {
                    let mut at = index.home(key);
                    while index.slots[at].key != [0, 0] {
                        at = (at + 1) & (len - 1);
                    }
                    index.slots[at] = Slot { key: key.0, id };
                }
                None => {
                    index.long.insert(term.clone(), id);
                }
            }
        }
        index
    }

    /// The home slot of `key`.
    #[inline]
    fn home(&self, key: Packed) -> usize {
        let [a, b] = key.0;
        ((a ^ b.wrapping_mul(SPREAD)).wrapping_mul(SPREAD) >> self.shift) as usize
    }

    /// Starts loading the slot where `key` would be, and returns that slot (its home, for
    /// [`TermIndex::get_from`], which then need not work it out again).
    #[inline]
    pub(crate) fn prefetch(&self, key: Packed) -> usize {
        let home = self.home(key);
        crate::linalg::prefetch_read(self.slots.as_ptr().wrapping_add(home));
        home
    }

    /// The id of the inline term `key`, whose home slot is `home` (as [`TermIndex::prefetch`]
    /// returned it).
    #[inline]
    pub(crate) fn get_from(&self, key: Packed, home: usize) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = home;
        loop {
            let slot = self.slots.get(at)?;
            if slot.key == key.0 {
                return Some(slot.id);
            }
            if slot.key == [0, 0] {
                return None;
            }
            at = (at + 1) & mask;
        }
    }

    /// The id of `term`.
    pub(crate) fn get(&self, term: &str) -> Option<u32> {
        match pack(term) {
            Some(key) => self.get_from(key, self.home(key)),
            None => self.long.get(term).copied(),
        }
    }
}

/// `term` packed for the table, or `None` when it is empty or longer than [`INLINE`] bytes.
#[inline]
pub(crate) fn pack(term: &str) -> Option<Packed> {
    let bytes = term.as_bytes();
    if bytes.is_empty() || bytes.len() > INLINE {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..bytes.len()].copy_from_slice(bytes);
    buf[INLINE] = bytes.len() as u8;
    let (low, high) = buf.split_at(8);
    Some(Packed([
        u64::from_le_bytes(low.try_into().ok()?),
        u64::from_le_bytes(high.try_into().ok()?),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_term_and_nothing_else() {
        let mut terms: Vec<String> = [
            "算力",
            "芯片",
            "gpt-4",
            "b端",
            "a",
            "一二三四五",
            "一二三四五六",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        // Enough terms to fill many slots and collide.
        terms.extend((0..5000).map(|i| format!("词{i}")));
        let index = TermIndex::new(&terms);
        for (id, term) in terms.iter().enumerate() {
            assert_eq!(index.get(term), Some(id as u32), "{term}");
        }
        // Six Han characters are 18 bytes: kept in the map of long terms.
        assert_eq!(index.long.len(), 1);
        for absent in [
            "",
            "算",
            "算力芯片",
            "词5000",
            "一二三四",
            "一二三四五六七",
            "gpt",
        ] {
            assert_eq!(index.get(absent), None, "{absent}");
        }
        // A prefix padded with zeros is not the term: the length is part of the key.
        assert_eq!(index.get("词1\0"), None);
        assert_eq!(TermIndex::new(&[]).get("算力"), None);
    }
}
