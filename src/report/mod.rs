//! The report: render an [`Analysis`] for people (terminal text, a self-contained HTML
//! page) or programs (JSON), and write files atomically so a failed run never leaves a half-written report.

use std::io::Write;
use std::path::Path;

use crate::analysis::Analysis;
use crate::error::{Error, Result};

pub mod assigned;
pub mod colour;
pub mod csv;
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
    /// The article × theme mix as CSV, one row per article, for spreadsheets.
    Csv,
}

/// Renders `analysis` in `format`.
pub fn render(analysis: &Analysis, format: Format) -> Result<String> {
    match format {
        Format::Text => Ok(text::render(analysis)),
        Format::Json => json::render(analysis),
        Format::Html => Ok(html::render(analysis)),
        Format::Csv => csv::render(analysis),
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

/// Writes `contents` to `path` ([`write_atomic_with`]).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomic_with(path, |file| file.write_all(contents))
}

/// Writes what `write` writes (e.g. [`json::write`], which streams a report too large to hold
/// twice in memory) to `path`, so that a failed or interrupted run leaves no half-written
/// report:
///
/// - A regular file, new or old, is replaced atomically: the report goes to a temporary
///   `.zhuti-*.tmp` file in the same folder, renamed over `path` once complete. A replaced
///   file keeps its permissions and, where the runner may give it, its owner and group; a new
///   file gets the usual 0666 less the umask, like `>`.
/// - A symbolic link is followed (also to a file that does not exist yet): its target is
///   written as above and the link stays.
/// - A file with several hard links is written in place, so every name sees the report: the
///   report is first written whole to a temporary file, then copied over the file's content
///   (a failure during that copy can leave the file incomplete, as with `cp`).
/// - A device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe) is written to
///   directly, as `cp` and `sort -o` do: nothing is renamed over it.
///
/// On an error before the rename or copy, nothing is created and an existing file is
/// untouched; [`abandon_temporary_files`] removes the temporary file when a signal stops the
/// run.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<()> {
    let write_err = |source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source: plain_io_error(source),
    };
    check_output(path)?;
    let old = std::fs::metadata(path).ok();
    if let Some(meta) = &old {
        if !meta.is_file() {
            // A device or FIFO (also through links such as /dev/stdout): write into it;
            // there is nothing to replace.
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(write_err)?;
            write(&mut file).map_err(write_err)?;
            return file.flush().map_err(write_err);
        }
    }
    // The file the links lead to: resolved by the system when it exists (also through
    // /proc's links), else link by link (a link to a file not yet written).
    let target = match &old {
        Some(_) => std::fs::canonicalize(path),
        None => follow_links(path),
    }
    .map_err(write_err)?;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zhuti-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Under the umask, as for any new file; a replaced file's own mode is set below.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = {
        let mut pending = pending_temporary_files();
        let tmp = builder.tempfile_in(dir).map_err(write_err)?;
        pending.push(tmp.path().to_path_buf());
        tmp
    };
    let written = (|| {
        if let Some(meta) = &old {
            keep_owner_and_mode(tmp.as_file(), meta);
        }
        write(tmp.as_file_mut())?;
        tmp.as_file().sync_all()
    })();
    // Held while the report is put in place, so that a signal arriving now waits for it.
    let mut pending = pending_temporary_files();
    pending.retain(|p| p != tmp.path());
    written.map_err(write_err)?;
    if old.as_ref().is_some_and(|meta| hard_links(meta) > 1) {
        return copy_into(tmp.as_file_mut(), &target).map_err(write_err);
    }
    tmp.persist(&target).map_err(|e| write_err(e.error))?;
    Ok(())
}

/// `path` with symbolic links followed to the file they name (which need not exist yet).
fn follow_links(path: &Path) -> std::io::Result<std::path::PathBuf> {
    /// As many links as Linux follows before `ELOOP`.
    const MAX_LINKS: usize = 40;
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(std::io::Error::other(
        "too many levels of symbolic links; give the file itself",
    ))
}

/// Gives the new file `file` the owner, group and permissions of the file `old` it replaces,
/// as far as the runner may (an owner it may not give is left as it is).
fn keep_owner_and_mode(file: &std::fs::File, old: &std::fs::Metadata) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).is_err() {
            let _ = std::os::unix::fs::fchown(file, None, Some(old.gid()));
        }
    }
    // After the owner: changing it may clear the set-id bits.
    let _ = file.set_permissions(old.permissions());
}

#[cfg(unix)]
fn hard_links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn hard_links(_: &std::fs::Metadata) -> u64 {
    1
}

