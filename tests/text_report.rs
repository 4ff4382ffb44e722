//! The terminal report's text, exactly: counts with thousands separators and singular forms.

use std::sync::OnceLock;

use zhuti::ingest::{load_with, ReadOptions};
use zhuti::{Analysis, NoProgress, Settings};

/// The analysis of the bundled seed articles with the default settings (computed once).
fn seeds() -> &'static Analysis {
    static SEEDS: OnceLock<Analysis> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let corpus = load_with(&zhuti::seeds::bundled(), &ReadOptions::default()).unwrap();
        zhuti::analyze(&corpus, &Settings::default(), &NoProgress).unwrap()
    })
}

#[test]
fn counts_have_thousands_separators_and_one_is_singular() {
    let text = zhuti::report::text::render(seeds());
    assert!(
        text.starts_with(
            "zhuti · 5 articles · 104 paragraphs in 6 themes · 69 left out \
             (64 boilerplate, 2 duplicate, 3 short)\n"
        ),
        "{text}"
    );
    assert!(text.contains(" · 491 terms · seed 42\n"), "{text}");
    assert!(
        text.contains(", measured on 104 units; no k stands out: "),
        "{text}"
    );

    // The same report of a corpus as large as THUCNews, and of one article.
    let mut big = seeds().clone();
    big.corpus.documents = 65_536;
    big.corpus.units = 574_044;
    big.corpus.dropped = 12_345;
    big.corpus.terms = 1_000_001;
    big.themes[0].size = 123_456;
    big.themes[1].size = 1;
    let text = zhuti::report::text::render(&big);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "zhuti · 65,536 articles · 574,044 paragraphs in 6 themes · 12,345 left out \
         (64 boilerplate, 2 duplicate, 3 short)"
    );
    assert!(text.contains(" · 1,000,001 terms · seed 42\n"), "{text}");
    assert!(
        text.contains(" 123,456 paragraphs · 30.8% · NPMI 0.15\n"),
        "{text}"
    );
    assert!(
        text.contains(" 1 paragraph · 19.2% · NPMI 0.26\n"),
        "{text}"
    );

    let mut one = seeds().clone();
    one.corpus.documents = 1;
    one.corpus.units = 1;
    one.corpus.dropped = 1;
    one.corpus.terms = 1;
    let text = zhuti::report::text::render(&one);
    assert!(
        text.starts_with(
            "zhuti · 1 article · 1 paragraph in 6 themes · 1 left out \
             (64 boilerplate, 2 duplicate, 3 short)\n"
        ),
        "{text}"
    );
    assert!(text.contains(" · 1 term · seed 42\n"), "{text}");
}

#[test]
fn csv_has_one_row_per_article_and_quotes_as_rfc_4180() {
    let csv = zhuti::report::render(seeds(), zhuti::report::Format::Csv).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,title,date,source,units,T1 应用·场景·成本,T2 数据·算力·国产,T3 备案·人工智能·发布,\
         T4 经济·环节·科技,T5 腾讯·服务·头部,T6 百模·免费·开源"
    );
    assert_eq!(
        lines[1],
        "seeds/000_3ef24099cf65efde.txt,\"8月31日,首批11家通过《生成式人工智能服务管理暂行办法》\
         备案的AI大模型名单…\",,,10,0.5000,0.2000,0.2000,0.1000,0.0000,0.0000"
    );
    // A header, five articles, and the final line end.
    assert_eq!(lines.len(), 7, "{csv}");
    assert_eq!(lines[6], "");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), seeds().documents.len());
    for (row, doc) in rows.iter().zip(&seeds().documents) {
        assert_eq!(row.len(), 5 + seeds().themes.len());
        assert_eq!((&row[0], &row[1]), (doc.id.as_str(), doc.title.as_str()));
        assert_eq!(row[4].parse::<usize>().unwrap(), doc.units);
        let total: f64 = (5..row.len()).map(|i| row[i].parse::<f64>().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-3, "{total}");
    }

    // Quotes, commas and line breaks are quoted, not split.
    let mut odd = seeds().clone();
    odd.documents[0].title = "He said \"AI, now\"\nand left".to_string();
    odd.documents[0].source = Some("新华社".to_string());
    odd.documents[0].date = Some("2024-03-15".to_string());
    let csv = zhuti::report::render(&odd, zhuti::report::Format::Csv).unwrap();
    assert!(
        csv.contains(
            "\r\nseeds/000_3ef24099cf65efde.txt,\"He said \"\"AI, now\"\"\nand left\",\
             2024-03-15,新华社,10,0.5000,"
        ),
        "{csv}"
    );
}
