//! Theme lineage between two fits (`zhuti fit --previous OLD`): which new theme continues which
//! old one, so dashboards keep their theme ids across daily refits.
//!
//! Each theme is described by its profile: the [`PROFILE_TERMS`](crate::model::PROFILE_TERMS)
//! heaviest terms of its TF-IDF term centroid (term text, so two fits with different
//! vocabularies compare). Two themes are similar by the cosine of their profiles. Pairs at or
//! above [`MATCH_THRESHOLD`] are matched one to one, most similar first (ties: lower new theme,
//! then lower old id): a matched new theme takes the old theme's id and name; every other new
//! theme gets a fresh id, never one used before (the model carries the next free id). Beyond
//! the one-to-one match, every pair above the threshold is a link: an old theme linked to
//! several new ones was split, a new theme linked to several old ones is a merge, and an old
//! theme linked to none has ended.
//!
//! The threshold: on thucnews-dev fitted with two seeds, matching themes' profiles have cosines
//! of 0.8–1.0 and different themes below 0.3; 0.5 sits in the gap.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::round4;
use crate::model::ThemeInfo;

/// Profile cosine at or above which two themes are linked.
pub const MATCH_THRESHOLD: f64 = 0.5;

/// How the themes of a fit descend from those of the previous model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// The link threshold used.
    pub threshold: f64,
    /// Every new theme, in report order (`position` is the report's theme id).
    pub themes: Vec<ThemeLineage>,
    /// Old themes no new theme continues.
    pub ended: Vec<usize>,
    /// Old themes that continue in several new ones.
    pub splits: Vec<Split>,
    /// New themes that continue several old ones.
    pub merges: Vec<Merge>,
}

/// One new theme's descent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeLineage {
    /// Its position in this fit's report (1-based `themes[].id`).
    pub position: usize,
    /// Its stable id (the old theme's, when matched; fresh otherwise).
    pub id: usize,
    /// Its label in this fit.
    pub label: String,
    /// `continued` (matched one to one) or `new`.
    pub status: String,
    /// Old themes linked to it, most similar first.
    pub predecessors: Vec<Link>,
}

/// A link to an old theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The old theme's stable id.
    pub id: usize,
    /// Profile cosine.
    pub similarity: f64,
}

/// An old theme continued by several new ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// The old theme's id.
    pub from: usize,
    /// The new themes' ids.
    pub into: Vec<usize>,
}

/// A new theme continuing several old ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merge {
    /// The old themes' ids.
    pub from: Vec<usize>,
    /// The new theme's id.
    pub into: usize,
}

