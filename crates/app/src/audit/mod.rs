//! The audit trail (操作留痕): every change to a case appends an event whose SM3 hash covers the
//! previous event's hash, so editing or deleting a stored row breaks the chain and
//! `onewindow audit verify` names the first broken event. The chain's head is kept with the
//! case (so deleting its last events shows), administrative actions have a chain of their
//! own, and a signed checkpoint of every head (`checkpoint`), kept off the server, shows a
//! chain rewritten and recomputed after it was taken.

mod checkpoint;
mod verify;

pub use checkpoint::{Checkpoint, Head, write_checkpoint};
pub use verify::{Broken, VerifyReport, verify};

use domain::case::CaseActor;
use sm3::{Digest, Sm3};
use store::accounts::AdminEventRow;
use store::cases::{self as sc, EventRow};

use crate::{App, Result};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn actor_fields(who: &CaseActor) -> (String, String) {
    match who {
        CaseActor::Applicant { id } => (id.clone(), "applicant".into()),
        CaseActor::Staff { id, roles } => (
            id.clone(),
            roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        CaseActor::System => ("system".into(), "system".into()),
    }
}

/// The hash of an event: fields joined with a separator that cannot occur in them unescaped
/// (the payload is JSON, whose strings escape control characters).
pub fn hash(
    prev: &str,
    seq: i64,
    at: i64,
    actor: &str,
    role: &str,
    kind: &str,
    payload: &str,
) -> String {
    let mut h = Sm3::new();
    for part in [
        prev,
        &seq.to_string(),
        &at.to_string(),
        actor,
        role,
        kind,
        payload,
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

pub async fn append(
    conn: &mut store::Connection,
    case_id: &str,
    who: &CaseActor,
    kind: &str,
    payload: &str,
    at: i64,
) -> Result<()> {
    let mut tail = sc::last_event(&mut *conn, case_id).await?;
    append_after(conn, &mut tail, case_id, who, kind, payload, at).await
}

/// Appends after a latest event the caller already knows (`None` for a new case) and moves
/// `tail` on to the new event. A stale `tail` cannot fork the chain: the event's sequence
/// number is then taken, and the insert fails as a conflict.
pub async fn append_after(
    conn: &mut store::Connection,
    tail: &mut Option<(i64, String)>,
    case_id: &str,
    who: &CaseActor,
    kind: &str,
    payload: &str,
    at: i64,
) -> Result<()> {
    let row = chain(tail, case_id, who, kind, payload, at);
    sc::append_event(conn, &row).await?;
    Ok(())
}

/// The event that follows `tail` (`None` for a new case), with its hash; moves `tail` on to
/// it. Storing it is the caller's: a stale `tail` makes that insert fail as a conflict.
pub fn chain(
    tail: &mut Option<(i64, String)>,
    case_id: &str,
    who: &CaseActor,
    kind: &str,
    payload: &str,
    at: i64,
) -> EventRow {
    let (seq, prev) = match tail.take() {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let (actor, role) = actor_fields(who);
    let hash = hash(&prev, seq, at, &actor, &role, kind, payload);
    *tail = Some((seq, hash.clone()));
    EventRow {
        case_id: case_id.into(),
        seq,
        at,
        actor,
        role,
        kind: kind.into(),
        payload: payload.into(),
        prev_hash: prev,
        hash,
    }
}

/// Appends an administrative action to its chain, in the caller's transaction: `actor` did
/// `action` to `target`. Two writers racing for the same place fail one as a conflict.
pub(crate) async fn admin(
    conn: &mut store::Connection,
    app: &App,
    actor: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<()> {
    let (seq, prev) = match store::accounts::last_admin_event(conn).await? {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let at = app.now_ms();
    let detail = detail.to_string();
    let row = AdminEventRow {
        hash: hash(&prev, seq, at, actor, action, target, &detail),
        at,
        actor: actor.to_string(),
        action: action.to_string(),
        target: target.to_string(),
        detail,
        seq,
        prev_hash: prev,
    };
    store::accounts::insert_admin_event(conn, &row)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict { .. } => crate::AppError::Conflict {
                field: "seq".into(),
                message: "管理操作记录刚被他人写入，请重试".into(),
            },
            other => other.into(),
        })
}
