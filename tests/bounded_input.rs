//! Issue 18, inputs: gzip bombs and huge inputs are bounded (`--max-input`), binary data is
//! refused wherever it starts, control characters never reach a report, file names that are not
//! UTF-8 are read, and terminal escapes are shown, not obeyed.
#![cfg(unix)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use common::{fixture, zhuti};

fn small() -> String {
    std::fs::read_to_string(fixture("robust/small.txt")).unwrap()
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    zhuti().args(args).current_dir(dir).output().unwrap()
}

/// Runs zhuti in `dir` with at most `kib` KiB of address space (`ulimit -v`), one thread.
fn run_limited(dir: &Path, kib: u64, args: &[&str]) -> Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\" --threads 1 \"$@\""))
        .arg(env!("CARGO_BIN_EXE_zhuti"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_in(dir: &Path, args: &[&str]) -> (Value, String) {
    let mut full = args.to_vec();
    full.extend(["--format", "json"]);
    let out = run_in(dir, &full);
    assert!(out.status.success(), "zhuti {full:?}: {}", stderr(&out));
    (serde_json::from_slice(&out.stdout).unwrap(), stderr(&out))
}

/// `members` gzip members, each holding `member` once: a big input in a small file.
fn gzip_members(member: &[u8], members: usize) -> Vec<u8> {
    let mut one = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    one.write_all(member).unwrap();
    one.finish().unwrap().repeat(members)
}

/// Asserts a failed run with exit 1, nothing on stdout and no `-o` file or temporary file.
fn assert_refused(dir: &Path, out: &Output, parts: &[&str]) {
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    assert!(out.stdout.is_empty());
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{err}");
    for part in parts {
        assert!(err.contains(part), "{part:?} not in {err}");
    }
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".zhuti-") || n == "out.json")
        .collect();
    assert_eq!(names, Vec::<String>::new());
}

#[test]
fn gzip_of_zeros_is_refused_from_its_first_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // 2 GiB of NULs in about 2 MB; the run may use 600 MB of address space at most.
    let zeros = gzip_members(&vec![0u8; 1 << 20], 2048);
    std::fs::write(dir.path().join("zeros.txt.gz"), zeros).unwrap();
    let out = run_limited(dir.path(), 600_000, &["zeros.txt.gz", "-o", "out.json"]);
    assert_refused(dir.path(), &out, &["zeros.txt.gz", "binary"]);
}

#[test]
fn reading_stops_at_max_input() {
    let dir = tempfile::tempdir().unwrap();
    let text = small().repeat(2000); // about 1 MiB
    std::fs::write(
        dir.path().join("big.txt.gz"),
        gzip_members(text.as_bytes(), 64),
    )
    .unwrap();
    std::fs::write(dir.path().join("a.txt"), small().repeat(12)).unwrap();
    std::fs::write(dir.path().join("b.txt"), small().repeat(12)).unwrap();
    // 64 MiB unpacked from a small file: refused at the limit.
    let out = run_in(
        dir.path(),
        &["big.txt.gz", "--max-input", "16M", "-o", "out.json"],
    );
    assert_refused(
        dir.path(),
        &out,
        &["big.txt.gz", "--max-input 16M", "raise it"],
    );
    // The limit is on the whole run: two files of 6.3 KB each pass 10K together.
    let out = run_in(dir.path(), &["a.txt", "b.txt", "--max-input", "10K"]);
    assert_refused(dir.path(), &out, &["b.txt", "--max-input 10K"]);
    let out = run_in(dir.path(), &["a.txt", "--max-input", "10K", "--k", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Stdin counts too.
    let out = common::run_with_stdin(
        dir.path(),
        &["-", "--max-input", "1K"],
        small().repeat(3).as_bytes(),
    );
    assert_refused(dir.path(), &out, &["<stdin>", "--max-input 1K"]);
    // Sizes are spelled with K, M, G or T (powers of 1024) or as bytes.
    for ok in ["100000", "512M", "8G", "1T", "64k"] {
        let out = run_in(dir.path(), &["a.txt", "--k", "2", "-q", "--max-input", ok]);
        assert!(out.status.success(), "{ok}: {}", stderr(&out));
    }
    for bad in ["8Q", "", "-1", "0", "1.5G"] {
        let out = run_in(dir.path(), &["a.txt", &format!("--max-input={bad}")]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("--max-input"), "{bad}");
    }
    let help = String::from_utf8(run_in(dir.path(), &["--help"]).stdout).unwrap();
    assert!(help.contains("--max-input <SIZE>"), "{help}");
    assert!(help.contains("[default: 8G]"), "{help}");
}

#[test]
fn memory_running_out_is_an_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    // 1 GiB of text; the run may use 700 MB of address space.
    let text = small().repeat(2000);
    let gz = gzip_members(text.as_bytes(), 1024);
    std::fs::write(dir.path().join("huge.txt.gz"), gz).unwrap();
    let out = run_limited(dir.path(), 700_000, &["huge.txt.gz", "-o", "out.json"]);
    assert_refused(dir.path(), &out, &["huge.txt.gz", "not enough memory"]);
}

#[test]
fn binary_after_the_first_bytes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = small().repeat(30).into_bytes(); // past the first 8 KiB
    bytes.extend(vec![0u8; 4 << 20]);
    std::fs::write(dir.path().join("tail.txt"), &bytes).unwrap();
    let out = run_in(dir.path(), &["tail.txt", "-o", "out.json"]);
    assert_refused(dir.path(), &out, &["tail.txt", "binary"]);
    // In a folder, it is skipped with a warning like any binary file.
    std::fs::create_dir(dir.path().join("news")).unwrap();
    std::fs::rename(
        dir.path().join("tail.txt"),
        dir.path().join("news/tail.txt"),
    )
    .unwrap();
    std::fs::write(dir.path().join("news/ok.txt"), small()).unwrap();
    let (json, err) = json_in(dir.path(), &["news", "--k", "2"]);
    assert_eq!(json["corpus"]["documents"], 1);
    assert!(
        err.contains("skipped news/tail.txt: looks like a binary file"),
        "{err}"
    );
}

