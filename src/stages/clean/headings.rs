//! Step 4, headings: a short, title-like line followed by a paragraph is that paragraph's
//! heading (section headings such as `算力仍是主要制约因素`, and article titles, which may be
//! separated from the first paragraph by dropped furniture such as an outlet/date line).

use super::furniture::has_sentence_end;
use super::normalize::letter_count;
use super::{Draft, Rule};

/// Letters a heading may have at most.
pub const MAX_HEADING_LETTERS: usize = 40;
/// Letters a heading must have at least (shorter lines are author names, markers).
pub const MIN_HEADING_LETTERS: usize = 4;

/// Is `text` shaped like a heading: 4–40 letters, no sentence end inside or at the end (a
/// closing question mark is fine: headings ask questions)?
pub fn is_heading_like(text: &str) -> bool {
    heading_shaped(text, letter_count(text), has_sentence_end(text))
}

fn heading_shaped(text: &str, letters: usize, sentence: bool) -> bool {
    (MIN_HEADING_LETTERS..=MAX_HEADING_LETTERS).contains(&letters)
        && !sentence
        && !text.ends_with(['。', '…', '，', ',', '：', ':'])
        && !text.contains('。')
}

/// Turns heading-like lines into [`Rule::Heading`] when the next line that is not dropped is a
/// kept paragraph (`rule == None`, long enough). Runs from the end so a heading never
/// introduces another heading.
pub fn mark(doc: &mut [Draft], min_chars: usize) {
    let mut next_paragraph = false; // is the next not-dropped line a kept paragraph?
    for d in doc.iter_mut().rev() {
        match d.rule {
            None | Some(Rule::Short)
                if next_paragraph && heading_shaped(&d.text, d.letters(), d.has_sentence_end()) =>
            {
                d.rule = Some(Rule::Heading);
                next_paragraph = false;
            }
            None => next_paragraph = d.letters() >= min_chars,
            Some(Rule::Heading) | Some(Rule::Keep) => next_paragraph = false,
            Some(_) => {} // dropped lines are looked through
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::clean::furniture::Signal;

    fn doc(lines: &[(&str, Option<Rule>)]) -> Vec<Draft> {
        lines
            .iter()
            .enumerate()
            .map(|(i, (t, r))| Draft {
                rule: *r,
                ..Draft::new(i + 1, (*t).to_string())
            })
            .collect()
    }

    const PARA: &str = "在第一批大模型通过备案逐步落地应用之后,多家大模型在近日通过备案。";

    #[test]
    fn seed_headings_and_titles_attach() {
        let mut d = doc(&[
            (
                "AI“百模大战”现状:向垂直、B端谋场景 算力仍是主要制约因素",
                None,
            ),
            (
                "国际金融报 2023-11-17 11:11",
                Some(Rule::Furniture(Signal::Dateline)),
            ),
            (PARA, None),
            ("算力仍是主要制约因素", Some(Rule::Short)),
            (PARA, None),
            ("AIGC该降温了?", Some(Rule::Short)),
            (PARA, None),
        ]);
        mark(&mut d, 15);
        assert_eq!(d[0].rule, Some(Rule::Heading));
        assert_eq!(d[3].rule, Some(Rule::Heading));
        assert_eq!(d[5].rule, Some(Rule::Heading));
    }

    #[test]
    fn non_headings_stay_what_they_were() {
        let mut d = doc(&[
            ("■谢若琳", Some(Rule::Short)), // too short: a name
            (PARA, None),
            ("但同时,大模型发展也面临多重掣肘。", None), // a sentence, not a heading
            (PARA, None),
            ("市场竞争持续加剧", Some(Rule::Short)), // nothing kept follows
            ("推荐内容", Some(Rule::Furniture(Signal::Navigation))),
        ]);
        mark(&mut d, 15);
        assert_eq!(d[0].rule, Some(Rule::Short));
        assert_eq!(d[2].rule, None);
        assert_eq!(d[4].rule, Some(Rule::Short));
        // Two heading-like lines in a row: only the one next to the paragraph is a heading.
        let mut d = doc(&[
            ("站点名称在这里", Some(Rule::Short)),
            ("通用还是垂直", Some(Rule::Short)),
            (PARA, None),
        ]);
        mark(&mut d, 15);
        assert_eq!(d[0].rule, Some(Rule::Short));
        assert_eq!(d[1].rule, Some(Rule::Heading));
    }

    #[test]
    fn shapes() {
        assert!(is_heading_like("通用还是垂直?“百模大战”正在出现分化"));
        assert!(is_heading_like("不聊天不写诗去做事,离产业近就是离钱近?"));
        assert!(is_heading_like("“诸神之战”"));
        assert!(!is_heading_like("“大模型训练一次就要花500万美元”。"));
        assert!(!is_heading_like(
            "向垂直大模型深入,也有助于解决企业智能化改造过程中面临的成本问题。"
        ));
        assert!(!is_heading_like("都表达了对AI大模型未来发展的一个共识:"));
    }
}
