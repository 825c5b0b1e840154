//! Every demo item that offers 在线申请 has a form, and each goes through submission with its
//! required fields and materials; without them it is refused field by field.

use std::collections::BTreeMap;

use app::auth::Actor;
use app::cases;
use domain::case::{CaseState, Command};
use domain::catalog::{FiledFor, SubjectType};
use store::testing::on_both;

use crate::bundles::PDF;
use crate::support::*;

async fn login(app: &app::App, who: &str) -> Actor {
    app::auth::login(app, None, who, app::demo::DEMO_PASSWORD)
        .await
        .unwrap()
        .actor
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_item_offering_online_application_can_be_filed_with_its_form() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        app::demo::load(&app).await.unwrap();
        let person = login(&app, &app::demo::demo_id_number("19900101", "123")).await;
        let company = login(&app, &app::demo::demo_credit_code()).await;
        let today = domain::calendar::china_date(app.now());
        let data = app::demo::demo_data().unwrap();
        let online: Vec<_> = data
            .items
            .iter()
            .filter(|i| i.has_online_channel() && i.node != domain::catalog::NodeKind::Main)
            .collect();
        assert!(online.len() > 70, "{}", online.len());
        let mut filed = 0;
        for item in online {
            assert!(
                !item.form.is_empty(),
                "{} offers 在线申请 without a form",
                item.name
            );
            assert!(item.applies_online());
            let me = if item.subjects.contains(&SubjectType::NaturalPerson) {
                &person
            } else {
                &company
            };
            // An item filed only for someone else (入学 for a child, 户口注销 for the deceased)
            // names them; the case is about them.
            let kind = item.filed_for()[0];
            let for_whom = match kind {
                FiledFor::Oneself => cases::ForWhom::default(),
                FiledFor::Minor => cases::ForWhom {
                    kind,
                    name: "李小明".into(),
                    id_number: app::demo::demo_id_number("20190501", "125"),
                },
                FiledFor::Deceased => cases::ForWhom {
                    kind,
                    name: "李老汉".into(),
                    id_number: app::demo::demo_id_number("19400101", "131"),
                },
            };
            let case = cases::start_for(&app, me, &item.code, &for_whom)
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", item.name));
            assert_eq!(
                case.subject.holder_id().map(str::to_string),
                (kind != FiledFor::Oneself).then(|| for_whom.id_number.clone()),
                "{}",
                item.name
            );
            // Nothing filled: every required field and material is named.
            let e = cases::act(&app, me, &case.id, Command::Submit)
                .await
                .unwrap_err();
            let app::AppError::Validation(problems) = e else {
                panic!("{}: {e:?}", item.name)
            };
            for f in item
                .form
                .iter()
                .filter(|f| f.required && !case.form.contains_key(&f.key))
            {
                let field = format!("form.{}", f.key);
                assert!(
                    problems.iter().any(|p| p.field == field),
                    "{}: {field} not named in {problems:?}",
                    item.name
                );
            }
            let mut materials = BTreeMap::new();
            for m in item.materials.iter().filter(|m| m.mandatory) {
                if !case.materials.get(&m.name).is_some_and(|p| p.is_provided()) {
                    let p = app::uploads::store(&app, me, PDF, &format!("{}.pdf", m.name))
                        .await
                        .unwrap();
                    materials.insert(m.name.clone(), p);
                }
            }
            let form = app::demo_cases::sample_form(item, today);
            cases::act(&app, me, &case.id, Command::Edit { form, materials })
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", item.name));
            let done = cases::act(&app, me, &case.id, Command::Submit)
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", item.name));
            assert_ne!(done.state, CaseState::Draft, "{}", item.name);
            filed += 1;
        }
        assert!(filed > 70);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_without_a_form_is_not_offered_online() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let item = domain::catalog::ItemDefinition {
            form: vec![],
            ..domain::fixtures::sample_item()
        };
        let code = publish(&app, &item).await;
        let me = citizen(&app, "555").await;
        let e = cases::start(&app, &me, &code).await.unwrap_err();
        assert!(
            matches!(&e, app::AppError::State(m) if m.contains("窗口")),
            "{e:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_click_resumes_the_draft_and_a_deleted_draft_leaves_my_cases() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &domain::fixtures::sample_item()).await;
        let me = citizen(&app, "556").await;
        let first = cases::start_or_resume(&app, &me, &code, &cases::ForWhom::default())
            .await
            .unwrap();
        let again = cases::start_or_resume(&app, &me, &code, &cases::ForWhom::default())
            .await
            .unwrap();
        assert_eq!(first.id, again.id, "在线申请 twice makes one draft");
        let (rows, total) = cases::mine_overview(&app, &me).await.unwrap();
        assert_eq!((rows.len(), total), (1, 1));
        assert_eq!(rows[0].todo, Some("待提交"));

        // A filed case without anything to do comes after the draft that needs the person.
        let other = domain::catalog::ItemDefinition {
            code: "11511600MB1234567X3000131011001".into(),
            ..domain::fixtures::sample_item()
        };
        let cap = app::auth::login(&app, None, "cat", "staff-password-1")
            .await
            .unwrap()
            .actor
            .catalog_admin()
            .unwrap();
        app::catalog::create(&app, &cap, other.clone())
            .await
            .unwrap();
        app::catalog::publish(&app, &cap, &other.code)
            .await
            .unwrap();
        let filed = cases::start(&app, &me, &other.code).await.unwrap();
        file(&app, &me, &filed.id).await;
        let (rows, _) = cases::mine_overview(&app, &me).await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.todo).collect::<Vec<_>>(),
            [Some("待提交"), None]
        );
        assert!(rows[1].due.is_some() || rows[1].case.state == CaseState::Submitted);

        cases::act(
            &app,
            &me,
            &first.id,
            Command::Withdraw {
                reason: "删除草稿".into(),
            },
        )
        .await
        .unwrap();
        let (rows, total) = cases::mine_overview(&app, &me).await.unwrap();
        assert_eq!((rows.len(), total), (1, 1), "the deleted draft is gone");
        let fresh = cases::start_or_resume(&app, &me, &code, &cases::ForWhom::default())
            .await
            .unwrap();
        assert_ne!(fresh.id, first.id, "a deleted draft is not resumed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_change_starts_from_the_business_licence_it_holds() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        app::demo::load(&app).await.unwrap();
        let company = login(&app, &app::demo::demo_credit_code()).await;
        let held = app::licenses::wallet(&app, &company).await.unwrap();
        let licence = held
            .iter()
            .find(|l| l.type_name == "营业执照" && l.status == "valid")
            .expect("the demo company holds a 营业执照");
        let data = app::demo::demo_data().unwrap();
        let item = data.items.iter().find(|i| i.name == "公司变更登记").unwrap();
        let case = cases::start(&app, &company, &item.code).await.unwrap();
        assert!(
            matches!(&case.materials["原营业执照正、副本"], domain::case::Provision::License { license_id, .. } if *license_id == licence.id),
            "{:?}",
            case.materials["原营业执照正、副本"]
        );
        let face = |label: &str| {
            licence
                .fields
                .iter()
                .find(|(k, _)| k == label)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(case.form.get("legal_rep").cloned(), face("法定代表人"));
        assert_eq!(case.form.get("address").cloned(), face("住所"));
    })
    .await;
}
