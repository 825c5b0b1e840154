//! 中介超市 pages: the public list of jobs and a job's page (bids, the result, the draw and
//! its re-run check), the buyer's and the intermediary's forms on it, the directory with the
//! credit list, registration, and the administrators' review. The rules are `app::market`'s.

use app::market::{self, IntermediaryView, JobView, Selection};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::market::{JobPost, JobState, Method, Qualification, Registration, Service, Standing};

use super::{Nav, Shows, fmt_time, render};
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/market", get(list))
        .route("/market/jobs", post(post_job))
        .route("/market/jobs/{id}", get(page))
        .route("/market/jobs/{id}/bid", post(on_bid))
        .route("/market/jobs/{id}/select", post(on_select))
        .route("/market/jobs/{id}/contract", post(on_contract))
        .route("/market/jobs/{id}/rate", post(on_rate))
        .route("/market/jobs/{id}/withdraw", post(on_withdraw))
        .route(
            "/market/jobs/{id}/deliver",
            post(deliver).layer(axum::extract::DefaultBodyLimit::max(24 * 1024 * 1024)),
        )
        .route("/market/jobs/{id}/report", get(report))
        .route("/market/intermediaries", get(firms).post(register))
        .route("/market/intermediaries/{code}/review", post(review))
}

fn millis(t: time::OffsetDateTime) -> i64 {
    app::millis(t)
}

fn when(t: &Option<time::OffsetDateTime>) -> String {
    t.map(|t| fmt_time(millis(t))).unwrap_or_default()
}

/// Yuan as typed ("38000", "38000.5") in fen; None when it is not an amount.
fn fen(text: &str) -> Option<i64> {
    domain::payment::price_of(&format!("{}元", text.trim()))
}

#[derive(Template)]
#[template(path = "market.html")]
struct ListPage {
    nav: Nav,
    jobs: Vec<JobView>,
    page: i64,
    pages: i64,
    total: i64,
    state: String,
    states: &'static [JobState],
    services: &'static [Service],
    methods: &'static [Method],
    /// May post a job (an enterprise, or staff).
    buyer: bool,
    errors: Vec<FieldError>,
    /// What was typed, shown again after an error.
    form: PostForm,
}

impl Shows for ListPage {}

form_page!(ListPage);

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    state: Option<String>,
    page: Option<i64>,
}

async fn list_page(
    s: &AppState,
    ctx: &Ctx,
    state: String,
    page: i64,
    errors: Vec<FieldError>,
    form: PostForm,
) -> Result<ListPage, WebError> {
    let state = JobState::parse(&state);
    let found = market::jobs(&s.app, &ctx.actor, state, page).await?;
    let state = state.map_or("", JobState::as_str).to_string();
    let nav = Nav::of(ctx);
    Ok(ListPage {
        buyer: nav.staff || ctx.actor.is_enterprise(),
        nav,
        jobs: found.jobs,
        page: found.page,
        pages: found.pages,
        total: found.total,
        state,
        states: JobState::ALL,
        services: Service::ALL,
        methods: Method::ALL,
        errors,
        form,
    })
}

async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let page = q.page.unwrap_or(1);
    let form = PostForm::default();
    render(&list_page(&s, &ctx, q.state.unwrap_or_default(), page, vec![], form).await?)
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct PostForm {
    csrf: String,
    title: String,
    service: String,
    scope: String,
    budget: String,
    deadline: String,
    days: String,
    method: String,
    region: String,
    project_code: String,
}

/// A `datetime-local` value, read as Beijing time.
fn local_time(text: &str) -> Option<time::OffsetDateTime> {
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    time::PrimitiveDateTime::parse(text.trim(), &f)
        .ok()
        .map(|t| t.assume_offset(domain::calendar::CHINA_OFFSET))
}

async fn post_job(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<PostForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    // Authority before the form is judged: a stranger learns nothing from the answer.
    market::may_post(&ctx.actor, f.region.trim())?;
    let mut errors = Vec::new();
    let service = Service::parse(&f.service);
    let method = Method::parse(&f.method);
    let budget = fen(&f.budget);
    let deadline = local_time(&f.deadline);
    let days = f.days.trim().parse::<u32>().ok();
    for (ok, field, message) in [
        (service.is_some(), "service", "请选择服务类型"),
        (method.is_some(), "method", "请选择选取方式"),
        (
            budget.is_some(),
            "budget_cap",
            "最高限价应为金额，如 50000 或 50000.50",
        ),
        (deadline.is_some(), "bid_deadline", "请填写报名截止时间"),
        (days.is_some(), "delivery_days", "服务期限应为天数"),
    ] {
        if !ok {
            errors.push(FieldError::new(field, "invalid", message));
        }
    }
    let result = match (service, method, budget, deadline, days) {
        (
            Some(service),
            Some(method),
            Some(budget_cap),
            Some(bid_deadline),
            Some(delivery_days),
        ) if errors.is_empty() => {
            let p = JobPost {
                title: f.title.clone(),
                service,
                scope: f.scope.clone(),
                budget_cap,
                bid_deadline,
                delivery_days,
                method,
                region: f.region.trim().to_string(),
                project_code: f.project_code.clone(),
            };
            market::post_job(&s.app, &ctx.actor, &p).await
        }
        _ => Err(app::AppError::Validation(errors)),
    };
    let again = async |errors: Vec<domain::FieldError>| {
        render(&list_page(&s, &ctx, String::new(), 1, errors, f).await?)
    };
    super::after_post(result, |j| format!("/market/jobs/{}", j.id), again).await
}

