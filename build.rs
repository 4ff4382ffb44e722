//! Indexes jieba's dictionary (`assets/jieba_dict.txt`) for `src/dictionary.rs`: the runs of
//! consecutive lines whose words share their first two characters (or are the same single
//! character), so that a corpus-scoped dictionary can pass over a whole run after testing one
//! character bigram. Each run is three little-endian `u32`s: first character, second character
//! (0 for a one-character word), byte offset of the run's first line. The runs are grouped
//! in turn by first character, so that a character absent from a corpus costs one test: each
//! group is two `u32`s, the character and the index of its first run.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=assets/jieba_dict.txt");
    println!("cargo:rerun-if-changed=build.rs");
    let dict = std::fs::read_to_string("assets/jieba_dict.txt")?;
    let mut runs = Vec::new();
    let mut groups = Vec::new();
    let mut previous: Option<(u32, u32)> = None;
    let mut offset = 0usize;
    for line in dict.split_inclusive('\n') {
        let word = line.split([' ', '\n']).next().unwrap_or_default();
        let mut chars = word.chars();
        let key = (
            chars.next().map_or(0, u32::from),
            chars.next().map_or(0, u32::from),
        );
        if previous.map(|p| p.0) != Some(key.0) {
            groups.extend(key.0.to_le_bytes());
            groups.extend(u32::try_from(runs.len() / 12)?.to_le_bytes());
        }
        if previous != Some(key) {
            runs.extend(key.0.to_le_bytes());
            runs.extend(key.1.to_le_bytes());
            runs.extend(u32::try_from(offset)?.to_le_bytes());
            previous = Some(key);
        }
        offset += line.len();
    }
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo:rustc-env=ZHUTI_LONG_VERSION={}", long_version());
    std::fs::write(out.join("jieba_dict_runs.bin"), runs)?;
    std::fs::write(out.join("jieba_dict_groups.bin"), groups)?;
    Ok(())
}

/// `--version`'s text: the package version, and the commit when built from a git checkout
/// (`0.1.0 (commit 1a2b3c4)`). Never fails the build:
/// without git or a repository it is the version alone.
fn long_version() -> String {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // Only this package's own checkout (a clone, where `.git` is a folder, or a worktree,
    // where it is a file naming the folder): not a repository it happens to sit in.
    if !std::path::Path::new(".git").exists() {
        return version;
    }
    // Rebuild the text when HEAD moves: HEAD itself (detached, or another branch checked
    // out) lives in this checkout's git folder, the branch's ref and packed-refs in the
    // repository's common folder (the same folder, except in a worktree).
    if let (Some(dir), Some(common)) = (
        run(&["rev-parse", "--git-dir"]),
        run(&["rev-parse", "--git-common-dir"]),
    ) {
        let (dir, common) = (std::path::Path::new(&dir), std::path::Path::new(&common));
        println!("cargo:rerun-if-changed={}", dir.join("HEAD").display());
        let packed = common.join("packed-refs");
        if packed.exists() {
            println!("cargo:rerun-if-changed={}", packed.display());
        }
        if let Ok(head) = std::fs::read_to_string(dir.join("HEAD")) {
            if let Some(reference) = head.trim().strip_prefix("ref: ") {
                // The branch's folder, not its file: after `git gc` the ref lives only in
                // packed-refs, and the next commit writes a loose file that a watch on a
                // missing path would never see.
                let file = common.join(reference);
                if let Some(folder) = file.parent().filter(|f| f.exists()) {
                    println!("cargo:rerun-if-changed={}", folder.display());
                }
            }
        }
    }
    match run(&["rev-parse", "--short", "HEAD"]) {
        Some(commit) if !commit.is_empty() => format!("{version} (commit {commit})"),
        _ => version,
    }
}
