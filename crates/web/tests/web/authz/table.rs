//! The routes of the authorization table: one row per registered route (method and path
//! exactly as the router registers it), the rule that governs it (`rules.rs`) and the request
//! that probes it.
//!
//! A probe sends real ids but a harmless body: where the code checks authority before it
//! judges the input, an invalid body makes an allowed write fail with 422 (a missing reason,
//! an unknown material, no file). Where the input is judged first, the probe is a write that
//! changes nothing that matters (an identical item or bundle, default thresholds, a holiday
//! notice for 2100) or acts on a record of its own (the second license, the test synonym).
//! `{name}` in paths, queries and bodies is replaced by the record of that name (`setup.rs`);
//! a path's `{..}` segments take the records listed in the row, in order.

/// How the probe's request is made. The CSRF token is always added: as the `csrf` field of a
/// page form, as the `X-CSRF-Token` header of an API write.
pub enum Body {
    /// A GET with this query string (`k=v&..`, values URL-encoded by the runner).
    Query(&'static str),
    /// A URL-encoded page form.
    Form(&'static [(&'static str, &'static str)]),
    /// A multipart page form (text fields only).
    Multipart(&'static [(&'static str, &'static str)]),
    /// A multipart API request (text fields only).
    ApiMultipart(&'static [(&'static str, &'static str)]),
    /// A JSON body.
    Json(&'static str),
    /// A body built from a stored record, see `Derived`.
    Derived(Derived),
}

/// Bodies too large to write here, built by the runner from the records.
pub enum Derived {
    /// The published definition of `{item}` as JSON (creating it again: the code is taken).
    ItemJson,
    /// The same with an unknown co-department (refused after the authority check).
    ItemDraftJson,
    /// The item editor's form fields for `{item}` (the code is taken).
    ItemForm,
    /// The editor's fields with an unknown co-department.
    ItemDraftForm,
    /// The definition of `{bundle}` as JSON, its region set to the asker's own region: a
    /// county administrator must not take over a city bundle by naming their county.
    BundleJson,
}

/// What must happen around each request of a row.
#[derive(PartialEq, Eq)]
pub enum Setup {
    None,
    /// The test synonym exists before each request (deleting it is the probe).
    Synonym,
    /// Run after every other row (it ends the session).
    Last,
}

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    /// Records for the path's `{..}` segments, in order.
    pub records: &'static [&'static str],
    pub rule: &'static str,
    pub body: Body,
    pub setup: Setup,
}

const fn r(
    method: &'static str,
    path: &'static str,
    records: &'static [&'static str],
    rule: &'static str,
    body: Body,
) -> Route {
    Route {
        method,
        path,
        records,
        rule,
        body,
        setup: Setup::None,
    }
}

const fn get(path: &'static str, records: &'static [&'static str], rule: &'static str) -> Route {
    r("GET", path, records, rule, Body::Query(""))
}

const fn with(mut route: Route, setup: Setup) -> Route {
    route.setup = setup;
    route
}

use Body::{ApiMultipart, Form, Json, Multipart, Query};
use Derived::*;

/// A search synonym that exists only for this table.
pub const SYNONYM: &str = "授权表测试";

#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    // Portal and catalog (views/portal.rs, views/bundles.rs, views/stats.rs).
    get("/", &[], "public"),
    r("GET", "/search", &[], "public", Query("q=护照")),
    r("GET", "/care", &[], "public", Query("on=1")),
    get("/items/{code}", &["item"], "public"),
    get("/items/{code}/form.pdf", &["item"], "public"),
    get("/departments", &[], "public"),
    get("/departments/{code}", &["department"], "public"),
    get("/regions", &[], "public"),
    get("/regions/{code}", &["region"], "public"),
    get("/bundles", &[], "public"),
    get("/bundles/{code}", &["bundle"], "public"),
    get("/reports/monthly", &[], "public"),
    get("/progress", &[], "public"),
    get("$CSS_PATH", &[], "public"),
    get("$JS_PATH", &[], "public"),
    get("/healthz", &[], "public"),
    get("/readyz", &[], "public"),
    // Public today; another change restricts it to loopback or a token.
    get("/metrics", &[], "loopback_or_token"),
    // A bare redirect to /admin/items, which checks.
    get("/admin", &[], "public"),
    // Sign-in and accounts (views/auth.rs, views/account.rs, views/privacy.rs).
    get("/login", &[], "public"),
    r("POST", "/login", &[], "public", Form(&[("login", ""), ("password", "")])),
    r("POST", "/login/oidc", &[], "public", Form(&[("next", "/")])),
    get("/login/oidc/callback", &[], "public"),
    get("/register", &[], "public"),
    r("POST", "/register", &[], "public", Form(&[("kind", "natural_person")])),
    with(r("POST", "/logout", &[], "public", Form(&[])), Setup::Last),
    get("/window/register", &[], "clerk"),
    r("POST", "/window/register", &[], "clerk", Form(&[("kind", "natural_person")])),
    get("/account/password", &[], "signed_in"),
    r("POST", "/account/password", &[], "signed_in",
        Form(&[("current", "{password}"), ("new", "short"), ("confirm", "other")])),
    get("/account/notifications", &[], "signed_in"),
    // An email reminder without an address: refused with 422 for whoever may save.
    r("POST", "/account/notifications", &[], "signed_in", Form(&[("email", "1")])),
    get("/account/reads", &[], "applicant"),
    get("/account/second-factor", &[], "signed_in"),
    r("POST", "/account/second-factor", &[], "signed_in", Form(&[("code", "000000")])),
    // Catalog administration (views/admin.rs, views/settings.rs).
    get("/admin/items", &[], "catalog_admin"),
    get("/admin/items/new", &[], "catalog_admin"),
    r("POST", "/admin/items/new", &[], "catalog_city", Body::Derived(ItemForm)),
    get("/admin/items/{code}", &["item"], "catalog_city"),
    get("/admin/items/{code}/edit", &["item"], "catalog_city"),
    r("POST", "/admin/items/{code}/edit", &["item"], "catalog_city", Body::Derived(ItemDraftForm)),
    // There is no draft to publish: 409 for those who may.
    r("POST", "/admin/items/{code}/{action}", &["item", "publish"], "catalog_city", Form(&[])),
    // Turning 审核发布 off for one's own region: harmless to the other probes.
    r("POST", "/admin/review", &[], "catalog_admin", Form(&[("on", "0")])),
    get("/admin/import", &[], "catalog_admin"),
    r("POST", "/admin/import", &[], "catalog_admin", Multipart(&[])),
    get("/admin/export.xlsx", &[], "catalog_admin"),
    get("/admin/synonyms", &[], "catalog_admin"),
    r("POST", "/admin/synonyms", &[], "platform_catalog",
        Form(&[("phrase", SYNONYM), ("terms", "测试")])),
    with(r("POST", "/admin/synonyms/delete", &[], "platform_catalog", Form(&[("phrase", SYNONYM)])),
        Setup::Synonym),
    get("/admin/calendar", &[], "system_admin"),
    r("POST", "/admin/calendar", &[], "platform_calendar",
        Form(&[("year", "2100"), ("holidays", "授权表测试|2100-10-01|2100-10-02"), ("makeup_days", "")])),
    // Event delivery (views/events.rs): the whole installation's; an unknown dead letter is 422.
    get("/admin/events", &[], "platform_events"),
    r("POST", "/admin/events/replay", &[], "platform_events", Form(&[("sink", "none"), ("seq", "1")])),
    // Organisation set-up (views/setup.rs, api/setup.rs): no file or no rows is refused after
    // the authority check; each row is checked against the administrator's region.
    get("/admin/setup", &[], "system_admin"),
    r("POST", "/admin/setup/{kind}", &["setup_table"], "system_admin", Multipart(&[])),
    get("/admin/setup/{kind}/template.csv", &["setup_table"], "system_admin"),
    r("POST", "/api/v1/setup/{table}", &["setup_table"], "system_admin",
        Json(r#"{"rows": [], "dry_run": true}"#)),
    get("/api/v1/service-points", &[], "public"),
    // The 12345 hotline (views/hotline/, api/hotline.rs): authority first, then the probe's
    // empty or invalid input fails with 422.
    get("/hotline", &[], "hotline_staff"),
    get("/hotline/figures", &[], "hotline_staff"),
    get("/hotline/figures.xlsx", &[], "hotline_staff"),
    get("/hotline/desk", &[], "hotline_centre"),
    r("POST", "/hotline/desk", &[], "hotline_centre", Form(&[("action", "file")])),
    get("/hotline/tickets/{id}", &["hotline_ticket"], "hotline_view"),
    r("POST", "/hotline/tickets/{id}/step", &["hotline_ticket"], "hotline_handler",
        Form(&[("command", "extend"), ("days", "0")])),
    get("/hotline/knowledge", &[], "hotline_staff"),
    r("POST", "/hotline/knowledge", &[], "hotline_staff", Form(&[("question", "")])),
    get("/hotline/new", &[], "applicant"),
    r("POST", "/hotline/new", &[], "applicant", Form(&[("text", "")])),
    get("/hotline/mine", &[], "applicant"),
    get("/hotline/public", &[], "public"),
    get("/cb/{token}", &["sms_link"], "link_holder"),
    r("POST", "/cb/{token}", &["sms_link"], "link_holder", Form(&[("resolved", "1"), ("satisfied", "1")])),
    r("GET", "/results", &[], "public", Query("item={item}")),
    r("POST", "/items/{code}/questions", &["item"], "applicant", Form(&[("text", "")])),
    get("/questions", &[], "questions"),
    r("POST", "/questions/{id}/answer", &["question"], "question_answer", Form(&[("answer", "")])),
    get("/api/v1/hotline/tickets", &[], "hotline_staff"),
    r("POST", "/api/v1/hotline/tickets", &[], "hotline_file", Json(r#"{"kind": "", "region": "", "text": ""}"#)),
    get("/api/v1/hotline/tickets/mine", &[], "applicant"),
    get("/api/v1/hotline/tickets/{id}", &["hotline_ticket"], "hotline_view"),
    r("POST", "/api/v1/hotline/tickets/{id}/steps", &["hotline_ticket"], "hotline_handler",
        Json(r#"{"command": "extend", "days": 0, "reason": ""}"#)),
    get("/api/v1/hotline/tickets/{id}/events", &["hotline_ticket"], "hotline_view"),
    r("GET", "/api/v1/hotline/desk/search", &[], "hotline_centre", Query("q=身份证")),
    r("GET", "/api/v1/hotline/duplicates", &[], "hotline_centre", Query("phone=13900000001&text=排队")),
    r("GET", "/api/v1/hotline/suggestion", &[], "hotline_staff", Query("class=0901&region=511600")),
    get("/api/v1/hotline/classes", &[], "public"),
    get("/api/v1/hotline/figures", &[], "hotline_staff"),
    get("/api/v1/hotline/articles", &[], "hotline_staff"),
    r("POST", "/api/v1/hotline/articles", &[], "hotline_staff", Json(r#"{"question": "", "answer": "", "regions": [], "valid_from": "", "review_by": ""}"#)),
    get("/api/v1/hotline/articles/{id}", &["article"], "staff"),
    r("PUT", "/api/v1/hotline/articles/{id}", &["article"], "hotline_staff", Json(r#"{"question": "", "answer": "", "regions": [], "valid_from": "", "review_by": ""}"#)),
    get("/hotline/knowledge/{id}", &["article"], "staff"),
    r("POST", "/hotline/knowledge/{id}", &["article"], "hotline_staff", Form(&[("question", "")])),
    get("/api/open311/v2/services.json", &[], "public"),
    get("/api/open311/v2/services/{code}", &["service_json"], "public"),
    get("/api/open311/v2/requests.json", &[], "open311_list"),
    r("POST", "/api/open311/v2/requests.json", &[], "applicant", Form(&[("description", "")])),
    r("POST", "/api/post/scans", &[], "platform_signed", Json("{}")),
    r("POST", "/api/payments/notify", &[], "platform_signed", Json("{}")),
    // 跨市通办 (api/callbacks.rs): partner platforms only, by the signature; none is
    // configured here, and a session opens nothing.
    get("/api/tongban/items", &[], "platform_signed"),
    r("POST", "/api/tongban/forwards", &[], "platform_signed", Json("{}")),
    r("POST", "/api/tongban/progress", &[], "platform_signed", Json("{}")),
    r("POST", "/api/tongban/handovers", &[], "platform_signed", Json("{}")),
    get("/api/open311/v2/requests/{id}", &["hotline_json"], "hotline_view"),
    get("/api/v1/items/{code}/questions", &["item"], "public"),
    r("POST", "/api/v1/items/{code}/questions", &["item"], "applicant", Json(r#"{"text": ""}"#)),
    get("/api/v1/questions", &[], "questions"),
    r("POST", "/api/v1/questions/{id}/answer", &["question"], "question_answer", Json(r#"{"answer": ""}"#)),
    // The hall (views/hall/, api/hall.rs): probes judge authority first, then fail on the
    // input (an unknown line or window, no slot) or act on the citizen's own records.
    get("/halls", &[], "public"),
    get("/halls/{code}", &["hall"], "public"),
    r("POST", "/halls/{code}/book", &["hall"], "not_staff", Form(&[("line", "A")])),
    r("POST", "/halls/{code}/ticket", &["hall"], "applicant", Form(&[("line", "Z")])),
    get("/appointments", &[], "applicant"),
    r("POST", "/appointments/{code}/cancel", &["appointment"], "appointment_holder", Form(&[])),
    get("/tickets/{id}", &["queue_ticket"], "queue_ticket_view"),
    get("/halls/{code}/kiosk", &["hall"], "public"),
    r("POST", "/halls/{code}/kiosk/ticket", &["hall"], "public", Form(&[("opened", "0"), ("line", "A")])),
    r("POST", "/halls/{code}/kiosk/check-in", &["hall"], "public",
        Form(&[("opened", "0"), ("code", "X"), ("id_number", "")])),
    // The entry link without a valid token is a message at the kiosk; the item list sends
    // anyone but an applicant to the kiosk's start page.
    get("/halls/{code}/kiosk/enter", &["hall"], "public"),
    get("/halls/{code}/kiosk/apply", &["hall"], "public"),
    r("POST", "/halls/{code}/kiosk/simulated-read", &["hall"], "demo_only", Form(&[])),
    r("POST", "/api/kiosk/identity", &[], "platform_signed", Json("{}")),
    get("/halls/{code}/board", &["hall"], "public"),
    get("/desk", &[], "clerk"),
    r("POST", "/desk/sign-in", &[], "clerk", Form(&[("place", "{hall}|ZZ")])),
    r("POST", "/desk/sign-out", &[], "clerk", Form(&[])),
    r("POST", "/desk/pause", &[], "clerk", Form(&[("paused", "1")])),
    r("POST", "/desk/call", &[], "clerk", Form(&[])),
    r("POST", "/desk/act", &[], "clerk", Form(&[("ticket", "{queue_ticket}"), ("action", "recall")])),
    get("/halls/{code}/dashboard", &["hall"], "hall_staff"),
    get("/map", &[], "public"),
    get("/api/v1/halls", &[], "public"),
    get("/api/v1/halls/{hall}", &["hall"], "public"),
    // An empty body is refused after the authority check (422).
    r("PUT", "/api/v1/halls/{hall}", &["hall"], "system_admin", Json(r#"{"code": "{hall}"}"#)),
    r("GET", "/api/v1/halls/{hall}/slots", &["hall"], "public", Query("line=A&day=2100-01-01")),
    r("POST", "/api/v1/halls/{hall}/appointments", &["hall"], "not_staff", Json(r#"{"day": "", "band": ""}"#)),
    r("POST", "/api/v1/halls/{hall}/tickets", &["hall"], "public", Json(r#"{"source": "kiosk", "line": "Z"}"#)),
    get("/api/v1/halls/{hall}/board", &["hall"], "public"),
    get("/api/v1/halls/{hall}/board/events", &["hall"], "public"),
    get("/api/v1/halls/{hall}/figures", &["hall"], "hall_staff"),
    get("/api/v1/appointments", &[], "applicant"),
    r("POST", "/api/v1/appointments/{code}/cancel", &["appointment"], "appointment_holder", Json("{}")),
    r("POST", "/api/v1/appointments/{code}/change", &["appointment"], "appointment_holder",
        Json(r#"{"day": "2100-01-01", "band": "09:00"}"#)),
    r("POST", "/api/v1/appointments/{code}/check-in", &["appointment"], "appointment_holder", Json("{}")),
    get("/api/v1/tickets", &[], "applicant"),
    get("/api/v1/tickets/{id}", &["queue_ticket"], "queue_ticket_view"),
    r("POST", "/api/v1/tickets/{id}/window-action", &["queue_ticket"], "clerk", Json(r#"{"action": "recall"}"#)),
    get("/api/v1/desk", &[], "clerk"),
    r("POST", "/api/v1/desk/sign-in", &[], "clerk", Json(r#"{"hall": "{hall}", "window": "ZZ"}"#)),
    r("POST", "/api/v1/desk/sign-out", &[], "clerk", Json("{}")),
    r("POST", "/api/v1/desk/pause", &[], "clerk", Json(r#"{"paused": true}"#)),
    r("POST", "/api/v1/desk/call", &[], "clerk", Json("{}")),
    get("/api/v1/map", &[], "public"),
    // Staff accounts (views/staff.rs): resetting one's own password is refused after the scope.
    get("/admin/staff", &[], "system_admin"),
    r("POST", "/admin/staff", &[], "system_admin_city", Form(&[("region", "511600"), ("login", "")])),
    r("POST", "/admin/accounts/reset-password", &[], "system_admin_city", Form(&[("login", "admin")])),
    // Cases (views/cases/).
    get("/cases", &[], "applicant"),
    // A main item cannot be applied for: 409 for applicants.
    r("POST", "/cases", &[], "applicant", Form(&[("item", "{item_main}")])),
    r("POST", "/cases/agent", &[], "applicant",
        Multipart(&[("item", "{item}"), ("applicant", "{own_login}")])),
    get("/cases/{id}", &["case"], "case_view"),
    get("/cases/{id}/notices/{kind}", &["case_notice", "kind"], "case_view"),
    get("/cases/{id}/notices/{kind}/pdf", &["case_notice", "kind"], "case_view"),
    get("/cases/{id}/files/{hash}", &["case", "file"], "case_view"),
    r("POST", "/cases/{id}/act", &["case"], "case_intake",
        Multipart(&[("action", "reject_at_intake"), ("reason", "")])),
    get("/work", &[], "staff"),
    // Files a real draft for the citizen when allowed.
    r("POST", "/work/window", &[], "clerk_receives",
        Form(&[("item", "{item}"), ("applicant", "{own_login}")])),
    r("GET", "/cases/{id}/rate", &["case"], "case_view", Query("channel=pc")),
    // The case is not finished: 409 for its applicant.
    r("POST", "/cases/{id}/rate", &["case"], "case_rate", Form(&[("channel", "pc"), ("level", "1")])),
    r("POST", "/tickets/{id}/act", &["ticket"], "ticket_department",
        Form(&[("action", "contact"), ("note", "")])),
    get("/tablet", &[], "clerk"),
    r("POST", "/tablet", &[], "clerk", Form(&[("number", "{number}"), ("level", "0")])),
    // Agents (views/agents.rs).
    get("/agents", &[], "applicant_or_clerk"),
    r("POST", "/agents", &[], "applicant", Form(&[("agent", ""), ("days", "30")])),
    r("POST", "/agents/{id}/revoke", &["grant"], "grant_principal", Form(&[])),
    r("POST", "/agents/window", &[], "clerk",
        Multipart(&[("principal", ""), ("agent", ""), ("days", "30")])),
    // 中介超市 (views/market.rs): a job the city's clerk posted, the enterprise's pending
    // registration. Bodies are refused by the rules after the authority check.
    get("/market", &[], "public"),
    r("POST", "/market/jobs", &[], "market_buyer", Form(&[("region", "511602")])),
    get("/market/jobs/{id}", &["market_job"], "public"),
    r("POST", "/market/jobs/{id}/bid", &["market_job"], "enterprise", Form(&[("price", ""), ("days", "0")])),
    r("POST", "/market/jobs/{id}/select", &["market_job"], "market_job_buyer", Form(&[])),
    r("POST", "/market/jobs/{id}/contract", &["market_job"], "market_job_buyer", Form(&[("amount", "")])),
    r("POST", "/market/jobs/{id}/rate", &["market_job"], "market_job_buyer", Form(&[("stars", "0")])),
    r("POST", "/market/jobs/{id}/withdraw", &["market_job"], "market_job_buyer", Form(&[])),
    r("POST", "/market/jobs/{id}/deliver", &["market_job"], "market_winner", Multipart(&[])),
    get("/market/jobs/{id}/report", &["market_job"], "market_winner"),
    get("/market/intermediaries", &[], "public"),
    r("POST", "/market/intermediaries", &[], "enterprise", Form(&[("name", "")])),
    r("POST", "/market/intermediaries/{code}/review", &["intermediary"], "market_reviewer",
        Form(&[("decision", "reject"), ("note", "")])),
    // 惠企政策 (views/policies.rs): the demo's 免申即享 subsidy of 人社局 (published, with a grant
    // to the enterprise) and a draft of 市场监管局. Publishing the published one, revising or
    // stopping the draft are refused by the state after the authority check; bodies after it.
    get("/policies", &[], "public"),
    r("POST", "/policies", &[], "policy_writer", Form(&[])),
    get("/policies/new", &[], "policy_writer"),
    r("GET", "/policies/check", &[], "public", Query("code={policy_subject}")),
    get("/policies/mine", &[], "applicant"),
    get("/policies/{id}", &["policy"], "public"),
    r("POST", "/policies/{id}", &["policy_draft"], "policy_officer", Form(&[])),
    get("/policies/{id}/edit", &["policy_draft"], "policy_officer"),
    r("POST", "/policies/{id}/publish", &["policy"], "policy_officer", Form(&[])),
    r("POST", "/policies/{id}/revise", &["policy_draft"], "policy_officer", Form(&[])),
    r("POST", "/policies/{id}/withdraw", &["policy_draft"], "policy_officer", Form(&[])),
    r("POST", "/policies/{id}/auto-rule", &["policy_apply"], "item_admin_county", Form(&[])),
    // 通知公告, 政策解读 and news (views/posts.rs): the demo's pinned notice of 人社局 (public) and a
    // notice of 交通运输局 in review (submitted by 王事项, the city's catalog admin).
    get("/posts", &[], "public"),
    r("POST", "/posts", &[], "policy_writer", Form(&[])),
    get("/posts/new", &[], "policy_writer"),
    get("/posts/desk", &[], "policy_writer"),
    get("/posts/{id}", &["post"], "public"),
    r("POST", "/posts/{id}", &["post_review"], "policy_officer", Form(&[])),
    get("/posts/{id}/edit", &["post_review"], "policy_officer"),
    r("POST", "/posts/{id}/submit", &["post_review"], "policy_officer", Form(&[])),
    r("POST", "/posts/{id}/approve", &["post_review"], "policy_officer", Form(&[])),
    r("POST", "/posts/{id}/return", &["post_review"], "policy_officer", Form(&[])),
    r("POST", "/posts/{id}/withdraw", &["post_review"], "policy_officer", Form(&[])),
    // Rights by level (views/rights.rs): 北辰街道便民服务中心 and 最低生活保障 of 广安区民政局; the
    // delegation to 广福街道 waiting for its takeover (written by the county's catalog admin).
    get("/points/{code}", &["point"], "public"),
    r("POST", "/points/{code}/rights", &["point"], "item_admin_county", Form(&[("item_code", "{point_item}")])),
    r("POST", "/points/{code}/delegations", &["point"], "item_admin_county", Form(&[("item_code", "{point_item}")])),
    r("POST", "/delegations/{id}/accept", &["delegation"], "item_admin_county", Form(&[])),
    r("POST", "/delegations/{id}/decline", &["delegation"], "item_admin_county", Form(&[])),
    // 办不成事 (views/unresolved.rs): the citizen's report to 公安局, waiting for its answer.
    get("/unresolved", &[], "signed_in"),
    r("POST", "/unresolved", &[], "applicant_or_clerk", Form(&[])),
    r("POST", "/unresolved/{id}/answer", &["unresolved"], "unresolved_owner", Form(&[])),
    r("POST", "/unresolved/{id}/confirm", &["unresolved"], "unresolved_person", Form(&[])),
    r("POST", "/unresolved/{id}/reopen", &["unresolved"], "unresolved_person", Form(&[])),
    r("POST", "/policies/{id}/grants/{subject}/confirm", &["policy", "policy_subject"], "policy_grant_holder",
        Form(&[("bank", ""), ("account", "")])),
    r("POST", "/policies/{id}/grants/{subject}/pay", &["policy", "policy_subject"], "policy_officer",
        Form(&[("reference", "")])),
    // Oversight (views/oversight.rs): the demo's drawn 双随机 plan of 市场监管局 (no principal is
    // one of its inspectors or its approver), its decided penalty case and the credit record it
    // made for a firm that is none of the principals. Bodies are refused after the authority check.
    get("/inspections", &[], "public"),
    r("POST", "/inspections", &[], "inspection_planner", Form(&[])),
    get("/inspections/{id}", &["inspection_plan"], "public"),
    r("POST", "/inspections/{id}/draw", &["inspection_plan"], "nobody_in_table", Form(&[])),
    r("POST", "/inspections/{id}/results/{target}", &["inspection_plan", "inspection_target"], "nobody_in_table",
        Form(&[("outcome", "")])),
    r("POST", "/inspections/{id}/results/{target}/penalty", &["inspection_plan", "inspection_target"], "nobody_in_table",
        Form(&[("legal_basis", "")])),
    get("/penalties", &[], "public"),
    get("/penalties/{id}", &["penalty"], "public"),
    r("POST", "/penalties/{id}/step", &["penalty"], "nobody_in_table", Form(&[("action", "")])),
    get("/credit", &[], "applicant"),
    get("/credit/repairs", &[], "supervisor_any"),
    r("POST", "/credit/{id}/repair", &["credit_record"], "nobody_in_table", Form(&[("reason", "")])),
    r("POST", "/credit/{id}/decide", &["credit_record"], "supervisor_city", Form(&[("decision", "refuse"), ("note", "")])),
    // 工程建设项目 (views/projects.rs): the demo's warehouse and central kitchen. Bodies are refused by
    // the rules after the authority check.
    get("/projects", &[], "signed_in"),
    r("POST", "/projects", &[], "enterprise", Form(&[("floor_area", "x")])),
    get("/projects/stats", &[], "staff"),
    get("/projects/{code}", &["project"], "project_viewer"),
    r("POST", "/projects/{code}/agent", &["project"], "enterprise", Form(&[("agent", "nobody-here")])),
    r("POST", "/projects/{code}/holds", &["project"], "clerk", Form(&[("reason", "supplement"), ("from", "")])),
    r("POST", "/projects/{code}/holds/{id}/end", &["project", "project_hold"], "clerk", Form(&[("to", "")])),
    r("POST", "/projects/{code}/joints", &["project"], "project_reviewer", Form(&[("kind", "drawing_review"), ("departments", "")])),
    r("POST", "/projects/{code}/joints/{kind}/opinion", &["joint_project", "joint_kind"], "project_joint_member", Form(&[("decision", "rectify")])),
    r("POST", "/projects/{code}/joints/{kind}/close", &["joint_project", "joint_kind"], "project_joint_member", Form(&[])),
    r("POST", "/projects/{code}/joints/{kind}/resubmit", &["joint_project", "joint_kind"], "enterprise", Form(&[])),
    // Licenses (views/licenses.rs); revocation acts on the second license.
    get("/licenses", &[], "applicant"),
    get("/licenses/{id}", &["license"], "license_view"),
    get("/licenses/{id}/pdf", &["license"], "license_holder"),
    r("POST", "/licenses/{id}/revoke", &["license_rev"], "license_revoke",
        Form(&[("reason", "授权表测试")])),
    get("/v/{token}", &["token"], "public"),
    get("/verify", &[], "public"),
    r("POST", "/verify", &[], "public", Form(&[("token", "{token}")])),
    r("GET", "/work/coverage", &[], "clerk_in_region", Query("item={item}&who=x")),
    // Bundles.
    r("POST", "/bundles/{code}/apply", &["bundle"], "applicant", Multipart(&[])),
    get("/bundle-cases/{id}", &["bundle_case"], "bundle_case_view"),
    // Supervision and statistics (views/supervision.rs, views/stats.rs).
    get("/supervision", &[], "staff"),
    r("POST", "/supervision/warnings/{id}/notice", &["warning"], "supervise_city",
        Form(&[("message", "授权表测试督办")])),
    r("POST", "/supervision/notices/{id}/resolve", &["notice"], "notice_department",
        Form(&[("resolution", "授权表测试")])),
    r("POST", "/supervision/thresholds", &[], "platform_thresholds",
        Form(&[("scope", ""), ("yellow_days", "1"), ("yellow_percent", "20")])),
    // 考核 (views/assessment.rs): the platform's indicators and targets are the top region's.
    get("/assessment", &[], "assessment_view"),
    get("/assessment.xlsx", &[], "assessment_view"),
    r("POST", "/assessment/indicators", &[], "platform_thresholds", Form(&[])),
    r("POST", "/assessment/targets", &[], "platform_thresholds", Form(&[])),
    // 跨市通办 (views/tongban.rs): any window clerk forwards; a forward is seen and handed
    // over by the clerks whose region covers the window that sent it.
    get("/tongban", &[], "clerk"),
    get("/tongban/new", &[], "clerk"),
    r("POST", "/tongban", &[], "clerk", Multipart(&[("partner", "511300")])),
    get("/tongban/{id}", &["forward"], "clerk_in_region"),
    r("POST", "/tongban/{id}/handover", &["forward"], "clerk_in_region", Form(&[])),
    // 最多跑一次 (views/visits.rs): each supervisor their region's month and sample.
    get("/visits", &[], "assessment_view"),
    r("POST", "/visits/sample", &[], "assessment_view", Form(&[])),
    r("POST", "/visits/callbacks/{id}", &["case"], "assessment_view", Form(&[])),
    // 体外循环 (views/off_platform.rs): a suspicion on the citizen's case.
    get("/supervision/off-platform", &[], "off_platform_list"),
    r("POST", "/supervision/off-platform/{id}", &["off_platform"], "supervise_city", Form(&[])),
    r("GET", "/supervision/stats", &[], "stats_department", Query("department={department}")),
    r("GET", "/supervision/stats.xlsx", &[], "stats_department", Query("department={department}")),
    // 电子监察 through the API (api/supervision.rs): the page's scope rules.
    get("/api/v1/supervision/warnings", &[], "warnings_list"),
    get("/api/v1/supervision/warnings/{id}", &["warning"], "warning_view"),
    r("POST", "/api/v1/supervision/warnings/{id}/acknowledge", &["warning"], "supervise_city", Json("{}")),
    r("POST", "/api/v1/supervision/warnings/{id}/notices", &["warning"], "supervise_city",
        Json(r#"{"message": "授权表测试督办"}"#)),
    get("/api/v1/supervision/notices", &[], "staff"),
    r("POST", "/api/v1/supervision/notices/{id}/resolve", &["notice"], "notice_department",
        Json(r#"{"resolution": "授权表测试"}"#)),
    // The JSON API (api/).
    get("/api/openapi.json", &[], "public"),
    r("GET", "/api/v1/items", &[], "public", Query("limit=5")),
    r("POST", "/api/v1/items", &[], "catalog_city", Body::Derived(ItemJson)),
    get("/api/v1/items/{code}", &["item"], "public"),
    r("PUT", "/api/v1/items/{code}/draft", &["item"], "catalog_city", Body::Derived(ItemDraftJson)),
    r("POST", "/api/v1/items/{code}/publish", &["item"], "catalog_city", Json("{}")),
    r("GET", "/api/v1/search", &[], "public", Query("q=护照")),
    get("/api/v1/departments", &[], "public"),
    get("/api/v1/regions", &[], "public"),
    get("/api/v1/synonyms", &[], "public"),
    get("/api/v1/cases", &[], "applicant"),
    r("POST", "/api/v1/cases", &[], "applicant", Json(r#"{"item_code": "{item_main}"}"#)),
    get("/api/v1/cases/{id}", &["case"], "case_view"),
    r("POST", "/api/v1/cases/{id}/commands", &["case"], "case_supplement",
        Json(r#"{"command": "request_supplement", "materials": ["授权表测试"], "fields": [], "note": ""}"#)),
    r("POST", "/api/v1/cases/{id}/materials/{index}", &["case", "zero"], "case_view", ApiMultipart(&[])),
    r("POST", "/api/v1/cases/agent", &[], "applicant",
        ApiMultipart(&[("item_code", "{item}"), ("applicant", "{own_login}")])),
    get("/api/v1/cases/{id}/notices/{kind}", &["case_notice", "kind"], "case_view"),
    r("GET", "/api/v1/progress", &[], "public", Query("number={number}&tail={tail}")),
    get("/api/v1/agent-grants", &[], "applicant"),
    r("POST", "/api/v1/agent-grants", &[], "applicant", Json(r#"{"agent": "", "days": 30}"#)),
    r("POST", "/api/v1/agent-grants/{id}/revoke", &["grant"], "grant_principal", Json("{}")),
    // 中介超市 in JSON (api/market.rs): the same records and rules as its pages. Bodies are
    // well formed (a malformed one is refused before anyone is asked) and refused by the
    // rules after the authority check.
    get("/api/v1/market/jobs", &[], "public"),
    r("POST", "/api/v1/market/jobs", &[], "market_buyer", Json(r#"{"title": "", "service": "surveying", "scope": "", "budget_cap": 0, "bid_deadline": "2026-01-01T00:00:00+08:00", "delivery_days": 0, "method": "random", "region": "511602"}"#)),
    get("/api/v1/market/jobs/{id}", &["market_job"], "public"),
    r("POST", "/api/v1/market/jobs/{id}/bids", &["market_job"], "enterprise", Json(r#"{"price": 0, "days": 0}"#)),
    r("POST", "/api/v1/market/jobs/{id}/withdraw", &["market_job"], "market_job_buyer", Json("{}")),
    r("POST", "/api/v1/market/jobs/{id}/select", &["market_job"], "market_job_buyer", Json("{}")),
    r("GET", "/api/v1/market/jobs/{id}/draw", &["market_job"], "public", Query("seed=00")),
    r("POST", "/api/v1/market/jobs/{id}/contract", &["market_job"], "market_job_buyer", Json(r#"{"amount": 0, "days": 0}"#)),
    get("/api/v1/market/jobs/{id}/report", &["market_job"], "market_winner"),
    r("POST", "/api/v1/market/jobs/{id}/report", &["market_job"], "market_winner", ApiMultipart(&[])),
    r("POST", "/api/v1/market/jobs/{id}/rating", &["market_job"], "market_job_buyer", Json(r#"{"stars": 0}"#)),
    get("/api/v1/market/intermediaries", &[], "public"),
    r("POST", "/api/v1/market/intermediaries", &[], "enterprise", Json(r#"{"credit_code": "", "name": "", "services": [], "regions": [], "qualifications": [], "staff": 0, "phone": ""}"#)),
    get("/api/v1/market/intermediaries/{code}", &["intermediary"], "intermediary_viewer"),
    r("POST", "/api/v1/market/intermediaries/{code}/review", &["intermediary"], "market_reviewer", Json(r#"{"approve": false}"#)),
    get("/api/v1/market/credit-list", &[], "public"),
    get("/api/v1/notifications", &[], "signed_in"),
    get("/api/v1/licenses", &[], "applicant"),
    r("GET", "/api/v1/licenses/verify", &[], "public", Query("token={token}")),
    get("/api/v1/licenses/keys", &[], "public"),
    get("/api/v1/licenses/{id}", &["license"], "license_view"),
    r("POST", "/api/v1/licenses/{id}/revoke", &["license_rev"], "license_revoke",
        Json(r#"{"reason": "授权表测试"}"#)),
    r("GET", "/api/v1/statistics/materials-avoided", &[], "staff", Query("from={from}&to={to}")),
    get("/api/v1/bundles", &[], "public"),
    get("/api/v1/bundles/{code}", &["bundle"], "public"),
    r("PUT", "/api/v1/bundles/{code}", &["bundle"], "catalog_city", Body::Derived(BundleJson)),
    r("POST", "/api/v1/bundles/{code}/applications", &["bundle"], "applicant",
        Json(r#"{"form": {}, "materials": {}}"#)),
    get("/api/v1/bundle-cases/{id}", &["bundle_case"], "bundle_case_view"),
    r("POST", "/api/v1/uploads", &[], "signed_in", ApiMultipart(&[])),
    r("GET", "/api/v1/statistics", &[], "stats_department",
        Query("from={from}&to={to}&department={department}")),
    r("GET", "/api/v1/ratings", &[], "ratings_export", Query("from={from}&to={to}")),
    r("POST", "/api/v1/account/password", &[], "signed_in",
        Json(r#"{"current": "{password}", "new": "short", "confirm": "other"}"#)),
];
