use axum::http::{StatusCode, header};

use crate::support::*;

#[tokio::test]
async fn the_home_page_is_chinese_and_sets_a_safe_csrf_cookie_and_security_headers() {
    let mut c = site().await;
    let p = c.get("/").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("lang=\"zh-CN\"") && p.body.contains("热门事项"));
    let cookie = p.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        cookie.starts_with("ow_csrf=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(p.headers.get(header::CONTENT_SECURITY_POLICY).is_some());
    assert_eq!(p.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    let css = p
        .body
        .split("href=\"/static/app.")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(
        c.get(&format!("/static/app.{css}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn searching_an_everyday_phrase_lists_the_food_permit_and_its_guide_shows_materials() {
    let mut c = site().await;
    let p = c.get(&format!("/search?q={}", enc("开饭店"))).await;
    assert_eq!(p.status, StatusCode::OK);
    let link = p
        .body
        .split("<h2><a href=\"")
        .skip(1)
        .find(|s| s.contains("食品"))
        .expect("a food item in the results");
    let href = link.split('"').next().unwrap().to_string();
    let g = c.get(&href).await;
    assert_eq!(g.status, StatusCode::OK);
    assert!(
        g.body.contains("申请材料") && g.body.contains("受理条件") && g.body.contains("办理地点")
    );
    assert!(g.body.matches("<tr>").count() >= 3, "materials table rows");
}

#[tokio::test]
async fn unknown_and_absurd_item_codes_get_a_chinese_not_found_page() {
    let mut c = site().await;
    for path in [
        "/items/NO-SUCH-CODE".to_string(),
        format!("/items/{}", "9".repeat(600)),
        "/nowhere".into(),
    ] {
        let p = c.get(&path).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            p.body.contains("找不到") || p.body.contains("不存在"),
            "{path}: {}",
            p.body
        );
    }
    assert_eq!(
        c.get("/items/X?version=abc").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn a_ten_thousand_character_search_shows_a_clear_error_not_a_crash() {
    let mut c = site().await;
    let p = c.get(&format!("/search?q={}", "开".repeat(10_000))).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("搜索词不能超过 100 个字符"));
}

#[tokio::test]
async fn departments_regions_and_health_pages_answer() {
    let mut c = site().await;
    for path in [
        "/departments",
        "/departments/511600-SCJG",
        "/regions",
        "/regions/511602",
        "/healthz",
        "/readyz",
    ] {
        assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
    }
    assert_eq!(
        c.get("/regions/12ab").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Metrics are for the machine itself (or a scraper with the token), not for the world.
    let outside = c.another_at("203.0.113.7").get("/metrics").await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN, "{}", outside.body);
    assert_eq!(
        c.get("/metrics").await.status,
        StatusCode::FORBIDDEN,
        "no address, no metrics"
    );
    let m = c.another_at("127.0.0.1").get("/metrics").await;
    // Every demo item is a search document, but a 主项 that only repeats its item's name.
    let items = app::demo::demo_data().unwrap().items;
    let twins = items
        .iter()
        .filter(|m| {
            m.node == domain::catalog::NodeKind::Main
                && items
                    .iter()
                    .any(|i| i.parent_code == m.code && i.name == m.name)
        })
        .count();
    let documents = format!("onewindow_search_index_documents {}", items.len() - twins);
    assert!(
        m.body.contains("onewindow_http_requests_total") && m.body.contains(&documents),
        "{}",
        m.body
    );
    // On Linux the process's CPU time is reported, as Prometheus names it.
    if std::path::Path::new("/proc/self/stat").exists() {
        let cpu: f64 = m
            .body
            .lines()
            .find_map(|l| l.strip_prefix("process_cpu_seconds_total "))
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1.0);
        assert!(cpu >= 0.0, "{}", m.body);
    }
}

#[tokio::test]
async fn a_login_form_without_its_csrf_token_is_refused() {
    let mut c = site().await;
    c.get("/login").await;
    let p = c
        .post_form(
            "/login",
            &[
                ("csrf", "forged"),
                ("login", "catalog"),
                ("password", app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let ok = c.login("catalog", app::demo::DEMO_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let session = ok
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("ow_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
}

#[tokio::test]
async fn registration_errors_are_shown_in_chinese_next_to_the_field() {
    let mut c = site().await;
    c.get("/register").await;
    let csrf = c.csrf();
    let p = c
        .post_form(
            "/register",
            &[
                ("csrf", &csrf),
                ("kind", "natural_person"),
                ("id_number", "110105194912310021"),
                ("name", "王五"),
                ("phone", "13800138000"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("校验位应为“X”"), "{}", p.body);
    let p = c
        .post_form(
            "/register",
            &[
                ("csrf", &csrf),
                ("kind", "natural_person"),
                ("id_number", "11010519491231002X"),
                ("name", "王五"),
                ("phone", "13800138000"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(c.get("/").await.body.contains("王五"));
}

#[tokio::test]
async fn over_https_cookies_are_secure_hsts_is_sent_and_a_scraper_needs_the_token() {
    let c = site().await;
    let mut state = web::AppState::new(c.app.clone(), true);
    state.metrics_token = Some("scrape-token-0123456789".into());
    let router = web::router(state);
    let send = |req: axum::http::Request<axum::body::Body>| {
        let r = router.clone();
        async move { tower::ServiceExt::oneshot(r, req).await.unwrap() }
    };
    let page = send(
        axum::http::Request::get("/login")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        page.headers()
            .get("strict-transport-security")
            .map(|v| v.to_str().unwrap()),
        Some("max-age=31536000; includeSubDomains")
    );
    assert!(
        page.headers()
            .get_all("set-cookie")
            .iter()
            .all(|v| v.to_str().unwrap().contains("Secure")
                && v.to_str().unwrap().contains("HttpOnly")),
        "{:?}",
        page.headers()
    );
    let wrong = axum::http::Request::get("/metrics")
        .header("authorization", "Bearer scrape-token-0123456788")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(send(wrong).await.status(), StatusCode::FORBIDDEN);
    let right = axum::http::Request::get("/metrics")
        .header("authorization", "Bearer scrape-token-0123456789")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(send(right).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_care_mode_switch_enlarges_every_page_and_returns_only_within_the_site() {
    let mut c = site().await;
    c.get("/").await;
    let back = |referer: &str, on: &str| {
        axum::http::Request::get(format!("/care?on={on}"))
            .header(header::REFERER, referer)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    // Browsers send the referer percent-encoded.
    let on = c
        .send(back("http://localhost/search?q=%E6%8A%A4%E7%85%A7", "1"))
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    assert_eq!(on.location(), "/search?q=%E6%8A%A4%E7%85%A7");
    let cookie = on
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        cookie.starts_with("ow_care=1") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let page = c.get("/search?q=护照").await;
    assert!(page.body.contains(r#"<html lang="zh-CN" class="care">"#));
    assert!(
        page.body.contains(">标准版</a>"),
        "the switch back is offered"
    );
    // Another site as referer, or none: back to this site's home, never away.
    let away = c.send(back("https://evil.example//x", "0")).await;
    assert_eq!(away.location(), "/");
    let page = c.get("/").await;
    assert!(!page.body.contains("class=\"care\""), "off again");
}

#[tokio::test]
async fn a_guide_offers_its_application_form_as_a_blank_pdf_to_print() {
    let mut c = site().await;
    let item = food_item();
    let guide = c.get(&format!("/items/{}", item.code)).await;
    let link = format!(r#"href="/items/{}/form.pdf""#, item.code);
    assert!(guide.body.contains(&link), "{}", guide.body);
    let pdf = c.get(&format!("/items/{}/form.pdf", item.code)).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(
        pdf.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/pdf"
    );
    assert!(pdf.body.starts_with("%PDF"));
    let missing = c
        .get("/items/11511600MB0000000X3000000000000/form.pdf")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_search_that_finds_nothing_offers_ways_in_instead_of_an_empty_page() {
    let mut c = site().await;
    let p = c.get(&format!("/search?q={}", enc("量子纠缠观测"))).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("id=\"no-results\""), "{}", p.body);
    assert!(
        p.body.contains("href=\"/bundles/") && p.body.contains("href=\"/departments/"),
        "life events and departments are offered"
    );
    assert!(p.body.contains("href=\"/search?q=") && p.body.contains("12345"));
    // A search that finds something shows no such block.
    let found = c.get(&format!("/search?q={}", enc("护照"))).await;
    assert!(!found.body.contains("id=\"no-results\""));
}

#[tokio::test]
async fn the_national_region_list_stays_out_of_the_public_pages() {
    let mut c = site().await;
    app::setup::ensure_defaults(&c.app).await.unwrap();
    for path in ["/", "/regions", "/search?q=护照"] {
        let p = c.get(path).await;
        assert!(
            p.body.contains("广安区"),
            "{path}: the regions served are listed"
        );
        assert!(
            !p.body.contains("东城区"),
            "{path}: a county the platform does not serve"
        );
    }
}
