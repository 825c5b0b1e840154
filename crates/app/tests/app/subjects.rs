//! 行政相对人: a bundle filed by a person for a new enterprise or a newborn issues its licenses
//! to that enterprise or child, with identifiers in the national formats.

use std::collections::BTreeMap;

use app::AppError;
use app::auth::Actor;
use app::bundles::{self, Application};
use app::cases;
use domain::case::Provision;
use domain::ids::{CreditCode, IdNumber};
use domain::subject::Subject;
use store::testing::on_both;

use crate::bundles::{Office, PDF, bundle_form, complete};
use crate::support::*;

/// The demo site with 张三 logged in (and his ID number), and every material the bundle
/// `code` asks to be uploaded, uploaded by him.
async fn demo_citizen_with_uploads(
    s: store::Store,
    code: &str,
) -> (Nodes, Actor, String, BTreeMap<String, Provision>) {
    let (app, _) = app(s).await;
    app::demo::load(&app).await.unwrap();
    let login = app::demo::demo_id_number("19900101", "123");
    let me = app::auth::login(&app, None, &login, app::demo::DEMO_PASSWORD)
        .await
        .unwrap()
        .actor;
    let materials = uploads(&app, &me, code).await;
    (app, me, login, materials)
}

/// The case id of a started member of a bundle application.
fn member_case(v: &bundles::BundleView, item: &str) -> String {
    let c = v.children.iter().find(|c| c.item == item).unwrap();
    c.case_id
        .clone()
        .unwrap_or_else(|| panic!("{item} has not started"))
}

