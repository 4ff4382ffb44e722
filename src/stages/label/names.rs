//! Which of a theme's terms are people's names: they stay in the theme's `terms` (marked
//! `kind: "person"`) but never label it (`侯方` names the person quoted, not the theme).
//!
//! jieba-rs's tagger gives only the dictionary's tag (its HMM guess for unknown words needs
//! jieba-rs's own dictionary, which zhuti does not build in), and most names in news are not in
//! the dictionary (侯方, 史占中, 于佳宁), while some dictionary words are wrongly tagged `nr`
//! (明白, 文明, 王朝). So a term is a person's name when
//!
//! 1. it is **shaped like a Chinese name**: two or three Han characters starting with a common
//!    surname (or four starting with a two-character one), and either the dictionary tags it
//!    `nr`/`nrfg`/`nrt` or the dictionary does not list it; and
//! 2. **the text treats it as a person**: at least [`MIN_PERSON_SHARE`] of its occurrences
//!    (counted in the units that hold it, up to [`MAX_OCCURRENCES`]) are followed by a verb of
//!    speech or thought (表示, 认为, 指出, ...) or preceded by a role or title (教授, 董事长,
//!    CEO, ...) or a closing quote (`”侯方说`). News quotes people this way nearly every time it
//!    names them, and almost never writes a topic word so.
//!
//! The names of newspapers and magazines are told apart the same way ([`periodicals`]): the
//! term ends like a periodical's name (报, 刊, 杂志: 中国经济周刊, 人民日报) and at least
//! [`MIN_TITLE_SHARE`] of its occurrences are a whole title in book-title marks
//! (`接受《中国经济周刊》采访`). Such a term names who reported, not what about: it stays in
//! `terms` (`kind: "periodical"`) and labels nothing. Other titles (a film, a book, a law)
//! can name a theme and stay label terms.
//!
//! Written by hand: no crate does Chinese name recognition without a model to download.

use rustc_hash::FxHashMap;

/// The most common single-character surnames (about 90% of China's population).
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董\
袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史\
陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关\
兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕\
屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬\
边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";

/// Two-character surnames.
const COMPOUND_SURNAMES: [&str; 10] = [
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
];

/// What follows a person's name in news: verbs of speech and thought.
const AFTER_NAME: [&str; 30] = [
    "表示",
    "认为",
    "指出",
    "说",
    "称",
    "介绍",
    "解释",
    "坦言",
    "强调",
    "提到",
    "告诉",
    "透露",
    "分析",
    "建议",
    "提出",
    "谈到",
    "直言",
    "补充",
    "回忆",
    "预计",
    "判断",
    "举例",
    "以",
    "还",
    "也",
    "则",
    "曾",
    "在接受",
    "对",
    "向",
];

/// What precedes a person's name in news: roles, titles, a closing quote.
const BEFORE_NAME: [&str; 38] = [
    "教授",
    "主任",
    "董事长",
    "CEO",
    "COO",
    "CTO",
    "创始人",
    "总裁",
    "院长",
    "经理",
    "专家",
    "研究员",
    "负责人",
    "合伙人",
    "主席",
    "部长",
    "书记",
    "秘书长",
    "分析师",
    "所长",
    "经济学家",
    "理事",
    "会长",
    "局长",
    "市长",
    "省长",
    "总理",
    "总统",
    "先生",
    "女士",
    "博士",
    "总监",
    "代表",
    "委员",
    "记者",
    "首席执行官",
    "”",
    "如",
];

/// How a periodical's name ends ([`periodicals`]).
const PERIODICAL_ENDINGS: [&str; 3] = ["报", "刊", "杂志"];

/// Share of a term's occurrences written as a whole 《title》 that makes a periodical-shaped
/// term a periodical's name.
pub const MIN_TITLE_SHARE: f64 = 0.5;