/// Cosine of two profiles.
pub fn similarity(a: &[(String, f32)], b: &[(String, f32)]) -> f64 {
    let b_map: BTreeMap<&str, f64> = b.iter().map(|(t, w)| (t.as_str(), f64::from(*w))).collect();
    let dot: f64 = a
        .iter()
        .filter_map(|(t, w)| b_map.get(t.as_str()).map(|v| v * f64::from(*w)))
        .sum();
    let norm = |p: &[(String, f32)]| {
        p.iter()
            .map(|(_, w)| f64::from(*w).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let (na, nb) = (norm(a), norm(b));
    if na > 0.0 && nb > 0.0 {
        dot / (na * nb)
    } else {
        0.0
    }
}

/// Gives `new` themes their stable ids and names from `old` (see the module comment) and
/// returns the lineage. `next_id` is the first id never used; it is advanced past the fresh
/// ids handed out.
pub fn link(old: &[ThemeInfo], new: &mut [ThemeInfo], next_id: &mut usize) -> Lineage {
    let sims: Vec<Vec<f64>> = new
        .iter()
        .map(|n| {
            old.iter()
                .map(|o| similarity(&n.profile, &o.profile))
                .collect()
        })
        .collect();
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (j, row) in sims.iter().enumerate() {
        for (i, &s) in row.iter().enumerate() {
            if s >= MATCH_THRESHOLD {
                pairs.push((s, j, i));
            }
        }
    }
    pairs.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.cmp(&b.1))
            .then(old[a.2].id.cmp(&old[b.2].id))
    });
    let mut matched_new = vec![None; new.len()];
    let mut matched_old = vec![false; old.len()];
    for &(_, j, i) in &pairs {
        if matched_new[j].is_none() && !matched_old[i] {
            matched_new[j] = Some(i);
            matched_old[i] = true;
        }
    }
    let mut themes = Vec::with_capacity(new.len());
    for (j, theme) in new.iter_mut().enumerate() {
        let position = j + 1;
        let status = match matched_new[j] {
            Some(i) => {
                theme.id = old[i].id;
                if theme.name.is_none() {
                    theme.name.clone_from(&old[i].name);
                }
                "continued"
            }
            None => {
                theme.id = *next_id;
                *next_id += 1;
                "new"
            }
        };
        let mut predecessors: Vec<Link> = sims[j]
            .iter()
            .enumerate()
            .filter(|&(_, &s)| s >= MATCH_THRESHOLD)
            .map(|(i, &s)| Link {
                id: old[i].id,
                similarity: round4(s),
            })
            .collect();
        predecessors.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.id.cmp(&b.id)));
        themes.push(ThemeLineage {
            position,
            id: theme.id,
            label: theme.label.clone(),
            status: status.to_string(),
            predecessors,
        });
    }
    let mut ended = Vec::new();
    let mut splits = Vec::new();
    for o in old {
        let into: Vec<usize> = themes
            .iter()
            .filter(|t| t.predecessors.iter().any(|p| p.id == o.id))
            .map(|t| t.id)
            .collect();
        match into.len() {
            0 => ended.push(o.id),
            1 => {}
            _ => splits.push(Split { from: o.id, into }),
        }
    }
    let merges = themes
        .iter()
        .filter(|t| t.predecessors.len() > 1)
        .map(|t| Merge {
            from: t.predecessors.iter().map(|p| p.id).collect(),
            into: t.id,
        })
        .collect();
    Lineage {
        threshold: MATCH_THRESHOLD,
        themes,
        ended,
        splits,
        merges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(id: usize, terms: &[(&str, f32)]) -> ThemeInfo {
        ThemeInfo {
            id,
            label: terms.iter().map(|t| t.0).collect::<Vec<_>>().join("·"),
            name: None,
            size: 1,
            share: 0.5,
            terms: Vec::new(),
            novelty_threshold: 0.0,
            similarity_threshold: 0.0,
            profile: terms.iter().map(|&(t, w)| (t.to_string(), w)).collect(),
        }
    }

    #[test]
    fn matched_themes_keep_ids_new_ones_get_fresh_ids_and_splits_show() {
        let mut old = vec![
            theme(3, &[("芯片", 0.9), ("算力", 0.4)]),
            theme(7, &[("备案", 1.0)]),
        ];
        old[1].name = Some("监管".into());
        let mut new = vec![
            theme(1, &[("备案", 0.9), ("监管", 0.1)]),
            theme(2, &[("芯片", 0.8), ("算力", 0.5)]),
            theme(3, &[("芯片", 0.7), ("算力", 0.45), ("国产", 0.2)]),
            theme(4, &[("足球", 1.0)]),
        ];
        let mut next = 9;
        let lineage = link(&old, &mut new, &mut next);
        assert_eq!(
            new.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![7, 3, 9, 10]
        );
        assert_eq!(new[0].name.as_deref(), Some("监管"));
        assert_eq!(next, 11);
        assert_eq!(lineage.themes[2].status, "new");
        assert_eq!(lineage.themes[2].predecessors[0].id, 3);
        assert_eq!(
            lineage.splits,
            vec![Split {
                from: 3,
                into: vec![3, 9]
            }]
        );
        assert!(lineage.ended.is_empty());
        assert!(lineage.merges.is_empty());
        // An old theme nothing continues has ended.
        let mut only = vec![theme(1, &[("足球", 1.0)])];
        let mut next = 11;
        let lineage = link(&old, &mut only, &mut next);
        assert_eq!(lineage.ended, vec![3, 7]);
        assert_eq!(only[0].id, 11);
    }
}
