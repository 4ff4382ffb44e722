//! Cleaning seen from the command line: the exact list of dropped seed lines, duplicate
//! pointers, headings, the switches that turn parts off, and encodings/line ends.

use serde_json::Value;

mod common;
use common::{fixture, run, run_json};

/// Every seed line `zhuti --format json` leaves out: (file prefix, line, reason).
const DROPPED: &[(&str, usize, &str)] = &[
    ("000", 1, "short"),
    ("000", 12, "boilerplate"),
    ("000", 13, "boilerplate"),
    ("000", 14, "boilerplate"),
    ("000", 15, "boilerplate"),
    ("000", 16, "boilerplate"),
    ("000", 17, "boilerplate"),
    ("000", 18, "boilerplate"),
    ("000", 19, "boilerplate"),
    ("000", 20, "boilerplate"),
    ("000", 21, "boilerplate"),
    ("000", 22, "boilerplate"),
    ("000", 23, "boilerplate"),
    ("000", 24, "boilerplate"),
    ("000", 25, "boilerplate"),
    ("000", 26, "boilerplate"),
    ("000", 27, "boilerplate"),
    ("000", 28, "boilerplate"),
    ("000", 29, "boilerplate"),
    ("000", 30, "boilerplate"),
    ("000", 31, "boilerplate"),
    ("000", 32, "boilerplate"),
    ("001", 1, "short"),
    ("001", 3, "short"),
    ("001", 4, "boilerplate"),
    ("001", 6, "duplicate"),
    ("001", 8, "boilerplate"),
    ("001", 64, "boilerplate"),
    ("001", 66, "boilerplate"),
    ("001", 68, "boilerplate"),
    ("001", 70, "boilerplate"),
    ("001", 72, "boilerplate"),
    ("001", 74, "boilerplate"),
    ("001", 75, "boilerplate"),
    ("001", 76, "boilerplate"),
    ("001", 77, "boilerplate"),
    ("001", 79, "boilerplate"),
    ("001", 81, "boilerplate"),
    ("002", 1, "boilerplate"),
    ("002", 2, "duplicate"),
    ("002", 3, "boilerplate"),
    ("002", 4, "boilerplate"),
    ("002", 24, "boilerplate"),
    ("002", 25, "boilerplate"),
    ("002", 26, "boilerplate"),
    ("002", 27, "boilerplate"),
    ("002", 28, "boilerplate"),
    ("003", 2, "boilerplate"),
    ("003", 60, "boilerplate"),
    ("003", 62, "boilerplate"),
    ("003", 63, "boilerplate"),
    ("003", 64, "boilerplate"),
    ("003", 65, "boilerplate"),
    ("003", 66, "boilerplate"),
    ("003", 67, "boilerplate"),
    ("003", 68, "boilerplate"),
    ("003", 69, "boilerplate"),
    ("003", 70, "boilerplate"),
    ("003", 71, "boilerplate"),
    ("003", 72, "boilerplate"),
    ("003", 73, "boilerplate"),
    ("003", 74, "boilerplate"),
    ("003", 75, "boilerplate"),
    ("003", 76, "boilerplate"),
    ("003", 77, "boilerplate"),
    ("003", 78, "boilerplate"),
    ("003", 79, "boilerplate"),
    ("004", 4, "boilerplate"),
    ("004", 60, "boilerplate"),
];

