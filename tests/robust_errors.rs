//! Bad input and faults, through the real binary: usage errors exit 2 with clap's message;
//! runtime errors exit 1 with one line on stderr saying what, where and what to do; and on any
//! failure the `-o` file is neither created nor touched.

mod common;

use std::path::PathBuf;
use std::process::Stdio;

use common::{fixture, run_with_stdin, zhuti};

/// A scratch folder with an `out/` folder holding `old.json` (an earlier report that a failed
/// run must leave alone).
struct Scratch {
    dir: tempfile::TempDir,
}

const OLD_REPORT: &str = "{\"an\": \"earlier report\"}\n";

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        std::fs::write(dir.path().join("out/old.json"), OLD_REPORT).unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Runs zhuti in the scratch folder with `args`, once writing to the existing
    /// `out/old.json` and once to a new `out/new.json`, and checks that both runs fail the same
    /// way and leave `out/` exactly as it was. Returns the exit code and stderr.
    fn fail(&self, args: &[&str]) -> (i32, String) {
        let mut first = None;
        for target in ["out/old.json", "out/new.json"] {
            let mut full: Vec<&str> = args.to_vec();
            full.extend(["-o", target]);
            let out = zhuti()
                .args(&full)
                .current_dir(self.dir.path())
                .output()
                .unwrap();
            assert!(!out.status.success(), "zhuti {full:?} succeeded");
            assert!(out.stdout.is_empty(), "stdout: {:?}", out.stdout);
            self.assert_out_untouched(&full);
            let result = (
                out.status.code().unwrap(),
                String::from_utf8(out.stderr).unwrap(),
            );
            match &first {
                None => first = Some(result),
                Some(f) => assert_eq!(f.0, result.0, "exit code differs with {full:?}"),
            }
        }
        first.unwrap()
    }

    fn assert_out_untouched(&self, args: &[&str]) {
        let names: Vec<String> = std::fs::read_dir(self.path("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["old.json"], "out/ changed by zhuti {args:?}");
        assert_eq!(
            std::fs::read_to_string(self.path("out/old.json")).unwrap(),
            OLD_REPORT,
            "out/old.json changed by zhuti {args:?}"
        );
    }
}

/// Asserts a runtime error: exit 1, exactly one line on stderr, starting `zhuti: error: ` and
/// containing every one of `parts`.
fn assert_runtime_error((code, stderr): (i32, String), parts: &[&str]) {
    assert_eq!(code, 1, "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr}");
    assert!(stderr.starts_with("zhuti: error: "), "{stderr}");
    for part in parts {
        assert!(stderr.contains(part), "{part:?} missing from: {stderr}");
    }
}

/// Asserts a usage error: exit 2 with clap's message naming the flag.
fn assert_usage_error((code, stderr): (i32, String), parts: &[&str]) {
    assert_eq!(code, 2, "stderr: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("For more information, try '--help'."),
        "{stderr}"
    );
    for part in parts {
        assert!(stderr.contains(part), "{part:?} missing from: {stderr}");
    }
}

fn small() -> String {
    std::fs::read_to_string(fixture("robust/small.txt")).unwrap()
}

#[test]
fn usage_errors_exit_2_with_clap_message() {
    let s = Scratch::new();
    assert_usage_error(
        s.fail(&["--k", "0"]),
        &[
            "invalid value '0' for '--k <K>'",
            "there must be at least one theme; use --k 1 or more",
        ],
    );
    assert_usage_error(
        s.fail(&["--k", "many"]),
        &["invalid value 'many' for '--k <K>'"],
    );
    assert_usage_error(
        s.fail(&["--format", "xml"]),
        &["invalid value 'xml' for '--format <FORMAT>'", "text, json"],
    );
    assert_usage_error(s.fail(&["--dims", "-3"]), &["unexpected argument '-3'"]);
    assert_usage_error(
        s.fail(&["--no-such-flag"]),
        &["unexpected argument '--no-such-flag'"],
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let out = zhuti().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Exit status: 0 on success, 1 when"), "{help}");
    assert!(help.contains("2 for bad flags"), "{help}");
}

#[test]
fn missing_path() {
    let s = Scratch::new();
    assert_runtime_error(
        s.fail(&["no/such/file.txt"]),
        &[
            "cannot read no/such/file.txt",
            "No such file or directory",
            "check that it exists",
        ],
    );
}

/// Paths that no user can read, root included (permission bits do not stop root, so
/// `chmod 000` cannot be the test): a symlink to nothing, a file "inside" a regular file, and
/// a symlinked folder that points nowhere.
#[test]
fn unreadable_paths() {
    let s = Scratch::new();
    s.write("small.txt", small());
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("nowhere.txt", s.path("dangling.txt")).unwrap();
        std::os::unix::fs::symlink("nowhere", s.path("dangling-folder")).unwrap();
        assert_runtime_error(
            s.fail(&["dangling.txt"]),
            &["cannot read dangling.txt", "No such file or directory"],
        );
        assert_runtime_error(
            s.fail(&["dangling-folder"]),
            &["cannot read dangling-folder", "No such file or directory"],
        );
    }
    assert_runtime_error(
        s.fail(&["small.txt/article.txt"]),
        &["cannot read small.txt/article.txt", "check that it exists"],
    );
}

#[test]
fn folder_without_articles() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("empty")).unwrap();
    assert_runtime_error(
        s.fail(&["empty"]),
        &["no articles found in folder empty", ".txt, .md and .jsonl"],
    );
    // Only a picture and a binary file: the binary one is named in the error.
    s.write("junk/photo.png", [0x89, b'P', b'N', b'G', 0, 0]);
    s.write("junk/core.txt", [0x7f, b'E', b'L', b'F', 0, 0, 0, 1]);
    assert_runtime_error(
        s.fail(&["junk"]),
        &[
            "no articles found in folder junk",
            "junk/core.txt: looks like a binary file",
        ],
    );
}