/// The share of `term`'s occurrences in `texts` that are a whole title in book-title marks
/// (`《term》`), over at most [`MAX_OCCURRENCES`] occurrences; 0 when it does not occur.
pub fn title_share<'t>(term: &str, texts: impl IntoIterator<Item = &'t str>) -> f64 {
    share_where(term, texts, |before, after| {
        before.ends_with('《') && after.starts_with('》')
    })
}

/// The share of `term`'s occurrences in `texts` (at most [`MAX_OCCURRENCES`] of them) whose
/// text before and after passes `context`; 0 when it does not occur.
fn share_where<'t>(
    term: &str,
    texts: impl IntoIterator<Item = &'t str>,
    context: impl Fn(&str, &str) -> bool,
) -> f64 {
    let (mut seen, mut passed) = (0usize, 0usize);
    'texts: for text in texts {
        for (at, _) in text.match_indices(term) {
            if context(&text[..at], &text[at + term.len()..]) {
                passed += 1;
            }
            seen += 1;
            if seen >= MAX_OCCURRENCES {
                break 'texts;
            }
        }
    }
    if seen == 0 {
        0.0
    } else {
        passed as f64 / seen as f64
    }
}

/// Which of `candidates` (term, the texts holding it) are the names of periodicals: shaped
/// like one (two characters or more before a [`PERIODICAL_ENDINGS`] ending) and written as
/// a whole 《title》 at least [`MIN_TITLE_SHARE`] of the time.
pub fn periodicals<'t, I>(candidates: impl IntoIterator<Item = (usize, &'t str, I)>) -> Vec<usize>
where
    I: IntoIterator<Item = &'t str>,
{
    shaped_and_placed(
        candidates,
        |term| {
            PERIODICAL_ENDINGS
                .iter()
                .any(|end| term.ends_with(end) && term.chars().count() > end.chars().count() + 1)
        },
        |term, texts| title_share(term, texts) >= MIN_TITLE_SHARE,
    )
}

/// The ids of `candidates` whose term has the `shape` and whose texts show it in `place`,
/// sorted (the shape is checked first: it is cheap, and most terms fail it).
fn shaped_and_placed<'t, I>(
    candidates: impl IntoIterator<Item = (usize, &'t str, I)>,
    shape: impl Fn(&str) -> bool,
    place: impl Fn(&str, I) -> bool,
) -> Vec<usize>
where
    I: IntoIterator<Item = &'t str>,
{
    let mut ids: Vec<usize> = candidates
        .into_iter()
        .filter(|(_, term, _)| shape(term))
        .filter_map(|(id, term, texts)| place(term, texts).then_some(id))
        .collect();
    ids.sort_unstable();
    ids
}

/// How an outlet's dateline tag ends ([`datelines`]): 新浪体育讯, 中新网, 新华社.
const DATELINE_ENDINGS: [char; 3] = ['讯', '网', '社'];

/// Share of a dateline-shaped term's occurrences in a dateline's place that makes it an
/// outlet's dateline tag.
pub const MIN_DATELINE_SHARE: f64 = 0.5;

/// How many characters after a dateline tag its date or time may start (`新华社北京3月5日电`).
const DATE_WITHIN: usize = 8;

/// The share of `term`'s occurrences in `texts` (at most [`MAX_OCCURRENCES`]) in a
/// dateline's place: opening a paragraph (nothing before them on their line but spaces and
/// opening brackets), or followed within [`DATE_WITHIN`] characters by a date or time (a
/// digit then 月 or 日, 北京时间, 当地时间).
pub fn dateline_share<'t>(term: &str, texts: impl IntoIterator<Item = &'t str>) -> f64 {
    share_where(term, texts, |before, after| {
        let line = before.rsplit('\n').next().unwrap_or(before);
        let opens = line
            .trim_matches([' ', '　', '【', '[', '(', '（'])
            .is_empty();
        let end = after
            .char_indices()
            .nth(DATE_WITHIN + 4)
            .map_or(after.len(), |(at, _)| at);
        let soon = &after[..end];
        let dated = soon.contains("北京时间")
            || soon.contains("当地时间")
            || soon.char_indices().take(DATE_WITHIN).any(|(at, c)| {
                c.is_ascii_digit()
                    && soon[at..]
                        .trim_start_matches(|d: char| d.is_ascii_digit())
                        .starts_with(['月', '日'])
            });
        opens || dated
    })
}

