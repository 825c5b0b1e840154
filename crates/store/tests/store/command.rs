//! A case command's writes in one round (one query on SQLite): the versioned update, the
//! chained events, the watch and its warnings; and nothing of it when a check fails.

use domain::case::{Case, Channel};
use domain::fixtures::sample_item;
use store::StoreError;
use store::cases::*;
use store::command::{CommandWrite, commit_command, write_command};
use store::supervision::*;
use store::testing::on_both;

use crate::supervision::{warning_under as yellow, watch};
use time::macros::datetime;

fn case() -> Case {
    let mut c = Case::draft(
        "case-1".into(),
        &sample_item(),
        1,
        "app-1".into(),
        Channel::Online,
        datetime!(2026-11-27 09:00 +8),
    );
    c.version = 1;
    c
}

fn event(seq: i64, kind: &str) -> EventRow {
    EventRow {
        case_id: "case-1".into(),
        seq,
        at: 100 + seq,
        actor: "app-1".into(),
        role: "applicant".into(),
        kind: kind.into(),
        payload: format!("{{\"seq\":{seq}}}"),
        prev_hash: format!("h{}", seq - 1),
        hash: format!("h{seq}"),
    }
}

fn index(due: &str) -> CaseIndex {
    CaseIndex {
        queue_role: Some("reviewer".into()),
        due_date: Some(due.into()),
        verify_due: None,
        tolerance_due: Some("2026-12-20".into()),
    }
}

/// Writes `next` with `events`, moving the watch from `before` to `after`: as a transaction of
/// its own (`alone`, one query on SQLite) or inside one that commits only when it succeeds.
async fn write(
    (s, alone): (&store::Store, bool),
    next: &Case,
    events: &[EventRow],
    (before, after): (Option<&WatchRow>, Option<&WatchRow>),
    now: i64,
) -> store::Result<()> {
    let due = after.map(|w| w.due_date.as_str()).unwrap_or("2026-12-31");
    let w = CommandWrite {
        case: next,
        index: &index(due),
        events,
        watch_before: before,
        watch_after: after,
        now,
    };
    if alone {
        return commit_command(s, &w).await;
    }
    let mut tx = s.begin().await.unwrap();
    write_command(&mut tx, &w).await?;
    tx.commit().await.unwrap();
    Ok(())
}

/// What is stored: the case's version, its event numbers, its watch's due date and the due
/// dates of its open warnings.
async fn stored(s: &store::Store) -> (i64, Vec<i64>, Option<String>, Vec<String>) {
    let mut c = s.conn().await.unwrap();
    let case = get_case(&mut c, "case-1").await.unwrap().unwrap();
    let seqs = events(&mut c, "case-1")
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    let watch = watch_of_case(&mut c, "case-1")
        .await
        .unwrap()
        .map(|w| w.due_date);
    let open = warnings_of_case(&mut c, "case-1")
        .await
        .unwrap()
        .into_iter()
        .filter(|w| w.cleared_at.is_none())
        .map(|w| w.due_date)
        .collect();
    (case.version, seqs, watch, open)
}

async fn raise_under(s: &store::Store, w: &WatchRow, id: &str) {
    let mut tx = s.begin().await.unwrap();
    assert!(raise(&mut tx, &yellow(w, id)).await.unwrap());
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_command_writes_its_case_events_and_watch_together_or_not_at_all() {
    on_both(|s| async move { story(s, false).await }).await;
}

#[tokio::test]
async fn a_command_in_a_transaction_of_its_own_writes_all_or_nothing() {
    on_both(|s| async move { story(s, true).await }).await;
}

async fn story(s: store::Store, alone: bool) {
    let mut tx = s.begin().await.unwrap();
    insert_case(&mut tx, &case(), &CaseIndex::default(), 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (a, b) = (watch("2026-12-04"), watch("2026-12-18"));
    let (a_due, b_due) = (Some(a.due_date.clone()), Some(b.due_date.clone()));

    // Two events and a new watch, in one write.
    let mut next = case();
    next.version = 2;
    next.number = "51160220261127000001".into();
    let evs = [event(1, "edited"), event(2, "submitted")];
    write((&s, alone), &next, &evs, (None, Some(&a)), 200)
        .await
        .unwrap();
    raise_under(&s, &a, "w1").await;
    assert_eq!(
        stored(&s).await,
        (2, vec![1, 2], a_due.clone(), vec![a.due_date.clone()])
    );
    let mut c = s.conn().await.unwrap();
    let read = get_for_command(&mut c, "case-1").await.unwrap().unwrap();
    assert_eq!(read.case.number, next.number);
    assert_eq!(read.tail, Some((2, "h2".into())));
    assert_eq!(read.watch, Some(a.clone()));
    drop(c);

    // The watch unchanged: its warning stays open.
    next.version = 3;
    let evs = [event(3, "claimed")];
    write((&s, alone), &next, &evs, (Some(&a), Some(&a)), 300)
        .await
        .unwrap();
    assert_eq!(stored(&s).await.3, vec![a.due_date.clone()]);

    // A stale version writes nothing: neither the events nor the watch; nor does a stale
    // chain (an event number already taken).
    let moved = (Some(&a), Some(&b));
    let evs = [event(4, "accepted")];
    assert!(matches!(
        write((&s, alone), &next, &evs, moved, 400).await,
        Err(StoreError::Conflict { .. })
    ));
    next.version = 4;
    assert!(matches!(
        write((&s, alone), &next, &[event(3, "accepted")], moved, 400).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        stored(&s).await,
        (3, vec![1, 2, 3], a_due, vec![a.due_date.clone()])
    );

    // The deadline moves: the old warning is cleared; then the case leaves the watch.
    write((&s, alone), &next, &evs, moved, 400).await.unwrap();
    assert_eq!(stored(&s).await, (4, vec![1, 2, 3, 4], b_due, vec![]));
    raise_under(&s, &b, "w2").await;
    next.version = 5;
    let evs = [event(5, "completed")];
    write((&s, alone), &next, &evs, (Some(&b), None), 500)
        .await
        .unwrap();
    assert_eq!(stored(&s).await, (5, vec![1, 2, 3, 4, 5], None, vec![]));
    let mut c = s.conn().await.unwrap();
    let cleared = warnings_of_case(&mut c, "case-1").await.unwrap();
    assert!(cleared.iter().all(|w| w.cleared_reason == "办件已推进"));
    assert_eq!(
        cleared.iter().map(|w| w.cleared_at).collect::<Vec<_>>(),
        vec![Some(400), Some(500)]
    );
}
