//! The page behind a link texted to a 12345 caller (`/cb/{token}`): no login, the token is the
//! key. The caller reads the answer and, for a 短信回访, says whether the matter was resolved
//! and whether they are satisfied.

use app::AppError;
use app::hotline::by_sms::{self, LinkView};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum_extra::extract::Form;

use super::super::forms::Problems;
use super::super::{Nav, render, unprocessable};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new().route("/cb/{token}", get(page).post(submit))
}

#[derive(Template)]
#[template(path = "hotline_callback.html")]
struct CallbackPage {
    nav: Nav,
    token: String,
    v: LinkView,
    flash: String,
    problems: Problems,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AnswerForm {
    csrf: String,
    resolved: String,
    satisfied: String,
    note: String,
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let v = by_sms::view(&s.app, &token).await?;
    render(&CallbackPage {
        nav: Nav::of(&ctx),
        token,
        v,
        flash: String::new(),
        problems: Problems::default(),
    })
}

/// "1"/"0" from a radio; anything else names the field.
fn choice(v: &str, field: &str, what: &str) -> Result<bool, AppError> {
    match v {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(AppError::field(field, "required", format!("请选择{what}"))),
    }
}

async fn submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let answered = match (
        choice(&f.resolved, "resolved", "问题是否解决"),
        choice(&f.satisfied, "satisfied", "是否满意"),
    ) {
        (Ok(r), Ok(sat)) => by_sms::answer(&s.app, &token, r, sat, &f.note).await,
        // Both questions unanswered: both named at once.
        (Err(AppError::Validation(mut a)), Err(AppError::Validation(b))) => {
            a.extend(b);
            Err(AppError::Validation(a))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match answered {
        Ok(v) => render(&CallbackPage {
            nav: Nav::of(&ctx),
            flash: if v.state == domain::hotline::State::Handling {
                "感谢您的答复。工单已退回承办单位重新办理，办理结果将再次短信告知。".into()
            } else {
                "感谢您的答复，工单已办结。".into()
            },
            token,
            v,
            problems: Problems::default(),
        }),
        Err(e @ (AppError::Validation(_) | AppError::State(_) | AppError::Conflict { .. })) => {
            let problems = Problems::of(&e, |f| Some(format!("cb-{f}")));
            let v = by_sms::view(&s.app, &token).await?;
            Ok(unprocessable(render(&CallbackPage {
                nav: Nav::of(&ctx),
                token,
                v,
                flash: String::new(),
                problems,
            })?))
        }
        Err(e) => Err(e.into()),
    }
}
