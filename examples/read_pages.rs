//! Prints what zhuti reads from each input (title, date, source and where they came from,
//! paragraph count, first paragraph), to check the readers against the pages by eye:
//! `cargo run --release --example read_pages -- ../shared/data/news-html`.

mod common;

fn main() {
    let args = common::parse();
    let corpus = common::load(&args.paths);
    for w in &corpus.warnings {
        println!("warning: {w}");
    }
    for a in &corpus.articles {
        let first: String = a
            .text
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(60)
            .collect();
        println!(
            "{}\n  title  {:?}\n  date   {:?} ({:?})\n  source {:?} ({:?})\n  {} lines; first: {first}",
            a.id,
            a.title,
            a.date,
            a.date_from,
            a.source,
            a.source_from,
            a.text.lines().count()
        );
    }
}
