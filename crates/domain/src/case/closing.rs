//! 出件与办结: the result leaves through the window, by post or electronically, and the case is
//! completed; until a decision the applicant may withdraw.

use super::machine::{CaseError, Ctx, check};
use super::{Delivery, Event};
use crate::error::Problems;

pub(super) fn issue(_cx: &Ctx, delivery: &Delivery) -> Result<Vec<Event>, CaseError> {
    if let Delivery::Post { carrier, tracking } = delivery {
        let mut p = Problems::default();
        p.text("carrier", carrier, "快递公司", 30);
        p.text("tracking", tracking, "运单号", 40);
        check(p)?;
    }
    Ok(vec![Event::Issued {
        delivery: delivery.clone(),
    }])
}

pub(super) fn complete(cx: &Ctx) -> Result<Vec<Event>, CaseError> {
    Ok(vec![Event::Completed { at: cx.now }])
}

pub(super) fn withdraw(cx: &Ctx, reason: &str) -> Result<Vec<Event>, CaseError> {
    Ok(vec![Event::Withdrawn {
        reason: if reason.trim().is_empty() {
            "申请人主动撤回".into()
        } else {
            reason.trim().into()
        },
        at: cx.now,
    }])
}

/// 核定收费 from the item's fee rules (`crate::payment::assess`).
pub(super) fn assess_fee(
    cx: &Ctx,
    fees: &[crate::payment::FeeLine],
) -> Result<Vec<Event>, CaseError> {
    let chosen: Vec<(String, u32)> = fees.iter().map(|f| (f.name.clone(), f.quantity)).collect();
    let due = crate::payment::assess(&cx.item.fees, &chosen).map_err(CaseError::Validation)?;
    Ok(vec![Event::FeeAssessed { due }])
}

/// A confirmed payment of exactly what was assessed.
pub(super) fn record_payment(
    cx: &Ctx,
    paid: &crate::payment::Paid,
) -> Result<Vec<Event>, CaseError> {
    let owed = cx.case.fee.as_ref().map_or(0, |f| f.total_fen);
    if paid.amount_fen != owed {
        return Err(CaseError::Validation(vec![crate::error::FieldError::new(
            "amount_fen",
            "mismatch",
            format!(
                "到账金额 {} 与应缴 {} 不符",
                crate::payment::yuan(paid.amount_fen),
                crate::payment::yuan(owed)
            ),
        )]));
    }
    Ok(vec![Event::Paid {
        paid: paid.clone(),
        at: cx.now,
    }])
}
