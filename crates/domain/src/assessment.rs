//! 考核: indicators as data, each a formula over the platform's own figures (网办率, 按时办结率,
//! 满意率, 体外循环 …) with a weight and whether higher is better; targets per year (for every
//! department, or one); a score per indicator against its target, a total out of 100 over the
//! indicators a department has figures for, and a ranking. The weights and formulas are a
//! platform's settings, not a national rule.

use std::collections::BTreeMap;

use evalexpr::{
    ContextWithMutableVariables, DefaultNumericTypes, HashMapContext, Node, Value,
    build_operator_tree,
};
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems};

/// The figures a formula may name: (name, what it is). Rates are fractions (0–1).
pub const FIGURES: &[(&str, &str)] = &[
    ("received", "收件数（已提交的办件）"),
    ("completed", "办结数"),
    ("online_rate", "网办率"),
    ("full_online_rate", "全程网办率"),
    ("instant_rate", "即办件率"),
    ("on_time_rate", "按时办结率"),
    ("satisfaction_rate", "满意率"),
    ("rectified_on_time_rate", "差评按时整改率"),
    ("avg_handling_days", "平均办理工作日"),
    (
        "one_visit_rate",
        "最多跑一次实现率（办结件中跑动次数不超过承诺的比例）",
    ),
    ("relayed", "代收转办件数（通办、就近办）"),
    ("cross_city", "跨市通办件数（外市平台代收转来）"),
    ("off_platform", "认定的体外循环件数"),
];

/// Functions a formula may call (evalexpr's own, no side effects).
const FUNCTIONS: &[&str] = &["min", "max", "floor", "round", "ceil"];

/// An indicator as an administrator writes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndicatorDraft {
    pub code: String,
    pub name: String,
    pub formula: String,
    pub unit: String,
    pub higher_is_better: bool,
    pub weight: u32,
}

/// A checked indicator: a draft that passed [`check`], trimmed (or one stored after it did).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Indicator(IndicatorDraft);

impl Indicator {
    /// An indicator read back from the store, where only checked ones are written.
    pub fn stored(d: IndicatorDraft) -> Indicator {
        Indicator(d)
    }
}

impl std::ops::Deref for Indicator {
    type Target = IndicatorDraft;
    fn deref(&self) -> &IndicatorDraft {
        &self.0
    }
}

fn parse(formula: &str) -> Result<Node<DefaultNumericTypes>, String> {
    build_operator_tree::<DefaultNumericTypes>(formula).map_err(|e| format!("公式写法有误：{e}"))
}

/// Every problem of a draft at its field: a formula that does not parse or names a figure
/// (or function) the platform does not have says which, and lists what there is.
pub fn check(d: &IndicatorDraft) -> Result<Indicator, Vec<FieldError>> {
    let mut p = Problems::default();
    let code = d.code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        p.push(
            "code",
            "invalid",
            "指标代码为 1–32 位小写字母、数字或下划线",
        );
    }
    p.text("name", &d.name, "指标名称", 40);
    if d.unit.trim().chars().count() > 10 {
        p.push("unit", "too_long", "单位不能超过 10 个字");
    }
    if !(1..=100).contains(&d.weight) {
        p.push("weight", "invalid", "权重应为 1–100 的整数");
    }
    let formula = d.formula.trim();
    if formula.is_empty() {
        p.push("formula", "required", "请填写公式，例如 online_rate * 100");
    } else if formula.chars().count() > 200 {
        p.push("formula", "too_long", "公式不能超过 200 个字符");
    } else {
        match parse(formula) {
            Err(m) => p.push("formula", "invalid", m),
            Ok(node) => {
                let known: Vec<&str> = FIGURES.iter().map(|(n, _)| *n).collect();
                let unknown: Vec<&str> = node
                    .iter_variable_identifiers()
                    .filter(|v| !known.contains(v))
                    .collect();
                let calls: Vec<&str> = node
                    .iter_function_identifiers()
                    .filter(|f| !FUNCTIONS.contains(f))
                    .collect();
                if let Some(v) = unknown.first() {
                    p.push(
                        "formula",
                        "unknown_figure",
                        format!("公式中的“{v}”不是平台的统计数；可用：{}", known.join("、")),
                    );
                } else if let Some(f) = calls.first() {
                    p.push(
                        "formula",
                        "unknown_function",
                        format!("公式不能调用“{f}”；可用函数：{}", FUNCTIONS.join("、")),
                    );
                } else if node.iter_variable_identifiers().next().is_none() {
                    p.push(
                        "formula",
                        "constant",
                        "公式须引用至少一个统计数，否则各部门得分相同",
                    );
                }
            }
        }
    }
    p.into_result()?;
    Ok(Indicator(IndicatorDraft {
        code: code.to_string(),
        name: d.name.trim().to_string(),
        formula: formula.to_string(),
        unit: d.unit.trim().to_string(),
        higher_is_better: d.higher_is_better,
        weight: d.weight,
    }))
}

