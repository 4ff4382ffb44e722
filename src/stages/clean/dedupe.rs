//! Step 5, dedupe: near-duplicate paragraphs are clustered once. Two kept paragraphs are
//! near-duplicates when, compared on letters and digits only (lower-cased), they are equal, or
//! at least [`OVERLAP`] of the shorter one's character 4-grams occur in the longer one — which
//! covers containment (a pull-quote repeated in the body, a `导读:` summary that repeats the
//! first paragraph) and heavy overlap. The longer paragraph is kept (the first one on a tie);
//! the others are dropped as `duplicate` with a pointer to it.

use super::{Draft, Rule};

/// What a paragraph is compared with when looking for its duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DedupeScope {
    /// Every paragraph of the corpus: a paragraph repeated anywhere is clustered once (paragraph
    /// units, where two copies would be two units).
    #[default]
    Corpus,
    /// Paragraphs of the same article, then whole articles: a repeated paragraph stays in every
    /// article that quotes it, since it is part of what that article says, and only an article
    /// that repeats another is dropped (document units).
    Articles,
}

/// Share of the shorter paragraph's 4-grams that must occur in the longer one.
pub const OVERLAP: f64 = 0.8;
/// Character n-gram length of the shingles.
const SHINGLE: usize = 4;
/// Shingles shared by more kept paragraphs than this are too common to find candidates with.
const MAX_POSTINGS: usize = 64;
// `find_twins` counts a list's postings in a `u8`.
const _: () = assert!(MAX_POSTINGS <= u8::MAX as usize);
/// Dropped paragraphs a list of candidates may hold before the postings reach past it (see
/// [`mark`]).
const SLACK: usize = 16;
/// One shingle in this many (by hash) is used to find candidates.
const SAMPLE: u32 = 4;

/// The comparison key: letters and digits, lower-cased.
pub fn key(text: &str) -> Vec<char> {
    let mut key = Vec::with_capacity(text.len() / 2);
    super::normalize::letter_key(text, |c| key.push(c));
    key
}

/// Does the text end in an ellipsis (a summary or teaser cut short)?
pub fn is_truncated(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with('…') || t.ends_with("...")
}

/// The hashed character 4-grams of a key (the whole key when shorter), sorted and deduplicated.
pub fn shingles(key: &[char]) -> Vec<u32> {
    let hash = |w: &[char]| fnv(w.iter().map(|&c| u32::from(c)));
    let mut out: Vec<u32> = if key.len() < SHINGLE {
        vec![hash(key)]
    } else {
        key.windows(SHINGLE).map(hash).collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Share of `a`'s shingles that are also in `b` (both sorted).
pub fn overlap(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f64 / a.len() as f64
}

/// [`overlap`] when it is at least [`OVERLAP`], else `None`; stops comparing as soon as the
/// shingles left in `a` cannot bring it up to [`OVERLAP`] any more. When `b` is much longer
/// than `a` (a short paragraph against a long one), each shingle of `a` is looked up in `b` by
/// galloping search instead of walking all of `b`.
fn overlap_reaching(a: &[u32], b: &[u32]) -> Option<f64> {
    if a.is_empty() {
        return None;
    }
    let reaches = |shared: usize| shared as f64 / a.len() as f64 >= OVERLAP;
    let shared = if b.len() > 8 * a.len() {
        let (mut j, mut missed) = (0, 0);
        for &x in a {
            j += gallop(&b[j..], x);
            if b.get(j) == Some(&x) {
                j += 1;
            } else {
                missed += 1;
                // Every shingle missed in `a` lowers the best overlap still possible.
                if !reaches(a.len() - missed) {
                    return None;
                }
            }
        }
        a.len() - missed
    } else {
        let (mut i, mut j, mut shared) = (0, 0, 0usize);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => {
                    i += 1;
                    if !reaches(shared + a.len() - i) {
                        return None;
                    }
                }
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        shared
    };
    let o = shared as f64 / a.len() as f64;
    (o >= OVERLAP).then_some(o)
}

/// The first index of sorted `b` whose value is at least `x` (`b.len()` when none): steps of
/// doubling length from the front, then a binary search in the last step.
fn gallop(b: &[u32], x: u32) -> usize {
    let mut step = 1;
    let mut lo = 0;
    while lo + step <= b.len() && b[lo + step - 1] < x {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step).min(b.len());
    lo + b[lo..hi].partition_point(|&v| v < x)
}

/// Shingles used to find candidates: a fixed quarter of them (by hash), so that a paragraph
/// contained in another has its sample contained in the other's sample.
fn sample(set: &[u32]) -> impl Iterator<Item = u32> + '_ {
    set.iter().copied().filter(|h| h % SAMPLE == 0)
}

/// FNV-1a of a run of key characters: the shingle hash (deterministic across runs and
/// platforms; which shingles are sampled depends on it).
#[inline]
fn fnv(chars: impl IntoIterator<Item = u32>) -> u32 {
    chars
        .into_iter()
        .fold(0x811c_9dc5_u32, |h, c| (h ^ c).wrapping_mul(0x0100_0193))
}

/// A text to compare: the kept lines (`rule == None`) of `lines`, read one after another as
/// one text (a paragraph is one line; a whole article is all of its lines). `lines[0]` is kept.
#[derive(Clone, Copy)]
struct Unit<'a> {
    /// Article index.
    doc: usize,
    /// Index in the article of `lines[0]`.
    first: usize,
    lines: &'a [Draft],
}

impl<'a> Unit<'a> {
    fn kept(self) -> impl DoubleEndedIterator<Item = &'a str> {
        self.lines
            .iter()
            .filter(|d| d.rule.is_none())
            .map(|d| d.text.as_str())
    }

    /// [`key`] of the kept lines joined by line breaks.
    fn key(self) -> Vec<char> {
        let mut key = Vec::new();
        for text in self.kept() {
            super::normalize::letter_key(text, |c| key.push(c));
        }
        key
    }

    /// [`is_truncated`] of the kept lines joined by line breaks.
    fn truncated(self) -> bool {
        self.kept()
            .rev()
            .find(|t| !t.trim_end().is_empty())
            .is_some_and(is_truncated)
    }
}

