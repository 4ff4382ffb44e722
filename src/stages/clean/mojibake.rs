//! Re-aligns GBK text that was decoded one byte out of step.
//!
//! Scraped Chinese pages sometimes lose a byte of a GBK character on their way to UTF-8. The
//! converter then prints `?` for what it cannot read and decodes the rest of the run shifted by
//! one byte, pairing each character's trail byte with the next one's lead, until a trail byte
//! in the ASCII range (GBK trail bytes run 0x40–0xFE) falls out as a letter and puts it back in
//! step: 非常看好大模型技術 arrived as `非?春么竽Ｐ图夹g` (常 and the lead byte of 看 became `?`).
//! The bytes of the shifted run are all there, so encoding it back to GBK and decoding from its
//! second byte gives 好大模型技術; the characters behind the `?` are lost for good, so the `?`
//! stays.
//!
//! A run is re-aligned only when all of this holds (so ordinary text is left alone: on
//! fudan20's 8,192 articles the rule changes nothing, on the seeds one run):
//! - it follows a `?`, starts with a hanzi, holds at least two characters that are not ASCII,
//!   and ends in a single ASCII letter (the trail byte that put the decoder back in step)
//!   followed by something that is not a letter;
//! - any ASCII letter inside it stands alone between hanzi (a full-width letter folded to ASCII,
//!   like `Ｐ` above); English words are never part of a run;
//! - re-aligned, it is valid GBK made only of common hanzi (GB2312 level 1 or Big5 level 1),
//!   and as it stands it is not: it holds a letter or a rarer character.
//!
//! Written by hand: the mojibake fixers (ftfy and its ports) handle UTF-8 read as Latin-1 or
//! Windows-1252, not GBK pairs read out of step.

use std::borrow::Cow;

/// How far after a `?` a shifted run is looked for, in characters.
const MAX_RUN: usize = 48;

/// `line` with every shifted GBK run after a `?` re-aligned (see the module notes); borrowed
/// when nothing changes, which is the case for any line without a `?`.
pub fn realign(line: &str) -> Cow<'_, str> {
    if !line.contains('?') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut changed = false;
    while let Some(at) = rest.find('?') {
        let (before, after) = rest.split_at(at + 1);
        out.push_str(before);
        match shifted_run(after) {
            Some((consumed, realigned)) => {
                out.push_str(&realigned);
                rest = after.get(consumed..).unwrap_or_default();
                changed = true;
            }
            None => rest = after,
        }
    }
    if !changed {
        return Cow::Borrowed(line);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The longest shifted run at the start of `text` (just after a `?`): how many bytes of `text`
/// it takes (the run and its closing letter) and what it reads re-aligned.
fn shifted_run(text: &str) -> Option<(usize, String)> {
    let chars: Vec<(usize, char)> = text.char_indices().take(MAX_RUN + 1).collect();
    let first = chars.first()?.1;
    if !is_hanzi(first) {
        return None;
    }
    let mut best = None;
    let mut bytes: Vec<u8> = Vec::new();
    for (j, &(offset, c)) in chars.iter().enumerate() {
        if c.is_ascii() {
            if !c.is_ascii_alphabetic() {
                break;
            }
            let prev_ascii = j > 0 && chars.get(j - 1).is_some_and(|(_, p)| p.is_ascii());
            let next = chars.get(j + 1).map(|&(_, n)| n);
            let next_letter = next.is_some_and(|n| n.is_ascii_alphabetic());
            if prev_ascii {
                break; // an English word: no run goes through it
            }
            if !next_letter {
                if let Some(realigned) = try_realign(&bytes, c, &chars[..j]) {
                    best = Some((offset + c.len_utf8(), realigned));
                }
            }
            if next.is_some_and(is_hanzi) {
                // A lone letter between hanzi: a full-width letter folded to ASCII.
                bytes.extend_from_slice(&[0xA3, c as u8 + 0x80]);
                continue;
            }
            break;
        }
        match gbk_pair(c) {
            Some(pair) => bytes.extend_from_slice(&pair),
            None => break,
        }
    }
    best
}

/// The run `bytes` (the GBK bytes of `run`) closed by the trail byte `letter`, decoded from its
/// second byte, when that is clearly better text than `run`.
fn try_realign(bytes: &[u8], letter: char, run: &[(usize, char)]) -> Option<String> {
    if run.iter().filter(|(_, c)| !c.is_ascii()).count() < 2 {
        return None;
    }
    if run.iter().all(|&(_, c)| is_common(c)) {
        return None;
    }
    let mut shifted = bytes.get(1..)?.to_vec();
    shifted.push(letter as u8);
    let decoded = encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(&shifted)?;
    decoded
        .chars()
        .all(|c| is_hanzi(c) && is_common(c))
        .then(|| decoded.into_owned())
}

/// The two GBK bytes of `c`, when it has such a pair.
fn gbk_pair(c: char) -> Option<[u8; 2]> {
    let mut buf = [0u8; 4];
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
    match (unmappable, bytes.as_ref()) {
        (false, &[lead, trail]) => Some([lead, trail]),
        _ => None,
    }
}

/// A CJK unified ideograph of the basic block.
fn is_hanzi(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// One of the common hanzi: GB2312 level 1 (simplified) or Big5 level 1 (traditional).
fn is_common(c: char) -> bool {
    if let Some([lead, trail]) = gbk_pair(c) {
        if (0xB0..=0xD7).contains(&lead) && (0xA1..=0xFE).contains(&trail) {
            return true;
        }
    }
    let mut buf = [0u8; 4];
    let (bytes, _, unmappable) = encoding_rs::BIG5.encode(c.encode_utf8(&mut buf));
    match (unmappable, bytes.as_ref()) {
        (false, &[lead, trail]) => {
            (0xA440..=0xC67E).contains(&(u16::from(lead) << 8 | u16::from(trail)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_read_one_byte_out_of_step_is_realigned() {
        // seeds/001, line 44, as the page gave it (full-width Ｐ already folded, as there).
        assert_eq!(
            realign("騰訊非?春么竽P图夹g(shù)的發(fā)展"),
            "騰訊非?好大模型技術(shù)的發(fā)展"
        );
        // Unfolded, the full-width letter is the same pair.
        assert_eq!(realign("非?春么竽Ｐ图夹g的"), "非?好大模型技術的");
    }

    #[test]
    fn ordinary_question_marks_are_left_alone() {
        for line in [
            "大模型?是面向B端還是面向C端?",
            "这是为什么?IE的每一次Run都会",
            "ond=?；IE的每一次Run",
            "你好?谢谢a",
            "?",
            "是吗??",
            "真的?是的OK",
        ] {
            assert!(matches!(realign(line), Cow::Borrowed(_)), "{line}");
        }
    }
}
