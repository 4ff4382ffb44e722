//! The seed report rendered by a real browser: headless Chromium loads the page (running its
//! script), and the rendered DOM must hold every theme label and every chart. Markup inside
//! articles must not run. Without Chromium the tests fail under CI (`CI=true`; `.ci/run`
//! installs Debian's `chromium` package) and skip with the reason printed elsewhere; set
//! `ZHUTI_CHROMIUM` to use another binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{fixture, run, run_json};

/// The Chromium binary; when there is none, `None` with the reason on stderr outside CI, and a
/// failed test under CI ([`common::missing`]).
fn chromium() -> Option<String> {
    let candidates: Vec<String> = match std::env::var("ZHUTI_CHROMIUM") {
        Ok(path) if !path.is_empty() => vec![path],
        _ => ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    for candidate in &candidates {
        let ok = Command::new(candidate)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            return Some(candidate.clone());
        }
    }
    common::missing(
        &format!("headless Chromium (tried {})", candidates.join(", ")),
        "install Debian's `chromium` package, as .ci/run does, or set ZHUTI_CHROMIUM",
    );
    None
}

/// Chromium's rendered DOM of the page at `path`, after its scripts ran.
fn dump_dom(browser: &str, path: &Path, profile: &Path) -> String {
    dump_dom_at(browser, path, profile, "1280,900")
}

/// [`dump_dom`] in a window of `size` (`width,height` in CSS pixels).
fn dump_dom_at(browser: &str, path: &Path, profile: &Path, size: &str) -> String {
    let url = format!("file://{}", path.display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={size}"))
        .arg("--dump-dom")
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    // Read stdout on a thread so a full pipe cannot stall the browser; give up after 60 s.
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut buf = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut buf).map(|_| buf)
    });
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish rendering {url} within 60 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("reader").expect("DOM is UTF-8")
}

/// Renders `args` to `dir/report.html` and returns the path.
fn write_report(dir: &Path, args: &[&str]) -> PathBuf {
    let path = dir.join("report.html");
    let mut all = vec![
        "-q",
        "--format",
        "html",
        "-o",
        path.to_str().expect("utf-8"),
    ];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// Text as Chromium serialises it inside an element.
fn as_dom_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn chromium_renders_every_theme_and_chart_of_the_seed_report() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let report = write_report(dir.path(), &[]);
    let dom = dump_dom(&browser, &report, &dir.path().join("profile"));
    let json = run_json(&["-q", "--format", "json"]);

    assert!(dom.contains("<svg id=\"paragraph-map\""), "map rendered");
    assert!(dom.contains("<svg id=\"k-silhouette\""), "k chart rendered");
    assert!(dom.contains("id=\"theme-sizes\""), "size chart rendered");
    assert!(
        dom.contains("<table id=\"article-theme-heatmap\""),
        "heat map rendered"
    );
    let units = json["units"].as_array().expect("units").len();
    assert_eq!(
        dom.matches("<circle ").count(),
        units,
        "a dot per paragraph"
    );
    for theme in json["themes"].as_array().expect("themes") {
        let id = theme["id"].as_u64().expect("id");
        let label = as_dom_text(theme["label"].as_str().expect("label"));
        assert!(
            dom.contains(&format!("<h3>{label}</h3>")),
            "theme {id} label {label} in the rendered page"
        );
        assert!(
            dom.contains(&format!("id=\"theme-{id}-terms\"")),
            "terms chart {id}"
        );
        assert!(
            dom.contains(&format!("data-t=\"{id}\"")),
            "map legend entry for theme {id}"
        );
    }
    for doc in json["documents"].as_array().expect("documents") {
        let title = as_dom_text(doc["title"].as_str().expect("title"));
        assert!(
            dom.contains(&title),
            "article title {title} in the heat map"
        );
    }
    // Left-out paragraphs are collapsed (a <details> without `open`).
    assert!(
        dom.contains("<details><summary>"),
        "left-out section is collapsed"
    );
}

#[test]
fn chromium_shows_markup_from_articles_as_text_and_runs_none_of_it() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let input = fixture("html_escape.jsonl");
    let report = write_report(dir.path(), &["--k", "2", input.to_str().expect("utf-8")]);
    let dom = dump_dom(&browser, &report, &dir.path().join("profile"));
    // The fixture's <script> would mark the root element; its <img onerror> would add an image.
    let start = dom.find("<html").expect("root element in the DOM");
    let root = dom[start..].split('>').next().unwrap_or_default();
    assert!(!root.contains("data-pwned"), "injected script ran: {root}");
    assert!(!dom.contains("<img"), "injected image became an element");
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(
        dom.contains("标题 &lt;i&gt;斜体&lt;/i&gt; &amp; \"引号\""),
        "title shown as text"
    );
}

/// Issue 19: a long unbreakable run (a model name, a run of letters) wraps instead of widening
/// the page sideways. The page is measured by a script added to a copy of the report.
#[test]
fn long_unbreakable_runs_do_not_widen_the_page() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    for entry in std::fs::read_dir(&seeds).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            std::fs::copy(&path, corpus.join(path.file_name().unwrap())).unwrap();
        }
    }
    let long: String = (0..6)
        .map(|i| {
            format!(
                "大模型的算力与芯片问题第{i}次被提及，GPU{}。\n",
                "X".repeat(300)
            )
        })
        .collect();
    // A long unbreakable file name too: ids show in the heat map, the map and the cards.
    let name = format!("{}.txt", "L".repeat(150));
    std::fs::write(corpus.join(name), format!("长串测试\n{long}")).unwrap();
    let report = write_report(dir.path(), &[corpus.to_str().unwrap()]);
    let page = std::fs::read_to_string(&report).unwrap().replace(
        "</body>",
        "<script>document.body.setAttribute('data-width', \
         document.documentElement.scrollWidth + ' ' + window.innerWidth)</script></body>",
    );
    let measured = dir.path().join("measured.html");
    std::fs::write(&measured, page).unwrap();
    // At laptop width and at a phone's.
    for (size, expected) in [("1280,900", 1280), ("390,844", 390)] {
        let dom = dump_dom_at(&browser, &measured, &dir.path().join("profile"), size);
        let at = dom.find("data-width=\"").expect("the script ran") + "data-width=\"".len();
        let (scroll, window) = dom[at..]
            .split('"')
            .next()
            .and_then(|s| s.split_once(' '))
            .expect("two widths");
        let (scroll, window): (u32, u32) = (scroll.parse().unwrap(), window.parse().unwrap());
        // Headless Chromium does not make windows narrower than 500 px.
        assert_eq!(window, expected.max(500), "the window is {size}");
        assert!(
            scroll <= window,
            "the page is {scroll} px wide in a {window} px window"
        );
    }
}
