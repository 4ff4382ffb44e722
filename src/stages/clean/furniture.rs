//! Step 2, furniture: recognise page furniture — the copyright, licence, contact, byline,
//! dateline, navigation and listing lines a scraper picks up around an article — from general
//! signals (length, sentence punctuation, digit/date/phone/URL shapes, table separators,
//! credit words, repetition), never from strings of particular sites.
//!
//! [`line_signal`] judges one line alone; [`mark_repeated`] and [`mark_listings`] look at
//! lines in context (across articles, and runs of short lines within one).
//!
//! Cue lists are searched with the `aho-corasick` crate ([`Cues`]), which replaced a
//! hand-written automaton (a first-character bit set, then `starts_with` per word). Same
//! verdicts (clean_times checksum b376e04653cab92e on fudan20 before and after); cleaning
//! fudan20, `cargo run --release --example clean_times`, three processes each, alternating, on
//! a heavily loaded machine: median run 12.4 s hand-written, 11.5 s aho-corasick (noise-level).
//! The per-character gate table (`GATE`, read by `Facts::of`) stays: it is one lookup per
//! character in the pass that counts digits anyway, and lets most short lines skip every
//! search.

use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use serde::Serialize;

use super::normalize::letter_count;
use super::{Draft, Rule};

/// Which furniture signal fired on a line (the JSON reason is `boilerplate` for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// A table row: two or more `|` separators (stock tickers, link bars).
    Table,
    /// A site licence or registration number (ICP备, 公网安备, 许可证 + code).
    Licence,
    /// A copyright line (©, Copyright, 版权所有).
    Copyright,
    /// A phone number, e-mail address or URL.
    Contact,
    /// A reprint or disclaimer notice: several legal cue words addressed to the reader.
    LegalNotice,
    /// Two or more `label:value` fields (来源:… 发布日期:… 浏览:…).
    Metadata,
    /// A byline or credit (记者 孙冰 | 北京报道, 责编:…, 编辑/…, 图片来源:…).
    Byline,
    /// An outlet/date line: a date or time with little else (国际金融报 2023-11-17 11:11).
    Dateline,
    /// A truncated teaser with a link label (`……[详情]`).
    Teaser,
    /// A short navigation or widget label (推荐内容, 展开, 扫一扫).
    Navigation,
    /// A short line wholly in parentheses: a caption or aside (（资料图片仅供参考）).
    Caption,
    /// Mostly digits, no sentences.
    Numeric,
    /// A short line that appears more than once in the corpus.
    Repeated,
    /// Part of a run of short headline-like lines with dates (related-reading lists, menus).
    Listing,
}

impl Signal {
    /// The snake_case name, for diagnostics and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Table => "table",
            Signal::Licence => "licence",
            Signal::Copyright => "copyright",
            Signal::Contact => "contact",
            Signal::LegalNotice => "legal_notice",
            Signal::Metadata => "metadata",
            Signal::Byline => "byline",
            Signal::Dateline => "dateline",
            Signal::Teaser => "teaser",
            Signal::Navigation => "navigation",
            Signal::Caption => "caption",
            Signal::Numeric => "numeric",
            Signal::Repeated => "repeated",
            Signal::Listing => "listing",
        }
    }
}

/// A fixed list of cue words, searched in one pass over a line by an Aho–Corasick automaton
/// ([`aho_corasick`], built on first use).
pub struct Cues {
    words: &'static [&'static str],
    automaton: AhoCorasick,
}

impl Cues {
    /// The cue list for `words`.
    #[allow(clippy::expect_used)] // fixed lists of a few short words: far below every limit
    pub fn new(words: &'static [&'static str]) -> Cues {
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(words)
            .expect("a cue list builds");
        Cues { words, automaton }
    }

    /// Every occurrence of every word in `text`: (byte offset, word), in the order of their
    /// ends.
    pub fn occurrences<'t>(
        &'t self,
        text: &'t str,
    ) -> impl Iterator<Item = (usize, &'static str)> + 't {
        let words = self.words;
        self.automaton
            .find_overlapping_iter(text)
            .filter_map(move |m| words.get(m.pattern().as_usize()).map(|w| (m.start(), *w)))
    }

    /// Does any word occur in `text`?
    pub fn occurs_in(&self, text: &str) -> bool {
        self.automaton.is_match(text)
    }

    /// The words that occur in `text`, each once, in list order.
    pub fn present_in<'t>(&'t self, text: &'t str) -> impl Iterator<Item = &'static str> + 't {
        // One bit per word while there are at most 128 (every list here), else a vector.
        let mut found = 0u128;
        let mut more = vec![false; self.words.len().saturating_sub(128)];
        for m in self.automaton.find_overlapping_iter(text) {
            let i = m.pattern().as_usize();
            match more.get_mut(i.wrapping_sub(128)) {
                Some(f) => *f = true,
                None => found |= 1 << i,
            }
        }
        self.words.iter().enumerate().filter_map(move |(i, w)| {
            let hit = match more.get(i.wrapping_sub(128)) {
                Some(&f) => f,
                None => found & (1 << i) != 0,
            };
            hit.then_some(*w)
        })
    }
}

/// The first code point of UTF-8 `bytes` (0 for none), usable in constants.
const fn first_code_point(bytes: &[u8]) -> u32 {
    if bytes.is_empty() {
        return 0;
    }
    let b0 = bytes[0] as u32;
    if b0 < 0x80 {
        b0
    } else if b0 < 0xE0 {
        ((b0 & 0x1F) << 6) | cont(bytes, 1)
    } else if b0 < 0xF0 {
        ((b0 & 0x0F) << 12) | (cont(bytes, 1) << 6) | cont(bytes, 2)
    } else {
        ((b0 & 0x07) << 18) | (cont(bytes, 1) << 12) | (cont(bytes, 2) << 6) | cont(bytes, 3)
    }
}

/// The payload of continuation byte `i` (0 past the end).
const fn cont(bytes: &[u8], i: usize) -> u32 {
    if i < bytes.len() {
        bytes[i] as u32 & 0x3F
    } else {
        0
    }
}

/// `text` lower-cased, borrowed when lower-casing would not change it — the usual case for
/// Chinese text, whose characters have no case.
fn lower_case(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_caseless) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

/// Characters that lower-case to themselves, answered directly for ASCII, CJK and punctuation
/// (a shortcut only: `false` means "look it up").
fn is_caseless(c: char) -> bool {
    matches!(c, '\0'..='@' | '['..='\x7f' | '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{9FFF}' | '\u{FF00}'..='\u{FF20}' | '\u{FF3B}'..='\u{FFEF}')
}

/// Lines with more letters than this are paragraphs whatever cue words they contain.
const MAX_FURNITURE_LETTERS: usize = 120;
/// Lines up to this many letters count as short (headline-like, credit-like).
const SHORT_LINE_LETTERS: usize = 40;

/// Sentence punctuation inside a line (a heading or credit has none of these).
pub fn has_sentence_end(text: &str) -> bool {
    text.contains(['。', '！', '；', '!'])
}

