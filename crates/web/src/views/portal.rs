//! The public portal: home, search, service guides, departments and regions.

use std::sync::atomic::Ordering;

use app::ItemRow;
use app::RegionRow;
use app::SearchResults;
use app::catalog::{self, Guide, SearchParams};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::catalog::{OnlineDepth, Pending, PromisedLimit};
use domain::org::Department;

use super::for_whom::{ForWhomForm, ForWhomView};
use super::forms::Problems;
use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/search", get(search))
        .route("/care", get(care))
        .route("/items/{code}", get(guide))
        .route("/items/{code}/form.pdf", get(blank_form))
        .route("/departments", get(departments))
        .route("/departments/{code}", get(department))
        .route("/regions", get(regions))
        .route("/regions/{code}", get(region))
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    nav: Nav,
    popular: Vec<ItemRow>,
    departments: Vec<(Department, i64)>,
    counties: Vec<RegionRow>,
    /// 通知公告 and news on the portal now, newest first (pinned first).
    notices: Vec<app::content::PostView>,
    news: Vec<app::content::PostView>,
}

async fn home(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let popular = catalog::popular(&s.app, 8).await?;
    let departments = catalog::departments_with_counts(&s.app)
        .await?
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    let counties = app::org::regions_in_use(&s.app)
        .await?
        .iter()
        .filter(|r| r.level == "county" || r.level == "city")
        .cloned()
        .collect();
    use domain::content::PostKind;
    let notices = app::content::shown(&s.app, Some(PostKind::Notice), 5).await?;
    let news = app::content::shown(&s.app, Some(PostKind::News), 5).await?;
    render(&Home {
        nav: Nav::of(&ctx),
        popular,
        departments,
        counties,
        notices,
        news,
    })
}

/// Options of a filter select: (value, label, selected).
type Options = Vec<(String, String, bool)>;

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    nav: Nav,
    q: String,
    results: SearchResults,
    error: Option<String>,
    regions: Options,
    departments: Options,
    audiences: Options,
    depths: Options,
    prev: Option<String>,
    next: Option<String>,
    page: i64,
    /// 一件事 the search is about: (code, name, description), shown above the items.
    bundles: Vec<(String, String, String)>,
    /// Where to go when nothing matched: life events and departments.
    suggest: Option<(Links, Links)>,
    /// 通知公告, 政策解读 and news that match.
    posts: Vec<app::content::PostView>,
}

/// (code, name) pairs to link.
type Links = Vec<(String, String)>;

/// Everyday ways of asking that find something on any catalog, offered when nothing did.
const EXAMPLES: [&str; 8] = [
    "办护照",
    "开饭店",
    "上户口",
    "提公积金",
    "办退休",
    "补身份证",
    "房子过户",
    "低保",
];

fn opts(items: impl IntoIterator<Item = (String, String)>, current: &Option<String>) -> Options {
    items
        .into_iter()
        .map(|(v, l)| {
            let sel = current.as_deref() == Some(v.as_str());
            (v, l, sel)
        })
        .collect()
}

