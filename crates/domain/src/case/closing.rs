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
