//! The authorization table, walked: every route of the site (pages and API) × every kind of
//! person who may ask, with real records, compared with the rule the table names for it.
//!
//! The table is data: `table.rs` lists the routes with their rule and probe, `rules.rs` the
//! rules × principals. The test fails when a registered route (read from the web crate's
//! sources) or a documented API operation (from `/api/openapi.json`) is missing from the
//! table, and reports every cell whose answer differs from the rule at once.
//!
//! An answer is a refusal when it is 401, 403, 404 or a redirect to the login page; anything
//! else (2xx, a redirect elsewhere, 409, 422) means the request got through the checks.

mod routes;
mod rules;
mod setup;
mod table;

use std::collections::BTreeSet;

use axum::http::Method;

use crate::support::{Page, enc};
use routes::RouteKey;
use rules::{PRINCIPALS, SHORT};
use setup::World;
use table::{Body, Derived, ROUTES, Route, Setup};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allow,
    Deny,
    /// A 5xx: never what a rule expects.
    Error,
}

fn classify(p: &Page) -> Outcome {
    let location = p.location();
    match p.status.as_u16() {
        500.. => Outcome::Error,
        401 | 403 | 404 => Outcome::Deny,
        300..=399 if location == "/login" || location.starts_with("/login?") => Outcome::Deny,
        _ => Outcome::Allow,
    }
}

#[tokio::test]
async fn every_route_answers_every_principal_as_the_authorization_table_says() {
    let mut w = setup::world().await;
    let mut problems = completeness(&mut w).await;
    let mut cells = 0;
    // AUTHZ_DUMP=1 prints every answer (with --nocapture), to see why a cell passes.
    let dump = std::env::var_os("AUTHZ_DUMP").is_some();
    let mut mismatches = Vec::new();
    let order = ROUTES
        .iter()
        .filter(|r| r.setup != Setup::Last)
        .chain(ROUTES.iter().filter(|r| r.setup == Setup::Last));
    for route in order {
        let Some(expected) = rules::cells(route.rule) else {
            continue; // reported by `completeness`
        };
        // Refusals first: a permitted write may consume its record (a revoked grant).
        let mut who: Vec<usize> = (0..PRINCIPALS.len()).collect();
        who.sort_by_key(|i| expected[*i]);
        for i in who {
            if route.setup == Setup::Synonym {
                setup::ensure_synonym(&w.site.app).await;
            }
            let page = send(&mut w, route, i).await;
            cells += 1;
            let want = if expected[i] {
                Outcome::Allow
            } else {
                Outcome::Deny
            };
            let got = classify(&page);
            if dump {
                println!(
                    "{:6} {:45} {:5} {} {}",
                    route.method,
                    route.path,
                    SHORT[i],
                    page.status.as_u16(),
                    page.location()
                );
            }
            if got != want {
                mismatches.push(format!(
                    "{} {} [{}] — {} ({}): expected {want:?}, got {} {}{}",
                    route.method,
                    route.path,
                    route.rule,
                    PRINCIPALS[i],
                    SHORT[i],
                    page.status.as_u16(),
                    match page.location() {
                        "" => String::new(),
                        l => format!("→ {l} "),
                    },
                    excerpt(&page.body),
                ));
            }
        }
    }
    println!(
        "authorization table: {} routes, {} rules, {cells} cells",
        ROUTES.len(),
        rules::RULES.len()
    );
    if !mismatches.is_empty() {
        problems.push(format!(
            "{} of {cells} cells differ from the table:\n  {}",
            mismatches.len(),
            mismatches.join("\n  ")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Every registered route and documented operation is in the table, and every row names
/// a registered route and a known rule.
async fn completeness(w: &mut World) -> Vec<String> {
    let mut problems = Vec::new();
    let (source, calls) = routes::registered();
    assert!(
        calls >= 90,
        "only {calls} .route( calls read: is the reader broken?"
    );
    let doc = w.site.get("/api/openapi.json").await.json();
    let documented = routes::documented(&doc);
    println!(
        "read {calls} .route( calls: {} routes registered, {} API operations documented",
        source.len(),
        documented.len()
    );
    let mut listed: BTreeSet<RouteKey> = BTreeSet::new();
    for r in ROUTES {
        if !listed.insert((r.method.to_string(), r.path.to_string())) {
            problems.push(format!("{} {} is listed twice", r.method, r.path));
        }
        if rules::cells(r.rule).is_none() {
            problems.push(format!(
                "{} {} names an unknown rule {}",
                r.method, r.path, r.rule
            ));
        }
    }
    let missing = |set: &BTreeSet<RouteKey>, what: &str| {
        set.difference(&listed)
            .map(|(m, p)| format!("{m} {p} is {what} but not in the authorization table"))
            .collect::<Vec<_>>()
    };
    problems.extend(missing(&source, "registered in the web crate"));
    problems.extend(missing(&documented, "in the OpenAPI document"));
    for (m, p) in listed.difference(&source) {
        problems.push(format!("{m} {p} is in the table but no longer registered"));
    }
    for (name, _, _) in rules::RULES {
        if !ROUTES.iter().any(|r| r.rule == *name) {
            problems.push(format!("rule {name} governs no route"));
        }
    }
    problems
}

/// `{name}` replaced by the record of that name.
fn fill(text: &str, w: &World) -> String {
    let mut out = text.to_string();
    for (k, v) in &w.records {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// The route's path with its `{..}` segments taken by the row's records, in order.
fn concrete_path(route: &Route, w: &World) -> String {
    if let Some(name) = route.path.strip_prefix('$') {
        return w.records[name].clone();
    }
    let mut records = route.records.iter();
    let segments: Vec<String> = route
        .path
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                let name = records.next().expect("a record for each path segment");
                enc(&w.records[name])
            } else {
                s.to_string()
            }
        })
        .collect();
    assert!(
        records.next().is_none(),
        "{}: more records than segments",
        route.path
    );
    segments.join("/")
}

/// A probe's request, ready to send.
enum Request {
    Get(String),
    Form(Vec<(String, String)>),
    Multipart(Vec<(String, String)>),
    ApiMultipart(Vec<(String, String)>),
    Json(serde_json::Value),
}

/// Sends the row's probe as principal `who`.
async fn send(w: &mut World, route: &Route, who: usize) -> Page {
    let path = concrete_path(route, w);
    let method = Method::from_bytes(route.method.as_bytes()).unwrap();
    let csrf = w.principals[who].client.csrf();
    let filled = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), fill(v, w)))
            .collect()
    };
    let with_csrf = |mut p: Vec<(String, String)>| {
        p.insert(0, ("csrf".to_string(), csrf.clone()));
        p
    };
    let request = match &route.body {
        Body::Query(q) => {
            assert_eq!(
                method,
                Method::GET,
                "{}: a query probe is a GET",
                route.path
            );
            let query: Vec<String> = fill(q, w)
                .split('&')
                .filter(|kv| !kv.is_empty())
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) => format!("{k}={}", enc(v)),
                    None => kv.to_string(),
                })
                .collect();
            if query.is_empty() {
                Request::Get(path.clone())
            } else {
                Request::Get(format!("{path}?{}", query.join("&")))
            }
        }
        Body::Form(list) => Request::Form(with_csrf(filled(list))),
        Body::Multipart(list) => Request::Multipart(with_csrf(filled(list))),
        Body::ApiMultipart(list) => Request::ApiMultipart(filled(list)),
        Body::Json(t) => Request::Json(serde_json::from_str(&fill(t, w)).expect("probe JSON")),
        Body::Derived(d) => match derived(w, d, who).await {
            Built::Json(json) => Request::Json(json),
            Built::Form(p) => Request::Form(with_csrf(p)),
        },
    };
    let client = &mut w.principals[who].client;
    match request {
        Request::Get(url) => client.get(&url).await,
        Request::Form(p) => {
            let pairs: Vec<(&str, &str)> =
                p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            client.post_form(&path, &pairs).await
        }
        Request::Multipart(p) => {
            let fields: Vec<(&str, &str)> =
                p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            client.post_multipart(&path, &fields, &[]).await
        }
        Request::ApiMultipart(p) => {
            let fields: Vec<(&str, &str)> =
                p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            client.post_multipart_api(&path, &csrf, &fields, &[]).await
        }
        Request::Json(json) => client.send_json(method, &path, &json, Some(&csrf)).await,
    }
}

