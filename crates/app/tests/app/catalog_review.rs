//! 审核发布: where a region turns it on, the administrator who last edited a draft cannot
//! publish it; another one can. Only an administrator of the whole region sets it.

use app::AppError;
use domain::account::Role;
use store::testing::on_both;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_review_on_the_editor_cannot_publish_their_own_draft_and_another_admin_can() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &domain::fixtures::sample_item()).await;
        // `publish` made "cat", a catalog administrator of the city.
        let editor = app::auth::login(&app, None, "cat", "staff-password-1")
            .await
            .unwrap()
            .actor
            .catalog_admin()
            .unwrap();
        let reviewer = staff(&app, "cat2", &[Role::CatalogAdmin], "511600", None)
            .await
            .catalog_admin()
            .unwrap();
        let edit = |hours: &str| domain::catalog::ItemDefinition {
            hours: hours.into(),
            ..domain::fixtures::sample_item()
        };

        // Off: the editor publishes their own draft, as before.
        assert!(!app::catalog_review::is_on(&app, &editor).await.unwrap());
        app::catalog::save_draft(&app, &editor, &code, edit("工作日 9:00-12:00"))
            .await
            .unwrap();
        app::catalog::publish(&app, &editor, &code).await.unwrap();

        app::catalog_review::set(&app, &editor, true).await.unwrap();
        assert!(app::catalog_review::is_on(&app, &reviewer).await.unwrap());
        app::catalog::save_draft(&app, &editor, &code, edit("工作日 9:00-17:00"))
            .await
            .unwrap();
        let e = app::catalog::publish(&app, &editor, &code)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::State(m) if m.contains("审核发布")),
            "{e:?}"
        );
        let v = app::catalog::publish(&app, &reviewer, &code).await.unwrap();
        assert_eq!(v, 3);

        // A department-bound administrator does not set the region's rule.
        let dept = staff(
            &app,
            "cat-scjg",
            &[Role::CatalogAdmin],
            "511600",
            Some("511600-SCJG"),
        )
        .await
        .catalog_admin()
        .unwrap();
        // An import under review saves drafts; it does not publish past the rule.
        let mut changed = domain::fixtures::sample_item();
        changed.hours = "工作日 8:00-18:00（导入）".into();
        let (items, materials) =
            app::exchange::to_sheets(&[domain::fixtures::sample_main_item(), changed]);
        let r = app::exchange::import(&app, &editor, &items, &materials, false, true, |_, _| {})
            .await
            .unwrap();
        assert_eq!(
            (r.created, r.updated, r.awaiting_review),
            (1, 1, 2),
            "{:?}",
            r.errors
        );
        let guide = app::catalog::guide(&app, &app::auth::Actor::Anonymous, &code, None)
            .await
            .unwrap();
        assert_ne!(
            guide.def().hours,
            "工作日 8:00-18:00（导入）",
            "not public yet"
        );

        let e = app::catalog_review::set(&app, &dept, false)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        assert!(app::catalog_review::is_on(&app, &editor).await.unwrap());
    })
    .await;
}
