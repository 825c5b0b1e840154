use std::collections::BTreeMap;

use app::AppError;
use app::auth::Actor;
use app::bundles::{self, Application};
use app::cases;
use domain::account::{ApplicantRegistration, Role};
use domain::case::{CaseState, Command, Provision};
use store::testing::on_both;

use crate::support::*;

pub(crate) const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

/// Valid values for every field of a bundle's merged form, then `pairs` over them.
pub(crate) async fn bundle_form(
    app: &app::App,
    code: &str,
    pairs: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let guide = bundles::guide(app, code).await.unwrap();
    let fields: Vec<_> = guide.def.fields.iter().map(|f| f.as_form_field()).collect();
    let mut form = app::demo_cases::sample_values(&fields, domain::calendar::china_date(app.now()));
    for (k, v) in pairs {
        form.insert(k.to_string(), v.to_string());
    }
    form
}

/// A newly registered restaurant company that holds no license yet.
async fn new_company(app: &app::App) -> Actor {
    let first = "91511600MA6NEW001";
    let code = format!("{first}{}", domain::ids::credit_check_char(first));
    let reg = ApplicantRegistration::Enterprise {
        credit_code: code,
        name: "广安市新开餐饮有限公司".into(),
        legal_representative: "王五".into(),
        phone: "13800138001".into(),
        password: "a long passphrase".into(),
    };
    app::auth::register(app, None, reg).await.unwrap().actor
}

/// Staff who can take any case to completion: the comprehensive window, and a reviewer and
/// approver per department (created when first needed).
pub(crate) struct Office {
    clerk: Actor,
    /// Two reviewers-and-approvers per department: one person may not hold two consecutive
    /// steps of a case.
    departments: BTreeMap<String, [Actor; 2]>,
}

impl Office {
    pub(crate) async fn new(app: &app::App) -> Office {
        Office {
            clerk: staff(app, "window", &[Role::Clerk], "511600", None).await,
            departments: BTreeMap::new(),
        }
    }

    async fn for_department(&mut self, app: &app::App, dept: &str) -> [Actor; 2] {
        if !self.departments.contains_key(dept) {
            let mut pair = Vec::new();
            for n in 1..=2 {
                let a = staff(
                    app,
                    &format!("s{n}-{dept}"),
                    &[Role::Reviewer, Role::Approver],
                    "511600",
                    Some(dept),
                )
                .await;
                pair.push(a);
            }
            let pair: [Actor; 2] = pair.try_into().unwrap();
            self.departments.insert(dept.to_string(), pair);
        }
        self.departments[dept].clone()
    }
}

/// Drives a case to 已办结: the window accepts, issues and completes; the department's two
/// staff review and approve, each taking the steps the other did not.
pub(crate) async fn complete(app: &app::App, office: &mut Office, case_id: &str) {
    let dept = cases::view(app, &office.clerk, case_id)
        .await
        .unwrap()
        .case
        .department;
    let [b1, b2] = office.for_department(app, &dept).await;
    let people = [office.clerk.clone(), b1, b2];
    for _ in 0..12 {
        let mut acted = false;
        for staff in &people {
            let v = cases::view(app, staff, case_id).await.unwrap();
            let cmd = if v.allowed.contains(&"accept") {
                Command::Accept {
                    tolerate: vec![],
                    commitment: v.item.workflow.commitment.is_some(),
                }
            } else if v.allowed.contains(&"claim") {
                Command::Claim
            } else if v.allowed.contains(&"approve") {
                Command::Approve {
                    reason: "符合条件".into(),
                    legal_basis: "依法".into(),
                }
            } else if v.allowed.contains(&"complete_step") {
                Command::CompleteStep {
                    opinion: "同意".into(),
                }
            } else if v.allowed.contains(&"issue") {
                Command::Issue {
                    delivery: domain::case::Delivery::Electronic,
                }
            } else if v.allowed.contains(&"complete") {
                Command::Complete
            } else {
                continue;
            };
            cases::act(app, staff, case_id, cmd)
                .await
                .unwrap_or_else(|e| panic!("{e:?} on {}", v.item.name));
            acted = true;
            break;
        }
        if !acted {
            break;
        }
    }
    let v = cases::view(app, &office.clerk, case_id).await.unwrap();
    assert_eq!(
        v.case.state,
        CaseState::Completed,
        "{} stopped at {:?} offering {:?}",
        v.item.name,
        v.case.state,
        v.allowed
    );
}