/// The verdicts of near-duplicate units: every kept line of a unit with a twin becomes
/// [`Rule::Duplicate`] pointing at the twin's (article index, first kept line), as
/// (article index, line index, rule).
fn duplicates(units: &[Unit<'_>], slack: usize) -> Vec<(usize, usize, Rule)> {
    let twins = find_twins(units, slack);
    let mut verdicts = Vec::new();
    for (u, &twin) in units.iter().zip(&twins) {
        let Some(twin) = units.get(twin as usize) else {
            continue;
        };
        let Some(twin_line) = twin.lines.first().map(|d| d.line) else {
            continue;
        };
        let rule = Rule::Duplicate(twin.doc, twin_line);
        for (i, d) in u.lines.iter().enumerate() {
            if d.rule.is_none() {
                verdicts.push((u.doc, u.first + i, rule));
            }
        }
    }
    verdicts
}

/// What the decisions need to know of one unit, worked out in parallel before them.
struct Candidate<'s> {
    /// Index in the units.
    unit: u32,
    truncated: bool,
    /// Characters in the key.
    len: usize,
    /// A hash of the key (equal keys, equal hashes).
    hash: u64,
    /// The unit's [`shingles`] (empty while they are made: then `chunk` and `start..end` say
    /// where they are in the scan's buffers).
    shingles: &'s [u32],
    chunk: u32,
    start: usize,
    end: usize,
    /// How many of the shingles are in the sample.
    sampled: u32,
}

/// Units per chunk of the parallel scan (each chunk keeps its shingles in one buffer).
const SCAN_CHUNK: usize = 512;

/// Appends `unit`'s sorted, deduplicated shingles to `buf` (exactly [`shingles`] of its
/// [`key`], without building the key) and returns the candidate, its shingles at `start..`.
fn scan(unit: Unit<'_>, index: usize, chunk: usize, buf: &mut Vec<u32>) -> Candidate<'static> {
    let start = buf.len();
    let (len, hash) = hash_shingles(unit, buf);
    let end = sort_dedup(buf, start);
    Candidate {
        unit: index as u32,
        truncated: unit.truncated(),
        len,
        hash,
        chunk: chunk as u32,
        start,
        end,
        shingles: &[],
        sampled: sample(&buf[start..end]).count() as u32,
    }
}

/// Appends the shingles of `unit`'s [`key`] to `buf` in key order, without building the key;
/// returns the key's length and hash.
fn hash_shingles(unit: Unit<'_>, buf: &mut Vec<u32>) -> (usize, u64) {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    let mut window = [0u32; SHINGLE];
    let mut len = 0usize;
    for text in unit.kept() {
        super::normalize::letter_key(text, |c| {
            hasher.write_u32(c as u32);
            window.copy_within(1.., 0);
            window[SHINGLE - 1] = c as u32;
            len += 1;
            if len >= SHINGLE {
                buf.push(fnv(window));
            }
        });
    }
    if len < SHINGLE {
        // The whole (short) key is the one shingle; its characters end the window.
        buf.push(fnv(window[SHINGLE - len..].iter().copied()));
    }
    (len, hasher.finish())
}

/// Sorts and deduplicates `buf[start..]`, truncating `buf` to what is left; returns its end.
fn sort_dedup(buf: &mut Vec<u32>, start: usize) -> usize {
    let end = start + sort_dedup_in(&mut buf[start..]);
    buf.truncate(end);
    end
}

/// Sorts `set` and moves its distinct values to the front, in order; returns how many.
fn sort_dedup_in(set: &mut [u32]) -> usize {
    set.sort_unstable();
    let mut distinct = 0;
    for r in 0..set.len() {
        if distinct == 0 || set[r] != set[distinct - 1] {
            set[distinct] = set[r];
            distinct += 1;
        }
    }
    distinct
}

/// The paragraphs in at least `need` of the lists `short` and `long` into `alive`, where
/// `short` are the `lists - need + 1` shortest (so every such paragraph is in one of them).
/// `hits` counts the lists each paragraph was met in; those met are added to `touched`, and
/// the caller sets their hits back to 0.
fn count_hits(
    short: &[&[u32]],
    long: &[&[u32]],
    need: u32,
    hits: &mut [u32],
    touched: &mut Vec<u32>,
    alive: &mut Vec<u32>,
) {
    for list in short {
        for &k in *list {
            let h = &mut hits[k as usize];
            if *h == 0 {
                touched.push(k);
            }
            *h += 1;
        }
    }
    // The longer lists, shortest first, only for paragraphs that can still reach `need`:
    // most found in the short lists are out after a list or two.
    alive.clear();
    alive.extend_from_slice(touched);
    for (j, list) in long.iter().enumerate() {
        if alive.is_empty() {
            break;
        }
        if alive.len() * 8 < list.len() {
            for &k in alive.iter() {
                if list.binary_search(&k).is_ok() {
                    hits[k as usize] += 1;
                }
            }
        } else {
            for &k in *list {
                if hits[k as usize] > 0 {
                    hits[k as usize] += 1;
                }
            }
        }
        let left = (long.len() - j - 1) as u32;
        alive.retain(|&k| hits[k as usize] + left >= need);
    }
}

/// Sorts one bucket of (shingle << 32 | position) pairs whose positions ascend: by the low
/// `bits` of the shingle (the bucket fixes the rest), keeping the order of equal ones, which
/// makes it the order of the values. Two stable counting passes.
fn sort_bucket(pairs: &mut Vec<u64>, bits: u32) {
    if pairs.len() < 1 << 10 {
        pairs.sort_unstable();
        return;
    }
    let low = bits / 2;
    let mut other = vec![0u64; pairs.len()];
    for (shift, width) in [(32, low), (32 + low, bits - low)] {
        let digit = |x: u64| ((x >> shift) & ((1 << width) - 1)) as usize;
        let mut at = vec![0usize; 1 << width];
        for &x in pairs.iter() {
            at[digit(x)] += 1;
        }
        let mut sum = 0;
        for slot in at.iter_mut() {
            let count = *slot;
            *slot = sum;
            sum += count;
        }
        for &x in pairs.iter() {
            let slot = &mut at[digit(x)];
            other[*slot] = x;
            *slot += 1;
        }
        std::mem::swap(pairs, &mut other);
    }
}

/// Marks near-duplicate kept paragraphs (`rule == None`) across the whole corpus as
/// [`Rule::Duplicate`] pointing at the kept twin's (article index, line).
///
/// Candidates are found through a sample of the shingles (a quarter, chosen by hash) and
/// then checked on all of them, so the cost stays near-linear on large corpora; a very short
/// paragraph whose sample is empty is only matched when equal.
///
/// Paragraphs are decided one at a time in a fixed order (complete before truncated, longest
/// first, then corpus order), each against the paragraphs kept before it. Everything that does
/// not depend on those decisions — keys, shingles, which paragraphs have equal keys, which
/// sampled shingles more than one paragraph has, and which earlier paragraphs could be a
/// paragraph's twin if few enough were dropped — is worked out first, in parallel and
/// collected in a fixed order, so the result does not depend on the number of threads and the
/// one-at-a-time part only checks those possible twins (or, where more than [`SLACK`] were
/// dropped from a list, does the whole search).
pub fn mark(docs: &mut [Vec<Draft>]) {
    mark_with(docs, SLACK);
}

/// [`mark`] with `slack` in place of [`SLACK`] (tests try the slow path with little).
fn mark_with(docs: &mut [Vec<Draft>], slack: usize) {
    let verdicts = duplicates(&paragraphs(docs), slack);
    for (doc, idx, rule) in verdicts {
        docs[doc][idx].rule = Some(rule);
    }
}

/// The order of decisions: complete before truncated, longest first, then unit order (a unique
/// key, so an unstable sort is deterministic).
fn decision_order(a: &Candidate<'_>, b: &Candidate<'_>) -> std::cmp::Ordering {
    (a.truncated, b.len, a.unit).cmp(&(b.truncated, a.len, b.unit))
}

/// Every kept paragraph of `docs` as a unit.
/// Each article as one unit: its kept text, under its first kept line (articles with none
/// are left out).
fn articles(docs: &[Vec<Draft>]) -> Vec<Unit<'_>> {
    docs.iter()
        .enumerate()
        .filter_map(|(doc, lines)| {
            let first = lines.iter().position(|d| d.rule.is_none())?;
            Some(Unit {
                doc,
                first,
                lines: &lines[first..],
            })
        })
        .collect()
}

