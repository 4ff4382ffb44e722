//! Step 1 (part of normalising), markup: HTML entities and stray tags in text that is not an
//! HTML page — a JSON Lines `text` scraped with its `<p>`/`<br/>` and `&nbsp;`/`&ldquo;`, a
//! `.txt` saved from a page's source. Entities are decoded (html-escape, every named and
//! numeric entity of HTML5); tags of HTML elements are removed, and block tags (`<p>`,
//! `<br>`, `<div>`, `<li>`, …) become a paragraph separator (U+2029) at which the line is
//! split into paragraphs that share its line number.
//!
//! Written by hand because no crate strips *stray* tags from plain text: an HTML parser
//! (dom_query, used for real pages in `read::html`) would treat every `<` and `&` of ordinary
//! text as markup and rewrite the line. Here only well-formed tags of known element names
//! count (`<中国>`, `a<b`, `x < y > z` are text), so text without markup is never changed.
// Input handling: no indexing that could panic on what users feed in.
#![deny(clippy::indexing_slicing)]

use std::borrow::Cow;

/// What block tags become: the line is cut into paragraphs there.
pub const PARAGRAPH_BREAK: char = '\u{2029}';

/// Longest tag (name and attributes) recognised; a `<` with no `>` within this many bytes is
/// text. Bounds the work on a line full of `<`.
const MAX_TAG_BYTES: usize = 1024;

/// Elements whose tags start or end a paragraph.
const BLOCK: [&str; 31] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
    "center",
];

/// Elements whose tags are removed without a break.
const INLINE: [&str; 33] = [
    "a", "abbr", "b", "big", "cite", "code", "del", "em", "font", "i", "img", "ins", "kbd", "mark",
    "q", "s", "small", "span", "strike", "strong", "sub", "sup", "td", "th", "tbody", "thead",
    "tfoot", "time", "tt", "u", "var", "wbr", "label",
];

/// Might `text` hold an entity or a tag? (A cheap test before [`strip_markup`].)
pub fn may_have_markup(text: &str) -> bool {
    text.bytes().any(|b| b == b'<' || b == b'&')
}

/// `text` with entities decoded and tags removed (block tags as [`PARAGRAPH_BREAK`]),
/// repeated while it changes (`&amp;lt;p&amp;gt;` is a tag written twice over). Borrowed when
/// nothing changed.
pub fn strip_markup(text: &str) -> Cow<'_, str> {
    /// Enough for any real text; bounds the work on adversarial nesting.
    const MAX_ROUNDS: usize = 8;
    let mut current = Cow::Borrowed(text);
    for _ in 0..MAX_ROUNDS {
        if !may_have_markup(&current) {
            break;
        }
        let untagged = strip_tags(&current);
        let decoded = match html_escape::decode_html_entities(&untagged) {
            Cow::Borrowed(_) => untagged,
            Cow::Owned(s) => Cow::Owned(s),
        };
        if decoded == current {
            break;
        }
        current = Cow::Owned(decoded.into_owned());
    }
    current
}

/// `text` without tags of known elements (and without `<!-- comments -->`).
fn strip_tags(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0; // bytes of `text` already in `out` (or skipped)
    let mut search = 0;
    while let Some(found) = text.get(search..).and_then(|rest| rest.find('<')) {
        let start = search + found;
        let rest = text.get(start..).unwrap_or_default();
        match tag_at(rest) {
            Some((len, block)) => {
                out.push_str(text.get(copied..start).unwrap_or_default());
                if block {
                    out.push(PARAGRAPH_BREAK);
                }
                copied = start + len;
                search = copied;
            }
            None => search = start + 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// If `rest` (starting with `<`) opens with a tag of a known element or a comment: its length
/// in bytes and whether it breaks the paragraph.
fn tag_at(rest: &str) -> Option<(usize, bool)> {
    let window = rest.get(..rest.len().min(MAX_TAG_BYTES)).unwrap_or(rest);
    if let Some(comment) = window.strip_prefix("<!--") {
        let end = comment.find("-->")?;
        return Some((4 + end + 3, false));
    }
    let inner = window.strip_prefix('<')?;
    let inner = inner.strip_prefix('/').unwrap_or(inner);
    let name_len = inner
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let name = inner.get(..name_len)?.to_ascii_lowercase();
    if name.is_empty() || !name.as_bytes().first()?.is_ascii_alphabetic() {
        return None;
    }
    let block = BLOCK.contains(&name.as_str());
    if !block && !INLINE.contains(&name.as_str()) {
        return None;
    }
    let after = inner.get(name_len..)?;
    // Right after the name: `>`, `/>` or whitespace and attributes up to `>` (no `<`).
    let close = after.find('>')?;
    let attrs = after.get(..close)?;
    let well_formed = attrs.is_empty()
        || attrs.trim_end() == "/"
        || (attrs.starts_with(|c: char| c.is_ascii_whitespace()) && looks_like_attributes(attrs));
    if !well_formed {
        return None;
    }
    let total = window.len() - after.len() + close + 1;
    Some((total, block))
}

/// Is `attrs` (what follows a tag name) a list of HTML attributes: `name="value"` pairs,
/// with only ASCII outside quotes and no `<`? (`<b 且 c>` is text.)
fn looks_like_attributes(attrs: &str) -> bool {
    let mut quote = None;
    let mut has_value = false;
    for c in attrs.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '<' || !c.is_ascii() => return false,
            None => has_value |= c == '=',
        }
    }
    quote.is_none() && has_value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_and_tags_go_block_tags_break() {
        let p = PARAGRAPH_BREAK;
        assert_eq!(
            strip_markup("<p>大模型&nbsp;落地</p><p>&ldquo;卡脖子&rdquo;<br/>算力</p>"),
            format!("{p}大模型\u{a0}落地{p}{p}“卡脖子”{p}算力{p}")
        );
        assert_eq!(
            strip_markup("<strong>央视网消息</strong>:<span class=\"x\">新闻</span>"),
            "央视网消息:新闻"
        );
        assert_eq!(
            strip_markup("前<!-- 广告 -->后&#x4E2D;&#22269;"),
            "前后中国"
        );
        // Written twice over: still decoded and stripped.
        assert_eq!(strip_markup("&amp;lt;p&amp;gt;正文"), format!("{p}正文"));
    }

    #[test]
    fn text_that_only_looks_like_markup_is_left_alone() {
        for text in [
            "a<b 且 c>d",
            "<中国>",
            "x < y > z",
            "AT&T 与 R&D",
            "<<>>",
            "3<5",
            "<p",
            "未闭合 <div class=\"a\"",
        ] {
            assert!(matches!(strip_markup(text), Cow::Borrowed(_)), "{text}");
        }
        assert_eq!(strip_markup("AT&amp;T"), "AT&T");
    }

    #[test]
    fn stripping_is_idempotent() {
        for text in [
            "&amp;amp;amp;",
            "<b>&lt;b&gt;x&lt;/b&gt;</b>",
            "&lt;<p>p&gt;",
            "<p>a</p>&nbsp;",
        ] {
            let once = strip_markup(text).into_owned();
            assert_eq!(strip_markup(&once), once, "{text}");
        }
    }
}
