//! Saved web pages (`.html`, `.htm`, JSONL records with `"html"`) to plain text, one
//! paragraph a line, with the title, date and source the page declares.
//!
//! - **Charset**: a byte-order mark, else the page's `<meta charset>` / `http-equiv` /
//!   `<?xml encoding?>`, checked against the bytes; a page whose declaration lies (or that
//!   has none and is not UTF-8) is decoded as `chardetng` detects, with a warning when it lied.
//! - **Main text**: dom_smoothie (a port of Mozilla's readability.js) finds the article body
//!   and drops navigation, ads, comments, scripts and styles; its block-aware text gives the
//!   paragraphs.
//! - **Title**: `og:title`, else the one `<h1>`, else `<title>` without its site suffix.
//! - **Date**: `article:published_time` and kin, JSON-LD `datePublished`, `<time datetime>`,
//!   else a visible 发布时间/日期 or dateline near the title.
//! - **Source**: `og:site_name`, else the title's site suffix, else a visible `来源：`, else
//!   the meta author.
#![deny(clippy::indexing_slicing)]

use std::path::Path;

use dom_query::{Document, NodeRef};
use encoding_rs::Encoding;

use super::{dates, source, Page};
use crate::error::{Error, Result};

/// The largest page read, in bytes. Saved news pages are well under 5 MB; a bigger "page" is
/// a dump or a mistake, and parsing it into a tree would take memory many times its size.
pub const MAX_HTML_BYTES: usize = 16 << 20;

/// Fewer letters than this in the main text is no article (a menu, a login wall).
const MIN_BODY_LETTERS: usize = 20;

/// How far into the page a charset declaration is looked for (the HTML standard says 1024).
const CHARSET_SCAN_BYTES: usize = 4096;

/// `<meta>` names and properties that hold the publication time, most trusted first.
const DATE_META: [&str; 16] = [
    "article:published_time",
    "og:article:published_time",
    "og:release_date",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish_date",
    "publishtime",
    "ptime",
    "dc.date",
    "dc.date.issued",
    "weibo:article:create_at",
    "firstpublishedtime",
    "publishedtime",
    // Update times last: better than no date, as a page is mostly updated the day it is out.
    "dateupdate",
    "lastmodifiedtime",
];

/// Reads one saved page: charset, main text, title, date, source.
pub fn read(bytes: &[u8], path: &Path) -> Result<Page> {
    if bytes.len() > MAX_HTML_BYTES {
        return Err(Error::Html {
            path: path.to_path_buf(),
            reason: format!(
                "the page is {:.1} MB, more than the {} MB zhuti reads as one web page; \
                 is it really one page? Extract its text to a .txt file first",
                bytes.len() as f64 / (1 << 20) as f64,
                MAX_HTML_BYTES >> 20
            ),
        });
    }
    let (html, warning) = decode(bytes);
    let mut page = read_str(&html, path)?;
    if let Some(warning) = warning {
        page.warnings
            .insert(0, format!("{}: {warning}", path.display()));
    }
    Ok(page)
}

