//! 惠企政策 and 免申即享: a policy checked before publishing, the pass that finds the eligible
//! and tells them, the holder confirming an account, the department paying, the ledger; the
//! public check hiding what it should; who may do what.

use app::AppError;
use app::auth::Actor;
use app::policies;
use domain::account::Role;
use domain::policy::{Clause, GrantState, Mode, PolicyState, Rule, Target, Terms, Test};
use store::policies::SubjectRow;
use time::macros::date;

use crate::market::{code, company};
use crate::support::*;

fn terms() -> Terms {
    Terms {
        title: "小微企业稳岗补贴".into(),
        document: "广安区人社发〔2026〕8号".into(),
        department: "511602-SCJG".into(),
        region: "511602".into(),
        benefit: "一次性稳岗补贴".into(),
        amount: 300_000,
        legal_basis: "《关于做好稳岗工作的通知》第三条".into(),
        summary: "成立三年内、参保五人以上的小微企业，免申即享一次性补贴。".into(),
        mode: Mode::Exempt,
        item_code: String::new(),
        valid_from: date!(2026 - 01 - 01),
        valid_until: date!(2026 - 12 - 31),
        rule: Rule {
            target: Target::Enterprise,
            clauses: vec![
                Clause::new("size", Test::OneOf(vec!["小型".into(), "微型".into()])),
                Clause::new("region", Test::Under(vec!["5116".into()])),
                Clause::new("years_registered", Test::AtMost(3)),
                Clause::new("employees", Test::AtLeast(5)),
            ],
        },
    }
}

