//! The HTML report through the real binary: flags, size, self-containment, determinism and
//! escaping of corpus text that carries markup.

mod common;

use common::{fixture, run, run_json};

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// The seed report as HTML, written with `-o`.
fn seed_html(extra: &[&str]) -> String {
    let dir = temp_dir();
    let path = dir.path().join("report.html");
    let path_str = path.to_str().expect("utf-8 path");
    let mut args = vec!["-q", "--format", "html", "-o", path_str];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "-o writes nothing on stdout");
    std::fs::read_to_string(&path).expect("report.html written")
}

#[test]
fn seed_report_is_small_self_contained_and_names_every_theme() {
    let html = seed_html(&[]);
    let json = run_json(&["-q", "--format", "json"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("name=\"viewport\""));
    assert!(
        html.len() < 300_000,
        "seed report is {} bytes, over the 300 KB budget",
        html.len()
    );
    for needle in [
        "http://", "https://", "<link", "@import", "url(", "<img", "<iframe",
    ] {
        assert!(
            !html.contains(needle),
            "report refers outside itself: {needle}"
        );
    }
    let themes = json["themes"].as_array().expect("themes");
    assert!(!themes.is_empty());
    for theme in themes {
        let id = theme["id"].as_u64().expect("id");
        let label = theme["label"].as_str().expect("label");
        assert!(html.contains(&format!("<h3>{label}</h3>")), "label {label}");
        assert!(html.contains(&format!("id=\"theme-{id}\"")));
        assert!(html.contains(&format!("id=\"theme-{id}-terms\"")));
        // One colour per theme, declared once and used by class everywhere.
        assert_eq!(html.matches(&format!(".t{id}{{--c:")).count(), 1);
    }
    let units = json["units"].as_array().expect("units").len();
    assert_eq!(
        html.matches("<circle ").count(),
        units,
        "one dot per paragraph"
    );
    let docs = json["documents"].as_array().expect("documents").len();
    assert_eq!(
        html.matches("<tr id=\"doc-").count(),
        docs,
        "one heat-map row per article"
    );
    let dropped = json["dropped"].as_array().expect("dropped").len();
    assert!(html.contains(&format!(
        "<details><summary>{dropped} paragraphs left out of clustering"
    )));
    for id in [
        "k-silhouette",
        "theme-sizes",
        "paragraph-map",
        "article-theme-heatmap",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "chart {id}");
    }
}

#[test]
fn html_is_byte_identical_across_runs_and_threads_and_stdout_matches_file() {
    let one = seed_html(&["--threads", "1"]);
    let two = seed_html(&["--threads", "2"]);
    assert!(one == two, "HTML differs between --threads 1 and 2");
    let out = run(&["-q", "--format", "html", "--threads", "2"]);
    assert!(out.status.success());
    assert!(
        out.stdout == one.as_bytes(),
        "stdout and -o give different pages"
    );
}

#[test]
fn markup_in_articles_is_shown_as_text() {
    let input = fixture("html_escape.jsonl");
    let input = input.to_str().expect("utf-8 path");
    let args = ["-q", "--k", "2", input];
    let json = run_json(&[&args[..], &["--format", "json"]].concat());
    let out = run(&[&args[..], &["--format", "html"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains("<img"), "no injected element");
    assert!(!html.contains("<i>斜体"), "titles are escaped");
    assert!(html.contains("标题 &lt;i&gt;斜体&lt;/i&gt; &amp; &quot;引号&quot;"));
    assert!(
        html.contains("title=\"evil&quot;&lt;b&gt;.txt\""),
        "ids are escaped in attributes"
    );
    let mut with_markup = 0;
    for unit in json["units"].as_array().expect("units") {
        let text = unit["text"].as_str().expect("text");
        if text.contains('<') {
            with_markup += 1;
            let escaped = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;");
            assert!(html.contains(&escaped), "escaped paragraph {escaped}");
        }
    }
    // Without a paragraph holding markup the loop above checks nothing: if cleaning one day
    // strips markup, give the fixture markup that survives it.
    assert!(
        with_markup > 0,
        "no clustered paragraph of html_escape.jsonl holds markup any more"
    );
}

#[test]
fn settings_say_whether_themes_were_refined_on_tf_idf() {
    assert!(seed_html(&[]).contains("auto tries k ≤ 20 · refined on TF-IDF"));
    let plain = seed_html(&["--no-refine"]);
    assert!(plain.contains("auto tries k ≤ 20<"), "no refinement note");
    assert!(!plain.contains("refined on TF-IDF"));
}

#[test]
fn settings_name_the_method_and_why_auto_chose_it() {
    // The default, `--method auto`, says what it chose and why, as the JSON's method_reason.
    let auto = seed_html(&[]);
    assert!(
        auto.contains(
            "<dt>method</dt><dd>themes by k-means on the units&#39; LSA vectors · auto: lsa, \
             since the median unit keeps 21 terms (more than the 8 for dmm), fewer than the 64 \
             for graph</dd>"
        ),
        "no method row for auto"
    );
    // A method given on the command line is named, with no reason.
    let dmm = seed_html(&["--method", "dmm"]);
    assert!(dmm.contains(
        "<dt>method</dt><dd>themes by the Dirichlet-multinomial mixture (one theme per \
         unit)</dd>"
    ));
}
