//! Step 1, normalise: strip pinyin glosses (well-formed and damaged), then fold full-width
//! letters, digits and spaces. Traditional→simplified conversion sits between the two (see
//! [`super::Converter`]); [`super::normalize_line`] composes the three.

/// Is `c` a Latin vowel (or nasal) carrying a pinyin tone mark: ā á ǎ à …, ǖ ǘ ǚ ǜ, ń ň ǹ ḿ?
pub fn is_tone_marked(c: char) -> bool {
    matches!(
        c,
        'ā' | 'á'
            | 'ǎ'
            | 'à'
            | 'ē'
            | 'é'
            | 'ě'
            | 'è'
            | 'ī'
            | 'í'
            | 'ǐ'
            | 'ì'
            | 'ō'
            | 'ó'
            | 'ǒ'
            | 'ò'
            | 'ū'
            | 'ú'
            | 'ǔ'
            | 'ù'
            | 'ǖ'
            | 'ǘ'
            | 'ǚ'
            | 'ǜ'
            | 'ń'
            | 'ň'
            | 'ǹ'
            | 'ḿ'
    )
}

/// The toneless base letter of a lower-case pinyin letter, or `None` for anything else.
fn base_letter(c: char) -> Option<char> {
    Some(match c {
        'a'..='z' => c,
        'ā' | 'á' | 'ǎ' | 'à' => 'a',
        'ē' | 'é' | 'ě' | 'è' => 'e',
        'ī' | 'í' | 'ǐ' | 'ì' => 'i',
        'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
        'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
        'ü' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => 'v',
        'ń' | 'ň' | 'ǹ' => 'n',
        'ḿ' => 'm',
        _ => return None,
    })
}

const FINALS: &[&str] = &[
    "a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "er", "i", "ia", "ie",
    "iao", "iu", "ian", "in", "iang", "ing", "iong", "io", "u", "ua", "uo", "uai", "ui", "uan",
    "un", "uang", "ue", "v", "ve", "van", "vn", "m", "n", "ng", "ueng",
];

/// Is `word` one pinyin syllable written with a tone mark (`wù`, `shè`, `guī`, `lüè`)?
/// Shapes only (initial + final), so `café` or `José` never count.
pub fn is_toned_syllable(word: &str) -> bool {
    let mut base = String::with_capacity(word.len());
    let mut tone = false;
    for c in word.chars() {
        match base_letter(c) {
            Some(b) => base.push(b),
            None => return false,
        }
        tone |= is_tone_marked(c);
    }
    if !tone || base.len() > 6 {
        return false;
    }
    let rest = ["zh", "ch", "sh"]
        .iter()
        .find_map(|i| base.strip_prefix(i))
        .or_else(|| {
            base.strip_prefix(|c: char| "bpmfdtnlgkhjqxrzcsyw".contains(c))
                .filter(|r| !r.is_empty())
        })
        .unwrap_or(&base);
    FINALS.contains(&rest) || FINALS.contains(&base.as_str())
}

fn is_open(c: char) -> bool {
    c == '(' || c == '（'
}

fn is_close(c: char) -> bool {
    c == ')' || c == '）'
}

fn is_pinyin_char(c: char) -> bool {
    base_letter(c).is_some()
}

