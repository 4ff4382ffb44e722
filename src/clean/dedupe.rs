//! Step 5, dedupe: near-duplicate paragraphs are clustered once. Two kept paragraphs are
//! near-duplicates when, compared on letters and digits only (lower-cased), they are equal, or
//! at least [`OVERLAP`] of the shorter one's character 4-grams occur in the longer one — which
//! covers containment (a pull-quote repeated in the body, a `导读:` summary that repeats the
//! first paragraph) and heavy overlap. The longer paragraph is kept (the first one on a tie);
//! the others are dropped as `duplicate` with a pointer to it.

use std::collections::HashMap;

use super::{Draft, Rule};

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
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
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
pub fn mark(docs: &mut [Vec<Draft>]) {
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
                    .map(|(i, t)| Draft {
                        line: i + 1,
                        text: (*t).to_string(),
                        rule: None,
                    })
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
}
