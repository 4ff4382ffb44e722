//! Markdown (`.md`) to plain text, one paragraph a line: headings stay lines of their own
//! (`#` marks dropped), link text is kept and URLs dropped, a paragraph made only of links
//! (`[查看原文](https://…)`) is furniture and goes, images go, inline HTML is stripped with
//! block tags (`<p>`, `<br>`, `<div>`, `<li>`) splitting paragraphs, entities are decoded.
//! Markdown is parsed by pulldown-cmark; the HTML inside it (CommonMark hands it over raw) by
//! [`strip_html`], a small tag stripper: a full HTML parser per fragment would cost more than
//! the rest of the reading, and fragments need no tree, only tags told from text.
#![deny(clippy::indexing_slicing)]

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Block-level tags: each one starts a new paragraph.
const BLOCK_TAGS: [&str; 28] = [
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "hr",
    "dd",
    "dt",
    "dl",
    "figure",
    "figcaption",
    "header",
    "footer",
];

/// Plain text of a Markdown document.
pub fn to_text(markdown: &str) -> String {
    let mut out = Lines::default();
    let mut html = HtmlState::default();
    let mut in_image = 0usize;
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            _ if in_image > 0 => {}
            Event::Start(Tag::Link { .. }) => out.link_depth += 1,
            Event::End(TagEnd::Link) => out.link_depth = out.link_depth.saturating_sub(1),
            Event::Text(text) | Event::Code(text) => out.push_text(&text),
            Event::Html(raw) | Event::InlineHtml(raw) => html.strip_into(&raw, &mut out),
            Event::SoftBreak | Event::HardBreak | Event::Rule => out.break_line(),
            Event::Start(
                Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::Item
                | Tag::BlockQuote(_)
                | Tag::CodeBlock(_)
                | Tag::TableRow
                | Tag::TableHead,
            )
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::HtmlBlock,
            ) => out.break_line(),
            Event::End(TagEnd::TableCell) => out.push_text(" "),
            _ => {}
        }
    }
    out.finish()
}

/// Text of an HTML fragment: tags dropped, block tags splitting lines, entities decoded,
/// scripts, styles and comments gone.
pub fn strip_html(fragment: &str) -> String {
    let mut out = Lines::default();
    HtmlState::default().strip_into(fragment, &mut out);
    out.finish()
}

/// The text being built, line by line. A line whose only text sat inside links is dropped.
#[derive(Default)]
struct Lines {
    text: String,
    line: String,
    /// Did the current line get text outside any link?
    plain: bool,
    /// Did it get text inside a link?
    linked: bool,
    link_depth: usize,
}

impl Lines {
    fn push_text(&mut self, text: &str) {
        for (i, piece) in text.split('\n').enumerate() {
            if i > 0 {
                self.break_line();
            }
            if piece.trim().is_empty() {
                if !self.line.is_empty() && !piece.is_empty() {
                    self.line.push(' ');
                }
                continue;
            }
            if self.link_depth > 0 {
                self.linked = true;
            } else {
                self.plain = true;
            }
            self.line.push_str(piece);
        }
    }

    fn break_line(&mut self) {
        let line = self.line.trim();
        let link_only = self.linked && !self.plain;
        if !line.is_empty() && !link_only {
            if !self.text.is_empty() {
                self.text.push('\n');
            }
            self.text.push_str(line);
        }
        self.line.clear();
        self.plain = false;
        self.linked = false;
    }

    fn finish(mut self) -> String {
        self.break_line();
        self.text
    }
}

/// Where the stripper is between calls (CommonMark hands an HTML block over line by line).
#[derive(Default)]
struct HtmlState {
    /// Inside a tag whose `>` has not come yet.
    in_tag: bool,
    /// Inside `<script>`/`<style>` (the name) or a comment (`--`): skip to its end.
    skip_until: Option<&'static str>,
}