#[derive(Template)]
#[template(path = "market_job.html")]
struct JobPage {
    nav: Nav,
    job: JobView,
    /// Bidding is open now.
    open: bool,
    /// The actor is an enterprise that is not the buyer (may try to bid).
    may_bid: bool,
    /// The actor is the winner.
    winner: bool,
    /// The re-run check: the seed asked, and what came out.
    seed: String,
    verified: Vec<domain::market::DrawEntry>,
    errors: Vec<FieldError>,
    flash: String,
}

impl Shows for JobPage {}

form_page!(JobPage);

impl JobPage {
    fn when(&self, t: &Option<time::OffsetDateTime>) -> String {
        when(t)
    }
}

#[derive(serde::Deserialize, Default)]
struct PageQuery {
    seed: Option<String>,
    flash: Option<String>,
}

async fn job_page(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    q: PageQuery,
    mut errors: Vec<FieldError>,
) -> Result<JobPage, WebError> {
    let job = market::job(&s.app, &ctx.actor, id).await?;
    let seed = q.seed.unwrap_or_default();
    let mut verified = Vec::new();
    if !seed.trim().is_empty() {
        match market::verify_draw(&s.app, id, &seed).await {
            Ok(v) => verified = v,
            Err(app::AppError::Validation(e)) => errors.extend(e),
            Err(app::AppError::State(m)) => errors.push(FieldError::new("seed", "state", m)),
            Err(e) => return Err(e.into()),
        }
    }
    let me = ctx.actor.login();
    Ok(JobPage {
        open: job.state == JobState::Open && s.app.now() < job.post.bid_deadline,
        may_bid: ctx.actor.is_enterprise() && !job.mine,
        winner: !job.winner.is_empty() && me == Some(job.winner.as_str()),
        nav: Nav::of(ctx),
        job,
        seed,
        verified,
        errors,
        flash: match q.flash.as_deref().unwrap_or("") {
            "bid" => "报价已提交。报名截止前其他人看不到您的报价。",
            "select" => "已选定中介机构，结果已公示。",
            "contract" => "合同已登记。",
            "deliver" => "成果已交付。",
            "rate" => "评价已提交。",
            "withdraw" => "项目已撤回。",
            _ => "",
        }
        .into(),
    })
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    render(&job_page(&s, &ctx, &id, q, vec![]).await?)
}

/// Every field a job's forms post (each action reads its own).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ActForm {
    csrf: String,
    price: String,
    days: String,
    choice: String,
    amount: String,
    stars: String,
    comment: String,
    /// 综合评价: `quality_<credit code>` fields, collected below.
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

/// Each of a job's actions, one route each (the forms differ only in their fields).
macro_rules! job_action {
    ($($name:ident => $action:literal),* $(,)?) => {$(
        async fn $name(
            State(s): State<AppState>,
            ctx: Ctx,
            Path(id): Path<String>,
            Form(f): Form<ActForm>,
        ) -> Result<Response, WebError> {
            act(s, ctx, id, $action, f).await
        }
    )*};
}

job_action! {
    on_bid => "bid",
    on_select => "select",
    on_contract => "contract",
    on_rate => "rate",
    on_withdraw => "withdraw",
}

async fn act(
    s: AppState,
    ctx: Ctx,
    id: String,
    action: &str,
    f: ActForm,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let a = &ctx.actor;
    let days = f.days.trim().parse::<u32>().unwrap_or(0);
    let result = match action {
        // An unreadable amount is 0, which the rules refuse after checking who asks.
        "bid" => market::bid(&s.app, a, &id, fen(&f.price).unwrap_or(0), days).await,
        "select" => {
            let quality = f
                .rest
                .iter()
                .filter_map(|(k, v)| {
                    Some((
                        k.strip_prefix("quality_")?.to_string(),
                        v.trim().parse().ok()?,
                    ))
                })
                .collect();
            let sel = Selection {
                choice: Some(f.choice.clone()).filter(|c| !c.is_empty()),
                quality,
            };
            market::select(&s.app, a, &id, &sel).await
        }
        "contract" => market::contract(&s.app, a, &id, fen(&f.amount).unwrap_or(0), days).await,
        "rate" => {
            let stars = f.stars.trim().parse::<u8>().unwrap_or(0);
            market::rate(&s.app, a, &id, stars, &f.comment).await
        }
        "withdraw" => market::withdraw(&s.app, a, &id).await,
        _ => return Err(app::AppError::NotFound("操作".into()).into()),
    };
    done(&s, &ctx, &id, action, result).await
}