/// Words of the page, not of an article, that scrapers glue to the text beside them: the
/// text of buttons and links (`…拍得该地块。我要评论`) and an editor's markers (`(组图)导语:`).
/// Cleaning leaves such a word where it is (cutting a label glued to a paragraph moved
/// thucnews-dev's NMI from 0.907 to 0.899: the label is a section's, and the section is the
/// class; docs/labels.md); the label stage lists such a term as `furniture` and never labels
/// a theme with it ([`is_page_word`]).
const PAGE_WORDS: &[&str] = &[
    // Buttons and links.
    "我要评论",
    "发表评论",
    "查看评论",
    "网友评论",
    "分享到",
    "打印本页",
    "关闭窗口",
    "返回顶部",
    "返回首页",
    "进入论坛",
    "收藏本文",
    "点击进入",
    // An editor's markers.
    "导语",
    "组图",
    "高清组图",
    "图集",
    "编者按",
];

/// Is `term` a word of the page rather than of an article ([`PAGE_WORDS`])?
pub fn is_page_word(term: &str) -> bool {
    PAGE_WORDS.contains(&term)
}

/// Judges one normalised line on its own; `None` means "no furniture signal".
pub fn line_signal(text: &str) -> Option<Signal> {
    signal(text, letter_count(text), has_sentence_end(text))
}

/// [`line_signal`] of a draft line, its letters counted already.
pub fn draft_signal(d: &Draft) -> Option<Signal> {
    signal(&d.text, d.letters(), d.has_sentence_end())
}

/// `letters` and `sentence`: the line's [`letter_count`] and [`has_sentence_end`].
fn signal(text: &str, letters: usize, sentence: bool) -> Option<Signal> {
    let pipes = text.bytes().filter(|&b| b == b'|').count();
    if pipes >= 2 || (pipes == 1 && text.starts_with('|')) {
        return Some(Signal::Table);
    }
    if letters > MAX_FURNITURE_LETTERS {
        return None;
    }
    let facts = Facts::of(text);
    let lower = if facts.caseless {
        Cow::Borrowed(text)
    } else if !facts.exotic {
        // Only ASCII letters have case: the same as `to_lowercase`, without its per-character
        // table lookups.
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Owned(text.to_lowercase())
    };
    let gate = |bit: u16| facts.gate & bit != 0;
    if gate(GATE_LICENCE) && is_licence(&lower) {
        return Some(Signal::Licence);
    }
    if gate(GATE_COPYRIGHT) && is_copyright(&lower) {
        return Some(Signal::Copyright);
    }
    let phone =
        facts.digits >= 5 && (phone_shaped(text) || (gate(GATE_PHONE) && phone_label(&lower)));
    if phone || has_email(text) || (gate(GATE_URL) && URLS.occurs_in(&lower)) {
        return Some(Signal::Contact);
    }
    if gate(GATE_LEGAL) && gate(GATE_ADDRESS) && is_legal_notice(text, letters) {
        return Some(Signal::LegalNotice);
    }
    if gate(GATE_NOTE) {
        if let Some(signal) = page_note(text, letters) {
            return Some(signal);
        }
    }
    if sentence {
        return None;
    }
    if letters <= 60 && facts.colon && label_fields(text) >= 2 {
        return Some(Signal::Metadata);
    }
    if letters <= 30 && is_byline(text, letters, gate(GATE_CREDIT)) {
        return Some(Signal::Byline);
    }
    let dated = |text| (facts.digits > 0 && has_date(text)) || (facts.time && has_time(text));
    if letters <= 30 && dated(text) && letters - facts.digits <= 16 {
        return Some(Signal::Dateline);
    }
    if letters <= 60 && is_teaser(text) {
        return Some(Signal::Teaser);
    }
    if letters <= SHORT_LINE_LETTERS && text.starts_with(['(', '（']) && text.ends_with([')', '）'])
    {
        return Some(Signal::Caption);
    }
    if letters <= 16 && gate(GATE_NAVIGATION) && NAVIGATION.occurs_in(&lower) {
        return Some(Signal::Navigation);
    }
    if letters <= 60 && letters > 0 && facts.digits * 2 >= letters {
        return Some(Signal::Numeric);
    }
    None
}

/// What one pass over a line tells the signals: which cue lists may have a word in it, whether
/// lower-casing leaves it as it is, and how many ASCII digits it has.
struct Facts {
    /// [`GATE`] bits of its characters (all bits when a character outside ASCII has case: its
    /// lower case might start a word).
    gate: u16,
    /// Every character lower-cases to itself.
    caseless: bool,
    /// A character outside ASCII does not.
    exotic: bool,
    digits: usize,
    /// A colon, ASCII or full-width (a `label:` field may follow).
    colon: bool,
    /// An ASCII colon (a clock time may be around it).
    time: bool,
}

impl Facts {
    fn of(text: &str) -> Facts {
        let mut facts = Facts {
            gate: 0,
            caseless: true,
            exotic: false,
            digits: 0,
            colon: false,
            time: false,
        };
        for c in text.chars() {
            facts.gate |= GATE[c as usize & 0xFFFF];
            if c.is_ascii() {
                facts.digits += usize::from(c.is_ascii_digit());
                facts.time |= c == ':';
                facts.colon |= c == ':';
                facts.caseless &= !c.is_ascii_uppercase();
                continue;
            }
            if ('\u{3000}'..='\u{9FFF}').contains(&c) {
                continue; // CJK: no case, digit or colon
            }
            facts.colon |= c == '：';
            // `is_caseless` answers most characters; the rest (×, °, α, …) are looked up.
            let caseless = is_caseless(c) || c.to_lowercase().eq([c]);
            facts.caseless &= caseless;
            facts.exotic |= !caseless;
        }
        if facts.exotic {
            facts.gate = u16::MAX;
        }
        facts
    }
}

const GATE_LICENCE: u16 = 1;
const GATE_COPYRIGHT: u16 = 1 << 1;
const GATE_URL: u16 = 1 << 2;
const GATE_PHONE: u16 = 1 << 3;
const GATE_LEGAL: u16 = 1 << 4;
const GATE_ADDRESS: u16 = 1 << 5;
const GATE_CREDIT: u16 = 1 << 6;
const GATE_NAVIGATION: u16 = 1 << 7;
const GATE_NOTE: u16 = 1 << 8;

/// The cue lists behind each [`GATE`] bit.
const GATED: [(&[&str], u16); 10] = [
    (LICENCE_WORDS, GATE_LICENCE),
    (&["许可证"], GATE_LICENCE),
    (COPYRIGHT_WORDS, GATE_COPYRIGHT),
    (URL_WORDS, GATE_URL),
    (PHONE_LABELS, GATE_PHONE),
    (LEGAL_WORDS, GATE_LEGAL),
    (ADDRESS_WORDS, GATE_ADDRESS),
    (CREDIT_WORDS, GATE_CREDIT),
    (NAVIGATION_WORDS, GATE_NAVIGATION),
    (NOTE_WORDS, GATE_NOTE),
];