/// Removes pinyin glosses: a parenthesised run of toned syllables (`服務(wù)`, `以O(shè)penAI`,
/// `(guó jiā)`), and the remains of glosses damaged in transit — a toned syllable with a lost
/// bracket or a `?` in its place (`?guī)`, `?yàn)`, `(jì`). Real parentheticals stay: `(HFU)`,
/// `(B2C)`, `(美国人工智能研究公司)`, `(abc)`.
pub fn strip_pinyin_glosses(text: &str) -> String {
    // Every gloss has a tone-marked letter; text without one is returned as it is.
    if !text.chars().any(is_tone_marked) {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if is_open(chars[i]) {
            if let Some(len) = paren_gloss_len(&chars[i..]) {
                i += len;
                continue;
            }
        }
        if is_pinyin_char(chars[i]) && (i == 0 || !is_pinyin_char(chars[i - 1])) {
            let end = (i..chars.len())
                .find(|&j| !is_pinyin_char(chars[j]))
                .unwrap_or(chars.len());
            let word: String = chars[i..end].iter().collect();
            let uppercase_before = i > 0 && chars[i - 1].is_ascii_uppercase();
            if !uppercase_before && is_toned_syllable(&word) {
                // A bare toned syllable: drop it with a stray opener (or `?`) before it and a
                // closer after it.
                if out.ends_with(['(', '（', '?', '？']) {
                    out.pop();
                }
                i = if end < chars.len() && is_close(chars[end]) {
                    end + 1
                } else {
                    end
                };
                continue;
            }
            out.push_str(&word);
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Length of a parenthesised gloss at `chars[0]` (an opening bracket): one or more toned
/// syllables separated by spaces or apostrophes, then a closing bracket.
fn paren_gloss_len(chars: &[char]) -> Option<usize> {
    let close = chars.iter().take(32).position(|&c| is_close(c))?;
    let inner: String = chars[1..close].iter().collect();
    let words: Vec<&str> = inner
        .split([' ', '\'', '’', '-'])
        .filter(|w| !w.is_empty())
        .collect();
    let all_pinyin = !words.is_empty()
        && words
            .iter()
            .all(|w| w.chars().all(is_pinyin_char) && (is_toned_syllable(w) || w.len() <= 6));
    let toned = words.iter().any(|w| is_toned_syllable(w));
    (all_pinyin && toned).then_some(close + 1)
}

/// Does [`strip_controls`] change `c`? Control characters (C0 but tab, line feed and
/// carriage return; DEL; C1) have no place in a paragraph and could drive a terminal.
#[inline]
pub fn is_removed_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Removes control characters ([`is_removed_control`]): the ones that separate text
/// (vertical tab, form feed, next line U+0085) become a space, the rest (NUL, ESC, DEL, the
/// C1 controls …) go.
pub fn strip_controls(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{b}' | '\u{c}' | '\u{85}' => Some(' '),
            _ if is_removed_control(c) => None,
            _ => Some(c),
        })
        .collect()
}

/// Does [`fold_width`] change `c`?
pub fn folds(c: char) -> bool {
    matches!(c, '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' | '｜' | '\u{3000}' | '\u{00A0}')
}

/// Folds full-width ASCII (`ＧＰＵ４`, `｜`) and the ideographic and no-break spaces to their
/// ASCII forms; CJK punctuation (，。：) is left alone.
///
/// Every folding character's UTF-8 starts with 0xEF (U+FF10..), 0xE3 (U+3000) or 0xC2
/// (U+00A0), so the runs between those bytes (found with `memchr3`) are copied whole.
pub fn fold_width(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // A lead byte (0xC2 and up) is always at a character boundary.
    while let Some(at) = memchr::memchr3(0xEF, 0xE3, 0xC2, rest.as_bytes()) {
        let (run, tail) = rest.split_at(at);
        out.push_str(run);
        let mut chars = tail.chars();
        let Some(c) = chars.next() else {
            break; // unreachable: `at` is a byte of `rest`
        };
        out.push(fold_char(c));
        rest = chars.as_str();
    }
    out.push_str(rest);
    out
}

/// One character of [`fold_width`].
fn fold_char(c: char) -> char {
    match c {
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' | '｜' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        '\u{3000}' | '\u{00A0}' => ' ',
        _ => c,
    }
}

/// Counts the characters that carry meaning: letters (Han included) and digits.
pub fn letter_count(text: &str) -> usize {
    // Byte by byte where that is enough to tell: ASCII, and three-byte sequences led by
    // 0xE5..=0xE9 (U+5000..=U+9FFF, all Han); anything else is decoded.
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            count += usize::from(b.is_ascii_alphanumeric());
            i += 1;
        } else if (0xE5..=0xE9).contains(&b) {
            count += 1;
            i += 3;
        } else {
            let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                break; // unreachable: `i` is always at a character boundary
            };
            count += usize::from(is_letter_or_digit(c));
            i += c.len_utf8();
        }
    }
    count
}

/// The letters and digits of `text`, lower-cased, given to `push` one by one: the key under
/// which two lines say the same thing (punctuation, spacing and case aside).
#[inline]
pub fn letter_key(text: &str, mut push: impl FnMut(char)) {
    for c in text.chars() {
        match c {
            // ASCII and Han answered directly; Han has no case.
            '\0'..='\x7f' if c.is_ascii_alphanumeric() => push(c.to_ascii_lowercase()),
            '\0'..='\x7f' => {}
            '\u{4E00}'..='\u{9FFF}' => push(c),
            _ if is_letter_or_digit(c) => c.to_lowercase().for_each(&mut push),
            _ => {}
        }
    }
}

