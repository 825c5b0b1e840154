//! Filing a single item for someone else: a parent for a minor child, a relative for the
//! deceased. The case is about them, its licence is issued to them, and naming them opens
//! nothing of theirs to the one who filed.

use std::collections::BTreeMap;

use app::AppError;
use app::cases::{self, ForWhom};
use domain::case::Command;
use domain::catalog::FiledFor;
use domain::subject::Subject;
use store::testing::on_both;

use crate::bundles::{Office, PDF, complete};
use crate::support::*;

fn item_named<'a>(
    data: &'a app::demo::DemoData,
    name: &str,
) -> &'a domain::catalog::ItemDefinition {
    data.items.iter().find(|i| i.name == name).unwrap()
}

fn child() -> ForWhom {
    ForWhom {
        kind: FiledFor::Minor,
        name: "张小明".into(),
        id_number: app::demo::demo_id_number("20190501", "125"),
    }
}

fn field_of(e: &AppError) -> Vec<(String, &'static str)> {
    match e {
        AppError::Validation(v) => v.iter().map(|f| (f.field.clone(), f.code)).collect(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_files_for_a_child_and_the_id_card_is_issued_to_the_child() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        app::demo::load(&app).await.unwrap();
        let data = app::demo::demo_data().unwrap();
        let id_card = item_named(&data, "居民身份证申领（首次）");
        assert_eq!(id_card.filed_for(), [FiledFor::Oneself, FiledFor::Minor]);
        let parent_login = app::demo::demo_id_number("19900101", "123");
        let parent = app::auth::login(&app, None, &parent_login, app::demo::DEMO_PASSWORD)
            .await
            .unwrap()
            .actor;

        let c = cases::start_or_resume(&app, &parent, &id_card.code, &child())
            .await
            .unwrap();
        assert!(
            matches!(&c.subject, Subject::Person { name, relation, reserved: false, .. }
            if name == "张小明" && relation == "监护人")
        );
        // The guardian's own ID card (of_applicant) comes from the guardian's wallet; the
        // child's 户口簿 is not read, since naming the child opens nothing of theirs.
        assert!(
            c.materials
                .get("监护人居民身份证")
                .is_some_and(|p| p.is_provided())
        );
        assert!(
            !c.materials
                .get("申请人居民户口簿")
                .is_some_and(|p| p.is_provided())
        );
        // Clicking again for the same child resumes; for oneself or another child it does not.
        let again = cases::start_or_resume(&app, &parent, &id_card.code, &child())
            .await
            .unwrap();
        assert_eq!(again.id, c.id);
        let other = ForWhom {
            name: "张小红".into(),
            id_number: app::demo::demo_id_number("20200601", "126"),
            ..child()
        };
        let second = cases::start_or_resume(&app, &parent, &id_card.code, &other)
            .await
            .unwrap();
        assert_ne!(second.id, c.id);

        // Filed, accepted and approved: the card is the child's.
        let mut materials = BTreeMap::new();
        for m in id_card.materials.iter().filter(|m| m.mandatory) {
            if !c.materials.get(&m.name).is_some_and(|p| p.is_provided()) {
                let p = app::uploads::store(&app, &parent, PDF, &format!("{}.pdf", m.name))
                    .await
                    .unwrap();
                materials.insert(m.name.clone(), p);
            }
        }
        let form = app::demo_cases::sample_form(id_card, domain::calendar::china_date(app.now()));
        cases::act(&app, &parent, &c.id, Command::Edit { form, materials })
            .await
            .unwrap();
        cases::act(&app, &parent, &c.id, Command::Submit)
            .await
            .unwrap();
        let mut office = Office::new(&app).await;
        complete(&app, &mut office, &c.id).await;
        let v = cases::view(&app, &parent, &c.id).await.unwrap();
        assert_eq!(v.results.len(), 1, "{:?}", v.case.state);
        let card = &v.results[0];
        assert_eq!(card.type_name, "居民身份证");
        assert_eq!(card.holder_name, "张小明");
        let row = {
            let mut conn = app.store.conn().await.unwrap();
            store::licenses::get_license(&mut conn, &card.id)
                .await
                .unwrap()
                .unwrap()
        };
        assert_eq!(row.holder_id, child().id_number);

        // The parent reads the card their case produced, without its later uses; it is not in
        // the parent's wallet, and a stranger cannot open it.
        let (l, uses) = app::licenses::get(&app, &parent, &card.id).await.unwrap();
        assert_eq!(l.holder_name, "张小明");
        // The face names the child, never the parent who filed.
        assert!(
            l.fields.iter().any(|(_, v)| v == "张小明"),
            "{:?}",
            l.fields
        );
        assert!(
            l.fields
                .iter()
                .all(|(_, v)| v != "张三" && *v != parent_login)
        );
        assert!(uses.is_empty());
        assert!(matches!(
            app::licenses::present(&app, &parent, &card.id).await,
            Err(AppError::Forbidden(_))
        ));
        let wallet = app::licenses::wallet(&app, &parent).await.unwrap();
        assert!(wallet.iter().all(|l| l.id != card.id));
        let stranger = citizen(&app, "901").await;
        assert!(matches!(
            app::licenses::get(&app, &stranger, &card.id).await,
            Err(AppError::NotFound(_))
        ));
        assert!(cases::view(&app, &stranger, &c.id).await.is_err());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whom_an_item_is_for_is_checked_field_by_field() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        app::demo::load(&app).await.unwrap();
        let data = app::demo::demo_data().unwrap();
        let school = item_named(&data, "学前教育、义务教育阶段入学办理");
        let id_card = item_named(&data, "居民身份证申领（首次）");
        let funeral = item_named(&data, "丧葬补助金、抚恤金申领");
        let me = citizen(&app, "902").await;

        // 入学 is always for a child: filing it for oneself is refused by name.
        let e = cases::start(&app, &me, &school.code).await.unwrap_err();
        assert_eq!(field_of(&e), [("subject.kind".to_string(), "not_allowed")]);
        // An ID card is not filed for the deceased.
        let dead = ForWhom {
            kind: FiledFor::Deceased,
            ..child()
        };
        let e = cases::start_for(&app, &me, &id_card.code, &dead)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), [("subject.kind".to_string(), "not_allowed")]);
        // A grown-up is not a minor; a bad number and a missing name are both named.
        let adult = ForWhom {
            id_number: app::demo::demo_id_number("19990101", "127"),
            ..child()
        };
        let e = cases::start_for(&app, &me, &school.code, &adult)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), [("subject.id_number".to_string(), "adult")]);
        let bad = ForWhom {
            name: " ".into(),
            id_number: "51160220190501125".into(),
            ..child()
        };
        let e = cases::start_for(&app, &me, &school.code, &bad)
            .await
            .unwrap_err();
        assert_eq!(
            field_of(&e),
            [
                ("subject.name".to_string(), "required"),
                ("subject.id_number".to_string(), "invalid")
            ]
        );
        // An enterprise has no children or relatives to file for.
        let company = app::auth::login(
            &app,
            None,
            &app::demo::demo_credit_code(),
            app::demo::DEMO_PASSWORD,
        )
        .await
        .unwrap()
        .actor;
        let e = cases::start_for(&app, &company, &school.code, &child())
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), [("subject.kind".to_string(), "not_a_person")]);
        // A relative files 丧葬补助金 for the deceased, whatever their age.
        let late = ForWhom {
            kind: FiledFor::Deceased,
            name: "张老汉".into(),
            id_number: app::demo::demo_id_number("19400101", "131"),
        };
        let c = cases::start_for(&app, &me, &funeral.code, &late)
            .await
            .unwrap();
        assert_eq!(c.subject.relation(), "近亲属");
        assert_eq!(c.subject.holder_id(), Some(late.id_number.as_str()));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_files_for_a_child_at_the_window() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        app::demo::load(&app).await.unwrap();
        let data = app::demo::demo_data().unwrap();
        let school = item_named(&data, "学前教育、义务教育阶段入学办理");
        let clerk = staff(&app, "w1", &[domain::account::Role::Clerk], "511600", None).await;
        let parent = app::demo::demo_id_number("19900101", "123");
        let who = cases::WalkIn {
            login: parent.clone(),
            for_whom: child(),
            ..Default::default()
        };
        let c = cases::start_for_walk_in(&app, &clerk, &school.code, &who)
            .await
            .unwrap();
        assert_eq!(c.subject.holder_id(), Some(child().id_number.as_str()));
        // Without naming the child the window is told what is missing.
        let who = cases::WalkIn {
            login: parent,
            ..Default::default()
        };
        let e = cases::start_for_walk_in(&app, &clerk, &school.code, &who)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), [("subject.kind".to_string(), "not_allowed")]);
    })
    .await;
}
