use domain::license::{HolderKind, LicenseType};
use store::licenses::LicenseRow;
use store::testing::on_both;
use time::Duration;

use crate::support::*;

fn license(id: &str, holder: &str, valid_until: &str, status: &str) -> LicenseRow {
    LicenseRow {
        id: id.into(),
        number: format!("JY{id}"),
        type_code: "T-FOOD".into(),
        holder_id: holder.into(),
        holder_name: "张三".into(),
        department: "511600-SCJG".into(),
        issued: "2021-12-01".into(),
        valid_until: Some(valid_until.into()),
        status: status.into(),
        status_note: String::new(),
        fields: "{}".into(),
        token: "OWL1.x.y".into(),
        case_id: None,
        created_at: 1,
        updated_at: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_is_reminded_thirty_and_seven_days_before_a_license_runs_out_once_each() {
    on_both(|s| async move {
        let (app, clock) = app(s.clone()).await;
        let me = citizen(&app, "123").await;
        let id_number = app::demo::demo_id_number("19900101", "123");
        // Today (the clock) is 2026-11-27.
        let mut tx = s.begin().await.unwrap();
        store::licenses::upsert_type(
            &mut tx,
            &LicenseType {
                code: "T-FOOD".into(),
                name: "食品经营许可证".into(),
                department: "511600-SCJG".into(),
                holder: HolderKind::NaturalPerson,
                validity_years: 5,
                single_per_holder: false,
                fields: vec![],
                produced_by: vec![],
            },
        )
        .await
        .unwrap();
        for l in [
            license("soon", &id_number, "2026-12-02", "valid"),
            license("month", &id_number, "2026-12-20", "valid"),
            license("later", &id_number, "2027-06-01", "valid"),
            license("gone", &id_number, "2026-12-01", "revoked"),
            license("other", "110105194912310021", "2026-12-01", "valid"),
        ] {
            store::licenses::insert_license(&mut tx, &l).await.unwrap();
        }
        tx.commit().await.unwrap();

        assert_eq!(app::notify::remind_expiring(&app).await.unwrap(), 2);
        assert_eq!(
            app::notify::remind_expiring(&app).await.unwrap(),
            0,
            "once each"
        );
        let inbox = app::agents::notifications(&app, &me).await.unwrap();
        let texts: Vec<&str> = inbox.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(
            texts
                .iter()
                .any(|t| t.contains("JYsoon") && t.contains("还有 5 天到期"))
        );
        assert!(
            texts
                .iter()
                .any(|t| t.contains("JYmonth") && t.contains("还有 23 天到期"))
        );
        // Sixteen days on, the license due on 12-20 enters its 7-day window: reminded again.
        clock.advance(Duration::days(16));
        assert_eq!(app::notify::remind_expiring(&app).await.unwrap(), 1);
    })
    .await;
}
