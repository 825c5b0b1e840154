//! 我的账号: the logged-in person changes their password (also a session that logged in with
//! a temporary password, which may do nothing else until it has), and chooses how they are
//! told of their cases beside the inbox (消息提醒: 短信, 电子邮件).

use app::auth::{self, PasswordChange};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use domain::FieldError;

use super::{Nav, render};
use crate::ctx::{ClientIp, Ctx};
use crate::views::FormPage as _;
use crate::{AppState, WebError};

/// Where a session with a temporary password is sent.
pub const PASSWORD_PAGE: &str = "/account/password";

/// 消息提醒 preferences.
pub const NOTIFY_PAGE: &str = "/account/notifications";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PASSWORD_PAGE, get(page).post(change))
        .route(NOTIFY_PAGE, get(notify_page).post(notify_save))
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    nav: Nav,
    must_change: bool,
    errors: Vec<FieldError>,
    flash: String,
}

form_page!(PasswordPage);

#[derive(serde::Deserialize, Default)]
struct Flash {
    flash: Option<String>,
}

#[derive(serde::Deserialize)]
struct ChangeForm {
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

fn logged_in(ctx: &Ctx) -> Result<(), WebError> {
    if ctx.actor.is_anonymous() && !ctx.must_change_password {
        return Err(app::AppError::Unauthenticated.into());
    }
    Ok(())
}

async fn page(ctx: Ctx, Query(q): Query<Flash>) -> Result<Response, WebError> {
    logged_in(&ctx)?;
    let flash = match q.flash.as_deref() {
        Some("changed") => "密码已修改，您在其他设备上的登录已退出。".to_string(),
        _ => String::new(),
    };
    render(&PasswordPage {
        nav: Nav::of(&ctx),
        must_change: ctx.must_change_password,
        errors: vec![],
        flash,
    })
}

async fn change(
    State(s): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Form(f): Form<ChangeForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    logged_in(&ctx)?;
    let token = ctx.session_token.clone().unwrap_or_default();
    let change = PasswordChange {
        current: f.current,
        new: f.new,
        confirm: f.confirm,
    };
    let (errors, status) = match auth::change_password(&s.app, ip, &token, &change).await {
        Ok(()) => {
            let to = format!("{PASSWORD_PAGE}?flash=changed");
            return Ok(Redirect::to(&to).into_response());
        }
        Err(app::AppError::Validation(errors)) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e @ app::AppError::Throttled { .. }) => (
            vec![FieldError::new("current", "throttled", e.to_string())],
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) => return Err(e.into()),
    };
    let mut r = render(&PasswordPage {
        nav: Nav::of(&ctx),
        must_change: ctx.must_change_password,
        errors,
        flash: String::new(),
    })?;
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Template)]
#[template(path = "account_notifications.html")]
struct NotifyPage {
    nav: Nav,
    sms: bool,
    email: bool,
    email_address: String,
    phone: String,
    sms_offered: bool,
    email_offered: bool,
    /// (time, channel, masked address, state, text)
    recent: Vec<(String, String, String, String, String)>,
    errors: Vec<FieldError>,
    flash: String,
}

form_page!(NotifyPage);

#[derive(serde::Deserialize)]
struct NotifyForm {
    csrf: String,
    #[serde(default)]
    sms: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_address: String,
}

async fn notify_view(
    s: &AppState,
    ctx: &Ctx,
    form: Option<&domain::notify::Prefs>,
    errors: Vec<FieldError>,
    flash: String,
) -> Result<Response, WebError> {
    let st = app::notify::settings(&s.app, &ctx.actor).await?;
    let p = form.unwrap_or(&st.prefs);
    render(&NotifyPage {
        nav: Nav::of(ctx),
        sms: p.sms,
        email: p.email,
        email_address: p.email_address.clone(),
        phone: st.phone,
        sms_offered: st.channels.contains(&domain::notify::Channel::Sms),
        email_offered: st.channels.contains(&domain::notify::Channel::Email),
        recent: st
            .recent
            .into_iter()
            .map(|m| (super::fmt_time(m.at), m.channel, m.address, m.state, m.text))
            .collect(),
        errors,
        flash,
    })
}

async fn notify_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    let flash = match q.flash.as_deref() {
        Some("saved") => "消息提醒设置已保存。".to_string(),
        _ => String::new(),
    };
    notify_view(&s, &ctx, None, vec![], flash).await
}

async fn notify_save(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<NotifyForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let prefs = domain::notify::Prefs {
        sms: f.sms.is_some(),
        email: f.email.is_some(),
        email_address: f.email_address,
    };
    let result = app::notify::save(&s.app, &ctx.actor, &prefs).await;
    let again = async |errors: Vec<domain::FieldError>| {
        notify_view(&s, &ctx, Some(&prefs), errors, String::new()).await
    };
    super::after_post(result, |()| format!("{NOTIFY_PAGE}?flash=saved"), again).await
}