/// Cases filed today as (法人, 自然人) by whom they decide about, as a city supervisor sees them.
async fn by_subject(app: &app::App) -> (usize, usize) {
    let sup = match app::auth::login(app, None, "sup", "staff-password-1").await {
        Ok(s) => s.actor,
        Err(_) => staff(app, "sup", &[Role::Supervisor], "511600", None).await,
    };
    let today = domain::calendar::china_date(app.now());
    let q = app::stats::Query {
        // A week back: the clock may move on a few days between two counts.
        from: app::licenses::iso(today - time::Duration::days(7)),
        to: app::licenses::iso(today.next_day().unwrap()),
        department: None,
        item: None,
        group: Some("subject".into()),
    };
    let r = app::stats::report(app, &sup, &q).await.unwrap();
    let count = |label: &str| {
        r.groups
            .iter()
            .find(|g| g.label == label)
            .map_or(0, |g| g.summary.received)
    };
    (count("法人（企业等）"), count("自然人"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restaurant_bundle_starts_with_the_business_licence_and_its_licence_starts_the_rest() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        app::demo::load(&app).await.unwrap();
        let me = new_company(&app).await;
        let guide = bundles::guide(&app, "YJS-KBCYD").await.unwrap();
        assert_eq!(guide.savings.days_bundled, 10);
        let licence = guide.materials.iter().find(|m| m.identity == "证照:营业执照").unwrap();
        assert_eq!(licence.from_member.as_deref(), Some("公司设立登记"), "the business licence comes from a member");
        let mut form = bundle_form(&app, "YJS-KBCYD", &[("company_name", "广安市王五餐饮有限公司"), ("capital", "50"), ("company_type", "有限责任公司"), ("legal_rep", "王五"), ("address", "广安市广安区建设路 8 号"), ("scope", "餐饮服务")]).await;
        // The tobacco permit is not chosen: what only it needs is not asked.
        for k in ["business_type", "business_area", "funds"] {
            form.remove(k);
        }

        // Nothing uploaded: every material some member needs is named with who needs it.
        let e = bundles::apply(&app, &me, "YJS-KBCYD", Application { form: form.clone(), ..Default::default() })
            .await
            .unwrap_err();
        let AppError::Validation(problems) = e else { panic!("{e:?}") };
        assert!(problems.iter().any(|p| p.message.contains("公司章程") && p.message.contains("公司设立登记需要")), "{problems:?}");
        assert!(!problems.iter().any(|p| p.field == "materials.证照:营业执照"), "the licence is not asked for");

        let mut materials = BTreeMap::new();
        for m in guide.materials.iter().filter(|m| m.mandatory && m.from_member.is_none()) {
            materials.insert(m.identity.clone(), app::uploads::store(&app, &me, PDF, &format!("{}.pdf", m.name)).await.unwrap());
        }
        let missing_field = bundles::apply(
            &app,
            &me,
            "YJS-KBCYD",
            Application { form: BTreeMap::new(), materials: materials.clone(), ..Default::default() },
        )
        .await;
        assert!(matches!(missing_field, Err(AppError::Validation(v)) if v.iter().any(|p| p.field == "form.legal_rep")));

        let before = by_subject(&app).await;
        let id = bundles::apply(&app, &me, "YJS-KBCYD", Application { form, materials, optional: vec![] })
            .await
            .unwrap();
        let v = bundles::view(&app, &me, &id).await.unwrap();
        let state = |v: &bundles::BundleView, item: &str| v.children.iter().find(|c| c.item == item).unwrap().state.clone();
        assert_eq!(state(&v, "公司设立登记"), "已提交（预审中）");
        assert_eq!(state(&v, "食品（含保健食品）经营许可核发"), "等待前置事项办结");
        assert!(state(&v, "烟草专卖零售许可证新办").starts_with("无需办理"), "not chosen");

        // The window decides the 即办件; its 营业执照 starts the three permits in their
        // departments, each with the licence attached.
        let mut office = Office::new(&app).await;
        let first = v.children.iter().find(|c| c.item == "公司设立登记").unwrap().case_id.clone().unwrap();
        // Two days pass first: the waiting members still take the uploads the bundle was
        // filed with (past the window in which a fresh upload must be attached).
        clock.advance(time::Duration::days(2));
        complete(&app, &mut office, &first).await;
        let v = bundles::view(&app, &me, &id).await.unwrap();
        let mut departments = Vec::new();
        for c in v.children.iter().filter(|c| c.item != "公司设立登记" && !c.state.starts_with("无需办理")) {
            assert_eq!(c.state, "已提交（预审中）", "{} did not start", c.item);
            let case = cases::view(&app, &me, c.case_id.as_ref().unwrap()).await.unwrap().case;
            let attached = case.materials.values().any(|p| matches!(p, Provision::License { type_name, .. } if type_name == "营业执照"));
            assert!(attached, "{} has no 营业执照 attached: {:?}", c.item, case.materials);
            departments.push(case.department);
        }
        departments.sort();
        assert_eq!(departments, ["511600-CGZFJ", "511600-SCJG", "511600-XFJYZD"]);
        assert_eq!(v.state, "办理中");

        // The lead department sees the whole bundle; another department's reviewer sees it
        // for its member; an outsider does not.
        let lead = staff(&app, "lead", &[Role::Reviewer], "511600", Some("511600-SCJG")).await;
        assert_eq!(bundles::mine(&app, &lead).await.unwrap().iter().filter(|b| b.id == id).count(), 1);
        let other = staff(&app, "tax", &[Role::Reviewer], "511600", Some("511600-RSJ")).await;
        assert!(matches!(bundles::view(&app, &other, &id).await, Err(AppError::NotFound(_))));

        // In any order: the permits complete and so does the bundle.
        for c in v.children.iter().rev().filter(|c| c.item != "公司设立登记" && !c.state.starts_with("无需办理")) {
            complete(&app, &mut office, c.case_id.as_ref().unwrap()).await;
        }
        assert_eq!(bundles::view(&app, &me, &id).await.unwrap().state, "已办结");

        // Statistics count the members for whom they decide: the new company, though a
        // person filed them.
        assert_eq!(by_subject(&app).await, (before.0 + 4, before.1));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_already_held_is_skipped_and_a_refused_member_is_shown_while_the_others_proceed() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        app::demo::load(&app).await.unwrap();
        // The demo enterprise already holds a 营业执照 from the demo cases.
        let me = app::auth::login(
            &app,
            None,
            &app::demo::demo_credit_code(),
            app::demo::DEMO_PASSWORD,
        )
        .await
        .unwrap()
        .actor;
        let guide = bundles::guide(&app, "YJS-KBCYD").await.unwrap();
        let mut materials = BTreeMap::new();
        for m in guide
            .materials
            .iter()
            .filter(|m| m.mandatory && m.from_member.is_none())
        {
            materials.insert(
                m.identity.clone(),
                app::uploads::store(&app, &me, PDF, "材料.pdf")
                    .await
                    .unwrap(),
            );
        }
        let form = bundle_form(
            &app,
            "YJS-KBCYD",
            &[
                ("company_name", "广安市演示餐饮有限公司"),
                ("capital", "100"),
                ("company_type", "有限责任公司"),
                ("legal_rep", "李四"),
                ("address", "广安市"),
                ("scope", "餐饮服务"),
            ],
        )
        .await;
        let tobacco = guide
            .members
            .iter()
            .find(|m| m.0.name == "烟草专卖零售许可证新办")
            .unwrap()
            .0
            .code
            .clone();
        let id = bundles::apply(
            &app,
            &me,
            "YJS-KBCYD",
            Application {
                form,
                materials,
                optional: vec![tobacco],
            },
        )
        .await
        .unwrap();
        let v = bundles::view(&app, &me, &id).await.unwrap();
        let child = |v: &bundles::BundleView, item: &str| {
            v.children.iter().find(|c| c.item == item).unwrap().clone()
        };
        assert_eq!(
            child(&v, "公司设立登记").state,
            "无需办理（办理对象已持有有效的营业执照）"
        );
        for item in [
            "食品（含保健食品）经营许可核发",
            "设置大型户外广告的审批",
            "烟草专卖零售许可证新办",
        ] {
            assert_eq!(
                child(&v, item).state,
                "已提交（预审中）",
                "{item} starts at once"
            );
        }
        // The window refuses the signboard at intake; the parent says so, the rest go on.
        let clerk = staff(&app, "window", &[Role::Clerk], "511600", None).await;
        let sign = child(&v, "设置大型户外广告的审批").case_id.unwrap();
        cases::act(
            &app,
            &clerk,
            &sign,
            Command::RejectAtIntake {
                reason: "设置地点不在规划范围内".into(),
            },
        )
        .await
        .unwrap();
        // 窗口无否决权: the department's 批准人 confirms it.
        let dept = cases::view(&app, &clerk, &sign)
            .await
            .unwrap()
            .item
            .department
            .clone();
        let chief = staff(&app, "chief", &[Role::Approver], "511600", Some(&dept)).await;
        cases::act(&app, &chief, &sign, Command::ConfirmRefusal)
            .await
            .unwrap();
        let v = bundles::view(&app, &me, &id).await.unwrap();
        assert_eq!(v.state, "有事项未获准");
        assert!(
            child(&v, "设置大型户外广告的审批")
                .action
                .unwrap()
                .contains("未获准")
        );
        assert_eq!(
            child(&v, "烟草专卖零售许可证新办").state,
            "已提交（预审中）"
        );
    })
    .await;
}