async fn shared(app: &app::App, n: u32, name: &str, size: &str, employees: i64) {
    let mut tx = app.store.begin().await.unwrap();
    store::policies::upsert_subject(
        &mut tx,
        &SubjectRow {
            subject_id: code(n),
            target: "enterprise".into(),
            name: name.into(),
            industry: "C3311".into(),
            size: size.into(),
            registered_on: "2025-03-01".into(),
            employees,
            source: "市场主体登记".into(),
            updated_at: 1,
            ..SubjectRow::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn fields(e: AppError) -> Vec<(String, &'static str)> {
    match e {
        AppError::Validation(v) => v.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_finds_the_eligible_who_confirm_and_are_paid() {
    store::testing::on_both(|s| async move {
        let (app, _clock) = app(s).await;
        seed_org(&app).await;
        let officer = staff(
            &app,
            "pol",
            &[Role::CatalogAdmin],
            "511602",
            Some("511602-SCJG"),
        )
        .await;
        let city = staff(
            &app,
            "polc",
            &[Role::CatalogAdmin],
            "511600",
            Some("511600-SCJG"),
        )
        .await;
        let small = company(&app, 11, "广安小微制造有限公司").await;
        let big = company(&app, 12, "广安大型集团有限公司").await;
        let unknown = company(&app, 13, "广安新设商贸有限公司").await;
        shared(&app, 11, "广安小微制造有限公司", "小型", 12).await;
        shared(&app, 12, "广安大型集团有限公司", "大型", 900).await;

        // A rule naming a fact the platform does not hold: refused where it is, nothing saved.
        let mut bad = terms();
        bad.rule.clauses[0].fact = "turnover".into();
        let e = policies::save_draft(&app, &officer, None, &bad)
            .await
            .unwrap_err();
        assert_eq!(
            fields(e),
            vec![("rule.clauses[0].fact".to_string(), "unknown_fact")]
        );
        assert!(policies::list(&app, &officer).await.unwrap().is_empty());
        // Not a policy officer, or not of this department and region.
        let e = policies::save_draft(&app, &small, None, &terms())
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let e = policies::save_draft(&app, &city, None, &terms())
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");

        let id = policies::save_draft(&app, &officer, None, &terms())
            .await
            .unwrap();
        // A draft is the officer's alone.
        assert!(policies::list(&app, &small).await.unwrap().is_empty());
        assert!(matches!(
            policies::policy(&app, &small, &id).await,
            Err(AppError::NotFound(_))
        ));
        let e = policies::publish(&app, &city, &id).await.unwrap_err();
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");

        let report = policies::publish(&app, &officer, &id)
            .await
            .unwrap()
            .expect("免申即享 runs on publishing");
        assert_eq!(report.examined, 3, "the three enterprise accounts");
        assert_eq!((report.eligible, report.granted, report.told), (1, 1, 1));
        let v = policies::policy(&app, &small, &id).await.unwrap();
        assert_eq!(
            (v.state, v.version, v.officer),
            (PolicyState::Published, 1, false)
        );

        // Told, with the reasons on the grant.
        let told = app::agents::notifications(&app, &small).await.unwrap();
        assert!(told[0].text.contains("小微企业稳岗补贴"), "{:?}", told[0]);
        assert!(
            app::agents::notifications(&app, &big)
                .await
                .unwrap()
                .is_empty()
        );
        let (matched, grants) = policies::matches(&app, &small).await.unwrap();
        assert!(matched[0].decision.eligible && matched[0].granted);
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].state, GrantState::Granted);
        let d = grants[0].decision.as_ref().unwrap();
        assert_eq!(d.clauses[3].actual, "12");
        // The one shared data is silent on: unknown, not failed; what is missing is named.
        let (matched, _) = policies::matches(&app, &unknown).await.unwrap();
        assert!(!matched[0].decision.eligible);
        assert_eq!(matched[0].decision.missing().len(), 3);
        assert_eq!(matched[0].decision.clauses[0].actual, "未掌握");

        // A second pass grants nobody twice.
        let again = policies::run(&app, &id).await.unwrap();
        assert_eq!((again.eligible, again.granted), (1, 0));

        // The public check: reasons for everyone, the values only for the enterprise itself.
        let public = policies::check_public(&app, &Actor::Anonymous, &code(11))
            .await
            .unwrap();
        assert!(!public.own && public.results[0].decision.eligible);
        assert!(
            public.results[0].decision.clauses[3]
                .actual
                .contains("仅该企业")
        );
        let own = policies::check_public(&app, &small, &code(11))
            .await
            .unwrap();
        assert_eq!(own.results[0].decision.clauses[3].actual, "12");
        let e = policies::check_public(&app, &Actor::Anonymous, "9151160")
            .await
            .unwrap_err();
        assert_eq!(fields(e), vec![("code".to_string(), "invalid")]);

        // Someone not granted cannot confirm into it; the holder confirms a good account.
        let e = policies::confirm(&app, &big, &id, &code(11), "农行", "6228480012345678")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
        let e = policies::confirm(&app, &big, &id, &code(12), "农行", "6228480012345678")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
        let e = policies::confirm(&app, &small, &id, &code(11), "", "12ab")
            .await
            .unwrap_err();
        assert_eq!(
            fields(e),
            vec![
                ("bank".to_string(), "required"),
                ("account".to_string(), "invalid")
            ]
        );
        let e = policies::pay(&app, &officer, &id, &code(11), "GK2026-001")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "not confirmed: {e:?}");
        let g = policies::confirm(
            &app,
            &small,
            &id,
            &code(11),
            "中国农业银行广安分行",
            "6228 4800 1234 5678",
        )
        .await
        .unwrap();
        assert_eq!(
            (g.state, g.account.as_str()),
            (GrantState::Confirmed, "6228480012345678")
        );

        // Paid by the department only, with its voucher; the holder hears of it.
        let e = policies::pay(&app, &small, &id, &code(11), "X")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let e = policies::pay(&app, &officer, &id, &code(11), " ")
            .await
            .unwrap_err();
        assert_eq!(fields(e), vec![("reference".to_string(), "required")]);
        policies::pay(&app, &officer, &id, &code(11), "GK2026-001")
            .await
            .unwrap();
        let e = policies::pay(&app, &officer, &id, &code(11), "GK2026-002")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        let told = app::agents::notifications(&app, &small).await.unwrap();
        assert!(told[0].text.contains("尾号 5678"), "{:?}", told[0]);
        let l = policies::ledger(&app, &Actor::Anonymous, &id)
            .await
            .unwrap();
        assert_eq!((l.granted, l.paid, l.paid_amount), (1, 1, 300_000));
        assert!(l.days_to_pay.is_some());
        let list = policies::grants_of(&app, &officer, &id).await.unwrap();
        assert_eq!(list[0].paid_ref, "GK2026-001");
        assert!(matches!(
            policies::grants_of(&app, &small, &id).await,
            Err(AppError::Forbidden(_))
        ));

        // Stopped: no more passes; the grants stand.
        policies::set_state(&app, &officer, &id, PolicyState::Withdrawn)
            .await
            .unwrap();
        assert!(matches!(
            policies::run(&app, &id).await,
            Err(AppError::State(_))
        ));
        assert_eq!(policies::my_grants(&app, &small).await.unwrap().len(), 1);
    })
    .await;
}

/// A 申报 policy's rule made the 秒批 condition of its item: an eligible enterprise's case is
/// approved at submission by the rule, another's waits for a person; only those who maintain
/// the item may link it, and an item naming an unknown policy is refused where it says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_policy_approves_the_eligible_at_submission_as_a_condition_of_its_item() {
    store::testing::on_both(|s| async move {
        let (app, _clock) = app(s).await;
        seed_org(&app).await;
        let admin = staff(&app, "itemadm", &[Role::CatalogAdmin], "511600", None).await;
        let county = staff(&app, "cntyadm", &[Role::CatalogAdmin], "511602", None).await;
        let cap = admin.catalog_admin().unwrap();
        let item = domain::fixtures::sample_item();
        app::catalog::create(&app, &cap, item.clone())
            .await
            .unwrap();
        app::catalog::publish(&app, &cap, &item.code).await.unwrap();
        let small = company(&app, 21, "广安小微制造有限公司").await;
        let big = company(&app, 22, "广安大型集团有限公司").await;
        shared(&app, 21, "广安小微制造有限公司", "小型", 12).await;
        shared(&app, 22, "广安大型集团有限公司", "大型", 900).await;

        let mut t = terms();
        t.mode = Mode::Apply;
        t.item_code = item.code.clone();
        t.department = "511600-SCJG".into();
        t.region = "511600".into();
        t.valid_until = date!(2030 - 12 - 31);
        let id = policies::save_draft(&app, &admin, None, &t).await.unwrap();
        // A draft cannot be a condition yet.
        let e = policies::make_auto_rule(&app, &admin, &id)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        policies::publish(&app, &admin, &id).await.unwrap();

        let r = policies::item_rule(&app, &small, &id)
            .await
            .unwrap()
            .unwrap();
        assert!(!r.may_link && !r.published && !r.drafted);
        // Neither an enterprise nor an administrator outside the item's scope may link it.
        for who in [&small, &county] {
            let e = policies::make_auto_rule(&app, who, &id).await.unwrap_err();
            assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        }
        policies::make_auto_rule(&app, &admin, &id).await.unwrap();
        let r = policies::item_rule(&app, &admin, &id)
            .await
            .unwrap()
            .unwrap();
        assert!(r.may_link && r.drafted && !r.published);
        let e = policies::make_auto_rule(&app, &admin, &id)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        app::catalog::publish(&app, &cap, &item.code).await.unwrap();
        assert!(
            policies::item_rule(&app, &small, &id)
                .await
                .unwrap()
                .unwrap()
                .published
        );

        // The eligible enterprise: approved by the rule as it submits.
        let c = app::cases::start(&app, &small, &item.code).await.unwrap();
        let c = file(&app, &small, &c.id).await;
        assert_eq!(c.state, domain::case::CaseState::Approved, "{:?}", c.state);
        let d = c.decision.as_ref().unwrap();
        assert!(d.approved && d.by_rule.as_deref() == Some("符合政策申报条件"));
        // The other: a person looks.
        let c = app::cases::start(&app, &big, &item.code).await.unwrap();
        let c = file(&app, &big, &c.id).await;
        assert_eq!(c.state, domain::case::CaseState::Submitted);

        // An item whose 秒批 rule names a policy that does not exist: refused at the condition.
        let mut def = item.clone();
        def.workflow.auto_approval = Some(domain::workflow::AutoRule {
            name: "x".into(),
            conditions: vec![domain::workflow::Condition::PolicyEligible {
                policy: "no-such-policy".into(),
                title: String::new(),
            }],
        });
        let e = app::catalog::save_draft(&app, &cap, &item.code, def)
            .await
            .unwrap_err();
        assert_eq!(
            fields(e),
            vec![(
                "workflow.auto_approval.conditions[0].policy".to_string(),
                "unknown"
            )]
        );
    })
    .await;
}
