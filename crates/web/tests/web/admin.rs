use app::exchange::layout::{MaterialRow, item_columns, material_columns};
use axum::http::StatusCode;
use domain::catalog::ItemDefinition;

use crate::support::*;

/// The pairs a browser submits for the generated edit form of `def`.
fn form_pairs(def: &ItemDefinition, csrf: &str) -> Vec<(String, String)> {
    let mut pairs = vec![("csrf".to_string(), csrf.to_string())];
    for (i, c) in item_columns().iter().enumerate() {
        let v = (c.get)(def);
        // Multi-choice columns post one value per checked box.
        for part in if matches!(c.input, app::exchange::layout::Input::MultiChoice(_)) {
            v.lines().map(str::to_string).collect()
        } else {
            vec![v]
        } {
            pairs.push((format!("c{i}"), part));
        }
    }
    for m in &def.materials {
        let row = MaterialRow {
            item_code: def.code.clone(),
            material: Some(m.clone()),
        };
        for (j, c) in material_columns().iter().enumerate().skip(1) {
            pairs.push((format!("m{j}"), (c.get)(&row)));
        }
    }
    pairs
}

#[tokio::test]
async fn an_admin_edit_is_a_draft_until_published_and_text_is_escaped_everywhere() {
    let mut c = site().await;
    assert_eq!(
        c.login("catalog", app::demo::DEMO_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let mut def = food_item();
    let code = def.code.clone();
    let edit = c.get(&format!("/admin/items/{}/edit", enc(&code))).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains(&def.hours),
        "the form shows current values"
    );

    def.hours = "周一至周六 <script>alert(1)</script> 9:00-17:00".into();
    let csrf = c.csrf();
    let pairs = form_pairs(&def, &csrf);
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = c
        .post_form(&format!("/admin/items/{}/edit", enc(&code)), &refs)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(saved.location().contains("flash=saved"));
    // Before publishing, the item page lists the change (escaped) and the button asks first.
    let page = c.get(&format!("/admin/items/{}", enc(&code))).await;
    assert!(page.body.contains("待发布的修改（1 处）"), "{}", page.body);
    assert!(page.body.contains(r#"<td data-label="内容">办理时间</td>"#));
    assert!(page.body.contains(r#"data-confirm="发布后"#));
    assert!(!page.body.contains("<script>alert(1)"));

    let public = c.get(&format!("/items/{}", enc(&code))).await;
    assert!(
        !public.body.contains("周一至周六"),
        "the public guide waits for publishing"
    );
    let p = c
        .post_form(
            &format!("/admin/items/{}/publish", enc(&code)),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let public = c.get(&format!("/items/{}", enc(&code))).await;
    let shown = public
        .body
        .split("周一至周六")
        .nth(1)
        .map(|s| s.chars().take(60).collect::<String>())
        .unwrap_or_default();
    assert!(
        public
            .body
            .contains("周一至周六 &#60;script&#62;alert(1)&#60;/script&#62;"),
        "escaped: {shown}"
    );
    assert!(!public.body.contains("<script>alert(1)"));
    let old = c.get(&format!("/items/{}?version=1", enc(&code))).await;
    assert!(old.body.contains("历史版本") && !old.body.contains("周一至周六"));
}

#[tokio::test]
async fn an_invalid_edit_is_shown_again_with_the_error_next_to_the_field_and_nothing_saved() {
    let mut c = site().await;
    c.login("catalog", app::demo::DEMO_PASSWORD).await;
    let mut def = food_item();
    def.visits = 2;
    def.visits_reason.clear();
    let csrf = c.csrf();
    let mut pairs = form_pairs(&def, &csrf);
    let visits_col = item_columns()
        .iter()
        .position(|c| c.header == "到现场次数")
        .unwrap();
    for (k, v) in &mut pairs {
        if *k == format!("c{visits_col}") {
            *v = "两次".into();
        }
    }
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let p = c
        .post_form(&format!("/admin/items/{}/edit", enc(&def.code)), &refs)
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("到现场次数应为非负整数"), "{}", p.body);
    let admin = c.get(&format!("/admin/items/{}", enc(&def.code))).await;
    assert!(
        !admin.body.contains("有草稿") && !admin.body.contains("待发布"),
        "nothing saved"
    );
}

#[tokio::test]
async fn applicants_and_visitors_cannot_reach_the_admin_pages() {
    let mut c = site().await;
    let anon = c.get("/admin/items").await;
    assert_eq!(
        (anon.status, anon.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    let citizen = app::demo::demo_id_number("19900101", "123");
    c.login(&citizen, app::demo::DEMO_PASSWORD).await;
    assert_eq!(c.get("/admin/items").await.status, StatusCode::FORBIDDEN);
    let csrf = c.csrf();
    let def = food_item();
    assert_eq!(
        c.post_form(
            &format!("/admin/items/{}/retire", enc(&def.code)),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_catalog_exports_as_a_workbook_that_imports_back_unchanged() {
    let mut c = site().await;
    c.login("catalog", app::demo::DEMO_PASSWORD).await;
    let x = c.get("/admin/export.xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    let cap = app::auth::CatalogAdmin::command_line("test", "510000");
    let bytes = app::exchange::export_xlsx(&c.app, &cap).await.unwrap();
    let (items, materials) = app::exchange::read_xlsx(bytes).unwrap();
    let r = app::exchange::import(&c.app, &cap, &items, &materials, false, true, |_, _| {})
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let all = app::demo::demo_data().unwrap().items.len();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 0, all));
}

#[tokio::test]
async fn a_county_catalog_admin_exports_only_the_county_catalog_without_city_drafts() {
    let c = site().await;
    let city = app::auth::actor_for_login(&c.app, "catalog")
        .await
        .unwrap()
        .catalog_admin()
        .unwrap();
    let mut draft = food_item();
    draft.name = "城市未发布的草稿名称".into();
    app::catalog::save_draft(&c.app, &city, &draft.code.clone(), draft)
        .await
        .unwrap();
    let county = app::auth::actor_for_login(&c.app, "catalog-gaq")
        .await
        .unwrap()
        .catalog_admin()
        .unwrap();
    let bytes = app::exchange::export_xlsx(&c.app, &county).await.unwrap();
    let (items, _) = app::exchange::read_xlsx(bytes).unwrap();
    let text = format!("{items:?}");
    assert!(
        !text.contains("城市未发布的草稿名称"),
        "a city draft leaked"
    );
    assert!(
        text.contains("511602") && !text.contains("511600-"),
        "{text}"
    );
    let bytes = app::exchange::export_xlsx(&c.app, &city).await.unwrap();
    let (items, _) = app::exchange::read_xlsx(bytes).unwrap();
    assert!(format!("{items:?}").contains("城市未发布的草稿名称"));
}

#[tokio::test]
async fn a_system_admin_creates_staff_with_errors_shown_by_field_and_others_are_refused() {
    let mut c = site().await;
    c.login("catalog", app::demo::DEMO_PASSWORD).await;
    assert_eq!(c.get("/admin/staff").await.status, StatusCode::FORBIDDEN);
    let mut c = site().await;
    c.login("admin", app::demo::DEMO_PASSWORD).await;
    let page = c.get("/admin/staff").await;
    assert!(
        page.body.contains("clerk") && page.body.contains("138****0000"),
        "phones are masked"
    );
    let csrf = c.csrf();
    let bad = c
        .post_form(
            "/admin/staff",
            &[
                ("csrf", &csrf),
                ("login", "new reviewer"),
                ("name", "新承办"),
                ("password", "short"),
                ("roles", "reviewer"),
                ("region", "511600"),
                ("department", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("登录名只能包含")
            && bad.body.contains("密码至少 10 个字符")
            && bad.body.contains("必须属于一个部门")
    );
    let ok = c
        .post_form(
            "/admin/staff",
            &[
                ("csrf", &csrf),
                ("login", "reviewer3"),
                ("name", "新承办"),
                ("password", "a good long password"),
                ("roles", "reviewer"),
                ("roles", "approver"),
                ("region", "511600"),
                ("department", "511600-SCJG"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let login = c.login("reviewer3", "a good long password").await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_application_form_and_faqs_are_edited_as_rows_and_a_half_row_is_named() {
    let mut c = site().await;
    c.login("catalog", app::demo::DEMO_PASSWORD).await;
    let def = food_item();
    let code = def.code.clone();
    let edit = c.get(&format!("/admin/items/{}/edit", enc(&code))).await;
    for f in &def.form {
        assert!(
            edit.body
                .contains(&format!(r#"name="fk" value="{}""#, f.key)),
            "{}",
            f.key
        );
    }
    assert!(!edit.body.contains("申请表单(JSON)"), "no JSON to type");

    // The rows as the page posts them: every field as it is, one new, one half-filled.
    let csrf = c.csrf();
    let mut pairs = form_pairs(&def, &csrf);
    let mut row = |k: &str, l: &str, t: &str, o: &str| {
        for (name, v) in [
            ("fk", k),
            ("fl", l),
            ("ft", t),
            ("fr", "是"),
            ("fo", o),
            ("fh", ""),
        ] {
            pairs.push((name.to_string(), v.to_string()));
        }
    };
    for f in &def.form {
        row(&f.key, &f.label, f.kind.label(), &f.options.join("\n"));
    }
    row("seats", "座位数", "数字", "");
    row("", "面积", "数字", "");
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let bad = c
        .post_form(&format!("/admin/items/{}/edit", enc(&code)), &refs)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let n = def.form.len() + 2;
    assert!(
        bad.body.contains(&format!("申请表单第 {n} 行")),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains(r#"value="seats""#),
        "the rows typed are kept"
    );

    // Without the half row it saves, and the page lists the form as changed.
    let cut = refs.len() - 6;
    let saved = c
        .post_form(&format!("/admin/items/{}/edit", enc(&code)), &refs[..cut])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = c.get(&format!("/admin/items/{}", enc(&code))).await;
    assert!(page.body.contains("待发布的修改（1 处）"), "{}", page.body);
    assert!(page.body.contains("座位数"));
}
