//! The report: render an [`Analysis`] for people (terminal text, a self-contained HTML
//! page) or programs (JSON), and write files atomically so a failed run never leaves a half-written report.

use std::io::Write;
use std::path::Path;

use crate::analysis::Analysis;
use crate::error::{Error, Result};

pub mod assigned;
pub mod html;
pub mod json;
pub mod text;
mod timeline_html;

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

/// Checks before a long run that `path` can take a report: it is not a folder and its folder
/// exists. Creates nothing; [`write_atomic`] still reports any later failure.
pub fn check_output(path: &Path) -> Result<()> {
    let fail = |kind: std::io::ErrorKind, what: &str| {
        Err(Error::Write {
            path: path.to_path_buf(),
            source: std::io::Error::new(kind, what.to_string()),
        })
    };
    if path.is_dir() {
        return fail(
            std::io::ErrorKind::IsADirectory,
            "it is a folder; give a file name such as themes.json",
        );
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return fail(
            std::io::ErrorKind::NotFound,
            &format!("{} is not an existing folder", dir.display()),
        );
    }
    Ok(())
}

/// Writes `contents` to `path` atomically: a temporary file in the same folder, renamed over
/// `path` once complete. On any error nothing is created and an existing file is untouched.
/// A new file gets the usual permissions (0666 less the umask, like `>`), not the temporary
/// file's private 0600; a replaced file keeps its permissions.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomic_with(path, |file| file.write_all(contents))
}

/// [`write_atomic`] with the contents written by `write` (e.g. [`json::write`], which streams
/// a report too large to hold twice in memory).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<()> {
    let write_err = |source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source: plain_io_error(source),
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    check_output(path)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zhuti-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(write_err)?;
    write(tmp.as_file_mut()).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    tmp.persist(path).map_err(|e| write_err(e.error))?;
    Ok(())
}

/// The operating system's own error without tempfile's "at path .zhuti-XXXX.tmp" suffix: the
/// user never named the temporary file, so it must not appear in the message.
fn plain_io_error(err: std::io::Error) -> std::io::Error {
    // tempfile wraps the OS error in a private type whose message ends in ` at path "…"`.
    let message = err.to_string();
    match message.split_once(" at path \"") {
        Some((plain, _)) if err.get_ref().is_some() => std::io::Error::new(err.kind(), plain),
        _ => err,
    }
}
