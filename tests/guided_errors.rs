//! Guided themes: bad themes files and settings fail with messages naming the file and theme;
//! seed words missing from the corpus are a warning, not an error.

mod common;

use common::{fixture, run};

fn stderr_of(args: &[&str]) -> (bool, String) {
    let out = run(args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path(name: &str) -> String {
    fixture(&format!("guided/{name}")).display().to_string()
}

#[test]
fn k_below_the_named_themes_is_a_clear_error() {
    let (ok, err) = stderr_of(&["--bundled-themes", "--k", "4"]);
    assert!(!ok);
    assert!(
        err.contains("--k 4 is fewer than the 5 named themes in seeds/themes.toml")
            && err.contains("use --k 5 or more"),
        "{err}"
    );
}

#[test]
fn missing_seed_words_are_a_warning_naming_them() {
    let file = path("missing_words.toml");
    let (ok, err) = stderr_of(&["--themes", &file, "--k", "4"]);
    assert!(ok, "{err}");
    assert!(
        err.contains("theme “算力与芯片”: seed word not in the corpus vocabulary, ignored: 光刻机"),
        "{err}"
    );
    assert!(
        err.contains("theme “监管与备案”") && err.contains("量子纠缠"),
        "{err}"
    );
    let (ok, err) = stderr_of(&["--themes", &file, "--k", "4", "-q"]);
    assert!(ok && err.is_empty(), "-q silences warnings: {err}");
}

#[test]
fn a_theme_with_no_word_in_the_corpus_is_a_warning_and_an_empty_theme() {
    let file = path("absent_theme.toml");
    let (ok, err) = stderr_of(&["--themes", &file]);
    assert!(ok, "{err}");
    assert!(
        err.contains(&format!(
            "{file}: theme “体育”: none of its seed words (篮球, 足球) is in the corpus \
             vocabulary, so it is reported empty"
        )),
        "{err}"
    );
    let out = run(&["--themes", &file, "--k", "4", "--format", "json", "-q"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let themes = json["themes"].as_array().unwrap();
    // --k counts the empty theme: three found, then the named one with nothing in it.
    assert_eq!(themes.len(), 4);
    let last = &themes[3];
    assert_eq!(
        (&last["name"], &last["size"], &last["guided"], &last["id"]),
        (
            &serde_json::json!("体育"),
            &serde_json::json!(0),
            &serde_json::json!(true),
            &serde_json::json!(4)
        )
    );
    assert!(themes[..3].iter().all(|t| t["size"].as_u64().unwrap() > 0));
    assert!(themes.iter().any(|t| t["name"] == "算力与芯片"));
}

#[test]
fn no_theme_with_a_word_in_the_corpus_is_an_error() {
    let file = path("all_absent.toml");
    let (ok, err) = stderr_of(&["--themes", &file]);
    assert!(!ok);
    assert!(
        err.contains("no named theme has a seed word in the corpus vocabulary"),
        "{err}"
    );
}

#[test]
fn a_bare_themes_flag_does_not_swallow_a_corpus_path() {
    // `--themes` needs its file; the bundled one is --bundled-themes.
    let out = run(&["--themes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--themes <FILE>"), "{err}");
    let help = String::from_utf8_lossy(&run(&["--help"]).stdout).into_owned();
    assert!(help.contains("--bundled-themes"), "{help}");
}

#[test]
fn invalid_files_name_the_file_and_the_problem() {
    let file = path("duplicate.toml");
    let (ok, err) = stderr_of(&["--themes", &file]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "{file}: theme name “算力” is used twice (themes 1 and 2)"
        )),
        "{err}"
    );

    let file = path("broken.toml");
    let (ok, err) = stderr_of(&["--themes", &file]);
    assert!(!ok);
    assert!(
        err.contains(&format!("{file}: not a valid themes file")),
        "{err}"
    );

    let (ok, err) = stderr_of(&["--themes", "no/such/themes.toml"]);
    assert!(!ok);
    assert!(err.contains("cannot read no/such/themes.toml"), "{err}");
}