/// Exactly [`char::is_alphanumeric`], answered without the Unicode table search for the
/// characters news text is made of (ASCII, common Han, CJK and general punctuation). Cleaning
/// asks this of every character several times, so the shortcut matters.
#[inline]
pub fn is_letter_or_digit(c: char) -> bool {
    match c {
        '\0'..='\x7f' => c.is_ascii_alphanumeric(),
        // CJK Unified Ideographs: all letters.
        '\u{4E00}'..='\u{9FFF}' => true,
        // General punctuation; CJK spaces, brackets and marks; full-width punctuation.
        '\u{2000}'..='\u{206F}'
        | '\u{3000}'..='\u{3004}'
        | '\u{3008}'..='\u{3020}'
        | '\u{FF01}'..='\u{FF0F}'
        | '\u{FF1A}'..='\u{FF20}' => false,
        _ => c.is_alphanumeric(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_glosses_go() {
        assert_eq!(strip_pinyin_glosses("服務(wù)平臺"), "服務平臺");
        assert_eq!(strip_pinyin_glosses("進(jìn)行"), "進行");
        assert_eq!(
            strip_pinyin_glosses("與以O(shè)penAI(美國"),
            "與以OpenAI(美國"
        );
        assert_eq!(strip_pinyin_glosses("關(guān)注"), "關注");
        assert_eq!(strip_pinyin_glosses("領(lǐng)域"), "領域");
    }

    #[test]
    fn damaged_seed_glosses_go() {
        // `?` took the place of a lost character and its opening bracket.
        assert_eq!(strip_pinyin_glosses("規(guī)?;⒁?guī)範化"), "規?;⒁範化");
        assert_eq!(strip_pinyin_glosses("因?yàn)轭A(yù)期"), "因轭A期");
        assert_eq!(strip_pinyin_glosses("當(dāng)?shù)胤e累了"), "當胤e累了");
        assert_eq!(strip_pinyin_glosses("一哄而下,F(xiàn)在"), "一哄而下,F在");
    }

    #[test]
    fn made_up_glosses_go() {
        assert_eq!(strip_pinyin_glosses("國(guó)家(jiā)"), "國家");
        assert_eq!(strip_pinyin_glosses("國家（guó jiā）"), "國家");
        assert_eq!(strip_pinyin_glosses("綠(lǜ)色"), "綠色");
        assert_eq!(strip_pinyin_glosses("略(lüè)"), "略");
        assert_eq!(strip_pinyin_glosses("以G(pí)PU為例"), "以GPU為例");
        assert_eq!(strip_pinyin_glosses("數(shù"), "數");
        assert_eq!(strip_pinyin_glosses("經濟jì發展"), "經濟發展");
    }

    #[test]
    fn real_parentheticals_and_words_stay() {
        for keep in [
            "合肥工业大学(HFU)",
            "消费者应用(B2C)",
            "(美国人工智能研究公司)",
            "(abc)",
            "(Know-How)",
            "硬件算力效率(HFU)超过60%",
            "(2024—2026年)",
            "咖啡馆(café)开业",
            "José Mourinho 执教",
            "Pokémon 游戏",
            "a(n)",
            "大模型?是面向B端",
        ] {
            assert_eq!(strip_pinyin_glosses(keep), keep, "{keep}");
        }
    }

    #[test]
    fn syllable_shapes() {
        for yes in [
            "wù", "shè", "guī", "yàn", "lǜ", "zhuàng", "ǎi", "ńg", "xiàn",
        ] {
            assert!(is_toned_syllable(yes), "{yes}");
        }
        for no in ["wu", "café", "José", "résumé", "ab", "é2"] {
            assert!(!is_toned_syllable(no), "{no}");
        }
    }

    #[test]
    fn folds_says_what_fold_width_changes() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let folded = fold_width(&c.to_string()) != c.to_string();
            assert_eq!(folds(c), folded, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn controls_go_separators_become_spaces() {
        assert_eq!(
            strip_controls("a\u{0}b\u{1b}[1mc\u{b}d\u{c}e\u{85}f\u{7f}\u{9b}g\th\r"),
            "ab[1mc d e fg\th\r"
        );
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let changed = strip_controls(&c.to_string()) != c.to_string();
            assert_eq!(is_removed_control(c), changed, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn width_folding_keeps_cjk_punctuation() {
        assert_eq!(fold_width("ＧＰＵ４，好"), "GPU4，好");
        assert_eq!(fold_width("a｜b\u{3000}c\u{a0}d"), "a|b c d");
    }

    #[test]
    fn letter_or_digit_is_exactly_is_alphanumeric() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(
                is_letter_or_digit(c),
                c.is_alphanumeric(),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn letter_key_is_alphanumerics_lower_cased() {
        let all: String = (0..=0x10_FFFF).filter_map(char::from_u32).collect();
        let slow: String = all
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        let key = |text: &str| {
            let mut key = String::new();
            letter_key(text, |c| key.push(c));
            key
        };
        assert_eq!(key(&all), slow);
        assert_eq!(key("ＧＰＵ-4，大模型İ"), "ｇｐｕ4大模型i\u{307}");
    }

    #[test]
    fn letters_count_han_latin_digits() {
        let all: String = (0..=0x10_FFFF).filter_map(char::from_u32).collect();
        let slow = all.chars().filter(|c| c.is_alphanumeric()).count();
        assert_eq!(letter_count(&all), slow);
        assert_eq!(letter_count("扫一扫,加关注"), 6);
        assert_eq!(letter_count("GPU-4 好"), 5);
    }
}