/// Copies the complete report in `tmp` over the content of the hard-linked file `target`.
fn copy_into(tmp: &mut std::fs::File, target: &Path) -> std::io::Result<()> {
    use std::io::Seek;
    tmp.rewind()?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)?;
    std::io::copy(tmp, &mut file)?;
    file.sync_all()
}

/// Temporary report files being written, for [`abandon_temporary_files`].
static PENDING: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

fn pending_temporary_files() -> std::sync::MutexGuard<'static, Vec<std::path::PathBuf>> {
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes the temporary file of any report being written and stops every later write from
/// creating, renaming or copying one: for a signal handler (SIGINT, SIGTERM), which ends the
/// process next. Waits while a report is being put in place, so `-o` is left either as it was
/// or complete.
pub fn abandon_temporary_files() {
    let pending = pending_temporary_files();
    for path in pending.iter() {
        let _ = std::fs::remove_file(path);
    }
    // Never unlocked: a write still under way blocks before it can rename its file into place.
    std::mem::forget(pending);
}

/// `text` safe to print on a terminal: control characters (C0 but tab, DEL, C1, and the
/// bidirectional overrides that reorder what is shown) are shown as escapes (`\x1b`,
/// `\u{9b}`, `\u{202e}`) instead of being obeyed, so an id, title or file name cannot move
/// the cursor, retitle the window or hide text.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            _ if !unsafe_char(c) => out.push(c),
            '\0'..='\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Where a paragraph is, after its article's id, as a reader finds it: ` ¶3` (its paragraph
/// number) in a JSON Lines or CSV record, whose paragraphs all share the record's line, and
/// `:12` (its line) in a file, with ` (part 2)` for a piece of a long paragraph when `part` is
/// shown.
pub(crate) fn location_suffix(
    record: bool,
    line: usize,
    part: Option<usize>,
    paragraph: Option<usize>,
) -> String {
    match (record, paragraph, part) {
        (true, Some(p), _) => format!(" ¶{p}"),
        (_, _, Some(part)) => format!(":{line} (part {part})"),
        _ => format!(":{line}"),
    }
}

/// The ids of the articles that are JSON Lines or CSV records ([`location_suffix`]).
pub(crate) fn record_ids(a: &crate::Analysis) -> std::collections::HashSet<&str> {
    a.documents
        .iter()
        .filter(|d| d.record)
        .map(|d| d.id.as_str())
        .collect()
}

/// The short form of each of `ids` that reports show: the last `/`- or `\\`-separated
/// segment, or as many last segments as keep it apart from every other id
/// (`finance/008` and `sports/008` stay whole, `seeds/000.txt` is `000.txt`).
pub(crate) fn short_ids<'a>(
    ids: impl IntoIterator<Item = &'a str>,
) -> std::collections::HashMap<&'a str, &'a str> {
    use std::collections::{HashMap, HashSet};
    /// The last `segments` segments of `id` (all of it if it has fewer).
    fn suffix(id: &str, segments: usize) -> &str {
        let mut seps = id.rmatch_indices(['/', '\\']).map(|(i, _)| i);
        match seps.nth(segments - 1) {
            Some(i) => id.get(i + 1..).unwrap_or(id),
            None => id,
        }
    }
    let unique: HashSet<&str> = ids.into_iter().collect();
    let mut depth: HashMap<&str, usize> = unique.iter().map(|&id| (id, 1)).collect();
    loop {
        let mut holders: HashMap<&str, Vec<&str>> = HashMap::new();
        for (&id, &d) in &depth {
            holders.entry(suffix(id, d)).or_default().push(id);
        }
        let mut grew = false;
        for ids in holders.into_values() {
            if ids.len() < 2 {
                continue;
            }
            for id in ids {
                if suffix(id, depth.get(id).copied().unwrap_or(1)) != id {
                    *depth.entry(id).or_default() += 1;
                    grew = true;
                }
            }
        }
        if !grew {
            break;
        }
    }
    depth
        .into_iter()
        .map(|(id, d)| (id, suffix(id, d)))
        .collect()
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

/// Inputs a report's header names (the rest are counted).
const INPUTS_SHOWN: usize = 3;

/// The inputs the header names: the first [`INPUTS_SHOWN`], then how many more.
pub(crate) fn input_names(inputs: &[String]) -> Vec<String> {
    let mut names: Vec<String> = inputs
        .iter()
        .take(INPUTS_SHOWN)
        .map(|name| terminal_safe(name).into_owned())
        .collect();
    if inputs.len() > INPUTS_SHOWN {
        names.push(crate::numbers::count(
            inputs.len() - INPUTS_SHOWN,
            "more input",
            "more inputs",
        ));
    }
    names
}