#[test]
fn empty_corpus() {
    let s = Scratch::new();
    s.write("empty.txt", "");
    s.write("blank.txt", "\n \r\n\u{3000}\n");
    assert_runtime_error(
        s.fail(&["empty.txt", "blank.txt"]),
        &[
            "nothing left to cluster in empty.txt, blank.txt",
            "every article is empty",
        ],
    );
    assert_runtime_error(
        s.fail_stdin(b"", &["-"]),
        &["<stdin>", "every article is empty"],
    );
}

#[test]
fn nothing_left_after_cleaning() {
    let s = Scratch::new();
    s.write("short.txt", "今天天气很好\n\n明天可能下雨\n后天晴朗\n");
    assert_runtime_error(
        s.fail(&["short.txt"]),
        &[
            "nothing left to cluster in short.txt",
            "3 paragraphs, all dropped (3 short)",
            "--min-chars",
        ],
    );
}

#[test]
fn explicit_binary_file_is_refused() {
    let s = Scratch::new();
    s.write("model.bin", [0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0]);
    assert_runtime_error(
        s.fail(&["model.bin"]),
        &["model.bin: looks like a binary file", ".txt, .md or .jsonl"],
    );
    assert_runtime_error(
        s.fail_stdin(&[0, 1, 2, 3, 0, 0], &["-"]),
        &["<stdin>: looks like a binary file"],
    );
    // An endless binary device is refused from its first bytes, not read until memory runs out.
    #[cfg(unix)]
    assert_runtime_error(
        s.fail(&["/dev/zero"]),
        &["/dev/zero: looks like a binary file"],
    );
}

#[test]
fn undecodable_and_corrupt_gzip_files_are_refused() {
    let s = Scratch::new();
    s.write("latin.txt", b"caf\xe9 \xff\xfe\xff au lait");
    assert_runtime_error(
        s.fail(&["latin.txt"]),
        &["latin.txt: the text is not valid UTF-8", "iconv"],
    );
    s.write("cut.txt.gz", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x4b]);
    assert_runtime_error(
        s.fail(&["cut.txt.gz"]),
        &["cut.txt.gz: cannot decompress gzip data", "complete"],
    );
}

/// With `--strict`, a bad JSON Lines record stops the run (by default it is left out with a
/// warning: tests/careless_runs.rs).
#[test]
fn invalid_jsonl_names_file_line_and_reason() {
    let s = Scratch::new();
    s.write(
        "bad.jsonl",
        "{\"id\": \"a\", \"text\": \"正文\"}\n\n{\"id\": \"b\", \"text\": \"未完\n",
    );
    assert_runtime_error(
        s.fail(&["bad.jsonl", "--strict"]),
        &[
            "bad.jsonl:3: invalid JSON (",
            "line 1 column",
            "each line of a .jsonl file must be a JSON object",
        ],
    );
    s.write("array.jsonl", "[1, 2]\n");
    assert_runtime_error(
        s.fail(&["array.jsonl", "--strict"]),
        &["array.jsonl:1: invalid JSON ("],
    );
    // Without --strict, a file of nothing but bad records has no articles: the first is named.
    assert_runtime_error(
        s.fail(&["array.jsonl"]),
        &["no articles found in array.jsonl (1 bad record left out; the first, array.jsonl:1: invalid JSON ("],
    );
    // On stdin too (sniffed as JSON Lines because it starts with `{`).
    assert_runtime_error(
        s.fail_stdin(b"{\"text\": \"x\"}\n{oops}\n", &["-", "--strict"]),
        &["<stdin>:2: invalid JSON ("],
    );
}