/// Uploads every material the bundle asks to be uploaded.
async fn uploads(app: &app::App, me: &Actor, code: &str) -> BTreeMap<String, Provision> {
    let guide = bundles::guide(app, code).await.unwrap();
    let mut out = BTreeMap::new();
    for m in guide
        .materials
        .iter()
        .filter(|m| m.mandatory && m.from_member.is_none())
    {
        let p = app::uploads::store(app, me, PDF, &format!("{}.pdf", m.name))
            .await
            .unwrap();
        out.insert(m.identity.clone(), p);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_opening_a_restaurant_gets_a_business_licence_for_the_new_company() {
    on_both(|s| async move {
        let (app, me, my_id, materials) = demo_citizen_with_uploads(s, "YJS-KBCYD").await;
        let my_id = &my_id;
        let f = bundle_form(
            &app,
            "YJS-KBCYD",
            &[
                ("company_name", "广安市张记餐饮有限公司"),
                ("capital", "30"),
                ("company_type", "有限责任公司（自然人独资）"),
                ("legal_rep", "张三"),
                ("address", "广安市广安区建设路 8 号"),
                ("scope", "餐饮服务"),
            ],
        )
        .await;
        // Without the company's name there is nobody to register.
        let mut nameless = f.clone();
        nameless.remove("company_name");
        let e = bundles::apply(
            &app,
            &me,
            "YJS-KBCYD",
            Application {
                form: nameless,
                materials: materials.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        let AppError::Validation(v) = e else {
            panic!("{e:?}")
        };
        assert!(v.iter().any(|p| p.field == "form.company_name"), "{v:?}");

        let id = bundles::apply(
            &app,
            &me,
            "YJS-KBCYD",
            Application {
                form: f,
                materials,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let v = bundles::view(&app, &me, &id).await.unwrap();
        let reg = member_case(&v, "公司设立登记");
        let case = cases::view(&app, &me, &reg).await.unwrap().case;
        assert!(case.subject.being_established(), "{:?}", case.subject);
        let mut office = Office::new(&app).await;
        complete(&app, &mut office, &reg).await;

        // The 营业执照 names the company, with a new valid code, not the founder.
        let wallet = app::licenses::wallet(&app, &me).await.unwrap();
        let licence = wallet
            .iter()
            .find(|l| l.type_name == "营业执照")
            .expect("the founder sees it");
        assert_eq!(licence.holder_name, "广安市张记餐饮有限公司");
        assert_eq!(licence.on_behalf, "法定代表人");
        let field = |l: &app::licenses::LicenseView, k: &str| {
            l.fields
                .iter()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let code = field(licence, "统一社会信用代码");
        assert!(CreditCode::parse(&code).is_ok(), "{code}");
        assert!(code.starts_with("91511600MA"), "{code}");
        assert_ne!(&code, my_id);
        assert_eq!(field(licence, "名称"), "广安市张记餐饮有限公司");
        assert_eq!(field(licence, "注册资本（万元）"), "30");

        // The later members are filed for the company, with its licence attached.
        let v = bundles::view(&app, &me, &id).await.unwrap();
        let food = member_case(&v, "食品（含保健食品）经营许可核发");
        let food_case = cases::view(&app, &me, &food).await.unwrap().case;
        assert_eq!(
            food_case.subject,
            Subject::Enterprise {
                name: "广安市张记餐饮有限公司".into(),
                credit_code: code.clone()
            }
        );
        assert!(
            food_case.materials.values().any(
                |p| matches!(p, Provision::License { type_name, .. } if type_name == "营业执照")
            )
        );
        complete(&app, &mut office, &food).await;
        let wallet = app::licenses::wallet(&app, &me).await.unwrap();
        let permit = wallet
            .iter()
            .find(|l| l.type_name == "食品经营许可证")
            .unwrap();
        assert_eq!(field(permit, "社会信用代码（身份证号码）"), code);
        assert_eq!(permit.holder_name, "广安市张记餐饮有限公司");
        // Numbers are unique per issuer even across types issued the same day.
        assert_ne!(permit.number, licence.number);
        // The founder may open it; another person may not.
        assert!(app::licenses::get(&app, &me, &permit.id).await.is_ok());
        let other = citizen(&app, "777").await;
        assert!(matches!(
            app::licenses::get(&app, &other, &permit.id).await,
            Err(AppError::NotFound(_))
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newborn_bundle_files_every_member_for_the_baby() {
    on_both(|s| async move {
        let (app, me, my_id, materials) = demo_citizen_with_uploads(s, "YJS-XSECS").await;
        let my_id = &my_id;
        // An empty form is refused field by field.
        let e = bundles::apply(
            &app,
            &me,
            "YJS-XSECS",
            Application {
                materials: materials.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        let AppError::Validation(v) = e else {
            panic!("{e:?}")
        };
        for f in [
            "form.baby_name",
            "form.baby_sex",
            "form.birth_date",
            "form.mother_id",
        ] {
            assert!(v.iter().any(|p| p.field == f), "{f} missing from {v:?}");
        }
        let today = domain::calendar::china_date(app.now());
        let born = today - time::Duration::days(3);
        let born = format!(
            "{}-{:02}-{:02}",
            born.year(),
            born.month() as u8,
            born.day()
        );
        let mother = app::demo::demo_id_number("19920202", "224");
        let f = bundle_form(
            &app,
            "YJS-XSECS",
            &[
                ("baby_name", "张小宝"),
                ("baby_sex", "女"),
                ("birth_date", &born),
                ("birth_place", "广安市人民医院"),
                ("mother_name", "李梅"),
                ("mother_id", &mother),
                ("father_name", "张三"),
                ("father_id", my_id),
                ("relation_to_head", "女"),
                ("household_address", "广安市广安区建设路 8 号"),
                ("contact_phone", "13800138000"),
                ("delivery", "窗口领取"),
            ],
        )
        .await;
        let id = bundles::apply(
            &app,
            &me,
            "YJS-XSECS",
            Application {
                form: f,
                materials,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let v = bundles::view(&app, &me, &id).await.unwrap();
        // The parent's own 出生医学证明 does not make the baby's unnecessary.
        assert!(
            v.children.iter().all(|c| !c.state.starts_with("无需办理")),
            "{:?}",
            v.children
        );
        let cert = member_case(&v, "《出生医学证明》首次签发");
        let case = cases::view(&app, &me, &cert).await.unwrap().case;
        let Subject::Person {
            name, id_number, ..
        } = &case.subject
        else {
            panic!("{:?}", case.subject)
        };
        assert_eq!(name, "张小宝");
        let baby = IdNumber::parse_on(id_number, today).unwrap();
        assert_eq!(baby.birth_date(), today - time::Duration::days(3));
        assert!(!baby.is_male());
        assert_eq!(case.form.get("mother_id"), Some(&mother));

        let mut office = Office::new(&app).await;
        complete(&app, &mut office, &cert).await;
        let wallet = app::licenses::wallet(&app, &me).await.unwrap();
        let l = wallet
            .iter()
            .find(|l| l.type_name == "出生医学证明" && l.holder_name == "张小宝")
            .expect("the baby's certificate");
        assert_eq!(l.on_behalf, "监护人");
        assert!(l.fields.iter().any(|(k, v)| k == "母亲姓名" && v == "李梅"));
        // 户口登记 and the 社保卡 follow for the baby, never for the parent.
        let hukou = bundles::view(&app, &me, &id)
            .await
            .unwrap()
            .children
            .into_iter()
            .find(|c| c.item == "户口登记（出生登记）")
            .unwrap();
        let hukou_case = cases::view(&app, &me, hukou.case_id.as_ref().unwrap())
            .await
            .unwrap()
            .case;
        assert_eq!(hukou_case.subject, case.subject);
        let baby_cert = hukou_case.materials.get("出生医学证明").unwrap();
        assert!(
            matches!(baby_cert, Provision::License { license_id, .. } if *license_id == l.id),
            "{baby_cert:?}"
        );
        complete(&app, &mut office, hukou.case_id.as_ref().unwrap()).await;
        let v = bundles::view(&app, &me, &id).await.unwrap();
        let card = member_case(&v, "社会保障卡申领");
        assert_eq!(
            cases::view(&app, &me, &card).await.unwrap().case.subject,
            case.subject
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naming_someone_elses_id_as_the_subject_never_opens_their_wallet() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        app::demo::load(&app).await.unwrap();
        let me = citizen(&app, "778").await;
        let Actor::Applicant { id: my_account, .. } = &me else {
            unreachable!()
        };
        // 张三 of the demo holds licences (居民身份证 …); a stranger names him as the subject.
        let holder = app::demo::demo_id_number("19900101", "123");
        let item = domain::fixtures::sample_item();
        let mut case = domain::case::Case::draft(
            "c-x".into(),
            &item,
            1,
            domain::keys::AccountId::new(my_account.as_str()),
            domain::case::Channel::Online,
            app.now(),
        );
        case.subject = Subject::Person {
            name: "张三".into(),
            id_number: holder.clone(),
            relation: "亲属".into(),
            reserved: false,
        };
        let mut conn = app.store.conn().await.unwrap();
        let h = app::licenses::case_holder(&app, &mut conn, &case)
            .await
            .unwrap();
        assert_eq!(h.id, holder);
        assert!(
            h.link.is_none(),
            "a holder with licences is not linked to a stranger"
        );
        // Nor are that person's licences or shared data read for the stranger's case.
        let Actor::Applicant {
            login: my_login, ..
        } = &me
        else {
            unreachable!()
        };
        let wallet =
            app::licenses::readable_subject(&mut conn, &case.subject, my_account, my_login)
                .await
                .unwrap();
        assert_eq!(wallet, None);
        let own =
            app::licenses::readable_subject(&mut conn, &Subject::Applicant, my_account, my_login)
                .await
                .unwrap();
        assert_eq!(own.as_deref(), Some(my_login.as_str()));
        // A person without licences here who was only named is not linked either.
        let named = app::demo::demo_id_number("19700101", "005");
        case.subject = Subject::Person {
            name: "王五".into(),
            id_number: named,
            relation: "亲属".into(),
            reserved: false,
        };
        let h = app::licenses::case_holder(&app, &mut conn, &case)
            .await
            .unwrap();
        assert!(
            h.link.is_none(),
            "only a number the platform reserved is linked"
        );
        // A fresh identity (a newborn's reserved number) is linked to who filed for it.
        let baby = app::demo::demo_id_number("20261128", "002");
        case.subject = Subject::Person {
            name: "张小宝".into(),
            id_number: baby.clone(),
            relation: "监护人".into(),
            reserved: true,
        };
        let h = app::licenses::case_holder(&app, &mut conn, &case)
            .await
            .unwrap();
        assert_eq!(
            h.link.map(|l| (l.holder_id, l.relation)),
            Some((baby, "监护人".to_string()))
        );
    })
    .await;
}
