//! `zhuti fit`, `zhuti assign`, `zhuti inspect` on real runs: a saved model places the
//! training articles where the fit put them, alone or together, at any thread count; bad model
//! files are refused with a message that says what is wrong.

mod common;

use std::path::Path;

use common::{run, run_with_stdin};
use serde_json::Value;

fn seed_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// Fits the seeds into `dir/seeds.zhuti` with the report beside it; returns the report.
fn fit_seeds(dir: &Path) -> Value {
    let model = dir.join("seeds.zhuti");
    let report = dir.join("report.json");
    let out = run(&[
        "fit",
        "-q",
        "-o",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "fit prints no report without --report"
    );
    serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap()
}

fn lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn fit_report_is_the_analysis_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = fit_seeds(dir.path());
    let plain = common::run_json(&["--format", "json", "-q"]);
    assert_eq!(report, plain);
}

#[test]
fn assign_places_training_articles_where_fit_did_alone_and_together() {
    let dir = tempfile::tempdir().unwrap();
    let report = fit_seeds(dir.path());
    let model = dir.path().join("seeds.zhuti");
    let model = model.to_str().unwrap();
    let seeds = seed_dir();
    let together = run(&[
        "assign",
        "--model",
        model,
        seeds.to_str().unwrap(),
        "--threads",
        "2",
    ]);
    assert!(
        together.status.success(),
        "{}",
        String::from_utf8_lossy(&together.stderr)
    );
    let one_thread = run(&[
        "assign",
        "--model",
        model,
        seeds.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert_eq!(
        together.stdout, one_thread.stdout,
        "--threads changes nothing"
    );
    let articles = lines(&together.stdout);
    assert_eq!(articles.len(), 5);

    let (mut same, mut total) = (0, 0);
    for (article, doc) in articles.iter().zip(report["documents"].as_array().unwrap()) {
        let name = |v: &Value| {
            Path::new(v.as_str().unwrap())
                .file_name()
                .unwrap()
                .to_owned()
        };
        assert_eq!(name(&article["id"]), name(&doc["id"]));
        assert!(article["title"].is_string());
        // Each article alone gives its line byte for byte.
        let path = seeds.join(
            Path::new(article["id"].as_str().unwrap())
                .file_name()
                .unwrap(),
        );
        let alone = run(&["assign", "--model", model, path.to_str().unwrap()]);
        assert_eq!(lines(&alone.stdout), vec![article.clone()]);
        for unit in article["units"].as_array().unwrap() {
            let fitted = report["units"].as_array().unwrap().iter().find(|u| {
                u["doc"] == doc["id"] && u["line"] == unit["line"] && u["part"] == unit["part"]
            });
            if let Some(fitted) = fitted {
                total += 1;
                // An unassigned training unit (theme null) is placed in its nearest theme
                // by assign, which marks it novel.
                let theme = if fitted["theme"].is_null() {
                    &fitted["nearest"]
                } else {
                    &fitted["theme"]
                };
                same += usize::from(*theme == unit["theme"]);
            }
            assert!(unit["novel"].is_boolean());
            assert!(unit["score"].as_f64().unwrap() <= 1.0);
        }
    }
    assert!(total > 50, "most fitted units are assigned again ({total})");
    assert!(
        same * 100 >= total * 99,
        "{same} of {total} units kept their theme"
    );
}

#[test]
fn assign_summary_formats() {
    let dir = tempfile::tempdir().unwrap();
    let report = fit_seeds(dir.path());
    let model = dir.path().join("seeds.zhuti");
    let seeds = seed_dir();
    let out = run(&[
        "assign",
        "--model",
        model.to_str().unwrap(),
        seeds.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["articles"], 5);
    assert_eq!(doc["articles"].as_array().unwrap().len(), 5);
    let themes = doc["summary"]["themes"].as_array().unwrap();
    assert_eq!(themes.len(), report["themes"].as_array().unwrap().len());
    assert_eq!(themes[0]["label"], report["themes"][0]["label"]);
    let text = run(&[
        "assign",
        "--model",
        model.to_str().unwrap(),
        seeds.to_str().unwrap(),
        "--format",
        "text",
    ]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.starts_with("5 articles, "), "{text}");
    assert!(text.contains(report["themes"][0]["label"].as_str().unwrap()));
    assert!(text.contains("no emerging theme"), "{text}");
}

#[test]
fn inspect_shows_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let report = fit_seeds(dir.path());
    let model = dir.path().join("seeds.zhuti");
    let out = run(&["inspect", model.to_str().unwrap(), "--json"]);
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["format_version"], 5);
    let threshold = &info["themes"][0]["similarity_threshold"];
    assert!(
        threshold.as_f64().is_some_and(|t| t > 0.0 && t < 1.0),
        "{threshold}"
    );
    assert_eq!(info["zhuti_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["training"]["documents"], 5);
    assert_eq!(info["training"]["units"], report["corpus"]["units"]);
    assert_eq!(info["vocabulary"], report["corpus"]["terms"]);
    assert_eq!(info["settings"], report["params"]);
    assert_eq!(info["themes"][0]["label"], report["themes"][0]["label"]);
    let text = String::from_utf8(run(&["inspect", model.to_str().unwrap()]).stdout).unwrap();
    assert!(text.contains("zhuti theme model, format 5"), "{text}");
    assert!(
        text.contains("0 user dictionary words, 0 user stop words"),
        "{text}"
    );
    assert_eq!(info["user_words"]["dictionary"], serde_json::json!([]));
}

#[test]
fn bad_models_and_inputs_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    fit_seeds(dir.path());
    let report = dir.path().join("report.json");
    let out_file = dir.path().join("out.jsonl");
    let seeds = seed_dir();
    let out = run(&[
        "assign",
        "--model",
        report.to_str().unwrap(),
        seeds.to_str().unwrap(),
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a zhuti theme model") && err.contains("zhuti fit"),
        "{err}"
    );
    assert!(!out_file.exists());

    let model = dir.path().join("seeds.zhuti");
    let bytes = std::fs::read(&model).unwrap();
    let cut = dir.path().join("cut.zhuti");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    let out = run(&["inspect", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));

    // Input with no usable text: a one-line article (kept whole, as fit keeps headlines)
    // whose words are all outside the model's vocabulary is placed nowhere.
    let out = run_with_stdin(
        dir.path(),
        &["assign", "--model", model.to_str().unwrap(), "-"],
        "短。\n".as_bytes(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = &lines(&out.stdout)[0];
    assert_eq!(line["units"].as_array().unwrap().len(), 0);
    assert_eq!(line["dropped"][0]["reason"], "no_terms");

    // fit without -o is a usage error.
    let out = run(&["fit"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_model_that_cannot_be_mapped_is_read() {
    // A model is mapped into memory where it can be; a pipe (`--model /dev/stdin`, or
    // `<(zcat model.gz)`) cannot be mapped and is read instead, with the same result. An empty
    // file is no model either way.
    let dir = tempfile::tempdir().unwrap();
    fit_seeds(dir.path());
    let model = dir.path().join("seeds.zhuti");
    let seeds = seed_dir();
    let mapped = run(&[
        "assign",
        "-q",
        "--model",
        model.to_str().unwrap(),
        seeds.to_str().unwrap(),
    ]);
    assert!(mapped.status.success());
    let piped = run_with_stdin(
        dir.path(),
        &[
            "assign",
            "-q",
            "--model",
            "/dev/stdin",
            seeds.to_str().unwrap(),
        ],
        &std::fs::read(&model).unwrap(),
    );
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    assert_eq!(lines(&piped.stdout).len(), 5);
    assert_eq!(piped.stdout, mapped.stdout);

    let empty = dir.path().join("empty.zhuti");
    std::fs::write(&empty, b"").unwrap();
    let out = run(&["inspect", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a zhuti theme model"), "{err}");
}

/// The majority gold label of each theme's documents in a `--unit document` report, by the
/// theme's stable id (from `lineage` when present, else the report id).
fn majority_labels(report: &Value, corpus: &Path) -> std::collections::BTreeMap<u64, String> {
    use std::collections::{BTreeMap, HashMap};
    let gold: HashMap<String, String> = std::fs::read_to_string(corpus)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let stable = |position: u64| -> u64 {
        report["lineage"]["themes"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["position"] == position))
            .map_or(position, |t| t["id"].as_u64().unwrap())
    };
    let mut counts: BTreeMap<u64, HashMap<String, usize>> = BTreeMap::new();
    for unit in report["units"].as_array().unwrap() {
        let id = unit["doc"].as_str().unwrap();
        // Unassigned units (theme null) are in no theme.
        let Some(theme) = unit["theme"].as_u64() else {
            continue;
        };
        let theme = stable(theme);
        *counts
            .entry(theme)
            .or_default()
            .entry(gold[id].clone())
            .or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(theme, labels)| {
            let best = labels
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .unwrap();
            (theme, best.0)
        })
        .collect()
}

#[test]
fn refit_with_previous_keeps_ids_of_matching_themes() {
    let Some(corpus) = common::shared_data("thucnews-dev.jsonl") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have ../shared/data"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let fit = |seed: &str, name: &str, previous: Option<&Path>| -> Value {
        let model = dir.path().join(format!("{name}.zhuti"));
        let report = dir.path().join(format!("{name}.json"));
        let mut args = vec![
            "fit".to_string(),
            corpus.to_str().unwrap().into(),
            "--unit".into(),
            "document".into(),
            "--k".into(),
            "10".into(),
            "--seed".into(),
            seed.into(),
            "-q".into(),
            "-o".into(),
            model.to_str().unwrap().into(),
            "--report".into(),
            report.to_str().unwrap().into(),
            "--format".into(),
            "json".into(),
        ];
        if let Some(p) = previous {
            args.push("--previous".into());
            args.push(p.to_str().unwrap().into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap()
    };
    let first = fit("1", "first", None);
    let second = fit("2", "second", Some(&dir.path().join("first.zhuti")));
    let lineage = &second["lineage"];
    let old = majority_labels(&first, &corpus);
    let new = majority_labels(&second, &corpus);
    let mut matched = 0;
    for theme in lineage["themes"].as_array().unwrap() {
        if theme["status"] == "continued" {
            matched += 1;
            let id = theme["id"].as_u64().unwrap();
            assert_eq!(new[&id], old[&id], "theme {id} changed its majority label");
        } else {
            assert!(
                theme["id"].as_u64().unwrap() > 10,
                "fresh ids are never reused"
            );
        }
    }
    assert!(matched >= 8, "{matched} of 10 themes matched");
    // The model carries the lineage too.
    let info = run(&[
        "inspect",
        dir.path().join("second.zhuti").to_str().unwrap(),
        "--json",
    ]);
    let info: Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["lineage"], *lineage);

    // A previous "model" that is a report is refused before any work; nothing is written.
    let out_model = dir.path().join("third.zhuti");
    let out = run(&[
        "fit",
        corpus.to_str().unwrap(),
        "-o",
        out_model.to_str().unwrap(),
        "--previous",
        dir.path().join("first.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a zhuti theme model"));
    assert!(!out_model.exists());
}

#[test]
fn assign_gives_each_article_its_date() {
    let dir = tempfile::tempdir().unwrap();
    fit_seeds(dir.path());
    let model = dir.path().join("seeds.zhuti");
    let model = model.to_str().unwrap();
    let input = dir.path().join("dated.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"a\",\"date\":\"2024-03-05\",\"text\":\"国家统计局发布数据显示，今年前两个月全国规模以上工业增加值同比增长，制造业投资保持较快增长。\"}\n\
         {\"id\":\"b\",\"text\":\"国家统计局发布数据显示，今年前两个月全国规模以上工业增加值同比增长，制造业投资保持较快增长。\"}\n",
    )
    .unwrap();
    let out = run(&["assign", "-q", "--model", model, input.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let articles = lines(&out.stdout);
    assert_eq!(articles[0]["date"], "2024-03-05");
    assert!(
        articles[1].get("date").is_none(),
        "no date when the input gives none"
    );
    let json = common::run_json(&[
        "assign",
        "-q",
        "--model",
        model,
        input.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(json["articles"][0]["date"], "2024-03-05");
    assert_eq!(
        json["articles"][0], articles[0],
        "the same article in both formats"
    );

    // 新闻联播 files are dated by their name.
    let xwlb = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/xwlb");
    if !xwlb.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "xwlb is missing"
        );
        return;
    }
    let (a, b) = (xwlb.join("20230101.md"), xwlb.join("20230102.md"));
    let out = run(&[
        "assign",
        "-q",
        "--model",
        model,
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dates: Vec<Value> = lines(&out.stdout)
        .iter()
        .map(|a| a["date"].clone())
        .collect();
    assert_eq!(dates, ["2023-01-01", "2023-01-02"]);
}

#[test]
fn assign_text_fits_the_width_and_colours_only_when_asked() {
    let Some(thuc) = common::shared_data("thucnews-dev.jsonl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    fit_seeds(dir.path());
    let model = dir.path().join("seeds.zhuti");
    // News far from the seeds' AI articles: novel units that form emerging themes, with
    // representatives whose previews must be shortened to the width.
    let text = std::fs::read_to_string(thuc).unwrap();
    let batch = dir.path().join("batch.jsonl");
    let head: Vec<&str> = text.lines().take(150).collect();
    std::fs::write(&batch, head.join("\n")).unwrap();
    let assign = |extra: &[&str]| {
        let mut args = vec![
            "assign",
            "-q",
            "--model",
            model.to_str().unwrap(),
            batch.to_str().unwrap(),
            "--format",
            "text",
        ];
        args.extend_from_slice(extra);
        common::run_ok(&args)
    };

    let piped = assign(&[]);
    assert!(piped.contains("emerging themes"), "{piped}");
    assert!(!piped.contains('\x1b'), "no colour into a pipe:\n{piped}");
    let widest = piped.lines().map(common::columns).max().unwrap();
    assert!(
        widest <= 80,
        "80 columns into a pipe, got {widest}:\n{piped}"
    );
    // Some preview was long enough to need shortening at 80 columns.
    assert!(piped.contains('…'), "{piped}");

    let narrow = assign(&["--width", "50"]);
    for line in narrow.lines() {
        assert!(
            common::columns(line) <= 50,
            "wider than 50: {line:?}\n{narrow}"
        );
    }
    // The same theme rows and representatives, shortened (prose may wrap onto more lines).
    let places = |t: &str| t.lines().filter(|l| l.contains(" ¶")).count();
    assert!(places(&piped) >= 3, "{piped}");
    assert_eq!(places(&narrow), places(&piped), "{narrow}");
    let rows = |t: &str| t.lines().filter(|l| l.contains('%')).count();
    assert_eq!(rows(&narrow), rows(&piped), "{narrow}");

    // Theme 1's colour (#4e79a7) on its id, and only with --color always.
    let coloured = assign(&["--color", "always"]);
    assert!(
        coloured.contains("\x1b[1;38;2;78;121;167m  1\x1b[0m"),
        "{coloured}"
    );
    for line in coloured.lines() {
        assert!(
            common::columns(line) <= 80,
            "escapes take no columns: {line:?}"
        );
    }
    assert!(!assign(&["--color", "never"]).contains('\x1b'));

    // --full: whole representative paragraphs, wrapped within the width.
    let full = assign(&["--full", "--width", "60"]);
    assert!(full.lines().count() > narrow.lines().count(), "{full}");
    for line in full.lines() {
        assert!(common::columns(line) <= 60, "wider than 60: {line:?}");
    }

    let bad = run(&[
        "assign",
        "--model",
        model.to_str().unwrap(),
        batch.to_str().unwrap(),
        "--format",
        "text",
        "--width",
        "20",
    ]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--width"), "{err}");
}

#[test]
fn assign_reads_inputs_as_the_analysis_does() {
    let dir = tempfile::tempdir().unwrap();
    fit_seeds(dir.path());
    let model = dir.path().join("seeds.zhuti");
    let assign = |path: &Path, extra: &[&str]| {
        let mut args = vec!["assign", "-q", "--model", model.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(path.to_str().unwrap());
        run(&args)
    };
    let text = "腾讯云智能大模型产品负责人表示,腾讯非常看好大模型技术的发展,通用大模型和垂直大模型\
                两个方向都会关注。但通用大模型的落地可能会面临比较高的门槛,算力成本高昂。";

    // Records whose text is in a field of the user's naming.
    let records = dir.path().join("news.jsonl");
    let record = serde_json::json!({"id": "r1", "article": text});
    std::fs::write(&records, format!("{record}\n")).unwrap();
    let out = assign(&records, &["--text-field", "article"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let placed = lines(&out.stdout);
    assert_eq!(placed[0]["id"], "r1");
    assert!(
        !placed[0]["units"].as_array().unwrap().is_empty(),
        "{placed:?}"
    );
    let without = assign(&records, &[]);
    let without = lines(&without.stdout);
    assert!(
        without.is_empty() || without[0]["units"].as_array().unwrap().is_empty(),
        "no text field of the defaults: nothing to place: {without:?}"
    );

    // A Big5 file, read as Big5 when asked (and detected without asking).
    let traditional =
        "騰訊雲智能大模型產品負責人表示,騰訊非常看好大模型技術的發展,通用大模型和垂直\
                       大模型兩個方向都會關注。但通用大模型的落地可能會面臨比較高的門檻。";
    let (big5, _, bad) = encoding_rs::BIG5.encode(traditional);
    assert!(!bad);
    let file = dir.path().join("big5.txt");
    std::fs::write(&file, &big5).unwrap();
    let forced = lines(&assign(&file, &["--encoding", "big5"]).stdout);
    let title = forced[0]["title"].as_str().unwrap();
    assert!(title.starts_with("腾讯云智能大模型"), "{title}");
    assert_eq!(forced[0]["units"].as_array().unwrap().len(), 1);
    let wrong = lines(&assign(&file, &["--encoding", "gbk"]).stdout);
    let title = wrong[0]["title"].as_str().unwrap_or("");
    assert!(!title.contains("腾讯"), "{wrong:?}");

    // --strict: a bad record is an error, not a warning.
    std::fs::write(&records, format!("{record}\nnot json\n")).unwrap();
    let lenient = assign(&records, &["--text-field", "article"]);
    assert!(lenient.status.success());
    let strict = assign(&records, &["--text-field", "article", "--strict"]);
    assert!(!strict.status.success());
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(err.contains("news.jsonl") && err.contains('2'), "{err}");
}

#[test]
fn a_model_reads_new_articles_as_its_corpus_was_read() {
    // The seeds as JSON Lines records whose text is in a field only `--text-field` finds.
    let dir = tempfile::tempdir().unwrap();
    let records: String = common::seed_files()
        .iter()
        .map(|p| {
            let id = p.file_stem().unwrap().to_str().unwrap();
            let text = std::fs::read_to_string(p).unwrap();
            format!("{}\n", serde_json::json!({"id": id, "article": text}))
        })
        .collect();
    let corpus = dir.path().join("seeds.jsonl");
    std::fs::write(&corpus, records).unwrap();
    let model = dir.path().join("m.zhuti");
    let (corpus, model) = (corpus.to_str().unwrap(), model.to_str().unwrap());
    let fit = run(&["fit", "-q", corpus, "--text-field", "article", "-o", model]);
    assert!(
        fit.status.success(),
        "{}",
        String::from_utf8_lossy(&fit.stderr)
    );

    // Without the flag, assign reads the field the model was fitted with: the same lines.
    let named = run(&[
        "assign",
        "-q",
        "--model",
        model,
        "--text-field",
        "article",
        corpus,
    ]);
    let remembered = run(&["assign", "-q", "--model", model, corpus]);
    assert!(
        remembered.status.success(),
        "{}",
        String::from_utf8_lossy(&remembered.stderr)
    );
    assert_eq!(remembered.stdout, named.stdout);
    let placed = lines(&remembered.stdout);
    assert_eq!(placed.len(), 5);
    assert!(placed
        .iter()
        .all(|a| a["units"].as_array().is_some_and(|u| u.len() > 5)));

    // A flag still wins: a field no record has leaves nothing to place.
    let other = run(&[
        "assign",
        "-q",
        "--model",
        model,
        "--text-field",
        "body",
        corpus,
    ]);
    assert!(lines(&other.stdout)
        .iter()
        .all(|a| a["units"].as_array().is_none_or(Vec::is_empty)));

    // inspect says how the corpus was read.
    let info: Value = serde_json::from_slice(&run(&["inspect", model, "--json"]).stdout).unwrap();
    assert_eq!(
        info["reading"],
        serde_json::json!({"text_field": "article", "encoding": null})
    );
    let text = String::from_utf8(run(&["inspect", model]).stdout).unwrap();
    assert!(text.contains("read with --text-field article"), "{text}");
}

#[test]
fn assign_into_a_pipe_closed_early_stops_quietly() {
    // `zhuti assign --model M new.jsonl | head -1`: the reader goes away after one line, as
    // with `zhuti FILE | head`, and that is no error (it was one until 2026-12-06: serde_json
    // hid the closed pipe inside another error kind).
    use std::io::{BufRead, Write};
    let dir = tempfile::tempdir().unwrap();
    fit_seeds(dir.path());
    let input = dir.path().join("many.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    let texts: Vec<String> = std::fs::read_dir(seed_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for i in 0..2_000 {
        let record = serde_json::json!({"id": format!("a{i}"), "text": texts[i % texts.len()]});
        writeln!(file, "{record}").unwrap();
    }
    drop(file);
    let model = dir.path().join("seeds.zhuti");
    let mut child = common::zhuti()
        .args([
            "assign",
            "-q",
            "--model",
            model.to_str().unwrap(),
            input.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with(r#"{"id":"a0""#), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "{stderr}");
}