enum Built {
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

/// A body built from a record (see `table::Derived`).
async fn derived(w: &World, d: &Derived, who: usize) -> Built {
    let item = || {
        app::demo::demo_data()
            .unwrap()
            .items
            .into_iter()
            .find(|i| i.code == w.records["item"])
            .unwrap()
    };
    let broken = || {
        let mut def = item();
        def.co_departments = vec!["AUTHZ-NO-SUCH".into()];
        def
    };
    match d {
        Derived::ItemJson => Built::Json(serde_json::to_value(item()).unwrap()),
        Derived::ItemDraftJson => Built::Json(serde_json::to_value(broken()).unwrap()),
        Derived::ItemForm => Built::Form(item_form(&item())),
        Derived::ItemDraftForm => Built::Form(item_form(&broken())),
        Derived::BundleJson => {
            let g = app::bundles::guide(&w.site.app, &w.records["bundle"])
                .await
                .unwrap();
            let mut json = serde_json::to_value(g.def).unwrap();
            json["region"] = w.principals[who].region.clone().into();
            Built::Json(json)
        }
    }
}

/// The item editor's fields for `def`, as the edit page fills them in.
fn item_form(def: &domain::catalog::ItemDefinition) -> Vec<(String, String)> {
    use app::exchange::layout::{MaterialRow, item_columns, material_columns};
    let mut out: Vec<(String, String)> = item_columns()
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("c{i}"), (c.get)(def)))
        .collect();
    let columns = material_columns();
    for m in &def.materials {
        let row = MaterialRow {
            item_code: def.code.clone(),
            material: Some(m.clone()),
        };
        for (j, c) in columns.iter().enumerate().skip(1) {
            out.push((format!("m{j}"), (c.get)(&row)));
        }
    }
    out
}

/// The first 200 characters of what a person would read: the page's main text, or the body.
fn excerpt(body: &str) -> String {
    let from = body.find("<main").map_or(body, |at| &body[at..]);
    let mut text = String::new();
    let mut in_tag = false;
    for c in from.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ").chars().take(200).collect()
}
