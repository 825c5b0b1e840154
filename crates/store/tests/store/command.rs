//! A case command's writes in one round (one query on SQLite): the versioned update, the
//! chained events, the watch and its warnings; and nothing of it when a check fails.

use domain::case::{Case, Channel};
use domain::fixtures::sample_item;
use store::StoreError;
use store::cases::*;
use store::command::{
    CommandWrite, Creation, Issued, commit_command, commit_creation, write_command,
};
use store::licenses::{
    Avoided, LicenseRow, UseRow, avoided_by_department, get_license, insert_license, upsert_type,
    uses_of,
};
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
    // As the app does: the columns as read before the command, so that only changes are set.
    let mut c = s.conn().await.unwrap();
    let stored = get_for_command(&mut c, "case-1").await.unwrap().unwrap();
    drop(c);
    let w = CommandWrite {
        case: next,
        index: &index(due),
        stored: &stored.columns,
        events,
        watch_before: before,
        watch_after: after,
        stats_before: None,
        stats_after: None,
        issued: None,
        outbox: &[],
        notifications: &[],
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

/// The case's columns as stored.
async fn columns(s: &store::Store) -> CaseColumns {
    let mut c = s.conn().await.unwrap();
    get_for_command(&mut c, "case-1")
        .await
        .unwrap()
        .unwrap()
        .columns
}

/// The columns a write of `next`, due on `due`, leaves.
fn written(next: &Case, due: &str) -> CaseColumns {
    CaseColumns {
        number: next.number.to_string(),
        state: next.state.as_str().into(),
        claimed_by: next.claimed_by.clone(),
        index: index(due),
    }
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

#[tokio::test]
async fn a_commands_outbox_events_keep_their_order_and_its_case_row_its_audit_head() {
    // On PostgreSQL a command's statements go as one statement of `WITH` queries, which
    // PostgreSQL runs in an order of its own: the outbox's numbering must still follow the
    // events, and the head the case keeps must be its last event.
    for alone in [true, false] {
        on_both(|s| async move {
            let mut tx = s.begin().await.unwrap();
            insert_case(&mut tx, &case(), &CaseIndex::default(), 1)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let mut c = s.conn().await.unwrap();
            let stored = get_for_command(&mut c, "case-1").await.unwrap().unwrap();
            let before = store::outbox::after(&mut c, 0, 100).await.unwrap().len();
            drop(c);
            let mut next = case();
            next.version = 2;
            let evs = [event(1, "edited"), event(2, "submitted")];
            let outbox: Vec<_> = (1..=3)
                .map(|i| store::outbox::OutboxRow {
                    id: format!("o-{alone}-{i}"),
                    topic: "case.changed".into(),
                    aggregate: "case:case-1".into(),
                    payload: format!("{{\"n\":{i}}}"),
                    created_at: 300,
                })
                .collect();
            let w = CommandWrite {
                case: &next,
                index: &index("2026-12-04"),
                stored: &stored.columns,
                events: &evs,
                watch_before: None,
                watch_after: None,
                stats_before: None,
                stats_after: None,
                issued: None,
                outbox: &outbox,
                notifications: &[],
                now: 300,
            };
            if alone {
                commit_command(&s, &w).await.unwrap();
            } else {
                let mut tx = s.begin().await.unwrap();
                write_command(&mut tx, &w).await.unwrap();
                tx.commit().await.unwrap();
            }
            let mut c = s.conn().await.unwrap();
            let ids: Vec<String> = store::outbox::after(&mut c, 0, 100)
                .await
                .unwrap()
                .into_iter()
                .skip(before)
                .map(|r| r.id)
                .collect();
            let want: Vec<String> = outbox.iter().map(|r| r.id.clone()).collect();
            assert_eq!(ids, want, "alone: {alone}");
            let read = get_for_command(&mut c, "case-1").await.unwrap().unwrap();
            assert_eq!(read.tail, Some((2, "h2".to_string())), "alone: {alone}");
            assert_eq!(events(&mut c, "case-1").await.unwrap().len(), 2);
        })
        .await;
    }
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
    assert_eq!(read.columns, written(&next, "2026-12-04"));
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
    assert_eq!(columns(&s).await, written(&next, "2026-12-31"));

    // A column set and then cleared, the others left as they are.
    for (version, claimed) in [(6, Some("r1")), (7, None)] {
        next.version = version;
        next.claimed_by = claimed.map(String::from);
        let evs = [event(version, "claimed")];
        write((&s, alone), &next, &evs, (None, None), 600)
            .await
            .unwrap();
        assert_eq!(columns(&s).await, written(&next, "2026-12-31"));
    }
    let mut c = s.conn().await.unwrap();
    let cleared = warnings_of_case(&mut c, "case-1").await.unwrap();
    assert!(cleared.iter().all(|w| w.cleared_reason == "办件已推进"));
    assert_eq!(
        cleared.iter().map(|w| w.cleared_at).collect::<Vec<_>>(),
        vec![Some(400), Some(500)]
    );
}

/// A draft case with the id `id`.
fn draft(id: &str) -> Case {
    Case {
        id: id.into(),
        ..case()
    }
}

/// Commits, as its own transaction, a command that takes case `id` to `version` with one
/// event (numbered `version - 1`), reading the stored columns first as the app does.
async fn edit(s: store::Store, id: &'static str, version: i64) -> store::Result<()> {
    let events = [EventRow {
        case_id: id.into(),
        ..event(version - 1, "edited")
    }];
    write_version(&s, id, version, &events, None, 100).await
}

/// Commits draft case `id` at `version` with `events` and the license it issues, reading
/// the stored columns first as the app does.
async fn write_version(
    s: &store::Store,
    id: &str,
    version: i64,
    events: &[EventRow],
    issued: Option<Issued<'_>>,
    now: i64,
) -> store::Result<()> {
    let mut next = draft(id);
    next.version = version;
    let mut c = s.conn().await.unwrap();
    let stored = get_for_command(&mut c, id).await.unwrap().unwrap();
    drop(c);
    let w = CommandWrite {
        case: &next,
        index: &index("2026-12-31"),
        stored: &stored.columns,
        events,
        watch_before: None,
        watch_after: None,
        stats_before: None,
        stats_after: None,
        issued,
        outbox: &[],
        notifications: &[],
        now,
    };
    commit_command(s, &w).await
}

#[tokio::test]
async fn commands_that_wait_together_commit_together_and_only_a_stale_one_fails() {
    on_both(|s| async move {
        let ids = ["g1", "g2", "g3", "g4"];
        let mut tx = s.begin().await.unwrap();
        for id in ids {
            insert_case(&mut tx, &draft(id), &CaseIndex::default(), 1)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        // While a transaction holds the writer, the commands queue behind it; on SQLite the
        // next turn then runs them as one transaction. In the first round g3 is stale (its
        // version does not follow the stored one): the group is undone and run one by one,
        // and only g3 fails. In the second every command is current.
        let rounds = [
            (
                [2, 2, 3, 2],
                ["ok", "ok", "conflict", "ok"],
                [(2, 1), (2, 1), (1, 0), (2, 1)],
            ),
            (
                [3, 3, 2, 3],
                ["ok", "ok", "ok", "ok"],
                [(3, 2), (3, 2), (2, 1), (3, 2)],
            ),
        ];
        for (versions, outcomes, stored_after) in rounds {
            let hold = s.begin().await.unwrap();
            let tasks: Vec<_> = ids
                .iter()
                .zip(versions)
                .map(|(&id, version)| tokio::spawn(edit(s.clone(), id, version)))
                .collect();
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            hold.commit().await.unwrap();

            let mut results = vec![];
            for t in tasks {
                results.push(match t.await.unwrap() {
                    Ok(()) => "ok",
                    Err(StoreError::Conflict { .. }) => "conflict",
                    Err(e) => panic!("{e}"),
                });
            }
            assert_eq!(results, outcomes);
            let mut c = s.conn().await.unwrap();
            for (id, want) in ids.iter().zip(stored_after) {
                let (version, events) = (
                    get_case(&mut c, id).await.unwrap().unwrap().version,
                    events(&mut c, id).await.unwrap().len(),
                );
                assert_eq!((version, events), want, "{id}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_command_abandoned_while_it_waits_is_not_written_later() {
    // A request cancelled while its command waits for the writer (SQLite) or for the case's
    // row (PostgreSQL) leaves nothing behind, not even when the next write comes along.
    on_both(|s| async move {
        use sqlx::Executor;
        let mut tx = s.begin().await.unwrap();
        for id in ["w1", "w2"] {
            insert_case(&mut tx, &draft(id), &CaseIndex::default(), 1)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let mut hold = s.begin().await.unwrap();
        hold.execute("UPDATE cases SET claimed_by = claimed_by WHERE id = 'w1'")
            .await
            .unwrap();
        let abandoned = tokio::spawn(edit(s.clone(), "w1", 2));
        let pg = s.backend() == store::db::Backend::Postgres;
        if pg {
            // Abandoned only once it waits for the row.
            until(
                &mut hold,
                |n| n == 1,
                "the command never waited for the row",
            )
            .await;
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        abandoned.abort();
        assert!(abandoned.await.unwrap_err().is_cancelled());
        if pg {
            // The command's statement runs without `BEGIN`: PostgreSQL cancels it once it
            // sees its client gone (client_connection_check_interval), before the lock frees.
            until(&mut hold, |n| n == 0, "still waiting after 10 s").await;
        }
        hold.commit().await.unwrap();
        edit(s.clone(), "w2", 2).await.unwrap();

        let mut c = s.conn().await.unwrap();
        for (id, version) in [("w1", 1), ("w2", 2)] {
            let case = get_case(&mut c, id).await.unwrap().unwrap();
            assert_eq!(case.version, version, "{id}");
        }
        assert!(events(&mut c, "w1").await.unwrap().is_empty());
    })
    .await;
}

/// Waits (at most 10 s, else fails with `what`) until the number of PostgreSQL sessions
/// waiting for a lock that `tx`'s session holds satisfies `done`.
async fn until(tx: &mut store::Tx, done: impl Fn(i64) -> bool, what: &str) {
    use sqlx::Row;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let blocked: i64 = sqlx::query(
            "SELECT CAST(count(*) AS BIGINT) FROM pg_stat_activity
             WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))",
        )
        .fetch_one(&mut **tx)
        .await
        .unwrap()
        .get(0);
        if done(blocked) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_case_is_created_with_its_license_uses_in_one_write_or_not_at_all() {
    on_both(|s| async move {
        let (l1, l2) = (
            crate::licenses::license("L1", None),
            crate::licenses::license("L2", None),
        );
        seed(&s, &[l1, l2], &[]).await;
        let created = draft("new-1");
        let use_of = |license: &str| UseRow {
            license_id: license.into(),
            case_id: "new-1".into(),
            material: "营业执照".into(),
            department: "511600-SCJG".into(),
            actor: "app-1".into(),
            reason: "办理食品经营许可".into(),
            at: 5,
        };
        let avoided = [Avoided {
            case_id: "new-1",
            item_code: "ITEM-A",
            department: "511600-SCJG",
            material: "营业执照",
            via: "license",
            at: 5,
        }];
        let first = EventRow {
            case_id: "new-1".into(),
            ..event(1, "created")
        };
        let none = CaseIndex::default();
        let (uses_1, uses_2) = ([use_of("L1")], [use_of("L2")]);
        let told = |id: &str| store::agents::NotificationRow {
            id: id.into(),
            account_id: "principal".into(),
            at: 5,
            kind: "agent_filed".into(),
            text: "代您申请了".into(),
            case_id: Some("new-1".into()),
            read_at: None,
        };
        let (n1, n2) = (told("n1"), told("n2"));
        // A walk-in's account rides in the second write, which must leave nothing behind.
        let walk_in = crate::accounts::account("511602198505053219");
        let creation = |uses, notification, walk_in| Creation {
            case: &created,
            index: &none,
            uses,
            avoided: &avoided,
            event: &first,
            notification,
            walk_in,
            outbox: &[],
            inbound: None,
            stats: None,
            now: 5,
        };
        commit_creation(&s, &creation(&uses_1, Some(&n1), None))
            .await
            .unwrap();
        // The same case again: its id is taken, and nothing of the second write stays.
        let again = commit_creation(&s, &creation(&uses_2, Some(&n2), Some(&walk_in))).await;
        assert!(again.is_err(), "{again:?}");
        let mut c = s.conn().await.unwrap();
        assert_eq!(
            store::accounts::find_by_login(&mut c, &walk_in.login)
                .await
                .unwrap(),
            None
        );
        drop(c);

        let mut c = s.conn().await.unwrap();
        assert_eq!(
            store::agents::notifications(&mut c, "principal", 10)
                .await
                .unwrap(),
            std::slice::from_ref(&n1),
            "the principal is told once, in the creation's own write"
        );
        assert_eq!(
            get_case(&mut c, "new-1").await.unwrap(),
            Some(created.clone())
        );
        assert_eq!(events(&mut c, "new-1").await.unwrap(), vec![first.clone()]);
        assert_eq!(uses_of(&mut c, "L1").await.unwrap(), vec![use_of("L1")]);
        assert_eq!(uses_of(&mut c, "L2").await.unwrap(), vec![]);
        assert_eq!(
            avoided_by_department(&mut c).await.unwrap(),
            vec![("511600-SCJG".to_string(), 1)]
        );
    })
    .await;
}

#[tokio::test]
async fn an_approval_stores_its_license_and_replaces_the_holders_other_one_or_nothing() {
    on_both(|s| async move {
        let someone_else = LicenseRow {
            holder_id: "91511600MA6YYYYYYY".into(),
            ..crate::licenses::license("other", None)
        };
        let old = crate::licenses::license("old", None);
        seed(&s, &[old, someone_else], &["ap-1"]).await;
        // The applicant who filed for the holder (a founder, a parent) may see it.
        let founder = crate::accounts::account("511602199001011234");
        let mut tx = s.begin().await.unwrap();
        store::accounts::insert_account(&mut tx, &founder)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let link = store::subjects::HolderLink {
            holder_id: crate::licenses::license("x", None).holder_id,
            account_id: founder.id.clone(),
            relation: "法定代表人".into(),
            created_at: 7,
        };

        let approve = |version: i64, license: &'static str| {
            let s = s.clone();
            let link = link.clone();
            async move {
                let row = LicenseRow {
                    created_at: 7,
                    ..crate::licenses::license(license, None)
                };
                let events = [
                    EventRow {
                        case_id: "ap-1".into(),
                        ..event(1, "decided")
                    },
                    EventRow {
                        case_id: "ap-1".into(),
                        ..event(2, "license_issued")
                    },
                ];
                let issued = Issued {
                    license: &row,
                    replaces_others: true,
                    link: Some(&link),
                };
                write_version(&s, "ap-1", version, &events, Some(issued), 7).await
            }
        };
        approve(2, "new").await.unwrap();
        // A stale approval (version 2 again) is refused, and its license is not stored.
        let stale = approve(2, "stale").await;
        assert!(
            matches!(stale, Err(StoreError::Conflict { .. })),
            "{stale:?}"
        );

        let mut c = s.conn().await.unwrap();
        let status = |l: Option<LicenseRow>| l.map(|l| (l.status, l.status_note, l.updated_at));
        assert_eq!(
            status(get_license(&mut c, "new").await.unwrap()),
            Some(("valid".into(), String::new(), 1))
        );
        assert_eq!(
            status(get_license(&mut c, "old").await.unwrap()),
            Some(("replaced".into(), "new".into(), 7))
        );
        assert_eq!(
            status(get_license(&mut c, "other").await.unwrap()),
            Some(("valid".into(), String::new(), 1)),
            "another holder's license of the type stays valid"
        );
        assert_eq!(get_license(&mut c, "stale").await.unwrap(), None);
        assert_eq!(events(&mut c, "ap-1").await.unwrap().len(), 2);
        // The link came with the license, once, though two approvals carried it.
        assert_eq!(
            store::subjects::linked_holders(&mut c, &founder.id)
                .await
                .unwrap(),
            vec![(link.holder_id.clone(), "法定代表人".to_string())]
        );
        assert!(
            store::subjects::is_linked(&mut c, &link.holder_id, &founder.id)
                .await
                .unwrap()
        );
        assert!(
            !store::subjects::is_linked(&mut c, "91511600MA6YYYYYYY", &founder.id)
                .await
                .unwrap()
        );
        // Identifier serials count per kind and key.
        let draw = |k: &'static str| store::subjects::reserve_identifier(&s, "uscc", k);
        assert_eq!(
            (draw("511600").await.unwrap(), draw("511600").await.unwrap()),
            (1, 2)
        );
        assert_eq!(draw("511602").await.unwrap(), 1);
    })
    .await;
}

/// Stores the food permit's type, `licenses` of it and draft cases with the ids `cases`.
async fn seed(s: &store::Store, licenses: &[LicenseRow], cases: &[&str]) {
    let mut tx = s.begin().await.unwrap();
    upsert_type(&mut tx, &crate::licenses::food_permit())
        .await
        .unwrap();
    for l in licenses {
        insert_license(&mut tx, l).await.unwrap();
    }
    for id in cases {
        insert_case(&mut tx, &draft(id), &CaseIndex::default(), 1)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_command_reads_the_bundle_its_case_is_a_member_of_with_the_case() {
    // The member's edit (the uploads the bundle claimed) and its approval (the members
    // waiting on it) go by this, so it must name the bundle, and only for a member.
    on_both(|s| async move {
        use store::bundles::{BundleCaseRow, ChildRow, insert_bundle_case, insert_child};
        let mut tx = s.begin().await.unwrap();
        insert_case(&mut tx, &case(), &CaseIndex::default(), 1)
            .await
            .unwrap();
        let mut other = case();
        other.id = "case-2".into();
        insert_case(&mut tx, &other, &CaseIndex::default(), 1)
            .await
            .unwrap();
        let bundle = domain::bundle::BundleDefinition {
            code: "newborn".into(),
            name: "新生儿出生".into(),
            description: String::new(),
            lead_department: "D1".into(),
            region: "110101".into(),
            members: Vec::new(),
            fields: Vec::new(),
            promised_days: 5,
            subject: Default::default(),
        };
        store::bundles::upsert_bundle(&mut tx, &bundle, 1)
            .await
            .unwrap();
        insert_bundle_case(
            &mut tx,
            &BundleCaseRow {
                id: "bundle-1".into(),
                number: "B1".into(),
                bundle_code: "newborn".into(),
                applicant_id: "app-1".into(),
                lead_department: "D1".into(),
                region: "110101".into(),
                data: "{}".into(),
                created_at: 1,
            },
        )
        .await
        .unwrap();
        for (item, case_id) in [("A", Some("case-1")), ("B", None)] {
            let child = ChildRow {
                bundle_case_id: "bundle-1".into(),
                item_code: item.into(),
                status: if case_id.is_some() {
                    "started"
                } else {
                    "waiting"
                }
                .into(),
                case_id: case_id.map(Into::into),
                note: String::new(),
            };
            insert_child(&mut tx, &child).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut c = s.conn().await.unwrap();
        let member = get_for_command(&mut c, "case-1").await.unwrap().unwrap();
        assert_eq!(member.bundle.as_deref(), Some("bundle-1"));
        assert_eq!(member.case.id.as_str(), "case-1");
        let alone = get_for_command(&mut c, "case-2").await.unwrap().unwrap();
        assert_eq!(alone.bundle, None);
        assert_eq!(alone.case.id.as_str(), "case-2");
    })
    .await;
}
