//! Settings through the real binary: the flags that set them reach the JSON `params`, a value
//! that cannot work is a usage error (exit 2) naming the flag and writing nothing, and the
//! help shows the registry's defaults. (Parsing alone is unit-tested in `src/cli.rs`.)

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;
use zhuti::settings::defs;

fn zhuti(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhuti"))
        .args(args)
        .output()
        .expect("zhuti runs")
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    assert!(path.exists(), "missing fixture {}", path.display());
    path.to_string_lossy().into_owned()
}

fn params(args: &[&str]) -> Value {
    let out = zhuti(args);
    assert!(
        out.status.success(),
        "zhuti {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    json["params"].clone()
}

#[test]
fn tuning_flags_reach_the_json_params() {
    let p = params(&[
        "--format",
        "json",
        "-q",
        "--k",
        "3",
        "--n-runs",
        "4",
        "--k-max",
        "6",
        "--min-df",
        "1",
        "--max-df",
        "0.9",
        "--top-terms",
        "5",
        "--no-refine",
        "--seed",
        "9",
        "--dims",
        "20",
    ]);
    assert_eq!(p["k_requested"], 3);
    assert_eq!(p["k"], 3);
    assert_eq!(p["n_runs"], 4);
    assert_eq!(p["k_max"], 6);
    assert_eq!(p["min_df"], 1);
    assert_eq!(p["max_df"], 0.9);
    assert_eq!(p["top_terms"], 5);
    assert_eq!(p["refine"], false);
    assert_eq!(p["seed"], 9);
    assert_eq!(p["dims"], 20);

    // Without flags, the registry's defaults.
    let p = params(&["--format", "json", "-q", "--k", "3"]);
    assert_eq!(p["n_runs"], defs::N_RUNS.default);
    assert_eq!(p["k_max"], defs::K_MAX.default);
    assert_eq!(p["seed"], defs::SEED.default);
    assert_eq!(p["min_chars"], defs::MIN_CHARS.default);
    assert_eq!(p["max_df"], defs::MAX_DF.default);
    assert_eq!(p["dims"], "auto");
    assert_eq!(p["unit"], "paragraph");
}

#[test]
fn eval_clusters_whole_articles_by_default() {
    let labelled = fixture("labelled.jsonl");
    let out = zhuti(&["eval", &labelled, "--k", "3", "--format", "json", "-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["params"]["unit"], "document");
    assert_eq!(json["params"]["n_runs"], defs::N_RUNS.default);
}

#[test]
fn bad_values_exit_2_naming_the_flag_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.json");
    let target = target.to_str().unwrap();
    let labelled = fixture("labelled.jsonl");
    let cases: &[(&str, &str, &str)] = &[
        (
            "--k",
            "0",
            "there must be at least one theme; use --k 1 or more, or --k auto",
        ),
        (
            "--dims",
            "0",
            "LSA needs at least 2 dimensions; try --dims 100 or --dims auto",
        ),
        ("--threads", "0", "need at least one thread"),
        (
            "--max-df",
            "1.5",
            "must be a share of units above 0 and at most 1",
        ),
        (
            "--min-df",
            "0",
            "a term must occur in at least one unit; try --min-df 2",
        ),
        (
            "--top-terms",
            "0",
            "each theme needs at least one term; try --top-terms 10",
        ),
        (
            "--n-runs",
            "0",
            "k-means needs at least one run; try --n-runs 30",
        ),
        (
            "--k-max",
            "1",
            "`auto` needs at least k = 2 to compare; try --k-max 20",
        ),
    ];
    for &(flag, value, reason) in cases {
        let mut runs = vec![vec![flag, value, "-o", target]];
        if flag != "--top-terms" {
            runs.push(vec!["eval", &labelled, flag, value, "-o", target]);
        }
        for args in runs {
            let out = zhuti(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "zhuti {args:?}: {stderr}");
            assert!(
                stderr.starts_with(&format!("error: invalid value '{value}' for '{flag} <")),
                "zhuti {args:?}: {stderr}"
            );
            assert!(stderr.contains(reason), "{reason:?} missing from {stderr}");
            assert!(out.stdout.is_empty());
            assert!(
                !dir.path().join("report.json").exists(),
                "zhuti {args:?} wrote"
            );
        }
    }
}

#[test]
fn help_shows_every_setting_with_its_default() {
    let out = zhuti(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for (flag, default) in [
        ("--n-runs <N>", defs::N_RUNS.default.to_string()),
        ("--k-max <N>", defs::K_MAX.default.to_string()),
        ("--min-df <N>", defs::MIN_DF.default.to_string()),
        ("--threads <N|auto>", "auto".to_string()),
    ] {
        let at = help
            .find(flag)
            .unwrap_or_else(|| panic!("{flag} missing: {help}"));
        let entry = &help[at..];
        let end = entry[2..].find("\n      --").map_or(entry.len(), |e| e + 2);
        assert!(
            entry[..end].contains(&format!("[default: {default}]")),
            "{flag}: {}",
            &entry[..end]
        );
    }
    let out = zhuti(&["eval", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("whole articles unless told otherwise"),
        "{help}"
    );
    assert!(help.contains("[default: document]"), "{help}");
}
