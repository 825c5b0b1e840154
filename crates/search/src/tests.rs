use super::*;

fn item(
    code: &str,
    name: &str,
    aliases: &[&str],
    dept: &str,
    region: &str,
    audience: &str,
) -> IndexedItem {
    IndexedItem {
        code: code.into(),
        name: name.into(),
        aliases: aliases.iter().map(|s| s.to_string()).collect(),
        keywords: vec![],
        department_code: format!("D-{dept}"),
        department_name: dept.into(),
        conditions: vec!["申请人具有完全民事行为能力".into()],
        region: region.into(),
        audiences: vec![audience.into()],
        online_depth: "apply_online".into(),
        kind_label: "行政许可".into(),
        summary: "承诺 10 个工作日".into(),
        prior: 1.0,
        demand: 0,
    }
}

fn sample() -> CatalogIndex {
    let idx = CatalogIndex::in_memory().unwrap();
    let items = vec![
        item(
            "A",
            "食品经营许可核发",
            &["餐饮许可证"],
            "市场监管局",
            "511600",
            "legal",
        ),
        item(
            "B",
            "公众聚集场所投入使用、营业前消防安全检查",
            &[],
            "消防救援支队",
            "511600",
            "legal",
        ),
        item(
            "C",
            "普通护照签发",
            &["办护照"],
            "公安局",
            "511600",
            "natural_person",
        ),
        item(
            "D",
            "个体工商户设立登记",
            &["开小卖部"],
            "广安区市场监管局",
            "511602",
            "legal",
        ),
    ];
    idx.rebuild(items, 7, |_| {}).unwrap();
    idx.set_synonyms(vec![Synonym {
        phrase: "开饭店".into(),
        terms: vec!["餐饮".into(), "食品经营".into(), "消防安全检查".into()],
    }]);
    idx
}

fn codes(r: &SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.code.as_str()).collect()
}