fn dropped(json: &Value) -> Vec<(String, usize, String)> {
    json["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let doc = d["doc"].as_str().unwrap();
            let file = doc.trim_start_matches("seeds/")[..3].to_string();
            (
                file,
                d["line"].as_u64().unwrap() as usize,
                d["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn seed_dropped_lines_are_pinned() {
    let json = run_json(&["--format", "json", "-q"]);
    let want: Vec<(String, usize, String)> = DROPPED
        .iter()
        .map(|(f, l, r)| (f.to_string(), *l, r.to_string()))
        .collect();
    assert_eq!(dropped(&json), want);
}

#[test]
fn seed_duplicates_point_at_the_kept_paragraph() {
    let json = run_json(&["--format", "json", "-q"]);
    let dups: Vec<(String, u64, String, u64)> = json["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["reason"] == "duplicate")
        .map(|d| {
            (
                d["doc"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["duplicate_of"]["doc"].as_str().unwrap().to_string(),
                d["duplicate_of"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let s1 = "seeds/001_d45ed1e361b71519.txt".to_string();
    let s2 = "seeds/002_068839af4a80f47b.txt".to_string();
    // The 导读 summary goes for the full first paragraph; the pull-quote for the body.
    assert_eq!(dups, vec![(s1.clone(), 6, s1, 10), (s2.clone(), 2, s2, 7)]);
    let units = json["units"].as_array().unwrap();
    for (doc, line) in [
        ("seeds/001_d45ed1e361b71519.txt", 10),
        ("seeds/002_068839af4a80f47b.txt", 7),
    ] {
        assert!(units.iter().any(|u| u["doc"] == doc && u["line"] == line));
    }
}

#[test]
fn seed_headings_sit_on_the_following_paragraph() {
    let json = run_json(&["--format", "json", "-q"]);
    let headings: Vec<(String, u64, String)> = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| {
            let h = u.get("heading")?.as_str()?;
            Some((
                u["doc"].as_str().unwrap()[6..9].to_string(),
                u["line"].as_u64().unwrap(),
                h.to_string(),
            ))
        })
        .collect();
    // A title followed by furniture (003:1, then a dateline) heads the first paragraph; 001:3
    // is followed by the duplicate 导读 summary, so it is reported as `short` (pinned above).
    let want = [
        ("001", 18, "通用还是垂直?“百模大战”正在出现分化"),
        ("001", 40, "不聊天不写诗去做事,离产业近就是离钱近?"),
        (
            "003",
            4,
            "AI“百模大战”现状:向垂直、B端谋场景 算力仍是主要制约因素",
        ),
        ("003", 14, "向垂直、B端谋场景"),
        ("003", 30, "算力仍是主要制约因素"),
        ("003", 46, "构建“数据-模型-应用”飞轮"),
        ("004", 12, "“诸神之战”"),
        ("004", 30, "通用还是垂直"),
        ("004", 50, "AIGC该降温了?"),
    ];
    let want: Vec<(String, u64, String)> = want
        .iter()
        .map(|(d, l, h)| (d.to_string(), *l, h.to_string()))
        .collect();
    assert_eq!(headings, want);
}

#[test]
fn seed_report_has_no_furniture_theme() {
    let json = run_json(&["--format", "json", "-q"]);
    let furniture = [
        "北京青年报",
        "客户端",
        "版权",
        "转载",
        "许可证",
        "电话",
        "推荐",
        "热线",
    ];
    for theme in json["themes"].as_array().unwrap() {
        let label = theme["label"].as_str().unwrap();
        assert!(
            !furniture.iter().any(|w| label.contains(w)),
            "furniture theme: {label}"
        );
    }
    for unit in json["units"].as_array().unwrap() {
        let text = unit["text"].as_str().unwrap();
        assert!(
            !text.contains('|') && !text.contains("版权"),
            "furniture unit: {text}"
        );
    }
}

#[test]
fn switches_turn_cleaning_parts_off() {
    let json = run_json(&[
        "--format",
        "json",
        "-q",
        "--keep-boilerplate",
        "--no-dedupe",
    ]);
    let reasons: Vec<String> = dropped(&json).into_iter().map(|(_, _, r)| r).collect();
    assert!(
        !reasons
            .iter()
            .any(|r| r == "boilerplate" || r == "duplicate"),
        "{reasons:?}"
    );
    assert_eq!(json["params"]["boilerplate"], false);
    assert_eq!(json["params"]["dedupe"], false);
    assert_eq!(json["params"]["headings"], true);
    let json = run_json(&["--format", "json", "-q", "--no-headings"]);
    assert!(json["units"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u.get("heading").is_none()));
    let help = String::from_utf8(run(&["--help"]).stdout).unwrap();
    for flag in [
        "--keep-boilerplate",
        "--no-dedupe",
        "--no-headings",
        "--no-t2s",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

/// Units and dropped lines of one file, without the file name.
fn cleaned(path: &std::path::Path) -> (Vec<Value>, Vec<Value>) {
    let json = run_json(&["--format", "json", "-q", "--k", "1", path.to_str().unwrap()]);
    let strip = |list: &Value| -> Vec<Value> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|u| {
                let mut u = u.clone();
                let o = u.as_object_mut().unwrap();
                o.remove("doc");
                if let Some(d) = o.get_mut("duplicate_of") {
                    d.as_object_mut().unwrap().remove("doc");
                }
                u
            })
            .collect()
    };
    (strip(&json["units"]), strip(&json["dropped"]))
}

#[test]
fn gbk_and_crlf_twins_give_the_same_units_as_utf8() {
    let utf8 = cleaned(&fixture("clean/twin_utf8.txt"));
    assert_eq!(cleaned(&fixture("clean/twin_gbk.txt")), utf8);
    assert_eq!(cleaned(&fixture("clean/twin_crlf.txt")), utf8);
    // And what they give: simplified, glosses gone, heading attached, furniture dropped.
    let (units, dropped) = utf8;
    assert_eq!(units.len(), 3);
    assert_eq!(units[0]["heading"], "通用还是垂直");
    let first = units[0]["text"].as_str().unwrap();
    assert!(
        first.contains("进行优化") && first.contains("服务企业"),
        "{first}"
    );
    let reasons: Vec<(u64, &str)> = dropped
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (1, "short"),
            (2, "boilerplate"),
            (3, "boilerplate"),
            (7, "duplicate"),
            (9, "boilerplate"),
            (10, "boilerplate"),
            (11, "boilerplate"),
            (12, "boilerplate"),
        ]
    );
}
