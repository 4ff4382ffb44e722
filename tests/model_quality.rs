//! What issue 15 demands of saved theme models, measured on real labelled news
//! (../shared/data/thucnews-dev.jsonl, 500 articles, 10 labels): the JSON Schemas of
//! `zhuti assign` hold on real output, fit and assign agree, a model fitted on half the articles
//! places the other half as well as fitting them all, units of a category the model never saw are
//! flagged novel, and `zhuti fit --sample N` is seeded and smaller. Without the data the tests
//! skip with a note, except under `CI=true`, where they fail.

mod common;

use std::path::{Path, PathBuf};

use common::{fit_assign_agreement, run, run_json};
use serde_json::Value;

/// `../shared/data/NAME`; `None` (skip) when absent, a failure when absent under `CI=true`.
fn data(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(name);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing (CI=true: the data must be there)",
        path.display()
    );
    eprintln!("skipping: {} not found", path.display());
    None
}

/// The records (`id`, `label`, `text`) of a JSONL file.
fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Writes `records` as JSONL to `dir/name`.
fn write_jsonl(dir: &Path, name: &str, records: &[&Value]) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::new();
    for r in records {
        text.push_str(&serde_json::to_string(r).unwrap());
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "zhuti failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `zhuti fit -q INPUT -o dir/MODEL FLAGS --report dir/MODEL.json --format json`; the report.
fn fit(input: &Path, model: &Path, flags: &[&str]) -> Value {
    let report = model.with_extension("report.json");
    let mut args = vec![
        "fit",
        "-q",
        input.to_str().unwrap(),
        "-o",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(flags);
    ok(&run(&args));
    serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap()
}

/// `zhuti assign --model MODEL INPUT`: one JSON value per line.
fn assign_lines(model: &Path, input: &Path) -> Vec<Value> {
    let out = run(&[
        "assign",
        "-q",
        "--model",
        model.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    ok(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

/// `zhuti assign --model MODEL INPUT --format json`.
fn assign_json(model: &Path, input: &Path) -> Value {
    run_json(&[
        "assign",
        "-q",
        "--model",
        model.to_str().unwrap(),
        input.to_str().unwrap(),
        "--format",
        "json",
    ])
}

/// The largest theme of an assigned article (0 when no unit was placed).
fn main_theme(article: &Value) -> u64 {
    article["theme_mix"][0]["theme"].as_u64().unwrap_or(0)
}

fn schema(text: &str) -> Value {
    serde_json::from_str(text).expect("schema is JSON")
}

/// Schema violations of `instance`, `$ref`s to assign-line.schema.json resolved locally.
fn violations(schema_value: &Value, instance: &Value) -> Vec<String> {
    let line = schema(include_str!("../schema/assign-line.schema.json"));
    let validator = jsonschema::options()
        .with_resource(
            "https://zhuti.invalid/schema/assign-line.schema.json",
            jsonschema::Resource::from_contents(line).unwrap(),
        )
        .build(schema_value)
        .expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

fn assert_valid(outputs: &[Value], json: &Value) {
    let line_schema = schema(include_str!("../schema/assign-line.schema.json"));
    let doc_schema = schema(include_str!("../schema/assign.schema.json"));
    for line in outputs {
        let errors = violations(&line_schema, line);
        assert!(errors.is_empty(), "assign-line schema: {errors:#?}");
    }
    let errors = violations(&doc_schema, json);
    assert!(errors.is_empty(), "assign schema: {errors:#?}");
    // The schemas are not vacuous: a wrong shape is refused.
    let mut bad = outputs[0].clone();
    bad["units"] = serde_json::json!([{"line": 0, "theme": "x"}]);
    assert!(!violations(&line_schema, &bad).is_empty());
    let mut bad = json.clone();
    bad["articles"][0]["theme_mix"] = serde_json::json!("x");
    assert!(!violations(&doc_schema, &bad).is_empty());
}

#[test]
fn assign_output_matches_its_schemas_on_the_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let model = dir.path().join("seeds.zhuti");
    fit(&seeds, &model, &[]);
    let lines = assign_lines(&model, &seeds);
    assert_eq!(lines.len(), 5);
    let json = assign_json(&model, &seeds);
    assert_eq!(json["articles"].as_array().unwrap(), &lines);
    assert_valid(&lines, &json);
}

#[test]
fn thucnews_fit_and_assign_agree_and_match_the_schemas() {
    let Some(file) = data("thucnews-dev.jsonl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("thuc.zhuti");
    let report = fit(&file, &model, &["--unit", "document", "--k", "10"]);
    let lines = assign_lines(&model, &file);
    assert_eq!(lines.len(), 500);
    let (same, compared) = fit_assign_agreement(&report, &lines);
    println!("fit vs assign, thucnews-dev documents: {same} of {compared} in the same theme");
    assert!(compared >= 495, "fitted documents found again: {compared}");
    assert!(same * 100 >= compared * 99, "{same} of {compared} agree");
    assert_valid(&lines, &assign_json(&model, &file));
}

#[test]
fn a_model_fitted_on_half_places_the_other_half_as_well_as_fitting_all() {
    let Some(file) = data("thucnews-dev.jsonl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let all = records(&file);
    let half = all.len() / 2;
    let first: Vec<&Value> = all[..half].iter().collect();
    let second: Vec<&Value> = all[half..].iter().collect();
    let train = write_jsonl(dir.path(), "first.jsonl", &first);
    let test = write_jsonl(dir.path(), "second.jsonl", &second);
    let model = dir.path().join("half.zhuti");
    fit(&train, &model, &["--unit", "document", "--k", "10"]);
    let lines = assign_lines(&model, &test);
    assert_eq!(lines.len(), second.len());
    let labels: Vec<&str> = second
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    let themes: Vec<u64> = lines.iter().map(main_theme).collect();
    let assigned = zhuti::eval::nmi(&labels, &themes).unwrap();
    let whole = run_json(&[
        "eval",
        file.to_str().unwrap(),
        "--unit",
        "document",
        "--k",
        "10",
        "--format",
        "json",
        "-q",
    ])["nmi"]
        .as_f64()
        .unwrap();
    println!("NMI: second half assigned with a first-half model {assigned:.4}, whole file fitted {whole:.4}");
    assert!(
        assigned >= whole - 0.03,
        "assigned {assigned}, whole {whole}"
    );
}

/// Share of novel units in a `--format json` assign document.
fn novel_share(doc: &Value) -> f64 {
    doc["summary"]["novel_share"].as_f64().unwrap()
}

#[test]
fn units_of_an_unseen_category_are_novel_and_held_in_ones_are_not() {
    let Some(file) = data("thucnews-dev.jsonl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let all = records(&file);
    let (sport, rest): (Vec<&Value>, Vec<&Value>) = all.iter().partition(|r| r["label"] == "体育");
    assert_eq!(sport.len(), 62);
    let sport = write_jsonl(dir.path(), "sport.jsonl", &sport);
    let rest = write_jsonl(dir.path(), "rest.jsonl", &rest);
    let model = dir.path().join("no-sport.zhuti");
    // The nine held-in categories, one theme each.
    fit(&rest, &model, &["--unit", "document", "--k", "9"]);
    let sport_doc = assign_json(&model, &sport);
    let rest_doc = assign_json(&model, &rest);
    let unseen = novel_share(&sport_doc);
    let held_in = novel_share(&rest_doc);
    println!("novel units: 体育 (unseen) {unseen:.3}, held-in categories {held_in:.3}");
    // Measured 0.742 and 0.032 (docs/models.md); the LSA score alone gave 0.645.
    assert!(unseen > 0.7, "most 体育 units are novel: {unseen}");
    assert!(held_in < 0.05, "few held-in units are novel: {held_in}");

    // The novel 体育 units form one emerging theme, about sport.
    let emerging = sport_doc["summary"]["emerging"].as_array().unwrap();
    assert_eq!(emerging.len(), 1, "{emerging:#?}");
    let theme = &emerging[0];
    let sport_words = [
        "比赛",
        "球队",
        "冠军",
        "球员",
        "赛季",
        "季后赛",
        "篮板",
        "湖人",
        "科比",
        "火箭",
        "公牛",
        "得分",
        "进攻",
        "防守",
        "主场",
        "客场",
        "联赛",
        "球迷",
        "NBA",
        "小牛",
        "热火",
    ];
    let terms: Vec<&str> = theme["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        terms.iter().all(|t| sport_words.contains(t)),
        "the label is about sport: {terms:?}"
    );
    assert!(theme["units"].as_u64().unwrap() as f64 >= 0.7 * 62.0);
    let sport_records = records(&sport);
    for rep in theme["representatives"].as_array().unwrap() {
        assert!(
            sport_records.iter().any(|r| r["id"] == rep["doc"]),
            "a representative is a 体育 article: {rep}"
        );
        assert!(!rep["text"].as_str().unwrap().is_empty());
    }
    // The summary with an emerging theme matches the schema.
    let sport_lines: Vec<Value> = sport_doc["articles"].as_array().unwrap().clone();
    assert_valid(&sport_lines, &sport_doc);
    // An ordinary batch of held-in articles forms none.
    assert_eq!(rest_doc["summary"]["emerging"], serde_json::json!([]));
}

#[test]
fn fit_sample_is_seeded_and_smaller() {
    let Some(file) = data("thucnews-dev.jsonl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--unit", "document", "--k", "10", "--sample", "200"];
    let a = fit(&file, &dir.path().join("a.zhuti"), &flags);
    let b = fit(&file, &dir.path().join("b.zhuti"), &flags);
    assert_eq!(a, b, "the same sample and seed give the same fit");
    let bytes = |n: &str| std::fs::read(dir.path().join(n)).unwrap();
    assert_eq!(a["corpus"]["documents"], 200);
    let mut other = flags.to_vec();
    other.extend_from_slice(&["--seed", "7"]);
    let c = fit(&file, &dir.path().join("c.zhuti"), &other);
    assert_eq!(c["corpus"]["documents"], 200);
    let ids = |r: &Value| -> Vec<String> {
        r["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_ne!(ids(&a), ids(&c), "another seed draws another sample");
    let full = fit(&file, &dir.path().join("full.zhuti"), &flags[..4]);
    assert_eq!(full["corpus"]["documents"], 500);
    assert!(bytes("a.zhuti").len() < bytes("full.zhuti").len());
    // The sampled model still places every article.
    let lines = assign_lines(&dir.path().join("a.zhuti"), &file);
    assert_eq!(lines.len(), 500);
}
