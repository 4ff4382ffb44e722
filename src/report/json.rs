//! The JSON report: the [`Analysis`] serialised with `schema_version` first, pretty-printed,
//! ending in a newline. Byte-identical for the same input and seed.
//!
//! The output is exactly `serde_json::to_string_pretty(analysis)` plus a newline, but the
//! long lists (documents, units, dropped units) are serialised in parallel chunks (Rayon):
//! a chunk is pretty-printed on its own and indented to its depth, which is safe because
//! serde_json escapes every newline inside a string, so each newline it writes is layout.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Analysis;

/// Elements per parallel chunk of a long list.
const CHUNK: usize = 2048;

/// Serialises the analysis as pretty JSON.
pub fn render(analysis: &Analysis) -> Result<String> {
    // Every field by name: a new field of `Analysis` must be added here too (and the tests
    // compare this with serde_json's own rendering).
    let Analysis {
        schema_version,
        params,
        corpus,
        themes,
        documents,
        units,
        dropped,
        map: _,
        warnings: _,
    } = analysis;
    let fields = [
        ("schema_version", pretty(schema_version)?),
        ("params", pretty(params)?),
        ("corpus", pretty(corpus)?),
        ("themes", pretty(themes)?),
        ("documents", pretty_list(documents)?),
        ("units", pretty_list(units)?),
        ("dropped", pretty_list(dropped)?),
    ];
    let size: usize = fields
        .iter()
        .map(|(name, value)| name.len() + value.len() + 8)
        .sum();
    let mut out = String::with_capacity(size + 4);
    out.push('{');
    for (i, (name, value)) in fields.iter().enumerate() {
        out.push_str(if i == 0 { "\n  \"" } else { ",\n  \"" });
        out.push_str(name);
        out.push_str("\": ");
        out.push_str(value);
    }
    out.push_str("\n}\n");
    Ok(out)
}

/// `value` pretty-printed as a field of the top-level object (indented by one level).
fn pretty<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut out = String::new();
    indent_into(&mut out, &to_pretty(value)?, "\n  ");
    Ok(out)
}

/// A list pretty-printed as a field of the top-level object, in parallel chunks.
fn pretty_list<T: Serialize + Sync>(items: &[T]) -> Result<String> {
    if items.is_empty() {
        return Ok("[]".to_string());
    }
    // Each chunk as its own array, `[\n  {..},\n  {..}\n]`: without the brackets and indented
    // one more level, it is that run of the list's elements, each after `\n    `.
    let chunks: Vec<String> = items
        .par_chunks(CHUNK)
        .map(|chunk| {
            let array = to_pretty(chunk)?;
            let inner = array
                .strip_prefix('[')
                .and_then(|a| a.strip_suffix("\n]"))
                .unwrap_or_default();
            let mut out = String::with_capacity(inner.len() + inner.len() / 16);
            indent_into(&mut out, inner, "\n  ");
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let size: usize = chunks.iter().map(|c| c.len() + 1).sum();
    let mut out = String::with_capacity(size + 8);
    out.push('[');
    for (i, chunk) in chunks.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(chunk);
    }
    out.push_str("\n  ]");
    Ok(out)
}

/// serde_json's pretty rendering of `value`.
fn to_pretty<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| Error::Numeric {
        stage: "JSON report",
        reason: e.to_string(),
    })
}

/// Appends `json` to `out` with every newline replaced by `newline` (a newline and the
/// indentation to add).
fn indent_into(out: &mut String, json: &str, newline: &str) {
    let mut lines = json.split('\n');
    if let Some(first) = lines.next() {
        out.push_str(first);
    }
    for line in lines {
        out.push_str(newline);
        out.push_str(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_render_as_serde_renders_them() {
        #[derive(Serialize)]
        struct Item {
            name: String,
            values: Vec<u32>,
            nested: Option<Vec<(u8, f64)>>,
        }
        for n in [0, 1, 2, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
            let items: Vec<Item> = (0..n)
                .map(|i| Item {
                    name: format!("第{i}项\n\"引号\"\t"),
                    values: (0..(i % 4) as u32).collect(),
                    nested: (i % 3 == 0).then(|| vec![(1, 0.5), (2, -1e-7)]),
                })
                .collect();
            #[derive(Serialize)]
            struct Top<'a> {
                items: &'a [Item],
            }
            let expected = serde_json::to_string_pretty(&Top { items: &items }).unwrap();
            let got = format!("{{\n  \"items\": {}\n}}", pretty_list(&items).unwrap());
            assert_eq!(got, expected, "n = {n}");
        }
    }

    #[test]
    fn the_report_is_serde_json_pretty_plus_a_newline() {
        let corpus = crate::ingest::load(&crate::seeds::bundled()).unwrap();
        let analysis =
            crate::analyze(&corpus, &crate::Settings::default(), &crate::NoProgress).unwrap();
        assert!(!analysis.units.is_empty() && !analysis.dropped.is_empty());
        let expected = serde_json::to_string_pretty(&analysis).unwrap() + "\n";
        assert_eq!(render(&analysis).unwrap(), expected);
        // Empty lists too.
        let mut empty = analysis.clone();
        empty.documents.clear();
        empty.dropped.clear();
        let expected = serde_json::to_string_pretty(&empty).unwrap() + "\n";
        assert_eq!(render(&empty).unwrap(), expected);
    }
}