#[test]
fn control_characters_never_reach_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let text = small()
        .replace("算力", "算\u{0}力")
        .replace("球队", "球\u{1b}[31m队")
        .replace("芯片", "芯\u{9b}片")
        .replace("进攻", "进\u{85}攻")
        .replace("主教练", "主\u{7f}教练\u{b}");
    // A raw NUL in the first 8 KiB marks a file as binary (as for git and grep); in JSON Lines
    // it is written `\u0000`.
    std::fs::write(dir.path().join("c.txt"), text.replace('\0', "\u{1}")).unwrap();
    let record = serde_json::json!({"id": "r1", "text": text});
    std::fs::write(dir.path().join("c.jsonl"), format!("{record}\n")).unwrap();
    let (plain, _) = json_in(dir.path(), &["c.txt", "--k", "2"]);
    for file in ["c.txt", "c.jsonl"] {
        let (json, _) = json_in(dir.path(), &[file, "--k", "2"]);
        let units = json["units"].as_array().unwrap();
        assert_eq!(units.len(), 6, "{file}");
        for (unit, same) in units.iter().zip(plain["units"].as_array().unwrap()) {
            let text = unit["text"].as_str().unwrap();
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert_eq!(text, same["text"].as_str().unwrap());
        }
        let first = units[0]["text"].as_str().unwrap();
        assert_eq!(first, small().lines().next().unwrap());
    }
    let converter = zhuti::internals::clean::Converter::new(true);
    assert_eq!(
        zhuti::internals::clean::normalize_line(
            "\u{1}大模型\u{0}训练\u{1b}[0m\u{85}算\u{b}力\u{7f}",
            &converter
        ),
        "大模型训练[0m 算 力"
    );
}

#[test]
fn file_names_that_are_not_utf8_are_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("news")).unwrap();
    let lines: Vec<&str> = small().lines().map(|_| "").collect();
    drop(lines);
    let text = small();
    let (first, second) = text.split_at(text.find("足球").unwrap());
    std::fs::write(dir.path().join("news/a.txt"), first).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"b\xff\xfe.txt");
    std::fs::write(dir.path().join("news").join(name), second).unwrap();
    let (json, _) = json_in(dir.path(), &["news", "--k", "2"]);
    let ids: Vec<&str> = json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["news/a.txt", "news/b\u{fffd}\u{fffd}.txt"]);
}

#[test]
fn terminal_escapes_are_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("news")).unwrap();
    let text = small();
    let (first, second) = text.split_at(text.find("足球").unwrap());
    let record = serde_json::json!({
        "id": "evil\u{1b}]0;owned\u{7}",
        "title": "标题\u{1b}[2J\u{9b}31m",
        "text": first,
    });
    std::fs::write(dir.path().join("news/a.jsonl"), format!("{record}\n")).unwrap();
    std::fs::write(dir.path().join("news/x\u{1b}[41m.txt"), second).unwrap();
    std::fs::write(dir.path().join("news/bin\u{1b}[42m.txt"), [0u8, 1, 2, 3]).unwrap();
    let out = run_in(dir.path(), &["news", "--k", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        !report.contains(['\u{1b}', '\u{7}', '\u{9b}']),
        "{report:?}"
    );
    assert!(report.contains("evil\\x1b]0;owned\\x07"), "{report}");
    assert!(report.contains("标题\\x1b[2J\\u{9b}31m"), "{report}");
    assert!(report.contains("x\\x1b[41m.txt"), "{report}");
    let err = stderr(&out);
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("bin\\x1b[42m.txt"), "{err}");
}