/// Reads one page already decoded (a JSONL `"html"` field). `path` names it in errors.
pub fn read_str(html: &str, path: &Path) -> Result<Page> {
    let no_body = |why: &str| Error::Html {
        path: path.to_path_buf(),
        reason: format!(
            "no readable article body ({why}); if the page is a list or a login wall, \
             save the article page itself"
        ),
    };
    let doc = Document::from(html);
    let declared = declared_meta(&doc);
    let visible = visible_lines(&doc);
    let config = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..dom_smoothie::Config::default()
    };
    let mut readability = dom_smoothie::Readability::with_document(doc, None, Some(config))
        .map_err(|e| no_body(&e.to_string()))?;
    let json_ld = readability.parse_json_ld();
    let article = readability
        .parse()
        .map_err(|_| no_body("readability found no article in it"))?;
    let text = paragraphs(&article.text_content);
    let letters = crate::stages::clean::letter_count(&text);
    if letters < MIN_BODY_LETTERS {
        return Err(no_body(&format!(
            "the text it found has {letters} letter(s), fewer than {MIN_BODY_LETTERS}"
        )));
    }

    let title = declared
        .og_title
        .as_deref()
        .map(|t| source::split_title(t).0)
        .or_else(|| declared.h1.clone())
        .or_else(|| declared.title.as_deref().map(|t| source::split_title(t).0))
        .filter(|t| !t.trim().is_empty());
    let near = title.as_deref().unwrap_or_default();
    let mut impossible = None;
    let mut first_day = |stated: Option<std::result::Result<_, dates::Impossible>>| match stated {
        Some(Ok(day)) => Some(day),
        Some(Err(no_day)) => {
            impossible.get_or_insert(no_day);
            None
        }
        None => None,
    };
    let date = declared
        .dates
        .iter()
        .map(String::as_str)
        .chain(json_ld.as_ref().and_then(|m| m.published_time.as_deref()))
        .chain(declared.time.iter().map(String::as_str))
        .chain(declared.dated_elements.iter().map(String::as_str))
        .find_map(|raw| first_day(dates::stated(raw)))
        .or_else(|| {
            near_title(&visible, near)
                .iter()
                .chain(&visible)
                .find_map(|l| first_day(dateline_of(l)))
        });
    // A date the page states before the one used (or instead of any) that is no day.
    let warnings = impossible
        .map(|no_day| {
            format!(
                "{}: the page's date {:?} {}; not used",
                path.display(),
                no_day.written,
                no_day.why
            )
        })
        .into_iter()
        .collect();
    let suffix = declared
        .title
        .as_deref()
        .and_then(|t| source::split_title(t).1);
    let source = declared
        .site_name
        .as_deref()
        .and_then(source::source_name)
        .or(suffix)
        .or_else(|| visible_source(&visible, near))
        .or_else(|| declared.author.as_deref().and_then(source::source_name));
    Ok(Page {
        text,
        title,
        date: date.map(|d| d.to_string()),
        source,
        warnings,
    })
}

/// The page's text lines, trimmed, blank ones and URLs written out in the text gone.
fn paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = without_urls(line);
        let line = without_link_tail(line.trim_matches(|c: char| c.is_whitespace()));
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// `line` without a link label run on after its last sentence (`…将持续。返回腾讯网首页>>`).
fn without_link_tail(line: &str) -> &str {
    let Some(head) = [">>", "»", "＞＞", "》》"]
        .iter()
        .find_map(|arrow| line.strip_suffix(arrow))
    else {
        return line;
    };
    match head.rfind(['。', '！', '？', '!', '?', '…']) {
        Some(end) => {
            let cut = end + head[end..].chars().next().map_or(0, char::len_utf8);
            if head[cut..].chars().count() <= 12 {
                &line[..cut]
            } else {
                line
            }
        }
        None => line,
    }
}

