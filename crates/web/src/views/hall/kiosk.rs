//! The 7×24 self-service kiosk (自助终端): large type and touch targets, an on-screen numeric
//! pad, real-name tickets and booking check-in without a keyboard for the common path; the
//! page clears itself after 60 s idle (app.js) and the server refuses a form left open longer
//! than `KIOSK_FORM_SECONDS`, so the next person never acts in someone else's session.

use super::super::forms::Pressed;
use app::hall::booking;
use app::hall::kiosk as kiosk_app;
use app::hall::tickets::{self, TakeTicket, TicketView};
use app::hall::{self as hall_app, Person};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::Form;
use axum_extra::extract::cookie::{Cookie, SameSite};
use domain::hall::Hall;
use domain::hall::queue::{GREEN_REASONS, Source};

use super::fixable;
use crate::ctx::{Ctx, csrf_cookie, session_cookie};
use crate::views::{Nav, render, unprocessable};
use crate::{AppState, WebError};

/// A kiosk form older than this is refused: its person has long gone.
const KIOSK_FORM_SECONDS: i64 = 600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/halls/{code}/kiosk", get(page))
        .route("/halls/{code}/kiosk/ticket", post(take))
        .route("/halls/{code}/kiosk/check-in", post(check_in))
        .route("/halls/{code}/kiosk/enter", get(enter))
        .route("/halls/{code}/kiosk/simulated-read", post(simulated_read))
        .route("/halls/{code}/kiosk/apply", get(apply))
}

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    nav: Nav,
    hall: Hall,
    /// The identity a simulated ID card reader returns (demo only, `?reader=simulated`), as
    /// `name|ID number`; empty for a real kiosk, whose shell provides the reader.
    simulated_reader: String,
    /// The demo offers 模拟刷卡 to log in for 自助办事 (the hall has a demo kiosk).
    simulated_login: bool,
    opened: i64,
    green_reasons: &'static [&'static str],
    error: String,
    receipt: Option<TicketView>,
}

fn kiosk(s: &AppState, ctx: &Ctx, hall: Hall) -> KioskPage {
    KioskPage {
        nav: Nav::of(ctx),
        hall,
        simulated_reader: String::new(),
        simulated_login: false,
        opened: s.app.now_ms(),
        green_reasons: GREEN_REASONS,
        error: String::new(),
        receipt: None,
    }
}

#[derive(serde::Deserialize, Default)]
struct KioskQuery {
    reader: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<KioskQuery>,
) -> Result<Response, WebError> {
    let hall = hall_app::hall(&s.app, &code).await?;
    let mut p = kiosk(&s, &ctx, hall);
    // The demo's simulated reader holds the demo citizen's card; a real site never offers it.
    if q.reader.as_deref() == Some("simulated") && s.app.settings.demo_shared_data {
        p.simulated_reader = format!("张三|{}", app::demo::demo_id_number("19900101", "123"));
        p.simulated_login = s.app.settings.kiosks.iter().any(|k| k.hall == p.hall.code);
    }
    render(&p)
}

fn fresh(s: &AppState, opened: i64) -> Result<(), app::AppError> {
    let age = (s.app.now_ms() - opened) / 1000;
    if !(0..=KIOSK_FORM_SECONDS).contains(&age) {
        return Err(app::AppError::State(
            "本次操作已超时，信息已清除，请重新开始".into(),
        ));
    }
    Ok(())
}

#[derive(serde::Deserialize)]
struct TicketForm {
    csrf: String,
    opened: i64,
    line: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    green_reason: String,
}

async fn finish(
    s: &AppState,
    ctx: &Ctx,
    hall: Hall,
    result: Result<TicketView, app::AppError>,
) -> Result<Response, WebError> {
    let mut p = kiosk(s, ctx, hall);
    match result {
        Ok(t) => {
            p.receipt = Some(t);
            render(&p)
        }
        Err(e) => {
            p.error = fixable(e)?;
            Ok(unprocessable(render(&p)?))
        }
    }
}

async fn take(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<TicketForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let hall = hall_app::hall(&s.app, &code).await?;
    let req = TakeTicket {
        line: f.line,
        person: Some(Person {
            name: f.name,
            id_number: f.id_number,
            phone: f.phone,
        }),
        green_reason: f.green_reason,
        position: None,
    };
    let anonymous = &app::auth::Actor::Anonymous;
    let result = match fresh(&s, f.opened) {
        Ok(()) => tickets::take(&s.app, anonymous, &code, Source::Kiosk, &req).await,
        Err(e) => Err(e),
    };
    finish(&s, &ctx, hall, result).await
}

