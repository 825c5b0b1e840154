//! A mistake re-renders the same form with what was typed and uploaded: every problem listed
//! at the top as a link to its field and shown again beside it; the files come back as hidden
//! values that only their uploader can use.

use axum::http::StatusCode;

use crate::support::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

#[tokio::test]
async fn a_wrong_phone_number_keeps_the_form_and_the_files() {
    let mut c = site().await;
    c.login_citizen().await;
    let item = food_item();
    let csrf = c.csrf();
    let started = c
        .post_form("/cases", &[("csrf", &csrf), ("item", &item.code)])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let case = started.location().trim_start_matches("/cases/").to_string();
    let csrf = c.csrf();
    let page = c
        .post_multipart(
            &format!("/cases/{case}/act"),
            &[
                ("csrf", &csrf),
                ("action", "save"),
                ("f_food_items", "热食类食品制售"),
                ("f_contact_phone", "12345"),
            ],
            &[("file_0", "申请书.pdf", PDF)],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &page.body;
    // The logged-in page, not an error page: the header still offers the account.
    assert!(
        body.contains("id=\"case-form\"") && !body.contains(">登录<"),
        "{body}"
    );
    assert!(
        body.contains("error-summary") && body.contains("href=\"#f_contact_phone\""),
        "{body}"
    );
    assert!(
        body.contains("aria-invalid=\"true\""),
        "the field is marked"
    );
    assert!(
        body.contains("value=\"热食类食品制售\"") || body.contains(">热食类食品制售<"),
        "typed text kept"
    );
    assert!(
        body.contains("value=\"12345\""),
        "the wrong value stays to be corrected"
    );
    assert!(body.contains("name=\"kept_0\""), "the upload comes back");
    let kept = between(body, "name=\"kept_0\" value=\"", "\"");
    let kept = html_unescape(&kept);

    // Corrected, with the file carried instead of chosen again: saved.
    let csrf = c.csrf();
    let saved = c
        .post_multipart(
            &format!("/cases/{case}/act"),
            &[
                ("csrf", &csrf),
                ("action", "save"),
                ("f_contact_phone", "13800138000"),
                ("kept_0", &kept),
            ],
            &[],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let v = c.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(
        v["case"]["materials"][&item.materials[0].name]["how"], "uploaded",
        "{v}"
    );
    assert_eq!(v["case"]["form"]["contact_phone"], "13800138000");

    // Someone else cannot use the carried value to name the citizen's file.
    let mut other = c.another();
    other
        .login(&app::demo::demo_credit_code(), app::demo::DEMO_PASSWORD)
        .await;
    let csrf = other.csrf();
    let theirs = other
        .post_form("/cases", &[("csrf", &csrf), ("item", &item.code)])
        .await
        .location()
        .trim_start_matches("/cases/")
        .to_string();
    let csrf = other.csrf();
    let stolen = other
        .post_multipart(
            &format!("/cases/{theirs}/act"),
            &[("csrf", &csrf), ("action", "save"), ("kept_0", &kept)],
            &[],
        )
        .await;
    assert_eq!(
        stolen.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stolen.body
    );
}

#[tokio::test]
async fn a_bundle_form_with_mistakes_comes_back_filled_with_every_problem_listed() {
    let mut c = site().await;
    c.login_citizen().await;
    let csrf = c.csrf();
    let page = c
        .post_multipart(
            "/bundles/YJS-XSECS/apply",
            &[
                ("csrf", &csrf),
                ("f_baby_name", "张小宝"),
                ("f_contact_phone", "110"),
                ("f_birth_date", "2099-01-01"),
            ],
            &[("mat_0", "登记表.pdf", PDF)],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &page.body;
    assert!(body.contains("value=\"张小宝\""), "typed name kept");
    for anchor in [
        "#bf_contact_phone",
        "#bf_birth_date",
        "#bf_baby_sex",
        "#bf_mother_id",
    ] {
        assert!(
            body.contains(&format!("href=\"{anchor}\"")),
            "{anchor} not in the summary"
        );
    }
    assert!(body.contains("name=\"kept_0\""), "the upload comes back");
}

/// The text between `start` and the next `end` in `s`.
fn between(s: &str, start: &str, end: &str) -> String {
    let from = s.find(start).expect(start) + start.len();
    let len = s[from..].find(end).expect(end);
    s[from..from + len].to_string()
}

/// Undoes the escaping the templates apply to an attribute value (askama's HTML escaper:
/// & < > " ' only), as a browser would before posting it back.
fn html_unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn an_error_page_keeps_the_signed_in_header() {
    let mut c = site().await;
    c.login_citizen().await;
    let missing = c.get("/cases/no-such-case").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains("退出") && !missing.body.contains(">登录<"),
        "{}",
        missing.body
    );
    let nowhere = c.get("/no-such-page").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert!(nowhere.body.contains("退出"), "{}", nowhere.body);
    let anonymous = c.another().get("/no-such-page").await;
    assert!(
        anonymous.body.contains(">登录<"),
        "a visitor still sees 登录"
    );
}

#[tokio::test]
async fn applying_twice_opens_one_draft_which_can_be_deleted() {
    let mut c = site().await;
    c.login_citizen().await;
    let item = food_item();
    let csrf = c.csrf();
    let first = c
        .post_form("/cases", &[("csrf", &csrf), ("item", &item.code)])
        .await
        .location()
        .to_string();
    let again = c
        .post_form("/cases", &[("csrf", &csrf), ("item", &item.code)])
        .await
        .location()
        .to_string();
    assert_eq!(first, again, "在线申请 twice resumes the draft");
    let mine = c.get("/cases").await;
    assert!(
        mine.body.contains("待提交") && mine.body.contains("needs-you"),
        "{}",
        mine.body
    );
    assert!(mine.body.contains("（草稿）"));
    let draft = c.get(&first).await;
    assert!(draft.body.contains("id=\"do-delete-draft\""));
    assert!(
        !draft.body.contains("撤回申请"),
        "a draft is deleted, not withdrawn"
    );
    let id = first.trim_start_matches("/cases/");
    let csrf = c.csrf();
    let deleted = c
        .post_multipart(
            &format!("/cases/{id}/act"),
            &[("csrf", &csrf), ("action", "withdraw")],
            &[],
        )
        .await;
    assert_eq!(deleted.location(), "/cases?flash=deleted");
    let mine = c.get("/cases?flash=deleted").await;
    assert!(
        mine.body.contains("草稿已删除") && !mine.body.contains(id),
        "{}",
        mine.body
    );
}

#[tokio::test]
async fn the_window_picks_an_item_by_name() {
    let mut clerk = site().await;
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let item = food_item();
    let work = clerk.get("/work").await;
    let option = format!("{}（{}）", item.name, item.code);
    assert!(
        work.body.contains(&option),
        "the picker offers the item by name"
    );
    let citizen = app::demo::demo_id_number("19900101", "123");
    for typed in [option.as_str(), item.name.as_str()] {
        let csrf = clerk.csrf();
        let started = clerk
            .post_form(
                "/work/window",
                &[("csrf", &csrf), ("item", typed), ("applicant", &citizen)],
            )
            .await;
        assert_eq!(
            started.status,
            StatusCode::SEE_OTHER,
            "{typed}: {}",
            started.body
        );
    }
    let csrf = clerk.csrf();
    let unknown = clerk
        .post_form(
            "/work/window",
            &[("csrf", &csrf), ("item", "开饭店"), ("applicant", &citizen)],
        )
        .await;
    assert!(
        unknown.body.contains("没有名为“开饭店”的可受理事项"),
        "{}",
        unknown.body
    );
}

#[tokio::test]
async fn a_walk_in_without_an_account_is_served_and_a_mistake_keeps_what_the_clerk_typed() {
    let mut clerk = site().await;
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let item = food_item();
    let who = app::demo::demo_id_number("19850505", "777");
    let mut walk_in = async |phone: &str| {
        let csrf = clerk.csrf();
        let form = [
            ("csrf", csrf.as_str()),
            ("item", item.name.as_str()),
            ("applicant", who.as_str()),
            ("kind", "person"),
            ("name", "王小二"),
            ("phone", phone),
        ];
        clerk.post_form("/work/window", &form).await
    };
    // A wrong phone: the page comes back with the summary, the field marked, the values kept.
    let page = walk_in("1391234").await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("error-summary"), "{}", page.body);
    assert!(page.body.contains(r##"href="#w-phone""##), "{}", page.body);
    assert!(page.body.contains(r#"value="王小二""#), "the name is kept");
    assert!(
        page.body.contains(&format!(r#"value="{who}""#)),
        "the ID is kept"
    );
    assert!(page.body.contains("退出"), "still signed in: {}", page.body);

    let started = walk_in("13912345678").await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let case = clerk.get(started.location()).await;
    assert!(case.body.contains("王小二"), "{}", case.body);
    // The queue search says when nothing matches, and how to clear it.
    let none = clerk.get("/work?q=无此办件&overdue=1").await;
    assert!(none.body.contains("没有符合条件的待办"), "{}", none.body);
    assert!(none.body.contains("清除条件"));
}

#[tokio::test]
async fn filing_for_a_child_with_a_wrong_number_keeps_the_guide_and_what_was_typed() {
    let mut c = site().await;
    c.login_citizen().await;
    let school = demo_item("学前教育、义务教育阶段入学办理");
    let guide = c.get(&format!("/items/{}", school.code)).await;
    assert!(
        guide.body.contains("id=\"fw-kind\"") && guide.body.contains("未成年子女（由监护人申请）"),
        "the guide asks whom it is for"
    );
    let csrf = c.csrf();
    let page = c
        .post_form(
            "/cases",
            &[
                ("csrf", &csrf),
                ("item", &school.code),
                ("for", "minor"),
                ("subject_name", "张小明"),
                ("subject_id", "511602199901011234"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &page.body;
    assert!(
        body.contains("error-summary") && body.contains("href=\"#fw-id\""),
        "{body}"
    );
    assert!(body.contains("value=\"张小明\"") && body.contains("value=\"511602199901011234\""));
    assert!(!body.contains(">登录<"), "still logged in");

    let child = app::demo::demo_id_number("20190501", "125");
    let csrf = c.csrf();
    let started = c
        .post_form(
            "/cases",
            &[
                ("csrf", &csrf),
                ("item", &school.code),
                ("for", "minor"),
                ("subject_name", "张小明"),
                ("subject_id", &child),
            ],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let case = c.get(started.location()).await;
    assert!(
        case.body.contains("id=\"subject\"")
            && case.body.contains("张小明（5116")
            && case.body.contains("申请人为其监护人"),
        "{}",
        case.body
    );
}

#[tokio::test]
async fn the_api_files_for_a_named_person_and_names_the_field_at_fault() {
    let mut c = site().await;
    c.login_citizen().await;
    let funeral = demo_item("丧葬补助金、抚恤金申领");
    let csrf = c.csrf();
    let bad = c
        .post_json(
            "/api/v1/cases",
            &serde_json::json!({"item_code": funeral.code,
                "subject": {"kind": "deceased", "name": "", "id_number": "1"}}),
            Some(&csrf),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["field"], "subject.name", "{}", bad.body);
    assert!(
        bad.json()["message"]
            .as_str()
            .unwrap()
            .contains("公民身份号码"),
        "every problem is told: {}",
        bad.body
    );
    let late = app::demo::demo_id_number("19400101", "131");
    let ok = c
        .post_json(
            "/api/v1/cases",
            &serde_json::json!({"item_code": funeral.code,
                "subject": {"kind": "deceased", "name": "张老汉", "id_number": late}}),
            Some(&csrf),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(ok.json()["subject"]["id_number"], late.as_str());
    assert_eq!(ok.json()["subject"]["relation"], "近亲属");
}
