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
    let (ok, err) = stderr_of(&["--themes", "--k", "4"]);
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
        err.contains(
            "theme “算力与芯片”: seed word(s) not in the corpus vocabulary, ignored: 光刻机"
        ),
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
fn a_theme_with_no_word_in_the_corpus_is_an_error_naming_it() {
    let file = path("absent_theme.toml");
    let (ok, err) = stderr_of(&["--themes", &file]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "{file}: theme “体育”: none of its seed words (篮球, 足球) is in the corpus vocabulary"
        )),
        "{err}"
    );
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