fn page_link(p: &SearchParams, offset: i64) -> String {
    let mut pairs = vec![("q", p.q.clone()), ("offset", offset.to_string())];
    for (k, v) in [
        ("region", &p.region),
        ("department", &p.department),
        ("audience", &p.audience),
        ("online_depth", &p.online_depth),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            pairs.push((k, v.clone()));
        }
    }
    format!(
        "/search?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

async fn search(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(mut p): Query<SearchParams>,
) -> Result<Response, WebError> {
    s.metrics.searches.fetch_add(1, Ordering::Relaxed);
    p.limit = Some(20);
    // A window clerk searching for a caller: the window's region first.
    if let app::auth::Actor::Staff { scope, .. } = &ctx.actor
        && p.near.as_deref().is_none_or(str::is_empty)
    {
        p.near = Some(scope.region.clone());
    }
    let (results, error) = match catalog::search(&s.app, &p).await {
        Ok(r) => (r, None),
        Err(app::AppError::Validation(v)) => (
            SearchResults::default(),
            Some(
                v.iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
        ),
        Err(e) => return Err(e.into()),
    };
    let regions = app::org::regions_in_use(&s.app)
        .await?
        .iter()
        .filter(|r| r.level != "province")
        .map(|r| (r.code.clone(), r.name.clone()))
        .collect::<Vec<_>>();
    let departments = app::org::department_list(&s.app)
        .await?
        .iter()
        .map(|d| (d.code.clone(), d.name.clone()))
        .collect::<Vec<_>>();
    let offset = p.offset.unwrap_or(0).max(0);
    let total = results.total as i64;
    let bundles = if offset == 0 && error.is_none() {
        let regions = match p.region.as_deref().filter(|r| !r.is_empty()) {
            Some(r) => app::org::serving_regions(r)?,
            None => vec![],
        };
        app::bundles::matching(&s.app, &results.words, &regions)
            .await?
            .into_iter()
            .map(|b| (b.code, b.name, b.description))
            .collect()
    } else {
        vec![]
    };
    // Notices and 解读 that speak of what was asked, beside the items.
    let posts = if offset == 0 && error.is_none() && !p.q.trim().is_empty() {
        app::content::search(&s.app, p.q.trim(), 3).await?
    } else {
        vec![]
    };
    // Nothing found: never an empty page, but the ways in that always lead somewhere.
    let suggest = if results.total == 0 && error.is_none() && bundles.is_empty() {
        let events = app::bundles::list(&s.app)
            .await?
            .into_iter()
            .take(8)
            .map(|(b, _)| (b.code, b.name))
            .collect();
        Some((events, departments.iter().take(12).cloned().collect()))
    } else {
        None
    };
    let page = SearchPage {
        suggest,
        nav: Nav::of(&ctx).with_query(&p.q),
        q: p.q.chars().take(100).collect(),
        error,
        regions: opts(regions, &p.region),
        departments: opts(departments, &p.department),
        audiences: opts(
            [
                ("natural_person".to_string(), "个人办事".to_string()),
                ("legal".to_string(), "法人办事".to_string()),
            ],
            &p.audience,
        ),
        depths: opts(
            OnlineDepth::ALL
                .iter()
                .map(|d| (d.name().to_string(), d.label().to_string())),
            &p.online_depth,
        ),
        prev: (offset > 0).then(|| page_link(&p, (offset - 20).max(0))),
        next: (offset + 20 < total).then(|| page_link(&p, offset + 20)),
        page: offset / 20 + 1,
        results,
        bundles,
        posts,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuidePage {
    nav: Nav,
    g: Guide,
    promised: String,
    /// 到现场 N 次, or 待补充.
    visits: String,
    /// The legal elements still to be supplied (a draft's preview), joined.
    pending: String,
    legal: String,
    compression: Option<String>,
    fully_online: bool,
    versions: Vec<(i64, String, String)>,
    can_edit: bool,
    can_apply: bool,
    fw: ForWhomView,
    problems: Problems,
    /// Answered questions published on the guide (网上咨询): question, answer, day.
    questions: Vec<(String, String, String)>,
    /// Who answers them: the item's department.
    answerer: String,
    /// 政策解读 and notices linked to the item, shown now.
    posts: Vec<app::content::PostView>,
}

#[derive(serde::Deserialize)]
struct VersionQuery {
    version: Option<String>,
}

async fn guide(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(v): Query<VersionQuery>,
) -> Result<Response, WebError> {
    let version = match v.version.as_deref().filter(|x| !x.is_empty()) {
        Some(x) => Some(
            x.parse::<i64>()
                .map_err(|_| app::AppError::field("version", "invalid", "版本号应为正整数"))?,
        ),
        None => None,
    };
    guide_page(
        &s,
        &ctx,
        &code,
        version,
        &ForWhomForm::default(),
        Problems::default(),
    )
    .await
}

/// The guide, with what a failed 在线申请 posted (whom it was for) and its problems.
pub(crate) async fn guide_page(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    version: Option<i64>,
    posted: &ForWhomForm,
    problems: Problems,
) -> Result<Response, WebError> {
    let g = catalog::guide(&s.app, &ctx.actor, code, version).await?;
    let def = g.def();
    let promised = match &def.promised_limit {
        _ if def.is_pending(Pending::PromisedLimit) => "待补充".to_string(),
        PromisedLimit::Instant => "即办（当场办结）".to_string(),
        PromisedLimit::Within(t) => t.describe(),
    };
    let visits = if def.is_pending(Pending::Visits) {
        "到现场次数待补充".to_string()
    } else {
        format!("到现场 {} 次", def.visits)
    };
    let pending = def
        .pending
        .iter()
        .map(|p| p.label())
        .collect::<Vec<_>>()
        .join("、");
    let legal = def
        .legal_limit
        .as_ref()
        .map(|t| t.describe())
        .unwrap_or_else(|| "法律法规未规定".into());
    let compression = def
        .compression_ratio()
        .filter(|r| *r > 0.0)
        .map(|r| format!("{:.0}%", r * 100.0));
    let fully_online = def.online_depth == OnlineDepth::FullyOnline;
    let versions = g
        .versions
        .iter()
        .map(|(v, st, at)| {
            (
                *v,
                st.label().to_string(),
                at.map(fmt_time).unwrap_or_default(),
            )
        })
        .collect();
    let can_edit = ctx
        .actor
        .catalog_admin()
        .is_ok_and(|a| a.scope().covers(&g.item.region, Some(&g.item.department)));
    let can_apply = !ctx.actor.has_role(domain::account::Role::Clerk)
        && !matches!(ctx.actor, app::auth::Actor::Staff { .. })
        && !g.is_preview
        && g.item.status == "active"
        && g.item.current_version == Some(g.version.version)
        && g.def().applies_online();
    let questions = app::hotline::knowledge::public_questions(&s.app, &g.item.code)
        .await?
        .into_iter()
        .map(|q| {
            let day = q
                .answered_at
                .map(|t| domain::calendar::china_date(t).to_string())
                .unwrap_or_default();
            (q.text, q.answer, day)
        })
        .collect();
    let answerer = g
        .department
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_else(|| g.def().department.clone());
    let posts = app::content::about(&s.app, "item", &g.item.code).await?;
    render(&GuidePage {
        questions,
        answerer,
        posts,
        fw: ForWhomView::new(&g.def().filed_for(), posted),
        problems,
        can_apply,
        nav: Nav::of(ctx),
        promised,
        visits,
        pending,
        legal,
        compression,
        fully_online,
        versions,
        can_edit,
        g,
    })
}

#[derive(Template)]
#[template(path = "departments.html")]
struct DepartmentsPage {
    nav: Nav,
    departments: Vec<(Department, i64)>,
}

async fn departments(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let departments = catalog::departments_with_counts(&s.app).await?;
    render(&DepartmentsPage {
        nav: Nav::of(&ctx),
        departments,
    })
}

#[derive(Template)]
#[template(path = "item_list.html")]
struct ItemListPage {
    nav: Nav,
    title: String,
    subtitle: String,
    items: Vec<ItemRow>,
    total: i64,
    halls: Vec<domain::org::Hall>,
    /// Service points in the region and below.
    points: Vec<domain::service_point::ServicePoint>,
}

async fn department(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let d = app::org::department(&s.app, &code).await?;
    let p = SearchParams {
        department: Some(code),
        limit: Some(100),
        ..Default::default()
    };
    let (items, total) = catalog::list_public(&s.app, &p).await?;
    let subtitle = [d.address.as_str(), d.phone.as_str()]
        .iter()
        .filter(|x| !x.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" · ");
    render(&ItemListPage {
        nav: Nav::of(&ctx),
        title: d.name,
        subtitle,
        items,
        total,
        halls: vec![],
        points: vec![],
    })
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    nav: Nav,
    regions: Vec<(RegionRow, usize)>,
}

async fn regions(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let rows = app::org::regions_in_use(&s.app).await?;
    let depth = |r: &RegionRow| match r.level.as_str() {
        "province" => 0,
        "city" => 1,
        "county" => 2,
        "township" => 3,
        _ => 4,
    };
    let regions = rows.iter().map(|r| (r.clone(), depth(r))).collect();
    render(&RegionsPage {
        nav: Nav::of(&ctx),
        regions,
    })
}

async fn region(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let r = app::org::region(&s.app, &code).await?;
    let halls = app::org::halls(&s.app)
        .await?
        .into_iter()
        .filter(|h| h.region == r.code)
        .collect();
    let points = app::org::service_points(&s.app, Some(&r.code)).await?;
    let p = SearchParams {
        region: Some(code),
        limit: Some(100),
        ..Default::default()
    };
    let (items, total) = catalog::list_public(&s.app, &p).await?;
    render(&ItemListPage {
        nav: Nav::of(&ctx),
        title: format!("{} 可办事项", r.name),
        subtitle: "含上级部门在本地实施的事项".into(),
        items,
        total,
        halls,
        points,
    })
}

#[derive(serde::Deserialize)]
struct CareQuery {
    /// "1" turns 适老化 mode on, anything else off.
    #[serde(default)]
    on: String,
}

/// Turns 适老化 mode on or off (a display preference in a cookie, so it needs no account and
/// no CSRF token: changing it changes nothing else) and goes back to the page it came from.
async fn care(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<CareQuery>,
) -> Result<Response, WebError> {
    use axum_extra::extract::cookie::{Cookie, SameSite};
    let on = q.on == "1";
    let cookie = Cookie::build((crate::ctx::CARE_COOKIE, if on { "1" } else { "0" }))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(s.secure_cookies)
        .max_age(time::Duration::days(365))
        .build();
    // Back to the referring page of this site only: its path, never another host.
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest).or(Some(r)))
        .and_then(|r| r.find('/').map(|i| r[i..].to_string()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/care"))
        .unwrap_or_else(|| "/".into());
    let mut res = Redirect::to(&back).into_response();
    if let Ok(v) = cookie.to_string().parse() {
        res.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    Ok(res)
}

/// 空白表格: the item's application form to print and fill in by hand (public, like the guide).
async fn blank_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let g = catalog::guide(&s.app, &ctx.actor, &code, None).await?;
    let department = g.department.as_ref().map_or("", |d| d.name.as_str());
    let bytes = app::form_pdf::blank_form_pdf(g.def(), department)?;
    Ok(super::cases::private_file(
        bytes,
        "application/pdf".into(),
        &format!("{}申请表.pdf", g.def().name),
    ))
}
