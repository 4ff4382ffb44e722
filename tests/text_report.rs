//! The terminal report's text, exactly: counts with thousands separators and singular forms;
//! every line within `--width` columns (escapes not counted), previews as wide as the line
//! allows, `--full` paragraphs, the mix table paged, colour only when asked for or on a
//! terminal, and the JSON untouched by any of it.

mod common;

use std::sync::OnceLock;

use unicode_width::UnicodeWidthStr;
use zhuti::ingest::{load_with, ReadOptions};
use zhuti::report::text::{render_with, TextOptions};
use zhuti::{Analysis, NoProgress, Settings};

/// The report laid out wide enough that no line of the seeds' header wraps.
fn wide(a: &Analysis) -> String {
    render_with(
        a,
        &TextOptions {
            width: 200,
            ..TextOptions::default()
        },
    )
}

/// The analysis of the bundled seed articles with the default settings (computed once).
fn seeds() -> &'static Analysis {
    static SEEDS: OnceLock<Analysis> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let corpus = load_with(&zhuti::seeds::bundled(), &ReadOptions::default()).unwrap();
        zhuti::analyze(&corpus, &Settings::default(), &NoProgress).unwrap()
    })
}

#[test]
fn counts_have_thousands_separators_and_one_is_singular() {
    let text = wide(seeds());
    let head = format!(
        "zhuti {} · 5 texts in memory · 5 articles · 104 paragraphs in 7 themes · 69 left out \
         (64 boilerplate, 2 duplicate, 3 short)\n",
        env!("ZHUTI_LONG_VERSION")
    );
    assert!(text.starts_with(&head), "{text}");
    // (The seeds' own clustering numbers come from the analysis: phrases moved them.)
    let terms = format!(" · {} terms · seed 42\n", seeds().corpus.terms);
    assert!(text.contains(&terms), "{text}");
    assert!(
        text.contains(", measured on 104 units; no k stands out: "),
        "{text}"
    );

    // The same report of a corpus as large as THUCNews, and of one article.
    let mut big = seeds().clone();
    big.corpus.documents = 65_536;
    big.corpus.units = 574_044;
    big.corpus.dropped = 12_345;
    big.corpus.terms = 1_000_001;
    big.themes[0].size = 123_456;
    big.themes[1].size = 1;
    let text = wide(&big);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "zhuti {} · 5 texts in memory · 65,536 articles · 574,044 paragraphs in 7 themes · \
             12,345 left out (64 boilerplate, 2 duplicate, 3 short)",
            env!("ZHUTI_LONG_VERSION")
        )
    );
    assert!(text.contains(" · 1,000,001 terms · seed 42\n"), "{text}");
    let tail = |n: &str, i: usize| {
        let t = &seeds().themes[i];
        format!(" {n} · {:.1}% · NPMI {:.2}\n", t.share * 100.0, t.npmi)
    };
    assert!(text.contains(&tail("123,456 paragraphs", 0)), "{text}");
    assert!(text.contains(&tail("1 paragraph", 1)), "{text}");

    let mut one = seeds().clone();
    one.corpus.documents = 1;
    one.corpus.units = 1;
    one.corpus.dropped = 1;
    one.corpus.terms = 1;
    one.inputs = vec!["a.txt".into()];
    let text = wide(&one);
    let head = format!(
        "zhuti {} · a.txt · 1 article · 1 paragraph in 7 themes · 1 left out \
         (64 boilerplate, 2 duplicate, 3 short)\n",
        env!("ZHUTI_LONG_VERSION")
    );
    assert!(text.starts_with(&head), "{text}");
    assert!(text.contains(" · 1 term · seed 42\n"), "{text}");

    // The mix table lists 40 articles and counts the rest.
    for (articles, more) in [(41, "1 more article"), (1_041, "1,001 more articles")] {
        let mut many = seeds().clone();
        let first = many.documents[0].clone();
        many.documents = vec![first; articles];
        let text = wide(&many);
        assert!(
            text.ends_with(&format!("\n  … and {more} (see --format json for all)\n")),
            "{text}"
        );
    }
}

