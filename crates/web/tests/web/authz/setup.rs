//! The world the authorization table is checked in: the demo site, the accounts the demo
//! lacks (county staff, a reviewer of the record's department, a second citizen, an agent),
//! one signed-in client per principal, and the records the routes are asked about, all of
//! the demo citizen 张三 and the city's 公安局 (511600-GAJ).

use domain::project::joint::JointKind;
use std::collections::BTreeMap;

use app::auth::{Actor, NewStaff, actor_for_login};
use domain::account::{ApplicantRegistration, Role};
use domain::case::{Command, Provision};
use domain::workflow::FieldKind;

use crate::support::{Client, site};

/// The demo item the records are about: 居民身份证换领 of the city's 公安局.
pub const ITEM: &str = "11511600008745808R3200030003002";
/// Its main item, which cannot be applied for.
pub const ITEM_MAIN: &str = "11511600008745808R3200030003000";
pub const DEPARTMENT: &str = "511600-GAJ";
/// 身后一件事, led by the city's 公安局.
pub const BUNDLE: &str = "YJS-SH";

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

/// Logins of the principals, in the order of `rules::PRINCIPALS` (None: the visitor).
fn logins() -> [Option<String>; 14] {
    let s = |l: &str| Some(l.to_string());
    [
        None,
        s(&app::demo::demo_id_number("19900101", "123")),
        s(&app::demo::demo_id_number("19850505", "456")),
        s(&app::demo::demo_credit_code()),
        s("clerk"),
        s("authz-clerk-c"),
        s("authz-gaj"),
        s("cgzf"),
        s("supervisor"),
        s("authz-sup-c"),
        s("admin"),
        s("authz-admin-c"),
        s("catalog"),
        s("catalog-gaq"),
    ]
}

/// Staff the demo lacks: (login, roles, region, department).
const STAFF: &[(&str, &[Role], &str, Option<&str>)] = &[
    ("authz-clerk-c", &[Role::Clerk], "511602", None),
    (
        "authz-gaj",
        &[Role::Reviewer, Role::Approver, Role::HotlineHandler],
        "511600",
        Some(DEPARTMENT),
    ),
    ("authz-sup-c", &[Role::Supervisor], "511602", None),
    ("authz-admin-c", &[Role::SystemAdmin], "511602", None),
];

pub struct Principal {
    pub client: Client,
    /// The staff member's region (the city for visitors and applicants).
    pub region: String,
}

pub struct World {
    pub site: Client,
    pub principals: Vec<Principal>,
    /// Record name → value, for `{name}` in the table.
    pub records: BTreeMap<&'static str, String>,
}

async fn actor(app: &app::App, login: &str) -> Actor {
    actor_for_login(app, login).await.unwrap()
}