/// Which of `candidates` (term, the texts holding it) are outlets' dateline tags
/// (`新浪体育讯北京时间4月12日`, `中新网3月5日电`): three characters or more ending in a
/// [`DATELINE_ENDINGS`] character, in a dateline's place ([`dateline_share`]) at least
/// [`MIN_DATELINE_SHARE`] of the time. Words of the page, not of the article: listed as
/// furniture, never a label.
pub fn datelines<'t, I>(candidates: impl IntoIterator<Item = (usize, &'t str, I)>) -> Vec<usize>
where
    I: IntoIterator<Item = &'t str>,
{
    shaped_and_placed(
        candidates,
        |term| term.chars().count() >= 3 && term.ends_with(DATELINE_ENDINGS.as_slice()),
        |term, texts| dateline_share(term, texts) >= MIN_DATELINE_SHARE,
    )
}

/// Share of a term's occurrences in a person's context that makes it a name.
pub const MIN_PERSON_SHARE: f64 = 0.3;
/// Occurrences looked at per term (enough to judge, bounded on large corpora).
pub const MAX_OCCURRENCES: usize = 200;

/// What the dictionary says of a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DictTag {
    /// Tagged as a person's name (`nr`, `nrfg`, `nrt`).
    Person,
    /// Listed as a word that names a thing: a noun of any kind but a name (`n`, `ns`, `nt`,
    /// `nz`, ...), a verbal or adjectival noun (`vn`, `an`), an abbreviation (`j`), an idiom
    /// or set phrase (`i`, `l`), a foreign word (`eng`).
    Nominal,
    /// Listed with another tag: verbs, adverbs, pronouns, distinguishing words, ...
    Other,
    /// Not listed.
    Unlisted,
}

impl DictTag {
    /// From a jieba part-of-speech tag (`None`: not in the dictionary).
    pub fn of(tag: Option<&str>) -> Self {
        match tag {
            Some(t) if t.starts_with("nr") => DictTag::Person,
            Some(t) if t.starts_with('n') || matches!(t, "vn" | "an" | "j" | "i" | "l" | "eng") => {
                DictTag::Nominal
            }
            Some(_) => DictTag::Other,
            None => DictTag::Unlisted,
        }
    }
}

/// Is `term` shaped like a Chinese name (rule 1 of the module docs)?
pub fn name_shaped(term: &str, tag: DictTag) -> bool {
    if matches!(tag, DictTag::Nominal | DictTag::Other) {
        return false;
    }
    let chars: Vec<char> = term.chars().collect();
    if !chars.iter().all(|&c| crate::stages::segment::is_han(c)) {
        return false;
    }
    let compound = COMPOUND_SURNAMES.iter().any(|s| term.starts_with(s));
    match chars.len() {
        2 | 3 => compound || SURNAMES.contains(chars[0]),
        4 => compound,
        _ => false,
    }
}

/// The share of `term`'s occurrences in `texts` written as a person's (rule 2), over at most
/// [`MAX_OCCURRENCES`] occurrences; 0 when it does not occur.
pub fn person_share<'t>(term: &str, texts: impl IntoIterator<Item = &'t str>) -> f64 {
    share_where(term, texts, |before, after| {
        AFTER_NAME.iter().any(|w| after.starts_with(w))
            || BEFORE_NAME.iter().any(|w| before.ends_with(w))
    })
}