/// The indicator's value from the figures; None when a figure it names has no value (a rate
/// with nothing to divide: the department is not scored on it) or the result is not a number.
pub fn value(formula: &str, figures: &BTreeMap<&str, Option<f64>>) -> Option<f64> {
    let node = parse(formula).ok()?;
    let mut cx = HashMapContext::<DefaultNumericTypes>::new();
    for name in node.iter_variable_identifiers() {
        let v = (*figures.get(name)?)?;
        cx.set_value(name.to_string(), Value::from_float(v)).ok()?;
    }
    let v = node.eval_number_with_context(&cx).ok()?;
    v.is_finite().then_some(v)
}

/// The score of a value against its target, 0 to `weight`: full at or beyond the target,
/// in proportion below it (for "lower is better", in inverse proportion above it).
pub fn score(value: f64, target: f64, weight: u32, higher_is_better: bool) -> f64 {
    let w = f64::from(weight);
    let s = if higher_is_better {
        if target <= 0.0 || value >= target {
            w
        } else {
            w * (value.max(0.0) / target)
        }
    } else if value <= target {
        w
    } else if target <= 0.0 {
        0.0
    } else {
        w * (target / value)
    };
    s.clamp(0.0, w)
}

/// The total out of 100 over the scored indicators (score, weight); None when none was
/// scored.
pub fn total(parts: &[(Option<f64>, u32)]) -> Option<f64> {
    let weights: u32 = parts
        .iter()
        .filter(|(s, _)| s.is_some())
        .map(|(_, w)| *w)
        .sum();
    if weights == 0 {
        return None;
    }
    let sum: f64 = parts.iter().filter_map(|(s, _)| *s).sum();
    Some(sum / f64::from(weights) * 100.0)
}

/// Ranks totals, highest first: equal totals (to 0.01) share a place, the next place skips
/// (1, 2, 2, 4); no total, no place.
pub fn rank(totals: &[Option<f64>]) -> Vec<Option<usize>> {
    let key = |t: f64| (t * 100.0).round() as i64;
    totals
        .iter()
        .map(|t| {
            let mine = key((*t)?);
            Some(1 + totals.iter().flatten().filter(|o| key(**o) > mine).count())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn draft(formula: &str) -> IndicatorDraft {
        IndicatorDraft {
            code: "online".into(),
            name: "网办率".into(),
            formula: formula.into(),
            unit: "%".into(),
            higher_is_better: true,
            weight: 20,
        }
    }

    #[test]
    fn a_formula_naming_an_unknown_figure_says_which_and_what_there_is() {
        let e = check(&draft("online_rat * 100")).unwrap_err();
        assert_eq!(e[0].field, "formula");
        assert_eq!(e[0].code, "unknown_figure");
        assert!(e[0].message.contains("“online_rat”"), "{}", e[0].message);
        assert!(e[0].message.contains("online_rate"));
        assert_eq!(check(&draft("(1 +")).unwrap_err()[0].code, "invalid");
        assert_eq!(check(&draft("42")).unwrap_err()[0].code, "constant");
        assert_eq!(
            check(&draft("print(online_rate)")).unwrap_err()[0].code,
            "unknown_function"
        );
        assert!(check(&draft("min(online_rate * 100, 100)")).is_ok());
    }

    #[test]
    fn a_value_needs_every_figure_it_names() {
        let mut f = BTreeMap::new();
        f.insert("online_rate", Some(0.5));
        f.insert("off_platform", None);
        assert_eq!(value("online_rate * 100", &f), Some(50.0));
        assert_eq!(value("off_platform + online_rate", &f), None);
        f.insert("received", Some(0.0));
        assert_eq!(value("online_rate / received", &f), None, "not a number");
    }

    #[test]
    fn ties_share_a_place() {
        assert_eq!(
            rank(&[Some(90.0), Some(80.0), Some(90.0), None, Some(70.0)]),
            vec![Some(1), Some(3), Some(1), None, Some(4)]
        );
    }

    proptest! {
        #[test]
        fn a_score_stays_within_its_weight_and_never_falls_as_the_value_improves(
            a in 0.0f64..200.0,
            b in 0.0f64..200.0,
            target in 0.0f64..150.0,
            weight in 1u32..100,
            higher in any::<bool>(),
        ) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let s_lo = score(lo, target, weight, higher);
            let s_hi = score(hi, target, weight, higher);
            prop_assert!((0.0..=f64::from(weight)).contains(&s_lo));
            prop_assert!((0.0..=f64::from(weight)).contains(&s_hi));
            if higher {
                prop_assert!(s_hi >= s_lo);
            } else {
                prop_assert!(s_lo >= s_hi);
            }
        }

        #[test]
        fn full_marks_everywhere_total_one_hundred(weights in prop::collection::vec(1u32..50, 1..8)) {
            let parts: Vec<_> = weights.iter().map(|w| (Some(f64::from(*w)), *w)).collect();
            let t = total(&parts).unwrap();
            prop_assert!((t - 100.0).abs() < 1e-9);
        }
    }
}
