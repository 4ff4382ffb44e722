//! The article × theme mix as CSV, for spreadsheets (`--format csv`): one row per article
//! (`id`, `title`, `date`, `source`, `units`, then each theme's share of the article's units,
//! 0 to 1 with four decimals), under a header that names each theme by id and label
//! (`T1 备案·人工智能·行业`), and last, when units fitting no theme well were left out of the
//! themes, an `unassigned` column with the share of the article's units left unassigned (the
//! row's shares sum to 1). Quoted as RFC 4180 says (the csv crate), UTF-8, `\r\n`
//! line ends as spreadsheets expect.

use crate::analysis::Analysis;
use crate::error::{Error, Result};

/// Renders the mix of every article as CSV.
pub fn render(a: &Analysis) -> Result<String> {
    let fail = |e: &dyn std::fmt::Display| Error::Numeric {
        stage: "CSV report",
        reason: e.to_string(),
    };
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header: Vec<String> = ["id", "title", "date", "source", "units"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(
        a.themes
            .iter()
            .map(|t| format!("T{} {}", t.id, t.name.as_deref().unwrap_or(&t.label))),
    );
    let unassigned = a.unassigned.is_some();
    if unassigned {
        header.push("unassigned".into());
    }
    out.write_record(&header).map_err(|e| fail(&e))?;
    for doc in &a.documents {
        let mut row = vec![
            doc.id.clone(),
            doc.title.clone(),
            doc.date.clone().unwrap_or_default(),
            doc.source.clone().unwrap_or_default(),
            doc.units.to_string(),
        ];
        row.extend(a.themes.iter().map(|t| {
            let share = doc
                .theme_mix
                .iter()
                .find(|m| m.theme == t.id)
                .map_or(0.0, |m| m.share);
            format!("{share:.4}")
        }));
        if unassigned {
            row.push(format!("{:.4}", doc.unassigned));
        }
        out.write_record(&row).map_err(|e| fail(&e))?;
    }
    let bytes = out.into_inner().map_err(|e| fail(&e))?;
    String::from_utf8(bytes).map_err(|e| fail(&e))
}
