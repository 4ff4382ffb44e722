//! The five bundled seed articles, embedded in the binary so `zhuti` with no arguments works
//! from any folder.

use crate::stages::ingest::Input;

/// `(id, text)` of every bundled article, in file-name order.
pub const SEED_ARTICLES: [(&str, &str); 5] = [
    (
        "seeds/000_3ef24099cf65efde.txt",
        include_str!("../seeds/000_3ef24099cf65efde.txt"),
    ),
    (
        "seeds/001_d45ed1e361b71519.txt",
        include_str!("../seeds/001_d45ed1e361b71519.txt"),
    ),
    (
        "seeds/002_068839af4a80f47b.txt",
        include_str!("../seeds/002_068839af4a80f47b.txt"),
    ),
    (
        "seeds/003_9d57dc4586f9be08.txt",
        include_str!("../seeds/003_9d57dc4586f9be08.txt"),
    ),
    (
        "seeds/004_c7bf4b70b23976e6.txt",
        include_str!("../seeds/004_c7bf4b70b23976e6.txt"),
    ),
];

/// The bundled articles as pipeline inputs.
pub fn bundled() -> Vec<Input> {
    SEED_ARTICLES
        .iter()
        .map(|(id, text)| Input::Memory {
            id: (*id).to_string(),
            text: (*text).to_string(),
        })
        .collect()
}
