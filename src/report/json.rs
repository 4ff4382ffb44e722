//! The JSON report: the [`Analysis`] serialised with `schema_version` first, pretty-printed,
//! ending in a newline. Byte-identical for the same input and seed.

use crate::error::{Error, Result};
use crate::model::Analysis;

/// Serialises the analysis as pretty JSON.
pub fn render(analysis: &Analysis) -> Result<String> {
    let mut out = serde_json::to_string_pretty(analysis).map_err(|e| Error::Numeric {
        stage: "JSON report",
        reason: e.to_string(),
    })?;
    out.push('\n');
    Ok(out)
}