/// `line` without the URLs written in it (`http://…`, `https://…`, `www.…`): an address is no
/// part of what the article says, nor are the brackets it leaves empty (`官方网站（）`).
fn without_urls(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains("http") && !line.contains("www.") {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    loop {
        let next = ["https://", "http://", "www."]
            .iter()
            .filter_map(|p| rest.find(p))
            .min();
        let Some(at) = next else {
            out.push_str(rest);
            break;
        };
        out.push_str(rest.get(..at).unwrap_or_default());
        let tail = rest.get(at..).unwrap_or_default();
        let mut end = tail
            .find(|c: char| !(c.is_ascii_graphic()) || matches!(c, '"' | '\'' | '<' | '>'))
            .unwrap_or(tail.len());
        if out.ends_with('(') && tail[..end].ends_with(')') {
            end -= 1;
        }
        rest = tail.get(end..).unwrap_or_default();
        // `（www.12306.cn）` leaves `（）`: drop the pair too.
        for (open, close) in [('（', '）'), ('(', ')'), ('【', '】'), ('[', ']')] {
            if out.ends_with(open) && rest.starts_with(close) {
                out.pop();
                rest = &rest[close.len_utf8()..];
                break;
            }
        }
    }
    out.into()
}

/// What the page's `<head>` (and its one `<h1>`, its `<time>`) declare.
#[derive(Debug, Default)]
struct Declared {
    og_title: Option<String>,
    h1: Option<String>,
    title: Option<String>,
    site_name: Option<String>,
    author: Option<String>,
    /// Publication times from `<meta>`, most trusted name first.
    dates: Vec<String>,
    /// `<time datetime>` values.
    time: Vec<String>,
    /// Short texts of elements whose class or id names a date or time (`post-date`).
    dated_elements: Vec<String>,
}

fn declared_meta(doc: &Document) -> Declared {
    let mut found = Declared::default();
    let mut dated: Vec<(usize, String)> = Vec::new();
    for node in doc.select("meta").nodes() {
        let Some(content) = node.attr("content") else {
            continue;
        };
        let content = content.trim().to_string();
        if content.is_empty() {
            continue;
        }
        let key = node
            .attr("property")
            .or_else(|| node.attr("name"))
            .or_else(|| node.attr("itemprop"))
            .map(|k| k.trim().to_ascii_lowercase())
            .unwrap_or_default();
        match key.as_str() {
            "og:title" => found.og_title.get_or_insert(content),
            "og:site_name" => found.site_name.get_or_insert(content),
            "author" | "article:author" => found.author.get_or_insert(content),
            _ => {
                if let Some(rank) = DATE_META.iter().position(|k| *k == key) {
                    dated.push((rank, content));
                }
                continue;
            }
        };
    }
    dated.sort_by_key(|(rank, _)| *rank);
    found.dates = dated.into_iter().map(|(_, c)| c).collect();
    let h1s = doc.select("h1");
    if h1s.length() == 1 {
        let h1 = h1s.text().split_whitespace().collect::<Vec<_>>().join(" ");
        if (4..=80).contains(&h1.chars().count()) {
            found.h1 = Some(h1);
        }
    }
    let title = doc.select("title");
    if let Some(node) = title.nodes().first() {
        let t = node.text().trim().to_string();
        if !t.is_empty() {
            found.title = Some(t);
        }
    }
    for node in doc
        .select(r#"[class*="date"], [class*="time"], [id*="date"], [id*="time"]"#)
        .nodes()
    {
        let text = node.text();
        let text = text.trim();
        if text.chars().count() <= 40 && dates::find_in_line(text).is_some() {
            found.dated_elements.push(text.to_string());
        }
    }
    for node in doc.select("time").nodes() {
        if let Some(dt) = node.attr("datetime").or_else(|| node.attr("pubdate")) {
            found.time.push(dt.to_string());
        }
    }
    found
}

/// Elements whose text the reader never sees.
const HIDDEN: [&str; 6] = ["script", "style", "noscript", "template", "head", "iframe"];
/// Elements that start a new line of visible text.
const BLOCKS: [&str; 22] = [
    "p", "div", "br", "li", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
    "header", "footer", "ul", "ol", "table", "span", "time", "em",
];

/// The page's visible text, one element's run of text a line (spans and `<time>` count as
/// lines too: datelines are usually their own span).
fn visible_lines(doc: &Document) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let root = doc.select("body");
    let Some(body) = root.nodes().first() else {
        return lines;
    };
    let mut stack: Vec<(NodeRef, bool)> = vec![(*body, false)];
    let flush = |line: &mut String, lines: &mut Vec<String>| {
        let t = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !t.is_empty() {
            lines.push(t);
        }
        line.clear();
    };
    while let Some((node, closing)) = stack.pop() {
        if closing {
            flush(&mut line, &mut lines);
            continue;
        }
        if node.is_text() {
            line.push_str(&node.text());
            continue;
        }
        if !node.is_element() {
            continue;
        }
        let name = node
            .node_name()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        if HIDDEN.contains(&name.as_str()) {
            continue;
        }
        let block = BLOCKS.contains(&name.as_str());
        if block {
            flush(&mut line, &mut lines);
            stack.push((node, true));
        }
        for child in node.children().into_iter().rev() {
            stack.push((child, false));
        }
    }
    flush(&mut line, &mut lines);
    lines
}

/// Lines searched after the title for its dateline and source.
const NEAR_TITLE_LINES: usize = 40;

/// The lines to search for metadata: the ones after the title's line, else the whole page.
fn near_title<'a>(visible: &'a [String], title: &str) -> &'a [String] {
    let start = (!title.is_empty())
        .then(|| visible.iter().position(|l| l.contains(title)))
        .flatten()
        .unwrap_or(0);
    let end = (start + NEAR_TITLE_LINES).min(visible.len());
    visible.get(start..end).unwrap_or_default()
}

