//! The stripes the per-day sums are spread over (migration 0051).

use store::stats::{STRIPES, stripe_of};

#[test]
fn a_case_keeps_its_stripe_and_case_ids_spread_over_all_stripes() {
    let ids: Vec<String> = (0..STRIPES * 200)
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let mut per = vec![0u32; STRIPES as usize];
    for id in &ids {
        let s = stripe_of(id);
        assert_eq!(s, stripe_of(id), "the same case, another stripe");
        per[s as usize] += 1;
    }
    // 200 expected in each; ids made in one millisecond share most of their digits, so the
    // bound is loose but would catch a stripe left empty or one taking most.
    for (s, n) in per.iter().enumerate() {
        assert!(
            (100..=300).contains(n),
            "stripe {s} got {n} of {}",
            ids.len()
        );
    }
}

#[tokio::test]
async fn a_bulk_load_striped_as_live_commands_leave_it_sums_to_the_same_as_folded() {
    use domain::stats::{CaseFacts, CaseStat, DayKey};
    use store::stats::{SumRows, add_all, all_sums};
    store::testing::on_both(|s| async move {
        let day = time::Date::from_calendar_date(2026, time::Month::November, 30).unwrap();
        let rows: Vec<(String, CaseStat)> = (0..400)
            .map(|i| {
                let stat = CaseStat {
                    key: DayKey {
                        day: day - time::Duration::days(i % 3),
                        region: "511602".into(),
                        department: "511602-SCJGJ".into(),
                        item_code: ["A", "B"][i as usize % 2].into(),
                    },
                    facts: CaseFacts {
                        online: i % 2 == 0,
                        accepted: true,
                        decided: i % 3 != 0,
                        handling_days: (i % 3 != 0).then_some((i % 5) as u32),
                        materials_required: 3,
                        ..CaseFacts::default()
                    },
                    open_due: (i % 3 == 0).then_some(day + time::Duration::days(i % 4)),
                };
                (format!("load-{i:04}"), stat)
            })
            .collect();
        let mut tx = s.begin().await.unwrap();
        add_all(&mut tx, &rows[..200], SumRows::Folded)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = s.conn().await.unwrap();
        let folded = all_sums(&mut c).await.unwrap();
        drop(c);
        // The same facts again, striped: every sum doubles, however the rows are spread.
        let again: Vec<_> = rows[..200]
            .iter()
            .map(|(id, st)| (format!("{id}-striped"), st.clone()))
            .collect();
        let mut tx = s.begin().await.unwrap();
        add_all(&mut tx, &again, SumRows::Striped).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = s.conn().await.unwrap();
        let both = all_sums(&mut c).await.unwrap();
        let stripes: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT stripe) FROM stat_days")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert!(stripes > 8, "{stripes} stripes in use");
        fn twice<K: Clone + Ord>(
            m: &std::collections::BTreeMap<K, i64>,
        ) -> std::collections::BTreeMap<K, i64> {
            m.iter().map(|(k, n)| (k.clone(), 2 * n)).collect()
        }
        assert_eq!(
            both.days,
            folded
                .days
                .iter()
                .map(|(k, c)| (k.clone(), c.plus(*c)))
                .collect()
        );
        assert_eq!(both.handling, twice(&folded.handling));
        assert_eq!(both.open, twice(&folded.open));
        assert!(!folded.handling.is_empty() && !folded.open.is_empty());
    })
    .await;
}
