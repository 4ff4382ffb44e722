//! Issue 18, "should fix": what a careless run meets — inputs given twice, a k that collapsed,
//! big or binary themes files, absurd thread counts, imperfect JSON Lines, ids that shorten to
//! the same name, CR-only line ends, JSON Lines under another name, and the right hint.
#![cfg(unix)]

mod common;

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

fn text_in(dir: &Path, args: &[&str]) -> String {
    let out = run_in(dir, args);
    assert!(out.status.success(), "zhuti {args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn ids(json: &Value, key: &str) -> Vec<String> {
    json[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_file_or_folder_given_twice_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("news")).unwrap();
    let text = small();
    let (first, second) = text.split_at(text.find("足球").unwrap());
    std::fs::write(dir.path().join("news/a.txt"), first).unwrap();
    std::fs::write(dir.path().join("news/b.txt"), second).unwrap();
    let (json, err) = json_in(dir.path(), &["news", "news/", "./news/a.txt", "--k", "2"]);
    assert_eq!(ids(&json, "documents"), ["news/a.txt", "news/b.txt"]);
    assert_eq!(json["dropped"].as_array().unwrap().len(), 0);
    assert!(
        err.contains("warning: skipped news/a.txt: already read (given twice)"),
        "{err}"
    );
    assert!(
        err.contains("warning: skipped ./news/a.txt: already read"),
        "{err}"
    );
}

#[test]
fn the_report_says_when_themes_collapsed() {
    let dir = tempfile::tempdir().unwrap();
    let line = small().lines().next().unwrap().to_string();
    std::fs::write(dir.path().join("same.txt"), format!("{line}\n").repeat(60)).unwrap();
    // Wide enough that each sentence stays on one line.
    let flags = [
        "--no-dedupe",
        "--keep-boilerplate",
        "--max-df",
        "1",
        "--width",
        "1000",
    ];
    let fixed = text_in(
        dir.path(),
        &[&["same.txt", "--k", "5"][..], &flags].concat(),
    );
    let second = fixed.lines().nth(1).unwrap();
    assert_eq!(
        second,
        "k = 1 (asked for 5; the paragraphs gave only 1 distinct theme, the other 4 came out empty)"
    );
    let auto = text_in(dir.path(), &[&["same.txt"][..], &flags].concat());
    let second = auto.lines().nth(1).unwrap();
    assert!(
        second.starts_with("k = 1, chosen automatically: k = 2 was chosen, but the paragraphs gave only 1 distinct theme ("),
        "{second}"
    );
    // The JSON says both numbers: the themes it has, and the k chosen; the HTML says why.
    let json: Value = serde_json::from_str(&text_in(
        dir.path(),
        &[&["same.txt", "--format", "json"][..], &flags].concat(),
    ))
    .unwrap();
    assert_eq!(json["params"]["k"], 1);
    assert_eq!(json["params"]["k_selection"]["chosen"], 2);
    let html = text_in(
        dir.path(),
        &[&["same.txt", "--format", "html"][..], &flags].concat(),
    );
    assert!(
        html.contains(
            "<b>k = 1</b>, chosen automatically (k = 2 was chosen; 1 of its themes came out empty)."
        ),
        "{html}"
    );
    // One candidate is no comparison.
    let three: String = small().lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.path().join("three.txt"), three).unwrap();
    let report = text_in(dir.path(), &["three.txt", "--width", "1000"]);
    assert_eq!(
        report.lines().nth(1).unwrap(),
        "k = 2, chosen automatically: the only k that 3 paragraphs allow (auto tries k = 2 up to ⌈√(n/2)⌉)"
    );
}