async fn done(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    action: &str,
    result: app::Result<JobView>,
) -> Result<Response, WebError> {
    let again = async |errors: Vec<domain::FieldError>| {
        render(&job_page(s, ctx, id, PageQuery::default(), errors).await?)
    };
    super::after_post(
        result,
        |_| format!("/market/jobs/{id}?flash={action}"),
        again,
    )
    .await
}

/// The winner uploads its report.
async fn deliver(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, WebError> {
    // Only an enterprise's body is read: nothing else may deliver.
    if !ctx.actor.is_enterprise() {
        return Err(app::AppError::Forbidden("只有中选机构可以交付成果".into()).into());
    }
    let f = super::cases::read_form(mp).await?;
    ctx.check_csrf(&f.csrf)?;
    // No file is an empty one, refused after checking who delivers.
    let (name, bytes) = f.files.get("report").cloned().unwrap_or_default();
    let result = market::deliver(&s.app, &ctx.actor, &id, &name, bytes).await;
    done(&s, &ctx, &id, "deliver", result).await
}

async fn report(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (name, bytes) = market::report(&s.app, &ctx.actor, &id).await?;
    Ok(super::attachment(&name, bytes))
}

#[derive(Template)]
#[template(path = "market_firms.html")]
struct FirmsPage {
    nav: Nav,
    approved: Vec<IntermediaryView>,
    credit: Vec<IntermediaryView>,
    /// For administrators: registrations waiting for review.
    pending: Vec<IntermediaryView>,
    services: &'static [Service],
    enterprise: bool,
    errors: Vec<FieldError>,
    flash: String,
}

form_page!(FirmsPage);

impl FirmsPage {
    fn services_of(&self, f: &IntermediaryView) -> String {
        let names: Vec<&str> = f.registration.services.iter().map(|s| s.label()).collect();
        names.join("、")
    }
}

async fn firms_page(
    s: &AppState,
    ctx: &Ctx,
    errors: Vec<FieldError>,
    flash: &str,
) -> Result<FirmsPage, WebError> {
    let pending = if ctx.actor.system_admin().is_ok() {
        market::list_intermediaries(&s.app, &ctx.actor, Standing::Pending).await?
    } else {
        vec![]
    };
    Ok(FirmsPage {
        approved: market::list_intermediaries(&s.app, &ctx.actor, Standing::Approved).await?,
        credit: market::credit_list(&s.app).await?,
        pending,
        services: Service::ALL,
        enterprise: ctx.actor.is_enterprise(),
        nav: Nav::of(ctx),
        errors,
        flash: match flash {
            "registered" => "入驻申请已提交，管理员审核通过后即可报价。",
            "reviewed" => "审核结果已记录。",
            _ => "",
        }
        .into(),
    })
}

#[derive(serde::Deserialize, Default)]
struct FirmsQuery {
    flash: Option<String>,
}

async fn firms(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FirmsQuery>,
) -> Result<Response, WebError> {
    render(&firms_page(&s, &ctx, vec![], q.flash.as_deref().unwrap_or("")).await?)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RegisterForm {
    csrf: String,
    name: String,
    phone: String,
    staff: String,
    regions: String,
    service: String,
    qualification: String,
    number: String,
    valid_until: String,
}

/// One service with its qualification per registration through the page (the use case takes
/// several; a firm offering more registers them through the API).
async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<RegisterForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    market::may_register(&ctx.actor)?;
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let result = match (
        Service::parse(&f.service),
        time::Date::parse(f.valid_until.trim(), &date),
    ) {
        (Some(service), Ok(valid_until)) => {
            let r = Registration {
                credit_code: ctx.actor.login().unwrap_or("").to_string(),
                name: f.name,
                services: vec![service],
                regions: f
                    .regions
                    .split([',', '，', ' '])
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect(),
                qualifications: vec![Qualification {
                    service,
                    name: f.qualification,
                    number: f.number,
                    valid_until,
                }],
                staff: f.staff.trim().parse().unwrap_or(0),
                phone: f.phone,
            };
            market::register(&s.app, &ctx.actor, &r).await.map(|_| ())
        }
        (None, _) => Err(app::AppError::field(
            "services",
            "required",
            "请选择服务类型",
        )),
        (_, Err(_)) => Err(app::AppError::field(
            "qualifications",
            "invalid",
            "资质有效期应为日期，如 2027-06-30",
        )),
    };
    let again =
        async |errors: Vec<domain::FieldError>| render(&firms_page(&s, &ctx, errors, "").await?);
    super::after_post(
        result,
        |()| "/market/intermediaries?flash=registered".to_string(),
        again,
    )
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ReviewForm {
    csrf: String,
    decision: String,
    note: String,
}

async fn review(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let result = market::review(&s.app, &ctx.actor, &code, f.decision == "approve", &f.note).await;
    let again =
        async |errors: Vec<domain::FieldError>| render(&firms_page(&s, &ctx, errors, "").await?);
    super::after_post(
        result,
        |_| "/market/intermediaries?flash=reviewed".to_string(),
        again,
    )
    .await
}
