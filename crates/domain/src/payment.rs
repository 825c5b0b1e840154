//! 统一公共支付: fees a case owes, as the department assessed them from the item's fee rules,
//! paid through the province's public payment platform, with an electronic receipt (电子票据);
//! and the daily reconciliation of our orders against the platform's statement.

use serde::{Deserialize, Serialize};

use crate::catalog::Fee;
use crate::error::{FieldError, Problems};

/// An amount in fen (分), the unit every sum is kept in.
pub type Fen = i64;

/// The price of a fee rule as its text states it ("20元/证", "120元/本", "0.5元"), in fen;
/// None when the text states no fixed price ("按标准收取"), which is then collected where
/// the service is given, not online.
pub fn price_of(amount: &str) -> Option<Fen> {
    let t = amount.trim();
    let end = t.find('元')?;
    let number = t[..end].trim();
    let (yuan, fraction) = number.split_once('.').unwrap_or((number, ""));
    if yuan.is_empty()
        || !yuan.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || yuan.len() > 9
    {
        return None;
    }
    let cents = format!("{fraction:0<2}").parse::<Fen>().ok()?;
    Some(yuan.parse::<Fen>().ok()? * 100 + cents)
}

/// Fen as yuan for people: 2000 → "20.00 元".
pub fn yuan(fen: Fen) -> String {
    format!("{}.{:02} 元", fen / 100, fen % 100)
}

/// One line of an assessment: a fee rule of the item and how many of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeLine {
    pub name: String,
    pub quantity: u32,
    /// The rule's price when assessed.
    #[serde(default)]
    pub unit_fen: Fen,
}

/// What a case owes, assessed by the department (核定), and its payment once made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeDue {
    pub lines: Vec<FeeLine>,
    pub total_fen: Fen,
    pub paid: Option<Paid>,
}

/// A payment the platform confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Paid {
    pub order: String,
    /// The platform's transaction number.
    pub trade_no: String,
    pub amount_fen: Fen,
    /// 电子票据号 and where the receipt can be seen.
    pub receipt_no: String,
    pub receipt_url: String,
}

impl FeeDue {
    /// Whether the case may be issued: nothing owed (a waiver assessed at 0) or paid.
    pub fn settled(&self) -> bool {
        self.total_fen == 0 || self.paid.is_some()
    }

    /// What is still to be paid: the total while unpaid, None when settled.
    pub fn owed(&self) -> Option<Fen> {
        (!self.settled()).then_some(self.total_fen)
    }

    /// Why the result may not be issued yet, when it may not.
    pub fn unpaid(&self) -> Option<String> {
        self.owed()
            .map(|fen| format!("应缴 {} 尚未缴纳，缴费后才能出件", yuan(fen)))
    }
}

/// Prices the chosen lines from the item's fee rules: each must name a priced rule, at most
/// 99 of it, and a rule once. An empty choice is a waiver (减免): nothing owed.
pub fn assess(fees: &[Fee], chosen: &[(String, u32)]) -> Result<FeeDue, Vec<FieldError>> {
    let mut p = Problems::default();
    let mut lines = Vec::new();
    for (name, quantity) in chosen {
        let Some(rule) = fees.iter().find(|f| f.name == *name) else {
            p.push("fees", "unknown", format!("事项没有收费项目“{name}”"));
            continue;
        };
        let Some(unit) = price_of(&rule.amount) else {
            p.push(
                "fees",
                "unpriced",
                format!("“{name}”（{}）没有固定金额，不能网上缴纳", rule.amount),
            );
            continue;
        };
        if *quantity == 0 || *quantity > 99 {
            p.push("fees", "quantity", format!("“{name}”的数量应为 1 到 99"));
            continue;
        }
        if lines.iter().any(|l: &FeeLine| l.name == *name) {
            p.push("fees", "repeated", format!("“{name}”重复了"));
            continue;
        }
        lines.push(FeeLine {
            name: name.clone(),
            quantity: *quantity,
            unit_fen: unit,
        });
    }
    p.into_result()?;
    let total_fen = lines
        .iter()
        .map(|l| l.unit_fen * Fen::from(l.quantity))
        .sum();
    Ok(FeeDue {
        lines,
        total_fen,
        paid: None,
    })
}

/// An order as one side records it for a day's reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub order: String,
    pub amount_fen: Fen,
    /// `paid` or `refunded`.
    pub state: String,
}

/// A difference between our orders and the platform's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mismatch {
    /// The platform took money we have not recorded (its notice never reached us).
    OnlyThere { order: String, amount_fen: Fen },
    /// We recorded a payment the platform does not list.
    OnlyHere { order: String, amount_fen: Fen },
    Amount {
        order: String,
        here: Fen,
        there: Fen,
    },
    State {
        order: String,
        here: String,
        there: String,
    },
}

impl Mismatch {
    pub fn describe(&self) -> String {
        match self {
            Mismatch::OnlyThere { order, amount_fen } => {
                format!(
                    "订单 {order}：平台已收 {}，本平台未记录到账",
                    yuan(*amount_fen)
                )
            }
            Mismatch::OnlyHere { order, amount_fen } => {
                format!(
                    "订单 {order}：本平台记录到账 {}，平台对账单中没有",
                    yuan(*amount_fen)
                )
            }
            Mismatch::Amount { order, here, there } => format!(
                "订单 {order}：金额不符（本平台 {}，平台 {}）",
                yuan(*here),
                yuan(*there)
            ),
            Mismatch::State { order, here, there } => {
                format!("订单 {order}：状态不符（本平台 {here}，平台 {there}）")
            }
        }
    }
}

