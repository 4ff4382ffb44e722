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

/// Runs `zhuti` with `args`, asserts success (showing stderr if not), and returns stdout.
pub fn run_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "zhuti {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
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

/// The bundled seed articles (seeds/*.txt), in name order.
pub fn seed_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

/// A file inside tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// Is this a CI run (`CI=true`, as `.ci/run` is run)? There a test whose data or tool is
/// missing must fail, not skip: a skipped test cannot catch anything.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// `what` (a file, a tool) that a test needs is missing, because of `why`: under CI
/// ([`in_ci`]) this panics with a message naming it, so the test fails; outside CI it prints a
/// note and returns, and the caller skips the test.
pub fn missing(what: &str, why: &str) {
    if in_ci() {
        panic!("{what} is missing ({why}); CI=true, so this test fails instead of skipping");
    }
    eprintln!("skipping: {what} is missing ({why}); under CI=true this test would fail");
}

/// A file or folder in ../shared/data. When it is absent: outside CI, `None` with a note on stderr (the
/// test skips); under CI ([`in_ci`]), a panic naming the file (the test fails).
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("data")
        .join(name);
    if path.exists() {
        Some(path)
    } else {
        missing(
            &path.display().to_string(),
            "the labelled corpora live in ../shared/data beside the repository",
        );
        None
    }
}

/// What the JSON Schema of the report (schema/zhuti.schema.json) finds wrong in `instance`;
/// empty when it is valid.
pub fn schema_errors(instance: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schema/zhuti.schema.json"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// Display columns of a report line (Chinese takes two, as unicode-width counts), its colour
/// escapes (`ESC [ … m`) left out: what the line takes on a terminal.
pub fn columns(line: &str) -> usize {
    use unicode_width::UnicodeWidthStr;
    let mut plain = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain.width()
}

/// How many of `assigned`'s articles (`zhuti assign` JSON Lines values) have the main theme the
/// fit `report` gave them (its nearest theme for one it left unassigned, since assign places
/// every unit): `(same, compared)`, `compared` counting the articles found in the report.
pub fn fit_assign_agreement(
    report: &serde_json::Value,
    assigned: &[serde_json::Value],
) -> (usize, usize) {
    let fitted: std::collections::HashMap<&str, &serde_json::Value> = report["units"]
        .as_array()
        .expect("the report lists its units")
        .iter()
        .map(|u| {
            let theme = if u["theme"].is_null() {
                &u["nearest"]
            } else {
                &u["theme"]
            };
            (u["doc"].as_str().expect("units name their doc"), theme)
        })
        .collect();
    let (mut same, mut compared) = (0, 0);
    for article in assigned {
        if let Some(theme) = fitted.get(article["id"].as_str().expect("lines carry an id")) {
            compared += 1;
            same += usize::from(article["theme_mix"][0]["theme"] == **theme);
        }
    }
    (same, compared)
}