#[test]
fn an_everyday_phrase_finds_the_formal_items_through_synonyms() {
    let idx = sample();
    let r = idx
        .search(&SearchQuery {
            text: "开饭店".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        codes(&r)[0],
        "A",
        "the food permit ranks first: {:?}",
        r.hits
    );
    assert!(codes(&r).contains(&"B"));
    assert!(!codes(&r).contains(&"C"));
    assert!(r.understood_as.iter().any(|w| w == "餐饮"));
}

#[test]
fn filters_narrow_by_region_audience_and_department() {
    let idx = sample();
    let all = SearchQuery {
        text: String::new(),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(idx.search(&all).unwrap().total, 4);
    let people = SearchQuery {
        audience: Some("natural_person".into()),
        ..all.clone()
    };
    assert_eq!(codes(&idx.search(&people).unwrap()), ["C"]);
    let county = SearchQuery {
        regions: vec!["511602".into()],
        ..all.clone()
    };
    assert_eq!(codes(&idx.search(&county).unwrap()), ["D"]);
    let dept = SearchQuery {
        department: Some("D-公安局".into()),
        ..all
    };
    assert_eq!(codes(&idx.search(&dept).unwrap()), ["C"]);
}

#[test]
fn upsert_replaces_and_remove_deletes_and_the_generation_is_remembered() {
    let idx = sample();
    assert_eq!(idx.generation(), Some(7));
    idx.upsert(
        &item(
            "C",
            "普通护照签发（换发）",
            &[],
            "公安局",
            "511600",
            "natural_person",
        ),
        8,
    )
    .unwrap();
    let r = idx
        .search(&SearchQuery {
            text: "护照".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.total, 1);
    assert_eq!(r.hits[0].name, "普通护照签发（换发）");
    idx.remove("C", 9).unwrap();
    assert_eq!(
        idx.search(&SearchQuery {
            text: "护照".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap()
        .total,
        0
    );
    assert_eq!(idx.generation(), Some(9));
}

#[test]
fn punctuation_and_unknown_words_find_nothing_without_error() {
    let idx = sample();
    assert_eq!(
        idx.search(&SearchQuery {
            text: "？？？".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap()
        .total,
        0
    );
    assert_eq!(
        idx.search(&SearchQuery {
            text: "zzzz".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap()
        .total,
        0
    );
}

#[test]
fn an_index_on_disk_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let idx = CatalogIndex::open(dir.path()).unwrap();
        assert_eq!(idx.generation(), None);
        idx.rebuild(
            vec![item(
                "A",
                "食品经营许可核发",
                &[],
                "市场监管局",
                "511600",
                "legal",
            )],
            3,
            |_| {},
        )
        .unwrap();
    }
    let idx = CatalogIndex::open(dir.path()).unwrap();
    assert_eq!(idx.generation(), Some(3));
    assert_eq!(idx.num_docs(), 1);
}

#[test]
fn penalties_rank_below_what_people_apply_for_unless_asked_about() {
    let idx = CatalogIndex::in_memory().unwrap();
    let mut penalty = item(
        "P",
        "对未取得食品经营许可从事食品经营活动的行政处罚",
        &[],
        "市场监管局",
        "511602",
        "legal",
    );
    penalty.kind_label = "行政处罚".into();
    penalty.prior = 0.3;
    let permit = item(
        "L",
        "食品经营许可（新办）",
        &[],
        "市场监管局",
        "511602",
        "legal",
    );
    idx.rebuild(vec![penalty, permit], 1, |_| {}).unwrap();
    let first = |text: &str| {
        idx.search(&SearchQuery {
            text: text.into(),
            limit: 5,
            ..Default::default()
        })
        .unwrap()
        .hits[0]
            .code
            .clone()
    };
    assert_eq!(first("食品经营"), "L");
    assert_eq!(first("食品经营处罚"), "P");
}

#[test]
fn a_name_typed_whole_or_its_beginning_ranks_first() {
    let idx = CatalogIndex::in_memory().unwrap();
    let items = vec![
        item(
            "B",
            "分公司设立登记（外资）",
            &[],
            "市场监管局",
            "511602",
            "legal",
        ),
        item("A", "公司设立登记", &[], "市场监管局", "511602", "legal"),
        item(
            "C",
            "公司设立登记信息变更",
            &[],
            "市场监管局",
            "511602",
            "legal",
        ),
    ];
    idx.rebuild(items, 1, |_| {}).unwrap();
    let codes = |text: &str| -> Vec<String> {
        idx.search(&SearchQuery {
            text: text.into(),
            limit: 5,
            ..Default::default()
        })
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.code)
        .collect()
    };
    assert_eq!(codes("公司设立登记")[..2], ["A", "C"]);
    // Characters a pattern language would read as operators are plain text here.
    assert!(codes("公司设立登记.*").len() <= 3);
}

#[test]
fn a_name_typed_in_pinyin_or_its_initials_is_found() {
    let idx = CatalogIndex::in_memory().unwrap();
    let items = vec![
        item(
            "H",
            "普通护照签发",
            &[],
            "公安局",
            "511602",
            "natural_person",
        ),
        item(
            "S",
            "居民身份证申领",
            &[],
            "公安局",
            "511602",
            "natural_person",
        ),
        item(
            "G",
            "住房公积金提取",
            &[],
            "公积金中心",
            "511602",
            "natural_person",
        ),
    ];
    idx.rebuild(items, 1, |_| {}).unwrap();
    let first = |text: &str| {
        idx.search(&SearchQuery {
            text: text.into(),
            limit: 5,
            ..Default::default()
        })
        .unwrap()
        .hits
        .first()
        .map(|h| h.code.clone())
    };
    assert_eq!(first("huzhao").as_deref(), Some("H"));
    assert_eq!(first("Hu Zhao").as_deref(), Some("H"));
    assert_eq!(first("shenfenzheng").as_deref(), Some("S"));
    assert_eq!(first("sfz").as_deref(), Some("S"));
    assert_eq!(first("gjj").as_deref(), Some("G"));
    assert_eq!(
        first("xyz"),
        None,
        "letters that spell no name find nothing"
    );
}

#[test]
fn of_equal_matches_the_one_people_apply_for_and_the_one_nearby_rank_first() {
    let idx = CatalogIndex::in_memory().unwrap();
    let mut rare = item(
        "R",
        "犬类准养证核发",
        &[],
        "公安局",
        "511602",
        "natural_person",
    );
    let mut common = item(
        "C",
        "犬类准养证核发",
        &[],
        "公安局",
        "511621",
        "natural_person",
    );
    common.demand = 500;
    rare.demand = 0;
    idx.rebuild(vec![rare, common], 1, |_| {}).unwrap();
    let search = |near: &[&str]| {
        let r = idx
            .search(&SearchQuery {
                text: "犬类准养证".into(),
                near: near.iter().map(|s| s.to_string()).collect(),
                limit: 5,
                ..Default::default()
            })
            .unwrap();
        r.hits.iter().map(|h| h.code.clone()).collect::<Vec<_>>()
    };
    assert_eq!(search(&[]), ["C", "R"], "the item with cases ranks first");
    assert_eq!(
        search(&["511602", "511600"]),
        ["R", "C"],
        "the searcher's own region outweighs demand, and nothing is filtered out"
    );
}