#[test]
fn csv_has_one_row_per_article_and_quotes_as_rfc_4180() {
    let csv = zhuti::report::render(seeds(), zhuti::report::Format::Csv).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    // The labels and shares are the seeds' clustering (phrases moved them): from the analysis.
    let labels: String = seeds()
        .themes
        .iter()
        .map(|t| format!(",T{} {}", t.id, t.label))
        .collect();
    assert_eq!(
        lines[0],
        format!("id,title,date,source,units{labels},unassigned")
    );
    let shares: String = seeds()
        .themes
        .iter()
        .map(|t| {
            let mix = &seeds().documents[0].theme_mix;
            let share = mix
                .iter()
                .find(|m| m.theme == t.id)
                .map_or(0.0, |m| m.share);
            format!(",{share:.4}")
        })
        .collect::<String>()
        + &format!(",{:.4}", seeds().documents[0].unassigned);
    assert_eq!(
        lines[1],
        format!(
            "seeds/000_3ef24099cf65efde.txt,\"8月31日,首批11家通过《生成式人工智能服务管理暂行办法》\
             备案的AI大模型名单…\",,,10{shares}"
        )
    );
    // A header, five articles, and the final line end.
    assert_eq!(lines.len(), 7, "{csv}");
    assert_eq!(lines[6], "");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), seeds().documents.len());
    for (row, doc) in rows.iter().zip(&seeds().documents) {
        // The themes' shares and the unassigned share (last) sum to 1.
        assert_eq!(row.len(), 5 + seeds().themes.len() + 1);
        assert_eq!((&row[0], &row[1]), (doc.id.as_str(), doc.title.as_str()));
        assert_eq!(row[4].parse::<usize>().unwrap(), doc.units);
        let total: f64 = (5..row.len()).map(|i| row[i].parse::<f64>().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-3, "{total}");
    }

    // Quotes, commas and line breaks are quoted, not split.
    let mut odd = seeds().clone();
    odd.documents[0].title = "He said \"AI, now\"\nand left".to_string();
    odd.documents[0].source = Some("新华社".to_string());
    odd.documents[0].date = Some("2024-03-15".to_string());
    let csv = zhuti::report::render(&odd, zhuti::report::Format::Csv).unwrap();
    assert!(
        csv.contains(
            "\r\nseeds/000_3ef24099cf65efde.txt,\"He said \"\"AI, now\"\"\nand left\",\
             2024-03-15,新华社,10,"
        ),
        "{csv}"
    );
}

