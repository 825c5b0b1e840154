//! The audit trail (操作留痕): every change to a case appends an event whose SM3 hash covers the
//! previous event's hash, so editing or deleting a stored row breaks the chain and
//! `onewindow audit verify` names the first broken event.

use domain::case::CaseActor;
use sm3::{Digest, Sm3};
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
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
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

/// A broken link in a chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Broken {
    pub case_id: String,
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    pub cases: usize,
    pub events: usize,
    pub broken: Vec<Broken>,
}

/// Recomputes every chain, a page at a time.
pub async fn verify(app: &App, mut progress: impl FnMut(usize)) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    let mut c = app.store.conn().await?;
    let (mut after_case, mut after_seq) = (String::new(), 0i64);
    let (mut cur_case, mut prev_hash, mut expected_seq) =
        (String::new(), GENESIS.to_string(), 1i64);
    loop {
        let page = sc::events_after(&mut c, &after_case, after_seq, 1000).await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            if e.case_id != cur_case {
                cur_case = e.case_id.clone();
                prev_hash = GENESIS.to_string();
                expected_seq = 1;
                report.cases += 1;
            }
            report.events += 1;
            let mut problem = None;
            if e.seq != expected_seq {
                problem = Some(format!(
                    "缺少第 {expected_seq} 条记录（下一条是第 {} 条）",
                    e.seq
                ));
            } else if e.prev_hash != prev_hash {
                problem = Some("前序哈希与上一条记录不符（记录被删除或替换）".to_string());
            } else if hash(
                &e.prev_hash,
                e.seq,
                e.at,
                &e.actor,
                &e.role,
                &e.kind,
                &e.payload,
            ) != e.hash
            {
                problem = Some("内容与哈希不符（记录被修改）".to_string());
            }
            if let Some(reason) = problem
                && report.broken.last().is_none_or(|b| b.case_id != e.case_id)
            {
                report.broken.push(Broken {
                    case_id: e.case_id.clone(),
                    seq: e.seq,
                    reason,
                });
            }
            prev_hash = e.hash.clone();
            expected_seq = e.seq + 1;
        }
        let last = &page[page.len() - 1];
        after_case = last.case_id.clone();
        after_seq = last.seq;
        progress(report.events);
    }
    Ok(report)
}
