//! Messy but valid input, through the real binary: other encodings, BOMs, CRLF, a huge file
//! with no line breaks, stdin, symlink loops, deep folders, duplicates, tiny corpora, stray
//! binary files in folders, and atomic `-o`.

mod common;

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use common::{fixture, run_with_stdin, zhuti};

fn small() -> String {
    std::fs::read_to_string(fixture("robust/small.txt")).unwrap()
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    zhuti().args(args).current_dir(dir).output().unwrap()
}

fn json_in(dir: &Path, args: &[&str]) -> Value {
    let mut full = args.to_vec();
    full.extend(["--format", "json"]);
    let out = run_in(dir, &full);
    assert!(
        out.status.success(),
        "zhuti {full:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `(line, text, theme)` of every unit: what must not depend on how the file was encoded.
fn unit_view(analysis: &Value) -> Vec<(u64, String, u64)> {
    analysis["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["line"].as_u64().unwrap(),
                u["text"].as_str().unwrap().to_string(),
                u["theme"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn encodings_boms_and_crlf_give_the_same_units() {
    let dir = tempfile::tempdir().unwrap();
    let text = small();
    write(dir.path(), "utf8.txt", &text);
    let reference = unit_view(&json_in(dir.path(), &["utf8.txt", "--k", "2"]));
    assert_eq!(reference.len(), 6);
    assert_eq!(reference[0].0, 1);
    assert!(reference[0].1.starts_with("大模型训练"));

    let (gbk, _, lossy) = encoding_rs::GBK.encode(&text);
    assert!(!lossy);
    write(dir.path(), "gbk.txt", &gbk);
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(text.as_bytes());
    write(dir.path(), "bom.txt", &bom);
    write(dir.path(), "crlf.txt", text.replace('\n', "\r\n"));
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    write(dir.path(), "utf16.txt", &utf16);
    let mut bom_crlf = vec![0xEF, 0xBB, 0xBF];
    bom_crlf.extend_from_slice(text.replace('\n', "\r\n").as_bytes());
    write(dir.path(), "bom_crlf.txt", &bom_crlf);
    for name in [
        "gbk.txt",
        "bom.txt",
        "crlf.txt",
        "utf16.txt",
        "bom_crlf.txt",
    ] {
        let units = unit_view(&json_in(dir.path(), &[name, "--k", "2"]));
        assert_eq!(units, reference, "{name}");
    }
}

#[test]
fn gb18030_beyond_gbk() {
    // 𠀀 (U+20000) and 㐀 (U+3400) exist in GB18030 only as four-byte sequences.
    let dir = tempfile::tempdir().unwrap();
    let text = small().replace("芯片供应", "芯片𠀀㐀供应");
    let (bytes, _, lossy) = encoding_rs::GB18030.encode(&text);
    assert!(!lossy);
    assert!(std::str::from_utf8(&bytes).is_err());
    write(dir.path(), "gb18030.txt", &bytes);
    let analysis = json_in(dir.path(), &["gb18030.txt", "--k", "2"]);
    assert!(analysis["units"][0]["text"]
        .as_str()
        .unwrap()
        .contains("芯片𠀀㐀供应"));
}

#[test]
fn ten_megabytes_without_line_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let huge = one_line_text(10 * 1024 * 1024);
    assert!(!huge.contains('\n'));
    write(dir.path(), "huge.txt", &huge);
    let analysis = json_in(dir.path(), &["huge.txt", "--k", "2", "-q"]);

    let units = analysis["units"].as_array().unwrap();
    let dropped = analysis["dropped"].as_array().unwrap();
    // The text repeats, so most pieces are dropped as (near-)duplicates of the first copy;
    // each piece is judged on its own, so the few with furniture do not drop the rest.
    assert!(
        units.len() + dropped.len() > 2500,
        "{} pieces",
        units.len() + dropped.len()
    );
    assert!(units.len() >= 5, "{} units", units.len());
    let duplicates = dropped
        .iter()
        .filter(|d| d["reason"] == "duplicate")
        .count();
    assert!(duplicates > 2000, "{duplicates} duplicates");
    // Every piece comes from line 1, is at most 1200 characters, carries its part number, and
    // nearly all end at a sentence end; together (kept and dropped, in part order) they are
    // the cleaned line.
    let mut sentence_ends = 0;
    let mut pieces: Vec<(u64, String)> = units
        .iter()
        .chain(dropped)
        .map(|u| {
            assert_eq!(u["line"], 1);
            let text = u["text"].as_str().unwrap();
            assert!(text.chars().count() <= 1200);
            if text.ends_with(['。', '！', '？', '!', '?', '；', ';']) {
                sentence_ends += 1;
            }
            (u["part"].as_u64().unwrap(), text.to_string())
        })
        .collect();
    assert!(
        sentence_ends * 10 >= pieces.len() * 9,
        "{sentence_ends} of {}",
        pieces.len()
    );
    pieces.sort();
    let parts: Vec<u64> = pieces.iter().map(|p| p.0).collect();
    let expected: Vec<u64> = (1..=pieces.len() as u64).collect();
    assert_eq!(parts, expected, "parts are 1..=n, each once");
    let joined: String = pieces.into_iter().map(|p| p.1).collect();
    let joined: String = joined.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        joined == cleaned_letters(&huge),
        "the pieces are the whole line"
    );
}

/// The bundled seed articles as one line (line breaks removed), repeated to at least `bytes`
/// bytes: real, varied news text, so pieces differ in their terms.
fn one_line_text(bytes: usize) -> String {
    let mut names: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
    names.sort();
    let seeds: String = names
        .iter()
        .flat_map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.lines().map(str::to_string).collect::<Vec<_>>()
        })
        .collect();
    seeds.repeat(bytes / seeds.len() + 1)
}

/// What cleaning makes of `line`, without whitespace (pieces are trimmed at their cuts).
fn cleaned_letters(line: &str) -> String {
    let converter = zhuti::internals::clean::Converter::new(true);
    let line = zhuti::internals::clean::mojibake::realign(line);
    zhuti::internals::clean::normalize_line(&line, &converter)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn long_paragraph_parts_in_json() {
    let dir = tempfile::tempdir().unwrap();
    // Line 1 is long (3 parts), lines 2-7 are the ordinary paragraphs without a part.
    let long: String = one_line_text(0).chars().take(3500).collect();
    write(dir.path(), "mixed.txt", format!("{long}\n{}", small()));
    let analysis = json_in(dir.path(), &["mixed.txt", "--k", "2"]);
    let schema: Value = serde_json::from_str(include_str!("../schema/zhuti.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&analysis)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut all: Vec<&Value> = analysis["units"].as_array().unwrap().iter().collect();
    all.extend(analysis["dropped"].as_array().unwrap());
    all.sort_by_key(|u| (u["line"].as_u64(), u["part"].as_u64()));
    let located: Vec<(u64, Option<u64>)> = all
        .iter()
        .map(|u| (u["line"].as_u64().unwrap(), u["part"].as_u64()))
        .collect();
    let n = located.iter().filter(|l| l.0 == 1).count();
    assert!(n >= 3, "{located:?}"); // 3500 characters, less glosses
    let first: Vec<(u64, Option<u64>)> = (1..=n as u64).map(|p| (1, Some(p))).collect();
    assert_eq!(located[..n], first[..]);
    assert_eq!(
        located[n..],
        [
            (2, None),
            (3, None),
            (4, None),
            (5, None),
            (6, None),
            (7, None)
        ]
    );
    let unique: HashSet<_> = located.iter().collect();
    assert_eq!(unique.len(), located.len());
    let whole: String = all[..n]
        .iter()
        .map(|u| u["text"].as_str().unwrap())
        .collect();
    assert_eq!(cleaned_letters(&whole), cleaned_letters(&long));
}

#[test]
fn stdin_text_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        dir.path(),
        &["-", "--k", "2", "--format", "json"],
        small().as_bytes(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let analysis: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(analysis["documents"][0]["id"], "<stdin>");
    assert_eq!(analysis["units"].as_array().unwrap().len(), 6);

    let jsonl: String = small()
        .lines()
        .enumerate()
        .map(|(i, line)| format!("{{\"id\": \"p{i}\", \"text\": \"{line}\"}}\n"))
        .collect();
    let out = run_with_stdin(
        dir.path(),
        &["-", "--k", "2", "--format", "json"],
        jsonl.as_bytes(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let analysis: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids = document_ids(&analysis);
    assert_eq!(ids, ["p0", "p1", "p2", "p3", "p4", "p5"]);
    assert_eq!(analysis["units"][3]["line"], 4);

    // Gzip on stdin is recognised by its magic bytes.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(small().as_bytes()).unwrap();
    let out = run_with_stdin(
        dir.path(),
        &["-", "--k", "2", "--format", "json"],
        &gz.finish().unwrap(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "news/a/small.txt", small());
    std::os::unix::fs::symlink("..", dir.path().join("news/a/up")).unwrap();
    std::os::unix::fs::symlink("loop2", dir.path().join("news/loop1")).unwrap();
    std::os::unix::fs::symlink("loop1", dir.path().join("news/loop2")).unwrap();
    let out = run_in(dir.path(), &["news", "--k", "2", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let analysis: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(analysis["corpus"]["documents"], 1);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("zhuti: warning: skipped: File system loop found"),
        "{stderr}"
    );
}

#[test]
fn deep_folders() {
    let dir = tempfile::tempdir().unwrap();
    let deep: PathBuf = std::iter::once("deep".to_string())
        .chain((0..120).map(|i| format!("d{i}")))
        .collect();
    write(
        dir.path(),
        deep.join("small.txt").to_str().unwrap(),
        small(),
    );
    write(
        dir.path(),
        "deep/top.txt",
        small().replace("大模型", "大型模型"),
    );
    let analysis = json_in(dir.path(), &["deep", "--k", "2"]);
    assert_eq!(analysis["corpus"]["documents"], 2);
    let ids = document_ids(&analysis);
    assert!(ids[0].ends_with("d119/small.txt"), "{ids:?}");
    assert_eq!(ids[1], "deep/top.txt");
}

#[test]
fn duplicate_articles() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", small());
    write(dir.path(), "b.txt", small());
    let analysis = json_in(dir.path(), &["a.txt", "b.txt", "--k", "2"]);
    assert_eq!(analysis["corpus"]["units"], 6);
    let dropped = analysis["dropped"].as_array().unwrap();
    assert_eq!(dropped.len(), 6);
    for (i, d) in dropped.iter().enumerate() {
        assert_eq!(d["doc"], "b.txt");
        assert_eq!(d["reason"], "duplicate");
        assert_eq!(d["line"], i as u64 + 1);
        assert_eq!(d["duplicate_of"]["doc"], "a.txt");
        assert_eq!(d["duplicate_of"]["line"], i as u64 + 1);
    }
    assert_eq!(analysis["documents"][1]["units"], 0);
    assert_eq!(analysis["documents"][1]["theme_mix"], serde_json::json!([]));
}

#[test]
fn fewer_units_than_dims() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.txt", small());
    let analysis = json_in(dir.path(), &["small.txt", "--k", "2", "--dims", "300"]);
    assert_eq!(analysis["params"]["dims"], 300);
    let used = analysis["params"]["dims_used"].as_u64().unwrap();
    assert!((1..=6).contains(&used), "dims_used {used}");
    // The two topics of the fixture come out as the two themes.
    let themes: Vec<u64> = analysis["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["theme"].as_u64().unwrap())
        .collect();
    assert_eq!(themes[0], themes[1]);
    assert_eq!(themes[1], themes[2]);
    assert_eq!(themes[3], themes[4]);
    assert_eq!(themes[4], themes[5]);
    assert_ne!(themes[0], themes[3]);
}

#[test]
fn binary_file_in_a_folder_is_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "news/good.txt", small());
    write(
        dir.path(),
        "news/core.txt",
        [0x7f, b'E', b'L', b'F', 0, 0, 0, 1],
    );
    write(dir.path(), "news/photo.png", [0x89, b'P', b'N', b'G', 0]);
    let out = run_in(dir.path(), &["news", "--k", "2", "--format", "json"]);
    assert!(out.status.success());
    let analysis: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(analysis["corpus"]["documents"], 1);
    assert_eq!(analysis["documents"][0]["id"], "news/good.txt");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.trim_end(),
        "zhuti: warning: skipped news/core.txt: looks like a binary file, not text; give zhuti \
         .txt, .md or .jsonl files (optionally .gz-compressed)"
    );
    // -q silences the warning.
    let quiet = run_in(dir.path(), &["news", "--k", "2", "-q"]);
    assert!(quiet.status.success());
    assert!(quiet.stderr.is_empty());
}

#[test]
fn output_file_is_written_whole_and_replaced_atomically() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.txt", small());
    write(dir.path(), "report.json", "old");
    let args = ["small.txt", "--k", "2", "--format", "json"];
    let stdout = run_in(dir.path(), &args).stdout;
    let mut with_o = args.to_vec();
    with_o.extend(["-o", "report.json"]);
    let out = run_in(dir.path(), &with_o);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read(dir.path().join("report.json")).unwrap(),
        stdout
    );
    // No temporary file is left behind.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["report.json", "small.txt"]);
    #[cfg(target_os = "linux")]
    {
        // A new report gets ordinary permissions (0666 less the umask), not 0600.
        use std::os::unix::fs::PermissionsExt;
        let out = run_in(dir.path(), &["small.txt", "--k", "2", "-o", "new.txt"]);
        assert!(out.status.success());
        let mode = std::fs::metadata(dir.path().join("new.txt"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let umask = status
            .lines()
            .find_map(|l| l.strip_prefix("Umask:"))
            .map(|m| u32::from_str_radix(m.trim(), 8).unwrap());
        if let Some(umask) = umask {
            assert_eq!(mode, 0o666 & !umask);
        }
    }
}

#[test]
fn jsonl_records_with_several_paragraphs_number_their_parts() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = small().lines().map(String::from).collect();
    let records = [
        serde_json::json!({"id": "ai", "text": lines[..3].join("\n")}),
        serde_json::json!({"id": "ball", "text": lines[3..].join("\n\n")}),
    ];
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    write(dir.path(), "two.jsonl", text);
    let analysis = json_in(dir.path(), &["two.jsonl", "--k", "2"]);
    let located: Vec<(&str, u64, u64)> = analysis["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["doc"].as_str().unwrap(),
                u["line"].as_u64().unwrap(),
                u["part"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        located,
        [
            ("ai", 1, 1),
            ("ai", 1, 2),
            ("ai", 1, 3),
            ("ball", 2, 1),
            ("ball", 2, 2),
            ("ball", 2, 3)
        ]
    );
}

/// The `id` of every document in an analysis, in report order.
fn document_ids(analysis: &Value) -> Vec<&str> {
    analysis["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect()
}