/// Per code point (modulo 2^16): the bits of the cue lists with a word that
/// starts with it (an ASCII letter in either case). A line none of whose characters has a
/// list's bit holds none of its words, so the search for them is skipped.
static GATE: [u16; 1 << 16] = gate_table();

const fn gate_table() -> [u16; 1 << 16] {
    let mut table = [0u16; 1 << 16];
    let mut list = 0;
    while list < GATED.len() {
        let (words, bit) = GATED[list];
        let mut i = 0;
        while i < words.len() {
            let c = first_code_point(words[i].as_bytes()) as usize & 0xFFFF;
            table[c] |= bit;
            if c >= b'a' as usize && c <= b'z' as usize {
                table[c - 32] |= bit;
            }
            i += 1;
        }
        list += 1;
    }
    table
}

/// Link shapes.
const URL_WORDS: &[&str] = &["http://", "https://", "www."];
static URLS: LazyLock<Cues> = LazyLock::new(|| Cues::new(URL_WORDS));

/// Widget and navigation words that make up short menu lines.
static NAVIGATION: LazyLock<Cues> = LazyLock::new(|| Cues::new(NAVIGATION_WORDS));
const NAVIGATION_WORDS: &[&str] = &[
    "展开",
    "收起",
    "更多",
    "推荐",
    "相关",
    "阅读",
    "评论",
    "分享",
    "收藏",
    "点击",
    "返回",
    "顶部",
    "上一篇",
    "下一篇",
    "热门",
    "栏目",
    "赞助",
    "关注",
    "下载",
    "扫一扫",
    "二维码",
    "登录",
    "注册",
    "首页",
    "热词",
    "标签",
    "打印",
    "举报",
    "点赞",
    "转发",
    "订阅",
    "广告",
];

/// Cue words of reprint and disclaimer notices.
static LEGAL_CUES: LazyLock<Cues> = LazyLock::new(|| Cues::new(LEGAL_WORDS));
const LEGAL_WORDS: &[&str] = &[
    "版权",
    "转载",
    "授权",
    "摘编",
    "转贴",
    "镜像",
    "稿酬",
    "稿费",
    "本站",
    "本网",
    "仅供参考",
    "风险自负",
    "免责",
    "声明",
    "申明",
    "违者必究",
    "侵权",
    "联系我们",
    "投稿",
    "撤下",
    "联系",
];

/// Words by which a site addresses its reader or names itself.
static ADDRESS_CUES: LazyLock<Cues> = LazyLock::new(|| Cues::new(ADDRESS_WORDS));
const ADDRESS_WORDS: &[&str] = &[
    "本站",
    "本网",
    "本报",
    "本刊",
    "报社",
    "杂志社",
    "我们",
    "请",
    "如需",
    "严禁",
    "不得",
    "欢迎",
    "任何",
    "您",
];

fn is_legal_notice(text: &str, letters: usize) -> bool {
    let cues: Vec<&str> = LEGAL_CUES.present_in(text).collect();
    if cues.len() < 2 || !ADDRESS_CUES.occurs_in(text) {
        return false;
    }
    let cue_chars: usize = cues
        .iter()
        .map(|c| c.chars().count() * text.matches(c).count())
        .sum();
    cue_chars * 8 >= letters
}

/// Cue words of the notes a page puts under or beside an article: photo captions and credits,
/// disclaimers, the original title of a reprint, prompts to click, scan or follow. Lines with
/// none of them skip [`page_note`]'s checks.
static NOTE_CUES: LazyLock<Cues> = LazyLock::new(|| Cues::new(NOTE_WORDS));
const NOTE_WORDS: &[&str] = &[
    "摄",
    "图",
    "声明",
    "提示",
    "原标题",
    "原题",
    "点击",
    "戳",
    "长按",
    "二维码",
    "扫码",
    "扫一扫",
    "投资",
    "风险",
    "不代表",
    "不构成",
    "仅供参考",
];

/// Disclaimer phrases: two of them make a line a disclaimer (…仅供参考，不构成投资建议…).
static DISCLAIMERS: LazyLock<Cues> = LazyLock::new(|| Cues::new(DISCLAIMER_WORDS));
const DISCLAIMER_WORDS: &[&str] = &[
    "不构成",
    "投资建议",
    "风险自担",
    "风险自负",
    "据此操作",
    "入市需谨慎",
    "投资有风险",
    "不代表",
    "观点和立场",
    "观点或立场",
    "仅供参考",
];

/// Labels that open a disclaimer (`声明：…`, `风险提示：…`).
const DISCLAIMER_LABELS: &[&str] = &["声明", "免责声明", "特别声明", "郑重声明", "风险提示"];

/// Words that open a photo caption (`图为…`, `资料图：…`).
const CAPTION_OPENERS: &[&str] = &[
    "图为",
    "资料图",
    "图：",
    "图:",
    "图片：",
    "图片:",
    "上图",
    "下图",
    "配图",
];

/// Prompts to click, scan or follow (`【点击投票】`, `点击菜单栏…`, `扫码关注…`).
static PROMPTS: LazyLock<Cues> = LazyLock::new(|| Cues::new(PROMPT_WORDS));
const PROMPT_WORDS: &[&str] = &[
    "【点击",
    "[点击",
    "点击进入",
    "点击查看",
    "点击阅读",
    "点击这里",
    "点击此处",
    "点击下方",
    "点击上方",
    "点击关注",
    "点击菜单",
    "点击链接",
    "点击投票",
    "戳这里",
    "长按识别",
    "长按二维码",
];

/// A note of the page around the article, sentence punctuation or not: a photo caption or
/// credit ([`Signal::Caption`]), a disclaimer ([`Signal::LegalNotice`]), the original title of
/// a reprint ([`Signal::Byline`]), a prompt to click or scan ([`Signal::Navigation`]).
fn page_note(text: &str, letters: usize) -> Option<Signal> {
    if letters > 80 || !NOTE_CUES.occurs_in(text) {
        return None;
    }
    let opened = text.trim_start_matches(['(', '（', '【', '[', ' ']);
    if DISCLAIMER_LABELS.iter().any(|l| {
        opened
            .strip_prefix(l)
            .is_some_and(|rest| rest.starts_with([':', '：']))
    }) || DISCLAIMERS.present_in(text).count() >= 2
    {
        return Some(Signal::LegalNotice);
    }
    if letters <= 60
        && (CAPTION_OPENERS.iter().any(|w| opened.starts_with(w)) || photo_credit(text))
    {
        return Some(Signal::Caption);
    }
    if ["原标题", "原题", "本文原标题", "原文标题"]
        .iter()
        .any(|w| opened.starts_with(w))
    {
        return Some(Signal::Byline);
    }
    let scan = ["二维码", "扫码", "扫一扫"]
        .iter()
        .any(|w| text.contains(w))
        && ["关注", "下载", "公众号"].iter().any(|w| text.contains(w));
    if scan || PROMPTS.occurs_in(text) {
        return Some(Signal::Navigation);
    }
    None
}

