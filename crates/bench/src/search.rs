//! `onewindow bench search`: catalog search latency over a large generated catalog, with the
//! real tokenizer, synonyms and filters, on an on-disk index. Latency is measured per query,
//! one query at a time, after a warm-up, and reported as p50/p95/p99 plus the index build time.

use std::time::Instant;

use app::{CatalogIndex, IndexedItem, SearchQuery};

use crate::{Rng, percentile};

/// Generates and indexes `items` items, then times `queries` queries after a warm-up; prints
/// text, or one JSON line with `json`.
pub async fn run(items: usize, queries: usize, json: bool) -> anyhow::Result<()> {
    let demo = app::demo::demo_data().map_err(|e| anyhow::anyhow!("{e}"))?;
    let dept_names: std::collections::HashMap<_, _> = demo
        .departments
        .iter()
        .map(|d| (d.code.clone(), d.name.clone()))
        .collect();
    // Real items as templates; variants differ in region, department and a qualifier so the
    // index has realistic term statistics at scale.
    let templates: Vec<IndexedItem> = demo
        .items
        .iter()
        .map(|d| {
            app::index::indexed_item(
                d,
                dept_names
                    .get(&d.department)
                    .map(String::as_str)
                    .unwrap_or(""),
            )
        })
        .collect();
    let qualifiers = [
        "",
        "（新办）",
        "（变更）",
        "（延续）",
        "（注销）",
        "（补办）",
        "（跨省通办）",
        "（告知承诺）",
    ];
    let regions: Vec<String> = (0..200)
        .map(|i| format!("{:06}", 110101 + i * 97))
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let dir = std::env::temp_dir().join(format!("onewindow-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let index = CatalogIndex::open(&dir)?;
    // The shipped everyday-language dictionary, with the demo's own phrases winning.
    let mut synonyms = app::setup::everyday_synonyms().map_err(|e| anyhow::anyhow!("{e}"))?;
    synonyms.retain(|s| demo.synonyms.iter().all(|d| d.phrase != s.phrase));
    synonyms.extend(demo.synonyms.iter().cloned());
    index.set_synonyms(synonyms.clone());
    let generated = (0..items).map(|i| {
        let mut it = rng.pick(&templates).clone();
        it.code = format!("BENCH{i:08}");
        it.name = format!("{}{}", it.name, rng.pick(&qualifiers));
        it.region = rng.pick(&regions).clone();
        it
    });
    if !json {
        eprintln!("正在生成并索引 {items} 个事项……");
    }
    let t0 = Instant::now();
    index.rebuild(generated, 1, |_| {})?;
    let build_secs = t0.elapsed().as_secs_f64();

    let words = query_words(&demo, &synonyms);
    let make_query = |rng: &mut Rng| {
        let text = rng.pick(&words).clone();
        let filter = rng.next() % 4;
        SearchQuery {
            text,
            regions: if filter == 1 {
                vec![rng.pick(&regions).clone()]
            } else {
                vec![]
            },
            audience: if filter == 2 {
                Some("natural_person".into())
            } else {
                None
            },
            limit: 20,
            ..Default::default()
        }
    };
    for _ in 0..200 {
        index.search(&make_query(&mut rng))?;
    }
    let mut lat = Vec::with_capacity(queries);
    let mut hits = 0usize;
    let t1 = Instant::now();
    for _ in 0..queries {
        let q = make_query(&mut rng);
        let s = Instant::now();
        let r = index.search(&q)?;
        lat.push(s.elapsed().as_secs_f64() * 1000.0);
        hits += r.total;
    }
    let total_secs = t1.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    let (p50, p95, p99, max) = (
        percentile(&lat, 0.50),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0),
    );
    let qps = queries as f64 / total_secs;
    let _ = std::fs::remove_dir_all(&dir);
    if json {
        println!(
            "{}",
            serde_json::json!({
                "bench": "search", "items": items, "queries": queries, "index_build_seconds": build_secs,
                "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "max_ms": max, "queries_per_second": qps,
                "mean_hits": hits as f64 / queries as f64, "build_profile": if cfg!(debug_assertions) { "debug" } else { "release" },
            })
        );
    } else {
        println!(
            "catalog search over {items} items ({} build)",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        );
        println!("  index build: {build_secs:.2} s");
        println!(
            "  {queries} queries: p50 {p50:.3} ms, p95 {p95:.3} ms, p99 {p99:.3} ms, max {max:.3} ms, {qps:.0} queries/s (one thread)"
        );
        println!(
            "  mean matching items per query: {:.0}",
            hits as f64 / queries as f64
        );
    }
    Ok(())
}

/// What people type: every fifth dictionary phrase besides the demo's (queries touch the
/// whole dictionary), the demo items' aliases, and common service names.
pub(crate) fn query_words(
    demo: &app::demo::DemoData,
    synonyms: &[domain::catalog::Synonym],
) -> Vec<String> {
    let mut words: Vec<String> = synonyms
        .iter()
        .step_by(5)
        .map(|s| s.phrase.clone())
        .chain(demo.synonyms.iter().map(|s| s.phrase.clone()))
        .collect();
    words.extend(demo.items.iter().flat_map(|d| d.aliases.iter().cloned()));
    words.extend(
        [
            "护照",
            "营业执照",
            "食品经营许可",
            "退休",
            "社保卡",
            "公积金提取",
            "身份证",
            "结婚登记",
            "施工许可",
            "低保",
        ]
        .map(String::from),
    );
    words
}
