//! Stage 9, report: render an [`Analysis`] for people (terminal text, a self-contained HTML
//! page) or programs (JSON), and write files atomically so a failed run never leaves a half-written report.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::Analysis;

pub mod html;
pub mod json;
pub mod text;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A readable terminal report.
    Text,
    /// The versioned JSON document.
    Json,
    /// One self-contained HTML page with charts (no network needed to view it).
    Html,
}

/// Renders `analysis` in `format`.
pub fn render(analysis: &Analysis, format: Format) -> Result<String> {
    match format {
        Format::Text => Ok(text::render(analysis)),
        Format::Json => json::render(analysis),
        Format::Html => Ok(html::render(analysis)),
    }
}

/// Writes `contents` to `path` atomically: a temporary file in the same folder, renamed over
/// `path` once complete. On any error nothing is created and an existing file is untouched.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let write_err = |source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".zhuti-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_err)?;
    tmp.write_all(contents).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    tmp.persist(path).map_err(|e| write_err(e.error))?;
    Ok(())
}