#[derive(serde::Deserialize)]
struct CheckInForm {
    csrf: String,
    opened: i64,
    code: String,
    id_number: String,
}

async fn check_in(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<CheckInForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let hall = hall_app::hall(&s.app, &code).await?;
    let anonymous = &app::auth::Actor::Anonymous;
    let result = match fresh(&s, f.opened) {
        Ok(()) => {
            booking::check_in(&s.app, anonymous, &f.code, &f.id_number, Some(&hall.code)).await
        }
        Err(e) => Err(e),
    };
    // A code that is not found reads as a mistake to fix at the kiosk, not an error page.
    let result = result.map_err(|e| match e {
        app::AppError::NotFound(_) => app::AppError::field(
            "code",
            "not_found",
            "预约码或身份证号码不正确，请核对后重新输入",
        ),
        other => other,
    });
    finish(&s, &ctx, hall, result).await
}

#[derive(serde::Deserialize)]
struct EnterQuery {
    #[serde(default)]
    token: String,
}

/// The entry link a kiosk's reader got for the person at the kiosk: a short session, the
/// kiosk cookie, and on to the items they can do here. A spent or lapsed link says so on the
/// kiosk's start page.
async fn enter(
    State(s): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(code): Path<String>,
    Query(q): Query<EnterQuery>,
) -> Result<Response, WebError> {
    let hall = hall_app::hall(&s.app, &code).await?;
    match kiosk_app::enter(&s.app, &hall.code, &q.token).await {
        Ok((session, password_ended)) => {
            // Whoever was logged in at this kiosk before (and left without 退出) is logged
            // out for good, not only replaced in the cookie.
            if let Some(before) = &ctx.session_token {
                app::auth::logout(&s.app, before).await?;
            }
            let ttl = time::Duration::minutes(domain::hall::reader::SESSION_MINUTES);
            let kiosk = Cookie::build((crate::ctx::KIOSK_COOKIE, hall.code.clone()))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(s.secure_cookies)
                .max_age(ttl)
                .build();
            let jar = jar
                .add(session_cookie(session.token, s.secure_cookies, ttl))
                .add(csrf_cookie(session.csrf, s.secure_cookies))
                .add(kiosk);
            let next = format!(
                "/halls/{}/kiosk/apply{}",
                hall.code,
                if password_ended {
                    "?notice=password_ended"
                } else {
                    ""
                }
            );
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Err(e) => {
            let mut p = kiosk(&s, &ctx, hall);
            p.error = fixable(e)?;
            Ok(unprocessable(render(&p)?))
        }
    }
}

/// The demo's 模拟刷卡: the demo citizen's card at this hall's demo kiosk (404 elsewhere).
async fn simulated_read(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Pressed(_ctx): Pressed,
) -> Result<Response, WebError> {
    let entry = kiosk_app::simulated_reading(&s.app, &code).await?;
    Ok(Redirect::to(&entry.url).into_response())
}

#[derive(Template)]
#[template(path = "kiosk_apply.html")]
struct ApplyPage {
    nav: Nav,
    hall: Hall,
    items: Vec<kiosk_app::KioskItem>,
    /// This first check in person ended a password set online before.
    password_ended: bool,
}

#[derive(serde::Deserialize, Default)]
struct ApplyQuery {
    #[serde(default)]
    notice: String,
}

/// 自助办事: the items marked 自助可办 that serve this hall's region, for the person the
/// kiosk's reader logged in. Anyone else is sent to the kiosk's start page.
async fn apply(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<ApplyQuery>,
) -> Result<Response, WebError> {
    let hall = hall_app::hall(&s.app, &code).await?;
    if !matches!(ctx.actor, app::auth::Actor::Applicant { .. }) {
        return Ok(Redirect::to(&format!("/halls/{}/kiosk", hall.code)).into_response());
    }
    let items = kiosk_app::items(&s.app, &hall).await?;
    render(&ApplyPage {
        nav: Nav::of(&ctx),
        hall,
        items,
        password_ended: q.notice == "password_ended",
    })
}