/// Does the line end in a photographer's credit: `周斌 摄`, `（刘通摄）`, `记者贾天勇摄`,
/// `段彦超 图`?
fn photo_credit(text: &str) -> bool {
    let t = text.trim_end_matches([')', '）', '。', ' ', '　', ']', '】']);
    let Some(head) = t.strip_suffix('摄').or_else(|| t.strip_suffix('图')) else {
        return false;
    };
    let photo = t.ends_with('摄');
    // A credit set apart: `周斌 摄`, `段彦超 图`.
    if head.ends_with([' ', '　']) {
        let name = head.trim_end_matches([' ', '　']);
        return name.chars().next_back().is_some_and(is_han);
    }
    // `…进行拍摄`, `航摄`: the verb, not a credit.
    if !photo || head.ends_with(['拍', '航', '偷', '抓', '跟', '盗', '自', '被', '所', '在'])
    {
        return false;
    }
    // `（刘通摄）`, `记者刘娟摄`: 2–4 Han after an opening parenthesis, a space or a credit word.
    let name: String = head
        .chars()
        .rev()
        .take_while(|&c| is_han(c))
        .take(8)
        .collect::<Vec<char>>()
        .into_iter()
        .rev()
        .collect();
    let before = head[..head.len() - name.len()].chars().next_back();
    let set_apart = matches!(before, Some('(' | '（' | ' ' | '　' | '/' | '：' | ':'));
    let credited = ["记者", "通讯员", "摄影"].iter().any(|w| name.contains(w));
    let n = name.chars().count();
    (set_apart && (2..=4).contains(&n)) || (credited && n <= 8)
}

/// Licence and registration words.
const LICENCE_WORDS: &[&str] = &["icp备", "icp证", "网安备", "备案号"];

fn is_licence(lower: &str) -> bool {
    static LICENCES: LazyLock<Cues> = LazyLock::new(|| Cues::new(LICENCE_WORDS));
    if LICENCES.occurs_in(lower) {
        return true;
    }
    // 许可证 followed closely by a code with digits.
    lower.match_indices("许可证").any(|(at, word)| {
        lower[at + word.len()..]
            .chars()
            .take(6)
            .any(|c| c.is_ascii_digit())
    })
}

/// Copyright words.
const COPYRIGHT_WORDS: &[&str] = &[
    "©",
    "copyright",
    "all rights reserved",
    "版权所有",
    "版权归",
    "版权属",
    "保留所有权利",
];

fn is_copyright(lower: &str) -> bool {
    static COPYRIGHT: LazyLock<Cues> = LazyLock::new(|| Cues::new(COPYRIGHT_WORDS));
    COPYRIGHT.occurs_in(lower)
}

/// A phone number: `010-83251700`, `0755-1234567`, `400-889-0008`, `4008890008`, an
/// 11-digit mobile number, or 5+ digits right after 电话/热线/传真/手机/tel.
pub fn has_phone(text: &str) -> bool {
    // Every shape below needs at least five digits.
    if text.bytes().filter(u8::is_ascii_digit).count() < 5 {
        return false;
    }
    phone_shaped(text) || phone_label(&lower_case(text))
}

/// Labels a phone number follows.
const PHONE_LABELS: &[&str] = &["电话", "热线", "传真", "手机", "tel"];

/// A token of ASCII digit groups joined by single `-` (`010-83251700`) shaped like a phone
/// number: area code and number, a 400/800 service number, or an 11-digit mobile number.
fn phone_shaped(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // One token: its groups, the lengths of the first two, and its digits joined (their
        // count and the first three).
        let (mut groups, mut first, mut second) = (0, 0, 0);
        let leading_zero = b[i] == b'0';
        let (mut joined, mut head) = (0, [0u8; 3]);
        loop {
            let start = i;
            while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                if let Some(h) = head.get_mut(joined) {
                    *h = d;
                }
                joined += 1;
                i += 1;
            }
            groups += 1;
            match groups {
                1 => first = i - start,
                2 => second = i - start,
                _ => {}
            }
            if b.get(i) == Some(&b'-') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i += 1;
            } else {
                break;
            }
        }
        let area =
            groups == 2 && leading_zero && (3..=4).contains(&first) && (7..=8).contains(&second);
        let service = (head == *b"400" || head == *b"800") && joined == 10;
        let mobile =
            groups == 1 && joined == 11 && head[0] == b'1' && (b'3'..=b'9').contains(&head[1]);
        if area || service || mobile {
            return true;
        }
    }
    false
}

/// Five or more digits right after a phone label in `lower` (lower-cased text).
fn phone_label(lower: &str) -> bool {
    PHONE_LABELS.iter().any(|label| {
        lower.match_indices(label).any(|(at, w)| {
            let digits = lower[at + w.len()..]
                .chars()
                .skip_while(|c| !c.is_ascii_digit() && !c.is_alphabetic())
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .filter(char::is_ascii_digit)
                .count();
            digits >= 5
        })
    })
}

/// An e-mail address: `name@host.tld`.
pub fn has_email(text: &str) -> bool {
    text.match_indices('@').any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = &text[at + 1..];
        let host: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
            .collect();
        before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
            && host.contains('.')
            && !host.ends_with('.')
    })
}

/// A calendar date: `2023-07-27`, `2024/9/20`, `2024.09.20` or `2023年11月17日`.
///
/// Read byte by byte (the digits and `-/.` are ASCII, and a digit run ends at any other
/// character), instead of over the line's characters collected first: the same answers
/// (test `byte_dates_are_char_dates`).
pub fn has_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits_at = |i: usize| {
        b.get(i..).map_or(0, |rest| {
            rest.iter().take_while(|d| d.is_ascii_digit()).count()
        })
    };
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // `i` starts a run of digits: a year when it has four.
        let year = digits_at(i);
        if year == 4 {
            let mut j = i + 4;
            let mut parts = 0;
            for unit in ["年", "月"] {
                let rest = text.get(j..).unwrap_or_default();
                let sep = if rest.starts_with(['-', '/', '.']) {
                    1
                } else if rest.starts_with(unit) {
                    unit.len()
                } else {
                    break;
                };
                let n = digits_at(j + sep);
                if !(1..=2).contains(&n) {
                    break;
                }
                parts += 1;
                j += sep + n;
            }
            if parts == 2 {
                return true;
            }
        }
        i += year;
    }
    false
}

/// A clock time: `09:42` or `16:43:20`.
pub fn has_time(text: &str) -> bool {
    if !text.contains(':') {
        return false;
    }
    let chars: Vec<char> = text.chars().collect();
    (1..chars.len()).any(|i| {
        chars[i] == ':'
            && chars[..i]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .count()
                >= 1
            && count_digits(&chars[i + 1..]) == 2
    })
}

