//! Helpers shared by the integration tests: run the real `zhuti` binary.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A `Command` for the `zhuti` binary built for these tests.
pub fn zhuti() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zhuti"))
}

/// Runs `zhuti` with `args` in `dir`, feeding `stdin`, and returns its output.
pub fn run_with_stdin(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = zhuti()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zhuti starts");
    // zhuti may exit before reading everything (errors): a closed pipe is fine here.
    let _ = child.stdin.take().expect("stdin is piped").write_all(stdin);
    child.wait_with_output().expect("zhuti finishes")
}

/// Runs `zhuti` with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    zhuti().args(args).output().expect("zhuti runs")
}

/// Runs `zhuti` with `args`, asserts success, and parses stdout as JSON.
pub fn run_json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(
        out.status.success(),
        "zhuti {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// A file inside tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// A file in ../shared/data, or `None` (with a note on stderr) when ../shared is absent.
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("data")
        .join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping: {} not found", path.display());
        None
    }
}
