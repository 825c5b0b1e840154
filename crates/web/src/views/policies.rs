//! 惠企政策 pages: the public list and a policy's page (terms, conditions in words, the 兑现
//! ledger as chart and table; for its officers the grants with the payment form and the
//! publish / revise / stop buttons), the officers' editor, the public check by credit code,
//! and an applicant's own page (policies likely for them, ranked, with what is missing; their
//! grants with the account form). The rules are `app::policies`'s.

use super::forms::Pressed;
use app::policies::{self, PolicyView};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::policy::{Fact, PolicyState};

use super::{Nav, Shows, fmt_time, render};
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

mod form;

use form::{EditPage, PolicyForm};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/policies", get(list).post(create))
        .route("/policies/new", get(new))
        .route("/policies/check", get(check))
        .route("/policies/mine", get(mine))
        .route("/policies/{id}", get(page).post(update))
        .route("/policies/{id}/edit", get(edit))
        .route("/policies/{id}/publish", post(publish))
        .route("/policies/{id}/revise", post(revise))
        .route("/policies/{id}/withdraw", post(withdraw))
        .route("/policies/{id}/auto-rule", post(auto_rule))
        .route("/policies/{id}/grants/{subject}/confirm", post(confirm))
        .route("/policies/{id}/grants/{subject}/pay", post(pay))
}

#[derive(Template)]
#[template(path = "policies.html")]
struct ListPage {
    nav: Nav,
    policies: Vec<PolicyView>,
    may_write: bool,
}

impl Shows for ListPage {}

async fn list(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let policies = policies::list(&s.app, &ctx.actor).await?;
    render(&ListPage {
        nav: Nav::of(&ctx),
        policies,
        may_write: policies::may_write(&ctx.actor),
    })
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    nav: Nav,
    p: PolicyView,
    conditions: Vec<String>,
    ledger: policies::Ledger,
    chart: String,
    grants: Vec<policies::GrantView>,
    /// A 申报 policy's item and whether its rule approves there (秒批).
    item_rule: Option<policies::ItemRule>,
    /// 政策解读 linked to the policy, shown now.
    posts: Vec<app::content::PostView>,
    /// A run's outcome just now, from the publish redirect.
    notice: String,
    errors: Vec<FieldError>,
}

impl Shows for PolicyPage {}

form_page!(PolicyPage);

impl PolicyPage {
    fn when(&self, ms: &i64) -> String {
        if *ms == 0 {
            String::new()
        } else {
            fmt_time(*ms)
        }
    }
    fn days(&self) -> String {
        self.ledger
            .days_to_pay
            .map_or("—".into(), |d| format!("{d:.1} 天"))
    }
}

