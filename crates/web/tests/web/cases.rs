use axum::http::StatusCode;

use crate::support::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

/// The item's form filled with valid values, as the case page posts it (`f_<key>`).
fn filled(item: &domain::catalog::ItemDefinition) -> Vec<(String, String)> {
    let today = domain::calendar::china_date(time::OffsetDateTime::now_utc());
    app::demo_cases::sample_form(item, today)
        .into_iter()
        .map(|(k, v)| (format!("f_{k}"), v))
        .collect()
}

async fn act(
    c: &mut Client,
    case: &str,
    action: &str,
    extra: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Page {
    let csrf = c.csrf();
    let mut fields = vec![("csrf", csrf.as_str()), ("action", action)];
    fields.extend_from_slice(extra);
    c.post_multipart(&format!("/cases/{case}/act"), &fields, files)
        .await
}

#[tokio::test]
async fn a_citizen_applies_gets_one_supplement_notice_and_follows_the_case_to_completion() {
    let mut citizen = site().await;
    let app = citizen.app.clone();
    let item = food_item();
    citizen.login_citizen().await;
    let guide = citizen.get(&format!("/items/{}", enc(&item.code))).await;
    assert!(guide.body.contains("在线申请"));
    let csrf = citizen.csrf();
    let started = citizen
        .post_form("/cases", &[("csrf", &csrf), ("item", &item.code)])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let case = started.location().trim_start_matches("/cases/").to_string();

    let exe = act(
        &mut citizen,
        &case,
        "save",
        &[],
        &[("file_0", "申请书.pdf", b"MZ\x90\x00 not a pdf")],
    )
    .await;
    assert_eq!(exe.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        exe.body.contains("只能上传 PDF"),
        "renamed executables are refused by content"
    );
    let form = filled(&item);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // Online, the key materials (核心材料) come with the filing; the item allows 容缺 for the
    // others, which the window may ask for once.
    let keys: Vec<String> = item
        .materials
        .iter()
        .enumerate()
        .filter(|(_, m)| m.key)
        .map(|(i, _)| format!("file_{i}"))
        .collect();
    let key_files: Vec<(&str, &str, &[u8])> =
        keys.iter().map(|k| (k.as_str(), "材料.pdf", PDF)).collect();
    let only_form = act(&mut citizen, &case, "submit", &form, &[]).await;
    assert_eq!(only_form.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(only_form.body.contains("核心材料"), "{}", only_form.body);
    let submitted = act(&mut citizen, &case, "submit", &form, &key_files).await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );

    // Staff share the site (same database) through their own clients.
    let mut clerk = citizen.another();
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let work = clerk.get("/work").await.body;
    assert!(work.contains(&item.name));
    // The queue names the applicant masked (张三 → 张*) and the day it was filed.
    assert!(
        work.contains("data-label=\"申请人\">张*<") && !work.contains(">张三<"),
        "{work}"
    );
    assert!(work.contains("data-label=\"提交日期\">20"));
    let queue = clerk.get("/api/v1/cases?queue=clerk").await.json();
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["case"]["id"] == case.as_str()),
        "{queue}"
    );
    assert_eq!(queue["total_capped"], false, "{queue}");
    assert!(queue["total"].as_i64().unwrap() >= 1, "{queue}");
    let refused = act(&mut clerk, &case, "accept", &[], &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("材料不齐"));
    assert_eq!(
        act(
            &mut clerk,
            &case,
            "request_supplement",
            &[("note", "请补齐")],
            &[]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );

    let page = citizen.get(&format!("/cases/{case}")).await;
    let not_key = item
        .materials
        .iter()
        .find(|m| m.mandatory && !m.key)
        .unwrap();
    assert!(page.body.contains("一次性补正告知") && page.body.contains(&not_key.name));
    let files: Vec<(String, &str, &[u8])> = (1..item.materials.len())
        .map(|i| (format!("file_{i}"), "补正.pdf", PDF))
        .collect();
    let refs: Vec<(&str, &str, &[u8])> =
        files.iter().map(|(k, n, b)| (k.as_str(), *n, *b)).collect();
    assert_eq!(
        act(&mut citizen, &case, "supply", &[], &refs).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        act(&mut clerk, &case, "accept", &[], &[]).await.status,
        StatusCode::SEE_OTHER
    );

    // 承办 and 审核 by two people (separation of duties).
    let mut first = citizen.another();
    first.login("reviewer", app::demo::DEMO_PASSWORD).await;
    let mut second = citizen.another();
    second.login("reviewer2", app::demo::DEMO_PASSWORD).await;
    let page = first.get(&format!("/cases/{case}")).await.body;
    assert!(
        page.contains("当前环节")
            && page.contains("承办（第 1 步，共 3 步）：等待承办审核人员签收"),
        "{page}"
    );
    for reviewer in [&mut first, &mut second] {
        assert_eq!(
            act(reviewer, &case, "claim", &[], &[]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            act(reviewer, &case, "complete_step", &[("reason", "同意")], &[])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
    }
    let mut approver = citizen.another();
    approver.login("approver", app::demo::DEMO_PASSWORD).await;
    assert_eq!(
        act(&mut approver, &case, "claim", &[], &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        act(
            &mut approver,
            &case,
            "approve",
            &[("reason", "符合条件")],
            &[]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        act(
            &mut clerk,
            &case,
            "issue",
            &[("delivery", "window"), ("window", "C01")],
            &[]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        act(&mut clerk, &case, "complete", &[], &[]).await.status,
        StatusCode::SEE_OTHER
    );

    let done = citizen.get(&format!("/cases/{case}")).await;
    assert!(
        done.body.contains("已办结")
            && done.body.contains("准予许可")
            && done.body.contains("一次性告知补正")
    );
    for (kind, title) in [
        ("supplement", "补正材料通知书"),
        ("accept", "受理通知书"),
        ("decision", "准予行政许可决定书"),
    ] {
        let n = citizen.get(&format!("/cases/{case}/notices/{kind}")).await;
        assert_eq!(n.status, StatusCode::OK, "{kind}");
        assert!(
            n.body.contains(title) && n.body.contains("广安市市场监督管理局"),
            "{kind}"
        );
        let pdf = citizen
            .get(&format!("/cases/{case}/notices/{kind}/pdf"))
            .await;
        assert_eq!(
            pdf.headers[axum::http::header::CONTENT_TYPE],
            "application/pdf"
        );
        let title_hex: String = title.encode_utf16().map(|u| format!("{u:04x}")).collect();
        assert!(
            pdf.body.starts_with("%PDF-") && pdf.body.to_lowercase().contains(&title_hex),
            "{kind}: the PDF carries the title"
        );
    }
    let api = citizen
        .get(&format!("/api/v1/cases/{case}/notices/accept"))
        .await
        .json();
    assert_eq!(api["title"], "受理通知书");
    let api_pdf = citizen
        .get(&format!("/api/v1/cases/{case}/notices/decision?format=pdf"))
        .await;
    assert!(api_pdf.body.starts_with("%PDF-"));
    let mut stranger = citizen.another();
    stranger
        .login(&app::demo::demo_credit_code(), app::demo::DEMO_PASSWORD)
        .await;
    assert_ne!(
        stranger
            .get(&format!("/cases/{case}/notices/accept/pdf"))
            .await
            .status,
        StatusCode::OK,
        "someone else's notice stays private"
    );
    assert_eq!(
        citizen
            .get(&format!("/cases/{case}/notices/reject"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let link = done
        .body
        .split(&format!("/cases/{case}/files/"))
        .nth(1)
        .expect("a file link")
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let f = citizen.get(&format!("/cases/{case}/files/{link}")).await;
    assert_eq!((f.status, f.body.as_bytes()), (StatusCode::OK, PDF));
    assert_eq!(
        citizen
            .get(&format!("/cases/{case}/files/{}", "0".repeat(64)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mine = citizen.get("/cases").await;
    assert!(mine.body.contains(&item.name));

    let mut stranger = citizen.another();
    stranger
        .login(&app::demo::demo_credit_code(), app::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(
        stranger.get(&format!("/cases/{case}")).await.status,
        StatusCode::NOT_FOUND,
        "another applicant cannot open it"
    );
    assert!(
        app::audit::verify(&app, None, |_| {})
            .await
            .unwrap()
            .broken
            .is_empty()
    );
}

#[tokio::test]
async fn the_case_api_starts_uploads_submits_and_reports_errors_as_json() {
    let mut c = site().await;
    let item = food_item();
    assert_eq!(
        c.post_json(
            "/api/v1/cases",
            &serde_json::json!({"item_code": item.code}),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    c.login_citizen().await;
    let csrf = c.csrf();
    let started = c
        .post_json(
            "/api/v1/cases",
            &serde_json::json!({"item_code": item.code}),
            Some(&csrf),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let id = started.json()["id"].as_str().unwrap().to_string();
    edit_with_sample_form(&mut c, &id, &item).await;
    let bad = c
        .post_json(
            &format!("/api/v1/cases/{id}/commands"),
            &serde_json::json!({"command": "fly"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body"))
    );
    let wrong = c
        .post_json(
            &format!("/api/v1/cases/{id}/commands"),
            &serde_json::json!({"command": "complete"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.json()["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_state"))
    );

    let up = c
        .post_multipart_with_csrf_header(
            &format!("/api/v1/cases/{id}/materials/0"),
            &csrf,
            &[("file", "申请书.pdf", PDF)],
        )
        .await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.body);
    assert_eq!(up.json()["provision"]["how"], "uploaded");
    let early = c
        .post_json(
            &format!("/api/v1/cases/{id}/commands"),
            &serde_json::json!({"command": "submit"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        early.json()["field"]
            .as_str()
            .unwrap()
            .starts_with("materials."),
        "{}",
        early.body
    );
    for (i, m) in item
        .materials
        .iter()
        .enumerate()
        .filter(|(i, m)| m.key && *i > 0)
    {
        let up = c
            .post_multipart_with_csrf_header(
                &format!("/api/v1/cases/{id}/materials/{i}"),
                &csrf,
                &[("file", &format!("{}.pdf", m.name), PDF)],
            )
            .await;
        assert_eq!(up.status, StatusCode::OK, "{}", up.body);
    }
    let sub = c
        .post_json(
            &format!("/api/v1/cases/{id}/commands"),
            &serde_json::json!({"command": "submit"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(sub.status, StatusCode::OK);
    let number = sub.json()["number"].as_str().unwrap().to_string();
    let one = c.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(one["case"]["state"], "submitted");
    assert!(!one["missing_materials"].as_array().unwrap().is_empty());
    let tail = &app::demo::demo_id_number("19900101", "123")[14..];
    let p = c
        .get(&format!("/api/v1/progress?number={number}&tail={tail}"))
        .await
        .json();
    assert_eq!(p["state"], "submitted");
    assert_eq!(
        c.get(&format!("/api/v1/progress?number={number}&tail=9999"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_item_with_a_rule_is_approved_in_seconds_from_its_generated_form() {
    let mut c = site().await;
    let item = demo_item("跨省异地就医直接结算备案");
    c.login_citizen().await;
    let csrf = c.csrf();
    let started = c
        .post_form("/cases", &[("csrf", &csrf), ("item", &item.code)])
        .await;
    let case = started.location().trim_start_matches("/cases/").to_string();
    let page = c.get(&format!("/cases/{case}")).await;
    assert!(
        page.body.contains("<select id=\"f_insurance\""),
        "select fields render as selects"
    );
    let missing = act(
        &mut c,
        &case,
        "submit",
        &[("f_insurance", "职工基本医疗保险")],
        &[("file_0", "a.pdf", PDF), ("file_1", "b.pdf", PDF)],
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.body.contains("请填写“备案类型”"),
        "{}",
        missing.body
    );
    let done = act(
        &mut c,
        &case,
        "submit",
        &[
            ("f_insurance", "职工基本医疗保险"),
            ("f_kind", "临时外出就医"),
            ("f_place", "广东省广州市"),
        ],
        &[],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = c.get(&format!("/cases/{case}")).await;
    assert!(
        page.body.contains("准予许可") && page.body.contains("异地就医备案秒批"),
        "the audit names the rule"
    );
}

#[tokio::test]
async fn staff_see_the_applicant_masked_and_every_staff_read_is_logged() {
    let mut clerk = site().await;
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let work = clerk.get("/work").await;
    let href = work
        .body
        .split("<a href=\"/cases/")
        .nth(1)
        .expect("a demo case in the clerk's queue")
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let page = clerk.get(&format!("/cases/{href}")).await;
    let id = app::demo::demo_id_number("19900101", "123");
    assert!(
        !page.body.contains(&id) && !page.body.contains(&app::demo::demo_credit_code()),
        "full numbers are not shown to staff"
    );
    assert!(page.body.contains("**********"), "masked number shown");
    let mut conn = clerk.app.store.conn().await.unwrap();
    assert!(
        !store::cases::access_log(&mut conn, &href)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The demo enterprise logged in as an agent, the food item, its CSRF token and the ID
/// number of the demo citizen it files for.
async fn logged_in_agent() -> (Client, domain::catalog::ItemDefinition, String, String) {
    let mut agent = site().await;
    agent
        .login(&app::demo::demo_credit_code(), app::demo::DEMO_PASSWORD)
        .await;
    let csrf = agent.csrf();
    (
        agent,
        food_item(),
        csrf,
        app::demo::demo_id_number("19900101", "123"),
    )
}

/// The demo citizen grants the demo enterprise (the agent) the right to file for them.
async fn granted(agent: &Client) {
    let mut principal = agent.another();
    principal.login_citizen().await;
    let csrf = principal.csrf();
    let r = principal
        .post_form(
            "/agents",
            &[
                ("csrf", &csrf),
                ("agent", &app::demo::demo_credit_code()),
                ("days", "30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn an_agent_without_a_grant_is_refused_whatever_letter_it_uploads() {
    let (mut agent, item, csrf, citizen_id) = logged_in_agent().await;
    let r = agent
        .post_multipart(
            "/cases/agent",
            &[
                ("csrf", &csrf),
                ("item", &item.code),
                ("applicant", &citizen_id),
            ],
            &[("letter", "委托书.pdf", PDF)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("没有在平台授权您代办"), "{}", r.body);
    let api = agent
        .post_multipart_api(
            "/api/v1/cases/agent",
            &csrf,
            &[
                ("item_code", item.code.as_str()),
                ("applicant", &citizen_id),
            ],
            &[("letter", "委托书.pdf", PDF)],
        )
        .await;
    assert_eq!(
        (
            api.status,
            api.json()["code"].as_str(),
            api.json()["field"].as_str()
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("validation_failed"),
            Some("applicant")
        )
    );
    let mut principal = agent.another();
    principal.login_citizen().await;
    assert!(
        !principal.get("/cases").await.body.contains(&item.name),
        "nothing was filed"
    );
}

#[tokio::test]
async fn a_granted_agent_files_sees_the_principal_masked_and_the_principal_is_told() {
    let (mut agent, item, csrf, citizen_id) = logged_in_agent().await;
    granted(&agent).await;
    let ok = agent
        .post_multipart(
            "/cases/agent",
            &[
                ("csrf", &csrf),
                ("item", &item.code),
                ("applicant", &citizen_id),
            ],
            &[],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let case = ok.location().trim_start_matches("/cases/").to_string();
    let page = agent.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains("张三"), "the case is the applicant's");
    assert!(
        !page.body.contains(&citizen_id),
        "the agent does not see the full ID number"
    );
    assert!(!page.body.contains("13800138000"), "nor the phone");
    assert!(
        agent.get("/cases").await.body.contains(&case),
        "the agent lists what they filed"
    );
    let mut principal = agent.another();
    principal.login_citizen().await;
    assert_eq!(
        principal.get(&format!("/cases/{case}")).await.status,
        StatusCode::OK
    );
    let mine = principal.get("/cases").await;
    assert!(
        mine.body.contains("代您申请了") && mine.body.contains(&case),
        "{}",
        mine.body
    );
}

#[tokio::test]
async fn an_agent_files_through_the_api_once_granted() {
    let (mut agent, item, csrf, citizen_id) = logged_in_agent().await;
    granted(&agent).await;
    let fields = [
        ("item_code", item.code.as_str()),
        ("applicant", &citizen_id),
    ];
    let exe = agent
        .post_multipart_api(
            "/api/v1/cases/agent",
            &csrf,
            &fields,
            &[("letter", "委托书.pdf", b"MZ\x90\x00 not a pdf")],
        )
        .await;
    assert_eq!(exe.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", exe.body);
    let created = agent
        .post_multipart_api("/api/v1/cases/agent", &csrf, &fields, &[])
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let case = created.json();
    assert!(
        case["agent_id"].is_string(),
        "the agent is recorded: {case}"
    );
    assert_ne!(case["applicant_id"], case["agent_id"]);
    let id = case["id"].as_str().unwrap();
    assert_eq!(
        agent.get(&format!("/api/v1/cases/{id}")).await.status,
        StatusCode::OK
    );
}
