//! 电子监察 rows: a case's watch, and warnings raised only against the watch it runs under.

use store::supervision::*;
use store::testing::on_both;

pub(crate) fn watch(due: &str) -> WatchRow {
    WatchRow {
        case_id: "case-1".into(),
        case_number: "51160220261127000001".into(),
        kind: "promised".into(),
        due_date: due.into(),
        yellow_from: "2026-12-01".into(),
        region: "511602".into(),
        department: "511600-GAJ".into(),
        responsible: None,
    }
}

pub(crate) fn warning_under(w: &WatchRow, id: &str) -> WarningRow {
    WarningRow {
        id: id.into(),
        case_id: w.case_id.clone(),
        case_number: w.case_number.clone(),
        kind: w.kind.clone(),
        level: "yellow".into(),
        due_date: w.due_date.clone(),
        region: w.region.clone(),
        department: w.department.clone(),
        responsible: None,
        raised_at: 10,
        cleared_at: None,
        cleared_reason: String::new(),
        acknowledged_by: None,
        acknowledged_at: None,
    }
}

async fn open_dues(s: &store::Store) -> Vec<String> {
    let mut c = s.conn().await.unwrap();
    warnings_of_case(&mut c, "case-1")
        .await
        .unwrap()
        .into_iter()
        .filter(|w| w.cleared_at.is_none())
        .map(|w| w.due_date)
        .collect()
}

#[tokio::test]
async fn a_warning_is_raised_only_against_the_watch_the_case_runs_under() {
    on_both(|s| async move {
        let (a, b) = (watch("2026-12-04"), watch("2026-12-18"));
        let mut tx = s.begin().await.unwrap();
        set_watch(&mut tx, "case-1", Some(&a), 1).await.unwrap();
        assert!(raise(&mut tx, &warning_under(&a, "w1")).await.unwrap());
        assert!(
            !raise(&mut tx, &warning_under(&a, "w2")).await.unwrap(),
            "already open"
        );
        // The case moves on to a new deadline: the old warning is cleared, and a scan that
        // read the old watch before the move cannot raise it again.
        set_watch(&mut tx, "case-1", Some(&b), 2).await.unwrap();
        assert!(
            !raise(&mut tx, &warning_under(&a, "w3")).await.unwrap(),
            "stale watch"
        );
        assert!(raise(&mut tx, &warning_under(&b, "w4")).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(open_dues(&s).await, ["2026-12-18"]);

        let mut c = s.conn().await.unwrap();
        assert_eq!(
            watch_of_case(&mut c, "case-1").await.unwrap(),
            Some(b.clone())
        );
        drop(c);

        // Done: no watch, and nothing stays open.
        let mut tx = s.begin().await.unwrap();
        set_watch(&mut tx, "case-1", None, 4).await.unwrap();
        tx.commit().await.unwrap();
        assert!(open_dues(&s).await.is_empty());
        let mut c = s.conn().await.unwrap();
        assert_eq!(watch_of_case(&mut c, "case-1").await.unwrap(), None);
    })
    .await;
}

async fn warnings_case_rows(s: &store::Store) -> i64 {
    let mut c = s.conn().await.unwrap();
    let v: String = sqlx::query_scalar("SELECT stat FROM sqlite_stat1 WHERE idx = 'warnings_case'")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    v.split(' ').next().unwrap().parse().unwrap()
}

async fn add_warned_cases(s: &store::Store, cases: std::ops::Range<usize>) {
    let mut tx = s.begin().await.unwrap();
    for i in cases {
        let mut w = watch("2026-12-04");
        w.case_id = format!("case-{i}");
        set_watch(&mut tx, &w.case_id, Some(&w), 1).await.unwrap();
        assert!(
            raise(&mut tx, &warning_under(&w, &format!("w{i}")))
                .await
                .unwrap()
        );
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn optimize_refreshes_statistics_taken_while_a_table_was_nearly_empty() {
    // SQLite only: PostgreSQL's autovacuum keeps its own statistics.
    let db = store::testing::sqlite().await;
    let s = &db.store;
    add_warned_cases(s, 0..1).await;
    s.analyze().await.unwrap();
    assert_eq!(warnings_case_rows(s).await, 1);
    add_warned_cases(s, 1..300).await;
    s.optimize().await.unwrap();
    assert_eq!(
        warnings_case_rows(s).await,
        300,
        "re-analyzed after growing 300-fold"
    );
    db.cleanup().await;
}