/// Which of `candidates` (term, dictionary tag, the texts holding it) are people's names.
pub fn persons<'t, I>(
    candidates: impl IntoIterator<Item = (usize, &'t str, DictTag, I)>,
) -> Vec<usize>
where
    I: IntoIterator<Item = &'t str>,
{
    let mut found: FxHashMap<usize, ()> = FxHashMap::default();
    for (id, term, tag, texts) in candidates {
        if name_shaped(term, tag) && person_share(term, texts) >= MIN_PERSON_SHARE {
            found.insert(id, ());
        }
    }
    let mut ids: Vec<usize> = found.into_keys().collect();
    ids.sort_unstable();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datelines_need_the_ending_and_a_datelines_place() {
        let texts = |t: &'static [&'static str]| t.iter().copied();
        // Glued to the title before it, dated after it (THUCNews), or opening its paragraph.
        let sport = texts(&["火箭坚持至今已不容易新浪体育讯北京时间4月12日,火箭主场迎战小牛"]);
        let wire = texts(&["中新网3月5日电 台湾当局", "【中新网】据报道"]);
        let xinhua = texts(&["新华社北京3月5日电 国务院"]);
        assert_eq!(
            datelines([
                (1, "新浪体育讯", sport),
                (2, "中新网", wire),
                (3, "新华社", xinhua)
            ]),
            vec![1, 2, 3]
        );
        // A word of the article: the same endings, in a sentence's middle.
        let prose = texts(&["我们通过互联网购买了新产品", "他加入了通讯社"]);
        assert_eq!(
            datelines([(4, "互联网", prose.clone()), (5, "通讯社", prose)]),
            Vec::<usize>::new()
        );
        // Too short to be an outlet's tag.
        assert_eq!(
            datelines([(6, "腾讯", texts(&["腾讯3月5日发布"]))]),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn periodicals_need_the_ending_and_the_title_marks() {
        let texts = [
            "汤志伟在接受《中国经济周刊》采访时表示,大模型正在分化。",
            "他告诉《中国经济周刊》记者,算力仍是瓶颈。",
        ];
        let candidates = |term: &'static str| (7, term, texts);
        assert_eq!(periodicals([candidates("中国经济周刊")]), vec![7]);
        // A title that is no periodical (a law, a film) can name a theme.
        let law = ["《生成式人工智能服务管理暂行办法》于8月施行。"];
        assert_eq!(periodicals([(1, "暂行办法", law)]), Vec::<usize>::new());
        // A periodical-shaped word the text does not write as a title (a 周报 is a report).
        let plain = ["公司每周发布行业周报,分析算力价格。"];
        assert_eq!(periodicals([(2, "行业周报", plain)]), Vec::<usize>::new());
        assert_eq!(title_share("行业周报", plain), 0.0);
    }

    #[test]
    fn names_need_the_shape_and_a_person_context() {
        assert!(name_shaped("侯方", DictTag::Unlisted));
        assert!(name_shaped("汤志伟", DictTag::Person));
        assert!(name_shaped("欧阳明高", DictTag::Unlisted));
        // A listed word with another tag, a word not starting with a surname, Latin.
        assert!(!name_shaped("腾讯", DictTag::Other));
        assert!(!name_shaped("算力", DictTag::Unlisted));
        assert!(!name_shaped("王ab", DictTag::Unlisted));
        let texts = [
            "侯方以腾讯为例，过去云厂商对外主要提供三种服务形态。",
            "“单点的AI能力很难直接成为一种服务。”侯方说。",
            "侯方认为，大模型要走进行业。",
        ];
        assert_eq!(person_share("侯方", texts), 1.0);
        // 明白 is tagged nr by jieba, but the text never writes it as a person.
        assert!(name_shaped("明白", DictTag::Person));
        assert_eq!(
            person_share("明白", ["我们明白了这个道理。", "说明白一点"]),
            0.0
        );
        assert_eq!(person_share("侯方", ["没有这个词"]), 0.0);
        let found = persons([
            (3, "侯方", DictTag::Unlisted, texts.to_vec()),
            (1, "明白", DictTag::Person, vec!["我们明白了。"]),
            (2, "腾讯", DictTag::Other, texts.to_vec()),
        ]);
        assert_eq!(found, vec![3]);
    }
}
