//! Issue 18, outputs: what `-o` does with devices, FIFOs, symbolic and hard links, an input file,
//! the mode and owner of a file it replaces, and an interruption during the write.
#![cfg(unix)]

mod common;

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{fixture, zhuti};

const ARGS: [&str; 5] = ["small.txt", "--k", "2", "--format", "json"];

/// A scratch folder holding `small.txt`.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("robust/small.txt"), dir.path().join("small.txt")).unwrap();
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    zhuti().args(args).current_dir(dir).output().unwrap()
}

/// `ARGS` plus `-o target`.
fn run_o(dir: &Path, target: &str) -> Output {
    let mut args = ARGS.to_vec();
    args.extend(["-o", target]);
    run_in(dir, &args)
}

/// The report `ARGS` give on stdout.
fn expected(dir: &Path) -> Vec<u8> {
    let out = run_in(dir, &ARGS);
    assert!(out.status.success());
    out.stdout
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Names in `dir` that look like zhuti's temporary files.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".zhuti-"))
        .collect()
}

/// A device node `name` in `dir` (major, minor) when the runner may make one (root, as in CI);
/// otherwise the system's own node, which an unprivileged run cannot replace.
fn device(dir: &Path, name: &str, minor: u32, system: &str) -> PathBuf {
    let path = dir.join(name);
    let made = Command::new("mknod")
        .arg(&path)
        .args(["c", "1", &minor.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        path
    } else {
        PathBuf::from(system)
    }
}

#[test]
fn output_to_a_device_writes_into_the_device() {
    let dir = scratch();
    let full = device(dir.path(), "full", 7, "/dev/full");
    let out = run_o(dir.path(), full.to_str().unwrap());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cannot write"), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    let meta = std::fs::symlink_metadata(&full).unwrap();
    assert!(meta.file_type().is_char_device(), "{full:?} was replaced");

    let null = device(dir.path(), "null", 3, "/dev/null");
    let out = run_o(dir.path(), null.to_str().unwrap());
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::symlink_metadata(&null).unwrap();
    assert!(meta.file_type().is_char_device(), "{null:?} was replaced");
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
    // /dev/stdout: a link to a pipe, written into.
    let out = run_o(dir.path(), "/dev/stdout");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, expected(dir.path()));
}