/// A visible dateline: near the title first, then anywhere; labelled (`发布时间：`) or a short
/// line holding a date and a time of day.
/// The day on a visible dateline (`发布时间：2019-09-06`, `2019-09-06 17:05 新京报`), `Err`
/// when it is no day of the calendar.
fn dateline_of(line: &str) -> Option<std::result::Result<chrono::NaiveDate, dates::Impossible>> {
    if line.chars().count() > 80 {
        return None;
    }
    let (start, end, _) = dates::span_in_line(line)?;
    let labelled = ["发布", "發布", "时间", "時間", "日期", "来源"]
        .iter()
        .any(|l| line.contains(l));
    let after = line.get(end..).unwrap_or_default().trim_start();
    let timed = after.len() >= 5
        && after.as_bytes().get(2) == Some(&b':')
        && after.as_bytes().iter().take(2).all(u8::is_ascii_digit);
    if labelled || timed {
        dates::stated(line.get(start..end).unwrap_or_default())
    } else {
        None
    }
}

/// A visible `来源：新京报` near the title.
fn visible_source(visible: &[String], title: &str) -> Option<String> {
    near_title(visible, title)
        .iter()
        .filter(|l| l.chars().count() <= 80)
        .find_map(|l| source::metadata_lines(l).source)
}

/// Does `bytes` (stdin, named nothing) look like a web page: `<!DOCTYPE html` or `<html`
/// in its first kilobyte, before any other text?
pub fn sniff(bytes: &[u8]) -> bool {
    let head = bytes.get(..1024).unwrap_or(bytes);
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let head = head.trim_start_matches(['\u{feff}', ' ', '\n', '\r', '\t']);
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// Decodes page bytes: BOM, else the declared charset if the bytes bear it out, else what
/// chardetng detects. The warning says when a declaration lied.
pub fn decode(bytes: &[u8]) -> (String, Option<String>) {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom..).unwrap_or_default();
        let (text, _) = encoding.decode_without_bom_handling(body);
        return (text.into_owned(), None);
    }
    let declared = declared_charset(bytes);
    if let Some(encoding) = declared {
        let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
        if !had_errors {
            return (text.into_owned(), None);
        }
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_string(), None);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let detected = detector.guess(None, chardetng::Utf8Detection::Allow);
    let (text, had_errors) = detected.decode_without_bom_handling(bytes);
    let warning = declared.map(|d| {
        format!(
            "the page declares charset {} but its bytes are not {}; read as {} (detected){}",
            d.name(),
            d.name(),
            detected.name(),
            if had_errors {
                ", with some characters still undecodable"
            } else {
                ""
            }
        )
    });
    (text.into_owned(), warning)
}