pub async fn world() -> World {
    let mut site = site().await;
    let app = site.app.clone();
    let password = app::demo::DEMO_PASSWORD;
    let cap = actor(&app, "admin").await.system_admin().unwrap();
    // The city's window clerk also takes 12345 calls and dispatches (as in a centre where
    // the hall and the hotline share staff), so the table covers the hotline's centre.
    {
        let mut c = app.store.conn().await.unwrap();
        store::accounts::set_roles(&mut c, "clerk", "clerk,hotline_operator,hotline_dispatcher")
            .await
            .unwrap();
    }
    for (login, roles, region, department) in STAFF {
        let staff = NewStaff {
            login: login.to_string(),
            name: format!("授权表{login}"),
            phone: "13800000001".into(),
            password: password.into(),
            roles: roles.to_vec(),
            region: region.to_string(),
            department: department.map(str::to_string),
        };
        app::auth::create_staff(&app, &cap, &staff).await.unwrap();
    }
    let agent_login = app::demo::demo_id_number("19800808", "789");
    let all = logins();
    for (login, name) in [
        (all[2].clone().unwrap(), "李另"),
        (agent_login.clone(), "王代"),
    ] {
        let reg = ApplicantRegistration::NaturalPerson {
            id_number: login,
            name: name.into(),
            phone: "13900000002".into(),
            password: password.into(),
        };
        app::auth::register(&app, None, reg).await.unwrap();
    }

    let own_login = all[1].clone().unwrap();
    let owner = actor(&app, &own_login).await;
    let clerk = actor(&app, "clerk").await;
    let mut records: BTreeMap<&'static str, String> = BTreeMap::new();
    for (k, v) in [
        ("password", password),
        ("item", ITEM),
        ("item_main", ITEM_MAIN),
        ("department", DEPARTMENT),
        ("region", "511600"),
        ("bundle", BUNDLE),
        ("publish", "publish"),
        ("zero", "0"),
        ("setup_table", "regions"),
        ("from", "2026-01-01"),
        ("to", "2026-12-31"),
    ] {
        records.insert(k, v.to_string());
    }
    records.insert("tail", own_login[own_login.len() - 4..].to_string());
    records.insert("own_login", own_login.clone());

    // The citizen's submitted demo case of the item, and one of its files.
    let (mine, _) = app::cases::mine(&app, &owner, 100, 0).await.unwrap();
    let case = mine
        .iter()
        .find(|c| c.item_code == ITEM)
        .expect("the demo citizen's 居民身份证换领 case");
    assert_eq!(case.department, DEPARTMENT);
    records.insert("case", case.id.to_string());
    records.insert("number", case.number.to_string());
    let file = case.materials.values().find_map(|p| match p {
        Provision::Uploaded { file, .. } => Some(file.clone()),
        _ => None,
    });
    records.insert("file", file.expect("an uploaded material"));

    // A case of the department with a written notice: the demo passport draft, accepted.
    let passport = mine
        .iter()
        .find(|c| c.item_name == "普通护照签发")
        .expect("the demo passport draft");
    assert_eq!(passport.department, DEPARTMENT);
    let id = passport.id.to_string();
    app::cases::act(&app, &owner, &id, Command::Submit)
        .await
        .unwrap();
    let accept = Command::Accept {
        tolerate: vec![],
        commitment: false,
    };
    let accepted = app::cases::act(&app, &clerk, &id, accept).await.unwrap();
    let kind = app::cases::notice_kinds(&accepted)[0];
    records.insert("case_notice", id);
    records.insert("kind", kind.to_string());

    // A rating ticket of the department: a case withdrawn and rated badly.
    let withdrawn = submitted(&app, &owner, ITEM).await;
    let id = withdrawn.id.to_string();
    let reason = "授权表测试".to_string();
    app::cases::act(&app, &owner, &id, Command::Withdraw { reason })
        .await
        .unwrap();
    let rating = app::ratings::NewRating {
        level: 5,
        tags: vec![domain::rating::BAD_TAGS[0].to_string()],
        text: String::new(),
        channel: "pc".into(),
        named: false,
        act: "case".into(),
    };
    app::ratings::rate(&app, &owner, &id, rating).await.unwrap();
    let rated = app::ratings::of_case(&app, &owner, &id).await.unwrap();
    let ticket = rated.into_iter().find_map(|(_, t)| t).expect("a ticket");
    assert_eq!(ticket.ticket.department, DEPARTMENT);
    records.insert("ticket", ticket.ticket.id);

    // The citizen's licenses from the department: one to read, one to revoke.
    for l in app::licenses::wallet(&app, &owner).await.unwrap() {
        match l.type_name.as_str() {
            "居民身份证" => {
                records.insert("license", l.id);
                records.insert("token", l.token);
            }
            "居民户口簿" => {
                records.insert("license_rev", l.id);
            }
            _ => {}
        }
    }

    // The hall: the city's centre, a ticket the citizen took at its kiosk while logged in,
    // and the demo citizen's booking of the district hall.
    records.insert("hall", "511600-ZWZX".to_string());
    // A texted 12345 link nobody in the table holds.
    records.insert("sms_link", "0123456789abcdef01234567".to_string());
    let take = app::hall::tickets::TakeTicket {
        line: "A".into(),
        person: Some(app::hall::Person {
            name: "张三".into(),
            id_number: own_login.clone(),
            phone: "13900000001".into(),
        }),
        green_reason: String::new(),
        position: None,
    };
    let queued = app::hall::tickets::take(
        &app,
        &owner,
        "511600-ZWZX",
        domain::hall::queue::Source::Kiosk,
        &take,
    )
    .await
    .unwrap();
    records.insert("queue_ticket", queued.ticket.id);
    records.insert("appointment", "DEMOBOOK".to_string());

    // A 12345 complaint the citizen left on the portal, dispatched to the department and
    // accepted there (in handling); and a question on the item's guide.
    let filed = app::hotline::tickets::FileTicket {
        ticket: domain::hotline::NewTicket {
            kind: "complaint".into(),
            class: "0901".into(),
            region: "511600".into(),
            text: "授权表测试：窗口排队太久".into(),
            caller: domain::hotline::Caller {
                phone: "13900000001".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    };
    let t = app::hotline::tickets::file(&app, &owner, &filed, false)
        .await
        .unwrap();
    let dispatcher = actor(&app, "dispatcher").await;
    let dispatch = domain::hotline::flow::Command::Dispatch {
        department: DEPARTMENT.into(),
        co_handlers: vec![],
    };
    app::hotline::tickets::step(&app, &dispatcher, &t.ticket.id, &dispatch)
        .await
        .unwrap();
    let handler = actor(&app, "authz-gaj").await;
    let accept = domain::hotline::flow::Command::Accept;
    app::hotline::tickets::step(&app, &handler, &t.ticket.id, &accept)
        .await
        .unwrap();
    records.insert("hotline_json", format!("{}.json", t.ticket.id));
    records.insert("hotline_ticket", t.ticket.id);
    records.insert("service_json", "0901.json".to_string());
    let q = app::hotline::knowledge::ask(&app, &owner, ITEM, "授权表测试：能否代办？")
        .await
        .unwrap();
    records.insert("question", q.id);
    records.insert("article", "KB-0001".to_string());

    // A grant the citizen gave a fourth person (not one of the principals).
    let grant = app::agents::grant(&app, &owner, &agent_login, 30)
        .await
        .unwrap();
    records.insert("grant", grant.id);

    let (intermediary, job) = market(&app, all[3].as_deref().unwrap(), &clerk).await;
    records.insert("intermediary", intermediary);
    records.insert("market_job", job);
    records.insert("policy", app::demo_policies::EMPLOYMENT.to_string());
    records.insert("policy_draft", app::demo_policies::DRAFT.to_string());
    records.insert("policy_apply", app::demo_policies::DISABILITY.to_string());
    records.insert("post", app::demo_content::PINNED.to_string());
    records.insert("post_review", app::demo_content::IN_REVIEW.to_string());
    records.insert("point", app::demo_rights::BEICHEN.to_string());
    records.insert("point_item", app::demo_rights::DIBAO.to_string());
    records.insert("delegation", app::demo_rights::OFFERED.to_string());
    let report = app::unresolved::report(
        &app,
        &owner,
        "",
        "授权表测试：户口迁移没办成",
        "511600-GAJ",
        "",
    )
    .await
    .unwrap();
    records.insert("unresolved", report);
    records.insert("policy_subject", app::demo::demo_credit_code());
    // 双随机一公开 (the demo's drawn plan of 市场监管局, its decided penalty and the record it made).
    let plans = app::oversight::inspections::plans(&app, &Actor::Anonymous)
        .await
        .unwrap();
    let plan = plans.first().expect("the demo's inspection plan");
    records.insert("inspection_plan", plan.id.clone());
    records.insert("inspection_target", plan.assignments[0].target.id.clone());
    let penalty = plan
        .results
        .iter()
        .find(|r| !r.penalty_id.is_empty())
        .expect("the demo's penalty case")
        .penalty_id
        .clone();
    records.insert("credit_record", format!("penalty:{penalty}"));
    records.insert("penalty", penalty);
    // 工程建设项目 (the demo's): the warehouse with its intermediary hold, the central kitchen with
    // its 联合审图 open (led by 住建局 with 消防; no department of the table takes part).
    let owner_actor = actor(&app, &app::demo::demo_credit_code()).await;
    let warehouse = app::projects::project(&app, &owner_actor, app::demo_projects::WAREHOUSE)
        .await
        .unwrap();
    records.insert("project", warehouse.code.clone());
    records.insert("project_hold", warehouse.holds[0].id.clone());
    let lead = actor(&app, "zjjsc").await;
    let fire = ["511600-XFJYZD".to_string()];
    let kitchen = app::demo_projects::KITCHEN;
    app::projects::open_joint(&app, &lead, kitchen, JointKind::DrawingReview, &fire)
        .await
        .unwrap();
    records.insert("joint_project", kitchen.to_string());
    records.insert("joint_kind", "drawing_review".to_string());

    records.insert("bundle_case", bundle_case(&app, &owner).await);
    let (warning, notice) = warning_and_notice(&app, &records["case"]).await;
    records.insert("warning", warning);
    records.insert("notice", notice);
    records.insert("off_platform", suspicion(&app, &records["case"]).await);
    records.insert("forward", forward(&app).await);

    let home = site.get("/").await.body;
    for (key, ext) in [("CSS_PATH", ".css"), ("JS_PATH", ".js")] {
        let path = home
            .split('"')
            .find(|s| s.starts_with("/static/app.") && s.ends_with(ext))
            .expect("the hashed asset in the page");
        records.insert(key, path.to_string());
    }

    let mut principals = Vec::new();
    for (i, login) in all.iter().enumerate() {
        // One address each, so that the probes' failed logins stay within each one's budget.
        let mut client = site.another_at(&format!("10.0.0.{}", i + 1));
        let region = match login {
            Some(l) => {
                let page = client.login(l, password).await;
                assert_eq!(page.location(), "/", "{l} could not log in: {}", page.body);
                match actor(&app, l).await {
                    Actor::Staff { scope, .. } => scope.region,
                    _ => "511600".into(),
                }
            }
            None => {
                client.get("/").await;
                "511600".into()
            }
        };
        principals.push(Principal { client, region });
    }
    World {
        site,
        principals,
        records,
    }
}

/// A filled-in value for a form field of `kind`.
fn value(kind: &FieldKind, options: &[String]) -> String {
    match kind {
        FieldKind::Select => options.first().cloned().unwrap_or_default(),
        FieldKind::Phone => "13900000000".into(),
        FieldKind::Date => "2026-01-05".into(),
        FieldKind::Number => "1".into(),
        FieldKind::IdNumber => app::demo::demo_id_number("19900101", "123"),
        _ => "授权表测试".into(),
    }
}

/// A new case of `code` for `who`, filled in and submitted.
/// 中介超市: the enterprise applies to join for the whole city (pending: the city's
/// administrators review it); the city's clerk posts a job in the county for a week.
async fn market(app: &app::App, enterprise: &str, clerk: &Actor) -> (String, String) {
    use domain::market::{JobPost, Method, Qualification, Registration, Service};
    let ent = actor(app, enterprise).await;
    let reg = Registration {
        credit_code: enterprise.to_string(),
        name: ent.display_name().to_string(),
        services: vec![Service::Surveying],
        regions: vec!["511600".into()],
        qualifications: vec![Qualification {
            service: Service::Surveying,
            name: "乙级测绘资质".into(),
            number: "授权表-0001".into(),
            valid_until: time::macros::date!(2030 - 12 - 31),
        }],
        staff: 5,
        phone: "0826-2000000".into(),
    };
    app::market::register(app, &ent, &reg).await.unwrap();
    let post = JobPost {
        title: "授权表测试项目".into(),
        service: Service::Surveying,
        scope: "地形图测绘".into(),
        budget_cap: 1_000_000,
        bid_deadline: app.now() + time::Duration::days(7),
        delivery_days: 20,
        method: Method::Random,
        region: "511602".into(),
        project_code: String::new(),
    };
    let job = app::market::post_job(app, clerk, &post).await.unwrap();
    (enterprise.to_string(), job.id)
}

async fn submitted(app: &app::App, who: &Actor, code: &str) -> domain::case::Case {
    let def = app::demo::demo_data()
        .unwrap()
        .items
        .into_iter()
        .find(|d| d.code == code)
        .unwrap();
    let c = app::cases::start(app, who, code).await.unwrap();
    let form = def
        .form
        .iter()
        .map(|f| (f.key.clone(), value(&f.kind, &f.options)))
        .collect();
    let mut materials = BTreeMap::new();
    for m in def.materials.iter().filter(|m| m.mandatory) {
        let p = app::uploads::store(app, who, PDF, "材料.pdf")
            .await
            .unwrap();
        materials.insert(m.name.clone(), p);
    }
    let id = c.id.to_string();
    app::cases::act(app, who, &id, Command::Edit { form, materials })
        .await
        .unwrap();
    app::cases::act(app, who, &id, Command::Submit)
        .await
        .unwrap()
}

/// The citizen's application for 身后一件事.
async fn bundle_case(app: &app::App, owner: &Actor) -> String {
    let g = app::bundles::guide(app, BUNDLE).await.unwrap();
    let form = g
        .def
        .fields
        .iter()
        .map(|f| (f.key.clone(), value(&f.kind, &f.options)))
        .collect();
    let mut materials = BTreeMap::new();
    for m in g
        .materials
        .iter()
        .filter(|m| m.mandatory && m.from_member.is_none())
    {
        let p = app::uploads::store(app, owner, PDF, "材料.pdf")
            .await
            .unwrap();
        materials.insert(m.identity.clone(), p);
    }
    let a = app::bundles::Application {
        form,
        optional: vec![],
        materials,
    };
    app::bundles::apply(app, owner, BUNDLE, a).await.unwrap()
}

/// A red warning on the case (its deadline as watched) and a 督办 notice the city's
/// supervisor sent about it to the department.
async fn warning_and_notice(app: &app::App, case: &str) -> (String, String) {
    let mut tx = app.store.begin().await.unwrap();
    let w = store::supervision::watch_of_case(&mut tx, case)
        .await
        .unwrap()
        .expect("the case is watched");
    let row = store::supervision::WarningRow {
        id: "authz-warning".into(),
        case_id: w.case_id,
        case_number: w.case_number,
        kind: w.kind,
        level: "red".into(),
        due_date: w.due_date,
        region: w.region,
        department: w.department,
        responsible: w.responsible,
        raised_at: app.now_ms(),
        cleared_at: None,
        cleared_reason: String::new(),
        acknowledged_by: None,
        acknowledged_at: None,
    };
    assert!(store::supervision::raise(&mut tx, &row).await.unwrap());
    tx.commit().await.unwrap();
    let supervisor = actor(app, "supervisor").await;
    let n = app::supervision::send_notice(app, &supervisor, &row.id, "授权表测试：请尽快办理")
        .await
        .unwrap();
    (row.id, n.id)
}

/// A 体外循环 suspicion on the case, open.
async fn suspicion(app: &app::App, case: &str) -> String {
    let mut tx = app.store.begin().await.unwrap();
    let c = store::cases::get_case(&mut tx, case)
        .await
        .unwrap()
        .unwrap();
    let row = store::off_platform::SuspicionRow {
        id: "authz-suspicion".into(),
        signal: "burst".into(),
        case_id: case.into(),
        case_number: c.number.to_string(),
        staff: "clerk".into(),
        region: c.region.clone(),
        department: c.department.to_string(),
        evidence: "授权表测试".into(),
        raised_at: app.now_ms(),
        ..Default::default()
    };
    assert!(store::off_platform::raise(&mut tx, &row).await.unwrap());
    tx.commit().await.unwrap();
    row.id
}

/// A 跨市通办 forward the city's window sent to another platform (the record as written after
/// the partner took it; no partner is configured here, so nothing is sent).
async fn forward(app: &app::App) -> String {
    let row = store::tongban::OutRow {
        id: "authz-forward".into(),
        partner: "511300".into(),
        item_code: "11511300000000000X0000000000001".into(),
        item_name: "社会保障卡申领".into(),
        applicant_name: "授权表测试".into(),
        applicant_id_number: "51130219900101123X".into(),
        applicant_phone: "13800001111".into(),
        point_code: "511600-ZWZX".into(),
        point_name: "广安市政务服务中心".into(),
        region: "511600".into(),
        clerk_id: "clerk".into(),
        clerk_name: "赵综窗".into(),
        sent_at: app.now_ms(),
        case_number: "5113002026120500001".into(),
        progress: "[]".into(),
        ..Default::default()
    };
    let mut tx = app.store.begin().await.unwrap();
    store::tongban::insert_out(&mut tx, &row).await.unwrap();
    tx.commit().await.unwrap();
    row.id
}

/// Makes sure the test synonym exists (deleting it is a probe).
pub async fn ensure_synonym(app: &app::App) {
    let s = domain::catalog::Synonym {
        phrase: super::table::SYNONYM.into(),
        terms: vec!["测试".into()],
    };
    let mut tx = app.store.begin().await.unwrap();
    store::org::upsert_synonym(&mut tx, &s).await.unwrap();
    tx.commit().await.unwrap();
}