#[test]
fn output_to_a_fifo_writes_into_the_fifo() {
    let dir = scratch();
    let want = expected(dir.path());
    let fifo = dir.path().join("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = run_o(dir.path(), "pipe");
    assert!(out.status.success(), "{}", stderr(&out));
    // Checked before joining: if the FIFO was replaced, the reader waits forever.
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "the FIFO was replaced");
    assert_eq!(reader.join().unwrap(), want);
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

#[test]
fn output_through_a_symlink_replaces_the_target() {
    let dir = scratch();
    let want = expected(dir.path());
    std::fs::create_dir(dir.path().join("links")).unwrap();
    std::fs::write(dir.path().join("real.json"), "old").unwrap();
    // A relative link in another folder, and a link to a file that does not exist yet.
    std::os::unix::fs::symlink("../real.json", dir.path().join("links/report.json")).unwrap();
    std::os::unix::fs::symlink("new.json", dir.path().join("dangling.json")).unwrap();
    for (link, target) in [
        ("links/report.json", "real.json"),
        ("dangling.json", "new.json"),
    ] {
        let out = run_o(dir.path(), link);
        assert!(out.status.success(), "{link}: {}", stderr(&out));
        let meta = std::fs::symlink_metadata(dir.path().join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} is no longer a link");
        assert_eq!(std::fs::read(dir.path().join(target)).unwrap(), want);
    }
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
    assert_eq!(temp_files(&dir.path().join("links")), Vec::<String>::new());
}

#[test]
fn output_to_a_hard_linked_file_updates_every_name() {
    let dir = scratch();
    let want = expected(dir.path());
    std::fs::write(dir.path().join("a.json"), "old").unwrap();
    std::fs::hard_link(dir.path().join("a.json"), dir.path().join("b.json")).unwrap();
    let inode = std::fs::metadata(dir.path().join("a.json")).unwrap().ino();
    let out = run_o(dir.path(), "a.json");
    assert!(out.status.success(), "{}", stderr(&out));
    for name in ["a.json", "b.json"] {
        let path = dir.path().join(name);
        assert_eq!(std::fs::read(&path).unwrap(), want, "{name}");
        assert_eq!(std::fs::metadata(&path).unwrap().ino(), inode, "{name}");
    }
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

#[test]
fn output_naming_an_input_is_refused_before_any_work() {
    let dir = scratch();
    let small = std::fs::read(dir.path().join("small.txt")).unwrap();
    std::os::unix::fs::symlink("small.txt", dir.path().join("link.txt")).unwrap();
    std::fs::hard_link(dir.path().join("small.txt"), dir.path().join("hard.txt")).unwrap();
    std::fs::create_dir(dir.path().join("news")).unwrap();
    std::fs::copy(dir.path().join("small.txt"), dir.path().join("news/a.txt")).unwrap();
    for (inputs, output) in [
        (&["small.txt"][..], "small.txt"),
        (&["small.txt"][..], "./link.txt"),
        (&["link.txt"][..], "small.txt"),
        (&["small.txt"][..], "hard.txt"),
        (&["news"][..], "news/a.txt"),
        (&["news/"][..], "./news/../news/a.txt"),
    ] {
        let mut args = inputs.to_vec();
        args.extend(["--k", "2", "-o", output]);
        let out = run_in(dir.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("cannot write {output}: it is also an input")),
            "{args:?}: {err}"
        );
        assert!(err.contains("give -o another file"), "{err}");
        assert_eq!(std::fs::read(dir.path().join("small.txt")).unwrap(), small);
        assert_eq!(std::fs::read(dir.path().join("news/a.txt")).unwrap(), small);
    }
    // A report not yet written, or one a folder walk does not read, is fine.
    for output in ["news/new.txt", "news/report.json"] {
        let out = run_in(dir.path(), &["news", "--k", "2", "-o", output]);
        assert!(out.status.success(), "{output}: {}", stderr(&out));
    }
}

#[test]
fn a_replaced_file_keeps_its_mode_and_owner() {
    let dir = scratch();
    let report = dir.path().join("report.json");
    for mode in [0o664, 0o600, 0o640] {
        std::fs::write(&report, "old").unwrap();
        std::fs::set_permissions(&report, std::fs::Permissions::from_mode(mode)).unwrap();
        // Another owner, where the runner may give one (root, as in CI).
        let owned = std::os::unix::fs::chown(&report, Some(1234), Some(2345)).is_ok();
        let out = run_o(dir.path(), "report.json");
        assert!(out.status.success(), "{}", stderr(&out));
        let meta = std::fs::metadata(&report).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, mode);
        if owned {
            assert_eq!((meta.uid(), meta.gid()), (1234, 2345));
        }
        assert_ne!(std::fs::read(&report).unwrap(), b"old");
    }
    // A new file gets 0666 less the umask (the test runs with the same umask as zhuti).
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(umask) = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .map(|m| u32::from_str_radix(m.trim(), 8).unwrap())
    {
        let out = run_o(dir.path(), "fresh.json");
        assert!(out.status.success());
        let mode = std::fs::metadata(dir.path().join("fresh.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o7777, 0o666 & !umask);
    }
}

/// A corpus whose JSON report takes a while to write: `n` articles of distinct paragraphs.
fn big_corpus(dir: &Path, n: usize) {
    let small = std::fs::read_to_string(fixture("robust/small.txt")).unwrap();
    let mut jsonl = String::new();
    for i in 0..n {
        let text: String = small
            .lines()
            .map(|l| format!("{l}第{i}篇。\n"))
            .collect::<String>()
            .repeat(4);
        let record = serde_json::json!({"id": format!("a{i}"), "text": text});
        jsonl.push_str(&record.to_string());
        jsonl.push('\n');
    }
    std::fs::write(dir.join("big.jsonl"), jsonl).unwrap();
}

#[test]
fn an_interrupted_write_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    big_corpus(dir.path(), 3000);
    let mut interrupted = 0;
    for signal in ["TERM", "INT", "TERM", "INT", "TERM", "INT"] {
        let mut child = zhuti()
            .args(["big.jsonl", "--k", "2", "--dims", "2", "--no-refine"])
            .args(["--no-dedupe", "--keep-boilerplate", "--format", "json"])
            .args(["-q", "-o", "report.json"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the temporary file to appear, then signal.
        let started = std::time::Instant::now();
        let mut seen = false;
        while child.try_wait().unwrap().is_none() && started.elapsed().as_secs() < 60 {
            if !temp_files(dir.path()).is_empty() {
                seen = true;
                let status = Command::new("kill")
                    .args([&format!("-{signal}"), &child.id().to_string()])
                    .status()
                    .unwrap();
                assert!(status.success());
                break;
            }
        }
        let status = child.wait().unwrap();
        assert_eq!(temp_files(dir.path()), Vec::<String>::new(), "SIG{signal}");
        if seen && !status.success() {
            interrupted += 1;
            use std::os::unix::process::ExitStatusExt;
            let code = status.code().or(status.signal()).unwrap();
            assert_ne!(code, 0);
            assert!(!dir.path().join("report.json").exists(), "SIG{signal}");
        }
        let _ = std::fs::remove_file(dir.path().join("report.json"));
        if interrupted >= 2 {
            break;
        }
    }
    assert!(interrupted >= 1, "no run was caught during its write");
}
