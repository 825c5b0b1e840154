//! The classification tree (诉求分类) as data, the dispatch rules over classification and
//! region that suggest a department (and say why), and duplicate detection.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A node of the tree; `code` is its path of two-digit parts (01, 0103 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineClass))]
pub struct Class {
    pub code: String,
    pub name: String,
}

/// The tree shipped by default (a locality edits its own).
pub fn default_tree() -> Vec<Class> {
    DEFAULT_TREE
        .iter()
        .map(|(code, name)| Class {
            code: code.to_string(),
            name: name.to_string(),
        })
        .collect()
}

/// Common 12345 categories, two levels.
const DEFAULT_TREE: &[(&str, &str)] = &[
    ("01", "城乡建设"),
    ("0101", "物业管理"),
    ("0102", "房屋质量"),
    ("0103", "供水"),
    ("0104", "供气"),
    ("0105", "市政设施"),
    ("02", "城市管理"),
    ("0201", "占道经营"),
    ("0202", "违法建设"),
    ("0203", "环境卫生"),
    ("0204", "户外广告"),
    ("03", "市场监管"),
    ("0301", "食品安全"),
    ("0302", "消费维权"),
    ("0303", "价格收费"),
    ("0304", "无证经营"),
    ("04", "生态环境"),
    ("0401", "噪声污染"),
    ("0402", "大气污染"),
    ("0403", "水污染"),
    ("05", "交通运输"),
    ("0501", "出租车"),
    ("0502", "公交线路"),
    ("0503", "道路养护"),
    ("06", "劳动社保"),
    ("0601", "社会保险"),
    ("0602", "工资拖欠"),
    ("0603", "就业创业"),
    ("07", "医疗卫生"),
    ("0701", "医保报销"),
    ("0702", "医疗服务"),
    ("0703", "公共卫生"),
    ("08", "教育"),
    ("0801", "入学招生"),
    ("0802", "校外培训"),
    ("09", "公安消防"),
    ("0901", "户籍证件"),
    ("0902", "消防安全"),
    ("0903", "交通管理"),
    ("10", "民政"),
    ("1001", "社会救助"),
    ("1002", "养老服务"),
    ("1003", "婚姻登记"),
    ("11", "政务服务"),
    ("1101", "办事咨询"),
    ("1102", "窗口服务"),
    ("1103", "网上办事"),
    ("12", "住房保障"),
    ("1201", "公积金"),
    ("1202", "保障性住房"),
];

/// The parent's code, if any.
pub fn parent(code: &str) -> Option<&str> {
    code.len()
        .checked_sub(2)
        .filter(|n| *n > 0)
        .and_then(|n| code.get(..n))
}

/// The full path of a class, e.g. 城乡建设/物业管理/物业服务.
pub fn path(tree: &[Class], code: &str) -> String {
    let mut parts = Vec::new();
    let mut c = Some(code);
    while let Some(code) = c {
        if let Some(n) = tree.iter().find(|n| n.code == code) {
            parts.push(n.name.as_str());
        }
        c = parent(code);
    }
    parts.reverse();
    parts.join("/")
}

/// Checks a tree: codes are pairs of digits, unique, each with its parent present.
pub fn check_tree(tree: &[Class]) -> Result<(), String> {
    for (i, n) in tree.iter().enumerate() {
        if n.code.is_empty() || n.code.len() % 2 != 0 || !n.code.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!("分类编码“{}”应为两位一级的数字", n.code));
        }
        if tree[..i].iter().any(|o| o.code == n.code) {
            return Err(format!("分类编码“{}”重复", n.code));
        }
        if let Some(p) = parent(&n.code)
            && !tree.iter().any(|o| o.code == p)
        {
            return Err(format!("分类“{}”缺少上级分类 {p}", n.name));
        }
        if n.name.trim().is_empty() {
            return Err(format!("分类 {} 没有名称", n.code));
        }
    }
    Ok(())
}

/// A dispatch rule: tickets whose class starts with `class` and whose region lies in
/// `region` go to `department`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineDispatchRule))]
pub struct DispatchRule {
    pub class: String,
    pub region: String,
    pub department: String,
}

/// The suggested department and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineSuggestion))]
pub struct Suggestion {
    pub department: String,
    pub why: String,
}

/// The most specific rule for `class` in `region`: the longest class match first, then the
/// nearest region.
pub fn suggest(
    rules: &[DispatchRule],
    tree: &[Class],
    class: &str,
    region: &str,
) -> Option<Suggestion> {
    rules
        .iter()
        .filter(|r| class.starts_with(&r.class) && within(region, &r.region))
        .max_by_key(|r| {
            (
                r.class.len(),
                r.region.len(),
                r.region.trim_end_matches('0').len(),
            )
        })
        .map(|r| Suggestion {
            department: r.department.clone(),
            why: format!(
                "分类“{}”在区划 {} 的诉求按规则派往此单位",
                path(tree, &r.class),
                r.region
            ),
        })
}

fn within(region: &str, of: &str) -> bool {
    use crate::ids::RegionCode;
    match (RegionCode::parse(region), RegionCode::parse(of)) {
        (Ok(r), Ok(o)) => r.is_within(&o),
        _ => false,
    }
}

/// What is compared to find a duplicate.
#[derive(Debug, Clone)]
pub struct Probe<'a> {
    pub phone: &'a str,
    pub address: &'a str,
    /// The text's words (segmented by the caller).
    pub words: &'a [String],
    pub at: OffsetDateTime,
}

/// Words shared over words in either (Jaccard), 0–1.
pub fn similarity(a: &[String], b: &[String]) -> f64 {
    let (sa, sb): (
        std::collections::BTreeSet<&String>,
        std::collections::BTreeSet<&String>,
    ) = (a.iter().collect(), b.iter().collect());
    let union = sa.union(&sb).count();
    if union == 0 {
        return 0.0;
    }
    sa.intersection(&sb).count() as f64 / union as f64
}

/// The share of words from which two texts are likely about the same matter.
pub const SIMILAR: f64 = 0.35;

/// Why `other` is likely the same matter as `new`: the same phone or the same address,
/// similar text, within `days`.
pub fn duplicate_of(new: &Probe, other: &Probe, days: u32) -> Option<String> {
    let gap = (new.at - other.at).whole_days().abs();
    if gap > days as i64 {
        return None;
    }
    let norm = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let same_phone = !new.phone.is_empty() && new.phone == other.phone;
    let same_place = !new.address.trim().is_empty() && norm(new.address) == norm(other.address);
    if !same_phone && !same_place {
        return None;
    }
    let s = similarity(new.words, other.words);
    (s >= SIMILAR).then(|| {
        format!(
            "{}相同，内容相似度 {:.0}%，相隔 {gap} 天",
            if same_phone { "来电号码" } else { "地点" },
            s * 100.0
        )
    })
}
