//! Search relevance over a catalog shaped like a real county's (广安区, 1 188 items across 34
//! departments, from its published list plus standard items: tests/data/county_items.csv)
//! with the shipped everyday-language dictionary, scored on everyday queries with the items a
//! person means (tests/data/relevance.csv). precision@3 counts the meant items among the
//! first three, out of min(3, items meant); NDCG@5 weighs them by the order given (the best
//! first). The thresholds sit just under the measured figures (docs/PERFORMANCE.md), so a
//! change that makes search worse fails here.

use std::collections::HashMap;

use domain::catalog::{ItemKind, Synonym, search_prior};
use search::{CatalogIndex, IndexedItem, SearchQuery};

fn rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn county_index() -> CatalogIndex {
    let items = rows(include_str!("data/county_items.csv"));
    let index = CatalogIndex::in_memory().unwrap();
    let docs = items.iter().enumerate().map(|(i, r)| IndexedItem {
        code: format!("ITEM{i:05}"),
        name: r[1].clone(),
        department_code: r[0].clone(),
        department_name: r[0].clone(),
        region: "511602".into(),
        audiences: vec!["natural_person".into(), "legal".into()],
        online_depth: "apply_online".into(),
        kind_label: r[4].clone(),
        prior: ItemKind::parse(&r[4])
            .map(search_prior)
            .unwrap_or_else(|| panic!("row {i}: kind {}", r[4])),
        ..Default::default()
    });
    index.rebuild(docs, 1, |_| {}).unwrap();
    let synonyms = rows(include_str!("../../app/data/everyday_synonyms.csv"))
        .into_iter()
        .map(|r| Synonym {
            phrase: r[0].clone(),
            terms: r[1].split('、').map(str::to_string).collect(),
        })
        .collect();
    index.set_synonyms(synonyms);
    index
}

struct Scores {
    precision_at_3: f64,
    ndcg_at_5: f64,
    zero: Vec<String>,
    misses: Vec<String>,
}

fn score(index: &CatalogIndex, set: &str) -> Scores {
    let queries = rows(set);
    let (mut p3, mut ndcg) = (0.0, 0.0);
    let mut zero = Vec::new();
    let mut misses = Vec::new();
    for q in &queries {
        let meant: Vec<&str> = q[1].split('|').collect();
        let gain: HashMap<&str, f64> = meant
            .iter()
            .enumerate()
            .map(|(i, m)| (*m, (meant.len() - i) as f64))
            .collect();
        let r = index
            .search(&SearchQuery {
                text: q[0].clone(),
                limit: 5,
                ..Default::default()
            })
            .unwrap();
        if r.hits.is_empty() {
            zero.push(q[0].clone());
        }
        let names: Vec<&str> = r.hits.iter().map(|h| h.name.as_str()).collect();
        let found = names
            .iter()
            .take(3)
            .filter(|n| gain.contains_key(*n))
            .count();
        p3 += found as f64 / meant.len().min(3) as f64;
        let dcg: f64 = names
            .iter()
            .enumerate()
            .map(|(i, n)| gain.get(n).copied().unwrap_or(0.0) / ((i + 2) as f64).log2())
            .sum();
        let mut ideal: Vec<f64> = gain.values().copied().collect();
        ideal.sort_by(|a, b| b.total_cmp(a));
        let idcg: f64 = ideal
            .iter()
            .take(5)
            .enumerate()
            .map(|(i, g)| g / ((i + 2) as f64).log2())
            .sum();
        ndcg += dcg / idcg;
        if found < meant.len().min(3) {
            misses.push(format!(
                "{} ({found}/{}) → {:?}, meant {:?}",
                q[0],
                meant.len().min(3),
                names.iter().take(3).collect::<Vec<_>>(),
                meant
            ));
        }
    }
    let n = queries.len() as f64;
    Scores {
        precision_at_3: p3 / n,
        ndcg_at_5: ndcg / n,
        zero,
        misses,
    }
}

#[test]
fn everyday_queries_find_what_people_mean_on_a_real_shaped_county_catalog() {
    let index = county_index();
    assert!(index.num_docs() > 1_000);
    let s = score(&index, include_str!("data/relevance.csv"));
    eprintln!(
        "precision@3 {:.3}, NDCG@5 {:.3}, zero-result {}, short of the meant items in the top 3: {}",
        s.precision_at_3,
        s.ndcg_at_5,
        s.zero.len(),
        s.misses.len()
    );
    for m in &s.misses {
        eprintln!("  {m}");
    }
    assert!(
        s.zero.is_empty(),
        "queries that found nothing: {:?}",
        s.zero
    );
    assert!(
        s.precision_at_3 >= PRECISION_AT_3,
        "precision@3 {:.3}",
        s.precision_at_3
    );
    assert!(s.ndcg_at_5 >= NDCG_AT_5, "NDCG@5 {:.3}", s.ndcg_at_5);
}

/// Set from the measured figures (see docs/PERFORMANCE.md, "Relevance").
const PRECISION_AT_3: f64 = 0.86;
const NDCG_AT_5: f64 = 0.85;

/// One character typed with another of the same sound (同音字) still finds the item.
#[test]
fn a_character_of_the_same_sound_still_finds_the_item() {
    let index = county_index();
    let cases = [
        ("身分证补领", "居民身份证补领"),
        ("户照签发", "普通护照签发"),
        ("补办户照", "普通护照补发"),
        ("驾使证遗失", "机动车驾驶证遗失补证"),
        ("残急人辅助器具", "残疾人基本型辅助器具适配申请"),
        ("结昏登记", "中国内地公民婚姻登记（结婚登记）"),
        ("公基金提取", "住房公积金提取"),
    ];
    let mut wrong = Vec::new();
    for (typed, meant) in cases {
        let r = index
            .search(&SearchQuery {
                text: typed.into(),
                limit: 3,
                ..Default::default()
            })
            .unwrap();
        if !r.hits.iter().any(|h| h.name == meant) {
            let got: Vec<&str> = r.hits.iter().map(|h| h.name.as_str()).collect();
            wrong.push(format!("{typed} → {got:?}, meant {meant}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Queries written afterwards by someone who saw neither the set above nor the dictionary,
/// and not tuned for (tests/data/relevance_holdout.csv, those not in the first set): how
/// search does on what it was not shaped by.
#[test]
fn queries_search_was_not_tuned_on() {
    let index = county_index();
    let s = score(&index, include_str!("data/relevance_holdout.csv"));
    eprintln!(
        "held out: precision@3 {:.3}, NDCG@5 {:.3}, zero-result {}",
        s.precision_at_3,
        s.ndcg_at_5,
        s.zero.len()
    );
    for m in &s.misses {
        eprintln!("  {m}");
    }
    // 出车祸 and 盖厂房 find nothing: the dictionary lacks them, and adding them would make
    // this set one more that search was tuned on. Their page suggests categories instead.
    assert!(
        s.zero.len() <= 2,
        "queries that found nothing: {:?}",
        s.zero
    );
    assert!(
        s.precision_at_3 >= HELD_OUT_PRECISION_AT_3,
        "precision@3 {:.3}",
        s.precision_at_3
    );
}

/// Measured 0.795 (docs/PERFORMANCE.md).
const HELD_OUT_PRECISION_AT_3: f64 = 0.78;