fn count_digits(chars: &[char]) -> usize {
    chars.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// How many `label:` fields (2–4 Han characters then a colon) the line has.
fn label_fields(text: &str) -> usize {
    if !text.contains([':', '：']) {
        return 0;
    }
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len())
        .filter(|&i| {
            matches!(chars[i], ':' | '：')
                && chars[..i].iter().rev().take_while(|c| is_han(**c)).count() >= 2
        })
        .count()
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Credit words of bylines.
static CREDITS: LazyLock<Cues> = LazyLock::new(|| Cues::new(CREDIT_WORDS));
const CREDIT_WORDS: &[&str] = &[
    "责任编辑",
    "图片来源",
    "记者",
    "编辑",
    "责编",
    "作者",
    "撰文",
    "撰稿",
    "摄影",
    "通讯员",
    "实习生",
    "校对",
    "审校",
    "审核",
    "监制",
    "出品",
    "策划",
    "来源",
    "原标题",
];

/// `cues`: might a credit word occur (else they are not looked for)?
fn is_byline(text: &str, letters: usize, cues: bool) -> bool {
    let separator = |c: Option<char>| matches!(c, Some(':' | '：' | '/' | '|' | ' ' | '丨'));
    let credited = cues
        && CREDITS
            .occurrences(text)
            .any(|(at, w)| separator(text[at + w.len()..].chars().next()));
    let leading = ["文/", "图/", "文|", "图|", "文:", "图:"]
        .iter()
        .any(|p| text.starts_with(p));
    let reported = text.ends_with("报道") && letters <= 20;
    credited || leading || reported
}

fn is_teaser(text: &str) -> bool {
    let t = text.trim_end();
    let bracket_label = [('[', ']'), ('【', '】')].iter().any(|&(open, close)| {
        t.ends_with(close)
            && t.rfind(open)
                .is_some_and(|at| (1..=6).contains(&t[at..].chars().count().saturating_sub(2)))
    });
    bracket_label || t.ends_with('…') || t.ends_with("...")
}

/// The key two short lines share when they say the same thing: letters and digits,
/// lower-cased.
pub fn line_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    super::normalize::letter_key(text, |c| key.push(c));
    key
}

/// Does this line read like a paragraph (enough letters and a sentence end)?
pub fn looks_like_paragraph(text: &str, min_chars: usize) -> bool {
    paragraph_shaped(letter_count(text), has_sentence_end(text), min_chars)
}

/// [`looks_like_paragraph`] from a line's letter count and sentence end.
fn paragraph_shaped(letters: usize, sentence: bool, min_chars: usize) -> bool {
    letters >= min_chars.max(1) && (sentence || letters > SHORT_LINE_LETTERS)
}

/// Is `d` still kept and shaped like a paragraph?
fn kept_paragraph(d: &Draft, min_chars: usize) -> bool {
    d.rule.is_none() && paragraph_shaped(d.letters(), d.has_sentence_end(), min_chars)
}

/// Marks short lines (up to 40 letters) that occur more than once in the corpus as
/// [`Signal::Repeated`] — site names, widget labels, share prompts — unless a paragraph follows
/// them (then they are headings that happen to repeat).
///
/// The keys of short lines are made per article in parallel; counting them is the only serial
/// part, and its result does not depend on the order.
pub fn mark_repeated(docs: &mut [Vec<Draft>], min_chars: usize) {
    use rayon::prelude::*;
    let keys: Vec<RepeatKeys> = docs.par_iter().map(|doc| repeat_keys(doc)).collect();
    mark_repeated_keyed(docs, &keys, min_chars, None);
}

/// Per line of `doc`: the [`line_key`] of a short line (the lines [`mark_repeated`] counts
/// when they have no sentence end), else `None`. Made per article, while its text is at hand.
pub(crate) fn repeat_keys(doc: &[Draft]) -> RepeatKeys {
    let mut keys = RepeatKeys {
        text: String::new(),
        ends: Vec::with_capacity(doc.len()),
    };
    for d in doc {
        let start = keys.text.len();
        if d.letters() <= SHORT_LINE_LETTERS {
            super::normalize::letter_key(&d.text, |c| keys.text.push(c));
            keys.ends.push((start, keys.text.len()));
        } else {
            keys.ends.push((start, usize::MAX));
        }
    }
    keys
}

/// One article's [`repeat_keys`]: every key in one string.
pub(crate) struct RepeatKeys {
    text: String,
    /// Per line: where its key is in `text` (`usize::MAX` as the end: no key).
    ends: Vec<(usize, usize)>,
}

impl RepeatKeys {
    /// The key of line `i`, if it has one.
    fn get(&self, i: usize) -> Option<&str> {
        let &(start, end) = self.ends.get(i)?;
        self.text.get(start..end)
    }
}

/// [`mark_repeated`] given every article's [`repeat_keys`].
///
/// Keys in `known` count as repeated too (a training corpus's repeated lines, when cleaning new
/// articles). Returns the keys found repeated (twice or more, or known), sorted.
pub(crate) fn mark_repeated_keyed(
    docs: &mut [Vec<Draft>],
    keys: &[RepeatKeys],
    min_chars: usize,
    known: Option<&FxHashSet<String>>,
) -> Vec<String> {
    use rayon::prelude::*;
    let short = |d: &Draft| d.letters() <= SHORT_LINE_LETTERS;
    let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
    for (doc, keys) in docs.iter().zip(keys) {
        for (i, d) in doc.iter().enumerate() {
            if let Some(key) = keys.get(i).filter(|_| !d.has_sentence_end()) {
                *counts.entry(key).or_default() += 1;
            }
        }
    }
    docs.par_iter_mut().zip(keys).for_each(|(doc, keys)| {
        for i in 0..doc.len() {
            if doc[i].rule.is_some() || !short(&doc[i]) {
                continue;
            }
            let repeated = keys.get(i).is_some_and(|key| {
                counts.get(key).is_some_and(|&n| n >= 2)
                    || known.is_some_and(|known| known.contains(key))
            });
            let paragraph_next = doc.get(i + 1).is_some_and(|n| kept_paragraph(n, min_chars));
            if repeated && !paragraph_next {
                doc[i].rule = Some(Rule::Furniture(Signal::Repeated));
            }
        }
    });
    let mut repeated: Vec<String> = counts
        .into_iter()
        .filter(|&(_, n)| n >= 2)
        .map(|(key, _)| key.to_string())
        .collect();
    repeated.sort_unstable();
    repeated
}

