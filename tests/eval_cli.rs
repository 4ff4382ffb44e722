//! `zhuti eval` end to end on a small labelled fixture (12 THUCNews articles: 体育, 财经, 游戏).

mod common;

use common::{fixture, run, run_json};
use serde_json::Value;

const METRICS: [&str; 8] = [
    "nmi",
    "ari",
    "homogeneity",
    "completeness",
    "v_measure",
    "purity",
    "k",
    "n",
];

#[test]
fn eval_json_scores_the_same_clustering_as_the_main_command() {
    let path = fixture("labelled.jsonl");
    let path = path.to_str().unwrap();
    let eval = run_json(&["eval", path, "--k", "3", "--seed", "7", "--format", "json"]);
    for key in METRICS {
        assert!(eval[key].is_number(), "missing {key}: {eval}");
    }
    assert_eq!(eval["k"], 3);
    assert_eq!(eval["n"], 12);
    assert_eq!(eval["params"]["unit"], "document");
    let nmi = eval["nmi"].as_f64().unwrap();
    assert!((nmi - eval["v_measure"].as_f64().unwrap()).abs() < 1e-12);
    assert!(nmi > 0.6, "three clear categories should be found: {eval}");

    // The main command with the same settings gives the clustering eval scored.
    let main = run_json(&[
        path, "--unit", "document", "--k", "3", "--seed", "7", "--format", "json",
    ]);
    let docs = main["documents"].as_array().unwrap();
    let truth: Vec<&str> = docs.iter().map(|d| d["label"].as_str().unwrap()).collect();
    let pred: Vec<u64> = docs
        .iter()
        .map(|d| d["theme_mix"][0]["theme"].as_u64().unwrap())
        .collect();
    let scores = zhuti::eval::Scores::new(&truth, &pred).unwrap();
    assert!((scores.nmi - nmi).abs() < 1e-12);
    assert!((scores.ari - eval["ari"].as_f64().unwrap()).abs() < 1e-12);
    assert!((scores.purity - eval["purity"].as_f64().unwrap()).abs() < 1e-12);

    // The contingency accounts for every article.
    let total: u64 = eval["contingency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["size"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 12);
}

#[test]
fn eval_with_several_seeds_reports_runs_mean_min_max_and_stability() {
    let path = fixture("labelled.jsonl");
    let seeds_at = |threads: &str| {
        run_json(&[
            "eval",
            path.to_str().unwrap(),
            "--k",
            "3",
            "--seeds",
            "0,1,2",
            "--format",
            "json",
            "--threads",
            threads,
        ])
    };
    let j = seeds_at("1");
    let runs = j["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[2]["seed"], 2);
    for stat in ["mean", "min", "max"] {
        for key in METRICS {
            assert!(j[stat][key].is_number(), "{stat}.{key}: {j}");
        }
    }
    let nmis: Vec<f64> = runs.iter().map(|r| r["nmi"].as_f64().unwrap()).collect();
    let mean = nmis.iter().sum::<f64>() / 3.0;
    assert!((j["mean"]["nmi"].as_f64().unwrap() - mean).abs() < 1e-12);
    let min = nmis.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(j["min"]["nmi"].as_f64().unwrap(), min);
    let stability = j["stability_ari"].as_f64().unwrap();
    assert!((-1.0..=1.0).contains(&stability));
    // Same seeds at another thread count: the same numbers.
    let again = seeds_at("2");
    assert_eq!(j, again);
}

#[test]
fn eval_text_shows_the_table_and_the_contingency() {
    let out = run(&[
        "eval",
        fixture("labelled.jsonl").to_str().unwrap(),
        "--k",
        "3",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("nmi") && text.contains("purity"), "{text}");
    assert!(
        text.contains("Theme × label") && text.contains("体育"),
        "{text}"
    );
}

#[test]
fn eval_text_fits_the_width_and_colours_only_when_asked() {
    let path = fixture("labelled.jsonl");
    let eval = |extra: &[&str]| {
        let mut args = vec!["eval", path.to_str().unwrap(), "--k", "auto", "-q"];
        args.extend_from_slice(extra);
        common::run_ok(&args)
    };
    let piped = eval(&[]);
    // k auto's reason is a long sentence: it wraps, it is not cut.
    let reason = piped
        .lines()
        .find(|l| l.contains("chosen automatically"))
        .expect("the k line");
    assert!(common::columns(reason) <= 80, "{piped}");
    for line in piped.lines() {
        assert!(
            common::columns(line) <= 80,
            "wider than 80: {line:?}\n{piped}"
        );
    }
    assert!(!piped.contains('\x1b'), "{piped}");
    assert!(piped.contains("homog"), "{piped}");

    let narrow = eval(&["--width", "48"]);
    for line in narrow.lines() {
        assert!(
            common::columns(line) <= 48,
            "wider than 48: {line:?}\n{narrow}"
        );
    }
    // The narrow table keeps nmi, ari, purity and k.
    assert!(
        narrow.contains("nmi") && narrow.contains("purity") && !narrow.contains("homog"),
        "{narrow}"
    );
    // No word is lost to the wrapping: the reason's words are all there.
    let words = |t: &str| t.split_whitespace().filter(|w| w.len() > 3).count();
    assert!(words(&narrow) >= words(&piped) - 12, "{narrow}");

    let coloured = eval(&["--color", "always"]);
    // Theme 1's tag in its colour (#4e79a7), in both tables.
    let tag = "\x1b[1;38;2;78;121;167mT1  \x1b[0m";
    assert!(coloured.matches(tag).count() >= 2, "{coloured}");
    assert!(!eval(&["--color", "never"]).contains('\x1b'));

    let bad = run(&["eval", path.to_str().unwrap(), "--width", "10"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--width"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn eval_without_labels_scores_coherence_and_says_how_to_get_more() {
    let seeds_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let out = run(&["eval", seeds_dir.to_str().unwrap(), "--k", "2"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("no gold labels") && text.contains("\"label\"") && text.contains("NPMI"),
        "{text}"
    );
}

#[test]
fn main_command_still_takes_paths_and_rejects_seed_with_seeds() {
    let j: Value = run_json(&[
        fixture("labelled.jsonl").to_str().unwrap(),
        "--k",
        "2",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(j["params"]["k"], 2);
    let out = run(&["eval", "x.jsonl", "--seed", "1", "--seeds", "1,2"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn eval_offers_only_text_and_json() {
    let out = run(&[
        "eval",
        fixture("labelled.jsonl").to_str().unwrap(),
        "--format",
        "html",
    ]);
    assert_eq!(out.status.code(), Some(2), "a usage error, caught by clap");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("text") && err.contains("json"), "{err}");
}