/// The charset named in the page's first bytes: `<meta charset=…>`, `http-equiv` content
/// `charset=…`, or `<?xml … encoding="…"?>`.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.get(..CHARSET_SCAN_BYTES).unwrap_or(bytes);
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    for key in ["charset", "encoding"] {
        let mut from = 0;
        while let Some(at) = head.get(from..).and_then(|h| h.find(key)) {
            let after = head.get(from + at + key.len()..).unwrap_or_default();
            from += at + key.len();
            let after = after.trim_start();
            let Some(value) = after.strip_prefix('=') else {
                continue;
            };
            let label: String = value
                .trim_start()
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
                .collect();
            if let Some(encoding) = Encoding::for_label(label.as_bytes()) {
                // A page cannot declare itself UTF-16 in ASCII; the HTML standard reads it as UTF-8.
                if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
                    return Some(encoding_rs::UTF_8);
                }
                return Some(encoding);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html><head><meta charset="gbk">
<title>央行宣布降准0.5个百分点_财经_新浪网</title>
<meta property="article:published_time" content="2019-09-06T17:05:00+08:00">
<script>var ad = "<p>广告</p>";</script><style>.x{color:red}</style></head>
<body><div class="nav"><a href="/">首页</a> <a href="/c">财经</a></div>
<div class="article"><h1>央行宣布降准0.5个百分点</h1>
<p>中国人民银行决定于2019年9月16日全面下调金融机构存款准备金率0.5个百分点，此次降准共释放长期资金约9000亿元。这是今年以来第二次全面降准，市场普遍认为此举有利于支持实体经济发展。</p>
<p>此外，为促进加大对小微、民营企业的支持力度，再额外对仅在省级行政区域内经营的城市商业银行定向下调存款准备金率1个百分点，于10月15日和11月15日分两次实施到位，每次下调0.5个百分点。</p>
<p>央行有关负责人表示，稳健的货币政策取向没有改变，&nbsp;此次降准不是“大水漫灌”，而是保持流动性合理充裕的正常操作，与经济增长和物价水平基本匹配。</p>
</div><div class="comments">网友评论：沙发！</div></body></html>"#;

    #[test]
    fn urls_leave_no_empty_brackets_and_link_tails_go() {
        assert_eq!(
            without_urls("请通过铁路12306官方网站（www.12306.cn）和客户端购票。"),
            "请通过铁路12306官方网站和客户端购票。"
        );
        assert_eq!(
            without_urls("详见官网(https://example.com/a)。"),
            "详见官网。"
        );
        assert_eq!(
            without_link_tail("整顿仍将持续。返回腾讯网首页>>"),
            "整顿仍将持续。"
        );
        // No sentence before the arrow (a link line: furniture's to judge), or a long tail.
        assert_eq!(
            without_link_tail("点击进入“文艺星青年”>>"),
            "点击进入“文艺星青年”>>"
        );
        let long = "整顿仍将持续。下一步监管部门还将进一步扩大清查范围并公布结果>>";
        assert_eq!(without_link_tail(long), long);
    }

    #[test]
    fn gbk_page_text_title_date_source() {
        let (bytes, _, _) = encoding_rs::GBK.encode(PAGE);
        let page = read(&bytes, Path::new("p.html")).unwrap();
        assert_eq!(page.title.as_deref(), Some("央行宣布降准0.5个百分点"));
        assert_eq!(page.date.as_deref(), Some("2019-09-06"));
        assert_eq!(page.source.as_deref(), Some("新浪网"));
        assert!(page.warnings.is_empty(), "{:?}", page.warnings);
        let lines: Vec<&str> = page.text.lines().collect();
        assert!(
            lines.iter().any(|l| l.starts_with("中国人民银行决定")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with("央行有关负责人表示")),
            "{lines:?}"
        );
        for bad in ["广告", "color", "首页", "沙发", "&nbsp;", "<"] {
            assert!(!page.text.contains(bad), "{bad} in {:?}", page.text);
        }
    }

    #[test]
    fn a_lying_charset_is_detected_and_reported() {
        let lying = PAGE.replace("charset=\"gbk\"", "charset=\"utf-8\"");
        let (bytes, _, _) = encoding_rs::GBK.encode(&lying);
        let page = read(&bytes, Path::new("lies.html")).unwrap();
        assert_eq!(page.title.as_deref(), Some("央行宣布降准0.5个百分点"));
        assert_eq!(
            page.warnings,
            ["lies.html: the page declares charset UTF-8 but its bytes are not UTF-8; read as GBK (detected)"]
        );
    }

    #[test]
    fn no_body_and_oversized_pages_are_errors_that_say_why() {
        let err = read(
            b"<html><body><nav><a href='/'>x</a></nav></body></html>",
            Path::new("e.html"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("e.html: no readable article body"), "{err}");
        let big = vec![b' '; MAX_HTML_BYTES + 1];
        let err = read(&big, Path::new("big.html")).unwrap_err().to_string();
        assert!(err.contains("more than the 16 MB"), "{err}");
    }

    #[test]
    fn visible_dateline_when_no_metadata() {
        let page = PAGE
            .replace("<meta property=\"article:published_time\" content=\"2019-09-06T17:05:00+08:00\">", "")
            .replace("<h1>央行宣布降准0.5个百分点</h1>", "<h1>央行宣布降准0.5个百分点</h1><div class=\"info\"><span>2019-09-06 17:05</span> <span>来源：新京报</span></div>");
        let page = read_str(&page, Path::new("p.html")).unwrap();
        assert_eq!(page.date.as_deref(), Some("2019-09-06"));
        assert_eq!(page.source.as_deref(), Some("新浪网"));
    }
}