/// `text` without the colour escapes the report writes (`ESC [ … m`).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\x1b[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after
            .find('m')
            .unwrap_or_else(|| panic!("an unfinished escape in {text}"));
        assert!(
            after[..end].chars().all(|c| c.is_ascii_digit() || c == ';'),
            "not a colour escape: {:?}",
            &after[..end]
        );
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Runs `zhuti` on the seeds with `args` (stdout piped), asserts success, returns stdout.
fn report(args: &[&str]) -> String {
    let out = common::run(&[&["-q"], args].concat());
    assert!(
        out.status.success(),
        "zhuti {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Asserts that no line of `text` is wider than `width` columns once escapes are taken out.
fn assert_fits(text: &str, width: usize, what: &str) {
    for line in plain(text).lines() {
        assert!(
            line.width() <= width,
            "{what}: a line of {} columns in {width}: {line:?}\n{text}",
            line.width()
        );
    }
}

#[test]
fn every_line_fits_the_width() {
    // Piped, without --width: 80 columns.
    let text = report(&[]);
    assert_fits(&text, 80, "default");
    let head = format!(
        "zhuti {} · the bundled seeds · 5 articles\n  104 paragraphs in 7 themes\n  69 left out \
         (64 boilerplate, 2 duplicate, 3 short)\n",
        env!("ZHUTI_LONG_VERSION")
    );
    assert!(text.starts_with(&head), "{text}");
    let widest = text.lines().map(UnicodeWidthStr::width).max().unwrap();
    assert!(widest >= 78, "the report uses the width: {widest}");

    // Every width, previews or whole paragraphs, with colour or not; a daily timeline (more
    // buckets than columns) and named themes (a longer heading and the `guided by` line).
    for width in ["40", "60", "80", "120"] {
        for extra in [
            &[][..],
            &["--full"],
            &["--color", "always"],
            &["--full", "--color", "always", "--period", "day"],
            &["--bundled-themes", "--k", "9"],
            &["--unit", "document", "--k", "3"],
        ] {
            let args = [&["--width", width], extra].concat();
            let text = report(&args);
            assert_fits(&text, width.parse().unwrap(), &format!("{args:?}"));
            assert!(plain(&text).contains("━━ Theme 1 · "), "{args:?}\n{text}");
        }
    }
}

#[test]
fn previews_take_the_columns_the_line_leaves() {
    for width in [60, 80, 120, 200] {
        let text = report(&["--width", &width.to_string()]);
        let lines: Vec<&str> = text.lines().collect();
        let (mut previews, mut cut) = (0, 0);
        for (i, line) in lines.iter().enumerate() {
            if !line.starts_with("   ▸ ") {
                continue;
            }
            previews += 1;
            // The location ends the line, or (when it would leave the preview under 20
            // columns, as at 60) takes the next line.
            let preview = match line.rsplit_once("  [") {
                Some((preview, tag)) => {
                    assert!(tag.ends_with(']') && width > 60, "{line}");
                    preview
                }
                None => {
                    assert!(lines[i + 1].starts_with("     [") && width == 60, "{line}");
                    line
                }
            };
            // A cut preview ends in `…` and fills the line (a wide character may leave one
            // column); a paragraph short enough is shown whole.
            if !preview.ends_with('…') {
                assert!(line.width() < width, "{line}");
                continue;
            }
            cut += 1;
            assert!(
                line.width() == width || line.width() == width - 1,
                "{} columns of {width}: {line}",
                line.width()
            );
        }
        assert_eq!(previews, 21, "{text}");
        // All but the two short paragraphs (about 65 columns) are cut up to 120 columns.
        assert!(cut >= if width <= 120 { 16 } else { 10 }, "{text}");
    }
}

#[test]
fn full_prints_every_representative_paragraph_whole() {
    let json = common::run_json(&["-q", "--format", "json"]);
    let text = report(&["--full", "--width", "60"]);
    assert_fits(&text, 60, "--full");
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    let mut paragraphs = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(first) = line.strip_prefix("   ▸ ") {
            current = Some(first.to_string());
        } else if let (Some(p), Some(more)) = (current.as_mut(), line.strip_prefix("     ")) {
            p.push_str(more);
        } else if let Some(p) = current.take() {
            paragraphs.push(p);
        }
        // The location closes a paragraph.
        if current
            .as_deref()
            .is_some_and(|p| p.trim_end().ends_with(']'))
        {
            paragraphs.push(current.take().unwrap());
        }
    }
    let themes = json["themes"].as_array().unwrap();
    let reps: Vec<&serde_json::Value> = themes
        .iter()
        .flat_map(|t| t["representatives"].as_array().unwrap())
        .collect();
    assert_eq!(paragraphs.len(), reps.len(), "{text}");
    for (shown, rep) in paragraphs.iter().zip(&reps) {
        let whole = squeeze(rep["text"].as_str().unwrap());
        let (body, _) = shown.rsplit_once('[').unwrap();
        assert_eq!(squeeze(body), whole, "{text}");
        assert!(!body.contains('…'), "{body}");
    }
    // Without --full the same paragraphs are one-line previews.
    let short = report(&["--width", "60"]);
    assert!(short.lines().count() < text.lines().count());
}

#[test]
fn the_mix_table_pages_its_columns_to_fit() {
    let seeds = common::run_json(&["-q", "--format", "json"]);
    let ids: Vec<String> = seeds["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let id = d["id"].as_str().unwrap();
            id.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    let mix = |text: &str| -> String {
        let at = text.find("Article × theme mix").unwrap();
        text[at..].to_string()
    };
    // 80 columns hold the seven themes in one block.
    let one = mix(&report(&[]));
    assert!(!one.contains("  themes 1–"), "{one}");
    assert!(
        one.lines()
            .nth(1)
            .unwrap()
            .trim_start()
            .starts_with("T1   T2   T3   T4   T5   T6   T7"),
        "{one}"
    );
    // 60 columns: two blocks, of four and three, each with every article.
    let paged = mix(&report(&["--width", "60"]));
    let blocks: Vec<&str> = paged.split("\n\n").collect();
    assert_eq!(blocks.len(), 2, "{paged}");
    for (block, (caption, columns)) in blocks.iter().zip([
        ("  themes 1–4 (1 of 2)", "T1   T2   T3   T4"),
        ("  themes 5–7 (2 of 2)", "T5   T6   T7"),
    ]) {
        let lines: Vec<&str> = block
            .lines()
            .filter(|l| !l.starts_with("Article"))
            .collect();
        assert_eq!(lines[0], caption, "{paged}");
        assert!(lines[1].trim_start() == columns, "{paged}");
        assert_eq!(lines.len(), 2 + ids.len(), "{paged}");
        for (row, id) in lines[2..].iter().zip(&ids) {
            assert!(row.starts_with(&format!("  {}", &id[..10])), "{row}");
            let cells: Vec<&str> = row.split_whitespace().rev().take(3).collect();
            assert!(cells.iter().all(|c| *c == "·" || c.ends_with('%')), "{row}");
        }
    }
    // 40 columns: four blocks of two, the last of one.
    let narrow = mix(&report(&["--width", "40"]));
    assert!(narrow.contains("  themes 5–6 (3 of 4)\n"), "{narrow}");
    assert!(narrow.contains("  theme 7 (4 of 4)\n"), "{narrow}");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    // Piped: no escape byte at all, by default, with auto and with never.
    for args in [&[][..], &["--color", "auto"], &["--color", "never"]] {
        let text = report(args);
        assert!(!text.contains('\x1b'), "{args:?}");
    }
    let out = common::zhuti()
        .args(["-q", "--color", "always"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let coloured = String::from_utf8(out.stdout).unwrap();
    // Theme 1's colour in the HTML page is #4e79a7 = 78, 121, 167: the same in the terminal.
    let html = report(&["--format", "html"]);
    assert!(html.contains(".t1{--c:#4e79a7}"));
    assert!(
        coloured.contains("━━ \x1b[1;38;2;78;121;167mTheme 1 · "),
        "{coloured}"
    );
    assert!(coloured.contains("\x1b[38;2;78;121;167m▸\x1b[0m "));
    assert!(coloured.contains("\x1b[1;38;2;242;142;43mT2\x1b[0m"));
    // The same report once the escapes are gone.
    assert_eq!(plain(&coloured), report(&[]));
    assert!(
        common::run(&["--color", "sometimes"]).status.code() == Some(2),
        "a bad --color is a usage error"
    );
}

/// `zhuti` on a terminal of 100 columns (a pseudo-terminal from `script`), with `NO_COLOR`
/// set to `no_color`.
fn on_a_terminal(no_color: Option<&str>) -> Option<String> {
    let probe = std::process::Command::new("script")
        .arg("--version")
        .output();
    if probe.is_err() {
        common::missing("script (util-linux)", "it gives the report a terminal");
        return None;
    }
    let command = format!("stty cols 100 rows 40; {} -q", env!("CARGO_BIN_EXE_zhuti"));
    let mut script = std::process::Command::new("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        script.env("NO_COLOR", v);
    }
    let out = script.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n"))
}

#[test]
fn a_terminal_gets_its_width_and_colour_unless_no_color() {
    let Some(text) = on_a_terminal(None) else {
        return;
    };
    assert!(text.contains("\x1b[1;38;2;78;121;167mTheme 1 · "), "{text}");
    assert_fits(&text, 100, "a terminal of 100 columns");
    let widest = plain(&text).lines().map(UnicodeWidthStr::width).max();
    assert!(widest > Some(80), "{text}");
    // An empty NO_COLOR is unset; any other value turns colour off.
    let empty = on_a_terminal(Some("")).unwrap();
    assert!(empty.contains('\x1b'));
    let off = on_a_terminal(Some("1")).unwrap();
    assert!(!off.contains('\x1b'), "{off}");
    assert_eq!(off, plain(&text));
}

#[test]
fn the_layout_flags_leave_the_json_as_it_was() {
    let plain_json = common::run(&["-q", "--format", "json"]).stdout;
    let with_flags = common::run(&[
        "-q", "--format", "json", "--width", "50", "--full", "--color", "always",
    ])
    .stdout;
    assert_eq!(plain_json, with_flags);
    let json: serde_json::Value = serde_json::from_slice(&plain_json).unwrap();
    for key in ["width", "full", "color", "colour"] {
        assert!(json["params"].get(key).is_none(), "params.{key}");
    }
}

#[test]
fn a_width_outside_40_to_1000_is_a_usage_error() {
    for width in ["39", "0", "1001", "wide"] {
        let out = common::run(&["--width", width]);
        assert_eq!(out.status.code(), Some(2), "--width {width}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("'--width <N|auto>'"), "{stderr}");
        if width != "wide" {
            assert!(
                stderr.contains("the text report needs 40 to 1000 columns"),
                "{stderr}"
            );
        }
    }
    assert!(common::run(&["-q", "--width", "auto"]).status.success());
}

/// A JSON Lines corpus whose records hold several paragraphs each (the first a byline that is
/// left out), on two subjects, in a temporary folder.
fn records_corpus() -> tempfile::TempDir {
    let sport = [
        "湖人队在今晚的篮球比赛中以十分优势击败火箭队，科比全场砍下三十分和八个篮板球。",
        "球队主教练赛后表示，季后赛的比赛强度更大，球员们必须保持专注，篮板球是胜负的关键。",
        "火箭队的中锋在比赛第三节受伤离场，球队希望他能在季后赛第二轮之前复出参加比赛。",
        "公牛队客场挑战热火队，双方在比赛最后一分钟战平，加时赛中公牛队凭借罚球取胜。",
        "联盟官方公布了本赛季的最佳阵容名单，三位球员首次入选，球迷对评选结果争议不大。",
        "国家队集训名单昨日出炉，多名年轻球员入选，篮协希望他们在亚运会比赛中积累经验。",
    ];
    let money = [
        "今天股票市场大幅上涨，沪深两市成交金额超过五千亿元，基金公司纷纷加仓银行股票。",
        "分析人士认为，央行下调存款准备金率释放了流动性，股票市场和债券市场都将因此受益。",
        "多家基金公司的投资经理表示，下半年将重点配置消费和科技行业的股票，控制债券仓位。",
        "证监会发布新规，要求上市公司提高分红比例，保护中小投资者在股票市场中的合法权益。",
        "今年以来发行的新基金规模已超过三千亿元，其中股票型基金占比较去年明显提高。",
        "券商研究报告指出，银行板块估值处于历史低位，长期投资股票的资金可以逐步布局。",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..4 {
        let body = if i % 2 == 0 { &sport } else { &money };
        let first = (i / 2) * 3;
        let text = format!(
            "本报记者 王{i}\n\n{}\n{}\n\n{}",
            body[first],
            body[first + 1],
            body[first + 2]
        );
        let record = serde_json::json!({ "id": format!("r{i}"), "text": text });
        lines.push_str(&format!("{record}\n"));
    }
    std::fs::write(dir.path().join("news.jsonl"), lines).unwrap();
    dir
}

#[test]
fn record_paragraphs_are_located_by_number_and_file_paragraphs_by_line() {
    let dir = records_corpus();
    let path = dir.path().join("news.jsonl");
    let path = path.to_str().unwrap();

    // JSON: every unit and representative carries its paragraph number; the byline is ¶1,
    // the three paragraphs after it are ¶2–¶4 (blank lines do not count), all on line i + 1.
    let json: serde_json::Value =
        serde_json::from_str(&report(&[path, "--k", "2", "--format", "json"])).unwrap();
    let units = json["units"].as_array().unwrap();
    assert_eq!(units.len(), 12, "{json}");
    for unit in units {
        let i: usize = unit["doc"].as_str().unwrap()[1..].parse().unwrap();
        assert_eq!(unit["line"], i + 1, "{unit}");
        let p = unit["paragraph"].as_u64().unwrap() as usize;
        assert!((2..=4).contains(&p), "{unit}");
        let records = std::fs::read_to_string(path).unwrap();
        let record: serde_json::Value =
            serde_json::from_str(records.lines().nth(i).unwrap()).unwrap();
        let paragraphs: Vec<&str> = record["text"]
            .as_str()
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert_eq!(unit["text"].as_str().unwrap(), paragraphs[p - 1], "{unit}");
    }
    let dropped = json["dropped"].as_array().unwrap();
    assert!(
        dropped.iter().all(|d| d["paragraph"] == 1),
        "the bylines are each record's first paragraph: {json}"
    );

    // The text report names a record's paragraph as `id ¶N`, never the shared line.
    let text = report(&[path, "--k", "2", "--width", "100"]);
    let tags: Vec<&str> = text
        .lines()
        .filter_map(|l| l.rsplit_once('[').map(|(_, tag)| tag))
        .filter(|tag| tag.starts_with('r'))
        .collect();
    assert!(!tags.is_empty(), "{text}");
    for tag in &tags {
        let (id, rest) = tag
            .split_once(" ¶")
            .unwrap_or_else(|| panic!("{tag}\n{text}"));
        assert!(id.len() == 2 && rest.starts_with(['2', '3', '4']), "{tag}");
    }

    // So does the HTML report, in its representatives' citations.
    let html = report(&[path, "--k", "2", "--format", "html"]);
    assert!(html.contains("<cite>r0 ¶3 · similarity"), "{html}");
    assert!(!html.contains("<cite>r0:1"), "{html}");

    // A text file's paragraphs keep `file:line`.
    let seeds = wide(seeds());
    assert!(seeds.contains(".txt:"), "{seeds}");
    assert!(!seeds.contains(" ¶"), "{seeds}");
}

/// Progress as the CLI's bar sees it: each stage's total and how far it got, and the steps
/// it named (with the count when each was named).
#[derive(Default)]
#[allow(clippy::type_complexity)]
struct Recorded(
    std::sync::Mutex<Vec<(zhuti::Stage, Option<u64>, u64)>>,
    std::sync::Mutex<Vec<(zhuti::Stage, u64, &'static str)>>,
);

impl zhuti::Progress for Recorded {
    fn start(&self, stage: zhuti::Stage, total: Option<u64>) {
        self.0.lock().unwrap().push((stage, total, 0));
    }
    fn advance(&self, n: u64) {
        if let Some(last) = self.0.lock().unwrap().last_mut() {
            last.2 += n;
        }
    }
    fn step(&self, what: &'static str) {
        if let Some(&(stage, _, done)) = self.0.lock().unwrap().last() {
            self.1.lock().unwrap().push((stage, done, what));
        }
    }
}

#[test]
fn k_means_counts_the_candidate_ks_it_has_scored() {
    let corpus = load_with(&zhuti::seeds::bundled(), &ReadOptions::default()).unwrap();
    let progress = Recorded::default();
    let a = zhuti::analyze(&corpus, &Settings::default(), &progress).unwrap();
    let candidates = a.params.k_selection.as_ref().unwrap().candidates.len() as u64;
    assert!(candidates > 2, "{candidates}");
    let stages = progress.0.into_inner().unwrap();
    let cluster: Vec<_> = stages
        .iter()
        .filter(|(stage, _, _)| *stage == zhuti::Stage::Cluster)
        .collect();
    // One bar, as long as the candidates, filled to its end: not a spinner.
    assert_eq!(cluster.len(), 1, "{stages:?}");
    assert_eq!(cluster[0].1, Some(candidates), "{stages:?}");
    assert_eq!(cluster[0].2, candidates, "{stages:?}");
}

#[test]
fn every_long_stage_counts_to_its_end() {
    let corpus = load_with(&zhuti::seeds::bundled(), &ReadOptions::default()).unwrap();
    let progress = Recorded::default();
    zhuti::analyze(&corpus, &Settings::default(), &progress).unwrap();
    let stages = progress.0.into_inner().unwrap();
    let names: Vec<zhuti::Stage> = stages.iter().map(|s| s.0).collect();
    use zhuti::Stage::*;
    assert_eq!(
        names,
        [Clean, Vectorize, Reduce, Cluster, Label],
        "{stages:?}"
    );
    for (stage, total, done) in &stages {
        // A bar with a count, not a spinner, and full when the stage ends.
        assert_eq!(*total, Some(*done), "{stage:?}: {stages:?}");
        assert!(*done > 0, "{stage:?}");
        assert!(!stage.counts().is_empty());
    }
    // LSA counts its passes over the matrix; labelling its four steps.
    assert_eq!(
        stages[2].1,
        Some(zhuti::internals::lsa::PASSES),
        "{stages:?}"
    );
    assert_eq!(stages[4].1, Some(4), "{stages:?}");
    // Where a stage works on after its count is full, it names that work: cleaning's
    // corpus-wide passes, the vocabulary after segmenting, the fit at the chosen k and the
    // refinement after the candidates.
    let steps = progress.1.into_inner().unwrap();
    let full_steps = |stage: zhuti::Stage| -> Vec<&str> {
        let total = stages.iter().find(|s| s.0 == stage).and_then(|s| s.1);
        steps
            .iter()
            .filter(|(st, done, _)| *st == stage && Some(*done) == total)
            .map(|s| s.2)
            .collect()
    };
    assert_eq!(full_steps(Clean), ["repeats, near-duplicates"]);
    assert_eq!(full_steps(Vectorize), ["vocabulary, TF-IDF"]);
    assert_eq!(
        full_steps(Cluster),
        ["the chosen k on every unit", "refining on TF-IDF"]
    );
}

/// An article as one unit joins its paragraphs with line breaks: the one-line preview reads them
/// as spaces and `--full` as line breaks, never as an escaped `\x0a` (they were escaped before
/// the line was laid out).
#[test]
fn a_document_units_paragraph_breaks_are_spaces_or_breaks_never_escapes() {
    let corpus = load_with(&zhuti::seeds::bundled(), &ReadOptions::default()).unwrap();
    let settings = Settings {
        unit: zhuti::settings::UnitKind::Document,
        k: zhuti::settings::KChoice::Fixed(2),
        ..Settings::default()
    };
    let a = zhuti::analyze(&corpus, &settings, &NoProgress).unwrap();
    let joined = a.themes[0].representatives[0].text.clone();
    assert!(
        joined.contains('\n'),
        "a document unit keeps its breaks: {joined:?}"
    );
    for full in [false, true] {
        let text = render_with(
            &a,
            &TextOptions {
                width: 80,
                full,
                ..TextOptions::default()
            },
        );
        assert!(!text.contains("\\x0a"), "full {full}:\n{text}");
    }
    let preview = wide(&a);
    let first_two: Vec<&str> = joined.lines().take(2).map(str::trim).collect();
    let both = format!("{} {}", first_two[0], first_two[1]);
    let shown = preview
        .lines()
        .find(|l| l.starts_with("   ▸ "))
        .expect("a representative");
    let shown = shown.trim_start_matches("   ▸ ");
    let n = shown.chars().count().min(both.chars().count()).min(30);
    assert_eq!(
        shown.chars().take(n).collect::<String>(),
        both.chars().take(n).collect::<String>(),
        "the preview reads the break as a space"
    );
}