/// Compares a day's orders on both sides, by order number, in order-number order.
pub fn reconcile(ours: &[Entry], theirs: &[Entry]) -> Vec<Mismatch> {
    use std::collections::BTreeMap;
    let here: BTreeMap<&str, &Entry> = ours.iter().map(|e| (e.order.as_str(), e)).collect();
    let there: BTreeMap<&str, &Entry> = theirs.iter().map(|e| (e.order.as_str(), e)).collect();
    let mut orders: Vec<&str> = here.keys().chain(there.keys()).copied().collect();
    orders.sort_unstable();
    orders.dedup();
    let mut out = Vec::new();
    for o in orders {
        match (here.get(o), there.get(o)) {
            (Some(h), None) => out.push(Mismatch::OnlyHere {
                order: o.into(),
                amount_fen: h.amount_fen,
            }),
            (None, Some(t)) => out.push(Mismatch::OnlyThere {
                order: o.into(),
                amount_fen: t.amount_fen,
            }),
            (Some(h), Some(t)) if h.amount_fen != t.amount_fen => out.push(Mismatch::Amount {
                order: o.into(),
                here: h.amount_fen,
                there: t.amount_fen,
            }),
            (Some(h), Some(t)) if h.state != t.state => out.push(Mismatch::State {
                order: o.into(),
                here: h.state.clone(),
                there: t.state.clone(),
            }),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fee(name: &str, amount: &str) -> Fee {
        Fee {
            name: name.into(),
            amount: amount.into(),
            basis: String::new(),
        }
    }

    #[test]
    fn prices_are_read_from_the_rules_text_or_not_at_all() {
        assert_eq!(price_of("20元/证"), Some(2000));
        assert_eq!(price_of("120元/本"), Some(12000));
        assert_eq!(price_of(" 0.5元 "), Some(50));
        assert_eq!(price_of("10.05元/张"), Some(1005));
        assert_eq!(price_of("按体检机构公示的收费标准收取"), None);
        assert_eq!(price_of("元"), None);
        assert_eq!(price_of("1.234元"), None);
        assert_eq!(price_of("-5元"), None);
        assert_eq!(yuan(2005), "20.05 元");
    }

    #[test]
    fn an_assessment_names_priced_rules_once_and_sums_them() {
        let fees = [
            fee("工本费（申领）", "20元/证"),
            fee("工本费（补领）", "40元/证"),
            fee("体检费", "按标准收取"),
        ];
        let due = assess(&fees, &[("工本费（补领）".into(), 2)]).unwrap();
        assert_eq!(due.total_fen, 8000);
        assert!(!due.settled());
        assert_eq!(due.owed(), Some(8000));
        assert!(due.unpaid().unwrap().contains("80.00 元"));
        let waiver = assess(&fees, &[]).unwrap();
        assert!(waiver.settled(), "a waiver owes nothing");
        assert_eq!((waiver.owed(), waiver.unpaid()), (None, None));
        let e = assess(
            &fees,
            &[
                ("体检费".into(), 1),
                ("照相费".into(), 1),
                ("工本费（申领）".into(), 0),
            ],
        )
        .unwrap_err();
        let codes: Vec<_> = e.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["unpriced", "unknown", "quantity"]);
        let twice = [
            ("工本费（申领）".to_string(), 1),
            ("工本费（申领）".to_string(), 1),
        ];
        assert_eq!(assess(&fees, &twice).unwrap_err()[0].code, "repeated");
    }

    #[test]
    fn reconciliation_names_each_difference() {
        let e = |o: &str, a: Fen, s: &str| Entry {
            order: o.into(),
            amount_fen: a,
            state: s.into(),
        };
        let ours = [
            e("A", 2000, "paid"),
            e("B", 2000, "paid"),
            e("D", 100, "paid"),
        ];
        let theirs = [
            e("A", 2000, "paid"),
            e("C", 500, "paid"),
            e("D", 200, "paid"),
        ];
        let m = reconcile(&ours, &theirs);
        assert_eq!(
            m,
            [
                Mismatch::OnlyHere {
                    order: "B".into(),
                    amount_fen: 2000
                },
                Mismatch::OnlyThere {
                    order: "C".into(),
                    amount_fen: 500
                },
                Mismatch::Amount {
                    order: "D".into(),
                    here: 100,
                    there: 200
                },
            ]
        );
        assert!(m[1].describe().contains("5.00 元"));
    }

    proptest! {
        #[test]
        fn a_price_written_in_yuan_reads_back_in_fen(yuan_part in 0i64..1_000_000, fen in 0i64..100) {
            let text = format!("{yuan_part}.{fen:02}元/件");
            prop_assert_eq!(price_of(&text), Some(yuan_part * 100 + fen));
        }

        #[test]
        fn the_same_books_reconcile_and_any_one_change_is_found(
            amounts in proptest::collection::vec(1i64..100_000, 0..12),
            pick in any::<usize>(),
        ) {
            let ours: Vec<Entry> = amounts.iter().enumerate()
                .map(|(i, a)| Entry { order: format!("O{i:03}"), amount_fen: *a, state: "paid".into() })
                .collect();
            prop_assert!(reconcile(&ours, &ours).is_empty());
            if !ours.is_empty() {
                let mut theirs = ours.clone();
                let i = pick % theirs.len();
                theirs[i].amount_fen += 1;
                prop_assert_eq!(reconcile(&ours, &theirs).len(), 1);
                theirs.remove(i);
                prop_assert_eq!(reconcile(&ours, &theirs), vec![Mismatch::OnlyHere { order: ours[i].order.clone(), amount_fen: ours[i].amount_fen }]);
            }
        }
    }
}
