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
    let hash = |w: &[char]| {
        // FNV-1a: deterministic across runs and platforms.
        w.iter().fold(0x811c_9dc5_u32, |h, &c| {
            (h ^ c as u32).wrapping_mul(0x0100_0193)
        })
    };
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
/// shingles left in `a` cannot bring it up to [`OVERLAP`] any more.
fn overlap_reaching(a: &[u32], b: &[u32]) -> Option<f64> {
    if a.is_empty() {
        return None;
    }
    let reaches = |shared: usize| shared as f64 / a.len() as f64 >= OVERLAP;
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                i += 1;
                // Every shingle skipped in `a` lowers the best overlap still possible.
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
    let o = shared as f64 / a.len() as f64;
    (o >= OVERLAP).then_some(o)
}

/// Shingles used to find candidates: a fixed quarter of them (by hash), so that a paragraph
/// contained in another has its sample contained in the other's sample.
fn sample(set: &[u32]) -> impl Iterator<Item = u32> + '_ {
    set.iter().copied().filter(|h| h % SAMPLE == 0)
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
/// sampled shingles more than one paragraph has — is worked out first, in parallel and
/// collected in a fixed order, so the result does not depend on the number of threads and the
/// one-at-a-time part only touches shingles that can find a twin.
pub fn mark(docs: &mut [Vec<Draft>]) {
    use rayon::prelude::*;
    struct Candidate {
        doc: usize,
        idx: usize,
        truncated: bool,
        key: Vec<char>,
        shingles: Vec<u32>,
        /// How many of `shingles` are in the sample.
        sampled: u32,
    }
    let mut candidates: Vec<Candidate> = docs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(doc, lines)| {
            lines
                .iter()
                .enumerate()
                .filter(|(_, d)| d.rule.is_none())
                .map(move |(idx, d)| {
                    let key = key(&d.text);
                    let shingles = shingles(&key);
                    Candidate {
                        doc,
                        idx,
                        truncated: is_truncated(&d.text),
                        sampled: sample(&shingles).count() as u32,
                        shingles,
                        key,
                    }
                })
        })
        .collect();
    // The order of decisions. The sort key is unique, so an unstable sort is deterministic.
    candidates.par_sort_unstable_by(|a, b| {
        (a.truncated, b.key.len(), a.doc, a.idx).cmp(&(b.truncated, a.key.len(), b.doc, b.idx))
    });
    let n = candidates.len();

    // Equal keys: `first_equal[p]` is the first position whose key equals `p`'s. Sorting by
    // a hash of the key first keeps most comparisons off the (long) keys themselves.
    let mut by_key: Vec<(u64, u32)> = candidates
        .par_iter()
        .enumerate()
        .map(|(p, c)| {
            use std::hash::{Hash, Hasher};
            let mut hasher = rustc_hash::FxHasher::default();
            c.key.hash(&mut hasher);
            (hasher.finish(), p as u32)
        })
        .collect();
    let same_key = |a: &(u64, u32), b: &(u64, u32)| {
        a.0 == b.0 && candidates[a.1 as usize].key == candidates[b.1 as usize].key
    };
    by_key.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| {
                candidates[a.1 as usize]
                    .key
                    .cmp(&candidates[b.1 as usize].key)
            })
            .then(a.1.cmp(&b.1))
    });
    let mut first_equal: Vec<u32> = (0..n as u32).collect();
    for run in by_key.chunk_by(same_key) {
        for &(_, p) in run {
            first_equal[p as usize] = run[0].1;
        }
    }
    drop(by_key);

    // Sampled shingles that more than one paragraph has (the others cannot find a twin),
    // numbered; `shared[p]` lists the numbers of `p`'s.
    let mut pairs: Vec<(u32, u32)> = candidates
        .par_iter()
        .enumerate()
        .flat_map_iter(|(p, c)| sample(&c.shingles).map(move |s| (s, p as u32)))
        .collect();
    pairs.par_sort_unstable();
    let shared_runs = || {
        pairs
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|run| run.len() > 1)
    };
    let mut offsets: Vec<usize> = vec![0; n + 1];
    for &(_, p) in shared_runs().flatten() {
        offsets[p as usize + 1] += 1;
    }
    for p in 0..n {
        offsets[p + 1] += offsets[p];
    }
    let mut shared_ids: Vec<u32> = vec![0; offsets[n]];
    let mut fill = offsets.clone();
    let mut n_shared = 0u32;
    for run in shared_runs() {
        for &(_, p) in run {
            shared_ids[fill[p as usize]] = n_shared;
            fill[p as usize] += 1;
        }
        n_shared += 1;
    }
    let shared = |p: usize| &shared_ids[offsets[p]..offsets[p + 1]];
    drop(pairs);

    // One paragraph at a time. Postings hold, per shared shingle, the first MAX_POSTINGS kept
    // paragraphs with it in their sample.
    const NONE: u32 = u32::MAX;
    let mut kept_equal: Vec<u32> = vec![NONE; n]; // by `first_equal`: the kept one
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); n_shared as usize];
    let mut twins: Vec<u32> = vec![NONE; n];
    // Sampled shingles shared with each kept paragraph (by position), and which were hit.
    let mut hits: Vec<u32> = vec![0; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut lists: Vec<u32> = Vec::new();
    for (p, c) in candidates.iter().enumerate() {
        let group = first_equal[p] as usize;
        if kept_equal[group] != NONE {
            twins[p] = kept_equal[group];
            continue;
        }
        let need = c.sampled.div_ceil(2).max(1);
        // A kept paragraph is only compared when it is in the postings of at least `need` of
        // this one's sampled shingles, so it is in one of any `lists.len() - need + 1` of
        // them: the shortest lists find every such paragraph, and the hits of those found
        // are then completed from the longer lists.
        lists.clear();
        lists.extend(
            shared(p)
                .iter()
                .copied()
                .filter(|&s| !postings[s as usize].is_empty()),
        );
        if lists.len() >= need as usize {
            lists.sort_unstable_by_key(|&s| postings[s as usize].len());
            let (short, long) = lists.split_at(lists.len() + 1 - need as usize);
            for &s in short {
                for &k in &postings[s as usize] {
                    let h = &mut hits[k as usize];
                    if *h == 0 {
                        touched.push(k);
                    }
                    *h += 1;
                }
            }
            let scan: usize = long.iter().map(|&s| postings[s as usize].len()).sum();
            if touched.len() * long.len() * 8 < scan {
                for &k in &touched {
                    let more = long
                        .iter()
                        .filter(|&&s| postings[s as usize].binary_search(&k).is_ok());
                    hits[k as usize] += more.count() as u32;
                }
            } else {
                for &s in long {
                    for &k in &postings[s as usize] {
                        if hits[k as usize] > 0 {
                            hits[k as usize] += 1;
                        }
                    }
                }
            }
        }
        let mut twin: Option<(f64, u32)> = None;
        for &k in &touched {
            if hits[k as usize] >= need {
                if let Some(o) = overlap_reaching(&c.shingles, &candidates[k as usize].shingles) {
                    // The highest overlap wins; on a tie, the one kept first.
                    if twin.is_none_or(|(best, b)| o > best || (o == best && k < b)) {
                        twin = Some((o, k));
                    }
                }
            }
            hits[k as usize] = 0;
        }
        touched.clear();
        match twin {
            Some((_, k)) => twins[p] = k,
            None => {
                for &s in shared(p) {
                    let list = &mut postings[s as usize];
                    if list.len() < MAX_POSTINGS {
                        list.push(p as u32);
                    }
                }
                kept_equal[group] = p as u32;
            }
        }
    }
    for (c, &twin) in candidates.iter().zip(&twins) {
        if let Some(twin) = candidates.get(twin as usize) {
            let twin_line = docs[twin.doc][twin.idx].line;
            docs[c.doc][c.idx].rule = Some(Rule::Duplicate(twin.doc, twin_line));
        }
    }
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
    let mut whole: Vec<Vec<Draft>> = docs
        .par_iter()
        .map(|doc| {
            let mut kept = doc.iter().filter(|d| d.rule.is_none());
            let Some(first) = kept.next() else {
                return Vec::new();
            };
            let mut text = first.text.clone();
            for d in kept {
                text.push('\n');
                text.push_str(&d.text);
            }
            vec![Draft::new(first.line, text)]
        })
        .collect();
    mark(&mut whole);
    docs.par_iter_mut().zip(&whole).for_each(|(doc, whole)| {
        if let Some(twin @ Rule::Duplicate(..)) = whole.first().and_then(|d| d.rule) {
            for d in doc.iter_mut().filter(|d| d.rule.is_none()) {
                d.rule = Some(twin);
            }
        }
    });
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
