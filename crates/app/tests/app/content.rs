//! 通知公告, 政策解读 and news: checked before saving, reviewed by a second editor, shown
//! between publication and expiry, found by search only while shown; who may do what.

use app::AppError;
use app::auth::Actor;
use app::content;
use domain::account::Role;
use domain::content::{Action, PostDraft, PostState, Showing, format_local};
use time::Duration;

use crate::support::*;

const DAY: i64 = 24 * 3600 * 1000;

/// An editor of the city's 市场监管局 (login `ed1`).
async fn market_editor(app: &app::App) -> Actor {
    staff(
        app,
        "ed1",
        &[Role::CatalogAdmin],
        "511600",
        Some("511600-SCJG"),
    )
    .await
}

fn fields(e: AppError) -> Vec<(String, &'static str)> {
    match e {
        AppError::Validation(v) => v.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_is_published_by_another_editor_shown_in_its_window_and_found_only_then() {
    store::testing::on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let writer = market_editor(&app).await;
        let reviewer = staff(&app, "ed2", &[Role::CatalogAdmin], "511600", None).await;
        let county = staff(&app, "ed3", &[Role::CatalogAdmin], "511602", None).await;
        let person = citizen(&app, "001").await;
        let now = app.now_ms();
        let mut d = PostDraft {
            kind: "interpretation".into(),
            title: "食品经营许可告知承诺办理解读".into(),
            body: "申请人书面承诺符合条件的，当场作出许可决定。\n\n监管部门在两个月内核查。".into(),
            department: "511600-SCJG".into(),
            region: "511600".into(),
            publish_at: format_local(now + DAY),
            expires_at: format_local(now + 3 * DAY),
            ..PostDraft::default()
        };

        // A 解读 of nothing, a link to an item that does not exist: named where they are.
        let e = content::save(&app, &writer, None, &d).await.unwrap_err();
        assert_eq!(fields(e), vec![("policies".to_string(), "required")]);
        d.items = vec!["NO-SUCH-ITEM".into()];
        let e = content::save(&app, &writer, None, &d).await.unwrap_err();
        assert_eq!(fields(e), vec![("items[0]".to_string(), "unknown")]);
        // Not an editor, or not of this department's region: refused before the words are judged.
        for who in [&person, &county] {
            let e = content::save(&app, who, None, &d).await.unwrap_err();
            assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        }
        d.kind = "notice".into();
        d.items.clear();
        let id = content::save(&app, &writer, None, &d).await.unwrap();

        // A draft is the editors' alone.
        assert!(matches!(
            content::post(&app, &Actor::Anonymous, &id).await,
            Err(AppError::NotFound(_))
        ));
        assert!(content::desk(&app, &county).await.unwrap().is_empty());
        assert_eq!(content::desk(&app, &writer).await.unwrap().len(), 1);

        // No one publishes their own words; a return says why.
        content::act(&app, &writer, &id, Action::Submit)
            .await
            .unwrap();
        let e = content::act(&app, &writer, &id, Action::Approve)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        let e = content::act(&app, &reviewer, &id, Action::Return(" ".into()))
            .await
            .unwrap_err();
        assert_eq!(fields(e), vec![("reason".to_string(), "required")]);
        let back = content::act(
            &app,
            &reviewer,
            &id,
            Action::Return("请写明核查方式".into()),
        )
        .await
        .unwrap();
        assert_eq!(back.state, PostState::Returned);
        assert_eq!(back.review_note, "请写明核查方式");
        d.body
            .push_str("\n\n核查采取书面核查和现场核查相结合的方式。");
        content::save(&app, &writer, Some(&id), &d).await.unwrap();
        content::act(&app, &writer, &id, Action::Submit)
            .await
            .unwrap();
        let p = content::act(&app, &reviewer, &id, Action::Approve)
            .await
            .unwrap();
        assert_eq!(
            (p.state, p.showing),
            (PostState::Published, Showing::Scheduled)
        );
        // A published post is withdrawn before it is changed.
        let e = content::save(&app, &writer, Some(&id), &d)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");

        // Scheduled: not on the portal, not found.
        assert!(content::shown(&app, None, 10).await.unwrap().is_empty());
        assert!(
            content::search(&app, "食品经营", 10)
                .await
                .unwrap()
                .is_empty()
        );
        clock.advance(Duration::hours(25));
        let shown = content::shown(&app, None, 10).await.unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].paragraphs().len(), 3);
        let found = content::search(&app, "食品经营许可", 10).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, id);
        content::post(&app, &Actor::Anonymous, &id).await.unwrap();

        // Past its expiry: gone from the portal and search, kept on the editors' desk.
        clock.advance(Duration::days(2));
        assert!(content::shown(&app, None, 10).await.unwrap().is_empty());
        assert!(
            content::search(&app, "食品经营许可", 10)
                .await
                .unwrap()
                .is_empty()
        );
        let desk = content::desk(&app, &writer).await.unwrap();
        assert_eq!(desk[0].showing, Showing::Expired);
        let p = content::act(&app, &writer, &id, Action::Withdraw)
            .await
            .unwrap();
        assert_eq!(p.state, PostState::Withdrawn);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_names_the_items_it_links_to() {
    store::testing::on_both(|s| async move {
        let (app, _clock) = app(s).await;
        seed_org(&app).await;
        let item = domain::fixtures::sample_item();
        let code = publish(&app, &item).await;
        let writer = market_editor(&app).await;
        let now = app.now_ms();
        let d = PostDraft {
            kind: "notice".into(),
            title: "食品经营许可办理地点调整的通知".into(),
            body: "自下月起在市政务服务中心二楼办理。".into(),
            department: "511600-SCJG".into(),
            region: "511600".into(),
            publish_at: format_local(now + DAY),
            expires_at: format_local(now + 3 * DAY),
            items: vec![code.clone()],
            ..PostDraft::default()
        };
        let id = content::save(&app, &writer, None, &d).await.unwrap();
        let p = content::post(&app, &writer, &id).await.unwrap();
        assert_eq!(p.items, vec![(code, item.name.clone())]);
        assert!(p.policies.is_empty());
    })
    .await;
}
