//! Theme quality on real labelled news (issue 4): the default representation (LSA dimensions
//! that grow with the corpus, greedy k-means++ restarts, spherical refinement on TF-IDF) must
//! keep its lead. Reads ../shared/data: when it is absent the tests fail under CI (`CI=true`)
//! and skip with a note elsewhere ([`common::shared_data`]).

mod common;

use common::{run_json, shared_data};
use serde_json::Value;

/// NMI of one `zhuti eval` run (seed 0, `--unit document --k 10`) on `file` with `extra` flags.
fn nmi_of(file: &std::path::Path, extra: &[&str]) -> f64 {
    let mut args = vec!["--unit", "document", "--k", "10", "--seed", "0"];
    args.extend_from_slice(extra);
    eval(file, &args)["nmi"].as_f64().unwrap()
}

/// `zhuti eval` JSON for `file` with extra `args`, every clustered article scored
/// (`--no-outliers`): these tests compare representations on the same articles, as the
/// numbers they pin were measured. The outlier bucket's own numbers: tests/outliers.rs.
fn eval(file: &std::path::Path, args: &[&str]) -> Value {
    let path = file.to_str().unwrap();
    let mut all = vec!["eval", path, "--format", "json", "-q", "--no-outliers"];
    all.extend_from_slice(args);
    run_json(&all)
}

#[test]
fn thucnews_documents_cluster_by_category() {
    let Some(file) = shared_data("thucnews-dev.jsonl") else {
        return;
    };
    let report = eval(
        &file,
        &["--unit", "document", "--k", "10", "--seeds", "0,1"],
    );
    let mean = report["mean"]["nmi"].as_f64().unwrap();
    let min = report["min"]["nmi"].as_f64().unwrap();
    // The pipeline before this representation scored 0.824 mean / 0.793 min (seeds 0-4) and
    // the scikit-learn reference 0.822; with it, 0.90.
    assert!(mean >= 0.89 && min >= 0.88, "NMI mean {mean}, min {min}");
    // 500 articles resolve `--dims auto` to 16 dimensions.
    assert_eq!(report["runs"][0]["k"], 10);
}

#[test]
fn fewer_dimensions_and_refinement_are_what_lift_the_articles() {
    let Some(file) = shared_data("thucnews-dev.jsonl") else {
        return;
    };
    let auto = nmi_of(&file, &[]);
    let hundred = nmi_of(&file, &["--dims", "100", "--no-refine"]);
    assert!(
        auto > hundred + 0.02,
        "auto dims {auto} should beat 100 dims without refinement {hundred}"
    );
}

#[test]
fn refinement_lifts_headlines() {
    let Some(file) = shared_data("thucnews-titles-dev.jsonl") else {
        return;
    };
    // LSA's refinement (headlines default to the DMM, which is never refined: tests/dmm.rs).
    let refined = nmi_of(&file, &["--method", "lsa"]);
    let plain = nmi_of(&file, &["--method", "lsa", "--no-refine"]);
    assert!(
        refined > plain + 0.01,
        "refined {refined} should beat unrefined {plain} on headlines"
    );
}

/// Mean NMI of `zhuti eval` over seeds 0-4 (`--unit document --k 10`) with `extra` flags.
fn mean_nmi_of(file: &std::path::Path, extra: &[&str]) -> f64 {
    let mut args = vec!["--unit", "document", "--k", "10", "--seeds", "0,1,2,3,4"];
    args.extend_from_slice(extra);
    eval(file, &args)["mean"]["nmi"].as_f64().unwrap()
}

#[test]
fn background_idf_lifts_headlines_and_articles() {
    // Measured (seeds 0-4): headlines 0.388 -> 0.427, thucnews-dev 0.899 -> 0.904.
    if let Some(file) = shared_data("thucnews-titles-dev.jsonl") {
        // The idf weighs LSA's TF-IDF rows; the DMM (the headlines' default) counts terms.
        let blend = mean_nmi_of(&file, &["--method", "lsa"]);
        let corpus = mean_nmi_of(&file, &["--method", "lsa", "--idf", "corpus"]);
        assert!(
            blend > corpus + 0.02,
            "headlines: blend {blend}, corpus {corpus}"
        );
    }
    if let Some(file) = shared_data("thucnews-dev.jsonl") {
        let blend = mean_nmi_of(&file, &[]);
        let corpus = mean_nmi_of(&file, &["--idf", "corpus"]);
        assert!(blend > corpus, "articles: blend {blend}, corpus {corpus}");
    }
}

#[test]
fn auto_k_lands_near_the_ten_categories_and_says_why() {
    let Some(file) = shared_data("thucnews-dev.jsonl") else {
        return;
    };
    // The default seed (42), as a user runs it, and seeds 0-4: the refined TF-IDF silhouette
    // peaks at 10-11 for every seed (in the LSA space it wandered from 11 to 16).
    let report = eval(&file, &["--unit", "document", "--k", "auto"]);
    let k = report["k"].as_u64().unwrap();
    assert!((9..=11).contains(&k), "k auto chose {k} for 10 categories");
    let seeds = eval(
        &file,
        &["--unit", "document", "--k", "auto", "--seeds", "0,1,2,3,4"],
    );
    for run in seeds["runs"].as_array().unwrap() {
        let k = run["k"].as_u64().unwrap();
        assert!(
            (8..=12).contains(&k),
            "seed {}: k auto chose {k}",
            run["seed"]
        );
    }
    let selection = &report["params"]["k_selection"];
    assert_eq!(
        selection["method"],
        "mean cosine silhouette of the themes refined on TF-IDF"
    );
    // Without refinement, k is judged in the LSA space.
    let plain = eval(&file, &["--unit", "document", "--k", "auto", "--no-refine"]);
    assert_eq!(
        plain["params"]["k_selection"]["method"],
        "mean cosine silhouette"
    );
    let candidates = selection["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 15, "k = 2…16 for 495 articles");
    assert!(candidates
        .iter()
        .all(|c| c["std_error"].as_f64().unwrap() > 0.0));
    let reason = selection["reason"].as_str().unwrap();
    assert!(reason.starts_with(&format!("k = {k} ")), "{reason}");
    // The ten categories stand out: the report claims a winner only where there is one.
    assert_eq!(selection["stands_out"], true, "{reason}");
    assert!(!reason.contains("no k stands out"), "{reason}");
}

#[test]
fn dims_auto_is_reported_with_the_dimensions_used() {
    let seeds = run_json(&["--format", "json", "-q"]);
    assert_eq!(seeds["params"]["dims"], "auto");
    assert_eq!(seeds["params"]["dims_used"], 16);
    assert_eq!(seeds["params"]["refine"], true);
    assert_eq!(seeds["params"]["idf"], "blend");
    // Guided runs use 100 dimensions for `auto` and say so.
    let guided = run_json(&["--format", "json", "-q", "--bundled-themes", "--k", "8"]);
    assert_eq!(guided["params"]["dims"], "auto");
    assert_eq!(guided["params"]["dims_used"], 100);
    let fixed = run_json(&["--format", "json", "-q", "--dims", "40", "--no-refine"]);
    assert_eq!(fixed["params"]["dims"], 40);
    assert_eq!(fixed["params"]["dims_used"], 40);
    assert_eq!(fixed["params"]["refine"], false);
    let corpus_idf = run_json(&["--format", "json", "-q", "--idf", "corpus"]);
    assert_eq!(corpus_idf["params"]["idf"], "corpus");
}
