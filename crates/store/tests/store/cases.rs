use domain::case::{Case, Channel};
use domain::fixtures::sample_item;
use store::StoreError;
use store::cases::*;
use store::testing::on_both;
use time::macros::datetime;

fn case(id: &str) -> Case {
    let mut c = Case::draft(
        id.into(),
        &sample_item(),
        1,
        "app-1".into(),
        Channel::Online,
        datetime!(2026-11-27 09:00 +8),
    );
    c.version = 1;
    c
}

fn queued(role: &str, due: &str) -> CaseIndex {
    CaseIndex {
        queue_role: Some(role.into()),
        due_date: Some(due.into()),
        verify_due: None,
        tolerance_due: None,
    }
}

#[tokio::test]
async fn a_stale_version_loses_and_queues_sort_by_deadline() {
    on_both(|s| async move {
        let mut tx = s.begin().await.unwrap();
        insert_case(&mut tx, &case("a"), &queued("reviewer", "2026-12-10"), 1)
            .await
            .unwrap();
        insert_case(&mut tx, &case("b"), &queued("reviewer", "2026-12-01"), 1)
            .await
            .unwrap();
        insert_case(&mut tx, &case("c"), &queued("clerk", "2026-11-30"), 1)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = s.conn().await.unwrap();
        let (q, total) = queue(
            &mut c,
            "reviewer",
            &["511600".into()],
            Some("511600-SCJG"),
            10,
            0,
            10,
        )
        .await
        .unwrap();
        assert_eq!(
            (
                q.iter().map(|(c, _)| c.id.as_str()).collect::<Vec<_>>(),
                total
            ),
            (
                vec!["b", "a"],
                Total {
                    count: 2,
                    capped: false
                }
            )
        );
        let region = ["511600".to_string()];
        for (cap, count, capped) in [(2, 2, false), (1, 1, true)] {
            let (q, total) = queue(&mut c, "reviewer", &region, None, 10, 0, cap)
                .await
                .unwrap();
            assert_eq!(
                (q.len(), total),
                (2, Total { count, capped }),
                "the cap bounds the count, not the page"
            );
        }
        assert_eq!(
            queue(&mut c, "reviewer", &["511602".into()], None, 10, 0, 10)
                .await
                .unwrap()
                .1
                .count,
            0
        );

        let mut first = get_case(&mut c, "a").await.unwrap().unwrap();
        let mut second = first.clone();
        first.version += 1;
        update_case(&mut c, &first, &CaseIndex::default(), 2)
            .await
            .unwrap();
        second.version += 1;
        assert!(
            matches!(
                update_case(&mut c, &second, &CaseIndex::default(), 2).await,
                Err(StoreError::Conflict { .. })
            ),
            "the second writer loses"
        );
        assert_eq!(
            list_for_applicant(&mut c, "app-1", 10, 0).await.unwrap().1,
            3
        );
    })
    .await;
}

#[tokio::test]
async fn case_numbers_count_per_region_and_day_and_events_page_in_chain_order() {
    on_both(|s| async move {
        let mut c = s.conn().await.unwrap();
        assert_eq!(
            next_case_number(&mut c, "511600", "20261127")
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            next_case_number(&mut c, "511600", "20261127")
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            next_case_number(&mut c, "511602", "20261127")
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            reserve_case_number(&s, "511602", "20261127").await.unwrap(),
            2,
            "a number drawn before the command counts on from the same counter"
        );
        insert_case(&mut c, &case("x"), &CaseIndex::default(), 1)
            .await
            .unwrap();
        insert_case(&mut c, &case("y"), &CaseIndex::default(), 1)
            .await
            .unwrap();
        for (id, seq) in [("x", 1), ("x", 2), ("y", 1)] {
            let e = EventRow {
                case_id: id.into(),
                seq,
                at: 1,
                actor: "a".into(),
                role: "r".into(),
                kind: "k".into(),
                payload: "{}".into(),
                prev_hash: "p".into(),
                hash: format!("h{seq}"),
            };
            append_event(&mut c, &e).await.unwrap();
        }
        assert_eq!(
            last_event(&mut c, "x").await.unwrap(),
            Some((2, "h2".into()))
        );
        let page = events_after(&mut c, "x", 1, 10).await.unwrap();
        assert_eq!(
            page.iter()
                .map(|e| (e.case_id.as_str(), e.seq))
                .collect::<Vec<_>>(),
            [("x", 2), ("y", 1)]
        );
        assert_eq!(events(&mut c, "x").await.unwrap().len(), 2);
    })
    .await;
}