fn paragraphs(docs: &[Vec<Draft>]) -> Vec<Unit<'_>> {
    docs.iter()
        .enumerate()
        .flat_map(|(doc, lines)| {
            (0..lines.len())
                .filter(|&i| lines[i].rule.is_none())
                .map(move |first| Unit {
                    doc,
                    first,
                    lines: &lines[first..first + 1],
                })
        })
        .collect()
}

/// For every unit, the index of its kept twin (`u32::MAX` for none): the decisions of [`mark`].
/// A lone unit has no twin; up to [`ONE_BY_ONE`] units (an article's paragraphs) are decided by
/// [`find_twins_one_by_one`], more by [`find_twins_many`] (the same decisions).
fn find_twins(units: &[Unit<'_>], slack: usize) -> Vec<u32> {
    match units.len() {
        0 | 1 => vec![u32::MAX; units.len()],
        n if n <= ONE_BY_ONE => find_twins_one_by_one(units),
        _ => find_twins_many(units, slack),
    }
}

/// Most units [`find_twins_one_by_one`] decides: more are a corpus, which
/// [`find_twins_many`] decides in parallel. An article has fewer (fudan20's longest has 1,071
/// lines), and articles are cleaned in parallel already.
const ONE_BY_ONE: usize = 1 << 12;

/// [`find_twins`] for up to [`ONE_BY_ONE`] units (an article's paragraphs, as `assign` cleans
/// one article at a time), one unit at a time, as the algorithm [`find_twins_many`]
/// parallelises decides them: a kept unit is a candidate when it is among the postings (the
/// first [`MAX_POSTINGS`] kept units) of at least half of this unit's sampled shingles. This
/// skips the tables `find_twins_many` builds for its parallel part (thousands of buckets and
/// lists), which cost more than an article's comparisons.
///
/// Only the sampled shingles (a quarter) that more than one unit may have are sorted up front,
/// every unit's in one sort ([`sampled_pairs`]): they decide which units are candidates, and
/// most units of an article have none. The others
/// wait, unsorted, until a comparison needs them.
fn find_twins_one_by_one(units: &[Unit<'_>]) -> Vec<u32> {
    const NONE: u32 = u32::MAX;
    // Every unit's shingles in key order in `all` (at `start..end` of its candidate): at most
    // one a character, so never more than the kept text's bytes.
    let bytes: usize = units.iter().flat_map(|u| u.kept()).map(str::len).sum();
    let mut all = Vec::with_capacity(bytes + units.len());
    let mut candidates: Vec<Candidate<'_>> = units
        .iter()
        .enumerate()
        .map(|(i, &u)| {
            let start = all.len();
            let (len, hash) = hash_shingles(u, &mut all);
            Candidate {
                unit: i as u32,
                truncated: u.truncated(),
                len,
                hash,
                chunk: 0,
                start,
                end: all.len(),
                shingles: &[],
                sampled: 0,
            }
        })
        .collect();
    candidates.sort_unstable_by(decision_order);
    let n = candidates.len();
    // The sampled shingles more than one position has, numbered: `ids[of[p]..of[p + 1]]` are
    // position `p`'s, and list `id` holds its postings at `posted[first[id]..]`, room for as
    // many as the positions with it (at most MAX_POSTINGS), `posted_len[id]` of them filled.
    // All from the (shingle, position) pairs of the samples that may be shared, sorted and
    // deduplicated ([`sampled_pairs`], which also counts each position's distinct sampled
    // shingles).
    let pairs = sampled_pairs(&mut candidates, &all);
    let mut of = vec![0u32; n + 1];
    let mut first: Vec<u32> = Vec::new();
    let mut room = 0u32;
    for run in pairs.chunk_by(|a, b| a >> 32 == b >> 32) {
        if run.len() > 1 {
            for &x in run {
                of[position(x) + 1] += 1;
            }
            first.push(room);
            room += run.len().min(MAX_POSTINGS) as u32;
        }
    }
    for p in 0..n {
        of[p + 1] += of[p];
    }
    let mut ids = vec![0u32; of[n] as usize];
    let mut fill = of.clone();
    for (id, run) in pairs
        .chunk_by(|a, b| a >> 32 == b >> 32)
        .filter(|run| run.len() > 1)
        .enumerate()
    {
        for &x in run {
            let slot = &mut fill[position(x)];
            ids[*slot as usize] = id as u32;
            *slot += 1;
        }
    }
    drop(fill);
    drop(pairs);
    let mut posted = vec![0u32; room as usize];
    let mut posted_len = vec![0u8; first.len()];
    // Where the [`shingles`] of position `p` are in `all`: sorted and deduplicated in place
    // when `p` is first compared.
    let mut sorted: Vec<Option<std::ops::Range<usize>>> = vec![None; n];
    let mut shingles = |p: usize, all: &mut [u32]| {
        let c = &candidates[p];
        sorted[p]
            .get_or_insert_with(|| c.start..c.start + sort_dedup_in(&mut all[c.start..c.end]))
            .clone()
    };
    // Kept positions by key hash and length, for equal keys.
    let mut kept_keys: rustc_hash::FxHashMap<(u64, usize), Vec<usize>> = Default::default();
    let mut hits = vec![0u32; n];
    let mut touched: Vec<usize> = Vec::new();
    let mut twins = vec![NONE; units.len()];
    for p in 0..n {
        let c = &candidates[p];
        // An equal key: the first kept unit with it.
        let mut twin = kept_keys.get(&(c.hash, c.len)).and_then(|same| {
            same.iter()
                .copied()
                .find(|&q| units[candidates[q].unit as usize].key() == units[c.unit as usize].key())
        });
        let mine = &ids[of[p] as usize..of[p + 1] as usize];
        if twin.is_none() {
            let need = c.sampled.div_ceil(2).max(1);
            for &id in mine {
                let start = first[id as usize] as usize;
                for &q in &posted[start..start + usize::from(posted_len[id as usize])] {
                    let h = &mut hits[q as usize];
                    if *h == 0 {
                        touched.push(q as usize);
                    }
                    *h += 1;
                }
            }
            // The highest overlap wins; on a tie, the one kept first.
            touched.sort_unstable();
            let mut best: Option<(f64, usize)> = None;
            for &q in &touched {
                if hits[q] < need {
                    continue;
                }
                let (a, b) = (shingles(p, &mut all), shingles(q, &mut all));
                if let Some(o) = overlap_reaching(&all[a], &all[b]) {
                    if best.is_none_or(|(b, _)| o > b) {
                        best = Some((o, q));
                    }
                }
            }
            for &q in &touched {
                hits[q] = 0;
            }
            touched.clear();
            twin = best.map(|(_, q)| q);
        }
        match twin {
            Some(q) => twins[c.unit as usize] = candidates[q].unit,
            None => {
                kept_keys.entry((c.hash, c.len)).or_default().push(p);
                for &id in mine {
                    let len = &mut posted_len[id as usize];
                    if usize::from(*len) < MAX_POSTINGS {
                        posted[first[id as usize] as usize + usize::from(*len)] = p as u32;
                        *len += 1;
                    }
                }
            }
        }
    }
    twins
}

/// The position of a (shingle << 32 | position) pair.
fn position(pair: u64) -> usize {
    (pair & u64::from(u32::MAX)) as usize
}

/// The (shingle << 32 | position) pairs of the sampled shingles of `candidates` (in position
/// order, their shingles at `all[start..end]`), sorted and deduplicated, save that a shingle
/// only one position has may be left out (it finds no candidate); each candidate's `sampled`
/// becomes its number of distinct sampled shingles, those left out included.
///
/// Most of an article's sampled shingles occur once in it, and sorting them was most of the
/// cost: two bit tables (of the shingles seen, and of those seen again, by their hash) find
/// the shingles seen once, which are left out after being counted; only the others (and
/// those whose bits another shingle's share) are sorted.
fn sampled_pairs(candidates: &mut [Candidate<'_>], all: &[u32]) -> Vec<u64> {
    // Every sampled pair, without a branch on each shingle (which is sampled is a coin toss).
    let mut pairs = vec![0u64; all.len()];
    let mut len = 0;
    for (p, c) in candidates.iter().enumerate() {
        for &s in &all[c.start..c.end] {
            pairs[len] = u64::from(s) << 32 | p as u64;
            len += usize::from(s % SAMPLE == 0);
        }
    }
    pairs.truncate(len);
    // 8 to 16 bits a pair, from 2^12 (cache lines of zeros cost more than a few pairs) to 2^20.
    let bits = (len * 8).next_power_of_two().clamp(1 << 12, 1 << 20);
    let shift = 64 - bits.trailing_zeros();
    // A sampled shingle's low bits are all 0 (`SAMPLE`): its table slot is from its high bits.
    let slot = |x: u64| ((x >> 32).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize;
    let mut seen = vec![0u64; bits / 64];
    let mut again = vec![0u64; bits / 64];
    for &x in &pairs {
        let (word, bit) = (slot(x) / 64, 1u64 << (slot(x) % 64));
        again[word] |= seen[word] & bit;
        seen[word] |= bit;
    }
    pairs.retain(|&x| {
        let once = again[slot(x) / 64] & 1 << (slot(x) % 64) == 0;
        if once {
            candidates[position(x)].sampled += 1;
        }
        !once
    });
    pairs.sort_unstable();
    pairs.dedup();
    for &x in &pairs {
        candidates[position(x)].sampled += 1;
    }
    pairs
}

/// [`find_twins`] for many units: the parallel algorithm.
fn find_twins_many(units: &[Unit<'_>], slack: usize) -> Vec<u32> {
    use rayon::prelude::*;
    // Keys and shingles, in fixed chunks of units, each chunk's shingles in one buffer.
    let scanned: Vec<(Vec<Candidate>, Vec<u32>)> = units
        .par_chunks(SCAN_CHUNK)
        .enumerate()
        .map(|(chunk, chunk_units)| {
            let mut buf = Vec::new();
            let candidates = chunk_units
                .iter()
                .enumerate()
                .map(|(i, &u)| scan(u, chunk * SCAN_CHUNK + i, chunk, &mut buf))
                .collect();
            (candidates, buf)
        })
        .collect();
    let (scanned, bufs): (Vec<Vec<Candidate<'_>>>, Vec<Vec<u32>>) = scanned.into_iter().unzip();
    let mut candidates: Vec<Candidate<'_>> = scanned
        .into_iter()
        .flatten()
        .map(|c| Candidate {
            shingles: &bufs[c.chunk as usize][c.start..c.end],
            ..c
        })
        .collect();
    candidates.par_sort_unstable_by(decision_order);
    let n = candidates.len();

    // Equal keys: `first_equal[p]` is the first position whose key equals `p`'s. Positions are
    // sorted by the key's hash and length; only within a run of equal hashes and lengths are
    // keys compared, made again from the text (runs are the rare repeated paragraphs).
    let mut by_key: Vec<(u64, usize, u32)> = candidates
        .par_iter()
        .enumerate()
        .map(|(p, c)| (c.hash, c.len, p as u32))
        .collect();
    by_key.par_sort_unstable();
    let mut first_equal: Vec<u32> = (0..n as u32).collect();
    for run in by_key.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        if run.len() < 2 {
            continue;
        }
        // Distinct keys of the run with their first position (in practice, one).
        let mut firsts: Vec<(Vec<char>, u32)> = Vec::new();
        for &(_, _, p) in run {
            let key = units[candidates[p as usize].unit as usize].key();
            match firsts.iter().find(|(k, _)| *k == key) {
                Some(&(_, first)) => first_equal[p as usize] = first,
                None => firsts.push((key, p)),
            }
        }
    }
    drop(by_key);

    // Sampled shingles that more than one paragraph has (the others cannot find a twin),
    // numbered in the order the decisions first meet them (so the lists the one-at-a-time
    // part touches together sit together in memory). The (shingle, position) pairs are
    // spread over buckets by the shingle's top bits, from fixed stripes of positions, and
    // each bucket is sorted on its own: all in parallel, the result independent of threads.
    const BUCKET_BITS: u32 = 8;
    const STRIPES: usize = 16;
    let stripe = n.div_ceil(STRIPES).max(1);
    let striped: Vec<Vec<Vec<u64>>> = candidates
        .par_chunks(stripe)
        .enumerate()
        .map(|(i, chunk)| {
            let mut buckets = vec![Vec::new(); 1 << BUCKET_BITS];
            for (j, c) in chunk.iter().enumerate() {
                let p = (i * stripe + j) as u64;
                for s in sample(c.shingles) {
                    buckets[(s >> (32 - BUCKET_BITS)) as usize].push(u64::from(s) << 32 | p);
                }
            }
            buckets
        })
        .collect();
    // Per bucket: its pairs sorted, and the runs of a shingle more than one position has, as
    // (first position, start, length).
    type Runs = Vec<(u32, u32, u32)>;
    let bucketed: Vec<(Vec<u64>, Runs)> = (0..1usize << BUCKET_BITS)
        .into_par_iter()
        .map(|b| {
            let mut pairs: Vec<u64> = striped.iter().flat_map(|s| &s[b]).copied().collect();
            sort_bucket(&mut pairs, 32 - BUCKET_BITS);
            let mut runs = Vec::new();
            let mut start = 0;
            for run in pairs.chunk_by(|a, b| a >> 32 == b >> 32) {
                if run.len() > 1 {
                    runs.push((position(run[0]) as u32, start as u32, run.len() as u32));
                }
                start += run.len();
            }
            (pairs, runs)
        })
        .collect();
    drop(striped);
    let mut runs: Vec<(u32, u32, u32, u32)> = bucketed
        .iter()
        .enumerate()
        .flat_map(|(b, (_, runs))| {
            runs.iter()
                .map(move |&(first, start, len)| (first, b as u32, start, len))
        })
        .collect();
    runs.par_sort_unstable();
    let members = |&(_, b, start, len): &(u32, u32, u32, u32)| {
        bucketed[b as usize].0[start as usize..(start + len) as usize]
            .iter()
            .map(|&x| position(x))
    };
    // `list(id)`: the positions with shingle `id` in their sample, ascending; `shared(p)`:
    // `p`'s shingles as (id, rank of `p` in the list).
    let mut offsets: Vec<usize> = vec![0; n + 1];
    let mut list_start: Vec<u32> = Vec::with_capacity(runs.len() + 1);
    let mut listed: Vec<u32> = Vec::new();
    for run in &runs {
        list_start.push(listed.len() as u32);
        for p in members(run) {
            offsets[p + 1] += 1;
            listed.push(p as u32);
        }
    }
    list_start.push(listed.len() as u32);
    drop(bucketed);
    for p in 0..n {
        offsets[p + 1] += offsets[p];
    }
    let mut shared_ids: Vec<(u32, u32)> = vec![(0, 0); offsets[n]];
    let mut fill = offsets.clone();
    for id in 0..runs.len() {
        let members = &listed[list_start[id] as usize..list_start[id + 1] as usize];
        for (rank, &p) in members.iter().enumerate() {
            shared_ids[fill[p as usize]] = (id as u32, rank as u32);
            fill[p as usize] += 1;
        }
    }
    let n_lists = runs.len();
    drop(fill);
    drop(runs);
    let shared = |p: usize| &shared_ids[offsets[p]..offsets[p + 1]];
    let list =
        |id: u32| &listed[list_start[id as usize] as usize..list_start[id as usize + 1] as usize];

    // The decisions depend on one another only through the postings: per shared shingle, the
    // first MAX_POSTINGS paragraphs kept before. Paragraphs are seldom dropped, so the twins
    // each paragraph could have are found first, in parallel, among the first
    // MAX_POSTINGS + SLACK paragraphs of each list (which hold the postings as long as at
    // most SLACK of them are dropped); then the decisions are made in order, checking only
    // those twins against the postings as they really are.
    let reach = MAX_POSTINGS + slack;
    let need_of = |c: &Candidate<'_>| c.sampled.div_ceil(2).max(1);
    let possible: Vec<(u32, u32, f64)> = (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0u32; n], Vec::new(), Vec::new(), Vec::new()),
            |(hits, touched, alive, lists), p| {
                let c = &candidates[p];
                let need = need_of(c);
                // Each list up to `p` (and up to `reach`), shortest first.
                lists.clear();
                lists.extend(shared(p).iter().filter_map(|&(id, rank)| {
                    let seen = list(id);
                    let len = (rank as usize).min(reach);
                    (len > 0).then(|| &seen[..len])
                }));
                if lists.len() < need as usize {
                    return Vec::new();
                }
                lists.sort_unstable_by_key(|l: &&[u32]| l.len());
                let (short, long) = lists.split_at(lists.len() + 1 - need as usize);
                count_hits(short, long, need, hits, touched, alive);
                let found: Vec<(u32, u32, f64)> = alive
                    .iter()
                    .filter_map(|&k| {
                        let o = overlap_reaching(c.shingles, candidates[k as usize].shingles)?;
                        Some((p as u32, k, o))
                    })
                    .collect();
                for &k in touched.iter() {
                    hits[k as usize] = 0;
                }
                touched.clear();
                found
            },
        )
        .flat_map_iter(|found| found)
        .collect();

    // One paragraph at a time.
    const NONE: u32 = u32::MAX;
    let mut kept_equal: Vec<u32> = vec![NONE; n]; // by `first_equal`: the kept one
    let mut twins: Vec<u32> = vec![NONE; n];
    let mut dropped: Vec<bool> = vec![false; n];
    // Per list: dropped paragraphs within reach; lists with more than SLACK of them
    // overflow (their postings may reach past `reach`: decided the slow way).
    let mut dropped_in_reach: Vec<u32> = vec![0; n_lists];
    // The postings as they really are: list `id`'s first MAX_POSTINGS kept paragraphs so far,
    // at the start of the list's own range (a kept paragraph's rank in the list is at least
    // the number kept before it, so they fit). Kept up to date as paragraphs are kept, so a
    // list whose early members were mostly dropped (templated copy) is never walked again.
    let mut posted: Vec<u32> = vec![0; listed.len()];
    let mut posted_len: Vec<u8> = vec![0; n_lists];
    let mut hits: Vec<u32> = vec![0; n];
    let (mut touched, mut alive) = (Vec::new(), Vec::new());
    let mut next = 0;
    for (p, c) in candidates.iter().enumerate() {
        let start = next;
        while possible.get(next).is_some_and(|&(q, _, _)| q as usize == p) {
            next += 1;
        }
        let mine = &possible[start..next];
        let group = first_equal[p] as usize;
        let twin = if kept_equal[group] != NONE {
            Some(kept_equal[group])
        } else {
            let need = need_of(c);
            // The postings of list `id` when `p` is decided: its first MAX_POSTINGS kept
            // paragraphs before `p` (every paragraph before `p` is decided).
            let postings = |id: u32| {
                let start = list_start[id as usize] as usize;
                &posted[start..start + usize::from(posted_len[id as usize])]
            };
            let overflow = shared(p)
                .iter()
                .any(|&(id, _)| dropped_in_reach[id as usize] as usize > slack);
            let mut best: Option<(f64, u32)> = None;
            let mut consider = |o: f64, k: u32| {
                // The highest overlap wins; on a tie, the one kept first.
                if best.is_none_or(|(b, bk)| o > b || (o == b && k < bk)) {
                    best = Some((o, k));
                }
            };
            if overflow {
                let mut lists: Vec<&[u32]> = shared(p)
                    .iter()
                    .map(|&(id, _)| postings(id))
                    .filter(|posted| !posted.is_empty())
                    .collect();
                if lists.len() >= need as usize {
                    lists.sort_unstable_by_key(|l: &&[u32]| l.len());
                    let (short, long) = lists.split_at(lists.len() + 1 - need as usize);
                    count_hits(short, long, need, &mut hits, &mut touched, &mut alive);
                    for &k in &alive {
                        let other = candidates[k as usize].shingles;
                        if let Some(o) = overlap_reaching(c.shingles, other) {
                            consider(o, k);
                        }
                    }
                    for &k in &touched {
                        hits[k as usize] = 0;
                    }
                    touched.clear();
                }
            } else {
                for &(_, k, o) in mine {
                    if dropped[k as usize] {
                        continue;
                    }
                    let in_postings = shared(p)
                        .iter()
                        .filter(|&&(id, _)| postings(id).contains(&k))
                        .count();
                    if in_postings >= need as usize {
                        consider(o, k);
                    }
                }
            }
            best.map(|(_, k)| k)
        };
        match twin {
            Some(k) => {
                twins[p] = k;
                dropped[p] = true;
                for &(id, rank) in shared(p) {
                    if (rank as usize) < reach {
                        dropped_in_reach[id as usize] += 1;
                    }
                }
            }
            None => {
                kept_equal[group] = p as u32;
                for &(id, _) in shared(p) {
                    let len = &mut posted_len[id as usize];
                    if usize::from(*len) < MAX_POSTINGS {
                        posted[list_start[id as usize] as usize + usize::from(*len)] = p as u32;
                        *len += 1;
                    }
                }
            }
        }
    }
    // By unit: the unit of the twin.
    let mut by_unit = vec![NONE; n];
    for (c, &twin) in candidates.iter().zip(&twins) {
        if let Some(twin) = candidates.get(twin as usize) {
            by_unit[c.unit as usize] = twin.unit;
        }
    }
    by_unit
}

/// [`mark`] in the given scope.
pub fn mark_in(docs: &mut [Vec<Draft>], scope: DedupeScope) {
    match scope {
        DedupeScope::Corpus => mark(docs),
        DedupeScope::Articles => mark_articles(docs),
    }
}

/// [`DedupeScope::Articles`]: near-duplicate paragraphs within each article, then articles whose
/// kept text as a whole is a near-duplicate of another's (all their kept paragraphs point at
/// the kept twin's first kept paragraph).
fn mark_articles(docs: &mut [Vec<Draft>]) {
    use rayon::prelude::*;
    docs.par_iter_mut().enumerate().for_each(|(index, doc)| {
        mark(std::slice::from_mut(doc));
        for d in doc.iter_mut() {
            if let Some(Rule::Duplicate(_, line)) = d.rule {
                d.rule = Some(Rule::Duplicate(index, line));
            }
        }
    });
    // Each article as one paragraph: its kept text, under its first kept line.
    let verdicts = duplicates(&articles(docs), SLACK);
    for (doc, idx, rule) in verdicts {
        docs[doc][idx].rule = Some(rule);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(articles: &[&[&str]]) -> Vec<Vec<Draft>> {
        articles
            .iter()
            .map(|lines| {
                lines
                    .iter()
                    .enumerate()
                    .map(|(i, t)| Draft::new(i + 1, (*t).to_string()))
                    .collect()
            })
            .collect()
    }

    const QUOTE: &str = "“前期更多出现的是通用大模型,无所不能,但缺乏深度无法满足具体需求。市场对通用大模型的投资越来越谨慎。”";

    #[test]
    fn pull_quote_inside_the_body_goes_body_stays() {
        let body =
            format!("但反观应用层面,一些改变确实正在发生。{QUOTE}而在他看来,这也将是重要方向。");
        let mut d = docs(&[&[QUOTE, "每经记者 某某", &body]]);
        mark(&mut d);
        assert_eq!(d[0][0].rule, Some(Rule::Duplicate(0, 3)));
        assert_eq!(d[0][2].rule, None);
    }

    #[test]
    fn summary_repeating_the_first_paragraph_goes() {
        let first = "7月13日,国家网信办七部委公布了《生成式人工智能服务管理暂行办法》,并将于2023年8月15日起施行。这被认为将为我国AI大模型的加速发展,尤其是商业化落地,提供重要的制度基础。";
        let summary = "导读:《中国经济周刊》记者 孙冰 | 北京报道 7月13日,国家网信办七部委公布了《生成式人工智能服务管理暂行办法》,并将于2023年8月15日起施行。这被认为将为我国AI大模型的加速发展,尤其是商业化落地,提供重要的制度基...";
        let mut d = docs(&[&[summary, first]]);
        mark(&mut d);
        assert_eq!(d[0][0].rule, Some(Rule::Duplicate(0, 2)));
        assert_eq!(d[0][1].rule, None);
    }

    #[test]
    fn equal_after_normalisation_across_articles_keeps_the_first() {
        let mut d = docs(&[
            &["大模型正越来越多地针对特定垂直行业进行优化和应用。"],
            &["大模型正越来越多地针对特定垂直行业进行优化和应用"],
        ]);
        mark(&mut d);
        assert_eq!(d[0][0].rule, None);
        assert_eq!(d[1][0].rule, Some(Rule::Duplicate(0, 1)));
    }

    #[test]
    fn related_but_different_paragraphs_stay() {
        // Seed 003 lines 8 and 22 share one long clause but say different things.
        let a = "第二批完成备案的大模型中,有三个行业大模型备受关注。多位受访的权威专家表示,随着更多大型人工智能模型的备案和应用落地,可以看到大模型正越来越多地针对特定垂直行业进行优化和应用。";
        let b = "上海交通大学教授史占中在接受记者采访时表示,随着更多大型人工智能模型的备案和应用落地,可以看到大模型正越来越多地针对特定垂直行业进行优化和应用,当前的趋势表明这些技术正变得更加成熟、专业化,并且正在深入整合到具体行业和企业的核心运营中。";
        let mut d = docs(&[
            &[a, b],
            &["国产大模型的发展在过去大半年确实面临诸多挑战,特别是在算力方面。"],
        ]);
        mark(&mut d);
        assert!(d.iter().flatten().all(|l| l.rule.is_none()));
    }

    /// The one-at-a-time algorithm `mark` was before its work was split into a parallel part:
    /// the two must agree on every input.
    fn reference_mark(docs: &mut [Vec<Draft>]) {
        use std::collections::HashMap;
        struct Candidate {
            doc: usize,
            idx: usize,
            truncated: bool,
            key: Vec<char>,
        }
        let mut candidates: Vec<Candidate> = Vec::new();
        for (doc, lines) in docs.iter().enumerate() {
            for (idx, d) in lines.iter().enumerate() {
                if d.rule.is_none() {
                    candidates.push(Candidate {
                        doc,
                        idx,
                        truncated: is_truncated(&d.text),
                        key: key(&d.text),
                    });
                }
            }
        }
        // Complete before truncated, longest first, then corpus order: the kept twin is the
        // fullest version.
        candidates.sort_by(|a, b| {
            (a.truncated, b.key.len(), a.doc, a.idx).cmp(&(b.truncated, a.key.len(), b.doc, b.idx))
        });

        let mut kept: Vec<(usize, usize, Vec<u32>)> = Vec::new();
        let mut exact: HashMap<Vec<char>, usize> = HashMap::new();
        let mut postings: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut verdicts: Vec<(usize, usize, (usize, usize))> = Vec::new();
        let mut hits: HashMap<u32, u32> = HashMap::new();
        for c in candidates {
            if let Some(&k) = exact.get(&c.key) {
                verdicts.push((c.doc, c.idx, (kept[k].0, kept[k].1)));
                continue;
            }
            let set = shingles(&c.key);
            hits.clear();
            let mut sampled = 0u32;
            for s in sample(&set) {
                sampled += 1;
                for &k in postings.get(&s).map(Vec::as_slice).unwrap_or_default() {
                    *hits.entry(k).or_default() += 1;
                }
            }
            let need = sampled.div_ceil(2).max(1);
            let twin = hits
                .iter()
                .filter(|&(_, &n)| n >= need)
                .map(|(&k, _)| (overlap(&set, &kept[k as usize].2), k as usize))
                .filter(|&(o, _)| o >= OVERLAP)
                .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
            match twin {
                Some((_, k)) => verdicts.push((c.doc, c.idx, (kept[k].0, kept[k].1))),
                None => {
                    let id = kept.len() as u32;
                    for s in sample(&set) {
                        let list = postings.entry(s).or_default();
                        if list.len() < MAX_POSTINGS {
                            list.push(id);
                        }
                    }
                    exact.insert(c.key, kept.len());
                    kept.push((c.doc, c.idx, set));
                }
            }
        }
        for (doc, idx, (twin_doc, twin_idx)) in verdicts {
            let twin_line = docs[twin_doc][twin_idx].line;
            docs[doc][idx].rule = Some(Rule::Duplicate(twin_doc, twin_line));
        }
    }

    /// A corpus with many near-duplicates: paragraphs made of sentences from a small pool,
    /// some repeated whole, some truncated with an ellipsis, some contained in others.
    fn near_duplicates(seed: u64, articles: usize) -> Vec<Vec<Draft>> {
        const POOL: [&str; 12] = [
            "大模型正越来越多地针对特定垂直行业进行优化和应用。",
            "算力仍是主要制约因素,高端芯片供应紧张。",
            "多位受访专家表示,行业大模型的商业化落地正在加速。",
            "记者了解到,第一批通过备案的大模型主要是基础通用模型。",
            "数据显示,今年前三季度国内生产总值同比增长5.2%。",
            "新能源汽车出口再创新高,欧洲市场成为新的增长点。",
            "央行宣布下调存款准备金率0.25个百分点。",
            "球队在主场以3比1战胜对手,取得联赛三连胜。",
            "GPU-4 与 ChatGPT 的竞争仍在继续",
            "教育部发布通知,要求各地做好秋季学期开学准备工作。",
            "短句",
            "气象台预计,未来三天南方地区将有较强降雨过程。",
        ];
        let mut state = seed;
        let mut next = move |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        (0..articles)
            .map(|_| {
                (0..1 + next(6))
                    .map(|i| {
                        let mut text: String =
                            (0..1 + next(4)).map(|_| POOL[next(POOL.len())]).collect();
                        if next(5) == 0 {
                            let cut: String =
                                text.chars().take(text.chars().count() * 3 / 4).collect();
                            text = format!("{cut}...");
                        }
                        Draft {
                            rule: (next(10) == 0).then_some(Rule::Short),
                            ..Draft::new(i + 1, text)
                        }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn agrees_with_the_one_at_a_time_algorithm() {
        for seed in 0..40 {
            let mut fast = near_duplicates(seed, 1 + (seed as usize % 7) * 9);
            let mut slow = fast.clone();
            mark(&mut fast);
            reference_mark(&mut slow);
            assert_eq!(fast, slow, "seed {seed}");
            assert!(
                fast.iter()
                    .flatten()
                    .any(|d| matches!(d.rule, Some(Rule::Duplicate(..))))
                    || seed % 7 == 0
            );
        }
    }

    #[test]
    fn one_by_one_gets_the_twins_many_would() {
        let mut twins = 0;
        // Small corpora, and large ones (up to about 1,200 paragraphs, where the pool's
        // sentences fill the postings of their shingles).
        let sizes = (0..300).map(|seed| (seed, 1 + seed as usize % 14));
        let large = (0..12).map(|seed| (seed, 60 + seed as usize * 30));
        for (seed, size) in sizes.chain(large) {
            let docs = near_duplicates(seed, size);
            let units = paragraphs(&docs);
            // Whole articles as units too, as `mark_articles` compares them.
            for units in [units, articles(&docs)] {
                if units.len() < 2 {
                    continue;
                }
                let one_by_one = find_twins_one_by_one(&units);
                assert_eq!(
                    one_by_one,
                    find_twins_many(&units, SLACK),
                    "seed {seed}, {} units",
                    units.len()
                );
                twins += one_by_one.iter().filter(|&&t| t != u32::MAX).count();
            }
        }
        assert!(
            twins > 1000,
            "{twins} twins: the test corpus should have many"
        );
    }

    #[test]
    fn little_slack_takes_the_slow_path_to_the_same_verdicts() {
        for seed in 0..12 {
            let mut slow = near_duplicates(seed, 200);
            reference_mark(&mut slow);
            for slack in [0, 1, 3] {
                let mut fast = near_duplicates(seed, 200);
                mark_with(&mut fast, slack);
                assert_eq!(fast, slow, "seed {seed}, slack {slack}");
            }
        }
    }

    #[test]
    fn same_verdicts_on_one_and_two_threads() {
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut docs = near_duplicates(7, 300);
            pool.install(|| mark(&mut docs));
            docs
        };
        assert_eq!(run(1), run(2));
    }
}
