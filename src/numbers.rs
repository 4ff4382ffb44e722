//! Counts as people read them, for every report and message: thousands separated
//! (`574,044`) and the noun singular for one (`1 article`, `2 articles`).

/// `n` with a comma between each group of three digits: `574044` → `574,044`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` and the noun, singular for exactly one: `count(1, "article", "articles")` is
/// `1 article`, `count(574044, "paragraph", "paragraphs")` is `574,044 paragraphs`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated_and_one_is_singular() {
        let cases = [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (65_536, "65,536"),
            (574_044, "574,044"),
            (1_234_567, "1,234,567"),
        ];
        for (n, text) in cases {
            assert_eq!(thousands(n), text);
        }
        assert_eq!(count(0, "article", "articles"), "0 articles");
        assert_eq!(count(1, "article", "articles"), "1 article");
        assert_eq!(count(1_000, "article", "articles"), "1,000 articles");
        assert_eq!(
            count(574_044, "paragraph", "paragraphs"),
            "574,044 paragraphs"
        );
    }
}