/// Marks runs of short, sentence-less lines as [`Signal::Listing`] when they hold two or more
/// dates (related-reading lists: headline, outlet + date, headline, …), or when at least four
/// lines in a row are short, half of them already furniture or too short to keep, and no
/// paragraph follows (menus, footers). The last line of a run that leads into a paragraph is
/// left alone: it is that paragraph's heading.
pub fn mark_listings(doc: &mut [Draft], min_chars: usize) {
    let short = |d: &Draft| {
        matches!(d.rule, Some(Rule::Furniture(_)))
            || (d.letters() <= SHORT_LINE_LETTERS && !d.has_sentence_end())
    };
    let mut start = 0;
    while start < doc.len() {
        if !short(&doc[start]) {
            start += 1;
            continue;
        }
        let end = (start..doc.len())
            .find(|&j| !short(&doc[j]))
            .unwrap_or(doc.len());
        let run = &doc[start..end];
        let dated = run
            .iter()
            .filter(|d| has_date(&d.text) || has_time(&d.text))
            .count();
        let weak = run
            .iter()
            .filter(|d| d.rule.is_some() || d.letters() < min_chars)
            .count();
        // A run that leads into a paragraph ends in that paragraph's heading (or title).
        let paragraph_next = doc.get(end).is_some_and(|n| kept_paragraph(n, min_chars));
        let listing = (run.len() >= 3 && dated >= 2)
            || (run.len() >= 4 && weak * 2 >= run.len() && !paragraph_next);
        if listing {
            let last = if paragraph_next { end - 1 } else { end };
            for d in &mut doc[start..last] {
                if d.rule.is_none() {
                    d.rule = Some(Rule::Furniture(Signal::Listing));
                }
            }
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(text: &str) -> Option<Signal> {
        line_signal(text)
    }

    #[test]
    fn page_notes_go_and_sentences_about_photos_stay() {
        // Seen in the news-html spot check (stcn, qq, cjn, shanxi, toutiao, ifeng, sina, 163).
        for (line, want) in [
            ("声明：证券时报力求信息真实、准确，文章提及内容仅供参考，不构成实质性投资建议，据此操作风险自担。", Signal::LegalNotice),
            ("免责声明：本文来自腾讯新闻客户端自媒体，不代表腾讯网的观点和立场。", Signal::LegalNotice),
            ("风险提示：市场有风险，投资需谨慎。", Signal::LegalNotice),
            ("雨游黄鹤楼照样开心。城市摄影队 周斌 摄", Signal::Caption),
            ("10月4日，旅游专列开往襄阳。 通讯员刘娟 摄", Signal::Caption),
            ("图为山西品牌丝路行（南美站）启动仪式。（刘通摄）", Signal::Caption),
            ("资料图：市民在寒冷天气中出行。中新社记者 贾天勇 摄", Signal::Caption),
            ("小花家发给小刚家的纸片。澎湃新闻记者 段彦超 图", Signal::Caption),
            ("（原标题：单项奖金100万美元，“中国诺贝尔奖”揭晓！第一位获奖的女性科学家什么来头？）", Signal::Byline),
            ("本文原标题：《定了！广州南沙邮轮母港即将开通！》", Signal::Byline),
            ("“2018十大经济年度人物评选”火热进行中！【点击投票】Pick你心目中的商业领袖", Signal::Navigation),
            ("点击菜单栏【便民服务】解锁更多服务！", Signal::Navigation),
            ("每日推送最新苹果资讯。扫描下方二维码关注苹果汇官方微信。", Signal::Navigation),
        ] {
            assert_eq!(sig(line), Some(want), "{line}");
        }
        for line in [
            "记者在现场看到，志愿者正在为游客拍摄。",
            "苹果公司声明称，相信我们供应链中的每个人都有尊严并应该得到尊重。",
            "新iPhone最大的变化是在设备后部的摄像头。",
            "他在地图上标出了三条线路，最后选了最近的一条图。",
            "前置摄像头升级至1200万像素摄像头，并支持4K拍摄和前置慢动作视频。",
            "这份报告仅供内部讨论使用，各部门要认真研究落实。",
        ] {
            assert_eq!(sig(line), None, "{line}");
        }
    }

    #[test]
    fn tables_go() {
        assert_eq!(
            sig("| 19:25 | 和而泰:铖昌科技财务报表纳入公司... |"),
            Some(Signal::Table)
        );
        assert_eq!(
            sig("| 09:01 | 某某股份:关于回购进展的公告 |"),
            Some(Signal::Table)
        );
        assert_eq!(sig("首页 | 新闻 | 财经 | 科技"), Some(Signal::Table));
        assert_eq!(sig("关于我们 | 联系我们 | 广告服务"), Some(Signal::Table));
    }

    #[test]
    fn licences_and_copyright_go() {
        assert_eq!(
            sig("京公网安备 11010202007567号京ICP备17054264号"),
            Some(Signal::Licence)
        );
        assert_eq!(
            sig("互联网新闻信息服务许可证 10120180014增值电信业务经营许可证B2-20181903"),
            Some(Signal::Licence)
        );
        assert_eq!(sig("沪ICP证123456号"), Some(Signal::Licence));
        assert_eq!(sig("版权所有证券日报网"), Some(Signal::Copyright));
        assert_eq!(
            sig("Copyright © 2010-2024 AiLab Team. 人工智能实验室 版权所有"),
            Some(Signal::Copyright)
        );
        assert_eq!(
            sig("© 2024 某某新闻网 保留所有权利"),
            Some(Signal::Copyright)
        );
    }

    #[test]
    fn contacts_go() {
        assert_eq!(
            sig("证券日报社电话:010-83251700网站电话:010-83251800 网站传真:010-83251801电子邮件:xmtzx@zqrb.net"),
            Some(Signal::Contact)
        );
        assert_eq!(sig("读者热线:4008890008"), Some(Signal::Contact));
        assert_eq!(sig("投诉邮箱 news@example.com"), Some(Signal::Contact));
        assert_eq!(sig("客服电话 0755-12345678"), Some(Signal::Contact));
        assert_eq!(
            sig("更多内容请访问 https://example.cn/a"),
            Some(Signal::Contact)
        );
    }

    #[test]
    fn legal_notices_go() {
        for text in [
            "如需转载请与《每日经济新闻》报社联系。",
            "未经《每日经济新闻》报社授权,严禁转载或镜像,违者必究。",
            "特别提醒:如果我们使用了您的图片,请作者与本站联系索取稿酬。如您不希望作品出现在本站,可联系我们要求撤下您的作品。",
            "证券日报网所载文章、数据仅供参考,使用前务请仔细阅读法律申明,风险自负。",
            "(版权属《中国经济周刊》杂志社所有,任何媒体、网站或个人未经授权不得转载、摘编、链接、转贴或以其他方式使用。)",
            "本网所有稿件未经书面授权,任何单位不得转载。",
        ] {
            assert!(sig(text).is_some(), "{text}");
        }
    }

    #[test]
    fn bylines_datelines_metadata_go() {
        assert_eq!(
            sig("《中国经济周刊》记者 孙冰 | 北京报道"),
            Some(Signal::Byline)
        );
        assert_eq!(sig("每经记者 杨弃非 每经编辑 杨欢"), Some(Signal::Byline));
        assert_eq!(sig("编辑/范辉"), Some(Signal::Byline));
        assert_eq!(sig("责编:郭霁瑶"), Some(Signal::Byline));
        assert_eq!(sig("图片来源:摄图网_402624474"), Some(Signal::Byline));
        assert_eq!(sig("本报记者 王明 上海报道"), Some(Signal::Byline));
        assert_eq!(sig("文/李华"), Some(Signal::Byline));
        assert_eq!(sig("责任编辑：张三"), Some(Signal::Byline));
        assert_eq!(
            sig("来源:互联网   发布日期:2023-07-27 09:42:21   浏览:21987次"),
            Some(Signal::Metadata)
        );
        assert_eq!(
            sig("发布时间：2024-01-02 作者：李四"),
            Some(Signal::Metadata)
        );
        assert_eq!(sig("国际金融报 2023-11-17 11:11"), Some(Signal::Dateline));
        assert_eq!(
            sig("每日经济新闻 2024-09-20 16:43:20"),
            Some(Signal::Dateline)
        );
        assert_eq!(sig("财联社 2024-10-06"), Some(Signal::Dateline));
        assert_eq!(sig("南方日报 2023年5月8日"), Some(Signal::Dateline));
    }

    #[test]
    fn page_words_are_whole_terms() {
        assert!(is_page_word("我要评论"));
        assert!(is_page_word("分享到"));
        assert!(is_page_word("导语"));
        assert!(!is_page_word("评论"));
        assert!(!is_page_word("我要评论员"));
    }

    #[test]
    fn teasers_navigation_numbers_go() {
        assert_eq!(
            sig("卫星通信管理制度及政策法规进一步完善……[详情]"),
            Some(Signal::Teaser)
        );
        assert_eq!(sig("新能源汽车出口再创新高【更多】"), Some(Signal::Teaser));
        assert_eq!(sig("推荐内容"), Some(Signal::Navigation));
        assert_eq!(sig("相关阅读"), Some(Signal::Navigation));
        assert_eq!(sig("扫一扫,加关注"), Some(Signal::Navigation));
        assert_eq!(sig("展开"), Some(Signal::Navigation));
        assert_eq!(sig("返回顶部"), Some(Signal::Navigation));
        assert_eq!(sig("2023 0727 094221 21987"), Some(Signal::Numeric));
        assert_eq!(sig("(资料图片仅供参考)"), Some(Signal::Caption));
        assert_eq!(sig("（图片由受访者提供）"), Some(Signal::Caption));
    }

    #[test]
    fn article_text_stays() {
        for text in [
            // Seed paragraphs and headings with cue words or digits in them.
            "记者了解到,第一批通过备案的大模型主要是基础通用模型,包括百度文心一言、百川智能。",
            "第二批完成备案的大模型中,有三个行业大模型备受关注。",
            "通用还是垂直?“百模大战”正在出现分化",
            "算力仍是主要制约因素",
            "构建“数据-模型-应用”飞轮",
            "AIGC该降温了?",
            "8月31日,首批11家通过《生成式人工智能服务管理暂行办法》备案的AI大模型名单亮相。",
            "在国家“数据二十条”基础上,2024年1月,国家数据局出台的《“数据要素×”三年行动计划(2024—2026年)》明确提出了数据要素的放大作用。",
            "但同时,大模型发展也面临多重掣肘。",
            "最后,考虑到政策监管的重要性,国产大模型发展还应密切关注政策动向,主动与监管机构沟通。",
            // Made up in the same style.
            "该平台未经授权转载多家媒体稿件,被法院判令赔偿。",
            "据记者了解,该公司的资金来源主要是银行贷款。",
            "2023年全年,公司营收同比增长12%,净利润达到3.5亿元。",
            "数据显示,2020-2021年中国大模型数量从2个增至21个。",
            "市场竞争持续加剧",
            "热线电话的接通率仍然偏低,市民反映排队时间过长。",
            "这家公司推出的新产品在市场上反响热烈,用户纷纷点赞并主动分享给身边的朋友。",
        ] {
            assert_eq!(sig(text), None, "{text}");
        }
    }

    #[test]
    fn gated_checks_agree_with_ungated_ones() {
        // The old `has_phone` shapes, with strings.
        fn shaped_slow(text: &str) -> bool {
            let chars: Vec<char> = text.chars().collect();
            let mut tokens: Vec<Vec<String>> = Vec::new();
            let (mut groups, mut current) = (Vec::new(), String::new());
            for (i, &c) in chars.iter().enumerate() {
                if c.is_ascii_digit() {
                    current.push(c);
                } else if c == '-'
                    && !current.is_empty()
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)
                {
                    groups.push(std::mem::take(&mut current));
                } else if !current.is_empty() {
                    groups.push(std::mem::take(&mut current));
                    tokens.push(std::mem::take(&mut groups));
                }
            }
            if !current.is_empty() {
                groups.push(current);
            }
            if !groups.is_empty() {
                tokens.push(groups);
            }
            tokens.iter().any(|groups| {
                let joined: String = groups.concat();
                let area = groups.len() == 2
                    && groups[0].starts_with('0')
                    && (3..=4).contains(&groups[0].len())
                    && (7..=8).contains(&groups[1].len());
                let service =
                    (joined.starts_with("400") || joined.starts_with("800")) && joined.len() == 10;
                let mobile = groups.len() == 1
                    && joined.len() == 11
                    && joined.starts_with('1')
                    && (b'3'..=b'9').contains(&joined.as_bytes()[1]);
                area || service || mobile
            })
        }
        let texts = [
            "010-83251700",
            "0755-1234567 和 400-889-0008",
            "4008890008",
            "8001234567",
            "13812345678",
            "12812345678",
            "1-3812345678",
            "--010-83251700-",
            "2020-2021年",
            "10120180014",
            "电话:010 8325 1700",
            "Tel: 12345",
            "ICP备 京ICP备17054264号 Copyright WWW.EXAMPLE.CN HTTP://A",
            "İcp备 xx",
            "记者 王明",
            "本站声明:转载请联系我们",
        ];
        let all: [&Cues; 8] = [
            &NOTE_CUES,
            &URLS,
            &NAVIGATION,
            &LEGAL_CUES,
            &ADDRESS_CUES,
            &CREDITS,
            &Cues::new(LICENCE_WORDS),
            &Cues::new(COPYRIGHT_WORDS),
        ];
        for text in texts {
            assert_eq!(phone_shaped(text), shaped_slow(text), "{text}");
            // A list whose gate bit is off has no word in the line or its lower case.
            let facts = Facts::of(text);
            for (cues, bit) in all.iter().zip([
                GATE_NOTE,
                GATE_URL,
                GATE_NAVIGATION,
                GATE_LEGAL,
                GATE_ADDRESS,
                GATE_CREDIT,
                GATE_LICENCE,
                GATE_COPYRIGHT,
            ]) {
                if facts.gate & bit == 0 {
                    assert!(!cues.occurs_in(text), "{text}");
                    assert!(!cues.occurs_in(&text.to_lowercase()), "{text}");
                }
            }
        }
    }

    /// `has_date` as it was written over characters: the reference for the byte version.
    fn has_date_chars(text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit()) {
                let year = count_digits(&chars[i..]);
                if year == 4 {
                    let mut j = i + 4;
                    let mut parts = 0;
                    for sep in [['-', '/', '.', '年'], ['-', '/', '.', '月']] {
                        if chars.get(j).is_some_and(|c| sep.contains(c)) {
                            let n = count_digits(&chars[j + 1..]);
                            if (1..=2).contains(&n) {
                                parts += 1;
                                j += 1 + n;
                                continue;
                            }
                        }
                        break;
                    }
                    if parts == 2 {
                        return true;
                    }
                }
                i += year.max(1);
            } else {
                i += 1;
            }
        }
        false
    }

    #[test]
    fn byte_dates_are_char_dates() {
        let made_up = [
            "2023-07-27",
            "发布于2024/9/20 10:00",
            "2023年11月17日",
            "2023年11月",
            "2023年11月117日",
            "12023-07-27",
            "2023-07-2７",
            "2023-7-",
            "2023/07/",
            "2023.1.1.",
            "1999年　第20卷　第4期",
            "２０２３年１１月１７日",
            "20231-1-1 2023-1-1",
            "2023-1年1",
            "2023年1-1",
            "2023",
            "年月2023年",
            "",
        ];
        let seeds = crate::seeds::SEED_ARTICLES
            .iter()
            .flat_map(|(_, t)| t.lines());
        let mut dated = 0;
        for text in made_up.into_iter().chain(seeds) {
            assert_eq!(has_date(text), has_date_chars(text), "{text}");
            dated += usize::from(has_date(text));
        }
        assert!(dated >= 8, "{dated}");
    }

    #[test]
    fn date_and_phone_shapes() {
        assert!(has_date("2023-07-27"));
        assert!(has_date("发布于2024/9/20"));
        assert!(has_date("2023年11月17日"));
        assert!(!has_date("2020-2021年"));
        assert!(!has_date("2023年全年"));
        assert!(has_time("16:43:20"));
        assert!(!has_time("比分3:2"));
        assert!(has_phone("010-83251700"));
        assert!(has_phone("13812345678"));
        assert!(has_phone("400-889-0008"));
        assert!(!has_phone("2020-2021年"));
        assert!(!has_phone("10120180014"));
        assert!(!has_phone("增至21个"));
    }

    #[test]
    fn cues_find_what_substring_search_finds() {
        let lists: [&Cues; 8] = [
            &NAVIGATION,
            &LEGAL_CUES,
            &ADDRESS_CUES,
            &CREDITS,
            &URLS,
            &Cues::new(&["icp备", "备案号"]),
            &Cues::new(&["©", "all rights reserved", "𠀀字"]),
            &Cues::new(&[]),
        ];
        let texts = [
            "",
            "推荐内容",
            "如需转载请与《每日经济新闻》报社联系。联系我们",
            "记者记者 孙冰 | 北京报道,编辑/范辉",
            "更多内容请访问 https://example.cn/a 或 www.example.cn",
            "京ICP备17054264号 icp备 备案号",
            "© 2024 all rights reserved 𠀀字",
            "点击点赞转发,欢迎您订阅",
        ];
        for cues in lists {
            for text in texts {
                let slow: Vec<&str> = cues
                    .words
                    .iter()
                    .copied()
                    .filter(|w| text.contains(w))
                    .collect();
                assert_eq!(cues.present_in(text).collect::<Vec<_>>(), slow, "{text}");
                assert_eq!(cues.occurs_in(text), !slow.is_empty(), "{text}");
                let mut all: Vec<(usize, &str)> = cues
                    .words
                    .iter()
                    .flat_map(|w| text.match_indices(w))
                    .collect();
                all.sort();
                let mut found: Vec<(usize, &str)> = cues.occurrences(text).collect();
                found.sort();
                assert_eq!(found, all, "{text}");
            }
        }
    }

    #[test]
    fn credit_words_never_overlap_themselves() {
        // `is_byline` looks at every occurrence; `match_indices` (what it replaced) skips
        // overlapping ones. They agree because no credit word overlaps itself.
        for w in CREDITS.words {
            let chars: Vec<char> = w.chars().collect();
            assert!(
                (1..chars.len()).all(|k| chars[..k] != chars[chars.len() - k..]),
                "{w}"
            );
        }
    }

    #[test]
    fn caseless_characters_lower_case_to_themselves() {
        for c in (0..=0x10_FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| is_caseless(c))
        {
            assert!(c.to_lowercase().eq([c]), "U+{:04X}", c as u32);
        }
        assert_eq!(lower_case("京ICP备"), "京icp备");
        assert!(matches!(lower_case("京icp备，。"), Cow::Borrowed(_)));
        assert_eq!(lower_case("İcp"), "İcp".to_lowercase());
    }

    fn drafts(lines: &[&str]) -> Vec<Draft> {
        lines
            .iter()
            .enumerate()
            .map(|(i, t)| Draft {
                rule: line_signal(t).map(Rule::Furniture),
                ..Draft::new(i + 1, (*t).to_string())
            })
            .collect()
    }

    #[test]
    fn related_reading_lists_go_titles_stay() {
        let mut doc = drafts(&[
            "这是最后一段正文,讲述了大模型产业的未来发展方向和主要挑战。",
            "相关阅读",
            "拥抱AI浪潮 算力产业链跑出“加速度”",
            "经济参考报 2024-09-22",
            "多款人形机器人同台竞技 算力供给迈向普惠阶段",
            "证券日报 2024-07-07",
            "新能源车企加速出海 欧洲市场成为新的增长点",
            "某某客户端 2024-06-01",
        ]);
        mark_listings(&mut doc, 15);
        assert_eq!(doc[0].rule, None);
        assert!(doc[1..].iter().all(|d| d.rule.is_some()));
        assert_eq!(doc[2].rule, Some(Rule::Furniture(Signal::Listing)));

        let mut top = drafts(&[
            "AI“百模大战”现状:向垂直、B端谋场景 算力仍是主要制约因素",
            "国际金融报 2023-11-17 11:11",
            "AI(人工智能)大模型正“飞入”百姓家和行业中。",
        ]);
        mark_listings(&mut top, 15);
        assert_eq!(top[0].rule, None);

        // Title, metadata, byline, heading, paragraph: a header, not a menu.
        let mut header = drafts(&[
            "大模型产业观察",
            "来源:某某网   发布日期:2024-03-01 10:00:00   浏览:1234次",
            "记者 王明 | 上海报道",
            "通用还是垂直",
            "随着更多大型人工智能模型的备案和应用落地,大模型正越来越多地针对特定垂直行业进行优化。",
        ]);
        mark_listings(&mut header, 15);
        assert_eq!(header[0].rule, None);
        assert_eq!(header[3].rule, None);

        // A footer menu with nothing after it goes.
        let mut footer = drafts(&[
            "正文最后一句。",
            "赞助本站",
            "人工智能实验室",
            "相关内容",
            "展开",
        ]);
        mark_listings(&mut footer, 15);
        assert_eq!(footer[2].rule, Some(Rule::Furniture(Signal::Listing)));
    }

    #[test]
    fn repeated_short_lines_go_repeated_headings_stay() {
        let para = "这是一段足够长的正文,用来说明重复出现的标题后面紧跟正文时应当保留。";
        let mut docs = vec![
            drafts(&["推荐内容", "市场展望", para]),
            drafts(&["正文。", "推荐内容", "市场展望", para]),
        ];
        for doc in &mut docs {
            for d in doc.iter_mut() {
                d.rule = None;
            }
        }
        mark_repeated(&mut docs, 15);
        assert_eq!(docs[0][0].rule, Some(Rule::Furniture(Signal::Repeated)));
        assert_eq!(docs[1][1].rule, Some(Rule::Furniture(Signal::Repeated)));
        assert_eq!(docs[0][1].rule, None);
        assert_eq!(docs[1][2].rule, None);
    }
}
