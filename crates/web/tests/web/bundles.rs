use axum::http::StatusCode;

use crate::support::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

#[tokio::test]
async fn the_bundle_guide_shows_savings_and_one_application_starts_the_members() {
    let mut c = site().await;
    let list = c.get("/bundles").await;
    for name in [
        "开办餐饮店",
        "新生儿出生",
        "企业信息变更",
        "开办运输企业",
        "残疾人服务",
        "退休",
        "身后",
    ] {
        assert!(list.body.contains(name), "{name} missing from the list");
    }
    let guide = c.get("/bundles/YJS-KBCYD").await;
    assert!(
        guide
            .body
            .contains("关键路径：公司设立登记 → 烟草专卖零售许可证新办"),
        "{}",
        guide.body
    );
    assert!(!guide.body.contains("bundle-form"), "no form before login");

    c.login(&app::demo::demo_credit_code(), app::demo::DEMO_PASSWORD)
        .await;
    let form = c.get("/bundles/YJS-KBCYD").await;
    assert!(
        form.body.contains("由“公司设立登记”办结后自动提供"),
        "the licence is not asked for"
    );
    let csrf = c.csrf();
    // Through the page with nothing uploaded: one message names what is missing and who needs it.
    let refused = c
        .post_multipart(
            "/bundles/YJS-KBCYD/apply",
            &[("csrf", &csrf), ("f_legal_rep", "李四")],
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("请填写“企业类型”") && refused.body.contains("需要"),
        "{}",
        refused.body
    );

    // Through the API: upload once per merged material, then apply.
    let g = c.get("/api/v1/bundles/YJS-KBCYD").await.json();
    let mut materials = serde_json::Map::new();
    for m in g["materials"].as_array().unwrap() {
        if m["mandatory"] == true && m["from_member"].is_null() {
            let up = c
                .post_multipart_api("/api/v1/uploads", &csrf, &[], &[("file", "材料.pdf", PDF)])
                .await
                .json();
            materials.insert(
                m["identity"].as_str().unwrap().to_string(),
                up["provision"].clone(),
            );
        }
    }
    let def = app::bundles::guide(&c.app, "YJS-KBCYD").await.unwrap().def;
    let fields: Vec<_> = def.fields.iter().map(|f| f.as_form_field()).collect();
    let mut form =
        app::demo_cases::sample_values(&fields, domain::calendar::china_date(c.app.now()));
    for (k, v) in [
        ("company_type", "有限责任公司"),
        ("legal_rep", "李四"),
        ("address", "广安市广安区"),
        ("scope", "餐饮服务"),
    ] {
        form.insert(k.to_string(), v.to_string());
    }
    let body = serde_json::json!({"form": form, "materials": materials});
    let created = c
        .post_json("/api/v1/bundles/YJS-KBCYD/applications", &body, Some(&csrf))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let v = created.json();
    let id = v["id"].as_str().unwrap();
    let page = c.get(&format!("/bundle-cases/{id}")).await;
    assert!(
        page.body.contains("各部门办理情况") && page.body.contains("广安市消防救援支队"),
        "{}",
        page.body
    );
    assert!(
        c.get("/cases").await.body.contains(id),
        "我的办件 lists the bundle"
    );
    // Another applicant cannot open it.
    let mut other = c.another();
    other.login_citizen().await;
    assert_eq!(
        other.get(&format!("/bundle-cases/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}