/// The reads on the asking thread (`read_*`, `get_for_command`: through rusqlite on SQLite)
/// see what a commit just wrote and decode to what sqlx's reads give, on both backends.
#[tokio::test]
async fn reads_on_the_asking_thread_see_the_last_commit_and_equal_sqlx_reads() {
    on_both(|s| async move {
        let mut c = s.conn().await.unwrap();
        assert_eq!(read_case(&mut c, "n").await.unwrap(), None);
        assert!(read_events(&mut c, "n").await.unwrap().is_empty());
        let mut numbered = case("n");
        numbered.number = "511600-20261127-000001".into();
        let mut tx = s.begin().await.unwrap();
        insert_case(&mut tx, &numbered, &CaseIndex::default(), 1)
            .await
            .unwrap();
        for seq in [1, 2, 3] {
            let e = EventRow {
                case_id: "n".into(),
                seq,
                at: 1_700_000_000_000 + seq,
                actor: "张三".into(),
                role: "clerk".into(),
                kind: "k".into(),
                payload: format!("{{\"n\":{seq}}}"),
                prev_hash: "p".into(),
                hash: format!("h{seq}"),
            };
            append_event(&mut tx, &e).await.unwrap();
        }
        tx.commit().await.unwrap();
        // The same checked-out connection, after the commit: each read sees it.
        let fresh = read_case(&mut c, "n")
            .await
            .unwrap()
            .expect("the committed case");
        assert_eq!(Some(&fresh), get_case(&mut c, "n").await.unwrap().as_ref());
        assert_eq!(fresh.number, numbered.number);
        assert_eq!(
            read_by_number(&mut c, &numbered.number).await.unwrap(),
            find_by_number(&mut c, &numbered.number).await.unwrap()
        );
        assert_eq!(read_by_number(&mut c, "").await.unwrap(), None);
        let events_now = read_events(&mut c, "n").await.unwrap();
        assert_eq!(events_now, events(&mut c, "n").await.unwrap());
        assert_eq!(
            events_now.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let cmd = get_for_command(&mut c, "n")
            .await
            .unwrap()
            .expect("the case");
        assert_eq!(cmd.case, fresh);
        assert_eq!(cmd.tail, Some((3, "h3".into())));
        assert!(cmd.watch.is_none());
        assert_eq!(cmd.bundle, None);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_all_commit_and_bulk_loaded_cases_count() {
    on_both(|s| async move {
        // Many writers at once: each commit is acknowledged (on SQLite after the shared log
        // flush) and none is lost or refused as busy.
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    let mut tx = s.begin().await.unwrap();
                    insert_case(
                        &mut tx,
                        &case(&format!("w{i}")),
                        &queued("clerk", "2026-12-01"),
                        1,
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let loaded: Vec<LoadedCase> = (0..450)
            .map(|i| LoadedCase {
                case: case(&format!("bulk{i}")),
                index: queued("reviewer", "2026-12-02"),
                created_at: 1,
                updated_at: 2,
            })
            .collect();
        let mut tx = s.begin().await.unwrap();
        insert_cases(&mut tx, &loaded).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = s.conn().await.unwrap();
        assert_eq!(count(&mut c).await.unwrap(), 490);
        let back = get_case(&mut c, "bulk449").await.unwrap().unwrap();
        assert_eq!(back.id, "bulk449");
    })
    .await;
}

#[tokio::test]
async fn trails_for_the_upper_platform_hold_numbered_cases_since_a_day_in_chain_order() {
    on_both(|s| async move {
        let mut c = s.conn().await.unwrap();
        let numbered = |id: &str, number: &str| {
            let mut x = case(id);
            x.number = number.into();
            x.state = domain::case::CaseState::Accepted;
            x
        };
        let rows = [
            (numbered("old", "5116002026110100001"), 100),
            (numbered("new", "5116002026112700001"), 2_000),
            (case("draft"), 3_000),
        ];
        for (k, at) in &rows {
            insert_case(&mut c, k, &CaseIndex::default(), *at)
                .await
                .unwrap();
        }
        for (id, seq, kind) in [
            ("new", 2, "submitted"),
            ("new", 1, "edited"),
            ("new", 3, "accepted"),
            ("old", 1, "submitted"),
            ("draft", 1, "edited"),
        ] {
            let e = EventRow {
                case_id: id.into(),
                seq,
                at: 1,
                actor: "a".into(),
                role: "applicant".into(),
                kind: kind.into(),
                payload: "{}".into(),
                prev_hash: "p".into(),
                hash: format!("{id}{seq}"),
            };
            append_event(&mut c, &e).await.unwrap();
        }
        let trails = trails_since(&mut c, 1_000).await.unwrap();
        assert_eq!(
            trails,
            [CaseTrail {
                number: "5116002026112700001".into(),
                state: "accepted".into(),
                events: vec![
                    (1, "edited".into()),
                    (2, "submitted".into()),
                    (3, "accepted".into())
                ],
            }],
            "the old case is before the day, the draft has no number"
        );
        assert_eq!(trails_since(&mut c, 0).await.unwrap().len(), 2);
        let e = event_at(&mut c, "new", 3).await.unwrap().unwrap();
        assert_eq!((e.kind.as_str(), e.hash.as_str()), ("accepted", "new3"));
        assert_eq!(event_at(&mut c, "new", 4).await.unwrap(), None);
    })
    .await;
}