#[test]
fn themes_files_are_bounded_and_fast() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zeros.toml"), vec![0u8; 20 << 20]).unwrap();
    let out = run_in(dir.path(), &["--themes", "zeros.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("zeros.toml: looks like a binary file"),
        "{}",
        stderr(&out)
    );
    let out = run_in(dir.path(), &["--themes", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("/dev/zero: looks like a binary file"),
        "{}",
        stderr(&out)
    );
    // Text past the themes-file limit (16 MiB).
    let big = format!("# {}\n", "注".repeat(6 << 20));
    std::fs::write(dir.path().join("big.toml"), big).unwrap();
    let out = run_in(dir.path(), &["--themes", "big.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("big.toml: more than 16M"),
        "{}",
        stderr(&out)
    );
    // 80,000 seed words: linear, not quadratic (29 s before).
    let words: Vec<String> = (0..80_000).map(|i| format!("\"词{i}\"")).collect();
    let toml = format!(
        "[[theme]]\nname = \"算力\"\nwords = [\"算力\", \"芯片\", {}]\n",
        words.join(", ")
    );
    std::fs::write(dir.path().join("many.toml"), toml).unwrap();
    let started = std::time::Instant::now();
    let out = run_in(dir.path(), &["--themes", "many.toml", "--k", "3", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn threads_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.txt"), small()).unwrap();
    let (one, _) = json_in(dir.path(), &["small.txt", "--threads", "1"]);
    let (many, err) = json_in(dir.path(), &["small.txt", "--threads", "5000"]);
    assert_eq!(one, many);
    assert!(
        err.contains("warning: --threads 5000 is more than the 256 zhuti uses at most; using 256"),
        "{err}"
    );
    let help = String::from_utf8(run_in(dir.path(), &["--help"]).stdout).unwrap();
    assert!(help.contains("at most 256"), "{help}");
}

#[test]
fn imperfect_jsonl_records_are_read_or_reported() {
    let dir = tempfile::tempdir().unwrap();
    let small = small();
    let lines: Vec<&str> = small.lines().collect();
    let text = |i: usize| format!("{}\n{}", lines[i], lines[i + 3]);
    let records = [
        serde_json::json!({"id": "a", "title": 123, "date": 20240101, "source": true, "text": text(0)}).to_string(),
        serde_json::json!({"id": "b", "source": ["x", "y"], "text": text(1)}).to_string(),
        format!("{{\"id\": \"c\", \"label\": 7, \"text\": \"{}\\ud800\\n{}\"}}", lines[2], lines[5]),
        "{\"id\": \"d\", \"text\": \"trunc".to_string(),
    ];
    std::fs::write(dir.path().join("f.jsonl"), records.join("\n") + "\n").unwrap();
    let (json, err) = json_in(dir.path(), &["f.jsonl", "--k", "2"]);
    assert_eq!(ids(&json, "documents"), ["a", "c"]);
    let docs = json["documents"].as_array().unwrap();
    assert_eq!(docs[0]["title"], "123");
    assert_eq!(docs[1]["label"], "7");
    let unit_c = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["doc"] == "c")
        .unwrap();
    assert!(
        unit_c["text"].as_str().unwrap().ends_with('\u{fffd}'),
        "{unit_c}"
    );
    let bad: Vec<(String, u64, String)> = json["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["doc"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        bad,
        [
            ("f.jsonl:2".to_string(), 2, "bad_record".to_string()),
            ("f.jsonl:4".to_string(), 4, "bad_record".to_string())
        ]
    );
    assert!(
        err.contains("warning: f.jsonl:2: skipped a bad record: \"source\" must be a string, number or boolean, not an array"),
        "{err}"
    );
    assert!(
        err.contains("warning: f.jsonl:4: skipped a bad record: invalid JSON"),
        "{err}"
    );
    // --strict makes a bad record an error.
    let out = run_in(dir.path(), &["f.jsonl", "--k", "2", "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("zhuti: error: f.jsonl:2: \"source\" must be a string"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ids_shorten_only_while_they_stay_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let text = small();
    let (first, second) = text.split_at(text.find("足球").unwrap());
    for (name, body) in [("finance/008.txt", first), ("sports/008.txt", second)] {
        let path = dir.path().join("news").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    std::fs::write(
        dir.path().join("news/sports/009.txt"),
        second.replace("球队", "队伍"),
    )
    .unwrap();
    let report = text_in(dir.path(), &["news", "--k", "2", "--no-dedupe"]);
    assert!(report.contains("  finance/008.txt "), "{report}");
    assert!(report.contains("  sports/008.txt "), "{report}");
    assert!(report.contains("  009.txt "), "{report}");
    assert!(!report.contains(" 008.txt"), "{report}");
    let html = text_in(
        dir.path(),
        &["news", "--k", "2", "--no-dedupe", "--format", "html"],
    );
    assert!(html.contains("finance/008.txt"), "html");
    assert!(html.contains("sports/008.txt"), "html");
}

#[test]
fn cr_line_ends_split_and_jsonl_is_sniffed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mac.txt"), small().replace('\n', "\r")).unwrap();
    let (json, _) = json_in(dir.path(), &["mac.txt", "--k", "2"]);
    let lines: Vec<u64> = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 2, 3, 4, 5, 6]);
    let jsonl: String = small()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "{}\n",
                serde_json::json!({"id": format!("r{i}"), "text": l})
            )
        })
        .collect();
    for name in ["corpus.data", "corpus"] {
        std::fs::write(dir.path().join(name), &jsonl).unwrap();
        let (json, _) = json_in(dir.path(), &[name, "--k", "2"]);
        assert_eq!(
            ids(&json, "documents"),
            ["r0", "r1", "r2", "r3", "r4", "r5"],
            "{name}"
        );
    }
}

#[test]
fn the_hint_names_max_df_when_every_term_is_too_common() {
    let dir = tempfile::tempdir().unwrap();
    let line = small().lines().next().unwrap().to_string();
    std::fs::write(dir.path().join("same.txt"), format!("{line}\n").repeat(6)).unwrap();
    let out = run_in(
        dir.path(),
        &["same.txt", "--no-dedupe", "--keep-boilerplate"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("every term is in more than the --max-df share of units: try `--max-df 1`"),
        "{err}"
    );
    assert!(!err.contains("--min-df 1"), "{err}");
}
