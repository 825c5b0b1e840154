//! Folding events into the case: the only place a case's fields change.

use super::{Case, CaseState, Event, OpenPause, Provision};
use crate::calendar::{Pause, china_date};
use crate::visits::{Visit, VisitKind};

/// Folds events into the case. Events come from [`decide`], so they are valid for the case.
pub fn apply(mut case: Case, events: &[Event]) -> Case {
    use CaseState as S;
    for e in events {
        match e {
            Event::Edited { form, materials } => {
                case.form.extend(form.clone());
                case.form.retain(|_, v| !v.trim().is_empty());
                case.materials.extend(materials.clone());
            }
            Event::Submitted { at } => {
                case.state = S::Submitted;
                case.submitted_at = Some(*at);
            }
            Event::CommitmentSigned { signer, at } => {
                case.commitment_signed = Some(super::SignedCommitment {
                    signer: signer.clone(),
                    at: *at,
                });
                // The item's 告知承诺书 material is this signature: nothing to upload.
                for (name, p) in case.materials.iter_mut() {
                    if crate::workflow::is_commitment_letter(name) && !p.is_provided() {
                        *p = Provision::SignedOnline {
                            signer: signer.clone(),
                        };
                    }
                }
            }
            Event::SupplementRequested { notice } => {
                case.state = S::SupplementRequested;
                case.supplement = Some(notice.clone());
                case.supplement_rounds += 1;
            }
            Event::Supplied {
                form,
                materials,
                at,
            } => {
                case.form.extend(form.clone());
                case.materials.extend(materials.clone());
                case.state = S::Submitted;
                case.submitted_at = Some(*at);
                visited_with_originals(&mut case, materials, *at);
            }
            Event::Accepted {
                effective,
                pending,
                committed,
                ..
            } => {
                case.state = S::Accepted;
                case.accepted_at = Some(*effective);
                for (name, due) in pending {
                    case.materials
                        .insert(name.clone(), Provision::Pending { due: *due });
                }
                for name in committed {
                    case.materials.insert(name.clone(), Provision::Committed);
                }
            }
            Event::RejectedAtIntake { at, reason } => {
                case.state = S::RejectedAtIntake;
                case.closed_at = Some(*at);
                case.close_reason = reason.clone();
            }
            Event::RefusalProposed {
                reason,
                by,
                at,
                legal_basis,
            } => {
                case.state = S::RefusalPending;
                case.proposed_refusal = Some(crate::case::ProposedRefusal {
                    reason: reason.clone(),
                    by: by.clone(),
                    at: *at,
                    legal_basis: legal_basis.clone(),
                });
            }
            Event::RefusalOverturned { .. } => {
                // A proposed 不予许可 goes back to the accepted case, a 不予受理 to intake.
                let denial = case
                    .proposed_refusal
                    .as_ref()
                    .is_some_and(|p| p.is_denial());
                case.state = if denial { S::Accepted } else { S::Submitted };
                case.proposed_refusal = None;
            }
            Event::Claimed { by, .. } => {
                case.state = S::InReview;
                case.claimed_by = Some(by.clone());
            }
            Event::StepCompleted { by, .. } => {
                case.step += 1;
                case.claimed_by = None;
                case.step_holders.push(by.clone());
            }
            Event::Decided { decision } => {
                case.state = if decision.approved {
                    S::Approved
                } else {
                    S::Denied
                };
                if !decision.approved {
                    case.closed_at = Some(decision.at);
                    case.close_reason = decision.reason.clone();
                }
                case.claimed_by = None;
                case.decision = Some(decision.clone());
            }
            Event::Suspended {
                reason,
                expected_days,
                since,
            } => {
                case.state = S::Suspended;
                case.open_pause = Some(OpenPause {
                    since: *since,
                    reason: reason.clone(),
                    expected_days: *expected_days,
                });
            }
            Event::Resumed { pause } => {
                case.state = S::InReview;
                case.open_pause = None;
                case.pauses.push(pause.clone());
            }
            Event::Extended { days, .. } => case.extension_days += days,
            Event::Issued { delivery } => {
                case.state = S::Issuing;
                case.delivery = Some(delivery.clone());
            }
            Event::Completed { at } => {
                case.state = S::Completed;
                case.closed_at = Some(*at);
                if matches!(case.delivery, Some(crate::case::Delivery::Window { .. })) {
                    case.visits.push(Visit {
                        kind: VisitKind::Pickup,
                        at: *at,
                    });
                }
            }
            Event::Withdrawn { reason, at } => {
                case.state = S::Withdrawn;
                case.closed_at = Some(*at);
                case.close_reason = reason.clone();
                case.claimed_by = None;
                // A pause still open when the case closes is kept, so its deadlines stay explained.
                if let Some(open) = case.open_pause.take() {
                    let last = china_date(*at).max(open.since);
                    case.pauses.push(Pause {
                        first: open.since,
                        last,
                        reason: open.reason,
                    });
                }
            }
            Event::PendingSupplied { materials, at } => {
                case.materials.extend(materials.clone());
                visited_with_originals(&mut case, materials, *at);
            }
            Event::FeeAssessed { due } => case.fee = Some(due.clone()),
            Event::Paid { paid, .. } => {
                if let Some(f) = case.fee.as_mut() {
                    f.paid = Some(paid.clone());
                }
            }
            Event::OriginalsSent { materials, by, at } => {
                if let Some(r) = case.relay.as_mut() {
                    r.originals = materials.clone();
                    r.originals_sent = Some(crate::case::relay::Stamp {
                        by: by.clone(),
                        at: *at,
                    });
                }
            }
            Event::PickupChosen { point, .. } => {
                if let Some(r) = case.relay.as_mut() {
                    r.pickup = point.clone();
                }
            }
            Event::OriginalsReceived { by, at } => {
                if let Some(r) = case.relay.as_mut() {
                    r.originals_received = Some(crate::case::relay::Stamp {
                        by: by.clone(),
                        at: *at,
                    });
                }
            }
            Event::Verified { passed, note, at } => {
                if let Some(d) = case.decision.as_mut() {
                    d.verification_due = None;
                }
                if !passed {
                    case.state = S::Revoked;
                    case.closed_at = Some(*at);
                    case.close_reason = note.clone();
                }
            }
        }
    }
    case
}

/// An original checked by a clerk when supplying means the person came to the window.
fn visited_with_originals(
    case: &mut Case,
    materials: &std::collections::BTreeMap<String, Provision>,
    at: time::OffsetDateTime,
) {
    if materials
        .values()
        .any(|p| matches!(p, Provision::CheckedOriginal { .. }))
    {
        case.visits.push(Visit {
            kind: VisitKind::Originals,
            at,
        });
    }
}