#[test]
fn jsonl_record_without_text() {
    let s = Scratch::new();
    s.write(
        "notext.jsonl",
        "{\"id\": \"a\", \"text\": \"正文\"}\n{\"id\": \"b\", \"summary\": \"正文\"}\n",
    );
    assert_runtime_error(
        s.fail(&["notext.jsonl", "--strict"]),
        &["notext.jsonl:2: the record has no \"text\" field"],
    );
    s.write("nulltext.jsonl", "{\"id\": \"a\", \"text\": null}\n");
    assert_runtime_error(
        s.fail(&["nulltext.jsonl", "--strict"]),
        &["nulltext.jsonl:1: the record has no \"text\" field"],
    );
    s.write("arraytext.jsonl", "{\"id\": \"a\", \"text\": [42]}\n");
    assert_runtime_error(
        s.fail(&["arraytext.jsonl", "--strict"]),
        &["arraytext.jsonl:1: \"text\" must be a string, number or boolean, not an array"],
    );
}

#[test]
fn k_larger_than_the_number_of_units() {
    let s = Scratch::new();
    s.write("small.txt", small());
    assert_runtime_error(
        s.fail(&["small.txt", "--k", "7"]),
        &[
            "--k 7 asks for more themes than there are units to cluster (6)",
            "--k 6 or less",
        ],
    );
}

#[test]
fn bad_setting_values_are_usage_errors() {
    // Checked while the flags are read, by the library's own checks (see tests/cli_settings.rs).
    let s = Scratch::new();
    assert_usage_error(
        s.fail(&["--threads", "0"]),
        &["invalid value '0' for '--threads <N|auto>': need at least one thread"],
    );
    assert_usage_error(
        s.fail(&["--dims", "1"]),
        &["invalid value '1' for '--dims <N|auto>': LSA needs at least 2"],
    );
    assert_usage_error(
        s.fail(&["--max-df", "0"]),
        &["invalid value '0' for '--max-df <SHARE>': must be a share"],
    );
}

#[test]
fn unwritable_output_path() {
    let s = Scratch::new();
    s.write("small.txt", small());
    let cases: [(&str, &[&str]); 3] = [
        (
            "missing/report.json",
            &[
                "cannot write missing/report.json",
                "missing is not an existing folder",
            ],
        ),
        (
            "small.txt/report.json",
            &[
                "cannot write small.txt/report.json",
                "is not an existing folder",
            ],
        ),
        ("out", &["cannot write out: it is a folder"]),
    ];
    for (target, parts) in cases {
        let out = zhuti()
            .args(["small.txt", "--k", "2", "-o", target])
            .current_dir(s.dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_runtime_error((out.status.code().unwrap(), stderr), parts);
        s.assert_out_untouched(&[target]);
    }
    assert!(!s.path("missing").exists());
    assert_eq!(
        std::fs::read_to_string(s.path("small.txt")).unwrap(),
        small()
    );
}

/// A report the folder cannot take, root or not: the file name is longer than any file
/// system allows (255 bytes), so creating it fails in an existing, writable folder, and
/// nothing in it may change.
#[test]
fn output_name_the_file_system_refuses() {
    let s = Scratch::new();
    s.write("small.txt", small());
    let target = format!("out/{}.json", "a".repeat(300));
    let out = zhuti()
        .args(["small.txt", "--k", "2", "-o", &target])
        .current_dir(s.dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_runtime_error(
        (out.status.code().unwrap(), stderr),
        &[&format!("cannot write {target}"), "give a path"],
    );
    assert!(out.stdout.is_empty());
    s.assert_out_untouched(&[]);
}

impl Scratch {
    /// Like [`Scratch::fail`], with `stdin` piped in.
    fn fail_stdin(&self, stdin: &[u8], args: &[&str]) -> (i32, String) {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["-o", "out/old.json"]);
        let out = run_with_stdin(self.dir.path(), &full, stdin);
        assert!(!out.status.success(), "zhuti {full:?} succeeded");
        self.assert_out_untouched(&full);
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

#[cfg(target_os = "linux")]
#[test]
fn full_disk_on_stdout_is_an_error() {
    let s = Scratch::new();
    s.write("small.txt", small());
    let out = zhuti()
        .args(["small.txt", "--k", "2"])
        .current_dir(s.dir.path())
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_runtime_error(
        (out.status.code().unwrap(), stderr),
        &["cannot write the report to stdout: No space left on device"],
    );
}

#[test]
fn closed_pipe_on_stdout_is_not_an_error() {
    let s = Scratch::new();
    s.write("small.txt", small());
    let mut child = zhuti()
        .args(["small.txt", "--k", "2", "--format", "json"])
        .current_dir(s.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, like `zhuti | head -0`
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn stdin_given_twice() {
    let s = Scratch::new();
    assert_runtime_error(
        s.fail_stdin(small().as_bytes(), &["-", "-"]),
        &["`-` is given more than once"],
    );
}