/// The clauses of a policy in words.
pub(crate) fn conditions(p: &PolicyView) -> Vec<String> {
    p.terms
        .rule
        .clauses
        .iter()
        .map(|c| match Fact::parse(&c.fact) {
            Some(f) => domain::policy::describe(f, &c.test),
            None => format!("“{}”（平台没有这项信息）", c.fact),
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    ran: String,
}

async fn policy_page(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    notice: String,
    errors: Vec<FieldError>,
) -> Result<PolicyPage, WebError> {
    let p = policies::policy(&s.app, &ctx.actor, id).await?;
    let ledger = policies::ledger(&s.app, &ctx.actor, id).await?;
    let grants = if p.officer {
        policies::grants_of(&s.app, &ctx.actor, id).await?
    } else {
        vec![]
    };
    let chart = crate::charts::bars(
        "兑现进度（户）",
        &[
            ("已认定".to_string(), ledger.granted as f64),
            ("已确认账户".to_string(), ledger.confirmed as f64),
            ("已兑付".to_string(), ledger.paid as f64),
        ],
        "户",
    );
    let item_rule = policies::item_rule(&s.app, &ctx.actor, id).await?;
    let posts = app::content::about(&s.app, "policy", id).await?;
    Ok(PolicyPage {
        nav: Nav::of(ctx),
        posts,
        item_rule,
        conditions: conditions(&p),
        p,
        ledger,
        chart,
        grants,
        notice,
        errors,
    })
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let notice = match q.ran.split(',').collect::<Vec<_>>()[..] {
        [examined, eligible, granted, told] => format!(
            "已发布。平台比对了 {examined} 户，符合条件 {eligible} 户，本次新认定 {granted} 户，已通知 {told} 个账户。"
        ),
        _ => String::new(),
    };
    render(&policy_page(&s, &ctx, &id, notice, vec![]).await?)
}

async fn publish(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Pressed(ctx): Pressed,
) -> Result<Response, WebError> {
    match policies::publish(&s.app, &ctx.actor, &id).await {
        Ok(Some(r)) => Ok(Redirect::to(&format!(
            "/policies/{id}?ran={},{},{},{}",
            r.examined, r.eligible, r.granted, r.told
        ))
        .into_response()),
        Ok(None) => Ok(Redirect::to(&format!("/policies/{id}")).into_response()),
        // A draft that no longer passes (a rule saved before a check was added, a department
        // renamed): its editor shows where.
        Err(app::AppError::Validation(errors)) => {
            let p = policies::policy(&s.app, &ctx.actor, &id).await?;
            let page = EditPage::of(&s, &ctx, Some(id), PolicyForm::of(&p), errors).await?;
            Ok(super::unprocessable(render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

async fn revise(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Pressed(ctx): Pressed,
) -> Result<Response, WebError> {
    policies::set_state(&s.app, &ctx.actor, &id, PolicyState::Draft).await?;
    Ok(Redirect::to(&format!("/policies/{id}/edit")).into_response())
}

async fn withdraw(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Pressed(ctx): Pressed,
) -> Result<Response, WebError> {
    policies::set_state(&s.app, &ctx.actor, &id, PolicyState::Withdrawn).await?;
    Ok(Redirect::to(&format!("/policies/{id}")).into_response())
}

/// Makes the policy's rule a 秒批 condition of its item, as a draft the catalog publishes.
async fn auto_rule(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Pressed(ctx): Pressed,
) -> Result<Response, WebError> {
    policies::make_auto_rule(&s.app, &ctx.actor, &id).await?;
    let notice = "已生成事项草稿：秒批规则加入了本政策的适用条件。事项发布后生效。".to_string();
    render(&policy_page(&s, &ctx, &id, notice, vec![]).await?)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PayForm {
    csrf: String,
    reference: String,
}

async fn pay(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, subject)): Path<(String, String)>,
    Form(f): Form<PayForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let result = policies::pay(&s.app, &ctx.actor, &id, &subject, &f.reference).await;
    let again = async |errors: Vec<domain::FieldError>| {
        render(&policy_page(&s, &ctx, &id, String::new(), errors).await?)
    };
    super::after_post(result, |()| format!("/policies/{id}#grants"), again).await
}

#[derive(Template)]
#[template(path = "policy_check.html")]
struct CheckPage {
    nav: Nav,
    code: String,
    found: Option<policies::PublicCheck>,
    errors: Vec<FieldError>,
}

impl Shows for CheckPage {}

form_page!(CheckPage);

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CheckQuery {
    code: String,
}

async fn check(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CheckQuery>,
) -> Result<Response, WebError> {
    let code = q.code.trim().to_uppercase();
    let (found, errors) = if code.is_empty() {
        (None, vec![])
    } else {
        match policies::check_public(&s.app, &ctx.actor, &code).await {
            Ok(c) => (Some(c), vec![]),
            Err(app::AppError::Validation(e)) => (None, e),
            Err(e) => return Err(e.into()),
        }
    };
    let page = CheckPage {
        nav: Nav::of(&ctx),
        code,
        found,
        errors,
    };
    if page.errors.is_empty() {
        render(&page)
    } else {
        Ok(super::unprocessable(render(&page)?))
    }
}

#[derive(Template)]
#[template(path = "policies_mine.html")]
struct MinePage {
    nav: Nav,
    matched: Vec<policies::Checked>,
    grants: Vec<policies::GrantView>,
    /// The grant whose account form failed, and why.
    failed: String,
    errors: Vec<FieldError>,
    form: ConfirmForm,
}

impl Shows for MinePage {}

impl MinePage {
    fn when(&self, ms: &i64) -> String {
        if *ms == 0 {
            String::new()
        } else {
            fmt_time(*ms)
        }
    }
    fn error(&self, key: &str, field: &str) -> String {
        if key == self.failed {
            super::field_error(&self.errors, field)
        } else {
            String::new()
        }
    }
    fn masked(&self, account: &str) -> String {
        domain::policy::mask_account(account)
    }
}

async fn mine_page(
    s: &AppState,
    ctx: &Ctx,
    failed: String,
    errors: Vec<FieldError>,
    form: ConfirmForm,
) -> Result<MinePage, WebError> {
    let (matched, grants) = policies::matches(&s.app, &ctx.actor).await?;
    Ok(MinePage {
        nav: Nav::of(ctx),
        matched,
        grants,
        failed,
        errors,
        form,
    })
}

async fn mine(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/policies/mine").into_response());
    }
    render(&mine_page(&s, &ctx, String::new(), vec![], ConfirmForm::default()).await?)
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct ConfirmForm {
    csrf: String,
    bank: String,
    account: String,
}

async fn confirm(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, subject)): Path<(String, String)>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let result = policies::confirm(&s.app, &ctx.actor, &id, &subject, &f.bank, &f.account).await;
    let again = async |errors: Vec<domain::FieldError>| {
        let key = format!("{id}/{subject}");
        render(&mine_page(&s, &ctx, key, errors, f).await?)
    };
    super::after_post(result, |_| "/policies/mine#grants".to_string(), again).await
}

async fn new(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/policies/new").into_response());
    }
    if !policies::may_write(&ctx.actor) {
        return Err(app::AppError::Forbidden("只有事项管理员可以管理政策".into()).into());
    }
    render(&EditPage::of(&s, &ctx, None, PolicyForm::blank(), vec![]).await?)
}

async fn edit(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let p = policies::policy(&s.app, &ctx.actor, &id).await?;
    if !p.officer {
        return Err(app::AppError::Forbidden("该政策不属于您管理的地区和部门".into()).into());
    }
    render(&EditPage::of(&s, &ctx, Some(id), PolicyForm::of(&p), vec![]).await?)
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<PolicyForm>,
) -> Result<Response, WebError> {
    form::save(&s, &ctx, None, f).await
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<PolicyForm>,
) -> Result<Response, WebError> {
    form::save(&s, &ctx, Some(id), f).await
}