impl HtmlState {
    fn strip_into(&mut self, raw: &str, out: &mut Lines) {
        let mut rest = raw;
        while !rest.is_empty() {
            if let Some(end) = self.skip_until {
                match find_ascii_ci(rest, end) {
                    Some(at) => {
                        rest = rest.get(at + end.len()..).unwrap_or_default();
                        self.skip_until = None;
                        self.in_tag = end != "-->";
                    }
                    None => return,
                }
                continue;
            }
            if self.in_tag {
                match rest.find('>') {
                    Some(at) => {
                        rest = rest.get(at + 1..).unwrap_or_default();
                        self.in_tag = false;
                    }
                    None => return,
                }
                continue;
            }
            let Some(lt) = next_tag_start(rest) else {
                push_decoded(rest, out);
                return;
            };
            push_decoded(rest.get(..lt).unwrap_or_default(), out);
            let tag = rest.get(lt + 1..).unwrap_or_default();
            if let Some(after) = tag.strip_prefix("!--") {
                self.skip_until = Some("-->");
                rest = after;
                continue;
            }
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            if BLOCK_TAGS.contains(&name.as_str()) {
                out.break_line();
            }
            match name.as_str() {
                "a" if closing => out.link_depth = out.link_depth.saturating_sub(1),
                "a" => out.link_depth += 1,
                "script" if !closing => self.skip_until = Some("</script"),
                "style" if !closing => self.skip_until = Some("</style"),
                _ => {}
            }
            // A self-closing `<a/>` opens nothing.
            if name == "a" && !closing && tag.split('>').next().is_some_and(|t| t.ends_with('/')) {
                out.link_depth = out.link_depth.saturating_sub(1);
            }
            if self.skip_until.is_none() {
                self.in_tag = true;
            }
            rest = tag;
        }
    }
}

/// The byte offset of the next `<` that opens a tag, closing tag or comment (`a < b` is text).
fn next_tag_start(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(at) = s.get(from..)?.find('<') {
        let lt = from + at;
        if bytes
            .get(lt + 1)
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'/' || b == b'!')
        {
            return Some(lt);
        }
        from = lt + 1;
    }
    None
}

fn push_decoded(text: &str, out: &mut Lines) {
    if text.is_empty() {
        return;
    }
    if text.contains('&') {
        out.push_text(&html_escape::decode_html_entities(text).replace('\u{a0}', " "));
    } else {
        out.push_text(text);
    }
}

/// Byte offset of `needle` (ASCII) in `haystack`, ignoring ASCII case.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    haystack
        .as_bytes()
        .windows(n)
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xwlb_story_paragraphs_split_at_p_tags() {
        let md = "# 《新闻联播》 (20220924)\n\n## 详细新闻\n\n### 【领航中国】共护一江水\n\n<p><strong>央视网消息</strong>（新闻联播）：长江是母亲河。</p><p>万里长江，浩荡东流&nbsp;&amp;泽被南北。</p>\n\n[查看原文](https://tv.cctv.com/2022/09/24/VIDE.shtml)\n";
        assert_eq!(
            to_text(md),
            "《新闻联播》 (20220924)\n详细新闻\n【领航中国】共护一江水\n央视网消息（新闻联播）：长江是母亲河。\n万里长江，浩荡东流 &泽被南北。"
        );
    }

    #[test]
    fn links_keep_their_text_images_go() {
        let md = "据[新华社](http://xinhua.net)报道，![图](a.png)会议召开。\n\n* [首页](/) [新闻](/n)\n\n<a href=\"x\">原文</a>\n\n1. 第一条\n2. 第二条";
        assert_eq!(to_text(md), "据新华社报道，会议召开。\n第一条\n第二条");
    }

    #[test]
    fn inline_html_scripts_and_comments_go() {
        assert_eq!(
            strip_html("<div>甲<br/>乙<script>var x = '<p>';</script><!-- 注释 --><style>p{}</style>丙 a < b</div>"),
            "甲\n乙丙 a < b"
        );
        // An unclosed tag at the end does not leak its attributes.
        assert_eq!(strip_html("正文<img src=\"x"), "正文");
    }

    #[test]
    fn plain_lines_stay_lines() {
        assert_eq!(
            to_text("第一段。\n第二段。\n\n第三段。"),
            "第一段。\n第二段。\n第三段。"
        );
    }
}
